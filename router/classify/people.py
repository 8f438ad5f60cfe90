"""Private persons: the names of people who are not public figures.

A name alone proves nothing ("Who was Marie Curie?"); context decides. Each detector returns the
reason it fired, never the value:

    person (salutation)        Dear Mr. Okonkwo, / Hallo Anna,
    person (sign-off)          Best regards, Priya Raghunathan
    person (introduction)      my name is ... / It's Aiko Tanaka, ...
    person (role word)         customer Ingrid Halvorsen / Patient Marek Nowak / my report Tomasz ...
    person (honorific)         für Herrn Jürgen Baumgartner (two name words, or one in a writing task);
                               田中太郎さん, 佐藤様, 王伟先生, 김민수 님
    person (labelled field)    "last_name": "Kowalski", Vorname: Jürgen (a field made for a name);
                               Assignee: Yalgın Yılmaz (a ticket's, by a name the gazetteers read)
    person (record label)      Kundendatensatz: Heiderose Häring-Ziegert hat ... (subjects.py)
    person (health subject)    Sibel Mohaupt ist nach einer Knie-OP krankgeschrieben (subjects.py)
    person (with identifiers)  a full given name + surname in a text holding other personal data
    person (account context)   a full name in a sentence with words of account, care or employment
    person (interaction)       a known name after ask, invite, remind, call with, forward this to, ...
    person (lower-case name)   the same cues before a name written in lower case (lower_names.py)
    (health and the special categories said of someone: sensitive.py)

Weak cues (a bare full name, a short introduction, an honorific with one word) stay silent when
the text speaks of famous people or works (lexicon.PUBLIC_CUES: biography, novel, prize, ...).
A name word is a capitalised token (names.py); whether it is a given name or surname comes from the
gazetteers derived from names-dataset (lexicon.first_names / last_names, read by names.Gazetteer).

Every cue is found by the one-pass lexicon.Matcher; the expressions here run anchored at a cue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from router.classify import clinical
from router.classify import lexicon as lx
from router.classify.lexicon import Reading
from router.classify.lower_names import find_lower_case_name, name_words
from router.classify.matcher import SENTENCE_END, sentence
from router.classify.names import (CASELESS, CASELESS_WORD, HONORIFIC, NAME, PARTICLE, PARTICLES, TOKEN, UPPER,
                                   Gazetteer, name_shaped, words_of)
from router.classify.places import PLACE_BEFORE, a_place_before
from router.classify.subjects import after_record_label, health_subject

# Anchored at the end of a cue.
# "customer record: Ekapad Sekhon", "patient file: ...": a record of the role, then its holder's name.
_AFTER_ROLE = re.compile(
    rf"(?:[ \t]+(?i:record|file|profile|details|account|entry|data|card)[ \t]*:[ \t]*|[ \t]*[,:(]?[ \t]*"
    rf"|[ \t]+(?i:named|called|namens|nommée?|llamad[oa]|di nome)[ \t]+){HONORIFIC}(?P<name>{NAME})")
# "Sig.ra", "Dott.ssa": the Italian abbreviations end in the word's last letters.
_AFTER_HONORIFIC = re.compile(rf"(?:\.(?:ra|na|ssa)\b)?\.?[ \t]+{lx.TITLES}(?:(?i:{PARTICLE})[ \t]+){{0,2}}(?P<name>{NAME})")
_AFTER_SALUTATION = re.compile(
    rf"[ \t]+(?:(?P<hon>(?i:{lx.HONORIFICS}))[ \t]+)?{lx.TITLES}(?P<name>{NAME}){lx.SUFFIXES}(?P<end>[ \t]*(?:[,!:\n]|$))?")
_AFTER_SIGN_OFF = re.compile(
    rf"[ \t]*(?:[,!.\-–—][ \t]*(?P<nl>\n)?|(?P<nl2>\n))[ \t]*{HONORIFIC}(?P<name>{NAME}){lx.SUFFIXES}"
    rf"(?P<end>[ \t]*(?:$|\n|['\"”’)]|[,.](?:\s|$)))?")
_AFTER_INTRODUCTION = re.compile(rf"[ \t]+{HONORIFIC}(?P<name>{NAME})")
# A name before "our customer", "my colleague": the determiner alone is tried first (a short window).
_ROLE_DETERMINER = r"(?i:our|my|the|a|unser[e]?|notre|nuestr[oa]|il nostro)"
_DETERMINER_BEFORE = re.compile(rf"\b{_ROLE_DETERMINER}[ \t]+\Z")
_BEFORE_ROLE = re.compile(rf"(?P<name>{NAME}),?[ \t]+\(?{_ROLE_DETERMINER}[ \t]+\Z")
# Capitalised words (led by a character class, so the search skips ahead fast), and the full name
# tried at each one that is a known given name: "Contact Daniel Okafor" tries "Daniel Okafor".
_FULL_NAME = re.compile(rf"(?P<name>{TOKEN}[ \t]+(?:{PARTICLE}[ \t]+)*{TOKEN})")
# A capitalised word another capitalised word or a particle follows, the way a full name begins: the
# regex engine skips, in C, the capitalised words no name follows (most of a German text's nouns).
_NAME_START = re.compile(rf"[{UPPER}][^\W\d_]++(?=['’\-\w]*+[ \t]+(?:{PARTICLE}[ \t]+)*[{UPPER}{CASELESS}])")
_LINE_START = re.compile(r"(?:^|[\n\"'“‘:>])[ \t]*\Z")

_FIELD_PREFIXES = ("first given last family full middle maiden customer client contact patient employee member holder "
                   "guest tenant applicant recipient sender cardholder beneficiary").split()
# The labels _NAME_FIELD reads, as the one-pass matcher finds them (it runs anchored at each).
NAME_FIELDS = lx.phrases(" | ".join(
    [f"{p}{joint}name" for p in _FIELD_PREFIXES for joint in ("_", "-", "", " ")]
    + ["card holder name", "account holder name", "forename", "surname", "vorname", "nachname", "prénom", "apellido",
       "apellidos", "cognome", "voornaam", "achternaam", "imię", "nazwisko", "förnamn", "efternamn", "sobrenome",
       "name on card", "name on the card", "cardholder", "card holder", "account holder", "karteninhaber", "titulaire",
       "assignee", "requester", "requestor", "reporter"]))
# Lists of common words read only next to a cue (lexicon.Reading looks them up on first use).
CONTEXT_LISTS = frozenset({"determiner", "group_tie", "health_tie", "possessive", "own_special", "disclosure", "task",
                           "group", "patient"}) | clinical.CONTEXT_LISTS
LISTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "role": lx.ROLE_WORDS, "honorific": lx.HONORIFIC_WORDS, "salutation": lx.SALUTATIONS, "sign_off": lx.SIGN_OFFS,
    "introduction": lx.INTRODUCTIONS, "weak_introduction": lx.WEAK_INTRODUCTIONS, "account": lx.ACCOUNT_VERBS,
    "public": lx.PUBLIC_CUES, "task": lx.TASK_WORDS, "possessive": lx.FIRST_POSSESSIVE + lx.THIRD_PERSON_POSSESSIVE,
    "health": lx.HEALTH_TERMS + clinical.CLINICAL_TERMS, "health_tie": lx.HEALTH_TIES, "group": lx.GROUP_WORDS, "group_tie": lx.GROUP_TIES,
    "patient": lx.PATIENT_WORDS, "own_special": lx.SPECIAL_TIES, "disclosure": lx.DISCLOSURE_WORDS,
    "determiner": lx.DETERMINERS, "interaction": lx.INTERACTIONS, "name_field": NAME_FIELDS, "record_label": lx.RECORD_LABELS,
    **{f"special:{label}": words for label, words in lx.SPECIAL_CATEGORIES.items()}, **clinical.LISTS,
}


# A record's field that holds a name, as JSON, YAML, forms and exports write it:
# "first_name": "Anna", surname = Kowalski, Nachname: Brandt.
_NAME_FIELD = re.compile(
    r"(?i:\b(?:first|given|last|family|full|middle|maiden|customer|client|contact|patient|employee|member|"
    r"holder|guest|tenant|applicant|recipient|sender|cardholder|card holder|account holder|beneficiary)[_\- ]?name"
    r"|\b(?:forename|surname|vorname|nachname|prénom|apellidos?|cognome|voornaam|achternaam|imię|nazwisko|förnamn|"
    r"efternamn|sobrenome|name on (?:the )?card|cardholder|card holder|account holder|karteninhaber|titulaire)"
    r"|\b(?P<task>assignee|requester|requestor|reporter))"
    rf"[\"']?(?:[ \t]*[:=][ \t]*|(?P<line>[ \t]*\n[ \t]*))[\"']?(?P<name>{TOKEN}(?:[ \t]+{TOKEN})?)\b(?![ \t]*[(.\[])")
# A name before an East Asian honorific: 田中太郎さん, 佐藤様, 王伟先生, 김민수 님. Words those honorifics also
# follow (担当者様 "the person in charge", お客様, 皆さん, 고객님 "customer") are not names.
_EAST_ASIAN_HONORIFIC = re.compile(
    r"(?P<ja>[\u4e00-\u9fff\u3005]{2,4}|[\u4e00-\u9fff\u3005]{1,3}[ \u3000][\u3040-\u30ff\u4e00-\u9fff\u3005]{1,4})"
    r"(?:さん|様|さま|くん|ちゃん|氏|殿)"
    r"|(?P<zh>[\u4e00-\u9fff]{1,3})(?:先生|女士|小姐)"
    r"|(?P<ko>[\uac00-\ud7af]{2,4})(?:[ \t]씨|[ \t]?님)")
# A role word then a name, as Chinese and Korean write it: 客户李娜, 患者王芳, 고객 김민수.
_EAST_ASIAN_ROLE = re.compile(
    "(?:客户|客戶|顾客|顧客|患者|病人|员工|員工|同事|租户|房客|申请人|申請人|候选人|候選人|学生|學生|会员|會員|用户|用戶)"
    "(?P<zh>[\u4e00-\u9fff]{2,3})|(?:고객|환자|직원|동료|회원|학생|신청자|지원자)[ \t](?P<ko>[\uac00-\ud7af]{2,4})")
# The first characters of what the East Asian honorific and role patterns need (さん, 様, 先生, 客户, 고객, 님 ...).
_EAST_ASIAN_CUES = re.compile("[さ様くち氏殿先女小씨님客顾顧患病员員同租房申候学學会會用고환직동회학신지]")
_NOT_EAST_ASIAN_NAMES = ("者", "員", "客", "皆", "各位", "方", "御中", "先", "生", "长", "長", "고객", "선생", "회원",
                         "사장", "부장", "과장", "팀장", "여러분", "환자", "학생", "손님", "교수")
# Those of them that end a word (担当者, 会員, 部長) but may begin a name (長谷川, 方波見, 生田).
_NOT_EAST_ASIAN_NAME_STARTS = tuple(w for w in _NOT_EAST_ASIAN_NAMES if w not in ("者", "員", "方", "生", "长", "長"))


def _around(text: str, cues: re.Pattern[str], reach: int):
    """The stretches of `text` within `reach` characters of a match of `cues` (one character class:
    no pattern with alternatives runs over the rest of the text), overlapping ones merged."""
    begin = end = None
    for hit in cues.finditer(text):
        if end is None or hit.start() - reach > end:
            if end is not None:
                yield text[begin:end]
            begin = max(0, hit.start() - reach)
        end = hit.end() + reach
    if end is not None:
        yield text[begin:end]


@dataclass(frozen=True)
class PersonCues:
    """What the person detector reads besides the built-in word lists (policy: role_words)."""

    role_words: tuple[str, ...] = ()


class PersonFinder:
    """Finds a private person; build once (loads the gazetteers), `find` is pure."""

    def __init__(self, cues: PersonCues = PersonCues()) -> None:
        self._first = lx.first_names()
        self._last = lx.last_names()
        self._names = Gazetteer(self._first, self._last)
        name_words()  # loaded here, at start-up, not by the first request written in lower case
        self.extra_roles = lx.phrases(" | ".join(cues.role_words)) if cues.role_words else ()

    def find(self, reading: Reading, other_personal_data: bool = False, public_cues: bool = True) -> str | None:
        """Why the text names a private person ("role word", "salutation", ...), or None. With
        `public_cues` false, words about famous people do not silence the weak cues."""
        text = reading.text
        for first, end in reading.get("role") + reading.get("extra_role"):
            match = _AFTER_ROLE.match(text, reading.end(end))
            if match and (self._names.known(words_of(match["name"])) or len(words_of(match["name"])) >= 2
                          and not set(words_of(match["name"])) & lx.NOT_NAMES):
                return "role word"
            at = reading.start(first)
            before = _DETERMINER_BEFORE.search(text, max(0, at - 14), at) \
                and _BEFORE_ROLE.search(text, max(0, at - 80), at)  # the long search only after "our", "my", ...
            if before and self._names.known(words_of(before["name"])):
                return "role word"
        labelled = self._labelled(reading) or after_record_label(reading, self._names)
        if labelled:
            return labelled
        for _, end in reading.get("salutation"):
            match = _AFTER_SALUTATION.match(text, reading.end(end))
            if match is None:
                continue
            words = words_of(match["name"])
            if words and match["hon"] or (match["end"] is not None and words and words[0] not in lx.NOT_NAMES and (
                    words[0] in self._first or CASELESS_WORD.fullmatch(words[0])
                    or (name_shaped(words[0]) and _LINE_START.search(text, 0, reading.start(_))))):
                return "salutation"
        for first, end in reading.get("sign_off"):
            match = _AFTER_SIGN_OFF.match(text, reading.end(end))
            if match is None:
                continue
            words = words_of(match["name"])
            own_line = match["nl"] or match["nl2"] or match["end"] is not None  # "Thanks, John Lewis is ..." is not
            if own_line and words and words[0] not in lx.NOT_NAMES and (words[0] in self._first or len(words) >= 2
                                                              or match["end"] is not None):
                return "sign-off"
        for _, end in reading.get("introduction"):
            match = _AFTER_INTRODUCTION.match(text, reading.end(end))
            if match and words_of(match["name"])[:1] and words_of(match["name"])[0] not in lx.NOT_NAMES:
                return "introduction"
        for _, end in reading.get("interaction"):  # asked, called, invited: someone real, whatever the topic
            match = _AFTER_ROLE.match(text, reading.end(end))
            if match and self._names.known(words_of(match["name"])):
                return "interaction"
        if public_cues and _public_topic(reading, self._last) and not other_personal_data:
            return None
        for _, end in reading.get("weak_introduction"):
            match = _AFTER_INTRODUCTION.match(text, reading.end(end))
            if match:
                words = words_of(match["name"])
                if len(words) >= 2 and words[0] in self._first and words[0] not in lx.NOT_NAMES:
                    return "introduction"
        for first, end in reading.get("honorific"):
            if not text[reading.start(first)].isupper():
                continue
            match = _AFTER_HONORIFIC.match(text, reading.end(end))
            if match:
                words = words_of(match["name"])
                if words and words[0] not in lx.NOT_NAMES and (len(words) >= 2 or reading.has("task")
                                                     or reading.has("account")):
                    return "honorific"
        return self._full_name(reading, other_personal_data) or _foreign_name(reading, self._first, self._last) \
            or find_lower_case_name(reading, self._first, self._last) or health_subject(reading, self._names)

    def _labelled(self, reading: Reading) -> str | None:
        """"labelled field" for a name in a field made for one (`"last_name": "Kowalski"`), "honorific"
        for one before an East Asian honorific (田中太郎さん, 김민수 님)."""
        text = reading.text
        for first, _ in reading.get("name_field"):
            match = _NAME_FIELD.match(text, reading.start(first))
            if match:
                words = words_of(match["name"])
                if match["task"] and not (words and (words[0] in self._first or CASELESS_WORD.fullmatch(words[0])
                                                     or self._names.unknown_name(words))):
                    continue  # a ticket's "Assignee: Platform Team": a person only by a name the gazetteer reads
                if words and all(name_shaped(w) or CASELESS_WORD.fullmatch(w) for w in words) \
                        and not set(words) & lx.NOT_NAMES and words[0] not in _PLACEHOLDERS \
                        and not (match["line"] and len(words) < 2 and words[0] not in self._first):  # a form's next line
                    return "labelled field"
        if not text.isascii():
            for window in _around(text, _EAST_ASIAN_CUES, 8):  # the patterns read only next to a cue
                for match in _EAST_ASIAN_HONORIFIC.finditer(window):
                    name = match["ja"] or match["ko"] or match["zh"]
                    if (match["zh"] and not any(c in EAST_ASIAN_SURNAMES for c in name)
                            or match["ko"] and name[0] not in EAST_ASIAN_SURNAMES):
                        continue  # Chinese and Korean names lead with a common surname
                    if not name.endswith(_NOT_EAST_ASIAN_NAMES) and not name.startswith(_NOT_EAST_ASIAN_NAME_STARTS):
                        return "honorific"
                for match in _EAST_ASIAN_ROLE.finditer(window):
                    if (match["zh"] or match["ko"])[0] in EAST_ASIAN_SURNAMES:
                        return "role word"
        return None

    def _full_name(self, reading: Reading, other_personal_data: bool) -> str | None:
        text = reading.text
        first_names = self._first
        for word in _NAME_START.finditer(text):
            start = word.start()
            if start and (text[start - 1].isalnum() or text[start - 1] in "'’"):
                continue
            if word.group().lower() in PARTICLES and _CAPITALISED_BEFORE.search(text, max(0, start - 40), start):
                continue  # "Aiello Del Sabato": a particle inside a name does not begin one
            known_first = word.group() in first_names
            if not known_first and not text[word.end() + 1:word.end() + 2].isupper() \
                    and not _PARTICLE_THEN_CAPITAL.match(text, word.end()):
                continue  # neither a known given name nor followed by a capitalised word (or "van Mispelen")
            match = _FULL_NAME.match(text, start)
            if match is None:
                continue
            words = words_of(match["name"])
            if not known_first:
                # An unknown given name: only a surname (known, or beyond ASCII) and a verb only people
                # do make it a name ("Wakeeta Kalita agreed to ...", "Lerze Çorlu agreed to ...").
                particled = len(match["name"].split()) > len(words)  # "Fiene van Mispelen": a surname's particle
                surname = len(words) == 2 and (words[-1] in self._last or self._names.surname(words[-1]) or particled)
                if (surname and not set(words) & lx.NOT_NAMES and words[0] not in lx.PLACE_WORDS
                        and _PERSON_AFTER.match(text, match.end("name")) and not _LINE_START.search(text, 0, start)):
                    return "full name"
                continue
            if len(words) == 2 and words[-1].lower() in PARTICLES and words[0] not in lx.NOT_NAMES:
                # A capitalised particle leads a place's name ("Lanzo Di Martina"), or a person's where
                # only a person does what follows ("Lucia Van Praet agreed to ...").
                rest = _TOKEN_AFTER.match(text, match.end("name"))
                if rest and _PERSON_AFTER.match(text, rest.end()):
                    return "full name"
                continue
            if not (words and words[0] in self._first and words[0] not in lx.NOT_NAMES and words[-1] not in lx.NOT_NAMES):
                continue
            if match["name"].endswith(("'s", "’s")) and " ".join(words) in lx.EPONYM_FULL_NAMES \
                    and _EPONYM_AFTER.match(text, match.end("name")) \
                    and text[sentence(text, start, match.end())[1]:][:1] == "?":
                continue  # "What causes Lou Gehrig's disease?": a question about a disease named after someone
            if words[0] in lx.PLACE_WORDS or _NOT_A_PERSON_AFTER.match(text, match.end("name")) \
                    or (_GOODS_AFTER.match(text, match.end("name")) and _COUNT_BEFORE.search(text, max(0, start - 12), start)) \
                    or _PLACE_WORD_BEFORE.search(text, max(0, start - 8), start) \
                    or _ARTICLE_BEFORE.search(text, max(0, start - 5), start):
                continue  # a place, an organisation or a work ("Tarantini Group opens an office")
            if other_personal_data:
                return "with identifiers"
            begin, stop = sentence(text, match.start(), match.end("name"))
            if any(begin <= reading.start(first) < stop for first, _ in reading.get("account")) \
                    and not _LOCATIVE_BEFORE.search(text, max(0, start - 8), start):
                return "account context"  # not "an office in Prime Case": a place
            if words[-1].lower() in PARTICLES:
                continue  # "Lanzo Di Martina": a particle written capitalised leads a place's name
            if _PERSON_AFTER.match(text, match.end("name")) or (
                    (words[-1] in self._last or words[-1] in first_names or self._names.surname(words[-1]))
                    and not a_place_before(text, start, match["name"])
                    and match["name"] not in lx.FAMOUS_NAMES):  # "Robin Hood": a legend, named bare
                return "full name"
        return None

_EPONYM_AFTER = re.compile(r"[ \t]+(?i:disease|syndrome|palsy|lymphoma|sarcoma|ataxia|chorea|law|theorem|principle)\b")
def _public_topic(reading: Reading, surnames: frozenset[str]) -> bool:
    """Whether the text speaks of famous people or works (lexicon.PUBLIC_CUES), not counting a cue
    word that is part of a name: a one-word cue that is a known surname, written capitalised right
    after a capitalised word ("Cécile Rey", "Timoteo Rey Robles": Spanish "rey", king, as a surname;
    not "Lincoln's Gettysburg Address")."""
    text = reading.text
    for first, end in reading.get("public"):
        at = reading.start(first)
        if end - first == 1 and first > 0 and text[at:reading.end(end)] in surnames:
            before = reading.start(first - 1)
            word = text[before:reading.end(first)]
            if word[:1].isupper() and not word.endswith(("'s", "’s", "'", "’")) \
                    and not SENTENCE_END.search(text, before, at):
                continue
        return True
    return False


# What a given name plus surname is when the next word names a thing ("Victoria Station", "Morgan
# Stanley Bank") or an article leads it ("the Jordan River").
_NOT_A_PERSON_AFTER = re.compile(rf"(?:[ \t]+{TOKEN}){{0,2}}(?:['’]s)?(?:[ \t]+[-–,])?[ \t]+(?:{lx.NOT_A_PERSON_AFTER})(?!\w)")
_CAPITALISED_BEFORE = re.compile(rf"{TOKEN}[ \t]+\Z")
_GOODS_AFTER = re.compile(rf"[ \t]+(?:{lx.GOODS})(?!\w)")
_COUNT_BEFORE = re.compile(r"(?i:\b(?:[0-9]+|some|more|our|your|these|those|new|all))[ \t]+\Z")
_PARTICLE_THEN_CAPITAL = re.compile(rf"(?:[ \t]+{PARTICLE})+[ \t]+[{UPPER}]")
_TOKEN_AFTER = re.compile(rf"[ \t]+{TOKEN}")
_PLACE_WORD_BEFORE = re.compile(rf"(?:{'|'.join(sorted(lx.PLACE_WORDS))})[ \t]+\Z")
# Words that lead a place: a bare two-word name after them is taken for a town ("in Bosco Perrotta").
_LOCATIVE_BEFORE = re.compile(r"(?i:\b(?:in|near|nach|bei|en|à))[ \t]+\Z")
# What only a person does right after being named: "Lena Wilmsen agreed to ...", "..., who ...".
# "has paid", "had already confirmed": the verbs' past forms after an auxiliary; an aside in brackets
# may come between ("Erseç Eraslan (account 18902001) asked ...").
_PERSON_AFTER = re.compile(rf"{lx.SUFFIXES}(?:[ \t]+\([^()\n]{{1,40}}\))?(?:,?[ \t]+(?:(?:has|had)[ \t]+(?:not[ \t]+|already[ \t]+|just[ \t]+)?)?"
                           rf"(?:{lx.PERSON_VERBS})\b|,[ \t]+(?:who|whose|she|he)\b)")
_ARTICLE_BEFORE = re.compile(r"(?i:\b(?:the|a|an|der|die|das|le|la|les|el|los|il|de|het))[ \t]+\Z")
# A run of words of a caseless script inside Latin-script text: 1-4 words, 2-20 characters.
_CASELESS_RUN = re.compile(rf"(?<![{CASELESS}\w])[{CASELESS}]{{1,12}}(?:[ \t]+[{CASELESS}]{{1,12}}){{0,3}}(?![{CASELESS}\w])")
_HAN_HANGUL = re.compile("[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]+")
# What ends the name of a ward, city, town, village, prefecture or province (区, 市, 省, 시, 구, ...).
_PLACE_SUFFIXES = tuple("区市町村県都府道省州県郡镇鎮시구군도동읍면")
_CYRILLIC_GREEK = "А-ЯЁЄІЇЎҐΑ-ΩΆΈΉΊΌΎΏ"
_CYRILLIC_GREEK_WORD = rf"[{_CYRILLIC_GREEK}][а-яёєіїўґα-ωάέήίόύώϊϋΐΰς'ʼ’]+(?:-[{_CYRILLIC_GREEK}][а-яёєіїўґα-ωάέήίόύώϊϋΐΰς'ʼ’]+)?"
_FOREIGN_LETTER = re.compile(f"[{_CYRILLIC_GREEK}{CASELESS}]")
_CYRILLIC_GREEK_NAME = re.compile(rf"(?<!\w){_CYRILLIC_GREEK_WORD}(?:[ \t]+{_CYRILLIC_GREEK_WORD}){{1,3}}(?![\w])")


# Common surnames of China, Korea and Vietnam (one character or syllable leads the name).
EAST_ASIAN_SURNAMES = frozenset(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖田董袁潘"
    "于蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付方白邹鄒孟熊秦邱江尹薛闫段雷侯"
    "龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯"
    "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편")

_PLACEHOLDERS = frozenset("String Str Text Name Names Null None Nil Undefined Value Example Sample Test Todo Tbd Xxx "
                          "Firstname Lastname First Last Surname Unknown Varchar Required Optional".split())


_NOT_ASCII_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())


def _foreign_name(reading: Reading, first: frozenset[str], last: frozenset[str]) -> str | None:
    """"full name" for a name in another script inside Latin-script text: 2-4 capitalised Cyrillic or
    Greek words ("Please call back Левко Корбут"), a run of 2-4 Han/kana/Hangul characters
    (or two runs) led by a common surname, or 2-4 words of Arabic, Hebrew, Devanagari or Thai one of
    which the gazetteer knows; or 1-3 such words before what only a person does ("倪芳 agreed to"). Text mostly in such a script has no Latin frame and is left alone."""
    text = reading.text
    if text.isascii() or not _FOREIGN_LETTER.search(text):  # a charset search, ~9x faster than the patterns'
        return None
    latin = len(text.encode("ascii", "ignore").translate(None, _NOT_ASCII_LETTERS))  # Latin letters, in C
    for run in _CYRILLIC_GREEK_NAME.finditer(text):
        if latin >= len(run.group()):
            return "full name"  # "Please call back Левко Корбут": capitalised words of another script
    for run in _CASELESS_RUN.finditer(text):
        words = run.group().split()
        if latin < len(run.group()):
            return None
        if len(words) <= 3 and len(run.group()) >= 2 and _PERSON_AFTER.match(text, run.end()):
            return "full name"  # "Summarise the notes: 倪芳 agreed to ...": what only a person does
        if _HAN_HANGUL.fullmatch(words[0]):
            chars = "".join(words)
            if chars.endswith(_PLACE_SUFFIXES) or PLACE_BEFORE.search(text, max(0, run.start() - 12), run.start()):
                continue  # "in 渋谷区", "from 江東区": a place, though 渋谷 is also a surname
            if 2 <= len(chars) <= 5 and len(words) <= 2 and (
                    chars[0] in EAST_ASIAN_SURNAMES or words[0] in last or words[0] in first
                    or chars[:2] in last or chars[1:] in first):
                return "full name"
        elif 2 <= len(words) <= 4 and any(w in first or w in last for w in words):
            return "full name"
    return None
