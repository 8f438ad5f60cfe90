"""Per-call cost of `kind: openai`'s upstream call through an egress proxy, in-process (no Ray, no gateway).

    python bench/egress_call.py [--calls 300]

bench/latency_rig.py's instant upstream (a separate process, keep-alive), plain and with TLS (a
certificate made by the openssl CLI), and a real forward proxy (tinyproxy, installed when missing:
tests/forward_proxy.py), all on loopback; one call at a time, side by side in one run:
  http direct         OpenAIHTTPBackend.complete, keep-alive
  http via proxy      the same through the proxy in absolute form (tinyproxy closes the connection
                      after each answer, so every call pays a connect to the proxy)
  https direct        TLS, keep-alive
  https via tunnel    CONNECT through the proxy, TLS inside the tunnel, the tunnel kept alive
Prints wall and CPU ms per call (this process only: the proxy's and the upstream's CPU are not in it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from backends import http1  # noqa: E402
from backends.egress import Proxies  # noqa: E402
from backends.openai_http import OpenAIHTTPBackend  # noqa: E402
from forward_proxy import ForwardProxy, self_signed  # noqa: E402
from latency_rig import FIXED_RESPONSE, UPSTREAM_SCRIPT, free_port  # noqa: E402

REQUEST = {"messages": [{"role": "user", "content": "Write a one-line friendly greeting."}], "max_tokens": 16}
TLS_SCRIPT = UPSTREAM_SCRIPT.replace("backlog=1024)", "backlog=1024, ssl=_tls())").replace(
    "async def main():", "def _tls():\n    import os, ssl\n    c = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)\n"
    "    c.load_cert_chain(os.environ['BENCH_CERT'], os.environ['BENCH_KEY_FILE'])\n    return c\n\nasync def main():")


def _backend(url: str, proxies: Proxies) -> OpenAIHTTPBackend:
    backend = OpenAIHTTPBackend("bench", "instant", api_base=url, api_key_env="BENCH_KEY")
    backend._pool = type(backend._pool)(proxies=proxies)
    return backend


def _measure(backend: OpenAIHTTPBackend, calls: int) -> tuple[float, float]:
    async def run() -> None:
        for _ in range(20):  # warm: the connection (or tunnel), the pool's route
            await backend.complete(dict(REQUEST))
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(calls):
            await backend.complete(dict(REQUEST))
        result.append(((time.perf_counter() - wall) * 1000 / calls, (time.process_time() - cpu) * 1000 / calls))
        await backend.aclose()

    result: list[tuple[float, float]] = []
    asyncio.run(run())
    return result[0]


def _wait(url_host: str, port: int) -> None:
    import socket
    for _ in range(100):
        try:
            socket.create_connection((url_host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {url_host}:{port}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    os.environ["BENCH_KEY"] = "none"
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        cert, key = self_signed(tmp)
        http1._SSL = ssl.create_default_context(cafile=str(cert))  # trust the bench upstream's certificate
        plain_port, tls_port = free_port(), free_port()
        env = {**os.environ, "BENCH_CERT": str(cert), "BENCH_KEY_FILE": str(key)}
        fixed = json.dumps(FIXED_RESPONSE)
        servers = [subprocess.Popen([sys.executable, "-c", UPSTREAM_SCRIPT, str(plain_port), fixed]),
                   subprocess.Popen([sys.executable, "-c", TLS_SCRIPT, str(tls_port), fixed], env=env)]
        proxy = ForwardProxy(tmp, bind="127.0.0.1").start()
        try:
            _wait("127.0.0.1", plain_port)
            _wait("127.0.0.1", tls_port)
            via = Proxies.from_environment({"ALL_PROXY": proxy.url()})
            plain, tls = f"http://127.0.0.1:{plain_port}/v1", f"https://127.0.0.1:{tls_port}/v1"
            rows = {"http direct": _measure(_backend(plain, Proxies()), args.calls),
                    "http via proxy": _measure(_backend(plain, via), args.calls),
                    "https direct": _measure(_backend(tls, Proxies()), args.calls),
                    "https via tunnel": _measure(_backend(tls, via), args.calls)}
        finally:
            proxy.stop()
            for server in servers:
                server.kill()
                server.wait()
    print(f"{'call':<18} {'wall ms/call':>12} {'CPU ms/call':>12}")
    for name, (wall, cpu) in rows.items():
        print(f"{name:<18} {wall:>12.3f} {cpu:>12.3f}")
    print(f"the tunnel adds {rows['https via tunnel'][1] - rows['https direct'][1]:+.3f} ms CPU per call over direct "
          f"TLS; absolute form through tinyproxy {rows['http via proxy'][1] - rows['http direct'][1]:+.3f} ms "
          f"(a connect per call)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
