"""Our SDK-HMAC-SHA256 signer against the official huaweicloudsdkcore Signer, on generated requests."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import quote, urlencode, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st

import restore_integration as ri


pytestmark = pytest.mark.usefixtures('sdk_home')  # conftest: the SDK writes no file in the real home


def official_signature(ak, sk, method, host, path, query_pairs, headers, body):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    request = SdkRequest(method=method, schema='https', host=host, resource_path=path,
                         query_params=list(query_pairs), header_params=dict(headers), body=body)
    return Signer(BasicCredentials(ak, sk)).sign(request).header_params['Authorization']


text = st.text(st.characters(blacklist_categories=('Cs', 'Cc')), min_size=1, max_size=20)
path_segments = st.lists(st.text(st.characters(blacklist_categories=('Cs', 'Cc'), blacklist_characters='/?#%'),
                                 min_size=1, max_size=12), min_size=1, max_size=4)
header_values = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=30)


@given(method=st.sampled_from(['GET', 'PUT', 'POST', 'DELETE']),
       segments=path_segments,
       query=st.lists(st.tuples(text, text), max_size=4),
       extra_headers=st.dictionaries(st.from_regex(r'[a-z][a-z0-9-]{0,10}', fullmatch=True), header_values,
                                     max_size=3),
       body=st.one_of(st.just(b''), st.binary(max_size=200),
                      st.dictionaries(text, text, max_size=3).map(lambda d: json.dumps(d).encode())),
       sk=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=40))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_signature_matches_the_official_signer(method, segments, query, extra_headers, body, sk):
    path = '/' + '/'.join(segments)
    headers = {'X-Sdk-Date': '20261122T101500Z', 'Host': 'hss.ap-southeast-1.myhuaweicloud.com',
               'Content-Type': 'application/json', **extra_headers}
    signed = sorted(name.lower() for name in headers)

    ours = ri.sdk_signature(sk, method, path, query, headers, signed, body)

    official = official_signature('AK', sk, method, headers['Host'], path, query, headers, body)
    assert official.endswith(f'Signature={ours}')
    assert f'SignedHeaders={";".join(signed)}' in official


@given(query=st.lists(st.tuples(text, text), max_size=4), body=st.binary(max_size=100))
@settings(max_examples=100)
def test_requests_signed_by_the_auth_object_match_the_official_signer(query, body):
    fixed = datetime(2026, 11, 22, 10, 15, tzinfo=timezone.utc)
    auth = ri.HuaweiAkSkAuth('MYACCESSKEY', 'my/secret+key', project_id='0123456789abcdef0123456789abcdef',
                             clock=lambda: fixed)
    url = 'https://hss.ap-southeast-1.myhuaweicloud.com/v5/0123456789abcdef0123456789abcdef/event/isolated-file'
    # Percent-encoded as RFC 3986 (a blank as %20, + as %2B), the form Huawei's SDK sends and the client's listings use
    prepared = requests.Request('PUT', url + ('?' + urlencode(query, quote_via=quote) if query else ''), data=body,
                                headers={'Content-Type': 'application/json'}, auth=auth).prepare()

    parts = urlsplit(prepared.url)
    signed_names = ['content-type', 'host', 'x-project-id', 'x-sdk-date']
    headers = {name: prepared.headers[name] for name in ('Content-Type', 'Host', 'X-Project-Id', 'X-Sdk-Date')}
    official = official_signature('MYACCESSKEY', 'my/secret+key', 'PUT', parts.netloc, parts.path, query,
                                  headers, body)
    assert prepared.headers['Authorization'] == official
    assert prepared.headers['X-Sdk-Date'] == '20261122T101500Z'
    assert f'SignedHeaders={";".join(signed_names)}' in official


def test_the_auth_object_never_shows_the_secret_key():
    auth = ri.HuaweiAkSkAuth('AK', 'my-secret', 'PROJECT')
    # each way a log line or a message may show it: repr, str, an f-string, inside a container's repr
    for shown in (repr(auth), str(auth), f'{auth}', repr([auth]), repr({'auth': auth})):
        assert 'my-secret' not in shown, shown


def test_a_query_holding_a_literal_plus_is_signed_as_the_gateway_reads_it_a_plus_sign():
    # RFC 3986 (and Huawei's API Gateway, as the emulated one reads its signing guide): a + in a query is a plus sign,
    # not a form's blank. A URL written with one must be signed so, or the gateway answers 401 to a good key.
    from conftest import start_hss_tenant
    tenant = start_hss_tenant()
    try:
        keys, project = tenant.base_params['hss_aksk'], tenant.base_params['hss_project_id']
        auth = ri.HuaweiAkSkAuth(keys['identifier'], keys['password'], project_id=project)
        reply = requests.get(f'{tenant.url}/v5/{project}/event/isolated-file?file_hash=a+b&limit=10', auth=auth,
                             timeout=10)
    finally:
        tenant.stack.close()

    assert reply.status_code == 200, reply.text
    [listing] = tenant.requests_to('GET', 'isolated-file')
    assert listing.query['file_hash'] == ['a+b']


@pytest.mark.parametrize('method, path, query, header, body', [
    pytest.param('put', '/v5/p/event/isolated-file', [], {}, b'{}', id='a-lower-case-method'),
    pytest.param('GET', '/v5/p/event/isolated-file/', [], {}, b'', id='a-path-that-ends-in-a-slash'),
    pytest.param('GET', '/v5/p/event/isolated-file', [('file_path', '/tmp/a~b')], {}, b'', id='a-slash-in-the-query'),
    pytest.param('PUT', '/v5/p/event/isolated-file', [], {'X-Project-Id': ' p\t'}, b'{}', id='blanks-around-a-value'),
    pytest.param('PUT', '/v5/p/event/isolated-file', [], {'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD'}, b'{}',
                 id='the-payload-hash-in-its-header'),
])
def test_a_request_unlike_the_generated_ones_is_signed_as_the_official_signer_signs_it(method, path, query, header,
                                                                                        body):
    # What the generated requests above seldom or never hold: the official Signer upper-cases the method, ends the
    # canonical URI with one slash, encodes a / in a query value, drops blanks around a header value, and signs an
    # X-Sdk-Content-Sha256 header's value in place of the body's hash.
    headers = {'X-Sdk-Date': '20261122T101500Z', 'Host': 'hss.ap-southeast-1.myhuaweicloud.com',
               'Content-Type': 'application/json', **header}
    signed = sorted(name.lower() for name in headers)

    ours = ri.sdk_signature('SK', method, path, query, headers, signed, body)

    assert official_signature('AK', 'SK', method, headers['Host'], path, query, headers, body).endswith(
        f'Signature={ours}')


def test_a_query_value_left_blank_is_signed_as_the_official_signer_signs_it():
    # A name with an empty value is still in the query the gateway reads ("flag="), so the signature covers it.
    fixed = datetime(2026, 11, 22, 10, 15, tzinfo=timezone.utc)
    auth = ri.HuaweiAkSkAuth('AK', 'SK', project_id='0123456789abcdef0123456789abcdef', clock=lambda: fixed)
    url = 'https://hss.ap-southeast-1.myhuaweicloud.com/v5/0123456789abcdef0123456789abcdef/event/isolated-file'
    prepared = requests.Request('GET', url + '?host_name=&limit=10', auth=auth).prepare()

    headers = {name: prepared.headers[name] for name in ('Host', 'X-Project-Id', 'X-Sdk-Date')}
    assert prepared.headers['Authorization'] == official_signature(
        'AK', 'SK', 'GET', headers['Host'], urlsplit(url).path, [('host_name', ''), ('limit', '10')], headers, b'')
