"""The adaptive limiter's pauses (DEVELOPERS.md, Transport: a Retry-After of a 429 pauses every turn of the vendor's
requests): a shorter Retry-After that comes later does not shorten a longer one still running, one that comes during a
wait counts in it; IAM's backoff after a 429 without one; what a turn past the command's deadline says. Unit tests: each
drives AdaptiveRateLimiter directly; tests/test_pacing.py has IAM's backoff over HTTP."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

import restore_integration as ri
from conftest import FakeClock


def limiter_on(ceiling):
    clock = FakeClock(100.0)
    return ri.AdaptiveRateLimiter(ceiling, clock=clock, sleep=clock.advance), clock


def test_a_shorter_retry_after_does_not_cut_short_a_longer_one_still_running():
    # The vendor asked one request to wait 30 s, then another to wait 5 s: no request may go before the 30 s passed.
    limiter, clock = limiter_on(10.0)
    limiter.wait_turn()
    started = clock()
    limiter.throttled(sent_at=started, retry_after=30)
    limiter.throttled(sent_at=started, retry_after=5)

    assert limiter.paused_for() == 30
    limiter.wait_turn()
    assert clock() - started >= 30


def iam_limiter_after_three_429s_in_a_row(answered: bool):
    """IAM's limiter (README: its backoff is a random share of 1 s, doubling with each 429 in a row, at most 20 s), its
    share held whole, after three 429s in a row (1, 2, 4 s), then, if ``answered``, an answer, then one more 429."""
    clock = FakeClock(100.0)
    limiter = ri.AdaptiveRateLimiter(1000.0, clock=clock, sleep=clock.advance, backoff_max=20.0)
    for _ in range(3):
        limiter.wait_turn()
        limiter.throttled(sent_at=clock())
    limiter.wait_turn()
    if answered:
        limiter.answered()
    limiter.throttled(sent_at=clock())
    return limiter


def test_an_answer_ends_iams_row_of_429s_so_the_next_429_backs_off_from_1_s_again_not_8(monkeypatch):
    monkeypatch.setattr(ri, 'random', SimpleNamespace(random=lambda: 1.0), raising=False)

    in_a_row = iam_limiter_after_three_429s_in_a_row(answered=False).wait_turn()
    after_an_answer = iam_limiter_after_three_429s_in_a_row(answered=True).wait_turn()

    assert in_a_row >= 8 and 1 <= after_an_answer < 2, (in_a_row, after_an_answer)  # the 1st in a row: 1 s


def test_iams_backoff_after_a_429_that_came_late_runs_from_when_it_came(monkeypatch):
    # The 429 answered 10 s after its turn (a slow answer): the 1 s backoff (README, share held whole) starts then.
    monkeypatch.setattr(ri, 'random', SimpleNamespace(random=lambda: 1.0), raising=False)
    clock = FakeClock(100.0)
    limiter = ri.AdaptiveRateLimiter(1000.0, clock=clock, sleep=clock.advance, backoff_max=20.0)
    limiter.wait_turn()
    clock.advance(10)
    limiter.throttled(sent_at=clock() - 10)

    assert limiter.wait_turn() >= 1


# What a turn past the command's deadline says (README, Bulk restores: "only a turn past that ends the request, with the
# vendor's 429 and how long it asked to wait (or ... its turn, paced at the instance's rate, came too late)").
def test_a_turn_free_at_once_is_taken_though_the_commands_deadline_has_passed():
    # The deadline bounds the wait for a turn; a turn free at once costs none (the run's last start is the transport's).
    limiter, clock = limiter_on(10.0)

    assert limiter.wait_turn(deadline=clock() - 1) == 0


def test_a_turn_held_by_the_pace_not_by_a_shorter_retry_after_is_not_blamed_on_the_retry_after():
    # One request every 10 s; the vendor asks to wait 1 s: the next turn, 10 s away, past a 5 s deadline, is the pace's.
    limiter, clock = limiter_on(0.1)
    limiter.wait_turn()
    limiter.throttled(sent_at=clock(), retry_after=1)

    with pytest.raises(ri.OutOfTime) as late:
        limiter.wait_turn(deadline=clock() + 5)
    assert late.value.asked is None and late.value.wait >= 10, vars(late.value)


def test_a_turn_sought_after_the_commands_deadline_passed_says_the_time_had_gone_not_how_far_the_turn_was():
    # OutOfTime's wait 0: the run's time had gone, whatever the next turn's distance (one request every 10 s here).
    limiter, clock = limiter_on(0.1)
    limiter.wait_turn()

    with pytest.raises(ri.OutOfTime) as late:
        limiter.wait_turn(deadline=clock() - 1)
    assert late.value.wait == 0, vars(late.value)


def test_a_retry_after_that_comes_while_a_turn_is_awaited_counts_in_the_seconds_that_turn_says_it_waited():
    # Another worker's 429 asks for 5 s while this one sleeps towards its turn: it waits on, and says it waited the
    # whole time that passed on the clock, not only the last stretch.
    clock = FakeClock(100.0)
    asked = []

    def sleep(seconds):
        clock.advance(seconds)
        if not asked:
            asked.append(5)
            limiter.pause(5)

    limiter = ri.AdaptiveRateLimiter(10.0, clock=clock, sleep=sleep)
    limiter.wait_turn()
    started = clock()
    waited = limiter.wait_turn()

    assert clock() - started >= 5 and waited == pytest.approx(clock() - started), (waited, clock() - started)
