"""Streamed answers, after the gateway opened them: a live stream relayed from the answering model,
and a cache hit replayed as chunks.

However a live stream ends (finished, cut upstream, the client gone) its end settles the budget
hold, stores a complete answer in the cache and completes the request's record: when its body ends,
or, for the HTTP layer (`deferred`), in `Reply.after` once `[DONE]` has gone. When the gateway owns
the recording, the body's end emits it. The HTTP layer frames the chunks as SSE (router/http.py).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from backends.base import opening
from router import accounting
from router.budget import Hold
from router.cache import ResponseCache
from router.cache_plan import CachePlan, assembled, replay_chunks
from router.decide import Decision
from router.dispatch import aclose
from router.policy import CompiledPolicy
from router.relay import Tally, relay, relay_events
from router.request import ChatRequest
from router.served import Recording

Chunks = AsyncIterator[dict[str, Any]]


@dataclass
class Reply:
    """A finished answer: a JSON body, or an async iterator of chunk objects (the HTTP layer frames
    them as SSE and ends with `[DONE]`); headers either way."""

    headers: dict[str, str]
    body: dict[str, Any] | None = None
    stream: Chunks | None = None
    status: int = 200
    native: bool = False  # body / stream are a Responses object / events, from a model that speaks them
    # What an answer leaves undone for its sender to await once the answer has gone, `[DONE]` included
    # (the budget settlement, the cache store; a stream's record settlement: Gateway.chat's `deferred`).
    after: Callable[[], Awaitable[None]] | None = None


def include_usage(request: ChatRequest) -> bool:
    return bool(request.stream_options and request.stream_options.include_usage)


def recorded(rec: Recording, chunks: Chunks, headers: dict[str, str], finish: Callable[[Recording], None],
             native: bool = False) -> Reply:
    """A stream whose end records the request (`finish`, when the gateway owns the recording)."""
    rec.streamed = True

    async def body() -> Chunks:
        try:
            async for chunk in chunks:
                if rec.first_token_perf is None:
                    rec.first_token_perf = time.perf_counter()
                yield chunk
        finally:
            await aclose(chunks)  # a stream cut short settles (its own `finally`) before it is recorded
            if rec.owned:
                finish(rec)

    return Reply(headers, stream=body(), native=native)


def replayed(rec: Recording, response: dict[str, Any], request: ChatRequest, headers: dict[str, str],
             finish: Callable[[Recording], None]) -> Reply:
    """A cache hit for a streaming request, as the chunks of the stored answer."""

    async def replay() -> Chunks:
        for chunk in replay_chunks(response, include_usage(request)):
            yield chunk

    return recorded(rec, replay(), headers, finish)


@dataclass(frozen=True)
class Live:
    """What a live stream's end needs: where the answer is priced, stored and recorded."""

    policy: CompiledPolicy
    decision: Decision
    request: ChatRequest
    cached: CachePlan
    hold: Hold
    cache: ResponseCache
    native: bool  # a Responses event stream, from a model that speaks Responses natively
    answer_id: str
    # Keeps the served decision under the answer's id for POST /v1/feedback (Gateway._remember): done once
    # the first chunk that carries part of the answer (and tells the client that id) has gone, with any
    # opening chunk before it, so it never delays the first byte.
    remember: Callable[[], Awaitable[None]]


def relayed(rec: Recording, live: Live, head: list[dict[str, Any]], rest: Chunks, headers: dict[str, str],
            finish: Callable[[Recording], None], deferred: bool = False) -> Reply:
    """Relay the answering model's stream (its head already read: Dispatcher.open_stream) under Turnout's
    answer id.

    Its end (settle the hold, store the answer, complete the record) runs when the stream ends, or,
    `deferred`, is left to `Reply.after` for the sender to await once the last event (`[DONE]`) has gone."""
    policy, decision, model, outcome = live.policy, live.decision, rec.outcome.model, rec.outcome
    answering = len(outcome.attempts) - 1
    first = head[0]
    if not live.native:  # a native Responses stream is given its id by router/passthrough.py
        first["id"] = live.answer_id
    tally = Tally()

    async def end() -> None:
        await aclose(rest)  # already closed by the relay, unless the stream was never read
        # A stream cut short (upstream error, client gone) reports no usage: the reservation
        # stands as its charge, since the upstream may have billed what it generated.
        held = rec.held()
        if tally.usage is not None or policy.models[model].location == "local":
            await live.hold.settle(accounting.actual(policy, model, tally.usage, held))
        if (live.cached.write and not live.native and tally.status == 200 and model == decision.model
                and tally.usage):
            await live.cache.set(live.cached.key, assembled(first, model, tally.content, tally.finish, tally.usage),
                                 decision.cache_ttl_s or 0)
        attempt = outcome.attempts[answering]
        outcome.attempts[answering] = replace(attempt, latency_s=held, first_token_s=attempt.latency_s)
        usage = accounting.Usage.of(tally.usage)
        rec.settled(usage, accounting.bill(policy, decision, model, usage, held), tally.status)

    async def body() -> Chunks:
        chunks = (relay_events(head, rest, model, decision, tally) if live.native
                  else relay(head, rest, model, decision, include_usage(live.request), tally))
        remembered = False
        try:
            async for chunk in chunks:
                if "id" in chunk and not live.native:  # every chunk of one answer carries its id (not errors)
                    chunk["id"] = live.answer_id
                yield chunk
                if not remembered and not opening(chunk):  # the opening goes with the next chunk (http_io.send_sse)
                    remembered = True
                    await live.remember()
        finally:
            await aclose(chunks)
            if not remembered:  # the stream ended before its first chunk went (the client gone, say)
                await live.remember()
            if not deferred:
                await end()

    reply = recorded(rec, body(), headers, finish, live.native)
    reply.after = end if deferred else None
    return reply
