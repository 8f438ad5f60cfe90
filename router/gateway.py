"""The request path after HTTP, in order: plan -> look -> cache -> budget -> dispatch -> settle, store, record.

`Gateway` keeps only the order of the steps; each step is a module of its own: plan (parse,
classify, decide) router/pipeline.py, the media look router/look.py, cache rules
router/cache_plan.py, budget charges router/charges.py, the fallback walk router/dispatch.py,
streamed answers router/streams.py, usage and cost router/accounting.py, the record and its
spans and metrics router/served.py and router/telemetry.py. A request reads the policy once (a
reload mid-request does not change it). It knows nothing of Ray or FastAPI: router/http.py adapts
it to HTTP (and frames streams as SSE), router/app.py to Ray Serve; router/runtime.py builds it.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Mapping
from typing import Any

from backends.base import Backend
from router import accounting, charges, streams
from router.budget import Budgets, Hold
from router.cache import ResponseCache
from router.cache_plan import plan_cache
from router.decide import Decision, ModelHealth
from router.dispatch import Dispatcher
from router.feedback import FeedbackStore, MemoryFeedback, record_of
from router.health import HealthBoard
from router.look import MediaLook
from router.passthrough import CHAT, Via
from router.pipeline import plan
from router.policy import CompiledPolicy
from router.policy_store import PolicyStore
from router.request import ChatRequest
from router.served import Recording, Step
from router.streams import Reply
from router.telemetry import DEFAULT, Telemetry, health_gauges

__all__ = ["Gateway", "Reply", "new_answer_id"]

_FORWARD_EXCLUDE = {"model", "stream", "stream_options"}


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

    async def review(self, rec: Recording, policy: CompiledPolicy, request: ChatRequest,
                     decision: Decision, health: Mapping[str, ModelHealth] | None = None) -> Decision:
        """The media look (router/look.py): the decision again, once what the media hold is read
        (under `health`, the view the first decision was made with; default the board's now)."""
        start = time.time_ns()
        decision, report = await self.look.review(policy, request, decision,
                                                  self.health_view() if health is None else health)
        if report.status != "skipped":
            rec.steps.append(Step("look", start, time.time_ns()))
        rec.decided(policy, decision)
        return decision

    async def chat(self, payload: Any, headers: Mapping[str, str], tenant: str, *,
                   responses: dict[str, Any] | None = None, answer_id: str | None = None,
                   deferred: bool = False) -> Reply:
        """Serve one chat completion. Raises TurnoutError (with the OpenAI error shape) on failure.

        For POST /v1/responses, `payload` is the request's chat translation (planned and decided as
        chat) and `responses` its Responses body, which dispatch sends instead to the models marked
        `responses: native` (router/passthrough.py); `Reply.native` says when one of them answered.

        The request is recorded once (Telemetry.recording): in the Recording the HTTP layer opened,
        or, for a direct caller, in one emitted here or by the stream's body when the stream ends.

        The answer's id is Turnout's own (`answer_id`, else a fresh `chatcmpl-<32 hex digits>`), never the
        upstream's: upstreams may repeat ids, and the id is what POST /v1/feedback rates.

        With `deferred`, an answer's budget settlement and cache store are left to `Reply.after`, for
        the caller to await once the answer has gone (router/http.py does, after its last byte, before
        it records the request): the client does not wait for them. A whole answer's headers and record
        are complete either way; a stream's record is settled by `after`. Without it they are done
        before this returns (a stream's: when it ends)."""
        via = CHAT if responses is None else Via.responses(self.store.current, responses)
        with self.telemetry.recording(via.operation, tenant) as rec:
            return await self._chat(rec, payload, {k.lower(): v for k, v in headers.items()}, tenant, via,
                                    answer_id or new_answer_id(), deferred)

    async def _chat(self, rec: Recording, payload: Any, headers: dict[str, str], tenant: str, via: Via,
                    answer_id: str, deferred: bool) -> Reply:
        policy, health = self.store.current, self.health_view()  # one policy and one health view per request
        request, decision = plan(policy, payload, headers, tenant, health, steps=rec.step)
        decision = await self.review(rec, policy, request, decision, health)
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
        rerouted = await charges.reserve(hold, policy, decision, health, self.budgets.clock)
        if rerouted is not decision:
            decision, cached = rerouted, plan_cache(policy, rerouted, request, headers)
            rec.decided(policy, decision)
        forward = request.model_dump(exclude=_FORWARD_EXCLUDE, exclude_none=True)
        if request.output_limit is None:
            forward["max_tokens"] = decision.profile.output_tokens
        dispatcher = self.dispatcher(policy, decision, hold)
        try:
            if request.stream:
                head, rest = await dispatcher.open_stream(decision, forward, rec.outcome, start=via.start)
            else:
                response = await dispatcher.complete(decision, forward, rec.outcome, call=via.call)
        except BaseException:  # failed or cancelled (client gone): nothing was spent that we can price
            await hold.settle(accounting.Charge())
            raise
        model, native = rec.outcome.model, via.serves(rec.outcome.model)
        if request.stream:  # the stream remembers the decision once its first content has gone
            headers = rec.headers(estimated_cost=accounting.estimated_cost(decision, model))
            live = streams.Live(policy, decision, request, cached, hold, self.cache, native, answer_id,
                                functools.partial(self._remember, answer_id, decision, request, model))
            return streams.relayed(rec, live, head, rest, headers, self.telemetry.finish, deferred)
        await self._remember(answer_id, decision, request, model)
        held = rec.held()
        if not native:  # a native Responses answer is presented under the Responses id, with its own usage
            response["id"] = answer_id
        usage = accounting.response_usage(response, decision, model)
        if not native:
            response["usage"] = usage
        billed = accounting.Usage.of(usage)
        rec.settled(billed, accounting.bill(policy, decision, model, billed, held), 200)

        async def settle_and_store() -> None:
            await hold.settle(accounting.actual(policy, model, usage, held))
            if cached.write and model == decision.model and not native:
                await self.cache.set(cached.key, response, decision.cache_ttl_s or 0)

        reply = Reply(rec.headers(), body=response, native=native)
        if deferred:
            reply.after = settle_and_store
        else:
            await settle_and_store()
        return reply

    def _replay(self, rec: Recording, policy: CompiledPolicy, decision: Decision, request: ChatRequest,
                response: dict[str, Any]) -> Reply:
        """A cache hit: free, and saving what the answer would have cost on the reference model."""
        rec.cache = "hit"
        usage = accounting.Usage.of(response.get("usage"))
        rec.settled(usage, accounting.bill(policy, decision, decision.model, usage, 0.0, cache_hit=True), 200)
        headers = rec.headers()
        if request.stream:
            return streams.replayed(rec, response, request, headers, self.telemetry.finish)
        return Reply(headers, body=response)

    async def _remember(self, answer_id: str, decision: Decision, request: ChatRequest, model: str | None) -> None:
        """Keep the served decision's features under the answer's id (the hook POST /v1/feedback needs)."""
        await self.feedback.remember(record_of(answer_id, decision, request, model))


def new_answer_id() -> str:
    """A chat completion id unique to one answer (Turnout's, not the upstream's): 128 random bits in
    hex (as long as a uuid4's hex), without building a UUID object."""
    return f"chatcmpl-{os.urandom(16).hex()}"
