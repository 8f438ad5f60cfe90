"""The backend protocol and the backend error tree.

    BackendError                      model_id, message
    ├── BackendTimeout                phase: "connect" | "first_token" | "total"
    ├── BackendRateLimited            retry_after: seconds, when upstream said
    ├── BackendUnavailable            down, refused, overloaded, not configured, auth failed
    ├── BackendBadRequest             upstream rejected the request itself
    │   ├── ContextWindowExceeded     the prompt does not fit this model's context window
    │   └── InvalidMedia              where: an image or video part a local model cannot take
    └── BackendProtocolError          upstream answered something malformed

Each backend translates its library's errors into the most specific class above at its own
boundary; nothing else leaves a backend. The router maps these onto its HTTP errors on its own
side (router/upstream.py): nothing here knows about the router. Whether a failure is worth trying
again is the router's rule too (router/dispatch.py). Messages name the model id and never carry
an API key. Backend kinds are built by name through backends/registry.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "Backend",
    "BackendBadRequest",
    "BackendError",
    "BackendProtocolError",
    "BackendRateLimited",
    "BackendTimeout",
    "BackendUnavailable",
    "ContextWindowExceeded",
    "Embedder",
    "Health",
    "InvalidMedia",
    "Responder",
    "TERMINAL_EVENTS",
    "checked_embeddings",
    "checked_event",
    "checked_response",
    "opening",
    "retry_after_seconds",
    "upstream_words",
]


@dataclass(frozen=True, slots=True)
class Health:
    """A backend's answer to `health()`.

    `available` is False when a request sent now would certainly fail (model not loaded, no API
    key, upstream unreachable); `detail` says why in one line. `queue_depth` counts requests
    waiting for a slot; `free_slots` is the number of requests the backend could start now, or
    None when it cannot know (a cloud API).
    """

    available: bool
    detail: str
    queue_depth: int = 0
    free_slots: int | None = None


@runtime_checkable
class Backend(Protocol):
    """One model behind one small async interface; the only thing `dispatch` talks to.

    An instance serves exactly one model, named by `model_id` (the policy's id, which is what
    clients see in `model`). Backends never choose a model, retry, or fall back: resilience is
    the router's job, so every failure is raised at once as a `BackendError` subclass.

    The request
        `request` is an OpenAI chat-completions request as a plain dict, already validated by
        the router, *without* "model" and "stream": "messages" (list of message dicts, content
        as a string or a list of content parts) plus any of "max_tokens", "temperature",
        "top_p", "seed", "stop", "tools", "tool_choice", "response_format", ... A backend
        ignores keys its engine cannot honour when ignoring them is harmless, and raises
        `BackendBadRequest` when it is not. A backend never mutates `request`.

    async complete(request) -> dict
        Returns an OpenAI `chat.completion` object as plain JSON-ready dicts:
        {"id": "chatcmpl-...", "object": "chat.completion", "created", "model": model_id,
         "choices": [{"index", "message": {"role": "assistant", "content", ...},
                      "finish_reason"}],
         "usage": {"prompt_tokens", "completion_tokens", "total_tokens"}}.
        Cancelling the awaiting task stops the upstream work.

    stream(request) -> AsyncIterator[dict]
        Yields OpenAI `chat.completion.chunk` objects (same id and `model` on each), and ALWAYS
        ends with one usage chunk {"id", "object": "chat.completion.chunk", "created", "model",
        "choices": [], "usage": {...}}; the gateway decides whether the client sees it. A backend
        whose upstream reports no prompt count sets `usage["prompt_tokens"]` to None; the gateway
        fills in its own estimate.
        Errors before the first chunk and mid-stream are raised from `__anext__`. Closing the
        iterator (`aclose()`) or cancelling the task iterating it stops the upstream work
        promptly and frees the backend's slot; there is no other way to stop a stream.

    async health() -> Health
        Cheap (no generation, no paid call) and never raises: a failure is reported as
        `Health(available=False, detail=...)`.
    """

    model_id: str

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]: ...

    async def health(self) -> Health: ...


@runtime_checkable
class Embedder(Protocol):
    """A model serving `/v1/embeddings`: the embeddings half of the protocol. Same rules as Backend
    (one model, no choosing, no retries, every failure a `BackendError` at once).

    async embed(request) -> dict
        `request` is {"input": [str, ...], "dimensions"?: int}, validated by the router (never
        token arrays). Returns {"object": "list", "model": model_id,
        "data": [{"object": "embedding", "index": i, "embedding": [float, ...]}, ...] in input order,
        "usage": {"prompt_tokens", "total_tokens"}}. An input longer than the model's window is a
        `ContextWindowExceeded`, never silently truncated.

    async health() -> Health
        As for Backend.
    """

    model_id: str

    async def embed(self, request: dict[str, Any]) -> dict[str, Any]: ...

    async def health(self) -> Health: ...


@runtime_checkable
class Responder(Protocol):
    """A model whose upstream speaks OpenAI's Responses API: the optional Responses half of the
    protocol, used only for models the policy marks `responses: native` (every other /v1/responses
    request reaches a model as chat). Same rules as Backend (one model, no choosing, no retries, every
    failure a `BackendError` at once).

    The request
        A Responses request body as a plain dict, built by the router, *without* "model" and
        "stream": "input" (a string or a list of items), and any of "instructions", "tools",
        "tool_choice", "text", "reasoning", "max_output_tokens", "store", ... It never carries
        "previous_response_id": conversations are the router's. A backend never mutates it.

    async respond(request) -> dict
        Returns the upstream's `response` object as plain JSON-ready dicts ({"id", "object":
        "response", "status", "output": [...], "usage": {"input_tokens", "output_tokens", ...}, ...})
        with `model` set to model_id. A `failed` response is raised as BackendUnavailable.

    respond_stream(request) -> AsyncIterator[dict]
        Yields the upstream's Responses stream events as dicts ({"type": "response.created", ...},
        "response.output_text.delta", ...) and ALWAYS ends with the terminal one,
        "response.completed" or "response.incomplete", whose `response` carries `usage`. An "error"
        or "response.failed" event is raised as BackendUnavailable; a stream that ends without a
        terminal event as BackendProtocolError. Errors and closing behave as for Backend.stream.
    """

    model_id: str

    async def respond(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def respond_stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]: ...


class BackendError(Exception):
    """A backend failed to serve one request."""

    def __init__(self, model_id: str, message: str) -> None:
        super().__init__(f"{model_id}: {message}")
        self.model_id = model_id
        self.message = message


class BackendTimeout(BackendError):
    """No answer in time. `phase`: "connect" (no connection), "first_token" (connected, nothing
    generated yet) or "total" (the whole request took too long)."""


    def __init__(self, model_id: str, message: str, *,
                 phase: Literal["connect", "first_token", "total"] = "total") -> None:
        super().__init__(model_id, message)
        self.phase = phase


class BackendRateLimited(BackendError):
    """Upstream said 429. `retry_after` is in seconds when upstream said (Retry-After)."""


    def __init__(self, model_id: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(model_id, message)
        self.retry_after = retry_after


class BackendUnavailable(BackendError):
    """The backend cannot serve anything right now: down, refused, overloaded, not configured
    (no API key), or authentication failed. `transient` is False where trying again soon cannot
    help (no key, a rejected key, no such model upstream): dispatch falls back without retrying."""


    def __init__(self, model_id: str, message: str, *, transient: bool = True) -> None:
        super().__init__(model_id, message)
        self.transient = transient


class BackendBadRequest(BackendError):
    """Upstream rejected the request itself; sending it again will not help."""


class ContextWindowExceeded(BackendBadRequest):
    """The prompt does not fit this model's context window; a fallback with a larger window may
    still serve it."""


class InvalidMedia(BackendBadRequest):
    """An image or video part that cannot be prepared for a local model: unreadable, too large, or a
    URL the policy does not let Turnout fetch. `where` names the part (`messages[0].content[1].image_url`)
    and the message starts with it. Media preparation (backends/image_prep.py, fetch.py, video_frames.py)
    raises it before any model is involved, with `model_id` ""; the backend reading the part raises it
    again under its own id."""

    def __init__(self, message: str, *, where: str, model_id: str = "") -> None:
        super().__init__(model_id, message)
        self.where = where
        if not model_id:
            self.args = (message,)


class BackendProtocolError(BackendError):
    """Upstream answered, but with something that is not a valid response."""


MAX_UPSTREAM_MESSAGE = 500


def upstream_words(text: str, api_key: str | None) -> str:
    """An upstream's message as a client may read it: one line, any API key replaced by ***, at most
    MAX_UPSTREAM_MESSAGE characters."""
    message = " ".join(text.split())
    if api_key and len(api_key) >= 4:
        message = message.replace(api_key, "***")
    if len(message) > MAX_UPSTREAM_MESSAGE:
        message = message[:MAX_UPSTREAM_MESSAGE] + "..."
    return message


def checked_embeddings(model_id: str, answer: Any, count: int) -> dict[str, Any]:
    """An upstream embeddings answer checked (one float vector per input, in order) and named by the
    policy id; BackendProtocolError for anything else."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, list) or len(data) != count or not all(
            isinstance(d, dict) and isinstance(d.get("embedding"), list) for d in data):
        raise BackendProtocolError(model_id, f"upstream answered without {count} embedding vector(s)")
    ordered = sorted(data, key=lambda d: d.get("index", 0))
    usage = answer.get("usage") or {}
    tokens = usage.get("prompt_tokens") or usage.get("total_tokens")
    return {"object": "list", "model": model_id,
            "data": [{"object": "embedding", "index": i, "embedding": d["embedding"]} for i, d in enumerate(ordered)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


TERMINAL_EVENTS = ("response.completed", "response.incomplete")


def opening(chunk: Mapping[str, Any]) -> bool:
    """Does this chat chunk carry none of the answer: choices whose deltas hold nothing but the assistant's
    role (or empty content), none finished? OpenAI-compatible servers open a stream with one. A usage
    chunk, an error or a Responses event is not an opening."""
    choices = chunk.get("choices")
    if not choices:
        return False
    for choice in choices:  # plain loops: asked of every stream's first chunks, before its first byte
        if choice.get("finish_reason") is not None:
            return False
        for key, value in (choice.get("delta") or {}).items():
            if value and key != "role":
                return False
    return True


def checked_response(model_id: str, answer: Any) -> dict[str, Any]:
    """An upstream Responses answer checked (a `response` object with an output list) and named by the
    policy id; BackendUnavailable for a failed response, BackendProtocolError for anything else."""
    if not isinstance(answer, dict) or answer.get("object") != "response" or not isinstance(answer.get("output"), list):
        raise BackendProtocolError(model_id, "upstream answered without a Responses `response` object")
    if answer.get("status") == "failed":
        error = answer.get("error") or {}
        raise BackendUnavailable(model_id, "upstream response failed: "
                                           + (upstream_words(str(error.get("message") or ""), None) or "no message"))
    answer["model"] = model_id
    return answer


def checked_event(model_id: str, event: Any) -> dict[str, Any]:
    """One upstream Responses stream event checked; an error event raised as BackendUnavailable."""
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise BackendProtocolError(model_id, "upstream sent a Responses stream event without a type")
    if event["type"] in ("error", "response.failed"):
        error = event.get("error") or (event.get("response") or {}).get("error") or event
        message = error.get("message") if isinstance(error, dict) else None
        raise BackendUnavailable(model_id, "upstream error mid-stream: "
                                           + (upstream_words(str(message or ""), None) or "no message"))
    return event


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds from an upstream's Retry-After (seconds or an HTTP date) or retry-after-ms header;
    None when it sent neither or nothing readable. Header names are matched case-insensitively."""
    lowered = {key.lower(): value for key, value in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())
