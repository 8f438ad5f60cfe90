"""Gateways for integration tests, wired by the composition root the server uses (router.runtime.build)."""

from __future__ import annotations

import time
from collections.abc import Callable
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
