"""``make demo``: the emulated tenants start, each sample incident is closed, and the restore playbook runs on it.

The timelines show every task, the polled restores per endpoint and the notes; the emulators' final state
follows, so what the notes say can be checked against what happened.
"""
from __future__ import annotations

from .embedded import embedded_vendors
from .playbook.incidents import RESTORE_PLAYBOOK, IncidentFile, close_incident, print_event, print_outcome
from .playbook.model import PlaybookLibrary
from .playbook.runner import PlaybookRunner
from .spec import PROJECT_ROOT

INCIDENTS = PROJECT_ROOT / 'test_data' / 'incidents'


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


def run_demo(time_scale: float) -> int:
    failures = 0
    library = PlaybookLibrary()
    with embedded_vendors(time_scale=time_scale) as vendors:
        runner = PlaybookRunner(vendors.params, library=library, time_scale=time_scale, on_event=print_event)
        for path in sorted(INCIDENTS.glob('*.json')):
            sample = IncidentFile.load(path)
            incident = close_incident(sample.incident, sample.close_reason, sample.close_notes)
            print(f'=== {path.name}: incident {incident["id"]} "{incident["name"]}" closed as '
                  f'"{sample.close_reason}" -> {RESTORE_PLAYBOOK}', flush=True)
            run = runner.run(RESTORE_PLAYBOOK, incident, sample.context)
            print_outcome(run)
            print(flush=True)
            failures += run.failed
        print_xdr_state(vendors.xdr)
        print_hss_state(vendors.hss)
    return 1 if failures else 0
