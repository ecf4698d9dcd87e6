"""Sample incident files, the close trigger, and the war-room timeline a playbook run prints."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..line import plural
from ..runtime import ENTRY_ERROR, entry_text
from .model import PLAYBOOKS_DIR, Playbook
from .runner import POST_PROCESSING, Event, PlaybookRun, PlaybookRunner

CLOSED = 2  # XSOAR's incident status once closed
RESTORE_PLAYBOOK = 'Quarantine Restore - False Positive'
POST_PROCESSING_SCRIPT = 'QuarantineRestoreOnClose'  # set on the incident types: runs whenever one closes
INCIDENT_TYPES_DIR = PLAYBOOKS_DIR / 'incident_types'


class IncidentFileError(ValueError):
    """An incident file the runner cannot read."""


@dataclass
class IncidentFile:
    """``{"incident": {...}, "context": {...}, "close": {"reason", "notes"}}``; ``close`` says how the demo
    closes it."""

    incident: dict
    context: dict
    close_reason: str | None
    close_notes: str

    @classmethod
    def load(cls, path: str | Path) -> 'IncidentFile':
        try:
            data = json.loads(Path(path).read_text(encoding='utf-8'))
        except (OSError, ValueError) as error:
            raise IncidentFileError(f'{path}: {error}') from None
        if not isinstance(data, dict) or not isinstance(data.get('incident'), dict):
            raise IncidentFileError(f'{path}: expected {{"incident": {{...}}, "context": {{...}}}}')
        close = data.get('close') or {}
        return cls(data['incident'], data.get('context') or {}, close.get('reason'), close.get('notes') or '')


def close_incident(incident: dict, reason: str, notes: str = '') -> dict:
    """The incident as XSOAR holds it once closed: the playbook reads closeReason and closeNotes."""
    return dict(incident, status=CLOSED, closeReason=reason, closeNotes=notes)


def closure_script(incident_type: str | None) -> str:
    """The post-processing script XSOAR runs whenever an incident of this type closes (the type's
    ``closureScript``), or '' for a type that names none or that the pack does not ship (Cortex XDR's are set by
    the user, as the README says)."""
    for path in sorted(INCIDENT_TYPES_DIR.glob('*.json')):
        definition = json.loads(path.read_text(encoding='utf-8'))
        if definition.get('name') == incident_type:
            return definition.get('closureScript') or ''
    return ''


def close_by_playbook(runner: PlaybookRunner, incident: dict, context: dict,
                      playbook: Playbook | str = RESTORE_PLAYBOOK, stream: TextIO | None = None) -> list[PlaybookRun]:
    """The analyst-decision branch, each run printed as it ends: the restore playbook runs on the incident closed as
    the analyst chose, then the branch's ``closeInvestigation`` closes it, and XSOAR runs the type's post-processing
    script on the context the playbook left. A playbook that stopped on an error never reaches the close."""
    runs = [runner.run(playbook, incident, context)]
    print_outcome(runs[0], stream)
    script = closure_script(incident.get('type'))
    if script and not runs[0].failed:
        print(f'closeInvestigation closes incident {incident.get("id")}: XSOAR runs the post-processing script of '
              f'its type "{incident.get("type")}", {script}.', file=stream or sys.stdout, flush=True)
        runs.append(runner.run_post_processing(script, incident, runs[0].context))
        print_outcome(runs[1], stream)
    return runs


def print_event(event: Event, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    print(event.line(), file=stream, flush=True)
    for entry in event.entries:
        if entry.get('Type') == ENTRY_ERROR:
            print(f'    ERROR: {entry_text(entry)}', file=stream, flush=True)
        elif event.note or entry.get('Note') or event.command not in ('Set',):
            text = entry_text(entry)
            if not text.strip():  # an entry with nothing to say (DeleteContext finding no key): the task's line alone
                continue
            if event.note or entry.get('Note'):
                print('    NOTE:', file=stream, flush=True)
            print('\n'.join('    ' + line for line in text.splitlines()), file=stream, flush=True)


def print_outcome(run: PlaybookRun, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if run.failed:
        print(f'PLAYBOOK STOPPED: {run.error}', file=stream, flush=True)
    elif run.events and run.events[0].playbook == POST_PROCESSING:
        print(f'Post-processing script completed: {len(run.notes)} {plural("note", len(run.notes))}.', file=stream,
              flush=True)
    else:
        tasks = [event for event in run.events if not event.caller]  # a script's executeCommand calls are no tasks
        print(f'Playbook completed: {len(tasks)} {plural("task", len(tasks))}, {len(run.notes)} '
              f'{plural("note", len(run.notes))}.', file=stream, flush=True)
