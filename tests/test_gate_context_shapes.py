"""The reputation gate reads File and DBotScore in the shapes CommonServerPython writes them and XSOAR merges them:
Common.File.to_context gives a file's hashes as keys (MD5, SHA1, SHA256, ...) and in its Hashes list of
{type, value} items, and only in that list for hashes given through its hashes argument (Common.Hash). A hash the gate
does not link is a score it does not see: the file would be restored although it is scored bad."""
from __future__ import annotations

import json
import re

import pytest
import yaml
from hypothesis import example, given, strategies as st

import restore_integration as ri
from commonmark_reading import as_commonmark_reads
from conftest import (TEST_DATA, gate_verdicts, hss_seed_copies, load_json, seed_failing_endpoints, seed_holders,
                      start_hss_tenant, start_tenant)
from warroom import export
from warroom.context import as_list, get_path, merge_entry_context
from warroom.line import parse_line
from warroom.playbook.model import SCRIPTS_DIR
from warroom.playbook.runner import _load_script
from warroom.runtime import WarRoom

GATE = _load_script('QuarantineRestoreReputationGate')
HASHES_ONLY = load_json(TEST_DATA / 'xsoar' / 'entries' / 'file_hashes_list_only.json')['entry']


def listed(entry_context: dict, kind: str) -> str:
    [files] = [value for key, value in entry_context.items() if key.startswith('File(')]
    return next(h['value'] for f in files for h in f['Hashes'] if h['type'] == kind)


def scores(entry_context: dict) -> list[dict]:
    [value] = [value for key, value in entry_context.items() if key.startswith('DBotScore(')]
    return value


def gate(args: dict, context: dict) -> dict:
    return gate_verdicts(GATE.gate_command(args, context))


def test_a_score_under_a_hash_a_file_entry_gives_only_in_its_hashes_list_holds_the_file():
    context: dict = {}
    merge_entry_context(context, HASHES_ONLY['EntryContext'])
    sha256, md5 = listed(HASHES_ONLY['EntryContext'], 'SHA256'), listed(HASHES_ONLY['EntryContext'], 'MD5')
    [score] = scores(HASHES_ONLY['EntryContext'])

    result = gate({'file_hash': sha256}, context)

    assert result['allowed'] == []
    [held] = result['held']
    assert (held['file_hash'], held['verdict']) == (sha256, 'malicious')
    assert f'MD5 {md5}' in held['scored_as'] and score['Vendor'] in held['scored_by']


def test_file_entries_given_as_an_argument_link_hashes_through_their_hashes_list_too():
    """A sub-playbook with a context of its own passes the incident's File entries as file_entries."""
    ec = HASHES_ONLY['EntryContext']
    [files] = [value for key, value in ec.items() if key.startswith('File(')]
    unmarked = [{k: v for k, v in f.items() if k != 'Malicious'} for f in files]  # only the score says "bad"

    result = gate({'file_hash': listed(ec, 'SHA256'), 'file_entries': json.dumps(unmarked),
                   'dbot_score': json.dumps(scores(ec))}, {})

    assert result['allowed'] == [] and result['held'][0]['scored_as'] == [f'MD5 {listed(ec, "MD5")}']


def test_a_hashes_list_naming_another_sha256_is_another_file_whatever_md5_it_shares():
    ec = HASHES_ONLY['EntryContext']
    [files] = [value for key, value in ec.items() if key.startswith('File(')]
    other = [{'Hashes': [dict(h, value='e' * 64) if h['type'] == 'SHA256' else h for h in f['Hashes']]}
             for f in files]
    ours = listed(ec, 'SHA256')

    result = gate({'file_hash': ours}, {'File': other, 'DBotScore': scores(ec)})

    assert result['allowed'] == [ours]  # the bad MD5 is linked to the other SHA256 only


def test_a_dbotscore_whose_indicator_holds_a_list_is_read_for_each_indicator_not_skipped():
    """Context can hold a field's values as a list (as the gate already reads File's hash keys); a DBotScore whose
    Indicator is such a list, one of them the file's MD5, still holds the file: skipped, it would fail open."""
    ec = HASHES_ONLY['EntryContext']
    [score] = scores(ec)
    merged = dict(score, Indicator=['f' * 64, score['Indicator']])
    context: dict = {}
    # Without Malicious, which would hold the file by itself: only the score under the MD5 says "bad".
    merge_entry_context(context, {k: [{f: v for f, v in item.items() if f != 'Malicious'} for item in value]
                                  for k, value in ec.items() if k.startswith('File(')})

    result = gate({'file_hash': listed(ec, 'SHA256')}, dict(context, DBotScore=[merged]))

    assert result['allowed'] == [] and result['held'][0]['scored_by'] == [score['Vendor']]
    assert result['held'][0]['scored_as'] == [f'MD5 {listed(ec, "MD5")}']


@pytest.mark.parametrize('sha256_first', [False, True])
def test_a_source_that_scored_the_sha256_itself_is_named_without_another_hash_whatever_order_its_scores_come_in(
        sha256_first):
    """README: the note names who scored the file "and under which hash, when it was not the SHA256". A source that
    scored the file's MD5 (an enrichment that knew only it) and its SHA256 too scored the SHA256: named plainly, in
    either order of its DBotScore objects, not as if the SHA256 had no score of its own."""
    ec = HASHES_ONLY['EntryContext']
    sha256, md5 = listed(ec, 'SHA256'), listed(ec, 'MD5')
    [under_md5] = scores(ec)
    under_sha256 = dict(under_md5, Indicator=sha256)
    [files] = [value for key, value in ec.items() if key.startswith('File(')]
    unmarked = [{k: v for k, v in f.items() if k != 'Malicious'} for f in files]  # only the scores say "bad"
    ordered = [under_sha256, under_md5] if sha256_first else [under_md5, under_sha256]

    entry = GATE.gate_command({'file_hash': sha256}, {'File': unmarked, 'DBotScore': ordered})

    [held] = gate_verdicts(entry)['held']
    assert (held['scored_by'], held['scored_as']) == ([under_md5['Vendor']], ['SHA256'])
    assert md5 not in entry['HumanReadable']


def test_a_dbotscore_whose_indicator_lists_the_md5_and_the_sha256_is_read_as_the_sha256_s_score():
    """README: the note names who scored the file "and under which hash, when it was not the SHA256". A score whose
    Indicator is a list (messy context) naming the file's MD5 first and its SHA256 too is a score of the SHA256."""
    ec = HASHES_ONLY['EntryContext']
    sha256, md5 = listed(ec, 'SHA256'), listed(ec, 'MD5')
    [score] = scores(ec)
    [files] = [value for key, value in ec.items() if key.startswith('File(')]
    unmarked = [{k: v for k, v in f.items() if k != 'Malicious'} for f in files]  # only the score says "bad"

    entry = GATE.gate_command({'file_hash': sha256},
                              {'File': unmarked, 'DBotScore': [dict(score, Indicator=[md5, sha256])]})

    [held] = gate_verdicts(entry)['held']
    assert (held['scored_by'], held['scored_as']) == ([score['Vendor']], ['SHA256'])
    assert md5 not in entry['HumanReadable']


@pytest.mark.parametrize('md5_first', [True, False])
def test_a_dbotscore_whose_indicator_lists_two_other_hashes_of_the_file_is_named_under_the_first_it_lists(md5_first):
    """README: the note names who scored the file "and under which hash, when it was not the SHA256". A score whose
    Indicator lists the file's MD5 and SHA1 (not its SHA256) is named under one hash, the first it lists."""
    ec = HASHES_ONLY['EntryContext']
    sha256, md5, sha1 = listed(ec, 'SHA256'), listed(ec, 'MD5'), listed(ec, 'SHA1')
    [score] = scores(ec)
    [files] = [value for key, value in ec.items() if key.startswith('File(')]
    unmarked = [{k: v for k, v in f.items() if k != 'Malicious'} for f in files]  # only the score says "bad"
    indicators = [md5, sha1] if md5_first else [sha1, md5]

    entry = GATE.gate_command({'file_hash': sha256},
                              {'File': unmarked, 'DBotScore': [dict(score, Indicator=indicators)]})

    [held] = gate_verdicts(entry)['held']
    assert held['scored_as'] == [f'MD5 {md5}' if md5_first else f'SHA1 {sha1}']


def test_a_held_file_is_said_to_be_scored_by_the_sources_of_its_highest_score_only():
    """README: the gate reads "the highest score any source gave", and the note names "its score and who scored it":
    a source that scored the file suspicious is not named beside the one that scored it bad."""
    ec = HASHES_ONLY['EntryContext']
    sha256 = listed(ec, 'SHA256')
    [score] = scores(ec)
    bad = dict(score, Indicator=sha256)
    suspicious = dict(bad, Vendor=f'{score["Vendor"]} (suspicious)', Score=2)

    for ordered in ([suspicious, bad], [bad, suspicious]):
        entry = GATE.gate_command({'file_hash': sha256}, {'DBotScore': ordered})

        [held] = gate_verdicts(entry)['held']
        assert (held['score'], held['verdict'], held['scored_by']) == (3, 'malicious', [bad['Vendor']])
        assert suspicious['Vendor'] not in entry['HumanReadable']


@pytest.mark.parametrize('left_empty', [{}, {'Score': None}, {'Score': ''}])
def test_a_dbotscore_with_its_score_left_empty_reads_as_unknown_0_and_lets_the_file_through(left_empty):
    """XSOAR's DBotScore scores: 0 Unknown, 1 Good, 2 Suspicious, 3 Bad. A score object naming the file with no Score
    is no verdict: the file passes, as an unknown one does; held beside a score the gate cannot read, its held score
    is that empty one's 0, not Good's 1."""
    file_hash = 'ab' * 32
    empty = {'Indicator': file_hash, 'Vendor': 'Quiet', 'Type': 'file', **left_empty}
    odd = {'Indicator': file_hash, 'Vendor': 'Odd', 'Type': 'file', 'Score': 'high'}

    alone = gate({'file_hash': file_hash}, {'DBotScore': [empty]})
    beside = gate({'file_hash': file_hash}, {'DBotScore': [empty, odd]})

    assert alone['allowed'] == [file_hash] and alone['held'] == []
    [held] = beside['held']
    assert (held['verdict'], held['score'], held['scored_by']) == ('unreadable', 0, ['Odd (score "high")'])


@pytest.mark.parametrize('says_bad', ['malicious', 'score under its sha1'])
def test_a_file_entry_without_a_sha256_that_shares_the_file_s_md5_holds_it_by_what_it_says(says_bad):
    """README: a score is read under any hash a File entry of the file gives, and an entry marked Malicious holds it.
    An entry of an enrichment that knew only the MD5 (no SHA256) is of the file whose entry gives that MD5 beside its
    SHA256: its Malicious, or a score under the SHA1 only it gives, holds that file."""
    ec = HASHES_ONLY['EntryContext']
    sha256, md5, sha1 = listed(ec, 'SHA256'), listed(ec, 'MD5'), listed(ec, 'SHA1')
    [score] = scores(ec)
    md5_only = {'MD5': md5, 'SHA1': sha1}
    context = {'File': [{'SHA256': sha256, 'MD5': md5}, md5_only]}
    if says_bad == 'malicious':
        md5_only['Malicious'] = {'Vendor': score['Vendor'], 'Description': 'Known malware'}
    else:
        context['DBotScore'] = [dict(score, Indicator=sha1)]

    result = gate({'file_hash': sha256}, context)

    assert result['allowed'] == []
    [held] = result['held']
    assert (held['verdict'], held['scored_by']) == ('malicious', [score['Vendor']])
    assert held['scored_as'] == ['File.Malicious' if says_bad == 'malicious' else f'SHA1 {sha1}']


@pytest.mark.parametrize('args', [
    {'file_path': '/opt/app/bin/updater', 'restore_command': 'hss-restore-isolated'},  # no host_id
    {'file_path': '/opt/app/bin/updater'},  # restore-file, by default: it takes no path
], ids=['hss-without-host', 'restore-file'])
def test_a_file_path_without_an_hss_restore_and_its_host_is_refused_saying_what_it_goes_with(args):
    """The gate's YAML: file_path is for a restore by host and path, hss-restore-isolated's with host_id."""
    with pytest.raises(GATE.GateError) as refused:
        GATE.gate_command(args, {'File': {'Path': '/opt/app/bin/updater', 'SHA256': 'ab' * 32}})

    assert 'restore_command=hss-restore-isolated and host_id' in str(refused.value)


def test_a_hashes_list_the_gate_cannot_read_is_refused_by_name_not_skipped():
    try:
        entry = GATE.gate_command({'file_hash': 'ab' * 32}, {'File': {'Hashes': ['ab' * 32]}})
    except GATE.GateError as error:
        assert 'File.Hashes' in str(error)
    else:
        raise AssertionError(f'File.Hashes of plain text was read as if it held nothing: {entry["HumanReadable"]}')


SHA = 'ee62bd9703ccc64f54b25e9f8b7d153897c93cc1cb3c18759bbcec29c8bdfff4'
RESTORED = {'action_id': 1001, 'file_hash': SHA, 'endpoint_id': '', 'status': 'COMPLETED_SUCCESSFULLY',
            'restored_count': 3, 'failed_count': 0}


def test_a_file_an_earlier_restore_of_the_same_scope_gave_back_is_neither_allowed_nor_held_and_the_note_says_so():
    entry = GATE.gate_command({'file_hash': SHA.upper(), 'restored_before': json.dumps([RESTORED])}, {})

    verdicts = gate_verdicts(entry)
    assert verdicts['allowed'] == [] and verdicts['held'] == []
    assert entry['Note'] is True
    assert f'was not run again for `{SHA}`' in entry['HumanReadable'] and '(action 1001)' in entry['HumanReadable']
    assert f'`!restore-file file_hash={SHA}`' in entry['HumanReadable']


def test_earlier_records_that_do_not_show_the_file_back_in_the_same_scope_leave_it_to_be_restored():
    not_covering = [
        dict(RESTORED, status='FAILED', action_id=None),  # refused: nothing was restored
        dict(RESTORED, endpoint_id='3fb17d1e8ae744435d8ee4078bd87316'),  # limited to another endpoint
        {key: value for key, value in RESTORED.items() if key != 'endpoint_id'},  # a status check: scope unknown
    ]
    for record in not_covering:
        assert gate({'file_hash': SHA, 'restored_before': [record]}, {})['allowed'] == [SHA], record
    # the latest record of the scope counts: restored once, then a restore that failed everywhere
    assert gate({'file_hash': SHA, 'restored_before': [RESTORED, dict(RESTORED, status='FAILED')]}, {})['allowed'] \
        == [SHA]
    # a restore limited to one endpoint is covered by an earlier one limited to that endpoint
    scope = {'endpoint_id': '3fb17d1e8ae744435d8ee4078bd87316'}
    assert gate({'file_hash': SHA, 'restored_before': [dict(RESTORED, **scope)], **scope}, {})['allowed'] == []
    # an HSS restore is not judged by Cortex XDR records
    assert gate({'file_hash': SHA, 'restored_before': [RESTORED], 'restore_command': 'hss-restore-isolated'},
                {})['allowed'] == [SHA]


XDR_RECORD = st.fixed_dictionaries(
    {'file_hash': st.sampled_from([SHA, 'f' * 64]), 'endpoint_id': st.sampled_from(['', 'e1']),
     'status': st.sampled_from(['FAILED', 'COMPLETED_SUCCESSFULLY'])},
    optional={'action_id': st.just(1001), 'may_have_started': st.sampled_from([True, False, 'true', 'false'])})


@given(records=st.lists(XDR_RECORD, max_size=5), endpoint=st.sampled_from(['', 'e1']))
def test_a_file_whose_latest_record_of_the_scope_says_its_restore_may_have_started_is_not_sent_again_blind(
        records, endpoint):
    """integration.yml: a record whose may_have_started is true is a restore Cortex XDR may have carried out: look in
    the Action Center before restoring it again. Sent again, a restore of a file given back is refused (no quarantined
    copy left, README). The gate sends it no second time, and its line says to look in the Action Center first; a
    later record of the scope (a restore followed since, or a refusal) decides instead."""
    scope = {'endpoint_id': endpoint} if endpoint else {}
    entry = GATE.gate_command(dict(scope, file_hash=SHA, restored_before=records), {})

    latest = ([r for r in records if r['file_hash'] == SHA and r['endpoint_id'] == endpoint] or [{}])[-1]
    may_have_started = str(latest.get('may_have_started')).lower() == 'true'
    restored = 'action_id' in latest and latest['status'] == 'COMPLETED_SUCCESSFULLY'
    assert entry['Contents']['allowed'] == ([] if may_have_started or restored else [SHA])
    lines = entry['Contents']['not_sent']
    assert len(lines) == (may_have_started or restored)
    assert all(('Action Center' in line and 'may have started' in line) is may_have_started for line in lines)
    assert all(f'`!restore-file file_hash={SHA}{f" endpoint_id={endpoint}" if endpoint else ""}`' in line
               for line in lines)


def test_an_earlier_record_still_in_progress_is_read_again_and_a_restore_that_failed_everywhere_is_sent_again():
    running = dict(RESTORED, status='IN_PROGRESS')
    calls = []

    def execute(command, args, status='FAILED'):
        calls.append((command, args))
        record = dict(running, status=status, restored_count=0, failed_count=3)
        return [{'Type': 1, 'EntryContext': {'CortexXDR.RestoredFile(val.action_id == obj.action_id)': [record]}}]

    assert GATE.gate_command({'file_hash': SHA, 'restored_before': [running]}, {}, execute)['Contents']['allowed'] \
        == [SHA]
    [(command, args)] = calls
    assert command == 'restore-file' and args['polling'] == 'false' and json.loads(args['action_id']) == [1001]
    # still running when read again: not sent a second time, and the note says so
    entry = GATE.gate_command({'file_hash': SHA, 'restored_before': [running]}, {},
                              lambda command, args: execute(command, args, 'IN_PROGRESS'))
    assert entry['Contents']['allowed'] == [] and 'is still running (action 1001)' in entry['HumanReadable']


def test_a_file_held_back_is_held_without_reading_again_what_an_earlier_restore_left_running():
    """A file scored bad since an earlier restore is held back whatever that restore did: reading its action again
    would only write a record of it (FAILED: "restore it again") beside the hold."""
    calls = []
    bad = {'DBotScore': [{'Indicator': SHA, 'Type': 'file', 'Vendor': 'VirusTotal (API v3)', 'Score': 3}]}

    entry = GATE.gate_command({'file_hash': SHA, 'restored_before': [dict(RESTORED, status='IN_PROGRESS')]}, bad,
                              lambda command, args: calls.append(command) or [])

    assert calls == [] and [item['file_hash'] for item in entry['Contents']['held']] == [SHA]
    assert entry['Contents']['not_sent'] == [] and entry['Contents']['allowed'] == []


HSS_HASH = 'd41b6e0c9d2f7a3b8c5e1d0f6a2b9c7e3d8f1a4b6c0e5d9a2f7b3c8e1d6a0b4f'  # four copies in the HSS seed
HSS_COPIES = [{key: copy[key] for key in ('host_id', 'host_name', 'file_hash', 'file_path')}
              for copy in hss_seed_copies()[HSS_HASH]]
HSS_OUTCOMES = ('restored', 'restoring', 'failed', 'not_found')  # integration.yml: HuaweiHSS.RestoredFile.outcome


def hss_gate(args: dict, rows: list) -> dict:
    return GATE.gate_command(dict(args, restore_command='hss-restore-isolated', restored_before=rows), {})


def test_an_hss_file_whose_every_copy_on_the_host_an_earlier_restore_gave_back_is_not_sent_again():
    host = HSS_COPIES[0]
    restored = [dict(copy, outcome='restored', reason='') for copy in HSS_COPIES]

    entry = hss_gate({'file_hash': HSS_HASH, 'host_id': host['host_id']}, restored)

    assert entry['Contents']['allowed'] == [] and entry['Contents']['held'] == [] and entry['Note'] is True
    [line] = [line for line in entry['HumanReadable'].splitlines() if 'was not run again' in line]
    assert f'for `{HSS_HASH}`' in line and f'restored it on {host["host_name"]}' in line
    # its rows name no enterprise project: the default one, named (0) so that the instance's setting now cannot move it
    assert f'`!hss-restore-isolated file_hash={HSS_HASH} host_id={host["host_id"]} enterprise_project_id=0`' in line
    # by host and path: the path restored on that host, compared as given
    by_path = hss_gate({'file_path': host['file_path'], 'host_id': host['host_id']}, restored)
    assert by_path['Contents']['allowed_paths'] == [] and f'for `{host["file_path"]}`' in by_path['HumanReadable']
    assert hss_gate({'file_path': host['file_path'].upper(), 'host_id': host['host_id']},
                    restored)['Contents']['allowed_paths'] == [host['file_path'].upper()]
    # on every host: each copy's host is named
    everywhere = hss_gate({'file_hash': HSS_HASH}, restored)
    assert everywhere['Contents']['allowed'] == [] and all(c['host_name'] in everywhere['HumanReadable']
                                                           for c in HSS_COPIES)


@given(outcomes=st.lists(st.sampled_from(HSS_OUTCOMES), min_size=len(HSS_COPIES), max_size=len(HSS_COPIES)),
       recorded=st.lists(st.booleans(), min_size=len(HSS_COPIES), max_size=len(HSS_COPIES)),
       on_one_host=st.booleans(), upper=st.booleans())
def test_without_executecommand_an_hss_file_is_sent_again_unless_every_copy_a_record_names_was_restored_or_restoring(
        outcomes, recorded, on_one_host, upper):
    """A copy failed may be isolated still, and a not_found row names no copy: the file is sent again. A copy left
    restoring (polling ran out, or the on-close script started it) is read again before it is sent; the gate given no
    executeCommand cannot read it, and HSS may have restored it since (sent again, it finds no isolated copy): it is not
    sent blind, as when its read fails (test_on_close's re-close rule). Only the restore's host counts when it names
    one."""
    rows = [dict(copy, file_hash=copy['file_hash'].upper() if upper else copy['file_hash'], outcome=outcome)
            for copy, outcome, kept in zip(HSS_COPIES, outcomes, recorded) if kept]
    rows = [dict(row, outcome='failed') for row in rows] + rows  # a later record of a copy replaces the earlier one
    rows += [{'file_hash': HSS_HASH, 'host_id': HSS_COPIES[0]['host_id'], 'outcome': 'not_found', 'reason': 'x'}]
    scope = {'host_id': HSS_COPIES[0]['host_id']} if on_one_host else {}
    in_scope = [outcome for copy, outcome, kept in zip(HSS_COPIES, outcomes, recorded)
                if kept and (not on_one_host or copy['host_id'] == scope['host_id'])]

    allowed = hss_gate({'file_hash': HSS_HASH, **scope}, rows)['Contents']['allowed']

    assert (allowed == []) == (bool(in_scope) and set(in_scope) <= {'restored', 'restoring'})


def test_an_earlier_restore_given_its_endpoint_in_upper_case_covers_that_endpoint_given_in_lower_case():
    """A Cortex XDR endpoint ID is hex digits, one endpoint in either case: the emulated tenant restores on the endpoint
    whichever case names it, and restore-file keeps the ID as it was given in its record. A re-close limited to that
    endpoint, named in lower case, does not send the file there a second time."""
    failing = seed_failing_endpoints()
    file_hash, endpoint = next((h, e) for h, holders in sorted(seed_holders().items()) for e in sorted(holders)
                               if e not in failing)
    tenant = start_tenant()
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        assert not room.run('restore-file', {'file_hash': file_hash, 'endpoint_id': endpoint.upper()}).failed
        assert file_hash in tenant.backend.restored(endpoint)
    finally:
        tenant.server.stop()
    records = get_path(room.context, 'CortexXDR.RestoredFile')

    entry = GATE.gate_command({'file_hash': file_hash, 'endpoint_id': endpoint.lower(), 'restored_before': records},
                              {})

    verdicts = gate_verdicts(entry)
    assert (verdicts['allowed'], verdicts['held'], verdicts['endpoints']) == ([], [], [])
    assert f'was not run again for `{file_hash}`' in entry['HumanReadable']


def test_an_hss_copy_an_earlier_restore_left_failed_is_read_again_and_not_sent_when_hss_lists_it_restored():
    """README: a copy left failed (among them a restore whose answers were lost, which HSS may have taken) is read
    again first, by a check that sends no restore, and one HSS lists restored is not sent again. Here HSS did restore
    it: the earlier record says failed, as when its answers were lost."""
    copy = HSS_COPIES[0]
    item = {key: copy[key] for key in ('host_id', 'file_hash', 'file_path')}
    hss = start_hss_tenant()
    try:
        room = WarRoom(params=hss.params(), time_scale=0, sleep=lambda _: None)
        assert not room.run('hss-restore-isolated', item).failed
        [row] = as_list(get_path(room.context, 'HuaweiHSS.RestoredFile'))
        assert row['outcome'] == 'restored'
        puts = len(hss.requests_to('PUT', '/event/isolated-file'))

        entry = GATE.gate_command({'file_hash': HSS_HASH, 'host_id': copy['host_id'],
                                   'restore_command': 'hss-restore-isolated',
                                   'restored_before': [dict(row, outcome='failed', reason='The answer was lost.')]},
                                  {}, lambda command, args: room.run(command, args).entries)

        assert len(hss.requests_to('PUT', '/event/isolated-file')) == puts  # read again, not sent
    finally:
        hss.stack.close()
    assert entry['Contents']['allowed'] == []
    assert f'was not run again for `{HSS_HASH}`' in entry['HumanReadable']


# hss-restore-isolated's row fields, as integration.yml declares its outputs: the rows below are built of these alone
HSS_RECORD_FIELDS = {output['contextPath'].split('.')[2] for command in
                     yaml.safe_load((TEST_DATA.parent / 'integration.yml').read_text())['script']['commands']
                     if command['name'] == 'hss-restore-isolated' for output in command['outputs']
                     if output['contextPath'].startswith('HuaweiHSS.RestoredFile.')}


@pytest.mark.parametrize('first_row_project, instance_project_later', [
    ('0', ''), ('0', 'some-other-id'), (None, 'some-other-id')],
    ids=['rows_of_0_and_of_none', 'rows_of_0_and_of_none_instance_since_set_to_another',
         'rows_all_of_none_instance_since_set_to_another'])
def test_hss_rows_of_the_default_project_are_read_by_one_check_in_project_0_and_given_one_by_hand_line(
        first_row_project: str | None, instance_project_later: str) -> None:
    """The seed: "The value 0 indicates the default enterprise project", the one HSS lists without the parameter, and
    README: a row leaves its project out only when the run's and the instance's were both the default. An older run
    wrote "0" in its rows, a later one none: the copies of one file on two hosts of the default project are read
    again by one check, and the note gives them one line with one by-hand command, not one for "0" and another for
    none. The check and the line name 0, also in an instance since set to another enterprise project, which a check
    given no enterprise_project_id would list, find none of the copies in, and let the file through: none is restored
    again, and the file is not allowed."""
    file_hash, hosts = 'ec' * 32, ['h-ep-first', 'h-ep-second']
    hss, asked = start_hss_tenant(), []
    try:
        for host in hosts:
            hss.backend.add_host(host, host)
            hss.backend.add_isolated_files(host, 1, file_hash=file_hash)
        room = WarRoom(params=hss.params(hss_enterprise_project_id=''), time_scale=0, sleep=lambda _: None)
        assert not room.run('hss-restore-isolated', {'file_hash': file_hash}).failed
        # as the on-close script's start leaves them (no polling), the first as a run that wrote "0" may have left it
        rows = [dict(row, outcome='restoring') for row in as_list(get_path(room.context, 'HuaweiHSS.RestoredFile'))]
        assert sorted(row['host_id'] for row in rows) == hosts and all(set(row) <= HSS_RECORD_FIELDS for row in rows)
        assert not any(row.get('enterprise_project_id') for row in rows), rows
        if first_row_project is not None:
            rows[0]['enterprise_project_id'] = first_row_project
        room.params['hss_enterprise_project_id'] = instance_project_later
        puts = len(hss.requests_to('PUT', '/event/isolated-file'))

        def execute(command: str, args: dict) -> list:
            asked.append(args)
            return room.run(command, args).entries

        entry = GATE.gate_command({'file_hash': file_hash, 'restore_command': 'hss-restore-isolated',
                                   'restored_before': rows}, {}, execute)
        assert len(hss.requests_to('PUT', '/event/isolated-file')) == puts  # read again, not sent
    finally:
        hss.stack.close()
    assert [as_list(args.get('enterprise_project_id')) for args in asked] == [['0']], asked
    assert entry['Contents']['allowed'] == [], entry['Contents']
    [line] = [line for line in entry['HumanReadable'].splitlines() if f'was not run again for `{file_hash}`' in line]
    assert all(host in line for host in hosts), line
    [covered] = entry['Contents']['covered']
    assert parse_line(covered['by_hand']).args.get('enterprise_project_id') == '0', covered


def refusal_of(args: dict) -> str:
    """What hss-restore-isolated's check of its item arguments says of ``args`` before any request ('' if none)."""
    fields = {name: ri.hss_field_list(args.get(name), name) for name in ri.HSS_FIELD_LIMITS}
    fields[ri.HSS_UNPAIRED] = ['false'] if str(args.get(ri.HSS_UNPAIRED)).lower() == 'false' else []
    try:
        ri.check_hss_items(fields)
    except ri.RestoreError as error:
        return str(error)
    return ''


@pytest.mark.parametrize('args, refused', [
    ({'file_hash': HSS_HASH}, False),
    ({'file_hash': HSS_HASH, 'host_id': 'h1'}, False),
    ({'host_id': 'h1', 'file_path': '/opt/app/run.sh'}, False),
    ({'host_id': 'h1', 'file_hash': HSS_HASH, 'file_path': '/opt/app/run.sh'}, False),
    ({'file_path': '/opt/app/run.sh'}, True),
    ({'file_hash': HSS_HASH, 'file_path': '/opt/app/run.sh'}, True)])
def test_refusal_of_refuses_the_items_integration_yml_says_are_refused(args, refused):
    # integration.yml, file_path: "a path without host_id (with or without file_hash) is refused" (README: "saying
    # `host_id` is missing"). The tests below ask refusal_of, the integration's own check, whether a command the gate
    # writes is refused; these literal cases hold that check to the documents.
    refusal = refusal_of(args)
    assert bool(refusal) == refused and ('host_id is missing' in refusal) == refused, refusal


def written_commands(entry: dict) -> list[dict]:
    """The arguments of every check and by-hand command the gate's context gives for the files it did not send."""
    lines = [line for item in entry['Contents']['covered'] for name in ('check', 'by_hand')
             for line in as_list(item.get(name) or [])]
    return [parse_line(line).args for line in lines]


def test_an_hss_row_naming_a_path_without_its_host_is_read_by_no_check_and_said_to_name_too_little():
    """hss-restore-isolated refuses file_path without host_id, beside file_hash too (a path names a file on a host).
    A row left restoring that names a hash and a path but no host names too little for any check the integration
    takes: nothing is asked, the line says the row names too little to read it by (not the refusal's text), and no
    command the gate writes for it is one the integration refuses."""
    copy = HSS_COPIES[0]
    row = {'file_hash': HSS_HASH, 'file_path': copy['file_path'], 'host_name': copy['host_name'],
           'outcome': 'restoring', 'reason': ''}
    hss, asked = start_hss_tenant(), []
    try:
        room = WarRoom(params=hss.params(), time_scale=0, sleep=lambda _: None)

        def execute(command: str, args: dict) -> list:
            asked.append((command, args, room.run(command, args)))
            return asked[-1][2].entries

        entry = GATE.gate_command({'file_hash': HSS_HASH, 'restore_command': 'hss-restore-isolated',
                                   'restored_before': [row]}, {}, execute)
    finally:
        hss.stack.close()
    assert [(command, args, result.failed) for command, args, result in asked] == []  # nothing it could be read by
    assert entry['Contents']['allowed'] == []  # restoring, and not read: not sent blind
    [line] = [line for line in entry['HumanReadable'].splitlines() if f'was not run again for `{HSS_HASH}`' in line]
    assert 'names too little' in line and 'host_id is missing' not in line, line
    assert [(args, refusal_of(args)) for args in written_commands(entry) if refusal_of(args)] == []


HSS_SCOPES = [{'file_hash': HSS_HASH}, {'file_hash': HSS_HASH, 'host_id': HSS_COPIES[0]['host_id']},
              {'file_path': HSS_COPIES[0]['file_path'], 'host_id': HSS_COPIES[0]['host_id']},
              {'file_path': HSS_COPIES[0]['file_path'], 'host_id': ','.join(c['host_id'] for c in HSS_COPIES)}]


@given(kept=st.lists(st.tuples(st.sampled_from(HSS_COPIES), st.sets(st.sampled_from(('host_id', 'file_hash',
                                                                                      'file_path'))),
                               st.sampled_from(HSS_OUTCOMES), st.sampled_from(['', '0', 'p1'])), max_size=6),
       scope=st.sampled_from(HSS_SCOPES))
@example(kept=[(HSS_COPIES[0], {'file_hash', 'file_path'}, 'restoring', '')], scope=HSS_SCOPES[0])  # no host_id
def test_no_check_the_gate_sends_or_command_it_writes_for_hss_rows_is_one_hss_restore_isolated_refuses(kept, scope):
    """Whatever fields HSS listed a copy's row without, each check the gate asks for (answered with nothing: every
    copy stays unread, so each gets its check written) and each check and by-hand command it writes pass
    hss-restore-isolated's check of its item arguments."""
    rows = [dict({name: copy[name] for name in names}, host_name=copy['host_name'], outcome=outcome, reason='',
                 enterprise_project_id=project) for copy, names, outcome, project in kept]
    asked = []

    entry = GATE.gate_command(dict(scope, restore_command='hss-restore-isolated', restored_before=rows), {},
                              lambda command, args: asked.append(args) or [])

    assert [(args, refusal_of(args)) for args in asked + written_commands(entry) if refusal_of(args)] == []


def test_given_several_endpoints_an_earlier_restore_covers_its_endpoint_only_and_nothing_goes_where_covered():
    """restore-file's endpoint_id takes one endpoint: the playbook runs it once per endpoint the gate names, with the
    one list of files it allows. File SHA was restored on endpoint a before; file f...f never. Three pairs are still
    needed (SHA on b, f...f on a and b); no one list of files on some endpoints can send two of them without sending
    SHA to a again, so two go out, and the third gets its command by hand."""
    a, b = '7587a1a45680f5b074bdf8b74b9aad2a', '3fb17d1e8ae744435d8ee4078bd87316'
    other = 'f' * 64
    entry = GATE.gate_command({'file_hash': [SHA, other], 'endpoint_id': [a, b],
                               'restored_before': [dict(RESTORED, endpoint_id=a)]}, {})

    verdicts = gate_verdicts(entry)
    sent = {(h, e) for h in verdicts['allowed'] for e in verdicts['endpoints']}
    needed = {(SHA, b), (other, a), (other, b)}
    assert sent <= needed and len(sent) == 2
    for file_hash, endpoint in needed - sent:
        assert f'!restore-file file_hash={file_hash} endpoint_id={endpoint}`' in entry['HumanReadable']
    assert f'was not run again for `{SHA}`' in entry['HumanReadable'] and f'endpoint_id={a}`' in entry['HumanReadable']


def test_given_several_endpoints_none_an_earlier_restore_covers_every_allowed_file_goes_to_each_of_them():
    a, b = '7587a1a45680f5b074bdf8b74b9aad2a', '3fb17d1e8ae744435d8ee4078bd87316'

    verdicts = gate({'file_hash': f'{SHA},{"f" * 64}', 'endpoint_id': f'{a},{b}',
                     'restored_before': [RESTORED]}, {})  # a restore on every endpoint is another scope

    assert verdicts['allowed'] == [SHA, 'f' * 64] and verdicts['endpoints'] == [a, b]


GATE_YAML = yaml.safe_load((SCRIPTS_DIR / 'QuarantineRestoreReputationGate' / 'QuarantineRestoreReputationGate.yml')
                           .read_text(encoding='utf-8'))
# Answered by whichever reputation integration is enabled: no integration or pack to name (test_pack_dependencies.py)
GENERIC_COMMANDS = set(json.loads(export.DEPENDENCIES_FILE.read_text())['generic_commands'])


@pytest.mark.parametrize('args, context', [
    ({'file_hash': SHA, 'restored_before': [dict(RESTORED, status='IN_PROGRESS')]}, {}),
    ({'file_hash': SHA, 'host_id': 'h1', 'restore_command': 'hss-restore-isolated',
      'restored_before': [{'host_id': 'h1', 'file_hash': SHA, 'file_path': '/x', 'outcome': 'restoring'}]}, {}),
    ({'file_path': '/x', 'host_id': 'h1', 'restore_command': 'hss-restore-isolated'},
     {'File': {'Path': '/x', 'SHA256': SHA}}),
], ids=['restore-file read again', 'hss-restore-isolated read again', 'file asked of a path'])
def test_every_integration_command_the_gate_runs_is_declared_in_its_yaml_dependson(args, context):
    """As the on-close script's YAML does: XSOAR's and demisto-sdk's dependency views read dependson, and the gate
    names its commands through constants, which their scan of executeCommand('...') calls does not find."""
    asked = []

    GATE.gate_command(args, context, lambda command, call_args: asked.append(command) or [])

    declared = {call.partition('|||')[2] or call for call in (GATE_YAML.get('dependson') or {}).get('should') or []}
    assert asked and set(asked) - GENERIC_COMMANDS <= declared, (asked, declared)


# A value the gate refuses is named by its kind as JSON does, as the analyst's context shows it, not as Python does.
@pytest.mark.parametrize('args, context, kind', [
    ({'file_hash': SHA}, {'DBotScore': 3}, 'holds a number'),
    ({'file_hash': SHA}, {'DBotScore': [True]}, 'holds a boolean'),
    ({'file_hash': SHA}, {'File': {'Hashes': [['MD5', 'x']]}}, 'holds a list'),
    ({'file_hash': SHA}, {'File': {'Hashes': [7]}}, 'holds a number'),
    ({'file_path': [{'path': '/x'}], 'host_id': 'h', 'restore_command': 'hss-restore-isolated'}, {}, 'got an object'),
])
def test_a_value_the_gate_refuses_is_named_by_its_json_kind_not_its_python_type(args, context, kind):
    try:
        entry = GATE.gate_command(args, context)
    except GATE.GateError as error:
        said = str(error)
    else:
        raise AssertionError(f'read as if it held nothing: {entry["HumanReadable"]}')

    assert kind in said, said
    assert not re.search(r'\b(dict|str|int|float|bool|True|NoneType)\b', said), said


WRONG_KIND = st.one_of(st.lists(st.sampled_from(['h1', 'a', '1']), min_size=1, max_size=2),
                       st.dictionaries(st.sampled_from(['id', 'a']), st.sampled_from(['h1', '1']), min_size=1))


@given(item=WRONG_KIND, at=st.integers(0, 1), as_json_text=st.booleans(),
       scope=st.sampled_from([('host_id', 'hss-restore-isolated'), ('endpoint_id', 'restore-file')]))
@example(item={'a': 1}, at=0, as_json_text=False, scope=('host_id', 'hss-restore-isolated'))
def test_an_object_or_list_as_the_host_or_endpoint_of_a_restore_is_refused_by_its_json_kind_and_nothing_is_asked(
        item, at, as_json_text, scope):
    """file_hash and file_path refuse an object or list item by name and JSON kind; host_id (and endpoint_id) read one
    as its Python text ("{'a': 1}"), so the note's by-hand command and the check of an earlier restore's copy were
    written for a host named like a dict. Refused alike now, before anything is asked."""
    name, command = scope
    given_value = [HSS_COPIES[0]['host_id']]
    given_value.insert(at, item)
    rows = [dict(copy, outcome='restoring', reason='') for copy in HSS_COPIES]
    asked = []
    args = {'file_hash': HSS_HASH, name: json.dumps(given_value) if as_json_text else given_value,
            'restore_command': command, 'restored_before': rows}

    with pytest.raises(GATE.GateError) as refused:
        GATE.gate_command(args, {}, lambda called, called_args: asked.append((called, called_args)) or [])

    message = str(refused.value)
    assert name in message and ('a list' if isinstance(item, list) else 'an object') in message, message
    assert json.dumps(item) in message and repr(item) not in message.replace(json.dumps(item), ''), message
    assert asked == []


@given(field=st.sampled_from(['host_id', 'file_hash', 'file_path']), item=WRONG_KIND,
       outcome=st.sampled_from(['restoring', 'failed']))
@example(field='host_id', item={'a': 1}, outcome='restoring')
def test_an_hss_row_whose_copy_field_is_an_object_or_list_is_read_by_no_check_and_its_line_names_the_field_and_kind(
        field, item, outcome):
    """A copy an earlier restore left restoring or failed is read again by a check of its host, hash and path; a row
    holding one of them as an object or list was checked by its Python text, a host named like a dict. It names no
    copy a check can read: nothing is asked for it, no command the gate writes carries it, and a copy left restoring
    is not sent blind, its line saying which field is of which kind. (A restore of the file on any host, or of the
    path on its host: one limited to a host leaves out a row of another, and one of a hash a row of another hash.)"""
    copy = HSS_COPIES[0]
    row = dict(copy, outcome=outcome, reason='', **{field: item})
    asked = []

    restore = {'file_path': copy['file_path'], 'host_id': copy['host_id']} if field == 'file_hash' else \
        {'file_hash': HSS_HASH}

    entry = GATE.gate_command(dict(restore, restore_command='hss-restore-isolated', restored_before=[row]), {},
                              lambda command, args: asked.append(args) or [])

    assert [args for args in asked if repr(item) in json.dumps(args)] == []
    assert [args for args in written_commands(entry) if repr(item) in json.dumps(args)] == []
    if outcome == 'restoring':
        assert entry['Contents']['allowed'] + entry['Contents']['allowed_paths'] == []
        [line] = [line for line in entry['HumanReadable'].splitlines() if 'was not run again' in line]
        kind = 'a list' if isinstance(item, list) else 'an object'
        assert f'{field} is {kind}' in line, line


def kind_of(item) -> str:
    return 'a list' if isinstance(item, list) else 'an object'


@given(item=WRONG_KIND, as_json_text=st.booleans())
@example(item=[{'a': 1}], as_json_text=False)
def test_an_xdr_record_in_progress_whose_action_id_is_an_object_or_list_is_read_as_one_without_an_action_id(
        item, as_json_text):
    """A record left IN_PROGRESS is read again by a status check of its action_id; one holding an object or list there
    was checked as action_id='[...]' and its line gave a check of that text. Read as a record without an action ID:
    nothing is asked, the file is sent again (a second restore restores nothing twice: README, Reliability), and its
    line says the action_id is of which JSON kind."""
    record = dict(RESTORED, status='IN_PROGRESS', action_id=item)
    asked = []

    entry = GATE.gate_command({'file_hash': SHA, 'restored_before': json.dumps([record]) if as_json_text else [record]},
                              {}, lambda command, args: asked.append((command, args)) or [])

    assert asked == []
    assert entry['Contents']['allowed'] == [SHA]
    [line] = [line for line in entry['HumanReadable'].splitlines() if 'action_id' in line]
    assert f'action_id is {kind_of(item)}' in line and SHA in line and 'action_id=' not in line, line


@given(item=WRONG_KIND, as_json_text=st.booleans())
@example(item={'a': 1}, as_json_text=False)
def test_a_restore_command_of_the_wrong_kind_is_refused_by_its_json_kind_and_nothing_is_asked(item, as_json_text):
    asked = []
    args = {'file_hash': SHA, 'restore_command': json.dumps(item) if as_json_text else item,
            'restored_before': [dict(RESTORED, status='IN_PROGRESS')]}

    with pytest.raises(GATE.GateError) as refused:
        GATE.gate_command(args, {}, lambda command, called: asked.append((command, called)) or [])

    message = str(refused.value)
    if not as_json_text:  # JSON text of a list or object is text: refused as no command the gate knows
        assert 'restore_command' in message and kind_of(item) in message and json.dumps(item) in message, message
    assert repr(item) not in message.replace(json.dumps(item), ''), message
    assert asked == []


@given(field=st.sampled_from(['endpoint_id', 'file_hash']), item=WRONG_KIND,
       status=st.sampled_from(['COMPLETED_SUCCESSFULLY', 'IN_PROGRESS']))
@example(field='endpoint_id', item={'a': 1}, status='COMPLETED_SUCCESSFULLY')
def test_an_xdr_record_whose_endpoint_or_file_is_an_object_or_list_is_not_read_and_the_file_s_line_says_why(
        field, item, status):
    """A record naming its endpoint or file as an object or list names no scope or file the gate can judge: it covers
    nothing, so the file is sent again (safe: a second restore restores nothing twice), and nothing is asked of it. Its
    line says which field is of which kind, as the note does for such a HuaweiHSS.RestoredFile row."""
    record = dict(RESTORED, status=status, **{field: item})
    asked = []

    entry = GATE.gate_command({'file_hash': SHA, 'restored_before': [record]}, {},
                              lambda command, args: asked.append((command, args)) or [])

    assert asked == []
    assert entry['Contents']['allowed'] == [SHA]
    [line] = [as_commonmark_reads(line)[1] for line in entry['HumanReadable'].splitlines() if f'{field} is' in line]
    assert f'{field} is {kind_of(item)}' in line and json.dumps(item) in line, line


@given(given_value=st.one_of(WRONG_KIND, st.sampled_from([True, False, 'true', 'false', ' TRUE ', None, ''])),
       as_json_text=st.booleans())
@example(given_value={'a': 1}, as_json_text=False)
def test_restore_suspicious_of_an_object_or_list_is_refused_by_its_json_kind_and_true_or_false_read_as_given(
        given_value, as_json_text):
    """restore_suspicious is a boolean argument: a real boolean or its text. An object or list read as false silently
    (a suspicious file held without a word of why the analyst's choice was not read): refused, named by JSON kind."""
    suspicious = {'DBotScore': [{'Indicator': SHA, 'Type': 'file', 'Vendor': 'VirusTotal (API v3)', 'Score': 2}]}
    wrong_kind = isinstance(given_value, (dict, list))
    value = json.dumps(given_value) if as_json_text and wrong_kind else given_value

    if wrong_kind and not as_json_text:
        with pytest.raises(GATE.GateError) as refused:
            GATE.gate_command({'file_hash': SHA, 'restore_suspicious': value}, suspicious)
        message = str(refused.value)
        assert 'restore_suspicious' in message and kind_of(given_value) in message, message
        assert json.dumps(given_value) in message and repr(given_value) not in message.replace(
            json.dumps(given_value), ''), message
        return
    allowed = gate({'file_hash': SHA, 'restore_suspicious': value}, suspicious)['allowed']

    assert allowed == ([SHA] if str(value).strip().lower() == 'true' else [])


@given(item=WRONG_KIND, endpoints=st.sampled_from([[], ['7587a1a45680f5b074bdf8b74b9aad2a', 'e2']]),
       status=st.sampled_from(['FAILED', 'IN_PROGRESS']))
@example(item={'a': 1}, endpoints=[], status='FAILED')
def test_a_record_that_may_have_started_is_not_said_to_be_restored_again_whatever_its_action_id_holds(
        item, endpoints, status):
    """integration.yml: a record whose may_have_started is true is a restore Cortex XDR may have carried out though
    restore-file could not follow it (it has no action to read): look in the Action Center before restoring it again.
    Its action_id, an object or list here, changes none of that: on the record's endpoint (every endpoint, or the first
    of two given) the file is not sent again, and the note tells the analyst so and to look in the Action Center first;
    no line tells them the file is restored again or that the record's action_id was left unread."""
    record = dict(RESTORED, status=status, action_id=item, may_have_started=True,
                  endpoint_id=endpoints[0] if endpoints else '')
    scope = {'endpoint_id': endpoints} if endpoints else {}

    entry = GATE.gate_command(dict(scope, file_hash=SHA, restored_before=[record]), {}, lambda command, args: [])

    verdicts = gate_verdicts(entry)
    sent = {(h, e) for h in verdicts['allowed'] for e in verdicts['endpoints'] or ['']}
    assert sent == ({(SHA, endpoints[1])} if endpoints else set())
    named = [line for line in entry['HumanReadable'].splitlines() if SHA in line]
    # sent to the second endpoint, one line says no source scored the file (unknown_lines); the other is the record's
    [line] = [line for line in named if not line.startswith('- **Not scored**')]
    assert 'not run again' in line and 'may have started' in line and 'Action Center' in line, line
    assert not any('restored again' in line or 'action_id' in line for line in named), named


@given(items=st.lists(WRONG_KIND, min_size=2, max_size=4), other_given=st.booleans(), other_first=st.booleans())
@example(items=[{'a': '1'}, ['h1']], other_given=False, other_first=False)
def test_records_naming_their_endpoint_as_an_object_or_list_get_one_line_for_the_file_restored_and_none_for_another(
        items, other_given, other_first):
    """Several earlier records of the file, each naming its endpoint as an object or list, name no endpoint they
    covered: the file goes out again, and the analyst is told once, in one line naming the file and the kind of each
    endpoint_id, not once a record. A record alike of a file this restore does not send (not given, or given and held
    as scored bad) tells them nothing of what is restored: no line names it."""
    other = 'f' * 64
    records = [dict(RESTORED, endpoint_id=item) for item in items]
    records.insert(0 if other_first else len(records), dict(RESTORED, file_hash=other, endpoint_id=items[0]))
    bad = {'DBotScore': [{'Indicator': other, 'Type': 'file', 'Vendor': 'VirusTotal (API v3)', 'Score': 3}]}

    entry = GATE.gate_command({'file_hash': [SHA, other] if other_given else SHA, 'restored_before': records}, bad,
                              lambda command, args: [])

    assert entry['Contents']['allowed'] == [SHA]
    [line] = [as_commonmark_reads(line)[1] for line in entry['HumanReadable'].splitlines() if 'endpoint_id' in line]
    assert SHA in line and other not in line, line
    assert all(f'endpoint_id is {kind_of(item)}' in line and json.dumps(item) in line for item in items), line


@given(item=WRONG_KIND)
@example(item={'a': '1'})
def test_a_record_naming_its_file_as_an_object_or_list_is_not_told_of_when_every_file_given_was_restored_before(item):
    """A re-close: the one file given was restored on every endpoint before, so nothing goes out. A record beside it
    naming its file as an object or list keeps nothing from a restore that is not sent: no line tells of it."""
    records = [RESTORED, dict(RESTORED, file_hash=item, action_id=1002)]

    entry = GATE.gate_command({'file_hash': SHA, 'restored_before': records}, {}, lambda command, args: [])

    assert entry['Contents']['allowed'] == []
    note = entry['HumanReadable']
    assert 'file_hash is' not in note and 'again (' not in note, note


@given(item=WRONG_KIND)
@example(item={'a': '1'})
def test_a_record_naming_its_file_as_an_object_or_list_is_said_to_be_of_a_file_not_of_one_its_json_names(item):
    """A record whose file_hash is an object or list names no file: its line says it is of a file, and shows that
    JSON as no file name to copy (a code span), while the file given goes out again."""
    entry = GATE.gate_command({'file_hash': SHA, 'restored_before': [dict(RESTORED, file_hash=item)]}, {},
                              lambda command, args: [])

    assert entry['Contents']['allowed'] == [SHA]
    [line] = [line for line in entry['HumanReadable'].splitlines() if 'file_hash is' in line]
    spans, shown = as_commonmark_reads(line)
    assert spans == [] and 'record of a file,' in shown, line


@pytest.mark.parametrize('many', [2, 60])
def test_earlier_records_of_a_file_alike_in_a_field_not_text_are_all_counted_and_each_kind_is_named_once(many):
    """Earlier records of the file that each name the same list as their endpoint: the one line counts them all and
    names that endpoint_id once; records naming different lists are named in a short list, not one each."""
    alike = [dict(RESTORED, endpoint_id=['h1'], action_id=1001 + n) for n in range(many)]
    different = [dict(RESTORED, endpoint_id=[f'h{n}'], action_id=2001 + n) for n in range(many)]

    for records in (alike, different):
        entry = GATE.gate_command({'file_hash': SHA, 'restored_before': records}, {}, lambda command, args: [])

        [line] = [as_commonmark_reads(line)[1] for line in entry['HumanReadable'].splitlines() if 'endpoint_id' in line]
        assert f'{many} earlier' in line, line
        named = line.count('endpoint_id is a list')
        if records is alike:
            assert named == 1, line
        else:
            assert 1 < named < 60, line


# restore-file's record fields, as integration.yml declares its outputs: the records below are built of these alone
XDR_RECORD_FIELDS = {output['contextPath'].split('.')[2] for command in
                     yaml.safe_load((TEST_DATA.parent / 'integration.yml').read_text())['script']['commands']
                     if command['name'] == 'restore-file' for output in command['outputs']
                     if output['contextPath'].startswith('CortexXDR.RestoredFile.')}
MANY_ENDPOINTS = [f'{n:032x}' for n in range(60)]  # past README's 50 lines about endpoints: their lines are shared


def xdr_records(file_hash: str, endpoints: list[str], status: str) -> list[dict]:
    """An earlier restore-file's record of ``file_hash`` on each endpoint, each its own action."""
    records = [{'file_hash': file_hash, 'endpoint_id': endpoint, 'action_id': 5000 + number, 'status': status,
                'endpoints_count': 1, 'restored_count': int(status == 'COMPLETED_SUCCESSFULLY'), 'failed_count': 0}
               for number, endpoint in enumerate(endpoints)]
    assert set(records[0]) <= XDR_RECORD_FIELDS
    return records


def assert_one_line_per_endpoint_group_names_20_and_gives_one_command_to_fill_in(line: str, endpoints: list[str]):
    """A note's line about a file on many endpoints, bounded as README's "Readable at any scale" says: how many
    endpoints, 20 of them named, then how many more, and one command (and one check) for an endpoint to fill in, where
    it gave one command per endpoint: 60 code spans in one line."""
    spans, shown = as_commonmark_reads(line)
    commands = [parse_line(span).args for span in spans if span.startswith('!restore-file ')]
    assert 1 <= len(commands) <= 2 and all(args['endpoint_id'] not in endpoints for args in commands), line
    assert [e for e in endpoints if e in shown] == endpoints[:20], shown
    assert f'{len(endpoints)} endpoints' in shown and f'and {len(endpoints) - 20} more' in shown, shown
    assert 'QuarantineRestore.Gate.covered' in shown, shown


@pytest.mark.parametrize('status', ['COMPLETED_SUCCESSFULLY', 'COMPLETED_WITH_FAILURES', 'IN_PROGRESS'])
def test_a_file_an_earlier_restore_covers_on_60_endpoints_gets_one_command_to_fill_in_and_the_context_has_each(status):
    """An earlier restore-file of the file on each of 60 endpoints (given back, given back with failures, or still
    running and not read again now: the server fails the read): the line the gate writes for those endpoints gave each
    endpoint its own command (and, still running, its own check), 60 code spans in one line. It now names 20 of
    them, gives one command to fill in, and QuarantineRestore.Gate.covered has each endpoint's command and check."""
    records = xdr_records(SHA, MANY_ENDPOINTS, status)

    entry = GATE.gate_command({'file_hash': SHA, 'endpoint_id': MANY_ENDPOINTS, 'restored_before': records}, {},
                              lambda command, args: [])

    [line] = entry['Contents']['not_sent']
    assert_one_line_per_endpoint_group_names_20_and_gives_one_command_to_fill_in(line, MANY_ENDPOINTS)
    [covered] = entry['EntryContext']['QuarantineRestore.Gate(true)']['covered']
    by_hand = [parse_line(command).args for command in covered['by_hand']]
    assert sorted((args['file_hash'], args['endpoint_id']) for args in by_hand) == [(SHA, e) for e in MANY_ENDPOINTS]
    checks = [parse_line(command).args for command in as_list(covered.get('check'))]
    assert sorted((args['endpoint_id'], ri.action_id_list(args['action_id'])) for args in checks) == \
        ([(r['endpoint_id'], [r['action_id']]) for r in records] if status == 'IN_PROGRESS' else [])


def check_it_first(line: str) -> str:
    """The restore-file check a gate line gives to run first (a status read: polling=false and an action_id)."""
    [check] = [span for span in as_commonmark_reads(line)[0]
               if span.startswith('!restore-file ') and 'action_id' in parse_line(span).args]
    return check


def restores_running_on_each(tmp_path, endpoints: list[str]) -> tuple:
    """A tenant whose actions run for an hour, each endpoint holding SHA quarantined, and a war room that started
    restore-file of it on each endpoint, one action each, under Cortex XDR incident 412, without polling: (the
    tenant, which the caller stops, the war room, its records)."""
    seed = tmp_path / 'tenant.json'
    seed.write_text(json.dumps({'endpoints': [{'endpoint_id': endpoint, 'quarantined': [{'file_hash': SHA}]}
                                              for endpoint in endpoints]}))
    xdr = start_tenant(seed=seed, stage_seconds=3600)
    try:
        room = WarRoom(params=xdr.params(), time_scale=0, sleep=lambda _: None)
        for endpoint in endpoints:
            assert not room.run('restore-file', {'file_hash': SHA, 'endpoint_id': endpoint, 'incident_id': '412',
                                                 'polling': 'false'}).failed
    except BaseException:
        xdr.server.stop()
        raise
    return xdr, room, as_list(get_path(room.context, 'CortexXDR.RestoredFile'))


def test_the_check_to_fill_in_for_60_endpoints_filled_in_with_one_endpoint_and_its_action_is_that_endpoint_s_own(
        tmp_path):
    """Restores of the file on 60 endpoints, one action each, still running and not read again now (the reads give no
    answer): the line gives the check for one endpoint, to fill in. It wrote action_id=<action_id>, where the check
    for one endpoint writes the JSON list Cortex XDR sent (action_id=[1001]), so filled in it was not that check.
    Filled in with an endpoint and its action as Cortex XDR holds them, it is now the very check the line for that
    endpoint alone gives, and it reads that action."""
    endpoints = [f'{n:032x}' for n in range(60)]
    xdr, room, records = restores_running_on_each(tmp_path, endpoints)
    try:
        assert {record['status'] for record in records} == {'IN_PROGRESS'}
        scope = {'file_hash': SHA, 'incident_id': '412'}
        many = GATE.gate_command(dict(scope, endpoint_id=endpoints, restored_before=records), {},
                                 lambda command, args: [])
        endpoint = endpoints[7]
        [action] = [action for action in xdr.backend.actions.values() if action.endpoint_ids == (endpoint,)]
        [record] = [record for record in records if record['endpoint_id'] == endpoint]
        one = GATE.gate_command(dict(scope, endpoint_id=[endpoint], restored_before=[record]), {},
                                lambda command, args: [])
        [many_line], [one_line] = many['Contents']['not_sent'], one['Contents']['not_sent']
        filled = check_it_first(many_line).replace('<endpoint_id>', endpoint).replace('<action_id>',
                                                                                        str(action.action_id))
        assert filled == check_it_first(one_line), (many_line, one_line)
        command = parse_line(filled)
        read = WarRoom(params=xdr.params(), time_scale=0, sleep=lambda _: None).run(command.command, command.args)
    finally:
        xdr.server.stop()

    assert not read.failed, read.entries[-1]
    [now] = as_list(get_path(read.context, 'CortexXDR.RestoredFile'))
    assert (now['action_id'], now['endpoint_id'], now['status']) == (action.action_id, endpoint, 'IN_PROGRESS')


def test_a_restore_read_again_still_running_on_60_endpoints_is_followed_in_the_action_center_not_60_commands(
        tmp_path):
    """Restores of the file on 60 endpoints (past the 50 lines a note gives endpoints, so they share one), one action
    each, started without polling and read again by the gate now: Cortex XDR says each is still running. The file is
    not sent again; the line says the restore is still running, names 20 of its actions and how many more, and sends
    the analyst to follow them in the Action Center rather than through 60 commands in one line (README: past 20
    endpoints, the Action Center)."""
    endpoints = MANY_ENDPOINTS
    xdr, room, records = restores_running_on_each(tmp_path, endpoints)
    try:
        restores = len(xdr.backend.actions)

        entry = GATE.gate_command({'file_hash': SHA, 'incident_id': '412', 'endpoint_id': endpoints,
                                   'restored_before': records}, {},
                                  lambda command, args: room.run(command, args, follow_polling=False).entries)

        assert len(xdr.backend.actions) == restores  # read again, not sent
        read = as_list(get_path(room.context, 'CortexXDR.RestoredFile'))
    finally:
        xdr.server.stop()
    assert {record['status'] for record in read} == {'IN_PROGRESS'} and len(read) == len(endpoints)
    assert entry['Contents']['allowed'] == []
    [line] = entry['Contents']['not_sent']
    spans, shown = as_commonmark_reads(line)
    actions = [str(record['action_id']) for record in records]
    assert 'is still running' in shown and 'Cortex XDR > Response > Action Center' in shown, shown
    assert f'actions {", ".join(actions[:20])} and {len(actions) - 20} more' in shown, shown
    assert [span for span in spans if 'action_id' in span] == [], spans  # no command per endpoint to follow


@pytest.mark.parametrize('restored_on_b', [1, 2], ids=['one file left out', 'two files left out'])
def test_the_line_of_files_left_out_on_an_endpoint_says_it_of_one_file_and_them_of_several(restored_on_b):
    """Files restored before on endpoint b only, two more needed on a and b: the playbook restores the two on both,
    and leaves the others out on a. Its line speaks of that one file as "it", of several as "them"."""
    a, b = '7587a1a45680f5b074bdf8b74b9aad2a', '3fb17d1e8ae744435d8ee4078bd87316'
    before = [char * 64 for char in 'ab'[:restored_on_b]]
    records = [record for file_hash in before for record in xdr_records(file_hash, [b], 'COMPLETED_SUCCESSFULLY')]

    entry = GATE.gate_command({'file_hash': before + ['c' * 64, 'd' * 64], 'endpoint_id': [a, b],
                               'restored_before': records}, {}, lambda command, args: [])

    assert entry['Contents']['allowed'] == ['c' * 64, 'd' * 64]
    [left_line] = [line for line in entry['Contents']['not_sent'] if 'was not run for' in line]
    pronoun = 'it' if restored_on_b == 1 else 'them'
    assert f'which still needs {pronoun}:' in left_line and f'Restore {pronoun} there by hand' in left_line, left_line


@pytest.mark.parametrize('status', ['COMPLETED_SUCCESSFULLY', 'COMPLETED_WITH_FAILURES', 'IN_PROGRESS'])
def test_each_restore_file_command_for_a_file_not_sent_again_or_left_out_names_the_incident_s_cortex_xdr_incident(
        status):
    """A file restored before on endpoint b (given back, with failures, or still running and not read again now) and
    still needed on a, beside a file needed on both: the gate's line for b (not sent again) and for a (left out) each
    give restore-file commands by hand, and a check where the earlier action's state is unknown. Each names the Cortex
    XDR incident the restore is made under, as the held files' do, so that what an analyst runs shows in that
    incident's timeline in Cortex XDR; QuarantineRestore.Gate.covered's commands too."""
    a, b, incident_id = '7587a1a45680f5b074bdf8b74b9aad2a', '3fb17d1e8ae744435d8ee4078bd87316', '412'
    records = xdr_records(SHA, [b], status)

    entry = GATE.gate_command({'file_hash': [SHA, 'c' * 64], 'endpoint_id': [a, b], 'incident_id': incident_id,
                               'restored_before': records}, {}, lambda command, args: [])

    assert entry['Contents']['allowed'] == ['c' * 64] and len(entry['Contents']['not_sent']) == 2
    shown = [parse_line(span) for line in entry['Contents']['not_sent'] for span in as_commonmark_reads(line)[0]
             if span.startswith('!restore-file ')]
    kept = [parse_line(command) for item in entry['EntryContext']['QuarantineRestore.Gate(true)']['covered']
            for key in ('by_hand', 'check') for command in as_list(item.get(key))]
    assert len(shown) >= 2 and len(kept) >= 2
    assert [line.args.get('incident_id') for line in shown + kept] == [incident_id] * len(shown + kept)


def test_a_file_left_out_on_30_of_60_endpoints_gets_one_command_to_fill_in_and_the_context_has_each():
    """The file restored before on 30 of 60 endpoints, and a second file needed on all: the playbook restores the
    second everywhere, and leaves the first out on the other 30 (one list of files per endpoint). Both lines, the
    endpoints it covers and those it is left out on, gave each endpoint its own command in one line."""
    other = 'a' * 64
    records = xdr_records(SHA, MANY_ENDPOINTS[:30], 'COMPLETED_SUCCESSFULLY')

    entry = GATE.gate_command({'file_hash': [SHA, other], 'endpoint_id': MANY_ENDPOINTS, 'restored_before': records},
                              {}, lambda command, args: [])

    assert entry['Contents']['allowed'] == [other]
    covered_line, left_line = entry['Contents']['not_sent']
    assert_one_line_per_endpoint_group_names_20_and_gives_one_command_to_fill_in(covered_line, MANY_ENDPOINTS[:30])
    assert_one_line_per_endpoint_group_names_20_and_gives_one_command_to_fill_in(left_line, MANY_ENDPOINTS[30:])
    by_hand = [parse_line(command).args for item in entry['EntryContext']['QuarantineRestore.Gate(true)']['covered']
               for command in item['by_hand']]
    assert sorted((args['file_hash'], args['endpoint_id']) for args in by_hand) == [(SHA, e) for e in MANY_ENDPOINTS]


class FaultyRuntime:
    """The part of XSOAR's ``demisto`` the gate's main uses, keeping what it writes and logs."""

    def __init__(self, args: dict) -> None:
        self._args, self.entries, self.log = args, [], []

    def args(self) -> dict:
        return self._args

    def context(self) -> dict:
        return {}

    def executeCommand(self, command: str, args: dict) -> list:  # noqa: N802 - XSOAR's name
        return []

    def results(self, entry: dict) -> None:
        self.entries.append(entry)

    def debug(self, message: str) -> None:
        self.log.append(message)


def test_a_fault_of_the_gate_s_own_says_no_file_was_judged_and_how_to_restore_by_hand_and_get_the_traceback(
        monkeypatch):
    """No argument or context value found makes the gate fail on its own, so the fault is injected (the test's only
    stand-in). Its error entry keeps the fault's words, says what that means for the restore (no file judged: none
    restored automatically) and what to do: look up the file's reputation and restore by hand, and run the script with
    debug-mode=true for the traceback the pack's maintainers need."""
    def broken(args, context, execute=None):
        raise RuntimeError('the verdict table is gone')
    monkeypatch.setattr(GATE, 'gate_command', broken)
    runtime = FaultyRuntime({'file_hash': 'ab' * 32})

    GATE.main(runtime)

    [entry] = runtime.entries
    text = entry['Contents']
    assert entry['Type'] == 4 and 'the verdict table is gone' in text and 'Traceback' not in text
    assert 'judged no file' in text and 'none is restored automatically' in text, text
    assert '!file file=<sha256>' in text and 'by hand' in text and 'debug-mode=true' in text, text
    assert any('Traceback' in message for message in runtime.log)


@pytest.mark.parametrize('name, value, command, owner', [
    ('host_id', 'h1', 'restore-file', 'hss-restore-isolated'),
    ('endpoint_id', 'a' * 32, 'hss-restore-isolated', 'restore-file'),
    ('incident_id', '7', 'hss-restore-isolated', 'restore-file'),
])
def test_a_scope_argument_of_the_other_restore_command_is_refused_and_nothing_is_asked(name, value, command, owner):
    # a by-hand command would otherwise drop the scope given and restore the file on every host or endpoint
    asked = []

    with pytest.raises(GATE.GateError) as refused:
        GATE.gate_command({'file_hash': SHA, 'restore_command': command, name: value}, {},
                          lambda called, args: asked.append((called, args)) or [])

    assert str(refused.value) == f'{name} goes with a restore of {owner}, not of {command}.'
    assert asked == []


def test_a_fault_of_the_gate_s_own_still_ends_in_its_error_entry_when_the_debug_log_fails_too():
    class Runtime:
        def __init__(self):
            self.entries = []

        def args(self):
            return {'file_hash': SHA}

        def context(self):
            raise RuntimeError('context service unavailable')

        def debug(self, message):
            raise ValueError('debug channel closed')

        def results(self, entry):
            self.entries.append(entry)

    runtime = Runtime()

    GATE.main(runtime)

    [entry] = runtime.entries
    assert entry['Type'] == 4 and 'context service unavailable' in entry['Contents'], entry
    assert 'judged no file' in entry['Contents'] and 'debug channel closed' not in entry['Contents'], entry
