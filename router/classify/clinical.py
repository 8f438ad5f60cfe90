"""Health data about someone the text never names: clinical records, and the writer's own people.

A discharge summary, a progress note or a nurse's handover rarely names the patient in the part
that is pasted ("67F, post-op day 2 after hip replacement"), yet it is a record of one person's
health (GDPR art. 9; HIPAA counts admission dates and ages among its identifiers). A textbook
vignette looks the same ("A 45-year-old man presents with chest pain"), but comes as a question
with options. So a text holding health terms is a clinical record when two of three marks agree:

    a record's name        discharge summary, progress note, SOAP note, Entlassungsbrief, informe de alta
    a patient's profile    54 y/o male, 67F, a 34-year-old woman, Pat. 72 J., patiente de 63 ans
    a record's shorthand   pt, c/o, o/e, Z.n., bed 12, post-op, admitted, started on, follow up

and it is not an exam question (options A-D, "which of the following"). Apart from records, a
condition said of one of the writer's own people ("my employee has been off ... with bipolar
disorder", "our client ... is undergoing chemotherapy") is health data about them.

Word lists join the thorough scan's one-pass matcher (thorough.py); the patterns run only on a
text that holds a health term.
"""

from __future__ import annotations

import re

from router.classify import lexicon_more
from router.classify.matcher import SENTENCE_END, Reading, phrases, sentence

# Clinical words the general health list (lexicon.HEALTH_TERMS) lacks: findings, procedures and the
# drugs most often prescribed, which in a note stand where a diagnosis would.
CLINICAL_TERMS = phrases("""
pneumonia | fever | productive cough | shortness of breath | dyspnoea | dyspnea | heart failure | cardiac arrest |
atrial fibrillation | nstemi | stemi | angina | sepsis | copd | dka | ketoacidosis | uti | urinary tract infection |
renal failure | kidney disease | ckd | cirrhosis | hba1c | cd4 | viral load | troponin | hip replacement |
knee replacement | appendicectomy | appendectomy | fall at home | self-harm | self harm | suicidal | suicidal ideation |
suicide attempt | psychosis | ptsd | hiv positive | post-op | postoperative | fractured | metformin | warfarin |
heparin | apixaban | rivaroxaban | amoxicillin | co-amoxiclav | doxycycline | ciprofloxacin | furosemide |
atorvastatin | simvastatin | lisinopril | ramipril | amlodipine | bisoprolol | omeprazole | sertraline |
fluoxetine | citalopram | lithium | methotrexate | prednisolone | salbutamol | levothyroxine | morphine |
oxycodone | paracetamol | ibuprofen | sumatriptan | gtn | dolutegravir | chemo | radiotherapy | antibiotics |
neumonía | fiebre | insuficiencia cardiaca | insuffisance cardiaque | pneumonie | fièvre | lungenentzündung |
fieber | herzinsuffizienz | polmonite | febbre | scompenso cardiaco | longontsteking | koorts | décompensation |
hiv-positiv | hiv positiv | séropositif | séropositive | seropositivo | seropositiva | drug test | drugs test |
alcohol test | breathalyser | breathalyzer | failed a drug test | positive for cannabis | positive for cocaine
""")

RECORD_NAMES = phrases("""
clinical note | clinical notes | discharge summary | discharge letter | progress note | progress notes |
nursing note | nursing notes | case note | case notes | admission note | consultation note | referral letter |
triage note | handover | handover notes | soap note | ward round | clinic letter | operation note | op note |
patient notes | medical notes | medical report | history and physical | arztbrief | entlassungsbrief |
entlassungsbericht | befundbericht | verlaufsbericht | compte rendu | compte-rendu | lettre de sortie |
observations | informe de alta | informe médico | historia clínica | lettera di dimissione | cartella clinica |
ontslagbrief | verpleegverslag | epicrisis | epikriza | epikrise
""")

SHORTHAND = phrases("""
pt | pts | pat | c o | o e | h o | hx | dx | rx | obs | post-op | post op | admitted | readmitted | discharged |
presents with | presented with | presenting with | complains of | on examination | history of | started on |
commenced on | review in | reviewed in | follow up | follow-up | seen in clinic | seen today | we saw today |
for review | nbm | z n | wiedervorstellung | aufgenommen | entlassen | hospitalisé | hospitalisée | admis | admise |
revoir | ingresado | ingresada | alta con | ricoverato | ricoverata | dimesso | dimessa | opgenomen
""")

# Role and kin words of the languages whose possessives follow the noun or join it as a suffix
# (Turkish meslektaşım, Finnish työkaverini, Greek ο συνάδελφός μου, Indonesian rekan kerja saya,
# Vietnamese đồng nghiệp của tôi): there a role word and a condition in one sentence is about that person.
SUFFIXED_ROLES = phrases(lexicon_more.ROLE_WORDS + """ |
meslektaşım | meslektaşımın | iş arkadaşım | çalışanımız | müşterim | annem | babam | eşim | kızım | oğlum | müdürüm |
työkaverini | kollegani | asiakkaani | äitini | isäni | vaimoni | mieheni | poikani | tyttäreni | esimieheni |
συνάδελφός | συνάδελφο | η συνάδελφος | η μητέρα μου | ο πατέρας μου | η γυναίκα μου | ο άντρας μου |
rekan saya | teman kerja | ibu saya | ayah saya | istri saya | suami saya | anak saya | atasan saya |
vợ tôi | chồng tôi | mẹ tôi | bố tôi | con tôi | sếp tôi | kolega | koleżanka | szef | szefowa | kolegyně | kolega""")

_PLACES = phrases("bed | bay | room | ward | cubicle | bett | zimmer | station | chambre | lit | cama | habitación | "
                  "letto | stanza | kamer")  # followed by a number: "bed 12", "Zimmer 4"
CONTEXT_LISTS = frozenset({"record_name", "shorthand", "own_people", "place"})
LISTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "record_name": RECORD_NAMES, "shorthand": SHORTHAND, "suffixed_role": SUFFIXED_ROLES, "place": _PLACES,
    "own_people": phrases("my | our | one of my | one of our | mein | meine | meinen | meiner | unser | unsere | "
                          "unserer | mon | ma | mes | notre | nos | mi | mis | nuestro | nuestra | nuestros | il mio | "
                          "la mia | mio | mia | il nostro | la nostra | mijn | onze"),
}

_SEX = (r"male|female|man|woman|boy|girl|gentleman|lady|m|f|männlich|weiblich|mann|frau|homme|femme|garçon|"
        r"fille|hombre|mujer|varón|varon|niño|niña|uomo|donna|ragazzo|ragazza|man|vrouw|jongen|meisje")
_AGE_UNIT = r"y/?o|y\.o\.|yo|yrs?|years?[- ]old|-years?-old|years?|j\.|jahre|jährige[rn]?|ans|años|anni|jaar|lat"
# "54 y/o male", "a 34-year-old woman", "67F", "Pat. 72 J.", "patiente de 63 ans", "varón de 58 años".
_PROFILE = re.compile(
    rf"(?i:\b\d{{1,3}}[ \t]?-?(?:{_AGE_UNIT})\b\.?(?:[ \t,]*(?:{_SEX})\b)?)"
    rf"|\b\d{{1,3}}[ \t]?[MF]\b"
    rf"|(?i:\b(?:{_SEX}|patient|patiente|paciente|paziente|pat\.?)[ \t]+(?:de|di|van|von)?[ \t]*\d{{1,3}}[ \t]*"
    rf"(?:{_AGE_UNIT})\b)")
_NUMBER = re.compile(r"(?<!\d)\d{1,3}(?!\d)")
# Lines "A. ...", "B) ..." (three or more), or the exam's own question.
_OPTION = re.compile(r"(?m)^[ \t]*\(?[A-E][.)][ \t]+\S")
_EXAM = re.compile(r"(?i)\bwhich of the following\b|\bmost (?:likely|appropriate) (?:diagnosis|next step|cause|"
                   r"explanation|treatment|mechanism)\b|\banswer:\s*$")
# The writer speaking of themselves, in the languages of lexicon.py.
FIRST_PERSON = frozenset("i i'm i've my ich mein meine meinen meiner meinem je j'ai mon ma mes yo tengo estoy mi mis "
                         "io ho sono mio mia ik mijn eu meu minha tenho estou jag mitt min mina jestem mam mój moja"
                         .split())
# Words that tie what follows to the person before ("my employee has been off ... with bipolar disorder",
# "the candidate is 52 and pregnant", "our tenant uses a wheelchair").
_LINKS = frozenset("has have had is was been suffers suffering got developed underwent tested diagnosed uses needs "
                   "takes requires failed became hat ist war leidet est tiene está ha è heeft".split())
_OWN_LINKS = _LINKS | {"with", "mit", "avec", "con", "met"}
_FILLERS = frozenset("also still now recently just currently who has have had been is was".split()) - _LINKS
_DEFINITE = frozenset("the this that der die das le la el il de het".split())


def exam_question(text: str) -> bool:
    """Whether the text is a test item (a vignette with options), whose patient is made up."""
    if ("." in text or ")" in text) and len(_OPTION.findall(text)) >= 3:
        return True
    lowered = text.lower()
    return ("which of the following" in lowered or "most likely" in lowered or "most appropriate" in lowered
            or "answer:" in lowered) and _EXAM.search(text) is not None


def record_marks(reading: Reading) -> int:
    """How many of a clinical record's three marks the text carries (name, profile, shorthand); the
    patterns run only near a number, where each of them has one."""
    text, words = reading.text, reading.words
    marks = reading.has("record_name") + (reading.has("shorthand") or any(
        end < len(words) and words[end].isdigit() for _, end in reading.get("place")))
    if marks == 1:  # the profile decides
        marks += any(_PROFILE.search(text, max(0, m.start() - 24), m.end() + 24) for m in _NUMBER.finditer(text))
    return marks


def about_someone_known(reading: Reading, terms: list[tuple[int, int]]) -> bool:
    """Whether one of `terms` is said, in the same sentence, of someone the writer knows: one of their
    own people ("my employee", "one of our drivers") tied to it by a verb or "with", or a role word
    that names one person ("the candidate", "Candidate is ...") tied by a verb."""
    if not terms:
        return False
    words, text = reading.words, reading.text
    own = {end for _, end in reading.get("own_people")}
    subjects = [(end, _OWN_LINKS if first in own else _LINKS) for first, end in reading.get("role")
                if first in own or first == 0 or words[first - 1] in _DEFINITE
                or SENTENCE_END.search(text, max(0, reading.start(first) - 2), reading.start(first))]
    subjects += [(end + 1, _OWN_LINKS) for first, end in reading.get("own_people")
                 if words[end - 1] in ("my", "our") and end - first == 3 and end < len(words)]  # "one of our drivers"
    for end, links in subjects:
        # The verb comes right after the person ("my employee has been off"), or after a filler
        # ("our client, 45, is ..."); "our employee handbook needs ..." is no one.
        after = [w for w in words[end:end + 3] if w not in _FILLERS and not w.isdigit()][:1]
        if not after or after[0] not in links:
            continue
        for term, _ in terms:
            if end <= term <= end + 12 and not SENTENCE_END.search(text, reading.end(end), reading.start(term)):
                return True
    return False


def role_in_sentence(reading: Reading, terms: list[tuple[int, int]]) -> bool:
    """Whether a role or kin word of a language with following possessives shares a sentence, not a
    question, with one of `terms` ("Kolegyně je těhotná", "Đồng nghiệp của tôi bị ung thư")."""
    text = reading.text
    for first, _ in reading.get("suffixed_role"):
        begin, stop = sentence(text, reading.start(first), reading.start(first), left=300, right=None)
        # A question asks about one ("Má kolegyně nárok ... když je těhotná?") unless it opens with
        # the person ("Meslektaşım kanser tedavisi görüyor, ekibe nasıl söylemeliyim?").
        leads = not text[begin:reading.start(first)].strip()
        if (text[stop:stop + 1] != "?" or leads) and any(begin <= reading.start(t) < stop for t, _ in terms):
            return True
    return False


# Han, kana and Hangul run words together, so their cues are read by pattern: a person the writer
# knows and a condition in one sentence that is not a question (我的同事怀孕了, 私の同僚は癌で入院しています).
_CJK_PERSON = re.compile("同事|同僚|客户|顾客|顧客|患者|病人|员工|員工|社員|従業員|部下|上司|老板|妻子|丈夫|母亲|父亲|儿子|女儿|"
                         "母親|父親|息子|娘|家内|主人|동료|고객|환자|직원|아내|남편|어머니|아버지|아들|딸|상사")
_CJK_HEALTH = re.compile("癌|怀孕|懷孕|妊娠|糖尿病|抑郁症|抑鬱症|うつ病|鬱病|入院|住院|手术|手術|诊断|診断|心脏病|心臓病|中风|脳卒中|"
                         "艾滋病|エイズ|HIV|病気|生病|암|임신|당뇨병|우울증|입원|진단|수술|뇌졸중|심장병|치매|认知症|認知症|痴呆")
_CJK_SENTENCE = re.compile(r"[^。！？!?\n]*[。！？!?\n]?")


def cjk_condition(text: str, named: bool = False) -> bool:
    """Whether a sentence in Han, kana or Hangul ties a condition to a person the writer knows, or
    (`named`: the text names a private person, "長谷川翼さんは糖尿病で") states one at all."""
    if text.isascii() or not _CJK_HEALTH.search(text):
        return False
    for match in _CJK_SENTENCE.finditer(text):
        sentence = match.group()
        if (sentence.endswith(("？", "?")) or sentence.rstrip("。").endswith(("吗", "嗎", "か", "까", "니")))\
                or not sentence:
            continue
        if (named or _CJK_PERSON.search(sentence)) and _CJK_HEALTH.search(sentence):
            return True
    return False
