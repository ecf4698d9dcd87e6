"""What an analyst reads while a restore is followed: one line per check, the whole table once at the end, and
each refusal reason once with the files it applies to, over HTTP to the Cortex XDR emulator on a clock the war
room's waits move."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from hypothesis import example, given, settings, strategies as st

import facts
import restore_integration as ri
from conftest import TEST_DATA, WaitClock as Clock, load_json, markdown_rows, seed_holders, start_tenant
from warroom.runtime import WarRoom

STAGE_SECONDS = 10.0
HOLDERS = seed_holders()
QUARANTINED = sorted(HOLDERS)
NOWHERE = [f'{n:064x}' for n in range(1, 30)]  # 29 hashes no endpoint holds: Cortex XDR refuses each


@pytest.fixture
def clocked():
    clock = Clock()
    tenant = start_tenant(stage_seconds=STAGE_SECONDS, clock=clock)
    yield tenant, clock
    tenant.server.stop()


def run(tenant, clock, hashes):
    room = WarRoom(params=tenant.params(), time_scale=1, sleep=clock.sleep)
    return room.run('restore-file', {'file_hash': ','.join(hashes)})


def test_each_check_but_the_last_is_one_line_and_the_last_holds_every_endpoint(clocked):
    tenant, clock = clocked
    file_hash = QUARANTINED[0]

    result = run(tenant, clock, [file_hash])

    first, *checks, last = result.entries
    assert checks, 'the action runs for several stages: there are checks between the first entry and the last'
    for entry in checks:
        text = entry['HumanReadable']
        assert len(text.splitlines()) == 1 and '|' not in text and 'running' in text
    for endpoint_id in HOLDERS[file_hash]:
        assert endpoint_id in last['HumanReadable']
    assert all(endpoint_id not in entry['HumanReadable'] for entry in checks for endpoint_id in HOLDERS[file_hash])


def test_thirty_hashes_say_each_refusal_reason_once_and_the_final_entry_covers_every_file(clocked):
    tenant, clock = clocked
    hashes = [QUARANTINED[0], *NOWHERE]

    result = run(tenant, clock, hashes)

    assert not result.failed
    first, last = result.entries[0], result.entries[-1]
    for entry in (first, last):
        text = entry['HumanReadable']
        assert text.count('Not started (') == 1 and f'Not started ({len(NOWHERE)} files)' in text
        assert text.count('No quarantined file with hash') == 1  # the reason once, the files listed under it
    final = last['HumanReadable']
    assert all(h in final for h in hashes[:21])  # the restored one, and the refused ones up to the cap
    assert f'and {len(NOWHERE) - 20} more' in final
    assert sum(len(e['HumanReadable']) for e in result.entries) < 15_000


def test_the_final_entry_names_every_quarantined_file_given(clocked):
    tenant, clock = clocked

    result = run(tenant, clock, QUARANTINED)

    final = result.entries[-1]['HumanReadable']
    assert all(h in final for h in QUARANTINED), final


def test_ten_thousand_endpoints_read_as_counts_and_grouped_failures_in_a_small_entry():
    """A signature update gone wrong: one hash quarantined on 10,000 endpoints, 1 in 100 failing to restore."""
    from warroom.emulator.httpserver import LoopbackServer
    from warroom.emulator.xdr import XdrBackend, XdrGateway, create_app
    from warroom.context import as_list, get_path

    file_hash, reason = 'ab' * 32, 'Failed to restore file: the original path no longer exists on the endpoint'
    endpoints = [{'endpoint_id': f'{n:032x}', 'endpoint_name': f'WS-{n:05d}',
                  'quarantined': [{'file_hash': file_hash, 'file_path': f'C:\\\\x\\\\{n}.exe'}],
                  'restore_failure': {'status': 'FAILED', 'error_description': reason} if n % 100 == 0 else None}
                 for n in range(10_000)]
    backend = XdrBackend.from_seed({'endpoints': endpoints}, stage_seconds=0)
    backend.add_api_key('1', 'k' * 64, auth_type='advanced')
    with LoopbackServer(create_app(XdrGateway(backend, rate_limit=1000))) as server:
        params = {'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64}}
        result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('restore-file',
                                                                                {'file_hash': file_hash})

    failing = [e['endpoint_id'] for e in endpoints if e['restore_failure']]
    text = result.entries[-1]['HumanReadable']
    # README, "Readable at any scale": "One hash on 10,000 endpoints makes an entry under 1 KB".
    assert max(len(entry['HumanReadable'].encode()) for entry in result.entries) < 1024
    assert file_hash in text  # and that entry still says which file it is about
    assert f'{10_000 - len(failing):,} COMPLETED_SUCCESSFULLY, {len(failing):,} FAILED.' in text
    assert text.count(reason) == 1 and f'and {len(failing) - 20} more' in text
    assert all(endpoint_id in text for endpoint_id in failing[:20])
    context_endpoints = as_list(get_path(result.context, 'CortexXDR.RestoredFile.endpoints'))
    assert len(context_endpoints) == 10_000  # the context keeps every endpoint


@pytest.mark.parametrize('name, value', [('refused', '["not", "a map"]'), ('finished', '{"not": "a list"}'),
                                         ('finished', '[not json'), ('finished', '[{}]'), ('refused', '{"r": [1]}'),
                                         ('finished', '[{"file_hash": "a", "status": "FAILED", "restored_count": "x",'
                                                      ' "failed_count": 1}]'), ('unread', '{"1": [500, 500, 1]}')])
def test_a_hidden_polling_argument_it_did_not_write_is_refused_before_any_request(name, value):
    tenant = start_tenant()
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        result = room.run('restore-file', {'file_hash': QUARANTINED[0], 'action_id': '[1]', name: value})
    finally:
        tenant.server.stop()
    assert result.failed and f'{name} is set by the command itself' in result.entries[-1]['Contents']
    assert tenant.gateway.requests == []


def checked_while_running(file_hash, count):
    """One file's restore on ``count`` endpoints, started with polling=false and checked by hand while its action still
    runs: the check's result and the action's ID."""
    from warroom.emulator.httpserver import LoopbackServer
    from warroom.emulator.xdr import XdrBackend, XdrGateway, create_app

    endpoints = [{'endpoint_id': f'{n:032x}', 'endpoint_name': f'WS-{n:03d}',
                  'quarantined': [{'file_hash': file_hash, 'file_path': f'C:\\\\x\\\\{n}.exe'}]}
                 for n in range(count)]
    backend = XdrBackend.from_seed({'endpoints': endpoints}, stage_seconds=3600)  # the action outlives both runs
    backend.add_api_key('1', 'k' * 64, auth_type='advanced')
    with LoopbackServer(create_app(XdrGateway(backend, rate_limit=1000))) as server:
        room = WarRoom(params={'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64}},
                       time_scale=0, sleep=lambda _: None)
        started = room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'})
        action_id = started.entries[-1]['Contents']['action_id']
        checked = room.run('restore-file', {'file_hash': file_hash, 'action_id': json.dumps([action_id]),
                                            'polling': 'false'})
    return checked, action_id


def test_endpoints_still_running_at_a_last_check_are_counted_never_grouped_as_failures():
    """A check with polling=false on more than 50 endpoints, the action still running: a running endpoint has no
    failure reason to group it under."""
    endpoints = 60
    checked, _ = checked_while_running('cd' * 32, endpoints)

    text = checked.entries[-1]['HumanReadable']
    assert not checked.failed
    counted = re.findall(r'([\d,]+) (\w+)', text.splitlines()[1])  # every endpoint counted, by its running status
    assert counted and sum(int(n.replace(',', '')) for n, _ in counted) == endpoints, text
    assert {status for _, status in counted} <= set(facts.XDR_RUNNING_STATUSES), text
    assert 'no reason given' not in text and '- **' not in text  # and none listed under a failure reason


@pytest.mark.parametrize('count', [facts.READABLE_DETAIL_MAX, facts.READABLE_DETAIL_MAX + 10])
def test_a_check_of_one_running_action_titles_it_in_progress_in_words_listed_or_grouped(count):
    """A check by hand of one file's action still running on ``count`` endpoints: listed up to fifty, grouped past
    them; either way the title says the action is in progress in words, not as Cortex XDR's IN_PROGRESS."""
    file_hash = 'ce' * 32
    checked, action_id = checked_while_running(file_hash, count)

    assert not checked.failed, checked.entries[-1]
    title = checked.entries[-1]['HumanReadable'].splitlines()[0]
    assert title == f'### Restore of {file_hash}: in progress (action {action_id})', title


def sixty_endpoint_tenant(file_hashes, failing_every=10, count=60):
    """A tenant whose 60 endpoints (or ``count``) each hold every file in ``file_hashes``, one in ``failing_every``
    failing to restore: past the 50 endpoints after which the final entry counts and groups instead of listing."""
    from warroom.emulator.httpserver import LoopbackServer
    from warroom.emulator.xdr import XdrBackend, XdrGateway, create_app

    reason = 'Failed to restore file: the original path no longer exists on the endpoint'
    endpoints = [{'endpoint_id': f'{n:032x}', 'endpoint_name': f'WS-{n:03d}',
                  'quarantined': [{'file_hash': h, 'file_path': f'C:\\\\x\\\\{n}.exe'} for h in file_hashes],
                  'restore_failure': {'status': 'FAILED', 'error_description': reason}
                  if n % failing_every == 0 else None} for n in range(count)]
    backend = XdrBackend.from_seed({'endpoints': endpoints}, stage_seconds=0)
    backend.add_api_key('1', 'k' * 64, auth_type='advanced')
    server = LoopbackServer(create_app(XdrGateway(backend, rate_limit=1000))).start()
    params = {'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64}}
    return server, WarRoom(params=params, time_scale=0, sleep=lambda _: None)


def seeded_statuses(count, failing_every=10):
    """{endpoint_id: the status its restore ends in} of sixty_endpoint_tenant's endpoints, as it seeds them."""
    return {f'{n:032x}': 'FAILED' if n % failing_every == 0 else facts.XDR_SUCCESS_STATUS for n in range(count)}


@pytest.mark.parametrize('count', [facts.READABLE_DETAIL_MAX, facts.READABLE_DETAIL_MAX + 1])
def test_the_final_entry_lists_every_endpoint_up_to_fifty_and_counts_them_past_fifty(count):
    # README, "Readable at any scale": "past 50 endpoints ... the final entry counts them by status".
    from warroom.context import get_path

    file_hash = 'ab' * 32
    server, room = sixty_endpoint_tenant([file_hash], count=count)
    try:
        result = room.run('restore-file', {'file_hash': file_hash})
    finally:
        server.stop()

    assert not result.failed, result.entries[-1]
    record = get_path(result.context, 'CortexXDR.RestoredFile')
    endpoints = {e['endpoint_id']: e['status'] for e in record['endpoints']}
    text = result.entries[-1]['HumanReadable']
    tables = [line for line in text.splitlines() if line.startswith('|')]
    assert endpoints == seeded_statuses(count)
    if count <= facts.READABLE_DETAIL_MAX:
        assert tables and {row['endpoint_id']: row['status'] for row in markdown_rows(text)} == endpoints, text
    else:
        counted = re.findall(r'([\d,]+) ([A-Z_]+)', text.splitlines()[1])  # every endpoint counted, by status
        assert not tables, text
        assert {status: int(n.replace(',', '')) for n, status in counted} == Counter(endpoints.values()), text


def test_a_final_entry_past_fifty_endpoints_names_the_file_its_action_and_its_outcome():
    from facts import xdr_outcome
    from warroom.context import get_path

    file_hash = 'ef' * 32
    server, room = sixty_endpoint_tenant([file_hash])
    try:
        result = room.run('restore-file', {'file_hash': file_hash})
    finally:
        server.stop()

    record = get_path(result.context, 'CortexXDR.RestoredFile')
    text = result.entries[-1]['HumanReadable']
    assert file_hash in text
    assert record['status'] == xdr_outcome(seeded_statuses(60).values()) and record['status'] in text
    assert str(record['action_id']) in text


def test_a_final_entry_past_fifty_endpoints_says_which_file_failed_on_which_endpoint():
    """Several files on the same endpoints: a failing endpoint listed once per file, with nothing to tell the files
    apart, would read as the same endpoint repeated."""
    from warroom.context import as_list, get_path

    file_hashes = [f'{n:064x}' for n in range(1, 4)]
    server, room = sixty_endpoint_tenant(file_hashes, failing_every=20)
    try:
        result = room.run('restore-file', {'file_hash': ','.join(file_hashes)})
    finally:
        server.stop()

    text = result.entries[-1]['HumanReadable']
    assert all(file_hash in text for file_hash in file_hashes)
    failures = [(record['file_hash'], endpoint['endpoint_id'])
                for record in as_list(get_path(result.context, 'CortexXDR.RestoredFile'))
                for endpoint in record['endpoints'] if endpoint['status'] != 'COMPLETED_SUCCESSFULLY']
    assert len(failures) == len(file_hashes) * 3
    for file_hash, endpoint_id in failures:  # each failure on a line naming both the endpoint and the file
        assert any(endpoint_id in line and file_hash in line for line in text.splitlines()), (file_hash, endpoint_id)


def grouped_title(monkeypatch, file_hashes, endpoints, each_endpoint_alone=False):
    """The title of restore-file's final entry on sixty_endpoint_tenant(file_hashes, count=endpoints, none failing but
    the first endpoint) and the record it wrote. each_endpoint_alone: one file restored on each endpoint by a run of its
    own (polling=false, as a playbook runs it per endpoint), then every action checked by hand at once."""
    from conftest import FakeClock, integration_on_clock
    from warroom.context import as_list, get_path

    integration_on_clock(monkeypatch, FakeClock())  # the pace of hundreds of requests kept without waiting for it
    server, room = sixty_endpoint_tenant(file_hashes, failing_every=endpoints + 1, count=endpoints)
    try:
        if each_endpoint_alone:
            for n in range(endpoints):
                room.run('restore-file', {'file_hash': file_hashes[0], 'endpoint_id': f'{n:032x}', 'polling': 'false'})
            started = as_list(get_path(room.context, 'CortexXDR.RestoredFile'))
            result = room.run('restore-file', {'file_hash': [r['file_hash'] for r in started], 'polling': 'false',
                                               'action_id': [r['action_id'] for r in started]})
        else:
            result = room.run('restore-file', {'file_hash': ','.join(file_hashes)})
    finally:
        server.stop()
    assert not result.failed, result.entries[-1]
    return result.entries[-1]['HumanReadable'].splitlines()[0], get_path(result.context, 'CortexXDR.RestoredFile')


def test_a_grouped_final_entry_of_one_file_is_titled_by_its_hash_outcome_and_action(monkeypatch):
    from facts import xdr_outcome

    file_hash = 'ef' * 32
    title, record = grouped_title(monkeypatch, [file_hash], 60)

    outcome = xdr_outcome(['FAILED'] + ['COMPLETED_SUCCESSFULLY'] * 59)  # the first endpoint alone fails
    assert title == f'### Restore of {file_hash}: {outcome} (action {record["action_id"]})', title


@pytest.mark.parametrize('files, endpoints, counted', [(3, 60, '3 files on 60 endpoints: 3 actions final'),
                                                        (51, 1, '51 files on 1 endpoint: 51 actions final')])
def test_a_grouped_final_entry_of_several_files_counts_files_endpoints_and_actions_final_in_its_title(
        monkeypatch, files, endpoints, counted):
    # README, "Readable at any scale": past 50 rows (a row is one file on one endpoint) the entry counts and groups;
    # its title counts files by hash, the endpoints they were restored on once each, and the actions final.
    title, _ = grouped_title(monkeypatch, [f'{n:064x}' for n in range(1, files + 1)], endpoints)

    assert title == f'### Restore of {counted}', title


def test_a_grouped_final_entry_of_two_files_one_of_whose_actions_ended_counts_one_action_final():
    """A check by hand of two files on 60 endpoints, the first file's action ended, the other's still running: 120
    rows, grouped, and one action final."""
    from warroom.context import as_list, get_path
    from warroom.emulator.httpserver import LoopbackServer
    from warroom.emulator.xdr import XdrBackend, XdrGateway, create_app

    file_hashes = ['ab' * 32, 'cd' * 32]
    endpoints = [{'endpoint_id': f'{n:032x}', 'endpoint_name': f'WS-{n:03d}',
                  'quarantined': [{'file_hash': h, 'file_path': f'C:\\\\x\\\\{n}.exe'} for h in file_hashes]}
                 for n in range(60)]
    backend = XdrBackend.from_seed({'endpoints': endpoints}, stage_seconds=3600)  # the actions outlive both runs
    backend.add_api_key('1', 'k' * 64, auth_type='advanced')
    with LoopbackServer(create_app(XdrGateway(backend, rate_limit=1000))) as server:
        room = WarRoom(params={'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64}},
                       time_scale=0, sleep=lambda _: None)
        started = room.run('restore-file', {'file_hash': ','.join(file_hashes), 'polling': 'false'})
        records = as_list(get_path(started.context, 'CortexXDR.RestoredFile'))
        for action in backend.actions.values():  # Cortex XDR ends the first file's action
            action.created_at -= 10_000 if action.file_hash == file_hashes[0] else 0
        checked = room.run('restore-file', {'file_hash': [r['file_hash'] for r in records], 'polling': 'false',
                                            'action_id': [r['action_id'] for r in records]})

    assert not checked.failed, checked.entries[-1]
    title = checked.entries[-1]['HumanReadable'].splitlines()[0]
    assert title == '### Restore of 2 files on 60 endpoints: 1 action final', title


def grouped_tenant(holders: dict, stage_seconds: float):
    """A tenant whose endpoints hold the files as ``holders`` ({file_hash: endpoint numbers}) says, its actions
    running for ``stage_seconds`` a stage (aged by the test), and a war room of one request at a time, none retried."""
    from warroom.emulator.httpserver import LoopbackServer
    from warroom.emulator.xdr import XdrBackend, XdrGateway, create_app

    numbers = sorted({n for ns in holders.values() for n in ns})
    endpoints = [{'endpoint_id': f'{n:032x}', 'endpoint_name': f'WS-{n:03d}',
                  'quarantined': [{'file_hash': h, 'file_path': f'C:\\\\x\\\\{n}.exe'}
                                  for h, ns in holders.items() if n in ns]} for n in numbers]
    backend = XdrBackend.from_seed({'endpoints': endpoints}, stage_seconds=stage_seconds)
    backend.add_api_key('1', 'k' * 64, auth_type='advanced')
    gateway = XdrGateway(backend, rate_limit=1000)
    server = LoopbackServer(create_app(gateway)).start()
    params = {'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64},
              'max_retries': '0', 'max_concurrency': '1'}
    return server, gateway, params


def end_actions(backend, file_hashes):
    """Cortex XDR ends the actions of ``file_hashes``: each is aged past its last stage."""
    for action in backend.actions.values():
        action.created_at -= 3 * backend.stage_seconds if action.file_hash in file_hashes else 0


@pytest.mark.parametrize('fault, words', [('ok', 'in progress'), ('500', 'status unknown')])
def test_a_grouped_final_entry_says_a_running_file_s_state_in_the_words_of_its_title_not_cortex_xdr_s(fault, words):
    """A check by hand of two files on 60 endpoints, the first one's action ended, the second's running (its status
    read, or met by a 500): its line under the grouped counts says what one file's title says of it, "in progress"
    or "status unknown", not Cortex XDR's IN_PROGRESS."""
    from warroom.context import as_list, get_path
    from warroom.emulator.faults import FaultPlan

    file_hashes = ['ab' * 32, 'cd' * 32]
    server, gateway, params = grouped_tenant(dict.fromkeys(file_hashes, range(60)), stage_seconds=3600)
    try:
        room = WarRoom(params=params, time_scale=0, sleep=lambda _: None)
        started = room.run('restore-file', {'file_hash': ','.join(file_hashes), 'polling': 'false'})
        records = as_list(get_path(started.context, 'CortexXDR.RestoredFile'))
        end_actions(gateway.backend, file_hashes[:1])
        gateway.inject_faults(FaultPlan(sequence=('ok', fault)))  # the second file's status read
        checked = room.run('restore-file', {'file_hash': [r['file_hash'] for r in records], 'polling': 'false',
                                            'action_id': [r['action_id'] for r in records]})
    finally:
        server.stop()

    assert not checked.failed, checked.entries[-1]
    text = checked.entries[-1]['HumanReadable']
    [line] = [line for line in text.splitlines() if line.startswith(f'- {file_hashes[1]}: ')]
    assert line.startswith(f'- {file_hashes[1]}: {words} ('), text
    assert not set(re.findall(r'[A-Z_]{4,}', line)) & set(facts.XDR_RUNNING_STATUSES), line


def poll_one_file_ending_first(restored_before: str = ''):
    """Polling three files: the first, on 3 endpoints of its own, ends at the first check; the other two, on 30
    others each (60 rows, grouped), at the second, the last. Returns {file_hash: endpoint numbers} and the result.
    ``restored_before``: a file on 3 more endpoints that the same incident restored and checked by hand first."""
    early, *late = [letter * 64 for letter in 'abc']
    holders = {early: range(30, 33), **dict.fromkeys(late, range(30))}
    before = {restored_before: range(40, 43)} if restored_before else {}
    server, gateway, params = grouped_tenant({**holders, **before}, stage_seconds=3600)
    ending = iter([[early], late])
    try:
        room = WarRoom(params=params, time_scale=0, sleep=lambda _: end_actions(gateway.backend, next(ending, [])))
        if restored_before:
            started = room.run('restore-file', {'file_hash': restored_before, 'polling': 'false'})
            end_actions(gateway.backend, [restored_before])
            action_id = json.dumps([started.entries[-1]['Contents']['action_id']])
            checked = room.run('restore-file', {'file_hash': restored_before, 'action_id': action_id,
                                                'polling': 'false'})
            assert not checked.failed, checked.entries[-1]
        return holders, room.run('restore-file', {'file_hash': ','.join(holders)})
    finally:
        server.stop()


def test_a_grouped_last_check_s_title_counts_the_files_and_actions_that_ended_at_an_earlier_check_too():
    """The three files of poll_one_file_ending_first: the last check's entry names the first file on a line of its
    own, so the title counts it among the files and the actions final, and counts the endpoints of the actions it
    read only, saying so: 33 endpoints, or the first file left out of the files, would contradict the lines."""
    holders, result = poll_one_file_ending_first()

    assert not result.failed and len(result.entries) == 3, result.entries[-1]
    text = result.entries[-1]['HumanReadable']
    named = re.findall(r'^- ([0-9a-f]{64}): ', text, re.MULTILINE)
    assert sorted(named) == sorted(holders), text  # every file on a line: the title counts as many
    assert text.splitlines()[0] == (f'### Restore of {len(holders)} files: {len(holders)} actions final (1 at an '
                                    f'earlier check), those read at this check on 30 endpoints'), text



def test_a_grouped_last_check_of_one_file_after_another_ended_earlier_counts_both_and_gives_the_file_s_counts():
    """Polling two files: the first, on 3 endpoints of its own, ends at the first check; the second, on 60 others,
    at the last (60 rows, grouped). The title counts both files (README: those whose actions ended at an earlier
    check included), not the second's alone; the second's line under the counts gives its restored and failed."""
    early, late = 'e' * 64, 'f' * 64
    server, gateway, params = grouped_tenant({early: range(60, 63), late: range(60)}, stage_seconds=3600)
    ending = iter([[early], [late]])
    try:
        room = WarRoom(params=params, time_scale=0, sleep=lambda _: end_actions(gateway.backend, next(ending, [])))
        result = room.run('restore-file', {'file_hash': f'{early},{late}'})
    finally:
        server.stop()

    assert not result.failed and len(result.entries) == 3, result.entries[-1]
    text = result.entries[-1]['HumanReadable']
    assert text.splitlines()[0] == ('### Restore of 2 files: 2 actions final (1 at an earlier check), those read at '
                                    'this check on 60 endpoints'), text
    [line] = [line for line in text.splitlines() if line.startswith(f'- {late}: ')]
    assert '(60 restored, 0 failed, action ' in line, text



def test_a_grouped_last_check_s_footer_says_the_context_also_holds_the_endpoints_earlier_checks_read():
    """As above: the grouped counts are this check's 60 endpoint rows, while CortexXDR.RestoredFile.endpoints in the
    context also holds the first file's 3, which the earlier check wrote. "holds all 60" would deny those 3."""
    from warroom.context import as_list, get_path

    holders, result = poll_one_file_ending_first()

    assert not result.failed and len(result.entries) == 3, result.entries[-1]
    early, *late = holders
    read = sum(len(holders[file_hash]) for file_hash in late)
    held = as_list(get_path(result.context, 'CortexXDR.RestoredFile.endpoints'))
    assert len(held) == read + len(holders[early]), held
    text = result.entries[-1]['HumanReadable']
    footer = f"holds this restore's {read} rows read at this check, plus those its earlier checks read."
    assert f'CortexXDR.RestoredFile.endpoints {footer}' in text.splitlines(), text


def endpoints_footer(text):
    """The line of a grouped entry that says what CortexXDR.RestoredFile.endpoints holds."""
    [footer] = [line for line in text.splitlines() if line.startswith('CortexXDR.RestoredFile.endpoints holds')]
    return footer


def test_a_grouped_last_check_s_footer_claims_only_this_restore_s_rows_beside_another_restore_s_of_the_incident():
    """As above, after the same incident restored another file on 3 endpoints of its own (the Cortex XDR playbook runs
    restore-file once per endpoint; an analyst may run it again): the context holds that restore's rows too, which
    neither "all" nor this restore's earlier checks take in."""
    from warroom.context import as_list, get_path

    other = 'd' * 64
    holders, result = poll_one_file_ending_first(restored_before=other)

    assert not result.failed and len(result.entries) == 3, result.entries[-1]
    early, *late = holders
    read = sum(len(holders[file_hash]) for file_hash in late)
    held = as_list(get_path(result.context, 'CortexXDR.RestoredFile.endpoints'))
    assert {row['endpoint_id'] for row in held} >= {f'{n:032x}' for n in range(40, 43)}, held  # the other restore's
    assert len(held) == read + len(holders[early]) + 3, held
    assert endpoints_footer(result.entries[-1]['HumanReadable']) == (
        f"CortexXDR.RestoredFile.endpoints holds this restore's {read} rows read at this check, plus those its "
        "earlier checks read."), result.entries[-1]['HumanReadable']


@pytest.mark.parametrize('files', [1, 2])
def test_a_grouped_final_entry_s_footer_claims_only_this_restore_s_rows_when_the_incident_holds_another_restore_s(
        files):
    """Two restore-file runs in one incident, on the same 60 endpoints (the Cortex XDR playbook runs restore-file once
    per endpoint; an analyst may run it again): CortexXDR.RestoredFile.endpoints then holds both runs' rows. The
    second's final entry counts its own (grouped): "holds all N" would deny the first run's."""
    from warroom.context import as_list, get_path

    first, *second = [f'{n:064x}' for n in range(1, files + 2)]
    server, room = sixty_endpoint_tenant([first, *second])
    try:
        assert not room.run('restore-file', {'file_hash': first}).failed
        result = room.run('restore-file', {'file_hash': ','.join(second)})
    finally:
        server.stop()

    assert not result.failed, result.entries[-1]
    read = 60 * len(second)  # each of the second run's files on each of sixty_endpoint_tenant's 60 endpoints
    assert len(as_list(get_path(result.context, 'CortexXDR.RestoredFile.endpoints'))) == read + 60
    assert endpoints_footer(result.entries[-1]['HumanReadable']) == (
        f"CortexXDR.RestoredFile.endpoints holds this restore's {read} rows."), result.entries[-1]


def test_a_grouped_final_entry_of_one_file_restored_on_each_endpoint_alone_counts_it_once_beside_its_actions(
        monkeypatch):
    # README: the final entry's "title counts files by hash, a file restored once per endpoint once, with its actions
    # beside". One file restored by 51 runs, one per endpoint, its 51 actions checked together: 51 rows.
    title, _ = grouped_title(monkeypatch, ['cd' * 32], 51, each_endpoint_alone=True)

    assert title == '### Restore of 1 file (51 actions) on 51 endpoints: 51 actions final', title


def test_a_check_line_says_when_a_file_s_status_was_not_read(replay_server):
    """Three files followed; at the second check one status cannot be read (500 after every retry). The check's one
    line must not read as if every endpoint were final with 0 running: that file is still followed (README:
    "leaves its file IN_PROGRESS with the reason in error")."""
    from conftest import XDR_REPLIES, load_json
    from test_reply_shapes import room

    final, running = (load_json(XDR_REPLIES / name) for name in ('action_status_final.json',
                                                                  'action_status_running.json'))
    failure = load_json(XDR_REPLIES / 'error_500.json')
    hashes = [f'{n:064x}' for n in range(1, 4)]
    for number in range(3):
        replay_server.queue(200, {'reply': {'action_id': 10 + number, 'endpoints_count': '3'}})
    replay_server.queue(200, final).queue(200, running).queue(200, running)  # first check: one done, two running
    replay_server.queue(200, final)
    for _ in range(5):  # the first attempt and the 4 retries of the default settings
        replay_server.queue(500, failure)
    replay_server.queue(200, final)  # third check: the last one is read and done

    result = room(replay_server).run('restore-file', {'file_hash': ','.join(hashes)})

    assert not result.failed and len(result.entries) == 4
    line = result.entries[2]['HumanReadable'].splitlines()[0]
    assert 'not read' in line, line


def test_a_check_line_says_cortex_xdr_lists_no_endpoint_yet_rather_than_zero_running(clocked):
    """Right after a restore is created Cortex XDR's status may list no endpoint (an empty data): the action stays
    followed (README), so a line saying "0 of 0 endpoints final ..., 0 running; checking again" contradicts itself."""
    tenant, clock = clocked
    tenant.backend.unlisted_seconds = 15.0  # the first check, 10 s in, reads an empty data; the next ones do not

    result = run(tenant, clock, [QUARANTINED[0]])

    assert not result.failed, result.entries[-1]
    line = result.entries[1]['HumanReadable']
    assert 'no endpoint listed yet for 1 file;' in line and 'checking again' in line, line
    assert ' running' not in line and '0 of 0' not in line, line
    assert all(endpoint_id in result.entries[-1]['HumanReadable'] for endpoint_id in HOLDERS[QUARANTINED[0]])


def every_restore_left_to_a_check(tenant, clock):
    """Cortex XDR answers 503 to every restore of the first run and of the first check, so no action is followed
    until the second check sends both files."""
    from warroom.emulator.faults import FaultPlan

    tenant.gateway.inject_faults(FaultPlan.parse('sequence=503,503,503,503'))
    room = WarRoom(params=tenant.params(max_retries='0', max_concurrency='1'), time_scale=1, sleep=clock.sleep)
    result = room.run('restore-file', {'file_hash': ','.join(QUARANTINED[:2])})
    assert not result.failed, result.entries[-1]
    return result


def test_a_check_line_while_every_file_waits_to_be_sent_says_so_rather_than_zero_running(clocked):
    """No action is followed yet at the first check (README: "with no endpoint listed at all, the line leaves the
    counts out rather than say 0 running")."""
    tenant, clock = clocked

    result = every_restore_left_to_a_check(tenant, clock)

    assert sorted(action.file_hash for action in tenant.backend.actions.values()) == QUARANTINED[:2]  # at check 2
    line = result.entries[1]['HumanReadable'].splitlines()[0]
    assert '2 files' in line and 'checking again' in line, line
    assert ' running' not in line and '0 of 0' not in line, line


def test_a_first_run_that_started_none_of_several_files_yet_says_so_rather_than_an_empty_table(clocked):
    """Each file is left to the next check: the first entry is no table of the actions started, "No entries." under it
    (README: an empty table would read as an action that reached no endpoint), but what a single file's first entry
    says, for every file, beside the Not started block that names them."""
    tenant, clock = clocked

    first = every_restore_left_to_a_check(tenant, clock).entries[0]['HumanReadable']

    assert 'No entries' not in first and '|' not in first, first
    assert 'not started restoring' in first.splitlines()[0] and '2 file' in first.splitlines()[0], first
    assert all(file_hash in first for file_hash in QUARANTINED[:2]) and 'Not started (2 files)' in first, first


def test_a_check_line_keeps_the_counts_of_the_files_listed_beside_one_listing_no_endpoint_yet(replay_server):
    from conftest import XDR_REPLIES, load_json
    from test_progress_line_counts import PROGRESS, counts
    from test_reply_shapes import room

    running = load_json(XDR_REPLIES / 'action_status_running.json')
    replay_server.queue(200, {'reply': {'action_id': 1, 'endpoints_count': '3'}})
    replay_server.queue(200, {'reply': {'action_id': 2, 'endpoints_count': '3'}})
    replay_server.queue(200, running).queue(200, {'reply': {'data': {}}})  # first check: the second lists none
    replay_server.queue(200, load_json(XDR_REPLIES / 'action_status_final.json')).queue(
        200, load_json(XDR_REPLIES / 'action_status_final.json'))  # second check: both done

    result = room(replay_server).run('restore-file', {'file_hash': f'{"a" * 64},{"b" * 64}'})

    assert not result.failed and len(result.entries) == 3, result.entries[-1]
    line = result.entries[1]['HumanReadable']
    said = PROGRESS.search(line)
    assert said and tuple(map(int, said.groups())) == counts(running), line
    assert 'no endpoint' in line and re.search(r'\b1 file\b', line) and 'file(s)' not in line, line


@pytest.mark.parametrize('count', [1, 3])  # one file's table, and several files'
def test_the_last_check_says_cortex_xdr_lists_no_endpoint_yet_rather_than_an_empty_table(clocked, count):
    """Polling ends while Cortex XDR's status of each action still lists no endpoint (an empty data): the action is
    still running (README), so "No entries." under it would read as a restore that reached no endpoint."""
    tenant, clock = clocked
    tenant.backend.unlisted_seconds = 1000.0  # longer than the polling
    room = WarRoom(params=tenant.params(), time_scale=1, sleep=clock.sleep)

    result = room.run('restore-file', {'file_hash': ','.join(QUARANTINED[:count]), 'timeout_in_seconds': '20'})

    assert not result.failed, result.entries[-1]
    last = result.entries[-1]
    assert 'PollingCommand' not in last and 'Polling ended' in last['HumanReadable'], last
    table = last['HumanReadable'].split('\n\n')[0]
    assert 'No entries' not in table and 'no endpoint' in table.lower(), table


def test_the_last_report_counts_the_files_listing_no_endpoint_beside_the_endpoints_of_the_others(replay_server):
    from conftest import XDR_REPLIES, load_json
    from test_reply_shapes import room

    running = load_json(XDR_REPLIES / 'action_status_running.json')
    replay_server.queue(200, running).queue(200, {'reply': {'data': {}}})  # the second action lists no endpoint yet

    result = room(replay_server).run('restore-file', {'file_hash': f'{"a" * 64},{"b" * 64}', 'action_id': '[1, 2]',
                                                      'polling': 'false'})

    assert not result.failed and len(result.entries) == 1, result.entries[-1]
    title = result.entries[0]['HumanReadable'].splitlines()[0]
    assert 'no endpoint listed yet for 1' in title, title
    assert all(endpoint_id in result.entries[0]['HumanReadable'] for endpoint_id in running['reply']['data'])


def test_restores_sent_late_with_a_partly_unreadable_answer_are_not_counted_as_statuses_not_read(replay_server):
    """Five files: the first run starts one, Cortex XDR answers 503 to the four others (not acted on: the next check
    sends them). That check sends the four, each answer's endpoints_count unreadable, and its read of the first action's
    status meets a 500. One status was not read: the check's notes must say one, and speak of the four as restores
    sent at this check whose answer was partly read, not as actions whose status was not read."""
    from conftest import XDR_REPLIES, load_json
    from test_reply_shapes import room

    partly = load_json(XDR_REPLIES / 'variants' / 'restore_reply_unreadable_count.json')['reply']
    first = 'variants/restore_reply_numeric_count.json'  # three endpoints, as many as the final status lists
    first_action = load_json(XDR_REPLIES / first)['reply']['action_id']
    hashes = [f'{n:064x}' for n in range(1, 6)]
    late_actions = [partly['action_id'] + n for n in range(len(hashes) - 1)]
    replay_server.queue_file(200, first)
    for _ in hashes[1:]:
        replay_server.queue_file(503, 'error_500.json')
    for action_id in late_actions:  # the check sends before it reads
        replay_server.queue(200, {'reply': dict(partly, action_id=action_id)})
    replay_server.queue_file(500, 'error_500.json')  # the one status read that fails
    for _ in hashes:
        replay_server.queue_file(200, 'action_status_final.json')
    params = dict(room(replay_server).params, max_retries='0')

    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('restore-file',
                                                                             {'file_hash': ','.join(hashes)})

    assert not result.failed and len(result.entries) == 3, result.entries[-1]
    text = result.entries[1]['HumanReadable']
    named_unread = [line for line in text.splitlines() if 'Status not read' in line]
    more_unread = re.search(r'And (\d+) more actions? whose status was not read', text)
    assert len(named_unread) + int(more_unread.group(1) if more_unread else 0) == 1, text
    assert str(first_action) in named_unread[0], text
    late_part = text[text.index('Sent at this check'):]  # the late restores' own part of the entry
    assert late_part.startswith(f'Sent at this check, as no earlier run had time to: {len(late_actions)} restores.'), \
        text
    named_late = [action_id for action_id in late_actions if f'Action {action_id} ' in text]
    more_late = re.search(r'And (\d+) more', late_part)
    assert all(f'Action {action_id} ' in late_part for action_id in named_late), text
    assert len(named_late) + int(more_late.group(1) if more_late else 0) == len(late_actions), text
    # Four late restores, the first three named (README): the one left is counted as one restore, in its own words
    assert 'And 1 more restore sent at this check whose answer was partly read' in late_part, late_part


UNKNOWN_STATUS_SEED = TEST_DATA / 'xdr' / 'tenant_unknown_status.json'


def polled_until_timeout(seed):
    """restore-file of every file the seed quarantines, on a tenant whose seeded endpoints report what the seed says
    (reported_status) at every read: polling goes on to its timeout, the last check's report included."""
    tenant = start_tenant(seed=seed)
    try:
        [file_hash] = {q['file_hash'] for e in load_json(seed)['endpoints'] for q in e['quarantined']}
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        return room.run('restore-file', {'file_hash': file_hash, 'interval_in_seconds': '10',
                                         'timeout_in_seconds': '30'})
    finally:
        tenant.server.stop()


def test_a_status_cortex_xdr_may_add_or_null_counts_as_running_shown_as_given_never_as_a_failure():
    """README: "a status not listed here counts as running". One rule: such an endpoint is running in every count and
    in its record, shown as Cortex XDR gave it (null as "no status", never Python's 'None'), with no failure reason."""
    from warroom.context import get_path

    seeded = {e['endpoint_id']: e.get('reported_status', facts.XDR_SUCCESS_STATUS)
              for e in load_json(UNKNOWN_STATUS_SEED)['endpoints']}
    shown = {endpoint_id: 'no status' if status is None else status for endpoint_id, status in seeded.items()}

    result = polled_until_timeout(UNKNOWN_STATUS_SEED)

    assert not result.failed, result.entries[-1]
    first, *checks, last = result.entries
    assert checks and all('1 of 3 endpoints final (1 restored, 0 failed), 2 running' in e['HumanReadable']
                          for e in checks), [e['HumanReadable'] for e in checks]
    rows = {row['endpoint_id']: row for row in markdown_rows(last['HumanReadable'])}
    assert {endpoint_id: row['status'] for endpoint_id, row in rows.items()} == shown
    assert all(not row.get('error_description') for row in rows.values()), rows
    record = get_path(result.context, 'CortexXDR.RestoredFile')
    assert record['status'] == 'IN_PROGRESS' and record['failed_count'] == 0, record
    assert {e['endpoint_id']: e['status'] for e in record['endpoints']} == shown
    assert not any('error_description' in e for e in record['endpoints']), record['endpoints']
    assert all('None' not in entry['HumanReadable'] for entry in result.entries)


def test_past_fifty_endpoints_a_status_cortex_xdr_may_add_or_null_is_counted_never_grouped_as_a_failure(tmp_path):
    """The same rule where the last report counts by status: such endpoints are counted under their status as given,
    and no failure reason lists them."""
    file_hash = '5e' * 32
    reported = {0: 'QUEUED_FOR_AGENT', 1: None}  # every tenth endpoint reports the first, the next one the second
    endpoints = [{'endpoint_id': f'{n:032x}', 'endpoint_name': f'WS-{n:03d}',
                  'quarantined': [{'file_hash': file_hash, 'file_path': f'C:\\\\x\\\\{n}.exe'}],
                  **({'reported_status': reported[n % 10]} if n % 10 in reported else {})} for n in range(60)]
    seed = tmp_path / 'tenant.json'
    seed.write_text(json.dumps({'endpoints': endpoints}), encoding='utf-8')

    result = polled_until_timeout(seed)

    text = result.entries[-1]['HumanReadable']
    counts = text.splitlines()[1]
    assert '48 COMPLETED_SUCCESSFULLY' in counts and '6 QUEUED_FOR_AGENT' in counts and '6 no status' in counts, text
    assert '- **' not in text and 'no reason given' not in text and 'None' not in text, text


def test_an_action_whose_status_lists_fewer_endpoints_than_it_included_is_followed_until_the_timeout():
    """endpoints_count is the "Number of endpoints included in the request" (the Restore File page); a status read
    that lists fewer, every one final, has not said how the others ended: the action still runs, its record keeps the
    count the restore gave, and says how many endpoints Cortex XDR has not listed."""
    from warroom.context import get_path
    from warroom.emulator.xdr.shapes import ReplyShapes

    seed = TEST_DATA / 'xdr' / 'tenant_unlisted_endpoint.json'
    endpoints = load_json(seed)['endpoints']
    [file_hash] = {q['file_hash'] for e in endpoints for q in e['quarantined']}
    listed = [e['endpoint_id'] for e in endpoints if e.get('listed') is not False]
    tenant = start_tenant(seed=seed, reply_shapes=ReplyShapes())  # the page's own reply, endpoints_count in it
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        result = room.run('restore-file', {'file_hash': file_hash, 'interval_in_seconds': '10',
                                           'timeout_in_seconds': '30'})
    finally:
        tenant.server.stop()

    assert not result.failed, result.entries[-1]
    first, *checks, last = result.entries
    assert checks and all(f'{len(listed)} of {len(endpoints)} endpoints final' in entry['HumanReadable']
                          for entry in checks), checks
    assert 'Polling ended' in last['HumanReadable'], last['HumanReadable']
    record = get_path(result.context, 'CortexXDR.RestoredFile')
    assert record['status'] == 'IN_PROGRESS' and record['endpoints_count'] == len(endpoints), record
    assert sorted(e['endpoint_id'] for e in record['endpoints']) == sorted(listed)
    assert f'{len(listed)} of the {len(endpoints)} endpoints' in record['error'], record['error']


# --------------------------------------------------------------------------- a grouped outcome, any rows

def read_grouped(text: str) -> tuple[dict, list]:
    """A grouped outcome read back: {status: count} of its counts line, and each failure group as (status, count,
    reason, names line), each on the two lines it takes (the names 6 blanks in)."""
    counts_line = text.splitlines()[1]
    counts = {status: int(count.replace(',', '')) for count, status in re.findall(r'(\d[\d,]*) (\w+)', counts_line)}
    groups = [(status, int(count.replace(',', '')), reason, names) for status, count, reason, names in
              re.findall(r'^- \*\*(\w+) \(([\d,]+)\)\*\*: (.*)\n {6}(.*)$', text, re.MULTILINE)]
    return counts, groups


ROWS = st.lists(st.fixed_dictionaries({
    'status': st.sampled_from(['done', 'failed', 'timeout', None]),
    # a reason over lines as an endpoint's error text may be (each CommonMark line ending), or none given
    'reason': st.sampled_from(['disk full', 'path\ngone', 'access\r\ndenied', 'agent\rstopped', None]),
    'host': st.sampled_from([f'host-{n:02d}' for n in range(30)] + [None])}), min_size=1, max_size=90)
BREAKS = re.compile(r'\r\n|\r|\n')


@settings(max_examples=100, deadline=None)
@given(rows=ROWS)
@example(rows=[{'status': 'failed', 'reason': 'disk full', 'host': f'host-{n:02d}'} for n in range(20)])
@example(rows=[{'status': 'failed', 'reason': 'disk full', 'host': f'host-{n:02d}'} for n in range(21)])
@example(rows=[{'status': None, 'reason': None, 'host': None}])
def test_a_grouped_outcome_counts_every_row_and_names_each_failure_reason_once_on_one_line_with_its_hosts(rows):
    # README, "Readable at any scale": past 50 endpoints (or HSS copies) an entry "counts them by status and writes
    # each failure reason once with the endpoints or hosts it applies to (20, then "and N more")".
    text = ri.grouped_outcomes('Outcome', rows, 'status', {'done'}, 'reason', lambda row: row['host'], 'X.Rows')
    counts, groups = read_grouped(text)

    assert 'None' not in text, text  # a status, reason or host not given is named as such, not as Python's None
    given_counts = Counter(row['status'] for row in rows)
    assert sum(counts.values()) == len(rows) and all(counts[s] == n for s, n in given_counts.items() if s), counts
    failing = [row for row in rows if row['status'] != 'done']

    def key(row):  # a row's (status, reason) as its group shows them, line breaks read as blanks
        return row['status'], row['reason'] and BREAKS.sub(' ', row['reason'])

    expected = Counter(key(row) for row in failing)
    reasons = {reason for _, reason in expected if reason}
    # each (status, reason) once, on its own two lines, with the count of its rows
    shown = {(status if status in ('failed', 'timeout') else None, reason if reason in reasons else None): count
             for status, count, reason, _ in groups}
    assert len(groups) == len(expected) and shown == expected, text
    for status, count, reason, names in groups:
        # its hosts once each, in the order met (a row naming none: one mark for all such), 20, then "and N more"
        group = (status if status in ('failed', 'timeout') else None, reason if reason in reasons else None)
        hosts = list(dict.fromkeys(row['host'] for row in failing if key(row) == group))
        listed, _, more = names.partition(' and ')
        listed = listed.split(', ')
        assert len(listed) == min(len(hosts), facts.READABLE_LISTED_MAX), names
        assert [host for host in listed if host.startswith('host-')] == [h for h in hosts[:len(listed)] if h], names
        assert more == (f'{len(hosts) - facts.READABLE_LISTED_MAX} more' if len(hosts) > facts.READABLE_LISTED_MAX
                        else ''), names
    last = text.splitlines()[-1]  # where the context keeps every row, and how many
    assert 'X.Rows' in last and f'{len(rows):,}' in last, text


@pytest.mark.parametrize('past_cap, said', [(1, '1 more row is not shown here:'),
                                            (3, '3 more rows are not shown here:')])
def test_a_first_entry_past_its_table_cap_counts_the_rows_it_leaves_out_in_words_for_their_number(monkeypatch,
                                                                                                  past_cap, said):
    # README, Bulk restores: entries "say how many more the context holds"; one more is "1 more row", never "rows".
    from conftest import FakeClock, integration_on_clock

    integration_on_clock(monkeypatch, FakeClock())  # the pace of hundreds of requests kept without waiting for it
    hashes = [f'{n:064x}' for n in range(1, facts.MAX_TABLE_ROWS + past_cap + 1)]
    server, room = sixty_endpoint_tenant(hashes, count=1)  # one endpoint holding every file
    try:
        result = room.run('restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})
    finally:
        server.stop()

    assert not result.failed, result.entries[-1]
    first = result.entries[0]['HumanReadable']
    assert len(markdown_rows(first)) == facts.MAX_TABLE_ROWS, first[-500:]
    assert said in first and f"holds this restore's {len(hashes)} rows." in first, first[-500:]


def test_a_first_entry_past_its_table_cap_claims_only_this_restore_s_rows_when_the_incident_holds_another_restore_s(
        monkeypatch):
    # The same incident restored another file first: CortexXDR.RestoredFile holds that run's record too, so the last
    # line counts this restore's rows, not "all" the context holds.
    from conftest import FakeClock, integration_on_clock
    from warroom.context import as_list, get_path

    integration_on_clock(monkeypatch, FakeClock())  # the pace of hundreds of requests kept without waiting for it
    other, *hashes = [f'{n:064x}' for n in range(1, facts.MAX_TABLE_ROWS + 3)]
    server, room = sixty_endpoint_tenant([other, *hashes], count=1)  # one endpoint holding every file
    try:
        assert not room.run('restore-file', {'file_hash': other, 'polling': 'false'}).failed
        result = room.run('restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})
    finally:
        server.stop()

    assert not result.failed, result.entries[-1]
    assert len(as_list(get_path(result.context, 'CortexXDR.RestoredFile'))) == len(hashes) + 1
    text = result.entries[0]['HumanReadable']
    [note] = [line for line in text.splitlines() if 'not shown here' in line]
    said = f"1 more row is not shown here: CortexXDR.RestoredFile holds this restore's {len(hashes)} rows."
    assert note == said, text[-500:]


def test_a_check_of_a_restore_on_one_endpoint_counts_it_in_the_singular(clocked):
    """One endpoint is "1 endpoint", as every other count of the line is worded: not "0 of 1 endpoints final"."""
    tenant, clock = clocked
    file_hash = QUARANTINED[0]
    room = WarRoom(params=tenant.params(), time_scale=1, sleep=clock.sleep)

    result = room.run('restore-file', {'file_hash': file_hash, 'endpoint_id': HOLDERS[file_hash][0]})

    first, *checks, last = result.entries
    assert checks and all(re.search(r'\b[01] of 1 endpoint final \(', entry['HumanReadable']) for entry in checks), \
        [entry['HumanReadable'] for entry in checks]
