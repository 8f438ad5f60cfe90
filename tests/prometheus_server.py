"""A real Prometheus (Debian `prometheus`, installed when missing) scraping loopback targets every second.

`Prometheus(targets, workdir)` writes a one-job configuration, starts the server on a free loopback
port with its storage in `workdir`, and answers PromQL through the HTTP API (`query`, `wait_for`).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from media_samples import ensure_tool

SCRAPE_INTERVAL_S = 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def promtool() -> str:
    ensure_tool("prometheus", "prometheus")
    return ensure_tool("promtool", "prometheus")


class Prometheus:
    def __init__(self, targets: list[str], workdir: Path, job: str = "turnout") -> None:
        self.binary = ensure_tool("prometheus", "prometheus")
        self.workdir = workdir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "prometheus.yml"
        self.config.write_text(yaml.safe_dump({
            "global": {"scrape_interval": f"{SCRAPE_INTERVAL_S}s", "evaluation_interval": f"{SCRAPE_INTERVAL_S}s"},
            "scrape_configs": [{"job_name": job, "scrape_interval": f"{SCRAPE_INTERVAL_S}s",
                                "scrape_timeout": f"{SCRAPE_INTERVAL_S}s", "static_configs": [{"targets": targets}]}],
        }), encoding="utf-8")
        self.log = workdir / "prometheus.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Prometheus:
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [self.binary, f"--config.file={self.config}", f"--storage.tsdb.path={self.workdir / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn",
                 "--web.enable-lifecycle", "--storage.tsdb.retention.time=1h"],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        with httpx.Client(timeout=1) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"prometheus exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
                try:
                    if http.get(f"{self.url}/-/ready").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        raise TimeoutError(f"prometheus not ready within 30 s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    async def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """The instant vector `expr` evaluates to (now, or at unix time `at`); AssertionError on a PromQL error."""
        params = {"query": expr, **({"time": f"{at:.3f}"} if at is not None else {})}
        async with httpx.AsyncClient(timeout=10) as http:
            reply = (await http.get(f"{self.url}/api/v1/query", params=params)).json()
        assert reply.get("status") == "success", f"{expr}: {reply.get('errorType')}: {reply.get('error')}"
        assert reply["data"]["resultType"] == "vector", f"{expr}: {reply['data']['resultType']}, not a vector"
        return reply["data"]["result"]

    async def wait_for(self, expr: str, done: Callable[[list[dict[str, Any]]], bool], timeout_s: float = 30) -> list:
        """Poll `expr` until `done(result)`; the result. TimeoutError with the last result otherwise."""
        deadline = time.monotonic() + timeout_s
        while True:
            result = await self.query(expr)
            if done(result):
                return result
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expr} -> {result} after {timeout_s} s")
            await asyncio.sleep(0.2)


def value(result: list[dict[str, Any]]) -> float:
    """The single value of a one-series result (0 when empty)."""
    assert len(result) <= 1, result
    return float(result[0]["value"][1]) if result else 0.0
