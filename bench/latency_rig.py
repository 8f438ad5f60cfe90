"""The rig of bench/latency.py (and of cache.py, litellm_call.py, replica_profile.py, request_cpu.py):
the instant upstream and trivial Ray Serve app it starts, the policy that sends every text request to
that upstream, the wrk script, child processes with run markers, and the two measurements (wrk at
each connection count, and the time to the first streamed token)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

from bench.cpu_share import Watch
from router.leftovers import end_leftovers, find_leftovers, run_marker

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TARGETS = ["upstream", "turnout-openai", "turnout-litellm", "ray", "litellm"]

FIXED_RESPONSE = {
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1700000000, "model": "instant",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I help?"},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
}


_CHUNK = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000, "model": "instant"}
STREAM_EVENTS = [
    dict(_CHUNK, choices=[{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]),
    *(dict(_CHUNK, choices=[{"index": 0, "delta": {"content": w}, "finish_reason": None}])
      for w in ("Hello! ", "How can ", "I help?")),
    dict(_CHUNK, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]),
    dict(_CHUNK, choices=[], usage={"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}),
]


def chat_body(model: str, temperature: float) -> str:
    return json.dumps({"model": model, "temperature": temperature, "stream": False, "messages": [
        {"role": "user", "content": "Write a one-line friendly greeting for our team newsletter."}]})


UPSTREAM_SCRIPT = textwrap.dedent("""
    import asyncio, json, sys
    BODY = json.dumps(json.loads(sys.argv[2])).encode()
    RESP = (b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: "
            + str(len(BODY)).encode() + b"\\r\\n\\r\\n" + BODY)
    SSE = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 else b"data: [DONE]\\n\\n"
    STREAM = (b"HTTP/1.1 200 OK\\r\\ncontent-type: text/event-stream\\r\\ncontent-length: "
              + str(len(SSE)).encode() + b"\\r\\n\\r\\n" + SSE)
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
                body = self.buf[end + 4:end + 4 + length]
                self.buf = self.buf[end + 4 + length:]
                parts = head.split(" ", 2)
                path = parts[1] if len(parts) > 1 else ""
                if not path.rstrip("/").endswith("/chat/completions"):
                    self.t.write(NOT_FOUND)
                elif b'"stream": true' in body or b'"stream":true' in body:
                    self.t.write(STREAM)
                else:
                    self.t.write(RESP)

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

# The floor: Serve's ingress and a FastAPI handler that reads the body and answers the upstream's bytes.
RAY_SCRIPT = textwrap.dedent("""
    import logging, os, signal, sys, threading
    from router.leftovers import RUN_ENV, run_marker
    os.environ[RUN_ENV] = run_marker()  # what Ray starts from here carries this run's marker

    import ray
    from fastapi import FastAPI, Request
    from fastapi.responses import Response, StreamingResponse
    from ray import serve

    BODY = open(sys.argv[2], "rb").read()
    SSE = open(sys.argv[3], "rb").read()
    app = FastAPI()

    @serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=512)
    @serve.ingress(app)
    class Trivial:
        @app.post("/v1/chat/completions")
        async def chat(self, request: Request) -> Response:
            body = await request.body()
            if b'"stream": true' in body:
                async def events():
                    for event in SSE.split(b"\\n\\n")[:-1]:
                        yield event + b"\\n\\n"
                return StreamingResponse(events(), media_type="text/event-stream")
            return Response(BODY, media_type="application/json")

    stop = threading.Event()
    try:
        ray.init(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        serve.start(http_options={"host": "127.0.0.1", "port": int(sys.argv[1])})
        serve.run(Trivial.options(num_replicas=int(sys.argv[4])).bind(), name="trivial", route_prefix="/",
                  blocking=False)
        print("ray-trivial: ready", flush=True)
        stop.wait()
    finally:
        try:
            serve.shutdown()
        finally:
            ray.shutdown()  # what outlives it (haproxy) is ended by the benchmark, by this run's marker
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
    """A child in its own session; stop() sends SIGTERM to it, waits, then kills its group.

    Its run marker (router/leftovers.py: its pid and start time) is taken at once: `turnout serve`
    and the trivial Ray app put it on everything they start, so what outlives the child (Ray's
    processes, haproxy) is found by it, and nothing of anyone else's is."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path, cwd: Path | None = None):
        self.name = name
        self.log = log_dir / f"{name}.log"
        self._fh = open(self.log, "wb")
        self.p = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._fh, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            self.marker: str | None = run_marker(self.p.pid)
        except psutil.Error:  # exited already
            self.marker = None

    def alive(self) -> bool:
        return self.p.poll() is None

    def tail(self, n: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, grace: float = 60.0) -> None:
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


def end_own_leftovers(markers: set[str], run_dir: Path) -> list[str]:
    """End what the children with these run markers left running (their run files are in `run_dir`);
    returns a description of each. Another program's haproxy or Ray is never touched."""
    mine = [item for item in find_leftovers(run_dir) if item.owner in markers]
    end_leftovers(mine, run_dir)
    return [str(item) for item in mine]


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


def chat_stream_body(model: str) -> str:
    return json.dumps({"model": model, "temperature": 0.7, "stream": True, "messages": [
        {"role": "user", "content": "Write a one-line friendly greeting for our team newsletter."}]})


def wrk_threads(conns: int) -> int:
    return 1 if conns == 1 else 2


def measure(name: str, url: str, body: str, tmp: Path, duration: int, conns: list[int],
            watch: Watch | None = None) -> dict[int, dict]:
    """wrk at each connection count, after a warm-up; {conns: parse_wrk result, with "busy" (cpu_share.Busy)
    when a Watch is given}."""
    lua = tmp / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.lua"
    lua.write_text(LUA.format(body=json.dumps(body)))
    status, _, payload = post(url, body)
    if status != 200:
        print(f"  {name}: warm-up request answered {status}: {payload[:300]!r}", file=sys.stderr)
    for _ in range(50):  # warm-up: every code path imported and compiled, pools filled
        post(url, body)
    results = {}
    for c in conns:
        before = watch.snapshot() if watch else None
        results[c] = run_wrk(url, lua, wrk_threads(c), c, duration)
        if watch:
            results[c]["busy"] = watch.since(before)
    print(f"  {name}: " + "; ".join(f"c{c} p50 {r['p50']:.2f} ms {r['rps']:.0f} req/s" for c, r in results.items()),
          file=sys.stderr, flush=True)
    return results


_CONTENT = re.compile(rb'"content": ?"[^"]')  # a delta with text (the role chunk's "" does not count)


def ttft(url: str, body: str, n: int) -> float:
    """p50 ms from sending a streamed chat request (kept-alive connection) to the first `data:` event
    that carries content, over `n` requests one at a time."""
    parts = urllib.parse.urlsplit(url)
    request = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n{body}").encode()
    times: list[float] = []
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for i in range(n + 10):
            started = time.perf_counter()
            sock.sendall(request)
            buf, first = b"", None
            while b"[DONE]" not in buf or not (buf.endswith(b"0\r\n\r\n") or buf.endswith(b"[DONE]\n\n")):
                data = sock.recv(65536)
                if not data:
                    raise RuntimeError(f"{url}: connection closed mid-stream: {buf[-300:]!r}")
                buf += data
                if first is None and _CONTENT.search(buf):
                    first = time.perf_counter()
            if i >= 10:  # the first ones warm up
                times.append((first or time.perf_counter()) - started)
    finally:
        sock.close()
    return statistics.median(times) * 1000


def sse_payload() -> bytes:
    """STREAM_EVENTS as the upstream sends them (and the trivial app streams them back)."""
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in STREAM_EVENTS) + b"data: [DONE]\n\n"
