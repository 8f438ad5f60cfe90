"""Private persons and what is said about them: names, health and the other special categories.

A name alone proves nothing ("Who was Marie Curie?"); context decides. Each detector returns the
reason it fired, never the value:

    person (salutation)        Dear Mr. Okonkwo, / Hallo Anna,
    person (sign-off)          Best regards, Priya Raghunathan
    person (introduction)      my name is ... / It's Aiko Tanaka, ...
    person (role word)         customer Ingrid Halvorsen / Patient Marek Nowak / my report Tomasz ...
    person (honorific)         für Herrn Jürgen Baumgartner (two name words, or one in a writing task)
    person (with identifiers)  a full given name + surname in a text holding other personal data
    person (account context)   a full name next to verbs and nouns of account, care and employment
    health (...)               a condition or treatment tied to someone: a named person, a patient
                               record, the writer ("my chemotherapy", "I was diagnosed"), a role word
    special_category (...)     religion, trade union, ethnicity, sexual orientation, political
                               opinion, genetic or biometric data, about people the writer holds
                               records of (staff who..., my..., a named person)

Weak cues (a bare full name, a short introduction, an honorific with one word) stay silent when
the text speaks of famous people or works (lexicon.PUBLIC_CUES: biography, novel, prize, ...).
A name word is a capitalised token; whether it is a given name or surname comes from the
gazetteers derived from names-dataset (lexicon.first_names / last_names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from router.classify import lexicon as lx

UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽΑ-ΩА-Я"
TOKEN = rf"[{UPPER}](?:[^\W\d_]|['’\-](?=[^\W\d_]))+"
_PARTICLE = r"(?:van|von|de|der|den|da|das|do|dos|del|della|di|du|la|le|ten|ter|bin|ibn|al|el|zu|y)"
NAME = rf"{TOKEN}(?:[ \t]+(?:{_PARTICLE}[ \t]+)*{TOKEN}){{0,3}}"
_PARTICLES = frozenset(_PARTICLE[3:-1].split("|"))

_ROLE_NAME = re.compile(
    rf"(?i:\b{lx.ROLE_WORDS})(?:[ \t]*[,:(]?[ \t]*|[ \t]+(?i:named|called|namens|nommée?|llamad[oa]|di nome)[ \t]+)"
    rf"(?:{lx.HONORIFICS}[ \t]+)?(?P<name>{NAME})")
_NAME_ROLE = re.compile(rf"(?P<name>{NAME}),?[ \t]+\(?(?i:(?:our|my|the|a|unser[e]?|notre|nuestr[oa]|il nostro)[ \t]+)"
                        rf"(?i:{lx.ROLE_WORDS})\b")
_HONORIFIC_NAME = re.compile(rf"(?<![\w.]){lx.HONORIFICS}[ \t]+(?P<name>{NAME})")
_SALUTATION = re.compile(
    rf"(?i:\b{lx.SALUTATIONS})[ \t]+(?:(?P<hon>{lx.HONORIFICS})[ \t]+)?(?P<name>{NAME})(?P<end>[ \t]*(?:[,!:\n]|$))?")
_SIGN_OFF = re.compile(
    rf"(?i:\b{lx.SIGN_OFFS})[ \t]*(?:[,!.\-–—][ \t]*\n?|\n)[ \t]*(?P<name>{NAME})(?=[ \t]*(?:$|\n|['\"”’)]|[,.](?:\s|$)))")
_INTRODUCTION = re.compile(rf"(?i:\b{lx.INTRODUCTIONS})[ \t]+(?P<name>{NAME})")
_WEAK_INTRODUCTION = re.compile(rf"(?i:(?<![\w']){lx.WEAK_INTRODUCTIONS})[ \t]+(?P<name>{NAME})")
_FULL_NAME = re.compile(rf"(?<![\w'’])(?P<name>{TOKEN}[ \t]+(?:{_PARTICLE}[ \t]+)*{TOKEN})")
_TASK = re.compile(r"(?i)\b(?:draft|write|reply|respond|answer|send|remind|invoice|letter|e-?mail|message|note|confirm|"
                   r"book|schedule|call|contact|notify|proofread|formuliere|schreib\w*|antworte|erinnere|rédige|écri\w*|"
                   r"envoie|répond\w*|redacta|escribe|envía|responde|scrivi|invia|rispondi|schrijf|stuur|napisz)\b")
_PUBLIC = re.compile(rf"(?i)\b{lx.PUBLIC_CUES}\b")
_ACCOUNT = re.compile(rf"(?i)\b{lx.ACCOUNT_VERBS}\b")
_SENTENCE_END = re.compile(r"[.!?;\n]")


def _words(name: str) -> list[str]:
    return [w for w in name.split() if w not in _PARTICLES]


@dataclass(frozen=True)
class PersonCues:
    """What the person detector reads besides the built-in word lists (policy: role_words)."""

    role_words: tuple[str, ...] = ()


class PersonFinder:
    """Finds a private person; build once (loads the gazetteers), `find` is pure."""

    def __init__(self, cues: PersonCues = PersonCues()) -> None:
        self._first = lx.first_names()
        self._last = lx.last_names()
        self._extra_roles = None
        if cues.role_words:
            extra = lx.alternation(" | ".join(re.escape(w.strip().lower()).replace(r"\ ", " ") for w in cues.role_words))
            self._extra_roles = re.compile(rf"(?i:\b{extra})[ \t]*[,:]?[ \t]*(?:{lx.HONORIFICS}[ \t]+)?(?P<name>{NAME})")

    def _given(self, word: str) -> bool:
        return word in self._first

    def _named(self, name: str) -> bool:
        """A known given name first, or two or more words that are all known surnames."""
        words = _words(name)
        if not words or words[0] in lx.NOT_NAMES:
            return False
        return self._given(words[0]) or (len(words) >= 2 and all(w in self._last or w in self._first for w in words))

    def find(self, text: str, other_personal_data: bool = False) -> str | None:
        """Why `text` names a private person ("role word", "salutation", ...), or None."""
        for finder in (self._extra_roles, _ROLE_NAME):
            if finder is not None:
                for match in finder.finditer(text):
                    if self._named(match["name"]):
                        return "role word"
        for match in _NAME_ROLE.finditer(text):
            if self._named(match["name"]):
                return "role word"
        for match in _SALUTATION.finditer(text):
            words = _words(match["name"])
            if (match["hon"] and words) or (match["end"] is not None and words and self._given(words[0])
                                            and words[0] not in lx.NOT_NAMES):
                return "salutation"
        for match in _SIGN_OFF.finditer(text):
            words = _words(match["name"])
            if words and words[0] not in lx.NOT_NAMES and (self._given(words[0]) or len(words) >= 2):
                return "sign-off"
        for match in _INTRODUCTION.finditer(text):
            words = _words(match["name"])
            if words and words[0] not in lx.NOT_NAMES:
                return "introduction"
        public = _PUBLIC.search(text) is not None
        if public and not other_personal_data:
            return None
        for match in _WEAK_INTRODUCTION.finditer(text):
            words = _words(match["name"])
            if len(words) >= 2 and self._given(words[0]) and words[0] not in lx.NOT_NAMES:
                return "introduction"
        for match in _HONORIFIC_NAME.finditer(text):
            words = _words(match["name"])
            if words and words[0] not in lx.NOT_NAMES and (len(words) >= 2 or _TASK.search(text)):
                return "honorific"
        for match in _FULL_NAME.finditer(text):
            words = _words(match["name"])
            if not (self._given(words[0]) and words[-1] in self._last and words[0] not in lx.NOT_NAMES
                    and words[-1] not in lx.NOT_NAMES):
                continue
            if other_personal_data:
                return "with identifiers"
            if _ACCOUNT.search(_sentence(text, match.start(), match.end())):
                return "account context"
        return None


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end] (bounded by . ! ? ; or a newline, 200 characters at most)."""
    left = max(0, start - 200)
    ends = [m.end() for m in _SENTENCE_END.finditer(text, left, start)]
    begin = ends[-1] if ends else left
    stop = _SENTENCE_END.search(text, end)
    return text[begin:stop.start() if stop else min(len(text), end + 200)]


# -- health and the other special categories (GDPR art. 9) -----------------------------------------

_HEALTH = re.compile(rf"(?i)\b{lx.HEALTH_TERMS}\b")
_HEALTH_TIED = re.compile(rf"(?i)\b{lx.HEALTH_TIES}\W+(?:[\w'’\-]+\W+){{0,3}}?{lx.HEALTH_TERMS}\b")
_OWN = re.compile(rf"(?i)\b(?:{lx.FIRST_POSSESSIVE}|{lx.THIRD_PERSON_POSSESSIVE})\W+(?:[\w'’\-]+\W+){{0,2}}?"
                  rf"{lx.HEALTH_TERMS}\b")
_SPECIFIC_ROLE = re.compile(rf"(?i)\b(?:the|this|that|our|my|an?|one|le|la|l'|un|une|der|die|das|ein|eine|el|una?|"
                            rf"il|lo|de|het|een)[ \t]+(?:\w+[ \t]+)?{lx.ROLE_WORDS}\b")
_SPECIAL = {label: re.compile(rf"(?i)\b{words}\b") for label, words in lx.SPECIAL_CATEGORIES.items()}
_GROUP_RECORDS = re.compile(rf"(?i)\b(?:{lx.GROUP_WORDS}|{lx.ROLE_WORDS})\b[^.!?\n]{{0,80}}?"
                            rf"\b(?:who|whose|which of|that|their|with|disclosed|declared|is an?|are)\b")
_SPECIAL_OWN = re.compile(rf"(?i)\b(?:{lx.FIRST_POSSESSIVE}|{lx.THIRD_PERSON_POSSESSIVE}|i am|i'm|he is|she is|"
                          rf"he's|she's|ich bin|er ist|sie ist|je suis|il est|elle est|soy|es|sono|è)\W+"
                          rf"(?:[\w'’\-]+\W+){{0,2}}?$")


def find_health(text: str, person: bool) -> str | None:
    """Why `text` holds someone's health data, or None (a general health question has no one)."""
    if _HEALTH.search(text) is None:
        return None
    if person:
        return "named person"
    if re.search(r"(?i)\b(?:patient|patientin|paciente|patiente|paziente|patiënt|pacjent)", text) and (
            _HEALTH_TIED.search(text) or _OWN.search(text)):
        return "patient record"
    if _OWN.search(text):
        return "possessive"
    if _HEALTH_TIED.search(text):
        return "condition tied to someone"
    if _SPECIFIC_ROLE.search(text) and re.search(r"(?i)\b(?:disclosed|reported|told|informed|records?|file|note)\b", text):
        return "role word"
    return None


def find_special(text: str, person: bool) -> str | None:
    """The special category `text` reveals about someone ("trade union"), or None."""
    for label, pattern in _SPECIAL.items():
        for match in pattern.finditer(text):
            if person or _GROUP_RECORDS.search(text) or _SPECIAL_OWN.search(text, max(0, match.start() - 40),
                                                                               match.start()):
                return label
    return None
