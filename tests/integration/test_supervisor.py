"""`turnout serve`'s supervisor (router/supervisor.py) with a small child program in place of the
gateway: signals forwarded once, a group signal kept from the child, the child bound to the
supervisor's life, exit statuses passed through."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]

# The child: reports who it is, then counts the signals it gets until the first one has been quiet for
# 0.5 s, writes them down and exits with the status it was given.
CHILD = r"""
import json, os, signal, sys, time
got = []
for signum in (signal.SIGTERM, signal.SIGINT):
    signal.signal(signum, lambda n, _f: got.append(signal.Signals(n).name))
report, status = sys.argv[1], int(sys.argv[2])
with open(report + ".who", "w") as f:
    json.dump({"pid": os.getpid(), "sid": os.getsid(0), "ppid": os.getppid(),
               "marker": os.environ.get("TURNOUT_SERVE_SUPERVISOR")}, f)
while not got:
    time.sleep(0.02)
time.sleep(0.5)
with open(report, "w") as f:
    json.dump(got, f)
if status < 0:
    os.kill(os.getpid(), signal.SIGKILL)
sys.exit(status)
"""

SUPERVISOR = "import sys; from router import supervisor; sys.exit(supervisor.run(sys.argv[1:], 'marker-1'))"


def start(tmp_path: Path, status: int = 0) -> tuple[subprocess.Popen, Path, dict]:
    child = tmp_path / "child.py"
    child.write_text(CHILD)
    report = tmp_path / "got.json"
    proc = subprocess.Popen([sys.executable, "-c", SUPERVISOR, sys.executable, str(child), str(report), str(status)],
                            cwd=REPO, start_new_session=True)
    who = Path(str(report) + ".who")
    deadline = time.monotonic() + 20
    while not who.exists() or not who.read_text():
        assert time.monotonic() < deadline and proc.poll() is None, "the child never started"
        time.sleep(0.02)
    time.sleep(0.1)  # the supervisor installs its handlers right after starting the child
    return proc, report, json.loads(who.read_text())


def signals_got(report: Path) -> list[str]:
    deadline = time.monotonic() + 10
    while not report.exists() or not report.read_text():
        assert time.monotonic() < deadline, "the child got no signal"
        time.sleep(0.02)
    return json.loads(report.read_text())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_supervisor_reaches_the_gateway_once(tmp_path, signum):
    proc, report, who = start(tmp_path)
    assert who["marker"] == "marker-1" and who["ppid"] == proc.pid
    proc.send_signal(signum)
    assert proc.wait(timeout=10) == 0
    assert signals_got(report) == [signal.Signals(signum).name]


def test_a_signal_to_the_whole_group_reaches_the_gateway_only_as_forwarded(tmp_path):
    """The child runs in a session of its own: `kill -- -PGID` reaches it once, through the supervisor,
    never directly (which, for Ray's GCS and raylet, would end them under the gateway)."""
    proc, report, who = start(tmp_path)
    assert who["sid"] == who["pid"] != os.getpgid(proc.pid)
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert signals_got(report) == ["SIGTERM"]


def test_a_killed_supervisor_stops_the_gateway_with_sigterm(tmp_path):
    proc, report, who = start(tmp_path)
    proc.kill()
    proc.wait(timeout=10)
    assert signals_got(report) == ["SIGTERM"]  # PR_SET_PDEATHSIG: the gateway stops in order, not killed
    deadline = time.monotonic() + 10
    while psutil.pid_exists(who["pid"]) and psutil.Process(who["pid"]).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the child outlived its supervisor"
        time.sleep(0.05)


@pytest.mark.parametrize(("status", "expected"), [(0, 0), (3, 3), (-9, 128 + 9)])
def test_the_gateways_exit_status_is_the_supervisors(tmp_path, status, expected):
    proc, _report, _who = start(tmp_path, status)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == expected
