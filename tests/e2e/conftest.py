"""Brings the real gateway up once per session: `turnout serve` as a subprocess (Ray Serve with the
HAProxy ingress, the bundled SmolLM2 model and the OCR and speech engines in deployments of their
own, the default policy)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
RAY_PROCESS_NAMES = ("raylet", "gcs_server", "haproxy", "ServeReplica", "ServeController", "ray::")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ray_processes() -> set[int]:
    found = set()
    for proc in psutil.process_iter(["name", "cmdline"]):
        text = (proc.info.get("name") or "") + " " + " ".join(proc.info.get("cmdline") or [])
        if any(name in text for name in RAY_PROCESS_NAMES) and "pytest" not in text:
            found.add(proc.pid)
    return found


@dataclass
class Served:
    url: str
    proc: subprocess.Popen
    before: set[int]
    output: list[str] = field(default_factory=list)

    def stop(self, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        if out:
            self.output.append(out)
        return self.proc.returncode


def start_serve(extra_env: dict[str, str] | None = None, deadline_s: float = 240.0) -> Served:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"TURNOUT_MAX_BODY_BYTES": str(2 * 1024 * 1024), "RAY_USAGE_STATS_ENABLED": "0",
                "RAY_SERVE_HAPROXY_METRICS_PORT": str(free_port()), "RAY_SERVE_HAPROXY_STATS_PORT": str(free_port())})
    env.update(extra_env or {})
    before = _ray_processes()
    proc = subprocess.Popen([sys.executable, "-m", "router.cli", "serve", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    served = Served(f"http://127.0.0.1:{port}", proc, before)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            out, _ = proc.communicate()
            pytest.fail(f"turnout serve exited with {proc.returncode}:\n{out[-4000:]}")
        try:
            if httpx.get(served.url + "/readyz", timeout=2).status_code == 200:
                return served
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    served.stop()
    pytest.fail(f"turnout serve not ready within {deadline_s} s:\n{''.join(served.output)[-4000:]}")


@pytest.fixture(scope="session")
def served() -> Served:
    gateway = start_serve()
    yield gateway
    gateway.stop()


@pytest.fixture
def ray_processes():
    """Call it to list the Ray/HAProxy processes running now."""
    return _ray_processes
