"""The request path after HTTP: plan (parse, classify, decide) -> cache -> dispatch -> record.

`Gateway` owns the live policy (atomically swapped on reload: a request keeps the policy it
started with), the backends, the cache and the health snapshot decide reads. It knows nothing of
Ray or FastAPI: router/http.py adapts it to HTTP and router/app.py to Ray Serve.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from backends.base import Backend, BackendError, to_router_error
from router import telemetry
from router.breaker import BreakerConfig, Breakers
from router.budget import Budgets, Charge, Hold, exceeded
from router.cache import MemoryCache, ResponseCache, cache_key, deterministic
from router.decide import Decision, ModelHealth, decide
from router.dispatch import Dispatcher, Outcome
from router.errors import TurnoutError
from router.look import MediaLook
from router.pipeline import plan
from router.policy import CompiledPolicy
from router.policy_store import PolicyStore
from router.profile import DataClass
from router.request import ChatRequest

log = logging.getLogger("turnout")

_FORWARD_EXCLUDE = {"model", "stream", "stream_options"}


@dataclass
class Reply:
    """A finished answer: JSON body, or an async iterator of SSE byte chunks; headers either way."""

    headers: dict[str, str]
    body: dict[str, Any] | None = None
    stream: AsyncIterator[bytes] | None = None
    status: int = 200


@dataclass
class _Context:
    policy: CompiledPolicy  # read once per request: a reload mid-request does not change it
    decision: Decision
    request: ChatRequest
    outcome: Outcome = field(default_factory=Outcome)
    cache: str = "bypass"
    started: float = field(default_factory=time.perf_counter)


def sse(obj: Mapping[str, Any]) -> bytes:
    import orjson

    return b"data: " + orjson.dumps(obj) + b"\n\n"


SSE_DONE = b"data: [DONE]\n\n"


def chunks_from_completion(response: dict[str, Any], include_usage: bool) -> list[dict[str, Any]]:
    """Replay a stored completion as the chunks a stream would have carried."""
    base = {"id": response.get("id"), "object": "chat.completion.chunk", "created": response.get("created"),
            "model": response.get("model")}
    out = []
    for choice in response.get("choices", []):
        message = choice.get("message") or {}
        delta = {"role": "assistant", "content": message.get("content")}
        if message.get("tool_calls"):
            delta["tool_calls"] = [dict(call, index=i) for i, call in enumerate(message["tool_calls"])]
        out.append({**base, "choices": [{"index": choice.get("index", 0), "delta": delta, "finish_reason": None}]})
        out.append({**base, "choices": [{"index": choice.get("index", 0), "delta": {},
                                         "finish_reason": choice.get("finish_reason") or "stop"}]})
    if include_usage:
        out.append({**base, "choices": [], "usage": response.get("usage")})
    return out


class Gateway:
    def __init__(self, store: PolicyStore, backends: Mapping[str, Backend], *, cache: ResponseCache | None = None,
                 budgets: Budgets | None = None, look: MediaLook | None = None) -> None:
        self.store = store
        self.look = look or MediaLook(None)  # no reader: media that would leave are unreadable (fails closed)
        self.backends = dict(backends)
        self.cache: ResponseCache = cache or MemoryCache()
        self.budgets = budgets or Budgets()
        self.health: dict[str, ModelHealth] = {}
        spec = store.current.spec.defaults.circuit_breaker
        self.breakers = Breakers(BreakerConfig(**spec.model_dump()))
        self.unavailable: dict[str, str] = {}  # models with no backend at all (e.g. optional GGUF missing)

    def dispatcher(self, ctx: _Context, hold: Hold) -> Dispatcher:
        """Dispatch for one request: the policy's timeouts and retries, the request's budget hold
        (a fallback that needs more than is held is topped up first, or skipped)."""
        defaults = ctx.policy.spec.defaults

        async def admit(model: str) -> TurnoutError | None:
            bucket = await hold.cover(_charge(ctx.decision, model), self.budgets.clock())
            return None if bucket is None else exceeded(bucket, self.budgets.clock())

        return Dispatcher(self.backends, total_timeout_s=defaults.timeouts.total_s,
                          first_token_timeout_s=defaults.timeouts.first_token_s,
                          on_result=lambda model, error: self._on_result(model, error, defaults.rate_limit_cooldown_max_s),
                          admit=admit, retries=lambda model: ctx.policy.models[model].retries or defaults.retries)

    def _on_result(self, model: str, error: BackendError | None, cooldown_max_s: float) -> None:
        """Every attempt's outcome: feeds the model's circuit breaker and honours a 429's Retry-After
        for the requests that follow (the model is skipped by decide until then, up to the cap)."""
        self.breakers.record(model, error is None)
        retry_after = getattr(error, "retry_after", None)
        if retry_after and cooldown_max_s > 0:
            self.breakers.cool_down(model, min(retry_after, cooldown_max_s))

    async def _within_budget(self, ctx: _Context, hold: Hold) -> Decision:
        """Reserve the chosen model's estimate. Past a budget: the tenant's `over_budget` action — a new
        decision among local models (a USD budget only; they spend GPU time, not money) or a 429."""
        decision = ctx.decision
        bucket = await hold.cover(_charge(decision, decision.model), self.budgets.clock())
        if bucket is None:
            return decision
        tenant = ctx.policy.tenant(decision.profile.tenant)
        if tenant is not None and tenant.over_budget == "reroute_local" and bucket.meter == "usd":
            why = f"{bucket.label} is exhausted (over_budget: reroute_local)"
            health = dict(self.health_view())
            for model in ctx.policy.spec.models:
                if model.location != "local":
                    health[model.id] = ModelHealth(False, detail=why)
            rerouted = decide(decision.profile, ctx.policy, health)
            if rerouted.error is None:
                bucket = await hold.cover(_charge(rerouted, rerouted.model), self.budgets.clock())
                if bucket is None:
                    telemetry.BUDGET_EVENTS.add(1, {"event": "rerouted"})
                    return replace(rerouted, reasons=rerouted.reasons + (f"rerouted to local: {why}",))
        telemetry.BUDGET_EVENTS.add(1, {"event": "refused"})
        raise exceeded(bucket, self.budgets.clock())

    def _actual(self, ctx: _Context, usage: dict[str, Any] | None) -> Charge:
        """What the answer really cost: cloud money from `usage`, local GPU time from the clock."""
        model = ctx.outcome.model
        if model is None:
            return Charge()
        if ctx.policy.models[model].location == "local":
            return Charge(gpu_seconds=time.perf_counter() - (ctx.outcome.answer_started or ctx.started))
        return Charge(usd=telemetry.usage_cost(ctx.decision, model, usage, ctx.policy))

    def health_view(self) -> dict[str, ModelHealth]:
        """The last health snapshot with open circuit breakers marked unavailable."""
        open_models = self.breakers.open_models()
        if not open_models:
            return self.health
        view = dict(self.health)
        for model, why in open_models.items():
            view[model] = ModelHealth(False, detail=why)
        return view

    async def refresh_health(self) -> dict[str, ModelHealth]:
        """Ask every backend (cheap, never raises) and publish the snapshot decide reads."""
        snapshot: dict[str, ModelHealth] = {m: ModelHealth(False, detail=why) for m, why in self.unavailable.items()}
        results = await asyncio.gather(*(b.health() for b in self.backends.values()))
        for model_id, state in zip(self.backends, results):
            saturated = state.free_slots is not None and state.free_slots <= 0
            snapshot[model_id] = ModelHealth(state.available, saturated, state.queue_depth, state.detail)
        self.health = snapshot
        return self.health_view()

    def route(self, payload: Any, headers: Mapping[str, str], tenant: str) -> Decision:
        """Dry-run: the decision, with every backend treated as healthy (POST /v1/route)."""
        return plan(self.store.current, payload, headers, tenant)[1]

    def _headers(self, ctx: _Context, cost: float) -> dict[str, str]:
        decision = ctx.decision
        model = ctx.outcome.model or decision.model or ""
        headers = {
            "x-turnout-model": model,
            "x-turnout-location": decision.locations.get(model, ""),
            "x-turnout-rule": decision.rule or "",
            "x-turnout-data-class": decision.profile.data_class.label,
            "x-turnout-cache": ctx.cache,
            "x-turnout-cost-usd": f"{cost:.8f}",
        }
        if ctx.outcome.attempts:  # every backend attempt, in order, e.g. "flaky=BackendTimeout,backup=ok"
            headers["x-turnout-attempts"] = ",".join(f"{a.model}={a.outcome}" for a in ctx.outcome.attempts)
        return headers

    def _cache_plan(self, ctx: _Context, headers: Mapping[str, str]) -> tuple[str | None, bool, bool]:
        """(key, may read, may write) for this request under the policy's cache rules."""
        policy, decision, request = ctx.policy, ctx.decision, ctx.request
        control = headers.get("cache-control", "").lower()
        ttl = decision.cache_ttl_s or 0
        restricted_ok = decision.profile.data_class < DataClass.RESTRICTED or policy.spec.defaults.cache_restricted
        if not (deterministic(request) and ttl > 0 and restricted_ok and decision.model):
            return None, False, False
        key = cache_key(decision.profile.tenant, decision.profile.data_class, decision.model, request)
        return key, "no-cache" not in control and "no-store" not in control, "no-store" not in control

    async def chat(self, payload: Any, headers: Mapping[str, str], tenant: str) -> Reply:
        """Serve one chat completion. Raises TurnoutError (with the OpenAI error shape) on failure."""
        headers = {k.lower(): v for k, v in headers.items()}
        policy = self.store.current
        request, decision = plan(policy, payload, headers, tenant, self.health_view())
        decision, _ = await self.look.review(policy, request, decision, self.health_view())
        ctx = _Context(policy, decision, request)
        span = telemetry.tracer.start_span("turnout.chat")
        streaming = False
        try:
            if decision.error is not None:
                decision.error.headers.update({"x-turnout-rule": decision.rule or "",
                                               "x-turnout-data-class": decision.profile.data_class.label})
                raise decision.error
            key, may_read, may_write = self._cache_plan(ctx, headers)
            ctx.cache = "miss" if may_read else "bypass"
            if key and may_read:
                hit = await self.cache.get(key)
                if hit is not None:
                    ctx.cache = "hit"
                    ctx.outcome.model = decision.model
                    telemetry.record(span, decision, ctx.outcome, cache="hit", cost=0.0, usage=hit.get("usage"),
                                     duration_s=time.perf_counter() - ctx.started, status=200)
                    return self._replay(ctx, hit)
            hold = self.budgets.hold(policy.tenant(decision.profile.tenant), decision.profile.app)
            rerouted = await self._within_budget(ctx, hold)
            if rerouted is not decision:
                ctx.decision = decision = rerouted
                key, _, may_write = self._cache_plan(ctx, headers)
            forward = request.model_dump(exclude=_FORWARD_EXCLUDE, exclude_none=True)
            if request.output_limit is None:
                forward["max_tokens"] = decision.profile.output_tokens
            if request.stream:
                reply = await self._stream(ctx, forward, key if may_write else None, span, hold)
                streaming = True  # the stream's body ends the span when the last byte is sent
                return reply
            try:
                response = await self.dispatcher(ctx, hold).complete(decision, forward, ctx.outcome)
            except BaseException:  # failed or cancelled (client gone): nothing was spent that we can price
                await hold.settle(Charge())
                raise
            usage = response.get("usage") or {}
            if not (usage.get("prompt_tokens") or usage.get("completion_tokens")):  # none, or litellm's zeros
                usage = _counted(response)
            usage = response["usage"] = _filled(usage, decision, ctx.outcome.model)
            await hold.settle(self._actual(ctx, usage))
            cost = telemetry.usage_cost(decision, ctx.outcome.model, usage, policy)
            if key and may_write and ctx.outcome.model == decision.model:
                await self.cache.set(key, response, decision.cache_ttl_s or 0)
            telemetry.record(span, decision, ctx.outcome, cache=ctx.cache, cost=cost, usage=usage,
                             duration_s=time.perf_counter() - ctx.started, status=200)
            return Reply(self._headers(ctx, cost), body=response)
        except TurnoutError as exc:
            exc.headers.setdefault("x-turnout-data-class", ctx.decision.profile.data_class.label)
            telemetry.record(span, ctx.decision, ctx.outcome, cache=ctx.cache, cost=0.0, usage=None,
                             duration_s=time.perf_counter() - ctx.started, status=exc.status)
            raise
        finally:
            if not streaming:
                span.end()

    def _replay(self, ctx: _Context, response: dict[str, Any]) -> Reply:
        headers = self._headers(ctx, 0.0)
        if not ctx.request.stream:
            return Reply(headers, body=response)
        include_usage = bool(ctx.request.stream_options and ctx.request.stream_options.include_usage)

        async def replay() -> AsyncIterator[bytes]:
            for chunk in chunks_from_completion(response, include_usage):
                yield sse(chunk)
            yield SSE_DONE

        return Reply(headers, stream=replay())

    async def _stream(self, ctx: _Context, forward: dict[str, Any], store_key: str | None, span, hold: Hold) -> Reply:
        decision, policy = ctx.decision, ctx.policy
        include_usage = bool(ctx.request.stream_options and ctx.request.stream_options.include_usage)
        try:
            first, rest = await self.dispatcher(ctx, hold).open_stream(decision, forward, ctx.outcome)
        except BaseException:
            await hold.settle(Charge())
            raise
        model = ctx.outcome.model
        estimate = next((c.estimated_cost_usd for c in decision.candidates if c.model == model), 0.0)
        headers = self._headers(ctx, estimate)

        async def body() -> AsyncIterator[bytes]:
            usage: dict[str, Any] | None = None
            parts: list[str] = []
            finish: str | None = None
            status = 200
            try:
                chunk: dict[str, Any] | None = first
                while chunk is not None:
                    chunk["model"] = model
                    if chunk.get("usage"):
                        usage = chunk["usage"] = _filled(chunk["usage"], decision, model)
                    for choice in chunk.get("choices") or []:
                        parts.append((choice.get("delta") or {}).get("content") or "")
                        finish = choice.get("finish_reason") or finish
                    if chunk.get("choices"):
                        yield sse(chunk if include_usage else {k: v for k, v in chunk.items() if k != "usage"})
                    elif include_usage:
                        yield sse(chunk)
                    chunk = await anext(rest, None)
                yield SSE_DONE
            except BackendError as exc:
                status = to_router_error(exc).status
                yield sse(to_router_error(exc).body())
                yield SSE_DONE
            finally:
                await _aclose(rest)
                # A stream cut short (upstream error, client gone) reports no usage: the reservation
                # stands as its charge, since the upstream may have billed what it generated.
                if usage is not None or policy.models[model].location == "local":
                    await hold.settle(self._actual(ctx, usage))
                cost = telemetry.usage_cost(decision, model, usage, policy)
                if store_key and status == 200 and model == decision.model and usage:
                    await self.cache.set(store_key, _assemble(first, model, "".join(parts), finish, usage),
                                         decision.cache_ttl_s or 0)
                telemetry.record(span, decision, ctx.outcome, cache=ctx.cache, cost=cost, usage=usage,
                                 duration_s=time.perf_counter() - ctx.started, status=status)
                span.end()

        return Reply(headers, stream=body())


def _counted(response: dict[str, Any]) -> dict[str, Any]:
    """Usage for an answer that reports none: completion tokens at ~4 characters a token (rounded
    up), the prompt left for `_filled` to estimate. Priced, never free."""
    text = "".join(str((choice.get("message") or {}).get("content") or "") for choice in response.get("choices") or [])
    return {"prompt_tokens": None, "completion_tokens": -(-len(text) // 4), "total_tokens": None}


def _filled(usage: dict[str, Any], decision: Decision, model: str | None) -> dict[str, Any]:
    """Usage with the prompt count the upstream did not report taken from the router's estimate."""
    if usage.get("prompt_tokens") is not None:
        return usage
    prompt = decision.profile.input_tokens.get(model or "", decision.estimated_input_tokens)
    return {**usage, "prompt_tokens": prompt, "total_tokens": prompt + (usage.get("completion_tokens") or 0)}


def _charge(decision: Decision, model: str | None) -> Charge:
    """The estimate to reserve for serving `decision` on `model`: USD for cloud, GPU-seconds for local."""
    candidate = next((c for c in decision.candidates if c.model == model), None)
    if candidate is None:
        return Charge()
    if candidate.location == "local":
        return Charge(gpu_seconds=candidate.estimated_latency_s)
    return Charge(usd=candidate.estimated_cost_usd)


def _assemble(first: dict[str, Any], model: str | None, content: str, finish: str | None,
              usage: dict[str, Any]) -> dict[str, Any]:
    return {"id": first.get("id") or f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion",
            "created": first.get("created") or int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": finish or "stop"}], "usage": usage}


async def _aclose(iterator: Any) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        try:
            await aclose()
        except Exception:  # the stream is over either way; closing must not raise into the response
            pass
