"""QuarantineRestoreReputationGate: which files may be restored automatically, by what XSOAR knows of them.

A close reason is a human judgement; a file that XSOAR's threat intelligence scores as malicious is not given back
without a second look. The script reads ``DBotScore`` for each SHA256 (the highest score any source gave, and who
gave it): malicious (3) is held back, suspicious (2) too unless ``restore_suspicious`` is true; unknown (0) and
benign (1) pass (each score named by the verdict XSOAR shows for it; the note names each unknown one: unknown_lines).
A reputation command run on a file's MD5 or SHA1
records its score under that hash, while the ``File`` entry it writes holds the file's hashes together (as keys, and
in its ``Hashes`` list): so a score is read under the SHA256 or any hash a ``File`` entry of that SHA256 gives it, and
a ``File`` entry marked ``Malicious`` holds the file as malicious even without a score. It writes
``QuarantineRestore.Gate.allowed`` (what the playbook restores) and ``.held`` (each
held file, its score, who scored it and under which hash, kept beside what earlier runs held), and a note naming
every held file with the command that restores it by hand (past MAX_DETAIL_ROWS held file-endpoint or file-host pairs,
a line names MAX_LISTED of its endpoints or hosts and gives the command for one, to fill in: ``held.by_hand`` keeps
every command).

A restore by host and path (``file_path``, with ``host_id``) names no hash: the file at each path is known by the
``File`` entries whose ``Path`` (or ``Path`` and ``Name``) is that path, Windows paths compared without case. The
script asks ``!file`` about their hashes itself (only it knows them; an error, when no reputation integration is
enabled, is read as nothing known), then holds the path as it would hold the file; a path no entry names is an
unknown file, and passes. ``QuarantineRestore.Gate.allowed_paths`` is what the playbook restores by path. Each held
file's command (``held.by_hand``) keeps the restore's scope: its ``host_id`` or ``endpoint_id``.

``restored_before`` (the CortexXDR.RestoredFile records an earlier run left) keeps a playbook run again on a reopened
incident from sending restore-file for a file an earlier one of the same scope gave back or still runs (a record
that says IN_PROGRESS is read again with restore-file, without polling; one not read again is not sent either, and
the note says why, with the check to run first), or may have started (its record's
may_have_started: the note says to look in the Action Center first): neither allowed nor held,
the note names it and the command that restores it by hand. With hss-restore-isolated, the HuaweiHSS.RestoredFile
records do the same for a file (or path) whose every copy they name on the restore's host was restored, or is still
restoring (a record that says restoring, or failed, is read again with hss-restore-isolated, as a check: no restore
sent; one restoring not read again, its state unknown, is not sent blind: the note says why, with the check to run
first). Only
a file the reputation check lets through is read again: a held one is held whatever an earlier restore left. The
on-close script hands its records of either vendor in too, and writes those lines (``Contents.not_sent``) in its own
note.

Runs in XSOAR's stock python3 image (standard library only). Layout, as the pack's other scripts: constants,
pure helpers, ``gate_command(args, context, execute=None)``, ``main(demisto_obj=None)``.
"""
import json
import re
import time
import traceback
from typing import Any, Callable, NamedTuple, Sequence

''' CONSTANTS '''

SHA256 = re.compile(r'[0-9a-fA-F]{64}')
SCORE_BAD = 3
SCORE_SUSPICIOUS = 2
# Each score by the verdict XSOAR shows for it (its Indicator Verdict page: Unknown, Benign, Suspicious, Malicious)
SCORE_NAMES = {0: 'unknown', 1: 'benign', 2: 'suspicious', 3: 'malicious'}
VERDICT_UNREADABLE = 'unreadable'  # a score for the file that is not 0 to 3
# A File entry's hashes that name one file: those XSOAR itself tells File entries apart by (the DT of
# CommonServerPython's Common.File.CONTEXT_PATH), spelled as Common.File.to_context writes them, as keys and as
# Hashes list types.
HASH_KEYS = ('SHA256', 'MD5', 'SHA1', 'SHA512', 'SSDeep', 'CTPH', 'CRC32')
HASH_KINDS = {kind.upper(): kind for kind in HASH_KEYS}
BY_MALICIOUS = 'File.Malicious'  # scored_as for a source whose verdict is only a File entry's Malicious
RESTORE_COMMANDS = ('restore-file', 'hss-restore-isolated')
OWN_BRAND = 'Quarantine Restore'  # integration.yml commonfields.id: the brand that runs those commands
FILE_COMMAND = 'file'  # XSOAR's generic reputation command: every enabled file reputation integration answers
WINDOWS_PATH = re.compile(r'^[A-Za-z]:|\\')  # a drive letter, or a backslash anywhere (a UNC name too)
# (true): each run replaces the last one's verdict. Appended, an earlier run's allowed list would still be read by
# the playbooks (QuarantineRestore.Gate.allowed) after this run held the same file back.
GATE_CONTEXT_KEY = 'QuarantineRestore.Gate(true)'
# What each run held back is kept beside the others' (a close of an incident with both vendors' files runs the gate
# once per vendor): one item per command and file (or path), which a later run holding the same file again (a
# re-close) updates. The (true) key above leaves it out, so its update keeps it.
HELD_CONTEXT_KEY = ('QuarantineRestore.Gate.held(val.restore_command == obj.restore_command && '
                    'val.file_hash == obj.file_hash && val.file_path == obj.file_path)')
# restore-file's status of an action that put the file back (on every endpoint, or on some: the others' reasons are in
# its record and the summary note), or still runs. Sent again on a reopened incident, Cortex XDR would refuse it (no
# copy left) or run a second action for nothing, or (on some) fail again where its cause is not fixed.
XDR_DONE_STATUSES = ('COMPLETED_SUCCESSFULLY', 'COMPLETED_WITH_FAILURES', 'IN_PROGRESS')
# Where that action failed the file is still quarantined, and a restore without endpoint_id runs on "all endpoints which
# relate to the quarantined file" (the seed): the by-hand command gives it back there.
XDR_LEFT_QUARANTINED = ('It is still quarantined on each endpoint that restore failed on: once the cause is fixed, '
                        'restore it by hand')
# Cortex XDR's words for a restore it refused as no endpoint asked holds the file quarantined; one it accepted as an
# action including no endpoint (endpoints_count 0) is alike. Such a record, after an earlier restore of the same file
# and scope, only confirms that restore gave the file back: it does not take that restore's place (restored_before).
XDR_NO_COPY = 'no quarantined file'
# restored_before keeps such a later record beside the earlier one's, under this key: where the earlier restore failed,
# the file is no longer quarantined (given back by hand in Cortex XDR, or deleted), all that is known (left_where).
XDR_FOUND_NO_COPY_SINCE = 'found_no_copy_since'
XDR_RECORDS = 'CortexXDR.RestoredFile'
XDR_TEXT_FIELDS = ('file_hash', 'endpoint_id', 'action_id')  # read as text: one of another kind is read as not there
# A restore restore-file could not follow though Cortex XDR may have carried it out (its record's may_have_started):
# sent again blind, it would be refused should that restore have given the file back (no copy left), and its note
# would call the restore not started. The record's own advice holds: the Action Center first.
XDR_MAY_HAVE_STARTED = ('may have started it, though restore-file could not follow it (its record says '
                        'may_have_started): sent again, Cortex XDR would refuse it should that restore have given the '
                        'file back')
QUARANTINED_AGAIN = 'If the file was quarantined again since, restore it by hand'  # a file an earlier restore gave back
HSS_ISOLATED_AGAIN = 'If HSS lists it isolated again, restore it by hand'  # HSS's word, as the summary note's
XDR_LOOK_FIRST = ('Look for the file in Cortex XDR > Response > Action Center first; where no action gave it back, '
                  'restore it by hand')
HSS_RECORDS = 'HuaweiHSS.RestoredFile'
# hss-restore-isolated's outcome of a copy HSS lists restored. Sent again, HSS would find no isolated copy (not_found).
# A copy left restoring (polling ran out; the on-close script cannot poll) is read again first: one HSS still lists
# restoring is not sent again either, nor one not read again (HSS may have restored it: the note gives the check);
# one isolated again may be isolated still: sent again. So is a copy left failed, read again first too: a restore whose
# answers were lost is failed though HSS may have taken it (then restoring or restored: not sent again).
HSS_RESTORED = 'restored'
HSS_RESTORING = 'restoring'
HSS_READ_AGAIN = (HSS_RESTORING, 'failed')  # the outcomes of a copy read again before it is sent again
HSS_COPY_FIELDS = ('host_id', 'file_hash', 'file_path')  # a copy: hss-restore-isolated's exact item, and its DT key
HSS_NOT_FOUND = 'not_found'  # the outcome of a hash or path with no copy: its record (no path, when by hash) is none
# Why a copy was not read again: its row names too little for any check hss-restore-isolated takes (hss_checks).
HSS_UNREADABLE = ('its record names too little to read it by: a file_path without its host_id, or neither a file_hash '
                  'nor a file_path')
# The restore_state of a check (no PUT) of copies an earlier restore left restoring or failed: when HSS took that
# restore is not in their rows, so any change of a copy counts as its (accepted at 0): a copy listed isolated now reads
# failed.
HSS_ANY_CHANGE_STATE = '0000000000000::0'
# Why the command that follows such copies is not the one the restore's entry gave: the note says so beside it.
HSS_STATE_NOT_KEPT = ("its all-zero restore_state follows any change HSS lists for the copy, whichever restore "
                      "started it, so the restore's own restore_state is not needed")
# XSOAR stops this script at its timeout, its executeCommand calls included (TimeoutDuration in the calling context,
# nanoseconds, else the 5 minutes CommonServerPython's content_profiler assumes), and nothing it returns then arrives.
# A status read again (a restore command, which may take XSOAR's 3-minute command timeout when the vendor throttles;
# one per endpoint given) starts only while it can end in time, with a few seconds left for the entry: a read not run
# leaves its record as it was, as one that failed does, and its line says so (NO_TIME_LEFT).
XSOAR_SCRIPT_TIMEOUT_SECONDS = 300
CALL_SECONDS = 180
ENTRY_SECONDS = 10
NO_TIME_LEFT = 'no time was left'  # how a read reads_in_time did not start begins; the note says why
MAX_REASON = 500  # characters of a failed read's error the note quotes
# Readable at any scale, as the summary's note: past MAX_DETAIL_ROWS lines about endpoints (a restore limited to many),
# the endpoints alike (one file covered alike, or the same files left out) share one line, which names MAX_LISTED and
# gives the command for one, to fill in (covered.by_hand keeps each: restore-file's endpoint_id takes one); past
# MAX_DETAIL_ROWS endpoints, the first line names MAX_LISTED of them.
# Past MAX_DETAIL_ROWS held file-endpoint (or file-host) pairs, a held file's line names MAX_LISTED of its endpoints or
# hosts and gives its command for one, to fill in: the context's held.by_hand keeps every command.
MAX_DETAIL_ROWS = 50
MAX_LISTED = 20
# README's policy for a file let through with a score of 0 (Unknown): restored, as no input holds such a file back.
UNKNOWN_RESTORED = ('Unknown files are restored: the check holds back a file scored malicious, or suspicious unless '
                    'RestoreSuspicious is true, and no input holds back an unknown one.')
ENTRY_TYPE_NOTE = 1
ENTRY_TYPE_ERROR = 4

Entry = dict[str, Any]  # an XSOAR entry: demisto.results takes one, demisto.executeCommand returns a list of them
Execute = Callable[[str, dict[str, Any]], list[Entry] | None]  # demisto.executeCommand(command, args)
Verdict = tuple[int, dict[str, str], dict[str, str]]  # (score, {source: how found}, {unreadable source: how found})
Copy = tuple[str, str, str]  # an isolated copy: (host_id, file_hash in lower case, file_path)


class GateError(Exception):
    """An argument the script cannot work with; the message says what to give instead."""


class FileEntry(NamedTuple):
    """A File entry as the gate reads it, once a run: the gate judges each file against every entry (the playbook's
    !file writes one per file), and reading each again for every file would take time in the square of their number."""
    entry: dict[str, Any]
    hashes: dict[str, str]  # hashes_of(entry)
    sha256: frozenset[str]  # its SHA256 values
    paths: frozenset[str]  # entry_paths(entry)


class Score(NamedTuple):
    """A DBotScore as the gate reads it, once a run (as FileEntry): the object, and the indicators it names."""
    score: dict[str, Any]
    indicators: list[str]  # its Indicator's text values (as_list_of_values), lower case


''' HELPERS '''


def as_list(value: Any) -> list[Any]:
    if value is None or value == '':
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith('['):
            try:
                return as_list(json.loads(text))
            except (ValueError, RecursionError):  # Recursion: nested past what json reads
                pass
        return [part.strip() for part in text.split(',') if part.strip()]
    return value if isinstance(value, list) else [value]


def is_blank(value: Any) -> bool:
    """Nothing, text of blanks only, or a list or object of such values: XSOAR keeps a field an analyst or a mapper
    emptied as empty text or a list holding it (a grid, as a row of empty cells)."""
    if isinstance(value, (list, dict)):
        return all(is_blank(item) for item in (value.values() if isinstance(value, dict) else value))
    return value is None or isinstance(value, str) and not value.strip()


def text_items(value: Any, name: str, takes: str) -> list[str]:
    """A list argument's items as text, blanks left out (is_blank); an object or list refused by JSON kind, as JSON."""
    items = [item for item in as_list(value) if not is_blank(item)]
    for item in items:
        if isinstance(item, (dict, list)):
            raise GateError(f'{name} takes {takes}; got {json_kind(item)}, {json.dumps(item)[:80]}.')
    return [str(item) for item in items]


def sha256_list(value: Any) -> list[str]:
    """The SHA256 values given (text_items), each once, in lower case; anything not a SHA256 refused."""
    hashes = [item.strip().lower() for item in text_items(value, 'file_hash', 'SHA256 values (text)')]
    for text in hashes:
        if not SHA256.fullmatch(text):
            raise GateError(f'file_hash takes SHA256 values (64 hexadecimal characters); got '
                            f'{json.dumps(text[:80], ensure_ascii=False)}.')
    return list(dict.fromkeys(hashes))


def path_list(value: Any) -> list[str]:
    """The paths a restore by host and path gives back (file_path): text_items, each once, as given: HSS lists a path
    as it is, and one may end with a blank (a by-hand command gives such a path in the JSON list form)."""
    return list(dict.fromkeys(text_items(value, 'file_path', 'file paths (text)')))


def path_key(text: str) -> str:
    """A path as the gate compares it: a Windows path (a drive letter, a UNC name or a backslash in it) without case
    and with / read as \\, as Windows compares them; any other exactly. Blanks at the ends are not compared: a File
    entry that names a path with or without them holds it (held twice rather than let through)."""
    text = str(text).strip()
    return text.replace('/', '\\').lower() if WINDOWS_PATH.search(text) else text


def entry_paths(entry: dict[str, Any]) -> set[str]:
    """The paths a File entry names (compared as path_key gives them): its Path, and its Path joined with its Name, as
    integrations write a file's folder in Path and its name in Name."""
    folders = [str(item).strip() for item in as_list_of_values(entry.get('Path'))]
    names = [str(item).strip().lstrip('\\/') for item in as_list_of_values(entry.get('Name'))]
    found = {path_key(folder) for folder in folders}
    for folder in folders:
        separator = '\\' if WINDOWS_PATH.search(folder) else '/'
        found.update(path_key(folder.rstrip('\\/') + separator + name) for name in names if name)
    return found


def as_list_of_values(value: Any) -> list[Any]:
    """A File entry field's text values: one, or a list of them in messy context."""
    return [item for item in (value if isinstance(value, list) else [value])
            if item is not None and not isinstance(item, (dict, list)) and str(item).strip()]


def line_value(text: str) -> str:
    """A value as a war-room line takes it: bare when it can be, else raw in backticks, else in double quotes."""
    if text and not any(char.isspace() or char in '"`' for char in text):
        return text
    if '`' not in text:
        return f'`{text}`'
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'


def list_value(values: list[str]) -> str:
    """A list argument as a war-room line takes it: comma-separated when no item holds a comma, starts with '[' or
    has a blank at either end (comma text is stripped; a path may end with a blank), else the JSON list form. Each
    script carries its own copy: an XSOAR automation script runs alone."""
    items = [str(value) for value in values]
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


def objects_of(context: dict[str, Any] | None, key: str, given: Any, argument: str) -> list[dict[str, Any]]:
    """Every object of the context under ``key`` (DBotScore, File: one, or a list of them), and those given as an
    argument (a playbook with a context of its own passes the incident's), as a list of dicts."""
    return objects_in((context or {}).get(key), key, key) + objects_in(given, key, argument)


def objects_in(value: Any, key: str, where: str) -> list[dict[str, Any]]:
    """The objects ``value`` holds: an object, JSON text of one, or a list of them (lists within lists too). Anything
    else is refused: skipped, it might have been the score that holds a file back."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else None
        except (ValueError, RecursionError):  # Recursion: nested past what json reads
            raise GateError(f'{where} must be {key} objects (JSON), as XSOAR keeps them in context.') from None
    if value is None or isinstance(value, dict):
        return [value] if value else []
    if isinstance(value, list):
        return [item for part in value for item in objects_in(part, key, where)]
    raise GateError(f'{where} must be {key} objects (JSON), as XSOAR keeps them in context; it holds '
                    f'{json_kind(value)}, {json.dumps(value)[:40]}.')


def json_kind(value: Any) -> str:
    """A value's kind as JSON, in which XSOAR hands arguments, settings and replies, names it (not Python's dict)."""
    kinds = {dict: 'an object', list: 'a list', bool: 'a boolean', int: 'a number', float: 'a number', str: 'text'}
    return 'null' if value is None else kinds.get(type(value), type(value).__name__)


def score_value(raw: Any) -> int | None:
    """A DBotScore Score as 0 to 3 (a number or its text, "3.0" too; none given is 0), or None when it is not one."""
    if raw is None or raw == '':
        return 0
    try:
        value = float(str(raw).strip())
    except ValueError:
        return None
    return int(value) if value.is_integer() and 0 <= value <= SCORE_BAD else None


def hashes_of(entry: dict[str, Any]) -> dict[str, str]:
    """A File entry's hashes, lower case, each with its kind: {value: 'MD5', ...}. Common.File.to_context writes each
    hash as a key and as a {type, value} item of the entry's Hashes list, and a hash given through its hashes argument
    (Common.Hash) in that list only."""
    found = {}
    pairs = [(kind, entry.get(kind)) for kind in HASH_KEYS]
    pairs += [(item.get('type'), item.get('value')) for item in hashes_list(entry.get('Hashes'))]
    for kind, value in pairs:
        kind = HASH_KINDS.get(str(kind).strip().upper())  # an Imphash, or a type of its own, names no one file
        for item in value if isinstance(value, list) else [value]:  # a list of them in messy context
            text = item.strip().lower() if isinstance(item, str) else ''
            if kind and text:
                found.setdefault(text, kind)
    return found


def hashes_list(value: Any) -> list[dict[str, Any]]:
    """A File entry's Hashes: {type, value} items. Anything else is refused: skipped, it might have been the hash that
    links the file to its malicious score."""
    items = [] if value is None or value == '' else value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, dict):
            raise GateError(f'File.Hashes must be a list of {{"type", "value"}} objects, as CommonServerPython\'s '
                            f'Common.File writes it; it holds {json_kind(item)}, {json.dumps(item)[:40]}.')
    return items


def file_entries(files: list[dict[str, Any]]) -> list[FileEntry]:
    found = []
    for entry in files:
        hashes = hashes_of(entry)
        found.append(FileEntry(entry, hashes, frozenset(value for value, kind in hashes.items() if kind == 'SHA256'),
                               frozenset(entry_paths(entry))))
    return found


def dbot_scores(scores: list[dict[str, Any]]) -> list[Score]:
    return [Score(score, [str(item).strip().lower() for item in as_list_of_values(score.get('Indicator'))])
            for score in scores]


def aliases(files: list[FileEntry], sha256s: list[str],
            seeds: Sequence[FileEntry] = ()) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """(the File entries of the file, its hashes {value: kind}): ``seeds`` (the entries a path names) and the entries
    whose SHA256 is one of ``sha256s`` or a linked entry's, and those with no SHA256 that share one of its other hashes
    (an enrichment that knew only the MD5), until no entry is added. An entry with another SHA256 is another file,
    whatever else it shares; one that shares a hash with a file whose SHA256 nothing gives is linked, SHA256 and all."""
    linked, known = [seed.entry for seed in seeds], {value: 'SHA256' for value in sha256s}
    seen = {id(entry) for entry in linked}
    for seed in seeds:
        for value, kind in seed.hashes.items():
            known.setdefault(value, kind)
    targets = {value for value, kind in known.items() if kind == 'SHA256'}
    added = True
    while added:
        added = False
        for entry, hashes, sha256, _ in files:
            if id(entry) in seen:
                continue
            if not sha256 & targets and ((sha256 and targets) or known.keys().isdisjoint(hashes)):
                continue
            linked.append(entry)
            seen.add(id(entry))
            added = True
            targets |= sha256
            for value, kind in hashes.items():
                known.setdefault(value, kind)
    return linked, known


def malicious_vendors(value: Any) -> list[str]:
    """The vendors a File entry's ``Malicious`` names ('' for one that names none); none when it is empty or absent."""
    return [str(item.get('Vendor') or '').strip() if isinstance(item, dict) else ''
            for item in (value if isinstance(value, list) else [value]) if item]


def reputation(scores: list[Score], files: list[FileEntry], file_hash: str) -> Verdict:
    """(the highest score any source gave the file, {source: how it was found} for the sources that gave it,
    {source: how it was found} for those whose score cannot be read). How: 'SHA256', or '<kind> <value>' for a score
    recorded under another hash of the file, or File.Malicious for a File entry marked malicious without a score."""
    linked, known = aliases(files, [file_hash])
    return verdict(scores, linked, known, file_hash)


def verdict(scores: list[Score], linked: list[dict[str, Any]], known: dict[str, str],
            file_hash: str | None = None) -> Verdict:
    """reputation's answer for a file of those File entries and hashes; a score under ``file_hash`` is found as
    'SHA256', any other as '<kind> <value>' (a file known by its path has every hash named)."""
    best, sources, unreadable = 0, {}, {}
    for score, named_indicators in scores:
        # An Indicator (or a Score) that holds a list: each indicator of the file takes the highest of the scores.
        indicators = [indicator for indicator in named_indicators if indicator in known]
        if not indicators:
            continue
        indicator = file_hash if file_hash in indicators else indicators[0]
        how = 'SHA256' if indicator == file_hash else f'{known[indicator]} {indicator}'
        raw = score.get('Score')
        values = [score_value(item) for item in (raw if isinstance(raw, list) and raw else [raw])]
        vendor = ', '.join(text_of(v) for v in (score.get('Vendor') if isinstance(score.get('Vendor'), list)
                                                else [score.get('Vendor')]) if v)
        if None in values:  # held for it; a readable score beside it in a list still counts as itself
            keep(unreadable, f'{vendor or "a reputation source"} (score {json.dumps(raw, ensure_ascii=False)})', how)
            values = [value for value in values if value is not None]
            if not values:
                continue
        value = max(values)
        if value > best:
            best, sources = value, {}
        if value == best and vendor:  # of 0 too: the note names who knew the file as unknown (unknown_lines)
            keep(sources, vendor, how)
    for entry in linked:
        for vendor in malicious_vendors(entry.get('Malicious')):
            if best < SCORE_BAD:
                best, sources = SCORE_BAD, {}
            if vendor:
                sources.setdefault(vendor, BY_MALICIOUS)
    return best, sources, unreadable


def keep(sources: dict[str, str], source: str, how: str) -> None:
    """Notes how a source's verdict was found: a score under the SHA256 itself wins over one under another hash."""
    if how == 'SHA256' or source not in sources:
        sources[source] = how


def named(sources: dict[str, str]) -> str:
    """Each source as the note names it: with the hash its verdict was recorded under when that is not the SHA256."""
    texts = []
    for source, how in sources.items():
        if how == BY_MALICIOUS:
            texts.append(f'{shown_as_is(source)} (its File entry is marked Malicious)')
        elif how != 'SHA256':
            kind, value = how.split(' ', 1)
            texts.append(f'{shown_as_is(source)} (under its {kind} {code_span(value)})')
        else:
            texts.append(shown_as_is(source))
    return ', '.join(texts) or 'a reputation source'


''' COMMAND '''


def scope_of(args: dict[str, Any], command: str) -> dict[str, list[str]]:
    """The arguments that limit the restore the note's by-hand command stands for: host_id for hss-restore-isolated,
    endpoint_id for restore-file. Left out, that command would restore the file on every host or endpoint. A blank
    item is no host or endpoint, an object or list refused (text_items). A Cortex XDR endpoint ID is hex digits, the
    same endpoint in either case: lower case, as Cortex XDR lists it, each once. And restore-file's incident_id, one:
    a restore by hand made without it would not appear in that incident's timeline in Cortex XDR, as the playbook's
    does."""
    scope = {}
    for name, owner in (('host_id', 'hss-restore-isolated'), ('endpoint_id', 'restore-file'),
                        ('incident_id', 'restore-file')):
        given = [args.get(name)] if name == 'incident_id' else args.get(name)
        values = [value.strip() for value in text_items(given, name, name.replace('_id', ' IDs (text)'))]
        values = list(dict.fromkeys(value.lower() for value in values)) if name == 'endpoint_id' else values
        if values and command != owner:
            raise GateError(f'{name} goes with a restore of {owner}, not of {command}.')
        if values:
            scope[name] = values
    return scope


def by_hand(command: str, what: dict[str, list[str]], scope: dict[str, list[str]]) -> str:
    """The war-room line that restores one held file as the restore it was held from would have: its hash or path,
    and the host or endpoint that restore was limited to; a path with several hosts on those HSS lists it isolated
    on, as the playbook restores it (pair_by_position=false: paired, the path would be looked for on every host)."""
    unpaired = {'pair_by_position': ['false']} if 'file_path' in what and len(scope.get('host_id', [])) > 1 else {}
    return '!' + command + ''.join(f' {name}={list_value(values)}'
                                   for name, values in {**what, **scope, **unpaired}.items() if values != [''])


def by_hand_each(command: str, what: dict[str, list[str]], scope: dict[str, list[str]]) -> str | list[str]:
    """by_hand, once per endpoint of a restore limited to several (restore-file's endpoint_id takes one: the playbook
    runs it once per endpoint), or per enterprise project of the HSS rows of a file listed in several (each listing
    sees its own project's copies; 0 for rows that name none: projects_named), as a list; one line for any other
    restore."""
    for name in ('endpoint_id', 'enterprise_project_id'):
        if len(scope.get(name) or []) > 1:
            return [by_hand(command, what, dict(scope, **{name: [one]})) for one in scope[name]]
    return by_hand(command, what, scope)


def commands_text(commands: str | list[str]) -> str:
    return ', '.join(code_span(command) for command in ([commands] if isinstance(commands, str) else commands))


def one_for_each(command: str, what: dict[str, list[str]], scope: dict[str, list[str]], key: str) -> str:
    """The by-hand command for one endpoint or host of ``scope``, to fill in, on each of them (on_each)."""
    name = 'endpoint_id' if 'endpoint_id' in scope else 'host_id'
    one = by_hand_each(command, what, dict(scope, **{name: [f'<{name}>']}))  # HSS's: in each project of its rows
    return on_each(as_list(one), name, key)


def on_each(commands: list[str], name: str, key: str, whom: Sequence[str] = ()) -> str:
    """``commands`` for one endpoint or host (``name``, its placeholder in them), to fill in, on each of them: a line
    about many (past MAX_DETAIL_ROWS pairs or lines) gives them, and names their ``key`` in the context, which keeps
    each endpoint's command (restore-file's endpoint_id takes one), or the one for every host. ``whom``: which of
    them each command is for (for_whom), where they differ."""
    whose = "each endpoint's" if name == 'endpoint_id' else 'the one for all of them at once'
    shown = commands_text(commands)
    if whom:
        shown = ', '.join(f'{code_span(command)} {who}' for command, who in zip(commands, whom))
    return f'{shown} on each of them ({GATE_CONTEXT_KEY.split("(")[0]}.{key} has {whose})'


def plural(noun: str, count: int) -> str:
    """``noun`` as it goes with ``count``, as the integration words it: "1 file", "2 files"."""
    return noun if count == 1 else f'{noun}s'


def capped(names: list[str], show: Callable[[str], str] = shown_as_is) -> str:
    """``names`` shown as they are (or as ``show`` gives them): the first MAX_LISTED, and how many more there are."""
    more = f' and {len(names) - MAX_LISTED:,} more' if len(names) > MAX_LISTED else ''
    return ', '.join(map(show, names[:MAX_LISTED])) + more


def lookup_reputation(execute: Execute | None,
                      linked: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What !file (every enabled file reputation integration) says of the hashes the context knows for a path: (its
    DBotScore objects, its File objects). The playbook's !file task cannot ask it, as only this script knows those
    hashes. No reputation integration enabled: an error entry, read as nothing known."""
    hashes = []
    for entry in linked:
        found = hashes_of(entry)
        wanted = [value for value, kind in found.items() if kind == 'SHA256'] or \
            [value for value, kind in found.items() if kind in ('MD5', 'SHA1')]
        hashes += [value for value in wanted if value not in hashes]
    entries = (execute(FILE_COMMAND, {'file': ','.join(hashes)}) or []) if execute and hashes else []
    answered = [entry for entry in entries if isinstance(entry, dict) and entry.get('Type') != ENTRY_TYPE_ERROR]
    return records_in(answered, 'DBotScore', f'!{FILE_COMMAND}'), records_in(answered, 'File', f'!{FILE_COMMAND}')


def path_verdict(scores: list[Score], files: list[FileEntry], path: str,
                 execute: Execute | None) -> tuple[int, dict[str, str], dict[str, str], list[str]]:
    """(score, sources, unreadable, the SHA256 values known) for the file a restore by host and path gives back: the
    File entries whose Path (or Path and Name) is that path, the entries linked to them by hash, and every score under
    any of their hashes. No entry names the path: nothing is known of it, as of an unknown file."""
    key = path_key(path)
    seeds = [file for file in files if key in file.paths]
    if not seeds:
        return 0, {}, {}, []
    more_scores, more_files = lookup_reputation(execute, aliases(files, [], seeds)[0])
    files = files + file_entries(more_files)
    linked, known = aliases(files, [], [file for file in files if key in file.paths])
    score, sources, unreadable = verdict(scores + dbot_scores(more_scores), linked, known)
    return score, sources, unreadable, [value for value, kind in known.items() if kind == 'SHA256']


def held_item(score: int, sources: dict[str, str], unreadable: dict[str, str],
              restore_suspicious: bool) -> tuple[str, dict[str, str]] | None:
    """(verdict, sources) of a file held back, or None for one that may be restored."""
    if score >= SCORE_BAD or (score == SCORE_SUSPICIOUS and not restore_suspicious):
        return SCORE_NAMES[score], sources
    if unreadable:  # a verdict this check cannot read might be "malicious": the analyst decides, not the playbook
        return VERDICT_UNREADABLE, unreadable
    return None


def held_line(item: dict[str, Any], who: str, many: dict[str, list[str]]) -> str:
    """A held file's line, with its command by hand. ``many``: the scope (endpoint_id or host_id, first: scope_of) of
    a restore whose held files and endpoints (or hosts) make more than MAX_DETAIL_ROWS pairs, else empty: the line
    then says how many there are, names MAX_LISTED, and gives the command for one to fill in; held.by_hand keeps each
    endpoint's command (restore-file's endpoint_id takes one), or the one that restores it on every host."""
    name, places = next(iter(many.items()), ('host_id', item.get('host_id') or []))
    on = f'{len(places):,} {"endpoints" if name == "endpoint_id" else "hosts"}: {capped(places)}' if many else \
        f'host {", ".join(map(shown_as_is, places))}'
    known = f', SHA256 {", ".join(code_span(value) for value in item["sha256"])}' if item.get('sha256') else ''
    where = f' (on {on}{known})' if item.get('file_path') or many else ''
    what = code_span(item.get('file_path') or item['file_hash']) + where
    by_hand_text = f'If an analyst is sure it is benign: {commands_text(item["by_hand"])}'
    if many:
        by = {'file_path': [item['file_path']]} if item.get('file_path') else {'file_hash': [item['file_hash']]}
        one = one_for_each(RESTORE_COMMANDS[name == 'host_id'], by, many, 'held.by_hand')
        by_hand_text = f'If an analyst is sure it is benign: {one}'
    if item['verdict'] == VERDICT_UNREADABLE:
        return (f'- **Held back**: {what} has a score this check cannot read, from {who} (DBotScore.Score should be 0 '
                f'to 3). {by_hand_text}')
    why = '' if item['score'] >= SCORE_BAD else ' (suspicious files are restored only with RestoreSuspicious)'
    return f'- **Held back**: {what} is scored {item["verdict"]} ({item["score"]}) by {who}{why}. {by_hand_text}'


def covered_before(command: str, given: Any, hashes: list[str], paths: list[str], scope: dict[str, list[str]],
                   execute: Execute | None) -> tuple[list[str], list[str], list[str], list[str], list[dict[str, Any]]]:
    """(the hashes and paths to restore, the note's lines of those not sent, the endpoints to restore on, and for
    hss-restore-isolated each file or path not sent with its whole by-hand command: the context's covered) of the files
    the reputation check lets through, leaving out those an earlier restore in this incident covers (``given``: the
    records it left, CortexXDR.RestoredFile or HuaweiHSS.RestoredFile as ``command`` writes them)."""
    if command == RESTORE_COMMANDS[0]:
        return xdr_plan(objects_in(given, XDR_RECORDS, 'restored_before'), hashes, scope, execute)
    done = hss_restored_before(objects_in(given, HSS_RECORDS, 'restored_before'), hashes, paths, scope, execute)
    covered = [{by: value, 'by_hand': done[value][2], 'check': done[value][1]}
               for by, values in (('file_hash', hashes), ('file_path', paths)) for value in values if value in done]
    covered = [{name: text for name, text in item.items() if text} for item in covered]  # a check where one is given
    return ([h for h in hashes if h not in done], [p for p in paths if p not in done],
            [done[value][0] for value in hashes + paths if value in done], [], covered)


def xdr_plan(records: list[dict[str, Any]], hashes: list[str], scope: dict[str, list[str]],
             execute: Execute | None) -> tuple[list[str], list[str], list[str], list[str], list[dict[str, Any]]]:
    """covered_before's answer for restore-file, judged on each endpoint of ``scope`` (every endpoint when it names
    none): an earlier restore of a file on one endpoint does not cover another. The playbook sends one list of files
    to each endpoint it restores on (restore-file run once per endpoint), so the files and endpoints are the widest
    such restore of what each endpoint still needs (``widest_restore``); what it leaves out on an endpoint that still
    needs it gets a line with its command by hand, never a restore on an endpoint an earlier restore covers."""
    endpoints = scope.get('endpoint_id') or ['']
    under = {'incident_id': scope['incident_id']} if scope.get('incident_id') else {}  # by-hand commands' incident
    covered = {endpoint: restored_before(records, hashes, dict(under, endpoint_id=[endpoint]) if endpoint else under,
                                         execute) for endpoint in endpoints}
    needed = {endpoint: [h for h in hashes if h not in covered[endpoint]] for endpoint in endpoints}
    # said only of a file still needed on some endpoint: of one covered everywhere (a re-close, say) it would be false
    faults = kind_lines(records, {h for wanted in needed.values() for h in wanted})
    files, chosen = widest_restore(needed)
    left = {e: [h for h in needed[e] if e not in chosen or h not in files] for e in endpoints}

    def alike(h: str, endpoint: str) -> str:  # its line, but for the endpoint and its action
        record, unread = covered[endpoint][h]
        return restored_line(h, {'<endpoint_id>': (dict(record, action_id='<action_id>'), unread)}, under)[0]

    # (key, endpoint, what its line says): past MAX_DETAIL_ROWS, the endpoints of one key share a line
    found = [(('covered', h, alike(h, e)), e, covered[e][h]) for h in hashes for e in endpoints if h in covered[e]]
    found += [(('left', *left[e]), e, left[e]) for e in endpoints if left[e]]
    groups = {}
    for number, (key, endpoint, said) in enumerate(found):
        groups.setdefault(key if len(found) > MAX_DETAIL_ROWS else number, (key, {}))[1][endpoint] = said
    made = [restored_line(key[1], group, under) if key[0] == 'covered' else left_out_line(group, under)
            for key, group in groups.values()]
    return files, [], faults + [line for line, _ in made], [endpoint for endpoint in chosen if endpoint], \
        [covered for _, covered in made]


def kind_lines(records: list[dict[str, Any]], needed: set[str]) -> list[str]:
    """One line a file still needed (or named not as text, while any is) for its records with fields not text, naming
    MAX_LISTED kinds at most. A may_have_started record's action_id is never read (restore-file could not follow it)."""
    faults = {}
    for record in records:
        fields = [name for name in XDR_TEXT_FIELDS if name != 'action_id' or not may_have_started(record)]
        fault, named = kind_fault(record, fields), record.get('file_hash')
        unnamed = isinstance(named, (dict, list))
        file_hash = text_of(named) if unnamed else str(named).strip().lower()
        if fault and (file_hash in needed or (unnamed and needed)):
            faults.setdefault(file_hash, []).append(fault)
    lines = []
    for file_hash, found in faults.items():
        what = code_span(file_hash) if file_hash in needed else 'a file'  # else named as JSON, not text
        kinds = shown_as_is('; '.join(list(dict.fromkeys(found))[:MAX_LISTED]))
        lines.append(f'{len(found):,} earlier {XDR_RECORDS} {plural("record", len(found))} of {what}, read without '
                     f'the fields that are not text ({kinds}), cannot keep the file from being restored again (a '
                     'second restore restores nothing twice)')
    return lines


def left_out_line(left: dict[str, list[str]], under: dict[str, list[str]]) -> tuple[str, dict[str, Any]]:
    """(the note's line, the context's covered item) for the endpoints of ``left`` ({endpoint: the files it still
    needs, the same for each}) the playbook's restore leaves those files out on, with the command by hand, made
    ``under`` the restore's Cortex XDR incident as restored_line's (for several endpoints, see one_for_each)."""
    files, endpoints = next(iter(left.values())), list(left)
    scope = {'endpoint_id': endpoints, **under}
    every = by_hand_each(RESTORE_COMMANDS[0], {'file_hash': files}, scope)
    where = f'endpoint {code_span(endpoints[0])}, which still needs'
    how = commands_text(every)
    if len(endpoints) > 1:
        where = f'{len(endpoints):,} endpoints ({capped(endpoints)}), which still need'
        how = one_for_each(RESTORE_COMMANDS[0], {'file_hash': files}, scope, 'covered.by_hand')
    them = 'it' if len(files) == 1 else 'them'
    return (f'`!{RESTORE_COMMANDS[0]}` was not run for {", ".join(code_span(h) for h in files)} on {where} {them}: '
            f'an earlier restore in this incident covers other endpoints or files (above), and the playbook restores '
            f'one list of files on each endpoint it restores on. Restore {them} there by hand: {how}'), \
        {'file_hash': files, 'by_hand': every}


def widest_restore(needed: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """(files, endpoints) of one restore of the same files on each of the endpoints that sends no file to an endpoint
    that does not need it (``needed``: {endpoint: its files}), the most file-endpoint pairs (then the most endpoints):
    every endpoint's files, when they all need the same, as on a first close."""
    candidates = [([h for h in files if all(h in other for other in needed.values())], list(needed))
                  for files in needed.values()]  # the files every endpoint needs, on every endpoint
    candidates += [(files, [endpoint for endpoint, other in needed.items() if set(files) <= set(other)])
                   for files in needed.values()]  # an endpoint's files, on each endpoint that needs them all
    files, chosen = max(candidates, key=lambda pair: (len(pair[0]) * len(pair[1]), len(pair[1])))
    return (files, chosen) if files else ([], [])


def restored_before(records: list[dict[str, Any]], hashes: list[str], scope: dict[str, list[str]],
                    execute: Execute | None) -> dict[str, tuple[dict[str, Any], str | None]]:
    """{hash: (its record, why it was not read again now: unread_reason)} of the files of ``hashes`` an earlier
    restore-file in this incident, limited as this one (``scope``'s endpoint_id; '' for every endpoint, as restore-file
    writes it), gave back, still runs or may have started (its record's may_have_started: not followed, Cortex XDR may
    have carried it out). A record without endpoint_id (a status check alone) does not say what its action covered.
    One that found no quarantined copy (no_copy_left) does not take an earlier one's place: it confirms the file back,
    and goes with it (XDR_FOUND_NO_COPY_SINCE): where that one failed, the file is no longer quarantined either.
    One that says IN_PROGRESS is read again first: the on-close script starts its restores without polling, so its
    record says so whatever Cortex XDR did since (a restore that failed everywhere is sent again)."""
    endpoint_id = ','.join(scope.get('endpoint_id') or [])
    latest = {}
    for record in records:
        file_hash = str(record.get('file_hash') or '').strip().lower()
        if file_hash in hashes and isinstance(record.get('endpoint_id'), str) and \
                record['endpoint_id'].lower() == endpoint_id:  # either case
            if file_hash in latest and no_copy_left(record):
                latest[file_hash] = dict(latest[file_hash], **{XDR_FOUND_NO_COPY_SINCE: record})
            else:
                latest[file_hash] = record
    unknown = {file_hash: (record, None) for file_hash, record in latest.items() if may_have_started(record)}
    latest = {file_hash: record for file_hash, record in latest.items() if file_hash not in unknown
              and str(record.get('action_id') or '').strip() and not kind_fault(record, XDR_TEXT_FIELDS)}  # kind_lines
    # Read on the restore's scope, under its Cortex XDR incident as each restore-file line the gate writes: the
    # record the read writes names it (Cortex XDR's status read takes the action ID alone)
    read_scope = {'endpoint_id': endpoint_id} if endpoint_id else {}
    if scope.get('incident_id'):
        read_scope['incident_id'] = scope['incident_id'][0]
    now, unread = status_now(execute, [record for record in latest.values() if record.get('status') == 'IN_PROGRESS'],
                             read_scope)
    latest.update(now)
    return dict(unknown, **{file_hash: (record, unread.get(file_hash))
                            for file_hash, record in latest.items() if record.get('status') in XDR_DONE_STATUSES})


def no_copy_left(record: dict[str, Any]) -> bool:
    """Whether a restore-file record says Cortex XDR found no quarantined copy of its file (see XDR_NO_COPY)."""
    return XDR_NO_COPY in text_of(record.get('error')).lower() or text_of(record.get('endpoints_count')).strip() == '0'


def records_in(entries: list[Entry], root: str, where: str = '') -> list[dict[str, Any]]:
    """The ``root`` records (XDR_RECORDS, HSS_RECORDS; !file's DBotScore, File) a read's entries write to context;
    ``where`` names their source in a refusal (else each entry's context key)."""
    found = []
    for entry in entries:
        for key, value in (entry.get('EntryContext') or {}).items() if isinstance(entry, dict) else []:
            found += objects_in(value, root, where or key) if key.split('(')[0] == root else []
    return found


def may_have_started(record: dict[str, Any]) -> bool:
    """A restore-file record's may_have_started (a boolean in context; its text too, should a playbook hand the records
    on as text)."""
    return str(record.get('may_have_started')).lower() == 'true'


def status_now(execute: Execute | None, records: list[dict[str, Any]],
               scope: dict[str, str]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """({hash: its record as restore-file (without polling, on the same ``scope``) reads its action now}, {hash: why
    it was not read}); a record not read (an error entry, no answer, or one still IN_PROGRESS with the error of a
    status not read) stays as it was, and why (unread_reason, or that error) goes with it."""
    if not records or not execute:
        return {}, {}
    entries = execute(RESTORE_COMMANDS[0], {**scope, 'file_hash': [record['file_hash'] for record in records],
                                            'action_id': json.dumps([record['action_id'] for record in records]),
                                            'polling': 'false'}) or []
    earlier = {(str(record['file_hash']).lower(), str(record['action_id'])): record for record in records}
    found = {}
    for record in records_in(entries, XDR_RECORDS):
        pair = (str(record.get('file_hash') or '').lower(), str(record.get('action_id')))
        if pair in earlier:
            found[pair[0]] = dict(earlier[pair], **record)
    unread = {str(record['file_hash']).lower(): unread_reason(entries) for record in records
              if str(record['file_hash']).lower() not in found}
    unread.update((file_hash, failed_read(record.get('error'))) for file_hash, record in found.items()
                  if record.get('status') == 'IN_PROGRESS' and str(record.get('error') or '').strip())
    return found, unread


def restored_line(file_hash: str, found: dict[str, tuple[dict[str, Any], str | None]],
                  under: dict[str, list[str]]) -> tuple[str, dict[str, Any]]:
    """(the line, the context's covered item) for a file earlier restore-files cover on the endpoints of ``found``
    ({endpoint, '' for every endpoint: restored_before's (record, unread)}, alike but for their actions), its commands
    made ``under`` the restore's Cortex XDR incident (incident_id, when given: scope_of): ``unread``,
    why a record, IN_PROGRESS, was not read again now (its state is not known: the line gives the check that reads it
    first; for several endpoints, see one_for_each)."""
    (record, unread), actions = next(iter(found.values())), [text_of(row.get('action_id')) for row, _ in found.values()]
    scope = {'endpoint_id': list(found), **under} if '' not in found else under
    covered = {'file_hash': file_hash, 'by_hand': by_hand_each(RESTORE_COMMANDS[0], {'file_hash': [file_hash]}, scope)}
    if may_have_started(record):
        return not_sent_line(RESTORE_COMMANDS[0], 'file_hash', file_hash, XDR_MAY_HAVE_STARTED, scope,
                             XDR_LOOK_FIRST), covered
    state = f'restored it with failures (restored count: {shown_as_is(record.get("restored_count"))}, failed count: ' \
        f'{shown_as_is(record.get("failed_count"))}; its record says why)'
    advice = left_where(record)
    if record.get('status') == 'IN_PROGRESS' and unread:
        # The command that follows each endpoint's action, without polling (its action_id written as there), made
        # under the restore's Cortex XDR incident as the by-hand commands are
        made_under = {'incident_id': under['incident_id'][0]} if under else {}
        covered['check'] = [xdr_follow(file_hash, dict(row, endpoint_id=endpoint, **made_under)) + ' polling=false'
                            for endpoint, (row, _) in found.items()]
        shown = commands_text(covered['check'])
        if len(found) > 1:  # that check for one endpoint and its action, to fill in (quoted as JSON quotes a text ID)
            action = '"<action_id>"' if isinstance(record.get('action_id'), str) else '<action_id>'
            one = dict(record, endpoint_id='<endpoint_id>', **made_under)
            shown = on_each([xdr_follow(file_hash, one, action) + ' polling=false'], 'endpoint_id', 'covered.check')
        state = f'was still running as its record last read it, which was not read again now, as {shown_as_is(unread)}'
        advice = f'Check it first: {shown}; where it did not give the file back, restore it by hand'
    elif record.get('status') == 'IN_PROGRESS':
        # Each endpoint's action, the endpoint as found names it (alike's placeholder, for lines grouped past 50)
        follows = [xdr_follow(file_hash, dict(row, endpoint_id=endpoint)) for endpoint, (row, _) in found.items()]
        if len(follows) <= MAX_LISTED:
            how = f'run {commands_text(follows)}'
        else:
            how = 'open its actions in Cortex XDR > Response > Action Center'
        state, advice = 'is still running', f'To follow it to its end, {how}. {QUARANTINED_AGAIN}'
    elif record.get('status') == XDR_DONE_STATUSES[0]:
        # On the endpoints it was given, if any, not on every one (the line names several already, one it does not)
        where = 'every endpoint' if '' in found else 'each endpoint it was given'
        if len(found) == 1 and '' not in found:
            where = f'endpoint {capped(list(found))}'
        state, advice = f'restored it on {where}', QUARANTINED_AGAIN
    action = f'({plural("action", len(actions))} {capped(actions)})'
    what = state.replace(' as its record', f' {action} as its record', 1) if unread else f'{state} {action}'
    return not_sent_line(RESTORE_COMMANDS[0], 'file_hash', file_hash, what, scope, advice), covered


def left_where(record: dict[str, Any]) -> str:
    """Where a restore that gave the file back with failures left it: still quarantined on each endpoint it failed on
    (XDR_LEFT_QUARANTINED), unless a later restore of it, limited alike, found no quarantined copy (its record under
    XDR_FOUND_NO_COPY_SINCE): then it is not, given back by hand or deleted, which Cortex XDR does not say."""
    later = record.get(XDR_FOUND_NO_COPY_SINCE)
    if not isinstance(later, dict):
        return XDR_LEFT_QUARANTINED
    action = text_of(later.get('action_id')).strip()
    which = f'action {shown_as_is(action)}' if action else 'Cortex XDR refused it so'
    return (f'A later restore of it found no quarantined copy on any endpoint asked ({which}): it is no longer '
            f'quarantined on the endpoints that restore failed on (given back by hand in Cortex XDR, or deleted). Look '
            f'for it there; if it was quarantined again since, restore it by hand')


def xdr_follow(file_hash: str, record: dict[str, Any], action: str = '') -> str:
    """The command that follows a restore-file action to its end, as the summary note gives it: the action ID in the
    JSON list form Cortex XDR sent it in (a text ID would not survive the comma form), with the restore's endpoint and
    incident (without them the follow would record an action on every endpoint). ``action``: the list's item as
    written, when not the record's (a placeholder)."""
    action_ids = line_value(f'[{action or json.dumps(record.get("action_id"), separators=(",", ":"))}]')
    scope = ''.join(f' {name}={line_value(text_of(record[name]).strip())}' for name in ('endpoint_id', 'incident_id')
                    if text_of(record.get(name)).strip())
    return f'!{RESTORE_COMMANDS[0]} file_hash={line_value(file_hash)} action_id={action_ids}{scope}'


def hss_restored_before(records: list[dict[str, Any]], hashes: list[str], paths: list[str], scope: dict[str, list[str]],
                        execute: Execute | None = None) -> dict[str, tuple[str, Any, Any]]:
    """{hash or path: (the note's line, the check it gives, its by-hand command: hss_line)} of the files of
    ``hashes`` (or ``paths``) an earlier hss-restore-isolated in this incident restored, or HSS is still restoring, on
    the hosts of this one (``scope``'s host_id; any host when it names none): every copy of it a record names is listed
    restored, by its latest record (a copy is a host, hash and path, as XSOAR keeps one record each), or restoring as
    read again now (hss_status_now: a copy left restoring, or failed), or restoring and not read again (its state
    unknown: HSS may have restored it, and would then find no isolated copy; the line says why, with the check to run
    first). A not_found record without a path (of a hash) names no copy, and any other record one, whatever field HSS
    listed it without; a path is compared exactly, as the restore matches it."""
    hosts, copies = set(scope.get('host_id') or []), {}
    for record in records:
        copy = copy_of(record)
        if (copy[1] in hashes or copy[2] in paths) and (copy[2] or record.get('outcome') != HSS_NOT_FOUND) and \
                (not hosts or copy[0] in hosts):
            copies[copy] = record
    now, unread = hss_status_now(execute, [row for row in copies.values() if row.get('outcome') in HSS_READ_AGAIN])
    copies.update((copy, row) for copy, row in now.items() if copy in copies)
    done, read = {}, {**now, **unread}  # a copy read again now, or whose state is not known: not sent again blind
    for by, value in [('file_hash', value) for value in hashes] + [('file_path', value) for value in paths]:
        rows = [(copy, row) for copy, row in copies.items() if copy[1 if by == 'file_hash' else 2] == value]
        if rows and all(row.get('outcome') == HSS_RESTORED or (copy in read and row.get('outcome') == HSS_RESTORING)
                        for copy, row in rows):
            done[value] = (by, rows)
    many = len(hosts) > 1 and len(done) * len(hosts) > MAX_DETAIL_ROWS  # as held lines: bounded past that many pairs
    return {value: hss_line(by, value, rows, unread, scope, many) for value, (by, rows) in done.items()}


def hss_line(by: str, value: str, rows: list[tuple[Copy, dict[str, Any]]], unread: dict[Copy, str],
             scope: dict[str, list[str]], many: bool = False) -> tuple[str, str | list[str], str | list[str]]:
    """(hss_restored_before's line for a file (or path) whose every copy is restored, or restoring as read now or as
    last read (``unread``: {copy: why it was not read again now}), the check that reads those copies: none, '' or [];
    ``many``: see not_sent_line, the hosts named are MAX_LISTED, and the check the line gives is for one host. The
    check is a list of them when the copies' rows name different fields (hss_checks); then the by-hand command on every
    host of ``scope``, in the enterprise project of its rows (one each, for rows of several), as its checks are."""
    def hosts(picked: list[dict[str, Any]]) -> str:
        names = host_names(picked)
        return capped(names) if many else ', '.join(map(shown_as_is, names))
    restored = [row for _, row in rows if row.get('outcome') == HSS_RESTORED]
    scope = dict(scope, **projects_named([row for _, row in rows]))  # by hand in each: another cannot see a copy
    every = by_hand_each(RESTORE_COMMANDS[1], {by: [value]}, scope)  # the context's covered.by_hand: every host
    restoring = [row for copy, row in rows if row.get('outcome') == HSS_RESTORING and copy not in unread]
    last_read = [(copy, row) for copy, row in rows if copy in unread and row.get('outcome') == HSS_RESTORING]
    what = ' and '.join(f'{state} on {hosts(picked)}' for state, picked in (
        ('restored it', restored), ('is still restoring it', restoring)) if picked)
    # A check with polling follows the copies still restoring to their end; for many hosts, the HSS console does
    follows = [hss_follow(fields) for fields, _ in hss_checks(restoring)]
    how = 'check the hosts in the HSS console' if many else f'run {commands_text(follows)} ({HSS_STATE_NOT_KEPT})'
    follow = f'To follow it to its end, {how}. ' if follows else ''
    if not last_read:
        return not_sent_line(RESTORE_COMMANDS[1], by, value, what, scope, follow + HSS_ISOLATED_AGAIN, many), '', every
    why = '; '.join(dict.fromkeys(unread[copy] for copy, _ in last_read))
    groups = hss_checks([row for _, row in last_read])
    checks = [hss_follow(fields) + ' polling=false' for fields, _ in groups]  # a check: no restore sent
    shown = commands_text(checks)
    if many:  # each check for one host, to fill in, and which hosts it is for where there are several
        ones = [(hss_follow(one) + ' polling=false', held) for fields, group in groups
                for one, held in for_one_host(fields, group)]
        in_several = len({fields['enterprise_project_id'][0] for fields, _ in groups}) > 1  # so each names its own
        whom = [for_whom(held, in_several) for _, held in ones] if len(ones) > 1 else []
        shown = on_each([check for check, _ in ones], 'host_id', 'covered.check', whom)
    what = (what + ', and ' if what else '') + \
        f'was still restoring it on {hosts([row for _, row in last_read])} as its record last read it, ' \
        f'which was not read again now, as {shown_as_is(why)}'
    advice = follow + (f'Check it first: {shown}' if shown else 'Check it in the HSS console first') + \
        '; where HSS does not list it restored, restore it by hand'
    return not_sent_line(RESTORE_COMMANDS[1], by, value, what, scope, advice, many), \
        checks[0] if len(checks) == 1 else checks, every


def hss_follow(fields: dict[str, list[str]]) -> str:
    """The command that follows the copies of hss_checks' ``fields`` to their end, as the entry of hss-restore-isolated
    run with them gives it (its follow line): each item field a JSON list, pair_by_position (true, its default), their
    enterprise project, and HSS_ANY_CHANGE_STATE (see HSS_STATE_NOT_KEPT)."""
    items = ''.join(f' {name}={line_value(json.dumps(values))}' for name, values in fields.items()
                    if name in HSS_COPY_FIELDS)
    return (f'!{RESTORE_COMMANDS[1]}{items} pair_by_position=true enterprise_project_id='
            f'{line_value(fields["enterprise_project_id"][0])} restore_state={HSS_ANY_CHANGE_STATE}')


def for_one_host(fields: dict[str, list[str]],
                 rows: list[dict[str, Any]]) -> list[tuple[dict[str, list[str]], list[list[dict[str, Any]]]]]:
    """hss_checks' ``fields`` (of ``rows``) for one host of their copies, to fill in, each with the rows of the hosts
    it is for, host by host: one for the hosts holding each number of copies (a hash at two paths, say), an item for
    each copy in the order its host's come, lined up by the place each copy first comes among those hosts (hosts
    listing the same two paths in another order, say): its host's placeholder, and each other item field as those
    hosts' copies in that place share it, else that field's placeholder (each host's copy at a path of its own, say).
    Filled in, it is the check of that host alone (pair_by_position), its items maybe in another order."""
    names = [name for name in HSS_COPY_FIELDS if name in fields]
    held, alike, ones = {}, {}, []
    for place, copy in enumerate(zip(*(fields[name] for name in names))):
        held.setdefault(copy[0] if 'host_id' in fields else place, []).append((copy, rows[place]))  # no host_id: alone
    for copies in held.values():
        alike.setdefault(len(copies), []).append(copies)
    for hosts in alike.values():
        first = {}  # each copy but its host (no host_id: one copy each, none to line up), by where it first comes
        for copies in hosts:
            for copy, _ in copies:
                first.setdefault(copy[1:], len(first))
        hosts = [sorted(copies, key=lambda pair: first[pair[0][1:]]) for copies in hosts]
        one = {name: [] for name in names}
        for place in zip(*hosts):  # the copy each of these hosts holds in that place
            for column, name in enumerate(names):
                values = {copy[column] for copy, _ in place}
                one[name].append(values.pop() if len(values) == 1 and name != 'host_id' else f'<{name}>')
        ones.append(({**fields, **one}, [[row for _, row in copies] for copies in hosts]))
    return ones


def for_whom(held: list[list[dict[str, Any]]], in_project: bool = False) -> str:
    """Which hosts a check to fill in is for, beside the others a line gives (``held``: their rows, host by host, as
    many each): named as the line names them, where all fit its bound (MAX_LISTED), else counted; ``in_project``: and
    the enterprise project their rows were listed in, where the others are for hosts of another."""
    copies = len(held[0])
    who = 'the host' if len(held) == 1 else f'the {len(held):,} hosts'
    where, named = '', ''
    if in_project:
        where = f' in enterprise project {shown_as_is(project_of(held[0][0]) or "0")}'
    if len(held) <= MAX_LISTED:
        named = ': ' + ', '.join(map(shown_as_is, host_names([rows[0] for rows in held])))
    return f'(for {who} holding {copies} {"copy" if copies == 1 else "copies"}{where}{named})'


def host_names(rows: list[dict[str, Any]]) -> list[str]:
    """The hosts of ``rows``, each once, as a line names them: by name, else by ID."""
    return list(dict.fromkeys(text_of(row.get('host_name') or row.get('host_id') or 'a host it does not name')
                              for row in rows))


def copy_of(record: dict[str, Any]) -> Copy:
    """A HuaweiHSS.RestoredFile record's copy: (host, hash in lower case, path), as hss-restore-isolated keys it."""
    host, file_hash, path = (str(record.get(name) or '') for name in HSS_COPY_FIELDS)
    return host, file_hash.lower(), path


def hss_status_now(execute: Execute | None,
                   rows: list[dict[str, Any]]) -> tuple[dict[Copy, dict[str, Any]], dict[Copy, str]]:
    """({copy: its record as hss-restore-isolated lists it now}, {copy: why it was not read}), of the ``rows`` an
    earlier restore left restoring (the on-close script starts its restores without polling, so its rows say so
    whatever HSS did since) or failed (a request whose answers were lost, which HSS may have taken). Read by checks
    without polling (a restore_state: no PUT): as exact items, or by the fields a row has (hss_checks). A copy not read
    (an error entry, no answer, no ``execute``, a row no check reads) stays as it was, and why goes with it."""
    found, why = {}, {copy_of(row): kind_fault(row) or HSS_UNREADABLE for row in rows}  # unless a check reads it
    for fields, group in hss_checks(rows):
        entries = (execute(RESTORE_COMMANDS[1], {**fields, 'restore_state': HSS_ANY_CHANGE_STATE, 'polling': 'false'})
                   if execute else None) or []
        asked = {copy_of(row) for row in group}
        found.update((copy_of(record), record) for record in records_in(entries, HSS_RECORDS)
                     if copy_of(record) in asked)
        why.update(dict.fromkeys(asked, unread_reason(entries)))
    return found, {copy: reason for copy, reason in why.items() if copy not in found}


def kind_fault(row: dict[str, Any], fields: Sequence[str] = HSS_COPY_FIELDS) -> str:
    """Why no check reads a row: each of its ``fields`` that is an object or list, by JSON kind, as JSON."""
    return '; '.join(f"its record's {name} is {json_kind(row[name])}, {json.dumps(row[name])[:40]}, not text"
                     for name in fields if isinstance(row.get(name), (dict, list)))


def hss_checks(rows: list[dict[str, Any]]) -> list[tuple[dict[str, list[str]], list[dict[str, Any]]]]:
    """The checks that read ``rows``' copies again, each (its item arguments, the rows it reads): one of exact items
    for the rows naming a host, hash and path, and one for each other set of those fields hss-restore-isolated takes (a
    hash, alone or with a host; a host with a path) for the rows of copies HSS listed without a field (a row keeps
    only the fields HSS listed); each in the enterprise project its rows were listed in (their enterprise_project_id:
    a listing of another project cannot see the copy). A row naming too little (HSS_UNREADABLE: a path without its
    host, as the integration refuses it, or neither a hash nor a host and path), or of a kind_fault, is read by none."""
    groups = {}
    for row in rows:
        named = tuple(name for name in HSS_COPY_FIELDS if str(row.get(name) or '').strip())
        if ('host_id' if 'file_path' in named else 'file_hash') in named and not kind_fault(row):  # check_hss_items'
            groups.setdefault((named, project_of(row) or '0'), []).append(row)  # 0 and none: the default one
    return [({**{name: [str(row[name]) for row in group] for name in named}, **projects_named(group)}, group)
            for (named, _), group in groups.items()]


def project_of(row: dict[str, Any]) -> str:
    """The enterprise project a HuaweiHSS.RestoredFile row was listed in ('' when it names none: the default one)."""
    return str(row.get('enterprise_project_id') or '').strip()


def projects_named(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The enterprise_project_id that reads ``rows`` again: each project they name, once, 0 and none as one (the
    default), named 0 even so, as the instance, since set to another project, would read a check without it there."""
    return {'enterprise_project_id': list(dict.fromkeys(project_of(row) or '0' for row in rows))}


def unread_reason(entries: list[Entry]) -> str:
    """Why a status read again gave no answer for a record: no time left for it (reads_in_time), or the read failed,
    with what its entries say (an error entry's text first)."""
    entries = [entry for entry in entries if isinstance(entry, dict)]
    errors = [text_of(entry.get('Contents')) for entry in entries if entry.get('Type') == ENTRY_TYPE_ERROR]
    said = errors or [text_of(entry.get('HumanReadable') or entry.get('Contents')).split('\n\n')[0]
                      for entry in entries]  # a check's first paragraph: what it read (its follow command after)
    text = ' '.join(part.strip() for part in said if part.strip())
    return text if text.startswith(NO_TIME_LEFT) else failed_read(text)


def failed_read(error: Any) -> str:
    """A failed read's reason as a line quotes it (shown_as_is), before a full stop of its own: at most MAX_REASON
    characters of its error, without the stop it ends with."""
    text = text_of(error).strip()
    text = text[:MAX_REASON] + '…' if len(text) > MAX_REASON else text.removesuffix('.')
    return 'the read failed: ' + (text or 'no answer')


def not_sent_line(command: str, by: str, value: str, what: str, scope: dict[str, list[str]],
                  advice: str = QUARANTINED_AGAIN, many: bool = False) -> str:
    """The note's line for a file (``by`` file_hash) or path (file_path) an earlier restore covers: not sent again, and
    the command that restores it by hand, limited as this restore (``scope``), after ``advice``. ``many``: the files
    not sent again and the hosts of an HSS restore make more than MAX_DETAIL_ROWS pairs. A line about several endpoints
    (past MAX_DETAIL_ROWS lines about endpoints) or ``many`` hosts gives, as a held file's line, the command for one,
    to fill in (one_for_each)."""
    places = scope.get('endpoint_id') or (scope.get('host_id') if many else [])
    noun = f'endpoints ({capped(places)})' if 'endpoint_id' in scope else 'hosts'  # HSS's are named in ``what``
    on = f' on {len(places):,} {noun}' if len(places) > 1 else ''
    commands = commands_text(by_hand_each(command, {by: [value]}, scope))
    if len(places) > 1:
        commands = one_for_each(command, {by: [value]}, scope, 'covered.by_hand')
    return (f'`!{command}` was not run again for {code_span(value)}{on}: an earlier restore in this incident {what}. '
            f'{advice}: {commands}')


def gate_arguments(args: dict[str, Any]) -> tuple[list[str], list[str], bool, str, dict[str, list[str]]]:
    """(hashes, paths, restore_suspicious, restore_command, scope), each checked before anything is judged."""
    hashes = sha256_list(args.get('file_hash'))
    paths = path_list(args.get('file_path'))
    # One value each (text_items refuses an object or list by its JSON kind); a blank is no value
    suspicious = text_items([args.get('restore_suspicious')], 'restore_suspicious',
                            'true or false (a boolean, or its text)')
    restore_suspicious = bool(suspicious) and suspicious[0].strip().lower() == 'true'
    command = text_items([args.get('restore_command')], 'restore_command', 'one command (text)')
    command = command[0].strip() if command else RESTORE_COMMANDS[0]
    if command not in RESTORE_COMMANDS:
        raise GateError(f'restore_command must be one of {", ".join(RESTORE_COMMANDS)}; got '
                        f'{json.dumps(command, ensure_ascii=False)}.')
    scope = scope_of(args, command)
    if paths and (command != RESTORE_COMMANDS[1] or not scope.get('host_id')):
        raise GateError(f'file_path is for a restore by host and path: it goes with restore_command='
                        f'{RESTORE_COMMANDS[1]} and host_id.')
    return hashes, paths, restore_suspicious, command, scope


def gate_command(args: dict[str, Any], context: dict[str, Any] | None, execute: Execute | None = None) -> Entry:
    hashes, paths, restore_suspicious, command, scope = gate_arguments(args)
    scores = dbot_scores(objects_of(context, 'DBotScore', args.get('dbot_score'), 'dbot_score'))
    files = file_entries(objects_of(context, 'File', args.get('file_entries'), 'file_entries'))
    # shown: (each held file as its line names it, who scored it); unknown: each file let through with a score of 0
    allowed, allowed_paths, held, shown, unknown = [], [], [], [], {}
    for file_hash in hashes:
        score, sources, unreadable = reputation(scores, files, file_hash)
        found = held_item(score, sources, unreadable, restore_suspicious)
        if not found:
            allowed.append(file_hash)
            if not score:
                unknown[file_hash] = sources
            continue
        held.append({'file_hash': file_hash, 'restore_command': command, 'score': score, 'verdict': found[0],
                     'scored_by': list(found[1]), 'scored_as': list(found[1].values()),
                     'by_hand': by_hand_each(command, {'file_hash': [file_hash]}, scope)})
        shown.append((held[-1], named(found[1])))
    for path in paths:
        score, sources, unreadable, sha256s = path_verdict(scores, files, path, execute)
        found = held_item(score, sources, unreadable, restore_suspicious)
        if not found:
            allowed_paths.append(path)
            if not score:
                unknown[path] = sources
            continue
        item = {'file_path': path, 'host_id': scope['host_id'], 'sha256': sha256s}
        held.append({'file_hash': (sha256s or [''])[0], 'file_path': path, 'restore_command': command, 'score': score,
                     'verdict': found[0], 'scored_by': list(found[1]), 'scored_as': list(found[1].values()),
                     'by_hand': by_hand_each(command, {'file_path': [path]}, scope)})
        shown.append((dict(held[-1], **item), named(found[1])))
    places = scope.get('endpoint_id') or scope.get('host_id') or []  # restore-file's endpoints, or HSS's hosts
    many = scope if len(places) > 1 and len(held) * len(places) > MAX_DETAIL_ROWS else {}
    lines = [held_line(item, who, many) for item, who in shown]
    # Of the files the reputation check lets through, those an earlier restore covers are not sent again. Only they
    # are read again: a file held back (scored malicious since) stays held whatever that restore left, and its copy read
    # again would leave a record (a failed one: "restore it again") the summary would put beside the hold.
    allowed, allowed_paths, not_sent, endpoints, covered = covered_before(command, args.get('restored_before'), allowed,
                                                                          allowed_paths, scope, execute)
    text = '### Quarantine restore: reputation check\n' + '\n'.join(
        allowed_lines(len(hashes) + len(paths), allowed, allowed_paths, scope, endpoints, unknown)
        + [f'- {line}' for line in not_sent] + lines)
    verdicts = {'allowed': allowed, 'allowed_paths': allowed_paths, 'covered': covered}  # held: HELD_CONTEXT_KEY
    verdicts.update(restore_plan(command, allowed, allowed_paths, scope, endpoints, args.get('restored_before')))
    # not_sent is for the on-close script, which writes those lines in a note of its own; no playbook reads them
    return {'Type': ENTRY_TYPE_NOTE, 'ContentsFormat': 'json', 'Contents': dict(verdicts, held=held, not_sent=not_sent),
            'HumanReadable': text, 'ReadableContentsFormat': 'markdown',
            'EntryContext': {GATE_CONTEXT_KEY: verdicts, HELD_CONTEXT_KEY: held},
            'Note': bool(held or not_sent)}  # a held file is the analyst's to decide, a file not sent again news: notes


def allowed_lines(asked: int, allowed: list[str], allowed_paths: list[str], scope: dict[str, list[str]],
                  endpoints: list[str], unknown: dict[str, dict[str, str]]) -> list[str]:
    """The note's count of the files that may be restored (on which endpoints, given restore-file's), then the lines of
    those of them whose score is 0 (``unknown``: {file hash or path: the sources that scored it 0})."""
    endpoint_list = ', '.join(map(shown_as_is, endpoints))
    where = f' on {plural("endpoint", len(endpoints))} {endpoint_list}' if 'endpoint_id' in scope and allowed else ''
    if where and len(endpoints) > MAX_DETAIL_ROWS:
        where = (f' on {len(endpoints):,} endpoints ({capped(endpoints)}: '
                 f'{GATE_CONTEXT_KEY.split("(")[0]}.endpoints lists each)')
    count = (f'{len(allowed) + len(allowed_paths)} of {asked} {plural("file", asked)} may be restored '
             f'automatically{where}.')
    return [count] + unknown_lines({item: unknown[item] for item in allowed + allowed_paths if item in unknown})


def unknown_lines(unknown: dict[str, dict[str, str]]) -> list[str]:
    """The lines of the files let through whose score is 0, Unknown in XSOAR's words: those no DBotScore names (no
    source scored them: !file skipped, with no reputation integration enabled, or none knew them), and those scored 0
    by a source. Under "reputation check", "may be restored" alone would read as checked and clean."""
    unscored = [item for item, sources in unknown.items() if not sources]
    scored_0 = [item for item, sources in unknown.items() if sources]
    lines = []
    if unscored:
        it, they_are = ('it', 'it is') if len(unscored) == 1 else ('them', 'they are')
        lines.append(f'- **Not scored**: no reputation source scored {files_named(unscored)}: no DBotScore names '
                     f'{it}, so {they_are} unknown. {UNKNOWN_RESTORED}')
    if scored_0:
        vendors = dict.fromkeys(source for item in scored_0 for source in unknown[item])
        is_ = 'is' if len(scored_0) == 1 else 'are'
        lines.append(f'- **Scored unknown**: {files_named(scored_0)} {is_} scored unknown (0) by '
                     f'{", ".join(map(shown_as_is, vendors))}, which is no verdict. {UNKNOWN_RESTORED}')
    return lines


def files_named(items: list[str]) -> str:
    """Files (hashes or paths) as the note names them: each in a code span, MAX_LISTED of them at most (capped)."""
    return capped(items, code_span) if len(items) == 1 else f'{len(items):,} files ({capped(items, code_span)})'


def earlier_actions(command: str, given: Any) -> list[str]:
    """The action IDs of the restore-file records ``given`` (restored_before), taken before this restore: the Cortex XDR
    playbook's check of a restore that ended on an error leaves their records out, the context keeping them beside
    this restore's (another action), and judges this restore's alone."""
    if command != RESTORE_COMMANDS[0]:
        return []
    actions = [text_of(record.get('action_id')).strip() for record in objects_in(given, XDR_RECORDS, 'restored_before')]
    return list(dict.fromkeys(action for action in actions if action))


def restore_plan(command: str, allowed: list[str], allowed_paths: list[str], scope: dict[str, list[str]],
                 endpoints: list[str], given: Any) -> dict[str, Any]:
    """The playbook's restore of what the check lets through: ``endpoints``, given endpoint_id, those to restore on
    (restore-file, once per endpoint), else null; ``by_hand``, the war-room command that makes that restore by hand,
    on the same hosts or endpoints (one per endpoint for several), which the note of a restore that failed gives; null
    when nothing is let through; ``earlier_actions``, those of the records ``given`` (restored_before). All are written
    each time: Gate(true) updates what an earlier run wrote, and a field left out would keep that run's value for this
    restore."""
    chosen = (endpoints if allowed else []) if 'endpoint_id' in scope else None
    what = {'file_hash': allowed} if allowed else {'file_path': allowed_paths}
    by_hand_of = by_hand_each(command, what, dict(scope, endpoint_id=chosen) if chosen else scope)
    return {'endpoints': chosen, 'by_hand': by_hand_of if allowed or allowed_paths else None,
            'earlier_actions': earlier_actions(command, given)}


def on_own_integration(execute: Execute) -> Execute:
    """executeCommand with this pack's restore commands pinned to its integration (using-brand): XSOAR runs a call
    that names no brand on every enabled integration that has the command, another vendor's of that name too."""
    def call(command: str, args: dict[str, Any]) -> list[Entry] | None:
        return execute(command, {**args, 'using-brand': OWN_BRAND} if command in RESTORE_COMMANDS else args)
    return call


def failed_calls_as_entries(execute: Execute) -> Execute:
    """executeCommand with a call the server fails read as an error entry (XSOAR's channel raises ValueError with the
    server's text then: DemistoClassApiModuleClasses.py), as every call here reads one (a status not read again stays
    as its record says; !file unanswered knows nothing), not as a fault of the check's own that stops it whole."""
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


def time_given(args: dict[str, Any], timeout: float) -> float:
    """The seconds this run may take: XSOAR's timeout for it, or what a calling script leaves it when less
    (seconds_left: XSOAR times this run on its own timeout, and the caller's, which counts this run too)."""
    if is_blank(args.get('seconds_left')):
        return timeout
    try:
        return min(timeout, float(args['seconds_left']))
    except (TypeError, ValueError) as error:
        raise GateError(f'seconds_left must be a number of seconds, not {json.dumps(args["seconds_left"])}') from error


def reads_in_time(execute: Execute, timeout: float, started: float) -> Execute:
    """executeCommand that starts a status read (a restore command) only while CALL_SECONDS and ENTRY_SECONDS are left
    of ``timeout`` (counted from ``started``); one past that is an error entry, so its record stays as it was."""
    def call(command: str, args: dict[str, Any]) -> list[Entry] | None:
        left = timeout - (time.monotonic() - started)
        if command not in RESTORE_COMMANDS or left >= CALL_SECONDS + ENTRY_SECONDS:
            return execute(command, args)
        return [{'Type': ENTRY_TYPE_ERROR, 'ContentsFormat': 'text',
                 'Contents': f'{NO_TIME_LEFT}: only {max(left, 0):.0f} s were left of the {timeout:g} s this script '
                             f'has (its timeout, or what its caller left it), and the read may take {CALL_SECONDS} s, '
                             'so it was not run'}]
    return call


''' MAIN '''


def main(demisto_obj: Any = None) -> None:
    """Entry point: XSOAR runs it with its global ``demisto``; tests and the war room pass their own."""
    started = time.monotonic()
    runtime = demisto_obj if demisto_obj is not None else globals()['demisto']
    try:
        timeout = time_given(runtime.args() or {}, timeout_of(runtime))
        entry = gate_command(runtime.args() or {}, runtime.context() or {}, reads_in_time(
            failed_calls_as_entries(on_own_integration(runtime.executeCommand)), timeout, started))
    except GateError as error:
        entry = {'Type': ENTRY_TYPE_ERROR, 'ContentsFormat': 'text',
                 'Contents': f'QuarantineRestoreReputationGate could not run: {error}'}
    except Exception as error:  # noqa: BLE001 - a fault still becomes an entry, never a traceback in the war room
        try:
            runtime.debug(traceback.format_exc())
        except Exception:  # noqa: BLE001 - logging is best effort
            pass
        entry = {'Type': ENTRY_TYPE_ERROR, 'ContentsFormat': 'text',
                 'Contents': f'QuarantineRestoreReputationGate stopped on a fault of its own ({type(error).__name__}: '
                             f'{error}), so it judged no file and none is restored automatically. Look up each file\'s '
                             'reputation (`!file file=<sha256>`) and restore one you judge benign by hand; for the '
                             'traceback, which the pack\'s maintainers need, run the script again with '
                             '`debug-mode=true`.'}
    runtime.results(entry)


if __name__ in ('__main__', '__builtin__', 'builtins'):
    main()
