"""Tenant and app budgets: reserve an estimate before dispatch, settle with the actual cost after.

Two meters: `usd` counts money that leaves the company (cloud models, priced from usage), and
`gpu_seconds` counts local GPU time (llama.cpp models, the wall-clock of the attempt). A budget is a
limit on one meter for one window (a UTC day or month) of a tenant, or of one app of a tenant.

The ledger holds integers (nano-USD, GPU-milliseconds) so concurrent increments never drift. A
reservation checks every bucket it touches and adds to all of them in one atomic step (a Lua script
in Redis, a plain dict in-process), so concurrent requests cannot overspend: the buckets' totals
only exceed a limit by what settling adds over the estimates. A request settles once (the actual
cost replaces the reservation) or is released (the reservation is removed) — never both, never
neither: `Hold` enforces it.

Redis keys: `turnout:v1:budget:{<tenant>}:<app|*>:<meter>:<window>` — the hash tag keeps one tenant's
buckets in one cluster slot, which the multi-key script needs. Each key expires a day after its
window ends, so budget state survives gateway restarts and old windows clean themselves up.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from router import telemetry
from router.accounting import GPU_UNIT, UNITS, USD_UNIT, Charge, to_units
from router.errors import BudgetExceeded
from router.policy import Budget, Tenant
from router.redis_client import Outage, redis_client


METERS = ("usd", "gpu_seconds")
_ADJECTIVE = {"day": "daily", "month": "monthly"}
_GRACE_S = 86_400  # keep a window's bucket this long after it ends (late settlements, reports)


def window(period: str, now: datetime) -> tuple[str, datetime]:
    """(window id, when it ends) of the UTC day or month containing `now`."""
    if period == "day":
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return start.strftime("%Y-%m-%d"), start + timedelta(days=1)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start.strftime("%Y-%m"), end


@dataclass(frozen=True, slots=True)
class Bucket:
    """One budget in one window: what the ledger counts against one limit."""

    key: str
    tenant: str
    app: str | None
    period: str
    meter: str
    limit: int  # ledger units
    resets_at: datetime

    @property
    def label(self) -> str:
        scope = f"tenant {self.tenant!r}" + (f" app {self.app!r}" if self.app else "")
        if self.meter == "usd":
            usd = self.limit * USD_UNIT
            amount = f"{usd:.2f} USD" if abs(usd - round(usd, 2)) < USD_UNIT else f"{usd:g} USD"
        else:
            amount = f"{self.limit * GPU_UNIT:g} GPU-seconds"
        return f"{scope} {_ADJECTIVE[self.period]} budget of {amount}"

    def ttl_s(self, now: datetime) -> int:
        return int((self.resets_at - now).total_seconds()) + _GRACE_S


def buckets(tenant: Tenant, app: str | None, now: datetime) -> list[Bucket]:
    """The tenant's budgets that apply to a request from `app`, in policy order."""
    return [bucket for budget in tenant.budgets if budget.app is None or budget.app == app
            for bucket in _buckets_of(tenant.id, budget, now)]


def _buckets_of(tenant_id: str, budget: Budget, now: datetime) -> list[Bucket]:
    """One bucket per meter the budget limits, in the window containing `now`."""
    window_id, resets_at = window(budget.period, now)
    return [Bucket(f"turnout:v1:budget:{{{tenant_id}}}:{budget.app or '*'}:{meter}:{window_id}", tenant_id,
                   budget.app, budget.period, meter, to_units(meter, limit), resets_at)
            for meter, limit in (("usd", budget.usd), ("gpu_seconds", budget.gpu_seconds)) if limit is not None]


class Ledger(Protocol):
    """Integer counters per bucket key. `reserve` is all-or-nothing and atomic across the keys."""

    async def reserve(self, keys: Sequence[str], amounts: Sequence[int], limits: Sequence[int],
                      ttls: Sequence[int]) -> int:
        """Add amounts[i] to keys[i] for every i, unless some key with amount > 0 would pass its limit:
        then change nothing and return that key's index + 1. 0 when reserved."""

    async def adjust(self, keys: Sequence[str], deltas: Sequence[int]) -> None:
        """Add deltas (settle: actual - reserved; release: -reserved) to keys that still exist."""

    async def read(self, keys: Sequence[str]) -> list[int]: ...


class MemoryLedger:
    """The embedded default: one process's counters (lost on restart; use Redis to keep them)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._clock = clock

    def _get(self, key: str) -> int:
        entry = self._counts.get(key)
        if entry is None or entry[1] < self._clock():
            self._counts.pop(key, None)
            return 0
        return entry[0]

    async def reserve(self, keys, amounts, limits, ttls) -> int:
        # No await between the check and the increments: atomic on the event loop.
        for index, (key, amount, limit) in enumerate(zip(keys, amounts, limits)):
            if amount > 0 and self._get(key) + amount > limit:
                return index + 1
        now = self._clock()
        for key, amount, ttl in zip(keys, amounts, ttls):
            self._counts[key] = (self._get(key) + amount, now + ttl)
        return 0

    async def adjust(self, keys, deltas) -> None:
        for key, delta in zip(keys, deltas):
            if key in self._counts and delta:
                count, expires = self._counts[key]
                self._counts[key] = (count + delta, expires)

    async def read(self, keys) -> list[int]:
        return [self._get(key) for key in keys]


_RESERVE = """
local n = #KEYS
for i = 1, n do
  local amount = tonumber(ARGV[i])
  if amount > 0 and tonumber(redis.call('GET', KEYS[i]) or '0') + amount > tonumber(ARGV[n + i]) then
    return i
  end
end
for i = 1, n do
  redis.call('INCRBY', KEYS[i], ARGV[i])
  redis.call('EXPIRE', KEYS[i], ARGV[2 * n + i])
end
return 0
"""

_ADJUST = """
for i = 1, #KEYS do
  if ARGV[i] ~= '0' and redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('INCRBY', KEYS[i], ARGV[i])
  end
end
return 0
"""


def _down(exc: Exception) -> bool:
    """A Redis that is down (refused, reset, gone), as opposed to slow or busy (a timeout, a pool
    with no free connection under a burst): only the former pauses the ledger."""
    import redis.exceptions as redis_errors  # only reached with Redis configured (and failing)

    if isinstance(exc, (redis_errors.TimeoutError, TimeoutError)):
        return False
    if isinstance(exc, redis_errors.ConnectionError) and "No connection available" in str(exc):
        return False
    return isinstance(exc, (redis_errors.ConnectionError, OSError))


class LedgerUnavailable(ConnectionError):
    """The ledger is in an outage pause: callers fail open without waiting for a timeout."""


class RedisLedger:
    """Budget counters in Redis, changed only by the two scripts above (atomic per request).

    A Redis that refuses or drops connections starts an outage (see router.redis_client.Outage): reserve and
    settle raise LedgerUnavailable at once until it ends, and callers fail open. A slow answer (a
    timeout) fails that one call open but starts no outage: under a burst, when budgets matter most,
    one slow reply must not switch enforcement off for everyone. Failures are counted in
    `turnout_budget_events{event=reserve_failed|adjust_failed|read_failed}` and logged once a minute."""

    def __init__(self, url: str, *, timeout_s: float = 1.0, wait_s: float = 2.0, pause_s: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        # A request waits up to `wait_s` for a pooled connection under a burst: failing open there
        # would let exactly the bursts a budget exists for through unchecked.
        self.client = redis_client(url, timeout_s=timeout_s, wait_s=wait_s)
        self._reserve = self.client.register_script(_RESERVE)
        self._adjust = self.client.register_script(_ADJUST)
        self.outage = Outage("redis budget ledger",
                             lambda action: telemetry.BUDGET_EVENTS.add(1, {"event": f"{action}_failed"}),
                             pause_s=pause_s, clock=clock)

    async def _call(self, action: str, call: Callable[[], Awaitable[Any]], *, skippable: bool = True) -> Any:
        if skippable and self.outage.paused:
            raise LedgerUnavailable(f"budget ledger paused after a failure ({action} skipped)")
        try:
            result = await call()
        except Exception as exc:
            self.outage.failed(action, exc, pause=_down(exc))
            raise
        self.outage.ok()
        return result

    async def reserve(self, keys, amounts, limits, ttls) -> int:
        args = [*amounts, *limits, *ttls]
        return int(await self._call("reserve", lambda: self._reserve(keys=list(keys), args=args)))

    async def adjust(self, keys, deltas) -> None:
        if keys:
            await self._call("adjust", lambda: self._adjust(keys=list(keys), args=list(deltas)))

    async def read(self, keys) -> list[int]:
        values = await self._call("read", lambda: self.client.mget(list(keys)), skippable=False) if keys else []
        return [int(v) if v is not None else 0 for v in values]


@dataclass
class Hold:
    """A request's reservation: grows before each attempt that needs more, then settles or releases once."""

    ledger: Ledger
    buckets: list[Bucket]
    held: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METERS, 0))
    closed: bool = False

    async def cover(self, charge: Charge, now: datetime) -> Bucket | None:
        """Reserve what `charge` needs beyond what is held. None when covered; else the bucket it would pass."""
        if not self.buckets:  # no budget applies: nothing to reserve
            return None
        extra = {meter: max(0, charge.units(meter) - self.held[meter]) for meter in METERS}
        if not any(extra.values()):
            return None
        keys = [b.key for b in self.buckets]
        try:
            failed = await self.ledger.reserve(keys, [extra[b.meter] for b in self.buckets],
                                               [b.limit for b in self.buckets], [b.ttl_s(now) for b in self.buckets])
        except Exception:  # fail open: a budget store outage must not take every request down (the
            return None    # ledger counts and logs its own failures)
        if failed:
            return self.buckets[failed - 1]
        for meter in METERS:
            self.held[meter] += extra[meter]
        return None

    async def settle(self, actual: Charge) -> None:
        """Replace the reservation with the actual charge (Charge() releases it). Idempotent; never raises."""
        if self.closed:
            return
        self.closed = True
        deltas = [actual.units(b.meter) - self.held[b.meter] for b in self.buckets]
        if not any(deltas):
            return
        try:
            await self.ledger.adjust([b.key for b in self.buckets], deltas)
        except Exception:  # the answer is already on its way: a lost settlement is the ledger's to report
            pass


def exceeded(bucket: Bucket, now: datetime) -> BudgetExceeded:
    """The 429 a client reads: which budget, and when it resets (also as Retry-After)."""
    wait = max(1, int((bucket.resets_at - now).total_seconds()))
    return BudgetExceeded(f"{bucket.label} is exhausted; it resets at {bucket.resets_at.strftime('%Y-%m-%dT%H:%M:%SZ')}",
                          headers={"retry-after": str(wait),
                                   "x-turnout-budget": f"{bucket.tenant}/{bucket.app or '*'}/{bucket.period}/{bucket.meter}"})


class Budgets:
    """Opens holds for requests against a ledger; `clock` returns an aware UTC datetime."""

    def __init__(self, ledger: Ledger | None = None, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.ledger: Ledger = ledger or MemoryLedger()
        self.clock = clock

    def hold(self, tenant: Tenant | None, app: str | None) -> Hold:
        applicable = buckets(tenant, app, self.clock()) if tenant is not None else []
        return Hold(self.ledger, applicable)

    async def usage(self, tenant: Tenant) -> list[dict]:
        """Every budget of `tenant` in its current window, with what is used (all apps' buckets)."""
        now = self.clock()
        rows = []
        for budget in tenant.budgets:
            found = _buckets_of(tenant.id, budget, now)
            used = await self.ledger.read([b.key for b in found])
            for bucket, count in zip(found, used):
                unit = UNITS[bucket.meter]
                rows.append({"tenant": tenant.id, "app": bucket.app, "period": bucket.period, "meter": bucket.meter,
                             "limit": round(bucket.limit * unit, 9), "used": round(count * unit, 9),
                             "resets_at": bucket.resets_at.strftime("%Y-%m-%dT%H:%M:%SZ")})
        return rows
