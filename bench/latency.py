"""Gateway latency floor: wrk against an instant upstream, Turnout, bare Ray Serve and LiteLLM Proxy.

    python bench/latency.py [--duration 10] [--skip ray,litellm] [--litellm-bin PATH]

Targets (one at a time, loopback only):
  upstream        an instant OpenAI-compatible server (raw asyncio protocol), called directly
  turnout-t0.7    `turnout serve` in front of it; temperature 0.7 bypasses the response cache
  turnout-t0      the same gateway with temperature 0 (cache hits after the first request)
  turnout-direct  the gateway with the upstream as `kind: openai` (direct HTTP, no litellm), t=0.7
  ray             a trivial Ray Serve FastAPI app returning the same JSON, same ingress settings
  litellm         LiteLLM Proxy in front of the upstream (skipped when its CLI is not found)

Each row is measured with `wrk --latency` at 1 connection (-t1 -c1) and 8 connections (-t2 -c8).
Everything started here is stopped at the end, haproxy processes that appeared included.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

from router.serve import end_processes, haproxy_pids

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TARGETS = ["upstream", "turnout-t0.7", "turnout-t0", "turnout-direct", "ray", "litellm"]

FIXED_RESPONSE = {
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1700000000, "model": "instant",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I help?"},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
}


def chat_body(model: str, temperature: float) -> str:
    return json.dumps({"model": model, "temperature": temperature, "stream": False, "messages": [
        {"role": "user", "content": "Write a one-line friendly greeting for our team newsletter."}]})


UPSTREAM_SCRIPT = textwrap.dedent("""
    import asyncio, json, sys
    BODY = json.dumps(json.loads(sys.argv[2])).encode()
    RESP = (b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: "
            + str(len(BODY)).encode() + b"\\r\\n\\r\\n" + BODY)
    NOT_FOUND = b"HTTP/1.1 404 Not Found\\r\\ncontent-length: 0\\r\\n\\r\\n"

    class Proto(asyncio.Protocol):
        def connection_made(self, transport):
            self.t = transport
            self.buf = b""
        def data_received(self, data):
            self.buf += data
            while True:
                end = self.buf.find(b"\\r\\n\\r\\n")
                if end < 0:
                    return
                head = self.buf[:end].decode("latin-1")
                length = 0
                for line in head.split("\\r\\n")[1:]:
                    k, _, v = line.partition(":")
                    if k.strip().lower() == "content-length":
                        length = int(v.strip())
                if len(self.buf) < end + 4 + length:
                    return
                self.buf = self.buf[end + 4 + length:]
                parts = head.split(" ", 2)
                path = parts[1] if len(parts) > 1 else ""
                self.t.write(RESP if path.rstrip("/").endswith("/chat/completions") else NOT_FOUND)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Proto, "127.0.0.1", int(sys.argv[1]), backlog=1024)
        async with server:
            await server.serve_forever()

    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
""")

RAY_SCRIPT = textwrap.dedent("""
    import json, logging, signal, sys, threading
    import psutil

    def haproxy_pids():
        return {p.pid for p in psutil.process_iter(["name"]) if (p.info.get("name") or "").startswith("haproxy")}

    before = haproxy_pids()
    import ray
    from fastapi import FastAPI
    from fastapi.responses import Response
    from ray import serve

    BODY = json.dumps(json.loads(sys.argv[2])).encode()
    app = FastAPI()

    @serve.deployment
    @serve.ingress(app)
    class Trivial:
        @app.post("/v1/chat/completions")
        async def chat(self) -> Response:
            return Response(BODY, media_type="application/json")

    stop = threading.Event()
    seen = set()  # haproxy processes under this driver (another Ray on the machine keeps its own)
    try:
        ray.init(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        serve.start(http_options={"host": "127.0.0.1", "port": int(sys.argv[1])})
        serve.run(Trivial.bind(), name="trivial", route_prefix="/", blocking=False)
        print("ray-trivial: ready", flush=True)
        while not stop.wait(0.5):
            seen |= {c.pid for c in psutil.Process().children(recursive=True) if c.name().startswith("haproxy")}
    finally:
        try:
            seen |= {c.pid for c in psutil.Process().children(recursive=True) if c.name().startswith("haproxy")}
        except psutil.Error:
            pass
        try:
            serve.shutdown()
        finally:
            ray.shutdown()
            procs = []
            for pid in (haproxy_pids() - before) & seen:
                try:
                    p = psutil.Process(pid); p.terminate(); procs.append(p)
                except psutil.Error:
                    pass
            _, alive = psutil.wait_procs(procs, timeout=5)
            for p in alive:
                p.kill()
""")

POLICY = textwrap.dedent("""
    version: 1
    auth:
      mode: open
    models:
      - id: instant
        kind: litellm
        description: instant local OpenAI-compatible upstream (bench)
        model: openai/instant
        api_base: http://127.0.0.1:{port}/v1
        api_key_env: BENCH_KEY
        context_tokens: 8192
        clearance: internal
        pricing: {{input_per_1m_usd: 1, output_per_1m_usd: 1}}
      - id: instant-cleared
        kind: litellm
        description: the same upstream, cleared for sensitive data (the checker requires such a route)
        model: openai/instant
        api_base: http://127.0.0.1:{port}/v1
        api_key_env: BENCH_KEY
        context_tokens: 8192
        clearance: restricted
        pricing: {{input_per_1m_usd: 1, output_per_1m_usd: 1}}
    rules:
      - id: sensitive
        when: {{data_class_at_least: confidential}}
        route: [instant-cleared]
      - id: default
        route: [instant]
""")

LITELLM_CONFIG = textwrap.dedent("""
    model_list:
      - model_name: instant
        litellm_params:
          model: openai/instant
          api_base: http://127.0.0.1:{port}/v1
          api_key: x
""")

LUA = textwrap.dedent("""
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = {body}
""")


def bench_env() -> dict[str, str]:
    """The environment of every process a benchmark starts: offline prices, no Ray usage stats, the
    upstream's dummy key, unbuffered output, and no Redis unless a benchmark adds it."""
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", RAY_USAGE_STATS_ENABLED="0", BENCH_KEY="x",
               PYTHONUNBUFFERED="1")
    env.pop("TURNOUT_REDIS_URL", None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



class Proc:
    """A child in its own session; stop() sends SIGTERM to it, waits, then kills its group."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path, cwd: Path | None = None):
        self.name = name
        self.log = log_dir / f"{name}.log"
        self._fh = open(self.log, "wb")
        self.p = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._fh, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
        self.haproxy: set[int] = set()  # haproxy processes seen under this child: ended if they outlive it

    def alive(self) -> bool:
        return self.p.poll() is None

    def tail(self, n: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def haproxy_descendants(self) -> set[int]:
        import psutil

        try:
            return {c.pid for c in psutil.Process(self.p.pid).children(recursive=True)
                    if c.name().startswith("haproxy")}
        except psutil.Error:
            return set()

    def stop(self, grace: float = 60.0) -> None:
        self.haproxy |= self.haproxy_descendants()
        if self.alive():
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(grace)
            except subprocess.TimeoutExpired:
                print(f"  {self.name}: no exit {grace:.0f}s after SIGTERM, killing its group", file=sys.stderr)
        try:
            os.killpg(self.p.pid, signal.SIGKILL)  # leftovers in its session (uvicorn workers etc.)
        except (ProcessLookupError, PermissionError):
            pass
        self.p.wait()
        self._fh.close()


def post(url: str, body: str, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def wait_ok(proc: Proc, check, timeout: float) -> float:
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < timeout:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited (rc {proc.p.returncode}):\n{proc.tail()}")
        try:
            if check():
                return time.monotonic() - t0
        except (OSError, urllib.error.URLError) as exc:
            last = exc
        time.sleep(0.25)
    raise RuntimeError(f"{proc.name} not ready after {timeout:.0f}s ({last}):\n{proc.tail()}")


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNIT[m.group(2)] if m else float("nan")


def parse_wrk(out: str) -> dict:
    res = {"p50": float("nan"), "p99": float("nan"), "rps": float("nan"), "non2xx": 0, "errors": 0}
    if m := re.search(r"^\s+50%\s+(\S+)", out, re.M):
        res["p50"] = _ms(m.group(1))
    if m := re.search(r"^\s+99%\s+(\S+)", out, re.M):
        res["p99"] = _ms(m.group(1))
    if m := re.search(r"Requests/sec:\s+([\d.]+)", out):
        res["rps"] = float(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        res["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors:\s+connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        res["errors"] = sum(int(x) for x in m.groups())
    return res


def run_wrk(url: str, lua: Path, threads: int, conns: int, duration: int) -> dict:
    argv = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency", "--timeout", "10s", "-s", str(lua), url]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60).stdout
    return parse_wrk(out)


def measure(name: str, url: str, body: str, tmp: Path, duration: int, rows: list, note: str = "") -> None:
    lua = tmp / f"{name}.lua"
    lua.write_text(LUA.format(body=json.dumps(body)))
    status, _, payload = post(url, body)
    if status != 200:
        print(f"  {name}: warm-up request answered {status}: {payload[:300]!r}", file=sys.stderr)
    for _ in range(20):  # warm-up
        post(url, body)
    r1 = run_wrk(url, lua, 1, 1, duration)
    r8 = run_wrk(url, lua, 2, 8, duration)
    rows.append((name, r1, r8, note))
    print(f"  {name}: c1 p50 {r1['p50']:.2f} ms, {r1['rps']:.0f} req/s; c8 p50 {r8['p50']:.2f} ms, {r8['rps']:.0f} req/s",
          file=sys.stderr, flush=True)


def table(rows: list, duration: int) -> str:
    head = (f"| target | p50 ms (1c) | p99 ms (1c) | req/s (1c) | p50 ms (8c) | p99 ms (8c) | req/s (8c) | "
            f"non-2xx/errors | note |")
    lines = [f"wrk -d{duration}s --latency; 1c = -t1 -c1, 8c = -t2 -c8; loopback", "", head,
             "|" + "---|" * 9]
    for name, r1, r8, note in rows:
        bad = f"{r1['non2xx'] + r8['non2xx']}/{r1['errors'] + r8['errors']}"
        lines.append(f"| {name} | {r1['p50']:.2f} | {r1['p99']:.2f} | {r1['rps']:,.0f} | {r8['p50']:.2f} | "
                     f"{r8['p99']:.2f} | {r8['rps']:,.0f} | {bad} | {note} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    ap.add_argument("--skip", default="", help=f"comma-separated targets to skip: {', '.join(TARGETS)} "
                    "('turnout' skips both Turnout rows)")
    ap.add_argument("--litellm-bin", default=None,
                    help="litellm CLI for the proxy (default: next to this Python, then /tmp/litellm-proxy-venv, then PATH)")
    ap.add_argument("--ready-timeout", type=float, default=180.0, help="seconds to wait for each server")
    args = ap.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if "turnout" in skip:
        skip |= {"turnout-t0.7", "turnout-t0", "turnout-direct"}
    unknown = skip - set(TARGETS) - {"turnout"}
    if unknown:
        ap.error(f"unknown targets in --skip: {', '.join(sorted(unknown))}")
    if not shutil.which("wrk"):
        print("wrk not found (apt-get install wrk)", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="turnout-latency-"))
    env = bench_env()
    fixed = json.dumps(FIXED_RESPONSE)
    haproxy_before = haproxy_pids()
    ours: set[int] = set()  # haproxy processes descended from children started here
    procs: list[Proc] = []
    rows: list = []
    notes: list[str] = []

    def start(name, argv, extra_env=None, cwd=None) -> Proc:
        # HAProxy binds metrics 9101 and stats 8404 by default: free ports avoid clashing with another gateway
        extra_env = {"RAY_SERVE_HAPROXY_METRICS_PORT": str(free_port()),
                     "RAY_SERVE_HAPROXY_STATS_PORT": str(free_port()), **(extra_env or {})}
        p = Proc(name, argv, dict(env, **extra_env), tmp, cwd=cwd)
        procs.append(p)
        return p

    def stop(p: Proc) -> None:
        try:
            p.stop()
        finally:
            ours.update(p.haproxy)
            procs.remove(p)

    try:
        up_port = free_port()
        (tmp / "upstream.py").write_text(UPSTREAM_SCRIPT)
        upstream = start("upstream", [PY, str(tmp / "upstream.py"), str(up_port), fixed])
        up_url = f"http://127.0.0.1:{up_port}/v1/chat/completions"
        wait_ok(upstream, lambda: post(up_url, chat_body("instant", 0.7))[0] == 200, 30)
        if "upstream" not in skip:
            measure("upstream (direct)", up_url, chat_body("instant", 0.7), tmp, args.duration, rows)

        def start_turnout(policy_text: str, name: str) -> tuple[Proc, str]:
            port = free_port()
            policy = tmp / f"{name}.yaml"
            policy.write_text(policy_text)
            turnout_bin = Path(PY).parent / "turnout"
            argv = ([str(turnout_bin)] if turnout_bin.exists() else [PY, "-m", "router.cli"]) + [
                "serve", "--policy", str(policy), "--port", str(port)]
            gw = start(name, argv, cwd=tmp)  # cwd=tmp: no stray .env is read
            base = f"http://127.0.0.1:{port}"
            took = wait_ok(gw, lambda: get_status(base + "/readyz") == 200, args.ready_timeout)
            print(f"  {name} ready in {took:.1f}s", file=sys.stderr)
            return gw, base + "/v1/chat/completions"

        if not {"turnout-t0.7", "turnout-t0"} <= skip:
            gw, url = start_turnout(POLICY.format(port=up_port), "turnout")
            status, headers, payload = post(url, chat_body("auto", 0.7))
            xt = {k: v for k, v in headers.items() if k.lower().startswith("x-turnout")}
            notes.append(f"turnout sample response: HTTP {status}, x-turnout-* headers: {json.dumps(xt)}")
            notes.append(f"turnout sample body: {payload[:400].decode(errors='replace')}")
            if "turnout-t0.7" not in skip:
                measure("turnout (t=0.7, cache bypassed)", url, chat_body("auto", 0.7), tmp, args.duration, rows)
            if "turnout-t0" not in skip:
                status, headers, _ = post(url, chat_body("auto", 0))
                status, headers, _ = post(url, chat_body("auto", 0))
                xt = {k: v for k, v in headers.items() if k.lower().startswith("x-turnout")}
                notes.append(f"turnout t=0 repeat: HTTP {status}, x-turnout-* headers: {json.dumps(xt)}")
                measure("turnout (t=0, cache hits)", url, chat_body("auto", 0), tmp, args.duration, rows)
            stop(gw)

        if "turnout-direct" not in skip:
            direct = POLICY.format(port=up_port).replace("kind: litellm", "kind: openai").replace(
                "model: openai/instant", "model: instant")
            gw, url = start_turnout(direct, "turnout-direct")
            measure("turnout, kind: openai (t=0.7, cache bypassed)", url, chat_body("auto", 0.7), tmp,
                    args.duration, rows)
            stop(gw)

        if "ray" not in skip:
            port = free_port()
            (tmp / "ray_trivial.py").write_text(RAY_SCRIPT)
            ray = start("ray-trivial", [PY, str(tmp / "ray_trivial.py"), str(port), fixed],
                        extra_env={"RAY_SERVE_ENABLE_HA_PROXY": "1", "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1"})
            url = f"http://127.0.0.1:{port}/v1/chat/completions"
            took = wait_ok(ray, lambda: post(url, chat_body("instant", 0.7))[0] == 200, args.ready_timeout)
            print(f"  ray trivial app ready in {took:.1f}s", file=sys.stderr)
            measure("ray serve trivial app (haproxy)", url, chat_body("instant", 0.7), tmp, args.duration, rows)
            stop(ray)

        if "litellm" not in skip:
            cands = [args.litellm_bin, str(Path(PY).parent / "litellm"), "/tmp/litellm-proxy-venv/bin/litellm",
                     shutil.which("litellm")]
            lbin = None
            for c in cands:
                if not c or not Path(c).exists():
                    continue
                py = Path(c).parent / "python"
                probe = subprocess.run([str(py), "-c", "import litellm.proxy.proxy_server"], env=env,
                                       capture_output=True, timeout=120)
                if probe.returncode == 0:
                    lbin = c
                    break
            if lbin is None:
                notes.append("litellm proxy: skipped (no litellm CLI with the proxy extras found)")
            else:
                port = free_port()
                cfg = tmp / "litellm.yaml"
                cfg.write_text(LITELLM_CONFIG.format(port=up_port))
                lp = start("litellm-proxy", [lbin, "--config", str(cfg), "--port", str(port), "--host", "127.0.0.1"],
                           extra_env={"LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true"}, cwd=tmp)
                url = f"http://127.0.0.1:{port}/v1/chat/completions"
                took = wait_ok(lp, lambda: post(url, chat_body("instant", 0.7))[0] == 200, args.ready_timeout)
                print(f"  litellm proxy ({lbin}) ready in {took:.1f}s", file=sys.stderr)
                measure("litellm proxy", url, chat_body("instant", 0.7), tmp, args.duration, rows)
                stop(lp)
    finally:
        for p in reversed(list(procs)):
            try:
                p.stop()
            except Exception as exc:  # keep stopping the rest
                print(f"  stopping {p.name}: {exc}", file=sys.stderr)
            ours.update(p.haproxy)
        ended = end_processes((haproxy_pids() - haproxy_before) & ours)
        if ended:
            notes.append(f"ended {ended} leftover haproxy process(es)")
        print(table(rows, args.duration))
        for n in notes:
            print(n)
        print(f"logs: {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
