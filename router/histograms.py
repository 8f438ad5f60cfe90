"""Histograms kept by Turnout itself and handed to the OpenTelemetry SDK only when metrics are collected.

A request adds to plain bucket counts by label values (`Histogram.record`: a bisect and two
additions), instead of going through the SDK's measurement path once per point (a Measurement,
the context, the exemplar filter, attribute hashing, a lock per reader storage): that path costs
as much as everything else a request spends on metrics. Labels are low-cardinality by
construction, so the dict stays small.

`attach(meter_provider, histograms)` makes every reader of an SDK `MeterProvider` (the Prometheus
reader behind /metrics, the periodic OTLP exporter, an in-memory test reader) find these histograms
in each collection, as explicit-bucket histogram metrics of the `turnout.router` scope, with the
reader's temporality (cumulative, or delta for an OTLP exporter asked for it). The readers render
them as they render their own: Prometheus names, units and `_bucket`/`_sum`/`_count` series come
from the exporter, not from here. Handed the API's provider before the SDK is installed (import
time), the histograms wait until `attach_pending` is called with the SDK's provider
(router/otel.setup_telemetry does).

The seam: the SDK has no public hook for a metric producer in this version (1.45), so `attach`
wraps each reader's collect callback (the function the SDK's MeterProvider hands its readers) and
reads the reader's histogram temporality; both are SDK internals. The tests that read histograms
through in-memory readers (cumulative and delta), /metrics and a real OTLP receiver fail if an SDK
upgrade moves them.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

__all__ = ["Histogram", "attach", "attach_pending"]

_SCOPE = "turnout.router"


class _Series:
    __slots__ = ("counts", "sum", "min", "max")

    def __init__(self, buckets: int) -> None:
        self.counts = [0] * buckets
        self.sum, self.min, self.max = 0.0, math.inf, -math.inf


class Histogram:
    """One histogram: explicit bucket bounds (a value v falls in the first bucket whose bound is >= v,
    the last bucket is +Inf), label names, and per label values the counts, sum, min and max. A label
    value None leaves that label out of the point (e.g. `error.type` on a successful attempt)."""

    __slots__ = ("name", "unit", "description", "labels", "bounds", "series", "start_ns", "__weakref__")

    def __init__(self, name: str, unit: str, description: str, labels: tuple[str, ...],
                 bounds: Sequence[float]) -> None:
        self.name, self.unit, self.description, self.labels = name, unit, description, labels
        self.bounds = tuple(float(b) for b in bounds)
        self.series: dict[tuple[str, ...], _Series] = {}
        self.start_ns = time.time_ns()

    def record(self, value: float, *values: str) -> None:
        """Add one value under the label values (in the order of `labels`; None: the label is absent)."""
        series = self.series.get(values)
        if series is None:
            series = self.series[values] = _Series(len(self.bounds) + 1)
        series.counts[bisect_left(self.bounds, value)] += 1
        series.sum += value
        if value < series.min:
            series.min = value
        if value > series.max:
            series.max = value

    def snapshot(self) -> dict[tuple[str, ...], tuple[list[int], float, float, float]]:
        """(bucket counts, sum, min, max) by label values, copied (a periodic exporter reads from its thread
        while requests add: the count of a point is the sum of its copied buckets, so the two agree)."""
        return {values: (list(s.counts), s.sum, s.min, s.max) for values, s in list(self.series.items())}


class _Collected:
    """What one reader saw at its last collection (for delta temporality)."""

    __slots__ = ("at_ns", "seen")

    def __init__(self, at_ns: int) -> None:
        self.at_ns = at_ns
        self.seen: dict[tuple[str, tuple[str, ...]], tuple[list[int], float]] = {}


def _metrics(histograms: Sequence[Histogram], delta: bool, last: _Collected | None, now_ns: int) -> list[Any]:
    from opentelemetry.sdk.metrics.export import AggregationTemporality, HistogramDataPoint, Metric
    from opentelemetry.sdk.metrics.export import Histogram as HistogramData

    temporality = AggregationTemporality.DELTA if delta else AggregationTemporality.CUMULATIVE
    by_name: dict[str, tuple[Histogram, dict[tuple[str, ...], tuple[list[int], float, float, float]]]] = {}
    for histogram in histograms:  # two Telemetry objects on one provider add up, as the SDK's instruments would
        first, merged = by_name.setdefault(histogram.name, (histogram, {}))
        for values, (counts, total, low, high) in histogram.snapshot().items():
            if values in merged:
                c, t, lo, hi = merged[values]
                counts, total, low, high = [a + b for a, b in zip(c, counts)], t + total, min(lo, low), max(hi, high)
            merged[values] = (counts, total, low, high)
    out = []
    for name, (histogram, merged) in by_name.items():
        points = []
        for values, (counts, total, low, high) in merged.items():
            start = histogram.start_ns
            if delta:
                before_counts, before_total = last.seen.get((name, values), ([0] * len(counts), 0.0))
                last.seen[(name, values)] = (counts, total)
                counts, total = [a - b for a, b in zip(counts, before_counts)], total - before_total
                low = high = None  # the interval's extremes are not kept (one series serves every reader)
                start = last.at_ns
                if not any(counts):
                    continue
            points.append(HistogramDataPoint(
                attributes={k: v for k, v in zip(histogram.labels, values) if v is not None},
                start_time_unix_nano=start, time_unix_nano=now_ns,
                count=sum(counts), sum=total, bucket_counts=counts, explicit_bounds=list(histogram.bounds),
                min=low, max=high))
        if points:
            out.append(Metric(name=name, description=histogram.description, unit=histogram.unit,
                              data=HistogramData(data_points=points, aggregation_temporality=temporality)))
    return out


def _merged(data: Any, extra: list[Any], resource: Any) -> Any:
    """`data` (the SDK's MetricsData, or None when it had nothing) with `extra` added to the turnout scope."""
    from opentelemetry.sdk.metrics.export import MetricsData, ResourceMetrics, ScopeMetrics
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope

    if not extra:
        return data
    resource_metrics = list(data.resource_metrics) if data is not None else []
    if not resource_metrics:
        resource_metrics = [ResourceMetrics(resource=resource, scope_metrics=[], schema_url="")]
    first = resource_metrics[0]
    scopes = list(first.scope_metrics)
    for i, scope in enumerate(scopes):
        if scope.scope.name == _SCOPE:
            names = {m.name for m in extra}
            scopes[i] = ScopeMetrics(scope=scope.scope, schema_url=scope.schema_url,
                                     metrics=[m for m in scope.metrics if m.name not in names] + extra)
            break
    else:
        scopes.append(ScopeMetrics(scope=InstrumentationScope(_SCOPE), metrics=extra, schema_url=""))
    resource_metrics[0] = ResourceMetrics(resource=first.resource, scope_metrics=scopes, schema_url=first.schema_url)
    return MetricsData(resource_metrics=resource_metrics)


_ATTACHED: weakref.WeakKeyDictionary[Any, list[Histogram]] = weakref.WeakKeyDictionary()
_PENDING: list[weakref.ref[Histogram]] = []
_LOCK = threading.Lock()


def attach(meter_provider: Any, histograms: Sequence[Histogram]) -> None:
    """Collect `histograms` with every reader of `meter_provider` (an SDK MeterProvider); with the API's
    provider (no SDK yet), keep them for `attach_pending`; with a no-op provider, nowhere."""
    readers = getattr(meter_provider, "_metric_readers", None)
    with _LOCK:
        if readers is None:
            if type(meter_provider).__name__ == "_ProxyMeterProvider":
                _PENDING.extend(weakref.ref(h) for h in histograms)
            return
        known = _ATTACHED.get(meter_provider)
        if known is not None:
            known.extend(histograms)
            return
        known = _ATTACHED[meter_provider] = list(histograms)
    resource = meter_provider._sdk_config.resource
    for reader in readers:
        _wrap(reader, known, resource)


def attach_pending(meter_provider: Any) -> None:
    """Attach the histograms made on the global provider before the SDK was installed as it."""
    with _LOCK:
        pending = [h for h in (ref() for ref in _PENDING) if h is not None]
        _PENDING.clear()
    if pending:
        attach(meter_provider, pending)


def _wrap(reader: Any, histograms: list[Histogram], resource: Any) -> None:
    from opentelemetry.sdk.metrics._internal.instrument import _Histogram  # the key readers keep temporality by
    from opentelemetry.sdk.metrics.export import AggregationTemporality

    collect = reader._collect
    delta = reader._instrument_class_temporality.get(_Histogram) == AggregationTemporality.DELTA
    last = _Collected(time.time_ns())

    def collect_with_histograms(self: Any, *args: Any, **kwargs: Any) -> Any:
        data = collect(self, *args, **kwargs)
        now = time.time_ns()
        extra = _metrics(histograms, delta, last, now)
        last.at_ns = now
        return _merged(data, extra, resource)

    reader._collect = collect_with_histograms
