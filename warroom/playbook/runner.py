"""Runs a pack playbook on an incident, the way the XSOAR server would, and keeps a war-room timeline.

Supported: start, title, regular, condition (by conditions, or by a script's answer) and playbook
(sub-playbook) tasks; the pack's integration commands (``|||command``, polling followed to the end by the war
room; an error entry while no instance of the pack is enabled, as in XSOAR), other integrations' commands from
recorded replies and ``IsIntegrationAvailable`` (``others.py``), the ``Set``, ``Print`` and ``DeleteContext``
scripts and the pack's own scripts; playbook inputs and outputs, separate context; ``continueonerror`` and the
``#error#`` path. Anything else stops the run with an error naming the task. A task
reached a second time (two branches joining) runs once.
"""
from __future__ import annotations

import copy
import functools
import importlib.util
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

import yaml

from ..context import ContextError, as_list, lookup, merge_entry_context
from ..line import quoted
from ..python_warnings import warnings_to
from ..runtime import (ENTRY_ERROR, ENTRY_NOTE, DemistoMisuse, WarRoom, checked_entry, entry_text, json_copy,
                       keeping_misuses, log_text, one_list, printing_to, refuse_undeclared_outputs, text_note)
from ..spec import ArgumentError, IntegrationSpec, load_spec, no_value, parse_script_spec
from .model import SCRIPTS_DIR, Playbook, PlaybookLibrary, Task, unsupported_forms, validation_problems
from .others import OWN_BRAND, OtherIntegrations, ReplayError, no_instance
from .values import FILTER_SIDE_READINGS, Scope, UnsupportedError, is_empty, resolve

POST_PROCESSING = 'post-processing'  # the timeline's name for a post-processing script's run (no playbook)
# XSOAR stops an automation script at its timeout, the time its executeCommand calls take included (CommonServerPython's
# safe_sleep counts the time left from the script's start on the wall clock). A script YAML that sets none gets the
# server's default, which no public page gives: CommonServerPython's content_profiler takes it as 5 minutes when the
# calling context's TimeoutDuration (nanoseconds) is missing. The strict reading: 5 minutes.
DEFAULT_SCRIPT_TIMEOUT = 300.0
NO_TIMEOUT_SET = (None, '', 0, '0', '0s')  # how a script YAML leaves it to the server (demisto/content's own scripts)


class PlaybookError(RuntimeError):
    """The run stopped: a task failed with no error path, or the YAML asks for what is not supported."""


@dataclass
class Event:
    playbook: str
    task: str
    name: str
    kind: str
    outcome: str
    command: str = ''
    args: dict = field(default_factory=dict)
    entries: list = field(default_factory=list)
    note: bool = False
    # The script whose executeCommand made this call ('' for a task's own event): such an event's kind is
    # 'executeCommand', its task the one running the script, its entries left to the script, which says what it made
    # of them (what it returns are the war room's entries, in its task's event)
    caller: str = ''
    # A task run in Quiet Mode: XSOAR writes its errors and warnings to the War Room, not its other results
    quiet: bool = False

    def line(self) -> str:
        call = f' !{self.command}' + ''.join(f' {k}={_short(v)}' for k, v in self.args.items()) if self.command else ''
        number = '' if self.task == '-' else f' #{self.task}'  # '-': no task of a playbook (a script, a war-room line)
        return f'[{self.playbook}]{number} {self.name or self.kind}{call} -> {self.outcome}'


def _short(value: Any, limit: int = 80) -> str:
    """An argument as a task line shows it: a list of values joined by commas, an object (or a list holding one) as
    JSON in backticks, as a war-room line takes it raw; cut to ``limit`` characters."""
    plain_list = isinstance(value, list) and not any(isinstance(item, (dict, list)) for item in value)
    if isinstance(value, (dict, list)) and not plain_list:
        text = f'`{json.dumps(value, ensure_ascii=False)}`'
    else:
        text = ','.join(map(str, value)) if plain_list else str(value)
        text = f'"{text}"' if ' ' in text else text
    return text if len(text) <= limit else text[:limit - 3] + '...'


@dataclass
class PlaybookRun:
    context: dict
    events: list[Event] = field(default_factory=list)
    error: str | None = None
    # what the scripts it ran logged (demisto.debug, info, error, print, CSP's python warning lines), as (level,
    # text): XSOAR writes it to the server's log, not to the War Room
    script_log: list = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def notes(self) -> list[str]:
        # A task marked as a note makes notes of its entries; an entry can also mark itself (mark_as_note). A quiet
        # task's entries are not in the War Room, so none is a note there.
        return [entry_text(entry) for event in self.events if not event.quiet for entry in event.entries
                if (event.note or entry.get('Note')) and entry.get('Type') != ENTRY_ERROR]

    @property
    def entries(self) -> list[dict]:
        return [entry for event in self.events for entry in event.entries]


@keeping_misuses
class ScriptDemisto:
    """The ``demisto`` object an automation script sees: its args, the incident context, results, and
    ``executeCommand`` (integration commands, as the war room runs them). As strict as XSOAR: what the script is
    given and what it returns go through a JSON round trip (the context it reads is a copy, an entry that is not
    JSON fails), and only the thread running the script may call it. Its context is the incident's as the script
    started: XSOAR's ``DemistoGeneral.context`` returns the calling context's ExecutionContext, set once when the
    script starts (demisto/content DemistoClassApiModuleClasses.py), so what a command it runs writes since is in
    that command's entries, not in ``context()``."""

    def __init__(self, args: dict, context: dict, incident: dict,
                 execute: Callable[[str, dict], list[dict]] | None = None,
                 timeout: float = DEFAULT_SCRIPT_TIMEOUT, log: list | None = None) -> None:
        self._args, self._context, self._incident = args, json_copy(context, 'The context'), incident
        self._execute = execute
        self._owner = threading.current_thread()
        self.log = [] if log is None else log  # (level, text), as the war room's Demisto keeps a run's
        self.entries: list[dict] = []
        self.misuses: list[DemistoMisuse] = []  # every call refused (keeping_misuses): the script fails with the first
        # The script's timeout as XSOAR's calling context gives it (content_profiler reads it there, in nanoseconds)
        self.callingContext = {'context': {'TimeoutDuration': int(timeout * 1e9)}}  # noqa: N815 - XSOAR's name

    def _check_thread(self, call: str) -> None:
        if threading.current_thread() is not self._owner:
            raise DemistoMisuse(f'demisto.{call}() called from thread {threading.current_thread().name!r}: only the '
                                f'thread running the script may call demisto.')

    def executeCommand(self, command: str, args: dict) -> list[dict]:  # noqa: N802 - XSOAR's name
        self._check_thread('executeCommand')
        if self._execute is None:
            raise UnsupportedError(f'executeCommand({command!r}) is not available to this script')
        # XSOAR's executeCommand sends them with json.dump (DemistoClassApiModuleClasses.py, __do): a key True or None
        # arrives as "true" or "null", and one json.dump cannot write (a tuple) fails the call
        call_args = json_copy(dict(args or {}), f'executeCommand({command!r}) args')
        return json_copy(self._execute(command, call_args), f'The entries of {command}')

    def args(self) -> dict:
        self._check_thread('args')
        return json_copy(self._args, 'The arguments')

    def context(self) -> dict:
        self._check_thread('context')
        return json_copy(self._context, 'The context')

    def incident(self) -> dict:
        self._check_thread('incident')
        return json_copy(self._incident, 'The incident')

    def incidents(self) -> list[dict]:
        return [self.incident()]

    def results(self, result: Any) -> None:
        self._check_thread('results')
        for entry in one_list(result) if type(result) is list else [result]:  # type(), as XSOAR's convert() tests them
            self.entries.append(checked_entry(entry) if type(entry) is dict else text_note(entry))

    def csp_info(self, text: str) -> None:
        """CommonServerPython's demisto.info of a Python warning (``python_warnings``): CSP runs before a script too,
        its handler calling from whichever thread showed the warning, and only the script's own thread may."""
        self._check_thread('info')
        self.log.append(('info', log_text(text, 'info')))

    def debug(self, message: object) -> None:
        self._check_thread('debug')
        self.log.append(('debug', log_text(message, 'debug')))

    def info(self, message: object) -> None:
        self._check_thread('info')
        self.log.append(('info', log_text(message, 'info')))

    def error(self, message: object) -> None:
        self._check_thread('error')
        self.log.append(('error', log_text(message, 'error')))

    def print(self, *values: object) -> None:
        """The script's print, as XSOAR's demisto_print(*args) sends it (no sep, end or file): demisto.log."""
        self._check_thread('log')
        self.log.append(('info', ' '.join(map(str, values)).strip()))


@functools.lru_cache(maxsize=None)
def _script_yaml(name: str) -> dict | None:
    """The YAML of the pack's script ``name``; None for a script the pack does not hold (a test's stand-in)."""
    path = SCRIPTS_DIR / name / f'{name}.yml'
    return (yaml.safe_load(path.read_text(encoding='utf-8')) or {}) if path.is_file() else None


@functools.lru_cache(maxsize=None)
def script_timeout(name: str, default: float) -> float:
    """Seconds the pack's script ``name`` may run: ``default`` (the server's) unless its YAML sets a timeout, which
    the war room refuses: XSOAR exports one as a Go duration of the seconds the Automation page was given (demisto/
    content pull request 1283, "300ns" for 300 seconds), and what it makes of another form is not documented."""
    given = (_script_yaml(name) or {}).get('timeout')
    if given not in NO_TIMEOUT_SET:
        raise UnsupportedError(f'script {quoted(name)} sets timeout: {quoted(given)}; the unit XSOAR reads it in is '
                               f'not documented')
    return default


def _load_script(name: str) -> ModuleType | None:
    path = SCRIPTS_DIR / name / f'{name}.py'
    if not path.exists():
        return None
    module_name = f'warroom_pack_script_{name}'
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[module_name] = module
    return sys.modules[module_name]


def _script_arrays(name: str) -> dict[str, bool] | None:
    """{argument: declared isArray} of a pack script, from its YAML; None for a script the pack does not hold."""
    declared = _script_yaml(name)
    if declared is None:
        return None
    return {str(arg['name']): bool(arg.get('isArray')) for arg in declared.get('args') or []}


def iterations(args: dict, arrays: dict[str, bool] | None, label: str) -> list[dict]:
    """The runs XSOAR makes of a task: one per item of a list given to an argument the command or script does not
    declare isArray ("When the task's input is an array, it is iterated automatically": Cortex XSOAR 6.x
    Administrator Guide, "Configure a Sub-Playbook Loop"; "the playbook will run the command once for each domain", a
    maintainer in demisto/content pull request 14779), the other arguments the same in each. ``arrays`` None (another
    pack's command or script, whose declarations the pack does not hold): one run, as given. How XSOAR pairs the items
    of two such lists is not documented: refused, not guessed. A one-item list is one run with its item; an empty
    list is handed on as it is (README)."""
    listed = [name for name, value in args.items() if arrays is not None and name in arrays and not arrays[name]
              and isinstance(value, list) and value]
    args = {name: value[0] if name in listed and len(value) == 1 else value for name, value in args.items()}
    looped = sorted(name for name in listed if isinstance(args[name], list))
    if len(looped) > 1:
        raise UnsupportedError(f'{label} is given lists for {", ".join(looped)}, none of which it declares isArray: '
                               f'XSOAR runs the task once per item, and how it pairs the items of several lists is '
                               f'not documented; the local runner refuses to guess. Give a list to one of them only')
    if not looped:
        return [args]
    return [{**args, looped[0]: item} for item in args[looped[0]]]


@dataclass
class _Frame:
    playbook: Playbook
    scope: Scope
    war_room: WarRoom
    run: PlaybookRun
    task: str = '-'  # the task running, whose scripts' executeCommand calls are recorded under it
    callers: tuple[str, ...] = ()  # the playbooks whose sub-playbook tasks led here, outermost first


class PlaybookRunner:
    def __init__(self, params: dict, library: PlaybookLibrary | None = None, spec: IntegrationSpec | None = None,
                 time_scale: float = 1.0, sleep: Callable[[float], None] | None = None,
                 on_event: Callable[[Event], None] | None = None, integration_context: dict | None = None,
                 others: OtherIntegrations | None = None, server_errors: dict[str, str] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 script_timeout: float = DEFAULT_SCRIPT_TIMEOUT, sub_playbook_outputs: str = 'add',
                 private_contexts: str = 'fresh', filter_sides: str = 'each item') -> None:
        self.params = params
        # How a private sub-playbook's declared outputs reach its caller's context: 'add' (merged as an entry with no
        # DT key) or 'replace' (the caller's value at that path replaced). XSOAR documents neither (DEVELOPERS.md);
        # tests run the pack under both, so that it holds whichever XSOAR does.
        if sub_playbook_outputs not in ('add', 'replace'):
            raise ValueError(f'sub_playbook_outputs is add or replace, not {sub_playbook_outputs!r}')
        self.sub_playbook_outputs = sub_playbook_outputs
        # Where a private sub-playbook's run starts: 'fresh' (an empty context) or 'kept' (the context a run of the
        # same task left, kept in the caller's under subplaybook-<task id>, where XSOAR keeps it: demisto/content
        # DeleteContext.js deletes a sub-playbook's key there). Whether XSOAR empties it for a new run is not
        # documented; tests run a playbook run twice in one incident both ways.
        if private_contexts not in ('fresh', 'kept'):
            raise ValueError(f'private_contexts is fresh or kept, not {private_contexts!r}')
        self.private_contexts = private_contexts
        # How a filter term's side that reads the item being filtered runs its transformers (values.Scope): on the
        # item's value, or on the whole list's. XSOAR documents neither; tests run the pack's playbooks both ways.
        if filter_sides not in FILTER_SIDE_READINGS:
            raise ValueError(f'filter_sides is {" or ".join(FILTER_SIDE_READINGS)}, not {filter_sides!r}')
        self.filter_sides = filter_sides
        # Times each script and integration run (a test passes a clock the integration's waits move), and the
        # server's timeout for a script whose YAML sets none (a test may stand in another the server was given)
        self.clock, self.script_timeout = clock, script_timeout
        # {command: the server's message}: a script's executeCommand of it raises, as XSOAR's channel does
        self.server_errors = server_errors or {}
        self.others = others or OtherIntegrations()
        self.library = library or PlaybookLibrary()
        self.spec = spec or load_spec()
        self.time_scale = time_scale
        self.sleep = sleep
        self.on_event = on_event
        self.integration_context = {} if integration_context is None else integration_context

    # ------------------------------------------------------------------ public

    def run(self, playbook: Playbook | str, incident: dict, context: dict | None = None) -> PlaybookRun:
        """Runs ``playbook`` on ``incident`` (its fields, CustomFields flattened) and its ``context``."""
        playbook = playbook if isinstance(playbook, Playbook) else self.library.get(playbook)
        run = PlaybookRun(context=copy.deepcopy(context or {}))
        record, incident = copy.deepcopy(incident or {}), flatten_incident(incident)
        outer = Scope(incident, {}, run.context, record, self.filter_sides)
        try:
            inputs = self._inputs(playbook, {}, outer, caller=None)
            self._run_playbook(playbook, Scope(incident, inputs, run.context, record, self.filter_sides), run)
        except PlaybookError as error:
            run.error = str(error)
        return run

    # ------------------------------------------------------------------ playbooks and tasks

    def _war_room(self, context: dict) -> WarRoom:
        options = {'sleep': self.sleep} if self.sleep else {}
        return WarRoom(params=self.params, spec=self.spec, context=context, clock=self.clock,
                       integration_context=self.integration_context, time_scale=self.time_scale, **options)

    def _inputs(self, playbook: Playbook, arguments: dict, caller_scope: Scope, caller: Task | None) -> dict:
        """Each input: the caller's argument when it maps one, even one that resolves to nothing (XSOAR then ignores
        the default: a reviewer in demisto/content pull request 20296), else the input's own default, both resolved
        where the call is made."""
        values = {}
        for declared in playbook.inputs:
            key = declared.get('key')
            given = arguments.get(key)
            try:
                value = resolve(given if given not in (None, {}) else declared.get('value'), caller_scope)
            except UnsupportedError as error:
                raise PlaybookError(f'{playbook.name}: input {key}: {error}') from None
            if declared.get('required') and is_empty(value):
                where = f' (called from {caller.label})' if caller else ''
                raise PlaybookError(f'{playbook.name}: required input {key} has no value{where}')
            values[key] = value
        undeclared = set(arguments) - {d.get('key') for d in playbook.inputs}
        if undeclared and caller:
            raise PlaybookError(f'{caller.label} passes {", ".join(sorted(undeclared))}, which '
                                f'"{playbook.name}" does not declare as inputs')
        return values

    def _run_playbook(self, playbook: Playbook, scope: Scope, run: PlaybookRun, callers: tuple[str, ...] = ()) -> None:
        if '_problems' not in playbook.__dict__:  # the YAML does not change during a run
            playbook.__dict__['_problems'] = validation_problems(playbook) + unsupported_forms(playbook)
        if problems := playbook.__dict__['_problems']:  # what demisto-sdk's validate refuses never reaches XSOAR
            raise PlaybookError(f'{playbook.name}: ' + '; '.join(problems) + '.')
        frame = _Frame(playbook, scope, self._war_room(scope.context), run, callers=callers)
        queue, done = [playbook.start], set()
        while queue:
            task_id = queue.pop(_next_ready(queue, playbook))
            if task_id in done:
                continue
            if task_id not in playbook.tasks:
                raise PlaybookError(f'{playbook.name}: a task points to task {task_id}, which does not exist')
            done.add(task_id)  # each task runs once: a branch back to one that ran leads nowhere
            task = playbook.tasks[task_id]
            frame.task = task_id
            try:
                branch = self._run_task(task, frame, run)
            except (UnsupportedError, ContextError) as error:  # what the runner does not interpret stops it here
                raise PlaybookError(f'{playbook.name}, {task.label}: {error}') from None
            queue.extend(task.next.get(branch, []))

    def _run_task(self, task: Task, frame: _Frame, run: PlaybookRun) -> str:
        kind = task.type
        if kind in ('start', 'title'):
            self._record(run, Event(frame.playbook.name, task.id, task.name, kind, 'done'))
            return '#none#'
        if kind == 'condition':
            return self._condition(task, frame, run)
        if kind == 'regular':
            return self._regular(task, frame, run)
        return self._sub_playbook(task, frame, run)  # 'playbook': unsupported_forms refused every other type

    def _condition(self, task: Task, frame: _Frame, run: PlaybookRun) -> str:
        from .values import holds
        if task.body.get('scriptName'):
            return self._script_condition(task, frame, run)
        conditions = task.raw.get('conditions')
        if not conditions:
            raise UnsupportedError('a condition task without conditions asks an analyst to choose; the local runner '
                                   'only follows conditions it can evaluate')
        matching = [str(labelled.get('label')) for labelled in conditions
                    if holds(labelled.get('condition') or [], frame.scope, str(labelled.get('label')))]
        if len(matching) > 1:  # which branch XSOAR takes then (the first, or all) is not documented: refuse to guess
            raise UnsupportedError(f'the branches {", ".join(matching)} all match; the local runner refuses to guess '
                                   f'which XSOAR takes: make the conditions exclusive')
        branch = matching[0] if matching else '#default#'
        shown = 'else' if branch == '#default#' else branch  # as the playbook editor labels it
        self._record(run, Event(frame.playbook.name, task.id, task.name, 'condition', f'branch "{shown}"'))
        return _taken(task, frame, branch, shown)

    def _script_condition(self, task: Task, frame: _Frame, run: PlaybookRun) -> str:
        """A condition decided by a script: the branch is what the script returns ('yes', 'no', ...)."""
        name = task.body['scriptName']
        args = self._arguments(task, frame.scope)
        if len(iterations(args, _script_arrays(name), f'script {name}')) > 1:  # whose answer picks the branch?
            raise UnsupportedError(f'a conditional task that XSOAR would run once per item of a list (given to an '
                                   f'argument script {name} does not declare isArray) is not supported')
        entries = self._script(name, args, frame)
        if any(entry.get('Type') == ENTRY_ERROR for entry in entries):
            # An error entry fails a conditional task that uses an automation as it fails a standard one: stop,
            # continue, or the error path, as the task says (XSOAR admin guide, "Handle Errors in a Playbook").
            event = Event(frame.playbook.name, task.id, task.name, 'condition', 'error', command=name, args=args,
                          entries=entries)
            return self._failed(task, frame, run, event)
        answer = next((str(entry.get('Contents')) for entry in entries), '')
        branch = answer if answer in task.next else '#default#'
        shown = 'else' if branch == '#default#' else branch
        self._record(run, Event(frame.playbook.name, task.id, task.name, 'condition', f'branch "{shown}"',
                                command=name, args=args, entries=[]))
        return _taken(task, frame, branch, f'{shown} (the script answered "{answer}")')

    def _arguments(self, task: Task, scope: Scope) -> dict:
        args = {}
        for name, spec in task.arguments.items():
            value = resolve(spec, scope)
            if value == [] or not is_empty(value):  # an empty list is handed on (README, "Running them locally")
                args[name] = value
        return args

    def _regular(self, task: Task, frame: _Frame, run: PlaybookRun) -> str:
        body = task.body
        script = body.get('script') or ''
        args = self._arguments(task, frame.scope)
        if body.get('iscommand') and '|||' in script:
            brand, _, command = script.partition('|||')
            if brand == 'Builtin':
                raise UnsupportedError(f'builtin command {quoted(command)} is not supported')
            if task.raw.get('skipunavailable') and not self._can_run(brand, command):
                self._record(run, Event(frame.playbook.name, task.id, task.name, 'regular',
                                        'skipped: no enabled integration runs it', command=command, args=args))
                return '#none#'
            label = command
            runs = iterations(args, self._command_arrays(brand, command), f'!{command}')
            call = functools.partial(self._command, task, frame, brand, command)
        elif body.get('scriptName'):
            label = body['scriptName']
            runs = iterations(args, _script_arrays(label), f'script {label}')
            call = functools.partial(self._script, label, frame=frame)
        else:
            raise UnsupportedError('a manual task waits for an analyst; the local runner cannot complete it')
        entries = []
        for given in runs:  # in turn; the first run that returns an error fails the task, the rest not run
            entries += call(given)
            if any(entry.get('Type') == ENTRY_ERROR for entry in entries):
                break
        failed = any(entry.get('Type') == ENTRY_ERROR for entry in entries)
        event = Event(frame.playbook.name, task.id, task.name, 'regular', 'error' if failed else 'done',
                      command=label, args=args, entries=entries, note=bool(task.raw.get('note')),
                      quiet=task.is_quiet(frame.playbook.quiet))
        if not failed:
            self._record(run, event)
            return '#none#'
        return self._failed(task, frame, run, event)

    def _failed(self, task: Task, frame: _Frame, run: PlaybookRun, event: Event) -> str:
        """A task whose script or command returned an error entry: the error path, continue, or stop. continueonerror
        is what lets it go on, continueonerrortype then says where (demisto/content's GetFailedTasks reads a failed
        task's handling so: "Stop Playbook" without continueOnError, else "Error Path" to #error# or "Continue" to
        #none#, "(No Next Task)" where that branch is missing)."""
        entries = event.entries
        if task.raw.get('continueonerror') and task.raw.get('continueonerrortype') == 'errorPath':
            event.outcome = 'error -> error path'
            self._record(run, event)
            if not task.next.get('#error#'):
                raise PlaybookError(f'{frame.playbook.name}, {task.label} failed, and its error path leads to no task: '
                                    f'{_first_error(entries)}')
            return '#error#'
        if task.raw.get('continueonerror'):
            if task.type == 'condition':  # which branch XSOAR then takes is not documented: refuse, do not guess
                raise UnsupportedError('a conditional task that continues on error (no error path) is not supported')
            event.outcome = 'error, continued'
            self._record(run, event)
            return '#none#'
        self._record(run, event)
        raise PlaybookError(f'{frame.playbook.name}, {task.label} failed: {_first_error(entries)}')

    def _command_arrays(self, brand: str, command: str) -> dict[str, bool] | None:
        """{argument: declared isArray} of this pack's command; None for another integration's."""
        if command in self.spec.commands and brand in ('', OWN_BRAND):
            return {name: spec.is_array for name, spec in self.spec.commands[command].arguments.items()}
        return None

    def _can_run(self, brand: str, command: str) -> bool:
        if command in self.spec.commands and brand in ('', OWN_BRAND):
            return self.others.is_available(OWN_BRAND)
        return self.others.knows(command) and bool(self.others.providers(command, brand))

    def _shared_with(self, command: str) -> list[str]:
        """The other enabled integrations that have a command of this pack's name: XSOAR runs a call of it that names
        no brand (a task's '|||command', a script's executeCommand without using-brand) on each of them too."""
        spec = self.others.commands.get(command)
        if spec is None or not spec.brand or spec.brand == OWN_BRAND:
            return []
        return self.others.providers(command)

    def _command(self, task: Task, frame: _Frame, brand: str, command: str, args: dict) -> list[dict]:
        if command not in self.spec.commands or brand not in ('', OWN_BRAND):
            if not self.others.knows(command):
                raise UnsupportedError(f'command !{command} is neither this pack\'s nor a recorded command of '
                                       f'another integration')
            try:
                entries = self.others.run(brand, command, args)
            except ReplayError as error:
                raise PlaybookError(f'{frame.playbook.name}, {task.label}: {error}') from None
            for entry in entries:
                merge_entry_context(frame.scope.context, entry.get('EntryContext') or {})
            return entries
        shared = self._shared_with(command) if not brand else []
        if shared:
            raise PlaybookError(f'{frame.playbook.name}, {task.label}: a task without a brand runs !{command} on every '
                                f'enabled integration that has it, here {OWN_BRAND} and {", ".join(shared)}; name the '
                                f'brand in the task: {OWN_BRAND}|||{command}')
        if not self.others.is_available(OWN_BRAND):
            return no_instance(OWN_BRAND, command)
        try:
            return frame.war_room.run(command, args).entries
        except ArgumentError as error:
            raise PlaybookError(f'{frame.playbook.name}, {task.label}: {error}') from None

    def _script(self, name: str, args: dict, frame: _Frame) -> list[dict]:
        context = frame.scope.context
        if name == 'Set':
            return [builtin_set(context, args)]
        if name == 'Print':
            return [{'Type': ENTRY_NOTE, 'ContentsFormat': 'text', 'Contents': str(args.get('value', ''))}]
        if name == 'DeleteContext':
            return [builtin_delete_context(context, args)]
        if name == 'IsIntegrationAvailable':
            return [self.others.is_integration_available(context, args)]
        module = _load_script(name)
        if module is None:
            raise UnsupportedError(f'script {quoted(name)} is neither a supported builtin (Set, Print, DeleteContext, '
                                   f'IsIntegrationAvailable) nor in {SCRIPTS_DIR}')
        declared = _script_yaml(name)
        if declared is not None:  # held to its YAML as a command to integration.yml: the server refuses it so
            try:
                args = parse_script_spec(declared).check_args(args)
            except ArgumentError as error:
                return [{'Type': ENTRY_ERROR, 'ContentsFormat': 'text', 'Contents': str(error)}]
        # A script gets the incident as XSOAR gives it (custom fields under CustomFields), not the flattened form
        # that ${incident.<field>} reads.
        record = frame.scope.record if frame.scope.record is not None else frame.scope.incident
        timeout = script_timeout(name, self.script_timeout)
        demisto = ScriptDemisto(args, context, record, timeout=timeout, log=frame.run.script_log,
                                execute=functools.partial(self._script_call, frame, name))
        started = self.clock()
        try:
            with printing_to(demisto, module), warnings_to(demisto):  # CSP's WarningsHandler runs before scripts too
                module.main(demisto)
        except Exception as error:  # a script's crash is that task's error entry, as in XSOAR
            demisto.entries.append({'Type': ENTRY_ERROR, 'ContentsFormat': 'text',
                                    'Contents': f'{name} failed: {type(error).__name__}: {error}'})
        if demisto.misuses:  # a refused call the script caught broke XSOAR's channel all the same (misuses_raised)
            demisto.entries[:] = [{'Type': ENTRY_ERROR, 'ContentsFormat': 'text',
                                   'Contents': f'{name} failed: DemistoMisuse: {demisto.misuses[0]}'}]
        took = self.clock() - started
        if took > timeout:  # XSOAR stopped it there: nothing it was about to return arrives
            demisto.entries[:] = [{'Type': ENTRY_ERROR, 'ContentsFormat': 'text',
                                   'Contents': f'{name} ran for {took:.1f} s, past its timeout of {timeout:g} s: XSOAR '
                                               f'stops such a script, and nothing it returns arrives.'}]
        if declared is not None:
            refuse_undeclared_outputs(demisto.entries, declared.get('outputs') or [], f'script {name}', f'{name}.yml')
        for entry in demisto.entries:
            merge_entry_context(context, entry.get('EntryContext') or {})
        return demisto.entries

    def _script_call(self, frame: _Frame, script: str, command: str, args: dict) -> list[dict]:
        """A script's ``demisto.executeCommand``, recorded as an event of the run when it is made (``caller``: the
        script), so a test reads a script's calls where it reads the tasks'. Not shown on the timeline: it shows tasks,
        and the script's own entries say what its calls did."""
        event = Event(frame.playbook.name, frame.task, script, 'executeCommand', 'running', command=command,
                      args=copy.deepcopy(args), caller=script)
        frame.run.events.append(event)  # now: the calls a script it runs makes come after this one
        try:
            entries = self._execute(frame, command, args)
        except Exception as error:  # the server's error marker (server_errors) raises into the script, as in XSOAR
            event.outcome = f'raised {type(error).__name__}: {error}'
            raise
        failed = any(entry.get('Type') == ENTRY_ERROR for entry in entries)
        event.outcome = 'returned an error entry' if failed else 'done'
        return entries

    def _execute(self, frame: _Frame, command: str, args: dict) -> list[dict]:
        """A script's ``demisto.executeCommand``: the pack's commands in this war room (their context merged, as
        XSOAR merges it), other integrations' from their recorded replies. A refused argument is an error entry. A
        command the server fails (``server_errors``) runs nothing and raises ValueError with the server's message:
        XSOAR's channel raises so when the server answers with its error marker (demisto/content
        DemistoClassApiModuleClasses.py, ``DemistoScript.__do``)."""
        if command in self.server_errors:
            raise ValueError(self.server_errors[command])
        if command == 'Set':  # writes the calling context; a script's executeCommand adds no entry of its own
            return [builtin_set(frame.scope.context, args)]
        try:
            if command in self.spec.commands:  # run once: XSOAR schedules no polling run for executeCommand
                shared = [] if args.get('using-brand') or args.get('using') else self._shared_with(command)
                if shared:
                    return [{'Type': ENTRY_ERROR, 'ContentsFormat': 'text',
                             'Contents': f'executeCommand without using-brand runs {command} on every enabled '
                                         f'integration that has it, here {OWN_BRAND} and {", ".join(shared)}: '
                                         f'give using-brand={OWN_BRAND}'}]
                if not self.others.is_available(OWN_BRAND):
                    return no_instance(OWN_BRAND, command)
                return frame.war_room.run(command, args, follow_polling=False).entries
            if _load_script(command) is not None:  # a pack script, called by another script
                return self._script(command, args, frame)
            if self.others.knows(command):
                entries = self.others.run('', command, args)
                for entry in entries:
                    merge_entry_context(frame.scope.context, entry.get('EntryContext') or {})
                return entries
        except (ArgumentError, ReplayError) as error:
            return [{'Type': ENTRY_ERROR, 'ContentsFormat': 'text', 'Contents': str(error)}]
        return [{'Type': ENTRY_ERROR, 'ContentsFormat': 'text', 'Contents': f'Unsupported Command: {command}'}]

    def run_post_processing(self, script: str, incident: dict, context: dict | None = None) -> PlaybookRun:
        """What XSOAR does when the incident closes and its type names a post-processing script: runs it with
        closeReason and closeNotes. An error entry would block the close; the run records it as failed."""
        run = PlaybookRun(context=copy.deepcopy(context or {}))
        flat = flatten_incident(incident)
        args = {'closeReason': flat.get('closeReason', ''), 'closeNotes': flat.get('closeNotes', '')}
        frame = _Frame(Playbook(POST_PROCESSING, POST_PROCESSING, '0', {}),
                       Scope(flat, {}, run.context, copy.deepcopy(incident or {}), self.filter_sides),
                       self._war_room(run.context), run)
        entries = self._script(script, args, frame)
        failed = any(entry.get('Type') == ENTRY_ERROR for entry in entries)
        self._record(run, Event(POST_PROCESSING, '-', script, 'script', 'error: the close is blocked' if failed
                                else 'done', command=script, args=args, entries=entries, note=True))
        if failed:
            run.error = f'{script} returned an error entry, which blocks the close in XSOAR'
        return run

    def _sub_playbook(self, task: Task, frame: _Frame, run: PlaybookRun) -> str:
        # A loop (forEach, exitCondition, ...) was refused by unsupported_forms before the playbook ran.
        name = task.body.get('playbookName') or task.body.get('playbookId')
        child = self.library.get(name)
        chain = (*frame.callers, frame.playbook.name)
        if child.name in chain:  # it would call itself again at each level, until Python's recursion limit
            shown = ' -> '.join(f'"{called}"' for called in (*chain[chain.index(child.name):], child.name))
            raise UnsupportedError(f'a sub-playbook cycle: {shown}; the local runner refuses a playbook that calls '
                                   f'itself, directly or through another')
        inputs = self._inputs(child, task.arguments, frame.scope, caller=task)
        separate = bool(task.raw.get('separatecontext'))
        context = frame.scope.context
        if separate and self.private_contexts == 'kept':
            context = context.setdefault(f'subplaybook-{task.id}', {})
        elif separate:
            context = {}
        self._record(run, Event(frame.playbook.name, task.id, task.name, 'playbook', f'runs "{child.name}"'))
        scope = Scope(frame.scope.incident, inputs, context, frame.scope.record, self.filter_sides)
        self._run_playbook(child, scope, run, chain)
        # What the child declares as outputs goes back to the caller (a path inside another once), merged as an entry
        # with no DT key, or in place of the caller's value (sub_playbook_outputs): XSOAR documents neither
        if separate:
            paths = [output['contextPath'] for output in child.outputs]
            for path in paths:
                if any(path.startswith(other + '.') for other in paths):
                    continue
                value = lookup(context, path)
                if value is not None and self.sub_playbook_outputs == 'replace':
                    _replace_at(frame.scope.context, path, value)
                elif value is not None:
                    merge_entry_context(frame.scope.context, {path: value})
        return '#none#'

    def _record(self, run: PlaybookRun, event: Event) -> None:
        run.events.append(event)
        if self.on_event:
            self.on_event(event)


def _replace_at(context: dict, path: str, value: Any) -> None:
    """``value`` in place of what ``context`` holds at the dotted ``path`` (objects made on the way)."""
    *parents, key = path.split('.')
    for part in parents:
        if not isinstance(context.get(part), dict):
            context[part] = {}
        context = context[part]
    context[key] = copy.deepcopy(value)


def _first_error(entries: list[dict]) -> str:
    return next(entry_text(entry) for entry in entries if entry.get('Type') == ENTRY_ERROR)


def _taken(task: Task, frame: _Frame, branch: str, shown: str) -> str:
    """The branch a condition takes; one it has no branch for stops the playbook there, as XSOAR stops it ("Playbook
    will stop if task doesn't return yes / no ... their incident is paused": a maintainer in demisto/content pull
    request 391, of a condition without an else branch). A condition with no branch at all ends its playbook."""
    if task.next and not task.next.get(branch):
        raise PlaybookError(f'{frame.playbook.name}, {task.label}: its outcome is "{shown}", for which it has no '
                            f'branch (no else branch either): XSOAR stops the playbook here, the incident paused')
    return branch


def _reachable(playbook: Playbook, start: str) -> set[str]:
    cache = playbook.__dict__.setdefault('_reachable', {})  # the graph does not change during a run
    if start not in cache:
        cache[start] = _walk_graph(playbook, start)
    return cache[start]


def _walk_graph(playbook: Playbook, start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        task_id = stack.pop()
        for targets in (playbook.tasks[task_id].next.values() if task_id in playbook.tasks else ()):
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
    return seen


def _next_ready(queue: list[str], playbook: Playbook) -> int:
    """The first queued task no other queued branch can still reach: where branches join, the join waits
    for every branch that may arrive, as in XSOAR. With a cycle nothing qualifies; then the first."""
    for position, task_id in enumerate(queue):
        if not any(other != task_id and task_id in _reachable(playbook, other) for other in queue):
            return position
    return 0


def key_parent(context: dict, key: str, create: bool) -> tuple[dict | None, str]:
    """The object holding a dotted key's last level, and that level's name; None where a level on the way is missing
    (``create`` makes it, as Set does; DeleteContext only reads) or holds a value that is not an object."""
    *path, leaf = key.split('.')
    parent = context
    for part in path:
        if not isinstance(parent, dict):
            return None, leaf
        parent = parent.setdefault(part, {}) if create else parent.get(part)
    return (parent if isinstance(parent, dict) else None), leaf


def builtin_set(context: dict, args: dict) -> dict:
    """XSOAR's Set script: key, value, append (false replaces what the key holds). Set.yml declares key and value
    required, and XSOAR refuses a required argument left empty (spec.no_value): nothing is written or deleted."""
    key = str(args.get('key') or '').strip()
    if not key:
        return {'Type': ENTRY_ERROR, 'ContentsFormat': 'text', 'Contents': 'Set: key is required.'}
    value = args.get('value')
    if no_value(value):
        return {'Type': ENTRY_ERROR, 'ContentsFormat': 'text',
                'Contents': f'Set: value is required; got {quoted(value)} for {key}. Give the value to set, or '
                            'run DeleteContext to delete the key.'}
    append = str(args.get('append', 'false')).lower() == 'true'
    parent, leaf = key_parent(context, key, create=True)
    if parent is None:
        return {'Type': ENTRY_ERROR, 'ContentsFormat': 'text',
                'Contents': f'Set: {key} cannot be set: a level on its way holds a value, not an object. Set '
                            'another key, or delete that level first (DeleteContext).'}
    if append and leaf in parent:
        combined = as_list(parent[leaf]) + as_list(value)
        parent[leaf] = combined[0] if len(combined) == 1 else combined
    else:
        parent[leaf] = value
    return {'Type': ENTRY_NOTE, 'ContentsFormat': 'json', 'Contents': {key: parent.get(leaf)},
            'HumanReadable': f'Set {key}'}


def builtin_delete_context(context: dict, args: dict) -> dict:
    """demisto/content's DeleteContext (DeleteContext.js) with ``key`` (comma-separated keys) and ``subplaybook=auto``:
    the keys deleted from the context the playbook runs in, a private sub-playbook's own (DeleteContext.js prefixes
    ``subplaybook-${currentPlaybookID}.``), a top playbook's the incident's. A key that is not there is no error, as
    there. Its other forms (``all``, ``index``, ``subplaybook`` yes or no) are not supported."""
    others = sorted(set(args) - {'key', 'subplaybook'})
    if others or str(args.get('subplaybook', '')).strip().lower() != 'auto':
        raise UnsupportedError(f'DeleteContext is understood with key and subplaybook=auto only, not {sorted(args)}')
    keys = [key.strip() for key in str(args.get('key') or '').split(',') if key.strip()]
    if not keys:
        return {'Type': ENTRY_ERROR, 'ContentsFormat': 'text', 'Contents': 'You must specify key or all=yes'}
    deleted = []
    for key in keys:
        parent, leaf = key_parent(context, key, create=False)
        if parent is not None and leaf in parent:
            del parent[leaf]
            deleted.append(key)
    names = "', '".join(deleted)
    said = f"Successfully deleted keys '{names}' from context." if deleted else ''
    return {'Type': ENTRY_NOTE, 'ContentsFormat': 'json', 'Contents': said, 'HumanReadable': said}


def flatten_incident(incident: dict) -> dict:
    """``${incident.field}`` reaches custom fields too: XSOAR lifts CustomFields to the top."""
    flat = {k: v for k, v in (incident or {}).items() if k != 'CustomFields'}
    for key, value in ((incident or {}).get('CustomFields') or {}).items():
        flat.setdefault(key, value)
    return flat
