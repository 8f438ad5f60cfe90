"""litellm's fast path: its provider transformation layer over a pooled client of our own.

`litellm.acompletion` costs ~10 ms of CPU per call on the ingress's event loop (bench/litellm_call.py):
a price lookup (`completion_cost` -> `get_model_info`, ~4.5 ms), a success-logging payload (~2 ms),
the provider config rebuilt ~30 times, response objects built and dumped again. None of it is needed
here: Turnout prices, logs and retries itself.

What litellm is kept for is what it is best at, translating providers: per call, the provider's own
`get_optional_params` (OpenAI parameters mapped, unsupported ones dropped), `validate_environment`
(headers), `get_complete_url` and `transform_request` build the request; the call goes out on one
keep-alive connection pool (backends.openai_http's, with its status, timeout and stream handling).

Which providers: those whose litellm config speaks OpenAI's chat-completions wire format in both
directions (an `OpenAIGPTConfig` that keeps its response parsing, stream iterator, request signing
and environment check: openai, hosted_vllm, vllm, lm_studio, together_ai, deepinfra, nvidia_nim,
cerebras, ...), so the answer needs no translation back. Every other provider (anthropic, gemini,
vertex_ai, bedrock, groq, mistral, openrouter, xai, fireworks_ai, ...) translates its answer or
signs its request in ways only litellm's full call does: `fast_wire` says why and
LiteLLMBackend keeps `litellm.acompletion` for those.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

import litellm
import orjson
from litellm.llms.openai.chat.gpt_transformation import OpenAIGPTConfig
from litellm.types.utils import LlmProviders
from litellm.utils import ProviderConfigManager, get_optional_params

from backends.base import BackendUnavailable
from backends.egress import Proxies
from backends.openai_http import OpenAIHTTPBackend, Pool

__all__ = ["LiteLLMWire", "fast_wire"]

# What an OpenAI-wire config must keep as OpenAIGPTConfig has it, for an answer to need no translation.
_KEPT = ("transform_response", "get_model_response_iterator", "sign_request", "async_transform_request",
         "should_fake_stream", "validate_environment")
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
        self._mapped: dict[tuple[bool, bytes], bytes] = {}  # get_optional_params' answers, as JSON, by parameters

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

    def _optional(self, params: dict[str, Any], messages: Any, stream: bool) -> dict[str, Any]:
        """litellm's `get_optional_params` for these parameters, worked out once per distinct set: it
        is a function of the model, the provider and the parameters only (the messages are passed
        and set aside), and costs ~0.3 ms of Python per call, most of the fast path's own cost.
        Each call gets its own copy (the request build below changes it)."""
        try:
            key: tuple[bool, bytes] | None = (stream, orjson.dumps(params, option=orjson.OPT_SORT_KEYS))
        except TypeError:  # not JSON (no request body is): nothing to key it by
            key = None
        known = self._mapped.get(key) if key is not None else None
        if known is not None:
            return orjson.loads(known)
        optional = get_optional_params(model=self.model, custom_llm_provider=self.provider, drop_params=True,
                                       messages=messages, stream=stream, **params)
        if key is not None:
            try:
                frozen = orjson.dumps(optional)
            except TypeError:
                return optional
            if len(self._mapped) >= _MAPPED_MAX:
                self._mapped.clear()
            self._mapped[key] = frozen
        return optional

    def _prepare(self, request: dict[str, Any], *, stream: bool,
                 responses: bool = False) -> tuple[str, dict[str, str], bytes]:
        if responses:  # LiteLLMBackend answers the Responses API through litellm.aresponses
            raise NotImplementedError("the fast path carries chat completions only")
        missing = self._missing_key()
        if missing:
            raise BackendUnavailable(self.model_id, missing, transient=False)
        params = {key: value for key, value in request.items() if key not in self.reserved and key != "messages"}
        if stream:
            params["stream_options"] = {"include_usage": True}
        messages = request["messages"]
        optional = self._optional(params, messages, stream)
        extra_body = optional.pop("extra_body", None) or {}
        api_key = self._secret()
        headers = self.config.validate_environment(
            headers=dict(self.owner.extra_headers), model=self.model, messages=messages,
            optional_params=optional, litellm_params={}, api_key=api_key, api_base=self.api_base)
        url = self.config.get_complete_url(api_base=self.api_base, api_key=api_key, model=self.model,
                                           optional_params=optional, litellm_params={}, stream=stream)
        body = self.config.transform_request(model=self.model, messages=messages, optional_params=optional,
                                             litellm_params={}, headers=headers)
        body.update(extra_body)
        body["stream"] = stream
        headers["accept"] = "text/event-stream" if stream else "application/json"
        return url, headers, orjson.dumps(body)
