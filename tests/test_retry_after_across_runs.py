"""A vendor's Retry-After holds across polling runs: once a 429 (or a 503) asked the client to wait longer than one run
may, the next request to that vendor, from whichever run makes it, comes no sooner than the wait has passed. RFC 9110,
section 10.2.3: Retry-After is how long "the user agent ought to wait before making a follow-up request"; RFC 6585,
section 4, gives it to a 429. Over HTTP to the emulators, each request's arrival timed on the test clock the war room's
waits move; the 429 or 503 is injected by the emulators' fault plans."""
from __future__ import annotations

import json
import re

import pytest

import facts
import restore_integration as ri
from conftest import (FakeClock, integration_on_clock, load_json, seed_holders, start_hss_tenant, start_tenant,
                      HSS_SEED, hss_seed_copies)
from warroom.context import get_path
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss.responses import create_app as create_hss_app
from warroom.emulator.httpserver import LoopbackServer
from warroom.line import parse_line
from warroom.emulator.xdr.responses import create_app as create_xdr_app
from warroom.runtime import WarRoom

# README, "One run stays short": one run waits at most 165 s for its turns. A wait asked past it outlasts a run.
LONGER_THAN_A_RUN_S = 300
XDR_STATUS_PATH = '/public_api/v1/actions/get_action_status/'
# An HSS host whose agent is offline: its copy stays restoring (test_data/hss/README.md), so polling runs to the timeout
OFFLINE = next(h for h in load_json(HSS_SEED)['hosts'] if h.get('agent_status') == 'offline')


class TimedArrivals:
    """In front of an emulator's app: the test clock's time of each request that reaches the vendor, in order."""

    def __init__(self, app, clock):
        self.app, self.clock, self.times = app, clock, []

    def __call__(self, request):
        self.times.append((self.clock(), request.method, request.path))
        return self.app(request)


def after(arrivals: TimedArrivals, number: int) -> list[float]:
    """When each request after the ``number``-th (1-based, as the fault plan numbers them) arrived."""
    return [when for when, _, _ in arrivals.times[number:]]


@pytest.fixture
def xdr_on_clock(monkeypatch):
    """A Cortex XDR tenant whose actions outlive any polling here, behind a server that times each arrival, and a war
    room whose waits, like the integration's own, move the test clock."""
    clock = FakeClock()
    moved = integration_on_clock(monkeypatch, clock)
    # Cortex XDR's own clock (its Date) moves with the test clock too, as the integration's does
    tenant = start_tenant(auth_type='standard', stage_seconds=10_000, clock=clock, wall_clock=moved.time)
    arrivals = TimedArrivals(create_xdr_app(tenant.gateway), clock)
    front = LoopbackServer(arrivals).start()
    room = WarRoom(params=tenant.params(xdr_url=front.url), sleep=clock.advance, clock=clock)
    yield tenant, room, arrivals
    front.stop()
    tenant.server.stop()


def injected(tenant, kind: str = '429') -> int:
    """The number of the one request the fault plan answered with that fault."""
    [record] = [record for record in tenant.gateway.faults.injected if record.kind == kind]
    return record.number


# RFC 9110, 10.2.3: with a 503, Retry-After is how long "the service is expected to be unavailable to the client"
@pytest.mark.parametrize('kind', ['429', '503'])
def test_a_check_asked_to_wait_longer_than_a_run_may_puts_off_the_next_check_until_the_wait_has_passed(xdr_on_clock,
                                                                                                       kind):
    tenant, room, arrivals = xdr_on_clock
    # The first run's restore goes through; the first check's status read is asked to wait 300 s.
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,{kind};retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('restore-file', {'file_hash': sorted(seed_holders())[0], 'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    number = injected(tenant, kind)
    throttled_at = arrivals.times[number - 1][0]
    later = after(arrivals, number)
    assert later, 'the checks after the wait read the status again'
    assert min(later) >= throttled_at + LONGER_THAN_A_RUN_S, (throttled_at, later)
    # the entry of the check that met it says why the next check is later than the interval
    [put_off] = [entry for entry in result.entries if 'Retry-After' in entry['HumanReadable']
                 and 'PollingCommand' in entry]
    assert int(put_off['NextRun']) >= LONGER_THAN_A_RUN_S - 1  # the run itself takes a moment of the wait


def test_a_check_put_off_by_cortex_xdr_s_wait_says_when_the_next_check_comes_and_that_cortex_xdr_asked_it(
        xdr_on_clock):
    tenant, room, arrivals = xdr_on_clock
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('restore-file', {'file_hash': sorted(seed_holders())[0], 'timeout_in_seconds': '600'})

    # README, "A vendor's wait holds across runs": `checking again in 300 s, put off as Cortex XDR asked to wait
    # (Retry-After)`, its seconds the entry's NextRun
    [put_off] = [entry for entry in result.entries if int(entry.get('NextRun') or 0) > 60]
    said = f'checking again in {put_off["NextRun"]} s, put off as Cortex XDR asked to wait (Retry-After)'
    assert said in put_off['HumanReadable'], put_off



# README, "A vendor's wait holds across runs": the hidden put_off carries the seconds the checks were put off in all
# and, only when the wait outlasts the polling time, `:` and the seconds of it left as the next check starts.
@pytest.mark.parametrize('timeout', [600, 200], ids=['wait within the polling time', 'wait past it'])
def test_a_check_carries_the_seconds_it_was_put_off_and_the_wait_left_only_when_the_wait_outlasts_polling(
        xdr_on_clock, timeout):
    tenant, room, arrivals = xdr_on_clock
    interval = 30
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('restore-file', {'file_hash': sorted(seed_holders())[0], 'interval_in_seconds': str(interval),
                                       'timeout_in_seconds': str(timeout)})

    scheduled = [entry for entry in result.entries if entry.get('PollingCommand')]
    [put_off_at] = [n for n, entry in enumerate(scheduled) if int(entry['NextRun']) > interval]
    assert all('put_off' not in entry['PollingArgs'] for entry in scheduled[:put_off_at]), scheduled
    entry = scheduled[put_off_at]
    seconds, *left = entry['PollingArgs']['put_off'].split(':')
    assert int(seconds) == int(entry['NextRun']) - interval, entry
    if timeout == 600:  # the later checks, not put off again, carry the same seconds
        assert left == [], entry
        assert [later['PollingArgs'].get('put_off') for later in scheduled[put_off_at + 1:]] == \
            [seconds] * (len(scheduled) - put_off_at - 1), scheduled
    else:  # the next check is the last, at the timeout, and waits out the rest of the 300 s first
        [left] = left
        assert int(left) > 0 and int(entry['NextRun']) + int(left) <= LONGER_THAN_A_RUN_S, entry

def test_a_first_run_throttled_longer_than_a_run_may_wait_sends_the_restore_once_the_wait_has_passed(xdr_on_clock):
    tenant, room, arrivals = xdr_on_clock
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('restore-file', {'file_hash': sorted(seed_holders())[0], 'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    first = result.entries[0]
    assert 'PollingCommand' in first and 'Retry-After' in first['HumanReadable'], first
    later = after(arrivals, injected(tenant))
    assert later and min(later) >= arrivals.times[0][0] + LONGER_THAN_A_RUN_S, (arrivals.times[0][0], later)
    assert len(tenant.backend.actions) == 1  # sent once the wait had passed, and followed


def test_a_wait_past_the_polling_timeout_brings_the_last_check_to_the_timeout_which_sends_nothing_before_it_ends(
        xdr_on_clock):
    tenant, room, arrivals = xdr_on_clock
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,429;retry-after={LONGER_THAN_A_RUN_S}'))
    timeout = 120  # the wait ends 300 s after the first check: past the timeout, and past what the last check may wait
    entered = []  # the test clock's time of each run's entry
    room.on_entry = lambda entry: entered.append(arrivals.clock())
    started = arrivals.clock()

    result = room.run('restore-file', {'file_hash': sorted(seed_holders())[0], 'timeout_in_seconds': str(timeout)})

    assert not result.failed, result.entries[-1]  # the command's own last report, not XSOAR's timeout error
    assert entered[-1] >= started + timeout, (started, entered)  # the last check comes at the timeout, not sooner
    last = result.entries[-1]
    assert 'PollingCommand' not in last and 'Polling ended' in last['HumanReadable'], last
    assert after(arrivals, injected(tenant)) == []  # nothing reached Cortex XDR before its wait had passed
    assert result.runs == 3  # the first run, the check that met the 429, and the last check at the timeout


def test_the_last_check_waits_out_what_is_left_of_the_vendor_s_wait_past_the_timeout_then_reads(xdr_on_clock):
    tenant, room, arrivals = xdr_on_clock
    wait = 200  # past the 120 s of polling, but ending within the last check's run
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,429;retry-after={wait}'))

    result = room.run('restore-file', {'file_hash': sorted(seed_holders())[0], 'timeout_in_seconds': '120'})

    assert not result.failed, result.entries[-1]
    number = injected(tenant)
    later = after(arrivals, number)
    assert len(later) == 1 and later[0] >= arrivals.times[number - 1][0] + wait, later
    assert 'not read' not in result.entries[-1]['HumanReadable'], result.entries[-1]


# What a follow or by-hand line says while the vendor's wait runs: "after <time> UTC (in N s, as ... Retry-After)"
WHEN_IT_MAY_BE_RUN = r'after [^(]+ UTC \(in ([0-9]+) s[^)]*Retry-After\)'


def left_of_the_wait(tenant, room, arrivals) -> float:
    """What is left of the vendor's wait (the injected 429's Retry-After) as the last entry is written."""
    return arrivals.times[injected(tenant) - 1][0] + LONGER_THAN_A_RUN_S - room.clock()


def test_the_follow_line_of_a_polling_that_ends_while_cortex_xdr_s_wait_runs_says_when_it_may_be_run(xdr_on_clock):
    tenant, room, arrivals = xdr_on_clock
    # The first check meets a wait past the 120 s of polling: the last check, at the timeout, cannot read the status
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('restore-file', {'file_hash': sorted(seed_holders())[0], 'timeout_in_seconds': '120'})

    last = result.entries[-1]
    assert not result.failed and 'Polling ended' in last['HumanReadable'], last
    [record] = last['EntryContext'].values()
    left = left_of_the_wait(tenant, room, arrivals)
    for text, command in ((last['HumanReadable'], ' with `!restore-file '), (record['error'], ' with !restore-file ')):
        said = re.search(WHEN_IT_MAY_BE_RUN + command, text)  # the entry's line a code span, the record's plain
        assert said and left <= int(said[1]) <= left + 1, (left, text)


def test_a_status_check_by_hand_throttled_while_cortex_xdr_s_wait_runs_says_when_it_may_be_run_again(xdr_on_clock):
    tenant, room, arrivals = xdr_on_clock
    file_hash = sorted(seed_holders())[0]
    start = room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'})
    action_id = start.entries[-1]['Contents']['action_id']
    # The check run by hand meets Cortex XDR's throttling past what one run may wait: it cannot read the status
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    check = room.run('restore-file', {'file_hash': file_hash, 'action_id': json.dumps([action_id]),
                                      'polling': 'false'})

    [record] = check.entries[-1]['EntryContext'].values()
    text = record['error']
    assert 'not read' in text and 'run the same command again' in text, text
    left = left_of_the_wait(tenant, room, arrivals)
    said = re.search(r'run the same command again, ' + WHEN_IT_MAY_BE_RUN, text)
    assert said and left <= int(said[1]) <= left + 1, (left, text)
    assert said[0] in check.entries[-1]['HumanReadable'], check.entries[-1]['HumanReadable']


# README, "Polling never gives up early": the next step each check's error names, by the kind of check: "the next check
# reads it again", "until the last check (whose `error` says that polling ended, and how to follow the action)" (its
# record's line ends in the follow command), or a check by hand's "run the same command again": after the wait.
NEXT_STEPS = {'a polling check': 'the next check reads it again', 'the last check': 'polling ended',
              'a check by hand': 'run the same command again, after'}


@pytest.mark.parametrize('kind', NEXT_STEPS)
def test_a_throttled_status_read_s_error_in_contents_names_the_next_step(xdr_on_clock, kind):
    tenant, room, arrivals = xdr_on_clock
    file_hash = sorted(seed_holders())[0]
    # Contents holds each status reply, or the error of the read that failed: what a playbook reads of the check
    if kind != 'a check by hand':  # the restore goes through; a check's status read meets the 429: the first, or the
        # last one of 25 s of polling (at 20 s), after a check that read it
        plan, timeout, which = ('ok,429', '600', 1) if kind == 'a polling check' else ('ok,ok,429', '25', -1)
        tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={plan};retry-after={LONGER_THAN_A_RUN_S}'))
        check = room.run('restore-file', {'file_hash': file_hash, 'timeout_in_seconds': timeout}).entries[which]
    else:
        start = room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'})
        tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))
        check = room.run('restore-file', {'file_hash': file_hash, 'polling': 'false', 'action_id': json.dumps(
            [start.entries[-1]['Contents']['action_id']])}).entries[-1]

    assert injected(tenant) and bool(check.get('PollingCommand')) == (kind == 'a polling check'), check
    error = check['Contents']['error']
    assert 'not read' in error and '429' in error and NEXT_STEPS[kind] in error, error
    assert kind == 'a polling check' or 'next check' not in error, error
    assert kind != 'the last check' or f'!restore-file file_hash={file_hash}' in check['HumanReadable'], check


@pytest.fixture
def hss_on_clock(monkeypatch):
    clock = FakeClock()
    moved = integration_on_clock(monkeypatch, clock)
    # HSS's own clock (its Date, its update_time) moves with the test clock too, as the integration's does
    tenant = start_hss_tenant(stage_seconds=10.0, clock=clock, wall_clock=moved.time)
    arrivals = TimedArrivals(create_hss_app(tenant.gateway), clock)
    front = LoopbackServer(arrivals).start()
    room = WarRoom(params=tenant.params('aksk', hss_endpoint=front.url), sleep=clock.advance, clock=clock)
    yield tenant, room, arrivals
    front.stop()
    tenant.stack.close()


def test_an_hss_check_throttled_longer_than_a_run_may_wait_puts_off_the_next_check_until_the_wait_has_passed(
        hss_on_clock):
    tenant, room, arrivals = hss_on_clock
    copy = OFFLINE['isolated_files'][0]
    # An exact item: the start sends the PUT alone, which goes through; the first check's listing meets the 429.
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('hss-restore-isolated', {'host_id': OFFLINE['host_id'], 'file_hash': copy['file_hash'],
                                               'file_path': copy['file_path'], 'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    number = injected(tenant)
    throttled_at = arrivals.times[number - 1][0]
    later = after(arrivals, number)
    assert later and min(later) >= throttled_at + LONGER_THAN_A_RUN_S, (throttled_at, later)
    # the check that met it schedules the next one once the wait has passed, not an interval later, and says why
    [put_off] = [entry for entry in result.entries if 'Retry-After' in entry['HumanReadable']
                 and 'PollingCommand' in entry]
    assert int(put_off['NextRun']) >= LONGER_THAN_A_RUN_S - 1, put_off  # the run itself takes a moment of the wait


def test_an_hss_start_throttled_longer_than_a_run_may_wait_puts_off_its_first_check_until_the_wait_has_passed(
        hss_on_clock):
    tenant, room, arrivals = hss_on_clock
    room.params['max_concurrency'] = '1'  # one batch after the other: the test clock is moved by one thread
    # One exact item past what one PUT holds (facts.HSS_MAX_ITEMS_PER_REQUEST): two PUTs; the first goes through, the
    # second meets the 429.
    added = tenant.backend.add_isolated_files(OFFLINE['host_id'], facts.HSS_MAX_ITEMS_PER_REQUEST + 1)
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('hss-restore-isolated', {
        **{name: json.dumps([item[name] for item in added]) for name in ('host_id', 'file_hash', 'file_path')},
        'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    first = result.entries[0]
    assert 'PollingCommand' in first and 'Retry-After' in first['HumanReadable'], first
    assert int(first['NextRun']) >= LONGER_THAN_A_RUN_S - 1, first  # the first check is scheduled once it has passed
    number = injected(tenant)
    later = after(arrivals, number)
    assert later and min(later) >= arrivals.times[number - 1][0] + LONGER_THAN_A_RUN_S, later


# A hash every isolated copy of which is on a healthy host (agent online, restores succeed): a restore of it ends
# restored
HEALTHY_HASH, HEALTHY_COPIES = next((file_hash, copies) for file_hash, copies in sorted(hss_seed_copies().items())
                                    if all(copy['healthy'] for copy in copies))


def puts(arrivals: TimedArrivals) -> list[float]:
    """When each restore (a PUT) reached HSS."""
    return [when for when, method, _ in arrivals.times if method == 'PUT']


def assert_restored(tenant, copies: list[dict]) -> None:
    for copy in copies:
        assert tenant.backend.isolation_status(copy['host_id'], copy['file_hash'], copy['file_path']) == 'restored'


def test_an_hss_start_whose_listing_is_throttled_longer_than_a_run_may_wait_starts_again_once_the_wait_has_passed(
        hss_on_clock):
    tenant, room, arrivals = hss_on_clock
    # The start's listing of isolated copies meets the 429: nothing was sent to restore yet.
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    first = result.entries[0]
    assert 'PollingCommand' in first and 'Retry-After' in first['HumanReadable'], first
    assert int(first['NextRun']) >= LONGER_THAN_A_RUN_S - 1, first  # the run itself takes a moment of the wait
    throttled_at = arrivals.times[injected(tenant) - 1][0]
    later = after(arrivals, injected(tenant))
    assert later and min(later) >= throttled_at + LONGER_THAN_A_RUN_S, (throttled_at, later)
    assert len(puts(arrivals)) == -(-len(HEALTHY_COPIES) // 100)  # sent once, after the wait
    assert_restored(tenant, HEALTHY_COPIES)
    assert 'restored' in result.entries[-1]['HumanReadable']


def test_an_hss_start_whose_every_restore_is_throttled_longer_than_a_run_may_wait_sends_them_once_the_wait_has_passed(
        hss_on_clock):
    tenant, room, arrivals = hss_on_clock
    copy = HEALTHY_COPIES[0]
    # An exact item: no listing, its one PUT meets the 429, so HSS took nothing.
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('hss-restore-isolated', {'host_id': copy['host_id'], 'file_hash': copy['file_hash'],
                                               'file_path': copy['file_path'], 'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    first = result.entries[0]
    assert 'PollingCommand' in first and 'Retry-After' in first['HumanReadable'], first
    [refused, *sent] = puts(arrivals)
    assert len(sent) == 1 and sent[0] >= refused + LONGER_THAN_A_RUN_S, (refused, sent)
    assert_restored(tenant, [copy])


def test_an_hss_start_put_off_at_its_listing_says_no_restore_request_was_sent(hss_on_clock):
    tenant, room, arrivals = hss_on_clock
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    put_off = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'},
                       follow_polling=False).entries[-1]

    text = put_off['HumanReadable']
    assert put_off.get('PollingCommand') and puts(arrivals) == [], put_off
    assert 'listing of isolated copies' in text and 'no restore request was sent' in text.lower(), text
    assert 'nothing is lost or restored twice' in text, text


def test_an_hss_start_put_off_before_hss_took_anything_writes_no_records_to_context(hss_on_clock):
    tenant, room, arrivals = hss_on_clock
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'},
                      follow_polling=False)

    put_off = result.entries[-1]
    assert put_off.get('PollingCommand') and puts(arrivals) == [], put_off
    # Nothing restored, nothing to record: as CommonServerPython's CommandResults, no EntryContext, not an empty list
    assert 'EntryContext' not in put_off, put_off
    assert get_path(result.context, 'HuaweiHSS.RestoredFile') is None, result.context


@pytest.mark.parametrize('items', [1, facts.HSS_MAX_ITEMS_PER_REQUEST + 1], ids=['one PUT', 'two batches'])
def test_an_hss_start_put_off_by_its_puts_refused_says_hss_refused_those_that_reached_it_not_that_nothing_was_sent(
        hss_on_clock, items):
    tenant, room, arrivals = hss_on_clock
    room.params['max_concurrency'] = '1'  # one batch after the other: the second waits for the first's throttle
    added = tenant.backend.add_isolated_files(OFFLINE['host_id'], items)
    # Exact items: no listing; the first PUT meets the 429, past what one run may wait, so a second batch gets no turn
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    put_off = room.run('hss-restore-isolated', {
        **{name: json.dumps([item[name] for item in added]) for name in ('host_id', 'file_hash', 'file_path')},
        'timeout_in_seconds': '600'}, follow_polling=False).entries[-1]

    text = put_off['HumanReadable']
    assert put_off.get('PollingCommand') and len(puts(arrivals)) == 1, (put_off, arrivals.times)
    assert 'HSS refused the 1 restore request that reached it' in text, text  # one PUT, as asserted above
    assert 'nothing was sent' not in text.lower() and 'before it sent anything' not in text, text
    assert 'nothing is lost or restored twice' in text, text


@pytest.mark.parametrize('exact', [False, True], ids=['listing throttled', 'its PUT throttled'])
def test_an_hss_start_put_off_counts_the_restore_requests_that_reached_hss_in_its_contents(hss_on_clock, exact):
    tenant, room, arrivals = hss_on_clock
    copy = HEALTHY_COPIES[0]
    # By hash, the listing meets the 429 and no PUT is sent; as an exact item, there is no listing and its PUT meets it.
    asked = {name: copy[name] for name in ('host_id', 'file_hash', 'file_path')} if exact else {
        'file_hash': HEALTHY_HASH}
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    put_off = room.run('hss-restore-isolated', dict(asked, timeout_in_seconds='600'), follow_polling=False).entries[-1]

    assert put_off.get('PollingCommand') and len(puts(arrivals)) == exact, (put_off, arrivals.times)
    assert put_off['Contents']['restore_requests'] == len(puts(arrivals)), put_off['Contents']


@pytest.mark.parametrize('polling, timeout', [('false', 600), ('true', LONGER_THAN_A_RUN_S // 2)],
                         ids=['polling off', 'the wait outlasts the polling time'])
def test_an_hss_start_throttled_with_no_start_to_follow_is_an_error_entry_that_says_what_hss_asked(hss_on_clock,
                                                                                                 polling, timeout):
    tenant, room, arrivals = hss_on_clock
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'polling': polling,
                                               'timeout_in_seconds': str(timeout)})

    assert result.failed and result.runs == 1, result.entries
    assert 'Retry-After' in result.entries[-1]['Contents'] and 'PollingCommand' not in result.entries[-1]
    assert puts(arrivals) == []


def test_an_hss_start_put_off_by_a_throttle_still_ends_its_polling_within_the_timeout_counted_from_the_first_run(
        hss_on_clock):
    tenant, room, arrivals = hss_on_clock
    # its host's agent is offline: the copy stays restoring, polling runs to the end
    copy = OFFLINE['isolated_files'][0]
    timeout = 600
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('hss-restore-isolated', {'host_id': OFFLINE['host_id'], 'file_hash': copy['file_hash'],
                                               'file_path': copy['file_path'], 'timeout_in_seconds': str(timeout)})

    assert not result.failed, result.entries[-1]
    assert 'PollingCommand' not in result.entries[-1] and 'restoring' in result.entries[-1]['HumanReadable']
    first, last = arrivals.times[0][0], arrivals.times[-1][0]
    # not the timeout again from the re-start
    assert len(puts(arrivals)) == 2 and last - first <= timeout, (first, last)


# README: a check waits for its turns "at least 5 s", so that a last check at the timeout still reads a listing
CHECK_READS_LEAST_S = 5


@pytest.mark.parametrize('again_s', [4, 8], ids=['waited out', 'past what it may wait'])
def test_an_hss_start_put_off_to_an_interval_before_the_timeout_schedules_no_check_past_the_timeout(hss_on_clock,
                                                                                                  again_s):
    tenant, room, arrivals = hss_on_clock
    # A 180 s polling: the start's listing is asked to wait 170 s, past what one run may (165 s), which leaves the
    # later start one interval (10 s). That start's listing is throttled again, for again_s: no check that follows it
    # may come past the timeout, but for the 5 s a check's reads get.
    timeout, first_wait = 180, 170
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={first_wait}'))

    def throttled_again_after_the_first_run(seconds: float) -> None:  # the war room's wait before the later start
        room.clock.advance(seconds)
        if len(arrivals.times) == 1:
            tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={again_s}'))

    room.sleep = throttled_again_after_the_first_run
    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': str(timeout)})

    first = arrivals.times[0][0]
    assert all(when - first <= timeout + CHECK_READS_LEAST_S for when, _, _ in arrivals.times), arrivals.times
    assert 'PollingCommand' not in result.entries[-1], result.entries[-1]
    if result.failed:  # the later start could not wait out HSS's wait and still leave an interval: it says so
        assert puts(arrivals) == [] and 'Retry-After' in result.entries[-1]['Contents'], result.entries[-1]
    else:  # sent once, after HSS's second wait, and followed by a check
        assert len(puts(arrivals)) == 1 and 'after' in result.entries[-1]['HumanReadable'], result.entries


def test_an_hss_start_put_off_whose_later_start_comes_past_the_polling_time_waits_for_its_put_as_long_as_a_run_may(
        hss_on_clock):
    tenant, room, arrivals = hss_on_clock
    copy = HEALTHY_COPIES[0]
    # An exact item: its PUT meets a 429 past what one run may wait, so the start is put off. XSOAR runs the later start
    # late, past the polling time: no check can follow it in time, so it is the last chance, and its PUT, throttled
    # again for 2 minutes (README: one run waits at most 165 s), waits for its turn as long as a run may, not 5 s.
    timeout, late_s, again_s = 600, 300, 120
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    def late_and_throttled_again(seconds: float) -> None:  # the war room's wait before the later start, made late
        room.clock.advance(seconds + (late_s if len(arrivals.times) == 1 else 0))
        if len(arrivals.times) == 1:
            tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={again_s}'))

    room.sleep = late_and_throttled_again
    result = room.run('hss-restore-isolated', {'host_id': copy['host_id'], 'file_hash': copy['file_hash'],
                                               'file_path': copy['file_path'], 'timeout_in_seconds': str(timeout)})

    first, late, *sent = puts(arrivals)
    assert late - first >= timeout, (first, late)  # the later start came past the polling time
    assert len(sent) == 1 and sent[0] >= late + again_s, (late, sent)  # sent in the same run, after HSS's wait
    assert not result.failed, result.entries[-1]
    assert_restored(tenant, [copy])


@pytest.mark.parametrize('later_s', [1, 60], ids=['still restoring', 'restored by then'])
def test_an_hss_start_put_off_whose_copies_another_run_restored_meanwhile_reports_them_as_hss_lists_them(
        hss_on_clock, later_s):
    tenant, room, arrivals = hss_on_clock
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))
    put_off = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'},
                       follow_polling=False).entries[-1]
    assert put_off.get('PollingCommand') and puts(arrivals) == [], put_off
    # Meanwhile, once HSS's wait has passed (no run of the instance sends before), another run restores the same
    # copies (the on-close script's, without polling)
    room.sleep(LONGER_THAN_A_RUN_S)
    other = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'polling': 'false'})
    assert not other.failed and len(puts(arrivals)) == -(-len(HEALTHY_COPIES) // 100), other.entries
    room.sleep(later_s)  # the emulator's agents finish a restore in stage_seconds (10 s)

    restarted = room.run(put_off['PollingCommand'], put_off['PollingArgs'], follow_polling=False).entries[-1]

    assert len(puts(arrivals)) == -(-len(HEALTHY_COPIES) // 100), 'nothing is sent twice'
    rows = restarted['EntryContext'][next(iter(restarted['EntryContext']))]
    by_copy = {(row.get('host_id'), row.get('file_path')): row['outcome'] for row in rows}
    assert by_copy == {(copy['host_id'], copy['file_path']): tenant.backend.isolation_status(
        copy['host_id'], copy['file_hash'], copy['file_path']) for copy in HEALTHY_COPIES}, rows
    assert 'not_found' not in restarted['HumanReadable'] and 'another restore' in restarted['HumanReadable']


@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
@pytest.mark.parametrize('later_s', [1, 60], ids=['still restoring', 'restored by then'])
def test_the_checks_after_an_hss_start_put_off_report_a_copy_another_run_took_meanwhile_as_hss_lists_it_not_not_found(
        hss_on_clock, later_s, by):
    tenant, room, arrivals = hss_on_clock
    # Two copies on a healthy host, each of its own hash and path: the restore asks for both, by hash or by path
    taken, left = tenant.backend.add_isolated_files(HEALTHY_COPIES[0]['host_id'], 2)
    asked = {'file_hash': json.dumps([taken['file_hash'], left['file_hash']])} if by == 'file_hash' else {
        'host_id': json.dumps([taken['host_id'], left['host_id']]),
        'file_path': json.dumps([taken['file_path'], left['file_path']])}
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))
    put_off = room.run('hss-restore-isolated', dict(asked, timeout_in_seconds='600'), follow_polling=False).entries[-1]
    assert put_off.get('PollingCommand') and puts(arrivals) == [], put_off
    # Meanwhile, once HSS's wait has passed (no run of the instance sends before), another run restores the first copy
    # alone (the on-close script's, without polling)
    room.sleep(LONGER_THAN_A_RUN_S)
    other = room.run('hss-restore-isolated', {'file_hash': taken['file_hash'], 'polling': 'false'})
    assert not other.failed and len(puts(arrivals)) == 1, other.entries
    room.sleep(later_s)  # the emulator's agents finish a restore in stage_seconds (10 s)

    # The restart sends the other copy, and its checks follow it until HSS lists it restored
    restarted = room.run(put_off['PollingCommand'], put_off['PollingArgs'])

    assert not restarted.failed and len(puts(arrivals)) == 2, restarted.entries
    assert restarted.runs > 1, 'a check followed the restart'
    assert_restored(tenant, [taken, left])
    for entry in restarted.entries:  # no run of it calls the copy another run took not_found
        rows = entry['EntryContext'][next(iter(entry['EntryContext']))]
        assert all(row['outcome'] != 'not_found' for row in rows), (entry['HumanReadable'], rows)
    rows = room.context['HuaweiHSS']['RestoredFile']
    assert all(row['outcome'] != 'not_found' for row in rows), rows
    assert {(row.get('host_id'), row.get('file_hash'), row.get('file_path')) for row in rows} == {
        (copy['host_id'], copy['file_hash'], copy['file_path']) for copy in (taken, left)}, rows


def test_a_follow_command_given_while_hss_s_wait_runs_says_when_it_may_be_run(hss_on_clock):
    tenant, room, arrivals = hss_on_clock
    copy = OFFLINE['isolated_files'][0]
    start = room.run('hss-restore-isolated', {'host_id': OFFLINE['host_id'], 'file_hash': copy['file_hash'],
                                              'file_path': copy['file_path'], 'polling': 'false'})
    follow = start.entries[-1]['Contents']['follow_commands'][0]
    # The check run by hand meets HSS's throttling past what one run may wait: it cannot read the listing
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    line = parse_line(follow)
    check = room.run(line.command, dict(line.args, polling='false'))

    text = check.entries[-1]['HumanReadable']
    assert 'not read' in text and follow in text, text
    throttled_at = arrivals.times[injected(tenant) - 1][0]
    left = throttled_at + LONGER_THAN_A_RUN_S - room.clock()  # what is left of HSS's wait as the entry is written
    said = re.search(r'To follow the restore, after [^(]+ UTC \(in ([0-9]+) s[^)]*Retry-After\): ', text)
    assert said and left <= int(said[1]) <= left + 1, (left, text)


def test_an_hss_start_put_off_by_a_throttle_whose_later_start_fails_writes_no_records(hss_on_clock):
    tenant, room, arrivals = hss_on_clock
    # The start's listing meets the 429 (put off until HSS's wait has passed); the later start's listing meets a 503
    # past what the retries of one request may wait: it sends nothing, so it has no row to write.
    tenant.gateway.inject_faults(FaultPlan.parse(
        f'sequence=429,503;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'})

    assert result.failed and result.runs == 2, result.entries
    assert 'PollingCommand' in result.entries[0] and puts(arrivals) == [], result.entries
    last = result.entries[-1]
    assert last['Type'] == facts.ENTRY_ERROR and '503' in last['Contents'], last
    assert 'EntryContext' not in last, last  # an error entry writes no records, not an empty list of them
    assert get_path(result.context, 'HuaweiHSS.RestoredFile') is None, result.context


@pytest.mark.parametrize('kind', ['503', '503-html'])
def test_an_hss_start_a_503_asked_to_wait_longer_than_a_run_may_says_when_to_try_again(hss_on_clock, kind):
    tenant, room, arrivals = hss_on_clock
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={kind};retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'})

    assert result.failed and result.runs == 1 and puts(arrivals) == [], result.entries
    text = result.entries[-1]['Contents']
    left = arrivals.times[injected(tenant, kind) - 1][0] + LONGER_THAN_A_RUN_S - room.clock()
    said = re.search(WHEN_IT_MAY_BE_RUN, text)
    assert said and left <= int(said[1]) <= left + 1, (left, text)



@pytest.mark.parametrize('items', [1, facts.HSS_MAX_ITEMS_PER_REQUEST + 1], ids=['one batch', 'two batches'])
def test_an_hss_start_whose_every_batch_meets_a_503_asked_to_wait_past_a_run_says_once_what_later_means(hss_on_clock,
                                                                                                     items):
    # Exact items on the offline host, without polling: each PUT meets a 503 whose Retry-After outlasts the run (or,
    # one batch after the other, the second gets no turn before the run ends), so HSS took none. Each batch's reason
    # says to try (or run the command) again later; the error's last sentence says when that "later" is, not a second
    # instruction ("Try again, after").
    tenant, room, arrivals = hss_on_clock
    room.params['max_concurrency'] = '1'  # one batch after the other: the test clock is moved by one thread
    added = tenant.backend.add_isolated_files(OFFLINE['host_id'], items)
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=503*2;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('hss-restore-isolated', {
        **{name: json.dumps([item[name] for item in added]) for name in ('host_id', 'file_hash', 'file_path')},
        'polling': 'false'})
    text = result.entries[-1]['Contents']

    noun = 'item' if items == 1 else 'items'
    assert result.failed and f'none of the {items} {noun} to send' in text and ' again later' in text, text
    said = re.search(r'\. Later means ' + WHEN_IT_MAY_BE_RUN + r'\.$', text)
    left = arrivals.times[injected(tenant, '503') - 1][0] + LONGER_THAN_A_RUN_S - room.clock()
    assert said and left <= int(said[1]) <= left + 1 and 'Try again,' not in text, (left, text)
    assert text.count('Later means') == 1, text
    assert all(tenant.backend.isolation_status(item['host_id'], item['file_hash'], item['file_path']) == 'isolated'
               for item in added)

# Without polling no later run of the command comes: a throttle whose Retry-After outlasts what one run may wait ends
# the run in an error entry, which says when to run it again (what is left of the wait, as the vendor asked), once, and
# nothing was sent. HSS's start meets it at its listing (a restore by hash) or at its restore (an exact item).
RESTORES = {
    'restore-file': lambda: {'file_hash': sorted(seed_holders())[0]},
    'hss-restore-isolated by hash': lambda: {'file_hash': HEALTHY_HASH},
    'hss-restore-isolated exact item': lambda: {name: HEALTHY_COPIES[0][name]
                                                for name in ('host_id', 'file_hash', 'file_path')},
}


def throttled_restore(request, how: str):
    """The tenant, war room and arrivals of the vendor ``how`` names, and the arguments of its restore."""
    command = how.split()[0]
    tenant, room, arrivals = request.getfixturevalue(f'{"xdr" if command == "restore-file" else "hss"}_on_clock')
    return command, tenant, room, arrivals, RESTORES[how]()


def nothing_taken(tenant) -> bool:
    """No restore action in Cortex XDR, or every copy HSS had isolated still isolated."""
    if hasattr(tenant.backend, 'actions'):
        return not tenant.backend.actions
    return all(tenant.backend.isolation_status(copy['host_id'], copy['file_hash'], copy['file_path']) == 'isolated'
               for copy in HEALTHY_COPIES)


@pytest.mark.parametrize('how', sorted(RESTORES))
def test_a_run_without_polling_throttled_past_what_a_run_may_wait_says_once_when_to_run_it_again(request, how):
    command, tenant, room, arrivals, args = throttled_restore(request, how)
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run(command, {**args, 'polling': 'false'})

    last = result.entries[-1]
    assert result.failed and result.runs == 1 and last['Type'] == facts.ENTRY_ERROR, result.entries
    said = re.search(r'\b(?:Try again,|Later means) ' + WHEN_IT_MAY_BE_RUN + r'\.$', last['Contents'])
    left = left_of_the_wait(tenant, room, arrivals)
    assert said and left <= int(said[1]) <= left + 1, (left, last['Contents'])
    assert len(re.findall(r'\bagain\b', last['Contents'])) == 1, last['Contents']  # "again later", or "again, after"
    assert nothing_taken(tenant)  # nothing was restored


@pytest.mark.parametrize('how', sorted(RESTORES))
def test_a_run_throttled_past_its_wait_says_to_run_it_again_later_and_then_what_later_means(request, how):
    # README (hss-restore-isolated, as restore-file's 429): it says "to run the command again later (and when "later"
    # is: what is left of the wait)": the advice's "later", then the sentence that says when it is, last.
    command, tenant, room, arrivals, args = throttled_restore(request, how)
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    text = room.run(command, {**args, 'polling': 'false'}).entries[-1]['Contents']

    said = re.search(r'\bRun the command again later\b.*\. Later means ' + WHEN_IT_MAY_BE_RUN + r'\.$', text, re.S)
    assert said, text


def test_a_run_of_several_files_none_started_as_throttled_past_its_wait_says_once_what_later_means(xdr_on_clock):
    # restore-file of two files without polling: Cortex XDR throttles the restores past what a run waits (the second
    # throttled too, or given no turn after the first), so none is started and the error gives each reason once, each
    # saying to run the command again later. As for one file, the last sentence says when that "later" is, not a
    # second instruction ("Try again, after").
    tenant, room, arrivals = xdr_on_clock
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429*2;retry-after={LONGER_THAN_A_RUN_S}'))
    hashes = sorted(seed_holders())[:2]

    result = room.run('restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})
    text = result.entries[-1]['Contents']

    assert result.failed and all(file_hash in text for file_hash in hashes) and nothing_taken(tenant), text
    said = re.search(r'\bRun the command again later\b.* Later means ' + WHEN_IT_MAY_BE_RUN + r'\.$', text, re.S)
    assert said and 0 < int(said[1]) <= LONGER_THAN_A_RUN_S and 'Try again' not in text, text
    assert text.count('Later means') == 1, text


def test_a_polling_whose_checks_start_none_of_several_files_as_throttled_ends_saying_once_what_later_means(
        xdr_on_clock):
    # The same two files, polling: every restore sent, by the first run or a check, meets Cortex XDR's throttling past
    # what a run waits, so the last check ends polling with none started, each reason once. Its error's last sentence
    # says when the "later" of those reasons is, not a second instruction ("Try again, after").
    tenant, room, arrivals = xdr_on_clock
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429*40;retry-after={LONGER_THAN_A_RUN_S}'))
    hashes = sorted(seed_holders())[:2]
    timeout = str(2 * LONGER_THAN_A_RUN_S)  # a check after the first wait, and the wait it meets past the last

    result = room.run('restore-file', {'file_hash': ','.join(hashes), 'timeout_in_seconds': timeout})
    text = result.entries[-1]['Contents']

    assert result.failed and result.runs > 1 and all(h in text for h in hashes) and nothing_taken(tenant), text
    said = re.search(r'\bRun the command again later\b.* Later means ' + WHEN_IT_MAY_BE_RUN + r'\.$', text, re.S)
    assert said and 0 < int(said[1]) <= LONGER_THAN_A_RUN_S and 'Try again' not in text, text
    assert text.count('Later means') == 1, text


def test_a_polling_whose_check_meets_the_throttle_again_with_too_little_time_left_says_once_to_run_it_again(
        xdr_on_clock):
    # One file, polling: the first run's restore is throttled past what a run waits, so its check sends it, and meets
    # the throttle again with too little polling time left to send it later. The error says what to do once (the
    # advice's "run the command again later", then when that later is), not again as "run restore-file again".
    tenant, room, arrivals = xdr_on_clock
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429*40;retry-after={LONGER_THAN_A_RUN_S}'))

    result = room.run('restore-file', {'file_hash': sorted(seed_holders())[0],
                                       'timeout_in_seconds': str(2 * LONGER_THAN_A_RUN_S)})
    text = result.entries[-1]['Contents']

    assert result.failed and result.runs > 1 and nothing_taken(tenant), text
    said = re.search(r'\bRun the command again later\b.* Later means ' + WHEN_IT_MAY_BE_RUN + r'\.$', text, re.S)
    assert said and len(re.findall(r'\bagain\b', text)) == 1, text


@pytest.mark.parametrize('reworded', ['Run the command once the wait has passed.', 'Wait, then run the command.'])
def test_what_the_end_of_the_wait_is_called_does_not_hang_on_how_the_throttling_advice_is_worded(
        request, monkeypatch, reworded):
    # Cortex XDR throttles a restore-file run without polling past what a run waits. Its error's last sentence says
    # when that wait ends as what the advice's "later" means; advice worded otherwise (a translation, a rewrite) still
    # says to run the command again once the vendor's wait has passed, and the sentence after it must not turn into a
    # second, different instruction ("Try again, after").
    command, tenant, room, arrivals, args = throttled_restore(request, 'restore-file')
    monkeypatch.setitem(ri.XDR_ERROR_ADVICE, 429, f'Cortex XDR is rate limiting this tenant. {reworded}')
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))

    text = room.run(command, {**args, 'polling': 'false'}).entries[-1]['Contents']

    assert reworded in text and re.search(r'\. Later means ' + WHEN_IT_MAY_BE_RUN + r'\.$', text), text
    assert 'Try again' not in text, text


# integration.yml: timeout_in_seconds is the "Seconds after which polling stops": without polling it lets no run wait
# longer. Advice that names it after a throttle says to poll with it, and doing so sends the restore once the wait
# has passed (the vendor still throttling the new run's first request as it asked: the plan's second 429; HSS's first
# wait, kept by the instance, puts that request off until it has passed). Both commands poll so (integration.yml:
# polling, timeout_in_seconds), and both say so.
@pytest.mark.parametrize('how', sorted(RESTORES))
def test_a_run_without_polling_throttled_past_a_run_advises_a_larger_timeout_only_with_polling_which_sends_it(
        request, how):
    command, tenant, room, arrivals, args = throttled_restore(request, how)
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429*2;retry-after={LONGER_THAN_A_RUN_S}'))

    refused = room.run(command, {**args, 'polling': 'false'}).entries[-1]['Contents']
    ours = re.sub(r' said: .*?(?=\. [A-Z])', '', refused)  # the integration's own words, the vendor's left out
    naming = [sentence for sentence in re.split(r'(?<=\.) ', ours) if 'timeout_in_seconds' in sentence]
    assert naming and all('polling=true' in sentence for sentence in naming), ours
    assert nothing_taken(tenant)
    again = room.run(command, {**args, 'polling': 'true', 'timeout_in_seconds': str(3 * LONGER_THAN_A_RUN_S)})

    assert not again.failed, again.entries[-1]
    second = [record.number for record in tenant.gateway.faults.injected if record.kind == '429'][-1]
    wait_ends = arrivals.times[second - 1][0] + LONGER_THAN_A_RUN_S
    if command == 'restore-file':
        assert len(tenant.backend.actions) == 1  # sent once, by the polling run, after Cortex XDR's wait
        assert min(after(arrivals, second)) >= wait_ends
    else:
        sent = [when for when, method, _ in arrivals.times[second:] if method == 'PUT']
        assert sent and min(sent) >= wait_ends, (wait_ends, sent)  # sent after HSS's wait
        assert_restored(tenant, HEALTHY_COPIES[:1] if 'host_id' in args else HEALTHY_COPIES)
