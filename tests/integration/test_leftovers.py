"""Start-up clean-up: what a killed `turnout serve` left behind is ended, nobody else's process is.

Real processes and real listening sockets; no Ray (the e2e tests run the same code after a real
SIGKILL of a real `turnout serve`)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import psutil
import pytest

from router.leftovers import (RUN_ENV, PortBusy, check_ports, end_leftovers, find_leftovers, owner_alive, record_run,
                              run_file, run_marker)

SLEEPER = "import time; time.sleep(120)"
LISTENER = ("import socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
            "print(s.getsockname()[1], flush=True); time.sleep(120)")


@pytest.fixture
def spawn():
    """Start `python -c CODE` with an optional run marker; everything started is ended afterwards."""
    started = []

    def start(code: str, marker: str | None = None) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if k != RUN_ENV}
        if marker:
            env[RUN_ENV] = marker
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


@pytest.fixture
def dead_owner_marker() -> str:
    """The marker of a `turnout serve` that has exited (a real process, gone)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    marker = run_marker(proc.pid)
    proc.kill()
    proc.wait()
    return marker


def _listening_port(proc: subprocess.Popen) -> int:
    return int(proc.stdout.readline())


def test_a_marker_names_a_live_owner_and_a_reused_pid_is_not_the_owner(dead_owner_marker):
    assert owner_alive(run_marker())
    assert not owner_alive(dead_owner_marker)
    pid, _, started = run_marker().partition("-")
    assert not owner_alive(f"{pid}-{int(started) - 5000}")  # same pid, other start time: a reused pid
    assert not owner_alive("garbage")


def test_processes_of_a_killed_run_are_found_and_ended(spawn, dead_owner_marker):
    orphan = spawn(SLEEPER, marker=dead_owner_marker)
    live_run = spawn(SLEEPER, marker=run_marker())  # a turnout serve that still runs owns this one
    foreign = spawn(SLEEPER)
    psutil.Process(orphan.pid).environ()  # wait until the child has exec'd
    found = {item.pid for item in find_leftovers()}
    assert orphan.pid in found
    assert live_run.pid not in found and foreign.pid not in found
    end_leftovers([item for item in find_leftovers() if item.pid == orphan.pid])
    assert orphan.wait(timeout=5) is not None
    assert live_run.poll() is None and foreign.poll() is None


def test_a_killed_runs_file_names_processes_whose_marker_was_overwritten(spawn, dead_owner_marker, tmp_path):
    """Ray's agents retitle themselves, which can wipe their environment: the run file's pid plus
    start time still identifies them, and a pid reused by someone else (other start time) is spared."""
    retitled = spawn(SLEEPER)  # no marker at all, as a retitled agent looks
    reused = spawn(SLEEPER)
    record_run(tmp_path, dead_owner_marker, [psutil.Process(retitled.pid), psutil.Process(reused.pid)])
    path = run_file(tmp_path, dead_owner_marker)
    run = json.loads(path.read_text())
    run["processes"][1]["created"] -= 60  # the recorded process was another one, with the same pid
    path.write_text(json.dumps(run))
    found = {item.pid: item for item in find_leftovers(tmp_path)}
    assert retitled.pid in found and reused.pid not in found
    end_leftovers([found[retitled.pid]], tmp_path)
    assert retitled.wait(timeout=5) is not None and reused.poll() is None
    assert not path.exists()  # the dead run is forgotten once its processes are ended


def test_a_live_runs_file_is_left_alone(spawn, tmp_path):
    child = spawn(SLEEPER)
    record_run(tmp_path, run_marker(), [psutil.Process(child.pid)])
    assert child.pid not in {item.pid for item in find_leftovers(tmp_path)}
    end_leftovers([], tmp_path)
    assert run_file(tmp_path, run_marker()).exists()


def test_a_foreign_listener_is_reported_and_survives(spawn):
    foreign = spawn(LISTENER)
    port = _listening_port(foreign)
    with pytest.raises(PortBusy) as caught:
        check_ports({port: "HAProxy stats: RAY_SERVE_HAPROXY_STATS_PORT"})
    message = str(caught.value)
    assert f"port {port} (HAProxy stats: RAY_SERVE_HAPROXY_STATS_PORT)" in message
    assert f"pid {foreign.pid}" in message and "did not start" in message and "\n" not in message
    assert foreign.poll() is None
    assert foreign.pid not in {item.pid for item in find_leftovers()}


def test_a_port_held_by_a_running_turnout_serve_names_that_run(spawn):
    holder = spawn(LISTENER, marker=run_marker())  # as if started by this (live) turnout serve
    port = _listening_port(holder)
    with pytest.raises(PortBusy, match=rf"another turnout serve \(pid {os.getpid()},.*kill -TERM {os.getpid()}"):
        check_ports({port: "the gateway: --port or TURNOUT_PORT"})
    assert holder.poll() is None


def test_free_ports_pass():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    check_ports({port: "the gateway"})
