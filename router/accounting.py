"""Usage and cost maths: pure functions from a Decision, a policy and an upstream's usage.

Two budget meters (see router/budget.py): `usd` for money that leaves the company (cloud models,
priced from usage), `gpu_seconds` for local GPU time (llama.cpp models, the answering attempt's
wall clock). Nothing here does I/O or reads a clock: the caller passes the elapsed time in.

What a request cost and saved (`bill`, the figures finance reads):
- cloud cost: the model's rates (the policy's `pricing` override, else litellm's bundled map) times
  the usage the upstream reported, cached / audio / image tokens at their own rates where billed so;
- local cost: the policy's `gpu_hour_usd` times the time the request held the replica (measured:
  the answering attempt's wall clock, to the stream's last chunk);
- reference cost: the policy's `accounting.reference_model` priced on the same actual usage;
- savings: reference minus actual cost, never below zero (a request dearer than the reference saved
  nothing; its excess shows as cost above reference cost); a cache hit: the reference cost of the cached answer, since
  the hit itself costs nothing). Data no cloud model is cleared for could never have gone to the
  cloud: its reference cost is "kept local", not savings, unless `accounting.count_private_savings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from router.decide import Decision
from router.policy import CompiledPolicy
from router.prices import Rates
from router.profile import DataClass

__all__ = ["Bill", "Charge", "NO_BILL", "Usage", "actual", "bill", "cloud_cost", "estimate", "estimated_cost",
           "held_cost", "reference_model", "response_usage", "stream_usage", "usage_cost", "USD_UNIT", "GPU_UNIT",
           "to_units"]

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


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as billed. `input`/`output` include the cached, audio and image tokens among them."""

    input: int = 0
    output: int = 0
    cached_input: int = 0
    audio_input: int = 0
    audio_output: int = 0
    image_input: int = 0

    @classmethod
    def of(cls, usage: dict[str, Any] | None) -> Usage | None:
        """From an OpenAI `usage` object (prompt_tokens_details / completion_tokens_details included)."""
        if not usage:
            return None
        into = usage.get("prompt_tokens_details") or {}
        out = usage.get("completion_tokens_details") or {}
        return cls(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0),
                   cached_input=int(into.get("cached_tokens") or 0), audio_input=int(into.get("audio_tokens") or 0),
                   audio_output=int(out.get("audio_tokens") or 0), image_input=int(into.get("image_tokens") or 0))


@dataclass(frozen=True, slots=True)
class Bill:
    """What one request cost (USD) and what it is compared with."""

    cost: float = 0.0
    reference: float = 0.0
    savings: float = 0.0
    kept_local: float = 0.0


NO_BILL = Bill()


def cloud_cost(rates: Rates, usage: Usage) -> float:
    """`usage` at `rates`: each separately billed kind of token at its own price."""
    special_in = usage.cached_input + usage.audio_input + usage.image_input
    plain_in, plain_out = max(0, usage.input - special_in), max(0, usage.output - usage.audio_output)

    # A kind with no price of its own (None) is billed as plain input / output. Inline, not a helper:
    # this runs three times per request.
    cached, audio_in, image_in, audio_out = rates.cached_input, rates.audio_input, rates.image_input, rates.audio_output
    return (plain_in * rates.input + usage.cached_input * (rates.input if cached is None else cached)
            + usage.audio_input * (rates.input if audio_in is None else audio_in)
            + usage.image_input * (rates.input if image_in is None else image_in)
            + plain_out * rates.output + usage.audio_output * (rates.output if audio_out is None else audio_out))


def held_cost(gpu_hour_usd: float, held_s: float) -> float:
    """A local model's cost: its GPU-hour price times the time this request held the replica."""
    return gpu_hour_usd * max(0.0, held_s) / 3600


def served_cost(policy: CompiledPolicy, model: str | None, usage: Usage | None, held_s: float) -> float:
    """What serving on `model` cost: local models by the time held, every other model by its rates."""
    if model is None:
        return 0.0
    spec = policy.models[model]
    if spec.kind == "llamacpp":
        return held_cost(spec.pricing.gpu_hour_usd, held_s)
    return cloud_cost(policy.rates[model], usage) if usage is not None else 0.0


def usage_cost(policy: CompiledPolicy, model: str | None, usage: dict[str, Any] | None) -> float:
    """A cloud model's cost for an upstream's reported usage (0 for a local one: see `served_cost`)."""
    if model is None or not usage or policy.models[model].kind == "llamacpp":
        return 0.0
    return cloud_cost(policy.rates[model], Usage.of(usage) or Usage())


def actual(policy: CompiledPolicy, model: str | None, usage: dict[str, Any] | None, elapsed_s: float) -> Charge:
    """What the answer really cost on the budget meters: cloud money from `usage`, local GPU time from `elapsed_s`."""
    if model is None:
        return Charge()
    if policy.models[model].location == "local":
        return Charge(gpu_seconds=elapsed_s)
    return Charge(usd=usage_cost(policy, model, usage))


def reference_model(policy: CompiledPolicy, task: str = "chat") -> str | None:
    """The flagship savings are measured against for `task`: `accounting.reference_model` when it serves
    the task, else the first cloud model that does; None when the policy has none."""
    named = policy.spec.accounting.reference_model
    if named is not None and task in policy.models[named].tasks:
        return named
    return next((m.id for m in policy.spec.models if m.location == "cloud" and task in m.tasks), None)


def may_leave(policy: CompiledPolicy, data_class: DataClass) -> bool:
    """Could data of this class ever go to a cloud model under this policy (one is cleared for it)?"""
    return any(m.location == "cloud" and m.clearance >= data_class for m in policy.spec.models)


def bill(policy: CompiledPolicy, decision: Decision, model: str | None, usage: Usage | None, held_s: float, *,
         cache_hit: bool = False, task: str = "chat") -> Bill:
    """The request's bill (see the module docstring). A cache hit costs nothing; its `usage` is the cached answer's."""
    cost = 0.0 if cache_hit else served_cost(policy, model, usage, held_s)
    reference_id = reference_model(policy, task)
    if reference_id is None or usage is None:
        return Bill(cost=cost)
    reference = cloud_cost(policy.rates[reference_id], usage)
    if not may_leave(policy, decision.profile.data_class) and not policy.spec.accounting.count_private_savings:
        return Bill(cost=cost, reference=reference, kept_local=reference)
    return Bill(cost=cost, reference=reference, savings=max(0.0, reference - cost))


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
