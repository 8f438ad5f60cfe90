"""Gateways for integration tests, wired by the composition root the server uses (router.runtime.build)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from router.gateway import Gateway
from router.runtime import build
from router.settings import Settings


def gateway_for(policy: Path, llama_engine: Any = None, *, clock: Callable[[], float] = time.monotonic,
                **settings: Any) -> Gateway:
    """What `turnout serve` builds for the policy file `policy` (real cloud backends from the registry),
    with the session's llama.cpp engine serving every local model (a dict: engines by model id) — or,
    when there is none for a model, no backend for it at all (a crashed replica)."""
    engines = llama_engine if isinstance(llama_engine, dict) else None
    gateway = build(Settings(policy=policy, **settings), clock=clock,
                    local=lambda model: engines.get(model.id) if engines is not None else llama_engine)
    for model_id in [m for m, backend in gateway.backends.items() if backend is None]:
        del gateway.backends[model_id]
    return gateway


class ManualClock:
    """A monotonic clock that moves only when a test says so (breakers, Redis outage pauses)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextlib.asynccontextmanager
async def served(gateway: Gateway) -> AsyncIterator[str]:
    """The app over `gateway` on a real loopback socket (uvicorn in this event loop), for clients that
    open their own connections (litellm); yields the base URL, e.g. http://127.0.0.1:PORT."""
    import uvicorn

    from router.http import create_app

    await gateway.refresh_health()
    server = uvicorn.Server(uvicorn.Config(create_app(gateway), host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
