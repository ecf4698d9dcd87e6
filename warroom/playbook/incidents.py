"""Sample incident files, the close trigger, and the war-room timeline a playbook run prints."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..runtime import ENTRY_ERROR, entry_text
from .runner import Event, PlaybookRun

CLOSED = 2  # XSOAR's incident status once closed
RESTORE_PLAYBOOK = 'Quarantine Restore - False Positive'
POST_PROCESSING_SCRIPT = 'QuarantineRestoreOnClose'  # set on the incident types: runs whenever one closes


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


def print_event(event: Event, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    print(event.line(), file=stream, flush=True)
    for entry in event.entries:
        if entry.get('Type') == ENTRY_ERROR:
            print(f'    ERROR: {entry_text(entry)}', file=stream, flush=True)
        elif event.note or entry.get('Note') or event.command not in ('Set',):
            text = entry_text(entry)
            if event.note or entry.get('Note'):
                print('    NOTE:', file=stream, flush=True)
            print('\n'.join('    ' + line for line in text.splitlines()), file=stream, flush=True)


def print_outcome(run: PlaybookRun, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if run.failed:
        print(f'PLAYBOOK STOPPED: {run.error}', file=stream, flush=True)
    else:
        print(f'Playbook completed: {len(run.events)} tasks, {len(run.notes)} note(s).', file=stream, flush=True)
