"""XSOAR's debug mode (debug-mode=true) logs what http.client prints of each request: its headers as a bytes' repr,
where a standard Cortex XDR key's Latin-1 letters past ASCII stand escaped ('\\xa0', '\\xe9'). CommonServerPython
censors only the word after "Authorization:": the rest of a key holding a blank shows unless its masker was given the
key in that form too."""
from __future__ import annotations

import secrets
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import start_tenant
import restore_integration
from warroom.runtime import WarRoom

TENANT = start_tenant(auth_type='standard')  # one emulated tenant for every example; each adds its own key
PLAIN_KEY = ''.join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
PAST_ASCII = '\u00a0' + ''.join(chr(code) for code in range(0xC0, 0x100) if chr(code).isalpha())


def logged_forms(piece: str) -> set[str]:
    """A piece of the key as the log may hold it: as is, or as a bytes' repr writes its Latin-1 bytes."""
    return {piece, repr(piece.encode('latin-1'))[2:-1]}


@settings(max_examples=20, deadline=None)
@given(at=st.integers(4, len(PLAIN_KEY) - 4), blank=st.sampled_from([' ', '\u00a0']),
       letters=st.text(PAST_ASCII, min_size=1, max_size=3))
def test_a_standard_key_with_a_blank_and_latin1_letters_is_not_in_the_debug_log(at, blank, letters):
    key = PLAIN_KEY[:at] + blank + letters + PLAIN_KEY[at:]
    key_id = str(secrets.randbelow(10 ** 6) + 100)
    TENANT.backend.add_api_key(key_id, key, auth_type='standard')
    room = WarRoom(params=TENANT.params(xdr_api_key_id=key_id, xdr_api_key={'identifier': '', 'password': key}),
                   time_scale=0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': 'a' * 64, 'polling': 'false', 'debug-mode': 'true'})

    logged = '\n'.join(text for _, text in result.log)
    assert "send: b'POST /public_api/" in logged and 'Authorization: ' in logged  # the request is shown
    pieces = {key[start:start + 8] for start in range(len(key) - 7)}
    assert not [piece for piece in pieces for form in logged_forms(piece) if form in logged]


def test_outside_debug_mode_no_secret_is_handed_to_the_log_masker_commonserverpython_defines(monkeypatch):
    # CommonServerPython defines add_sensitive_log_strs in every run; the integration hands it its secrets only while
    # http.client prints (debug-mode=true), as only then does a request reach the log (README, XSOAR's debug mode)
    handed = []
    monkeypatch.setattr(restore_integration, 'add_sensitive_log_strs', handed.append, raising=False)
    room = WarRoom(params=TENANT.params(), time_scale=0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': 'a' * 64, 'polling': 'false'})

    assert 'Cortex XDR answered' in result.entries[-1]['Contents']  # a request went out, with the key
    assert handed == []
