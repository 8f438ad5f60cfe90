"""The thorough scan's word lists in the languages beyond lexicon.py's first nine: Czech, Slovak,
Turkish, Russian, Ukrainian, Romanian, Hungarian, Finnish, Greek, Indonesian and Vietnamese, plus the
inflected Polish forms and the ties of the first nine that lexicon.py lacks.

Each entry is a `lexicon.phrases` string, appended to the list of the same name in lexicon.py.
Inflected languages are listed in the forms a sentence about someone uses (nominative, the object
forms after "has" / "suffers from"), since the matcher reads whole words. A word that is common in
another language is left out where it would be a cue there: Romanian "are" (has) is English "are",
Turkish "hasta" (patient) is Spanish "until", Hungarian "van" (is) is a Dutch particle.
"""

from __future__ import annotations

ROLE_WORDS = """
zákazník | zákaznice | zákazníka | klientky | pacient | pacientka | pacienta | pacientky | zaměstnanec |
zaměstnankyně | zaměstnance | nájemník | nájemnice | uchazeč | uchazečka | kolegyně | manželka | manžel |
zákazníčka | zamestnanec | zamestnankyňa | nájomník | uchádzač | uchádzačka | kolegyňa |
pacjentem | pacjentce | klientem | pracownik | pracownica | pracownicy | współpracownik | najemczyni |
müşteri | müşterimiz | hastamız | hastanın | çalışan | çalışanımız | kiracı | kiracımız | aday | meslektaşım |
клиент | клиентка | клиента | клиентки | пациент | пациентка | пациента | пациентки | сотрудник | сотрудница |
сотрудника | арендатор | кандидат | кандидатка | заявитель | коллега | жена | муж | дочь | сын | мать | отец |
господин | госпожа | клієнт | клієнтка | клієнта | пацієнт | пацієнтка | пацієнта | співробітник | співробітниця |
орендар | дружина | чоловік | донька | батько | пані |
clientul | clienta | clientă | pacientul | pacienta | pacientă | angajat | angajata | angajatul | angajatei |
chiriaș | chiriașul | candidatul | colegul | colega | soția | soțul | fiica | fiul | domnul | doamna |
ügyfél | ügyfelünk | páciens | betegünk | munkavállaló | alkalmazott | bérlő | jelentkező | pályázó | kolléga |
asiakas | asiakkaamme | potilas | potilaan | työntekijä | työntekijämme | vuokralainen | hakija | työkaveri |
πελάτης | πελάτισσα | ασθενής | ασθενούς | υπάλληλος | ενοικιαστής | υποψήφιος | υποψήφια | συνάδελφος |
pelanggan | pasien | karyawan | pegawai | penyewa | pelamar | rekan kerja |
khách hàng | bệnh nhân | nhân viên | người thuê | ứng viên | đồng nghiệp
"""

HONORIFIC_WORDS = "sayın | господин | госпожа | domnul | doamna | κύριος | κυρία | bapak | pak | ibu | bu | ông | bà"

SALUTATIONS = """
vážený | vážená | milý | milá | dobrý den | dobrý deň | szanowni | sayın | merhaba | sevgili | değerli |
уважаемый | уважаемая | дорогой | дорогая | здравствуйте | добрый день | шановний | шановна | вітаю |
stimate | stimată | dragă | bună ziua | kedves | tisztelt | hyvä | arvoisa | hei |
αγαπητέ | αγαπητή | αξιότιμε | αξιότιμη | yth | yang terhormat | kepada | halo | kính gửi | thân gửi | xin chào
"""

SIGN_OFFS = """
s pozdravem | s přátelským pozdravem | s pozdravom | s úctou | z wyrazami szacunku | saygılarımla | iyi çalışmalar |
с уважением | с наилучшими пожеланиями | з повагою | cu stimă | cu respect | toate cele bune | üdvözlettel |
tisztelettel | ystävällisin terveisin | terveisin | με εκτίμηση | φιλικά | hormat saya | salam | trân trọng | thân ái
"""

INTRODUCTIONS = """
jmenuji se | mé jméno je | volám sa | moje meno je | benim adım | adım | меня зовут | моё имя | мое имя |
мене звати | моє ім'я | mă numesc | numele meu este | a nevem | nevem | nimeni on | με λένε | ονομάζομαι |
το όνομά μου είναι | nama saya | tên tôi là | tôi tên là
"""

PUBLIC_CUES = """
qui était | qui est | wer war | wer ist | quién fue | quién es | chi era | chi è | wie was | wie is | kim był | kim była |
quem foi | vem var | kdo byl | kdo byla | kto bol | kimdir | кто был | кто была | кто такой | кто такая |
хто був | хто була | cine a fost | ki volt | kuka oli | ποιος ήταν | ποια ήταν | siapa | là ai |
biographie | biografía | biografia | životopis | biyografi | биография | біографія | biografie | életrajz |
elämäkerta | βιογραφία | biografi | tiểu sử | berühmt | célèbre | famoso | famosa | beroemd | sławny | słynny |
spisovatel | spisovatelka | básník | malíř | prezident | spisovateľ | yazar | şair | ressam | cumhurbaşkanı |
писатель | поэт | художник | президент | письменник | поет | scriitor | pictor | președinte | író | költő | festő |
elnök | kirjailija | runoilija | taidemaalari | presidentti | συγγραφέας | ποιητής | ζωγράφος | πρόεδρος | penulis |
penyair | pelukis | presiden | nhà văn | nhà thơ | họa sĩ | tổng thống | pisarz | poeta | malarz | prezydent |
schrijver | schilder | scrittrice | escritora | écrivaine | schriftstellerin
"""

FIRST_POSSESSIVE = """
mojego | mojej | moją | moich | můj | moje | moja | мой | моя | моё | мое | мои | моего | моей | мій | моє | мої |
mea | mei | mele | minun
"""

THIRD_PERSON_POSSESSIVE = "jeho | její | jej | его | её | ее | його | її | său | sale | hänen"

PATIENT_WORDS = """
pacjentka | pacjentki | pacjenta | pacient | pacientka | pacienta | pacientky | hasta | hastanın | пациент |
пациентка | пациента | пацієнт | пацієнтка | pacientul | pacienta | pacientă | páciens | beteg | potilas |
potilaan | ασθενής | ασθενούς | pasien | bệnh nhân
"""

HEALTH_TERMS = """
rozpoznanie | nadciśnienie | nadciśnienia | nadciśnieniem | cukrzycę | cukrzycy | cukrzycą | raka | nowotwór |
nowotworu | depresję | depresji | depresja | zawał | zawał serca | udar | astmę | astmy | padaczka | padaczkę |
chemioterapia | chemioterapię | zwolnienie lekarskie | zwolnieniu lekarskim | zwolnienia lekarskiego | leczenie | zdiagnozowano | szpitalu | chorobę | choroby |
ciąży | insulinę |
diagnóza | diagnózu | diagnostikován | diagnostikována | rakovina | rakovinu | rakoviny | cukrovka | cukrovku |
cukrovky | deprese | depresia | těhotná | tehotná | těhotenství | nemocnice | nemocnici | nemocnica | nemocnici |
léky | lieky | léčba | liečba | chemoterapie | chemoterapia | infarkt | mrtvice | mŕtvica | hypertenze |
astma | epilepsie | onemocnění | ochorenie | neschopenka | pracovní neschopnost | práceneschopnosť |
tanı | tanısı | teşhis | teşhisi | kanser | şeker hastalığı | diyabet | depresyon | hamile | hastane | hastanede |
ilaç | ilaçları | tedavi | kemoterapi | kalp krizi | felç | yüksek tansiyon | tansiyon | astım | epilepsi |
hastalığı | hastalığına | sağlık raporu |
диагноз | диагнозом | рак | рака | сахарный диабет | диабет | диабетом | депрессия | депрессией | беременна |
беременность | больница | больнице | лекарства | лечение | химиотерапия | химиотерапию | инфаркт | инсульт |
гипертония | гипертонией | астма | эпилепсия | болезнь | заболевание | больничный | діагноз | цукровий діабет |
діабет | депресія | вагітна | вагітність | лікарня | лікарні | ліки | лікування | хіміотерапія | інсульт |
гіпертонія | епілепсія | хвороба | захворювання | лікарняний |
diagnosticat | diagnosticată | diabet | depresie | însărcinată | sarcină | spital | medicamente | tratament |
chimioterapie | infarct | accident vascular | hipertensiune | astm | boală | concediu medical |
diagnózis | rák | rákja | cukorbetegség | cukorbeteg | depresszió | terhes | terhesség | kórház | kórházban |
gyógyszer | gyógyszerek | gyógyszert | kezelés | kemoterápia | szívroham | infarktus | agyvérzés |
magas vérnyomás | asztma | epilepszia | betegség | betegsége | betegszabadság | táppénz |
diagnoosi | syöpä | syöpää | masennus | masennusta | raskaana | sairaala | sairaalassa | lääkkeet | lääke |
hoito | kemoterapia | sydänkohtaus | sydäninfarkti | aivohalvaus | verenpainetauti | korkea verenpaine |
epilepsia | sairaus | sairauden | sairausloma | sairauslomalla |
διάγνωση | καρκίνος | καρκίνο | διαβήτης | διαβήτη | κατάθλιψη | έγκυος | εγκυμοσύνη | νοσοκομείο | φάρμακα |
θεραπεία | χημειοθεραπεία | έμφραγμα | εγκεφαλικό | υπέρταση | άσθμα | επιληψία | ασθένεια | αναρρωτική |
didiagnosis | kanker | kencing manis | depresi | hamil | kehamilan | rumah sakit | pengobatan | kemoterapi |
serangan jantung | hipertensi | darah tinggi | asma | epilepsi | penyakit | cuti sakit |
chẩn đoán | ung thư | tiểu đường | trầm cảm | mang thai | có thai | bệnh viện | điều trị | hóa trị | đau tim |
nhồi máu cơ tim | đột quỵ | tăng huyết áp | cao huyết áp | hen suyễn | động kinh | nghỉ ốm |
diabetesta | diabetekseen | syöpään | masennukseen | cukrovkou | rakovinou | depresí | hypertenzí | depresiou |
diabetes mellitus | krankheit | erkrankung | erkrankt | brustschmerzen | demenz | asthma | multiple sklerose |
migräne | arthrose | rheuma | lungenentzündung | lungenkrebs | brustkrebs | darmkrebs | prostatakrebs | hautkrebs |
bauchspeicheldrüsenkrebs | longkanker | borstkanker | darmkanker | prostaatkanker | huidkanker | hoge bloeddruk |
multiple sclerose | hartfalen | chemotherapie | sclérose en plaques | asthme | épilepsie | infarctus | avc |
démence | esclerosis múltiple | asma | epilepsia | infarto | ictus | hipertensión | demencia | alzhéimer |
sclerosi multipla | epilessia | ipertensione | demenza | esclerose múltipla | enfarte | hipertensão | demência
"""

HEALTH_TIES = """
leidet unter | ist erkrankt an | erkrankte an | wurde diagnostiziert | est atteint de | est atteinte de | atteint de |
atteinte de | a été diagnostiqué | a été diagnostiquée | padece | padece de | fue diagnosticado | fue diagnosticada |
è affetto da | è affetta da | lijdt aan | hij heeft | zij heeft | ze heeft | sofre de | foi diagnosticado | foi diagnosticada | lider av |
cierpi na | zdiagnozowano u | jest leczony | jest leczona | przeszedł | przeszła | trpí | on má | ona má | byl diagnostikován |
byla diagnostikována | léčí se | je léčen | je léčena | prodělal | prodělala | bol diagnostikovaný |
bola diagnostikovaná | lieči sa | teşhisi kondu | tanısı kondu | tedavi görüyor | muzdarip | страдает | болеет |
болен | больна | у него | у неё | у нее | перенёс | перенес | перенесла | проходит лечение | поставлен диагноз |
поставили диагноз | страждає | хворіє | хворий | хвора | у нього | у неї | переніс | suferă de |
a fost diagnosticat | a fost diagnosticată | este tratat | este tratată | szenved | diagnosztizálták | kezelik |
sairastaa | kärsii | on todettu | todettiin | πάσχει από | διαγνώστηκε | menderita | mengidap | dirawat |
được chẩn đoán | đang điều trị | bị bệnh
"""
