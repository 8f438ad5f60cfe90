"""The one Redis module: a bounded client and the fail-open bookkeeping that cache and budgets share.

Both stores fail open (a request never fails because Redis did), so both need the same two
things: a client whose pool makes a burst wait instead of erroring, and an `Outage` that, once
Redis is down, leaves it alone for a while instead of making every request pay its timeout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["Outage", "redis_client"]


def redis_client(url: str, *, timeout_s: float, max_connections: int = 64, wait_s: float | None = None):
    """An asyncio Redis client on a bounded, blocking pool: a burst of requests waits (up to `wait_s`)
    for one of `max_connections` connections instead of failing with 'Too many connections'."""
    import redis.asyncio as aioredis  # only where Redis is configured

    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=timeout_s if wait_s is None else wait_s,
        socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry_on_timeout=False)
    return aioredis.Redis(connection_pool=pool)


class Outage:
    """Fail-open bookkeeping for one Redis client. After a failure the client is left alone for
    `pause_s` (doubling while failures go on, up to `max_pause_s`): during an outage requests skip
    Redis at once instead of each paying its timeout. The first success ends the outage. Failures
    are counted by `on_failure` and logged once per `log_interval_s`."""

    def __init__(self, what: str, on_failure: Callable[[str], None], *, pause_s: float = 0.5,
                 max_pause_s: float = 8.0, log_interval_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.what, self.on_failure, self.clock = what, on_failure, clock
        self.base_pause_s, self.max_pause_s, self.log_interval_s = pause_s, max_pause_s, log_interval_s
        self.pause_s, self.until, self.errors = 0.0, float("-inf"), 0
        self.last_error = ""
        self._last_log = float("-inf")

    @property
    def paused(self) -> bool:
        return self.clock() < self.until

    def failed(self, action: str, exc: Exception, *, pause: bool = True) -> None:
        self.errors += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        self.on_failure(action)
        now = self.clock()
        if pause:
            self.pause_s = min(self.max_pause_s, self.pause_s * 2 or self.base_pause_s)
            self.until = now + self.pause_s
        if now - self._last_log >= self.log_interval_s:
            self._last_log = now
            logging.getLogger("turnout.redis").warning(
                "%s %s failed (%s: %s); failing open, next try in %.1f s (%d errors so far)",
                self.what, action, type(exc).__name__, exc, self.pause_s, self.errors)

    def ok(self) -> None:
        self.pause_s = 0.0
