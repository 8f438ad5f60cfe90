"""The HTTP surface: OpenAI-compatible endpoints over a Gateway, buildable without Ray.

Streams leave as server-sent events: one `data: <chunk JSON>` event per chunk the gateway yields,
then `data: [DONE]`. Every error leaves as OpenAI's `{"error": {"message", "type", "param", "code"}}` with a 4xx for
bad input and 502/503/504 for upstream failures; an unexpected exception is logged and answered
with a generic 500 that carries no traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException

from router import dashboard, http_surface
from router.errors import (
    BadRequest, Forbidden, MethodNotAllowed, NotFound, PayloadTooLarge, TurnoutError, Unauthorized,
    UpstreamUnavailable,
)
from router.feedback import parse_feedback
from router.gateway import Gateway
from router.http_record import RecordRequests
from router.look import dry_run, wants_scan
from router.transcriptions import transcribe

log = logging.getLogger("turnout.http")
T = TypeVar("T")
_DRAIN_BYTES = 64 * 1024 * 1024
AUTO_MODEL = {"id": "auto", "object": "model", "created": 0, "owned_by": "turnout",
              "description": "route for me: Turnout picks the model by policy"}


# FastAPI's own OpenTelemetry spans, metrics and logs (on by default since 0.16x) would duplicate the
# request span, cost more than all of Turnout's telemetry, and may record request bodies and
# validation inputs: requests are recorded once, by router/http_record.py.
FRAMEWORK_TELEMETRY: Any = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False,
                            "exclude": lambda scope: True}

SSE_DONE = b"data: [DONE]\n\n"


def sse_event(obj: Any) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


async def sse(chunks: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    """The gateway's chunks framed as server-sent events, ending with `[DONE]`. Closing this closes
    `chunks` (the gateway settles and records a stream when its iterator ends)."""
    try:
        async for chunk in chunks:
            yield sse_event(chunk)
        yield SSE_DONE
    finally:
        await chunks.aclose()


def _error_response(exc: TurnoutError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate(gateway: Gateway, request: Request) -> str:
    """The tenant id for this request. Open mode: a known key still selects its tenant."""
    spec = gateway.store.current.spec
    key = _bearer(request)
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


def authenticate_admin(gateway: Gateway, request: Request, admin_key_sha256: str | None) -> None:
    spec = gateway.store.current.spec
    allowed = list(spec.auth.admin_key_sha256) + ([admin_key_sha256] if admin_key_sha256 else [])
    if not allowed and spec.auth.mode == "open":
        return
    key = _bearer(request)
    if key is None:
        raise Unauthorized("admin endpoints need 'Authorization: Bearer <admin key>'")
    if not any(hmac.compare_digest(_sha256(key), known) for known in allowed):
        raise Forbidden("this key is not an admin key")


async def read_json(request: Request, max_bytes: int) -> Any:
    """The decoded JSON body; 413 past `max_bytes` (checked before and while reading), 400 if not JSON."""
    body = bytearray()
    seen = 0
    async for piece in request.stream():
        seen += len(piece)
        if seen <= max_bytes:
            body += piece
        elif seen > max_bytes + _DRAIN_BYTES:
            break
    # Draining (up to a bound) before answering lets proxies in front (HAProxy) deliver the 413
    # instead of turning a half-read upload into a 503.
    if seen > max_bytes:
        declared = request.headers.get("content-length", "")
        size = f"of {int(declared)} bytes " if declared.isdigit() else ""
        raise PayloadTooLarge(f"request body {size}exceeds the limit of {max_bytes} bytes "
                              f"(TURNOUT_MAX_BODY_BYTES)")
    if not body:
        raise BadRequest("request body is empty; expected a JSON object")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from None


def _is_disconnect(watcher: asyncio.Future) -> bool:
    try:
        return watcher.result().get("type") == "http.disconnect"
    except Exception:  # a receive that failed tells nothing about the client
        return False


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T | None:
    """Run `work`, cancelling it (and so the upstream call under it) if the client hangs up first;
    None then. Streams need no help: the response cancels its body when the client goes.

    The body has been read, so the next ASGI message can only be `http.disconnect`. Only one is
    awaited: a server that answered anything else would not be watched (never spun on).
    """
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(request.receive())
    try:
        done, _ = await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        if not _is_disconnect(watcher):
            return await task
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        log.info("client disconnected; request cancelled")
        return None
    finally:
        watcher.cancel()
        if not task.done():  # cancelled from outside (server shutdown, Ray request cancellation)
            task.cancel()


def create_app(gateway: Gateway | None = None, *, max_body_bytes: int = 32 * 1024 * 1024,
               admin_key_sha256: str | None = None) -> FastAPI:
    """The FastAPI app. `gateway` may be attached later as `app.state.gateway` (the Ray replica does)."""
    app = FastAPI(title="Turnout", version="0.1.0", docs_url=None, redoc_url=None, telemetry=FRAMEWORK_TELEMETRY)
    app.state.gateway = gateway
    app.state.max_body_bytes = max_body_bytes
    app.state.admin_key_sha256 = admin_key_sha256
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
        body = {"error": {"message": "internal error; see the gateway log", "type": "server_error",
                          "param": None, "code": "internal_error"}}
        return JSONResponse(body, status_code=500)

    def gw(request: Request) -> Gateway:
        return request.app.state.gateway

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        gateway = gw(request)
        tenant = authenticate(gateway, request)
        payload = await read_json(request, request.app.state.max_body_bytes)
        reply = await unless_disconnected(request, gateway.chat(payload, request.headers, tenant))
        if reply is None:  # the client hung up: its upstream call was cancelled, nobody reads a reply
            return Response(status_code=499)
        if reply.stream is not None:
            return StreamingResponse(sse(reply.stream), media_type="text/event-stream",
                                     headers={**reply.headers, "cache-control": "no-cache"})
        return Response(orjson.dumps(reply.body), status_code=reply.status, media_type="application/json",
                        headers=reply.headers)

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
            raise NotFound(f"no served request {rating.id!r} to rate: unknown, expired, or not this tenant's",
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
             "clearance": m.clearance.label, "available": gateway.health.get(m.id) is None
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
