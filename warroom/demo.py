"""``make demo``: the emulated tenants start; XSOAR fetches the HSS events of the files HSS isolated, the analyst
closes each incident as False Positive and the restore playbook gives the file back; then each sample incident
(the shapes Cortex XDR and HSS incidents take in real tenants) is closed the same way, or from the Close dialog:
the post-processing script then starts the restores, and the analyst runs the line its note gives to follow each.

The timelines show every task, the polled restores per endpoint and the notes; the emulators' final state
follows, so what the notes say can be checked against what happened.
"""
from __future__ import annotations

import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from .embedded import EmbeddedVendors, embedded_vendors
from .emulator.hss import HssBackend
from .emulator.xdr import XdrBackend
from .emulator.xdr.models import RUNNING_STATUSES
from .ingest import PackContent, create_incident
from .line import LineError, parse_line, plural
from .playbook.incidents import (POST_PROCESSING_SCRIPT, RESTORE_PLAYBOOK, IncidentFile, close_by_playbook,
                                 close_incident, print_event, print_outcome)
from .playbook.model import PlaybookLibrary
from .playbook.runner import Event, PlaybookRun, PlaybookRunner
from .runtime import ENTRY_ERROR, WarRoom
from .spec import PROJECT_ROOT, ArgumentError, load_spec

INCIDENTS = PROJECT_ROOT / 'test_data' / 'incidents'
# Closed from the Close dialog: the post-processing script set on the incident type starts their restores, no playbook.
CLOSED_BY_DIALOG = {'xdr_lite_minimized.json', 'xdr_legacy_fields_removed.json'}
# The post-processing note lists, after this line, one war-room line per restore it started (in a code span), each an
# item of a list nested in this line's.
FOLLOW_HEADING = 'To follow each restore to its end'
FOLLOW_LINE = re.compile(r'^ *- (`+) ?(!.+?) ?\1$', re.MULTILINE)


def running_restores(xdr: XdrBackend, endpoint_id: str) -> dict[str, list[int]]:
    """file hash -> the actions Cortex XDR is still running to restore it on the endpoint (started, not final)."""
    running: dict[str, list[int]] = {}
    for action_id, action in sorted(xdr.actions.items()):
        if endpoint_id in action.endpoint_ids:
            status = xdr.get_action_status(action_id)['data'].get(endpoint_id)
            if status in RUNNING_STATUSES:
                running.setdefault(action.file_hash, []).append(action_id)
    return running


def print_xdr_state(xdr: XdrBackend) -> None:
    """Per endpoint, the files back, those an action is still restoring (with its ID: a restore started and not
    followed yet is not "still quarantined" while Cortex XDR runs it), and those still quarantined."""
    print('### Emulated Cortex XDR tenant after the playbooks', flush=True)
    print('|endpoint|restored|restoring|still quarantined|', flush=True)
    print('|---|---|---|---|', flush=True)
    for endpoint_id in sorted(xdr.endpoints):
        running = running_restores(xdr, endpoint_id)
        quarantined = xdr.quarantined(endpoint_id)
        restored = ', '.join(h[:12] for h in sorted(xdr.restored(endpoint_id))) or '-'
        restoring = ', '.join(f'{h[:12]} (action {", ".join(map(str, ids))})' for h, ids in sorted(running.items())
                              if h in quarantined) or '-'
        kept = ', '.join(h[:12] for h in sorted(quarantined - set(running))) or '-'
        print(f'|{endpoint_id}|{restored}|{restoring}|{kept}|', flush=True)
    print(flush=True)


def print_hss_state(hss: HssBackend) -> None:
    print('### Emulated HSS project after the playbooks', flush=True)
    print('|host|file|hash|status|', flush=True)
    print('|---|---|---|---|', flush=True)
    for item in hss.snapshot():
        print(f"|{item['host_name']}|{item['file_path']}|{item['file_hash'][:12]}|{item['isolation_status']}|",
              flush=True)
    print(flush=True)


def print_hss_events(hss: HssBackend) -> None:
    """The files HSS isolated, by its unhandled events. Each is dated: the first fetch takes only the recent ones, so
    the count of incidents that follows reads true; a copy no longer isolated (restored before the demo) says so."""
    print("=== Huawei Cloud HSS's isolated-file events (unhandled host security events); a copy no longer isolated "
          'says so:', flush=True)
    for event in hss.events:
        if event.handle_status == 'unhandled':
            item = event.file
            occurred = datetime.fromtimestamp(event.occur_time / 1000, timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
            status = hss.isolation_status(item.host_id, item.file_hash, item.file_path)
            now = '' if status == 'isolated' else f': the copy is {status} already'
            print(f'    {hss.hosts[item.host_id].host_name}: {item.file_path} '
                  f'({item.event_name}, alarm {event.event_id}, {occurred}{now})', flush=True)


def fetch_and_close(vendors: EmbeddedVendors, runner: PlaybookRunner, time_scale: float) -> int:
    """The Huawei Cloud loop: HSS isolated files, fetch-incidents turns its events into incidents, the analyst
    closes each as a false positive, the playbook restores the file on that host."""
    print_hss_events(vendors.hss)
    fetched, _ = WarRoom(params=vendors.params).fetch({})
    content, failures = PackContent.load(), 0
    incidents = [create_incident(item, content, str(3001 + number)) for number, item in enumerate(fetched)]
    first_fetch = vendors.params.get('first_fetch') or load_spec().default_params()['first_fetch']
    print(f'=== fetch-incidents: {len(incidents)} {plural("incident", len(incidents))} created (a first fetch: the '
          f'events of the last {first_fetch})', flush=True)
    for incident in incidents:
        fields = incident['CustomFields']
        print(f'    #{incident["id"]} [{incident["type"]}] {incident["name"]}: host {fields.get("huaweihsshostid")}, '
              f'File SHA256 {",".join(fields.get("filesha256") or [])}', flush=True)
    print(flush=True)
    for incident in incidents:
        closed = close_incident(incident, 'False Positive', 'A vendor-signed updater: benign.')
        print(f'=== incident {incident["id"]} "{incident["name"]}" closed as "False Positive" -> {RESTORE_PLAYBOOK}',
              flush=True)
        failures += close_and_follow(runner, closed, {}, vendors, time_scale)
    return failures if incidents else 1  # the seed's recent events must make incidents


def shown_failed(run: PlaybookRun) -> bool:
    """Whether the run stopped, or a task of it returned an error entry: an error path (or continue on error) lets
    the playbook run on to its end, but the timeline shows that step fail. A script's executeCommand call is no step:
    the script reads what it returned."""
    return run.failed or any(event.outcome.startswith('error') for event in run.events if not event.caller)


def follow_lines(run: PlaybookRun) -> list[str]:
    """The war-room lines a post-processing note gives to follow the restores it started, as the analyst copies them."""
    lines = []
    for note in run.notes:
        _, heading, rest = note.partition(FOLLOW_HEADING)
        if heading:
            lines += [match.group(2) for match in FOLLOW_LINE.finditer(rest)]
    return lines


def follow_restores(run: PlaybookRun, vendors: EmbeddedVendors, time_scale: float) -> int:
    """The analyst runs each line the post-processing note gives, in the incident's war room: the script cannot wait,
    so this is how its restores are followed to their end. Returns how many failed."""
    room, failures = WarRoom(params=vendors.params, context=run.context, time_scale=time_scale), 0
    for text in follow_lines(run):
        try:
            line = parse_line(text)
            command, args, entries = line.command, line.args, room.run(line.command, line.args).entries
        except (LineError, ArgumentError) as error:  # the note's own line refused: a fault of the pack, shown as one
            command, args = '', {}
            entries = [{'Type': ENTRY_ERROR, 'ContentsFormat': 'text', 'Contents': f'{text}: {error}'}]
        failed = any(entry.get('Type') == ENTRY_ERROR for entry in entries)
        print_event(Event('war room', '-', 'The analyst follows a restore the note started', 'command',
                          'error' if failed else 'done', command=command, args=args, entries=entries))
        failures += failed
    return failures


def close_and_follow(runner: PlaybookRunner, incident: dict, context: dict, vendors: EmbeddedVendors,
                     time_scale: float) -> int:
    """The analyst-decision branch (the playbook, then the type's post-processing script, see close_by_playbook);
    the analyst then follows each restore the script sent once more, as after a close from the dialog. Returns the
    failures."""
    runs = close_by_playbook(runner, incident, context)
    failures = sum(shown_failed(run) for run in runs)
    if len(runs) > 1 and not runs[-1].failed:
        failures += follow_restores(runs[-1], vendors, time_scale)
    print(flush=True)
    return failures


def close_sample(path: Path, runner: PlaybookRunner, vendors: EmbeddedVendors, time_scale: float) -> int:
    """Closes one sample incident as its file says: by the restore playbook, or from the Close dialog (the
    post-processing script, then the analyst follows what it started). Returns the failures."""
    sample = IncidentFile.load(path)
    incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
    by_dialog = path.name in CLOSED_BY_DIALOG
    trigger = f'post-processing script {POST_PROCESSING_SCRIPT}' if by_dialog else RESTORE_PLAYBOOK
    print(f'=== {path.name}: incident {incident["id"]} "{incident["name"]}" closed as '
          f'"{sample.close_reason}" -> {trigger}', flush=True)
    if not by_dialog:
        return close_and_follow(runner, incident, sample.context, vendors, time_scale)
    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, sample.context)
    print_outcome(run)
    # These samples are closed from the dialog to show the script starting their restores: a note that gives none to
    # follow (the vendor refused it) shows no file restored, though the script, which must not block the close, ends.
    failures = int(shown_failed(run) or not follow_lines(run))
    if not run.failed:
        failures += follow_restores(run, vendors, time_scale)
    print(flush=True)
    return failures


def print_clock(time_scale: float) -> None:
    """The entries count polling time as XSOAR would: on a scaled clock their "after 600 s" comes sooner, said first
    (not at 0, where no wait is waited: the tests' clock)."""
    if time_scale not in (0, 1):
        print(f'Polling waits here take {time_scale:g}x the time the entries give (--time-scale {time_scale:g}): '
              f'a check an entry dates "after 100 s" comes about {100 * time_scale:g} s after its restore started.',
              flush=True)


def run_demo(time_scale: float) -> int:
    print_clock(time_scale)
    library = PlaybookLibrary()
    with embedded_vendors(time_scale=time_scale) as vendors:
        runner = PlaybookRunner(vendors.params, library=library, time_scale=time_scale, on_event=print_event)
        failures = fetch_and_close(vendors, runner, time_scale)
        for path in sorted(INCIDENTS.glob('*.json')):
            failures += close_sample(path, runner, vendors, time_scale)
        print_xdr_state(vendors.xdr)
        print_hss_state(vendors.hss)
    if failures:
        print(f'ERROR: {failures} {plural("step", failures)} of the demo above failed: see its ERROR and PLAYBOOK '
              f'STOPPED lines, and the notes of restores that could not start.', file=sys.stderr, flush=True)
    return 1 if failures else 0
