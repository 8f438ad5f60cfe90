"""Latency of Classifier.classify, in microseconds, for typical request shapes.

    .venv/bin/python bench/classify.py [--iterations N]

Three candidate models (an OpenAI, an Anthropic and a local Qwen2-VL token rule), the privacy
scanner in router.classify.privacy and the shipped learned complexity scorer as they stand. Requests
are parsed once, outside the timing; only classify() is timed. Targets: p99 < 1 ms for text up to ~1k
tokens, < 5 ms with one large (4000x3000) image, whose header alone is read.

A second table times the complexity scorers alone (`score(request, text)`): the learned one's target
is p99 <= 150 µs at ~1k tokens.

A third table times what runs after decide (router/pipeline.py `scan_when_leaving`: the thorough
privacy scan, and decide again when it finds something) under policies/default.yaml, where routine
text may fall back to the cloud, and policies/examples/all-local.yaml, where nothing leaves.
Target: p99 <= 3 ms for ~1k tokens; a request that cannot leave pays one clearance check. Each
request of a row has a text of its own (the scanner remembers what it has read), except in the
"19 read before" row, which times turn 20 of a conversation whose 19 earlier turns were scanned.
Wall time and this thread's CPU time are both shown: on a shared machine the wall p99 mostly
measures other processes; the load average is printed.
"""

from __future__ import annotations

import argparse
import base64
import gc
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from router.runtime import prepare_environment  # noqa: E402

prepare_environment()  # offline tokenizers and price map, as every entry point sets them

from PIL import Image, ImageFilter  # noqa: E402

from router.classify import Classifier  # noqa: E402
from router.classify.complexity import HeuristicScorer  # noqa: E402
from router.classify.learned import LearnedScorer, load_model  # noqa: E402
from router.decide import decide  # noqa: E402
from router.pipeline import scan_when_leaving, tenant_view  # noqa: E402
from router.policy_loader import load_policy  # noqa: E402
from router.classify.privacy import PrivacyScanner  # noqa: E402
from router.classify.tokens import default_rule_for  # noqa: E402
from router.request import parse_chat_request  # noqa: E402

RULES = {
    "cloud-gpt": default_rule_for("openai/gpt-4o", False),
    "cloud-claude": default_rule_for("anthropic/claude-sonnet-4-5", False),
    "local-qwen": default_rule_for("qwen2.5-vl-7b", True),
}
PROSE = ("The operations team reviewed the quarterly maintenance schedule, noting that two of the "
         "northern warehouses reported delayed supplier deliveries and one minor incident. ")


def photo_jpeg(width: int, height: int, sigma: float) -> bytes:
    """A photo-like JPEG (smooth shapes plus sensor-like noise); sigma 16 at 12 MP gives ~2.6 MB."""
    shapes = Image.effect_mandelbrot((width, height), (-2.2, -1.3, 1.0, 1.3), 60).filter(ImageFilter.GaussianBlur(4))
    noise = Image.effect_noise((width, height), sigma)
    buf = io.BytesIO()
    Image.merge("RGB", (shapes, Image.blend(shapes, noise, 0.5), noise)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def data_url(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def conversation(turns: int) -> list[dict]:
    messages = [{"role": "system", "content": "You are the support assistant of a logistics company."}]
    for turn in range(turns):
        messages.append({"role": "user", "content": f"Where is order {1000 + turn}? " + PROSE})
        call = {"id": f"call_{turn}", "type": "function",
                "function": {"name": "order_status", "arguments": json.dumps({"order": 1000 + turn})}}
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        messages.append({"role": "tool", "tool_call_id": f"call_{turn}",
                         "content": json.dumps({"order": 1000 + turn, "status": "in transit", "eta_days": 2})})
        messages.append({"role": "assistant", "content": f"Order {1000 + turn} is in transit, two days out."})
    return messages


def cases() -> list[tuple[str, dict, str]]:
    large = photo_jpeg(4000, 3000, 16)
    smalls = [photo_jpeg(1024, 768, 16 + i) for i in range(8)]
    one_k = PROSE * 40  # ~1k tokens
    return [
        ("short text", {"messages": [{"role": "user", "content": "Translate 'good morning' to French."}]},
         "p99 < 1 ms"),
        ("~1k-token text", {"messages": [{"role": "user", "content": "Summarize: " + one_k}]}, "p99 < 1 ms"),
        ("20 turns + tool calls", {"messages": conversation(20)}, ""),
        (f"1 image 4000x3000 JPEG ({len(large) / 1e6:.1f} MB)",
         {"messages": [{"role": "user", "content": [{"type": "text", "text": "Caption this photo."},
                                                    {"type": "image_url", "image_url": {"url": data_url(large)}}]}]},
         "p99 < 5 ms"),
        (f"8 images 1024x768 JPEG ({sum(map(len, smalls)) / 1e6:.1f} MB)",
         {"messages": [{"role": "user", "content": [{"type": "text", "text": "Compare these."}] + [
             {"type": "image_url", "image_url": {"url": data_url(jpeg)}} for jpeg in smalls]}]}, ""),
        (f"8 images 4000x3000 JPEG ({8 * len(large) / 1e6:.1f} MB)",
         {"messages": [{"role": "user", "content": [{"type": "text", "text": "Compare these."}] + [
             {"type": "image_url", "image_url": {"url": data_url(large)}}] * 8}]}, ""),
    ]


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def measure_scorer(scorer, text: str, iterations: int, wall: list[float], cpu: list[float]) -> None:
    """Appends the wall and CPU time of `iterations` score() calls, in µs, to `wall` and `cpu`. The CPU
    time is this thread's (time.thread_time_ns): other processes on a shared machine stretch the wall
    time, not it."""
    request = parse_chat_request({"messages": [{"role": "user", "content": text}]})
    for _ in range(min(50, iterations)):
        scorer.score(request, text)
    gc.disable()
    try:
        for _ in range(iterations):
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            scorer.score(request, text)
            cpu.append((time.thread_time_ns() - start_cpu) / 1000)
            wall.append((time.perf_counter_ns() - start) / 1000)
    finally:
        gc.enable()


def measure(classifier: Classifier, body: dict, iterations: int) -> tuple[float, float, dict[str, int]]:
    request = parse_chat_request(body)
    profile = classifier.classify(request, {})
    for _ in range(min(50, iterations)):
        classifier.classify(request, {})
    samples = []
    gc.disable()
    try:
        for _ in range(iterations):
            start = time.perf_counter_ns()
            classifier.classify(request, {})
            samples.append((time.perf_counter_ns() - start) / 1000)
    finally:
        gc.enable()
    return (*percentiles(samples), profile.input_tokens)


REPO = Path(__file__).resolve().parents[1]
PERSONAL = ("Please check the delivery for our customer Ingrid Halvorsen at 4821 Maple Ridge Drive, Columbus, "
            "OH 43215, before Friday. ")


def scan_cases() -> list[tuple[str, str, object, dict[str, str], str]]:
    """(name, policy, body(i), headers, target): body(i) is the i-th request of the row. Rows that
    time a first reading give every request a text of its own (the scanner remembers texts it has
    read: a repeated text would time the memo); the "next turn" row repeats 19 turns and adds a new one."""
    one_k = PROSE * 40
    user = lambda text: {"messages": [{"role": "user", "content": text}]}  # noqa: E731

    def turns(i: int, new_only: bool) -> dict:
        messages = conversation(20)
        for n, message in enumerate(messages):
            if message.get("content") and (not new_only or n == len(messages) - 1):
                message["content"] = f"({i}) " + message["content"]
        return {"messages": messages}

    return [
        ("short text, may leave (scan runs)", "default", lambda i: user(f"Translate 'good morning {i}' to French."), {}, ""),
        ("~1k-token text, may leave (scan runs)", "default", lambda i: user(f"Summarize {i}: " + one_k), {},
         "p99 <= 3 ms"),
        ("~1k tokens + a customer's name and address (found, decide again)", "default",
         lambda i: user(f"Summarize {i}: " + one_k + PERSONAL), {}, "p99 <= 3 ms"),
        ("20 turns + tool calls, all new (scan runs)", "default", lambda i: turns(i, False), {}, ""),
        ("20 turns + tool calls, 19 read before (scan runs)", "default", lambda i: turns(i, True), {}, ""),
        ("~1k-token text, declared confidential (skipped)", "default", lambda i: user(f"Summarize {i}: " + one_k),
         {"x-turnout-data-class": "confidential"}, "~0"),
        ("~1k-token text, all-local policy (skipped)", "all-local", lambda i: user(f"Summarize {i}: " + one_k), {}, "~0"),
    ]


def measure_scan(policy, body, headers: dict[str, str], iterations: int) -> tuple[float, float, float, float, str]:
    """Wall and CPU (this thread's: time taken by other processes on a shared machine left out)
    p50 and p99 of scan_when_leaving, in µs, over `iterations` requests classified and decided beforehand."""
    decisions = []
    for i in range(iterations + 20):
        request = parse_chat_request({"model": "auto", **body(i)})
        decisions.append(decide(policy.classifier.classify(request, headers, tenant_view(policy, "default")), policy))
    outcome = scan_when_leaving(decisions[0], policy)
    for decision in decisions[1:20]:  # warm up; a "next turn" row's repeated turns are read here
        scan_when_leaving(decision, policy)
    wall, cpu = [], []
    gc.disable()
    try:
        for decision in decisions[20:]:
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            scan_when_leaving(decision, policy)
            cpu.append((time.thread_time_ns() - start_cpu) / 1000)
            wall.append((time.perf_counter_ns() - start) / 1000)
    finally:
        gc.enable()
    scan = outcome.scan
    verdict = ("ran: " if scan.ran else "skipped: ") + scan.reason
    return (*percentiles(wall), *percentiles(cpu), verdict)


def table(header: tuple[str, ...], rows: list[tuple]) -> None:
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(cell).ljust(w) for cell, w in zip(row, widths)))


SCORER_ROUNDS = 10
CODE_TASK = ("Implement the function below so that it runs in linear time, then write unit tests for the edge "
             "cases.\n```python\ndef dupes(xs):\n    out = []\n    for i in range(len(xs)):\n        for j in "
             "range(i + 1, len(xs)):\n            if xs[i] == xs[j] and xs[i] not in out:\n                "
             "out.append(xs[i])\n    return out\n```\n")


def scorer_table(iterations: int) -> None:
    """The complexity scorers alone; the learned one's budget is its CPU p99 at ~1k tokens."""
    texts = [("short text", "Translate 'good morning' to French.", ""),
             ("~1k-token text", "Summarize: " + PROSE * 40, "CPU p99 <= 150 µs (learned)"),
             ("~1k-token code task", CODE_TASK + PROSE * 36, "CPU p99 <= 150 µs (learned)"),
             ("~25k-token text", "Summarize: " + PROSE * 1000, "")]
    scorers = [("learned", LearnedScorer(load_model())), ("heuristic", HeuristicScorer())]
    # Rows take turns, SCORER_ROUNDS slices of the iterations each: a noisy second on the shared machine
    # then stretches every row a little rather than one row a lot (rows measured one after another
    # differed 2x at the median, an artefact of when each ran).
    samples = {(name, scorer_name): ([], []) for name, _, _ in texts for scorer_name, _ in scorers}
    for _ in range(SCORER_ROUNDS):
        for name, text, _ in texts:
            for scorer_name, scorer in scorers:
                measure_scorer(scorer, text, max(1, iterations // SCORER_ROUNDS), *samples[name, scorer_name])
    rows = []
    for name, _, target in texts:
        for scorer_name, _ in scorers:
            wall, cpu = samples[name, scorer_name]
            (p50, p99), (cpu50, cpu99) = percentiles(wall), percentiles(cpu)
            rows.append((f"{scorer_name}: {name}", f"{p50:,.1f}", f"{p99:,.1f}", f"{cpu50:,.1f}", f"{cpu99:,.1f}",
                         target if scorer_name == "learned" else ""))
    table(("complexity scorer alone", "p50 µs", "p99 µs", "CPU p50 µs", "CPU p99 µs", "target"), rows)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--scorer-only", action="store_true", help="only the complexity scorers' table")
    args = parser.parse_args()
    if args.scorer_only:
        scorer_table(args.iterations)
        return
    classifier = Classifier(token_rules=RULES, privacy=PrivacyScanner())
    rows = []
    for name, body, target in cases():
        heavy = "image" in name
        p50, p99, tokens = measure(classifier, body, max(50, args.iterations // (10 if heavy else 1)))
        rows.append((name, f"{p50:,.0f}", f"{p99:,.0f}", "/".join(f"{tokens[m]:,}" for m in RULES), target))
    table(("case", "p50 µs", "p99 µs", "tokens " + "/".join(RULES), "target"), rows)
    print()
    scorer_table(args.iterations)
    policies = {"default": load_policy(REPO / "policies" / "default.yaml"),
                "all-local": load_policy(REPO / "policies" / "examples" / "all-local.yaml")}
    rows = []
    for name, policy, body, headers, target in scan_cases():
        p50, p99, cpu50, cpu99, verdict = measure_scan(policies[policy], body, headers, max(50, args.iterations // 4))
        rows.append((name, f"{p50:,.0f}", f"{p99:,.0f}", f"{cpu50:,.0f}", f"{cpu99:,.0f}", verdict[:48], target))
    print()
    table(("after decide: thorough scan", "p50 µs", "p99 µs", "CPU p50", "CPU p99", "scan", "target"), rows)
    print(f"\nload average while measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")

if __name__ == "__main__":
    main()
