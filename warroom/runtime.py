"""The part of the XSOAR server a command needs: the ``demisto`` object, context, and polling.

``run_command`` checks the arguments against integration.yml, runs ``restore_integration.main`` with a
``Demisto`` object, merges every entry's EntryContext, and while the last entry asks for a next run
(``PollingCommand`` / ``NextRun`` / ``PollingArgs`` / ``Timeout``, as XSOAR reads them), sleeps and
runs again, until the command stops scheduling itself or its timeout passes.
"""
from __future__ import annotations

import functools
import json
import math
import re
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator

import restore_integration

from .context import as_list, get_path, key_problems, merge_entry_context, undeclared_paths
from .context_version import ContextVersion
from .debug_mode import xsoar_debug_mode
from .line import format_line, quoted
from .params import xsoar_params
from .python_warnings import warnings_to
from .spec import ArgumentError, IntegrationSpec, ServerOptions, load_spec, split_server_options

ENTRY_NOTE = 1
ENTRY_ERROR = 4
DEFAULT_POLLING_TIMEOUT = 600
MIN_POLLING_INTERVAL = 10  # XSOAR waits at least this long between polling runs (scheduled-commands.md)
# XSOAR stops an integration command (fetch-incidents included) that runs longer than this unless its server
# configuration sets another: Cortex XSOAR 6.13 Administrator Guide, "Integration Server Configurations", key
# <integration_name>.<command_name>.timeout, "Timeout in minutes for specific integration command", default 3
# (https://docs-cortex.paloaltonetworks.com/r/Cortex-XSOAR/6.13/Cortex-XSOAR-Administrator-Guide/
# Integration-Server-Configurations). A command's execution-timeout argument overrides it for that command.
XSOAR_EXECUTION_TIMEOUT = 180.0
# The instance dialog's Test (test-module) has less: an engine ends it after 60 s (demisto/content pull request 33691,
# "ensure the client receives an error before xsiam's engine times out after 60 seconds").
XSOAR_TEST_TIMEOUT = 60.0
PROGRESS_PREFIX = '[progress] '  # how the integration's log lines announce bulk progress
XSOAR_VERSION = {'version': '8.9.0', 'buildNumber': '000000'}
MAX_NEXT_CHECK_LINE = 2000  # a next check an analyst can paste, from a polling timeout's error; past it, where it is
# The ended sequence's clock in a next check's PollingArgs (restore-file's hidden arguments): the error's line leaves
# them out, so that, run later, it follows the action as a polling of its own, not one last check of a clock run out.
SEQUENCE_CLOCK_ARGUMENTS = frozenset({'polling_started', 'polling_checks', 'put_off'})
# What XSOAR takes in an entry (DEVELOPERS.md, "The war room", has each rule's source): CommonServerPython's EntryType
# (with entryTypes' debug, 16) and EntryFormat; IncidentSeverity for a fetched incident.
ENTRY_TYPES = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16, 17, 19})
ENTRY_FORMATS = frozenset({'html', 'table', 'json', 'text', 'dbotCommandResponse', 'markdown'})
INCIDENT_SEVERITIES = (0, 0.5, 1, 2, 3, 4)
# XSOAR's server is written in Go: an incident's occurred is read into a time.Time, whose JSON form is RFC 3339
# (seconds and a zone required, Z or +hh:mm; a fraction of a second allowed), and a JSON number into a float64, so an
# integer past 2**53 comes back rounded; encoding/json writes it back without a fraction when whole and below 1e21
# (golang/go src/encoding/json/encode.go, floatEncoder: 'f' format, 'e' from 1e21), which json.loads reads as an int.
RFC_3339 = re.compile(r'\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})')
GO_WHOLE_DIGITS_BELOW = 1e21
# Its encoding/json also reads a UTF-16 surrogate that is half of no pair (json.dumps writes one as a \u escape) as
# U+FFFD: "invalid UTF-16 surrogate pairs are not treated as an error. Instead, they are replaced by the Unicode
# replacement character U+FFFD" (golang/go src/encoding/json/decode.go, Unmarshal).
SURROGATE_ESCAPE = re.compile(r'\\ud[89a-f]')


class FetchError(RuntimeError):
    """fetch-incidents failed; XSOAR shows the message on the integration instance."""


class ScheduleError(ValueError):
    """An entry's polling fields ask for a next run XSOAR would not schedule as asked."""


def _is_seconds(value: Any) -> bool:
    """Text holding a positive whole number of seconds, as ScheduledCommand writes NextRun and Timeout (str of an
    int)."""
    return isinstance(value, str) and re.fullmatch(r'[0-9]{1,9}', value) is not None and int(value) > 0


def _seconds(value: Any, field_name: str, command: str) -> float:
    """A polling field's seconds, for the next run an entry schedules (which needs one: None or '' are refused)."""
    if not _is_seconds(value):
        raise ScheduleError(f'!{command}: {field_name} must be text holding a positive number of seconds, as '
                            f'CommonServerPython\'s ScheduledCommand writes it (str(seconds)); got {quoted(value)}.')
    return int(value)


class DemistoMisuse(RuntimeError):
    """A call real XSOAR would not serve as the integration expects (another thread, a value that is not JSON)."""


def keeping_misuses(cls: type) -> type:
    """``cls`` (a ``demisto`` stand-in, with a ``misuses`` list) with each public call keeping the DemistoMisuse it
    raises, for ``misuses_raised``: code that catches the refusal (a broad ``except Exception``) cannot hide it."""
    for name, method in list(vars(cls).items()):
        if callable(method) and not name.startswith('_'):
            setattr(cls, name, _keeping(method))
    return cls


def _keeping(method: Callable) -> Callable:
    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except DemistoMisuse as misuse:
            self.misuses.append(misuse)
            raise
    return call


@contextmanager
def misuses_raised(demisto: Any) -> Iterator[None]:
    """Around a run of code: the first DemistoMisuse ``demisto`` refused a call with, raised once the code ends, even
    if the code caught it. XSOAR's channel is one stream both ways (DemistoClassApiModuleClasses.py, ``__do``): calls
    from two threads mix on it unlocked, and json.dump has written what it encoded before it meets a value it cannot,
    so such a call has broken the run whatever the code did next."""
    try:
        yield
    finally:
        if demisto.misuses:
            raise demisto.misuses[0]


def refuse_undeclared_outputs(entries: list[dict], outputs: Iterable[dict], writer: str, yaml_name: str) -> None:
    """Raises DemistoMisuse when ``entries`` write a context path that none of ``outputs`` (``yaml_name``'s, for the
    command or script ``writer``) is or holds (``undeclared_paths``), naming the paths and the rule."""
    declared = {str(output.get('contextPath')) for output in outputs}
    undeclared = sorted(set().union(*(undeclared_paths(entry.get('EntryContext'), declared) for entry in entries)))
    if undeclared:
        raise DemistoMisuse(f'{writer} wrote context paths {yaml_name} does not declare as its outputs: '
                            f'{", ".join(undeclared)}; content-docs context-and-outputs.md: "The code must match the '
                            f'context path outputs specified in the YAML file".')


def entry_problems(entry: dict) -> list[str]:
    """What XSOAR would not take in an entry handed to demisto.results: the Type one of EntryType's numbers, the two
    formats EntryFormat's names, HumanReadable text, EntryContext an object, IgnoreAutoExtract and Note booleans,
    IndicatorTimeline an object or a list of them, Relationships a list of objects, Tags a list of text,
    APIExecutionMetrics a list of counts, and the polling fields as ScheduledCommand writes them
    (``polling_field_problems``).
    A field left out (or None, or a format '', as XSOAR's own entries carry them) is not checked, but for Type:
    XSOAR gives an entry none of its own.
    ``entry`` is as json.dumps writes it (``checked_entry``), the strict reading (no public source shows the server's
    entry type): were XSOAR's Go server to read Type into an int field, its encoding/json would take digits alone
    ("cannot unmarshal number 1.0 into Go struct field ... of type int"), so a float written 1.0 or a bool written
    true is refused. The other whole numbers (APICallsCount, PollingItemsRemaining), which CommonServerPython writes
    as ints, are held the same."""
    problems = []
    kind = entry.get('Type')
    if type(kind) is float:
        problems.append(f'Type {quoted(kind)} is no integer as JSON writes it: EntryType\'s numbers are whole, and a '
                        f'server reading them into an integer takes digits alone; write an int')
    elif type(kind) is not int or kind not in ENTRY_TYPES:
        problems.append(f'Type {quoted(kind)} is none of EntryType\'s numbers '
                        f'({", ".join(map(str, sorted(ENTRY_TYPES)))})')
    for name in ('ContentsFormat', 'ReadableContentsFormat'):
        if entry.get(name) not in (None, '') and entry[name] not in ENTRY_FORMATS:
            problems.append(f'{name} {quoted(entry[name])} is none of EntryFormat\'s '
                            f'({", ".join(sorted(ENTRY_FORMATS))})')
    for name, kind, what in (('HumanReadable', str, 'text'), ('EntryContext', dict, 'an object of context keys'),
                             ('IgnoreAutoExtract', bool, 'true or false'), ('Note', bool, 'true or false')):
        if entry.get(name) is not None and not isinstance(entry[name], kind):
            problems.append(f'{name} must be {what}, not {type(entry[name]).__name__}')
    timeline = entry.get('IndicatorTimeline')
    if timeline is not None and not all(isinstance(item, dict) for item in as_list(timeline)):
        problems.append('IndicatorTimeline must be an object or a list of objects (code-conventions.md)')
    relationships = entry.get('Relationships')  # CommandResults: [relationship.to_entry() for ...], never one alone
    if relationships is not None and not (isinstance(relationships, list)
                                          and all(isinstance(item, dict) for item in relationships)):
        problems.append('Relationships must be a list of relationship objects, as CommandResults writes them')
    tags = entry.get('Tags')  # CommandResults: "tags: must be a list" (type comment List[str]), Tags when given
    if tags is not None and not (isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)):
        problems.append('Tags must be a list of text tags, as CommandResults writes them')
    metrics = entry.get('APIExecutionMetrics')  # CommandResults.to_context: ExecutionMetrics' list, update_metrics'
    if metrics is not None and not (isinstance(metrics, list) and all(map(_is_metric, metrics))):
        problems.append('APIExecutionMetrics must be a list of {"Type": text, "APICallsCount": a whole number} '
                        'objects, as ExecutionMetrics writes them')
    return problems + polling_field_problems(entry)


def _is_metric(item: Any) -> bool:
    """One count of ExecutionMetrics (CommonServerPython's update_metrics: {'Type': ..., 'APICallsCount': ...})."""
    return isinstance(item, dict) and isinstance(item.get('Type'), str) and type(item.get('APICallsCount')) is int


def polling_field_problems(entry: dict) -> list[str]:
    """What XSOAR would not take in an entry's polling fields, whoever ran the command (a script's executeCommand
    schedules nothing, but takes the same entry): as ScheduledCommand.to_results writes them, PollingCommand text,
    NextRun and Timeout str() of whole seconds, PollingArgs an object, PollingItemsRemaining a whole number. Left out,
    None or '' (as XSOAR's own entries carry them) is not checked here; a next run needs them (``_next_run``)."""
    problems = [f'{name} must be text holding a positive number of seconds, as ScheduledCommand writes it '
                f'(str(seconds)); got {quoted(entry[name])}' for name in ('NextRun', 'Timeout')
                if entry.get(name) not in (None, '') and not _is_seconds(entry[name])]
    for name, kind, what in (('PollingCommand', str, 'the name of a command'),
                             ('PollingArgs', dict, 'an object of argument names and values')):
        if entry.get(name) is not None and not isinstance(entry[name], kind):
            problems.append(f'{name} must be {what}, not {type(entry[name]).__name__}')
    remaining = entry.get('PollingItemsRemaining')
    if remaining is not None and (type(remaining) is not int or remaining < 0):  # type(): a bool is no count
        problems.append(f'PollingItemsRemaining must be a whole number of items, 0 or more; got {quoted(remaining)}')
    return problems


def checked_entry(result: dict) -> dict:
    """An entry as XSOAR takes it: its JSON copy, or DemistoMisuse naming every field XSOAR would not take. A dict
    without both Contents and ContentsFormat is no entry to XSOAR: it becomes a note of its JSON text, its context and
    polling fields lost (demisto/content's DemistoClassApiModuleClasses.py, ``convert``)."""
    entry = json_copy(result, 'An entry')
    if 'Contents' not in entry or 'ContentsFormat' not in entry:
        return {'Type': ENTRY_NOTE, 'Contents': json.dumps(entry), 'ContentsFormat': 'json'}
    # Checked as written, not as handed back: the server's copy reads 1.0 back as 1, its int fields refuse "1.0"
    written = json.loads(json.dumps(result))
    problems = entry_problems(written) + key_problems(result.get('EntryContext'))
    if problems:
        raise DemistoMisuse('An entry XSOAR would not take: ' + '; '.join(problems) + '.')
    return entry


def text_note(result: Any) -> dict:
    """The note XSOAR's convert() makes of a result that is neither a dict nor a list: its text, bytes decoded as
    UTF-8 (DemistoClassApiModuleClasses.py, ``results.decode('utf-8')``, which raises for bytes that are not)."""
    if type(result) is not bytes:
        return {'Type': ENTRY_NOTE, 'ContentsFormat': 'text', 'Contents': str(result)}
    try:
        return {'Type': ENTRY_NOTE, 'ContentsFormat': 'text', 'Contents': result.decode('utf-8')}
    except UnicodeDecodeError as error:
        raise DemistoMisuse(f'demisto.results() was given bytes that are not UTF-8 ({error.reason} at byte '
                            f'{error.start}): XSOAR\'s convert() decodes them as UTF-8, and raises.') from None


def one_list(results: list) -> list:
    """The list handed to demisto.results, or DemistoMisuse when it holds a list: DemistoClassApiModule's convert()
    converts each item, so a list inside it stays a list, sent where XSOAR takes an entry."""
    if any(type(item) is list for item in results):
        raise DemistoMisuse('demisto.results() was given a list inside its list: XSOAR\'s convert() sends it on as a '
                            'list where an entry belongs, not as entries. Hand over one list of entries.')
    return results


def incident_problems(incident: dict) -> list[str]:
    """What XSOAR does not take in a fetched incident (fetching-incidents.md, demistomock's createIncidents,
    CommonServerPython's IncidentSeverity): a name, occurred and rawJSON, each given ("These objects must contain");
    occurred RFC 3339 text; rawJSON a JSON string; name, details, dbotMirrorId and type text; labels a list of
    {type, value}; severity one of IncidentSeverity's."""
    problems = [f'it has no {name}' for name in ('name', 'occurred', 'rawJSON') if incident.get(name) in (None, '')]
    occurred = incident.get('occurred')
    if occurred not in (None, '') and not (isinstance(occurred, str) and RFC_3339.fullmatch(occurred)
                                           and _is_date(occurred)):
        problems.append(f'occurred must be an RFC 3339 date, such as 2019-10-23T10:11:00Z; got {quoted(occurred)}')
    raw = incident.get('rawJSON')
    if raw not in (None, '') and not (isinstance(raw, str) and _is_json_object(raw)):
        problems.append(f'rawJSON must be the JSON text of an object (json.dumps of the event); got {quoted(raw):.60}')
    for name in ('name', 'details', 'dbotMirrorId', 'type'):
        if incident.get(name) is not None and not isinstance(incident[name], str):
            problems.append(f'{name} must be text, not {type(incident[name]).__name__}')
    labels = incident.get('labels')
    if labels is not None and not (isinstance(labels, list) and all(
            isinstance(label, dict) and {'type', 'value'} <= set(label) for label in labels)):
        problems.append('labels must be a list of {"type": ..., "value": ...} objects')
    severity = incident.get('severity')
    if severity is not None and (isinstance(severity, bool) or severity not in INCIDENT_SEVERITIES):
        problems.append(f'severity must be one of {", ".join(map(str, INCIDENT_SEVERITIES))} (IncidentSeverity); '
                        f'got {quoted(severity)}')
    return problems


def _is_date(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return False
    return True


def _is_json_object(text: str) -> bool:
    """JSON text of an object, as RFC 8259 writes it (no NaN or Infinity): the event the mapper reads."""
    try:
        return isinstance(json.loads(text, parse_constant=_refuse_constant), dict)
    except ValueError:
        return False


def _as_float64(digits: str) -> int | float:
    """A JSON number as XSOAR's server hands it back: read into a float64 (exact up to 2**53, rounded past it; one
    past its range not read), written as digits alone when whole and below 1e21 (an int to json.loads), else a
    float."""
    number = float(digits)
    if math.isinf(number):
        raise ValueError(f'{digits[:20]}... is past the range of a float64, which XSOAR\'s server reads numbers into')
    return int(number) if number.is_integer() and abs(number) < GO_WHOLE_DIGITS_BELOW else number


def _refuse_constant(name: str) -> Any:
    raise ValueError(f'{name} is not JSON (RFC 8259)')


def text_values(state: Any, what: str, text_keys: bool = False) -> dict[str, str]:
    """``state`` as XSOAR stores it: a JSON copy of an object whose values are all text, or DemistoMisuse.
    ``text_keys``: its keys are text too before the copy, which writes a number, true or null key as text unasked."""
    keys = state if text_keys and isinstance(state, dict) else ()
    bad_keys = [quoted(key) for key in keys if not isinstance(key, str)]
    if bad_keys:
        raise DemistoMisuse(f'{what} takes text keys only (json.dumps would write them as other keys); '
                            f'{", ".join(bad_keys)} {"is" if len(bad_keys) == 1 else "are"} not text.')
    copy = json_copy(state, what)
    if not isinstance(copy, dict):
        raise DemistoMisuse(f'{what} must be an object of text values; got {type(copy).__name__}.')
    others = sorted(key for key, value in copy.items() if not isinstance(value, str))
    if others:
        raise DemistoMisuse(f'{what} takes text values only (json.dumps anything else); '
                            f'{", ".join(others)} {"is" if len(others) == 1 else "are"} not text.')
    return copy


def log_text(message: object, call: str) -> str:
    """A log call's message as the war room keeps it, or DemistoMisuse: XSOAR's demisto.debug, info and error send it
    to the server with json.dump (DemistoClassApiModuleClasses.py), which refuses an object that is not JSON."""
    json_copy([message], f'The message of demisto.{call}()')
    return str(message)


@contextmanager
def printing_to(demisto: Any, module: Any) -> Iterator[None]:
    """``print`` in ``module``'s namespace for one run as XSOAR's: it runs the code after ``print = demisto_print``
    (DemistoClassApiModuleClasses.py), which hands the line to demisto.log, a call on the channel like any other."""
    setattr(module, 'print', demisto.print)
    try:
        yield
    finally:
        delattr(module, 'print')


def json_copy(value: Any, what: str) -> Any:
    """``value`` after the JSON round trip XSOAR puts it through; DemistoMisuse when it cannot make one."""
    try:  # NaN and Infinity are not JSON (RFC 8259): Python writes them, XSOAR's server would not read them
        text = json.dumps(value, allow_nan=False)
        copy = json.loads(text, parse_int=_as_float64, parse_float=_as_float64, object_pairs_hook=_as_go_map)
    except (TypeError, ValueError) as error:
        raise DemistoMisuse(f'{what} does not survive a JSON round trip, as XSOAR sends it: {error}') from None
    return _lone_surrogates_replaced(copy) if SURROGATE_ESCAPE.search(text) else copy


def _as_go_map(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object as XSOAR's server hands it back: a Go map, whose keys encoding/json writes "sorted" (golang/go
    src/encoding/json/encode.go, Marshal; byte-wise in UTF-8, the order of the code points), the last of equal keys
    kept, as Go's Unmarshal keeps it."""
    return dict(sorted(pairs, key=lambda pair: pair[0]))


def _lone_surrogates_replaced(value: Any) -> Any:
    """``value`` with each UTF-16 surrogate left alone in a string or key (json.loads joined the pairs) read as Go's
    encoding/json reads it: U+FFFD."""
    if isinstance(value, str):
        return value.encode('utf-16-le', 'surrogatepass').decode('utf-16-le', 'replace')
    if isinstance(value, list):
        return [_lone_surrogates_replaced(item) for item in value]
    if isinstance(value, dict):
        return {_lone_surrogates_replaced(key): _lone_surrogates_replaced(item) for key, item in value.items()}
    return value


@keeping_misuses
class Demisto:
    """The object XSOAR injects as ``demisto``, holding one command run.

    As strict as XSOAR, so that tests catch what XSOAR would: every call must come from the thread that runs
    the command (in XSOAR each call is a request and a reply on one channel to the server, and calls from two
    threads can mix their replies); entries and the integration context go through a JSON round trip, and
    the integration context handed out is a copy.
    """

    def __init__(self, params: dict, command: str, args: dict, integration_context: dict, log: list,
                 on_progress: Callable[[str], None] | None = None, last_run: dict | None = None,
                 incident_context: dict | None = None) -> None:
        self._params = params
        self._incident_context = incident_context if incident_context is not None else {}
        self._last_run = last_run if last_run is not None else {}
        self.fetched: list[dict] | None = None  # what demisto.incidents() handed over (fetch-incidents only)
        self._command = command
        self._args = args
        self._integration_context, self._context_version = integration_context, ContextVersion.of(integration_context)
        self._owner = threading.current_thread()
        self._any_thread = False  # enable_multithreading(): CommonServerPython may log from any thread
        self.log = log
        self.entries: list[dict] = []
        self._on_progress = on_progress
        self.misuses: list[DemistoMisuse] = []  # every call refused (keeping_misuses)

    def _check_thread(self, call: str) -> None:
        if threading.current_thread() is not self._owner:
            raise DemistoMisuse(f'demisto.{call}() called from thread {threading.current_thread().name!r}: only the '
                                f'thread running the command may call demisto (XSOAR serves one call at a time '
                                f'on one channel, and replies to calls from two threads can mix).')

    def params(self) -> dict:
        self._check_thread('params')
        return self._params

    def command(self) -> str:
        self._check_thread('command')
        return self._command

    def args(self) -> dict:
        self._check_thread('args')
        return self._args

    def results(self, result: Any) -> None:
        self._check_thread('results')
        if self._command == 'fetch-incidents':  # demisto.incidents() reaches XSOAR as a result entry too
            raise DemistoMisuse('demisto.results() called by fetch-incidents: XSOAR\'s Demisto hands a fetch\'s '
                                'incidents to the server as a result entry (demisto.incidents()), so any other result '
                                'is read as what was fetched. Hand incidents to demisto.incidents(), raise on failure.')
        # type(), as XSOAR's convert() tests them: a subclass of dict or list is neither, and is sent as its text
        if type(result) is list:
            for item in one_list(result):
                self.results(item)
        elif type(result) is dict:
            self.entries.append(checked_entry(result))
        else:
            self.entries.append(text_note(result))

    def context(self) -> dict:
        """The incident's context, a copy, as XSOAR hands it to a command run in an incident (demisto/content
        DemistoClassApiModuleClasses.py, ``DemistoGeneral.context``: the calling context's ExecutionContext, for
        integrations too); empty outside an incident (fetch-incidents, test-module)."""
        self._check_thread('context')
        return json_copy(self._incident_context, 'The incident context')

    def _check_context_allowed(self, call: str) -> None:
        self._check_thread(call)
        if self._command == 'test-module':  # integration-cache.md
            raise DemistoMisuse(f'demisto.{call}() called by test-module: XSOAR neither reads nor sets the '
                                f'integration context in test-module.')

    def getIntegrationContext(self) -> dict:  # noqa: N802 - XSOAR's name
        """The context of XSOAR's versioned read with ``refresh`` False (DemistoClassApiModuleClasses.py)."""
        self._check_context_allowed('getIntegrationContext')
        return json_copy(self._integration_context, 'The integration context')

    def setIntegrationContext(self, context: dict) -> None:  # noqa: N802 - XSOAR's name
        self._check_context_allowed('setIntegrationContext')
        self._store_context(text_values(context, 'The integration context', text_keys=True))

    def getIntegrationContextVersioned(self, refresh: bool = False) -> dict:  # noqa: N802 - XSOAR's name
        """XSOAR 6.0+: ``{'context': ..., 'version': ...}``, the version XSOAR's object (``ContextVersion``).
        ``refresh`` reads the database rather than the instance's memory in XSOAR (demistomock.py); when that memory
        lags the database is not documented, so the war room has one store and reads it either way."""
        self._check_context_allowed('getIntegrationContextVersioned')
        return {'context': json_copy(self._integration_context, 'The integration context'),
                'version': self._context_version.handed_out()}

    def setIntegrationContextVersioned(self, context: dict, version: Any,  # noqa: N802 - XSOAR's name
                                       sync: bool = False) -> None:
        """XSOAR's optimistic lock (``ContextVersion.check_write``): ``version`` as a read handed it out, or -1 (or
        XSOAR's object of -1s), "no version"; no default, as XSOAR's demisto has none. ``sync`` saves at once in
        XSOAR rather than at the command's end (demistomock.py); the war room saves at once either way."""
        self._check_context_allowed('setIntegrationContextVersioned')
        replacement = text_values(context, 'The integration context', text_keys=True)
        self._context_version.check_write(json_copy(version, 'The version'))
        self._store_context(replacement)

    def _store_context(self, replacement: dict) -> None:
        self._integration_context.clear()
        self._integration_context.update(replacement)
        self._context_version.moved()

    def getLastRun(self) -> dict:  # noqa: N802 - XSOAR's name
        self._check_thread('getLastRun')
        return json_copy(self._last_run, 'The last run')

    def setLastRun(self, state: dict) -> None:  # noqa: N802 - XSOAR's name
        self._check_thread('setLastRun')
        replacement = text_values(state, 'The last run')
        self._last_run.clear()
        self._last_run.update(replacement)

    def incidents(self, incidents: Any) -> None:
        """fetch-incidents hands over what it fetched, once, as XSOAR takes it: a list of incidents, each with a
        name, occurred and rawJSON, and the fields XSOAR documents in the types it documents (``incident_problems``)."""
        self._check_thread('incidents')
        if self._command != 'fetch-incidents':
            raise DemistoMisuse(f'demisto.incidents() called by {self._command}: only fetch-incidents creates '
                                f'incidents.')
        if self.fetched is not None:
            raise DemistoMisuse('demisto.incidents() called twice in one fetch: XSOAR takes the first list only.')
        if not isinstance(incidents, list) or not all(isinstance(item, dict) for item in incidents):
            raise DemistoMisuse('demisto.incidents() takes a list of incident dicts.')
        for index, incident in enumerate(incidents):
            problems = incident_problems(incident)
            if problems:
                raise DemistoMisuse(f'incident {index}: ' + '; '.join(problems) + '.')
        self.fetched = json_copy(incidents, 'The fetched incidents')

    def demistoVersion(self) -> dict:  # noqa: N802 - XSOAR's name
        self._check_thread('demistoVersion')
        return dict(XSOAR_VERSION)

    def enable_multithreading(self) -> None:
        """XSOAR's Demisto then serves calls from any thread one at a time, under a lock on its channel
        (DemistoClassApiModule). The war room still refuses the integration's own calls from another thread (its rule),
        and lets only CommonServerPython's own log lines (``csp_info``) be written from one."""
        self._check_thread('enable_multithreading')
        self._any_thread = True

    def csp_info(self, text: str) -> None:
        """CommonServerPython's demisto.info of a debug log line (from whichever thread sent the request it shows) or
        of a Python warning (``python_warnings``: from whichever thread showed it). Before enable_multithreading(), from
        another thread it is a call XSOAR serves unlocked: replies can mix."""
        if not self._any_thread:
            self._check_thread('info')
        self.log.append(('info', log_text(text, 'info')))

    def debug(self, message: object) -> None:
        self._check_thread('debug')
        self.log.append(('debug', log_text(message, 'debug')))

    def print(self, *values: object) -> None:
        """The integration's print, as XSOAR's demisto_print(*args) sends it (no sep, end or file): demisto.log."""
        self._check_thread('log')
        self.log.append(('info', ' '.join(map(str, values)).strip()))

    def info(self, message: object) -> None:
        self._check_thread('info')
        text = log_text(message, 'info')
        if text.startswith(PROGRESS_PREFIX) and self._on_progress:
            self._on_progress(text[len(PROGRESS_PREFIX):])
        self.log.append(('info', text))

    def error(self, message: object) -> None:
        self._check_thread('error')
        self.log.append(('error', log_text(message, 'error')))


@dataclass
class RunResult:
    entries: list[dict] = field(default_factory=list)
    context: dict = field(default_factory=dict)
    log: list = field(default_factory=list)
    runs: int = 0

    @property
    def failed(self) -> bool:
        return any(entry.get('Type') == ENTRY_ERROR for entry in self.entries)


@dataclass
class WarRoom:
    """One incident's war room: instance params, incident context and the integration context."""

    # As XSOAR's instance dialog saves them, checked at each run (xsoar_params: declared names, the kinds it gives). A
    # param left out gets no default: an instance saved before it existed lacks it in XSOAR too.
    params: dict
    spec: IntegrationSpec = field(default_factory=load_spec)
    context: dict = field(default_factory=dict)
    integration_context: dict = field(default_factory=dict)
    time_scale: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    on_entry: Callable[[dict], None] | None = None
    on_progress: Callable[[str], None] | None = None
    execution_timeout: float = XSOAR_EXECUTION_TIMEOUT  # seconds of real time one run may take
    clock: Callable[[], float] = time.monotonic  # times each run (tests pass one their runs and waits move)
    # what the last fetch logged (demisto.debug, info, error), as (level, text): XSOAR writes it to the server's log
    fetch_log: list = field(default_factory=list)

    def run(self, command: str, args: dict[str, str], follow_polling: bool = True) -> RunResult:
        """Runs a command as the analyst typed it, following its polling to the end. With ``follow_polling``
        false, as a script's ``demisto.executeCommand`` runs it: XSOAR then schedules no next run, and the entry
        keeps its polling fields for the script to read (content-docs scheduled-commands.md, "How to use with
        demisto.executeCommand")."""
        args = self.spec.command(command).check_args(args)
        _, options, _ = split_server_options(args)
        if options.debug_mode:  # the one built-in argument XSOAR's Demisto takes out of the run's args
            args = {name: value for name, value in args.items() if name != 'debug-mode'}
        result = RunResult(context=self.context)
        sequence = _Sequence(started=time.monotonic(), options=options)
        refusal = self.spec.instance_refusal(command, options)
        if refusal:  # XSOAR finds no instance to run it on: its error, and the integration never runs
            self._add(result, {'Type': ENTRY_ERROR, 'ContentsFormat': 'text', 'Contents': refusal})
            return result
        while True:
            entries = self._run_once(command, args, result, sequence)
            if not follow_polling:
                return result
            if sequence.timeout is not None and sequence.elapsed > sequence.timeout:
                # The run was still going when the sequence's timeout passed: XSOAR's timeout error ends it.
                entries[:] = [self._timed_out(command, args, sequence, result)]
                return result
            last = entries[-1] if entries else None
            # "The schedule sequence finishes with an error when a command in the sequence returns an error
            # result" (content-docs docs/integrations/scheduled-commands.md): any error entry of the run ends it.
            # A PollingCommand left empty (None or '', as XSOAR's own entries carry it) schedules nothing.
            if not last or not last.get('PollingCommand') or any(e.get('Type') == ENTRY_ERROR for e in entries):
                return result
            try:
                command, args, next_run, entry_timeout = self._next_run(command, last)
            except (ScheduleError, ArgumentError) as error:
                self._add(result, {'Type': ENTRY_ERROR, 'ContentsFormat': 'text', 'Contents': str(error)})
                return result
            sequence.limit(entry_timeout)
            if sequence.elapsed + next_run > sequence.timeout:
                self._timed_out(command, args, sequence, result)
                return result
            self.sleep(next_run * self.time_scale)
            sequence.waited += next_run

    def _timed_out(self, command: str, args: dict, sequence: '_Sequence', result: RunResult) -> dict:
        """XSOAR's timeout error for a polling sequence, added to the war room, with the check the sequence had
        scheduled (``command`` with ``args``, its PollingArgs, less the sequence's clock): run, it follows the action
        the sequence started anew, where the command run anew would start another."""
        # Waits are scaled: say how much time really passed, never more than did.
        scaled = '' if self.time_scale == 1 else \
            f' ({time.monotonic() - sequence.started:.0f} s of real time at time scale {self.time_scale:g})'
        given = '' if sequence.options.execution_timeout is None else \
            ' (the execution-timeout given to the command, which replaces the polling timeout)'
        check = format_line(command, {name: value for name, value in args.items()
                                      if name not in SEQUENCE_CLOCK_ARGUMENTS})
        if len(check) > MAX_NEXT_CHECK_LINE:
            check = f'!{command} with the PollingArgs of the last entry that scheduled one'
        entry = {'Type': ENTRY_ERROR, 'ContentsFormat': 'text',
                 'Contents': f'Polling of !{command} stopped after {sequence.elapsed:.0f} s of polling time{scaled}: '
                             f'its timeout of {sequence.timeout:g} s ran out{given}. The vendor may still finish the '
                             f'action; to keep following it without sending it again (as the command run anew '
                             f'would), run its next check: {check}'}
        self._add(result, entry)
        return entry

    def _next_run(self, command: str, entry: dict) -> tuple[str, dict, float, float | None]:
        """The run an entry schedules, read as XSOAR reads it: (command, args, seconds to wait, timeout or None).
        ScheduleError (or ArgumentError for the arguments) where XSOAR would not schedule that run as asked."""
        if not self.spec.command(command).polling:
            raise ScheduleError(f'!{command} returned PollingCommand, but integration.yml does not mark it '
                                f'"polling: true": XSOAR schedules a next run only for a command that is (content-docs '
                                f'scheduled-commands.md, "YAML Prerequisite").')
        target = entry['PollingCommand']  # text, not empty (checked_entry and run)
        # CommonServerPython's ScheduledCommand writes NextRun and Timeout as text (str(seconds)), and XSOAR never
        # waits less than 10 seconds between runs, whatever NextRun asks (scheduled-commands.md: "it will never be
        # less than 10 seconds").
        next_run = max(_seconds(entry.get('NextRun'), 'NextRun', command), MIN_POLLING_INTERVAL)
        timeout = _seconds(entry['Timeout'], 'Timeout', command) if entry.get('Timeout') not in (None, '') else None
        polling_args = entry.get('PollingArgs')
        if polling_args is None:
            polling_args = {}
        if not isinstance(polling_args, dict):
            raise ScheduleError(f'!{command}: PollingArgs must be an object of argument names and values; got '
                                f'{type(polling_args).__name__}.')
        return target, self.spec.command(target).check_polling_args(polling_args), next_run, timeout

    def fetch(self, last_run: dict) -> tuple[list[dict], dict]:
        """Runs fetch-incidents once, as XSOAR's scheduler does: (the incidents it made, the next last run).
        ``last_run`` is updated in place once the fetch is accepted. A failed fetch (or one past the execution
        timeout) raises FetchError with the integration's message, and leaves ``last_run`` as it was."""
        proposed, self.fetch_log = dict(last_run), []
        demisto = Demisto(xsoar_params(self.spec, self.params), 'fetch-incidents', {}, self.integration_context,
                          self.fetch_log, self.on_progress, last_run=proposed)
        started = self.clock()
        try:
            with misuses_raised(demisto), printing_to(demisto, restore_integration), warnings_to(demisto):
                restore_integration.main(demisto)
        except restore_integration.FetchFailed as error:
            raise FetchError(str(error)) from None
        overran = self._overran('fetch-incidents', self.clock() - started)
        if overran:
            raise FetchError(overran)
        if demisto.fetched is None:
            raise FetchError('fetch-incidents ended without calling demisto.incidents(); XSOAR would wait for it.')
        last_run.clear()
        last_run.update(proposed)
        return demisto.fetched, last_run

    def _run_once(self, command: str, args: dict, result: RunResult, sequence: '_Sequence') -> list[dict]:
        params = xsoar_params(self.spec, self.params)
        # Arguments of its own, decoded from JSON as XSOAR's are: a playbook's list is not the context's list.
        args = _as_go_map([(name, json_copy(value, f'Argument {name} of !{command}')) for name, value in args.items()])
        demisto = Demisto(params, command, args, self.integration_context, result.log, self.on_progress,
                          incident_context=None if command == 'test-module' else self.context)  # run from Settings
        started = self.clock()
        debugging = sequence.options.debug_mode
        with xsoar_debug_mode(params, demisto, restore_integration) if debugging else nullcontext(), \
                printing_to(demisto, restore_integration), misuses_raised(demisto), warnings_to(demisto):
            restore_integration.main(demisto)
        result.runs += 1
        took = self.clock() - started
        limit = sequence.options.execution_timeout
        if command == 'test-module':  # a Test's time, whatever a command's
            limit = min(self.execution_timeout if limit is None else limit, XSOAR_TEST_TIMEOUT)
        overran = self._overran(f'!{command}', took, limit)
        if overran:  # XSOAR would have stopped the run: nothing it was about to return reaches the war room
            demisto.entries[:] = [{'Type': ENTRY_ERROR, 'ContentsFormat': 'text', 'Contents': overran}]
        if not demisto.entries:
            demisto.entries.append({'Type': ENTRY_ERROR, 'ContentsFormat': 'text',
                                    'Contents': f'!{command} returned no entry.'})
        if command == 'test-module':
            demisto.entries[:] = verdict_of_test_module(demisto.entries)
        refuse_undeclared_outputs(demisto.entries, self.spec.command(command).outputs, f'!{command}', 'integration.yml')
        sequence.ran += took
        if sequence.timeout is not None and sequence.elapsed > sequence.timeout:
            return demisto.entries  # past the polling timeout: the caller says so, and nothing of it arrives
        for entry in demisto.entries:
            self._add(result, entry, sequence.options)
        return demisto.entries

    def _overran(self, what: str, seconds: float, limit: float | None = None) -> str:
        """XSOAR's verdict on a run that took ``seconds``: '' when within the execution timeout (``limit``, the run's
        execution-timeout, else the war room's), else the error."""
        limit = self.execution_timeout if limit is None else limit
        if seconds <= limit:
            return ''
        return (f'{what} ran for {seconds:.1f} s, past the execution timeout of {limit:g} s: XSOAR stops such a run, '
                f'and nothing it returns arrives. A command must return sooner and poll for the rest (or, run by '
                f'hand, be given a larger execution-timeout).')

    def _add(self, result: RunResult, entry: dict, options: ServerOptions = ServerOptions()) -> None:
        """An entry into the war room and its context, as the command's built-in arguments ask: ``ignore-outputs``
        keeps its EntryContext out, ``extend-context`` adds keys from its Contents, ``raw-response`` shows its
        Contents instead of its readable output."""
        if not options.ignore_outputs:
            merge_entry_context(self.context, entry.get('EntryContext') or {})
        if entry.get('Type') != ENTRY_ERROR:
            for key, path in options.extend_context:
                value = get_path(entry.get('Contents'), path) if path else entry.get('Contents')
                if value is not None:
                    merge_entry_context(self.context, {key: value})
        if options.raw_response:
            entry = {name: value for name, value in entry.items() if name not in ('HumanReadable',
                                                                                  'ReadableContentsFormat')}
        result.entries.append(entry)
        if self.on_entry:
            self.on_entry(entry)


def verdict_of_test_module(entries: list[dict]) -> list[dict]:
    """What the Test button shows of test-module's entries: green only for the answer 'ok' (code-conventions.md,
    "test-module": "All other string will be red"), so anything else becomes an error entry quoting it."""
    if [entry.get('Contents') for entry in entries] == ['ok'] or any(e.get('Type') == ENTRY_ERROR for e in entries):
        return entries
    said = '; '.join(entry_text(entry) for entry in entries)
    return [{'Type': ENTRY_ERROR, 'ContentsFormat': 'text',
             'Contents': f'test-module answered {quoted(said)}, not "ok": XSOAR shows the test as failed.'}]


@dataclass
class _Sequence:
    """One polling sequence's clock: ScheduledCommand's timeout_in_seconds is the "Number of seconds until the polling
    sequence timeouts" (content-docs scheduled-commands.md), so the time its runs take counts, as do the waits between
    them (``waited``: as scheduled, whatever the time scale; ``ran``: each run's own time). Counted from the first
    run's start, and against the shortest Timeout any of its entries gave: stricter than XSOAR may be, where its
    documentation does not say."""

    started: float
    waited: float = 0.0
    ran: float = 0.0
    timeout: float | None = None
    options: ServerOptions = ServerOptions()  # the built-in arguments of the command that started it, for every run

    @property
    def elapsed(self) -> float:
        return self.waited + self.ran

    def limit(self, timeout: float | None) -> None:
        if self.options.execution_timeout is not None:
            # "if a user has provided an execution-timeout, it overrides the timeout specified by this field"
            # (content-docs code-conventions.md, on an entry's Timeout)
            self.timeout = float(self.options.execution_timeout)
            return
        given = timeout if timeout is not None else DEFAULT_POLLING_TIMEOUT
        self.timeout = given if self.timeout is None else min(self.timeout, given)


def entry_text(entry: dict) -> str:
    """What the war room shows for an entry: its markdown, else its contents."""
    text = entry.get('HumanReadable')
    if text:
        return str(text)
    contents = entry.get('Contents')
    return contents if isinstance(contents, str) else json.dumps(contents, indent=2, default=str)
