"""What a name looks like, and how the gazetteers read one: the name-word patterns the person
detectors share (people.py, subjects.py; addresses.py reads the patterns too) and `Gazetteer`, the
given names and surnames derived from names-dataset (lexicon.first_names / last_names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from router.classify import lexicon as lx
from router.classify.lower_names import common_as_name

UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽΑ-ΩΆΈΉΊΌΎΏА-ЯЁЄІЇЎҐ"
# Scripts without letter case (Han, kana, Hangul, Arabic, Hebrew, Devanagari, Thai): a name in them
# cannot be told by its capital, so a run of them counts as a name word where a cue expects one.
CASELESS = "\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af"
CASELESS_WORD = re.compile(rf"[{CASELESS}]+")
TOKEN = rf"(?:[{UPPER}](?:[^\W\d_]|['’\-](?=[^\W\d_]))+|[{CASELESS}][{CASELESS}\u0900-\u097f]*)"
PARTICLE = r"(?:van|von|de|der|den|da|das|do|dos|del|della|delle|degli|dei|di|du|des|la|le|ten|ter|bin|ibn|al|el|zu|y|i)"
NAME = rf"{TOKEN}(?:[ \t]+(?:{PARTICLE}[ \t]+)*{TOKEN}){{0,3}}"
PARTICLES = frozenset(PARTICLE[3:-1].split("|"))
HONORIFIC = rf"(?:(?i:{lx.HONORIFICS})[ \t]+)?{lx.TITLES}"
# Voice assistants and chat models addressed by name ("Alexa, play jazz", "Hey Siri", "Claude,
# summarise this"): alone they are not a person; with a surname they are ("Alexa Bloch-Hartmann").
ASSISTANT_NAMES = frozenset("Siri Alexa Cortana Claude Gemini Copilot Bard Jarvis Bixby Google ChatGPT Grok".split())

_NAME_PREFIX = re.compile(r"(?:Mc|Mac|O'|O’|D'|D’)(?=[A-Z])")


def name_shaped(word: str) -> bool:
    """One capital per part ("Gianfrancesco", "Jean-Luc", "McCarthy", "O'Brien"), not an acronym or a
    product ("ChatGPT")."""
    word = _NAME_PREFIX.sub("", word, count=1)
    return sum(c.isupper() for c in word) == word.count("-") + 1


def words_of(name: str) -> list[str]:
    """The name's words without particles; none for an assistant addressed by its name alone."""
    words = [w for w in name.split() if w not in PARTICLES]
    if words and len(words[-1]) > 3 and words[-1].endswith(("'s", "’s")):
        words[-1] = words[-1][:-2]  # "Samuel Montgomery's": the possessive is no part of the surname
    return [] if len(words) == 1 and words[0] in ASSISTANT_NAMES else words


@dataclass(frozen=True)
class Gazetteer:
    """The given names and surnames the detectors know (loaded once, by PersonFinder)."""

    first: frozenset[str]
    last: frozenset[str]

    def known(self, words: list[str]) -> bool:
        """A known given name first, two or more words that are all known names or end in a known
        surname, or a name in a script without letter case (read only where a cue expects a name)."""
        if not words or words[0] in lx.NOT_NAMES:
            return False
        first, last = self.first, self.last
        return words[0] in first or (len(words) >= 2 and all(w in last or w in first for w in words)) \
            or (len(words) >= 2 and words[-1] in last and all(map(name_shaped, words))) \
            or all(CASELESS_WORD.fullmatch(w) for w in words)

    def surname(self, word: str) -> bool:
        """A word no common English noun looks like: letters beyond ASCII ("Süßebier", "Beňová"),
        or two capitalised parts with a known surname ("James-Webb")."""
        if not word.isascii():
            return word not in lx.NOT_NAMES
        parts = word.split("-")
        return len(parts) == 2 and all(p[:1].isupper() for p in parts) and any(p in self.last for p in parts)

    def unknown_name(self, words: list[str]) -> bool:
        """Two to four name-shaped words that read as a name though the given name is unknown: a
        surname the gazetteer knows, or one beyond ASCII, and no word that is an English word
        uncommon as a name ("Final Price", "Green Energy")."""
        if not 2 <= len(words) <= 4 or set(words) & lx.NOT_NAMES or words[0] in lx.PLACE_WORDS \
                or not all(map(name_shaped, words)):
            return False
        last = words[-1]
        if not (last in self.last or self.surname(last)):
            return False
        return all(not w.isascii() or common_as_name(w.lower(), "f" if i == 0 else "l") for i, w in enumerate(words))
