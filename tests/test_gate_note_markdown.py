"""The reputation gate's note quotes a DBotScore's Vendor, a File entry's hashes, a restore's host and path, and an
earlier restore's host names: markdown must show each as it is, keep each held file on its one line, and leave the
by-hand command the one code span an analyst copies. Read with tests/commonmark_reading.py (CommonMark's rules); the
texts are in test_data/xsoar/markdown_texts.json and drawn by hypothesis."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import example, given, settings

import restore_integration as ri
from commonmark_reading import (MARKDOWN_TEXT, as_commonmark_reads, as_soft_breaks, bare_links, emphasis_pairs,
                                markup_in)
from conftest import TEST_DATA, load_json
from warroom.line import CommandLine, parse_line
from warroom.playbook.runner import _load_script

GATE = _load_script('QuarantineRestoreReputationGate')
TEXTS = load_json(TEST_DATA / 'xsoar' / 'markdown_texts.json')
SHA256 = '4e7b2a9c1f3d5e8a0b6c2d4f7a9e1b3c5d8f0a2c4e6b8d1f3a5c7e9b2d4f6a8c'
def note_lines(entry: dict) -> list[str]:
    """The note's lines, where CommonMark ends them (2.1)."""
    return re.split(r'\r\n|\r|\n', entry['HumanReadable'])


def the_line_shown(entry: dict, naming: str) -> tuple[list[str], str]:
    """(code spans, text shown) of the one line of the note that names ``naming``, as it is shown; the line is plain
    text but for its code spans."""
    lines = [line for line in note_lines(entry) if naming in as_commonmark_reads(line)[1]]
    assert len(lines) == 1, entry['HumanReadable']
    [line] = lines
    own = line.replace('- **Held back**:', '-', 1)  # the note's own emphasis
    assert markup_in(line) == [] and emphasis_pairs(own) == [], line
    return as_commonmark_reads(line)


def the_command(spans: list[str], command: str) -> CommandLine:
    [span] = [span for span in spans if span.startswith(f'!{command} ')]
    return parse_line(span)


@given(MARKDOWN_TEXT)
@example(TEXTS['vendor_names'][0])
@example(TEXTS['vendor_names'][1])
@example(TEXTS['vendor_names'][2])
@example(TEXTS['vendor_names'][3])
@example(TEXTS['vendor_names'][4])
@settings(max_examples=200, deadline=None)
def test_a_held_file_s_line_shows_the_vendor_that_scored_it_as_it_is_and_its_command_whole(vendor):
    entry = GATE.gate_command({'file_hash': SHA256},
                              {'DBotScore': {'Indicator': SHA256, 'Type': 'file', 'Vendor': vendor, 'Score': 3}})

    assert len(note_lines(entry)) == 3  # the title, the count, the held file's line
    spans, shown = the_line_shown(entry, SHA256)
    assert as_soft_breaks(vendor) in shown
    line = the_command(spans, 'restore-file')
    assert line.args == {'file_hash': SHA256}


def is_a_score(text: str) -> bool:
    """A DBotScore Score: 0 to 3 (DESIGN.md), as a number or its text."""
    try:
        value = float(text.strip())
    except ValueError:
        return False
    return value.is_integer() and 0 <= value <= 3


@given(MARKDOWN_TEXT.filter(lambda text: not is_a_score(text)))
@example(TEXTS['vendor_names'][1])
@settings(max_examples=100, deadline=None)
def test_an_unreadable_score_s_line_shows_its_vendor_and_score_as_they_are(score):
    vendor = TEXTS['vendor_names'][0]
    entry = GATE.gate_command({'file_hash': SHA256},
                              {'DBotScore': {'Indicator': SHA256, 'Type': 'file', 'Vendor': vendor, 'Score': score}})

    [held] = entry['Contents']['held']
    assert held['verdict'] == 'unreadable'
    spans, shown = the_line_shown(entry, SHA256)
    assert as_soft_breaks(vendor) in shown and f'(score {json.dumps(score, ensure_ascii=False)})' in shown
    assert the_command(spans, 'restore-file').args == {'file_hash': SHA256}


@pytest.mark.parametrize('score, quoted', [('high', '(score "high")'), ('*x*\n# y', r'(score "*x*\n# y")'),
                                           (['high', 'low'], '(score ["high", "low"])'), (7, '(score 7)')])
def test_an_unreadable_score_is_quoted_as_json_text_as_a_war_room_line_reads_a_value_not_as_python_writes_it(
        score, quoted):
    """A score the gate cannot read was quoted as Python's repr: VirusTotal ('high'). The line reads it as JSON, a
    text in double quotes, its line break as \\n, its markdown shown as it is, on the held file's one line."""
    entry = GATE.gate_command({'file_hash': SHA256}, {'DBotScore': {'Indicator': SHA256, 'Type': 'file',
                                                                    'Vendor': 'VirusTotal', 'Score': score}})

    assert len(note_lines(entry)) == 3
    _, shown = the_line_shown(entry, SHA256)
    assert f'from VirusTotal {quoted} (DBotScore.Score should be 0 to 3)' in shown, shown
    assert "'high'" not in shown and entry['Contents']['held'][0]['scored_by'] == [f'VirusTotal {quoted}']


@pytest.mark.parametrize('value', TEXTS['context_objects'])
@pytest.mark.parametrize('beside', [[], ['VT']], ids=['alone', 'beside a name'])
def test_a_vendor_list_holding_an_object_or_list_is_quoted_as_its_json_as_it_is(beside, value):
    """A DBotScore Vendor that is a list holding an object or a list showed that item as Python writes it
    ({'a': 1}); the note quotes it as its JSON, as every other context value that is not text, as it is."""
    score = {'Indicator': SHA256, 'Type': 'file', 'Vendor': beside + [value], 'Score': 3}

    entry = GATE.gate_command({'file_hash': SHA256}, {'DBotScore': score})

    vendor = ', '.join(beside + [json.dumps(value)])
    _, shown = the_line_shown(entry, SHA256)
    assert f'scored malicious (3) by {vendor}.' in shown, shown
    assert entry['Contents']['held'][0]['scored_by'] == [vendor]


def test_a_score_under_another_hash_of_the_file_names_that_hash_as_it_is():
    """A File entry's MD5 is whatever the integration that wrote it put there; one with a backtick would end the span
    that quotes it and open one that swallows the command."""
    md5 = 'd41d8cd98f00`b204e9800998ecf8427e'
    context = {'File': {'SHA256': SHA256, 'MD5': md5},
               'DBotScore': {'Indicator': md5, 'Type': 'file', 'Vendor': 'VT', 'Score': 3}}

    entry = GATE.gate_command({'file_hash': SHA256}, context)

    spans, shown = the_line_shown(entry, SHA256)
    assert md5 in spans
    assert the_command(spans, 'restore-file').args == {'file_hash': SHA256}


@pytest.mark.parametrize('md5', TEXTS['with_line_breaks'])
def test_a_hash_of_the_file_holding_a_line_break_is_quoted_on_the_held_file_s_one_line(md5):
    """Inside the code span that quotes it, a line break would end the held file's line, and the rest of the hash
    would start a heading or a bullet, the command after it: CommonMark shows a line break in a span as a blank."""
    context = {'File': {'SHA256': SHA256, 'MD5': md5},
               'DBotScore': {'Indicator': md5, 'Type': 'file', 'Vendor': 'VT', 'Score': 3}}

    entry = GATE.gate_command({'file_hash': SHA256}, context)

    assert len(note_lines(entry)) == 3  # the title, the count, the held file's line
    spans, _ = the_line_shown(entry, SHA256)
    assert as_soft_breaks(md5) in spans
    assert the_command(spans, 'restore-file').args == {'file_hash': SHA256}


@pytest.mark.parametrize('path', TEXTS['paths'])
@pytest.mark.parametrize('host_id', TEXTS['host_names'])
def test_a_file_held_by_its_path_shows_the_path_and_host_as_they_are_and_its_command_restores_them(path, host_id):
    other_sha256 = 'a`' + SHA256[2:]  # a File entry's SHA256 is the writer's text
    context = {'File': {'Path': path, 'SHA256': other_sha256},
               'DBotScore': {'Indicator': other_sha256, 'Type': 'file', 'Vendor': 'VT', 'Score': 3}}

    entry = GATE.gate_command({'file_path': path, 'host_id': host_id, 'restore_command': 'hss-restore-isolated'},
                              context)

    spans, shown = the_line_shown(entry, path)
    assert host_id in shown and other_sha256 in shown
    line = the_command(spans, 'hss-restore-isolated')
    assert ri.hss_field_list(line.args['file_path'], 'file_path') == [path]
    assert ri.hss_field_list(line.args['host_id'], 'host_id') == [host_id]


@pytest.mark.parametrize('host_name', TEXTS['host_names'])
def test_a_file_an_earlier_restore_gave_back_is_said_not_sent_again_naming_its_host_as_it_is(host_name):
    record = {'host_id': 'h-1', 'host_name': host_name, 'file_hash': SHA256, 'file_path': TEXTS['paths'][1],
              'outcome': 'restored'}

    entry = GATE.gate_command({'file_hash': SHA256, 'host_id': 'h-1', 'restore_command': 'hss-restore-isolated',
                               'restored_before': [record]}, {})

    assert entry['Contents']['not_sent']
    spans, shown = the_line_shown(entry, 'was not run again')
    assert f'restored it on {host_name}' in shown
    # a record naming no enterprise project is the default one's, which the command names (0) whatever the instance's
    assert the_command(spans, 'hss-restore-isolated').args == {'file_hash': SHA256, 'host_id': 'h-1',
                                                               'enterprise_project_id': '0'}


def test_an_action_id_an_earlier_restore_file_recorded_is_named_as_it_is():
    record = {'file_hash': SHA256, 'endpoint_id': '', 'action_id': '7_[x](y)', 'status': 'COMPLETED_SUCCESSFULLY',
              'restored_count': 1, 'failed_count': 0}

    entry = GATE.gate_command({'file_hash': SHA256, 'restored_before': [record]}, {})

    spans, shown = the_line_shown(entry, 'was not run again')
    assert f'(action {record["action_id"]})' in shown
    assert the_command(spans, 'restore-file').args == {'file_hash': SHA256}


def test_the_endpoints_a_restore_file_is_limited_to_are_named_as_they_are():
    endpoints = TEXTS['host_names'][:2]

    entry = GATE.gate_command({'file_hash': SHA256, 'endpoint_id': endpoints}, {})

    _, shown = the_line_shown(entry, 'may be restored automatically')
    assert f'on endpoints {", ".join(endpoints)}.' in shown


@pytest.mark.parametrize('args, context', [
    ({'file_hash': SHA256}, {}),  # on every endpoint: none to name
    ({'file_hash': SHA256, 'endpoint_id': ['ep-1']},  # nothing may be restored: no endpoint it is restored on
     {'DBotScore': {'Indicator': SHA256, 'Type': 'file', 'Vendor': 'VT', 'Score': 3}}),
], ids=['no-endpoint-given', 'none-allowed'])
def test_the_note_names_endpoints_only_of_a_restore_limited_to_them_that_restores_a_file(args, context):
    entry = GATE.gate_command(args, context)

    _, shown = the_line_shown(entry, 'may be restored automatically')
    allowed = 0 if context else 1
    assert shown == f'{allowed} of 1 file may be restored automatically.', shown


@pytest.mark.parametrize('count, listed', [(50, 50), (51, 20)])
def test_the_note_names_up_to_50_endpoints_of_a_restore_each_and_past_that_20_of_them(count, listed):
    """As the note's other lines at scale (README: past 50, name 20 and how many more), its first line names each of
    up to 50 endpoints of a restore, and 20 of more."""
    endpoints = [f'ep-{number}' for number in range(1, count + 1)]

    entry = GATE.gate_command({'file_hash': SHA256, 'endpoint_id': endpoints}, {})

    _, shown = the_line_shown(entry, 'may be restored automatically')
    named = ', '.join(endpoints[:listed])
    assert (f'on {count} endpoints ({named} and {count - listed} more: QuarantineRestore.Gate.endpoints lists each)'
            if count > listed else f'on endpoints {named}.') in shown, shown
    assert f'ep-{listed + 1},' not in shown and f'ep-{listed + 1}.' not in shown


@pytest.mark.parametrize('count, endpoints, to_fill_in', [(51, ['ep-1'], False), (25, ['ep-1', 'ep-2'], False),
                                                         (26, ['ep-1', 'ep-2'], True)])
def test_files_held_past_50_file_endpoint_pairs_get_a_command_to_fill_in_else_each_its_whole_one(count, endpoints,
                                                                                                  to_fill_in):
    """README: past 50 held file-endpoint pairs a held file's line gives the command for one endpoint, to fill in. Up
    to 50 (25 files on 2 endpoints), and on one endpoint however many files are held (nothing to fill in), each line
    gives its commands whole, one per endpoint."""
    file_hashes = [f'{number:064x}' for number in range(1, count + 1)]
    context = {'DBotScore': [{'Indicator': h, 'Type': 'file', 'Vendor': 'VT', 'Score': 3} for h in file_hashes]}

    entry = GATE.gate_command({'file_hash': file_hashes, 'endpoint_id': endpoints}, context)

    for file_hash in file_hashes:
        spans, shown = the_line_shown(entry, file_hash)
        commands = [parse_line(span).args for span in spans if span.startswith('!restore-file ')]
        assert commands == ([{'file_hash': file_hash, 'endpoint_id': '<endpoint_id>'}] if to_fill_in else
                            [{'file_hash': file_hash, 'endpoint_id': endpoint} for endpoint in endpoints]), shown


@pytest.mark.parametrize('count, files, endpoints, records', [(1, 'file', 'endpoint', 'record'),
                                                              (2, 'files', 'endpoints', 'records')])
def test_the_note_counts_files_endpoints_and_earlier_records_as_one_or_as_several(count, files, endpoints, records):
    """As the integration's entries do: "1 file", "2 files", never "file(s)"."""
    hashes, names = [SHA256, 'b' * 64][:count], ['ep-1', 'ep-2'][:count]
    untyped = [{'file_hash': SHA256, 'endpoint_id': {'id': name}, 'action_id': '7', 'status': 'COMPLETED_SUCCESSFULLY'}
               for name in names]  # endpoint_id an object: the record cannot keep the file from being restored

    entry = GATE.gate_command({'file_hash': hashes, 'endpoint_id': names, 'restored_before': untyped}, {})

    _, shown = the_line_shown(entry, 'may be restored automatically')
    assert f'{count} of {count} {files} may be restored automatically on {endpoints} {", ".join(names)}.' in shown
    _, shown = the_line_shown(entry, 'cannot keep the file from being restored again')
    assert shown.startswith(f'- {count} earlier CortexXDR.RestoredFile {records} of {SHA256},'), shown
    assert '(s)' not in entry['HumanReadable']


def test_an_earlier_restore_that_failed_on_some_endpoints_quotes_its_record_s_counts_as_they_are():
    """A record's restored_count is the context's value, which may not be a number: the line quotes it, and no
    noun whose number it would decide."""
    record = {'file_hash': SHA256, 'endpoint_id': '', 'action_id': '7', 'status': 'COMPLETED_WITH_FAILURES',
              'restored_count': 'one', 'failed_count': 2}

    entry = GATE.gate_command({'file_hash': SHA256, 'restored_before': [record]}, {})

    _, shown = the_line_shown(entry, 'was not run again')
    assert 'restored count: one, failed count: 2' in shown and '(s)' not in shown, shown


@pytest.mark.parametrize('failed_count', [1, 2, 'one'], ids=repr)
def test_an_earlier_restore_that_failed_on_one_endpoint_or_several_says_the_file_is_quarantined_on_each(failed_count):
    """The line said "still quarantined on the endpoints it failed on" of a restore whose record counts one failure
    too: its words hold now for one endpoint or several, whatever the record's count, quoted as it is, says."""
    record = {'file_hash': SHA256, 'endpoint_id': '', 'action_id': '7', 'status': 'COMPLETED_WITH_FAILURES',
              'restored_count': 2, 'failed_count': failed_count}

    entry = GATE.gate_command({'file_hash': SHA256, 'restored_before': [record]}, {})

    _, shown = the_line_shown(entry, 'was not run again')
    assert f'failed count: {failed_count}; its record says why) (action 7). It is still quarantined on each endpoint ' \
        'that restore failed on: once the cause is fixed, restore it by hand' in shown, shown


@pytest.mark.parametrize('value', TEXTS['context_objects'])
@pytest.mark.parametrize('command, field', [('restore-file', 'endpoint_id'), ('hss-restore-isolated', 'host_id')])
def test_an_earlier_record_s_field_that_is_not_text_is_quoted_as_its_json_as_it_is(command, field, value):
    """A CortexXDR.RestoredFile record naming its endpoint, or a HuaweiHSS.RestoredFile row its host, as an object or
    list is read without it, and the file's line quotes its JSON: whatever text the object holds, markdown shows it
    as it is, on that one line."""
    record = {'file_hash': SHA256, field: value, 'action_id': 1001, 'status': 'COMPLETED_SUCCESSFULLY',
              'restored_count': 1, 'failed_count': 0, 'file_path': '/opt/app/run.sh', 'outcome': 'restoring'}

    entry = GATE.gate_command({'file_hash': SHA256, 'restore_command': command, 'restored_before': [record]}, {},
                              lambda called, args: [])

    _, shown = the_line_shown(entry, json.dumps(value))
    assert f'{field} is {"a list" if isinstance(value, list) else "an object"}, {json.dumps(value)}' in shown, shown


def test_an_earlier_restore_that_failed_on_some_endpoints_is_said_to_have_restored_the_file_with_failures():
    """Cortex XDR's COMPLETED_WITH_FAILURES: the line says the restore gave the file back with failures, not that it
    restored it, beside the counts its record holds."""
    record = {'file_hash': SHA256, 'endpoint_id': '', 'action_id': '7', 'status': 'COMPLETED_WITH_FAILURES',
              'restored_count': 2, 'failed_count': 1}

    entry = GATE.gate_command({'file_hash': SHA256, 'restored_before': [record]}, {})

    _, shown = the_line_shown(entry, 'was not run again')
    assert 'restored it with failures (restored count: 2, failed count: 1;' in shown, shown


def test_earlier_restores_of_a_file_on_more_endpoints_than_the_note_details_are_named_as_actions():
    """Past the endpoints the note gives a line each, one line names the file's earlier restores: "actions", as the
    note counts its files and endpoints, one or several."""
    endpoints = [f'ep-{n}' for n in range(60)]
    records = [{'file_hash': SHA256, 'endpoint_id': endpoint, 'action_id': str(100 + n),
                'status': 'COMPLETED_SUCCESSFULLY'} for n, endpoint in enumerate(endpoints)]

    entry = GATE.gate_command({'file_hash': SHA256, 'endpoint_id': endpoints, 'restored_before': records}, {})

    _, shown = the_line_shown(entry, 'was not run again')
    assert 'on each endpoint it was given (actions 100, 101, ' in shown and ' and 40 more)' in shown, shown


@pytest.mark.parametrize('paths, files', [(['/opt/app/run.sh'], 'file'),
                                          (['/opt/app/run.sh', '/opt/app/lib.so'], 'files')])
def test_files_asked_for_by_their_path_are_counted_among_the_files_that_may_be_restored(paths, files):
    """An HSS restore may name its files by path alone: the note's first line counts them as the files asked for."""
    entry = GATE.gate_command({'file_path': paths, 'host_id': 'h-1', 'restore_command': 'hss-restore-isolated'}, {})

    _, shown = the_line_shown(entry, 'may be restored automatically')
    assert shown.startswith(f'{len(paths)} of {len(paths)} {files} may be restored automatically'), shown


# GFM's bare links (www. and http://), whose text GitHub's reader takes from the source as it stands: a vendor's URL
# holding a character escaped for markdown (&, _, ~) would show its backslash, and link where the vendor chose.
@pytest.mark.parametrize('vendor', ['Intel from www.vendor.example', 'https://x.example/?a=1&b=_2 (www.y.example/~a~)',
                                    'ftp://mirror.example/_pub_'])
def test_a_held_file_s_line_shows_a_vendor_named_like_a_link_as_written_and_links_nothing(vendor):
    entry = GATE.gate_command({'file_hash': SHA256},
                              {'DBotScore': {'Indicator': SHA256, 'Type': 'file', 'Vendor': vendor, 'Score': 3}})

    spans, shown = the_line_shown(entry, SHA256)
    assert vendor in shown, shown
    [line] = [line for line in note_lines(entry) if SHA256 in line]
    assert bare_links(line) == [], line
    assert the_command(spans, 'restore-file').args == {'file_hash': SHA256}
