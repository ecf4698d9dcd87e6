"""Edges of restore-file's checks that README and the Cortex XDR pages fix, over HTTP to a replay of Cortex XDR's
answers (test_data/xdr/replies): each test fails if the bound it names moves by one."""
from __future__ import annotations

import json
import re

import pytest

from conftest import XDR_REPLIES, FakeClock, integration_on_clock, load_json
from facts import ENTRY_ERROR  # XSOAR's error entry type (4), not the war room's constant
from warroom.context import as_list
from warroom.runtime import WarRoom

FINAL = load_json(XDR_REPLIES / 'action_status_final.json')
FAILURE_500 = load_json(XDR_REPLIES / 'error_500.json')


def room(replay_server, **params):
    """One request at a time, none retried: the replay server answers in the order it was given."""
    settings = {'xdr_url': replay_server.url, 'xdr_api_key_id': '9', 'xdr_api_key': {'password': 'k' * 40},
                'xdr_auth_type': 'standard', 'retry_backoff': '0', 'max_concurrency': '1', 'max_retries': '0'}
    return WarRoom(params={**settings, **params}, time_scale=0, sleep=lambda _: None)


def hashes_of(count):
    return [f'{n:064x}' for n in range(1, count + 1)]


@pytest.mark.parametrize('unread, more', [(3, ''), (4, 'And 1 more action whose status was not read'),
                                          (8, 'And 5 more actions whose status was not read')])
def test_a_check_line_gives_why_for_the_first_three_statuses_not_read_and_counts_the_others(replay_server, unread,
                                                                                              more):
    # README, "Quiet while it waits": how many files' statuses that check could not read, "why under it for the
    # first three, and how many more". Three unread: three reasons and no "more"; four: three and "1 more" (one
    # action); eight: three and "5 more" (actions).
    hashes = hashes_of(unread)
    for number in range(unread):
        replay_server.queue(200, {'reply': {'action_id': 10 + number, 'endpoints_count': '3'}})
    for _ in range(unread):  # the first check: every status read meets a 500, not retried
        replay_server.queue(500, FAILURE_500)
    for _ in range(unread):  # the second: every action final
        replay_server.queue(200, FINAL)

    result = room(replay_server).run('restore-file', {'file_hash': ','.join(hashes)})

    assert not result.failed, result.entries[-1]
    check = result.entries[1]['HumanReadable']
    assert 'PollingCommand' in result.entries[1], result.entries[1]
    reasons = [line for line in check.splitlines() if line.startswith('Action ')]
    assert len(reasons) == 3, check
    assert [re.search(r'\((\w+)\)', line)[1] for line in reasons] == hashes[:3]
    counted = [line for line in check.splitlines() if line.startswith('And ')]
    assert counted == ([f'{more} (the error of each record in CortexXDR.RestoredFile).'] if more else []), check
    assert check.splitlines()[-1] == (counted or reasons)[-1], check  # the count closes the notes


@pytest.mark.parametrize('not_read, partly_listed, more', [
    (0, 5, ['And 2 more actions whose status lists fewer endpoints than the restore included']),
    (4, 2, ['And 1 more action whose status was not read',
            'And 2 more actions whose status lists fewer endpoints than the restore included'])])
def test_a_check_counts_the_actions_past_three_notes_whose_status_lists_fewer_endpoints_apart_from_those_not_read(
        replay_server, not_read, partly_listed, more):
    # README: a status read that "lists fewer endpoints than the restore included" leaves the action in progress, its
    # error and the check's line say how many are not listed yet: that status was read. The notes past the first three
    # ("and how many more", README) count those apart from the statuses the check could not read.
    hashes = hashes_of(not_read + partly_listed)
    five = dict(FINAL['reply']['data'], **{f'{n:032x}': 'COMPLETED_SUCCESSFULLY' for n in range(2)})
    for number in range(len(hashes)):  # five endpoints each; the recorded final status lists three of them
        replay_server.queue(200, {'reply': {'action_id': 10 + number, 'endpoints_count': '5'}})
    for _ in range(not_read):  # the first check, in the order of the files: statuses not read (a 500, not retried)
        replay_server.queue(500, FAILURE_500)
    for _ in range(partly_listed):  # then statuses listing three of the five endpoints
        replay_server.queue(200, FINAL)
    for _ in hashes:  # the second check: the five endpoints listed, every one final
        replay_server.queue(200, {'reply': dict(FINAL['reply'], data=five)})

    result = room(replay_server).run('restore-file', {'file_hash': ','.join(hashes)})

    assert not result.failed and 'PollingCommand' in result.entries[1], result.entries[-1]
    line, *notes = filter(None, result.entries[1]['HumanReadable'].splitlines())
    assert ('not read' in line) is bool(not_read), line
    assert len(notes) == 3 + len(more) and all(note.startswith('Action ') for note in notes[:3]), notes
    assert notes[3:] == [f'{count} (the error of each record in CortexXDR.RestoredFile).' for count in more], notes


def test_a_check_whose_status_lists_no_endpoint_yet_writes_its_one_line_and_no_error_on_the_record(replay_server):
    # README, "Quiet while it waits": a check that is not the last writes one line, which says how many files have
    # no endpoint listed yet (still running: a new action's status may list none). Such a read is not a status
    # partly read: no note under the line, and the record's error stays empty. The restore included three endpoints
    # (endpoints_count, the Restore File page's "Number of endpoints included in the request").
    [file_hash] = hashes_of(1)
    replay_server.queue(200, {'reply': {'action_id': 31, 'endpoints_count': '3'}})
    replay_server.queue(200, {'reply': {'data': {}}})  # the first check: no endpoint listed yet
    replay_server.queue(200, FINAL)  # the second: every endpoint final

    result = room(replay_server).run('restore-file', {'file_hash': file_hash})

    assert not result.failed, result.entries[-1]
    check = result.entries[1]
    assert 'PollingCommand' in check, check
    assert check['HumanReadable'].splitlines() == [check['HumanReadable']], check['HumanReadable']
    assert 'no endpoint listed yet for 1 file;' in check['HumanReadable'], check['HumanReadable']
    [record] = as_list(next(iter(check['EntryContext'].values())))
    assert record['status'] == 'IN_PROGRESS' and not record.get('error'), record


def test_a_check_whose_status_lists_one_of_three_endpoints_keeps_it_running_and_says_two_are_not_listed_yet(
        replay_server):
    # README, "Every reply shape": a status read listing fewer endpoints than the restore included leaves the action
    # in progress, and the record's error says how many are not listed yet; one listed is fewer, as none is not a
    # partial listing (above). The restore included three endpoints; the first check lists one of them, ended.
    [file_hash] = hashes_of(1)
    [(endpoint, status)] = list(FINAL['reply']['data'].items())[:1]
    replay_server.queue(200, {'reply': {'action_id': 32, 'endpoints_count': '3'}})
    replay_server.queue(200, {'reply': {'data': {endpoint: status}}})  # the first check: one of the three
    replay_server.queue(200, FINAL)  # the second: every endpoint final

    result = room(replay_server).run('restore-file', {'file_hash': file_hash})

    assert not result.failed, result.entries[-1]
    check = result.entries[1]
    assert 'PollingCommand' in check, check
    [record] = as_list(next(iter(check['EntryContext'].values())))
    assert record['status'] == 'IN_PROGRESS' and record['endpoints_count'] == 3, record
    assert '2 not listed yet' in record.get('error', ''), record


@pytest.mark.parametrize('files, counted', [(21, '- and 1 more file (CortexXDR.RestoredFile)'),
                                            (24, '- and 4 more files (CortexXDR.RestoredFile)')])
def test_a_final_entry_past_fifty_endpoint_rows_accounts_for_every_file_named_or_counted(replay_server, files, counted):
    # README: past 50 endpoints the final entry counts and groups instead of listing, and it "covers every file
    # given"; files are named up to 20, then "and N more" (README, "Readable at any scale"). 21 files on the three
    # endpoints of the recorded final status: 63 rows, 20 files named, the one file left counted; 24: four files.
    hashes = hashes_of(files)
    for number in range(len(hashes)):
        replay_server.queue(200, {'reply': {'action_id': 100 + number, 'endpoints_count': '3'}})
    for _ in hashes:
        replay_server.queue(200, FINAL)

    result = room(replay_server).run('restore-file', {'file_hash': ','.join(hashes)})

    last = result.entries[-1]
    assert 'PollingCommand' not in last, last
    text = last['HumanReadable']
    named = [h for h in hashes if re.search(rf'^- {h}: ', text, re.MULTILINE)]
    assert named == hashes[:20], text
    assert re.findall(r'^- and \d+ more.*', text, re.MULTILINE) == [counted], text


def test_a_check_whose_status_reads_are_all_refused_goes_on_polling_when_it_started_a_late_restore(replay_server):
    # README: Cortex XDR refusing the key at every status read of a check ends polling, "unless a late restore that
    # check sent was started: polling then goes on, to follow it". The first run starts one file and meets a 503 on
    # the other (not acted on: the next check sends it); that check starts it, and its one status read meets a 403.
    hashes = hashes_of(2)
    replay_server.queue(200, {'reply': {'action_id': 41, 'endpoints_count': '3'}})
    replay_server.queue_file(503, 'error_500.json')  # the second file: a 503, sent again by the next check
    replay_server.queue(200, {'reply': {'action_id': 42, 'endpoints_count': '3'}})  # the first check sends it
    replay_server.queue_file(403, 'error_403.json')  # and its status read of action 41 is refused
    replay_server.queue(200, FINAL).queue(200, FINAL)  # the second check reads both

    result = room(replay_server).run('restore-file', {'file_hash': ','.join(hashes)})

    first, check, *_ = result.entries
    assert 'PollingCommand' in check and check['Type'] != ENTRY_ERROR, check
    assert not result.failed, result.entries[-1]
    records = {r['file_hash']: r for entry in result.entries[1:] for r in as_list(next(iter(
        entry['EntryContext'].values())))}
    assert {h: records[h]['status'] for h in hashes} == dict.fromkeys(hashes, 'COMPLETED_WITH_FAILURES'), records


@pytest.mark.parametrize('name', ['restore_reply_status_number.json', 'restore_reply_status_text.json',
                                  'restore_reply_status_boolean.json'])
def test_a_restore_whose_status_says_it_succeeded_in_any_spelling_is_followed_with_nothing_said_odd(replay_server,
                                                                                                  name):
    # The Restore File page: status "1 - succeeded"; 1, "1" and JSON's true say the same. The action is followed
    # and its record notes no part of the answer as unreadable.
    reply = load_json(XDR_REPLIES / 'variants' / name)['reply']
    replay_server.queue(200, {'reply': reply}).queue(200, FINAL)

    result = room(replay_server).run('restore-file', {'file_hash': hashes_of(1)[0]})

    first = result.entries[0]
    assert 'PollingCommand' in first, first
    [record] = as_list(next(iter(first['EntryContext'].values())))
    assert record['action_id'] == reply['action_id'] and record['status'] == 'IN_PROGRESS', record
    assert not record.get('error'), record


def restores_sent(replay_server):
    return [json.loads(r.body)['request_data']['file_hash'] for r in replay_server.requests
            if r.path.endswith('/endpoints/restore/')]


@pytest.mark.parametrize('late, sent', [(29, True), (30, False)])
def test_a_check_with_two_intervals_of_polling_left_or_less_sends_no_late_restore(monkeypatch, replay_server, late,
                                                                                   sent):
    # README: a restore is sent at a check only while a next check can still follow it, "and with two intervals or
    # less left it sends none" (it is listed *Not started*). 60 s of polling, a check every 10 s; the second file
    # meets a 503 at the first run (not acted on: promised to the next check, 50 s being left), and XSOAR runs that
    # check ``late`` seconds after its interval: 40 s in, 20 s are left (two intervals): not sent; 39 s in, 21 s: sent.
    clock = FakeClock()
    integration_on_clock(monkeypatch, clock)
    started, late_file = hashes_of(2)
    replay_server.queue(200, {'reply': {'action_id': 51, 'endpoints_count': '3'}})
    replay_server.queue_file(503, 'error_500.json')
    if sent:
        replay_server.queue(200, {'reply': {'action_id': 52, 'endpoints_count': '3'}})
    replay_server.queue(200, FINAL).queue(200, FINAL)
    params = dict(room(replay_server).params, xdr_rate_limit='1000')
    entries = []

    def first_check_late(entry):
        entries.append(entry)
        if len(entries) == 1:
            clock.advance(late)
    runs = WarRoom(params=params, sleep=clock.advance, clock=clock, on_entry=first_check_late)

    result = runs.run('restore-file', {'file_hash': f'{started},{late_file}', 'timeout_in_seconds': '60'})

    assert json.loads(result.entries[0]['PollingArgs']['unsent']) == [late_file]  # promised to the next check
    assert restores_sent(replay_server) == [started, late_file] + ([late_file] if sent else [])
    if not sent:
        text = result.entries[-1]['HumanReadable']  # README: such a file is listed *Not started* in the entry
        assert '**Not started' in text and late_file in text.split('**Not started', 1)[1], text
