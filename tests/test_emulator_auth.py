"""The emulators' own authentication, the cases tests/test_xdr_emulator.py and tests/test_hss_emulator.py leave out.

Those files already cover: XDR replayed nonce, stale timestamp, wrong key, bad signature, malformed nonce, unknown
key ID; HSS bad signature, query or body changed after signing, unknown access key, X-Sdk-Date 15 minutes off
either way, SignedHeaders without host or x-sdk-date, malformed Authorization, expired and unknown tokens; the
integration meeting a skewed clock is in tests/test_retries.py. Added here: an XDR timestamp from the future, not a
number, in seconds, or of more digits than a float or int() takes; an advanced key's hash of anything but key,
nonce and timestamp in that order; a nonce of other than 64 letters and digits; and the whole reply body, exactly,
for each 401 (XDR's one fixed body, ``{"reply": {"err_code": 401, "err_msg": "Public API request unauthorized",
"err_extra": null}}``, with what failed in the gateway's ``auth_failures``; the HSS gateway's
``{"error_code": "APIGW.0301", "error_msg": ..., "request_id": <32 hex>}``); an HSS X-Sdk-Date in another date
format, or in its form naming no such time, a signed request replayed against another project's path, a signature
under another scheme's name, SignedHeaders naming a header not sent or not in lowercase, and an X-Project-Id other
than the URL's project.
"""
from __future__ import annotations

import hashlib

import pytest
import requests

import facts
import test_xdr_emulator
from conftest import HSS_SEED
from test_hss_emulator import AK, OTHER_PROJECT, PROJECT, SK, WALL_NOW as HSS_NOW, sign
from test_xdr_emulator import ADVANCED_KEY, H3, RESTORE, WALL_NOW, advanced_headers, post
from warroom.emulator.hss import HssBackend, HssGateway, create_app as create_hss_app
from warroom.emulator.httpserver import LoopbackServer

# test_xdr_emulator's fixtures (the seeded tenant on its clocks, its gateway and server, an HTTP session), by name.
backend, clock, gateway, http, server = (test_xdr_emulator.backend, test_xdr_emulator.clock, test_xdr_emulator.gateway,
                                         test_xdr_emulator.http, test_xdr_emulator.server)

REQUEST_ID_LENGTH = 32


def assert_xdr_401(response, gateway, reason: str) -> None:
    # The body is Cortex XDR's, written in tests/facts.py from the recorded reply, not the emulator's own constant.
    assert response.status_code == 401 and response.headers['Content-Type'] == 'application/json'
    assert response.json() == facts.XDR_UNAUTHORIZED_BODY
    assert reason in gateway.auth_failures[-1]


@pytest.mark.parametrize('timestamp, extra_says', [
    (str(int((WALL_NOW + 301) * 1000)), 'more than 300 seconds away'),  # a clock running ahead
    (str(int(WALL_NOW)), 'more than 300 seconds away'),  # seconds where milliseconds are due
    ('1.7e12', 'milliseconds since the epoch'),
    ('', 'milliseconds since the epoch'),
    ('9' * 400, 'more than 300 seconds away'),  # digits whose value no float holds
    ('1' + '0' * 5000, 'more than 300 seconds away'),  # past the digits Python's int() converts
], ids=['future', 'seconds', 'not-a-number', 'empty', 'past-a-float', 'past-int-conversion'])
def test_xdr_timestamp_that_cannot_be_trusted_is_401_and_burns_no_nonce(http, server, gateway, timestamp, extra_says):
    headers = advanced_headers()
    bad = dict(headers, **{'x-xdr-timestamp': timestamp})

    assert_xdr_401(post(http, server, RESTORE, {'file_hash': H3}, bad), gateway, extra_says)
    # The nonce of the refused request was not recorded: the same nonce with a good timestamp still works.
    assert post(http, server, RESTORE, {'file_hash': H3}, headers).status_code == 200


def test_xdr_replayed_nonce_reply_is_exactly_the_vendor_form(http, server, gateway):
    headers = advanced_headers()
    assert post(http, server, RESTORE, {'file_hash': H3}, headers).status_code == 200

    assert_xdr_401(post(http, server, RESTORE, {'file_hash': H3}, headers), gateway, 'Nonce was already used')


def test_xdr_wrong_advanced_key_reply_is_exactly_the_vendor_form(http, server, gateway):
    assert_xdr_401(post(http, server, RESTORE, {'file_hash': H3}, advanced_headers(key='not-the-key')), gateway,
                   'Signature does not match')


# The design notes: an advanced key's Authorization is sha256hex(key + nonce + timestamp), every part in that order.
@pytest.mark.parametrize('hashed', [
    lambda key, nonce, timestamp: key + nonce,
    lambda key, nonce, timestamp: key + timestamp,
    lambda key, nonce, timestamp: key,
    lambda key, nonce, timestamp: nonce + timestamp + key,
], ids=['without-timestamp', 'without-nonce', 'key-alone', 'key-last'])
def test_xdr_advanced_key_hash_of_other_than_key_nonce_timestamp_is_401(http, server, gateway, hashed):
    headers = advanced_headers()
    nonce, timestamp = headers['x-xdr-nonce'], headers['x-xdr-timestamp']
    headers['Authorization'] = hashlib.sha256(hashed(ADVANCED_KEY, nonce, timestamp).encode()).hexdigest()

    assert_xdr_401(post(http, server, RESTORE, {'file_hash': H3}, headers), gateway, 'Signature does not match')


# The design notes: x-xdr-nonce is "64 random letters and digits"; each of these is signed as sent.
@pytest.mark.parametrize('nonce', ['a' * 65, 'A' * 128, 'a' * 63 + '-', 'a' * 63 + '_', 'a' * 63 + '='],
                         ids=['65', '128', 'dash', 'underscore', 'padding'])
def test_xdr_nonce_of_other_than_64_letters_and_digits_is_401(http, server, gateway, nonce):
    headers = advanced_headers(nonce=nonce)

    assert_xdr_401(post(http, server, RESTORE, {'file_hash': H3}, headers), gateway, 'x-xdr-nonce')


# --------------------------------------------------------------------------- HSS gateway


@pytest.fixture
def hss_server():
    hss = HssBackend.from_seed(HSS_SEED, stage_seconds=0, wall_clock=lambda: HSS_NOW)
    hss.add_access_key(AK, SK)
    hss.projects.add(OTHER_PROJECT)
    with LoopbackServer(create_hss_app(HssGateway(hss))) as server:
        yield server


def assert_gateway_401(response, message: str) -> None:
    assert response.status_code == 401 and response.headers['Content-Type'] == 'application/json'
    body = response.json()
    assert set(body) == {'error_code', 'error_msg', 'request_id'}
    code, refused = facts.HSS_GATEWAY_AUTH_FAILED
    assert body['error_code'] == code and body['error_msg'] == f'{refused}: {message}'
    assert len(body['request_id']) == REQUEST_ID_LENGTH and body['request_id'] == response.headers['X-Request-Id']


# Each names HSS_NOW (2026-11-18T11:06:40Z) in another form: a date the gateway read would pass the skew check.
@pytest.mark.parametrize('sdk_date', ['Wed, 18 Nov 2026 11:06:40 GMT', '20261118T110640', '2026-11-18T11:06:40Z',
                                      '20261118T11640Z'], ids=['http-date', 'no-zone', 'iso-8601', 'minute-unpadded'])
def test_hss_x_sdk_date_in_another_format_is_401(http, hss_server, sdk_date):
    # Signed with the date as sent: the format alone is refused, not the signature (the guide's form is the
    # official Signer's strftime('%Y%m%dT%H%M%SZ'), always 16 characters).
    listing = requests.Request('GET', hss_server.url + f'/v5/{PROJECT}/event/isolated-file')
    prepared = sign(http.prepare_request(listing), sdk_date=sdk_date)

    assert_gateway_401(http.send(prepared, timeout=5), 'X-Sdk-Date must be YYYYMMDDTHHMMSSZ (UTC)')


def test_hss_signed_request_replayed_against_another_project_is_401(http, hss_server):
    listing = requests.Request('GET', hss_server.url + f'/v5/{PROJECT}/event/isolated-file')
    prepared = sign(http.prepare_request(listing), at=HSS_NOW)
    assert http.send(prepared, timeout=5).status_code == 200
    prepared.url = prepared.url.replace(PROJECT, OTHER_PROJECT)

    assert_gateway_401(http.send(prepared, timeout=5), 'verify aksk signature fail')


@pytest.mark.parametrize('scheme', ['SDK-HMAC-SHA1', 'SDK-HMAC-SHA512'])
def test_hss_signature_under_another_scheme_name_than_sdk_hmac_sha256_is_401(http, hss_server, scheme):
    # The design notes' Authorization is "SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...": the
    # signature itself is right, only the scheme the header names is not.
    listing = requests.Request('GET', hss_server.url + f'/v5/{PROJECT}/event/isolated-file')
    prepared = sign(http.prepare_request(listing), at=HSS_NOW)
    prepared.headers['Authorization'] = prepared.headers['Authorization'].replace('SDK-HMAC-SHA256', scheme, 1)

    response = http.send(prepared, timeout=5)

    assert response.status_code == 401 and response.json()['error_code'] == facts.HSS_GATEWAY_AUTH_FAILED[0]


# The guide's form, 16 characters, but a date no calendar holds: refused as the form is, not read as another date.
@pytest.mark.parametrize('sdk_date', ['20261318T110640Z', '20260230T110640Z', '20261118T250640Z'],
                         ids=['month-13', 'february-30', 'hour-25'])
def test_hss_x_sdk_date_in_the_guide_s_form_naming_no_such_time_is_401(http, hss_server, sdk_date):
    listing = requests.Request('GET', hss_server.url + f'/v5/{PROJECT}/event/isolated-file')
    prepared = sign(http.prepare_request(listing), sdk_date=sdk_date)

    assert_gateway_401(http.send(prepared, timeout=5), 'X-Sdk-Date must be YYYYMMDDTHHMMSSZ (UTC)')


@pytest.mark.parametrize('signed, message', [
    ('host;x-sdk-date;x-trace', 'signed header(s) missing from the request: x-trace'),
    ('Host;x-sdk-date', "SignedHeaders must be lowercase header names separated by ';'"),
], ids=['header-not-sent', 'not-lowercase'])
def test_hss_signed_headers_the_request_cannot_be_checked_by_are_401(http, hss_server, signed, message):
    listing = requests.Request('GET', hss_server.url + f'/v5/{PROJECT}/event/isolated-file')
    prepared = sign(http.prepare_request(listing), at=HSS_NOW)
    assert 'SignedHeaders=host;x-sdk-date,' in prepared.headers['Authorization']  # a GET sends no Content-Type
    prepared.headers['Authorization'] = prepared.headers['Authorization'].replace(
        'SignedHeaders=host;x-sdk-date,', f'SignedHeaders={signed},', 1)

    assert_gateway_401(http.send(prepared, timeout=5), message)


def test_hss_x_project_id_naming_another_project_than_the_url_is_refused_as_insufficient_permissions(http, hss_server):
    # Both projects are the account's: only their disagreement is refused.
    listing = requests.Request('GET', hss_server.url + f'/v5/{PROJECT}/event/isolated-file',
                               headers={'X-Project-Id': OTHER_PROJECT})
    prepared = sign(http.prepare_request(listing), at=HSS_NOW)

    response = http.send(prepared, timeout=5)
    del prepared.headers['X-Project-Id']  # not signed: the same request without it

    assert (response.status_code, response.json()['error_code']) == (400, 'HSS.0013'), response.text
    assert 'X-Project-Id does not match the project in the URL' in response.text
    assert http.send(prepared, timeout=5).status_code == 200
