"""Turnout's own exceptions, each carrying the HTTP status and OpenAI error shape it maps to.

    TurnoutError                      status, type, code, param; .body() -> {"error": {...}}
    ├── BadRequest (400)              malformed JSON, schema violation, corrupt media
    │   └── InvalidContent (400)      a content part that cannot be read (names message and part)
    ├── Unauthorized (401)
    ├── Forbidden (403)
    ├── NotFound (404)                an unknown path, or a stored object (a response id) not found
    │   └── UnknownModel (404)        lists the known model ids
    ├── MethodNotAllowed (405)        names the methods the path accepts
    ├── PayloadTooLarge (413)
    ├── Unroutable (422)              valid request no permitted model can serve (privacy, capability)
    ├── BudgetExceeded (429)
    └── UpstreamError (502)           a backend failed; see backends.base for the backend tree
        ├── UpstreamUnavailable (503)
        └── UpstreamTimeout (504)

Library and backend errors are translated into these at the boundary; nothing else reaches a client.
"""

from __future__ import annotations

from typing import Any

SHOWN_CHARS = 48


def shown(value: Any) -> str:
    """`value` as an error message quotes it: its repr, cut to SHOWN_CHARS characters. A client's own
    identifier (a model name, an id, a header) is named so it can be found; a long one is not echoed whole."""
    text = value if isinstance(value, str) else repr(value)
    return repr(text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…")


class TurnoutError(Exception):
    """Base of every error a client or operator may read. `message` says what, where and what would be right."""

    status: int = 500
    type: str = "server_error"
    code: str = "internal_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The OpenAI error object: {"error": {"message", "type", "param", "code"}}."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class BadRequest(TurnoutError):
    status, type, code = 400, "invalid_request_error", "invalid_request"


class InvalidContent(BadRequest):
    code = "invalid_content"


class Unauthorized(TurnoutError):
    status, type, code = 401, "authentication_error", "invalid_api_key"


class Forbidden(TurnoutError):
    status, type, code = 403, "permission_error", "forbidden"


class NotFound(TurnoutError):
    status, type, code = 404, "invalid_request_error", "not_found"


class UnknownModel(NotFound):
    code = "model_not_found"


class MethodNotAllowed(TurnoutError):
    status, type, code = 405, "invalid_request_error", "method_not_allowed"


class PayloadTooLarge(TurnoutError):
    status, type, code = 413, "invalid_request_error", "payload_too_large"


class Unroutable(TurnoutError):
    status, type, code = 422, "invalid_request_error", "unroutable"


class BudgetExceeded(TurnoutError):
    status, type, code = 429, "rate_limit_error", "budget_exceeded"


class UpstreamError(TurnoutError):
    status, type, code = 502, "upstream_error", "bad_gateway"


class UpstreamUnavailable(UpstreamError):
    status, code = 503, "upstream_unavailable"


class UpstreamTimeout(UpstreamError):
    status, code = 504, "upstream_timeout"
