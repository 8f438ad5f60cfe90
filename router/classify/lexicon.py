"""Word lists of the thorough scan (router/classify/people.py, records.py), by language: English,
German, French, Spanish, Italian, Dutch, Portuguese, Polish, Swedish/Danish/Norwegian where they
differ (eleven more languages join them from lexicon_more.py). The one-pass matcher that finds all
of them is in matcher.py.

The name gazetteers live in router/classify/data/ (derived from names-dataset, see derive_names.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from router.classify import lexicon_more as more
from router.classify.matcher import WORD, Matcher, Reading, lowered, phrases  # noqa: F401 (the detectors import them from here)

# Who a private person is to the writer: roles of account, care, employment, tenancy, family.
ROLE_WORDS = phrases("""
customer | client | patient | tenant | landlord | employee | staff member | applicant | candidate | caller |
subscriber | account holder | policyholder | policy holder | beneficiary | claimant | guest | passenger |
student | pupil | resident | colleague | coworker | co-worker | my report | direct report | contractor | intern |
member | volunteer | donor | buyer | borrower | debtor | defendant | plaintiff | witness | suspect | victim |
recipient | traveller | traveler | visitor | lodger | carer | caregiver | nurse | my manager | our manager |
wife | husband | son | daughter | mother | father | brother | sister | grandmother | grandfather | friend |
neighbour | neighbor | fiancé | fiancée | girlfriend | boyfriend | partner | boss | teacher | trainee |
kunde | kunden | kundin | patientin | patienten | mieter | mieterin | vermieter | mitarbeiter | mitarbeiterin | bewerber | bewerberin |
kollege | kollegin | schüler | schülerin | versicherte | versicherter | antragsteller | antragstellerin |
mitglied | mitarbeiters | bewerbers | mieters | mitglieds | frau | herr | herrn | ehefrau | ehemann | tochter | sohn | mutter | vater | nachbar | nachbarin |
cliente | clienta | paciente | inquilino | inquilina | empleado | empleada | candidata | solicitante |
compañero | compañera | socio | socia | alumno | alumna | asegurado | asegurada | beneficiario | beneficiaria |
locataire | employé | employée | salarié | salariée | candidat | collègue | adhérent | adhérente | élève |
assuré | assurée | bénéficiaire | patiente | madame | monsieur |
paziente | dipendente | candidato | collega | studente | studentessa | assicurato | assicurata |
klant | patiënt | huurder | werknemer | medewerker | medewerkster | sollicitant |
funcionário | funcionária | inquilina | colega |
klient | klienta | klientka | klientki | pacjent | pacjenta | pacjentka | pacjentki | pracownika | najemca | pracownik | pracownica | kandydat | kandydatka |
kund | kunden | anställd | hyresgäst | ansatt | medarbejder | lejer
""")

# Titles written before a name.
HONORIFICS = (r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Herr|Herrn|Frau|Mme|Mlle|Mmes|M\.|Monsieur|Madame|Mademoiselle|"
              r"Sr|Sra|Srta|Señor|Señora|Señorita|Don|Doña|Sig|Sig\.ra|Signor|Signora|Signorina|Dott|Dott\.ssa|"
              r"Pan|Pani|Dhr|Mevr|Meneer|Mevrouw|Sir|Dame|Fru|Hr|Pane|Paní|Pán|Domnule|Doamnă|Doamna|Domnul|Bay|Bayan|Bapak|Pak|"
              r"Ibu|Bu|Ông|Bà|Anh|Chị|Господин|Госпожа|Пан|Пані|Κύριε|Κυρία|Κύριος)\.?")

HONORIFIC_WORDS = phrases("""
mr | mrs | ms | miss | mx | dr | prof | herr | herrn | frau | mme | mlle | monsieur | madame | mademoiselle |
sr | sra | srta | señor | señora | señorita | don | doña | sig | signor | signora | signorina | dott | pan | pani |
dhr | mevr | meneer | mevrouw | sir | dame | fru | m | dipl.-ing. | dipl.-kfm. | dipl.-kffr. | dipl.-inf. | dipl.-psych. |
dipl.-päd. | dipl.-math. | dipl.-phys. | dipl.-chem. | dipl.-biol. | dipl.-volksw.""")
# Academic and professional titles between a cue and the name: "Kunden Dipl.-Ing. Janna Grein".
TITLES = (r"(?:(?:Dipl\.-[A-Z][a-z]+|Dr|Drs|Dra|Prof|Ing|Ir|Mag|Univ\.-Prof|B\.[A-Z][a-z]*|M\.[A-Z][a-z]*|MBA|PhD|"
          r"KH|Hj|H|Öğr\.[ \t]?Gör|Arş\.[ \t]?Gör|Öğr|Doç|Av|Uzm|Uz|Okt)\.?[ \t]+)*")

# Academic and professional titles after a name: "Anna Schmidt, PhD", "Kilian Kroker B.Eng.".
SUFFIXES = (r"(?:,?[ \t]+(?:Ph\.?D|M\.?D|DVM|DDS|MBA|MSc|M\.Sc|BSc|B\.Sc|B\.A|M\.A|B\.Eng|M\.Eng|B\.Ed|LL\.?M|"
            r"Jr|Sr|II|III|IV|Esq|CPA|RN|MPH|Dipl\.-[A-Z][a-z]+)\.*(?=[\s,!:;]|$))*")

SALUTATIONS = phrases("""
dear | hi | hello | hey | good morning | good afternoon | good evening | greetings |
liebe | lieber | liebes | hallo | sehr geehrte | sehr geehrter | guten tag | moin | servus |
bonjour | bonsoir | salut | cher | chère | hola | estimado | estimada | querido | querida | buenos días |
ciao | gentile | egregio | caro | cara | buongiorno | beste | geachte | hoi | hej | kære | dzień dobry |
szanowny | szanowna | drogi | droga | prezado | prezada | olá | bom dia
""")

SIGN_OFFS = phrases("""
best regards | kind regards | warm regards | warmest regards | regards | best wishes | best | sincerely |
yours sincerely | yours faithfully | yours truly | cheers | thanks | thank you | many thanks | all the best |
mit freundlichen grüßen | freundliche grüße | viele grüße | liebe grüße | beste grüße | herzliche grüße | gruß |
cordialement | bien cordialement | bien à vous | salutations | amicalement | bises |
saludos | un saludo | saludos cordiales | atentamente | un abrazo |
cordiali saluti | distinti saluti | saluti | un caro saluto |
met vriendelijke groet | vriendelijke groeten | groeten | groetjes |
pozdrawiam | z poważaniem | atenciosamente | abraços | cumprimentos | med vänliga hälsningar | hälsningar |
venlig hilsen | med vennlig hilsen
""")

# Introductions that name the speaker outright, and those that need a known given name after them.
INTRODUCTIONS = phrases("""
my name is | my name's | the name is | i am called | mein name ist | ich heiße | ich heisse | je m'appelle |
mon nom est | je me nomme | me llamo | mi nombre es | mi chiamo | il mio nome è | mijn naam is | ik heet |
nazywam się | mam na imię | meu nome é | chamo-me | me chamo | jag heter | mitt namn är | jeg hedder | jeg heter
""")
WEAK_INTRODUCTIONS = phrases("""
i'm | i am | this is | it's | it is | speaking with | ich bin | hier ist | hier spricht | je suis | c'est |
soy | habla | sono | parla | ik ben | jestem | eu sou | aqui é | jag är
""")

# What is said about a private person: account, care, employment.
ACCOUNT_VERBS = phrases("""
called | phoned | rang | emailed | e-mailed | wrote to us | complained | ordered | paid | owes | booked |
cancelled | canceled | returned | requested | applied | was hired | hired | was fired | fired | resigned |
was promoted | joined us | onboarded | was admitted | was diagnosed | was prescribed | was treated | was discharged |
missed | is late | moved in | moved out | disclosed | asked for |
will start | was born | is renting | rents |
account | invoice | contract | salary | payslip | appraisal | performance review | sick leave | appointment |
refund | complaint | subscription | booking | reservation | claim | loan | mortgage | lease | tenancy | policy |
order | delivery | parcel | visa | application | file | record | case | ticket |
hat angerufen | bestellt | beschwert | gekündigt | eingestellt | kündigung | vertrag | rechnung | gehalt | termin |
a appelé | a commandé | s'est plaint | a démissionné | facture | contrat | salaire | rendez-vous | dossier |
llamó | pidió | se quejó | renunció | factura | contrato | salario | cita | expediente |
ha chiamato | ha ordinato | fattura | contratto | stipendio | appuntamento | pratica | angerufen | gekündigt |
heeft gebeld | belde | gebeld | klaagde | factuur | afspraak | bestelling | ringede | klagede | faktura | aftale |
bestilling | feedback | interview | onboarding | offboarding | payroll | timesheet | meeting notes | worked with us | works with us | worked for us | works for us | has worked | was employed
""")

# A record kept of a customer, patient or employee, as its label reads before a colon and its holder's
# name ("Kundendatensatz: Heiderose Häring-Ziegert", "klantdossier bij: ...").
RECORD_LABELS = phrases("""
customer record | client record | patient record | employee record | personnel file | customer file | client file |
patient file | customer profile | member record | kundendatensatz | kundendaten | kundenakte | kundenkonto |
patientenakte | personalakte | mitarbeiterakte | klantdossier | klantgegevens | klantenkaart | patiëntendossier |
personeelsdossier | kundekortet | kundekort | kundkort | kundregistret | kundregister | kundekartotek | asiakastiedot |
asiakasrekisteri | fiche client | dossier client | dossier patient | ficha del cliente | ficha de cliente |
expediente del cliente | scheda cliente | scheda paziente | cadastro do cliente | ficha do cliente | dane klienta |
kartoteka klienta | müşteri kaydı | müşteri kaydını | hasta kaydı | karta klienta""")

# Words that put a named person in the writer's dealings: weak cues (silent next to public figures).
INTERACTIONS = phrases("""
call with | meeting with | met with | meet with | spoke with | spoke to | talked to | talk to | talk with | speak to | speak with | check with | follow up with | chat with | interview with |
appointment with | on behalf of | forward this to | send this to | reference for | feedback for | cc | attn | attention |
ask | invite | remind | tell | thank | email | e-mail | ping | text | notify | inform | send to | sent to |
forward to | reply to | respond to | write to | wrote to | letter to | note to | assign to | assigned to |
frag | erinnere | schreib an | antworte | demande à | rappelle | écris à | réponds à | pregúntale a |
recuérdale a | escribe a | responde a | chiedi a | ricorda a | scrivi a | rispondi a | vraag | herinner |
call back | invite | welcome | congratulate | hire | onboard | interview | introduce | recommend | nominate | greet |
gespräch mit | termin mit | telefonat mit | rendez-vous avec | entretien avec | reunión con | llamada con |
riunione con | chiamata con | gesprek met | afspraak met |
opened by | raised by | submitted by | filed by | logged by | reassigned to""")

# Said of famous people and works, not of a writer's customers: weak cues stay silent next to them.
PUBLIC_CUES = phrases("""
who was | who is | who were | biography | famous | history of | historical | historian | president | prime minister |
  emperor | empress | pope |  prize | nobel | oscar | grammy | wrote | written by | novel |
novels | novelist | poem | poet | poetry | painter | painted | painting | composer | composed | symphony |
scientist | physicist | chemist | philosopher | theory of | actor | actress | singer |   
film | movie |    character | characters | protagonist | fiction | fictional | 
 chapter |  play by | playwright | author | authors | prose | style of | quote | quotes | speech |
address by | gettysburg | inventor | invented | invent | invention | discovered | discovery | century | dynasty | war | battle | reign |
olympic | champion |    celebrity |    myth | mythology | bible |
in pride and prejudice | shakespeare | according to | compare | comparison | analyse | analyze | essay on |
lived from | died in | died | influential | in history | life of | achievements | legacy | known for | famous for |
best known | contributions | discoveries | narrator | story | stories | storyline | plot | album | albums | songs |
filmography | career of | in the book | first book | the books | book series | series | favourite | favorite |
ceo | announced | keynote | based on | landmark | landmarks | tourist | tourists | sightseeing | walking tour |
museum | tallest | architecture | architect | well known | well-known | real-life | detective | hero | heroine | villain | saga | legend | paintings | works of | life and work | tell me about | who is | trivia | assassinated | founder of | founded | ceo of | senator | governor | mayor of |
schriftsteller | roman | dichter | maler | komponist | schauspieler | präsident | könig | königin | kaiser |
écrivain | roman de | poète | peintre | compositeur | acteur | président | roi | reine | empereur |
escritor | novela | poeta | pintor | compositor | actor | presidente | rey | reina | emperador |
scrittore | romanzo | pittore | compositore | attore | re | regina | imperatore
""")


FIRST_POSSESSIVE = phrases("""
my | mein | meine | meinen | meiner | meinem | mon | ma | mes | mi | mis | mio | mia | miei | mie | mijn |
mój | moja | moje | meu | minha | meus | minhas | min | mitt | mina""")
# Not Dutch "zijn" (his): it is far more often "are" ("Wat zijn de symptomen van ...?").
THIRD_PERSON_POSSESSIVE = phrases("his | her | their | sein | seine | seiner | ihr | ihre | ihrer | sa | ses | su | sus | suo | sua | haar | jego | jej | dele | dela")

TASK_WORDS = phrases("""
draft | write | reply | respond | answer | send | remind | invoice | letter | e-mail | email | message | note |
confirm | book | schedule | reschedule | rebook | cancel | update | thank | welcome | congratulate | apologise |
apologize | invite | call | contact | notify | proofread | formuliere | schreibe | schreib | antworte |
erinnere | rédige | écris | écrire | envoie | réponds | répondre | redacta | escribe | envía | responde | scrivi |
invia | rispondi | schrijf | stuur | napisz""")
PATIENT_WORDS = phrases("patient | patients | patientin | patienten | paciente | patiente | paziente | patiënt | pacjent | pacjentka")
DISCLOSURE_WORDS = phrases("""
disclosed | reported | reports | told | tells | says | said | informed | record | records | file | note | revealed |
mitgeteilt | berichtet | a révélé | signale | informó | informa | ha segnalato | meldt""")
DETERMINERS = phrases("the | this | that | our | my | an | a | one | le | la | l' | un | une | der | die | das | ein | eine | el | una | il | lo | de | het | een")
SPECIAL_TIES = phrases("""
i am | i'm | he is | she is | he's | she's | they are | he has | she has | i have | they have | he had | she had |
i had | ich bin | er ist | sie ist | je suis | il est | elle est |
soy | sono | ik ben | hij is | zij is | jestem | sou | jag är""")

# A person's own health: terms, and the verbs that tie a condition to someone.
HEALTH_TERMS = phrases("""
diagnosis | diagnosed | diagnoses | chemotherapy | chemo | radiotherapy | radiation therapy | dialysis | cancer |
tumour | tumor | leukemia | leukaemia | lymphoma | melanoma | diabetes | diabetic | hiv | hiv-positive | aids |
hepatitis | asthma | epilepsy | seizure | seizures | depression | depressed | anxiety disorder | panic attacks |
bipolar | schizophrenia | adhd | autism | autistic | dementia | alzheimer's | alzheimer | parkinson's | parkinson |
multiple sclerosis | stroke | heart attack | myocardial infarction | chest pain | hypertension | high blood pressure |
pregnancy | pregnant | miscarriage | abortion | ivf | infertility | surgery | operated | prescription |
prescribed | medication | medications | insulin | antidepressants | antidepressant | therapist | psychiatrist |
psychotherapy | rehab | addiction | alcoholism | overdose | disability | disabled | wheelchair | allergy | allergic |
blood test | lab results | mri | ct scan | x-ray | biopsy | sick note | sick leave | medical leave | medical record |
medical records | medical history | covid | tested positive | injury | fracture | concussion | hospitalised |
hospitalized | hospital | icu | intensive care | mental health | burnout | eating disorder | anorexia | bulimia |
migraine | migraines | arthritis | osteoporosis | std | sti | chlamydia | syphilis | cholesterol | blood pressure |
symptoms | symptom | treatment | treated for | physiotherapy |
adhs | tdah | panikattacken | angststörung | diagnose | diagnostiziert | chemotherapie | krebs | tumor | diabetiker | depressionen | schwangerschaft | schwanger |
krankschreibung | krankgeschrieben | arbeitsunfähig | arbeitsunfähigkeit | medikamente | medikament |
therapie | krankenhaus | befund | blutdruck | herzinfarkt | schlaganfall | allergie | behinderung | reha |
diagnostic | diagnostiqué | diagnostiquée | chimiothérapie | diabète | diabétique | insuline | vih | dépression | enceinte | grossesse |
arrêt maladie | ordonnance | médicament | médicaments | hospitalisé | hospitalisée | traitement | handicap | maladie |
diagnóstico | diagnosticado | diagnosticada | quimioterapia | cáncer | diabético | diabética | insulina | depresión | embarazada | embarazo |
baja médica | receta | medicamento | medicamentos | hospitalizado | hospitalizada | tratamiento | discapacidad |
enfermedad | diagnosi | chemioterapia | cancro | tumore | diabete | depressione | incinta | gravidanza | malattia |
ricetta | farmaco | farmaci | ricoverato | ricoverata | terapia | disabilità | diagnosticato | diagnosticata |
diagnose | kanker | zwanger | ziekenhuis | medicijnen | ziek | ziekte | dementie | depressie | astma | epilepsie |
hartaanval | beroerte | diabetisch | diabetico | diabetica | diagnoza | rak | cukrzyca | ciąża | w ciąży |
szpital | leki | choroba | diagnóstico | câncer | gravidez | grávida | remédio | doença | diagnos | sjukskriven | gravid |
slipped disc | herniated disc | disc herniation | heart surgery | bypass surgery | bandscheibenvorfall |
bandscheibenvorfalls | herzoperation | hernie discale | opération du cœur | hernia discal | operación de corazón |
ernia del disco | intervento al cuore | hernia dyskowa | hernia de disco | cirurgia cardíaca | hernia | herniated |
burn-out | blood sugar | blood glucose | expecting a baby | expecting twins | expecting triplets | maternity leave | morning sickness |
knie-op | hüft-op | ziek gemeld | ziekgemeld | ziekmelding |
""" + " | ".join(f"{verb} {whose} {bone}" for verb in ("broke", "fractured") for whose in ("his", "her", "their", "my")
               for bone in "arm leg wrist ankle hip collarbone foot hand nose rib ribs finger toe elbow shoulder".split()))
HEALTH_TIES = phrases("""
was diagnosed | has been diagnosed | have been diagnosed | is diagnosed | got diagnosed | suffers from | suffering from |
i have | i've got | i am | i'm | is on | takes | is taking | i take | i'm taking | was admitted | is admitted |
presents with | history of | treated for | prescribed | tested positive | was hospitalised | was hospitalized |
has been hospitalised | has been hospitalized | is in hospital | was taken to hospital | is off with | off sick with | disclosed | underwent | is recovering |
is undergoing | am undergoing | is being treated | is receiving |
had surgery | sick leave | sick note | medical leave | off sick | he has | she has | he had | she had |
they have | er hat | sie hat | il a | elle a | él tiene | ella tiene | lui ha | lei ha | patient has | has been | ich habe | ich bin | leidet an | j'ai | je suis |
souffre de | tengo | estoy | sufre de | ho | sono | soffre di | ik heb | mam | jestem | choruje na | tenho | estou
""")

SPECIAL_CATEGORIES: dict[str, str] = {
    "religion": phrases("""
        religion | religious | religious holidays | faith | church member | churchgoer | mosque | synagogue | muslim |
        christian | catholic | protestant | jewish | hindu | buddhist | sikh | atheist | converted to |
        jehovah's witness | jehovah's witnesses | mormon | latter-day saint | evangelical christian | orthodox jew |
        baha'i | bahá'í | scientologist | agnostic | observes ramadan | fasting for ramadan | wears a hijab |
        wears a headscarf | wears a turban | keeps kosher | observes the sabbath | observes shabbat |
        konfession | religiös | religiöse | kirchenmitglied | muslimisch | jüdisch | katholisch | evangelisch |
        religieux | religieuse | musulman | musulmane | juif | juive | catholique | religioso | religiosa |
        musulmán | judío | judía | católico | católica | religione | ebreo | cattolico"""),
    "trade union": phrases("""
        trade union | labor union | labour union | union member | union members | union membership |
        union representative | trade unions | trade union members | unionised | unionized |
        union rep | joined the union | joined a union | union dues | gewerkschaft | gewerkschaftsmitglied | gewerkschaftsmitglieder |
        syndicat | syndiqué | syndiquée | syndiqués | syndiquées | syndicats | sindicato | sindicado | sindacato | iscritto al sindacato | vakbond |
        związek zawodowy | fackförbund"""),
    "ethnicity": phrases("""
        ethnicity | ethnic origin | ethnic background | racial origin | racial background | race or ethnicity |
        ethnische herkunft | origine ethnique | origen étnico | origine etnica | etnische afkomst"""),
    "sexual orientation": phrases("""
        sexual orientation | gay | lesbian | bisexual | homosexual | transgender | came out | coming out | queer | lgbt | lgbtq |
        sexuelle orientierung | schwul | lesbisch | orientation sexuelle | homosexuel | homosexuelle |
        orientación sexual | orientamento sessuale"""),
    "political opinion": phrases("""
        political opinion | political opinions | political views | political affiliation | party member |
        party membership | voted for | votes for | member of the party | party activist | party donor |
        supports the party | parteimitglied | politische meinung |
        opinion politique | afiliación política | opinione politica"""),
    "genetic data": phrases("""
        genetic test | genetic testing | dna test | genome | genetic data | brca | brca1 | brca2 | gene mutation |
        hereditary condition | gentest | test génétique | prueba genética | test genetico"""),
    "criminal record": phrases("""
        criminal record | criminal records | criminal conviction | criminal convictions | previous convictions |
        spent conviction | spent convictions | served time | on probation | on parole | sex offender |
        sex offenders register | dbs check came back | vorstrafe | vorstrafen | vorbestraft | casier judiciaire |
        antecedentes penales | precedenti penali | strafblad"""),
    "immigration status": phrases("""
        immigration status | undocumented immigrant | undocumented migrant | undocumented worker |
        undocumented workers | is undocumented | illegal immigrant | illegal alien | asylum seeker | asylum claim |
        applied for asylum | refugee status | overstayed | overstayed his visa | overstayed her visa | no right to work |
        right to remain | residence permit | deportation | deported | aufenthaltsstatus | aufenthaltstitel |
        duldung | asylbewerber | sans-papiers | titre de séjour | demandeur d'asile | sin papeles | indocumentado |
        indocumentada | solicitante de asilo | permesso di soggiorno | richiedente asilo"""),
    "biometric data": phrases("""
        fingerprint | fingerprints | face scan | facial scan | iris scan | retina scan | biometric | biometrics |
        voiceprint | fingerabdruck | fingerabdrücke | empreinte digitale | empreintes digitales | huella dactilar |
        huellas dactilares | impronta digitale"""),
}

# Who special-category data can be about: people the writer holds records of.
# What ties a group word to special-category data about its members: a question or a record.
GROUP_TIES = phrases("""
who | whose | which | that | their | list | record | records | names | are | is | disclosed | declared | store |
collect | keep | register | welche | welcher | die | deren | liste | qui | dont | liste | que | quienes | cuyos |
lista | che | cui | elenco | die | wie | welke | lijst | którzy | lista""")

GROUP_WORDS = phrases("""
staff | employees | employee | workers | worker | team members | colleagues | members | applicants | candidates |
customers | clients | patients | tenants | students | personnel | workforce | mitarbeiter | mitarbeitende |
beschäftigte | belegschaft | salariés | employés | personnel | empleados | plantilla | trabajadores | dipendenti |
personale | medewerkers | werknemers | pracownicy
""")

# Words a capitalised token can be without being a name, for the gazetteer's noisy entries.
NOT_NAMES = frozenset("""
The A An And Or But If Then When What Who Why How Where Which This That These Those There Here It Its
As At Be By Do Go In Into Is Let On One Per To Are Must Over Of For From With
I We You He She They Me Us Him Her Them My Our Your His Their Mine Please Thanks Thank Dear Hi Hello Hey
Yes No Not All Any Some Each Every Many Much More Most Other Such Only Own Same So Than Too Very Can Will
Just Should Now Also Well Even Back Still Way Since Ago Today Tomorrow Yesterday Monday Tuesday Wednesday
Thursday Friday Saturday Sunday January February March April May June July August September October
November December Success Portal Service Support Team Street Road Drive Avenue Lane Main Customer Client
Patient Summer Winter Spring Autumn Fall Page   Will  Hope Faith Joy    
Art   Sky Star Honey Angel Baby King Queen Manager Director Experience Relations Desk Center
Centre Department Accounts Account Care Data Records Record Number Name Team Office Help Line Sales Marketing Prince Princess Duke Earl Major General Justice Judge
Bishop Pope Saint  Der Die Das Ein Eine Und Oder Le La Les Un Une Et Ou El Los Las Y Il Lo Gli
E De Het Een En Van Von Bitte Danke Merci Gracias Grazie New Old Big Small Good Best Great Happy Lucky Sir
Paris London Berlin Madrid Rome Roma Vienna Sydney  Lyon     
  Phoenix Dallas Houston Troy Orlando Memphis Israel China India America Europe Asia Africa
God
House Home Office Company Group Bank Apple Amazon Google Ford Tesla Acme Corp Inc Ltd GmbH Via Rue Calle
""".split())

# Legendary and fictional people everyone knows by their full name, and who are no one's customer
# when named bare ("Robin Hood", which speech-to-text also hears in noise): a bare full name that is
# one of these is no private person; any cue (a role word, a salutation, other personal data) still is.
FAMOUS_NAMES = frozenset(n.strip() for n in """
Robin Hood, Santa Claus, Peter Pan, Sherlock Holmes, Harry Potter, James Bond, Mickey Mouse, Donald Duck,
Tom Sawyer, Oliver Twist, Captain Hook, William Tell, Rip Van Winkle, Bruce Wayne, Clark Kent, Peter Parker,
Tony Stark, Luke Skywalker, Darth Vader, Han Solo, Indiana Jones, Forrest Gump, Homer Simpson, Bart Simpson,
Mary Poppins, Willy Wonka, Charlie Brown, Winnie Pooh, Alice Liddell, Romeo Montague, Juliet Capulet,
Julius Caesar, Joan of Arc, Leonardo da Vinci, William Shakespeare, Albert Einstein, Isaac Newton,
Napoleon Bonaparte, Abraham Lincoln, George Washington, Martin Luther, Martin Luther King, Elvis Presley,
Marilyn Monroe, John Lennon, Paul McCartney, Michael Jackson, Harry Houdini, Wolfgang Amadeus Mozart,
Ludwig van Beethoven, Johann Sebastian Bach, Vincent van Gogh, Pablo Picasso, Charles Darwin, Karl Marx,
Sigmund Freud, Winston Churchill, Mahatma Gandhi, Nelson Mandela, Mother Teresa
""".replace("\n", " ").split(",")) - {""}

# Full names an illness is named after ("Lou Gehrig's disease"): only these make "<full name>'s disease?" a
# question about a disease. Eponyms are mostly one surname (Parkinson, Crohn, Hodgkin); a colleague's full name
# before "'s disease" is that colleague ("What is Maria Keller's disease called? She was diagnosed ...").
EPONYM_FULL_NAMES = frozenset({"Lou Gehrig"})

# Titles among NOT_NAMES ("King Charles", "Judge Dredd"): after a given name, in lower case, one is
# a surname where name_words.txt says it is common as one ("james king", "sarah bishop").
TITLE_WORDS = frozenset("King Queen Prince Princess Duke Earl Major General Justice Judge Bishop Pope Saint".split())

# Verbs that follow a person's name, not a place's or a product's.
PERSON_VERBS = ("said|says|asked|asks|agreed|agrees|wants|wanted|needs|needed|told|tells|wrote|writes|sent|sends|"
                "replied|confirmed|requested|mentioned|complained|explained|thinks|thought|feels|felt|prefers|"
                "preferred|lives|lived|joined|resigned|promised|apologised|apologized|emailed|phoned|rang|"
                "signed|approved|declined|refused|owes|paid|booked|cancelled|canceled|missed|reported|noticed|"
                # the same acts of speech and wanting in de, nl, fr, es, it, pt; a German or Dutch perfect
                # may hold a few words between its parts ("hat wegen der Abbuchung angerufen")
                r"(?:hat|heeft)(?:[ \t]+[^\s.!?]+){0,6}?[ \t]+(?:angerufen|geschrieben|gesagt|gefragt|bestätigt|"
                r"beschwert|gekündigt|storniert|bezahlt|unterschrieben|gebeld|geschreven|gezegd|gevraagd|bevestigd|geklaagd|"
                r"opgezegd|betaald|getekend)|"
                "rief|schrieb|sagte|fragte|bat|beschwerte|bestätigte|meldete|möchte|belde|schreef|zei|vroeg|"
                "a appelé|a écrit|a dit|a demandé|a confirmé|souhaite|llamó|escribió|dijo|pidió|confirmó|"
                "ha llamado|ha escrito|ha chiamato|ha scritto|ha detto|ha chiesto|ligou|telefonou|escreveu|disse|pediu")

# Given names that lead place names ("San Diego", "Santa Clara", "Port Elizabeth"): a full name
# starting with one is a place.
PLACE_WORDS = frozenset("""
San Santa Santo Santos São Sao Saint St Ste Sankt Port Fort Mount Mont Lake Glen Cape Bay New North South East
West Upper Lower Great Little Los Las El La Le Les Lago Monte Villa Vila Puerto Porto Costa Rio Isla Isle Nova Novo
Nowy Nowa Stara Stary Bad Ciudad Castel Castelo Campo Ponta Praia Serra Vale Val
""".split())
# A family firm's tail, "and Sons" in the languages of the gazetteers: "Teixeira Lourenço e Filhos",
# "Müller und Söhne", "Rossi e Figli", "Dupont et Fils".
FAMILY_FIRM = (r"(?:and|e|y|und|et|en|och|og|i|a|ve|és|ja|și|si)[ \t]+"
               r"(?:Sons|Filhos|Hijos|Figli|Fils|Söhne|Soehne|Zonen|Söner|Sønner|Synowie|Synové|Oğulları|Fiii|Poikien)")
# What a shop stocks under a designer's name: after a count or a determiner ("Order 20 Calvin Klein
# shirts", "our Ralph Lauren jackets") a full name before one of these is a brand.
GOODS = "|".join("""shirts t-shirts jeans dresses shoes sneakers trainers handbags bags perfume perfumes fragrance
fragrances watches suits jackets sunglasses boots""".split())
# Words after a given name plus surname that make it a thing: places, organisations, works, laws.
NOT_A_PERSON_AFTER = "|".join(sorted("""
Street St Road Rd Avenue Ave Lane Drive Boulevard Square Station Airport Bridge Park Gardens Hall Center Centre
University College School Academy Institute Hospital Clinic Foundation Trust Prize Award Medal Cup Trophy Stadium
Arena Museum Gallery Library Theatre Theater Church Cathedral Chapel River Lake Falls Mountain Island Bay Beach
Hotel Inc Ltd LLC LLP GmbH AG SA Corp Corporation Company Co Group Holdings Partners Bank Capital Foundation
Act Law Effect Syndrome Disease Theorem Principle Equation Paradox Building Tower Plaza Mall Market Festival
Records Studios Pictures Productions Motors Airlines Stanley Ltda LTDA EIRELI EI ME Kft Zrt Bt SRL OOO ООО ТОВ
Brothers Bros Hermanos Irmãos Fratelli Frères Gebrüder
""".split())) + r"|Sp\.|s\.r\.o\.|a\.s\.|A\.Ş\.|S/A|S\.[A-Z][\w.]*|SL|SAS|SARL|KG|OHG|BV|NV|Oy|AB|ApS|Srl|SpA|plc|PLC|&" \
    + "|" + FAMILY_FIRM


def _with_more(words: tuple[tuple[str, ...], ...], name: str) -> tuple[tuple[str, ...], ...]:
    return tuple(dict.fromkeys(words + phrases(getattr(more, name))))


# The other languages' words (lexicon_more.py) join the lists of the same name.
ROLE_WORDS, HONORIFIC_WORDS, SALUTATIONS, SIGN_OFFS, INTRODUCTIONS, PUBLIC_CUES, FIRST_POSSESSIVE, \
    THIRD_PERSON_POSSESSIVE, PATIENT_WORDS, HEALTH_TERMS, HEALTH_TIES = (
        _with_more(ROLE_WORDS, "ROLE_WORDS"), _with_more(HONORIFIC_WORDS, "HONORIFIC_WORDS"),
        _with_more(SALUTATIONS, "SALUTATIONS"), _with_more(SIGN_OFFS, "SIGN_OFFS"),
        _with_more(INTRODUCTIONS, "INTRODUCTIONS"), _with_more(PUBLIC_CUES, "PUBLIC_CUES"),
        _with_more(FIRST_POSSESSIVE, "FIRST_POSSESSIVE"), _with_more(THIRD_PERSON_POSSESSIVE, "THIRD_PERSON_POSSESSIVE"),
        _with_more(PATIENT_WORDS, "PATIENT_WORDS"), _with_more(HEALTH_TERMS, "HEALTH_TERMS"),
        _with_more(HEALTH_TIES, "HEALTH_TIES"))
_DATA = Path(__file__).resolve().parent / "data"


@cache
def first_names() -> frozenset[str]:
    """Common given names of 105 countries (router/classify/data/first_names.txt), less NOT_NAMES."""
    return frozenset((_DATA / "first_names.txt").read_text(encoding="utf-8").split()) - NOT_NAMES


@cache
def last_names() -> frozenset[str]:
    """Common surnames of 105 countries (router/classify/data/last_names.txt), less NOT_NAMES."""
    return frozenset((_DATA / "last_names.txt").read_text(encoding="utf-8").split()) - NOT_NAMES
