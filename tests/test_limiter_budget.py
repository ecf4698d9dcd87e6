"""The adaptive limiter never sends faster than the instance's ceiling, whatever the ceiling."""
from __future__ import annotations

import pytest

import restore_integration as ri
from conftest import FakeClock


@pytest.mark.parametrize('ceiling', [0.1, 0.25])
def test_a_throttle_never_raises_the_rate_above_a_ceiling_below_the_minimum_rate(ceiling):
    # xdr_rate_limit / hss_rate_limit accept 0.1 requests/s: a 429 must slow such an instance down, not speed it up.
    clock = FakeClock(100.0)
    limiter = ri.AdaptiveRateLimiter(ceiling, clock=clock, sleep=clock.advance)
    limiter.wait_turn()
    limiter.throttled(sent_at=clock())
    assert limiter.rate() <= ceiling
    starts = []
    for _ in range(3):
        limiter.wait_turn()
        starts.append(clock())
    assert all(b - a >= 1 / ceiling for a, b in zip(starts, starts[1:]))
