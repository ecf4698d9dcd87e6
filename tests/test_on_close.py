"""What closing an incident as a false positive does, by either trigger (the playbook an analyst's decision runs,
or the post-processing script set on the incident type), and the reputation gate in front of every restore."""
from __future__ import annotations

import copy
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import assume, example, given, settings, strategies as st

import facts
import restore_integration as ri
from commonmark_reading import as_commonmark_reads
from conftest import (ROOT, HSS_SEED, TEST_DATA, FakeClock, HssTenant, WaitClock,
                      assert_names_20_hosts_and_one_to_fill_in,
                      checks_to_fill_in_and_whom, first_and_last_host_each_is_for, gate_verdicts, hash_at_paths_seed,
                      hss_seed_copies, integration_on_clock, known_bad, load_json, lost_restore_record, many_hosts_seed,
                      one_file_restore_lost, seed_failing_endpoints, seed_holders, start_hss_tenant, start_tenant)
from warroom.context import as_list, get_path, merge_entry_context
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss import create_app as create_hss_app
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.emulator.xdr.models import RestoreFailure
from warroom.line import parse_line
from warroom.playbook.incidents import (POST_PROCESSING_SCRIPT, RESTORE_PLAYBOOK, IncidentFile, close_by_playbook,
                                       close_incident)
from warroom.playbook.model import SCRIPTS_DIR, Playbook, Task
from warroom.playbook.others import REPLIES_DIR, OtherIntegrations
from warroom.playbook.runner import PlaybookRunner, ScriptDemisto, _load_script
from warroom.runtime import WarRoom
from warroom.spec import load_spec

INCIDENTS = TEST_DATA / 'incidents'
HOLDERS = seed_holders()
VT = 'VirusTotal (API v3)'
GATE = _load_script('QuarantineRestoreReputationGate')


def runner_for(vendors, enabled=None):
    xdr, hss = vendors
    others = OtherIntegrations(enabled=set(enabled)) if enabled is not None else None
    return PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None, others=others)


def close(vendors, name, via, reason=None, enabled=None, context=None, runner=None):
    """Closes a sample incident ``via`` the post-processing script, the False Positive playbook ('playbook') or the
    playbook ``via`` names."""
    sample = IncidentFile.load(INCIDENTS / name)
    incident = close_incident(sample.incident, reason or sample.close_reason, sample.close_notes)
    runner = runner or runner_for(vendors, enabled)
    context = sample.context if context is None else context
    if via == 'post-processing':
        return sample, runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, context)
    return sample, runner.run(RESTORE_PLAYBOOK if via == 'playbook' else via, incident, context)


def restored_hashes(xdr):
    return {r.body['request_data']['file_hash'] for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')}


@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'hss_false_positive.json'])
def test_the_close_s_restores_name_this_integration_so_another_with_a_command_of_that_name_is_not_called(vendors,
                                                                                                         name):
    """The on-close script's executeCommand of restore-file and hss-restore-isolated gives using-brand=Quarantine
    Restore: XSOAR runs a call that names no brand on every enabled integration that has the command (the runner
    answers such a call with an error entry when another integration has it), so the restore goes to this pack's
    integration only."""
    from warroom.playbook.others import OtherCommand, load_other_commands
    shared = {command: OtherCommand('Other Restorer', command, ('file_hash',), ('file_hash',), frozenset())
              for command in ('restore-file', 'hss-restore-isolated')}
    others = OtherIntegrations(enabled={'Quarantine Restore', 'Cortex XDR - IR', 'Other Restorer'},
                               commands={**load_other_commands(), **shared})
    xdr, hss = vendors
    runner = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None, others=others)

    _, run = close(vendors, name, 'post-processing', runner=runner)

    calls = [event for event in run.events if event.command in shared]
    assert calls and all(event.args.get('using-brand') == 'Quarantine Restore' for event in calls)
    assert all(event.outcome == 'done' for event in calls), [event.outcome for event in calls]
    assert 'Other Restorer' not in json.dumps([event.entries for event in run.events], default=str)


@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
def test_the_by_hand_restore_of_a_file_held_for_its_reputation_is_made_under_the_incident_s_cortex_xdr_incident(
        vendors, via):
    """The restore the note gives for a file held back (scored bad), run by an analyst sure it is benign, goes to Cortex
    XDR under the incident's Cortex XDR incident, as the restore the playbook and the close make is: it then appears
    in that incident's timeline in Cortex XDR, and its record in the context names that incident."""
    xdr, _ = vendors
    sample, run = close(vendors, 'xdr_known_bad.json', via)

    assert not run.failed, run.error
    [file_hash] = known_bad(sample.context)
    [command] = [parse_line(span) for note in run.notes for span in as_commonmark_reads(note)[0]
                 if span.startswith(f'!restore-file file_hash={file_hash}')]
    entry = WarRoom(params=xdr.params(), time_scale=0, sleep=lambda _: None).run(command.command, command.args)
    assert not entry.failed, entry.entries
    [restore] = [r.body['request_data'] for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')]
    assert (restore['file_hash'], str(restore['incident_id'])) == (file_hash,
                                                                   sample.incident['CustomFields']['xdrincidentid'])


@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
def test_a_reclose_s_by_hand_restore_of_a_file_not_sent_again_is_made_under_the_incident_s_cortex_xdr_incident(
        vendors, via):
    """Closed again, the note's line for each file an earlier restore covers (not sent again) gives the command that
    restores it by hand should it be quarantined again. Run, it goes to Cortex XDR under the incident's Cortex XDR
    incident, as the playbook's and the close's restores do, so that it appears in that incident's timeline."""
    xdr, _ = vendors
    sample, first = close(vendors, 'xdr_false_positive.json', via)
    assert not first.failed, first.error
    sent = len(restores_sent(xdr))

    _, again = close(vendors, 'xdr_false_positive.json', via, context=first.context)

    assert not again.failed, again.error
    commands = [parse_line(span) for note in again.notes for line in note.splitlines() if 'was not run again' in line
                for span in as_commonmark_reads(line)[0] if span.startswith('!restore-file ')]
    assert commands and len(restores_sent(xdr)) == sent
    for command in commands:
        WarRoom(params=xdr.params(), time_scale=0, sleep=lambda _: None).run(command.command, command.args)
    made = [str(r.body['request_data'].get('incident_id')) for r in restores_sent(xdr)[sent:]]
    assert made and made == [sample.incident['CustomFields']['xdrincidentid']] * len(made)


@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
def test_a_file_scored_3_is_called_malicious_in_every_note_as_xsoar_shows_that_verdict(vendors, via):
    """XSOAR shows an indicator's DBotScore 3 as the verdict Malicious (0 Unknown, 1 Benign, 2 Suspicious,
    3 Malicious: its Indicator Verdict page), and the pack's other notes and playbooks say a file scored malicious is
    held back; the held file's line said "scored bad (3)". One word: malicious, in the note and in the gate's
    verdict."""
    sample, run = close(vendors, 'xdr_known_bad.json', via)

    assert not run.failed, run.error
    [file_hash] = known_bad(sample.context)
    lines = [line for note in run.notes for line in note.splitlines() if file_hash in line and ' scored ' in line]
    assert lines and all('is scored malicious (3) by ' in line and 'scored bad' not in line for line in lines), lines
    # What the gate held: in the close's context, or (the playbook's, under a context of its own) its task's entry
    held = as_list(get_path(run.context, 'QuarantineRestore.Gate.held')) + [
        item for event in run.events for entry in event.entries if isinstance(entry.get('Contents'), dict)
        for item in entry['Contents'].get('held') or []]
    assert held and {item['verdict'] for item in held} == {'malicious'}, held


@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
@pytest.mark.parametrize('name', ['xdr_known_bad.json', 'xdr_known_bad_md5.json', 'xdr_known_bad_hashes_list.json'])
def test_a_file_scored_bad_is_never_restored_and_the_note_says_who_scored_it_and_under_which_hash(vendors, name, via):
    xdr, _ = vendors
    sample, run = close(vendors, name, via)

    assert not run.failed, run.error
    bad = known_bad(sample.context)
    assert bad and restored_hashes(xdr) == set()
    for file_hash in bad:
        for endpoint_id in HOLDERS[file_hash]:
            assert file_hash in xdr.backend.quarantined(endpoint_id)
    note = run.notes[-1]
    scored_bad = [s for s in sample.context['DBotScore'] if int(s['Score']) >= 3]
    assert all(s['Vendor'] in note for s in scored_bad) and all(f'!restore-file file_hash={h}' in note for h in bad)
    assert all(s['Indicator'] in note for s in scored_bad if s['Indicator'] not in bad)  # the MD5 it was scored as


def test_a_reputation_integration_is_asked_first_and_its_verdict_holds_the_file(vendors):
    xdr, _ = vendors
    _, run = close(vendors, 'xdr_false_positive.json', 'playbook',
                   enabled={'Quarantine Restore', 'Cortex XDR - IR', VT})

    assert not run.failed, run.error
    [asked] = [e for e in run.events if e.command == 'file' and not e.caller]  # the playbook's task, not a script's
    recorded = {p.stem for p in (TEST_DATA / 'xsoar' / 'replies' / VT / 'file').glob('*.json')}
    assert set(as_list(asked.args['file'])) & recorded
    # First: the reputation is asked before the gate decides (events are in run order); the sample's one file is the
    # one VirusTotal scores, so it is held and no restore runs at all.
    order = [e.command for e in run.events if e.command]
    assert order.index('file') < order.index('QuarantineRestoreReputationGate')
    assert 'restore-file' not in order
    assert restored_hashes(xdr).isdisjoint(recorded)
    assert VT in run.notes[-1]


def test_without_a_reputation_integration_the_check_is_skipped_and_unknown_files_are_restored(vendors):
    xdr, _ = vendors
    sample, run = close(vendors, 'xdr_false_positive.json', 'playbook')

    assert not run.failed, run.error
    [asked] = [e for e in run.events if e.command == 'file' and not e.caller]
    assert asked.outcome.startswith('skipped')
    assert restored_hashes(xdr) == {row['file_sha256'] for row in sample.incident['CustomFields']['xdrfileartifacts']}


@pytest.mark.parametrize('restore_suspicious, restored', [('false', False), ('true', True)])
def test_a_suspicious_file_is_restored_only_when_the_playbook_input_says_so(vendors, restore_suspicious, restored):
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_known_bad.json')
    context = {'DBotScore': [dict(s, Score=2) for s in sample.context['DBotScore']]}
    incident = close_incident(sample.incident, 'False Positive')
    runner = runner_for(vendors)
    playbook = runner.library.get('Quarantine Restore - Cortex XDR')
    for declared in playbook.inputs:
        if declared['key'] == 'RestoreSuspicious':
            declared['value'] = {'simple': restore_suspicious}

    run = runner.run(playbook, incident, context)

    assert not run.failed, run.error
    assert bool(restored_hashes(xdr)) is restored


@pytest.mark.parametrize('name', sorted(p.name for p in INCIDENTS.glob('*.json')))
def test_the_post_processing_script_never_blocks_the_close_and_restores_what_the_playbook_would(name):
    sample = IncidentFile.load(INCIDENTS / name)
    outcomes = {}
    for via in ('playbook', 'post-processing'):
        xdr, hss = start_tenant(), start_hss_tenant()
        try:
            before = hss.backend.snapshot()
            _, run = close((xdr, hss), name, via)
            assert not run.failed, run.error  # an error entry would block the close
            assert run.notes
            changed = [after for was, after in zip(before, hss.backend.snapshot()) if was != after]
            outcomes[via] = (restored_hashes(xdr), sorted((i['host_id'], i['file_path']) for i in changed))
        finally:
            xdr.server.stop()
            hss.stack.close()
    assert outcomes['post-processing'] == outcomes['playbook'], sample.incident['name']


def test_a_failure_inside_the_post_processing_script_is_a_note_not_an_error():
    module = _load_script(POST_PROCESSING_SCRIPT)
    incident = {'closeReason': 'False Positive', 'type': 'Cortex XDR Incident',
                'CustomFields': {'filesha256': ['a' * 64]}}

    def broken(command, args):
        raise RuntimeError('the server went away')

    demisto = ScriptDemisto({'closeReason': 'False Positive'}, {}, incident, execute=broken)
    module.main(demisto)

    [entry] = demisto.entries
    assert entry['Type'] == 1 and entry['Note'] is True and 'the server went away' in entry['Contents']
    assert 'RuntimeError' not in entry['Contents'], entry['Contents']  # words, not Python's name for the error


# Errors the script does not expect, and what each says: a key's name, a list's words, a server's text, none at all
UNEXPECTED = st.sampled_from([KeyError, IndexError, TypeError, AttributeError, RuntimeError, OSError,
                              ZeroDivisionError, ValueError])


def note_after(error, where):
    """The close note of a Cortex XDR incident when ``error`` is raised by its first call (``where`` 'call': in the
    Cortex XDR part) or before any part runs ('start'), and what the script logged."""
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': ['a' * 64]}},
                              'False Positive')

    def raising(*_):
        raise error

    demisto = ScriptDemisto({'closeReason': 'False Positive'}, {}, incident, execute=raising)
    logged = []
    demisto.debug = logged.append
    with mock.patch.object(ON_CLOSE, 'vendors_of', raising if where == 'start' else ON_CLOSE.vendors_of):
        ON_CLOSE.main(demisto)
    [entry] = demisto.entries
    assert entry['Type'] == 1, entry
    return entry['Contents'], logged


@settings(max_examples=60)
@given(kind=UNEXPECTED, message=st.text(max_size=30), where=st.sampled_from(['call', 'start']))
@example(kind=KeyError, message='outcome', where='call')
@example(kind=KeyError, message='outcome', where='start')
@example(kind=RuntimeError, message='', where='start')
def test_an_error_the_on_close_script_did_not_expect_is_told_in_words_with_its_own_text_and_what_to_do(kind, message,
                                                                                                      where):
    """A fault in one vendor's part, or before either ran, was told as Python names it ("this script failed (KeyError:
    'outcome')", "could not be started: ValueError: ..."). The note now says in words that the script stopped on an
    error it did not expect, keeps the error's own text (a server's message whole; the key a KeyError found missing,
    unquoted), points to the debug log, which has the traceback, and says what to do by hand."""
    assume(kind.__name__ not in message and not (kind is ValueError and where == 'call'))  # that one is an entry
    note, logged = note_after(kind(message), where)

    [line] = [line for line in note.splitlines() if 'did not expect' in line]
    shown = as_commonmark_reads(line)[1]
    assert kind.__name__ not in note, note
    assert ' '.join(message.split()) in shown and not (message.strip() and repr(message) in shown), line
    assert 'debug log' in line and any(kind.__name__ in text for text in logged), (line, logged)
    assert ('!restore-file file_hash=' if where == 'call' else 'by hand') in shown, line




def test_the_note_of_a_script_stopped_before_either_part_ran_gives_each_restore_command_in_a_code_span():
    """The note told the analyst to run !restore-file / !hss-restore-isolated by hand in plain markdown text, where the
    rest of the note puts each command in a code span (markdown may read a command's _ or * as emphasis). Each of the
    integration's two restore commands is now a code span of its own."""
    commands = {f"!{command['name']}" for command in
                yaml.safe_load((TEST_DATA.parent / 'integration.yml').read_text())['script']['commands']
                if command['name'] in ('restore-file', 'hss-restore-isolated')}
    note, _ = note_after(RuntimeError('boom'), 'start')

    [line] = [line for line in note.splitlines() if 'did not expect' in line]
    assert len(commands) == 2 and commands <= set(as_commonmark_reads(line)[0]), line

@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'hss_false_positive.json'])
def test_without_an_enabled_quarantine_restore_instance_the_on_close_script_sends_nothing_and_says_so(vendors, name):
    # XSOAR's executeCommand runs a command only on an enabled instance that has it; with none, an error entry.
    xdr, hss = vendors
    _, run = close(vendors, name, 'post-processing', enabled={'Cortex XDR - IR'})

    assert not run.failed, run.error
    assert restored_hashes(xdr) == set() and hss.requests_to('PUT', '/event/isolated-file') == []
    [note] = run.notes
    assert 'could not start' in note and 'To restore by hand' in note


def test_the_post_processing_script_is_tagged_and_takes_what_xsoar_passes():
    data = yaml.safe_load((SCRIPTS_DIR / POST_PROCESSING_SCRIPT / f'{POST_PROCESSING_SCRIPT}.yml').read_text())
    assert 'post-processing' in data['tags']
    assert {'closeReason', 'closeNotes'} <= {arg['name'] for arg in data['args']}


def test_the_pack_s_own_incident_type_runs_the_post_processing_script_on_close():
    # The integration's description promises that closing a fetched HSS event as False Positive restores its files
    # (the isFetch setting carries no help text: demisto-sdk format would add it again): XSOAR runs an incident type's
    # post-processing script ("closureScript") on every close, so the type the pack ships names it.
    [path] = (SCRIPTS_DIR.parent / 'incident_types').glob('*.json')
    incident_type = json.loads(path.read_text(encoding='utf-8'))
    script = yaml.safe_load((SCRIPTS_DIR / POST_PROCESSING_SCRIPT / f'{POST_PROCESSING_SCRIPT}.yml').read_text())
    assert incident_type['closureScript'] == script['commonfields']['id'] == script['name']
    integration = yaml.safe_load((TEST_DATA.parent / 'integration.yml').read_text())
    assert 'isFetch' in {param['name'] for param in integration['configuration']}
    assert 'closing it as False Positive restores them' in ' '.join(integration['description'].split())


def test_the_readme_says_how_a_content_pack_s_incident_type_takes_the_post_processing_script():
    # The README sends the admin to set the script on Cortex XDR's incident types, which come from a content pack:
    # attached, so not editable until duplicated or detached (the admin guide); a bare "set it" leads nowhere.
    readme = ' '.join((TEST_DATA.parent / 'README.md').read_text(encoding='utf-8').split())
    wiring = readme.split('**On close, from the post-processing script', 1)[1].split('XSOAR runs it however', 1)[0]
    assert 'Cortex XDR Incident' in wiring
    assert all(word in wiring.lower() for word in facts.XSOAR_ATTACHED_TYPE_EDITS), wiring


SHA = st.text(alphabet='0123456789abcdef', min_size=64, max_size=64)
# A Score as integrations write it: a number, or its text (whole, or with a zero fraction).
SCORE_FORMS = st.integers(0, 3).flatmap(lambda n: st.sampled_from([n, str(n), f'{n}.0', float(n)]))


def scores_under(indicators):
    return st.lists(st.fixed_dictionaries({'Indicator': indicators, 'Vendor': st.sampled_from(['A', 'B', 'C']),
                                           'Score': SCORE_FORMS, 'Type': st.just('file')}), max_size=8)


@given(data=st.data(), hashes=st.lists(SHA, min_size=1, max_size=5, unique=True), suspicious=st.booleans())
def test_the_gate_holds_exactly_the_files_scored_bad_or_suspicious(data, hashes, suspicious):
    # Scores under any of the files asked about (in either case) or under another file: any file may be held.
    indicators = st.one_of(st.sampled_from(hashes), st.sampled_from(hashes).map(str.upper), SHA)
    scores = data.draw(scores_under(indicators))
    entry = GATE.gate_command({'file_hash': ','.join(hashes), 'restore_suspicious': str(suspicious).lower()},
                              {'DBotScore': scores})
    result = gate_verdicts(entry)
    for file_hash in hashes:
        under = [s for s in scores if s['Indicator'].lower() == file_hash]
        best = max([int(float(s['Score'])) for s in under] or [0])
        held = best == 3 or (best == 2 and not suspicious)
        assert (file_hash in result['allowed']) is not held
        if held:
            [item] = [i for i in result['held'] if i['file_hash'] == file_hash]
            assert item['score'] == best
            assert set(item['scored_by']) == {s['Vendor'] for s in under if int(float(s['Score'])) == best}
    assert len(result['allowed']) + len(result['held']) == len(hashes)
    assert entry.get('Note') is bool(result['held'])


@given(score=st.one_of(st.sampled_from(['high', 'malicious', '3.5', 'NaN', '-1', '4', True]),
                      st.floats(allow_nan=True).filter(lambda f: not (f == f and f.is_integer() and 0 <= f <= 3))))
def test_a_score_the_gate_cannot_read_holds_the_file_for_an_analyst_naming_its_source(score):
    file_hash = 'ab' * 32
    entry = GATE.gate_command({'file_hash': file_hash},
                              {'DBotScore': [{'Indicator': file_hash, 'Vendor': 'X', 'Score': score, 'Type': 'file'},
                                             {'Indicator': file_hash, 'Vendor': 'Y', 'Score': 1, 'Type': 'file'}]})
    result = gate_verdicts(entry)
    assert result['allowed'] == [] and [item['verdict'] for item in result['held']] == ['unreadable']
    assert 'from X (score ' in entry['HumanReadable'] and entry['Note'] is True, entry['HumanReadable']


MD5_SCORED = IncidentFile.load(INCIDENTS / 'xdr_known_bad_md5.json').context  # !file run on the MD5, as XSOAR keeps it


def held_by_gate(args, context):
    entry = GATE.gate_command(args, context)
    result = gate_verdicts(entry)
    # the context holds the verdicts; Contents also the lines of files not sent again (none here) for the on-close note
    assert entry['Contents'] == dict(result, not_sent=[]) and entry['Note'] is bool(result['held'])
    return entry['HumanReadable'], result


@pytest.mark.parametrize('where', ['context', 'argument'])
@pytest.mark.parametrize('kind', ['MD5', 'SHA1'])
def test_a_score_recorded_under_the_files_md5_or_sha1_holds_it_and_the_note_names_that_hash(kind, where):
    """The File entry the reputation command wrote links the hash it was run on to the SHA256; a sub-playbook with a
    context of its own gets the incident's File entries as file_entries (and its DBotScore as dbot_score)."""
    file_entry = {k: v for k, v in MD5_SCORED['File'].items() if k != 'Malicious'}  # only the score says "bad"
    [score] = [dict(s, Indicator=file_entry[kind]) for s in MD5_SCORED['DBotScore']]
    args = {'file_hash': file_entry['SHA256']}
    if where == 'context':
        context = {'DBotScore': [score], 'File': file_entry}
    else:
        context, args = {}, dict(args, dbot_score=json.dumps([score]), file_entries=json.dumps([file_entry]))

    note, result = held_by_gate(args, context)

    assert result['allowed'] == []
    [held] = result['held']
    assert (held['file_hash'], held['score'], held['verdict']) == (file_entry['SHA256'], 3, 'malicious')
    assert held['scored_by'] == [score['Vendor']] and held['scored_as'] == [f'{kind} {file_entry[kind]}']
    assert file_entry[kind] in note and score['Vendor'] in note


def test_a_file_entry_marked_malicious_holds_the_file_without_any_dbotscore():
    file_entry = MD5_SCORED['File']

    note, result = held_by_gate({'file_hash': file_entry['SHA256']}, {'File': [file_entry]})

    assert result['allowed'] == []
    [held] = result['held']
    assert (held['score'], held['verdict']) == (3, 'malicious')
    assert held['scored_by'] == [file_entry['Malicious']['Vendor']] and held['scored_as'] == ['File.Malicious']
    assert file_entry['Malicious']['Vendor'] in note and 'Malicious' in note


def test_a_score_under_the_md5_of_another_file_does_not_hold_this_one():
    """Two File entries, two SHA256: the MD5 scored bad belongs to the other file only."""
    other = MD5_SCORED['File']
    ours = {'MD5': 'b' * 32, 'SHA1': 'c' * 40, 'SHA256': 'd' * 64}
    context = {'DBotScore': MD5_SCORED['DBotScore'],
               'File': [ours, {k: v for k, v in other.items() if k != 'Malicious'}]}

    _, result = held_by_gate({'file_hash': f'{ours["SHA256"]},{other["SHA256"]}'}, context)

    assert result['allowed'] == [ours['SHA256']]
    assert [held['file_hash'] for held in result['held']] == [other['SHA256']]


def test_hashes_in_upper_case_link_and_match_as_in_lower_case():
    file_entry = {k: (v.upper() if isinstance(v, str) else v) for k, v in MD5_SCORED['File'].items()
                  if k != 'Malicious'}
    scores = [dict(s, Indicator=s['Indicator'].upper()) for s in MD5_SCORED['DBotScore']]

    lower = {k: v for k, v in MD5_SCORED['File'].items() if k != 'Malicious'}

    note, result = held_by_gate({'file_hash': file_entry['SHA256']}, {'DBotScore': scores, 'File': file_entry})

    assert result['allowed'] == []
    [held] = result['held']
    assert held['file_hash'] == file_entry['SHA256'].lower() and held['verdict'] == 'malicious'
    assert held['scored_as'] == [f'MD5 {file_entry["MD5"].lower()}']  # the File entry linked the MD5 to the SHA256
    # as in lower case: the same verdicts and the same note as the sample's own hashes give, word for word
    assert (note, result) == held_by_gate({'file_hash': lower['SHA256']},
                                          {'DBotScore': MD5_SCORED['DBotScore'], 'File': lower})


MD5 = st.text(alphabet='0123456789abcdef', min_size=32, max_size=32)
SHA1 = st.text(alphabet='0123456789abcdef', min_size=40, max_size=40)
HASH_KINDS = ('SHA256', 'MD5', 'SHA1')


@given(data=st.data(), suspicious=st.booleans())
def test_a_score_under_any_hash_a_file_entry_gives_the_file_counts_as_one_under_its_sha256(data, suspicious):
    """Metamorphic: the gate's answer for scores recorded under each file's MD5, SHA1 or SHA256 (in either case, the
    File entries linking them) is its answer for the same scores all recorded under the SHA256, with no File entry.
    Files not asked about have File entries and scores too: theirs hold no other file."""
    files = data.draw(st.lists(st.tuples(SHA, MD5, SHA1), min_size=1, max_size=4,
                               unique_by=(lambda f: f[0], lambda f: f[1], lambda f: f[2])))
    asked = data.draw(st.lists(st.sampled_from([f[0] for f in files]), min_size=1, unique=True))
    drawn = data.draw(st.lists(st.tuples(st.integers(0, len(files) - 1), st.sampled_from(HASH_KINDS),
                                         st.sampled_from(['A', 'B', 'C']), SCORE_FORMS, st.booleans()), max_size=8))
    entries = [{kind: data.draw(st.sampled_from([value, value.upper()])) for kind, value in zip(HASH_KINDS, f)}
               for f in files]
    aliased = [{'Indicator': files[i][HASH_KINDS.index(kind)].upper() if upper else files[i][HASH_KINDS.index(kind)],
                'Vendor': vendor, 'Score': score, 'Type': 'file'} for i, kind, vendor, score, upper in drawn]
    direct = [dict(s, Indicator=files[i][0]) for s, (i, *_) in zip(aliased, drawn)]
    args = {'file_hash': ','.join(asked), 'restore_suspicious': str(suspicious).lower()}

    _, by_alias = held_by_gate(args, {'DBotScore': aliased, 'File': entries[0] if len(entries) == 1 else entries})
    _, by_sha256 = held_by_gate(args, {'DBotScore': direct})

    assert by_alias['allowed'] == by_sha256['allowed']
    assert [{k: v for k, v in h.items() if k != 'scored_as'} for h in by_alias['held']] == \
        [{k: v for k, v in h.items() if k != 'scored_as'} for h in by_sha256['held']]
    for held in by_alias['held']:
        [hashes] = [f for f in files if f[0] == held['file_hash']]
        assert all(how == 'SHA256' or how.split(' ', 1) in ([k, v] for k, v in zip(HASH_KINDS, hashes))
                   for how in held['scored_as'])


# A character no list of SHA256 values holds, written with commas or as JSON (a backslash may escape a digit in JSON).
FOREIGN = re.compile(r'[^0-9a-fA-F,\s\[\]"\\]')
NOT_A_SHA256 = st.text(max_size=20).filter(lambda t: t.strip() and ',' not in t and '[' not in t
                                           and not re.fullmatch('[0-9a-fA-F]{64}', t.strip()))


@given(text=st.text(max_size=80).filter(FOREIGN.search))
def test_the_gate_refuses_anything_but_sha256_values_by_name(text):
    with pytest.raises(GATE.GateError, match='file_hash'):
        GATE.gate_command({'file_hash': text}, {})


@given(items=st.lists(st.one_of(SHA, SHA.map(str.upper), NOT_A_SHA256), min_size=1, max_size=4),
       as_json=st.booleans())
def test_the_gate_takes_sha256_values_and_refuses_a_list_holding_anything_else(items, as_json):
    # file_hash as a playbook passes it: comma-separated text, or a JSON list.
    given = json.dumps(items) if as_json else ','.join(items)
    if all(re.fullmatch('[0-9a-fA-F]{64}', item) for item in items):
        result = gate_verdicts(GATE.gate_command({'file_hash': given}, {}))  # nothing scored: every one allowed
        allowed = list(dict.fromkeys(item.lower() for item in items))
        assert result == {'allowed': allowed, 'allowed_paths': [], 'held': [], 'covered': [], 'endpoints': None,
                          'by_hand': f'!restore-file file_hash={",".join(allowed)}', 'earlier_actions': []}
    else:
        with pytest.raises(GATE.GateError, match='file_hash'):
            GATE.gate_command({'file_hash': given}, {})


@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'hss_false_positive.json'])
def test_a_close_reason_that_only_holds_the_words_false_positive_restores_nothing_by_either_trigger(vendors, name, via):
    """README: a restore runs only when the incident was closed as False Positive (compared without case), or Cortex
    XDR resolved it so. A reason of an organisation's own that names the words, such as "Not a False Positive", is
    another reason: neither the playbook nor the post-processing script restores anything."""
    xdr, hss = vendors
    reason = 'Not a False Positive'

    _, run = close(vendors, name, via, reason=reason)

    assert not run.failed, run.error
    assert restored_hashes(xdr) == set() and hss.requests_to('PUT', '/event/isolated-file') == []
    assert run.notes and reason in run.notes[-1]


# CortexXDRIR's mirroring closes the incident as "False Positive" when Cortex XDR resolves it so (its
# XDR_RESOLVED_STATUS_TO_XSOAR), and sends a close made in XSOAR back as Cortex XDR's status ("Resolved":
# resolved_true_positive): the close reason is the latest word of either side. The mirrored status decides only a close
# that gives no reason.
@pytest.mark.parametrize('reason', ['False Positive', ''])
def test_a_close_by_mirroring_restores_when_cortex_xdr_resolved_it_as_a_false_positive(vendors, reason):
    """Mirroring closes the incident when Cortex XDR resolves it: as False Positive, or with no reason, the mirrored
    status then saying why."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    mirrored = dict(sample.incident, CustomFields=dict(sample.incident['CustomFields'],
                                                       xdrstatusv2='resolved_false_positive'))
    incident = close_incident(mirrored, reason, 'Closed by mirroring from Cortex XDR.')

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, sample.context)

    assert not run.failed, run.error
    assert restored_hashes(xdr) == {row['file_sha256'] for row in sample.incident['CustomFields']['xdrfileartifacts']}
    assert '!restore-file' in run.notes[-1] and 'action_id=' in run.notes[-1]  # the command that follows it


def test_a_close_in_xsoar_for_another_reason_restores_nothing_though_the_mirrored_status_still_says_false_positive(
        vendors):
    """Cortex XDR resolved the incident as a false positive, an analyst reopened it in XSOAR and closed it as
    Resolved (which mirroring sends to Cortex XDR as resolved_true_positive): the stale mirrored status does not
    restore the files, and the note says that the close reason, not that status, decided."""
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    mirrored = dict(sample.incident, CustomFields=dict(sample.incident['CustomFields'],
                                                       xdrstatusv2='resolved_false_positive'))

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, close_incident(mirrored, 'Resolved'),
                                                  sample.context)

    assert not run.failed, run.error
    assert restored_hashes(xdr) == set() and hss.requests_to('PUT', '/event/isolated-file') == []
    [note] = run.notes
    assert '"Resolved", not as a false positive' in note and 'resolved_false_positive' in note, note


def closed_by_script_naming(vendors, file_hash, context=None):
    """The False Positive sample closed by the post-processing script, naming ``file_hash`` alone (its XDR File
    Artifacts row), on ``context`` (a fresh one when None)."""
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    fields = sample.incident['CustomFields']
    artifacts = [dict(fields['xdrfileartifacts'][0], file_sha256=file_hash, filesha256=file_hash)]
    incident = close_incident(dict(sample.incident, CustomFields=dict(fields, xdrfileartifacts=artifacts)),
                              sample.close_reason)
    return runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, context or {})


@pytest.mark.parametrize('case', ['never quarantined', 'restored by an earlier close'])
def test_a_restore_cortex_xdr_refuses_for_no_quarantined_copy_gets_a_line_to_check_the_file_not_a_fix(vendors, case):
    """Cortex XDR answers "No quarantined file ... on any endpoint" (a file it never quarantined, or one an earlier
    close gave back): the note says so and sends the analyst to the Action Center and the endpoint; no "once that is
    fixed", as nothing is broken."""
    xdr, _ = vendors
    if case == 'never quarantined':
        file_hash = 'ab' * 32  # a hash no endpoint of the tenant holds
    else:
        [file_hash] = [h for h, holders in HOLDERS.items() if not set(holders) & set(seed_failing_endpoints())][:1]
        first = closed_by_script_naming(vendors, file_hash)
        assert not first.failed, first.error
        assert all(file_hash in xdr.backend.restored(endpoint_id) for endpoint_id in HOLDERS[file_hash])

    run = closed_by_script_naming(vendors, file_hash)

    assert not run.failed, run.error
    [note] = run.notes
    assert 'No quarantined file with hash' in note  # Cortex XDR's words, quoted
    assert 'once that is fixed' not in note
    assert 'Action Center' in note and 'back already' in note and 'never quarantined' in note


def test_a_restore_cortex_xdr_accepts_but_includes_no_endpoint_in_gets_the_playbook_s_line_to_check_the_file(
        vendors):
    """A tenant that accepts a restore of a file no endpoint holds as an action including none (endpoints_count 0):
    no endpoint held the file quarantined, as for "No quarantined file": the line sends the analyst to the Action
    Center and the endpoint, in the Cortex XDR playbook's words, not to restore by hand once a fault is fixed."""
    from warroom.emulator.xdr import ReplyShapes
    xdr, _ = vendors
    xdr.backend.empty_restores = True
    xdr.backend.shapes = ReplyShapes(mixed=False)  # the documented reply, which gives endpoints_count
    file_hash = 'cd' * 32  # a hash no endpoint of the tenant holds
    playbook = yaml.safe_load((ROOT / 'playbooks' / 'playbook-Quarantine_Restore_-_Cortex_XDR.yml').read_text())
    [advice] = [task['scriptarguments']['value']['simple'] for task in playbook['tasks'].values()
                if task['task']['name'] == 'Note: no quarantined copy to restore']

    run = closed_by_script_naming(vendors, file_hash)

    assert not run.failed, run.error
    [note] = run.notes
    assert 'endpoints_count 0' in note and 'once that is fixed' not in note
    assert ' '.join(advice[advice.index('Nothing in'):].split()) in ' '.join(note.split())


def test_a_restore_cortex_xdr_refuses_as_an_action_including_no_endpoint_gets_the_line_to_check_the_file(vendors,
                                                                                                      replay_server):
    """Cortex XDR did not accept the restore (status 0) and counted no endpoint in its action (endpoints_count 0): the
    record says so in its endpoints_count, which the summary and the Cortex XDR playbook's check read, while its error
    quotes the refusal, without restore-file's words for an empty action. The line reads the field as they do: where
    to look, not a restore by hand once a fault is fixed."""
    xdr, hss = vendors
    replay_server.queue(200, {'reply': {'action_id': 2461, 'status': 0, 'endpoints_count': '0'}})
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    runner = PlaybookRunner({**hss.params(), **xdr.params(xdr_url=replay_server.url)}, time_scale=0,
                            sleep=lambda _: None)

    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(sample.incident, 'False Positive'), {})

    assert not run.failed, run.error
    [record] = as_list(get_path(run.context, 'CortexXDR.RestoredFile'))
    assert record['endpoints_count'] == 0 and record['status'] == 'FAILED' and 'endpoints_count' not in record['error']
    [note] = run.notes
    assert 'once that is fixed' not in note and 'back already' in note and 'never quarantined' in note


def test_a_restore_refused_for_a_setup_fault_keeps_the_line_to_restore_by_hand_once_fixed(vendors):
    """Cortex XDR refuses the key (HTTP 401): the line still says to restore by hand once that is fixed."""
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    runner = PlaybookRunner({**hss.params(), **xdr.params(xdr_api_key={'identifier': '', 'password': 'x' * 64})},
                            time_scale=0, sleep=lambda _: None)
    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(sample.incident, 'False Positive'), {})

    assert not run.failed, run.error
    [note] = run.notes
    assert 'once that is fixed' in note and 'back already' not in note


def test_a_close_that_gives_no_reason_gets_a_note_naming_the_cortex_xdr_status_that_decided(vendors):
    """No close reason: Cortex XDR's mirrored status decides, here resolved_true_positive. The note says no reason was
    given and names that status, not 'closed as "no reason"'."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    mirrored = dict(sample.incident, CustomFields=dict(sample.incident['CustomFields'],
                                                       xdrstatusv2='resolved_true_positive'))

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, close_incident(mirrored, ' '), {})

    assert not run.failed, run.error
    assert restored_hashes(xdr) == set()
    [note] = run.notes
    assert 'no close reason' in note and 'resolved_true_positive' in note and '"no reason"' not in note


@pytest.mark.parametrize('reason', ['Other', ''])
def test_an_hss_incident_closed_for_another_reason_gets_a_note_naming_no_cortex_xdr_status(vendors, reason):
    """An HSS event holds no Cortex XDR status: the note names the close reason, or that none was given, and no
    Cortex XDR status."""
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, close_incident(sample.incident, reason), {})

    assert not run.failed, run.error
    [note] = run.notes
    assert 'no file was restored' in note and 'Cortex XDR' not in note
    assert f'"{reason}"' in note if reason else 'no close reason' in note


def test_a_cortex_xdr_close_whose_files_all_came_back_is_summed_up_without_a_word_of_hss(vendors):
    """xdr_lite_minimized.json closed as a false positive by the playbook branch: its one file comes back on the
    endpoint holding it (the seed fails none of them), and the summary says nothing is left in Cortex XDR's terms."""
    xdr, _ = vendors
    sample, run = close(vendors, 'xdr_lite_minimized.json', 'playbook')

    assert not run.failed, run.error
    [file_hash] = restored_hashes(xdr)
    assert not set(HOLDERS[file_hash]) & set(seed_failing_endpoints())  # the scenario: every holder restores it
    assert all(file_hash in xdr.backend.restored(endpoint_id) for endpoint_id in HOLDERS[file_hash])
    by_hand = run.notes[-1].split(f'#### {facts.SUMMARY_MANUAL_TITLE}')[1]
    assert by_hand.strip().startswith('Nothing') and 'Cortex XDR' in by_hand
    assert not [note for note in run.notes if 'HSS' in note or 'Huawei' in note], run.notes  # not a word, anywhere


def test_an_hss_close_gives_the_command_that_follows_the_restore_to_restored(vendors, monkeypatch):
    xdr, _ = vendors
    clock = WaitClock()
    # its hosts take their time: restoring at the close; HSS's Date and update_time move with the integration's clock
    hss = start_hss_tenant(stage_seconds=10.0, clock=clock, wall_clock=integration_on_clock(monkeypatch, clock).time)
    try:
        sample, run = close((xdr, hss), 'hss_false_positive.json', 'post-processing')

        assert not run.failed, run.error
        note = run.notes[-1]
        assert '!hss-restore-isolated' in note and 'restore_state=' in note
        host, hashes = sample.incident['CustomFields']['huaweihsshostid'], sample.incident['CustomFields']['filesha256']
        assert {hss.backend.isolation_status(host, file_hash) for file_hash in hashes} == {'restoring'}
        # Run as the note gives it, the command follows the restore until HSS lists every copy it started restored.
        line = parse_line(command_in(note, '!hss-restore-isolated'))
        followed = WarRoom(params=hss.params(), time_scale=1, sleep=clock.sleep).run(line.command, line.args)
    finally:
        hss.stack.close()

    assert not followed.failed, followed.entries[-1]
    rows = as_list(get_path(followed.context, 'HuaweiHSS.RestoredFile'))
    assert rows and {row['outcome'] for row in rows} == {'restored'}, rows
    assert {hss.backend.isolation_status(host, file_hash) for file_hash in hashes} == {'restored'}


ON_CLOSE = _load_script('QuarantineRestoreOnClose')


@given(action_id=st.one_of(st.integers(min_value=0, max_value=10 ** 18), st.text(min_size=1).filter(str.strip)))
@example(action_id='None')  # a text, not a missing ID
@example(action_id=0)
def test_follow_commands_rebuilt_from_records_give_each_action_id_back_as_cortex_xdr_sent_it(action_id):
    """An integration too old to name its follow commands: the script writes them from the context records."""

    entry = {'Contents': {}, 'EntryContext': {f'{ON_CLOSE.XDR_RECORDS}(val.file_hash == obj.file_hash)': [
        {'file_hash': 'ab' * 32, 'action_id': action_id}]}}
    [command] = ON_CLOSE.follow_commands([entry], ON_CLOSE.XDR_RECORDS)

    line = parse_line(command)

    assert ri.action_id_list(line.args['action_id']) == [action_id] and line.args['file_hash'] == 'ab' * 32


@given(file_hash=st.text(min_size=1).filter(str.strip))
@example(file_hash='ab' * 32 + ' action_id=1')  # a blank would end the value, the rest read as another argument
@example(file_hash='a`b "c"')
def test_follow_commands_rebuilt_from_records_give_each_file_hash_back_as_its_record_holds_it(file_hash):
    """The rebuilt command quoted the record's action_id, endpoint_id and incident_id as a war-room line takes them,
    but put its file_hash in bare: one holding a blank or a quote was cut or read as other arguments."""
    entry = {'Contents': {}, 'EntryContext': {f'{ON_CLOSE.XDR_RECORDS}(val.file_hash == obj.file_hash)': [
        {'file_hash': file_hash, 'action_id': 7}]}}
    [command] = ON_CLOSE.follow_commands([entry], ON_CLOSE.XDR_RECORDS)

    line = parse_line(command)

    assert line.args['file_hash'] == file_hash and ri.action_id_list(line.args['action_id']) == [7]


def test_follow_commands_rebuilt_from_records_keep_the_restore_s_endpoint_and_incident():
    endpoint = 'a0b1c2d3' * 4
    entry = {'Contents': {}, 'EntryContext': {f'{ON_CLOSE.XDR_RECORDS}(val.file_hash == obj.file_hash)': [
        {'file_hash': 'ab' * 32, 'action_id': 7, 'endpoint_id': endpoint, 'incident_id': 412}]}}
    [command] = ON_CLOSE.follow_commands([entry], ON_CLOSE.XDR_RECORDS)

    line = parse_line(command)

    assert (line.args['endpoint_id'], line.args['incident_id']) == (endpoint, '412')


def test_a_close_after_a_restore_limited_to_one_endpoint_restores_the_file_on_the_others(monkeypatch):
    """Cortex XDR restored the file on one endpoint; its polling ended first, and the line it gave followed the action
    to its end. That action does not cover the file's other holders: the close restores the file on them."""
    clock = FakeClock()
    xdr = start_tenant(stage_seconds=100, clock=clock, wall_clock=integration_on_clock(monkeypatch, clock).time)
    file_hash = next(h for h, holders in sorted(HOLDERS.items()) if len(holders) > 1
                     and not set(holders) & set(seed_failing_endpoints()))
    endpoint, *others = HOLDERS[file_hash]
    try:
        room = WarRoom(params=xdr.params(), sleep=clock.advance, clock=clock)
        ended = room.run('restore-file', {'file_hash': file_hash, 'endpoint_id': endpoint, 'timeout_in_seconds': '25'})
        [line] = [parse_line(span) for span in as_commonmark_reads(ended.entries[-1]['HumanReadable'])[0]
                  if span.startswith('!restore-file ')]  # the follow line's code span, as the analyst copies it
        clock.advance(200)  # the action ends on its endpoint
        assert not room.run(line.command, line.args).failed
        incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident',
                                   'CustomFields': {'filesha256': [file_hash]}}, 'False Positive', 'fp')
        runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None)

        run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, room.context)

        assert not run.failed, run.error
        [first, again] = [r.body['request_data'] for r in xdr.gateway.requests
                          if r.path.endswith('/endpoints/restore/')]
        assert first['endpoint_id'] == endpoint and again['file_hash'] == file_hash and 'endpoint_id' not in again
        clock.advance(200)
        assert not any(file_hash in xdr.backend.quarantined(other) for other in others)
    finally:
        xdr.server.stop()


def test_a_close_after_a_status_check_alone_sends_the_restore_as_its_scope_is_unknown(vendors):
    """A record only a status check wrote (no endpoint_id) does not say the action ran on every endpoint."""
    xdr, _ = vendors
    [file_hash] = sorted(HOLDERS)[:1]
    checked = {'CortexXDR': {'RestoredFile': [{'file_hash': file_hash, 'action_id': 7,
                                               'status': 'COMPLETED_SUCCESSFULLY',
                                               'restored_count': 1, 'failed_count': 0}]}}
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': [file_hash]}},
                              'False Positive', 'fp')

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, checked)

    assert not run.failed, run.error
    assert restored_hashes(xdr) == {file_hash}


def command_in(text: str, command: str) -> str:
    """The war-room line in the note's code span that starts with ``command`` (a span of n backticks ends at the next
    run of exactly n, as markdown reads it)."""
    match = re.search(r'(?<!`)(`+) ?(' + re.escape(command) + r' .*?) ?(?<!`)\1(?!`)', text)
    assert match, text
    return match.group(2)


def test_the_hss_follow_command_in_the_close_note_reads_back_as_the_restore_it_follows(vendors):
    """The integration writes JSON lists in backticks; the note's code span must not end inside the command."""
    _, hss = vendors
    sample, run = close(vendors, 'hss_false_positive.json', 'post-processing')
    fields = sample.incident['CustomFields']

    line = parse_line(command_in(run.notes[-1], '!hss-restore-isolated'))

    assert ri.hss_field_list(line.args.get('host_id'), 'host_id') == [fields['huaweihsshostid']]
    assert ri.hss_field_list(line.args.get('file_hash'), 'file_hash') == fields['filesha256']
    room = WarRoom(params=hss.params(), time_scale=0, sleep=lambda _: None)
    assert not room.run(line.command, line.args).failed


def test_the_by_hand_command_after_a_failed_start_reads_back_with_a_path_holding_blanks(vendors):
    """An HSS incident with no hash restores by host and path; a Windows path often holds blanks."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    path = 'C:\\Program Files\\Vendor, Inc\\updater.exe'
    incident = close_incident(dict(sample.incident, CustomFields=dict(
        sample.incident['CustomFields'], filesha256=[], filepath=path, huaweihssfilepaths=[path])), 'False Positive')
    runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None)  # HSS not configured: start fails

    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})

    assert not run.failed, run.error
    line = parse_line(command_in(run.notes[-1], '!hss-restore-isolated'))
    assert ri.hss_field_list(line.args.get('file_path'), 'file_path') == [path]
    assert ri.hss_field_list(line.args.get('host_id'), 'host_id') == [
        sample.incident['CustomFields']['huaweihsshostid']]


def test_a_file_cortex_xdr_refuses_on_close_is_said_not_started_with_its_reason_and_gets_no_follow_command(vendors):
    """restore-file with several hashes reports a refused one in its records (no action_id), not as an error."""
    xdr, _ = vendors
    held_somewhere = sorted(HOLDERS)[0]
    nowhere = next(h for h in ('f' * 64, 'e' * 64) if h not in HOLDERS)
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident',
                               'CustomFields': {'filesha256': [held_somewhere, nowhere]}}, 'False Positive')

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, {})

    assert not run.failed, run.error
    note = run.notes[-1]
    [record] = [r for r in as_list(get_path(run.context, 'CortexXDR.RestoredFile')) if r['file_hash'] == nowhere]
    [started] = [line for line in note.splitlines() if 'started for' in line]
    assert f'`{held_somewhere}`' in started and nowhere not in started
    [refused] = [line for line in note.splitlines() if nowhere in line.split('`!restore-file file_hash=')[0]]
    assert 'did not start' in refused and ' '.join(record['error'].split()) in refused, refused  # and why
    follows = [line.strip('- `') for line in note.splitlines() if 'action_id=' in line]
    assert follows and all(nowhere not in follow for follow in follows)
    for follow in follows:
        ri.action_id_list(parse_line(follow).args['action_id'])


@pytest.mark.parametrize('files', ['one', 'with another'])
def test_a_restore_cortex_xdr_may_have_carried_out_on_close_is_not_said_not_to_have_started(vendors, files):
    """The README (Retries): an answer lost after the request reached Cortex XDR may mean it acted, and the resend then
    meets "no quarantined file"; restore-file's error (one file) or record (several) says it "may have started" and to
    look in the Action Center before restoring again. The emulator's "truncated" makes the change and breaks the answer
    off: the file is back. The close note must not say the restore could not start, nor give the by-hand command
    before sending the analyst to the Action Center."""
    xdr, _ = vendors
    failing = seed_failing_endpoints()
    lost, other = sorted(h for h, endpoints in HOLDERS.items() if not set(endpoints) & set(failing))[:2]
    xdr.gateway.inject_faults(FaultPlan.parse('sequence=truncated'))  # the first restore sent: the lost file's
    hashes = [lost] if files == 'one' else [lost, other]
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': hashes}},
                              'False Positive')
    runner = PlaybookRunner({**vendors[1].params(), **xdr.params(max_concurrency='1')}, time_scale=0,
                            sleep=lambda _: None)

    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})

    assert not run.failed, run.error
    assert all(lost in xdr.backend.restored(endpoint) for endpoint in HOLDERS[lost])  # Cortex XDR did restore it
    lines = [line for line in run.notes[-1].splitlines() if 'may have started' in line]
    assert lines, run.notes[-1]
    said = lines[0].split(':', 1)[0]
    assert 'may have started' in said and 'not start' not in said
    by_hand = next(line for line in run.notes[-1].splitlines() if f'`!restore-file file_hash={lost}' in line)
    advice = by_hand.split(f'`!restore-file file_hash={lost}')[0].rsplit('before restoring it again.', 1)[-1]
    assert 'Action Center' in advice and 'once that is fixed' not in advice



@pytest.mark.parametrize('files', ['one', 'with another'])
def test_a_restore_cortex_xdr_may_have_carried_out_on_close_is_told_by_its_record_however_its_error_words_it(
        vendors, monkeypatch, files):
    """restore-file's record says may_have_started (integration.yml): the note reads that, so a restore-file that
    words its error otherwise (a later version of the integration) still sends the analyst to the Action Center
    first, not to a second restore "once that is fixed". One file's error entry writes the record too: XSOAR merges
    an error entry's EntryContext (CommonServerPython's return_error, ``outputs``)."""
    xdr, _ = vendors
    monkeypatch.setattr(ri, 'XDR_MAY_HAVE_STARTED', 'might have begun this restore anyway')
    failing = seed_failing_endpoints()
    lost, other = sorted(h for h, endpoints in HOLDERS.items() if not set(endpoints) & set(failing))[:2]
    xdr.gateway.inject_faults(FaultPlan.parse('sequence=truncated'))  # the first restore sent: the lost file's
    fields = {'filesha256': [lost] if files == 'one' else [lost, other]}
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': fields}, 'False Positive')
    runner = PlaybookRunner({**vendors[1].params(), **xdr.params(max_concurrency='1')}, time_scale=0,
                            sleep=lambda _: None)

    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})

    assert not run.failed, run.error
    [line] = [line for line in run.notes[-1].splitlines() if f'`!restore-file file_hash={lost}' in line]
    assert 'might have begun' in line
    said, advice = line.split(':', 1)[0], line.split(f'`!restore-file file_hash={lost}')[0]
    assert 'may have started' in said and 'not start' not in said, line
    assert 'Action Center' in advice.rsplit('anyway', 1)[-1] and 'once that is fixed' not in advice, line


def test_a_reclose_sends_no_second_restore_of_the_one_file_whose_earlier_restore_may_have_started(vendors):
    """The incident names one file (the most common shape), whose restore at the first close lost its answer after
    Cortex XDR acted: restore-file's error entry writes its record (may_have_started), which XSOAR merges as it merges
    any entry's EntryContext (CommonServerPython's return_error, ``outputs``). Closed again, the script must not send it
    blind (Cortex XDR holds no quarantined copy any more), and its note sends the analyst to the Action Center."""
    xdr, _ = vendors
    lost, incident = one_file_restore_lost(xdr)
    runner = PlaybookRunner({**vendors[1].params(), **xdr.params(max_retries='0')}, time_scale=0,
                            sleep=lambda _: None)
    first = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})
    lost_restore_record(first, lost, xdr)

    second = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, first.context)

    assert not second.failed, second.error
    assert len(restores_sent(xdr)) == 1  # the first close's only attempt
    [line] = [line for line in second.notes[-1].splitlines() if f'`!restore-file file_hash={lost}' in line]
    advice = line.split(f'`!restore-file file_hash={lost}')[0]
    assert 'may have started' in advice and 'Action Center' in advice and 'once that is fixed' not in advice, line


def restores_sent(xdr):
    return [r for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')]


@pytest.mark.parametrize('beside', ['a file restored', 'a file whose restore failed everywhere'])
def test_a_reclose_sends_no_second_restore_of_a_file_whose_earlier_restore_may_have_started(vendors, beside):
    """The first close's restore of one file lost its answer after Cortex XDR acted (the emulator's "truncated": the
    file is back), so its record says may_have_started (integration.yml: look in the Action Center before restoring it
    again). Reopened and closed again, the script must not send it blind: Cortex XDR holds no quarantined copy of it
    any more (README: a second restore is refused), and the note would say the restore could not start and to restore
    by hand "once that is fixed". Sent beside a file whose restore failed everywhere (sent again, as the README says),
    the refusal's record would also write may_have_started false over the earlier true. The note sends the analyst to
    the Action Center first, and the earlier record keeps what it says."""
    xdr, _ = vendors
    failing = seed_failing_endpoints()
    lost, other = sorted(h for h, endpoints in HOLDERS.items() if not set(endpoints) & set(failing))[:2]
    if beside != 'a file restored':
        [(other, [endpoint])] = [(h, holders) for h, holders in HOLDERS.items() if len(holders) == 1]
        lost = next(h for h, endpoints in sorted(HOLDERS.items()) if not set(endpoints) & {*failing, endpoint})
        failure = failing[next(iter(failing))]
        xdr.backend.endpoints[endpoint].restore_failure = RestoreFailure(failure['status'],
                                                                         failure['error_description'])
    xdr.gateway.inject_faults(FaultPlan.parse('sequence=truncated'))  # the first restore sent: the lost file's
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': [lost, other]}},
                              'False Positive')
    runner = PlaybookRunner({**vendors[1].params(), **xdr.params(max_concurrency='1')}, time_scale=0,
                            sleep=lambda _: None)
    first = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})
    assert not first.failed, first.error
    [record] = [r for r in as_list(get_path(first.context, 'CortexXDR.RestoredFile')) if r['file_hash'] == lost]
    assert record['may_have_started'] is True and 'action_id' not in record
    assert all(lost in xdr.backend.restored(endpoint) for endpoint in HOLDERS[lost])  # Cortex XDR did restore it

    second = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, first.context)

    assert not second.failed, second.error
    assert [action.file_hash for action in xdr.backend.actions.values()].count(other) == \
        (1 if beside == 'a file restored' else 2)
    assert [r.body['request_data']['file_hash'] for r in xdr.gateway.requests
            if r.path.endswith('/endpoints/restore/')].count(lost) == 2  # the first close's attempt and its retry
    [line] = [line for line in second.notes[-1].splitlines() if f'`!restore-file file_hash={lost}' in line]
    said, advice = line.split(':', 1)[0], line.split(f'`!restore-file file_hash={lost}')[0]
    assert 'not start' not in said and 'may have started' in advice, line
    assert 'Action Center' in advice and 'once that is fixed' not in advice, line
    assert [r for r in as_list(get_path(second.context, 'CortexXDR.RestoredFile')) if r['file_hash'] == lost] \
        == [record]


@pytest.mark.parametrize('may_have_started', [True, False])
def test_the_close_note_says_a_restore_may_have_started_exactly_when_its_record_says_so(may_have_started):
    # Whatever the error says: a refusal's reason may quote anything, Cortex XDR's own message included.
    record = {'file_hash': 'a' * 64, 'endpoint_id': '', 'status': 'FAILED', 'may_have_started': may_have_started,
              'error': 'Cortex XDR said: an earlier attempt may have started this restore even so, so it cannot be '
                       'followed.' if not may_have_started else 'Cortex XDR\'s answer was lost.'}
    started = {'file_hash': 'b' * 64, 'endpoint_id': '', 'status': 'IN_PROGRESS', 'action_id': 7}
    entry = {'Type': facts.ENTRY_NOTE, 'ContentsFormat': 'markdown', 'Contents': '',
             'EntryContext': {'CortexXDR.RestoredFile(val.action_id == obj.action_id)': [record, started]}}  # a DT key

    lines, _ = ON_CLOSE.start(lambda command, args: [entry], 'restore-file', {'file_hash': ['a' * 64, 'b' * 64]},
                              'CortexXDR.RestoredFile', [])

    [line] = [line for line in lines if f'`!restore-file file_hash={"a" * 64}' in line]
    said = line.split(':', 1)[0]
    assert ('may have started' in said) is may_have_started and ('did not start' in said) is not may_have_started
    assert ('Action Center' in line.split(record['error'])[-1]) is may_have_started

def test_a_hash_hss_finds_no_isolated_copy_of_on_close_is_not_said_to_have_started(vendors):
    """HSS answers a hash with no isolated copy on the host with a not_found row, not an error."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = sample.incident['CustomFields']
    nowhere = 'e' * 64
    incident = close_incident(dict(sample.incident, CustomFields=dict(
        fields, filesha256=[*fields['filesha256'], nowhere])), 'False Positive')

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, sample.context)

    assert not run.failed, run.error
    note = run.notes[-1]
    [started] = [line for line in note.splitlines() if 'started for' in line]
    assert all(f'`{h}`' in started for h in fields['filesha256']) and nowhere not in started
    [not_started] = [line for line in note.splitlines() if nowhere in line and 'restored no copy of' in line]
    [row] = [r for r in as_list(get_path(run.context, 'HuaweiHSS.RestoredFile')) if r.get('file_hash') == nowhere]
    assert row['outcome'] == 'not_found' and ' '.join(row['reason'].split()) in not_started


def test_a_file_an_earlier_gate_run_let_through_is_held_once_a_reputation_source_scores_it_bad(vendors):
    """The gate's verdict is the latest one: the context an earlier run left (the on-close script's gate, with no
    reputation source yet) must not let a file through that the gate now holds."""
    xdr, _ = vendors
    sample, first = close(vendors, 'xdr_false_positive.json', 'post-processing')
    assert not first.failed, first.error
    recorded = {p.stem for p in (TEST_DATA / 'xsoar' / 'replies' / VT / 'file').glob('*.json')}
    assert recorded & set(as_list(get_path(first.context, 'QuarantineRestore.Gate.allowed')))  # let through then
    restores = [r for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')]

    incident = close_incident(sample.incident, 'False Positive')
    runner = runner_for(vendors, enabled={'Quarantine Restore', 'Cortex XDR - IR', VT})
    run = runner.run('Quarantine Restore - Cortex XDR', incident, first.context)

    assert not run.failed, run.error
    bad = known_bad(run.context) & recorded
    assert bad, 'VirusTotal scores the file bad'
    assert [r for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')] == restores  # none since
    assert set(as_list(get_path(run.context, 'QuarantineRestore.Gate.allowed'))).isdisjoint(bad)
    assert bad <= {held['file_hash'] for held in as_list(get_path(run.context, 'QuarantineRestore.Gate.held'))}


def test_a_reclose_holds_back_a_file_an_earlier_close_restored_once_a_reputation_source_scores_it_bad(vendors):
    """The reputation check judges the Cortex XDR records an earlier close left, as for the playbook: a file given back
    then and scored bad since is held back (its note says so and gives the by-hand command), not only named restored."""
    xdr, _ = vendors
    sample, first = close(vendors, 'xdr_false_positive.json', 'post-processing')
    assert not first.failed, first.error
    recorded = {p.stem for p in (TEST_DATA / 'xsoar' / 'replies' / VT / 'file').glob('*.json')}
    restores = [r for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')]

    _, again = close(vendors, 'xdr_false_positive.json', 'post-processing', enabled={'Quarantine Restore',
                                                                                    'Cortex XDR - IR', VT},
                     context=first.context)

    assert not again.failed, again.error
    assert [r for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')] == restores  # none since
    bad = known_bad(again.context) & recorded
    assert bad, 'VirusTotal scores the file bad'
    for file_hash in bad:
        [line] = [line for line in again.notes[-1].splitlines() if file_hash in line]
        assert 'is scored malicious' in line and 'not run again' not in line, line


@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'hss_false_positive.json'])
def test_a_close_after_the_playbook_branch_restored_the_files_does_not_restore_them_again(vendors, name):
    """Both triggers set, as the README allows: the analyst-decision branch runs the playbook, which restores the files,
    then its closeInvestigation closes the incident, which runs the post-processing script on the same context. The
    files are back: the script must not send a second restore for them (a second action in Cortex XDR's Action
    Center, a second task in HSS), and its note says so, with the command to use should the file come back."""
    xdr, hss = vendors
    sample, branch = close(vendors, name, 'playbook')
    assert not branch.failed, branch.error

    def restores():
        return [r for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')] + \
            [r for r in hss.gateway.requests if r.method == 'PUT']

    sent = restores()
    assert sent, 'the playbook restored the files'
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, branch.context)

    assert not run.failed, run.error
    assert restores() == sent
    note = run.notes[-1]
    fields = sample.incident['CustomFields']
    hashes = {row['file_sha256'] for row in fields.get('xdrfileartifacts', [])} | set(fields.get('filesha256', []))
    for file_hash in hashes:
        # both vendors' lines are the reputation gate's, which gives the hash as code
        assert f'was not run again for `{file_hash}`:' in note and f'file_hash={file_hash}' in note



@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
def test_an_unreadable_earlier_record_is_told_of_where_the_file_goes_out_and_not_at_a_close_that_sends_it_no_more(
        vendors, via):
    """An earlier CortexXDR.RestoredFile record whose endpoint_id is an object names no endpoint it covered: the file
    goes out again (a second restore restores nothing twice), and the note the gate's lines reach (its own at the
    playbook, the post-processing script's) says why, naming the field and its kind, once. Closed again, the script
    runs the gate on the context that restore wrote: the file is back and not sent again, the note says so, and it
    tells nothing of the unreadable record, which kept nothing from happening there."""
    xdr, _ = vendors
    [file_hash] = {row['file_sha256'] for row in IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
                   .incident['CustomFields']['xdrfileartifacts']}
    unreadable = {'file_hash': file_hash, 'endpoint_id': {'id': 'e1'}, 'action_id': 7,
                  'status': 'COMPLETED_SUCCESSFULLY', 'restored_count': 1, 'failed_count': 0}
    context = {'CortexXDR': {'RestoredFile': [unreadable]}}
    sample, first = close(vendors, 'xdr_false_positive.json', via, context=context)
    assert not first.failed, first.error
    told = [line for note in first.notes for line in note.splitlines() if 'endpoint_id is an object' in line]
    assert len(told) == 1 and file_hash in told[0], told
    sent = restored_hashes(xdr)
    assert sent == {file_hash}

    again = runner_for(vendors).run_post_processing(
        POST_PROCESSING_SCRIPT, close_incident(sample.incident, sample.close_reason, sample.close_notes), first.context)

    assert not again.failed, again.error
    assert restored_hashes(xdr) == sent
    [line] = [line for line in again.notes[-1].splitlines() if file_hash in line and 'file_hash=' in line]
    assert f'was not run again for `{file_hash}`' in line, line
    assert 'endpoint_id' not in again.notes[-1] and 'restored again' not in again.notes[-1], again.notes[-1]


def extra_data_context(*xdr_incident_ids):
    """The context an analyst leaves by running !xdr-get-incident-extra-data for each of these Cortex XDR incidents in
    the war room: the recorded replies merged by CortexXDRIR's DT key, one PaloAltoNetworksXDR.Incident each."""
    context = {}
    for xdr_id in xdr_incident_ids:
        path = REPLIES_DIR / 'Cortex XDR - IR' / 'xdr-get-incident-extra-data' / f'{xdr_id}.json'
        for entry in json.loads(path.read_text()):
            merge_entry_context(context, entry['EntryContext'])
    return context


@pytest.mark.parametrize('non_ascii', ['\u00b2', '\uff14\uff11\uff12', '\u0664\u0661\u0662'])  # ², fullwidth, Arabic
@pytest.mark.parametrize('mirror', ['as in the sample', 'the same'])
def test_an_xdr_incident_id_of_non_ascii_digits_is_no_incident_id_and_the_close_still_restores_the_files(
        vendors, non_ascii, mirror):
    """Text that str.isdigit takes but Cortex XDR's incident IDs never hold: restore-file would refuse it as its
    incident_id, an argument the analyst never typed, and restore nothing. The close restores the files, under the
    mirror ID when that is a Cortex XDR incident ID, else under no incident ID."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    odd = copy.deepcopy(sample.incident)
    odd['CustomFields']['xdrincidentid'] = non_ascii
    if mirror == 'the same':
        odd['dbotMirrorId'] = non_ascii
    incident = close_incident(odd, sample.close_reason, sample.close_notes)

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, sample.context)

    assert not run.failed, run.error
    assert restored_hashes(xdr) == {row['file_sha256'] for row in sample.incident['CustomFields']['xdrfileartifacts']}
    sent = {json.dumps(r.body['request_data'].get('incident_id')) for r in xdr.gateway.requests
            if r.path.endswith('/endpoints/restore/')}
    assert sent == {json.dumps(int(odd['dbotMirrorId']) if odd['dbotMirrorId'].isascii() else None)}
    assert non_ascii not in run.notes[-1]


def restore_file_takes(value):
    """The incident ID restore-file's own check of its incident_id argument reads in ``value``, or None."""
    try:
        return ri.arg_to_int(value, 'incident_id', minimum=1, kept_as_number=ri.XDR_INCIDENT_ID_KEPT)
    except ri.RestoreError:
        return None


INCIDENT_ID_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2 ** 70, max_value=2 ** 70), st.floats(allow_nan=False),
    st.builds(lambda zeros, n, pad: f'{pad}{"0" * zeros}{n}{pad}', st.integers(0, 25), st.integers(0, 2 ** 70),
              st.sampled_from(['', ' '])), st.text())


# Incident types: CortexXDRIR's (README: Cortex XDR Incident, Cortex XDR - Lite), this pack's HSS one, XSOAR's default
INCIDENT_TYPES = st.sampled_from(['Cortex XDR Incident', 'Cortex XDR - Lite', 'Huawei Cloud HSS Event', 'Unclassified',
                                  '', None])


@given(values=st.lists(INCIDENT_ID_VALUES, min_size=2, max_size=2), kind=INCIDENT_TYPES)
@example(values=['\u00b2', None], kind='Cortex XDR Incident')
@example(values=[' 412 ', '\u00b2'], kind='Cortex XDR Incident')
@example(values=['0', '412'], kind='Cortex XDR Incident')
@example(values=['0', '412'], kind='Unclassified')
@example(values=[None, '412'], kind='Huawei Cloud HSS Event')
@example(values=[412.0, None], kind='Cortex XDR - Lite')
@example(values=[str(2 ** 63), None], kind='Cortex XDR Incident')
@example(values=['9007199254740992', '9007199254740991'], kind='Cortex XDR Incident')
def test_the_on_close_script_takes_as_the_xdr_incident_id_only_one_restore_file_takes_written_as_cortex_xdr_does(
        values, kind):
    """The ID taken is the first field's (the XDR Incident ID's, then, on an incident whose type names Cortex XDR, the
    mirror ID's: another type's is another system's) that restore-file would take as its incident_id, written in ASCII
    digits without a leading zero (as Cortex XDR writes it); a sign, which restore-file reads, names no incident in a
    field; a value of digits behind leading zeros restore-file has no room for, the same number."""
    fields = {'xdrincidentid': values[0], 'dbotMirrorId': values[1], 'type': kind}
    read = values if 'Cortex XDR' in (kind or '') else values[:1]
    unsigned = [v for v in read if type(v) in (int, float) or isinstance(v, str) and v.strip().isascii() and
                v.strip().isdigit()]
    named = [restore_file_takes(v.strip().lstrip('0') or '0' if isinstance(v, str) else v) for v in unsigned]

    taken = ON_CLOSE.xdr_incident_id(fields)

    assert taken == next((str(number) for number in named if number), '')
    assert not taken or restore_file_takes(taken) == int(taken) and taken[0] != '0' and taken.isascii()


@pytest.mark.parametrize('value, number', [
    ('412', 412), (1, 1), (412.0, 412), ('9007199254740991', 9007199254740991),
    (0, None), (-1, None), (412.5, None), ('412.5', None), ('9007199254740992', None), (9007199254740992, None)])
def test_restore_file_takes_the_incident_ids_integration_yml_describes(value, number):
    # integration.yml, incident_id: "a whole number, 1 or more, below 9007199254740992 (2**53)". The property test
    # above asks restore_file_takes, the integration's own check, what restore-file takes; these literal cases hold
    # that check to the document.
    assert restore_file_takes(value) == number


@pytest.mark.parametrize('fields, taken', [
    ({'xdrincidentid': '412', 'type': 'Cortex XDR Incident'}, '412'),
    ({'xdrincidentid': '0412', 'type': 'Cortex XDR Incident'}, '412'),  # written as Cortex XDR writes it
    ({'xdrincidentid': 412.0, 'type': 'Cortex XDR - Lite'}, '412'),
    ({'xdrincidentid': '0', 'dbotMirrorId': '412', 'type': 'Cortex XDR Incident'}, '412'),  # 1 or more
    ({'xdrincidentid': '9007199254740992', 'dbotMirrorId': '9007199254740991', 'type': 'Cortex XDR Incident'},
     '9007199254740991'),  # below 2**53
    ({'xdrincidentid': '-412', 'type': 'Cortex XDR Incident'}, ''),  # a sign names no incident in a field
    ({'xdrincidentid': '412.5', 'type': 'Cortex XDR Incident'}, ''),  # not a whole number
    ({'xdrincidentid': None, 'dbotMirrorId': '412', 'type': 'Huawei Cloud HSS Event'}, '')])  # another system's ID
def test_the_on_close_script_takes_the_xdr_incident_ids_integration_yml_describes(fields, taken):
    assert ON_CLOSE.xdr_incident_id(fields) == taken


XDR_INCIDENT_ID_FIELD = json.loads((TEST_DATA / 'xsoar' / 'dependencies.json').read_text())[
    'packs']['CortexXDR']['incident_fields']['xdrincidentid']['name']


@pytest.mark.parametrize('odd', ['0', '-1', str(2 ** 63), 412.5])
def test_an_xdr_incident_id_no_cortex_xdr_incident_can_have_is_refused_in_the_note_and_the_files_still_restored(odd):
    """Cortex XDR numbers its incidents from 1 (no incident 0, none below it), and no 64-bit number reaches 2**63:
    such an ID was handed to restore-file, which refused the whole restore over an argument the analyst never typed
    (0, 2**63), or was dropped without a word (-1, 412.5). The note now names the field and its value and says what to
    do; the files are restored all the same, under no incident ID."""
    artifacts = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json').incident['CustomFields']['xdrfileartifacts']

    restores, _, _, note = closed_on_fresh_tenants('xdr_false_positive.json', True, xdrincidentid=odd)

    assert {r['file_hash'] for r in restores} == {row['file_sha256'] for row in artifacts}
    assert all('incident_id' not in r for r in restores)
    [line] = [line for line in note.splitlines() if XDR_INCIDENT_ID_FIELD in line]
    assert json.dumps(odd) in line.replace('\\', '') and 'Cortex XDR' in line, line


@pytest.mark.parametrize('odd, shown, were', [('abc', '"abc"', 'it was'), (['abc', '0'], '"abc", "0"', 'they were')],
                         ids=repr)
def test_the_close_note_says_the_xdr_incident_id_field_s_one_value_or_several_were_not_used(odd, shown, were):
    """As the integration's entries do: "it was not used" of one value, "they were not used" of several."""
    _, _, _, note = closed_on_fresh_tenants('xdr_false_positive.json', True, xdrincidentid=odd)

    [line] = [line for line in note.splitlines() if XDR_INCIDENT_ID_FIELD in line]
    assert f'field holds {shown}, which no Cortex XDR incident has (' in line, line
    assert f'digits), so {were} not used. Set the field' in line, line


def test_the_close_note_says_an_id_taken_from_the_xdr_incident_id_field_came_from_the_field_not_the_mirror_id():
    """The field holds 'abc' and 412, and the incident no mirror ID: the restore goes under the field's 412, and the
    note said "the mirror ID, 412, was" used, sending the analyst to a mirror ID the incident does not have."""
    restores, _, _, note = closed_on_fresh_tenants('xdr_false_positive.json', True, xdrincidentid=['abc', '412'])

    assert restores and {r.get('incident_id') for r in restores} == {412}
    [line] = [line for line in note.splitlines() if XDR_INCIDENT_ID_FIELD in line]
    assert "digits), so it was not used; the field's other value, 412, was. Set the field" in line, line
    assert 'mirror ID' not in line, line


@pytest.mark.parametrize('given', [412.0, '000412', ' 412 '], ids=repr)
def test_an_xdr_incident_id_written_otherwise_than_cortex_xdr_writes_it_is_still_its_incident(given):
    """A JSON number (412.0, as a float) or text with leading zeros names incident 412: the restore goes under it,
    as it does under the ID written as Cortex XDR writes it, and the note refuses nothing."""
    written = closed_on_fresh_tenants('xdr_false_positive.json', True, xdrincidentid='412')
    otherwise = closed_on_fresh_tenants('xdr_false_positive.json', True, xdrincidentid=given)

    assert [r.get('incident_id') for r in written[0]] == [412] and otherwise == written


EXTRA_DATA_REFUSED = load_json(TEST_DATA / 'xsoar' / 'xdr_get_incident_extra_data_refused.json')['entry']


@pytest.mark.parametrize('cause', ['Cortex XDR refused the read', 'no Cortex XDR - IR instance'])
def test_on_close_a_minimized_incident_whose_file_artifacts_were_not_read_gets_the_read_and_the_restore_to_run(
        vendors, tmp_path, cause):
    """A minimized incident names no SHA256, and xdr-get-incident-extra-data fails: Cortex XDR refuses the read (the
    instance's API key), or no Cortex XDR - IR instance is enabled. Nothing is restored, and the note's Cortex XDR line
    quotes the error as a sentence of its own, then gives the read (with this incident's ID) to run again once that is
    fixed, and the restore by hand made under the incident's Cortex XDR incident, as the close would have made it.
    It gave the read without an incident ID, the restore without the incident, ran the error into its advice, and told
    the analyst to enable an instance that was enabled and refused."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_lite_minimized.json')
    incident_id = sample.incident['CustomFields']['xdrincidentid']
    replies = tmp_path / 'Cortex XDR - IR' / XDR_EXTRA_DATA
    replies.mkdir(parents=True)
    (replies / f'{incident_id}.json').write_text(json.dumps([EXTRA_DATA_REFUSED]))
    enabled = {'Quarantine Restore', 'Cortex XDR - IR'} if cause == 'Cortex XDR refused the read' else \
        {'Quarantine Restore'}
    runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None,
                            others=OtherIntegrations(enabled=enabled, replies_dir=tmp_path))

    _, run = close(vendors, 'xdr_lite_minimized.json', 'post-processing', runner=runner)

    assert not run.failed, run.error
    assert xdr.gateway.requests == []
    [read] = [event for event in run.events if event.command == XDR_EXTRA_DATA]
    assert read.outcome == 'returned an error entry'
    [error] = [entry['Contents'] for entry in runner.others.run('', XDR_EXTRA_DATA, {'incident_id': incident_id})]
    [note] = run.notes
    [line] = [line for line in note.splitlines() if XDR_EXTRA_DATA in line]
    spans, shown = as_commonmark_reads(line)
    commands = [parse_line(span) for span in spans]
    assert [(c.command, c.args) for c in commands] == [
        (XDR_EXTRA_DATA, {'incident_id': incident_id}),
        ('restore-file', {'file_hash': '<sha256>', 'incident_id': incident_id})], line
    assert f'{" ".join(error.split()).removesuffix(".")}. ' in shown, shown
    assert 'could not read its file artifacts' in shown and 'nothing was restored' in shown, shown
    if cause == 'Cortex XDR refused the read':
        assert 'Enable a Cortex XDR - IR instance' not in shown and 'API key' in shown, shown


def test_a_minimized_incident_whose_xdr_incident_id_has_leading_zeros_finds_its_own_record_in_context(vendors):
    """CortexXDRIR writes its record's incident_id as Cortex XDR does ('415'): a field of '000415' is the same
    incident, so its files come from its own record, as Cortex XDR - IR is no longer there to read them again."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_lite_minimized.json')
    context = extra_data_context('414', '415')
    own = {a['file_sha256'] for r in context['PaloAltoNetworksXDR']['Incident'] if r['incident_id'] == '415'
           for a in r['file_artifacts']}
    fields = dict(sample.incident['CustomFields'], xdrincidentid='000415')
    unmirrored = {key: value for key, value in sample.incident.items() if key != 'dbotMirrorId'}
    incident = close_incident(dict(unmirrored, CustomFields=fields), 'False Positive')

    run = runner_for(vendors, {'Quarantine Restore'}).run_post_processing(POST_PROCESSING_SCRIPT, incident, context)

    assert not run.failed, run.error
    assert own and restored_hashes(xdr) == own


@pytest.mark.parametrize('name, via', [
    *[(name, via) for name in ('xdr_false_positive.json', 'xdr_no_hash.json', 'hss_false_positive.json')
      for via in ('playbook', 'post-processing')],
    *[(name, 'Quarantine Restore - Cortex XDR') for name in ('xdr_false_positive.json', 'xdr_no_hash.json')]])
def test_only_this_incident_s_cortex_xdr_file_artifacts_are_restored_not_those_of_another_incident_in_context(
        vendors, name, via):
    """An analyst compared with Cortex XDR incident 415 (!xdr-get-incident-extra-data incident_id=415) in this
    war room: its record sits beside this incident's (414's, for the incident of that ID) in
    PaloAltoNetworksXDR.Incident. Its files are not this incident's: they are not restored under this incident's ID,
    nor does its record make an HSS event a Cortex XDR incident."""
    xdr, _ = vendors
    context = extra_data_context('414', '415')
    records = context['PaloAltoNetworksXDR']['Incident']
    assert len(records) == 2
    other = {a['file_sha256'] for r in records if r['incident_id'] == '415' for a in r['file_artifacts']}

    sample, run = close(vendors, name, via, context=context)

    assert not run.failed, run.error
    own = {row['file_sha256'] for row in sample.incident['CustomFields'].get('xdrfileartifacts', [])}
    assert other and other.isdisjoint(own) and restored_hashes(xdr) == own
    for file_hash in other:
        assert all(file_hash in xdr.backend.quarantined(endpoint_id) for endpoint_id in HOLDERS[file_hash])


@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
def test_a_minimized_incident_s_own_record_in_context_beside_another_s_is_restored_without_asking_cortex_xdr_again(
        vendors, via):
    """The context holds this incident's own record (an earlier xdr-get-incident-extra-data for it) beside another
    incident's: its files are found there, read where the playbook is called, though no Cortex XDR - IR instance is
    enabled any more to read them again."""
    xdr, _ = vendors
    context = extra_data_context('414', '415')
    own = {a['file_sha256'] for r in context['PaloAltoNetworksXDR']['Incident'] if r['incident_id'] == '415'
           for a in r['file_artifacts']}

    runner = runner_for(vendors, {'Quarantine Restore'})
    _, run = close(vendors, 'xdr_lite_minimized.json', via, context=context, runner=runner)

    assert not run.failed, run.error
    assert own and restored_hashes(xdr) == own
    assert extra_data_calls(run) == []


# Another integration's incident (a QRadar offense, a Jira ticket: XSOAR's default type stands for them) mirrors under
# its own number, which may be a Cortex XDR incident's too: the playbooks read the mirror ID as a Cortex XDR incident ID
# only on a type naming Cortex XDR (tests/test_playbooks.py), and the on-close script reads it the same way.
OTHER_TYPE = 'Unclassified'
ARTIFACTS_412 = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json').incident['CustomFields']['xdrfileartifacts']


class AskedIntegrations(OtherIntegrations):
    """Other integrations as the war room has them, each command they are asked and its args kept in ``asked``."""

    def __init__(self):
        super().__init__()
        self.asked = []

    def run(self, brand, command, args):
        self.asked.append((command, args))
        return super().run(brand, command, args)


def closed_under_another_mirror_id(vendors, mirror_id, fields, context):
    """The on-close script run on an incident of OTHER_TYPE that another integration mirrors as ``mirror_id``: (the
    run, the Cortex XDR restore requests, what other integrations (Cortex XDR - IR, reputation) were asked)."""
    (xdr, hss), others = vendors, AskedIntegrations()
    incident = {'id': '3001', 'name': 'Offense or ticket', 'type': OTHER_TYPE, 'dbotMirrorId': mirror_id,
                'CustomFields': fields}
    runner = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None, others=others)
    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'), context)
    assert not run.failed, run.error
    restores = [r.body['request_data'] for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')]
    return run, restores, others.asked


@pytest.mark.parametrize('fields', [{}, {'filesha256': [ARTIFACTS_412[0]['file_sha256']]}], ids=['no field', 'sha256'])
def test_on_close_another_integration_s_numeric_mirror_id_does_not_make_a_cortex_xdr_record_in_context_the_incident_s(
        vendors, fields):
    """Cortex XDR incident 413, read into this war room to compare, has the number the incident is mirrored under: the
    script took its record for the incident's own and restored its files under incident_id 413."""
    read = IncidentFile.load(INCIDENTS / 'xdr_closed_other_reason.json')
    record = read.context['PaloAltoNetworksXDR']['Incident']
    theirs = {artifact['file_sha256'] for artifact in record['file_artifacts']}
    assert theirs

    _, restores, asked = closed_under_another_mirror_id(vendors, record['incident_id'], fields, read.context)

    assert theirs.isdisjoint(h for body in restores for h in as_list(body['file_hash']))
    assert all('incident_id' not in body for body in restores)
    assert record['incident_id'] not in json.dumps(asked)


def test_on_close_an_incident_of_another_type_holding_xdr_file_artifacts_restores_them_under_no_mirrored_number(
        vendors):
    """The XDR File Artifacts name the files; the mirror ID, 414, is another system's number, and Cortex XDR's
    incident 414 is another incident: the restore named it as its incident_id."""
    xdr, _ = vendors
    _, restores, asked = closed_under_another_mirror_id(vendors, '414', {'xdrfileartifacts': ARTIFACTS_412}, {})

    assert restored_hashes(xdr) == {row['file_sha256'] for row in ARTIFACTS_412}
    assert all('incident_id' not in body for body in restores)
    assert '414' not in json.dumps(asked)


EXTRA_DATA_REPLIES = REPLIES_DIR / 'Cortex XDR - IR' / 'xdr-get-incident-extra-data'


@pytest.mark.parametrize('mirror_id', sorted(path.stem for path in EXTRA_DATA_REPLIES.glob('*.json')))
def test_on_close_an_incident_of_another_type_never_reads_the_files_of_the_cortex_xdr_incident_its_mirror_id_names(
        vendors, mirror_id):
    """Its XDR Incident ID field holds 0, which no Cortex XDR incident has, and it names no SHA256: the script fell
    back on the mirror ID, asked Cortex XDR - IR for that Cortex XDR incident's file artifacts (which it has, recorded
    for that ID) and restored them under that ID, its note saying the mirror ID was used. Only a Cortex XDR type's
    mirror ID is a Cortex XDR incident ID: nothing is asked or restored, and the note says the field's value was not
    used and how to find the SHA256."""
    run, restores, asked = closed_under_another_mirror_id(vendors, mirror_id, {'xdrincidentid': '0'}, {})

    assert asked == [] and restores == []
    [note] = run.notes
    assert mirror_id not in note and XDR_INCIDENT_ID_FIELD in note and 'SHA256' in note


def test_a_close_after_a_restore_that_failed_sends_the_restore_again(vendors):
    """What an earlier run left is a reason to skip only when the file is back or its action still runs: a restore
    Cortex XDR refused is tried again at the next close."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    [file_hash] = {row['file_sha256'] for row in sample.incident['CustomFields']['xdrfileartifacts']}
    refused = {'CortexXDR': {'RestoredFile': [{'file_hash': file_hash, 'status': 'FAILED',
                                               'error': 'Cortex XDR answered 500: no quarantined copy.'}]}}

    _, run = close(vendors, 'xdr_false_positive.json', 'post-processing', context=refused)

    assert not run.failed, run.error
    assert restored_hashes(xdr) == {file_hash}


def test_a_file_a_polling_restore_had_not_sent_at_the_close_is_sent_once_whether_or_not_its_check_comes(vendors):
    """An analyst's !restore-file is polling when the incident is closed as a false positive: one file reached Cortex
    XDR, the other (a 503, retries spent) waits for the next check. XSOAR's developer docs end a polling sequence when
    it is done, on an error or at its timeout (content-docs scheduled-commands.md), and say nothing of the close: the
    post-processing script sends the waiting file, as no check may come; a check that still comes learns from the
    incident's context that the close started its restore, follows that action, and sends no second one (which would
    fail, the file no longer quarantined, and report the file FAILED though it was restored)."""
    xdr, _ = vendors
    xdr.gateway.inject_faults(FaultPlan.parse('sequence=ok,503'))
    params = xdr.params(max_retries='0', max_concurrency='1')
    first, late = sorted(HOLDERS)[:2]
    room = WarRoom(params=params, time_scale=0.0, sleep=lambda _: None)
    [polling] = room.run('restore-file', {'file_hash': f'{first},{late}'}, follow_polling=False).entries
    assert json.loads(polling['PollingArgs']['unsent']) == [late]

    def started():
        return [action.file_hash for action in xdr.backend.actions.values()]

    def restores_of(file_hash):
        return [r for r in xdr.gateway.requests
                if r.path.endswith('/endpoints/restore/') and r.body['request_data']['file_hash'] == file_hash]

    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': [first, late]}},
                              'False Positive')
    closed = PlaybookRunner(params, time_scale=0, sleep=lambda _: None).run_post_processing(
        POST_PROCESSING_SCRIPT, incident, room.context)
    assert not closed.failed, closed.error
    assert started() == [first, late]  # the first file's action runs; the close sent the waiting one
    sent = restores_of(late)
    check = WarRoom(params=params, context=closed.context, time_scale=0.0, sleep=lambda _: None)

    result = check.run(polling['PollingCommand'], polling['PollingArgs'])

    assert not result.failed, result.entries[-1]
    assert started() == [first, late] and restores_of(late) == sent  # no restore sent after the close's
    [action] = [a for a in xdr.backend.actions.values() if a.file_hash == late]
    records = [r for r in as_list(get_path(check.context, 'CortexXDR.RestoredFile'))
               if r['file_hash'] == late and 'action_id' in r]
    assert {str(r['action_id']) for r in records} == {str(action.action_id)}
    assert {r['status'] for r in records} == {'COMPLETED_SUCCESSFULLY'}



def test_a_check_sends_no_second_restore_of_a_late_file_whose_restore_at_the_close_may_have_started(vendors):
    """As above, with two files waiting for the next check: the close sends both, and Cortex XDR's answer for one is
    lost after it acted (the emulator's "truncated": the file is back), so that file's record says may_have_started
    (integration.yml: look in the Action Center before restoring it again) and names no action to follow. A check
    that still comes must not send it blind: Cortex XDR holds no quarantined copy any more (README: a second restore
    is refused), and the check would report the file not started. It says the restore may have started instead."""
    xdr, _ = vendors
    # the analyst's run: the first file sent, the two others met a 503; the close: the first file's action read
    # again (the gate), then the two waiting files sent, the first of them answered cut short after Cortex XDR acted
    xdr.gateway.inject_faults(FaultPlan.parse('sequence=ok,503,503,ok,truncated,ok'))
    params = xdr.params(max_retries='0', max_concurrency='1')
    files = sorted(HOLDERS)[:3]
    room = WarRoom(params=params, time_scale=0.0, sleep=lambda _: None)
    [polling] = room.run('restore-file', {'file_hash': ','.join(files)}, follow_polling=False).entries
    assert sorted(json.loads(polling['PollingArgs']['unsent'])) == files[1:]
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': files}},
                              'False Positive')
    closed = PlaybookRunner(params, time_scale=0, sleep=lambda _: None).run_post_processing(
        POST_PROCESSING_SCRIPT, incident, room.context)
    assert not closed.failed, closed.error
    [lost] = [r['file_hash'] for r in as_list(get_path(closed.context, 'CortexXDR.RestoredFile'))
              if r.get('may_have_started') is True]
    assert lost in [action.file_hash for action in xdr.backend.actions.values()]  # Cortex XDR did start it

    def restores_of(file_hash):
        return [r for r in xdr.gateway.requests
                if r.path.endswith('/endpoints/restore/') and r.body['request_data']['file_hash'] == file_hash]

    sent = restores_of(lost)
    check = WarRoom(params=params, context=closed.context, time_scale=0.0, sleep=lambda _: None)

    result = check.run(polling['PollingCommand'], polling['PollingArgs'])

    assert not result.failed, result.entries[-1]
    assert restores_of(lost) == sent  # not sent again after the close's
    text = '\n'.join(entry['HumanReadable'] for entry in result.entries)
    [said] = [line for line in text.split('\n- ') if lost in line.split('Files:')[-1]]
    assert 'may have started' in said.lower() and 'Action Center' in said and 'Not started' not in said, said


JSON_VALUE = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
                          lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                  st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                          max_leaves=8)
RECORD = st.fixed_dictionaries({'file_hash': st.sampled_from(sorted(HOLDERS) + ['', 'x']),
                                'endpoint_id': st.sampled_from(['', 'e1', 'E1', None])},
                               optional={'action_id': JSON_VALUE, 'status': st.sampled_from(
                                   ['IN_PROGRESS', 'FAILED', 'COMPLETED_SUCCESSFULLY', 7])})


def names_an_action(action_id) -> bool:
    """integration.yml, CortexXDR.RestoredFile.action_id: "as Cortex XDR sent it (a number, or a text)"; a blank text,
    a boolean, null, a list or an object names no action."""
    if isinstance(action_id, str):
        return action_id.strip() != ''
    if isinstance(action_id, float):
        return math.isfinite(action_id)
    return isinstance(action_id, int) and not isinstance(action_id, bool)


@given(records=st.lists(st.one_of(RECORD, JSON_VALUE), max_size=6), wrapped=st.booleans(),
       endpoint=st.sampled_from([None, 'e1', 'E1']), unsent=st.sets(st.sampled_from(sorted(HOLDERS))))
@example(records=[{'file_hash': sorted(HOLDERS)[0], 'endpoint_id': 'e1', 'action_id': 7}], wrapped=True,
         endpoint='E1', unsent={sorted(HOLDERS)[0]})  # the same endpoint, its ID in the other case
def test_a_check_follows_only_a_later_action_on_the_same_endpoints_for_a_file_it_would_send(records, wrapped,
                                                                                           endpoint, unsent):
    """Whatever the incident's context holds, a check with files to send late follows another run's action only for
    one of those files, when that file's latest record on the same endpoints names an action that started; any other
    file is sent as before. An endpoint ID is hex digits (Cortex XDR's are 32), the same endpoint in either case."""
    context = {'CortexXDR': {'RestoredFile': records if wrapped or len(records) != 1 else records[0]}}

    adopted = ri.started_elsewhere(ri.latest_elsewhere(context, unsent, endpoint, {}))

    latest = {}
    for record in records:
        if isinstance(record, dict) and isinstance(record.get('endpoint_id'), str) and \
                record['endpoint_id'].lower() == (endpoint or '').lower():
            latest[str(record.get('file_hash') or '').lower()] = record
    assert set(adopted) <= unsent
    for file_hash in unsent:
        record = latest.get(file_hash, {})
        started = record.get('status') != 'FAILED' and names_an_action(record.get('action_id'))
        assert (file_hash in adopted) == started and adopted.get(file_hash, record.get('action_id')) == \
            record.get('action_id')
    misplaced = ri.latest_elsewhere({'CortexXDR': records}, unsent, endpoint, {})  # not where XSOAR keeps them
    assert ri.started_elsewhere(misplaced) == {}


def test_a_reclose_reads_how_the_first_close_s_restore_ended_and_sends_again_one_that_failed_everywhere(vendors):
    """The post-processing script starts its restores without polling (it cannot wait), so the record it leaves says
    IN_PROGRESS whatever Cortex XDR did next. The restore failed on the only endpoint holding the file; the analyst
    reopens the incident and closes it again as a false positive. The script reads how that action ended before
    deciding: a restore that failed everywhere is sent again (as the README says), and the note does not call an ended
    action still running."""
    xdr, _ = vendors
    [(file_hash, [endpoint])] = [(h, holders) for h, holders in HOLDERS.items() if len(holders) == 1]
    failure = seed_failing_endpoints()[next(iter(seed_failing_endpoints()))]
    xdr.backend.endpoints[endpoint].restore_failure = RestoreFailure(failure['status'], failure['error_description'])
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': [file_hash]}},
                              'False Positive')
    runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None)
    first = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})
    assert not first.failed, first.error
    [record] = as_list(get_path(first.context, 'CortexXDR.RestoredFile'))
    assert record['status'] == 'IN_PROGRESS'  # all the close could know

    second = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, first.context)

    assert not second.failed, second.error
    assert [action.file_hash for action in xdr.backend.actions.values()] == [file_hash, file_hash]
    assert 'still running' not in second.notes[-1] and f'started for `{file_hash}`' in second.notes[-1]


def spans_of(line: str, command: str) -> list[str]:
    """The war-room lines of ``command`` in the line's code spans (one backtick each: a hash, a host ID, a number)."""
    return [span for span in re.findall(r'`([^`]+)`', line) if span.startswith(f'{command} ')]


def test_a_reclose_that_finds_the_first_close_s_action_still_running_gives_the_summary_s_command_that_follows_it(
        monkeypatch):
    """The first close starts restore-file without polling; at the re-close Cortex XDR still runs that action, so the
    file is not sent again. The line saying so gave only the command that restores the file by hand, where the summary
    note gives the one that follows the action to its end: it gives that one too, and run, it follows that action (no
    second restore) until the file is back on every endpoint holding it."""
    clock = FakeClock()
    xdr = start_tenant(stage_seconds=100, clock=clock, wall_clock=integration_on_clock(monkeypatch, clock).time)
    file_hash = next(h for h, holders in sorted(HOLDERS.items()) if not set(holders) & set(seed_failing_endpoints()))
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': [file_hash]}},
                              'False Positive')
    try:
        runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None)
        first = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})
        again = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, first.context)
        assert not again.failed, again.error
        [line] = [line for line in again.notes[-1].splitlines() if f'was not run again for `{file_hash}`' in line]
        assert 'is still running' in line, line
        [follow] = [span for span in spans_of(line, '!restore-file') if 'action_id=' in span]
        summary = _load_script('QuarantineRestoreSummary').summary_command({}, first.context)['HumanReadable']
        assert [span for span in spans_of(summary, '!restore-file') if 'action_id=' in span] == [follow], summary
        command = parse_line(follow)
        followed = WarRoom(params=xdr.params(), sleep=clock.advance, clock=clock).run(command.command, command.args)
    finally:
        xdr.server.stop()

    assert not followed.failed, followed.entries[-1]
    assert [action.file_hash for action in xdr.backend.actions.values()] == [file_hash]  # followed, not sent again
    assert all(file_hash in xdr.backend.restored(endpoint) for endpoint in HOLDERS[file_hash])


def tenants_whose_hss_copy_restores_for_10_s(monkeypatch):
    """Both vendors' tenants, HSS's agent taking 10 s on its clock to restore a copy, and the HSS sample incident with
    its copy: (xdr, hss, clock, sample, found)."""
    xdr = start_tenant()
    clock = WaitClock()
    hss = start_hss_tenant(stage_seconds=10.0, clock=clock, wall_clock=integration_on_clock(monkeypatch, clock).time)
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    return xdr, hss, clock, sample, hss_copy_of(sample.incident['CustomFields'])


def test_a_reclose_that_finds_an_hss_copy_still_restoring_gives_the_command_that_follows_it_to_restored(monkeypatch):
    """The first close starts hss-restore-isolated without polling; at the re-close the host's agent is still restoring
    the copy, so it is not sent again. The line saying so gave only the command that restores it by hand: it gives the
    one that follows the copy to its end too, and run, that command sends no second restore and reads the copy until
    HSS lists it restored."""
    xdr, hss, clock, sample, found = tenants_whose_hss_copy_restores_for_10_s(monkeypatch)
    try:
        _, again = closed_twice((xdr, hss), sample.incident, sample.context)
        [line] = [line for line in again.notes[-1].splitlines() if 'was not run again' in line]
        assert 'is still restoring it' in line, line
        [follow] = follow_spans(line)
        command = parse_line(follow)
        followed = WarRoom(params=hss.params(), time_scale=1, sleep=clock.sleep).run(command.command, command.args)
    finally:
        xdr.server.stop()
        hss.stack.close()

    assert not followed.failed, followed.entries[-1]
    rows = as_list(get_path(followed.context, 'HuaweiHSS.RestoredFile'))
    assert [(row['file_hash'], row['outcome']) for row in rows] == [(found['file_hash'], 'restored')], rows
    assert hss.backend.isolation_status(found['host_id'], found['file_hash'], found['file_path']) == 'restored'
    assert len(hss_puts(hss)) == 1  # the first close's


def follow_spans(text: str) -> list[str]:
    """The hss-restore-isolated lines a note gives in code spans that carry a restore_state (a follow, not a restore),
    as markdown reads them."""
    return [span for span in as_commonmark_reads(text)[0]
            if span.startswith('!hss-restore-isolated ') and 'restore_state=' in span]


def test_one_hss_copy_left_restoring_gets_one_follow_command_from_the_check_s_entry_the_summary_and_the_reclose(
        monkeypatch):
    """The first close leaves a copy restoring. Three places then give the command that follows it, each knowing the
    copy by its record alone (the restore_state of the first close's restore is in that entry, not in the context):
    the entry of the check the re-close makes of it, the re-close's note, and the summary of the first close's
    context. They gave three different commands (items in another form, pair_by_position left out, or no follow
    command at all); the same copy in the same state gets the same command, which follows it to restored, and the
    notes say in plain words why its restore_state is all zeros, not the first close's."""
    xdr, hss, clock, sample, found = tenants_whose_hss_copy_restores_for_10_s(monkeypatch)
    try:
        first, again = closed_twice((xdr, hss), sample.incident, sample.context)
        [started] = follow_spans(first.notes[-1])  # the first close's: its restore's own restore_state
        # The integration's entry for the check the re-close made of the copy (the same arguments, run again)
        [check] = [event for event in again.events if event.caller and event.command == 'hss-restore-isolated']
        entry = WarRoom(params=hss.params(), time_scale=0, sleep=clock.sleep).run(check.command, check.args)
        [by_entry] = follow_spans('\n'.join(line for line in entry.entries[-1]['HumanReadable'].splitlines()
                                            if line.startswith('To follow the restore')))
        [reclose_line] = [line for line in again.notes[-1].splitlines() if 'was not run again' in line]
        [by_reclose] = follow_spans(reclose_line)
        summary = _load_script('QuarantineRestoreSummary').summary_command({}, first.context)['HumanReadable']
        [summary_line] = [line for line in summary.splitlines() if line.startswith('- ') and 'still restoring' in line]
        by_summary = follow_spans(summary_line)
        assert [by_reclose, by_summary] == [by_entry, [by_entry]], (by_entry, by_reclose, by_summary)
        command = parse_line(by_entry)
        followed = WarRoom(params=hss.params(), time_scale=1, sleep=clock.sleep).run(command.command, command.args)
    finally:
        xdr.server.stop()
        hss.stack.close()

    assert [ri.hss_field_list(command.args.get(name), name) for name in ('host_id', 'file_hash', 'file_path')] == [
        [found['host_id']], [found['file_hash']], [found['file_path']]], command
    assert parse_line(started).args['restore_state'] != command.args['restore_state']
    for line in (reclose_line, summary_line):  # why its restore_state is all zeros, in plain words: no "counts:"
        shown = as_commonmark_reads(line)[1].replace(by_entry, '')
        assert "the restore's own restore_state is not needed" in shown and 'counts:' not in shown, line
    assert not followed.failed, followed.entries[-1]
    rows = as_list(get_path(followed.context, 'HuaweiHSS.RestoredFile'))
    assert [(row['file_hash'], row['outcome']) for row in rows] == [(found['file_hash'], 'restored')], rows
    assert len(hss_puts(hss)) == 1  # the first close's: followed, never sent again



def test_a_reclose_after_a_restore_that_failed_on_some_endpoints_says_the_file_is_still_quarantined_there(vendors):
    """The seed: without endpoint_id, a restore "will run restore on all endpoints which relate to the quarantined
    file". An action that failed on some endpoints left the file quarantined there: the line of the close that does not
    send it again says so, not that the file needs restoring only if it was quarantined again since."""
    xdr, _ = vendors
    failing = set(seed_failing_endpoints())
    [file_hash] = [h for h, holders in HOLDERS.items() if failing & set(holders) and set(holders) - failing][:1]
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': [file_hash]}},
                              'False Positive')
    runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None)
    first = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})
    assert not first.failed, first.error

    second = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, first.context)

    assert not second.failed, second.error
    [line] = [line for line in second.notes[-1].splitlines() if f'not run again for `{file_hash}`' in line]
    assert 'quarantined again since' not in line, line
    assert 'still quarantined on each endpoint that restore failed on' in line, line
    assert parse_line(command_in(line, '!restore-file')).args == {'file_hash': file_hash}


def test_a_restore_cortex_xdr_throttled_on_close_is_said_not_started_not_refused(vendors):
    """Cortex XDR asks the second restore to wait longer than a run may (429, Retry-After): that restore never reached
    it. The note names the file as not started, with the reason, and does not say Cortex XDR refused it."""
    xdr, _ = vendors
    xdr.gateway.inject_faults(FaultPlan.parse('sequence=ok,429;retry-after=200'))
    hashes = sorted(HOLDERS)[:2]
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': hashes}},
                              'False Positive')
    runner = PlaybookRunner(dict(xdr.params(), max_concurrency='1'), time_scale=0, sleep=lambda _: None)

    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})

    assert not run.failed, run.error
    [sent] = restored_hashes(xdr)
    [throttled] = [h for h in hashes if h != sent]
    [record] = [r for r in as_list(get_path(run.context, 'CortexXDR.RestoredFile')) if r['file_hash'] == throttled]
    assert 'action_id' not in record and '429' in record['error']
    [line] = [line for line in run.notes[-1].splitlines() if throttled in line and 'file_hash=' in line]
    assert 'did not start' in line and 'refused' not in line.lower(), line
    assert ' '.join(record['error'].split()) in line


def shipped_closure_script(incident_type: str) -> str:
    """The post-processing script the pack's incident type of that name sets, read from its JSON as XSOAR imports it."""
    for path in (SCRIPTS_DIR.parent / 'incident_types').glob('*.json'):
        definition = json.loads(path.read_text(encoding='utf-8'))
        if definition['name'] == incident_type:
            return definition['closureScript']
    return ''


def test_the_playbook_branch_s_close_runs_the_type_s_post_processing_script_on_the_context_the_playbook_left(vendors):
    """XSOAR runs the type's closureScript on every close, the branch's closeInvestigation too: after the playbook
    restored the HSS copies, the script reads them in the playbook's context and asks none back a second time."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    script = shipped_closure_script(incident['type'])
    assert script, 'the pack ships this incident type with a closure script'

    runs = close_by_playbook(runner_for(vendors), incident, sample.context, stream=io.StringIO())

    assert [run.failed for run in runs] == [False, False]
    assert [event.command for event in runs[1].events if not event.caller] == [script]
    asked = [(item['host_id'], item['file_path'], item['file_hash'])
             for request in hss.gateway.requests if request.method == 'PUT' for item in request.body['data_list']]
    assert asked and len(asked) == len(set(asked)), asked
    for file_hash in {file_hash for _, _, file_hash in asked}:
        assert f'was not run again for `{file_hash}`' in runs[1].notes[-1]
    assert get_path(runs[1].context, 'HuaweiHSS.RestoredFile.outcome'), 'the playbook\'s records stay in context'


def test_an_incident_of_a_type_the_pack_does_not_ship_gets_the_playbook_alone_on_close(vendors):
    # Cortex XDR's incident types are the Cortex XDR pack's: a closure script there is the user's to set.
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    assert not shipped_closure_script(incident['type'])

    runs = close_by_playbook(runner_for(vendors), incident, sample.context, stream=io.StringIO())

    assert len(runs) == 1 and not runs[0].failed
    assert all(event.command != POST_PROCESSING_SCRIPT for event in runs[0].events)


def test_a_playbook_that_stops_on_an_error_never_reaches_the_close_so_the_script_does_not_run(vendors):
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    body = {'name': 'an unknown command', 'type': 'regular', 'script': '|||no-such-command'}
    tasks = [Task('0', 'start', '', {'type': 'start', 'task': {'name': '', 'type': 'start'},
                                     'nexttasks': {'#none#': ['1']}}),
             Task('1', 'regular', body['name'], {'type': 'regular', 'task': body, 'nexttasks': {}})]
    failing = Playbook('fails', 'fails', '0', {task.id: task for task in tasks})

    runs = close_by_playbook(runner_for(vendors), incident, sample.context, failing, stream=io.StringIO())

    assert len(runs) == 1 and runs[0].failed, runs[0].error
    assert all(event.command != POST_PROCESSING_SCRIPT for event in runs[0].events)  # nor within the playbook's run


@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
def test_a_file_a_reputation_integration_scores_bad_at_close_is_held_by_either_trigger(vendors, via):
    # README: the playbooks and the script first ask XSOAR what it knows of each file (!file on every enabled file
    # reputation integration), then hold back what is scored bad. The incident's context holds no score of its own.
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    assert not get_path(sample.context, 'DBotScore')

    _, run = close(vendors, 'xdr_false_positive.json', via, enabled={'Quarantine Restore', 'Cortex XDR - IR', VT})

    assert not run.failed, run.error
    assert restored_hashes(xdr) == set()
    [file_hash] = {row['file_sha256'] for row in sample.incident['CustomFields']['xdrfileartifacts']}
    assert any(file_hash in note and VT in note for note in run.notes), run.notes


def test_an_hss_close_by_path_that_restored_nothing_says_so_and_not_that_it_started(vendors):
    # README: the note says what the script started, and for what did not start, why and the command by hand. An
    # HSS incident that names a path (no hash) HSS holds no isolated copy of starts nothing.
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    incident = copy.deepcopy(sample.incident)
    del incident['CustomFields']['filesha256']
    path = 'C:\\Users\\Public\\not-isolated.exe'
    incident['CustomFields']['huaweihssfilepaths'] = [path]

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'),
                                                  {})

    assert not run.failed, run.error
    assert hss.requests_to('PUT', '/event/isolated-file') == []
    note = run.notes[-1]
    assert 'started for' not in note and 'restored no copy of' in note and 'file_path=' in note, note


# ----------------------------------------------------------------------------- restores by host and path

def hss_puts(hss):
    return [item for request in hss.requests_to('PUT', '/event/isolated-file') for item in request.body['data_list']]


def path_only(sample):
    """The sample's HSS incident as the mapper makes it from an event that gives no SHA256: host and paths only."""
    fields = {key: value for key, value in sample.incident['CustomFields'].items() if key != 'filesha256'}
    return dict(sample.incident, CustomFields=fields)


def by_hand_lines(note, command='!hss-restore-isolated'):
    """Each war-room line the note gives in a code span after "If an analyst is sure it is benign" or "restore it by
    hand", parsed."""
    return [parse_line(command_in(part, command)) for part in re.split(r'\n', note)
            if command in part and ('benign' in part or 'by hand' in part)]


def test_a_restore_by_path_whose_answer_was_lost_on_close_names_the_path_and_restores_it_by_path(vendors):
    """Every PUT's answer is lost (cut off): HSS may or may not have taken it, and the copy's row, which names the
    copy's hash too, is failed. The note names the path the restore went by, not "started", and the command by hand
    restores that path on the host: a file_path of the hash would match no isolated file."""
    _, hss = vendors
    hss.gateway.inject_faults(FaultPlan.parse('sequence=ok,truncated*10'))  # the listing, then every PUT attempt
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    incident = path_only(sample)
    [path] = incident['CustomFields']['huaweihssfilepaths']
    [file_hash] = sample.incident['CustomFields']['filesha256']

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'),
                                                  {})

    assert not run.failed, run.error
    note = run.notes[-1]
    assert f'started for `{path}`' not in note and file_hash not in note, note
    [line] = by_hand_lines(note)
    # in the enterprise project the row was listed in: the instance may be set to another one before it runs
    rows = as_list(get_path(run.context, 'HuaweiHSS.RestoredFile'))
    [project] = {row.get('enterprise_project_id') or '0' for row in rows}
    assert line.args == {'host_id': incident['CustomFields']['huaweihsshostid'], 'file_path': path,
                         'enterprise_project_id': project}, note


@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
def test_a_file_scored_bad_is_not_restored_by_host_and_path_and_the_note_gives_the_command_for_that_host(vendors, via):
    # README, "Reputation check before every restore": bad (3) is never restored automatically, by path too. The
    # incident names no SHA256; the context's File entry of that path gives the hashes VirusTotal scored.
    _, hss = vendors
    sample, run = close(vendors, 'hss_path_known_bad.json', via)
    fields = sample.incident['CustomFields']
    assert not fields.get('filesha256') and known_bad(sample.context)

    assert not run.failed, run.error
    assert hss_puts(hss) == []
    for path in fields['huaweihssfilepaths']:
        [entry] = [f for f in as_list(sample.context['File']) if f['Path'] == path]
        assert hss.backend.isolation_status(fields['huaweihsshostid'], entry['SHA256'], path) == 'isolated'
    note = '\n'.join(run.notes)
    assert VT in note
    [line] = by_hand_lines(note)
    assert ri.hss_field_list(line.args['file_path'], 'file_path') == fields['huaweihssfilepaths']
    assert ri.hss_field_list(line.args['host_id'], 'host_id') == [fields['huaweihsshostid']]
    assert 'file_hash' not in line.args


@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
@pytest.mark.parametrize('enabled, restored', [({'Quarantine Restore', VT}, False), ({'Quarantine Restore'}, True)])
def test_a_path_is_checked_with_the_reputation_integrations_on_the_hash_the_context_knows_for_it(vendors, via, enabled,
                                                                                                 restored):
    # !file is asked about the SHA256 a File entry gives the path (its Path the folder, its Name the file, a Windows
    # path in other case): VirusTotal scores it bad, so the path is held; with no reputation integration nothing is
    # known of it, and it is restored as an unknown file is.
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    incident = close_incident(path_only(sample), 'False Positive')
    [path] = incident['CustomFields']['huaweihssfilepaths']
    folder, name = path.rsplit('\\', 1)
    [recorded] = [p.stem for p in (TEST_DATA / 'xsoar' / 'replies' / VT / 'file').glob('*.json')]
    context = {'File': [{'Name': name.upper(), 'Path': folder.lower(), 'SHA256': recorded}]}
    runner = runner_for(vendors, enabled)

    run = runner.run(RESTORE_PLAYBOOK, incident, context) if via == 'playbook' else \
        runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, context)

    assert not run.failed, run.error
    assert bool(hss_puts(hss)) is restored
    assert (VT in '\n'.join(run.notes)) is not restored


@pytest.mark.parametrize('entry', [
    {'Path': 'C:\\Users\\Public\\test.exe'},
    {'Path': 'c:\\users\\public\\TEST.EXE'},
    {'Path': 'C:/Users/Public/test.exe'},
    {'Path': 'C:\\Users\\Public', 'Name': 'test.exe'},
    {'Path': 'C:\\Users\\Public\\', 'Name': 'Test.exe'},
    {'Path': ['D:\\other', 'C:\\Users\\Public'], 'Name': ['test.exe']},
], ids=['path', 'path-in-other-case', 'slashes', 'folder-and-name', 'folder-with-separator', 'lists'])
def test_a_windows_path_is_held_by_the_file_entry_that_names_it_in_any_case_or_as_folder_and_name(entry):
    md5 = '7f7b284c4269a68e722becf4830226ed'
    context = {'File': [dict(entry, MD5=md5)], 'DBotScore': [{'Indicator': md5, 'Vendor': VT, 'Score': 3}]}
    path = 'C:\\Users\\Public\\test.exe'

    result = gate_verdicts(GATE.gate_command({'file_path': path, 'host_id': 'h-1', 'restore_command':
                                             'hss-restore-isolated'}, context))

    assert result['allowed_paths'] == [] and [held['file_path'] for held in result['held']] == [path]
    [held] = result['held']
    assert held['scored_by'] == [VT] and held['scored_as'] == [f'MD5 {md5}']
    assert 'host_id=h-1' in held['by_hand'] and 'file_hash' not in held['by_hand']


def file_answering(scores: dict[str, int], extra: list) -> tuple[list, object]:
    """(the calls made, an execute whose !file answers with a DBotScore entry of ``scores`` ({hash: score}, VT's)
    after the items ``extra``)."""
    calls = []

    def execute(command, args):
        calls.append((command, args))
        found = [{'Indicator': value, 'Type': 'file', 'Vendor': VT, 'Score': score} for value, score in scores.items()]
        return extra + [{'Type': 1, 'EntryContext': {'DBotScore': found}}] if command == 'file' else []
    return calls, execute


@pytest.mark.parametrize('kind, value', [('MD5', '7f7b284c4269a68e722becf4830226ed'),
                                         ('SHA1', 'a9993e364706816aba3e25717850c26c9cd0d89d')])
def test_a_path_whose_file_entry_gives_no_sha256_is_looked_up_with_file_by_its_md5_or_sha1_and_held_when_bad(
        kind, value):
    """README: a path's hashes, "each entry's SHA256, or its MD5 or SHA1 when it gives no SHA256", go to !file;
    VirusTotal scoring that MD5 or SHA1 bad holds the path."""
    path = '/opt/app/bin/updater'
    calls, execute = file_answering({value: 3}, [])

    result = gate_verdicts(GATE.gate_command({'file_path': path, 'host_id': 'h-1', 'restore_command':
                                             'hss-restore-isolated'}, {'File': {'Path': path, kind: value}}, execute))

    assert calls == [('file', {'file': value})]
    assert result['allowed_paths'] == [] and [held['file_path'] for held in result['held']] == [path]


def test_an_item_of_the_file_answer_that_is_no_entry_is_passed_over_and_the_entry_beside_it_still_holds_the_path():
    """!file's answer is read as executeCommand may hand it back, with an item that is no entry (text): the gate
    does not fail on it, and VirusTotal's score of the path's SHA256 in the entry beside it holds the path."""
    sha256, path = '5' * 64, '/opt/app/bin/updater'
    _, execute = file_answering({sha256: 3}, ['not an entry'])

    result = gate_verdicts(GATE.gate_command({'file_path': path, 'host_id': 'h-1', 'restore_command':
                                             'hss-restore-isolated'}, {'File': {'Path': path, 'SHA256': sha256}},
                                             execute))

    assert result['allowed_paths'] == [] and [held['scored_by'] for held in result['held']] == [[VT]]


def test_a_file_answer_whose_dbotscore_is_no_object_refuses_the_path_check_naming_file_as_where_it_came_from():
    """!file's answer holding a DBotScore that is no object (a number) is refused, as a context one is (skipped, it
    might have been the score that holds the path), and the refusal names !file, the command that wrote it, not the
    DBotScore key, which the context holds fine."""
    sha256, path = '5' * 64, '/opt/app/bin/updater'
    _, execute = file_answering({}, [{'Type': 1, 'EntryContext': {'DBotScore': 3}}])

    with pytest.raises(GATE.GateError) as refused:
        GATE.gate_command({'file_path': path, 'host_id': 'h-1', 'restore_command': 'hss-restore-isolated'},
                          {'File': {'Path': path, 'SHA256': sha256}}, execute)

    assert str(refused.value).startswith('!file ') and 'DBotScore' in str(refused.value), refused.value


def test_a_path_is_held_by_another_file_entry_of_its_sha256_marked_malicious_whatever_other_hashes_its_own_gives():
    """README: a path is held "as it would hold the file": by every File entry of the SHA256 the path's entry gives,
    here one that names no path and no MD5 (a reputation integration's), marked Malicious."""
    sha256, md5, path = '5' * 64, '7f7b284c4269a68e722becf4830226ed', '/opt/app/bin/updater'
    context = {'File': [{'Path': path, 'SHA256': sha256, 'MD5': md5},
                        {'SHA256': sha256, 'Malicious': {'Vendor': VT, 'Description': 'Known malware'}}]}

    result = gate_verdicts(GATE.gate_command({'file_path': path, 'host_id': 'h-1', 'restore_command':
                                             'hss-restore-isolated'}, context))

    assert result['allowed_paths'] == []
    [held] = result['held']
    assert (held['file_path'], held['verdict'], held['scored_by']) == (path, 'malicious', [VT])


def test_a_path_held_whose_file_entries_give_two_sha256s_is_kept_under_the_first_with_both_named():
    """Two File entries name the path (the file there changed): the held item names it by the first SHA256 the
    context gives, and its line names both."""
    first, second, path = '1' * 64, '2' * 64, '/opt/app/bin/updater'
    context = {'File': [{'Path': path, 'SHA256': first}, {'Path': path, 'SHA256': second, 'Malicious': {'Vendor': VT}}]}

    entry = GATE.gate_command({'file_path': path, 'host_id': 'h-1', 'restore_command': 'hss-restore-isolated'},
                              context)

    [held] = gate_verdicts(entry)['held']
    assert (held['file_path'], held['file_hash'], held['verdict']) == (path, first, 'malicious')
    assert first in entry['HumanReadable'] and second in entry['HumanReadable']


def test_each_path_held_in_one_run_gets_a_line_with_its_own_verdict_and_command():
    """Two paths held by one check, one scored suspicious (2), one malicious (3) (XSOAR's DBotScore scores): each
    line names its own path, verdict and restore by hand."""
    paths = ['/opt/app/bin/updater', '/opt/app/bin/helper']
    sha256s = ['1' * 64, '2' * 64]
    context = {'File': [{'Path': path, 'SHA256': sha256} for path, sha256 in zip(paths, sha256s)],
               'DBotScore': [{'Indicator': sha256, 'Type': 'file', 'Vendor': VT, 'Score': score}
                             for sha256, score in zip(sha256s, (2, 3))]}

    entry = GATE.gate_command({'file_path': paths, 'host_id': 'h-1', 'restore_command': 'hss-restore-isolated'},
                              context)

    lines = [line for line in entry['HumanReadable'].splitlines() if 'Held back' in line]
    assert len(lines) == 2, entry['HumanReadable']
    for line, path, verdict in zip(lines, paths, ('suspicious (2)', 'malicious (3)')):
        assert verdict in line, line
        assert parse_line(command_in(line, '!hss-restore-isolated')).args == {'file_path': path, 'host_id': 'h-1'}


@pytest.mark.parametrize('entry_path, path', [
    ('/opt/App/bin/updater', '/opt/app/bin/updater'),  # Linux paths differ by case
    ('C:\\Users\\Public\\other.exe', 'C:\\Users\\Public\\test.exe'),
    ('C:\\Users\\Public', 'C:\\Users\\Public\\test.exe'),  # a folder with no Name names no file
])
def test_a_path_no_file_entry_names_is_an_unknown_file_and_may_be_restored(entry_path, path):
    context = {'File': [{'Path': entry_path, 'SHA256': 'a' * 64, 'Malicious': {'Vendor': VT}}]}

    result = gate_verdicts(GATE.gate_command({'file_path': path, 'host_id': 'h-1', 'restore_command':
                                             'hss-restore-isolated'}, context))

    assert result == {'allowed': [], 'allowed_paths': [path], 'held': [], 'covered': [], 'endpoints': None,
                      'by_hand': f'!hss-restore-isolated file_path={path} host_id=h-1', 'earlier_actions': []}


def test_a_close_after_the_playbook_restored_by_host_and_path_sends_that_restore_no_second_time(vendors):
    # README: closeInvestigation runs the type's post-processing script on the context the playbook left, and it sends
    # none of the playbook's restores again: a copy restored or restoring on the incident's host is covered, whether
    # the playbook found it by hash or by host and path.
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    incident = close_incident(path_only(sample), sample.close_reason, sample.close_notes)

    runs = close_by_playbook(runner_for(vendors), incident, sample.context, stream=io.StringIO())

    assert [run.failed for run in runs] == [False, False] and len(runs) == 2
    fields = incident['CustomFields']
    sent = sorted((item['host_id'], item['file_path']) for item in hss_puts(hss))
    assert sent == sorted((fields['huaweihsshostid'], path) for path in fields['huaweihssfilepaths'])  # once each
    note = runs[1].notes[-1]
    assert 'restored no copy' not in note and 'started for' not in note
    for path in fields['huaweihssfilepaths']:
        assert f'was not run again for `{path}`' in note
    [line] = by_hand_lines(note)
    assert ri.hss_field_list(line.args['file_path'], 'file_path') == fields['huaweihssfilepaths']
    assert ri.hss_field_list(line.args['host_id'], 'host_id') == [fields['huaweihsshostid']]


def test_closed_from_the_dialog_an_incident_of_several_hosts_and_paths_restores_each_path_on_its_hosts(vendors):
    # The HSS playbook's rule, at a close from the Close dialog: the incident's host and path fields do not say which
    # path is on which host, so each path is restored on the incident's hosts HSS lists it isolated on. The script
    # handed both lists to hss-restore-isolated, which pairs them position by position and refused two hosts and three
    # paths: its note said the restore could not start, and nothing was restored.
    _, hss = vendors
    sample = IncidentFile.load(TEST_DATA / 'hss' / 'incident_two_events_by_path.json')
    fields = sample.incident['CustomFields']
    hosts, paths = fields['huaweihsshostid'], fields['huaweihssfilepaths']

    run = runner_for(vendors).run_post_processing(
        POST_PROCESSING_SCRIPT, close_incident(sample.incident, sample.close_reason), sample.context)

    assert not run.failed, run.error
    # From the seed: the copies isolated at the incident's paths on the incident's hosts, and no other
    wanted = {(copy['host_id'], copy['file_path']) for copies in hss_seed_copies().values() for copy in copies
              if copy['host_id'] in hosts and copy['file_path'] in paths}
    assert {host for host, _ in wanted} == set(hosts) and {path for _, path in wanted} == set(paths)
    assert sorted((item['host_id'], item['file_path']) for item in hss_puts(hss)) == sorted(wanted)
    rows = as_list(get_path(run.context, 'HuaweiHSS.RestoredFile'))
    assert {(row['host_id'], row['file_path']) for row in rows if row['outcome'] == 'restoring'} == wanted, rows


# ----------------------------------------------------------- a re-close judges HSS's earlier records by the gate

def hss_copy_of(fields):
    """The sample's isolated copy on its incident's host, as the HSS seed holds it."""
    [file_hash], host_id = fields['filesha256'], fields['huaweihsshostid']
    [found] = [c for c in hss_seed_copies()[file_hash] if c['host_id'] == host_id]
    return found


def closed_twice(vendors, incident, context=None):
    """The on-close script run at a close, then at the close of the reopened incident, on the context the first left."""
    runner = runner_for(vendors)
    first = runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'), context)
    assert not first.failed, first.error
    again = runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'),
                                       first.context)
    assert not again.failed, again.error
    return first, again


def test_a_reclose_reads_again_an_hss_copy_the_first_close_left_restoring_and_calls_it_restored_once_hss_does(vendors):
    """The first close starts hss-restore-isolated without polling, so its row says restoring whatever HSS did since.
    HSS lists the copy restored by the re-close: no second restore, and the note says it was restored (the gate reads
    the copy again, as it does for the playbook), not that it is still restoring."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    found = hss_copy_of(sample.incident['CustomFields'])

    first, again = closed_twice(vendors, sample.incident, sample.context)

    assert [row['outcome'] for row in as_list(get_path(first.context, 'HuaweiHSS.RestoredFile'))] == ['restoring']
    assert hss.backend.isolation_status(found['host_id'], found['file_hash'], found['file_path']) == 'restored'
    assert [(item['host_id'], item['file_path']) for item in hss_puts(hss)] == [(found['host_id'], found['file_path'])]
    [line] = [line for line in again.notes[-1].splitlines() if 'was not run again' in line]
    assert f'`{found["file_hash"]}`' in line and f'restored it on {found["host_name"]}' in line, line
    assert 'restoring' not in line, line


def test_a_reclose_says_in_hss_words_when_to_restore_by_hand_an_hss_copy_it_does_not_send_again(vendors):
    """HSS isolates files, Cortex XDR quarantines them: the line about a copy an earlier close restored says to restore
    it by hand if HSS lists it isolated again (as the summary note does), with the command limited to its host."""
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    found = hss_copy_of(sample.incident['CustomFields'])

    _, again = closed_twice(vendors, sample.incident, sample.context)

    [line] = [line for line in again.notes[-1].splitlines() if 'was not run again' in line]
    assert 'If HSS lists it isolated again, restore it by hand: `!hss-restore-isolated ' in line, line
    assert 'quarantined' not in line and f'host_id={found["host_id"]}' in line, line


def test_a_reclose_sends_again_an_hss_copy_the_first_close_left_restoring_that_hss_lists_isolated_again(vendors):
    """The host's agent could not restore the copy: HSS lists it isolated again after taking the restore. The first
    close's row still says restoring; counted as done, the re-close would leave the file quarantined for good. It is
    read again, found isolated, and sent again."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    found = hss_copy_of(sample.incident['CustomFields'])
    hss.backend.hosts[found['host_id']].restore_fails = True

    first, again = closed_twice(vendors, sample.incident, sample.context)

    assert hss.backend.isolation_status(found['host_id'], found['file_hash'], found['file_path']) == 'isolated'
    assert [(item['host_id'], item['file_path']) for item in hss_puts(hss)] == [(found['host_id'],
                                                                                 found['file_path'])] * 2
    note = again.notes[-1]
    assert 'was not run again' not in note and f'started for `{found["file_hash"]}`' in note, note


def test_a_reclose_of_an_incident_naming_no_host_sends_hss_the_copy_restored_on_one_host_and_isolated_on_another(
        vendors):
    """An HSS incident that names no host restores the file on every host that isolated it. The first close's restore
    came back on one host and not on another (its agent fails the restore: HSS lists it isolated again): the re-close
    sends the restore again, and HSS gets the copy still isolated, not the one restored."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = sample.incident['CustomFields']
    found = hss_copy_of(fields)
    other = next(h for h in hss.backend.hosts.values() if h.host_id != found['host_id'] and
                 h.enterprise_project_id == hss.backend.hosts[found['host_id']].enterprise_project_id)
    hss.backend.isolate_file(other.host_id, found['file_hash'], found['file_path'])
    other.restore_fails = True
    incident = dict(sample.incident, CustomFields={k: v for k, v in fields.items() if k != 'huaweihsshostid'})

    first, again = closed_twice(vendors, incident, sample.context)

    first_put, *again_puts = [[(item['host_id'], item['file_path']) for item in request.body['data_list']]
                              for request in hss.requests_to('PUT', '/event/isolated-file')]
    assert {(found['host_id'], found['file_path']), (other.host_id, found['file_path'])} <= set(first_put)
    assert again_puts == [[(other.host_id, found['file_path'])]]  # sent again for the copy still isolated only
    assert hss.backend.isolation_status(found['host_id'], found['file_hash'], found['file_path']) == 'restored'
    assert 'was not run again' not in again.notes[-1] and f'started for `{found["file_hash"]}`' in again.notes[-1]


def test_a_reclose_by_path_judges_an_earlier_record_of_a_windows_path_as_hss_restore_isolated_matches_it_exactly(
        vendors):
    """hss-restore-isolated gives back the copies HSS lists at exactly the path given (HSS lists a path as it is;
    its path filter matches parts, and the command keeps only exact matches). An earlier restore's record of that
    path in another case covers no copy the restore by this path could act on: the re-close runs the restore, which
    says what HSS lists there, rather than call the file restored."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    found = hss_copy_of(sample.incident['CustomFields'])
    other_case = found['file_path'].swapcase()
    incident = path_only(sample)
    incident['CustomFields'].update(huaweihssfilepaths=[other_case])
    earlier = {'HuaweiHSS': {'RestoredFile': [{key: found[key] for key in ('host_id', 'host_name', 'file_hash',
                                                                           'file_path')} | {'outcome': 'restored'}]}}

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'),
                                                  earlier)

    assert not run.failed, run.error
    assert hss_puts(hss) == []  # no copy at that exact path: nothing to send, as the restore by this path finds
    note = run.notes[-1]
    assert 'was not run again' not in note and 'restored no copy of' in note, note
    [row] = [r for r in as_list(get_path(run.context, 'HuaweiHSS.RestoredFile')) if r.get('file_path') == other_case]
    assert row['outcome'] == 'not_found'


HSS_HASH = max(hss_seed_copies(), key=lambda file_hash: len(hss_seed_copies()[file_hash]))  # on the most hosts
HSS_COPIES = [{key: found[key] for key in ('host_id', 'host_name', 'file_hash', 'file_path')}
              for found in hss_seed_copies()[HSS_HASH]]
HSS_OUTCOMES = ('restored', 'restoring', 'failed', 'not_found')  # integration.yml: HuaweiHSS.RestoredFile.outcome


@given(outcomes=st.lists(st.sampled_from(HSS_OUTCOMES), min_size=len(HSS_COPIES), max_size=len(HSS_COPIES)),
       recorded=st.lists(st.booleans(), min_size=len(HSS_COPIES), max_size=len(HSS_COPIES)),
       on_one_host=st.booleans(), upper=st.booleans())
def test_a_reclose_sends_hss_a_file_again_unless_every_copy_of_it_a_record_names_on_the_host_was_restored(
        outcomes, recorded, on_one_host, upper):
    """The on-close script judges HSS's earlier records by the playbooks' rule (the gate's): a copy failed or not found
    may be isolated still, so the file is sent again; one left restoring that cannot be read again now (no answer) may
    have been restored, so it is not sent again blind (the note says to check it first); only the incident's host
    counts when it names one, any host when it names none."""
    rows = [dict(found, file_hash=found['file_hash'].upper() if upper else found['file_hash'], outcome=outcome)
            for found, outcome, kept in zip(HSS_COPIES, outcomes, recorded) if kept]
    fields = {'filesha256': [HSS_HASH], **({'huaweihsshostid': HSS_COPIES[0]['host_id']} if on_one_host else {})}
    in_scope = [outcome for found, outcome, kept in zip(HSS_COPIES, outcomes, recorded)
                if kept and (not on_one_host or found['host_id'] == HSS_COPIES[0]['host_id'])]
    sent = []

    def execute(command, args):
        if command == 'QuarantineRestoreReputationGate':
            return [GATE.gate_command(json.loads(json.dumps(args)), {}, execute)]
        if command == 'hss-restore-isolated' and 'restore_state' not in args:
            sent.append(args)
        return []  # no reputation integration; a check of a restoring copy gets no answer

    ON_CLOSE.on_close_command({'closeReason': 'False Positive'}, {'type': 'Huawei Cloud HSS Event',
                                                                  'CustomFields': fields},
                              {'HuaweiHSS': {'RestoredFile': rows}}, execute)

    assert (sent == []) == (bool(in_scope) and set(in_scope) <= {'restored', 'restoring'}), sent


# ----------------------------------------------------------------------------- by-hand commands keep the scope

def run_by_hand(hss, line):
    room = WarRoom(params=hss.params(), time_scale=0, sleep=lambda _: None)
    return room.run(line.command, dict(line.args, polling='false'))


def test_the_by_hand_command_for_a_file_already_restored_stays_on_the_incident_s_host(vendors):
    # Incident of one host; the file is isolated on others too, each with an incident of its own. The command the
    # close note gives for "quarantined again since" must restore it there, not on every host that isolated it.
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    [file_hash] = sample.incident['CustomFields']['filesha256']
    host_id = sample.incident['CustomFields']['huaweihsshostid']
    others = [copy for copy in hss_seed_copies()[file_hash] if copy['host_id'] != host_id]
    assert others, 'the seed isolates the file on another host too'
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    runs = close_by_playbook(runner_for(vendors), incident, sample.context, stream=io.StringIO())
    before = len(hss_puts(hss))

    [line] = by_hand_lines(runs[1].notes[-1])
    run_by_hand(hss, line)

    assert ri.hss_field_list(line.args['host_id'], 'host_id') == [host_id]
    assert {item['host_id'] for item in hss_puts(hss)[before:]} <= {host_id}
    for other in others:
        assert hss.backend.isolation_status(other['host_id'], file_hash, other['file_path']) == 'isolated'


@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
def test_the_by_hand_command_for_a_held_hss_file_restores_it_on_the_incident_s_host_only(vendors, via):
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    [file_hash] = sample.incident['CustomFields']['filesha256']
    host_id = sample.incident['CustomFields']['huaweihsshostid']
    scored = {'DBotScore': [{'Indicator': file_hash, 'Type': 'file', 'Vendor': VT, 'Score': 3}]}

    _, run = close(vendors, 'hss_false_positive.json', via, context=scored)

    assert not run.failed, run.error
    assert hss_puts(hss) == []
    [line] = by_hand_lines('\n'.join(run.notes))
    assert ri.hss_field_list(line.args['host_id'], 'host_id') == [host_id]
    assert not run_by_hand(hss, line).failed
    assert {item['host_id'] for item in hss_puts(hss)} == {host_id}
    for other in hss_seed_copies()[file_hash]:
        if other['host_id'] != host_id:
            assert hss.backend.isolation_status(other['host_id'], file_hash, other['file_path']) == 'isolated'


@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
def test_files_held_on_many_hss_hosts_at_close_each_get_a_line_naming_20_hosts_and_the_context_restores_them_on_all(
        by, tmp_path):
    """A held file's line in the close note gave the command that restores it on every host of the incident: 3 files
    on 120 hosts made 3 lines of 120 host IDs each. As the reputation check's own note (README, "Readable at any
    scale"), past READABLE_DETAIL_MAX held file-host pairs each held line says how many hosts, names
    READABLE_LISTED_MAX, and gives the command for one host to fill in; QuarantineRestore.Gate.held.by_hand, which the
    check the script runs writes, keeps the command that restores the file on every host."""
    held = sorted(HOLDERS)[:3]
    seed, paths, hosts = many_hosts_seed(tmp_path, held, 120)
    named = {'filesha256': held} if by == 'file_hash' else {'huaweihssfilepaths': list(paths.values())}
    incident = {'id': '9', 'type': 'Huawei Cloud HSS Event', 'CustomFields': {'huaweihsshostid': hosts, **named}}
    scored = {'DBotScore': [{'Indicator': h, 'Type': 'file', 'Vendor': VT, 'Score': 3} for h in held],
              'File': [{'Path': paths[h], 'SHA256': h} for h in held]}
    tenant = start_hss_tenant(seed=seed)
    try:
        runner = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None)
        run = runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'), scored)
        assert not run.failed, run.error
        assert hss_puts(tenant) == []
        wanted = held if by == 'file_hash' else list(paths.values())
        restores = [parse_line(item['by_hand'])
                    for item in as_list(get_path(run.context, 'QuarantineRestore.Gate.held'))]
        assert sorted((ri.hss_field_list(line.args[by], by), ri.hss_field_list(line.args['host_id'], 'host_id'))
                      for line in restores) == sorted(([value], hosts) for value in wanted)
        assert not run_by_hand(tenant, restores[0]).failed  # the context's command restores the file on every host
        value = ri.hss_field_list(restores[0].args[by], by)[0]
        assert {(item['host_id'], item[by]) for item in hss_puts(tenant)} == {(host, value) for host in hosts}
    finally:
        tenant.stack.close()

    lines = {as_commonmark_reads(line)[0][0]: line for line in run.notes[-1].splitlines() if 'is scored' in line}
    assert sorted(lines) == sorted(wanted)
    for value, line in lines.items():
        assert_names_20_hosts_and_one_to_fill_in(line, hosts, by, value, 'QuarantineRestore.Gate.held.by_hand')



@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
def test_files_restored_before_on_many_hss_hosts_get_close_note_lines_naming_20_hosts_and_the_context_has_each_command(
        by, tmp_path):
    """Closed again after the playbook branch restored its files on 120 hosts, the note's line for each file not sent
    again (the reputation check's) gave the command that restores it on every host, and named each host. It is
    bounded as a held file's line (README, "Readable at any scale"): READABLE_LISTED_MAX hosts named, one command to
    fill in, and the context key the check writes holds the command for every host. By path, one path (see
    tests/test_playbooks.py)."""
    files = sorted(HOLDERS)[:3 if by == 'file_hash' else 1]
    seed, paths, hosts = many_hosts_seed(tmp_path, files, 120)
    named = {'filesha256': files} if by == 'file_hash' else {'huaweihssfilepaths': list(paths.values())}
    incident = close_incident({'id': '9', 'type': 'Huawei Cloud HSS Event',
                               'CustomFields': {'huaweihsshostid': hosts, **named}}, 'False Positive')
    tenant = start_hss_tenant(seed=seed)
    try:
        runner = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None)
        first = runner.run('Quarantine Restore - Huawei Cloud HSS', incident, {})
        assert not first.failed, first.error
        puts = len(hss_puts(tenant))
        run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, first.context)
        assert not run.failed, run.error
        assert len(hss_puts(tenant)) == puts
    finally:
        tenant.stack.close()

    wanted = files if by == 'file_hash' else list(paths.values())
    covered = [parse_line(command).args
               for command in as_list(get_path(run.context, 'QuarantineRestore.Gate.covered.by_hand'))]
    assert sorted((ri.hss_field_list(args[by], by), ri.hss_field_list(args['host_id'], 'host_id'))
                  for args in covered) == sorted(([value], hosts) for value in wanted)
    lines = {as_commonmark_reads(line)[0][1]: line for line in run.notes[-1].splitlines() if 'not run again' in line}
    assert sorted(lines) == sorted(wanted)
    for value, line in lines.items():
        assert_names_20_hosts_and_one_to_fill_in(line, hosts, by, value, 'QuarantineRestore.Gate.covered.by_hand')



def test_copies_left_restoring_on_many_hss_hosts_and_not_read_again_at_close_get_one_check_to_fill_in(tmp_path):
    """Closed again after the first close left each copy restoring on 120 hosts, while the server fails the read of
    them: nothing is sent blind, and the note's line for each file gave the check to run first as one command naming
    every copy's host, hash and path (3 files on 120 hosts: 3 checks of 360 values). Past READABLE_DETAIL_MAX file-host
    pairs it is for one host, to fill in; QuarantineRestore.Gate.covered.check, which the check the script runs
    writes, keeps the check that reads every copy."""
    files = sorted(HOLDERS)[:3]
    seed, _, hosts = many_hosts_seed(tmp_path, files, 120)
    incident = close_incident({'id': '9', 'type': 'Huawei Cloud HSS Event',
                               'CustomFields': {'huaweihsshostid': hosts, 'filesha256': files}}, 'False Positive')
    tenant = start_hss_tenant(seed=seed)
    try:
        first = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None).run_post_processing(
            POST_PROCESSING_SCRIPT, incident, {})
        assert not first.failed, first.error
        puts = len(hss_puts(tenant))
        failing = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None,
                                 server_errors={'hss-restore-isolated': SERVER_SAID})
        run = failing.run_post_processing(POST_PROCESSING_SCRIPT, incident, first.context)
        assert not run.failed, run.error
        assert len(hss_puts(tenant)) == puts
    finally:
        tenant.stack.close()

    covered = as_list(get_path(run.context, 'QuarantineRestore.Gate.covered'))
    checks = [parse_line(item['check']).args for item in covered]  # each file's copies, every host's
    assert sorted((ri.hss_field_list(args['host_id'], 'host_id'), sorted(set(ri.hss_field_list(
        args['file_hash'], 'file_hash')))) for args in checks) == sorted((hosts, [value]) for value in files)
    lines = {as_commonmark_reads(line)[0][1]: line for line in run.notes[-1].splitlines() if 'not run again' in line}
    assert sorted(lines) == sorted(files)
    for value, line in lines.items():
        assert SERVER_SAID in line and 'Check it first' in line, line
        assert_names_20_hosts_and_one_to_fill_in(line, hosts, 'file_hash', value,
                                                 'QuarantineRestore.Gate.covered.check', True)


def hss_close(hosts: list[str], files: list[str]) -> dict:
    """An HSS incident on ``hosts`` naming ``files``, closed as a false positive."""
    return close_incident({'id': '9', 'type': 'Huawei Cloud HSS Event',
                           'CustomFields': {'huaweihsshostid': hosts, 'filesha256': files}}, 'False Positive')


@contextmanager
def closed_again_while_reads_fail(seed: Path, files: list[str],
                                  hosts: list[str]) -> Iterator[tuple[HssTenant, Callable[[list[str]], str]]]:
    """An HSS tenant of ``seed`` on which an incident naming ``files`` on ``hosts`` was closed, its copies left
    restoring, and ``check_line(closed)``: the 'Check it first' line of the note of the incident closed again on the
    hosts ``closed`` while the server fails the reads (hss-restore-isolated)."""
    tenant = start_hss_tenant(seed=seed)
    try:
        first = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None).run_post_processing(
            POST_PROCESSING_SCRIPT, hss_close(hosts, files), {})
        assert not first.failed, first.error
        failing = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None,
                                 server_errors={'hss-restore-isolated': SERVER_SAID})

        def check_line(closed: list[str]) -> str:
            run = failing.run_post_processing(POST_PROCESSING_SCRIPT, hss_close(closed, files), first.context)
            [line] = [line for line in run.notes[-1].splitlines() if 'Check it first' in line]
            return line
        yield tenant, check_line
    finally:
        tenant.stack.close()


def checks_in(line: str) -> list[str]:
    """The hss-restore-isolated checks (a restore_state: no restore sent) a line gives in code spans, as read."""
    return [span for span in as_commonmark_reads(line)[0]
            if span.startswith('!hss-restore-isolated ') and 'restore_state' in parse_line(span).args]


@pytest.mark.parametrize('path_of_its_own', [False, True], ids=['one path on every host', 'a path of each host'])
def test_the_check_to_fill_in_for_copies_restoring_on_many_hss_hosts_filled_in_with_one_host_is_that_host_s_own(
        tmp_path, path_of_its_own):
    """The first close left a file's copies restoring on 60 hosts; closed again while the server fails the reads, the
    line gives the check to run first for one host, to fill in. It wrote the older form (host_id=<host_id> by hash,
    neither JSON lists nor pair_by_position nor the path), where the check for one host writes the follow command's
    (each item a JSON list, pair_by_position=true, the project, the state), so filled in it was not that check.
    Filled in with one of the hosts HSS holds the copy on, it is now the very check the close of that host alone
    gives, and it reads that copy. Where each host holds it at a path of its own, the check has `<file_path>` to fill
    in too (README: "where the hosts' paths differ"), not one host's path."""
    files = sorted(HOLDERS)[:1]
    seed, paths, hosts = many_hosts_seed(tmp_path, files, 60)
    path_on = {each: paths[files[0]] for each in hosts}
    if path_of_its_own:
        path_on = {each: f'/opt/tools/{number}/tool-0.sh' for number, each in enumerate(hosts)}
        seed = hash_at_paths_seed(tmp_path, files[0], {each: [path] for each, path in path_on.items()})
    host = hosts[7]

    with closed_again_while_reads_fail(seed, files, hosts) as (tenant, check_line):
        checks = [check for closed in (hosts, [host]) for check in checks_in(check_line(closed))]
        [to_fill_in, own] = checks
        filled = to_fill_in.replace('<host_id>', host).replace('<file_path>', path_on[host])
        assert filled == own, (to_fill_in, own)
        command = parse_line(filled)
        read = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None).run(command.command, command.args)

    assert not read.failed, read.entries[-1]
    rows = as_list(get_path(read.context, 'HuaweiHSS.RestoredFile'))
    assert [(row['host_id'], row['file_hash'], row['file_path']) for row in rows] == [(host, files[0],
                                                                                         path_on[host])], rows


@pytest.mark.parametrize('second_path_on', ['every host', 'one host'])
def test_the_check_to_fill_in_for_a_hash_at_two_paths_on_hss_hosts_filled_in_with_one_host_reads_both_copies(
        tmp_path, second_path_on):
    """One host holds the file at two paths (as every host, or as the only one): the first close left each copy
    restoring on 60 hosts, and closed again while the server fails the reads the line gives the check for one host to
    fill in. It gave one item, its path `<file_path>`, where the check of that host alone reads both of its copies
    (pair_by_position), so filled in with the host it followed neither. Filled in now, one of the checks it gives
    is that host's own, and it reads both copies."""
    [file_hash] = sorted(HOLDERS)[:1]
    first_path, second_path = '/opt/tools/tool-0.sh', '/usr/local/bin/tool-0.sh'
    hosts = [f'{n:032x}' for n in range(60)]
    host = hosts[7]
    seed = hash_at_paths_seed(tmp_path, file_hash, {
        each: [first_path, second_path] if second_path_on == 'every host' or each == host else [first_path]
        for each in hosts})

    with closed_again_while_reads_fail(seed, [file_hash], hosts) as (tenant, check_line):
        to_fill_in, [own] = (checks_in(check_line(closed)) for closed in (hosts, [host]))
        filled = [check.replace('<host_id>', host) for check in to_fill_in]
        assert own in filled, (to_fill_in, own)
        command = parse_line(own)
        read = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None).run(command.command, command.args)

    assert not read.failed, read.entries[-1]
    rows = as_list(get_path(read.context, 'HuaweiHSS.RestoredFile'))
    assert sorted((row['host_id'], row['file_hash'], row['file_path']) for row in rows) == [
        (host, file_hash, first_path), (host, file_hash, second_path)], rows


def hss_items(check: str) -> tuple[dict[str, str], list[tuple[str, ...]]]:
    """An hss-restore-isolated check's arguments other than its items, and its items (host, hash, path), sorted."""
    args = parse_line(check).args
    fields = [ri.hss_field_list(args.pop(name), name) for name in ('host_id', 'file_hash', 'file_path')]
    return args, sorted(zip(*fields))


def test_the_check_to_fill_in_for_hss_hosts_listing_the_same_two_paths_in_another_order_names_both_paths(tmp_path):
    """60 hosts each hold the file at the same two paths, every other one listed by HSS in the other order: the first
    close left each copy restoring, and closed again while the server fails the reads, the line gave one check to fill
    in whose two items both had `<file_path>` (the paths differ place by place), though every host holds those two.
    It names both paths now, and filled in with a host listing them in either order it is that host's own check (the
    one the line about that host alone gives) but for its items' order, and reads both of that host's copies."""
    [file_hash] = sorted(HOLDERS)[:1]
    paths = ['/opt/tools/tool-0.sh', '/usr/local/bin/tool-0.sh']
    hosts = [f'{n:032x}' for n in range(60)]
    seed = hash_at_paths_seed(tmp_path, file_hash, {
        host: paths[::-1] if number % 2 else paths for number, host in enumerate(hosts)})

    with closed_again_while_reads_fail(seed, [file_hash], hosts) as (tenant, check_line):
        [to_fill_in] = checks_in(check_line(hosts))
        assert sorted(ri.hss_field_list(parse_line(to_fill_in).args['file_path'], 'file_path')) == paths, to_fill_in
        owns = {host: checks_in(check_line([host])) for host in hosts[6:8]}
        assert len({parse_line(own).args['file_path'] for [own] in owns.values()}) == 2, owns  # in either order
        for host, [own] in owns.items():
            filled = to_fill_in.replace('<host_id>', host)
            assert hss_items(filled) == hss_items(own), (to_fill_in, own)
            assert hss_items(own)[1] == [(host, file_hash, path) for path in paths], own
            command = parse_line(filled)
            read = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None).run(command.command,
                                                                                            command.args)
            assert not read.failed, read.entries[-1]
            assert sorted((row['host_id'], row['file_hash'], row['file_path']) for row in as_list(
                get_path(read.context, 'HuaweiHSS.RestoredFile'))) == [(host, file_hash, path) for path in paths]


def test_checks_to_fill_in_for_hss_hosts_of_two_enterprise_projects_each_name_the_project_they_are_for(tmp_path):
    """30 hosts in one enterprise project and 30 in another, each holding the file at one path: a close in each
    project left the copies restoring, and closed again on all 60 while the server fails the reads, the line gives a
    check to fill in for each project's hosts. Both said "(for the 30 hosts holding 1 copy)", the one difference the
    project deep in the command. Each names the project its hosts are in now, and filled in with one of them it is
    that host's own check (the one the line about that host alone gives)."""
    [file_hash] = sorted(HOLDERS)[:1]
    hosts = [f'{n:032x}' for n in range(60)]
    project_of = {host: 'proj-a' if number < 30 else 'proj-b' for number, host in enumerate(hosts)}
    seed = tmp_path / 'tenant.json'
    seed.write_text(json.dumps({'project_id': load_json(HSS_SEED)['project_id'], 'hosts': [
        {'host_id': host, 'enterprise_project_id': project_of[host], 'isolated_files': [
            {'file_hash': file_hash, 'file_path': '/opt/tools/tool-0.sh', 'file_attr': '755'}]} for host in hosts]}))
    tenant = start_hss_tenant(seed=seed)
    try:
        context = {}
        for project in ('proj-a', 'proj-b'):
            run = PlaybookRunner(tenant.params(hss_enterprise_project_id=project), time_scale=0,
                                 sleep=lambda _: None).run_post_processing(POST_PROCESSING_SCRIPT, hss_close(
                                     [host for host in hosts if project_of[host] == project], [file_hash]), context)
            assert not run.failed, run.error
            context = run.context
        failing = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None,
                                 server_errors={'hss-restore-isolated': SERVER_SAID})

        def check_line(closed: list[str]) -> str:
            closed_again = failing.run_post_processing(POST_PROCESSING_SCRIPT, hss_close(closed, [file_hash]), context)
            [line] = [line for line in closed_again.notes[-1].splitlines() if 'Check it first' in line]
            return line
        line = check_line(hosts)
        to_fill_in = checks_to_fill_in_and_whom(line)
        assert [(count, copies, named) for _, count, copies, named in to_fill_in] == [(30, 1, None)] * 2, line
        projects = [parse_line(check).args['enterprise_project_id'] for check, _, _, _ in to_fill_in]
        assert sorted(projects) == ['proj-a', 'proj-b'], line
        for (check, _, _, _), project in zip(to_fill_in, projects):
            words = as_commonmark_reads(line)[1].split(check, 1)[1].split(')', 1)[0]  # those right after it
            assert words == ' (for the 30 hosts holding 1 copy in enterprise project ' + project, line
            host = [host for host in hosts if project_of[host] == project][-1]
            [own] = checks_in(check_line([host]))
            assert check.replace('<host_id>', host) == own, (check, own)
    finally:
        tenant.stack.close()


@pytest.mark.parametrize('at_two_paths', [1, 3, 20, 25, 45, 0])
def test_checks_to_fill_in_for_hss_hosts_holding_different_numbers_of_copies_each_say_which_hosts_they_are_for(
        tmp_path, at_two_paths):
    """60 hosts, ``at_two_paths`` of them holding the file at two paths and the others at one: the first close left
    each copy restoring, and closed again while the server fails the reads the line gives a check to fill in for the
    hosts holding each number of copies, side by side, with nothing saying which is whose. Each says which hosts it is
    for, naming them (README's 20 at most: 20 named, 25 counted, and with 45 at two paths the 15 at one named) or
    counting them, in English words ("the host" where there is one, "1 copy", "2 copies"), and filled in with any of
    them it is that host's own check (the one the line about that host alone gives). One check for all (no host at
    two paths) reads as before."""
    [file_hash] = sorted(HOLDERS)[:1]
    paths = ['/opt/tools/tool-0.sh', '/usr/local/bin/tool-0.sh']
    hosts = [f'{n:032x}' for n in range(60)]
    names = {host: f'web-{number:02d}' for number, host in enumerate(hosts)}
    two = set((hosts[1::2] + hosts[::2])[:at_two_paths])  # every other host first, then those between
    copies = {host: 2 if host in two else 1 for host in hosts}
    seed = hash_at_paths_seed(tmp_path, file_hash, {host: paths[:copies[host]] for host in hosts}, names)

    with closed_again_while_reads_fail(seed, [file_hash], hosts) as (_, check_line):
        line = check_line(hosts)
        to_fill_in = checks_to_fill_in_and_whom(line)
        if not at_two_paths:
            [(check, whom, _, _)] = to_fill_in
            assert whom is None and f'{check} on each of them (' in as_commonmark_reads(line)[1], line
            return
        for check, _, host in first_and_last_host_each_is_for(line, to_fill_in, hosts, copies, names):
            [(own, _, _, _)] = checks_to_fill_in_and_whom(check_line([host]))
            assert check.replace('<host_id>', host) == own, (check, host, own)
    assert {named is None for _, _, _, named in to_fill_in} == {at_two_paths > 20, len(hosts) - at_two_paths > 20}


def test_with_both_vendors_held_at_one_close_each_command_the_note_leaves_to_the_context_is_there(tmp_path):
    """An incident with both vendors' data runs the reputation check twice (Cortex XDR's part, then HSS's), and the
    context keeps what each run held (QuarantineRestore.Gate.held, one item per command and file). What the note
    leaves to the context is there: only an HSS restore on many hosts bounds its held lines, with HSS's command for
    every host in the context; Cortex XDR's held lines (no endpoint at close) give each command whole."""
    held = sorted(HOLDERS)[:3]
    seed, _, hosts = many_hosts_seed(tmp_path, held, 120)
    incident = close_incident({'id': '9', 'type': 'Huawei Cloud HSS Event', 'CustomFields': {
        'huaweihsshostid': hosts, 'filesha256': held, 'xdrincidentid': '412'}}, 'False Positive')
    scored = {'DBotScore': [{'Indicator': h, 'Type': 'file', 'Vendor': VT, 'Score': 3} for h in held]}
    tenant = start_hss_tenant(seed=seed)
    try:
        runner = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None)
        run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, scored)
    finally:
        tenant.stack.close()

    assert not run.failed, run.error
    lines = [line for line in run.notes[-1].splitlines() if 'is scored' in line]
    pointing = [line for line in lines if 'QuarantineRestore.Gate.held.by_hand' in line]
    whole = [line for line in lines if line not in pointing]
    assert len(pointing) == len(whole) == len(held)  # each file held by each vendor's check
    for line in whole:  # Cortex XDR's: the command is in the line, under the incident's Cortex XDR incident
        [command] = [span for span in as_commonmark_reads(line)[0] if span.startswith('!restore-file ')]
        assert parse_line(command).args == {'file_hash': as_commonmark_reads(line)[0][0],
                                            'incident_id': incident['CustomFields']['xdrincidentid']}
    kept = {line.args['file_hash']: line.args for line in map(parse_line, as_list(get_path(
        run.context, 'QuarantineRestore.Gate.held.by_hand'))) if line.command == 'hss-restore-isolated'}
    for line in pointing:  # HSS's: the command for every host is where the line says
        file_hash = as_commonmark_reads(line)[0][0]
        assert ri.hss_field_list(kept[file_hash]['host_id'], 'host_id') == hosts, line

def test_with_both_vendors_held_at_one_close_the_context_keeps_what_each_vendor_s_check_held(vendors):
    """An incident with both vendors' data runs the reputation check twice (Cortex XDR's part, then HSS's). Each run
    wrote QuarantineRestore.Gate under (true), so HSS's run replaced Cortex XDR's held list: the context lost what was
    held back from restore-file. Every file scored bad is held from both vendors, and the context keeps both; closed
    again, each is still there once."""
    _, hss = vendors
    held = sorted(HOLDERS)[:2]
    [host] = sorted({copy['host_id'] for copies in hss_seed_copies().values() for copy in copies})[:1]
    incident = close_incident({'id': '9', 'type': 'Huawei Cloud HSS Event', 'CustomFields': {
        'huaweihsshostid': host, 'filesha256': held, 'xdrincidentid': '412'}}, 'False Positive')
    scored = {'DBotScore': [{'Indicator': h, 'Type': 'file', 'Vendor': VT, 'Score': 3} for h in held]}
    wanted = sorted([('restore-file', h) for h in held] + [('hss-restore-isolated', h) for h in held])

    first = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, scored)
    again = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, first.context)

    for run in (first, again):
        assert not run.failed, run.error
        restores = [parse_line(item['by_hand'])
                    for item in as_list(get_path(run.context, 'QuarantineRestore.Gate.held'))]
        assert sorted((line.command, line.args['file_hash']) for line in restores) == wanted
    assert hss_puts(hss) == []


@pytest.mark.parametrize('fault', ['no enabled instance', 'a file no host isolates'])
def test_a_restore_on_many_hss_hosts_that_could_not_start_or_left_a_file_gives_one_command_to_fill_in(fault, tmp_path):
    """The close note's by-hand command after a restore that could not start (no enabled instance), or for a file HSS
    restored no copy of, named every host of the incident: on 120 hosts, a line of 120 host IDs. Past
    READABLE_DETAIL_MAX file-host pairs (README, "Readable at any scale") it now names READABLE_LISTED_MAX hosts and
    how many more, and gives the command for one host to fill in; the note's entry writes the command for every host
    to the context, where the line says it is."""
    seeded = sorted(HOLDERS)[:2]
    seed, _, hosts = many_hosts_seed(tmp_path, seeded, 120)
    files = seeded + ([sorted(HOLDERS)[2]] if fault == 'a file no host isolates' else [])
    incident = close_incident({'id': '9', 'type': 'Huawei Cloud HSS Event',
                               'CustomFields': {'huaweihsshostid': hosts, 'filesha256': files}}, 'False Positive')
    tenant = start_hss_tenant(seed=seed)
    try:
        others = OtherIntegrations(enabled=set()) if fault == 'no enabled instance' else None
        runner = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None, others=others)
        run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})
        assert not run.failed, run.error
        puts = len(hss_puts(tenant))
        [line] = [line for line in run.notes[-1].splitlines() if 'by hand' in line]
        [whole] = [parse_line(command).args
                   for command in as_list(get_path(run.context, 'QuarantineRestore.OnClose.by_hand'))]
        missed = files if fault == 'no enabled instance' else files[2:]
        assert ri.hss_field_list(whole['file_hash'], 'file_hash') == missed
        assert ri.hss_field_list(whole['host_id'], 'host_id') == hosts
        if fault == 'a file no host isolates':  # the command for every host, once a host isolates it
            for host in hosts:
                tenant.backend.isolate_file(host, files[2], '/opt/tools/late.sh')
            room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
            assert not room.run('hss-restore-isolated', dict(whole, polling='false')).failed
            assert {item['host_id'] for item in hss_puts(tenant)[puts:]} == set(hosts)
    finally:
        tenant.stack.close()

    by_hand = line.split('by hand', 1)[1]  # after the reason, the integration's (bounded on its own)
    assert_names_20_hosts_and_one_to_fill_in(by_hand, hosts, 'file_hash', missed, 'QuarantineRestore.OnClose.by_hand')

def test_a_file_no_host_of_many_isolates_is_not_found_with_20_of_the_hosts_named_and_how_many_more(tmp_path):
    """A restore by hash on 120 hosts, none of which isolates one of the files: its not_found row's reason named every
    host it was asked on ("HSS lists no isolated copy of this file on host <120 IDs>"), and the close note quotes that
    reason whole, a line of 5,000 characters before its by-hand command. The reason now names READABLE_LISTED_MAX hosts
    and how many more (README, "Readable at any scale"); the row is still the hash's one row, with no host_id, as a
    restore on several hosts wrote it."""
    import facts
    seeded = sorted(HOLDERS)[:2]
    seed, _, hosts = many_hosts_seed(tmp_path, seeded, 120)
    missing = sorted(HOLDERS)[2]
    incident = close_incident({'id': '9', 'type': 'Huawei Cloud HSS Event',
                               'CustomFields': {'huaweihsshostid': hosts, 'filesha256': [*seeded, missing]}},
                              'False Positive')
    tenant = start_hss_tenant(seed=seed)
    try:
        run = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None).run_post_processing(
            POST_PROCESSING_SCRIPT, incident, {})
    finally:
        tenant.stack.close()

    assert not run.failed, run.error
    [row] = [row for row in as_list(get_path(run.context, 'HuaweiHSS.RestoredFile')) if row['outcome'] == 'not_found']
    assert row['file_hash'] == missing and 'host_id' not in row, row
    listed, more = facts.READABLE_LISTED_MAX, f'and {len(hosts) - facts.READABLE_LISTED_MAX:,} more'
    assert [host for host in hosts if host in row['reason']] == hosts[:listed] and more in row['reason'], row
    [line] = [line for line in run.notes[-1].splitlines() if f'restored no copy of {missing}' in line]
    reason = line.split('by hand', 1)[0]  # the by-hand command after it is bounded on its own
    assert [host for host in hosts if host in reason] == hosts[:listed] and more in reason, line

def test_the_by_hand_command_for_a_held_file_keeps_the_endpoint_the_xdr_playbook_was_limited_to(vendors):
    sample = IncidentFile.load(INCIDENTS / 'xdr_known_bad.json')
    [file_hash] = known_bad(sample.context)
    endpoint_id = HOLDERS[file_hash][0]
    runner = runner_for(vendors)
    playbook = runner.library.get('Quarantine Restore - Cortex XDR')
    for declared in playbook.inputs:
        if declared['key'] == 'EndpointID':
            declared['value'] = {'simple': endpoint_id}

    run = runner.run(playbook, close_incident(sample.incident, 'False Positive'), sample.context)

    assert not run.failed, run.error
    [line] = [parse_line(command_in(part, '!restore-file')) for part in '\n'.join(run.notes).splitlines()
              if 'benign' in part]
    assert line.args == {'file_hash': file_hash, 'endpoint_id': endpoint_id,
                         'incident_id': sample.incident['CustomFields']['xdrincidentid']}


@pytest.mark.parametrize('script', [ON_CLOSE, GATE], ids=['on-close', 'gate'])
@given(paths=st.lists(st.text(st.characters(blacklist_categories=('Cc', 'Cs')), min_size=1).filter(
    lambda t: t.strip().lower() not in ('', 'none', 'null')),  # a transformer's text for none found: refused
                      min_size=1, max_size=4))
@example(paths=['/tmp/report.sh '])  # HSS lists a path as it is: one may end with a blank
@example(paths=[' C:\\a,b.exe', '[x'])
def test_a_list_of_paths_in_a_by_hand_command_reads_back_as_the_same_paths(script, paths):

    line = parse_line(f'!hss-restore-isolated host_id=h1 file_path={script.list_value(paths)}')

    assert ri.arg_to_list(line.args['file_path'], 'file_path') == paths


def test_a_path_ending_with_a_blank_is_restored_on_close_as_hss_lists_it(vendors):
    """The gate hands each path back as it was given: HSS lists a path as it is, and /tmp/x followed by a blank is
    another file than /tmp/x."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    host_id = sample.incident['CustomFields']['huaweihsshostid']
    path = '/tmp/report.sh '
    hss.backend.isolate_file(host_id, 'ab' * 32, path)
    incident = path_only(sample)
    incident['CustomFields'].update(huaweihssfilepaths=[path])

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'),
                                                  {})

    assert not run.failed, run.error
    assert [(item['host_id'], item['file_path']) for item in hss_puts(hss)] == [(host_id, path)]
    assert hss.backend.isolation_status(host_id, 'ab' * 32, path) == 'restored'


# XSOAR's channel raises ValueError with the server's text when the server answers a script's executeCommand with its
# error marker (demisto/content Packs/ApiModules/Scripts/DemistoClassApiModule/DemistoClassApiModuleClasses.py).
SERVER_SAID = 'Failed to execute the command: the engine did not answer'


def both_vendors_incident():
    """One incident of both vendors: the Cortex XDR sample with the HSS sample's event fields added."""
    xdr_sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    hss_fields = IncidentFile.load(INCIDENTS / 'hss_false_positive.json').incident['CustomFields']
    incident = copy.deepcopy(xdr_sample.incident)
    incident['CustomFields'].update(hss_fields)
    return close_incident(incident, 'False Positive'), hss_fields


def test_a_close_of_both_vendors_asks_hss_only_for_the_incident_s_file_sha256_not_cortex_xdr_s_artifacts(vendors):
    """XDR File Artifacts name Cortex XDR's quarantined files; HSS is asked for the files of its event, the incident's
    File SHA256. Gathering Cortex XDR's hashes must leave that field as it was for the HSS part."""
    _, hss = vendors
    incident, hss_fields = both_vendors_incident()

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, {})

    assert not run.failed, run.error
    asked = {value for request in hss.requests_to('GET', '/event/isolated-file')
             for value in request.query['file_hash']}
    assert asked == {item['file_hash'] for item in hss_puts(hss)} == set(hss_fields['filesha256'])
    assert 'restored no copy' not in run.notes[-1], run.notes[-1]


def test_the_on_close_notes_write_the_action_id_of_one_action_in_one_form_the_json_list_cortex_xdr_sent(vendors):
    """The first close gives the command that follows its restore-file action; a re-close, whose read of that action
    the server fails, gives the check to run first. Both name the same action: its action_id was a JSON list in the
    one (as the restore's entry writes it) and a bare number in the other. One form now: the JSON list, which gives
    the ID back as Cortex XDR sent it."""
    xdr, _ = vendors
    file_hash = next(iter(HOLDERS))
    incident = {'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': [file_hash]}}
    first = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'),
                                                    {})
    assert not first.failed, first.error
    failing = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None,
                             server_errors={'restore-file': SERVER_SAID})

    again = failing.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'),
                                        first.context)

    assert not again.failed, again.error
    [action] = list(xdr.backend.actions)
    [line] = [line for line in again.notes[-1].splitlines() if 'Check it first' in line]
    written = [span.split(' action_id=')[1].split(' ')[0] for note in (first.notes[-1], line)
               for span in as_commonmark_reads(note)[0] if span.startswith('!restore-file ') and 'action_id=' in span]
    assert len(written) == 2 and len(set(written)) == 1, written
    assert [str(item) for item in json.loads(written[0])] == [str(action)], written


def test_a_close_whose_hss_restore_the_server_fails_still_reports_the_cortex_xdr_restore_it_started(vendors):
    """An incident of both vendors: restore-file went out, then the server failed hss-restore-isolated. The note still
    gives the Cortex XDR restore and the command that follows it, and says the HSS part failed, with the command that
    restores the file by hand; the close is not blocked."""
    xdr, hss = vendors
    incident, hss_fields = both_vendors_incident()
    xdr_hash = incident['CustomFields']['xdrfileartifacts'][0]['file_sha256']
    runner = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None,
                            server_errors={'hss-restore-isolated': SERVER_SAID})

    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})

    assert not run.failed, run.error
    assert xdr_hash in restored_hashes(xdr) and hss.requests_to('PUT', '/event/isolated-file') == []
    note = run.notes[-1]
    assert f'`!restore-file` started for `{xdr_hash}`' in note, note
    assert re.search(rf'!restore-file file_hash={xdr_hash} action_id=\S+', note), note
    [failed] = [line for line in note.splitlines() if SERVER_SAID in line]
    assert '!hss-restore-isolated' in failed, failed
    [by_hand] = [line for line in note.splitlines() if 'To restore by hand once that is fixed: `!hss' in line]
    assert parse_line(command_in(by_hand, '!hss-restore-isolated')).args == {
        'host_id': hss_fields['huaweihsshostid'], 'file_hash': hss_fields['filesha256'][0]}


@pytest.mark.parametrize('name, command, expected', [
    # an action the context shows running covers the file; a copy it shows restoring too: neither is sent again blind
    ('xdr', 'restore-file', 'was not run again for `{}`: an earlier restore in this incident was still running'),
    ('hss', 'hss-restore-isolated', 'was not run again for `{}`: an earlier restore in this incident was still '
                                    'restoring it on'),
])
def test_a_restore_the_gate_reads_again_when_the_server_fails_that_read_is_judged_as_its_record_says(vendors, name,
                                                                                                    command, expected):
    """A re-close: the gate reads again the restore the first close left running, and the server fails that read (the
    gate's executeCommand raises, as in XSOAR). The gate judges the record as it stands, as after an error entry, and
    does not call the server's failure a fault of its own: the check does not fail."""
    xdr, hss = vendors
    incident = (IncidentFile.load(INCIDENTS / 'hss_false_positive.json').incident if name == 'hss' else
                {'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': [next(iter(HOLDERS))]}})
    [file_hash] = incident['CustomFields']['filesha256']
    first = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'),
                                                    {})
    assert not first.failed, first.error
    failing = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None,
                             server_errors={command: SERVER_SAID})

    again = failing.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(incident, 'False Positive'),
                                        first.context)

    assert not again.failed, again.error
    note = again.notes[-1]
    assert 'The reputation check' not in note and 'fault in the script' not in note, note
    assert expected.format(file_hash, host=incident['CustomFields'].get('huaweihsshostid')) in note, note
    [line] = [line for line in note.splitlines() if f'was not run again for `{file_hash}`' in line]
    assert 'was not read again now, as the read failed' in line and SERVER_SAID in line and 'Check it first' in line
    assert len(xdr.backend.actions) + len(hss_puts(hss)) == 1


def closed_with_puts_refused(hss, sample, taken, status, body, **params):
    """The sample closed with HSS behind a server that passes on all but its PUTs after the first ``taken``, which it
    refuses with ``status`` and ``body`` (a refusal HSS or IAM may give a batch after taking another); ``params``:
    instance settings of the close's own."""
    emulated, puts = create_hss_app(hss.gateway), itertools.count()

    def refusing(request):
        if request.method == 'PUT' and next(puts) >= taken:
            return Response(status, json.dumps(body).encode(), {'Content-Type': 'application/json'})
        return emulated(request)

    with LoopbackServer(refusing) as server:
        runner = PlaybookRunner(hss.params(hss_endpoint=server.url, **params), time_scale=0, sleep=lambda _: None)
        return runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(sample.incident, 'False Positive'),
                                          sample.context)


def listed_without_paths(hss):
    """The HSS app behind a server that passes its answers on, but with each listed copy's file_path left out: the
    API's reference gives no response field as always present, and the integration keeps a row of a listed copy
    without the fields HSS leaves out (HuaweiHSS.RestoredFile's file_path, then, is absent)."""
    emulated = create_hss_app(hss.gateway)

    def without_paths(request):
        answer = emulated(request)
        if request.method != 'GET' or answer.status != 200 or not request.path.endswith('/event/isolated-file'):
            return answer
        page = json.loads(answer.body)
        page['data_list'] = [{k: v for k, v in item.items() if k != 'file_path'} for item in page['data_list']]
        return Response(200, json.dumps(page).encode(), {'Content-Type': 'application/json'})
    return LoopbackServer(without_paths)


@pytest.mark.parametrize('read', ['read again', 'read fails'])
def test_a_copy_left_restoring_whose_row_has_no_path_is_read_again_or_held_with_its_check_not_sent_blind(vendors,
                                                                                                        read):
    """HSS listed the sample's copy without its path, so the first close's row of it, left restoring, has no file_path.
    The gate read again only rows naming a host, hash and path, and counted as a copy only a row with a path: closed
    again, the file was sent again blind, and HSS, which had restored it, was said to list no isolated copy of it. The
    gate now reads such a copy by the fields its row has (a check by hash on its host: no restore sent), and when that
    read fails, holds it with that check to run first."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    incident = close_incident(sample.incident, 'False Positive')
    [file_hash], host_id = sample.incident['CustomFields']['filesha256'], sample.incident['CustomFields'][
        'huaweihsshostid']
    with listed_without_paths(hss) as server:
        params = hss.params(hss_endpoint=server.url)
        first = PlaybookRunner(params, time_scale=0, sleep=lambda _: None).run_post_processing(
            POST_PROCESSING_SCRIPT, incident, sample.context)
        assert not first.failed, first.error
        [row] = as_list(get_path(first.context, 'HuaweiHSS.RestoredFile'))
        assert row['outcome'] == 'restoring' and 'file_path' not in row, row  # such a row exists
        restores = len(hss_puts(hss))
        errors = {'hss-restore-isolated': SERVER_SAID} if read == 'read fails' else {}
        run = PlaybookRunner(params, time_scale=0, sleep=lambda _: None, server_errors=errors).run_post_processing(
            POST_PROCESSING_SCRIPT, incident, first.context)

    assert not run.failed, run.error
    assert len(hss_puts(hss)) == restores  # not sent again
    note = run.notes[-1]
    [line] = [line for line in note.splitlines() if f'was not run again for `{file_hash}`' in line]
    assert 'no isolated copy' not in note and 'restored no copy' not in note, note
    if read == 'read again':
        assert 'restored it on win-fin-01' in line, line
        return
    assert SERVER_SAID in line, line
    [check] = [parse_line(span).args for span in as_commonmark_reads(line)[0] if 'restore_state=' in span]
    assert ri.hss_field_list(check['file_hash'], 'file_hash') == [file_hash] and 'file_path' not in check, line
    assert ri.hss_field_list(check['host_id'], 'host_id') == [host_id], line

@pytest.mark.parametrize('taken', [0, 1], ids=['every batch refused', 'a batch taken, the next refused'])
def test_an_identity_policy_refusal_at_close_is_in_the_note_once_with_its_encoded_reason_to_decode(vendors, taken):
    # A script's executeCommand shows none of the command's entries in the war room: the rows' reasons point to the
    # entry that gives the encoded reason (test_data/hss/README.md), so the note is where the analyst must find it.
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = sample.incident['CustomFields']
    for number in range(facts.HSS_MAX_ITEMS_PER_REQUEST * taken):  # more copies than one PUT takes
        hss.backend.isolate_file(fields['huaweihsshostid'], fields['filesha256'][0], f'C:\\Users\\Public\\{number}.exe')
    refusal = json.loads((TEST_DATA / 'hss' / 'replies' / 'error_policy_denied_403.json').read_text())

    run = closed_with_puts_refused(hss, sample, taken, 403, refusal)

    assert not run.failed, run.error
    note = run.notes[-1]
    assert note.count(refusal['encoded_authorization_message']) == 1, note
    [line] = [line for line in note.splitlines() if refusal['encoded_authorization_message'] in line]
    assert refusal['request_id'] in line and 'DecodeAuthorizationMessage' in line


@pytest.mark.parametrize('code, message', facts.HSS_PERMISSION_REFUSALS)
def test_copies_hss_refused_after_taking_others_at_close_are_counted_in_the_note_with_why_and_the_by_hand_command(
        vendors, code, message):
    """hss-restore-isolated sends 100 copies a PUT: HSS took one batch and refused the other (README, Batches: HSS.0010
    or HSS.0013). The file has copies restoring, so it started, but the note must also say how many of its copies did
    not go out, why, and the command that restores them by hand (it sends only the copies still isolated)."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = sample.incident['CustomFields']
    [file_hash], host_id = fields['filesha256'], fields['huaweihsshostid']
    for number in range(facts.HSS_MAX_ITEMS_PER_REQUEST):  # with the sample's copy, more than one PUT takes
        hss.backend.isolate_file(host_id, file_hash, f'C:\\Users\\Public\\{number}.exe')

    run = closed_with_puts_refused(hss, sample, 1, facts.HSS_ERROR_STATUS, {'error_code': code, 'error_msg': message})

    assert not run.failed, run.error
    note = run.notes[-1]
    rows = [row for row in as_list(get_path(run.context, 'HuaweiHSS.RestoredFile')) if row['file_hash'] == file_hash]
    refused = [row for row in rows if row['outcome'] == 'failed']
    assert 0 < len(refused) < len(rows), rows  # a batch went out, another did not
    [line] = [line for line in note.splitlines() if code in line]
    assert f'{len(refused)} of {len(rows)} copies of {file_hash}' in line and message in line, note
    [project] = {row.get('enterprise_project_id') or '0' for row in refused}  # as listed: the instance may change
    assert parse_line(command_in(line, '!hss-restore-isolated')).args == {
        'host_id': host_id, 'file_hash': file_hash, 'enterprise_project_id': project}


@pytest.mark.parametrize('host_name, set_to', [('win-fin-01', 'web-03'), ('web-03', 'win-fin-01')])
def test_the_by_hand_command_for_hss_copies_refused_at_close_restores_them_in_their_project_after_the_instance_changes(
        vendors, host_name, set_to):
    """The close lists and sends in the instance's enterprise project, and HSS refuses a batch. The note's command that
    restores those copies by hand, run once that is fixed and after the instance is set to another project, must still
    list the project the rows were restored in (rows naming none: the default, 0, as the seed's page says), or it finds
    no isolated copy there and sends nothing."""
    _, hss = vendors
    hosts = {host['host_name']: host for host in load_json(HSS_SEED)['hosts']}
    host = hosts[host_name]
    # each host's enterprise project as the instance setting names it: the default one (0) left empty
    setting = {name: '' if hosts[name]['enterprise_project_id'] == '0' else hosts[name]['enterprise_project_id']
               for name in (host_name, set_to)}
    file_hash = 'ee' * 32
    for number in range(facts.HSS_MAX_ITEMS_PER_REQUEST + 1):  # two PUTs: HSS takes the first, refuses the second
        hss.backend.isolate_file(host['host_id'], file_hash, f'/srv/quarantined/{number}.bin')
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    sample.incident['CustomFields'].update(huaweihsshostid=host['host_id'], filesha256=[file_hash])
    code, message = facts.HSS_PERMISSION_REFUSALS[0]
    run = closed_with_puts_refused(hss, sample, 1, facts.HSS_ERROR_STATUS, {'error_code': code, 'error_msg': message},
                                   hss_enterprise_project_id=setting[host_name])
    assert not run.failed, run.error
    refused = {row['file_path'] for row in as_list(get_path(run.context, 'HuaweiHSS.RestoredFile'))
               if row['file_hash'] == file_hash and row['outcome'] == 'failed'}
    assert refused, run.notes[-1]
    [line] = [line for line in run.notes[-1].splitlines() if code in line]
    by_hand = parse_line(command_in(line, '!hss-restore-isolated'))
    sent_before = len(hss_puts(hss))

    room = WarRoom(params=hss.params(hss_enterprise_project_id=setting[set_to]), time_scale=0, sleep=lambda _: None)
    result = room.run(by_hand.command, {**by_hand.args, 'polling': 'false'})

    assert not result.failed, result.entries[-1]['Contents']
    assert {item['file_path'] for item in hss_puts(hss)[sent_before:]} == refused, line
    assert by_hand.args.get('enterprise_project_id') == host['enterprise_project_id'], line


@pytest.mark.parametrize('host_name, set_to', [('win-fin-01', 'web-03'), ('web-03', 'win-fin-01')])
def test_the_by_hand_command_for_a_file_hss_lists_in_no_copy_of_the_instance_s_project_lists_the_host_s_project_too(
        vendors, host_name, set_to):
    """The instance is set to an enterprise project other than the incident's host's (the host was moved, or the
    instance set to another one since the event): the close lists the file there, HSS lists no copy, and the note says
    so. Its command by hand must not name that project again, where HSS lists none: run as it is, once the analyst
    reads the line, it finds the copy on the host in the host's own project and restores it."""
    _, hss = vendors
    hosts = {host['host_name']: host for host in load_json(HSS_SEED)['hosts']}
    host = hosts[host_name]
    setting = '' if hosts[set_to]['enterprise_project_id'] == '0' else hosts[set_to]['enterprise_project_id']
    file_hash, file_path = 'cd' * 32, '/srv/quarantined/moved.bin'
    hss.backend.isolate_file(host['host_id'], file_hash, file_path)
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    sample.incident['CustomFields'].update(huaweihsshostid=host['host_id'], filesha256=[file_hash])
    params = hss.params(hss_enterprise_project_id=setting)
    run = PlaybookRunner(params, time_scale=0, sleep=lambda _: None).run_post_processing(
        POST_PROCESSING_SCRIPT, close_incident(sample.incident, 'False Positive'), sample.context)
    assert not run.failed, run.error
    assert hss_puts(hss) == []  # the instance's project lists no copy of it
    [line] = [line for line in run.notes[-1].splitlines() if f'restored no copy of {file_hash}' in line]
    by_hand = parse_line(command_in(line, '!hss-restore-isolated'))

    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run(by_hand.command,
                                                                            {**by_hand.args, 'polling': 'false'})

    assert not result.failed, result.entries[-1]['Contents']
    assert [(item['host_id'], item['file_path']) for item in hss_puts(hss)] == [(host['host_id'], file_path)], line
    assert by_hand.args.get('enterprise_project_id') != (setting or '0'), line


def test_many_files_hss_finds_no_copy_of_at_close_are_counted_under_their_reason_once_with_one_by_hand_command(
        vendors):
    """Files not restored for one reason make one line, not one each: counted, named up to a point, and restored by
    hand with one command that names them all; the note stays short."""
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = sample.incident['CustomFields']
    nowhere = [f'{number:064x}' for number in range(60)]
    incident = close_incident(dict(sample.incident, CustomFields=dict(
        fields, filesha256=[*fields['filesha256'], *nowhere])), 'False Positive')

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, sample.context)

    assert not run.failed, run.error
    note = run.notes[-1]
    [row] = {row['reason'] for row in as_list(get_path(run.context, 'HuaweiHSS.RestoredFile'))
             if row.get('outcome') == 'not_found'}
    [line] = [line for line in note.splitlines() if ' '.join(row.split()) in line]
    assert f'{len(nowhere)} files' in line and len(note) < 12000, note
    by_hand = parse_line(command_in(line, '!hss-restore-isolated')).args
    assert ri.hss_field_list(by_hand['file_hash'], 'file_hash') == nowhere and by_hand['host_id'] == fields[
        'huaweihsshostid']


def test_a_fault_in_the_hss_part_at_close_is_a_line_of_its_own_and_the_cortex_xdr_restore_it_started_stays(
        vendors, monkeypatch):
    """No incident or context value found makes one vendor's part raise, so the fault is injected (the test's only
    stand-in): the HSS part fails reading hss-restore-isolated's answer, after restore-file went out. The note keeps
    the Cortex XDR restore and the command that follows it, and says what failed in the HSS part, with the command
    that restores the file by hand; the close is not blocked."""
    xdr, _ = vendors
    incident, _ = both_vendors_incident()
    xdr_hash = incident['CustomFields']['xdrfileartifacts'][0]['file_sha256']

    def unreadable(entries, by):
        raise KeyError('outcome')

    monkeypatch.setattr(ON_CLOSE, 'hss_misses', unreadable)
    logged, debug = [], ScriptDemisto.debug

    def kept(self, message):  # the war room shows no script's log: the test reads what the script sends
        logged.append(str(message))
        debug(self, message)
    monkeypatch.setattr(ScriptDemisto, 'debug', kept)

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, {})

    assert not run.failed, run.error
    assert xdr_hash in restored_hashes(xdr)
    assert any('Traceback' in text and "KeyError: 'outcome'" in text for text in logged), logged  # for the admin
    note = run.notes[-1]
    assert f'`!restore-file` started for `{xdr_hash}`' in note, note
    assert re.search(rf'!restore-file file_hash={xdr_hash} action_id=\S+', note), note
    [failed] = [line for line in note.splitlines() if 'Huawei Cloud HSS' in line]
    assert 'KeyError' not in failed and 'outcome' in failed and 'debug log' in failed, failed
    assert '!hss-restore-isolated' in failed, failed


def test_files_cortex_xdr_refuses_at_close_with_a_message_naming_each_hash_are_one_line_for_that_message(vendors):
    """Cortex XDR's 500 for a file no endpoint holds names the file's hash in its message (the emulator's, as the
    integration quotes it in each record's error): the message differs from file to file only by that hash. Taken out,
    it is one reason: one line that counts the files. As no endpoint holds a quarantined copy, the line gives no by-hand
    restore, which Cortex XDR would refuse alike (tests/test_on_close.py -k no_quarantined_copy)."""
    xdr, _ = vendors
    nowhere = [f'{number:064x}' for number in range(1, 61)]
    assert not set(nowhere) & set(HOLDERS)
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': nowhere}},
                              'False Positive')

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, {})

    assert not run.failed, run.error
    records = {r['file_hash']: r for r in as_list(get_path(run.context, 'CortexXDR.RestoredFile'))}
    assert sorted(records) == nowhere and all(h in records[h]['error'] for h in nowhere)  # each message names its hash
    note = run.notes[-1]
    [line] = [line for line in note.splitlines() if 'did not start a restore of' in line]
    assert f'{len(nowhere)} files' in line and len(note) < 12000, note
    for file_hash, record in records.items():  # the message, but for its hash
        assert all(' '.join(part.split()) in line for part in record['error'].split(file_hash)), record['error']
    assert '!restore-file file_hash=' not in line


# ----------------------------------------------------------------------------- blank incident fields on close
# XSOAR keeps a field an analyst or a mapper emptied as empty text or a list holding it; a blank is no value.

def closed_on_fresh_tenants(name, unmirrored=False, **fields):
    """The on-close script run on sample ``name`` with its custom ``fields`` replaced (None: the field left out), and
    ``unmirrored`` without its mirror ID, on vendors of its own: (Cortex XDR restore requests, HSS PUT items, HSS GET
    queries, the note; its follow commands' restore_state, which holds the time the restore started, left out)."""
    sample = IncidentFile.load(INCIDENTS / name)
    custom = dict(sample.incident['CustomFields'])
    for field, value in fields.items():
        custom.pop(field, None) if value is None else custom.__setitem__(field, value)
    incident = {key: value for key, value in sample.incident.items() if not (unmirrored and key == 'dbotMirrorId')}
    incident = close_incident(dict(incident, CustomFields=custom), 'False Positive')
    xdr, hss = start_tenant(), start_hss_tenant()
    try:
        run = runner_for((xdr, hss)).run_post_processing(POST_PROCESSING_SCRIPT, incident, sample.context)
        assert not run.failed, run.error
        [note] = run.notes
        restores = [r.body['request_data'] for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')]
        reads = [request.query for request in hss.requests_to('GET', '/event/isolated-file')]
        return restores, hss_puts(hss), reads, re.sub(r'restore_state=[^`\s]+', 'restore_state=', note)
    finally:
        xdr.server.stop()
        hss.stack.close()


HSS_SAMPLE_FIELDS = IncidentFile.load(INCIDENTS / 'hss_false_positive.json').incident['CustomFields']


@pytest.mark.parametrize('blank', ['', ' ', [''], ['', ' ']], ids=repr)
def test_a_blank_hss_host_id_field_on_close_restores_the_file_on_every_host_as_no_host_id_does(blank):
    # The restore by hash goes to every host that isolated the file, as with no Huawei HSS Host ID field at all; a
    # blank handed on as host_id stopped hss-restore-isolated (an empty item), and nothing was restored.
    without = closed_on_fresh_tenants('hss_false_positive.json', huaweihsshostid=None)
    blanked = closed_on_fresh_tenants('hss_false_positive.json', huaweihsshostid=blank)

    assert without[1] and blanked == without


def test_a_blank_item_beside_the_hss_host_id_on_close_restores_the_file_on_that_host_alone():
    host_id = HSS_SAMPLE_FIELDS['huaweihsshostid']
    alone = closed_on_fresh_tenants('hss_false_positive.json', huaweihsshostid=[host_id])
    beside = closed_on_fresh_tenants('hss_false_positive.json', huaweihsshostid=['', host_id, ' '])

    assert {item['host_id'] for item in alone[1]} == {host_id} and beside == alone


@pytest.mark.parametrize('blank', ['', ' ', [''], ['', ' ']], ids=repr)
def test_a_blank_hss_file_paths_field_on_close_restores_by_the_file_path_field_as_no_file_paths_field_does(blank):
    # No SHA256: the restore goes by host and path, every path of the event, else the File Path field. A blank list
    # item was handed to the reputation check, which refuses it (file_path takes file paths): nothing was restored.
    without = closed_on_fresh_tenants('hss_false_positive.json', filesha256=None, huaweihssfilepaths=None)
    blanked = closed_on_fresh_tenants('hss_false_positive.json', filesha256=None, huaweihssfilepaths=blank)

    assert [item['file_path'] for item in without[1]] == [HSS_SAMPLE_FIELDS['filepath']] and blanked == without


def test_blank_items_beside_the_hss_file_paths_on_close_leave_those_paths_restored():
    paths = HSS_SAMPLE_FIELDS['huaweihssfilepaths']
    alone = closed_on_fresh_tenants('hss_false_positive.json', filesha256=None, huaweihssfilepaths=paths)
    beside = closed_on_fresh_tenants('hss_false_positive.json', filesha256=None, huaweihssfilepaths=['', *paths, ' '])

    assert [item['file_path'] for item in alone[1]] == paths and beside == alone


def test_an_hss_event_on_a_host_whose_file_fields_are_all_blank_on_close_names_no_file_as_one_without_them_does():
    fields = ('filesha256', 'huaweihssfilepaths', 'filepath')
    without = closed_on_fresh_tenants('hss_false_positive.json', **dict.fromkeys(fields))
    blanked = closed_on_fresh_tenants('hss_false_positive.json', filesha256=[''], huaweihssfilepaths=['', ' '],
                                      filepath=' ')

    assert without[:3] == ([], [], []) and 'nothing was started' in without[3] and blanked == without


BLANK_GRID_ROW = {'filesha256': '', 'file_sha256': '', 'filename': ' '}


@pytest.mark.parametrize('fields', [{'xdrincidentid': ' '}, {'xdrincidentid': ['']}, {'xdrfileartifacts': ['']},
                                    {'xdrfileartifacts': [BLANK_GRID_ROW]}], ids=repr)
def test_blank_cortex_xdr_fields_on_an_hss_event_send_cortex_xdr_nothing_as_no_such_fields_do(fields):
    # A blank XDR Incident ID or XDR File Artifacts field made the HSS event a Cortex XDR incident too: restore-file
    # was sent the event's File SHA256 (HSS's file) on every endpoint of the Cortex XDR tenant.
    without = closed_on_fresh_tenants('hss_false_positive.json', **dict.fromkeys(fields))
    blanked = closed_on_fresh_tenants('hss_false_positive.json', **fields)

    assert without[0] == [] and without[1] and blanked == without


@pytest.mark.parametrize('blank', [' ', [''], ['', ' ']], ids=repr)
def test_a_blank_hss_alarm_id_field_on_a_cortex_xdr_incident_sends_hss_nothing_as_no_such_field_does(blank):
    # A blank Huawei HSS Alarm ID field made the Cortex XDR incident an HSS event too: hss-restore-isolated was sent
    # its File SHA256 (Cortex XDR's file), with no host, so on every HSS host that isolated a file of that hash.
    artifacts = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json').incident['CustomFields']['xdrfileartifacts']
    file_sha256 = [artifact['filesha256'] for artifact in artifacts]
    without = closed_on_fresh_tenants('xdr_false_positive.json', filesha256=file_sha256, huaweihssalarmid=None)
    blanked = closed_on_fresh_tenants('xdr_false_positive.json', filesha256=file_sha256, huaweihssalarmid=blank)

    assert without[0] and without[1:3] == ([], []) and blanked == without


@pytest.mark.parametrize('blank', ['', ' ', [''], ['', ' ']], ids=repr)
def test_a_blank_beside_the_xdr_incident_id_of_an_unmirrored_minimized_incident_on_close_still_reads_its_files(blank):
    # A minimized incident names no SHA256: its files come from xdr-get-incident-extra-data with its XDR Incident ID.
    # With no mirror ID to fall back to, a blank item beside that ID hid it, and nothing was restored.
    incident_id = IncidentFile.load(INCIDENTS / 'xdr_lite_minimized.json').incident['CustomFields']['xdrincidentid']
    alone = closed_on_fresh_tenants('xdr_lite_minimized.json', True, xdrincidentid=incident_id)
    beside = closed_on_fresh_tenants('xdr_lite_minimized.json', True, xdrincidentid=[*as_list(blank), incident_id])

    assert [str(restore['incident_id']) for restore in alone[0]] == [incident_id] and beside == alone


def gate_task_run(arguments, incident_fields, context=None):
    """An analyst's own playbook whose one task runs the reputation check on the incident's fields as they are (no
    RemoveEmpty): ``arguments`` name them as a task does (``${incident.filesha256}``)."""
    start = Task('0', 'start', '', {'type': 'start', 'task': {}, 'nexttasks': {'#none#': ['1']}})
    gate = Task('1', 'regular', 'gate', {'type': 'regular', 'task': {'scriptName': GATE_SCRIPT},
                                         'scriptarguments': {name: {'simple': value}
                                                             for name, value in arguments.items()}})
    playbook = Playbook('own', 'own', '0', {task.id: task for task in (start, gate)})
    return PlaybookRunner({}).run(playbook, {'id': '1', 'CustomFields': incident_fields}, context or {})


GATE_SCRIPT = 'QuarantineRestoreReputationGate'
XDR_SAMPLE_HASHES = [
    artifact['filesha256'] for artifact in
    IncidentFile.load(INCIDENTS / 'xdr_false_positive.json').incident['CustomFields']['xdrfileartifacts']]


# A blank item is no value however it is held: empty text, or a list or object of nothing else (an emptied grid's row
# of empty cells, a context key holding an empty list). The gate refused such an item as a bad hash or path, and the
# playbook stopped with nothing restored, where the on-close script leaves it out.
BLANK_ITEMS = [[''], [' '], ['', ' '], [[]], [{}], [BLANK_GRID_ROW], [[BLANK_GRID_ROW]], [['', [' ']], {'cell': None}]]


@pytest.mark.parametrize('blanks', BLANK_ITEMS, ids=repr)
def test_blank_items_in_a_file_sha256_field_the_gate_is_given_are_no_files_not_bad_hashes(blanks):
    alone = gate_task_run({'file_hash': '${incident.filesha256}'}, {'filesha256': XDR_SAMPLE_HASHES})
    beside = gate_task_run({'file_hash': '${incident.filesha256}'}, {'filesha256': [*blanks, *XDR_SAMPLE_HASHES]})
    only = gate_task_run({'file_hash': '${incident.filesha256}'}, {'filesha256': blanks})

    assert not alone.failed and not beside.failed and not only.failed, (beside.error, only.error)
    assert beside.context['QuarantineRestore']['Gate'] == alone.context['QuarantineRestore']['Gate']
    assert alone.context['QuarantineRestore']['Gate']['allowed'] == XDR_SAMPLE_HASHES
    assert only.context['QuarantineRestore']['Gate'] == {'allowed': [], 'allowed_paths': [], 'held': [], 'covered': [],
                                                         'endpoints': None, 'by_hand': None, 'earlier_actions': []}


@pytest.mark.parametrize('blanks', BLANK_ITEMS, ids=repr)
def test_blank_items_in_hss_file_paths_the_gate_is_given_are_no_paths_not_refused_ones(blanks):
    paths, host_id = HSS_SAMPLE_FIELDS['huaweihssfilepaths'], HSS_SAMPLE_FIELDS['huaweihsshostid']
    arguments = {'file_path': '${incident.huaweihssfilepaths}', 'host_id': '${incident.huaweihsshostid}',
                 'restore_command': 'hss-restore-isolated'}
    alone = gate_task_run(arguments, {'huaweihssfilepaths': paths, 'huaweihsshostid': host_id})
    beside = gate_task_run(arguments, {'huaweihssfilepaths': [*blanks, *paths], 'huaweihsshostid': host_id})

    assert not alone.failed and not beside.failed, beside.error
    assert alone.context['QuarantineRestore']['Gate']['allowed_paths'] == paths
    assert beside.context['QuarantineRestore']['Gate'] == alone.context['QuarantineRestore']['Gate']


@pytest.mark.parametrize('blank', [' ', [' ']], ids=repr)
def test_a_blank_restore_command_given_to_the_gate_is_its_default_as_when_it_is_left_out(blank):
    arguments = {'file_hash': '${incident.filesha256}', 'restore_command': '${incident.restorecommand}'}
    left_out = gate_task_run(arguments, {'filesha256': XDR_SAMPLE_HASHES})
    blanked = gate_task_run(arguments, {'filesha256': XDR_SAMPLE_HASHES, 'restorecommand': blank})

    assert not left_out.failed and not blanked.failed, blanked.error
    assert blanked.context == left_out.context and left_out.context['QuarantineRestore']['Gate']['allowed']


def test_a_close_reason_of_blanks_only_is_no_reason_in_the_close_note(vendors):
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    runner = runner_for(vendors)
    notes = {reason: runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(sample.incident, reason),
                                                sample.context).notes for reason in ('', ' ')}

    assert notes[' '] == notes[''] and len(notes['']) == 1 and 'not as a false positive' in notes[''][0]
    assert restored_hashes(xdr) == set() and hss.requests_to('PUT', '/event/isolated-file') == []


XDR_PLAYBOOK = 'Quarantine Restore - Cortex XDR'
RECORDED_XDR_IDS = sorted(path.stem for path in EXTRA_DATA_REPLIES.glob('*.json'))  # incidents Cortex XDR - IR reads
XDR_EXTRA_DATA = 'xdr-get-incident-extra-data'


def extra_data_calls(run):
    """The arguments of each xdr-get-incident-extra-data call of ``run``, a task's or a script's executeCommand (a task
    skipped for want of an enabled instance made none)."""
    return [event.args for event in run.events
            if event.command == XDR_EXTRA_DATA and not event.outcome.startswith('skipped')]


def xdr_calls_on_fresh_tenants(name, via, unmirrored=False, **fields):
    """Sample ``name`` with its custom ``fields`` replaced (and ``unmirrored`` without its mirror ID), closed as a false
    positive on vendors of its own by the Cortex XDR playbook or the on-close script (``via``): (each Cortex XDR restore
    request's incident_id, each xdr-get-incident-extra-data call's arguments, a task's or the script's, the run)."""
    sample = IncidentFile.load(INCIDENTS / name)
    incident = {key: value for key, value in sample.incident.items() if not (unmirrored and key == 'dbotMirrorId')}
    incident = close_incident(dict(incident, CustomFields={**sample.incident['CustomFields'], **fields}),
                              'False Positive')
    xdr, hss = start_tenant(), start_hss_tenant()
    try:
        runner = runner_for((xdr, hss))
        run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, sample.context) \
            if via == 'post-processing' else runner.run(via, incident, sample.context)
        assert not run.failed, run.error
        sent = [r.body['request_data'].get('incident_id') for r in xdr.gateway.requests
                if r.path.endswith('/endpoints/restore/')]
        return sent, extra_data_calls(run), run
    finally:
        xdr.server.stop()
        hss.stack.close()


@pytest.mark.parametrize('via', [XDR_PLAYBOOK, 'post-processing'])
@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'xdr_lite_minimized.json'])
def test_an_xdr_incident_id_field_holding_two_ids_restores_under_the_first_by_the_playbook_and_on_close_alike(
        name, via):
    """CortexXDRIR's mapper fills XDR Incident ID and the mirror ID from one incident_id: here the field holds that
    ID, then another Cortex XDR incident's. The playbook took the last of them (LastArrayElement), the on-close
    script the first: closed one way or the other, the files went back under different Cortex XDR incidents (or the
    other incident's files were read). Both now take the first, the incident's own."""
    own = IncidentFile.load(INCIDENTS / name).incident['dbotMirrorId']
    [other, *_] = [number for number in RECORDED_XDR_IDS if number != own]

    sent, asked, _ = xdr_calls_on_fresh_tenants(name, via, xdrincidentid=[own, other])

    assert sent and set(sent) == {int(own)}
    assert bool(asked) is (name == 'xdr_lite_minimized.json')  # the one sample whose file artifacts Cortex XDR holds
    assert all(args['incident_id'] == own for args in asked)


@pytest.mark.parametrize('via', [XDR_PLAYBOOK, 'post-processing'])
@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'xdr_lite_minimized.json'])
@pytest.mark.parametrize('odd', ['abc', '0', ['abc']], ids=repr)
def test_an_xdr_incident_id_field_no_cortex_xdr_incident_has_is_refused_before_any_request_by_the_playbook_too(
        name, via, odd):
    """A Cortex XDR incident whose XDR Incident ID field holds a value no Cortex XDR incident has: the on-close script
    left it out and restored under the mirror ID (CortexXDRIR's mapper fills it from the same incident_id), but the
    playbook took the field's value and handed it to xdr-get-incident-extra-data and restore-file, which refused it:
    nothing was restored. Both now send it nowhere, restore under the mirror ID, and a note names the field and its
    value and says to set the field to the incident's ID as Cortex XDR shows it."""
    mirror = IncidentFile.load(INCIDENTS / name).incident['dbotMirrorId']

    sent, asked, run = xdr_calls_on_fresh_tenants(name, via, xdrincidentid=odd)

    assert sent and set(sent) == {int(mirror)}
    assert bool(asked) is (name == 'xdr_lite_minimized.json')  # the one sample whose file artifacts Cortex XDR holds
    assert all(args['incident_id'] == mirror for args in asked)
    assert [e.command for e in run.events if json.dumps(odd) in json.dumps(e.args)] == []
    [line] = [line for note in run.notes for line in note.splitlines() if XDR_INCIDENT_ID_FIELD in line]
    assert json.dumps(as_list(odd)[0]) in line.replace('\\', '') and 'Set the field' in line, line


@pytest.mark.parametrize('via', [XDR_PLAYBOOK, 'post-processing'])
def test_an_unmirrored_incident_s_invalid_xdr_incident_id_is_refused_and_its_files_restored_under_no_incident(via):
    """No mirror ID to fall back on: the playbook handed restore-file the field's 'abc', which refused the restore.
    Both now restore the incident's files under no Cortex XDR incident and say why in a note."""
    artifacts = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json').incident['CustomFields']['xdrfileartifacts']

    sent, _, run = xdr_calls_on_fresh_tenants('xdr_false_positive.json', via, unmirrored=True, xdrincidentid='abc')

    assert len(sent) == len(artifacts) and set(sent) == {None}
    restores = [e.args for e in run.events if e.command == 'restore-file']
    assert {h for args in restores for h in as_list(args['file_hash'])} == {a['file_sha256'] for a in artifacts}
    assert all('incident_id' not in args for args in restores), restores
    assert [e.command for e in run.events if 'abc' in json.dumps(e.args)] == []
    [line] = [line for note in run.notes for line in note.splitlines() if XDR_INCIDENT_ID_FIELD in line]
    assert '"abc"' in line and 'mirror ID' not in line, line


@pytest.mark.parametrize('args, told', [({}, True), ({'refusal_note': ''}, True), ({'refusal_note': 'true'}, True),
                                        ({'refusal_note': 'false'}, False), ({'refusal_note': True}, True),
                                        ({'refusal_note': False}, False), ({'refusal_note': 'False'}, False)],
                         ids=['left out', 'blank', 'true', 'false', 'boolean true', 'boolean false', 'False'])
def test_the_xdr_incident_id_script_notes_a_field_value_no_incident_has_unless_refusal_note_is_false(args, told):
    """The script's YAML: refusal_note defaults to true, and only false (the calling playbook wrote the note already)
    leaves the note out, as text or as the boolean a playbook input taken from context hands on. Left out, or blank
    (a playbook input left empty), the field's 'abc' is told; the ID used instead is the mirror ID either way."""
    spec = yaml.safe_load((SCRIPTS_DIR / 'QuarantineRestoreXdrIncidentId' / 'QuarantineRestoreXdrIncidentId.yml')
                          .read_text(encoding='utf-8'))
    assert [arg['defaultValue'] for arg in spec['args'] if arg['name'] == 'refusal_note'] == ['true']
    incident = {'type': 'Cortex XDR Incident', 'dbotMirrorId': '413', 'CustomFields': {'xdrincidentid': 'abc'}}
    demisto = ScriptDemisto(args, {}, incident)

    _load_script('QuarantineRestoreXdrIncidentId').main(demisto)

    [entry] = demisto.entries
    assert entry['Contents'] == {'id': '413'} and entry['Note'] is told
    assert ('"abc"' in entry['HumanReadable'] and 'Set the field' in entry['HumanReadable']) is told


@pytest.mark.parametrize('odd, shown, were', [('abc', '"abc"', 'it was'), (['abc', '0'], '"abc", "0"', 'they were')],
                         ids=repr)
def test_the_xdr_incident_id_script_says_the_field_s_one_value_or_several_were_not_used(odd, shown, were):
    """As the integration's entries do: "it was not used" of one value, "they were not used" of several."""
    incident = {'type': 'Cortex XDR Incident', 'dbotMirrorId': '413', 'CustomFields': {'xdrincidentid': odd}}
    demisto = ScriptDemisto({}, {}, incident)

    _load_script('QuarantineRestoreXdrIncidentId').main(demisto)

    [entry] = demisto.entries
    assert entry['Contents'] == {'id': '413'}
    assert f'field holds {shown}, which no Cortex XDR incident has (' in entry['HumanReadable']
    assert f'digits), so {were} not used; the mirror ID, 413, was.' in entry['HumanReadable']


@pytest.mark.parametrize('mirror', [{'dbotMirrorId': '413'}, {}], ids=['mirror ID beside it', 'no mirror ID'])
def test_the_xdr_incident_id_script_says_an_id_taken_from_the_field_came_from_the_field_not_the_mirror_id(mirror):
    """The field holds 'abc' and 5: 5 is the ID used, and the note said "the mirror ID, 5, was" used, though the
    mirror ID, if there is one, is another number."""
    incident = {'type': 'Cortex XDR Incident', **mirror, 'CustomFields': {'xdrincidentid': ['abc', '5']}}
    demisto = ScriptDemisto({}, {}, incident)

    _load_script('QuarantineRestoreXdrIncidentId').main(demisto)

    [entry] = demisto.entries
    assert entry['Contents'] == {'id': '5'}
    assert "digits), so it was not used; the field's other value, 5, was." in entry['HumanReadable']
    assert 'mirror ID' not in entry['HumanReadable']


@pytest.mark.parametrize('unmirrored', [False, True], ids=['mirror ID to fall back on', 'no mirror ID'])
def test_the_false_positive_playbook_tells_an_invalid_xdr_incident_id_once_though_its_cortex_xdr_playbook_reads_it_too(
        unmirrored):
    """The False Positive playbook finds the incident's Cortex XDR incident ID before it calls the Cortex XDR playbook,
    which finds it again (it runs alone too): each run of QuarantineRestoreXdrIncidentId wrote the note on the field's
    'abc', so the analyst read the same note twice. It is told once now, and the files are restored all the same."""
    sent, _, run = xdr_calls_on_fresh_tenants('xdr_false_positive.json', RESTORE_PLAYBOOK, unmirrored=unmirrored,
                                              xdrincidentid='abc')

    assert sent
    told = [note for note in run.notes if XDR_INCIDENT_ID_FIELD in note]
    assert len(told) == 1 and '"abc"' in told[0] and 'Set the field' in told[0], told


@pytest.mark.parametrize('given', ['412', 412, None], ids=repr)
def test_the_close_note_says_nothing_of_the_xdr_incident_id_field_when_it_holds_an_id_or_nothing(given):
    """The note tells of the XDR Incident ID field only when it holds a value no Cortex XDR incident has: an ID, or no
    value at all, gets no line (an empty "field holds , which no Cortex XDR incident has" would send the analyst to
    fix a field that is right)."""
    restores, _, _, note = closed_on_fresh_tenants('xdr_false_positive.json', True, xdrincidentid=given)

    assert restores and {r.get('incident_id') for r in restores} == ({412} if given else {None})
    assert XDR_INCIDENT_ID_FIELD not in note and 'no Cortex XDR incident has' not in note, note


@pytest.mark.parametrize('given', ['412', ' 412 ', '000412', 412, 412.0], ids=repr)
def test_the_xdr_incident_id_script_writes_an_id_the_field_holds_without_a_note_however_it_is_written(given):
    """The field holds incident 412, as Cortex XDR writes it, with blanks around it (as a field is typed), with
    leading zeros or as a JSON number: 412 is the ID written, not the mirror ID, and nothing is refused, so no note."""
    incident = {'type': 'Cortex XDR Incident', 'dbotMirrorId': '413', 'CustomFields': {'xdrincidentid': given}}
    demisto = ScriptDemisto({}, {}, incident)

    _load_script('QuarantineRestoreXdrIncidentId').main(demisto)

    [entry] = demisto.entries
    assert entry['Contents'] == {'id': '412'} and entry['Note'] is False
    assert 'no Cortex XDR incident has' not in entry['HumanReadable'], entry['HumanReadable']


ROUNDED = 'a JSON number from 2^53 on, which XSOAR hands on as a float64: it may not be the ID written'
NO_SUCH_ID = 'which no Cortex XDR incident has (its IDs are whole numbers from 1'


@pytest.mark.parametrize('given, reason', [(2 ** 53, ROUNDED), (float(2 ** 53), ROUNDED), (-(2 ** 53), NO_SUCH_ID)],
                         ids=repr)
def test_the_xdr_incident_id_script_refuses_a_json_number_from_2_to_the_53_on_which_may_not_be_the_one_written(
        given, reason):
    """A float64 holds every whole number below 2**53 exactly and, from 2**53 on, stands for more than one (2**53 + 1
    arrives as 2**53): such a number in the field may not be the incident written, so it is refused, named in the
    note, and the mirror ID used instead."""
    incident = {'type': 'Cortex XDR Incident', 'dbotMirrorId': '413', 'CustomFields': {'xdrincidentid': given}}
    demisto = ScriptDemisto({}, {}, incident)

    _load_script('QuarantineRestoreXdrIncidentId').main(demisto)

    [entry] = demisto.entries
    assert entry['Contents'] == {'id': '413'} and entry['Note'] is True
    assert f'field holds {int(given)}, {reason}' in entry['HumanReadable'], entry


@pytest.mark.parametrize('given, received', [(float(2 ** 53), '9007199254740992'), (1e20, '100000000000000000000'),
                                             (1e21, '1e+21')], ids=repr)
def test_the_xdr_incident_id_note_quotes_a_float_from_2_to_the_53_on_as_received_and_says_it_may_be_rounded(
        given, received):
    """XSOAR's server reads a JSON number into a float64 and writes it back as Go does: digits alone when whole and
    below 1e21, else with an exponent. The note quotes the value so, as the script received it, and says why it was
    refused: from 2**53 on a float64 may stand for another number than the one written, not that the incident cannot
    have that ID (2**53 has 16 digits)."""
    incident = {'type': 'Cortex XDR Incident', 'dbotMirrorId': '413', 'CustomFields': {'xdrincidentid': [given, 12.0]}}
    demisto = ScriptDemisto({}, {}, incident)

    _load_script('QuarantineRestoreXdrIncidentId').main(demisto)

    [entry] = demisto.entries
    assert entry['Contents'] == {'id': '12'} and entry['Note'] is True
    note = entry['HumanReadable']
    assert f'field holds {received}, a JSON number from 2^53 on, which XSOAR hands on as a float64' in note, note
    assert 'may not be the ID written' in note and 'no Cortex XDR incident has' not in note, note
    assert "so it was not used; the field's other value, 12, was." in note, note


def test_the_xdr_incident_id_note_says_which_reason_refused_each_value_beside_a_float_from_2_to_the_53_on():
    incident = {'type': 'Cortex XDR Incident', 'dbotMirrorId': '413',
                'CustomFields': {'xdrincidentid': ['abc', float(2 ** 53)]}}
    demisto = ScriptDemisto({}, {}, incident)

    _load_script('QuarantineRestoreXdrIncidentId').main(demisto)

    note = demisto.entries[0]['HumanReadable']
    assert 'holds "abc", which no Cortex XDR incident has (its IDs are whole numbers from 1, of at most 18 digits); ' \
        'and 9007199254740992, a JSON number from 2^53 on' in note, note
    assert 'so they were not used; the mirror ID, 413, was.' in note, note


# restore-file refuses an incident_id from 2**53 on, as text too: its record keeps the ID in a Number,
# CortexXDR.RestoredFile.incident_id, which XSOAR's context holds exactly only below 2**53 (README, restore-file).
TOO_LARGE = 'a number from 2^53 on, which restore-file refuses: XSOAR\'s context keeps a Number'


@pytest.mark.parametrize('given', ['9007199254740992', ' 0009007199254740992 ', '999999999999999999'], ids=repr)
def test_the_xdr_incident_id_script_refuses_an_id_s_text_from_2_to_the_53_on_saying_why_and_uses_the_mirror_id(given):
    """The script took text of up to 18 digits, so the playbook handed restore-file such an ID, which it refused, and
    nothing was restored under any incident: the value is now refused here, named as received, with why, and the
    mirror ID used instead."""
    incident = {'type': 'Cortex XDR Incident', 'dbotMirrorId': '413', 'CustomFields': {'xdrincidentid': given}}
    demisto = ScriptDemisto({}, {}, incident)

    _load_script('QuarantineRestoreXdrIncidentId').main(demisto)

    [entry] = demisto.entries
    assert entry['Contents'] == {'id': '413'} and entry['Note'] is True
    note = entry['HumanReadable']
    assert f'field holds {json.dumps(given)}, {TOO_LARGE}' in note and 'exactly only below 2^53' in note, note
    assert 'so it was not used; the mirror ID, 413, was.' in note and 'no Cortex XDR incident has' not in note, note


@pytest.mark.parametrize('given', ['9007199254740991', ' 0009007199254740991 ', 9007199254740991], ids=repr)
def test_the_xdr_incident_id_script_takes_an_id_just_below_2_to_the_53_as_text_or_a_number_without_a_note(given):
    incident = {'type': 'Cortex XDR Incident', 'dbotMirrorId': '413', 'CustomFields': {'xdrincidentid': given}}
    demisto = ScriptDemisto({}, {}, incident)

    _load_script('QuarantineRestoreXdrIncidentId').main(demisto)

    [entry] = demisto.entries
    assert entry['Contents'] == {'id': '9007199254740991'} and entry['Note'] is False, entry


@pytest.mark.parametrize('via', [XDR_PLAYBOOK, 'post-processing'])
def test_an_xdr_incident_id_s_text_from_2_to_the_53_on_is_refused_saying_why_and_the_mirror_id_restored_under(via):
    """The field's text "9007199254740992" went to restore-file, which refused it, and with it the whole Cortex XDR
    restore, on close and in the playbook alike: both now leave it out, say why in the note, and restore under the
    mirror ID."""
    mirror = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json').incident['dbotMirrorId']

    sent, _, run = xdr_calls_on_fresh_tenants('xdr_false_positive.json', via, xdrincidentid='9007199254740992')

    assert sent and set(sent) == {int(mirror)}
    [line] = [line for note in run.notes for line in note.splitlines() if XDR_INCIDENT_ID_FIELD in line]
    assert f'holds "9007199254740992", {TOO_LARGE}' in line and 'Set the field' in line, line


@pytest.mark.parametrize('via', [XDR_PLAYBOOK, 'post-processing'])
def test_an_xdr_incident_id_s_text_just_below_2_to_the_53_is_the_id_restored_under_by_the_playbook_and_on_close(via):
    sent, _, run = xdr_calls_on_fresh_tenants('xdr_false_positive.json', via, xdrincidentid='9007199254740991')

    assert sent and set(sent) == {9007199254740991}
    assert not [note for note in run.notes if XDR_INCIDENT_ID_FIELD in note], run.notes


@pytest.mark.parametrize('given, reason', [(2 ** 53, ROUNDED), (-(2 ** 53), NO_SUCH_ID)], ids=repr)
def test_an_xdr_incident_id_from_2_to_the_53_on_is_refused_in_the_close_note_as_it_may_not_be_the_one_written(
        given, reason):
    """From 2**53 on a float64 stands for more than one whole number (2**53 + 1 arrives as 2**53): the field's number
    may not be the incident written, so no restore goes under it, and the note names the field and its value."""
    restores, _, _, note = closed_on_fresh_tenants('xdr_false_positive.json', True, xdrincidentid=given)

    assert restores and all('incident_id' not in r for r in restores)
    [line] = [line for line in note.splitlines() if XDR_INCIDENT_ID_FIELD in line]
    assert f'field holds {given}, {reason}' in line, line


def test_the_close_note_says_the_mirror_id_was_used_when_the_xdr_incident_id_field_holds_no_id_at_all():
    """The field holds only 'abc', and the incident's mirror ID (412 in the sample) names its Cortex XDR incident:
    the restore goes under the mirror ID, and the note says it was the mirror ID, not a value of the field."""
    restores, _, _, note = closed_on_fresh_tenants('xdr_false_positive.json', xdrincidentid='abc')

    assert restores and {r.get('incident_id') for r in restores} == {412}
    [line] = [line for line in note.splitlines() if XDR_INCIDENT_ID_FIELD in line]
    assert 'digits), so it was not used; the mirror ID, 412, was. Set the field' in line, line
    assert "field's other value" not in line, line


# ---------------------------------------------------------------- what each note line says to do

FIELD_NAMES = {json.loads(path.read_text(encoding='utf-8'))['cliName']: json.loads(path.read_text(
    encoding='utf-8'))['name'] for path in (TEST_DATA.parent / 'playbooks' / 'incident_fields').glob('*.json')}


def test_an_hss_incident_naming_no_file_is_told_which_fields_to_fill_by_their_names_and_the_command_to_run(vendors):
    """The HSS event named no SHA256 and no host with a path: the note names the fields as the analyst sees them in
    XSOAR (their display names), and gives the command that restores the file by hand."""
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = {key: value for key, value in sample.incident['CustomFields'].items()
              if key not in ('filesha256', 'huaweihsshostid')}
    incident = close_incident(dict(sample.incident, CustomFields=fields), 'False Positive')

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, {})

    assert not run.failed, run.error
    [line] = [line for line in run.notes[-1].splitlines() if 'Huawei Cloud HSS' in line]
    for name in ('File SHA256', FIELD_NAMES['huaweihsshostid'], FIELD_NAMES['huaweihssfilepaths']):
        assert name in line, line
    assert set(parse_line(command_in(line, '!hss-restore-isolated')).args) == {'host_id', 'file_hash'}, line


def test_an_incident_of_neither_vendor_closed_as_false_positive_is_told_the_commands_that_restore_by_hand(vendors):
    incident = close_incident({'id': '77', 'name': 'Phishing report', 'type': 'Phishing', 'CustomFields': {}},
                              'False Positive')

    run = runner_for(vendors).run_post_processing(POST_PROCESSING_SCRIPT, incident, {})

    assert not run.failed, run.error
    note = run.notes[-1]
    assert 'nothing was restored' in note, note
    assert parse_line(command_in(note, '!restore-file')).args.keys() == {'file_hash'}, note
    assert parse_line(command_in(note, '!hss-restore-isolated')).args.keys() == {'host_id', 'file_hash'}, note


@pytest.mark.parametrize('hosts', [['h-1'], ['h-1', 'h-2']])
def test_a_failed_reputation_check_gives_the_restore_of_paths_by_hand_unpaired_on_several_hosts_only(hosts):
    """integration.yml's pair_by_position (default true) pairs the lists position by position, a single value
    applying to every item; false, for lists that do not say which path is on which host, restores each path on every
    host given that HSS lists it isolated on. The line of a failed check gives the close's restore of two paths by
    hand so on two hosts, and on one as the close sends it, without pair_by_position."""
    paths = ['/opt/app/bin/updater', '/opt/app/bin/helper']

    def execute(command, args):
        return [{'Type': 4, 'ContentsFormat': 'text', 'Contents': 'the gate is unavailable'}]

    hashes, [line], allowed_paths = ON_CLOSE.screen(execute, [], False, 'hss-restore-isolated', [],
                                                    {'host_id': hosts}, paths)

    assert hashes == [] and allowed_paths == [] and 'the gate is unavailable' in line
    by_hand = parse_line(command_in(line, '!hss-restore-isolated'))
    assert ri.hss_field_list(by_hand.args['file_path'], 'file_path') == paths
    assert ri.hss_field_list(by_hand.args['host_id'], 'host_id') == hosts
    assert by_hand.args.get('pair_by_position') == ('false' if len(hosts) > 1 else None), line


@pytest.mark.parametrize('count, hosts, to_fill_in', [(1, ['h-1', 'h-2'], False), (51, ['h-1'], False),
                                                     (25, ['h-1', 'h-2'], False), (26, ['h-1', 'h-2'], True)])
def test_files_held_at_close_past_50_file_host_pairs_get_a_restore_by_hand_to_fill_in_else_the_whole_one(count, hosts,
                                                                                                         to_fill_in):
    """README: past 50 held file-host pairs a held file's line gives the command for one host, to fill in. Up to 50
    (25 files on 2 hosts), and on one host however many files are held (nothing to fill in), each line gives the
    gate's command, whole."""
    file_hashes = [f'{number:064x}' for number in range(1, count + 1)]
    context = {'DBotScore': [{'Indicator': h, 'Vendor': VT, 'Type': 'file', 'Score': 3} for h in file_hashes]}

    def execute(command, args):
        return [GATE.gate_command(args, context)] if command == 'QuarantineRestoreReputationGate' else []

    hashes, lines, _ = ON_CLOSE.screen(execute, file_hashes, False, 'hss-restore-isolated', [], {'host_id': hosts})

    assert hashes == [] and len(lines) == count
    for file_hash, line in zip(file_hashes, lines):
        assert 'malicious (3)' in line and ('on 2 hosts: h-1, h-2' in line) == to_fill_in, line
        by_hand = parse_line(command_in(line, '!hss-restore-isolated'))
        assert by_hand.args['file_hash'] == file_hash
        assert ri.hss_field_list(by_hand.args['host_id'], 'host_id') == (['<host_id>'] if to_fill_in else hosts)


@pytest.mark.parametrize('contents', ['Running QuarantineRestoreReputationGate is not allowed for this user',
                                      {'allowed': ['ab' * 32], 'held': []}])
def test_an_error_entry_the_reputation_check_answers_with_restores_nothing_whatever_its_contents_say_allowed(contents):
    """An error entry (XSOAR's entry type 4) of the check is a failed check, whatever its Contents hold: words
    naming "allowed" (XSOAR refusing the script to the user) or an object with an allowed list; nothing is restored
    automatically and the line says so."""
    file_hash = 'ab' * 32

    def execute(command, args):
        if command != 'QuarantineRestoreReputationGate':
            return []
        return [{'Type': 4, 'ContentsFormat': 'text' if isinstance(contents, str) else 'json', 'Contents': contents}]

    hashes, [line], allowed_paths = ON_CLOSE.screen(execute, [file_hash], False, 'restore-file', [])

    assert hashes == [] and allowed_paths == [] and 'nothing was restored automatically' in line, line
    assert parse_line(command_in(line, '!restore-file')).args['file_hash'] == file_hash


@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'hss_false_positive.json'])
def test_a_reputation_check_xsoar_failed_at_close_is_a_line_with_xsoar_s_words_and_the_restore_to_run_by_hand(
        vendors, name):
    """XSOAR fails the call to the reputation check (its server's message): nothing is restored automatically, and
    the line keeps XSOAR's words and says what to do: check the file's reputation, then the restore the close would
    have sent, which, run, restores it."""
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / name)
    runner = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None,
                            server_errors={'QuarantineRestoreReputationGate': SERVER_SAID})

    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(sample.incident, 'False Positive'),
                                     sample.context)

    assert not run.failed, run.error
    assert not xdr.backend.actions and hss_puts(hss) == []
    [line] = [line for line in run.notes[-1].splitlines() if SERVER_SAID in line]
    file_hash = parse_line(command_in(line, '!file')).args['file']
    assert re.fullmatch('[0-9a-f]{64}', file_hash) and file_hash in json.dumps(sample.incident), line
    command = '!hss-restore-isolated' if name.startswith('hss') else '!restore-file'
    by_hand = parse_line(command_in(line, command))
    assert by_hand.args['file_hash'] == file_hash, line
    result = WarRoom(params={**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None).run(
        by_hand.command, {**by_hand.args, 'polling': 'false'})
    assert not result.failed, result.entries[-1]['Contents']
    assert len(xdr.backend.actions) + len(hss_puts(hss)) >= 1


@pytest.mark.parametrize('where', ['call', 'start'])
def test_an_error_the_on_close_script_did_not_expect_is_still_its_note_when_the_debug_log_fails_too(where):
    """The close goes on whatever happens: a debug log that raises while the traceback is logged must not replace the
    note (nor block the close with an error)."""
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': ['a' * 64]}},
                              'False Positive')

    def raising(*_):
        raise KeyError('outcome')

    def debug_fails(message):
        raise ValueError('debug channel closed')

    demisto = ScriptDemisto({'closeReason': 'False Positive'}, {}, incident, execute=raising)
    demisto.debug = debug_fails
    with mock.patch.object(ON_CLOSE, 'vendors_of', raising if where == 'start' else ON_CLOSE.vendors_of):
        ON_CLOSE.main(demisto)

    [entry] = demisto.entries
    assert entry['Type'] == 1 and entry['Note'] is True, entry
    assert 'did not expect' in entry['Contents'] and 'debug channel closed' not in entry['Contents'], entry


@pytest.mark.parametrize('as_text', [False, True], ids=['a_number', 'a_text'])
def test_the_close_note_nests_its_follow_commands_under_their_lead_line_and_each_reads_back_the_action(vendors,
                                                                                                      as_text):
    """The lead line "To follow each restore to its end, run in this war room:" was a bullet beside its commands, as if
    it were one more step: the commands are a list nested in its item (CommonMark 5.2, 5.3: indented to the item's
    content). Cortex XDR sends an action ID as a number or as text (the demo's two Cortex XDR closes): the command gives
    it as the JSON list restore-file's hidden action_id reads (integration.yml), and it reads back that action."""
    xdr, _ = vendors
    xdr.backend.shapes.restore_reply = lambda action_id, count: {'action_id': str(action_id) if as_text else action_id,
                                                                 'endpoints_count': count}
    _, run = close(vendors, 'xdr_lite_minimized.json', 'post-processing')

    assert not run.failed, run.error
    lines = run.notes[-1].splitlines()
    [lead] = [at for at, line in enumerate(lines) if 'To follow each restore to its end' in line]
    assert lines[lead].startswith('- '), lines
    nested = lines[lead + 1:]
    assert nested and all(line.startswith(' ' * len('- ') + '- ') for line in nested), lines
    [action] = list(xdr.backend.actions)
    for line in nested:
        [span] = as_commonmark_reads(line.strip()[len('- '):])[0]
        command = parse_line(span)
        load_spec().command(command.command).check_args(command.args)
        assert ri.action_id_list(command.args['action_id']) == [str(action) if as_text else action], span
        assert json.loads(command.args['action_id']) == [str(action) if as_text else action], span


def test_a_close_that_sends_again_an_hss_copy_the_playbook_failed_to_restore_says_it_is_a_second_try_and_why(vendors):
    """The host's agent cannot put the file back: the playbook's restore ends failed, and its summary says to run the
    restore again once the cause is fixed. Seconds later the close's script sends it again (HSS still lists it
    isolated), and its note said only "started", as if for the first time: it says this is a second try after the
    earlier restore failed, where, and why it is sent again."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    found = hss_copy_of(sample.incident['CustomFields'])
    hss.backend.hosts[found['host_id']].restore_fails = True
    incident = close_incident(sample.incident, 'False Positive')

    playbook, on_close = close_by_playbook(runner_for(vendors), incident, sample.context, stream=io.StringIO())

    rows = as_list(get_path(playbook.context, 'HuaweiHSS.RestoredFile'))
    assert [row['outcome'] for row in rows] == ['failed'], rows
    assert len(hss_puts(hss)) == 2  # the playbook's, then the close's
    [line] = [line for line in on_close.notes[-1].splitlines() if f'`{found["file_hash"]}`' in line]
    shown = as_commonmark_reads(line)[1]
    assert 'started' in shown and 'second try' in shown, shown
    assert f'failed on {found["host_name"]}' in shown and 'isolated' in shown, shown
