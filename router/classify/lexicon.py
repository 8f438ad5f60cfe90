"""Word lists of the thorough scan (router/classify/people.py), by language: English, German,
French, Spanish, Italian, Dutch, Portuguese, Polish, Swedish/Danish/Norwegian where they differ.

Each list is a regular-expression alternation, matched case-insensitively on word boundaries;
the name gazetteers live in router/classify/data/ (derived from names-dataset, see derive_names.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


def alternation(words: str) -> str:
    """'a | b c | d' -> a non-capturing alternation, longest first, spaces as \\s+."""
    items = sorted({w.strip() for w in words.split("|") if w.strip()}, key=len, reverse=True)
    return "(?:" + "|".join(w.replace(".", r"\.").replace(" ", r"\s+") for w in items) + ")"


# Who a private person is to the writer: roles of account, care, employment, tenancy, family.
ROLE_WORDS = alternation("""
customer | client | patient | tenant | landlord | employee | staff member | applicant | candidate | caller |
subscriber | account holder | policyholder | policy holder | beneficiary | claimant | guest | passenger |
student | pupil | resident | colleague | coworker | co-worker | my report | direct report | contractor | intern |
member | volunteer | donor | buyer | borrower | debtor | defendant | plaintiff | witness | suspect | victim |
recipient | traveller | traveler | visitor | lodger | carer | caregiver | nurse | my manager | our manager |
wife | husband | son | daughter | mother | father | brother | sister | grandmother | grandfather | friend |
neighbour | neighbor | fiancé | fiancée | girlfriend | boyfriend | partner | boss | teacher | trainee |
kunde | kundin | patientin | mieter | mieterin | vermieter | mitarbeiter | mitarbeiterin | bewerber | bewerberin |
kollege | kollegin | schüler | schülerin | versicherte | versicherter | antragsteller | antragstellerin |
mitglied | frau | herr | herrn | ehefrau | ehemann | tochter | sohn | mutter | vater | nachbar | nachbarin |
cliente | clienta | paciente | inquilino | inquilina | empleado | empleada | candidata | solicitante |
compañero | compañera | socio | socia | alumno | alumna | asegurado | asegurada | beneficiario | beneficiaria |
locataire | employé | employée | salarié | salariée | candidat | collègue | adhérent | adhérente | élève |
assuré | assurée | bénéficiaire | patiente | madame | monsieur |
paziente | dipendente | candidato | collega | studente | studentessa | assicurato | assicurata |
klant | patiënt | huurder | werknemer | medewerker | medewerkster | sollicitant |
funcionário | funcionária | inquilina | colega |
klient | klientka | pacjent | pacjentka | najemca | pracownik | pracownica | kandydat | kandydatka |
kund | anställd | hyresgäst | ansatt | medarbejder | lejer
""")

# Titles written before a name.
HONORIFICS = (r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Herr|Herrn|Frau|Mme|Mlle|Mmes|M\.|Monsieur|Madame|Mademoiselle|"
              r"Sr|Sra|Srta|Señor|Señora|Señorita|Don|Doña|Sig|Sig\.ra|Signor|Signora|Signorina|Dott|Dott\.ssa|"
              r"Pan|Pani|Dhr|Mevr|Meneer|Mevrouw|Sir|Dame|Fru|Hr)\.?")

SALUTATIONS = alternation("""
dear | hi | hello | hey | good morning | good afternoon | good evening | greetings |
liebe | lieber | liebes | hallo | sehr geehrte | sehr geehrter | guten tag | moin | servus |
bonjour | bonsoir | salut | cher | chère | hola | estimado | estimada | querido | querida | buenos días |
ciao | gentile | egregio | caro | cara | buongiorno | beste | geachte | hoi | hej | kære | dzień dobry |
szanowny | szanowna | drogi | droga | prezado | prezada | olá | bom dia
""")

SIGN_OFFS = alternation("""
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
INTRODUCTIONS = alternation("""
my name is | my name's | the name is | i am called | mein name ist | ich heiße | ich heisse | je m'appelle |
mon nom est | je me nomme | me llamo | mi nombre es | mi chiamo | il mio nome è | mijn naam is | ik heet |
nazywam się | mam na imię | meu nome é | chamo-me | me chamo | jag heter | mitt namn är | jeg hedder | jeg heter
""")
WEAK_INTRODUCTIONS = alternation("""
i'm | i am | this is | it's | it is | speaking with | ich bin | hier ist | hier spricht | je suis | c'est |
soy | habla | sono | parla | ik ben | jestem | eu sou | aqui é | jag är
""")

# What is said about a private person: account, care, employment.
ACCOUNT_VERBS = alternation("""
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
ha chiamato | ha ordinato | fattura | contratto | stipendio | appuntamento | pratica
""")

# Said of famous people and works, not of a writer's customers: weak cues stay silent next to them.
PUBLIC_CUES = alternation("""
who was | who is | who were | biography | famous | history of | historical | historian | president | prime minister |
king | queen | emperor | empress | pope | saint | prize | nobel | oscar | grammy | wrote | written by | novel |
novels | novelist | poem | poet | poetry | painter | painted | painting | composer | composed | symphony |
scientist | physicist | chemist | philosopher | theory of | actor | actress | singer | band | album | song |
film | movie | series | episode | season | character | characters | protagonist | fiction | fictional | book |
books | chapter | story | play by | playwright | author | authors | prose | style of | quote | quotes | speech |
address by | gettysburg | inventor | invented | discovered | century | dynasty | war | battle | reign |
olympic | champion | league | team | coach | celebrity | star | fans | legend | myth | mythology | bible |
in pride and prejudice | shakespeare | according to | compare | comparison | analyse | analyze | essay on |
lived from | died in | died | assassinated | founder of | founded | ceo of | senator | governor | mayor of |
schriftsteller | roman | dichter | maler | komponist | schauspieler | präsident | könig | königin | kaiser |
écrivain | roman de | poète | peintre | compositeur | acteur | président | roi | reine | empereur |
escritor | novela | poeta | pintor | compositor | actor | presidente | rey | reina | emperador |
scrittore | romanzo | pittore | compositore | attore | re | regina | imperatore
""")


FIRST_PERSON = alternation("""
my | mine | i | i'm | i've | i have | i am | me | myself | mein | meine | meinen | meiner | meinem | ich | mir | mich |
mon | ma | mes | je | j'ai | moi | mi | mis | yo | tengo | il mio | la mia | i miei | le mie | ho | io |
mijn | ik | mój | moja | moje | mam | jestem | meu | minha | meus | minhas | eu | tenho | min | mitt | mina | jag
""")

FIRST_POSSESSIVE = alternation("""
my | mein | meine | meinen | meiner | meinem | mon | ma | mes | mi | mis | il mio | la mia | i miei | le mie | mijn |
mój | moja | moje | meu | minha | meus | minhas | min | mitt | mina""")
THIRD_PERSON_POSSESSIVE = alternation("his | her | their | sein | seine | seiner | ihr | ihre | ihrer | son | sa | ses | su | sus | suo | sua | zijn | haar | jego | jej | dele | dela")

# A person's own health: terms, and the verbs that tie a condition to someone.
HEALTH_TERMS = alternation("""
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
diagnose | diagnostiziert | chemotherapie | krebs | tumor | diabetiker | depressionen | schwangerschaft | schwanger |
krankschreibung | krankgeschrieben | arbeitsunfähig | arbeitsunfähigkeit | medikamente | medikament |
therapie | krankenhaus | befund | blutdruck | herzinfarkt | schlaganfall | allergie | behinderung | reha |
diagnostic | diagnostiqué | diagnostiquée | chimiothérapie | diabète | vih | dépression | enceinte | grossesse |
arrêt maladie | ordonnance | médicament | médicaments | hospitalisé | hospitalisée | traitement | handicap | maladie |
diagnóstico | diagnosticado | diagnosticada | quimioterapia | cáncer | depresión | embarazada | embarazo |
baja médica | receta | medicamento | medicamentos | hospitalizado | hospitalizada | tratamiento | discapacidad |
enfermedad | diagnosi | chemioterapia | cancro | tumore | diabete | depressione | incinta | gravidanza | malattia |
ricetta | farmaco | farmaci | ricoverato | ricoverata | terapia | disabilità | diagnosticato | diagnosticata |
diagnose | kanker | zwanger | ziekenhuis | medicijnen | ziek | ziekte | diagnoza | rak | cukrzyca | ciąża | w ciąży |
szpital | leki | choroba | diagnóstico | câncer | gravidez | grávida | remédio | doença | diagnos | sjukskriven | gravid
""")
HEALTH_TIES = alternation("""
was diagnosed | has been diagnosed | have been diagnosed | is diagnosed | got diagnosed | suffers from | suffering from |
i have | i've got | i am | i'm | is on | takes | is taking | i take | i'm taking | was admitted | is admitted |
presents with | history of | treated for | prescribed | tested positive | disclosed | underwent | is recovering |
had surgery | sick leave | sick note | medical leave | off sick | he has | she has | he had | she had |
they have | er hat | sie hat | il a | elle a | él tiene | ella tiene | lui ha | lei ha | patient has | has been | ich habe | ich bin | leidet an | j'ai | je suis |
souffre de | tengo | estoy | sufre de | ho | sono | soffre di | ik heb | mam | choruje na | tenho | estou
""")

SPECIAL_CATEGORIES: dict[str, str] = {
    "religion": alternation("""
        religion | religious | religious holidays | faith | church member | churchgoer | mosque | synagogue | muslim |
        christian | catholic | protestant | jewish | hindu | buddhist | sikh | atheist | converted to |
        konfession | religiös | religiöse | kirchenmitglied | muslimisch | jüdisch | katholisch | evangelisch |
        religieux | religieuse | musulman | musulmane | juif | juive | catholique | religioso | religiosa |
        musulmán | judío | judía | católico | católica | religione | ebreo | cattolico"""),
    "trade union": alternation("""
        trade union | labor union | labour union | union member | union membership | union representative |
        union rep | joined the union | joined a union | union dues | gewerkschaft | gewerkschaftsmitglied |
        syndicat | syndiqué | syndiquée | sindicato | sindicado | sindacato | iscritto al sindacato | vakbond |
        związek zawodowy | fackförbund"""),
    "ethnicity": alternation("""
        ethnicity | ethnic origin | ethnic background | racial origin | racial background | race or ethnicity |
        ethnische herkunft | origine ethnique | origen étnico | origine etnica | etnische afkomst"""),
    "sexual orientation": alternation("""
        sexual orientation | gay | lesbian | bisexual | homosexual | transgender | came out | coming out | queer |
        sexuelle orientierung | schwul | lesbisch | orientation sexuelle | homosexuel | homosexuelle |
        orientación sexual | orientamento sessuale"""),
    "political opinion": alternation("""
        political opinion | political opinions | political views | political affiliation | party member |
        party membership | voted for | votes for | member of the party | parteimitglied | politische meinung |
        opinion politique | afiliación política | opinione politica"""),
    "genetic data": alternation("""
        genetic test | genetic testing | dna test | genome | genetic data | brca | brca1 | brca2 | gene mutation |
        hereditary condition | gentest | test génétique | prueba genética | test genetico"""),
    "biometric data": alternation("""
        fingerprint | fingerprints | face scan | facial scan | iris scan | retina scan | biometric | biometrics |
        voiceprint | fingerabdruck | fingerabdrücke | empreinte digitale | empreintes digitales | huella dactilar |
        huellas dactilares | impronta digitale"""),
}

# Who special-category data can be about: people the writer holds records of.
GROUP_WORDS = alternation("""
staff | employees | employee | workers | worker | team members | colleagues | members | applicants | candidates |
customers | clients | patients | tenants | students | personnel | workforce | mitarbeiter | mitarbeitende |
beschäftigte | belegschaft | salariés | employés | personnel | empleados | plantilla | trabajadores | dipendenti |
personale | medewerkers | werknemers | pracownicy
""")

# Words a capitalised token can be without being a name, for the gazetteer's noisy entries.
NOT_NAMES = frozenset("""
The A An And Or But If Then When What Who Why How Where Which This That These Those There Here It Its
I We You He She They Me Us Him Her Them My Our Your His Their Mine Please Thanks Thank Dear Hi Hello Hey
Yes No Not All Any Some Each Every Many Much More Most Other Such Only Own Same So Than Too Very Can Will
Just Should Now Also Well Even Back Still Way Since Ago Today Tomorrow Yesterday Monday Tuesday Wednesday
Thursday Friday Saturday Sunday January February March April May June July August September October
November December Success Portal Service Support Team Street Road Drive Avenue Lane Main Customer Client
Patient Summer Winter Spring Autumn Fall Page Bill Mark Will Grace Hope Faith Joy Rose Lily Ivy Dawn
Art Max Ray Sky Star Honey Angel Baby King Queen Prince Princess Duke Earl Major General Justice Judge
Bishop Pope Saint Christian Der Die Das Ein Eine Und Oder Le La Les Un Une Et Ou El Los Las Y Il Lo Gli
E De Het Een En Van Von Bitte Danke Merci Gracias Grazie New Old Big Small Good Best Great Happy Lucky Sir
Paris London Berlin Madrid Rome Roma Vienna Sydney Florence Lyon Victoria Adelaide Georgia Virginia Jordan
Chelsea Austin Phoenix Dallas Houston Troy Orlando Memphis Israel China India America Europe Asia Africa
House Home Office Company Group Bank Apple Amazon Google Ford Tesla Acme Corp Inc Ltd GmbH Via Rue Calle
""".split())

_DATA = Path(__file__).resolve().parent / "data"


@cache
def first_names() -> frozenset[str]:
    """Common given names of 105 countries (router/classify/data/first_names.txt), less NOT_NAMES."""
    return frozenset((_DATA / "first_names.txt").read_text(encoding="utf-8").split()) - NOT_NAMES


@cache
def last_names() -> frozenset[str]:
    """Common surnames of 105 countries (router/classify/data/last_names.txt), less NOT_NAMES."""
    return frozenset((_DATA / "last_names.txt").read_text(encoding="utf-8").split()) - NOT_NAMES
