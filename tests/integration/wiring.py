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
    with the session's llama.cpp engine serving every local model — or, when `llama_engine` is None,
    no backend for them at all (a crashed replica)."""
    gateway = build(Settings(policy=policy, **settings), local=lambda model: llama_engine, clock=clock)
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
