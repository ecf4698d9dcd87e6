"""The emulated API Gateway's SDK-HMAC-SHA256 check (warroom/emulator/hss/signature.py) against the official
huaweicloudsdkcore Signer: whatever the official Signer signs verifies once it has crossed the wire, and a request
changed in any signed part after signing does not.

The integration's own signer is tested against the same Signer in test_hss_signer.py; neither side is tested
against the other, so a mistake both made alike would still fail here or there.
"""
from __future__ import annotations

import dataclasses
import json
import threading
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st

from test_hss_emulator import AK, PROJECT, SEED, SINGLE, SK, WALL_NOW
from warroom.emulator.hss import HssBackend, HssGateway, create_app
from warroom.emulator.hss import signature
from warroom.emulator.httpserver import Headers, LoopbackServer, Request, Response

SDK_DATE, NEXT_SECOND = (datetime.fromtimestamp(moment, tz=timezone.utc).strftime(signature.DATE_FORMAT)
                         for moment in (WALL_NOW, WALL_NOW + 1))


pytestmark = pytest.mark.usefixtures('sdk_home')  # conftest: the SDK writes no file in the real home


class CaptureServer:
    """Keeps the last request as httpserver parsed it off the wire, so the verifier sees what a gateway sees."""

    def __init__(self):
        self._lock = threading.Lock()
        self.last: Request | None = None
        self.server = LoopbackServer(self._app).start()
        self.netloc = urlsplit(self.server.url).netloc
        self.http = requests.Session()

    def _app(self, request: Request) -> Response:
        with self._lock:
            self.last = request
        return Response(204)

    def receive(self, signed) -> Request:
        """Send an SdkRequest the official Signer signed, as the SDK sends it (path, then its canonical query)."""
        response = self.http.request(signed.method, f'{self.server.url}{signed.uri}', headers=signed.header_params,
                                     data=signed.body or b'', timeout=5)
        assert response.status_code == 204
        with self._lock:
            return self.last


@pytest.fixture(scope='module')
def wire():
    capture = CaptureServer()
    yield capture
    capture.http.close()
    capture.server.stop()


def official_signed(method, host, path, query_pairs, headers, body, sk=SK, ak=AK):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    request = SdkRequest(method=method, schema='http', host=host, resource_path=path,
                         query_params=list(query_pairs), header_params={'X-Sdk-Date': SDK_DATE, **headers}, body=body)
    return Signer(BasicCredentials(ak, sk)).sign(request)


def verifies(request: Request, sk: str = SK) -> bool:
    return signature.verify(sk, request, signature.parse_authorization(request.headers['Authorization']))


def with_header(request: Request, name: str, value: str) -> Request:
    headers = {key: existing for key, existing in request.headers.items() if key.lower() != name.lower()}
    return dataclasses.replace(request, headers=Headers({**headers, name: value}))


def changed(text: str, index: int) -> str:
    """``text`` with one character replaced by another."""
    index %= len(text)
    return text[:index] + ('b' if text[index] == 'a' else 'a') + text[index + 1:]


text = st.text(st.characters(blacklist_categories=('Cs', 'Cc')), min_size=1, max_size=20)
# Not "." or "..": requests drops those segments from a URL before sending it, after the SDK signed them.
path_segments = st.lists(st.text(st.characters(blacklist_categories=('Cs', 'Cc'), blacklist_characters='/?#%'),
                                 min_size=1, max_size=12).filter(lambda segment: segment not in ('.', '..')),
                         min_size=1, max_size=4)
header_names = st.from_regex(r'x-[a-z][a-z0-9-]{0,10}', fullmatch=True).filter(
    lambda name: name not in ('x-sdk-date', 'x-sdk-content-sha256'))  # the Signer's own
# Any text the SDK can put in a header (it sends the UTF-8 bytes), but not what HTTP or requests refuse there.
header_values = st.text(st.characters(blacklist_categories=('Cs', 'Cc', 'Zl', 'Zp')), min_size=1, max_size=30) \
    .filter(lambda value: value.strip() == value)
bodies = st.one_of(st.just(b''), st.binary(min_size=1, max_size=200),
                   st.dictionaries(text, text, max_size=3).map(lambda d: json.dumps(d).encode()))
# application/json: the body is signed; anything else: the SDK signs UNSIGNED-PAYLOAD instead; none: signed.
content_types = st.sampled_from([None, 'application/json', 'application/json;charset=UTF-8', 'text/plain',
                                 'application/octet-stream'])
methods = st.sampled_from(['GET', 'PUT', 'POST', 'DELETE', 'PATCH'])
secret_keys = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=40)


def generated_request(wire, method, segments, query, extra_headers, content_type, body, sk):
    headers = dict(extra_headers)
    if content_type is not None:
        headers['Content-Type'] = content_type
    signed = official_signed(method, wire.netloc, '/' + '/'.join(segments), query, headers, body, sk=sk)
    return wire.receive(signed)


@given(method=methods, segments=path_segments, query=st.lists(st.tuples(text, text), max_size=4),
       extra_headers=st.dictionaries(header_names, header_values, max_size=3), content_type=content_types,
       body=bodies, sk=secret_keys)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
def test_every_request_the_official_signer_signs_verifies_after_the_wire(wire, method, segments, query,
                                                                        extra_headers, content_type, body, sk):
    received = generated_request(wire, method, segments, query, extra_headers, content_type, body, sk)

    assert verifies(received, sk)
    assert not verifies(received, sk + 'x')


@given(method=methods, segments=path_segments, query=st.lists(st.tuples(text, text), min_size=1, max_size=4),
       extra_headers=st.dictionaries(header_names, header_values, min_size=1, max_size=3),
       content_type=st.sampled_from([None, 'application/json']), body=st.binary(min_size=1, max_size=200),
       part=st.sampled_from(['method', 'path', 'query name', 'query value', 'header', 'date', 'host', 'body',
                             'signature', 'signed headers']),
       position=st.integers(min_value=0, max_value=1000))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
def test_a_request_changed_in_any_signed_part_after_signing_does_not_verify(wire, method, segments, query,
                                                                           extra_headers, content_type, body, part,
                                                                           position):
    received = generated_request(wire, method, segments, query, extra_headers, content_type, body, SK)
    assert verifies(received)
    authorization = received.headers['Authorization']

    if part == 'method':
        tampered = dataclasses.replace(received, method='HEAD' if received.method != 'HEAD' else 'GET')
    elif part == 'path':
        tampered = dataclasses.replace(received, path=received.path + 'x')
    elif part in ('query name', 'query value'):
        name = sorted(received.query)[position % len(received.query)]
        query_now = {key: list(values) for key, values in received.query.items()}
        if part == 'query name':
            query_now[name + 'x'] = query_now.pop(name)
        else:
            query_now[name][0] = changed(query_now[name][0] + 'x', position)
        tampered = dataclasses.replace(received, query=query_now)
    elif part == 'header':
        name = sorted(extra_headers)[position % len(extra_headers)]
        tampered = with_header(received, name, changed(received.headers[name], position))
    elif part == 'date':
        tampered = with_header(received, 'X-Sdk-Date', NEXT_SECOND)
    elif part == 'host':
        tampered = with_header(received, 'Host', 'hss.example.com')
    elif part == 'body':
        index = position % len(received.body)
        tampered = dataclasses.replace(received, body=received.body[:index] + bytes([received.body[index] ^ 1])
                                       + received.body[index + 1:])
    elif part == 'signature':
        digit = authorization[-1]
        tampered = with_header(received, 'Authorization', authorization[:-1] + ('0' if digit != '0' else '1'))
    else:  # a signed header left out of SignedHeaders, as if it had not been signed
        signed = signature.parse_authorization(authorization).signed_headers
        dropped = sorted(extra_headers)[position % len(extra_headers)]
        shorter = ';'.join(name for name in signed if name != dropped)
        tampered = with_header(received, 'Authorization',
                               authorization.replace(f'SignedHeaders={";".join(signed)}', f'SignedHeaders={shorter}'))

    assert not verifies(tampered), part


@given(segments=path_segments, query=st.lists(st.tuples(text, text), max_size=4))
@settings(max_examples=200)
def test_canonical_uri_and_query_are_the_official_signers(segments, query):
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    path = '/' + '/'.join(segments)
    official = SdkRequest(method='GET', resource_path=path, query_params=list(query))
    # The wire carries the path percent-encoded and the query decoded back into names and values.
    wire_path = requests.Request('GET', 'http://h' + path).prepare().path_url
    decoded_query: dict[str, list[str]] = {}
    for name, value in query:
        decoded_query.setdefault(name, []).append(value)

    assert signature.canonical_uri(wire_path) == Signer._process_canonical_uri(Signer, official)
    assert signature.canonical_query_string(decoded_query) == Signer.process_canonical_query_string(official)


@pytest.mark.parametrize('path', ['/', '/v5/project/event/isolated-file', '/v5/project/event/isolated-file/'])
def test_the_canonical_uri_ends_with_a_slash_whether_or_not_the_url_does(path):
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    canonical = signature.canonical_uri(path)
    assert canonical.endswith('/')
    assert canonical == Signer._process_canonical_uri(Signer, SdkRequest(resource_path=path))


def test_an_unsigned_payload_lets_the_body_change_but_cannot_be_claimed_after_signing(wire):
    unsigned = wire.receive(official_signed('PUT', wire.netloc, '/upload', [], {'Content-Type': 'text/plain'},
                                            b'first body'))
    assert unsigned.headers['X-Sdk-Content-Sha256'] == signature.UNSIGNED_PAYLOAD
    assert verifies(dataclasses.replace(unsigned, body=b'another body'))  # the client chose not to sign it

    signed = wire.receive(official_signed('PUT', wire.netloc, '/upload', [], {'Content-Type': 'application/json'},
                                          b'{"a": 1}'))
    claimed = with_header(dataclasses.replace(signed, body=b'{"a": 2}'), 'X-Sdk-Content-Sha256',
                          signature.UNSIGNED_PAYLOAD)
    assert verifies(signed) and not verifies(claimed)


@pytest.mark.parametrize('authorization', [
    'SDK-HMAC-SHA256 Access=AK, Signature=00',
    'SDK-HMAC-SHA256 Access=AK, SignedHeaders=Host;X-Sdk-Date, Signature=00',
    'SDK-HMAC-SM3 Access=AK, SignedHeaders=host;x-sdk-date, Signature=00',
    'AWS4-HMAC-SHA256 Credential=AK/20261118/region/service/aws4_request, SignedHeaders=host, Signature=00',
])
def test_an_authorization_header_the_guide_does_not_describe_is_refused(authorization):
    with pytest.raises(signature.MalformedAuthorization):
        signature.parse_authorization(authorization)


def test_the_emulated_hss_accepts_a_request_the_official_signer_signed():
    backend = HssBackend.from_seed(SEED, stage_seconds=0, wall_clock=lambda: WALL_NOW)
    backend.add_access_key(AK, SK)
    with LoopbackServer(create_app(HssGateway(backend))) as server, requests.Session() as http:
        def send(sk):
            signed = official_signed('GET', urlsplit(server.url).netloc, f'/v5/{PROJECT}/event/isolated-file',
                                     [('enterprise_project_id', 'all_granted_eps'), ('file_hash', SINGLE),
                                      ('limit', '10')],
                                     {'Content-Type': 'application/json'}, b'', sk=sk)
            return http.get(server.url + signed.uri, headers=signed.header_params, timeout=5)

        accepted, refused = send(SK), send(SK + 'x')

    assert accepted.status_code == 200 and accepted.json()['total_num'] == 1
    assert (refused.status_code, refused.json()['error_code']) == (401, 'APIGW.0301')
