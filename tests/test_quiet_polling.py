"""What an analyst reads while a restore is followed: one line per check, the whole table once at the end, and
each refusal reason once with the files it applies to, over HTTP to the Cortex XDR emulator on a clock the war
room's waits move."""
from __future__ import annotations

import pytest

from conftest import WaitClock as Clock, seed_holders, start_tenant
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
        assert text.count('Refused (') == 1 and f'Refused ({len(NOWHERE)} file(s))' in text
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
    assert max(len(entry['HumanReadable']) for entry in result.entries) < 64 * 1024
    assert f'{10_000 - len(failing):,} COMPLETED_SUCCESSFULLY, {len(failing):,} FAILED.' in text
    assert text.count(reason) == 1 and f'and {len(failing) - 20} more' in text
    assert all(endpoint_id in text for endpoint_id in failing[:20])
    context_endpoints = as_list(get_path(result.context, 'CortexXDR.RestoredFile.endpoints'))
    assert len(context_endpoints) == 10_000  # the context keeps every endpoint


def test_polling_cut_by_its_timeout_under_a_scaled_clock_says_how_much_real_time_passed():
    tenant = start_tenant(stage_seconds=3600)  # the action outlives the polling
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        result = room.run('restore-file', {'file_hash': QUARANTINED[0], 'timeout_in_seconds': '30'})
    finally:
        tenant.server.stop()

    message = result.entries[-1]['Contents']
    assert result.failed and 'stopped after 30 s of polling time' in message
    real = float(message.split('(')[1].split(' s of real time')[0])
    assert real < 30 and 'at time scale 0' in message  # never more time than passed


@pytest.mark.parametrize('name, value', [('refused', '["not", "a map"]'), ('finished', '{"not": "a list"}'),
                                         ('finished', '[not json')])
def test_a_hidden_polling_argument_it_did_not_write_is_refused_before_any_request(name, value):
    tenant = start_tenant()
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        result = room.run('restore-file', {'file_hash': QUARANTINED[0], 'action_id': '[1]', name: value})
    finally:
        tenant.server.stop()
    assert result.failed and f'{name} is set by the command itself' in result.entries[-1]['Contents']
    assert tenant.gateway.requests == []


def test_endpoints_still_running_at_a_last_check_are_counted_never_grouped_as_failures():
    """A check with polling=false on more than 50 endpoints, the action still running: a running endpoint has no
    failure reason to group it under."""
    import json

    from warroom.emulator.httpserver import LoopbackServer
    from warroom.emulator.xdr import XdrBackend, XdrGateway, create_app

    file_hash = 'cd' * 32
    endpoints = [{'endpoint_id': f'{n:032x}', 'endpoint_name': f'WS-{n:03d}',
                  'quarantined': [{'file_hash': file_hash, 'file_path': f'C:\\\\x\\\\{n}.exe'}]} for n in range(60)]
    backend = XdrBackend.from_seed({'endpoints': endpoints}, stage_seconds=3600)  # the action outlives both runs
    backend.add_api_key('1', 'k' * 64, auth_type='advanced')
    with LoopbackServer(create_app(XdrGateway(backend, rate_limit=1000))) as server:
        room = WarRoom(params={'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64}},
                       time_scale=0, sleep=lambda _: None)
        started = room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'})
        action_id = started.entries[-1]['Contents']['action_id']
        checked = room.run('restore-file', {'file_hash': file_hash, 'action_id': json.dumps([action_id]),
                                            'polling': 'false'})

    text = checked.entries[-1]['HumanReadable']
    assert not checked.failed and '60 ' in text.splitlines()[1]  # every endpoint counted, by its status
    assert 'no reason given' not in text and '- **' not in text  # and none listed under a failure reason
