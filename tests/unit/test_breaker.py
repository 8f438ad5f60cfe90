"""Circuit breaker state machine, driven by a fake clock."""

from __future__ import annotations

import pytest

from router.breaker import BreakerConfig, Breakers


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
