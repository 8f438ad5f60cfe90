"""What is said about someone: health and the other special categories (GDPR art. 9 and 10).

Each detector returns the reason it fired, never the value:

    health (...)               a condition or treatment tied to someone: a named person, a patient
                               record, a possessive ("my chemotherapy", "mon père suit une
                               chimiothérapie"), a verb that ties it to someone ("was diagnosed"),
                               a clinical record or someone the writer knows (clinical.py)
    special_category (...)     religion, trade union, ethnicity, sexual orientation, political
                               opinion, genetic or biometric data, criminal record, immigration
                               status, about someone: a named person, the writer, someone the
                               writer knows ("our tenant is ..."), or people the writer holds
                               records of ("staff who ...")

The word lists are people.LISTS' (one matcher reads them all, thorough.py).
"""

from __future__ import annotations

import re

from router.classify import clinical
from router.classify.lexicon import Reading


def _ends(reading: Reading, cue: str, lead: frozenset[str] | None = None) -> frozenset[int]:
    """Where the `cue` phrases end (those that begin with, or follow, a word of `lead`, when given:
    "my", "I was diagnosed")."""
    words = reading.words
    unit = cue == "possessive"  # "80/min": after a number, Swedish "min" is a minute, not "my"
    return frozenset(end for start, end in reading.get(cue)
                     if not (unit and start > 0 and words[start - 1].isdigit())
                     and (lead is None or words[start] in lead or (start > 0 and words[start - 1] in lead)))


def _within(ends: frozenset[int], first: int, gap: int) -> bool:
    """Whether one of `ends` is at most `gap` words before word `first`."""
    return bool(ends) and any(first - d in ends for d in range(gap + 1))


def _near_before(reading: Reading, cue: str, first: int, gap: int, lead: frozenset[str] | None = None) -> bool:
    """Whether a `cue` phrase ends at most `gap` words before word `first` (see _ends for `lead`)."""
    return _within(_ends(reading, cue, lead), first, gap)


def find_health(reading: Reading, person: bool) -> str | None:
    """Why the text holds someone's health data, or None (a general health question has no one)."""
    terms = reading.get("health")
    if not terms:
        if clinical.cjk_condition(reading.text, named=person):
            return "named person" if person else "the writer's own people"
        return None
    if person:
        return "named person"
    # In a test item (a vignette with options) the patient is made up: only the writer's own count.
    lead = clinical.FIRST_PERSON if clinical.exam_question(reading.text) else None
    ties, owners = _ends(reading, "health_tie", lead), _ends(reading, "possessive", lead)
    tied = any(_within(ties, first, 3) for first, _ in terms)
    owned = any(_within(owners, first, 4) for first, _ in terms)
    if tied and not owned and reading.has("group") and _AGGREGATE.search(reading.text) \
            and _NAMES_WANTED.search(reading.text) is None:
        tied = False  # a group's figures: "How many employees take sick leave for burnout each year?"
    if (tied or owned) and reading.has("patient") and lead is None:
        return "patient record"
    if owned:
        return "possessive"
    if tied:
        return "condition tied to someone"
    if lead is not None:
        return None
    if clinical.record_marks(reading) >= 2:
        return "clinical record"
    if clinical.about_someone_known(reading, terms) or clinical.role_in_sentence(reading, terms):
        return "the writer's own people"
    roles = reading.get("role")
    if reading.has("disclosure") and any(first == 0 or _near_before(reading, "determiner", first, 2)
                                            or reading.text[reading.start(first) - 2:reading.start(first)].strip() in
                                            (".", "!", "?", ":", "") for first, _ in roles):
        return "role word"
    return None


def find_special(reading: Reading, person: bool) -> str | None:
    """The special category the text reveals about someone ("trade union"), or None. A group's
    figures ("What share of the workforce is unionised?") are about no one."""
    special = [(name[len("special:"):], hits) for name, hits in reading.hits.items() if name.startswith("special:")]
    if not special:
        return "political opinion" if "Party" in reading.text and _PARTY_MEMBER.search(reading.text) else None
    if not person and clinical.exam_question(reading.text):
        # A test item's people are made up: only the writer speaking of themselves counts.
        lead = clinical.FIRST_PERSON
        return next((name for name, hits in special for first, _ in hits
                     if _near_before(reading, "own_special", first, 3, lead)
                     or _near_before(reading, "possessive", first, 2, lead)), None)
    aggregate = _AGGREGATE.search(reading.text) is not None and _NAMES_WANTED.search(reading.text) is None
    groups = reading.get("group") + reading.get("role")
    ties = reading.get("group_tie")
    for name, hits in special:
        for first, end in hits:
            if person or _near_before(reading, "own_special", first, 3) or _near_before(reading, "possessive", first, 2):
                return name
            if not aggregate and any(abs(g - first) <= 10 for g, _ in groups) and any(abs(t - first) <= 12 for t, _ in ties):
                return name
        if clinical.about_someone_known(reading, hits):
            return name
    if "Party" in reading.text and _PARTY_MEMBER.search(reading.text):
        return "political opinion"
    return None


# "she's a member of the Green Party", "he is an activist for the Socialist Party"
_PARTY_MEMBER = re.compile(r"(?i:\b(?:i'm|i am|he's|he is|she's|she is|they're|they are|is|was)[ \t]+(?:an?[ \t]+)?"
                           r"(?:member|supporter|activist|donor|volunteer|candidate)[ \t]+(?:of|for)[ \t]+the)"
                           r"[ \t]+(?:[A-Z][\w'’-]+[ \t]+){1,3}Party\b")


_AGGREGATE = re.compile(r"(?i)\b(?:percentage|percent|proportion|share|rate|statistics|average|how many|number of|"
                        r"trends?|anteil|prozent|pourcentage|porcentaje|percentuale)\b")
_NAMES_WANTED = re.compile(r"(?i)\b(?:list|names?|who|which of|record|records|liste|lista)\b")
