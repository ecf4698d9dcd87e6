"""hss-restore-isolated follows each copy it sent until HSS lists it restored, isolated again, or the timeout
passes: over HTTP to the HSS emulator, whose hosts take their own time (test_data/hss/tenant.json), on a clock
the war room's waits move."""
from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import datetime, timezone

import pytest

import facts
from commonmark_reading import as_commonmark_reads, emphasis_pairs
from conftest import (HSS_REPLIES, HSS_SEED, ROOT, Asked, FakeClock, InFlight, WaitClock as Clock, cached_token,
                      integration_on_clock, load_json, markdown_rows, start_hss_tenant)
from warroom.context import as_list, get_path
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss import create_app as create_hss_app
from warroom.emulator.hss.exceptions import HssError, InvalidParameter
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.line import parse_line
from warroom.playbook.runner import _load_script
from warroom.runtime import WarRoom
from warroom.spec import load_spec
from test_fault_plan_properties import run_timed  # each run's start and end on the test clock
from test_run_limit import LATE, RunClock, SlowHss

GATE = _load_script('QuarantineRestoreReputationGate')  # its check of copies an earlier restore left restoring
STAGE_SECONDS = 10.0  # one emulator stage: the hosts' restore times are counted in them
HOSTS = {host['host_name']: host for host in load_json(HSS_SEED)['hosts']}
UPDATER = HOSTS['app-05']['isolated_files'][0]['file_hash']  # isolated on hosts of every kind
OFFLINE = next(h for h in HOSTS.values() if h.get('agent_status') == 'offline')
FAILING = next(h for h in HOSTS.values() if h.get('restore_fails'))
SLOW = max((h for h in HOSTS.values() if h.get('agent_status', 'online') == 'online' and not h.get('restore_fails')),
           key=lambda h: h.get('restore_stages', 1))


@pytest.fixture
def clocked(monkeypatch, request):
    # A test may ask for another kind of clock (parametrized indirectly): RunClock, which real time moves too
    clock = getattr(request, 'param', Clock)()
    # One clock for all: HSS's restores, its Date and update_time, and the integration's wall clock and waits
    moved = integration_on_clock(monkeypatch, clock)
    tenant = start_hss_tenant(stage_seconds=STAGE_SECONDS, clock=clock, wall_clock=moved.time)
    yield tenant, clock
    tenant.stack.close()


def room(tenant, clock, **params):
    return WarRoom(params=tenant.params('aksk', **params), time_scale=1, sleep=clock.sleep)


def listed_rows(result):
    return as_list(get_path(result.context, 'HuaweiHSS.RestoredFile'))


def rows_of(result):
    return {row['host_id']: row for row in listed_rows(result)}


def copies_of(file_hash):
    return {h['host_id']: h for h in HOSTS.values() for f in h.get('isolated_files') or ()
            if f['file_hash'] == file_hash and f.get('isolation_status', 'isolated') == 'isolated'}


def test_each_copy_is_followed_to_its_end_restored_restoring_or_failed(clocked):
    tenant, clock = clocked

    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': UPDATER, 'timeout_in_seconds': '120'})

    assert not result.failed, result.entries[-1]
    rows = rows_of(result)
    # every copy, one row each (the checks update it in place: no second row of a copy), none other
    seeded = sorted((host_id, f['file_path']) for host_id, host in copies_of(UPDATER).items()
                    for f in host['isolated_files'] if f['file_hash'] == UPDATER)
    assert sorted((row['host_id'], row['file_path']) for row in listed_rows(result)) == seeded
    for host_id, row in rows.items():
        host = copies_of(UPDATER)[host_id]
        if host.get('agent_status') == 'offline':
            assert row['outcome'] == 'restoring'
            # how to follow it: the command the entry gives once, below its table (not on each row)
            assert 'online' in row['reason'] and 'follow_commands' in row['reason']
            assert f'agent of {host["host_name"]} is online' in row['reason']  # by the name the console shows
            [follow] = result.entries[-1]['Contents']['follow_commands']
            assert 'restore_state=' in follow and result.entries[-1]['HumanReadable'].count(follow) == 1
        elif host.get('restore_fails'):
            assert row['outcome'] == 'failed' and 'isolated again' in row['reason']
        else:
            assert row['outcome'] == 'restored' and not row.get('reason')
        status = tenant.backend.isolation_status(host_id, UPDATER)
        assert status == {'restoring': 'restoring', 'failed': 'isolated', 'restored': 'restored'}[row['outcome']]
    # the offline host kept it polling to the timeout; nothing was sent twice
    assert result.runs == 120 // 10 + 1
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1


def test_a_slow_host_is_polled_until_its_agent_is_done(clocked):
    tenant, clock = clocked

    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id']})

    assert [row['outcome'] for row in rows_of(result).values()] == ['restored']
    stages = SLOW.get('restore_stages', 1)
    assert result.runs == 1 + int(stages * STAGE_SECONDS // 10)  # the start, then a check every 10 s until done
    progress = [e['HumanReadable'] for e in result.entries[1:-1]]
    assert progress and all('restoring' in text and '|' not in text for text in progress)  # one line per poll


def shown_follow_commands(markdown: str) -> list[str]:
    """The hss-restore-isolated lines an entry's markdown gives to run by hand: its code spans holding one, as an
    analyst copies them."""
    return [span for span in as_commonmark_reads(markdown)[0] if span.startswith('!hss-restore-isolated ')]


def test_polling_false_stops_at_restoring_and_the_follow_command_its_entry_shows_finishes_the_job(clocked):
    # No check follows a run with polling=false: the analyst reads in the entry the line that follows the restore.
    tenant, clock = clocked
    started = room(tenant, clock).run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                               'polling': 'false'})
    assert [row['outcome'] for row in rows_of(started).values()] == ['restoring'] and started.runs == 1
    [shown] = shown_follow_commands(started.entries[-1]['HumanReadable'])
    assert started.entries[-1]['Contents']['follow_commands'] == [shown]

    clock.sleep(SLOW.get('restore_stages', 1) * STAGE_SECONDS)
    args = dict(re.findall(r'(\w+)=(\S+)', shown))
    followed = room(tenant, clock).run('hss-restore-isolated', args)

    assert [row['outcome'] for row in rows_of(followed).values()] == ['restored']
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1  # following sends nothing again


def test_the_follow_command_of_a_restore_given_its_enterprise_project_as_a_context_list_reads_back(clocked):
    # A playbook hands a context value as a list of one: the follow line must give the project as the one ID it is.
    tenant, clock = clocked
    started = room(tenant, clock).run('hss-restore-isolated', {
        'file_hash': UPDATER, 'host_id': SLOW['host_id'], 'enterprise_project_id': [SLOW['enterprise_project_id']],
        'polling': 'false'})
    assert not started.failed, started.entries[-1]
    [follow] = started.entries[-1]['Contents']['follow_commands']

    clock.sleep(SLOW.get('restore_stages', 1) * STAGE_SECONDS)
    line = parse_line(follow)
    followed = room(tenant, clock).run(line.command, line.args)

    assert not followed.failed, followed.entries[-1]['Contents']
    assert [row['outcome'] for row in rows_of(followed).values()] == ['restored']


@pytest.mark.parametrize('name', ['host_id', 'file_path', 'file_attr'])
def test_an_argument_a_playbook_hands_as_an_empty_context_list_is_left_out_of_the_follow_command(clocked, name):
    # ${Empty} resolving to an empty list reaches the command as [] (README, "Running them locally"): no value, as the
    # restore read it (every host that holds the hash), so the follow line an analyst reads shows no "name=[]" and,
    # run as shown, follows the same copies to their end.
    tenant, clock = clocked
    started = room(tenant, clock).run('hss-restore-isolated', {'file_hash': UPDATER, name: [], 'polling': 'false'})
    assert not started.failed, started.entries[-1]
    [follow] = started.entries[-1]['Contents']['follow_commands']
    assert follow in started.entries[-1]['HumanReadable']

    line = parse_line(follow)
    assert name not in line.args, follow
    clock.sleep(max(host.get('restore_stages', 1) for host in HOSTS.values()) * STAGE_SECONDS)
    followed = room(tenant, clock).run(line.command, line.args)

    assert not followed.failed, followed.entries[-1]['Contents']
    assert set(rows_of(followed)) == set(rows_of(started)) == set(copies_of(UPDATER))


def test_copies_restored_before_this_restore_are_not_reported_as_its_own(clocked):
    tenant, clock = clocked
    seed_restored = [(h['host_id'], f['file_hash']) for h in HOSTS.values() for f in h.get('isolated_files') or ()
                     if f.get('isolation_status') == 'restored']
    assert seed_restored
    host_id, file_hash = seed_restored[0]

    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': file_hash})

    assert not result.failed, result.entries[-1]
    assert host_id not in rows_of(result)
    assert set(rows_of(result)) == set(copies_of(file_hash))  # the copies it restored are its own, reported


def restored_at(tenant, clock, file_hash, status, state, copies=1):
    """A check without polling, by hash, of ``copies`` copies on h-a HSS lists in ``status`` (their update_time as
    listed, ms, given to ``state``, which returns the restore_state the check is run with)."""
    tenant.backend.add_host('h-a', 'h-a')
    added = tenant.backend.add_isolated_files('h-a', copies, file_hash=file_hash, isolation_status=status)
    [updated] = {copy['update_time'] for copy in added}
    return room(tenant, clock).run('hss-restore-isolated', {
        'file_hash': file_hash, 'polling': 'false', 'restore_state': state(updated)})


# restore_state (README): <accepted>::<checks>, then :<refused batches>:<ms the listing began before accepted>:<sent>
@pytest.mark.parametrize('state, reason', [(lambda updated: f'{updated:013d}::0', ''),
                                           (lambda updated: f'{updated + 5000:013d}::0:0:5000:1', 'back already')],
                         ids=['accepted', 'listing began'])
def test_a_copy_hss_lists_restored_at_the_very_ms_the_restore_was_accepted_or_its_listing_began_is_its_own(
        clocked, state, reason):
    # README: the PUT's Date, less the time since its first attempt, marks the earliest HSS can have acted, and copies
    # whose update_time moved since count as this restore's; one that changed after the start's listing began is given
    # its outcome, restored, with the reason that it was back already. Both are earliest moments (ms): a copy updated
    # at the very moment may be the restore's own, so it is reported restored, not a hash HSS lists no copy of.
    tenant, clock = clocked

    result = restored_at(tenant, clock, 'a1' * 32, 'restored', state)

    assert not result.failed, result.entries[-1]
    [row] = listed_rows(result)
    assert (row['host_id'], row['outcome']) == ('h-a', 'restored'), row
    assert row.get('reason', '') == '' if not reason else reason in row['reason'], row


# The second: accepted 1 ms after the copy's update_time, the listing 5 s before it.
@pytest.mark.parametrize('state', [lambda updated: f'{updated + 5000:013d}::0:0:5000:1',
                                   lambda updated: f'{updated + 1:013d}::0:0:5000:1'],
                         ids=['the very ms the listing began', 'a ms before accepted'])
def test_a_copy_hss_lists_isolated_since_its_listing_began_but_before_it_accepted_is_said_unchanged_since_sent(
        clocked, state):
    # restore_state's listing time is when the start's listing began (README): a copy it listed may change after that
    # (isolated by another event) until HSS accepts the restore, and was sent all the same. HSS lists it isolated,
    # unchanged since then: it did not act on it, so a check no check follows reports it failed, saying so.
    tenant, clock = clocked

    result = restored_at(tenant, clock, 'a2' * 32, 'isolated', state)

    assert not result.failed, result.entries[-1]
    [row] = listed_rows(result)
    assert (row['host_id'], row['outcome']) == ('h-a', 'failed'), row
    assert 'unchanged since this restore was sent' in row['reason'] and 'did not act' in row['reason'], row
    said = result.entries[-1]['HumanReadable']
    assert said.split('\n')[0].endswith(': 0 restored, 0 restoring, 1 failed, 0 not found'), said


def test_copies_hss_lists_isolated_since_the_listing_began_beside_a_refused_batch_are_counted_sent_and_unchanged(
        clocked):
    # 101 copies sent in two batches, HSS refused the second (bit 1, its 1 item): copies still isolated are then
    # counted, not given rows, as no check can tell a refused one from one HSS did not act on. Those that changed after
    # the listing began, before HSS accepted the restore, count as sent and unchanged, as those listed earlier do.
    tenant, clock = clocked

    result = restored_at(tenant, clock, 'a4' * 32, 'isolated', lambda updated: f'{updated + 5000:013d}::0:2:5000:101',
                         101)

    assert not result.failed, result.entries[-1]
    said = result.entries[-1]['HumanReadable']
    assert said.split('\n')[0].endswith(
        ': 0 restored, 0 restoring, 0 failed, 0 not found, 100 sent and still isolated, unchanged'), said
    assert 'At least 100 of the copies this restore sent in the other batches are still isolated' in said, said

@pytest.mark.parametrize('refused, batches', [('a', [2, 4]), ('10', [5])], ids=['batches 2 and 4', 'batch 5'])
def test_a_check_counts_apart_the_items_of_each_batch_its_restore_state_says_hss_refused(clocked, refused, batches):
    # README: restore_state's <refused batches> is hex, a bit per batch of 100 (bit 0 the first). 401 copies sent in 5
    # batches, the last of 1 item: the check counts apart the items of exactly the batches whose bits are set.
    tenant, clock = clocked
    per, sent = facts.HSS_MAX_ITEMS_PER_REQUEST, 4 * facts.HSS_MAX_ITEMS_PER_REQUEST + 1

    result = restored_at(tenant, clock, 'a6' * 32, 'isolated',
                         lambda updated: f'{updated + 5000:013d}::0:{refused}:5000:{sent}', sent)

    apart = sum(min(per, sent - (batch - 1) * per) for batch in batches)
    assert f"Not counted here: {apart:,} of this restore's items" in result.entries[-1]['HumanReadable'], result.entries


def test_a_copy_hss_isolates_while_the_start_lists_and_never_acts_on_is_reported_by_the_check_not_dropped(clocked):
    # README: a copy the start listed isolated that changed after its listing began yet before HSS accepted the
    # restore (isolated by another event, touched by another client: restore_state's <listed> to <accepted>) was sent
    # by this restore. HSS isolates it 1 s into a listing answered in 3 s; every answer to the PUT is lost (504 before
    # HSS saw it). The check lists it isolated, unchanged since it was sent: HSS did not act on it, so it is failed
    # (no check follows), its row saying so and counted, not left out of the table and the counts.
    tenant, clock = clocked
    tenant.backend.add_host('h-a', 'h-a')
    file_hash, path, gateway, listings = 'a3' * 32, '/opt/app/run.bin', create_hss_app(tenant.gateway), []

    def front(request):  # the start's listing takes 3 s, and HSS isolates the file 1 s into it
        if request.method == 'GET' and request.path.endswith('/event/isolated-file') and not listings:
            listings.append(clock.sleep(1))
            tenant.backend.isolate_file('h-a', file_hash, path)
            clock.sleep(2)
        return gateway(request)

    lost = ',ok,'.join(['504'] * (facts.DEFAULT_MAX_RETRIES + 1))  # a listing before each resend: still isolated
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,{lost}'))
    server = LoopbackServer(front).start()
    try:
        started = room(tenant, clock, hss_endpoint=server.url, retry_backoff='0').run(
            'hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
        line = parse_line(started.entries[-1]['Contents']['follow_commands'][0])
        checked = room(tenant, clock, hss_endpoint=server.url).run(line.command, dict(line.args, polling='false'))
    finally:
        server.stop()

    assert [(row['host_id'], row['file_path']) for row in started.entries[0]['Contents']['items']] == [('h-a', path)]
    assert tenant.backend.isolation_status('h-a', file_hash, path) == 'isolated'  # HSS never saw the restore
    [row] = checked.entries[-1]['Contents']['items']
    assert (row['host_id'], row['outcome']) == ('h-a', 'failed'), row
    assert 'unchanged since this restore was sent' in row['reason'] and 'did not act' in row['reason'], row
    said = checked.entries[-1]['HumanReadable']
    assert said.split('\n')[0].endswith(': 0 restored, 0 restoring, 1 failed, 0 not found'), said


def test_a_copy_hss_isolates_after_the_start_listed_its_hash_gets_no_row_saying_it_was_sent(clocked):
    # The start's listing began at restore_state's <listed>: a copy HSS isolates after that listing read its page is
    # one the start never saw, so never sent. HSS lists it isolated at the check, unchanged since before it accepted the
    # restore; the incident's context names the copies sent (h-a's row), so no row says this one was sent and left
    # untouched by HSS (it is no copy of this restore's: the next restore of the hash sends it).
    tenant, clock = clocked
    file_hash, path, gateway, listings = 'a6' * 32, '/opt/app/run.bin', create_hss_app(tenant.gateway), []
    for host in ('h-a', 'h-b'):
        tenant.backend.add_host(host, host)
    tenant.backend.isolate_file('h-a', file_hash, path, minutes_ago=5)

    def front(request):  # HSS isolates the file on h-b 1 s after the start's listing was answered, 2 s before its PUT
        response = gateway(request)
        if request.method == 'GET' and request.path.endswith('/event/isolated-file') and not listings:
            listings.append(clock.sleep(1))
            tenant.backend.isolate_file('h-b', file_hash, path)
            clock.sleep(2)
        return response

    server = LoopbackServer(front).start()
    try:
        incident = room(tenant, clock, hss_endpoint=server.url)  # the check reads the start's rows in its context
        started = incident.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
        line = parse_line(started.entries[-1]['Contents']['follow_commands'][0])
        checked = incident.run(line.command, dict(line.args, polling='false'))
    finally:
        server.stop()

    assert [row['host_id'] for row in started.entries[0]['Contents']['items']] == ['h-a']
    assert tenant.backend.isolation_status('h-b', file_hash, path) == 'isolated'  # never sent
    rows = checked.entries[-1]['Contents']['items']
    assert 'h-b' not in [row['host_id'] for row in rows], [(row['host_id'], row.get('reason')) for row in rows]
    assert 'unchanged since' not in checked.entries[-1]['HumanReadable'], checked.entries[-1]['HumanReadable']


def test_an_unreadable_listing_is_read_again_at_the_next_check(clocked):
    tenant, clock = clocked
    # the listing before the PUT, the PUT, then the first check's listing fails (retries off): read again later
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,ok,500'))

    result = room(tenant, clock, max_retries='0').run('hss-restore-isolated',
                                                      {'file_hash': UPDATER, 'host_id': SLOW['host_id']})

    assert not result.failed, result.entries[-1]
    unread = result.entries[1]['HumanReadable']
    assert 'not read at this check' in unread and '0 restored' not in unread  # no counts of rows it did not read
    assert [row['outcome'] for row in rows_of(result).values()] == ['restored']


def test_the_state_between_polls_stays_small_for_10000_exact_items_and_each_check_lists_the_project_once(clocked):
    tenant, clock = clocked
    host = SLOW['host_id']
    added = tenant.backend.add_isolated_files(host, 10_000)
    args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}

    result = room(tenant, clock, hss_rate_limit='1000', max_concurrency='16').run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    states = [e['PollingArgs']['restore_state'] for e in result.entries if e.get('PollingArgs')]
    assert states and max(len(state) for state in states) < 100
    rows = as_list(get_path(result.context, 'HuaweiHSS.RestoredFile'))
    assert len(rows) == 10_000 and {row['outcome'] for row in rows} == {'restored'}
    listings = [r for r in tenant.requests_to('GET', '/event/isolated-file')]
    statuses = {tuple(r.query.get('isolation_status', ['any'])) for r in listings}
    by_hash = [r for r in listings if 'file_hash' in r.query]
    assert statuses == {('any',)} and by_hash == []  # no listing per hash: 10,000 hashes would be 10,000 of them
    # Each check (every run but the first) reads the project once, paged from offset 0.
    assert len([r for r in listings if r.query.get('offset') == ['0']]) == result.runs - 1


MANY = 100  # exact items of as many hashes: a check of so many lists the project, not each hash (README)


def many_exact_items(tenant, host_id, count):
    added = tenant.backend.add_isolated_files(host_id, count)
    return {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}, added


def test_a_copy_hss_stops_listing_among_many_exact_items_is_never_reported_restored(clocked):
    # More exact items than a check lists one hash at a time: the check reads the whole project. A copy it does not
    # find there is not known to be back (HSS lists a restored copy as restored), so it is not said to be.
    tenant, clock = clocked
    args, added = many_exact_items(tenant, SLOW['host_id'], MANY)
    war_room = room(tenant, clock)
    first = war_room.run('hss-restore-isolated', dict(args, polling='false'))
    assert not first.failed, first.entries[-1]
    gone = added[0]['file_path']
    tenant.backend.files = [f for f in tenant.backend.files if f.file_path != gone]  # the copy deleted in HSS
    [follow] = first.entries[-1]['Contents']['follow_commands']
    state = re.search(r'restore_state=(\S+)', follow).group(1)
    clock.sleep(STAGE_SECONDS)

    check = war_room.run('hss-restore-isolated', dict(args, polling='false', restore_state=state))

    assert not check.failed, check.entries[-1]
    [row] = [row for row in listed_rows(check) if row['file_path'] == gone]
    assert row['outcome'] == 'restoring' and 'did not list this copy' in row['reason']


def test_a_copy_hss_stops_listing_among_many_exact_items_keeps_saying_so_at_the_last_check(clocked):
    # README: an exact item the project's listing does not show stays restoring with that reason; the last check
    # says HSS did not list it then (check the host in the HSS console), not that the host's agent is not done.
    tenant, clock = clocked
    args, added = many_exact_items(tenant, SLOW['host_id'], MANY)
    gone = added[0]['file_path']

    def sleep(seconds):  # after the start's PUT: HSS stops listing the first copy (deleted in HSS)
        clock.sleep(seconds)
        tenant.backend.files[:] = [f for f in tenant.backend.files if f.file_path != gone]

    war_room = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=sleep)
    result = war_room.run('hss-restore-isolated', dict(args, timeout_in_seconds='30'))

    assert not result.failed, result.entries[-1]
    [row] = [row for row in listed_rows(result) if row['file_path'] == gone]
    assert row['outcome'] == 'restoring' and result.runs == 1 + 30 // 10
    assert 'not list this copy' in row['reason'] and 'HSS console' in row['reason']
    assert 'agent' not in row['reason']
    # README: at the last check, HSS did not list it then, so whether it is back is not known: no next check is promised
    assert 'not known' in row['reason'] and 'next check' not in row['reason']


def test_copies_still_restoring_are_not_reported_restored_when_another_restore_ends_while_the_pages_are_read(clocked):
    # The rows of a listing by status move up as copies leave it; the check must not take the rows it then misses
    # for copies that were restored. Another restore in the project ends between the check's first and second page.
    tenant, clock = clocked
    tenant.backend.add_host('quick-host', 'quick', restore_stages=1.0)  # its agent restores in one stage
    tenant.backend.add_host('slow-host', 'slow', restore_stages=100.0)  # this one in a hundred
    other = tenant.backend.add_isolated_files('quick-host', 2 * facts.HSS_LIST_PAGE_SIZE)
    war_room = room(tenant, clock, hss_rate_limit='1000')
    others = {k: json.dumps([item[k] for item in other]) for k in ('host_id', 'file_hash', 'file_path')}
    assert not war_room.run('hss-restore-isolated', dict(others, polling='false')).failed
    args, added = many_exact_items(tenant, 'slow-host', MANY)
    first = war_room.run('hss-restore-isolated', dict(args, polling='false'))
    [follow] = first.entries[-1]['Contents']['follow_commands']
    state = re.search(r'restore_state=(\S+)', follow).group(1)
    list_page, pages = tenant.backend.list_isolated_files, []

    def the_other_restore_ends_after_the_first_page(*args, **kwargs):
        page = list_page(*args, **kwargs)
        pages.append(page)
        if len(pages) == 1:
            clock.sleep(STAGE_SECONDS + 1)
        return page

    tenant.backend.list_isolated_files = the_other_restore_ends_after_the_first_page
    check = war_room.run('hss-restore-isolated', dict(args, polling='false', restore_state=state))

    assert not check.failed, check.entries[-1]
    assert len(pages) > 1, 'the check read more than one page'
    assert {tenant.backend.isolation_status('slow-host', item['file_hash'], item['file_path']) for item in added} == \
        {'restoring'}
    assert {row['outcome'] for row in listed_rows(check) if row['host_id'] == 'slow-host'} == {'restoring'}


def test_a_restore_state_it_did_not_write_is_refused_before_any_request(clocked):
    tenant, clock = clocked

    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': UPDATER, 'restore_state': '{"x": 1}'})

    assert result.failed and 'restore_state' in result.entries[-1]['Contents']
    assert tenant.gateway.requests == []


@pytest.mark.parametrize('state', ['::0', ':{now}:0:1', ':{now}:0:0:0'],
                         ids=['no time at all', 'batches refused', 'a listing'])
def test_a_restore_state_without_an_accepted_time_that_is_not_a_start_put_off_is_refused_before_any_request(clocked,
                                                                                                           state):
    # With no time HSS accepted anything, the state is a start put off by HSS's throttling: when it began and its
    # checks, nothing about batches or a listing, which only a start that sent something has.
    tenant, clock = clocked
    result = room(tenant, clock).run('hss-restore-isolated', {
        'file_hash': UPDATER, 'restore_state': state.format(now=int(time.time() * 1000))})

    assert result.failed and 'restore_state' in result.entries[-1]['Contents'], result.entries[-1]
    assert tenant.gateway.requests == []

def follow_args(tenant, clock):
    """The arguments of a follow command (polling=false), with its restore_state split into its parts."""
    started = room(tenant, clock).run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                               'polling': 'false'})
    [follow] = started.entries[-1]['Contents']['follow_commands']
    args = dict(re.findall(r'(\w+)=(\S+)', follow))
    accepted, begun, checks = args['restore_state'].split(':')[:3]
    return args, int(accepted), int(begun) if begun else None, checks


@pytest.mark.parametrize('edit', ['accepted at 0', 'started a week ahead'])
def test_a_restore_state_whose_times_are_not_a_restores_is_refused_before_any_request(clocked, edit):
    # accepted is HSS's clock when it took the restore, started this machine's right after: the same moment on two
    # clocks. An accepted time of 0 would make every copy ever restored (or isolated) this restore's own; a start
    # ahead of the clock by more than it can be set back (a day, as for fetching) was not written by a poll.
    tenant, clock = clocked
    args, accepted, begun, checks = follow_args(tenant, clock)
    week = 7 * facts.DURATION_UNITS_MS['day']
    ahead = int(time.time() * 1000) + week
    args['restore_state'] = {'accepted at 0': f'0:{begun or ""}:{checks}',
                             'started a week ahead': f'{accepted + week}:{ahead}:{checks}'}[edit]
    sent = len(tenant.gateway.requests)

    result = room(tenant, clock).run('hss-restore-isolated', args)

    assert result.failed and 'restore_state' in result.entries[-1]['Contents'], result.entries[-1]
    assert 'Traceback' not in result.entries[-1]['Contents']
    assert len(tenant.gateway.requests) == sent


@pytest.mark.parametrize('unread', ['{"listing": [500, null, 1]}', '{"listing": ["refused", null, 1, 1]}', '[1]'])
def test_an_unread_cause_it_did_not_write_is_refused_before_any_request(clocked, unread):
    # A check's hidden unread, written by the check before it: why that check could not read the listing (an HTTP
    # status or a kind of failure without one, restore-file's), the check that said it whole and when.
    tenant, clock = clocked
    args = dict(follow_args(tenant, clock)[0], unread=unread)
    sent = len(tenant.gateway.requests)

    result = room(tenant, clock).run('hss-restore-isolated', args)

    assert result.failed and 'unread is set by the command itself' in result.entries[-1]['Contents'], result.entries
    assert len(tenant.gateway.requests) == sent


def days_to(year):
    """Days from now to the start of ``year``: a gateway's clock set that far off (a broken clock)."""
    return (datetime(year, 1, 1, tzinfo=timezone.utc).timestamp() - time.time()) / 86_400


# A broken clock's Date: past 2286-11-20, HSS's ms take 14 digits, past 5138 15; before 1970 they are negative, before
# 1653 of 14 digits.
@pytest.mark.parametrize('days', [2, -2, days_to(2300), days_to(9999), days_to(1969), days_to(1000)],
                         ids=['2 days', '-2 days', '2300', '9999', '1969', '1000'])
def test_a_restore_is_followed_to_its_end_whatever_distance_hss_s_clock_keeps_from_this_machine_s(clocked, days):
    # README: copies are told apart by HSS's own clock, whatever this machine's says. The state a poll carries holds
    # a time on each clock; they are days or centuries apart here, and the command must take back what it wrote.
    # (Token authentication: an AK/SK signature dated two days off would be refused by the gateway, as by Huawei's.)
    tenant, clock = clocked
    tenant.gateway.inject_faults(FaultPlan(skew_s=days * facts.DURATION_UNITS_MS['day'] / 1000))
    war_room = WarRoom(params=tenant.params('token'), time_scale=1, sleep=clock.sleep)

    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id']})

    assert not result.failed, result.entries[-1]
    assert [row['outcome'] for row in rows_of(result).values()] == ['restored']


def written_otherwise(state, how, now_ms):
    """A restore_state the command wrote, as ``how`` says it comes back: its start on another engine's clock, a minute
    ahead of this machine's; padded with blanks and a line break, as a playbook may hand it; saying HSS refused batch 97
    (its bit the 97th: a restore of over 9600 exact items)."""
    accepted, _, checks, *rest = state.split(':')
    if how == 'started on a clock a minute ahead':
        return ':'.join([accepted, str(now_ms + 60_000), checks, *rest])
    if how == 'padded':
        return f'  {state} \n'
    return ':'.join([accepted, _, checks, f'{1 << 96:x}', *rest[1:]])


@pytest.mark.parametrize('how', ['started on a clock a minute ahead', 'padded', 'batch 97 refused'])
def test_a_restore_state_as_the_command_writes_it_is_read_back_however_it_comes(clocked, how):
    import restore_integration as ri
    tenant, clock = clocked
    args, *_ = follow_args(tenant, clock)
    args['restore_state'] = written_otherwise(args['restore_state'], how, int(ri.time.time() * 1000))
    clock.sleep(SLOW.get('restore_stages', 1) * STAGE_SECONDS)

    result = room(tenant, clock).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    assert [row['outcome'] for row in rows_of(result).values()] == ['restored']


def test_a_follow_command_run_a_week_later_still_follows_the_restore(clocked):
    tenant, clock = clocked
    args, accepted, begun, checks = follow_args(tenant, clock)
    week = 7 * facts.DURATION_UNITS_MS['day']
    # the same restore_state, as if written a week ago (HSS's clock a week back): old, but a restore's own
    args['restore_state'] = f'{accepted - week}:{begun - week if begun else ""}:{checks}'
    clock.sleep(SLOW.get('restore_stages', 1) * STAGE_SECONDS)

    result = room(tenant, clock).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    assert [row['outcome'] for row in rows_of(result).values()] == ['restored']


def test_a_follow_command_run_by_hand_after_the_first_polling_ended_polls_on_its_own_to_the_end(clocked):
    # README: a follow line run by hand is a polling of its own. It must not inherit the time the first polling
    # spent: run 700 s after the start (past the 600 s the first one had), it still checks until the copy is back.
    tenant, clock = clocked
    tenant.backend.add_host('slow-agent', 'slow-agent', restore_stages=90.0)  # back 900 s after HSS takes it
    [copy] = tenant.backend.add_isolated_files('slow-agent', 1)
    item = {key: copy[key] for key in ('host_id', 'file_hash', 'file_path')}
    started = room(tenant, clock).run('hss-restore-isolated', dict(item, polling='false'))
    [follow] = started.entries[-1]['Contents']['follow_commands']
    clock.sleep(700)

    line = parse_line(follow)
    result = room(tenant, clock).run(line.command, line.args)

    assert not result.failed, result.entries[-1]
    assert result.runs > 1 and [row['outcome'] for row in listed_rows(result)] == ['restored']


def test_the_next_check_a_polling_timeout_error_gives_follows_the_restore_anew_when_run_later(clocked):
    # The war room's timeout error gives the next check less the sequence's clock; restore_state carried the ended
    # sequence's start and checks: run an hour later, the polling time counted from them had run out (one last check).
    tenant, clock = clocked
    tenant.backend.add_host('slow-agent', 'slow-agent', restore_stages=900.0)  # back 9000 s after HSS takes it
    [copy] = tenant.backend.add_isolated_files('slow-agent', 1)
    item = {key: copy[key] for key in ('host_id', 'file_hash', 'file_path')}
    ended = room(tenant, clock).run('hss-restore-isolated', dict(item, **{'execution-timeout': '60'}))
    message = ended.entries[-1]['Contents']
    follow = parse_line(message.split('run its next check: ', 1)[1])
    clock.sleep(3600)

    followed = room(tenant, clock).run(follow.command, follow.args)

    assert 'timeout of 60 s ran out' in message, message
    assert followed.runs > 1 and 'PollingCommand' in followed.entries[0], followed.entries[0]
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1  # followed, not sent again

def test_a_check_run_by_hand_for_a_hash_hss_lists_nowhere_reports_it_not_found(clocked):
    tenant, clock = clocked
    args, *_ = follow_args(tenant, clock)
    absent = 'c' * 64
    assert all(f['file_hash'] != absent for h in HOSTS.values() for f in h.get('isolated_files') or ())

    result = room(tenant, clock).run('hss-restore-isolated', dict(args, file_hash=absent))

    assert not result.failed, result.entries[-1]
    [row] = listed_rows(result)
    assert (row['file_hash'], row['host_id'], row['outcome']) == (absent, SLOW['host_id'], 'not_found')


def test_a_hash_hss_lists_only_isolating_on_the_host_given_is_not_found_and_not_said_to_be_back_there(clocked):
    # isolating: HSS's isolation task issued, not done (ListIsolatedFile's isolation_status). The start finds no
    # isolated copy to send, so the hash is not_found on that host; its reason may name hosts where HSS lists the file
    # restored, and h-b's copy is not one: the file is not back there.
    tenant, clock = clocked
    file_hash = 'a4' * 32
    tenant.backend.add_host('h-b', 'host-b')
    tenant.backend.add_isolated_files('h-b', 1, file_hash=file_hash, isolation_status='isolating')

    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': file_hash, 'host_id': 'h-b'})

    assert not result.failed, result.entries[-1]
    [row] = listed_rows(result)
    assert (row.get('host_id'), row['outcome']) == ('h-b', 'not_found'), row
    assert 'restored on' not in row['reason'] and 'back there' not in row['reason'], row['reason']


def test_a_check_run_by_hand_for_an_exact_item_hss_lists_nowhere_reports_it_not_found(clocked):
    tenant, clock = clocked
    args, *_ = follow_args(tenant, clock)
    # the follow command's restore_state, for an exact item HSS lists in no status: no row would say anything of it
    item = {'host_id': SLOW['host_id'], 'file_hash': UPDATER, 'file_path': '/not/listed/anywhere'}

    result = room(tenant, clock).run('hss-restore-isolated', {**item, 'restore_state': args['restore_state'],
                                                              'polling': 'false'})

    assert not result.failed, result.entries[-1]
    [row] = listed_rows(result)
    assert {name: row[name] for name in item} == item and row['outcome'] == 'not_found'


# Edge cases: hash case, a listing not read at the last check, copies restored before, hashes shared by items.

@pytest.mark.parametrize('count', [1, facts.HSS_CHECK_BY_HASH_MAX, facts.HSS_CHECK_BY_HASH_MAX + 1, 25])
def test_exact_items_given_with_an_upper_case_hash_are_followed_until_hss_lists_them_restored(clocked, count):
    # Checked hash by hash up to 20 hashes, past that with listings of the whole project (README): both ways.
    tenant, clock = clocked
    host = SLOW['host_id']
    added = tenant.backend.add_isolated_files(host, count)
    args = {'host_id': host, 'file_hash': json.dumps([item['file_hash'].upper() for item in added]),
            'file_path': json.dumps([item['file_path'] for item in added])}

    result = room(tenant, clock).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    statuses = {tenant.backend.isolation_status(host, item['file_hash'], item['file_path']) for item in added}
    assert statuses == {'restored'}  # polling went on until HSS was done
    rows = listed_rows(result)
    assert len(rows) == count and {row['outcome'] for row in rows} == {'restored'}
    listed_by = {tuple(h.lower() for h in r.query.get('file_hash') or ())
                 for r in tenant.requests_to('GET', '/event/isolated-file')}
    by_hash = count <= facts.HSS_CHECK_BY_HASH_MAX
    assert listed_by == ({(item['file_hash'],) for item in added} if by_hash else {()}), listed_by


@pytest.mark.parametrize('count', [1, facts.HSS_CHECK_BY_HASH_MAX + 1])  # listed hash by hash; the whole project
def test_each_check_of_exact_items_counts_every_copy_in_its_rows_and_none_apart_as_unlisted_or_untaken(clocked, count):
    # README: exact items are followed item by item, each with its row at every check (restoring until HSS lists it
    # restored, or not_found once it lists it no more), so no copy is counted apart as unlisted or still isolated.
    tenant, clock = clocked
    host = SLOW['host_id']
    added = tenant.backend.add_isolated_files(host, count)
    args = {'host_id': host, 'file_hash': json.dumps([item['file_hash'] for item in added]),
            'file_path': json.dumps([item['file_path'] for item in added])}

    result = room(tenant, clock).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    checks = result.entries[1:]
    assert checks and all(len(entry['Contents']['items']) == count for entry in checks), checks
    for entry in checks:
        contents, said = entry['Contents'], entry['HumanReadable'].split('\n')[0]
        assert (contents['unlisted_copies'], contents['unlisted_copies_at_most']) == (0, 0), contents
        assert 'no longer listed' not in said and 'still isolated' not in said, said


def test_a_last_check_that_cannot_read_the_listing_says_so(clocked):
    tenant, clock = clocked
    host = SLOW['host_id']
    file_hash = next(f['file_hash'] for f in SLOW['isolated_files']
                     if f.get('isolation_status', 'isolated') == 'isolated')
    started = room(tenant, clock).run('hss-restore-isolated', {'file_hash': file_hash, 'host_id': host,
                                                               'polling': 'false'})
    [follow] = started.entries[-1]['Contents']['follow_commands']
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=500'))  # the follow command's listing fails

    followed = room(tenant, clock, max_retries='0').run('hss-restore-isolated',
                                                        dict(re.findall(r'(\w+)=(\S+)', follow), polling='false'))

    # README: one unreadable listing does not end the polling; the check that could not read it says so and why
    assert not followed.failed, followed.entries[-1]
    text = followed.entries[-1]['HumanReadable']
    assert 'not read' in text and 'HTTP 500' in text, text
    assert '0 restored' not in text and 'No entries' not in text  # never as if nothing were left
    assert '!hss-restore-isolated' in text  # how to follow it


def restore_of_an_exact_item_restored_before(tenant, clock):
    """hss-restore-isolated of db-02's exact item that the seed has HSS list restored already."""
    host = HOSTS['db-02']
    done = next(f for f in host['isolated_files'] if f.get('isolation_status') == 'restored')
    args = {'host_id': host['host_id'], 'file_hash': done['file_hash'], 'file_path': done['file_path']}
    return room(tenant, clock).run('hss-restore-isolated', args)


def test_an_exact_item_hss_restored_before_this_restore_does_not_stay_restoring_in_context(clocked):
    result = restore_of_an_exact_item_restored_before(*clocked)

    assert not result.failed, result.entries[-1]
    [row] = listed_rows(result)
    assert row['outcome'] != 'restoring'  # HSS lists it restored: the start's "restoring" must not be the last word
    assert 'before this restore' in row.get('reason', '')


def reason_output_description() -> str:
    """integration.yml's description of HuaweiHSS.RestoredFile.reason, where a playbook learns when a row has one."""
    import yaml
    commands = yaml.safe_load((ROOT / 'integration.yml').read_text(encoding='utf-8'))['script']['commands']
    command = next(c for c in commands if c['name'] == 'hss-restore-isolated')
    [output] = [o for o in command['outputs'] if o['contextPath'] == 'HuaweiHSS.RestoredFile.reason']
    return output['description']


def test_a_restored_row_with_a_reason_is_one_the_reason_output_says_has_one(clocked):
    # integration.yml says when HuaweiHSS.RestoredFile.reason is written, and that it is "empty otherwise": a
    # playbook may take an empty reason as nothing to act on. A restored row that says it was back before this restore
    # must be one that description names.
    result = restore_of_an_exact_item_restored_before(*clocked)

    [row] = listed_rows(result)
    assert row['outcome'] == 'restored' and 'before this restore' in row['reason'], row
    # the description's own case for it, not only the word somewhere in it
    assert 'for a copy restored, that it was back before this restore' in reason_output_description()


def test_exact_items_sharing_a_hash_are_checked_with_one_listing_of_that_hash(clocked):
    tenant, clock = clocked
    host = SLOW['host_id']
    added = tenant.backend.add_isolated_files(host, 300, file_hash='c' * 64)  # one hash, 300 paths
    args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}

    result = room(tenant, clock, hss_rate_limit='1000').run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    assert {row['outcome'] for row in listed_rows(result)} == {'restored'}
    pages = -(-300 // 200)  # HSS lists 200 a page
    assert len(tenant.requests_to('GET', '/event/isolated-file')) == pages * (result.runs - 1)  # not 300 listings


def test_a_copy_restored_when_followed_later_keeps_no_reason_from_the_check_that_found_it_still_restoring(clocked):
    """XSOAR updates the row its DT key matches (content-docs context-and-outputs.md, dt.md): a field a later run
    leaves out keeps the value an earlier run wrote. The reason of a copy still restoring when polling stopped must
    not stay on the row once the follow command finds it restored."""
    tenant, clock = clocked
    war_room = room(tenant, clock)
    stopped = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                    'timeout_in_seconds': '10'})
    [row] = rows_of(stopped).values()
    assert row['outcome'] == 'restoring' and row['reason']
    [follow] = stopped.entries[-1]['Contents']['follow_commands']

    clock.sleep(SLOW.get('restore_stages', 1) * STAGE_SECONDS)
    followed = war_room.run('hss-restore-isolated', dict(re.findall(r'(\w+)=(\S+)', follow)))

    [row] = rows_of(followed).values()
    assert row['outcome'] == 'restored' and not row.get('reason'), row


def test_a_follow_command_counts_no_polling_time_on_its_first_run(clocked):
    # README: the follow line is "a polling of its own, timed from that run". Its first run has waited no interval:
    # given a timeout an interval and a little more, it checks again rather than end at once.
    tenant, clock = clocked
    tenant.backend.add_host('slow-agent', 'slow-agent', restore_stages=90.0)  # still restoring throughout
    [copy] = tenant.backend.add_isolated_files('slow-agent', 1)
    item = {key: copy[key] for key in ('host_id', 'file_hash', 'file_path')}
    started = room(tenant, clock).run('hss-restore-isolated', dict(item, polling='false'))
    [follow] = started.entries[-1]['Contents']['follow_commands']
    interval = facts.MIN_POLLING_INTERVAL

    line = parse_line(f'{follow} interval_in_seconds={interval} timeout_in_seconds={interval + interval // 2}')
    result = room(tenant, clock).run(line.command, line.args)

    assert not result.failed, result.entries[-1]
    assert result.runs == 2, [entry['HumanReadable'] for entry in result.entries]
    assert result.entries[0]['Contents']['elapsed_seconds'] < interval


def test_a_copy_an_earlier_restore_left_restoring_is_not_followed_by_a_restore_that_did_not_send_it(clocked):
    # README: only copies whose update_time moved since this restore was accepted count as its own, and polling runs
    # until every copy it sent is restored. The offline host's copy is still restoring from a restore a minute ago
    # (on HSS's clock): a new restore by that hash does not send it, and must not poll to its timeout for it.
    tenant, clock = clocked
    tenant.backend.set_clock_skew(-60)
    earlier = room(tenant, clock).run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': OFFLINE['host_id'],
                                                               'polling': 'false'})
    assert [row['outcome'] for row in listed_rows(earlier)] == ['restoring']
    tenant.backend.set_clock_skew(0)
    timeout = 120

    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': UPDATER,
                                                               'timeout_in_seconds': str(timeout)})

    assert not result.failed, result.entries[-1]
    sent = {row['host_id'] for row in result.entries[0]['Contents']['items']}
    assert OFFLINE['host_id'] not in sent
    assert set(rows_of(result)) == sent  # no row for the copy it never sent
    assert 'restoring' not in {row['outcome'] for row in listed_rows(result)}
    assert result.runs < timeout // 10 + 1  # it ended with the copies it sent, not at the timeout


def isolated_again(tenant, host_name):
    """HSS detects db-02's file it restored before (the seed) and isolates it again: the listing then holds two
    records of that host, hash and path, the old one (restored) first. Returns the item and its new record's index."""
    host = HOSTS[host_name]
    done = next(f for f in host['isolated_files'] if f.get('isolation_status') == 'restored')
    tenant.backend.isolate_file(host['host_id'], done['file_hash'], done['file_path'])
    return {'host_id': host['host_id'], 'file_hash': done['file_hash'], 'file_path': done['file_path']}


def statuses_of(tenant, item):
    """HSS's status of each record of one host, hash and path, in listing order."""
    return [f['isolation_status'] for f in tenant.backend.snapshot()
            if (f['host_id'], f['file_hash'].lower(), f['file_path']) == (item['host_id'], item['file_hash'].lower(),
                                                                           item['file_path'])]


OUTCOME_OF_STATUS = {'restoring': 'restoring', 'isolated': 'failed', 'restored': 'restored'}


@pytest.mark.parametrize('by', ['hash', 'exact item'])
@pytest.mark.parametrize('restores_fail', [False, True])
def test_a_file_isolated_again_after_an_earlier_restore_is_reported_as_hss_lists_its_new_copy(clocked, by,
                                                                                               restores_fail):
    tenant, clock = clocked
    item = isolated_again(tenant, 'db-02')
    tenant.backend.hosts[item['host_id']].restore_fails = restores_fail
    args = item if by == 'exact item' else {'file_hash': item['file_hash']}

    result = room(tenant, clock).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    old, new = statuses_of(tenant, item)
    assert old == 'restored'  # the earlier copy, listed first
    [row] = [row for row in listed_rows(result) if row['host_id'] == item['host_id']]
    assert row['outcome'] == OUTCOME_OF_STATUS[new], (row, old, new)
    assert 'before this restore' not in row['reason']  # the copy it sent is not the one restored long ago
    assert item['host_id'] in result.entries[-1]['HumanReadable']  # the last table reports it


@pytest.mark.parametrize('by', ['hash', 'exact item'])
def test_a_copy_hss_starts_isolating_again_after_this_restore_is_reported_failed_not_left_out(clocked, by):
    # HSS restored the copy this restore sent, then detected the file again: its new record is listed isolating
    # (ListIsolatedFile's isolation_status: "isolation task issued") when the check reads. The check reports it as it
    # reports a copy listed isolated again, with a row: left out, its context row would keep the start's restoring,
    # and the last table would count one copy fewer than were sent.
    tenant, clock = clocked
    host = HOSTS['db-02']
    copy = next(f for f in host['isolated_files'] if f.get('isolation_status', 'isolated') == 'isolated')
    item = {'host_id': host['host_id'], 'file_hash': copy['file_hash'], 'file_path': copy['file_path']}
    args = item if by == 'exact item' else {'file_hash': item['file_hash']}
    started = room(tenant, clock).run('hss-restore-isolated', dict(args, polling='false'))
    [follow] = started.entries[-1]['Contents']['follow_commands']
    clock.sleep(host.get('restore_stages', 1) * STAGE_SECONDS)
    assert statuses_of(tenant, item) == ['restored']
    tenant.backend.isolate_file(item['host_id'], item['file_hash'], item['file_path'])
    tenant.backend.files[-1].status = 'isolating'  # the new detection's isolation task, issued, not done

    line = parse_line(follow)
    checked = room(tenant, clock).run(line.command, dict(line.args, polling='false'))

    assert not checked.failed, checked.entries[-1]
    rows = listed_rows(checked)  # the one copy sent, on its host; not a hash HSS lists no copy of
    assert [(row.get('host_id'), row['outcome']) for row in rows] == [(item['host_id'], OUTCOME_OF_STATUS['isolated'])]
    assert item['host_id'] in checked.entries[-1]['HumanReadable']


def test_a_file_isolated_again_among_many_exact_items_is_reported_as_hss_lists_its_new_copy(clocked):
    # Exact items of many hashes: the check reads one listing of the whole project (README).
    tenant, clock = clocked
    item = isolated_again(tenant, 'db-02')
    tenant.backend.hosts[item['host_id']].restore_fails = True
    _, others = many_exact_items(tenant, SLOW['host_id'], MANY)
    args = {key: json.dumps([item[key]] + [other[key] for other in others])
            for key in ('host_id', 'file_hash', 'file_path')}

    result = room(tenant, clock, hss_rate_limit='1000').run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    old, new = statuses_of(tenant, item)
    [row] = [row for row in listed_rows(result) if row['host_id'] == item['host_id']]
    assert row['outcome'] == OUTCOME_OF_STATUS[new] == 'failed', (row, old, new)


def test_a_check_throttled_at_the_timeout_waits_no_longer_than_the_polling_time_left(monkeypatch):
    # README (Bulk restores, One run stays short): a check waits no longer than the polling time left, at least 5 s
    clock = FakeClock(1000.0)
    moved = integration_on_clock(monkeypatch, clock)
    # the copy stays restoring throughout
    tenant = start_hss_tenant(stage_seconds=10_000.0, clock=clock, wall_clock=moved.time)
    try:
        # the start's listing and PUT, the checks at 10 to 50 s: then HSS throttles every request
        tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok*7,429*5000;retry-after=1'))
        room = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=clock.advance, clock=clock)
        result = room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                   'timeout_in_seconds': '60'})
    finally:
        tenant.stack.close()

    last = result.entries[-1]
    assert 'not read at this check' in last['HumanReadable'] and '429' in last['HumanReadable']
    assert result.runs == 7 and 60 <= last['Contents']['elapsed_seconds'] <= 60 + 5


def test_a_first_run_that_waits_out_most_of_its_polling_time_is_followed_by_its_last_check_an_interval_later(
        monkeypatch):
    # The case the fault plan property test drew (tests/test_fault_plan_properties.py): a 20 s polling, HSS's first
    # answer a 429 asking for 15 s. README (restore-file, "It ends its own polling", which hss-restore-isolated does
    # alike): "the first run is always followed by a check, the last one if its waits used up the polling time".
    clock, interval, timeout, wait = FakeClock(1000.0), 10, 20, 15
    moved = integration_on_clock(monkeypatch, clock)
    tenant = start_hss_tenant(stage_seconds=1.0, clock=clock, wall_clock=moved.time)
    file_hash = hashlib.sha256(b'waits-out-most-of-its-polling-time').hexdigest()
    tenant.backend.add_isolated_files(SLOW['host_id'], 1, file_hash=file_hash)
    try:
        tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={wait}'))
        room = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=clock.advance, clock=clock)
        result, runs = run_timed(room, clock, 'hss-restore-isolated', {
            'file_hash': file_hash, 'interval_in_seconds': str(interval), 'timeout_in_seconds': str(timeout)},
            monkeypatch)
    finally:
        tenant.stack.close()

    assert not result.failed, result.entries[-1]
    (first_start, first_end), (check_start, _) = runs
    # HSS's wait waited out within the polling time, then the restore sent, once
    assert first_end - first_start >= wait and [r.method for r in tenant.gateway.requests].count('PUT') == 1, runs
    assert check_start == first_end + interval, runs  # not sooner: XSOAR's NextRun; not later either
    assert 'PollingCommand' not in result.entries[-1] and len(runs) == 2, result.entries
    assert [row['outcome'] for row in listed_rows(result)] == ['restored'], result.entries[-1]


def test_a_copy_a_restore_by_hash_sent_that_hss_stops_listing_is_said_to_be_unlisted_not_left_silent(clocked):
    # README: the state carries how many copies a restore by hash sent; a check that lists fewer says how many HSS
    # no longer lists (check the HSS console), so an entry never reads as done while the context says restoring.
    tenant, clock = clocked
    file_hash = 'ab' * 32
    for host in ('h-a', 'h-b'):
        tenant.backend.add_host(host, host)
        tenant.backend.add_isolated_files(host, 1, file_hash=file_hash)

    def sleep(seconds):  # after the start's PUT: HSS stops listing the copy on h-b (the host removed from HSS)
        clock.sleep(seconds)
        tenant.backend.files[:] = [f for f in tenant.backend.files if f.host_id != 'h-b']

    result = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=sleep).run(
        'hss-restore-isolated', {'file_hash': file_hash})

    assert not result.failed, result.entries[-1]
    assert {row['host_id']: row['outcome'] for row in listed_rows(result)} == {'h-a': 'restored', 'h-b': 'not_found'}
    last = result.entries[-1]
    assert last['Contents']['unlisted_copies'] == 1
    assert 'no longer list' in last['HumanReadable'] and 'HSS console' in last['HumanReadable']
    assert '1 of the 2 copies' in last['HumanReadable']


@pytest.mark.parametrize('by', ['hash', 'path'])
@pytest.mark.parametrize('vanishes', ['host removed', 'copy deleted'])
def test_a_copy_hss_stops_listing_after_a_restore_by_hash_or_path_sent_it_ends_in_context_saying_so(clocked, by,
                                                                                                     vanishes):
    # README (Outcomes): HSS lists a copy it restored as restored, so one it lists in no status after this restore sent
    # it is gone from HSS (its host removed, or the copy deleted). Its row in the incident's context, which a
    # playbook or the summary reads when polling ends, says so (not_found, why, where to look), as an exact item's
    # row does, instead of keeping the start's restoring with no reason.
    tenant, clock = clocked
    file_hash = 'a7' * 32
    paths = {}
    for host in ('h-a', 'h-b'):
        tenant.backend.add_host(host, host)
        [copy] = tenant.backend.add_isolated_files(host, 1, file_hash=file_hash)
        paths[host] = copy['file_path']
    args = {'file_hash': file_hash} if by == 'hash' else {
        'host_id': json.dumps(list(paths)), 'file_path': json.dumps(list(paths.values()))}

    def sleep(seconds):  # after the start's PUT: HSS stops listing the copy on h-b
        clock.sleep(seconds)
        if vanishes == 'host removed':
            if 'h-b' in tenant.backend.hosts:
                tenant.backend.remove_host('h-b')
        else:
            tenant.backend.files[:] = [f for f in tenant.backend.files if f.host_id != 'h-b']

    result = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=sleep).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    rows = rows_of(result)
    assert rows['h-a']['outcome'] == 'restored' and len(listed_rows(result)) == 2
    gone = rows['h-b']
    assert (gone['file_hash'], gone['file_path'], gone['outcome']) == (file_hash, paths['h-b'], 'not_found'), gone
    assert 'no longer lists' in gone['reason'] and 'HSS console' in gone['reason'], gone
    assert 'h-b' in result.entries[-1]['HumanReadable']  # the last table shows the row the context keeps


def restore_whose_copies_all_vanish(tenant, clock, by):
    """A restore by ``by`` (hash, or unpaired path: each path asked on both hosts) that lists and sends a copy on h-a
    and one on h-b, after whose PUT HSS lists neither in any status (the copies deleted): its result, war room, copies
    by host and hash."""
    file_hash, copies = 'a9' * 32, {}
    for host in ('h-a', 'h-b'):
        tenant.backend.add_host(host, host)
        [copies[host]] = tenant.backend.add_isolated_files(host, 1, file_hash=file_hash)
    paths = [copy['file_path'] for copy in copies.values()]
    args = {'file_hash': file_hash} if by == 'hash' else {
        'host_id': json.dumps(list(copies)), 'file_path': json.dumps(paths), 'pair_by_position': 'false'}

    def sleep(seconds):  # after the start's PUT
        clock.sleep(seconds)
        tenant.backend.files[:] = [f for f in tenant.backend.files if f.host_id not in copies]

    war_room = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=sleep)
    return war_room.run('hss-restore-isolated', args), war_room, copies, file_hash


def assert_one_not_found_row_per_copy(result, copies, file_hash):
    assert not result.failed, result.entries[-1]
    rows = listed_rows(result)
    keys = [(row.get('host_id'), row.get('file_hash'), row.get('file_path')) for row in rows]  # the DT key's fields
    assert sorted(keys, key=str) == sorted(((host, file_hash, copy['file_path']) for host, copy in copies.items()),
                                           key=str), rows
    assert all(row['outcome'] == 'not_found' and 'no longer lists' in row['reason'] for row in rows), rows


@pytest.mark.parametrize('by', ['hash', 'unpaired path'])
def test_a_restore_whose_every_copy_sent_hss_stops_listing_gets_one_not_found_row_per_copy_and_no_hostless_one(
        clocked, by):
    # Each copy sent is accounted for by its own row (not_found: no longer listed). A hostless "HSS lists no copy of
    # this file" row beside them would count the file a third time, in the entry and in the incident's context alike:
    # the start found copies, so that row is only for a restore whose start found none.
    result, _, copies, file_hash = restore_whose_copies_all_vanish(*clocked, by)

    assert_one_not_found_row_per_copy(result, copies, file_hash)
    last = result.entries[-1]
    # the entry's rows are those it writes to context, under integration.yml's HuaweiHSS.RestoredFile (its DT key
    # whatever it is): found by that path, not by the integration's own constant for the key
    [written] = [rows for key, rows in last['EntryContext'].items() if key.split('(')[0] == 'HuaweiHSS.RestoredFile']
    assert last['Contents']['items'] == written
    # the summary line counts what the context keeps: no copy restored, both not found
    said = last['HumanReadable'].split('\n')[0]
    assert '0 restored' in said and f'{len(copies)} not found' in said, said
    assert last['Contents']['unlisted_copies'] == len(copies)


@pytest.mark.parametrize('by', ['hash', 'unpaired path'])
def test_the_follow_command_run_by_hand_after_every_copy_sent_left_hss_adds_no_hostless_row_to_context(clocked, by):
    # The entry's follow command, run once polling ended with both copies not_found (no longer listed): the context
    # still holds one row per copy sent, each saying so, and no row of the file with no host beside them.
    result, war_room, copies, file_hash = restore_whose_copies_all_vanish(*clocked, by)
    [follow] = result.entries[-1]['Contents']['follow_commands']

    line = parse_line(follow)
    again = war_room.run(line.command, {**line.args, 'polling': 'false'})

    assert_one_not_found_row_per_copy(again, copies, file_hash)


def copies_counted(summary):
    """The copies a check's summary line counts: the number opening each of its comma-separated counts, a count's
    words in parentheses read as saying what those copies are (never as copies of their own)."""
    counts = re.sub(r'\([^)]*\)', '', summary.split('\n')[0].split(': ', 1)[1])
    return sum(int(part.split()[0]) for part in counts.split(', '))


@pytest.mark.parametrize('by', ['hash', 'unpaired path'])
def test_a_copy_sent_that_hss_stops_listing_is_counted_once_in_the_summary_line_whose_not_found_count_says_so(
        clocked, by):
    # Two copies sent, both then listed by HSS in no status: the context keeps one not_found row of each (README,
    # Outcomes). The summary line the analyst reads counts those two copies, once each, and says that its not_found
    # ones are copies sent that HSS stopped listing, not files it never found.
    result, _, copies, _ = restore_whose_copies_all_vanish(*clocked, by)

    said = result.entries[-1]['HumanReadable'].split('\n')[0]
    assert copies_counted(said) == len(copies) == len(listed_rows(result)), said
    [why] = re.findall(r'\d+ not found \(([^)]*)\)', said)  # the words the not_found count is given
    assert 'no longer listed' in why, said
    assert result.entries[-1]['Contents']['unlisted_copies'] == len(copies)


def test_copies_sent_that_hss_stops_listing_with_no_row_in_context_are_still_counted_once_each(clocked):
    # restore_state carries how many copies a restore by hash sent, never which: a check run where the context keeps
    # the row of one copy only (h-a's) writes that copy not_found and must still count the other one, by the number
    # sent, without counting h-a's a second time.
    result, war_room, copies, _ = restore_whose_copies_all_vanish(*clocked, 'hash')
    [follow] = result.entries[-1]['Contents']['follow_commands']
    war_room.context['HuaweiHSS']['RestoredFile'] = [row for row in listed_rows(result) if row['host_id'] == 'h-a']

    line = parse_line(follow)
    again = war_room.run(line.command, {**line.args, 'polling': 'false'})

    assert not again.failed, again.entries[-1]
    said = again.entries[-1]['HumanReadable'].split('\n')[0]
    assert [row['host_id'] for row in listed_rows(again)] == ['h-a']
    assert copies_counted(said) == len(copies), said
    assert again.entries[-1]['Contents']['unlisted_copies'] == len(copies)


def test_a_not_found_count_that_also_holds_a_file_with_no_copy_is_counted_once_saying_how_many_are_copies_sent(
        clocked):
    # A restore of two hashes: one isolated on h-a and h-b, whose copies HSS then lists in no status, and one isolated
    # nowhere (its own not_found row: HSS lists no copy of it). Three not_found rows, three counted: the not_found
    # count says that two of them are the copies sent, not all three.
    tenant, clock = clocked
    sent_hash, absent_hash = 'b1' * 32, 'b2' * 32
    for host in ('h-a', 'h-b'):
        tenant.backend.add_host(host, host)
        tenant.backend.add_isolated_files(host, 1, file_hash=sent_hash)

    def sleep(seconds):  # after the start's PUT: HSS lists neither copy sent
        clock.sleep(seconds)
        tenant.backend.files[:] = [f for f in tenant.backend.files if f.host_id not in ('h-a', 'h-b')]

    result = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=sleep).run(
        'hss-restore-isolated', {'file_hash': json.dumps([sent_hash, absent_hash])})

    assert not result.failed, result.entries[-1]
    rows = listed_rows(result)
    assert sorted((row.get('host_id') or '', row['file_hash'], row['outcome']) for row in rows) == [
        ('', absent_hash, 'not_found'), ('h-a', sent_hash, 'not_found'), ('h-b', sent_hash, 'not_found')], rows
    said = result.entries[-1]['HumanReadable'].split('\n')[0]
    assert copies_counted(said) == len(rows), said
    [why] = re.findall(r'\d+ not found \(([^)]*)\)', said)
    assert why.split()[0] == '2' and 'no longer listed' in why, said


def test_copies_sent_that_hss_stops_listing_in_an_incident_with_none_of_their_rows_are_counted_by_the_number_sent(
        clocked):
    # The follow command run in another incident: its context holds no row of the copies sent. The check finds no copy
    # of the file (the hash's own not_found row) and counts the copies restore_state says were sent, as the README
    # words it ("1 sent and no longer listed"), each once.
    tenant, clock = clocked
    result, _, copies, _ = restore_whose_copies_all_vanish(tenant, clock, 'hash')
    line = parse_line(result.entries[-1]['Contents']['follow_commands'][0])

    again = room(tenant, clock).run(line.command, {**line.args, 'polling': 'false'})

    assert not again.failed, again.entries[-1]
    said = again.entries[-1]['HumanReadable'].split('\n')[0]
    assert [row.get('host_id') for row in listed_rows(again)] == [None]  # the file's row, no copy's
    assert f', {len(copies)} sent and no longer listed' in said, said
    assert again.entries[-1]['Contents']['unlisted_copies'] == len(copies)

def unlisted_note(entry):
    """The paragraph under a check's summary line that counts the copies sent HSS no longer lists."""
    [note] = [part for part in entry['HumanReadable'].split('\n\n') if part.startswith('HSS no longer lists')]
    return note


@pytest.mark.parametrize('context_keeps', ['both copies\' rows', 'h-a\'s row', 'no row (another incident)'])
def test_the_note_on_copies_sent_hss_stops_listing_says_rows_say_so_only_of_the_copies_counted_that_have_one(
        clocked, context_keeps):
    # The follow command of a restore whose two copies HSS then lists in no status, run where the incident's context
    # keeps the rows of both, of h-a's alone, or of neither (another incident). The check writes a not_found row of
    # each copy whose row it finds and counts the others by the number sent: its note may point to the rows in the
    # incident's context for the first only, and says of the others that this incident has no row of them left
    # restoring.
    tenant, clock = clocked
    result, war_room, copies, _ = restore_whose_copies_all_vanish(tenant, clock, 'hash')
    line = parse_line(result.entries[-1]['Contents']['follow_commands'][0])
    kept = {'both copies\' rows': set(copies), 'h-a\'s row': {'h-a'}}.get(context_keeps, set())
    if kept:
        war_room.context['HuaweiHSS']['RestoredFile'] = [row for row in listed_rows(result) if row['host_id'] in kept]
    else:
        war_room = room(tenant, clock)

    again = war_room.run(line.command, {**line.args, 'polling': 'false'})

    assert not again.failed, again.entries[-1]
    written = {row.get('host_id') for row in listed_rows(again) if 'no longer lists' in row['reason']}
    assert written == kept and again.entries[-1]['Contents']['unlisted_copies'] == len(copies)
    note, rowless = unlisted_note(again.entries[-1]), len(copies) - len(kept)
    assert 'HSS console' in note and 'whether they are back is not known' in note, note
    if not rowless:
        assert note.endswith('their rows in the incident\'s context say so (not_found). Check the hosts in the HSS '
                             'console.') and 'no row' not in note, note
    elif not kept:
        assert 'no row of them' in note and 'this incident' in note and 'say so' not in note, note
    else:
        assert f'say so (not_found) for {len(kept)} of them' in note, note
        assert f'no row of the other {rowless}' in note and 'this incident' in note, note


def follow_after_one_host_left_and_a_new_copy(tenant, clock, per_host, new_path, isolate_source='event', options=None):
    """A restore by hash of ``per_host`` copies on each of hosts h-a, h-b and h-c, still restoring; then h-c leaves HSS
    and HSS isolates the file anew at ``new_path`` on h-a (by an alarm, or a virus scan). (copies sent, the new copy's
    event as isolate_file returns it, the follow command's run, given ``options``: XSOAR's built-in arguments)."""
    file_hash = 'e4' * 32 if isolate_source == 'event' else 'e5' * 32
    for host in ('h-a', 'h-b', 'h-c'):
        tenant.backend.add_host(host, host, restore_stages=1000.0)  # still restoring at every check
        tenant.backend.add_isolated_files(host, per_host, file_hash=file_hash)
    war_room = WarRoom(params=tenant.params('aksk', hss_rate_limit='1000'), time_scale=1, sleep=clock.sleep)
    first = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
    assert not first.failed, first.entries[-1]
    clock.sleep(3 * STAGE_SECONDS)
    tenant.backend.remove_host('h-c')
    detected = tenant.backend.isolate_file('h-a', file_hash, new_path, isolate_source=isolate_source)  # after it
    line = parse_line(first.entries[-1]['Contents']['follow_commands'][0])
    again = war_room.run(line.command, dict(line.args, polling='false', **(options or {})))
    return len(first.entries[-1]['Contents']['items']), detected, again


def test_a_copy_hss_isolates_at_a_new_path_after_a_restore_by_hash_was_accepted_is_not_counted_as_one_it_sent(
        clocked):
    # A restore by hash sends 130 copies on each of 3 hosts (several pages of the listing), still restoring; then one
    # host leaves HSS and HSS detects the file anew at a path on another host, isolating it after the restore was
    # accepted (its event's occur_time says so). The follow command counts the 130 copies sent that HSS no longer
    # lists, not 129: the new copy is not one this restore sent, nor a row of an earlier restore's.
    per_host = 130
    sent, detected, again = follow_after_one_host_left_and_a_new_copy(*clocked, per_host, '/opt/new/detection.bin')

    assert sent == 3 * per_host and detected  # an alarm isolated it: its event is listed
    assert not again.failed, again.entries[-1]
    last = again.entries[-1]
    assert last['Contents']['unlisted_copies'] == per_host, last['HumanReadable']
    assert '/opt/new/detection.bin' not in {row.get('file_path') for row in last['Contents']['items']}
    note = unlisted_note(last)
    assert note.startswith(f'HSS no longer lists {per_host} of the {sent} copies this restore sent'), note
    assert 'earlier restore' not in last['HumanReadable'], note
    said = last['HumanReadable'].split('\n')[0].split(': ', 1)[1]
    assert said == (f'0 restored, {sent - per_host} restoring, 0 failed, {per_host} not found (sent, no longer '
                    f'listed by HSS)'), said


def second_after(took: int) -> int:
    return took // 1000 * 1000 + 1000


@pytest.mark.parametrize('occurred, new, incident', [
    (second_after, True, 'the same'), (second_after, True, 'another'), (lambda took: took - 1, False, 'the same')],
    ids=['in the second after the put s date', 'the same in another incident', 'before hss took the put'])
def test_an_alarm_after_the_put_s_date_isolates_a_new_copy_and_one_before_hss_took_the_put_may_be_a_copy_sent(
        clocked, occurred, new, incident):
    # README: a copy HSS isolates anew is told apart by its alarm's occur_time, when it occurred after the restore was
    # sent. The command knows that moment by the PUT's Date, in whole seconds (HTTP's date format): an alarm in a later
    # second surely came after the PUT (no row, not counted), whether or not the incident's context keeps the rows of
    # the copies sent; one before HSS took the PUT may have isolated a copy this restore sent, so it is taken for one,
    # failed as isolated again.
    tenant, clock = clocked
    file_hash, new_path = 'e7' * 32, '/opt/new/detection.bin'
    tenant.backend.add_host('h-a', 'h-a', restore_stages=1000.0)  # still restoring at the check
    tenant.backend.add_isolated_files('h-a', 1, file_hash=file_hash)
    war_room = room(tenant, clock)
    first = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
    assert not first.failed, first.entries[-1]
    [sent] = [item for item in tenant.backend.files if item.file_hash == file_hash]  # its update_time: HSS took it
    tenant.backend.isolate_file('h-a', file_hash, new_path)
    tenant.backend.files[-1].occur_time = occurred(sent.update_time)
    line = parse_line(first.entries[-1]['Contents']['follow_commands'][0])

    follower = war_room if incident == 'the same' else room(tenant, clock)  # another: a context without the rows

    again = follower.run(line.command, dict(line.args, polling='false'))

    assert not again.failed, again.entries[-1]
    rows = {row['file_path']: row['outcome'] for row in again.entries[-1]['Contents']['items']}
    assert rows == {sent.file_path: 'restoring', **({} if new else {new_path: 'failed'})}, rows


@pytest.mark.parametrize('later', ['restoring', 'restored'])
def test_a_new_detection_another_restore_restores_before_the_check_is_not_taken_for_a_copy_this_restore_sent(
        clocked, later):
    # new_path_after, then another restore (an exact item) restores the new copy before this restore's check: HSS
    # lists it restoring or restored, no longer isolated, but its alarm (agent_event_info) still came after this
    # restore was sent. The check neither gives it a row nor counts it among the copies this restore sent.
    tenant, clock = clocked
    file_hash, new_path = 'e6' * 32, '/opt/new/detection.bin'
    tenant.backend.add_host('h-a', 'h-a', restore_stages=1000.0)  # still restoring at every check
    tenant.backend.add_host('h-b', 'h-b', restore_stages=1000.0 if later == 'restoring' else 1)
    tenant.backend.add_isolated_files('h-a', 1, file_hash=file_hash)
    war_room = room(tenant, clock)
    first = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
    assert not first.failed, first.entries[-1]
    clock.sleep(3 * STAGE_SECONDS)
    detected = tenant.backend.isolate_file('h-b', file_hash, new_path)  # after this restore, by an alarm
    other = room(tenant, clock).run('hss-restore-isolated', {'host_id': 'h-b', 'file_hash': file_hash,
                                                             'file_path': new_path, 'polling': 'false'})
    assert not other.failed and detected, other.entries[-1]
    clock.sleep(3 * STAGE_SECONDS)
    assert statuses_of(tenant, {'host_id': 'h-b', 'file_hash': file_hash, 'file_path': new_path}) == [later]
    line = parse_line(first.entries[-1]['Contents']['follow_commands'][0])

    again = war_room.run(line.command, dict(line.args, polling='false'))

    assert not again.failed, again.entries[-1]
    last = again.entries[-1]
    assert [(row['host_id'], row['outcome']) for row in last['Contents']['items']] == [('h-a', 'restoring')], last
    said = last['HumanReadable'].split('\n')[0].split(': ', 1)[1]
    assert said == '0 restored, 1 restoring, 0 failed, 0 not found', said


def test_a_virus_scans_new_copy_after_a_restore_by_hash_turns_the_counts_of_copies_no_longer_listed_into_bounds(
        clocked):
    # As new_path_after, but a virus scan isolates the new copy: HSS lists no agent_event_info for it, so the check
    # cannot tell it from a copy this restore sent and HSS isolated again. 130 of the copies sent are gone; the check
    # may count 129 or 130, and must not claim either, nor a row of an earlier restore's, as known.
    per_host = 130
    sent, detected, again = follow_after_one_host_left_and_a_new_copy(*clocked, per_host, '/opt/new/scanned.bin',
                                                                      'antivirus')

    assert detected == {}  # no alarm, no event
    assert not again.failed, again.entries[-1]
    readable = again.entries[-1]['HumanReadable']
    note = unlisted_note(again.entries[-1])
    [(least, most, of)] = re.findall(r'^HSS no longer lists at least (\d+) \(up to (\d+)\) of the (\d+) copies', note)
    assert int(least) <= per_host <= int(most) and int(of) == sent, note
    earlier = re.findall(r'(\S+ \S+) \d+ more rows? of copies an earlier restore sent', readable)
    assert set(earlier) <= {'up to'}, readable
    miscounted = per_host - 1  # the new copy taken for one sent: never said as the count of copies HSS dropped
    assert re.search(rf'\b{miscounted}\b', readable.replace(f'at least {miscounted}', '')) is None, readable


def test_a_virus_scans_new_copy_that_may_stand_for_the_one_copy_sent_hss_no_longer_lists_still_gets_it_said(clocked):
    # As virus_scans_new_copy, one copy on each host: h-c's copy is gone, but the scan's new copy on h-a may be taken
    # for one sent and isolated again, so the count of copies sent HSS no longer lists is 0 to 1. The check still
    # says HSS may no longer list one (a bound holding 1), and h-c's copy ends in a not_found row saying so.
    sent, detected, again = follow_after_one_host_left_and_a_new_copy(*clocked, 1, '/opt/new/scanned.bin', 'antivirus')

    assert detected == {} and sent == 3  # no alarm, no event
    assert not again.failed, again.entries[-1]
    last = again.entries[-1]
    note = unlisted_note(last)
    [(least, most, of)] = re.findall(r'^HSS no longer lists (?:at least (\d+) \()?up to (\d+)\)? of the (\d+) copies',
                                     note)
    assert int(least or 0) <= 1 <= int(most) and int(of) == sent, note
    gone = [row for row in last['Contents']['items'] if row['host_id'] == 'h-c']
    assert [row['outcome'] for row in gone] == ['not_found'] and 'no longer lists' in gone[0]['reason'], gone
    said = last['HumanReadable'].split('\n')[0].split(': ', 1)[1]
    assert ', 1 not found' in said, said


def bounds_said(note: str) -> tuple[int, int]:
    """(at least, at most) copies sent that a check's note says HSS no longer lists: "at least 1 (up to 2) of the",
    "up to 1 of the", or one count, "1 of the"."""
    least, most, only_most, count = re.match(
        r'HSS no longer lists (?:at least (\d+) \(up to (\d+)\)|up to (\d+)|(\d+)) of the ', note).groups()
    return int(least or count or 0), int(most or only_most or count)


@pytest.mark.parametrize('isolated_by', ['antivirus', 'event'], ids=['in doubt', 'known'])
def test_a_check_gives_both_bounds_of_the_copies_hss_no_longer_lists_in_its_contents_for_extend_context(clocked,
                                                                                                      isolated_by):
    # may_stand_for: h-c's copy is gone; a virus scan's new copy on h-a may be taken for one sent and isolated again,
    # so the note says HSS no longer lists "up to 1" of the copies sent. Contents held only the lower bound,
    # unlisted_copies (0 there), so a playbook reading it with extend-context read "none gone". By an alarm the new
    # copy is told apart: the count is known, and both bounds are that count.
    sent, _, again = follow_after_one_host_left_and_a_new_copy(
        *clocked, 1, '/opt/new/isolated.bin', isolated_by,
        {'extend-context': 'UnlistedLeast=unlisted_copies::UnlistedMost=unlisted_copies_at_most'})

    assert not again.failed and sent == 3, again.entries[-1]
    least, most = bounds_said(unlisted_note(again.entries[-1]))
    assert least <= 1 <= most and (least < most) == (isolated_by == 'antivirus'), (least, most)
    assert (get_path(again.context, 'UnlistedLeast'), get_path(again.context, 'UnlistedMost')) == (least, most)


def test_a_check_that_finds_more_copies_of_the_hash_restored_than_were_sent_bounds_none_unlisted_never_below_0(clocked):
    # A restore by hash sends h-a's one copy (still restoring); a virus scan then isolates the file anew at another
    # path on h-a (no alarm tells it apart) and another restore, of that exact item, gives it back before the follow
    # command checks. That check lists two copies of this restore's, one more than it sent: none is unlisted, and
    # both bounds of the unlisted count are 0: a count of copies is never below 0.
    tenant, clock = clocked
    file_hash = 'a5' * 32
    tenant.backend.add_host('h-a', 'h-a', restore_stages=1000.0)  # this restore's copy: still restoring at the check
    tenant.backend.add_isolated_files('h-a', 1, file_hash=file_hash)
    war_room = room(tenant, clock)
    first = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
    assert not first.failed, first.entries[-1]
    # the new copy, as HSS lists it once given back: restored, updated now, isolated by no alarm
    tenant.backend.add_isolated_files('h-a', 1, file_hash=file_hash, isolation_status='restored')
    line = parse_line(first.entries[-1]['Contents']['follow_commands'][0])

    again = war_room.run(line.command, dict(line.args, polling='false'))

    assert not again.failed, again.entries[-1]
    contents = again.entries[-1]['Contents']
    assert (contents['unlisted_copies'], contents['unlisted_copies_at_most']) == (0, 0), contents


def test_the_note_on_a_copy_hss_stops_listing_after_a_check_saw_it_restored_does_not_say_the_context_has_no_row(
        clocked):
    # A restore by hash sends h-fast's copy and h-slow's; a check sees h-fast's restored (its row says so) while
    # h-slow's agent is still at work; then h-fast leaves HSS. The next check counts that copy as no longer listed and
    # writes no row of it (none is left restoring), but the incident's context holds the earlier check's row of it:
    # the note may not say this incident's context holds no row of it.
    tenant, clock = clocked
    file_hash = 'ad' * 32
    tenant.backend.add_host('h-fast', 'h-fast')
    tenant.backend.add_host('h-slow', 'h-slow', restore_stages=1000.0)  # still restoring at every check
    for host in ('h-fast', 'h-slow'):
        tenant.backend.add_isolated_files(host, 1, file_hash=file_hash)
    war_room = room(tenant, clock)
    first = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
    assert not first.failed, first.entries[-1]
    line = parse_line(first.entries[-1]['Contents']['follow_commands'][0])
    clock.sleep(3 * STAGE_SECONDS)
    seen = war_room.run(line.command, dict(line.args, polling='false'))
    assert {row['host_id']: row['outcome'] for row in listed_rows(seen)} == {'h-fast': 'restored',
                                                                             'h-slow': 'restoring'}
    tenant.backend.remove_host('h-fast')

    again = war_room.run(line.command, dict(line.args, polling='false'))

    assert not again.failed, again.entries[-1]
    assert again.entries[-1]['Contents']['unlisted_copies'] == 1, again.entries[-1]['HumanReadable']
    assert rows_of(again)['h-fast']['outcome'] == 'restored'  # the context keeps the earlier check's row of it
    note = unlisted_note(again.entries[-1])
    assert note.startswith('HSS no longer lists 1 of the 2 copies this restore sent'), note
    assert 'holds no row' not in note, note


@pytest.mark.parametrize('order', ['as written', 'reversed'])
def test_a_check_whose_copies_no_longer_listed_include_a_row_with_an_empty_host_id_reports_each_in_one_order(
        clocked, order):
    # The emulator, as HSS may, refuses a restore sent without a host ID, and a row the pack writes never holds an
    # empty one: but the incident's context is anyone's to edit (a hand edit, a playbook's Set), and the check follows
    # any row whose host_id is text, an empty one read as no host. Both copies a restore by hash sent then leave HSS,
    # h-a's row kept with its host_id emptied: the check reports each no longer listed (no TypeError from ordering no
    # host against a host), h-b's row, then the row of no host, whatever the order of the rows in the context.
    tenant, clock = clocked
    result, war_room, copies, file_hash = restore_whose_copies_all_vanish(tenant, clock, 'hash')
    assert not result.failed, result.entries[-1]
    line = parse_line(result.entries[-1]['Contents']['follow_commands'][0])
    rows = [dict(row, host_id='') if row['host_id'] == 'h-a' else row for row in listed_rows(result)]
    war_room.context['HuaweiHSS']['RestoredFile'] = rows if order == 'as written' else rows[::-1]

    again = war_room.run(line.command, {**line.args, 'polling': 'false'})

    assert not again.failed, again.entries[-1]
    last = again.entries[-1]
    gone = [(row.get('host_id'), row['file_hash'], row['file_path']) for row in last['Contents']['items']
            if row['outcome'] == 'not_found' and 'no longer lists' in row['reason']]
    assert gone == [('h-b', file_hash, copies['h-b']['file_path']), (None, file_hash, copies['h-a']['file_path'])]
    assert last['Contents']['unlisted_copies'] == len(copies), last['HumanReadable']


def restore_whose_copies_partly_vanish(tenant, clock, sent, removed, absent_file):
    """A restore by hash (beside it, with ``absent_file``, a hash isolated nowhere: its own not_found row) that sends
    ``sent`` copies of one hash, on h-0, h-1, ..., after whose PUT HSS lists the last ``removed`` of them in no status
    (the copies deleted) and restores the others: its result, war room, and the removed copies' hosts."""
    file_hash, hosts = 'c7' * 32, [f'h-{index}' for index in range(sent)]
    for host in hosts:
        tenant.backend.add_host(host, host)
        tenant.backend.add_isolated_files(host, 1, file_hash=file_hash)
    gone = hosts[sent - removed:]

    def sleep(seconds):  # after the start's PUT
        clock.sleep(seconds)
        tenant.backend.files[:] = [f for f in tenant.backend.files if f.host_id not in gone]

    war_room = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=sleep)
    hashes = [file_hash, 'c8' * 32] if absent_file else [file_hash]
    return war_room.run('hss-restore-isolated', {'file_hash': json.dumps(hashes)}), war_room, gone


@pytest.mark.parametrize('with_row, absent_file', [(1, False), (2, True)],
                         ids=['1 row kept', '2 rows kept, beside a file with no copy'])
def test_a_check_that_finds_rows_of_some_copies_hss_stops_listing_counts_those_and_the_others_in_its_words(
        clocked, with_row, absent_file):
    # README (Outcomes): 4 copies sent, HSS then lists 3 of them in no status, and the follow command runs where the
    # incident's context keeps the rows of only some of those 3. The summary line counts the copies with a row in its
    # not_found count, saying how many of that count they are when a file with no copy shares it, then the rest as
    # more copies sent and no longer listed; the note says which have rows and how many have none.
    tenant, clock = clocked
    sent, removed = 4, 3
    result, war_room, gone = restore_whose_copies_partly_vanish(tenant, clock, sent, removed, absent_file)
    assert not result.failed, result.entries[-1]
    war_room.context['HuaweiHSS']['RestoredFile'] = [row for row in listed_rows(result)
                                                     if row.get('host_id') in gone[:with_row]]
    line = parse_line(result.entries[-1]['Contents']['follow_commands'][0])

    again = war_room.run(line.command, {**line.args, 'polling': 'false'}).entries[-1]

    rowless, not_found = removed - with_row, with_row + absent_file
    which = f'{with_row} of them ' if absent_file else ''  # the whole not_found count is copies sent, or not
    said = again['HumanReadable'].split('\n')[0].split(': ', 1)[1]
    assert said == (f'{sent - removed} restored, 0 restoring, 0 failed, {not_found} not found ({which}sent, no longer '
                    f'listed by HSS), {rowless} more sent and no longer listed'), said
    assert unlisted_note(again) == (
        f'HSS no longer lists {removed} of the {sent} copies this restore sent, isolated or restored (a host removed '
        f'from HSS, or the copy deleted), so whether they are back is not known; their rows in the incident\'s '
        f'context say so (not_found) for {with_row} of them; no row of the other {rowless} is left restoring in this '
        f'incident\'s context (a row an earlier check wrote keeps what HSS listed then). Check the hosts in the HSS '
        f'console.')


def test_a_check_polling_goes_on_from_says_which_copies_sent_hss_no_longer_lists_before_the_last(clocked):
    # 2 copies sent: HSS then lists h-gone's in no status, while h-slow's agent is still restoring its own. The first
    # check, with checks to follow, already counts the copy no longer listed and gives the note on it, not the last
    # check only, so an analyst reading along knows to look at that host in the HSS console.
    tenant, clock = clocked
    file_hash, interval, sent, removed = 'c9' * 32, 15, 2, 1
    tenant.backend.add_host('h-slow', 'h-slow', restore_stages=5)
    tenant.backend.add_host('h-gone', 'h-gone')
    for host in ('h-slow', 'h-gone'):
        tenant.backend.add_isolated_files(host, 1, file_hash=file_hash)

    def sleep(seconds):  # after the start's PUT
        clock.sleep(seconds)
        tenant.backend.files[:] = [f for f in tenant.backend.files if f.host_id != 'h-gone']

    result = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=sleep).run(
        'hss-restore-isolated', {'file_hash': file_hash, 'interval_in_seconds': str(interval)})

    assert not result.failed and 'PollingCommand' in result.entries[1], result.entries[1]
    first = result.entries[1]
    summary = (f'Huawei Cloud HSS restore, after {interval} s: 0 restored, {sent - removed} restoring, 0 failed, '
               f'{removed} not found (sent, no longer listed by HSS); checking again in {interval} s.')
    assert first['HumanReadable'] == f'{summary}\n\n{unlisted_note(first)}', first['HumanReadable']
    assert unlisted_note(first).startswith(f'HSS no longer lists {removed} of the {sent} copies this restore sent'), \
        first['HumanReadable']


def two_projects_sharing_a_hash(tenant, clock, file_hash):
    """A copy of ``file_hash`` on a slow host of another enterprise project (h-ep, still restoring long after its PUT)
    and one on a host of the default project (h-0); and a war room whose instance names no enterprise project, so
    that a listing without the argument sees h-0's only (the seed's page: "The value 0 indicates the default
    enterprise project")."""
    project = HOSTS['web-03']['enterprise_project_id']  # an enterprise project the seed's tenant holds, not 0
    tenant.backend.add_host('h-ep', 'h-ep', enterprise_project_id=project, restore_stages=1000)
    tenant.backend.add_host('h-0', 'h-0')
    for host in ('h-ep', 'h-0'):
        tenant.backend.add_isolated_files(host, 1, file_hash=file_hash)
    return project, room(tenant, clock, hss_enterprise_project_id='')


def test_a_check_in_the_default_project_leaves_alone_a_copy_another_enterprise_projects_restore_left_restoring(
        clocked):
    # The incident's context keeps the row of h-ep's copy, restoring, from a restore run in its enterprise project.
    # A later restore of the same hash in the default project cannot see that copy in its listings: its checks must
    # not take the copy for one HSS no longer lists (not_found), as it is still there, restoring.
    tenant, clock = clocked
    file_hash = 'e7' * 32
    project, war_room = two_projects_sharing_a_hash(tenant, clock, file_hash)
    earlier = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'enterprise_project_id': project,
                                                    'polling': 'false'})
    assert {row['host_id']: row['outcome'] for row in listed_rows(earlier)} == {'h-ep': 'restoring'}
    clock.sleep(60)  # the later restore comes a minute after: h-ep's copy changed before it, so it is not its own

    result = war_room.run('hss-restore-isolated', {'file_hash': file_hash})

    assert not result.failed, result.entries[-1]
    rows = rows_of(result)
    assert rows['h-0']['outcome'] == 'restored'
    assert rows['h-ep']['outcome'] == 'restoring', rows['h-ep']
    assert tenant.backend.isolation_status('h-ep', file_hash, rows['h-ep']['file_path']) == 'restoring'
    assert 'no longer list' not in result.entries[-1]['HumanReadable']


def test_a_check_in_the_enterprise_project_a_restore_ran_in_still_says_a_copy_it_sent_is_no_longer_listed(clocked):
    # The same row judged by a listing that can see it: once h-ep leaves HSS, the check that follows a restore run in
    # h-ep's enterprise project (its entry's follow command) reports the copy not_found, no longer listed.
    tenant, clock = clocked
    file_hash = 'e8' * 32
    project, war_room = two_projects_sharing_a_hash(tenant, clock, file_hash)
    started = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'enterprise_project_id': project,
                                                    'polling': 'false'})
    [follow] = started.entries[-1]['Contents']['follow_commands']
    tenant.backend.remove_host('h-ep')

    line = parse_line(follow)
    result = war_room.run(line.command, {**line.args, 'polling': 'false'})

    [gone] = [row for row in listed_rows(result) if row.get('host_id') == 'h-ep']
    assert gone['outcome'] == 'not_found' and 'no longer lists' in gone['reason'], gone


def project_argument(project):
    """The enterprise_project_id argument naming ``project``; none for None."""
    return {'enterprise_project_id': project} if project else {}


@pytest.mark.parametrize('started_in, checked_in', [('0', None), (None, '0')])
def test_enterprise_project_0_and_none_write_rows_alike_and_a_check_in_either_finds_the_others_copy_gone(
        clocked, started_in, checked_in):
    # The seed's page: "The value 0 indicates the default enterprise project", the one HSS answers for when the
    # parameter is left out (the Chinese ListIsolatedFile page: "企业项目ID默认取值为“0”", its default value is
    # "0"; Huawei's SDK says so of the events listing). A restore by hash run in one of the two and checked in the
    # other lists the same copies: its rows name no enterprise project either way (integration.yml: "left out for
    # the default one"), and the check still reports the copy it sent that HSS no longer lists.
    tenant, clock = clocked
    file_hash = 'e9' * 32
    tenant.backend.add_host('h-0', 'h-0', restore_stages=1000)
    tenant.backend.add_isolated_files('h-0', 1, file_hash=file_hash)
    war_room = room(tenant, clock, hss_enterprise_project_id='')
    started = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false',
                                                    **project_argument(started_in)})
    [row] = listed_rows(started)
    assert row['outcome'] == 'restoring' and 'enterprise_project_id' not in row, row
    [follow] = started.entries[-1]['Contents']['follow_commands']
    tenant.backend.remove_host('h-0')

    line = parse_line(follow)
    args = {name: value for name, value in line.args.items() if name != 'enterprise_project_id'}
    result = war_room.run(line.command, {**args, **project_argument(checked_in), 'polling': 'false'})

    [gone] = [row for row in listed_rows(result) if row.get('host_id') == 'h-0']
    assert gone['outcome'] == 'not_found' and 'no longer lists' in gone['reason'], gone
    assert 'enterprise_project_id' not in gone, gone


def test_the_gate_finds_restored_a_copy_a_run_given_0_sent_in_an_instance_set_to_another_enterprise_project(clocked):
    # A row names its enterprise project unless the run's and the instance's were both the default one. In an
    # instance set to another project, a restore given 0 (the seed's page: "The value 0 indicates the default
    # enterprise project") names it in its rows, and the gate's check reads the copy there and finds it restored.
    tenant, clock = clocked
    file_hash = 'ea' * 32
    tenant.backend.add_host('h-0', 'h-0', restore_stages=2)
    tenant.backend.add_isolated_files('h-0', 1, file_hash=file_hash)
    war_room = room(tenant, clock, hss_enterprise_project_id=HOSTS['web-03']['enterprise_project_id'])
    started = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'enterprise_project_id': '0',
                                                    'polling': 'false'})
    assert [row['outcome'] for row in listed_rows(started)] == ['restoring'], listed_rows(started)
    clock.sleep(600)  # the host's agent has long finished
    checks = []

    def execute(command, args):
        checks.append(war_room.run(command, args))
        return checks[-1].entries

    GATE.gate_command({'file_hash': file_hash, 'restore_command': 'hss-restore-isolated',
                       'restored_before': listed_rows(started)}, {}, execute)

    assert [(row['host_id'], row['outcome']) for check in checks for row in check.entries[-1]['Contents']['items']
            ] == [('h-0', 'restored')], [check.entries[-1]['HumanReadable'] for check in checks]


def test_the_follow_command_of_a_restore_in_the_default_project_follows_it_there_once_the_instance_is_set_to_another(
        clocked):
    # A restore run given no enterprise project in an instance of the default one lists and sends its copies there;
    # its follow command, run after the instance is set to another project, must still list the default one (the
    # seed's page: "The value 0 indicates the default enterprise project"), or it looks for the copy where HSS does
    # not list it and never finds it restored.
    tenant, clock = clocked
    file_hash = 'eb' * 32
    tenant.backend.add_host('h-0', 'h-0', restore_stages=2)
    tenant.backend.add_isolated_files('h-0', 1, file_hash=file_hash)
    war_room = room(tenant, clock, hss_enterprise_project_id='')
    started = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
    assert [row['outcome'] for row in listed_rows(started)] == ['restoring'], listed_rows(started)
    [follow] = started.entries[-1]['Contents']['follow_commands']
    war_room.params['hss_enterprise_project_id'] = HOSTS['web-03']['enterprise_project_id']
    clock.sleep(600)  # the host's agent has long finished

    line = parse_line(follow)
    followed = war_room.run(line.command, {**line.args, 'polling': 'false'})

    assert not followed.failed, followed.entries[-1]['Contents']
    assert line.args.get('enterprise_project_id') == '0', follow
    assert [(row['host_id'], row['outcome']) for row in listed_rows(followed)] == [('h-0', 'restored')], \
        listed_rows(followed)
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1  # following sends nothing again


@pytest.mark.parametrize('started_in, set_to', [('', 'web-03'), ('web-03', '')])
def test_polling_checks_list_the_enterprise_project_the_restore_started_in_once_the_instance_is_set_to_another(
        clocked, started_in, set_to):
    # A restore run given no enterprise project lists and sends in the instance's (the default one, or another); the
    # instance set to another project while polling runs must not move the checks XSOAR schedules there, or they never
    # find the copy restored. Each check's PollingArgs name the project listed, the default as 0 (the seed's page:
    # "The value 0 indicates the default enterprise project"), as the follow line does.
    tenant, clock = clocked
    projects = {name: HOSTS[name]['enterprise_project_id'] if name else '' for name in (started_in, set_to)}
    file_hash = 'ec' * 32
    tenant.backend.add_host('h-0', 'h-0', enterprise_project_id=projects[started_in] or '0', restore_stages=2)
    tenant.backend.add_isolated_files('h-0', 1, file_hash=file_hash)
    war_room = room(tenant, clock, hss_enterprise_project_id=projects[started_in])

    def set_to_another_project_then_sleep(seconds):
        war_room.params['hss_enterprise_project_id'] = projects[set_to]
        clock.sleep(seconds)

    war_room.sleep = set_to_another_project_then_sleep
    result = war_room.run('hss-restore-isolated', {'file_hash': file_hash})

    assert not result.failed, result.entries[-1]['Contents']
    assert result.runs > 1, result.entries  # checks ran after the instance was set to another project
    assert [(row.get('host_id'), row['outcome']) for row in listed_rows(result)] == [('h-0', 'restored')], \
        listed_rows(result)
    assert {entry['PollingArgs'].get('enterprise_project_id') for entry in result.entries if entry.get('PollingArgs')
            } == {projects[started_in] or '0'}, result.entries
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1



def test_a_check_in_an_enterprise_project_names_that_project_where_a_hash_has_no_isolated_copy(clocked):
    # A restore run in an enterprise project (web-03's, by its ID): a hash HSS lists there only as restored before the
    # run has no copy to restore, and every check's row for it says where none was found: that project, not the default.
    tenant, clock = clocked
    project = HOSTS['web-03']['enterprise_project_id']
    restoring, back = 'ed' * 32, 'ee' * 32
    tenant.backend.add_host('h-0', 'h-0', enterprise_project_id=project, restore_stages=2)
    tenant.backend.add_isolated_files('h-0', 1, file_hash=restoring)
    tenant.backend.add_isolated_files('h-0', 1, file_hash=back, isolation_status='restored')
    clock.sleep(60)  # restored a minute before the run

    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': f'{restoring},{back}',
                                                               'enterprise_project_id': project})

    assert not result.failed and result.runs > 1, result.entries[-1]['Contents']  # checks ran
    [row] = [row for row in listed_rows(result) if row['file_hash'] == back]
    assert row['outcome'] == 'not_found' and f'in enterprise project {project}' in row['reason'], row


@pytest.mark.parametrize('copies', [facts.READABLE_DETAIL_MAX, facts.READABLE_DETAIL_MAX + 1])
def test_the_last_check_names_the_hosts_still_restoring_and_how_to_follow_them_at_any_scale(clocked, copies):
    # README: the copies polling leaves stay restoring "with what to check: the host's agent is offline or busy, and
    # the command that follows it later"; past 50 copies the final entry counts instead of listing (Readable at any
    # scale). Counted or listed, the war room must still say which hosts' copies polling left, and how to follow them.
    tenant, clock = clocked
    file_hash, offline = 'ad' * 32, 3
    tenant.backend.add_host('agent-offline', 'agent-offline', agent_online=False)
    tenant.backend.add_host('agent-online', 'agent-online')
    tenant.backend.add_isolated_files('agent-offline', offline, file_hash=file_hash)
    tenant.backend.add_isolated_files('agent-online', copies - offline, file_hash=file_hash)

    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': file_hash, 'timeout_in_seconds': '20'})

    assert not result.failed, result.entries[-1]
    last = result.entries[-1]
    assert [row['outcome'] for row in listed_rows(result)].count('restoring') == offline
    [follow] = last['Contents']['follow_commands']
    assert follow in last['HumanReadable'], last['HumanReadable']
    # each copy left counted, its host named once
    assert (f'Polling ended before HSS listed every copy restored: {offline} still restoring, on agent-offline. '
            in last['HumanReadable']), last['HumanReadable']
    # Both forms are the ones met here: up to 50 copies every one is a row of the table, past 50 none is listed.
    paths = {row['file_path'] for row in listed_rows(result)}
    tables = [line for line in last['HumanReadable'].splitlines() if line.startswith('|')]
    if copies <= facts.READABLE_DETAIL_MAX:
        assert tables, last['HumanReadable']
        assert {row['file_path'] for row in markdown_rows(last['HumanReadable'])} == paths and len(paths) == copies
    else:
        assert not tables and not any(path in last['HumanReadable'] for path in paths), last['HumanReadable']


@pytest.mark.parametrize('copies', [1, facts.READABLE_DETAIL_MAX + 1])  # under a table; under the grouped outcome
def test_the_last_check_names_the_hosts_still_restoring_as_hss_names_them_whatever_markdown_their_names_hold(
        clocked, copies):
    # A host's name is the user's own text: an emphasis mark, a pipe, a backtick or a backslash in it (one ending the
    # list, right before its full stop) must show as HSS names the host, not turn the rest of the line into emphasis
    # or a code span, nor drop a character.
    tenant, clock = clocked
    file_hash = 'af' * 32
    for host_id, name in (('h-star', '*web*_01_'), ('h-tick', 'C:\\hosts\\`db`|\\')):
        tenant.backend.add_host(host_id, name, agent_online=False)
        tenant.backend.add_isolated_files(host_id, copies, file_hash=file_hash)

    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': file_hash, 'timeout_in_seconds': '20'})

    assert not result.failed, result.entries[-1]
    left = [row['host_name'] for row in listed_rows(result) if row['outcome'] == 'restoring']
    assert len(left) == 2 * copies, listed_rows(result)
    [line] = [line for line in result.entries[-1]['HumanReadable'].splitlines()
              if line.startswith('Polling ended before HSS listed')]
    names = ', '.join(dict.fromkeys(left))
    assert f'{2 * copies} still restoring, on {names}. HSS issued' in as_commonmark_reads(line)[1], line
    assert emphasis_pairs(line) == [], line


def restore_left_on_an_offline_agent(clocked, file_hash):
    """A restore of one copy on a host whose agent is offline, followed to a 20 s timeout: left restoring."""
    tenant, clock = clocked
    tenant.backend.add_host('agent-offline', 'agent-offline', agent_online=False)
    tenant.backend.add_isolated_files('agent-offline', 1, file_hash=file_hash)
    return room(tenant, clock).run('hss-restore-isolated', {'file_hash': file_hash, 'timeout_in_seconds': '20'})


def test_the_last_check_about_one_copy_still_restoring_speaks_of_one_task_one_host_and_how_to_follow_it(clocked):
    # The demo's offline agent leaves one copy restoring: the words after the count must not speak of several tasks,
    # hosts or agents, and still say what to check and how to follow it.
    result = restore_left_on_an_offline_agent(clocked, 'ae' * 32)

    last = result.entries[-1]
    [follow] = last['Contents']['follow_commands']
    assert (f'1 still restoring, on agent-offline. HSS issued the restore task of each, which its host\'s agent has '
            f'not finished (its reason in HuaweiHSS.RestoredFile says what to check). To follow each: `{follow}`'
            in last['HumanReadable']), last['HumanReadable']  # the command Contents gives, a code span to copy
    assert 'tasks' not in last['HumanReadable'] and "hosts' agents" not in last['HumanReadable'], last['HumanReadable']


def test_a_copy_still_restoring_says_where_its_follow_command_is_in_words_an_analyst_reads(clocked):
    # The reason is read in the entry's table and in the summary note, away from the entry: it says which command
    # (the last check's follow command, given once below its table) and where else it is, as XSOAR names it (the raw
    # response), not "gives once ... in its Contents".
    result = restore_left_on_an_offline_agent(clocked, 'ad' * 32)

    [row] = listed_rows(result)
    assert row['outcome'] == 'restoring', row
    assert row['reason'].endswith("To follow it, run the follow command of the last check's entry, given once for "
                                  'every copy below its table (and in its raw response, follow_commands).'), row
    assert 'gives once' not in row['reason'] and 'Contents' not in row['reason'], row


def test_the_summary_of_a_copy_left_restoring_gives_one_command_beside_its_row_which_run_as_given_follows_it(clocked):
    # The summary note's table showed the row's reason, which sends the analyst to the follow command of the last
    # check's entry, while the step beside it gives a command of its own with an all-zero restore_state and words
    # ("any change of the copy counts") that read as a fault. The row no longer points elsewhere; the step's one
    # command says in plain words why its restore_state is all zeros, and run exactly as given, it follows the copy.
    tenant, clock = clocked
    result = restore_left_on_an_offline_agent(clocked, 'af' * 32)
    [row] = listed_rows(result)
    summary = _load_script('QuarantineRestoreSummary').summary_command({'vendor': 'hss'}, result.context)
    note = summary['HumanReadable']

    [cell] = [line.split('|')[-2] for line in note.splitlines() if line.startswith('|') and row['file_path'] in line]
    assert "last check's entry" not in cell and 'follow_commands' not in cell, cell
    assert 'agent-offline' in cell, cell  # what to check stays
    [step] = [line for line in note.splitlines() if line.startswith('- ') and 'still restoring' in line]
    [follow] = [span for span in as_commonmark_reads(step)[0] if 'restore_state=' in span]
    shown = as_commonmark_reads(step)[1]
    assert 'counts:' not in shown and "the restore's own restore_state is not needed" in shown, shown
    tenant.backend.hosts['agent-offline'].agent_online = True
    line = parse_line(follow)
    followed = room(tenant, clock).run(line.command, line.args)
    assert not followed.failed, followed.entries[-1]
    assert [r['outcome'] for r in as_list(get_path(followed.context, 'HuaweiHSS.RestoredFile'))] == ['restored']


def test_the_start_counts_its_rows_by_outcome_and_no_copy_unlisted_or_untaken_which_only_a_check_can_see(clocked):
    # The start has sent its copies and read nothing since: no copy it sent can be unlisted yet, or still isolated
    # unchanged since it was sent, so its line counts the rows by outcome and says no more.
    tenant, clock = clocked
    file_hash = 'a3' * 32
    tenant.backend.add_host('h-a', 'h-a')
    tenant.backend.add_isolated_files('h-a', 1, file_hash=file_hash)

    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    first_line = result.entries[0]['HumanReadable'].split('\n')[0]
    assert first_line.endswith('Huawei Cloud HSS restore: 0 restored, 1 restoring, 0 failed, 0 not found'), first_line


def test_the_start_of_a_restore_of_one_copy_speaks_of_no_tasks_and_says_each_copy_is_followed(clocked):
    # The demo restores one copy per incident: the start must not speak of several tasks, whatever the copies' number,
    # and says what the checks wait for, as the reason of a failed copy speaks of it: HSS accepted the restore.
    tenant, clock = clocked
    file_hash = 'af' * 32
    tenant.backend.add_host('agent-online', 'agent-online')
    tenant.backend.add_isolated_files('agent-online', 1, file_hash=file_hash)

    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': file_hash})

    start = result.entries[0]['HumanReadable']
    assert 'HSS accepted the restore; checking every 10 seconds until each copy is restored.' in start, start
    assert 'tasks' not in start, start


def test_a_check_of_many_exact_items_lists_copies_of_one_path_on_one_host_in_hash_order(clocked):
    # Past HSS_CHECK_BY_HASH_MAX hashes a check reads the whole project; its rows go by host and path, and copies of one
    # path on one host (the file replaced, then isolated again) by hash: the same check shows the same table every time.
    tenant, clock = clocked
    host, path = SLOW['host_id'], '/opt/app/bin/updater'
    hashes = [hashlib.sha256(f'build {n}'.encode()).hexdigest() for n in range(30)]
    for file_hash in hashes:
        tenant.backend.isolate_file(host, file_hash, path)
    given = sorted(hashes, reverse=True)
    args = {'host_id': json.dumps([host] * len(given)), 'file_hash': json.dumps(given),
            'file_path': json.dumps([path] * len(given))}
    war_room = room(tenant, clock)
    state = restore_state_of_a_start(war_room, args)

    check = war_room.run('hss-restore-isolated', dict(args, polling='false', restore_state=state))

    assert not check.failed, check.entries[-1]
    [rows] = [as_list(rows) for key, rows in check.entries[-1]['EntryContext'].items()
              if key.startswith('HuaweiHSS.RestoredFile')]
    assert [row['file_hash'] for row in rows] == sorted(hashes)


def test_a_check_of_many_exact_items_lists_its_rows_by_host_then_path_then_hash(clocked):
    # README: past HSS_CHECK_BY_HASH_MAX hashes a check reads the whole project, and its rows go by host, path, then
    # hash, so the same check shows the same table every time: here hosts, paths and hashes each out of that order.
    tenant, clock = clocked
    for host in ('h-b', 'h-a'):
        tenant.backend.add_host(host, host)
    items = [(('h-b', 'h-a')[n % 2], ('/srv/z.bin', '/srv/a.bin')[n // 2 % 2],
              hashlib.sha256(f'copy {n}'.encode()).hexdigest()) for n in range(facts.HSS_CHECK_BY_HASH_MAX + 4)]
    for host, path, file_hash in items:
        tenant.backend.isolate_file(host, file_hash, path)
    args = {name: json.dumps([item[index] for item in items])
            for index, name in enumerate(('host_id', 'file_path', 'file_hash'))}
    war_room = room(tenant, clock)
    state = restore_state_of_a_start(war_room, args)

    check = war_room.run('hss-restore-isolated', dict(args, polling='false', restore_state=state))

    assert not check.failed, check.entries[-1]
    rows = check.entries[-1]['Contents']['items']
    assert [(row['host_id'], row['file_path'], row['file_hash']) for row in rows] == sorted(items)


def restore_state_of_a_start(war_room, args):
    """The restore_state a start without polling writes in its follow command, for a check by hand to read on."""
    first = war_room.run('hss-restore-isolated', dict(args, polling='false'))
    assert not first.failed, first.entries[-1]
    return re.search(r'restore_state=(\S+)', first.entries[-1]['Contents']['follow_commands'][0]).group(1)


def refusing_every_listing(tenant):
    """HSS refusing each listing of isolated files from now on: 400 HSS.0001 "Invalid parameter", of the enterprise
    project ID (as an HSS whose enterprise projects are off refuses one)."""
    def refusing(project_id, **filters):
        raise InvalidParameter('enterprise_project_id')

    tenant.backend.list_isolated_files = refusing
    return len(tenant.requests_to('GET', '/event/isolated-file'))  # the listings sent so far


def assert_advice_on_the_listing(said, request):
    """A refused listing's advice names what it sends (the enterprise project ID, argument or setting, and the project
    ID), never a restore field it does not send (the seed's data_list item fields), nor a file's isolation: a listing
    restores nothing, and a check must repeat its start's items as they were."""
    assert 'HSS.0001' in said, said
    unsent = {'host_id', 'file_hash', 'file_path', 'file_attr'} - set(request.query)
    assert unsent and not [field for field in unsent if field in said], said
    assert 'still isolated' not in said and 'enterprise_project_id' in said, said
    for setting in ('hss_enterprise_project_id', 'hss_project_id'):
        assert f'"{load_spec().params[setting].display}"' in said, said


def test_a_check_of_many_exact_items_hss_refuses_the_listing_of_gets_advice_on_that_listing_not_on_a_restore(clocked):
    # Past HSS_CHECK_BY_HASH_MAX hashes a check lists the whole project's isolated files: no host_id, file_hash,
    # file_path nor file_attr goes out (the request log shows it), and nothing is restored.
    tenant, clock = clocked
    host = SLOW['host_id']
    added = tenant.backend.add_isolated_files(host, facts.HSS_CHECK_BY_HASH_MAX + 1)
    args = {'host_id': host, 'file_hash': json.dumps([item['file_hash'] for item in added]),
            'file_path': json.dumps([item['file_path'] for item in added])}
    war_room = room(tenant, clock)
    state = restore_state_of_a_start(war_room, args)

    before = refusing_every_listing(tenant)
    check = war_room.run('hss-restore-isolated', dict(args, polling='false', restore_state=state))

    text = check.entries[-1]['HumanReadable']
    said = text.split('not read at this check:', 1)[-1].split('To follow the restore', 1)[0]
    assert 'To follow the restore' in text, text
    [request] = tenant.requests_to('GET', '/event/isolated-file')[before:]
    assert not {'host_id', 'file_hash', 'file_path', 'file_attr'} & set(request.query), request.query
    assert_advice_on_the_listing(said, request)


@pytest.mark.parametrize('run', ['start', 'check'])
def test_a_listing_by_hash_hss_refuses_gets_advice_on_that_listing_not_on_a_restore_s_fields(clocked, run):
    # A restore by hash lists the hash's copies before it sends anything, and each of its checks lists them again
    # (README): by file_hash alone, whatever hosts were given (the request log shows what goes out).
    tenant, clock = clocked
    war_room = room(tenant, clock)
    args = {'file_hash': UPDATER, 'host_id': SLOW['host_id'], 'polling': 'false'}
    if run == 'check':
        started = war_room.run('hss-restore-isolated', args)
        assert not started.failed, started.entries[-1]
        args = dict(parse_line(started.entries[-1]['Contents']['follow_commands'][0]).args, polling='false')

    before = refusing_every_listing(tenant)
    result = war_room.run('hss-restore-isolated', args)

    [request] = tenant.requests_to('GET', '/event/isolated-file')[before:]
    assert request.query.get('file_hash'), request.query
    if run == 'start':  # nothing was sent: the run fails with HSS's answer
        assert result.failed and not tenant.requests_to('PUT', '/event/isolated-file')
        said = str(result.entries[-1]['Contents'])
    else:  # one listing not read does not end the restore: the check says so
        said = result.entries[-1]['HumanReadable'].split('To follow the restore', 1)[0]
        assert 'not read at this check' in said, said
    assert_advice_on_the_listing(said, request)


def refusing_listings_after_the_start(tenant, clock, checks_refused, refusal=None):
    """A war room whose HSS refuses the listing of isolated files (400 HSS.0001, or ``refusal``, an HssError) at the
    first ``checks_refused`` checks after the start, then lists them again (None: from the start on, at every check)."""
    listings, refused = tenant.backend.list_isolated_files, []

    def refusing_some(project_id, **filters):
        if checks_refused is None or len(refused) <= checks_refused:
            raise refusal or InvalidParameter('enterprise_project_id')
        return listings(project_id, **filters)

    def after_each_entry(entry):  # the start's entry, then each check's
        refused.append(entry)
        tenant.backend.list_isolated_files = refusing_some

    return WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=clock.sleep,
                   on_entry=after_each_entry)


def test_polling_ends_with_hss_s_code_and_the_listing_s_advice_once_hss_refuses_two_checks_listings_in_a_row(
        clocked):
    # HSS answers its own errors with 400 ("Error Codes"): one refusing a listing the start read fine, at two checks in
    # a row, would refuse it alike at every check until the timeout, an entry each, and not one of them read.
    tenant, clock = clocked
    war_room = refusing_listings_after_the_start(tenant, clock, None)
    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': OFFLINE['host_id']})

    assert result.runs == 3, [entry['HumanReadable'][:80] for entry in result.entries]  # start, check, check
    assert 'Checking again' in result.entries[1]['HumanReadable']  # one refusal may pass: read again
    last = result.entries[-1]['HumanReadable']
    said = last.split('not read at this check; polling ended with this check:')[1].split('To follow the restore', 1)[0]
    assert 'Checking again' not in last and 'restore_state=' in last.split('To follow the restore', 1)[1], last
    assert_advice_on_the_listing(said, tenant.requests_to('GET', '/event/isolated-file')[-1])
    [row] = as_list(get_path(war_room.context, 'HuaweiHSS.RestoredFile'))
    assert row['outcome'] == 'restoring' and 'refused' in row['reason'] and 'agent' not in row['reason'], row


def test_polling_ends_with_hss_s_code_and_no_word_of_the_url_once_hss_answers_two_checks_listings_with_its_own_404(
        clocked):
    # HSS's own 404 (test_data/hss/README.md: its code, not the gateway's APIGW.0101) to a listing the start read is
    # HSS refusing what the listing names, as its 400 is: once may pass, twice in a row would recur to the timeout.
    tenant, clock = clocked
    refusal = load_json(HSS_REPLIES / 'error_hss_404.json')
    war_room = refusing_listings_after_the_start(tenant, clock, None,
                                                 HssError(404, refusal['error_code'], refusal['error_msg']))
    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': OFFLINE['host_id']})

    assert result.runs == 3, [entry['HumanReadable'][:80] for entry in result.entries]  # start, check, check
    assert 'Checking again' in result.entries[1]['HumanReadable']  # one refusal may pass: read again
    last = result.entries[-1]['HumanReadable']
    said = last.split('not read at this check; polling ended with this check:')[1].split('To follow the restore', 1)[0]
    assert 'HTTP 404' in said and refusal['error_code'] in said and refusal['error_msg'] in said, said
    ours = said.split(' said: ', 1)[0]
    assert 'hss_enterprise_project_id' in ours and load_spec().params['hss_endpoint'].display not in ours, ours


@pytest.mark.parametrize('body', [b'', (HSS_REPLIES / 'error_proxy_404.html').read_text()], ids=['no body', 'proxy'])
def test_a_404_not_in_huaweis_form_to_a_check_s_listing_ends_polling_at_that_check_naming_the_endpoint_setting(
        clocked, body):
    # README (Polling): a 404 in no vendor's form (no body, a proxy's page) to a check's listing is the URL leading
    # elsewhere, as at the start (test_hss_restore_command.py -k not_in_huaweis_form): every later check would meet it,
    # so the first check that meets it is the last, with the line that follows the restore once the URL is fixed.
    tenant, clock = clocked
    gateway, answered = create_hss_app(tenant.gateway), []

    def front(request):  # HSS's gateway until the start's entry, then a 404 of no vendor's to each listing
        if answered and request.method == 'GET' and request.path.endswith('/event/isolated-file'):
            return Response(404, body if isinstance(body, bytes) else body.encode(), {'Content-Type': 'text/html'})
        return gateway(request)

    server = LoopbackServer(front).start()
    try:
        result = WarRoom(params=tenant.params('aksk', hss_endpoint=server.url), time_scale=1, sleep=clock.sleep,
                         on_entry=answered.append).run(
            'hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'], 'timeout_in_seconds': '600'})
    finally:
        server.stop()

    assert result.runs == 2, [entry['HumanReadable'][:80] for entry in result.entries]  # the start, one check
    last = result.entries[-1]['HumanReadable']
    said = last.split('not read at this check; polling ended with this check:')[1].split('To follow the restore', 1)[0]
    assert 'HTTP 404' in said and load_spec().params['hss_endpoint'].display in said, said
    assert 'restore_state=' in last.split('To follow the restore', 1)[1], last
    [row] = listed_rows(result)
    assert row['outcome'] == 'restoring' and row['reason'].startswith('Not followed to the end: HSS refused'), row


def test_a_check_whose_listing_hss_refuses_once_is_followed_by_one_that_reads_it_and_polling_goes_on(clocked):
    tenant, clock = clocked
    war_room = refusing_listings_after_the_start(tenant, clock, 1)
    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id']})

    assert 'not read at this check' in result.entries[1]['HumanReadable'] and 'HSS.0001' in result.entries[1][
        'HumanReadable']
    assert not result.failed and result.runs > 3, result.entries[-1]
    assert [row['outcome'] for row in rows_of(result).values()] == ['restored']


def test_a_check_whose_listing_hss_refuses_shows_hss_s_words_as_written(clocked):
    # HSS's message names a path holding markdown's active characters and a Windows folder: the check's entry, which
    # quotes it, shows it as HSS wrote it, every backslash, and emphasises nothing.
    tenant, clock = clocked
    message = 'Invalid parameter: file_path /srv/*data*/_x_ [1] <tmp> C:\\Temp\\_MEI1\\{5D2F}'
    war_room = refusing_listings_after_the_start(tenant, clock, 1, HssError(400, 'HSS.0001', message))
    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id']})

    text = result.entries[1]['HumanReadable']
    assert 'not read at this check' in text and message in as_commonmark_reads(text)[1], text
    assert emphasis_pairs(text) == [], text


def test_a_start_hss_throttles_past_a_run_shows_hss_s_words_as_written_in_its_put_off_entry(clocked):
    # HSS throttles the start's listing past what a run may wait (Retry-After 300 s), with a message naming a Windows
    # path and markdown's active characters: the entry that puts the start off quotes it as HSS wrote it.
    tenant, clock = clocked
    message = 'Too many requests: /srv/*data*/_x_ | [1] <tmp> C:\\Temp\\_MEI1\\{5D2F}'

    def throttled(project_id, **filters):
        raise HssError(429, 'APIGW.0308', message, headers={'Retry-After': '300'})

    tenant.backend.list_isolated_files = throttled
    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                              'timeout_in_seconds': '600'}, follow_polling=False)

    put_off = result.entries[-1]
    assert put_off.get('PollingCommand') and not tenant.requests_to('PUT', '/event/isolated-file'), put_off
    [line] = [line for line in put_off['HumanReadable'].splitlines() if 'throttled this restore' in line]
    assert message in as_commonmark_reads(line)[1], line
    assert emphasis_pairs(line) == [], line


def test_a_check_hss_refuses_the_listing_of_while_polling_goes_on_says_so_and_when_it_checks_again(clocked):
    # HSS refuses the first check's listing (400 HSS.0001, whose advice says nothing of trying again), then reads it:
    # that check, an interval after the start, counts no rows it did not read, and ends with when the next comes.
    tenant, clock = clocked
    interval = 15
    war_room = refusing_listings_after_the_start(tenant, clock, 1)
    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                   'interval_in_seconds': str(interval)})

    text = result.entries[1]['HumanReadable']
    assert text.startswith(f'Huawei Cloud HSS restore, after {interval} s: the listing was not read at this check: '
                           f'Huawei Cloud HSS answered HTTP 400.'), text
    assert text.endswith(f'. Checking again in {interval} s.') and text.count('again') == 1, text
    assert 'HSS.0001' in text and not re.search(r'\d+ restored', text), text
    assert 'PollingCommand' in result.entries[1] and not result.failed, result.entries[-1]


def test_checks_after_iam_refused_the_password_do_not_lock_the_iam_user_out(clocked):
    # The IAM user's password changes while a restore polls (the instance not yet updated): polling stops at the check
    # IAM refused, and each check run again by its follow line is a run of its own; IAM by default locks the user at 5
    # wrong passwords within 15 minutes.
    tenant, clock = clocked
    domain, user = tenant.base_params['hss_domain'], tenant.base_params['hss_credentials']['identifier']
    changed = []

    def password_changed_after_the_start(entry):
        if not changed:
            tenant.backend.add_user(domain, user, 'changed-Password-1', [tenant.backend.project_id])
            tenant.backend.expire_tokens()
            changed.append(entry)

    war_room = WarRoom(params=tenant.params('token'), time_scale=1, sleep=clock.sleep,
                       on_entry=password_changed_after_the_start)
    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': OFFLINE['host_id'],
                                                   'timeout_in_seconds': '120'})
    said = result.entries[-1]['HumanReadable'].split('To follow the restore: ', 1)[1]
    [follow] = [parse_line(command) for command in shown_follow_commands(said)]
    checks = [war_room.run(follow.command, follow.args) for _ in range(facts.IAM_LOCKOUT_FAILED_LOGINS)]

    assert result.runs == 2  # the start, then the check IAM refused: no check every interval refused alike
    assert not tenant.backend.is_locked(domain, user)
    assert len(tenant.requests_to('POST', '/v3/auth/tokens')) == 2  # the start's token, then one refused
    assert all('not sent again before' in json.dumps(check.entries[-1]) for check in checks)


def test_polling_stops_with_how_to_follow_the_restore_once_hss_refuses_the_credentials_at_a_check(clocked):
    # The AK/SK pair is regenerated while a restore polls (the instance not yet updated): every later check would send
    # a listing HSS refuses alike, every interval until the polling timeout, as restore-file no longer does.
    tenant, clock = clocked
    access_key = tenant.base_params['hss_aksk']['identifier']

    def secret_key_regenerated_after_the_start(entry):
        tenant.backend.add_access_key(access_key, 'regenerated-' + 'S' * 30)

    war_room = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=clock.sleep,
                       on_entry=secret_key_regenerated_after_the_start)
    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': OFFLINE['host_id']})

    assert result.runs == 2  # the start, then one check: not a refused check every 10 s until the timeout
    last = json.dumps(result.entries[-1])
    assert 'HTTP 401' in last and 'restore_state=' in last  # HSS's answer, and the line that follows the restore
    assert 'checking again' not in last


def test_a_check_whose_first_listing_met_a_200_from_in_front_of_hss_and_another_the_key_s_refusal_stops_polling(
        clocked):
    # The AK/SK pair is regenerated while a restore of two hashes polls, and a captive portal's page answers every
    # attempt of the check's first listing sent (a "try again later" cause): the other hash's listing, sent once it
    # failed, meets the gateway's 401. Every later check would meet that refusal: polling ends with this check, as it
    # does when the refusal is the only failure (-k polling_stops_with_how_to_follow), and the check says the refusal
    # whole, once; when the listing that met the page is the first hash's, the page first, then the refusal.
    tenant, clock = clocked
    access_key = tenant.base_params['hss_aksk']['identifier']
    other = next(f['file_hash'] for f in SLOW['isolated_files'] if f['file_hash'] != UPDATER)
    faulted = facts.DEFAULT_MAX_RETRIES + 1
    asked, checked_from = Asked(create_hss_app(tenant.gateway)), []

    def key_regenerated_and_a_portal_in_front_of_hss_after_the_start(entry):
        if tenant.gateway.faults is None:
            tenant.backend.add_access_key(access_key, 'regenerated-' + 'S' * 30)
            tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=200-page*{faulted}'))
            checked_from.append(len(asked.hashes))  # the check's requests come after the start's

    with LoopbackServer(InFlight(asked)) as server:  # each request held 50 ms
        war_room = WarRoom(params=tenant.params('aksk', hss_endpoint=server.url, retry_backoff='0'), time_scale=1,
                           sleep=clock.sleep, on_entry=key_regenerated_and_a_portal_in_front_of_hss_after_the_start)
        result = war_room.run('hss-restore-isolated', {'file_hash': f'{UPDATER},{other}',
                                                       'host_id': SLOW['host_id']})

    assert tenant.gateway.faults.counts() == {'200-page': faulted}
    assert result.runs == 2  # the start, then one check: not a check every 10 s that meets the refusal again
    last = result.entries[-1]['HumanReadable']
    assert 'HTTP 401' in last and facts.HSS_GATEWAY_AUTH_FAILED[0] in last and 'secret key' in last, last
    assert last.count('HTTP 401') == 1, last  # said once, whichever listing met it
    if asked.hashes[checked_from[0]] == UPDATER:  # the first hash's listing met the page
        assert '(hss_endpoint)' in last and last.index('(hss_endpoint)') < last.index('HTTP 401'), last
    assert 'polling ended with this check' in last and 'restore_state=' in last, last


def another_tool_locks_the_access_key(tenant):
    """Another tool signs with a wrong secret key: its own runs, each refused once, until HSS's gateway locks the access
    key for 5 minutes. Returns when the lock ends (epoch s: the emulator's wall clock is the integration's)."""
    import restore_integration as ri
    access_key = tenant.base_params['hss_aksk']['identifier']
    wrong = tenant.params('aksk', hss_aksk={'identifier': access_key, 'password': 'Wrong' + 'x' * 35},
                          retry_backoff='0')
    for _ in range(facts.HSS_AK_LOCKOUT_FAILURES):
        with pytest.raises(ri.RestoreError):
            ri.HssClient(ri.read_hss_settings(wrong), ri.read_transport_settings(wrong)).list_isolated_files()
    return ri.time.time() + facts.HSS_AK_LOCKOUT_S


def polled_over_a_lock(tenant, clock):
    """A restore polled while another tool, signing with a wrong secret key, locks the access key for 5 minutes right
    after the start: (the war room's result, whether the key was locked then, when the gateway's lock ends: epoch s)."""
    access_key = tenant.base_params['hss_aksk']['identifier']
    [path] = [f['file_path'] for f in SLOW['isolated_files'] if f['file_hash'] == UPDATER]
    locked, lock_ends = [], []

    def another_tool_locks_the_key_after_the_start(entry):
        if not locked:
            lock_ends[:] = [another_tool_locks_the_access_key(tenant)]
        locked.append(tenant.gateway.aksk_locked(access_key))

    war_room = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=clock.sleep,
                       on_entry=another_tool_locks_the_key_after_the_start)
    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                   'file_path': path, 'timeout_in_seconds': '900',
                                                   'interval_in_seconds': str(facts.MIN_POLLING_INTERVAL)})
    return result, locked[0], lock_ends[0]


def test_a_check_that_meets_the_gateway_s_lock_of_the_access_key_polls_on_and_reads_the_restore_once_it_ended(clocked):
    # Another tool signing with a wrong secret key locks the access key for 5 minutes while a restore polls. The lock
    # passes by itself: a check that meets it must not end polling, nor leave the rows saying HSS refused a check
    # (credentials, permission, URL); a check after the lock reads the listing and finds the copy restored.
    tenant, clock = clocked
    result, locked, _ = polled_over_a_lock(tenant, clock)

    assert locked
    met = [entry for entry in result.entries if facts.HSS_AK_LOCKED[1].split(': ')[1] in json.dumps(entry)]
    assert met and met[-1] is not result.entries[-1], result.entries[-1]  # a check met the lock, and polling went on
    assert not result.failed, result.entries[-1]
    [row] = listed_rows(result)
    assert (row['host_id'], row['outcome']) == (SLOW['host_id'], 'restored'), row
    assert 'refused' not in row['reason'], row
    assert not tenant.gateway.aksk_locked(tenant.base_params['hss_aksk']['identifier'])  # polling outlasted the lock


def test_only_the_first_check_that_meets_the_gateway_s_lock_says_it_in_full_the_later_ones_till_when_it_lasts(clocked):
    # A check every 10 s over a 5-minute lock: the war room must not show the gateway's whole answer and its advice
    # some 29 times. The first check that meets the lock quotes it and says until when it lasts at the latest; each
    # later one that meets it still says so in a line, with the gateway's code and the same end, and polls on.
    tenant, clock = clocked
    result, _, lock_ends = polled_over_a_lock(tenant, clock)

    code, message = facts.HSS_AK_LOCKED
    met = [entry['HumanReadable'] for entry in result.entries if code in entry['HumanReadable']]
    full = [text for text in met if message.split(': ')[1] in text]
    assert len(met) > 2 and len(full) == 1 and met[0] == full[0], met[:3]
    ends = [re.findall(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC', text) for text in met]
    assert all(len(found) == 1 and found == ends[0] for found in ends), ends  # each says the same end, once
    said_end = datetime.strptime(ends[0][0], '%Y-%m-%d %H:%M:%S UTC').replace(tzinfo=timezone.utc).timestamp()
    # at the latest: not before the gateway's lock ends, nor later than the first check's interval after it began
    assert int(lock_ends) <= said_end <= lock_ends + facts.MIN_POLLING_INTERVAL, (ends[0], lock_ends)
    for text in met[1:]:
        assert len(text) < len(full[0]) / 2 and 'still' in text and 'Checking again' in text, text
    assert not result.failed and listed_rows(result)[0]['outcome'] == 'restored', result.entries[-1]


# When the lock an earlier check told ends, as the restore_state it handed on says: passed, within the lock's length
# (5 minutes) ahead, or further ahead than any lock lasts (this machine's clock set back since)
LOCK_TOLD_ENDS_MS = {'a minute ago': -60_000, 'in a minute': 60_000, 'in an hour': 3_600_000}


@pytest.mark.parametrize('told_end', LOCK_TOLD_ENDS_MS)
def test_a_check_meeting_the_gateway_s_lock_says_it_in_full_unless_the_end_an_earlier_check_told_is_still_ahead(
        clocked, told_end):
    # A check whose restore_state says an earlier check met the lock, ending at told_end, meets the lock again (another
    # tool locked the key). Only an end still ahead, and no further than a lock lasts, is that lock: a line saying
    # until when. An end passed means a new lock, an end an hour ahead no lock this command told: the gateway's words
    # in full, and the new end.
    import restore_integration as ri
    tenant, clock = clocked
    args, *_ = follow_args(tenant, clock)
    another_tool_locks_the_access_key(tenant)
    until = int(ri.time.time() * 1000) + LOCK_TOLD_ENDS_MS[told_end]
    accepted, started, checks, *rest = args['restore_state'].split(':')
    args['restore_state'] = ':'.join([accepted, started, f'{checks}l{until:013d}', *rest])

    said = room(tenant, clock).run('hss-restore-isolated', dict(args, polling='false')).entries[0]['HumanReadable']

    code, message = facts.HSS_AK_LOCKED
    assert code in said, said
    assert (message.split(': ')[1] in said) is (told_end != 'in a minute'), said
    assert ('still locks' in said) is (told_end == 'in a minute'), said


def polled_check_by_check(tenant, clock, steps, params=None, real_time=False):
    """A restore of SLOW's copy polled for 300 s, each of ``steps`` (a function) called in turn as an entry comes, the
    start's first: what the next check meets. ``params``: the instance's (else AK/SK's); ``real_time``: the war room
    runs on ``clock``, a RunClock. The entries' text, the start's first."""
    def next_step(entry):
        if steps:
            steps.pop(0)()

    war_room = WarRoom(params=params or tenant.params('aksk'), time_scale=1, on_entry=next_step,
                       **({'sleep': clock.advance, 'clock': clock} if real_time else {'sleep': clock.sleep}))
    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                   'timeout_in_seconds': '300'})
    return [entry['HumanReadable'] for entry in result.entries]


def test_a_listing_failure_met_again_after_a_check_that_read_the_listing_is_said_in_full_again(clocked):
    # HSS's 500 to every listing at check 1, none at check 2, then again at check 3: the failure check 1 told ended
    # when check 2 read the listing, so check 3's is a new one, said in full, not "the same failure since check 1".
    tenant, clock = clocked

    def faults(spec):
        return lambda: tenant.gateway.inject_faults(spec and FaultPlan.parse(spec))

    _, first, read, again, *_ = polled_check_by_check(tenant, clock, [
        faults('rate=1;kinds=500'), faults(None), faults('rate=1;kinds=500'), faults(None)])

    assert LISTING_WHOLE_WORDS['500'] in first and 'not read' not in read, (first, read)
    assert LISTING_WHOLE_WORDS['500'] in again and 'since check' not in again, again


def test_a_listing_failure_of_the_same_http_status_from_another_party_is_said_in_full(clocked):
    # Check 1's listing meets HSS's own 500 at every attempt, check 2's the API gateway's 500 (a fault of its own, its
    # APIGW. code): the same HTTP status, but not the same failure. Check 2 says it in full, with the gateway's code,
    # not "the same failure since check 1".
    tenant, clock = clocked

    def faults(spec):
        return lambda: tenant.gateway.inject_faults(spec and FaultPlan.parse(spec))

    _, hss_s, gateway_s, *_ = polled_check_by_check(tenant, clock, [
        faults('rate=1;kinds=500'), faults('rate=1;kinds=500-apigw'), faults(None)])

    assert LISTING_WHOLE_WORDS['500'] in hss_s and 'HSS.' in hss_s, hss_s
    assert 'APIGW.' in gateway_s and 'The same failure' not in gateway_s, gateway_s


def test_a_failure_after_a_check_that_met_the_gateway_s_lock_is_said_in_a_line_by_the_check_after_it(clocked):
    # Check 1 meets the gateway's lock of the access key; checks 2 and 3 meet a cut connection at every attempt. Check 2
    # says that failure in full, and check 3 in a line since check 2: the lock's end check 1 kept does not stand in
    # the way of the failure that followed it.
    tenant, clock = clocked

    _, locked, cut, again, *_ = polled_check_by_check(tenant, clock, [
        lambda: another_tool_locks_the_access_key(tenant),
        lambda: tenant.gateway.inject_faults(FaultPlan.parse('rate=1;kinds=reset')), lambda: None,
        lambda: tenant.gateway.inject_faults(None)])

    assert facts.HSS_AK_LOCKED[0] in locked and 'The same failure' not in cut, (locked, cut)
    assert 'The same failure (a dropped connection) since check 2' in again, again


def test_a_check_whose_new_token_gets_no_turn_after_a_dropped_connection_says_so_whole_not_as_the_drop_before(
        clocked):
    # Token mode, IAM's tokens living under the command's time: each request asks for a new one (less than the renewal
    # margin left), and one whose renewal failed is not stood in for by the held one. Check 1's listing meets a dropped
    # connection at every attempt. At check 2, HSS throttles the listing once, IAM then the token for its next attempt
    # with a Retry-After that brings the run to its last seconds; that attempt meets a dropped connection, and the new
    # token for the one after gets no turn at IAM before the run's last start. Check 2 failed for no time left, not
    # for the drop its earlier attempt met: it says so whole, not "the same failure (a dropped connection)".
    tenant, clock = clocked
    tenant.backend.token_lifetime_s = facts.XSOAR_COMMAND_TIMEOUT_SECONDS - 5
    hss_plan = FaultPlan.parse('sequence=429,reset;retry-after=1')
    iam_plan = FaultPlan.parse(f'sequence=ok,429;retry-after={facts.MAX_RUN_WAIT_SECONDS - 2}')

    def iam_throttles_the_token_of_the_listing_s_second_attempt():
        tenant.gateway.inject_faults(hss_plan)
        tenant.gateway.iam_faults = iam_plan

    _, dropped, late, *_ = polled_check_by_check(tenant, clock, [
        lambda: tenant.gateway.inject_faults(FaultPlan.parse('rate=1;kinds=reset')),
        iam_throttles_the_token_of_the_listing_s_second_attempt, lambda: tenant.gateway.inject_faults(None)],
        tenant.params('token', hss_rate_limit='1'))

    assert [fault.kind for fault in hss_plan.injected] == ['429', 'reset'], hss_plan.injected
    assert [fault.kind for fault in iam_plan.injected] == ['429'], iam_plan.injected
    assert 'broke before the answer arrived' in dropped and 'The same failure' not in dropped, dropped
    assert 'Not sent to Huawei Cloud IAM' in late and 'came too late' in late, late
    assert 'The same failure' not in late and 'since check 1' not in late, late


# On a clock real time moves too: the read timeout cuts a trickling reply after a real second
@pytest.mark.parametrize('clocked', [RunClock], indirect=True, ids=['real time too'])
def test_a_check_whose_http_200_reply_does_not_end_after_one_whose_http_200_reply_broke_off_says_it_whole(
        clocked):
    # Both of HSS's replies came with HTTP 200 and failed after it: check 1's was cut off half-way (a broken reply),
    # check 2's trickles in past the read timeout (no answer in time). Not the same failure, though both had the same
    # status: check 2 says its own whole, not "the same failure since check 1".
    tenant, clock = clocked

    def faults(spec):
        return lambda: tenant.gateway.inject_faults(spec and FaultPlan.parse(spec))

    _, cut_off, trickled, *_ = polled_check_by_check(tenant, clock, [
        faults('rate=1;kinds=truncated'), faults('rate=1;kinds=slow;trickle=1'), faults(None)],
        tenant.params('aksk', read_timeout='1', max_retries='0'), real_time=True)

    assert 'answered HTTP 200' in cut_off and 'cut off before its end' in cut_off, cut_off
    assert 'answered HTTP 200' in trickled and 'did not end within 1 s' in trickled, trickled
    assert 'The same failure' not in trickled and 'since check 1' not in trickled, trickled


def test_a_check_hss_refuses_the_token_of_with_no_time_left_for_a_new_one_polls_on_and_the_next_reads_the_restore(
        clocked):
    # Token mode. At the first check, HSS throttles the listing with a Retry-After that brings the run to its last
    # seconds, then refuses the token it is sent again with (expired: APIGW.0307). IAM gives the new one, but too late
    # for the listing to go again: less than an attempt's time is left of the run. What the check met passes (the next
    # run sends a token HSS takes): polling goes on, as it does over the gateway's lock, and the next check reads the
    # listing with a fresh token and finds the copy restored.
    tenant, clock = clocked
    [path] = [f['file_path'] for f in SLOW['isolated_files'] if f['file_hash'] == UPDATER]
    faulted, first_check_asked_iam = [], []

    def token_refused_late_in_the_first_check(entry):
        if not faulted:
            tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429,expire-token;retry-after={LATE}'))
            # the new token, 3 s late on the test clock: real time, which a loaded machine spends before the token
            # request (once the Retry-After left the run a second or so to start it), would move the run on too
            tenant.gateway.iam_faults = SlowHss(clock, 3)
            faulted.append(entry)
        elif not first_check_asked_iam:
            first_check_asked_iam.append(tenant.gateway.iam_faults.seen)

    war_room = WarRoom(params=tenant.params('token'), time_scale=1, sleep=clock.advance, clock=clock,
                       on_entry=token_refused_late_in_the_first_check)
    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                   'file_path': path, 'timeout_in_seconds': '900',
                                                   'interval_in_seconds': str(facts.MIN_POLLING_INTERVAL)})

    assert [fault.kind for fault in tenant.gateway.faults.injected] == ['429', 'expire-token']
    assert first_check_asked_iam == [1]  # a new token asked for, in time
    refused = result.entries[1]
    said = refused['HumanReadable']
    assert 'HTTP 401' in said and 'APIGW.0307' in said and 'no time left to get a new one' in said, said
    assert 'less than the 5 s an attempt needs was left of this run' in said, said
    assert refused.get('PollingCommand') and said.count('Checking again') == 1, said  # polling went on
    assert result.runs == 3 and not result.failed, result.entries[-1]
    [row] = listed_rows(result)
    assert (row['host_id'], row['outcome']) == (SLOW['host_id'], 'restored'), row
    assert 'refused' not in row['reason'], row
    # The listing the last check read went with another token than the one HSS refused (tokens not shown: secrets)
    refused_token, read_with = [r.token for r in tenant.gateway.requests if r.method == 'GET'][-2:]
    fresh = read_with is not None and read_with != refused_token
    assert fresh, 'the last check sent the token HSS refused'


# What only a check's whole note on a listing it could not read says: HSS's words after its 500, the transport's and
# what to check after a refused connection (HSS's port closed)
LISTING_WHOLE_WORDS = {'500': 'Huawei Cloud HSS said: code', 'refused': 'Could not connect to Huawei Cloud HSS'}
LISTING_CAUSE_NAMED = {'500': 'HTTP 500, code ', 'refused': 'no connection'}  # how a check's line names the cause


@pytest.mark.parametrize('cause', ['500', 'refused'])
def test_a_check_whose_listing_fails_alike_at_every_check_says_it_whole_once_then_in_a_line_and_whole_at_the_last(
        clocked, cause):
    # HSS fails every listing after the start (its own 500 at every attempt), or its port refuses every connection: a
    # check every 10 s must not give the whole note some 30 times. The first check gives it whole; each later check
    # but the last says in a line that the listing's read met the same failure since check 1, and polls on;
    # the last check's entry, what the analyst reads at the end, is whole again.
    tenant, clock = clocked

    def every_listing_fails_after_the_start(entry):
        if cause == '500':
            tenant.gateway.inject_faults(FaultPlan.parse('rate=1;kinds=500'))
        else:
            tenant.hss_server.stop()  # its port on 127.0.0.1 now refuses every connection

    war_room = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=clock.sleep,
                       on_entry=every_listing_fails_after_the_start)
    result = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                   'timeout_in_seconds': '300'})

    _, *checks, last = [entry['HumanReadable'] for entry in result.entries]
    whole = [text for text in checks if LISTING_WHOLE_WORDS[cause] in text]
    assert len(checks) > 2 and whole == checks[:1], checks[:3]
    assert LISTING_WHOLE_WORDS[cause] in last and 'polling ended' in last, last
    for text in checks[1:]:
        assert len(text) < len(checks[0]) / 2 and 'Checking again' in text, text
        assert f'The same failure ({LISTING_CAUSE_NAMED[cause]}' in text and ') since check 1' in text, text


@pytest.mark.parametrize('by', ['file_hash', 'exact item'])
def test_a_check_hss_refuses_the_credentials_of_says_so_in_the_context_rows_of_the_copies_it_followed(clocked, by):
    # The summary note reads the context, not the entry: the rows the start left restoring must not read as a host's
    # agent still at work once HSS refused a check of them (the secret key regenerated mid-polling, HTTP 401).
    tenant, clock = clocked
    access_key = tenant.base_params['hss_aksk']['identifier']
    [path] = [f['file_path'] for f in OFFLINE['isolated_files'] if f['file_hash'] == UPDATER]
    args = {'file_hash': UPDATER, 'host_id': OFFLINE['host_id'], **({'file_path': path} if by != 'file_hash' else {})}

    def secret_key_regenerated_after_the_start(entry):
        tenant.backend.add_access_key(access_key, 'regenerated-' + 'S' * 30)

    war_room = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=clock.sleep,
                       on_entry=secret_key_regenerated_after_the_start)
    result = war_room.run('hss-restore-isolated', args)

    assert result.runs == 2 and 'HTTP 401' in json.dumps(result.entries[-1])
    rows = as_list(get_path(war_room.context, 'HuaweiHSS.RestoredFile'))
    assert [(row['host_id'], row['file_path'], row['outcome']) for row in rows] == [
        (OFFLINE['host_id'], path, 'restoring')]  # HSS took it: still restoring, as far as anyone knows
    assert 'refused' in rows[0]['reason'] and 'credentials' in rows[0]['reason']
    assert 'agent' not in rows[0]['reason']


def test_the_follow_command_of_a_check_the_reputation_gate_makes_reads_back_as_a_check(clocked):
    # The gate reads again a copy an earlier restore left restoring with a check whose restore_state takes any change
    # as this restore's (HSS's clock at 0, written in 13 digits). The check's follow command must carry that state
    # back: a line that is refused before any request follows nothing.
    tenant, clock = clocked
    host = SLOW['host_id']
    [path] = [f['file_path'] for f in SLOW['isolated_files'] if f['file_hash'] == UPDATER]
    exact = {'host_id': host, 'file_hash': UPDATER, 'file_path': path}
    started = room(tenant, clock).run('hss-restore-isolated', dict(exact, polling='false'))
    assert not started.failed, started.entries[-1]

    check = room(tenant, clock).run('hss-restore-isolated', dict(
        exact, restore_state=GATE.HSS_ANY_CHANGE_STATE, polling='false'))
    assert not check.failed, check.entries[-1]
    [follow] = check.entries[-1]['Contents']['follow_commands']
    line = parse_line(follow)
    sent = len(tenant.gateway.requests)

    followed = room(tenant, clock).run(line.command, dict(line.args, polling='false'))

    assert not followed.failed, followed.entries[-1]
    assert len(tenant.gateway.requests) > sent  # it read the listing again
    assert [row['host_id'] for row in listed_rows(followed)] == [host]


@pytest.mark.parametrize('update_time', ['listed', 'left out'])
@pytest.mark.parametrize('status', ['isolated', 'isolating'])
def test_the_gate_s_check_of_a_copy_no_restore_reached_says_it_is_isolated_now_not_isolated_again(
        clocked, monkeypatch, status, update_time):
    # The gate's check (and the line its note gives to run by hand) takes any change as a restore's, HSS's clock at 0:
    # it knows of no moment a restore was accepted. A copy HSS lists isolated (or isolating) then, one no restore ever
    # reached, is isolated still: a report that HSS "accepted the restore, then listed the file as isolated again"
    # tells the analyst of a restore that never was. Its outcome stays one the gate sends again (neither restored nor
    # restoring: the gate's HSS_READ_AGAIN rule).
    tenant, clock = clocked
    host = SLOW['host_id']
    [path] = [f['file_path'] for f in SLOW['isolated_files'] if f['file_hash'] == UPDATER]
    [copy] = [f for f in tenant.backend.files if (f.host_id, f.file_hash, f.file_path) == (host, UPDATER, path)]
    copy.status = status
    exact = {'host_id': host, 'file_hash': UPDATER, 'file_path': path}
    render = tenant.backend._render

    def without_update_time(item, now):  # Huawei's SDK makes each field of a listed copy optional
        return {name: value for name, value in render(item, now).items() if name != 'update_time'}

    if update_time == 'left out':
        monkeypatch.setattr(tenant.backend, '_render', without_update_time)

    check = room(tenant, clock).run('hss-restore-isolated', dict(
        exact, restore_state=GATE.HSS_ANY_CHANGE_STATE, polling='false'))

    assert not check.failed, check.entries[-1]
    assert [r.method for r in tenant.gateway.requests] == ['GET']  # a check: nothing sent
    [row] = listed_rows(check)
    assert row['outcome'] not in ('restored', 'restoring'), row
    reason = row['reason']
    assert f'lists this copy {status}' in reason, reason  # what HSS lists now
    assert 'accepted' not in reason and 'again' not in reason.split('.')[0], reason  # no restore it knows of
    assert 'restore was sent' not in reason, reason  # nor one it sent, whether HSS gives the copy's update_time or not
    assert reason in check.entries[-1]['HumanReadable'].replace('\\', '')


def test_a_copy_another_restore_gave_back_while_this_start_was_put_off_is_reported_so_by_each_check(clocked):
    # Two hashes, one isolated on h-a, one on h-b. HSS throttles the start's listing past the run: the start is put off
    # 300 s. Meanwhile another restore gives h-a's copy back. The start, run again, finds it restored since it first
    # ran (another restore's) and sends h-b's copy (its agent takes 200 s). Each check, not the start alone, reports
    # h-a's copy restored by that other restore: not "not found", as a hash with no copy isolated nor this restore's.
    tenant, clock = clocked
    hashes = {'h-a': 'a7' * 32, 'h-b': 'b7' * 32}
    for host, stages in (('h-a', 1), ('h-b', 20)):
        tenant.backend.add_host(host, host, restore_stages=stages)
        tenant.backend.add_isolated_files(host, 1, file_hash=hashes[host])
    listing = tenant.backend.list_isolated_files

    def throttled(project_id, **filters):
        raise HssError(429, 'APIGW.0308', 'Too many requests', headers={'Retry-After': '300'})

    def another_restore_of_h_a_meanwhile(entry):
        if tenant.backend.list_isolated_files is throttled:
            tenant.backend.list_isolated_files = listing
            room(tenant, clock).run('hss-restore-isolated', {'file_hash': hashes['h-a'], 'polling': 'false'})

    tenant.backend.list_isolated_files = throttled
    war_room = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=clock.sleep,
                       on_entry=another_restore_of_h_a_meanwhile)
    result = war_room.run('hss-restore-isolated', {'file_hash': ','.join(hashes.values()), 'timeout_in_seconds': '900'})

    rows = rows_of(result)
    assert rows['h-b']['outcome'] == 'restored', rows
    assert rows['h-a']['outcome'] == 'restored' and 'another restore gave it back' in rows['h-a']['reason'], rows
    checks = result.entries[1:]  # the start run again, then each check
    assert len(checks) > 2, [entry['HumanReadable'][:80] for entry in result.entries]
    for entry in checks:
        [written] = [as_list(rows) for key, rows in entry['EntryContext'].items()
                     if key.startswith('HuaweiHSS.RestoredFile')]
        [h_a] = [row for row in written if row['host_id'] == 'h-a']
        assert h_a['outcome'] == 'restored' and 'another restore gave it back' in h_a['reason'], entry['HumanReadable']


@pytest.mark.parametrize('polling', ['true', 'false'])
def test_a_start_put_off_past_its_polling_time_still_restores_what_it_lists(clocked, polling):
    # restore_state ':<started>:<checks>' is a start HSS's throttling put off: when the polling began, and its checks.
    # Run past that polling time (given by hand, or run late), the start's listing went out and then no time was left
    # for the PUT: an error entry saying to run it again later, which fails alike. A start is sent as a first run is;
    # without polling no polling time bounds it (restore-file counts none either), with it the check that follows is
    # the last.
    tenant, clock = clocked
    host = SLOW['host_id']
    [path] = [f['file_path'] for f in SLOW['isolated_files'] if f['file_hash'] == UPDATER]
    timeout = 600
    began = int(time.time() * 1000) - 2 * timeout * 1000  # twice the polling time ago

    result = room(tenant, clock).run('hss-restore-isolated', {
        'host_id': host, 'file_hash': UPDATER, 'polling': polling, 'timeout_in_seconds': str(timeout),
        'restore_state': f':{began}:0'})

    assert not result.failed, result.entries[-1]
    assert [r.method for r in tenant.gateway.requests][:2] == ['GET', 'PUT']  # listed, then sent
    assert tenant.backend.isolation_status(host, UPDATER, path) in ('restoring', 'restored')
    assert [row['host_id'] for row in listed_rows(result)] == [host]


def test_a_copy_hss_lists_in_a_status_its_api_does_not_name_keeps_its_row_and_is_not_called_unlisted(clocked):
    # Huawei's SDK (IsolatedFileResponseInfo.isolation_status) names four statuses; a listing may hold another (a later
    # HSS version's). The copy is listed still: it is neither "no longer listed" nor a hash with no copy (not_found),
    # and its row says what HSS lists, not the start's bare "restoring" an automation would wait on without a reason.
    tenant, clock = clocked
    file_hash = 'ae' * 32
    for host in ('h-a', 'h-b'):
        tenant.backend.add_host(host, host)
        tenant.backend.add_isolated_files(host, 1, file_hash=file_hash)
    unnamed = 'pending_review'  # none of isolated, isolating, restoring, restored

    def sleep(seconds):  # after the start's PUT: HSS lists h-b's copy in a status of its own, changed now
        clock.sleep(seconds)
        [copy] = [f for f in tenant.backend.files if f.host_id == 'h-b']
        copy.restore_started, copy.status, copy.update_time = None, unnamed, int(time.time() * 1000)

    result = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=sleep).run(
        'hss-restore-isolated', {'file_hash': file_hash, 'timeout_in_seconds': '30'})

    assert not result.failed, result.entries[-1]
    rows = listed_rows(result)
    assert sorted((row.get('host_id'), row['outcome']) for row in rows) == [('h-a', 'restored'), ('h-b', 'restoring')]
    [row] = [row for row in rows if row['host_id'] == 'h-b']
    assert unnamed in row['reason'] and 'HSS console' in row['reason'], row
    last = result.entries[-1]
    assert last['Contents']['unlisted_copies'] == 0, last['HumanReadable']
    assert 'no longer list' not in last['HumanReadable']
    assert result.runs == 1 + 30 // 10  # followed to the timeout, as a copy whose end is not known yet


@pytest.mark.parametrize('another_comes', [False, True], ids=['a host removed', 'and another copy isolated'])
def test_a_host_removed_while_a_check_reads_the_pages_costs_no_copy_of_the_others_its_row(clocked, another_comes):
    # The rows after one that leaves the listing (its host removed from HSS) move up a place, the first of a page past
    # the page already read: the check must still find every copy HSS lists, and count as unlisted only the one gone.
    # Also when HSS isolates the file on another host meanwhile (listed last): total_num is then what it was, so only
    # a second reading (a copy sent seeming gone) shows it.
    tenant, clock = clocked
    file_hash = 'af' * 32
    for host in ('h-gone', 'h-new'):
        tenant.backend.add_host(host, host)
    tenant.backend.add_isolated_files('h-gone', 1, file_hash=file_hash)  # listed first
    tenant.backend.add_host('h-slow', 'h-slow', restore_stages=1000.0)  # still restoring at every check
    tenant.backend.add_isolated_files('h-slow', 2 * facts.HSS_LIST_PAGE_SIZE, file_hash=file_hash)
    war_room = room(tenant, clock, hss_rate_limit='1000')
    first = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
    assert not first.failed, first.entries[-1]
    line = parse_line(first.entries[-1]['Contents']['follow_commands'][0])
    list_page, pages = tenant.backend.list_isolated_files, []

    def host_removed_after_the_first_page(*args, **kwargs):
        page = list_page(*args, **kwargs)
        pages.append(page)
        if len(pages) == 1:
            tenant.backend.remove_host('h-gone')
            if another_comes:
                tenant.backend.add_isolated_files('h-new', 1, file_hash=file_hash)
        return page

    tenant.backend.list_isolated_files = host_removed_after_the_first_page
    clock.sleep(STAGE_SECONDS)
    check = war_room.run(line.command, dict(line.args, polling='false'))

    assert not check.failed, check.entries[-1]
    if another_comes:
        assert len({page['total_num'] for page in pages}) == 1  # the change did not show in total_num
    slow = [row for row in check.entries[-1]['Contents']['items'] if row.get('host_id') == 'h-slow']
    assert len({row['file_path'] for row in slow}) == 2 * facts.HSS_LIST_PAGE_SIZE
    assert {row['outcome'] for row in slow} == {'restoring'}
    assert check.entries[-1]['Contents']['unlisted_copies'] == 1, check.entries[-1]['HumanReadable']


def test_the_same_restore_run_again_while_hss_restores_its_copies_says_another_restore_has_them(clocked):
    # An analyst (or a second playbook run) runs the command again while the first restore's copies are still
    # restoring on an offline host's agent. HSS's listing, read anyway, says they are being restored: the rerun sends
    # nothing and reports each as restoring, by another restore, not the hash as not found ("restored already, still
    # being isolated, or in another enterprise project"), which would leave a not_found row beside them in context.
    tenant, clock = clocked
    args = {'file_hash': UPDATER, 'host_id': OFFLINE['host_id']}
    first = room(tenant, clock).run('hss-restore-isolated', dict(args, polling='false'))
    assert [row['outcome'] for row in listed_rows(first)] == ['restoring']
    clock.sleep(STAGE_SECONDS)

    again = room(tenant, clock).run('hss-restore-isolated', args)

    assert not again.failed, again.entries[-1]
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1  # nothing sent twice
    [row] = listed_rows(again)
    copy = next(f for f in OFFLINE['isolated_files'] if f['file_hash'] == UPDATER)
    assert (row['host_id'], row['file_path'], row['outcome']) == (OFFLINE['host_id'], copy['file_path'], 'restoring')
    assert 'another restore' in row['reason'], row
    assert 'not found' not in row['reason'] and 'enterprise project' not in row['reason'], row


def earlier_restore_then_its_host_gone(tenant, clock, left):
    """One incident, one hash: a first restore by hash leaves h-b's copy restoring in context (``left``: no check
    followed it, or its agent was offline until the timeout); then h-b leaves HSS and a new detection isolates the
    file on h-a again. Returns the war room, the hash, h-b's row, and the hooks its sleep runs after each wait."""
    file_hash, paths, hooks = 'b3' * 32, {}, []
    for host in ('h-a', 'h-b'):
        tenant.backend.add_host(host, host, agent_online=host == 'h-a' or left == 'polling=false')
        [copy] = tenant.backend.add_isolated_files(host, 1, file_hash=file_hash)
        paths[host] = copy['file_path']

    def sleep(seconds):
        clock.sleep(seconds)
        for hook in hooks:
            hook()

    war_room = WarRoom(params=tenant.params('aksk'), time_scale=1, sleep=sleep)
    first = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'timeout_in_seconds': '30'} if
                         left != 'polling=false' else {'file_hash': file_hash, 'polling': 'false'})
    assert rows_of(first)['h-b']['outcome'] == 'restoring', rows_of(first)
    clock.sleep(6 * STAGE_SECONDS)  # HSS restores h-a's copy (and, its agent online, h-b's)
    tenant.backend.remove_host('h-b')
    tenant.backend.isolate_file('h-a', file_hash, paths['h-a'])  # a new detection of the same file
    return war_room, file_hash, rows_of(first)['h-b'], hooks


@pytest.mark.parametrize('left', ['polling=false', 'agent offline at the timeout'])
def test_a_second_restore_by_hash_whose_copies_came_back_keeps_the_earlier_restore_s_row_of_a_copy_hss_no_longer_lists(
        clocked, left):
    # The second restore by the same hash sends h-a's copy alone, and HSS restores it: that restore reports the copy
    # it sent. h-b's row is the first restore's (its copy was gone before the second one listed), so it stays as the
    # first left it, and the second's counts say nothing failed to come back.
    war_room, file_hash, earlier_row, _ = earlier_restore_then_its_host_gone(*clocked, left)

    second = war_room.run('hss-restore-isolated', {'file_hash': file_hash})

    assert not second.failed, second.entries[-1]
    sent = second.entries[0]['Contents']['items']
    assert [(row['host_id'], row['outcome']) for row in sent] == [('h-a', 'restoring')]
    last = second.entries[-1]
    assert [(row['host_id'], row['outcome']) for row in last['Contents']['items']] == [('h-a', 'restored')]
    said = last['HumanReadable'].split('\n')[0]
    assert '1 restored' in said and '0 not found' in said and 'no longer list' not in last['HumanReadable'], said
    assert last['Contents']['unlisted_copies'] == 0
    assert rows_of(second)['h-b'] == earlier_row  # the first restore's row, as it left it
    assert rows_of(second)['h-a']['outcome'] == 'restored'


def test_a_second_restore_by_hash_that_loses_a_copy_it_sent_cannot_tell_its_rows_from_the_earlier_restore_s(clocked):
    # README: while a copy this restore sent is no longer listed, which rows left in context are its own is not known
    # (restore_state names no copy): each copy HSS no longer lists is written not_found, the earlier restore's too.
    # The summary counts both rows; the note counts the 1 copy this restore sent and says the other row is one of a
    # copy an earlier restore sent, so that its counts add up to the summary's.
    tenant, clock = clocked
    war_room, file_hash, _, after_sleep = earlier_restore_then_its_host_gone(tenant, clock, 'polling=false')
    after_sleep.append(lambda: 'h-a' in tenant.backend.hosts and tenant.backend.remove_host('h-a'))

    second = war_room.run('hss-restore-isolated', {'file_hash': file_hash})

    assert not second.failed, second.entries[-1]
    assert [row['host_id'] for row in second.entries[0]['Contents']['items']] == ['h-a']
    last = second.entries[-1]
    assert last['Contents']['unlisted_copies'] == 1
    rows = rows_of(second)
    assert {host: rows[host]['outcome'] for host in ('h-a', 'h-b')} == {'h-a': 'not_found', 'h-b': 'not_found'}
    assert all('no longer lists' in rows[host]['reason'] for host in ('h-a', 'h-b')), rows
    said = last['HumanReadable'].split('\n')[0].split(': ', 1)[1]
    assert said == '0 restored, 0 restoring, 0 failed, 2 not found (sent, no longer listed by HSS)', said
    note = unlisted_note(last)
    assert note.startswith('HSS no longer lists the 1 copy this restore sent, isolated or restored'), note
    assert ('whether it is back is not known; its row in the incident\'s context says so (not_found); ') in note, note
    assert ('the not found count also holds 1 more row of copies an earlier restore sent, which HSS no longer '
            'lists either: which row is whose is not known.') in note, note


def test_copies_of_a_first_batch_hss_restores_before_a_later_batch_is_sent_are_restored_by_this_restore(clocked):
    # README (HuaweiHSS.RestoredFile.reason): a restored copy's reason is empty unless it was back before this
    # restore. Two batches sent one after the other (max_concurrency 1, 100 items a request: README), HSS answering
    # the first only a minute later: its copies are restored (a host of one stage) before the second batch is sent,
    # and are this restore's own all the same, as the first batch's acceptance tells.
    tenant, clock = clocked
    host = HOSTS['win-fin-01']['host_id']  # an online agent that restores in one stage
    added = tenant.backend.add_isolated_files(host, 101, file_hash='e' * 64)
    args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}
    restore = tenant.backend.restore_isolated_files

    def answered_a_minute_later(*a, **kw):
        restore(*a, **kw)
        if len(tenant.backend.put_sizes) == 1:
            clock.sleep(60)

    tenant.backend.restore_isolated_files = answered_a_minute_later
    war_room = room(tenant, clock, max_concurrency='1')
    first = war_room.run('hss-restore-isolated', dict(args, polling='false'))
    assert not first.failed, first.entries[-1]
    assert tenant.backend.put_sizes == [100, 1]
    [follow] = first.entries[-1]['Contents']['follow_commands']
    clock.sleep(3 * STAGE_SECONDS)

    state = re.search(r'restore_state=(\S+)', follow).group(1)
    check = war_room.run('hss-restore-isolated', dict(args, polling='false', restore_state=state))

    assert not check.failed, check.entries[-1]
    rows = listed_rows(check)
    assert len(rows) == 101 and {(row['outcome'], row['reason']) for row in rows} == {('restored', '')}


def test_copies_of_a_hash_isolated_after_a_restore_by_hash_are_not_counted_as_copies_it_sent_that_left_hss(clocked):
    # A restore by hash sends the 2 copies HSS lists isolated; 3 new copies of that hash are isolated on another host
    # afterwards. Both copies sent are still listed (restored): none left HSS's listing, so the check counts no copy
    # sent as no longer listed (README: unlisted_copies, how many copies sent HSS no longer lists), whatever new
    # copies HSS lists beside them.
    tenant, clock = clocked
    file_hash = hashlib.sha256(b'isolated again elsewhere after the restore').hexdigest()
    tenant.backend.add_isolated_files(HOSTS['win-fin-01']['host_id'], 2, file_hash=file_hash)
    war_room = room(tenant, clock)
    start = war_room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
    assert not start.failed, start.entries[-1]
    clock.sleep(2 * STAGE_SECONDS)  # the host's agent restores in one stage
    tenant.backend.add_isolated_files(HOSTS['db-02']['host_id'], 3, file_hash=file_hash)
    [follow] = start.entries[-1]['Contents']['follow_commands']

    check = war_room.run('hss-restore-isolated', dict(parse_line(follow).args, polling='false'))

    assert not check.failed, check.entries[-1]
    assert check.entries[-1]['Contents']['unlisted_copies'] == 0
    assert 'no longer lists' not in check.entries[-1]['HumanReadable']
    restored = [row for row in listed_rows(check) if row['outcome'] == 'restored']
    assert {row['host_id'] for row in restored} == {HOSTS['win-fin-01']['host_id']} and len(restored) == 2


# A listing that meets a fault that passes after its retries (a gateway's 5xx, a dropped connection) at a check: the
# entry names one next step (the next check; the follow line at a check by hand), not also the fault's "try again".
@pytest.mark.parametrize('fault', ['503', 'reset'])
@pytest.mark.parametrize('polling', ['true', 'false'])
def test_a_check_whose_listing_meets_a_passing_fault_names_one_next_step_and_what_to_check_if_it_persists(
        clocked, fault, polling):
    tenant, clock = clocked
    war_room = room(tenant, clock)
    started = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                    'polling': 'false'})
    assert not started.failed, started.entries[-1]
    line = parse_line(started.entries[-1]['Contents']['follow_commands'][0])
    tenant.gateway.inject_faults(FaultPlan.parse(f'rate=1;kinds={fault}'))
    interval = 15

    # the run's first entry: a later check that fails alike says so in a line (-k fails_alike_at_every_check)
    check = war_room.run(line.command, dict(line.args, polling=polling, interval_in_seconds=str(interval))).entries[0]

    text = check['HumanReadable']
    step = 'Checking again' if polling == 'true' else 'To follow the restore'
    assert 'not read at this check' in text and 'if it persists, check' in text, text
    assert text.count(step) == 1 and not re.search(r'\b(run|try)\b[^.]*\bagain\b', text, re.IGNORECASE), text
    # what to check: the URL settings and the vendor's status page after a gateway's 5xx; the proxy setting and the
    # network path after a dropped connection
    checked = text.split('if it persists, check', 1)[1].split('. ', 1)[0]
    wanted = {'503': ('(hss_endpoint)', "the vendor's status page"), 'reset': ('(proxy)', 'the network path')}[fault]
    assert all(words in checked for words in wanted), checked
    # the fault's advice names that step: when the next check comes, or where the follow line is
    assert (f'checking again in {interval} s' if polling == 'true' else 'the follow line below') in text.lower(), text


RUN_AGAIN = re.compile(r'\b(run|try|send)\b[^.]*\bagain\b', re.IGNORECASE)  # a second step: the command run anew


def polled_checks(war_room, line, timeout):
    """The entries of a polling that follows ``line`` for ``timeout`` s: those that schedule a check, then the last."""
    entries = war_room.run(line.command, dict(line.args, timeout_in_seconds=timeout)).entries
    assert len(entries) > 1 and all('PollingCommand' in entry for entry in entries[:-1]), entries
    assert 'PollingCommand' not in entries[-1], entries[-1]
    return [entry['HumanReadable'] for entry in entries[:-1]], entries[-1]['HumanReadable']


def assert_one_next_step(going_on, last):
    """Each check polling goes on from says it checks again, once; the last gives the follow line, once; none says to
    run (or try) anything again, which would be a second next step."""
    for text in going_on:
        assert text.count('Checking again') == 1 and 'To follow' not in text, text
        assert not RUN_AGAIN.search(text), text
    assert last.count('To follow the restore') == 1 and 'Checking again' not in last, last
    assert not RUN_AGAIN.search(last), last


def war_room_behind_its_own_front(tenant, clock) -> tuple:
    """A war room on the test clock whose HSS endpoint is a front of its own for the tenant's gateway (started), so a
    test can stop it and leave that port refusing every connection while the tenant stays up."""
    front = LoopbackServer(create_hss_app(tenant.gateway)).start()
    return front, WarRoom(params=tenant.params('aksk', hss_endpoint=front.url), time_scale=1, sleep=clock.sleep)


def test_checks_whose_listing_could_not_connect_say_so_keep_what_to_check_and_name_one_next_step(clocked):
    # HSS stops taking connections once the restore is sent: every check's listing meets a refused connection, whose
    # advice names what to check (the URL settings, DNS, the firewall, the proxy) and nothing of trying again. Each
    # check says the listing was not read and why, keeps what to check, and names one next step: checking again while
    # polling goes on, the follow line at the last.
    tenant, clock = clocked
    front, war_room = war_room_behind_its_own_front(tenant, clock)
    try:
        started = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                        'polling': 'false'})
    finally:
        front.stop()  # its port now refuses every connection
    assert not started.failed, started.entries[-1]

    going_on, last = polled_checks(war_room, parse_line(started.entries[-1]['Contents']['follow_commands'][0]), '25')

    for text in going_on + [last]:
        assert 'not read at this check' in text and 'Could not connect to Huawei Cloud HSS' in text, text
        assert 'DNS, the firewall' in text, text
    assert_one_next_step(going_on, last)


# README, "One unreadable listing does not end the polling": the last check says that polling ended with it, as
# restore-file's last check says of a status it could not read, before the line that follows the restore; whether it
# read the listing (the copy on the offline host still restoring) or not (no connection, a 503, a 429 past its wait).
# A check polling goes on from says no such thing, nor does a check by hand (polling=false), which ends no polling.
@pytest.mark.parametrize('fault', ['none', 'connect', 'rate=1;kinds=503', 'rate=1;kinds=429;retry-after=20'])
def test_the_last_check_says_polling_ended_with_it_before_the_follow_line_whether_or_not_it_read_the_listing(
        clocked, fault):
    tenant, clock = clocked
    front, war_room = war_room_behind_its_own_front(tenant, clock)
    try:
        started = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': OFFLINE['host_id'],
                                                        'polling': 'false'})
        assert not started.failed, started.entries[-1]
        line = parse_line(started.entries[-1]['Contents']['follow_commands'][0])
        if fault == 'connect':
            front.stop()  # its port now refuses every connection
        elif fault != 'none':
            tenant.gateway.inject_faults(FaultPlan.parse(fault))
        going_on, last = polled_checks(war_room, line, '40')
        by_hand = war_room.run(line.command, dict(line.args, polling='false')).entries[-1]['HumanReadable']
    finally:
        front.stop()

    assert ('not read at this check' in last) == (fault != 'none'), last
    assert last.lower().count('polling ended') == 1, last
    assert last.lower().index('polling ended') < last.rindex('To follow'), last  # the follow line, below
    assert not [text for text in going_on + [by_hand] if 'polling ended' in text.lower()], going_on + [by_hand]


@pytest.mark.parametrize('retry_after', ['20', '3600'])
def test_checks_whose_listing_hss_throttles_past_their_wait_name_one_next_step(clocked, retry_after):
    # Every listing after the restore is throttled (429) with a Retry-After past what a check waits: each check says the
    # listing was not read, as HSS throttled it, and names one next step (the check put off, then the follow line),
    # not also the throttling's advice to run the command again. Past the polling time (3600 s), the last check sends
    # no listing, as the wait holds: it says so and why, and still names only the follow line.
    tenant, clock = clocked
    war_room = room(tenant, clock)
    started = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                    'polling': 'false'})
    assert not started.failed, started.entries[-1]
    tenant.gateway.inject_faults(FaultPlan.parse(f'rate=1;kinds=429;retry-after={retry_after}'))

    going_on, last = polled_checks(war_room, parse_line(started.entries[-1]['Contents']['follow_commands'][0]), '40')

    assert all('not read at this check' in text for text in going_on + [last]), going_on + [last]
    assert 'HTTP 429' in going_on[0] and 'Retry-After' in going_on[0], going_on[0]
    assert retry_after == '20' or 'Not sent' in last and 'asked to wait until' in last, last
    assert retry_after == '20' or 'To follow the restore, after ' in last, last  # not before the wait ends
    assert_one_next_step(going_on, last)


def test_checks_whose_token_iam_throttles_past_their_wait_name_one_next_step(clocked):
    # Token mode: HSS refuses the token as expired at every listing after the restore, and IAM throttles (429) each
    # request for a new one past what a check waits. Each check says the listing was not read, as IAM throttled the
    # token request, and names one next step, not also the throttling's advice to run the command again.
    tenant, clock = clocked
    war_room = WarRoom(params=tenant.params('token'), time_scale=1, sleep=clock.sleep)
    started = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                    'polling': 'false'})
    assert not started.failed, started.entries[-1]
    tenant.gateway.inject_faults(FaultPlan.parse('rate=1;kinds=expire-token'))
    tenant.gateway.iam_faults = FaultPlan.parse('rate=1;kinds=429;retry-after=20')

    going_on, last = polled_checks(war_room, parse_line(started.entries[-1]['Contents']['follow_commands'][0]), '40')

    assert all('not read at this check' in text for text in going_on + [last]), going_on + [last]
    assert 'Huawei Cloud IAM answered HTTP 429' in going_on[0], going_on[0]
    assert_one_next_step(going_on, last)


def test_the_last_check_s_follow_line_after_a_listing_read_with_a_token_due_for_renewal_says_when_iam_s_wait_ends(
        clocked):
    # Token mode: the kept token is due for renewal (under 10 minutes left) but outlives the check, and IAM throttles
    # its renewal with a Retry-After of an hour. The listing is read with the kept token, the copy on the offline host
    # still restoring; the follow line must not be run before IAM's wait ends (the token will be dead by then, and a
    # renewal sooner is throttled again), so it says when that is, as IAM asked.
    tenant, clock = clocked
    context = {}
    war_room = WarRoom(params=tenant.params('token'), integration_context=context, time_scale=1, sleep=clock.sleep)
    started = war_room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': OFFLINE['host_id'],
                                                    'polling': 'false'})
    assert not started.failed, started.entries[-1]
    [key] = [key for key, value in context.items() if isinstance(value, str) and '"token"' in value]
    context[key] = json.dumps(dict(cached_token(context), expires_at=tenant.backend.wall_clock() + 300))
    tenant.gateway.iam_faults = FaultPlan.parse('sequence=429;retry-after=3600')
    throttled_at = tenant.backend.wall_clock()  # the first check's renewal, at once

    _, last = polled_checks(war_room, parse_line(started.entries[-1]['Contents']['follow_commands'][0]), '40')

    assert tenant.gateway.iam_faults.seen == 1 and 'not read' not in last, last  # the listing read, token kept
    follow = re.search(r'To follow each, after (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC \(in (\d+) s, as Huawei Cloud IAM '
                       r'asked to wait: Retry-After\): `!hss-restore-isolated ', last)
    assert follow, last
    ends = datetime.strptime(follow[1], '%Y-%m-%d %H:%M:%S').replace(tzinfo=timezone.utc).timestamp()
    assert abs(ends - (throttled_at + 3600)) <= 1, last
    assert abs(int(follow[2]) - (throttled_at + 3600 - tenant.backend.wall_clock())) <= 1, last


def test_a_check_by_hand_that_finds_copies_still_restoring_gives_the_line_that_checks_them_again(clocked):
    """A polling=false start says how to follow its restore; a check by hand (polling=false) that finds the copy still
    restoring says it again, in its entry: the line that reads the same restore, sending nothing again."""
    tenant, clock = clocked
    tenant.backend.add_host('slow-agent', 'slow-agent', restore_stages=90.0)  # back 900 s after HSS takes it
    [copy] = tenant.backend.add_isolated_files('slow-agent', 1)
    started = room(tenant, clock).run('hss-restore-isolated', {'file_hash': copy['file_hash'], 'polling': 'false'})
    [follow] = shown_follow_commands(started.entries[-1]['HumanReadable'])
    line = parse_line(follow)
    checked = room(tenant, clock).run(line.command, dict(line.args, polling='false'))
    [entry] = checked.entries
    shown = shown_follow_commands(entry['HumanReadable'])

    assert [row['outcome'] for row in listed_rows(checked)] == ['restoring'] and 'PollingCommand' not in entry
    assert shown == entry['Contents']['follow_commands'], entry['HumanReadable']
    again = parse_line(shown[0])
    assert (again.command, again.args) == (line.command, line.args)
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1  # followed, not restored again


def test_the_follow_command_of_a_polling_given_its_own_interval_and_timeout_keeps_them_and_polls_with_them(
        clocked, monkeypatch):
    # XSOAR's polling commands follow up with what the analyst gave: a follow command that dropped interval_in_seconds
    # and timeout_in_seconds would poll for the default time, and may end early again.
    tenant, clock = clocked
    tenant.backend.add_host('agent-offline', 'agent-offline', agent_online=False)  # its copy stays restoring
    [copy] = tenant.backend.add_isolated_files('agent-offline', 1)
    result = room(tenant, clock).run('hss-restore-isolated', {'file_hash': copy['file_hash'],
                                                              'interval_in_seconds': '20', 'timeout_in_seconds': '45'})
    [follow] = result.entries[-1]['Contents']['follow_commands']
    line = parse_line(follow)

    followed, runs = run_timed(room(tenant, clock), clock, line.command, line.args, monkeypatch)

    assert (line.args.get('interval_in_seconds'), line.args.get('timeout_in_seconds')) == ('20', '45'), follow
    assert [later[0] - earlier[0] for earlier, later in zip(runs, runs[1:])] == [20, 20], runs
    assert 'polling ended' in followed.entries[-1]['HumanReadable'].lower(), followed.entries[-1]
