"""What an earlier `turnout serve` left running, and whether the ports a new one needs are free.

Every process `turnout serve` starts (raylet, GCS, Ray's agents and workers, Serve's replicas and
its haproxy) inherits one environment variable, `TURNOUT_SERVE_RUN=<pid>-<start time>`, naming the
`turnout serve` that owns it. A run killed with SIGKILL (or by the OOM killer) cannot stop what it
started; the next one finds those processes by that marker, sees that their owner is gone, and
ends them. A run also keeps a run file (`<run_dir>/serve-<marker>.json`: pid, start time and
name of every process under it), because Ray's agents retitle themselves (setproctitle) and may
overwrite their whole environment block doing so; for them the pid plus its start time is the
proof. Nothing matching neither is ever signalled: another program holding a port is reported, by
pid and command line, and start-up stops there.

Serve's haproxy runs with a config path shared by every Serve on the machine and Ray's agents
have no telling command line, so neither the command line nor the port tells our processes apart
from someone else's; the inherited marker and the recorded start times do.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import psutil

RUN_ENV = "TURNOUT_SERVE_RUN"


class PortBusy(Exception):
    """A port `turnout serve` needs is held by a process that is not a leftover of ours."""


def run_marker(pid: int | None = None) -> str:
    """This process's marker: its pid and start time (a reused pid has another start time)."""
    proc = psutil.Process(pid or os.getpid())
    return f"{proc.pid}-{int(proc.create_time() * 1000)}"


def owner_alive(marker: str) -> bool:
    """Whether the `turnout serve` named by `marker` still runs (same pid, same start time)."""
    pid, _, started = marker.partition("-")
    try:
        return run_marker(int(pid)) == marker
    except (ValueError, psutil.Error):
        return False


def marker_of(proc: psutil.Process) -> str | None:
    """The run marker in `proc`'s environment, or None (none, another user's process, gone).

    Read from /proc directly: Ray's agents retitle themselves (setproctitle), which zeroes the
    start of their environment block, and psutil's parser stops at the first empty entry."""
    try:
        with open(f"/proc/{proc.pid}/environ", "rb") as block:
            entries = block.read().split(b"\0")
    except FileNotFoundError:  # not Linux's /proc, or gone
        try:
            return proc.environ().get(RUN_ENV)
        except (psutil.Error, OSError):
            return None
    except OSError:  # another user's process: never ours to end
        return None
    prefix = RUN_ENV.encode() + b"="
    for entry in entries:
        if entry.startswith(prefix):
            return entry[len(prefix):].decode(errors="replace")
    return None


@dataclass(frozen=True)
class Leftover:
    pid: int
    name: str
    owner: str
    created: float | None = None  # start time from a run file; None: found by its marker

    def __str__(self) -> str:
        return f"{self.name} (pid {self.pid}, started by turnout serve {self.owner.partition('-')[0]})"

    def is_still(self, proc: psutil.Process) -> bool:
        """Whether `proc` is still this leftover (not a pid reused since it was found)."""
        try:
            if self.created is not None:
                return abs(proc.create_time() - self.created) < 0.05
            return marker_of(proc) == self.owner
        except psutil.Error:
            return False


def run_file(run_dir: Path, marker: str) -> Path:
    return run_dir / f"serve-{marker}.json"


def drain_flag(run_dir: Path, marker: str) -> Path:
    """Present while the run `marker` drains: its ingress replicas answer /readyz with 503 "draining"."""
    return run_dir / f"serve-{marker}.draining"


def draining(run_dir: Path) -> bool:
    """Whether the `turnout serve` run this process belongs to (its RUN_ENV) has begun to drain."""
    marker = os.environ.get(RUN_ENV)
    return marker is not None and drain_flag(run_dir, marker).exists()


def record_run(run_dir: Path, marker: str, procs: list[psutil.Process]) -> None:
    """Write (atomically) the run file of the run `marker`: the processes it has started so far."""
    entries = []
    for proc in procs:
        try:
            entries.append({"pid": proc.pid, "created": proc.create_time(), "name": proc.name()})
        except psutil.Error:
            continue
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_file(run_dir, marker)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"owner": marker, "processes": entries}))
    tmp.replace(path)


def _dead_run_files(run_dir: Path | None) -> list[tuple[Path, dict]]:
    runs = []
    for path in sorted(run_dir.glob("serve-*.json")) if run_dir and run_dir.is_dir() else []:
        try:
            run = json.loads(path.read_text())
            owner = str(run["owner"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not owner_alive(owner):
            runs.append((path, run))
    return runs


def find_leftovers(run_dir: Path | None = None) -> list[Leftover]:
    """Processes started by a `turnout serve` that is no longer running: by their marker, and by
    the run files under `run_dir` (same pid, same start time)."""
    me = os.getpid()
    found: dict[int, Leftover] = {}
    for proc in psutil.process_iter(["name"]):
        if proc.pid == me:
            continue
        marker = marker_of(proc)
        if marker and not owner_alive(marker):
            found[proc.pid] = Leftover(proc.pid, proc.info.get("name") or "?", marker)
    for _, run in _dead_run_files(run_dir):
        for entry in run.get("processes", []):
            try:
                item = Leftover(int(entry["pid"]), str(entry["name"]), run["owner"], float(entry["created"]))
                if item.pid not in found and item.pid != me and item.is_still(psutil.Process(item.pid)):
                    found[item.pid] = item
            except (psutil.Error, KeyError, TypeError, ValueError):
                continue
    return list(found.values())


def end_leftovers(leftovers: list[Leftover], run_dir: Path | None = None, grace_s: float = 3.0) -> None:
    """SIGTERM each leftover, SIGKILL what still runs after `grace_s`; then forget the dead runs'
    files. Each pid is re-checked right before it is signalled, so a pid reused since
    `find_leftovers` is spared."""
    procs = []
    for item in leftovers:
        try:
            proc = psutil.Process(item.pid)
            if not item.is_still(proc):
                continue
            proc.terminate()
            procs.append(proc)
        except psutil.Error:
            continue
    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace_s)
    for path, _ in _dead_run_files(run_dir):
        path.unlink(missing_ok=True)


def port_holders(ports: dict[int, str]) -> dict[int, psutil.Process | None]:
    """For each port in `ports` that something listens on (TCP, any address): the process, or
    None when the listener belongs to a process this user may not inspect."""
    wanted = set(ports)
    held: dict[int, psutil.Process | None] = {}
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status != psutil.CONN_LISTEN or not conn.laddr or conn.laddr.port not in wanted:
            continue
        try:
            held[conn.laddr.port] = psutil.Process(conn.pid) if conn.pid else None
        except psutil.Error:
            held[conn.laddr.port] = None
    return held


def check_ports(ports: dict[int, str]) -> None:
    """Raise PortBusy with one line naming the first busy port, what it is for, who holds it and
    what to do. `ports` maps port -> what turnout uses it for (and the setting that moves it)."""
    for port, proc in sorted(port_holders(ports).items()):
        use = ports[port]
        if proc is None:
            raise PortBusy(f"port {port} ({use}) is in use by a process this user cannot inspect; "
                           f"stop it or choose another port")
        try:
            command = " ".join(proc.cmdline())[:120] or proc.name()
        except psutil.Error:
            command = "?"
        marker = marker_of(proc)
        if marker and owner_alive(marker):
            owner = marker.partition("-")[0]
            raise PortBusy(f"port {port} ({use}) is in use by another turnout serve (pid {owner}, via pid "
                           f"{proc.pid} {proc.name()}); stop it first (kill -TERM {owner}) or choose another port")
        raise PortBusy(f"port {port} ({use}) is in use by pid {proc.pid} ({command}), which turnout did not "
                       f"start; stop it or choose another port")
