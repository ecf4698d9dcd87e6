"""QuarantineRestoreOnClose: a post-processing script that gives quarantined files back when an incident is closed
as a false positive, however it is closed (the Close dialog, a playbook, or mirroring from Cortex XDR).

XSOAR runs a post-processing script set on the incident type when the incident closes, with the close form's
``closeReason`` and ``closeNotes``. An error entry would block the close, so this script never returns one: it
starts the restores it can (``!restore-file`` and ``!hss-restore-isolated`` without polling), and writes one note
with what it started, what it held back (a file XSOAR scores as malicious is never restored automatically) and the
command that follows each restore to its end. It keeps to XSOAR's timeout for it: a call that could run past it is
not started, and the note says so.

Runs in XSOAR's stock python3 image (standard library only). Layout, as the pack's other script: constants,
pure helpers, ``on_close_command(args, incident, context, execute, debug)``, ``main(demisto_obj=None)``.
"""
import json
import re
import time
import traceback
from collections import Counter
from typing import Any, Callable, Iterator, Sequence

''' CONSTANTS '''

FALSE_POSITIVE = 'false positive'
XDR_FALSE_POSITIVE_STATUS = 'resolved_false_positive'  # Cortex XDR's status, mirrored into xdrstatusv2
XDR_COMMAND = 'restore-file'
XDR_EXTRA_DATA_COMMAND = 'xdr-get-incident-extra-data'  # Cortex XDR - IR's: the file artifacts of an incident
HSS_COMMAND = 'hss-restore-isolated'
OWN_BRAND = 'Quarantine Restore'  # integration.yml commonfields.id: the brand that runs those commands
XDR_RECORDS = 'CortexXDR.RestoredFile'
HSS_RECORDS = 'HuaweiHSS.RestoredFile'
SHA256 = re.compile(r'[0-9a-fA-F]{64}')
# A Cortex XDR incident ID: Cortex XDR numbers incidents from 1, and restore-file takes an incident_id below 2**53
# only, as text too: its record keeps the ID in a Number, which XSOAR's context (a float64) holds exactly only below
# 2**53. Text of more than 18 digits restore-file refuses before that (so it is NO_SUCH_ID's); ASCII digits only
# (str.isdigit takes '²' too). Leading zeros name the same incident; the ID is written without them, as Cortex XDR and
# CortexXDRIR's records write it.
XDR_INCIDENT_ID = re.compile(r'0*([1-9][0-9]{0,17})')
FLOAT_EXACT_BELOW = 2 ** 53
NO_SUCH_ID = 'which no Cortex XDR incident has (its IDs are whole numbers from 1, of at most 18 digits)'
ROUNDED_ID = 'a JSON number from 2^53 on, which XSOAR hands on as a float64: it may not be the ID written'
TOO_LARGE_ID = ("a number from 2^53 on, which restore-file refuses: XSOAR's context keeps a Number "
                '(CortexXDR.RestoredFile.incident_id) exactly only below 2^53')
# The mirror ID (dbotMirrorId) is the ID in the system the incident is mirrored with: a Cortex XDR incident ID only on
# an incident whose type names Cortex XDR (CortexXDRIR's types all do; the playbooks test the type so too). Another
# type's is another system's: HSS's event_id, as this pack's fetch sets it, or a QRadar or Jira number, which may name
# a different Cortex XDR incident.
XDR_TYPE_MARK = 'Cortex XDR'
# When Cortex XDR may have carried out a restore restore-file could not follow (its answer lost after the request
# reached Cortex XDR, or accepted without an action ID: README, "How restore-file behaves"), its record says so in
# may_have_started. Such a restore is not "not started": a second one waits for a look in the Action Center. A restore
# none of whose files is followed (one file, say) ends in an error entry that writes those records all the same.
XDR_LOOK_FIRST = ('Look for the file in Cortex XDR > Response > Action Center first; where no action gave it back, '
                  'restore it by hand')
# Cortex XDR's words for a restore it refused as no endpoint asked holds the file quarantined (its err_code, 500, is the
# same for any request it could not carry out, so only its words tell this refusal apart); one whose action included no
# endpoint, its record's endpoints_count 0, is alike: a file back already or never quarantined, nothing to fix in the
# setup, and the same restore by hand would meet the same answer. The advice is the Cortex XDR playbook's note's and
# QuarantineRestoreSummary's, word for word.
XDR_NO_COPY = 'no quarantined file'
XDR_NO_COPY_ADVICE = ('Nothing in the instance\'s setup needs fixing: the file is back already (an earlier restore, of '
                      'this or another incident, or one by hand, gave it back) or was never quarantined (a process '
                      'image Cortex XDR blocked, say). Look for its restore in Cortex XDR > Response > Action Center, '
                      'and for the file on the endpoint: if it is there, nothing is left to do; if not, no copy of it '
                      'under this SHA256 was quarantined, so find the file Cortex XDR did quarantine (its incident\'s '
                      'Key Artifacts) and restore that one by hand.')
# hss-restore-isolated's rows refused by an identity policy point to the entry that gives its encoded reason once:
# identity_policy_refusals in its Contents, or its error, which names IAM's API that decodes it. executeCommand shows
# the analyst none of that entry: the note gives each.
POLICY_REFUSALS = 'identity_policy_refusals'
# hss-restore-isolated's enterprise_project_id for every enterprise project the instance's user may see: a file HSS
# lists no copy of in the project the close listed may be on a host of another one (the host moved, or the instance's
# setting since the event), so its by-hand command lists them all, as that row's reason advises.
HSS_ALL_PROJECTS = 'all_granted_eps'
# The outcomes of an earlier restore's HSS row that leave the copy to send again, when no check finds it restored since
HSS_LEFT_UNRESTORED = ('failed', 'restoring')
DECODE_API = 'DecodeAuthorizationMessage'
# A vendor's part of this script that failed may have sent its restore first: its name, and what to run by hand
FAILED_PARTS = {'xdr': ('Cortex XDR', f'{XDR_LOOK_FIRST}: `!{XDR_COMMAND} file_hash=<sha256>`'),
                'hss': ('Huawei Cloud HSS', f'Restore it by hand (only the copies still isolated are sent): '
                                            f'`!{HSS_COMMAND} host_id=<host ID> file_hash=<sha256>`')}

GATE_SCRIPT = 'QuarantineRestoreReputationGate'  # the pack's reputation check, the playbooks' too
FILE_COMMAND = 'file'  # XSOAR's generic reputation command: every enabled file reputation integration answers
REPUTATION_ROOTS = {'DBotScore': 'dbot_score', 'File': 'file_entries'}  # context root -> the gate's argument

# A reason the restore left files behind for is one line, naming this many of them and the by-hand command for all
# (the note is the only place a script's executeCommand shows them): short at any scale, as the integration's.
# Past MAX_DETAIL_ROWS held file-host pairs, a held file's line names MAX_LISTED of its hosts and gives its command for
# one, to fill in, as the gate's own note: the gate's QuarantineRestore.Gate.held.by_hand keeps each whole command.
# So does the by-hand command of a restore that could not start, or of the files it left, past MAX_DETAIL_ROWS
# file-host pairs: the note's entry keeps each whole command in BY_HAND_KEY, which the line names.
MAX_DETAIL_ROWS = 50
MAX_LISTED = 20
BY_HAND_KEY = 'QuarantineRestore.OnClose'

# XSOAR stops this script at its timeout, the time its executeCommand calls take included, and a post-processing script
# so stopped blocks the close. Its YAML sets none: the server's default applies, which XSOAR's calling context gives as
# TimeoutDuration (nanoseconds, as CommonServerPython's content_profiler reads it), else the 5 minutes content_profiler
# assumes. A call starts only while it can end in time: a command may take XSOAR's 3-minute command timeout (the pack's
# own end within it), and so may the gate (its status read of earlier restores); the note needs a few seconds more.
XSOAR_SCRIPT_TIMEOUT_SECONDS = 300
CALL_SECONDS = 180
NOTE_SECONDS = 10
NOT_RUN = 'so the call was not run'

ENTRY_TYPE_NOTE = 1
ENTRY_TYPE_ERROR = 4
TITLE = 'Quarantine restore on close'

Entry = dict[str, Any]  # an XSOAR entry: demisto.results takes one, demisto.executeCommand returns a list of them
Execute = Callable[[str, dict[str, Any]], list[Entry] | None]  # demisto.executeCommand(command, args)


''' HELPERS '''


def as_list(value: Any) -> list[Any]:
    if value is None or value == '':
        return []
    return value if isinstance(value, list) else [value]


def is_blank(value: Any) -> bool:
    """Nothing, text of blanks only, or a list or object of such values: XSOAR keeps a field an analyst or a mapper
    emptied as empty text or a list holding it (a grid, as a row of empty cells)."""
    if isinstance(value, (list, dict)):
        return all(is_blank(item) for item in (value.values() if isinstance(value, dict) else value))
    return value is None or isinstance(value, str) and not value.strip()


def present(value: Any) -> list[Any]:
    """A field's values with its blank items left out: a blank is no value, never sent to a vendor."""
    return [item for item in as_list(value) if not is_blank(item)]


def lookup(context: dict[str, Any], path: str) -> list[Any]:
    """A dotted path through the context; lists are walked and their values gathered."""
    values = [context]
    for part in path.split('.'):
        found = []
        for value in values:
            for item in as_list(value):
                if isinstance(item, dict) and part in item:
                    found.extend(as_list(item[part]))
        values = found
    return values


def incident_fields(incident: dict[str, Any] | None) -> dict[str, Any]:
    """The incident's fields, custom ones lifted to the top as XSOAR shows them to scripts."""
    fields = {key: value for key, value in (incident or {}).items() if key != 'CustomFields'}
    fields.update((incident or {}).get('CustomFields') or {})
    return fields


def close_reason(args: dict[str, Any], fields: dict[str, Any]) -> str:
    """The close reason XSOAR passes, else the incident's; a blank one is no reason."""
    return next((str(value).strip() for value in (args.get('closeReason'), fields.get('closeReason'))
                 if not is_blank(value)), '')


def is_false_positive(args: dict[str, Any], fields: dict[str, Any]) -> bool:
    """The close reason decides; Cortex XDR's mirrored status only a close that gives none. CortexXDRIR's mirroring
    closes as False Positive when Cortex XDR resolves so, and sends an XSOAR close back as Cortex XDR's status: a
    reason that differs is the later word, and the status it leaves behind is stale."""
    reason = close_reason(args, fields)
    if reason:
        return reason.lower() == FALSE_POSITIVE
    return xdr_says_false_positive(fields)


def xdr_says_false_positive(fields: dict[str, Any]) -> bool:
    return str(fields.get('xdrstatusv2') or '').lower() == XDR_FALSE_POSITIVE_STATUS


def unique_hashes(values: list[Any]) -> list[str]:
    hashes = []
    for value in values:
        text = str(value or '').strip().lower()
        if SHA256.fullmatch(text) and text not in hashes:
            hashes.append(text)
    return hashes


def xdr_hashes(fields: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """The same sources as the Cortex XDR playbook: File SHA256, XDR File Artifacts (both key forms), the incident's
    own record from xdr-get-incident-extra-data."""
    values = list(as_list(fields.get('filesha256')))  # a copy: the HSS part reads the field after this
    for row in as_list(fields.get('xdrfileartifacts')):
        if isinstance(row, dict):
            values += [row.get('filesha256'), row.get('file_sha256')]
    values += lookup({'own': own_xdr_records(fields, context)}, 'own.file_artifacts.file_sha256')
    return unique_hashes(values)


def own_xdr_records(fields: dict[str, Any], context: dict[str, Any]) -> list[dict[str, Any]]:
    """This incident's PaloAltoNetworksXDR.Incident records: CortexXDRIR keys them by incident_id, so another
    incident's, read in this war room to compare, sits beside them, and its files are not this incident's."""
    own_id = xdr_incident_id(fields)
    return [record for record in lookup(context, 'PaloAltoNetworksXDR.Incident') if own_id and
            isinstance(record, dict) and incident_number(record.get('incident_id')) == own_id]


def artifacts_from_cortex_xdr(execute: Execute, incident_id: str) -> tuple[list[str], str | None]:
    """(hashes, problem): the file artifacts Cortex XDR - IR reads for a minimized incident, which holds none."""
    entries = execute(XDR_EXTRA_DATA_COMMAND, {'incident_id': incident_id}) or []
    errors = [entry_text(e) for e in entries if isinstance(e, dict) and e.get('Type') == ENTRY_TYPE_ERROR]
    if errors:
        # The read to run again and the restore by hand, made under the incident's Cortex XDR incident as the close's
        read = code_span(by_hand_command(XDR_EXTRA_DATA_COMMAND, {'incident_id': incident_id}))
        restore = code_span(by_hand_command(XDR_COMMAND, {'file_hash': '<sha256>', 'incident_id': incident_id}))
        error = ' '.join(errors[0].split()).removesuffix('.')
        return [], (f'Cortex XDR: the incident names no SHA256 and {read} (Cortex XDR - IR) could not read its file '
                    f'artifacts, so nothing was restored: {shown_as_is(error)}. Fix what the error names (enable a '
                    f'Cortex XDR - IR instance, or correct its settings or its API key\'s role) and run that read '
                    f'again, or find the SHA256 in Cortex XDR (Incidents > Key Artifacts); then run {restore}.')
    values = []
    for entry in entries:
        for key, value in (entry.get('EntryContext') or {}).items():
            if key.split('(')[0] == 'PaloAltoNetworksXDR.Incident':
                values += lookup({'incident': value}, 'incident.file_artifacts.file_sha256')
    return unique_hashes(values), None


def incident_number(value: Any) -> str:
    """The Cortex XDR incident ID ``value`` names (text or a JSON number), as Cortex XDR writes it; '' for a value no
    incident has (see XDR_INCIDENT_ID)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if type(value) not in (str, int) or maybe_rounded(value) or too_large_to_keep(value):  # type(): a bool is no number
        return ''
    found = XDR_INCIDENT_ID.fullmatch(str(value).strip())
    return found.group(1) if found else ''


def of_xdr_type(fields: dict[str, Any]) -> bool:
    """Whether the incident's type names Cortex XDR (see XDR_TYPE_MARK)."""
    return XDR_TYPE_MARK in str(fields.get('type') or '')


def xdr_incident_id(fields: dict[str, Any]) -> str:
    """The Cortex XDR incident's ID: the XDR Incident ID field's, else, on an incident of a Cortex XDR type, the mirror
    ID (see XDR_TYPE_MARK); blank items are no value (a list holding one beside the ID, as the playbook's RemoveEmpty
    reads it before it takes one)."""
    mirrored = present(fields.get('dbotMirrorId')) if of_xdr_type(fields) else []
    for value in present(fields.get('xdrincidentid')) + mirrored:
        if number := incident_number(value):
            return number
    return ''


def refused_incident_id(fields: dict[str, Any]) -> list[str]:
    """The note's line on the XDR Incident ID field's values no Cortex XDR incident has, restore-file refuses, or may
    not be the one written, if any, each quoted as received: JSON (the mirror ID is not judged: on an incident of
    another type it is another system's, and not read)."""
    given = present(fields.get('xdrincidentid'))
    refused = [value for value in given if not incident_number(value)]
    source = "the field's other value" if len(refused) < len(given) else 'the mirror ID'  # the field is read first
    used = f'; {source}, {xdr_incident_id(fields)}, was' if xdr_incident_id(fields) else ''
    were = 'it was' if len(refused) == 1 else 'they were'
    by_reason = {NO_SUCH_ID: [], TOO_LARGE_ID: [], ROUNDED_ID: []}
    for value in refused:
        by_reason[refusal_reason(value)].append(json.dumps(value))
    held = '; and '.join(f'{shown_as_is(", ".join(texts))}, {reason}' for reason, texts in by_reason.items() if texts)
    return [f'Cortex XDR: the XDR Incident ID field holds {held}, so {were} not used{used}. Set the field to the '
            'incident\'s ID as Cortex XDR shows it.'] if refused else []


def refusal_reason(value: Any) -> str:
    """Why a value incident_number refused is not used, in the note's words."""
    if maybe_rounded(value):
        return ROUNDED_ID
    return TOO_LARGE_ID if too_large_to_keep(value) else NO_SUCH_ID


def maybe_rounded(value: Any) -> bool:
    """Whether ``value`` is a JSON number XSOAR's float64 may have rounded: restore-file refuses it too."""
    return isinstance(value, (int, float)) and value >= FLOAT_EXACT_BELOW  # a negative one is no ID either way


def too_large_to_keep(value: Any) -> bool:
    """Whether ``value`` is an ID's text from 2**53 on, which restore-file refuses (see TOO_LARGE_ID)."""
    found = XDR_INCIDENT_ID.fullmatch(value.strip()) if isinstance(value, str) else None
    return found is not None and int(found.group(1)) >= FLOAT_EXACT_BELOW


def vendors_of(fields: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """The vendors whose data the incident holds; a blank field (see is_blank) is no data of its vendor."""
    kinds = []
    kind = str(fields.get('type') or '')
    if of_xdr_type(fields) or present(fields.get('xdrincidentid')) or present(fields.get('xdrfileartifacts')) or \
            own_xdr_records(fields, context):
        kinds.append('xdr')
    if 'HSS' in kind or present(fields.get('huaweihssalarmid')):
        kinds.append('hss')
    return kinds


def screen(execute: Execute, hashes: list[str], restore_suspicious: bool, command: str, kept: list[str],
           scope: dict[str, list[Any]] | None = None, paths: Sequence[Any] = (),
           restored: Sequence[dict[str, Any]] = ()) -> tuple[list[str], list[str], list[Any]]:
    """(hashes to restore, notes on the ones held back or not sent again, paths to restore), by the pack's
    QuarantineRestoreReputationGate: known bad never, suspicious only when asked, and none an earlier restore covers
    (``restored``: the records it left, the gate's restored_before). ``paths`` (a restore by host and path) go through
    it too: it finds the hashes the context knows for each path and asks !file about them itself. ``scope`` (host_id,
    endpoint_id, incident_id) goes into the command each held file's line gives for restoring it by hand (held_line),
    and into the one a failed check's line gives for them all (``kept``: see by_hand_text)."""
    if not hashes and not paths:
        return [], [], []
    known = reputation_of(execute, hashes) if hashes else {}
    args = {'restore_command': command, 'restore_suspicious': 'true' if restore_suspicious else 'false',
            **{name: values for name, values in (scope or {}).items() if values}}
    args.update({'file_hash': hashes} if hashes else {})
    args.update({'file_path': list(paths)} if paths else {})
    args.update({'restored_before': list(restored)} if restored else {})
    entries = execute(GATE_SCRIPT, dict(args, **{arg: values for arg, values in known.items() if values})) or []
    for entry in entries:
        contents = entry.get('Contents') if isinstance(entry, dict) else None
        if entry.get('Type') != ENTRY_TYPE_ERROR and isinstance(contents, dict) and 'allowed' in contents:
            hosts = args.get('host_id') or []
            many = hosts if len(hosts) > 1 and len(contents.get('held') or []) * len(hosts) > MAX_DETAIL_ROWS else []
            held = list(contents.get('not_sent') or []) + [held_line(item, many) for item in contents.get('held') or []]
            allowed_paths = [p for p in paths if p in (contents.get('allowed_paths') or [])]
            return [h for h in hashes if h in contents['allowed']], held, allowed_paths
    problem = ' '.join(next((entry_text(e) for e in entries if isinstance(e, dict)), 'no answer').split())
    # The restore the close would have sent: the files and their scope (a path on the hosts HSS lists it isolated on)
    restore = {name: value for name, value in args.items() if name in ('file_hash', 'file_path', *(scope or {}))}
    if paths and len(restore.get('host_id') or []) > 1:
        restore['pair_by_position'] = 'false'
    check = 'Look up each file'  # a path's hashes are the gate's to find
    if hashes:
        check = 'Run ' + code_span(f'!{FILE_COMMAND} file={list_value(hashes)}')
    return [], [f'The reputation check ({GATE_SCRIPT}) failed, so nothing was restored automatically: '
                f'{shown_as_is(problem.removesuffix("."))}. {check} for its reputation, then restore what you judge '
                f'benign by hand: {by_hand_text(command, restore, kept)}'], []


def held_line(item: dict[str, Any], hosts: list[Any]) -> str:
    """A held file's line, with its command by hand. ``hosts``: those of a restore whose held files and hosts make
    more than MAX_DETAIL_ROWS pairs, else empty: the line then says how many hosts, names MAX_LISTED, and gives the
    command for one to fill in, as the gate's note does."""
    by_hand = code_span(item['by_hand'])
    if hosts:
        what = {'file_path': item['file_path']} if item.get('file_path') else {'file_hash': item['file_hash']}
        by_hand = (f'{code_span(by_hand_command(HSS_COMMAND, {**what, "host_id": "<host_id>"}))} on each of them '
                   f'(QuarantineRestore.Gate.held.by_hand has the command for all of them at once)')
    on = f' (on {len(hosts):,} hosts: {capped(hosts)})' if hosts else ''
    return (f'{held_what(item)}{on} is scored {item["verdict"]} ({item["score"]}) by {who_scored(item)}, so it was '
            f'not restored automatically. If an analyst is sure it is benign: {by_hand}')


def capped(names: list[Any]) -> str:
    """``names`` shown as they are: the first MAX_LISTED, and how many more there are."""
    more = f' and {len(names) - MAX_LISTED:,} more' if len(names) > MAX_LISTED else ''
    return ', '.join(map(shown_as_is, names[:MAX_LISTED])) + more


def held_what(item: dict[str, Any]) -> str:
    """A held file as the note names it: its SHA256, or its path (and the SHA256 the context gives it)."""
    if not item.get('file_path'):
        return code_span(text_of(item['file_hash']))
    known = f' (SHA256 {code_span(text_of(item["file_hash"]))})' if item.get('file_hash') else ''
    return f'{code_span(text_of(item["file_path"]))}{known}'


def reputation_of(execute: Execute, hashes: list[str]) -> dict[str, list[dict[str, Any]]]:
    """What every enabled file reputation integration says of the hashes, as the playbooks ask it before the gate
    (`!file`): {gate argument: the DBotScore or File objects its entries write}. Handed to the gate, not left to the
    context, which a script's executeCommand need not update. Lists left empty when no such integration is enabled
    (its entry an error)."""
    found = {'dbot_score': [], 'file_entries': []}
    for entry in execute(FILE_COMMAND, {'file': ','.join(hashes)}) or []:
        if not isinstance(entry, dict) or entry.get('Type') == ENTRY_TYPE_ERROR:
            continue
        for key, value in (entry.get('EntryContext') or {}).items():
            root = key.split('(')[0]
            if root in REPUTATION_ROOTS:
                found[REPUTATION_ROOTS[root]] += [item for item in as_list(value) if isinstance(item, dict)]
    return found


def who_scored(item: dict[str, Any]) -> str:
    """The sources the gate names for a held file, each with where it found the verdict (its scored_as) when that is
    not a score for the SHA256 itself: another hash of the file (MD5 ...), or File.Malicious."""
    hows = list(item.get('scored_as') or [])
    names = [f'{shown_as_is(name)} ({shown_as_is(hows[i])})' if i < len(hows) and hows[i] not in ('', 'SHA256') else
             shown_as_is(name) for i, name in enumerate(item.get('scored_by') or [])]
    return ', '.join(names) or 'a reputation source'


def on_own_integration(execute: Execute) -> Execute:
    """executeCommand with this pack's restore commands pinned to its integration (using-brand): XSOAR runs a call
    that names no brand on every enabled integration that has the command, another vendor's of that name too."""
    def call(command: str, args: dict[str, Any]) -> list[Entry] | None:
        return execute(command, {**args, 'using-brand': OWN_BRAND} if command in (XDR_COMMAND, HSS_COMMAND) else args)
    return call


def failed_calls_as_entries(execute: Execute) -> Execute:
    """executeCommand with a call the server fails read as an error entry (XSOAR's channel raises ValueError with the
    server's text then: DemistoClassApiModuleClasses.py), so that it stops only what needed that answer, and a restore
    already started for the other vendor stays in the note."""
    def call(command: str, args: dict[str, Any]) -> list[Entry] | None:
        try:
            return execute(command, args)
        except ValueError as error:
            return [{'Type': ENTRY_TYPE_ERROR, 'ContentsFormat': 'text', 'Contents': f'XSOAR failed the call: {error}'}]
    return call


def timeout_of(runtime: Any) -> float:
    """The seconds XSOAR gives this run (see XSOAR_SCRIPT_TIMEOUT_SECONDS). TimeoutDuration is a Go duration,
    nanoseconds in an int64: any other value (NaN, Infinity, past 2**63) is no timeout the server gave."""
    calling = getattr(runtime, 'callingContext', None)
    given = (calling.get('context') or {}).get('TimeoutDuration') if isinstance(calling, dict) else None
    try:
        return float(given) / 1e9 if 0 < float(given) < 2 ** 63 else XSOAR_SCRIPT_TIMEOUT_SECONDS
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int past a float's range
        return XSOAR_SCRIPT_TIMEOUT_SECONDS


def in_time(execute: Execute, timeout: float, started: float) -> Execute:
    """executeCommand that starts a call only while CALL_SECONDS and NOTE_SECONDS are left of ``timeout`` (counted
    from ``started``); a call past that is an error entry saying why, so what needed it is written as not done."""
    def call(command: str, args: dict[str, Any]) -> list[Entry] | None:
        left = timeout - (time.monotonic() - started)
        if left >= CALL_SECONDS + NOTE_SECONDS:
            # XSOAR times the gate on its own timeout, which this script's counts: it may use only what is left
            given = {'seconds_left': int(left - NOTE_SECONDS)} if command == GATE_SCRIPT else {}
            return execute(command, {**args, **given})
        return [{'Type': ENTRY_TYPE_ERROR, 'ContentsFormat': 'text',
                 'Contents': f'only {max(left, 0):.0f} s were left of the {timeout:g} s XSOAR gives this script (its '
                             f'timeout), and the call may take {CALL_SECONDS} s (past that timeout XSOAR stops the '
                             f'script and refuses the close), {NOT_RUN}.'}]
    return call


def entry_text(entry: Entry) -> str:
    contents = entry.get('Contents')
    return str(entry.get('HumanReadable') or (contents if isinstance(contents, str) else json.dumps(contents)))


def line_value(text: str) -> str:
    """A value as a war-room line takes it: bare when it can be, else raw in backticks, else in double quotes."""
    if text and not any(char.isspace() or char in '"`' for char in text):
        return text
    if '`' not in text:
        return f'`{text}`'
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'


def list_value(values: Any) -> str:
    """A list argument as a war-room line takes it: comma-separated when no item holds a comma, starts with '[' or
    has a blank at either end (comma text is stripped; a path may end with a blank), else the JSON list form. Each
    script carries its own copy: an XSOAR automation script runs alone."""
    items = [str(value) for value in as_list(values)]
    if any(',' in item or item.lstrip().startswith('[') or item != item.strip() for item in items):
        return line_value(json.dumps(items))
    return line_value(','.join(items))


def text_of(value: Any) -> str:
    """Any context value as one string: '' for nothing, JSON for objects and lists."""
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)  # XSOAR's values are JSON: text keys, no loops
    return str(value)


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


def records_in(entries: list[Entry], records_path: str) -> Iterator[dict[str, Any]]:
    """Every record the entries wrote to ``records_path`` in context, whatever the DT key they wrote it with."""
    for entry in entries:
        for key, value in (entry.get('EntryContext') or {}).items():
            if key.split('(')[0] == records_path:
                yield from (record for record in as_list(value) if isinstance(record, dict))


def is_refused(record: dict[str, Any]) -> bool:
    """A Cortex XDR record of a restore that did not start (refused by Cortex XDR, or never sent): none to follow."""
    action_id = record.get('action_id')
    return record.get('status') == 'FAILED' or action_id is None or not str(action_id).strip()


# (hash or path, none of it went out, what the note says, why, how it names it, the enterprise project its HSS rows
# were listed in, which its by-hand command names: 0 for rows naming none, the default one; '' for Cortex XDR's;
# HSS_ALL_PROJECTS for a file HSS listed no copy of there, as the host may sit in another project)
Miss = tuple[str, bool, str, str, str, str]


def xdr_misses(entries: list[Entry]) -> list[Miss]:
    """The Cortex XDR records of restores that did not start, or may have though not followed (may_have_started)."""
    return [(str(record.get('file_hash')), True, 'may have started a restore of' if record.get('may_have_started') is
             True else 'did not start a restore of', str(record.get('error') or 'no action was started.'),
             str(record.get('file_hash')), '') for record in records_in(entries, XDR_RECORDS) if is_refused(record)]


def hss_misses(entries: list[Entry], by: str) -> list[Miss]:
    """The hashes (or, for a restore by path, ``by`` file_path, the paths) with copies HSS did not restore (rows
    not_found or failed), by reason: of a file some of whose copies went out, or that had several, how many of them.
    A row of a restore by path names its copy's hash too. Each in the enterprise project its rows were listed in: the
    instance may be set to another one before its by-hand command runs; of a file HSS listed no copy of, in every one
    the instance's user may see (HSS_ALL_PROJECTS): the copy may be on a host of another project."""
    rows = {}
    for row in records_in(entries, HSS_RECORDS):
        if row.get(by):
            value = str(row[by]).lower() if by == 'file_hash' else str(row[by])
            rows.setdefault((value, str(row.get('enterprise_project_id') or '0')), []).append(row)
    misses = []
    for (value, project), found in rows.items():
        if any(row.get('outcome') == 'not_found' for row in found):  # its reason names the project listed
            project = HSS_ALL_PROJECTS
        reasons = Counter(str(row.get('reason') or f'HSS reported it {row.get("outcome")}.') for row in found
                          if row.get('outcome') not in ('restoring', 'restored'))
        whole = sum(reasons.values()) == len(found)
        misses += [(value, whole, 'restored no copy of', reason, value, project) if count == len(found) else
                   (value, whole, 'did not restore', reason, f'{count} of {len(found)} copies of {value}', project)
                   for reason, count in reasons.items()]
    return misses


def policy_refusals(entries: list[Entry]) -> list[str]:
    """Each identity policy refusal the entries give whole, once (see POLICY_REFUSALS)."""
    found = []
    for entry in entries:
        contents = entry.get('Contents')
        if isinstance(contents, dict):
            found += [str(refusal) for refusal in as_list(contents.get(POLICY_REFUSALS))]
        elif entry.get('Type') == ENTRY_TYPE_ERROR and DECODE_API in str(contents):
            found.append(str(contents))
    return list(dict.fromkeys(found))


def follow_commands(entries: list[Entry], records_path: str) -> list[str]:
    """What follows each started restore to its end: the integration names it in its raw reply."""
    commands = []
    for entry in entries:
        contents = entry.get('Contents') if isinstance(entry.get('Contents'), dict) else {}
        commands += [str(command) for command in as_list(contents.get('follow_commands'))]
    if not commands and records_path == XDR_RECORDS:  # an older integration: rebuilt from its records
        for record in records_in(entries, XDR_RECORDS):
            if not is_refused(record):
                action_ids = line_value(json.dumps([record.get('action_id')], separators=(',', ':')))
                # The restore's scope goes with it: a follow without its endpoint_id records an every-endpoint action.
                scope = ''.join(f' {name}={line_value(str(record[name]))}' for name in ('endpoint_id', 'incident_id')
                                if str(record.get(name) or '').strip())
                commands.append(f'!{XDR_COMMAND} file_hash={line_value(str(record.get("file_hash")))} '
                                f'action_id={action_ids}{scope}')
    return commands


''' COMMAND '''


def second_try(started: list[Any], by: str, earlier: Sequence[dict[str, Any]], hosts: list[Any]) -> str:
    """What the started line adds for the files (by ``by``, on ``hosts``, if any) an earlier HSS restore of this
    incident left failed or restoring (``earlier``: its rows): sent again as no check found them restored since (the
    gate sends again such a copy HSS lists isolated, or whose read fails), a second try, which the analyst must tell
    from a first one, as the playbook's summary says to fix the cause before restoring again."""
    left = {}
    for value in started:
        rows = [row for row in earlier if str(row.get(by) or '').lower() == str(value).lower()
                and row.get('outcome') in HSS_LEFT_UNRESTORED and (not hosts or row.get('host_id') in hosts)]
        left.update({value: rows} if rows else {})
    if not left:
        return ''
    whom = 'It is' if len(started) == 1 else f'For {", ".join(code_span(text_of(value)) for value in left)} it is'
    what = ', '.join(dict.fromkeys(f'{row["outcome"]} on {shown_as_is(row.get("host_name") or row.get("host_id"))}'
                                   for rows in left.values() for row in rows))
    return (f' {whom} a second try: an earlier restore in this incident (the playbook\'s, or an earlier close\'s) left '
            f'it {what}, and no check found it restored since (HSS lists it isolated, or its status could not be '
            'read), so the close sends it again. If it fails the same way, fix first what that restore\'s reason names '
            f'({HSS_RECORDS}).')


def start(execute: Execute, command: str, args: dict[str, Any], records_path: str,
          kept: list[str], earlier: Sequence[dict[str, Any]] = ()) -> tuple[list[str], list[str]]:
    """One restore command, without polling: (what the note says about it, the follow-up commands); ``kept``: see
    by_hand_text; ``earlier``: the HSS rows an earlier restore of the incident left (second_try)."""
    entries = execute(command, dict(args, polling='false')) or []
    errors = [entry_text(e) for e in entries if isinstance(e, dict) and e.get('Type') == ENTRY_TYPE_ERROR]
    if errors and next(records_in(entries, records_path), None) is None:  # with records: each file's line below
        line = f'`!{command}` could not start: {shown_as_is(" ".join(errors[0].split()))}'
        when = '' if NOT_RUN in errors[0] else ' once that is fixed'
        return [line, f'To restore by hand{when}: {by_hand_text(command, args, kept)}'], []
    follows = follow_commands(entries, records_path)
    by = 'file_hash' if args.get('file_hash') else 'file_path'  # an HSS restore by host and path names no hash
    misses = xdr_misses(entries) if records_path == XDR_RECORDS else hss_misses(entries, by)
    missed = {value for value, whole, *_ in misses if whole}
    started = [value for value in as_list(args.get(by)) if str(value).lower() not in missed and value not in missed]
    started_text = ', '.join(code_span(text_of(value)) for value in started) or 'the files'
    again = second_try(started, by, earlier, as_list(args.get('host_id')))
    lines = [f'`!{command}` started for {started_text}.{again}'] if started or not misses else []
    # Not restored: the vendor refused it, or it never reached the vendor (throttled, no turn in time: the reason says)
    # A message that names the file (Cortex XDR's 500 names the hash) is one reason for each file, the file taken out
    empty = {str(record.get('file_hash')) for record in records_in(entries, XDR_RECORDS)
             if str(record.get('endpoints_count')) == '0'}  # an action that included no endpoint
    groups = {}
    for value, _, said, reason, name, project in misses:
        reason = ' '.join(reason.split())
        shared = re.sub(re.escape(value), f'<{by}>', reason, flags=re.IGNORECASE) if value else reason
        groups.setdefault((said, shared, project), {})[value] = (name, reason)
    for (said, shared, project), found in groups.items():
        names = {value: name for value, (name, _) in found.items()}
        reason = next(iter(found.values()))[1] if len(found) == 1 else shared
        advice = XDR_LOOK_FIRST if said.startswith('may') else 'To restore by hand once that is fixed'
        again = {**args, by: list(names), 'enterprise_project_id': project}  # Cortex XDR's project '' is left out
        how_many = f'{len(names)} files: ' if len(names) > 1 else ''
        missed = f'`!{command}` {said} {how_many}{capped(list(names.values()))}: {shown_as_is(reason)}'
        no_copy = XDR_NO_COPY in reason.lower() or set(names) <= empty
        if records_path == XDR_RECORDS and not said.startswith('may') and no_copy:
            lines.append(f'{missed} {XDR_NO_COPY_ADVICE}')
        else:
            lines.append(f'{missed} {advice}: {by_hand_text(command, again, kept)}')
    lines += [f'`!{command}` was refused by an identity policy: {shown_as_is(" ".join(refusal.split()))}'
              for refusal in policy_refusals(entries)]
    return lines, follows


def by_hand_command(command: str, args: dict[str, Any]) -> str:
    return '!' + command + ''.join(f' {k}={list_value(v)}' for k, v in args.items() if v)


def by_hand_text(command: str, args: dict[str, Any], kept: list[str]) -> str:
    """The by-hand command of a restore, in a code span; on several hosts past MAX_DETAIL_ROWS file-host pairs, as
    held_line gives it: how many hosts, MAX_LISTED named, and the command for one to fill in, the whole one added to
    ``kept`` (the note's BY_HAND_KEY)."""
    hosts = as_list(args.get('host_id'))
    if len(hosts) < 2 or len(hosts) * len(as_list(args.get('file_hash') or args.get('file_path'))) <= MAX_DETAIL_ROWS:
        return code_span(by_hand_command(command, args))
    kept.append(by_hand_command(command, args))
    return (f'{code_span(by_hand_command(command, {**args, "host_id": "<host_id>"}))} on each of its {len(hosts):,} '
            f'hosts ({capped(hosts)}; {BY_HAND_KEY}.by_hand has the command for all of them at once)')


def on_close_command(args: dict[str, Any], incident: dict[str, Any], context: dict[str, Any],
                     execute: Execute, debug: Callable[[str], Any] = lambda text: None) -> Entry:
    """The note the close gets; never an error entry (that would block the close). ``debug``: where a fault's
    traceback goes (demisto.debug), as the note gives only its one line."""
    fields = incident_fields(incident)
    if not is_false_positive(args, fields):
        return note(not_restored_text(args, fields))
    restore_suspicious = str(args.get('restoreSuspicious') or 'false').lower() == 'true'
    lines, follows, kept = [], [], []
    kinds = vendors_of(fields, context)
    for kind in kinds:
        try:  # a fault in one vendor's part is a line of its own: the other's may have started a restore already
            said, more = (xdr_restores if kind == 'xdr' else hss_restores)(execute, fields, context, restore_suspicious,
                                                                           kept)
        except Exception as error:  # noqa: BLE001 - an error entry would block the close
            vendor, by_hand = FAILED_PARTS[kind]
            debug_quietly(debug)
            said, more = [f'{vendor}: this script stopped on an error it did not expect ({fault_words(error)}), so '
                          f'whether its restore went out is not known. {by_hand}'], []
        lines, follows = lines + said, follows + more
    if not kinds:
        lines.append('The incident holds no Cortex XDR or Huawei Cloud HSS data (its type names neither; XDR Incident '
                     'ID, XDR File Artifacts and Huawei HSS Alarm ID are empty), so nothing was restored. If a file '
                     f'was quarantined, restore it by hand: `!{XDR_COMMAND} file_hash=<sha256>` (Cortex XDR) or '
                     f'`!{HSS_COMMAND} host_id=<host_id> file_hash=<sha256>` (Huawei Cloud HSS).')
    bullets = [f'- {line}' for line in lines]
    if follows:  # the commands, a list nested in the item that leads them in (indented to its content: CommonMark 5.2)
        bullets.append('- To follow each restore to its end, run in this war room:')
        bullets += [f'  - {code_span(command)}' for command in follows]
    entry = note('\n'.join(bullets))
    return dict(entry, EntryContext={f'{BY_HAND_KEY}(true)': {'by_hand': kept}}) if kept else entry


def not_restored_text(args: dict[str, Any], fields: dict[str, Any]) -> str:
    """Why a close restores nothing: its reason; with none, the Cortex XDR status that then decided, if it has one."""
    reason = close_reason(args, fields)
    if reason:
        stale = (f" Cortex XDR's mirrored status, `{XDR_FALSE_POSITIVE_STATUS}`, decides only a close that gives no "
                 'reason.') if xdr_says_false_positive(fields) else ''
        return (f'The incident was closed as "{shown_as_is(reason)}", not as a false positive: no file was '
                f'restored.{stale}')
    status = str(fields.get('xdrstatusv2') or '').strip()
    if status:
        return (f'The incident was closed with no close reason, not as a false positive: its Cortex XDR status, which '
                f'decides then, is {code_span(status)}, not `{XDR_FALSE_POSITIVE_STATUS}`. No file was restored.')
    return 'The incident was closed with no close reason, not as a false positive: no file was restored.'


def xdr_restores(execute: Execute, fields: dict[str, Any], context: dict[str, Any], restore_suspicious: bool,
                 kept: list[str]) -> tuple[list[str], list[str]]:
    """A Cortex XDR incident's restore: (the note's lines, the follow commands)."""
    named, problem = xdr_hashes(fields, context), None
    if not named and xdr_incident_id(fields):
        named, problem = artifacts_from_cortex_xdr(execute, xdr_incident_id(fields))
    earlier = [record for record in lookup(context, XDR_RECORDS) if isinstance(record, dict)]
    scope = {'incident_id': xdr_incident_id(fields)}  # the by-hand command of a held file restores under it too
    hashes, held, _ = screen(execute, named, restore_suspicious, XDR_COMMAND, kept, scope, restored=earlier)
    lines = refused_incident_id(fields) + ([problem] if problem else []) + held
    if hashes:
        xdr_args = {'file_hash': hashes}
        if xdr_incident_id(fields):
            xdr_args['incident_id'] = xdr_incident_id(fields)
        said, follows = start(execute, XDR_COMMAND, xdr_args, XDR_RECORDS, kept)
        return lines + said, follows
    if not held and not problem:
        lines.append('Cortex XDR: neither the incident nor Cortex XDR names a SHA256 (File SHA256, XDR File '
                     'Artifacts, the incident\'s file artifacts), so nothing was started. If a file was '
                     f'quarantined, find its SHA256 in Cortex XDR and run `!{XDR_COMMAND} file_hash=<sha256>`.')
    return lines, []


def hss_restores(execute: Execute, fields: dict[str, Any], context: dict[str, Any], restore_suspicious: bool,
                 kept: list[str]) -> tuple[list[str], list[str]]:
    """An HSS incident's restores: (the note's lines, the follow commands). By SHA256 on the incident's host; with no
    SHA256, by host and path (every file of the event: the pack's multi select field; else the one File Path), each
    path on the incident's hosts HSS lists it isolated on, as the playbook restores it. Either way a file an earlier
    restore covers is not sent again, and every file goes through the reputation check first (for a path, the hashes
    the context knows for it)."""
    host_ids = present(fields.get('huaweihsshostid'))
    scope = {'host_id': host_ids} if host_ids else {}
    named = unique_hashes(as_list(fields.get('filesha256')))
    named_paths = []
    if not named and host_ids:
        named_paths = present(fields.get('huaweihssfilepaths')) or present(fields.get('filepath'))
    # The gate judges the records an earlier restore left, as it does for the playbook and for Cortex XDR's records
    earlier = [row for row in lookup(context, HSS_RECORDS) if isinstance(row, dict)]
    hashes, lines, paths = screen(execute, named, restore_suspicious, HSS_COMMAND, kept, scope, named_paths, earlier)
    if hashes or paths:
        # the incident's host and path fields do not pair: each path on the hosts HSS lists it isolated on, as a hash
        # is (one host pairs with every path alike, and its by-hand command says no more)
        by_path = {'file_path': paths, **({'pair_by_position': 'false'} if len(host_ids) > 1 else {})}
        hss_args = dict(scope, **({'file_hash': hashes} if hashes else by_path))
        said, follows = start(execute, HSS_COMMAND, hss_args, HSS_RECORDS, kept, earlier)
        return lines + said, follows
    if not lines:
        lines.append('Huawei Cloud HSS: the incident names no SHA256 (File SHA256) and no host with a path (Huawei '
                     'HSS Host ID, with Huawei HSS File Paths or File Path), so nothing was started. If HSS isolated a '
                     'file, find its host ID and SHA256 in the HSS console and run '
                     f'`!{HSS_COMMAND} host_id=<host_id> file_hash=<sha256>`.')
    return lines, []


def debug_quietly(debug: Callable[[str], Any]) -> None:
    """The traceback of the exception being handled, to the debug log; logging is best effort."""
    try:
        debug(traceback.format_exc())
    except Exception:  # noqa: BLE001 - a log that fails must not replace the note
        pass


def fault_words(error: Exception) -> str:
    """An error this script did not expect, in words for its note: its own text (a server's message kept whole), or
    the key it found no value for; never Python's name for the error, which tells an analyst nothing. The debug log
    has the traceback (debug_quietly)."""
    if isinstance(error, KeyError) and error.args:
        said = f'it found no value for {shown_as_is(" ".join(text_of(error.args[0]).split()))}'
    else:
        said = shown_as_is(' '.join(str(error).split())) or 'it gave no reason'
    return f'{said}; the script\'s debug log holds the details'


def note(text: str) -> Entry:
    return {'Type': ENTRY_TYPE_NOTE, 'ContentsFormat': 'markdown', 'Contents': f'### {TITLE}\n{text}',
            'HumanReadable': f'### {TITLE}\n{text}', 'ReadableContentsFormat': 'markdown', 'Note': True}


''' MAIN '''


def main(demisto_obj: Any = None) -> None:
    """Entry point: XSOAR runs it with its global ``demisto`` when the incident closes; the war room passes its own.
    Whatever happens, the close goes on: a failure is a note."""
    started = time.monotonic()
    runtime = demisto_obj if demisto_obj is not None else globals()['demisto']
    try:
        pinned = on_own_integration(runtime.executeCommand)
        execute = in_time(failed_calls_as_entries(pinned), timeout_of(runtime), started)
        entry = on_close_command(runtime.args() or {}, runtime.incident() or {}, runtime.context() or {}, execute,
                                 runtime.debug)
    except Exception as error:  # noqa: BLE001 - an error entry would block the close: a note instead
        debug_quietly(runtime.debug)
        entry = note(f'- The restore could not be started: this script stopped on an error it did not expect '
                     f'({fault_words(error)}). Run the "Quarantine Restore - False Positive" playbook on this '
                     f'incident, or `!{XDR_COMMAND}` / `!{HSS_COMMAND}` by hand.')
    runtime.results(entry)


if __name__ in ('__main__', '__builtin__', 'builtins'):
    main()
