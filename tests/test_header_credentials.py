"""Credentials that travel in an HTTP header (the Cortex XDR key ID and standard key, the HSS access key) can only
be sent as Latin-1: one that cannot is refused by its setting before any request, not failed on as a fault of the
integration."""
from __future__ import annotations

import json
import re

import pytest

import restore_integration as ri
from facts import ENTRY_ERROR
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto


@pytest.fixture
def server():
    seen = []

    def app(request):
        seen.append(request)
        return Response(200, b'{"reply": {"action_id": 1, "endpoints_count": "1"}}',
                        {'Content-Type': 'application/json'})

    srv = LoopbackServer(app).start()
    srv.seen = seen
    yield srv
    srv.stop()


EURO = '\u20ac'
CASES = [
    ('xdr_api_key_id', {'xdr_api_key_id': 'k\u20ac1', 'xdr_api_key': {'password': 'secretkey123'},
                        'xdr_auth_type': 'standard'}, 'restore-file', {'file_hash': 'a' * 64}),
    ('xdr_api_key', {'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'secr\u20actkey123'},
                     'xdr_auth_type': 'standard'}, 'restore-file', {'file_hash': 'a' * 64}),
    ('hss_aksk', {'hss_project_id': 'p' * 32, 'hss_aksk': {'identifier': 'AK\u20ac', 'password': 'secretsk1234'}},
     'hss-restore-isolated', {'host_id': 'h', 'file_hash': 'a' * 64, 'file_path': '/x'}),
]


@pytest.mark.parametrize('setting, params, command, args', CASES, ids=[case[0] for case in CASES])
def test_a_header_credential_that_cannot_be_sent_is_refused_by_its_setting_naming_the_character_and_where_it_is(
        server, setting, params, command, args):
    [typed] = [text for value in params.values() for text in (value.values() if isinstance(value, dict) else [value])
               if EURO in text]  # the one character past Latin-1 of the case, where it stands
    params = {**params, 'xdr_url': server.url, 'hss_endpoint': server.url, 'max_retries': '0'}
    if command == 'restore-file':
        params.pop('hss_endpoint')
    demisto = Demisto(params, command, args, {}, [])
    ri.main(demisto)
    shown = json.dumps(demisto.entries, ensure_ascii=False)
    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR, entry
    # The setting named whole: 'xdr_api_key' inside 'xdr_api_key_id' would blame the other setting.
    assert re.search(rf'\b{setting}\b', entry['Contents']) and 'fault in the integration' not in shown, entry
    [secret] = [value['password'] for value in params.values() if isinstance(value, dict)]  # this case's own key
    assert secret not in shown
    assert 'U+20AC' in entry['Contents'] and f'position {typed.index(EURO) + 1}' in entry['Contents'], entry
    assert server.seen == []
