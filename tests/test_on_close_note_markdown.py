"""The on-close script's note quotes the close reason, reputation vendors' names, HSS paths and HSS's reasons, and the
JSON of an earlier record's field that is not text: markdown must show each as it is, keep each on its bullet's one
line, and leave each by-hand command the one code span an analyst copies. Restores go to the emulated vendors over
loopback; the note is read with tests/commonmark_reading.py (CommonMark's rules); the texts are in
test_data/xsoar/markdown_texts.json."""
from __future__ import annotations

import copy
import json
import re

import pytest

import restore_integration as ri
from commonmark_reading import as_commonmark_reads, as_soft_breaks, emphasis_pairs, markup_in
from conftest import TEST_DATA, hss_seed_copies, load_json, start_hss_tenant
from warroom.line import CommandLine, parse_line
from warroom.playbook.incidents import POST_PROCESSING_SCRIPT, IncidentFile, close_incident
from warroom.playbook.runner import PlaybookRunner

INCIDENTS = TEST_DATA / 'incidents'
TEXTS = load_json(TEST_DATA / 'xsoar' / 'markdown_texts.json')
PYTHON_PACKAGE = TEST_DATA / 'hss' / 'tenant_python_package.json'


def the_line_shown(note: str, naming: str) -> tuple[list[str], str]:
    """(code spans, text shown) of the one line of the note that shows ``naming``; it holds no markup, emphasis
    or line break the value brought in."""
    lines = [line for line in re.split(r'\r\n|\r|\n', note) if naming in as_commonmark_reads(line)[1]]
    assert len(lines) == 1, note
    [line] = lines
    assert markup_in(line) == [] and emphasis_pairs(line) == [], line
    return as_commonmark_reads(line)


def the_command(spans: list[str], command: str) -> CommandLine:
    [span] = [span for span in spans if span.startswith(f'!{command} ')]
    return parse_line(span)


def close_hss_by_path(path: str, seed=PYTHON_PACKAGE) -> tuple[str, str]:
    """(the note, the host) of an HSS incident with no hash closed as a false positive, whose file is ``path`` on the
    seed's host: the on-close script restores it by host and path, in an emulated HSS project."""
    [host] = {copy['host_id'] for copies in hss_seed_copies(seed).values() for copy in copies}
    sample = IncidentFile.load(INCIDENTS / 'hss_false_positive.json')
    fields = dict(sample.incident['CustomFields'], filesha256=[], huaweihsshostid=host, filepath=path,
                  huaweihssfilepaths=[path])
    incident = close_incident(dict(sample.incident, CustomFields=fields), 'False Positive')
    tenant = start_hss_tenant(seed=seed)
    try:
        runner = PlaybookRunner(tenant.params(), time_scale=0, sleep=lambda _: None)
        run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, {})
    finally:
        tenant.stack.close()
    assert not run.failed, run.error
    return run.notes[-1], host


def test_a_python_package_path_restored_on_close_is_named_as_it_is():
    """.../site-packages/__init__.py: markdown reads its __ runs as strong emphasis (init.py in bold)."""
    [[isolated]] = hss_seed_copies(PYTHON_PACKAGE).values()
    assert emphasis_pairs(isolated['file_path'])

    note, _ = close_hss_by_path(isolated['file_path'])

    spans, shown = the_line_shown(note, 'started for')
    assert f'started for {isolated["file_path"]}.' in shown
    assert spans == ['!hss-restore-isolated', isolated['file_path']]  # the path in a code span, as it is


@pytest.mark.parametrize('path', TEXTS['paths'])
def test_a_path_hss_holds_no_isolated_copy_of_is_named_as_it_is_beside_hss_s_reason_and_its_by_hand_command(path):
    note, host = close_hss_by_path(path)

    spans, shown = the_line_shown(note, 'restored no copy of')
    assert f'restored no copy of {path}:' in shown
    line = the_command(spans, 'hss-restore-isolated')
    assert ri.hss_field_list(line.args['file_path'], 'file_path') == [path]
    assert ri.hss_field_list(line.args['host_id'], 'host_id') == [host]


@pytest.mark.parametrize('vendor', TEXTS['vendor_names'])
def test_a_held_file_s_line_names_the_vendor_that_scored_it_as_it_is_and_gives_its_command_whole(vendors, vendor):
    sample = IncidentFile.load(INCIDENTS / 'xdr_known_bad.json')
    context = copy.deepcopy(sample.context)
    for score in context['DBotScore']:
        score['Vendor'] = vendor
    incident = close_incident(sample.incident, 'False Positive')
    xdr, hss = vendors
    runner = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None)

    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, context)

    assert not run.failed, run.error
    [file_hash] = sample.incident['CustomFields']['filesha256']
    spans, shown = the_line_shown(run.notes[-1], 'not restored automatically')
    assert as_soft_breaks(vendor) in shown
    assert the_command(spans, 'restore-file').args == {'file_hash': file_hash,
                                                       'incident_id': sample.incident['CustomFields']['xdrincidentid']}


@pytest.mark.parametrize('reason', TEXTS['vendor_names'])
def test_a_close_reason_that_is_not_a_false_positive_is_quoted_as_it_is(vendors, reason):
    sample = IncidentFile.load(INCIDENTS / 'xdr_known_bad.json')
    xdr, hss = vendors
    runner = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None)

    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(sample.incident, reason), sample.context)

    assert not run.failed, run.error
    _, shown = the_line_shown(run.notes[-1], 'not as a false positive')
    assert f'"{as_soft_breaks(reason)}"' in shown


@pytest.mark.parametrize('value', TEXTS['context_objects'])
def test_an_earlier_record_s_endpoint_that_is_not_text_is_quoted_as_its_json_as_it_is(vendors, value):
    """The note copies the reputation gate's line of a file whose earlier CortexXDR.RestoredFile record names its
    endpoint as an object or list: that line quotes its JSON, which markdown shows as it is, on the line."""
    sample = IncidentFile.load(INCIDENTS / 'xdr_false_positive.json')
    [file_hash] = {row['file_sha256'] for row in sample.incident['CustomFields']['xdrfileartifacts']}
    record = {'file_hash': file_hash, 'endpoint_id': value, 'action_id': 7, 'status': 'COMPLETED_SUCCESSFULLY',
              'restored_count': 1, 'failed_count': 0}
    xdr, hss = vendors
    runner = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None)

    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(sample.incident, 'False Positive'),
                                     {'CortexXDR': {'RestoredFile': [record]}})

    assert not run.failed, run.error
    _, shown = the_line_shown(run.notes[-1], json.dumps(value))
    assert file_hash in shown and f'endpoint_id is {"a list" if isinstance(value, list) else "an object"}' in shown


@pytest.mark.parametrize('path', TEXTS['with_line_breaks'])
def test_a_path_holding_a_line_break_leaves_the_by_hand_command_whole_on_its_one_line(path):
    """hss-restore-isolated refuses such a path; the by-hand command quotes it in a code span, where a line break
    would end the line and start a heading or a bullet with the rest: CommonMark shows one in a span as a blank."""
    note, host = close_hss_by_path(path)

    spans, _ = the_line_shown(note, 'To restore by hand')
    line = the_command(spans, 'hss-restore-isolated')
    assert ri.hss_field_list(line.args['file_path'], 'file_path') == [as_soft_breaks(path)]
    assert ri.hss_field_list(line.args['host_id'], 'host_id') == [host]
