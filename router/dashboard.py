"""GET /dashboard (the built-in page) and GET /dashboard/data (its JSON), guarded like the admin endpoints.

Browsers cannot add a bearer header to an address typed in, so besides `Authorization: Bearer
<admin key>` the admin key is accepted as the password of HTTP Basic auth (any user name): a 401
here carries `WWW-Authenticate: Basic`, the browser asks for it once and sends it again with the
page's own requests. With no admin key configured and `auth.mode: open`, the page is open, as the
admin endpoints are.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from router.dashboard_data import figures, read_samples
from router.errors import Forbidden, Unauthorized

CHALLENGE = 'Basic realm="Turnout dashboard", charset="UTF-8"'
_PAGE = files("router").joinpath("dashboard.html")


def _presented_key(request: Request) -> str | None:
    """The admin key sent as a bearer token or as HTTP Basic's password; None when neither was sent."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        return credentials
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        password = decoded.partition(":")[2]
        return password or None
    return None


def authenticate_viewer(gateway: Any, request: Request, admin_key_sha256: str | None) -> None:
    """As router.http.authenticate_admin, with Basic auth accepted too. Raises Unauthorized (with a
    Basic challenge) when no key was sent, Forbidden when the key is not an admin key."""
    spec = gateway.store.current.spec
    allowed = list(spec.auth.admin_key_sha256) + ([admin_key_sha256] if admin_key_sha256 else [])
    if not allowed and spec.auth.mode == "open":
        return
    key = _presented_key(request)
    if key is None:
        error = Unauthorized("the dashboard needs the admin key: 'Authorization: Bearer <admin key>', or as the "
                             "password of HTTP Basic auth")
        error.headers["www-authenticate"] = CHALLENGE
        raise error
    digest = hashlib.sha256(key.encode()).hexdigest()
    if not any(hmac.compare_digest(digest, known) for known in allowed):
        raise Forbidden("this key is not an admin key")


def snapshot(gateway: Any) -> dict[str, Any]:
    """What /dashboard/data answers: this process's figures plus where each policy model runs."""
    spec = gateway.store.current.spec
    return {"generated_at": time.time(), "policy": gateway.store.current.digest,
            "locations": {m.id: m.location for m in spec.models}, **figures(read_samples())}


def add_routes(app: FastAPI, gw: Callable[[Request], Any]) -> None:
    @app.get("/dashboard", include_in_schema=False)
    async def dashboard(request: Request) -> HTMLResponse:
        authenticate_viewer(gw(request), request, request.app.state.admin_key_sha256)
        return HTMLResponse(_PAGE.read_text(encoding="utf-8"), headers={"cache-control": "no-store"})

    @app.get("/dashboard/data", include_in_schema=False)
    async def dashboard_data(request: Request) -> JSONResponse:
        gateway = gw(request)
        authenticate_viewer(gateway, request, request.app.state.admin_key_sha256)
        return JSONResponse(snapshot(gateway), headers={"cache-control": "no-store"})
