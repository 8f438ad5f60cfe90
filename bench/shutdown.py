"""How long `turnout serve` takes to stop: start it, wait until /readyz answers, send SIGTERM and
time the exit; optionally with one slow request in flight (it must be answered, not cut).

    python bench/shutdown.py [--runs 2] [--in-flight]

Prints one row per run: seconds to ready, seconds from SIGTERM to exit, exit code, turnout's
own breakdown of the stop (drain, Serve, Ray), what was left running afterwards (Ray/HAProxy processes that were not there before), and, with
--in-flight, the status of the request that was running when SIGTERM arrived.
Run it under `flock /tmp/turnout-ray.lock` (it binds ports and starts Ray).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import _ray_processes, free_port  # noqa: E402


def _slow_request(url: str, result: dict) -> None:
    body = json.dumps({"model": "auto", "max_tokens": 48, "temperature": 0,
                       "messages": [{"role": "user", "content": "Tell a short story about a train."}]}).encode()
    request = urllib.request.Request(url + "/v1/chat/completions", body, {"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            result["status"] = response.status
    except urllib.error.HTTPError as exc:
        result["status"] = exc.code
    except Exception as exc:  # a cut connection is the result being measured
        result["status"] = type(exc).__name__


def one_run(in_flight: bool) -> dict:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"RAY_USAGE_STATS_ENABLED": "0", "PYTHONPATH": str(ROOT)})
    before = _ray_processes()
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "router.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    ready = None
    while proc.poll() is None and time.monotonic() - started < 240:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    ready = time.monotonic() - started
                    break
        except Exception:
            time.sleep(0.3)
    result: dict = {}
    worker = None
    if ready is not None and in_flight:
        worker = threading.Thread(target=_slow_request, args=(url, result))
        worker.start()
        time.sleep(0.5)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    stopped = time.monotonic() - sent
    if worker:
        worker.join()
    time.sleep(0.5)
    leftover = _ray_processes() - before
    return {"ready_s": ready, "stop_s": stopped, "rc": proc.returncode, "leftover": sorted(leftover),
            "in_flight": result.get("status", "-"), "tail": out[-1500:] if proc.returncode else "",
            "own": next((line.split("(", 1)[-1].rstrip(")") for line in out.splitlines() if "stopped in" in line), "-")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--in-flight", action="store_true", help="keep one local request running at SIGTERM")
    args = parser.parse_args()
    print(f"{'run':>3}  {'ready s':>8}  {'SIGTERM->exit s':>15}  {'rc':>3}  {'in-flight':>9}  {'turnout says':<36}  leftover")
    for n in range(1, args.runs + 1):
        row = one_run(args.in_flight)
        ready = f"{row['ready_s']:.1f}" if row["ready_s"] is not None else "never"
        print(f"{n:>3}  {ready:>8}  {row['stop_s']:>15.1f}  {row['rc']:>3}  {row['in_flight']!s:>9}  "
              f"{row['own']:<36}  {row['leftover'] or 'none'}", flush=True)
        if row["tail"]:
            print(row["tail"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
