"""Every run ends, at the default settings, within XSOAR's timeout for an integration command (3 minutes: the admin
guide's "Integration Server Configurations"), with its own entry, whatever the vendor does: throttles with a long
Retry-After, accepts the request and never answers, trickles its reply, fails attempts that are retried, or makes the
IAM token request wait first.

Each run goes through the war room at its default execution timeout. The vendors are the emulators over HTTP on
127.0.0.1 with their fault plans. The test clock is moved by the waits the integration and the war room take (a
Retry-After of minutes costs nothing) and, from the first wait on, by real time, which is what a socket's timeout
spends: a run is measured on that clock. A long Retry-After first brings each run to its last seconds, so what a slow
vendor costs after it is a few real seconds.
"""
from __future__ import annotations

import json
import re
import time

import pytest

import facts
import restore_integration as ri
from conftest import FakeClock, hss_seed_copies, integration_on_clock, seed_holders, start_hss_tenant, start_tenant
from facts import ENTRY_ERROR
from test_reply_read import TrickledReplyServer
from warroom.emulator.faults import FaultPlan
from warroom.runtime import FetchError, WarRoom

XDR_HASH = sorted(seed_holders())[0]
HSS_HASH = sorted(hss_seed_copies())[0]
# Seconds of XSOAR's timeout a 429's Retry-After takes up before the vendor is slow: the run then has a few left.
LATE = facts.XSOAR_COMMAND_TIMEOUT_SECONDS - 16
NEVER = 'delay=600'  # an answer ten minutes late: none within the run


class RunClock(FakeClock):
    """Test time: moved by hand for the waits the code takes (as FakeClock), and by real time besides once the first
    wait was taken. What a run does before it (the war room's setup, its first requests) costs a loaded machine real
    time that would eat into the second or so a long Retry-After leaves of the run: counted, an attempt the test needs
    could start too late, or not at all."""

    def __init__(self):
        super().__init__(0.0)
        self.real_start = None  # the first wait's real time

    def __call__(self) -> float:
        return self.now + (0.0 if self.real_start is None else time.monotonic() - self.real_start)

    def advance(self, seconds: float) -> None:
        if self.real_start is None:
            self.real_start = time.monotonic()
        super().advance(seconds)


@pytest.fixture
def run_clock(monkeypatch):
    """Every limiter the integration builds, its wall clock and the war room's waits run on one RunClock."""
    clock = RunClock()
    integration_on_clock(monkeypatch, clock)
    return clock


@pytest.fixture
def xdr_room(run_clock):
    tenant = start_tenant(auth_type='advanced', clock=run_clock, wall_clock=ri.time.time)
    yield tenant, WarRoom(params=tenant.params(), sleep=run_clock.advance, clock=run_clock)
    tenant.server.stop()


def alarm(incident: dict) -> str:
    return json.loads(incident['rawJSON'])['event_id']


def run_once(room, clock, command, args):
    started = clock()
    result = room.run(command, {**args, 'polling': 'false'})
    return result, clock() - started


def assert_own_error_in_time(result, took, *words):
    """The run ended before XSOAR's timeout, in the integration's own error entry, not in the war room's verdict."""
    [entry] = result.entries
    assert took < facts.XSOAR_COMMAND_TIMEOUT_SECONDS, (took, entry['Contents'])
    assert entry['Type'] == ENTRY_ERROR and 'execution timeout' not in entry['Contents'], entry['Contents']
    assert all(word in entry['Contents'] for word in words), entry['Contents']


def test_a_restore_throttled_for_longer_than_a_run_ends_in_its_own_error_before_xsoars_timeout(xdr_room, run_clock):
    tenant, room = xdr_room
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429*1000;retry-after=20'))

    result, took = run_once(room, run_clock, 'restore-file', {'file_hash': XDR_HASH})

    assert_own_error_in_time(result, took, 'HTTP 429')
    assert tenant.gateway.faults.seen > 1 and not tenant.backend.actions


def test_a_vendor_that_accepts_the_request_and_never_answers_ends_the_run_before_xsoars_timeout(xdr_room, run_clock):
    tenant, room = xdr_room
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429,slow;retry-after={LATE};{NEVER}'))

    result, took = run_once(room, run_clock, 'restore-file', {'file_hash': XDR_HASH})

    assert_own_error_in_time(result, took, 'did not answer within')
    assert tenant.gateway.faults.seen == 2  # no attempt started once too little of the run was left


def test_a_reply_trickled_a_byte_a_second_ends_the_run_before_xsoars_timeout(xdr_room, run_clock):
    tenant, room = xdr_room
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429,slow;retry-after={LATE};trickle=1'))

    result, took = run_once(room, run_clock, 'restore-file', {'file_hash': XDR_HASH})

    assert_own_error_in_time(result, took, 'answered HTTP 200 but its reply did not end within')


def test_faults_retried_late_in_a_run_end_it_before_xsoars_timeout(xdr_room, run_clock):
    tenant, room = xdr_room
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429,reset,502,slow*10;retry-after={LATE - 2};{NEVER}'))

    result, took = run_once(room, run_clock, 'restore-file', {'file_hash': XDR_HASH})

    assert_own_error_in_time(result, took, 'retried')
    assert tenant.gateway.faults.seen >= 3  # the faults were sent again while the run had time for an attempt


def test_a_read_timeout_longer_than_a_run_ends_its_attempt_at_the_runs_end_and_says_so(xdr_room, run_clock):
    tenant, room = xdr_room
    room.params = dict(room.params, connect_timeout='10', read_timeout='3600')
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429,slow;retry-after={LATE};{NEVER}'))

    result, took = run_once(room, run_clock, 'restore-file', {'file_hash': XDR_HASH})

    assert_own_error_in_time(result, took, 'read_timeout (10 + 3600 s)')
    assert re.search(r'did not answer within the [0-9.]+ s left of this run', result.entries[-1]['Contents'])


def ran_test_module_before_the_test_buttons_timeout(room, run_clock) -> dict:
    """Runs Test on the RunClock: its one entry, once it is checked to end before XSOAR's timeout of a Test."""
    started = run_clock()
    result = room.run('test-module', {})
    took = run_clock() - started
    [entry] = result.entries
    assert took < facts.XSOAR_TEST_TIMEOUT_SECONDS, (took, entry['Contents'])
    return entry


# The Test button ends test-module after XSOAR_TEST_TIMEOUT_SECONDS, sooner than a command: throttled past it, or met
# by a vendor that never answers (after a Retry-After that brings the test to its last seconds), test-module ends first,
# in its own error naming the vendor, not in the engine's timeout, which says nothing of the settings. An attempt cut
# short by that end says it is the Test's, not a command's 3 minutes (README, test-module: an engine ends it after
# 60 s).
@pytest.mark.parametrize('fault', ['sequence=429*1000;retry-after=20',
                                   f'sequence=429,slow;retry-after={facts.XSOAR_TEST_TIMEOUT_SECONDS - 16};{NEVER}'])
def test_test_module_ends_in_its_own_error_naming_the_vendor_before_the_test_buttons_timeout(xdr_room, run_clock,
                                                                                             fault):
    tenant, room = xdr_room
    tenant.gateway.inject_faults(FaultPlan.parse(fault))

    entry = ran_test_module_before_the_test_buttons_timeout(room, run_clock)
    assert entry['Type'] == ENTRY_ERROR and 'Cortex XDR' in entry['Contents'], entry['Contents']
    cut_short = re.search(r'left of this run \(([^)]*)\)', entry['Contents'])
    assert not cut_short or cut_short[1].endswith(f'Test of the instance after {facts.XSOAR_TEST_TIMEOUT_SECONDS} s')
    assert cut_short or 'slow' not in fault, entry['Contents']


@pytest.fixture
def hss_on_run_clock(run_clock):
    """An HSS project whose clock (its Date, event times, token expiry) is the integration's, on the RunClock."""
    tenant = start_hss_tenant(wall_clock=ri.time.time)
    yield tenant
    tenant.stack.close()


@pytest.fixture
def hss_room(run_clock, hss_on_run_clock):
    params = hss_on_run_clock.params('token')
    return hss_on_run_clock, WarRoom(params=params, sleep=run_clock.advance, clock=run_clock)


# README, test-module: "every request of test-module, both vendors' and IAM's, ends 10 s before" the Test's 60 s: HSS,
# tested after Cortex XDR answered, and throttled past that, fails the Test in its own error before XSOAR's timeout.
def test_hss_throttled_in_a_test_of_both_vendors_ends_it_in_its_own_error_before_the_test_buttons_timeout(
        xdr_room, hss_on_run_clock, run_clock):
    xdr, _ = xdr_room
    hss_on_run_clock.gateway.inject_faults(FaultPlan.parse('sequence=429*1000;retry-after=20'))
    room = WarRoom(params={**xdr.params(), **hss_on_run_clock.params()}, sleep=run_clock.advance, clock=run_clock)

    entry = ran_test_module_before_the_test_buttons_timeout(room, run_clock)
    assert entry['Type'] == ENTRY_ERROR and 'Huawei Cloud HSS' in entry['Contents'], entry['Contents']
    assert xdr.gateway.requests, 'Cortex XDR was tested too'


def test_a_slow_hss_after_a_throttled_iam_token_request_ends_the_run_before_xsoars_timeout(hss_room, run_clock):
    tenant, room = hss_room
    tenant.gateway.iam_faults = FaultPlan.parse(f'sequence=429;retry-after={LATE}')
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=slow*10;{NEVER}'))

    result, took = run_once(room, run_clock, 'hss-restore-isolated', {'file_hash': HSS_HASH})

    assert_own_error_in_time(result, took, 'did not answer within')
    assert tenant.gateway.iam_faults.seen == 2  # the token came late, and then the HSS request met the slow HSS


def test_an_hss_reply_whose_headers_trickle_after_a_throttled_iam_token_request_ends_the_run_before_xsoars_timeout(
        hss_room, run_clock):
    # Each byte of a header comes well within the read timeout, each read timed on its own: only the attempt's end,
    # the run's, stops it. HSS's emulator sends its headers at once, so a server in the test stands in for HSS.
    tenant, room = hss_room
    tenant.gateway.iam_faults = FaultPlan.parse(f'sequence=429;retry-after={LATE}')
    server = TrickledReplyServer(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: ', b'x',
                                 b'\r\n\r\n', pace=0.25, seconds=30)
    room.params = dict(room.params, hss_endpoint=server.url)

    result, took = run_once(room, run_clock, 'hss-restore-isolated', {'file_hash': HSS_HASH})

    assert_own_error_in_time(result, took, 'status line and headers', 's left of this run')
    assert not server.tail_sent and tenant.gateway.iam_faults.seen == 2


def test_an_hss_request_whose_iam_token_came_past_the_runs_last_start_is_not_sent(hss_room, run_clock):
    # The token request starts in the run's last seconds that still take an attempt, and its answer is slow: once it
    # is in, fewer than MIN_ATTEMPT_SECONDS of the run are left, and the HSS request it was for is not sent.
    tenant, room = hss_room
    tenant.gateway.iam_faults = FaultPlan.parse(f'sequence=429,slow;retry-after={LATE};delay=2')

    result, took = run_once(room, run_clock, 'hss-restore-isolated', {'file_hash': HSS_HASH})

    assert_own_error_in_time(result, took, 'Not sent to Huawei Cloud HSS')
    assert tenant.gateway.iam_faults.seen == 2  # the token came, late
    assert all(request.path.startswith('/v3/auth/') for request in tenant.gateway.requests)  # no HSS request went out


def test_a_fetch_from_a_slow_hss_fails_with_its_own_error_before_xsoars_timeout(run_clock, hss_on_run_clock):
    hss_tenant = hss_on_run_clock
    room = WarRoom(params=dict(hss_tenant.params('aksk'), isFetch=True), sleep=run_clock.advance, clock=run_clock)
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429,slow*10;retry-after={LATE};{NEVER}'))
    started = run_clock()

    with pytest.raises(FetchError) as failed:
        room.fetch({})

    assert run_clock() - started < facts.XSOAR_COMMAND_TIMEOUT_SECONDS
    assert 'execution timeout' not in str(failed.value) and 'did not answer within' in str(failed.value)


def test_a_fetch_whose_run_runs_out_after_a_window_keeps_its_events_and_the_next_fetch_goes_on_from_there(
        run_clock, hss_on_run_clock):
    # README: a fetch that fails after reading a window returns what it took; the next goes on from the window that
    # failed. A 7-day first fetch reads four two-day windows; the oldest holds one alarm. HSS answers the first two
    # windows, then throttles the third into the run's last seconds and never answers it.
    hss_tenant = hss_on_run_clock
    backend = hss_tenant.backend
    old = backend.isolate_file(sorted(backend.hosts)[0], 'e' * 64, '/srv/drop/old.bin', minutes_ago=6 * 24 * 60)
    params = dict(hss_tenant.params('aksk'), isFetch=True, first_fetch='7 days')
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok*2,429,slow;retry-after={LATE};{NEVER}'))
    last_run, started = {}, run_clock()

    first, _ = WarRoom(params=params, sleep=run_clock.advance, clock=run_clock).fetch(last_run)

    assert run_clock() - started < facts.XSOAR_COMMAND_TIMEOUT_SECONDS
    windows = [int(request.query['begin_time'][0]) for request in hss_tenant.requests_to('GET', '/event/events')]
    assert len(set(windows)) == 3 and [alarm(i) for i in first] == [old['event_id']]
    hss_tenant.gateway.inject_faults(None)  # HSS answers again
    sent = len(windows)
    second, _ = WarRoom(params=params, sleep=run_clock.advance, clock=run_clock).fetch(last_run)
    requests = hss_tenant.requests_to('GET', '/event/events')[sent:]
    assert int(requests[0].query['begin_time'][0]) == windows[-1]  # it went on from the window that failed
    everything, _ = WarRoom(params=params, sleep=run_clock.advance, clock=run_clock).fetch({})
    assert sorted(alarm(i) for i in first + second) == sorted(alarm(i) for i in everything)

class SlowHss(FaultPlan):
    """HSS (or its IAM) answering every request ``seconds`` late on the test clock, none faulted (``seen`` counts them):
    a slow project, late at no real cost, and by as much however loaded the machine is."""

    def __init__(self, clock, seconds):
        super().__init__()
        self.clock, self.seconds = clock, seconds

    def choose(self, request, supported):
        super().choose(request, supported)
        self.clock.advance(self.seconds)
        return None


def test_a_window_whose_narrowing_and_pages_take_longer_than_a_run_is_narrowed_on_by_the_next_fetches(monkeypatch):
    # README: a fetch that fails within a window HSS answered for makes the next fetch read the first half of the
    # narrowest span of it HSS listed. A burst of 150 alarms within milliseconds, listed 10 a page by an HSS that
    # answers each request 6 s late: the window from where the last fetch stopped (the burst) to now is halved some 23
    # times and then paged 15 times, about 38 requests and 230 s, more than a run. No fetch may fail on it, and every
    # alarm comes once, oldest first.
    clock = RunClock()
    moved = integration_on_clock(monkeypatch, clock)
    tenant = start_hss_tenant(wall_clock=moved.time)
    try:
        tenant.backend.max_page_rows = 10
        host_id = sorted(tenant.backend.hosts)[0]
        burst = [tenant.backend.isolate_file(host_id, f'{number:064x}', f'/srv/drop/burst-{number}.bin',
                                             minutes_ago=120) for number in range(150)]
        begin = min(event['occur_time'] for event in burst)
        wanted = sorted((e.occur_time, e.event_id) for e in tenant.backend.events if e.occur_time >= begin)
        tenant.gateway.inject_faults(SlowHss(clock, 6))
        # one request at a time, so that each costs the run its 6 s (side by side, they would each move the clock)
        params = dict(tenant.params('aksk'), isFetch=True, max_fetch='50', max_concurrency='1')
        last_run, fetched = {'last_fetch': json.dumps(begin)}, []

        for _ in range(8):
            started = clock()
            incidents, _ = WarRoom(params=params, sleep=clock.advance, clock=clock).fetch(last_run)
            assert clock() - started < facts.XSOAR_COMMAND_TIMEOUT_SECONDS
            fetched += [alarm(incident) for incident in incidents]

        assert fetched == [event_id for _, event_id in wanted]
    finally:
        tenant.stack.close()


def test_hss_restore_isolated_gives_xsoar_room_for_a_first_and_a_last_run_past_its_own_polling_timeout(hss_tenant):
    # README: the command hands XSOAR timeout_in_seconds plus room for a first and a last run, XSOAR's timeout each.
    room = WarRoom(params=hss_tenant.params('aksk'))

    result = room.run('hss-restore-isolated', {'file_hash': HSS_HASH, 'timeout_in_seconds': '600'})

    first = result.entries[0]
    assert first['PollingCommand'] == 'hss-restore-isolated', first
    assert int(first['Timeout']) == 600 + 2 * facts.XSOAR_COMMAND_TIMEOUT_SECONDS


def test_a_fault_met_late_in_a_run_whose_next_turn_comes_past_its_last_start_says_what_it_met_and_why_no_retry(
        xdr_room, run_clock):
    tenant, room = xdr_room
    room.params = dict(room.params, xdr_rate_limit='0.1')  # a turn every 10 s: the one after the fault comes too late
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429,reset*10;retry-after={LATE}'))

    result, took = run_once(room, run_clock, 'restore-file', {'file_hash': XDR_HASH})

    # What the last attempt met, why no attempt followed it, and that the lost answer may have started the restore.
    assert_own_error_in_time(result, took, 'broke before the answer arrived', 'the next turn was 10 s away',
                             f'past the {facts.MAX_RUN_WAIT_SECONDS} s', 'may have started this restore')
    assert tenant.gateway.faults.seen == 2  # the 429 and the reset: nothing was sent past the run's last start
