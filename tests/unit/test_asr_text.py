"""A transcript's speech-to-text slips undone before the privacy scan (router/classify/asr_text.py):
a name heard as a possessive after an introduction, a date of birth's label heard as another word
before "birth". The reads are Whisper base's, of espeak-ng memos in bench/media_wild_eval.py; the
decoys are businesses, places of birth and births that are not a person's date of birth."""

from __future__ import annotations

import pytest

from router.classify.asr_text import variants
from router.look import scan_text

AUDIO = "messages[0].content[1] (audio transcript)"


@pytest.mark.parametrize("heard, kind", [
    # "This is Benny Phillips. I was diagnosed with depression…" (voice en-us+m3, 195 wpm)
    ("This is Benny's Phillips. I was diagnosed with depression last spring, and I'm uncertain so I "
     "can't do the right shifts.", "person"),
    # "… and my date of birth is 1 October 1972." (voice en-gb-x-rp+f4, 145 wpm)
    ("My name is Miss Cannon Jones and my native birth is near a 1 October 1972.", "date_of_birth"),
    ("my name of birth is near a 1 October 1972", "date_of_birth"),
    # "Samuel Montgomery speaking, …" (Flite slt through a telephone band, bench --set more)
    ("Samuel Montgomery's peaking, my doctor says my blood sugar is too high. I have tied two diopedes.",
     "person"),
])
def test_a_slip_of_speech_to_text_no_longer_hides_what_was_said(default_policy, heard, kind):
    assert kind in [f.kind for f in scan_text(default_policy, heard, AUDIO)]


@pytest.mark.parametrize("heard", [
    "Hi, this is Joe's Pizza, your order is ready for pick-up.",
    "This is Tom's Diner, we are open till late tonight.",
    "Let's meet at Joe's Garage at noon.",
    "Hi, this is Joe's Garage, your car is ready.",  # a business: "garage" is a word, not a common surname
    "My place of birth is Leeds, I moved to London in 1999.",
    "The company's birth was in 1972, the shop opened on 1 October 1972.",
    "Our product birth was 1999 when we launched version one.",
    "She gave birth in 2020, the team sent flowers.",
    "The mountain's peaking at dawn looks great from the hut.",
])
def test_businesses_and_births_that_are_no_ones_date_of_birth_stay_clean(default_policy, heard):
    assert scan_text(default_policy, heard, AUDIO) == []


def test_a_transcript_without_a_slip_is_scanned_once_as_heard():
    heard = "The nightly build failed again on the integration tests."
    assert variants(heard) == [heard]
    assert variants("This is Benny's Phillips.") == ["This is Benny's Phillips.", "This is Benny Phillips."]


def test_the_look_scans_the_readings_in_other_languages_too(default_policy):
    # Whisper base on the en-029+f2 IBAN memo (tests/integration/test_speech_engine.py): detected as
    # Latin, its best reading loses the IBAN; the English reading, an alternative, keeps it
    heard = "3-fond should go to my account i-man TV, Nialo, 6-T, or 6-thousand, 4-on ribbon, 98-6-thusand"
    english = "The refund should go to my account I'm an TBR or 6T or 6,4986,3296,4886.1"
    assert scan_text(default_policy, heard, AUDIO) == []
    assert [f.kind for f in scan_text(default_policy, heard, AUDIO, (english,))] == ["iban"]
    # an alternative without personal data adds nothing
    assert scan_text(default_policy, heard, AUDIO, ("The refund should go to my account soon.",)) == []
