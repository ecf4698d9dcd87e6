"""How an emulated Cortex XDR tenant writes its replies: one tidy shape, or the seeded mix real tenants send.

Real replies vary (the public API docs, XSOAR's CortexXDRIR and CoreIRApiModule test data): the restore reply's
``endpoints_count`` as text, as a number or absent, a ``status`` of 1 as a number or as text, the action ID as a
number or as text; a failed endpoint's reason as ``errorText``, inside ``errorData``'s JSON, as
``errorDescription`` with a line end, beside ``reportIds``, ``terminated_by`` and ``terminate_result``, or as the
descriptions of ``missing_files``. The state (models.py) decides what happened; this module only words it.
"""
from __future__ import annotations

import json
import random
import secrets
import threading


class ReplyShapes:
    """``mixed=True`` (the backend's default): each reply in one of the shapes real tenants send, drawn from a
    random generator seeded with ``seed``, so a run can be repeated exactly. ``mixed=False``: the tidy shape of
    the API docs only."""

    def __init__(self, mixed: bool = False, seed: int = 0) -> None:
        self.mixed = mixed
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.used: list[str] = []  # the shape of every reply written, for tests to see the mix was met

    def _pick(self, kind: str, choices: list) -> int:
        with self._lock:
            index = self._random.randrange(len(choices)) if self.mixed else 0
            self.used.append(f'{kind}:{index}')
        return index

    def restore_reply(self, action_id: int, endpoints_count: int) -> dict:
        shapes = [
            {'action_id': action_id, 'endpoints_count': str(endpoints_count)},  # the docs' example
            {'action_id': action_id, 'endpoints_count': endpoints_count},
            {'action_id': action_id},  # XSOAR's own test data
            {'action_id': action_id, 'endpoints_count': str(endpoints_count), 'status': 1},
            {'action_id': str(action_id), 'status': '1'},
        ]
        return shapes[self._pick('restore', shapes)]

    def failure_reason(self, text: str) -> dict:
        report = secrets.token_hex(16)
        shapes = [
            {'errorData': json.dumps({'errorText': text}), 'errorDescription': text},
            {'errorText': text},
            {'errorData': json.dumps({'reportIds': [report], 'errorText': f'{text}\r\n'})},
            {'errorData': json.dumps({'reportIds': [report], 'errorText': ''}), 'terminated_by': 'instance_id',
             'errorDescription': f'{text}\r\n', 'terminate_result': [{'path': None, 'status': 1}]},
            {'errorText': '', 'missing_files': [{'description': text}]},
        ]
        return shapes[self._pick('reason', shapes)]
