"""Acts on a Decision: sends the request along the decision's chain and nowhere else.

Dispatch never picks a model: it walks `decision.chain` (chosen model, then fallbacks — all cleared
for the request's data class by decide) and stops at the first answer. It falls back on failures
the next model may not repeat (timeouts, 429, 5xx, refused connections, malformed answers, a
context window too small) and stops on errors the request itself causes (400). Streams fall back
only before the first chunk that carries part of the answer: until then nothing has reached the caller.

Where the policy allows (`retries`, per model or in defaults), a transient failure is retried on
the same model first, after a jittered exponential backoff — or after the upstream's Retry-After
when a 429 gives one no longer than `max_retry_after_s`. Every wait stays inside the model's share
of the request's total deadline; a retry that would not fit is not made.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from backends.base import (Backend, BackendBadRequest, BackendError, BackendProtocolError, BackendRateLimited,
                           BackendTimeout, BackendUnavailable, ContextWindowExceeded, opening)
from router.decide import Decision
from router.errors import TurnoutError, UpstreamTimeout, UpstreamUnavailable
from router.policy import RetrySpec
from router.upstream import to_router_error

NO_RETRIES = RetrySpec()
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Attempt:
    model: str
    outcome: str  # "ok" or the error class name
    latency_s: float  # the attempt's wall time (a stream's answering attempt: to its last chunk)
    detail: str = ""
    started_ns: int = 0  # wall clock when it was sent; 0: never sent (no backend, refused by the budget)
    first_token_s: float | None = None  # streams: from sending to the first chunk with content

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
# What dispatch asks of each model's backend: one answer, or a stream. The default is chat's; a
# /v1/responses request passes its own, which speaks Responses to models that take it (router/passthrough.py).
Call = Callable[[Backend, dict[str, Any]], Awaitable[dict[str, Any]]]
Start = Callable[[Backend, dict[str, Any]], AsyncIterator[dict[str, Any]]]


def chat_call(backend: Backend, request: dict[str, Any]) -> Awaitable[dict[str, Any]]:
    return backend.complete(request)


def chat_open(backend: Backend, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    return backend.stream(request)


async def _admit_all(model: str) -> TurnoutError | None:
    return None


def _falls_back(exc: BackendError) -> bool:
    return isinstance(exc, ContextWindowExceeded) or not isinstance(exc, BackendBadRequest)


def _transient(exc: BackendError) -> bool:
    """The one retry rule: may the same request succeed on the same model a moment later?"""
    if isinstance(exc, BackendUnavailable):
        return exc.transient
    if isinstance(exc, BackendTimeout):
        return exc.phase == "connect"
    return isinstance(exc, (BackendRateLimited, BackendProtocolError))


def retry_wait(exc: BackendError, spec: RetrySpec, retries_done: int, time_left: float,
               rng: Callable[[float, float], float] = random.uniform) -> float | None:
    """Seconds to wait before trying the same model again, or None to move on.

    Backoff is "full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in
    [0, min(max_backoff, backoff * 2^n)], so retries from many requests do not arrive in step. A 429's
    Retry-After is honoured exactly (plus up to 10% jitter) when it is at most `max_retry_after_s`.
    """
    if retries_done >= spec.attempts or not _transient(exc):
        return None
    retry_after = exc.retry_after if isinstance(exc, BackendRateLimited) else None
    if retry_after is not None:
        if retry_after > spec.max_retry_after_s:
            return None
        wait = retry_after + rng(0.0, 0.1 * retry_after)
    else:
        wait = rng(0.0, min(spec.max_backoff_s, spec.backoff_s * 2 ** retries_done))
    return wait if wait < time_left else None


class Dispatcher:
    """Sends requests to backends. `on_result(model_id, error or None)` is told every attempt's
    outcome (the circuit breakers and rate-limit cool-downs listen there); `retries(model_id)` says
    how a model may be retried."""

    def __init__(self, backends: Mapping[str, Backend], *, total_timeout_s: float = 120.0,
                 first_token_timeout_s: float = 30.0,
                 on_result: Callable[[str, BackendError | None], None] | None = None, admit: Admit = _admit_all,
                 retries: Callable[[str], RetrySpec] = lambda model: NO_RETRIES) -> None:
        self.backends = backends
        self.admit = admit
        self.retries = retries
        self.total_timeout_s = total_timeout_s
        self.first_token_timeout_s = first_token_timeout_s
        self.on_result = on_result or (lambda model, error: None)

    async def _admitted(self, model: str, outcome: Outcome, refused: list[TurnoutError]) -> Backend | None:
        """`model`'s backend, or None (recorded as an attempt) when none is running or `admit` turns the
        model down (e.g. a fallback the tenant's budget cannot cover). A plain coroutine, not an async
        generator: one left unfinished would be closed by a task of its own (and a loop wake-up) per request."""
        backend = self.backends.get(model)
        if backend is None:
            outcome.attempts.append(Attempt(model, "NotRunning", 0.0, "no backend loaded"))
            return None
        refusal = await self.admit(model)
        if refusal is not None:
            outcome.attempts.append(Attempt(model, type(refusal).__name__, 0.0, refusal.message))
            refused.append(refusal)
            return None
        return backend

    def _record(self, outcome: Outcome, model: str, started: float, started_ns: int,
                error: BaseException | None) -> None:
        latency = time.perf_counter() - started
        if error is None:
            outcome.attempts.append(Attempt(model, "ok", latency, started_ns=started_ns))
        else:
            detail = getattr(error, "message", str(error))
            outcome.attempts.append(Attempt(model, type(error).__name__, latency, detail, started_ns=started_ns))
        self.on_result(model, error)

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

    async def _walk(self, decision: Decision, outcome: Outcome,
                    attempt: Callable[[str, Backend, float], Awaitable[T]]) -> T:
        """Try the chain in order until `attempt(model, backend, seconds)` returns; TurnoutError when
        every model failed (or was refused, or the deadline passed).

        The request's total deadline is shared out: each model but the last gets the remaining time
        divided by the models still to try (its retries included), so a model that hangs leaves its
        fallbacks time to answer.
        """
        last: BackendError | None = None
        refused: list[TurnoutError] = []
        deadline = time.perf_counter() + self.total_timeout_s
        left = sum(1 for model in decision.chain if model in self.backends)
        for model in decision.chain:  # skipping models with no backend running or that admit refuses
            backend = await self._admitted(model, outcome, refused)
            if backend is None:
                continue
            now = time.perf_counter()
            if deadline - now <= 0:
                if last is None:
                    raise UpstreamTimeout(f"request deadline of {self.total_timeout_s:.0f} s passed")
                break
            model_deadline = now + (deadline - now) / max(1, left)
            left -= 1
            retries = self.retries(model)
            for tries in range(retries.attempts + 1):
                started, started_ns = time.perf_counter(), time.time_ns()
                try:
                    answer = await attempt(model, backend, model_deadline - started)
                except BackendError as exc:
                    self._record(outcome, model, started, started_ns, exc)
                    last = exc
                    if not _falls_back(exc):
                        raise self._final_error(outcome, last, refused) from None
                    wait = retry_wait(exc, retries, tries, model_deadline - time.perf_counter())
                    if wait is None:
                        break
                    await asyncio.sleep(wait)
                    continue
                self._record(outcome, model, started, started_ns, None)
                outcome.model, outcome.answer_started = model, started
                return answer
        raise self._final_error(outcome, last, refused)

    async def complete(self, decision: Decision, request: dict[str, Any], outcome: Outcome, *,
                       call: Call = chat_call) -> dict[str, Any]:
        """The first successful answer along the chain (`call(backend, request)` for each model: a chat
        completion by default); TurnoutError when every model failed."""

        async def attempt(model: str, backend: Backend, seconds: float) -> dict[str, Any]:
            try:
                async with asyncio.timeout(seconds):  # in this task: no task per attempt, as wait_for made
                    response = await call(backend, request)
            except TimeoutError:
                raise BackendTimeout(model, f"no answer within its {seconds:.1f} s share of the "
                                            f"{self.total_timeout_s:.0f} s deadline", phase="total") from None
            response["model"] = model
            return response

        return await self._walk(decision, outcome, attempt)

    async def embed(self, decision: Decision, request: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
        """The first successful embeddings answer along the chain (a model whose backend cannot embed is
        skipped as unavailable); TurnoutError when every model failed."""

        async def attempt(model: str, backend: Backend, seconds: float) -> dict[str, Any]:
            embed = getattr(backend, "embed", None)
            if embed is None:
                raise BackendUnavailable(model, "its backend serves chat only (no embeddings loaded)")
            try:
                async with asyncio.timeout(seconds):
                    return await embed(request)
            except TimeoutError:
                raise BackendTimeout(model, f"no embeddings within its {seconds:.1f} s share of the "
                                            f"{self.total_timeout_s:.0f} s deadline", phase="total") from None

        return await self._walk(decision, outcome, attempt)

    async def open_stream(self, decision: Decision, request: dict[str, Any], outcome: Outcome, *,
                          start: Start = chat_open) -> tuple[list[dict[str, Any]], AsyncIterator[dict[str, Any]]]:
        """Start a stream along the chain (`start(backend, request)` for each model: chat chunks by
        default): returns (head, the rest), `head` the chunks up to and including the first that carries
        part of the answer (a chat stream's opening role chunk is read past: `backends.base.opening`), or
        every chunk when the stream ended first. Falls back (or retries, as the policy allows) only before
        the head is read, which each model must send within `first_token_timeout_s` and its share of the
        deadline; TurnoutError when no model sent one."""

        async def attempt(model: str, backend: Backend,
                          seconds: float) -> tuple[list[dict[str, Any]], AsyncIterator[dict[str, Any]]]:
            wait = min(self.first_token_timeout_s, seconds)
            iterator = start(backend, request)
            try:
                async with asyncio.timeout(wait):
                    return await _head(iterator), iterator
            except TimeoutError:
                await aclose(iterator)
                raise BackendTimeout(model, f"no first token within {wait:.1f} s", phase="first_token") from None
            except StopAsyncIteration:
                raise BackendProtocolError(model, "stream ended before any chunk") from None
            except BaseException:
                await aclose(iterator)
                raise

        return await self._walk(decision, outcome, attempt)


async def _head(iterator: AsyncIterator[dict[str, Any]]) -> list[dict[str, Any]]:
    """A stream's chunks up to and including the first that is not an opening (all, if it ends first);
    StopAsyncIteration for a stream with no chunk at all."""
    head = [await anext(iterator)]
    while opening(head[-1]):
        chunk = await anext(iterator, None)
        if chunk is None:
            break
        head.append(chunk)
    return head


async def aclose(iterator: Any) -> None:
    """Close an async iterator if it can be; a failure to close must not mask how the stream ended."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        try:
            await close()
        except Exception:
            pass
