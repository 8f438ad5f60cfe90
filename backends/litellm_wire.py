"""litellm's fast path: its provider transformation layer over a pooled client of our own.

`litellm.acompletion` costs ~10 ms of CPU per call on the ingress's event loop (bench/litellm_call.py):
a price lookup (`completion_cost` -> `get_model_info`, ~4.5 ms), a success-logging payload (~2 ms),
the provider config rebuilt ~30 times, response objects built and dumped again. None of it is needed
here: Turnout prices, logs and retries itself.

What litellm is kept for is what it is best at, translating providers: the provider's own developer-role
translation, `get_optional_params` (OpenAI parameters mapped, unsupported ones dropped),
`validate_environment` (headers), `get_complete_url` and `transform_request` build the request, with the
litellm_params litellm.completion gives them; the call goes out on one keep-alive connection pool
(backends.openai_http's, with its status, timeout and stream handling). What depends only on the
parameters, key and headers is worked out once per distinct set, and litellm's cache-mark walk is skipped
for a request that carries no mark: both proved equal to litellm's own steps, and the whole request to
what litellm.acompletion sends (tests/unit/test_litellm_wire.py, tests/integration/test_cloud_backend.py).
The fast path takes ~0.02 ms of CPU to build a request (was ~0.04 ms before those two).

litellm.completion does more before the provider's transform_request than the provider layer: it checks and
fixes messages, tools, tool_choice, stop and thinking, drops Anthropic-only tool keys, prunes unanswered
tool-search calls, drops PDF parts a model cannot read, resolves the reasoning effort, bridges some models
and parameter sets to the Responses API, runs prompt hooks, and its OpenAI SDK adds organization / project
headers. backends/litellm_steps.py lists every such step and how it is taken: with litellm's own function
here (cheaply skipped where the messages' JSON shows it changes nothing, cached per parameter set), or by
sending the request through litellm.acompletion (LiteLLMOnly; a model litellm always bridges never takes the
fast path). litellm's own keyword arguments in a request reach neither path (backends.cloud drops them).

Which providers: those whose litellm config speaks OpenAI's chat-completions wire format in both
directions (an `OpenAIGPTConfig` that keeps its response parsing, stream iterator, request signing
and environment check: openai, hosted_vllm, vllm, lm_studio, together_ai, deepinfra, nvidia_nim,
cerebras, ...), so the answer needs no translation back. Every other provider (anthropic, gemini,
vertex_ai, bedrock, groq, mistral, openrouter, xai, fireworks_ai, ...) translates its answer or
signs its request in ways only litellm's full call does: `fast_wire` says why and
LiteLLMBackend keeps `litellm.acompletion` for those.
"""

from __future__ import annotations

import copy
import os
from typing import Any, Protocol

import litellm
import orjson
from litellm import main as completion_steps
from litellm.llms.openai.chat.gpt_transformation import OpenAIGPTConfig
from litellm.responses.litellm_completion_transformation.tool_search import chat_route_rejects_unanswered_tool_calls
from litellm.types.llms.anthropic import ANTHROPIC_SERVER_TOOL_USE_ID_PREFIX
from litellm.types.utils import LlmProviders
from litellm.utils import (
    ProviderConfigManager,
    declared_mid_conversation_system_support,
    get_optional_params,
    validate_and_fix_openai_messages,
)

from backends.base import BackendUnavailable
from backends.egress import Proxies
from backends.litellm_steps import (
    UNAPPLIED,
    LiteLLMOnly,
    bridged,
    checked_params,
    forwarded,
    refuse_bridged,
    sdk_headers,
)
from backends.openai_http import OpenAIHTTPBackend, Pool

__all__ = ["LiteLLMOnly", "LiteLLMWire", "fast_wire"]

# What an OpenAI-wire config must keep as OpenAIGPTConfig has it, for an answer to need no translation (and
# no header litellm adds on its own: `get_attribution_headers`).
_KEPT = ("transform_response", "get_model_response_iterator", "sign_request", "async_transform_request",
         "should_fake_stream", "validate_environment", "get_attribution_headers")
_OPENAI_BASE = "https://api.openai.com/v1"
_MAPPED_MAX = 256  # distinct parameter sets kept per model (requests from one app repeat theirs)


class LiteLLMModel(Protocol):
    """What the fast path reads from its backends.cloud.LiteLLMBackend, at call time."""

    model_id: str
    litellm_model: str
    api_base: str | None
    api_key_env: str | None
    timeout_s: float
    connect_timeout_s: float
    stall_timeout_s: float
    extra_headers: dict[str, str]

    egress: bool

    def _missing_key(self) -> str | None: ...


def fast_wire(owner: LiteLLMModel, reserved: frozenset[str]) -> tuple[LiteLLMWire | None, str]:
    """The fast path for `owner`'s model, or None and the reason litellm.acompletion serves it."""
    try:
        model, provider, _, api_base = litellm.get_llm_provider(owner.litellm_model, api_base=owner.api_base)
        config = ProviderConfigManager.get_provider_chat_config(model=model, provider=LlmProviders(provider))
    except Exception as exc:  # an unknown provider: litellm.acompletion reports it per call, as before
        return None, f"litellm does not resolve {owner.litellm_model!r} ({type(exc).__name__})"
    if not isinstance(config, OpenAIGPTConfig):
        return None, f"{provider} has its own wire format ({type(config).__name__})"
    changed = [name for name in _KEPT if getattr(type(config), name) is not getattr(OpenAIGPTConfig, name)]
    if changed:
        return None, f"{provider}'s config overrides {', '.join(changed)}"
    if api_base is None and provider == "openai":
        api_base = litellm.api_base or os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE") \
            or _OPENAI_BASE
    if api_base is None:
        return None, f"no api_base known for {provider}"
    if bridged(model, provider, api_base):
        return None, f"litellm bridges {model!r} to the Responses API"
    tuned = [name for name, setting in UNAPPLIED.items() if setting()]
    if tuned:
        return None, f"litellm's {', '.join(tuned)} set: its own call applies them"
    return LiteLLMWire(owner, model, provider, api_base, config, reserved), f"{provider} via its transformation layer"


class LiteLLMWire(OpenAIHTTPBackend):
    """OpenAIHTTPBackend with the request built by litellm's provider config for `owner`'s model.

    Timeouts, the key variable and the error wording are read from `owner` at call time, so a
    change there (a test shortening `timeout_s`, a rotated key) applies at once."""

    def __init__(self, owner: LiteLLMModel, model: str, provider: str, api_base: str, config: OpenAIGPTConfig,
                 reserved: frozenset[str]) -> None:
        # Not super().__init__: the timeouts are the owner's (properties below), not copies.
        self.owner = owner
        self.model_id = owner.model_id
        self.model = model
        self.provider = provider
        self.api_base = api_base
        self.api_key_env = owner.api_key_env
        self.config = config
        self.reserved = reserved
        self.url = config.get_complete_url(api_base=api_base, api_key=None, model=model, optional_params={},
                                           litellm_params={}, stream=False)
        self._pool = Pool(proxies=None if getattr(owner, "egress", True) else Proxies())  # as OpenAIHTTPBackend
        # What litellm.completion passes its provider config as litellm_params, in the parts the OpenAI-wire
        # configs read: the provider and api_base (tool-schema sanitising, cache marks kept for a gateway,
        # system-first ordering) and drop_params.
        self._litellm_params = {"custom_llm_provider": provider, "api_base": api_base, "drop_params": True}
        self._unmarked = _unmarked(config)
        # OpenAIGPTConfig's developer-role translation gives messages without a developer role back as they
        # are unless the model is declared to refuse a system message mid-conversation (it then folds
        # system runs): a function of the model, so known now (tests/unit/test_litellm_wire.py).
        self._roles_kept = (type(config).translate_developer_role_to_system_role
                            is OpenAIGPTConfig.translate_developer_role_to_system_role
                            and declared_mid_conversation_system_support(model, provider, None) is not False)
        self._sdk_headers = sdk_headers()
        # litellm prunes unanswered tool-search calls from the history for providers that reject them
        self._searches_pruned = chat_route_rejects_unanswered_tool_calls(provider, config)
        # (optional params as JSON, headers, URL, marked), or why litellm's own call serves it, by (stream,
        # parameters, key, extra headers): `_settled`
        self._mapped: dict[tuple[bool, bytes, str | None, tuple[tuple[str, str], ...]],
                           tuple[bytes, dict[str, str], str, bool] | LiteLLMOnly] = {}

    @property
    def timeout_s(self) -> float:  # type: ignore[override]
        return self.owner.timeout_s

    @property
    def connect_timeout_s(self) -> float:  # type: ignore[override]
        return self.owner.connect_timeout_s

    @property
    def stall_timeout_s(self) -> float:  # type: ignore[override]
        return self.owner.stall_timeout_s

    def _missing_key(self) -> str | None:
        return self.owner._missing_key()

    def _secret(self) -> str | None:
        if self.api_key_env is not None:
            return os.environ.get(self.api_key_env) or "none"  # an auth-less server still gets some key
        if self.provider == "openai":
            return litellm.api_key or litellm.openai_key or os.environ.get("OPENAI_API_KEY")
        return litellm.get_llm_provider(self.owner.litellm_model, api_base=self.api_base)[2]

    def _prepare(self, request: dict[str, Any], *, stream: bool,
                 responses: bool = False) -> tuple[str, dict[str, str], bytes]:
        """The call litellm's provider layer builds for `request`: the steps `litellm.completion` takes for an
        OpenAI-wire provider (its message, tool and parameter checks, developer role, tool-search history, PDF
        parts, `get_optional_params`, `validate_environment`, `get_complete_url`, `transform_request`, with the
        litellm_params it passes them), the per-parameter-set ones worked out once (see `_settled`), the
        message steps skipped for messages they give back unchanged (`_messages`). LiteLLMOnly for a request
        litellm.completion would not send this way (the Responses bridge, a reasoning level it re-resolves)."""
        if responses:  # LiteLLMBackend answers the Responses API through litellm.aresponses
            raise NotImplementedError("the fast path carries chat completions only")
        missing = self._missing_key()
        if missing:
            raise BackendUnavailable(self.model_id, missing, transient=False)
        params = forwarded(request, self.reserved)
        given = params.pop("messages")
        if stream:
            params["stream_options"] = {"include_usage": True}
        messages, marked_messages = self._messages(given)
        api_key = self._secret()
        optional, headers, url, marked = self._settled(params, messages, stream, api_key)
        if self._sdk_headers:
            if self.provider != "openai":  # litellm's OpenAI-SDK route sends them to some providers, not all
                raise LiteLLMOnly(f"{', '.join(self._sdk_headers)} with {self.provider}")
            headers.update(self._sdk_headers)
        extra_body = optional.pop("extra_body", None) or {}
        config = self.config if marked or marked_messages else self._unmarked
        body = config.transform_request(model=self.model, messages=messages, optional_params=optional,
                                        litellm_params=dict(self._litellm_params), headers=headers)
        body.update(extra_body)
        body["stream"] = stream
        headers["accept"] = "text/event-stream" if stream else "application/json"
        return url, headers, orjson.dumps(body)

    def _messages(self, given: list[Any]) -> tuple[list[Any], bool]:
        """(The messages as litellm.completion hands them to transform_request, whether any carries a cache
        mark). Each of its message steps, in its order, is litellm's own function, run where it can change
        something and skipped where it gives the messages back as they are, told from the messages' JSON:
        `validate_and_fix_openai_messages` (fills a missing role, drops null fields, checks user content
        parts) for messages with a null, a missing role or a content list; the developer-role translation for
        a developer role or a model that folds system runs (see __init__); the tool-search history for an
        Anthropic server tool-use id (`srvtoolu_...`) where the provider needs it; `_messages_readable_by_model`
        (PDF parts a model cannot read) for messages with a file part. Not JSON: every step runs. Plain
        messages (string contents, a role that is not developer, no null) take none of the first two."""
        text = _as_json(given)
        plain = text is not None and _plain(text, len(given))
        messages = list(given)
        if not plain and (text is None or b"null" in text or not all(
                type(m) is dict and m.get("role") and type(m.get("content")) is not list for m in messages)):
            messages = validate_and_fix_openai_messages(  # copies: it fills a missing role in place
                [dict(m) if isinstance(m, dict) else m for m in messages])
        if not (self._roles_kept and (plain or all(type(m) is dict and m.get("role") != "developer"
                                                   for m in messages))):
            messages = list(self.config.translate_developer_role_to_system_role(
                messages, model=self.model, custom_llm_provider=self.provider, api_base=self.api_base,
                model_info=None))
        if self._searches_pruned and (text is None or _TOOL_SEARCH_ID in text):
            pruned = completion_steps._history_without_unanswered_tool_search_calls(messages, self.provider,
                                                                                     self.config)
            messages = messages if pruned is None else list(pruned)
        if text is None or b'"file"' in text:
            readable = completion_steps._messages_readable_by_model(
                messages=messages, model=self.model, custom_llm_provider=self.provider, model_info=None,
                base_model=None, drop_params=True, ensure_alternating_roles=None, user_continue_message=None,
                assistant_continue_message=None)
            messages = messages if readable is None else list(readable)
        # Those steps drop, rename or fold, never add a mark: the given messages' JSON answers for the result.
        return messages, _marked(text)

    def _settled(self, params: dict[str, Any], messages: list[Any], stream: bool,
                 api_key: str | None) -> tuple[dict[str, Any], dict[str, str], str, bool]:
        """(optional params, headers, URL, whether the parameters carry a cache mark) for these parameters,
        worked out once per distinct (parameters, stream, key, extra headers): litellm's parameter steps
        (`_settle`) are functions of the model, the provider and the parameters (get_optional_params sets the
        messages aside) and cost ~0.3 ms of Python; OpenAIGPTConfig's `validate_environment` (kept by every
        fast-path config, see `_KEPT`) reads only the key and the headers, `get_complete_url` the api_base,
        key, parameters and stream. A parameter set litellm would not send this way is remembered as such
        (LiteLLMOnly each time). Each call gets its own copies (the request build changes them)."""
        extra = tuple(self.owner.extra_headers.items())
        try:
            frozen_params = orjson.dumps(params, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # not JSON (no request body is): nothing to key it by, nothing kept
            return (*self._settle(params, messages, stream, api_key, extra), True)
        key = (stream, frozen_params, api_key, extra)
        known = self._mapped.get(key)
        if known is None:
            try:
                optional, headers, url = self._settle(params, messages, stream, api_key, extra)
            except LiteLLMOnly as exc:
                self._remember(key, exc)
                raise
            try:
                known = (orjson.dumps(optional), headers, url, _MARK_BYTES[0] in frozen_params
                         or _MARK_BYTES[1] in frozen_params)
            except TypeError:  # a mapping that is not plain JSON (some providers' tools): worked out each time
                return optional, headers, url, True
            self._remember(key, known)
        if isinstance(known, LiteLLMOnly):
            raise LiteLLMOnly(*known.args)
        optional_json, headers, url, marked = known
        return orjson.loads(optional_json), dict(headers), url, marked

    def _remember(self, key: tuple[bool, bytes, str | None, tuple[tuple[str, str], ...]],
                  settled: tuple[bytes, dict[str, str], str, bool] | LiteLLMOnly) -> None:
        if len(self._mapped) >= _MAPPED_MAX:
            self._mapped.clear()
        self._mapped[key] = settled

    def _settle(self, params: dict[str, Any], messages: list[Any], stream: bool, api_key: str | None,
                extra: tuple[tuple[str, str], ...]) -> tuple[dict[str, Any], dict[str, str], str]:
        params = checked_params(params, self.model, self.provider)
        optional = get_optional_params(model=self.model, custom_llm_provider=self.provider, drop_params=True,
                                       messages=messages, stream=stream, **params)
        refuse_bridged(params, optional, self.model, self.provider, self.api_base)
        headers = self.config.validate_environment(
            headers=dict(extra), model=self.model, messages=messages, optional_params=optional,
            litellm_params=dict(self._litellm_params), api_key=api_key, api_base=self.api_base)
        url = self.config.get_complete_url(api_base=self.api_base, api_key=api_key, model=self.model,
                                           optional_params=optional, litellm_params=dict(self._litellm_params),
                                           stream=stream)
        return optional, headers, url

_MARK_BYTES = (b'"cache_control"', b'"prompt_cache_breakpoint"')
_TOOL_SEARCH_ID = f'"{ANTHROPIC_SERVER_TOOL_USE_ID_PREFIX}'.encode()


def _as_json(messages: list[Any]) -> bytes | None:
    try:
        return orjson.dumps(messages)
    except TypeError:
        return None


def _plain(text: bytes, count: int) -> bool:
    """Whether the `count` messages whose compact JSON is `text` hold no null, no content list, no developer
    role and one role each, read from the bytes: a key serialises as `"name":` and a string's own quotes are
    escaped, so text never passes for one of these (a content that is exactly "developer" only costs the full
    steps). A message without a role could pass only beside one that nests a `role` key of its own; requests
    through the gateway always carry a role on each message (router.request.Message)."""
    return (b"null" not in text and b'"content":[' not in text and b'"developer"' not in text
            and text.count(b'"role":') == count)


def _carries_marks(messages: list[Any]) -> bool:
    """Whether any message, content part or tool call carries a prompt-cache mark (`cache_control`,
    `prompt_cache_breakpoint`) at any depth, read from the messages' JSON (see `_marked`)."""
    return _marked(_as_json(messages))


def _marked(text: bytes | None) -> bool:
    """Whether JSON `text` carries a prompt-cache mark: a key serialises as `"name":`, and a string that merely
    contains the name has its quotes escaped, so a mark is never missed (a content string that is exactly a
    mark's name only costs the full walk). Not JSON (None): assumed marked."""
    return text is None or _MARK_BYTES[0] in text or _MARK_BYTES[1] in text


def _as_given(*, messages: Any, tools: Any, **_: Any) -> tuple[Any, Any]:
    return messages, tools


def _unmarked(config: OpenAIGPTConfig) -> OpenAIGPTConfig:
    """`config` with litellm's cache-mark walk (`_messages_and_tools_in_cache_mark_dialect`, ~70% of its
    `transform_request`) skipped, for requests with no mark anywhere in their messages or parameters.
    That walk rewrites, strips or caps `cache_control` / `prompt_cache_breakpoint` marks and rebuilds
    each message otherwise unchanged: without marks its output equals its input
    (tests/unit/test_litellm_wire.py checks it per provider and message shape against the walk itself,
    tests/integration/test_cloud_backend.py against litellm.acompletion's request). A copy: the config
    litellm itself uses is untouched. A provider config with its own walk keeps it."""
    if type(config)._messages_and_tools_in_cache_mark_dialect is not \
            OpenAIGPTConfig._messages_and_tools_in_cache_mark_dialect:
        return config
    bare = copy.copy(config)
    bare._messages_and_tools_in_cache_mark_dialect = _as_given  # type: ignore[method-assign]
    return bare
