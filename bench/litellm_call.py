"""Per-call cost of the litellm backend on the ingress loop, in-process (no Ray, no gateway).

    python bench/litellm_call.py [--calls 300] [--profile 15]

Against tests/integration/fault_server.py's instant OpenAI-compatible server on loopback, one
call at a time, side by side in one run:
  httpx-pooled    a bare pooled httpx.AsyncClient POST + json parse (the floor for any client)
  litellm         backends.cloud.LiteLLMBackend.complete (`kind: litellm`, what the default policy uses)
Prints wall and CPU ms per call (CPU includes the in-process server thread, the same for both
rows), then, with --profile N, litellm's top N functions by own time (cProfile) over the calls.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "integration")]
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx  # noqa: E402

from backends.cloud import LiteLLMBackend  # noqa: E402
from fault_server import FaultServer  # noqa: E402

REQUEST = {"messages": [{"role": "user", "content": "Write a one-line friendly greeting."}], "max_tokens": 16}


async def _httpx_calls(url: str, calls: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(calls):
            response = await client.post(url + "/chat/completions", json={"model": "instant", **REQUEST},
                                         headers={"authorization": "Bearer none"})
            response.json()


async def _litellm_calls(backend: LiteLLMBackend, calls: int) -> None:
    for _ in range(calls):
        await backend.complete(dict(REQUEST))


def _measure(run, calls: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(run(calls))
    return (time.perf_counter() - wall) * 1000 / calls, (time.process_time() - cpu) * 1000 / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--profile", type=int, default=15, help="top N litellm functions by own time (0: none)")
    args = parser.parse_args()
    server = FaultServer(mode="ok").start()
    url = f"http://127.0.0.1:{server.port}/v1"
    os.environ["BENCH_KEY"] = "none"
    backend = LiteLLMBackend("bench", "openai/instant", api_base=url, api_key_env="BENCH_KEY")
    try:
        rows = {}
        for name, run in (("httpx-pooled", lambda n: _httpx_calls(url, n)),
                          ("litellm", lambda n: _litellm_calls(backend, n))):
            run_once = run
            _measure(run_once, 20)  # warm: imports, connection pool, litellm's caches
            rows[name] = _measure(run_once, args.calls)
        print(f"{'client':<14} {'wall ms/call':>12} {'CPU ms/call':>12}")
        for name, (wall, cpu) in rows.items():
            print(f"{name:<14} {wall:>12.2f} {cpu:>12.2f}")
        print(f"litellm adds {rows['litellm'][1] - rows['httpx-pooled'][1]:.2f} ms CPU per call over a pooled httpx client")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(_litellm_calls(backend, args.calls))
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
            print(out.getvalue())
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
