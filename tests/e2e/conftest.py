"""Brings the real gateway up once per session: `turnout serve` as a subprocess (Ray Serve with the
HAProxy ingress, the bundled SmolLM2 model and the OCR and speech engines in deployments of their
own, the default policy)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
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
    ports: dict[str, int] = field(default_factory=dict)
    output: list[str] = field(default_factory=list)
    stop_s: float | None = None
    _reader: threading.Thread | None = None

    def __post_init__(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)

    @property
    def listening(self) -> bool:
        """This process says it listens (a /readyz answer alone could come from an earlier run's
        haproxy still holding the port)."""
        return any("turnout: listening on" in line for line in list(self.output))

    @property
    def gateway_pid(self) -> int:
        """The gateway process: `turnout serve` runs it as a child in a session of its own
        (router/supervisor.py)."""
        children = psutil.Process(self.proc.pid).children()
        assert len(children) == 1, children
        return children[0].pid

    def stop(self, timeout: float = 60.0, sig: int = signal.SIGTERM, group: bool = False) -> int:
        """Send `sig` (SIGTERM: the contract; SIGKILL: a crash, of the gateway and of `turnout serve`
        both) to `turnout serve`, or to its whole process group (`group`, as `timeout` or
        `kill -- -PGID` do), and wait; `stop_s` is how long the exit took."""
        started = time.monotonic()
        if self.proc.poll() is None:
            if sig == signal.SIGKILL:
                os.kill(self.gateway_pid, sig)
            if group:
                os.killpg(self.proc.pid, sig)
            else:
                self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stop_s = time.monotonic() - started
        self._reader.join(timeout=10)
        return self.proc.returncode


def serve_ports() -> dict[str, int]:
    """Fresh ports for one `turnout serve`: the gateway and HAProxy's stats and metrics."""
    return {"TURNOUT_PORT": free_port(), "RAY_SERVE_HAPROXY_METRICS_PORT": free_port(),
            "RAY_SERVE_HAPROXY_STATS_PORT": free_port()}


def serve_env(ports: dict[str, int], extra_env: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"TURNOUT_MAX_BODY_BYTES": str(2 * 1024 * 1024), "RAY_USAGE_STATS_ENABLED": "0"})
    env.update({name: str(value) for name, value in ports.items()})
    env.update(extra_env or {})
    return env


def start_serve(extra_env: dict[str, str] | None = None, deadline_s: float = 240.0,
                ports: dict[str, int] | None = None, own_group: bool = False) -> Served:
    """`turnout serve` on `ports` (fresh ones by default), ready: /readyz answered 200. `own_group`:
    in a process group of its own, which a test may signal as a whole."""
    ports = ports or serve_ports()
    port = ports["TURNOUT_PORT"]
    env = serve_env(ports, extra_env)
    before = _ray_processes()
    proc = subprocess.Popen([sys.executable, "-m", "router.cli", "serve", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=own_group)
    served = Served(f"http://127.0.0.1:{port}", proc, before, ports)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            served.stop()
            pytest.fail(f"turnout serve exited with {proc.returncode}:\n{''.join(served.output)[-4000:]}")
        try:
            if served.listening and httpx.get(served.url + "/readyz", timeout=2).status_code == 200:
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
