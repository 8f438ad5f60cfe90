"""Dispatch over function-backed fake backends: the walk along a decision's chain, the one retry rule,
the deadline shares, refusals, and that nothing outside the chain is ever called."""

from __future__ import annotations

import asyncio

import pytest

from backends.base import (BackendBadRequest, BackendError, BackendProtocolError, BackendRateLimited, BackendTimeout,
                           BackendUnavailable, ContextWindowExceeded, opening)
from backends.function import FunctionBackend, completion
from router.dispatch import Dispatcher, Outcome, retry_wait
from router.errors import BudgetExceeded, UpstreamUnavailable
from router.pipeline import plan
from router.policy import RetrySpec
from router.policy_loader import compile_policy

POLICY = """
version: 1
models:
  - {id: local, kind: llamacpp, package: p, n_ctx: 4096}
  - {id: a, kind: litellm, model: openai/a, api_base: "http://a.invalid", context_tokens: 8192}
  - {id: b, kind: litellm, model: openai/b, api_base: "http://b.invalid", context_tokens: 8192}
  - {id: outside, kind: litellm, model: openai/o, api_base: "http://o.invalid", context_tokens: 8192}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local]
  - id: default
    route: [a]
    fallbacks: [b, local]
"""
SPEC = RetrySpec(attempts=2, backoff_s=0.1, max_backoff_s=1.0, max_retry_after_s=5.0)


@pytest.fixture(scope="module")
def decision():
    policy = compile_policy(POLICY, "p.yaml")
    _, decision = plan(policy, {"model": "auto", "messages": [{"role": "user", "content": "Say hi."}]}, {})
    assert decision.chain == ("a", "b", "local")
    return decision


def fakes(**handlers) -> dict[str, FunctionBackend]:
    return {m: FunctionBackend(m, handlers.get(m, lambda r, m=m: completion(f"{m} says hi")))
            for m in ("local", "a", "b", "outside")}


def fails(error: BaseException):
    def handler(request):
        raise error
    return handler


# -- the one retry rule -----------------------------------------------------------------------------

@pytest.mark.parametrize(("error", "retried"), [
    (BackendTimeout("a", "no connection", phase="connect"), True),
    (BackendTimeout("a", "slow", phase="first_token"), False),  # it was reached: another try may hang again
    (BackendTimeout("a", "slow", phase="total"), False),
    (BackendUnavailable("a", "503"), True),
    (BackendUnavailable("a", "no API key", transient=False), False),
    (BackendRateLimited("a", "429"), True),
    (BackendProtocolError("a", "garbage"), True),
    (BackendBadRequest("a", "bad"), False),
    (ContextWindowExceeded("a", "too long"), False),
])
def test_which_failures_are_retried_on_the_same_model(error: BackendError, retried: bool) -> None:
    assert (retry_wait(error, SPEC, 0, 10.0, rng=lambda lo, hi: hi) is not None) is retried


def test_backoff_doubles_with_full_jitter_and_respects_the_cap_the_tries_and_the_time_left() -> None:
    error = BackendUnavailable("a", "503")
    top = lambda lo, hi: hi  # noqa: E731 - the top of the jitter range
    assert [retry_wait(error, SPEC, n, 10.0, rng=top) for n in range(3)] == [0.1, 0.2, None]
    assert retry_wait(error, RetrySpec(attempts=9, backoff_s=0.5, max_backoff_s=1.0), 5, 10.0, rng=top) == 1.0
    assert retry_wait(error, SPEC, 0, 0.05, rng=top) is None  # would not fit in the model's share


def test_a_retry_after_is_honoured_up_to_its_cap() -> None:
    bottom = lambda lo, hi: lo  # noqa: E731
    assert retry_wait(BackendRateLimited("a", "429", retry_after=2.0), SPEC, 0, 10.0, rng=bottom) == 2.0
    assert retry_wait(BackendRateLimited("a", "429", retry_after=6.0), SPEC, 0, 10.0, rng=bottom) is None


# -- the walk -------------------------------------------------------------------------------------

async def test_the_first_answer_along_the_chain_wins_and_every_attempt_is_reported(decision) -> None:
    seen = []
    backends = fakes(a=fails(BackendUnavailable("a", "down")))
    dispatcher = Dispatcher(backends, on_result=lambda model, error: seen.append((model, type(error).__name__)))
    outcome = Outcome()
    response = await dispatcher.complete(decision, {"messages": []}, outcome)
    assert (response["model"], outcome.model) == ("b", "b")
    assert [(a.model, a.outcome) for a in outcome.attempts] == [("a", "BackendUnavailable"), ("b", "ok")]
    assert seen == [("a", "BackendUnavailable"), ("b", "NoneType")]


async def test_nothing_outside_the_decision_chain_is_ever_called(decision) -> None:
    backends = fakes(**{m: fails(BackendUnavailable(m, "down")) for m in ("a", "b", "local")})
    with pytest.raises(UpstreamUnavailable):
        await Dispatcher(backends).complete(decision, {"messages": []}, Outcome())
    assert [len(backends[m].requests) for m in ("a", "b", "local", "outside")] == [1, 1, 1, 0]


async def test_a_context_window_too_small_falls_back_and_a_bad_request_stops(decision) -> None:
    backends = fakes(a=fails(ContextWindowExceeded("a", "too long")))
    outcome = Outcome()
    await Dispatcher(backends).complete(decision, {"messages": []}, outcome)
    assert outcome.model == "b"
    backends = fakes(a=fails(BackendBadRequest("a", "bad schema")))
    with pytest.raises(Exception) as caught:
        await Dispatcher(backends).complete(decision, {"messages": []}, Outcome())
    assert caught.value.status == 400 and not backends["b"].requests


async def test_models_with_no_backend_or_turned_down_by_admit_are_skipped_and_named(decision) -> None:
    backends = fakes()
    del backends["a"]

    async def admit(model: str):
        return BudgetExceeded("over budget") if model == "b" else None

    outcome = Outcome()
    await Dispatcher(backends, admit=admit).complete(decision, {"messages": []}, outcome)
    assert [(a.model, a.outcome) for a in outcome.attempts] == [("a", "NotRunning"), ("b", "BudgetExceeded"),
                                                               ("local", "ok")]
    with pytest.raises(BudgetExceeded):
        await Dispatcher({"b": backends["b"]}, admit=admit).complete(decision, {"messages": []}, Outcome())


async def test_retries_happen_on_the_same_model_before_the_fallback(decision) -> None:
    calls = []

    def flaky(request):
        calls.append(1)
        raise BackendUnavailable("a", "503")

    backends = fakes(a=flaky)
    retries = RetrySpec(attempts=2, backoff_s=0.001, max_backoff_s=0.001)
    outcome = Outcome()
    await Dispatcher(backends, retries=lambda model: retries).complete(decision, {"messages": []}, outcome)
    assert [a.model for a in outcome.attempts] == ["a", "a", "a", "b"]


async def test_a_hanging_model_gets_its_share_of_the_deadline_and_the_fallback_the_rest(decision) -> None:
    async def hang(request):
        await asyncio.sleep(30)

    outcome = Outcome()
    dispatcher = Dispatcher(fakes(a=hang), total_timeout_s=0.3)
    await asyncio.wait_for(dispatcher.complete(decision, {"messages": []}, outcome), timeout=0.25)
    assert [(a.model, a.outcome) for a in outcome.attempts] == [("a", "BackendTimeout"), ("b", "ok")]
    assert 0.08 < outcome.attempts[0].latency_s < 0.15  # 0.3 s over three models


async def test_a_stream_falls_back_only_before_its_first_chunk(decision) -> None:
    outcome = Outcome()
    head, rest = await Dispatcher(fakes(a=lambda r: [])).open_stream(decision, {"messages": []}, outcome)
    assert [(a.model, a.outcome) for a in outcome.attempts] == [("a", "BackendProtocolError"), ("b", "ok")]
    assert head[0]["model"] == "b" and [c async for c in rest][-1]["usage"]["completion_tokens"] == 2


def delta(**fields) -> dict:
    return {"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": fields, "finish_reason": None}]}


@pytest.mark.parametrize(("chunk", "opens"), [
    (delta(role="assistant"), True),
    (delta(role="assistant", content=""), True),
    (delta(role="assistant", content=None, refusal=None), True),
    (delta(role="assistant", content="Hi"), False),
    (delta(content="Hi"), False),
    (delta(tool_calls=[{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": ""}}]), False),
    ({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}, False),  # an empty answer, finished
    ({"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1}}, False),
    ({"error": {"message": "boom"}}, False),
    ({"type": "response.created", "response": {}}, False),  # a Responses event is never read past
])
def test_only_a_chunk_without_any_of_the_answer_is_an_opening(chunk, opens) -> None:
    assert opening(chunk) is opens


async def test_a_stream_is_opened_up_to_its_first_content_and_falls_back_if_it_fails_before(decision) -> None:
    outcome = Outcome()
    dispatcher = Dispatcher(fakes(a=lambda r: [delta(role="assistant", content=""), BackendUnavailable("a", "reset")],
                                  b=lambda r: [delta(role="assistant"), delta(content=""), delta(content="b says hi")]))
    head, rest = await dispatcher.open_stream(decision, {"messages": []}, outcome)
    assert [(a.model, a.outcome) for a in outcome.attempts] == [("a", "BackendUnavailable"), ("b", "ok")]
    assert [c["choices"][0]["delta"] for c in head] == [{"role": "assistant"}, {"content": ""}, {"content": "b says hi"}]
    assert [c async for c in rest] == []


async def test_a_stream_that_only_opens_before_it_ends_is_its_head_whole(decision) -> None:
    outcome = Outcome()
    head, rest = await Dispatcher(fakes(a=lambda r: [delta(role="assistant")])).open_stream(
        decision, {"messages": []}, outcome)
    assert [(a.model, a.outcome) for a in outcome.attempts] == [("a", "ok")] and len(head) == 1
