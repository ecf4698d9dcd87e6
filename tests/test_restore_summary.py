"""QuarantineRestoreSummary: the analyst's note written from the restore records in the incident context.

The fixtures in test_data/summary/ are incident contexts the war room produced against the emulated tenants
(the HSS failed row is HSS's own refusal, copied into a run that also restored files); the first section below
checks them against the seeds and integration.yml, so that they are what their names say and not merely what the
integration once wrote. Expected values are read from the fixtures, the seeds, integration.yml, the script's YAML
and the facts in tests/facts.py (the vendor's statuses, the README's words), never from the script's constants.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings, strategies as st

import facts
import restore_integration as ri
from commonmark_reading import MARKDOWN_TEXT, as_commonmark_reads, as_soft_breaks, emphasis_pairs, markup_in
from conftest import (TEST_DATA, FakeClock, HssTenant, MovedWallClock, checks_to_fill_in_and_whom,
                      first_and_last_host_each_is_for, hss_seed_copies, lines_read_into_tables, load_json,
                      markdown_rows, seed_failing_endpoints, seed_holders, start_hss_tenant, start_tenant)
from warroom.context import as_list
from warroom.emulator.httpserver import LoopbackServer
from warroom.emulator.xdr import XdrBackend, XdrGateway, create_app as create_xdr_app
from warroom.line import parse_line
from warroom.runtime import WarRoom
from warroom.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_DIR = ROOT / 'playbooks' / 'scripts' / 'QuarantineRestoreSummary'
SCRIPT_PATH = SCRIPT_DIR / 'QuarantineRestoreSummary.py'
SCRIPT_YML = SCRIPT_DIR / 'QuarantineRestoreSummary.yml'
SUMMARY_DATA = TEST_DATA / 'summary'
SUCCESS = facts.XDR_SUCCESS_STATUS


def load_script():
    """The script by path: its folder is an XSOAR script folder, not a Python package."""
    spec = importlib.util.spec_from_file_location('QuarantineRestoreSummary', SCRIPT_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


qrs = load_script()
SCRIPT_SPEC = yaml.safe_load(SCRIPT_YML.read_text(encoding='utf-8'))
SUMMARY_KEYS = {output['contextPath'].rsplit('.', 1)[1] for output in SCRIPT_SPEC['outputs']}


class FakeDemisto:
    """The part of XSOAR's ``demisto`` an automation script uses."""

    def __init__(self, args=None, context=None, context_error=None):
        self._args = args or {}
        self._context = context
        self._context_error = context_error
        self.entries = []
        self.log = []

    def args(self):
        return self._args

    def context(self):
        if self._context_error:
            raise self._context_error
        return self._context

    def results(self, entry):
        self.entries.append(entry)

    def debug(self, message):
        self.log.append(message)


def fixture(name: str) -> dict:
    return load_json(SUMMARY_DATA / f'{name}.json')


def xdr_records(context: dict) -> list[dict]:
    return as_list(context.get('CortexXDR', {}).get('RestoredFile'))


def hss_rows(context: dict) -> list[dict]:
    return as_list(context.get('HuaweiHSS', {}).get('RestoredFile'))


def all_endpoints(context: dict) -> list[tuple[dict, dict]]:
    return [(record, endpoint) for record in xdr_records(context) for endpoint in record.get('endpoints') or ()]


def summarise(context, vendor='all'):
    entry = qrs.summary_command({'vendor': vendor}, context)
    return entry, entry['Contents']


def says_nothing_was_restored(note: str) -> bool:
    return re.search(r'\b(no file|nothing) was restored\b', note, re.IGNORECASE) is not None


def steps_naming(summary: dict, text: str) -> list[str]:
    return [step for step in summary['manual_steps'] if text in step]


def table_line(markdown: str, *cells: str) -> str:
    [line] = [line for line in markdown.splitlines() if line.startswith('|') and all(c in line for c in cells)]
    return line


def table_header(markdown: str, line: str) -> str:
    """The header line of the table that holds ``line``."""
    lines = markdown.splitlines()
    start = lines.index(line)
    while start and lines[start - 1].startswith('|'):
        start -= 1
    return lines[start]


def split_cells(line: str) -> list[str]:
    return re.split(r'(?<!\\)\|', line)[1:-1]


def table_lines(markdown: str, header: list[str]) -> list[list[str]]:
    """The cells of each row of the one table in ``markdown`` under this header (a note may hold several tables)."""
    tables, table = [], []
    for line in markdown.splitlines() + ['']:
        if line.startswith('|'):
            table.append(split_cells(line))
        elif table:
            tables.append(table)
            table = []
    [rows] = [table[2:] for table in tables if table[0] == header]
    return rows


def command_in(step: str, command: str) -> str:
    """The war-room line in a step's code span that starts with ``command``."""
    match = re.search(r'(`+) ?(' + re.escape(command) + r'.*?) ?\1(?!`)', step)
    assert match, step
    return match.group(2)


# ---------------------------------------------------------------- the fixtures, against the seeds

XDR_FIXTURES = ('xdr_partial', 'xdr_all_restored', 'xdr_refused', 'xdr_not_polled', 'both_vendors')
HSS_FIXTURES = ('hss_mixed', 'both_vendors')
ALL_FIXTURES = sorted(path.stem for path in SUMMARY_DATA.glob('*.json'))
HSS_SEED_HOSTS = {host['host_id']: host for host in load_json(TEST_DATA / 'hss' / 'tenant.json')['hosts']}


def expected_counts(context) -> dict:
    """The summary's counts, worked out here from the rows by the README's rule ("per endpoint or host, restored,
    failed (with the vendor's reason) or pending") and the vendors' statuses (facts.py)."""
    counts = dict.fromkeys(('restored', 'failed', 'pending', 'not_found'), 0)
    for record in xdr_records(context or {}):
        endpoints = record.get('endpoints') or []
        if not endpoints:  # refused before any action started, or an action whose status was never read
            refused = record.get('error') and (not record.get('action_id') or record.get('status') == 'FAILED')
            counts['failed' if refused else 'pending'] += 1
        for endpoint in endpoints:
            status = endpoint.get('status')
            counts['restored' if status == SUCCESS else 'failed' if status in facts.XDR_FAILURE_STATUSES
                   else 'pending'] += 1
    for row in hss_rows(context or {}):
        # integration.yml: restored is back; restoring is not yet (pending); failed; not_found, but for an exact item
        # (host, hash and path) sent and then listed in no status, whose return is not known (pending).
        sent = all(row.get(key) for key in ('host_id', 'file_hash', 'file_path'))
        counts[{'restored': 'restored', 'failed': 'failed', 'not_found': 'pending' if sent else 'not_found'}.get(
            row.get('outcome'), 'pending')] += 1
    return counts


def open_items(context) -> list[tuple[str, ...]]:
    """What names each item expected_counts counts failed or pending: a Cortex XDR endpoint by its ID and its file's
    hash, a record with no endpoint status by its file's hash, an HSS row by the host, path and hash it holds."""
    items = []
    for record in xdr_records(context or {}):
        endpoints = record.get('endpoints') or []
        items += [(record['file_hash'],)] if not endpoints else [(endpoint['endpoint_id'], record['file_hash'])
                                                                 for endpoint in endpoints
                                                                 if endpoint.get('status') != SUCCESS]
    for row in hss_rows(context or {}):
        sent = all(row.get(key) for key in ('host_id', 'file_hash', 'file_path'))
        if row.get('outcome') != 'restored' and (row.get('outcome') != 'not_found' or sent):
            items.append(tuple(row[key] for key in ('host_id', 'file_path', 'file_hash') if row.get(key)))
    return items


@pytest.mark.parametrize('name', XDR_FIXTURES)
def test_xdr_fixture_records_are_what_the_seed_says_for_their_hash(name):
    holders, failing = seed_holders(), seed_failing_endpoints()
    records = [r for r in xdr_records(fixture(name)) if r.get('action_id')]
    assert records
    for record in records:
        expected = holders[record['file_hash']]
        assert record['endpoints_count'] == len(expected)
        if 'endpoints' not in record:  # started, never polled
            assert record['status'] == 'IN_PROGRESS'
            continue
        by_id = {e['endpoint_id']: e for e in record['endpoints']}
        assert sorted(by_id) == sorted(expected)
        for endpoint_id, endpoint in by_id.items():
            if endpoint_id in failing:
                assert endpoint['status'] == failing[endpoint_id]['status']
                assert endpoint['error_description'] == failing[endpoint_id]['error_description']
            else:
                assert endpoint['status'] == SUCCESS and 'error_description' not in endpoint
        statuses = [e['status'] for e in record['endpoints']]
        assert record['status'] == facts.xdr_outcome(statuses)
        assert record['restored_count'] == statuses.count(SUCCESS)
        assert record['failed_count'] == len(statuses) - statuses.count(SUCCESS)


def test_xdr_refused_fixture_refuses_a_hash_no_seed_endpoint_holds():
    [refused] = [r for r in xdr_records(fixture('xdr_refused')) if not r.get('action_id')]
    assert refused['file_hash'] not in seed_holders()
    assert refused['status'] == 'FAILED'
    # test_data/xdr/README.md: a restore of a file no endpoint holds is the API's 500 "no quarantined file".
    assert 'HTTP 500' in refused['error']
    assert f'No quarantined file with hash {refused["file_hash"]}' in refused['error']
    for word in facts.XDR_ADVICE_WORDS[500]:
        assert word in refused['error']


@pytest.mark.parametrize('name', HSS_FIXTURES)
def test_hss_fixture_rows_are_what_the_seed_says(name):
    copies = hss_seed_copies()
    rows = hss_rows(fixture(name))
    # the fixture is a run without polling: nothing is restored yet, every other outcome is there
    assert {row['outcome'] for row in rows} == set(facts.HSS_OUTCOMES) - {'restored'}
    restoring = [row for row in rows if row['outcome'] == 'restoring']
    for file_hash in {row['file_hash'] for row in restoring}:  # every isolated copy of the hash, and nothing else
        expected = sorted((c['host_id'], c['host_name'], c['file_path']) for c in copies[file_hash])
        assert sorted((r['host_id'], r['host_name'], r['file_path']) for r in restoring
                      if r['file_hash'] == file_hash) == expected
    for row in rows:
        if row['outcome'] == 'failed':  # test_data/hss/README.md: a host that holds nothing answers HSS.0011
            host = HSS_SEED_HOSTS[row['host_id']]
            assert row['host_name'] == host['host_name'] and not host.get('isolated_files')
            assert 'HTTP 400' in row['reason'] and 'code HSS.0011' in row['reason'] and row['host_id'] in row['reason']
        elif row['outcome'] == 'not_found':
            assert row['file_hash'] not in copies and 'host_id' not in row and row['reason']


def test_both_vendors_fixture_is_the_xdr_and_hss_fixtures_together_and_empty_is_empty():
    assert fixture('both_vendors') == {**fixture('xdr_partial'), **fixture('hss_mixed')}
    assert fixture('empty') == {}


@pytest.mark.parametrize('name', ALL_FIXTURES)
def test_each_fixture_s_counts_and_steps_are_the_ones_its_rows_call_for(name):
    context = fixture(name)
    expected = expected_counts(context)

    entry, summary = summarise(context)

    assert {key: summary[key] for key in expected} == expected
    items = open_items(context)
    assert len(items) == expected['failed'] + expected['pending']
    assert len(summary['manual_steps']) == len(items) and summary['needs_manual_action'] is (len(items) > 0)
    # each open item has a step of its own, the one step that names it
    assert [len([step for step in summary['manual_steps'] if all(name in step for name in item)])
             for item in items] == [1] * len(items)
    by_hand = entry['HumanReadable'].split(f'#### {facts.SUMMARY_MANUAL_TITLE}')[1]
    assert [line for line in by_hand.splitlines() if line.startswith('- ')] == [
        f'- {step}' for step in summary['manual_steps']]


# ---------------------------------------------------------------- the entry


def test_entry_is_one_note_carrying_the_summary_in_context():
    entry, summary = summarise(fixture('xdr_partial'))

    assert entry['Type'] == facts.ENTRY_NOTE
    assert entry['ContentsFormat'] == 'json' and entry['ReadableContentsFormat'] == 'markdown'
    [(key, value)] = entry['EntryContext'].items()
    assert key.startswith(facts.SUMMARY_CONTEXT_PATH + '(') and value == summary  # a DT key: a rerun replaces it
    assert set(summary) == SUMMARY_KEYS
    assert entry['HumanReadable'].startswith('### ')  # the note opens with its title
    json.dumps(entry)  # XSOAR stores it as JSON


# ---------------------------------------------------------------- Cortex XDR


def test_partial_failure_counts_each_endpoint_by_its_status():
    context = fixture('xdr_partial')
    endpoints = [endpoint for _, endpoint in all_endpoints(context)]
    failing = [e for e in endpoints if e['status'] != SUCCESS]
    assert failing and len(failing) < len(endpoints)  # the fixture is what its name says

    _, summary = summarise(context)

    assert summary['restored'] == len(endpoints) - len(failing)
    assert summary['failed'] == len(failing)
    assert summary['pending'] == summary['not_found'] == 0
    assert summary['needs_manual_action'] is True


def test_failed_endpoint_id_and_reason_reach_the_note_and_one_manual_step():
    context = fixture('xdr_partial')
    failing = [(r, e) for r, e in all_endpoints(context) if e['status'] != SUCCESS]
    assert failing  # the fixture is what its name says: some endpoints did not get the file back

    entry, summary = summarise(context)

    assert len(summary['manual_steps']) == len(failing)
    for record, endpoint in failing:
        assert endpoint['endpoint_id'] in entry['HumanReadable']
        assert endpoint['error_description'] in entry['HumanReadable']
        [step] = steps_naming(summary, endpoint['endpoint_id'])
        prose = step.split('`')[0]  # what the step says before its command: the endpoint and file it is about
        assert endpoint['endpoint_id'] in prose and record['file_hash'] in prose
        assert endpoint['error_description'] in step
        assert 'Cortex XDR > Response > Action Center' in step
        assert f'`!restore-file file_hash={record["file_hash"]} endpoint_id={endpoint["endpoint_id"]}`' in step
        assert f'- {step}' in entry['HumanReadable'].split(f'#### {facts.SUMMARY_MANUAL_TITLE}')[1]


def test_failed_endpoint_row_shows_its_status_and_reason():
    context = fixture('xdr_partial')
    [(record, failing)] = [(r, e) for r, e in all_endpoints(context) if e['status'] != SUCCESS]

    entry, _ = summarise(context)

    cells = split_cells(table_line(entry['HumanReadable'], failing['endpoint_id']))
    assert cells == [record['file_hash'], failing['endpoint_id'], failing['status'], failing['error_description']]


def test_restored_endpoints_get_no_manual_step():
    context = fixture('xdr_partial')
    restored = [e for _, e in all_endpoints(context) if e['status'] == SUCCESS]
    assert restored  # the fixture is what its name says: some endpoints got the file back

    _, summary = summarise(context)

    for endpoint in restored:
        assert steps_naming(summary, endpoint['endpoint_id']) == []


def test_all_restored_needs_no_manual_action_and_says_so():
    context = fixture('xdr_all_restored')
    endpoints = all_endpoints(context)
    assert endpoints and all(e['status'] == SUCCESS for _, e in endpoints)

    entry, summary = summarise(context)

    assert summary['restored'] == len(endpoints)
    assert summary['failed'] == summary['pending'] == 0
    assert summary['needs_manual_action'] is False and summary['manual_steps'] == []
    by_hand = entry['HumanReadable'].split(f'#### {facts.SUMMARY_MANUAL_TITLE}')[1]
    assert by_hand.strip().startswith('Nothing')
    assert not [line for line in by_hand.splitlines() if line.startswith('- ')]


def test_refused_file_counts_as_failed_with_its_error_and_a_restore_step():
    context = copy.deepcopy(fixture('xdr_refused'))
    refused = [r for r in xdr_records(context) if r.get('error') and not r.get('action_id')]
    endpoints = all_endpoints(context)
    assert refused and endpoints
    for record in refused:  # a fault of the setup (the fixture's own refusal, no quarantined copy: the test below)
        record['error'] = ('Cortex XDR answered HTTP 403. The API key\'s role lacks the permission for this API: '
                           'give it the Quarantine permission.')

    entry, summary = summarise(context)

    assert summary['failed'] == len(refused)
    assert summary['restored'] == sum(e['status'] == SUCCESS for _, e in endpoints)
    for record in refused:
        [step] = steps_naming(summary, record['file_hash'])
        assert record['error'] in step
        # Asked with no endpoint_id, as Cortex XDR's restore then is: on every endpoint holding the file, no action
        assert 'every endpoint' in step.split('Reason:')[0] and 'action' not in step.split('Reason:')[0]
        assert f'`!restore-file file_hash={record["file_hash"]}`' in step
        assert record['error'] in table_line(entry['HumanReadable'], record['file_hash'])


XDR_PLAYBOOK_YML = Path(__file__).resolve().parent.parent / 'playbooks' / 'playbook-Quarantine_Restore_-_Cortex_XDR.yml'


def playbook_no_copy_advice() -> str:
    """The where-to-look advice of the Cortex XDR playbook's note on a file no endpoint held quarantined, one line."""
    tasks = yaml.safe_load(XDR_PLAYBOOK_YML.read_text(encoding='utf-8'))['tasks'].values()
    [note] = [task['scriptarguments']['value']['simple'] for task in tasks
              if task['task']['name'] == 'Note: no quarantined copy to restore']
    return ' '.join(note[note.index('Nothing in'):].split())


@pytest.mark.parametrize('case', ['refused', 'included no endpoint'])
def test_a_file_no_endpoint_held_quarantined_gets_where_to_look_as_the_playbook_says_not_a_restore_once_fixed(
        replay_server, case):
    """Cortex XDR refused the restore, "No quarantined file ... was found" (the xdr_refused fixture, as the emulator
    answers), or accepted it as an action including no endpoint (endpoints_count 0): the file is back already or was
    never quarantined, nothing to fix. Its step says so, with the playbook note's advice on where to look, not "Once
    the cause is fixed" and a restore Cortex XDR would refuse alike."""
    if case == 'refused':
        context = fixture('xdr_refused')
        [file_hash] = [r['file_hash'] for r in xdr_records(context) if not r.get('action_id')]
    else:
        from test_reply_shapes import room
        replay_server.queue(200, {'reply': {'action_id': 3002, 'endpoints_count': '0'}})
        file_hash = 'd' * 64
        context = room(replay_server).run('restore-file', {'file_hash': file_hash}).context
        assert [r['endpoints_count'] for r in xdr_records(context)] == [0]

    entry, summary = summarise(context)

    [step] = steps_naming(summary, file_hash)
    assert 'no quarantined copy' in step and playbook_no_copy_advice() in ' '.join(step.split())
    assert 'cause is fixed' not in step and f'!restore-file file_hash={file_hash}' not in step
    assert summary['failed'] == 1


def test_past_the_threshold_files_no_endpoint_held_quarantined_get_where_to_look_not_a_restore_once_fixed(
        advanced_tenant):
    """Past the README's threshold the steps go by status and reason. Cortex XDR's "No quarantined file with hash ..."
    names each file, a reason of its own, so such files shared a step by status alone with files refused for a fault
    of the setup, which said of all "Once the cause is fixed, run ... for each". The files no endpoint held quarantined
    get where to look, in the playbook note's words; those refused for the setup keep the restore once fixed."""
    from warroom.runtime import WarRoom
    no_copy = [f'{n:064x}' for n in range(1, facts.READABLE_DETAIL_MAX + 6)]  # no seed endpoint holds these
    setup = [f'{n:064x}' for n in range(900, 903)]
    assert not set(no_copy + setup) & set(seed_holders())
    room = WarRoom(params=advanced_tenant.params(xdr_api_key={'identifier': '', 'password': '0' * 64}), time_scale=0,
                   sleep=lambda _: None)
    assert room.run('restore-file', {'file_hash': ','.join(setup)}).failed  # the key refused: HTTP 401
    room = WarRoom(params=advanced_tenant.params(), context=room.context, time_scale=0, sleep=lambda _: None)
    assert room.run('restore-file', {'file_hash': ','.join(no_copy)}).failed
    assert len(xdr_records(room.context)) == len(no_copy) + len(setup)

    entry, summary = summarise(room.context, 'xdr')

    steps = by_hand_lines(entry['HumanReadable'])
    [where_to_look] = [step for step in steps if no_copy[0] in step]
    assert all(file_hash in where_to_look for file_hash in no_copy[:facts.READABLE_LISTED_MAX])
    assert playbook_no_copy_advice() in ' '.join(where_to_look.split())
    assert 'cause is fixed' not in where_to_look and not any(file_hash in where_to_look for file_hash in setup)
    [once_fixed] = [step for step in steps if setup[0] in step]
    assert 'cause is fixed' in once_fixed and playbook_no_copy_advice() not in ' '.join(once_fixed.split())


def test_a_restore_cortex_xdr_did_not_accept_counts_as_failed_not_as_pending(replay_server):
    """A restore reply whose status is 0 (the seed: "0 - failed") refused the restore, even though it names an action
    (README: "a `status` of 0 in the restore reply (the restore was not accepted: `FAILED`, with the reason)"): the
    note counts that file failed with Cortex XDR's reason and a step that restores it, not as a restore to follow."""
    from test_reply_shapes import FINAL_STATUS, VARIANTS, room

    refused = load_json(VARIANTS / 'restore_reply_status_refused.json')['reply']
    accepted = load_json(VARIANTS / 'restore_reply_numeric_count.json')['reply']
    replay_server.queue(200, {'reply': refused}).queue(200, {'reply': accepted}).queue(200, FINAL_STATUS)
    refused_hash, accepted_hash = 'a' * 64, 'b' * 64
    result = room(replay_server).run('restore-file', {'file_hash': f'{refused_hash},{accepted_hash}'})
    [record] = [r for r in xdr_records(result.context) if r['file_hash'] == refused_hash]
    assert record['status'] == 'FAILED' and record['action_id'] == refused['action_id']  # as restore-file writes it

    entry, summary = summarise(result.context)

    statuses = FINAL_STATUS['reply']['data'].values()
    assert summary['failed'] == 1 + sum(status in facts.XDR_FAILURE_STATUSES for status in statuses)
    assert summary['pending'] == 0
    [step] = steps_naming(summary, refused_hash)
    assert record['error'] in step
    assert f'`!restore-file file_hash={refused_hash}`' in step  # restore it again, not follow an action that never ran
    assert record['error'] in table_line(entry['HumanReadable'], refused_hash)


def test_action_without_endpoint_status_is_pending_with_a_step_that_follows_it():
    context = fixture('xdr_not_polled')
    [record] = xdr_records(context)
    assert 'endpoints' not in record

    entry, summary = summarise(context)

    assert (summary['pending'], summary['restored'], summary['failed']) == (1, 0, 0)
    assert summary['needs_manual_action'] is True
    [step] = summary['manual_steps']
    assert record['file_hash'] in step.split('`')[0]  # the step says which file, not only its command
    # Why it is pending: the action's ID and its last status, which the row's reason gives
    reason = split_cells(table_line(entry['HumanReadable'], record['file_hash']))[3]
    assert str(record['action_id']) in reason and record['status'] in reason
    line = parse_line(command_in(step, '!restore-file'))
    assert line.args['file_hash'] == record['file_hash']
    assert json.loads(line.args['action_id']) == [record['action_id']]  # the form restore-file writes itself


def test_the_step_that_follows_an_action_limited_to_one_endpoint_keeps_it_to_that_endpoint_and_incident():
    """A follow run without the endpoint would record the action as one on every endpoint (the record's DT key
    matches)."""
    context = copy.deepcopy(fixture('xdr_not_polled'))
    record = context['CortexXDR']['RestoredFile']
    endpoint = next(iter(seed_holders()[record["file_hash"]]))
    record.update(endpoint_id=endpoint, incident_id=412)
    [step] = summarise(context)[1]['manual_steps']

    line = parse_line(command_in(step, '!restore-file'))

    assert (line.args['endpoint_id'], line.args['incident_id']) == (endpoint, '412')
    assert f'on {endpoint}' in step


def test_an_action_recorded_by_a_status_check_alone_is_not_said_to_run_on_every_endpoint():
    context = copy.deepcopy(fixture('xdr_not_polled'))
    record = context['CortexXDR']['RestoredFile']
    record.pop('endpoint_id', None)
    [step] = summarise(context)[1]['manual_steps']

    assert 'every endpoint' not in step and f'the endpoints of action {record["action_id"]}' in step
    assert 'endpoint_id' not in parse_line(command_in(step, '!restore-file')).args


@pytest.mark.parametrize('status', facts.XDR_RUNNING_STATUSES)
def test_endpoint_still_running_counts_as_pending(status):
    context = copy.deepcopy(fixture('xdr_partial'))
    [(record, endpoint)] = [(r, e) for r, e in all_endpoints(context) if e['status'] != SUCCESS]
    endpoint['status'] = status
    endpoint.pop('error_description')

    entry, summary = summarise(context)

    assert (summary['pending'], summary['failed']) == (1, 0)
    assert summary['needs_manual_action'] is True
    [step] = steps_naming(summary, endpoint['endpoint_id'])
    assert status in step and str(record['action_id']) in step
    # Cortex XDR has not finished there: the step and the row say it is still running, not a status unknown
    assert f'still {status}' in step and 'not a known' not in step
    reason = split_cells(table_line(entry['HumanReadable'], endpoint['endpoint_id']))[3]
    assert re.search(f'still {status}', reason, re.IGNORECASE) and 'not a status' not in reason


@pytest.mark.parametrize('status', facts.XDR_FAILURE_STATUSES)
def test_every_final_failure_status_of_cortex_xdr_counts_as_failed(status):
    context = copy.deepcopy(fixture('xdr_partial'))
    [(_, endpoint)] = [(r, e) for r, e in all_endpoints(context) if e['status'] != SUCCESS]
    endpoint['status'] = status

    _, summary = summarise(context)

    assert (summary['failed'], summary['pending']) == (1, 0)
    assert status in steps_naming(summary, endpoint['endpoint_id'])[0]


def test_endpoint_status_the_script_does_not_know_counts_as_pending():
    context = copy.deepcopy(fixture('xdr_partial'))
    [(_, endpoint)] = [(r, e) for r, e in all_endpoints(context) if e['status'] != SUCCESS]
    endpoint['status'] = 'QUEUED_FOR_REVIEW'
    endpoint.pop('error_description')

    entry, summary = summarise(context)

    assert (summary['pending'], summary['failed']) == (1, 0)
    assert 'QUEUED_FOR_REVIEW' in steps_naming(summary, endpoint['endpoint_id'])[0]
    # No reason given: the row's own says which status it is that the summary does not know
    assert 'QUEUED_FOR_REVIEW' in split_cells(table_line(entry['HumanReadable'], endpoint['endpoint_id']))[3]


def test_a_single_record_reads_the_same_as_a_list_of_one():
    context = fixture('xdr_partial')
    assert isinstance(context['CortexXDR']['RestoredFile'], dict)  # how XSOAR stores a list of one
    as_a_list = {'CortexXDR': {'RestoredFile': [context['CortexXDR']['RestoredFile']]}}

    assert summarise(context) == summarise(as_a_list)  # the note's entry and the summary both


# ---------------------------------------------------------------- Huawei Cloud HSS


def test_hss_rows_are_counted_by_outcome_and_per_host():
    context = copy.deepcopy(fixture('hss_mixed'))
    rows = hss_rows(context)
    rows[0]['outcome'] = 'restored'  # a copy HSS lists restored, beside copies still restoring
    outcomes = [row['outcome'] for row in rows]
    assert set(outcomes) == {'restored', 'restoring', 'failed', 'not_found'}

    entry, summary = summarise(context)

    assert summary['restored'] == outcomes.count('restored')
    assert summary['restoring'] == summary['pending'] == outcomes.count('restoring')
    assert summary['failed'] == outcomes.count('failed')
    assert summary['not_found'] == outcomes.count('not_found')
    assert summary['needs_manual_action'] is True
    hss_section = entry['HumanReadable'].split('#### Huawei Cloud HSS')[1]
    assert outcomes.count('restoring') == 1 and '1 restore still restoring' in hss_section
    def host_of(row):  # a not_found row may name no host
        return row.get('host_name') or row.get('host_id') or '(no host)'

    counts = ('restored', 'restoring', 'failed', 'not_found')
    expected_hosts, expected_lines = [], []
    for host in sorted({host_of(row) for row in rows}):
        mine = [row['outcome'] for row in rows if host_of(row) == host]
        [host_id] = {row.get('host_id') or '' for row in rows if host_of(row) == host}
        expected_hosts.append({'host': host, 'host_id': host_id, **{o: mine.count(o) for o in counts}})
        expected_lines.append([host] + [str(mine.count(o)) for o in counts])
    # Every host of the rows once, with its counts, and no other: in context and in the note's per-host table.
    assert sorted(summary['hosts'], key=lambda h: h['host']) == expected_hosts
    assert sorted(table_lines(hss_section, ['host', *counts])) == expected_lines


def test_hss_failed_row_gets_one_step_whose_command_restores_exactly_that_item():
    context = fixture('hss_mixed')
    failed = [row for row in hss_rows(context) if row['outcome'] == 'failed']
    restoring = [row for row in hss_rows(context) if row['outcome'] == 'restoring']
    assert failed  # else no step below is checked
    hss_command = load_spec().command('hss-restore-isolated')

    _, summary = summarise(context)

    assert len(summary['manual_steps']) == len(failed) + len(restoring)  # still restoring: a step too
    for row in failed:
        [step] = steps_naming(summary, row['host_id'])
        shown = as_commonmark_reads(step)[1]  # as the note shows it: HSS's reason names data_list[0], escaped
        assert row['host_name'] in shown and row['file_path'] in shown and row['reason'] in shown
        assert 'isolated-file list in the HSS console' in step
        line = parse_line(command_in(step, '!hss-restore-isolated'))
        args = hss_command.check_args(line.args)
        assert line.command == 'hss-restore-isolated'
        for name in ('host_id', 'file_hash', 'file_path'):
            assert ri.hss_field_list(args[name], name) == [row[name]]


def test_a_copy_still_restoring_gets_the_command_that_follows_it_and_the_one_that_restores_it_if_isolated_again():
    """README: a copy still restoring has the command that follows it; should HSS list it isolated again, its
    restore is run again, the command restoring exactly that item."""
    context = fixture('hss_mixed')
    restoring = [row for row in hss_rows(context) if row['outcome'] == 'restoring']
    assert restoring
    hss_command = load_spec().command('hss-restore-isolated')

    _, summary = summarise(context, 'hss')

    for row in restoring:
        [step] = steps_naming(summary, row['host_id'])
        spans = [parse_line(span) for _, span in re.findall(r'(`+) ?(!hss-restore-isolated.*?) ?\1(?!`)', step)]
        assert sorted('restore_state' in line.args for line in spans) == [False, True], step
        [again] = [line for line in spans if 'restore_state' not in line.args]
        args = hss_command.check_args(again.args)
        for name in ('host_id', 'file_hash', 'file_path'):
            assert ri.hss_field_list(args[name], name) == [row[name]]


def test_hss_outcome_the_script_does_not_know_counts_as_pending_with_a_step():
    context = copy.deepcopy(fixture('hss_mixed'))
    row = next(row for row in hss_rows(context) if row['outcome'] == 'restoring')
    row['outcome'] = 'isolating'

    entry, summary = summarise(context, 'hss')

    still_restoring = sum(r['outcome'] == 'restoring' for r in hss_rows(context))
    assert summary['pending'] == still_restoring + 1
    [step] = steps_naming(summary, row['file_path'])
    assert 'isolating' in step and '!hss-restore-isolated' in step
    assert 'reason' not in row  # HSS gave none: the row's own says which outcome it is that the summary does not know
    assert 'isolating' in split_cells(table_line(entry['HumanReadable'], row['file_path']))[-1]


@pytest.mark.parametrize('outcome', ['host', 'HOST', 'host_id'])
def test_hss_outcome_that_names_a_column_of_the_hosts_table_counts_as_pending_not_as_a_crash(outcome):
    """An outcome in context is text anyone may have written (!Set, another run's record): one that happens to name
    a column of the per-host table (host, host_id) is an outcome the script does not know, like any other."""
    context = copy.deepcopy(fixture('hss_mixed'))
    row = next(row for row in hss_rows(context) if row['outcome'] == 'restoring')
    row['outcome'] = outcome

    entry, summary = summarise(context, 'hss')

    assert entry['Type'] == 1
    assert summary['pending'] == sum(r['outcome'] == 'restoring' for r in hss_rows(context)) + 1
    [step] = steps_naming(summary, row['file_path'])
    assert outcome in step and '!hss-restore-isolated' in step
    [host] = [host for host in summary['hosts'] if host['host_id'] == row['host_id']]
    assert host['host'] == row['host_name'] and host['host_id'] == row['host_id']
    assert all(host[name] == 0 for name in ('restored', 'restoring', 'failed', 'not_found'))


def test_hss_table_names_the_host_by_name_or_else_by_id():
    context = copy.deepcopy(fixture('hss_mixed'))
    named, unnamed = [row for row in hss_rows(context) if row.get('host_name')][:2]
    unnamed.pop('host_name')

    entry, _ = summarise(context)

    assert split_cells(table_line(entry['HumanReadable'], named['file_path']))[0] == named['host_name']
    assert split_cells(table_line(entry['HumanReadable'], unnamed['file_path']))[0] == unnamed['host_id']


@pytest.mark.parametrize('kept', ['host_name', 'host_id'])
def test_an_hss_step_names_its_host_by_the_one_of_name_and_id_its_row_gives(kept):
    context = copy.deepcopy(fixture('hss_mixed'))
    [row] = [row for row in hss_rows(context) if row['outcome'] == 'failed']
    row.pop('host_id' if kept == 'host_name' else 'host_name')

    _, summary = summarise(context, 'hss')

    [step] = steps_naming(summary, row['file_path'])
    assert f'host {row[kept]}' in step.split('`')[0]  # before its command, where the step says what it is about


@pytest.mark.parametrize('names, command', [(('file_hash',), True), (('host_id', 'file_path'), True),
                                            (('host_id',), False), (('file_path',), False)])
def test_an_hss_step_gives_the_restore_command_exactly_when_its_row_names_what_the_command_restores_by(names, command):
    """integration.yml: hss-restore-isolated restores by file_hash (optionally on host_id) or by host_id and
    file_path; a row naming less gets the console step alone."""
    context = copy.deepcopy(fixture('hss_mixed'))
    [row] = [row for row in hss_rows(context) if row['outcome'] == 'failed']
    for name in {'host_id', 'host_name', 'file_hash', 'file_path'} - set(names):
        row.pop(name)

    _, summary = summarise(context, 'hss')

    [step] = steps_naming(summary, row['reason'][-20:])
    assert ('!hss-restore-isolated' in step) is command
    assert 'isolated-file list in the HSS console' in step


@pytest.mark.parametrize('count, restores, items', [(1, 'restore', 'item'), (2, 'restores', 'items')])
def test_the_hss_section_counts_restores_and_items_as_one_or_as_several(count, restores, items):
    """As the integration's entries do: "1 item", "2 items", never "item(s)"."""
    def rows(outcome, reason='', path=True):
        return [{'host_id': f'{outcome}-{n}', 'file_hash': 'ab' * 32, 'outcome': outcome, 'reason': reason,
                 **({'file_path': f'/srv/q/{n}.bin'} if path else {})} for n in range(count)]

    unfollowed = 'Not followed to the end: HSS refused the check (HTTP 401).'
    context = {'HuaweiHSS': {'RestoredFile': rows('restoring') + rows('restoring', unfollowed)
                             + rows('not_found', path=False) + [7] * count}}  # a number is no record

    note = summarise(context, 'hss')[0]['HumanReadable']
    done = summarise({'HuaweiHSS': {'RestoredFile': rows('restored') + rows('not_found', path=False)}}, 'hss')[0]

    assert f'\n{count} {restores} still restoring: ' in note
    assert f'\n{count} {restores} restoring, not followed to the end: ' in note
    assert f'\n{count} {items} had no isolated copy in HSS (not_found), so nothing was restored' in note
    assert f'- Left out of HuaweiHSS.RestoredFile: {count} {items} of a kind other than an object (a number).' in note
    assert f'Huawei Cloud HSS holds no isolated copy of {count} {items} (not_found, above)' in done['HumanReadable']
    assert '(s)' not in note + done['HumanReadable']


@pytest.mark.parametrize('files, endpoints, noun', [(1, 60, 'file'), (60, 1, 'files')])
def test_a_step_for_failures_grouped_past_the_threshold_counts_their_files_as_one_or_as_several(files, endpoints,
                                                                                                 noun):
    """Past the README's threshold endpoints that failed alike in separate actions share a step, of one file or of
    many: it says "1 file", "60 files"."""
    reason = 'Failed to restore file: the original path no longer exists on the endpoint'
    records = [{'file_hash': f'{f:064x}', 'action_id': 1000 + f * endpoints + e, 'status': 'FAILED',
                'endpoints': [{'endpoint_id': f'ep-{e:03d}', 'status': 'FAILED', 'error_description': reason}]}
               for f in range(files) for e in range(endpoints)]

    entry, _ = summarise({'CortexXDR': {'RestoredFile': records}}, 'xdr')

    [step] = by_hand_lines(entry['HumanReadable'])
    assert step.startswith(f'- Cortex XDR, {files} {noun} ('), step
    assert '(s)' not in entry['HumanReadable']


def open_restore(kind: str, number: int) -> dict:
    """A restore of file ``number`` that is still open (``kind``: failed on an endpoint, refused before any action,
    maybe started but not followed, or not followed to the end), for the same reason as any other of its kind."""
    reason = 'Failed to restore file: the original path no longer exists on the endpoint'
    if kind == 'endpoint':
        endpoint = {'endpoint_id': f'ep-{number:03d}', 'status': 'FAILED', 'error_description': reason}
        return {'action_id': 1000 + number, 'status': 'FAILED', 'endpoints': [endpoint]}
    if kind == 'not followed':
        return {'action_id': 1000 + number, 'status': 'IN_PROGRESS'}
    return {'status': 'FAILED', 'error': reason, 'may_have_started': kind == 'unfollowed'}


def many_open_files(kind: str, incidents: list) -> list[dict]:
    """Past the README's threshold, files each restored on its own, alike (``kind``), their incident_id taken in turn
    from ``incidents``."""
    return [dict(open_restore(kind, number), file_hash=f'{number:064x}', incident_id=incidents[number % len(incidents)])
            for number in range(facts.READABLE_DETAIL_MAX + 1)]


# Cortex XDR's Restore File (seed): a restore sent with incident_id appears in that incident's timeline, one sent
# without it in none. The step for many files keeps the incident they were restored for, as each file's own step does.
@pytest.mark.parametrize('kind', ['endpoint', 'refused', 'unfollowed', 'not followed'])
def test_the_step_for_many_files_of_one_incident_restores_them_for_that_incident(kind):
    entry, _ = summarise({'CortexXDR': {'RestoredFile': many_open_files(kind, [412])}}, 'xdr')

    [step] = by_hand_lines(entry['HumanReadable'])
    assert step.startswith(f'- Cortex XDR, {facts.READABLE_DETAIL_MAX + 1} files ('), step
    assert parse_line(command_in(step, '!restore-file')).args['incident_id'] == '412'


@pytest.mark.parametrize('kind, failed', [('endpoint', True), ('refused', True), ('unfollowed', False),
                                          ('not followed', False)])
def test_the_step_for_many_files_that_failed_says_to_fix_the_cause_first_and_for_many_still_open_to_check_each(kind,
                                                                                                             failed):
    """A failed restore has ended, as each file's own step says: fix the cause, then restore it; one that may still
    be running is checked first."""
    entry, _ = summarise({'CortexXDR': {'RestoredFile': many_open_files(kind, [412])}}, 'xdr')

    [step] = by_hand_lines(entry['HumanReadable'])
    assert ('Once the cause is fixed' in step) is failed and ('Check each' in step) is not failed, step


def test_the_step_for_many_files_says_the_status_they_ended_in_and_its_reason():
    records = many_open_files('endpoint', [412])
    [status] = {record['endpoints'][0]['status'] for record in records}
    [reason] = {record['endpoints'][0]['error_description'] for record in records}

    entry, _ = summarise({'CortexXDR': {'RestoredFile': records}}, 'xdr')

    [step] = by_hand_lines(entry['HumanReadable'])
    assert f': {status}. Reason: {reason}.' in step, step


@pytest.mark.parametrize('incidents', [[412, 413], [412, None]], ids=['two incidents', 'one and none'])
def test_the_step_for_many_files_of_several_incidents_leaves_the_incident_to_fill_in(incidents):
    entry, _ = summarise({'CortexXDR': {'RestoredFile': many_open_files('endpoint', incidents)}}, 'xdr')

    [step] = by_hand_lines(entry['HumanReadable'])
    assert parse_line(command_in(step, '!restore-file')).args['incident_id'] == '<incident_id>'


def test_the_step_for_many_files_restored_for_no_incident_names_none():
    entry, _ = summarise({'CortexXDR': {'RestoredFile': many_open_files('endpoint', [None])}}, 'xdr')

    [step] = by_hand_lines(entry['HumanReadable'])
    assert 'incident_id' not in parse_line(command_in(step, '!restore-file')).args


def test_the_note_names_the_vendor_asked_as_it_names_its_section_and_the_context_keeps_the_argument():
    """The note is the analyst's: "Vendor: hss." is the argument's value; the vendor's name is what the note's
    sections and the script's YAML call it. QuarantineRestore.Summary.vendor stays the argument (a DT key)."""
    names = {'all': 'Cortex XDR and Huawei Cloud HSS', 'xdr': 'Cortex XDR', 'hss': 'Huawei Cloud HSS'}
    assert f'all ({names["all"]})' in SCRIPT_SPEC['args'][0]['description']
    for vendor, name in names.items():
        runtime = FakeDemisto({'vendor': vendor}, fixture('both_vendors'))

        qrs.main(runtime)

        [entry] = runtime.entries
        assert f'\nVendor: {name}. Restored ' in entry['HumanReadable'], entry['HumanReadable']
        [summary] = entry['EntryContext'].values()
        assert entry['Contents']['vendor'] == summary['vendor'] == vendor


# ---------------------------------------------------------------- vendors, empty context


def test_both_vendors_add_up_and_the_vendor_argument_picks_one():
    both = fixture('both_vendors')
    _, every = summarise(both)
    _, xdr = summarise(both, 'xdr')
    _, hss = summarise(both, 'hss')

    for key in ('restored', 'failed', 'pending', 'not_found'):
        assert every[key] == xdr[key] + hss[key]
    assert every['manual_steps'] == xdr['manual_steps'] + hss['manual_steps']
    assert xdr == dict(summarise(fixture('xdr_partial'), 'xdr')[1])
    assert hss == dict(summarise(fixture('hss_mixed'), 'hss')[1])
    assert (every['vendor'], xdr['vendor'], hss['vendor']) == ('all', 'xdr', 'hss')


def test_vendor_argument_hides_the_other_vendor_from_the_note():
    both = fixture('both_vendors')
    xdr_note = summarise(both, 'xdr')[0]['HumanReadable']
    hss_note = summarise(both, 'hss')[0]['HumanReadable']

    assert '#### Huawei Cloud HSS' not in xdr_note and '#### Cortex XDR' in xdr_note
    assert '#### Cortex XDR' not in hss_note and '#### Huawei Cloud HSS' in hss_note
    for row in hss_rows(both):
        assert row['file_hash'] not in xdr_note
    for record in xdr_records(both):
        assert record['file_hash'] not in hss_note


@pytest.mark.parametrize('context', [fixture('empty'), None], ids=['empty', 'none'])
def test_empty_context_says_no_restore_ran_and_asks_for_nothing(context):
    entry, summary = summarise(context)

    assert {key: summary[key] for key in ('restored', 'failed', 'pending', 'not_found')} == dict.fromkeys(
        ('restored', 'failed', 'pending', 'not_found'), 0)
    assert summary['needs_manual_action'] is False and summary['manual_steps'] == []
    note = entry['HumanReadable']
    assert says_nothing_was_restored(note)
    assert 'CortexXDR.RestoredFile' in note and 'HuaweiHSS.RestoredFile' in note


def test_vendor_with_no_record_says_no_restore_ran_even_when_the_other_has_some():
    entry, summary = summarise(fixture('hss_mixed'), 'xdr')

    assert summary['restored'] == summary['failed'] == summary['not_found'] == 0
    assert summary['needs_manual_action'] is False
    assert says_nothing_was_restored(entry['HumanReadable']) and 'CortexXDR.RestoredFile' in entry['HumanReadable']
    assert 'HuaweiHSS' not in entry['HumanReadable']
    # Both vendors asked: the Cortex XDR section says it has no record, and where the command would have written it
    note = summarise(fixture('hss_mixed'))[0]['HumanReadable']
    xdr_section = note.split('#### Cortex XDR')[1].split('#### ')[0]
    assert 'CortexXDR.RestoredFile' in xdr_section and '!restore-file' in xdr_section
    assert not any(line.startswith('|') for line in xdr_section.splitlines())


def test_vendor_argument_ignores_case_and_blanks():
    assert summarise(fixture('both_vendors'), ' XDR ')[1] == summarise(fixture('both_vendors'), 'xdr')[1]
    assert qrs.summary_command({}, fixture('empty'))['Contents']['vendor'] == SCRIPT_SPEC['args'][0]['defaultValue']


def test_an_empty_list_for_vendor_is_no_value_as_when_it_is_left_out():
    # Should XSOAR hand the script a task argument taken from an empty context list as [], the script's rule is that
    # an empty vendor means its default, so [] must too, not an error entry. (The war room refuses [] for a
    # predefined argument before the script runs, as for a command's: tests/test_playbook_xsoar_semantics.py.)
    entry = qrs.summary_command({'vendor': []}, fixture('both_vendors'))

    assert entry['Contents']['vendor'] == SCRIPT_SPEC['args'][0]['defaultValue']


def test_unknown_vendor_is_refused_with_the_allowed_values():
    with pytest.raises(qrs.SummaryError) as raised:
        qrs.summary_command({'vendor': 'crowdstrike'}, fixture('both_vendors'))
    for vendor in SCRIPT_SPEC['args'][0]['predefined']:
        assert vendor in str(raised.value)


# ---------------------------------------------------------------- robustness


def test_table_cells_escape_pipes_and_line_breaks():
    context = copy.deepcopy(fixture('xdr_partial'))
    [(_, endpoint)] = [(r, e) for r, e in all_endpoints(context) if e['status'] != SUCCESS]
    original = endpoint['error_description']
    endpoint['error_description'] = f'{original} | disk D:\nsecond line'

    entry, summary = summarise(context)

    line = table_line(entry['HumanReadable'], endpoint['endpoint_id'])
    assert split_cells(line)[3] == f'{original} \\| disk D:<br>second line'
    assert len(split_cells(line)) == len(split_cells(table_header(entry['HumanReadable'], line)))  # none split in two
    [step] = steps_naming(summary, endpoint['endpoint_id'])
    assert '\n' not in step


@pytest.mark.parametrize('endpoint_id', load_json(TEST_DATA / 'xsoar' / 'markdown_texts.json')['with_line_breaks'])
def test_an_endpoint_id_holding_a_line_break_leaves_the_step_s_command_on_the_step_s_one_line(endpoint_id):
    """The step's command quotes the endpoint_id in a code span, where a line break would end the step and start a
    heading or a bullet with the rest: CommonMark shows a line break in a span as a blank."""
    context = copy.deepcopy(fixture('xdr_partial'))
    [(record, endpoint)] = [(r, e) for r, e in all_endpoints(context) if e['status'] != SUCCESS]
    endpoint['endpoint_id'] = endpoint_id

    entry, summary = summarise(context)

    spans, _ = as_commonmark_reads(the_one_step_naming(summary, entry['HumanReadable'], 'endpoint_id='))
    [command] = [span for span in spans if span.startswith('!')]
    assert parse_line(command).args == {'file_hash': record['file_hash'], 'endpoint_id': as_soft_breaks(endpoint_id)}


def test_bad_context_shapes_are_skipped_and_mentioned():
    good = fixture('xdr_partial')['CortexXDR']['RestoredFile']
    with_junk = dict(good, endpoints=good['endpoints'] + [None, 'endpoint?'])
    context = {'CortexXDR': {'RestoredFile': ['not a record', 7, with_junk]},
               'HuaweiHSS': {'RestoredFile': 'not a list'}}

    entry, summary = summarise(context)

    assert summary['restored'] + summary['failed'] + summary['pending'] == len(good['endpoints'])
    assert summary == dict(summarise(fixture('xdr_partial'))[1])
    skipped = entry['HumanReadable'].split('#### Skipped context data')[1]
    assert 'CortexXDR.RestoredFile' in skipped and 'HuaweiHSS.RestoredFile' in skipped
    assert 'endpoints' in skipped


def test_vendor_key_that_is_not_an_object_is_mentioned():
    entry, summary = summarise({'CortexXDR': 'oops', 'HuaweiHSS': [1, 2]})

    assert summary['needs_manual_action'] is False
    assert 'Skipped context data' in entry['HumanReadable']
    skipped = entry['HumanReadable'].split('#### Skipped context data')[1]
    assert 'CortexXDR' in skipped and 'HuaweiHSS' in skipped  # a text and a list: neither is an object


# ---------------------------------------------------------------- main()


def test_main_writes_one_entry_for_the_demisto_it_is_given():
    runtime = FakeDemisto({'vendor': 'hss'}, fixture('both_vendors'))

    qrs.main(runtime)

    [entry] = runtime.entries
    assert entry == qrs.summary_command({'vendor': 'hss'}, fixture('both_vendors'))  # the command's own entry
    hss_only = expected_counts({'HuaweiHSS': fixture('both_vendors')['HuaweiHSS']})  # worked out here, HSS's rows
    assert entry['Contents']['vendor'] == 'hss' and {key: entry['Contents'][key] for key in hss_only} == hss_only


def test_main_uses_the_global_demisto_when_none_is_passed(monkeypatch):
    runtime = FakeDemisto({}, fixture('xdr_partial'))
    monkeypatch.setattr(qrs, 'demisto', runtime, raising=False)

    qrs.main()

    [entry] = runtime.entries
    expected = expected_counts(fixture('xdr_partial'))  # worked out here from the rows, not by the script
    assert entry['Type'] == facts.ENTRY_NOTE and {key: entry['Contents'][key] for key in expected} == expected


def test_main_answers_an_unknown_vendor_with_an_error_entry():
    runtime = FakeDemisto({'vendor': 'crowdstrike'}, fixture('both_vendors'))

    qrs.main(runtime)

    [entry] = runtime.entries
    assert entry['Type'] == facts.ENTRY_ERROR
    assert 'crowdstrike' in entry['Contents']


def test_main_turns_a_fault_into_an_error_entry_without_a_traceback():
    runtime = FakeDemisto({}, context_error=RuntimeError('context service unavailable'))

    qrs.main(runtime)

    [entry] = runtime.entries
    assert entry['Type'] == 4
    assert 'context service unavailable' in entry['Contents'] and 'Traceback' not in entry['Contents']
    assert any('Traceback' in message for message in runtime.log)


# ---------------------------------------------------------------- against the emulated tenant


def context_after_restoring(file_hash, seed=None):
    """The incident context a war-room restore-file of ``file_hash`` leaves, polled to its end, on a tenant of ``seed``
    (the default one when None); the run must not fail."""
    tenant = start_tenant(seed=seed) if seed else start_tenant()
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        assert not room.run('restore-file', {'file_hash': file_hash}).failed
    finally:
        tenant.server.stop()
    return room.context


def test_summary_of_a_war_room_restore_names_the_seed_failure():
    failing_seed = seed_failing_endpoints()
    file_hash, holders = next((h, e) for h, e in sorted(seed_holders().items()) if set(e) & set(failing_seed))
    _, summary = summarise(context_after_restoring(file_hash))

    failing = [endpoint for endpoint in holders if endpoint in failing_seed]
    assert summary['failed'] == len(failing) and summary['restored'] == len(holders) - len(failing)
    for endpoint in failing:
        [step] = steps_naming(summary, endpoint)
        assert failing_seed[endpoint]['error_description'] in step


def test_the_step_for_an_unfollowed_action_finishes_it_in_the_war_room():
    file_hash, holders = next((h, e) for h, e in sorted(seed_holders().items())
                              if not set(e) & set(seed_failing_endpoints()))
    tenant = start_tenant()
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'})
        [step] = summarise(room.context)[1]['manual_steps']
        line = parse_line(command_in(step, '!restore-file'))
        assert not room.run(line.command, line.args).failed
    finally:
        tenant.server.stop()

    _, summary = summarise(room.context)

    assert summary['restored'] == len(holders)
    assert summary['pending'] == 0 and summary['needs_manual_action'] is False


def room_that_restored_everywhere(vendor: str) -> WarRoom:
    """A war room whose restore, followed to its end on the emulated vendor, put a file back on every endpoint (Cortex
    XDR) or host (HSS) holding it: the seed's file that no failing endpoint, offline or failing host holds."""
    if vendor == 'xdr':
        failing = seed_failing_endpoints()
        file_hash = next(h for h, e in sorted(seed_holders().items()) if not set(e) & set(failing))
        tenant = start_tenant()
        params, stop, command = tenant.params(), tenant.server.stop, 'restore-file'
    else:
        file_hash = next(h for h, c in sorted(hss_seed_copies().items()) if all(copy['healthy'] for copy in c))
        tenant = start_hss_tenant()
        params, stop, command = tenant.params(), tenant.stack.close, 'hss-restore-isolated'
    try:
        room = WarRoom(params=params, time_scale=0, sleep=lambda _: None)
        assert not room.run(command, {'file_hash': file_hash}).failed
    finally:
        stop()
    return room


@pytest.mark.parametrize('asked', ['its vendor', 'all'])
@pytest.mark.parametrize('vendor, name, other', [('xdr', 'Cortex XDR', 'HSS'), ('hss', 'Huawei Cloud HSS', 'XDR')])
def test_nothing_left_to_do_is_said_in_the_terms_of_the_vendor_that_restored(vendor, name, other, asked):
    """A Cortex XDR incident's summary (its playbook asks vendor=xdr) has nothing to say of HSS, nor an HSS event's
    of Cortex XDR: the line that says nothing is left to do speaks of the vendor whose restores are in context."""
    room = room_that_restored_everywhere(vendor)

    entry, summary = summarise(room.context, vendor if asked == 'its vendor' else 'all')

    assert summary['restored'] > 0 and summary['needs_manual_action'] is False
    by_hand = entry['HumanReadable'].split(f'#### {facts.SUMMARY_MANUAL_TITLE}')[1]
    assert by_hand.strip().startswith('Nothing') and name in by_hand
    assert other not in by_hand


def test_nothing_left_to_do_counts_the_hss_copies_restored_and_the_items_not_found_each_by_its_own_number():
    rows = [{'host_id': f'h-{n}', 'file_hash': 'ab' * 32, 'file_path': '/srv/q/0.bin', 'outcome': 'restored'}
            for n in range(2)] + [{'file_hash': 'cd' * 32, 'outcome': 'not_found'}]

    entry, summary = summarise({'HuaweiHSS': {'RestoredFile': rows}}, 'hss')

    assert (summary['restored'], summary['not_found'], summary['needs_manual_action']) == (2, 1, False)
    by_hand = entry['HumanReadable'].split(f'#### {facts.SUMMARY_MANUAL_TITLE}')[1]
    assert '(2) as restored' in by_hand and 'no isolated copy of 1 item' in by_hand, by_hand


@settings(max_examples=150, deadline=None)
@given(action_id=st.one_of(st.integers(min_value=0, max_value=10 ** 18), st.text(min_size=1).filter(str.strip)))
@example(action_id='act-7')
@example(action_id='2457')  # a number as text, as the seed's reply gives endpoints_count: it must stay text
@example(action_id='grp: 7, "a"`b`')
def test_the_follow_command_of_an_unfollowed_action_gives_its_action_id_back_as_it_stands_in_context(action_id):
    context = copy.deepcopy(fixture('xdr_not_polled'))
    context['CortexXDR']['RestoredFile']['action_id'] = action_id
    [step] = summarise(context)[1]['manual_steps']

    line = parse_line(command_in(step, '!restore-file'))

    assert ri.action_id_list(line.args['action_id']) == [action_id]


def test_a_reason_ending_with_a_backslash_stays_in_its_own_cell():
    context = copy.deepcopy(fixture('xdr_refused'))
    record = next(record for record in context['CortexXDR']['RestoredFile'] if record.get('error'))
    record['error'] = 'Cortex XDR could not write to C:\\Users\\Public\\'
    entry, _ = summarise(context)

    line = table_line(entry['HumanReadable'], record['file_hash'])

    header = split_cells(table_header(entry['HumanReadable'], line))
    assert len(split_cells(line)) == len(header)
    assert as_commonmark_reads(split_cells(line)[header.index('reason')])[1].strip() == record['error']  # as it is


# ---------------------------------------------------------------- latest_only


def test_latest_only_keeps_the_latest_summary_of_each_vendor_in_the_order_they_came():
    """A vendor playbook run again with a context of its own hands its summary back beside the earlier one."""
    both = fixture('both_vendors')
    first_xdr, all_vendors, hss = (summarise(both, vendor)[1] for vendor in ('xdr', 'all', 'hss'))
    later_xdr = dict(first_xdr, restored=first_xdr['restored'] + 1)
    context = {'QuarantineRestore': {'Gate': {'held': []}, 'Summary': [first_xdr, all_vendors, hss, later_xdr]}}

    assert qrs.latest_summaries(context) == [all_vendors, hss, later_xdr]


@pytest.mark.parametrize('held', [None, [], 'text', {'vendor': 'xdr'}, [{'vendor': 'xdr'}, {'vendor': 'hss'}]],
                         ids=repr)
def test_latest_only_has_nothing_to_drop_where_no_vendor_has_two_summaries(held):
    assert qrs.latest_summaries({'QuarantineRestore': {'Summary': held}}) is None


# ---------------------------------------------------------------- the script's YAML


def test_script_yaml_describes_the_script():
    integration = yaml.safe_load((ROOT / 'integration.yml').read_text(encoding='utf-8'))
    vendor_arg, restored_before_arg, latest_only_arg = SCRIPT_SPEC['args']

    assert SCRIPT_SPEC['commonfields']['id'] == SCRIPT_SPEC['name'] == SCRIPT_PATH.stem
    assert SCRIPT_SPEC['dockerimage'] == integration['script']['dockerimage']
    assert (SCRIPT_SPEC['type'], SCRIPT_SPEC['subtype'], SCRIPT_SPEC['script']) == ('python', 'python3', '-')
    assert vendor_arg['name'] == 'vendor' and vendor_arg['auto'] == 'PREDEFINED'
    assert restored_before_arg['name'] == 'restored_before' and restored_before_arg['isArray'] is True
    assert latest_only_arg['name'] == 'latest_only' and latest_only_arg['defaultValue'] == 'false'
    # each scope the YAML offers is one the script takes, and its default the one the script uses when none is given
    for vendor in vendor_arg['predefined']:
        assert summarise(fixture('both_vendors'), vendor)[1]['vendor'] == vendor
    assert qrs.summary_command({}, fixture('both_vendors'))['Contents']['vendor'] == vendor_arg['defaultValue']
    assert all(o['contextPath'].startswith('QuarantineRestore.Summary.') and o['type'] and o['description']
               for o in SCRIPT_SPEC['outputs'])
    assert SUMMARY_KEYS == set(summarise(fixture('both_vendors'))[1])


# ---------------------------------------------------------------- properties

some_text = st.text(max_size=30)
xdr_status = st.one_of(st.sampled_from(facts.XDR_FINAL_STATUSES + facts.XDR_RUNNING_STATUSES), some_text,
                       st.none(), st.integers())
xdr_endpoint = st.fixed_dictionaries({}, optional={
    'endpoint_id': some_text, 'status': xdr_status, 'error_description': st.one_of(st.none(), some_text)})
xdr_record = st.fixed_dictionaries({}, optional={
    'file_hash': some_text, 'action_id': st.one_of(st.none(), st.integers(), some_text),
    'endpoint_id': st.one_of(st.none(), some_text), 'incident_id': st.one_of(st.none(), st.integers()),
    'status': st.one_of(st.none(), some_text), 'error': st.one_of(st.none(), some_text),
    'may_have_started': st.one_of(st.booleans(), some_text),
    'endpoints': st.one_of(st.none(), st.lists(xdr_endpoint, max_size=5))})
hss_row = st.fixed_dictionaries({}, optional={
    'host_id': some_text, 'host_name': some_text, 'file_hash': some_text, 'file_path': some_text,
    'outcome': st.one_of(st.sampled_from(['restoring', 'failed', 'not_found']), some_text, st.none()),
    'reason': st.one_of(st.none(), some_text)})


def stored(items, single):
    """As XSOAR stores it: a list, or the object itself when there is one."""
    return items[0] if single and len(items) == 1 else items


# Records and rows of distinct files: a later record of the same file and endpoint replaces the earlier one, and a
# later row of the same file a not_found one (tested apart).
@given(st.lists(xdr_record, max_size=6, unique_by=lambda r: str(r.get('file_hash') or '').strip().lower() or object()),
       st.lists(hss_row, max_size=6, unique_by=(lambda r: str(r.get('file_hash') or '').strip().lower() or object(),
                                                lambda r: str(r.get('file_path') or '').strip() or object())),
       st.booleans())
@settings(max_examples=300, deadline=None)
def test_counts_add_up_to_the_endpoints_and_rows_and_the_steps_are_as_many_as_the_open_items(records, rows, single):
    context = {'CortexXDR': {'RestoredFile': stored(records, single)},
               'HuaweiHSS': {'RestoredFile': stored(rows, single)}}
    xdr_units = sum(len(record.get('endpoints') or ()) or 1 for record in records)

    _, every = summarise(context)
    _, xdr = summarise(context, 'xdr')
    _, hss = summarise(context, 'hss')

    assert xdr['restored'] + xdr['failed'] + xdr['pending'] == xdr_units and xdr['not_found'] == 0
    assert hss['restored'] + hss['failed'] + hss['pending'] + hss['not_found'] == len(rows)
    for summary in (every, xdr, hss):
        open_count = summary['failed'] + summary['pending']
        assert len(summary['manual_steps']) == open_count
        assert summary['needs_manual_action'] is (open_count > 0)


def copies_of(template: dict, count: int, key: str) -> list[dict]:
    """``count`` records or rows like ``template``, each of its own file or host (``key``)."""
    return [dict(template, **{key: f'{template.get(key) or key}-{number}'}) for number in range(count)]


# Past the README's threshold (facts.READABLE_DETAIL_MAX endpoints, hosts or copies) a vendor's table is grouped.
many_xdr = st.builds(lambda few, template, count: few + copies_of(template, count, 'file_hash'),
                     st.lists(xdr_record, max_size=4), xdr_record, st.integers(0, facts.READABLE_DETAIL_MAX + 10))
many_hss = st.builds(lambda few, template, count: few + copies_of(template, count, 'host_id'),
                     st.lists(hss_row, max_size=4), hss_row, st.integers(0, facts.READABLE_DETAIL_MAX + 10))


@given(many_xdr, many_hss, st.sampled_from(SCRIPT_SPEC['args'][0]['predefined']))
@example(copies_of({'file_hash': 'a', 'status': 'x'}, facts.READABLE_DETAIL_MAX + 1, 'file_hash'), [], 'xdr')
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_table_in_the_note_ends_with_a_blank_line_or_the_note_so_no_line_of_text_reads_as_a_row(
        records, rows, vendor):
    """GFM, as XSOAR's war room renders markdown, reads a line of text right under a table as one more row."""
    entry, _ = summarise({'CortexXDR': {'RestoredFile': records}, 'HuaweiHSS': {'RestoredFile': rows}}, vendor)

    assert lines_read_into_tables(entry['HumanReadable']) == []


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=4),
                           max_leaves=25)
vendor_shapes = st.one_of(json_values, st.fixed_dictionaries({'RestoredFile': json_values}))


@given(st.one_of(json_values, st.fixed_dictionaries({}, optional={'CortexXDR': vendor_shapes,
                                                                  'HuaweiHSS': vendor_shapes})),
       st.sampled_from(SCRIPT_SPEC['args'][0]['predefined']))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_context_shape_gives_a_note_and_never_raises(context, vendor):
    entry, summary = summarise(context, vendor)

    assert entry['Type'] == 1
    assert all(isinstance(summary[key], int) and summary[key] >= 0
               for key in ('restored', 'failed', 'pending', 'not_found'))
    json.dumps(entry)


field_text = st.text(st.characters(blacklist_categories=('Cc', 'Cs')), min_size=1).filter(
    lambda t: t.strip().lower() not in ('', 'none', 'null'))  # a transformer's text for none found: refused


@given(field_text.filter(lambda t: len(t.strip()) <= facts.HSS_FIELD_LIMITS['host_id']),
       field_text.filter(lambda t: len(t.strip()) <= 200), field_text.filter(lambda t: len(t.strip()) <= 200))
@example('08a97e45-457f-469f-a8fc-cbfa73c409f9', '58693382', 'D:\\Shares\\Q3 "final"\\')  # quotes, last backslash
@example('host,with,commas', '[not json', 'C:\\a,b.exe')  # list arguments split on commas; '[' means JSON
@example('web-03', 'a' * 64, '/tmp/report.sh ')  # HSS lists a path as it is: one may end with a blank
@settings(max_examples=300, deadline=None)
def test_hss_step_command_reads_back_as_the_same_item(host_id, file_hash, file_path):
    row = {'host_id': host_id, 'file_hash': file_hash, 'file_path': file_path, 'outcome': 'failed',
           'reason': 'HSS.0011'}

    [step] = summarise({'HuaweiHSS': {'RestoredFile': row}}, 'hss')[1]['manual_steps']

    line = parse_line(command_in(step, '!hss-restore-isolated'))
    for name in ('host_id', 'file_hash'):
        assert ri.hss_field_list(line.args[name], name) == [row[name].strip()]
    assert ri.hss_field_list(line.args['file_path'], 'file_path') == [file_path]  # a path is taken as HSS lists it


def test_a_started_restore_whose_status_could_not_be_read_is_pending_not_refused():
    context = {'CortexXDR': {'RestoredFile': {'action_id': 5, 'file_hash': 'a' * 64, 'status': 'IN_PROGRESS',
                                              'endpoints': [], 'error': 'Status not read at this check.'}}}
    entry, summary = summarise(context)

    assert (summary['pending'], summary['failed']) == (1, 0)
    assert 'action_id' in summary['manual_steps'][0] and 'refused' not in entry['HumanReadable']
    # Why its endpoints are not known: the status check's error, in its step and its row
    assert 'Status not read at this check.' in summary['manual_steps'][0]
    assert 'Status not read at this check.' in table_line(entry['HumanReadable'], 'a' * 64)


def test_a_failed_endpoint_restored_later_by_its_step_is_no_longer_counted_failed():
    """The step of a failed endpoint starts a new action (a new record beside the old one, as restore-file keys its
    records by action_id); once it has the file back, the summary run again must not ask for it a second time."""
    failing = seed_failing_endpoints()
    file_hash, holders = next((h, e) for h, e in sorted(seed_holders().items()) if set(e) & set(failing))
    [endpoint_id] = sorted(set(holders) & set(failing))[:1]
    tenant = start_tenant()
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        room.run('restore-file', {'file_hash': file_hash})
        [step] = steps_naming(summarise(room.context)[1], endpoint_id)
        tenant.backend.endpoints[endpoint_id].restore_failure = None  # the cause is fixed
        line = parse_line(command_in(step, '!restore-file'))
        assert not room.run(line.command, line.args).failed
    finally:
        tenant.server.stop()

    _, summary = summarise(room.context)

    assert file_hash in tenant.backend.restored(endpoint_id)  # it is back
    assert summary['failed'] == 0 and summary['needs_manual_action'] is False
    assert summary['restored'] == len(holders) and not steps_naming(summary, endpoint_id)


def test_a_polling_timeout_after_an_unread_status_leaves_the_endpoints_an_earlier_check_read_in_the_note(
        replay_server, monkeypatch):
    """The last check before a polling timeout could not read the action's status: the note still counts each
    endpoint by the status the check before it read (the record in context keeps them), not as one action with no
    per-endpoint status."""
    from test_reply_shapes import room

    running = load_json(TEST_DATA / 'xdr' / 'replies' / 'action_status_running.json')
    replay_server.queue_file(200, 'restore_reply.json').queue(200, running)
    for _ in range(facts.DEFAULT_MAX_RETRIES + 1):  # the second check: 500 at every attempt
        replay_server.queue_file(500, 'error_500.json')
    war_room, clock = room(replay_server), FakeClock()
    war_room.sleep, war_room.time_scale = clock.advance, 1
    monkeypatch.setattr(ri, 'time', MovedWallClock(clock))  # polling time passes as the war room counts it
    result = war_room.run('restore-file', {'file_hash': 'c' * 64, 'timeout_in_seconds': '25'})
    assert result.runs == 3 and 'PollingCommand' not in result.entries[-1]  # the second check is the last
    [record] = xdr_records(result.context)
    assert record['status'] == 'IN_PROGRESS' and 'HTTP 500' in record['error']

    _, summary = summarise(result.context)

    statuses = list(running['reply']['data'].values())
    # The endpoints the restore included (endpoints_count) that no check listed are one pending item of their own
    included = int(load_json(TEST_DATA / 'xdr' / 'replies' / 'restore_reply.json')['reply']['endpoints_count'])
    assert summary['restored'] == statuses.count(SUCCESS)
    assert summary['pending'] == sum(status in facts.XDR_RUNNING_STATUSES for status in statuses) + \
        (included > len(statuses))
    for endpoint_id, status in running['reply']['data'].items():
        if status != SUCCESS:
            assert steps_naming(summary, endpoint_id)


def test_a_file_restored_again_after_failing_everywhere_counts_once_as_pending_with_no_step_for_the_old_failure(
        replay_server):
    # The on-close script sends again a restore that failed on every endpoint; the summary then reads the later
    # record (the script's docstring and the README): the earlier action's failures are not steps any more. Those
    # endpoints still hold the file, so the later action includes them; one the earlier action restored would not be
    # included, and stays restored (-k keeps_the_endpoints_the_earlier_action_restored).
    file_hash = 'ab' * 32
    failed = {'reply': {'data': {'e1': 'FAILED', 'e2': 'FAILED'},
                        'errorReasons': {'e1': {'errorText': 'disk full'}, 'e2': {'errorText': 'disk full'}}}}
    replay_server.queue(200, {'reply': {'action_id': 1001, 'endpoints_count': 2}}).queue(200, failed)
    replay_server.queue(200, {'reply': {'action_id': 1002, 'endpoints_count': 2}})
    params = {'xdr_url': replay_server.url, 'xdr_api_key_id': '9', 'xdr_api_key': {'password': 'k' * 40},
              'xdr_auth_type': 'standard', 'retry_backoff': '0', 'max_concurrency': '1'}
    room = WarRoom(params=params, time_scale=0, sleep=lambda _: None)
    room.run('restore-file', {'file_hash': file_hash})
    room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'})

    _, contents = summarise(room.context, 'xdr')

    assert (contents['restored'], contents['failed'], contents['pending']) == (0, 0, 1)
    assert len(contents['manual_steps']) == 1 and '1002' in contents['manual_steps'][0]


@pytest.mark.parametrize('in_capitals', ['earlier', 'later', 'both'])
@pytest.mark.parametrize('earlier', ['failed on the endpoint', 'refused'])
def test_a_later_restore_on_an_endpoint_replaces_its_earlier_record_whichever_records_name_it_in_capitals(
        earlier, in_capitals):
    # Cortex XDR's endpoint IDs are 32 hex digits, listed lower case (the seed's, its status rows): one in capitals is
    # the same endpoint. restore-file recorded endpoint_id as typed before it recorded it lower case, and an analyst may
    # write a record by hand, so a context may name one endpoint in both cases. A later restore of the file there still
    # replaces the earlier restore's rows (README: a file counts by its latest restore there), as when every
    # record names it alike: no earlier FAILED beside the later action.
    failing = seed_failing_endpoints()
    file_hash, holders = next((h, e) for h, e in sorted(seed_holders().items()) if set(e) & set(failing))
    endpoint_id = sorted(set(holders) & set(failing))[0]
    tenant = start_tenant()
    endpoint = tenant.backend.endpoints[endpoint_id]
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        held = endpoint.quarantined.pop(file_hash) if earlier == 'refused' else None  # quarantined there only later
        first = room.run('restore-file', {'file_hash': file_hash, 'endpoint_id': endpoint_id})
        if held:
            endpoint.quarantined[file_hash] = held
        endpoint.restore_failure = None  # the cause is fixed
        room.run('restore-file', {'file_hash': file_hash, 'endpoint_id': endpoint_id, 'polling': 'false'})
    finally:
        tenant.server.stop()
    context = copy.deepcopy(room.context)
    older, later = xdr_records(context)
    assert bool(older.get('action_id')) == (earlier != 'refused') and first.failed == (earlier == 'refused'), older
    for record in {'earlier': [older], 'later': [later], 'both': [older, later]}[in_capitals]:
        record['endpoint_id'] = record['endpoint_id'].upper()

    _, summary = summarise(context, 'xdr')

    assert (summary['restored'], summary['failed'], summary['pending']) == (0, 0, 1), summary
    [step] = summary['manual_steps']  # the later action's, not a step for the earlier failure
    assert str(later['action_id']) in step and 'FAILED' not in step, step


def test_a_file_cortex_xdr_refused_then_restored_by_a_later_run_counts_by_the_later_run_not_as_refused(
        replay_server):
    """Cortex XDR refused the first restore (a record of no action: FAILED, with its error); run again, the restore
    reached the endpoints. The summary reads the later record, as for any file restored again (the script's YAML:
    one step for every file that still has to be restored by hand): the refusal is no longer a failure nor a step."""
    from test_reply_shapes import FINAL_STATUS, room

    file_hash = 'c' * 64
    replay_server.queue_file(400, 'error_400.json')
    replay_server.queue_file(200, 'restore_reply.json').queue(200, FINAL_STATUS)
    war_room = room(replay_server)
    assert war_room.run('restore-file', {'file_hash': file_hash}).failed
    [refused] = xdr_records(war_room.context)
    assert refused['status'] == 'FAILED' and not refused.get('action_id') and refused['error']
    assert not war_room.run('restore-file', {'file_hash': file_hash}).failed

    entry, summary = summarise(war_room.context, 'xdr')

    statuses = list(FINAL_STATUS['reply']['data'].values())
    assert summary['restored'] == statuses.count(SUCCESS)
    assert summary['failed'] == sum(status in facts.XDR_FAILURE_STATUSES for status in statuses)
    assert not [step for step in summary['manual_steps'] if refused['error'] in step]
    assert refused['error'] not in entry['HumanReadable']


def test_a_restore_whose_answer_was_lost_after_cortex_xdr_acted_is_pending_not_a_restore_not_started(advanced_tenant):
    """The README (How restore-file behaves): a restore whose answer was lost after the request reached Cortex XDR
    "May have started"; restore-file's record says so, and to look in the Action Center before restoring it again.
    The emulator's "truncated" makes the change and then breaks the answer off: the file is back on its endpoints.
    The note must not count it failed nor say its restore was not started (and so ask for a second restore): it is
    open, with a step that sends the analyst to the Action Center first."""
    from warroom.emulator.faults import FaultPlan
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,truncated'))
    started, lost = sorted(seed_holders())[:2]
    room = WarRoom(params=advanced_tenant.params(max_retries='0', max_concurrency='1'), time_scale=0,
                   sleep=lambda _: None)
    assert not room.run('restore-file', {'file_hash': f'{started},{lost}'}).failed
    assert all(lost in advanced_tenant.backend.restored(e) for e in seed_holders()[lost]
               if e not in seed_failing_endpoints())  # Cortex XDR did restore it

    entry, summary = summarise(room.context, 'xdr')

    failing = [e for e in seed_holders()[started] if e in seed_failing_endpoints()]
    assert (summary['failed'], summary['pending']) == (len(failing), 1)
    [record] = [r for r in xdr_records(room.context) if r['file_hash'] == lost]
    [step] = steps_naming(summary, lost)
    said, advice = step.split(record['error'])  # what the note says of it, the restore-file's reason, what to do
    assert 'may have started' in said and 'not started' not in said
    assert 'Action Center' in advice and advice.index('Action Center') < advice.index('!restore-file')
    status = split_cells(table_line(entry['HumanReadable'], lost))[2]
    assert 'may have started' in status.lower() and 'not started' not in status.lower()


def test_a_restore_cortex_xdr_accepted_without_an_action_id_is_pending_not_a_restore_not_started(replay_server):
    """The seed: status 1 means the restore was sent; with no action_id restore-file cannot follow it ("Accepted, not
    followed", README). The note must not call it not started nor ask for a second restore before a look."""
    from test_reply_shapes import FINAL_STATUS, room

    followed, accepted = 'a' * 64, 'b' * 64
    replay_server.queue(200, {'reply': {'action_id': 3001, 'endpoints_count': '3'}})
    replay_server.queue(200, {'reply': {'status': 1, 'endpoints_count': '2'}}).queue(200, FINAL_STATUS)
    result = room(replay_server).run('restore-file', {'file_hash': f'{followed},{accepted}'})
    [record] = [r for r in xdr_records(result.context) if r['file_hash'] == accepted]

    entry, summary = summarise(result.context, 'xdr')

    statuses = list(FINAL_STATUS['reply']['data'].values())
    assert summary['failed'] == sum(status in facts.XDR_FAILURE_STATUSES for status in statuses)
    assert summary['pending'] == 1
    [step] = steps_naming(summary, accepted)
    said, advice = step.split(record['error'])  # the reason says Cortex XDR accepted it
    assert 'may have started' in said and 'not started' not in said
    assert 'Action Center' in advice and advice.index('Action Center') < advice.index('!restore-file')
    assert 'not started' not in split_cells(table_line(entry['HumanReadable'], accepted))[2].lower()



@pytest.mark.parametrize('words', ['may have started this restore even so', 'might have begun this restore anyway'])
def test_a_restore_that_may_have_started_is_pending_by_its_record_s_field_however_its_error_words_it(
        advanced_tenant, monkeypatch, words):
    """The record's may_have_started (integration.yml) says it: a restore-file that words its error otherwise (a later
    version of the integration) must not turn "look in the Action Center first" into "restore it again"."""
    from warroom.emulator.faults import FaultPlan
    monkeypatch.setattr(ri, 'XDR_MAY_HAVE_STARTED', words)
    advanced_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,truncated'))
    started, lost = sorted(seed_holders())[:2]
    room = WarRoom(params=advanced_tenant.params(max_retries='0', max_concurrency='1'), time_scale=0,
                   sleep=lambda _: None)
    room.run('restore-file', {'file_hash': f'{started},{lost}', 'polling': 'false'})
    [record] = [r for r in xdr_records(room.context) if r['file_hash'] == lost]
    assert words in record['error']

    entry, summary = summarise(room.context, 'xdr')

    [step] = steps_naming(summary, lost)
    said, advice = step.split(record['error'])
    assert 'may have started' in said and 'not started' not in said
    assert 'Action Center' in advice and advice.index('Action Center') < advice.index('!restore-file')
    assert 'not started' not in split_cells(table_line(entry['HumanReadable'], lost))[2].lower()


OLDER_UNFOLLOWED_WORDS = ('may have started this restore even so', 'so it cannot be followed')  # earlier versions'


@given(error=st.one_of(st.text(min_size=1, max_size=60).filter(str.strip), st.sampled_from(OLDER_UNFOLLOWED_WORDS)),
       may_have_started=st.booleans(), action_id=st.sampled_from([None, '']))
@settings(max_examples=200, deadline=None)
def test_a_restore_not_followed_is_pending_exactly_when_its_record_says_it_may_have_started(error, may_have_started,
                                                                                              action_id):
    record = {'file_hash': 'a' * 64, 'endpoint_id': '', 'status': 'FAILED', 'error': error,
              'may_have_started': may_have_started}
    record.update({'action_id': action_id} if action_id is not None else {})

    _, summary = summarise({'CortexXDR': {'RestoredFile': record}}, 'xdr')

    assert (summary['pending'], summary['failed']) == ((1, 0) if may_have_started else (0, 1))
    [step] = summary['manual_steps']
    assert ('Action Center' in step.split('!restore-file')[0]) if may_have_started else 'not started' in step


OLDER_ERRORS = [f'Cortex XDR answered HTTP 200, so it {OLDER_UNFOLLOWED_WORDS[0]}: look first.',
                f'Cortex XDR accepted the restore but returned no action_id, {OLDER_UNFOLLOWED_WORDS[1]}.']


@pytest.mark.parametrize('error, pending', [(OLDER_ERRORS[0], True), (OLDER_ERRORS[1], True),
                                            ('Cortex XDR could not carry out the request.', False)])
def test_a_record_an_earlier_version_wrote_without_may_have_started_is_read_by_its_error_s_words(error, pending):
    # A reopened incident's context may hold records written before the field: their error says it in these words.
    record = {'file_hash': 'a' * 64, 'endpoint_id': '', 'status': 'FAILED', 'error': error}

    _, summary = summarise({'CortexXDR': {'RestoredFile': record}}, 'xdr')

    assert (summary['pending'], summary['failed']) == ((1, 0) if pending else (0, 1))

def test_a_hash_not_found_on_a_host_and_restored_there_later_counts_once_in_one_host_row(hss_tenant):
    # hss-restore-isolated writes the later row beside the not_found one (a not_found row names no path); the
    # summary counts the file once, as the later run found it, and the host once, under its name.
    host = next(copy for copies in hss_seed_copies().values() for copy in copies)
    first, second = 'ab' * 32, 'cd' * 32
    room = WarRoom(params=hss_tenant.params(), time_scale=0, sleep=lambda _: None)
    room.run('hss-restore-isolated', {'file_hash': f'{first},{second}', 'host_id': host['host_id']})
    hss_tenant.backend.isolate_file(host['host_id'], first, '/srv/drop/payroll.bin')
    room.run('hss-restore-isolated', {'file_hash': first, 'host_id': host['host_id']})

    _, contents = summarise(room.context, 'hss')

    assert (contents['restored'], contents['not_found']) == (1, 1)
    [row] = contents['hosts']
    assert row['host'] == host['host_name'] and (row['restored'], row['not_found']) == (1, 1)


def test_a_path_not_found_on_a_host_and_restored_there_later_counts_once_beside_a_path_still_not_found(hss_tenant):
    # By host and path, HSS lists no copy of either path at first (the not_found rows name no hash); one is isolated
    # later and restored by a second run: that file counts once, as restored, and the other path stays not found.
    host = next(copy for copies in hss_seed_copies().values() for copy in copies)
    later, never = '/srv/drop/payroll.bin', '/srv/drop/ledger.bin'
    room = WarRoom(params=hss_tenant.params(), time_scale=0, sleep=lambda _: None)
    room.run('hss-restore-isolated', {'host_id': host['host_id'], 'file_path': f'{later},{never}'})
    assert [(row['outcome'], row.get('file_hash')) for row in hss_rows(room.context)] == [('not_found', None)] * 2
    hss_tenant.backend.isolate_file(host['host_id'], 'ab' * 32, later)
    room.run('hss-restore-isolated', {'host_id': host['host_id'], 'file_path': later})

    _, contents = summarise(room.context, 'hss')

    assert (contents['restored'], contents['not_found']) == (1, 1)
    [row] = contents['hosts']
    assert (row['restored'], row['not_found']) == (1, 1)


def test_an_exact_item_hss_stops_listing_after_it_was_sent_is_open_with_a_step_not_nothing_to_restore(hss_tenant):
    # The copy was isolated and HSS accepted its restore; then its host is removed from HSS, so a check finds it listed
    # in no status (HSS lists a copy it restored as restored): the row is not_found, its reason that whether it is
    # back is not known. The summary must not say nothing was restored for it, nor that nothing is left to do.
    copy = next(copy for copies in hss_seed_copies().values() for copy in copies)
    item = {key: copy[key] for key in ('host_id', 'file_hash', 'file_path')}
    room = WarRoom(params=hss_tenant.params(), time_scale=0, sleep=lambda _: None)
    started = room.run('hss-restore-isolated', dict(item, polling='false'))
    assert not started.failed and len(hss_tenant.requests_to('PUT', '/event/isolated-file')) == 1
    [follow] = started.entries[-1]['Contents']['follow_commands']
    hss_tenant.backend.remove_host(item['host_id'])
    line = parse_line(follow)
    assert not room.run(line.command, dict(line.args, polling='false')).failed
    [row] = hss_rows(room.context)
    assert {key: row[key] for key in item} == item and row['outcome'] == 'not_found'

    entry, summary = summarise(room.context, 'hss')

    note = entry['HumanReadable']
    assert (summary['not_found'], summary['pending'], summary['needs_manual_action']) == (0, 1, True)
    [step] = steps_naming(summary, item['file_path'])
    assert 'not known' in step and 'HSS console' in step and '!hss-restore-isolated' in step
    by_hand = note.split(f'#### {facts.SUMMARY_MANUAL_TITLE}')[1]
    assert not by_hand.strip().startswith('Nothing') and 'nothing to restore' not in note
    assert not says_nothing_was_restored(note)


def test_the_restoring_count_is_of_copies_hss_still_restores_not_of_every_open_copy():
    """The script's YAML: restoring counts the Huawei Cloud HSS copies still restoring (HSS issued the task, the
    host's agent has not finished it). An exact item HSS stopped listing after it was sent is pending too, but it is
    not restoring: an analyst waiting for the agents would wait for it in vain."""
    copies = [copy for copies in hss_seed_copies().values() for copy in copies]
    gone = copies[0]
    still = next(copy for copy in copies if copy['host_id'] != gone['host_id'])
    items = [{key: copy[key] for key in ('host_id', 'file_hash', 'file_path')} for copy in (gone, still)]
    hss = start_hss_tenant(stage_seconds=30)  # a restore HSS takes 30 s over: the check finds it still restoring
    try:
        room = WarRoom(params=hss.params(), time_scale=0, sleep=lambda _: None)
        started = room.run('hss-restore-isolated', dict({key: ','.join(item[key] for item in items)
                                                         for key in items[0]}, polling='false'))
        assert not started.failed
        [follow] = started.entries[-1]['Contents']['follow_commands']
        hss.backend.remove_host(gone['host_id'])
        line = parse_line(follow)
        assert not room.run(line.command, dict(line.args, polling='false')).failed
    finally:
        hss.stack.close()
    outcomes = {row['host_id']: row['outcome'] for row in hss_rows(room.context)}
    assert outcomes == {gone['host_id']: 'not_found', still['host_id']: 'restoring'}

    _, summary = summarise(room.context, 'hss')

    assert (summary['pending'], summary['restoring']) == (2, 1)
    restoring = {host['host_id']: host['restoring'] for host in summary['hosts']}
    assert restoring == {gone['host_id']: 0, still['host_id']: 1}


def test_copies_of_one_file_on_many_hss_hosts_in_an_outcome_the_script_does_not_know_share_a_step_naming_it():
    rows = [{'host_id': f'h-{n:03d}', 'file_hash': 'ab' * 32, 'file_path': '/srv/q/0.bin', 'outcome': 'isolating'}
            for n in range(facts.READABLE_DETAIL_MAX + 1)]

    entry, summary = summarise({'HuaweiHSS': {'RestoredFile': rows}}, 'hss')

    assert summary['pending'] == len(rows)
    [step] = by_hand_lines(entry['HumanReadable'])
    assert 'isolating' in step.split('Check')[0] and '!hss-restore-isolated' in step, step


def test_exact_items_hss_stopped_listing_on_many_hosts_share_one_step_that_says_their_return_is_not_known():
    # Past the README's threshold the rows of one hash and reason share a step: it must say what each one's step says.
    reason = 'HSS no longer lists this copy, isolated or restored: check the host in the HSS console.'
    rows = [{'host_id': f'host-{n:03d}', 'file_hash': 'ab' * 32, 'file_path': '/srv/q/x.bin', 'outcome': 'not_found',
             'reason': reason} for n in range(facts.READABLE_DETAIL_MAX + 10)]

    entry, summary = summarise({'HuaweiHSS': {'RestoredFile': rows}}, 'hss')

    assert summary['pending'] == len(rows) == len(summary['manual_steps'])
    [step] = by_hand_lines(entry['HumanReadable'])
    assert 'not known' in step and 'not a known outcome' not in step and '!hss-restore-isolated' in step



def test_hss_copies_whose_checks_hss_refused_get_steps_naming_the_refusal_not_the_host_s_agent_at_any_count():
    # A restore HSS took, then a check it refused (the secret key regenerated while polling: HTTP 401): its row, as
    # hss-restore-isolated leaves it in context, alone and on hosts past the README's threshold (one shared step).
    hss = start_hss_tenant(stage_seconds=30)  # a restore HSS takes 30 s over: a check follows the start
    try:
        [(file_hash, copies)] = list(hss_seed_copies().items())[:1]
        access_key, waits = hss.params()['hss_aksk']['identifier'], []

        def secret_key_regenerated_at_the_first_wait(seconds):
            if not waits:
                hss.backend.add_access_key(access_key, 's' * 40)
            waits.append(seconds)

        room = WarRoom(params=hss.params(), time_scale=0, sleep=secret_key_regenerated_at_the_first_wait)
        room.run('hss-restore-isolated', {'file_hash': file_hash, 'host_id': copies[0]['host_id']})
    finally:
        hss.stack.close()
    [row] = as_list(room.context['HuaweiHSS']['RestoredFile'])
    assert row['outcome'] == 'restoring'
    many = [dict(row, host_id=f'host-{n:03d}', host_name=f'host-{n:03d}')
            for n in range(facts.READABLE_DETAIL_MAX + 10)]

    for rows in ([row], many):
        entry, summary = summarise({'HuaweiHSS': {'RestoredFile': rows}}, 'hss')

        assert summary['pending'] == len(rows) == len(summary['manual_steps'])
        note = entry['HumanReadable']
        [step] = by_hand_lines(note)
        assert 'agent' not in note and 'refused' in step and 'credentials' in step


# ---------------------------------------------------------------- at scale (README, "Readable at any scale")


def by_hand_lines(note: str) -> list[str]:
    return [line for line in note.split(f'#### {facts.SUMMARY_MANUAL_TITLE}')[1].splitlines() if line.startswith('- ')]


def named(note: str, names) -> list[str]:
    return [name for name in names if re.search(rf'(?<![\w-]){re.escape(name)}(?![\w-])', note)]


def xdr_bulk_context(endpoints: int, every: int, reasons: int = 1) -> dict:
    """The context of restore-file on one hash quarantined on ``endpoints`` emulated endpoints, one in ``every``
    failing as the seed's first failing endpoint does (with ``reasons``, for as many reasons, in turn)."""
    first = next(iter(seed_failing_endpoints().values()))
    failures = [first] if reasons == 1 else [dict(first, error_description=f'{first["error_description"]} (cause {n})')
                                             for n in range(reasons)]
    file_hash = sorted(seed_holders())[0]
    seed = {'endpoints': [{'endpoint_id': f'{n:032x}', 'endpoint_name': f'WS-{n:05d}',
                           'quarantined': [{'file_hash': file_hash, 'file_path': f'C:\\\\q\\\\{n}.exe'}],
                           **({'restore_failure': failures[n // every % reasons]} if n % every == 0 else {})}
                          for n in range(endpoints)]}
    backend = XdrBackend.from_seed(seed, stage_seconds=0)
    backend.add_api_key('1', 'k' * 64, auth_type='advanced')
    with LoopbackServer(create_xdr_app(XdrGateway(backend, rate_limit=1000))) as server:
        params = {'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64}}
        room = WarRoom(params=params, time_scale=0, sleep=lambda _: None)
        assert not room.run('restore-file', {'file_hash': file_hash}).failed
    return room.context


@pytest.fixture(scope='module')
def xdr_3000():
    return xdr_bulk_context(3_000, 10)


def test_a_restore_on_thousands_of_endpoints_gives_a_note_grouped_by_reason_and_keeps_every_step_in_context(xdr_3000):
    [record] = xdr_records(xdr_3000)
    failing = [e for e in record['endpoints'] if e['status'] != SUCCESS]
    restored = [e for e in record['endpoints'] if e['status'] == SUCCESS]
    [reason] = {e['error_description'] for e in failing}
    assert len(record['endpoints']) == 3_000 and len(failing) == 300  # the run is what the test asked for

    entry, summary = summarise(xdr_3000, 'xdr')

    note = entry['HumanReadable']
    # The context keeps one step per failed endpoint, each naming it, as below the threshold.
    assert (summary['restored'], summary['failed']) == (len(restored), len(failing))
    assert len(summary['manual_steps']) == len(failing)
    assert all(len(steps_naming(summary, e['endpoint_id'])) == 1 for e in failing)
    # The note: the reason once in the table and once by hand, naming the first 20 endpoints and how many more.
    listed = facts.READABLE_LISTED_MAX
    [step] = by_hand_lines(note)
    assert note.count(reason) == 2 and reason in step
    assert record['file_hash'] in step.split('`')[0]  # which file, before the command that restores it
    assert named(step, [e['endpoint_id'] for e in failing]) == [e['endpoint_id'] for e in failing[:listed]]
    assert f'and {len(failing) - listed:,} more' in step
    assert f'`!restore-file file_hash={record["file_hash"]} endpoint_id=<endpoint_id>' in step
    assert named(note, [e['endpoint_id'] for e in record['endpoints']]) == [e['endpoint_id'] for e in failing[:listed]]
    rows = markdown_rows(note.split('#### Cortex XDR')[1].split(f'#### {facts.SUMMARY_MANUAL_TITLE}')[0])
    assert sorted((row['status'], row['count']) for row in rows) == sorted(
        [(SUCCESS, f'{len(restored):,}'), (failing[0]['status'], f'{len(failing):,}')])
    assert len(note.encode()) < 4_096


@pytest.mark.parametrize('endpoints', [facts.READABLE_DETAIL_MAX, facts.READABLE_DETAIL_MAX + 1])
def test_the_note_lists_each_endpoint_up_to_the_readme_s_threshold_and_groups_past_it(endpoints):
    context = xdr_bulk_context(endpoints, 2)
    failing = [e for _, e in all_endpoints(context) if e['status'] != SUCCESS]

    entry, summary = summarise(context, 'xdr')

    lines = by_hand_lines(entry['HumanReadable'])
    assert len(summary['manual_steps']) == len(failing)
    everyone = [e['endpoint_id'] for _, e in all_endpoints(context)]
    table = entry['HumanReadable'].split(f'#### {facts.SUMMARY_MANUAL_TITLE}')[0]
    if endpoints <= facts.READABLE_DETAIL_MAX:
        assert lines == [f'- {step}' for step in summary['manual_steps']]
        assert named(table, everyone) == everyone  # a row for each, restored or not
    else:  # README: each failure reason once, with the first 20 endpoints it applies to, then "and N more"
        [line] = lines
        [reason] = {e['error_description'] for e in failing}
        listed = facts.READABLE_LISTED_MAX
        assert reason in line and f'and {len(failing) - listed:,} more' in line
        assert named(line, [e['endpoint_id'] for e in failing]) == [e['endpoint_id'] for e in failing[:listed]]
        assert named(table, everyone) == [e['endpoint_id'] for e in failing[:listed]]


def test_past_the_threshold_each_of_as_many_reasons_as_the_readme_s_threshold_keeps_a_row_and_a_step_of_its_own():
    """README: past 50 endpoints, one row and one step per file, status and reason; only past 50 such rows are they
    counted by less. Two endpoints failing for each of 50 reasons: 50 rows and 50 steps, one per reason."""
    reasons = facts.READABLE_DETAIL_MAX
    context = xdr_bulk_context(2 * reasons, 1, reasons)
    failing = [e for _, e in all_endpoints(context) if e['status'] != SUCCESS]
    causes = sorted({e['error_description'] for e in failing})
    assert len(failing) == 2 * reasons and len(causes) == reasons

    entry, _ = summarise(context, 'xdr')

    note = entry['HumanReadable']
    rows = markdown_rows(note.split('#### Cortex XDR')[1].split(f'#### {facts.SUMMARY_MANUAL_TITLE}')[0])
    assert sorted((row['reason'], row['count']) for row in rows) == [(cause, '2') for cause in causes]
    lines = by_hand_lines(note)
    assert sorted(cause for line in lines for cause in causes if f'{cause}.' in line) == causes
    assert len(lines) == reasons
    for cause in causes:  # each step names the two endpoints of its reason
        [line] = [line for line in lines if f'{cause}.' in line]
        assert sorted(named(line, [e['endpoint_id'] for e in failing])) == sorted(
            e['endpoint_id'] for e in failing if e['error_description'] == cause)


def test_past_the_threshold_an_endpoint_alone_in_failing_keeps_its_own_step_in_the_note():
    context = xdr_bulk_context(facts.READABLE_DETAIL_MAX + 1, facts.READABLE_DETAIL_MAX + 1)
    assert sum(e['status'] != SUCCESS for _, e in all_endpoints(context)) == 1

    entry, summary = summarise(context, 'xdr')

    [step] = summary['manual_steps']
    assert by_hand_lines(entry['HumanReadable']) == [f'- {step}']


@pytest.mark.parametrize('failing_count', [facts.READABLE_LISTED_MAX, facts.READABLE_LISTED_MAX + 1])
def test_past_the_threshold_a_reason_names_its_endpoints_and_says_how_many_more_only_when_there_are_more(
        failing_count):
    """README: past 50 endpoints the note names 20 of the endpoints a reason applies to, "then 'and N more'": a
    reason on exactly 20 endpoints names each of them, and no "and 0 more"."""
    context = xdr_bulk_context(3 * failing_count, 3)
    failing = [e for _, e in all_endpoints(context) if e['status'] != SUCCESS]
    assert len(failing) == failing_count and len(all_endpoints(context)) > facts.READABLE_DETAIL_MAX

    entry, _ = summarise(context, 'xdr')

    note, listed = entry['HumanReadable'], facts.READABLE_LISTED_MAX
    [line] = by_hand_lines(note)
    assert named(line, [e['endpoint_id'] for e in failing]) == [e['endpoint_id'] for e in failing[:listed]]
    more = failing_count - listed
    assert set(re.findall(r'\band ([\d,]+) more\b', note)) == ({f'{more:,}'} if more > 0 else set())


def test_an_hss_restore_on_hundreds_of_hosts_gives_a_note_grouped_by_reason_and_keeps_every_host_in_context():
    template = next(copy for copies in hss_seed_copies().values() for copy in copies)
    tenant = start_hss_tenant()
    try:
        hosts = [(f'bulk-{n:04d}', f'{n:08x}-0000-4000-8000-{n:012x}') for n in range(300)]
        for n, (name, host_id) in enumerate(hosts):
            tenant.backend.add_host(host_id, name, restore_fails=n % 10 == 0)
            tenant.backend.add_isolated_files(host_id, 1, file_hash=template['file_hash'])
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        assert not room.run('hss-restore-isolated', {'file_hash': template['file_hash'],
                                                     'host_id': ','.join(h for _, h in hosts)}).failed
    finally:
        tenant.stack.close()
    rows = hss_rows(room.context)
    failed = [row for row in rows if row['outcome'] == 'failed']
    [reason] = {row['reason'] for row in failed}
    assert len(rows) == len(hosts) and len(failed) == len(hosts) // 10

    entry, summary = summarise(room.context, 'hss')

    note = entry['HumanReadable']
    assert len(summary['hosts']) == len(hosts) and len(summary['manual_steps']) == len(failed)
    # every host in context, by its ID and name, with its copy counted where it ended (the script's yml: "Per Huawei
    # Cloud HSS host (one per host_id, with host, its name), the copies restored, restoring, failed and not_found")
    outcomes = ('restored', 'restoring', 'failed', 'not_found')
    ended = {row['host_id']: row['outcome'] for row in rows}
    assert {host['host_id']: (host['host'], {outcome: host[outcome] for outcome in outcomes})
            for host in summary['hosts']} == {
        host_id: (name, {outcome: int(ended[host_id] == outcome) for outcome in outcomes}) for name, host_id in hosts}
    listed = facts.READABLE_LISTED_MAX
    [step] = by_hand_lines(note)
    assert note.count(reason) == 2 and reason in step and f'and {len(failed) - listed:,} more' in step
    # README: the step counts its hosts, and its copies only where a host holds the file at two paths (none here)
    assert f'on {len(failed)} hosts (' in step and 'copies' not in step.split('(')[0]
    assert named(note, [name for name, _ in hosts]) == [row['host_name'] for row in failed[:listed]]
    assert len(note.encode()) < 4_096


# a step per copy; a step per group; a step per group when other files' steps leave the copies of both projects one
# group by file, outcome and reason (the copies' own groups too many for the README's threshold)
@pytest.mark.parametrize('hosts_each, other_files', [(1, 0), (facts.READABLE_DETAIL_MAX + 1, 0),
                                                     (2, facts.READABLE_DETAIL_MAX - 1)])
def test_the_by_hand_command_for_hss_copies_that_failed_restores_them_in_their_project_after_the_instance_changes(
        hss_tenant, hosts_each, other_files):
    """HSS copies of one file failed in two enterprise projects: the default one (0) and another, each restored with
    the instance set to it. Each by-hand line of the note, run once the instance is set to the other project, must
    still list the project its copies were restored in (rows naming none: the default, 0, as the seed's page says),
    or it finds no isolated copy there and sends nothing; past the README's threshold the copies of each project
    share a line of their own, also when other files failing beside them leave the note one line per file."""
    seed_hosts = {host['host_name']: host for host in load_json(TEST_DATA / 'hss' / 'tenant.json')['hosts']}
    # win-fin-01 is in the default project, web-03 in another: their settings as the instance names them (0 as '')
    projects = {seed_hosts[name]['enterprise_project_id'] for name in ('win-fin-01', 'web-03')}
    setting = {project: '' if project == '0' else project for project in projects}
    file_hash = 'ee' * 32
    failing = {project: [(f'fails-{tag}-{n:03d}', f'{tag * 8}-0000-4000-8000-{n:012x}') for n in range(hosts_each)]
               for tag, project in zip('ab', sorted(projects))}
    others = [(f'other-{n:03d}', f'{n:08x}-0000-4000-8000-{n:012x}', f'{n:064x}') for n in range(other_files)]
    rows = []
    for project, hosts in failing.items():
        for name, host_id in hosts:
            hss_tenant.backend.add_host(host_id, name, enterprise_project_id=project, restore_fails=True)
            hss_tenant.backend.isolate_file(host_id, file_hash, f'/srv/quarantined/{name}.bin')
        room = WarRoom(params=hss_tenant.params(hss_enterprise_project_id=setting[project]), time_scale=0,
                       sleep=lambda _: None)
        assert not room.run('hss-restore-isolated', {'file_hash': file_hash}).failed
        rows += hss_rows(room.context)
    if others:  # other files, each failing on a host of its own, in the first project
        first = sorted(projects)[0]
        for name, host_id, other_hash in others:
            hss_tenant.backend.add_host(host_id, name, enterprise_project_id=first, restore_fails=True)
            hss_tenant.backend.isolate_file(host_id, other_hash, f'/srv/quarantined/{name}.bin')
        room = WarRoom(params=hss_tenant.params(hss_enterprise_project_id=setting[first]), time_scale=0,
                       sleep=lambda _: None)
        assert not room.run('hss-restore-isolated', {'file_hash': ','.join(h for _, _, h in others)}).failed
        rows += hss_rows(room.context)
    assert [row['outcome'] for row in rows] == ['failed'] * (2 * hosts_each + other_files)

    entry, _ = summarise({'HuaweiHSS': {'RestoredFile': rows}}, 'hss')

    everywhere = [name for hosts in failing.values() for name, _ in hosts]
    lines = [line for line in by_hand_lines(entry['HumanReadable']) if named(line, everywhere)]
    assert len(lines) == len(failing), lines  # a line per project: its copy's own, or its copies' group's
    for project, hosts in failing.items():
        [other] = projects - {project}
        [line] = [line for line in lines if named(line, [name for name, _ in hosts])]
        by_hand = parse_line(command_in(line, '!hss-restore-isolated'))
        name, host_id = hosts[0]
        placeholders = {'<host_id>': host_id, '<file_hash>': file_hash}
        args = {key: placeholders.get(value, value) for key, value in by_hand.args.items()}
        sent_before = len(hss_tenant.requests_to('PUT', '/event/isolated-file'))
        later = WarRoom(params=hss_tenant.params(hss_enterprise_project_id=setting[other]), time_scale=0,
                        sleep=lambda _: None)

        result = later.run(by_hand.command, {**args, 'polling': 'false'})

        assert not result.failed, result.entries[-1]['Contents']
        sent = [item for request in hss_tenant.requests_to('PUT', '/event/isolated-file')[sent_before:]
                for item in request.body['data_list']]
        assert [(item['host_id'], item['file_path']) for item in sent] == [(host_id, f'/srv/quarantined/{name}.bin')]
        assert by_hand.args.get('enterprise_project_id') == project, line


def follow_span(step: str) -> str:
    """The hss-restore-isolated command a step gives that follows copies (a check: its restore_state), as read."""
    [follow] = [span for span in as_commonmark_reads(step)[0]
                if span.startswith('!hss-restore-isolated ') and 'restore_state' in parse_line(span).args]
    return follow


def test_copies_still_restoring_on_many_hss_hosts_get_the_follow_command_for_one_host_to_fill_in(hss_tenant):
    """One file restored without polling on 60 hosts, each copy still restoring: past the README's threshold the
    copies share one step, which gave no command that follows them, where a copy's own step gives one. It now gives
    that command for one host, to fill in: filled in with one of the hosts HSS holds the copy on, it is the command
    that host's copy gets in a summary of its row alone, and it reads that copy."""
    file_hash, file_path = 'ab' * 32, '/srv/quarantined/agent.bin'
    hosts = [f'{n:08x}-0000-4000-8000-{n:012x}' for n in range(facts.READABLE_DETAIL_MAX + 10)]
    for number, host_id in enumerate(hosts):
        hss_tenant.backend.add_host(host_id, f'restoring-{number:03d}')
        hss_tenant.backend.isolate_file(host_id, file_hash, file_path)
    room = WarRoom(params=hss_tenant.params(), time_scale=0, sleep=lambda _: None)
    assert not room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'}).failed
    rows = hss_rows(room.context)
    assert sorted((row['host_id'], row['outcome']) for row in rows) == [(host, 'restoring') for host in hosts]
    host = hosts[7]

    grouped, _ = summarise({'HuaweiHSS': {'RestoredFile': rows}}, 'hss')
    alone, _ = summarise({'HuaweiHSS': {'RestoredFile': [row for row in rows if row['host_id'] == host]}}, 'hss')

    [step] = [line for line in by_hand_lines(grouped['HumanReadable']) if 'still restoring' in line]
    assert f'{len(hosts)} hosts' in step, step
    [own] = [line for line in by_hand_lines(alone['HumanReadable']) if 'still restoring' in line]
    filled = follow_span(step).replace('<host_id>', host)
    assert filled == follow_span(own), (step, own)
    command = parse_line(filled)
    read = WarRoom(params=hss_tenant.params(), time_scale=0, sleep=lambda _: None).run(command.command, command.args)
    assert not read.failed, read.entries[-1]
    assert [(row['host_id'], row['file_hash'], row['file_path']) for row in hss_rows(read.context)] == [
        (host, file_hash, file_path)]


def restored_without_polling(hss_tenant: HssTenant, file_hash: str, paths_on: dict[str, list[str]]) -> list[dict]:
    """The rows of hss-restore-isolated of ``file_hash`` without polling, on the hosts ``paths_on`` adds to the tenant
    (restoring-000, restoring-001, ... in its order), each isolating the file at every path it gives that host."""
    for number, (host_id, paths) in enumerate(paths_on.items()):
        hss_tenant.backend.add_host(host_id, f'restoring-{number:03d}')
        for path in paths:
            hss_tenant.backend.isolate_file(host_id, file_hash, path)
    room = WarRoom(params=hss_tenant.params(), time_scale=0, sleep=lambda _: None)
    assert not room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'}).failed
    return hss_rows(room.context)


def copies_read_by(hss_tenant: HssTenant, spans: list[str]) -> list[tuple[str, str, str]]:
    """The copies (host, hash, path) the hss-restore-isolated commands ``spans`` read, each in a war room of its own,
    sorted."""
    copies = []
    for span in spans:
        command = parse_line(span)
        run = WarRoom(params=hss_tenant.params(), time_scale=0, sleep=lambda _: None).run(command.command, command.args)
        assert not run.failed, run.entries[-1]
        copies += [(row['host_id'], row['file_hash'], row['file_path']) for row in hss_rows(run.context)]
    return sorted(copies)


@pytest.mark.parametrize('second_path_on', ['every host', 'one host'])
def test_copies_still_restoring_at_two_paths_of_an_hss_host_get_a_follow_command_for_one_host_reading_both(
        hss_tenant, second_path_on):
    """One host holds the file at two paths (as every host, or as the only one), each copy still restoring, past the
    README's threshold: the step's follow command for one host gave one item, its path `<file_path>`, so filled in
    with the host it read neither copy. Filled in now, one of the commands it gives reads both of that host's copies,
    what the commands of a summary of that host's rows alone read."""
    file_hash, paths = 'ab' * 32, ['/srv/quarantined/agent.bin', '/opt/agent/agent.bin']
    hosts = [f'{n:08x}-0000-4000-8000-{n:012x}' for n in range(facts.READABLE_DETAIL_MAX + 5)]
    host = hosts[7]
    rows = restored_without_polling(hss_tenant, file_hash, {
        host_id: paths if second_path_on == 'every host' or host_id == host else paths[:1] for host_id in hosts})
    assert {row['outcome'] for row in rows} == {'restoring'} and len(rows) > facts.READABLE_DETAIL_MAX

    grouped, _ = summarise({'HuaweiHSS': {'RestoredFile': rows}}, 'hss')
    alone, _ = summarise({'HuaweiHSS': {'RestoredFile': [row for row in rows if row['host_id'] == host]}}, 'hss')

    def follows(note):
        return [span for line in by_hand_lines(note) if 'still restoring' in line
                for span in as_commonmark_reads(line)[0]
                if span.startswith('!hss-restore-isolated ') and 'restore_state' in parse_line(span).args]
    own = copies_read_by(hss_tenant, follows(alone['HumanReadable']))
    assert own == sorted((host, file_hash, path) for path in paths)
    filled = [span.replace('<host_id>', host) for span in follows(grouped['HumanReadable'])]
    assert own in [copies_read_by(hss_tenant, [span]) for span in filled if '<' not in span], filled


def test_the_follow_command_for_hss_hosts_listing_the_same_two_paths_in_another_order_names_both_paths(hss_tenant):
    """Past the README's threshold every host holds the file at the same two paths, every other one listed by HSS in
    the other order, each copy still restoring: the step's follow command for one host had `<file_path>` in both
    items (the paths differ place by place), though every host holds those two. It names both paths now, and filled
    in with a host listing them in either order it reads what that host's own command reads (a summary of its rows
    alone), both of its copies."""
    file_hash, paths = 'ab' * 32, ['/srv/quarantined/agent.bin', '/opt/agent/agent.bin']
    hosts = [f'{n:08x}-0000-4000-8000-{n:012x}' for n in range(facts.READABLE_DETAIL_MAX)]
    rows = restored_without_polling(hss_tenant, file_hash, {
        host: paths[::-1] if number % 2 else paths for number, host in enumerate(hosts)})
    assert {row['outcome'] for row in rows} == {'restoring'} and len(rows) > facts.READABLE_DETAIL_MAX

    def follows(hosts):
        entry, _ = summarise({'HuaweiHSS': {'RestoredFile': [row for row in rows if row['host_id'] in hosts]}}, 'hss')
        return [span for line in by_hand_lines(entry['HumanReadable']) if 'still restoring' in line
                for span in as_commonmark_reads(line)[0]
                if span.startswith('!hss-restore-isolated ') and 'restore_state' in parse_line(span).args]
    [to_fill_in] = follows(hosts)
    assert sorted(json.loads(parse_line(to_fill_in).args['file_path'])) == sorted(paths), to_fill_in
    owns = {host: follows([host]) for host in hosts[6:8]}
    assert [[row['file_path'] for row in rows if row['host_id'] == host] for host in owns] == [paths, paths[::-1]]
    for host, own in owns.items():
        assert copies_read_by(hss_tenant, [to_fill_in.replace('<host_id>', host)]) == copies_read_by(
            hss_tenant, own) == sorted((host, file_hash, path) for path in paths), (to_fill_in, own)


@pytest.mark.parametrize('at_two_paths', [3, 25, 0])
def test_follow_commands_for_hss_hosts_holding_different_numbers_of_copies_each_say_which_hosts_they_are_for(
        hss_tenant, at_two_paths):
    """Past the README's threshold, ``at_two_paths`` hosts hold the file at two paths and the others at one, each copy
    still restoring: the step gave a follow command to fill in for the hosts holding each number of copies, side by
    side, with nothing saying which is whose. Each says which hosts it is for, naming them (README's 20 at most) or
    counting them, and filled in with any of them it reads what that host's own commands read (those of a summary of
    its rows alone). One command for all (no host at two paths) reads as before."""
    file_hash, paths = 'ef' * 32, ['/srv/quarantined/agent.bin', '/opt/agent/agent.bin']
    hosts = [f'{n:08x}-0000-4000-8000-{n:012x}' for n in range(facts.READABLE_DETAIL_MAX + 5)]
    names = {host: f'restoring-{number:03d}' for number, host in enumerate(hosts)}
    copies = {host: 2 if number % 2 and number < 2 * at_two_paths else 1 for number, host in enumerate(hosts)}
    rows = restored_without_polling(hss_tenant, file_hash, {host: paths[:copies[host]] for host in hosts})
    assert {row['outcome'] for row in rows} == {'restoring'} and len(rows) > facts.READABLE_DETAIL_MAX

    def follows(hosts):
        entry, _ = summarise({'HuaweiHSS': {'RestoredFile': [row for row in rows if row['host_id'] in hosts]}}, 'hss')
        return [(line, checks_to_fill_in_and_whom(line)) for line in by_hand_lines(entry['HumanReadable'])
                if 'still restoring' in line]
    [(step, to_fill_in)] = follows(hosts)
    if not at_two_paths:
        [(command, whom, _, _)] = to_fill_in
        assert whom is None and f'{command} with its values filled in' in as_commonmark_reads(step)[1], step
        return
    for command, held, host in first_and_last_host_each_is_for(step, to_fill_in, hosts, copies, names):
        own = copies_read_by(hss_tenant, [span for _, spans in follows([host]) for span, _, _, _ in spans])
        assert copies_read_by(hss_tenant, [command.replace('<host_id>', host)]) == own == sorted(
            (host, file_hash, path) for path in paths[:held]), (command, host)
    assert {named is None for _, _, _, named in to_fill_in} == ({True} if at_two_paths > 20 else {False, True})


def test_a_step_for_copies_at_two_paths_of_each_of_many_hss_hosts_counts_the_hosts_and_the_copies(hss_tenant):
    """30 hosts, each holding the file at two paths, each copy still restoring: the step for the 60 copies said
    "on 60 hosts" while naming 20 and "10 more". It counts the hosts, and says how many copies they hold."""
    file_hash, paths = 'cd' * 32, ['/srv/quarantined/agent.bin', '/opt/agent/agent.bin']
    hosts = [f'{n:08x}-0000-4000-8000-{n:012x}' for n in range(30)]
    rows = restored_without_polling(hss_tenant, file_hash, {host_id: paths for host_id in hosts})
    assert len(rows) == 60 > facts.READABLE_DETAIL_MAX

    entry, _ = summarise({'HuaweiHSS': {'RestoredFile': rows}}, 'hss')

    [step] = [line for line in by_hand_lines(entry['HumanReadable']) if 'still restoring' in line]
    assert '60 copies on 30 hosts' in step and '60 hosts' not in step, step
    assert 'and 10 more' in step, step


@pytest.mark.parametrize('hosts', [facts.READABLE_DETAIL_MAX, facts.READABLE_DETAIL_MAX + 1])
def test_the_hss_section_has_a_row_per_host_up_to_the_readme_s_threshold_and_points_to_the_context_past_it(hosts):
    rows = [{'host_id': f'h-{n:03d}', 'file_hash': 'ab' * 32, 'file_path': '/srv/q/0.bin', 'outcome': 'restored'}
            for n in range(hosts)]

    entry, summary = summarise({'HuaweiHSS': {'RestoredFile': rows}}, 'hss')

    note = entry['HumanReadable']
    assert len(summary['hosts']) == hosts
    host_rows = [line for line in note.splitlines() if re.match(r'\|h-\d{3}\|\d', line)]  # then its counts
    if hosts <= facts.READABLE_DETAIL_MAX:
        assert len(host_rows) == hosts
    else:  # the counts of each host are in the context, where the note says they are
        assert host_rows == [] and f'{facts.SUMMARY_CONTEXT_PATH}.hosts' in note and f'{hosts} hosts' in note


def test_two_hss_hosts_sharing_a_name_keep_a_row_each_with_their_host_id():
    rows = [{'host_id': host_id, 'host_name': 'web', 'file_hash': 'a' * 64, 'file_path': '/x', 'outcome': outcome,
             'reason': reason} for host_id, outcome, reason in (('host-A', 'restored', ''), ('host-B', 'failed', 'r'))]
    entry, summary = summarise({'HuaweiHSS': {'RestoredFile': rows}}, vendor='hss')

    by_id = {host['host_id']: host for host in summary['hosts']}
    assert set(by_id) == {'host-A', 'host-B'}
    assert (by_id['host-A']['restored'], by_id['host-A']['failed']) == (1, 0)
    assert (by_id['host-B']['restored'], by_id['host-B']['failed']) == (0, 1)
    assert table_line(entry['HumanReadable'], 'host-A') != table_line(entry['HumanReadable'], 'host-B')


# ---------------------------------------------------------------- markdown: a backtick in a vendor's text or a path


def the_one_step_naming(summary: dict, note: str, name: str) -> str:
    """The step that names ``name``, which the note lists as it stands in context (under the README's threshold)."""
    [step] = steps_naming(summary, name)
    assert f'- {step}' in by_hand_lines(note)
    return step


def test_a_cortex_xdr_reason_holding_a_backtick_leaves_the_step_s_command_whole_and_is_shown_as_it_is():
    """A Windows file name may hold a backtick, and Cortex XDR's reason names the file's path: a lone backtick in the
    reason would open a code span that the step's own command span then closes, so the note would show neither the
    reason nor the command as they are (test_data/xdr/tenant_backtick_path.json)."""
    seed = TEST_DATA / 'xdr' / 'tenant_backtick_path.json'
    [(file_hash, holders)] = seed_holders(seed).items()
    [(endpoint, failure)] = seed_failing_endpoints(seed).items()
    assert failure['error_description'].count('`') == 1 and endpoint in holders
    entry, summary = summarise(context_after_restoring(file_hash, seed))

    spans, shown = as_commonmark_reads(the_one_step_naming(summary, entry['HumanReadable'], endpoint))
    [command] = [span for span in spans if span.startswith('!')]
    line = parse_line(command)
    assert (line.command, line.args) == ('restore-file', {'file_hash': file_hash, 'endpoint_id': endpoint})
    assert failure['error_description'] in shown


def hss_restore_in(seed: Path, file_hash: str) -> WarRoom:
    """The war room after hss-restore-isolated of ``file_hash`` in an emulated HSS project seeded from ``seed``."""
    tenant = start_hss_tenant(seed=seed)
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        room.run('hss-restore-isolated', {'file_hash': file_hash})
    finally:
        tenant.stack.close()
    return room


def test_an_hss_path_holding_a_backtick_leaves_the_step_s_command_whole_and_is_shown_as_it_is():
    """A Linux path may hold a backtick; the step names the copy by its path, then gives the command that restores it
    (test_data/hss/tenant_backtick_path.json: a host whose agent lists the file isolated again, so it fails)."""
    seed = TEST_DATA / 'hss' / 'tenant_backtick_path.json'
    [(file_hash, [copy])] = hss_seed_copies(seed).items()
    assert copy['file_path'].count('`') == 1 and not copy['healthy']
    room = hss_restore_in(seed, file_hash)
    assert [row['outcome'] for row in hss_rows(room.context)] == ['failed']

    entry, summary = summarise(room.context)

    spans, shown = as_commonmark_reads(the_one_step_naming(summary, entry['HumanReadable'], copy['host_id']))
    [command] = [span for span in spans if span.startswith('!')]
    line = parse_line(command)
    assert line.command == 'hss-restore-isolated'
    assert {name: ri.hss_field_list(line.args.get(name), name) for name in ('host_id', 'file_hash', 'file_path')} == \
        {'host_id': [copy['host_id']], 'file_hash': [file_hash], 'file_path': [copy['file_path']]}
    assert copy['file_path'] in shown


# ---------------------------------------------------------------- at scale: many files, not one file on many places

MANY_FILES = 120


def test_a_restore_of_over_a_hundred_files_on_two_endpoints_gives_a_note_grouped_by_reason_not_a_row_per_file():
    """README: the note "reads at any scale, as the restore entries do", whose rows go by status and reason. A bulk
    restore is as often many files (a signature that quarantined a folder's worth) as one file on many endpoints: one
    row and one step per file would make a note of hundreds of rows that says one thing twice."""
    failing = next(iter(seed_failing_endpoints()))
    healthy = next(e for e in seed_holders()['dfdfc46d09862ad17c89d6436cba4693539bfab66d464e813e89ee628672fb7b']
                   if e not in seed_failing_endpoints())
    tenant = start_tenant()
    try:
        hashes = tenant.backend.quarantine_files(MANY_FILES, [healthy, failing])
        room = WarRoom(params=tenant.params(xdr_rate_limit='1000'), time_scale=0, sleep=lambda _: None)
        assert not room.run('restore-file', {'file_hash': ','.join(hashes)}).failed
    finally:
        tenant.server.stop()
    endpoints = [endpoint for _, endpoint in all_endpoints(room.context)]
    [reason] = {e['error_description'] for e in endpoints if e['status'] != SUCCESS}
    assert len(endpoints) == 2 * MANY_FILES  # the run is what the test asked for

    entry, summary = summarise(room.context, 'xdr')

    note = entry['HumanReadable']
    assert (summary['restored'], summary['failed']) == (MANY_FILES, MANY_FILES)
    assert len(summary['manual_steps']) == MANY_FILES  # the context keeps one step per failed file
    [step] = by_hand_lines(note)
    assert reason in step and f'and {MANY_FILES - facts.READABLE_LISTED_MAX:,} more' in step
    assert len(note.encode()) < 4_096


def test_an_hss_restore_of_over_a_hundred_files_gives_a_note_grouped_by_reason_not_a_row_per_file():
    tenant = start_hss_tenant()
    try:
        hosts = {'bulk-ok': 'a1b2c3d4-0000-4000-8000-000000000001', 'bulk-bad': 'a1b2c3d4-0000-4000-8000-000000000002'}
        copies = []
        for name, host_id in hosts.items():
            tenant.backend.add_host(host_id, name, restore_fails=name == 'bulk-bad')
            copies += tenant.backend.add_isolated_files(host_id, MANY_FILES // 2)
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        assert not room.run('hss-restore-isolated', {'file_hash': ','.join(c['file_hash'] for c in copies),
                                                     'host_id': ','.join(hosts.values())}).failed
    finally:
        tenant.stack.close()
    rows = hss_rows(room.context)
    [reason] = {row['reason'] for row in rows if row['outcome'] == 'failed'}
    assert len(rows) == MANY_FILES and len({row['file_hash'] for row in rows}) == MANY_FILES

    entry, summary = summarise(room.context, 'hss')

    note = entry['HumanReadable']
    assert (summary['restored'], summary['failed']) == (MANY_FILES // 2, MANY_FILES // 2)
    assert len(summary['manual_steps']) == MANY_FILES // 2
    [step] = by_hand_lines(note)
    assert reason in step and f'and {MANY_FILES // 2 - facts.READABLE_LISTED_MAX:,} more' in step
    assert len(note.encode()) < 4_096


def test_hss_paths_found_on_no_host_past_the_threshold_share_a_row_naming_20_by_host_and_path_and_counting_the_rest():
    """Past the threshold, files asked for by host and path, which HSS listed nowhere (no hash known), are counted in
    one row, the first 20 named by host and path (a host alone would not say which file), the rest counted: "and 40
    more"."""
    host_id, paths = 'a1b2c3d4-0000-4000-8000-000000000001', [f'/opt/app/f{number}.bin' for number in range(60)]
    tenant = start_hss_tenant()
    try:
        tenant.backend.add_host(host_id, 'bulk-ok')
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        assert not room.run('hss-restore-isolated', {'host_id': host_id, 'file_path': ','.join(paths)}).failed
    finally:
        tenant.stack.close()
    assert {(row['outcome'], row.get('file_hash')) for row in hss_rows(room.context)} == {('not_found', None)}

    entry, summary = summarise(room.context, 'hss')

    assert summary['not_found'] == len(paths)
    [row] = [line for line in entry['HumanReadable'].splitlines() if line.startswith('|') and paths[0] in line]
    hosts = split_cells(row)[-1]
    shown = hosts.split(' and ')[0].split(', ')
    assert shown == [f'{host_id}: {path}' for path in paths[:facts.READABLE_LISTED_MAX]]
    assert hosts.endswith(f' and {len(paths) - facts.READABLE_LISTED_MAX} more')


def test_a_python_package_path_in_an_hss_row_is_shown_as_it_is_in_the_table_and_the_step():
    """A path such as .../site-packages/__init__.py: markdown reads its __ runs as strong emphasis, so the note would
    show .../site-packages/init.py in bold, a path that is not the one isolated
    (test_data/hss/tenant_python_package.json)."""
    seed = TEST_DATA / 'hss' / 'tenant_python_package.json'
    [(file_hash, [copy])] = hss_seed_copies(seed).items()
    assert emphasis_pairs(copy['file_path'])  # the path alone, as markdown, would lose its underscores
    room = hss_restore_in(seed, file_hash)

    entry, summary = summarise(room.context)

    note = entry['HumanReadable']
    step = the_one_step_naming(summary, note, copy['host_id'])
    [row] = [line for line in note.splitlines() if line.startswith('|') and file_hash in line]
    for line in (step, row):
        assert emphasis_pairs(line) == [], line
        assert copy['file_path'] in as_commonmark_reads(line)[1], line


# The integration refuses a line break, and None or null (a transformer's text for a value it did not find)
MARKDOWN_PATH = MARKDOWN_TEXT.filter(
    lambda text: not re.search('[\r\n]', text) and text.strip().lower() not in ('none', 'null'))


@given(MARKDOWN_TEXT, MARKDOWN_PATH, MARKDOWN_TEXT)
@example('ops [runbook](https://evil.example/x)', '/srv/a_b_c/__init__.py', 'HSS.0011 <img src=x> &amp; ~~done~~')
@example('web-01\n# not a heading', 'C:\\Users\\a_b_c\\', 'refused | see\n- not a bullet')
@settings(max_examples=200, deadline=None)
def test_an_hss_host_name_path_or_reason_shows_as_it_is_in_the_step_and_the_table_whatever_markdown_it_holds(
        host_name, file_path, reason):
    """A host name, a path or HSS's reason may hold what markdown reads as a link, HTML, a character reference,
    strikethrough, a table's pipe or a line break that starts a heading or a bullet: the note shows each as it is, the
    step stays one line, and its command stays the one code span that restores the copy."""
    row = {'host_id': 'host-1', 'host_name': host_name, 'file_hash': 'e' * 64, 'file_path': file_path,
           'outcome': 'failed', 'reason': reason}

    entry, summary = summarise({'HuaweiHSS': {'RestoredFile': row}}, 'hss')

    note = entry['HumanReadable']
    step = the_one_step_naming(summary, note, 'host-1')
    spans, shown = as_commonmark_reads(step)
    assert markup_in(step) == [] and emphasis_pairs(step) == [], step
    assert as_soft_breaks(host_name.strip()) in shown and as_soft_breaks(file_path) in shown, step
    assert ' '.join(reason.split()) in ' '.join(shown.split()), step
    [command] = [span for span in spans if span.startswith('!hss-restore-isolated')]
    assert ri.hss_field_list(parse_line(command).args['file_path'], 'file_path') == [file_path]
    [row_line] = [line for line in note.splitlines() if line.startswith('|') and 'e' * 64 in line]
    header = table_header(note, row_line)
    assert len(split_cells(row_line)) == len(split_cells(header)), row_line
    assert [found for found in markup_in(row_line) if found != 'html: <br'] == [], row_line
    assert emphasis_pairs(row_line) == [], row_line


# What the note says of a context value it cannot read names the value's kind as JSON does, as the analyst's context
# shows it (an object, a list, text, a number, a boolean, null), not as Python does (dict, list, str, int, bool).
@pytest.mark.parametrize('context, kind', [
    ({'CortexXDR': {'RestoredFile': 7}}, 'a number'),
    ({'CortexXDR': {'RestoredFile': [{'action_id': 1}, 'x', True]}}, 'a boolean, text'),
    ({'CortexXDR': [[1], [2]]}, 'a list'),
    ({'CortexXDR': 'restored'}, 'text'),
])
def test_a_context_value_the_note_cannot_read_is_named_by_its_json_kind_not_its_python_type(context, kind):
    note = qrs.summary_command({'vendor': 'xdr'}, context)['HumanReadable']

    assert kind in note, note
    assert not re.search(r'\b(dict|str|int|float|bool|NoneType)\b', note), note


def test_an_endpoint_whose_status_the_last_check_could_not_read_says_so_and_why_not_that_it_has_not_finished(
        monkeypatch):
    """The last check of a restore meets a fault that passes by itself (HTTP 503 at every attempt) reading an action
    an earlier check read running: XSOAR keeps that check's endpoint rows (the last one writes none, README), which
    carry no reason. The note must not read them as Cortex XDR still working there: each says its status was not
    read at the end, and why (the 503), as the record's error does."""
    from test_restore_file_command import CLEAN_HASH, clocked_room
    from warroom.emulator.faults import FaultPlan
    tenant, room, _ = clocked_room(monkeypatch, 100)  # the action outlives the polling: checks at 10 s and 20 s
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,ok,503*10;retry-after=0'))  # the 20 s check's read
    try:
        result = room.run('restore-file', {'file_hash': CLEAN_HASH, 'timeout_in_seconds': '25'})
    finally:
        tenant.server.stop()
    [record] = xdr_records(result.context)
    assert {e['endpoint_id'] for e in record['endpoints']} == set(seed_holders()[CLEAN_HASH])
    assert all(e['status'] in facts.XDR_RUNNING_STATUSES and not e.get('error_description')
               for e in record['endpoints']), record  # the first check's rows, kept

    entry, summary = summarise(result.context)

    rows = markdown_rows(entry['HumanReadable'])
    assert {row['endpoint_id'] for row in rows} == set(seed_holders()[CLEAN_HASH]) and summary['pending'] == len(rows)
    for row in rows:
        assert 'not read' in row['reason'] and 'HTTP 503' in row['reason'], row
        assert 'has not finished' not in row['reason'], row


@pytest.mark.parametrize('latest_only', ['true', 'True', ' TRUE '])
def test_main_given_latest_only_in_any_case_keeps_the_latest_summary_of_each_vendor_and_writes_no_note(latest_only):
    """latest_only is a boolean argument, read as true whatever its case and blanks (as the gate reads its own): the
    context's summaries are set anew to the latest of each vendor, and no summary note follows the run's own."""
    both = fixture('both_vendors')
    first_xdr, hss = summarise(both, 'xdr')[1], summarise(both, 'hss')[1]
    later_xdr = dict(first_xdr, restored=first_xdr['restored'] + 1)
    runtime = FakeDemisto({'latest_only': latest_only}, {'QuarantineRestore': {'Summary': [first_xdr, hss, later_xdr]}})
    commands = []
    runtime.executeCommand = lambda command, args: commands.append((command, args)) or []

    qrs.main(runtime)

    assert runtime.entries == []
    assert commands == [('Set', {'key': 'QuarantineRestore.Summary', 'value': [hss, later_xdr]})]


def test_latest_only_refused_by_xsoar_names_the_key_left_as_it_was_in_xsoar_s_words_and_what_to_run():
    """XSOAR refuses the Set that cuts the summaries to the latest of each vendor (its error entry): the script's error
    keeps XSOAR's words, says which context key it could not write and that the earlier summaries stay beside the
    latest, and gives the command to run again once that is fixed, not XSOAR's entry alone, which names no script."""
    both = fixture('both_vendors')
    first_xdr = summarise(both, 'xdr')[1]
    runtime = FakeDemisto({'latest_only': 'true'}, {'QuarantineRestore': {'Summary': [first_xdr, first_xdr]}})
    said = 'Failed to set key: the context is locked by another task'
    runtime.executeCommand = lambda command, args: [{'Type': 4, 'ContentsFormat': 'text', 'Contents': said}]

    qrs.main(runtime)

    [entry] = runtime.entries
    text = entry['Contents']
    assert entry['Type'] == 4 and said in text and 'QuarantineRestoreSummary' in text, text
    assert 'QuarantineRestore.Summary' in text and 'earlier' in text, text
    assert '`!QuarantineRestoreSummary latest_only=true`' in text, text


def test_the_not_found_line_says_the_host_may_be_in_another_enterprise_project_and_how_to_look_in_every_one():
    """A file HSS listed no isolated copy of in the project the restore listed may sit on a host of another one (the
    host moved, or the instance set to another project): the line says so, and how to look in all of them."""
    rows = [{'host_id': 'h-1', 'file_hash': 'ab' * 32, 'outcome': 'not_found', 'enterprise_project_id': 'ep-1',
             'reason': 'HSS lists no isolated copy of this file on host h-1 in enterprise project ep-1.'}]

    note = summarise({'HuaweiHSS': {'RestoredFile': rows}}, 'hss')[0]['HumanReadable']

    [line] = [line for line in note.splitlines() if 'had no isolated copy in HSS' in line]
    assert 'another enterprise project' in line and '`enterprise_project_id=all_granted_eps`' in line, line


def test_a_copy_not_found_in_every_enterprise_project_is_not_sent_to_look_in_every_one_again():
    """A file restored already (by an earlier incident of the same event) and asked for again with
    enterprise_project_id=all_granted_eps: HSS lists no isolated copy in any project. The not_found line must not send
    the analyst to run the restore again in all_granted_eps, where it already looked."""
    seed = hss_seed_copies()
    host_id, file_hash = next((copy['host_id'], h) for h, copies in sorted(seed.items()) for copy in copies
                              if copy['isolation_status'] == 'isolated')
    tenant = start_hss_tenant()
    try:
        room = WarRoom(params=tenant.params(hss_enterprise_project_id='all_granted_eps'), time_scale=0,
                       sleep=lambda _: None)
        args = {'file_hash': file_hash, 'host_id': host_id, 'enterprise_project_id': 'all_granted_eps'}
        assert not room.run('hss-restore-isolated', args).failed
        again = WarRoom(params=tenant.params(hss_enterprise_project_id='all_granted_eps'), time_scale=0,
                        sleep=lambda _: None).run('hss-restore-isolated', args)
    finally:
        tenant.stack.close()
    [record] = as_list(again.context['HuaweiHSS']['RestoredFile'])
    assert record['outcome'] == 'not_found' and record['enterprise_project_id'] == 'all_granted_eps', record

    note = summarise(again.context, 'hss')[0]['HumanReadable']

    [line] = [line for line in note.splitlines() if 'had no isolated copy in HSS' in line]
    assert 'enterprise_project_id=all_granted_eps' not in line, line
    assert 'every enterprise project' in line, line


@pytest.mark.parametrize('followed, unfollowed', [(1, 2), (2, 1)])
def test_the_hss_section_counts_restores_still_restoring_and_those_not_followed_each_by_their_own_number(followed,
                                                                                                        unfollowed):
    """Restores still restoring and restores not followed to the end are counted apart: "1 restore" beside
    "2 restores", each line's noun as its own number goes."""
    def rows(count, host, reason=''):
        return [{'host_id': f'{host}-{n}', 'file_hash': 'ab' * 32, 'file_path': f'/srv/q/{n}.bin',
                 'outcome': 'restoring', 'reason': reason} for n in range(count)]

    reason = 'Not followed to the end: HSS refused the check (HTTP 401).'
    restored_file = rows(followed, 'followed') + rows(unfollowed, 'unfollowed', reason)
    note = summarise({'HuaweiHSS': {'RestoredFile': restored_file}}, 'hss')[0]

    words = {1: 'restore', 2: 'restores'}
    assert f'\n{followed} {words[followed]} still restoring: ' in note['HumanReadable']
    assert f'\n{unfollowed} {words[unfollowed]} restoring, not followed to the end: ' in note['HumanReadable']


def test_one_restore_still_restoring_sends_the_analyst_to_its_one_host_in_the_hss_console():
    """One restore still restoring on one host: its line says to check that host, not "those hosts"."""
    row = {'host_id': 'h-1', 'file_hash': 'ab' * 32, 'file_path': '/srv/q/0.bin', 'outcome': 'restoring'}

    note = summarise({'HuaweiHSS': {'RestoredFile': [row]}}, 'hss')[0]['HumanReadable']

    [line] = [line for line in note.splitlines() if line.startswith('1 restore still restoring')]
    assert 'HSS console' in line and 'hosts' not in line, line


def test_a_fault_of_the_summary_s_own_says_the_restores_stand_and_the_command_that_gives_its_traceback():
    """The summary failed on its own (its context read broke): its error entry keeps the fault's words, says that the
    restores themselves are not affected and where their records are, and gives the command, run in the war room,
    whose debug log holds the traceback for the pack's maintainers."""
    runtime = FakeDemisto({}, context_error=RuntimeError('context service unavailable'))

    qrs.main(runtime)

    [entry] = runtime.entries
    text = entry['Contents']
    assert entry['Type'] == 4 and 'context service unavailable' in text
    assert 'no summary was written' in text and 'restores are not affected' in text, text
    assert 'CortexXDR.RestoredFile' in text and 'HuaweiHSS.RestoredFile' in text, text
    assert '`!QuarantineRestoreSummary debug-mode=true`' in text, text


def counted(line: str) -> dict[str, int]:
    """The counts line read back: {word: count}, in its order ("Restored 1, restoring 2" gives restored and
    restoring)."""
    pairs = re.findall(r'([^\s,.][^,]*?) (\d[\d,]*)', line)
    return {word.lower(): int(count.replace(',', '')) for word, count in pairs}


def table_rows(note: str, header: str) -> list[dict[str, str]]:
    """The rows of the note's table whose header line starts with ``header``, each as {column: cell}."""
    lines = note.splitlines()
    at = next(number for number, line in enumerate(lines) if line.startswith(header))
    columns = lines[at].strip('|').split('|')
    rows = []
    for line in lines[at + 2:]:
        if not line.startswith('|'):
            break
        rows.append(dict(zip(columns, line.strip('|').split('|'))))
    return rows


def test_the_counts_line_counts_hss_copies_in_the_words_and_numbers_of_the_hosts_table():
    """The line said "pending 3 (2 of them restoring)": no table of the note says pending (the summary's own count
    of what is not done, a copy HSS no longer lists too, which the tables call not_found). It now counts as the
    hosts' table does, by its columns, and names an outcome that table has no column for as the row shows it."""
    outcomes = ['restoring', 'restoring', 'restored', 'failed', 'not_found', 'oddity']
    rows = [{'host_id': f'h-{n}', 'file_hash': 'ab' * 32, 'file_path': f'/srv/q/{n}.bin', 'outcome': outcome}
            for n, outcome in enumerate(outcomes)]

    note = summarise({'HuaweiHSS': {'RestoredFile': rows}}, 'hss')[0]['HumanReadable']

    [line] = [line for line in note.splitlines() if line.startswith('Vendor: ')]
    counts = counted(line.split('. ', 1)[1])
    hosts = table_rows(note, '|host|restored|')
    columns = [column for column in hosts[0] if column != 'host']
    assert counts == {**{column: sum(int(row[column]) for row in hosts) for column in columns},
                      **{outcome: 1 for outcome in outcomes if outcome not in columns}}, line
    assert {row['outcome'] for row in table_rows(note, '|host|file_path|')} == set(outcomes)
    assert 'pending' not in line, line


def test_the_counts_line_of_cortex_xdr_names_an_endpoint_not_final_by_the_status_its_row_shows():
    """A Cortex XDR action not followed to its end: the line said "pending 1, not found 0", neither a word of the
    Cortex XDR table (whose status column says IN_PROGRESS) nor, not found, of Cortex XDR at all."""
    record = {'file_hash': 'ab' * 32, 'action_id': 7, 'status': 'IN_PROGRESS'}  # a Cortex XDR action, no endpoints

    note = summarise({'CortexXDR': {'RestoredFile': [record]}}, 'xdr')[0]['HumanReadable']

    [line] = [line for line in note.splitlines() if line.startswith('Vendor: ')]
    [row] = table_rows(note, '|file_hash|endpoint_id|status|')
    assert counted(line.split('. ', 1)[1]) == {'restored': 0, 'failed': 0, row['status'].lower(): 1}, line
    assert not {'pending', 'restoring', 'not found', 'not_found'} & set(counted(line)), line


def test_an_endpoint_the_action_included_but_cortex_xdr_never_listed_is_pending_with_the_action_to_follow():
    """A restore whose polling ended while Cortex XDR listed fewer endpoints than the action included
    (endpoints_count): the one not listed has not been said to have its file back, so the summary must not say every
    endpoint has it; it counts that endpoint pending and gives the action to follow."""
    seed = TEST_DATA / 'xdr' / 'tenant_unlisted_endpoint.json'
    endpoints = load_json(seed)['endpoints']
    [file_hash] = {q['file_hash'] for e in endpoints for q in e['quarantined']}
    unlisted = [e for e in endpoints if e.get('listed') is False]
    tenant = start_tenant(seed=seed)
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        result = room.run('restore-file', {'file_hash': file_hash, 'timeout_in_seconds': '30'})
    finally:
        tenant.server.stop()
    [action_id] = {r['action_id'] for r in as_list(result.context['CortexXDR']['RestoredFile'])}

    entry, summary = summarise(result.context, 'xdr')

    assert summary['restored'] == len(endpoints) - len(unlisted)
    assert summary['pending'] == len(unlisted) and summary['needs_manual_action'] is True, summary
    [step] = summary['manual_steps']
    assert f'action_id=[{action_id}]' in step and file_hash in step, step
    assert 'Nothing: no file is left' not in entry['HumanReadable'], entry['HumanReadable']


def test_restored_before_given_as_json_text_is_read_as_the_records_that_text_holds():
    # A playbook may hand the earlier records on as one JSON text rather than a list: both read alike
    earlier = xdr_records(fixture('both_vendors'))

    as_text = qrs.summary_command({'vendor': 'xdr', 'restored_before': json.dumps(earlier)}, {})

    assert earlier and as_text == qrs.summary_command({'vendor': 'xdr', 'restored_before': earlier}, {})


def test_restored_before_text_that_is_not_json_ends_in_an_error_naming_the_records_it_takes():
    runtime = FakeDemisto(args={'vendor': 'hss', 'restored_before': '[{"file_hash": '}, context={})

    qrs.main(runtime)

    [entry] = runtime.entries
    assert entry['Type'] == 4 and 'restored_before must be HuaweiHSS.RestoredFile records (JSON).' in entry['Contents']


def test_restored_before_with_the_summary_of_both_vendors_ends_in_an_error_asking_for_one_vendor():
    runtime = FakeDemisto(args={'vendor': 'all', 'restored_before': xdr_records(fixture('both_vendors'))},
                          context=fixture('both_vendors'))

    qrs.main(runtime)

    [entry] = runtime.entries
    assert entry['Type'] == 4 and 'give vendor xdr or hss with it' in entry['Contents']


def test_a_fault_of_the_summary_s_own_still_ends_in_its_error_entry_when_the_debug_log_fails_too():
    class DebugFails(FakeDemisto):
        def debug(self, message):
            raise ValueError('debug channel closed')

    runtime = DebugFails({}, context_error=RuntimeError('context service unavailable'))

    qrs.main(runtime)

    [entry] = runtime.entries
    assert entry['Type'] == 4 and 'context service unavailable' in entry['Contents'], entry
    assert 'no summary was written' in entry['Contents'] and 'debug channel closed' not in entry['Contents'], entry


def test_a_copy_not_found_on_a_host_id_in_another_case_gets_a_step_that_gives_the_host_id_hss_lists(hss_tenant):
    """hss-restore-isolated given a host ID in upper case (copied from a tool that writes it so) lists no copy there,
    and its reason gives the host ID as HSS lists it to run the command again with. That copy is not back and HSS
    still lists it isolated: the summary counts it not found, yet gives a step for it, which says so and quotes the
    reason, so the analyst runs the command again with that host ID."""
    [copy] = next(copies for _, copies in sorted(hss_seed_copies().items()) if len(copies) == 1)
    args = {'file_hash': copy['file_hash'], 'host_id': copy['host_id'].upper(), 'polling': 'false'}
    room = WarRoom(params=hss_tenant.params('aksk'), time_scale=0, sleep=lambda _: None)
    room.run('hss-restore-isolated', args)
    [row] = as_list(room.context['HuaweiHSS']['RestoredFile'])
    assert row['outcome'] == 'not_found' and 'run the command again with' in row['reason'], row

    entry, summary = summarise(room.context, 'hss')

    assert summary['not_found'] == 1 and summary['needs_manual_action'] is True, summary
    [step] = summary['manual_steps']
    assert 'not restored, though HSS lists it isolated as the reason says' in step, step
    assert f'host_id={copy["host_id"]}' in step and copy['host_id'] in entry['HumanReadable'], step


def test_a_restore_started_again_on_every_endpoint_holding_the_file_replaces_the_endpoint_an_earlier_one_never_listed():
    """restore-file's polling ended while Cortex XDR listed 2 of the 3 endpoints its action included; the third still
    holds the file quarantined, and restore-file is run again (without polling) on every endpoint holding it: a second
    action, which includes that endpoint. The summary follows the later action alone: one item pending, whose step
    follows that action, not also the earlier action's endpoint it never listed, which the later one covers."""
    seed = TEST_DATA / 'xdr' / 'tenant_unlisted_endpoint_still_quarantined.json'
    [file_hash] = {q['file_hash'] for e in load_json(seed)['endpoints'] for q in e['quarantined']}
    tenant = start_tenant(seed=seed)
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        room.run('restore-file', {'file_hash': file_hash, 'timeout_in_seconds': '30'})
        room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'})
    finally:
        tenant.server.stop()
    first, again = as_list(room.context['CortexXDR']['RestoredFile'])
    assert first['endpoints_count'] > len(first['endpoints']) and 'endpoints' not in again, (first, again)

    _, summary = summarise(room.context, 'xdr')

    assert summary['pending'] == 1 and summary['needs_manual_action'] is True, summary
    [step] = summary['manual_steps']
    assert f'action_id=[{again["action_id"]}]' in step and f'action_id=[{first["action_id"]}]' not in step, step


@pytest.mark.parametrize('seed_name', ['tenant.json', 'tenant_unlisted_endpoint_still_quarantined.json'])
def test_a_restore_started_again_on_every_endpoint_holding_the_file_keeps_the_endpoints_the_earlier_action_restored(
        seed_name):
    """The first action restored the file on some endpoints and failed on one (tenant.json: the cause is then fixed) or
    ended polling before Cortex XDR listed it (the other seed). restore-file is run again, without polling, on every
    endpoint holding the file: a second action, which can include only the endpoint that still holds it quarantined.
    The endpoints the first action restored have the file back, and no later action said otherwise: the summary
    counts them restored, and the second action, not followed yet, pending, with the step that follows it."""
    seed = TEST_DATA / 'xdr' / seed_name
    failing = seed_failing_endpoints(seed)
    file_hash, holders = next((h, e) for h, e in sorted(seed_holders(seed).items()) if set(e) & set(failing))
    tenant = start_tenant(seed=seed)
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        room.run('restore-file', {'file_hash': file_hash, 'timeout_in_seconds': '30'})
        for endpoint_id in failing:
            tenant.backend.endpoints[endpoint_id].restore_failure = None  # the cause is fixed
        room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'})
        back = [endpoint_id for endpoint_id in holders if file_hash in tenant.backend.restored(endpoint_id)]
    finally:
        tenant.server.stop()
    first, again = xdr_records(room.context)
    restored_first = [e['endpoint_id'] for e in first['endpoints'] if e['status'] == SUCCESS]
    assert restored_first and set(restored_first) < set(back) and 'endpoints' not in again, (first, again)
    assert again['endpoints_count'] == len(holders) - len(restored_first), again  # those still quarantined only

    entry, summary = summarise(room.context, 'xdr')

    assert (summary['restored'], summary['failed'], summary['pending']) == (len(restored_first), 0, 1), summary
    for endpoint_id in restored_first:
        assert SUCCESS in table_line(entry['HumanReadable'], endpoint_id) and not steps_naming(summary, endpoint_id)
    [step] = summary['manual_steps']
    assert f'action_id=[{again["action_id"]}]' in step and f'action_id=[{first["action_id"]}]' not in step, step


def test_a_restore_started_again_and_followed_counts_every_endpoint_restored_by_either_action():
    """The first action restored the file on two endpoints and failed on the third; once the cause is fixed, a second
    restore on every endpoint holding the file, followed to the end, restores it on the third only. Each endpoint
    counts by the latest action that listed it: all three restored, nothing failed, no step."""
    failing = seed_failing_endpoints()
    file_hash, holders = next((h, e) for h, e in sorted(seed_holders().items()) if set(e) & set(failing))
    tenant = start_tenant()
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        room.run('restore-file', {'file_hash': file_hash})
        for endpoint_id in failing:
            tenant.backend.endpoints[endpoint_id].restore_failure = None  # the cause is fixed
        room.run('restore-file', {'file_hash': file_hash})
        back = [endpoint_id for endpoint_id in holders if file_hash in tenant.backend.restored(endpoint_id)]
    finally:
        tenant.server.stop()
    first, again = xdr_records(room.context)
    assert {e['endpoint_id'] for e in again['endpoints']} == set(failing) & set(holders), again

    _, summary = summarise(room.context, 'xdr')

    assert back == holders and (summary['restored'], summary['failed'], summary['pending']) == (len(holders), 0, 0)
    assert summary['needs_manual_action'] is False and not summary['manual_steps'], summary


def a_file_every_holder_restores() -> tuple[str, list[str]]:
    """(a file the seed quarantines on several endpoints, none of which fails its restore, those endpoints)."""
    failing = seed_failing_endpoints()
    return next((h, e) for h, e in sorted(seed_holders().items()) if len(e) > 1 and not set(e) & set(failing))


def restored_then_asked_again(file_hash: str, holders: list[str], empty_restores: bool,
                              endpoint_id: str | None) -> dict:
    """The context after restore-file gave ``file_hash`` back on every endpoint holding it, followed to the end, then
    was run again for it, on ``endpoint_id`` or (None) on every endpoint holding it, where no quarantined copy is left:
    Cortex XDR accepts that as an action including no endpoint (``empty_restores``, endpoints_count 0) or refuses it,
    "No quarantined file ... was found"."""
    tenant = start_tenant()
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        room.run('restore-file', {'file_hash': file_hash})
        tenant.backend.empty_restores = empty_restores
        scope = {} if endpoint_id is None else {'endpoint_id': endpoint_id}
        room.run('restore-file', {'file_hash': file_hash, **scope})
        assert all(file_hash in tenant.backend.restored(holder) for holder in holders)
    finally:
        tenant.server.stop()
    first, later = xdr_records(room.context)
    assert {e['endpoint_id'] for e in first['endpoints'] if e['status'] == SUCCESS} == set(holders), first
    assert 'endpoints' not in later and (later.get('endpoints_count') == 0) == empty_restores, later
    return room.context


@pytest.mark.parametrize('empty_restores', [True, False], ids=['included_no_endpoint', 'refused'])
@pytest.mark.parametrize('on_one_endpoint', [True, False], ids=['on_one_endpoint', 'on_every_endpoint'])
def test_a_later_restore_finding_no_quarantined_copy_leaves_the_endpoints_an_earlier_action_restored_restored(
        empty_restores, on_one_endpoint):
    """An earlier action restored the file on every endpoint holding it; restore-file runs again, on one of them or on
    every endpoint holding the file, and Cortex XDR finds no quarantined copy left. The file is back: the later action
    only confirms nothing is left to restore. Each endpoint counts restored, nothing failed, no step."""
    file_hash, holders = a_file_every_holder_restores()
    context = restored_then_asked_again(file_hash, holders, empty_restores, holders[0] if on_one_endpoint else None)

    entry, summary = summarise(context, 'xdr')

    assert (summary['restored'], summary['failed'], summary['pending']) == (len(holders), 0, 0), summary
    assert summary['needs_manual_action'] is False and not summary['manual_steps'], summary
    for endpoint_id in holders:
        assert SUCCESS in table_line(entry['HumanReadable'], endpoint_id)
    assert 'no quarantined copy' not in entry['HumanReadable']


@pytest.mark.parametrize('empty_restores', [True, False], ids=['included_no_endpoint', 'refused'])
def test_no_quarantined_copy_on_an_endpoint_no_action_restored_the_file_on_still_counts_as_failed(empty_restores):
    """The earlier action restored the file on the endpoints holding it; the later restore is aimed at another
    endpoint, which never held it, and finds no quarantined copy there. No action restored the file on that endpoint:
    its failure stands, with the where-to-look advice, beside the endpoints restored."""
    file_hash, holders = a_file_every_holder_restores()
    stranger = next(endpoint['endpoint_id'] for endpoint in load_json(TEST_DATA / 'xdr' / 'tenant.json')['endpoints']
                    if endpoint['endpoint_id'] not in holders)
    context = restored_then_asked_again(file_hash, holders, empty_restores, stranger)

    entry, summary = summarise(context, 'xdr')

    assert (summary['restored'], summary['failed'], summary['pending']) == (len(holders), 1, 0), summary
    [step] = summary['manual_steps']
    assert stranger in step and 'no quarantined copy' in step, step


def failed_on_one_then_found_nowhere(empty_restores: bool) -> tuple[str, list[str], str, dict]:
    """(a file, the endpoints holding it, the one its restore failed on, the context): restore-file on every endpoint
    holding the file, followed to the end, gives it back on all but the seed's failing endpoint
    (COMPLETED_WITH_FAILURES); the copy left quarantined there then leaves quarantine by hand (given back in Cortex
    XDR, or deleted), and restore-file, run again on every endpoint holding the file, finds no quarantined copy
    anywhere: an action including no endpoint (``empty_restores``, endpoints_count 0) or refused so."""
    failing = seed_failing_endpoints()
    file_hash, holders = next((h, e) for h, e in sorted(seed_holders().items())
                              if set(e) & set(failing) and set(e) - set(failing))
    [failed_on] = set(holders) & set(failing)
    tenant = start_tenant()
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        room.run('restore-file', {'file_hash': file_hash})
        tenant.backend.endpoints[failed_on].quarantined.pop(file_hash)
        tenant.backend.empty_restores = empty_restores
        room.run('restore-file', {'file_hash': file_hash})
    finally:
        tenant.server.stop()
    first, later = xdr_records(room.context)
    assert first['status'] == 'COMPLETED_WITH_FAILURES', first
    assert {e['endpoint_id'] for e in first['endpoints'] if e['status'] != SUCCESS} == {failed_on}, first
    assert 'endpoints' not in later and (later.get('endpoints_count') == 0) == empty_restores, later
    return file_hash, holders, failed_on, room.context


@pytest.mark.parametrize('empty_restores', [True, False], ids=['included_no_endpoint', 'refused'])
def test_an_endpoint_a_restore_failed_on_then_found_with_no_quarantined_copy_keeps_a_row_with_that_latest_word(
        empty_restores):
    """The first action restored the file on every endpoint holding it but one, where it failed; a later restore on
    every endpoint holding the file found no quarantined copy anywhere. Each endpoint the actions touched has one row:
    the restored ones restored; the one that failed says what the later restore found there (no quarantined copy),
    beside the earlier action's word: the file is no longer quarantined there, but whether it is back is not known, so
    it counts failed with a step that says where to look, not to restore it once the cause is fixed."""
    file_hash, holders, failed_on, context = failed_on_one_then_found_nowhere(empty_restores)
    first, later = xdr_records(context)
    [earlier_reason] = [e['error_description'] for e in first['endpoints'] if e['endpoint_id'] == failed_on]

    entry, summary = summarise(context, 'xdr')

    note = entry['HumanReadable']
    for endpoint_id in set(holders) - {failed_on}:
        assert SUCCESS in table_line(note, endpoint_id)
    row = table_line(note, failed_on)  # one row, not none
    assert 'no quarantined copy' in row, row
    assert f'action {first["action_id"]}' in row and earlier_reason.split(': ')[-1] in row, row  # the earlier word
    assert (summary['restored'], summary['failed'], summary['pending']) == (len(holders) - 1, 1, 0), summary
    [step] = summary['manual_steps']
    assert failed_on in step and 'no quarantined copy' in step and 'once the cause is fixed' not in step.lower(), step
    if empty_restores:  # the later restore named by its action, which included no endpoint
        assert f'action {later["action_id"]}' in step, step
