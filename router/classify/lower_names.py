"""Full names written in lower case: "tell john smith his order shipped", "our customer emily
johnson wants a refund", "lukas schneider called about his contract". Chat, dictation and
speech-to-text often drop capitals; the rest of the person detector reads capitals.

In lower case the gazetteers (~340,000 names) hold many common words ("grant", "rose", "mark",
"miller"), so a word is read as a name only where a person is expected, and only if, being also an
English word, it is common as a name in that role in an English-speaking country
(data/name_words.txt: "john" and "smith" are, "grant" as a given name and "garden" are not):
- a given name alone after an introduction, a role word or an honorific (also a surname after an
  honorific), as with capitals: "my name is maria duke", "our customer emily", "mrs. donnelly";
- a given name and a surname after a verb that also takes things: "tell john smith", not
  "email sales data"; a title common as a surname is one there ("remind james king");
- a given name ending its line after a sign-off ("kind regards,\nrachael o'brien"), or its clause
  after a salutation ("hi grace,");
- in a text written in lower case, a given name and a surname right before what only a person
  does ("priya sharma said ...").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from router.classify import lexicon as lx
from router.classify.lexicon import Reading

# Cues that expect a person. After an introduction, a role word or an honorific a given name
# alone is one, as with capitals ("my name is maria duke", "des kunden elvira atzler"); after a
# verb that also takes things ("email sales data") only a given name and a surname are.
_STRONG = ("introduction", "role", "extra_role", "honorific")
_WEAK = ("interaction", "weak_introduction")
_GAP = re.compile(r"[ \t]*[,:]?[ \t]*")  # "email: john smith", "our customer, emily johnson"
_OWN_LINE = re.compile(r"[ \t]*[,!.\-–—]?[ \t]*\n[ \t]*")  # "kind regards,\njames king"
_LINE_END = re.compile(r"(?:[ \t]+[^\W\d_][^\s,.!?]*){0,3}[ \t]*[,.]?[ \t]*(?:\n|\Z)")  # a name's line ends
_SALUTATION_END = re.compile(r"[ \t]*(?:[,!:\n]|\Z)")  # "hi grace,"
_CAPITAL_NOT_I = re.compile(r"[A-HJ-Z]|\BI|I\B")  # a capital other than the pronoun "I"
_PERSON_VERBS = frozenset(re.findall(r"[a-z]+", lx.PERSON_VERBS.split("(?:")[0])) | {"called", "calls", "rang"}
_PART_START = re.compile(r"(^|['’-])(\w)")
_SPACES = re.compile(r"[ \t]+")
_VERB_GAP = re.compile(r",?[ \t]+")
_PART = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)?")
_AFTER_HONORIFIC = re.compile(r"\.?[ \t]+")  # "dr. maike kaul", never "m: marco" (a logic exercise's key)


@cache
def name_words() -> dict[str, str]:
    """English word -> "f" (common given name), "l" (common surname), "fl" or "-"."""
    path = Path(__file__).resolve().parent / "data" / "name_words.txt"
    return dict(line.split() for line in path.read_text(encoding="utf-8").splitlines())


def common_as_name(word: str, role: str) -> bool:
    """Whether `word` (lower case) may be read as a given name (role "f") or surname ("l"): it is no
    English word, or one common as a name in that role ("john" "f", "smith" "l"; not "garage")."""
    common = name_words().get(word)
    return common is None or role in common


def _as_name(word: str, role: str, names: frozenset[str]) -> bool:
    """`word` (lower case) read as a given name (role "f") or surname ("l") the gazetteer knows; an
    English word only if it is common as a name in that role ("john", not "grant" as a given name).
    A double-barrelled name is read whole or part by part ("jan-peter", "parker-gregory"), "o'brien"
    also as the gazetteer's "Obrien"."""
    if not common_as_name(word, role):
        return False  # an English word, not common as a name in this role ("grant", "garden")
    if word.isalpha():
        return word.capitalize() in names
    if not _PART.fullmatch(word):
        return False
    if _titled(word) in names or ("'" in word or "’" in word) and re.sub("['’]", "", word).capitalize() in names:
        return True
    return "-" in word and all(_as_name(part, role, names) for part in word.split("-"))


def _titled(word: str) -> str:
    """ "o'brien" -> "O'Brien", "al-sayed" -> "Al-Sayed" (as the gazetteers write it)."""
    return _PART_START.sub(lambda m: m[1] + m[2].upper(), word)


def find_lower_case_name(reading: Reading, first: frozenset[str], last: frozenset[str]) -> str | None:
    """ "lower-case name" when the text names a person in lower case (see the module docstring)."""
    text, words = reading.text, reading.words
    final = len(words) - 1

    def after(cue: str, gap: re.Pattern[str]) -> Iterator[int]:
        """Index of the word after each of the cue's hits, where that word is written in lower case."""
        for begin, end in reading.get(cue):
            if end <= final and len(words[begin]) > 1 and _lower(reading, end) \
                    and gap.fullmatch(text, reading.end(end), reading.start(end)):
                yield end

    for cue in _STRONG:  # a given name alone, as with capitals ("our customer emily wants ..."), or a surname after an honorific
        for at in after(cue, _AFTER_HONORIFIC if cue == "honorific" else _GAP):
            if _as_name(words[at], "f", first) or cue == "honorific" and _as_name(words[at], "l", last):
                return "lower-case name"
    for cue in _WEAK:
        for at in after(cue, _GAP):
            if at < final and _pair(reading, at, first, last):
                return "lower-case name"
    for at in after("sign_off", _OWN_LINE):  # "kind regards,\njames", "cordialement,\njeanne da costa" ending its line
        if _as_name(words[at], "f", first) and _LINE_END.match(text, reading.end(at + 1)):
            return "lower-case name"
    for at in after("salutation", _GAP):  # "hi grace,", "hallo hans jörg,"
        if _as_name(words[at], "f", first):
            if _SALUTATION_END.match(text, reading.end(at + 1)) or at < final and _pair(reading, at, first, last) \
                    and _SALUTATION_END.match(text, reading.end(at + 2)):
                return "lower-case name"
    if not _PERSON_VERBS.isdisjoint(words) and _CAPITAL_NOT_I.search(text) is None:
        for i in range(2, len(words)):
            if words[i] in _PERSON_VERBS and _VERB_GAP.fullmatch(text, reading.end(i), reading.start(i)) \
                    and _pair(reading, i - 2, first, last):
                return "lower-case name"
    return None


def _lower(reading: Reading, i: int) -> bool:
    return reading.text[reading.start(i)].islower()


def _pair(reading: Reading, i: int, first: frozenset[str], last: frozenset[str]) -> bool:
    """Words i and i+1 are a given name then a surname, written in lower case, one space apart."""
    text, words = reading.text, reading.words
    if not (_lower(reading, i) and _lower(reading, i + 1)) \
            or not _SPACES.fullmatch(text, reading.end(i + 1), reading.start(i + 1)):
        return False
    surname = words[i + 1]
    return _as_name(words[i], "f", first) and (_as_name(surname, "l", last) or surname.capitalize() in lx.TITLE_WORDS
                                               and "l" in name_words().get(surname, ""))
