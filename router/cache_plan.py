"""What the response cache may do for one request, and the shapes a cached answer takes.

Pure: the plan comes from the policy, the Decision, the request and its cache-control header;
the store itself is router/cache.py.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from router.cache import cache_key, deterministic
from router.decide import Decision
from router.policy import CompiledPolicy
from router.profile import DataClass
from router.request import ChatRequest

__all__ = ["CachePlan", "assembled", "plan_cache", "replay_chunks"]


@dataclass(frozen=True, slots=True)
class CachePlan:
    """The key (None: not cacheable), whether a stored answer may be served, and whether this one may be stored."""

    key: str | None = None
    read: bool = False
    write: bool = False

    @property
    def status(self) -> str:
        """`x-turnout-cache` before the lookup: "miss" when a hit could be served, else "bypass"."""
        return "miss" if self.read else "bypass"


def plan_cache(policy: CompiledPolicy, decision: Decision, request: ChatRequest,
               headers: Mapping[str, str]) -> CachePlan:
    """Only reproducible requests (temperature 0 or a seed) with a TTL, a chosen model and a data class
    the policy lets the cache hold; `cache-control: no-cache` skips the read, `no-store` both."""
    ttl = decision.cache_ttl_s or 0
    restricted_ok = decision.profile.data_class < DataClass.RESTRICTED or policy.spec.defaults.cache_restricted
    if not (deterministic(request) and ttl > 0 and restricted_ok and decision.model):
        return CachePlan()
    control = headers.get("cache-control", "").lower()
    key = cache_key(decision.profile.tenant, decision.profile.data_class, decision.model, request)
    return CachePlan(key, "no-cache" not in control and "no-store" not in control, "no-store" not in control)


def replay_chunks(response: dict[str, Any], include_usage: bool) -> list[dict[str, Any]]:
    """A stored completion as the chunks a stream would have carried."""
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


def assembled(first: Mapping[str, Any], model: str | None, content: str, finish: str | None,
              usage: dict[str, Any]) -> dict[str, Any]:
    """A finished stream as the completion to store (what a non-streamed call would have returned)."""
    return {"id": first.get("id") or f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion",
            "created": first.get("created") or int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": finish or "stop"}], "usage": usage}
