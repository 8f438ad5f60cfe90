"""ASGI middleware: every request to a model endpoint is recorded once, from arrival to last byte.

At arrival it opens the request's SERVER span (under an incoming W3C `traceparent`) and a
`Recording` (router/served.py) that the endpoint and the gateway fill in; when the response's last
byte has gone (or the request failed or the client left) the gateway emits it: headers were already
rendered from the same record. Requests refused before the gateway saw them (a malformed body, a
bad key) are recorded too, with the status sent. Other paths (health, metrics, admin) are not.
"""

from __future__ import annotations

import asyncio
from typing import Any

from opentelemetry import propagate

from router import semconv as sc
from router.served import Recording, closed, opened

__all__ = ["RECORDED", "RecordRequests"]

RECORDED = {"/v1/chat/completions": "chat", "/v1/responses": "responses", "/v1/completions": "completions",
            "/v1/embeddings": "embeddings", "/v1/audio/transcriptions": "transcriptions"}
_TRACE_HEADERS = (b"traceparent", b"tracestate")


class RecordRequests:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        operation = RECORDED.get(scope.get("path", "")) if scope["type"] == "http" else None
        gateway = scope["app"].state.gateway if operation is not None else None
        if gateway is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        carrier = {k.decode(): v.decode("latin-1") for k, v in scope.get("headers", ()) if k in _TRACE_HEADERS}
        parent = propagate.extract(carrier) if carrier else None
        span = gateway.telemetry.request_span(f"POST {scope['path']}", parent,
                                              {sc.HTTP_REQUEST_METHOD: "POST", sc.HTTP_ROUTE: scope["path"]})
        recording = Recording(operation, parent=parent)
        recording.start_ns = getattr(span, "start_time", None) or recording.start_ns
        status: list[int] = []

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        token = opened(recording)
        unsent = 500  # what a request that ends with nothing sent is recorded as
        try:
            await self.app(scope, receive, sending)
        except asyncio.CancelledError:
            unsent = 499  # cancelled from outside before an answer: Ray Serve's proxy saw the client go
            raise
        finally:
            closed(token)
            gateway.telemetry.finish(recording, status[0] if status else unsent, span)
