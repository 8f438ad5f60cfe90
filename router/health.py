"""What decide reads as `health`: the backends' last answers, open circuit breakers and models with
no backend at all, in one snapshot.

Dispatch reports every attempt here (`on_result`), which feeds the model's circuit breaker and
honours a 429's Retry-After for the requests that follow (up to the policy's cap).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from backends.base import Backend, BackendError
from router.breaker import Breakers
from router.decide import ModelHealth

__all__ = ["HealthBoard"]


class HealthBoard:
    """`unavailable`: models that cannot run here at all (e.g. an optional GGUF that is missing), with why."""

    def __init__(self, breakers: Breakers, unavailable: Mapping[str, str] | None = None) -> None:
        self.breakers = breakers
        self.unavailable: dict[str, str] = dict(unavailable or {})
        self.snapshot: dict[str, ModelHealth] = {}

    def view(self) -> dict[str, ModelHealth]:
        """The last snapshot with open circuit breakers marked unavailable."""
        open_models = self.breakers.open_models()
        if not open_models:
            return self.snapshot
        view = dict(self.snapshot)
        for model, why in open_models.items():
            view[model] = ModelHealth(False, detail=why)
        return view

    async def refresh(self, backends: Mapping[str, Backend]) -> dict[str, ModelHealth]:
        """Ask every backend (cheap, never raises) and publish the snapshot; returns `view()`."""
        snapshot = {m: ModelHealth(False, detail=why) for m, why in self.unavailable.items()}
        results = await asyncio.gather(*(b.health() for b in backends.values()))
        for model_id, state in zip(backends, results):
            saturated = state.free_slots is not None and state.free_slots <= 0
            snapshot[model_id] = ModelHealth(state.available, saturated, state.queue_depth, state.detail)
        self.snapshot = snapshot
        return self.view()

    def on_result(self, model: str, error: BackendError | None, cooldown_max_s: float) -> None:
        """One attempt's outcome: the breaker counts it; a 429's Retry-After cools the model down."""
        self.breakers.record(model, error is None)
        retry_after = getattr(error, "retry_after", None)
        if retry_after and cooldown_max_s > 0:
            self.breakers.cool_down(model, min(retry_after, cooldown_max_s))
