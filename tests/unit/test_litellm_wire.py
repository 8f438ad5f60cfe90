"""litellm's fast path (backends/litellm_wire.py): which providers take it, and that the request it sends
is the one litellm's provider layer builds (parameters mapped and dropped per provider), not a copy."""

from __future__ import annotations

import copy

import orjson
import pytest

from backends import litellm_steps, litellm_wire
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
    """The request litellm.completion's steps build for an OpenAI-wire provider, nothing kept or skipped (those
    these tables' requests reach: its message check, the developer roles, the parameter mapping, the provider's
    request build; the other steps have a test each below)."""
    from litellm.utils import get_optional_params, validate_and_fix_openai_messages

    params = {k: v for k, v in request.items() if k not in wire.reserved and k != "messages"}
    if stream:
        params["stream_options"] = {"include_usage": True}
    litellm_params = {"custom_llm_provider": wire.provider, "api_base": wire.api_base, "drop_params": True}
    messages = list(wire.config.translate_developer_role_to_system_role(
        validate_and_fix_openai_messages(copy.deepcopy(request["messages"])), model=wire.model,
        custom_llm_provider=wire.provider, api_base=wire.api_base, model_info=None))
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
            try:
                sent = _sent(wire, request, stream=stream)
            except litellm_wire.LiteLLMOnly:  # only what litellm bridges to the Responses API (gpt-5.4+ with tools)
                with pytest.raises(litellm_steps.LiteLLMOnly, match="Responses API"):
                    litellm_steps.refuse_bridged(request, {}, wire.model, wire.provider, wire.api_base)
                continue
            assert sent == _litellms_own(wire, request, stream=stream), request


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


# -- the steps of litellm.completion before transform_request: each taken on the fast path with litellm's own
# function, or the request handed to litellm.acompletion (LiteLLMOnly) -------------------------------------
def _body(wire, request: dict, *, stream: bool = False) -> dict:
    return _sent(wire, request, stream=stream)[2]


@pytest.mark.parametrize("model", ["openai/o1-pro", "openai/gpt-5-pro", "openai/gpt-5-codex", "openai/responses/gpt-4o"])
def test_a_model_litellm_bridges_to_the_responses_api_keeps_litellm_acompletion(model: str) -> None:
    backend = LiteLLMBackend("m", model, api_key_env=KEY_ENV)
    assert backend._wire is None
    assert "Responses API" in backend.path


def test_parameters_litellm_bridges_to_the_responses_api_are_handed_to_litellm_each_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """gpt-5.4 takes function tools with reasoning only through the Responses API: litellm bridges such a
    request, so the fast path refuses it (and remembers that); the same model without tools stays fast."""
    monkeypatch.setenv(KEY_ENV, "sk-test")
    wire = LiteLLMBackend("m", "openai/gpt-5.4", api_key_env=KEY_ENV)._wire
    bridged = {"messages": UNMARKED["plain"], "tools": [TOOL], "reasoning_effort": "low"}
    for _ in range(2):
        with pytest.raises(litellm_wire.LiteLLMOnly, match="Responses API"):
            wire._prepare(copy.deepcopy(bridged), stream=False)
    assert any(isinstance(v, litellm_wire.LiteLLMOnly) for v in wire._mapped.values())
    assert _body(wire, {"messages": UNMARKED["plain"], "reasoning_effort": "low"})["reasoning_effort"] == "low"


class _Captured(Exception):
    pass


async def _litellm_kwargs(backend: LiteLLMBackend, request: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    """The keyword arguments LiteLLMBackend.complete hands litellm.acompletion for `request`."""
    import litellm

    seen: dict = {}

    async def capture(**kwargs):
        seen.update(kwargs)
        raise _Captured

    monkeypatch.setattr(litellm, "acompletion", capture)
    with pytest.raises(Exception) as raised:
        await backend.complete(copy.deepcopy(request))
    assert isinstance(raised.value.__cause__ or raised.value, _Captured), raised.value
    return seen


async def test_a_request_the_fast_path_refuses_is_sent_by_litellm_acompletion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    backend = LiteLLMBackend("m", "openai/gpt-5.4", api_key_env=KEY_ENV)
    kwargs = await _litellm_kwargs(backend, {"messages": UNMARKED["plain"], "tools": [TOOL],
                                             "reasoning_effort": "low"}, monkeypatch)
    assert kwargs["model"] == "openai/gpt-5.4" and kwargs["reasoning_effort"] == "low"


@pytest.mark.parametrize("key", ["fallbacks", "model_list", "mock_response", "supports_system_message",
                                 "ensure_alternating_roles", "model_file_id_mapping", "litellm_system_prompt",
                                 "_litellm_internal"])
async def test_litellms_own_arguments_in_a_request_reach_neither_litellm_nor_the_upstream(
        key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A request's `fallbacks` with an api_base of the client's choosing would have litellm send this
    backend's key there; `supports_system_message`, `ensure_alternating_roles`, ... would have it rewrite the
    messages on one path only. Both paths drop litellm's own keyword arguments."""
    monkeypatch.setenv(KEY_ENV, "sk-test")
    value = [{"model": "openai/x", "api_base": "http://attacker.example/v1"}] if key == "fallbacks" else False
    request = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}], key: value}
    fast = LiteLLMBackend("m", "openai/gpt-4o-mini", api_key_env=KEY_ENV)
    full = LiteLLMBackend("m", "anthropic/claude-sonnet-4-5", api_key_env=KEY_ENV)
    assert full._wire is None
    body = _body(fast._wire, request)
    assert key not in body and [m["role"] for m in body["messages"]] == ["system", "user"]
    assert key not in await _litellm_kwargs(full, request, monkeypatch)


def test_tools_are_fixed_as_litellm_fixes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anthropic-only tool keys dropped for a model that is not Claude's own API, `tool_choice` in OpenAI's
    form, `stop` capped at four (litellm.completion's checks before get_optional_params), each built anew
    per parameter set and from the cache alike."""
    monkeypatch.setenv(KEY_ENV, "sk-test")
    wire = LiteLLMBackend("m", "openai/gpt-4o-mini", api_key_env=KEY_ENV)._wire
    tool = {**TOOL, "input_examples": [{"id": "AB12"}], "defer_loading": True}
    request = {"messages": UNMARKED["plain"], "tools": [tool], "tool_choice": {"type": "auto"},
               "stop": ["a", "b", "c", "d", "e"]}
    for _ in range(2):
        body = _body(wire, request)
        assert body["tools"] == [{**TOOL, "defer_loading": True}]
        assert body["tool_choice"] == "auto" and body["stop"] == ["a", "b", "c", "d"]
    assert request["tools"][0]["input_examples"] == [{"id": "AB12"}]  # the request itself is left as it was


def test_messages_are_fixed_as_litellm_fixes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """litellm.completion fills a missing role (assistant) and drops null fields; it refuses an unknown user
    content part before sending anything."""
    monkeypatch.setenv(KEY_ENV, "sk-test")
    wire = LiteLLMBackend("m", "openai/gpt-4o-mini", api_key_env=KEY_ENV)._wire
    given = [{"role": "user", "content": "a", "name": None}, {"content": "b"}, {"role": "user", "content": "c"}]
    assert _body(wire, {"messages": given})["messages"] == [
        {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]
    assert given[1] == {"content": "b"}
    with pytest.raises(Exception, match="Invalid user message at index 0"):
        wire._prepare({"messages": [{"role": "user", "content": [{"type": "weird"}]}]}, stream=False)


SEARCH_CALL = {"id": "srvtoolu_01", "type": "function", "function": {"name": "tool_search_tool_regex",
                                                                       "arguments": "{}"}}


def test_an_unanswered_tool_search_call_is_pruned_where_litellm_prunes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenAI rejects a tool call without its answer: litellm drops an Anthropic server tool-search call the
    history never answered (for openai, not for a vLLM server); an answered one stays."""
    monkeypatch.setenv(KEY_ENV, "sk-test")
    unanswered = [{"role": "user", "content": "find it"},
                  {"role": "assistant", "content": "looking", "tool_calls": [SEARCH_CALL]},
                  {"role": "user", "content": "go on"}]
    answered = [*unanswered[:2], {"role": "tool", "tool_call_id": "srvtoolu_01", "content": "found"}]
    openai_wire = LiteLLMBackend("m", "openai/gpt-4o-mini", api_key_env=KEY_ENV)._wire
    vllm_wire = LiteLLMBackend("m", "hosted_vllm/qwen", api_base="http://vllm:8000/v1", api_key_env=KEY_ENV)._wire
    assert _body(openai_wire, {"messages": unanswered})["messages"][1] == {"role": "assistant", "content": "looking"}
    assert _body(openai_wire, {"messages": answered})["messages"][1]["tool_calls"][0]["id"] == "srvtoolu_01"
    assert _body(vllm_wire, {"messages": unanswered})["messages"][1]["tool_calls"][0]["id"] == "srvtoolu_01"


PDF = {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}}


def test_a_pdf_part_is_dropped_for_a_model_that_cannot_read_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import litellm

    monkeypatch.setitem(litellm.model_cost, "hosted_vllm/textonly", {
        "litellm_provider": "hosted_vllm", "mode": "chat", "supports_pdf_input": False})
    monkeypatch.setenv(KEY_ENV, "sk-test")
    request = {"messages": [{"role": "user", "content": [{"type": "text", "text": "read"}, PDF]}]}
    textonly = LiteLLMBackend("m", "hosted_vllm/textonly", api_base="http://vllm:8000/v1", api_key_env=KEY_ENV)._wire
    reader = LiteLLMBackend("m", "openai/gpt-4o-mini", api_key_env=KEY_ENV)._wire
    assert _body(textonly, request)["messages"][0]["content"] == [{"type": "text", "text": "read"}]
    assert _body(reader, request)["messages"][0]["content"][1]["type"] == "file"


def test_the_openai_sdks_organization_and_project_headers_are_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    """litellm's OpenAI route sends OPENAI_ORGANIZATION and OPENAI_PROJECT_ID as headers (read, as litellm's
    client reads the project, when the model is built); for another provider whether it does depends on
    litellm's route, so such a request is handed to litellm."""
    monkeypatch.setenv(KEY_ENV, "sk-test")
    request = {"messages": UNMARKED["plain"]}
    plain = LiteLLMBackend("m", "openai/gpt-4o-mini", api_key_env=KEY_ENV)._wire
    assert "OpenAI-Organization" not in _sent(plain, request, stream=False)[1]
    monkeypatch.setenv("OPENAI_ORGANIZATION", "org-1")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-1")
    wire = LiteLLMBackend("m", "openai/gpt-4o-mini", api_key_env=KEY_ENV)._wire
    headers = _sent(wire, request, stream=False)[1]
    assert headers["OpenAI-Organization"] == "org-1" and headers["OpenAI-Project"] == "proj-1"
    vllm = LiteLLMBackend("m", "hosted_vllm/qwen", api_base="http://vllm:8000/v1", api_key_env=KEY_ENV)._wire
    with pytest.raises(litellm_wire.LiteLLMOnly):
        vllm._prepare(request, stream=False)


def test_a_reasoning_level_litellm_resolves_to_another_is_handed_to_litellm(monkeypatch: pytest.MonkeyPatch) -> None:
    """litellm.completion resolves the reasoning effort against the model map before mapping it (for
    Turnout's calls, without deployment model_info, it has so far always kept the level asked for)."""
    from litellm.litellm_core_utils.reasoning_effort_capability import ChatReasoning, DeploymentReasoningEffort

    monkeypatch.setenv(KEY_ENV, "sk-test")
    wire = LiteLLMBackend("m", "openai/o3-mini", api_key_env=KEY_ENV)._wire
    assert _body(wire, {"messages": UNMARKED["plain"], "reasoning_effort": "high"})["reasoning_effort"] == "high"
    monkeypatch.setattr(litellm_steps, "resolve_chat_reasoning", lambda *a, **k: ChatReasoning(
        effort=DeploymentReasoningEffort(value="medium", deployment_accepts_effort=False), thinking=None,
        output_config=None))
    with pytest.raises(litellm_wire.LiteLLMOnly, match="reasoning"):
        wire._prepare({"messages": UNMARKED["plain"], "reasoning_effort": "low"}, stream=False)


@pytest.mark.parametrize(("setting", "value"), [("headers", {"x-all": "1"}), ("model_alias_map", {"a": "b"}),
                                                ("add_function_to_prompt", True),
                                                ("enable_anthropic_prompt_caching", True)])
def test_a_litellm_setting_the_fast_path_does_not_apply_keeps_litellm_acompletion(
        setting: str, value: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import litellm

    monkeypatch.setattr(litellm, setting, value)
    backend = LiteLLMBackend("m", "openai/gpt-4o-mini", api_key_env=KEY_ENV)
    assert backend._wire is None and setting in backend.path


@pytest.mark.parametrize("params", [
    {"cache_control_injection_points": [{"location": "message", "role": "system"}]},
    {"vector_store_ids": ["vs_1"]},
    {"tools": [{"type": "mcp", "server_url": "litellm_proxy", "server_label": "tools"}]},
])
def test_litellms_prompt_hooks_and_mcp_gateway_are_left_to_litellm(params: dict,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """litellm.acompletion runs its prompt-management hooks for these parameters (cache marks injected where
    the request names them, knowledge lookups) and its MCP handler for tools naming its gateway."""
    monkeypatch.setenv(KEY_ENV, "sk-test")
    wire = LiteLLMBackend("m", "openai/gpt-4o", api_key_env=KEY_ENV)._wire
    with pytest.raises(litellm_steps.LiteLLMOnly):
        wire._prepare({"messages": UNMARKED["conversation"], **params}, stream=False)
    assert _body(wire, {"messages": UNMARKED["conversation"], "tools": [TOOL]})["tools"] == [TOOL]
