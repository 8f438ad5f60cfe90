"""ASGI plumbing of the HTTP surface, below any framework: the bearer key, the JSON body, SSE framing,
and a client's hang-up cancelling the work done for it.

These take ASGI's own `receive` and header mappings, so the hot endpoint (POST /v1/chat/completions,
served as a plain ASGI endpoint by router/http.py) and the FastAPI routes share them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

import orjson

from backends.base import opening
from router.errors import BadRequest, PayloadTooLarge

log = logging.getLogger("turnout.http")
T = TypeVar("T")
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
_DRAIN_BYTES = 64 * 1024 * 1024
SSE_DONE = b"data: [DONE]\n\n"


def sse_event(obj: Any) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


_JSON = (b"content-type", b"application/json")
_SSE = (b"content-type", b"text/event-stream; charset=utf-8")  # what Starlette's StreamingResponse sends


def _raw(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


async def send_json(send: Send, status: int, body: bytes, headers: Mapping[str, str]) -> None:
    """A whole JSON answer as its two ASGI messages (the headers Starlette's Response would send)."""
    raw = _raw(headers)
    raw += ((b"content-length", str(len(body)).encode()), _JSON)
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def send_sse(send: Send, chunks: AsyncIterator[dict[str, Any]], headers: Mapping[str, str]) -> None:
    """The gateway's chunks as a 200 stream of server-sent events: the head, one body message
    `data: <chunk JSON>` per chunk, then `data: [DONE]` as the last body message itself (`more_body`
    false).

    The chunks that open a stream without any of the answer (the assistant's role:
    `backends.base.opening`) go as one body message with the first chunk after them, so the first
    token leaves in one pass through the server's send chain. Framing and sending are one loop, not a
    framing generator under a sending one: each layer costs a resumption per chunk.

    `chunks` is closed however the sending ends (its last chunk gone, a send that failed, the request
    cancelled by a hang-up or by the server), and with it the chain of generators below it: the gateway
    settles and records a stream when its iterator ends, and the upstream connection closes then, not
    whenever garbage collection finds them."""
    try:
        await _start_events(send, headers)
        head = b""
        async for chunk in chunks:
            head += sse_event(chunk)
            if not opening(chunk):
                break
        if head:
            await send({"type": "http.response.body", "body": head, "more_body": True})
        async for chunk in chunks:
            await send({"type": "http.response.body", "body": sse_event(chunk), "more_body": True})
        await send({"type": "http.response.body", "body": SSE_DONE, "more_body": False})
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]


async def _start_events(send: Send, headers: Mapping[str, str]) -> None:
    """The head of a 200 stream of server-sent events: `headers`, no caching, the event-stream type."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [*_raw(headers), (b"cache-control", b"no-cache"), _SSE]})


async def send_events(send: Send, events: AsyncIterator[bytes], headers: Mapping[str, str]) -> None:
    """A 200 stream of already framed server-sent events: the head, one body message per event, then the end.

    An event `[DONE]` ends the stream as the last body message itself (`more_body` false): one ASGI send
    fewer per stream, each a pass through the server's send chain (Ray Serve's replica wrappers,
    uvicorn's write). A stream of other events (Responses) ends with an empty last message.

    `events` is closed however the sending ends (its last event gone, a send that failed, the request
    cancelled by a hang-up or by the server), and with it the chain of generators below it: the relay
    and the upstream connection close then, not whenever garbage collection finds them."""
    try:
        await _start_events(send, headers)
        last = b""
        async for event in events:
            if event == SSE_DONE:
                last = event
                break
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": last, "more_body": False})
    finally:
        await events.aclose()  # type: ignore[attr-defined]


def bearer(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def read_json_body(receive: Receive, headers: Mapping[str, str], max_bytes: int) -> Any:
    """The decoded JSON body; 413 past `max_bytes` (checked while reading), 400 if empty or not JSON."""
    body = bytearray()
    seen = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left before sending it all
            break
        piece = message.get("body", b"")
        seen += len(piece)
        if seen <= max_bytes:
            body += piece
        elif seen > max_bytes + _DRAIN_BYTES:
            break
        if not message.get("more_body", False):
            break
    # Draining (up to a bound) before answering lets proxies in front (HAProxy) deliver the 413
    # instead of turning a half-read upload into a 503.
    if seen > max_bytes:
        declared = headers.get("content-length", "")
        size = f"of {int(declared)} bytes " if declared.isdigit() else ""
        raise PayloadTooLarge(f"request body {size}exceeds the limit of {max_bytes} bytes "
                              f"(TURNOUT_MAX_BODY_BYTES)")
    if not body:
        raise BadRequest("request body is empty; expected a JSON object")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from None
    if isinstance(payload, (dict, list)) and body.count(b"[") + body.count(b"{") > MAX_DEPTH:  # else it cannot nest too deep
        refuse_deep(payload)
    return payload


MAX_DEPTH = 128  # orjson reads 1024 levels but writes only 254: deeper bodies could not be forwarded or keyed


def refuse_deep(payload: Any) -> None:
    """BadRequest naming where (its first four levels) `payload` nests deeper than MAX_DEPTH arrays/objects."""
    stack: list[tuple[Any, str, int]] = [(payload, "", 1)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadRequest(f"{where}...: JSON nests deeper than {MAX_DEPTH} levels", param=where)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(item, (dict, list)):
                name = f"[{key}]" if isinstance(key, int) else (f".{key}" if where else str(key))
                stack.append((item, where + name if depth < 4 else where, depth + 1))


class HangUp:
    """`async with HangUp(receive) as hang_up:` — a client that hangs up inside the block cancels it
    (and so the upstream call under it); the block then ends quietly with `hang_up.happened` set. Any
    other cancellation (server shutdown, Ray cancelling the request) goes on as it came.

    The body has been read, so the next ASGI message can only be `http.disconnect`. Only one is awaited,
    by one watching task; the block itself runs in the caller's task (no task per request for the work:
    asyncio.timeout's way, cancel and `uncancel`).

    `watch=False` watches nothing, for servers that do it themselves: Ray Serve's replica already
    awaits each request's disconnect in a task of its own, cancels the request when the client goes
    and answers 499 if nothing was sent (router/app.py turns the watch off there)."""

    def __init__(self, receive: Receive, *, watch: bool = True) -> None:
        self._receive = receive
        self._watch = watch  # False: the server in front cancels the request itself (Ray Serve's replica)
        self.happened = False

    async def __aenter__(self) -> HangUp:
        if not self._watch:
            return self
        self._task = asyncio.current_task()
        self._watcher = asyncio.ensure_future(self._receive())
        self._watcher.add_done_callback(self._heard)
        return self

    def _heard(self, watcher: asyncio.Future) -> None:
        try:
            message = watcher.result()
        except BaseException:  # cancelled, or a receive that failed: it tells nothing about the client
            return
        if message.get("type") == "http.disconnect" and self._task is not None:
            self.happened = True
            self._task.cancel()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> bool:
        if not self._watch:
            return False
        self._watcher.remove_done_callback(self._heard)
        self._watcher.cancel()
        if self.happened and self._task is not None and self._task.uncancel() == 0 \
                and exc_type is asyncio.CancelledError:
            log.info("client disconnected; request cancelled")
            return True
        return False


async def unless_disconnected(receive: Receive, work: Awaitable[T]) -> T | None:
    """`work`'s result, or None when the client hung up first (the work, and the upstream call under it,
    is cancelled then). Streams need no help: the response cancels its body when the client goes."""
    async with HangUp(receive):
        return await work
    return None
