"""One run of a command ends well inside XSOAR's execution timeout, however long its polling may go on: throttling
is waited out for a few minutes per run at most, whatever timeout_in_seconds says, and the war room stops a run that
takes longer, as XSOAR does.

The vendors throttle over HTTP on 127.0.0.1; the integration's limiter runs on a FakeClock, so each run's waiting is
measured as a number, not timed.
"""
from __future__ import annotations

import json
import re
import time

import pytest

import facts
import restore_integration as ri
from conftest import FakeClock, MovedWallClock, integration_on_clock, seed_holders, start_hss_tenant, start_tenant
from facts import ENTRY_ERROR
from warroom.context import as_list, get_path
from warroom.emulator.faults import FaultPlan
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.emulator.xdr import create_app
from warroom.runtime import FetchError, WarRoom

XDR_HASH = sorted(seed_holders())[0]
THROTTLED_FOR_AN_HOUR = 'sequence=429*1000;retry-after=20'


@pytest.fixture
def xdr_tenant():
    tenant = start_tenant(auth_type='advanced', clock=FakeClock())
    yield tenant
    tenant.server.stop()


@pytest.fixture
def hss_tenant():
    tenant = start_hss_tenant()
    yield tenant
    tenant.stack.close()


def on_clock(clock):
    return ri.AdaptiveRateLimiter(1000, clock=clock, sleep=clock.advance)


def xdr_client(tenant, clock):
    settings = ri.XdrSettings(tenant.url, '17', tenant.key, tenant.auth_type, rate_limit=1000)
    return ri.XdrClient(settings, ri.TransportSettings(), on_clock(clock))


def test_a_restore_with_an_hour_of_polling_time_waits_out_throttling_for_minutes_at_most_in_one_run(xdr_tenant,
                                                                                                    monkeypatch):
    clock = FakeClock(0.0)
    monkeypatch.setattr(ri, 'time', MovedWallClock(clock))  # the polling time the run used passes on the wall clock
    client = xdr_client(xdr_tenant, clock)
    xdr_tenant.gateway.inject_faults(FaultPlan.parse(THROTTLED_FOR_AN_HOUR))

    result = ri.restore_file_command(client, {'file_hash': XDR_HASH, 'timeout_in_seconds': '3600'})

    assert clock() <= facts.MAX_RUN_WAIT_SECONDS < facts.XSOAR_COMMAND_TIMEOUT_SECONDS
    assert xdr_tenant.gateway.faults.seen > 1  # it did wait for its turns, up to the run's limit
    assert not xdr_tenant.backend.actions
    # Cortex XDR never acted on it, and the polling has time left: the next check sends it (README)
    assert json.loads(result.schedule.args['unsent']) == [XDR_HASH]
    reason = result.outputs['error']
    assert 'HTTP 429' in reason and f'the {facts.MAX_RUN_WAIT_SECONDS} s this command waits for throttling' in reason
    assert 'next check sends it' in reason, reason


def test_a_shorter_timeout_in_seconds_still_bounds_the_run(xdr_tenant, monkeypatch):
    clock = FakeClock(0.0)
    monkeypatch.setattr(ri, 'time', MovedWallClock(clock))
    client = xdr_client(xdr_tenant, clock)
    xdr_tenant.gateway.inject_faults(FaultPlan.parse(THROTTLED_FOR_AN_HOUR))

    with pytest.raises(ri.VendorApiError) as raised:  # no polling time is left for a check to send it
        ri.restore_file_command(client, {'file_hash': XDR_HASH, 'timeout_in_seconds': '45'})

    assert clock() <= 45
    assert raised.value.http_status == 429 and not xdr_tenant.backend.actions


def test_a_client_no_command_gave_a_timeout_waits_no_longer_either(xdr_tenant):
    # test-module and fetch-incidents have no timeout_in_seconds: their requests get the same bound.
    clock = FakeClock(0.0)
    client = xdr_client(xdr_tenant, clock)
    xdr_tenant.gateway.inject_faults(FaultPlan.parse(THROTTLED_FOR_AN_HOUR))

    with pytest.raises(ri.VendorApiError):
        client.get_action_status(0)

    assert clock() <= facts.MAX_RUN_WAIT_SECONDS


def test_a_throttled_event_listing_of_a_fetch_ends_within_the_run_limit(hss_tenant):
    clock = FakeClock(0.0)
    params = hss_tenant.params('aksk', retry_backoff='0')
    client = ri.HssClient(ri.read_hss_settings(params), ri.read_transport_settings(params), limiter=on_clock(clock))
    hss_tenant.gateway.inject_faults(FaultPlan.parse(THROTTLED_FOR_AN_HOUR))

    with pytest.raises(ri.RestoreError):
        ri.fetch_hss_incidents(client, ri.read_fetch_settings({}), {}, now_ms=1_700_000_000_000)

    assert clock() <= facts.MAX_RUN_WAIT_SECONDS


def answered_late(backend, method, clock, seconds=0.6):
    """The vendor acts on each call of ``backend``'s ``method``, and its answer then takes ``seconds`` of ``clock``
    (the war room's): how long a run takes is measured on that clock, not waited for."""
    acts = getattr(backend, method)

    def late(*args, **kwargs):
        outcome = acts(*args, **kwargs)
        clock.advance(seconds)
        return outcome
    setattr(backend, method, late)


def test_the_war_room_turns_a_run_past_the_execution_timeout_into_an_error_and_drops_what_it_returned(xdr_tenant):
    clock = FakeClock(0.0)
    answered_late(xdr_tenant.backend, 'restore_file', clock)  # answered 0.6 s late
    room = WarRoom(params=xdr_tenant.params(), execution_timeout=0.3, clock=clock)

    result = room.run('restore-file', {'file_hash': XDR_HASH, 'polling': 'false'})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'past the execution timeout of 0.3 s' in entry['Contents']
    assert xdr_tenant.backend.actions  # the restore did start: only its entry was lost, as in XSOAR
    assert get_path(result.context, facts.XDR_CONTEXT_PATH) is None


def test_the_same_run_within_the_execution_timeout_returns_its_entry(xdr_tenant):
    clock = FakeClock(0.0)
    answered_late(xdr_tenant.backend, 'restore_file', clock)
    room = WarRoom(params=xdr_tenant.params(), execution_timeout=30, clock=clock)

    result = room.run('restore-file', {'file_hash': XDR_HASH, 'polling': 'false'})

    assert not result.failed and get_path(result.context, facts.XDR_CONTEXT_PATH)
    assert clock() >= 0.6  # the run did take that long


def test_the_war_room_ends_a_test_of_the_instance_past_xsoars_test_timeout_though_a_command_has_longer(hss_tenant):
    clock = FakeClock(0.0)
    answered_late(hss_tenant.backend, 'list_isolated_files', clock, seconds=facts.XSOAR_TEST_TIMEOUT_SECONDS + 1)
    room = WarRoom(params=hss_tenant.params('aksk'), clock=clock)  # a command's default execution timeout, 3 minutes

    tested = room.run('test-module', {})

    [entry] = tested.entries
    assert tested.failed and entry['Type'] == ENTRY_ERROR, entry
    assert f'past the execution timeout of {facts.XSOAR_TEST_TIMEOUT_SECONDS} s' in entry['Contents'], entry


def test_a_fetch_past_the_execution_timeout_fails_on_the_instance(hss_tenant):
    clock = FakeClock(0.0)
    answered_late(hss_tenant.backend, 'list_security_events', clock)
    room = WarRoom(params=dict(hss_tenant.params('aksk'), isFetch=True), execution_timeout=0.3, clock=clock)

    last_run = {'last_fetch': 1, 'seen_ids': ['kept']}
    with pytest.raises(FetchError, match='past the execution timeout'):
        room.fetch(last_run)
    assert last_run == {'last_fetch': 1, 'seen_ids': ['kept']}  # what a stopped fetch set is dropped with its incidents


def test_faults_are_not_sent_again_past_the_runs_deadline(xdr_tenant):
    # Each resend after a fault waits 0, 1, 2, 4 s; an answer that never comes costs a read timeout on top. Past the
    # run's deadline no attempt starts, so a server that never answers cannot hold a run past XSOAR's timeout.
    clock = FakeClock(0.0)
    client = xdr_client(xdr_tenant, clock)
    client.transport.wait_at_most(2.5)
    xdr_tenant.gateway.inject_faults(FaultPlan.parse('sequence=reset*10'))

    with pytest.raises(ri.RestoreError) as raised:
        client.get_action_status(0)

    assert xdr_tenant.gateway.faults.seen == 3  # at 0, 0 and 1 s; the next would start at 3 s, past 2.5 s
    assert clock() <= 2.5
    assert 'the next attempt would start past the 2.5 s one run of this command may wait' in str(raised.value)


def test_files_a_run_had_no_time_to_send_are_named_as_not_started_and_why(xdr_tenant):
    # One turn every 10 s and 10 s to wait: the first restore goes out, the other files wait past the run's time.
    clock = FakeClock(0.0)
    settings = ri.XdrSettings(xdr_tenant.url, '17', xdr_tenant.key, xdr_tenant.auth_type, rate_limit=0.1)
    client = ri.XdrClient(settings, ri.TransportSettings(max_concurrency=1),
                          ri.AdaptiveRateLimiter(0.1, clock=clock, sleep=clock.advance))
    hashes = sorted(seed_holders())

    result = ri.restore_file_command(client, {'file_hash': ','.join(hashes), 'timeout_in_seconds': '10'})

    assert len(xdr_tenant.backend.actions) == 1
    text = result.readable_output
    assert f'Not started ({len(hashes) - 1} files)' in text and 'throttling' in text
    assert 'Refused' not in text


def test_a_check_counts_polling_time_from_the_first_run_and_sends_no_restore_it_could_not_follow(xdr_tenant):
    file_hash = sorted(seed_holders())[0]
    client = xdr_client(xdr_tenant, FakeClock(0.0))
    # A check whose first run had no time to send the file, 55 s into 60 s of polling: no check could follow it.
    check = {'file_hash': file_hash, 'unsent': json.dumps([file_hash]), 'timeout_in_seconds': '60',
             'polling_started': str(int(time.time() * 1000) - 55_000)}

    with pytest.raises(ri.RestoreError) as raised:
        ri.restore_file_command(client, check)

    assert not xdr_tenant.gateway.requests and not xdr_tenant.backend.actions
    assert file_hash in str(raised.value) and 'restore-file again' in str(raised.value)
    # The same check typed by hand, without the start: its own polling starts now, with time to follow the restore.
    del check['polling_started']
    result = ri.restore_file_command(client, check)
    assert [action.file_hash for action in xdr_tenant.backend.actions.values()] == [file_hash]
    assert result.schedule.args['polling_started']


def test_a_check_counts_the_checks_made_and_one_an_older_version_scheduled_counts_from_the_first():
    tenant = start_tenant(stage_seconds=1000)  # the action runs on past the polling
    client = xdr_client(tenant, FakeClock(0.0))
    try:
        first = ri.restore_file_command(client, {'file_hash': sorted(seed_holders())[0], 'timeout_in_seconds': '60'})
        older = dict(first.schedule.args)
        del older['polling_checks']  # scheduled by a version that did not count its checks
        assert ri.restore_file_command(client, older).schedule.args['polling_checks'] == '1'
        # Five checks made, each an interval (10 s) after the run before it: this sixth is at 60 s, the last.
        last = ri.restore_file_command(client, dict(first.schedule.args, polling_checks='5'))
    finally:
        tenant.server.stop()
    assert first.schedule.args['polling_checks'] == '0' and last.schedule is None
    assert 'polling ended' in last.outputs['error'].lower()


@pytest.fixture
def on_test_clock(monkeypatch):
    """Every limiter the integration builds runs on one FakeClock that the war room's waits between polls move too,
    as does the tenant's, and by which the war room times each run: runs that run out of time are measured, not
    waited for. One worker: a FakeClock moved from
    several threads at once would add their waits up."""
    clock = FakeClock(0.0)
    moved = integration_on_clock(monkeypatch, clock)  # the tenant's wall clock moves with the test clock too
    tenant = start_tenant(auth_type='advanced', clock=clock, wall_clock=moved.time)
    # The slowest pace an instance may be set to (or a tenant shared by other clients): one request in 10 s.
    room = WarRoom(params=tenant.params(xdr_rate_limit='0.1', max_concurrency='1'), sleep=clock.advance, clock=clock)
    yield tenant, room
    tenant.server.stop()


def latest_records(context):
    """file_hash -> the last record context holds for it (a file restored again gets a record beside the earlier)."""
    return {record['file_hash']: record for record in as_list(get_path(context, facts.XDR_CONTEXT_PATH))}


def test_a_polling_run_sends_the_restores_an_earlier_run_had_no_time_to_send(on_test_clock):
    tenant, room = on_test_clock
    hashes = tenant.backend.quarantine_files(25, salt='late')  # more than one run's 3 minutes of turns can send

    result = room.run('restore-file', {'file_hash': ','.join(hashes)})

    assert not result.failed, result.entries[-1]
    assert 'Not started' in result.entries[0]['HumanReadable']  # the first run did run out of time
    assert sorted(action.file_hash for action in tenant.backend.actions.values()) == sorted(hashes)  # each once
    records = latest_records(result.context)
    assert sorted(records) == sorted(hashes)
    for record in records.values():
        assert 'action_id' in record and record['status'] in facts.XDR_OUTCOMES[1:], record
    final = result.entries[-1]['HumanReadable']
    assert 'PollingCommand' not in result.entries[-1] and 'Not started' not in final


# An instruction to send the restore again ("Run the command again later", "run restore-file again"): said once.
RUN_AGAIN = re.compile(r'\b(run|try)\b[^.]*\bagain\b', re.IGNORECASE)


def assert_followed_or_not_started(tenant, result, hashes):
    """Each file Cortex XDR holds a restore action of is in context under that action, read to its end by a later
    check (this tenant's actions end at once); each other file is in context as not started, saying to run the
    command again for it, and promising no check to come. Nothing is restored behind a "not started" in context, nor
    sent for no check to follow."""
    records = latest_records(result.context)
    acted = {action.file_hash: str(action_id) for action_id, action in tenant.backend.actions.items()}
    assert sorted(records) == sorted(hashes)
    for file_hash, record in records.items():
        if file_hash in acted:
            assert str(record.get('action_id')) == acted[file_hash], record
            assert record['status'] in facts.XDR_OUTCOMES[1:], record  # read to its end, not left IN_PROGRESS
        else:
            assert 'action_id' not in record and record['status'] == 'FAILED', record
            assert len(RUN_AGAIN.findall(record['error'])) == 1 and 'next check' not in record['error'], record


def test_the_last_check_before_the_polling_timeout_sends_no_restore_and_names_each_file_never_sent(on_test_clock):
    tenant, room = on_test_clock
    hashes = sorted(seed_holders())

    # 10 s of polling: the first run sends one restore (one turn at this pace) and the check that follows, at 10 s, is
    # the last one XSOAR runs: a restore it sent would be followed by no check.
    result = room.run('restore-file', {'file_hash': ','.join(hashes), 'timeout_in_seconds': '10'})

    assert not result.failed, result.entries[-1]  # the last check ends the polling itself, before the timeout
    assert result.entries[0]['PollingArgs']['polling_started']  # the first run's start, from which the check counts
    assert [action.file_hash for action in tenant.backend.actions.values()] == hashes[:1]
    assert_followed_or_not_started(tenant, result, hashes)
    last = result.entries[-1]['HumanReadable']
    assert f'Not started ({len(hashes) - 1} files)' in last and all(h in last for h in hashes[1:])


def test_a_check_waits_for_turns_no_longer_than_a_later_check_can_still_follow_what_it_sends(on_test_clock):
    tenant, room = on_test_clock
    hashes = sorted(seed_holders())[:2]
    # The first run sends one restore, and Cortex XDR asks it to wait 200 s before the other: the first check, put off
    # until then (about 90 s of polling left), is asked to wait 85 s at its first request, past the 20 s before the
    # timeout it keeps for a next check to follow what it sends. Waited out, the check would send a restore that no
    # check follows, and end past the timeout, its entry lost; the next check, once the 85 s have passed, is too late.
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,429;retry-after=200'))
    later = [FaultPlan.parse('sequence=429;retry-after=85')]
    room.on_entry = lambda entry: later and tenant.gateway.inject_faults(later.pop())

    result = room.run('restore-file', {'file_hash': ','.join(hashes), 'timeout_in_seconds': '300'})

    assert not result.failed, result.entries[-1]
    assert [action.file_hash for action in tenant.backend.actions.values()] == hashes[:1]  # no check sent the other
    assert_followed_or_not_started(tenant, result, hashes)



# README: a check's waits for turns end two intervals (the default 10 s each) before the polling timeout. The first
# check, put off by Cortex XDR until about 90 s of polling are left, is asked to wait at its first request: 75 s is
# past the 70 s it may (the check sends nothing more), 65 s within them (it sends the other restore, a check follows).
@pytest.mark.parametrize('wait, sent', [(75, 1), (65, 2)])
def test_a_check_waits_for_turns_until_two_intervals_before_the_timeout_and_no_longer(on_test_clock, wait, sent):
    tenant, room = on_test_clock
    hashes = sorted(seed_holders())[:2]
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,429;retry-after=200'))
    later = [FaultPlan.parse(f'sequence=429;retry-after={wait}')]
    room.on_entry = lambda entry: later and tenant.gateway.inject_faults(later.pop())

    result = room.run('restore-file', {'file_hash': ','.join(hashes), 'timeout_in_seconds': '300'})

    assert not result.failed, result.entries[-1]
    assert [action.file_hash for action in tenant.backend.actions.values()] == hashes[:sent]
    assert_followed_or_not_started(tenant, result, hashes)


# README: a check by hand (polling=false) waits for its turns as long as its timeout_in_seconds, not an interval less
# as a polling check does: asked by Cortex XDR to wait 55 s of its 60, it waits them and reads the action's status.
def test_a_check_by_hand_waits_for_turns_its_whole_timeout(on_test_clock):
    tenant, room = on_test_clock
    file_hash = sorted(seed_holders())[0]
    started = room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'})
    action_id = str(latest_records(started.context)[file_hash]['action_id'])
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=55'))

    check = room.run('restore-file', {'action_id': action_id, 'file_hash': file_hash, 'polling': 'false',
                                      'timeout_in_seconds': '60'})

    assert not check.failed, check.entries[-1]
    record = latest_records(check.context)[file_hash]
    assert record['status'] in facts.XDR_OUTCOMES[1:] and not record.get('error'), record

@pytest.mark.parametrize('count', [1, 2])  # one file alone, as one of several
def test_a_first_run_that_had_no_time_to_send_any_restore_leaves_them_to_the_next_check(on_test_clock, count):
    tenant, room = on_test_clock
    # Cortex XDR asks the first request to wait longer than a run may: no restore goes out in the first run.
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=200'))
    hashes = sorted(seed_holders())[:count]

    result = room.run('restore-file', {'file_hash': ','.join(hashes)})

    assert not result.failed, result.entries
    first = result.entries[0]
    assert 'Not started' in first['HumanReadable'] and 'PollingCommand' in first
    assert all(file_hash in first['HumanReadable'] for file_hash in hashes)
    assert sorted(action.file_hash for action in tenant.backend.actions.values()) == hashes
    assert all('action_id' in record for record in latest_records(result.context).values())


def test_when_the_key_is_refused_at_a_check_the_error_also_names_the_files_never_sent(on_test_clock):
    tenant, room = on_test_clock
    # The first run sends one restore, then Cortex XDR asks it to wait past its time: two files wait for the check.
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,429;retry-after=200'))
    room.on_entry = lambda entry: tenant.backend.add_api_key('17', 'a-new-key-' + 'k' * 40, auth_type='advanced')
    first, *never_sent = sorted(seed_holders())

    result = room.run('restore-file', {'file_hash': ','.join([first, *never_sent])})

    assert result.runs == 2
    [action_id] = tenant.backend.actions
    error = result.entries[-1]
    assert error['Type'] == ENTRY_ERROR and 'HTTP 401' in error['Contents'] and str(action_id) in error['Contents']
    assert all(file_hash in error['Contents'] for file_hash in never_sent)


def test_the_summary_does_not_say_cortex_xdr_refused_a_restore_no_run_sent(on_test_clock):
    from test_restore_summary import steps_naming, summarise

    tenant, room = on_test_clock
    hashes = sorted(seed_holders())
    result = room.run('restore-file', {'file_hash': ','.join(hashes), 'timeout_in_seconds': '10'})
    never_sent = hashes[-1]
    assert never_sent not in [action.file_hash for action in tenant.backend.actions.values()]

    _, summary = summarise(result.context)

    [step] = steps_naming(summary, never_sent)
    assert 'Not sent' in step and 'refused' not in step.lower(), step


def test_a_restore_whose_every_file_was_refused_ends_in_an_error_also_when_a_check_sent_them(on_test_clock):
    # No restore went out in the first run; the check sends both, and Cortex XDR refuses both (no endpoint holds
    # either file): as when the first run is refused every one, the entry is an error (a playbook takes its error
    # path), not a note on a restore of 0 files.
    tenant, room = on_test_clock
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=200'))
    nowhere = sorted({c * 64 for c in 'abcdef0123456789'} - set(seed_holders()))[:2]

    result = room.run('restore-file', {'file_hash': ','.join(nowhere)})

    assert result.runs == 2 and not tenant.backend.actions
    last = result.entries[-1]
    assert last['Type'] == ENTRY_ERROR and 'None of the 2 restores was started' in last['Contents'], last
    assert all(file_hash in last['Contents'] for file_hash in nowhere)


def test_a_first_run_promises_no_later_send_when_no_check_will_have_time_to_send(on_test_clock):
    tenant, room = on_test_clock
    hashes = sorted(seed_holders())

    # 10 s of polling at one turn in 10 s: the first run sends one restore, and its check will have no time to send
    # the others and follow them.
    result = room.run('restore-file', {'file_hash': ','.join(hashes), 'timeout_in_seconds': '10'})

    first = result.entries[0]
    records = {r['file_hash']: r for r in as_list(facts.context_at(first['EntryContext'], facts.XDR_CONTEXT_PATH))}
    assert [action.file_hash for action in tenant.backend.actions.values()] == hashes[:1]
    for file_hash in hashes[1:]:
        assert 'next check' not in records[file_hash]['error'], records[file_hash]
        assert len(RUN_AGAIN.findall(records[file_hash]['error'])) == 1, records[file_hash]
    assert 'next check' not in first['HumanReadable'] and 'PollingArgs' in first
    assert 'unsent' not in first['PollingArgs']  # no check is handed a file it could not send
    assert not result.failed, result.entries[-1]


def restore_on_a_slow_vendor(tenant, count, args):
    """restore-file of ``count`` new files from a vendor that answers slowly on the test clock: the first restore late
    in the run's waiting time, each later one a few seconds on. A turn is free at once at that pace, yet no attempt may
    start once fewer than MIN_ATTEMPT_SECONDS of the run are left. The result, the hashes, and when each request
    came."""
    clock = FakeClock(0.0)
    arrived = []
    emulator = create_app(tenant.gateway)

    def slow_vendor(request):
        arrived.append(clock())
        clock.advance(facts.MAX_RUN_WAIT_SECONDS - 1 if len(arrived) == 1 else 2)
        return emulator(request)

    server = LoopbackServer(slow_vendor).start()
    try:
        settings = ri.XdrSettings(server.url, '17', tenant.key, tenant.auth_type, rate_limit=1000)
        client = ri.XdrClient(settings, ri.TransportSettings(read_timeout=600, max_concurrency=1), on_clock(clock))
        hashes = tenant.backend.quarantine_files(count, salt='slow')
        return ri.restore_file_command(client, {**args, 'file_hash': ','.join(hashes)}), hashes, arrived
    finally:
        server.stop()


def test_a_restore_whose_turn_is_free_past_the_runs_last_start_is_not_sent_and_left_to_the_next_check(xdr_tenant):
    # The files not sent by the run's last start are the next check's, not sent in the run's last seconds.
    result, hashes, arrived = restore_on_a_slow_vendor(xdr_tenant, 6, {})

    assert arrived and max(arrived) <= facts.MAX_RUN_WAIT_SECONDS
    sent = {action.file_hash for action in xdr_tenant.backend.actions.values()}
    never_sent = [file_hash for file_hash in hashes if file_hash not in sent]
    assert sent and never_sent  # the run did run out of time
    assert json.loads(result.schedule.args['unsent']) == never_sent
    records = {record['file_hash']: record for record in result.outputs}
    assert all(records[file_hash]['status'] == 'IN_PROGRESS' for file_hash in sent)
    assert f'Not started ({len(never_sent)} file{"s" if never_sent[1:] else ""})' in result.readable_output
    for file_hash in never_sent:  # the next check sends it: running the command again would start a second action
        reason = records[file_hash]['error']
        assert reason.startswith('Not sent to Cortex XDR at ') and 'next check sends it' in reason, reason
        assert 'again' not in reason, reason


def test_files_not_sent_at_the_runs_last_start_blame_xsoars_run_limit_not_the_commands_timeout(xdr_tenant):
    # A check by hand with a 30 s timeout: slow answers, not waits for turns, took the run's 3 minutes. Its 30 s
    # were never waited for, and a larger timeout_in_seconds would stop no run sooner than XSOAR does.
    result, hashes, _ = restore_on_a_slow_vendor(xdr_tenant, 4, {'polling': 'false', 'timeout_in_seconds': '30'})

    sent = {action.file_hash for action in xdr_tenant.backend.actions.values()}
    records = {record['file_hash']: record for record in result.outputs}
    never_sent = [records[file_hash] for file_hash in hashes if file_hash not in sent]
    assert sent and never_sent  # the run did run out of time
    for record in never_sent:
        reason = record['error']
        assert reason.startswith('Not sent to Cortex XDR at '), reason
        assert 'less than the 5 s an attempt needs' in reason and 'XSOAR stops a command after 3 minutes' in reason
        assert 'Run the command again later.' in reason, reason
        assert 'timeout_in_seconds' not in reason and '30 s' not in reason, reason


@pytest.mark.parametrize('seconds', [0, -30])
def test_a_429_met_with_no_time_left_to_wait_is_not_sent_again_and_names_a_wait_of_0_s(seconds):
    # A check whose polling time is up (none left, or past) waits for no turn: its 429 names that wait, 0 s, neither
    # a second it never had nor a negative one.
    server = LoopbackServer(lambda request: Response(429, b'', {})).start()
    try:
        transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings())
        transport.wait_at_most(seconds)
        reply = transport.request('POST', '/restore', json={})
    finally:
        server.stop()

    assert reply.status == 429 and len(reply.attempts) == 1  # no turn waited for: none sent again
    assert reply.gave_up.startswith('the 0 s '), reply.gave_up


def test_a_request_whose_turn_comes_after_the_requests_before_it_used_up_the_runs_wait_is_not_sent_saying_so(
        replay_server):
    clock = FakeClock(0.0)
    pace = ri.AdaptiveRateLimiter(0.1, clock=clock, sleep=clock.advance)  # a turn every 10 s or so
    transport = ri.HttpTransport(replay_server.url, 'Cortex XDR', ri.TransportSettings(max_retries=0), limiter=pace)
    transport.wait_at_most(5)  # a short polling time left: the run itself has minutes
    replay_server.queue(200, {'reply': {}})
    assert transport.request('GET', '/first').status == 200  # its turn free at once
    clock.advance(6)  # the first request's answer took 6 s

    with pytest.raises(ri.RestoreError) as raised:
        transport.request('GET', '/second')  # its turn 10 s after the first's

    assert len(replay_server.requests) == 1  # the second was not sent
    assert ('the requests before it took the time: the 5 s this run may wait for its turns had passed. Run the '
            'command again later, or with a larger timeout_in_seconds.') in str(raised.value)
