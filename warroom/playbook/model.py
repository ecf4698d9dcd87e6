"""Playbook YAML read into tasks, and the pack's playbooks found by id or name."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import yaml

from ..line import plural, quoted
from ..spec import PROJECT_ROOT

PLAYBOOKS_DIR = PROJECT_ROOT / 'playbooks'
SCRIPTS_DIR = PLAYBOOKS_DIR / 'scripts'


class PlaybookFormatError(ValueError):
    """A playbook file that is not a playbook the runner can follow."""


@dataclass
class Task:
    id: str
    type: str
    name: str
    raw: dict

    @property
    def body(self) -> dict:
        return self.raw.get('task') or {}

    @property
    def next(self) -> dict[str, list[str]]:
        nexttasks = self.raw.get('nexttasks') or {}
        return {str(label): [str(t) for t in targets or ()] for label, targets in nexttasks.items()}

    @property
    def arguments(self) -> dict:
        return self.raw.get('scriptarguments') or {}

    @property
    def label(self) -> str:
        return f'task {self.id} "{self.name}"'

    def is_quiet(self, playbook_quiet: bool) -> bool:
        """Whether the task runs in Quiet Mode: its quietmode 1 turns it on, 2 off, 0 takes the playbook's."""
        mode = self.raw.get('quietmode')
        if mode in (1, 2):
            return mode == 1
        return playbook_quiet


@dataclass
class Playbook:
    id: str
    name: str
    start: str
    tasks: dict[str, Task]
    inputs: list[dict] = field(default_factory=list)
    outputs: list[dict] = field(default_factory=list)
    path: Path | None = None
    description: str = ''
    quiet: bool = False  # Quiet Mode: its tasks' results are not written to the War Room unless a task turns it off

    @classmethod
    def load(cls, path: Path) -> 'Playbook':
        data = yaml.safe_load(Path(path).read_text(encoding='utf-8'))
        if not isinstance(data, dict) or 'tasks' not in data or 'starttaskid' not in data:
            raise PlaybookFormatError(f'{path}: not a playbook (no tasks or starttaskid)')
        tasks = {}
        for key, raw in data['tasks'].items():
            body = raw.get('task') or {}
            tasks[str(key)] = Task(str(key), raw.get('type', ''), body.get('name') or '', raw)
        start = str(data['starttaskid'])
        if start not in tasks:
            raise PlaybookFormatError(f'{path}: starttaskid {start} is not a task')
        return cls(str(data.get('id')), str(data.get('name')), start, tasks, data.get('inputs') or [],
                   data.get('outputs') or [], Path(path), str(data.get('description') or ''), data.get('quiet') is True)


# How demisto-sdk finds the inputs a playbook reads: ``inputs.`` anywhere in its text, and what follows up to a
# character outside this set (validate's collect_all_inputs_in_use, for PB118 and PB119): "inputs.X is" reads "X is".
INPUT_REFERENCE = re.compile(r'inputs\.([-\w ?!():]+)')


def validation_problems(playbook: Playbook) -> list[str]:
    """What demisto-sdk's validate refuses in a playbook (demisto_sdk/commands/validate/validators/PB_validators) that
    the runner would otherwise follow quietly: an input read but not declared (PB119; it reads as nothing), one declared
    but never read (PB118; what a caller gives it is ignored), a built-in condition whose labels and branches differ
    (PB122; a label without a branch ends the run there, a branch without a label is never taken), a script condition
    with fewer than two branches (PB124)."""
    declared = {str(item.get('key') or '').strip() for item in playbook.inputs} - {''}
    text = json.dumps([playbook.description, [task.raw for task in playbook.tasks.values()], playbook.inputs,
                       playbook.outputs], default=str)
    read = {found.strip() for found in INPUT_REFERENCE.findall(text) if not found.startswith(' ')} - {''}
    problems = []
    undeclared = sorted(read - declared)
    if undeclared:
        problems.append(f'it reads {plural("input", len(undeclared))} {", ".join(undeclared)} that it does not '
                        f'declare (PB119)')
    unread = sorted(declared - read)
    if unread:
        problems.append(f'no task reads its {plural("input", len(unread))} {", ".join(unread)} (PB118)')
    for task in playbook.tasks.values():
        if task.type != 'condition':
            continue
        branches = {label.upper() for label in task.next if label and label.upper() != '#DEFAULT#'}
        if task.raw.get('conditions'):
            labels = {str(c.get('label')).upper() for c in task.raw['conditions'] if c.get('label')}
            if labels ^ branches:
                problems.append(f'{task.label} has unhandled conditions: {", ".join(sorted(labels ^ branches))} '
                                f'(a label needs a branch, a branch a label: PB122)')
        elif task.body.get('scriptName') and task.next and len(task.next) < 2:
            problems.append(f'{task.label} asks a script but has one branch only (PB124)')
    return problems


# A sub-playbook loop's keys that make it loop (demisto-sdk's playbook schema, demisto_sdk/commands/common/schemas/
# playbook.yml, tasks.loop): XSOAR writes the others (iscommand, wait, max, exitCondition '') on every call.
LOOP_KEYS = ('forEach', 'scriptId', 'scriptArguments', 'builtincondition', 'exitCondition')
TASK_TYPES = ('start', 'title', 'regular', 'condition', 'playbook')  # what PlaybookRunner._run_task runs
PLAIN_BRANCHES = {'#none#', '#error#'}  # what a task that is not a condition leads on by


def unsupported_forms(playbook: Playbook) -> list[str]:
    """What the runner does not interpret and would otherwise pass over as if it were not there: an input XSOAR reads by
    a query (playbookInputQuery), a task's fieldMapping (its outputs written to incident fields), a sub-playbook loop,
    and a branch label on a task that is not a condition (never taken here)."""
    problems = [f'input {item.get("key")} is read by a query (playbookInputQuery), which the runner does not run'
                for item in playbook.inputs if item.get('playbookInputQuery')]
    for task in playbook.tasks.values():
        if task.type not in TASK_TYPES:
            problems.append(f'{task.label} is of type {quoted(task.type)}, which the runner does not run '
                            f'({", ".join(TASK_TYPES)})')
            continue
        if task.raw.get('fieldMapping'):
            problems.append(f'{task.label} maps its outputs to incident fields (fieldMapping)')
        loop = task.raw.get('loop') or {}
        if any(loop.get(key) for key in LOOP_KEYS):
            problems.append(f'{task.label} loops ({", ".join(k for k in LOOP_KEYS if loop.get(k))}): sub-playbook '
                            f'loops are not supported')
        if task.type != 'condition' and set(task.next) - PLAIN_BRANCHES:
            labels = ', '.join(f'"{label}"' for label in sorted(set(task.next) - PLAIN_BRANCHES))
            problems.append(f'{task.label} is not a condition but has the branch(es) {labels}')
    return problems


class PlaybookLibrary:
    """The playbooks a run may call as sub-playbooks, by id or name."""

    def __init__(self, directory: Path = PLAYBOOKS_DIR) -> None:
        self.directory = Path(directory)
        self._by_key: dict[str, Playbook] = {}
        for path in sorted(self.directory.glob('*.yml')):
            self.add(Playbook.load(path))

    def add(self, playbook: Playbook) -> Playbook:
        self._by_key[playbook.id] = playbook
        self._by_key[playbook.name] = playbook
        return playbook

    def get(self, key: str) -> Playbook:
        if key not in self._by_key:
            raise PlaybookFormatError(f'no playbook "{key}" in {self.directory}')
        return self._by_key[key]

    def __iter__(self) -> Iterator[Playbook]:
        seen = set()
        for playbook in self._by_key.values():
            if playbook.id not in seen:
                seen.add(playbook.id)
                yield playbook
