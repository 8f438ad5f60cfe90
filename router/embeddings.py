"""`POST /v1/embeddings`, classified and routed like chat: the batch is one request (one decision,
the highest data class of any item wins), so private text is embedded by a local model and cloud
embeddings are used only where the policy clears them. Models serve embeddings when the policy's
`tasks` says so; decide rules out every other model ("does not serve embeddings").

Contract: `input` is a string or a list of up to MAX_INPUTS non-empty strings (token arrays are a
400: a router cannot know which tokenizer made them); `encoding_format` float (default) or base64;
`dimensions` shortens the vectors where the model allows. The longest item must fit the model's
window (each item is embedded whole); the cost is priced on every item's tokens.
"""

from __future__ import annotations

import base64
import struct
import time
from dataclasses import replace
from typing import Any, Mapping

from backends.base import BackendError, to_router_error
from router import telemetry
from router.budget import Charge, exceeded
from router.classify.tokens import PromptParts
from router.dispatch import Attempt, Outcome
from router.errors import BadRequest, TurnoutError, UpstreamUnavailable
from router.pipeline import plan
from router.profile import Complexity, RequestProfile

MAX_INPUTS = 2048
_REASON = "embeddings: no generation, complexity not scored"


def inputs(payload: Any) -> list[str]:
    """The request's texts; BadRequest naming the field for anything else."""
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object")
    value = payload.get("input")
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise BadRequest("input: expected a string or a non-empty list of strings", param="input")
    if all(isinstance(i, (int, list)) and not isinstance(i, bool) for i in items):
        raise BadRequest("input: token-array inputs are not supported; send the text", param="input")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise BadRequest(f"input[{i}]: expected a string, got {type(item).__name__}", param=f"input[{i}]")
        if not item.strip():
            raise BadRequest(f"input[{i}]: empty string", param=f"input[{i}]")
    if len(items) > MAX_INPUTS:
        raise BadRequest(f"input: {len(items)} items; at most {MAX_INPUTS} per request", param="input")
    if payload.get("encoding_format", "float") not in ("float", "base64"):
        raise BadRequest("encoding_format: expected 'float' or 'base64'", param="encoding_format")
    dimensions = payload.get("dimensions")
    if dimensions is not None and (not isinstance(dimensions, int) or isinstance(dimensions, bool) or dimensions < 1):
        raise BadRequest("dimensions: expected a positive integer", param="dimensions")
    return items


def _encoded(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "base64":  # OpenAI's: little-endian float32, base64
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector


async def serve(gateway: Any, payload: Any, headers: Mapping[str, str], tenant: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(body, headers) of one embeddings request. Raises TurnoutError with OpenAI's error shape."""
    texts = inputs(payload)
    policy = gateway.store.current
    longest = max(texts, key=len)

    def as_embeddings(profile: RequestProfile) -> RequestProfile:
        window = policy.classifier.counter.estimate_many(PromptParts(longest, 1), policy.classifier.token_rules)
        return replace(profile, task="embeddings", output_tokens=0, window_tokens=window, stream=False,
                       complexity=Complexity(0.0, (_REASON,)))

    chat = {"model": payload.get("model") or "auto", "messages": [{"role": "user", "content": t} for t in texts]}
    if payload.get("user") is not None:
        chat["user"] = payload["user"]
    _, decision = plan(policy, chat, headers, tenant, gateway.health_view(), shape=as_embeddings)
    started, outcome, span = time.perf_counter(), Outcome(), telemetry.tracer.start_span("turnout.embeddings")
    status, cost, usage = 500, 0.0, None
    try:
        if decision.error is not None:
            decision.error.headers.update({"x-turnout-rule": decision.rule or "",
                                           "x-turnout-data-class": decision.profile.data_class.label})
            raise decision.error
        hold = gateway.budgets.hold(policy.tenant(tenant), decision.profile.app)
        request = {"input": texts}
        if payload.get("dimensions") is not None:
            request["dimensions"] = payload["dimensions"]
        answer, error = None, None
        for model in decision.chain:
            candidate = next(c for c in decision.candidates if c.model == model)
            charge = Charge(gpu_seconds=candidate.estimated_latency_s) if candidate.location == "local" \
                else Charge(usd=candidate.estimated_cost_usd)
            bucket = await hold.cover(charge, gateway.budgets.clock())
            if bucket is not None:
                error = exceeded(bucket, gateway.budgets.clock())
                outcome.attempts.append(Attempt(model, "BudgetExceeded", 0.0))
                continue
            embed = getattr(gateway.backends.get(model), "embed", None)
            if embed is None:  # its backend is missing (an optional model not loaded) or serves chat only
                outcome.attempts.append(Attempt(model, "BackendUnavailable", 0.0, "no embeddings backend"))
                error = UpstreamUnavailable(f"model {model!r} has no embeddings backend loaded")
                continue
            tried = time.perf_counter()
            try:
                answer = await embed(request)
            except BackendError as exc:
                gateway.breakers.record(model, False)
                outcome.attempts.append(Attempt(model, type(exc).__name__, time.perf_counter() - tried, str(exc)))
                error = to_router_error(exc)
                continue
            except BaseException:
                await hold.settle(Charge())
                raise
            gateway.breakers.record(model, True)
            outcome.model = model
            outcome.attempts.append(Attempt(model, "ok", time.perf_counter() - tried))
            break
        if answer is None:
            await hold.settle(Charge())
            raise error or UpstreamUnavailable("no model could embed this request")
        usage = answer["usage"]
        if not usage.get("prompt_tokens"):
            usage = {"prompt_tokens": decision.profile.input_tokens.get(outcome.model, 0)}
            usage["total_tokens"] = usage["prompt_tokens"]
        cost = usage["prompt_tokens"] * policy.models[outcome.model].price_per_token()[0]
        local = decision.locations.get(outcome.model) == "local"
        await hold.settle(Charge(gpu_seconds=time.perf_counter() - started) if local else Charge(usd=cost))
        encoding = payload.get("encoding_format", "float")
        body = {"object": "list", "model": outcome.model, "usage": usage,
                "data": [{"object": "embedding", "index": d["index"], "embedding": _encoded(d["embedding"], encoding)}
                         for d in answer["data"]]}
        status = 200
        headers_out = {"x-turnout-model": outcome.model, "x-turnout-location": decision.locations[outcome.model],
                       "x-turnout-rule": decision.rule or "", "x-turnout-data-class": decision.profile.data_class.label,
                       "x-turnout-cache": "bypass", "x-turnout-cost-usd": f"{cost:.8f}",
                       "x-turnout-attempts": ",".join(f"{a.model}={a.outcome}" for a in outcome.attempts)}
        return body, headers_out
    except TurnoutError as exc:
        status = exc.status
        exc.headers.setdefault("x-turnout-data-class", decision.profile.data_class.label)
        raise
    finally:
        telemetry.record(span, decision, outcome, cache="bypass", cost=cost, usage=usage,
                         duration_s=time.perf_counter() - started, status=status, operation="embeddings")
        span.end()
