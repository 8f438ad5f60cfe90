"""Backend failures as the HTTP errors a client reads: the router's side of the backend boundary.

Backends raise only backends.base errors and know nothing of HTTP; this is the one place they
become router.errors (OpenAI error shape, 4xx/5xx). Messages name the model id; backend messages
never carry API keys.
"""

from __future__ import annotations

import math

from backends.base import (BackendBadRequest, BackendError, BackendRateLimited, BackendTimeout, BackendUnavailable,
                           ContextWindowExceeded)
from router import errors

__all__ = ["to_router_error"]


def to_router_error(exc: BackendError) -> errors.TurnoutError:
    """BackendTimeout -> 504; BackendRateLimited and BackendUnavailable -> 503 (with Retry-After when
    upstream gave one); ContextWindowExceeded and BackendBadRequest -> 400; anything else -> 502."""
    message = f"model '{exc.model_id}': {exc.message}"
    if isinstance(exc, BackendTimeout):
        return errors.UpstreamTimeout(message)
    if isinstance(exc, BackendRateLimited):
        headers = {}
        if exc.retry_after is not None:
            headers["retry-after"] = str(max(0, math.ceil(exc.retry_after)))
        return errors.UpstreamUnavailable(message, code="upstream_rate_limited", headers=headers)
    if isinstance(exc, BackendUnavailable):
        return errors.UpstreamUnavailable(message)
    if isinstance(exc, ContextWindowExceeded):
        return errors.BadRequest(message, param="messages", code="context_length_exceeded")
    if isinstance(exc, BackendBadRequest):
        return errors.BadRequest(message)
    return errors.UpstreamError(message)
