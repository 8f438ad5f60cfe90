"""Two cues of a private person besides people.py's, each returning the reason it fired, never the value:

    person (record label)      Kundendatensatz: Heiderose Häring-Ziegert hat ... (whose record it is)
    person (health subject)    Sibel Mohaupt ist nach einer Knie-OP krankgeschrieben, Gerald's chemo ...
                               (a name opening a sentence that states a condition; not an eponym)

Both read names the gazetteers do not know whole (an unknown given name before a known or non-ASCII
surname), so each needs its context: a record's label before a colon, or a health term in the
sentence the name opens.
"""

from __future__ import annotations

import re

from router.classify import lexicon as lx
from router.classify.lexicon import Reading
from router.classify.lower_names import common_as_name
from router.classify.matcher import SENTENCE_END, WORD, sentence
from router.classify.names import HONORIFIC, NAME, PARTICLES, Gazetteer, words_of

# A name after a record's label: "<role word or record's name> ...: Name Surname" then a comma, the
# end, or a word in lower case ("... aboneliğini iptal etti", "moved to ...").
_COLON_NAME = re.compile(rf"[^\n:.!?]{{0,30}}?[ \t]*:[ \t]*{HONORIFIC}(?P<name>{NAME})(?=[ \t]*(?:[,;(\n]|$)|[ \t]+[^\W\d_A-Z])")
# A sentence's subject: a name, then a possessive ("Gerald's chemo") or the next word ("ist", "had").
_SUBJECT = re.compile(rf"[\s\"'“‘(\-–•*]*{HONORIFIC}(?P<name>{NAME}){lx.SUFFIXES}"
                      rf"(?:(?P<owner>['’]s?)(?!\w)[ \t]*(?P<owned>[^\W\d_]+)?|[ \t]+(?P<next>[^\W\d_]+))")
# What a given name alone must be followed by to be a sentence's subject ("Catherine is expecting
# twins", "Danny broke his wrist"): a copula, an auxiliary or a verb of having, in the scan's languages.
_SUBJECT_VERBS = frozenset("""is was has had broke fractured needs takes suffers ist war hat hatte leidet est était avait
souffre è era ha aveva sta está estaba tiene tenía é estava tem tinha heeft zit lijdt är var har hade er jest był była
ma miała cierpi""".split())
# A group's figures, not one person's condition.
_FIGURES = re.compile(r"(?i)\b(?:rate|rates|highest|lowest|percentage|percent|proportion|share|statistics|average|"
                      r"strategy|programme|program|policy|cases|prevalence|incidence)\b")
# A disease, sign or law named after its describer: "Addison's disease", "Hodgkin lymphoma".
_EPONYM_NOUNS = frozenset("""disease diseases syndrome palsy lymphoma sarcoma ataxia chorea phenomenon sign test law
procedure reflex ulcer contracture disorder manoeuvre maneuver""".split())


def after_record_label(reading: Reading, names: Gazetteer) -> str | None:
    """"record label" for a name right after a record's label, the colon closing a clause with a
    role word or a record's name ("Müşteri kaydını güncelle: Oganer Rüşen Manço ...", "Kundendatensatz:
    Heiderose Häring-Ziegert hat ..."): whose record it is."""
    text = reading.text
    if ":" not in text:
        return None
    for _, end in reading.get("role") + reading.get("record_label"):
        match = _COLON_NAME.match(text, reading.end(end))
        if match is None:
            continue
        words = words_of(match["name"])
        if names.known(words) and len(words) >= 2 or names.unknown_name(words):
            return "record label"
    return None


def health_subject(reading: Reading, names: Gazetteer) -> str | None:
    """"health subject" for a name opening a sentence that states a condition or treatment: "Sibel
    Mohaupt ist nach einer Knie-OP krankgeschrieben", "Gerald's chemo starts Monday", "Catherine
    is expecting twins". An eponym ("Addison's disease is ...") names no one."""
    terms = reading.get("health")
    if not terms:
        return None
    text = reading.text
    seen = set()
    for first, _ in terms:
        at = reading.start(first)
        match = _subject_before(text, at)
        if match is None or match.start() in seen:
            continue
        seen.add(match.start())
        # Particles inside the name, capitalised or not ("Françoise Le Gay"), are no name words.
        words = [w for i, w in enumerate(words_of(match["name"])) if i == 0 or w.lower() not in PARTICLES]
        owner = bool(match["owner"]) or match["name"].endswith(("'s", "’s"))  # "Gerald's": one token to NAME
        if not words or set(words) & lx.NOT_NAMES or words[0] in lx.PLACE_WORDS \
                or (match["owned"] or match["next"] or "").lower() in _EPONYM_NOUNS:
            continue
        if len(words) == 1:
            # A given name alone: the condition right after it, and no group's figures ("Jordan has
            # the highest diabetes rate": a country).
            if words[0] in names.first and (owner or match["next"] in _SUBJECT_VERBS) \
                    and common_as_name(words[0].lower(), "f") and len(WORD.findall(text, match.end(), at)) <= 3:
                stop = sentence(text, at, at)[1]
                if text[stop:stop + 1] != "?" and not _FIGURES.search(text, match.end(), stop):
                    return "health subject"
        elif (names.known(words) and (words[0] in names.first or words[-1] in names.last)) or names.unknown_name(words):
            return "health subject"
    return None


def _subject_before(text: str, at: int) -> re.Match[str] | None:
    """The _SUBJECT match that opens the sentence holding offset `at`: tried at each sentence start
    of the 200 characters before it, nearest first, so that an abbreviation inside the name
    ("Kilian Kroker B.Sc. ist ...") does not hide it."""
    low = max(0, at - 200)
    starts = [m.end() for m in SENTENCE_END.finditer(text, low, at)][::-1] + ([0] if low == 0 else [])
    for begin in starts:
        match = _SUBJECT.match(text, begin)
        if match is not None and match.end("name") <= at and not SENTENCE_END.search(text, match.end(), at):
            return match
    return None
