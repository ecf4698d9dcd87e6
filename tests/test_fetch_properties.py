"""fetch-incidents, generated: events appear at random times (some listed up to half an hour late), fetches run at
random times on a clock skewed within 10 minutes of HSS's and now and then set back by up to a day, with random
max_fetch. Over HTTP to the HSS emulator, through the war room's fetch (the last run's JSON round trip included).
Backlogs too: bursts of events spread over minutes to days, listed a few rows a page, so that windows are narrowed and
fetches stop at their request budget. And fetches that HSS fails at one of their listing requests, on the first window
or a later one. And first fetches from an HSS whose clock is behind or ahead of this machine's by up to six days.

The property (README, "None twice, none lost"): every event is fetched exactly once in the end, none twice on the way,
at most max_fetch a fetch, oldest first within a fetch, and a bounded number of listing requests a fetch.

The test holds two clocks: HSS's (the emulator's wall clock, its Date header and event times) and this machine's (the
integration's ``time``). The signer's X-Sdk-Date keeps the real clock, so the gateway's skew check is widened: HSS's
clock here runs days ahead of the real one.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import math
import time
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import facts
import restore_integration as ri
from conftest import start_hss_tenant
from test_fetch import COVERED_READINGS
from warroom.emulator.faults import FaultPlan
from warroom.runtime import FetchError, WarRoom

DAY_MS = facts.DURATION_UNITS_MS['day']
FIRST_FETCH = '3 days'
FIRST_FETCH_MS = 3 * DAY_MS
# An event is listed at most this long after it occurred (+ the emulator's 4 s lead, + HSS's Date header counting whole
# seconds): within the README's 30 minutes each fetch reads again.
LATE_MS = facts.FETCH_READ_AGAIN_MS - 5_000
# README: a fetch "starts no new window" once it has sent 20 listing requests, so it starts its last window with at most
# 19 sent. That window's first page is asked at each width: two days less a second, then each halving down to less than
# a second (at most ceil(log2(that span / a second)) of them, 18). Then at most 11 requests: the page past the 10 (a
# probe), then the 10 pages from the first page's end (the probe's page read again); or, once the probe served rows,
# the rest of the narrower window's 10 pages (9 past its first) after it: 49 in all (README), and past them the pages
# past the 10 of a window of less than a second, read whole (requests_max).
REQUESTS_MAX = (facts.FETCH_NEW_WINDOW_REQUESTS_MAX - 1) + \
    (1 + math.ceil(math.log2(facts.FETCH_WINDOW_SPAN_MAX_MS / facts.FETCH_NARROWEST_SPAN_MS))) + \
    (1 + facts.FETCH_WINDOW_PAGES_MAX)


class Clocks:
    """HSS's clock (the truth here) and this machine's: HSS's plus a skew, minus a set-back while one lasts."""

    def __init__(self, hss_ms: int, skew_ms: int):
        self.hss_ms, self.skew_ms, self.set_back_ms = hss_ms, skew_ms, 0

    def machine_ms(self) -> int:
        return self.hss_ms + self.skew_ms - self.set_back_ms


class MachineTime:
    """The integration's ``time`` module on this machine's clock; everything else keeps the real one."""

    def __init__(self, clocks: Clocks):
        self.clocks = clocks

    def __getattr__(self, name):
        return getattr(time, name)

    def time(self) -> float:
        return self.clocks.machine_ms() / 1000


class FetchRun:
    """One HSS project, its clocks, and every fetch's incidents."""

    def __init__(self, tenant, skew_ms: int, max_fetch: int, page_rows: int | None = None,
                 reading: str | None = None):
        self.tenant, self.max_fetch = tenant, max_fetch
        tenant.backend.max_page_rows = page_rows  # HSS serves this many rows a page, whatever the limit asked
        tenant.backend.event_time_reading = reading  # how HSS reads begin_time and end_time
        self.clocks = Clocks(int(time.time() * 1000), skew_ms)
        tenant.backend.wall_clock = lambda: self.clocks.hss_ms / 1000
        tenant.gateway.skew_tolerance_s = 10 ** 9  # X-Sdk-Date is signed on the real clock; HSS's runs ahead of it
        self.host_ids = sorted(tenant.backend.hosts)
        self.last_run, self.fetched, self.first_begin, self.events_added = {}, [], None, 0

    def add_event(self, late_ms: int) -> None:
        self.events_added += 1
        digest = hashlib.sha256(f'event-{self.events_added}'.encode()).hexdigest()
        host_id = self.host_ids[self.events_added % len(self.host_ids)]
        self.tenant.backend.isolate_file(host_id, digest, f'/srv/drop/e{self.events_added}.bin',
                                         minutes_ago=late_ms / 60_000)

    def add_burst(self, count: int, span_ms: int) -> None:
        """``count`` events that occur from now on, over ``span_ms`` (a millisecond apart at least): each listed as it
        occurs, as HSS's clock moves on."""
        step = max(1, span_ms // count)
        for number in range(count):
            self.add_event(-number * step)

    def fetch(self, set_back_ms: int = 0, failing: int = 0) -> list[str]:
        """A fetch on this machine's clock, set back by ``set_back_ms`` from now on (0: right again); with ``failing``,
        HSS fails its listing request of that number (a fetch failing on its first window keeps the last run)."""
        self.clocks.set_back_ms = set_back_ms
        read_again = False
        if self.first_begin is None:
            # README: first_fetch before the earlier of HSS's clock (its Date, whole seconds) and this machine's; when
            # HSS's is behind, the window may be read again on it (twice the requests at most)
            hss_date_ms = self.clocks.hss_ms - self.clocks.hss_ms % 1000
            read_again = hss_date_ms < self.clocks.machine_ms()
            self.first_begin = min(hss_date_ms, self.clocks.machine_ms()) - FIRST_FETCH_MS
        requests = len(self.tenant.requests_to('GET', '/event/events'))
        if failing:  # the plan set as it is: inject_faults would put the emulator's wall clock back on the real one
            self.tenant.gateway.faults = FaultPlan.parse(f'sequence=ok*{failing - 1},500' if failing > 1 else
                                                         'sequence=500')
        with mock.patch.object(ri, 'time', MachineTime(self.clocks)):
            room = WarRoom(params=self.tenant.params(max_fetch=str(self.max_fetch), first_fetch=FIRST_FETCH,
                                                     max_retries='0'))
            try:
                incidents, _ = room.fetch(self.last_run)
            except FetchError:
                if not failing:
                    raise
                incidents = []
                if not self.last_run:  # no fetch got through yet: the next one is the first, its window from its now
                    self.first_begin = None
            finally:
                self.tenant.gateway.faults = None
        assert self.tenant.backend.wall_clock() * 1000 == self.clocks.hss_ms, "HSS's clock is no longer the test's"
        ids = [json.loads(incident['rawJSON'])['event_id'] for incident in incidents]
        occurred = [incident['occurred'] for incident in incidents]
        assert len(ids) <= self.max_fetch
        assert len(self.tenant.requests_to('GET', '/event/events')) - requests <= self.requests_max() * (1 + read_again)
        assert occurred == sorted(occurred), 'oldest first within a fetch'
        twice = set(ids) & set(self.fetched)
        assert not twice, f'fetched twice: {sorted(twice)}'
        self.fetched += ids
        return ids

    def requests_max(self) -> int:
        """REQUESTS_MAX, and README: the narrowest window, less than a second with the second before it that is listed
        again (two seconds at most, as HSS may read begin_time and end_time), is read whole when it lists more than 10
        pages: the pages of the densest two seconds past the 10 on top."""
        times = sorted(event.occur_time for event in self.tenant.backend.events)
        densest = max((bisect.bisect_right(times, moment + 2_000) - i for i, moment in enumerate(times)), default=0)
        rows = self.tenant.backend.max_page_rows or facts.HSS_EVENT_LIMIT_RANGE[1]
        return REQUESTS_MAX + max(0, math.ceil(densest / rows) - facts.FETCH_WINDOW_PAGES_MAX)

    def fetch_the_rest(self) -> None:
        """A day later, the clock right again: fetch until a fetch finds nothing and goes on from where the last one
        did (a fetch that stopped at its request budget may find nothing and still have moved on)."""
        latest = max((event.occur_time for event in self.tenant.backend.events), default=0)
        self.clocks.hss_ms = max(self.clocks.hss_ms, latest) + DAY_MS
        for _ in range(2 * len(self.tenant.backend.events) + 3):
            before = dict(self.last_run)
            if not self.fetch() and self.last_run == before:
                return
        raise AssertionError('fetching never ran dry')

    def expected(self, earlier_ms: int = 0) -> set[str]:
        return {e.event_id for e in self.tenant.backend.events if e.occur_time >= self.first_begin - earlier_ms}

    def assert_all_fetched(self) -> None:
        """Every event from the first fetch's window on was fetched (none twice: each fetch checks that). README: "a
        first fetch may take an event up to a second older than its window"."""
        assert self.expected() <= set(self.fetched) <= self.expected(earlier_ms=1000)


waits = st.one_of(st.integers(0, 120_000), st.integers(0, 3_600_000), st.integers(0, 40 * 3_600_000))
set_backs = st.one_of(st.just(0), st.integers(0, 300_000), st.integers(0, DAY_MS))
steps = st.lists(st.one_of(st.tuples(st.just('event'), st.integers(0, LATE_MS)),
                           st.tuples(st.just('wait'), waits),
                           st.tuples(st.just('fetch'), set_backs)), max_size=14)


def play(run, steps):
    """The steps in order (bursts of events, single events, waits on HSS's clock, fetches, fetches that HSS fails at a
    listing request), then fetches until none is left to make."""
    for kind, value in steps:
        if kind == 'burst':
            run.add_burst(*value)
        elif kind == 'event':
            run.add_event(value)
        elif kind == 'wait':
            run.clocks.hss_ms += value
        elif kind == 'failing':
            run.fetch(failing=value)
        else:
            run.fetch(value)
    run.fetch_the_rest()


# How HSS reads begin_time and end_time: Huawei's SDK says 13-digit milliseconds (None: to the millisecond, both ends
# in), Open Telekom Cloud's HSS "accurate to seconds"; the readings those leave open (the emulator's).
readings = pytest.mark.parametrize('reading', COVERED_READINGS)


@readings
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps, skew_ms=st.integers(-600_000, 600_000), max_fetch=st.sampled_from([1, 2, 3, 50]))
def test_every_event_is_fetched_once_whatever_the_clocks_and_the_cap(steps, skew_ms, max_fetch, reading):
    tenant = start_hss_tenant()
    try:
        run = FetchRun(tenant, skew_ms, max_fetch, reading=reading)
        play(run, steps)
        run.assert_all_fetched()
    finally:
        tenant.stack.close()


# HSS's clock behind this machine's (positive) or ahead of it, by up to twice the first-fetch window, or by a few
# seconds (HSS's Date counts whole seconds)
skews = st.one_of(st.integers(-2 * FIRST_FETCH_MS, 2 * FIRST_FETCH_MS), st.integers(-3_000, 3_000))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(skew_ms=skews, data=st.data())
def test_every_event_from_first_fetch_before_the_earlier_clock_on_is_fetched_once_and_none_older_whatever_the_skew(
        skew_ms, data):
    # README: the first-fetch window begins first_fetch before the earlier of HSS's clock and this machine's. HSS dates
    # events a few seconds either side of where it begins on HSS's clock and on this machine's (their ages on HSS's),
    # and any time in the last two windows; none other (the seed's are dated on the real clock).
    tenant = start_hss_tenant()
    try:
        tenant.backend.events.clear()
        run = FetchRun(tenant, skew_ms, 200)
        run.clocks.hss_ms += data.draw(st.integers(0, 999)) - run.clocks.hss_ms % 1000  # drawn past HSS's whole second
        edges = [FIRST_FETCH_MS, FIRST_FETCH_MS - skew_ms]
        near = st.sampled_from(edges).flatmap(lambda edge: st.integers(max(0, edge - 5_000), max(0, edge + 5_000)))
        for age_ms in data.draw(st.lists(st.one_of(near, st.integers(0, 2 * FIRST_FETCH_MS)), max_size=8)):
            run.add_event(age_ms)
        run.fetch()
        run.clocks.hss_ms += max(0, -skew_ms)  # this machine's clock past every event HSS dated before the first fetch
        run.fetch_the_rest()
        run.assert_all_fetched()
    finally:
        tenant.stack.close()


bursts = st.tuples(st.just('burst'), st.tuples(st.integers(1, 600), st.one_of(st.integers(0, 3_600_000),
                                                                             st.integers(0, 2 * DAY_MS))))
# HSS failing a fetch at one of its listing requests, within a window's narrowing or its pages too (README: the next
# fetch goes on from that window, narrowed to the first half of the narrowest span of it HSS listed)
backlog_failures = st.tuples(st.just('failing'), st.integers(1, REQUESTS_MAX))
backlog_steps = st.lists(st.one_of(bursts, st.tuples(st.just('event'), st.integers(0, LATE_MS)),
                                   st.tuples(st.just('wait'), waits), st.tuples(st.just('fetch'), set_backs),
                                   backlog_failures),
                         max_size=8)


@readings
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=backlog_steps, skew_ms=st.integers(-600_000, 600_000), max_fetch=st.sampled_from([20, 50, 200]),
       page_rows=st.sampled_from([10, 15]))
def test_a_backlog_is_fetched_once_each_oldest_first_with_bounded_requests_a_fetch(steps, skew_ms, max_fetch,
                                                                                    page_rows, reading):
    # A few rows a page (page_rows, whatever limit the fetch asks for) make a burst of 600 events more than the
    # README's 10 pages a window, and more pages than a fetch may send requests: the window is narrowed, and a fetch
    # may stop at its request budget. A burst's events occur from the time it is added on (up to two days on), and
    # HSS lists each as it occurs.
    tenant = start_hss_tenant()
    try:
        run = FetchRun(tenant, skew_ms, max_fetch, page_rows, reading)
        play(run, steps)
        run.assert_all_fetched()
    finally:
        tenant.stack.close()


failing_steps = st.lists(st.one_of(st.tuples(st.just('event'), st.integers(0, LATE_MS)),
                                   st.tuples(st.just('wait'), waits), st.tuples(st.just('failing'), st.integers(1, 4)),
                                   st.tuples(st.just('fetch'), st.just(0))), max_size=10)


@readings
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ages=st.lists(st.integers(0, FIRST_FETCH_MS - 60_000), max_size=6), steps=failing_steps,
       max_fetch=st.sampled_from([1, 2, 50]))
def test_a_fetch_that_hss_fails_part_way_loses_no_event_and_none_comes_twice(ages, steps, max_fetch, reading):
    # README: a fetch failing on its first window raises (the last run stays); one failing after reading a window
    # returns what it took, and the next goes on from the window that failed. Events first spread over the 3-day
    # first-fetch window (two windows), then as the other properties play them.
    tenant = start_hss_tenant()
    try:
        run = FetchRun(tenant, 0, max_fetch, reading=reading)
        for age_ms in ages:
            run.add_event(age_ms)
        play(run, steps)
        run.assert_all_fetched()
    finally:
        tenant.stack.close()
