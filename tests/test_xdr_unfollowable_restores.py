"""restore-file when Cortex XDR's restore reply, or a status read, is one the command cannot follow as usual.

The seed (Restore File) gives the reply's action_id as the ID to follow and endpoints_count as the "Number of
endpoints included in the request"; README.md says what the command does with the rest. Expected values come from
the seed, the README and the replies queued here, never from the integration's constants.
"""
from __future__ import annotations

import pytest

import restore_integration as ri
from conftest import XDR_REPLIES, load_json, seed_holders
from facts import ENTRY_ERROR
from warroom.context import as_list
from test_reply_shapes import records, room, status_requests

FINAL = load_json(XDR_REPLIES / 'action_status_final.json')
FOLLOWED, OTHER = 'a' * 64, 'b' * 64


@pytest.mark.parametrize('action_id, quoted', [(' ', '" "'), (True, 'true'), ({'id': 1001}, '{"id": 1001}'),
                                               ([1001], '[1001]')])  # quoted as JSON, as XSOAR shows a value
def test_an_action_id_no_check_can_carry_is_not_followed_and_the_other_files_polling_goes_on(replay_server,
                                                                                             action_id, quoted):
    replay_server.queue(200, {'reply': {'action_id': 3001, 'endpoints_count': '3'}})
    replay_server.queue(200, {'reply': {'action_id': action_id, 'endpoints_count': '3'}}).queue(200, FINAL)

    result = room(replay_server).run('restore-file', {'file_hash': f'{FOLLOWED},{OTHER}'})

    assert not result.failed, result.entries[-1]['Contents']
    assert [s['group_action_id'] for s in status_requests(replay_server)] == [3001]  # the other file was checked
    by_hash = {record['file_hash']: record for record in records(result)}
    assert by_hash[FOLLOWED]['status'] != 'IN_PROGRESS'
    unfollowed = by_hash[OTHER]
    assert unfollowed['status'] == 'FAILED' and 'action_id' not in unfollowed
    assert f'action_id {quoted}' in unfollowed['error'], unfollowed['error']
    assert 'cannot be followed' in unfollowed['error'] and 'Action Center' in unfollowed['error']
    restores = [r for r in replay_server.requests if r.path.endswith('/restore/')]
    assert len(restores) == 2  # accepted: never sent again


def test_one_file_whose_action_id_cannot_be_carried_says_it_cannot_be_followed_without_polling(replay_server):
    replay_server.queue(200, {'reply': {'action_id': {'id': 1001}, 'endpoints_count': '3'}})

    result = room(replay_server).run('restore-file', {'file_hash': FOLLOWED})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'PollingCommand' not in entry
    assert 'cannot be followed' in entry['Contents'] and 'Action Center' in entry['Contents']
    assert not status_requests(replay_server)


@pytest.mark.parametrize('action_id', [' ', '\t'], ids=repr)
def test_a_blank_text_action_id_is_said_to_be_blank_text_not_no_text(replay_server, action_id):
    # README: an action ID "that is neither a number nor a non-blank text (blank, ...)" is not followed. A blank one is
    # a text: the record says what is wrong with it (blank), not that Cortex XDR sent no text.
    replay_server.queue(200, {'reply': {'action_id': action_id, 'endpoints_count': '3'}})

    result = room(replay_server).run('restore-file', {'file_hash': FOLLOWED})

    [record] = records(result)
    assert record['status'] == 'FAILED' and 'non-blank text' in record['error'], record


def first_sentence(text):
    return text.split('Error: ', 1)[-1].split('. ', 1)[0]


def test_restores_cortex_xdr_accepted_without_an_action_id_are_not_said_to_be_not_started(replay_server):
    # The seed: status 1 means the restore succeeded (was sent); without an action_id it cannot be followed.
    for _ in range(2):
        replay_server.queue(200, {'reply': {'status': 1, 'endpoints_count': '2'}})

    result = room(replay_server).run('restore-file', {'file_hash': f'{FOLLOWED},{OTHER}'})

    [entry] = result.entries
    sentence = first_sentence(entry['Contents'])
    assert 'was started' not in sentence and 'not started' not in sentence, sentence
    assert 'accepted 2' in sentence and 'Action Center' in entry['Contents']
    assert FOLLOWED in entry['Contents'] and OTHER in entry['Contents']


def test_restores_whose_answers_were_lost_after_cortex_xdr_may_have_acted_are_said_to_may_have_started(
        advanced_tenant, war_room_on):
    # The emulator's "truncated": Cortex XDR makes the change, then the answer breaks off.
    from warroom.emulator.faults import FaultPlan
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=truncated,truncated'))
    hashes = sorted(seed_holders())[:2]

    result = war_room_on(advanced_tenant, max_retries='0', max_concurrency='1').run(
        'restore-file', {'file_hash': ','.join(hashes)})

    assert len(advanced_tenant.backend.actions) == 2  # both restores did start
    [entry] = result.entries
    sentence = first_sentence(entry['Contents'])
    assert 'was started' not in sentence and 'not started' not in sentence, sentence
    assert '2 may have started' in sentence and 'Action Center' in entry['Contents']


def test_a_restore_that_may_have_started_beside_a_followed_one_is_not_listed_as_not_started(advanced_tenant,
                                                                                             war_room_on):
    from warroom.emulator.faults import FaultPlan
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,truncated'))
    started, lost = sorted(seed_holders())[:2]

    result = war_room_on(advanced_tenant, max_retries='0', max_concurrency='1').run(
        'restore-file', {'file_hash': f'{started},{lost}'})

    assert not result.failed, result.entries[-1]['Contents']
    for entry in (result.entries[0], result.entries[-1]):
        text = entry['HumanReadable']
        assert lost in text and 'Not started' not in text and 'May have started (1 file)' in text, text


def test_the_large_outcome_title_counts_the_endpoints_not_the_file_endpoint_pairs():
    from test_quiet_polling import sixty_endpoint_tenant

    file_hashes = [f'{n:064x}' for n in range(1, 4)]
    server, war_room = sixty_endpoint_tenant(file_hashes)  # 60 endpoints, each holding the 3 files: 180 pairs
    try:
        result = war_room.run('restore-file', {'file_hash': ','.join(file_hashes)})
    finally:
        server.stop()

    title = result.entries[-1]['HumanReadable'].splitlines()[0]  # the seed's count, not one read from the context
    assert f'{len(file_hashes)} files on 60 endpoints' in title, title


# What each refusal of a status read (actions/get_action_status) must lead to, not the restore's own advice. When a
# throttled status is read again is the record's to say (the next check, or none once polling ended), not the client's.
STATUS_READ_ADVICE = {400: ('action ID', 'Action Center'), 403: ('role', 'action status'),
                      429: ('rate limit', 'action status')}
RESTORE_ONLY_ADVICE = ('file_hash', 'incident_id', 'restore files', 'Run the command again')


@pytest.mark.parametrize('status', sorted(STATUS_READ_ADVICE))
def test_a_refused_status_read_gets_advice_about_reading_the_action_and_keeps_the_vendor_s_words(replay_server,
                                                                                                   status):
    from test_xdr_client import make_client
    vendor = load_json(XDR_REPLIES / f'error_{status}.json')['reply']
    replay_server.queue_file(status, f'error_{status}.json')
    client = make_client(replay_server.url, max_retries=0)
    client.transport.wait_at_most(0)

    with pytest.raises(ri.VendorApiError) as raised:
        client.get_action_status(2457)

    # callers tell errors apart by these two (HTTP status, the vendor's code), not by the text
    assert (raised.value.http_status, raised.value.vendor_code) == (status, vendor['err_code'])
    message = str(raised.value)
    ours = message.split(' said: ', 1)[0]
    assert all(words.lower() in ours.lower() for words in STATUS_READ_ADVICE[status]), ours
    assert not any(words in ours for words in RESTORE_ONLY_ADVICE), ours
    assert f'HTTP {status}' in message and vendor['err_msg'] in message and f'code {vendor["err_code"]}' in message


def test_a_status_read_refused_with_400_while_polling_says_so_on_the_file_s_record(replay_server):
    replay_server.queue(200, {'reply': {'action_id': 3001, 'endpoints_count': '3'}})
    replay_server.queue_file(400, 'error_400.json').queue(200, FINAL)

    result = room(replay_server).run('restore-file', {'file_hash': FOLLOWED})

    assert not result.failed and result.runs == 3, result.entries[-1]['Contents']
    check = result.entries[1]['HumanReadable']
    assert 'Action Center' in check and 'file_hash must be' not in check, check
    [record] = as_list(next(iter(result.entries[1]['EntryContext'].values())))  # the check's record of the file
    vendor = load_json(XDR_REPLIES / 'error_400.json')['reply']
    error = record['error']
    assert record['file_hash'] == FOLLOWED and record['status'] == 'IN_PROGRESS', record
    assert 'not read' in error and 'HTTP 400' in error and vendor['err_msg'] in error, error
    assert 'Action Center' in error and 'file_hash must be' not in error, error


def test_a_turn_less_than_a_second_away_is_not_said_to_be_0_s_away(monkeypatch):
    import re
    from conftest import FakeClock, integration_on_clock, start_tenant
    from warroom.runtime import WarRoom
    clock = FakeClock()
    tenant = start_tenant(auth_type='standard', stage_seconds=1000, clock=clock,
                          wall_clock=integration_on_clock(monkeypatch, clock).time)
    # Turns about half a second apart, and a first run that waits 10 s for turns (the polling time): the 21st
    # restore's turn comes past that, less than a second away. One worker: turns waited on one test clock add up.
    params = tenant.params(xdr_rate_limit='2', max_concurrency='1')
    try:
        result = WarRoom(params=params, sleep=clock.advance, clock=clock).run(
            'restore-file', {'file_hash': ','.join(tenant.backend.quarantine_files(22)), 'timeout_in_seconds': '10'})
    finally:
        tenant.server.stop()

    said = [away for entry in result.entries
            for away in re.findall(r'the next turn was ([^,]*) away', entry.get('HumanReadable') or '')]
    assert said, 'the run meets a turn past its wait'
    assert all(away == 'less than a second' or float(away.removesuffix(' s')) > 0 for away in said), said


@pytest.mark.parametrize('count', ['0', 0])
def test_a_restore_that_includes_no_endpoint_is_not_followed_and_its_record_says_nothing_was_restored(
        replay_server, count):
    # The seed: endpoints_count is the "Number of endpoints included in the request"; none: nothing to restore.
    replay_server.queue(200, {'reply': {'action_id': 3001, 'endpoints_count': '3'}})
    replay_server.queue(200, {'reply': {'action_id': 3002, 'endpoints_count': count}}).queue(200, FINAL)

    result = room(replay_server).run('restore-file', {'file_hash': f'{FOLLOWED},{OTHER}'})

    assert not result.failed and result.runs == 2, result.entries[-1]['Contents']
    assert [s['group_action_id'] for s in status_requests(replay_server)] == [3001]
    record = {r['file_hash']: r for r in records(result)}[OTHER]
    assert record['status'] == 'FAILED' and 'no endpoint' in record['error'] and 'quarantine' in record['error']
    assert 'Not started' not in result.entries[0]['HumanReadable']


def test_one_file_whose_restore_includes_no_endpoint_ends_at_once(replay_server):
    replay_server.queue(200, {'reply': {'action_id': 3002, 'endpoints_count': '0'}})

    result = room(replay_server).run('restore-file', {'file_hash': OTHER})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'PollingCommand' not in entry and not status_requests(replay_server)
    assert 'no endpoint' in entry['Contents'] and 'nothing to restore' in entry['Contents']


def test_an_action_id_that_is_not_whole_is_followed_as_sent_and_its_record_says_what_was_odd(replay_server):
    # The seed's action_id is a whole number; a fractional one is still a number a check can carry back
    replay_server.queue(200, {'reply': {'action_id': 3001.5, 'endpoints_count': '3'}}).queue(200, FINAL)

    result = room(replay_server).run('restore-file', {'file_hash': FOLLOWED, 'polling': 'false'})

    [record] = records(result)
    assert record['action_id'] == 3001.5 and record['status'] == 'IN_PROGRESS'
    assert '3001.5 is not a whole number' in record['error'] and 'neither a number' not in record['error']


# README (Retries): where an attempt may have reached Cortex XDR before its answer was lost ("no answer in time, a
# dropped connection, a broken reply, a 502 or 504") or came as an HTTP 200 that could not be read (a body that is
# not JSON), Cortex XDR may have acted on it; a 500 (its answer) or a 503 is a refusal or a fault before it acted.
MAY_HAVE_ACTED_FAULTS = ('truncated', 'malformed', 'reset', '502', '504', '502-html')
NOT_ACTED_FAULTS = ('500', '503', '503-html', '500-html')


@pytest.mark.parametrize('fault', MAY_HAVE_ACTED_FAULTS + NOT_ACTED_FAULTS)
def test_a_restore_not_followed_says_by_its_may_have_started_field_whether_cortex_xdr_may_have_acted(
        advanced_tenant, war_room_on, fault):
    """CortexXDR.RestoredFile.may_have_started (integration.yml) is what the pack's scripts read to tell a restore to
    look for in the Action Center first from one to send again: every record of a restore not followed says it."""
    from warroom.emulator.faults import FaultPlan
    advanced_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,{fault}'))
    started, other = sorted(seed_holders())[:2]

    result = war_room_on(advanced_tenant, max_retries='0', max_concurrency='1').run(
        'restore-file', {'file_hash': f'{started},{other}', 'polling': 'false'})

    assert not result.failed, result.entries[-1]['Contents']
    by_hash = {record['file_hash']: record for record in records(result)}
    assert by_hash[other]['status'] == 'FAILED' and 'action_id' not in by_hash[other]
    assert by_hash[other]['may_have_started'] is (fault in MAY_HAVE_ACTED_FAULTS), by_hash[other]
    assert 'may_have_started' not in by_hash[started]  # followed: its action says how it went


@pytest.mark.parametrize('reply', [{'status': 1, 'endpoints_count': '2'}, {'action_id': ' ', 'endpoints_count': '3'},
                                   {'action_id': {'id': 1001}}, {'status': 0, 'errorText': 'No such file'}])
def test_a_restore_cortex_xdr_accepted_without_an_action_id_may_have_started_and_one_it_refused_did_not(
        replay_server, reply):
    # The seed: status 1 means the restore was sent; status 0 that it was not.
    replay_server.queue(200, {'reply': {'action_id': 3001, 'endpoints_count': '3'}}).queue(200, {'reply': reply})

    result = room(replay_server).run('restore-file', {'file_hash': f'{FOLLOWED},{OTHER}', 'polling': 'false'})

    record = {r['file_hash']: r for r in records(result)}[OTHER]
    assert record['status'] == 'FAILED' and record['may_have_started'] is (reply.get('status') != 0), record


def test_a_later_refusal_of_a_file_whose_restore_may_have_started_no_longer_says_it_may_have(replay_server):
    """XSOAR updates the record a DT key matches and keeps the fields the update leaves out (README, Context): a file
    not followed has no action_id, so a later record of it not followed updates the earlier one, and must say
    may_have_started itself, or the earlier true would stay beside the refusal's reason."""
    war_room = room(replay_server)
    replay_server.queue(200, {'reply': {'action_id': 3001, 'endpoints_count': '3'}})
    replay_server.queue(200, {'reply': {'status': 1, 'endpoints_count': '2'}})  # accepted, no action_id
    war_room.run('restore-file', {'file_hash': f'{FOLLOWED},{OTHER}', 'polling': 'false'})
    replay_server.queue(200, {'reply': {'action_id': 3002, 'endpoints_count': '3'}})
    replay_server.queue_file(500, 'error_500.json')  # Cortex XDR's answer: refused

    result = war_room.run('restore-file', {'file_hash': f'{FOLLOWED},{OTHER}', 'polling': 'false'})

    [record] = [r for r in records(result) if r['file_hash'] == OTHER]
    assert load_json(XDR_REPLIES / 'error_500.json')['reply']['err_msg'] in record['error']
    assert record['may_have_started'] is False, record


@pytest.mark.parametrize('fault', MAY_HAVE_ACTED_FAULTS + NOT_ACTED_FAULTS)
def test_one_file_not_followed_writes_its_record_saying_whether_cortex_xdr_may_have_acted(advanced_tenant,
                                                                                          war_room_on, fault):
    """One file's restore not followed ends in an error entry (the playbook's error path), and writes the record the
    same file writes among several (integration.yml, may_have_started): XSOAR merges an error entry's EntryContext
    (CommonServerPython's return_error: ``outputs``, "the outputs that will be returned to playbook/investigation
    context", written as the entry's EntryContext). Without it, the gate and the on-close script, which read the
    record, would send the file again blind."""
    from warroom.emulator.faults import FaultPlan
    advanced_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={fault}'))
    [file_hash] = sorted(seed_holders())[:1]
    # While polling, a restore whose last attempt met a 503 is the next check's to send (README, "Files a run had no
    # time to send"): without polling, no check comes
    alone = {'file_hash': file_hash, **({'polling': 'false'} if fault.startswith('503') else {})}

    result = war_room_on(advanced_tenant, max_retries='0').run('restore-file', alone)

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR
    [record] = records(result)
    assert record['file_hash'] == file_hash and record['status'] == 'FAILED' and 'action_id' not in record
    assert record['may_have_started'] is (fault in MAY_HAVE_ACTED_FAULTS), record
    assert record['error'] in entry['Contents']


@pytest.mark.parametrize('reply', [{'status': 1, 'endpoints_count': '2'}, {'action_id': {'id': 1001}},
                                   {'status': 0, 'errorText': 'No such file'},
                                   {'action_id': 3001, 'endpoints_count': '0'}])
def test_one_file_accepted_without_an_action_id_may_have_started_and_one_refused_or_empty_did_not(replay_server,
                                                                                                   reply):
    # The seed: status 1 means the restore was sent; status 0 that it was not; endpoints_count 0: none included.
    replay_server.queue(200, {'reply': reply})

    result = room(replay_server).run('restore-file', {'file_hash': FOLLOWED})

    [entry] = result.entries
    [record] = records(result)
    assert entry['Type'] == ENTRY_ERROR and record['status'] == 'FAILED' and record['file_hash'] == FOLLOWED
    assert record['may_have_started'] is (reply.get('status') == 1 or 'action_id' in reply and
                                          reply.get('endpoints_count') != '0'), record


def test_restores_none_of_which_can_be_followed_write_their_records_on_the_error_entry(advanced_tenant, war_room_on):
    """Several files none of whose restores is followed end in an error entry too (README): their records go on it, as
    they would on a note, or a second run could not tell which may have started."""
    from warroom.emulator.faults import FaultPlan
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=truncated,500'))
    lost, refused = sorted(seed_holders())[:2]

    result = war_room_on(advanced_tenant, max_retries='0', max_concurrency='1').run(
        'restore-file', {'file_hash': f'{lost},{refused}'})

    [entry] = result.entries  # the error entry alone: no note beside it carries the records
    assert entry['Type'] == ENTRY_ERROR
    [on_entry] = [value for key, value in entry['EntryContext'].items() if key.startswith('CortexXDR.RestoredFile(')]
    assert as_list(on_entry) == records(result)
    by_hash = {record['file_hash']: record for record in records(result)}
    assert sorted(by_hash) == sorted([lost, refused])
    assert by_hash[lost]['may_have_started'] is True and by_hash[refused]['may_have_started'] is False, by_hash


def test_one_file_whose_http_200_cannot_be_read_says_cortex_xdr_may_have_started_it(replay_server):
    """README (Every reply shape): an HTTP 200 that is not a JSON object with a "reply" may mean Cortex XDR acted, so it
    is not sent again, and its record says may_have_started. One file's error must say so too, as it does among
    several, not only to check the server URL: the analyst would run it again blind."""
    replay_server.queue(200, {'unexpected': 1})

    result = room(replay_server).run('restore-file', {'file_hash': FOLLOWED})

    [entry] = result.entries
    [record] = records(result)
    assert entry['Type'] == ENTRY_ERROR and record['may_have_started'] is True
    assert 'may have started' in entry['Contents'] and 'Action Center' in entry['Contents'], entry['Contents']


# Palo Alto Networks' own Cortex XDR SDK types Restore File's answer as {reply: boolean} (pan-cortex-xdr-nodejs,
# src/endpoint_file_restore.ts, FileRestoreEndpointResponse), beside Quarantine's {reply: {action_id}}: whether the
# request succeeded, as the seed's status does (1 succeeded, 0 failed), with no action to follow.
@pytest.mark.parametrize('name, accepted', [('restore_boolean_reply_true.json', True),
                                            ('restore_boolean_reply_false.json', False)])
def test_a_restore_answered_with_a_boolean_reply_is_read_as_whether_cortex_xdr_accepted_it(replay_server, name,
                                                                                          accepted):
    replay_server.queue_file(200, name, XDR_REPLIES / 'variants')

    result = room(replay_server).run('restore-file', {'file_hash': FOLLOWED})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'PollingCommand' not in entry
    assert 'URL' not in entry['Contents'], entry['Contents']  # the tenant answered: no setting is wrong
    said = 'cannot be followed' if accepted else 'did not accept the restore'
    assert said in entry['Contents'] and 'Action Center' in entry['Contents'], entry['Contents']
    [record] = records(result)
    assert record['status'] == 'FAILED' and 'action_id' not in record
    assert record['may_have_started'] is accepted
    assert not status_requests(replay_server)
