"""A vendor's words (its message, details, code) reach an error text and kept state cut to a bound: a 4xx reply may be
32 MB, all of it once quoted. Short ones stay whole (the other tests pin them); a secret the cut splits is masked."""
from __future__ import annotations

import json
import secrets

import pytest

import restore_integration as ri
from facts import ENTRY_ERROR, HSS_ERROR_STATUS, SCRUBBER_MASK, VENDOR_TEXT_LIMIT
from test_hss_client import token_client
from test_hss_restore_command import replayed_hss_params
from test_reply_shapes import room as replay_room
from warroom.runtime import Demisto, WarRoom

HASH = 'c' * 64
HUGE = 2_000_000  # characters of each field a vendor sends; a limit of this order would not be one


def huge_words(lead: str) -> str:
    """A vendor's text of HUGE characters: readable words, then more of them."""
    return (lead + ' ') + 'more words ' * (HUGE // 11)


def cut_from(whole: str) -> str:
    """Where ``whole`` stops being shown whole: its first VENDOR_TEXT_LIMIT characters and one more."""
    return whole[:VENDOR_TEXT_LIMIT + 1]


def assert_quoted_cut(message: str, whole: str) -> None:
    assert whole[:VENDOR_TEXT_LIMIT // 2] in message, message[:300]  # its head, still read
    assert cut_from(whole) not in message, len(message)


def test_cortex_xdr_s_huge_error_message_details_and_code_are_quoted_cut_in_the_error_entry(replay_server):
    said = {'err_code': huge_words('E1'), 'err_msg': huge_words('Invalid file hash.'),
            'err_extra': huge_words('The hash is not quarantined.')}
    replay_server.queue(400, {'reply': said})

    result = replay_room(replay_server).run('restore-file', {'file_hash': HASH, 'polling': 'false'})

    message = result.entries[-1]['Contents']
    assert result.entries[-1]['Type'] == ENTRY_ERROR and 'Cortex XDR answered HTTP 400' in message, message[:300]
    for words in said.values():
        assert_quoted_cut(message, words)
    assert len(message) < 6 * VENDOR_TEXT_LIMIT, len(message)  # three fields, each cut, and our own words


def test_hss_s_huge_error_msg_description_and_code_are_quoted_cut_in_the_error_entry(replay_server):
    said = {'error_code': huge_words('HSS.0001'), 'error_msg': huge_words('Invalid parameter.'),
            'error_description': huge_words('The host is unknown.')}
    replay_server.queue(HSS_ERROR_STATUS, said)

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(
        'hss-restore-isolated', {'host_id': 'h1', 'file_hash': HASH, 'file_path': '/x', 'polling': 'false'})

    message = result.entries[-1]['Contents']
    assert result.entries[-1]['Type'] == ENTRY_ERROR and f'HTTP {HSS_ERROR_STATUS}' in message, message[:300]
    for words in said.values():
        assert_quoted_cut(message, words)
    assert len(message) < 6 * VENDOR_TEXT_LIMIT, len(message)


def test_iam_s_huge_refusal_code_is_kept_cut_and_quoted_cut_by_the_next_run(replay_server):
    code = huge_words('IAM.0001')
    replay_server.queue(401, {'error': {'code': code, 'message': 'The username or password is wrong.'}})
    client, provider = token_client(replay_server)
    with pytest.raises(ri.VendorApiError) as refused:
        client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])
    kept = provider.cache_entry()

    later, _ = token_client(replay_server, stored=kept)
    with pytest.raises(ri.LoginPaused) as paused:
        later.restore_isolated_files([{'host_id': 'h', 'file_hash': 'x'}])

    assert_quoted_cut(str(refused.value), code)
    assert_quoted_cut(json.dumps(kept), code)  # kept for 15 minutes, in the integration context
    assert_quoted_cut(str(paused.value), code)


# A standard key quoted by Cortex XDR's message so that the cut falls inside it (``shown`` of its characters before
# the cut), and one longer than the cut, most of it shown: neither comes out, whole or in part.
@pytest.mark.parametrize('shown, size', [(4, 48), (24, 48), (47, 48), (900, 1500)])
def test_a_key_cortex_xdr_quotes_right_at_the_cut_of_its_message_is_masked(replay_server, shown, size):
    key = ('K' + secrets.token_urlsafe(size))[:size]
    lead = 'Refused the key ' + 'x' * (VENDOR_TEXT_LIMIT - shown - 16)
    replay_server.queue(401, {'reply': {'err_code': 401, 'err_msg': lead + key + ' (standard).', 'err_extra': None}})
    params = {'xdr_url': replay_server.url, 'xdr_api_key_id': '9', 'xdr_api_key': {'password': key},
              'xdr_auth_type': 'standard', 'retry_backoff': '0', 'max_concurrency': '1'}
    demisto = Demisto(params, 'restore-file', {'file_hash': HASH, 'polling': 'false'}, {}, [])

    ri.main(demisto)

    output = json.dumps(demisto.entries) + json.dumps(demisto.log)
    assert f'{lead}{SCRUBBER_MASK}...' in demisto.entries[-1]['Contents'], demisto.entries[-1]['Contents'][-300:]
    assert key[:4] not in output


def test_a_secret_setting_holding_an_unpaired_surrogate_is_refused_by_the_settings_check_not_a_traceback():
    secret = 'surrogate-key-\ud800-' + secrets.token_hex(8)
    params = {'xdr_url': 'https://api-tenant.xdr.us.paloaltonetworks.com', 'xdr_api_key_id': '9',
              'xdr_api_key': {'password': secret}, 'xdr_auth_type': 'advanced'}
    demisto = Demisto(params, 'restore-file', {'file_hash': HASH, 'polling': 'false'}, {}, [])

    ri.main(demisto)

    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR and 'U+D800' in entry['Contents'], entry['Contents']
    output = json.dumps(demisto.entries) + json.dumps(demisto.log)
    assert secret[-16:] not in output and 'surrogate-key' not in output
