"""Spans and metrics, written against the OpenTelemetry API only.

Library code here calls `trace.get_tracer` / `metrics.get_meter`, which are no-ops until
`setup_telemetry()` installs the SDK at start-up (exporters from the standard OTEL_* variables,
plus a Prometheus reader for GET /metrics). Every attribute comes from one Decision, so the span,
the response headers and the metrics can never disagree.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from opentelemetry import metrics, trace

if TYPE_CHECKING:
    from router.decide import Decision
    from router.dispatch import Outcome

# GenAI semantic-convention attribute names (opentelemetry semconv, gen_ai.*).
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_RESPONSE_MODEL = "gen_ai.response.model"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"

tracer = trace.get_tracer("turnout.router")
_meter = metrics.get_meter("turnout.router")

REQUESTS = _meter.create_counter("turnout_requests", unit="1", description="chat completions by outcome")
COST = _meter.create_counter("turnout_cost_usd", unit="", description="actual spend in USD")
SAVINGS = _meter.create_counter("turnout_savings_usd", unit="",
                                description="cloud-equivalent cost minus actual cost, USD")
TOKENS = _meter.create_counter("turnout_tokens", unit="1", description="tokens by direction and model")
LATENCY = _meter.create_histogram(
    "turnout_request_duration_seconds", unit="", description="gateway latency in seconds",
    explicit_bucket_boundaries_advisory=[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120])
ATTEMPTS = _meter.create_counter("turnout_backend_attempts", unit="1", description="backend attempts by outcome")
POLICY_RELOADS = _meter.create_counter("turnout_policy_reloads", unit="1", description="policy reloads by result")
CACHE_ERRORS = _meter.create_counter("turnout_cache_errors", unit="1", description="cache store failures")
BUDGET_EVENTS = _meter.create_counter("turnout_budget_events", unit="1",
                                      description="budget refusals, reroutes to local and ledger failures")

_installed = False


def setup_telemetry(service_name: str = "turnout") -> None:
    """Install the SDK once: Prometheus reader always; OTLP traces/metrics when OTEL_EXPORTER_OTLP_ENDPOINT is set."""
    global _installed
    if _installed:
        return
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
    readers: list[Any] = [PrometheusMetricReader()]
    provider = TracerProvider(resource=resource)
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    _installed = True


def usage_cost(decision: "Decision", model: str | None, usage: dict[str, Any] | None, policy) -> float:
    """Actual cost from the served model's prices and the upstream's reported usage."""
    if model is None or not usage:
        return 0.0
    per_in, per_out = policy.models[model].price_per_token()
    return (usage.get("prompt_tokens") or 0) * per_in + (usage.get("completion_tokens") or 0) * per_out


def cloud_equivalent(decision: "Decision") -> float:
    """What the request would have cost on the dearest cloud candidate the rule listed (savings baseline)."""
    return max((c.estimated_cost_usd for c in decision.candidates if c.location == "cloud"), default=0.0)


def record(span: trace.Span, decision: "Decision", outcome: "Outcome", *, cache: str, cost: float,
           usage: dict[str, Any] | None, duration_s: float, status: int, operation: str = "chat") -> None:
    """Put one request on its span and in the metrics, from the Decision and what dispatch did."""
    p = decision.profile
    model = outcome.model or decision.model
    location = decision.locations.get(model, "none") if model else "none"
    attrs = {
        "turnout.rule": decision.rule or "none",
        "turnout.data_class": p.data_class.label,
        "turnout.location": location,
        "turnout.cache": cache,
        "turnout.tenant": p.tenant,
        "turnout.app": p.app or "",
        "turnout.cost_usd": cost,
        "turnout.estimated_cost_usd": decision.estimated_cost_usd,
        "turnout.modalities": ",".join(sorted(m.value for m in p.modalities)),
        "turnout.findings": ",".join(sorted({f.kind for f in p.findings})),
        "turnout.complexity": p.complexity.score,
        "turnout.attempts": [a.render() for a in outcome.attempts],
        "turnout.reasons": list(decision.reasons) + [a.render() for a in outcome.attempts],
        "http.response.status_code": status,
        GEN_AI_OPERATION_NAME: operation,
        GEN_AI_REQUEST_MODEL: p.requested_model,
        GEN_AI_RESPONSE_MODEL: model or "",
    }
    if usage:
        attrs[GEN_AI_USAGE_INPUT_TOKENS] = usage.get("prompt_tokens") or 0
        attrs[GEN_AI_USAGE_OUTPUT_TOKENS] = usage.get("completion_tokens") or 0
    span.set_attributes(attrs)
    labels = {"model": model or "none", "location": location, "rule": decision.rule or "none",
              "data_class": p.data_class.label, "cache": cache, "status": str(status), "tenant": p.tenant}
    REQUESTS.add(1, labels)
    LATENCY.record(duration_s, {"location": location, "cache": cache})
    if cost:
        COST.add(cost, {"model": model or "none", "location": location, "tenant": p.tenant})
    if status < 400:
        SAVINGS.add(max(0.0, cloud_equivalent(decision) - cost), {"location": location, "tenant": p.tenant})
    if usage:
        TOKENS.add(usage.get("prompt_tokens") or 0, {"model": model or "none", "direction": "input"})
        TOKENS.add(usage.get("completion_tokens") or 0, {"model": model or "none", "direction": "output"})
    for attempt in outcome.attempts:
        ATTEMPTS.add(1, {"model": attempt.model, "outcome": attempt.outcome})
