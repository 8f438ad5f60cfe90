"""What an earlier `turnout serve` left running, and whether the ports a new one needs are free.

Every process `turnout serve` starts (raylet, GCS, Ray's agents and workers, Serve's replicas and
its haproxy) inherits one environment variable, `TURNOUT_SERVE_RUN=<pid>-<start time>`, naming the
`turnout serve` that owns it. A run killed with SIGKILL (or by the OOM killer) cannot stop what it
started; the next one finds those processes by that marker, sees that their owner is gone, and
ends them. Nothing without the marker is ever signalled: another program holding a port is
reported, by pid and command line, and start-up stops there.

Ray rewrites its agents' command lines (`ray::DashboardAgent`) and Serve's haproxy runs with a
config path shared by every Serve on the machine, so neither the command line nor the port tells
our processes apart from someone else's; the inherited environment does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

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

    def __str__(self) -> str:
        return f"{self.name} (pid {self.pid}, started by turnout serve {self.owner.partition('-')[0]})"


def find_leftovers() -> list[Leftover]:
    """Processes started by a `turnout serve` that is no longer running."""
    me = os.getpid()
    found = []
    for proc in psutil.process_iter(["name"]):
        if proc.pid == me:
            continue
        marker = marker_of(proc)
        if marker and not owner_alive(marker):
            found.append(Leftover(proc.pid, proc.info.get("name") or "?", marker))
    return found


def end_leftovers(leftovers: list[Leftover], grace_s: float = 3.0) -> None:
    """SIGTERM each leftover, SIGKILL what still runs after `grace_s`. A pid is re-checked for
    the marker right before it is signalled, so a pid reused since `find_leftovers` is spared."""
    procs = []
    for item in leftovers:
        try:
            proc = psutil.Process(item.pid)
            if marker_of(proc) != item.owner:
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
