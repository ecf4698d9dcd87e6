"""XdrClient over HTTP against recorded replies built from the seed's examples."""
from __future__ import annotations

import hashlib
import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

import facts
import restore_integration as ri
from conftest import XDR_REPLIES, client_from_params, load_json
from warroom.runtime import WarRoom
from warroom.spec import INTEGRATION_YML


def make_client(url, auth_type='standard', key='k-' + 'x' * 30, **transport):
    return ri.XdrClient(ri.XdrSettings(url, 'key-id-9', key, auth_type), ri.TransportSettings(**transport))


def sent_json(request):
    return json.loads(request.body)


def xdr_url_read(url, insecure):
    """The Cortex XDR URL as the instance settings read it."""
    params = {'xdr_url': url, 'xdr_api_key_id': '1', 'xdr_api_key': 'k' * 40, 'insecure': insecure}
    return ri.read_xdr_settings(params).url


def test_restore_sends_exactly_the_seed_example_request(replay_server):
    example = load_json(XDR_REPLIES / 'restore_request.json')
    replay_server.queue_file(200, 'restore_reply.json')
    client = make_client(replay_server.url)

    client.restore_file(example['request_data']['file_hash'], incident_id=example['request_data']['incident_id'])

    [request] = replay_server.requests
    assert request.method == 'POST'
    assert request.path == '/public_api/v1/endpoints/restore/'
    assert sent_json(request) == example
    assert request.headers['x-xdr-auth-id'] == 'key-id-9'
    assert request.headers['Authorization'] == 'k-' + 'x' * 30
    assert request.headers['Content-Type'] == 'application/json'


def test_restore_leaves_unset_fields_out_and_sends_incident_id_as_integer(replay_server):
    replay_server.queue_file(200, 'restore_reply.json').queue_file(200, 'restore_reply.json')
    client = make_client(replay_server.url)
    file_hash = 'a' * 64

    client.restore_file(file_hash)
    client.restore_file(file_hash, endpoint_id='ep-1', incident_id=7)

    assert sent_json(replay_server.requests[0]) == {'request_data': {'file_hash': file_hash}}
    assert sent_json(replay_server.requests[1]) == {
        'request_data': {'file_hash': file_hash, 'endpoint_id': 'ep-1', 'incident_id': 7}}
    assert isinstance(sent_json(replay_server.requests[1])['request_data']['incident_id'], int)


def test_restore_reply_of_the_seed_keeps_the_action_id_as_sent_and_counts_its_endpoints(replay_server):
    expected = load_json(XDR_REPLIES / 'restore_reply.json')['reply']
    replay_server.queue_file(200, 'restore_reply.json')

    reply = make_client(replay_server.url).restore_file('b' * 64)

    # The seed sends both as text: the action ID goes back exactly as it came, the count is a count.
    assert ri.parse_restore_reply(reply) == (expected['action_id'], int(expected['endpoints_count']), None, [])


def test_advanced_key_signs_every_request_with_a_fresh_nonce(replay_server):
    key = 'secret-key-' + 'z' * 40
    replay_server.queue_file(200, 'restore_reply.json').queue_file(200, 'restore_reply.json')
    client = make_client(replay_server.url, auth_type='advanced', key=key)

    client.restore_file('c' * 64)
    client.restore_file('c' * 64)

    nonces = []
    for request in replay_server.requests:
        nonce, timestamp = request.headers['x-xdr-nonce'], request.headers['x-xdr-timestamp']
        assert len(nonce) == 64 and nonce.isalnum()
        assert timestamp.isdigit() and len(timestamp) == 13
        assert request.headers['Authorization'] == hashlib.sha256((key + nonce + timestamp).encode()).hexdigest()
        nonces.append(nonce)
    assert len(nonces) == len(set(nonces)) == 2  # each of the two requests signed, each with a nonce of its own


def test_action_status_asks_for_the_group_action_id(replay_server):
    replay_server.queue_file(200, 'action_status_running.json')

    reply = make_client(replay_server.url).get_action_status(2457)

    assert replay_server.requests[0].path == '/public_api/v1/actions/get_action_status/'
    assert sent_json(replay_server.requests[0]) == {'request_data': {'group_action_id': 2457}}
    assert reply == load_json(XDR_REPLIES / 'action_status_running.json')['reply']


def test_a_restore_answered_201_is_taken_as_cortex_xdr_s_acceptance(replay_server):
    # CoreIRApiModule's restore_file passes ok_codes=(200, 201): a 201 with the reply is a restore started.
    expected = load_json(XDR_REPLIES / 'restore_reply.json')['reply']
    replay_server.queue_file(201, 'restore_reply.json')

    assert make_client(replay_server.url).restore_file('d' * 64) == expected


@pytest.mark.parametrize('status', [400, 401, 402, 403, 429, 500])
def test_each_error_status_says_what_to_do_and_keeps_the_vendor_fields(replay_server, status):
    vendor = load_json(XDR_REPLIES / f'error_{status}.json')['reply']
    replay_server.queue_file(status, f'error_{status}.json')

    client = make_client(replay_server.url, max_retries=0)  # retries: tests/test_retries.py
    client.transport.wait_at_most(0)  # a 429 is waited out only within the command's budget: none here

    with pytest.raises(ri.VendorApiError) as raised:
        client.restore_file('d' * 64)

    message = str(raised.value)
    assert f'HTTP {status}' in message
    # What to do, as the README says, in the integration's own words: the vendor's, after 'said:', may hold some of
    # them (a 402's "required license type").
    ours = message.split(' said: ', 1)[0]
    assert not facts.words_missing(ours, facts.XDR_ADVICE_WORDS[status]), ours
    assert vendor['err_msg'] in message
    assert f'code {vendor["err_code"]}' in message
    if vendor['err_extra'] is not None:
        extra = vendor['err_extra']
        assert (extra if isinstance(extra, str) else json.dumps(extra, sort_keys=True)) in message
    assert raised.value.vendor_code == vendor['err_code']


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 15, 10 ** 15),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)), max_leaves=8)
# DESIGN, Vendor facts: Cortex XDR's errors come as {"reply": {"err_code", "err_msg", "err_extra"}}, err_extra of any
# JSON type; a gateway or proxy in front of it may answer anything else, JSON or a page.
error_reply = st.fixed_dictionaries({}, optional={'err_code': json_values, 'err_msg': json_values,
                                                   'err_extra': json_values})
error_body = st.one_of(error_reply.map(lambda reply: {'reply': reply}), json_values, st.text(max_size=300))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.sampled_from([400, 401, 402, 403, 404, 409, 422, 429, 500, 501, 502, 503, 504]), body=error_body)
def test_any_error_reply_is_one_vendor_error_naming_the_status_and_keeping_what_cortex_xdr_said(replay_server, status,
                                                                                              body):
    replay_server.queue(status, body)
    client = make_client(replay_server.url, max_retries=0)
    client.transport.wait_at_most(0)  # a 429 is waited out only within the command's budget: none here

    with pytest.raises(ri.VendorApiError) as raised:  # nothing else: no KeyError, TypeError, AttributeError
        client.restore_file('d' * 64)

    message = str(raised.value)
    assert raised.value.http_status == status and message.startswith(f'Cortex XDR answered HTTP {status}. '), message
    said = body.get('reply') if isinstance(body, dict) else None
    if isinstance(said, dict):  # its code kept as Cortex XDR gave it, its message quoted as it is
        assert raised.value.vendor_code == said.get('err_code')
        if isinstance(said.get('err_msg'), str) and said['err_msg']:
            assert said['err_msg'] in message
    elif isinstance(body, str) and body.strip():  # a page: quoted, on one line
        assert ' '.join(body.split())[:200] in message


@pytest.mark.parametrize('extra', ['', {}, []], ids=['empty text', 'empty object', 'empty list'])
def test_an_error_whose_err_extra_is_empty_quotes_no_details(replay_server, extra):
    # An empty err_extra says nothing: the message quotes Cortex XDR's code and message, and no empty details after.
    replay_server.queue(400, {'reply': {'err_code': 400, 'err_msg': 'Bad request', 'err_extra': extra}})

    with pytest.raises(ri.VendorApiError) as raised:
        make_client(replay_server.url, max_retries=0).restore_file('d' * 64)

    message = str(raised.value)
    assert 'code 400' in message and 'Bad request' in message, message
    assert 'details' not in message and json.dumps(extra) not in message.split('Bad request', 1)[1], message


def test_html_error_page_becomes_one_readable_line(replay_server):
    replay_server.queue_file(502, 'error_502.html')

    with pytest.raises(ri.VendorApiError) as raised:
        make_client(replay_server.url, max_retries=0).restore_file('e' * 64)

    assert 'HTTP 502' in str(raised.value)
    assert '502 Bad Gateway' in str(raised.value)
    assert '\n' not in str(raised.value)


def test_non_json_success_body_is_reported_not_crashed_on(replay_server):
    replay_server.queue(200, 'not json at all', {'Content-Type': 'text/plain'})  # an HTML page is said as a page

    with pytest.raises(ri.RestoreError, match='not JSON'):
        make_client(replay_server.url, max_retries=0).restore_file('f' * 64)


def test_reply_without_reply_object_is_reported(replay_server):
    replay_server.queue(200, {'something': 'else'})

    with pytest.raises(ri.RestoreError, match='without a "reply" object'):
        make_client(replay_server.url).restore_file('f' * 64)


def test_reply_without_reply_object_quotes_what_came_instead(replay_server):
    # An answer of another API at that URL (a proxy's, a portal's): what it said shows where the URL leads.
    said = {'error': 'Unknown tenant portal', 'detail': 'login required'}
    replay_server.queue(200, said)

    with pytest.raises(ri.RestoreError) as raised:
        make_client(replay_server.url).restore_file('f' * 64)

    assert json.dumps(said) in str(raised.value), str(raised.value)


def test_connection_refused_names_the_host_and_what_to_check():
    client = make_client('http://127.0.0.1:9', retry_backoff=0)  # discard port: nothing listens there

    with pytest.raises(ri.RestoreError, match=r'Could not connect to Cortex XDR at 127\.0\.0\.1:9') as raised:
        client.restore_file('a' * 64)
    # what to check: the URL setting, name resolution, the firewall and the proxy setting, each named
    assert all(words in str(raised.value) for words in ('Check ', '(xdr_url)', 'DNS', 'firewall', '(proxy)')), \
        str(raised.value)
    retries = facts.DEFAULT_MAX_RETRIES
    # every retry after the same fault: the count said once (README, Reliability: "retried 4 times (after HTTP 503
    # (3 times), no answer in time)" counts each of several)
    assert f'retried {retries} times (after no connection).' in str(raised.value), str(raised.value)


@pytest.mark.parametrize('url, insecure, expected', [
    ('https://api-t.xdr.us.paloaltonetworks.com', False, 'https://api-t.xdr.us.paloaltonetworks.com'),
    ('https://api-t.xdr.us.paloaltonetworks.com/', False, 'https://api-t.xdr.us.paloaltonetworks.com'),
    ('https://api-t.xdr.us.paloaltonetworks.com/public_api/v1/', False, 'https://api-t.xdr.us.paloaltonetworks.com'),
    ('http://127.0.0.1:8080', False, 'http://127.0.0.1:8080'),
    ('http://localhost:8080', False, 'http://localhost:8080'),
    ('http://[::1]:8080', False, 'http://[::1]:8080'),
    ('http://xdr.test.internal', True, 'http://xdr.test.internal'),
])
def test_server_url_is_normalised(url, insecure, expected):
    assert xdr_url_read(url, insecure) == expected


@pytest.mark.parametrize('url, complaint', [
    ('http://api-t.xdr.us.paloaltonetworks.com', 'plain http'),
    ('ftp://host', 'must be a URL'),
    ('api-t.xdr.us.paloaltonetworks.com', 'must be a URL'),
    ('https://user:pw@api-t.xdr.us.paloaltonetworks.com', 'must not carry a user name or password'),
])
def test_unsafe_or_malformed_server_url_is_refused(url, complaint):
    with pytest.raises(ri.RestoreError, match=complaint):
        xdr_url_read(url, insecure=False)


def test_tls_is_verified_unless_insecure():
    params = {'xdr_url': 'https://api-t.example', 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'kkkkkkkk'}}
    assert client_from_params('xdr', params).transport.session.verify is True
    assert client_from_params('xdr', dict(params, insecure=True)).transport.session.verify is False


def test_proxy_environment_is_ignored_unless_proxy_is_checked():
    params = {'xdr_url': 'https://api-t.example', 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'kkkkkkkk'}}
    assert client_from_params('xdr', params).transport.proxies == {'http': None, 'https': None, 'all': None}
    assert client_from_params('xdr', dict(params, proxy=True)).transport.proxies is None


def test_missing_settings_are_named():
    with pytest.raises(ri.RestoreError, match=r'xdr_api_key_id\), .*\(xdr_api_key\)'):
        ri.read_instance_settings({'xdr_url': 'https://api-t.example'}, ['xdr'])


def test_auth_object_never_shows_the_key():
    auth = ri.XdrApiKeyAuth('1', 'the-secret-key-value', 'advanced')
    # each way a log line or a message may show it: repr, str, an f-string, inside a container's repr
    for shown in (repr(auth), str(auth), f'{auth}', repr([auth]), repr({'auth': auth})):
        assert 'the-secret-key-value' not in shown, shown


def test_a_key_id_with_a_line_break_is_refused_by_name_before_any_request(replay_server):
    params = {'xdr_url': replay_server.url, 'xdr_api_key_id': '1\r\nX: y', 'xdr_api_key': {'password': 'k' * 64}}

    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('restore-file', {'file_hash': 'a' * 64})

    assert result.failed and '(xdr_api_key_id)' in result.entries[-1]['Contents'], result.entries[-1]
    assert replay_server.requests == []


def test_a_role_without_the_restore_permissions_is_told_the_ones_the_setting_s_help_names(replay_server):
    """The 403 advice and the API key setting's help name the same Action Center permissions, Cortex XDR's own."""
    replay_server.queue_file(403, 'error_403.json')
    client = make_client(replay_server.url, max_retries=0)

    with pytest.raises(ri.VendorApiError) as raised:
        client.restore_file('d' * 64)

    [key_setting] = [param for param in yaml.safe_load(INTEGRATION_YML.read_text(encoding='utf-8'))['configuration']
                     if param['name'] == 'xdr_api_key']
    ours = str(raised.value).split(' said: ', 1)[0]  # the advice, not the vendor's err_extra ("Action Center: ...")
    for permission in facts.XDR_RESTORE_PERMISSIONS:
        assert permission in ours and permission in key_setting['additionalinfo'], permission


@pytest.mark.parametrize('status, reads_sent', [(401, 0), (402, 0), (403, 1)])
def test_after_a_refused_restore_only_a_refusal_of_the_key_or_license_keeps_the_status_read_from_being_sent(
        replay_server, status, reads_sent):
    """The seed's error table: a 401 refuses the key and a 402 the tenant's license, for every API; a 403 the RBAC
    permissions "to run this API", so a role refused the restore (Quarantine) may still read action statuses."""
    replay_server.queue_file(status, f'error_{status}.json').queue_file(200, 'action_status_running.json')
    client = make_client(replay_server.url, max_retries=0)

    for _ in range(2):  # the second restore is refused alike without being sent
        with pytest.raises(ri.RestoreError, match=f'HTTP {status}'):
            client.restore_file('d' * 64)
    try:
        client.get_action_status(2457)
    except ri.RestoreError as error:
        assert not reads_sent and f'HTTP {status}' in str(error)

    assert [request.path for request in replay_server.requests] == \
        ['/public_api/v1/endpoints/restore/'] + ['/public_api/v1/actions/get_action_status/'] * reads_sent
