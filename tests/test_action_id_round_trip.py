"""An action ID restore-file accepted and follows (the README: "the action ID as a number or a text, kept in
context and carried between polls in a JSON list exactly as received") survives the hidden action_id argument the
command writes for its next check, and reaches Cortex XDR's status API as it came, but for a text of digits alone,
which goes as the Integer the API's reference gives group_action_id."""
from __future__ import annotations

import json

import pytest

from conftest import XDR_REPLIES, load_json
from warroom.context import as_list, get_path
from test_reply_shapes import room  # one request at a time, answered in the order queued

FINAL = load_json(XDR_REPLIES / 'action_status_final.json')
HASH = 'c' * 64



@pytest.mark.parametrize('action_id, sent', [('grp:2457', 'grp:2457'), ('act.7', 'act.7'), (' 2457', ' 2457'),
                                              ('2457 ', '2457 '), (2457.0, 2457.0), (-3, -3), (10 ** 19, 10 ** 19),
                                              ('2457', 2457)])
def test_an_action_id_the_first_run_followed_is_read_back_by_the_next_check(replay_server, action_id, sent):
    replay_server.queue(200, {'reply': {'action_id': action_id, 'endpoints_count': 3}}).queue(200, FINAL)

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    assert 'PollingCommand' in result.entries[0]  # the first run followed it
    assert not result.failed, result.entries[-1]['Contents']
    [_, status] = [json.loads(r.body)['request_data'] for r in replay_server.requests]
    assert status['group_action_id'] == sent and type(status['group_action_id']) is type(sent)
    [record] = as_list(get_path(result.context, 'CortexXDR.RestoredFile'))
    assert record['action_id'] == action_id and record['status'] != 'IN_PROGRESS'
