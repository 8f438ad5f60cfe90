"""decide(profile, policy, health, constraint) -> Decision: the one place a model is chosen.

Pure: no I/O, no clock, no globals. Privacy (clearance) and capability (modalities, context window,
image count, tenant allow-list) filters run before any preference; then a `Constraint` the gateway
may add for this one request (a tenant past its budget may use local models only); availability
and saturation come from `health`. A saturated local model stays eligible but moves behind unsaturated candidates, so
work that may leave the building overflows while private work waits in the local queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from router.errors import TurnoutError, UnknownModel, Unroutable, UpstreamUnavailable, shown
from router.policy import CompiledPolicy, LlamaCppModel, RemoteModel, Rule, When
from router.profile import Complexity, DataClass, RequestProfile, ScanReport

AUTO = "auto"


@dataclass(frozen=True, slots=True)
class ModelHealth:
    available: bool = True
    saturated: bool = False
    queue_depth: int = 0
    detail: str = ""


HEALTHY = ModelHealth()


@dataclass(frozen=True, slots=True)
class Constraint:
    """A limit on one decision beyond the policy's, and why: e.g. `allowed_locations={"local"}` for a
    tenant whose USD budget is spent (`over_budget: reroute_local`)."""

    allowed_locations: frozenset[str]
    why: str


@dataclass(frozen=True, slots=True)
class Candidate:
    model: str
    location: str
    eligible: bool
    reason: str
    estimated_cost_usd: float
    estimated_latency_s: float
    saturated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "eligible": self.eligible, "reason": self.reason,
                "estimated_cost_usd": round(self.estimated_cost_usd, 8),
                "estimated_latency_s": round(self.estimated_latency_s, 3)}


@dataclass(frozen=True)
class Decision:
    """Where a request goes and why. `model` is None exactly when `error` is set."""

    profile: RequestProfile
    model: str | None
    location: str | None
    rule: str | None
    fallbacks: tuple[str, ...]
    reasons: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    error: TurnoutError | None = None
    cache_ttl_s: int | None = None
    locations: Mapping[str, str] = field(default_factory=dict)
    scan: ScanReport | None = None  # the thorough scan after decide (router/pipeline.py); None: not considered

    @property
    def chain(self) -> tuple[str, ...]:
        """The chosen model, then its fallbacks: every model dispatch may try, in order."""
        return ((self.model,) + self.fallbacks) if self.model else ()

    @property
    def estimated_cost_usd(self) -> float:
        chosen = next((c for c in self.candidates if c.model == self.model), None)
        return chosen.estimated_cost_usd if chosen else 0.0

    @property
    def estimated_input_tokens(self) -> int:
        tokens = self.profile.input_tokens
        if self.model and self.model in tokens:
            return tokens[self.model]
        return max(tokens.values(), default=0)

    def as_json(self) -> dict[str, Any]:
        """The decision JSON of DESIGN.md (dry-run output, /v1/route)."""
        p = self.profile
        return {
            "model": self.model,
            "location": self.location,
            "data_class": p.data_class.label,
            "modalities": sorted(m.value for m in p.modalities),
            "estimated_input_tokens": self.estimated_input_tokens,
            "estimated_output_tokens": p.output_tokens,
            "estimated_cost_usd": round(self.estimated_cost_usd, 8),
            "complexity": round(p.complexity.score, 3),
            "rule": self.rule,
            "fallbacks": list(self.fallbacks),
            "reasons": list(self.reasons),
            "findings": [f.as_dict() for f in p.findings],
            "candidates": [c.as_dict() for c in self.candidates],
            "error": None if self.error is None else {"type": self.error.code, "message": self.error.message},
            "thorough_scan": None if self.scan is None else self.scan.as_dict(),
        }


def refusal(error: TurnoutError, data_class: DataClass) -> Decision:
    """The Decision for a request that could not even be classified (the dry-run prints it): nothing
    is routed, `error` says why."""
    profile = RequestProfile(AUTO, frozenset(), data_class, data_class, (), {}, 0, Complexity(0.0))
    return Decision(profile, None, None, None, (), (error.message,), (), error=error)


def _matches(when: When, p: RequestProfile, largest_input: int) -> bool:
    if when.data_class_at_least is not None and p.data_class < when.data_class_at_least:
        return False
    if when.data_class_at_most is not None and p.data_class > when.data_class_at_most:
        return False
    if when.modalities_any is not None and not p.modalities.intersection(when.modalities_any):
        return False
    if when.modalities_all is not None and not p.modalities.issuperset(when.modalities_all):
        return False
    if when.modalities_none is not None and p.modalities.intersection(when.modalities_none):
        return False
    if when.input_tokens_at_least is not None and largest_input < when.input_tokens_at_least:
        return False
    if when.input_tokens_at_most is not None and largest_input > when.input_tokens_at_most:
        return False
    if when.complexity_at_least is not None and p.complexity.score < when.complexity_at_least:
        return False
    if when.complexity_at_most is not None and p.complexity.score > when.complexity_at_most:
        return False
    if when.tenants is not None and p.tenant not in when.tenants:
        return False
    if when.apps is not None and p.app not in when.apps:
        return False
    if when.models is not None and p.requested_model not in when.models:
        return False
    return True


def _estimate(model: LlamaCppModel | RemoteModel, per_token: tuple[float, float], input_tokens: int,
              output_tokens: int) -> tuple[float, float]:
    """(cost USD, latency s) of serving the request on `model`, priced at `per_token` (input, output)."""
    per_in, per_out = per_token
    cost = input_tokens * per_in + output_tokens * per_out
    if isinstance(model, LlamaCppModel):
        latency = input_tokens / model.pricing.prefill_tokens_per_s + output_tokens / model.pricing.output_tokens_per_s
    else:
        latency = model.first_token_s + output_tokens / model.output_tokens_per_s
    return cost, latency


def _assess(model_id: str, policy: CompiledPolicy, p: RequestProfile, health: Mapping[str, ModelHealth],
            allowed: set[str] | None, constraint: Constraint | None) -> Candidate:
    """One candidate, with the first reason it may not serve this request (privacy first)."""
    model = policy.models[model_id]
    input_tokens = p.input_tokens.get(model_id, 0)
    cost, latency = _estimate(model, policy.token_prices[model_id], input_tokens, p.output_tokens)
    state = health.get(model_id, HEALTHY)

    def verdict(eligible: bool, reason: str) -> Candidate:
        return Candidate(model_id, model.location, eligible, reason, cost, latency, state.saturated)

    if model.clearance < p.data_class:
        return verdict(False, f"not cleared for {p.data_class} data (clearance {model.clearance})")
    if p.task not in model.tasks:
        return verdict(False, f"does not serve {p.task} (tasks: {', '.join(model.tasks)})")
    accepts = model.accepts  # a property that builds its set: read once
    if not p.modalities <= accepts:
        missing = sorted(m.value for m in p.modalities if m not in accepts)
        return verdict(False, f"cannot take {', '.join(missing)} input")
    if len(p.images) > model.max_images:
        return verdict(False, f"{len(p.images)} images exceed its limit of {model.max_images}")
    if p.images and any(image.format is None for image in p.images):  # an image URL: who may fetch it?
        if isinstance(model, LlamaCppModel) and not policy.spec.media.fetch.enabled:
            return verdict(False, "takes no image URLs: media.fetch is off (send images inline)")
        if not isinstance(model, LlamaCppModel) and model.image_urls == "refuse":
            return verdict(False, "takes no image URLs (image_urls: refuse)")
    if p.videos and isinstance(model, LlamaCppModel) and any(video.remote for video in p.videos):
        return verdict(False, "takes no video URLs: local models read only inline video "
                              "(send it as data:video/mp4;base64,)")
    window = input_tokens if p.window_tokens is None else p.window_tokens.get(model_id, input_tokens)
    if window + p.output_tokens > model.context_window:
        return verdict(False, f"{window} prompt + {p.output_tokens} output tokens exceed its "
                              f"{model.context_window}-token context window")
    if allowed is not None and model_id not in allowed:
        return verdict(False, f"tenant {p.tenant!r} may not use it")
    if constraint is not None and model.location not in constraint.allowed_locations:
        return verdict(False, f"{model.location} models excluded: {constraint.why}")
    if not state.available:
        return verdict(False, f"unavailable: {state.detail or 'backend down'}")
    if state.saturated:
        return verdict(True, f"eligible but saturated (queue depth {state.queue_depth})")
    return verdict(True, "eligible")


def _order(rule: Rule, assessed: dict[str, Candidate]) -> list[str]:
    """The rule's eligible models in try order: route by strategy, then fallbacks; saturated ones last."""
    route = [m for m in rule.route if assessed[m].eligible]
    if rule.strategy == "cheapest":
        route.sort(key=lambda m: assessed[m].estimated_cost_usd)
    elif rule.strategy == "fastest":
        route.sort(key=lambda m: assessed[m].estimated_latency_s)
    chain = list(dict.fromkeys(route + [m for m in rule.fallbacks if assessed[m].eligible]))
    return [m for m in chain if not assessed[m].saturated] + [m for m in chain if assessed[m].saturated]


def _class_reason(p: RequestProfile) -> str:
    return f"data class {p.data_class}: {'; '.join(p.class_reasons) or 'no personal data, secrets or declared class'}"


def decide(profile: RequestProfile, policy: CompiledPolicy, health: Mapping[str, ModelHealth] | None = None,
           constraint: Constraint | None = None) -> Decision:
    """Choose a model for `profile` under `policy` (and `constraint`, when given). Never raises: a
    refusal is a Decision with `error`."""
    health = health or {}
    spec = policy.spec
    tenant = policy.tenant(profile.tenant)
    allowed = set(tenant.allowed_models) if tenant and tenant.allowed_models is not None else None
    reasons = [_class_reason(profile)]
    if profile.complexity.reasons:
        reasons.append(f"complexity {profile.complexity.score:.2f}: {'; '.join(profile.complexity.reasons)}")
    locations = policy.locations

    def refuse(error: TurnoutError, rule: str | None, table: dict[str, Candidate]) -> Decision:
        return Decision(profile, None, None, rule, (), tuple(reasons + [error.message]),
                        tuple(table.values()), error=error, locations=locations)

    requested = profile.requested_model
    if requested != AUTO:
        if requested not in policy.models:
            known = ", ".join([AUTO, *policy.models])
            return refuse(UnknownModel(f"unknown model {shown(requested)}; known: {known}", param="model"), None, {})
        pinned = _assess(requested, policy, profile, health, allowed, constraint)
        table = {requested: pinned}
        if pinned.eligible:
            reasons.append(f"model {requested!r} requested by the client")
            return Decision(profile, requested, pinned.location, "pinned", (), tuple(reasons), (pinned,),
                            cache_ttl_s=spec.defaults.cache_ttl_s, locations=locations)
        privacy_block = policy.models[requested].clearance < profile.data_class
        if not (privacy_block and spec.defaults.pinned_violation == "reroute"):
            if not privacy_block and not health.get(requested, HEALTHY).available:
                error: TurnoutError = UpstreamUnavailable(f"model {requested!r} is {pinned.reason}",
                                                          headers={"retry-after": "5"})
            else:
                error = Unroutable(f"model {requested!r} cannot serve this request: {pinned.reason}"
                                   + ("; send model 'auto' to route it to a cleared model" if privacy_block else ""),
                                   param="model")
            return refuse(error, "pinned", table)
        reasons.append(f"model {requested!r} requested but {pinned.reason}; rerouted by the rules "
                       f"(defaults.pinned_violation: reroute)")

    largest_input = max(profile.input_tokens.values(), default=0)
    table: dict[str, Candidate] = {}
    for rule in spec.rules:
        if not _matches(rule.when, profile, largest_input):
            continue
        assessed = {m: table.get(m) or _assess(m, policy, profile, health, allowed, constraint)
                    for m in dict.fromkeys(rule.route + rule.fallbacks)}
        table.update(assessed)
        chain = _order(rule, assessed)
        if chain:
            chosen = chain[0]
            reasons.append(f"rule {rule.id!r} matched" + (f": {rule.description}" if rule.description else ""))
            reasons.extend(f"{m}: {c.reason}" for m, c in assessed.items() if not c.eligible)
            ttl = spec.defaults.cache_ttl_s if rule.cache_ttl_s is None else rule.cache_ttl_s
            return Decision(profile, chosen, assessed[chosen].location, rule.id, tuple(chain[1:]),
                            tuple(reasons), tuple(table.values()), cache_ttl_s=ttl, locations=locations)
        why = "; ".join(f"{m}: {c.reason}" for m, c in assessed.items())
        if rule.otherwise == "next":
            reasons.append(f"rule {rule.id!r} matched but no candidate is eligible ({why}); trying the next rule")
            continue
        if any(c.reason.startswith("unavailable") for c in assessed.values()):
            return refuse(UpstreamUnavailable(f"every model rule {rule.id!r} may use for this {profile.data_class} "
                                              f"request is down or refused: {why}", headers={"retry-after": "5"}),
                          rule.id, table)
        return refuse(Unroutable(f"no model may serve this {profile.data_class} request under rule {rule.id!r}: {why}"),
                      rule.id, table)
    return refuse(Unroutable("no rule matched this request"), None, table)


__all__ = ["AUTO", "Candidate", "Constraint", "Decision", "ModelHealth", "decide", "refusal", "DataClass"]
