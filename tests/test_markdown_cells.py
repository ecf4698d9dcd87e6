"""A war-room table keeps its columns whatever a vendor's text holds: a reason that ends with a backslash (a Windows
folder) does not escape the pipe that closes its cell."""
from __future__ import annotations

from conftest import markdown_rows
from test_reply_shapes import room

HASH = 'c' * 64
ENDPOINT = '5a763600a3e44928a94ba84b6088380f'
REASON = 'Could not write the file back to C:\\Users\\Public\\Downloads\\'


def test_a_reason_ending_with_a_backslash_stays_in_its_own_cell(replay_server):
    replay_server.queue(200, {'reply': {'action_id': 7, 'endpoints_count': 1}})
    replay_server.queue(200, {'reply': {'data': {ENDPOINT: 'FAILED'},
                                        'errorReasons': {ENDPOINT: {'errorText': REASON}}}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    [row] = markdown_rows(result.entries[-1]['HumanReadable'])
    assert row['endpoint_id'] == ENDPOINT and row['status'] == 'FAILED'
    assert row['error_description'].rstrip() == REASON
