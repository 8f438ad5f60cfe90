"""How busy each process of a benchmark target is while wrk drives it, and where its throughput stops
growing (bench/latency.py's scale table).

A Watch holds one target's processes: the child the benchmark started and everything under it, what
carries its run marker (Ray's processes and haproxy, router/leftovers.py), and the upstream. Over one
wrk run it gives each process's CPU as a share of one core, wrk's own (a waited-for child), and the
whole machine's busy share (every process, anyone's), which says whether the cores were full.
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from router.leftovers import marker_of

CORES = psutil.cpu_count() or 1


@dataclass
class Busy:
    """Over one wrk run: % of one core per process name (summed over same-named processes, with their
    count), wrk's %, and the machine's % of all its cores."""

    processes: dict[str, tuple[float, int]]
    wrk: float
    machine: float

    def total(self) -> float:
        """% of one core used by the target's processes and wrk together."""
        return sum(pct for pct, _ in self.processes.values()) + self.wrk

    def busiest(self) -> tuple[str, float, int]:
        """(name, % of one core, how many) of the process nearest to a full core; of same-named ones
        (replicas, workers) their mean share and their count."""
        name, (pct, n) = max(self.processes.items(), key=lambda kv: kv[1][0] / kv[1][1], default=("-", (0.0, 1)))
        return name, pct / n, n

    def describe(self, top: int = 5) -> str:
        parts = [f"{name}{f' x{n}' if n > 1 else ''} {pct:.0f}%"
                 for name, (pct, n) in sorted(self.processes.items(), key=lambda kv: -kv[1][0])[:top] if pct >= 1]
        return ", ".join(parts + [f"wrk {self.wrk:.0f}%"])


def _label(proc: psutil.Process, roots: dict[int, str]) -> str:
    """A root's own name; a Ray worker's title (a replica by its deployment: Ingress, Trivial); a
    multiprocessing child (uvicorn's workers) as its root's worker; else the program (a Python's script)."""
    if proc.pid in roots:
        return roots[proc.pid]
    cmd = proc.cmdline() or [proc.name()]
    if cmd[0].startswith("ray::"):
        return cmd[0][5:].split(":")[-1] if cmd[0].startswith("ray::ServeReplica") else cmd[0][5:]
    if any("multiprocessing" in part for part in cmd):
        root = next((roots[p.pid] for p in proc.parents() if p.pid in roots), "python")
        return f"{root} worker"
    program = Path(cmd[0]).name
    if program.startswith("python") and len(cmd) > 1 and not cmd[1].startswith("-"):
        program = Path(cmd[1]).name
    return program


class Watch:
    def __init__(self, roots: dict[int, str], markers: set[str]):
        self.roots, self.markers = roots, {m for m in markers if m}

    def processes(self) -> list[psutil.Process]:
        found: dict[int, psutil.Process] = {}
        for pid in self.roots:
            try:
                root = psutil.Process(pid)
                found.update({p.pid: p for p in [root, *root.children(recursive=True)]})
            except psutil.Error:
                continue
        for proc in psutil.process_iter():
            try:
                if proc.pid not in found and marker_of(proc) in self.markers:
                    found[proc.pid] = proc
            except psutil.Error:
                continue
        return list(found.values())

    def snapshot(self) -> tuple[float, dict[int, tuple[str, float]], float, float]:
        """(wall clock, pid -> (label, CPU seconds), waited children's CPU seconds, machine busy seconds)."""
        cpu = {}
        for proc in self.processes():
            try:
                times = proc.cpu_times()
                cpu[proc.pid] = (_label(proc, self.roots), times.user + times.system)
            except psutil.Error:
                continue
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        machine = psutil.cpu_times()
        busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
        return time.monotonic(), cpu, kids.ru_utime + kids.ru_stime, busy

    def since(self, before) -> Busy:
        after = self.snapshot()
        wall = max(after[0] - before[0], 1e-6)
        processes: dict[str, tuple[float, int]] = {}
        for pid, (label, seconds) in after[1].items():
            share = 100 * (seconds - before[1].get(pid, (label, 0.0))[1]) / wall  # one started meanwhile: all
            pct, n = processes.get(label, (0.0, 0))
            processes[label] = (pct + share, n + (share >= 1))  # the count is of those that worked
        processes = {label: (pct, max(n, 1)) for label, (pct, n) in processes.items()}
        return Busy(processes, 100 * (after[2] - before[2]) / wall, 100 * (after[3] - before[3]) / wall / CORES)


def where_it_stops(name: str, results: dict[int, dict], growth: float = 1.15) -> str:
    """One line: req/s at each connection count, the first count after which it grows less than
    `growth`x, and why, from that run's CPU shares: one process at a full core (its event loop), or the
    machine's cores all busy, or neither (then the wait is elsewhere)."""
    conns = sorted(results)
    line = f"{name}: " + " -> ".join(f"{results[c]['rps']:,.0f}" for c in conns) + \
        f" req/s at {'/'.join(map(str, conns))} connections"
    stop = next((c for c, nxt in zip(conns, conns[1:]) if results[nxt]["rps"] < growth * results[c]["rps"]), None)
    if stop is None:
        return line + "; still growing at the last count"
    busy: Busy | None = results[conns[conns.index(stop) + 1]].get("busy")  # where it no longer grew
    if busy is None:
        return line + f"; stops growing after {stop}"
    proc, pct, n = busy.busiest()
    others = busy.machine * CORES - busy.total()
    own = f"the target's processes and wrk {busy.total():.0f}% of {100 * CORES}%, busiest {proc} {pct:.0f}% of a core" \
        + (f", other programs {others:.0f}%" if others >= 10 else "")
    if pct >= 85:
        why = f"{proc}'s one event loop is full ({own})" if n == 1 else \
            f"each of the {n} {proc} processes' event loop is full ({own}, mean)"
    elif busy.machine >= 90:
        why = f"all {CORES} cores are busy (machine {busy.machine:.0f}%; {own})"
    else:
        why = f"no core is full (machine {busy.machine:.0f}%; {own}): the limit is a wait, not CPU"
    return line + f"; stops growing after {stop}: {why}"
