"""Usage and cost maths: pure functions from a Decision, a policy and an upstream's usage.

Two meters (see router/budget.py): `usd` for money that leaves the company (cloud models, priced
from usage), `gpu_seconds` for local GPU time (llama.cpp models, the answering attempt's wall
clock). Prices come from the policy's models (which take litellm's bundled map by default).
Nothing here does I/O or reads a clock: the caller passes the elapsed time in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from router.decide import Decision
from router.policy import CompiledPolicy

__all__ = ["Charge", "actual", "cloud_equivalent", "estimate", "estimated_cost", "response_usage", "stream_usage",
           "usage_cost", "USD_UNIT", "GPU_UNIT", "to_units"]

USD_UNIT = 1e-9  # one ledger unit of the usd meter
GPU_UNIT = 1e-3  # one ledger unit of the gpu_seconds meter
UNITS = {"usd": USD_UNIT, "gpu_seconds": GPU_UNIT}


def to_units(meter: str, amount: float) -> int:
    """Round up: a reservation must never be smaller than the amount it stands for."""
    if amount <= 0:
        return 0
    return max(1, int(-(-amount // UNITS[meter])))


@dataclass(frozen=True, slots=True)
class Charge:
    """What one model would cost (or did cost) this request, per meter."""

    usd: float = 0.0
    gpu_seconds: float = 0.0

    def units(self, meter: str) -> int:
        return to_units(meter, self.usd if meter == "usd" else self.gpu_seconds)


def estimate(decision: Decision, model: str | None) -> Charge:
    """The estimate to reserve for serving `decision` on `model`: USD for cloud, GPU-seconds for local."""
    candidate = next((c for c in decision.candidates if c.model == model), None)
    if candidate is None:
        return Charge()
    if candidate.location == "local":
        return Charge(gpu_seconds=candidate.estimated_latency_s)
    return Charge(usd=candidate.estimated_cost_usd)


def estimated_cost(decision: Decision, model: str | None) -> float:
    """decide's USD estimate for `model` (what a stream's headers carry: they leave before usage is known)."""
    return next((c.estimated_cost_usd for c in decision.candidates if c.model == model), 0.0)


def usage_cost(policy: CompiledPolicy, model: str | None, usage: dict[str, Any] | None) -> float:
    """Actual cost from the served model's prices and the upstream's reported usage."""
    if model is None or not usage:
        return 0.0
    per_in, per_out = policy.models[model].price_per_token()
    return (usage.get("prompt_tokens") or 0) * per_in + (usage.get("completion_tokens") or 0) * per_out


def actual(policy: CompiledPolicy, model: str | None, usage: dict[str, Any] | None, elapsed_s: float) -> Charge:
    """What the answer really cost: cloud money from `usage`, local GPU time from `elapsed_s`."""
    if model is None:
        return Charge()
    if policy.models[model].location == "local":
        return Charge(gpu_seconds=elapsed_s)
    return Charge(usd=usage_cost(policy, model, usage))


def cloud_equivalent(decision: Decision) -> float:
    """What the request would have cost on the dearest cloud candidate the rule listed (savings baseline)."""
    return max((c.estimated_cost_usd for c in decision.candidates if c.location == "cloud"), default=0.0)


def _filled(usage: dict[str, Any], decision: Decision, model: str | None) -> dict[str, Any]:
    """Usage with the prompt count the upstream did not report taken from the router's estimate."""
    if usage.get("prompt_tokens") is not None:
        return usage
    prompt = decision.profile.input_tokens.get(model or "", decision.estimated_input_tokens)
    return {**usage, "prompt_tokens": prompt, "total_tokens": prompt + (usage.get("completion_tokens") or 0)}


def response_usage(response: dict[str, Any], decision: Decision, model: str | None) -> dict[str, Any]:
    """The usage to report and price for a completion (or a Responses `response`: its input/output tokens,
    in chat's terms). An upstream that reports none (or litellm's
    zeros) is counted: completion tokens at ~4 characters a token (rounded up) — priced, never free;
    a missing prompt count is the router's estimate."""
    usage = response.get("usage") or {}
    if response.get("object") == "response":  # a Responses answer, relayed from a model that speaks it
        usage = {"prompt_tokens": usage.get("input_tokens"), "completion_tokens": usage.get("output_tokens"),
                 "total_tokens": usage.get("total_tokens")}
        text = "".join(str(part.get("text") or "") for item in response.get("output") or []
                       if item.get("type") == "message" for part in item.get("content") or [])
    else:
        text = "".join(str((choice.get("message") or {}).get("content") or "")
                       for choice in response.get("choices") or [])
    if not (usage.get("prompt_tokens") or usage.get("completion_tokens")):
        usage = {"prompt_tokens": None, "completion_tokens": -(-len(text) // 4), "total_tokens": None}
    return _filled(usage, decision, model)


def stream_usage(usage: dict[str, Any], decision: Decision, model: str | None) -> dict[str, Any]:
    """A stream's usage chunk with a missing prompt count filled from the router's estimate."""
    return _filled(usage, decision, model)
