"""Circuit breaker state machine and Retry-After cool-downs, driven by a fake clock; retry waits."""

from __future__ import annotations

import pytest

from backends.base import (BackendBadRequest, BackendProtocolError, BackendRateLimited, BackendTimeout,
                           BackendUnavailable)
from router.breaker import BreakerConfig, Breakers
from router.dispatch import retry_wait
from router.policy import RetrySpec


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make(clock: Clock, **config) -> Breakers:
    return Breakers(BreakerConfig(**{"consecutive_failures": 3, "cooldown_s": 10, "min_calls": 6,
                                     "error_rate": 0.5, "window_s": 30, **config}), clock=clock)


def test_opens_after_consecutive_failures_and_skips_the_model(clock):
    breakers = make(clock)
    for _ in range(2):
        breakers.record("m", False)
    assert breakers.open_models() == {}
    breakers.record("m", False)
    assert "circuit open" in breakers.open_models()["m"]


def test_a_success_resets_the_consecutive_count(clock):
    breakers = make(clock, min_calls=100)
    for ok in (False, False, True, False, False):
        breakers.record("m", ok)
    assert breakers.states()["m"] == "closed"


def test_error_rate_over_the_window_opens_it(clock):
    breakers = make(clock, consecutive_failures=100)
    for ok in (True, False, True, False, True, False):
        breakers.record("m", ok)
    assert breakers.states()["m"] == "open"


def test_old_calls_leave_the_window(clock):
    breakers = make(clock, consecutive_failures=100)
    for ok in (False, False, False, True, True):
        breakers.record("m", ok)
    clock.now += 31
    breakers.record("m", True)
    assert breakers.states()["m"] == "closed"


def test_half_open_probe_closes_on_success_and_reopens_on_failure(clock):
    breakers = make(clock)
    for _ in range(3):
        breakers.record("m", False)
    clock.now += 10
    assert breakers.states()["m"] == "half_open" and breakers.open_models() == {}
    breakers.record("m", False)
    assert breakers.states()["m"] == "open"
    clock.now += 10
    assert breakers.states()["m"] == "half_open"
    breakers.record("m", True)
    assert breakers.states()["m"] == "closed"


def test_breakers_are_per_model(clock):
    breakers = make(clock)
    for _ in range(3):
        breakers.record("a", False)
    breakers.record("b", True)
    assert set(breakers.open_models()) == {"a"}


def test_a_retry_after_cool_down_skips_the_model_until_it_ends(clock):
    breakers = make(clock)
    breakers.cool_down("cloud", 20)
    breakers.cool_down("cloud", 5)  # a shorter later ask does not shorten the wait
    assert breakers.open_models() == {"cloud": "rate limited by upstream; Retry-After ends in 20 s"}
    clock.now += 19.5
    assert "cloud" in breakers.open_models()
    clock.now += 1
    assert breakers.open_models() == {}


# -- retry_wait: when dispatch tries the same model again -------------------------------------------

SPEC = RetrySpec(attempts=3, backoff_s=0.1, max_backoff_s=0.3, max_retry_after_s=2.0)


def top(low: float, high: float) -> float:
    return high  # the largest wait the jitter may draw


@pytest.mark.parametrize("error, waits", [
    (BackendUnavailable("m", "HTTP 503"), [0.1, 0.2, 0.3, None]),  # doubling, capped, then out of tries
    (BackendProtocolError("m", "not JSON"), [0.1, 0.2, 0.3, None]),
    (BackendTimeout("m", "connect", phase="connect"), [0.1, 0.2, 0.3, None]),
    (BackendRateLimited("m", "slow down", retry_after=1.0), [1.1, 1.1, 1.1, None]),  # Retry-After + 10% jitter
    (BackendRateLimited("m", "slow down"), [0.1, 0.2, 0.3, None]),
    (BackendRateLimited("m", "slow down", retry_after=30.0), [None]),  # too long to wait in a request
    (BackendUnavailable("m", "authentication failed", transient=False), [None]),
    (BackendTimeout("m", "no answer", phase="total"), [None]),  # its time share is spent
    (BackendBadRequest("m", "bad"), [None]),
])
def test_retry_wait_backs_off_with_jitter_and_honours_retry_after(error, waits):
    assert [retry_wait(error, SPEC, done, 60.0, rng=top) for done in range(len(waits))] == pytest.approx(waits)


def test_retry_wait_never_waits_past_the_time_left_or_without_permission():
    error = BackendUnavailable("m", "HTTP 500")
    assert retry_wait(error, SPEC, 0, 0.05, rng=top) is None
    assert retry_wait(error, RetrySpec(), 0, 60.0, rng=top) is None  # the default policy allows no retries
    assert retry_wait(error, SPEC, 0, 60.0, rng=lambda a, b: a) == 0.0  # full jitter reaches down to zero
