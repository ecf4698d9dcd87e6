"""restore-file's own polling time over the war room and the emulated tenant: checks whose engine clock is not the
first run's, and the promise a check makes for a restore it could not send."""
from __future__ import annotations

import pytest

from conftest import FakeClock, integration_on_clock, seed_holders, start_tenant
from test_restore_file_command import PROMISES, restored_record
from warroom.context import as_list
from warroom.emulator.faults import FaultPlan
from warroom.runtime import WarRoom

HOLDERS = seed_holders()


def skewed_room(monkeypatch, stage_seconds):
    """A standard-key tenant (no signed timestamp to go stale) and a war room on one test clock, with the
    integration's wall clock moved by that clock: the returned MovedWallClock's ``base`` is the engine's skew."""
    clock = FakeClock()
    moved = integration_on_clock(monkeypatch, clock)
    tenant = start_tenant(auth_type='standard', stage_seconds=stage_seconds, clock=clock)
    return tenant, WarRoom(params=tenant.params(), sleep=clock.advance, clock=clock), moved


def three_files_restored(monkeypatch, stage_seconds, timeout, one_endpoint=False):
    """restore-file of three new quarantined files (on one endpoint, or as the tenant seeds them), polled to its end on
    a test clock: the war room's result and the hashes."""
    clock = FakeClock()
    tenant = start_tenant(auth_type='standard', stage_seconds=stage_seconds, clock=clock,
                          wall_clock=integration_on_clock(monkeypatch, clock).time)
    hashes = tenant.backend.quarantine_files(3, **(
        {'endpoint_ids': [next(iter(tenant.backend.endpoints))]} if one_endpoint else {}))
    room = WarRoom(params=tenant.params(), sleep=clock.advance, clock=clock)
    try:
        return room.run('restore-file', {'file_hash': ','.join(hashes), 'timeout_in_seconds': timeout}), hashes
    finally:
        tenant.server.stop()


def ends_in_its_own_last_report(tenant, room, timeout):
    """A restore-file whose action outlives its polling, run to the end: the sequence ends in the command's own last
    report, not in XSOAR's timeout error with the action's record promising a next check."""
    try:
        result = room.run('restore-file', {'file_hash': sorted(HOLDERS)[0], 'timeout_in_seconds': timeout})
    finally:
        tenant.server.stop()

    assert not result.failed, result.entries[-1]
    last = result.entries[-1]
    assert 'PollingCommand' not in last and not any(p in last['HumanReadable'] for p in PROMISES), last
    record = restored_record(result)
    assert record['status'] == 'IN_PROGRESS' and 'polling ended' in record['error'].lower(), record


@pytest.mark.parametrize('ahead_s', [3600, 86_000])
def test_a_first_run_on_an_engine_whose_clock_is_ahead_still_ends_polling_with_its_own_last_report(monkeypatch,
                                                                                                  ahead_s):
    # The first run's engine clock is ahead of the engine that runs the checks (within the day polling_started may
    # lie ahead): the checks must still count the polling time that passes, and the sequence end in the command's
    # own last report, not in XSOAR's timeout error with the action's record promising a next check.
    tenant, room, moved = skewed_room(monkeypatch, 1000)  # the action outlives the polling
    real_base = moved.base
    moved.base += ahead_s

    def checks_on_another_engine(entry):
        moved.base = real_base
    room.on_entry = checks_on_another_engine
    ends_in_its_own_last_report(tenant, room, '25')


def test_under_a_clock_slower_than_xsoar_s_scheduling_polling_still_ends_in_its_own_last_report():
    # The war room waits its intervals at time scale 0: the integration's wall clock barely moves between checks,
    # and the action never finishes. Counting its checks, restore-file still reaches its own last check within the
    # polling Timeout, not XSOAR's timeout error.
    tenant = start_tenant(stage_seconds=1000)
    room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
    ends_in_its_own_last_report(tenant, room, '60')


def test_a_check_promises_a_late_restore_to_the_next_check_only_if_that_check_will_send_it(monkeypatch):
    # The first run starts one restore and meets a 503 on the other (sent later); the first check meets a 503 on it
    # again, then waits for Cortex XDR's 429 on its status read until close to the timeout. The record of the late
    # file must not promise that the next check sends it when that check will have too little time to.
    tenant, room, _ = skewed_room(monkeypatch, 1000)
    room.params.update(max_retries='0', max_concurrency='1')
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,503,503,429;retry-after=30'))
    started, late = sorted(HOLDERS)[:2]
    sent_by = []  # the restores Cortex XDR had received when each entry came
    room.on_entry = lambda entry: sent_by.append(restores_received(tenant))
    try:
        result = room.run('restore-file', {'file_hash': f'{started},{late}', 'timeout_in_seconds': '70'})
    finally:
        tenant.server.stop()

    assert not result.failed, result.entries[-1]
    promised = [index for index, entry in enumerate(result.entries[:-1])
                if 'next check sends it' in late_record(entry).get('error', '')]
    assert promised, 'the first run, with time left, promises the late file to its next check'
    for index in promised:  # the promise holds: the next check sent it (the other file was started by the first run)
        assert sent_by[index + 1] > sent_by[index], late_record(result.entries[index + 1])
        assert not late_record(result.entries[index + 1]).get('error', '').startswith('Not sent')


def restores_received(tenant) -> int:
    """The restore requests Cortex XDR received: those it answered, and those an injected fault answered for it."""
    return len([r for r in tenant.gateway.requests if r.path.endswith('/endpoints/restore/')]) + \
        len([f for f in tenant.gateway.faults.injected if f.path.endswith('/endpoints/restore/')])


def late_record(entry):
    """The record of the one file an entry wrote without an action (not started), or {}."""
    records = [r for r in as_list(next(iter(entry.get('EntryContext', {}).values()), [])) if 'action_id' not in r]
    return records[0] if records else {}


def test_the_last_check_reads_the_status_of_every_action_even_when_the_timeout_is_about_to_pass(monkeypatch):
    # README: the last check writes the final table, files finished and files still restoring. Reading a status
    # starts nothing, so it is not held to the polling timeout: three actions, all final by the last check.
    result, _ = three_files_restored(monkeypatch, stage_seconds=15.5, timeout='40', one_endpoint=True)  # final at 31 s

    assert not result.failed, result.entries[-1]
    records = as_list(result.context['CortexXDR']['RestoredFile'])
    assert [record['status'] for record in records] == ['COMPLETED_SUCCESSFULLY'] * 3, records


@pytest.mark.parametrize('timeout, promised', [('31', False), ('60', True)])
def test_a_promise_to_send_a_late_restore_holds_when_xsoar_runs_each_check_a_little_late(monkeypatch, timeout,
                                                                                            promised):
    # README: a run hands a file on to its next check only when that check will have time to send it. XSOAR may
    # run a check some seconds after the interval: the promise must hold then too, or not be made.
    tenant, room, clock = skewed_room(monkeypatch, 1000)
    room.params.update(max_retries='0', max_concurrency='1')
    sent_by = []  # the restores Cortex XDR had received when each entry came

    def late_check(entry):
        sent_by.append(restores_received(tenant))
        clock.clock.advance(1.5)  # each next check comes 1.5 s after its interval
    room.on_entry = late_check
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,503'))  # the second file meets a 503 at the first run
    started, late = sorted(HOLDERS)[:2]
    try:
        result = room.run('restore-file', {'file_hash': f'{started},{late}', 'timeout_in_seconds': timeout})
    finally:
        tenant.server.stop()

    assert not result.failed, result.entries[-1]
    promises = [index for index, entry in enumerate(result.entries[:-1])
                if 'next check sends it' in late_record(entry).get('error', '')]
    assert bool(promises) is promised
    for index in promises:  # the next check sent it: Cortex XDR received one more restore
        assert sent_by[index + 1] > sent_by[index], late_record(result.entries[index + 1])
        assert not late_record(result.entries[index + 1]).get('error', '').startswith('Not sent')


def test_a_check_with_one_interval_of_polling_left_still_reads_the_status_of_every_action(monkeypatch):
    # 30 s of polling, a check every 10 s: the check at 20 s is not the last but has one interval left. It sends
    # nothing (too late to follow a restore), and reading a status starts nothing: at the instance's default pace
    # (10 requests/s) the turns of three status reads take a fraction of a second, which it must still wait for.
    result, hashes = three_files_restored(monkeypatch, stage_seconds=1000, timeout='30')  # outliving the polling

    assert not result.failed, result.entries[-1]
    first, *checks, last = result.entries
    assert len(checks) == 2 and 'PollingCommand' in checks[-1], result.entries  # the checks at 10 s and at 20 s
    line = checks[-1]['HumanReadable']
    assert 'not read' not in line, line
    records = as_list(next(iter(checks[-1]['EntryContext'].values())))
    assert sorted(record['file_hash'] for record in records) == sorted(hashes)
    assert all(record.get('endpoints') for record in records), records  # each action's endpoints, as Cortex XDR lists
