"""HssClient and IAM tokens over HTTP against recorded replies built from the seed's example."""
from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from datetime import datetime

import pytest
from hypothesis import assume, example, given, settings, strategies as st
from huaweicloudsdkcore.exceptions.exception_handler import DefaultExceptionHandler

import facts
import restore_integration as ri
from conftest import HSS_ANSWER, HSS_REPLIES, client_from_params, load_json
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss import create_app as create_hss_app
from warroom.emulator.hss.exceptions import ERROR_FORMS, in_form
from warroom.emulator.httpserver import LoopbackServer
from warroom.runtime import incident_problems

PROJECT = '0123456789abcdef0123456789abcdef'


def token_client(replay, stored=None, clock=lambda: 1_795_000_000.0, **transport):
    settings = ri.HssSettings(replay.url, PROJECT, 'token', region='ap-southeast-1', iam_url=replay.url,
                              domain='acme-corp', username='soar-restore', password='iam-password-value')
    client = ri.HssClient(settings, ri.TransportSettings(**transport), stored, token_clock=clock)
    return client, client.token_provider


def aksk_client(replay, enterprise_project_id=None, **transport):
    settings = ri.HssSettings(replay.url, PROJECT, 'aksk', access_key='MYAK', secret_key='my-secret-key',
                              enterprise_project_id=enterprise_project_id)
    return ri.HssClient(settings, ri.TransportSettings(**transport))


def queue_token(replay, token='token-one'):
    replay.queue_file(201, 'iam_token_reply.json', HSS_REPLIES, headers={'X-Subject-Token': token})


def test_restore_sends_exactly_the_seed_example(replay_server):
    example = load_json(HSS_REPLIES / 'restore_request.json')
    replay_server.queue(200, b'', HSS_ANSWER)

    aksk_client(replay_server).restore_isolated_files(example['data_list'], enterprise_project_id='0')

    [request] = replay_server.requests
    assert (request.method, request.path) == ('PUT', f'/v5/{PROJECT}/event/isolated-file')
    assert request.query == {'enterprise_project_id': ['0']}
    # the body as the seed's "Example Requests" writes it (seeds/003, "Restoring Isolated Files"), copied by hand here
    # rather than compared with the test_data copy the request was built from
    assert json.loads(request.body) == {'data_list': [{
        'file_attr': '0', 'file_hash': '58693382bc0c9f60ef86e5b37cf3c2f3a9c9ec46936901eaa9131f7ee4a09bde',
        'file_path': r'C:\\Users\\Public\\test.exe', 'host_id': '5a41ca47-8ea7-4a65-a8fb-950d03d8638e'}]}
    assert request.headers['Authorization'].startswith('SDK-HMAC-SHA256 Access=MYAK, SignedHeaders=')
    assert request.headers['X-Project-Id'] == PROJECT


# Huawei's SDK (huaweicloudsdkhss v5 hss_client.py) gives ChangeIsolatedFile, ListIsolatedFile and ListSecurityEvents
# alike Content-Type application/json (http_utils.select_header_content_type(['application/json'])); its core
# (huaweicloudsdkcore client.py) leaves it off a GET without a body when HttpConfig.ignore_content_type_for_get_request
# is set, and HSS's API pages list no Content-Type header for the three. Ours: the restore's JSON body as
# application/json, as the SDK; the listings' GETs, which carry no body, without one, as the SDK so set.
def test_the_hss_client_sends_its_restore_as_application_json_and_its_listings_without_a_content_type(replay_server):
    empty = {'total_num': 0, 'data_list': []}
    replay_server.queue(200, b'', HSS_ANSWER).queue(200, empty, HSS_ANSWER).queue(200, empty, HSS_ANSWER)
    client = aksk_client(replay_server)

    client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])
    client.list_isolated_files()
    client.list_security_events(1_795_000_000_000 - 60_000, 1_795_000_000_000)

    sent = [(r.method, r.path.rsplit('/', 1)[-1], r.headers.get('Content-Type')) for r in replay_server.requests]
    assert sent == [('PUT', 'isolated-file', 'application/json'), ('GET', 'isolated-file', None),
                    ('GET', 'events', None)]


def test_more_than_100_items_are_never_put_in_one_request(replay_server):
    with pytest.raises(ValueError):
        aksk_client(replay_server).restore_isolated_files([{'host_id': 'h'}] * 101)
    assert replay_server.requests == []


def test_token_is_fetched_scoped_to_the_project_and_sent_with_the_region(replay_server):
    queue_token(replay_server)
    replay_server.queue(200, b'', HSS_ANSWER)
    client, provider = token_client(replay_server)

    client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])

    iam, put = replay_server.requests
    assert (iam.method, iam.path) == ('POST', '/v3/auth/tokens')
    assert json.loads(iam.body) == {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': 'soar-restore', 'password': 'iam-password-value', 'domain': {'name': 'acme-corp'}}}},
        'scope': {'project': {'id': PROJECT}}}}
    assert put.headers['X-Auth-Token'] == 'token-one'
    assert put.headers['region'] == 'ap-southeast-1'


def test_cached_token_is_reused_until_10_minutes_before_it_expires(replay_server):
    # The reply's own lifetime (expires_at less issued_at), read here and counted from when the token came; the margin
    # is the README's ten minutes (facts.py).
    token = load_json(HSS_REPLIES / 'iam_token_reply.json')['token']
    lifetime = (datetime.fromisoformat(token['expires_at'].replace('Z', '+00:00')) -
                datetime.fromisoformat(token['issued_at'].replace('Z', '+00:00'))).total_seconds()
    now = [1_800_000_000.0]
    expires = now[0] + lifetime
    queue_token(replay_server, 'first')
    replay_server.queue(200, b'', HSS_ANSWER).queue(200, b'', HSS_ANSWER).queue(200, b'', HSS_ANSWER)
    client, provider = token_client(replay_server, clock=lambda: now[0])

    client.restore_isolated_files([{'host_id': 'h'}])
    client.restore_isolated_files([{'host_id': 'h'}])
    now[0] = expires - facts.TOKEN_REFRESH_MARGIN_SECONDS - 1  # a second before the margin: still good
    client.restore_isolated_files([{'host_id': 'h'}])
    now[0] = expires - facts.TOKEN_REFRESH_MARGIN_SECONDS + 1  # inside the margin: replaced
    queue_token(replay_server, 'second')
    replay_server.queue(200, b'', HSS_ANSWER)
    client.restore_isolated_files([{'host_id': 'h'}])

    sent = [r.headers.get('X-Auth-Token') for r in replay_server.requests if r.method == 'PUT']
    assert sent == ['first', 'first', 'first', 'second']
    assert [r.method for r in replay_server.requests].count('POST') == 2  # IAM's token requests
    assert provider.cache_entry()['token'] == 'second'
    assert 'iam-password-value' not in json.dumps(provider.cache_entry())


def renewal_due(replay, seconds_left, iam_status):
    """A client whose token is due for renewal (inside the README's ten minutes) with ``seconds_left`` of its life,
    and IAM answering its renewal ``iam_status``; then two restores."""
    token = load_json(HSS_REPLIES / 'iam_token_reply.json')['token']
    lifetime = (datetime.fromisoformat(token['expires_at'].replace('Z', '+00:00')) -
                datetime.fromisoformat(token['issued_at'].replace('Z', '+00:00'))).total_seconds()
    now = [1_800_000_000.0]
    queue_token(replay, 'first')
    replay.queue(200, b'', HSS_ANSWER)
    client, provider = token_client(replay, clock=lambda: now[0], max_retries=0)
    client.restore_isolated_files([{'host_id': 'h'}])
    now[0] += lifetime - seconds_left
    if iam_status == 401:
        replay.queue_file(401, 'iam_error_401.json', HSS_REPLIES)
    else:
        replay.queue(iam_status, b'')
    replay.queue(200, b'', HSS_ANSWER).queue(200, b'', HSS_ANSWER)
    return client, provider


# README: a token is renewed ten minutes before it expires; while IAM cannot renew it (an outage, not a refusal), the
# token held serves a command it outlives (XSOAR stops a command after 3 minutes), as botocore's advisory refresh.
def test_a_token_iam_cannot_renew_early_serves_the_command_it_outlives_and_iam_is_asked_once(replay_server):
    client, provider = renewal_due(replay_server, facts.TOKEN_REFRESH_MARGIN_SECONDS - 1, 503)

    client.restore_isolated_files([{'host_id': 'h'}])
    client.restore_isolated_files([{'host_id': 'h'}])

    sent = [(r.method, r.headers.get('X-Auth-Token')) for r in replay_server.requests]
    assert sent == [('POST', None), ('PUT', 'first'), ('POST', None), ('PUT', 'first'), ('PUT', 'first')]
    assert provider.cache_entry()['token'] == 'first'  # the next command asks IAM again


def test_a_token_iam_cannot_renew_serves_to_the_end_of_the_command_it_outlives_without_asking_iam_again(
        replay_server):
    # The command starts with the cached token four minutes from its end (due for renewal), and IAM is down (503):
    # the token outlives the command (XSOAR stops it after 3 minutes), so it serves every request of it, however late.
    now = [1_800_000_000.0]
    identity = token_client(replay_server)[1].identity
    stored = {'identity': identity, 'token': 'held', 'expires_at': now[0] + facts.XSOAR_COMMAND_TIMEOUT_SECONDS + 60}
    replay_server.queue(503, b'').queue(200, b'', HSS_ANSWER).queue(200, b'', HSS_ANSWER)
    client, provider = token_client(replay_server, stored, clock=lambda: now[0], max_retries=0)

    client.restore_isolated_files([{'host_id': 'h'}])
    now[0] += facts.XSOAR_COMMAND_TIMEOUT_SECONDS - 30  # late in the command, before XSOAR stops it
    client.restore_isolated_files([{'host_id': 'h'}])

    sent = [(r.method, r.headers.get('X-Auth-Token')) for r in replay_server.requests]
    assert sent == [('POST', None), ('PUT', 'held'), ('PUT', 'held')]


@pytest.mark.parametrize('seconds_left, iam_status', [(facts.XSOAR_COMMAND_TIMEOUT_SECONDS - 1, 503),
                                                      (facts.TOKEN_REFRESH_MARGIN_SECONDS - 1, 401)])
def test_a_token_iam_cannot_renew_is_not_used_when_it_could_die_in_the_command_nor_after_iam_refused(
        replay_server, seconds_left, iam_status):
    client, provider = renewal_due(replay_server, seconds_left, iam_status)

    with pytest.raises(ri.RestoreError, match=f'IAM answered HTTP {iam_status}'):
        client.restore_isolated_files([{'host_id': 'h'}])

    assert [r.method for r in replay_server.requests] == ['POST', 'PUT', 'POST']


@pytest.mark.parametrize('status', [400, 403, 404])
def test_a_token_request_iam_refused_is_not_sent_again_by_the_command_s_next_request(replay_server, status):
    # A 4xx is IAM's answer to the request itself (RFC 9110 15.5: not to be repeated unchanged): the command's later
    # requests meet that refusal again without asking IAM a second time.
    replay_server.queue(status, {'error': {'code': 'IAM.0001', 'message': 'Refused.'}})
    client, _ = token_client(replay_server)

    for file_hash in ('x', 'y'):
        with pytest.raises(ri.VendorApiError, match=f'IAM answered HTTP {status}'):
            client.restore_isolated_files([{'host_id': 'h', 'file_hash': file_hash}])

    assert [request.path for request in replay_server.requests] == [IAM_TOKENS]


def test_a_token_iam_hands_over_with_200_rather_than_its_documented_201_is_taken(replay_server):
    # RFC 9110 15.3.1: 200 OK is a success as much as 201 Created: its X-Subject-Token is the token.
    replay_server.queue_file(200, 'iam_token_reply.json', HSS_REPLIES, headers={'X-Subject-Token': 'token-one'})
    replay_server.queue(200, b'', HSS_ANSWER)
    client, _ = token_client(replay_server)

    client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])

    assert replay_server.requests[-1].headers['X-Auth-Token'] == 'token-one'


def test_a_token_request_iam_failed_with_a_500_is_sent_again_by_the_command_s_next_request(replay_server):
    # A 5xx is a fault of the server, not a refusal of the request (RFC 9110 15.6): a later request may have a token.
    replay_server.queue(500, {'error': {'code': 'IAM.0006', 'message': 'System error.'}})
    queue_token(replay_server)
    replay_server.queue(200, b'', HSS_ANSWER)
    client, _ = token_client(replay_server, max_retries=0)

    with pytest.raises(ri.VendorApiError, match='IAM answered HTTP 500'):
        client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])
    client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'y'}])

    assert [request.path for request in replay_server.requests].count(IAM_TOKENS) == 2


def test_a_token_without_issued_at_lives_from_the_date_iam_answered_at(replay_server):
    # IAM's clock days ahead of this machine's (2026-11-18): a token IAM says expires a day after its Date lives a day.
    replay_server.queue(201, {'token': {'expires_at': '2026-11-23T17:00:00.000000Z'}},
                        headers={'X-Subject-Token': 'token-one', 'Date': 'Sun, 22 Nov 2026 17:00:00 GMT'})
    replay_server.queue(200, b'', HSS_ANSWER)
    client, provider = token_client(replay_server)

    client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])

    assert provider.cache_entry()['expires_at'] == 1_795_000_000.0 + 24 * 3600


def test_a_password_refusal_iam_gave_without_a_message_is_kept_and_quoted_without_one(replay_server):
    # The refusal is kept with IAM's own code and message, for later runs to quote: IAM said none, so none is.
    replay_server.queue(401, {'error': {'code': 401}})
    client, provider = token_client(replay_server)
    with pytest.raises(ri.VendorApiError, match='IAM answered HTTP 401'):
        client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])
    kept = provider.cache_entry()

    later, _ = token_client(replay_server, stored=kept)
    with pytest.raises(ri.LoginPaused) as paused:
        later.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])

    assert kept['message'] is None and '(code 401)' in str(paused.value) and 'message "' not in str(paused.value)


def test_a_401_fetches_a_new_token_once_and_retries(replay_server):
    queue_token(replay_server, 'stale')
    replay_server.queue_file(401, 'error_apigw_401.json', HSS_REPLIES)
    queue_token(replay_server, 'fresh')
    replay_server.queue(200, b'', HSS_ANSWER)
    client, provider = token_client(replay_server)

    client.restore_isolated_files([{'host_id': 'h'}])

    # IAM's requests counted in the server's log: the queue alone misses an ask the client makes after the last PUT
    # and whose 599 it ignores. The first token, then one new one after the 401.
    asked = [r.path for r in replay_server.requests]
    assert asked.count(IAM_TOKENS) == 2 and asked.index(IAM_TOKENS, 1) == 2, asked
    puts = [r.headers['X-Auth-Token'] for r in replay_server.requests if r.method == 'PUT']
    assert puts == ['stale', 'fresh']


def test_a_second_401_is_reported_not_retried_forever(replay_server):
    for token in ('one', 'two'):
        queue_token(replay_server, token)
        replay_server.queue_file(401, 'error_apigw_401.json', HSS_REPLIES)
    client, _ = token_client(replay_server)

    with pytest.raises(ri.VendorApiError) as raised:
        client.restore_isolated_files([{'host_id': 'h'}])

    assert len(replay_server.requests) == 4
    assert 'APIGW.0301' in str(raised.value)


def test_a_token_request_refused_with_the_access_key_lock_wording_gets_the_token_advice_not_the_lock_s(replay_server):
    # The gateway's lock is of an access key, which a token request does not carry: a 401 in the lock's words (a
    # gateway's mistake, or a proxy's) is no lock of this instance's credentials, nor does it pass in 5 minutes by
    # itself. It gets what any refusal of a new token gets: where a token works, and which settings to check.
    code, message = facts.HSS_AK_LOCKED
    for token in ('one', 'two'):
        queue_token(replay_server, token)
        replay_server.queue(401, {'error_code': code, 'error_msg': message})
    client, _ = token_client(replay_server)

    with pytest.raises(ri.VendorApiError) as raised:
        client.restore_isolated_files([{'host_id': 'h'}])

    error = raised.value
    assert [r.method for r in replay_server.requests] == ['POST', 'PUT', 'POST', 'PUT']
    assert message.split(': ')[1] in str(error)  # the gateway's own words are kept
    assert not re.search(r'\block|wrong secret key|another tool', error.advice), error.advice  # no lock's words
    assert 'token' in error.advice and 'region' in error.advice, error.advice
    assert not error.later  # nothing here passes by itself: the advice does not say to act again later


def test_wrong_iam_password_keeps_iam_words_and_hides_the_password(replay_server):
    replay_server.queue_file(401, 'iam_error_401.json', HSS_REPLIES)
    client, _ = token_client(replay_server)

    with pytest.raises(ri.VendorApiError) as raised:
        client.restore_isolated_files([{'host_id': 'h'}])

    message = str(raised.value)
    assert 'Huawei Cloud IAM answered HTTP 401' in message and 'The username or password is wrong.' in message
    assert 'iam-password-value' not in message


def test_a_renewal_refused_after_hss_took_a_token_of_the_run_fails_that_request_alone(replay_server):
    # README (401 in HSS token mode): a new token refused before HSS took one in the run ends the run's logins (a token
    # of another region, which no new one fixes). Once HSS took one, a refusal is the request's alone: the next
    # request of the run asks IAM for a token again and goes.
    refusal = load_json(HSS_REPLIES / 'error_apigw_401.json')
    queue_token(replay_server, 'one')
    replay_server.queue(200, b'', HSS_ANSWER)  # HSS takes the run's first token
    replay_server.queue(401, refusal)  # token one refused at the next request...
    queue_token(replay_server, 'two')
    replay_server.queue(401, refusal)  # ...and its renewal, token two, too
    queue_token(replay_server, 'three')
    replay_server.queue(200, b'', HSS_ANSWER)
    client, _ = token_client(replay_server, max_retries=3)

    client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'a'}])
    with pytest.raises(ri.VendorApiError):
        client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'b'}])
    client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'c'}])

    puts = [(request.headers.get('X-Auth-Token'), json.loads(request.body)['data_list'][0]['file_hash'])
            for request in replay_server.requests if request.method == 'PUT']
    assert puts == [('one', 'a'), ('one', 'b'), ('two', 'b'), ('three', 'c')], puts


@pytest.mark.parametrize('form', sorted(ERROR_FORMS))
def test_a_second_401_in_another_form_huaweis_sdk_reads_is_reported_with_its_code_not_renewed_again(
        replay_server, form):
    # Only the gateway's APIGW.0307 (or a 401 that says nothing readable) asks for yet another token: a refusal in
    # code/message or errorCode/errorMsg, or inside an "error" object, as huaweicloudsdkcore reads them, is one too.
    refusal = load_json(HSS_REPLIES / 'error_apigw_401.json')
    for token in ('one', 'two', 'three', 'four'):
        queue_token(replay_server, token)
        replay_server.queue(401, in_form(dict(refusal), form))
    client, _ = token_client(replay_server, max_retries=3)

    with pytest.raises(ri.VendorApiError) as raised:
        client.restore_isolated_files([{'host_id': 'h'}])

    assert [r.method for r in replay_server.requests] == ['POST', 'PUT', 'POST', 'PUT']
    assert f'code {refusal["error_code"]}, message "{refusal["error_msg"]}"' in str(raised.value)


@pytest.mark.parametrize('status, name', [(400, 'error_hss_400.json'), (401, 'error_apigw_401.json'),
                                          (429, 'error_apigw_429.json')])
def test_hss_and_gateway_errors_keep_code_message_and_request_id(replay_server, status, name):
    vendor = load_json(HSS_REPLIES / name)
    # HSS's gateway sends an X-Request-Id with every reply: the one its error body names, if it names one
    request_id = vendor.get('request_id', '5e8f0a7b3c2d41e69f1a0b2c3d4e5f60')
    replay_server.queue_file(status, name, HSS_REPLIES, headers={'X-Request-Id': request_id})
    client = aksk_client(replay_server, max_retries=0)
    client.transport.wait_at_most(0)  # a 429 is waited out only within the command's budget: none here

    with pytest.raises(ri.VendorApiError) as raised:
        client.restore_isolated_files([{'host_id': 'h'}])

    message = str(raised.value)
    assert f'HTTP {status}' in message
    assert not facts.words_missing(message, facts.HSS_ADVICE_WORDS[status])  # what to do, in its cause's words
    assert vendor['error_code'] in message and vendor['error_msg'] in message and request_id in message


@pytest.mark.parametrize('form', [None, *sorted(ERROR_FORMS)])
def test_an_identity_policy_refusal_keeps_the_encoded_reason_whole_and_says_how_to_decode_it(replay_server, form):
    # Under IAM's identity policies a refusal is a 403 that carries encoded_authorization_message, the encrypted
    # reason (which policy denied which action), that IAM's DecodeAuthorizationMessage API decodes; huaweicloudsdkcore
    # reads it beside the code and message (DefaultExceptionHandler, in the form and at the depth it reads them).
    body = in_form(load_json(HSS_REPLIES / 'error_policy_denied_403.json'), form)
    reply = type('Reply', (), {'status_code': 403, 'text': json.dumps(body), 'headers': {}})()
    try:  # the SDK raises what it read (3.1.219), or returns it (its earlier versions, named as SdkError names it)
        sdk_read = DefaultExceptionHandler().handle_exception(None, reply)
    except Exception as raised:
        sdk_read = raised
    encoded = getattr(sdk_read, 'encoded_auth_msg', None) or sdk_read.encoded_authorization_message
    replay_server.queue(403, body)

    with pytest.raises(ri.VendorApiError) as raised:
        aksk_client(replay_server, max_retries=0).restore_isolated_files([{'host_id': 'h'}])

    message = str(raised.value)
    assert encoded in message
    # the analyst's part first, whole; the long encoded reason after it, with what to decode it with
    readable = message.split(encoded)[0]
    assert sdk_read.error_code in readable and sdk_read.error_msg in readable
    assert 'decode' in readable.lower() and message.endswith(encoded)


def test_request_id_header_is_kept_when_the_body_has_none(replay_server):
    replay_server.queue(500, '<html>upstream failed</html>', headers={'X-Request-Id': 'abc123def456'})

    with pytest.raises(ri.VendorApiError, match='request id abc123def456'):
        aksk_client(replay_server, max_retries=0).restore_isolated_files([{'host_id': 'h'}])


def test_an_empty_request_id_header_is_quoted_as_no_request_id(replay_server):
    # A proxy may pass the header on empty: there is nothing for Huawei's support to trace, so nothing to quote.
    replay_server.queue(500, '<html>upstream failed</html>', headers={'X-Request-Id': ''})

    with pytest.raises(ri.VendorApiError) as raised:
        aksk_client(replay_server, max_retries=0).restore_isolated_files([{'host_id': 'h'}])

    assert 'upstream failed' in str(raised.value) and 'request id' not in str(raised.value), str(raised.value)


@pytest.mark.parametrize('kind', ['malformed', 'truncated'])
def test_an_hss_reply_that_cannot_be_read_keeps_its_request_id_for_huawei_support(hss_tenant, kind):
    # Huawei answers every request with an X-Request-Id, what its support asks for to trace a request: a 200 whose
    # body is not JSON, or is cut off, is as much HSS's (or its gateway's) fault to report as an error reply is.
    app, sent = create_hss_app(hss_tenant.gateway), []

    def answer(request):
        reply = app(request)
        sent.append(reply.headers['X-Request-Id'])
        return reply

    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={kind}*10'))
    with LoopbackServer(answer) as server:
        client = client_from_params('hss', hss_tenant.params('aksk', hss_endpoint=server.url, retry_backoff='0'))
        with pytest.raises(ri.RestoreError) as raised:
            client.list_isolated_files()

    assert f'request id {sent[-1]}' in str(raised.value), str(raised.value)


def test_listing_reads_every_page_up_to_total_num(replay_server):
    page = load_json(HSS_REPLIES / 'list_isolated_page.json')
    first = {'total_num': 3, 'data_list': page['data_list']}
    # a row of its own on the second page, so that the rows found show which page each came from
    second = {'total_num': 3, 'data_list': [dict(page['data_list'][0], file_path='C:\\Users\\Public\\page2.exe')]}
    replay_server.queue(200, first).queue(200, second)

    found = aksk_client(replay_server, enterprise_project_id='0').all_isolated_files(file_hash='abc')

    assert found == first['data_list'] + second['data_list']  # every row of each page, in the pages' order
    assert [r.query['offset'] for r in replay_server.requests] == [['0'], ['2']]
    assert replay_server.requests[0].query == {'enterprise_project_id': ['0'], 'file_hash': ['abc'],
                                               'isolation_status': ['isolated'], 'offset': ['0'],
                                               'limit': [str(facts.HSS_LIST_PAGE_SIZE)]}


def test_a_429_once_the_commands_throttling_budget_has_passed_is_the_answer_not_sent_again(replay_server):
    ticks = itertools.count(0.0, 10.0)  # each reading of the clock is 10 s later: the 1 s budget passes mid-request
    limiter = ri.AdaptiveRateLimiter(100, clock=lambda: next(ticks), sleep=lambda _: None)
    settings = ri.HssSettings(replay_server.url, PROJECT, 'aksk', access_key='MYAK', secret_key='my-secret-key')
    client = ri.HssClient(settings, ri.TransportSettings(max_retries=0), limiter=limiter)
    client.transport.wait_at_most(1)
    replay_server.queue_file(429, 'error_apigw_429.json', HSS_REPLIES)
    replay_server.queue(200, b'', HSS_ANSWER)

    with pytest.raises(ri.VendorApiError, match='HTTP 429') as raised:
        client.restore_isolated_files([{'host_id': 'h'}])

    assert len(replay_server.requests) == 1
    assert 'this command waits for throttling had passed' in str(raised.value)


# --------------------------------------------------------------------------- listings over HTTP to the emulator:
# whatever a page serves, every row up to total_num is read, once, and a listing that never serves what total_num
# promises still ends.

BULK_HASH = 'e' * 64


@pytest.fixture
def emulated(hss_tenant):
    return hss_tenant  # conftest's fresh HSS project, under this module's name


def bulk_files(tenant, count):
    """``count`` isolated copies of BULK_HASH on one host, in listing order (their paths)."""
    host = sorted(tenant.backend.hosts)[0]
    return [item['file_path'] for item in tenant.backend.add_isolated_files(host, count, file_hash=BULK_HASH)]


def listed_paths(tenant, **params):
    """The paths all_isolated_files finds for BULK_HASH."""
    client = client_from_params('hss', tenant.params(**params))
    return [row['file_path'] for row in client.all_isolated_files(file_hash=BULK_HASH)]


def listings(tenant):
    return tenant.requests_to('GET', '/event/isolated-file')


@pytest.mark.parametrize('cap', [10, 33, 150])
def test_a_listing_that_serves_fewer_rows_per_page_than_asked_is_read_whole_stepping_by_what_it_serves(emulated,
                                                                                                      cap):
    emulated.backend.max_page_rows = cap
    added = bulk_files(emulated, 5 * cap + 7)

    found = listed_paths(emulated)

    assert found == added  # every copy, once, in the listing's order
    assert len(listings(emulated)) == -(-len(added) // cap)  # once the first page shows the cap, no page is read twice
    for request in listings(emulated):
        limit = int(request.query['limit'][0])
        assert facts.HSS_LIST_LIMIT_RANGE[0] <= limit <= facts.HSS_LIST_LIMIT_RANGE[1]


def test_full_pages_are_read_once_each(emulated):
    added = bulk_files(emulated, 2 * facts.HSS_LIST_PAGE_SIZE + 50)

    assert listed_paths(emulated) == added
    assert len(listings(emulated)) == -(-len(added) // facts.HSS_LIST_PAGE_SIZE)


def test_a_listing_whose_total_num_promises_rows_it_never_serves_ends_with_every_row_it_served(emulated):
    cap, promised = 30, 100
    emulated.backend.max_page_rows = cap
    emulated.backend.total_num_surplus = promised
    added = bulk_files(emulated, 95)

    assert listed_paths(emulated) == added
    assert len(listings(emulated)) == -(-(len(added) + promised) // cap)  # each offset up to total_num, once



def test_a_total_num_past_the_largest_offset_hss_takes_is_not_followed_beyond_it(emulated):
    # A listing gone wrong (billions promised, 100 rows a page). Which offsets are asked for is the client's own
    # logic, so the pages come from a reader that records them: 20,000 pages over HTTP would only make it slow.
    client = client_from_params('hss', emulated.params())
    asked = []

    def read_page(_, offset):
        asked.append(offset)
        return {'total_num': 10 ** 10, 'data_list': [{'n': offset + i} for i in range(100)]}

    rows = client._all_pages_of_each([None], read_page, facts.HSS_LIST_PAGE_SIZE, '')[0]

    assert max(asked) <= facts.HSS_LIST_OFFSET_MAX and len(asked) == facts.HSS_LIST_OFFSET_MAX // 100 + 1
    assert len(rows) == 100 * len(asked)


@pytest.mark.parametrize('occur_time', ['1e999', 'true'])
def test_an_event_time_no_int_can_hold_is_read_as_none_given(replay_server, occur_time):
    # JSON allows 1e999, which Python reads as an infinite float, and true, which Python's int() would read as 1 (a
    # time in 1970): the event still becomes an incident, at the window's end (as one without occur_time), rather than
    # the fetch failing as a fault of the integration or dating it to 1970.
    body = ('{"total_num": 1, "data_list": [{"event_id": "e-1", "event_name": "Trojan", "host_name": "h",'
            ' "occur_time": %s}]}' % occur_time).encode()
    replay_server.queue(200, body, {'Content-Type': 'application/json'})
    now_ms = int(time.time() * 1000)  # the replay server's Date is this machine's clock: no skew to make up for

    incidents, _ = ri.fetch_hss_incidents(aksk_client(replay_server), ri.read_fetch_settings({'first_fetch': '1 hour'}),
                                          {}, now_ms)

    [incident] = incidents
    assert datetime.fromisoformat(incident['occurred'].replace('Z', '+00:00')).timestamp() * 1000 == now_ms
    assert incident_problems(incident) == []  # one XSOAR takes: its rawJSON holds no Infinity, which is not JSON


def test_an_iam_answer_without_the_x_subject_token_header_says_so_and_names_hss_iam_endpoint(replay_server):
    replay_server.queue_file(201, 'iam_token_reply.json', HSS_REPLIES)  # the body, but no token in its header
    client, _ = token_client(replay_server)

    with pytest.raises(ri.RestoreError) as raised:
        client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])

    assert 'X-Subject-Token' in str(raised.value) and 'hss_iam_endpoint' in str(raised.value)
    assert [request.path for request in replay_server.requests] == ['/v3/auth/tokens']  # HSS was never asked


@pytest.mark.parametrize('token', [{'methods': ['password']}, {'expires_at': 'tomorrow', 'issued_at': 'today'},
                                   'not an object', ['a list'], {'expires_at': '2026-13-45T25:61:00.000000Z'}])
def test_a_token_whose_reply_gives_no_readable_expiry_is_reused_for_a_while_but_never_past_iams_lifetime(
        replay_server, token):
    now = 1_800_000_000.0
    replay_server.queue(201, {'token': token}, headers={'X-Subject-Token': 'token-one'})
    replay_server.queue(200, b'', HSS_ANSWER).queue(200, b'', HSS_ANSWER)
    client, provider = token_client(replay_server, clock=lambda: now)

    client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])
    client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'y'}])

    assert [request.path for request in replay_server.requests].count('/v3/auth/tokens') == 1
    kept_for = provider.cache_entry()['expires_at'] - now
    assert facts.TOKEN_REFRESH_MARGIN_SECONDS < kept_for <= facts.IAM_TOKEN_LIFETIME_S


# huaweicloudsdkhss v5 IsolatedFileResponseInfo: each field read (host_id, host_name, file_hash, file_path,
# isolation_status) is a String, so a row that is no object, or gives one as a number, is no data_list the API gives.
@pytest.mark.parametrize('body', [{'total_num': 3}, {'total_num': 3, 'data_list': {'host_id': 'h'}},
                                  {'error_msg': 'not the listing'}, {'total_num': 1, 'data_list': [['h']]},
                                  {'total_num': 1, 'data_list': [{'host_id': 42, 'file_hash': 'abc'}]}])
def test_a_listing_answered_without_a_data_list_says_so_and_names_hss_endpoint(replay_server, body):
    replay_server.queue(200, body)

    with pytest.raises(ri.RestoreError) as raised:
        aksk_client(replay_server).all_isolated_files(file_hash='abc')

    assert 'isolated files' in str(raised.value) and 'data_list' in str(raised.value)
    assert 'hss_endpoint' in str(raised.value)


@pytest.mark.parametrize('body', [{'total_num': 0}, {'total_num': 0, 'data_list': None}])
def test_a_listing_of_nothing_that_leaves_out_its_data_list_is_read_as_no_rows(replay_server, body):
    # huaweicloudsdkhss v5 ListIsolatedFileResponse: data_list is optional (None unless given), so HSS may answer a
    # listing of nothing (total_num 0) without it, or with null: no isolated file, not a broken reply.
    replay_server.queue(200, body)

    found = aksk_client(replay_server).all_isolated_files(file_hash='abc')

    assert found == []
    assert len(replay_server.requests) == 1


def test_a_listing_answered_with_http_300_is_an_error_not_read_as_hss_s_rows(replay_server):
    # A 3xx that is no redirect (300 Multiple Choices, no Location) comes back from the transport: only a 2xx is an
    # answer of HSS's, so a listing-shaped body with it is not taken as the copies HSS lists.
    replay_server.queue(300, {'total_num': 1, 'data_list': [{'host_id': 'h', 'file_hash': 'abc'}]})

    with pytest.raises(ri.VendorApiError) as raised:
        aksk_client(replay_server, max_retries=0).all_isolated_files(file_hash='abc')

    assert raised.value.http_status == 300 and 'HTTP 300' in str(raised.value)
    assert len(replay_server.requests) == 1


@pytest.mark.parametrize('expires_at', ['soon', None, [1], {'at': 1}, True])
def test_a_cached_token_whose_expiry_is_no_number_is_not_used_and_a_new_one_is_fetched(replay_server, expires_at):
    settings = ri.HssSettings(replay_server.url, PROJECT, 'token', iam_url=replay_server.url, domain='acme-corp',
                              username='soar-restore', password='iam-password-value')
    stored = {'identity': ri.token_identity(settings), 'token': 'cached-token', 'expires_at': expires_at}
    queue_token(replay_server, 'fresh-token')
    replay_server.queue(200, b'', HSS_ANSWER)
    client, provider = token_client(replay_server, stored=stored)

    client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])

    assert [request.path for request in replay_server.requests][0] == '/v3/auth/tokens'
    assert replay_server.requests[-1].headers['X-Auth-Token'] == 'fresh-token'
    assert provider.cache_entry()['token'] == 'fresh-token'


# --------------------------------------------------------------------------- a password IAM refused, run after run

IAM_TOKENS = '/v3/auth/tokens'
WALL_NOW = 1_795_000_000.0  # 2026-11-18 11:06:40 UTC


def locking_tenant(least_maximum=False):
    """The emulated project and its IAM on a wall clock the test moves (``tenant.wall``), the integration's too.
    ``least_maximum``: IAM locks at the least number of failed logins its policy allows."""
    from conftest import FakeClock, start_hss_tenant
    from warroom.emulator.hss.models import LoginPolicy
    wall = FakeClock(WALL_NOW)
    tenant = start_hss_tenant(wall_clock=wall)
    tenant.wall = wall
    if least_maximum:
        tenant.backend.login_policy = LoginPolicy(login_failed_times=facts.IAM_LOCKOUT_LEAST_FAILED_LOGINS)
    return tenant


def one_run(tenant, kept, password=None, username=None, clock=None):
    """One command (or fetch) of the instance: its client reads what the last run kept in the integration context
    (JSON text), lists once, its token clock ``clock`` (this machine's; else the tenant's wall clock); returns (its
    error or None, what it keeps)."""
    credentials = {'identifier': username or tenant.base_params['hss_credentials']['identifier'],
                   'password': password or tenant.base_params['hss_credentials']['password']}
    params = tenant.params('token', hss_credentials=credentials, retry_backoff='0')
    client = ri.HssClient(ri.read_hss_settings(params), ri.read_transport_settings(params),
                          json.loads(kept) if kept else None, token_clock=clock or tenant.wall)
    try:
        client.list_isolated_files()
        error = None
    except ri.RestoreError as raised:
        error = raised
    entry = client.token_provider.cache_entry()
    return error, json.dumps(entry) if entry else None


def test_a_later_run_within_iam_s_lockout_period_sends_no_refused_password_and_says_when_it_will():
    tenant = locking_tenant()
    try:
        first, kept = one_run(tenant, None, password='not-the-password')
        tenant.wall.advance(facts.IAM_LOCKOUT_PERIOD_S - 1)
        later, kept_later = one_run(tenant, kept, password='not-the-password')
    finally:
        tenant.stack.close()

    assert 'Huawei Cloud IAM answered HTTP 401' in str(first)
    assert len(tenant.requests_to('POST', IAM_TOKENS)) == 1 and tenant.requests_to('GET', 'isolated-file') == []
    message = str(later)
    assert facts.IAM_WRONG_PASSWORD[1] in message
    assert 'at 2026-11-18 11:06:40 UTC' in message and 'before 2026-11-18 11:21:40 UTC' in message
    # and why, in IAM's own numbers (README: "5 failed logins within 15 minutes lock the IAM user")
    assert f'{facts.IAM_LOCKOUT_FAILED_LOGINS} failed logins in {facts.IAM_LOCKOUT_PERIOD_S // 60} minutes' in message
    assert 'Test in the instance settings sends it at once' in message
    assert kept_later == kept and 'not-the-password' not in kept


def test_a_password_is_sent_again_once_iam_s_lockout_period_has_passed_and_a_token_replaces_the_refusal():
    tenant = locking_tenant()
    try:
        _, kept = one_run(tenant, None, password='not-the-password')
        tenant.wall.advance(facts.IAM_LOCKOUT_PERIOD_S)
        error, kept = one_run(tenant, kept)  # the admin corrected the password meanwhile
    finally:
        tenant.stack.close()

    assert error is None and len(tenant.requests_to('POST', IAM_TOKENS)) == 2
    assert set(json.loads(kept)) == {'identity', 'token', 'expires_at'}


def test_the_refusal_kept_replaces_a_cached_token_that_ran_out_so_a_changed_password_is_not_sent_run_after_run():
    # The password was changed in IAM but not in XSOAR: the cached token works until it is about to expire (IAM
    # tokens last 24 h), then the next token request is refused. That refusal must replace the dying token in the
    # cache, or every later run (a fetch every minute) finds the token again, sends the wrong password again, and IAM
    # locks the user out.
    tenant = locking_tenant()
    try:
        error, kept = one_run(tenant, None)  # the right password: a token, cached
        assert error is None and 'token' in json.loads(kept)
        tenant.wall.advance(facts.IAM_TOKEN_LIFETIME_S)  # the token is spent
        runs = [one_run(tenant, kept, password='not-the-password')]
        for _ in range(facts.IAM_LOCKOUT_FAILED_LOGINS):
            tenant.wall.advance(60)
            runs.append(one_run(tenant, runs[-1][1], password='not-the-password'))
        locked = tenant.backend.is_locked(tenant.base_params['hss_domain'],
                                          tenant.base_params['hss_credentials']['identifier'])
    finally:
        tenant.stack.close()

    assert len(tenant.requests_to('POST', IAM_TOKENS)) == 2 and not locked  # the token, then one refused password
    assert 'Huawei Cloud IAM answered HTTP 401' in str(runs[0][0])
    assert all(set(json.loads(kept)) == {'identity', 'refused_at', 'code', 'message', 'password_mark'}
               for _, kept in runs)
    assert all('not sent again before' in str(error) for error, _ in runs[1:])


def test_a_refusal_kept_for_another_iam_user_does_not_hold_back_this_one():
    tenant = locking_tenant()
    try:
        _, kept = one_run(tenant, None, username='someone-else', password='not-the-password')
        error, kept = one_run(tenant, kept)
    finally:
        tenant.stack.close()

    assert error is None and 'token' in json.loads(kept)


@settings(max_examples=30)
@given(st.lists(st.floats(min_value=0, max_value=2 * facts.IAM_LOCKOUT_PERIOD_S), min_size=1, max_size=15))
def test_runs_at_any_times_with_a_refused_password_never_lock_the_user_even_at_the_policy_s_least_maximum(gaps):
    tenant = locking_tenant(least_maximum=True)
    sent_at, kept = [], None
    try:
        for gap in gaps:
            tenant.wall.advance(gap)
            before = len(tenant.requests_to('POST', IAM_TOKENS))
            error, kept = one_run(tenant, kept, password='not-the-password')
            if len(tenant.requests_to('POST', IAM_TOKENS)) > before:
                sent_at.append(tenant.wall())
            assert facts.IAM_ACCOUNT_LOCKED[1] not in str(error)
        assert not tenant.backend.is_locked(tenant.base_params['hss_domain'],
                                            tenant.base_params['hss_credentials']['identifier'])
    finally:
        tenant.stack.close()
    assert all(later - earlier >= facts.IAM_LOCKOUT_PERIOD_S for earlier, later in zip(sent_at, sent_at[1:]))


def aksk_tenant():
    """A locking_tenant whose wall clock starts at this machine's (the signature's X-Sdk-Date is dated by it), and
    whose gateway takes any skew (the test moves its wall clock on by the hour)."""
    from conftest import FakeClock, start_hss_tenant
    wall = FakeClock(time.time())
    tenant = start_hss_tenant(wall_clock=wall)
    tenant.wall, tenant.gateway.skew_tolerance_s = wall, 10 ** 9
    return tenant


def one_aksk_run(tenant, kept, secret_key=None, access_key=None):
    """One command (or fetch) with an access key: as one_run; returns (its error or None, what it keeps)."""
    aksk = {'identifier': access_key or tenant.base_params['hss_aksk']['identifier'],
            'password': secret_key or tenant.base_params['hss_aksk']['password']}
    params = tenant.params('aksk', hss_aksk=aksk, retry_backoff='0')
    client = ri.HssClient(ri.read_hss_settings(params), ri.read_transport_settings(params),
                          json.loads(kept) if kept else None, token_clock=tenant.wall)
    try:
        client.list_isolated_files()
        error = None
    except ri.RestoreError as raised:
        error = raised
    entry = client.cache_entry()
    return error, json.dumps(entry) if entry else None


def test_runs_each_minute_with_a_secret_key_the_gateway_refused_send_it_once_a_pause_and_never_lock_the_key():
    tenant = aksk_tenant()
    access_key, sent_at, runs, kept = tenant.base_params['hss_aksk']['identifier'], [], [], None
    try:
        for _ in range(2 * facts.AKSK_REFUSAL_PAUSE_S // 60 + 1):  # a run each minute over two pauses
            before = len(tenant.requests_to('GET', 'isolated-file'))
            error, kept = one_aksk_run(tenant, kept, secret_key='Wrong' + 'x' * 35)
            runs.append(error)
            if len(tenant.requests_to('GET', 'isolated-file')) > before:
                sent_at.append(tenant.wall())
            assert not tenant.gateway.aksk_locked(access_key)
            tenant.wall.advance(60)
    finally:
        tenant.stack.close()

    start = sent_at[0]
    assert sent_at == [start, start + facts.AKSK_REFUSAL_PAUSE_S, start + 2 * facts.AKSK_REFUSAL_PAUSE_S]
    assert facts.HSS_GATEWAY_AUTH_FAILED[0] in str(runs[1]) and 'not sent again before' in str(runs[1])
    assert set(json.loads(kept)) == {'identity', 'refused_at', 'code', 'message', 'password_mark'}
    assert 'Wrong' + 'x' * 35 not in kept


# Fixed, not drawn at random as start_hss_tenant's are: the refusal kept tells secret keys apart by an 8-bit mark salted
# with the access key, so a random pair shared the refused key's mark 1 run in 256, and the corrected key was held back
# (README: "a corrected secret key (255 times in 256) ... goes at once"). One of each, pinned.
PINNED_ACCESS_KEY, REFUSED_SECRET_KEY = 'AKPINNEDACCESSKEY01', 'Wrong' + 'x' * 35
CORRECTED_SECRET_KEYS = {'secret key': 'Corrected-secret-key-0000',  # another mark
                         'secret key of the refused mark': 'Corrected-secret-key-0319'}


@pytest.mark.parametrize('corrected', ['secret key', 'secret key of the refused mark', 'access key'])
def test_a_corrected_secret_key_or_another_access_key_goes_at_once_unless_it_has_the_refused_key_s_mark(corrected):
    tenant = aksk_tenant()
    try:
        tenant.backend.add_access_key(PINNED_ACCESS_KEY, CORRECTED_SECRET_KEYS.get(corrected, 'never sent'))
        _, kept = one_aksk_run(tenant, None, secret_key=REFUSED_SECRET_KEY, access_key=PINNED_ACCESS_KEY)
        tenant.wall.advance(60)
        if corrected in CORRECTED_SECRET_KEYS:
            error, kept_after = one_aksk_run(tenant, kept, secret_key=CORRECTED_SECRET_KEYS[corrected],
                                             access_key=PINNED_ACCESS_KEY)
        else:  # another access key, itself wrong: refused by the gateway, not held back by the first one's refusal
            error, kept_after = one_aksk_run(tenant, kept, secret_key=REFUSED_SECRET_KEY,
                                             access_key='ANOTHERACCESSKEY0000')
    finally:
        tenant.stack.close()

    refused_mark = ri.secret_mark(REFUSED_SECRET_KEY, PINNED_ACCESS_KEY)
    assert [ri.secret_mark(key, PINNED_ACCESS_KEY) == refused_mark for key in CORRECTED_SECRET_KEYS.values()] == [
        False, True]  # each pinned key is of the mark its name says
    sent = len(tenant.requests_to('GET', 'isolated-file'))
    if corrected == 'secret key':
        assert sent == 2 and error is None and kept_after is None  # the refusal kept is dropped once the key works
    elif corrected == 'secret key of the refused mark':  # held back, as the refused key is, until the pause ends
        assert sent == 1 and 'not sent again before' in str(error) and kept_after == kept, str(error)
    else:
        assert sent == 2 and 'HTTP 401' in str(error)


def test_a_refused_secret_key_is_kept_as_the_first_byte_of_its_pbkdf2_salted_with_the_access_key_as_readme_says():
    # The mark is what a later run, maybe of another version of the pack, reads the refusal kept in the context by:
    # README spells it out, so it is computed here from README's words, not from the script.
    tenant = aksk_tenant()
    access_key, secret_key = tenant.base_params['hss_aksk']['identifier'], 'Wrong' + 'x' * 35
    try:
        _, kept = one_aksk_run(tenant, None, secret_key=secret_key)
    finally:
        tenant.stack.close()

    documented = hashlib.pbkdf2_hmac('sha256', secret_key.encode(), access_key.encode(), facts.SECRET_MARK_ROUNDS)[0]
    assert json.loads(kept)['password_mark'] == documented


def test_a_refusal_kept_without_a_mark_for_another_access_key_holds_back_nothing_of_this_one():
    # Unmarked (as an earlier version kept it), a refusal holds back any secret key, but only of the access key it was
    # kept for: the gateway counts its refusals in a row, and locks, by access key.
    tenant = aksk_tenant()
    try:
        _, kept = one_aksk_run(tenant, None, secret_key='Wrong' + 'x' * 35, access_key='ANOTHERACCESSKEY0000')
        unmarked = {key: value for key, value in json.loads(kept).items() if key != 'password_mark'}
        tenant.wall.advance(60)
        error, kept = one_aksk_run(tenant, json.dumps(unmarked))
    finally:
        tenant.stack.close()

    assert error is None and kept is None and len(tenant.requests_to('GET', 'isolated-file')) == 2


def test_a_right_secret_key_met_by_a_lock_another_tool_caused_is_told_the_lock_and_goes_once_it_ended():
    # The gateway locks an access key for 5 minutes once it refused 5 of its requests in a row, and then refuses even
    # a right signature: the lock (maybe another tool's wrong secret key) is no verdict on this instance's secret key.
    tenant = aksk_tenant()
    access_key = tenant.base_params['hss_aksk']['identifier']
    try:
        for _ in range(facts.HSS_AK_LOCKOUT_FAILURES):  # another tool, its own runs, signing with a wrong secret key
            one_aksk_run(tenant, None, secret_key='Wrong' + 'x' * 35)
        assert tenant.gateway.aksk_locked(access_key)
        locked, kept = one_aksk_run(tenant, None)
        tenant.wall.advance(facts.HSS_AK_LOCKOUT_S)
        after, kept = one_aksk_run(tenant, kept)
    finally:
        tenant.stack.close()

    assert facts.HSS_AK_LOCKED[1].split(': ')[1] in str(locked)
    assert re.search(r'locked .*\b5 minutes', str(locked)) and 'another tool' in str(locked), str(locked)
    assert 'Check the access key and the secret key' not in str(locked)  # the key is right: no word calls it wrong
    assert after is None and kept is None
    assert len(tenant.requests_to('GET', 'isolated-file')) == facts.HSS_AK_LOCKOUT_FAILURES + 2


@pytest.mark.parametrize('secret', ['password', 'secret key'])
def test_a_run_paused_by_a_refusal_kept_says_what_to_check_as_the_refusal_itself_did(secret):
    # The paused run is what the admin reads for the next 15 minutes: it must lead where the vendor's 401 led.
    tenant = locking_tenant() if secret == 'password' else aksk_tenant()
    run = one_run if secret == 'password' else one_aksk_run
    wrong = {'password': 'not-the-password'} if secret == 'password' else {'secret_key': 'Wrong' + 'x' * 35}
    try:
        first, kept = run(tenant, None, **wrong)
        tenant.wall.advance(60)
        later, _ = run(tenant, kept, **wrong)
    finally:
        tenant.stack.close()

    assert 'HTTP 401' in str(first) and 'not sent again before' in str(later)
    assert first.advice and first.advice in str(later)


@settings(max_examples=20, deadline=None)  # Cf: one inside a setting is refused (test_instance_settings -k invisible)
@given(st.text(st.characters(blacklist_categories=('Cc', 'Cs', 'Cf')), min_size=8, max_size=40).filter(
    lambda text: len(text.strip()) >= 8))  # 8 or more: a shorter one may be a piece of the words kept
@example('000000.0')  # digits of the time of the refusal (1795000000.0), which the kept refusal holds as a number
def test_a_refused_password_of_any_text_still_saved_stays_paused_and_nothing_of_it_is_kept(password):
    # A mark of the refused password tells a corrected one apart; the same one, whatever its characters (blanks,
    # quotes, letters past ASCII), must still meet the pause, and the refusal kept must hold nothing of it.
    tenant = locking_tenant()
    try:
        # The refusal keeps IAM's own words and whose login it was: a password spelled inside them proves nothing
        said = (facts.IAM_WRONG_PASSWORD[1], tenant.base_params['hss_domain'], tenant.base_params['hss_project_id'],
                tenant.base_params['hss_credentials']['identifier'])
        assume(all(password.strip() not in text for text in said))
        first, kept = one_run(tenant, None, password=password)
        tenant.wall.advance(60)
        later, kept_later = one_run(tenant, kept, password=password)
    finally:
        tenant.stack.close()

    assert 'Huawei Cloud IAM answered HTTP 401' in str(first) and 'not sent again before' in str(later)
    assert len(tenant.requests_to('POST', IAM_TOKENS)) == 1 and kept_later == kept
    kept = json.loads(kept)
    # the time of the refusal is the clock's (the first run's, before the 60 s), whatever digits a password shares
    assert type(kept.pop('password_mark')) is int and WALL_NOW <= kept.pop('refused_at') < WALL_NOW + 60
    assert password.strip() not in json.dumps(kept, ensure_ascii=False)


def test_iam_refusing_the_project_names_hss_project_id_in_the_error_and_in_the_later_runs_pause():
    # A project ID copied from another region or account: IAM refuses the token request with a 401, as it refuses a
    # wrong password (README, the emulated IAM: "a project the user lacks a 401 too"). The advice must lead there too,
    # not only to the account name and the password, which are right.
    tenant = locking_tenant()
    try:
        params = tenant.params('token', hss_project_id=PROJECT, retry_backoff='0')  # not the seed's project
        errors, kept = [], None
        for _ in range(2):  # the run IAM refuses, then a run within the pause, which only repeats what IAM said
            client = ri.HssClient(ri.read_hss_settings(params), ri.read_transport_settings(params), kept,
                                  token_clock=tenant.wall)
            with pytest.raises(ri.RestoreError) as raised:
                client.list_isolated_files()
            errors.append(str(raised.value))
            kept = client.token_provider.cache_entry()
    finally:
        tenant.stack.close()

    assert len(tenant.requests_to('POST', IAM_TOKENS)) == 1
    assert 'HTTP 401' in errors[0] and 'not sent again before' in errors[1]
    for error in errors:
        assert 'hss_project_id' in error


@pytest.mark.parametrize('not_text', [{'reason': 'denied'}, 12345, ['a', 'b']])
def test_a_refusal_whose_encoded_reason_is_not_text_gives_no_advice_to_decode_it(replay_server, not_text):
    # IAM's DecodeAuthorizationMessage takes encoded_authorization_message as a string in its request body: a value of
    # another type is nothing it decodes, so no one is told to decode it.
    body = dict(load_json(HSS_REPLIES / 'error_policy_denied_403.json'), encoded_authorization_message=not_text)
    replay_server.queue(403, body)

    with pytest.raises(ri.VendorApiError) as raised:
        aksk_client(replay_server, max_retries=0).restore_isolated_files([{'host_id': 'h'}])

    message = str(raised.value)
    assert body['error_code'] in message and body['error_msg'] in message, message
    assert 'DecodeAuthorizationMessage' not in message and 'decode' not in message.lower(), message


def test_an_identity_policy_refusal_names_the_decode_api_s_path_and_action_as_the_readme_does(replay_server):
    # README (Errors): the refusal says to decode the encoded reason with IAM's DecodeAuthorizationMessage API, naming
    # its path and the action that allows it: whoever is told to decode it needs both to call it, or be allowed to.
    import re
    from conftest import ROOT
    said = ' '.join((ROOT / 'README.md').read_text().split())
    path, action = re.search(r'DecodeAuthorizationMessage API \(`(POST /v5/[^`]+)`, action `(sts::[^`]+)`\)',
                             said).groups()
    replay_server.queue(403, load_json(HSS_REPLIES / 'error_policy_denied_403.json'))

    with pytest.raises(ri.VendorApiError) as raised:
        aksk_client(replay_server, max_retries=0).restore_isolated_files([{'host_id': 'h'}])

    assert path in str(raised.value) and action in str(raised.value), str(raised.value)
