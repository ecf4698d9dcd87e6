"""The adaptive limiter's pauses (DEVELOPERS.md, Transport: a Retry-After of a 429 pauses every turn of the vendor's
requests): a shorter Retry-After that comes later does not shorten a longer one still running."""
from __future__ import annotations

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
