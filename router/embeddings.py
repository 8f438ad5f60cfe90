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
from dataclasses import replace
from typing import Any, Mapping

from router import accounting, served
from router.accounting import Charge
from router.classify.tokens import PromptParts
from router.errors import BadRequest
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
    with gateway.telemetry.recording("embeddings", tenant) as rec:
        _, decision = plan(policy, chat, headers, tenant, gateway.health_view(), shape=as_embeddings, steps=rec.step)
        rec.decided(policy, decision)
        rec.cache = "bypass"
        if decision.error is not None:
            raise decision.error
        hold = gateway.budgets.hold(policy.tenant(tenant), decision.profile.app)
        request = {"input": texts}
        if payload.get("dimensions") is not None:
            request["dimensions"] = payload["dimensions"]
        try:
            answer = await gateway.dispatcher(policy, decision, hold).embed(decision, request, rec.outcome)
        except BaseException:
            await hold.settle(Charge())
            raise
        model = rec.outcome.model
        held = rec.held()
        usage = answer.get("usage") or {}
        if not usage.get("prompt_tokens"):  # every item's tokens, as the router counted them
            usage = {"prompt_tokens": decision.profile.input_tokens.get(model, 0)}
            usage["total_tokens"] = usage["prompt_tokens"]
        await hold.settle(accounting.actual(policy, model, usage, held))
        billed = accounting.Usage.of(usage)
        rec.settled(billed, accounting.bill(policy, decision, model, billed, held, task="embeddings"), 200)
        encoding = payload.get("encoding_format", "float")
        body = {"object": "list", "model": model, "usage": usage,
                "data": [{"object": "embedding", "index": d["index"], "embedding": _encoded(d["embedding"], encoding)}
                         for d in answer["data"]]}
        return body, served.headers(rec.freeze())
