"""litellm's fast path (backends/litellm_wire.py): which providers take it, and that the request it sends
is the one litellm's provider layer builds (parameters mapped and dropped per provider), not a copy."""

from __future__ import annotations

import copy

import orjson
import pytest

from backends import litellm_wire
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


# -- what the fast path works out once, or skips, is what litellm's own steps give ---------------------------
FAST_MODELS = [("openai/gpt-4o-mini", None), ("openai/gpt-4o-mini", "http://gateway:4000/v1"),
               ("openai/gpt-5.6", None),  # reads OpenAI's prompt_cache_breakpoint: the walk renames marks
               ("openai/claude-sonnet-4-5", "http://gateway:4000/v1"),  # a Claude behind a gateway: marks capped
               ("openai/o3-mini", None), ("hosted_vllm/qwen", "http://vllm:8000/v1"),
               ("together_ai/meta-llama/x", None)]
TOOL = {"type": "function", "function": {"name": "lookup", "description": "Find an order.",
                                         "parameters": {"type": "object", "properties": {
                                             "id": {"type": "string", "pattern": "^[A-Z]{2}\\d+$"}}}}}
UNMARKED = {
    "plain": [{"role": "user", "content": "hi"}],
    "conversation": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi", "name": "ann"},
                     {"role": "assistant", "content": "Hello."}, {"role": "system", "content": "Stay kind."},
                     {"role": "user", "content": "again"}],
    "parts": [{"role": "user", "content": [{"type": "text", "text": "what is this"},
                                           {"type": "image_url", "image_url": "https://example.com/a.png"},
                                           {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA",
                                                                               "detail": "low"}}]}],
    "tool turn": [{"role": "user", "content": "find AB12"},
                  {"role": "assistant", "content": None, "tool_calls": [
                      {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{\"id\":\"AB12\"}"}}]},
                  {"role": "tool", "tool_call_id": "c1", "content": "shipped"}],
    "a mark's name as text": [{"role": "user", "content": "what does \"cache_control\" do?"}],
}
MARKED = {
    "part": [{"role": "user", "content": [{"type": "text", "text": "long context",
                                           "cache_control": {"type": "ephemeral"}}, {"type": "text", "text": "q"}]}],
    "message": [{"role": "system", "content": "rules", "cache_control": {"type": "ephemeral"}},
                {"role": "user", "content": "hi"}],
    "breakpoint": [{"role": "user", "content": [{"type": "text", "text": "ctx",
                                                 "prompt_cache_breakpoint": {"type": "ephemeral"}}]}],
    "tool result": [{"role": "user", "content": "find AB12"},
                    {"role": "tool", "tool_call_id": "c1", "content": [
                        {"type": "text", "text": "shipped", "cache_control": {"type": "ephemeral"}}]}],
}


def _litellms_own(wire, request: dict, *, stream: bool) -> tuple[str, dict[str, str], dict]:
    """The request litellm.completion's steps build for an OpenAI-wire provider, nothing kept or skipped."""
    from litellm.utils import get_optional_params

    params = {k: v for k, v in request.items() if k not in wire.reserved and k != "messages"}
    if stream:
        params["stream_options"] = {"include_usage": True}
    litellm_params = {"custom_llm_provider": wire.provider, "api_base": wire.api_base, "drop_params": True}
    messages = list(wire.config.translate_developer_role_to_system_role(
        copy.deepcopy(request["messages"]), model=wire.model, custom_llm_provider=wire.provider,
        api_base=wire.api_base, model_info=None))
    optional = get_optional_params(model=wire.model, custom_llm_provider=wire.provider, drop_params=True,
                                   messages=messages, stream=stream, **copy.deepcopy(params))
    extra_body = optional.pop("extra_body", None) or {}
    api_key = wire._secret()
    headers = wire.config.validate_environment(headers=dict(wire.owner.extra_headers), model=wire.model,
                                               messages=messages, optional_params=optional,
                                               litellm_params=dict(litellm_params), api_key=api_key,
                                               api_base=wire.api_base)
    url = wire.config.get_complete_url(api_base=wire.api_base, api_key=api_key, model=wire.model,
                                       optional_params=optional, litellm_params=dict(litellm_params), stream=stream)
    body = wire.config.transform_request(model=wire.model, messages=messages, optional_params=optional,
                                         litellm_params=dict(litellm_params), headers=headers)
    body.update(extra_body)
    body["stream"] = stream
    headers["accept"] = "text/event-stream" if stream else "application/json"
    return url, headers, body


def _sent(wire, request: dict, *, stream: bool) -> tuple[str, dict[str, str], dict]:
    url, headers, body = wire._prepare(copy.deepcopy(request), stream=stream)
    return url, headers, orjson.loads(body)


@pytest.mark.parametrize(("model", "api_base"), FAST_MODELS)
def test_every_request_is_built_as_litellms_own_steps_build_it(model: str, api_base: str | None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Cached steps (parameters, headers, URL), the skipped cache-mark walk and the kept roles, over marked and
    unmarked messages, tools, developer roles, repeated and changed parameters, streamed and not."""
    monkeypatch.setenv(KEY_ENV, "sk-test")
    wire = LiteLLMBackend("m", model, api_base=api_base, api_key_env=KEY_ENV)._wire
    assert wire is not None
    shapes = [*UNMARKED.values(), *MARKED.values(),
              [{"role": "developer", "content": "Answer in French."}, {"role": "user", "content": "hi"}]]
    requests = [{"messages": messages, "max_tokens": 16, "temperature": 0.2} for messages in shapes]
    requests += [{"messages": UNMARKED["plain"], "max_tokens": 32, "tools": [TOOL]},
                 {"messages": UNMARKED["tool turn"], "tools": [TOOL], "tool_choice": "auto"},
                 {"messages": UNMARKED["plain"], "tools": [{**TOOL, "cache_control": {"type": "ephemeral"}}]},
                 {"messages": UNMARKED["plain"], "max_tokens": 16, "temperature": 0.2}]  # repeated: from the cache
    for request in requests:
        for stream in (False, True):
            assert _sent(wire, request, stream=stream) == _litellms_own(wire, request, stream=stream), request


@pytest.mark.parametrize(("model", "api_base"), FAST_MODELS)
@pytest.mark.parametrize("shape", UNMARKED)
def test_the_cache_mark_walk_changes_nothing_where_it_is_skipped(model: str, api_base: str | None,
                                                                 shape: str) -> None:
    """litellm's transform_request with and without its cache-mark walk, on messages and tools without marks."""
    wire = LiteLLMBackend("m", model, api_base=api_base)._wire
    litellm_params = {"custom_llm_provider": wire.provider, "api_base": wire.api_base, "drop_params": True}
    messages = UNMARKED[shape]
    assert not litellm_wire._carries_marks(messages)
    built = [config.transform_request(model=wire.model, messages=copy.deepcopy(messages),
                                      optional_params={"tools": [copy.deepcopy(TOOL)], "max_tokens": 8},
                                      litellm_params=dict(litellm_params), headers={})
             for config in (wire.config, wire._unmarked)]
    assert built[0] == built[1]
    assert wire._unmarked is not wire.config  # the walk is skipped on a copy ...
    assert "_messages_and_tools_in_cache_mark_dialect" not in vars(wire.config)  # ... never on litellm's own


@pytest.mark.parametrize("shape", MARKED)
def test_a_marked_request_takes_the_whole_walk(shape: str) -> None:
    assert litellm_wire._carries_marks(MARKED[shape])
    assert litellm_wire._carries_marks([{"role": "user", "content": "hi", "extra": object()}])  # not JSON: assumed


def test_developer_roles_are_placed_as_litellm_places_them_for_a_strict_template(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A model declared to refuse a system message mid-conversation gets its system runs folded by litellm's
    translation: the shortcut for messages without a developer role does not apply to it."""
    import litellm

    monkeypatch.setitem(litellm.model_cost, "hosted_vllm/strict", {
        "litellm_provider": "hosted_vllm", "mode": "chat", "supports_mid_conversation_system": False})
    strict = LiteLLMBackend("m", "hosted_vllm/strict", api_base="http://vllm:8000/v1")._wire
    assert not strict._roles_kept
    assert LiteLLMBackend("m", "hosted_vllm/qwen", api_base="http://vllm:8000/v1")._wire._roles_kept
    request = {"messages": UNMARKED["conversation"]}
    assert _sent(strict, request, stream=False) == _litellms_own(strict, request, stream=False)


def test_a_changed_key_parameter_or_header_is_never_served_from_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = LiteLLMBackend("m", "openai/gpt-4o-mini", api_key_env=KEY_ENV, extra_headers={"x-team": "ops"})
    wire = backend._wire
    request = {"messages": UNMARKED["plain"], "max_tokens": 16}
    monkeypatch.setenv(KEY_ENV, "sk-first")
    assert _sent(wire, request, stream=False)[1]["Authorization"] == "Bearer sk-first"
    monkeypatch.setenv(KEY_ENV, "sk-rotated")
    assert _sent(wire, request, stream=False)[1]["Authorization"] == "Bearer sk-rotated"
    assert _sent(wire, {**request, "max_tokens": 64}, stream=False)[2]["max_tokens"] == 64
    assert _sent(wire, request, stream=True)[1]["accept"] == "text/event-stream"
    backend.extra_headers["x-team"] = "finance"
    assert _sent(wire, request, stream=False)[1]["x-team"] == "finance"
    other = LiteLLMBackend("m", "openai/gpt-4o", api_base="http://gateway:4000/v1", api_key_env=KEY_ENV)._wire
    url, _, body = _sent(other, request, stream=False)
    assert (url, body["model"]) == ("http://gateway:4000/v1/chat/completions", "gpt-4o")
    for sent in (_sent(wire, request, stream=False), _sent(other, request, stream=False)):
        assert sent[1]["Authorization"] == "Bearer sk-rotated"
