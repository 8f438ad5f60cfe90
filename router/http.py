"""The HTTP surface: OpenAI-compatible endpoints over a Gateway, buildable without Ray.

Streams leave as server-sent events: one `data: <chunk JSON>` event per chunk the gateway yields,
then `data: [DONE]`. Every error leaves as OpenAI's `{"error": {"message", "type", "param", "code"}}` with a 4xx for
bad input and 502/503/504 for upstream failures; an unexpected exception is logged and answered
with a generic 500 that carries no traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from router import dashboard, http_surface
from router.errors import (
    BadRequest, shown, Forbidden, MethodNotAllowed, NotFound, PayloadTooLarge, TurnoutError, Unauthorized,
    UpstreamUnavailable,
)
from router.feedback import parse_feedback
from router.gateway import Gateway, Reply
from router.http_io import HangUp, bearer, read_json_body, send_json, send_sse
from router.http_io import unless_disconnected as watch
from router.http_record import RecordRequests
from router.look import dry_run, wants_scan
from router.transcriptions import transcribe

log = logging.getLogger("turnout.http")
T = TypeVar("T")
CHAT_PATH = "/v1/chat/completions"
AUTO_MODEL = {"id": "auto", "object": "model", "created": 0, "owned_by": "turnout",
              "description": "route for me: Turnout picks the model by policy"}


# FastAPI's own OpenTelemetry spans, metrics and logs (on by default since 0.16x) would duplicate the
# request span, cost more than all of Turnout's telemetry, and may record request bodies and
# validation inputs: requests are recorded once, by router/http_record.py.
FRAMEWORK_TELEMETRY: Any = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False,
                            "exclude": lambda scope: True}


def _error_response(exc: TurnoutError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def tenant_of(gateway: Gateway, headers: Mapping[str, str]) -> str:
    """The tenant id for a request with these headers. Open mode: a known key still selects its tenant."""
    spec = gateway.store.current.spec
    key = bearer(headers)
    if key is not None:
        digest = _sha256(key)
        for tenant in spec.tenants:
            if any(hmac.compare_digest(digest, known) for known in tenant.api_key_sha256):
                return tenant.id
    if spec.auth.mode == "open":
        return "default"
    if key is None:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    raise Unauthorized("invalid API key (keys are listed per tenant in the policy; `turnout keys create` makes one)")


def authenticate(gateway: Gateway, request: Request) -> str:
    return tenant_of(gateway, request.headers)


def authenticate_admin(gateway: Gateway, request: Request, admin_key_sha256: str | None) -> None:
    spec = gateway.store.current.spec
    allowed = list(spec.auth.admin_key_sha256) + ([admin_key_sha256] if admin_key_sha256 else [])
    if not allowed and spec.auth.mode == "open":
        return
    key = bearer(request.headers)
    if key is None:
        raise Unauthorized("admin endpoints need 'Authorization: Bearer <admin key>'")
    if not any(hmac.compare_digest(_sha256(key), known) for known in allowed):
        raise Forbidden("this key is not an admin key")


async def read_json(request: Request, max_bytes: int) -> Any:
    """The decoded JSON body; 413 past `max_bytes` (checked while reading), 400 if not JSON."""
    return await read_json_body(request.receive, request.headers, max_bytes)


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T | None:
    """`work`'s result, or None (the work cancelled) when the client hung up first (router/http_io.py)."""
    return await watch(request.receive, work)


_UNEXPECTED = {"error": {"message": "internal error; see the gateway log", "type": "server_error",
                         "param": None, "code": "internal_error"}}


class ChatCompletions:
    """POST /v1/chat/completions as a plain ASGI endpoint: the hot path skips FastAPI's routing,
    dependency and middleware layers (and Starlette's task group per stream) but answers exactly as
    the framework would: the same headers, the OpenAI error shape, 499 for a client gone before its
    answer. A client that hangs up cancels the work for it, its upstream call or its stream included."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        replies: list[Reply] = []
        try:
            await self._serve(scope, receive, send, replies)
        finally:  # a whole answer's budget settles and its cache entry is stored once it has gone (or failed to)
            if replies and replies[0].after is not None:
                await replies[0].after()

    async def _serve(self, scope: Scope, receive: Receive, send: Send, replies: list[Reply]) -> None:
        """Answer the request; the gateway's Reply, once it gave one, goes into `replies` (for its `after`)."""
        started = False  # something may have been sent: an unexpected error is then raised, not answered
        state = scope["app"].state
        response: Response
        try:
            gateway: Gateway = state.gateway
            headers = Headers(scope=scope)  # as FastAPI's request.headers: the first of repeated names
            tenant = tenant_of(gateway, headers)
            payload = await read_json_body(receive, headers, state.max_body_bytes)
            async with HangUp(receive, watch=state.watch_hang_ups) as hang_up:
                reply = await gateway.chat(payload, headers, tenant, deferred=True)
                replies.append(reply)
                if reply.stream is not None:  # send_sse closes the gateway's stream however it ends
                    # Marked here rather than by a wrapper around `send` (a call per body message):
                    # send_sse and send_json send the head first, its headers encoded from our own.
                    started = True
                    await send_sse(send, reply.stream, reply.headers)
                    return
                body = orjson.dumps(reply.body)
            if not hang_up.happened:
                started = True
                await send_json(send, reply.status, body, reply.headers)
                return
            response = Response(status_code=499)  # nobody reads a reply: its upstream call was cancelled
        except TurnoutError as exc:
            response = _error_response(exc)
        except Exception:
            log.exception("unexpected error")
            if started:
                raise
            response = JSONResponse(_UNEXPECTED, status_code=500)
        await response(scope, receive, send)


CHAT = ChatCompletions()


class TurnoutApp(FastAPI):
    """FastAPI, with POST /v1/chat/completions taken before the framework's stack by `CHAT`, recorded
    by the same RecordRequests as every model endpoint. (The route is also in the router, for anything
    that reaches it there, and for the 405 a wrong method gets.)"""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._chat = RecordRequests(CHAT)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path") == CHAT_PATH:
            scope["app"] = self
            await self._chat(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(gateway: Gateway | None = None, *, max_body_bytes: int = 32 * 1024 * 1024,
               admin_key_sha256: str | None = None) -> FastAPI:
    """The FastAPI app. `gateway` may be attached later as `app.state.gateway` (the Ray replica does)."""
    app = TurnoutApp(title="Turnout", version="0.1.0", docs_url=None, redoc_url=None, telemetry=FRAMEWORK_TELEMETRY)
    app.state.gateway = gateway
    app.state.max_body_bytes = max_body_bytes
    app.state.admin_key_sha256 = admin_key_sha256
    app.state.watch_hang_ups = True  # the Ray replica turns it off: Serve cancels a hung-up request itself
    app.add_middleware(RecordRequests)  # each model request recorded once, arrival to last byte

    @app.exception_handler(TurnoutError)
    async def turnout_error(_: Request, exc: TurnoutError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        """Starlette's own 404/405 (no such path, wrong method) in OpenAI's error shape."""
        where = f"{request.method} {request.url.path}"
        if exc.status_code == 405:
            allowed = next((v for k, v in (exc.headers or {}).items() if k.lower() == "allow"), "")
            error: TurnoutError = MethodNotAllowed(f"{where}: method not allowed; this path accepts {allowed}")
            error.headers["allow"] = allowed
        elif exc.status_code == 404:
            error = NotFound(f"{where}: no such endpoint; Turnout serves /v1/chat/completions, /v1/responses, "
                             f"/v1/completions, /v1/embeddings, /v1/models, /v1/route")
        else:
            error = BadRequest(f"{where}: {exc.detail}")
            error.status = exc.status_code
        return _error_response(error)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(_UNEXPECTED, status_code=500)

    def gw(request: Request) -> Gateway:
        return request.app.state.gateway

    app.router.add_route(CHAT_PATH, CHAT, methods=["POST"], include_in_schema=False)
    http_surface.add_routes(app, gw, authenticate, read_json, unless_disconnected)
    dashboard.add_routes(app, gw)  # GET /dashboard and /dashboard/data, admin-guarded

    @app.post("/v1/audio/transcriptions")
    async def audio_transcriptions(request: Request) -> Response:
        """OpenAI's transcription endpoint (multipart: file, model, response_format, language)."""

        gateway = gw(request)
        tenant = authenticate(gateway, request)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > request.app.state.max_body_bytes:
            raise PayloadTooLarge(f"request body of {int(declared)} bytes exceeds the limit of "
                                  f"{request.app.state.max_body_bytes} bytes (TURNOUT_MAX_BODY_BYTES)")
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise BadRequest("expected a multipart/form-data body with a 'file' field (OpenAI's transcription "
                             "request)")
        try:
            form = await request.form()
        except Exception as exc:  # python-multipart's parse errors: the client's malformed body
            raise BadRequest(f"multipart body cannot be parsed: {exc}") from None
        body, headers = await transcribe(gateway, form, request.headers, tenant)
        if isinstance(body, str):
            return Response(body, media_type="text/plain", headers=headers)
        return Response(orjson.dumps(body), media_type="application/json", headers=headers)

    @app.post("/v1/route")
    async def route(request: Request) -> Response:
        gateway = gw(request)
        tenant = authenticate(gateway, request)
        payload = await read_json(request, request.app.state.max_body_bytes)
        scan = wants_scan(request.headers, payload)
        body = await dry_run(gateway.look, gateway.store.current, payload, request.headers, tenant, scan)
        return Response(orjson.dumps(body), media_type="application/json")

    @app.post("/v1/feedback")
    async def feedback(request: Request) -> JSONResponse:
        """Rate a served chat completion by its id: 200 {"ok": true, ...}; 400 for a malformed body, 404 for
        an id this tenant was not served (unknown, expired or another tenant's)."""
        gateway = gw(request)
        tenant = authenticate(gateway, request)
        rating = parse_feedback(await read_json(request, 64 * 1024))
        if not await gateway.feedback.add(tenant, rating):
            raise NotFound(f"no served request {shown(rating.id)} to rate: unknown, expired, or not this tenant's",
                           param="id")
        return JSONResponse({"ok": True, "id": rating.id, "outcome": rating.outcome})

    @app.get("/v1/models")
    async def models(request: Request) -> dict[str, Any]:
        gateway = gw(request)
        authenticate(gateway, request)
        spec = gateway.store.current.spec
        data = [AUTO_MODEL] + [
            {"id": m.id, "object": "model", "created": 0, "owned_by": m.location, "description": m.description,
             "modalities": sorted(x.value for x in m.accepts), "context_window": m.context_window,
             "clearance": m.clearance.label, "available": gateway.board.snapshot.get(m.id) is None
             or gateway.board.snapshot[m.id].available, "tasks": list(m.tasks), "responses_api": m.responses,
             **({"embedding_dimensions": getattr(gateway.backends.get(m.id), "dimensions", None)
                 or m.embedding_dimensions} if "embeddings" in m.tasks else {})}
            for m in spec.models]
        return {"object": "list", "data": data}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        gateway = gw(request)
        if gateway is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        if getattr(request.app.state, "draining", bool)():
            return JSONResponse({"status": "draining"}, status_code=503)
        health = await gateway.refresh_health()
        models = {m: {"available": h.available, "saturated": h.saturated, "queue_depth": h.queue_depth,
                      "detail": h.detail} for m, h in health.items()}
        spec = gateway.store.current.spec
        local_required = [m.id for m in spec.models if m.kind == "llamacpp" and m.required]
        missing = [m for m in local_required if not models.get(m, {}).get("available")]
        body = {"status": "ready" if not missing else "not ready", "policy": gateway.store.current.digest,
                "models": models, "missing_local_models": missing}
        return JSONResponse(body, status_code=200 if not missing else 503)

    @app.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/admin/policy")
    async def admin_policy(request: Request) -> dict[str, Any]:
        gateway = gw(request)
        authenticate_admin(gateway, request, request.app.state.admin_key_sha256)
        return gateway.store.status()

    @app.get("/admin/budgets")
    async def admin_budgets(request: Request) -> dict[str, Any]:
        """Every tenant budget in its current window: limit, used (settled + reserved), reset time."""
        gateway = gw(request)
        authenticate_admin(gateway, request, request.app.state.admin_key_sha256)
        rows: list[dict[str, Any]] = []
        for tenant in gateway.store.current.spec.tenants:
            try:
                rows += await gateway.budgets.usage(tenant)
            except Exception as exc:  # a ledger outage is reported, not raised as a 500
                raise UpstreamUnavailable(f"budget ledger unreachable: {type(exc).__name__}") from None
        return {"budgets": rows}

    @app.post("/admin/reload")
    async def admin_reload(request: Request) -> JSONResponse:
        gateway = gw(request)
        authenticate_admin(gateway, request, request.app.state.admin_key_sha256)
        result = gateway.store.reload()
        body = {"ok": result.ok, "changed": result.changed, "error": result.error, **gateway.store.status()}
        return JSONResponse(body, status_code=200 if result.ok else 422)

    return app
