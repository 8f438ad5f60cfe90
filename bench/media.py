"""How long reading media takes, and what the privacy look adds to a cloud-bound image request.

    python bench/media.py [--runs N] [--audio-runs N]

Prints three tables:
1. OCR (PP-OCRv4 via rapidocr, warm engine) by image size: p50 / p99 over N reads of a Pillow-drawn
   screenshot filled with text lines.
2. Speech-to-text (Whisper base via faster-whisper, int8, warm) by clip length: espeak-ng speech.
3. A cloud-bound image request (default policy, internal screenshot, no personal data): classify +
   decide alone, then with the look reading the image (first read of each image), then with the
   look answered from its cache (the same screenshot again).
With few runs p99 is close to the maximum; raise --runs for a steadier tail.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]
from router.runtime import prepare_environment  # noqa: E402

prepare_environment()  # offline tokenizers and price map, as every entry point sets them

import media_samples as ms  # noqa: E402  (tests/media_samples.py: the media the tests use)

WORDS = ("invoice", "shipment", "quarterly", "report", "status", "pending", "approved", "warehouse", "region",
         "north", "total", "items", "review", "meeting", "agenda", "draft")
SIZES = ((480, 120), (900, 240), (1280, 720), (1920, 1080))
CLIPS = ((3, "The meeting moved to Thursday."),
         (9, "The quarterly report is ready for review. Please check the shipment totals for the north "
             "region before the meeting."),
         (20, "Good morning team. The quarterly report is ready for review. Please check the shipment totals "
              "for the north region before the meeting on Thursday, and send me the agenda draft. The "
              "warehouse review is pending and the approved items list is in the shared folder."))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def text_image(width: int, height: int, seed: int) -> bytes:
    lines = max(1, (height - 70) // 44)
    per_line = max(2, width // 120)
    words = [WORDS[(seed + i) % len(WORDS)] for i in range(lines * per_line)]
    return ms.screenshot([" ".join(words[i * per_line:(i + 1) * per_line]) for i in range(lines)], width=width)


def ms_(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def bench_ocr(runs: int) -> None:
    from router.engines import OcrEngine

    started = time.perf_counter()
    engine = OcrEngine()
    engine.read(text_image(480, 120, 0), 16_000_000)
    print(f"OCR engine load + first read: {ms_(time.perf_counter() - started)} ms\n")
    print(row("image", "pixels", "text chars", "p50 ms", "p99 ms", "runs"))
    print(row("---", "---", "---", "---", "---", "---"))
    for width, height in SIZES:
        times, chars = [], 0
        for n in range(runs):
            image = text_image(width, height, n)
            began = time.perf_counter()
            chars = len(engine.read(image, 16_000_000))
            times.append(time.perf_counter() - began)
        print(row(f"{width}x{height}", f"{width * height:,}", chars, ms_(pct(times, 0.5)), ms_(pct(times, 0.99)),
                  runs))


def bench_speech(runs: int) -> None:
    from router.engines import SpeechEngine

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        engine = SpeechEngine(Path(os.environ.get("TURNOUT_MODEL_DIR", tmp)))
        print(f"\nSpeech engine load (model assembled and checked): {ms_(time.perf_counter() - started)} ms\n")
        print(row("clip", "audio s", "p50 ms", "p99 ms", "real-time factor", "runs"))
        print(row("---", "---", "---", "---", "---", "---"))
        for target, text in CLIPS:
            clip = ms.speech(text, speed=140)
            times, duration = [], 0.0
            for _ in range(runs):
                began = time.perf_counter()
                duration = engine.transcribe(clip, "wav", "en").duration_s
                times.append(time.perf_counter() - began)
            print(row(f"~{target} s", f"{duration:.1f}", ms_(pct(times, 0.5)), ms_(pct(times, 0.99)),
                      f"{pct(times, 0.5) / duration:.2f}", runs))


def bench_look(runs: int) -> None:
    from router.look import MediaLook
    from router.pipeline import plan
    from router.policy_loader import load_policy
    from router.readers import CachedReader, LocalReader

    policy = load_policy(REPO / "policies" / "default.yaml")
    look = MediaLook(CachedReader(LocalReader(Path(tempfile.gettempdir()))))
    headers = {"x-turnout-app": "bench"}
    bodies = [ms.chat("Summarise the status shown.", ms.image_part(text_image(900, 240, n)), model="cloud-flagship")
              for n in range(runs)]
    asyncio.run(look.review(policy, *plan(policy, ms.chat("warm", ms.image_part(text_image(480, 120, 99)),
                                                          model="cloud-flagship"), headers)))

    async def measure(with_look: bool) -> list[float]:
        times = []
        for body in bodies:
            began = time.perf_counter()
            request, decision = plan(policy, body, headers)
            if with_look:
                decision, report = await look.review(policy, request, decision)
                assert report.status == "scanned" and decision.model == "cloud-flagship", report
            times.append(time.perf_counter() - began)
        return times

    rows = (("classify + decide", asyncio.run(measure(False))),
            ("+ look, first read of each image", asyncio.run(measure(True))),
            ("+ look, cached (same images again)", asyncio.run(measure(True))))
    print("\nCloud-bound 900x240 screenshot (pinned cloud-flagship, internal, nothing found):\n")
    print(row("path", "p50 ms", "p99 ms", "runs"))
    print(row("---", "---", "---", "---"))
    for name, times in rows:
        print(row(name, f"{pct(times, 0.5) * 1000:,.2f}", f"{pct(times, 0.99) * 1000:,.2f}", len(times)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="reads per image size, and look requests")
    parser.add_argument("--audio-runs", type=int, default=3, help="transcriptions per clip length")
    args = parser.parse_args()
    bench_ocr(args.runs)
    bench_speech(args.audio_runs)
    bench_look(args.runs)


if __name__ == "__main__":
    main()
