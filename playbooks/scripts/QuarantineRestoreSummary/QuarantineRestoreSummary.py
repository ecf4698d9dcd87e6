"""QuarantineRestoreSummary: the analyst's note after the Quarantine Restore pack has restored files.

Reads what ``!restore-file`` (Cortex XDR) and ``!hss-restore-isolated`` (Huawei Cloud HSS) left in the
incident context, counts what came back, what failed and what is still running, and writes one note: the
counts, a table per vendor, and one concrete step per file the analyst still has to restore by hand; past
MAX_DETAIL_ROWS endpoints or copies of a vendor, its table and steps go by file, status and reason instead, and past
MAX_DETAIL_ROWS such groups (a restore of many files) by status and reason (the context keeps every step).

Runs in XSOAR's stock python3 image (standard library only). Layout, as the pack's integration: constants,
pure helpers, ``summary_command(args, context)``, ``main(demisto_obj=None)``.
"""
import json
import re
import traceback
from collections import Counter
from typing import Any, Callable, Sequence

''' CONSTANTS '''

VENDORS = ('all', 'xdr', 'hss')
DEFAULT_VENDOR = 'all'

XDR_CONTEXT_PATH = 'CortexXDR.RestoredFile'
HSS_CONTEXT_PATH = 'HuaweiHSS.RestoredFile'
# Keyed on the vendor: a second run replaces that vendor's summary instead of piling up beside it.
SUMMARY_CONTEXT_KEY = 'QuarantineRestore.Summary(val.vendor && val.vendor == obj.vendor)'
SUMMARY_PATH = SUMMARY_CONTEXT_KEY.split('(')[0]

VENDOR_NAMES = {'xdr': 'Cortex XDR', 'hss': 'Huawei Cloud HSS'}
VENDOR_CONTEXT_PATHS = {'xdr': XDR_CONTEXT_PATH, 'hss': HSS_CONTEXT_PATH}
VENDOR_COMMANDS = {'xdr': '!restore-file', 'hss': '!hss-restore-isolated'}
# The DT keys restore-file and hss-restore-isolated write their records by: a record of restored_before the context
# holds by its key is the context's (a shared context's, which this run's restore may have updated).
RECORD_KEYS = {'xdr': ('file_hash', 'action_id'), 'hss': ('host_id', 'file_hash', 'file_path')}
ALL_PROJECTS = 'all_granted_eps'  # HSS's enterprise_project_id of every project the credentials may see
GATE_HELD_PATH = 'QuarantineRestore.Gate.held'  # the files QuarantineRestoreReputationGate held back

# Cortex XDR action statuses, per endpoint (the same sets the integration polls with).
XDR_SUCCESS_STATUS = 'COMPLETED_SUCCESSFULLY'
XDR_RUNNING_STATUSES = frozenset({'PENDING', 'IN_PROGRESS', 'PENDING_ABORT'})
XDR_FAILED_STATUSES = frozenset({'COMPLETED_PARTIAL', 'FAILED', 'TIMEOUT', 'CANCELLED', 'CANCELED', 'ABORTED',
                                 'EXPIRED'})
XDR_ACTION_CENTER = 'Cortex XDR > Response > Action Center'
# restore-file's record of a restore it follows no action of says in may_have_started whether Cortex XDR may have
# started it even so (README, "How restore-file behaves": May have started, Accepted, not followed). A record written
# before that field (a reopened incident's context) says it only in its error, in these words.
XDR_OLDER_UNFOLLOWED_WORDS = ('may have started this restore', 'so it cannot be followed')
# Cortex XDR's words for a restore it refused as no endpoint asked holds the file quarantined (its err_code, 500, is the
# same for any request it could not carry out, so only its words tell this refusal apart). Such a file, or one whose
# restore it accepted as an action including no endpoint (endpoints_count 0), is back already or was never
# quarantined: nothing to fix, and the same restore would meet the same answer. The advice is the Cortex XDR
# playbook's note's and the on-close script's, word for word.
XDR_NO_COPY = 'no quarantined file'
XDR_NO_COPY_STATUS = 'FAILED (no quarantined copy)'
XDR_NO_COPY_ADVICE = ('Nothing in the instance\'s setup needs fixing: the file is back already (an earlier restore, of '
                      'this or another incident, or one by hand, gave it back) or was never quarantined (a process '
                      'image Cortex XDR blocked, say). Look for its restore in Cortex XDR > Response > Action Center, '
                      'and for the file on the endpoint: if it is there, nothing is left to do; if not, no copy of it '
                      'under this SHA256 was quarantined, so find the file Cortex XDR did quarantine (its incident\'s '
                      'Key Artifacts) and restore that one by hand.')

# Huawei Cloud HSS outcomes, per isolated copy, as hss-restore-isolated writes them.
HSS_RESTORED = 'restored'
HSS_RESTORING = 'restoring'
HSS_FAILED = 'failed'
HSS_NOT_FOUND = 'not_found'
HSS_CONSOLE = 'the isolated-file list in the HSS console'
# A not_found row that names a host, a hash and a path is an exact item sent, then listed in no status at a check.
HSS_GONE = 'sent for restore, then no longer listed by HSS, isolated or restored, so whether it is back is not known'
# A restoring row whose checks HSS refused (credentials, permissions, URL): hss-restore-isolated's reason opens so, and
# says what to fix. Not the host's agent.
HSS_UNFOLLOWED = 'Not followed to the end:'
# A not_found row whose reason gives the command again with other values: HSS lists the file isolated on the host so
# named (a host's name given as its ID) or at another path, so it is still isolated, not "nothing to restore".
HSS_NEAR_COPY = 'run the command again with'
# A copy still restoring is followed by a check from its record, as the reputation gate's note gives it (and the entry
# of hss-restore-isolated run so): any change of the copy counts as the restore's, whose own state is not in context.
HSS_ANY_CHANGE_STATE = '0000000000000::0'
HSS_STATE_NOT_KEPT = ("its all-zero restore_state follows any change HSS lists for the copy, whichever restore "
                      "started it, so the restore's own restore_state is not needed")
# hss-restore-isolated's last check ends a copy's reason with this sentence, pointing to the follow command of its
# entry: beside the row, the note's step gives the command itself, so the row's reason leaves the pointer out.
HSS_FOLLOW_IN_ENTRY = "To follow it, run the follow command of the last check's entry"

# What an item counts as in the summary.
RESTORED = 'restored'
FAILED = 'failed'
PENDING = 'pending'
NOT_FOUND = 'not_found'
COUNT_KEYS = (RESTORED, FAILED, PENDING, NOT_FOUND)

TITLE = 'Quarantine restore after a false positive'
MANUAL_TITLE = 'What to do by hand'
# Said only when no item has a step: every Cortex XDR endpoint ended COMPLETED_SUCCESSFULLY and every HSS item is
# restored or not found (a restore still running, in either vendor, is pending and has a step, as is an HSS copy
# sent, then no longer listed).
NOTHING_TO_DO = 'Nothing: no file is left to restore by hand.'
XDR_ALL_BACK = f'Cortex XDR reports {XDR_SUCCESS_STATUS} on every endpoint asked for: each has its file back.'
NO_RESTORE_RAN = 'No file was restored'

XDR_HEADERS = ('file_hash', 'endpoint_id', 'status', 'reason')
HSS_HEADERS = ('host', 'file_path', 'file_hash', 'outcome', 'reason')

# Readable at any scale, as the integration's entries are (README): past MAX_DETAIL_ROWS endpoints (or HSS copies,
# or hosts) a vendor's part of the note counts them by status and reason, and writes one step per reason naming
# MAX_LISTED of the endpoints or hosts it applies to, then "and N more". The context keeps every row and step.
MAX_DETAIL_ROWS = 50
MAX_LISTED = 20
XDR_GROUP_HEADERS = ('file_hash', 'status', 'reason', 'count', 'endpoints')
HSS_GROUP_HEADERS = ('file', 'outcome', 'reason', 'count', 'hosts')
EVERY_STEP = f'{SUMMARY_PATH}.manual_steps in the context has the step for each, with its command.'

ENTRY_TYPE_NOTE = 1
ENTRY_TYPE_ERROR = 4

Entry = dict[str, Any]  # an XSOAR entry, as demisto.results takes one
# One endpoint's or copy's outcome, as the note and the counts read it: vendor, kind (a COUNT_KEYS key), its table row,
# its step (None when nothing is left to do), who (the endpoint or host the note names), and each vendor's own keys.
Item = dict[str, Any]


class SummaryError(Exception):
    """An argument the script cannot work with; the message says what to give instead."""


''' HELPERS '''


def text_of(value: Any) -> str:
    """Any context value as one string: '' for nothing, JSON for objects and lists."""
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)  # XSOAR's values are JSON: text keys, no loops
    return str(value)


def one_line(value: Any) -> str:
    """Text for a bullet: every run of blanks and line breaks becomes one space."""
    return ' '.join(text_of(value).split())


def full_stop(text: str) -> str:
    return text if not text or text[-1] in '.!?' else text + '.'


def sentence(value: Any) -> str:
    """Text for a bullet as a whole sentence: on one line, ending with a full stop, shown as it is (shown_as_is)."""
    return shown_as_is(full_stop(one_line(value)))


def shown_as_is(value: Any) -> str:
    """A context or vendor value (a reason, an error, a path, a host or vendor name) for markdown text outside a code
    span, escaped so that markdown shows it as it is, on one line: a backtick would open a code span that a command's
    own span then closes; * and an _ at either end of a word mark emphasis (.../__init__.py would show as .../init.py
    in bold; an _ inside a word is left); [ and ] make a link, < an autolink or HTML, & a character reference, ~
    strikethrough, | a table's next cell, the . of www. and the : of :// a bare link, whose text GFM shows as its
    source, escapes and all; a backslash before punctuation, or last, would escape it; a line break would end the
    bullet (a next line could start a heading or a list). Each of the pack's scripts holds this rule, the same, as
    XSOAR runs a script alone (DEVELOPERS.md), and the integration's markdown_text escapes the same characters."""
    text = re.sub(r'\r\n|\r|\n', ' ', text_of(value))

    def escaped(match: re.Match) -> str:
        char, at = match.group(), match.start()
        inside_word = 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum()
        return char if char == '_' and inside_word else '\\' + char

    return re.sub(r'[`*_\[\]<&~|]|(?<=www)\.|:(?=//)|\\(?=[!-/:-@\[-`{-~]|$)', escaped, text)


def table_cell(value: Any) -> str:
    """Cell text for a markdown table: each line shown as it is (shown_as_is, which escapes pipes), joined by <br>."""
    text = '<br>'.join(shown_as_is(line) for line in re.split(r'\r\n|\r|\n', text_of(value)))
    return text + ' ' if text.endswith('\\') else text  # GFM reads \| as an escaped pipe: the cell would go on


def code_span(text: str) -> str:
    """Inline code that shows ``text`` exactly (a command to copy) on one line (a line break as the blank CommonMark
    shows in a span: left in, the next line could start a heading), whatever backticks it holds: fenced by one more
    backtick than its longest run, a blank inside each fence when it starts or ends with one, or with a blank at both
    ends (CommonMark drops one from each end of such a span, unless all blanks). Each script's copy is the same."""
    text = re.sub(r'\r\n|\r|\n', ' ', text)
    fence = '`' * (max(map(len, re.findall('`+', text)), default=0) + 1)
    ends = text[:1] + text[-1:]
    padding = ' ' if '`' in ends or ends == '  ' and text.strip(' ') else ''
    return f'{fence}{padding}{text}{padding}{fence}'


def markdown_table(rows: list[dict[str, Any]], headers: Sequence[str]) -> str:
    lines = ['|' + '|'.join(headers) + '|', '|' + '|'.join('---' for _ in headers) + '|']
    lines.extend('|' + '|'.join(table_cell(row.get(header)) for header in headers) + '|' for row in rows)
    return '\n'.join(lines)


def command_value(value: Any, is_list: bool) -> str:
    """One argument value as the war-room line needs it.

    A list argument splits on commas and strips each item, so a value holding a comma (or starting with '['), or with
    a blank at either end (a path may end with one), goes in the JSON list form; a value with a blank or a double
    quote, or starting with a backtick (XSOAR's raw form), goes in double quotes, with \\ and \\" escaped.
    """
    text = text_of(value)
    if is_list and (',' in text or text.lstrip().startswith('[') or text != text.strip()):
        text = json.dumps([text])
    if not text or '"' in text or text.startswith('`') or any(char.isspace() for char in text):
        text = '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'
    return text


def json_list_value(values: list[Any]) -> str:
    """A JSON list as a war-room value, its items as they stand in context: bare when it holds no blank, quote or
    backtick, else raw in backticks (as XSOAR takes a backtick-quoted value), else in double quotes."""
    text = json.dumps(values, separators=(',', ':'))
    if not any(char.isspace() or char in '"`' for char in text):
        return text
    return f'`{text}`' if '`' not in text else command_value(text, False)


def command_line(command: str, args: list[tuple[str, Any]], list_args: Sequence[str] = ()) -> str:
    """``!command name=value ...`` for the arguments that have a value."""
    parts = [command]
    for name, value in args:
        if text_of(value).strip():
            parts.append(f'{name}={command_value(value, name in list_args)}')
    return ' '.join(parts)


def as_items(value: Any, what: str, skipped: list[str]) -> list[dict[str, Any]]:
    """A context value that should be a list of objects (XSOAR stores a list of one as the object itself).

    Returns the objects; anything else is left out and named in ``skipped``.
    """
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        skipped.append(f'{what} is {json_kind(value)}, not a list of objects.')
        return []
    items = [item for item in value if isinstance(item, dict)]
    others = len(value) - len(items)
    if others:
        kinds = ', '.join(sorted({json_kind(item) for item in value if not isinstance(item, dict)}))
        skipped.append(f'Left out of {what}: {others} {plural("item", others)} of a kind other than an object '
                       f'({kinds}).')
    return items


def json_kind(value: Any) -> str:
    """A value's kind as JSON, in which XSOAR hands arguments, settings and replies, names it (not Python's dict)."""
    kinds = {dict: 'an object', list: 'a list', bool: 'a boolean', int: 'a number', float: 'a number', str: 'text'}
    return 'null' if value is None else kinds.get(type(value), type(value).__name__)


def context_value(context: dict[str, Any], dotted: str, skipped: list[str]) -> Any:
    """The value at a dotted path of the incident context (``CortexXDR.RestoredFile``), or None."""
    value = context
    parts = dotted.split('.')
    for depth, part in enumerate(parts):
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, dict):
            if value is not None:
                skipped.append(f'{".".join(parts[:depth])} is {json_kind(value)}, not an object, so '
                               f'{dotted} could not be read.')
            return None
        value = value.get(part)
    return value


def with_earlier(context: dict[str, Any], earlier: Any, vendor: str, skipped: list[str]) -> list[dict[str, Any]]:
    """The context's records of ``vendor`` after ``earlier`` (restored_before: a sub-playbook with a context of its own
    holds only its own run's records, so a file an earlier run left failed, and did not send again, would go
    unmentioned), but those (earlier or the context's) of a file the reputation check holds back now: its note says
    why, and their steps would say to restore it."""
    if isinstance(earlier, str):
        try:
            earlier = json.loads(earlier) if earlier.strip() else None
        except (ValueError, RecursionError):  # Recursion: nested past what json reads
            raise SummaryError(f'restored_before must be {VENDOR_CONTEXT_PATHS[vendor]} records (JSON).') from None
    current = as_items(context_value(context, VENDOR_CONTEXT_PATHS[vendor], skipped), VENDOR_CONTEXT_PATHS[vendor],
                       skipped)
    keys = {tuple(text_of(record.get(key)) for key in RECORD_KEYS[vendor]) for record in current}
    held = {(text_of(item.get('file_hash')).lower(), text_of(item.get('file_path')))
            for item in as_items(context_value(context, GATE_HELD_PATH, skipped), GATE_HELD_PATH, skipped)
            if text_of(item.get('restore_command')) == VENDOR_COMMANDS[vendor][1:]}
    # The context's own records too: a vendor playbook with a context of its own sets the earlier ones there first
    records = [record for record in as_items(earlier, 'restored_before', skipped)
               if tuple(text_of(record.get(key)) for key in RECORD_KEYS[vendor]) not in keys] + current
    return [record for record in records
            if not any(text_of(record.get('file_hash')).lower() == file_hash != '' or
                       text_of(record.get('file_path')) == file_path != '' for file_hash, file_path in held)]


def parse_vendor(args: dict[str, Any]) -> str:
    value = args.get('vendor')
    if isinstance(value, (list, tuple)):
        if len(value) > 1:
            raise SummaryError(f'vendor takes one value ({", ".join(VENDORS)}); got a list of {len(value)}.')
        value = value[0] if value else None  # an empty list from context is no value, as a blank is
    text = text_of(value).strip().lower() or DEFAULT_VENDOR
    if text not in VENDORS:
        raise SummaryError(f'vendor must be one of {", ".join(VENDORS)}; got '
                           f'{json.dumps(text_of(value)[:60], ensure_ascii=False)}.')
    return text


''' CORTEX XDR '''


def xdr_step_command(file_hash: str, endpoint_id: str, incident_id: Any) -> str:
    return command_line(VENDOR_COMMANDS['xdr'], [('file_hash', file_hash), ('endpoint_id', endpoint_id),
                                                 ('incident_id', incident_id)], list_args=('file_hash',))


def xdr_endpoint_item(record: dict[str, Any], endpoint: dict[str, Any]) -> Item:
    """One endpoint of one restore action: its row, what it counts as, and the step when it needs one."""
    file_hash = text_of(record.get('file_hash')).strip()
    endpoint_id = text_of(endpoint.get('endpoint_id')).strip()
    action_id = text_of(record.get('action_id')).strip()
    raw_status = text_of(endpoint.get('status')).strip()
    status = raw_status.upper()
    reason = text_of(endpoint.get('error_description')).strip()
    command = xdr_step_command(file_hash, endpoint_id, record.get('incident_id'))
    where = xdr_where(endpoint_id, file_hash)
    in_action = f' in action {shown_as_is(action_id)}' if action_id else ''
    state = f'{shown_as_is(status)}{in_action}'
    if status == XDR_SUCCESS_STATUS:
        kind, step = RESTORED, None
    elif status in XDR_FAILED_STATUSES:
        kind = FAILED
        reason = reason or f'Cortex XDR reported {status} without a reason.'
        step = (f'{where}: {state}. Reason: {sentence(reason)} Once the cause is fixed, restore the '
                f'file on that endpoint in {XDR_ACTION_CENTER}, or run {code_span(command)}.')
    else:
        kind = PENDING
        # A row still running keeps no reason of its own: restore-file's last word on the action, its record's error,
        # says why it is not final (the last check could not read its status, and why; polling ended), if it has one
        reason = reason or text_of(record.get('error')).strip()
        if status in XDR_RUNNING_STATUSES:
            reason = reason or f'Still {status}: Cortex XDR has not finished on this endpoint.'
            state = f'still {shown_as_is(status)}{in_action}'
        else:
            shown = raw_status or 'no status'
            reason = reason or f'Cortex XDR reported {shown}, which is not a status this summary knows.'
            state = f'{shown_as_is(shown)}{in_action}, not a known final status'
        step = (f'{where}: {state}. Follow the action in {XDR_ACTION_CENTER}; if it does not end '
                f'{XDR_SUCCESS_STATUS}, fix the cause and restore the file on that endpoint there, or run '
                f'{code_span(command)}.')
    row = {'file_hash': file_hash, 'endpoint_id': endpoint_id, 'status': raw_status, 'reason': reason}
    # Endpoints in one group share one step in a note past MAX_DETAIL_ROWS (xdr_group_step).
    group = ('xdr', file_hash.lower(), raw_status, reason, action_id, text_of(record.get('incident_id')))
    return {'vendor': 'xdr', 'kind': kind, 'row': row, 'step': step, 'group': group, 'state': state,
            'who': endpoint_id or '(no endpoint_id)', 'incident_id': record.get('incident_id'),
            'endpoint_id': endpoint_id, 'action_id': action_id}


def xdr_where(endpoint_id: str, file_hash: str) -> str:
    """An endpoint's step's opening: which endpoint and file."""
    return (f'Cortex XDR endpoint {shown_as_is(endpoint_id) or "(no endpoint_id in context)"}, '
            f'file {shown_as_is(file_hash) or "(no file_hash in context)"}')


def xdr_record_item(record: dict[str, Any], unlisted: int = 0) -> Item:
    """A record with no per-endpoint status: a restore not started (Cortex XDR refused it, or no run sent it), or one
    not followed yet; or (``unlisted``) the endpoints its action included that no status read listed."""
    file_hash = text_of(record.get('file_hash')).strip()
    endpoint_id = text_of(record.get('endpoint_id')).strip()
    action_id = text_of(record.get('action_id')).strip()
    status = text_of(record.get('status')).strip()
    error = text_of(record.get('error')).strip()
    # No endpoint_id at all: only a status check wrote the record, which cannot know whether the action had one.
    target = endpoint_id or ('every endpoint holding it' if 'endpoint_id' in record or not action_id else
                             f'the endpoints of action {action_id}')
    name = f'Cortex XDR file {shown_as_is(file_hash) or "(no file_hash in context)"}'
    # Refused: no action, or one Cortex XDR answered with status 0 (restore-file then writes FAILED with no endpoint;
    # an action it follows stays IN_PROGRESS until its endpoints are read). Otherwise the error is a status check's.
    if error and (not action_id or status.upper() == 'FAILED'):
        command = xdr_step_command(file_hash, endpoint_id, record.get('incident_id'))
        if xdr_may_have_started(record, error):
            return xdr_unfollowed_item(record, target, command)
        # Its own status: grouped past MAX_DETAIL_ROWS, a file no endpoint held quarantined shares no step with one
        # refused for a fault to fix (Cortex XDR's words name each file, so such refusals meet by status alone)
        status = XDR_NO_COPY_STATUS if xdr_no_copy(record) else 'FAILED (restore not started)'
        row = {'file_hash': file_hash, 'endpoint_id': target, 'status': status, 'reason': error}
        return {'vendor': 'xdr', 'kind': FAILED, 'row': row, 'step': xdr_refused_step(record, name, target, command),
                'who': target, 'endpoint_id': endpoint_id, 'incident_id': record.get('incident_id')}
    shown = status or 'no status'
    reason = (f'Action {action_id or "(no action_id)"} is {shown}, with no per-endpoint status in context '
              f'(restore-file ran with polling=false, or its polling stopped).')
    if unlisted:
        target, reason = unlisted_endpoints(record, unlisted)
    if error:
        reason += f' Last status check: {full_stop(one_line(error))}'
    if action_id:
        # The action ID goes back in the JSON-list form restore-file writes, as Cortex XDR sent it (a text ID,
        # or a number given as text, would not survive the comma form, which takes whole numbers only).
        # With the restore's endpoint_id and incident_id: a follow without them would record the action as one on
        # every endpoint.
        follow = (command_line(VENDOR_COMMANDS['xdr'], [('file_hash', file_hash)], list_args=('file_hash',))
                  + f' action_id={json_list_value([record.get("action_id")])}'
                  + command_line('', [('endpoint_id', endpoint_id), ('incident_id', record.get('incident_id'))]))
        how = (f'run {code_span(follow)} to follow it to the end, or open action {shown_as_is(action_id)} in '
               f'{XDR_ACTION_CENTER}')
    else:
        how = f'look the restore up in {XDR_ACTION_CENTER}'
    row = {'file_hash': file_hash, 'endpoint_id': target, 'status': status, 'reason': reason}
    step = (f'{name} on {shown_as_is(target)}: {shown_as_is(reason)} To learn which endpoints got it back, {how}; then '
            f'restore it by hand '
            f'on any endpoint that failed, and run this summary again.')
    return {'vendor': 'xdr', 'kind': PENDING, 'row': row, 'step': step, 'who': target, 'endpoint_id': endpoint_id,
            'incident_id': record.get('incident_id')}


def xdr_refused_step(record: dict[str, Any], name: str, target: str, command: str) -> str:
    """The step of a restore Cortex XDR did not start: restore it once the cause is fixed; but where no endpoint held
    the file quarantined (refused as holding none, or accepted as an action including none), where to look."""
    error = text_of(record.get('error')).strip()
    if xdr_no_copy(record):
        endpoint_id = text_of(record.get('endpoint_id')).strip()
        asked = f'endpoint {shown_as_is(endpoint_id)}' if endpoint_id else 'any endpoint asked'
        return (f'{name}: Cortex XDR found no quarantined copy of it on {asked}, so no restore ran. Reason: '
                f'{sentence(error)} {XDR_NO_COPY_ADVICE}')
    return (f'{name}: the restore was not started on {shown_as_is(target)}. Reason: {sentence(error)} Once the cause '
            f'is fixed, restore the file in {XDR_ACTION_CENTER}, or run {code_span(command)}.')


def xdr_no_copy(record: dict[str, Any]) -> bool:
    """Whether a refused restore's record says no endpoint held the file quarantined (see XDR_NO_COPY)."""
    return XDR_NO_COPY in text_of(record.get('error')).lower() or text_of(record.get('endpoints_count')).strip() == '0'


def unlisted_endpoints(record: dict[str, Any], unlisted: int) -> tuple[str, str]:
    """(whom, why) of the ``unlisted`` endpoints a record's action included that no status read listed."""
    action_id, status = (text_of(record.get(name)).strip() for name in ('action_id', 'status'))
    return (f'{unlisted} {plural("endpoint", unlisted)} of action {action_id} Cortex XDR has not listed',
            f'Action {action_id} is {status or "no status"}: it included '
            f'{shown_as_is(record.get("endpoints_count"))} endpoints (endpoints_count), and no status read listed '
            f'{unlisted} of them, so whether they have the file back is not known.')


def count_value(value: Any) -> int:
    """A record's count (endpoints_count) as a whole number; 0 for anything else, which then claims no endpoint."""
    text = text_of(value).strip()
    return int(text) if text.isdigit() else 0


def xdr_may_have_started(record: dict[str, Any], error: str) -> bool:
    """Whether Cortex XDR may have started (or accepted) a restore restore-file could not follow: the record's
    may_have_started, true or false; for a record written before that field, the words of its error."""
    if 'may_have_started' in record:
        return text_of(record['may_have_started']).strip().lower() == 'true'
    return any(words in error for words in XDR_OLDER_UNFOLLOWED_WORDS)  # an older record only


def xdr_unfollowed_item(record: dict[str, Any], target: str, command: str) -> Item:
    """A restore Cortex XDR may have started, or accepted, that restore-file could not follow (no action ID to read):
    open, not failed, as the file may be back already; a second restore only after a look in the Action Center. Its
    reason says which."""
    file_hash = text_of(record.get('file_hash')).strip()
    error = text_of(record.get('error')).strip()
    row = {'file_hash': file_hash, 'endpoint_id': target, 'status': 'MAY HAVE STARTED (not followed)', 'reason': error}
    step = (f'Cortex XDR file {shown_as_is(file_hash) or "(no file_hash in context)"} on {shown_as_is(target)}: '
            f'Cortex XDR may have started this '
            f'restore, but restore-file could not follow it. Reason: {sentence(error)} Where no action in '
            f'{XDR_ACTION_CENTER} gave the file back, restore it there, or run {code_span(command)}.')
    return {'vendor': 'xdr', 'kind': PENDING, 'row': row, 'step': step, 'who': target,
            'endpoint_id': text_of(record.get('endpoint_id')).strip(), 'incident_id': record.get('incident_id')}


def xdr_items(raw: Any, skipped: list[str]) -> list[Item]:
    """One item per file and endpoint, the latest word on it: restore-file keys its records by action, so a file
    restored again (a manual step, a retry) has a record beside the earlier one, whose endpoints replace the earlier
    one's there; an endpoint the later action did not include keeps the earlier word. An endpoint ID is hex digits, one
    endpoint in either case (an older record, or one written by hand, may hold capitals)."""
    items = {}
    for position, record in enumerate(as_items(raw, XDR_CONTEXT_PATH, skipped), 1):
        file_hash = text_of(record.get('file_hash')).strip().lower() or f'(record {position})'
        target = text_of(record.get('endpoint_id')).strip().lower()
        items.pop((file_hash, 'record', target), None)  # a record that reached no endpoint, restored again
        if not target and text_of(record.get('action_id')).strip():  # a later action on every endpoint holding it
            for key in [key for key in items if key[:2] == (file_hash, 'unlisted')]:
                del items[key]
        endpoints = as_items(record.get('endpoints'), f'the endpoints of {XDR_CONTEXT_PATH} record {position}',
                             skipped)
        if not endpoints:
            item = xdr_record_item(record)
            earlier = [key for key in items if key[:2] == (file_hash, 'endpoint') and target in ('', key[2])]
            if status_of(item) == XDR_NO_COPY_STATUS:  # it confirms the file is back where an action restored it
                # A failed or unfinished one is no longer quarantined (one said so already stays as it was said)
                for key in [key for key in earlier if items[key]['kind'] != RESTORED]:
                    if status_of(items[key]) != XDR_NO_COPY_STATUS:
                        items[key] = xdr_no_copy_since(items[key], record)
            elif text_of(record.get('action_id')).strip():  # a restore started again: the earlier endpoints' are old
                for key in earlier:
                    # But not an endpoint the earlier action restored, when the new one is on every endpoint holding
                    # the file: that endpoint holds no quarantined copy for the new action to include, so restored is
                    # still its latest word. A failed or unfinished one still holds the file: the new action covers it.
                    if items[key]['kind'] != RESTORED or target:
                        del items[key]
            items[(file_hash, 'record', target)] = item
        own = {}
        for number, endpoint in enumerate(endpoints, 1):
            item = xdr_endpoint_item(record, endpoint)
            key = (file_hash, 'endpoint', item['row']['endpoint_id'].lower())
            own[key if key[2] and key not in own else (file_hash, position, number)] = item
        items.update(own)
        # An endpoint the action included that no status read listed (polling ended first) is not known restored
        unlisted = count_value(record.get('endpoints_count')) - len(endpoints)
        if endpoints and unlisted > 0:
            items[(file_hash, 'unlisted', text_of(record.get('action_id')))] = xdr_record_item(record, unlisted)
    return [item for key, item in items.items() if not xdr_copy_back_already(key, item, items)]


def xdr_copy_back_already(key: tuple, item: Item, items: dict[tuple, Item]) -> bool:
    """Whether ``item`` is a restore that found no quarantined copy (refused so, or an action including no endpoint)
    of a file an action of this incident restored, before or after it, on its endpoint (on any endpoint, for a restore
    on every endpoint holding the file): the file is back there, so nothing failed; or of one an earlier action did not
    restore there, whose row now says so (xdr_no_copy_since). Where no action touched it, the "no quarantined copy"
    failure stands, with where to look."""
    if key[1] != 'record' or item['kind'] != FAILED or item['row']['status'] != XDR_NO_COPY_STATUS:
        return False
    file_hash, target = key[0], key[2]
    return any((other['kind'] == RESTORED or other_key[1] == 'endpoint' and status_of(other) == XDR_NO_COPY_STATUS)
               and other_key[0] == file_hash and (not target or other_key[1:] == ('endpoint', target))
               for other_key, other in items.items())


def xdr_no_copy_since(earlier: Item, record: dict[str, Any]) -> Item:
    """An endpoint an action did not restore the file on (``earlier``: failed, or not finished) once a later restore
    (``record``), on it or on every endpoint holding the file, found no quarantined copy: the latest word on it. The
    file is no longer quarantined there, given back by hand in Cortex XDR or deleted, which Cortex XDR does not say: a
    failure still, with the earlier word beside it and where to look. No group: past MAX_DETAIL_ROWS, the steps of
    files no endpoint held quarantined say where to look (many_files_step), not "once the cause is fixed"."""
    row = earlier['row']
    action_id = text_of(record.get('action_id')).strip()
    later = f'action {action_id}' if action_id else 'refused'
    where = 'this endpoint' if text_of(record.get('endpoint_id')).strip() else 'any endpoint'
    reason = (f'{row["status"] or "No status"} in action {earlier["action_id"] or "(no action_id)"}: '
              f'{full_stop(one_line(row["reason"]))} Then a later restore ({later}) found no quarantined copy of the '
              f'file on {where}: it is no longer quarantined here (given back by hand in Cortex XDR, or deleted).')
    step = (f'{xdr_where(row["endpoint_id"], row["file_hash"])}: {sentence(reason)} Look for the file on that '
            f'endpoint, and for its restore in {XDR_ACTION_CENTER}: if it is there, nothing is left to do; if not, '
            f'Cortex XDR holds no quarantined copy of it to restore.')
    return dict({name: value for name, value in earlier.items() if name != 'group'}, kind=FAILED, step=step,
                row=dict(row, status=XDR_NO_COPY_STATUS, reason=reason))


''' HUAWEI CLOUD HSS '''


def hss_item(row: dict[str, Any]) -> Item:
    host_id = text_of(row.get('host_id')).strip()
    host_name = text_of(row.get('host_name')).strip()
    file_hash = text_of(row.get('file_hash')).strip()
    file_path = text_of(row.get('file_path'))  # as HSS lists it: a path may end with a blank
    file_path = file_path if file_path.strip() else ''
    raw_outcome = text_of(row.get('outcome')).strip()
    outcome = raw_outcome.lower()
    reason = text_of(row.get('reason')).strip()
    # The project its copy was listed in: the instance may be set to another one before the step's command runs
    project = text_of(row.get('enterprise_project_id')).strip() or '0'  # none: the default one
    host = host_name or host_id
    where = f'Huawei Cloud HSS host {shown_as_is(host_name)} ({shown_as_is(host_id)})' if host_name and host_id else \
        f'Huawei Cloud HSS host {shown_as_is(host) or "(no host in context)"}'
    what = ', '.join(shown_as_is(part) for part in (file_path, f'hash {file_hash}' if file_hash else '') if part) or \
        '(no file in context)'
    retry = follow = None
    if file_hash or (host_id and file_path):  # what hss-restore-isolated can act on
        retry = code_span(command_line(VENDOR_COMMANDS['hss'], [('host_id', host_id), ('file_hash', file_hash),
                                                                ('file_path', file_path),
                                                                ('enterprise_project_id', project)],
                                       list_args=('host_id', 'file_hash', 'file_path')))
        follow = hss_follow(host_id, file_hash, [file_path], project)
    kind, step, reason = hss_outcome(raw_outcome, reason, f'{where}, {what}', (retry, follow),
                                     bool(host_id and file_hash and file_path))
    table_row = {'host': host, 'file_path': file_path, 'file_hash': file_hash, 'outcome': raw_outcome,
                 'reason': reason}
    # Copies in one group share one step in a note past MAX_DETAIL_ROWS (hss_group_step): of one hash, or else
    # of paths, each named beside its host; in one enterprise project.
    group = ('hss', outcome, reason, file_hash.lower(), project)
    who = (host or '(no host)') if file_hash else f'{host or "(no host)"}: {file_path or "(no file in context)"}'
    return {'vendor': 'hss', 'kind': kind, 'row': table_row, 'step': step, 'host': host, 'host_id': host_id,
            'outcome': outcome, 'file_hash': file_hash.lower(), 'file_path': file_path, 'group': group, 'who': who,
            'project': project}


def hss_follow(host_id: str, file_hash: str, file_paths: list[str], project: str) -> str:
    """The check that follows a host's copies of a file (one at each of ``file_paths``) to their end, in a code span:
    its items as JSON lists, as the entry of that check writes its own follow command."""
    count = len(file_paths)
    items = ''.join(f' {name}={json_list_value(values)}' for name, values in
                    (('host_id', [host_id] * count), ('file_hash', [file_hash] * count), ('file_path', file_paths))
                    if values[0])
    return code_span(f'{VENDOR_COMMANDS["hss"]}{items} pair_by_position=true enterprise_project_id='
                     f'{command_value(project, False)} restore_state={HSS_ANY_CHANGE_STATE}')


def hss_outcome(raw_outcome: str, reason: str, place: str, commands: tuple[str | None, str | None],
                exact: bool) -> tuple[str, str | None, str]:
    """(kind, step, reason) of a copy by its outcome: the step None when nothing is left to do, the reason HSS gave
    or, when it gave none, one that says what the outcome means. ``commands``: the copy's restore and the check that
    follows it (None when the row names too little). ``exact``: the row names a host, a hash and a path."""
    (retry, follow), outcome, step = commands, raw_outcome.lower(), None
    if outcome == HSS_RESTORED:
        kind = RESTORED
    elif outcome == HSS_RESTORING:
        # Still restoring: HSS issued the task and the host's agent has not finished it (offline, or polling was
        # off or ran out of time). The file is not back yet.
        kind = PENDING
        reason = reason or 'HSS accepted the restore; the host\'s agent has not put the file back yet.'
        if follow and HSS_FOLLOW_IN_ENTRY in reason:
            reason = reason[:reason.index(HSS_FOLLOW_IN_ENTRY)].rstrip()
        followed = f' To follow it to its end, run {follow} ({HSS_STATE_NOT_KEPT}).' if follow else ''
        step = (f'{place}: still restoring.{followed} Check in the HSS console that the host\'s agent is online; '
                f'the file comes back when it is. If HSS lists it isolated again, run {retry or "the restore"}.')
        if reason.startswith(HSS_UNFOLLOWED):
            step = f'{place}: restoring, not followed to the end: {sentence(reason[len(HSS_UNFOLLOWED):].strip())}'
    elif outcome == HSS_NOT_FOUND and exact:
        # An exact item hss-restore-isolated sent, which a check then found listed in no status: HSS lists a copy it
        # restored as restored, so this one's host was removed from HSS or the copy deleted, and whether the file is
        # back is not known (its reason says to check the host). Not "nothing to restore": open, with a step.
        kind = PENDING
        step = (f'{place}: {HSS_GONE}. Check the host in the HSS console, and on the host whether the file '
                f'is back; if HSS lists it isolated again, run {retry}.')
    elif outcome == HSS_NOT_FOUND:
        kind = NOT_FOUND
        if HSS_NEAR_COPY in reason:
            step = f'{place}: not restored, though HSS lists it isolated as the reason says. Reason: {sentence(reason)}'
    elif outcome == HSS_FAILED:
        kind = FAILED
        reason = reason or 'HSS refused the restore without a reason.'
        how = f'run {retry}, or restore it from {HSS_CONSOLE}' if retry else f'restore it from {HSS_CONSOLE}'
        step = f'{place}: failed. Reason: {sentence(reason)} Once the cause is fixed, {how}.'
    else:
        kind = PENDING
        shown = raw_outcome or 'no outcome'
        reason = reason or f'HSS outcome {shown} is not one this summary knows.'
        how = f'restore it there or run {retry}' if retry else 'restore it there'
        step = (f'{place}: {shown_as_is(shown)}, not a known outcome. Check the file in {HSS_CONSOLE}; if it is '
                f'still isolated, {how}.')
    return kind, step, reason


def hss_items(raw: Any, skipped: list[str]) -> list[Item]:
    """One item per row, but a not_found row a later row of the same file replaces (restored once HSS isolated it,
    on that host when the row names one): hss-restore-isolated writes the later row beside it."""
    items = [hss_item(row) for row in as_items(raw, HSS_CONTEXT_PATH, skipped)]
    return [item for position, item in enumerate(items)
            if item['outcome'] != HSS_NOT_FOUND or not any(found_later(item, later) for later in items[position + 1:])]


def found_later(not_found: Item, later: Item) -> bool:
    """Whether ``later`` is a row of the file a not_found row names (by hash, else by path) on its host, if any."""
    same_file = (not_found['file_hash'] and later['file_hash'] == not_found['file_hash']) or \
        (not not_found['file_hash'] and not_found['file_path'] and later['file_path'] == not_found['file_path'])
    return bool(same_file) and not_found['host_id'] in ('', later['host_id'])


''' AT SCALE '''


def listed(items: list[Item]) -> str:
    """The endpoints or hosts of ``items``, each once: the first MAX_LISTED, and how many more there are."""
    return capped([item['who'] for item in items])


def plural(noun: str, count: int) -> str:
    """``noun`` as it goes with ``count``, as the integration words it: "1 file", "2 files"."""
    return noun if count == 1 else f'{noun}s'


def capped(names: list[Any]) -> str:
    """``names``, each once: the first MAX_LISTED, and how many more there are."""
    names = list(dict.fromkeys(text_of(name) for name in names))
    more = f' and {len(names) - MAX_LISTED:,} more' if len(names) > MAX_LISTED else ''
    return ', '.join(names[:MAX_LISTED]) + more


def file_of(item: Item) -> str:
    """The file an item is of: its hash, else (HSS, by path) its path."""
    return item['row']['file_hash'] or item['row'].get('file_path') or '(no file in context)'


def status_of(item: Item) -> str:
    return item['row']['status' if item['vendor'] == 'xdr' else 'outcome']


# Past MAX_DETAIL_ROWS items of a vendor, they are grouped by the first of these that makes at most MAX_DETAIL_ROWS
# groups: by file, status and reason (one file on many endpoints or hosts); by status and reason (many files, as the
# integration's grouped_outcomes counts them); by status (many files, each with a reason of its own).
GROUPINGS = ((file_of, status_of, lambda item: item['row']['reason']), (status_of, lambda item: item['row']['reason']),
             (status_of,))


def grouped(items: list[Item], first_grouping: Callable[[Item], Any] | None = None) -> list[list[Item]]:
    """``items`` in groups that ended alike, by the first grouping (``first_grouping``, then GROUPINGS) that makes at
    most MAX_DETAIL_ROWS groups, or else the last."""
    groupings = [first_grouping] if first_grouping else []
    groupings += [lambda item, keys=keys: tuple(key(item) for key in keys) for keys in GROUPINGS]
    for grouping in groupings:
        groups = {}
        for item in items:
            groups.setdefault(grouping(item), []).append(item)
        if len(groups) <= MAX_DETAIL_ROWS:
            break
    return list(groups.values())


def many_files_step(vendor: str, items: list[Item]) -> str:
    """One step for items that ended alike (status, and reason when they share one), of many files or of no group
    (a restore that reached no endpoint): what each one's step says, said once."""
    first, files = items[0], list(dict.fromkeys(file_of(item) for item in items))
    reasons = {item['row']['reason'] for item in items}
    text = (f'{VENDOR_NAMES[vendor]}, {len(files):,} {plural("file", len(files))} ({shown_as_is(capped(files))}) on '
            f'{shown_as_is(listed(items))}: '
            f'{shown_as_is(status_of(first)) or "no status"}.')
    if len(reasons) == 1:
        text += f' Reason: {sentence(first["row"]["reason"])}'
    if vendor == 'xdr':
        # Each restore again for the incident it was for (its action in that incident's timeline): one the files
        # share, else the analyst's to fill in
        incidents = {text_of(item.get('incident_id')).strip() for item in items}
        incident_id = incidents.pop() if len(incidents) == 1 else '<incident_id>'
        command = xdr_step_command('<file_hash>', '<endpoint_id>' if any(item.get('endpoint_id') for item in items)
                                   else '', incident_id)
        where = XDR_ACTION_CENTER
    else:
        file_named = ('file_hash', '<file_hash>') if first['row']['file_hash'] else ('file_path', '<file_path>')
        command = command_line(VENDOR_COMMANDS['hss'], [('host_id', '<host_id>'), file_named,
                                                        ('enterprise_project_id', first['project'])])
        where = HSS_CONSOLE
    if status_of(first) == XDR_NO_COPY_STATUS:
        return f'{text} Cortex XDR found no quarantined copy of them, so no restore ran. {XDR_NO_COPY_ADVICE} ' + \
            EVERY_STEP
    if first['kind'] == FAILED:
        return f'{text} Once the cause is fixed, run {code_span(command)} for each, or restore them in {where}. ' + \
            EVERY_STEP
    return f'{text} Check each in {where}; where one is not back when it ends, run {code_span(command)} for it. ' + \
        EVERY_STEP


def xdr_group_step(items: list[Item]) -> str:
    """One step for the endpoints of one file that ended alike (status, reason, action): what each one's step says,
    said once."""
    first = items[0]
    file_hash = first['row']['file_hash']
    command = code_span(xdr_step_command(file_hash, '<endpoint_id>', first['incident_id']))
    where = (f'Cortex XDR file {shown_as_is(file_hash) or "(no file_hash in context)"} on {len(items):,} endpoints '
             f'({shown_as_is(listed(items))})')
    if first['kind'] == FAILED:
        return (f'{where}: {first["state"]}. Reason: {sentence(first["row"]["reason"])} Once the cause is fixed, '
                f'restore the file on those endpoints in {XDR_ACTION_CENTER}, or run {command} for each. '
                f'{EVERY_STEP}')
    return (f'{where}: {first["state"]}. Follow the action in {XDR_ACTION_CENTER}; on each endpoint where it does '
            f'not end {XDR_SUCCESS_STATUS}, fix the cause and restore the file there, or run {command}. {EVERY_STEP}')


def hss_group_step(items: list[Item]) -> str:
    """One step for the copies of one file on many hosts (or for files restored by path) that ended alike (outcome
    and reason)."""
    first = items[0]
    file_hash = first['row']['file_hash']
    places = shown_as_is(listed(items))
    hosts = len({item['host_id'] or place for place, item in enumerate(items)})  # a host may hold it at two paths
    copies = f', {len(items):,} copies' if len(items) > hosts else ''
    where = (f'Huawei Cloud HSS file {shown_as_is(file_hash)}{copies} on {hosts:,} {plural("host", hosts)} ({places})'
             if file_hash else f'Huawei Cloud HSS, {len(items):,} files by host and path ({places})')
    retry = code_span(command_line(VENDOR_COMMANDS['hss'], [('host_id', '<host_id>'), ('file_hash', file_hash),
                                                            ('file_path', '' if file_hash else '<file_path>'),
                                                            ('enterprise_project_id', first['project'])],
                                   list_args=('host_id', 'file_hash', 'file_path')))
    if first['outcome'] == HSS_RESTORING and first['row']['reason'].startswith(HSS_UNFOLLOWED):
        return f'{where}: restoring. Reason: {sentence(first["row"]["reason"])} {EVERY_STEP}'
    if first['outcome'] == HSS_RESTORING:
        # One host's follow command to fill in, an item for each of its copies: a host may hold the file at two paths
        ones = one_host_paths(items)
        follows = [hss_follow('<host_id>', file_hash, paths, first['project']) for paths, _ in ones]
        if len(ones) > 1:  # side by side, each says which hosts it is for
            follows = [f'{command} {for_whom(held)}' for command, (_, held) in zip(follows, ones)]
        follow = ', '.join(follows)
        return (f'{where}: still restoring. To follow each host\'s copies to their end, run {follow} with its values '
                f'filled in ({HSS_STATE_NOT_KEPT}). Check in the HSS console that the hosts\' agents are online; the '
                f'files come back when they are. If HSS lists one isolated again, run {retry} for it. {EVERY_STEP}')
    if first['outcome'] == HSS_NOT_FOUND:  # an open not_found item: sent, then no longer listed (hss_item)
        return (f'{where}: {HSS_GONE}. Check the hosts in the HSS console, and on each host whether the file is back; '
                f'where HSS lists one isolated again, run {retry} for it. {EVERY_STEP}')
    if first['outcome'] == HSS_FAILED:
        return (f'{where}: failed. Reason: {sentence(first["row"]["reason"])} Once the cause is fixed, run {retry} '
                f'for each, or restore them from {HSS_CONSOLE}. {EVERY_STEP}')
    return (f'{where}: {shown_as_is(first["row"]["outcome"]) or "no outcome"}, not a known outcome. Check the files in '
            f'{HSS_CONSOLE}; where one is still isolated, restore it there or run {retry} for it. {EVERY_STEP}')


def one_host_paths(items: list[Item]) -> list[tuple[list[str], list[list[Item]]]]:
    """The paths of one host's copies of ``items`` (of one file), for its follow command to fill in, each with the
    items of the hosts it is for, host by host: for the hosts holding each number of copies (a file at two paths, say),
    each in the order its host's come, lined up by the place each path first comes among those hosts (hosts listing
    the same two paths in another order, say), as those hosts' copies in that place share it, else '<file_path>'.
    Filled in, it follows what the host's own steps do."""
    held, alike = {}, {}
    for place, item in enumerate(items):
        held.setdefault(item['host_id'] or place, []).append(item)  # no host_id: each copy alone
    for copies in held.values():
        alike.setdefault(len(copies), []).append(copies)
    ones = []
    for hosts in alike.values():
        first = {}  # each path, by where it first comes
        for copies in hosts:
            for item in copies:
                first.setdefault(item['file_path'], len(first))
        hosts = [sorted(copies, key=lambda item: first[item['file_path']]) for copies in hosts]
        paths = [{item['file_path'] for item in place} for place in zip(*hosts)]  # those hosts' copies in that place
        ones.append(([path.pop() if len(path) == 1 else '<file_path>' for path in paths], hosts))
    return ones


def for_whom(held: list[list[Item]]) -> str:
    """Which hosts a follow command to fill in is for, beside the others a step gives (``held``: their items, host by
    host, as many each): named as the step names them, where all fit its bound (MAX_LISTED), else counted."""
    copies = len(held[0])
    who = 'the host' if len(held) == 1 else f'the {len(held):,} hosts'
    named = f': {shown_as_is(listed([items[0] for items in held]))}' if len(held) <= MAX_LISTED else ''
    return f'(for {who} holding {copies} {"copy" if copies == 1 else "copies"}{named})'


GROUP_STEPS = {'xdr': xdr_group_step, 'hss': hss_group_step}


def note_steps(items: list[Item]) -> list[str]:
    """The steps the note lists: each item's own, but past MAX_DETAIL_ROWS items of a vendor one per group of its
    items that ended alike (an item with no group, or alone in its group, keeps its own step)."""
    steps = []
    for vendor, group_step in GROUP_STEPS.items():
        mine = [item for item in items if item['vendor'] == vendor]
        if len(mine) <= MAX_DETAIL_ROWS:
            steps.extend(item['step'] for item in mine if item['step'])
            continue
        numbered = {id(item): position for position, item in enumerate(mine)}
        groups = grouped([item for item in mine if item['step']],
                         lambda item: item.get('group') or numbered[id(item)])
        # An HSS copy is restored in the enterprise project it was listed in: a group's copies of each get a step
        groups = [[item for item in group if item.get('project') == project]
                  for group in groups for project in dict.fromkeys(item.get('project') for item in group)]
        # A group of one item keeps its step; one of items that share a group (one file, ended alike) takes the
        # vendor's step for it; any other (many files, or items of no group) one step for its files.
        steps.extend(group[0]['step'] if len(group) == 1 else group_step(group)
                     if group[0].get('group') and all(item.get('group') == group[0]['group'] for item in group)
                     else many_files_step(vendor, group) for group in groups)
    return steps


def grouped_table(vendor: str, items: list[Item]) -> str:
    """Past MAX_DETAIL_ROWS: one row per file, status and reason, with how many it holds and (unless restored) the
    endpoints or hosts, failures and the largest groups first."""
    headers = XDR_GROUP_HEADERS if vendor == 'xdr' else HSS_GROUP_HEADERS
    file_key, status_key, _, _, who_key = headers
    # HSS files restored by path (no hash) share a row, each named with its host (item['who'])
    groups = grouped(items, lambda item: (item['row']['file_hash'] or ('' if vendor == 'xdr' else '(by path)'),
                                          status_of(item), item['row']['reason']))
    rows = []
    for group in sorted(groups, key=lambda group: (group[0]['kind'] == RESTORED, -len(group))):
        files, reasons = {item['row']['file_hash'] for item in group}, {item['row']['reason'] for item in group}
        rows.append({file_key: next(iter(files)) or ('' if vendor == 'xdr' else '(by path)') if len(files) == 1
                     else f'{len(files):,} files', status_key: status_of(group[0]),
                     'reason': next(iter(reasons)) if len(reasons) == 1 else f'{len(reasons):,} reasons',
                     'count': f'{len(group):,}', who_key: '' if group[0]['kind'] == RESTORED else listed(group)})
    by_file = all(len({item['row']['file_hash'] for item in group}) == 1 for group in groups)
    return '\n'.join([markdown_table(rows, headers), '',  # a blank line: GFM reads a line right under a table as a row
                      f'{len(items):,} rows, more than {MAX_DETAIL_ROWS}: counted by '
                      f'{"file, status" if by_file else "status"} and reason; '
                      f'{VENDOR_CONTEXT_PATHS[vendor]} in the context holds each one.'])


''' NOTE '''


HSS_HOST_HEADERS = ('host', HSS_RESTORED, HSS_RESTORING, HSS_FAILED, HSS_NOT_FOUND)


def hss_hosts(items: list[Item]) -> list[dict[str, Any]]:
    """Per host (one row per host ID, shown by its name when a row gives one, and by both when two hosts share the
    name): how many copies came back, are still restoring, failed, or were not found."""
    names = {item['host_id']: item['host'] for item in items if item['host_id'] and item['host'] != item['host_id']}
    hosts = {}
    for item in items:
        key = item['host_id'] or item['host'] or '(no host)'  # a host without an ID is known by its name alone
        row = hosts.setdefault(key, dict(dict.fromkeys(HSS_HOST_HEADERS, 0), host_id=item['host_id'],
                                         host=names.get(item['host_id']) or item['host'] or '(no host)'))
        if item['outcome'] in HSS_HOST_HEADERS[1:]:  # an outcome column: context text may name host or host_id
            row[item['outcome']] += 1
    shared = {name for name, count in Counter(row['host'] for row in hosts.values()).items() if count > 1}
    for row in hosts.values():
        if row['host'] in shared and row['host_id'] and row['host_id'] != row['host']:
            row['host'] = f'{row["host"]} ({row["host_id"]})'
    return sorted(hosts.values(), key=lambda row: (row['host'], row['host_id']))


def count_items(items: list[Item]) -> dict[str, int]:
    return {key: sum(item['kind'] == key for item in items) for key in COUNT_KEYS}


def counts_line(items: list[Item], asked: list[str]) -> str:
    """The note's counts, in the words of its tables: restored and failed; for HSS (``asked``), each copy as the hosts'
    table counts it, by its outcome column; any other item (a Cortex XDR endpoint not final, an outcome the summary
    does not know) by the status or outcome its row shows. The summary's pending, a word no table uses, would join a
    copy still restoring, one HSS no longer lists (not_found in its row) and an action still running."""
    words = Counter(dict.fromkeys(HSS_HOST_HEADERS[1:] if 'hss' in asked else (RESTORED, FAILED), 0))
    for item in items:
        if item['vendor'] == 'hss' and item['outcome'] in HSS_HOST_HEADERS[1:]:
            words[item['outcome']] += 1
        elif item['kind'] in (RESTORED, FAILED):
            words[item['kind']] += 1
        else:
            column = 'status' if item['vendor'] == 'xdr' else 'outcome'
            words[shown_as_is(item['row'][column]) or f'no {column}'] += 1
    text = ', '.join(f'{word} {count:,}' for word, count in words.items())
    return text[:1].upper() + text[1:] + '.'


def vendor_section(vendor: str, items: list[Item]) -> str:
    lines = [f'#### {VENDOR_NAMES[vendor]}']
    if not items:
        lines.append(f'No restore record in context ({VENDOR_CONTEXT_PATHS[vendor]}): '
                     f'{VENDOR_COMMANDS[vendor]} did not run in this incident, or wrote nothing.')
        return '\n'.join(lines)
    counts = count_items(items)
    if vendor == 'hss':
        unfollowed = [item['row']['reason'].startswith(HSS_UNFOLLOWED) for item in items
                      if item['outcome'] == HSS_RESTORING]
        followed = unfollowed.count(False)
        if followed:
            lines.append(f'{followed} {plural("restore", followed)} still {HSS_RESTORING}: HSS issued the task and '
                         'the host\'s agent has not put the file back yet; check the host in the HSS console.')
        if any(unfollowed):
            lines.append(f'{sum(unfollowed)} {plural("restore", sum(unfollowed))} {HSS_RESTORING}, not followed to '
                         'the end: HSS refused the '
                         'checks of the restore (the credentials, their permissions or the URL). Fix the instance '
                         'settings, then follow the restore with the command the last check\'s entry gives.')
        hosts = hss_hosts(items)
        if len(hosts) > MAX_DETAIL_ROWS:
            lines.append(f'{len(hosts):,} hosts, more than {MAX_DETAIL_ROWS}: the copies of each, by outcome, are '
                         f'in {SUMMARY_PATH}.hosts in the context.')
        else:
            lines.extend(['', markdown_table(hosts, HSS_HOST_HEADERS), ''])
        if counts[NOT_FOUND]:
            line = (f'{counts[NOT_FOUND]} {plural("item", counts[NOT_FOUND])} had no isolated copy in HSS '
                    f'({HSS_NOT_FOUND}), so nothing was restored: each may be back already, its hash, host or path '
                    'is not the one HSS isolated')
            # Listed in every project already, another one cannot hold it: no restore to run again there
            if all(item['project'] == ALL_PROJECTS for item in items if item['kind'] == NOT_FOUND):
                line += ' (HSS was asked in every enterprise project: its reason says what it lists).'
            else:
                line += (', or its host is in another enterprise project than the one listed (its reason names it): '
                         f'run its restore again with `enterprise_project_id={ALL_PROJECTS}` to look in every one.')
            lines.append(line)
        lines.append('')
    if len(items) > MAX_DETAIL_ROWS:
        lines.append(grouped_table(vendor, items))
    else:
        lines.append(markdown_table([item['row'] for item in items], XDR_HEADERS if vendor == 'xdr' else HSS_HEADERS))
    return '\n'.join(lines)


def nothing_to_do(items: list[Item]) -> str:
    """The line for a summary with no step left, in the terms of each vendor whose restores are in it: a Cortex XDR
    summary has no word of HSS, nor an HSS one of Cortex XDR."""
    parts = [NOTHING_TO_DO]
    if any(item['vendor'] == 'xdr' for item in items):
        parts.append(XDR_ALL_BACK)
    hss = [item for item in items if item['vendor'] == 'hss']
    restored = sum(item['kind'] == RESTORED for item in hss)
    not_found = len(hss) - restored  # with no step left, an HSS item is restored or not found
    hss_name = VENDOR_NAMES['hss']
    if restored:
        parts.append(f'{hss_name} lists every isolated copy asked for ({restored}) as {HSS_RESTORED}: each is back on '
                     'its host.')
    if not_found:
        parts.append(f'{hss_name} holds no isolated copy of {not_found} {plural("item", not_found)} ({HSS_NOT_FOUND}, '
                     'above), so there was nothing to restore.')
    return ' '.join(parts)


def build_note(vendor: str, sections: list[str], items: list[Item], skipped: list[str], summary: dict[str, Any]) -> str:
    lines = [f'### {TITLE}']
    asked = [name for name in VENDOR_NAMES if vendor in ('all', name)]
    if not items:
        paths = ' or '.join(f'{VENDOR_NAMES[name]} ({VENDOR_CONTEXT_PATHS[name]})' for name in asked)
        commands = ' or '.join(VENDOR_COMMANDS[name] for name in asked)
        readable = 'readable ' if skipped else ''
        lines.append(f'**{NO_RESTORE_RAN}**: the incident context holds no {readable}restore record for {paths}. '
                     f'Run {commands} first (or check that the playbook\'s restore task ran and wrote its outputs), '
                     'then run this summary again.')
    names = ' and '.join(VENDOR_NAMES[name] for name in asked)
    lines.append(f'Vendor: {names}. {counts_line(items, asked)}')
    if items:
        lines.extend(['', *('\n'.join([section, '']) for section in sections)])
    else:
        lines.append('')
    lines.append(f'#### {MANUAL_TITLE}')
    if summary['manual_steps']:
        lines.extend(f'- {step}' for step in note_steps(items))
    elif items:
        lines.append(nothing_to_do(items))
    else:
        lines.append('Nothing to restore by hand from this summary, since no restore ran.')
    if skipped:
        lines.extend(['', '#### Skipped context data'])
        lines.extend(f'- {one_line(message)}' for message in skipped)
    return '\n'.join(lines)


''' COMMAND '''


def summary_command(args: dict[str, Any] | None, context: Any) -> Entry:
    """The note entry summarising every restore in ``context`` of the vendor asked (all: of both)."""
    vendor = parse_vendor(args or {})
    skipped = []
    if context is None:
        context = {}
    elif not isinstance(context, dict):
        skipped.append(f'The incident context is {json_kind(context)}, not an object.')
        context = {}
    readers = {'xdr': (XDR_CONTEXT_PATH, xdr_items), 'hss': (HSS_CONTEXT_PATH, hss_items)}
    earlier = (args or {}).get('restored_before')
    if earlier not in (None, '', []) and vendor == 'all':
        raise SummaryError('restored_before holds one vendor\'s records: give vendor xdr or hss with it.')
    items, sections = [], []
    for name, (path, read) in readers.items():
        if vendor not in ('all', name):
            continue
        records = context_value(context, path, skipped) if vendor == 'all' else with_earlier(context, earlier, name,
                                                                                                 skipped)
        vendor_items = read(records, skipped)
        items.extend(vendor_items)
        sections.append(vendor_section(name, vendor_items))
    counts = count_items(items)
    steps = [item['step'] for item in items if item['step']]
    hss = [item for item in items if item['vendor'] == 'hss']
    summary = {
        'vendor': vendor,
        'restored': counts[RESTORED],
        'failed': counts[FAILED],
        'pending': counts[PENDING],
        'not_found': counts[NOT_FOUND],
        'restoring': sum(item['outcome'] == HSS_RESTORING for item in hss),
        'hosts': hss_hosts(hss),
        'needs_manual_action': counts[FAILED] > 0 or counts[PENDING] > 0 or bool(steps),
        'manual_steps': steps,
    }
    return {
        'Type': ENTRY_TYPE_NOTE,
        'ContentsFormat': 'json',
        'Contents': summary,
        'HumanReadable': build_note(vendor, sections, items, skipped, summary),
        'ReadableContentsFormat': 'markdown',
        'EntryContext': {SUMMARY_CONTEXT_KEY: summary},
    }


def latest_summaries(context: Any) -> list[dict[str, Any]] | None:
    """The latest summary of each vendor in ``context``'s QuarantineRestore.Summary; None when it holds no other."""
    held = as_items(context_value(context if isinstance(context, dict) else {}, SUMMARY_PATH, []), SUMMARY_PATH, [])
    latest = {}
    for summary in held:  # a summary handed back later comes later in the list
        latest.pop(text_of(summary.get('vendor')), None)
        latest[text_of(summary.get('vendor'))] = summary
    return list(latest.values()) if len(latest) < len(held) else None


def records_once(context: Any, path: str) -> list[Any] | None:
    """The context's records at ``path``, each once (the first of those alike, so the order of the others, which says
    which record is a file's latest, holds); None when none comes twice."""
    held = context_value(context if isinstance(context, dict) else {}, path, [])
    held = held if isinstance(held, list) else [held]
    kept = []
    for record in held:
        if record not in kept:
            kept.append(record)
    return kept if len(kept) < len(held) else None


def keep_latest_summaries(runtime: Any) -> list[Entry]:
    """latest_only=true: the context's summaries cut to the latest of each vendor; the errors of writing them, if any.
    A vendor playbook run again with a context of its own hands its summary back to the caller as an output, beside
    the earlier one (the DT key does not reach it: how XSOAR merges a sub-playbook's outputs is not documented). Set
    writes the key anew and adds no entry after the summary's note. So with its records: it keeps those an earlier run
    left in its own context (its RestoredBefore), so that whether XSOAR adds what it hands back to the caller's or puts
    it in their place, none is lost; added, each comes back twice, and is kept once."""
    errors = []
    for path, kept in [(SUMMARY_PATH, latest_summaries(runtime.context()))] + \
            [(path, records_once(runtime.context(), path)) for path in (XDR_CONTEXT_PATH, HSS_CONTEXT_PATH)]:
        if kept is None:
            continue
        written = runtime.executeCommand('Set', {'key': path, 'value': kept}) or []
        # XSOAR's error names no script: the entry says whose Set it was, what it left, and what to run again
        errors += [error_entry(f'QuarantineRestoreSummary (latest_only=true) could not write {path} anew: '
                               f'{text_of(entry.get("Contents")).strip().removesuffix(".")}. Its earlier entries '
                               'stay beside the latest; run '
                               '`!QuarantineRestoreSummary latest_only=true` again once that is fixed.')
                   for entry in written if entry.get('Type') == ENTRY_TYPE_ERROR]
    return errors


def error_entry(message: str) -> Entry:
    return {'Type': ENTRY_TYPE_ERROR, 'ContentsFormat': 'text', 'Contents': message}


''' MAIN '''


def main(demisto_obj: Any = None) -> None:
    """Entry point: XSOAR runs it with its global ``demisto``; tests and the war room pass their own."""
    runtime = demisto_obj if demisto_obj is not None else globals()['demisto']
    try:
        args = runtime.args() or {}
        if text_of(args.get('latest_only')).strip().lower() == 'true':
            for entry in keep_latest_summaries(runtime):
                runtime.results(entry)
            return
        entry = summary_command(args, runtime.context())
    except SummaryError as error:
        entry = error_entry(f'QuarantineRestoreSummary could not run: {error}')
    except Exception as error:  # noqa: BLE001 - a fault still becomes an entry, never a traceback in the war room
        try:
            runtime.debug(traceback.format_exc())
        except Exception:  # noqa: BLE001 - logging is best effort
            pass
        entry = error_entry(f'QuarantineRestoreSummary stopped on a fault of its own ({type(error).__name__}: '
                            f'{error}), so no summary was written; the restores are not affected: their entries, and '
                            f'{XDR_CONTEXT_PATH} and {HSS_CONTEXT_PATH} in the context, say what each did. For the '
                            'traceback, which the pack\'s maintainers need, run '
                            '`!QuarantineRestoreSummary debug-mode=true` in this war room.')
    runtime.results(entry)


if __name__ in ('__main__', '__builtin__', 'builtins'):
    main()
