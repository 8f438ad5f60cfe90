"""Spans and metrics, rendered from one `Served` record per request and emitted once.

Library code here uses only the OpenTelemetry API. `Telemetry(tracer_provider, meter_provider)`
makes its tracer and instruments once (tests hand in SDK providers with in-memory exporters; by
default the global providers, no-ops until router/otel.py installs the SDK at start-up). Emitting a
request renders, from its frozen record only:

- the request span (SERVER when the HTTP layer opened it: it starts at arrival, under an incoming
  `traceparent`), with child spans for each timed step (classify, decide, look, cache) and a CLIENT
  span per backend attempt named by the GenAI conventions (`chat {model}`), all with the measured
  start and end times; status ERROR with `error.type` on failures. No span carries message content
  or a detected value: only kinds, ids, classes, counts and money;
- the metric points of the catalogue (README "Observability"), labels low-cardinality by
  construction (policy model ids, tenant ids, declared apps else "other").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import random
import weakref

from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from router import histograms
from router import semconv as sc
from router.errors import TurnoutError
from router.histograms import Histogram
from router.served import Recording, Served, current, headers

__all__ = ["Telemetry", "span_attributes", "health_gauges", "DEFAULT", "POLICY_RELOADS", "CACHE_ERRORS",
           "BUDGET_EVENTS"]

_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
_TOKENS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576]
_BREAKER = {"closed": 0, "half_open": 1, "open": 2}
GEN_AI_OPERATION = {"chat": sc.OPERATION_CHAT, "responses": sc.OPERATION_CHAT, "completions": sc.OPERATION_CHAT,
                    "embeddings": sc.OPERATION_EMBEDDINGS, "transcriptions": "transcriptions"}

_meter = metrics.get_meter("turnout.router")
POLICY_RELOADS = _meter.create_counter(sc.POLICY_RELOADS, unit="{reload}", description="policy reloads by result")
CACHE_ERRORS = _meter.create_counter(sc.CACHE_ERRORS, unit="{error}", description="cache store failures")
BUDGET_EVENTS = _meter.create_counter(sc.BUDGET_EVENTS, unit="{event}",
                                      description="budget refusals, reroutes to local and ledger failures")


def span_attributes(served: Served) -> dict[str, Any]:
    """The request span's attributes (the same figures as the response headers)."""
    decision = served.decision
    attrs: dict[str, Any] = {
        sc.TURNOUT_OPERATION: served.operation, sc.GEN_AI_OPERATION_NAME: GEN_AI_OPERATION[served.operation],
        sc.TURNOUT_TENANT: served.tenant, sc.TURNOUT_APP: served.app, sc.TURNOUT_RULE: served.rule,
        sc.TURNOUT_DATA_CLASS: served.data_class, sc.TURNOUT_LOCATION: served.location,
        sc.TURNOUT_MODEL: served.model or "none", sc.TURNOUT_CACHE: served.cache,
        sc.TURNOUT_COST: served.bill.cost, sc.TURNOUT_REFERENCE_COST: served.bill.reference,
        sc.TURNOUT_SAVINGS: served.bill.savings, sc.TURNOUT_KEPT_LOCAL: served.bill.kept_local,
        sc.TURNOUT_FALLBACKS: served.fallbacks, sc.HTTP_RESPONSE_STATUS_CODE: served.status,
    }
    if decision is not None:
        profile = decision.profile
        attrs[sc.TURNOUT_MODALITIES] = sorted(m.value for m in profile.modalities)
        attrs[sc.TURNOUT_FINDINGS] = sorted({f.kind for f in profile.findings})
    if served.model is not None and served.model in served.providers:
        provider, name = served.providers[served.model]
        attrs.update({sc.GEN_AI_PROVIDER_NAME: provider, sc.GEN_AI_REQUEST_MODEL: name,
                      sc.GEN_AI_RESPONSE_MODEL: name})
    if served.usage is not None:
        attrs[sc.GEN_AI_USAGE_INPUT_TOKENS] = served.usage.input
        attrs[sc.GEN_AI_USAGE_OUTPUT_TOKENS] = served.usage.output
    if served.time_to_first_token_s is not None:
        attrs[sc.TURNOUT_TTFT] = served.time_to_first_token_s
    if served.refusal is not None:
        attrs[sc.TURNOUT_REFUSAL] = served.refusal
    if served.error_type is not None:
        attrs[sc.ERROR_TYPE] = served.error_type
    return attrs


class _Sums:
    """A counter kept as plain sums by label values, read by an observable counter when metrics are
    collected (a scrape, an OTLP export): a request adds to a dict instead of going through the SDK's
    measurement path (attribute cleaning, hashing, exemplars) once per point. Labels are low-cardinality
    by construction, so the dict stays small."""

    __slots__ = ("labels", "sums")

    def __init__(self, labels: tuple[str, ...]) -> None:
        self.labels = labels
        self.sums: dict[tuple[str, ...], float] = {}

    def add(self, amount: float, *values: str) -> None:
        self.sums[values] = self.sums.get(values, 0) + amount

    def observe(self, _options: Any) -> list[metrics.Observation]:
        return [metrics.Observation(total, dict(zip(self.labels, values)))
                for values, total in self.sums.copy().items()]  # copy: a periodic exporter reads from its thread


class Telemetry:
    """The tracer and every instrument, made once; `emit(served)` records one request."""

    def __init__(self, tracer_provider: trace.TracerProvider | None = None,
                 meter_provider: metrics.MeterProvider | None = None) -> None:
        self.tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer("turnout.router")
        provider = meter_provider or metrics.get_meter_provider()
        self.counting = not isinstance(provider, metrics.NoOpMeterProvider)  # else nobody could read the counts
        meter = provider.get_meter("turnout.router")

        def counter(name: str, unit: str, description: str, labels: tuple[str, ...]) -> _Sums:
            sums = _Sums(labels)
            meter.create_observable_counter(name, callbacks=[sums.observe], unit=unit, description=description)
            return sums

        money = ("tenant", "app", "model", "location")
        self.requests = counter(sc.REQUESTS, "{request}", "requests by endpoint, route and outcome",
                                ("operation", "tenant", "app", "model", "location", "rule", "data_class", "cache",
                                 "status"))
        self.cost = counter(sc.COST, "USD", "actual spend", money)
        self.reference_cost = counter(sc.REFERENCE_COST, "USD",
                                      "what accounting.reference_model would have cost on the same usage", money)
        self.savings = counter(sc.SAVINGS, "USD", "reference cost minus actual cost (>= 0)", money)
        self.kept_local = counter(sc.KEPT_LOCAL, "USD", "reference cost of private traffic that could never leave",
                                  ("tenant", "app", "model"))
        self.cache_lookups = counter(sc.CACHE_LOOKUPS, "{lookup}", "response cache lookups", ("operation", "result"))
        self.attempts = counter(sc.BACKEND_ATTEMPTS, "{attempt}", "backend attempts by outcome",
                                ("model", "location", "outcome"))
        self.fallbacks = counter(sc.FALLBACKS, "{fallback}", "a model failed and the request moved on",
                                 ("model", "error"))
        self.refusals = counter(sc.REFUSALS, "{request}", "requests turned down, by reason", ("reason", "tenant"))
        gen_ai = (sc.GEN_AI_OPERATION_NAME, sc.GEN_AI_PROVIDER_NAME, sc.GEN_AI_REQUEST_MODEL)
        self.token_usage = Histogram(sc.GEN_AI_CLIENT_TOKEN_USAGE, "{token}", "tokens per request",
                                     (*gen_ai, sc.GEN_AI_RESPONSE_MODEL, sc.GEN_AI_TOKEN_TYPE), _TOKENS)
        self.operation_duration = Histogram(sc.GEN_AI_CLIENT_OPERATION_DURATION, "s", "one backend attempt",
                                            (*gen_ai, sc.ERROR_TYPE), _SECONDS)
        self.duration = Histogram(sc.REQUEST_DURATION, "s", "arrival to last byte",
                                  ("operation", "model", "location", "cache"), _SECONDS)
        self.ttft = Histogram(sc.TIME_TO_FIRST_TOKEN, "s", "arrival to first content chunk (streams)", ("model", "location"),
                              _SECONDS)
        # Kept here, rendered to the SDK's readers only when they collect (router/histograms.py).
        histograms.attach(provider, (self.token_usage, self.operation_duration, self.duration, self.ttft))
        self._source: Callable[[], Any] = lambda: None
        for name, unit, description in (
                (sc.BREAKER_STATE, "1", "circuit breaker per model: 0 closed, 1 half-open, 2 open"),
                (sc.LOCAL_QUEUE_DEPTH, "{request}", "requests waiting for a local model"),
                (sc.LOCAL_REPLICAS, "{replica}", "live replicas per local model")):
            meter.create_observable_gauge(name, callbacks=[self._observer(name)], unit=unit, description=description)

    def request_span(self, name: str, parent: Any, attributes: dict[str, Any],
                     kind: SpanKind = SpanKind.SERVER, start_time: int | None = None) -> trace.Span:
        """A request's own span, started now (or at `start_time`) under `parent` (an incoming trace
        context, or None). Under Turnout's default sampler (router/otel.head_sampler) a request with
        no valid incoming trace is drawn here first: one not picked gets the invalid span, and costs
        no span object, sampler call or id at all."""
        tracer = getattr(self.tracer, "_tracer", self.tracer)  # a ProxyTracer: the SDK's tracer behind it
        ratio = getattr(getattr(tracer, "sampler", None), "head_ratio", None)
        if ratio is not None and random.random() >= ratio and (
                parent is None or not trace.get_current_span(parent).get_span_context().is_valid):
            return trace.INVALID_SPAN
        return tracer.start_span(name, context=parent, kind=kind, attributes=attributes, start_time=start_time)

    def watch(self, source: Any) -> None:
        """Read the gauges from `source.gauges()` -> `(gauge name, value, labels)` readings (a Gateway:
        its health board) for as long as it lives. One source at a time, the latest: a process serves
        one gateway, and two would report the same series (a stale one's empty health board reads 0)."""
        self._source = weakref.ref(source)

    def _observer(self, name: str) -> Callable[[Any], Iterable[metrics.Observation]]:
        def observe(_options: Any) -> Iterable[metrics.Observation]:
            source = self._source()
            return [] if source is None else [metrics.Observation(value, labels)
                                              for gauge, value, labels in source.gauges() if gauge == name]
        return observe

    def recording(self, operation: str, tenant: str) -> _Recorded:
        """`with telemetry.recording(operation, tenant) as rec:` one request's Recording: the one the HTTP
        layer opened (router/http_record.py), else one of its own, emitted on the way out (a stream's by
        its body, when it ends). A TurnoutError on the way is recorded, and its response carries the
        headers rendered from the same record."""
        return _Recorded(self, operation, tenant)

    def finish(self, rec: Recording, http_status: int | None = None, span: trace.Span | None = None) -> None:
        """Freeze and emit `rec`, once (a request that never finished, cancelled, is not recorded)."""
        if rec.done or (rec.status is None and http_status is None):
            return
        rec.done = True
        self.emit(rec.freeze(http_status), span)

    def emit(self, served: Served, span: trace.Span | None = None) -> None:
        """Record one finished request: its spans (ending `span`, the request span, when given) and metrics."""
        self._spans(served, span)
        if self.counting:
            self._metrics(served)

    def _spans(self, served: Served, span: trace.Span | None) -> None:
        if span is None:
            span = self.request_span(f"turnout.{served.operation}", served.parent, {}, SpanKind.INTERNAL,
                                     served.start_ns)
        if not span.is_recording():
            span.end(end_time=served.end_ns)
            return
        span.set_attributes(span_attributes(served))
        if served.status >= 400:
            span.set_status(Status(StatusCode.ERROR, served.error_type))
        parent = trace.set_span_in_context(span)
        for step in served.steps:
            self.tracer.start_span(f"turnout.{step.name}", context=parent, start_time=step.start_ns).end(step.end_ns)
        operation = GEN_AI_OPERATION[served.operation]
        for attempt in served.attempts:
            if not attempt.started_ns:  # never sent (no backend, refused by the budget): no client span
                continue
            provider, name = served.providers.get(attempt.model, ("unknown", attempt.model))
            attrs = {sc.GEN_AI_OPERATION_NAME: operation, sc.GEN_AI_PROVIDER_NAME: provider,
                     sc.GEN_AI_REQUEST_MODEL: name, sc.TURNOUT_MODEL: attempt.model,
                     sc.TURNOUT_ATTEMPT_OUTCOME: attempt.outcome}
            if attempt.outcome == "ok":
                attrs[sc.GEN_AI_RESPONSE_MODEL] = name
            if attempt.first_token_s is not None:
                attrs[sc.TURNOUT_TTFT] = attempt.first_token_s
            child = self.tracer.start_span(f"{operation} {name}", context=parent, kind=SpanKind.CLIENT,
                                           start_time=attempt.started_ns, attributes=attrs)
            if attempt.outcome != "ok":
                child.set_attribute(sc.ERROR_TYPE, attempt.outcome)
                child.set_status(Status(StatusCode.ERROR, attempt.outcome))
            child.end(attempt.started_ns + int(attempt.latency_s * 1e9))
        span.end(end_time=served.end_ns)

    def _metrics(self, served: Served) -> None:
        model, location, tenant, app = served.model or "none", served.location, served.tenant, served.app
        self.requests.add(1, served.operation, tenant, app, model, location, served.rule, served.data_class,
                          served.cache, str(served.status))
        self.duration.record(served.duration_s, served.operation, model, location, served.cache)
        if served.cache in ("hit", "miss", "bypass"):
            self.cache_lookups.add(1, served.operation, served.cache)
        if served.refusal is not None:
            self.refusals.add(1, served.refusal, tenant)
        if served.time_to_first_token_s is not None and served.model is not None:
            self.ttft.record(served.time_to_first_token_s, model, location)
        bill = served.bill
        if bill.cost or bill.reference:
            self.cost.add(bill.cost, tenant, app, model, location)
            self.reference_cost.add(bill.reference, tenant, app, model, location)
            self.savings.add(bill.savings, tenant, app, model, location)
            if bill.kept_local:
                self.kept_local.add(bill.kept_local, tenant, app, model)
        operation = GEN_AI_OPERATION[served.operation]
        if served.usage is not None and served.model is not None and served.cache != "hit":
            provider, name = served.providers.get(served.model, ("unknown", served.model))
            self.token_usage.record(served.usage.input, operation, provider, name, name, sc.TOKEN_INPUT)
            self.token_usage.record(served.usage.output, operation, provider, name, name, sc.TOKEN_OUTPUT)
        for attempt in served.attempts:
            model_location = served.locations.get(attempt.model, "none")
            self.attempts.add(1, attempt.model, model_location, attempt.outcome)
            if attempt.outcome != "ok" and attempt.model != served.model:
                self.fallbacks.add(1, attempt.model, attempt.outcome)
            if attempt.started_ns:
                provider, name = served.providers.get(attempt.model, ("unknown", attempt.model))
                self.operation_duration.record(attempt.latency_s, operation, provider, name,
                                               None if attempt.outcome == "ok" else attempt.outcome)


class _Recorded:
    """The context manager of `Telemetry.recording`: a small class, not a generator (it runs once per
    request; @contextlib.contextmanager costs a generator and three more calls)."""

    __slots__ = ("telemetry", "operation", "tenant", "rec")

    def __init__(self, telemetry: Telemetry, operation: str, tenant: str) -> None:
        self.telemetry, self.operation, self.tenant = telemetry, operation, tenant

    def __enter__(self) -> Recording:
        rec = current()
        if rec is None:
            rec = Recording(self.operation, owned=True)
        rec.tenant = self.tenant
        self.rec = rec
        return rec

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        rec = self.rec
        try:
            if isinstance(exc, TurnoutError):
                rec.failed(exc)
                exc.headers.update({k: v for k, v in headers(rec.freeze()).items() if v})
        finally:
            if rec.owned and not rec.streamed:
                self.telemetry.finish(rec)
        return False  # the exception, if any, goes on


def health_gauges(board: Any, backends: Mapping[str, Any],
                  local_models: Iterable[str]) -> list[tuple[str, int, dict[str, str]]]:
    """Gauge readings from a health board: breaker state for every model it has seen, queue depth and
    live replicas for local models (from the last health snapshot: no backend call per scrape)."""
    readings = [(sc.BREAKER_STATE, _BREAKER.get(state, 0), {"model": model})
                for model, state in board.breakers.states().items()]
    snapshot = board.snapshot
    for model in local_models:
        health = snapshot.get(model)
        readings.append((sc.LOCAL_QUEUE_DEPTH, health.queue_depth if health else 0, {"model": model}))
        replicas = getattr(backends.get(model), "replicas", None)
        if replicas is None:
            replicas = 1 if health is not None and health.available else 0
        readings.append((sc.LOCAL_REPLICAS, int(replicas), {"model": model}))
    return readings


DEFAULT = Telemetry()  # on the global providers (the SDK once router/otel.py installed it)
