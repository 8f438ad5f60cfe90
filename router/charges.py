"""Budget charges for one request: reserve before dispatch, top up before a dearer fallback.

The ledger arithmetic is router/budget.py and the estimates router/accounting.py; this module
decides what a request does when a budget says no. The tenant's `over_budget` action is either a
429, or (`reroute_local`, USD budgets only: local models spend GPU time, not money) a new
decision under a `Constraint` that allows local models only (router/pipeline.py:redecide, with the
same thorough scan as the first), so the one place a model is chosen stays decide.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime

from router import accounting, telemetry
from router.budget import Hold, exceeded
from router.decide import Constraint, Decision, ModelHealth
from router.errors import TurnoutError
from router.pipeline import redecide
from router.policy import CompiledPolicy

__all__ = ["admit", "reserve"]

Clock = Callable[[], datetime]


async def reserve(hold: Hold, policy: CompiledPolicy, decision: Decision, health: Mapping[str, ModelHealth],
                  now: Clock) -> Decision:
    """Reserve the chosen model's estimate. Returns `decision`, or the rerouted one (its reasons say
    why); raises BudgetExceeded (429: which budget, when it resets) when neither fits."""
    if not hold.buckets:  # no budget applies to this request: nothing to reserve
        return decision
    bucket = await hold.cover(accounting.estimate(decision, decision.model), now())
    if bucket is None:
        return decision
    tenant = policy.tenant(decision.profile.tenant)
    if tenant is not None and tenant.over_budget == "reroute_local" and bucket.meter == "usd":
        why = f"{bucket.label} is exhausted (over_budget: reroute_local)"
        rerouted = redecide(decision.profile, policy, health, Constraint(frozenset({"local"}), why))
        if rerouted.error is None:
            bucket = await hold.cover(accounting.estimate(rerouted, rerouted.model), now())
            if bucket is None:
                telemetry.BUDGET_EVENTS.add(1, {"event": "rerouted"})
                return replace(rerouted, reasons=rerouted.reasons + (f"rerouted to local: {why}",))
    telemetry.BUDGET_EVENTS.add(1, {"event": "refused"})
    raise exceeded(bucket, now())


def admit(hold: Hold, decision: Decision, now: Clock) -> Callable[[str], Awaitable[TurnoutError | None]]:
    """Dispatch's `admit` for this request: a fallback that needs more than is held is topped up
    first, or turned down (BudgetExceeded) and skipped."""

    async def check(model: str) -> TurnoutError | None:
        if not hold.buckets:  # no budget applies to this request: nothing to top up
            return None
        bucket = await hold.cover(accounting.estimate(decision, model), now())
        return None if bucket is None else exceeded(bucket, now())

    return check
