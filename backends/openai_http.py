"""A server that speaks OpenAI's chat-completions HTTP API, called directly over one keep-alive
connection pool: OpenAI itself, vLLM, llama-server, Ollama, another gateway.

Why not litellm for these: litellm's per-call work (request transforms, response objects, its own
cost calculation and logging) costs ~8 ms of CPU on the ingress's event loop per request, more than
everything else Turnout does together; for a server that already speaks the protocol there is
nothing to translate. Providers with their own protocols (Anthropic, Gemini, Bedrock) stay on
backends/cloud.py.

The request is forwarded as the router validated it, with `model` set to the server's name; the
answer comes back as parsed JSON with `model` replaced by the policy id. For a model marked
`responses: native` the Responses API is spoken the same way (POST {api_base}/responses, see
backends.base.Responder). Errors map onto
backends.base by HTTP status and the exception raised by the client; messages carry the upstream's
words (shortened, any API key scrubbed), never a key.

The client is backends/http1.py's (httptools over asyncio's transports): per request on the
ingress's event loop a call costs ~0.1 ms of CPU where aiohttp took ~0.25 ms and httpx ~1.2-1.9 ms
(keep-alive, loopback; bench/litellm_call.py), and the upstream call was the largest item of the
request path's profile.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any
from urllib.parse import urlsplit

import orjson

from backends import http1
from backends.egress import Proxies
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

__all__ = ["OpenAIHTTPBackend", "Pool"]

_RESERVED = frozenset({"model", "stream", "stream_options"})
_CONTEXT_HINTS = ("context_length_exceeded", "context length", "context window", "maximum context",
                  "too many tokens", "prompt is too long")


class Pool(http1.Pool):
    """One keep-alive HTTP/1.1 connection pool per backend: a request reuses a warm connection instead
    of paying a TCP connect (and, to a cloud API, a TLS handshake) each time (backends/http1.py)."""


class OpenAIHTTPBackend:
    """One model on one OpenAI-compatible server.

    Timeouts: `connect_timeout_s` to open a connection, `timeout_s` for a whole `complete`,
    `stall_timeout_s` between bytes of a stream. The API key is read from `api_key_env` at call
    time (a rotated key is picked up) and sent as a bearer token; without `api_key_env` no
    Authorization header is sent (an on-prem server without auth). `egress`: calls may take the
    standard proxy variables' route (backends/egress.py); False for a model in the building.

    A server that ignores `stream_options.include_usage` gets a usage chunk all the same: completion
    tokens counted from the content chunks, `prompt_tokens` None for the router to fill from its
    estimate (see Backend.stream).
    """

    def __init__(self, model_id: str, model: str, *, api_base: str, api_key_env: str | None = None,
                 timeout_s: float = 60, connect_timeout_s: float | None = None,
                 stall_timeout_s: float | None = None, max_connections: int = 256, egress: bool = True) -> None:
        self.model_id = model_id
        self.model = model
        self.url = api_base.rstrip("/") + "/chat/completions"
        self.api_key_env = api_key_env
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s or timeout_s
        self.stall_timeout_s = stall_timeout_s or timeout_s
        # A server in the building (`location: local`) is never reached through the egress proxy:
        # private data would pass a third party's hop on its way there.
        self._pool = Pool(max_connections, proxies=None if egress else Proxies())

    # -- Backend protocol ---------------------------------------------------------------------------
    async def health(self) -> Health:
        missing = self._missing_key()
        if missing:
            return Health(False, missing)
        return Health(True, f"openai-compatible {self.model} at {self._where()}")

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        url, headers, body = self._prepare(request, stream=False)
        answer = await self._post(url, body, headers, "complete answer")
        if not isinstance(answer, dict) or not answer.get("choices"):
            raise BackendProtocolError(self.model_id, "upstream answered without choices")
        answer["model"] = self.model_id
        return answer

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        url, headers, body = self._prepare(request, stream=True)
        usage: dict[str, Any] | None = None
        head: dict[str, Any] = {}
        generated = 0  # content-bearing chunks: the completion tokens, if the server reports no usage
        async with aclosing(self._sse(url, body, headers)) as payloads:
            async for data in payloads:
                chunk = self._chunk(data)
                head = head or {"id": chunk.get("id"), "created": chunk.get("created")}
                if chunk.get("usage"):
                    usage = chunk.pop("usage")
                if chunk.get("choices"):
                    chunk["model"] = self.model_id
                    generated += any((c.get("delta") or {}).get("content") for c in chunk["choices"])
                    yield chunk
        if not head:
            raise BackendProtocolError(self.model_id, "upstream stream carried no chunk")
        if usage is None:  # a server that ignores stream_options.include_usage (llama-cpp-python's)
            usage = {"prompt_tokens": None, "completion_tokens": generated, "total_tokens": None}
        yield {"id": head.get("id"), "object": "chat.completion.chunk", "created": head.get("created"),
               "model": self.model_id, "choices": [], "usage": usage}

    async def respond(self, request: dict[str, Any]) -> dict[str, Any]:
        """`Responder.respond`: POST {api_base}/responses."""
        url, headers, body = self._prepare(request, stream=False, responses=True)
        return checked_response(self.model_id, await self._post(url, body, headers, "response"))

    async def respond_stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """`Responder.respond_stream`: POST {api_base}/responses with "stream": true, its events as they come."""
        url, headers, body = self._prepare(request, stream=True, responses=True)
        async with aclosing(self._sse(url, body, headers)) as payloads:
            async for data in payloads:
                try:
                    event = checked_event(self.model_id, orjson.loads(data))
                except orjson.JSONDecodeError:
                    raise BackendProtocolError(self.model_id, "upstream sent a stream event that is not JSON") from None
                yield event
                if event["type"] in TERMINAL_EVENTS:
                    return
        raise BackendProtocolError(self.model_id, "upstream stream ended before response.completed")

    async def _sse(self, url: str, body: bytes, headers: dict[str, str]) -> AsyncIterator[bytes]:
        """The `data:` payloads of a server-sent event stream, up to `[DONE]` or its end; every failure as
        the most specific BackendError (a stall before the first payload is a first-token timeout)."""
        phase = "first_token"
        try:
            async with await self._pool.post(url, body, headers, connect_timeout=self.connect_timeout_s,
                                             read_timeout=self.stall_timeout_s) as response:
                if response.status != 200:
                    raise self._status_error(response.status, response.headers, await response.read(),
                                             response.proxy)
                async for line in _lines(response.chunks()):
                    if not line.startswith(b"data:"):
                        continue  # blank separators, comments (": keep-alive"), event names
                    data = line[5:].strip()
                    if data == b"[DONE]":
                        return
                    phase = "total"
                    yield data
        except http1.HTTPError as exc:
            raise self._transport_error(exc, phase) from None

    async def embed(self, request: dict[str, Any]) -> dict[str, Any]:
        """`Embedder.embed`: POST {api_base}/embeddings, floats back."""
        missing = self._missing_key()
        if missing:
            raise BackendUnavailable(self.model_id, missing, transient=False)
        body = {"model": self.model, "input": request["input"], "encoding_format": "float"}
        if request.get("dimensions") is not None:
            body["dimensions"] = request["dimensions"]
        headers = {"content-type": "application/json", "accept": "application/json"}
        if self.api_key_env is not None:
            headers["authorization"] = f"Bearer {os.environ[self.api_key_env]}"
        answer = await self._post(self.url.removesuffix("/chat/completions") + "/embeddings", orjson.dumps(body),
                                  headers, "embeddings")
        return checked_embeddings(self.model_id, answer, len(request["input"]))

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def _post(self, url: str, body: bytes, headers: dict[str, str], what: str) -> Any:
        """POST `body` and return the decoded JSON answer; every failure as the most specific BackendError
        (`what` names the answer in a timeout's message)."""
        try:
            async with asyncio.timeout(self.timeout_s):
                async with await self._pool.post(url, body, headers, connect_timeout=self.connect_timeout_s,
                                                 read_timeout=None) as response:
                    status, content = response.status, await response.read()
                    if status != 200:
                        raise self._status_error(status, response.headers, content, response.proxy)
        except http1.HTTPError as exc:
            raise self._transport_error(exc, "total") from None
        except TimeoutError:
            raise BackendTimeout(self.model_id, f"no {what} within {self.timeout_s} s", phase="total") from None
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            raise BackendProtocolError(self.model_id, "upstream answered 200 with a body that is not JSON") from None

    # -- helpers ------------------------------------------------------------------------------------
    def _missing_key(self) -> str | None:
        if self.api_key_env is not None and not os.environ.get(self.api_key_env):
            return f"{self.api_key_env} not set"
        return None

    @property
    def _responses_url(self) -> str:
        return self.url.removesuffix("/chat/completions") + "/responses"

    def _prepare(self, request: dict[str, Any], *, stream: bool,
                 responses: bool = False) -> tuple[str, dict[str, str], bytes]:
        """The URL, headers and JSON body of one call (BackendUnavailable without a key)."""
        missing = self._missing_key()
        if missing:
            raise BackendUnavailable(self.model_id, missing, transient=False)
        body = {key: value for key, value in request.items() if key not in _RESERVED}
        body.update(model=self.model, stream=stream)
        if stream and not responses:  # a Responses stream always ends with its usage
            body["stream_options"] = {"include_usage": True}
        headers = {"content-type": "application/json", "accept": "text/event-stream" if stream else "application/json"}
        if self.api_key_env is not None:
            headers["authorization"] = f"Bearer {os.environ[self.api_key_env]}"
        return self._responses_url if responses else self.url, headers, orjson.dumps(body)

    def _chunk(self, data: bytes) -> dict[str, Any]:
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise BackendProtocolError(self.model_id, "upstream sent a stream event that is not JSON") from None
        if not isinstance(chunk, dict):
            raise BackendProtocolError(self.model_id, "upstream sent a stream event that is not an object")
        if "error" in chunk:  # an OpenAI-style error event mid-stream
            raise BackendUnavailable(self.model_id, f"upstream error mid-stream: {self._message(chunk)}")
        return chunk

    def _where(self) -> str:
        """scheme://host[:port] of the server, never credentials, path or query."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")

    def _message(self, payload: Any) -> str:
        """The upstream's words from an OpenAI error body (or raw text), shortened, key scrubbed."""
        if isinstance(payload, (bytes, str)):
            try:
                payload = orjson.loads(payload)
            except orjson.JSONDecodeError:
                payload = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        if isinstance(payload, dict):
            error = payload.get("error", payload)
            payload = error.get("message") if isinstance(error, dict) else error
        return upstream_words(str(payload or ""), self._secret()) or "no message"

    def _secret(self) -> str | None:
        """The API key these calls send: scrubbed from every message."""
        return os.environ.get(self.api_key_env or "")

    def _status_error(self, status: int, headers: Mapping[str, str], content: bytes,
                      proxy: str | None = None) -> BackendError:
        """The BackendError for an upstream's error status. `proxy`: the egress proxy a plain-http answer
        came through, which may have answered itself (a 401 or 403 of its own is told apart by nothing)."""
        detail = self._message(content)
        lowered = content.decode("utf-8", "replace").lower()
        if status == 429:
            return BackendRateLimited(self.model_id, f"rate limited by upstream: {detail}",
                                      retry_after=retry_after_seconds(headers))
        if status in (401, 403):
            source = f" (key from {self.api_key_env})" if self.api_key_env else ""
            via = f" (through proxy {proxy}, which may have refused its own credentials)" if proxy else ""
            return BackendUnavailable(self.model_id, f"authentication failed{source}: HTTP {status}{via}",
                                      transient=False)
        if status == 404:
            return BackendUnavailable(self.model_id, f"upstream has no model {self.model!r} or no such endpoint at "
                                                     f"{self._where()}: {detail}", transient=False)
        if status == 408:
            return BackendTimeout(self.model_id, f"upstream timed out (HTTP 408): {detail}")
        if 400 <= status < 500:
            if any(hint in lowered for hint in _CONTEXT_HINTS):
                return ContextWindowExceeded(self.model_id, detail)
            return BackendBadRequest(self.model_id, f"HTTP {status}: {detail}")
        return BackendUnavailable(self.model_id, f"HTTP {status}: {detail}")

    def _transport_error(self, exc: http1.HTTPError, phase: str) -> BackendError:
        """The BackendError for a transport failure; one through an egress proxy names it (host:port only)."""
        via = f" through proxy {exc.proxy}" if exc.proxy else ""
        if isinstance(exc, http1.ConnectTimeout):
            return BackendTimeout(self.model_id, f"no connection to {self._where()}{via} within "
                                                 f"{self.connect_timeout_s} s", phase="connect")
        if isinstance(exc, http1.ReadTimeout):
            return BackendTimeout(self.model_id, f"upstream timed out (no data within {self.stall_timeout_s} s)"
                                                 f"{via}", phase=phase)
        if isinstance(exc, http1.BadHeader):
            return BackendUnavailable(self.model_id, str(exc), transient=False)
        if isinstance(exc, http1.ProxyError):  # the proxy's own words: refused (and why) or unreachable
            return BackendUnavailable(self.model_id, f"egress proxy: {exc}", transient=exc.transient)
        if isinstance(exc, http1.ConnectFailed):
            return BackendUnavailable(self.model_id, f"could not connect to {self._where()}{via}")
        return BackendUnavailable(self.model_id, f"connection to {self._where()}{via} broke ({exc})")


async def _lines(body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The body's lines as they arrive, of any length (one large tool-call chunk is one line)."""
    pending = b""
    async for data in body:
        pending += data
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line.rstrip(b"\r")
    if pending:
        yield pending
