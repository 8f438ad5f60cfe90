"""The request path after HTTP, in order: plan -> cache -> budget -> dispatch -> settle, store, record.

`Gateway` keeps only the order of the steps; each step is a module of its own: plan (parse,
classify, decide) router/pipeline.py, cache rules router/cache_plan.py, budget charges
router/charges.py, the fallback walk router/dispatch.py, stream relaying router/relay.py, usage
and cost router/accounting.py, spans and metrics router/telemetry.py. A request reads the policy
once (a reload mid-request does not change it). It knows nothing of Ray or FastAPI: router/http.py
adapts it to HTTP (and frames streams as SSE), router/app.py to Ray Serve; router/runtime.py builds it.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from backends.base import Backend
from router import accounting, charges, served
from router.served import Recording, Step
from router.telemetry import DEFAULT, Telemetry, health_gauges
from router.budget import Budgets, Hold
from router.cache import ResponseCache
from router.cache_plan import CachePlan, assembled, plan_cache, replay_chunks
from router.decide import Decision, ModelHealth
from router.dispatch import Dispatcher, Outcome
from router.errors import TurnoutError
from router.feedback import FeedbackStore, MemoryFeedback, record_of
from router.look import MediaLook
from router.health import HealthBoard
from router.pipeline import plan
from router.policy import CompiledPolicy
from router.policy_store import PolicyStore
from router.passthrough import CHAT, Via
from router.relay import Tally, relay, relay_events
from router.request import ChatRequest

_FORWARD_EXCLUDE = {"model", "stream", "stream_options"}


@dataclass
class Reply:
    """A finished answer: a JSON body, or an async iterator of chunk objects (the HTTP layer frames
    them as SSE and ends with `[DONE]`); headers either way."""

    headers: dict[str, str]
    body: dict[str, Any] | None = None
    stream: AsyncIterator[dict[str, Any]] | None = None
    status: int = 200
    native: bool = False  # body / stream are a Responses object / events, from a model that speaks them


def _include_usage(request: ChatRequest) -> bool:
    return bool(request.stream_options and request.stream_options.include_usage)


def _held(outcome: Outcome, fallback: float) -> float:
    """The answering attempt's wall clock so far (the replica time a local model was held)."""
    return time.perf_counter() - (outcome.answer_started or fallback)


class Gateway:
    """Built by router.runtime.build, which chooses every part."""

    def __init__(self, store: PolicyStore, backends: Mapping[str, Backend], *, cache: ResponseCache,
                 budgets: Budgets, board: HealthBoard, feedback: FeedbackStore | None = None,
                 look: MediaLook | None = None, telemetry: Telemetry | None = None) -> None:
        self.store, self.backends, self.board = store, dict(backends), board
        self.look = look or MediaLook(None)  # no reader: media that would leave are unreadable (fails closed)
        self.cache, self.budgets = cache, budgets
        self.feedback: FeedbackStore = feedback or MemoryFeedback()  # decisions by response id (/v1/feedback)
        self.telemetry = telemetry or DEFAULT
        self.telemetry.watch(self)

    def gauges(self) -> list[tuple[str, int, dict[str, str]]]:
        """Breaker states, local queue depths and live replicas (Telemetry's observable gauges)."""
        local = [m.id for m in self.store.current.spec.models if m.kind == "llamacpp"]
        return health_gauges(self.board, self.backends, local)

    @property
    def breakers(self):
        return self.board.breakers

    @property
    def health(self) -> dict[str, ModelHealth]:
        return self.board.snapshot

    def health_view(self) -> dict[str, ModelHealth]:
        return self.board.view()

    async def refresh_health(self) -> dict[str, ModelHealth]:
        return await self.board.refresh(self.backends)

    def route(self, payload: Any, headers: Mapping[str, str], tenant: str) -> Decision:
        """Dry-run: the decision, with every backend treated as healthy (POST /v1/route)."""
        return plan(self.store.current, payload, headers, tenant)[1]

    def dispatcher(self, policy: CompiledPolicy, decision: Decision, hold: Hold) -> Dispatcher:
        """Dispatch for one request: the policy's timeouts and retries, the request's budget hold."""
        defaults = policy.spec.defaults
        return Dispatcher(self.backends, total_timeout_s=defaults.timeouts.total_s,
                          first_token_timeout_s=defaults.timeouts.first_token_s,
                          on_result=lambda m, e: self.board.on_result(m, e, defaults.rate_limit_cooldown_max_s),
                          admit=charges.admit(hold, decision, self.budgets.clock),
                          retries=lambda model: policy.models[model].retries or defaults.retries)

    async def chat(self, payload: Any, headers: Mapping[str, str], tenant: str, *,
                   responses: dict[str, Any] | None = None, answer_id: str | None = None) -> Reply:
        """Serve one chat completion. Raises TurnoutError (with the OpenAI error shape) on failure.

        For POST /v1/responses, `payload` is the request's chat translation (planned and decided as
        chat) and `responses` its Responses body, which dispatch sends instead to the models marked
        `responses: native` (router/passthrough.py); `Reply.native` says when one of them answered.

        The request is recorded once in the Recording the HTTP layer opened (it emits when the last
        byte is gone); without one (a direct caller) in the gateway's own, emitted here, or by the
        stream's body when the stream ends.

        The answer's id is Turnout's own (`answer_id`, else a fresh `chatcmpl-<uuid>`), never the
        upstream's: upstreams may repeat ids, and the id is what POST /v1/feedback rates."""
        via = CHAT if responses is None else Via.responses(self.store.current, responses)
        with self.recording(via.operation, tenant) as rec:
            return await self._chat(rec, payload, {k.lower(): v for k, v in headers.items()}, tenant, via,
                                    answer_id or new_answer_id())

    @contextlib.contextmanager
    def recording(self, operation: str, tenant: str) -> Iterator[Recording]:
        """The request's Recording: the one the HTTP layer opened, else the gateway's own, emitted on the
        way out (a stream's by its body, when it ends). A TurnoutError on the way is recorded, and its
        response carries the headers rendered from the same record."""
        rec = served.current()
        if rec is None:
            rec = Recording(operation, owned=True)
        rec.tenant = tenant
        try:
            yield rec
        except TurnoutError as exc:
            rec.failed(exc)
            exc.headers.update({k: v for k, v in served.headers(rec.freeze()).items() if v})
            raise
        finally:
            if rec.owned and not rec.streamed:
                self.emit(rec)

    def emit(self, rec: Recording, http_status: int | None = None, span: Any = None) -> None:
        """Freeze and record `rec`, once (a request that never finished, cancelled, is not recorded)."""
        if rec.done or (rec.status is None and http_status is None):
            return
        rec.done = True
        self.telemetry.emit(rec.freeze(http_status), span)

    async def _chat(self, rec: Recording, payload: Any, headers: dict[str, str], tenant: str, via: Via,
                    answer_id: str) -> Reply:
        policy = self.store.current
        request, decision = plan(policy, payload, headers, tenant, self.health_view(), steps=rec.step)
        look_start = time.time_ns()
        decision, report = await self.look.review(policy, request, decision, self.health_view())
        if report.status != "skipped":
            rec.steps.append(Step("look", look_start, time.time_ns()))
        rec.decided(policy, decision)
        if decision.error is not None:
            raise decision.error
        cached = plan_cache(policy, decision, request, headers)
        rec.cache = cached.status
        if cached.read:
            with rec.step("cache"):
                hit = await self.cache.get(cached.key)
            if hit is not None:
                await self._remember(answer_id, decision, request, decision.model)
                return self._replay(rec, policy, decision, request, {**hit, "id": answer_id})
        hold = self.budgets.hold(policy.tenant(decision.profile.tenant), decision.profile.app)
        rerouted = await charges.reserve(hold, policy, decision, self.health_view(), self.budgets.clock)
        if rerouted is not decision:
            decision, cached = rerouted, plan_cache(policy, rerouted, request, headers)
            rec.decided(policy, decision)
        forward = request.model_dump(exclude=_FORWARD_EXCLUDE, exclude_none=True)
        if request.output_limit is None:
            forward["max_tokens"] = decision.profile.output_tokens
        if request.stream:
            return await self._stream(rec, policy, decision, request, forward, cached, hold, via, answer_id)
        try:
            response = await self.dispatcher(policy, decision, hold).complete(decision, forward, rec.outcome,
                                                                              call=via.call)
        except BaseException:  # failed or cancelled (client gone): nothing was spent that we can price
            await hold.settle(accounting.Charge())
            raise
        model, held, native = rec.outcome.model, _held(rec.outcome, rec.start_perf), via.serves(rec.outcome.model)
        if not native:  # a native Responses answer is presented under the Responses id
            response["id"] = answer_id
        usage = accounting.response_usage(response, decision, model)
        if not native:  # a Responses answer keeps the provider's own usage object
            response["usage"] = usage
        await hold.settle(accounting.actual(policy, model, usage, held))
        billed = accounting.Usage.of(usage)
        rec.settled(billed, accounting.bill(policy, decision, model, billed, held), 200)
        if cached.write and model == decision.model and not native:
            await self.cache.set(cached.key, response, decision.cache_ttl_s or 0)
        await self._remember(answer_id, decision, request, model)
        return Reply(served.headers(rec.freeze()), body=response, native=native)

    def _replay(self, rec: Recording, policy: CompiledPolicy, decision: Decision, request: ChatRequest,
                response: dict[str, Any]) -> Reply:
        """A cache hit: free, and saving what the answer would have cost on the reference model."""
        rec.cache = "hit"
        usage = accounting.Usage.of(response.get("usage"))
        rec.settled(usage, accounting.bill(policy, decision, decision.model, usage, 0.0, cache_hit=True), 200)
        headers = served.headers(rec.freeze())
        if not request.stream:
            return Reply(headers, body=response)

        async def replay() -> AsyncIterator[dict[str, Any]]:
            for chunk in replay_chunks(response, _include_usage(request)):
                yield chunk

        return self._recorded_stream(rec, replay(), headers)

    def _recorded_stream(self, rec: Recording, chunks: AsyncIterator[dict[str, Any]], headers: dict[str, str],
                         native: bool = False) -> Reply:
        """A stream whose end records the request (when the gateway owns the recording)."""
        rec.streamed = True

        async def body() -> AsyncIterator[dict[str, Any]]:
            try:
                async for chunk in chunks:
                    if rec.first_token_perf is None:
                        rec.first_token_perf = time.perf_counter()
                    yield chunk
            finally:
                if rec.owned:
                    self.emit(rec)

        return Reply(headers, stream=body(), native=native)

    async def _stream(self, rec: Recording, policy: CompiledPolicy, decision: Decision, request: ChatRequest,
                      forward: dict[str, Any], cached: CachePlan, hold: Hold, via: Via, answer_id: str) -> Reply:
        """Open the stream along the chain (falling back before the first chunk); the body relays it and,
        however it ends, settles the hold, stores a complete answer and records the request."""
        try:
            first, rest = await self.dispatcher(policy, decision, hold).open_stream(decision, forward, rec.outcome,
                                                                                    start=via.start)
        except BaseException:
            await hold.settle(accounting.Charge())
            raise
        model, outcome, native = rec.outcome.model, rec.outcome, via.serves(rec.outcome.model)
        answering = len(outcome.attempts) - 1
        headers = served.headers(rec.freeze(200), estimated_cost=accounting.estimated_cost(decision, model))
        if not native:  # a native Responses stream is given its id by router/passthrough.py
            first["id"] = answer_id
        await self._remember(answer_id, decision, request, model)

        async def body() -> AsyncIterator[dict[str, Any]]:
            tally = Tally()
            chunks = (relay_events(first, rest, model, decision, tally) if native
                      else relay(first, rest, model, decision, _include_usage(request), tally))
            try:
                async for chunk in chunks:
                    if "id" in chunk and not native:  # every chunk of one answer carries its id (not errors)
                        chunk["id"] = answer_id
                    yield chunk
            finally:
                # A stream cut short (upstream error, client gone) reports no usage: the reservation
                # stands as its charge, since the upstream may have billed what it generated.
                held = _held(outcome, rec.start_perf)
                if tally.usage is not None or policy.models[model].location == "local":
                    await hold.settle(accounting.actual(policy, model, tally.usage, held))
                if cached.write and not native and tally.status == 200 and model == decision.model and tally.usage:
                    await self.cache.set(cached.key, assembled(first, model, tally.content, tally.finish, tally.usage),
                                         decision.cache_ttl_s or 0)
                attempt = outcome.attempts[answering]
                outcome.attempts[answering] = replace(attempt, latency_s=held, first_token_s=attempt.latency_s)
                usage = accounting.Usage.of(tally.usage)
                rec.settled(usage, accounting.bill(policy, decision, model, usage, held), tally.status)

        return self._recorded_stream(rec, body(), headers, native)

    async def _remember(self, answer_id: str, decision: Decision, request: ChatRequest, model: str | None) -> None:
        """Keep the served decision's features under the answer's id (the hook POST /v1/feedback needs)."""
        await self.feedback.remember(record_of(answer_id, decision, request, model))


def new_answer_id() -> str:
    """A chat completion id unique to one answer (Turnout's, not the upstream's)."""
    return f"chatcmpl-{uuid.uuid4().hex}"
