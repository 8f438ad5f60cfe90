"""Pricing a policy on a traffic sample before it ships: `turnout simulate`.

Every request is classified once and decided by the same pure functions the gateway uses; no model
is called. A traffic line is a `turnout route --batch` case (`{"headers", "body"}`, optionally with
`"tenant"` and `"outcome": {"local": bool, "cloud": bool}` — whether a local and a cloud model would
answer it well), or a labelled routing case (`{"prompt", "weak_correct", "strong_correct"}`, sent as a
one-message chat request, weak = local, strong = cloud).

Costs are the decisions' estimates (local models priced by GPU time, cloud ones by litellm's map);
"all-cloud" prices every request on the policy's reference flagship (`accounting.reference_model`).
The threshold curve re-decides every request with each rule's `complexity_at_least` set to one value.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from router.decide import Decision, decide
from router.errors import TurnoutError
from router.pipeline import tenant_view
from router.policy import CompiledPolicy
from router.profile import RequestProfile
from router.request import parse_chat_request
from router.scorer import jsonl_rows

THRESHOLDS = tuple(round(i / 20, 2) for i in range(21))


class TrafficError(ValueError):
    """A traffic file that cannot be read; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One classified request and, when labelled, whether a local / a cloud model serves it well."""

    profile: RequestProfile
    local_ok: bool | None = None
    cloud_ok: bool | None = None


def _request(row: dict[str, Any]) -> tuple[Any, dict[str, str], tuple[bool | None, bool | None]]:
    if "prompt" in row:
        body = {"model": "auto", "messages": [{"role": "user", "content": row["prompt"]}]}
        return body, {}, (row.get("weak_correct"), row.get("strong_correct"))
    headers = row.get("headers") or {}
    outcome = row.get("outcome") or {}
    return row.get("body"), {str(k).lower(): str(v) for k, v in headers.items()}, (outcome.get("local"),
                                                                                   outcome.get("cloud"))


def load_traffic(policy: CompiledPolicy, paths: Sequence[str | Path]) -> tuple[list[Sample], list[str]]:
    """Classified samples of every line, and one message per line that could not be classified
    (`FILE:LINE: why`). TrafficError for a file that cannot be read or a line that is not JSON."""
    samples, skipped = [], []
    for path in paths:
        for number, row in jsonl_rows(path, TrafficError):
            if not isinstance(row, dict):
                raise TrafficError(f"{path}:{number}: expected an object with 'body' (or 'prompt')")
            body, headers, (local_ok, cloud_ok) = _request(row)
            try:
                request = parse_chat_request(body)
                profile = policy.classifier.classify(request, headers,
                                                     tenant_view(policy, str(row.get("tenant") or "default")))
            except TurnoutError as exc:
                skipped.append(f"{path}:{number}: {exc.message}")
                continue
            samples.append(Sample(profile, _flag(local_ok), _flag(cloud_ok)))
    return samples, skipped


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


@dataclass(frozen=True)
class Outcome:
    """What a policy does to a sample of traffic."""

    requests: int
    local: int
    cloud: int
    refused: int
    cost_usd: float  # every served request, local GPU time included
    cloud_cost_usd: float
    all_cloud_usd: float  # the same traffic, all of it on the reference model
    quality: float | None  # share of labelled, served requests the chosen location answers well
    labelled: int
    rules: Counter

    @property
    def local_share(self) -> float:
        return self.local / self.requests if self.requests else 0.0

    @property
    def vs_all_cloud(self) -> float | None:
        return self.cost_usd / self.all_cloud_usd if self.all_cloud_usd else None


def reference_model(policy: CompiledPolicy) -> str:
    """The policy's all-cloud reference: accounting.reference_model, else its first cloud model."""
    named = policy.spec.accounting.reference_model
    if named is not None:
        return named
    cloud = [m.id for m in policy.spec.models if m.location == "cloud"]
    if not cloud:
        raise ValueError("the policy has no cloud model to price all-cloud traffic on")
    return cloud[0]


def _all_cloud(policy: CompiledPolicy, reference: str, profile: RequestProfile) -> float:
    per_in, per_out = policy.models[reference].price_per_token()
    tokens = profile.input_tokens.get(reference, max(profile.input_tokens.values(), default=0))
    return tokens * per_in + profile.output_tokens * per_out


def run(policy: CompiledPolicy, samples: Iterable[Sample]) -> Outcome:
    """Decide every sample under `policy` (all backends healthy) and add up what happens."""
    reference = reference_model(policy)
    local = cloud = refused = labelled = good = 0
    cost = cloud_cost = all_cloud = 0.0
    rules: Counter = Counter()
    count = 0
    for sample in samples:
        count += 1
        decision: Decision = decide(sample.profile, policy)
        all_cloud += _all_cloud(policy, reference, sample.profile)
        rules[decision.rule or "(no rule)"] += 1
        if decision.error is not None:
            refused += 1
            continue
        cost += decision.estimated_cost_usd
        if decision.location == "local":
            local += 1
            ok = sample.local_ok
        else:
            cloud += 1
            cloud_cost += decision.estimated_cost_usd
            ok = sample.cloud_ok
        if ok is not None:
            labelled += 1
            good += ok
    return Outcome(count, local, cloud, refused, cost, cloud_cost, all_cloud,
                   good / labelled if labelled else None, labelled, rules)


def with_threshold(policy: CompiledPolicy, threshold: float) -> CompiledPolicy:
    """`policy` with every rule's complexity_at_least set to `threshold` (rules without one unchanged)."""
    rules = [rule.model_copy(update={"when": rule.when.model_copy(update={"complexity_at_least": threshold})})
             if rule.when.complexity_at_least is not None else rule for rule in policy.spec.rules]
    return dataclasses.replace(policy, spec=policy.spec.model_copy(update={"rules": rules}))


def curve(policy: CompiledPolicy, samples: Sequence[Sample],
          thresholds: Sequence[float] = THRESHOLDS) -> list[tuple[float, Outcome]]:
    """The cost/quality curve: one Outcome per complexity threshold (RouteLLM's curve, policy-wide)."""
    return [(t, run(with_threshold(policy, t), samples)) for t in thresholds]
