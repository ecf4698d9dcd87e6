"""``make demo``: the emulated tenants start; XSOAR fetches the HSS events of the files HSS isolated, the analyst
closes each incident as False Positive and the restore playbook gives the file back; then each sample incident
(the shapes Cortex XDR and HSS incidents take in real tenants) is closed the same way.

The timelines show every task, the polled restores per endpoint and the notes; the emulators' final state
follows, so what the notes say can be checked against what happened.
"""
from __future__ import annotations

from .embedded import embedded_vendors
from .ingest import PackContent, create_incident
from .playbook.incidents import (POST_PROCESSING_SCRIPT, RESTORE_PLAYBOOK, IncidentFile, close_incident, print_event,
                                 print_outcome)
from .playbook.model import PlaybookLibrary
from .playbook.runner import PlaybookRunner
from .runtime import WarRoom
from .spec import PROJECT_ROOT

INCIDENTS = PROJECT_ROOT / 'test_data' / 'incidents'
# Closed from the Close dialog: the post-processing script set on the incident type restores them, no playbook.
CLOSED_BY_DIALOG = {'xdr_lite_minimized.json', 'xdr_legacy_fields_removed.json'}


def print_xdr_state(xdr) -> None:
    print('### Emulated Cortex XDR tenant after the playbooks', flush=True)
    print('|endpoint|restored|still quarantined|', flush=True)
    print('|---|---|---|', flush=True)
    for endpoint_id in sorted(xdr.endpoints):
        restored = ', '.join(h[:12] for h in sorted(xdr.restored(endpoint_id))) or '-'
        kept = ', '.join(h[:12] for h in sorted(xdr.quarantined(endpoint_id))) or '-'
        print(f'|{endpoint_id}|{restored}|{kept}|', flush=True)
    print(flush=True)


def print_hss_state(hss) -> None:
    print('### Emulated HSS project after the playbooks', flush=True)
    print('|host|file|hash|status|', flush=True)
    print('|---|---|---|---|', flush=True)
    for item in hss.snapshot():
        print(f"|{item['host_name']}|{item['file_path']}|{item['file_hash'][:12]}|{item['isolation_status']}|",
              flush=True)
    print(flush=True)


def fetch_and_close(vendors, runner: PlaybookRunner) -> int:
    """The Huawei Cloud loop: HSS isolated files, fetch-incidents turns its events into incidents, the analyst
    closes each as a false positive, the playbook restores the file on that host."""
    print('=== Huawei Cloud HSS isolated these files (its unhandled host security events):', flush=True)
    for event in vendors.hss.events:
        if event.handle_status == 'unhandled':
            print(f'    {vendors.hss.hosts[event.file.host_id].host_name}: {event.file.file_path} '
                  f'({event.file.event_name}, alarm {event.event_id})', flush=True)
    fetched, _ = WarRoom(params=vendors.params).fetch({})
    content, failures = PackContent.load(), 0
    incidents = [create_incident(item, content, str(3001 + number)) for number, item in enumerate(fetched)]
    print(f'=== fetch-incidents: {len(incidents)} incident(s) created', flush=True)
    for incident in incidents:
        fields = incident['CustomFields']
        print(f'    #{incident["id"]} [{incident["type"]}] {incident["name"]}: host {fields.get("huaweihsshostid")}, '
              f'File SHA256 {",".join(fields.get("filesha256") or [])}', flush=True)
    print(flush=True)
    for incident in incidents:
        closed = close_incident(incident, 'False Positive', 'A vendor-signed updater: benign.')
        print(f'=== incident {incident["id"]} "{incident["name"]}" closed as "False Positive" -> {RESTORE_PLAYBOOK}',
              flush=True)
        run = runner.run(RESTORE_PLAYBOOK, closed, {})
        print_outcome(run)
        print(flush=True)
        failures += run.failed
    return failures if incidents else 1  # the seed's recent events must make incidents


def run_demo(time_scale: float) -> int:
    library = PlaybookLibrary()
    with embedded_vendors(time_scale=time_scale) as vendors:
        runner = PlaybookRunner(vendors.params, library=library, time_scale=time_scale, on_event=print_event)
        failures = fetch_and_close(vendors, runner)
        for path in sorted(INCIDENTS.glob('*.json')):
            sample = IncidentFile.load(path)
            incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
            by_dialog = path.name in CLOSED_BY_DIALOG
            trigger = f'post-processing script {POST_PROCESSING_SCRIPT}' if by_dialog else RESTORE_PLAYBOOK
            print(f'=== {path.name}: incident {incident["id"]} "{incident["name"]}" closed as '
                  f'"{sample.close_reason}" -> {trigger}', flush=True)
            run = (runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, sample.context) if by_dialog else
                   runner.run(RESTORE_PLAYBOOK, incident, sample.context))
            print_outcome(run)
            print(flush=True)
            failures += run.failed
        print_xdr_state(vendors.xdr)
        print_hss_state(vendors.hss)
    return 1 if failures else 0
