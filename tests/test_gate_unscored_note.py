"""The reputation gate's note for a file it lets through: under "reputation check", "may be restored automatically"
reads as checked and clean. XSOAR's convention is that no score, or a DBotScore of 0, is Unknown: a file no source
scored was not checked, and the note says so, and why it is restored anyway (README: unknown (0) and good (1) are
restored; only RestoreSuspicious changes what is held, and only for suspicious files). The shapes are XSOAR's
(test_data/xsoar/entries/file_scored_good_and_unknown.json: Indicator, Type, Vendor, Score, Reliability)."""
from __future__ import annotations

import re

import facts
from conftest import TEST_DATA, gate_verdicts, load_json
from warroom.context import merge_entry_context
from warroom.playbook.runner import _load_script

GATE = _load_script('QuarantineRestoreReputationGate')
REPLY = load_json(TEST_DATA / 'xsoar' / 'entries' / 'file_scored_good_and_unknown.json')['entry']
TITLE = '### Quarantine restore: reputation check'
NEVER_SCORED = '4e7b2a9c1f3d5e8a0b6c2d4f7a9e1b3c5d8f0a2c4e6b8d1f3a5c7e9b2d4f6a8c'  # no DBotScore names it


def scored(score: int) -> dict:
    """The reply's DBotScore of that score: the SHA256 it names, the vendor that gave it."""
    [found] = [item for key, items in REPLY['EntryContext'].items() if key.startswith('DBotScore(')
               for item in items if item['Score'] == score]
    return found


def incident_context() -> dict:
    context: dict = {}
    merge_entry_context(context, REPLY['EntryContext'])
    return context


def lines_naming(entry: dict, value: str) -> list[str]:
    return [line for line in entry['HumanReadable'].splitlines() if value in line]


def test_a_file_no_reputation_source_scored_is_said_to_be_unknown_and_restored_as_the_check_lets_unknown_through():
    """The demo's every HSS and Cortex XDR close: `!file` skipped (no reputation integration enabled), so no DBotScore
    names the file. It is restored (README's policy), and the note says no source scored it, that it is unknown, and
    that the check holds back only scored files (the input RestoreSuspicious covers suspicious ones only)."""
    for context in ({}, incident_context()):  # nothing in context; scores of other files only
        entry = GATE.gate_command({'file_hash': NEVER_SCORED}, context)

        assert gate_verdicts(entry)['allowed'] == [NEVER_SCORED]
        [line] = lines_naming(entry, NEVER_SCORED)
        assert 'no reputation source scored' in line and 'unknown' in line, entry['HumanReadable']
        assert 'restored' in line and 'RestoreSuspicious' in line, line


def test_a_file_a_source_scored_good_keeps_the_note_of_a_file_that_may_be_restored():
    good = scored(1)

    entry = GATE.gate_command({'file_hash': good['Indicator']}, incident_context())

    assert gate_verdicts(entry)['allowed'] == [good['Indicator']]
    assert entry['HumanReadable'] == f'{TITLE}\n1 of 1 file may be restored automatically.'


def test_a_file_a_source_scored_unknown_0_is_said_to_be_unknown_to_that_source_not_checked_clean():
    unknown = scored(0)

    entry = GATE.gate_command({'file_hash': unknown['Indicator']}, incident_context())

    assert gate_verdicts(entry)['allowed'] == [unknown['Indicator']]
    [line] = lines_naming(entry, unknown['Indicator'])
    assert f'scored unknown (0) by {unknown["Vendor"]}' in line and 'RestoreSuspicious' in line, line
    assert 'no reputation source scored' not in line, line


def test_of_files_scored_good_and_not_scored_only_those_not_scored_are_named_unknown():
    good, unknown = scored(1), scored(0)
    asked = [good['Indicator'], unknown['Indicator'], NEVER_SCORED]

    entry = GATE.gate_command({'file_hash': ','.join(asked)}, incident_context())

    note = entry['HumanReadable']
    assert note.splitlines()[1] == '3 of 3 files may be restored automatically.', note
    assert lines_naming(entry, good['Indicator']) == [], note
    assert len(lines_naming(entry, unknown['Indicator'])) == len(lines_naming(entry, NEVER_SCORED)) == 1, note


def test_a_path_no_file_entry_names_is_said_to_be_unknown_as_a_file_no_source_scored():
    path = '/opt/app/bin/test.exe'

    entry = GATE.gate_command({'file_path': path, 'restore_command': 'hss-restore-isolated', 'host_id': 'h1'}, {})

    assert gate_verdicts(entry)['allowed_paths'] == [path]
    [line] = lines_naming(entry, path)
    assert 'no reputation source scored' in line and 'unknown' in line, line


def test_past_the_listed_count_the_unknown_line_names_some_files_and_counts_the_rest():
    asked = [f'{n:064x}' for n in range(facts.READABLE_LISTED_MAX + 5)]

    entry = GATE.gate_command({'file_hash': asked}, {})

    [line] = [line for line in entry['HumanReadable'].splitlines() if 'no reputation source scored' in line]
    assert len(re.findall('[0-9a-f]{64}', line)) == facts.READABLE_LISTED_MAX and 'and 5 more' in line, line
