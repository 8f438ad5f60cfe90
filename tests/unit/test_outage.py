"""Fail-open bookkeeping for Redis clients: pause after a failure, back off while it lasts, recover."""

from __future__ import annotations

from router.redis_client import Outage


def test_a_failure_pauses_the_client_doubling_while_it_goes_on_and_a_success_ends_it():
    now = [100.0]
    failures: list[str] = []
    outage = Outage("redis cache", failures.append, pause_s=0.5, max_pause_s=2.0, clock=lambda: now[0])
    assert not outage.paused
    outage.failed("get", ConnectionError("refused"))
    assert outage.paused and outage.pause_s == 0.5 and failures == ["get"]
    now[0] += 0.6
    assert not outage.paused  # time for one more try
    for expected in (1.0, 2.0, 2.0):  # still down: doubling, capped
        outage.failed("set", ConnectionError("refused"))
        assert outage.pause_s == expected
    now[0] += 2.1
    outage.ok()
    outage.failed("get", TimeoutError())
    assert outage.pause_s == 0.5  # a success in between: the next outage starts short again
    assert outage.errors == 5
