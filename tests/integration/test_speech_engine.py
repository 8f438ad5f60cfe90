"""The speech engine (router/engines.SpeechEngine, Whisper base) on memos whose voices fooled it:
espeak-ng's French voice sent it into a loop ("Move, move, move, …" to its 448-token limit, ~15 s of
CPU for a 4 s memo), and a Caribbean English voice was detected as Latin and read as "3-4-4-4-…".
A looping window is now decoded again without repeated 3-grams, and an unsure detection is read in
the next languages too, the best reading kept as the transcript and the others as alternatives that
the privacy look scans. One engine for the module (the model loads once)."""

from __future__ import annotations

import zlib

import pytest

import media_samples as ms
from router.engines import SpeechEngine


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return SpeechEngine(tmp_path_factory.getbasetemp() / "models")


def _compression(text: str) -> float:
    data = text.encode()
    return len(data) / len(zlib.compress(data))


def test_a_memo_whisper_loops_on_comes_back_as_words_not_a_loop(engine):
    # bench/media_wild_eval.py's phone_fr memo: the old engine read "Move, move, move, …" (ratio ~30)
    memo = ms.speech("Vous pouvez me rappeler au 07 47 24 40 39.", voice="fr", speed=158)
    transcript = engine.transcribe(memo, "wav")
    assert transcript.text and _compression(transcript.text) <= 2.4, transcript.text
    assert all(_compression(text) <= 2.4 for text in transcript.alternatives)


def test_an_unsure_language_is_read_again_in_the_next_ones_and_the_best_reading_kept(engine):
    # bench/media_wild_eval.py's iban memo in en-029+f2: detected "la" (0.55), read "3-4-4-4-…"
    memo = ms.speech("The refund should go to my account, IBAN GB06 TJAW 6498 6329 6486 31.",
                     voice="en-029+f2", speed=151)
    transcript = engine.transcribe(memo, "wav")
    readings = [transcript.text, *transcript.alternatives]  # the look scans them all
    assert len(readings) > 1 and all(_compression(text) <= 2.4 for text in readings), transcript
    assert any("refund" in text.lower() and "my account" in text.lower() for text in readings), transcript


def test_a_clear_memo_is_read_once_without_alternatives(engine):
    memo = ms.speech("Quick reminder, the roadmap review moved to Thursday at two in the big room.",
                     voice="en-us", speed=150)
    transcript = engine.transcribe(memo, "wav")
    assert "thursday" in transcript.text.lower() and transcript.language == "en", transcript
    assert transcript.alternatives == ()
