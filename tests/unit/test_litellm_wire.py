"""litellm's fast path (backends/litellm_wire.py): which providers take it, and that the request it sends
is the one litellm's provider layer builds (parameters mapped and dropped per provider), not a copy."""

from __future__ import annotations

import orjson
import pytest

from backends.cloud import LiteLLMBackend

KEY_ENV = "TURNOUT_TEST_WIRE_KEY"


@pytest.mark.parametrize(("model", "api_base", "url"), [
    ("openai/gpt-4o-mini", None, "https://api.openai.com/v1/chat/completions"),
    ("openai/gemma", "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1/chat/completions"),
    ("hosted_vllm/qwen", "http://vllm:8000/v1", "http://vllm:8000/v1/chat/completions"),
    ("together_ai/meta-llama/x", None, "https://api.together.ai/v1/chat/completions"),
])
def test_openai_wire_providers_take_the_fast_path(model: str, api_base: str | None, url: str) -> None:
    backend = LiteLLMBackend("m", model, api_base=api_base)
    assert backend._wire is not None, backend.path
    assert backend._wire.url == url
    assert "transformation layer" in backend.path


@pytest.mark.parametrize(("model", "why"), [
    ("anthropic/claude-sonnet-4-5", "own wire format"),
    ("gemini/gemini-2.0-flash", "own wire format"),
    ("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", "own wire format"),
    ("groq/llama-3.1-8b-instant", "overrides transform_response"),
    ("mistral/mistral-small-latest", "overrides transform_response"),
    ("no-such-provider/x", "does not resolve"),
])
def test_other_providers_keep_litellm_acompletion_and_say_why(model: str, why: str) -> None:
    backend = LiteLLMBackend("m", model)
    assert backend._wire is None
    assert why in backend.path


def test_the_request_is_the_providers_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    """o-series models take max_completion_tokens, no temperature and no system role: litellm's
    o-series config does that mapping, and the fast path sends what it built."""
    monkeypatch.setenv(KEY_ENV, "sk-test-0123")
    backend = LiteLLMBackend("reasoner", "openai/o3-mini", api_key_env=KEY_ENV, extra_headers={"x-team": "ops"})
    request = {"model": "auto", "messages": [{"role": "system", "content": "Be brief."},
                                             {"role": "user", "content": "hi"}],
               "max_tokens": 16, "temperature": 0.7, "seed": 3, "stream": True}

    url, headers, body = backend._wire._prepare(request, stream=True)

    sent = orjson.loads(body)
    assert url == "https://api.openai.com/v1/chat/completions"
    assert headers["Authorization"] == "Bearer sk-test-0123" and headers["x-team"] == "ops"
    assert sent["model"] == "o3-mini" and sent["max_completion_tokens"] == 16
    assert "max_tokens" not in sent and "temperature" not in sent
    assert [m["role"] for m in sent["messages"]] == ["user", "user"]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True} and sent["seed"] == 3


def test_the_key_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = LiteLLMBackend("m", "openai/gpt-4o-mini", api_key_env=KEY_ENV)
    for key in ("sk-first", "sk-rotated"):
        monkeypatch.setenv(KEY_ENV, key)
        _, headers, _ = backend._wire._prepare({"messages": [{"role": "user", "content": "hi"}]}, stream=False)
        assert headers["Authorization"] == f"Bearer {key}"


@pytest.mark.parametrize("model", ["openai/o3-mini", "openai/gpt-4o-mini", "hosted_vllm/qwen", "together_ai/meta-llama/x"])
def test_a_repeated_parameter_set_is_mapped_as_litellm_maps_it_each_time(model: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """get_optional_params is worked out once per parameter set: every request, first or repeated, with
    other messages or other values, is built exactly as a fresh litellm mapping builds it."""
    monkeypatch.setenv(KEY_ENV, "sk-test")
    kept = LiteLLMBackend("m", model, api_base="http://127.0.0.1:9/v1", api_key_env=KEY_ENV)._wire
    requests = [{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}],
                 "max_tokens": tokens, "temperature": 0.7, **extra}
                for text, tokens, extra in [("hi", 16, {}), ("again", 16, {}), ("hi", 32, {"seed": 3}),
                                            ("tools", 16, {"tools": [{"type": "function", "function": {
                                                "name": "f", "parameters": {"type": "object"}}}]}),
                                            ("hi", 16, {})]]
    for request in requests:
        for stream in (False, True):
            fresh = LiteLLMBackend("m", model, api_base="http://127.0.0.1:9/v1", api_key_env=KEY_ENV)._wire
            url, headers, body = kept._prepare(request, stream=stream)
            assert (url, headers, orjson.loads(body)) == (lambda u, h, b: (u, h, orjson.loads(b)))(
                *fresh._prepare(request, stream=stream))
    # three plain parameter sets, streamed and not, are kept (a mapping that is not plain JSON, such as
    # some providers' tools, is worked out each time)
    assert len(kept._mapped) >= 6
