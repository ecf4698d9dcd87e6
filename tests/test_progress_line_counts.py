"""The one-line progress of a restore-file check counts every endpoint of the restore: a file whose action ended at
an earlier check still counts, so the numbers an analyst reads never go backwards between checks; and so does the
last check's title."""
from __future__ import annotations

import re

import pytest

from facts import XDR_FINAL_STATUSES as FINAL_STATUSES, XDR_SUCCESS_STATUS
from conftest import XDR_REPLIES, load_json, markdown_rows
from test_reply_shapes import room  # one request at a time, answered in the order queued

RUNNING = load_json(XDR_REPLIES / 'action_status_running.json')
FINAL = load_json(XDR_REPLIES / 'action_status_final.json')
PROGRESS = re.compile(r'(\d+) of (\d+) endpoint(?:s| restores) final \((\d+) restored, (\d+) failed\), (\d+) running')


def counts(reply):
    statuses = list(reply['reply']['data'].values())
    final = [s for s in statuses if s in FINAL_STATUSES]
    restored = final.count(XDR_SUCCESS_STATUS)
    return len(final), len(statuses), restored, len(final) - restored, len(statuses) - len(final)


def test_progress_still_counts_the_endpoints_of_a_file_that_finished_at_an_earlier_check(replay_server):
    # Two files: the first one's action ends at the first check, the second one's runs for two more.
    replay_server.queue(200, {'reply': {'action_id': 1, 'endpoints_count': 3}})
    replay_server.queue(200, {'reply': {'action_id': 2, 'endpoints_count': 3}})
    replay_server.queue(200, FINAL).queue(200, RUNNING)  # check 1: file a final, file b running
    replay_server.queue(200, RUNNING)  # check 2: file b still running
    replay_server.queue(200, FINAL)  # check 3: file b final

    result = room(replay_server).run('restore-file', {'file_hash': f'{"a" * 64},{"b" * 64}'})

    assert not result.failed, result.entries[-1]
    lines = [PROGRESS.search(entry['HumanReadable']) for entry in result.entries[1:-1]]
    assert len(lines) == 2 and all(lines), [entry['HumanReadable'] for entry in result.entries]
    a_final, b_running = counts(FINAL), counts(RUNNING)
    expected = tuple(x + y for x, y in zip(a_final, b_running))  # file a's endpoints, and file b's so far
    assert tuple(map(int, lines[0].groups())) == expected
    assert tuple(map(int, lines[1].groups())) == expected  # nothing happened between: the same numbers


def test_progress_of_several_files_on_the_same_endpoints_counts_no_more_endpoints_than_there_are(replay_server):
    # Two files quarantined on the same endpoints: each endpoint restores both, so the line counts two restores on
    # each. Called endpoints, that count would say twice as many endpoints as the actions reached.
    replay_server.queue(200, {'reply': {'action_id': 1, 'endpoints_count': 3}})
    replay_server.queue(200, {'reply': {'action_id': 2, 'endpoints_count': 3}})
    replay_server.queue(200, RUNNING).queue(200, RUNNING)  # check 1: both running, on the same endpoints
    replay_server.queue(200, FINAL).queue(200, FINAL)  # check 2: both final

    result = room(replay_server).run('restore-file', {'file_hash': f'{"a" * 64},{"b" * 64}'})

    assert not result.failed, result.entries[-1]
    line = result.entries[1]['HumanReadable']
    endpoints = len(RUNNING['reply']['data'])
    said = re.search(r'of (\d+) endpoints\b', line)
    assert said is None or int(said.group(1)) <= endpoints, line
    assert PROGRESS.search(line), line  # the restores are still counted


@pytest.mark.parametrize('files', [2, 3])
def test_the_last_check_s_title_counts_the_files_that_finished_at_an_earlier_check_listed_under_its_table(
        replay_server, files):
    # The first file's action ends at the first check, the others' at the second, the last: its entry lists the
    # others' endpoints in its table and the first file on a line under it, so its title counts all of them, and the
    # table names each row's file, as the title names none.
    hashes = [letter * 64 for letter in 'abc'[:files]]
    for number in range(files):
        replay_server.queue(200, {'reply': {'action_id': number + 1, 'endpoints_count': 3}})
    replay_server.queue(200, FINAL)  # check 1: the first file final, the others running
    for _ in hashes[1:]:
        replay_server.queue(200, RUNNING)
    for _ in hashes[1:]:  # check 2: the others final
        replay_server.queue(200, FINAL)

    result = room(replay_server).run('restore-file', {'file_hash': ','.join(hashes)})

    assert not result.failed and len(result.entries) == 3, result.entries[-1]
    last = result.entries[-1]['HumanReadable']
    _, _, restored, failed, _ = counts(FINAL)
    assert last.splitlines()[0] == (f'### Restore of {files} files checked: {files} actions final, '
                                    f'{files * restored} endpoint restores done, {files * failed} failed'), last
    assert sorted({row['file_hash'] for row in markdown_rows(last)}) == hashes[1:], last
    assert f'- {hashes[0]}: ' in last and 'finished at an earlier check' in last, last
