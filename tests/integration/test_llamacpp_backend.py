"""LlamaCppEngine against the real packaged gemma3-270m model (about 85 tokens/s here)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from backends.base import Backend, ContextWindowExceeded
from backends.llamacpp import LlamaCppEngine, chat_handler_names, resolve_model_path
from backends.registry import REGISTRY
from router.upstream import to_router_error

# One event loop for the session: the engine, its lock and litellm's clients outlive a test.
session_loop = pytest.mark.asyncio(loop_scope="session")

# Not stopping a generation of LONG tokens would cost hundreds of times what a 4-token request
# does (over 20 s here). Stop-then-serve times are compared with a 4-token request timed in the
# same test, so a machine busy with other work slows both sides alike.
LONG = 1900


async def short_request_s(engine: LlamaCppEngine) -> float:
    started = time.monotonic()
    response = await engine.complete(ask(max_tokens=4))
    assert response["usage"]["completion_tokens"] == 4
    return time.monotonic() - started


def assert_stopped_promptly(elapsed_s: float, baseline_s: float) -> None:
    # A run to LONG tokens takes ~20 s on a quiet core and longer on a busy one, so a generation that went
    # on would miss this by far; the 8 s absorb a core shared with other processes (seen: 3.6-4.1 s at load ~5).
    bound = 10 * baseline_s + 8.0
    assert elapsed_s < bound, f"slot freed and next request served after {elapsed_s:.2f} s " \
                              f"(a 4-token request alone took {baseline_s:.2f} s)"


def ask(text: str = "Count from one to ten.", **params: object) -> dict:
    return {"messages": [{"role": "user", "content": text}], "temperature": 0, **params}


@session_loop
async def test_engine_satisfies_the_protocol(llama_engine: LlamaCppEngine) -> None:
    assert isinstance(llama_engine, Backend)
    health = await llama_engine.health()
    assert health.available and health.free_slots == 1 and health.queue_depth == 0


@session_loop
async def test_complete_returns_openai_shape_with_usage(llama_engine: LlamaCppEngine) -> None:
    response = await llama_engine.complete(ask(max_tokens=8))

    assert response["object"] == "chat.completion"
    assert response["id"].startswith("chatcmpl-")
    assert response["model"] == "local-gemma"
    [choice] = response["choices"]
    assert choice["message"]["role"] == "assistant"
    assert isinstance(choice["message"]["content"], str) and choice["message"]["content"]
    assert choice["finish_reason"] == "length"
    usage = response["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] == 8
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


@session_loop
async def test_stream_yields_chunks_then_one_usage_chunk(llama_engine: LlamaCppEngine) -> None:
    chunks = [chunk async for chunk in llama_engine.stream(ask(max_tokens=8))]

    *body, last = chunks
    assert last["choices"] == [] and last["object"] == "chat.completion.chunk"
    assert all(chunk["choices"] for chunk in body)
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert {chunk["id"] for chunk in chunks} == {body[0]["id"]}
    assert body[0]["id"].startswith("chatcmpl-")
    assert {chunk["model"] for chunk in chunks} == {"local-gemma"}
    assert body[-1]["choices"][0]["finish_reason"] == "length"
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in body)
    assert last["usage"]["completion_tokens"] == 8 and last["usage"]["prompt_tokens"] > 0


@session_loop
@pytest.mark.parametrize("params", [
    {"max_tokens": 12},                                   # stops at the length limit
    {"max_tokens": 30, "stop": ["integer"]},              # stops at a stop string
    {"max_tokens": 30, "logit_bias": {"1": 100}},         # forced end-of-sequence first
], ids=["length", "stop-string", "end-of-sequence"])
async def test_streamed_usage_counts_tokens_exactly_as_complete_does(
        llama_engine: LlamaCppEngine, params: dict) -> None:
    request = ask(**params)
    completed = await llama_engine.complete(request)
    chunks = [chunk async for chunk in llama_engine.stream(request)]

    assert chunks[-1]["usage"] == completed["usage"]
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-1])
    assert streamed == completed["choices"][0]["message"]["content"]


@session_loop
async def test_closing_a_stream_stops_generation_and_frees_the_slot(
        llama_engine: LlamaCppEngine) -> None:
    baseline = await short_request_s(llama_engine)
    stream = llama_engine.stream(ask("Write a long story about a lighthouse.", max_tokens=LONG))
    for _ in range(3):
        await anext(stream)
    assert (await llama_engine.health()).free_slots == 0

    started = time.monotonic()
    await stream.aclose()
    await short_request_s(llama_engine)

    assert_stopped_promptly(time.monotonic() - started, baseline)


@session_loop
async def test_cancelling_the_consuming_task_stops_generation(llama_engine: LlamaCppEngine) -> None:
    baseline = await short_request_s(llama_engine)
    three_chunks = asyncio.Event()

    async def consume() -> None:
        seen = 0
        async for _ in llama_engine.stream(ask("Write a long story.", max_tokens=LONG)):
            seen += 1
            if seen == 3:
                three_chunks.set()

    task = asyncio.create_task(consume())
    await three_chunks.wait()
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await short_request_s(llama_engine)

    assert_stopped_promptly(time.monotonic() - started, baseline)


@session_loop
async def test_cancelling_complete_stops_generation(llama_engine: LlamaCppEngine) -> None:
    baseline = await short_request_s(llama_engine)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(llama_engine.complete(ask("Write a long story.", max_tokens=LONG)),
                               timeout=0.3)
    started = time.monotonic()
    await short_request_s(llama_engine)

    assert_stopped_promptly(time.monotonic() - started, baseline)


@session_loop
async def test_generation_runs_off_the_event_loop(llama_engine: LlamaCppEngine) -> None:
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    await llama_engine.complete(ask(max_tokens=40))
    done.set()
    await ticking

    assert len(gaps) > 10 and max(gaps) < 0.25, f"event loop blocked for {max(gaps):.3f} s"


@session_loop
async def test_prompt_beyond_the_context_window_is_refused_before_generating(
        llama_engine: LlamaCppEngine) -> None:
    with pytest.raises(ContextWindowExceeded) as caught:
        await llama_engine.complete(ask("lighthouse " * 3000, max_tokens=4))

    error = caught.value
    assert error.model_id == "local-gemma"
    assert "2048" in error.message
    routed = to_router_error(error)
    assert routed.status == 400 and routed.code == "context_length_exceeded"
    assert "local-gemma" in routed.message

    with pytest.raises(ContextWindowExceeded):
        async for _ in llama_engine.stream(ask("lighthouse " * 3000, max_tokens=4)):
            pass
    assert (await llama_engine.complete(ask(max_tokens=2)))["usage"]["completion_tokens"] == 2


@session_loop
async def test_concurrent_requests_are_serialized_and_the_wait_is_visible(
        llama_engine: LlamaCppEngine) -> None:
    first = llama_engine.stream(ask(max_tokens=30))
    await anext(first)
    second = asyncio.create_task(llama_engine.complete(ask(max_tokens=4)))
    await asyncio.sleep(0)  # let the second request run up to the slot and wait there

    busy = await llama_engine.health()
    assert (busy.queue_depth, busy.free_slots) == (1, 0)
    assert not second.done()

    rest = [chunk async for chunk in first]
    assert rest[-1]["usage"]["completion_tokens"] == 30
    assert (await second)["usage"]["completion_tokens"] == 4
    idle = await llama_engine.health()
    assert (idle.queue_depth, idle.free_slots) == (0, 1)


def test_missing_model_file_names_the_path_and_the_model(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(FileNotFoundError, match="ghost") as caught:
        LlamaCppEngine("ghost", missing)
    assert str(missing) in str(caught.value)

    with pytest.raises(FileNotFoundError) as caught:
        resolve_model_path("models/nope.gguf", None, tmp_path, model_id="ghost")
    assert str(tmp_path / "models" / "nope.gguf") in str(caught.value)
    assert "ghost" in str(caught.value)


def test_relative_path_resolves_against_model_dir(gemma_path: Path) -> None:
    assert resolve_model_path(gemma_path.name, None, gemma_path.parent) == gemma_path


def test_chat_handler_names_are_the_installed_multimodal_handlers(gemma_path: Path) -> None:
    names = chat_handler_names()
    assert {"Llava15ChatHandler", "Qwen25VLChatHandler", "MTMDChatHandler"} <= set(names)
    with pytest.raises(ValueError, match="known: .*Llava15ChatHandler"):
        LlamaCppEngine("m", gemma_path, chat_handler="NoSuchChatHandler", clip_model_path="x")


def test_only_known_model_packages_are_imported() -> None:
    with pytest.raises(ValueError, match="unknown model package 'os'; known: gemma3-270m"):
        resolve_model_path(None, "os", None, model_id="m")


@session_loop
async def test_registry_builds_a_loaded_engine_from_policy_options(gemma_path: Path) -> None:
    engine = REGISTRY["llamacpp"]("registry-gemma", path=gemma_path.name, package=None,
                                  model_dir=gemma_path.parent, chat_format="gemma", n_ctx=512)
    try:
        assert isinstance(engine, LlamaCppEngine) and engine.n_ctx == 512
        response = await engine.complete(ask(max_tokens=2))
        assert response["model"] == "registry-gemma"
    finally:
        engine.close()
    assert not (await engine.health()).available
