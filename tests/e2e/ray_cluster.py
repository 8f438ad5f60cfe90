"""A real multi-node Ray cluster on this one machine, for e2e tests: a head and worker nodes started
with the `ray` CLI (`ray start`), each node on ports of its own, all of it in one temp dir.

Every process the cluster starts carries that temp dir in its command line, so the cluster is
ended by process id, matched on it: never `ray stop`, which would end every Ray on the machine.
A worker node is "lost" by SIGKILLing its raylet and everything under it, as a crashed machine
would; `add_worker` brings a new one up with the same resources.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent
OBJECT_STORE_BYTES = 100 * 1024 * 1024  # the smallest useful store: nothing big travels here


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _node_ports() -> list[str]:
    """Ports of one node's own servers; two nodes on one machine must not share the defaults."""
    return [f"--node-manager-port={free_port()}", f"--object-manager-port={free_port()}",
            f"--dashboard-agent-listen-port={free_port()}", f"--dashboard-agent-grpc-port={free_port()}",
            f"--metrics-export-port={free_port()}", f"--runtime-env-agent-port={free_port()}"]


@dataclass
class Cluster:
    env: dict[str, str]
    temp_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rt", dir="/tmp")))
    gcs_port: int = field(default_factory=free_port)
    workers: dict[str, int] = field(default_factory=dict)  # name -> raylet pid

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.gcs_port}"

    def _ray_start(self, args: list[str]) -> None:
        done = subprocess.run([str(BIN / "ray"), "start", "--node-ip-address=127.0.0.1", "--disable-usage-stats",
                               f"--object-store-memory={OBJECT_STORE_BYTES}", *_node_ports(), *args],
                              env=self.env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"ray start {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")

    def start_head(self, num_cpus: int = 2) -> None:
        self._ray_start(["--head", f"--port={self.gcs_port}", f"--temp-dir={self.temp_dir}", f"--num-cpus={num_cpus}",
                         "--include-dashboard=false", f"--dashboard-port={free_port()}"])

    def add_worker(self, name: str, resources: dict[str, float], num_cpus: int = 0) -> int:
        """Start a worker node offering `resources` (and `num_cpus`); returns its raylet's pid."""
        before = {p.pid for p in self._raylets()}
        self._ray_start([f"--address={self.address}", f"--num-cpus={num_cpus}", f"--resources={json.dumps(resources)}"])
        new = [p for p in self._raylets() if p.pid not in before]
        assert len(new) == 1, f"expected one new raylet, found {len(new)}"
        self.workers[name] = new[0].pid
        return new[0].pid

    def lose_worker(self, name: str) -> None:
        """SIGKILL the worker node's raylet and every process under it (its replicas, its agents)."""
        raylet = psutil.Process(self.workers.pop(name))
        procs = [raylet, *raylet.children(recursive=True)]
        for proc in procs:
            try:
                proc.send_signal(signal.SIGKILL)
            except psutil.Error:
                pass
        psutil.wait_procs(procs, timeout=10)

    def raylet_of(self, proc: psutil.Process) -> int | None:
        """The pid of the raylet `proc` runs under, if any."""
        raylets = {p.pid for p in self._raylets()}
        return next((p.pid for p in proc.parents() if p.pid in raylets), None)

    def processes(self) -> list[psutil.Process]:
        """Every live process of this cluster: those naming its temp dir, and everything under them."""
        mark = str(self.temp_dir)
        found: dict[int, psutil.Process] = {}
        for proc in psutil.process_iter(["cmdline"]):
            if any(mark in part for part in proc.info.get("cmdline") or ()):
                found[proc.pid] = proc
                try:
                    found.update({child.pid: child for child in proc.children(recursive=True)})
                except psutil.Error:
                    pass
        return list(found.values())

    def _raylets(self) -> list[psutil.Process]:
        return [p for p in self.processes() if _is_raylet(p)]

    def replicas(self, deployment: str) -> list[psutil.Process]:
        """The Serve replica processes of `deployment` (by Ray's process title)."""
        out = []
        for proc in self.processes():
            try:
                title = " ".join(proc.cmdline())
            except psutil.Error:
                continue
            if "ServeReplica:" in title and f":{deployment}" in title:
                out.append(proc)
        return out

    def stop(self) -> None:
        """End every process of the cluster (terminate, then kill), by pid, and remove its temp dir."""
        procs = self.processes()
        for proc in procs:
            try:
                proc.terminate()
            except psutil.Error:
                pass
        _, alive = psutil.wait_procs(procs, timeout=10)
        for proc in alive:
            try:
                proc.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(alive, timeout=5)
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _is_raylet(proc: psutil.Process) -> bool:
    try:
        return proc.name() == "raylet" or os.path.basename((proc.cmdline() or [""])[0]) == "raylet"
    except psutil.Error:
        return False


def wait_for(check, timeout_s: float, every_s: float = 0.5, what: str = "condition"):
    """Call `check()` until it returns something truthy (returned) or `timeout_s` passes (AssertionError)."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every_s)
    raise AssertionError(f"{what} not reached within {timeout_s:g} s (last: {last!r})")
