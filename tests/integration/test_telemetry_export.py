"""Traces and metrics over real sockets: the gateway behind uvicorn on loopback (an incoming
`traceparent`, a malformed body), a cloud model behind the recording fault server priced from
litellm's bundled map, and OTLP export to real receivers — HTTP (protobuf POSTs decoded with the
OTLP protos) and gRPC (a grpc server with the OTLP collector services) — set up from OTEL_* variables.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import httpx
import pytest
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NoOpTracerProvider, SpanKind, StatusCode

from router.otel import build_providers
from router.prices import rates
from router.runtime import build
from router.settings import Settings
from router.telemetry import Telemetry
from tests.integration.fault_server import FaultServer
from tests.integration.wiring import served

POLICY = """
version: 1
auth: {{mode: open}}
accounting: {{reference_model: flagship}}
models:
  - {{id: local, kind: llamacpp, path: not-loaded.gguf, required: false}}
  - {{id: mini, kind: openai, model: gpt-4o-mini, api_base: "{cloud}"}}
  - {{id: flagship, kind: openai, model: gpt-4o, api_base: "{cloud}"}}
rules:
  - {{id: private, when: {{data_class_at_least: confidential}}, route: [local]}}
  - {{id: default, route: [mini], fallbacks: [flagship]}}
"""
TRACE_ID, PARENT_ID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"


@pytest.fixture(scope="module")
def cloud():
    server = FaultServer(mode="ok").start()
    yield server
    server.stop()


@pytest.fixture
def policy(tmp_path, cloud):
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY.format(cloud=cloud.base_url), encoding="utf-8")
    cloud.mode = "ok"
    cloud.clear()
    return path


def traced(policy) -> tuple:
    """A gateway tracing every request into an in-memory exporter, and that exporter."""
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    gateway = build(Settings(policy=policy, redis_url=None),
                    telemetry=Telemetry(tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()])))
    return gateway, spans


def chat(content: str = "Say hi.") -> dict:
    return {"model": "auto", "max_tokens": 8, "messages": [{"role": "user", "content": content}]}


async def test_an_incoming_traceparent_is_honoured_and_the_cloud_cost_comes_from_the_price_map(policy, cloud):
    gateway, spans = traced(policy)
    async with served(gateway) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        response = await client.post("/v1/chat/completions", json=chat(),
                                     headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
    assert response.status_code == 200
    assert len(cloud.bodies) == 1
    [server] = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert f"{server.context.trace_id:032x}" == TRACE_ID and f"{server.parent.span_id:016x}" == PARENT_ID
    assert all(f"{s.context.trace_id:032x}" == TRACE_ID for s in spans.get_finished_spans())
    [client_span] = [s for s in spans.get_finished_spans() if s.kind == SpanKind.CLIENT]
    assert client_span.name == "chat gpt-4o-mini" and client_span.parent.span_id == server.context.span_id
    mini, flagship = rates("gpt-4o-mini"), rates("gpt-4o")
    assert mini.input > 0 and flagship.input > mini.input  # litellm's bundled map, not hand-written prices
    cost = 12 * mini.input + 7 * mini.output  # the fault server reports 12 prompt and 7 completion tokens
    reference = 12 * flagship.input + 7 * flagship.output
    assert server.attributes["turnout.cost_usd"] == pytest.approx(cost)
    assert server.attributes["turnout.reference_cost_usd"] == pytest.approx(reference)
    assert response.headers["x-turnout-cost-usd"] == f"{cost:.8f}"
    assert response.headers["x-turnout-savings-usd"] == f"{reference - cost:.8f}"


async def test_a_malformed_body_over_a_real_socket_is_a_recorded_400_in_a_new_trace(policy):
    gateway, spans = traced(policy)
    async with served(gateway) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        response = await client.post("/v1/chat/completions", content=b'{"model": "auto", "messages": [',
                                     headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"
    [server] = spans.get_finished_spans()
    assert server.kind == SpanKind.SERVER and server.parent is None
    assert server.status.status_code == StatusCode.ERROR
    assert server.attributes["error.type"] == "400" and server.attributes["turnout.refusal"] == "bad_request"
    assert server.attributes["http.response.status_code"] == 400


class _Receiver(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver: decodes each protobuf POST with the OTLP protos."""

    got: dict[str, list] = {}

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["content-length"]))
        kind = {"/v1/traces": trace_service_pb2.ExportTraceServiceRequest,
                "/v1/metrics": metrics_service_pb2.ExportMetricsServiceRequest}[self.path]
        message = kind()
        message.ParseFromString(body)
        self.got.setdefault(self.path, []).append(message)
        reply = {"/v1/traces": trace_service_pb2.ExportTraceServiceResponse,
                 "/v1/metrics": metrics_service_pb2.ExportMetricsServiceResponse}[self.path]().SerializeToString()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args) -> None:
        pass


def _span_names(requests) -> dict[str, dict]:
    out = {}
    for request in requests:
        for rs in request.resource_spans:
            for ss in rs.scope_spans:
                for span in ss.spans:
                    out[span.name] = {a.key: a.value for a in span.attributes}
    return out


def _metric_names(requests) -> set[str]:
    return {m.name for r in requests for rm in r.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}


async def _send_one(policy, providers) -> httpx.Response:
    gateway = build(Settings(policy=policy, redis_url=None),
                    telemetry=Telemetry(providers.tracer_provider, providers.meter_provider))
    async with served(gateway) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        response = await client.post("/v1/chat/completions", json=chat())
    getattr(providers.tracer_provider, "force_flush", lambda: None)()
    providers.meter_provider.force_flush()
    return response


@pytest.fixture
def receiver():
    _Receiver.got = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Receiver.got
    server.shutdown()
    server.server_close()


async def test_otlp_over_http_delivers_spans_and_metrics(policy, receiver, monkeypatch):
    url, got = receiver
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")  # the default keeps one trace in ten
    providers = build_providers(prometheus=False)
    try:
        response = await _send_one(policy, providers)
    finally:
        providers.tracer_provider.shutdown()
        providers.meter_provider.shutdown()
    assert response.status_code == 200
    spans = _span_names(got["/v1/traces"])
    assert {"POST /v1/chat/completions", "chat gpt-4o-mini"} <= set(spans)
    assert spans["chat gpt-4o-mini"]["gen_ai.provider.name"].string_value == "openai"
    assert spans["POST /v1/chat/completions"]["turnout.rule"].string_value == "default"
    assert {"turnout.requests", "turnout.cost", "gen_ai.client.token.usage"} <= _metric_names(got["/v1/metrics"])
    *_, duration = [m for r in got["/v1/metrics"] for rm in r.resource_metrics for sm in rm.scope_metrics
                     for m in sm.metrics if m.name == "turnout.request.duration"]  # the last export (cumulative)
    [point] = duration.histogram.data_points  # kept by router/histograms.py, encoded by the OTLP exporter
    assert point.count == 1 == sum(point.bucket_counts) and 0 < point.sum == point.min == point.max
    assert {a.key: a.value.string_value for a in point.attributes} == {
        "operation": "chat", "model": "mini", "location": "cloud", "cache": "bypass"}
    resource = got["/v1/traces"][0].resource_spans[0].resource
    assert {a.key for a in resource.attributes} >= {"service.name", "service.instance.id"}


async def test_per_signal_switches_turn_traces_off_and_keep_metrics(policy, receiver, monkeypatch):
    url, got = receiver
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", f"{url}/v1/metrics")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    providers = build_providers(prometheus=False)
    assert isinstance(providers.tracer_provider, NoOpTracerProvider)  # no exporter: spans cost nothing
    try:
        await _send_one(policy, providers)
    finally:
        providers.meter_provider.shutdown()
    assert "/v1/traces" not in got and "turnout.requests" in _metric_names(got["/v1/metrics"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_two_replicas_pushing_to_one_receiver_add_up_to_the_traffic(policy, receiver):
    """Two gateway processes, each its own SDK and service.instance.id, push OTLP/HTTP metrics to one
    receiver: the last cumulative point of each instance, summed, is the traffic sent to both."""
    url, got = receiver
    env = {**os.environ, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": f"{url}/v1/metrics", "OTEL_TRACES_EXPORTER": "none",
           "OTEL_METRIC_EXPORT_INTERVAL": "60000"}
    ports = [_free_port(), _free_port()]
    replicas = [subprocess.Popen([sys.executable, "-m", "tests.integration.replica", str(policy), str(port)], env=env,
                                 stdin=subprocess.PIPE) for port in ports]
    sent = {ports[0]: 3, ports[1]: 5}
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            for port, count in sent.items():
                deadline = time.monotonic() + 120
                while True:
                    try:
                        (await client.get(f"http://127.0.0.1:{port}/healthz")).raise_for_status()
                        break
                    except httpx.HTTPError:
                        assert time.monotonic() < deadline and all(r.poll() is None for r in replicas)
                        await asyncio.sleep(0.2)
                for _ in range(count):
                    response = await client.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=chat())
                    assert response.status_code == 200
    finally:
        for replica in replicas:
            replica.stdin.close()  # it stops serving and shuts its SDK down, which pushes the last metrics
        assert [replica.wait(30) for replica in replicas] == [0, 0]
    last: dict[tuple[str, str], dict] = defaultdict(dict)  # (instance, metric) -> labels -> (count or sum)
    for export in got["/v1/metrics"]:
        for rm in export.resource_metrics:
            instance = next(a.value.string_value for a in rm.resource.attributes if a.key == "service.instance.id")
            for m in (m for sm in rm.scope_metrics for m in sm.metrics):
                counter = m.HasField("sum")
                for p in (m.sum.data_points if counter else m.histogram.data_points):
                    labels = tuple(sorted((a.key, a.value.string_value) for a in p.attributes))
                    last[(instance, m.name)][labels] = getattr(p, p.WhichOneof("value")) if counter else p.count
    instances = {instance for instance, _ in last}
    assert len(instances) == 2

    def total(name: str) -> float:
        return sum(sum(last[(i, name)].values()) for i in instances)

    assert total("turnout.requests") == 8 and total("turnout.request.duration") == 8
    assert total("gen_ai.client.operation.duration") == 8
    assert sorted(sum(last[(i, "turnout.requests")].values()) for i in instances) == [3, 5]


def test_otel_sdk_disabled_installs_nothing():
    assert build_providers({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x"}) is None
    with pytest.raises(ValueError, match="allowed: http/protobuf, grpc"):
        build_providers({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"},
                        prometheus=False)


class _Collector(trace_service_pb2_grpc.TraceServiceServicer, metrics_service_pb2_grpc.MetricsServiceServicer):
    def __init__(self) -> None:
        self.traces: list = []
        self.metrics: list = []

    def Export(self, request, context):  # noqa: N802 (the gRPC service's method name)
        if isinstance(request, trace_service_pb2.ExportTraceServiceRequest):
            self.traces.append(request)
            return trace_service_pb2.ExportTraceServiceResponse()
        self.metrics.append(request)
        return metrics_service_pb2.ExportMetricsServiceResponse()


async def test_otlp_over_grpc_delivers_spans_and_metrics(policy, monkeypatch):
    collector = _Collector()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, server)
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(collector, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_on")
    providers = build_providers(prometheus=False)
    try:
        response = await _send_one(policy, providers)
    finally:
        providers.tracer_provider.shutdown()
        providers.meter_provider.shutdown()
        server.stop(0)
    assert response.status_code == 200
    assert {"POST /v1/chat/completions", "chat gpt-4o-mini"} <= set(_span_names(collector.traces))
    assert "turnout.requests" in _metric_names(collector.metrics)
