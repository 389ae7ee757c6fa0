"""The outage breaker, the adaptive rate, the dispatch feed and retried non-task calls, on a fake clock."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from s3batch_tui.cli.looks import _runtime_lines
from s3batch_tui.core.engine.adaptive import AdaptiveRate
from s3batch_tui.core.engine.breaker import OutageBreaker, is_endpoint_fault
from s3batch_tui.core.engine.feed import Feed
from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.engine.retrying import Retrying, TransientError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, TaskOutcome

REFUSED = TaskOutcome(False, 0, "EndpointConnectionError", "Could not connect", retryable=True)
INTERNAL = TaskOutcome(False, 500, "InternalError", "oops", retryable=True)
SLOWDOWN = TaskOutcome(False, 503, "SlowDown", "Please reduce your request rate.", retryable=True)
NO_SUCH_KEY = TaskOutcome(False, 404, "NoSuchKey", "gone")


def test_only_transient_endpoint_faults_count_towards_an_outage():
    assert is_endpoint_fault(REFUSED) and is_endpoint_fault(INTERNAL)
    assert not any(map(is_endpoint_fault, (SLOWDOWN, NO_SUCH_KEY, SUCCESS)))


def test_an_endpoint_that_never_answered_gets_a_short_budget_and_is_named(clock):
    breaker = OutageBreaker(first_probe=1, budget=600, clock=clock, sleep=clock.sleep, trip_after=1)
    breaker.observe(REFUSED)
    assert breaker.wait_for_endpoint(lambda: False, lambda: False, lambda _: None) == "budget"
    assert clock.now - 1000 == pytest.approx(5)  # probes after 1, 2 and (not 4 but) 2 s: 5 s is the limit
    assert breaker.budget_text().startswith("endpoint never answered (EndpointConnectionError: Could not connect)")


def test_the_breaker_opens_on_a_run_of_faults_and_any_answer_breaks_the_run(clock):
    breaker = OutageBreaker(clock=clock, sleep=clock.sleep, trip_after=4)
    for outcome in (REFUSED, INTERNAL, REFUSED, NO_SUCH_KEY, REFUSED, REFUSED, REFUSED):
        breaker.observe(outcome)
    assert not breaker.is_open and breaker.suspect(REFUSED) and not breaker.suspect(NO_SUCH_KEY)
    breaker.observe(INTERNAL)
    assert breaker.is_open and breaker.outages == 1


def test_probes_back_off_until_the_endpoint_answers_and_announce_each_wait(clock):
    breaker = OutageBreaker(first_probe=1, budget=600, clock=clock, sleep=clock.sleep, trip_after=1)
    breaker.observe(SUCCESS)  # the endpoint answered before
    breaker.observe(REFUSED)
    answers = iter([False, False, False, True])
    said: list[str] = []
    assert breaker.wait_for_endpoint(lambda: next(answers), lambda: False, said.append) == "closed"
    assert [text.split(" (")[0] for text in said] == [f"endpoint unreachable, retrying in {n} s" for n in (1, 2, 4, 8)]
    assert not breaker.is_open and clock.now == pytest.approx(1015)


def test_an_outage_past_the_budget_gives_up_and_a_stop_request_is_heard(clock):
    breaker = OutageBreaker(first_probe=1, budget=10, clock=clock, sleep=clock.sleep, trip_after=1)
    breaker.observe(SUCCESS)
    breaker.observe(REFUSED)
    assert breaker.wait_for_endpoint(lambda: False, lambda: False, lambda _: None) == "budget"
    assert "endpoint unreachable for 10s (budget 10s" in breaker.budget_text()
    fresh = OutageBreaker(first_probe=1, budget=10, clock=clock, sleep=clock.sleep, trip_after=1)
    fresh.observe(REFUSED)
    assert fresh.wait_for_endpoint(lambda: False, lambda: True, lambda _: None) == "stopped"


def feed_window(rate: AdaptiveRate, clock, outcomes: list[TaskOutcome]) -> None:
    for outcome in outcomes:
        rate.observe(outcome)
    clock.advance(1.0)
    rate.observe(SUCCESS)  # the first outcome after the window closes it


def test_slowdown_halves_the_rate_and_calm_windows_bring_it_back_to_the_ceiling(clock):
    rate = AdaptiveRate(400, clock=clock, sleep=clock.sleep)
    feed_window(rate, clock, [SUCCESS] * 150 + [SLOWDOWN] * 50)
    # half the limit, but no more than the 151/s that got through
    assert rate.rate == pytest.approx(151) and rate.cuts == 1
    assert rate.describe() == "rate lowered to 151/s after SlowDown (ceiling 400/s)"
    rates = []
    for _ in range(30):
        feed_window(rate, clock, [SUCCESS] * 100)
        rates.append(rate.rate)
    assert rates[0] == pytest.approx(151 + 400 / 20) and rates[-1] == 400 and not rate.lowered


def test_a_few_stray_throttles_leave_the_rate_alone_and_no_ceiling_means_no_limit(clock):
    rate = AdaptiveRate(None, clock=clock, sleep=clock.sleep)
    feed_window(rate, clock, [SUCCESS] * 500 + [SLOWDOWN] * 10)  # 2 %: the retries deal with it
    assert rate.rate is None and rate.wait()
    feed_window(rate, clock, [SUCCESS] * 200 + [SLOWDOWN] * 100)
    assert rate.rate == pytest.approx(100.5)  # half of what got through (201/s)
    for _ in range(25):
        feed_window(rate, clock, [SUCCESS] * 100)
    assert rate.rate is None and not rate.lowered


def entry(ordinal: int) -> ManifestEntry:
    return ManifestEntry(ordinal, "b", f"k{ordinal}", None, f"k{ordinal}")


def test_the_feed_sends_handed_back_tasks_first_and_waits_for_tasks_in_flight():
    in_flight = [3]
    feed = Feed([entry(i) for i in range(5)], lambda o: o == 1, 2, lambda: in_flight[0] == 0)
    batches = iter(feed)
    assert [e.ordinal for e in next(batches)] == [0, 2]
    feed.give_back([entry(0)])
    assert [e.ordinal for e in next(batches)] == [0]
    assert [e.ordinal for e in next(batches)] == [3, 4]
    assert next(batches) is None  # the manifest is done but tasks are in flight
    feed.give_back([entry(4)])
    in_flight[0] = 0
    assert [e.ordinal for e in next(batches)] == [4]
    assert list(batches) == [] and feed.handed_back == 2


def test_retrying_retries_transient_errors_raises_others_and_gives_up_with_a_transient_error():
    retrying = Retrying(RetryPolicy(max_attempts=3, base_delay=0.0))
    calls = iter([EndpointConnectionError(endpoint_url="http://x"), _client_error(503, "SlowDown"), "ok"])

    def flaky():
        result = next(calls)
        if isinstance(result, Exception):
            raise result
        return result

    assert retrying.call("HeadObject", flaky) == "ok" and retrying.retries == 2
    with pytest.raises(ClientError):
        retrying.call("GetObject", _raiser(_client_error(404, "NoSuchKey")))
    with pytest.raises(TransientError, match="GetObject failed after retries: HTTP 500 InternalError: boom"):
        retrying.call("GetObject", _raiser(_client_error(500, "InternalError")))


def _client_error(status: int, code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "boom"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


def _raiser(exc: Exception):
    def fail():
        raise exc

    return fail


def test_job_show_lines_for_the_live_rate_and_outage():
    assert _runtime_lines(None) == []
    assert _runtime_lines({"EffectiveRate": 120, "RateCeiling": 500, "RateCuts": 2, "OutageSeconds": 8}) == [
        "  Rate limit:  120/s, ceiling 500/s, lowered 2 time(s) after SlowDown",
        "  Outage:      endpoint unreachable for 8s",
    ]


def test_transient_failures_go_back_a_few_times_and_always_during_an_outage(job_spec):
    from s3batch_tui.core.engine.health import MAX_RETURNS, EndpointHealth

    health = EndpointHealth(job_spec.options, client=None, should_stop=lambda: False)
    assert not health.hand_back(7, NO_SUCH_KEY)
    assert [health.hand_back(7, SLOWDOWN) for _ in range(MAX_RETURNS + 1)] == [True] * MAX_RETURNS + [False]
    for _ in range(8):
        health.observe(REFUSED)
    assert health.breaker.is_open
    assert all(health.hand_back(9, REFUSED) for _ in range(10))
    assert health.runtime()["Outages"] == 1 and "OutageSeconds" in health.runtime()


def test_the_outage_stays_the_status_reason_between_announcements(job_spec):
    from s3batch_tui.core.engine.health import EndpointHealth

    health = EndpointHealth(job_spec.options, client=None, should_stop=lambda: False)
    for _ in range(8):
        health.observe(REFUSED)
    published: list[tuple] = []
    polls = iter([None, None, "paused"])

    def check_controls():
        published.append(health.live_state())  # what `_check_controls` publishes while waiting
        return next(polls)

    assert health.ride_out_outage(check_controls, lambda text, announce: None) == "paused"
    reasons = [state[1] for state in published if state is not None]
    assert reasons and all(r.startswith("endpoint unreachable, retrying in 1 s") for r in reasons)
