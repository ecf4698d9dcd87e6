"""Every reply shape Cortex XDR and HSS are known to send, from test_data/*/replies/variants/, through the commands.

Each fixture is named after the shape it stands for (fields as real tenants, XSOAR's own test data and the vendor
docs show them). Whatever the shape, no reply ends in an integration fault, and none loses an endpoint, an action
ID or a reason. Expected values are read from the fixtures, never typed here.
"""
from __future__ import annotations

import json
import re
import time

import pytest

import facts
import restore_integration as ri
from conftest import (HSS_REPLIES, XDR_REPLIES, FakeClock, load_json, seed_failing_endpoints, start_hss_tenant,
                      start_tenant)
from warroom.context import as_list, get_path
from warroom.emulator.xdr import ReplyShapes
from facts import ENTRY_ERROR  # XSOAR's error entry type (4), not the war room's constant
from warroom.runtime import Demisto, WarRoom

VARIANTS = XDR_REPLIES / 'variants'
RESTORE_VARIANTS = sorted(p.name for p in VARIANTS.glob('restore_reply_*.json'))
STATUS_VARIANTS = sorted(p.name for p in VARIANTS.glob('action_status_*.json'))
FINAL_STATUS = load_json(XDR_REPLIES / 'action_status_final.json')
HASH = 'c' * 64


def room(replay_server):
    # One request at a time: the replay server answers in the order it was given.
    params = {'xdr_url': replay_server.url, 'xdr_api_key_id': '9', 'xdr_api_key': {'password': 'k' * 40},
              'xdr_auth_type': 'standard', 'retry_backoff': '0', 'max_concurrency': '1'}
    return WarRoom(params=params, time_scale=0, sleep=lambda _: None)


def records(result):
    return as_list(get_path(result.context, 'CortexXDR.RestoredFile'))


def status_requests(replay_server):
    return [json.loads(r.body)['request_data'] for r in replay_server.requests if r.path.endswith('get_action_status/')]


def the_reason(entry, reply):
    """The reason the pack promises to show: the first non-empty, trimmed, of the entry's errorDescription, its
    errorText, errorData's errorText, the reply's errorText, the missing files' descriptions."""
    entry = entry or {}
    data = entry.get('errorData')
    data = json.loads(data) if isinstance(data, str) else (data or {})
    files = '; '.join(f['description'].strip() for f in entry.get('missing_files') or [])
    for text in (entry.get('errorDescription'), entry.get('errorText'), data.get('errorText'), reply.get('errorText'),
                 files):
        if text and ' '.join(text.split()):
            return ' '.join(text.split())
    return None


@pytest.mark.parametrize('name', RESTORE_VARIANTS)
def test_every_restore_reply_shape_is_followed_with_its_action_id_sent_back_as_received(replay_server, name):
    reply = load_json(VARIANTS / name)['reply']
    replay_server.queue(200, {'reply': reply}).queue(200, FINAL_STATUS)

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    assert not any('unexpected' in str(entry.get('Contents')) for entry in result.entries)
    if str(reply.get('status')) in ('0', 'False'):  # the vendor did not accept it: said, nothing followed
        [entry] = result.entries
        assert entry['Type'] == ENTRY_ERROR and 'did not accept the restore' in entry['Contents']
        assert not status_requests(replay_server)
        return
    assert not result.failed, result.entries[-1]
    [sent] = status_requests(replay_server)
    given = reply['action_id']  # a text of digits goes as the Integer the status API's reference asks for
    expected = int(given) if isinstance(given, str) and given.isdigit() else given
    assert sent['group_action_id'] == expected and type(sent['group_action_id']) is type(expected)
    [record] = records(result)
    assert record['action_id'] == reply['action_id']
    # Once read, the action's endpoints are counted; before, the count is the vendor's when it sent a readable one.
    assert record['endpoints_count'] == len(record['endpoints']) == len(FINAL_STATUS['reply']['data'])
    count = reply.get('endpoints_count')
    readable = str(count).isdigit()
    first = facts.context_at(result.entries[0]['EntryContext'], facts.XDR_CONTEXT_PATH)
    assert first.get('endpoints_count') == (int(count) if readable else None)
    assert ('error' in first) is (count is not None and not readable)


def test_a_refused_restore_among_several_is_a_failed_record_and_the_others_go_on(replay_server):
    refused = load_json(VARIANTS / 'restore_reply_status_refused.json')['reply']
    accepted = load_json(VARIANTS / 'restore_reply_numeric_count.json')['reply']
    replay_server.queue(200, {'reply': refused}).queue(200, {'reply': accepted}).queue(200, FINAL_STATUS)

    result = room(replay_server).run('restore-file', {'file_hash': f'{"a" * 64},{"b" * 64}'})

    by_hash = {r['file_hash']: r for r in records(result)}
    assert by_hash['a' * 64]['status'] == 'FAILED' and 'did not accept the restore' in by_hash['a' * 64]['error']
    assert by_hash['a' * 64]['action_id'] == refused['action_id']
    assert by_hash['b' * 64]['action_id'] == accepted['action_id'] and by_hash['b' * 64]['status'] != 'IN_PROGRESS'


@pytest.mark.parametrize('name', STATUS_VARIANTS)
def test_every_status_reply_shape_keeps_every_endpoint_and_its_reason(replay_server, name):
    reply = load_json(VARIANTS / name)['reply']
    replay_server.queue_file(200, 'restore_reply.json').queue(200, {'reply': reply})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    assert not result.failed, result.entries[-1]
    [record] = records(result)
    endpoints = {e['endpoint_id']: e for e in record['endpoints']}
    assert set(endpoints) == set(reply['data'])  # none lost
    for endpoint_id, status in reply['data'].items():
        shown = endpoints[endpoint_id]
        assert shown['status'] == status
        if status == 'COMPLETED_SUCCESSFULLY':
            continue
        expected = the_reason((reply.get('errorReasons') or {}).get(endpoint_id), reply)
        if expected is None:
            assert 'without a reason' in shown['error_description']
        else:
            assert shown['error_description'] == expected
        assert '\r' not in shown['error_description'] and '\n' not in shown['error_description']
    assert '\r' not in result.entries[-1]['HumanReadable']


@pytest.mark.parametrize('garbage', [{'data': ['not', 'an', 'object']}, {'data': {'e1': None}}, {'data': 7},
                                     {'data': {'e1': 'FAILED'}, 'errorReasons': 'text'},
                                     {'data': {'e1': 'FAILED'}, 'errorReasons': {'e1': ['x']}}])
def test_a_status_reply_no_one_expects_never_loses_the_action(replay_server, garbage):
    replay_server.queue_file(200, 'restore_reply.json').queue(200, {'reply': garbage})
    for _ in range(3):
        replay_server.queue(200, FINAL_STATUS)
    expected_action = load_json(XDR_REPLIES / 'restore_reply.json')['reply']['action_id']

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    assert not any('unexpected' in str(entry.get('Contents')) for entry in result.entries)
    [record] = records(result)  # the file's one record, never none
    assert record['action_id'] == expected_action  # in context, as the reply gave it
    # to the status API, as the Integer its reference asks for (the fixture's reply gives it as text)
    assert {s['group_action_id'] for s in status_requests(replay_server)} == {int(expected_action)}


def restore_whose_reason_cannot_be_read(replay_server):
    """(the run, the action ID the restore reply gave) of a restore whose first status reply holds an endpoint's
    errorData as JSON text nested far past where Python's json gives up (about 1,000 levels), then final statuses."""
    deep = '[' * 100_000 + ']' * 100_000
    restore = 'variants/restore_reply_numeric_count.json'  # three endpoints, as many as the final status lists
    replay_server.queue_file(200, restore).queue(200, {'reply': {
        'data': {'e1': 'FAILED'}, 'errorReasons': {'e1': {'errorData': deep}}}})
    for _ in range(3):
        replay_server.queue(200, FINAL_STATUS)
    return (room(replay_server).run('restore-file', {'file_hash': HASH}),
            load_json(XDR_REPLIES / restore)['reply']['action_id'])


def test_a_status_reply_whose_reason_cannot_be_read_at_all_keeps_the_action_followed_to_its_end(replay_server):
    # README: a part of a reply that cannot be read becomes error on the record; the action is followed even so.
    result, expected_action = restore_whose_reason_cannot_be_read(replay_server)

    assert not result.failed and not any('unexpected' in str(entry.get('Contents')) for entry in result.entries)
    first_check = as_list(next(iter(result.entries[1]['EntryContext'].values())))
    assert [(r['action_id'], r['status']) for r in first_check] == [(expected_action, 'IN_PROGRESS')]
    assert first_check[0]['error'] and 'PollingCommand' in result.entries[1]  # said, and read again
    [record] = records(result)
    assert record['error'] == '' and record['endpoints_count'] == len(FINAL_STATUS['reply']['data'])
    # to its end: the same action, each endpoint in the final status the recorded reply gives it
    assert record['action_id'] == expected_action, record
    assert {e['endpoint_id']: e['status'] for e in record['endpoints']} == FINAL_STATUS['reply']['data'], record


def test_a_status_reply_that_cannot_be_read_says_which_part_of_it_not_a_python_exception(replay_server):
    # The same unreadable reason: the record's error names the parts of Cortex XDR's reply it could not read, in words
    # an analyst can look for in the action (its data's endpoint statuses, their errorReasons), and the action's ID.
    result, expected_action = restore_whose_reason_cannot_be_read(replay_server)

    [record] = as_list(next(iter(result.entries[1]['EntryContext'].values())))  # the first check's
    assert record['status'] == 'IN_PROGRESS' and record['action_id'] == expected_action
    assert 'errorReasons' in record['error'] and 'data' in record['error'], record['error']
    assert not re.search(r'[A-Z][a-z]+(Error|Exception)\b', record['error']), record['error']


def test_an_hss_error_description_is_kept_beside_its_code_and_message(replay_server):
    name = 'error_hss_400_with_description.json'
    vendor = load_json(HSS_REPLIES / 'variants' / name)
    replay_server.queue(400, vendor)
    settings = ri.HssSettings(replay_server.url, 'p' * 32, 'aksk', access_key='AK', secret_key='sk' * 8)

    with pytest.raises(ri.VendorApiError) as raised:
        ri.HssClient(settings).restore_isolated_files([{'host_id': 'h'}])

    message = str(raised.value)
    assert all(vendor[field] in message for field in ('error_code', 'error_msg', 'error_description'))



def test_an_hss_error_description_that_repeats_its_message_is_said_once(replay_server):
    vendor = dict(load_json(HSS_REPLIES / 'variants' / 'error_hss_400_with_description.json'))
    vendor['error_description'] = vendor['error_msg']
    replay_server.queue(400, vendor)
    settings = ri.HssSettings(replay_server.url, 'p' * 32, 'aksk', access_key='AK', secret_key='sk' * 8)

    with pytest.raises(ri.VendorApiError) as raised:
        ri.HssClient(settings).restore_isolated_files([{'host_id': 'h'}])

    assert str(raised.value).count(vendor['error_msg']) == 1, str(raised.value)


def test_an_error_reply_in_plain_text_is_quoted_as_the_vendor_s_words_with_its_request_id(replay_server):
    # No JSON and no HTML page: what the body says is all there is of the vendor's reason (a gateway's plain words)
    replay_server.queue(400, b'upstream refused: bad project', {'Content-Type': 'text/plain',
                                                                  'X-Request-Id': 'req-plain-1'})
    settings = ri.HssSettings(replay_server.url, 'p' * 32, 'aksk', access_key='AK', secret_key='sk' * 8)

    with pytest.raises(ri.VendorApiError) as raised:
        ri.HssClient(settings).restore_isolated_files([{'host_id': 'h'}])

    message = str(raised.value)
    assert 'upstream refused: bad project' in message and 'req-plain-1' in message, message

@pytest.mark.parametrize('code', [{'code': 'HSS.1001'}, ['HSS.1001'], 1001])
def test_an_hss_error_code_that_is_not_text_is_the_vendor_s_error_shown_as_json_not_a_fault(replay_server, code):
    replay_server.queue(400, {'error_code': code, 'error_msg': 'Invalid parameter.', 'request_id': 'r-1'})
    settings = ri.HssSettings(replay_server.url, 'p' * 32, 'aksk', access_key='AK', secret_key='sk' * 8)

    with pytest.raises(ri.VendorApiError) as raised:
        ri.HssClient(settings).restore_isolated_files([{'host_id': 'h'}])

    message = str(raised.value)
    assert 'HTTP 400' in message and 'Invalid parameter.' in message and json.dumps(code) in message


def hss_restore_entry(replay_server) -> dict:
    """The one entry of an hss-restore-isolated of a hash (no retries, no polling) against replay_server's replies."""
    params = {'hss_region': 'ap-southeast-1', 'hss_endpoint': replay_server.url, 'hss_project_id': 'p' * 32,
              'hss_aksk': {'identifier': 'AK', 'password': 'sk' * 8}, 'max_retries': '0'}
    demisto = Demisto(params, 'hss-restore-isolated', {'file_hash': 'c' * 64, 'polling': 'false'}, {}, [])
    ri.main(demisto)
    [entry] = demisto.entries
    return entry


NO_LISTINGS = [['a list'], 'a text', 17, {'message': 'Welcome to the console', 'total_num': 'n/a'}]


@pytest.mark.parametrize('body', NO_LISTINGS)
def test_an_hss_answer_that_is_no_listing_keeps_its_words_and_request_id_and_says_what_to_check(replay_server, body):
    # An HTTP 200 that is no listing (JSON that is no object, an object without data_list: a proxy's or another API's
    # answer): the analyst gets what came, the request id Huawei support traces it by, and which settings lead there.
    replay_server.queue(200, json.dumps(body).encode(), {'Content-Type': 'application/json', 'X-Request-Id': 'r-77'})

    entry = hss_restore_entry(replay_server)

    shown = entry['Contents']
    assert entry['Type'] == ENTRY_ERROR and json.dumps(body) in shown and 'r-77' in shown, shown
    assert '(hss_endpoint)' in shown and '(hss_region)' in shown, shown


def listed_while_iam_s_wait_runs(replay_server, status, body):
    """Token mode, the token an earlier run kept in its last 5 minutes: due for renewal (README: 10 minutes before it
    expires) and outliving the command (3 minutes). IAM, down, answers 503 with a Retry-After of an hour, which no
    retry waits for: the kept token serves the command, and IAM's wait runs on. HSS answers the listing ``status``
    with ``body``: the error entry's text."""
    params = {'hss_region': 'ap-southeast-1', 'hss_endpoint': replay_server.url, 'hss_iam_endpoint': replay_server.url,
              'hss_project_id': 'p' * 32, 'hss_auth_type': 'token', 'hss_domain': 'acme',
              'hss_credentials': {'identifier': 'user', 'password': 'iam-Passw0rd-123'}, 'max_retries': '0'}
    kept = {'identity': ri.token_identity(ri.read_hss_settings(params)), 'token': 't' * 64,
            'expires_at': time.time() + 5 * 60}
    replay_server.queue(503, b'', {'Retry-After': '3600'})
    replay_server.queue(status, json.dumps(body).encode(), {'Content-Type': 'application/json', 'X-Request-Id': 'r-78'})
    demisto = Demisto(params, 'hss-restore-isolated', {'file_hash': 'c' * 64, 'polling': 'false'},
                      {'hss_iam_token': json.dumps(kept)}, [])  # README: "cached ... under `hss_iam_token`"

    ri.main(demisto)

    [entry] = demisto.entries
    shown = entry['Contents']
    sent = [(request.method, request.headers.get('X-Auth-Token')) for request in replay_server.requests]
    assert entry['Type'] == ENTRY_ERROR and sent == [('POST', None), ('GET', 't' * 64)] and 'r-78' in shown, shown
    return shown


def says_later_is_when_iam_s_wait_ends(shown):
    """Whether ``shown`` says to try again later, then, last, when that later is (IAM's wait's end, README: "Later
    means after"), and no second instruction ("Try again, after")."""
    told = re.search(r'\b[Tt]ry again later\b.*\. Later means after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (\d+) s, '
                     r'as Huawei Cloud IAM asked to wait: Retry-After\)\.$', shown)
    return bool(told) and 3590 <= int(told[1]) <= 3600 and len(re.findall(r'\bagain\b', shown, re.IGNORECASE)) == 1


@pytest.mark.parametrize('body', [NO_LISTINGS[0], NO_LISTINGS[-1]], ids=['not an object', 'no data_list'])
def test_an_hss_answer_that_is_no_listing_while_iam_s_wait_runs_says_when_its_later_is_not_a_second_instruction(
        replay_server, body):
    # HSS answers the listing HTTP 200 with no listing: the error says to check the URL and, if it is right, to try
    # again later; what follows says when that later is.
    shown = listed_while_iam_s_wait_runs(replay_server, 200, body)

    assert says_later_is_when_iam_s_wait_ends(shown), shown


# RFC 9110: 405 Method Not Allowed, 409 Conflict; neither is in the HSS API reference's table of its error statuses
@pytest.mark.parametrize('status', [405, 409])
def test_an_hss_error_status_told_with_the_general_advice_while_iam_s_wait_runs_says_when_its_later_is(
        replay_server, status):
    # An error status the integration has no words of its own for gets the general advice: the server could not
    # carry out the request this time, try again later; what follows says when that later is.
    shown = listed_while_iam_s_wait_runs(replay_server, status, {})  # nothing said in any form Huawei's SDK reads

    assert f'HTTP {status}' in shown and says_later_is_when_iam_s_wait_ends(shown), shown


def test_an_hss_refusal_with_advice_of_its_own_while_iam_s_wait_runs_says_when_to_try_again_not_when_later_is(
        replay_server):
    # A 403's advice says what to change (the user's permissions), never to try again later: while IAM's wait runs,
    # what follows is the one instruction of when to try again, not when a "later" it did not say is.
    shown = listed_while_iam_s_wait_runs(replay_server, 403, {'error_code': 'APIGW.0302', 'error_msg': 'Forbidden.'})

    assert 'HTTP 403' in shown and 'later' not in shown.lower(), shown
    assert re.search(r'\. Try again, after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in \d+ s, as Huawei Cloud IAM asked to '
                     r'wait: Retry-After\)\.$', shown), shown


def test_an_iam_answer_without_a_token_keeps_its_status_and_request_id_and_names_the_settings_iam_comes_from(
        replay_server):
    replay_server.queue(201, {'token': {'expires_at': '2099-01-01T00:00:00.000000Z'}}, {'X-Request-Id': 'r-79'})
    params = {'hss_region': 'ap-southeast-1', 'hss_endpoint': replay_server.url, 'hss_iam_endpoint': replay_server.url,
              'hss_project_id': 'p' * 32, 'hss_auth_type': 'token', 'hss_domain': 'acme',
              'hss_credentials': {'identifier': 'user', 'password': 'iam-Passw0rd-123'}, 'max_retries': '0'}
    demisto = Demisto(params, 'hss-restore-isolated', {'file_hash': 'c' * 64, 'polling': 'false'}, {}, [])

    ri.main(demisto)

    [entry] = demisto.entries
    shown = entry['Contents']
    assert entry['Type'] == ENTRY_ERROR and 'X-Subject-Token' in shown and '201' in shown and 'r-79' in shown, shown
    assert '(hss_iam_endpoint)' in shown and '(hss_region)' in shown, shown


def test_an_iam_token_request_throttled_past_the_commands_wait_is_said_to_be_throttled(replay_server):
    # Huawei's gateway answers 429 APIGW.0308 with a Retry-After longer than the command waits
    replay_server.queue(429, {'error_code': 'APIGW.0308', 'error_msg': 'The throttling threshold has been reached',
                              'request_id': 'r-9'}, {'Retry-After': '3600'})
    params = {'hss_endpoint': replay_server.url, 'hss_iam_endpoint': replay_server.url, 'hss_project_id': 'p' * 32,
              'hss_auth_type': 'token', 'hss_domain': 'acme',
              'hss_credentials': {'identifier': 'user', 'password': 'iam-Passw0rd-123'}}
    demisto = Demisto(params, 'hss-restore-isolated', {'file_hash': 'c' * 64, 'host_id': 'h1', 'file_path': '/x'},
                      {}, [])
    ri.main(demisto)
    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR and 'IAM answered HTTP 429' in entry['Contents']
    assert 'throttling' in entry['Contents'] and 'unexpected status' not in entry['Contents']


# --------------------------------------------------------------------------- the emulator in the mix real tenants send


def test_restores_on_a_tenant_answering_in_every_known_shape_lose_no_action_endpoint_or_reason():
    clock = FakeClock()
    tenant = start_tenant(auth_type='advanced', stage_seconds=10, clock=clock, rate_limit=None,
                          reply_shapes=ReplyShapes(mixed=True, seed=12))
    try:
        backend = tenant.backend
        failing = sorted(seed_failing_endpoints())[0]
        healthy = sorted(e for e in backend.endpoints if e != failing)
        hashes = backend.quarantine_files(30, [healthy[0], failing], salt='shapes')
        room = WarRoom(params=tenant.params(max_concurrency='1'), time_scale=1, sleep=clock.advance)

        result = room.run('restore-file', {'file_hash': ','.join(hashes)})

        assert not result.failed, result.entries[-1]
        assert {kind for kind in backend.shapes.used} == {f'{k}:{i}' for k in ('restore', 'reason') for i in range(5)}
        by_hash = {r['file_hash']: r for r in records(result)}
        assert set(by_hash) == set(hashes)
        reason = backend.endpoints[failing].restore_failure.error_description
        actions = {str(action_id): action for action_id, action in backend.actions.items()}
        assert sorted(action.file_hash for action in actions.values()) == sorted(hashes)  # one action a file
        for file_hash in hashes:
            record = by_hash[file_hash]
            assert record['status'] == 'COMPLETED_WITH_FAILURES' and record['endpoints_count'] == 2
            assert actions[str(record['action_id'])].file_hash == file_hash  # its own action, none lost
            endpoints = {e['endpoint_id']: e for e in record['endpoints']}
            assert set(endpoints) == {healthy[0], failing}, endpoints  # both endpoints the file was on
            assert endpoints[healthy[0]]['status'] == 'COMPLETED_SUCCESSFULLY', endpoints
            assert endpoints[failing]['error_description'] == ' '.join(reason.split())
    finally:
        tenant.server.stop()


def test_an_hss_emulator_writing_its_errors_with_a_description_keeps_the_detail_in_the_war_room():
    tenant = start_hss_tenant(described_errors=True)
    try:
        copy = tenant.backend.snapshot()[0]
        args = {'host_id': 'no-such-host', 'file_hash': copy['file_hash'], 'file_path': copy['file_path']}
        result = WarRoom(params=tenant.params('aksk'), time_scale=0, sleep=lambda _: None).run(
            'hss-restore-isolated', args)
        [entry] = result.entries
        assert entry['Type'] == ENTRY_ERROR and 'HTTP 400' in entry['Contents']
        assert 'details ' in entry['Contents'] and 'no-such-host' in entry['Contents']  # the description's detail
    finally:
        tenant.stack.close()


@pytest.mark.parametrize('status', [0, '0', False])
def test_a_refusal_without_an_action_id_is_said_with_the_vendor_s_reason_not_taken_for_an_accepted_restore(
        replay_server, status):
    # The seed: status 0 means the restore failed. A refusal needs no action to follow, and may come without one.
    reason = 'The file is not quarantined on any endpoint'
    replay_server.queue(200, {'reply': {'status': status, 'errorText': reason}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'did not accept the restore' in entry['Contents']
    assert reason in entry['Contents'] and 'accepted the restore but' not in entry['Contents']
    assert not status_requests(replay_server)


@pytest.mark.parametrize('reason', ['The file is not quarantined on any endpoint', ''])
def test_a_refusal_without_an_action_id_says_what_to_check_with_or_without_the_vendor_s_reason(replay_server,
                                                                                              reason):
    replay_server.queue(200, {'reply': {'status': 0, 'errorText': reason}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and reason in entry['Contents'], entry['Contents']
    assert 'Check the file hash and the endpoints in Cortex XDR > Response > Action Center.' in entry['Contents']


def test_a_file_refused_for_one_endpoint_then_for_every_endpoint_keeps_no_stale_endpoint_id(replay_server):
    # integration.yml: endpoint_id is empty when the restore ran on every endpoint. A refusal has no action_id, so
    # XSOAR updates the file's earlier refused record with the later one: the later one must say its own endpoint_id.
    refused = {'reply': {'err_code': 500, 'err_msg': 'No quarantined file'}}
    accepted = {'reply': {'action_id': 7, 'endpoints_count': 1}}
    war_room, files = room(replay_server), f'{HASH},{"d" * 64}'  # another file accepted: not all refused, no error
    replay_server.queue(500, refused).queue(200, accepted)
    war_room.run('restore-file', {'file_hash': files, 'endpoint_id': 'E1', 'polling': 'false'})
    replay_server.queue(500, refused).queue(200, accepted)

    result = war_room.run('restore-file', {'file_hash': files, 'polling': 'false'})

    [record] = [record for record in records(result) if record['file_hash'] == HASH]
    assert record['status'] == 'FAILED' and record['endpoint_id'] == '', record


@pytest.mark.parametrize('constant', ['NaN', 'Infinity', '-Infinity'])
def test_a_reply_holding_nan_or_infinity_is_not_json_and_never_reaches_an_entry(replay_server, constant):
    # RFC 8259 permits neither; Python's json reads them, and an entry holding one is not JSON XSOAR's server reads.
    body = ('{"reply": {"action_id": 1, "endpoints_count": %s}}' % constant).encode()
    for _ in range(1 + facts.DEFAULT_MAX_RETRIES):  # a body that is not JSON is sent again, as a cut one is
        replay_server.queue(200, body, {'Content-Type': 'application/json'})

    result = room(replay_server).run('restore-file', {'file_hash': HASH, 'polling': 'false'})

    [entry] = result.entries  # the integration's own error, before any entry could carry the value
    assert entry['Type'] == ENTRY_ERROR and 'with a body that is not JSON' in entry['Contents'], entry
    json.dumps([result.entries, result.context], allow_nan=False)  # no NaN or Infinity anywhere: JSON XSOAR reads


@pytest.mark.parametrize('number', ['1e999', '-1e999', '1' + '0' * 400])
def test_a_number_past_a_float64_in_a_reply_is_read_as_not_given_and_the_restore_is_still_reported(
        replay_server, number):
    # JSON's grammar allows it and RFC 8259 leaves the range to the reader: Python reads 1e999 as Infinity and 400
    # digits as an int, and an entry holding either (its Contents keep the reply) is one XSOAR's server, which reads a
    # number into a float64, refuses: the restore Cortex XDR started would go unreported, and not be followed.
    body = b'{"reply": {"action_id": 7, "endpoints_count": %s}}' % number.encode()
    replay_server.queue(200, body, {'Content-Type': 'application/json'})

    result = room(replay_server).run('restore-file', {'file_hash': HASH, 'polling': 'false'})

    assert not result.failed, result.entries
    [record] = records(result)
    assert record['action_id'] == 7 and record['file_hash'] == HASH


@pytest.mark.parametrize('count', ['"' + '9' * 19 + '"', '9' * 19, '"' + '9' * 5000 + '"'],
                         ids=['19 digits as text', '19 digits as a number', '5000 digits as text'])
def test_an_endpoints_count_of_more_digits_than_a_check_carries_is_not_read_and_the_action_is_followed_to_its_end(
        replay_server, count):
    # The seed gives endpoints_count as text of digits; one longer than any count a check takes back (18 digits, as
    # every whole number the command carries) must not end the polling at its first check, nor the first run in a
    # fault (Python's int() refuses text past 4300 digits): the action is followed, its count counted from the status.
    body = b'{"reply": {"action_id": 7, "endpoints_count": %s}}' % count.encode()
    replay_server.queue(200, body, {'Content-Type': 'application/json'}).queue(200, FINAL_STATUS)

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    assert not result.failed, result.entries[-1]
    assert 'endpoints_count' in result.entries[0]['HumanReadable'], result.entries[0]  # the part not read, said
    [record] = records(result)
    assert record['action_id'] == 7 and record['status'] != 'IN_PROGRESS', record
    assert record['endpoints_count'] == len(FINAL_STATUS['reply']['data']), record


def test_an_action_id_of_thousands_of_digits_as_text_is_read_back_as_sent_not_a_fault_at_the_check(replay_server):
    # An action ID is kept and sent back as Cortex XDR gave it (README), a text of digits as its number: one past the
    # 4300 digits Python's int() reads must still reach the status API, not end the check in an integration fault.
    action_id = '9' * 5000
    replay_server.queue(200, {'reply': {'action_id': action_id, 'endpoints_count': 3}}).queue(200, FINAL_STATUS)

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    assert not result.failed, result.entries[-1]
    [read] = status_requests(replay_server)
    assert str(read['group_action_id']) == action_id
    [record] = records(result)
    assert record['action_id'] == action_id and record['status'] != 'IN_PROGRESS', record


@pytest.mark.parametrize('reason, expected', [
    ('Access is denied.\r\n', 'Access is denied.'),  # the endpoint's reason as plain text, not an object
    ({'errorData': 'The file is locked by another process.'}, 'The file is locked by another process.'),  # not JSON
    ({'errorData': {'errorText': 'The quarantine folder is full.'}}, 'The quarantine folder is full.'),  # an object
    ({'errorData': 17, 'errorDescription': 'The agent is disconnected.'}, 'The agent is disconnected.'),  # neither
    ({'errorDescription': 2147942405}, '2147942405'),  # a code alone, as a number (a Windows HRESULT): still a reason
    ({'errorDescription': True, 'errorText': 'The file is in use.'}, 'The file is in use.'),  # a flag is no reason
])
def test_a_status_reason_in_a_form_no_fixture_shows_is_still_the_endpoints_reason(replay_server, reason, expected):
    reply = {'data': {'e1': 'FAILED'}, 'errorReasons': {'e1': reason}}
    replay_server.queue_file(200, 'restore_reply.json').queue(200, {'reply': reply})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    assert not result.failed, result.entries[-1]
    [record] = records(result)
    assert record['endpoints'] == [{'endpoint_id': 'e1', 'status': 'FAILED', 'error_description': expected}]


def test_an_endpoint_reason_giving_a_description_and_texts_apart_shows_the_description_as_xsoar_s_integration_does(
        replay_server):
    # demisto/content's CoreIRApiModule (action_status_get_command), behind XSOAR's own Cortex XDR integration, shows an
    # endpoint's errorDescription (else the missing files'): an analyst who reads the same action there must not read
    # another reason here when the entry's errorText, or the one inside errorData, says something else.
    reason = {'errorText': 'Restore failed: 0x80070005', 'errorData': json.dumps({'errorText': 'Agent error 5'}),
              'errorDescription': 'Access is denied.\r\n'}
    reply = {'data': {'e1': 'FAILED'}, 'errorReasons': {'e1': reason}}
    replay_server.queue_file(200, 'restore_reply.json').queue(200, {'reply': reply})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    assert not result.failed, result.entries[-1]
    [record] = records(result)
    assert record['endpoints'] == [{'endpoint_id': 'e1', 'status': 'FAILED', 'error_description': 'Access is denied.'}]


def nesting(value) -> int:
    """How many lists and objects deep ``value`` goes, counted without recursion (whatever its depth)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            stack += [(item, depth + 1) for item in (value.values() if isinstance(value, dict) else value)]
        deepest = max(deepest, depth)
    return deepest


def test_a_reply_nested_deeper_than_json_is_read_is_a_broken_reply_not_a_fault_in_the_integration(replay_server):
    # 100,000 levels, far past where Python's json gives up (its recursion limit, about 1,000): a reply that cannot
    # be read, sent again as any broken reply is, then said as one.
    body = b'{"reply": ' + b'[' * 100_000 + b']' * 100_000 + b'}'
    for _ in range(1 + facts.DEFAULT_MAX_RETRIES):
        replay_server.queue(200, body, {'Content-Type': 'application/json'})

    result = room(replay_server).run('restore-file', {'file_hash': HASH, 'polling': 'false'})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'with a body that is not JSON' in entry['Contents'], entry
    assert 'fault in the integration' not in entry['Contents']


@pytest.mark.parametrize('depth', [400, 600])
def test_a_status_reason_nested_hundreds_of_levels_keeps_the_action_and_reaches_the_entry_shallow_and_scrubbed(
        replay_server, depth):
    # Few enough levels for json to read, too many for a walk of two frames a level; the API key quoted inside.
    key = 'k' * 40  # room()'s API key
    reason = '[' * depth + json.dumps(key) + ']' * depth
    body = '{"reply": {"data": {"e1": "FAILED"}, "errorReasons": {"e1": {"errorText": %s}}}}' % reason
    replay_server.queue_file(200, 'restore_reply.json').queue(200, body.encode(), {'Content-Type': 'application/json'})
    expected_action = load_json(XDR_REPLIES / 'restore_reply.json')['reply']['action_id']

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    assert not result.failed, result.entries[-1]
    [record] = records(result)  # the action followed to its end, its endpoint's final status read
    assert record['action_id'] == expected_action
    assert [(shown['endpoint_id'], shown['status']) for shown in record['endpoints']] == [('e1', 'FAILED')]
    shown = json.dumps(result.entries)
    assert key not in shown
    # No entry of the pack nests near 100 levels: XSOAR's json.dumps (limit about 1,000, less the frames already
    # in use) and its server take what comes, the deep value summarised rather than handed on.
    assert all(nesting(entry) < 100 for entry in result.entries)


def test_an_hss_listing_of_nothing_without_a_data_list_is_read_as_empty_by_restores_and_fetches():
    # huaweicloudsdkhss models data_list as optional (ListIsolatedFileResponse, ListSecurityEventsResponse): a listing
    # whose total_num is 0 may leave it out, and holds nothing; it is no sign of a wrong hss_endpoint.
    tenant = start_hss_tenant()
    try:
        nothing = {'file_hash': 'f' * 64, 'polling': 'false'}  # a hash HSS isolated nowhere
        room = WarRoom(params=tenant.params('aksk'), time_scale=0, sleep=lambda _: None)
        with_list = room.run('hss-restore-isolated', nothing)
        tenant.backend.empty_without_data_list = True

        without = room.run('hss-restore-isolated', nothing)
        assert [entry['Contents'] for entry in without.entries] == [entry['Contents'] for entry in with_list.entries]

        incidents, _ = WarRoom(params=tenant.params('aksk')).fetch({})
        now_ms = tenant.backend.wall_clock() * 1000
        recent = sorted(e.event_id for e in tenant.backend.events if now_ms - e.occur_time < 3 * 86_400_000)
        assert recent and sorted(json.loads(i['rawJSON'])['event_id'] for i in incidents) == recent
    finally:
        tenant.stack.close()


@pytest.mark.parametrize('charset', ['GB18030', 'UTF-16'])
def test_a_json_error_in_the_charset_its_content_type_names_keeps_the_vendors_code_and_message(replay_server, charset):
    said = load_json(XDR_REPLIES / 'error_400_chinese.json')['reply']
    body = json.dumps({'reply': said}, ensure_ascii=False).encode(charset)  # a gateway set to the request's locale
    replay_server.queue(400, body, {'Content-Type': f'application/json; charset={charset}'})

    [entry] = room(replay_server).run('restore-file', {'file_hash': HASH}).entries

    assert entry['Type'] == ENTRY_ERROR
    assert f'said: code {said["err_code"]}, message {json.dumps(said["err_msg"], ensure_ascii=False)}' \
        in entry['Contents'], entry['Contents']


def page_title(page: str) -> str:
    return re.search(r'<title>(.*?)</title>', page)[1]


def xdr_restore_entry(replay_server) -> dict:
    """The one entry of a restore-file of a hash (no retries) against replay_server's replies."""
    params = {'xdr_url': replay_server.url, 'xdr_api_key_id': '9', 'xdr_api_key': {'password': 'k' * 40},
              'xdr_auth_type': 'standard', 'max_retries': '0'}
    war_room = WarRoom(params=params, time_scale=0, sleep=lambda _: None)
    [entry] = war_room.run('restore-file', {'file_hash': HASH}).entries
    return entry


def error_sentences_of_a_502(replay_server, body) -> str:
    replay_server.queue(502, body)
    entry = xdr_restore_entry(replay_server)
    assert entry['Type'] == ENTRY_ERROR
    return entry['Contents']


def test_a_gateways_html_502_in_front_of_cortex_xdr_is_said_to_be_the_hosts_page_with_its_title_and_the_502_advice(
        replay_server):
    # A load balancer's page is not Cortex XDR's words: the analyst learns where it came from and what it says.
    page = (XDR_REPLIES / 'error_502.html').read_text()
    shown = error_sentences_of_a_502(replay_server, page)
    in_its_form = error_sentences_of_a_502(replay_server, {'reply': {'err_code': 502, 'err_msg': 'Bad gateway'}})

    host = replay_server.url.split('//', 1)[1].rstrip('/')
    assert 'Cortex XDR said' not in shown and '<' not in shown, shown
    assert f'server at {host} answered with an HTML page' in shown and page_title(page) in shown, shown
    # The advice a 502 in Cortex XDR's own form gets, before its words and after them, is this page's too
    before, after = in_its_form.split('answered HTTP 502.', 1)[1].split('Cortex XDR said', 1)
    after = after.split('"Bad gateway".', 1)[1].strip()
    assert after and before.strip() in shown and after in shown, (in_its_form, shown)


def test_a_gateways_html_504_in_front_of_hss_is_said_to_be_the_hosts_page_with_its_title_not_hss_s_message(
        replay_server):
    page = (HSS_REPLIES / 'error_504_gateway.html').read_text()
    replay_server.queue(504, page, {'X-Request-Id': 'r-504'})

    entry = hss_restore_entry(replay_server)

    shown = entry['Contents']
    host = replay_server.url.split('//', 1)[1].rstrip('/')
    assert entry['Type'] == ENTRY_ERROR and 'HSS said' not in shown and '<' not in shown, shown
    assert f'server at {host} answered with an HTML page' in shown and page_title(page) in shown, shown
    assert 'r-504' in shown, shown


@pytest.mark.parametrize('vendor', ['Cortex XDR', 'Huawei Cloud HSS'])
def test_a_proxys_error_page_is_quoted_by_its_words_without_its_style_sheet_script_or_comments(replay_server, vendor):
    # A proxy's error page opens with its CSS: quoted as text, the style would fill the quote before the page says why
    page = (HSS_REPLIES / 'error_502_proxy_styled.html').read_text()
    restore_entry = {'Cortex XDR': xdr_restore_entry, 'Huawei Cloud HSS': hss_restore_entry}[vendor]
    replay_server.queue(502, page)

    shown = restore_entry(replay_server)['Contents']

    assert page_title(page) in shown and re.search(r'<h2>(.*?)</h2>', page)[1] in shown, shown
    for not_words in ('font-family', '{', 'window.top', 'cache-01'):
        assert not_words not in shown, (not_words, shown)


@pytest.mark.parametrize('vendor', ['Cortex XDR', 'Huawei Cloud HSS'])
def test_a_proxys_html_login_page_answering_200_is_said_to_be_the_hosts_page_in_its_words_without_tags_with_the_advice(
        replay_server, vendor):
    # A captive portal or proxy answers any request 200 with its login page: neither the vendor's words nor markup.
    page = (HSS_REPLIES / 'proxy_login_page_200.html').read_text()
    restore_entry = {'Cortex XDR': xdr_restore_entry, 'Huawei Cloud HSS': hss_restore_entry}[vendor]
    replay_server.queue(200, b'{"cut', {'Content-Type': 'application/json'})  # a 2xx not JSON: the advice it gets
    advice = restore_entry(replay_server)['Contents'].split('({"cut).', 1)[1].strip()
    replay_server.queue(200, page)

    entry = restore_entry(replay_server)

    shown = entry['Contents']
    host = replay_server.url.split('//', 1)[1].rstrip('/')
    assert entry['Type'] == ENTRY_ERROR and '<' not in shown and f'{vendor} at {host} answered' not in shown, shown
    assert f'server at {host} answered with an HTML page' in shown, shown
    assert page_title(page) in shown and re.search(r'<h1>(.*?)</h1>', page)[1] in shown, shown
    assert advice and advice in shown, (advice, shown)
