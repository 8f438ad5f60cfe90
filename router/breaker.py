"""Circuit breakers, one per model: stop sending work to a model that keeps failing.

    closed --(N consecutive failures, or error rate >= R over >= M calls in the window)--> open
    open --(cool-down elapsed)--> half-open: the next request is a probe
    half-open --probe ok--> closed        half-open --probe fails--> open (cool-down restarts)

Dispatch reports every attempt; decide sees open breakers as unavailable models (via `health`),
so an open model is skipped exactly like a down one — and never in a way that changes which
models a request is cleared for.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BreakerConfig:
    consecutive_failures: int = 5
    error_rate: float = 0.5
    min_calls: int = 10
    window_s: float = 30.0
    cooldown_s: float = 15.0


@dataclass
class CircuitBreaker:
    config: BreakerConfig
    state: str = "closed"  # closed | open | half_open
    opened_at: float = 0.0
    consecutive: int = 0
    calls: deque = field(default_factory=deque)  # (time, ok)

    def _trim(self, now: float) -> None:
        while self.calls and self.calls[0][0] < now - self.config.window_s:
            self.calls.popleft()

    def record(self, ok: bool, now: float) -> None:
        self.calls.append((now, ok))
        self._trim(now)
        if ok:
            self.consecutive = 0
            if self.state == "half_open":
                self.state, self.calls = "closed", deque()
            return
        self.consecutive += 1
        failures = sum(1 for _, good in self.calls if not good)
        rate_tripped = len(self.calls) >= self.config.min_calls and failures / len(self.calls) >= self.config.error_rate
        if self.state == "half_open" or self.consecutive >= self.config.consecutive_failures or rate_tripped:
            self.state, self.opened_at = "open", now

    def current(self, now: float) -> str:
        """The state now; an open breaker past its cool-down turns half-open (lets a probe through)."""
        if self.state == "open" and now - self.opened_at >= self.config.cooldown_s:
            self.state = "half_open"
        return self.state


class Breakers:
    """All models' breakers. `record` is dispatch's `on_result`; `open_models` feeds health."""

    def __init__(self, config: BreakerConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.clock = clock
        self._by_model: dict[str, CircuitBreaker] = {}
        self._cooling: dict[str, float] = {}  # model -> clock() until which an upstream asked us to wait

    def _get(self, model: str) -> CircuitBreaker:
        breaker = self._by_model.get(model)
        if breaker is None:
            breaker = self._by_model[model] = CircuitBreaker(self.config)
        return breaker

    def record(self, model: str, ok: bool) -> None:
        self._get(model).record(ok, self.clock())

    def cool_down(self, model: str, seconds: float) -> None:
        """Skip `model` for `seconds` (an upstream's Retry-After), whatever its breaker says."""
        until = self.clock() + seconds
        if until > self._cooling.get(model, 0.0):
            self._cooling[model] = until

    def open_models(self) -> dict[str, str]:
        """Models whose breaker is open now, with why (for health, /readyz and metrics)."""
        now = self.clock()
        out = {}
        for model, breaker in self._by_model.items():
            if breaker.current(now) == "open":
                wait = self.config.cooldown_s - (now - breaker.opened_at)
                out[model] = f"circuit open after repeated failures; probing again in {wait:.0f} s"
        for model, until in list(self._cooling.items()):
            if until <= now:
                del self._cooling[model]
            elif model not in out:
                out[model] = f"rate limited by upstream; Retry-After ends in {until - now:.0f} s"
        return out

    def recorded(self, model: str) -> int:
        """Attempts on `model` still in its window (what the breaker judges by)."""
        return len(self._get(model).calls)

    def states(self) -> dict[str, str]:
        now = self.clock()
        return {model: breaker.current(now) for model, breaker in self._by_model.items()}
