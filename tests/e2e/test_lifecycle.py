"""Starting after a crash: a SIGKILLed `turnout serve` leaves Ray and HAProxy processes behind;
the next start on the same ports ends them and serves; another program's port is never touched."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from router.leftovers import find_leftovers, run_marker
from tests.e2e.conftest import REPO, serve_env, serve_ports, start_serve

pytestmark = pytest.mark.e2e


def test_a_foreign_listener_on_haproxys_port_stops_the_start_with_one_line_and_survives():
    with socket.socket() as foreign:
        foreign.bind(("127.0.0.1", 0))
        foreign.listen()
        ports = serve_ports() | {"RAY_SERVE_HAPROXY_STATS_PORT": foreign.getsockname()[1]}
        run = subprocess.run([sys.executable, "-m", "router.cli", "serve"], cwd=REPO, env=serve_env(ports),
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 1
        line = run.stderr.strip().splitlines()[-1]
        assert f"port {ports['RAY_SERVE_HAPROXY_STATS_PORT']} (HAProxy stats: RAY_SERVE_HAPROXY_STATS_PORT)" in line
        assert "which turnout did not start; stop it or choose another port" in line
        assert "listening on" not in run.stdout  # refused before Ray started
        foreign.getsockname()  # still ours, still open: nothing signalled this process


def test_a_start_after_a_sigkilled_run_cleans_up_and_serves_on_the_same_ports(ray_processes):
    ports = serve_ports()
    crashed = start_serve(ports=ports)
    marker = run_marker(crashed.proc.pid)
    crashed.stop(sig=signal.SIGKILL)
    orphans = [item for item in find_leftovers() if item.owner == marker]
    assert orphans, "a SIGKILLed run should leave Ray's processes behind (else this test proves nothing)"
    # Whether they are still there when the next start looks varies (Ray's own processes notice the
    # dead GCS within seconds, haproxy and the agents do not); tests/integration/test_leftovers.py
    # pins the ending itself. Here: the next start serves on the same ports, and nothing is left.
    restarted = start_serve(ports=ports)  # fails here if the dead run's haproxy still held a port
    try:
        assert not [item for item in find_leftovers() if item.owner == marker]
    finally:
        assert restarted.stop() == 0
    assert restarted.stop_s <= 10, f"SIGTERM to exit took {restarted.stop_s:.1f} s"
    leftover = ray_processes() - crashed.before
    assert not leftover, f"processes left behind: {sorted(leftover)}"


def test_a_sigterm_to_the_whole_process_group_still_drains_and_stops_within_10_s(ray_processes):
    """`timeout`, `kill -- -PGID` and supervisord's stopasgroup signal every process of the group. Ray's
    GCS and raylet end at once on SIGTERM, so they must not be in it (router/supervisor.py): the
    request in flight is answered to the end and the stop keeps its bound."""
    served = start_serve(own_group=True)
    body = {"model": "auto", "max_tokens": 48, "temperature": 0, "stream": True,
            "messages": [{"role": "user", "content": "Tell a short story about a ship."}]}
    try:
        with httpx.stream("POST", served.url + "/v1/chat/completions", json=body, timeout=60) as response:
            assert response.status_code == 200
            lines = response.iter_lines()
            assert next(line for line in lines if line.startswith("data: "))  # in flight now
            signalled = time.monotonic()
            os.killpg(served.proc.pid, signal.SIGTERM)
            rest = [line for line in lines if line]
        assert rest[-1] == "data: [DONE]", rest[-3:]  # answered to the end, not cut
    finally:
        assert served.stop() == 0  # already signalled: waits for the exit
    took = time.monotonic() - signalled
    assert took <= 10, f"SIGTERM to exit took {took:.1f} s"
    assert "stopped in" in "".join(served.output)
    leftover = ray_processes() - served.before
    assert not leftover, f"processes left behind: {sorted(leftover)}"
