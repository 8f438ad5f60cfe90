"""The request path after HTTP, in order: plan -> cache -> budget -> dispatch -> settle, store, record.

`Gateway` keeps only the order of the steps; each step is a module of its own: plan (parse,
classify, decide) router/pipeline.py, cache rules router/cache_plan.py, budget charges
router/charges.py, the fallback walk router/dispatch.py, stream relaying router/relay.py, usage
and cost router/accounting.py, spans and metrics router/telemetry.py. A request reads the policy
once (a reload mid-request does not change it). It knows nothing of Ray or FastAPI: router/http.py
adapts it to HTTP (and frames streams as SSE), router/app.py to Ray Serve; router/runtime.py builds it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from backends.base import Backend
from router import accounting, charges, telemetry
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
    them as SSE and ends with `[DONE]`); headers either way. A /v1/responses request answered by a model
    marked `responses: native` gets the provider's Responses object or events instead (`native`)."""

    headers: dict[str, str]
    body: dict[str, Any] | None = None
    stream: AsyncIterator[dict[str, Any]] | None = None
    status: int = 200
    native: bool = False  # body / stream are a Responses object / events, from a model that speaks them


@dataclass
class _Request:
    """One request on its way: what was decided, what happened, and what gets recorded (once)."""

    policy: CompiledPolicy
    decision: Decision
    request: ChatRequest
    outcome: Outcome = field(default_factory=Outcome)
    cache: str = "bypass"
    cost: float = 0.0
    usage: dict[str, Any] | None = None
    status: int | None = None  # set when the request is over and is to be recorded
    operation: str = "chat"  # gen_ai.operation.name: "chat", or "responses" for POST /v1/responses
    started: float = field(default_factory=time.perf_counter)

    def headers(self, cost: float) -> dict[str, str]:
        return telemetry.response_headers(self.decision, self.outcome, cache=self.cache, cost=cost)

    @property
    def include_usage(self) -> bool:
        return bool(self.request.stream_options and self.request.stream_options.include_usage)

    def elapsed(self) -> float:
        """The answering attempt's wall clock (local GPU time), else the request's."""
        return time.perf_counter() - (self.outcome.answer_started or self.started)


class Gateway:
    """Built by router.runtime.build, which chooses every part."""

    def __init__(self, store: PolicyStore, backends: Mapping[str, Backend], *, cache: ResponseCache,
                 budgets: Budgets, board: HealthBoard, feedback: FeedbackStore | None = None,
                 look: MediaLook | None = None) -> None:
        self.store, self.backends, self.board = store, dict(backends), board
        self.look = look or MediaLook(None)  # no reader: media that would leave are unreadable (fails closed)
        self.cache, self.budgets = cache, budgets
        self.feedback: FeedbackStore = feedback or MemoryFeedback()  # decisions by response id (/v1/feedback)

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

    def dispatcher(self, req: _Request, hold: Hold) -> Dispatcher:
        """Dispatch for one request: the policy's timeouts and retries, the request's budget hold."""
        defaults = req.policy.spec.defaults
        return Dispatcher(self.backends, total_timeout_s=defaults.timeouts.total_s,
                          first_token_timeout_s=defaults.timeouts.first_token_s,
                          on_result=lambda m, e: self.board.on_result(m, e, defaults.rate_limit_cooldown_max_s),
                          admit=charges.admit(hold, req.decision, self.budgets.clock),
                          retries=lambda model: req.policy.models[model].retries or defaults.retries)

    async def chat(self, payload: Any, headers: Mapping[str, str], tenant: str, *,
                   responses: dict[str, Any] | None = None, answer_id: str | None = None) -> Reply:
        """Serve one chat completion. Raises TurnoutError (with the OpenAI error shape) on failure.

        For POST /v1/responses, `payload` is the request's chat translation (planned and decided as
        chat) and `responses` its Responses body, which dispatch sends instead to the models marked
        `responses: native` (router/passthrough.py); `Reply.native` says when one of them answered.

        The answer's id is Turnout's own (`answer_id`, else a fresh `chatcmpl-<uuid>`), never the
        upstream's: upstreams may repeat ids, and the id is what POST /v1/feedback rates."""
        answer_id = answer_id or new_answer_id()
        headers = {k.lower(): v for k, v in headers.items()}
        policy = self.store.current
        via = CHAT if responses is None else Via.responses(policy, responses)
        request, decision = plan(policy, payload, headers, tenant, self.health_view())
        decision, _ = await self.look.review(policy, request, decision, self.health_view())
        req = _Request(policy, decision, request, operation=via.operation)
        span, streaming = telemetry.tracer.start_span("turnout.chat"), False
        try:
            if req.decision.error is not None:
                req.decision.error.headers.update({"x-turnout-rule": req.decision.rule or "",
                                                   "x-turnout-data-class": req.decision.profile.data_class.label})
                raise req.decision.error
            cached = plan_cache(policy, req.decision, req.request, headers)
            req.cache = cached.status
            if cached.read and (hit := await self.cache.get(cached.key)) is not None:
                req.cache, req.outcome.model, req.usage, req.status = "hit", req.decision.model, hit.get("usage"), 200
                await self._remember(answer_id, req)
                return self._replay(req, {**hit, "id": answer_id})
            hold = self.budgets.hold(policy.tenant(req.decision.profile.tenant), req.decision.profile.app)
            rerouted = await charges.reserve(hold, policy, req.decision, self.health_view(), self.budgets.clock)
            if rerouted is not req.decision:
                req.decision, cached = rerouted, plan_cache(policy, rerouted, req.request, headers)
            forward = req.request.model_dump(exclude=_FORWARD_EXCLUDE, exclude_none=True)
            if req.request.output_limit is None:
                forward["max_tokens"] = req.decision.profile.output_tokens
            if req.request.stream:
                reply = await self._stream(req, forward, cached, span, hold, via, answer_id)
                streaming = True  # the stream's body records and ends the span after its last chunk
                return reply
            try:
                response = await self.dispatcher(req, hold).complete(req.decision, forward, req.outcome,
                                                                     call=via.call)
            except BaseException:  # failed or cancelled (client gone): nothing was spent that we can price
                await hold.settle(accounting.Charge())
                raise
            model, native = req.outcome.model, via.serves(req.outcome.model)
            if not native:  # a native Responses answer is presented under the Responses id
                response["id"] = answer_id
            req.usage = accounting.response_usage(response, req.decision, model)
            if not native:  # a Responses answer keeps the provider's own usage object
                response["usage"] = req.usage
            await hold.settle(accounting.actual(policy, model, req.usage, req.elapsed()))
            req.cost, req.status = accounting.usage_cost(policy, model, req.usage), 200
            if cached.write and model == req.decision.model and not native:
                await self.cache.set(cached.key, response, req.decision.cache_ttl_s or 0)
            await self._remember(answer_id, req)
            return Reply(req.headers(req.cost), body=response, native=native)
        except TurnoutError as exc:
            exc.headers.setdefault("x-turnout-data-class", req.decision.profile.data_class.label)
            req.cost, req.usage, req.status = 0.0, None, exc.status
            raise
        finally:
            if not streaming:
                _record(req, span)

    def _replay(self, req: _Request, response: dict[str, Any]) -> Reply:
        if not req.request.stream:
            return Reply(req.headers(0.0), body=response)

        async def replay() -> AsyncIterator[dict[str, Any]]:
            for chunk in replay_chunks(response, req.include_usage):
                yield chunk

        return Reply(req.headers(0.0), stream=replay())

    async def _stream(self, req: _Request, forward: dict[str, Any], cached: CachePlan, span, hold: Hold,
                      via: Via, answer_id: str) -> Reply:
        """Open the stream along the chain (falling back before the first chunk); the body relays it and,
        however it ends, settles the hold, stores a complete answer and records the request."""
        try:
            first, rest = await self.dispatcher(req, hold).open_stream(req.decision, forward, req.outcome,
                                                                       start=via.start)
        except BaseException:
            await hold.settle(accounting.Charge())
            raise
        model, policy, native = req.outcome.model, req.policy, via.serves(req.outcome.model)
        headers = req.headers(accounting.estimated_cost(req.decision, model))
        if not native:  # a native Responses stream is given its id by router/passthrough.py
            first["id"] = answer_id
        await self._remember(answer_id, req)

        async def body() -> AsyncIterator[dict[str, Any]]:
            tally = Tally()
            chunks = (relay_events(first, rest, model, req.decision, tally) if native
                      else relay(first, rest, model, req.decision, req.include_usage, tally))
            try:
                async for chunk in chunks:
                    if "id" in chunk and not native:  # every chunk of one answer carries its id (not errors)
                        chunk["id"] = answer_id
                    yield chunk
            finally:
                # A stream cut short (upstream error, client gone) reports no usage: the reservation
                # stands as its charge, since the upstream may have billed what it generated.
                if tally.usage is not None or policy.models[model].location == "local":
                    await hold.settle(accounting.actual(policy, model, tally.usage, req.elapsed()))
                if (cached.write and not native and tally.status == 200 and model == req.decision.model
                        and tally.usage):
                    await self.cache.set(cached.key, assembled(first, model, tally.content, tally.finish, tally.usage),
                                         req.decision.cache_ttl_s or 0)
                req.cost, req.usage, req.status = accounting.usage_cost(policy, model, tally.usage), tally.usage, tally.status
                _record(req, span)

        return Reply(headers, stream=body(), native=native)


    async def _remember(self, answer_id: str, req: _Request) -> None:
        """Keep the served decision's features under the answer's id (the hook POST /v1/feedback needs)."""
        await self.feedback.remember(record_of(answer_id, req.decision, req.request, req.outcome.model))


def new_answer_id() -> str:
    """A chat completion id unique to one answer (Turnout's, not the upstream's)."""
    return f"chatcmpl-{uuid.uuid4().hex}"


def _record(req: _Request, span) -> None:
    """The one place a request is recorded: its span and metrics, then the span ends. A request that
    never finished (cancelled) ends its span unrecorded."""
    if req.status is not None:
        telemetry.record(span, req.decision, req.outcome, cache=req.cache, cost=req.cost, usage=req.usage,
                         duration_s=time.perf_counter() - req.started, status=req.status, operation=req.operation)
    span.end()
