"""A transcript as the privacy scan should read it: the slips speech-to-text makes undone.

Whisper hears a name said after an introduction as a possessive ("This is Benny's Phillips."), and
a date of birth's label as any word before "birth" ("my native birth is 1 October 1972", "my name
of birth is …"). The detectors then miss the person or the date of birth, though the speaker said
both plainly. `variants(transcript)` gives the texts to scan: the transcript as heard and, when a
slip is found, the transcript with it undone:

- a possessive's "'s" dropped between a given name and a surname of the gazetteers
  (classify/lexicon.py), right after an introduction ("this is", "my name is", "I'm", "it's"):
  "this is Tom's Diner" stays as it is (no surname), the person detector judges the rest;
- a name's "speaking" heard with its s on the name ("Samuel Montgomery's peaking"), put back;
- a word before "birth" (or "of birth", "at birth") read as "date of birth" when a year follows within
  a few words: the date of birth detector still needs a whole date after it. Places of birth stay.

Pure and cheap: three regular expressions over a transcript (router/look.py calls it).
"""

from __future__ import annotations

import re

from router.classify.lexicon import first_names, last_names
from router.classify.lower_names import common_as_name

__all__ = ["variants"]

_INTRO = r"(?i:this is|my name is|my name's|name is|i am|i'm|it's|it is|here is|here's|speaking is)"
_POSSESSIVE = re.compile(rf"(?<![\w'])((?:{_INTRO}) ([A-Z][a-z]+))['’]s (?=([A-Z][a-z]+))")
_SPEAKING = re.compile(r"(?<![\w'])([A-Z][a-z]+)['’]s peaking(?!\w)")
# "native birth", "name of birth", "day at birth" and a year within 40 characters of the sentence
_BIRTH = re.compile(r"(?<![\w'])(?!(?:place|country|city|town|county|land|state|hospital|gave|give|giving|given"
                    r"|of|at)\b)"
                    r"[a-z]+ (?:(?:of|at) )?birth(?!\w)(?=[^.!?\n]{0,40}?(?<!\d)(?:1[89]|20)\d\d(?!\d))", re.I)


def variants(transcript: str) -> list[str]:
    """The texts a transcript is scanned as: as heard, and with the slips above undone (when any)."""
    mended = _POSSESSIVE.sub(_name, transcript)
    mended = _SPEAKING.sub(r"\1 speaking", mended)
    mended = _BIRTH.sub("date of birth", mended)
    return [transcript] if mended == transcript else [transcript, mended]


def _name(match: re.Match[str]) -> str:
    """The introduction and given name without the "'s", when a surname follows that is no common
    noun ("This is Joe's Garage" is a business); else as heard."""
    surname = match.group(3)
    if match.group(2) in first_names() and surname in last_names() and common_as_name(surname.lower(), "l"):
        return match.group(1) + " "
    return match.group(0)
