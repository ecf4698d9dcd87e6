"""QuarantineRestoreReputationGate: which files may be restored automatically, by what XSOAR knows of them.

A close reason is a human judgement; a file that XSOAR's threat intelligence scores as malicious is not given back
without a second look. The script reads ``DBotScore`` for each SHA256 (the highest score any source gave, and who
gave it): bad (3) is held back, suspicious (2) too unless ``restore_suspicious`` is true; unknown (0) and good (1)
pass. A reputation command run on a file's MD5 or SHA1 records its score under that hash, while the ``File`` entry
it writes holds the file's hashes together (as keys, and in its ``Hashes`` list): so a score is read under the SHA256
or any hash a ``File`` entry of that SHA256 gives it, and a ``File`` entry marked ``Malicious`` holds the file as bad even without a score. It writes
``QuarantineRestore.Gate.allowed`` (what the playbook restores) and ``.held`` (each held file, its score, who scored
it and under which hash), and a note naming every held file with the command that restores it by hand.

Runs in XSOAR's stock python3 image (standard library only). Layout, as the pack's other scripts: constants,
pure helpers, ``gate_command(args, context)``, ``main(demisto_obj=None)``.
"""
import json
import re
import traceback

''' CONSTANTS '''

SHA256 = re.compile(r'[0-9a-fA-F]{64}')
SCORE_BAD = 3
SCORE_SUSPICIOUS = 2
SCORE_NAMES = {0: 'unknown', 1: 'good', 2: 'suspicious', 3: 'bad'}
VERDICT_UNREADABLE = 'unreadable'  # a score for the file that is not 0 to 3
# A File entry's hashes that name one file: those XSOAR itself tells File entries apart by (the DT of CommonServerPython's
# Common.File.CONTEXT_PATH), spelled as Common.File.to_context writes them, as keys and as Hashes list types.
HASH_KEYS = ('SHA256', 'MD5', 'SHA1', 'SHA512', 'SSDeep', 'CTPH', 'CRC32')
HASH_KINDS = {kind.upper(): kind for kind in HASH_KEYS}
BY_MALICIOUS = 'File.Malicious'  # scored_as for a source whose verdict is only a File entry's Malicious
RESTORE_COMMANDS = ('restore-file', 'hss-restore-isolated')
# (true): each run replaces the last one's verdict. Appended, an earlier run's allowed list would still be read by
# the playbooks (QuarantineRestore.Gate.allowed) after this run held the same file back.
GATE_CONTEXT_KEY = 'QuarantineRestore.Gate(true)'
ENTRY_TYPE_NOTE = 1
ENTRY_TYPE_ERROR = 4


class GateError(Exception):
    """An argument the script cannot work with; the message says what to give instead."""


''' HELPERS '''


def as_list(value):
    if value is None or value == '':
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith('['):
            try:
                return as_list(json.loads(text))
            except ValueError:
                pass
        return [part.strip() for part in text.split(',') if part.strip()]
    return value if isinstance(value, list) else [value]


def sha256_list(value):
    hashes = []
    for item in as_list(value):
        text = str(item).strip().lower()
        if not SHA256.fullmatch(text):
            raise GateError(f'file_hash takes SHA256 values (64 hexadecimal characters); got {text[:80]!r}.')
        if text not in hashes:
            hashes.append(text)
    return hashes


def objects_of(context, key, given, argument):
    """Every object of the context under ``key`` (DBotScore, File: one, or a list of them), and those given as an
    argument (a playbook with a context of its own passes the incident's), as a list of dicts."""
    return objects_in((context or {}).get(key), key, key) + objects_in(given, key, argument)


def objects_in(value, key, where):
    """The objects ``value`` holds: an object, JSON text of one, or a list of them (lists within lists too). Anything
    else is refused: skipped, it might have been the score that holds a file back."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else None
        except ValueError:
            raise GateError(f'{where} must be {key} objects (JSON), as XSOAR keeps them in context.') from None
    if value is None or isinstance(value, dict):
        return [value] if value else []
    if isinstance(value, list):
        return [item for part in value for item in objects_in(part, key, where)]
    raise GateError(f'{where} must be {key} objects (JSON), as XSOAR keeps them in context; it holds '
                    f'{type(value).__name__} {str(value)[:40]!r}.')


def score_value(raw):
    """A DBotScore Score as 0 to 3 (a number or its text, "3.0" too; none given is 0), or None when it is not one."""
    if raw is None or raw == '':
        return 0
    try:
        value = float(str(raw).strip())
    except ValueError:
        return None
    return int(value) if value.is_integer() and 0 <= value <= SCORE_BAD else None


def hashes_of(entry):
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


def hashes_list(value):
    """A File entry's Hashes: {type, value} items. Anything else is refused: skipped, it might have been the hash that
    links the file to its bad score."""
    items = [] if value is None or value == '' else value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, dict):
            raise GateError(f'File.Hashes must be a list of {{"type", "value"}} objects, as CommonServerPython\'s '
                            f'Common.File writes it; it holds {type(item).__name__} {str(item)[:40]!r}.')
    return items


def texts(value):
    """A DBotScore field's text values, lower case: one, or a list of them in messy context."""
    return [str(item).strip().lower() for item in (value if isinstance(value, list) else [value])
            if item is not None and not isinstance(item, (dict, list)) and str(item).strip()]


def aliases(files, file_hash):
    """(the File entries of the file, its hashes {value: kind}, the SHA256 first): the entries whose SHA256 it is, and
    those with no SHA256 that share one of its other hashes (an enrichment that knew only the MD5), until no entry is
    added. An entry with another SHA256 is another file, whatever else it shares."""
    known, linked = {file_hash: 'SHA256'}, []
    added = True
    while added:
        added = False
        for entry in files:
            if any(entry is seen for seen in linked):
                continue
            hashes = hashes_of(entry)
            sha256 = {value for value, kind in hashes.items() if kind == 'SHA256'}
            if file_hash not in sha256 and (sha256 or known.keys().isdisjoint(hashes)):
                continue
            linked.append(entry)
            added = True
            for value, kind in hashes.items():
                known.setdefault(value, kind)
    return linked, known


def malicious_vendors(value):
    """The vendors a File entry's ``Malicious`` names ('' for one that names none); none when it is empty or absent."""
    return [str(item.get('Vendor') or '').strip() if isinstance(item, dict) else ''
            for item in (value if isinstance(value, list) else [value]) if item]


def reputation(scores, files, file_hash):
    """(the highest score any source gave the file, {source: how it was found} for the sources that gave it,
    {source: how it was found} for those whose score cannot be read). How: 'SHA256', or '<kind> <value>' for a score
    recorded under another hash of the file, or File.Malicious for a File entry marked malicious without a score."""
    linked, known = aliases(files, file_hash)
    best, sources, unreadable = 0, {}, {}
    for score in scores:
        # An Indicator (or a Score) that holds a list: each indicator of the file takes the highest of the scores.
        indicators = [indicator for indicator in texts(score.get('Indicator')) if indicator in known]
        if not indicators:
            continue
        indicator = file_hash if file_hash in indicators else indicators[0]
        how = 'SHA256' if indicator == file_hash else f'{known[indicator]} {indicator}'
        raw = score.get('Score')
        values = [score_value(item) for item in (raw if isinstance(raw, list) and raw else [raw])]
        vendor = ', '.join(str(v) for v in (score.get('Vendor') if isinstance(score.get('Vendor'), list)
                                            else [score.get('Vendor')]) if v)
        if None in values:
            keep(unreadable, f'{vendor or "a reputation source"} ({raw!r})', how)
            continue
        value = max(values)
        if value > best:
            best, sources = value, {}
        if value == best and value and vendor:
            keep(sources, vendor, how)
    for entry in linked:
        for vendor in malicious_vendors(entry.get('Malicious')):
            if best < SCORE_BAD:
                best, sources = SCORE_BAD, {}
            if vendor:
                sources.setdefault(vendor, BY_MALICIOUS)
    return best, sources, unreadable


def keep(sources, source, how):
    """Notes how a source's verdict was found: a score under the SHA256 itself wins over one under another hash."""
    if how == 'SHA256' or source not in sources:
        sources[source] = how


def named(sources):
    """Each source as the note names it: with the hash its verdict was recorded under when that is not the SHA256."""
    texts = []
    for source, how in sources.items():
        if how == BY_MALICIOUS:
            texts.append(f'{source} (its File entry is marked Malicious)')
        elif how != 'SHA256':
            kind, value = how.split(' ', 1)
            texts.append(f'{source} (under its {kind} `{value}`)')
        else:
            texts.append(source)
    return ', '.join(texts) or 'a reputation source'


''' COMMAND '''


def gate_command(args, context):
    hashes = sha256_list(args.get('file_hash'))
    restore_suspicious = str(args.get('restore_suspicious') or 'false').strip().lower() == 'true'
    command = str(args.get('restore_command') or RESTORE_COMMANDS[0]).strip()
    if command not in RESTORE_COMMANDS:
        raise GateError(f'restore_command must be one of {", ".join(RESTORE_COMMANDS)}; got {command!r}.')
    scores = objects_of(context, 'DBotScore', args.get('dbot_score'), 'dbot_score')
    files = objects_of(context, 'File', args.get('file_entries'), 'file_entries')
    allowed, held, who_of = [], [], {}
    for file_hash in hashes:
        score, sources, unreadable = reputation(scores, files, file_hash)
        if score >= SCORE_BAD or (score == SCORE_SUSPICIOUS and not restore_suspicious):
            verdict = SCORE_NAMES[score]
        elif unreadable:  # a verdict this check cannot read might be "bad": the analyst decides, not the playbook
            verdict, sources = VERDICT_UNREADABLE, unreadable
        else:
            allowed.append(file_hash)
            continue
        held.append({'file_hash': file_hash, 'score': score, 'verdict': verdict, 'scored_by': list(sources),
                     'scored_as': list(sources.values())})
        who_of[file_hash] = named(sources)
    lines = [f'{len(allowed)} of {len(hashes)} file(s) may be restored automatically.']
    for item in held:
        who = who_of[item['file_hash']]
        by_hand = f'If an analyst is sure it is benign: `!{command} file_hash={item["file_hash"]}`'
        if item['verdict'] == VERDICT_UNREADABLE:
            lines.append(f'- **Held back**: `{item["file_hash"]}` has a score this check cannot read, from {who} '
                         f'(DBotScore.Score should be 0 to 3). {by_hand}')
            continue
        why = '' if item['score'] >= SCORE_BAD else ' (suspicious files are restored only with RestoreSuspicious)'
        lines.append(f'- **Held back**: `{item["file_hash"]}` is scored {item["verdict"]} ({item["score"]}) by '
                     f'{who}{why}. {by_hand}')
    text = '### Quarantine restore: reputation check\n' + '\n'.join(lines)
    return {'Type': ENTRY_TYPE_NOTE, 'ContentsFormat': 'json', 'Contents': {'allowed': allowed, 'held': held},
            'HumanReadable': text, 'ReadableContentsFormat': 'markdown',
            'EntryContext': {GATE_CONTEXT_KEY: {'allowed': allowed, 'held': held}},
            'Note': bool(held)}  # a held file is the analyst's to decide: only then a note


''' MAIN '''


def main(demisto_obj=None):
    """Entry point: XSOAR runs it with its global ``demisto``; tests and the war room pass their own."""
    runtime = demisto_obj if demisto_obj is not None else globals()['demisto']
    try:
        entry = gate_command(runtime.args() or {}, runtime.context() or {})
    except GateError as error:
        entry = {'Type': ENTRY_TYPE_ERROR, 'ContentsFormat': 'text',
                 'Contents': f'QuarantineRestoreReputationGate could not run: {error}'}
    except Exception as error:  # noqa: BLE001 - a fault still becomes an entry, never a traceback in the war room
        try:
            runtime.debug(traceback.format_exc())
        except Exception:  # noqa: BLE001 - logging is best effort
            pass
        entry = {'Type': ENTRY_TYPE_ERROR, 'ContentsFormat': 'text',
                 'Contents': f'QuarantineRestoreReputationGate failed because of an unexpected {type(error).__name__}: '
                             f'{error}. This is a fault in the script; the debug log holds the details.'}
    runtime.results(entry)


if __name__ in ('__main__', '__builtin__', 'builtins'):
    main()
