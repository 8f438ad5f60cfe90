"""Budget windows, bucket scoping and the reserve/settle/release arithmetic (in-process ledger; the
Redis ledger runs the same checks in tests/integration/test_budgets.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from router.budget import Budgets, Charge, MemoryLedger, buckets, exceeded, to_units, window
from router.policy import Tenant

aio = pytest.mark.asyncio(loop_scope="session")

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def tenant(*budgets: dict, **extra) -> Tenant:
    return Tenant.model_validate({"id": "acme", "budgets": list(budgets), **extra})


@pytest.mark.parametrize("period, now, window_id, resets", [
    ("day", NOON, "2026-11-23", "2026-11-24T00:00"),
    ("day", datetime(2026, 12, 31, 23, 59, 59, tzinfo=timezone.utc), "2026-12-31", "2027-01-01T00:00"),
    ("month", NOON, "2026-11", "2026-12-01T00:00"),
    ("month", datetime(2026, 12, 31, 23, 0, tzinfo=timezone.utc), "2026-12", "2027-01-01T00:00"),
    ("month", datetime(2028, 2, 29, 1, 0, tzinfo=timezone.utc), "2028-02", "2028-03-01T00:00"),
])
def test_windows_are_utc_days_and_months(period, now, window_id, resets):
    found_id, resets_at = window(period, now)
    assert found_id == window_id
    assert resets_at.strftime("%Y-%m-%dT%H:%M") == resets


def test_units_round_up_so_a_reservation_never_undercounts():
    assert to_units("usd", 0.0) == 0
    assert to_units("usd", 1e-12) == 1  # smaller than one nano-dollar still counts
    assert to_units("usd", 0.25) == 250_000_000
    assert to_units("gpu_seconds", 1.2341) == 1235


def test_app_budgets_apply_only_to_their_app_and_keys_carry_the_tenant_hash_tag():
    t = tenant({"period": "day", "usd": 50}, {"period": "day", "usd": 5, "app": "notebook"},
               {"period": "month", "gpu_seconds": 3600})
    other = buckets(t, "crm", NOON)
    notebook = buckets(t, "notebook", NOON)
    assert [(b.period, b.meter, b.app) for b in other] == [("day", "usd", None), ("month", "gpu_seconds", None)]
    assert [(b.period, b.meter, b.app) for b in notebook] == [
        ("day", "usd", None), ("day", "usd", "notebook"), ("month", "gpu_seconds", None)]
    assert notebook[1].key == "turnout:v1:budget:{acme}:notebook:usd:2026-11-23"
    assert all("{acme}" in b.key for b in notebook)  # one cluster slot for the multi-key script


def test_a_budget_with_both_meters_makes_two_buckets():
    found = buckets(tenant({"period": "day", "usd": 1, "gpu_seconds": 60}), None, NOON)
    assert [(b.meter, b.limit) for b in found] == [("usd", 1_000_000_000), ("gpu_seconds", 60_000)]


@aio
async def test_reserve_refuses_past_the_limit_and_changes_nothing_then():
    budgets = Budgets(MemoryLedger(), clock=lambda: NOON)
    t = tenant({"period": "day", "usd": 1.0}, {"period": "month", "usd": 10.0})
    first = budgets.hold(t, None)
    assert await first.cover(Charge(usd=0.6), NOON) is None
    second = budgets.hold(t, None)
    refused = await second.cover(Charge(usd=0.6), NOON)
    assert refused is not None and refused.period == "day"
    day, month = [b.key for b in first.buckets]
    assert await budgets.ledger.read([day, month]) == [600_000_000, 600_000_000]  # month untouched by the refusal


@aio
async def test_settle_replaces_the_reservation_and_release_removes_it():
    budgets = Budgets(MemoryLedger(), clock=lambda: NOON)
    t = tenant({"period": "day", "usd": 1.0, "gpu_seconds": 10})
    hold = budgets.hold(t, None)
    await hold.cover(Charge(usd=0.5), NOON)
    await hold.settle(Charge(usd=0.2))
    await hold.settle(Charge(usd=0.9))  # a second settlement is ignored: a request settles once
    released = budgets.hold(t, None)
    await released.cover(Charge(usd=0.3, gpu_seconds=2), NOON)
    await released.settle(Charge())
    keys = [b.key for b in hold.buckets]
    assert await budgets.ledger.read(keys) == [200_000_000, 0]


@aio
async def test_cover_tops_up_for_a_dearer_fallback_only_by_the_difference():
    budgets = Budgets(MemoryLedger(), clock=lambda: NOON)
    t = tenant({"period": "day", "usd": 1.0})
    hold = budgets.hold(t, None)
    assert await hold.cover(Charge(usd=0.4), NOON) is None
    assert await hold.cover(Charge(usd=0.3), NOON) is None  # cheaper: already covered, nothing added
    assert await hold.cover(Charge(usd=0.7), NOON) is None  # dearer: +0.3
    assert await budgets.ledger.read([hold.buckets[0].key]) == [700_000_000]
    assert await hold.cover(Charge(usd=1.2), NOON) is not None  # +0.5 would pass the limit
    assert hold.held["usd"] == 700_000_000


@aio
async def test_a_zero_charge_passes_an_exhausted_budget_of_another_meter():
    """Local work (GPU-seconds only) still runs when the USD budget is spent: that is reroute_local."""
    budgets = Budgets(MemoryLedger(), clock=lambda: NOON)
    t = tenant({"period": "day", "usd": 0.1, "gpu_seconds": 100})
    spend = budgets.hold(t, None)
    await spend.cover(Charge(usd=0.1), NOON)
    assert await budgets.hold(t, None).cover(Charge(usd=0.01), NOON) is not None
    assert await budgets.hold(t, None).cover(Charge(gpu_seconds=5), NOON) is None


@aio
async def test_concurrent_holds_never_reserve_past_the_limit():
    budgets = Budgets(MemoryLedger(), clock=lambda: NOON)
    t = tenant({"period": "day", "usd": 1.0})

    async def one() -> bool:
        await asyncio.sleep(0)
        return await budgets.hold(t, None).cover(Charge(usd=0.3), NOON) is None

    granted = await asyncio.gather(*(one() for _ in range(50)))
    assert sum(granted) == 3


@aio
async def test_windows_roll_over_and_a_new_day_starts_at_zero():
    now = [NOON]
    budgets = Budgets(MemoryLedger(), clock=lambda: now[0])
    t = tenant({"period": "day", "usd": 1.0})
    await budgets.hold(t, None).cover(Charge(usd=1.0), now[0])
    assert await budgets.hold(t, None).cover(Charge(usd=0.5), now[0]) is not None
    now[0] = datetime(2026, 11, 24, 0, 0, 1, tzinfo=timezone.utc)
    assert await budgets.hold(t, None).cover(Charge(usd=0.5), now[0]) is None


@aio
async def test_usage_reports_every_budget_with_used_and_reset_time():
    budgets = Budgets(MemoryLedger(), clock=lambda: NOON)
    t = tenant({"period": "day", "usd": 2.0}, {"period": "day", "gpu_seconds": 60, "app": "notebook"})
    hold = budgets.hold(t, "notebook")
    await hold.cover(Charge(usd=0.5, gpu_seconds=3), NOON)
    await hold.settle(Charge(usd=0.25, gpu_seconds=4))
    rows = await budgets.usage(t)
    assert rows == [
        {"tenant": "acme", "app": None, "period": "day", "meter": "usd", "limit": 2.0, "used": 0.25,
         "resets_at": "2026-11-24T00:00:00Z"},
        {"tenant": "acme", "app": "notebook", "period": "day", "meter": "gpu_seconds", "limit": 60.0, "used": 4.0,
         "resets_at": "2026-11-24T00:00:00Z"},
    ]


def test_the_429_names_the_budget_and_when_it_resets():
    bucket = buckets(tenant({"period": "month", "usd": 25, "app": "bot"}), "bot", NOON)[0]
    error = exceeded(bucket, NOON)
    assert error.status == 429 and error.code == "budget_exceeded"
    assert error.message == ("tenant 'acme' app 'bot' monthly budget of 25.00 USD is exhausted; "
                             "it resets at 2026-12-01T00:00:00Z")
    assert error.headers["retry-after"] == str(8 * 86400 - 12 * 3600)
    assert error.headers["x-turnout-budget"] == "acme/bot/month/usd"


class BrokenLedger(MemoryLedger):
    async def reserve(self, *args):
        raise ConnectionError("redis down")

    async def adjust(self, *args):
        raise ConnectionError("redis down")


@aio
async def test_a_ledger_outage_fails_open_and_settling_never_raises():
    budgets = Budgets(BrokenLedger(), clock=lambda: NOON)
    hold = budgets.hold(tenant({"period": "day", "usd": 0.01}), None)
    assert await hold.cover(Charge(usd=5.0), NOON) is None
    await hold.settle(Charge(usd=5.0))
