"""RateLimiter: a token bucket, driven by a fake clock whose sleep moves time on."""

from __future__ import annotations

import pytest

from s3batch_tui.core.engine.ratelimit import RateLimiter


def limiter(rate: float, clock) -> RateLimiter:
    return RateLimiter(rate, clock=clock, sleep=clock.sleep)


def passed_in(limiter: RateLimiter, clock, seconds: float) -> int:
    """How many operations got through in `seconds` of (fake) time, asking non-stop."""
    end = clock.now + seconds
    passed = 0
    for _ in range(100_000):  # bounded, so a limiter that stops time fails instead of hanging
        if clock.now >= end:
            return passed
        if limiter.wait():
            passed += 1
        clock.advance(1e-6)  # every call takes a moment, as real calls do
    raise AssertionError("the limiter never let the clock reach the end")


@pytest.mark.parametrize("rate", [0.5, 1, 7, 20, 250])
def test_lets_about_rate_operations_per_second_through(clock, rate):
    assert passed_in(limiter(rate, clock), clock, 10) == pytest.approx(rate * 10, abs=1)


def test_first_operation_goes_through_at_once(clock):
    assert limiter(10, clock).wait()
    assert clock.sleeps == []


@pytest.mark.parametrize(("rate", "burst"), [(0.2, 1), (1, 1), (10, 10), (100, 100)])
def test_never_bursts_beyond_one_seconds_worth(clock, rate, burst):
    bucket = limiter(rate, clock)
    clock.advance(3600)  # a long idle time fills the bucket, but only up to its size
    sleeps_before = len(clock.sleeps)
    passed = 0
    while bucket.wait():
        passed += 1
    assert passed == burst
    assert len(clock.sleeps) == sleeps_before + 1


def test_returns_false_after_sleeping_until_the_next_token(clock):
    bucket = limiter(10, clock)
    assert bucket.wait()
    assert not bucket.wait()
    assert clock.sleeps == [pytest.approx(0.1)]
    assert bucket.wait()  # the sleep brought the token


def test_sleeps_at_most_max_wait(clock):
    bucket = limiter(0.1, clock)  # a token every 10 s
    clock.advance(10)
    assert bucket.wait()
    assert not bucket.wait(max_wait=0.25)
    assert clock.sleeps == [0.25]
    assert not bucket.wait(max_wait=0.25)  # not there yet: the caller asks again


def test_take_never_sleeps_and_says_how_long_until_the_next_token(clock):
    bucket = limiter(4, clock)  # serve's request budget asks this way: answer now or refuse
    assert bucket.take() == 0.0
    assert bucket.take() == pytest.approx(0.25)
    assert bucket.take() == pytest.approx(0.25)  # a refusal takes nothing
    clock.advance(0.25)
    assert bucket.take() == 0.0
    assert clock.sleeps == []
