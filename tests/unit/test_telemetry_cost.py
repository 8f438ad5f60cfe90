"""What keeps telemetry cheap without losing anything: the default trace sampler (router/otel.py),
a request that is not sampled (one non-recording span, complete metrics), and the request-path
histograms Turnout keeps itself and hands to every SDK reader at collection (router/histograms.py).
The overhead itself is measured by bench/telemetry.py, not here."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.metrics import Histogram as SdkHistogram
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.trace import sampling

from router.histograms import Histogram, attach
from router.otel import DEFAULT_TRACE_RATIO, sampler
from tests.unit.test_telemetry import chat, otel, store  # noqa: F401 (fixtures)

TRACE_ID, PARENT_ID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"


def test_the_default_sampler_keeps_a_share_of_its_own_traces_and_every_trace_a_caller_sampled():
    default = sampler({})
    assert isinstance(default, sampling.ParentBased) and 0 < DEFAULT_TRACE_RATIO < 1
    assert default.head_ratio == DEFAULT_TRACE_RATIO and "TurnoutHeadRatio" in default.get_description()
    assert sampler({"OTEL_TRACES_SAMPLER_ARG": "0.25"}).head_ratio == 0.25
    assert sampler({"OTEL_TRACES_SAMPLER": "parentbased_traceidratio"}).get_description() == sampling.ParentBased(
        sampling.TraceIdRatioBased(DEFAULT_TRACE_RATIO)).get_description()  # the SDK's, by name
    assert sampler({"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"}).rate == 0.5
    assert sampler({"OTEL_TRACES_SAMPLER": "parentbased_always_on"}).get_description() == sampling.ParentBased(
        sampling.ALWAYS_ON).get_description()
    assert sampler({"OTEL_TRACES_SAMPLER": "always_off"}) is sampling.ALWAYS_OFF
    assert sampler({"OTEL_TRACES_SAMPLER": "my_entry_point"}) is None  # left to the SDK's entry points
    with pytest.raises(ValueError, match=r"OTEL_TRACES_SAMPLER_ARG: '1.5'; allowed: a ratio from 0 to 1"):
        sampler({"OTEL_TRACES_SAMPLER_ARG": "1.5"})
    with pytest.raises(ValueError, match=r"OTEL_TRACES_SAMPLER_ARG: 'ten'"):
        sampler({"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "ten"})


async def test_a_request_not_sampled_leaves_no_span_and_complete_metrics(otel):
    o = otel(sampler=sampling.ParentBased(sampling.TraceIdRatioBased(0.0)))
    response = await o.post("/v1/chat/completions", chat())
    assert response.status_code == 200 and response.headers["x-turnout-model"] == "cheap"
    assert o.spans() == ()
    assert [p[1] for p in o.points("turnout.requests")] == [1]
    assert o.counts("turnout.request.duration") == [
        ({"operation": "chat", "model": "cheap", "location": "cloud", "cache": "bypass"}, 1)]
    assert sorted(p[1] for p in o.points("gen_ai.client.token.usage")) == [2, 10]


async def test_a_caller_sampled_trace_is_kept_whole_by_the_default_sampler(otel):
    o = otel(sampler=sampler({"OTEL_TRACES_SAMPLER_ARG": "0"}))  # none of its own: only the caller's
    await o.post("/v1/chat/completions", chat(), headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
    assert sorted(s.name for s in o.spans()) == ["POST /v1/chat/completions", "chat cheap-1", "turnout.classify",
                                                  "turnout.decide"]
    assert {f"{s.context.trace_id:032x}" for s in o.spans()} == {TRACE_ID}
    await o.post("/v1/chat/completions", chat(), headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-00"})
    assert len(o.spans()) == 4  # the caller did not sample this one: nothing more
    assert [p[1] for p in o.points("turnout.requests")] == [2]


async def test_the_default_sampler_draws_before_any_span_exists(otel, monkeypatch):
    o = otel(sampler=sampler({"OTEL_TRACES_SAMPLER_ARG": "0.5"}))
    draws = iter([0.7, 0.2])  # the first request is not picked, the second is
    monkeypatch.setattr("router.telemetry.random.random", lambda: next(draws))
    first = await o.post("/v1/chat/completions", chat())
    assert first.status_code == 200 and o.spans() == ()
    await o.post("/v1/chat/completions", chat())
    assert sorted(s.name for s in o.spans()) == ["POST /v1/chat/completions", "chat cheap-1", "turnout.classify",
                                                  "turnout.decide"]
    assert [p[1] for p in o.points("turnout.requests")] == [2]  # metrics count both


async def test_every_reader_gets_the_histograms_in_its_own_temporality(otel):
    delta = InMemoryMetricReader(preferred_temporality={SdkHistogram: AggregationTemporality.DELTA})
    o = otel(readers=[delta])
    await o.post("/v1/chat/completions", chat())
    first = _durations(delta)
    await o.post("/v1/chat/completions", chat())
    await o.post("/v1/chat/completions", chat())
    second = _durations(delta)
    assert [(p.count, p.min) for p in first] == [(1, first[0].max)] and [p.count for p in second] == [2]
    assert second[0].min is None and second[0].start_time_unix_nano >= first[0].time_unix_nano
    assert o.counts("turnout.request.duration") == [
        ({"operation": "chat", "model": "cheap", "location": "cloud", "cache": "bypass"}, 3)]  # cumulative
    assert _durations(delta) == []  # nothing new: no point


def _durations(reader):
    data = reader.get_metrics_data()
    return [p for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
            if m.name == "turnout.request.duration" for p in m.data.data_points]


def test_histogram_buckets_match_the_sdk_and_absent_labels_stay_absent():
    """Ours put each value in the bucket the SDK's explicit-bucket aggregation would (v <= bound),
    and two histograms of one name on one provider add up as the SDK's instruments would."""
    ours_reader, sdk_reader = InMemoryMetricReader(), InMemoryMetricReader()
    bounds = [0.005, 0.01, 1.0]
    values = [0.001, 0.005, 0.0051, 0.01, 0.5, 1.0, 7.0]
    ours, twin = (Histogram("t.d", "s", "d", ("model", "error.type"), bounds) for _ in range(2))
    attach(MeterProvider(metric_readers=[ours_reader]), [ours, twin])
    sdk = MeterProvider(metric_readers=[sdk_reader]).get_meter("x").create_histogram(
        "t.d", unit="s", explicit_bucket_boundaries_advisory=bounds)
    for v in values:
        ours.record(v, "m", None)
        sdk.record(v, {"model": "m"})
    twin.record(0.002, "m", "BackendTimeout")
    twin.record(0.003, "m", None)
    sdk.record(0.003, {"model": "m"})
    [ok, failed] = sorted(_points(ours_reader), key=lambda p: len(p.attributes))
    [reference] = _points(sdk_reader)
    assert dict(ok.attributes) == {"model": "m"}
    assert dict(failed.attributes) == {"model": "m", "error.type": "BackendTimeout"}
    assert (list(ok.bucket_counts), ok.count, ok.min, ok.max) == (
        list(reference.bucket_counts), reference.count, reference.min, reference.max) == ([3, 2, 2, 1], 8, 0.001, 7.0)
    assert ok.sum == pytest.approx(reference.sum) and list(ok.explicit_bounds) == bounds
    assert (failed.count, list(failed.bucket_counts)) == (1, [1, 0, 0, 0])


def _points(reader):
    data = reader.get_metrics_data()
    return [p for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
            for p in m.data.data_points]
