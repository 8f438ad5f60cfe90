"""CPU of one chat request inside the gateway process, by step: deterministic, no network, no Ray.

    python bench/request_cpu.py [--requests 2000] [--rounds 7] [--policy policies/default.yaml] [--stream]

The ASGI app (router/http.py: the recording middleware and the ChatCompletions endpoint) is called
directly, as Ray Serve's replica calls it, over `build(...)` with every model an instant
FunctionBackend (the upstream costs nothing), in-process cache and budgets, telemetry as a user
with no OTEL_* set gets it. Two non-streamed requests that the default policy sends to the cloud:
a short routine prompt and a ~1k-token one (temperature 0.7, so no cache hits).

With `--stream` the requests are streamed and the models answer as an OpenAI-compatible server streams
(a role-only opening chunk, the content in words, a finish, the usage: bench/latency.py's upstream); then
a row "to first content" gives the CPU and Python calls from arrival to the body message that carries the
first content (the part of a stream its time to first token waits for), and the line above the table the
ASGI message it went in.

Per prompt it prints, per step: Python function calls per request (cProfile: exact, the same on
every run) and CPU µs per request (each step's function wrapped by a thread-CPU timer; the median
over `--rounds` rounds of `--requests` requests each). "total" is the whole ASGI call; "http+rest"
what the steps do not cover (ASGI framing, body read, auth, the endpoint, headers and JSON out);
"gc" the cyclic garbage collector's CPU (out of the step it interrupted). Before measuring, each
prompt is sent until the in-process feedback store is full (10,000 decisions kept): the steady state
of a long-running replica, whose retained records make each full collection dearer.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import gc
import inspect
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson  # noqa: E402

from backends.function import FunctionBackend, completion  # noqa: E402
from bench.latency_rig import POLICY, STREAM_EVENTS  # noqa: E402
from router import accounting, charges, gateway as gateway_module, pipeline, served  # noqa: E402
from router.dispatch import Dispatcher  # noqa: E402
from router.http import create_app  # noqa: E402
from router.runtime import build  # noqa: E402
from router.settings import Settings  # noqa: E402
from router.telemetry import Telemetry  # noqa: E402

SHORT = "Summarise the quarterly numbers in one line."
LONG = " ".join(["The committee reviewed the shipping schedule for the spring catalogue and agreed that the "
                 "warehouse should move the seasonal stock forward by two weeks, so that the regional stores "
                 "receive it before the holiday weekend."] * 28) + " Summarise this in one line."

# step name -> (owner, attribute): the functions timed as that step (where the gateway looks them up)
STEPS: dict[str, list[tuple[object, str]]] = {
    "parse": [(pipeline, "parse_chat_request")],
    "classify": [(pipeline, "refuse_inner_urls"), (pipeline, "tenant_view")],
    "decide": [(pipeline, "decide")],
    "thorough scan": [(pipeline, "scan_when_leaving")],
    "media look": [(gateway_module.Gateway, "review")],
    "cache plan": [(gateway_module, "plan_cache")],
    "budget hold+reserve": [(charges, "reserve")],
    "forward dump": [],  # request.model_dump: timed by wrapping ChatRequest.model_dump below
    "dispatch": [(Dispatcher, "complete"), (Dispatcher, "open_stream"), (gateway_module.Gateway, "dispatcher")],
    "feedback remember": [(gateway_module.Gateway, "_remember")],
    "accounting": [(accounting, "response_usage"), (accounting, "actual"), (accounting, "bill")],
    "headers": [(served, "headers")],
    "telemetry": [(Telemetry, "finish"), (Telemetry, "request_span")],
}


class Meter:
    """Wraps every step's functions. Mode "cpu": thread CPU ns into `spent[step]`; mode "calls": cProfile
    on only while inside `only` (one step per pass). Nested steps count in the outer one only."""

    def __init__(self) -> None:
        self.spent: dict[str, int] = {}
        self.mode = "off"
        self.only: str | None = None
        self.profile: cProfile.Profile | None = None
        self.depth = 0
        self.gc_ns = 0  # CPU in the cyclic garbage collector (gc.callbacks), its own row, out of the steps'
        self.gc_start = 0
        self.gc_at_enter = 0
        gc.callbacks.append(self.collecting)

    def collecting(self, phase: str, _info: dict) -> None:
        if phase == "start":
            self.gc_start = time.thread_time_ns()
        else:
            self.gc_ns += time.thread_time_ns() - self.gc_start

    def enter(self, name: str) -> int:
        self.depth += 1
        if self.depth == 1:
            self.gc_at_enter = self.gc_ns
            if self.mode == "calls" and name == self.only:
                self.profile.enable()
        return time.thread_time_ns()

    def leave(self, name: str, start: int) -> None:
        self.depth -= 1
        if self.depth == 0:
            if self.mode == "calls" and name == self.only:
                self.profile.disable()
            elif self.mode == "cpu":
                spent = time.thread_time_ns() - start - (self.gc_ns - self.gc_at_enter)
                self.spent[name] = self.spent.get(name, 0) + spent

    def wrap(self, name: str, fn):
        meter = self
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def wrapper(*args, **kwargs):
                start = meter.enter(name)
                try:
                    return await fn(*args, **kwargs)
                finally:
                    meter.leave(name, start)
            return wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            start = meter.enter(name)
            try:
                return fn(*args, **kwargs)
            finally:
                meter.leave(name, start)
        return wrapper

    def install(self, gateway) -> None:
        from router.request import ChatRequest
        for name, targets in STEPS.items():
            for owner, attribute in targets:
                setattr(owner, attribute, self.wrap(name, getattr(owner, attribute)))
        classifier = gateway.store.current.classifier
        classifier.classify = self.wrap("classify", classifier.classify)
        ChatRequest.model_dump = self.wrap("forward dump", ChatRequest.model_dump)


CONTENT = re.compile(rb'"content": ?"[^"]')  # a delta with text (an opening's "" does not count)


class FirstContent:
    """Where a streamed request's first content went: thread CPU ns from arrival and the ASGI message
    (1-based) it went in; `profile`, when set, runs from arrival to that message."""

    def __init__(self) -> None:
        self.cpu_ns: list[int] = []
        self.message = 0
        self.profile: cProfile.Profile | None = None


def app_and_call(policy: Path, stream: bool):
    workdir = Path(tempfile.mkdtemp(prefix="request-cpu-"))
    settings = Settings(policy=policy, redis_url=None, run_dir=workdir)
    names = [m.id for m in build(settings, backends={}).store.current.spec.models]
    answer = STREAM_EVENTS if stream else completion("Numbers were up four percent.", prompt_tokens=40,
                                                     completion_tokens=8)
    gateway = build(settings, backends={m: FunctionBackend(m, lambda r: answer) for m in names})
    app = create_app(gateway)
    first = FirstContent()

    async def call(body: bytes) -> tuple[int, dict[str, str]]:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions",
                 "query_string": b"", "root_path": "", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000),
                 "headers": [(b"host", b"turnout"), (b"content-type", b"application/json"),
                             (b"content-length", str(len(body)).encode())], "app": None}
        sent: list[dict] = []
        given = [False]
        done = asyncio.Event()
        seen = [not stream]

        async def receive():
            if not given[0]:
                given[0] = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if not seen[0] and CONTENT.search(message.get("body", b"")):
                seen[0] = True
                if first.profile is not None:
                    first.profile.disable()
                first.cpu_ns.append(time.thread_time_ns() - started)
                first.message = len(sent)

        if first.profile is not None:
            first.profile.enable()
        started = time.thread_time_ns()
        await app(scope, receive, send)
        done.set()
        return sent[0]["status"], {k.decode(): v.decode() for k, v in sent[0]["headers"]}

    return gateway, call, first


def body_of(text: str, stream: bool) -> bytes:
    return orjson.dumps({"model": "auto", "max_tokens": 32, "temperature": 0.7, "stream": stream,
                         "messages": [{"role": "user", "content": text}]})


async def measure(meter: Meter, call, first: FirstContent, body: bytes, requests: int, rounds: int, warm_up: int):
    status, headers = await call(body)
    assert status == 200, (status, headers)
    for _ in range(warm_up):  # warm up to the steady state: the feedback store full
        await call(body)
    calls: dict[str, float] = {}
    n = 200
    whole = cProfile.Profile()
    whole.enable()
    for _ in range(n):
        await call(body)
    whole.disable()
    calls["total"] = sum(v[1] for v in pstats.Stats(whole).stats.values()) / n
    meter.mode = "calls"
    for name in STEPS:
        meter.only, meter.profile = name, cProfile.Profile()
        for _ in range(n):
            await call(body)
        stats = pstats.Stats(meter.profile).stats if meter.profile.getstats() else {}
        calls[name] = sum(v[1] for v in stats.values()) / n
    calls["http+rest"] = calls["total"] - sum(calls[name] for name in STEPS)
    calls["gc"] = 0
    meter.mode = "off"  # one profiler at a time: the steps' would replace this one
    first.profile = cProfile.Profile()
    for _ in range(n):
        await call(body)
    calls["to first content"] = sum(v[1] for v in pstats.Stats(first.profile).stats.values()) / n \
        if first.profile.getstats() else 0
    first.profile = None
    meter.mode = "cpu"
    rows = []
    for _ in range(rounds):
        meter.spent.clear()
        first.cpu_ns.clear()
        gc_before = meter.gc_ns
        start = time.thread_time_ns()
        for _ in range(requests):
            await call(body)
        row = {name: ns / requests / 1000 for name, ns in meter.spent.items()}
        row["total"] = (time.thread_time_ns() - start) / requests / 1000
        row["gc"] = (meter.gc_ns - gc_before) / requests / 1000
        row["to first content"] = statistics.mean(first.cpu_ns) / 1000 if first.cpu_ns else 0.0
        rows.append(row)
    meter.mode = "off"
    cpu = {name: statistics.median(r.get(name, 0.0) for r in rows)
           for name in [*STEPS, "gc", "total", "to first content"]}
    cpu["http+rest"] = cpu["total"] - cpu["gc"] - sum(cpu[name] for name in STEPS)
    return cpu, calls, headers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--policy", type=Path, default=None,
                        help="policy YAML (default: bench/latency.py's, every text request to one cloud model)")
    parser.add_argument("--stream", action="store_true", help="streamed requests (and the CPU to the first content)")
    args = parser.parse_args()
    policy = args.policy
    if policy is None:
        policy = Path(tempfile.mkdtemp(prefix="request-cpu-")) / "policy.yaml"
        policy.write_text(POLICY.format(port=9), encoding="utf-8")
    print(f"policy: {args.policy or 'bench/latency.py POLICY'}{', streamed' if args.stream else ''}")
    gateway, call, first = app_and_call(policy, args.stream)
    meter = Meter()
    meter.install(gateway)
    results = {}
    for label, text in (("short", SHORT), ("~1k tokens", LONG)):
        warm_up = getattr(gateway.feedback, "max_decisions", 0) + 300
        results[label] = asyncio.run(measure(meter, call, first, body_of(text, args.stream), args.requests,
                                             args.rounds, warm_up))
    labels = list(results)
    print(f"CPU per request (median of {args.rounds} x {args.requests}) and Python calls per request, by step")
    for label in labels:
        _, _, headers = results[label]
        print(f"  {label}: model {headers.get('x-turnout-model')}, rule {headers.get('x-turnout-rule')}, "
              f"cache {headers.get('x-turnout-cache')}")
    if args.stream:
        print(f"  the first content went in ASGI message {first.message} (the first is http.response.start)")
    print("| step | " + " | ".join(f"{l} µs | {l} calls" for l in labels) + " |")
    print("|---|" + "---:|---:|" * len(labels))
    for name in [*STEPS, "http+rest", "gc", "total", *(["to first content"] if args.stream else [])]:
        cells = " | ".join(f"{results[l][0][name]:.1f} | {results[l][1][name]:.0f}" for l in labels)
        print(f"| {name} | {cells} |")


if __name__ == "__main__":
    main()
