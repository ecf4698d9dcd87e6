"""restore-file when Cortex XDR's restore reply, or a status read, is one the command cannot follow as usual.

The seed (Restore File) gives the reply's action_id as the ID to follow and endpoints_count as the "Number of
endpoints included in the request"; README.md says what the command does with the rest. Expected values come from
the seed, the README and the replies queued here, never from the integration's constants.
"""
from __future__ import annotations

import json

import pytest

from conftest import XDR_REPLIES, load_json
from facts import ENTRY_ERROR
from test_reply_shapes import records, room, status_requests

FINAL = load_json(XDR_REPLIES / 'action_status_final.json')
FOLLOWED, OTHER = 'a' * 64, 'b' * 64


@pytest.mark.parametrize('action_id', [' ', True, {'id': 1001}, [1001]])
def test_an_action_id_no_check_can_carry_is_not_followed_and_the_other_files_polling_goes_on(replay_server,
                                                                                             action_id):
    replay_server.queue(200, {'reply': {'action_id': 3001, 'endpoints_count': '3'}})
    replay_server.queue(200, {'reply': {'action_id': action_id, 'endpoints_count': '3'}}).queue(200, FINAL)

    result = room(replay_server).run('restore-file', {'file_hash': f'{FOLLOWED},{OTHER}'})

    assert not result.failed, result.entries[-1]['Contents']
    assert [s['group_action_id'] for s in status_requests(replay_server)] == [3001]  # the other file was checked
    by_hash = {record['file_hash']: record for record in records(result)}
    assert by_hash[FOLLOWED]['status'] != 'IN_PROGRESS'
    unfollowed = by_hash[OTHER]
    assert unfollowed['status'] == 'FAILED' and 'action_id' not in unfollowed
    assert json.dumps(action_id) in unfollowed['error'] or repr(action_id) in unfollowed['error']
    assert 'cannot be followed' in unfollowed['error'] and 'Action Center' in unfollowed['error']
    restores = [r for r in replay_server.requests if r.path.endswith('/restore/')]
    assert len(restores) == 2  # accepted: never sent again


def test_one_file_whose_action_id_cannot_be_carried_says_it_cannot_be_followed_without_polling(replay_server):
    replay_server.queue(200, {'reply': {'action_id': {'id': 1001}, 'endpoints_count': '3'}})

    result = room(replay_server).run('restore-file', {'file_hash': FOLLOWED})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'PollingCommand' not in entry
    assert 'cannot be followed' in entry['Contents'] and 'Action Center' in entry['Contents']
    assert not status_requests(replay_server)
