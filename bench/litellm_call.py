"""Per-call cost of the cloud backends on the ingress loop, in-process (no Ray, no gateway).

    python bench/litellm_call.py [--calls 300] [--profile 15]

Against bench/latency.py's instant OpenAI-compatible upstream (a separate process, keep-alive) on
loopback, one call at a time, side by side in one run:
  httpx-pooled        a bare pooled httpx.AsyncClient POST + json parse
  aiohttp-pooled      the same with a pooled aiohttp session (the backends' client before
                      backends/http1.py; `openai` below now goes through http1)
  openai              backends.openai_http.OpenAIHTTPBackend.complete (`kind: openai`)
  litellm acompletion backends.cloud.LiteLLMBackend.complete through litellm.acompletion (before the
                      fast path; still the path for providers it does not cover)
  litellm             LiteLLMBackend.complete (`kind: litellm`, what the default policy uses): the fast
                      path, litellm's provider transformation layer over the pooled client
Prints wall and CPU ms per call (this process only), then, with --profile N, the fast path's top N
functions by own time (cProfile) over the calls.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import aiohttp  # noqa: E402
import httpx  # noqa: E402

from backends.cloud import LiteLLMBackend  # noqa: E402
from backends.openai_http import OpenAIHTTPBackend  # noqa: E402
from latency_rig import FIXED_RESPONSE, UPSTREAM_SCRIPT, free_port, post, chat_body  # noqa: E402

REQUEST = {"messages": [{"role": "user", "content": "Write a one-line friendly greeting."}], "max_tokens": 16}


async def _httpx_calls(url: str, calls: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(calls):
            response = await client.post(url + "/chat/completions", json={"model": "instant", **REQUEST},
                                         headers={"authorization": "Bearer none"})
            response.json()


async def _aiohttp_calls(url: str, calls: int) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(calls):
            async with session.post(url + "/chat/completions", json={"model": "instant", **REQUEST},
                                    headers={"authorization": "Bearer none"}) as response:
                await response.json()


async def _backend_calls(backend, calls: int) -> None:
    for _ in range(calls):
        await backend.complete(dict(REQUEST))


def _measure(run, calls: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(run(calls))
    return (time.perf_counter() - wall) * 1000 / calls, (time.process_time() - cpu) * 1000 / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--profile", type=int, default=15, help="top N fast-path functions by own time (0: none)")
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", UPSTREAM_SCRIPT, str(port), json.dumps(FIXED_RESPONSE)])
    url = f"http://127.0.0.1:{port}/v1"
    os.environ["BENCH_KEY"] = "none"
    fast = LiteLLMBackend("bench", "openai/instant", api_base=url, api_key_env="BENCH_KEY")
    slow = LiteLLMBackend("bench", "openai/instant", api_base=url, api_key_env="BENCH_KEY")
    slow._wire = None  # litellm.acompletion, as before the fast path
    direct = OpenAIHTTPBackend("bench", "instant", api_base=url, api_key_env="BENCH_KEY")
    try:
        for _ in range(100):
            try:
                if post(url + "/chat/completions", chat_body("instant", 0.7), timeout=1)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        rows = {}
        for name, run in (("httpx-pooled", lambda n: _httpx_calls(url, n)),
                          ("aiohttp-pooled", lambda n: _aiohttp_calls(url, n)),
                          ("openai", lambda n: _backend_calls(direct, n)),
                          ("litellm acompletion", lambda n: _backend_calls(slow, n)),
                          ("litellm", lambda n: _backend_calls(fast, n))):
            _measure(run, 20)  # warm: imports, connection pool, litellm's caches
            rows[name] = _measure(run, args.calls)
        print(f"{'client':<20} {'wall ms/call':>12} {'CPU ms/call':>12}")
        for name, (wall, cpu) in rows.items():
            print(f"{name:<20} {wall:>12.2f} {cpu:>12.2f}")
        floor = rows["openai"][1]
        print(f"over `kind: openai` (the same upstream call, no translation): litellm.acompletion adds "
              f"{rows['litellm acompletion'][1] - floor:.2f} ms CPU per call, the fast path "
              f"{rows['litellm'][1] - floor:.2f} ms")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(_backend_calls(fast, args.calls))
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
            print(out.getvalue())
    finally:
        server.kill()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
