"""!restore-file through the war room, over HTTP to the emulated tenant, polled to the end."""
from __future__ import annotations

import json
import re

import pytest
import requests

import conftest
import facts
import restore_integration
from commonmark_reading import as_commonmark_reads
from conftest import FakeClock, integration_on_clock, markdown_rows, seed_failing_endpoints, seed_holders, start_tenant
from warroom.context import as_list, get_path
from facts import ENTRY_ERROR  # XSOAR's error entry type (4), not the war room's constant
from warroom.emulator.faults import FaultPlan
from warroom.emulator.httpserver import LoopbackServer
from warroom.emulator.xdr import create_app
from warroom.emulator.xdr.responses import ACTION_STATUS_PATH, RESTORE_PATH
from warroom.line import parse_line
from warroom.runtime import Demisto, WarRoom
from test_fault_plan_properties import run_timed  # each run's start and end on the test clock

HOLDERS = seed_holders()
FAILING = seed_failing_endpoints()
# A hash some of whose holders fail, and one whose holders all succeed: taken from the seed, not written here.
PARTLY_FAILING_HASH = next(h for h, eps in sorted(HOLDERS.items()) if any(e in FAILING for e in eps)
                           and any(e not in FAILING for e in eps))
CLEAN_HASH = next(h for h, eps in sorted(HOLDERS.items()) if len(eps) > 1 and not any(e in FAILING for e in eps))


def run_script(params, command, args):
    """restore_integration.main with a bare demisto object: no war-room checks in front of it."""
    demisto = Demisto(params, command, args, {}, [])
    restore_integration.main(demisto)
    return demisto.entries


def restored_record(result):
    return get_path(result.context, 'CortexXDR.RestoredFile')


def test_restore_without_endpoint_reaches_every_endpoint_holding_the_file(xdr_tenant, war_room_on):
    result = war_room_on(xdr_tenant).run('restore-file', {'file_hash': CLEAN_HASH})

    record = restored_record(result)
    assert not result.failed
    assert record['status'] == 'COMPLETED_SUCCESSFULLY'
    assert sorted(e['endpoint_id'] for e in record['endpoints']) == sorted(HOLDERS[CLEAN_HASH])
    assert record['restored_count'] == len(HOLDERS[CLEAN_HASH]) and record['failed_count'] == 0
    for endpoint_id in HOLDERS[CLEAN_HASH]:
        assert CLEAN_HASH in xdr_tenant.backend.restored(endpoint_id)
        assert CLEAN_HASH not in xdr_tenant.backend.quarantined(endpoint_id)


def test_an_empty_list_from_context_for_a_single_valued_argument_is_no_value(xdr_tenant, war_room_on):
    # A playbook hands FirstArrayElement's answer to an empty context value, [] (demisto/content's FirstArrayElement):
    # no incident ID, no endpoint; the restore goes everywhere, as with the arguments left out.
    result = war_room_on(xdr_tenant).run('restore-file', {'file_hash': CLEAN_HASH, 'incident_id': [],
                                                          'endpoint_id': []})

    assert not result.failed, result.entries[-1]
    [body] = [body for method, path, body in xdr_tenant.gateway.requests if path.endswith('/restore/')]
    assert body['request_data'] == {'file_hash': CLEAN_HASH}
    assert restored_record(result)['status'] == 'COMPLETED_SUCCESSFULLY'


def test_an_endpoint_id_from_context_listing_one_endpoint_once_per_alert_restores_on_that_endpoint(advanced_tenant,
                                                                                                  war_room_on):
    # endpoint_id=${PaloAltoNetworksXDR.Incident.alerts.endpoint_id}: CortexXDRIR writes an endpoint_id on each alert,
    # so an incident whose alerts all came from one endpoint lists it once per alert. That is one endpoint, not several
    # to run the command once for each (the second run would find no quarantined copy left).
    endpoint = HOLDERS[PARTLY_FAILING_HASH][0]
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': PARTLY_FAILING_HASH,
                                                               'endpoint_id': [endpoint] * 3})

    assert result.entries[-1]['Type'] != ENTRY_ERROR, result.entries[-1]
    [body] = [body for method, path, body in advanced_tenant.gateway.requests if path.endswith('/restore/')]
    assert body['request_data'] == {'file_hash': PARTLY_FAILING_HASH, 'endpoint_id': endpoint}
    assert [e['endpoint_id'] for e in restored_record(result)['endpoints']] == [endpoint]


def test_failing_endpoint_is_reported_with_its_reason_and_keeps_the_file(advanced_tenant, war_room_on):
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': PARTLY_FAILING_HASH})

    record = restored_record(result)
    assert record['status'] == 'COMPLETED_WITH_FAILURES'
    by_endpoint = {e['endpoint_id']: e for e in record['endpoints']}
    assert set(by_endpoint) == set(HOLDERS[PARTLY_FAILING_HASH])
    for endpoint_id, endpoint in by_endpoint.items():
        if endpoint_id in FAILING:
            assert endpoint['status'] == FAILING[endpoint_id]['status']
            assert endpoint['error_description'] == FAILING[endpoint_id]['error_description']
            assert PARTLY_FAILING_HASH in advanced_tenant.backend.quarantined(endpoint_id)
        else:
            assert endpoint['status'] == 'COMPLETED_SUCCESSFULLY'
            assert PARTLY_FAILING_HASH in advanced_tenant.backend.restored(endpoint_id)
    assert record['failed_count'] == sum(e in FAILING for e in HOLDERS[PARTLY_FAILING_HASH])
    final_text = result.entries[-1]['HumanReadable']
    for endpoint_id in by_endpoint:
        assert endpoint_id in final_text
        if endpoint_id in FAILING:  # the reason reported where the analyst reads, not only in context
            assert FAILING[endpoint_id]['error_description'] in final_text


def test_a_final_report_with_a_failed_endpoint_says_how_to_restore_the_file_there_once_fixed(advanced_tenant,
                                                                                                  war_room_on):
    # Cortex XDR's reason says what went wrong on the endpoint, not what to do: a close from the dialog gets no summary
    # note, so the entry itself says it; a restore with no failure says nothing of it.
    failed = war_room_on(advanced_tenant).run('restore-file', {'file_hash': PARTLY_FAILING_HASH})
    clean = war_room_on(advanced_tenant).run('restore-file', {'file_hash': CLEAN_HASH})

    advice = ('For each endpoint that failed: once what its error_description says is fixed, restore the file there '
              'in Cortex XDR > Response > Action Center, or run restore-file with that file_hash and endpoint_id.')
    assert advice in failed.entries[-1]['HumanReadable'], failed.entries[-1]['HumanReadable']
    assert 'failed:' not in clean.entries[-1]['HumanReadable'], clean.entries[-1]['HumanReadable']


def test_endpoint_id_limits_the_restore_to_that_endpoint(advanced_tenant, war_room_on):
    chosen, *others = HOLDERS[CLEAN_HASH]

    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': CLEAN_HASH, 'endpoint_id': chosen})

    record = restored_record(result)
    assert [e['endpoint_id'] for e in record['endpoints']] == [chosen]
    assert record['endpoint_id'] == chosen
    assert CLEAN_HASH in advanced_tenant.backend.restored(chosen)
    for other in others:
        assert CLEAN_HASH in advanced_tenant.backend.quarantined(other)


def run_on_simulated_time(stage_seconds, args, started: list | None = None, **tenant_options):
    """The war room's polling waits advance the tenant's clock: stages pass exactly, with no real sleep. The tenant
    is appended to ``started``, when given, for its backend to be read after the run."""
    clock = FakeClock()
    tenant = start_tenant(stage_seconds=stage_seconds, clock=clock, **tenant_options)
    if started is not None:
        started.append(tenant)
    try:
        return WarRoom(params=tenant.params(), time_scale=1.0, sleep=clock.advance).run('restore-file', args)
    finally:
        tenant.server.stop()


def test_polling_follows_the_action_through_each_stage_to_the_end():
    started = []
    result = run_on_simulated_time(10, {'file_hash': CLEAN_HASH, 'interval_in_seconds': '10'}, started)
    [tenant] = started
    [sent_action_id] = tenant.backend.actions  # the one action the emulated Cortex XDR started, by its own log

    first, *polls = result.entries
    assert first['PollingCommand'] == 'restore-file'
    assert first['NextRun'] == '10'
    # README: the default timeout_in_seconds, plus the margin hss-restore-isolated adds (room for a first and a last
    # run)
    assert int(first['Timeout']) == 600 + facts.POLLING_TIMEOUT_MARGIN_SECONDS
    action_id = first['EntryContext'][next(iter(first['EntryContext']))]['action_id']
    assert action_id == sent_action_id
    assert json.loads(first['PollingArgs']['action_id']) == [sent_action_id]  # as Cortex XDR sent it
    assert first['PollingArgs']['file_hash'] == CLEAN_HASH
    seen = [set(poll['Contents']['data'].values()) for poll in polls]
    assert seen == [{'IN_PROGRESS'}, {'COMPLETED_SUCCESSFULLY'}]
    assert 'PollingCommand' in polls[0] and 'PollingCommand' not in polls[-1]
    assert result.runs == 3
    # The one context object was updated in place (DT key on action_id), not appended to.
    assert restored_record(result)['action_id'] == sent_action_id
    assert restored_record(result)['status'] == 'COMPLETED_SUCCESSFULLY'
    # each stage's check asked the status of that action: one status request per poll, none of another action
    checks = [request.body for request in tenant.gateway.requests if request.path.endswith('/get_action_status/')]
    assert len(checks) == len(polls), checks
    assert [body['request_data']['group_action_id'] for body in checks] == [sent_action_id] * len(polls), checks


@pytest.mark.parametrize('status', facts.XDR_FAILURE_STATUSES)
def test_every_final_failure_status_cortex_xdr_may_report_ends_the_polling_at_the_check_that_reads_it(status):
    """A status counted as running keeps polling to the timeout: each final one (CANCELED as demisto/content spells it
    too, tests/facts.py) ends it at the check that reads it, the endpoint counted as failed."""
    seed = conftest.load_json(conftest.XDR_SEED)
    for endpoint in seed['endpoints']:
        if endpoint['endpoint_id'] in FAILING:
            endpoint['restore_failure'] = dict(endpoint['restore_failure'], status=status)

    result = run_on_simulated_time(10, {'file_hash': PARTLY_FAILING_HASH, 'interval_in_seconds': '10'}, seed=seed)

    assert not result.failed, result.entries[-1]
    assert result.runs == 3 and 'PollingCommand' not in result.entries[-1]  # the restore, IN_PROGRESS, then final
    record = restored_record(result)
    statuses = {e['endpoint_id']: e['status'] for e in record['endpoints']}
    assert statuses == {endpoint_id: status if endpoint_id in FAILING else facts.XDR_SUCCESS_STATUS
                        for endpoint_id in HOLDERS[PARTLY_FAILING_HASH]}
    assert record['status'] == facts.xdr_outcome(statuses.values())
    assert record['failed_count'] == sum(endpoint_id in FAILING for endpoint_id in HOLDERS[PARTLY_FAILING_HASH])


def test_polling_false_returns_the_action_without_following_it(advanced_tenant, war_room_on):
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': CLEAN_HASH, 'polling': 'false'})

    [entry] = result.entries
    assert 'PollingCommand' not in entry
    record = restored_record(result)
    assert record['status'] == 'IN_PROGRESS'
    assert record['endpoints_count'] == len(HOLDERS[CLEAN_HASH])
    assert isinstance(record['action_id'], int)
    assert not [r for r in advanced_tenant.gateway.requests if r.path.endswith('/get_action_status/')]  # not followed


def test_the_first_entry_of_several_files_says_every_endpoint_holding_them(advanced_tenant, war_room_on):
    """The seed: without endpoint_id the restore runs on all endpoints relating to the file. Of several files, the
    title says them, not "it", which reads as one file among several."""
    hashes = sorted(HOLDERS)[:2]
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})

    title = result.entries[0]['HumanReadable'].splitlines()[0]
    assert 'every endpoint holding them' in title and 'holding it' not in title, title


def test_the_first_entry_of_several_files_started_without_a_problem_has_no_error_column(advanced_tenant, war_room_on):
    """An error column empty in every row is noise an analyst reads past: the table shows only the columns some row
    fills, as tableToMarkdown shows what it is given. Its rows are the restores, each with its action."""
    hashes = sorted(HOLDERS)[:2]
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})

    assert not result.failed, result.entries
    rows = markdown_rows(result.entries[0]['HumanReadable'])
    records = {record['file_hash']: record for record in as_list(restored_record(result))}
    assert [row['file_hash'] for row in rows] == hashes and 'error' not in rows[0], rows
    assert all(row['action_id'] == str(records[row['file_hash']]['action_id']) for row in rows), (rows, records)


def test_the_final_table_of_a_restore_every_endpoint_completed_has_no_error_description_column(advanced_tenant,
                                                                                               war_room_on):
    """A column empty in every row is noise: the final table after polling names the column of Cortex XDR's reason
    only when some endpoint has one (test_every_endpoint_row_of_the_final_entry_matches_the_context reads it then)."""
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': CLEAN_HASH})

    assert not result.failed, result.entries
    endpoints = as_list(restored_record(result)['endpoints'])
    assert endpoints and not any(endpoint.get('error_description') for endpoint in endpoints), endpoints
    final = result.entries[-1]['HumanReadable']
    assert [line for line in final.splitlines() if line.startswith('|')][0] == '|endpoint_id|status|', final


# What the last check of a polling sequence must not say: no check follows it.
PROMISES = ('checking again', 'next check')


def follow_line(text):
    """The war-room line a record's error (plain text) gives to follow a restore: from "!restore-file" to the end of
    its sentence."""
    return parse_line(re.search(r'!restore-file [^\n]*?(?=\.(?:\s|$))', text).group())


def shown_follow_line(markdown):
    """The war-room line an entry's markdown gives to follow a restore: its one code span holding a restore-file line,
    as an analyst copies it."""
    [line] = [parse_line(span) for span in as_commonmark_reads(markdown)[0] if span.startswith('!restore-file ')]
    return line


def test_polling_false_gives_the_restore_file_line_that_checks_the_action_later(advanced_tenant, war_room_on):
    """README: a check by hand is restore-file given the file's action_id. An analyst who chose not to wait gets that
    line in the first entry, as the last polling entry gives it; run, it reads the same action and starts no other."""
    room = war_room_on(advanced_tenant)
    endpoint = HOLDERS[CLEAN_HASH][0]
    started = room.run('restore-file', {'file_hash': CLEAN_HASH, 'endpoint_id': endpoint, 'incident_id': '412',
                                        'polling': 'false'})

    [entry] = started.entries
    record = restored_record(started)
    line = shown_follow_line(entry['HumanReadable'])
    assert line.command == 'restore-file' and json.loads(line.args['action_id']) == [record['action_id']], line
    assert (line.args['file_hash'], line.args.get('endpoint_id'), line.args.get('incident_id')) == (
        CLEAN_HASH, endpoint, '412')
    checked = room.run(line.command, dict(line.args, polling='false'))
    assert not checked.failed, checked.entries[-1]
    assert restored_record(checked)['status'] == 'COMPLETED_SUCCESSFULLY'
    assert len(advanced_tenant.backend.actions) == 1  # followed, not restored again


def clocked_room(monkeypatch, stage_seconds):
    """A tenant whose actions take ``stage_seconds`` a stage, and a war room: the war room's waits, the integration's
    waits for its turns and the clocks both read polling time from move one test clock, by which each run is timed."""
    clock = FakeClock()
    moved = integration_on_clock(monkeypatch, clock)
    tenant = start_tenant(stage_seconds=stage_seconds, clock=clock, wall_clock=moved.time)
    return tenant, WarRoom(params=tenant.params(), sleep=clock.advance, clock=clock), clock


def test_a_check_by_hand_that_finds_the_action_still_running_gives_the_line_that_checks_it_again(monkeypatch):
    """A polling=false start says how to follow its action; a check by hand (polling=false) that finds the action
    still running says it again, in its entry: the restore-file line that reads the same action, starting no other."""
    tenant, room, _ = clocked_room(monkeypatch, 100)  # the action outlives both checks
    try:
        started = room.run('restore-file', {'file_hash': CLEAN_HASH, 'polling': 'false'})
        line = shown_follow_line(started.entries[0]['HumanReadable'])
        checked = room.run(line.command, dict(line.args, polling='false'))
        [entry] = checked.entries
        again = shown_follow_line(entry['HumanReadable'])
        checked_again = room.run(again.command, dict(again.args, polling='false'))
    finally:
        tenant.server.stop()

    assert restored_record(checked)['status'] == 'IN_PROGRESS' and 'PollingCommand' not in entry, entry
    assert (again.command, again.args) == (line.command, line.args), entry['HumanReadable']
    assert not checked_again.failed and restored_record(checked_again)['action_id'] == restored_record(started)[
        'action_id']
    assert len(tenant.backend.actions) == 1  # followed, not restored again


def test_each_reply_of_a_start_and_a_check_of_several_files_names_its_action_and_file(advanced_tenant, war_room_on):
    """A start's or a check's raw response (Contents, what extend-context reads) holds one reply per file: each carries
    its action_id and file_hash beside Cortex XDR's own fields, as the records do, so a path picks out one file's."""
    room = war_room_on(advanced_tenant)
    hashes = sorted(HOLDERS)[:2]
    start = room.run('restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})
    started = as_list(restored_record(start))
    checked = room.run('restore-file', {'file_hash': [r['file_hash'] for r in started], 'polling': 'false',
                                        'action_id': json.dumps([r['action_id'] for r in started])})

    [entry] = checked.entries
    replies = as_list(entry['Contents'])
    named = sorted((record['file_hash'], record['action_id']) for record in started)
    for contents in (start.entries[0]['Contents'], entry['Contents']):  # the restores' replies, then the statuses
        assert sorted((reply['file_hash'], reply['action_id']) for reply in as_list(contents)) == named, contents
    for reply in replies:  # Cortex XDR's reply as it came, beside the IDs
        said = advanced_tenant.backend.get_action_status(reply['action_id'])
        assert {key: reply[key] for key in said} == said, reply


def test_polling_that_reaches_its_timeout_ends_with_its_own_report_of_the_action_still_running(monkeypatch):
    tenant, room, clock = clocked_room(monkeypatch, 100)  # the action outlives the polling
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '25'})

        # The restore and the checks at 10 s and 20 s; a check at 30 s would come past the timeout, so the one at
        # 20 s is the last: its report, not XSOAR's timeout error, ends the polling.
        assert not result.failed, result.entries[-1]
        assert result.runs == 3
        last = result.entries[-1]
        assert 'PollingCommand' not in last
        record = restored_record(result)
        assert record['status'] == 'IN_PROGRESS'
        for text in (last['HumanReadable'], record['error']):
            assert 'polling ended' in text.lower() and 'Cortex XDR > Response > Action Center' in text, text
            assert str(record['action_id']) in text and not any(promise in text for promise in PROMISES), text
        # The command it gives follows the same action once more time has passed: nothing is restored twice.
        line = follow_line(record['error'])
        clock.advance(200)
        followed = room.run(line.command, line.args)
    finally:
        tenant.server.stop()
    assert not followed.failed, followed.entries[-1]
    assert restored_record(followed)['status'] == 'COMPLETED_SUCCESSFULLY'
    assert len(tenant.backend.actions) == 1


def test_the_follow_line_of_a_restore_limited_to_one_endpoint_follows_it_on_that_endpoint_and_incident(monkeypatch):
    """The seed: a restore without endpoint_id runs "on all endpoints which relate to the quarantined file". The line
    that follows a restore limited to one endpoint must say so, or its run records the action as one on every endpoint
    (XSOAR updates the record its DT key matches, field by field), and a later close leaves the others quarantined."""
    tenant, room, clock = clocked_room(monkeypatch, 100)  # the action outlives the polling
    endpoint, *others = HOLDERS[CLEAN_HASH]
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'endpoint_id': endpoint, 'incident_id': '412',
                                           'timeout_in_seconds': '25'})
        line = follow_line(restored_record(result)['error'])
        assert shown_follow_line(result.entries[-1]['HumanReadable']) == line
        assert (line.args.get('endpoint_id'), line.args.get('incident_id')) == (endpoint, '412')
        clock.advance(200)
        followed = room.run(line.command, line.args)
    finally:
        tenant.server.stop()
    assert not followed.failed, followed.entries[-1]
    record = restored_record(followed)
    assert (record['status'], record['endpoint_id'], record['incident_id']) == ('COMPLETED_SUCCESSFULLY', endpoint, 412)
    assert all(CLEAN_HASH in tenant.backend.quarantined(other) for other in others)


def test_a_status_check_not_told_the_endpoint_leaves_the_recorded_endpoint_as_the_restore_set_it(advanced_tenant,
                                                                                                 war_room_on):
    """A check by hand with file_hash and action_id only cannot know whether the action was limited to an endpoint:
    its record leaves endpoint_id out, so XSOAR's update keeps the one the restore wrote."""
    room = war_room_on(advanced_tenant)
    endpoint = HOLDERS[CLEAN_HASH][0]
    started = restored_record(room.run('restore-file', {'file_hash': CLEAN_HASH, 'endpoint_id': endpoint,
                                                        'polling': 'false'}))

    checked = room.run('restore-file', {'file_hash': CLEAN_HASH, 'action_id': json.dumps([started['action_id']]),
                                        'polling': 'false'})

    [entry] = checked.entries
    [written] = as_list(next(iter(entry['EntryContext'].values())))
    assert 'endpoint_id' not in written and written['action_id'] == started['action_id']
    assert restored_record(checked)['endpoint_id'] == endpoint


def test_a_check_by_hand_follows_each_action_of_one_file_as_the_context_pairs_them(advanced_tenant, war_room_on):
    """A file restored on two endpoints, one restore-file each (as a playbook runs it for each endpoint of a list), has
    two records in CortexXDR.RestoredFile: their file_hash and action_id lists, the pairs the refusal of lists that do
    not pair asks for, follow both actions, each record with its own endpoint's status."""
    room = war_room_on(advanced_tenant)
    for endpoint in HOLDERS[CLEAN_HASH]:
        started = as_list(restored_record(room.run('restore-file', {'file_hash': CLEAN_HASH, 'endpoint_id': endpoint,
                                                                    'polling': 'false'})))
    assert [r['endpoint_id'] for r in started] == HOLDERS[CLEAN_HASH]  # one record per action, in the context

    checked = room.run('restore-file', {'file_hash': [r['file_hash'] for r in started], 'polling': 'false',
                                        'action_id': [r['action_id'] for r in started]})

    assert not checked.failed, checked.entries[-1]
    [entry] = checked.entries
    written = {r['action_id']: r for r in as_list(next(iter(entry['EntryContext'].values())))}
    assert sorted(written) == sorted(r['action_id'] for r in started)
    for record in started:
        read = written[record['action_id']]
        assert read['status'] == 'COMPLETED_SUCCESSFULLY', read
        assert [e['endpoint_id'] for e in read['endpoints']] == [record['endpoint_id']], read


def test_a_check_of_two_actions_of_one_file_counts_one_file_not_two(advanced_tenant, war_room_on):
    """A file restored once per endpoint (two actions of one file_hash): the check's title counts the files it checked
    by their hash, one here, not an action as a file."""
    room = war_room_on(advanced_tenant)
    file_hash = next(h for h, endpoints in sorted(HOLDERS.items()) if len(endpoints) == 2)
    started = [restored_record(room.run('restore-file', {'file_hash': file_hash, 'endpoint_id': endpoint,
                                                         'polling': 'false'})) for endpoint in HOLDERS[file_hash]]
    started = as_list(started[-1])  # the context holds one record per action

    checked = room.run('restore-file', {'file_hash': [r['file_hash'] for r in started], 'polling': 'false',
                                        'action_id': [r['action_id'] for r in started]})

    assert not checked.failed, checked.entries[-1]
    title = next(line for line in checked.entries[-1]['HumanReadable'].splitlines() if line.startswith('#'))
    assert re.search(r'\b1 file\b', title) and '2 files' not in title, title


def test_a_check_by_hand_given_the_context_lists_of_a_file_refused_once_follows_its_one_action(advanced_tenant,
                                                                                               war_room_on):
    """A file refused on an endpoint that holds no copy of it (Cortex XDR's 500), then restored on every endpoint
    holding it, has two records, one without action_id: the context's lists (the file twice, one action) follow that
    action, the repeated file_hash read once, as it pairs with action_id only so."""
    room = war_room_on(advanced_tenant)
    empty = next(e['endpoint_id'] for e in conftest.load_json(conftest.XDR_SEED)['endpoints']
                 if e['endpoint_id'] not in HOLDERS[CLEAN_HASH])
    room.run('restore-file', {'file_hash': CLEAN_HASH, 'endpoint_id': empty, 'polling': 'false'})
    records = as_list(restored_record(room.run('restore-file', {'file_hash': CLEAN_HASH, 'polling': 'false'})))
    assert ['action_id' in r for r in records] == [False, True]

    checked = room.run('restore-file', {'file_hash': [r['file_hash'] for r in records], 'polling': 'false',
                                        'action_id': [r['action_id'] for r in records if 'action_id' in r]})

    assert not checked.failed, checked.entries[-1]
    [entry] = checked.entries
    [written] = as_list(next(iter(entry['EntryContext'].values())))
    assert written['status'] == 'COMPLETED_SUCCESSFULLY', written
    assert sorted(e['endpoint_id'] for e in written['endpoints']) == sorted(HOLDERS[CLEAN_HASH])


def test_the_last_check_reports_each_file_finished_still_running_or_not_started(monkeypatch):
    tenant, room, _ = clocked_room(monkeypatch, 100)
    finished, running = sorted(HOLDERS)[:2]
    nowhere = next(c * 64 for c in '0123456789abcdef' if c * 64 not in HOLDERS)  # Cortex XDR refuses it

    def finish_one(entry):  # Cortex XDR ends one action before the first check
        for action in tenant.backend.actions.values():
            action.created_at -= 1000 if action.file_hash == finished else 0
    room.on_entry = finish_one
    try:
        result = room.run('restore-file', {'file_hash': ','.join([finished, running, nowhere]),
                                           'timeout_in_seconds': '25'})
    finally:
        tenant.server.stop()

    assert not result.failed, result.entries[-1]
    last = result.entries[-1]
    text = last['HumanReadable']
    assert 'PollingCommand' not in last and not any(promise in text for promise in PROMISES), text
    records = {record['file_hash']: record for record in as_list(restored_record(result))}
    assert records[finished]['status'] == 'COMPLETED_SUCCESSFULLY' and finished in text
    assert records[running]['status'] == 'IN_PROGRESS' and str(records[running]['action_id']) in text
    assert 'polling ended' in records[running]['error'].lower()
    assert shown_follow_line(text).args['file_hash'] == running  # the command follows the file still running, alone
    assert records[nowhere]['status'] == 'FAILED' and 'Not started' in text and nowhere in text


def test_a_last_check_of_more_actions_than_one_pasteable_line_follows_names_the_records_to_follow_them_from(
        monkeypatch):
    # README: the follow line for all the actions still running gives way, past the longest line an analyst can
    # paste, to restore-file given each file's file_hash and action_id from CortexXDR.RestoredFile; each record keeps
    # the line for its own file.
    tenant, room, clock = clocked_room(monkeypatch, 100)  # the actions outlive the polling
    healthy = [endpoint for endpoint in tenant.backend.endpoints if endpoint not in FAILING]
    files = tenant.backend.quarantine_files(facts.FOLLOW_LINE_MAX_CHARS // 64, healthy)  # a hash and a comma each
    try:
        result = room.run('restore-file', {'file_hash': ','.join(files), 'timeout_in_seconds': '25'})
        last = result.entries[-1]
        records = as_list(restored_record(result))
        assert not result.failed and 'PollingCommand' not in last, last
        ended = last['HumanReadable'].split('Polling ended', 1)[1]
        assert '!restore-file' not in ended and 'Action Center' in ended, ended
        assert 'file_hash and action_id' in ended and 'CortexXDR.RestoredFile' in ended, ended
        assert sorted(record['file_hash'] for record in records) == sorted(files)
        lines = {record['file_hash']: follow_line(record['error']) for record in records}
        assert all(line.args['file_hash'] == file_hash for file_hash, line in lines.items())
        clock.advance(200)
        followed = {file_hash: room.run(line.command, line.args) for file_hash, line in list(lines.items())[:2]}
    finally:
        tenant.server.stop()
    assert not any(run.failed for run in followed.values())
    statuses = {record['file_hash']: record['status'] for record in as_list(restored_record(room))}
    assert [statuses[file_hash] for file_hash in followed] == ['COMPLETED_SUCCESSFULLY'] * 2
    assert len(tenant.backend.actions) == len(files)  # followed, not sent again


@pytest.mark.parametrize('running, counted, follow', [(1, '1 action still running', 'Follow action '),
                                                     (3, '3 actions still running', 'Follow actions ')])
def test_the_last_check_counts_the_actions_still_running_and_follows_those_alone(monkeypatch, running, counted,
                                                                                 follow):
    # README: polling that reaches its timeout ends with a report of each action still running and how to follow it.
    # One more file's action ends just before the last check, which reads it: it is neither counted nor followed.
    tenant, room, _ = clocked_room(monkeypatch, 100)  # the other actions outlive the polling
    healthy = [endpoint for endpoint in tenant.backend.endpoints if endpoint not in FAILING]
    finished, *hashes = tenant.backend.quarantine_files(running + 1, healthy)
    entries = []

    def finish_one_after_the_first_check(entry):
        entries.append(entry)
        for action in tenant.backend.actions.values():
            action.created_at -= 1000 if action.file_hash == finished and len(entries) == 2 else 0
    room.on_entry = finish_one_after_the_first_check
    try:
        result = room.run('restore-file', {'file_hash': ','.join([finished, *hashes]), 'timeout_in_seconds': '25'})
    finally:
        tenant.server.stop()

    assert not result.failed and 'PollingCommand' not in result.entries[-1], result.entries[-1]
    records = as_list(restored_record(result))
    action_ids = {record['file_hash']: record['action_id'] for record in records}
    assert [record['status'] for record in records if record['file_hash'] == finished] == ['COMPLETED_SUCCESSFULLY']
    text = result.entries[-1]['HumanReadable']
    assert finished in text.split('Polling ended')[0], text  # read at the last check: in its table
    ended = text[text.index('Polling ended'):].splitlines()[0]
    assert ended.startswith(f'Polling ended (timeout_in_seconds 25) with {counted}. {follow}'), ended
    named = ended.split(follow, 1)[1].split(' in Cortex XDR > Response > Action Center, or with ')[0]
    assert sorted(named.split(', ')) == sorted(str(action_ids[file_hash]) for file_hash in hashes), ended
    line = shown_follow_line(ended)
    followed = dict(zip(line.args['file_hash'].split(','), json.loads(line.args['action_id'])))
    assert followed == {file_hash: action_ids[file_hash] for file_hash in hashes}, ended


def polled_to_the_end_then_checked_by_hand(tenant, room, clock):
    """restore-file polled for 25 s (a check at 10 s, the last at 20 s), then its follow line run by hand 10 s later:
    the record of the check polling went on from, of the last check, and of the check by hand."""
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '25'})
        last = restored_record(result)
        line = follow_line(last['error'])
        clock.advance(10)
        by_hand = room.run(line.command, dict(line.args, polling='false'))
    finally:
        tenant.server.stop()
    [going_on] = as_list(next(iter(result.entries[1]['EntryContext'].values())))
    assert 'PollingCommand' in result.entries[1] and 'PollingCommand' not in result.entries[-1]
    return going_on, last, restored_record(by_hand)


def test_a_last_check_throttled_at_its_status_read_promises_no_next_check(monkeypatch):
    """The README: only an entry that schedules a next check says "checking again" or "the next check". A status read
    Cortex XDR throttles past the run's wait at the last check (its record says polling ended) must not add that the
    status "is read again at the next check"; nor a check by hand (polling=false), told to run the command again."""
    tenant, room, clock = clocked_room(monkeypatch, 100)  # the action outlives the polling
    # The restore and the first check pass; the status read of the last check (at 20 s) is throttled for an hour.
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,ok,429,429;retry-after=3600'))
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '25'})
        line = follow_line(restored_record(result)['error'])
        by_hand = room.run(line.command, dict(line.args, polling='false'))
    finally:
        tenant.server.stop()

    assert result.runs == 3 and 'PollingCommand' not in result.entries[-1]
    for entry, record in ((result.entries[-1], restored_record(result)),
                          (by_hand.entries[-1], restored_record(by_hand))):
        assert 'HTTP 429' in record['error'], record
        for text in (entry['HumanReadable'], record['error']):
            assert not any(promise in text for promise in PROMISES), text


def test_a_throttled_status_read_s_record_says_once_that_it_was_not_read_and_names_its_next_step_once(monkeypatch):
    """A status read Cortex XDR throttles past the run's wait: the record says the status was not read once, and one
    next step: at a check polling goes on from, the next check; at the last check, the follow line; by hand, a run."""
    tenant, room, clock = clocked_room(monkeypatch, 100)  # the action outlives the polling
    # The restore passes; the check at 10 s is throttled past its 5 s wait, the last (at 20 s) and the check by hand
    # past what a run waits.
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,429,429;retry-after=5'))
    scheduled = []

    def throttle_for_an_hour_after_the_first_check(entry):
        scheduled.extend(['PollingCommand'] if 'PollingCommand' in entry else [])
        if len(scheduled) == 2 and 'PollingCommand' in entry:  # the first check's entry: the last check comes next
            tenant.gateway.inject_faults(FaultPlan.parse('sequence=429,429;retry-after=3600'))
    room.on_entry = throttle_for_an_hour_after_the_first_check
    going_on, last, by_hand = polled_to_the_end_then_checked_by_hand(tenant, room, clock)
    for record, step in ((going_on, 'next check'), (last, '!restore-file'),
                         (by_hand, 'run the same command')):
        error = record['error']
        assert 'HTTP 429' in error and error.lower().count('not read') == 1, error
        assert error.count(step) == 1 and len(RUN_AGAIN.findall(error)) == (step == 'run the same command'), error


@pytest.mark.parametrize('fault', ['503', '503-html', '502', 'reset'])
def test_a_status_read_meeting_a_passing_fault_names_one_next_step_and_keeps_what_to_check_if_it_persists(
        monkeypatch, fault):
    """A status read that meets a fault that passes (a gateway's 5xx, a dropped connection) after its retries: the
    record names one next step (at a check polling goes on from, the next check; at the last, the follow line; by
    hand, a run), where the fault's advice said to try again later, its "if it persists, check ..." kept."""
    tenant, room, clock = clocked_room(monkeypatch, 100)  # the action outlives the polling
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok;rate=1;kinds={fault}'))  # every read after the restore
    going_on, last, by_hand = polled_to_the_end_then_checked_by_hand(tenant, room, clock)
    for record, step in ((last, '!restore-file'), (by_hand, 'run the same command')):
        error = record['error']
        assert error.lower().count('not read') == 1 and 'if it persists, check' in error, error
        assert error.lower().count(step.lower()) == 1, error  # by hand, where the advice said to try again later
        assert len(RUN_AGAIN.findall(error)) == (step == 'run the same command'), error
    assert going_on['error'].count('next check') == 1 and 'if it persists, check' in going_on['error'], going_on
    assert not RUN_AGAIN.search(going_on['error']), going_on['error']


def test_a_status_read_cortex_xdr_answers_500_says_what_polling_did_first_then_one_step_and_check_action_id_by_hand(
        monkeypatch):
    """Every status read after the restore meets Cortex XDR's own 500 (whose advice, for an action it does not know,
    is to check action_id): at a check polling goes on from, at the last one and by hand, the record gives one next
    step, and "polling ended" is said as what happened, not as that step's alternative. Only by hand, where the analyst
    typed the action ID, does it say to check action_id (before that step): polling reads the ID Cortex XDR gave."""
    tenant, room, clock = clocked_room(monkeypatch, 100)  # the action outlives the polling
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok;rate=1;kinds=500'))
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '25'})
        last = restored_record(result)
        line = follow_line(last['error'])
        clock.advance(10)
        by_hand = restored_record(room.run(line.command, dict(line.args, polling='false')))
    finally:
        tenant.server.stop()

    [going_on] = as_list(next(iter(result.entries[1]['EntryContext'].values())))
    for record, step in ((going_on, 'next check'), (last, 'run the follow command'), (by_hand, 'run the same command')):
        error = record['error']
        assert error.count('check action_id') == (record is by_hand) and error.lower().count(step) == 1, error
    assert by_hand['error'].index('check action_id') < by_hand['error'].index('run the same command'), by_hand
    assert last['error'].index('polling ended') < last['error'].index('run the follow command'), last['error']
    assert 'polling' not in by_hand['error'].lower(), by_hand['error']


def test_a_status_read_that_could_not_connect_says_at_every_check_what_to_check_and_that_the_next_check_reads_it(
        monkeypatch):
    """Cortex XDR stops taking connections once the restore is sent: the status read of every check meets a refused
    connection, whose advice names what to check (the URL setting, DNS, the firewall, the proxy) and says nothing of
    trying again. A check polling goes on from says the next check reads it again and keeps what to check; none
    tells the analyst to run anything again before the last."""
    tenant, room, _ = clocked_room(monkeypatch, 100)  # the action outlives the polling
    try:
        line = shown_follow_line(room.run('restore-file', {'file_hash': CLEAN_HASH, 'polling': 'false'}).entries[0][
            'HumanReadable'])
    finally:
        tenant.server.stop()  # its port now refuses every connection
    result = room.run(line.command, dict(line.args, timeout_in_seconds='25'))

    records = [as_list(next(iter(entry['EntryContext'].values())))[0] for entry in result.entries]
    assert result.runs > 1 and all('PollingCommand' in entry for entry in result.entries[:-1]), result.entries
    for record in records:
        assert 'Could not connect to Cortex XDR' in record['error'] and 'DNS' in record['error'], record['error']
    for record in records[:-1]:
        assert record['error'].count('next check reads it again') == 1, record['error']
        assert not RUN_AGAIN.search(record['error']), record['error']


# Cortex XDR's words, which only a status read's whole note quotes (its short line gives the HTTP status and code)
VENDOR_WORDS = 'Cortex XDR said: code '


# A status read's failures without an HTTP status: a connection Cortex XDR's port refuses (its server stopped) and one
# cut without an answer (the faults' reset)
NO_STATUS_CAUSES = ('refused', 'reset')


def polled_while_status_reads_fail(monkeypatch, causes, times=None):
    """restore-file polled for its default 600 s while every status read fails: ``causes`` says how, check by check
    from the first ('500': Cortex XDR's own at every attempt; '429': the tenant's rate taken by its other clients, a
    429 without Retry-After; 'reset': each connection cut without an answer; 'broken, then reset': the first attempt's
    answer not JSON, each later one's connection cut; 'refused': Cortex XDR's port closed, for every check after), the
    last cause for every check after; the entries of the checks, the last one's apart. ``times``, if given, receives
    the test clock's reading as each entry comes."""
    tenant, room, clock = clocked_room(monkeypatch, 1000)  # the action outlives the polling
    entries_so_far = []

    def plan_the_next_check(entry):
        cause = causes[min(len(entries_so_far), len(causes) - 1)]
        entries_so_far.append(entry)
        if times is not None:
            times.append(clock())
        kinds = {'500': 'rate=1;kinds=500', 'reset': 'rate=1;kinds=reset',
                 'broken, then reset': 'sequence=malformed;rate=1;kinds=reset'}
        tenant.gateway.inject_faults(FaultPlan.parse(kinds[cause]) if cause in kinds else None)
        tenant.gateway.others_rate = tenant.gateway.rate_limit if cause == '429' else 0
        if cause == 'refused':
            tenant.server.stop()  # its port on 127.0.0.1 now refuses every connection

    room.on_entry = plan_the_next_check
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH})
    finally:
        tenant.server.stop()
    assert not result.failed and 'PollingCommand' not in result.entries[-1], result.entries[-1]
    _, *checks, last = [entry['HumanReadable'] for entry in result.entries]
    return checks, last


def unread_note(text):
    """The note under a check's line, or the last check's table, on the action whose status was not read, after the
    action and file it names."""
    [note] = [line for line in text.split('\n\n') if line.startswith('Action ')]
    return note.split('): ', 1)[1]


@pytest.mark.parametrize('cause', ['500', '429'])
def test_a_status_read_failing_alike_at_every_check_is_told_whole_once_then_in_a_line_and_whole_at_the_last(
        monkeypatch, cause):
    """Cortex XDR fails the status read at every check, for the same cause: the first check's entry gives the whole
    note (the HTTP status, the advice, Cortex XDR's words, the retries); each later check but the last says in one
    short line that the status is still not read, since which check and how long, and that the next check reads it
    again; the last check's entry, what the analyst reads at the end, stands alone: whole again."""
    checks, last = polled_while_status_reads_fail(monkeypatch, [cause])

    whole = [text for text in checks if VENDOR_WORDS in text]
    assert len(checks) > 2 and whole == checks[:1], checks
    assert VENDOR_WORDS in unread_note(last) and 'polling ended' in unread_note(last), last
    for text in checks[1:]:
        line = unread_note(text)
        assert len(line) < len(unread_note(checks[0])) / 2, line
        assert 'still not read' in line and f'HTTP {cause}, code {cause}' in line and 'since check 1' in line, line
        assert re.search(r'\b[1-9][0-9]* s\b', line) and line.endswith('the next check reads it again.'), line


def test_a_status_read_that_fails_for_another_cause_is_told_whole_again_then_in_a_line_since_that_check(monkeypatch):
    """Cortex XDR's 500 at the first two checks, then a 429 without Retry-After at every check after: the check that
    meets the 429 gives its whole note, as the first check gave the 500's, and the checks after it a line since it."""
    checks, last = polled_while_status_reads_fail(monkeypatch, ['500', '500', '429'])

    assert [VENDOR_WORDS in text for text in checks[:3]] == [True, False, True] and len(checks) > 3, checks
    assert 'HTTP 500, code 500' in unread_note(checks[1]) and 'since check 1' in unread_note(checks[1]), checks[1]
    assert 'HTTP 429' in unread_note(checks[2]) and VENDOR_WORDS not in ''.join(checks[3:]), checks
    for text in checks[3:]:
        assert 'HTTP 429, code 429' in unread_note(text) and 'since check 3' in unread_note(text), text
    assert VENDOR_WORDS in unread_note(last), last


def test_a_status_read_s_line_says_how_long_ago_the_check_that_told_it_whole_read_it(monkeypatch):
    """Each later check's line on a status read failing as at check 1 says how long ago check 1 met the failure: the
    time between the two checks on the test clock, to the second (check 1 met it before its entry came, and this
    check after the entry before it)."""
    times = []  # on the test clock, when each entry came: the start's, then each check's
    checks, _ = polled_while_status_reads_fail(monkeypatch, ['500'], times)

    assert len(checks) > 2, checks  # check 1, and later checks that tell it in a line
    for number, text in enumerate(checks[1:], start=2):
        said = int(re.search(r'since check 1, ([0-9]+) s ago', unread_note(text))[1])
        assert times[number - 1] - times[1] - 1 <= said <= times[number] - times[0], (said, times[:number + 1])


# What only a whole note on a status read that met no HTTP status says: the transport's words and what to check
NO_STATUS_WORDS = {'refused': 'Could not connect to Cortex XDR', 'reset': 'broke before the answer arrived'}
NO_STATUS_KINDS = {'refused': 'no connection', 'reset': 'a dropped connection'}  # the line's name of each


@pytest.mark.parametrize('cause', NO_STATUS_CAUSES)
def test_a_status_read_failing_without_an_http_status_at_every_check_is_told_whole_once_then_in_a_line(
        monkeypatch, cause):
    """Every status read meets a refused connection, or a connection cut without an answer: no HTTP status, the
    transport's words instead. The first check's entry gives the whole note (what happened, what to check); each later
    check but the last says in a line that the status is still not read, by the kind of failure, since check 1; the
    last check's entry is whole again."""
    checks, last = polled_while_status_reads_fail(monkeypatch, [cause])

    whole = [text for text in checks if NO_STATUS_WORDS[cause] in text]
    assert len(checks) > 2 and whole == checks[:1], checks
    assert NO_STATUS_WORDS[cause] in unread_note(last) and 'polling ended' in unread_note(last), last
    for text in checks[1:]:
        line = unread_note(text)
        assert len(line) < len(unread_note(checks[0])) / 2, line
        assert f'still not read ({NO_STATUS_KINDS[cause]}) since check 1' in line, line
        assert line.endswith('the next check reads it again.') and 'HTTP' not in line, line


def test_a_status_read_whose_connection_is_refused_after_resets_is_told_whole_again_then_in_a_line_since_then(
        monkeypatch):
    """Connections cut without an answer at the first two checks, then Cortex XDR's port closed: the check that meets
    the refused connection gives its whole note, as the first check gave the reset's, and the checks after it a line
    since it."""
    checks, last = polled_while_status_reads_fail(monkeypatch, ['reset', 'reset', 'refused'])

    assert [NO_STATUS_WORDS['reset'] in text for text in checks[:3]] == [True, False, False] and len(checks) > 3, checks
    assert NO_STATUS_WORDS['refused'] in checks[2] and 'since check 1' in unread_note(checks[1]), checks[:3]
    for text in checks[3:]:
        assert f'({NO_STATUS_KINDS["refused"]}) since check 3' in unread_note(text), text
        assert NO_STATUS_WORDS['refused'] not in text, text
    assert NO_STATUS_WORDS['refused'] in unread_note(last), last


def test_a_status_read_whose_last_attempt_fails_as_at_the_check_before_is_told_in_a_line_whatever_it_met_first(
        monkeypatch):
    """Check 1's status read meets a cut connection at every attempt; check 2's first attempt gets an answer that is
    not JSON, and each later attempt a cut connection. The read failed for what its last attempt met, as at check 1:
    check 2 says so in a line since check 1, not the whole note again for the broken reply it met on the way."""
    checks, _ = polled_while_status_reads_fail(monkeypatch, ['reset', 'broken, then reset', 'reset'])

    assert NO_STATUS_WORDS['reset'] in checks[0] and len(checks) > 2, checks
    assert f'still not read ({NO_STATUS_KINDS["reset"]}) since check 1' in unread_note(checks[1]), checks[1]


def checks_whose_third_read_is_not_sent(monkeypatch, stages):
    """restore-file of 3 files polled, one read at a time, its checks' second status read meeting ``stages`` in turn
    (none after): 'refused', the key's role refused Cortex XDR's status API, so the third read is not sent (another
    request's refusal); 'late', the answer past the run's last start, so the third is not sent (no time left). The
    entries' text after the start's, and the third read's action ("Action N")."""
    tenant, _, clock = clocked_room(monkeypatch, 1000)  # the actions outlive the polling
    key = tenant.backend.api_key(conftest.XDR_KEY_ID)
    emulator, plan, reads = create_app(tenant.gateway), [], []  # plan: what the next check's second read meets
    stages = list(stages)

    def vendor(request):
        if request.path != ACTION_STATUS_PATH or not plan:
            return emulator(request)
        reads.append(clock())
        if len(reads) != 2:
            return emulator(request)
        if plan[0] == 'refused':
            key.permitted = frozenset({RESTORE_PATH})  # the role may restore, not read statuses: a 403
            try:
                return emulator(request)
            finally:
                key.permitted = True
        clock.advance(reads[0] + facts.MAX_RUN_WAIT_SECONDS + 1 - clock())  # the answer past the run's last start
        return emulator(request)

    def plan_the_next_check(entry):
        reads.clear()
        plan[:] = stages[:1]
        del stages[:1]

    server = LoopbackServer(vendor).start()
    room = WarRoom(params=tenant.params(xdr_url=server.url, max_concurrency='1', read_timeout='600'),
                   sleep=clock.advance, clock=clock, on_entry=plan_the_next_check)
    try:
        result = room.run('restore-file', {'file_hash': ','.join(tenant.backend.quarantine_files(3, salt='unsent'))})
    finally:
        server.stop()
        tenant.server.stop()
    _, *checks = [entry['HumanReadable'] for entry in result.entries]
    [unsent] = [line for line in checks[0].split('\n') if 'another request' in line or 'less than the 5 s' in line]
    return checks, unsent.split(' (', 1)[0]


def test_a_status_read_not_sent_for_no_time_after_one_not_sent_for_a_refusal_is_told_whole_as_a_new_cause(
        monkeypatch):
    """Two reads not sent for two reasons: at check 1 the key's role is refused Cortex XDR's status API at the second
    read, so the third is not sent (another request's refusal); at check 2 the second read's answer comes past the
    run's last start, so the third is not sent (no time left). The same action, no status either time, yet not the
    same failure: check 2 tells its note whole, not "since check 1", which would send the analyst to another reason."""
    (refused, late, *after), action = checks_whose_third_read_is_not_sent(monkeypatch, ['refused', 'late'])

    [note] = [line for line in late.split('\n') if line.startswith(f'{action} (')]
    assert after and 'HTTP 403' in refused and 'next check' in late, late  # check 2 is not the last: polling goes on
    assert 'since check' not in note and 'less than the 5 s an attempt needs' in note, note


@pytest.mark.parametrize('stage, kind', [('refused', "not sent for another request's refusal"),
                                         ('late', 'no time left to send it')])
def test_a_status_read_not_sent_for_the_same_reason_at_two_checks_is_told_in_a_line_naming_that_reason(
        monkeypatch, stage, kind):
    """The third read is not sent at checks 1 and 2 for the same reason (another request's refusal, or no time left):
    check 2 says so in a line since check 1, naming the reason, as a failure without an HTTP status is named."""
    (_, again, *after), action = checks_whose_third_read_is_not_sent(monkeypatch, [stage, stage])

    [note] = [line for line in again.split('\n') if line.startswith(f'{action} (')]
    assert after and f'still not read ({kind}) since check 1' in note, note


def test_a_status_read_the_environment_s_proxy_keeps_from_going_out_is_told_in_a_line_as_not_sent_for_another_reason(
        monkeypatch):
    """The instance uses the system proxy; after the start, the environment names a proxy of a scheme requests takes no
    proxy of (ftp): no status read goes out. Check 1 says why whole; each later check but the last says in a line the
    status is still not read, not sent for another reason (not for lack of time) since check 1."""
    tenant, _, clock = clocked_room(monkeypatch, 1000)  # the action outlives the polling

    def unusable_proxy_after_the_start(entry):
        for name in ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'):
            monkeypatch.setenv(name, 'ftp://127.0.0.1:2121')  # on this machine: a loopback vendor goes through it
        for name in ('NO_PROXY', 'no_proxy'):
            monkeypatch.delenv(name, raising=False)

    room = WarRoom(params=tenant.params(proxy=True), sleep=clock.advance, clock=clock,
                   on_entry=unusable_proxy_after_the_start)
    try:
        _, first, *checks, last = [entry['HumanReadable'] for entry in room.run(
            'restore-file', {'file_hash': CLEAN_HASH}).entries]
    finally:
        tenant.server.stop()

    assert 'HTTPS_PROXY' in unread_note(first) and checks, first
    for text in checks:
        assert 'still not read (not sent for another reason) since check 1' in unread_note(text), text


def test_a_polling_begun_anew_from_a_check_s_arguments_tells_a_status_it_cannot_read_whole(monkeypatch):
    """Check 1's arguments (its unread says the 500 was told whole at check 1) run again without polling_started: a
    polling of its own, whose first run is check 1 again. Cortex XDR still answers 500: that run tells it whole, not
    "since check 1" of a polling the analyst may never have seen."""
    tenant, room, _ = clocked_room(monkeypatch, 1000)  # the action outlives the polling
    entries = []

    def status_reads_fail_at_check_1_alone(entry):
        entries.append(entry)
        tenant.gateway.inject_faults(FaultPlan.parse('rate=1;kinds=500') if len(entries) == 1 else None)

    room.on_entry = status_reads_fail_at_check_1_alone
    try:
        room.run('restore-file', {'file_hash': CLEAN_HASH})
        args = {name: value for name, value in entries[1]['PollingArgs'].items() if name != 'polling_started'}
        tenant.gateway.inject_faults(FaultPlan.parse('rate=1;kinds=500'))
        room.on_entry = lambda entry: tenant.gateway.inject_faults(None)
        anew = room.run('restore-file', args).entries[0]['HumanReadable']
    finally:
        tenant.server.stop()

    assert 'unread' in args and VENDOR_WORDS in unread_note(entries[1]['HumanReadable']), args
    assert VENDOR_WORDS in unread_note(anew) and 'since check' not in anew, anew


def test_a_status_a_check_by_hand_could_not_read_is_told_in_a_line_by_the_checks_of_the_polling_it_began(monkeypatch):
    """The follow line of a polling=false start, run with polling (a check by hand, check 0), meets a 429 without
    Retry-After, as every check after it does: it gives the whole note, and the next check's line names that run."""
    tenant, room, _ = clocked_room(monkeypatch, 1000)  # the action outlives the polling
    try:
        line = shown_follow_line(room.run('restore-file', {'file_hash': CLEAN_HASH, 'polling': 'false'}).entries[0][
            'HumanReadable'])
        tenant.gateway.others_rate = tenant.gateway.rate_limit  # the tenant's rate taken by its other clients
        result = room.run(line.command, line.args)
    finally:
        tenant.server.stop()

    by_hand, going_on, *_ = [entry['HumanReadable'] for entry in result.entries]
    assert result.runs > 2 and VENDOR_WORDS in unread_note(by_hand), by_hand
    assert 'since the run by hand that began this polling' in unread_note(going_on), going_on


def test_an_action_no_check_read_is_not_called_still_running_and_its_follow_line_reads_it_once_cortex_xdr_answers(
        monkeypatch):
    """Every status read of the polling meets Cortex XDR's 500: nobody read how the action stands. The last entry and
    the record say so (status unknown, not read), never that it is still running, and give the follow line, which,
    run once Cortex XDR answers again, reads that same action."""
    tenant, room, clock = clocked_room(monkeypatch, 100)  # the action outlives the polling
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok;rate=1;kinds=500'))
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '25'})
        last = restored_record(result)
        text = result.entries[-1]['HumanReadable']
        line = shown_follow_line(text[text.index('Polling ended'):])
        tenant.gateway.inject_faults(None)
        clock.advance(10)
        by_hand = restored_record(room.run(line.command, dict(line.args, polling='false')))
    finally:
        tenant.server.stop()

    assert 'PollingCommand' not in result.entries[-1] and 'endpoints' not in last, last
    assert 'still running' not in text.lower() and 'still running' not in last['error'].lower(), text
    assert 'status unknown' in text.splitlines()[0] and 'not read' in text[text.index('Polling ended'):], text
    assert json.loads(line.args['action_id']) == [last['action_id']], line
    assert by_hand['action_id'] == last['action_id'] and by_hand['endpoints'], by_hand
    assert len(tenant.backend.actions) == 1  # followed, not restored again


def test_a_last_check_that_did_not_send_its_status_read_for_an_earlier_throttle_names_only_the_follow_line(
        monkeypatch):
    """The first check's status read is throttled for an hour: the last check does not send its own (the wait holds).
    Its record says once that the status was not read, and follows it by the follow line alone: no run again later."""
    tenant, room, clock = clocked_room(monkeypatch, 100)  # the action outlives the polling
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,429;retry-after=3600'))
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '45'})
    finally:
        tenant.server.stop()

    record = restored_record(result)
    assert 'PollingCommand' not in result.entries[-1] and 'Not sent' in record['error'], record
    assert record['error'].lower().count('not read') == 1 and record['error'].count('!restore-file') == 1, record
    assert not RUN_AGAIN.search(record['error']), record['error']


def test_the_last_check_waits_past_the_polling_timeout_for_its_status_reads_and_reports_what_it_read(monkeypatch):
    """README: no check but the last waits for a turn past the polling timeout; the last, which sends nothing, waits
    for its status reads' turns as long as its run may, so that its report says how each action stands."""
    tenant, room, clock = clocked_room(monkeypatch, 100)  # the action outlives the polling
    begun = clock()
    # The last check (at 20 s, 5 s before the timeout) is asked to wait 30 s for its status read.
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,ok,429;retry-after=30'))
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '25'})
    finally:
        tenant.server.stop()

    assert result.runs == 3 and 'PollingCommand' not in result.entries[-1]
    assert clock() - begun > 25  # the read went out past the polling timeout
    record = restored_record(result)
    assert sorted(e['endpoint_id'] for e in record['endpoints']) == sorted(HOLDERS[CLEAN_HASH])
    assert 'HTTP 429' not in record['error'] and 'polling ended' in record['error'].lower(), record


def test_the_timeout_given_to_xsoar_leaves_room_for_a_last_check_after_a_first_run_that_used_the_polling_time(
        monkeypatch):
    tenant, room, _ = clocked_room(monkeypatch, 100)
    # Cortex XDR makes the first run wait 25 of the 30 s of polling time before its restore goes out: its first check
    # comes at 35 s, past timeout_in_seconds, and is the last.
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=25'))
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '30'})
    finally:
        tenant.server.stop()

    assert not result.failed, result.entries[-1]
    assert result.runs == 2 and int(result.entries[0]['Timeout']) == 30 + facts.POLLING_TIMEOUT_MARGIN_SECONDS
    assert 'polling ended' in restored_record(result)['error'].lower()


def words_read(result):
    """Every text an analyst reads of a run's entries: the entries and each record's error."""
    records = [r for entry in result.entries for value in (entry.get('EntryContext') or {}).values()
               for r in as_list(value)]
    return [str(entry.get('Contents')) + str(entry.get('HumanReadable')) for entry in result.entries] + \
        [record['error'] for record in records if isinstance(record, dict) and record.get('error')]


def run_throttled_for_an_hour(monkeypatch, hashes, polling, faults, on_first_entry=None):
    """restore-file of ``hashes`` (polling 'true' or 'false') on a clocked tenant given ``faults``; ``on_first_entry``:
    the faults planned once the first run's entry is in (what its checks meet)."""
    tenant, room, _ = clocked_room(monkeypatch, 100)  # the actions outlive the polling
    tenant.gateway.inject_faults(FaultPlan.parse(faults))
    entries = []

    def plan_the_checks_faults(entry):
        entries.append(entry)
        if on_first_entry and len(entries) == 1:
            tenant.gateway.inject_faults(FaultPlan.parse(on_first_entry))
    room.on_entry = plan_the_checks_faults
    try:
        return room.run('restore-file', {'file_hash': ','.join(hashes), 'polling': polling})
    finally:
        tenant.server.stop()


ONE_FILE, SOME_OF_MANY = (1, 'sequence=429*20;retry-after=3600', None), (3, 'sequence=ok,429*20;retry-after=3600', None)
# Sent late by a check (a first throttle of 200 s is past what a run waits, within the polling time), then throttled
LATE_AT_A_CHECK = (2, 'sequence=ok,429;retry-after=200', 'sequence=429*20;retry-after=3600')


@pytest.mark.parametrize('polling, files, faults, on_first_entry', [
    ('true', *ONE_FILE), ('false', *ONE_FILE), ('true', *SOME_OF_MANY), ('false', *SOME_OF_MANY),
    ('true', *LATE_AT_A_CHECK)], ids=['one file, polling', 'one file', 'some of many files, polling',
                                      'some of many files', 'a late send at a check'])
def test_a_restore_cortex_xdr_throttles_past_its_time_says_polling_true_only_to_a_run_without_it(
        monkeypatch, polling, files, faults, on_first_entry):
    # Cortex XDR throttles a restore (429) asking to wait an hour: past what a run waits and the polling time, so the
    # file is not started, with the advice for a throttle no run waited out. "polling=true" is advice only to a run
    # that had polling=false; a polling one (its first run or a check it schedules) is told the rest: later, or a
    # larger timeout_in_seconds. Only a check polling schedules sends a restore late, so that is tried polling alone.
    result = run_throttled_for_an_hour(monkeypatch, sorted(HOLDERS)[:files], polling, faults, on_first_entry)

    texts = words_read(result)
    assert any('HTTP 429' in text and 'larger timeout_in_seconds' in text for text in texts), texts
    assert any('polling=true' in text for text in texts) is (polling == 'false'), texts


@pytest.mark.parametrize('faults, settings, what_happened', [
    ('sequence=truncated', {'max_retries': '0'}, 'cut off'),  # the one attempt's answer lost, not retried
    ('sequence=truncated,429;retry-after=3600', {}, 'retried once (after a broken reply)'),  # then throttled past
    ('sequence=truncated,503*4', {}, 'retried 4 times'),  # then a gateway's 503 to every retry
    ('sequence=504*5', {}, 'retried 4 times')], ids=['sent once', 'then throttled', 'then 503s', 'every 504'])
def test_a_restore_whose_answer_was_lost_reads_as_one_account_ending_in_its_one_next_step(
        advanced_tenant, war_room_on, faults, settings, what_happened):
    # A restore Cortex XDR may have acted on (its answer cut off, or a gateway's 504), then failed: the error tells
    # what happened, then that Cortex XDR may have started it, then what to do, last and once: look for it in the
    # Action Center before restoring it again; not also the last fault's own step (try or run again later, poll).
    # A request sent once speaks of no earlier attempt.
    advanced_tenant.gateway.inject_faults(FaultPlan.parse(faults))

    result = war_room_on(advanced_tenant, **settings).run('restore-file', {'file_hash': CLEAN_HASH, 'polling': 'false'})

    message = result.entries[-1]['Contents']
    assert result.failed and what_happened in message, message
    happened, may_have, step = (message.index(words) for words in (
        what_happened, 'may have started this restore', 'Action Center before restoring it again.'))
    assert happened < may_have < step and message.endswith('before restoring it again.'), message
    assert not RUN_AGAIN.search(message) and 'polling=true' not in message, message
    if settings:  # max_retries 0: sent once
        assert 'earlier attempt' not in message.lower(), message


@pytest.mark.parametrize('follow', [False, True], ids=['a restore', 'a check by hand of its action'])
def test_every_run_that_schedules_a_check_gives_xsoar_the_margin_hss_restore_isolated_gives(monkeypatch, follow):
    # README: restore-file hands XSOAR timeout_in_seconds plus the margin hss-restore-isolated adds, 6 minutes (room
    # for a first and a last run of XSOAR's 3 minutes each), so that XSOAR's own timeout error never comes first:
    # every run that schedules a check, the first, each check, and a check by hand that starts a polling of its own.
    tenant, room, _ = clocked_room(monkeypatch, 25)  # each action runs two stages of 25 s: several checks
    args = {'file_hash': CLEAN_HASH, 'interval_in_seconds': '10', 'timeout_in_seconds': '900'}
    try:
        if follow:
            started = room.run('restore-file', dict(args, polling='false'))
            args['action_id'] = str(started.context['CortexXDR']['RestoredFile']['action_id'])
        result = room.run('restore-file', args)
    finally:
        tenant.server.stop()

    scheduling = [entry for entry in result.entries if 'PollingCommand' in entry]
    assert not result.failed and len(scheduling) >= 3, result.entries
    assert {int(entry['Timeout']) for entry in scheduling} == {900 + facts.POLLING_TIMEOUT_MARGIN_SECONDS}


def test_incident_id_reaches_the_tenant_as_an_integer(advanced_tenant, war_room_on):
    war_room_on(advanced_tenant).run('restore-file', {'file_hash': CLEAN_HASH, 'incident_id': '302'})

    restore_bodies = [body for method, path, body in advanced_tenant.gateway.requests if path.endswith('/restore/')]
    assert restore_bodies[-1]['request_data'] == {'file_hash': CLEAN_HASH, 'incident_id': 302}


NOTHING = object()  # the argument left out


@pytest.mark.parametrize('name', ['incident_id', 'endpoint_id'])
@pytest.mark.parametrize('nothing', [NOTHING, None, '', ' ', []], ids=['left out', 'null', 'empty', 'blank', '[]'])
def test_an_optional_argument_given_nothing_in_any_form_xsoar_may_hand_it_sends_no_such_field(
        advanced_tenant, war_room_on, name, nothing):
    """A playbook task's argument read from a context key that holds null or nothing (the Cortex XDR playbook's
    incident_id from QuarantineRestore.XdrIncident.id, endpoint_id from QuarantineRestore.Gate.endpoints): no public
    source says whether XSOAR then leaves the argument out or hands it over empty (demisto/content pull request 748
    speaks of an argument "empty/missing" alike). The war room leaves null and text out and hands an empty list on;
    whichever XSOAR does, the seed's request leaves an unset field out ("endpoint_id": none means every endpoint)."""
    args = {'file_hash': CLEAN_HASH, 'polling': 'false', **({} if nothing is NOTHING else {name: nothing})}

    result = war_room_on(advanced_tenant).run('restore-file', args)

    assert not result.failed, result.entries
    restore_bodies = [body for method, path, body in advanced_tenant.gateway.requests if path.endswith('/restore/')]
    assert restore_bodies == [{'request_data': {'file_hash': CLEAN_HASH}}]


@pytest.mark.parametrize('args, complaint', [
    ({'file_hash': 'abc'}, 'must be a SHA256'),
    ({'file_hash': 'd41d8cd98f00b204e9800998ecf8427e'}, 'looks like an MD5'),
    ({'file_hash': 'da39a3ee5e6b4b0d3255bfef95601890afd80709'}, 'looks like a SHA1'),
    ({'file_hash': 'g' * 64}, 'must be a SHA256'),
    ({'file_hash': CLEAN_HASH, 'incident_id': 'INC-12'}, 'incident_id must be a whole number'),
    ({'file_hash': CLEAN_HASH, 'endpoint_id': 'ep\r\nx-injected: 1'}, 'control characters'),
    ({'file_hash': CLEAN_HASH, 'interval_in_seconds': '-1'}, 'at least 0'),
    ({'file_hash': CLEAN_HASH, 'polling': 'maybe'}, 'true or false'),
])
def test_bad_input_is_refused_before_any_request_is_sent(advanced_tenant, args, complaint):
    # The script itself must refuse: XSOAR passes argument values through unchecked.
    before = len(advanced_tenant.gateway.requests)

    entries = run_script(advanced_tenant.params(), 'restore-file', args)

    [entry] = entries
    assert entry['Type'] == ENTRY_ERROR
    assert complaint in entry['Contents']
    assert len(advanced_tenant.gateway.requests) == before


@pytest.mark.parametrize('interval', ['5', facts.SMALLEST_INTERVAL_TAKEN, '9'])
def test_an_interval_below_ten_seconds_is_taken_and_checked_ten_seconds_later_as_xsoar_schedules_it(advanced_tenant,
                                                                                                    interval):
    """xdr-file-restore hands interval_in_seconds to XSOAR's ScheduledCommand, which reads one below 10 s as 10
    (tests/facts.py): a playbook moving to restore-file with interval_in_seconds=5 restores its file and is checked
    10 s later, not refused before any request."""
    [first] = run_script(advanced_tenant.params(), 'restore-file', {'file_hash': CLEAN_HASH,
                                                                    'interval_in_seconds': interval})

    assert first['Type'] != ENTRY_ERROR, first['Contents']
    assert first['NextRun'] == str(facts.MIN_POLLING_INTERVAL)
    assert [body['request_data'] for _, path, body in advanced_tenant.gateway.requests
            if path.endswith('/restore/')] == [{'file_hash': CLEAN_HASH}]


@pytest.mark.parametrize('separator', [' ', '\n', '\r\n', '\t'])
def test_hashes_pasted_apart_by_blanks_or_lines_are_refused_with_the_advice_to_put_commas_between_them(
        advanced_tenant, war_room_on, separator):
    """A column of SHA256s copied from a sheet or a console reads as one value: the error says to separate them with
    commas, and the same hashes so written restore each file."""
    hashes = sorted(HOLDERS)[:2]

    [entry] = run_script(advanced_tenant.params(), 'restore-file', {'file_hash': separator.join(hashes)})

    assert entry['Type'] == ENTRY_ERROR and 'with commas' in entry['Contents'], entry['Contents']
    assert advanced_tenant.gateway.requests == []
    assert not war_room_on(advanced_tenant).run('restore-file', {'file_hash': ','.join(hashes)}).failed
    sent = [body['request_data']['file_hash'] for _, path, body in advanced_tenant.gateway.requests
            if path.endswith('/restore/')]
    assert sorted(sent) == hashes


@pytest.mark.parametrize('digits', [19, 40])
def test_an_incident_id_too_long_as_text_is_refused_for_its_length_as_the_same_number_is(advanced_tenant, digits):
    """A whole number of more digits than incident_id takes is still a whole number: given as text it is refused for
    its length, in the words the same number gets as a JSON number (from a playbook), not as "not a whole number"."""
    number = int('9' * digits)
    before = len(advanced_tenant.gateway.requests)

    [as_text] = run_script(advanced_tenant.params(), 'restore-file', {'file_hash': CLEAN_HASH,
                                                                      'incident_id': str(number)})
    [as_number] = run_script(advanced_tenant.params(), 'restore-file', {'file_hash': CLEAN_HASH, 'incident_id': number})

    assert as_text['Type'] == as_number['Type'] == ENTRY_ERROR
    complaint = as_number['Contents'].split('; got ')[0]
    assert '18 digits' in complaint and as_text['Contents'].split('; got ')[0] == complaint, as_text['Contents']
    assert len(advanced_tenant.gateway.requests) == before


def test_hash_quarantined_nowhere_gives_the_vendor_message(advanced_tenant, war_room_on):
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': '0' * 64})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR
    assert 'HTTP 500' in entry['Contents'] and 'Cortex XDR said' in entry['Contents']
    # The vendor's own words, as the tenant answers the same restore sent by hand (a standard key, no client).
    advanced_tenant.backend.add_api_key('98', 'by-hand-key-' + 'h' * 30, auth_type='standard')
    by_hand = requests.post(advanced_tenant.url + '/public_api/v1/endpoints/restore/', timeout=5,
                            json={'request_data': {'file_hash': '0' * 64}},
                            headers={'x-xdr-auth-id': '98', 'Authorization': 'by-hand-key-' + 'h' * 30})
    reply = by_hand.json()['reply']
    assert by_hand.status_code == reply['err_code'] == 500 and reply['err_extra'], reply
    assert reply['err_msg'] in entry['Contents'] and reply['err_extra'] in entry['Contents'], entry['Contents']


def test_a_400_on_a_restore_whose_arguments_were_checked_says_what_a_well_formed_value_may_still_get_wrong(
        replay_server):
    """The seed's 400 is "Bad Request. Got an invalid JSON."; the command refuses, before sending, a file_hash that is
    no SHA256 and an incident_id that is no whole number, so fixing their form is no advice. What is left: the incident
    must be one of this tenant's and hold the file, the hash one Cortex XDR quarantined. Cortex XDR's words stay."""
    from test_reply_shapes import room as replay_room
    vendor = conftest.load_json(conftest.XDR_REPLIES / 'error_400.json')['reply']
    replay_server.queue_file(400, 'error_400.json')

    result = replay_room(replay_server).run('restore-file', {'file_hash': CLEAN_HASH, 'incident_id': '412',
                                                             'polling': 'false'})

    [entry] = result.entries
    message = entry['Contents']
    assert entry['Type'] == ENTRY_ERROR and 'HTTP 400' in message, message
    ours = message.split(' said: ', 1)[0]
    assert not re.search(r'SHA-?256|whole number', ours), ours  # no form to fix: the command checked it
    assert not facts.words_missing(ours, facts.XDR_ADVICE_WORDS[400] + ('tenant', 'incident', 'quarantined')), ours
    assert vendor['err_msg'] in message and vendor['err_extra'] in message and f'code {vendor["err_code"]}' in message


@pytest.mark.parametrize('licensed, permitted, status', [(False, True, 402), (True, False, 403)])
def test_license_and_permission_errors_say_what_to_do(advanced_tenant, licensed, permitted, status):
    advanced_tenant.backend.add_api_key('99', 'another-key-' + 'q' * 30, auth_type='standard',
                                        licensed=licensed, permitted=permitted)
    params = advanced_tenant.params(xdr_api_key_id='99', xdr_auth_type='standard',
                                    xdr_api_key={'identifier': '', 'password': 'another-key-' + 'q' * 30})
    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('restore-file', {'file_hash': CLEAN_HASH})

    [entry] = result.entries
    assert f'HTTP {status}' in entry['Contents']
    # What to do, as the README says it for each status; for a 403, the permissions the role needs.
    to_do = facts.XDR_ADVICE_WORDS[status] + (facts.XDR_RESTORE_PERMISSIONS if status == 403 else ())
    assert not facts.words_missing(entry['Contents'], to_do), entry['Contents']
    assert 'another-key-' not in entry['Contents']


def test_a_license_refusal_names_only_the_licenses_the_restore_file_api_requires(advanced_tenant):
    # An admin whose tenant holds another license would read that one as enough and look elsewhere for the fault.
    advanced_tenant.backend.add_api_key('98', 'unlicensed-key-' + 'u' * 30, auth_type='standard', licensed=False)
    params = advanced_tenant.params(xdr_api_key_id='98', xdr_auth_type='standard',
                                    xdr_api_key={'identifier': '', 'password': 'unlicensed-key-' + 'u' * 30})
    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('restore-file', {'file_hash': CLEAN_HASH})

    [entry] = result.entries
    ours = entry['Contents'].split(' said: ', 1)[0]  # the advice, before Cortex XDR's own words
    assert 'HTTP 402' in ours, ours
    named = set(re.findall(r'\b(Prevent|Pro per \w+)', ours))
    assert named == {license.removeprefix('Cortex XDR ') for license in facts.XDR_RESTORE_LICENSES}, ours


def refused_key_params(tenant, status: int) -> dict:
    """The tenant's params with a key Cortex XDR refuses so (the seed's error table: 401 the key, 402 the license,
    403 the role), one request at a time so that what was sent after the refusal is counted exactly."""
    key = 'refused-key-' + 'r' * 30
    tenant.backend.add_api_key('97', key, auth_type='standard', licensed=status != 402, permitted=status != 403)
    return tenant.params(xdr_api_key_id='97', xdr_auth_type='standard', max_concurrency='1',
                         xdr_api_key={'identifier': '', 'password': key if status != 401 else 'not-' + key})


@pytest.mark.parametrize('status', [401, 402, 403])
def test_a_key_refused_at_the_first_restore_sends_no_restore_of_the_other_files(advanced_tenant, status):
    """A refused key, license or role refuses every restore of the command alike: the other files are not sent
    (each request would take a turn of the tenant's rate limit, which every integration of the tenant shares), and
    the error names them all, not started, with Cortex XDR's answer."""
    hashes = advanced_tenant.backend.quarantine_files(12, salt='refused')
    params = refused_key_params(advanced_tenant, status)
    before = len(advanced_tenant.gateway.requests)

    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('restore-file',
                                                                             {'file_hash': ','.join(hashes)})

    assert len(advanced_tenant.gateway.requests) - before == 1
    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and f'HTTP {status}' in entry['Contents']
    assert f'None of the {len(hashes)} restores was started' in entry['Contents'], entry['Contents']
    records = as_list(restored_record(result))
    assert sorted(r['file_hash'] for r in records) == sorted(hashes)
    assert all(r['status'] == 'FAILED' and r['may_have_started'] is False for r in records)


@pytest.mark.parametrize('status', [401, 402, 403])
def test_each_record_of_a_file_not_sent_after_the_key_was_refused_says_what_to_do_as_the_refused_one_does(
        advanced_tenant, status):
    """A playbook reads a file's record alone: one not sent, as Cortex XDR refused the key, license or role at
    another file's restore, says which was refused and what to do about it (README's words for that status), as the
    record of the file refused says, not only that it was not sent."""
    hashes = advanced_tenant.backend.quarantine_files(3, salt='unsent-advice')
    params = refused_key_params(advanced_tenant, status)

    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('restore-file',
                                                                             {'file_hash': ','.join(hashes)})

    records = as_list(restored_record(result))
    assert len(records) == len(hashes) and all(r['status'] == 'FAILED' for r in records)
    to_do = facts.XDR_ADVICE_WORDS[status] + (facts.XDR_RESTORE_PERMISSIONS if status == 403 else ())
    for record in records:
        assert f'HTTP {status}' in record['error'] and not facts.words_missing(record['error'], to_do), record


@pytest.mark.parametrize('status', [401, 402, 403])
def test_a_key_refused_at_the_first_status_read_reads_no_other_action(advanced_tenant, war_room_on, status):
    """The same at a check: the first status read refused so, the other actions' reads are not sent, and the check
    ends in Cortex XDR's answer, as when every read is refused."""
    hashes = advanced_tenant.backend.quarantine_files(12, salt='unread')
    started = as_list(restored_record(war_room_on(advanced_tenant).run(
        'restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})))
    params = refused_key_params(advanced_tenant, status)
    before = len(advanced_tenant.gateway.requests)

    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('restore-file', {
        'file_hash': ','.join(r['file_hash'] for r in started), 'polling': 'false',
        'action_id': json.dumps([r['action_id'] for r in started])})

    assert len(advanced_tenant.gateway.requests) - before == 1
    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and f'HTTP {status}' in entry['Contents'], entry['Contents']


def test_action_ids_that_do_not_pair_with_the_files_are_refused_without_advising_a_run_that_restores_them_again(
        advanced_tenant, war_room_on):
    """README: past the follow line's length, restore-file given each file's file_hash and action_id from
    CortexXDR.RestoredFile follows them; a record of a file Cortex XDR refused has no action_id, so those lists do not
    pair. Nothing is sent, and the advice is not to run the command without action_id, which would send a new restore of
    every file, the one still restoring too (a second action on each endpoint)."""
    room = war_room_on(advanced_tenant)
    records = as_list(restored_record(room.run('restore-file', {'file_hash': f'{CLEAN_HASH},{"0" * 64}',
                                                                'polling': 'false'})))
    assert [r['file_hash'] for r in records if 'action_id' in r] == [CLEAN_HASH]  # '0' * 64: quarantined nowhere
    before = len(advanced_tenant.gateway.requests)

    result = room.run('restore-file', {'file_hash': [r['file_hash'] for r in records], 'polling': 'false',
                                       'action_id': [r['action_id'] for r in records if 'action_id' in r]})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and len(advanced_tenant.gateway.requests) == before
    assert 'without it' not in entry['Contents'] and 'CortexXDR.RestoredFile' in entry['Contents'], entry['Contents']


def test_wrong_key_is_a_401_that_never_shows_the_key(advanced_tenant):
    wrong = 'wrong-key-' + 'w' * 40
    params = advanced_tenant.params(xdr_api_key={'identifier': '', 'password': wrong})
    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('restore-file', {'file_hash': CLEAN_HASH})

    [entry] = result.entries
    assert 'HTTP 401' in entry['Contents'] and 'API key' in entry['Contents']
    assert wrong not in repr(result.entries) + repr(result.log) + repr(result.context)


def test_test_module_answers_ok_on_a_good_key_and_explains_a_bad_one(advanced_tenant):
    good = WarRoom(params=advanced_tenant.params(), time_scale=0).run('test-module', {})
    bad = WarRoom(params=advanced_tenant.params(xdr_api_key_id='404'), time_scale=0).run('test-module', {})

    assert [e['Contents'] for e in good.entries] == ['ok']
    assert bad.failed and 'HTTP 401' in bad.entries[0]['Contents']
    assert not facts.words_missing(bad.entries[0]['Contents'], facts.XDR_ADVICE_WORDS[401]), bad.entries[0]


def test_test_module_reads_the_status_of_action_0_alone_and_restores_nothing(advanced_tenant):
    # README, test-module: it "reads the status of action 0: it needs a valid key and changes nothing"; an action of
    # another number may be one of the tenant's own, whose status a Test has no business reading.
    result = WarRoom(params=advanced_tenant.params(), time_scale=0).run('test-module', {})

    assert [e['Contents'] for e in result.entries] == ['ok']
    assert [(r.path.rsplit('/', 2)[-2], r.body['request_data']) for r in advanced_tenant.gateway.requests] == [
        ('get_action_status', {'group_action_id': 0})], advanced_tenant.gateway.requests


@pytest.mark.parametrize('gateway_error', ['502', '503', '504'])
def test_test_module_fails_when_only_a_gateway_answered_and_the_key_was_never_checked(advanced_tenant, gateway_error):
    """The seed's error table gives Cortex XDR's own answers (400, 401, 402, 403, 500); a 502, 503 or 504 at every
    attempt, even in Cortex XDR's JSON form (as the emulator's faults send them), came from in front of the API, which
    never read the key: the test must not pass, or a wrong key ID is found only by the first restore."""
    advanced_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={gateway_error}*50;retry-after=0'))
    params = advanced_tenant.params(xdr_api_key_id='404', retry_backoff='0')  # a key ID the tenant would refuse
    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('test-module', {})

    assert not advanced_tenant.gateway.requests  # none reached the API: every one met the gateway's error
    assert result.failed and f'HTTP {gateway_error}' in result.entries[0]['Contents'], result.entries


def test_test_module_met_by_a_500_not_in_cortex_xdr_s_error_form_speaks_of_its_status_read_and_says_to_test_again(
        advanced_tenant):
    """README, test-module: it reads the status of action 0 and passes on Cortex XDR's own answer, a 500 in its error
    form too; a 500 in another form (a gateway's HTML page) fails it. A Test restores nothing: the advice speaks of the
    status it reads, not of a quarantined file, and tells the admin at the instance dialog to test again later, not to
    try again."""
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=500-html'))
    result = WarRoom(params=advanced_tenant.params(), time_scale=0, sleep=lambda _: None).run('test-module', {})

    message = result.entries[0]['Contents']
    assert result.failed and 'HTTP 500' in message and advanced_tenant.gateway.faults.counts() == {'500-html': 1}
    assert re.search(r'\baction status\b', message) and re.search(r'\bTest again later\b', message), message
    assert not re.search(r'quarantined|\b[Tt]ry again|\b[Rr]un the command', message), message



def test_test_module_met_by_a_400_not_in_cortex_xdr_s_error_form_speaks_of_its_status_read_not_of_a_restore(
        advanced_tenant, replay_server):
    """README, test-module: it reads the status of action 0 and passes on Cortex XDR's own 400 (its error form); a 400
    in another form (a proxy's or gateway's HTML page, test_data/xdr/replies/error_400.html) fails it. A Test sends no
    incident_id and no file_hash: its advice speaks of the status it reads, not of a restore's values."""
    replay_server.queue_file(400, 'error_400.html')
    params = advanced_tenant.params(xdr_url=replay_server.url)
    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('test-module', {})

    message = result.entries[0]['Contents']
    [probe] = replay_server.requests
    assert result.failed and 'HTTP 400' in message and probe.path.endswith('/actions/get_action_status/'), message
    assert re.search(r'\baction status\b', message) and re.search(r'\b[Tt]est again\b', message), message
    assert not re.search(r'incident_id|file_hash|quarantined|\b[Tt]ry again|\b[Rr]un the command', message), message

def test_test_module_refused_by_the_key_s_role_names_every_permission_a_restore_needs(advanced_tenant):
    """test-module is where the admin learns what the key's role lacks: its 403 names every permission restore-file
    needs (as the setting's help does), not only the one a status read needs, and no action to follow: it started
    none."""
    advanced_tenant.backend.add_api_key(conftest.XDR_KEY_ID, advanced_tenant.key, auth_type='advanced', permitted=False)
    result = WarRoom(params=advanced_tenant.params(), time_scale=0, sleep=lambda _: None).run('test-module', {})

    message = result.entries[0]['Contents']
    assert result.failed and 'HTTP 403' in message, message
    assert not facts.words_missing(message, facts.XDR_ADVICE_WORDS[403] + facts.XDR_RESTORE_PERMISSIONS), message
    assert 'follow the action' not in message.lower(), message


def test_test_module_throttled_says_to_test_again_not_that_a_next_check_reads_an_action(advanced_tenant):
    """test-module follows no action and has no polling: its 429 says to test again, not that a next check reads the
    action's status or that a larger timeout_in_seconds (an argument of restore-file) helps."""
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=429*200;retry-after=3600'))
    result = WarRoom(params=advanced_tenant.params(), time_scale=0, sleep=lambda _: None).run('test-module', {})

    message = result.entries[0]['Contents']
    assert result.failed and 'HTTP 429' in message, message
    assert not facts.words_missing(message, facts.XDR_ADVICE_WORDS[429]), message
    assert not any(words in message for words in PROMISES + ('action status', 'timeout_in_seconds')), message
    # Cortex XDR asked to wait an hour: the one instruction is when to test again, its end (README, test-module).
    assert 3590 <= conftest.seconds_to_test_again(message, 'Cortex XDR') <= 3600, message


def test_test_module_waits_out_a_throttle_well_within_the_test_buttons_time_and_passes(monkeypatch):
    """README, test-module: a 429 fails the test only when the throttling outlasts what a Test waits for its turns,
    within the 60 s XSOAR gives a Test; a shorter one is waited out, as for every command, and the test passes on
    Cortex XDR's answer, before XSOAR's end of the Test."""
    tenant, room, clock = clocked_room(monkeypatch, 10)
    retry_after = facts.XSOAR_TEST_TIMEOUT_SECONDS // 8  # four of them: 28 s of waiting, half the Test's time
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429*4;retry-after={retry_after}'))
    started = clock()
    try:
        result = room.run('test-module', {})
    finally:
        tenant.server.stop()

    assert [entry['Contents'] for entry in result.entries] == ['ok'], result.entries
    assert 4 * retry_after <= clock() - started < facts.XSOAR_TEST_TIMEOUT_SECONDS  # each Retry-After waited out
    assert tenant.gateway.faults.seen == 5  # the four 429s, then the status read that passed


def test_test_module_with_nothing_configured_says_what_to_set():
    result = WarRoom(params={}, time_scale=0).run('test-module', {})

    message = result.entries[0]['Contents']
    assert result.failed and 'No vendor is configured' in message
    # What to set, in the words of the settings integration.yml displays for each vendor.
    assert not facts.words_missing(message, ('Cortex XDR', 'API key ID', 'Huawei Cloud', 'project ID')), message


def test_every_endpoint_row_of_the_final_entry_matches_the_context(advanced_tenant, war_room_on):
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': PARTLY_FAILING_HASH})

    record = restored_record(result)
    final = result.entries[-1]['HumanReadable']
    rows = markdown_rows(final)
    # One row per endpoint of the context, in its order, each cell the context's value (empty when it has none).
    assert [row['endpoint_id'] for row in rows] == [e['endpoint_id'] for e in as_list(record['endpoints'])]
    for row, endpoint in zip(rows, as_list(record['endpoints'])):
        assert row == {'endpoint_id': endpoint['endpoint_id'], 'status': endpoint['status'],
                       'error_description': endpoint.get('error_description', '')}
    # and the context is the seed's: every holder, each failing one in its seeded status with its seeded reason
    seeded = {endpoint_id: (FAILING[endpoint_id]['status'], FAILING[endpoint_id]['error_description'])
              if endpoint_id in FAILING else (facts.XDR_SUCCESS_STATUS, '')
              for endpoint_id in HOLDERS[PARTLY_FAILING_HASH]}
    assert {row['endpoint_id']: (row['status'], row['error_description']) for row in rows} == seeded
    title = final.splitlines()[0]
    # the counts and the outcome the seed calls for (integration.yml's rule, tests/facts.py), not the record's own
    failed = sum(endpoint_id in FAILING for endpoint_id in HOLDERS[PARTLY_FAILING_HASH])
    restored = len(HOLDERS[PARTLY_FAILING_HASH]) - failed
    assert (record['restored_count'], record['failed_count']) == (restored, failed)
    assert f'{restored} restored, {failed} failed' in title, title
    assert facts.xdr_outcome(status for status, _ in seeded.values()) in title, title
    assert advanced_tenant.key not in repr(result.entries)


def test_several_hashes_are_restored_and_followed_together(advanced_tenant, war_room_on):
    hashes = sorted(HOLDERS)

    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': ','.join(hashes)})

    records = {r['file_hash']: r for r in as_list(restored_record(result))}
    assert sorted(records) == hashes
    assert len({r['action_id'] for r in records.values()}) == len(hashes)
    expected_rows = set()
    for file_hash, record in records.items():
        # Each record lists exactly the seed's holders of its file, each in the status the seed gives it.
        expected = {endpoint_id: FAILING[endpoint_id]['status'] if endpoint_id in FAILING else facts.XDR_SUCCESS_STATUS
                    for endpoint_id in HOLDERS[file_hash]}
        assert sorted(e['endpoint_id'] for e in record['endpoints']) == sorted(expected)
        assert {e['endpoint_id']: e['status'] for e in record['endpoints']} == expected
        assert record['status'] == facts.xdr_outcome(expected.values())
        restored = sum(status == facts.XDR_SUCCESS_STATUS for status in expected.values())
        assert (record['restored_count'], record['failed_count']) == (restored, len(expected) - restored)
        expected_rows |= {(file_hash, endpoint_id, status) for endpoint_id, status in expected.items()}
        for endpoint_id in HOLDERS[file_hash]:
            where = advanced_tenant.backend.quarantined if endpoint_id in FAILING else advanced_tenant.backend.restored
            assert file_hash in where(endpoint_id)
    # Together: one polling sequence (one entry a run, each but the last scheduling the next), whose every check asks
    # about each action, and whose final entry reports every file on every holder.
    assert len(result.entries) == result.runs > 1
    assert [bool(entry.get('PollingCommand')) for entry in result.entries] == [True] * (result.runs - 1) + [False]
    polled = [r.body['request_data']['group_action_id'] for r in advanced_tenant.gateway.requests
              if r.path.endswith('/get_action_status/')]
    assert sorted(polled) == sorted([r['action_id'] for r in records.values()] * (result.runs - 1))
    final_rows = markdown_rows(result.entries[-1]['HumanReadable'])
    assert {(row['file_hash'], row['endpoint_id'], row['status']) for row in final_rows} == expected_rows


def test_among_several_hashes_a_refused_one_is_reported_and_the_others_go_on(advanced_tenant, war_room_on):
    nowhere = 'a' * 64

    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': f'{CLEAN_HASH},{nowhere}'})

    assert not result.failed
    records = {r['file_hash']: r for r in as_list(restored_record(result))}
    assert records[CLEAN_HASH]['status'] == 'COMPLETED_SUCCESSFULLY'
    assert records[nowhere]['status'] == 'FAILED' and 'action_id' not in records[nowhere]
    # test_data/xdr/README.md: a restore of a file no endpoint holds is the API's 500 "no quarantined file"
    assert nowhere not in HOLDERS and 'HTTP 500' in records[nowhere]['error']
    assert 'no quarantined file' in records[nowhere]['error'].lower(), records[nowhere]['error']
    polls = [r for r in advanced_tenant.gateway.requests if 'get_action_status' in r.path]
    assert polls and all(str(records[CLEAN_HASH]['action_id']) in str(r.body) for r in polls)


def test_a_repeated_hash_is_restored_once(advanced_tenant, war_room_on):
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': f'{CLEAN_HASH},{CLEAN_HASH.upper()}'})

    assert restored_record(result)['file_hash'] == CLEAN_HASH
    assert sum('restore' in r.path and 'status' not in r.path for r in advanced_tenant.gateway.requests) == 1


def test_a_polling_timeout_shorter_than_the_interval_is_refused_before_anything_is_sent(advanced_tenant, war_room_on):
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '5'})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'timeout_in_seconds (5) is shorter than interval_in_seconds (10)' in \
        entry['Contents']
    assert not advanced_tenant.gateway.requests
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '5',
                                                               'polling': 'false'})
    assert not result.failed  # without polling the timeout only bounds the wait for throttling


def test_a_timeout_shorter_than_an_interval_read_as_ten_names_the_interval_typed_and_as_read(advanced_tenant,
                                                                                                war_room_on):
    """interval_in_seconds=5 is read as 10 (tests/facts.py: ScheduledCommand): a timeout of 7, longer than the 5 the
    user typed, is refused saying both, so the refusal does not seem to contradict the arguments given."""
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': CLEAN_HASH, 'interval_in_seconds': '5',
                                                               'timeout_in_seconds': '7'})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR, entry['Contents']
    assert 'interval_in_seconds 5 (read as 10, the soonest XSOAR runs a next check)' in entry['Contents']
    assert 'at least 10 seconds' in entry['Contents']
    assert not advanced_tenant.gateway.requests


def test_when_every_restore_is_refused_the_error_names_every_file_under_its_reason(advanced_tenant, war_room_on):
    not_quarantined = sorted({format(n, '064x') for n in (1, 2)} - set(HOLDERS))

    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': ','.join(not_quarantined)})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'None of the 2 restores was started' in entry['Contents']
    # the reason once (test_data/xdr/README.md: a file no endpoint holds is the API's 500 "no quarantined file"),
    # every file named after it
    text = entry['Contents'].lower()
    assert text.count('no quarantined file') == 1
    assert all(text.index(file_hash) > text.index('no quarantined file') for file_hash in not_quarantined)


def test_a_polling_run_gets_endpoint_and_incident_ids_as_the_first_run_read_them(advanced_tenant, war_room_on):
    # A playbook passes values from context as lists; the next run's PollingArgs carry the one value as text.
    endpoint = HOLDERS[CLEAN_HASH][0]

    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': CLEAN_HASH, 'endpoint_id': [endpoint],
                                                               'incident_id': [302]})

    assert not result.failed, result.entries[-1]
    polling_args = result.entries[0]['PollingArgs']
    assert polling_args['endpoint_id'] == endpoint and polling_args['incident_id'] == '302'


def test_polling_never_sends_again_a_restore_cortex_xdr_refused_or_may_have_acted_on(advanced_tenant, war_room_on):
    # Only a restore that Cortex XDR never acted on is sent by a later check: not one it refused (no quarantined
    # copy), nor one whose answer was lost after it reached the tenant (here a broken reply, not retried).
    nowhere, lost = 'a' * 64, PARTLY_FAILING_HASH
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,ok,malformed'))
    room = war_room_on(advanced_tenant, max_retries='0', max_concurrency='1')

    result = room.run('restore-file', {'file_hash': f'{CLEAN_HASH},{nowhere},{lost}'})

    assert not result.failed, result.entries[-1]
    restores = [r.body['request_data']['file_hash'] for r in advanced_tenant.gateway.requests
                if r.path.endswith('/restore/')]
    assert restores == [CLEAN_HASH, nowhere, lost]
    assert [a.file_hash for a in advanced_tenant.backend.actions.values()] == [CLEAN_HASH, lost]  # the lost one acted
    records = {r['file_hash']: r for r in as_list(restored_record(result))}
    assert records[lost]['status'] == 'FAILED' and 'may have started' in records[lost]['error']
    assert 'unsent' not in result.entries[0]['PollingArgs']


@pytest.mark.parametrize('fault', ['503', '503-html'])
def test_a_restore_that_met_only_faults_cortex_xdr_did_not_act_on_is_sent_by_the_next_check(advanced_tenant,
                                                                                         war_room_on, fault):
    # A 503 (JSON or a gateway's page): the request was not passed on, so Cortex XDR did not act. With its retries
    # spent in the first run, the restore is not lost: the next check sends it, once. (A reset after the request
    # arrived may have been acted on: test_polling_never_sends_again_a_restore_cortex_xdr_refused_or_may_have_acted_on.)
    advanced_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,{fault}'))
    room = war_room_on(advanced_tenant, max_retries='0', max_concurrency='1')
    hashes = sorted(HOLDERS)[:2]

    result = room.run('restore-file', {'file_hash': ','.join(hashes)})

    assert not result.failed, result.entries[-1]
    assert 'unsent' in result.entries[0]['PollingArgs']
    assert sorted(a.file_hash for a in advanced_tenant.backend.actions.values()) == hashes  # each started once
    records = {}
    for record in as_list(restored_record(result)):
        records[record['file_hash']] = record  # the later record of a file sent late stands beside the first
    assert {h: records[h]['status'] for h in hashes} == {h: 'COMPLETED_SUCCESSFULLY' for h in hashes}


# An instruction to send the restore again: "Run the command again later", "Try again later", "run restore-file again".
RUN_AGAIN = re.compile(r'\b(run|try)\b[^.]*\bagain\b', re.IGNORECASE)


def record_not_started(entry):
    """The record an entry wrote for a file it started no action for, or {}."""
    records = [r for r in as_list(next(iter(entry.get('EntryContext', {}).values()), [])) if 'action_id' not in r]
    return records[0] if records else {}


def late_file_lines(entry, file_hash):
    """The entry's lines about a file it started no action for: its reason under **Not started**, and its files."""
    text = entry['HumanReadable']
    return [block for block in text.split('\n- ') if file_hash in block and '**Not started' in block]


# A 429 whose Retry-After (200 s) is past what a run waits for throttling: not retried, and Cortex XDR did not act; each
# check comes once it has passed, with time left in the 600 s of polling to send the file after the second
@pytest.mark.parametrize('faults', ['sequence=ok,429,429;retry-after=200', 'sequence=ok,503,503',
                                    'sequence=ok,503-html,503-html'])
def test_a_file_the_next_check_sends_is_not_told_to_run_the_command_again(advanced_tenant, war_room_on, faults):
    # README: a restore Cortex XDR did not act on (a 429, a 503, no turn in time) is sent by the next check while
    # polling lasts, and its record says so. Running the command again meanwhile starts a second action for every file
    # of it while the next check still sends this one: neither the record nor the entry may tell the analyst to, though
    # they still say what happened.
    advanced_tenant.gateway.inject_faults(FaultPlan.parse(faults))
    room = war_room_on(advanced_tenant, max_retries='0', max_concurrency='1')
    started, late = sorted(HOLDERS)[:2]

    result = room.run('restore-file', {'file_hash': f'{started},{late}'})

    assert not result.failed, result.entries[-1]
    promised = [entry for entry in result.entries
                if 'next check sends it' in record_not_started(entry).get('error', '')]
    assert len(promised) == 2, result.entries  # the first run's, and the first check's (the second sends it)
    for entry in promised:
        reason = record_not_started(entry)['error']
        assert reason.startswith(('Cortex XDR answered HTTP', 'Not sent to Cortex XDR')), reason  # what happened
        assert not RUN_AGAIN.search(reason), reason
        [lines] = late_file_lines(entry, late)
        assert 'next check sends it' in lines and not RUN_AGAIN.search(lines), lines
    assert sorted(a.file_hash for a in advanced_tenant.backend.actions.values()) == [started, late]  # once each


@pytest.mark.parametrize('faults', ['sequence=ok,429;retry-after=400', 'sequence=ok,503'])
def test_a_file_no_check_will_send_keeps_what_to_do_about_its_fault(advanced_tenant, war_room_on, faults):
    # Without polling no check sends it: its record keeps the advice for the fault, to run the command again.
    advanced_tenant.gateway.inject_faults(FaultPlan.parse(faults))
    room = war_room_on(advanced_tenant, max_retries='0', max_concurrency='1')
    started, late = sorted(HOLDERS)[:2]

    result = room.run('restore-file', {'file_hash': f'{started},{late}', 'polling': 'false'})

    reason = record_not_started(result.entries[-1])['error']
    assert reason.startswith('Cortex XDR answered HTTP') and RUN_AGAIN.search(reason), reason
    assert 'next check' not in reason, reason


# The first run's restore meets a fault Cortex XDR did not act on (a 429 past what a run waits, a 503, a gateway's
# page), and with "503,..." the check that sends it meets one again: the check after it, once the 200 s Cortex XDR
# asked for have passed each time, sends it.
@pytest.mark.parametrize('faults', ['sequence=429;retry-after=400', 'sequence=503', 'sequence=503-html',
                                    'sequence=503,429;retry-after=200'])
def test_a_single_file_cortex_xdr_did_not_act_on_is_sent_by_the_next_check_as_one_of_several_is(advanced_tenant,
                                                                                               war_room_on, faults):
    # README, "Files a run had no time to send": while polling, the next check sends such a restore. A playbook
    # restoring one file while the tenant is busy must not take its error path where the same with two files does not.
    advanced_tenant.gateway.inject_faults(FaultPlan.parse(faults))
    room = war_room_on(advanced_tenant, max_retries='0')

    result = room.run('restore-file', {'file_hash': CLEAN_HASH})

    assert not result.failed, result.entries[-1]
    first = result.entries[0]
    assert first['Type'] == facts.ENTRY_NOTE and json.loads(first['PollingArgs']['unsent']) == [CLEAN_HASH], first
    assert 'is restoring' not in first['HumanReadable'], first  # no action to name
    promised = [entry for entry in result.entries
                if 'next check sends it' in record_not_started(entry).get('error', '')]
    assert len(promised) == faults.count(',') + 1, result.entries  # each run that met a fault, before the one it sent
    for entry in promised:
        record = record_not_started(entry)
        assert record['status'] == 'FAILED' and record['may_have_started'] is False, record
        assert not RUN_AGAIN.search(record['error']), record
        [lines] = late_file_lines(entry, CLEAN_HASH)
        assert 'next check sends it' in lines and not RUN_AGAIN.search(lines), lines
    [(action_id, action)] = advanced_tenant.backend.actions.items()  # sent once, by a check
    latest = as_list(restored_record(result))[-1]  # the record with its action_id, beside the one not sent
    assert action.file_hash == CLEAN_HASH and latest['action_id'] == action_id, latest
    assert latest['status'] == facts.XDR_SUCCESS_STATUS and latest['restored_count'] == len(HOLDERS[CLEAN_HASH])
    assert 'Not started' not in result.entries[-1]['HumanReadable']
    from test_restore_summary import summarise  # the playbook's summary note reads the later record
    _, summary = summarise(result.context, 'xdr')
    assert summary['restored'] == len(HOLDERS[CLEAN_HASH]) and not summary['needs_manual_action'], summary


@pytest.mark.parametrize('args', [{'polling': 'false'}, {'timeout_in_seconds': '30'}])
def test_a_single_file_no_check_will_send_ends_in_an_error_entry_that_writes_its_record(advanced_tenant, war_room_on,
                                                                                        args):
    # Without polling, or with 30 s of it (a check comes at 10 s, too late to send and follow it), no check sends the
    # file: the run is an error (the playbook's error path), its record saying what to do.
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=503'))
    room = war_room_on(advanced_tenant, max_retries='0')

    result = room.run('restore-file', {'file_hash': CLEAN_HASH, **args})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'PollingCommand' not in entry, entry
    [record] = as_list(restored_record(result))
    assert record['status'] == 'FAILED' and record['may_have_started'] is False, record
    assert RUN_AGAIN.search(record['error']) and 'next check' not in record['error'], record
    assert not advanced_tenant.backend.actions


def test_a_single_late_file_a_check_cannot_send_in_time_ends_in_an_error_entry_that_writes_its_record(
        advanced_tenant, war_room_on):
    # 50 s of polling: the first run (at 0 s) leaves the file to the check at 10 s, which meets a 503 again; a check
    # at 20 s could send it, but not follow it before the timeout. No check is left to send it: the check is the last,
    # an error entry (the playbook's error path), and the record says once to run it again, not that a check will.
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=503,503'))
    room = war_room_on(advanced_tenant, max_retries='0')

    result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '50'})

    assert result.runs == 2 and not advanced_tenant.backend.actions
    last = result.entries[-1]
    assert last['Type'] == ENTRY_ERROR and CLEAN_HASH in last['Contents'] and 'PollingCommand' not in last, last
    # one file's error speaks of its restore, not of "None of the 1 restores"
    assert 'Error: The restore was not started.' in last['Contents'] and 'None of' not in last['Contents'], last
    [record] = as_list(restored_record(result))
    assert record['status'] == 'FAILED' and record['may_have_started'] is False, record
    assert len(RUN_AGAIN.findall(record['error'])) == 1 and 'next check' not in record['error'], record



def test_a_single_late_file_whose_restore_at_a_check_may_have_started_says_so_of_that_file(advanced_tenant,
                                                                                          war_room_on):
    # The first run meets a 503 (not acted on: left to the check), the check a 502 (Cortex XDR may have acted on it):
    # nothing to follow and nothing left to send. The error speaks of the one file, as a first run's would, and says to
    # look in the Action Center before restoring it again.
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=503,502'))
    room = war_room_on(advanced_tenant, max_retries='0')

    result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '600'})

    last = result.entries[-1]
    assert last['Type'] == ENTRY_ERROR and 'PollingCommand' not in last, last
    assert CLEAN_HASH in last['Contents'] and 'Action Center' in last['Contents'], last
    assert 'may have started this restore' in last['Contents'], last
    assert 'None of' not in last['Contents'] and 'restores' not in last['Contents'], last
    [record] = as_list(restored_record(result))
    assert record['status'] == 'FAILED' and record['may_have_started'] is True, record


def restore_with_the_first_check_faulted(tenant, war_room_on, faults):
    """restore-file of one held file run to its end, the vendor faulting as ``faults`` from the first check on."""
    room = war_room_on(tenant, max_retries='0', max_concurrency='1')
    [file_hash] = sorted(HOLDERS)[:1]
    checks = []

    def fault_the_first_check(entry):
        if 'PollingCommand' in entry and not checks:
            checks.append(entry)
            tenant.gateway.inject_faults(FaultPlan.parse(faults))
    room.on_entry = fault_the_first_check
    return room.run('restore-file', {'file_hash': file_hash})


# A status read Cortex XDR did not answer (a 503, a 429 past what a run waits, a gateway's page): the next check reads
# it again, and the record says so; running the command again meanwhile would start a second action for the file.
@pytest.mark.parametrize('faults', ['sequence=503', 'sequence=429;retry-after=400', 'sequence=503-html'])
def test_a_status_the_next_check_reads_again_is_not_told_to_run_the_command_again(advanced_tenant, war_room_on,
                                                                                   faults):
    result = restore_with_the_first_check_faulted(advanced_tenant, war_room_on, faults)

    unread = [record for entry in result.entries[1:]
              for record in as_list(next(iter(entry.get('EntryContext', {}).values()), []))
              if record.get('error', '').startswith('Status not read')]
    assert unread, result.entries  # the first check could not read the action's status
    for record in unread:
        assert 'the next check reads it again' in record['error'].lower(), record
        assert not RUN_AGAIN.search(record['error']), record['error']
    assert len(advanced_tenant.backend.actions) == 1


@pytest.mark.parametrize('faults', ['sequence=503', 'sequence=429;retry-after=400', 'sequence=503-html'])
def test_the_raw_contents_of_a_status_the_next_check_reads_again_tell_no_more_to_run_again_than_its_record(
        advanced_tenant, war_room_on, faults):
    result = restore_with_the_first_check_faulted(advanced_tenant, war_room_on, faults)

    unread = [entry for entry in result.entries[1:] if any(
        record.get('error', '').startswith('Status not read')
        for record in as_list(next(iter(entry.get('EntryContext', {}).values()), [])))]
    assert unread, result.entries  # the first check could not read the action's status
    for entry in unread:
        raw = [reply for reply in as_list(entry['Contents']) if 'error' in reply]
        assert raw, entry['Contents']
        for reply in raw:  # what the next check does about it is the record's to say, as the readable line does
            assert not RUN_AGAIN.search(reply['error']), reply['error']
        assert not RUN_AGAIN.search(entry['HumanReadable']), entry['HumanReadable']


@pytest.mark.parametrize('change, status', [
    ({'key': 'a-new-key-' + 'k' * 40}, 401),  # the key was regenerated: the one the instance holds is refused
    ({'licensed': False}, 402),
    ({'permitted': False}, 403),  # the key's role lost the permission
])
def test_polling_stops_with_what_to_do_when_every_status_read_of_a_check_is_refused_for_good(change, status):
    clock = FakeClock()
    tenant = start_tenant(auth_type='advanced', stage_seconds=100, clock=clock)
    try:
        def revoke_after_the_first_run(entry):
            if 'PollingCommand' in entry and not tenant.backend.actions[min(tenant.backend.actions)].applied:
                tenant.backend.add_api_key(conftest.XDR_KEY_ID, change.get('key', tenant.key), auth_type='advanced',
                                           **{k: v for k, v in change.items() if k != 'key'})
        room = WarRoom(params=tenant.params(), time_scale=1.0, sleep=clock.advance, on_entry=revoke_after_the_first_run)
        hashes = sorted(HOLDERS)[:2]

        result = room.run('restore-file', {'file_hash': ','.join(hashes)})

        assert result.runs == 2  # the restores, then one check: not a check every 10 s until the polling timeout
        entry = result.entries[-1]
        assert entry['Type'] == ENTRY_ERROR and f'HTTP {status}' in entry['Contents']
        for action_id in tenant.backend.actions:
            assert str(action_id) in entry['Contents']
        assert 'Action Center' in entry['Contents'] and 'go on in Cortex XDR' in entry['Contents']
        assert tenant.key not in entry['Contents']
    finally:
        tenant.server.stop()


@pytest.mark.parametrize('change, status', [
    ({'key': 'a-new-key-' + 'k' * 40}, 401),
    ({'licensed': False}, 402),
    ({'permitted': False}, 403),
])
def test_polling_stopped_by_refused_status_reads_leaves_no_record_saying_a_next_check_reads_or_sends_it(change,
                                                                                                         status):
    """The error entry that stops polling writes each file's record: the one followed says its status was not read and
    how to follow its action, the one left to the next check (a 503 at the first run) that it was not started: no
    record says a next check comes (README, Context: a check that cannot read a status writes status and error)."""
    clock = FakeClock()
    tenant = start_tenant(auth_type='advanced', stage_seconds=100, clock=clock)
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,503'))  # the second file's restore is left unsent
    try:
        def revoke_after_the_first_run(entry):
            if 'PollingCommand' in entry:
                tenant.backend.add_api_key(conftest.XDR_KEY_ID, change.get('key', tenant.key), auth_type='advanced',
                                           **{k: v for k, v in change.items() if k != 'key'})
        room = WarRoom(params=tenant.params(max_retries='0', max_concurrency='1'), time_scale=1.0,
                       sleep=clock.advance, on_entry=revoke_after_the_first_run)
        followed, unsent = sorted(HOLDERS)[:2]

        result = room.run('restore-file', {'file_hash': f'{followed},{unsent}'})

        assert result.runs == 2 and result.entries[-1]['Type'] == ENTRY_ERROR
        [action] = tenant.backend.actions.values()  # the one restore Cortex XDR took
        assert action.file_hash == followed
        records = {r['file_hash']: r for r in as_list(restored_record(result))}
        assert records[followed]['status'] == 'IN_PROGRESS'
        assert records[unsent]['status'] == 'FAILED' and records[unsent]['may_have_started'] is False
        for record in records.values():
            assert f'HTTP {status}' in record['error'] and 'next check' not in record['error'], record
        assert str(action.action_id) in records[followed]['error'] and 'Action Center' in records[followed]['error']
    finally:
        tenant.server.stop()


def test_status_reads_refused_by_the_key_s_role_say_what_the_role_lacks_once_and_where_to_follow_once():
    """A 403 at every status read of a check (the seed: the key lacks the RBAC permissions this API needs) is the
    role's, not a key that stopped working: the error says the role may not read action statuses and the permission
    to give it, and points to the Action Center once, for each action, not twice."""
    clock = FakeClock()
    tenant = start_tenant(auth_type='advanced', stage_seconds=100, clock=clock)
    try:
        def revoke_after_the_first_run(entry):
            if 'PollingCommand' in entry:
                tenant.backend.add_api_key(conftest.XDR_KEY_ID, tenant.key, auth_type='advanced', permitted=False)
        room = WarRoom(params=tenant.params(), time_scale=1.0, sleep=clock.advance, on_entry=revoke_after_the_first_run)

        result = room.run('restore-file', {'file_hash': sorted(HOLDERS)[0]})

        entry = result.entries[-1]
        assert entry['Type'] == ENTRY_ERROR and 'HTTP 403' in entry['Contents'], entry
        error = restored_record(result)['error']
        for text in (entry['Contents'], error):
            assert re.search(r"role\b[^.]*\bread action status", text) and 'View/Edit' in text, text
            assert text.count('Response > Action Center') == 1, text
            assert 'works again' not in text and not re.search(r': [A-Z]\w* action', text), text
    finally:
        tenant.server.stop()


def test_polling_goes_on_when_only_some_status_reads_of_a_check_are_refused(replay_server):
    # A lasting refusal of one read among several does not say the key is gone: the next check reads again.
    # Restores of three endpoints each, as many as the statuses list
    three = 'variants/restore_reply_numeric_count.json'
    for name in (three, three, 'action_status_running.json', 'error_403.json',
                 'action_status_final.json', 'action_status_final.json'):
        replay_server.queue_file(403 if name.startswith('error') else 200, name)
    params = {'xdr_url': replay_server.url, 'xdr_api_key_id': conftest.XDR_KEY_ID, 'xdr_auth_type': 'standard',
              'xdr_api_key': {'identifier': '', 'password': 'k' * 40}, 'max_concurrency': '1'}
    room = WarRoom(params=params, time_scale=0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': ','.join(sorted(HOLDERS)[:2])})

    assert not result.failed and result.runs == 3, result.entries[-1]
    assert 'HTTP 403' in result.entries[1]['HumanReadable']


def replay_params(replay_server):
    return {'xdr_url': replay_server.url, 'xdr_api_key_id': conftest.XDR_KEY_ID, 'xdr_auth_type': 'standard',
            'xdr_api_key': {'identifier': '', 'password': 'k' * 40}, 'max_concurrency': '1'}


def restore_reply_without_action_id():
    reply = conftest.load_json(conftest.XDR_REPLIES / 'restore_reply.json')
    return {'reply': {name: value for name, value in reply['reply'].items() if name != 'action_id'}}


def restore_reply_not_an_object():
    return [conftest.load_json(conftest.XDR_REPLIES / 'restore_reply.json')]


@pytest.mark.parametrize('answer', [restore_reply_without_action_id, restore_reply_not_an_object])
def test_polling_never_sends_again_a_restore_cortex_xdr_answered_with_http_200(replay_server, answer):
    # Cortex XDR answered the restore (HTTP 200), in a form that cannot be followed: it may have started the restore,
    # so a later check must not send it again (a second restore action on every endpoint holding the file).
    first, second = sorted(HOLDERS)[:2]
    # a restore of three endpoints, as many as the final status lists
    replay_server.queue_file(200, 'variants/restore_reply_numeric_count.json').queue(200, answer())
    replay_server.queue_file(200, 'action_status_final.json')
    room = WarRoom(params=replay_params(replay_server), time_scale=0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': f'{first},{second}'})

    assert not result.failed and result.runs == 2, result.entries[-1]
    restores = [json.loads(r.body)['request_data']['file_hash'] for r in replay_server.requests
                if r.path.endswith('/restore/')]
    assert restores == [first, second]
    assert 'unsent' not in result.entries[0]['PollingArgs']
    records = {r['file_hash']: r for r in as_list(restored_record(result))}
    assert records[second]['status'] == 'FAILED' and 'next check sends it' not in records[second]['error']


def test_a_last_check_whose_only_work_was_a_refused_late_restore_does_not_say_nothing_was_restored(advanced_tenant,
                                                                                                  war_room_on):
    # The first run starts one restore and meets a 503 on the other; the first check meets a 503 again while the
    # started action ends; the second check sends the late restore, which Cortex XDR refuses (no quarantined copy).
    # That last check followed no action of its own: its entry must still say what the earlier check found.
    restored, nowhere = CLEAN_HASH, 'a' * 64
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,503,503'))
    room = war_room_on(advanced_tenant, max_retries='0', max_concurrency='1')

    result = room.run('restore-file', {'file_hash': f'{restored},{nowhere}'})

    assert not result.failed and result.runs == 3, result.entries[-1]
    [action] = advanced_tenant.backend.actions.values()
    assert action.file_hash == restored and len(action.endpoint_ids) == len(HOLDERS[restored])
    final = result.entries[-1]['HumanReadable']
    assert 'Restore of 0 files' not in final and '0 endpoint restores done' not in final, final
    assert f'{restored}: COMPLETED_SUCCESSFULLY ({len(HOLDERS[restored])} restored, 0 failed)' in final
    # the title counts that file, listed under it (test_progress_line_counts: the title counts what ended earlier)
    assert final.splitlines()[0] == (f'### Restore of 1 file checked: 1 action final, {len(HOLDERS[restored])} '
                                     f'endpoint restores done, 0 failed'), final
    assert nowhere in final and 'Not started' in final


def test_a_file_not_started_earlier_stays_in_the_report_when_a_later_one_is_not_started_for_the_same_reason(
        advanced_tenant):
    # A check by hand (polling=false) of one running action, with a file an earlier run reported not started
    # (refused) and one it had no time to send (unsent), which Cortex XDR now asks to wait for longer than the run
    # may: both are not started for the same reason, and the entry names both under it.
    followed, late, earlier = sorted(HOLDERS)[:3]
    [start] = run_script(advanced_tenant.params(), 'restore-file', {'file_hash': followed, 'polling': 'false'})
    check = {'file_hash': f'{followed},{late}', 'action_id': json.dumps([start['Contents']['action_id']]),
             'unsent': json.dumps([late]), 'polling': 'false', 'timeout_in_seconds': '10'}
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=200'))
    [alone] = run_script(advanced_tenant.params(), 'restore-file', check)
    [reason] = [r['error'] for r in alone['EntryContext'].values() for r in as_list(r) if r['file_hash'] == late]

    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=200'))
    [entry] = run_script(advanced_tenant.params(), 'restore-file', dict(check, refused=json.dumps({reason: [earlier]})))

    assert late not in [a.file_hash for a in advanced_tenant.backend.actions.values()]
    text = entry['HumanReadable']
    assert text.count(reason) == 1 and 'Not started (2 files)' in text, text
    assert late in text and earlier in text


def test_a_role_that_may_not_restore_still_follows_the_actions_it_reads_at_a_check(advanced_tenant):
    # A key whose role may read actions but not restore (Action Center View/Edit without Quarantine: demisto/content's
    # CortexXDR README, xdr-file-restore): at a check, the restore it had no time to send is refused, with what the
    # role lacks, and the running action is still followed.
    followed, late = sorted(HOLDERS)[:2]
    [start] = run_script(advanced_tenant.params(), 'restore-file', {'file_hash': followed, 'polling': 'false'})
    key = 'read-only-key-' + 'v' * 30
    advanced_tenant.backend.add_api_key('96', key, auth_type='standard',
                                        permitted=['/public_api/v1/actions/get_action_status/'])
    params = advanced_tenant.params(xdr_api_key_id='96', xdr_auth_type='standard',
                                    xdr_api_key={'identifier': '', 'password': key})
    check = {'file_hash': f'{followed},{late}', 'action_id': json.dumps([start['Contents']['action_id']]),
             'unsent': json.dumps([late]), 'polling': 'false'}

    [entry] = run_script(params, 'restore-file', check)

    assert late not in [a.file_hash for a in advanced_tenant.backend.actions.values()]
    records = {r['file_hash']: r for r in as_list(next(iter(entry['EntryContext'].values())))}
    assert 'HTTP 403' in records[late]['error'], records[late]
    assert not facts.words_missing(records[late]['error'], facts.XDR_RESTORE_PERMISSIONS), records[late]['error']
    assert records[followed]['action_id'] == start['Contents']['action_id'] and records[followed]['status'] in (
        'PENDING', 'IN_PROGRESS', 'COMPLETED_SUCCESSFULLY'), records[followed]
    assert 'Status not read' not in records[followed].get('error', ''), records[followed]


@pytest.mark.parametrize('status, reply', [(502, 'error_502.html'), (200, 'action_status_data_not_an_object.json')])
def test_a_status_check_by_hand_that_cannot_read_a_status_says_to_run_it_again_not_that_a_next_check_will(
        replay_server, status, reply):
    # polling=false with the action_id given: a check by hand, the only one; no check comes after it.
    replay_server.queue_file(status, reply)
    args = {'file_hash': CLEAN_HASH, 'action_id': '[1001]', 'polling': 'false'}

    [entry] = run_script(dict(replay_params(replay_server), max_retries='0'), 'restore-file', args)

    [record] = entry['EntryContext'].values()
    assert record['status'] == 'IN_PROGRESS' and 'PollingCommand' not in entry
    for text in (record['error'], entry['HumanReadable']):
        assert 'next check' not in text and 'run the same command again' in text.lower(), text


def test_a_status_check_of_an_action_cortex_xdr_does_not_know_points_at_action_id_not_at_the_quarantined_copy():
    # Cortex XDR's 500 on get_action_status names the action it cannot read; the advice is about the action_id given,
    # not the restore's (a 500 there names what is missing to restore: no quarantined copy).
    tenant = start_tenant()
    unknown = max(tenant.backend.actions, default=0) + 1000
    args = {'file_hash': CLEAN_HASH, 'action_id': f'[{unknown}]', 'polling': 'false'}
    try:
        [entry] = run_script(dict(tenant.params(), max_retries='0'), 'restore-file', args)
    finally:
        tenant.server.stop()

    [record] = entry['EntryContext'].values()
    assert str(unknown) in record['error'] and 'action_id' in record['error'], record['error']
    assert 'quarantined copy' not in record['error']


def follow_line_mistyped(monkeypatch):
    """The follow line of a restore started with polling=false, its action_id mistyped (one Cortex XDR does not know),
    run through the war room: its result, and Cortex XDR's own answer to a status read of that action."""
    tenant, room, _ = clocked_room(monkeypatch, 100)
    try:
        line = shown_follow_line(room.run('restore-file', {'file_hash': CLEAN_HASH, 'polling': 'false'}).entries[0][
            'HumanReadable'])
        unknown = max(tenant.backend.actions) * 10 + 7  # a digit too many
        with pytest.raises(Exception) as answer:
            tenant.backend.get_action_status(unknown)
        return room.run(line.command, dict(line.args, action_id=str(unknown))), answer.value.to_json()['reply']
    finally:
        tenant.server.stop()


def test_a_follow_line_whose_action_cortex_xdr_does_not_know_is_not_titled_in_progress(monkeypatch):
    """No status of the action was ever read: the entry's title does not say the restore is in progress."""
    result, _ = follow_line_mistyped(monkeypatch)

    title = result.entries[-1]['HumanReadable'].splitlines()[0]
    assert title.startswith('### Restore of') and 'in progress' not in title.lower(), title


def test_a_follow_line_whose_action_cortex_xdr_does_not_know_says_once_that_its_status_was_not_read(monkeypatch):
    """The entry says once that the status was not read, in the note that says why: no heading repeats it."""
    result, _ = follow_line_mistyped(monkeypatch)

    text = result.entries[-1]['HumanReadable']
    assert text.lower().count('status not read') == 1 and 'HTTP 500' in text, text


def test_a_follow_line_whose_action_cortex_xdr_does_not_know_records_that_action_id_may_be_mistyped_in_its_words(
        monkeypatch):
    """The record says once that the status was not read, to check action_id as possibly mistyped, and keeps Cortex
    XDR's own code, message and details."""
    result, answer = follow_line_mistyped(monkeypatch)

    [record] = as_list(next(iter(result.entries[-1]['EntryContext'].values())))
    error = record['error']
    assert error.lower().count('not read') == 1 and 'check action_id' in error and 'mistyped' in error, error
    assert all(str(answer[key]) in error for key in ('err_code', 'err_msg', 'err_extra')), (answer, error)


def test_a_last_check_after_more_files_finished_earlier_than_it_lists_counts_the_rest_and_points_at_context(
        replay_server):
    # Every action but the last ends at the first check; the second check, the last, ends that one. Its report lists
    # the files finished earlier up to the README's cap (facts), and counts the rest.
    hashes = [f'{number:064x}' for number in range(facts.READABLE_LISTED_MAX + 2)]
    final = conftest.load_json(conftest.XDR_REPLIES / 'action_status_final.json')
    running = conftest.load_json(conftest.XDR_REPLIES / 'action_status_running.json')
    for number, _ in enumerate(hashes):
        replay_server.queue(200, {'reply': {'action_id': 500 + number, 'endpoints_count': 3}})
    for _ in hashes[:-1]:
        replay_server.queue(200, final)
    replay_server.queue(200, running).queue(200, final)
    room = WarRoom(params=replay_params(replay_server), time_scale=0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': ','.join(hashes)})

    assert not result.failed and result.runs == 3, result.entries[-1]
    report = result.entries[-1]['HumanReadable']
    listed = [h for h in hashes[:-1] if f'- {h}: ' in report and 'finished at an earlier check' in report]
    assert len(listed) == facts.READABLE_LISTED_MAX
    more = len(hashes) - 1 - facts.READABLE_LISTED_MAX
    assert f'and {more} more finished earlier' in report and 'CortexXDR.RestoredFile' in report
    assert len(as_list(restored_record(result))) == len(hashes)  # context holds every one


def test_a_check_whose_late_restores_none_can_be_followed_writes_their_records_on_its_error_entry(advanced_tenant,
                                                                                                 war_room_on):
    """Files the first run had no answer for (a 503: never acted on) the next check sends (README, Every reply shape);
    when none of those restores can be followed either (the emulator's "truncated": Cortex XDR acts, the answer breaks
    off), the check ends in an error entry, which must write their records (may_have_started, integration.yml), as
    XSOAR merges an error entry's EntryContext (CommonServerPython's return_error, ``outputs``). Else the first run's
    records stay, saying the restores were not started and the next check sends them: a playbook run again on the
    incident would send them blind."""
    room = war_room_on(advanced_tenant, max_retries='0', max_concurrency='1')
    hashes = sorted(HOLDERS)[:2]
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=503,503'))

    def lose_the_late_answers(entry):
        if 'PollingCommand' in entry:
            advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=truncated,truncated'))
    room.on_entry = lose_the_late_answers

    result = room.run('restore-file', {'file_hash': ','.join(hashes)})

    assert result.runs == 2 and result.entries[-1]['Type'] == ENTRY_ERROR
    assert len(advanced_tenant.backend.actions) == 2  # Cortex XDR did start both
    by_hash = {record['file_hash']: record for record in as_list(get_path(result.context, 'CortexXDR.RestoredFile'))}
    assert sorted(by_hash) == hashes and all(r['may_have_started'] is True for r in by_hash.values()), by_hash


def test_the_final_table_of_several_files_says_how_many_statuses_it_could_not_read(replay_server):
    # A check by hand of two actions: the first one's status is read, the second one's read is refused. The table
    # holds the first one's rows only; its title must not read as if the second action had no endpoint.
    read, unread = sorted(HOLDERS)[:2]
    replay_server.queue_file(200, 'action_status_final.json').queue_file(403, 'error_403.json')
    room = WarRoom(params=replay_params(replay_server), time_scale=0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': f'{read},{unread}', 'action_id': '[1, 2]', 'polling': 'false'})

    records = {record['file_hash']: record for record in as_list(restored_record(result))}
    assert 'endpoints' in records[read] and 'endpoints' not in records[unread], records
    title = result.entries[-1]['HumanReadable'].split('\n', 1)[0]
    assert re.search(r'\bthe status of 1 not read\b', title), title  # one of the two reads was refused


def test_a_late_file_is_sent_by_its_check_not_taken_for_an_older_action_of_the_same_file(advanced_tenant):
    """XSOAR updates the record a DT key matches: a record without an action_id (a refusal, a file left to the next
    check) lands on the file's oldest such record, ahead of any action recorded since. An old refusal, then an action
    that restored the file, then the file quarantined again and its restore met a 503: the check must send it, not
    follow the old action (which ended long ago) as one another run started meanwhile."""
    [(file_hash, [endpoint])] = [(h, e) for h, e in sorted(HOLDERS.items()) if len(e) == 1][:1]
    backend = advanced_tenant.backend
    room = WarRoom(params=advanced_tenant.params(max_retries='0'), time_scale=0, sleep=lambda _: None)
    path = backend.endpoints[endpoint].quarantined.pop(file_hash)  # not quarantined: Cortex XDR refuses the restore
    assert room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'}).failed
    backend.endpoints[endpoint].quarantined[file_hash] = path
    assert not room.run('restore-file', {'file_hash': file_hash}).failed  # restored, its action ended
    backend.endpoints[endpoint].quarantined[file_hash] = backend.endpoints[endpoint].restored.pop(file_hash)
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=503'))
    [first] = room.run('restore-file', {'file_hash': file_hash}, follow_polling=False).entries
    assert json.loads(first['PollingArgs']['unsent']) == [file_hash]
    sent = len([r for r in advanced_tenant.gateway.requests if r.path.endswith('/endpoints/restore/')])

    result = room.run(first['PollingCommand'], first['PollingArgs'])

    assert not result.failed, result.entries[-1]
    assert len([r for r in advanced_tenant.gateway.requests if r.path.endswith('/endpoints/restore/')]) == sent + 1
    assert file_hash in backend.restored(endpoint) and file_hash not in backend.quarantined(endpoint)


def test_an_endpoint_id_typed_in_capitals_is_the_endpoint_cortex_xdr_lists_and_a_later_restore_replaces_its_rows(
        xdr_tenant, war_room_on):
    # Cortex XDR's endpoint IDs are 32 lower-case hex digits, as its status rows list them (the seed's): one typed in
    # capitals names the same endpoint. The restore goes out, and is recorded, as Cortex XDR lists the endpoint, so a
    # later restore of the file there replaces that endpoint's earlier rows in the analyst's summary, as it does for an
    # ID typed as listed, instead of leaving its old FAILED beside the new action.
    from warroom.playbook.runner import _load_script
    endpoint = next(e for e in HOLDERS[PARTLY_FAILING_HASH] if e in FAILING)
    room = war_room_on(xdr_tenant)
    first = room.run('restore-file', {'file_hash': PARTLY_FAILING_HASH, 'endpoint_id': endpoint.upper()})
    [row] = restored_record(first)['endpoints']
    assert (row['endpoint_id'], row['status']) == (endpoint, FAILING[endpoint]['status'])  # the seed's failure

    again = room.run('restore-file', {'file_hash': PARTLY_FAILING_HASH, 'endpoint_id': endpoint.upper(),
                                      'polling': 'false'})

    assert not again.failed, again.entries[-1]
    sent = [body['request_data'].get('endpoint_id') for _, path, body in xdr_tenant.gateway.requests
            if path.endswith('/restore/')]
    assert sent == [endpoint, endpoint]
    assert {record['endpoint_id'] for record in as_list(restored_record(again))} == {endpoint}
    summary = _load_script('QuarantineRestoreSummary').summary_command({'vendor': 'xdr'}, again.context)['Contents']
    assert (summary['failed'], summary['pending']) == (0, 1), summary  # the later action, not the old failure


def test_a_check_by_hand_of_an_action_cortex_xdr_does_not_know_says_so_at_once_and_starts_no_polling(xdr_tenant,
                                                                                                    war_room_on):
    # A check by hand given a wrong action_id (polling on, the default): Cortex XDR answers the status read of an
    # action it does not know with its 500 (as the emulated tenant does), at every attempt. The analyst is told at this
    # first run, as a check by hand without polling tells it: Cortex XDR's words, to check action_id, and to run the
    # command again; no polling starts, reading it again every interval to the timeout to end "still running".
    assert not xdr_tenant.backend.actions  # a fresh tenant: it knows no action
    action_id = '999999'
    result = war_room_on(xdr_tenant, retry_backoff='0').run('restore-file', {
        'file_hash': CLEAN_HASH, 'action_id': action_id, 'timeout_in_seconds': '600'})

    assert result.runs == 1, [entry['HumanReadable'] for entry in result.entries]
    [entry] = result.entries
    assert 'PollingCommand' not in entry and 'still running' not in entry['HumanReadable'], entry
    record = restored_record(result)
    assert record['status'] == 'IN_PROGRESS' and 'endpoints' not in record, record  # not read: nothing known of it
    for text in (entry['HumanReadable'], record['error']):
        assert 'HTTP 500' in text and action_id in text and 'not found' in text, text  # Cortex XDR's own words
        assert 'check action_id' in text and 'run the same command again' in text, text
        assert not any(promise in text for promise in PROMISES), text
    reads = [path for _, path, _ in xdr_tenant.gateway.requests if path.endswith('/get_action_status/')]
    assert len(reads) == 2  # one check's read and its one retry of a 500 (an ID given by hand), no more


@pytest.mark.parametrize('stage_seconds', [10, 0])  # the action Cortex XDR knows still running, or done already
def test_a_check_by_hand_of_several_actions_says_at_once_which_cortex_xdr_does_not_know_and_follows_only_the_others(
        monkeypatch, stage_seconds):
    # A check by hand of two actions, one of them a wrong action_id: Cortex XDR answers that one's status read with its
    # 500 (as the emulated tenant does for an action it does not know) at every attempt, and the other's as usual. The
    # analyst is told at this first run which action it does not know, in Cortex XDR's words, to check action_id and
    # to run the command again; polling follows the action it knows to its end (none when that one is done already),
    # never reading the unknown one again, instead of reading it every interval to the timeout to end "still running".
    tenant, room, _ = clocked_room(monkeypatch, stage_seconds)
    known_hash, unknown_hash = sorted(HOLDERS)[:2]
    try:
        started = room.run('restore-file', {'file_hash': known_hash, 'polling': 'false'})
        known = restored_record(started)['action_id']
        unknown = max(tenant.backend.actions) + 1000  # an ID the tenant never gave
        result = room.run('restore-file', {'file_hash': f'{known_hash},{unknown_hash}',
                                           'action_id': json.dumps([known, unknown]), 'interval_in_seconds': '10',
                                           'timeout_in_seconds': '600'})
    finally:
        tenant.server.stop()

    assert not result.failed, result.entries[-1]
    first, last = result.entries[0], result.entries[-1]
    if stage_seconds:  # a check follows the known action alone
        assert result.runs > 1 and json.loads(first['PollingArgs']['action_id']) == [known], first
    else:  # nothing left to follow: this first run is the last
        assert result.runs == 1 and 'PollingCommand' not in first, first
    assert 'PollingCommand' not in last and 'polling ended' not in last['HumanReadable'].lower(), last
    records = {record['action_id']: record for record in as_list(restored_record(result))}
    assert records[known]['status'] == 'COMPLETED_SUCCESSFULLY', records[known]  # followed to its end
    assert records[unknown]['status'] == 'IN_PROGRESS' and 'endpoints' not in records[unknown]  # nothing known of it
    [note] = [line for line in first['HumanReadable'].splitlines() if line.startswith(f'Action {unknown} (')]
    for text in (note, records[unknown]['error']):
        assert 'HTTP 500' in text and str(unknown) in text and 'not found' in text, text  # Cortex XDR's own words
        assert text.index('check action_id') < text.index('run the same command again'), text
        assert 'polling does not follow it' not in text.partition('check action_id')[2], text  # a fact, said first
        assert not any(promise in text for promise in PROMISES), text
    reads = [body['request_data']['group_action_id'] for _, path, body in tenant.gateway.requests
             if path.endswith('/get_action_status/')]
    assert reads.count(unknown) == 2  # the first run's read and its one retry of a 500 (given by hand), no more
    assert reads.count(known) == result.runs  # one read a run


def status_reads(tenant):
    """The action IDs of every status read the emulated tenant received, in order."""
    return [body['request_data']['group_action_id'] for _, path, body in tenant.gateway.requests
            if path.endswith('/get_action_status/')]


def test_a_check_by_hand_retries_cortex_xdr_s_500_to_its_action_id_once_then_says_to_check_action_id(monkeypatch):
    # A check by hand (polling=false) of an action ID the tenant never gave: Cortex XDR answers its status read with
    # its 500, as for any action it does not know. Typed by hand, the ID is most likely mistyped: the read is retried
    # once, in case the 500 passes, not max_retries times with their waits, before the advice to check action_id.
    tenant, room, _ = clocked_room(monkeypatch, 100)
    try:
        room.run('restore-file', {'file_hash': CLEAN_HASH, 'polling': 'false'})
        unknown = max(tenant.backend.actions) * 10 + 7  # a digit too many
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'action_id': str(unknown), 'polling': 'false'})
    finally:
        tenant.server.stop()

    assert status_reads(tenant) == [unknown, unknown]  # the read and its one retry
    [error] = [record['error'] for record in as_list(restored_record(result)) if record['action_id'] == unknown]
    assert 'HTTP 500' in error and 'retried once (after HTTP 500)' in error, error
    assert 'check action_id' in error and 'run the same command again' in error, error


def test_a_check_by_hand_whose_status_read_meets_one_passing_500_reads_the_action_on_its_retry(monkeypatch):
    # The follow line of a restore started moments ago, run by hand: the action ID is one Cortex XDR gave, and a 500
    # that passes (the service failing once) is read through by the one retry a check by hand has.
    tenant, room, _ = clocked_room(monkeypatch, 100)
    try:
        started = room.run('restore-file', {'file_hash': CLEAN_HASH, 'polling': 'false'})
        line = shown_follow_line(started.entries[0]['HumanReadable'])
        tenant.gateway.inject_faults(FaultPlan.parse('sequence=500'))
        record = restored_record(room.run(line.command, dict(line.args, polling='false')))
    finally:
        tenant.server.stop()

    action_id = int(restored_record(started)['action_id'])
    # two reads since the fault was planned: the one the 500 met (in front of the tenant, which logged none) and its
    # retry, which the tenant answered
    assert tenant.gateway.faults.seen == 2 and status_reads(tenant) == [action_id]
    assert not record['error'] and record['endpoints'], record  # read: the 500 passed



@pytest.mark.parametrize('status', [401, 403])
def test_a_check_whose_key_is_refused_names_the_file_it_could_not_send_as_not_started(advanced_tenant, status):
    """A check with a file an earlier run had no answer for (a 503): the key now refused, neither that file's restore
    nor any status read goes through. The error says which restores go on in Cortex XDR, and that the late file was not
    started, so not restored: the analyst would otherwise take it for one of those going on."""
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,503'))
    first, late = sorted(HOLDERS)[:2]
    demisto = Demisto(advanced_tenant.params(max_retries='0', max_concurrency='1'), 'restore-file',
                      {'file_hash': f'{first},{late}'}, {}, [])
    restore_integration.main(demisto)
    [polling] = demisto.entries
    assert json.loads(polling['PollingArgs']['unsent']) == [late]

    result = WarRoom(params=refused_key_params(advanced_tenant, status), time_scale=0, sleep=lambda _: None).run(
        polling['PollingCommand'], polling['PollingArgs'])

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and f'HTTP {status}' in entry['Contents'], entry['Contents']
    assert 'Not started, so not restored' in entry['Contents'] and late in entry['Contents'].split(
        'Not started, so not restored')[1], entry['Contents']
    assert [a.file_hash for a in advanced_tenant.backend.actions.values()] == [first]


@pytest.mark.parametrize('ids, files, counted', [('1001', 2, '1 action for 2 file_hash values'),
                                                 ('1001,1002', 1, '2 actions for 1 file_hash value')])
def test_an_action_id_list_not_pairing_with_file_hash_counts_both_in_the_singular_or_plural(
        xdr_tenant, war_room_on, ids, files, counted):
    result = war_room_on(xdr_tenant).run('restore-file', {'file_hash': ','.join(sorted(HOLDERS)[:files]),
                                                          'action_id': ids})

    message = result.entries[-1]['Contents']
    assert result.failed and f'action_id holds {counted}' in message, message
    assert not xdr_tenant.gateway.requests


@pytest.mark.parametrize('holders, endpoints', [(1, '1 endpoint'), (3, '3 endpoints')])
def test_one_files_start_counts_its_endpoints_in_the_singular_or_plural(advanced_tenant, war_room_on, holders,
                                                                         endpoints):
    file_hash = next(h for h, eps in sorted(HOLDERS.items()) if len(eps) == holders)

    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': file_hash, 'polling': 'false'})

    text = result.entries[-1]['HumanReadable']
    assert f'Cortex XDR is restoring file {file_hash} on {endpoints}: action ' in text, text


@pytest.mark.parametrize('files, counted', [(1, 'file: '), (2, 'files: ')])
def test_restores_none_of_which_started_name_their_files_in_the_singular_or_plural(
        advanced_tenant, war_room_on, files, counted):
    # 503s at the first run and at the check at 10 s, which is the last able to send in 50 s (as the test of a single
    # late file): none started, each reason once, its files named after it.
    hashes = sorted(HOLDERS)[:files]
    advanced_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=503*{2 * files}'))

    result = war_room_on(advanced_tenant, max_retries='0').run('restore-file', {'file_hash': ','.join(hashes),
                                                                                'timeout_in_seconds': '50'})

    message = result.entries[-1]['Contents']
    assert result.failed and not advanced_tenant.backend.actions, message
    assert f'({counted}{", ".join(hashes)})' in message and 'file(s)' not in message, message


def test_restores_that_may_all_have_started_give_their_next_step_once_and_each_record_keeps_its_own(
        advanced_tenant, war_room_on):
    # Both answers cut off: the error's summary says what to do, once; the reason under it says what happened to the
    # files (Cortex XDR may have started them), not the same step again. A playbook reads one record alone: each
    # record's error keeps its step.
    hashes = sorted(HOLDERS)[:2]
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=truncated,truncated'))

    result = war_room_on(advanced_tenant, max_retries='0').run('restore-file', {'file_hash': ','.join(hashes),
                                                                                'polling': 'false'})

    message = result.entries[-1]['Contents']
    assert result.failed and len(advanced_tenant.backend.actions) == 2, message
    assert message.count('Action Center') == 1 and 'before restoring those files again' in message, message
    assert message.count('may have started this restore') == 1 and 'cut off' in message, message
    records = as_list(restored_record(result))
    assert sorted(r['file_hash'] for r in records) == hashes, records
    assert all(r['may_have_started'] is True and r['error'].endswith('Action Center before restoring it again.')
               for r in records), records


def test_an_http_200_without_a_reply_object_reads_as_one_account_ending_in_its_one_next_step(replay_server):
    # The restore answered 200 with JSON that holds no "reply": Cortex XDR may have started it. The error says what
    # came, then that it may have started, then one next step, last: look in the Action Center before restoring it
    # again (as an answer lost reads); not also a step of its own before it.
    replay_server.queue(200, {'something': 'else'})
    room = WarRoom(params=dict(replay_params(replay_server), max_retries='0'), time_scale=0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'polling': 'false'})

    message = result.entries[-1]['Contents']
    assert result.failed and len(replay_server.requests) == 1, message
    came, may_have = (message.index(words) for words in ('without a "reply" object', 'may have started this restore'))
    assert came < may_have and message.endswith('Action Center before restoring it again.'), message
    assert 'Check that' not in message and 'xdr_url' not in message, message
    [record] = as_list(restored_record(result))
    assert record['may_have_started'] is True and record['error'].endswith('before restoring it again.'), record


@pytest.mark.parametrize('files', [1, 2])
def test_a_start_not_polled_names_the_actions_to_follow_in_the_singular_or_plural(advanced_tenant, war_room_on, files):
    hashes = sorted(HOLDERS)[:files]

    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})

    text = result.entries[-1]['HumanReadable']
    actions = sorted(str(action_id) for action_id in advanced_tenant.backend.actions)
    assert not result.failed and len(actions) == files, text
    said = f'Follow action {actions[0]} in' if files == 1 else f'Follow actions {", ".join(actions)} in'
    assert said in text and 'action(s)' not in text, text


def test_restores_accepted_without_an_action_id_give_their_next_step_once(replay_server):
    # Both restores accepted without an action ID: the summary says to look for their actions in the Action Center,
    # the reason under it what happened (no action_id, so it cannot be followed), not the same step again.
    hashes = sorted(HOLDERS)[:2]
    for _ in hashes:
        replay_server.queue(200, restore_reply_without_action_id())
    room = WarRoom(params=dict(replay_params(replay_server), max_retries='0'), time_scale=0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})

    message = result.entries[-1]['Contents']
    assert result.failed and 'cannot be followed' in message and all(h in message for h in hashes), message
    assert message.count('Action Center') == 1 and 'before restoring those files again' in message, message
    records = as_list(restored_record(result))
    assert len(records) == 2 and all(r['error'].endswith('before restoring it again.') for r in records), records


def test_an_endpoint_name_given_as_endpoint_id_is_sent_as_typed_and_its_refusal_says_how_to_find_the_id(advanced_tenant,
                                                                                                      war_room_on):
    # The seed types endpoint_id as a string and gives it no shape, so a value is sent, not refused: an endpoint's name
    # (the host name an analyst reads in the alert) is. Cortex XDR lists its endpoints by IDs of 32 hex digits, which
    # the name is not: once Cortex XDR finds no such endpoint, the error says a name may have been given where the ID
    # is needed and how to look it up, instead of trying again later, which would meet the same answer.
    name = 'FIN-WS-0142'
    result = war_room_on(advanced_tenant).run('restore-file', {'file_hash': CLEAN_HASH, 'endpoint_id': name})

    [body] = [body for _, path, body in advanced_tenant.gateway.requests if path.endswith('/restore/')]
    assert body['request_data']['endpoint_id'] == name
    entry = result.entries[-1]
    assert entry['Type'] == ENTRY_ERROR, entry
    assert f'!xdr-get-endpoints hostname={name}' in entry['Contents'] and 'name' in entry['Contents'], entry
    assert 'try again later' not in entry['Contents'].lower(), entry


def test_the_follow_line_of_a_polling_given_its_own_interval_and_timeout_keeps_them_and_polls_with_them(monkeypatch):
    """XSOAR's polling commands follow up with what the analyst gave: a follow line that dropped interval_in_seconds
    and timeout_in_seconds would poll for the default time, and may end early again."""
    tenant, room, clock = clocked_room(monkeypatch, 100)  # the action outlives both pollings
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'interval_in_seconds': '20',
                                           'timeout_in_seconds': '45'})
        line = shown_follow_line(result.entries[-1]['HumanReadable'])
        followed, runs = run_timed(room, clock, line.command, line.args, monkeypatch)
    finally:
        tenant.server.stop()
    assert (line.args.get('interval_in_seconds'), line.args.get('timeout_in_seconds')) == ('20', '45'), line
    assert [later[0] - earlier[0] for earlier, later in zip(runs, runs[1:])] == [20, 20], runs
    assert 'Polling ended (timeout_in_seconds 45)' in followed.entries[-1]['HumanReadable'], followed.entries[-1]


def test_a_check_by_hand_that_sends_a_late_restore_follows_it_though_cortex_xdr_knows_no_action_it_was_given(
        monkeypatch):
    # The follow line of a run that had no time to send a restore, typed with a wrong action_id: Cortex XDR answers
    # the status read with its 500 (an action it does not know), which alone ends a check by hand at once. The restore
    # this check sends is still followed to its end, by polling (on, the default), not left "in progress".
    tenant, room, _ = clocked_room(monkeypatch, 10)
    unknown_hash, late = sorted(HOLDERS)[:2]
    try:
        unknown = 999999  # the fresh tenant gave no action
        result = room.run('restore-file', {'file_hash': f'{unknown_hash},{late}', 'action_id': json.dumps([unknown]),
                                           'unsent': json.dumps([late]), 'interval_in_seconds': '10',
                                           'timeout_in_seconds': '600'})
    finally:
        tenant.server.stop()

    assert not result.failed, result.entries[-1]
    [action] = tenant.backend.actions.values()
    assert action.file_hash == late
    records = {record['file_hash']: record for record in as_list(restored_record(result))}
    assert result.runs > 1 and records[late]['status'] == 'COMPLETED_SUCCESSFULLY', records[late]
    said = records[unknown_hash]
    assert said['status'] == 'IN_PROGRESS' and 'HTTP 500' in said['error'], said  # Cortex XDR's answer, not read
    assert 'polling does not follow it' in said['error'], said
    reads = status_reads(tenant)  # the late restore's action is first read at the second run: none of unknown since
    assert unknown in reads and unknown not in reads[reads.index(action.action_id):], reads
