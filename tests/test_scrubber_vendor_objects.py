"""A vendor whose error message is a JSON object (not the documented text) quoting what it received: the message is
shown as JSON, the form the scrubber knows, never as a Python repr (which writes a backslash or a quote otherwise)."""
from __future__ import annotations

import json
import secrets

import pytest

import restore_integration as ri
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto

XDR_KEY = 'xdr"key\'' + secrets.token_hex(16)
IAM_PASSWORD = 'p\u00e4ss\\word' + secrets.token_hex(8)


def app(request):
    received = {'headers': dict(request.headers), 'body': json.loads(request.body or b'null')}
    if request.path.startswith('/public_api/'):
        reply = {'reply': {'err_code': 400, 'err_msg': {'received': received}}}
    else:
        reply = {'error': {'code': 'IAM.0001', 'message': {'received': received}}}
    return Response(400, json.dumps(reply).encode(), {'Content-Type': 'application/json'})


@pytest.fixture
def server():
    srv = LoopbackServer(app).start()
    yield srv
    srv.stop()


@pytest.mark.parametrize('vendor', ['xdr', 'iam'])
def test_a_vendor_message_that_is_an_object_quoting_a_secret_is_scrubbed(server, vendor):
    if vendor == 'xdr':
        params = {'xdr_url': server.url, 'xdr_api_key_id': '7', 'xdr_api_key': {'password': XDR_KEY},
                  'xdr_auth_type': 'standard'}
        command, args, secret = 'restore-file', {'file_hash': 'a' * 64}, XDR_KEY
    else:
        params = {'hss_endpoint': server.url, 'hss_iam_endpoint': server.url, 'hss_project_id': 'p' * 32,
                  'hss_auth_type': 'token', 'hss_domain': 'acme',
                  'hss_credentials': {'identifier': 'user', 'password': IAM_PASSWORD}}
        command, args, secret = 'hss-restore-isolated', {'file_hash': 'c' * 64}, IAM_PASSWORD
    demisto = Demisto(dict(params, max_retries='0'), command, args, {}, [])
    ri.main(demisto)
    shown = json.dumps(demisto.entries) + json.dumps(demisto.log)
    assert 'answered HTTP 400' in shown
    [entry] = demisto.entries
    assert 'message "{"received": {"body": {' in entry['Contents']  # the object quoted as JSON, not as its repr
    assert secret[-16:] not in shown
