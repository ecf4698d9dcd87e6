"""The pack's playbooks on the sample incidents, run by the local runner against both emulators over HTTP."""
from __future__ import annotations

import io
import json
import re
import secrets
import subprocess
import sys
from datetime import datetime, timezone

import pytest
import yaml

import facts
import restore_integration as ri
from commonmark_reading import as_commonmark_reads
from conftest import HSS_SEED, assert_names_20_hosts_and_one_to_fill_in, load_json
from conftest import (ROOT, TEST_DATA, XDR_KEY_ID, hss_seed_copies, known_bad, lost_restore_record, many_hosts_seed,
                      one_file_restore_lost, seed_failing_endpoints, seed_holders, start_hss_tenant, start_tenant)
from warroom.context import as_list, get_path, merge_entry_context
from warroom.ingest import PackContent, create_incident
from warroom.emulator.faults import FaultPlan
from warroom.line import parse_line
from warroom.playbook.incidents import (POST_PROCESSING_SCRIPT, RESTORE_PLAYBOOK, IncidentFile, close_by_playbook,
                                       close_incident, print_event)
from warroom.playbook.model import Playbook, PlaybookLibrary, Task
from warroom.playbook.others import REPLIES_DIR, OtherIntegrations
from warroom.playbook.runner import PlaybookRunner
from warroom.playbook import values as playbook_values
from warroom.playbook.values import Scope
from warroom.runtime import WarRoom
from warroom.spec import load_spec

INCIDENTS = TEST_DATA / 'incidents'
XDR_INCIDENT = 'PaloAltoNetworksXDR.Incident'  # where xdr-get-incident-extra-data writes the incident
HOLDERS = seed_holders()
FAILING = seed_failing_endpoints()
HSS_COPIES = hss_seed_copies()
XDR_PLAYBOOK = 'Quarantine Restore - Cortex XDR'
HSS_PLAYBOOK = 'Quarantine Restore - Huawei Cloud HSS'
GATE_SCRIPT = 'QuarantineRestoreReputationGate'  # the reputation check each vendor playbook runs before its restore


def runner_for(vendors, enabled=None, **xdr_overrides):
    xdr, hss = vendors
    others = OtherIntegrations(enabled=set(enabled)) if enabled is not None else None
    return PlaybookRunner({**hss.params(), **xdr.params(**xdr_overrides)}, time_scale=0, sleep=lambda _: None,
                          others=others)


def close_and_run(vendors, name, reason=None, playbook=RESTORE_PLAYBOOK, enabled=None, **xdr_overrides):
    sample = IncidentFile.load(INCIDENTS / name)
    incident = close_incident(sample.incident, reason or sample.close_reason, sample.close_notes)
    return sample, runner_for(vendors, enabled, **xdr_overrides).run(playbook, incident, sample.context)


def xdr_incident_id(sample):
    return sample.incident.get('CustomFields', {}).get('xdrincidentid')


def recorded_artifacts(sample):
    """The file artifacts the recorded xdr-get-incident-extra-data reply gives for the sample's XDR incident."""
    path = REPLIES_DIR / 'Cortex XDR - IR' / 'xdr-get-incident-extra-data' / f'{xdr_incident_id(sample)}.json'
    if not xdr_incident_id(sample) or not path.exists():
        return []
    return [a for entry in json.loads(path.read_text())
            for a in facts.context_at(entry['EntryContext'], XDR_INCIDENT).get('file_artifacts') or []]


def incident_hashes(sample):
    """Every SHA256 the incident names, wherever CortexXDRIR, HSS fetching or an analyst put it."""
    fields = sample.incident.get('CustomFields', {})
    found = set(as_list(fields.get('filesha256')))
    for row in fields.get('xdrfileartifacts') or []:
        found |= {row[key] for key in ('filesha256', 'file_sha256') if row.get(key)}
    for artifact in as_list(get_path(sample.context, 'PaloAltoNetworksXDR.Incident.file_artifacts')):
        found.add(artifact['file_sha256'])
    if not found:  # minimized incidents: the hashes come from Cortex XDR itself
        found = {a['file_sha256'] for a in recorded_artifacts(sample)}
    return found


def xdr_restores(xdr):
    return [r for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')]


def hss_puts(hss):
    return hss.requests_to('PUT', '/event/isolated-file')


def test_xdr_false_positive_restores_where_it_can_and_the_note_names_the_failure(vendors):
    xdr, hss = vendors
    sample, run = close_and_run(vendors, 'xdr_false_positive.json')

    assert not run.failed, run.error
    [file_hash] = incident_hashes(sample)
    for endpoint_id in HOLDERS[file_hash]:
        if endpoint_id in FAILING:
            assert file_hash in xdr.backend.quarantined(endpoint_id)
        else:
            assert file_hash in xdr.backend.restored(endpoint_id)
    [note] = run.notes
    for endpoint_id in set(HOLDERS[file_hash]) & set(FAILING):
        assert endpoint_id in note and FAILING[endpoint_id]['error_description'] in note
    assert hss_puts(hss) == []
    record = get_path(run.context, 'CortexXDR.RestoredFile')
    assert record['incident_id'] == int(xdr_incident_id(sample))
    assert get_path(run.context, 'QuarantineRestore.Summary.needs_manual_action') is True


def test_hss_false_positive_restores_the_file_on_the_incident_s_host_only(vendors):
    xdr, hss = vendors
    sample, run = close_and_run(vendors, 'hss_false_positive.json')

    assert not run.failed, run.error
    [file_hash] = incident_hashes(sample)
    host_id = sample.incident['CustomFields']['huaweihsshostid']
    [note] = run.notes
    hosts = [copy['host_id'] for copy in HSS_COPIES[file_hash]]
    assert host_id in hosts and len(set(hosts)) > 1  # a copy on this incident's host and one elsewhere, both checked
    for copy in HSS_COPIES[file_hash]:
        status = hss.backend.isolation_status(copy['host_id'], file_hash, copy['file_path'])
        if copy['host_id'] == host_id:  # the host of this incident's HSS event
            assert status in ('restoring', 'restored') and copy['host_name'] in note
        else:  # other hosts have incidents of their own
            assert status == 'isolated'
    assert xdr_restores(xdr) == []


@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'hss_false_positive.json'])
def test_the_restore_playbooks_call_no_other_integration_that_has_a_command_of_the_same_name(vendors, name):
    """Another enabled integration with its own restore-file and hss-restore-isolated: the playbooks name this pack's
    brand on each task that calls them ('Quarantine Restore|||restore-file'), so that integration is never called;
    XSOAR would run a task without a brand on both (the runner refuses such a task rather than call either)."""
    from warroom.playbook.others import OtherCommand, load_other_commands
    shared = {command: OtherCommand('Other Restorer', command, ('file_hash',), ('file_hash',), frozenset())
              for command in ('restore-file', 'hss-restore-isolated')}
    others = OtherIntegrations(enabled={'Quarantine Restore', 'Cortex XDR - IR', 'Other Restorer'},
                               commands={**load_other_commands(), **shared})
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / name)
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)

    run = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None,
                         others=others).run(RESTORE_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    called = [event.command for event in run.events if event.command in shared]
    assert called and 'Other Restorer' not in json.dumps([event.entries for event in run.events], default=str)
    restored = {'xdr': bool(xdr_restores(xdr)), 'hss': bool(hss_puts(hss))}
    assert restored == {vendor: name.startswith(f'{vendor}_') for vendor in restored}, restored  # the sample's vendor


def test_an_incident_closed_for_another_reason_restores_nothing_and_says_so(vendors):
    xdr, hss = vendors
    sample, run = close_and_run(vendors, 'xdr_closed_other_reason.json')

    assert not run.failed
    assert xdr_restores(xdr) == [] and hss_puts(hss) == []
    [file_hash] = incident_hashes(sample)
    for endpoint_id in HOLDERS[file_hash]:
        assert file_hash in xdr.backend.quarantined(endpoint_id)
    [note] = run.notes
    assert sample.close_reason in note and 'no file was restored' in note


@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK, HSS_PLAYBOOK])
def test_an_incident_not_closed_yet_gets_a_note_that_does_not_call_it_closed_and_no_request(vendors, playbook):
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')  # open: no close reason, XDR status not resolved

    run = runner_for(vendors).run(playbook, sample.incident, sample.context)

    assert not run.failed, run.error
    assert xdr_restores(xdr) == [] and hss_puts(hss) == []
    [note] = run.notes
    assert 'no file was restored' in note and 'not closed' in note and 'was closed as' not in note


def test_hashes_in_upper_case_or_with_blanks_over_two_fields_are_each_restored_once_on_their_endpoints(vendors):
    """Several files over several endpoints: the XDR File Artifacts name two, File SHA256 (filled by hand or by another
    integration) one of them again in upper case, a third with blanks around it and an empty item."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    [first] = incident_hashes(sample)
    second, third = sorted(h for h in HOLDERS if h != first)[:2]
    fields = sample.incident['CustomFields']
    artifacts = [dict(fields['xdrfileartifacts'][0], file_sha256=h, filesha256=h) for h in (first, second)]
    incident = dict(sample.incident, CustomFields=dict(fields, xdrfileartifacts=artifacts,
                                                       filesha256=[first.upper(), f' {third} ', '']))

    run = runner_for(vendors).run(RESTORE_PLAYBOOK, close_incident(incident, sample.close_reason), sample.context)

    assert not run.failed, run.error
    assert sorted(r.body['request_data']['file_hash'] for r in xdr_restores(xdr)) == sorted([first, second, third])
    for file_hash in (first, second, third):
        for endpoint_id in HOLDERS[file_hash]:
            assert file_hash in (xdr.backend.quarantined(endpoint_id) if endpoint_id in FAILING
                                 else xdr.backend.restored(endpoint_id))


def test_a_file_named_again_in_upper_case_or_with_blanks_is_looked_up_once_by_the_reputation_check(vendors):
    """The XDR File Artifacts give the file in lower case, File SHA256 the same file in upper case and with blanks
    around it: !file (every enabled reputation integration, each lookup counted against its quota) gets it once, as
    the gate and restore-file read it."""
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    [file_hash] = incident_hashes(sample)
    fields = dict(sample.incident['CustomFields'], filesha256=[file_hash.upper(), f' {file_hash} '])
    incident = close_incident(dict(sample.incident, CustomFields=fields), sample.close_reason)

    run = runner_for(vendors, enabled={'Quarantine Restore', 'VirusTotal (API v3)'}).run(RESTORE_PLAYBOOK, incident,
                                                                                         sample.context)

    assert not run.failed, run.error
    [lookup] = [event.args['file'] for event in run.events if event.command == 'file' and not event.caller]
    assert as_list(lookup) == [file_hash]


@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, HSS_PLAYBOOK])
def test_an_hss_file_named_again_in_upper_case_or_with_blanks_is_looked_up_once_by_the_reputation_check(vendors,
                                                                                                       playbook):
    """The HSS event's File SHA256 field names its file in lower case, again in upper case and again with blanks
    around it (edited by hand, or filled by another integration): !file (every enabled reputation integration, each
    lookup counted against its quota) gets it once, as the Cortex XDR playbook looks a file up, and the file is
    restored once."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    [file_hash] = incident_hashes(sample)
    fields = dict(sample.incident['CustomFields'], filesha256=[file_hash, file_hash.upper(), f' {file_hash} '])
    incident = close_incident(dict(sample.incident, CustomFields=fields), sample.close_reason)

    run = runner_for(vendors, enabled={'Quarantine Restore', 'VirusTotal (API v3)'}).run(playbook, incident,
                                                                                         sample.context)

    assert not run.failed, run.error
    [lookup] = [event.args['file'] for event in run.events if event.command == 'file' and not event.caller]
    assert as_list(lookup) == [file_hash]
    [put] = hss_puts(hss)
    assert [item['file_hash'] for item in put.body['data_list']] == [file_hash]


def test_an_hss_file_restored_by_hand_before_the_close_sends_nothing_and_the_summary_leaves_nothing_to_do(vendors):
    """An analyst restored the HSS event's file in the HSS console before closing the incident (no record of it in
    the incident's context): HSS lists no isolated copy, so the playbook sends no PUT and sums it up as not_found."""
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    [file_hash] = incident_hashes(sample)
    host_id = sample.incident['CustomFields']['huaweihsshostid']
    [path] = [c['file_path'] for c in HSS_COPIES[file_hash] if c['host_id'] == host_id]
    hss.backend.restore_isolated_files(hss.backend.project_id, [{'host_id': host_id, 'file_hash': file_hash,
                                                                 'file_path': path}])
    assert hss.backend.isolation_status(host_id, file_hash, path) == 'restored'

    _, run = close_and_run(vendors, 'hss_false_positive.json')

    assert not run.failed, run.error
    assert hss_puts(hss) == [] and xdr_restores(xdr) == []
    [row] = as_list(get_path(run.context, 'HuaweiHSS.RestoredFile'))
    assert (row['host_id'], row['file_hash'], row['outcome']) == (host_id, file_hash, 'not_found')
    summary = get_path(run.context, 'QuarantineRestore.Summary')
    assert summary['needs_manual_action'] is False and summary['manual_steps'] == []
    assert 'may be restored already' in run.notes[-1] and 'FAILED' not in run.notes[-1]


def test_an_incident_without_a_hash_gets_a_note_and_no_request(vendors):
    xdr, hss = vendors
    sample, run = close_and_run(vendors, 'xdr_no_hash.json')

    assert not run.failed
    assert xdr.gateway.requests == [] and hss_puts(hss) == []
    [note] = run.notes
    assert 'no SHA256' in note and '!restore-file' in note


def test_the_note_of_an_incident_without_a_hash_gives_the_restore_under_the_cortex_xdr_incident_it_knows(vendors):
    """The playbook knows the incident's Cortex XDR incident (it asked Cortex XDR for its file artifacts): the restore
    the note suggests goes under it (restore-file's incident_id), as every other restore of the playbook does, so it
    shows in that incident's timeline. Filled in with a SHA256, the command is one restore-file takes."""
    sample, run = close_and_run(vendors, 'xdr_no_hash.json')

    [note] = run.notes
    [span] = [span for span in as_commonmark_reads(note)[0] if span.startswith('!restore-file ')]
    line = parse_line(span.replace('<sha256>', 'ab' * 32))
    args = load_spec().command(line.command).check_args(line.args)
    assert args['incident_id'] == xdr_incident_id(sample), span


def test_the_xdr_status_resolved_false_positive_is_enough_to_restore(vendors):
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    incident = dict(sample.incident, CustomFields=dict(sample.incident['CustomFields'],
                                                       xdrstatusv2='resolved_false_positive'))

    run = runner_for(vendors).run(XDR_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    [restore] = xdr_restores(xdr)
    assert {restore.body['request_data']['file_hash']} == incident_hashes(sample)  # the incident's file, restored


def closed_with_mirrored_status(vendors, playbook, reason, status='resolved_false_positive'):
    """The playbook's sample closed as ``reason`` ('' when the close gives none, as XSOAR holds an incident closed
    without one) while Cortex XDR's mirrored status is ``status``; the HSS playbook, which reads no Cortex XDR field,
    is handed the status as the False Positive playbook hands it."""
    sample = IncidentFile.load(INCIDENTS / ('hss_false_positive.json' if playbook == HSS_PLAYBOOK
                                            else 'xdr_false_positive.json'))
    fields = dict(sample.incident['CustomFields'], xdrstatusv2=status)
    incident = close_incident(dict(sample.incident, CustomFields=fields), reason)
    if playbook == HSS_PLAYBOOK:
        playbook = analyst_branch({'XDRIncidentStatus': status}, HSS_PLAYBOOK)
    return sample, runner_for(vendors).run(playbook, incident, sample.context)


# The on-close script's rule (tests/test_on_close.py -k another_reason_restores_nothing): CortexXDRIR's mirroring closes
# the incident as False Positive when Cortex XDR resolves it so, and sends a close made in XSOAR back to Cortex XDR, so
# a close reason is the later word and the mirrored status it leaves behind is stale. The playbooks restored when
# either said false positive: a reopened incident closed as Resolved had its files restored by the playbook, not by
# the on-close script.
@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK, HSS_PLAYBOOK])
def test_a_close_for_another_reason_restores_nothing_though_the_mirrored_status_still_says_false_positive(vendors,
                                                                                                           playbook):
    xdr, hss = vendors
    _, run = closed_with_mirrored_status(vendors, playbook, 'Resolved')

    assert not run.failed, run.error
    assert xdr_restores(xdr) == [] and hss_puts(hss) == []
    [note] = run.notes
    assert 'no file was restored' in note and '"Resolved"' in note
    assert 'status decides only where no close reason is given' in note


@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK, HSS_PLAYBOOK])
def test_a_close_that_gives_no_reason_restores_when_the_mirrored_status_says_false_positive(vendors, playbook):
    xdr, hss = vendors
    sample, run = closed_with_mirrored_status(vendors, playbook, '')

    assert not run.failed, run.error
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == incident_hashes(sample)
    assert not any('no file was restored' in note for note in run.notes)


@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK, HSS_PLAYBOOK])
def test_a_close_that_gives_no_reason_gets_a_note_naming_the_cortex_xdr_status_that_decided(vendors, playbook):
    """No close reason: Cortex XDR's mirrored status decides, here resolved_true_positive. The note names it as the
    one that decided, not as one that "decides only where no close reason is given"."""
    xdr, hss = vendors
    _, run = closed_with_mirrored_status(vendors, playbook, '', 'resolved_true_positive')

    assert not run.failed, run.error
    assert xdr_restores(xdr) == [] and hss_puts(hss) == []
    [note] = run.notes
    assert 'no file was restored' in note and 'no close reason' in note and '"resolved_true_positive"' in note
    assert 'decides only where no close reason is given' not in note


@pytest.mark.parametrize('reason', ['Other', ''])
@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, HSS_PLAYBOOK])
def test_an_hss_incident_closed_for_another_reason_gets_a_note_naming_no_cortex_xdr_status(vendors, playbook, reason):
    """An HSS event holds no Cortex XDR status: the note names the close reason (or that none was given) and no
    Cortex XDR status, not 'Cortex XDR status ""'."""
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    assert 'xdrstatusv2' not in sample.incident['CustomFields']

    run = runner_for(vendors).run(playbook, close_incident(sample.incident, reason), sample.context)

    assert not run.failed, run.error
    assert xdr_restores(xdr) == [] and hss_puts(hss) == []
    [note] = run.notes
    assert 'no file was restored' in note and 'Cortex XDR' not in note
    assert f'close reason "{reason}"' in note if reason else 'no close reason' in note


def restored_on_close(sample, reason, status):
    """The files of ``sample`` the on-close script gives back, on vendors of its own, when the incident is closed as
    ``reason`` while Cortex XDR's mirrored status is ``status``."""
    fields = dict(sample.incident['CustomFields'], xdrstatusv2=status)
    incident = close_incident(dict(sample.incident, CustomFields=fields), reason)
    xdr, hss = start_tenant(), start_hss_tenant()
    try:
        run = runner_for((xdr, hss)).run_post_processing(POST_PROCESSING_SCRIPT, incident, sample.context)
        assert not run.failed, run.error
        return restored_hashes_of(sample, xdr, hss)
    finally:
        xdr.server.stop()
        hss.stack.close()


# The on-close script trims the close reason (a blank one is none) and reads the mirrored status without case: the
# playbooks decide the same close alike, and each test runs the script on the same close to compare.
@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK, HSS_PLAYBOOK])
def test_a_close_reason_with_blanks_around_it_restores_as_the_on_close_script_reads_it(vendors, playbook):
    xdr, hss = vendors
    sample, run = closed_with_mirrored_status(vendors, playbook, ' False Positive ', 'resolved_true_positive')

    assert not run.failed, run.error
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == incident_hashes(sample)
    assert not any('no file was restored' in note for note in run.notes)
    assert restored_on_close(sample, ' False Positive ', 'resolved_true_positive') == incident_hashes(sample)


@pytest.mark.parametrize('reason', ['', '  '])
@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK, HSS_PLAYBOOK])
def test_a_blank_close_reason_leaves_it_to_the_mirrored_status_in_any_case_as_the_on_close_script(vendors, playbook,
                                                                                                  reason):
    xdr, hss = vendors
    sample, run = closed_with_mirrored_status(vendors, playbook, reason, 'Resolved_False_Positive')

    assert not run.failed, run.error
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == incident_hashes(sample)
    assert not any('no file was restored' in note for note in run.notes)
    assert restored_on_close(sample, reason, 'Resolved_False_Positive') == incident_hashes(sample)


def read_a_list_of_one_blank_as_handed(monkeypatch):
    """The other reading of *Is empty* on ``[""]`` (the uniq transformer's output on an empty close reason, an input
    the playbook hands on): the runner reads a one-item list at a context path as its item, so ``[""]`` is empty;
    XSOAR may read the list as handed, which holds an item, so not empty. No public source says which (README,
    "Running them locally"), so the playbooks are run under both. Read so, the list is what a task hands on too, a
    complex value that is the bare path (``root: inputs.HostID``) as ``${inputs.HostID}`` is: the runner hands such a
    value's one item on."""
    unwrapping, unwrapping_complex = Scope.lookup, playbook_values.resolve_complex

    def lookup(scope, path):
        root, _, key = path.strip().partition('.')
        value = scope.inputs.get(key) if root == 'inputs' else None
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str) and not value[0].strip():
            return value
        return unwrapping(scope, path)

    def resolve_complex(spec, scope):
        if set(spec) == {'root'} and isinstance(spec['root'], str):
            value = scope.lookup(spec['root'])
            if isinstance(value, list) and len(value) == 1:  # lookup kept it a list: a list of one blank
                return value
        return unwrapping_complex(spec, scope)
    monkeypatch.setattr(Scope, 'lookup', lookup)
    monkeypatch.setattr(playbook_values, 'resolve_complex', resolve_complex)


@pytest.mark.parametrize('reading', ['item', 'list'])
@pytest.mark.parametrize('reason', ['', '  '])
@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK, HSS_PLAYBOOK])
def test_a_blank_close_reason_leaves_it_to_the_mirrored_status_whether_xsoar_reads_its_one_item_list_as_empty(
        vendors, monkeypatch, playbook, reason, reading):
    """CloseReason is the incident's close reason through uniq: a blank reason reaches the playbook as a list of one
    blank. Read as its item (the runner's reading) it was empty; read as the list (a reading XSOAR may have), it was
    not, and the playbook took a blank reason for another one and restored nothing although Cortex XDR's mirrored
    status said resolved_false_positive. The condition now drops blanks (RemoveEmpty) before asking."""
    xdr, hss = vendors
    if reading == 'list':
        read_a_list_of_one_blank_as_handed(monkeypatch)
    sample, run = closed_with_mirrored_status(vendors, playbook, reason, 'resolved_false_positive')

    assert not run.failed, run.error
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == incident_hashes(sample)
    assert not any('no file was restored' in note for note in run.notes)


# HostID and HSSAlarmID come through uniq as CloseReason does, so a blank field (or a blank value a caller maps through
# uniq) reaches the playbook as a list of one blank. Read as the list, it was not empty: the HSS playbook restored by
# host and path on no host, a blank host scope on an incident that names its host was widened to every host, and a
# blank HSS alarm ID sent a Cortex XDR incident to the HSS restore. Their checks now drop blanks (trim, RemoveEmpty)
# before asking, and so does the check of the incident's own host field beside HostID.
def blank_host_field(blank, *dropped):
    """The HSS sample closed as a false positive with its Huawei HSS Host ID field ``blank``, ``dropped`` fields left
    out."""
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = {key: value for key, value in sample.incident['CustomFields'].items() if key not in dropped}
    incident = close_incident(dict(sample.incident, CustomFields=dict(fields, huaweihsshostid=blank)),
                              sample.close_reason, sample.close_notes)
    return sample, incident


@pytest.mark.parametrize('reading', ['item', 'list'])
@pytest.mark.parametrize('blank', ['', '  '])
@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, HSS_PLAYBOOK])
def test_an_hss_incident_whose_host_field_is_blank_and_names_no_hash_restores_nothing_whether_xsoar_reads_its_list(
        vendors, monkeypatch, playbook, blank, reading):
    """As test_an_hss_incident_naming_file_paths_but_no_host_and_no_hash_restores_nothing_and_says_so, with the host
    field blank rather than left out: a blank is no host, so no path is restored on it."""
    _, hss = vendors
    if reading == 'list':
        read_a_list_of_one_blank_as_handed(monkeypatch)
    sample, incident = blank_host_field(blank, 'filesha256')
    assert incident['CustomFields'].get('huaweihssfilepaths')

    run = runner_for(vendors).run(playbook, incident, sample.context)

    assert not run.failed, run.error
    assert hss_puts(hss) == []
    [note] = [note for note in run.notes if 'nothing was restored' in note]
    assert 'no SHA256 and no host with a file path' in note


def assert_held_with_a_note_naming_its_own_host(run, hss, file_hash: str, own_host: str) -> None:
    """The run sent HSS no restore, every copy of the file stays isolated, and its one note says nothing was restored,
    naming the incident's own host and how to restore on every host."""
    assert not run.failed, run.error
    assert hss_puts(hss) == []
    assert {hss.backend.isolation_status(c['host_id'], file_hash, c['file_path']) for c in HSS_COPIES[file_hash]} == {
        'isolated'}
    [note] = run.notes
    assert 'nothing was restored' in note and own_host in note and 'every host' in note


@pytest.mark.parametrize('reading', ['item', 'list'])
@pytest.mark.parametrize('blank', ['', '  '])
def test_an_hss_incident_whose_host_field_is_blank_is_restored_on_every_host_whether_xsoar_reads_its_list_as_empty(
        vendors, monkeypatch, blank, reading):
    """As test_an_hss_incident_that_names_no_host_is_restored_on_every_host_that_isolated_its_file: a blank host field
    names no host, so an empty host scope is not held back for it."""
    if reading == 'list':
        read_a_list_of_one_blank_as_handed(monkeypatch)
    sample, incident = blank_host_field(blank)
    assert_restored_on_every_host_that_isolated_it(vendors, sample, incident)


def assert_restored_on_every_host_that_isolated_it(vendors, sample: IncidentFile, incident: dict) -> None:
    """The HSS playbook run on the incident leaves its file restoring or restored on each of its (several) hosts."""
    _, hss = vendors
    [file_hash] = incident_hashes(sample)
    assert len({copy['host_id'] for copy in HSS_COPIES[file_hash]}) > 1

    run = runner_for(vendors).run(HSS_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    for copy in HSS_COPIES[file_hash]:
        status = hss.backend.isolation_status(copy['host_id'], file_hash, copy['file_path'])
        assert status in ('restoring', 'restored'), copy


@pytest.mark.parametrize('reading', ['item', 'list'])
@pytest.mark.parametrize('blank', ['', '  '])
@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, HSS_PLAYBOOK])
def test_a_blank_host_scope_on_an_incident_that_names_its_host_is_held_whether_xsoar_reads_its_list_as_empty(
        vendors, monkeypatch, playbook, blank, reading):
    """As test_an_empty_host_scope_on_an_incident_that_names_its_host_is_held_not_widened_to_every_host, with the
    caller's host scope a context key holding a blank, mapped through uniq (as the playbooks map the host field)."""
    _, hss = vendors
    if reading == 'list':
        read_a_list_of_one_blank_as_handed(monkeypatch)
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    [file_hash] = incident_hashes(sample)
    own_host = sample.incident['CustomFields']['huaweihsshostid']
    scope = {RESTORE_PLAYBOOK: 'HSSHostID', HSS_PLAYBOOK: 'HostID'}[playbook]
    through_uniq = {'complex': {'root': 'Analyst.ChosenHost', 'transformers': [{'operator': 'uniq'}]}}

    run = runner_for(vendors).run(analyst_branch({scope: through_uniq}, playbook), incident,
                                  dict(sample.context, Analyst={'ChosenHost': blank}))

    assert_held_with_a_note_naming_its_own_host(run, hss, file_hash, own_host)


# The checks drop blanks from HostID before asking, but the tasks that restore (the reputation check, then
# hss-restore-isolated) were handed HostID as it came: a blank host field on an incident naming a hash handed them
# "  " (read as the item) or [""] (read as the list), and a host field holding a blank beside its host handed both.
# The command refuses a list holding a blank (restore_integration's arg_to_list), so nothing was restored. The tasks
# now hand on the value the checks read (trim, RemoveEmpty).
BESIDE_ITS_HOST = 'its host and a blank'  # the host field holding the incident's host and a blank item


def host_field_and_hosts(field):
    """The sample's host field ``field`` (BESIDE_ITS_HOST: its own host and a blank), the hosts that field names."""
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    own_host = sample.incident['CustomFields']['huaweihsshostid']
    if field == BESIDE_ITS_HOST:
        return [own_host, '  '], {own_host}
    return field, set()


@pytest.mark.parametrize('by', ['hash', 'path'])
def test_an_hss_incident_whose_host_field_holds_a_blank_beside_its_host_is_restored_on_that_host_only(vendors, by):
    """As test_hss_false_positive_restores_the_file_on_the_incident_s_host_only (and, with no hash, by host and path),
    with a blank item beside the host: the blank names no host, the restore neither fails on it nor widens."""
    _, hss = vendors
    field, [own_host] = host_field_and_hosts(BESIDE_ITS_HOST)
    sample, incident = blank_host_field(field, *(['filesha256'] if by == 'path' else []))
    [file_hash] = incident_hashes(sample)
    assert {copy['host_id'] for copy in HSS_COPIES[file_hash]} > {own_host}

    run = runner_for(vendors).run(HSS_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    for copy in HSS_COPIES[file_hash]:
        status = hss.backend.isolation_status(copy['host_id'], file_hash, copy['file_path'])
        assert status in (('restoring', 'restored') if copy['host_id'] == own_host else ('isolated',)), copy
    assert not any('FAILED' in note for note in run.notes)


@pytest.mark.parametrize('reading', ['item', 'list'])
@pytest.mark.parametrize('field, by', [('', 'hash'), ('  ', 'hash'), (BESIDE_ITS_HOST, 'hash'),
                                       (BESIDE_ITS_HOST, 'path')])
def test_the_hss_restore_and_its_reputation_check_are_handed_no_blank_host_whether_xsoar_reads_its_list(
        vendors, monkeypatch, field, by, reading):
    """The reputation check and hss-restore-isolated are handed the hosts the checks read in HostID, blanks dropped:
    none for a blank host field (every host that isolated the file), the incident's host beside a blank."""
    if reading == 'list':
        read_a_list_of_one_blank_as_handed(monkeypatch)
    field, hosts = host_field_and_hosts(field)
    sample, incident = blank_host_field(field, *(['filesha256'] if by == 'path' else []))

    run = runner_for(vendors).run(HSS_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    calls = [event for event in run.events if event.command in (GATE_SCRIPT, 'hss-restore-isolated')]
    assert {event.command for event in calls} == {GATE_SCRIPT, 'hss-restore-isolated'}
    for event in calls:
        assert as_list(event.args.get('host_id')) == sorted(hosts), event.line()


# Two notes put the incident's hosts into the command they give an analyst: "no file on the incident's hosts"
# (HostID) and "host scope empty" (the incident's host field). A blank beside the host was printed in it,
# host_id=<host>,  , which hss-restore-isolated refuses for its blank item. They now name the hosts the checks read.
def note_command_restores_on_its_host_only(vendors, run, file_hash, own_host):
    """The one note's command, its SHA256 filled in with ``file_hash`` (isolated on ``own_host`` and on other hosts),
    run in the war room: accepted, and the file restored on ``own_host`` only."""
    _, hss = vendors
    assert not run.failed, run.error
    assert {copy['host_id'] for copy in HSS_COPIES[file_hash]} > {own_host}
    [note] = run.notes
    [command] = [span for span in as_commonmark_reads(note)[0] if span.startswith('!hss-restore-isolated ')]

    entry = run_by_hand(hss, command, file_hash=file_hash)

    assert not entry.failed, entry.entries
    for copy in HSS_COPIES[file_hash]:
        status = hss.backend.isolation_status(copy['host_id'], file_hash, copy['file_path'])
        assert status in (('restoring', 'restored') if copy['host_id'] == own_host else ('isolated',)), copy


@pytest.mark.parametrize('reading', ['item', 'list'])
def test_the_note_on_an_incident_naming_its_hosts_but_no_file_gives_a_command_the_war_room_accepts_beside_a_blank(
        vendors, monkeypatch, reading):
    """An HSS incident whose host field holds its host and a blank, with no SHA256 and no path: nothing is restored,
    and the note's command restores a file on the incident's host."""
    if reading == 'list':
        read_a_list_of_one_blank_as_handed(monkeypatch)
    field, [own_host] = host_field_and_hosts(BESIDE_ITS_HOST)
    sample, incident = blank_host_field(field, 'filesha256', 'huaweihssfilepaths', 'filepath')
    [file_hash] = incident_hashes(sample)  # the file the incident no longer names, to fill the command in with

    run = runner_for(vendors).run(HSS_PLAYBOOK, incident, sample.context)

    assert hss_puts(vendors[1]) == []
    note_command_restores_on_its_host_only(vendors, run, file_hash, own_host)


@pytest.mark.parametrize('reading', ['item', 'list'])
@pytest.mark.parametrize('blank', ['', '  '])
def test_the_held_host_scope_note_gives_a_command_the_war_room_accepts_when_the_host_field_holds_a_blank(
        vendors, monkeypatch, blank, reading):
    """A caller maps HostID to a blank on an incident whose host field holds its host and a blank: held, nothing
    restored, and the note's command restores the file on the incident's host."""
    if reading == 'list':
        read_a_list_of_one_blank_as_handed(monkeypatch)
    field, [own_host] = host_field_and_hosts(BESIDE_ITS_HOST)
    sample, incident = blank_host_field(field)
    [file_hash] = incident_hashes(sample)
    through_uniq = {'complex': {'root': 'Analyst.ChosenHost', 'transformers': [{'operator': 'uniq'}]}}

    run = runner_for(vendors).run(analyst_branch({'HostID': through_uniq}, HSS_PLAYBOOK), incident,
                                  dict(sample.context, Analyst={'ChosenHost': blank}))

    assert hss_puts(vendors[1]) == []
    assert 'nothing was restored' in run.notes[0]
    note_command_restores_on_its_host_only(vendors, run, file_hash, own_host)


@pytest.mark.parametrize('reading', ['item', 'list'])
@pytest.mark.parametrize('blank', ['', '  '])
def test_a_blank_hss_alarm_id_field_sends_no_incident_to_the_hss_restore_whether_xsoar_reads_its_list_as_empty(
        vendors, monkeypatch, blank, reading):
    """A Cortex XDR incident made by hand (its type and File SHA256 field) whose Huawei HSS Alarm ID field is blank:
    no HSS event, so the False Positive playbook restores it in Cortex XDR only, and HSS is not asked (its playbook
    would restore the file on every host that isolated it there)."""
    xdr, hss = vendors
    if reading == 'list':
        read_a_list_of_one_blank_as_handed(monkeypatch)
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    [file_hash] = incident_hashes(sample)
    fields = {'filesha256': file_hash, 'huaweihssalarmid': blank}
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': fields}, 'False Positive')

    run = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, {})

    assert not run.failed, run.error
    assert {sent[0] for sent in restores_sent_to(xdr)} == {file_hash}
    assert hss.gateway.requests == []


@pytest.mark.parametrize('status', ['resolved_false_positive', 'resolved_true_positive'])
@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK, HSS_PLAYBOOK])
def test_a_close_as_false_positive_restores_whatever_the_mirrored_status_says(vendors, playbook, status):
    xdr, hss = vendors
    sample, run = closed_with_mirrored_status(vendors, playbook, 'False Positive', status)

    assert not run.failed, run.error
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == incident_hashes(sample)
    assert not any('no file was restored' in note for note in run.notes)


def test_a_refused_restore_takes_the_error_path_with_steps_to_do_by_hand(vendors):
    xdr, _ = vendors
    sample, run = close_and_run(vendors, 'xdr_false_positive.json',
                                xdr_api_key={'identifier': '', 'password': 'x' * 64})

    assert not run.failed, run.error
    [note] = run.notes
    assert 'FAILED' in note and 'Action Center' in note
    [file_hash] = incident_hashes(sample)
    assert file_hash in note
    assert any(e.get('Type') == 4 and '401' in str(e.get('Contents')) for e in run.entries)
    for endpoint_id in HOLDERS[file_hash]:
        assert file_hash in xdr.backend.quarantined(endpoint_id)


def closed_as_false_positive_naming(vendors, file_hash, context=None):
    """The False Positive sample closed naming ``file_hash`` alone (its XDR File Artifacts row), on ``context`` (the
    sample's, a fresh one, when None)."""
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    fields = sample.incident['CustomFields']
    artifacts = [dict(fields['xdrfileartifacts'][0], file_sha256=file_hash, filesha256=file_hash)]
    incident = close_incident(dict(sample.incident, CustomFields=dict(fields, xdrfileartifacts=artifacts)),
                              sample.close_reason)
    return runner_for(vendors).run(RESTORE_PLAYBOOK, incident, sample.context if context is None else context)


@pytest.mark.parametrize('case', ['never quarantined', 'restored by an earlier close'])
def test_a_restore_cortex_xdr_refuses_for_no_quarantined_copy_gets_a_note_to_check_the_file_not_the_setup(vendors,
                                                                                                           case):
    """Cortex XDR answers "No quarantined file ... on any endpoint": a process image it never quarantined, or a file an
    earlier incident's close gave back (its context not this one's). Nothing is wrong with the instance: the note
    says what Cortex XDR said and to look in the Action Center and on the endpoint, not to fix settings, role or
    license."""
    xdr, _ = vendors
    if case == 'never quarantined':
        file_hash = secrets.token_hex(32)  # a hash no endpoint of the tenant holds
    else:
        [file_hash] = [h for h, holders in HOLDERS.items() if not set(holders) & set(FAILING)][:1]
        first = closed_as_false_positive_naming(vendors, file_hash)
        assert not first.failed, first.error
        assert all(file_hash in xdr.backend.restored(endpoint_id) for endpoint_id in HOLDERS[file_hash])

    run = closed_as_false_positive_naming(vendors, file_hash, context={})

    assert not run.failed, run.error
    assert any(e.get('Type') == 4 and 'No quarantined file' in str(e.get('Contents')) for e in run.entries)
    [note] = [n for n in run.notes if file_hash in n]
    assert 'instance settings' not in note and 'API key role' not in note and 'license' not in note
    assert 'no quarantined copy' in note and 'Action Center' in note
    assert 'back already' in note and 'never quarantined' in note


def test_a_restore_cortex_xdr_accepts_but_includes_no_endpoint_in_gets_a_note_that_none_held_the_file(vendors):
    """A tenant that accepts a restore of a file no endpoint holds as an action including none (endpoints_count 0, the
    seed's "Number of endpoints included in the request"): restore-file records it FAILED, nothing to follow. The
    note says no endpoint held the file quarantined and where to look, not to fix the setup, nor that Cortex XDR
    accepted the restore, so the file may be back."""
    from warroom.emulator.xdr import ReplyShapes
    xdr, _ = vendors
    xdr.backend.empty_restores = True
    xdr.backend.shapes = ReplyShapes(mixed=False)  # the documented reply, which gives endpoints_count
    file_hash = secrets.token_hex(32)  # a hash no endpoint of the tenant holds

    run = closed_as_false_positive_naming(vendors, file_hash, context={})

    assert not run.failed, run.error
    [record] = as_list(get_path(run.context, 'CortexXDR.RestoredFile'))
    assert record['endpoints_count'] == 0 and record['status'] == 'FAILED' and record['action_id']
    [note] = [n for n in run.notes if file_hash in n]
    assert 'instance settings' not in note and 'API key role' not in note and 'may be back' not in note
    assert 'no quarantined copy' in note and 'endpoints_count 0' in note and 'Action Center' in note
    assert 'back already' in note and 'never quarantined' in note


@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK])
def test_a_restore_refused_for_a_setup_fault_keeps_the_note_to_fix_the_setup_beside_an_earlier_empty_action(vendors,
                                                                                                          playbook):
    """An earlier close's restore of the file was accepted as an action including no endpoint (endpoints_count 0);
    closed again, this run's restore is refused for the key (HTTP 401). The check reads only this run's records: the
    earlier one, which the context keeps beside this run's (another action), no longer takes the note to "nothing in
    the setup needs fixing"."""
    from warroom.emulator.xdr import ReplyShapes
    xdr, _ = vendors
    xdr.backend.empty_restores = True
    xdr.backend.shapes = ReplyShapes(mixed=False)  # the documented reply, which gives endpoints_count
    file_hash = secrets.token_hex(32)  # a hash no endpoint of the tenant holds
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    fields = sample.incident['CustomFields']
    artifacts = [dict(fields['xdrfileartifacts'][0], file_sha256=file_hash, filesha256=file_hash)]
    incident = close_incident(dict(sample.incident, CustomFields=dict(fields, xdrfileartifacts=artifacts)),
                              sample.close_reason)
    first = runner_for(vendors).run(playbook, incident, sample.context)
    assert not first.failed, first.error
    [earlier] = as_list(get_path(first.context, 'CortexXDR.RestoredFile'))
    assert earlier['endpoints_count'] == 0 and earlier['status'] == 'FAILED'

    again = runner_for(vendors, xdr_api_key={'identifier': '', 'password': secrets.token_hex(32)}).run(
        playbook, incident, first.context)

    assert not again.failed, again.error
    assert any(e.get('Type') == 4 and '401' in str(e.get('Contents')) for e in again.entries)
    [note] = [n for n in again.notes if 'FAILED' in n or 'no quarantined copy' in n]
    assert 'instance settings, API key role, license' in note and 'no quarantined copy' not in note


def test_a_restore_refused_for_a_setup_fault_keeps_the_note_to_fix_the_setup(vendors):
    """Cortex XDR refuses the key (HTTP 401): the error path's note still says to fix the instance settings, key role
    or license first."""
    _, run = close_and_run(vendors, 'xdr_false_positive.json',
                           xdr_api_key={'identifier': '', 'password': secrets.token_hex(32)})

    assert not run.failed, run.error
    [note] = [n for n in run.notes if 'FAILED' in n]
    assert 'instance settings, API key role, license' in note and 'no quarantined copy' not in note


def test_the_xdr_error_path_note_s_by_hand_restore_is_made_under_the_incident_s_cortex_xdr_incident_as_the_playbook_s(
        vendors):
    """Cortex XDR refuses the playbook's restore (a wrong API key): the error path's note gives "the playbook's
    restore" to run by hand once that is fixed. Run, it goes to Cortex XDR as the playbook's went, under the
    incident's Cortex XDR incident, so that it appears in that incident's timeline in Cortex XDR."""
    xdr, _ = vendors
    sample, run = close_and_run(vendors, 'xdr_false_positive.json',
                                xdr_api_key={'identifier': '', 'password': secrets.token_hex(32)})

    assert not run.failed, run.error
    [note] = [n for n in run.notes if 'FAILED' in n]
    [command] = [parse_line(span) for span in as_commonmark_reads(note)[0] if span.startswith('!restore-file ')]
    entry = WarRoom(params=xdr.params(), time_scale=0, sleep=lambda _: None).run(command.command, command.args)
    assert not entry.failed, entry.entries
    refused, by_hand = [r.body['request_data'] for r in xdr_restores(xdr)]
    assert str(refused['incident_id']) == xdr_incident_id(sample)
    assert by_hand == refused


@pytest.mark.parametrize('name', ['incidents/hss_false_positive.json', 'hss/incident_two_events_by_path.json'])
def test_the_hss_error_path_note_gives_the_by_hand_command_of_the_restore_that_failed_on_the_incident_s_hosts(
        vendors, name):
    """HSS refuses the restore (a wrong secret key): the error path's note gives the command to run by hand once that
    is fixed. Run, it restores what the playbook would have (by hash, or by host and path with no hash) on the
    incident's hosts only, as the playbook limits the restore: a copy of the file on another host stays isolated."""
    _, hss = vendors
    sample = IncidentFile.load(TEST_DATA / name)
    fields = sample.incident['CustomFields']
    hosts, paths = as_list(fields['huaweihsshostid']), as_list(fields.get('huaweihssfilepaths'))
    wanted = {(copy['host_id'], copy['file_hash'], copy['file_path']) for copies in HSS_COPIES.values()
              for copy in copies if copy['host_id'] in hosts and (copy['file_hash'] in as_list(fields.get('filesha256'))
                                                                 or not fields.get('filesha256') and
                                                                 copy['file_path'] in paths)}
    others = {(copy['host_id'], copy['file_hash'], copy['file_path']) for copies in HSS_COPIES.values()
              for copy in copies if copy['host_id'] not in hosts}
    assert wanted and others
    wrong = {'identifier': hss.params()['hss_aksk']['identifier'], 'password': secrets.token_hex(20)}
    run = PlaybookRunner(hss.params(hss_aksk=wrong), time_scale=0, sleep=lambda _: None).run(
        HSS_PLAYBOOK, close_incident(sample.incident, sample.close_reason), sample.context)
    assert not run.failed, run.error
    [note] = [n for n in run.notes if 'FAILED' in n]
    [command] = [span for span in as_commonmark_reads(note)[0] if span.startswith('!hss-restore-isolated ')]

    entry = run_by_hand(hss, command)

    assert not entry.failed, entry.entries
    assert {copy for copy in wanted | others if hss.backend.isolation_status(*copy) == 'restored'} == wanted


def test_an_error_after_the_restore_started_takes_the_error_path_without_calling_the_file_not_restored(vendors):
    """The API key is rotated while the playbook polls: Cortex XDR has started the restore (the file is back on the
    endpoints that could take it) when every status read of the next check is refused. restore-file stops with an
    error entry that names the action still going on; the error path's note must not tell the analyst that Cortex
    XDR did not restore the file, and sends them to the action the error names before any restore by hand."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    waits = []

    def rotate_the_key_at_the_first_wait(seconds):
        if not waits:
            xdr.backend.add_api_key(XDR_KEY_ID, secrets.token_hex(32), auth_type=xdr.auth_type)
        waits.append(seconds)

    runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=rotate_the_key_at_the_first_wait)
    run = runner.run(RESTORE_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    [file_hash] = incident_hashes(sample)
    restored = [e for e in HOLDERS[file_hash] if e not in FAILING]
    assert restored and all(file_hash in xdr.backend.restored(e) for e in restored)  # the restore did happen
    [action_id] = list(xdr.backend.actions)
    [error] = [str(e['Contents']) for e in run.entries if e.get('Type') == 4]
    assert '401' in error and f'action_id=[{action_id}]' in error  # the error names the action to follow
    [note] = run.notes
    assert file_hash in note and 'Action Center' in note
    assert 'did not restore' not in note  # the file is back on most of its endpoints
    assert 'may be back already' in note and 'the error names its action' in note


def test_a_restore_stopped_after_it_started_keeps_the_error_path_note_beside_an_earlier_no_copy_refusal(vendors):
    """An earlier restore of the file on an endpoint that did not hold it was refused, "No quarantined file" (a record
    with no action, which the context keeps beside a later restore's). The playbook then restores the file on every
    endpoint, and the API key is rotated while it polls: Cortex XDR started the restore, every status read is refused.
    The check counts this run's records, the restore it started among them: the note sends the analyst to the action
    the error names, not to "no file was restored"."""
    xdr, _ = vendors
    [file_hash] = [h for h, holders in HOLDERS.items() if set(holders) - set(FAILING)][:1]
    [elsewhere] = [e for e in xdr.backend.endpoints if e not in HOLDERS[file_hash]][:1]
    incident = close_incident({'id': '9', 'CustomFields': {'filesha256': file_hash}}, 'False Positive')
    runner = runner_for(vendors)
    first = runner.run(xdr_playbook_on_endpoints(runner), incident, {'Endpoints': [elsewhere]})
    assert not first.failed, first.error
    [earlier] = as_list(get_path(first.context, 'CortexXDR.RestoredFile'))
    assert 'No quarantined file' in earlier['error'] and 'action_id' not in earlier
    waits = []

    def rotate_the_key_at_the_first_wait(seconds):
        if not waits:
            xdr.backend.add_api_key(XDR_KEY_ID, secrets.token_hex(32), auth_type=xdr.auth_type)
        waits.append(seconds)

    again = PlaybookRunner(xdr.params(), time_scale=0, sleep=rotate_the_key_at_the_first_wait).run(
        XDR_PLAYBOOK, incident, first.context)

    assert not again.failed, again.error
    assert any(file_hash in xdr.backend.restored(e) for e in HOLDERS[file_hash])  # the restore did happen
    assert any(e.get('Type') == 4 and '401' in str(e.get('Contents')) for e in again.entries)
    [note] = [n for n in again.notes if 'FAILED' in n or 'no quarantined copy' in n]
    assert 'no quarantined copy' not in note and 'may be back already' in note


def test_an_hss_incident_without_a_hash_is_restored_by_host_and_path(vendors):
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = dict(sample.incident['CustomFields'])
    fields.pop('filesha256')  # an incident whose mapper found no hash: host and path only
    incident = close_incident(dict(sample.incident, CustomFields=fields), 'False Positive')

    run = runner_for(vendors).run(HSS_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    [put] = hss_puts(hss)
    sent = {(item['host_id'], item['file_path']) for item in put[3]['data_list']}
    assert sent == {(fields['huaweihsshostid'], path) for path in as_list(fields['huaweihssfilepaths'])}



def test_an_hss_incident_naming_only_a_file_path_is_restored_by_the_playbook_as_the_close_s_script_would(vendors):
    """No SHA256 and an empty Huawei HSS File Paths field, but a host and Common Types' File Path (an incident made
    by hand, or its multi select field emptied): the playbook wrote that nothing was restored, then the on-close
    script restored the file by that path, two notes that disagree. The playbook now restores it, on the incident's
    host only, and the close's script, after it, sends nothing again."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = {k: v for k, v in sample.incident['CustomFields'].items()
              if k not in ('filesha256', 'huaweihssfilepaths')}
    host, path = fields['huaweihsshostid'], fields['filepath']
    incident = close_incident(dict(sample.incident, CustomFields=fields), 'False Positive')
    copies = [copy for copies in HSS_COPIES.values() for copy in copies if copy['file_path'] == path]
    assert host in {copy['host_id'] for copy in copies}

    played, closed = close_by_playbook(runner_for(vendors), incident, sample.context, stream=io.StringIO())

    assert not played.failed and not closed.failed, (played.error, closed.error)
    [put] = hss_puts(hss)  # the playbook's; the close's script sends it again to no host
    assert {(item['host_id'], item['file_path']) for item in put[3]['data_list']} == {(host, path)}
    assert not any('nothing was restored' in note for note in played.notes)
    for copy in copies:
        status = hss.backend.isolation_status(copy['host_id'], copy['file_hash'], copy['file_path'])
        assert status in (('restoring', 'restored') if copy['host_id'] == host else ('isolated',))


@pytest.mark.parametrize('playbook', [HSS_PLAYBOOK, RESTORE_PLAYBOOK])
@pytest.mark.parametrize('blank', [' ', [' '], ['', '\t '], ['\u3000']])
def test_an_hss_incident_whose_file_paths_field_holds_blanks_only_is_restored_by_its_file_path(vendors, playbook,
                                                                                             blank):
    """No SHA256, and a Huawei HSS File Paths field of blanks only: HSS lists absolute paths (Linux's start with "/",
    Windows' with a drive), so nothing but whitespace is no path on any OS HSS protects, as the on-close script reads
    it: the file at the File Path field is restored, on the incident's host. The playbook took the blanks for a path,
    restored nothing and wrote no note."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = {**{k: v for k, v in sample.incident['CustomFields'].items() if k != 'filesha256'},
              'huaweihssfilepaths': blank}
    host, path = fields['huaweihsshostid'], fields['filepath']

    run = runner_for(vendors).run(playbook, close_incident(dict(sample.incident, CustomFields=fields),
                                                           'False Positive'), sample.context)

    assert not run.failed, run.error
    [put] = hss_puts(hss)
    assert {(item['host_id'], item['file_path']) for item in put[3]['data_list']} == {(host, path)}


def test_the_hss_note_of_an_incident_naming_a_host_and_no_file_gives_a_command_that_restores_on_that_host(vendors):
    """No SHA256 and no path: nothing to restore, and the note says how to restore by hand once the analyst has
    found the file. Its command named no host, so run as given it restored the file on every host that isolated it;
    it now names the incident's host, and run with the file's hash it restores the copy there only."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = {k: v for k, v in sample.incident['CustomFields'].items()
              if k not in ('filesha256', 'huaweihssfilepaths', 'filepath')}
    incident = close_incident(dict(sample.incident, CustomFields=fields), 'False Positive')
    [file_hash] = incident_hashes(sample)
    host = fields['huaweihsshostid']
    assert {copy['host_id'] for copy in HSS_COPIES[file_hash]} - {host}

    run = runner_for(vendors).run(HSS_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    assert hss_puts(hss) == []
    [note] = run.notes
    [command] = [span for span in as_commonmark_reads(note)[0] if span.startswith('!hss-restore-isolated ')]
    entry = run_by_hand(hss, command.replace('<sha256>', file_hash))
    assert not entry.failed, entry.entries
    for copy in HSS_COPIES[file_hash]:
        status = hss.backend.isolation_status(copy['host_id'], file_hash, copy['file_path'])
        assert status == 'restored' if copy['host_id'] == host else status == 'isolated'



def test_the_hss_summary_of_a_restore_whose_checks_hss_refused_says_the_credentials_were_refused_not_the_agent():
    """The AK/SK pair is regenerated while the playbook's restore polls (the instance not updated): HSS took the
    restore, then refuses the next check with HTTP 401, and hss-restore-isolated stops, its entry naming the 401. The
    summary note sent the analyst to the host's agent; it now says the checks were refused, and to fix the instance's
    credentials and then follow the restore."""
    hss = start_hss_tenant(stage_seconds=30)  # a restore HSS takes 30 s over: a check must follow it
    try:
        sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
        access_key = hss.params()['hss_aksk']['identifier']

        waits = []

        def secret_key_regenerated_at_the_first_wait(seconds):
            if not waits:
                hss.backend.add_access_key(access_key, secrets.token_hex(20))
            waits.append(seconds)

        run = PlaybookRunner(hss.params(), time_scale=0, sleep=secret_key_regenerated_at_the_first_wait).run(
            HSS_PLAYBOOK, close_incident(sample.incident, sample.close_reason), sample.context)
    finally:
        hss.stack.close()

    assert not run.failed, run.error
    assert any('HTTP 401' in json.dumps(entry) for entry in run.entries)  # the integration's own entry names it
    [note] = run.notes
    assert 'restoring' in note  # HSS took the restore: not a failed one
    assert 'agent' not in note  # nothing says the host's agent is behind it
    assert 'refused' in note and 'credentials' in note and 'instance' in note and 'follow' in note


@pytest.mark.parametrize('hosts_reversed', [False, True])
def test_an_hss_incident_of_several_hosts_and_paths_restores_each_path_on_the_hosts_that_isolated_it(
        vendors, hosts_reversed):
    """An incident gathering two HSS events names two hosts and three paths, in lists that do not say which path is
    on which host. hss-restore-isolated paired them position by position and refused lists that do not line up: the
    playbook ended on its error path and restored nothing (and with as many hosts as paths, in another order, it would
    have looked for each path on the wrong host). Each path is now restored on the incident's hosts that HSS lists it
    isolated on, no other copy is touched, and the war room says the hosts and paths were not paired."""
    _, hss = vendors
    sample = IncidentFile.load(TEST_DATA / 'hss' / 'incident_two_events_by_path.json')
    fields = dict(sample.incident['CustomFields'])
    hosts, paths = fields['huaweihsshostid'], fields['huaweihssfilepaths']
    if hosts_reversed:
        fields['huaweihsshostid'] = hosts[::-1]
    before = hss.backend.snapshot()

    run = runner_for(vendors).run(HSS_PLAYBOOK, close_incident(dict(sample.incident, CustomFields=fields),
                                                               sample.close_reason), sample.context)

    assert not run.failed, run.error
    assert not [e for e in run.entries if e.get('Type') == 4], '\n'.join(run.notes)
    # From the seed: the copies isolated at the incident's paths on the incident's hosts, and no other
    wanted = {(copy['host_id'], copy['file_path']) for copies in HSS_COPIES.values() for copy in copies
              if copy['host_id'] in hosts and copy['file_path'] in paths}
    assert {host for host, _ in wanted} == set(hosts) and {path for _, path in wanted} == set(paths)
    sent = [(item['host_id'], item['file_path']) for put in hss_puts(hss) for item in put.body['data_list']]
    assert sorted(sent) == sorted(wanted)
    changed = {(was['host_id'], was['file_path']) for was, now in zip(before, hss.backend.snapshot()) if was != now}
    assert changed == wanted
    rows = as_list(get_path(run.context, 'HuaweiHSS.RestoredFile'))
    assert {(row['host_id'], row['file_path']): row['outcome'] for row in rows} == dict.fromkeys(wanted, 'restored')
    said = '\n'.join(str(entry.get('HumanReadable') or '') for entry in run.entries)
    assert 'not paired' in said, said


@pytest.fixture
def path_on_some_hosts():
    """The incident of two HSS events (two hosts, three paths, not paired), its second path, and the seed's copies of
    that path on the incident's hosts: isolated on some of them, not all."""
    sample = IncidentFile.load(TEST_DATA / 'hss' / 'incident_two_events_by_path.json')
    fields = sample.incident['CustomFields']
    hosts, path = fields['huaweihsshostid'], fields['huaweihssfilepaths'][1]
    copies = [copy for copies in HSS_COPIES.values() for copy in copies
              if copy['host_id'] in hosts and copy['file_path'] == path]
    assert copies and {copy['host_id'] for copy in copies} < set(hosts)  # what the two tests below need
    return sample, path, copies


def run_by_hand(hss, command: str, **args):
    """The war room's run of a by-hand ``command`` line on the emulated HSS, ``args`` added to the line's."""
    line = parse_line(command)
    assert line.command == 'hss-restore-isolated', command
    return WarRoom(params=hss.params(), time_scale=0, sleep=lambda _: None).run(line.command, {**line.args, **args})


def test_the_by_hand_command_for_a_path_held_on_several_hosts_restores_it_on_the_hosts_that_isolated_it(
        vendors, path_on_some_hosts):
    """One path of the incident scored bad: the gate held it and gave, in its note and in
    QuarantineRestore.Gate.held.by_hand, the command that restores it by hand. Run, that command restores the path on
    the incident's hosts HSS lists it isolated on, and reports nothing of the others."""
    _, hss = vendors
    sample, held_path, copies = path_on_some_hosts
    context = {'DBotScore': bad_scores([copies[0]['file_hash']]),
               'File': [{'Path': held_path, 'SHA256': copies[0]['file_hash']}]}
    run = runner_for(vendors).run(HSS_PLAYBOOK, close_incident(sample.incident, sample.close_reason), context)
    assert not run.failed, run.error
    [held] = [item for item in as_list(get_path(run.context, 'QuarantineRestore.Gate.held'))
              if item.get('file_path') == held_path]
    in_note = [span for span in as_commonmark_reads(held_lines(run)[held_path])[0] if span.startswith('!hss-')]
    assert in_note == [held['by_hand']]
    assert hss.backend.isolation_status(copies[0]['host_id'], copies[0]['file_hash'], held_path) == 'isolated'

    entry = run_by_hand(hss, held['by_hand'])

    assert not entry.failed, entry.entries
    rows = as_list(get_path(entry.context, 'HuaweiHSS.RestoredFile'))
    assert {(row['host_id'], row['file_path']): row['outcome'] for row in rows} == {
        (copy['host_id'], held_path): 'restored' for copy in copies}
    assert {copy['host_id']: hss.backend.isolation_status(copy['host_id'], copy['file_hash'], held_path)
            for copy in copies} == {copy['host_id']: 'restored' for copy in copies}


def test_the_by_hand_command_for_a_path_not_sent_again_on_several_hosts_restores_it_where_it_is_isolated_again(
        vendors, path_on_some_hosts):
    """The same incident run again after its paths were restored: a path not sent again got the command that restores
    it by hand should it be isolated again. Isolated again where it was, the path is restored by that command on those
    hosts, and no not_found row is written for the incident's host that never isolated it."""
    _, hss = vendors
    sample, path, copies = path_on_some_hosts
    incident, runner = close_incident(sample.incident, sample.close_reason), runner_for(vendors)
    first = runner.run(HSS_PLAYBOOK, incident, sample.context)
    again = runner.run(HSS_PLAYBOOK, incident, first.context)
    assert not first.failed and not again.failed, (first.error, again.error)
    [command] = [item['by_hand'] for item in as_list(get_path(again.context, 'QuarantineRestore.Gate.covered'))
                 if item.get('file_path') == path]
    assert command in not_sent_lines(again)[path]
    for copy in copies:  # quarantined again where it was
        hss.backend.isolate_file(copy['host_id'], copy['file_hash'], path)

    entry = run_by_hand(hss, command, polling='false')

    assert not entry.failed, entry.entries
    rows = as_list(get_path(entry.context, 'HuaweiHSS.RestoredFile'))
    assert {(row['host_id'], row['file_path']) for row in rows if row['outcome'] != 'not_found'} == {
        (copy['host_id'], path) for copy in copies}
    assert [row for row in rows if row['outcome'] == 'not_found'] == []
    assert {hss.backend.isolation_status(copy['host_id'], copy['file_hash'], path) for copy in copies} <= {
        'restoring', 'restored'}  # HSS took the restore of each copy isolated again


def test_an_incident_with_both_vendors_is_restored_on_both(vendors):
    xdr, hss = vendors
    x = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    h = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    incident = close_incident(dict(x.incident, CustomFields={**x.incident['CustomFields'],
                                                             **h.incident['CustomFields']}), 'False Positive')
    context = {**x.context, **h.context}

    run = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, context)

    assert not run.failed, run.error
    # The XDR branch restores every hash the incident names (the HSS one too: File SHA256 is one field).
    hashes = incident_hashes(IncidentFile(incident, context, None, ''))
    assert len(hashes) == 2 and sorted(r.body['request_data']['file_hash'] for r in xdr_restores(xdr)) == sorted(hashes)
    # The HSS branch restores the HSS event's file on its host (the seed's copy there), and nothing else.
    [hss_hash] = incident_hashes(h)
    [copy] = [c for c in HSS_COPIES[hss_hash] if c['host_id'] == h.incident['CustomFields']['huaweihsshostid']]
    [put] = hss_puts(hss)
    assert [(item['host_id'], item['file_hash']) for item in put.body['data_list']] == [(copy['host_id'], hss_hash)]
    assert hss.backend.isolation_status(copy['host_id'], hss_hash, copy['file_path']) in ('restoring', 'restored')
    assert len(run.notes) == 2
    assert get_path(run.context, 'CortexXDR.RestoredFile') and get_path(run.context, 'HuaweiHSS.RestoredFile')


def test_an_unsupported_task_stops_the_run_naming_the_task(vendors, tmp_path):
    data = yaml.safe_load((ROOT / 'playbooks' / 'playbook-Quarantine_Restore_-_Cortex_XDR.yml').read_text())
    data['tasks']['3']['task'].pop('type')
    data['tasks']['3']['type'] = 'collection'
    path = tmp_path / 'broken.yml'
    path.write_text(yaml.safe_dump(data))
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')

    run = runner_for(vendors).run(Playbook.load(path), close_incident(sample.incident, 'False Positive'),
                                  sample.context)

    assert run.failed
    assert 'task 3' in run.error and data['tasks']['3']['task']['name'] in run.error and 'collection' in run.error


def one_task(kind_body, **raw):
    """A playbook of one regular task (``kind_body``: its task body beside name and type) between start and end."""
    def task(task_id, kind, name, follow, **raw):
        return Task(task_id, kind, name, {'type': kind, 'task': {'name': name, 'type': kind, **raw.pop('body', {})},
                                          'nexttasks': {'#none#': follow} if follow else {}, **raw})
    tasks = [task('0', 'start', '', ['1']), task('1', 'regular', 'the task', ['2'], body=kind_body, **raw),
             task('2', 'title', 'Done', [])]
    return Playbook('one task', 'one task', '0', {t.id: t for t in tasks})


class _SetsGiven:
    """A script that calls Set with ``value``, as a pack script's executeCommand('Set') does."""
    value: object = None
    answers: list = []

    @classmethod
    def main(cls, demisto):
        cls.answers.append(demisto.executeCommand('Set', {'key': 'Kept.Value', 'value': cls.value}))
        demisto.results('ok')


# demisto/content's Set.yml declares value required (Packs/CommonScripts/Scripts/Set/Set.yml), and XSOAR refuses a
# required argument left empty: a mandatory argument "empty/missing" raises an error in the playbook (demisto/content
# pull request 748), and `!set` "provides an error when setting an empty value" (pull request 5393, which added
# SetAndHandleEmpty for it). The war room's Set deleted the key instead, so a playbook that relied on it passed here.
@pytest.mark.parametrize('given', [None, [], '  '], ids=repr)
def test_a_set_task_given_no_value_is_an_error_entry_naming_value_and_leaves_the_key_as_it_was(given):
    held = {'Kept': {'Value': 'earlier'}, **({} if given is None else {'Given': given})}
    playbook = one_task({'scriptName': 'Set'}, scriptarguments={'key': {'simple': 'Kept.Value'},
                                                                'value': {'simple': '${Given}'}})

    run = PlaybookRunner({}).run(playbook, {'id': '1'}, held)

    assert run.failed and 'Set' in run.error and 'value is required' in run.error
    assert run.context['Kept'] == {'Value': 'earlier'}


@pytest.mark.parametrize('given', [None, [], '', [''], '  '], ids=repr)
def test_a_script_s_set_call_given_no_value_answers_with_an_error_entry_naming_value_and_leaves_the_key(
        monkeypatch, given):
    _SetsGiven.value, _SetsGiven.answers = given, []
    monkeypatch.setattr('warroom.playbook.runner._load_script', lambda name: _SetsGiven)

    run = PlaybookRunner({}).run(one_task({'scriptName': 'StandIn'}), {'id': '1'}, {'Kept': {'Value': 'earlier'}})

    assert not run.failed, run.error
    [[entry]] = _SetsGiven.answers
    assert entry['Type'] == 4 and 'value is required' in entry['Contents']
    assert run.context['Kept'] == {'Value': 'earlier'}


def test_a_set_task_whose_key_passes_through_a_value_that_is_not_an_object_is_an_error_entry_leaving_the_value():
    held = {'Kept': 'a text'}
    playbook = one_task({'scriptName': 'Set'}, scriptarguments={'key': {'simple': 'Kept.Value'},
                                                                'value': {'simple': 'new'}})

    run = PlaybookRunner({}).run(playbook, {'id': '1'}, held)

    assert run.failed and 'Set: Kept.Value' in run.error and 'not an object' in run.error
    assert run.context['Kept'] == 'a text'


def test_a_task_whose_entry_has_no_text_prints_its_line_and_no_blank_line_after_it(capsys):
    # DeleteContext that finds none of its keys answers with an empty note (DeleteContext.js says nothing then)
    playbook = one_task({'scriptName': 'DeleteContext'}, scriptarguments={'key': {'simple': 'Gone.Key'},
                                                                          'subplaybook': {'simple': 'auto'}})

    run = PlaybookRunner({}, on_event=print_event).run(playbook, {'id': '1'}, {})

    assert not run.failed, run.error
    printed = capsys.readouterr().out.splitlines()
    assert any('DeleteContext' in line for line in printed), printed
    assert all(line.strip() for line in printed), printed


def test_every_task_of_every_playbook_is_reachable_and_leads_to_existing_tasks():
    for playbook in PlaybookLibrary():
        reached, queue = set(), [playbook.start]
        while queue:
            task_id = queue.pop()
            if task_id in reached:
                continue
            reached.add(task_id)
            for targets in playbook.tasks[task_id].next.values():
                assert set(targets) <= set(playbook.tasks), (playbook.name, task_id)
                queue.extend(targets)
        assert reached == set(playbook.tasks), playbook.name
        ends = [t for t in playbook.tasks.values() if not t.next]
        assert [t.type for t in ends] == ['title'], playbook.name  # one end, no dead end elsewhere


def test_close_from_the_command_line_prints_the_timeline_and_writes_the_context(tmp_path):
    out = tmp_path / 'context.json'
    done = subprocess.run([sys.executable, '-m', 'warroom', 'close', str(INCIDENTS / 'hss_false_positive.json'),
                           '--reason', 'False Positive', '--context-out', str(out), '--time-scale', '0'],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert '!hss-restore-isolated' in done.stdout and 'NOTE:' in done.stdout
    assert get_path(json.loads(out.read_text()), 'HuaweiHSS.RestoredFile.outcome')


def test_close_through_the_playbook_runs_the_hss_type_s_post_processing_script_after_the_playbook_ends(tmp_path):
    """The analyst-decision branch as XSOAR runs it: the playbook to its end, then its closeInvestigation, which runs
    the script the incident's type names; the context written still holds the playbook's records."""
    out = tmp_path / 'context.json'
    done = subprocess.run([sys.executable, '-m', 'warroom', 'close', str(INCIDENTS / 'hss_false_positive.json'),
                           '--context-out', str(out), '--time-scale', '0'],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    ended = lines.index(next(line for line in lines if line.startswith('Playbook completed')))
    script = next(i for i, line in enumerate(lines) if line.startswith('[post-processing]'))
    assert ended < script and 'QuarantineRestoreOnClose' in lines[script] and 'closeInvestigation' in lines[script - 1]
    # each writes one summary note: counted in the singular, the playbook's many tasks in the plural
    assert re.fullmatch(r'Playbook completed: \d+ tasks, 1 note\.', lines[ended]), lines[ended]
    assert lines[-1] == 'Post-processing script completed: 1 note.'
    context = json.loads(out.read_text())
    assert get_path(context, 'HuaweiHSS.RestoredFile.outcome')


def test_close_without_a_reason_is_refused(tmp_path):
    sample = json.loads((INCIDENTS / 'xdr_no_hash.json').read_text())
    sample.pop('close')
    path = tmp_path / 'incident.json'
    path.write_text(json.dumps(sample))
    done = subprocess.run([sys.executable, '-m', 'warroom', 'close', str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and '--reason' in done.stderr


def vendor_of(sample) -> str:
    return 'hss' if 'HSS' in sample.incident.get('type', '') else 'xdr'


def xdr_state(xdr):
    return {e: (sorted(xdr.backend.quarantined(e)), sorted(xdr.backend.restored(e)))
            for e in sorted(xdr.backend.endpoints)}


COVERS = {RESTORE_PLAYBOOK: {'xdr', 'hss'}, XDR_PLAYBOOK: {'xdr'}, HSS_PLAYBOOK: {'hss'}}


@pytest.mark.parametrize('playbook', sorted(COVERS))
@pytest.mark.parametrize('name', sorted(p.name for p in INCIDENTS.glob('*.json')))
def test_every_playbook_on_every_sample_ends_with_a_note_and_touches_only_what_it_should(vendors, playbook, name):
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / name)
    before_xdr, before_hss = xdr_state(xdr), hss.backend.snapshot()

    _, run = close_and_run(vendors, name, playbook=playbook)

    assert not run.failed, run.error
    # The war room's last entry is the analyst's note: from a note task, or an entry that marks itself a note.
    [(event, entry)] = [(event, entry) for event in run.events for entry in event.entries][-1:]
    assert (event.note or entry.get('Note')) and entry['Type'] == facts.ENTRY_NOTE, event.line()
    hashes = incident_hashes(sample) - known_bad(sample.context)  # known bad is never restored automatically
    should_restore = sample.close_reason == 'False Positive' and bool(hashes)
    xdr_changed, hss_changed = xdr_state(xdr) != before_xdr, hss.backend.snapshot() != before_hss
    assert xdr_changed == (should_restore and vendor_of(sample) == 'xdr' and 'xdr' in COVERS[playbook])
    assert hss_changed == (should_restore and vendor_of(sample) == 'hss' and 'hss' in COVERS[playbook])
    if not should_restore:
        assert xdr_restores(xdr) == [] and hss_puts(hss) == []


def test_where_branches_join_the_join_runs_after_every_branch(vendors):
    _, run = close_and_run(vendors, 'hss_false_positive.json')

    order = [(e.playbook, e.task) for e in run.events]
    parent_done = order.index((RESTORE_PLAYBOOK, '99'))
    assert parent_done == len(order) - 1  # the parent's Done comes after both vendor branches
    assert all(order.index((RESTORE_PLAYBOOK, t)) < parent_done for t in ('4', '5', '7'))


def test_a_minimized_lite_incident_gets_its_hashes_from_xdr_get_incident_extra_data_and_restores_them(vendors):
    xdr, _ = vendors
    sample, run = close_and_run(vendors, 'xdr_lite_minimized.json')

    assert not run.failed, run.error
    fields = sample.incident['CustomFields']
    assert not fields.get('filesha256') and not fields.get('xdrfileartifacts')  # minimized: nothing to go on
    called = [e for e in run.events if e.command == 'xdr-get-incident-extra-data']
    assert [e.args for e in called] == [{'incident_id': xdr_incident_id(sample)}]
    hashes = {a['file_sha256'] for a in recorded_artifacts(sample)}
    assert hashes and {r.body['request_data']['file_hash'] for r in xdr_restores(xdr)} == hashes
    for file_hash in hashes:
        for endpoint_id in HOLDERS[file_hash]:
            assert file_hash in xdr.backend.restored(endpoint_id)


def test_a_minimized_incident_whose_file_artifacts_cortex_xdr_ir_could_not_read_gets_a_note_that_says_so(
        vendors, tmp_path):
    """xdr-get-incident-extra-data fails (Cortex XDR refuses the read): the incident's file artifacts were never read,
    so the note must not tell the analyst the incident and Cortex XDR name no SHA256 (which would read as nothing to
    restore); it says the read failed, points to its error, and what to do, and nothing is sent."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_lite_minimized.json')
    replies = tmp_path / 'Cortex XDR - IR' / 'xdr-get-incident-extra-data'
    replies.mkdir(parents=True)
    refused = load_json(TEST_DATA / 'xsoar' / 'xdr_get_incident_extra_data_refused.json')['entry']
    (replies / f'{xdr_incident_id(sample)}.json').write_text(json.dumps([refused]))
    runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None,
                            others=OtherIntegrations(replies_dir=tmp_path))

    run = runner.run(RESTORE_PLAYBOOK, close_incident(sample.incident, sample.close_reason), sample.context)

    assert not run.failed, run.error
    assert xdr.gateway.requests == []
    [read] = [e for e in run.events if e.command == 'xdr-get-incident-extra-data' and not e.caller]
    assert read.outcome == 'error -> error path'
    [note] = run.notes
    assert 'file artifacts Cortex XDR holds' not in note  # not known: they were not read
    assert '!xdr-get-incident-extra-data' in note and 'error entry above' in note
    assert f'incident_id={xdr_incident_id(sample)}' in note and '!restore-file file_hash=<sha256>' in note


def test_without_cortex_xdr_ir_a_minimized_incident_gets_a_note_naming_it_and_no_request(vendors):
    xdr, hss = vendors
    _, run = close_and_run(vendors, 'xdr_lite_minimized.json', enabled={'Quarantine Restore'})

    assert not run.failed, run.error
    assert xdr.gateway.requests == [] and hss_puts(hss) == []
    [note] = run.notes
    assert 'Cortex XDR - IR' in note and 'Minimize Incident Information' in note


def test_without_an_enabled_quarantine_restore_instance_the_note_says_so_and_no_vendor_is_asked(vendors):
    xdr, hss = vendors
    _, run = close_and_run(vendors, 'xdr_false_positive.json', enabled={'Cortex XDR - IR'})

    assert not run.failed, run.error
    assert xdr.gateway.requests == [] and hss.gateway.requests == []
    [note] = run.notes
    assert 'no instance of the Quarantine Restore integration is enabled' in note
    assert 'failed' not in note.lower()  # not blamed on a vendor


@pytest.mark.parametrize('playbook, name', [(XDR_PLAYBOOK, 'xdr_false_positive.json'),
                                            (HSS_PLAYBOOK, 'hss_false_positive.json')])
def test_without_an_enabled_quarantine_restore_instance_a_vendor_playbook_s_restore_takes_its_error_path(
        vendors, playbook, name):
    # XSOAR runs a command only on an enabled instance of an integration that has it; with none, the task errors.
    xdr, hss = vendors
    _, run = close_and_run(vendors, name, playbook=playbook, enabled={'Cortex XDR - IR'})

    assert not run.failed, run.error
    assert xdr_restores(xdr) == [] and hss_puts(hss) == []
    [restore] = [e for e in run.events if e.command in ('restore-file', 'hss-restore-isolated') and not e.caller]
    assert restore.outcome == 'error -> error path'
    assert any('Quarantine restore FAILED' in note for note in run.notes)


@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'xdr_legacy_fields_removed.json'])
def test_both_grid_key_forms_of_xdr_file_artifacts_are_read(vendors, name):
    xdr, _ = vendors
    sample, run = close_and_run(vendors, name)

    assert not run.failed, run.error
    assert not [e for e in run.events if e.command == 'xdr-get-incident-extra-data']
    rows = sample.incident['CustomFields']['xdrfileartifacts']
    assert {r.body['request_data']['file_hash'] for r in xdr_restores(xdr)} == {row['file_sha256'] for row in rows}


def written_paths(value, prefix: str) -> set[str]:
    """The dotted paths a context value writes, down to its leaves (an empty object or list is a leaf)."""
    if isinstance(value, list) and value:
        return set().union(*(written_paths(item, prefix) for item in value))
    if isinstance(value, dict) and value:
        return set().union(*(written_paths(inner, f'{prefix}.{key}') for key, inner in value.items()))
    return {prefix}


def declared_outputs(brand: str, command: str) -> set[str]:
    """The context paths the other pack's YAML declares for the command (test_data/xsoar/dependencies.json)."""
    data = json.loads((TEST_DATA / 'xsoar' / 'dependencies.json').read_text(encoding='utf-8'))
    integrations = [i for pack in data['packs'].values() for b, i in (pack.get('integrations') or {}).items()
                    if b == brand and command in i['commands']]
    [declared] = [i['commands'][command] for i in integrations] or [data['generic_commands'][command]]
    return set(declared['outputs'])


def test_recorded_replies_of_other_integrations_write_only_what_their_yaml_declares():
    others = OtherIntegrations(enabled={p.name for p in REPLIES_DIR.iterdir()})
    replies = sorted(REPLIES_DIR.glob('*/*/*.json'))
    assert replies  # Cortex XDR - IR's and VirusTotal's recorded replies
    for path in replies:
        brand, command = path.parent.parent.name, path.parent.name
        spec = others.commands[command]
        assert spec.brand in (brand, '')  # its own integration's, or a generic command (file) any may answer
        assert others.run(brand, command, {spec.required[0]: path.stem})
        declared = declared_outputs(brand, command)
        written = set()
        for entry in json.loads(path.read_text(encoding='utf-8')):
            for key, value in (entry.get('EntryContext') or {}).items():
                written |= written_paths(value, key.split('(')[0])
        assert written, path  # a reply that writes nothing would prove nothing here
        # each leaf declared, or an empty object or list where the YAML declares what it would hold
        undeclared = {p for p in written if p not in declared and not any(o.startswith(p + '.') for o in declared)}
        assert undeclared == set(), (path.name, sorted(undeclared))


def sample_file_artifacts():
    """(where, artifact) for every Cortex XDR file artifact the samples and recorded replies hold: an incident's XDR
    File Artifacts rows (CortexXDRIR's legacy copy, filesignaturestatus, beside the snake_case key), its context's
    PaloAltoNetworksXDR.Incident, and xdr-get-incident-extra-data's Contents and context."""
    for path in sorted(INCIDENTS.glob('*.json')):
        sample = IncidentFile.load(path)
        for row in sample.incident.get('CustomFields', {}).get('xdrfileartifacts') or []:
            yield path.name, row
            yield path.name, {'file_signature_status': row.get('filesignaturestatus')}
        for artifact in as_list(get_path(sample.context, 'PaloAltoNetworksXDR.Incident.file_artifacts')):
            yield path.name, artifact
    for path in sorted((REPLIES_DIR / 'Cortex XDR - IR').glob('*/*.json')):
        for entry in json.loads(path.read_text(encoding='utf-8')):
            yield from ((path.name, a) for a in entry['Contents']['file_artifacts']['data'])
            yield from ((path.name, a) for a in facts.context_at(entry['EntryContext'], XDR_INCIDENT)['file_artifacts'])


def test_the_samples_xdr_file_artifacts_give_their_signature_status_as_cortex_xdr_writes_it():
    artifacts = list(sample_file_artifacts())
    assert artifacts  # xdr_false_positive.json's and the recorded reply of incident 415's, at least
    wrong = {(where, a.get('file_signature_status')) for where, a in artifacts
             if a.get('file_signature_status') is not None
             and not str(a['file_signature_status']).startswith(facts.XDR_SIGNATURE_STATUS_PREFIX)}
    assert wrong == set()


def test_the_samples_xdr_file_artifacts_hold_every_key_cortex_xdr_gives_one():
    # The rows themselves, not the signature-status stand-ins sample_file_artifacts adds for the legacy key.
    artifacts = [(where, a) for where, a in sample_file_artifacts() if set(a) != {'file_signature_status'}]
    assert artifacts
    missing = {(where, key) for where, a in artifacts for key in facts.XDR_FILE_ARTIFACT_KEYS if key not in a}
    assert missing == set()
    # an XDR File Artifacts row's legacy copies (drop_field_underscore) are the snake_case keys' values, as they are
    for where, row in artifacts:
        copies = {key.replace('_', ''): row[key] for key in facts.XDR_FILE_ARTIFACT_KEYS if '_' in key}
        assert {key: row[key] for key in copies if key in row} == {key: copies[key] for key in copies if key in row}


def test_every_paloaltonetworksxdr_incident_record_holds_what_xdr_get_incident_extra_data_writes():
    records = [(path.name, record) for path in sorted(INCIDENTS.glob('*.json'))
               for record in as_list(get_path(IncidentFile.load(path).context, 'PaloAltoNetworksXDR.Incident'))]
    for path in sorted((REPLIES_DIR / 'Cortex XDR - IR').glob('xdr-get-incident-extra-data/*.json')):
        records += [(path.name, value) for entry in json.loads(path.read_text(encoding='utf-8'))
                    for key, value in entry['EntryContext'].items()
                    if key.split('(')[0] == 'PaloAltoNetworksXDR.Incident']
    assert any(where.startswith('xdr_') for where, _ in records)  # a sample's context holds one, at least
    missing = {(where, key) for where, record in records for key in facts.XDR_INCIDENT_RECORD_KEYS if key not in record}
    assert missing == set()


def test_the_recorded_xdr_alerts_give_host_ip_as_cortex_xdr_does_and_host_ip_list_as_cortexxdrir_splits_it():
    alerts = 0
    for path in sorted((REPLIES_DIR / 'Cortex XDR - IR').glob('xdr-get-incident-extra-data/*.json')):
        for entry in json.loads(path.read_text(encoding='utf-8')):
            raw = entry['Contents']['alerts']['data']
            written = facts.context_at(entry['EntryContext'], XDR_INCIDENT)['alerts']
            for alert in raw:
                alerts += 1
                assert 'host_ip' in alert and (alert['host_ip'] is None or isinstance(alert['host_ip'], str)), path.name
                split = alert['host_ip'].split(facts.XDR_ALERT_HOST_IP_SEPARATOR) if alert['host_ip'] else []
                assert alert['host_ip_list'] == split, path.name
            assert [a['host_ip_list'] for a in written] == [a['host_ip_list'] for a in raw], path.name
    assert alerts


XDR_ENDPOINT = 'Endpoint(val.Hostname==obj.Hostname)'  # where xdr-get-incident-extra-data writes the alerts' hosts


def written_beside(incident) -> dict:
    """What get_incident_extra_data_command (demisto/content CortexXDRIR.py) writes beside the incident record: an
    Endpoint entry, Hostname, for each alert naming a host (XDR_ENDPOINT), and, through CoreIRApiModule's
    get_indicators_context, a File entry (at Common.File.CONTEXT_PATH) for each alert's action file (Name, Path,
    SHA256, MD5: action_file_name, _path, _sha256, _md5) then each file artifact (Name, SHA256: file_name,
    file_sha256), nulls left out, none when empty. (It also writes SHA265, a misspelt copy of SHA256 kept "for backward
    compatibility", which CortexXDRIR.yml does not declare: the samples keep to the declared outputs.)"""
    fields = {'Name': 'action_file_name', 'Path': 'action_file_path', 'SHA256': 'action_file_sha256',
              'MD5': 'action_file_md5'}
    hosts = [{'Hostname': alert['host_name']} for alert in incident['alerts'] if alert.get('host_name')]
    files = [{key: alert[name] for key, name in fields.items() if alert.get(name) is not None}
             for alert in incident['alerts']]
    files += [{key: artifact[name] for key, name in (('Name', 'file_name'), ('SHA256', 'file_sha256'))
               if artifact.get(name) is not None} for artifact in incident['file_artifacts']]
    written = {XDR_ENDPOINT: hosts, facts.COMMON_FILE_CONTEXT_PATH: [f for f in files if f]}
    return {key: value for key, value in written.items() if value}


def test_the_recorded_xdr_extra_data_writes_the_file_and_endpoint_entries_cortexxdrir_derives_from_the_incident():
    checked = 0
    for path in sorted((REPLIES_DIR / 'Cortex XDR - IR').glob('xdr-get-incident-extra-data/*.json')):
        for entry in json.loads(path.read_text(encoding='utf-8')):
            written = entry['EntryContext']
            beside = written_beside(facts.context_at(written, XDR_INCIDENT))
            assert {key: value for key, value in written.items() if key.split('(')[0] != XDR_INCIDENT} == beside
            checked += XDR_ENDPOINT in beside
    assert checked  # a recorded alert names its host, at least


def test_a_sample_context_holding_a_cortex_xdr_incident_record_holds_what_cortexxdrir_writes_beside_it():
    # The record is in a context only once xdr-get-incident-extra-data ran, whose entry writes the alerts' hosts and
    # files beside it (written_beside): XSOAR merged them by their DT keys, so merging them again changes nothing.
    checked = 0
    for path in sorted(INCIDENTS.glob('*.json')):
        context = IncidentFile.load(path).context
        for record in as_list(get_path(context, XDR_INCIDENT)):
            merged = json.loads(json.dumps(context))
            merge_entry_context(merged, written_beside(record))
            assert merged == context, path.name
            checked += 1
    assert checked  # a sample's context holds a record, at least


def test_the_cortex_xdr_samples_are_named_as_cortexxdrir_names_the_incidents_it_fetches():
    replies = REPLIES_DIR / 'Cortex XDR - IR' / 'xdr-get-incident-extra-data'
    samples = [IncidentFile.load(path) for path in sorted(INCIDENTS.glob('xdr_*.json'))]
    assert samples
    for sample in samples:
        incident_id = sample.incident['CustomFields']['xdrincidentid']
        head = facts.XDR_INCIDENT_NAME.format(incident_id=incident_id, description='')
        name = sample.incident['name']
        assert name.startswith(head) and name[len(head):].strip(), name
        recorded = replies / f'{incident_id}.json'
        if recorded.exists():  # Cortex XDR's description of that incident
            [entry] = json.loads(recorded.read_text(encoding='utf-8'))
            assert name == facts.XDR_INCIDENT_NAME.format(
                incident_id=incident_id, description=entry['Contents']['incident']['description'])


def test_the_cortex_xdr_samples_give_when_they_occurred_as_cortexxdrir_does():
    replies = REPLIES_DIR / 'Cortex XDR - IR' / 'xdr-get-incident-extra-data'
    samples = [IncidentFile.load(path) for path in sorted(INCIDENTS.glob('xdr_*.json'))]
    assert samples
    for sample in samples:
        occurred = sample.incident.get('occurred')
        assert isinstance(occurred, str), sample.incident['name']
        datetime.strptime(occurred, facts.XDR_OCCURRED_FORMAT)  # raises for any other form
        recorded = replies / f'{sample.incident["CustomFields"]["xdrincidentid"]}.json'
        if recorded.exists():  # the creation_time Cortex XDR gives the incident
            [entry] = json.loads(recorded.read_text(encoding='utf-8'))
            created = entry['Contents']['incident']['creation_time']
            assert occurred == datetime.fromtimestamp(created / 1000, timezone.utc).strftime(facts.XDR_OCCURRED_FORMAT)


def test_the_cortex_xdr_samples_severity_is_what_the_cortex_xdr_incoming_mapper_makes_of_cortex_xdr_s():
    replies = REPLIES_DIR / 'Cortex XDR - IR' / 'xdr-get-incident-extra-data'
    checked = 0
    for path in sorted(INCIDENTS.glob('xdr_*.json')):
        sample = IncidentFile.load(path)
        given = {record.get('severity') for record in as_list(get_path(sample.context, 'PaloAltoNetworksXDR.Incident'))}
        recorded = replies / f'{sample.incident["CustomFields"]["xdrincidentid"]}.json'
        if recorded.exists():  # the severity Cortex XDR gives the incident
            given |= {entry['Contents']['incident']['severity'] for entry in json.loads(recorded.read_text('utf-8'))}
        for severity in given - {None}:
            checked += 1
            assert sample.incident['severity'] == facts.XDR_SEVERITY_TO_XSOAR[severity], (path.name, severity)
    assert checked  # a sample's context or recorded reply gives the incident's severity, at least


def test_every_cortex_xdr_sample_has_a_severity_the_incoming_mapper_can_make():
    # CortexXDRIR's fetch_incidents sets no severity (name, occurred, rawJSON, owner): the incoming mapper makes it,
    # replacing low, medium and high by 1, 2 and 3 and nothing else, so no fetched incident gets a 4 (critical) from it.
    made = set(facts.XDR_SEVERITY_TO_XSOAR.values())
    severities = {path.name: IncidentFile.load(path).incident['severity']
                  for path in sorted(INCIDENTS.glob('xdr_*.json'))}
    assert severities and {name: severity for name, severity in severities.items() if severity not in made} == {}


def test_recorded_reputation_entries_write_file_and_dbotscore_as_commandresults_does():
    entries = [(path.parent.parent.name, entry) for path in sorted(REPLIES_DIR.glob('*/file/*.json'))
               for entry in json.loads(path.read_text(encoding='utf-8'))]
    entries += [(path.name, json.loads(path.read_text(encoding='utf-8'))['entry'])
                for path in sorted((TEST_DATA / 'xsoar' / 'entries').glob('*.json'))]
    written = [(where, key, value) for where, entry in entries for key, value in entry['EntryContext'].items()
               if key.split('(')[0] in ('File', 'DBotScore')]
    assert {key.split('(')[0] for _, key, _ in written} == {'File', 'DBotScore'}
    wrong = {(where, key.split('(')[0]) for where, key, value in written
             if key not in (facts.COMMON_FILE_CONTEXT_PATH, facts.COMMON_DBOTSCORE_CONTEXT_PATH)
             or not isinstance(value, list)}
    assert wrong == set()


def test_no_print_note_holds_an_angle_bracket_word_markdown_would_take_for_an_html_tag():
    # Print's entries are markdown (CommonScripts Print.yml: "Markdown supported"), and CommonMark reads "<sha256>" as
    # a raw HTML tag, which a war room may drop: a placeholder stays inside a code span, where it is shown as written.
    tag = re.compile(r'<[A-Za-z][A-Za-z0-9-]*>')
    notes = 0
    for path in sorted((ROOT / 'playbooks').glob('playbook-*.yml')):
        for task in yaml.safe_load(path.read_text(encoding='utf-8'))['tasks'].values():
            if task.get('task', {}).get('scriptName') != 'Print' and task.get('task', {}).get('script') != 'Print':
                continue
            notes += 1
            text = str(((task.get('scriptarguments') or {}).get('value') or {}).get('simple', ''))
            outside_code = re.sub(r'`[^`]*`', '', text)
            assert not tag.search(outside_code), (path.name, task['id'], tag.search(outside_code).group())
    assert notes  # every playbook ends its branches with a Print note: there were notes to read


@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'xdr_lite_minimized.json'])
def test_a_reopened_incident_closed_again_sends_no_second_restore_and_the_note_says_it_was_already_restored(
        vendors, name):
    """Closed as False Positive, reopened, closed again: the playbook runs a second time on the context the first run
    left. Cortex XDR holds no quarantined copy of a restored file any more, so a second restore-file is refused and
    the error path's note would call the restore FAILED although the file is back."""
    xdr, _ = vendors
    sample, first = close_and_run(vendors, name)
    assert not first.failed, first.error
    sent = len(xdr_restores(xdr))
    assert sent >= 1

    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    again = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, first.context)

    assert not again.failed, again.error
    assert len(xdr_restores(xdr)) == sent  # no second action
    assert not any(e.get('Type') == 4 for e in again.entries)
    notes = '\n'.join(again.notes)
    assert 'FAILED' not in notes
    for file_hash in incident_hashes(sample):
        assert file_hash in notes and 'was not run again' in notes
    for record in as_list(get_path(first.context, 'CortexXDR.RestoredFile')):
        assert f'(action {record["action_id"]})' in notes  # the action that gave the file back


def given_back_by_hand_then_found_nowhere(vendors, name, empty_restores):
    """(sample, its hashes, the context, the restores sent so far): the playbook restored the incident's files; every
    copy a restore left quarantined is then given back by hand in Cortex XDR, and an analyst runs restore-file on
    every endpoint holding them: Cortex XDR finds no quarantined copy left (an action including no endpoint, or
    refused so)."""
    xdr, _ = vendors
    sample, first = close_and_run(vendors, name)
    assert not first.failed, first.error
    hashes = incident_hashes(sample)
    for endpoint in xdr.backend.endpoints.values():  # a copy the restore left quarantined is given back by hand
        for file_hash in hashes:
            endpoint.quarantined.pop(file_hash, None)
    xdr.backend.empty_restores = empty_restores
    by_hand = WarRoom(params=xdr.params(), context=json.loads(json.dumps(first.context)), time_scale=0,
                      sleep=lambda _: None)
    by_hand.run('restore-file', {'file_hash': ','.join(hashes)})
    latest = {r['file_hash']: r for r in as_list(get_path(by_hand.context, 'CortexXDR.RestoredFile'))}
    assert all('endpoints' not in latest[h] and latest[h]['status'] == 'FAILED' for h in hashes), latest
    return sample, hashes, by_hand.context, len(xdr_restores(xdr))


@pytest.mark.parametrize('empty_restores', [True, False], ids=['included_no_endpoint', 'refused'])
@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'xdr_lite_minimized.json'])
def test_a_restore_by_hand_that_found_no_quarantined_copy_does_not_make_the_gate_send_the_restore_again(
        vendors, name, empty_restores):
    """The playbook restored the incident's files; an analyst then runs restore-file by hand on every endpoint holding
    them, and Cortex XDR finds no quarantined copy left (an action including no endpoint, or refused so). That record,
    the latest, only confirms the file is back: closed again, the gate still reads the playbook's restore as covering
    the file, and sends no second one."""
    xdr, _ = vendors
    sample, hashes, context, sent = given_back_by_hand_then_found_nowhere(vendors, name, empty_restores)

    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    again = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, context)

    assert not again.failed, again.error
    assert len(xdr_restores(xdr)) == sent  # no second action
    notes = '\n'.join(again.notes)
    for file_hash in hashes:
        assert file_hash in notes and 'was not run again' in notes


@pytest.mark.parametrize('empty_restores', [True, False], ids=['included_no_endpoint', 'refused'])
def test_a_reclose_after_a_restore_with_failures_and_one_that_found_no_quarantined_copy_says_so_not_still_quarantined(
        vendors, empty_restores):
    """The playbook's restore gave the sample's file back with failures (COMPLETED_WITH_FAILURES: the seed's restore
    fails on one endpoint), leaving it quarantined there; it is then given back there by hand in Cortex XDR (or
    deleted), and restore-file on every endpoint holding it finds no quarantined copy anywhere. Closed again, the gate
    sends nothing, and its line no longer says the file is still quarantined where the restore failed, which is false
    now: it says what is known, that the later restore found no quarantined copy, naming that restore."""
    xdr, _ = vendors
    sample, [file_hash], context, sent = given_back_by_hand_then_found_nowhere(vendors, 'xdr_false_positive.json',
                                                                               empty_restores)
    first, later = [r for r in as_list(get_path(context, 'CortexXDR.RestoredFile')) if r['file_hash'] == file_hash]
    assert first['status'] == 'COMPLETED_WITH_FAILURES' and first['endpoint_id'] == later['endpoint_id'] == ''

    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    again = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, context)

    assert not again.failed, again.error
    assert len(xdr_restores(xdr)) == sent  # no second action
    [line] = [line for line in '\n'.join(again.notes).splitlines() if f'not run again for `{file_hash}`' in line]
    assert 'still quarantined' not in line, line
    assert f'(action {first["action_id"]})' in line and 'later restore' in line, line
    assert 'found no quarantined copy' in line, line
    if empty_restores:  # the later restore's own action, which included no endpoint
        assert f'action {later["action_id"]}' in line, line
    [by_hand] = [parse_line(span) for span in as_commonmark_reads(line)[0] if span.startswith('!restore-file ')]
    assert by_hand.args['file_hash'] == file_hash  # by hand, should it be needed


def with_a_new_file(sample, old_hash):
    """(incident, new_hash): the sample's incident reopened naming a second file, quarantined on endpoints where no
    restore fails, beside ``old_hash``."""
    [new_hash] = [h for h, holders in HOLDERS.items() if h != old_hash and not set(holders) & set(FAILING)][:1]
    fields = sample.incident['CustomFields']
    artifact = dict(fields['xdrfileartifacts'][0], file_sha256=new_hash, filesha256=new_hash)
    artifacts = [*fields['xdrfileartifacts'], artifact]
    return dict(sample.incident, CustomFields=dict(fields, xdrfileartifacts=artifacts)), new_hash


def summaries_written(run):
    """The summaries the run's summary tasks (those that write the note) returned."""
    return [e.entries[0]['Contents'] for e in run.events if e.command == 'QuarantineRestoreSummary' and e.note]


@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK])
def test_a_rerun_that_restores_a_new_file_still_sums_up_the_endpoint_an_earlier_restore_failed_on(vendors, playbook):
    """The sample's file fails on one endpoint (the seed's restore_failure); the reopened incident then names a second
    file, quarantined elsewhere. The rerun sends only the new file; the restore playbook runs the Cortex XDR playbook
    with a context of its own, where the earlier record is only the RestoredBefore input: its summary must not say
    that nothing is left to do by hand while the first file is still quarantined on the endpoint it failed on."""
    xdr, _ = vendors
    sample, first = close_and_run(vendors, 'xdr_false_positive.json', playbook=playbook)
    [old_hash] = incident_hashes(sample)
    [failed_on] = set(HOLDERS[old_hash]) & set(FAILING)
    incident, new_hash = with_a_new_file(sample, old_hash)
    sent = len(xdr_restores(xdr))

    again = runner_for(vendors).run(playbook, close_incident(incident, sample.close_reason), first.context)

    assert not again.failed, again.error
    assert [r.body['request_data']['file_hash'] for r in xdr_restores(xdr)[sent:]] == [new_hash]
    # the summary task's own entry: what a caller gets back of a private sub-playbook's outputs is not documented
    [summary] = summaries_written(again)
    assert summary['needs_manual_action'] is True
    assert any(failed_on in step and old_hash in step for step in summary['manual_steps'])
    assert failed_on in again.notes[-1] and 'Nothing: no file is left' not in again.notes[-1]


@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK])
def test_a_rerun_that_writes_a_new_summary_leaves_that_summary_alone_in_the_context(vendors, playbook):
    """The rerun restores a second file and writes a new Cortex XDR summary. The restore playbook runs the Cortex XDR
    playbook with a context of its own, whose QuarantineRestore.Summary output came back beside the first run's
    summary of the same vendor: a reader of the context (a later task, an analyst) found two that disagree."""
    sample, first = close_and_run(vendors, 'xdr_false_positive.json', playbook=playbook)
    [old_hash] = incident_hashes(sample)
    incident, _ = with_a_new_file(sample, old_hash)

    again = runner_for(vendors).run(playbook, close_incident(incident, sample.close_reason), first.context)

    assert not again.failed, again.error
    [written] = summaries_written(again)
    assert written != get_path(first.context, 'QuarantineRestore.Summary')
    assert get_path(again.context, 'QuarantineRestore.Summary') == written
    assert again.entries[-1]['Contents'] == written  # the note is still the war room's last entry


def test_an_hss_rerun_that_writes_a_new_summary_leaves_that_summary_alone_in_the_context(vendors):
    """The HSS event reopened naming a second file isolated on its host: the restore playbook's rerun restores it and
    its private HSS playbook hands back a new Huawei Cloud HSS summary, which replaces the first run's."""
    sample, first = close_and_run(vendors, 'hss_false_positive.json')
    fields = sample.incident['CustomFields']
    [(new_hash, copy)] = [(file_hash, copy) for file_hash, copies in HSS_COPIES.items() for copy in copies
                          if copy['host_id'] == fields['huaweihsshostid'] and copy['healthy'] and
                          file_hash not in fields['filesha256']][:1]
    incident = dict(sample.incident, CustomFields=dict(fields, filesha256=[*fields['filesha256'], new_hash],
                                                       huaweihssfilepaths=[*fields['huaweihssfilepaths'],
                                                                           copy['file_path']]))

    again = runner_for(vendors).run(RESTORE_PLAYBOOK, close_incident(incident, sample.close_reason), first.context)

    assert not again.failed, again.error
    [written] = summaries_written(again)
    assert written['vendor'] == 'hss' and written != get_path(first.context, 'QuarantineRestore.Summary')
    assert get_path(again.context, 'QuarantineRestore.Summary') == written
    assert again.entries[-1]['Contents'] == written


def two_files_restored_everywhere():
    """Two files of the seed whose every holder gives them back (none a failing endpoint)."""
    return sorted(h for h, endpoints in HOLDERS.items() if not set(endpoints) & set(FAILING))[:2]


def closed_naming(hashes):
    """A Cortex XDR incident naming ``hashes`` and its Cortex XDR incident, closed as a false positive."""
    return close_incident({'id': '9', 'type': 'Cortex XDR Incident',
                           'CustomFields': {'filesha256': hashes, 'xdrincidentid': '412'}}, 'False Positive')


@pytest.mark.parametrize('outputs', ['add', 'replace'])
def test_a_close_after_a_rerun_sends_no_second_restore_of_a_file_restored_before_whatever_xsoar_does_with_outputs(
        vendors, outputs):
    """The Cortex XDR playbook runs with a context of its own: what it hands back (CortexXDR.RestoredFile) reaches the
    restore playbook's context added to the records held there, or in their place; XSOAR documents neither
    (DEVELOPERS.md), and the runner does either. Rerun on the reopened incident, now naming a second file, it restores
    that one only. Replaced, the first file's record was gone, so the close's script sent its restore again, which
    Cortex XDR refused (no quarantined copy left) and the note called a restore that did not start. Either way the
    context now keeps both files' records, and the close sends nothing again."""
    xdr, _ = vendors
    first_file, second_file = two_files_restored_everywhere()
    runner = runner_for(vendors)
    runner.sub_playbook_outputs = outputs

    first = runner.run(RESTORE_PLAYBOOK, closed_naming([first_file]), {})
    again = runner.run(RESTORE_PLAYBOOK, closed_naming([first_file, second_file]), first.context)
    close = runner.run_post_processing(POST_PROCESSING_SCRIPT, closed_naming([first_file, second_file]), again.context)

    assert not first.failed and not again.failed and not close.failed, (first.error, again.error, close.error)
    assert [r.body['request_data']['file_hash'] for r in xdr_restores(xdr)] == [first_file, second_file]
    records = as_list(get_path(close.context, 'CortexXDR.RestoredFile'))
    assert sorted(record['file_hash'] for record in records) == sorted([first_file, second_file])


@pytest.mark.parametrize('outputs', ['add', 'replace'])
@pytest.mark.parametrize('private', ['fresh', 'kept'])
def test_a_private_restore_playbook_run_again_hands_back_the_records_its_caller_holds_whatever_context_it_starts_in(
        vendors, outputs, private):
    """XSOAR keeps a private sub-playbook's context in the incident's (DeleteContext's subplaybook argument); whether
    the Cortex XDR playbook, run again on the reopened incident, starts from the one its first run left is not
    documented, and the runner does either. That first run restored the first file; a close from the Close dialog
    then started the second file's restore (its record IN_PROGRESS). Kept, the rerun's context held the first run's
    records only, so it did not set its caller's there: the gate's read of the second file's action wrote a record
    naming no endpoint scope, which came back last (added), or in place of the caller's records, and the next close
    sent that restore again."""
    xdr, _ = vendors
    first_file, second_file = two_files_restored_everywhere()
    runner = runner_for(vendors)
    runner.sub_playbook_outputs, runner.private_contexts = outputs, private

    both = closed_naming([first_file, second_file])

    first = runner.run(RESTORE_PLAYBOOK, closed_naming([first_file]), {})
    on_close = runner.run_post_processing(POST_PROCESSING_SCRIPT, both, first.context)
    again = runner.run(RESTORE_PLAYBOOK, both, on_close.context)
    close = runner.run_post_processing(POST_PROCESSING_SCRIPT, both, again.context)

    assert not any(run.failed for run in (first, on_close, again, close)), [first.error, again.error]
    assert [r.body['request_data']['file_hash'] for r in xdr_restores(xdr)] == [first_file, second_file]
    latest = {record['file_hash']: record for record in as_list(get_path(close.context, 'CortexXDR.RestoredFile'))}
    assert sorted(latest) == sorted([first_file, second_file])
    assert {(record['endpoint_id'], str(record['incident_id'])) for record in latest.values()} == {('', '412')}


@pytest.mark.parametrize('outputs', ['add', 'replace'])
@pytest.mark.parametrize('private', ['fresh', 'kept'])
def test_a_private_restore_playbook_handed_no_records_acts_on_none_whatever_context_it_starts_in(
        vendors, outputs, private):
    """The incident's restore records deleted after a first run (DeleteContext key=CortexXDR.RestoredFile), the rerun
    hands the Cortex XDR playbook no RestoredBefore. Started in the context its first run left (kept), the playbook
    still held that run's record of the first file: its summary counted that restore again, as one of this run's, and
    handed the record back, so the caller's context held the record it had deleted."""
    xdr, _ = vendors
    first_file, second_file = two_files_restored_everywhere()
    runner = runner_for(vendors)
    runner.sub_playbook_outputs, runner.private_contexts = outputs, private

    first = runner.run(RESTORE_PLAYBOOK, closed_naming([first_file]), {})
    cleared = {key: value for key, value in first.context.items() if key != 'CortexXDR'}
    again = runner.run(RESTORE_PLAYBOOK, closed_naming([second_file]), cleared)

    assert not first.failed and not again.failed, (first.error, again.error)
    assert [r.body['request_data']['file_hash'] for r in xdr_restores(xdr)] == [first_file, second_file]
    records = as_list(get_path(again.context, 'CortexXDR.RestoredFile'))
    assert [record['file_hash'] for record in records] == [second_file]
    [summary] = summaries_written(again)
    assert summary['restored'] == len(HOLDERS[second_file])
    assert not any(first_file in note for note in again.notes)


def analyst_branch(given=None, playbook=RESTORE_PLAYBOOK, private=True, keep_latest=False):
    """README, "Wiring them into XSOAR": the incident type's playbook runs the restore playbook (or ``playbook``) as a
    sub-playbook, here with a context of its own (separatecontext, unless not ``private``), as the pack runs its vendor
    playbooks; ``given`` ({input: text, or a value spec such as {'complex': ...}}) are the inputs its task gives the
    restore playbook; ``keep_latest``: a QuarantineRestoreSummary latest_only=true task of its own follows it."""
    def task(task_id, kind, name, follow, **raw):
        return Task(task_id, kind, name, {'type': kind, 'task': {'name': name, 'type': kind, **raw.pop('body', {})},
                                          'nexttasks': {'#none#': follow} if follow else {}, **raw})
    arguments = {key: value if isinstance(value, dict) else {'simple': value} for key, value in (given or {}).items()}
    tasks = [task('0', 'start', '', ['1']),
             task('1', 'playbook', playbook, ['3' if keep_latest else '2'], body={'playbookName': playbook},
                  separatecontext=private, scriptarguments=arguments),
             task('2', 'title', 'closeInvestigation', [])]
    if keep_latest:
        tasks.append(task('3', 'regular', 'Keep the latest summary of each vendor', ['2'],
                          body={'scriptName': 'QuarantineRestoreSummary', 'iscommand': False},
                          scriptarguments={'latest_only': {'simple': 'true'}}))
    return Playbook('Analyst branch', 'Analyst branch', '0', {t.id: t for t in tasks})


def restored_hashes_of(sample, xdr, hss):
    """The incident's files given back by either vendor: on a Cortex XDR endpoint, or restoring or restored in HSS."""
    found = set()
    for file_hash in incident_hashes(sample):
        if any(file_hash in xdr.backend.restored(endpoint_id) for endpoint_id in HOLDERS.get(file_hash, [])):
            found.add(file_hash)
        if any(hss.backend.isolation_status(copy['host_id'], file_hash, copy['file_path']) in ('restoring', 'restored')
               for copy in HSS_COPIES.get(file_hash, [])):
            found.add(file_hash)
    return found


# A caller that decides the incident is a false positive before closing it (or that maps a close reason of its own to
# False Positive) gives the restore playbook CloseReason: the vendor playbooks read the incident's own close reason,
# still empty (or the custom one), said "not a false positive" and restored nothing.
@pytest.mark.parametrize('private, keep_latest, kept', [(True, False, 2), (False, False, 1), (True, True, 1)],
                         ids=['private context', 'shared context', 'private context, then latest_only'])
def test_a_caller_that_runs_the_restore_playbook_again_keeps_one_summary_shared_or_with_its_own_latest_only_task(
        vendors, private, keep_latest, kept):
    """README (QuarantineRestore.Summary): the restore playbook's latest_only task cleans its own context only. A
    playbook that runs it with a private context gets the rerun's summary back beside the first run's; run with a
    shared context, or followed by a QuarantineRestoreSummary latest_only=true task of its own, it keeps the rerun's."""
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    [old_hash] = incident_hashes(sample)
    incident, _ = with_a_new_file(sample, old_hash)
    branch = analyst_branch({'CloseReason': sample.close_reason}, private=private, keep_latest=keep_latest)
    first = runner_for(vendors).run(branch, close_incident(sample.incident, sample.close_reason), sample.context)
    assert not first.failed, first.error

    again = runner_for(vendors).run(branch, close_incident(incident, sample.close_reason), first.context)

    assert not again.failed, again.error
    [written] = summaries_written(again)
    summaries = as_list(get_path(again.context, 'QuarantineRestore.Summary'))
    assert len(summaries) == kept and written in summaries, summaries


@pytest.mark.parametrize('name, closed_as', [('xdr_false_positive.json', None), ('hss_false_positive.json', None),
                                             ('xdr_false_positive.json', 'xdr_closed_other_reason.json')])
def test_a_close_reason_the_caller_gives_the_restore_playbook_reaches_the_vendor_playbooks(vendors, name, closed_as):
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / name)
    incident = sample.incident
    if closed_as:
        incident = close_incident(incident, IncidentFile.load(INCIDENTS / closed_as).close_reason)

    run = runner_for(vendors).run(analyst_branch({'CloseReason': sample.close_reason}), incident, sample.context)

    assert not run.failed, run.error
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == incident_hashes(sample)
    assert not any('no file was restored' in note for note in run.notes)


def scored_suspicious(hashes) -> list[dict]:
    """DBotScore entries scoring each file suspicious (2), as a reputation integration writes them."""
    return [{'Indicator': file_hash, 'Type': 'file', 'Vendor': 'A reputation vendor', 'Score': 2}
            for file_hash in sorted(hashes)]


# The vendor playbooks hold a file scored suspicious unless their RestoreSuspicious input is true; the restore playbook
# declared no such input, so a caller could not restore suspicious files through it (its task was refused).
@pytest.mark.parametrize('restore_suspicious', ['true', 'false'])
@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'hss_false_positive.json'])
def test_restore_suspicious_given_to_the_restore_playbook_reaches_the_vendor_playbooks(vendors, name,
                                                                                       restore_suspicious):
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / name)
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    context = dict(sample.context, DBotScore=scored_suspicious(incident_hashes(sample)))

    run = runner_for(vendors).run(analyst_branch({'RestoreSuspicious': restore_suspicious}), incident, context)

    assert not run.failed, run.error
    expected = incident_hashes(sample) if restore_suspicious == 'true' else set()
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == expected


def one_endpoint_of_several():
    """The Cortex XDR sample closed as a false positive, its file, an endpoint that can take it back (the one a caller
    chooses) and the others that could too, and must not."""
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    [file_hash] = incident_hashes(sample)
    chosen, *others = [e for e in HOLDERS[file_hash] if e not in FAILING]
    assert others
    return sample, incident, file_hash, chosen, others


# The vendor playbooks' scope inputs (Cortex XDR's EndpointID, HSS's HostID) had no counterpart in the restore playbook:
# a caller could not keep its restore to the endpoints or hosts it chose (its task was refused).
def test_the_endpoints_a_caller_gives_the_restore_playbook_are_the_only_ones_the_cortex_xdr_playbook_restores_on(
        vendors):
    xdr, _ = vendors
    sample, incident, file_hash, chosen, others = one_endpoint_of_several()

    run = runner_for(vendors).run(analyst_branch({'XDREndpointID': chosen}), incident, sample.context)

    assert not run.failed, run.error
    assert restores_sent_to(xdr) == [(file_hash, chosen)]
    assert file_hash in xdr.backend.restored(chosen)
    assert all(file_hash in xdr.backend.quarantined(e) for e in others)


@pytest.mark.parametrize('fault', ['agent_installed', 'agent_unreachable'])
def test_the_hss_error_path_note_of_a_host_whose_agent_hss_cannot_use_points_to_the_agent_not_only_the_setup(
        vendors, fault):
    """HSS refuses the restore whole for the host's agent (HSS.1001: none installed; HSS.1006: HSS cannot reach it):
    the error path's note names the host's agent among what to fix, not the instance settings, IAM permissions and
    project alone, which are not at fault."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    host = hss.backend.hosts[sample.incident['CustomFields']['huaweihsshostid']]
    setattr(host, fault, fault == 'agent_unreachable')

    run = runner_for(vendors).run(HSS_PLAYBOOK, close_incident(sample.incident, sample.close_reason), sample.context)

    assert not run.failed, run.error
    assert any(e.get('Type') == 4 and 'agent' in str(e.get('Contents')) for e in run.entries)
    [note] = [n for n in run.notes if 'FAILED' in n]
    assert "host's HSS agent" in note and 'instance settings' in note


def test_the_xdr_error_path_note_gives_the_by_hand_command_on_the_endpoint_the_caller_gave_only(vendors):
    """A caller limits the Cortex XDR restore to one endpoint (XDREndpointID) and Cortex XDR refuses it (a wrong API
    key): the error path's note gives the command to run by hand once that is fixed. Run, it restores the file on
    that endpoint only: another endpoint holding the file quarantined keeps it, as the caller asked."""
    xdr, _ = vendors
    sample, incident, file_hash, chosen, others = one_endpoint_of_several()
    wrong_key = {'identifier': '', 'password': secrets.token_hex(32)}

    run = runner_for(vendors, xdr_api_key=wrong_key).run(analyst_branch({'XDREndpointID': chosen}), incident,
                                                         sample.context)

    assert not run.failed, run.error
    assert all(file_hash in xdr.backend.quarantined(e) for e in HOLDERS[file_hash])  # refused: nothing restored
    [note] = [n for n in run.notes if 'FAILED' in n]
    [command] = [parse_line(span) for span in as_commonmark_reads(note)[0] if span.startswith('!restore-file ')]
    refused = len(restores_sent_to(xdr))  # the playbook's, refused for its key
    entry = WarRoom(params=xdr.params(), time_scale=0, sleep=lambda _: None).run(command.command, command.args)
    assert not entry.failed, entry.entries
    assert restores_sent_to(xdr)[refused:] == [(file_hash, chosen)]
    assert file_hash in xdr.backend.restored(chosen)
    assert all(file_hash in xdr.backend.quarantined(e) for e in others)


def test_the_host_a_caller_gives_the_restore_playbook_is_the_only_one_the_hss_playbook_restores_on(vendors):
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    [file_hash] = incident_hashes(sample)
    own_host = sample.incident['CustomFields']['huaweihsshostid']
    [chosen] = [c for c in HSS_COPIES[file_hash] if c['host_id'] != own_host]

    run = runner_for(vendors).run(analyst_branch({'HSSHostID': chosen['host_id']}), incident, sample.context)

    assert not run.failed, run.error
    sent = {(item['host_id'], item['file_hash']) for put in hss_puts(hss) for item in put[3]['data_list']}
    assert sent == {(chosen['host_id'], file_hash)}
    for copy in HSS_COPIES[file_hash]:
        status = hss.backend.isolation_status(copy['host_id'], file_hash, copy['file_path'])
        assert (status in ('restoring', 'restored')) is (copy is chosen)


# A caller that maps HSSHostID to a value that resolves to nothing (a context key it meant to fill, not filled): XSOAR
# hands the sub-playbooks that empty value, not their defaults (DEVELOPERS.md), and an empty HostID is every host that
# isolated the file: the HSS playbook restored the file on hosts the incident does not name, each with its own incident.
@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, HSS_PLAYBOOK])
def test_an_empty_host_scope_on_an_incident_that_names_its_host_is_held_not_widened_to_every_host(vendors, playbook):
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    [file_hash] = incident_hashes(sample)
    own_host = sample.incident['CustomFields']['huaweihsshostid']
    scope = {RESTORE_PLAYBOOK: 'HSSHostID', HSS_PLAYBOOK: 'HostID'}[playbook]

    run = runner_for(vendors).run(analyst_branch({scope: '${Analyst.ChosenHost}'}, playbook), incident,
                                  sample.context)

    assert_held_with_a_note_naming_its_own_host(run, hss, file_hash, own_host)


def test_a_cortex_xdr_status_the_caller_gives_the_restore_playbook_reaches_the_cortex_xdr_playbook(vendors):
    """The Cortex XDR status CortexXDRIR mirrors for an incident resolved as a false positive, given by the caller
    before the mirror has set the incident's field."""
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')

    run = runner_for(vendors).run(analyst_branch({'XDRIncidentStatus': 'resolved_false_positive'}), sample.incident,
                                  sample.context)

    assert not run.failed, run.error
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == incident_hashes(sample)


def test_called_with_a_context_of_its_own_the_restore_playbook_holds_a_file_scored_bad_under_its_md5(vendors):
    """No reputation integration is enabled: what XSOAR knows of the file is the incident context's DBotScore under
    the MD5 and the File entry linking it to the SHA256, which a sub-playbook with its own context cannot read."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_known_bad_md5.json')
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)

    run = runner_for(vendors).run(analyst_branch(), incident, sample.context)

    assert not run.failed, run.error
    bad = known_bad(sample.context)
    assert bad and xdr_restores(xdr) == []
    md5 = sample.context['DBotScore'][0]['Indicator']
    assert md5 in run.notes[-1] and all(f'!restore-file file_hash={h}' in run.notes[-1] for h in bad)


def test_called_with_a_context_of_its_own_the_restore_playbook_holds_a_path_whose_file_entry_is_malicious(vendors):
    """An HSS event naming no SHA256: the file at its path is known by the context's File entry (marked malicious),
    which a sub-playbook with its own context cannot read."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_path_known_bad.json')
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)

    run = runner_for(vendors).run(analyst_branch(), incident, sample.context)

    assert not run.failed, run.error
    assert known_bad(sample.context) and hss_puts(hss) == []
    assert all(path in run.notes[-1] for path in sample.incident['CustomFields']['huaweihssfilepaths'])


def closed_by_the_on_close_script(vendors):
    """The XDR false-positive sample closed from the Close dialog: the runner, the closed incident and the on-close
    script's run, which started one restore."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    runner = runner_for(vendors)
    on_close = runner.run_post_processing('QuarantineRestoreOnClose', incident, sample.context)
    assert not on_close.failed and len(xdr_restores(xdr)) == 1
    return runner, incident, on_close


def test_called_with_a_context_of_its_own_the_restore_playbook_sends_no_second_restore_on_a_reopened_incident(
        vendors):
    xdr, _ = vendors
    runner, incident, on_close = closed_by_the_on_close_script(vendors)

    again = runner.run(analyst_branch(), incident, on_close.context)

    assert not again.failed, again.error
    assert len(xdr_restores(xdr)) == 1  # no second action
    assert 'FAILED' not in '\n'.join(again.notes) and 'was not run again' in '\n'.join(again.notes)


def test_after_a_close_by_the_on_close_script_the_playbook_on_the_reopened_incident_sends_no_second_restore(vendors):
    """Closed as False Positive from the Close dialog: the on-close script starts restore-file without polling, so its
    record says IN_PROGRESS whatever Cortex XDR did since. Reopened and closed again through the playbook branch, the
    file is back: a second restore-file would be refused and the note would call the restore FAILED."""
    xdr, _ = vendors
    runner, incident, on_close = closed_by_the_on_close_script(vendors)
    [record] = as_list(get_path(on_close.context, 'CortexXDR.RestoredFile'))
    assert record['status'] == 'IN_PROGRESS'

    again = runner.run(RESTORE_PLAYBOOK, incident, on_close.context)

    assert not again.failed, again.error
    assert len(xdr_restores(xdr)) == 1  # no second action
    assert not any(e.get('Type') == 4 for e in again.entries)
    notes = '\n'.join(again.notes)
    assert 'FAILED' not in notes
    assert f'was not run again for `{record["file_hash"]}`' in notes and f'(action {record["action_id"]})' in notes


def test_the_gate_reads_an_earlier_action_again_under_the_incident_s_cortex_xdr_incident_as_its_note_s_check_does(
        vendors):
    """The gate reads again the action of a record left IN_PROGRESS (restore-file with its action_id, without
    polling). Every other restore-file the playbook writes names the incident's Cortex XDR incident, and so does the
    check the gate's note gives for a read that fails: the read did not, so the record it wrote named none (a context
    that held no record of the action kept none). Cortex XDR's status read takes the action ID alone either way."""
    xdr, _ = vendors
    runner, incident, on_close = closed_by_the_on_close_script(vendors)
    [record] = as_list(get_path(on_close.context, 'CortexXDR.RestoredFile'))
    asked = len(xdr.gateway.requests)

    again = runner.run(RESTORE_PLAYBOOK, incident, on_close.context)

    assert not again.failed, again.error
    [read] = [event.args for event in again.events if event.caller == GATE_SCRIPT and event.command == 'restore-file']
    assert (json.loads(read['action_id']), str(read['incident_id'])) == \
        ([record['action_id']], incident['CustomFields']['xdrincidentid'])
    statuses = [r.body for r in xdr.gateway.requests[asked:] if r.path.endswith('/actions/get_action_status/')]
    assert statuses == [{'request_data': {'group_action_id': record['action_id']}}]


def test_the_playbook_on_a_reopened_incident_sends_no_second_restore_of_a_file_whose_earlier_restore_may_have_started(
        vendors):
    """Closed as False Positive from the Close dialog: the on-close script's restore of one of two files lost its answer
    after Cortex XDR acted (the emulator's "truncated": the file is back), so its record says may_have_started
    (integration.yml: look in the Action Center before restoring it again). Reopened and closed again through the
    playbook branch: sent again, restore-file would be refused (no quarantined copy left) and the error path's note
    would call the restore FAILED. The gate's note sends the analyst to the Action Center first."""
    xdr, _ = vendors
    lost, other = sorted(h for h, endpoints in HOLDERS.items() if not set(endpoints) & set(FAILING))[:2]
    xdr.gateway.inject_faults(FaultPlan.parse('sequence=truncated'))  # the first restore sent: the lost file's
    incident = close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': [lost, other]}},
                              'False Positive')
    runner = runner_for(vendors, max_concurrency='1')
    on_close = runner.run_post_processing('QuarantineRestoreOnClose', incident, {})
    assert not on_close.failed, on_close.error
    [record] = [r for r in as_list(get_path(on_close.context, 'CortexXDR.RestoredFile')) if r['file_hash'] == lost]
    assert record['may_have_started'] is True
    assert all(lost in xdr.backend.restored(endpoint) for endpoint in HOLDERS[lost])  # Cortex XDR did restore it
    sent = len(xdr_restores(xdr))

    again = runner.run(RESTORE_PLAYBOOK, incident, on_close.context)

    assert not again.failed, again.error
    assert len(xdr_restores(xdr)) == sent  # neither file sent again
    assert not any(e.get('Type') == 4 for e in again.entries)
    notes = '\n'.join(again.notes)
    assert 'FAILED' not in notes
    [line] = [line for line in notes.splitlines() if f'was not run again for `{lost}`' in line]
    advice = line.split(f'`!restore-file file_hash={lost}')[0]
    assert 'may have started' in advice and 'Action Center' in advice, line


@pytest.mark.parametrize('first_by', ['playbook', 'post-processing'])
def test_the_playbook_on_a_reopened_incident_sends_no_second_restore_of_its_one_file_whose_restore_may_have_started(
        vendors, first_by):
    """One file (the most common incident shape) whose first restore, by the playbook branch or the on-close script,
    lost its answer after Cortex XDR acted (the emulator's "truncated": the file is back): restore-file ends in an
    error entry (the playbook's error path), and writes the file's record (may_have_started) all the same, which XSOAR
    merges as any entry's EntryContext (CommonServerPython's return_error, ``outputs``). Run again on the reopened
    incident, the playbook must not send it blind: the gate's note sends the analyst to the Action Center first."""
    xdr, _ = vendors
    lost, incident = one_file_restore_lost(xdr)
    runner = runner_for(vendors, max_retries='0')
    first = runner.run(RESTORE_PLAYBOOK, incident, {}) if first_by == 'playbook' else \
        runner.run_post_processing('QuarantineRestoreOnClose', incident, {})
    lost_restore_record(first, lost, xdr)

    again = runner.run(RESTORE_PLAYBOOK, incident, first.context)

    assert not again.failed, again.error
    assert len(xdr_restores(xdr)) == 1  # the first run's only attempt
    assert not any(e.get('Type') == 4 for e in again.entries)
    notes = '\n'.join(again.notes)
    [line] = [line for line in notes.splitlines() if f'was not run again for `{lost}`' in line]
    advice = line.split(f'`!restore-file file_hash={lost}')[0]
    assert 'may have started' in advice and 'Action Center' in advice, line


def hss_sample(by: str):
    """The HSS sample incident closed as a false positive: as it is (a restore by hash on its host), or with no SHA256
    (a restore by host and path, every path of its event)."""
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = dict(sample.incident['CustomFields'])
    if by == 'file_path':
        fields.pop('filesha256')
    return close_incident(dict(sample.incident, CustomFields=fields), 'False Positive'), fields, sample.context


def hss_listings_and_restores(hss):
    return [r for r in hss.gateway.requests if r[1].endswith('/event/isolated-file')]


@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
def test_the_hss_playbook_on_a_reopened_incident_sends_no_second_restore_of_what_an_earlier_run_restored(vendors, by):
    """Closed as False Positive, reopened, closed again through the playbook branch: HSS lists the first run's copies
    restored, so a second hss-restore-isolated finds none isolated and the summary would report the file not_found
    ("no isolated copy") although the first run gave it back. The note says it was already restored instead."""
    _, hss = vendors
    incident, fields, context = hss_sample(by)
    first = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, context)
    assert not first.failed, first.error
    rows = as_list(get_path(first.context, 'HuaweiHSS.RestoredFile'))
    assert rows and {row['outcome'] for row in rows} == {'restored'}
    asked = len(hss_listings_and_restores(hss))

    again = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, first.context)

    assert not again.failed, again.error
    assert len(hss_listings_and_restores(hss)) == asked  # hss-restore-isolated was not run again
    assert as_list(get_path(again.context, 'HuaweiHSS.RestoredFile')) == rows  # no not_found row beside them
    notes = '\n'.join(again.notes)
    assert 'not_found' not in notes and 'FAILED' not in notes
    host_id = fields['huaweihsshostid']
    for value in as_list(fields['filesha256'] if by == 'file_hash' else fields['huaweihssfilepaths']):
        [line] = [line for line in notes.splitlines() if f'was not run again for `{value}`' in line]
        [copy] = [c for c in HSS_COPIES[rows[0]['file_hash']] if c['host_id'] == host_id]
        assert f'restored it on {copy["host_name"]}' in line
        # by hand, on the incident's host, in the enterprise project the earlier run listed it in (its row's)
        assert (f'`!hss-restore-isolated {by}={value} host_id={host_id} '
                f'enterprise_project_id={rows[0]["enterprise_project_id"]}`') in line


@pytest.mark.parametrize('outputs', ['add', 'replace'])
@pytest.mark.parametrize('private', ['fresh', 'kept'])
def test_a_private_hss_playbook_run_again_hands_back_the_rows_its_caller_holds_whatever_context_it_starts_in(
        vendors, outputs, private):
    """The HSS playbook, as the Cortex XDR one: its first run restored the incident's file; reopened naming a second
    file isolated on the same host, a close from the Close dialog started that one's restore (its row restoring), and
    a second close read it restored. Run again in the context its first run left, the playbook held that run's rows
    only, and handed back in place of its caller's, they lost the second file's: the next close ran its restore again,
    which found no isolated copy, and its row said not_found."""
    _, hss = vendors
    incident, fields, context = hss_sample('file_hash')
    host_id = fields['huaweihsshostid']
    [(second, copy)] = [(file_hash, copy) for file_hash, copies in sorted(HSS_COPIES.items()) for copy in copies
                        if copy['host_id'] == host_id and copy['healthy'] and file_hash not in fields['filesha256']][:1]
    both = close_incident(dict(incident, CustomFields=dict(fields, filesha256=[*fields['filesha256'], second])),
                          'False Positive')
    runner = runner_for(vendors)
    runner.sub_playbook_outputs, runner.private_contexts = outputs, private

    first = runner.run(RESTORE_PLAYBOOK, incident, context)
    on_close = runner.run_post_processing(POST_PROCESSING_SCRIPT, both, first.context)
    read = runner.run_post_processing(POST_PROCESSING_SCRIPT, both, on_close.context)
    again = runner.run(RESTORE_PLAYBOOK, both, read.context)
    close = runner.run_post_processing(POST_PROCESSING_SCRIPT, both, again.context)

    assert not any(run.failed for run in (first, on_close, read, again, close)), [first.error, again.error]
    assert len(hss_puts(hss)) == 2  # one restore of each file, none sent again
    latest = {row['file_hash']: row for row in as_list(get_path(close.context, 'HuaweiHSS.RestoredFile'))}
    assert sorted(latest) == sorted([*fields['filesha256'], second])
    assert {row['outcome'] for row in latest.values()} == {'restored'}

@pytest.mark.parametrize('outputs', ['add', 'replace'])
@pytest.mark.parametrize('private', ['fresh', 'kept'])
def test_a_private_hss_playbook_handed_no_rows_acts_on_none_whatever_context_it_starts_in(vendors, outputs, private):
    """The HSS playbook, as the Cortex XDR one: the incident's rows deleted after a first run, the rerun (the event
    reopened naming a second file isolated on the same host) hands it no RestoredBefore. Started in the context its
    first run left, it still held that run's row: its summary counted the first file's restore as this run's, and
    handed the row back to a caller that had deleted it."""
    _, hss = vendors
    incident, fields, context = hss_sample('file_hash')
    [first_file], host_id = fields['filesha256'], fields['huaweihsshostid']
    [(second, copy)] = [(file_hash, copy) for file_hash, copies in sorted(HSS_COPIES.items()) for copy in copies
                        if copy['host_id'] == host_id and copy['healthy'] and file_hash != first_file][:1]
    only_second = close_incident(dict(incident, CustomFields=dict(fields, filesha256=[second],
                                                                  huaweihssfilepaths=[copy['file_path']])),
                                 'False Positive')
    runner = runner_for(vendors)
    runner.sub_playbook_outputs, runner.private_contexts = outputs, private

    first = runner.run(RESTORE_PLAYBOOK, incident, context)
    cleared = {key: value for key, value in first.context.items() if key != 'HuaweiHSS'}
    again = runner.run(RESTORE_PLAYBOOK, only_second, cleared)

    assert not first.failed and not again.failed, (first.error, again.error)
    assert len(hss_puts(hss)) == 2
    assert [row['file_hash'] for row in as_list(get_path(again.context, 'HuaweiHSS.RestoredFile'))] == [second]
    [summary] = summaries_written(again)
    assert summary['restored'] == 1
    assert not any(first_file in note for note in again.notes)


@pytest.mark.parametrize('now, said', [('restored', 'restored it'), ('restoring', 'is still restoring it')])
def test_the_hss_playbook_on_a_reopened_incident_reads_again_a_copy_the_on_close_script_left_restoring(
        vendors, now, said):
    """Closed as False Positive from the Close dialog: the on-close script starts hss-restore-isolated without polling,
    so its row says restoring whatever HSS did since. Reopened and closed again through the playbook branch while HSS
    lists the copy restored (or still restoring: its agent offline): sent again, HSS would find no isolated copy, and
    the notes would call the file not found. The gate reads the copy again (a check: no second PUT), as it reads again
    a Cortex XDR action its record says IN_PROGRESS."""
    _, hss = vendors
    incident, fields, context = hss_sample('file_hash')
    [file_hash], host_id = fields['filesha256'], fields['huaweihsshostid']
    [copy] = [c for c in HSS_COPIES[file_hash] if c['host_id'] == host_id]
    hss.backend.hosts[host_id].agent_online = now == 'restored'
    runner = runner_for(vendors)
    on_close = runner.run_post_processing('QuarantineRestoreOnClose', incident, context)
    assert not on_close.failed and len(hss_puts(hss)) == 1
    assert [row['outcome'] for row in as_list(get_path(on_close.context, 'HuaweiHSS.RestoredFile'))] == ['restoring']
    assert hss.backend.isolation_status(host_id, file_hash, copy['file_path']) == now  # what HSS did meanwhile

    again = runner.run(RESTORE_PLAYBOOK, incident, on_close.context)

    assert not again.failed, again.error
    assert len(hss_puts(hss)) == 1  # no second restore
    notes = '\n'.join(again.notes)
    [line] = [line for line in notes.splitlines() if f'was not run again for `{file_hash}`' in line]
    assert f'{said} on {copy["host_name"]}' in line
    assert 'not_found' not in notes and 'FAILED' not in notes


def restored_by_hand_in_another_project(vendors, agent_online, server_errors=None):
    """The HSS sample incident moved to the seed's host of an enterprise project other than the default one, on an
    instance that names none (its listings see the default project only: the seed's "0 indicates the default
    enterprise project"), and an analyst's restore of its file there by hand, without polling, naming that host's
    project: (incident, {the runner, the earlier run's result, the host's copy, its project}). ``agent_online``: whether
    the host's agent puts the copy back (restored) or leaves it restoring."""
    xdr, hss = vendors
    incident, fields, context = hss_sample('file_hash')
    [file_hash] = fields['filesha256']
    projects = {host['host_id']: host['enterprise_project_id'] for host in load_json(HSS_SEED)['hosts']}
    [copy] = [c for c in HSS_COPIES[file_hash] if projects[c['host_id']] != '0']
    incident = dict(incident, CustomFields=dict(incident['CustomFields'], huaweihsshostid=copy['host_id']))
    hss.backend.hosts[copy['host_id']].agent_online = agent_online
    params = {**hss.params(hss_enterprise_project_id=''), **xdr.params()}
    earlier = WarRoom(params=params, context=json.loads(json.dumps(context)), time_scale=0,
                      sleep=lambda _: None).run('hss-restore-isolated', {
                          'file_hash': file_hash, 'host_id': copy['host_id'],
                          'enterprise_project_id': projects[copy['host_id']], 'polling': 'false'})
    assert not earlier.failed, earlier.entries[-1]
    [row] = as_list(get_path(earlier.context, 'HuaweiHSS.RestoredFile'))
    assert (row['outcome'], row['enterprise_project_id']) == ('restoring', projects[copy['host_id']])
    runner = PlaybookRunner(params, time_scale=0, sleep=lambda _: None, server_errors=server_errors)
    return incident, {'runner': runner, 'earlier': earlier, 'copy': copy, 'project': projects[copy['host_id']]}


def commands_in(line):
    """The war-room commands a note's line gives, each as parse_line reads it (its code spans, as markdown reads them:
    a command whose values hold backticks is fenced by two)."""
    return [parse_line(text) for text in as_commonmark_reads(line)[0] if re.match(r'![^`\s]+ ', text)]


@pytest.mark.parametrize('now, said', [('restored', 'restored it'), ('restoring', 'is still restoring it')])
def test_the_hss_playbook_reads_again_a_copy_left_restoring_in_another_enterprise_project_in_that_project(
        vendors, now, said):
    """A copy an analyst's restore left restoring in another enterprise project than the instance's, its row naming
    that project: the gate read it again in the instance's project, whose listing cannot see it, took it for a copy
    HSS no longer lists (not_found), and the playbook sent the file again, where HSS found no isolated copy; the
    notes called the file not found. Read in the row's project, the copy is restored (or still restoring), not sent
    again, and the by-hand command of the note's line restores it in that project."""
    _, hss = vendors
    incident, earlier = restored_by_hand_in_another_project(vendors, agent_online=now == 'restored')
    copy, project = earlier['copy'], earlier['project']
    assert hss.backend.isolation_status(copy['host_id'], copy['file_hash'], copy['file_path']) == now
    listed = len(hss.requests_to('GET', '/event/isolated-file'))

    again = earlier['runner'].run(HSS_PLAYBOOK, incident, earlier['earlier'].context)  # its rows merged by key

    assert not again.failed, again.error
    assert len(hss_puts(hss)) == 1  # the analyst's restore only
    reads = hss.requests_to('GET', '/event/isolated-file')[listed:]
    assert reads and {tuple(r.query.get('enterprise_project_id') or []) for r in reads} == {(project,)}
    rows = as_list(get_path(again.context, 'HuaweiHSS.RestoredFile'))
    assert [(row['host_id'], row['outcome'], row['enterprise_project_id']) for row in rows] == [
        (copy['host_id'], now, project)]
    notes = '\n'.join(again.notes)
    assert 'not_found' not in notes and 'FAILED' not in notes
    [line] = [line for line in notes.splitlines() if f'was not run again for `{copy["file_hash"]}`' in line]
    assert f'{said} on {copy["host_name"]}' in line, line
    follows = [command for command in commands_in(line) if 'restore_state' in command.args]
    [by_hand] = [command for command in commands_in(line) if 'restore_state' not in command.args]
    assert by_hand.command == 'hss-restore-isolated'
    assert by_hand.args == {'file_hash': copy['file_hash'], 'host_id': copy['host_id'],
                            'enterprise_project_id': project}, line
    # a copy still restoring gets the check that follows it to its end, in its project too
    assert [follow.args['enterprise_project_id'] for follow in follows] == ([project] if now == 'restoring' else [])
    [covered] = as_list(get_path(again.context, 'QuarantineRestore.Gate.covered'))
    assert parse_line(covered['by_hand']).args == by_hand.args  # the context's command, as the note's


def test_the_on_close_note_s_check_of_a_copy_left_restoring_in_another_enterprise_project_reads_it_in_that_project(
        vendors):
    """Closed from the Close dialog while the server fails the gate's read of a copy an analyst's restore left
    restoring in another enterprise project: nothing is sent blind, and the on-close note gives the check to run
    first and the command that restores it by hand. Without the row's enterprise_project_id the check listed the
    instance's project, could not see the copy and wrote it not_found; now both name the row's project, and the check
    reads the copy as HSS lists it."""
    _, hss = vendors
    incident, earlier = restored_by_hand_in_another_project(
        vendors, agent_online=False, server_errors={'hss-restore-isolated': 'the engine did not answer'})
    copy, project = earlier['copy'], earlier['project']

    closed = earlier['runner'].run_post_processing('QuarantineRestoreOnClose', incident, earlier['earlier'].context)

    assert not closed.failed, closed.error
    assert len(hss_puts(hss)) == 1  # not sent blind
    [line] = [line for line in '\n'.join(closed.notes).splitlines()
              if f'was not run again for `{copy["file_hash"]}`' in line]
    check, by_hand = commands_in(line)
    assert check.args['enterprise_project_id'] == project and check.args['polling'] == 'false', line
    assert by_hand.args == {'file_hash': copy['file_hash'], 'host_id': copy['host_id'],
                            'enterprise_project_id': project}, line
    room = WarRoom(params=hss.params(hss_enterprise_project_id=''), context=closed.context, time_scale=0,
                   sleep=lambda _: None)
    read = room.run(check.command, check.args)
    assert not read.failed, read.entries[-1]
    assert len(hss_puts(hss)) == 1  # a check: no restore
    assert [(row['host_id'], row['outcome']) for row in as_list(get_path(read.context, 'HuaweiHSS.RestoredFile'))] == [
        (copy['host_id'], 'restoring')]


def test_the_hss_playbook_sends_not_again_a_copy_left_restoring_whose_read_again_fails_and_says_how_to_check_it(
        vendors):
    """The on-close script left the copy restoring; closed again through the playbook branch while HSS answers every
    request with a 500, the gate cannot read the copy again. Its state is not known: HSS may have restored it (sent
    again, HSS would find no isolated copy). As a Cortex XDR action whose read fails, it is not sent again, and the
    gate's line says the read failed, with HSS's error, the check to run and the command that restores it by hand."""
    _, hss = vendors
    incident, fields, context = hss_sample('file_hash')
    [file_hash], host_id = fields['filesha256'], fields['huaweihsshostid']
    [copy] = [c for c in HSS_COPIES[file_hash] if c['host_id'] == host_id]
    runner = runner_for(vendors)
    on_close = runner.run_post_processing('QuarantineRestoreOnClose', incident, context)
    assert not on_close.failed and len(hss_puts(hss)) == 1
    [row] = as_list(get_path(on_close.context, 'HuaweiHSS.RestoredFile'))
    assert row['outcome'] == 'restoring'
    hss.gateway.inject_faults(FaultPlan.parse('sequence=500*1000'))

    again = runner.run(RESTORE_PLAYBOOK, incident, on_close.context)

    assert len(hss_puts(hss)) == 1  # not sent again blind
    notes = '\n'.join(again.notes)
    [line] = [line for line in notes.splitlines() if f'was not run again for `{file_hash}`' in line]
    assert 'was not read again now, as the read failed' in line and '500' in line, line
    [check] = [command.args for command in commands_in(line) if 'restore_state' in command.args]  # the check
    assert [ri.hss_field_list(check.get(name), name) for name in ('host_id', 'file_hash')] == [[host_id], [file_hash]]
    assert check['file_path'] and check['polling'] == 'false', line
    assert (f'`!hss-restore-isolated file_hash={file_hash} host_id={host_id} '  # by hand, in the row's project
            f'enterprise_project_id={row["enterprise_project_id"]}`') in line, line
    assert 'is still restoring' not in line, line  # not as if read now


@pytest.mark.parametrize('now, said', [('restored', 'restored it'), ('restoring', 'is still restoring it')])
def test_the_hss_playbook_reads_again_a_copy_whose_earlier_restore_hss_took_though_its_answers_were_lost(
        vendors, now, said):
    """Closed from the Close dialog: the on-close script's PUT reached HSS, which took it, but every answer was cut off
    (the seed's 200 has no body to wait for); the client read HSS's listing before sending it again, found the copy
    isolated no more, and sent nothing again, so the row says restoring. Reopened and closed
    again through the HSS playbook while HSS lists the copy restored (or still restoring: its agent offline): sent
    again, HSS would find no isolated copy, and the summary would call the file not found, with nothing to do. The
    gate reads the copy again first (a check: no second restore), as it reads a copy left restoring."""
    _, hss = vendors
    incident, fields, context = hss_sample('file_hash')
    [file_hash], host_id = fields['filesha256'], fields['huaweihsshostid']
    [copy] = [c for c in HSS_COPIES[file_hash] if c['host_id'] == host_id]
    hss.backend.hosts[host_id].agent_online = now == 'restored'
    runner = PlaybookRunner({**hss.params(retry_backoff='0'), **vendors[0].params()}, time_scale=0,
                            sleep=lambda _: None)
    hss.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,truncated*{facts.DEFAULT_MAX_RETRIES + 1}'))
    on_close = runner.run_post_processing('QuarantineRestoreOnClose', incident, context)
    assert not on_close.failed and hss.backend.put_sizes  # HSS took the restore
    assert [row['outcome'] for row in as_list(get_path(on_close.context, 'HuaweiHSS.RestoredFile'))] == ['restoring']
    assert len(hss_puts(hss)) == 1  # the lost answer's PUT not sent again: HSS listed the copy isolated no more
    assert hss.backend.isolation_status(host_id, file_hash, copy['file_path']) == now  # what HSS did meanwhile
    puts = len(hss_puts(hss))

    again = runner.run(HSS_PLAYBOOK, incident, on_close.context)  # in the incident's context: its rows merged by key

    assert not again.failed, again.error
    assert len(hss_puts(hss)) == puts  # no second restore
    rows = as_list(get_path(again.context, 'HuaweiHSS.RestoredFile'))
    assert [(row['host_id'], row['outcome']) for row in rows] == [(host_id, now)]  # as HSS lists it, no not_found row
    notes = '\n'.join(again.notes)
    [line] = [line for line in notes.splitlines() if f'was not run again for `{file_hash}`' in line]
    assert f'{said} on {copy["host_name"]}' in line, line
    assert 'not_found' not in notes and 'FAILED' not in notes


def test_the_hss_playbook_reads_no_copy_again_of_a_file_it_holds_back_nor_sums_it_up_as_a_failed_restore(vendors):
    """The on-close script left two files restoring on a host whose agent cannot put them back (HSS lists them
    isolated again); one is scored bad since. Reopened and closed again through the playbook branch: the gate holds
    that one back, whatever an earlier restore left, so it has no copy to read again. Read again, its copy would get
    a failed row ("then restore it again") and the summary of the other file's restore would tell the analyst to
    run the restore of the file the gate's note holds back as malicious."""
    _, hss = vendors
    incident, fields, context = hss_sample('file_hash')
    host_id = fields['huaweihsshostid']
    held, other = sorted(h for h, copies in HSS_COPIES.items() if any(c['host_id'] == host_id for c in copies))[:2]
    incident = dict(incident, CustomFields=dict(incident['CustomFields'], filesha256=[held, other]))
    hss.backend.hosts[host_id].restore_fails = True
    runner = runner_for(vendors)
    on_close = runner.run_post_processing('QuarantineRestoreOnClose', incident, context)
    assert not on_close.failed and len(hss_puts(hss)) == 1
    scored = dict(on_close.context, DBotScore=[{'Indicator': held, 'Type': 'file', 'Vendor': 'VirusTotal (API v3)',
                                                'Score': 3}])

    again = runner.run(RESTORE_PLAYBOOK, incident, scored)

    assert not again.failed, again.error
    assert [item['file_hash'] for item in hss_puts(hss)[1][3]['data_list']] == [other]  # the other file, sent again
    notes = '\n'.join(again.notes)
    [held_line] = [line for line in notes.splitlines() if held in line and 'Held back' in line]
    assert 'scored malicious' in held_line
    [summary] = [note for note in again.notes if 'What to do by hand' in note]
    assert other in summary and held not in summary, summary
    rows = [row for row in as_list(get_path(again.context, 'HuaweiHSS.RestoredFile')) if row['file_hash'] == held]
    assert {row['outcome'] for row in rows} == {'restoring'}, rows  # what the on-close script's restore left


@pytest.mark.parametrize('outcome', ['restoring', 'failed'])
def test_the_hss_playbook_sends_again_a_copy_an_earlier_run_left_restoring_or_failed(vendors, outcome):
    """An earlier run whose polling ran out (restoring), the on-close script (restoring: it cannot poll) or a restore
    the host's agent could not complete (failed) did not give the copy back for sure: HSS lists it isolated (a
    restoring copy is read again first), so the playbook sends it again."""
    _, hss = vendors
    incident, fields, context = hss_sample('file_hash')
    [file_hash] = fields['filesha256']
    [copy] = [c for c in HSS_COPIES[file_hash] if c['host_id'] == fields['huaweihsshostid']]
    earlier = {key: copy[key] for key in ('host_id', 'host_name', 'file_hash', 'file_path')}
    context = dict(context, HuaweiHSS={'RestoredFile': [dict(earlier, outcome=outcome, reason='')]})

    run = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, context)

    assert not run.failed, run.error
    [put] = hss_puts(hss)
    assert {(item['host_id'], item['file_path']) for item in put[3]['data_list']} == {(copy['host_id'],
                                                                                      copy['file_path'])}
    assert hss.backend.isolation_status(copy['host_id'], file_hash, copy['file_path']) in ('restoring', 'restored')
    assert 'was not run again' not in '\n'.join(run.notes)


@pytest.mark.parametrize('left_empty', ['file_sha256', 'file_hash'])
def test_an_hss_event_whose_file_leaves_one_of_its_two_hashes_empty_is_restored_by_the_other(vendors, left_empty):
    """EventFileResponseInfo (huaweicloudsdkhss v5) gives a file's SHA256 twice, as file_hash ("currently sha256") and
    file_sha256, each optional text: an event may give one and leave the other an empty text. The empty one names no
    file: the mapper fills File SHA256 with the other alone, and the playbook restores the file by it on the host."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    event = json.loads(sample.incident['rawJSON'])
    [file_info] = event['file_info_list']
    file_hash, file_info[left_empty] = file_info['file_sha256'], ''
    fetched = {key: sample.incident[key] for key in ('name', 'severity', 'occurred', 'details')}
    made = create_incident(dict(fetched, rawJSON=json.dumps(event)), PackContent.load(), sample.incident['id'])
    assert as_list(made['CustomFields']['filesha256']) == [file_hash]

    run = runner_for(vendors).run(HSS_PLAYBOOK, close_incident(made, 'False Positive'), sample.context)

    assert not run.failed, run.error
    [put] = hss_puts(hss)
    assert {(item['host_id'], item['file_hash']) for item in put[3]['data_list']} == {(event['host_id'], file_hash)}


def context_read_by(value):
    """The context path a playbook value reads, or None when it reads the incident, the caller's inputs or text."""
    if not isinstance(value, dict):
        return None
    if 'complex' in value:
        root = value['complex'].get('root') or ''
    elif value.get('iscontext'):
        root = str(value.get('simple') or '')
    else:
        return None
    return None if root.split('.')[0] in ('', 'incident', 'inputs') else root


@pytest.mark.parametrize('path', sorted((ROOT / 'playbooks').glob('playbook-*.yml')), ids=lambda p: p.stem)
def test_a_sub_playbook_with_a_context_of_its_own_is_given_every_input_its_default_reads_from_context(path):
    """No public source says whether a separate-context sub-playbook's input default reads the caller's context when
    the calling task leaves that input out (DEVELOPERS.md). XSOAR's task editor fills a sub-playbook task's inputs with
    their defaults, so the caller evaluates them; the pack's playbooks give each one, and rest on neither reading."""
    library = PlaybookLibrary(ROOT / 'playbooks')
    calls = 0
    for task in yaml.safe_load(path.read_text(encoding='utf-8'))['tasks'].values():
        if task.get('type') != 'playbook' or not task.get('separatecontext'):
            continue
        calls += 1
        child = library.get(task['task']['playbookName'])
        given = task.get('scriptarguments') or {}
        from_context = {i['key']: context_read_by(i.get('value')) for i in child.inputs}
        from_context = {key: root for key, root in from_context.items() if root}
        assert not set(from_context) - set(given), (path.name, task['id'], from_context)
    if path.stem.endswith('False_Positive'):
        assert calls == 2  # it calls both vendor playbooks with a context of their own


def xdr_playbook_on_endpoints(runner):
    """The Cortex XDR playbook with its EndpointID input read from the context's ``Endpoints``, as a caller gives it
    a list (``${PaloAltoNetworksXDR.Incident.alerts.endpoint_id}``, the endpoints of the incident's alerts)."""
    playbook = runner.library.get(XDR_PLAYBOOK)
    for declared in playbook.inputs:
        if declared['key'] == 'EndpointID':
            declared['value'] = {'complex': {'root': 'Endpoints'}}
    return playbook


def restores_sent_to(xdr):
    """(file_hash, endpoint_id or None) of every restore request the emulated tenant received."""
    return [(r.body['request_data']['file_hash'], r.body['request_data'].get('endpoint_id'))
            for r in xdr_restores(xdr)]


def test_given_several_endpoints_the_xdr_playbook_restores_the_file_on_each_of_them_and_nowhere_else(vendors):
    xdr, _ = vendors
    [file_hash] = [h for h, endpoints in HOLDERS.items() if len(set(endpoints) - set(FAILING)) >= 2 and
                   len(endpoints) > 2]
    chosen = [e for e in HOLDERS[file_hash] if e not in FAILING][:2]
    others = [e for e in HOLDERS[file_hash] if e not in chosen]
    incident = close_incident({'id': '9', 'CustomFields': {'filesha256': file_hash}}, 'False Positive')
    runner = runner_for(vendors)

    run = runner.run(xdr_playbook_on_endpoints(runner), incident, {'Endpoints': chosen})

    assert not run.failed, run.error
    assert sorted(restores_sent_to(xdr)) == sorted((file_hash, e) for e in chosen)
    assert all(file_hash in xdr.backend.restored(e) for e in chosen)
    assert others and all(file_hash in xdr.backend.quarantined(e) for e in others)
    notes = '\n'.join(run.notes)
    assert all(e in notes for e in chosen) and 'FAILED' not in notes


def two_holders_and_an_endpoint_holding_none(vendors):
    """A file two working endpoints hold quarantined, an endpoint holding no file, its incident closed as False
    Positive, and a runner."""
    xdr, _ = vendors
    file_hash = sorted(h for h, endpoints in HOLDERS.items() if len(set(endpoints) - set(FAILING)) >= 2)[0]
    chosen = [e for e in HOLDERS[file_hash] if e not in FAILING][:2]
    [empty] = [e for e in xdr.backend.endpoints if not any(e in held for held in HOLDERS.values())][:1]
    incident = close_incident({'id': '9', 'CustomFields': {'filesha256': file_hash}}, 'False Positive')
    return xdr, file_hash, chosen, empty, incident, runner_for(vendors)


def test_given_several_endpoints_one_holding_no_copy_the_xdr_playbook_sums_up_the_restores_it_made_beside_that_one(
        vendors):
    """Of the endpoints given, one holds no quarantined copy of the file (an endpoint the incident's alerts name, its
    copy restored by hand, say): Cortex XDR refuses that endpoint's restore, "No quarantined file", after the others'
    completed. The restores made are summed up, and that endpoint gets where to look; no note says the restore failed
    for a fault to fix in the setup, nor gives again the restores that completed."""
    xdr, file_hash, chosen, empty, incident, runner = two_holders_and_an_endpoint_holding_none(vendors)

    run = runner.run(xdr_playbook_on_endpoints(runner), incident, {'Endpoints': [*chosen, empty]})

    assert not run.failed, run.error
    assert all(file_hash in xdr.backend.restored(e) for e in chosen)
    [note] = run.notes
    assert 'instance settings, API key role, license' not in note and 'no file was restored' not in note, note
    assert 'back already' in note and 'never quarantined' in note and empty in note, note
    summary = get_path(run.context, 'QuarantineRestore.Summary')
    assert summary and summary['restored'] == len(chosen) and summary['failed'] == 1, summary


def test_given_several_endpoints_the_first_holding_no_copy_the_note_gives_the_restore_on_those_never_sent(vendors):
    """The first endpoint given holds no quarantined copy: Cortex XDR refuses its restore, and the task ends there, the
    endpoints after it never sent (README). The note must not say no quarantined copy was found on any endpoint asked
    and nothing is left to do: it gives the restore by hand on each endpoint that was never sent."""
    xdr, file_hash, chosen, empty, incident, runner = two_holders_and_an_endpoint_holding_none(vendors)

    run = runner.run(xdr_playbook_on_endpoints(runner), incident, {'Endpoints': [empty, *chosen]})

    assert not run.failed, run.error
    assert restores_sent_to(xdr) == [(file_hash, empty)]
    notes = '\n'.join(run.notes)
    assert 'no file was restored' not in notes, notes
    assert all(f'file_hash={file_hash} endpoint_id={e}' in notes for e in chosen), notes


def test_closed_again_after_a_restore_on_the_endpoints_given_the_gate_s_note_names_those_endpoints_not_every_one(
        vendors):
    """The first close restored the file on the two endpoints given, each its own action; a third endpoint still holds
    it quarantined. Closed again, the reputation check's note says where the earlier restore put it back: on those
    endpoints, not "on every endpoint", which would tell the analyst the third is done too."""
    xdr, _ = vendors
    file_hash = sorted(h for h, endpoints in HOLDERS.items() if len(endpoints) > 2)[0]
    chosen = [e for e in HOLDERS[file_hash] if e not in FAILING][:2]
    [left] = [e for e in HOLDERS[file_hash] if e not in chosen]
    incident = close_incident({'id': '9', 'CustomFields': {'filesha256': file_hash}}, 'False Positive')
    runner = runner_for(vendors)
    first = runner.run(xdr_playbook_on_endpoints(runner), incident, {'Endpoints': chosen})
    assert not first.failed, first.error
    assert file_hash in xdr.backend.quarantined(left)

    again = runner.run(xdr_playbook_on_endpoints(runner), incident, dict(first.context, Endpoints=chosen))

    assert not again.failed, again.error
    lines = [line for note in again.notes for line in note.splitlines() if 'was not run again' in line]
    assert len(lines) == len(chosen), again.notes
    assert all('every endpoint' not in line for line in lines), lines
    assert sorted(e for line in lines for e in chosen if e in line.split(':')[1]) == sorted(chosen), lines


# An endpoint list read from a grid or the context may hold a blank item: empty text, an empty list, or a row of empty
# cells. It is no endpoint: the gate took it for one (its text, "[]" or the row's), and the playbook ran restore-file
# there, which refused it, and the playbook took its error path beside the restores it sent.
@pytest.mark.parametrize('blank', [[], {}, {'endpoint_id': '', 'endpoint_name': ' '}, [[''], {'endpoint_id': None}]],
                         ids=repr)
def test_a_blank_item_among_the_endpoints_the_xdr_playbook_is_given_is_no_endpoint(vendors, blank):
    xdr, _ = vendors
    [file_hash] = [h for h, endpoints in HOLDERS.items() if len(set(endpoints) - set(FAILING)) >= 2 and
                   len(endpoints) > 2]
    chosen = [e for e in HOLDERS[file_hash] if e not in FAILING][:2]
    incident = close_incident({'id': '9', 'CustomFields': {'filesha256': file_hash}}, 'False Positive')
    runner = runner_for(vendors)

    run = runner.run(xdr_playbook_on_endpoints(runner), incident, {'Endpoints': [blank, *chosen]})

    assert not run.failed, run.error
    assert not [e for e in run.entries if e.get('Type') == 4], '\n'.join(run.notes)
    assert sorted(restores_sent_to(xdr)) == sorted((file_hash, e) for e in chosen)
    assert get_path(run.context, 'QuarantineRestore.Gate.endpoints') == chosen


@pytest.mark.parametrize('covered_first', [True, False], ids=['covered-endpoint-first', 'covered-endpoint-last'])
def test_given_several_endpoints_one_of_which_an_earlier_restore_covered_the_xdr_playbook_restores_on_the_others_only(
        vendors, covered_first):
    """The gate's endpoint_id is not isArray: XSOAR ran it once per endpoint, each run replacing
    QuarantineRestore.Gate(true), so restore-file (run once per endpoint too) sent on every endpoint what the LAST
    endpoint's run allowed: the file sent again where an earlier restore gave it back (refused: no copy left, the note
    calling the restore FAILED), or not sent at all where it is still quarantined."""
    xdr, _ = vendors
    [file_hash] = [h for h, endpoints in HOLDERS.items() if len(endpoints) == 2 and not set(endpoints) & set(FAILING)]
    covered, other = HOLDERS[file_hash]
    incident = close_incident({'id': '9', 'CustomFields': {'filesha256': file_hash}}, 'False Positive')
    runner = runner_for(vendors)
    first = runner.run(xdr_playbook_on_endpoints(runner), incident, {'Endpoints': [covered]})
    assert not first.failed, first.error
    assert file_hash in xdr.backend.restored(covered) and file_hash in xdr.backend.quarantined(other)
    [record] = as_list(get_path(first.context, 'CortexXDR.RestoredFile'))

    endpoints = [covered, other] if covered_first else [other, covered]
    again = runner.run(xdr_playbook_on_endpoints(runner), incident, dict(first.context, Endpoints=endpoints))

    assert not again.failed, again.error
    assert restores_sent_to(xdr) == [(file_hash, covered), (file_hash, other)]  # the first run's, then the other's
    assert file_hash in xdr.backend.restored(other)
    notes = '\n'.join(again.notes)
    assert 'FAILED' not in notes and not any(e.get('Type') == 4 for e in again.entries)
    [line] = [line for line in notes.splitlines() if f'was not run again for `{file_hash}`' in line]
    assert f'(action {record["action_id"]})' in line and f'endpoint_id={covered}' in line
    summary = as_list(get_path(again.context, 'QuarantineRestore.Summary'))[-1]
    assert summary['restored'] >= 1 and other in notes


# Cortex XDR's endpoint IDs are 32 hex digits, which name the same number in either case, and Cortex XDR (as its
# emulator) restores on the same endpoint whichever case a request gives. The same endpoint given again in the other
# case (pasted from elsewhere, typed) is that endpoint: an earlier restore there covers it, and the playbook restores
# on it once.
@pytest.mark.parametrize('given', ['covered before', 'twice in one list'])
def test_the_xdr_playbook_takes_an_endpoint_id_in_either_case_for_the_same_endpoint(vendors, given):
    xdr, _ = vendors
    [file_hash] = [h for h, endpoints in HOLDERS.items() if len(endpoints) == 2 and not set(endpoints) & set(FAILING)]
    endpoint, other = HOLDERS[file_hash]
    incident = close_incident({'id': '9', 'CustomFields': {'filesha256': file_hash}}, 'False Positive')
    runner = runner_for(vendors)
    context = {}
    if given == 'covered before':
        first = runner.run(xdr_playbook_on_endpoints(runner), incident, {'Endpoints': [endpoint]})
        assert not first.failed and file_hash in xdr.backend.restored(endpoint), first.error
        context = first.context

    run = runner.run(xdr_playbook_on_endpoints(runner), incident,
                     dict(context, Endpoints=[endpoint.upper()] if given == 'covered before' else
                          [endpoint, endpoint.upper()]))

    assert not run.failed, run.error
    sent = [e.lower() for h, e in restores_sent_to(xdr)]
    assert sent == [endpoint], sent  # once, on that endpoint
    assert file_hash in xdr.backend.restored(endpoint) and file_hash in xdr.backend.quarantined(other)
    notes = '\n'.join(run.notes)
    assert 'FAILED' not in notes and not any(e.get('Type') == 4 for e in run.entries), notes


def test_given_several_endpoints_a_file_held_for_its_reputation_gets_a_by_hand_command_per_endpoint(vendors):
    # restore-file's endpoint_id takes one endpoint: a command naming them all would be refused.
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_known_bad.json')
    [file_hash] = known_bad(sample.context)
    endpoints = HOLDERS[file_hash][:2]
    runner = runner_for(vendors)

    run = runner.run(xdr_playbook_on_endpoints(runner), close_incident(sample.incident, 'False Positive'),
                     dict(sample.context, Endpoints=endpoints))

    assert not run.failed, run.error
    assert xdr_restores(xdr) == []
    notes = '\n'.join(run.notes)
    assert all(f'`!restore-file file_hash={file_hash} endpoint_id={e} incident_id={xdr_incident_id(sample)}`' in notes
               for e in endpoints)


def test_given_many_endpoints_the_gate_s_note_says_once_what_endpoints_alike_share_and_the_context_has_each_command():
    """An incident whose alerts name many endpoints (EndpointID a list of 120), each holding two files; an earlier run
    restored the first file on half of them. The rerun restores the second file everywhere; the first is covered on
    one half (its command by hand, should it be quarantined again) and left out on the other (restore-file takes one
    endpoint, and the playbook sends one list of files to each: its command by hand). One line per endpoint would be
    120 lines: as the summary note past READABLE_DETAIL_MAX (README), the gate's note says each thing once for the
    endpoints alike, names READABLE_LISTED_MAX of them, and gives one command to fill in, as a held file's line: each
    endpoint's command, 60 code spans in one line, is in QuarantineRestore.Gate.covered.by_hand."""
    first_file, second_file = sorted(HOLDERS)[:2]
    endpoints = [f'{n:032x}' for n in range(120)]
    xdr = start_tenant(seed={'endpoints': [{'endpoint_id': e, 'quarantined': [{'file_hash': first_file},
                                                                                {'file_hash': second_file}]}
                                           for e in endpoints]})
    try:
        runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None)
        incident = {'id': '9', 'CustomFields': {'filesha256': first_file}}
        first = runner.run(xdr_playbook_on_endpoints(runner), close_incident(incident, 'False Positive'),
                           {'Endpoints': endpoints[:60]})
        assert not first.failed, first.error
        incident = {'id': '9', 'CustomFields': {'filesha256': [first_file, second_file]}}
        again = runner.run(xdr_playbook_on_endpoints(runner), close_incident(incident, 'False Positive'),
                           dict(first.context, Endpoints=endpoints))
        assert not again.failed, again.error
        left = {(h, e) for e in endpoints for h in xdr.backend.quarantined(e)}
    finally:
        xdr.server.stop()

    assert left == {(first_file, e) for e in endpoints[60:]}  # the run is what the test asked for
    assert as_list(get_path(again.context, 'QuarantineRestore.Gate.endpoints')) == endpoints
    [note] = [n for n in again.notes if 'reputation check' in n]
    header, unscored, *lines = note.splitlines()[1:]
    assert unscored.startswith('- **Not scored**') and second_file in unscored, note  # no source scored it: unknown
    assert len(lines) == 2, note  # the endpoints covered before, alike; those the file is left out on, alike
    listed = facts.READABLE_LISTED_MAX
    assert [e for e in endpoints if e in header] == endpoints[:listed]
    assert f'and {len(endpoints) - listed:,} more' in header
    for line, half in zip(lines, (endpoints[:60], endpoints[60:])):
        spans = as_commonmark_reads(line)[0]
        [command] = [parse_line(span).args for span in spans if span.startswith('!restore-file ')]
        assert command == {'file_hash': first_file, 'endpoint_id': '<endpoint_id>'}, line
        assert [e for e in endpoints if e in line] == half[:listed] and f'and {len(half) - listed} more' in line
    commands = [parse_line(command).args for item in as_list(get_path(again.context, 'QuarantineRestore.Gate.covered'))
                for command in as_list(item['by_hand'])]
    by_hand = {(h, args['endpoint_id']) for args in commands for h in args['file_hash'].split(',')}
    assert all(',' not in args['endpoint_id'] for args in commands)  # restore-file's endpoint_id takes one
    assert by_hand == {(first_file, e) for e in endpoints}  # given back on one half, left on the other


def test_given_many_endpoints_whose_restores_the_gate_could_not_read_again_the_context_has_each_one_s_check():
    """restore-file without polling on each of 60 endpoints (as an analyst runs it, or a close): each record says
    IN_PROGRESS, each its own action. The rerun's gate reads them again, and XSOAR's server fails every read alike: the
    file is not sent blind, and the endpoints share one line, which gives one check and one command by hand to fill
    in (it gave each endpoint both, 120 code spans in one line); QuarantineRestore.Gate.covered has each endpoint's
    check of its own action and its command by hand."""
    file_hash = sorted(HOLDERS)[0]
    endpoints = [f'{n:032x}' for n in range(60)]
    xdr = start_tenant(seed={'endpoints': [{'endpoint_id': e, 'quarantined': [{'file_hash': file_hash}]}
                                           for e in endpoints]}, stage_seconds=3600)  # the actions outlive the test
    try:
        room = WarRoom(params=xdr.params(), time_scale=0, sleep=lambda _: None)
        assert not any(room.run('restore-file', {'file_hash': file_hash, 'endpoint_id': e, 'polling': 'false'}).failed
                       for e in endpoints)
        runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None,
                                server_errors={'restore-file': 'the engine did not answer'})
        incident = close_incident({'id': '9', 'CustomFields': {'filesha256': file_hash}}, 'False Positive')
        run = runner.run(xdr_playbook_on_endpoints(runner), incident, dict(room.context, Endpoints=endpoints))
    finally:
        xdr.server.stop()

    assert not run.failed, run.error
    records = {r['endpoint_id']: r for r in as_list(get_path(room.context, 'CortexXDR.RestoredFile'))}
    assert sorted(records) == endpoints and {r['status'] for r in records.values()} == {'IN_PROGRESS'}
    assert get_path(run.context, 'QuarantineRestore.Gate.allowed') in (None, [])
    [note] = [n for n in run.notes if 'reputation check' in n]
    [line] = [line for line in note.splitlines() if line.startswith('- ')]
    shown = [parse_line(span).args for span in as_commonmark_reads(line)[0] if span.startswith('!restore-file ')]
    assert [args['endpoint_id'] for args in shown] == ['<endpoint_id>'] * 2, line
    [covered] = as_list(get_path(run.context, 'QuarantineRestore.Gate.covered'))
    commands = [parse_line(command).args for command in covered['check'] + covered['by_hand']]
    checks = {(args['endpoint_id'], str(ri.action_id_list(args['action_id'])[0])) for args in commands
              if 'action_id' in args}
    assert checks == {(e, str(record['action_id'])) for e, record in records.items()}
    assert {args['endpoint_id'] for args in commands if 'action_id' not in args} == set(endpoints)


@pytest.mark.parametrize('count', [facts.READABLE_DETAIL_MAX, facts.READABLE_DETAIL_MAX + 1])
def test_the_gate_s_note_gives_each_endpoint_a_line_up_to_the_readme_s_threshold_and_groups_them_past_it(count):
    """Up to READABLE_DETAIL_MAX endpoints, a line each with its command; past it one line, with one command to fill
    in, and QuarantineRestore.Gate.covered.by_hand has each endpoint's."""
    file_hash = sorted(HOLDERS)[0]
    endpoints = [f'{n:032x}' for n in range(count)]
    xdr = start_tenant(seed={'endpoints': [{'endpoint_id': e, 'quarantined': [{'file_hash': file_hash}]}
                                           for e in endpoints]})
    try:
        room = WarRoom(params=xdr.params(), time_scale=0, sleep=lambda _: None)
        assert not any(room.run('restore-file', {'file_hash': file_hash, 'endpoint_id': e}).failed for e in endpoints)
        runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None)
        incident = close_incident({'id': '9', 'CustomFields': {'filesha256': file_hash}}, 'False Positive')
        run = runner.run(xdr_playbook_on_endpoints(runner), incident, dict(room.context, Endpoints=endpoints))
    finally:
        xdr.server.stop()

    assert not run.failed, run.error
    [note] = [n for n in run.notes if 'reputation check' in n]
    lines = [line for line in note.splitlines() if line.startswith('- ')]
    assert len(lines) == (count if count <= facts.READABLE_DETAIL_MAX else 1)
    commands = [parse_line(span).args for line in lines for span in as_commonmark_reads(line)[0]
                if span.startswith('!restore-file ')]
    kept = [parse_line(command).args for item in as_list(get_path(run.context, 'QuarantineRestore.Gate.covered'))
            for command in as_list(item['by_hand'])]
    assert sorted(args['endpoint_id'] for args in kept) == endpoints
    shown = endpoints if count <= facts.READABLE_DETAIL_MAX else ['<endpoint_id>']
    assert sorted(args['endpoint_id'] for args in commands) == shown


def bad_scores(hashes):
    """The bad DBotScore of the known-bad sample (test_data/incidents/xdr_known_bad.json), as its source would give it
    to each of ``hashes``."""
    sample = IncidentFile.load(INCIDENTS / 'xdr_known_bad.json')
    [bad] = [score for score in as_list(sample.context['DBotScore']) if int(float(score['Score'])) == 3]
    return [dict(bad, Indicator=h) for h in hashes]


def held_lines(run):
    """{the file (hash or path) a held line names first: the line} of the reputation check's note."""
    [note] = [n for n in run.notes if 'reputation check' in n]
    lines = [line for line in note.splitlines() if line.startswith('- **Held back**')]
    return {as_commonmark_reads(line)[0][0]: line for line in lines}


@pytest.mark.parametrize('files, count', [(1, facts.READABLE_DETAIL_MAX), (2, 26), (3, 120)])
def test_a_held_file_s_line_gives_each_endpoint_its_command_up_to_the_threshold_and_past_it_names_20_and_one_to_fill_in(
        files, count):
    """restore-file's endpoint_id takes one endpoint, so a file held for its reputation in an incident of many
    endpoints had one command per endpoint in its line, and the note grew as held files times endpoints (3 files on
    120 endpoints: 360 commands). As the note's other lines (README, "Readable at any scale"): up to
    READABLE_DETAIL_MAX held file-endpoint pairs each endpoint keeps its command; past it each held line says how many
    endpoints, names READABLE_LISTED_MAX, and gives one command to fill in for each, while the context's
    QuarantineRestore.Gate.held.by_hand keeps every endpoint's command, so that each one can still be restored."""
    held = sorted(HOLDERS)[:files]
    endpoints = [f'{n:032x}' for n in range(count)]
    xdr = start_tenant(seed={'endpoints': [{'endpoint_id': e, 'quarantined': [{'file_hash': h} for h in held]}
                                           for e in endpoints]})
    try:
        runner = PlaybookRunner(xdr.params(), time_scale=0, sleep=lambda _: None)
        incident = close_incident({'id': '9', 'CustomFields': {'filesha256': held}}, 'False Positive')
        run = runner.run(xdr_playbook_on_endpoints(runner), incident,
                         {'Endpoints': endpoints, 'DBotScore': bad_scores(held)})
        sent, left = xdr_restores(xdr), {(h, e) for e in endpoints for h in xdr.backend.quarantined(e)}
    finally:
        xdr.server.stop()

    assert not run.failed, run.error
    assert sent == [] and left == {(h, e) for h in held for e in endpoints}
    by_hand = [parse_line(command).args for item in as_list(get_path(run.context, 'QuarantineRestore.Gate.held'))
               for command in as_list(item['by_hand'])]
    assert sorted((args['file_hash'], args['endpoint_id']) for args in by_hand) == \
        sorted((h, e) for h in held for e in endpoints)  # every endpoint restorable from the context
    lines = held_lines(run)
    assert sorted(lines) == held
    listed = facts.READABLE_LISTED_MAX
    for file_hash, line in lines.items():
        commands = [parse_line(span).args for span in as_commonmark_reads(line)[0]
                    if span.startswith('!restore-file ')]
        assert {args['file_hash'] for args in commands} == {file_hash}
        if files * count <= facts.READABLE_DETAIL_MAX:
            assert sorted(args['endpoint_id'] for args in commands) == endpoints
            continue
        assert [e for e in endpoints if e in line] == endpoints[:listed]
        assert f'{count:,} endpoints' in line and f'and {count - listed:,} more' in line
        [one] = commands
        assert one['endpoint_id'] not in endpoints and 'QuarantineRestore.Gate.held.by_hand' in line


@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
def test_files_held_on_many_hss_hosts_each_get_a_line_naming_20_hosts_and_the_context_restores_them_on_all(by,
                                                                                                           tmp_path):
    """hss-restore-isolated's host_id takes a list, so a held file's command names every host of the incident, and a
    held path's line named each host too: 3 files on 120 hosts made a note of 3 x 120 host IDs twice over. Past
    READABLE_DETAIL_MAX held file-host pairs (README, "Readable at any scale") each held line says how many hosts,
    names READABLE_LISTED_MAX, and gives the command for one host to fill in; QuarantineRestore.Gate.held.by_hand keeps
    the command that restores the file on every host."""
    held = sorted(HOLDERS)[:3]
    seed, paths, hosts = many_hosts_seed(tmp_path, held, 120)
    named = {'filesha256': held} if by == 'file_hash' else \
        {'filesha256': [], 'huaweihssfilepaths': list(paths.values())}
    fields = {'huaweihsshostid': hosts, **named}
    context = {'DBotScore': bad_scores(held), 'File': [{'Path': paths[h], 'SHA256': h} for h in held]}
    tenant = start_hss_tenant(seed=seed)
    try:
        runner = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None)
        run = runner.run(HSS_PLAYBOOK, close_incident({'id': '9', 'CustomFields': fields}, 'False Positive'), context)
        puts = hss_puts(tenant)
        statuses = {tenant.backend.isolation_status(host, h, paths[h]) for host in hosts for h in held}
        assert not run.failed, run.error
        # the context's command, run, restores its file on every host (the emulator's state, not the command's words)
        [by_hand, *_] = [item['by_hand'] for item in as_list(get_path(run.context, 'QuarantineRestore.Gate.held'))]
        ran = run_by_hand(tenant, by_hand, polling='false')
        value = ri.hss_field_list(parse_line(by_hand).args[by], by)[0]
        file_hash = value if by == 'file_hash' else next(h for h in held if paths[h] == value)
        restored = {tenant.backend.isolation_status(host, file_hash, paths[file_hash]) for host in hosts}
    finally:
        tenant.stack.close()

    assert puts == [] and statuses == {'isolated'}
    assert not ran.failed and restored == {'restored'}, ran.entries[-1]
    wanted = held if by == 'file_hash' else list(paths.values())
    restores = [parse_line(item['by_hand']).args
                for item in as_list(get_path(run.context, 'QuarantineRestore.Gate.held'))]
    assert sorted((ri.hss_field_list(args[by], by), ri.hss_field_list(args['host_id'], 'host_id'))
                  for args in restores) == sorted(([value], hosts) for value in wanted)  # every host, from the context
    lines = held_lines(run)
    assert sorted(lines) == sorted(wanted)
    for value, line in lines.items():
        assert_names_20_hosts_and_one_to_fill_in(line, hosts, by, value, 'QuarantineRestore.Gate.held.by_hand')



def not_sent_lines(run):
    """{the file (hash or path) a line of the reputation check's note says was not sent again names first: the line}."""
    [note] = [n for n in run.notes if 'reputation check' in n]
    return {as_commonmark_reads(line)[0][1]: line for line in note.splitlines() if 'was not run again' in line}


@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
def test_files_restored_before_on_many_hss_hosts_get_lines_naming_20_hosts_and_the_context_restores_them_on_all(
        by, tmp_path):
    """Run again on a reopened incident, the HSS playbook sends no second restore of what the first gave back, and the
    reputation check's line for each such file gave the command that restores it by hand on every host of the
    incident, and named every host it was restored on: 3 files on 120 hosts made 3 lines of 240 host IDs each. As a
    held file's line (README, "Readable at any scale"), past READABLE_DETAIL_MAX file-host pairs each line says how
    many hosts, names READABLE_LISTED_MAX, and gives the command for one host to fill in; the context keeps the
    command that restores the file on every host. By path, one path: hss-restore-isolated lines its lists up item by
    item, so a restore of several paths on several hosts is refused."""
    files = sorted(HOLDERS)[:3 if by == 'file_hash' else 1]
    seed, paths, hosts = many_hosts_seed(tmp_path, files, 120)
    named = {'filesha256': files} if by == 'file_hash' else \
        {'filesha256': [], 'huaweihssfilepaths': list(paths.values())}
    incident = close_incident({'id': '9', 'CustomFields': {'huaweihsshostid': hosts, **named}}, 'False Positive')
    wanted = files if by == 'file_hash' else list(paths.values())
    tenant = start_hss_tenant(seed=seed)
    try:
        runner = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None)
        first = runner.run(HSS_PLAYBOOK, incident, {})
        assert not first.failed, first.error
        puts = len(hss_puts(tenant))
        again = runner.run(HSS_PLAYBOOK, incident, first.context)
        assert not again.failed, again.error
        assert len(hss_puts(tenant)) == puts  # nothing sent again
        covered = [parse_line(command).args
                   for command in as_list(get_path(again.context, 'QuarantineRestore.Gate.covered.by_hand'))]
        restores = {ri.hss_field_list(args[by], by)[0]: args for args in covered}
        assert sorted(restores) == sorted(wanted) and len(covered) == len(wanted)
        assert all(ri.hss_field_list(args['host_id'], 'host_id') == hosts for args in covered)
        for host in hosts:  # quarantined again since: the context's command gives it back on every host
            tenant.backend.isolate_file(host, files[0], paths[files[0]])
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        assert not room.run('hss-restore-isolated', dict(restores[wanted[0]], polling='false')).failed
        sent = {(item['host_id'], item[by]) for put in hss_puts(tenant)[puts:] for item in put.body['data_list']}
    finally:
        tenant.stack.close()

    assert sent == {(host, wanted[0]) for host in hosts}
    lines = not_sent_lines(again)
    assert sorted(lines) == sorted(wanted)
    for value, line in lines.items():
        assert_names_20_hosts_and_one_to_fill_in(line, hosts, by, value, 'QuarantineRestore.Gate.covered.by_hand')


@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
def test_copies_left_restoring_on_many_hss_hosts_and_not_read_again_get_one_check_to_fill_in_and_the_context_has_all(
        by, tmp_path):
    """The on-close script left each copy restoring on 120 hosts; run again while the server fails the gate's read of
    them, the playbook sends nothing blind, and each file's line gave the check to run first as one command naming
    every copy's host, hash and path: 3 files on 120 hosts made 3 checks of 360 values each. As its by-hand command,
    past READABLE_DETAIL_MAX file-host pairs the check is for one host, to fill in, and
    QuarantineRestore.Gate.covered.check keeps the check that reads every copy, which sends no restore."""
    files = sorted(HOLDERS)[:3 if by == 'file_hash' else 1]
    seed, paths, hosts = many_hosts_seed(tmp_path, files, 120)
    named = {'filesha256': files} if by == 'file_hash' else \
        {'filesha256': [], 'huaweihssfilepaths': list(paths.values())}
    incident = close_incident({'id': '9', 'type': 'Huawei Cloud HSS Event',
                               'CustomFields': {'huaweihsshostid': hosts, **named}}, 'False Positive')
    wanted = files if by == 'file_hash' else list(paths.values())
    tenant = start_hss_tenant(seed=seed)
    try:
        first = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None).run_post_processing(
            'QuarantineRestoreOnClose', incident, {})
        assert not first.failed, first.error
        assert {row['outcome'] for row in as_list(get_path(first.context, 'HuaweiHSS.RestoredFile'))} == {'restoring'}
        puts = len(hss_puts(tenant))
        failing = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None,
                                 server_errors={'hss-restore-isolated': 'the engine did not answer'})
        again = failing.run(HSS_PLAYBOOK, incident, first.context)
        assert not again.failed, again.error
        assert len(hss_puts(tenant)) == puts  # nothing sent blind
        read = {}
        for item in as_list(get_path(again.context, 'QuarantineRestore.Gate.covered')):
            room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
            entry = room.run('hss-restore-isolated', parse_line(item['check']).args)
            assert not entry.failed
            read[item[by]] = {(row['host_id'], row[by]) for row in as_list(get_path(entry.context,
                                                                                   'HuaweiHSS.RestoredFile'))}
        assert len(hss_puts(tenant)) == puts  # a check, no restore
    finally:
        tenant.stack.close()

    assert read == {value: {(host, value) for host in hosts} for value in wanted}  # every copy, read by the context's
    lines = not_sent_lines(again)
    assert sorted(lines) == sorted(wanted)
    for value, line in lines.items():
        assert 'Check it first' in line, line
        assert_names_20_hosts_and_one_to_fill_in(line, hosts, by, value, 'QuarantineRestore.Gate.covered.check', True)
        assert_names_20_hosts_and_one_to_fill_in(line, hosts, by, value, 'QuarantineRestore.Gate.covered.by_hand')


def test_a_blank_xdr_incident_id_field_falls_back_to_the_mirror_id(vendors):
    """An incident whose XDR Incident ID field holds empty text but which mirrors a Cortex XDR incident: XDRIncidentID
    took the first of [blank, mirror ID], the blank, so the playbook said it knew no Cortex XDR incident and restored
    nothing. It now drops blanks before taking the first (FiltersAndTransformers' RemoveEmpty), and reads the
    artifacts of the mirrored incident."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_lite_minimized.json')
    blank = {**sample.incident, 'CustomFields': {**sample.incident['CustomFields'], 'xdrincidentid': ''}}

    run = runner_for(vendors).run(XDR_PLAYBOOK, close_incident(blank, 'False Positive'), sample.context)

    assert not run.failed, run.error
    called = [e for e in run.events if e.command == 'xdr-get-incident-extra-data']
    assert [e.args for e in called] == [{'incident_id': sample.incident['dbotMirrorId']}]
    hashes = {a['file_sha256'] for a in recorded_artifacts(sample)}
    assert hashes and {r.body['request_data']['file_hash'] for r in xdr_restores(xdr)} == hashes


HSS_SAMPLES = sorted(p.name for p in INCIDENTS.glob('*.json') if 'HSS' in IncidentFile.load(p).incident['type'])


@pytest.mark.parametrize('name', HSS_SAMPLES)
def test_the_xdr_playbook_never_takes_a_fetched_hss_incident_s_mirror_id_for_a_cortex_xdr_incident_id(vendors, name):
    """The pack's HSS fetch sets dbotMirrorId to HSS's event_id. The Cortex XDR playbook took any mirror ID as the
    Cortex XDR incident ID: with no SHA256 it asked xdr-get-incident-extra-data about the HSS event, and with one it
    handed restore-file the event ID, which refused it, so the file Cortex XDR holds was not restored. On an incident
    of no Cortex XDR type the mirror ID is now not read; its File SHA256 is restored under no incident ID."""
    xdr, _ = vendors
    sample, run = close_and_run(vendors, name, 'False Positive', playbook=XDR_PLAYBOOK)
    mirror_id = sample.incident['dbotMirrorId']

    assert not run.failed, run.error
    assert [e.command for e in run.events if mirror_id in json.dumps(e.args)] == []
    sent = [r.body['request_data'] for r in xdr_restores(xdr)]
    assert {h for body in sent for h in as_list(body['file_hash'])} == (
        incident_hashes(sample) - known_bad(sample.context))
    assert all('incident_id' not in body for body in sent)


@pytest.mark.parametrize('playbook', [RESTORE_PLAYBOOK, XDR_PLAYBOOK])
def test_another_integration_s_numeric_mirror_id_does_not_make_a_cortex_xdr_record_in_context_the_incident_s(
        vendors, playbook):
    """An incident another integration fetched and mirrors under a number (an offense or a ticket number) whose war
    room holds a Cortex XDR incident an analyst read to compare, under that same number: the playbooks took the
    record for the incident's own (its incident_id equals the mirror ID), routed it to Cortex XDR and restored that
    other incident's files. The mirror ID is a Cortex XDR incident ID only on an incident of a Cortex XDR type."""
    xdr, _ = vendors
    read = IncidentFile.load(INCIDENTS / 'xdr_closed_other_reason.json')
    record_id = str(get_path(read.context, XDR_INCIDENT + '.incident_id'))
    assert get_path(read.context, XDR_INCIDENT + '.file_artifacts')  # files it would restore
    other = {'id': '3001', 'name': 'Offense 413', 'type': 'Unclassified', 'dbotMirrorId': record_id, 'CustomFields': {}}

    run = runner_for(vendors).run(playbook, close_incident(other, 'False Positive'), read.context)

    assert not run.failed, run.error
    assert xdr_restores(xdr) == []
    assert [e.args for e in run.events if e.command == 'xdr-get-incident-extra-data'] == []


@pytest.mark.parametrize('playbook', [XDR_PLAYBOOK, RESTORE_PLAYBOOK])
def test_an_xdr_incident_whose_mirror_id_names_another_incident_restores_only_the_files_of_its_xdr_incident_id(
        vendors, playbook):
    """A Cortex XDR incident whose XDR Incident ID field and mirror ID disagree, whose war room holds the record of the
    mirror ID's incident (an analyst read it): the FileSHA256 input took the file artifacts of any record matching
    either, so that other incident's files were restored, under this incident's ID, and its own never read. The
    incident's Cortex XDR ID is the field's (the on-close rule, README), and only its own record's files are taken."""
    xdr, _ = vendors
    own = IncidentFile.load(INCIDENTS / 'xdr_lite_minimized.json')  # no SHA256 field: its files are in Cortex XDR
    read = IncidentFile.load(INCIDENTS / 'xdr_closed_other_reason.json')
    other_id = str(get_path(read.context, XDR_INCIDENT + '.incident_id'))
    other_hashes = {a['file_sha256'] for a in as_list(get_path(read.context, XDR_INCIDENT + '.file_artifacts'))}
    own_hashes = {a['file_sha256'] for a in recorded_artifacts(own)}
    assert other_id != xdr_incident_id(own) and own_hashes and other_hashes and not own_hashes & other_hashes
    incident = close_incident({**own.incident, 'dbotMirrorId': other_id}, 'False Positive')

    run = runner_for(vendors).run(playbook, incident, read.context)

    assert not run.failed, run.error
    assert {r.body['request_data']['file_hash'] for r in xdr_restores(xdr)} == own_hashes
    assert {r.body['request_data'].get('incident_id') for r in xdr_restores(xdr)} == {int(xdr_incident_id(own))}


@pytest.mark.parametrize('playbook', [XDR_PLAYBOOK, RESTORE_PLAYBOOK])
@pytest.mark.parametrize('blank', ['', [''], ' ', [' '], ['', '\t ']])
def test_a_blank_file_sha256_field_is_no_file_and_the_files_cortex_xdr_holds_are_restored(vendors, playbook, blank):
    """A minimized incident whose File SHA256 field holds empty text (or a list of it): the playbook rightly asked
    Cortex XDR for the incident's files, then handed the reputation check those files and the blank, which it refused
    (file_hash takes SHA256 values), and the playbook stopped with nothing restored. Blanks are now dropped
    (FiltersAndTransformers' RemoveEmpty) wherever the SHA256 values are gathered. Text of blanks only is no file
    either, as the on-close script reads it: the playbook took it for a hash, skipped asking Cortex XDR for the
    incident's files, and ended with nothing restored and no note saying so."""
    xdr, _ = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_lite_minimized.json')
    fields = {**sample.incident['CustomFields'], 'filesha256': blank}

    run = runner_for(vendors).run(playbook,
                                  close_incident({**sample.incident, 'CustomFields': fields}, 'False Positive'),
                                  sample.context)

    assert not run.failed, run.error
    hashes = {a['file_sha256'] for a in recorded_artifacts(sample)}
    assert hashes and {r.body['request_data']['file_hash'] for r in xdr_restores(xdr)} == hashes


@pytest.mark.parametrize('playbook', [HSS_PLAYBOOK, RESTORE_PLAYBOOK])
@pytest.mark.parametrize('blank', [' ', [' '], ['', '\t ']])
def test_an_hss_event_whose_file_sha256_field_holds_blanks_only_is_restored_by_host_and_path(vendors, playbook, blank):
    """An HSS event whose File SHA256 field holds text of blanks only names no hash, as the on-close script reads it:
    its file is restored by host and path. The playbook took the blanks for a hash, restored nothing and wrote no
    note."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = sample.incident['CustomFields']
    incident = close_incident({**sample.incident, 'CustomFields': {**fields, 'filesha256': blank}}, 'False Positive')

    run = runner_for(vendors).run(playbook, incident, sample.context)

    assert not run.failed, run.error
    [put] = hss_puts(hss)
    assert [(item['host_id'], item['file_path']) for item in put.body['data_list']] == \
        [(fields['huaweihsshostid'], path) for path in fields['huaweihssfilepaths']]


def test_a_blank_item_in_an_hss_event_s_file_sha256_field_is_not_sent_to_the_reputation_check(vendors):
    # The same for HSS: a blank beside the event's hash was handed to the reputation check, which refused it, and the
    # playbook stopped before restoring the hash it did name.
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    [file_hash] = incident_hashes(sample)
    fields = {**sample.incident['CustomFields'], 'filesha256': ['', file_hash]}

    run = runner_for(vendors).run(HSS_PLAYBOOK, close_incident({**sample.incident, 'CustomFields': fields},
                                                               'False Positive'), sample.context)

    assert not run.failed, run.error
    checked = [as_list(event.args['file_hash']) for event in run.events if event.command == GATE_SCRIPT]
    assert checked == [[file_hash]], checked
    assert [put.body['data_list'][0]['file_hash'] for put in hss_puts(hss)] == [file_hash]


def test_a_blank_item_in_an_hss_event_s_file_paths_is_not_sent_to_the_reputation_check(vendors):
    # Restored by host and path (no hash in the incident): a blank beside the event's path was refused by the
    # reputation check (file_path takes file paths), and the playbook stopped before restoring the path it did name.
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = dict(sample.incident['CustomFields'])
    fields.pop('filesha256')
    paths = fields['huaweihssfilepaths']
    fields['huaweihssfilepaths'] = ['', *paths]

    run = runner_for(vendors).run(HSS_PLAYBOOK, close_incident({**sample.incident, 'CustomFields': fields},
                                                               'False Positive'), sample.context)

    assert not run.failed, run.error
    checked = [as_list(event.args['file_path']) for event in run.events if event.command == GATE_SCRIPT]
    assert checked == [paths], checked
    assert {row['file_path'] for put in hss_puts(hss) for row in put.body['data_list']} == set(paths)


def test_a_restore_task_that_takes_endpoints_is_not_named_as_restoring_on_every_endpoint_alone():
    """XSOAR's playbook view and the war-room timeline show a task by its name: a restore-file task given an
    endpoint_id (the endpoints the playbook's EndpointID input names, through the gate) restores on those only when
    it is set, so a name saying "every endpoint" without that limit tells the analyst what it does not do; the limit
    is named in words an analyst reads, not by the input's internal name."""
    found = 0
    for path in (ROOT / 'playbooks').glob('playbook-*.yml'):
        for task in yaml.safe_load(path.read_text(encoding='utf-8'))['tasks'].values():
            if task['task'].get('script', '').endswith('|||restore-file') and 'endpoint_id' in (
                    task.get('scriptarguments') or {}):
                found += 1
                name = task['task']['name']
                assert 'EndpointID' not in name, (path.name, name)
                assert 'every endpoint' not in name or 'the endpoints given' in name, (path.name, name)
    assert found


def test_an_hss_incident_whose_host_field_holds_the_host_s_name_leaves_a_step_to_restore_it_by_the_host_s_id(vendors):
    """The Huawei HSS Host ID field edited to the name the console shows: host_id takes HSS's host ID, so the restore
    finds no copy as given, while HSS lists the file isolated on the host so named. The file is still isolated: the
    summary must not say nothing is left to restore by hand; its step gives the host's ID."""
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    [file_hash] = incident_hashes(sample)
    host_id = sample.incident['CustomFields']['huaweihsshostid']
    [copy] = [c for c in HSS_COPIES[file_hash] if c['host_id'] == host_id]
    fields = dict(sample.incident['CustomFields'], huaweihsshostid=copy['host_name'])
    incident = close_incident(dict(sample.incident, CustomFields=fields), sample.close_reason)

    run = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    assert hss.backend.isolation_status(host_id, file_hash, copy['file_path']) == 'isolated'
    summary = get_path(run.context, 'QuarantineRestore.Summary')
    assert summary['needs_manual_action'] is True, summary
    [note] = [n for n in run.notes if 'What to do by hand' in n]
    by_hand = note[note.index('What to do by hand'):]
    assert 'Nothing: no file is left' not in by_hand and f'host_id={host_id}' in by_hand, by_hand


@pytest.mark.parametrize('field', ['abc', ' '], ids=['no ID a Cortex XDR incident has', 'emptied to a blank'])
def test_an_hss_incident_whose_xdr_incident_id_field_names_no_cortex_xdr_incident_is_not_routed_to_cortex_xdr(
        vendors, field):
    """The False Positive playbook routed to the Cortex XDR restore any incident whose XDR Incident ID field held
    anything, while the Cortex XDR playbook takes only an ID a Cortex XDR incident can have: an HSS event whose field
    held 'abc' or a blank (an analyst emptied it) had its HSS file sent to Cortex XDR too, and the summary called the
    restore FAILED though HSS restored it. Such a field names no Cortex XDR incident, and the incident goes to HSS
    only."""
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')  # a file HSS restores
    assert 'Cortex XDR' not in sample.incident['type'] and not sample.incident['CustomFields'].get('xdrfileartifacts')
    incident = {**sample.incident, 'CustomFields': {**sample.incident['CustomFields'], 'xdrincidentid': field}}

    run = runner_for(vendors).run(RESTORE_PLAYBOOK, close_incident(incident, 'False Positive'), sample.context)

    assert not run.failed, run.error
    assert xdr.gateway.requests == [] and hss_puts(hss)
    assert not [note for note in run.notes if 'FAILED' in note], run.notes


def test_a_second_xdr_run_without_endpoints_restores_on_every_endpoint_not_on_those_an_earlier_run_was_given(vendors):
    """The gate writes its verdict with QuarantineRestore.Gate(true), which updates the object an earlier run left
    (content-docs dt.md: a match is updated; CommonServerPython's replace_existing relies on it): a field this run
    leaves out keeps the earlier run's value. Given no endpoint, the gate wrote no endpoints, so a second run of the
    playbook in the same incident (a reopen, or another file) restored on the endpoints the first run was given: on
    one endpoint instead of "every endpoint that holds the file" (EndpointID's description, and the seed)."""
    xdr, _ = vendors
    first, second = [h for h, endpoints in HOLDERS.items() if len(set(endpoints) - set(FAILING)) >= 2][:2]
    chosen = [e for e in HOLDERS[first] if e not in FAILING][:1]
    runner = runner_for(vendors)
    earlier = runner.run(xdr_playbook_on_endpoints(runner), close_incident(
        {'id': '9', 'CustomFields': {'filesha256': first}}, 'False Positive'), {'Endpoints': chosen})
    assert not earlier.failed, earlier.error
    context = {key: value for key, value in earlier.context.items() if key != 'Endpoints'}

    run = runner_for(vendors).run(XDR_PLAYBOOK, close_incident(
        {'id': '9', 'CustomFields': {'filesha256': second}}, 'False Positive'), context)

    assert not run.failed, run.error
    assert [sent for sent in restores_sent_to(xdr) if sent[0] == second] == [(second, None)]


def both_vendors_incident(xdr_status):
    """One incident holding the Cortex XDR sample's fields and the HSS sample's, not closed (no close reason), its
    mirrored Cortex XDR status ``xdr_status``; with the two samples' contexts."""
    x = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    h = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = {**x.incident['CustomFields'], **h.incident['CustomFields'], 'xdrstatusv2': xdr_status}
    return IncidentFile(dict(x.incident, CustomFields=fields), {**x.context, **h.context}, None, ''), h


# The Cortex XDR playbook takes a Cortex XDR status of resolved_false_positive as a false positive; the HSS playbook
# had no such input: an incident of both vendors resolved as a false positive in Cortex XDR (no close reason yet) had
# its Cortex XDR part restored and its HSS part noted "not a false positive", nothing restored.
@pytest.mark.parametrize('given', [{}, {'XDRIncidentStatus': 'resolved_false_positive'}])
def test_a_cortex_xdr_status_resolved_false_positive_restores_the_hss_part_of_an_incident_of_both_vendors(
        vendors, given):
    xdr, hss = vendors
    both, hss_sample = both_vendors_incident('resolved_false_positive' if not given else 'under_investigation')
    [hss_hash] = incident_hashes(hss_sample)
    host_id = hss_sample.incident['CustomFields']['huaweihsshostid']
    [own_copy] = [c for c in HSS_COPIES[hss_hash] if c['host_id'] == host_id]

    run = runner_for(vendors).run(analyst_branch(given), both.incident, both.context)

    assert not run.failed, run.error
    assert not any('no file was restored' in note for note in run.notes)
    assert hss.backend.isolation_status(host_id, hss_hash, own_copy['file_path']) in ('restoring', 'restored')
    assert restored_hashes_of(both, xdr, hss) == incident_hashes(both)


# Run alone, the HSS playbook restores by its own inputs and the incident's HSS fields: the Cortex XDR status of an
# incident of both vendors is heard only when a caller gives it (the False Positive playbook does), not read by itself.
@pytest.mark.parametrize('given, restored', [({}, False), ({'XDRIncidentStatus': 'resolved_false_positive'}, True),
                                             ({'CloseReason': 'False Positive'}, True)])
def test_the_hss_playbook_run_alone_reads_no_cortex_xdr_field_and_hears_the_status_a_caller_gives(
        vendors, given, restored):
    _, hss = vendors
    both, hss_sample = both_vendors_incident('resolved_false_positive')
    [hss_hash] = incident_hashes(hss_sample)
    host_id = hss_sample.incident['CustomFields']['huaweihsshostid']
    [own_copy] = [c for c in HSS_COPIES[hss_hash] if c['host_id'] == host_id]

    run = runner_for(vendors).run(analyst_branch(given, HSS_PLAYBOOK), both.incident, both.context)

    assert not run.failed, run.error
    status = hss.backend.isolation_status(host_id, hss_hash, own_copy['file_path'])
    assert (status in ('restoring', 'restored')) is restored
    assert any('no file was restored' in note for note in run.notes) is not restored


# XSOAR offers its close reasons from a list, but CloseReason given by a caller is its own text: each playbook compares
# it with False Positive ignoring case, as an analyst reads it.
@pytest.mark.parametrize('playbook, name', [(RESTORE_PLAYBOOK, 'xdr_false_positive.json'),
                                            (RESTORE_PLAYBOOK, 'hss_false_positive.json'),
                                            (XDR_PLAYBOOK, 'xdr_false_positive.json'),
                                            (HSS_PLAYBOOK, 'hss_false_positive.json')])
def test_a_close_reason_a_caller_gives_in_lower_case_still_restores(vendors, playbook, name):
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / name)
    given = sample.close_reason.lower()
    assert given != sample.close_reason

    run = runner_for(vendors).run(analyst_branch({'CloseReason': given}, playbook), sample.incident, sample.context)

    assert not run.failed, run.error
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == incident_hashes(sample)


def test_an_incident_of_another_type_holding_an_hss_alarm_id_is_routed_to_the_hss_restore(vendors):
    """The Huawei HSS Alarm ID field alone (an analyst changed the type of a fetched HSS event) routes the incident to
    the HSS restore, as the HSSAlarmID input's description says."""
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    assert sample.incident['CustomFields'].get('huaweihssalarmid')
    incident = close_incident(dict(sample.incident, type='Malware'), sample.close_reason, sample.close_notes)

    run = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    assert xdr.gateway.requests == [] and hss_puts(hss)
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == incident_hashes(sample)


def test_an_incident_of_another_type_holding_only_an_xdr_incident_id_is_routed_to_the_cortex_xdr_restore(vendors):
    """The XDR Incident ID field alone (no file artifacts, a type that names no vendor) routes the incident to the
    Cortex XDR restore, which reads the incident's file artifacts from Cortex XDR."""
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_lite_minimized.json')
    incident = close_incident(dict(sample.incident, type='Malware'), sample.close_reason, sample.close_notes)

    run = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == incident_hashes(sample)
    assert hss_puts(hss) == []


# An incident created by hand or by another integration, of a type that names the vendor, holding only the File
# SHA256 field (and, for HSS, the Huawei HSS Host ID field): its type routes it.
@pytest.mark.parametrize('incident_type', ['Cortex XDR Incident', 'Huawei Cloud HSS Event'])
def test_an_incident_whose_only_vendor_data_is_its_type_is_restored_by_that_vendor(vendors, incident_type):
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    [file_hash] = incident_hashes(sample)
    fields = {'filesha256': file_hash, 'huaweihsshostid': sample.incident['CustomFields']['huaweihsshostid']}
    incident = close_incident({'id': '9', 'type': incident_type, 'CustomFields': fields}, 'False Positive')

    run = runner_for(vendors).run(RESTORE_PLAYBOOK, incident, {})

    assert not run.failed, run.error
    if incident_type.startswith('Cortex XDR'):
        assert {sent[0] for sent in restores_sent_to(xdr)} == {file_hash} and hss_puts(hss) == []
    else:
        assert xdr.gateway.requests == [] and hss_puts(hss)
        assert restored_hashes_of(sample, xdr, hss) == {file_hash}


def test_an_hss_incident_naming_file_paths_but_no_host_and_no_hash_restores_nothing_and_says_so(vendors):
    """A path names a file on one host: without the Huawei HSS Host ID field (emptied by an analyst) and without a
    SHA256, the HSS playbook does not guess the hosts; its note says what is missing and nothing is sent."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = {key: value for key, value in sample.incident['CustomFields'].items()
              if key not in ('huaweihsshostid', 'filesha256')}
    assert fields.get('huaweihssfilepaths')
    incident = close_incident(dict(sample.incident, CustomFields=fields), sample.close_reason, sample.close_notes)

    run = runner_for(vendors).run(HSS_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    assert hss_puts(hss) == []
    [note] = run.notes
    assert 'no SHA256 and no host with a file path' in note and 'nothing was restored' in note


def test_an_hss_incident_that_names_no_host_is_restored_on_every_host_that_isolated_its_file(vendors):
    """HostID's description: empty is every host that isolated the file when the incident names no host (only an
    incident that names its hosts holds an empty scope back)."""
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = {key: value for key, value in sample.incident['CustomFields'].items() if key != 'huaweihsshostid'}
    incident = close_incident(dict(sample.incident, CustomFields=fields), sample.close_reason, sample.close_notes)
    assert_restored_on_every_host_that_isolated_it(vendors, sample, incident)


def test_the_hss_playbook_alone_restores_by_the_file_path_field_an_incident_without_hss_file_paths_names(vendors):
    """As test_an_hss_incident_naming_only_a_file_path_is_restored_by_the_playbook_..., run alone (an
    analyst's branch that does not close, so no close script follows it): the restore by the Common Types File Path
    field is the playbook's own."""
    _, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = {k: v for k, v in sample.incident['CustomFields'].items()
              if k not in ('filesha256', 'huaweihssfilepaths')}
    incident = close_incident(dict(sample.incident, CustomFields=fields), 'False Positive')

    run = runner_for(vendors).run(HSS_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    [put] = hss_puts(hss)
    assert {(item['host_id'], item['file_path']) for item in put[3]['data_list']} == {
        (fields['huaweihsshostid'], fields['filepath'])}


def test_an_incident_without_a_hash_whose_war_room_holds_another_xdr_incident_s_files_gets_a_note_and_no_request(
        vendors):
    """Cortex XDR holds no file artifact of the incident, while its war room holds the record of another Cortex XDR
    incident an analyst read, with files: those are not the incident's, and nothing is restored."""
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / 'xdr_no_hash.json')
    read = IncidentFile.load(INCIDENTS / 'xdr_closed_other_reason.json')
    assert get_path(read.context, 'PaloAltoNetworksXDR.Incident.file_artifacts')

    run = runner_for(vendors).run(XDR_PLAYBOOK, close_incident(sample.incident, 'False Positive'), read.context)

    assert not run.failed, run.error
    assert xdr.gateway.requests == [] and hss_puts(hss) == []
    [note] = run.notes
    assert 'no SHA256' in note and '!restore-file' in note


# XSOAR runs a task's error path, or goes on, only where it continues on error: the reputation checks do, as a file
# check that fails (the reputation integration's quota spent) leaves the file unscored, not the restore undone.
@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'hss_false_positive.json'])
def test_a_file_check_the_reputation_integration_answers_with_an_error_does_not_stop_the_restore(vendors, name,
                                                                                                   tmp_path):
    xdr, hss = vendors
    sample = IncidentFile.load(INCIDENTS / name)
    replies = tmp_path / 'VirusTotal (API v3)' / 'file'
    replies.mkdir(parents=True)
    for file_hash in incident_hashes(sample):
        (replies / f'{file_hash}.json').write_text(json.dumps(
            [{'Type': 4, 'ContentsFormat': 'text', 'Contents': 'Quota exceeded for this API key.'}]))
    others = OtherIntegrations(enabled={'Quarantine Restore', 'VirusTotal (API v3)'}, replies_dir=tmp_path)
    runner = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None, others=others)
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)

    run = runner.run(RESTORE_PLAYBOOK, incident, sample.context)

    assert not run.failed, run.error
    assert [e.outcome for e in run.events if e.command == 'file'] and all(
        e.outcome.startswith('error') for e in run.events if e.command == 'file')
    assert incident_hashes(sample) and restored_hashes_of(sample, xdr, hss) == incident_hashes(sample)


def test_a_cortex_xdr_incident_naming_no_file_and_no_xdr_incident_id_gets_one_note_whether_cortex_xdr_ir_is_enabled(
        vendors):
    """Cortex XDR - IR reads the file artifacts of a Cortex XDR incident ID: without one, enabling it changes
    nothing, so the note does not ask for it."""
    xdr, hss = vendors
    incident = close_incident({'id': '7', 'type': 'Cortex XDR Incident', 'CustomFields': {}}, 'False Positive')

    runs = [runner_for(vendors, enabled).run(RESTORE_PLAYBOOK, incident, {})
            for enabled in ({'Quarantine Restore'}, {'Quarantine Restore', 'Cortex XDR - IR'})]

    assert [run.error for run in runs] == [None, None]
    assert xdr.gateway.requests == [] and hss.gateway.requests == []
    [without_ir], [with_ir] = [run.notes for run in runs]
    assert without_ir == with_ir and 'no SHA256' in with_ir and 'Enable a Cortex XDR - IR' not in with_ir


def test_the_no_file_note_of_a_cortex_xdr_incident_without_an_xdr_incident_id_says_so_and_leaves_no_blank_id(vendors):
    incident = close_incident({'id': '7', 'type': 'Cortex XDR Incident', 'CustomFields': {}}, 'False Positive')

    run = runner_for(vendors).run(XDR_PLAYBOOK, incident, {})

    assert not run.failed, run.error
    [note] = run.notes
    assert 'no Cortex XDR incident ID' in note and not re.search(r'incident\s*[),.]', note)


def quiet_library() -> PlaybookLibrary:
    """The pack's playbooks with Quiet Mode turned on, as an admin turns it on in their settings (or XSOAR does)."""
    library = PlaybookLibrary()
    for playbook in library:
        playbook.quiet = True
    return library


# In Quiet Mode a task's results are not written to the War Room, errors and warnings still are; a task's own Quiet
# Mode setting overrides the playbook's (Cortex XSIAM Administrator Guide, "Playbook task fields"; Cortex XDR 5.x,
# "Configure playbook settings"). The notes are what an analyst reads of a restore: quiet mode keeps them.
@pytest.mark.parametrize('name', ['xdr_false_positive.json', 'hss_false_positive.json', 'xdr_known_bad.json',
                                  'xdr_no_hash.json', 'xdr_closed_other_reason.json'])
def test_the_playbooks_in_quiet_mode_still_write_every_note_to_the_war_room(name):
    sample = IncidentFile.load(INCIDENTS / name)
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    notes = []
    for library in (PlaybookLibrary(), quiet_library()):
        xdr, hss = start_tenant(), start_hss_tenant()
        try:
            runner = PlaybookRunner({**hss.params(), **xdr.params()}, library=library, time_scale=0,
                                    sleep=lambda _: None)
            run = runner.run(RESTORE_PLAYBOOK, incident, sample.context)
        finally:
            xdr.server.stop()
            hss.stack.close()
        assert not run.failed, run.error
        notes.append(run.notes)
    loud, quiet = notes
    assert loud and quiet == loud


def test_a_caller_giving_the_false_positive_playbook_xdr_file_artifacts_sends_an_incident_of_no_xdr_type_to_its_restore(
        vendors):
    """The False Positive playbook's input that holds the incident's XDR File Artifacts field was named XDRIncident, as
    if it held the Cortex XDR incident (Cortex XDR's own playbooks name an input for what it holds: incident_id for
    incident.xdrincidentid). A caller gives the artifacts it read by the field's name, XDRFileArtifacts: an incident
    of no Cortex XDR type, with no Cortex XDR incident ID, then goes to the Cortex XDR restore of its File SHA256."""
    xdr, _ = vendors
    file_hash = next(h for h, endpoints in sorted(HOLDERS.items()) if set(endpoints) - set(FAILING))
    runner = runner_for(vendors)
    playbook = runner.library.get(RESTORE_PLAYBOOK)
    [declared] = [given for given in playbook.inputs if given['key'] == 'XDRFileArtifacts']
    declared['value'] = {'complex': {'root': 'Artifacts'}}
    incident = close_incident({'id': '9', 'CustomFields': {'filesha256': file_hash}}, 'False Positive')

    run = runner.run(playbook, incident, {'Artifacts': [{'file_sha256': file_hash}]})

    assert not run.failed, run.error
    assert {r.body['request_data']['file_hash'] for r in xdr_restores(xdr)} == {file_hash}
