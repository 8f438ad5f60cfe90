"""What the speech engine's loop and language handling costs per memo: faster-whisper as the engine
called it before (beam 5, temperature 0, no fallback) and router.engines.SpeechEngine, alternating on
the same decoded audio in one process, over bench/media_wild_cases.py's memos.

    .venv/bin/python bench/speech_cost.py [--voices en-029+f2,fr,fr+f3,de,de+f3,es,es+f3,en-029]

Prints one row per memo (seconds of audio, seconds to transcribe before and now, how many other
readings the engine kept) and the mean and median of both. Machine load moves both columns alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from router.runtime import prepare_environment  # noqa: E402

prepare_environment()

import media_samples as ms  # noqa: E402
import media_wild_cases as wild  # noqa: E402
from media_wild_eval import encode  # noqa: E402
from router import engines  # noqa: E402
from router.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voices", default="en-029+f2,fr,fr+f3,de,de+f3,es,es+f3,en-029",
                        help="comma-separated espeak-ng voices to keep ('' for all memos)")
    args = parser.parse_args()
    from faster_whisper import WhisperModel

    voices = set(filter(None, args.voices.split(",")))
    memos = [m for m in wild.memos() + wild.MEMO_DECOYS if not voices or m.voice in voices]
    model_dir = Settings().model_dir
    now = engines.SpeechEngine(model_dir)
    before = WhisperModel(str(engines.whisper_model(model_dir)), device="cpu", compute_type="int8")
    print("| memo | audio s | before s | now s | other readings |\n|---|---|---|---|---|")
    old, new = [], []
    for memo in memos:
        data = encode(ms.speech(memo.text, voice=memo.voice, speed=memo.speed), memo.fmt)
        audio = engines.decode_audio(data, memo.fmt)
        start = time.perf_counter()
        segments, _ = before.transcribe(audio, beam_size=5, temperature=0.0, condition_on_previous_text=False)
        list(segments)
        old.append(time.perf_counter() - start)
        start = time.perf_counter()
        transcript = now.transcribe(data, memo.fmt)
        new.append(time.perf_counter() - start)
        print(f"| {memo.kind}:{memo.voice}:{memo.speed}:{memo.fmt} | {len(audio) / engines.WHISPER_RATE:.1f} "
              f"| {old[-1]:.1f} | {new[-1]:.1f} | {len(transcript.alternatives)} |", flush=True)
    print(f"mean {statistics.mean(old):.2f} -> {statistics.mean(new):.2f} s, median {statistics.median(old):.2f} -> "
          f"{statistics.median(new):.2f} s over {len(memos)} memos")


if __name__ == "__main__":
    main()
