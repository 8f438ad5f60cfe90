"""The HTTP backends over real HTTP against llama-cpp-python's OpenAI-compatible server: litellm
(`kind: litellm`) and the direct OpenAI-compatible client (`kind: openai`) must behave alike."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from litellm import exceptions as llm_errors

from backends.base import (
    Backend,
    BackendBadRequest,
    BackendProtocolError,
    BackendRateLimited,
    BackendTimeout,
    BackendUnavailable,
    ContextWindowExceeded,
)
from backends.cloud import LiteLLMBackend
from backends.openai_http import OpenAIHTTPBackend
from backends.registry import REGISTRY
from forward_proxy import ForwardProxy
from router.upstream import to_router_error

# One event loop for the session: the engine, its lock and litellm's clients outlive a test.
session_loop = pytest.mark.asyncio(loop_scope="session")

KEY_ENV = "TURNOUT_TEST_LLAMA_SERVER_KEY"
SECRET = "sk-turnout-secret-0123456789"  # must never appear in an error message


def ask(text: str = "Count from one to ten.", **params: object) -> dict:
    return {"messages": [{"role": "user", "content": text}], "temperature": 0, **params}


KINDS = ["litellm", "openai"]


def make(kind: str, api_base: str, **options: object) -> Backend:
    """The backend of `kind` for the server's "gemma" model, as the policy would build it."""
    options = {"api_key_env": KEY_ENV, "timeout_s": 30, **options}
    if kind == "litellm":
        return LiteLLMBackend("cloud-gemma", "openai/gemma", api_base=api_base, **options)
    return OpenAIHTTPBackend("cloud-gemma", "gemma", api_base=api_base, **options)


@pytest.fixture(params=KINDS)
def server_backend(request, openai_compatible_server: str, llama_server_api_key: str,
                   monkeypatch: pytest.MonkeyPatch) -> Backend:
    monkeypatch.setenv(KEY_ENV, llama_server_api_key)
    return make(request.param, f"{openai_compatible_server}/v1")


@session_loop
async def test_complete_over_http_returns_openai_shape_with_usage(
        server_backend: Backend) -> None:
    assert isinstance(server_backend, Backend)
    assert (await server_backend.health()).available

    response = await server_backend.complete(ask(max_tokens=8))

    assert response["object"] == "chat.completion"
    assert response["model"] == "cloud-gemma"
    assert response["choices"][0]["message"]["content"]
    assert response["choices"][0]["finish_reason"] == "length"
    assert response["usage"]["prompt_tokens"] > 0
    assert response["usage"]["completion_tokens"] == 8


@session_loop
async def test_stream_over_http_ends_with_one_usage_chunk(server_backend: Backend) -> None:
    chunks = [chunk async for chunk in server_backend.stream(ask(max_tokens=8))]

    *body, last = chunks
    assert last["choices"] == [] and last["usage"]["completion_tokens"] > 0
    # llama-cpp-python's server ignores include_usage: litellm counts the prompt itself, the direct
    # backend leaves it to the gateway's estimate (None here).
    assert last["usage"]["prompt_tokens"] is None or last["usage"]["prompt_tokens"] > 0
    assert all(chunk["choices"] for chunk in body)
    assert {chunk["model"] for chunk in chunks} == {"cloud-gemma"}
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in body)
    assert body[-1]["choices"][0]["finish_reason"] == "length"


@session_loop
async def test_without_key_or_api_base_it_is_unavailable_before_any_network_io(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv(KEY_ENV, raising=False)
    for backend, variable in [(LiteLLMBackend("gpt", "openai/gpt-4o-mini"), "OPENAI_API_KEY"),
                              (LiteLLMBackend("gpt", "openai/gpt-4o-mini", api_key_env=KEY_ENV),
                               KEY_ENV)]:
        health = await backend.health()
        assert not health.available and health.detail == f"{variable} not set"

        started = time.monotonic()
        with pytest.raises(BackendUnavailable, match=f"{variable} not set"):
            await backend.complete(ask(max_tokens=4))
        with pytest.raises(BackendUnavailable, match=f"{variable} not set"):
            await anext(backend.stream(ask(max_tokens=4)))
        assert time.monotonic() - started < 0.5


@session_loop
async def test_the_direct_backend_without_its_key_is_unavailable_before_any_network_io(
        closed_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    backend = make("openai", f"http://127.0.0.1:{closed_port}/v1")
    health = await backend.health()
    assert not health.available and health.detail == f"{KEY_ENV} not set"
    with pytest.raises(BackendUnavailable, match=f"{KEY_ENV} not set") as caught:
        await backend.complete(ask(max_tokens=4))
    assert not caught.value.transient  # retrying cannot help: fall back at once
    with pytest.raises(BackendUnavailable, match=f"{KEY_ENV} not set"):
        await anext(backend.stream(ask(max_tokens=4)))


@session_loop
@pytest.mark.parametrize("kind", KINDS)
async def test_nothing_listening_maps_to_unavailable(kind: str, closed_port: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    backend = make(kind, f"http://127.0.0.1:{closed_port}/v1")

    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match="could not connect") as caught:
        await backend.complete(ask(max_tokens=4))
    assert time.monotonic() - started < 2, "litellm retried instead of failing at once"
    with pytest.raises(BackendUnavailable, match="could not connect"):
        await anext(backend.stream(ask(max_tokens=4)))

    routed = to_router_error(caught.value)
    assert routed.status == 503 and "cloud-gemma" in routed.message
    assert SECRET not in routed.message and SECRET not in str(caught.value)


@session_loop
@pytest.mark.parametrize("kind", KINDS)
async def test_a_key_with_a_trailing_newline_is_refused_naming_the_header_not_the_key(
        kind: str, closed_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET + "\n")  # read from a mounted secret file, newline and all
    backend = make(kind, f"http://127.0.0.1:{closed_port}/v1")
    with pytest.raises(BackendUnavailable, match="(?i)'authorization' holds a line break") as caught:
        await backend.complete(ask(max_tokens=4))
    assert not caught.value.transient and SECRET not in str(caught.value)


@session_loop
@pytest.mark.parametrize("kind", KINDS)
async def test_a_connection_that_never_opens_times_out_after_the_connect_timeout(
        kind: str, unanswering_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    backend = make(kind, f"http://127.0.0.1:{unanswering_port}/v1", connect_timeout_s=0.5)
    for call in (lambda: backend.complete(ask(max_tokens=4)), lambda: anext(backend.stream(ask(max_tokens=4)))):
        started = time.monotonic()
        with pytest.raises(BackendTimeout) as caught:
            await call()
        assert 0.4 < time.monotonic() - started < 3, "the 30 s total timeout applied instead of the connect timeout"
        assert caught.value.phase == "connect"


@session_loop
@pytest.mark.parametrize("kind", KINDS)
async def test_a_stream_that_stalls_between_chunks_times_out_after_the_stall_timeout(
        kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An upstream trickling a chunk every 0.1 s for 5 s: with a 0.05 s stall timeout the stream ends
    at the first gap, long before the 30 s total timeout."""
    from fault_server import FaultServer

    monkeypatch.setenv(KEY_ENV, SECRET)
    server = FaultServer(mode="slow_stream", hang_s=5.0).start()
    try:
        stalled = make(kind, server.base_url, stall_timeout_s=0.05)
        started = time.monotonic()
        with pytest.raises(BackendTimeout):
            async for _ in stalled.stream(ask(max_tokens=8)):
                pass
        assert time.monotonic() - started < 2
    finally:
        server.stop()


@session_loop
async def test_wrong_key_maps_to_authentication_failed(server_backend: Backend,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-wrong-key-0123456789")
    with pytest.raises(BackendUnavailable, match="authentication failed") as caught:
        await server_backend.complete(ask(max_tokens=4))
    assert "sk-wrong-key" not in str(caught.value)
    assert KEY_ENV in str(caught.value)


@session_loop
async def test_prompt_beyond_the_servers_context_window(server_backend: Backend) -> None:
    with pytest.raises(ContextWindowExceeded) as caught:
        await server_backend.complete(ask("lighthouse " * 3000, max_tokens=4))
    assert isinstance(caught.value, BackendBadRequest)
    assert to_router_error(caught.value).status == 400


@session_loop
async def test_slow_generation_past_timeout_maps_to_backend_timeout(
        server_backend: Backend) -> None:
    # A non-streamed answer of 40 tokens arrives only after about 0.5 s. The server goes on
    # generating after the client gives up, so keep it short for the tests that follow.
    server_backend.timeout_s = 0.15
    started = time.monotonic()
    with pytest.raises(BackendTimeout) as caught:
        await server_backend.complete(ask("Write a long story.", max_tokens=40))
    assert time.monotonic() - started < 2
    assert caught.value.phase == "total"
    assert to_router_error(caught.value).status == 504


def _response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers,
                          request=httpx.Request("POST", "https://api.example.com/v1/chat/completions"))



@pytest.mark.parametrize(("upstream", "expected", "status"), [
    (llm_errors.RateLimitError("slow down", llm_provider="openai", model="gpt",
                               response=_response(429, **{"retry-after": "7"})),
     BackendRateLimited, 503),
    (llm_errors.ServiceUnavailableError("overloaded", llm_provider="openai", model="gpt"),
     BackendUnavailable, 503),
    (llm_errors.InternalServerError("boom", llm_provider="openai", model="gpt"),
     BackendUnavailable, 503),
    (llm_errors.AuthenticationError(f"Incorrect API key provided: {SECRET}",
                                    llm_provider="openai", model="gpt"),
     BackendUnavailable, 503),
    (llm_errors.NotFoundError("no such model", model="gpt", llm_provider="openai"),
     BackendUnavailable, 503),
    (llm_errors.BadRequestError(f"bad tool schema (key {SECRET})", model="gpt",
                                llm_provider="openai"),
     BackendBadRequest, 400),
    (llm_errors.ContextWindowExceededError("too long", model="gpt", llm_provider="openai"),
     ContextWindowExceeded, 400),
    (llm_errors.Timeout("slow", model="gpt", llm_provider="openai"), BackendTimeout, 504),
    (llm_errors.APIConnectionError("reset", llm_provider="openai", model="gpt"),
     BackendUnavailable, 503),
    (llm_errors.APIError(500, "oops", llm_provider="openai", model="gpt"), BackendUnavailable, 503),
    (ValueError("a litellm bug"), BackendProtocolError, 502),
], ids=lambda value: type(value).__name__ if isinstance(value, Exception) else None)
def test_litellm_errors_map_to_backend_and_http_errors(
        upstream: Exception, expected: type, status: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The translation table, driven by litellm's own exception objects (no upstream can be made
    to answer 429 or 503 here)."""
    monkeypatch.setenv(KEY_ENV, SECRET)
    backend = LiteLLMBackend("gpt", "openai/gpt-4o-mini", api_key_env=KEY_ENV)

    translated = backend._translate(upstream, "first_token", SECRET)
    routed = to_router_error(translated)

    assert type(translated) is expected and translated.model_id == "gpt"
    assert routed.status == status and "gpt" in routed.message
    assert SECRET not in routed.message
    if isinstance(translated, BackendRateLimited):
        assert translated.retry_after == 7.0 and routed.headers == {"retry-after": "7"}


@pytest.fixture(scope="module")
def egress_proxy(tmp_path_factory):
    """A real forward proxy (tinyproxy) demanding credentials."""
    proxy = ForwardProxy(tmp_path_factory.mktemp("egress"), credentials=("turnout", "egress-pass")).start()
    yield proxy
    proxy.stop()


@session_loop
@pytest.mark.parametrize("kind", KINDS)
async def test_both_kinds_go_through_the_egress_proxy_of_the_standard_variables(
        kind: str, openai_compatible_server: str, llama_server_api_key: str, egress_proxy: ForwardProxy,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, llama_server_api_key)
    monkeypatch.setenv("HTTP_PROXY", egress_proxy.url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    backend = make(kind, f"{openai_compatible_server}/v1")  # its pool reads the variables as it is made
    before = len(egress_proxy.requests())
    assert (await backend.complete(ask(max_tokens=2)))["usage"]["completion_tokens"] == 2
    chunks = [chunk async for chunk in backend.stream(ask(max_tokens=2))]
    assert chunks[-1]["usage"]["completion_tokens"] == 2
    assert egress_proxy.requests()[before:] == [f"POST {openai_compatible_server}/v1/chat/completions HTTP/1.1"] * 2

    # Without credentials the proxy answers 407; with wrong ones tinyproxy answers 401, which only its
    # proxy can be suspected of (a plain-http upstream's 401 looks the same).
    for proxy_url, words in ((f"http://{egress_proxy.where}", "HTTP 407"),
                             (f"http://turnout:wrong-pass@{egress_proxy.where}", "HTTP 401 (through proxy")):
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        refused = make(kind, f"{openai_compatible_server}/v1")
        with pytest.raises(BackendUnavailable) as caught:
            await refused.complete(ask(max_tokens=2))
        routed = to_router_error(caught.value)  # what the client reads: 503, naming the proxy, no credentials
        assert routed.status == 503 and words in routed.message and egress_proxy.where in routed.message, \
            routed.message
        assert "wrong-pass" not in routed.message and not caught.value.transient


@session_loop
@pytest.mark.parametrize("kind", KINDS)
async def test_a_model_in_the_building_never_takes_the_egress_proxy(
        kind: str, openai_compatible_server: str, llama_server_api_key: str, egress_proxy: ForwardProxy,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`location: local` (remote_options' egress=False): private data goes straight to the on-prem
    server, whatever HTTP_PROXY says, while a cloud model's calls take the proxy."""
    monkeypatch.setenv(KEY_ENV, llama_server_api_key)
    monkeypatch.setenv("HTTP_PROXY", egress_proxy.url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    before = len(egress_proxy.requests())
    local = make(kind, f"{openai_compatible_server}/v1", egress=False)
    assert (await local.complete(ask(max_tokens=2)))["usage"]["completion_tokens"] == 2
    assert [chunk async for chunk in local.stream(ask(max_tokens=2))][-1]["usage"]["completion_tokens"] == 2
    assert egress_proxy.requests()[before:] == []
    cloud = make(kind, f"{openai_compatible_server}/v1")
    assert (await cloud.complete(ask(max_tokens=2)))["usage"]["completion_tokens"] == 2
    assert len(egress_proxy.requests()) == before + 1


@pytest.mark.parametrize(("location", "egress"), [("local", False), ("cloud", True)])
def test_the_policy_location_decides_whether_a_model_may_take_the_egress_proxy(location: str, egress: bool) -> None:
    from router.policy import Timeouts
    from router.policy_models import LiteLLMModel, OpenAIModel
    from router.runtime import remote_options

    for model in (OpenAIModel(id="m", kind="openai", model="m", api_base="http://10.0.0.5:8000/v1", location=location,
                              description="on-prem or cloud"),
                  LiteLLMModel(id="m", kind="litellm", model="openai/m", api_base="http://10.0.0.5:8000/v1",
                               location=location, description="on-prem or cloud")):
        assert remote_options(model, Timeouts())["egress"] is egress


@session_loop
async def test_litellms_own_path_through_a_refusing_or_absent_proxy_names_it_as_the_fast_path_does(
        egress_proxy: ForwardProxy, closed_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A provider with its own wire format (Anthropic) goes through litellm.acompletion, whose client reads
    the same variables: its proxy failures read like the fast path's (backends/http1.py's ProxyError)."""
    monkeypatch.setenv(KEY_ENV, SECRET)
    for name in ("NO_PROXY", "no_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    # litellm keeps the proxy it found per upstream host for the process: one host per case.
    for i, (proxy_url, words, transient) in enumerate((
            (f"http://turnout:wrong-pass@{egress_proxy.where}", f"proxy {egress_proxy.where} refused the call", False),
            (f"http://{egress_proxy.where}", "HTTP 407", False),
            (f"http://turnout:pw@127.0.0.1:{closed_port}", f"could not connect to proxy 127.0.0.1:{closed_port}", True))):
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        host = f"api{i}.anthropic.example"
        backend = LiteLLMBackend("claude", "anthropic/claude-3-5-sonnet-20240620", api_base=f"https://{host}",
                                 api_key_env=KEY_ENV, timeout_s=10)
        assert backend._wire is None  # not the fast path
        before = len(egress_proxy.requests())
        with pytest.raises(BackendUnavailable) as caught:
            await backend.complete(ask(max_tokens=2))
        routed = to_router_error(caught.value)
        assert routed.status == 503 and words in routed.message and caught.value.transient is transient, \
            routed.message
        assert "wrong-pass" not in routed.message and ":pw" not in routed.message and SECRET not in routed.message
        if transient is False:
            assert egress_proxy.requests()[before:] == [f"CONNECT {host}:443 HTTP/1.1"]


@session_loop
async def test_the_registry_builds_both_http_backends(openai_compatible_server: str, llama_server_api_key: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, llama_server_api_key)
    api_base = f"{openai_compatible_server}/v1"
    built = [REGISTRY["litellm"]("cloud-gemma", litellm_model="openai/gemma", api_base=api_base, api_key_env=KEY_ENV),
             REGISTRY["openai"]("cloud-gemma", model="gemma", api_base=api_base, api_key_env=KEY_ENV)]
    assert [type(b) for b in built] == [LiteLLMBackend, OpenAIHTTPBackend]
    for backend in built:
        assert (await backend.complete(ask(max_tokens=2)))["usage"]["completion_tokens"] == 2


WIRE_MODELS = ["openai/gpt-4o-mini", "openai/claude-sonnet-4-5", "openai/o3-mini", "hosted_vllm/qwen"]
WIRE_TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {
    "type": "object", "properties": {"id": {"type": "string", "pattern": "(?<code>[A-Z]{2})\\d+"}}}}}
WIRE_REQUESTS = [
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], "max_tokens": 16,
     "temperature": 0.7},
    {"messages": [{"role": "developer", "content": "Answer in French."}, {"role": "user", "content": "hi"}]},
    {"messages": [{"role": "user", "content": [{"type": "text", "text": "what"},
                                               {"type": "image_url", "image_url": "https://example.com/a.png"}]}]},
    {"messages": [{"role": "user", "content": [{"type": "text", "text": "long context",
                                                "cache_control": {"type": "ephemeral"}}]}], "max_tokens": 16},
    {"messages": [{"role": "user", "content": "find AB12"}], "tools": [WIRE_TOOL], "tool_choice": "auto"},
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], "max_tokens": 16,
     "temperature": 0.7},  # repeated: its parameters, headers and URL come from the fast path's cache
]


@session_loop
@pytest.mark.parametrize("model", WIRE_MODELS)
async def test_the_fast_path_sends_what_litellm_acompletion_sends(model: str, cloud,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The request body on the wire, fast path against litellm.acompletion, for each request streamed and not:
    cache marks kept for a gateway, tool schemas sanitised, developer roles translated, images as objects.
    litellm.acompletion leaves `"stream": false` out for the openai provider (the OpenAI SDK omits it);
    the fast path states it: that one key is not compared."""
    monkeypatch.setenv(KEY_ENV, SECRET)
    fast = LiteLLMBackend("cloud-wire", model, api_base=f"{cloud.base_url}/v1", api_key_env=KEY_ENV)
    full = LiteLLMBackend("cloud-wire", model, api_base=f"{cloud.base_url}/v1", api_key_env=KEY_ENV)
    full._wire = None
    assert fast._wire is not None
    for request in WIRE_REQUESTS:
        for stream in (False, True):
            sent = []
            for backend in (fast, full):
                cloud.clear()
                if stream:
                    async for _ in backend.stream(dict(request)):
                        pass
                else:
                    await backend.complete(dict(request))
                body = json.loads(cloud.bodies[-1])
                if body.get("stream") is False:
                    del body["stream"]
                sent.append(body)
            assert sent[0] == sent[1], (model, request, stream)


# One request per step of litellm.completion before the provider's transform_request that can change what is
# sent: the fast path takes it with litellm's own function ("fast") or hands the request to litellm.acompletion
# ("litellm"); either way the request on the wire is litellm.acompletion's. (model, request, environment, path)
WIRE_SEARCH_CALL = {"id": "srvtoolu_01", "type": "function",
                    "function": {"name": "tool_search_tool_regex", "arguments": "{}"}}
WIRE_PDF = {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}}
WIRE_HI = [{"role": "user", "content": "hi"}]
WIRE_STEPS = {
    "litellm's own arguments dropped (supports_system_message, ensure_alternating_roles, fallbacks)": (
        "openai/gpt-4o-mini", {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "a"},
                                            {"role": "user", "content": "b"}],
                               "supports_system_message": False, "ensure_alternating_roles": True,
                               "fallbacks": [{"model": "openai/x", "api_base": "http://127.0.0.1:9/v1"}]}, {}, "fast"),
    "file ids in messages, no mapping": (
        "openai/gpt-4o-mini", {"messages": [{"role": "user", "content": [
            {"type": "text", "text": "read"}, {"type": "file", "file": {"file_id": "file-abc"}}]}],
            "model_file_id_mapping": {"file-abc": {"m": "file-xyz"}}, "model_info": {"id": "m"}}, {}, "fast"),
    "null fields and a missing role": (
        "openai/gpt-4o-mini", {"messages": [{"role": "user", "content": "a", "name": None}, {"content": "b"},
                                            {"role": "assistant", "content": None, "tool_calls": [
                                                {"id": "c1", "type": "function",
                                                 "function": {"name": "lookup", "arguments": "{}"}}]},
                                            {"role": "tool", "tool_call_id": "c1", "content": "ok"}]}, {}, "fast"),
    "anthropic-only tool keys, tool_choice form, stop cap": (
        "openai/gpt-4o-mini", {"messages": WIRE_HI, "tools": [{**WIRE_TOOL, "input_examples": [{"id": "AB12"}]}],
                               "tool_choice": {"type": "auto"}, "stop": ["1", "2", "3", "4", "5"]}, {}, "fast"),
    "an unanswered tool-search call": (
        "openai/gpt-4o-mini", {"messages": [{"role": "user", "content": "find"},
                                            {"role": "assistant", "content": "looking", "tool_calls": [WIRE_SEARCH_CALL]},
                                            {"role": "user", "content": "go on"}]}, {}, "fast"),
    "a PDF part for a model that cannot read it": (
        "hosted_vllm/textonly", {"messages": [{"role": "user", "content": [{"type": "text", "text": "read"},
                                                                           WIRE_PDF]}]}, {}, "fast"),
    "a system message for an o-series model without system messages": (
        "openai/o1-mini", {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]}, {},
        "fast"),
    "the OpenAI SDK's organization and project headers": (
        "openai/gpt-4o-mini", {"messages": WIRE_HI}, {"OPENAI_ORGANIZATION": "org-1", "OPENAI_PROJECT_ID": "p-1"},
        "fast"),
    "the organization with a provider litellm sends it to by another route": (
        "hosted_vllm/qwen", {"messages": WIRE_HI}, {"OPENAI_ORGANIZATION": "org-1"}, "litellm"),
    "parameters litellm bridges to the Responses API (gpt-5.4 tools with reasoning)": (
        "openai/gpt-5.4", {"messages": WIRE_HI, "tools": [WIRE_TOOL], "reasoning_effort": "low"}, {}, "litellm"),
    "a reasoning summary alias": (
        "openai/gpt-5", {"messages": WIRE_HI, "reasoning_effort": "low", "reasoningSummary": "auto"}, {}, "litellm"),
    "a model litellm bridges to the Responses API": ("openai/o1-pro", {"messages": WIRE_HI}, {}, "litellm"),
    "cache marks litellm's prompt hook injects": (
        "openai/claude-sonnet-4-5", {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
                                     "cache_control_injection_points": [{"location": "message", "role": "system"}]},
        {}, "litellm"),
}
# What an HTTP client says about itself (the OpenAI SDK's user-agent and x-stainless-*) and how it frames the
# request differ by client; `accept` too (the fast path asks a stream for SSE): none of them is compared.
WIRE_CLIENT_HEADERS = ("user-agent", "x-stainless-", "accept", "connection", "host", "content-length")


@session_loop
@pytest.mark.parametrize("step", WIRE_STEPS)
async def test_each_step_of_litellm_completion_puts_litellms_request_on_the_wire(step: str, cloud,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import litellm

    model, request, environment, path = WIRE_STEPS[step]
    monkeypatch.setitem(litellm.model_cost, "hosted_vllm/textonly", {
        "litellm_provider": "hosted_vllm", "mode": "chat", "supports_pdf_input": False})
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # A key of its own: litellm keeps an SDK client per key, built with the environment of its first call.
    monkeypatch.setenv(KEY_ENV, f"{SECRET}-{len(step)}-{sorted(WIRE_STEPS).index(step)}")
    calls = []
    acompletion = litellm.acompletion

    async def counted(**kwargs):
        calls.append(kwargs["model"])
        return await acompletion(**kwargs)

    monkeypatch.setattr(litellm, "acompletion", counted)
    fast = LiteLLMBackend("cloud-wire", model, api_base=f"{cloud.base_url}/v1", api_key_env=KEY_ENV)
    full = LiteLLMBackend("cloud-wire", model, api_base=f"{cloud.base_url}/v1", api_key_env=KEY_ENV)
    full._wire = None
    for stream in (False, True):
        sent = []
        for backend in (fast, full):
            cloud.clear()
            before = len(calls)
            if stream:
                async for _ in backend.stream(json.loads(json.dumps(request))):
                    pass
            else:
                await backend.complete(json.loads(json.dumps(request)))
            if backend is fast:
                assert ("litellm" if len(calls) > before else "fast") == path, (step, stream)
            body = json.loads(cloud.bodies[-1])
            if body.get("stream") is False:
                del body["stream"]
            headers = {name: value for name, value in cloud.headers[-1].items()
                       if not name.startswith(WIRE_CLIENT_HEADERS)}
            sent.append((cloud.paths[-1], body, headers))
        assert sent[0] == sent[1], (step, stream)
