"""Any model litellm speaks (OpenAI, Anthropic, Gemini, Bedrock, an OpenAI-compatible server...) behind the
Backend protocol: litellm's provider layer over our own client where the provider speaks OpenAI's wire
(backends/litellm_wire.py), else `litellm.acompletion`; no litellm retries (num_retries=0, max_retries=0:
resilience is the router's job), router, cache or budget. litellm fetches its price map from the internet at
import unless LITELLM_LOCAL_MODEL_COST_MAP is set: the composition root (router.runtime.prepare_environment)
sets it before this module is imported; nothing here writes the environment. litellm's exceptions are
translated here into backends.base errors; none escapes.

What clients see: the upstream response as plain dicts with `model` replaced by this backend's
`model_id` (the policy's id), so a client never learns which provider model served it.
"""
from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import httpx
import litellm
import openai
from litellm import exceptions as llm_errors

from backends import egress
from backends.egress import warn_if_proxied
from backends.litellm_steps import LiteLLMOnly, forwarded, reserving
from backends.litellm_wire import fast_wire
from backends.base import (
    BackendBadRequest,
    BackendError,
    BackendProtocolError,
    BackendRateLimited,
    BackendTimeout,
    BackendUnavailable,
    ContextWindowExceeded,
    Health,
    TERMINAL_EVENTS,
    checked_embeddings,
    checked_event,
    checked_response,
    retry_after_seconds,
    upstream_words,
)

__all__ = ["LiteLLMBackend"]

# litellm prints "Give Feedback / Get Help" banners to stdout on every exception otherwise.
litellm.suppress_debug_info = True


def _warm_up() -> None:
    """Import now what litellm would import lazily inside the first requests — openai's resource
    classes (~1 s) and litellm's default tokenizer for streams (~0.35 s) — so that cost is paid at
    start-up, not on the serving event loop while the first requests' deadlines run."""
    import openai.resources  # noqa: F401

    try:
        import litellm.litellm_core_utils.default_encoding  # noqa: F401
    except ImportError:  # a litellm release that moved it: the first stream pays instead
        pass


_warm_up()

# Keys the backend sets itself, and litellm's own (litellm_steps.reserving): a request cannot set them.
_RESERVED = reserving(frozenset({"model", "stream", "stream_options", "api_key", "api_base", "base_url",
                                 "timeout", "num_retries", "max_retries", "extra_headers"}))

Phase = Literal["connect", "first_token", "total"]


class LiteLLMBackend:
    """One litellm model, e.g. "openai/gpt-4o-mini" or "anthropic/claude-sonnet-4-5".

    `api_key_env` names the environment variable holding the API key; it is read at call time
    (so a rotated key is picked up) and never logged or put in a message. Without it, litellm's
    own provider variable applies (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...). A provider that
    needs a key and has none, and no `api_base`, is reported unavailable by `health()`, and
    `complete`/`stream` raise BackendUnavailable before any network I/O.

    Timeouts: `connect_timeout_s` bounds opening the connection; `timeout_s` bounds a whole
    `complete`; a stream may stall (no byte from upstream) at most `stall_timeout_s` between chunks
    (dispatch bounds the wait for the first chunk separately). Unset, each defaults to `timeout_s`. Unsupported OpenAI parameters are dropped by litellm for providers that do
    not take them (drop_params), rather than failing the request.
    """

    def __init__(self, model_id: str, litellm_model: str, *, api_base: str | None = None,
                 api_key_env: str | None = None, timeout_s: float = 60, connect_timeout_s: float | None = None,
                 stall_timeout_s: float | None = None, extra_headers: dict[str, str] | None = None,
                 egress: bool = True) -> None:
        self.model_id = model_id
        self.egress = egress
        self.litellm_model = litellm_model
        self.api_base = api_base
        self.api_key_env = api_key_env
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s or timeout_s
        self.stall_timeout_s = stall_timeout_s or timeout_s
        self.extra_headers = dict(extra_headers or {})
        self._wire, self.path = fast_wire(self, _RESERVED)
        if not egress and self._wire is None:
            warn_if_proxied(model_id, api_base)  # litellm's own client takes the variables' route

    async def health(self) -> Health:
        missing = self._missing_key()
        if missing:
            return Health(False, missing)
        return Health(True, f"litellm {self.litellm_model} at {self._where()}")

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        if self._wire is not None:
            try:
                return await self._wire.complete(request)
            except LiteLLMOnly:  # a step of litellm.completion the fast path does not take: litellm's own call
                pass
            except Exception as exc:  # litellm's request transforms raise its own errors
                raise self._translate(exc, "total", self._wire._secret()) from exc
        kwargs = self._call_kwargs(request, stream=False)
        response = await self._whole(litellm.acompletion, kwargs, "complete answer")
        body = self._plain(response)
        if not body.get("choices"):
            raise BackendProtocolError(self.model_id, "upstream answered without choices")
        return body

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        if self._wire is not None:
            chunks, started = self._wire.stream(request), False
            try:
                async for chunk in chunks:
                    started = True
                    yield chunk
                return
            except LiteLLMOnly:  # raised while the request is built, before any byte is sent or yielded
                pass
            except Exception as exc:  # the wire raises BackendErrors; litellm's request transforms their own
                raise self._translate(exc, "total" if started else "first_token", self._wire._secret()) from exc
            finally:
                await chunks.aclose()  # a client that hung up closes the upstream connection now
        kwargs = self._call_kwargs(request, stream=True)
        api_key = kwargs.get("api_key")
        phase: Phase = "first_token"
        try:
            upstream = await litellm.acompletion(**kwargs)
        except Exception as exc:
            raise self._translate(exc, phase, api_key) from exc
        head: dict[str, Any] = {}
        usage: dict[str, Any] | None = None
        held: dict[str, Any] | None = None  # a finish-only chunk, sent once the stream proves valid
        try:
            while True:
                try:
                    chunk = await upstream.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    raise self._translate(exc, phase, api_key) from exc
                phase = "total"
                body = self._plain(chunk)
                head = head or {"id": body.get("id"), "created": body.get("created")}
                if body.get("usage"):
                    usage = body.pop("usage")
                if body.get("choices") and not _carries_nothing(body):
                    if _content_free(body):
                        # litellm turns a malformed 200 into a lone empty "stop" chunk: holding it back
                        # keeps such a stream from counting as started, so dispatch can still fall back.
                        held = body
                        continue
                    if held is not None:
                        yield held
                        held = None
                    yield body
        finally:
            await upstream.aclose()
        if usage is None:
            raise BackendProtocolError(self.model_id, "upstream stream ended without usage")
        if held is not None:
            yield held
        yield {"id": head.get("id"), "object": "chat.completion.chunk",
               "created": head.get("created"), "model": self.model_id, "choices": [],
               "usage": usage}

    async def embed(self, request: dict[str, Any]) -> dict[str, Any]:
        """`Embedder.embed` through litellm.aembedding (every provider litellm speaks)."""
        kwargs = self._call_kwargs({"input": request["input"]}, stream=False)
        for key in ("stream", "drop_params", "max_retries"):
            kwargs.pop(key, None)
        if request.get("dimensions") is not None:
            kwargs["dimensions"] = request["dimensions"]
        response = await self._whole(litellm.aembedding, kwargs, "embeddings")
        body = response.model_dump() if hasattr(response, "model_dump") else response
        return checked_embeddings(self.model_id, body, len(request["input"]))

    async def _whole(self, call: Any, kwargs: dict[str, Any], what: str) -> Any:
        """One non-streamed litellm call under the model's timeout, its errors translated."""
        try:
            async with asyncio.timeout(self.timeout_s):
                return await call(**kwargs)
        except TimeoutError:
            raise BackendTimeout(self.model_id, f"no {what} within {self.timeout_s} s", phase="total") from None
        except Exception as exc:
            raise self._translate(exc, "total", kwargs.get("api_key")) from exc

    # -- Responder (models marked `responses: native`): litellm.aresponses, kept apart from the chat path ----
    async def respond(self, request: dict[str, Any]) -> dict[str, Any]:
        """`Responder.respond` through litellm.aresponses (OpenAI's Responses API where the provider speaks
        it; litellm bridges the rest to chat itself)."""
        kwargs = self._responses_kwargs(request, stream=False)
        response = await self._whole(litellm.aresponses, kwargs, "response")
        return checked_response(self.model_id, _json(response))

    async def respond_stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """`Responder.respond_stream`: litellm's Responses event iterator, its events as plain dicts. A model
        litellm's map says cannot stream natively (or does not know) is answered whole and its events
        synthesised by litellm."""
        kwargs = self._responses_kwargs(request, stream=True)
        api_key = kwargs.get("api_key")
        phase: Phase = "first_token"
        try:
            upstream = await litellm.aresponses(**kwargs)
        except Exception as exc:
            raise self._translate(exc, phase, api_key) from exc
        try:
            while True:
                try:
                    event = await upstream.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    raise self._translate(exc, phase, api_key) from exc
                phase = "total"
                event = checked_event(self.model_id, _json(event))
                yield event
                if event["type"] in TERMINAL_EVENTS:
                    return
        finally:
            close = getattr(upstream, "aclose", None)
            if close is not None:
                await close()
        raise BackendProtocolError(self.model_id, "upstream stream ended before response.completed")

    def _responses_kwargs(self, request: dict[str, Any], *, stream: bool) -> dict[str, Any]:
        kwargs = self._call_kwargs(request, stream=stream)
        kwargs.pop("stream_options", None)  # a Responses stream always ends with its usage
        return kwargs

    def _missing_key(self) -> str | None:
        """Why no request can be sent (a missing API key), or None. No network I/O."""
        if self.api_base is not None:
            return None
        if self.api_key_env is not None:
            return None if os.environ.get(self.api_key_env) else f"{self.api_key_env} not set"
        check = litellm.validate_environment(model=self.litellm_model)
        if check.get("keys_in_environment"):
            return None
        missing = check.get("missing_keys") or []
        return f"{' / '.join(missing)} not set" if missing else None

    def _call_kwargs(self, request: dict[str, Any], *, stream: bool) -> dict[str, Any]:
        missing = self._missing_key()
        if missing:
            raise BackendUnavailable(self.model_id, missing, transient=False)
        kwargs = forwarded(request, _RESERVED)
        timeout = httpx.Timeout(self.timeout_s, connect=self.connect_timeout_s,
                                read=self.stall_timeout_s if stream else self.timeout_s)
        kwargs.update(model=self.litellm_model, stream=stream, timeout=timeout,
                      num_retries=0, max_retries=0, drop_params=True)
        if stream:
            kwargs["stream_options"] = {"include_usage": True}
        if self.api_base is not None:
            kwargs["api_base"] = self.api_base
        if self.api_key_env is not None:
            # An OpenAI-compatible server without auth still needs some key for the SDK.
            kwargs["api_key"] = os.environ.get(self.api_key_env) or "none"
        if self.extra_headers:
            kwargs["extra_headers"] = dict(self.extra_headers)
        return kwargs

    def _plain(self, response: Any) -> dict[str, Any]:
        body = response.model_dump() if hasattr(response, "model_dump") else response
        if not isinstance(body, dict):
            raise BackendProtocolError(self.model_id, f"upstream answered a {type(body).__name__}")
        body["model"] = self.model_id
        return body

    def _translate(self, exc: Exception, phase: Phase, api_key: str | None) -> BackendError:
        """The most specific BackendError for a litellm (or openai/httpx) exception.

        litellm's classes do not always say what happened (a refused connection arrives as an
        InternalServerError, a stalled stream as a MidStreamFallbackError), so timeouts and
        connection failures are recognised by the exception chain first."""
        if isinstance(exc, BackendError):
            return exc
        model_id = self.model_id
        detail = _upstream_message(exc, api_key)
        if isinstance(exc, llm_errors.ContextWindowExceededError):
            return ContextWindowExceeded(model_id, detail)
        if _in_chain(exc, (httpx.TimeoutException, openai.APITimeoutError, TimeoutError)):
            if _in_chain(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
                return BackendTimeout(model_id, f"no connection to {self._where()} within {self.connect_timeout_s} s",
                                      phase="connect")
            return BackendTimeout(model_id, f"upstream sent nothing in time ({phase}: stall limit "
                                            f"{self.stall_timeout_s} s, total {self.timeout_s} s)", phase=phase)
        refused = egress.unavailable(model_id, self._where(), list(_chain(exc)))
        if refused is not None:  # the same words as on the fast path (backends/http1.py's ProxyError)
            return refused
        if isinstance(exc, llm_errors.RateLimitError):
            return BackendRateLimited(model_id, "rate limited by upstream",
                                      retry_after=_retry_after(exc))
        if isinstance(exc, (llm_errors.AuthenticationError, llm_errors.PermissionDeniedError)):
            source = f" (key from {self.api_key_env})" if self.api_key_env else ""
            return BackendUnavailable(model_id, f"authentication failed{source}", transient=False)
        if isinstance(exc, llm_errors.NotFoundError):
            return BackendUnavailable(
                model_id, f"upstream has no model {self.litellm_model!r} or no such endpoint "
                          f"at {self._where()}: {detail}", transient=False)
        if isinstance(exc, (llm_errors.BadRequestError, llm_errors.UnprocessableEntityError)):
            return BackendBadRequest(model_id, detail)
        if _in_chain(exc, (httpx.TransportError, openai.APIConnectionError)):
            failed = ("could not connect to" if _in_chain(exc, (httpx.ConnectError, ConnectionError))
                      else "connection failed with")
            return BackendUnavailable(
                model_id, f"{failed} {self._where()} ({_root_cause_name(exc)})")
        if isinstance(exc, (llm_errors.ServiceUnavailableError, llm_errors.BadGatewayError,
                            llm_errors.InternalServerError)):
            return BackendUnavailable(model_id, detail)
        if isinstance(exc, llm_errors.APIResponseValidationError):
            return BackendProtocolError(model_id, detail)
        status = getattr(exc, "status_code", None)
        if isinstance(status, int):
            if status == 429:
                return BackendRateLimited(model_id, detail, retry_after=_retry_after(exc))
            if 400 <= status < 500 and status != 408:
                return BackendBadRequest(model_id, f"HTTP {status}: {detail}")
            if status >= 500:
                return BackendUnavailable(model_id, f"HTTP {status}: {detail}")
        return BackendProtocolError(model_id, f"unexpected {type(exc).__name__}: {detail}")

    def _where(self) -> str:
        """The endpoint as scheme://host[:port], never with credentials, path or query."""
        if self.api_base is None:
            return f"{self.litellm_model.split('/', 1)[0]}'s API"
        url = httpx.URL(self.api_base)
        return f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")


def _json(value: Any) -> Any:
    """A litellm Responses object or event as plain JSON-ready dicts (enums as their strings)."""
    return value.model_dump(mode="json", warnings=False) if hasattr(value, "model_dump") else value


def _carries_nothing(chunk: dict[str, Any]) -> bool:
    """litellm pads streams with chunks whose delta is all None; they are not forwarded."""
    return all(choice.get("finish_reason") is None and choice.get("logprobs") is None
               and not any((choice.get("delta") or {}).values())
               for choice in chunk["choices"])


def _content_free(chunk: dict[str, Any]) -> bool:
    """A chunk that only closes choices (finish_reason) without any delta content."""
    return all(not any((choice.get("delta") or {}).values()) for choice in chunk["choices"])


_LITELLM_PREFIX = re.compile(r"^(?:litellm\.\w+: |\w+(?:Error|Exception)(?::| -) )+")


def _upstream_message(exc: BaseException, api_key: str | None) -> str:
    """The upstream's words, without litellm's class-name prefixes, any API key, or a novel."""
    message = _LITELLM_PREFIX.sub("", " ".join(str(getattr(exc, "message", None) or exc).split()))
    return upstream_words(message, api_key) or type(exc).__name__


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _in_chain(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    return any(isinstance(link, kinds) for link in _chain(exc))


def _root_cause_name(exc: BaseException) -> str:
    *_, root = _chain(exc)
    return type(root).__name__


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from the upstream's Retry-After / retry-after-ms header, when it sent one."""
    headers: dict[str, str] = {}
    response = getattr(exc, "response", None)
    if response is not None and getattr(response, "headers", None) is not None:
        headers.update(response.headers.items())
    headers.update((getattr(exc, "headers", None) or {}).items())
    # litellm keeps the upstream's headers here; its `response` is often a stand-in without them.
    headers.update((getattr(exc, "litellm_response_headers", None) or {}).items())
    return retry_after_seconds(headers)
