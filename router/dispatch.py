"""Acts on a Decision: sends the request along the decision's chain and nowhere else.

Dispatch never picks a model: it walks `decision.chain` (chosen model, then fallbacks — all cleared
for the request's data class by decide) and stops at the first answer. It falls back on failures
the next model may not repeat (timeouts, 429, 5xx, refused connections, malformed answers, a
context window too small) and stops on errors the request itself causes (400). Streams fall back
only before their first chunk reaches the caller.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from backends.base import (Backend, BackendBadRequest, BackendError, BackendProtocolError, BackendTimeout,
                           ContextWindowExceeded, to_router_error)
from router.decide import Decision
from router.errors import TurnoutError, UpstreamTimeout, UpstreamUnavailable


@dataclass(frozen=True, slots=True)
class Attempt:
    model: str
    outcome: str  # "ok" or the error class name
    latency_s: float
    detail: str = ""

    def render(self) -> str:
        text = f"attempt {self.model}: {self.outcome} in {self.latency_s * 1000:.0f} ms"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass
class Outcome:
    """What dispatch did: the model that answered (if any) and every attempt on the way."""

    model: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    answer_started: float | None = None  # perf_counter() when the answering attempt began


Admit = Callable[[str], Awaitable[TurnoutError | None]]


async def _admit_all(model: str) -> TurnoutError | None:
    return None


def _falls_back(exc: BackendError) -> bool:
    return isinstance(exc, ContextWindowExceeded) or not isinstance(exc, BackendBadRequest)


class Dispatcher:
    """Sends requests to backends. `on_result(model_id, ok)` is told every attempt's outcome
    (the circuit breakers and health listen there)."""

    def __init__(self, backends: Mapping[str, Backend], *, total_timeout_s: float = 120.0,
                 first_token_timeout_s: float = 30.0,
                 on_result: Callable[[str, bool], None] | None = None, admit: Admit = _admit_all) -> None:
        self.backends = backends
        self.admit = admit
        self.total_timeout_s = total_timeout_s
        self.first_token_timeout_s = first_token_timeout_s
        self.on_result = on_result or (lambda model, ok: None)

    async def _running(self, decision: Decision, outcome: Outcome,
                       refused: list[TurnoutError]) -> AsyncIterator[tuple[str, Backend]]:
        """The decision's chain, in order, skipping (and recording) models with no backend running and
        models `admit` turns down (e.g. a fallback the tenant's budget cannot cover)."""
        for model in decision.chain:
            backend = self.backends.get(model)
            if backend is None:
                outcome.attempts.append(Attempt(model, "NotRunning", 0.0, "no backend loaded"))
                continue
            refusal = await self.admit(model)
            if refusal is not None:
                outcome.attempts.append(Attempt(model, type(refusal).__name__, 0.0, refusal.message))
                refused.append(refusal)
                continue
            yield model, backend

    def _record(self, outcome: Outcome, model: str, started: float, error: BaseException | None) -> None:
        latency = time.perf_counter() - started
        if error is None:
            outcome.attempts.append(Attempt(model, "ok", latency))
        else:
            detail = getattr(error, "message", str(error))
            outcome.attempts.append(Attempt(model, type(error).__name__, latency, detail))
        self.on_result(model, error is None)

    @staticmethod
    def _final_error(outcome: Outcome, last: BackendError | None, refused: list[TurnoutError]) -> TurnoutError:
        if last is None and refused:
            return refused[0]
        if last is None:
            return UpstreamUnavailable("no backend is running for any model this request may use: "
                                       + "; ".join(a.render() for a in outcome.attempts), headers={"retry-after": "5"})
        error = to_router_error(last)
        if len(outcome.attempts) > 1:
            error.message = f"{error.message} (after {len(outcome.attempts)} attempts: " \
                            + "; ".join(a.render() for a in outcome.attempts) + ")"
        return error

    async def complete(self, decision: Decision, request: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
        """The first successful completion along the chain; TurnoutError when every model failed.

        The request's total deadline is shared out: each attempt but the last gets the remaining time
        divided by the models still to try, so a model that hangs leaves its fallbacks time to answer.
        """
        last: BackendError | None = None
        refused: list[TurnoutError] = []
        deadline = time.perf_counter() + self.total_timeout_s
        left = sum(1 for model in decision.chain if model in self.backends)
        deadline_passed = False
        async for model, backend in self._running(decision, outcome, refused):
            started = time.perf_counter()
            remaining = deadline - started
            if remaining <= 0:
                deadline_passed = True
                break
            budget = remaining / max(1, left)
            left -= 1
            try:
                response = await asyncio.wait_for(backend.complete(request), timeout=budget)
            except asyncio.TimeoutError:
                last = BackendTimeout(model, f"no answer within its {budget:.1f} s share of the "
                                             f"{self.total_timeout_s:.0f} s deadline", phase="total")
                self._record(outcome, model, started, last)
                continue
            except BackendError as exc:
                self._record(outcome, model, started, exc)
                last = exc
                if not _falls_back(exc):
                    break
                continue
            self._record(outcome, model, started, None)
            outcome.model, outcome.answer_started = model, started
            response["model"] = model
            return response
        if last is None and deadline_passed:
            raise UpstreamTimeout(f"request deadline of {self.total_timeout_s:.0f} s passed")
        raise self._final_error(outcome, last, refused)

    async def open_stream(self, decision: Decision, request: dict[str, Any],
                          outcome: Outcome) -> tuple[dict[str, Any], AsyncIterator[dict[str, Any]]]:
        """Start a stream along the chain: returns (first chunk, the rest). Falls back only before the
        first chunk; TurnoutError when no model produced one."""
        last: BackendError | None = None
        refused: list[TurnoutError] = []
        async for model, backend in self._running(decision, outcome, refused):
            started = time.perf_counter()
            iterator = backend.stream(request)
            try:
                first = await asyncio.wait_for(anext(iterator), timeout=self.first_token_timeout_s)
            except asyncio.TimeoutError:
                await _close(iterator)
                exc: BackendError = BackendTimeout(model, f"no first token within {self.first_token_timeout_s:.0f} s",
                                                   phase="first_token")
                self._record(outcome, model, started, exc)
                last = exc
                continue
            except BackendError as exc:
                await _close(iterator)
                self._record(outcome, model, started, exc)
                last = exc
                if not _falls_back(exc):
                    break
                continue
            except StopAsyncIteration:
                exc = BackendProtocolError(model, "stream ended before any chunk")
                self._record(outcome, model, started, exc)
                last = exc
                continue
            self._record(outcome, model, started, None)
            outcome.model, outcome.answer_started = model, started
            return first, iterator
        raise self._final_error(outcome, last, refused)


async def _close(iterator: AsyncIterator[Any]) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        try:
            await aclose()
        except Exception:  # closing a failed upstream must not mask the original error
            pass

