"""A configured secret that happens to be 64 hex digits (an IAM password from `openssl rand -hex 32`, a standard
Cortex XDR key) is a secret like any other: found whatever stands beside it (URL-encoding puts %22, %3A%20 or %3D,
which end in hex digits, right against it), in either case, and when a vendor page is cut inside it. Only the
request signatures the run makes are found by their 64-hex shape, and they too whatever stands beside them.

A scrubber that does nothing fails every test here: each one first shows the secret was quoted back.
"""
from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from urllib.parse import quote

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import facts
import restore_integration as ri
from conftest import ROOT
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto

HEX_PASSWORD = secrets.token_hex(32)
HEX_KEY = secrets.token_hex(32)
IAM_TOKEN = 'MIIT' + secrets.token_urlsafe(40)
TOKEN_BODY = {'token': {'expires_at': '2099-01-01T00:00:00.000000Z', 'issued_at': '2098-12-31T00:00:00.000000Z'}}


class QuotingVendor:
    """Answers IAM's token request with a token unless ``iam`` answers it, and every other request with ``answer``:
    each quotes back, in its own way, what it received. ``received`` keeps every request."""

    def __init__(self, answer, iam=None):
        self.answer, self.iam = answer, iam
        self.received = []
        self.server = LoopbackServer(self._app).start()
        self.url = self.server.url

    def _app(self, request):
        self.received.append(request)
        if request.path.endswith('/v3/auth/tokens'):
            if self.iam:
                return self.iam(request)
            return Response(201, json.dumps(TOKEN_BODY).encode(),
                            {'Content-Type': 'application/json', 'X-Subject-Token': IAM_TOKEN})
        return self.answer(request)


@pytest.fixture
def vendor(request):
    answer, iam = request.param
    served = QuotingVendor(answer, iam)
    yield served
    served.server.stop()


def iam_quotes_its_body_url_encoded(request):
    message = 'refused request body=' + quote(request.body.decode())
    return Response(401, json.dumps({'error': {'code': 401, 'title': 'Unauthorized', 'message': message}}).encode(),
                    {'Content-Type': 'application/json'})


def xdr_quotes_the_header_url_encoded(request):
    said = 'bad key: ' + quote(f'authorization: {request.headers.get("Authorization", "")}')
    return Response(401, json.dumps({'reply': {'err_code': 401, 'err_msg': said, 'err_extra': None}}).encode(),
                    {'Content-Type': 'application/json'})


def xdr_page_quoting_the_header_past_the_cut(request):
    # short_text keeps 200 characters: the 64-character key starts at 140, so the page is cut inside it
    page = 'Error: request rejected by the edge. ' + 'x' * 98 + ' auth=' + request.headers.get('Authorization', '')
    return Response(502, page.encode(), {'Content-Type': 'text/plain'})


def run(params, command, args):
    demisto = Demisto({'max_retries': '0', 'retry_backoff': '0', **params}, command, args, {}, [])
    ri.main(demisto)
    return demisto, json.dumps(demisto.entries) + json.dumps(demisto.log)


def xdr_params(url, key, auth_type='standard'):
    return {'xdr_url': url, 'xdr_api_key_id': '7', 'xdr_api_key': {'password': key}, 'xdr_auth_type': auth_type}


def received_text(vendor):
    return [json.dumps(dict(request.headers)) + request.body.decode('utf-8', 'replace') for request in vendor.received]


@pytest.mark.parametrize('vendor', [(None, iam_quotes_its_body_url_encoded)], indirect=True)
def test_a_hex_iam_password_quoted_back_url_encoded_is_scrubbed(vendor):
    demisto, shown = run({'hss_endpoint': vendor.url, 'hss_iam_endpoint': vendor.url, 'hss_project_id': 'p' * 32,
                          'hss_auth_type': 'token', 'hss_domain': 'acme',
                          'hss_credentials': {'identifier': 'user', 'password': HEX_PASSWORD}},
                         'hss-restore-isolated', {'file_hash': 'b' * 64})

    assert any(HEX_PASSWORD in text for text in received_text(vendor))  # IAM was sent it, and quoted it back
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and quote('"password"') in shown
    assert HEX_PASSWORD not in shown.lower()


@pytest.mark.parametrize('vendor', [(xdr_quotes_the_header_url_encoded, None)], indirect=True)
@pytest.mark.parametrize('case', [str.lower, str.upper])
def test_a_hex_xdr_key_quoted_back_url_encoded_is_scrubbed_in_either_case(vendor, case):
    demisto, shown = run(xdr_params(vendor.url, case(HEX_KEY)), 'restore-file', {'file_hash': 'a' * 64})

    assert [request.headers['Authorization'] for request in vendor.received] == [case(HEX_KEY)]
    assert 'Cortex XDR answered HTTP 401' in shown and 'authorization%3A%20' in shown
    assert HEX_KEY not in shown.lower()


@pytest.mark.parametrize('vendor', [(xdr_page_quoting_the_header_past_the_cut, None)], indirect=True)
def test_a_hex_xdr_key_cut_short_in_a_vendor_page_is_not_shown_in_part(vendor):
    demisto, shown = run(xdr_params(vendor.url, HEX_KEY), 'restore-file', {'file_hash': 'a' * 64})

    assert 'Cortex XDR answered HTTP 502' in shown and ' auth=' in shown and '...' in shown
    assert HEX_KEY[:12] not in shown


@pytest.mark.parametrize('vendor', [(xdr_quotes_the_header_url_encoded, None)], indirect=True)
def test_a_hex_xdr_key_quoted_back_is_scrubbed_from_the_war_room_command_line(vendor, tmp_path):
    path = tmp_path / 'xdr.params.yml'
    path.write_text(yaml.safe_dump({**xdr_params(vendor.url, HEX_KEY), 'max_retries': '0'}))
    path.chmod(0o600)

    done = subprocess.run([sys.executable, '-m', 'warroom', 'run', f'!restore-file file_hash={"a" * 64}',
                           '--params', str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, 'PYTHONPATH': str(ROOT)})

    shown = done.stdout + done.stderr
    assert [request.headers['Authorization'] for request in vendor.received] == [HEX_KEY]
    assert 'Cortex XDR answered HTTP 401' in shown and 'authorization%3A%20' in shown
    assert HEX_KEY not in shown


@pytest.mark.parametrize('vendor', [(xdr_quotes_the_header_url_encoded, None)], indirect=True)
def test_a_request_signature_quoted_back_url_encoded_is_scrubbed(vendor):
    demisto, shown = run(xdr_params(vendor.url, 'xdrKEY' + secrets.token_urlsafe(30), 'advanced'), 'restore-file',
                         {'file_hash': 'a' * 64})

    [signature] = [request.headers['Authorization'] for request in vendor.received]
    assert len(signature) == 64 and 'authorization%3A%20' in shown
    assert signature not in shown.lower()


# --------------------------------------------------------------------------- the scrubber on its own

HEX_NEIGHBOURS = st.sampled_from(['', '%22', '%3A%20', '%3D', '0x', 'f', '2C'])


@given(secret=st.text(string.hexdigits, min_size=facts.SCRUBBER_MIN_LENGTH, max_size=90),
       left=HEX_NEIGHBOURS, right=HEX_NEIGHBOURS, case=st.sampled_from([str.lower, str.upper, str]))
def test_a_secret_of_hex_digits_is_found_whatever_its_length_neighbours_and_case(secret, left, right, case):
    scrubber = ri.SecretScrubber([secret])
    text = f'said: {left}{case(secret)}{right} (echoed)'

    cleaned = scrubber.text(text)

    assert facts.SCRUBBER_MASK in cleaned and cleaned.startswith('said: ') and cleaned.endswith(' (echoed)')
    assert secret.lower() not in cleaned.replace(facts.SCRUBBER_MASK, ' ').lower()


@given(cut=st.integers(facts.SCRUBBER_MIN_LENGTH, 63), left=HEX_NEIGHBOURS)
def test_a_secret_of_hex_digits_cut_short_loses_its_head_too(cut, left):
    scrubber = ri.SecretScrubber([HEX_KEY])

    cleaned = scrubber.text(f'page: {left}{HEX_KEY[:cut]}...')

    assert cleaned == f'page: {left}{facts.SCRUBBER_MASK}...'


@given(left=HEX_NEIGHBOURS, right=HEX_NEIGHBOURS, case=st.sampled_from([str.lower, str.upper]))
def test_a_request_signature_is_found_whatever_stands_beside_it(left, right, case):
    signature = secrets.token_hex(32)
    scrubber = ri.SecretScrubber()
    scrubber.add_signature(signature)

    cleaned = scrubber.text(f'Signature={left}{case(signature)}{right}, and another {secrets.token_hex(32)}')

    assert signature not in cleaned.lower() and cleaned.count(facts.SCRUBBER_MASK) == 1


@given(start=st.integers(0, 60), size=st.integers(facts.SCRUBBER_MIN_LENGTH, 24), case=st.sampled_from([str.lower,
                                                                                                        str.upper]))
def test_a_hex_secret_that_happens_to_stand_inside_a_signature_does_not_leave_the_rest_of_the_signature_shown(
        start, size, case):
    # A password of a few hex digits ('2024') stands somewhere in many of a run's hundreds of signatures: masked first,
    # it would split the signature's run of digits, and no part of it would be found as a signature any more.
    signature = secrets.token_hex(32)
    password = signature[start:start + size]
    scrubber = ri.SecretScrubber([password])
    scrubber.add_signature(signature)

    cleaned = scrubber.text(f'Signature={case(signature)}, password {password}')

    shown = cleaned.lower()
    assert not any(signature[at:at + 8] in shown for at in range(len(signature) - 7))
    assert password.lower() not in shown.replace(facts.SCRUBBER_MASK.lower(), ' ')
