"""The built-in dashboard's figures, read from this process's own metrics (no HTTP scrape).

`read_samples()` collects the prometheus_client registry that the OpenTelemetry Prometheus reader
feeds (the same series GET /metrics shows); `figures(samples)` is pure: it adds them up into the
headline numbers the page draws. Every figure is cumulative since this process started, over the
requests this replica served (with several ingress replicas, Grafana adds them up; this page shows
one replica).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

REQUESTS = "turnout_requests_total"
COST = "turnout_cost_USD_total"
REFERENCE = "turnout_reference_cost_USD_total"
SAVINGS = "turnout_savings_USD_total"
KEPT_LOCAL = "turnout_kept_local_USD_total"
CACHE = "turnout_cache_lookups_total"
FALLBACKS = "turnout_fallbacks_total"
REFUSALS = "turnout_refusals_total"
DURATION = "turnout_request_duration_seconds"
TTFT = "turnout_time_to_first_token_seconds"
BREAKER = "turnout_breaker_state"
QUEUE = "turnout_local_queue_depth"
REPLICAS = "turnout_local_replicas"
BREAKER_STATES = {0: "closed", 1: "half-open", 2: "open"}


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


def read_samples(registry: Any = None) -> list[Sample]:
    """Every sample in `registry` (prometheus_client's default one: where the OTel reader exports)."""
    if registry is None:
        from prometheus_client import REGISTRY as registry
    return [Sample(s.name, dict(s.labels), float(s.value)) for family in registry.collect() for s in family.samples]


def _total(samples: Iterable[Sample], name: str, **match: str) -> float:
    return sum(s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in match.items()))


def _by(samples: Iterable[Sample], name: str, label: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for s in samples:
        if s.name == name:
            out[s.labels.get(label, "none")] += s.value
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus's histogram_quantile over cumulative (upper bound, count) buckets: linear
    interpolation inside the bucket holding rank q * count; the highest finite bound when the rank
    falls in +Inf; None without observations."""
    buckets = sorted(buckets)
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for upper, count in buckets:
        if count >= rank:
            if math.isinf(upper):
                return lower_bound
            if count == lower_count:
                return upper
            return lower_bound + (upper - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = upper, count
    return lower_bound


def latency(samples: Iterable[Sample], histogram: str, by: str = "model") -> dict[str, dict[str, float | None]]:
    """p50 and p99 (seconds) and the observation count of `histogram` per `by` label, plus "all"."""
    per: dict[str, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for s in samples:
        if s.name == f"{histogram}_bucket":
            bound = float(s.labels["le"])
            per[s.labels.get(by, "none")][bound] += s.value
            per["all"][bound] += s.value
    out = {}
    for key in sorted(per, key=lambda k: (k == "all", k)):
        buckets = list(per[key].items())
        out[key] = {"p50": quantile(0.5, buckets), "p99": quantile(0.99, buckets),
                    "count": max((c for _, c in buckets), default=0.0)}
    return out


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def figures(samples: list[Sample]) -> dict[str, Any]:
    """The page's numbers: counts, USD, ratios (None where nothing was measured yet), latencies."""
    requests = _total(samples, REQUESTS)
    locations = _by(samples, REQUESTS, "location")
    served = locations.get("local", 0.0) + locations.get("cloud", 0.0)
    cache = _by(samples, CACHE, "result")
    hits, misses = cache.get("hit", 0.0), cache.get("miss", 0.0)
    status = defaultdict(float)
    for code, count in _by(samples, REQUESTS, "status").items():
        status[f"{code[:1]}xx" if code[:1].isdigit() else code] += count
    gauges = {name: {s.labels.get("model", "none"): s.value for s in samples if s.name == name}
              for name in (BREAKER, QUEUE, REPLICAS)}
    return {
        "requests": requests,
        "requests_by_status": dict(sorted(status.items())),
        "requests_by_operation": _by(samples, REQUESTS, "operation"),
        "spend_usd": _total(samples, COST),
        "spend_by_model": _by(samples, COST, "model"),
        "spend_by_tenant": _by(samples, COST, "tenant"),
        "reference_usd": _total(samples, REFERENCE),
        "savings_usd": _total(samples, SAVINGS),
        "kept_local_usd": _total(samples, KEPT_LOCAL),
        "local_share": _ratio(locations.get("local", 0.0), served),
        "served": {"local": locations.get("local", 0.0), "cloud": locations.get("cloud", 0.0)},
        "decisions_by_rule": _by(samples, REQUESTS, "rule"),
        "decisions_by_data_class": _by(samples, REQUESTS, "data_class"),
        "cache": {"hit": hits, "miss": misses, "bypass": cache.get("bypass", 0.0), "hit_ratio": _ratio(hits, hits + misses)},
        "fallbacks": _total(samples, FALLBACKS),
        "refusals_by_reason": _by(samples, REFUSALS, "reason"),
        "latency_s": latency(samples, DURATION),
        "ttft_s": latency(samples, TTFT),
        "breakers": {model: BREAKER_STATES.get(int(v), str(v)) for model, v in sorted(gauges[BREAKER].items())},
        "queue_depth": dict(sorted(gauges[QUEUE].items())),
        "replicas": dict(sorted(gauges[REPLICAS].items())),
    }
