"""QuarantineRestoreReputationGate: which files may be restored automatically, by what XSOAR knows of them.

A close reason is a human judgement; a file that XSOAR's threat intelligence scores as malicious is not given back
without a second look. The script reads ``DBotScore`` for each SHA256 (the highest score any source gave, and who
gave it): bad (3) is held back, suspicious (2) too unless ``restore_suspicious`` is true; unknown (0) and good (1)
pass. It writes ``QuarantineRestore.Gate.allowed`` (what the playbook restores) and ``.held`` (each held file, its
score and who scored it), and a note naming every held file with the command that restores it by hand.

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
RESTORE_COMMANDS = ('restore-file', 'hss-restore-isolated')
GATE_CONTEXT_KEY = 'QuarantineRestore.Gate'
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


def scores_of(context, given=None):
    """Every DBotScore of the context, and those given as an argument (a playbook with a context of its own passes
    the incident's), as a list of dicts."""
    scores = []
    for value in ((context or {}).get('DBotScore'), given):
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else None
            except ValueError:
                raise GateError('dbot_score must be DBotScore objects (JSON), as XSOAR keeps them in context.') from None
        scores += [score for score in (value if isinstance(value, list) else [value]) if isinstance(score, dict)]
    return scores


def score_value(raw):
    """A DBotScore Score as 0 to 3 (a number or its text, "3.0" too; none given is 0), or None when it is not one."""
    if raw is None or raw == '':
        return 0
    try:
        value = float(str(raw).strip())
    except ValueError:
        return None
    return int(value) if value.is_integer() and 0 <= value <= SCORE_BAD else None


def reputation(scores, file_hash):
    """(the highest score any source gave the hash, the sources that gave it, the sources whose score for it cannot
    be read)."""
    best, vendors, unreadable = 0, [], []
    for score in scores:
        if str(score.get('Indicator') or '').strip().lower() != file_hash:
            continue
        value = score_value(score.get('Score'))
        if value is None:
            unreadable.append(f'{score.get("Vendor") or "a reputation source"} ({score.get("Score")!r})')
            continue
        if value > best:
            best, vendors = value, []
        if value == best and value and score.get('Vendor') and str(score['Vendor']) not in vendors:
            vendors.append(str(score['Vendor']))
    return best, vendors, unreadable


''' COMMAND '''


def gate_command(args, context):
    hashes = sha256_list(args.get('file_hash'))
    restore_suspicious = str(args.get('restore_suspicious') or 'false').strip().lower() == 'true'
    command = str(args.get('restore_command') or RESTORE_COMMANDS[0]).strip()
    if command not in RESTORE_COMMANDS:
        raise GateError(f'restore_command must be one of {", ".join(RESTORE_COMMANDS)}; got {command!r}.')
    scores = scores_of(context, args.get('dbot_score'))
    allowed, held = [], []
    for file_hash in hashes:
        score, vendors, unreadable = reputation(scores, file_hash)
        if score >= SCORE_BAD or (score == SCORE_SUSPICIOUS and not restore_suspicious):
            held.append({'file_hash': file_hash, 'score': score, 'verdict': SCORE_NAMES[score], 'scored_by': vendors})
        elif unreadable:  # a verdict this check cannot read might be "bad": the analyst decides, not the playbook
            held.append({'file_hash': file_hash, 'score': score, 'verdict': VERDICT_UNREADABLE,
                         'scored_by': unreadable})
        else:
            allowed.append(file_hash)
    lines = [f'{len(allowed)} of {len(hashes)} file(s) may be restored automatically.']
    for item in held:
        who = ', '.join(item['scored_by']) or 'a reputation source'
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
