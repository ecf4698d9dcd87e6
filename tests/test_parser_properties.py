"""Properties of the parsers and input checks no other property test covers (the integration's text helpers, reply
readers, settings and polling readers; the pack scripts' argument and context readers, and the markdown and war-room
text they write), over input of every shape: unicode, surrogates, huge numbers, NaN and infinities, bools where
numbers are meant, nested JSON, blanks, nothing. Each states what must hold for every input: a round trip, agreement
with an independent reader (the stdlib, the CommonMark readers of tests/commonmark_reading.py, the war-room line
parser that stands in for XSOAR's), or a refusal of the check's own type and nothing else."""
from __future__ import annotations

import json
import math
import re
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from email.utils import format_datetime, parsedate_to_datetime
from encodings.aliases import aliases
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings, strategies as st
from requests.structures import CaseInsensitiveDict

import restore_integration as ri
from conftest import FrozenTime
from commonmark_reading import MARKDOWN_TEXT, as_commonmark_reads, as_soft_breaks, emphasis_pairs, markup_in
from warroom.line import parse_line
from warroom.playbook.runner import _load_script

SCRIPTS = {name: _load_script(name) for name in (
    'QuarantineRestoreSummary', 'QuarantineRestoreReputationGate', 'QuarantineRestoreOnClose')}
GATE, SUMMARY, ON_CLOSE = (SCRIPTS[name] for name in (
    'QuarantineRestoreReputationGate', 'QuarantineRestoreSummary', 'QuarantineRestoreOnClose'))
FAST = settings(max_examples=150, deadline=None)
# JSON as XSOAR's context and arguments hold it, and what JSON cannot hold but a caller might pass, or text that opens
# like JSON: nested past what Python's json reads (it raises RecursionError there, not ValueError).
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 30, 10 ** 30), st.floats(allow_nan=False,
                        allow_infinity=False), st.text(max_size=20))
any_json = st.recursive(json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                        max_leaves=8)
DEEP = '[' * 100_000 + ']' * 100_000
DEEP_OBJECTS = '[{"a": ' * 50_000 + '1' + '}]' * 50_000
odd = st.one_of(st.floats(), st.sampled_from([float('nan'), float('inf'), -float('inf'), True, False, 0, '', ' ',
                                              '\u2028', '\ud800', '[', '[]', '{}', 'null', 'NaN', '1e999', DEEP,
                                              DEEP_OBJECTS]))
anything = st.one_of(any_json, odd, st.lists(odd, max_size=2))
one_line_text = st.text(st.characters(blacklist_characters='\r\n'), min_size=1, max_size=40)


def one_of_each_script(helper):
    return pytest.mark.parametrize('script', [module for module in SCRIPTS.values() if hasattr(module, helper)],
                                   ids=lambda module: module.__name__.rsplit('_', 1)[-1])


# --------------------------------------------------------------------------- the scripts' markdown


@one_of_each_script('code_span')
@FAST
@given(text=one_line_text)
@example(text=' a ')  # a path with a blank at each end: CommonMark drops one blank at each end of such a span
@example(text=' /opt/app/run me ')
@example(text='`')
def test_a_code_span_shows_exactly_its_text(script, text):
    """CommonMark 6.1: the span a script writes is read back as the very text, so that a command or a path copied
    from the note is the one meant."""
    assert as_commonmark_reads(script.code_span(text)) == ([text], text)


@one_of_each_script('code_span')
@FAST
@given(text=MARKDOWN_TEXT)
@example(text='a\n# b')
def test_a_code_span_of_text_with_line_breaks_stays_on_one_line_showing_each_as_a_blank(script, text):
    """CommonMark 6.1 shows a line ending inside a span as a blank; a span across lines could be cut by the next line
    (a heading, a list item), and the note's line with it."""
    span = script.code_span(text)
    assert re.split(r'\r\n|\r|\n', span) == [span]
    assert as_commonmark_reads(span) == ([as_soft_breaks(text)], as_soft_breaks(text))


@one_of_each_script('shown_as_is')
@FAST
@given(text=MARKDOWN_TEXT)
def test_a_value_shown_as_is_reads_back_as_its_text_with_no_markup(script, text):
    shown = script.shown_as_is(text)
    assert '\n' not in shown and '\r' not in shown
    assert as_commonmark_reads(shown) == ([], as_soft_breaks(text))
    assert emphasis_pairs(shown) == [] and markup_in(shown) == []


@one_of_each_script('text_of')
@FAST
@given(value=any_json)
def test_text_of_any_context_value_is_the_text_itself_or_json_that_reads_back_as_the_value(script, value):
    text = script.text_of(value)
    assert isinstance(text, str)
    if isinstance(value, (dict, list)):
        assert json.loads(text) == value
    elif isinstance(value, str):
        assert text == value
    elif value is None:
        assert text == ''


# --------------------------------------------------------------------------- war-room lines the scripts write


def value_read_back(written: str) -> str:
    return parse_line(f'!cmd x={written}').args['x']


@pytest.mark.parametrize('write', [ri.war_room_value, GATE.line_value, ON_CLOSE.line_value,
                                   lambda text: SUMMARY.command_value(text, False)],
                         ids=['integration', 'gate', 'on-close', 'summary'])
@FAST
@given(text=st.text(max_size=30))
@example(text='')
@example(text='a`b"c\\')
@example(text='\n`')
def test_a_value_written_into_a_war_room_line_reads_back_as_it_was(write, text):
    assert value_read_back(write(text)) == text


list_items = st.lists(st.text(st.characters(blacklist_categories=('Cc', 'Cs')), max_size=12).filter(
    lambda text: text.strip() and text.strip().lower() not in ('none', 'null')),  # a transformer's text: refused
    min_size=1, max_size=4)


@pytest.mark.parametrize('write', [GATE.list_value, ON_CLOSE.list_value,
                                   lambda items: SUMMARY.command_value(items[0], True) if len(items) == 1 else
                                   SUMMARY.json_list_value(items)],
                         ids=['gate', 'on-close', 'summary'])
@FAST
@given(items=list_items)
@example(items=[' a', 'b,c'])
@example(items=['[x'])
def test_a_list_written_into_a_war_room_line_is_read_by_the_integration_as_the_same_items(write, items):
    assert ri.arg_to_list(value_read_back(write(items)), 'x') == items


# --------------------------------------------------------------------------- the scripts' argument and context readers


@FAST
@given(value=anything)
@example(value=DEEP)  # an argument nested past what json reads: refused, not "a fault in the script"
@example(value=DEEP_OBJECTS)
@example(value=['A' * 64, ' ' + 'a' * 64 + ' ', '', 'a' * 64])  # values each reader takes: a hash in two cases, a blank
@example(value=[{'type': 'SHA256', 'value': 'a' * 64}, {}])  # objects, which objects_in and hashes_list take
def test_the_gate_s_argument_readers_take_what_they_are_meant_to_or_refuse_in_the_gate_s_words(value):
    def lower_sha256_values_once(taken):  # sha256_list's docstring: each once, in lower case
        return len(set(taken)) == len(taken) and all(re.fullmatch('[0-9a-f]{64}', item) for item in taken)

    def paths_once(taken):  # path_list's: text values, each once, none blank
        return len(set(taken)) == len(taken) and all(isinstance(item, str) and item.strip() for item in taken)

    def host_ids(taken):  # scope_of's: host_id's values as text, none blank
        return all(isinstance(item, str) and item.strip() for item in taken.get('host_id', []))

    def objects(taken):  # objects_in's and hashes_list's: the objects held
        return all(isinstance(item, dict) for item in taken)

    for read, meant in ((GATE.sha256_list, lower_sha256_values_once), (GATE.path_list, paths_once),
                        (lambda v: GATE.scope_of({'host_id': v}, 'hss-restore-isolated'), host_ids),
                        (lambda v: GATE.objects_in(v, 'File', 'File'), objects), (GATE.hashes_list, objects)):
        try:
            taken = read(value)
        except GATE.GateError as error:
            assert str(error)
        else:
            assert meant(taken), (meant.__name__, taken)



short_words = st.text('abcXYZ 09\'"', min_size=1, max_size=5).filter(str.strip)  # a blank is no value


@FAST
@given(item=st.one_of(st.lists(short_words, min_size=1, max_size=3),
                      st.dictionaries(short_words, short_words, min_size=1, max_size=3)),
       argument=st.sampled_from(['file_hash', 'file_path']))
@example(item=['abc'], argument='file_hash')
def test_a_list_or_object_given_as_a_file_is_refused_naming_its_json_kind_and_showing_it_as_json(item, argument):
    """file_hash's refusal showed a list or object item as Python writes it ("got "['abc']"", lower-cased), file_path's
    as JSON with its JSON kind: both now say what was given as JSON names it, and show it as JSON text."""
    read = GATE.sha256_list if argument == 'file_hash' else GATE.path_list
    with pytest.raises(GATE.GateError) as refused:
        read([item])

    message = str(refused.value)
    assert json.dumps(item) in message, message
    assert ('a list' if isinstance(item, list) else 'an object') in message, message
    assert repr(item).lower() not in message.lower() or repr(item) == json.dumps(item), message

@FAST
@given(hashes=st.lists(st.text('0123456789abcdefABCDEF', min_size=64, max_size=64), min_size=1, max_size=3),
       form=st.sampled_from(['list', 'json', 'commas']))
def test_the_gate_reads_sha256_values_in_any_form_as_the_lower_case_hashes_once_each(hashes, form):
    value = {'list': hashes, 'json': json.dumps(hashes), 'commas': ' , '.join(hashes)}[form]
    assert GATE.sha256_list(value) == list(dict.fromkeys(h.lower() for h in hashes))


@FAST
@given(raw=st.one_of(anything, st.integers(0, 3).map(str), st.decimals(places=3).map(str),
                     st.sampled_from(['nan', 'Infinity', '-0', '3.000', '+2', '4', '-1', '2.5'])))
@example(raw='٣')  # ARABIC-INDIC DIGIT THREE: float() reads it, Decimal too
def test_a_score_reads_as_a_whole_number_from_0_to_3_as_decimal_arithmetic_reads_its_text(raw):
    got = GATE.score_value(raw)
    if raw is None or raw == '':
        assert got == 0
        return
    try:
        number = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        number = None
    meant = int(number) if number is not None and number.is_finite() and number == number.to_integral_value() and \
        0 <= number <= 3 else None
    assert got == meant


@FAST
@given(args=st.dictionaries(st.sampled_from(['vendor', 'x']), anything, max_size=2),
       context=st.one_of(any_json, st.dictionaries(st.sampled_from(['CortexXDR', 'HuaweiHSS']), any_json)),
       path=st.sampled_from(['CortexXDR.RestoredFile', 'HuaweiHSS.RestoredFile', 'a']))
def test_the_summary_s_readers_take_any_context_and_refuse_only_in_its_own_words(args, context, path):
    try:
        assert SUMMARY.parse_vendor(args) in ('all', 'xdr', 'hss')
    except SUMMARY.SummaryError as error:
        assert str(error)
    skipped = []
    value = SUMMARY.context_value(context, path, skipped) if isinstance(context, dict) else context
    assert all(isinstance(item, dict) for item in SUMMARY.as_items(value, path, skipped))
    assert all(isinstance(line, str) for line in skipped)


@FAST
@given(fields=st.dictionaries(st.sampled_from(['xdrincidentid', 'dbotMirrorId', 'filesha256', 'xdrfileartifacts',
                                               'type', 'huaweihssalarmid']), anything, max_size=4),
       context=st.dictionaries(st.sampled_from(['PaloAltoNetworksXDR']), any_json))
def test_the_on_close_readers_take_any_incident_and_context(fields, context):
    assert ON_CLOSE.xdr_incident_id(fields).isdigit() or ON_CLOSE.xdr_incident_id(fields) == ''
    assert all(len(h) == 64 and h == h.lower() for h in ON_CLOSE.xdr_hashes(fields, context))
    assert set(ON_CLOSE.vendors_of(fields, context)) <= {'xdr', 'hss'}


@FAST
@given(fields=st.dictionaries(st.sampled_from(['xdrincidentid', 'dbotMirrorId', 'type']), anything, max_size=3),
       custom=st.booleans())
def test_the_playbook_s_xdr_incident_id_is_the_one_the_on_close_script_takes_for_any_incident(fields, custom):
    # The Cortex XDR playbook restores under the ID QuarantineRestoreXdrIncidentId writes: for any incident, the one
    # the on-close script restores under (none written as null), in an entry that survives XSOAR's JSON round trip.
    incident = {'CustomFields': fields} if custom else fields
    entry = _load_script('QuarantineRestoreXdrIncidentId').xdr_incident_entry(incident)

    assert json.loads(json.dumps(entry)) == entry
    assert entry['EntryContext']['QuarantineRestore.XdrIncident(true)'] == {
        'id': ON_CLOSE.xdr_incident_id(ON_CLOSE.incident_fields(incident)) or None}


@FAST
@given(fields=st.dictionaries(st.sampled_from(['xdrincidentid', 'dbotMirrorId', 'type']), anything, max_size=3),
       custom=st.booleans())
def test_the_xdr_incident_id_without_its_refusal_note_is_the_same_id_in_an_entry_that_is_no_note(fields, custom):
    # The False Positive playbook writes the refusal note and gives its Cortex XDR playbook refusal_note=false: that
    # run must find the same ID and tell nothing of the field's value a second time, whatever the incident holds.
    incident = {'CustomFields': fields} if custom else fields
    script = _load_script('QuarantineRestoreXdrIncidentId')
    told, quiet = script.xdr_incident_entry(incident), script.xdr_incident_entry(incident, refusal_note=False)

    assert quiet['EntryContext'] == told['EntryContext'] and quiet['Contents'] == told['Contents']
    assert quiet['Note'] is False and 'Set the field' not in quiet['HumanReadable']


# --------------------------------------------------------------------------- the integration's text helpers


@FAST
@given(value=anything, limit=st.integers(1, 300))
def test_a_quoted_value_is_one_bounded_line(value, limit):
    shown = ri.printable(value, limit)
    assert len(shown) <= limit + 3 and len(shown.splitlines()) <= 1
    assert not ri.has_control_characters(shown)


@FAST
@given(value=st.one_of(json_scalar, st.lists(json_scalar, max_size=3)), limit=st.integers(1, 80))
@example(value='x' * 58, limit=60)  # its quoted form is 60 characters long: shown whole
@example(value='x' * 59, limit=60)
def test_a_quoted_value_is_json_shown_whole_within_its_limit_and_else_its_first_limit_characters(value, limit):
    # printable quotes a value as JSON, as XSOAR shows it, its length bounded by limit (cut with '...')
    whole, shown = ri.printable(value, 10 ** 6), ri.printable(value, limit)
    assert json.loads(whole) == value, whole
    assert shown == (whole if len(whole) <= limit else f'{whole[:limit]}...'), (whole, shown)


@FAST
@given(text=st.text(max_size=40))
@example(text='\u00e9 \u00a0\u2028\u2029\x7f\x85\u200b\ufeff\ud800\U000e0001\n')
def test_a_quoted_text_reads_back_as_json_with_every_character_python_cannot_print_escaped(text):
    shown = ri.printable(text, 1000)
    assert json.loads(shown) == text and shown.isprintable(), shown


@pytest.mark.parametrize('value, shown', [
    ('abc', '"abc"'), (True, 'true'), (None, 'null'), ({'id': 5}, '{"id": 5}'), (['a', 'b'], '["a", "b"]'),
    ('caf\u00e9\u00a0\u2028\x7f\x01\u200b', r'"café\u00a0\u2028\u007f\u0001\u200b"'), ('a"b\\c\n', r'"a\"b\\c\n"'),
    ('\U000e0001', r'"\udb40\udc01"'), (float('nan'), 'NaN'), (-float('inf'), '-Infinity'), (b'key', '"b\'key\'"'),
    ('x' * 70, '"' + 'x' * 59 + '...'),
])
def test_a_value_is_quoted_as_xsoar_shows_it_in_json_its_unseen_characters_escaped(value, shown):
    assert ri.printable(value) == shown


@FAST
@given(text=st.text(st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters='.'), min_size=190,
                   max_size=210))
@example(text='x' * 200)
@example(text='x' * 201)
def test_a_vendor_page_is_quoted_whole_up_to_200_characters_and_else_by_its_first_200(text):
    # README, "Limits of the scrubber": "the integration quotes the first 200 characters of a page that is not JSON"
    short = ri.short_text(text)  # one line without blanks: nothing for short_text to squeeze
    if len(text) <= 200:
        assert short == text
    else:
        assert short.startswith(text[:200]) and not short.startswith(text[:201]), short


@FAST
@given(value=anything)
@example(value='Element not found.\r\n')
def test_vendor_text_is_one_line_trimmed(value):
    short, clean = ri.short_text(value), ri.clean_text(value)
    assert short == ' '.join(short.split()) and len(short) <= 203
    assert '\n' not in clean and '\r' not in clean and clean == clean.strip()


# --------------------------------------------------------------------------- replies


@FAST
@given(error_data=st.one_of(any_json, any_json.map(json.dumps), st.text(max_size=30)), status=st.sampled_from(
    ['FAILED', 'TIMEOUT', 'COMPLETED_PARTIAL']))  # final statuses that are no success: a reason is shown
def test_an_endpoint_s_error_data_of_any_text_or_json_json_reads_gives_a_one_line_reason(error_data, status):
    # errorData is JSON in a string. Nested past what json reads, summarise_action raises and read_action_statuses
    # keeps the action followed (tests/test_reply_shapes.py): not asked here.
    record = ri.restore_record('a' * 64, None, None, 12, None)
    reply = {'data': {'e1': status}, 'errorReasons': {'e1': {'errorData': error_data}}}
    (endpoint,) = ri.summarise_action(record, reply)['endpoints']
    reason = endpoint['error_description']
    assert reason and reason == reason.strip() and '\n' not in reason and '\r' not in reason



@FAST
@given(error_data=st.one_of(st.dictionaries(st.text(max_size=5).filter(lambda key: key != 'errorText'), any_json,
                                            max_size=3).map(json.dumps), st.integers(),
                            st.floats(allow_nan=False, allow_infinity=False)),
       reply_text=st.text('abcdefghij', min_size=1, max_size=20))
def test_an_endpoint_s_error_data_without_error_text_gives_way_to_the_reply_s_error_text(error_data, reply_text):
    # README, restore-file: a failed endpoint's reason from, in order, its errorDescription, its errorText, the
    # errorText inside errorData, the reply's own errorText: JSON holding none, or a number, is not a reason of its own
    record = ri.restore_record('a' * 64, None, None, 12, None)
    reply = {'data': {'e1': 'FAILED'}, 'errorReasons': {'e1': {'errorData': error_data}}, 'errorText': reply_text}
    (endpoint,) = ri.summarise_action(record, reply)['endpoints']
    assert endpoint['error_description'] == reply_text

finite_json = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10 ** 300, 10 ** 300),
                                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=10)),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                           max_leaves=10)


@FAST
@given(value=finite_json, encoding=st.sampled_from(['utf-8', 'utf-16', 'utf-32', 'utf-16-le', 'utf-32-be']),
       ascii_only=st.booleans())
def test_a_json_reply_reads_as_the_stdlib_reads_it_in_any_encoding_rfc_8259_allows(value, encoding, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        body = text.encode(encoding)
    except UnicodeEncodeError:  # a lone surrogate: no UTF encodes it
        return
    assert ri.VendorReply(200, {}, body).json() == json.loads(text)


@FAST
@given(word=st.sampled_from(['NaN', 'Infinity', '-Infinity']), value=finite_json)
def test_a_reply_holding_nan_or_infinity_is_not_json(word, value):
    reply = ri.VendorReply(200, {}, json.dumps([value, 'x']).replace('"x"', word).encode())
    with pytest.raises(ValueError):
        reply.json()


@FAST
@given(digits=st.integers(309, 5000), sign=st.sampled_from(['', '-']), fraction=st.booleans())
def test_a_number_past_a_float64_reads_as_no_value_not_infinity_nor_an_error(digits, sign, fraction):
    number = sign + '9' * digits + ('.5' if fraction else '')
    assert ri.VendorReply(200, {}, f'{{"n": {number}}}'.encode()).json() == {'n': None}


@FAST
@given(body=st.one_of(any_json.map(json.dumps), st.binary(max_size=40).map(lambda b: b.decode('latin-1'))),
       status=st.sampled_from([400, 401, 403, 404, 429, 500]))
@example(body=json.dumps({'error': {'code': ['x'], 'message': {'a': 1}}}), status=401)
@example(body=json.dumps({'error_code': True, 'error_msg': None}), status=400)
@example(body=json.dumps({'error_code': 'HSS.1001', 'error_msg': 'The host does not exist.'}), status=400)
def test_any_huawei_error_body_becomes_one_error_keeping_the_code_it_gives(body, status):
    reply = ri.VendorReply(status, {'X-Request-Id': 'r1'}, body.encode('utf-8', 'surrogatepass'))
    error = ri.huawei_error_from_response(reply)
    assert isinstance(error, ri.VendorApiError) and f'HTTP {status}' in str(error)
    said = ri.huawei_said(reply)
    assert said is None or said['vendor_code']
    # HSS's own form (its Error Codes page: error_code and error_msg at the top): that code, kept as given and shown
    try:
        given = json.loads(body)
    except ValueError:
        given = None
    if isinstance(given, dict) and isinstance(given.get('error_code'), str) and given['error_code'].strip():
        assert error.vendor_code == given['error_code'] and given['error_code'] in str(error), str(error)



@FAST
@given(body=st.binary(max_size=60), charset=st.one_of(st.sampled_from(sorted(set(aliases.values()))),
                                                     st.text(st.characters(min_codepoint=33, max_codepoint=126,
                                                                           blacklist_characters='";'), max_size=12)),
       status=st.sampled_from([400, 429, 500, 502, 503]))
@example(body=b'<h1>Bad gateway \xff</h1>', charset='idna', status=502)  # codecs that raise UnicodeError, not
@example(body=b'<h1>Bad gateway \xff</h1>', charset='undefined', status=502)  # LookupError, on any bytes
@example(body=b'<h1>Bad gateway \xff</h1>', charset='punycode', status=502)
def test_an_error_page_in_any_charset_its_content_type_names_is_quoted_as_text(body, charset, status):
    """A reply's text (quoted in the error of a reply not in the vendor's form) whatever charset a proxy or gateway
    names: Python's codecs (encodings.aliases) include some that are no text encoding, or that refuse 'replace'."""
    reply = ri.VendorReply(status, CaseInsensitiveDict({'Content-Type': f'text/html; charset={charset}'}), body)
    assert isinstance(reply.text, str)
    assert f'HTTP {status}' in str(ri.huawei_error_from_response(reply))

# --------------------------------------------------------------------------- settings


@FAST
@given(url=st.one_of(st.text(max_size=40), st.from_regex(r'https?://[a-z0-9.\-\[\]:@%]{0,20}(/[^\s]{0,10})?',
                                                        fullmatch=True)), insecure=st.booleans())
@example(url='https://host/a/b/?q=1#f', insecure=False)
@example(url='http://[::1]:8080/', insecure=False)
def test_a_base_url_is_refused_or_normalised_to_a_fixed_point_on_the_same_host(url, insecure):
    try:
        once = ri.normalise_base_url(url, 'x_url', insecure)
    except ri.RestoreError:
        return
    assert ri.normalise_base_url(once, 'x_url', insecure) == once
    assert once.split('://')[0] in ('http', 'https')
    assert urlsplit(once).hostname == urlsplit(url.strip()).hostname



LABEL = st.from_regex(r'[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?', fullmatch=True)


@FAST
@given(labels=st.lists(LABEL, min_size=1, max_size=4), scheme=st.sampled_from(['http', 'https']),
       port=st.sampled_from(['', ':', 'default']), path=st.sampled_from(['', '/', '/v5', '/v5/']), data=st.data())
@example(labels=['hss', 'ap-southeast-1', 'myhuaweicloud', 'com'], scheme='https', port='default', path='', data=None)
def test_one_endpoint_written_with_or_without_its_scheme_s_default_port_normalises_to_one_url(labels, scheme, port,
                                                                                               path, data):
    # RFC 3986, 6.2.3: a port left empty, or given as the scheme's default (RFC 9110, 4.2: 80 for http, 443 for https),
    # is the same URL. The kept HSS wait's scope is this URL: one endpoint written both ways must be one scope. The
    # host stays as typed (messages name it so: test_url_settings.py, mixed_case_host).
    host, default = '.'.join(labels), {'http': 80, 'https': 443}[scheme]
    written = f'{scheme}://{host}{f":{default}" if port == "default" else port}{path}'
    plain = ri.normalise_base_url(f'{scheme}://{host}{path}', 'x_url', True)
    assert ri.normalise_base_url(written, 'x_url', True) == plain == f'{scheme}://{host}{path.rstrip("/")}', written
    other = {'http': 443, 'https': 80}[scheme] if data is None else data.draw(
        st.integers(1, 65535).filter(lambda number: number != default), 'port')
    assert ri.normalise_base_url(f'{scheme}://{host}:{other}{path}', 'x_url', True) == \
        f'{scheme}://{host}:{other}{path.rstrip("/")}'  # any other port is another endpoint

@FAST
@given(labels=st.lists(LABEL, min_size=1, max_size=4), scheme=st.sampled_from(['http', 'https']),
       path=st.sampled_from(['', '/hss-proxy', '/HSS-Proxy']),
       swapped=st.lists(st.booleans(), min_size=64, max_size=64))
@example(labels=['HSS', 'ap-southeast-1', 'myhuaweicloud', 'com'], scheme='https', path='', swapped=[False] * 64)
def test_one_endpoint_written_with_its_scheme_and_host_in_any_case_is_one_scope_its_project_as_written(
        labels, scheme, path, swapped):
    # RFC 3986, 6.2.2.1: a URL's scheme and host are case-insensitive, its path is not. A wait kept for HSS's URL and
    # project (HssClient.limit_scope), or for IAM's identity (the IAM URL in it), holds for the host in any case. A
    # project ID (at Huawei 32 lower-case hex) is a path segment sent as typed: another case, another scope.
    origin = f'{scheme}://{".".join(labels)}'
    typed = ''.join(char.swapcase() if swap else char for char, swap in zip(origin, swapped)) + path
    project = 'b7f15520cb97d9b34806a14cdf0fddfe'

    def scopes(url: str, project_id: str = project) -> tuple[str, str]:
        base = ri.normalise_base_url(url, 'hss_endpoint', True)
        settings = ri.HssSettings(base, project_id, 'token', iam_url=base, domain='acme', username='restorer',
                                  password='pw-example-123')
        return ri.HssClient(settings).limit_scope, ri.token_identity(settings)

    assert scopes(typed) == scopes(origin.lower() + path), typed
    assert ri.normalise_base_url(typed, 'hss_endpoint', True).split('://')[1] == typed.split('://')[1], 'as typed'
    assert scopes(typed, project.upper())[0] != scopes(typed)[0]
    assert path == path.lower() or scopes(origin + path.lower()) != scopes(typed), 'a path compares as written'


HSS_SET_UP = {'hss_project_id': 'b7f15520cb97d9b34806a14cdf0fddfe', 'hss_region': 'ap-southeast-1',
              'hss_auth_type': 'token', 'hss_domain': 'acme', 'hss_credentials': {'identifier': 'restorer',
                                                                                  'password': 'pw-example-123'}}


@FAST
@given(labels=st.lists(LABEL, min_size=1, max_size=4), port=st.sampled_from(['', ':443', ':8443']),
       path=st.sampled_from(['', '/', '/hss-proxy']), setting=st.sampled_from(['hss_endpoint', 'hss_iam_endpoint']))
def test_an_endpoint_setting_given_as_a_bare_host_reads_as_that_host_over_https(labels, port, path, setting):
    # integration.yml: an endpoint is a URL or a bare host, as Huawei's endpoint tables list one (HTTPS in a column of
    # its own, which the official SDK's ClientBuilder puts before it): the bare host is the same endpoint over HTTPS.
    endpoint = '.'.join(labels) + port + path

    bare = ri.read_instance_settings({**HSS_SET_UP, setting: endpoint}, vendors=('hss',)).hss
    https = ri.read_instance_settings({**HSS_SET_UP, setting: f'https://{endpoint}'}, vendors=('hss',)).hss

    assert (bare.url, bare.iam_url) == (https.url, https.iam_url), endpoint
    read = urlsplit(bare.url if setting == 'hss_endpoint' else bare.iam_url)
    assert read.scheme == 'https' and read.hostname == '.'.join(labels).lower(), endpoint


@FAST
@given(value=anything)
def test_a_text_choice_or_checkbox_setting_of_any_value_is_read_or_refused_naming_it(value):
    params = {'hss_region': value, 'xdr_auth_type': value, 'insecure': value, 'xdr_api_key': value,
              'xdr_api_key_id': {'identifier': value, 'password': value}}
    for name, read in (('hss_region', lambda: ri.setting_text(params, 'hss_region')),
                       ('xdr_auth_type', lambda: ri.setting_choice(params, 'xdr_auth_type', ('a', 'b'), 'a')),
                       ('insecure', lambda: ri.setting_bool(params, 'insecure')),
                       ('xdr_api_key_id', lambda: ri.setting_credential(params, 'xdr_api_key_id', 'identifier',
                                                                        header=True)),
                       ('xdr_api_key', lambda: ri.setting_credential(params, 'xdr_api_key', 'password', header=True))):
        try:
            read()
        except ri.RestoreError as error:
            assert 'instance setting' in str(error) and f'({name})' in str(error), (name, str(error))


@FAST
@given(word=st.sampled_from(['true', 'false', 'yes', 'no', '1', '0']), case=st.sampled_from([str.lower, str.upper,
                                                                                             str.title]),
       blanks=st.sampled_from(['', ' ', '\t']))
def test_a_checkbox_reads_the_words_xsoar_and_yaml_write_for_it(word, case, blanks):
    assert ri.setting_bool({'s': blanks + case(word) + blanks}, 's') is (word in ('true', 'yes', '1'))


@FAST
@given(number=st.integers(0, 999_999), unit=st.sampled_from([('minute', 60_000), ('hour', 3_600_000),
                                                             ('day', 86_400_000), ('week', 604_800_000)]),
       plural=st.booleans(), case=st.sampled_from([str.lower, str.upper, str.title]))
def test_a_duration_reads_as_its_number_of_units(number, unit, plural, case):
    text = f' {number} {case(unit[0] + ("s" if plural else ""))} '
    assert ri.parse_first_fetch(text) == (number * unit[1], None)


# --------------------------------------------------------------------------- polling arguments


@FAST
@given(polling=anything, interval=st.one_of(anything, st.integers(-5, 10 ** 6).map(str)),
       timeout=st.one_of(anything, st.integers(-5, 10 ** 7).map(str)))
def test_polling_arguments_of_any_value_are_read_consistently_or_refused(polling, interval, timeout):
    args = {'polling': polling, 'interval_in_seconds': interval, 'timeout_in_seconds': timeout}
    try:
        on, every, within = ri.polling_arguments(args)
    except ri.RestoreError as error:
        assert str(error)
        return
    assert type(on) is bool and type(every) is int and type(within) is int
    assert 10 <= every <= 86400 and 1 <= within <= 7 * 86400  # integration.yml's bounds; XSOAR's 10 s at least
    assert not on or every <= within


@FAST
@given(put_off=st.integers(0, 10 ** 9 - 1), left=st.one_of(st.none(), st.integers(0, 10 ** 9 - 1)))
def test_put_off_reads_back_what_next_check_writes(put_off, left):
    written = str(put_off) if left is None else f'{put_off}:{left}'
    assert ri.put_off_of({'put_off': written}) == (put_off, left or 0)



# README, "restore-file": the checks made count that many intervals at least, and the seconds a vendor's wait put them
# off (put_off, not the wait left after it), whatever the clock says; else the seconds the clock says since the start.
@FAST
@given(clock_s=st.integers(-10 ** 6, 10 ** 7), checks=st.integers(0, 10 ** 4), interval=st.integers(10, 86_400),
       put_off=st.integers(0, 10 ** 6), left=st.integers(0, 10 ** 6), ms=st.integers(0, 999))
@example(clock_s=0, checks=100, interval=10, put_off=0, left=0, ms=0)
@example(clock_s=5000, checks=0, interval=10, put_off=0, left=7, ms=999)
def test_the_polling_time_counted_is_the_clock_s_or_the_intervals_and_put_off_whichever_is_more(
        clock_s, checks, interval, put_off, left, ms):
    started_ms = 1_700_000_000_000
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ri, 'time', FrozenTime(started_ms + clock_s * 1000 + ms))
        elapsed = ri.polling_elapsed(started_ms, checks, interval, {'put_off': f'{put_off}:{left}'})

    assert elapsed == max(clock_s, checks * interval + put_off)

@FAST
@given(value=anything)
def test_put_off_of_any_other_value_is_nothing_or_refused(value):
    try:
        taken = ri.put_off_of({'put_off': value})
    except ri.RestoreError as error:
        assert 'put_off' in str(error)
    else:
        assert all(type(part) is int and part >= 0 for part in taken)



@FAST
@given(retry_after=st.one_of(
    st.builds('{}{}'.format, st.integers(0, 10 ** 9 - 1), st.sampled_from(['', '.5', '.999'])),
    st.datetimes(min_value=datetime(2030, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)).map(
        lambda moment: format_datetime(moment.replace(tzinfo=timezone.utc), usegmt=True))),
    interval=st.integers(10, 600), timeout=st.integers(600, 7 * 86400), checks=st.integers(0, 5))
@example(retry_after='Fri, 01 Jan 2077 00:00:00 GMT', interval=10, timeout=600, checks=1)
# the polling time left (1200 - 600 s) is one interval, the wait one second more: the last check, an interval on,
# must first wait out that one second (put_off 0:1)
@example(retry_after='601', interval=600, timeout=1200, checks=1)
def test_the_put_off_a_check_writes_for_any_retry_after_reads_back_and_covers_the_whole_wait(retry_after, interval,
                                                                                              timeout, checks):
    """A vendor's Retry-After (RFC 9110 10.2.3: delta-seconds or an HTTP date) pauses the next check; put_off hands
    on what is left of the wait, and the next check reads it back, however far off the vendor put it."""
    # the wait the header says (delta-seconds, a fraction too, or an HTTP date), read here, not by the code under test
    read_at = time.monotonic()
    if retry_after[0].isdigit():
        wait = float(retry_after)
    else:
        wait = parsedate_to_datetime(retry_after).timestamp() - time.time()
    limiter = ri.AdaptiveRateLimiter(10)
    limiter.pause(ri.parse_retry_after({'Retry-After': retry_after}))
    hss = ri.HttpTransport('https://hss.example', 'Huawei Cloud HSS', ri.TransportSettings(), limiter=limiter)  # AK/SK
    client = SimpleNamespace(limiter=limiter, vendor=hss.vendor, transport=hss)
    schedule = ri.next_check('hss-restore-isolated', {}, ri.epoch_ms(), checks, interval, timeout, client)
    put_off, left = ri.put_off_of(schedule.args)
    # the wait has run on while the header was read and the check scheduled: on a busy machine, more than a second
    spent = time.monotonic() - read_at
    # README, "A vendor's wait holds across runs": NextRun is the wait's seconds left, the interval at least, within the
    # polling time (the checks made count an interval each at least)
    assert abs(schedule.next_run_in_seconds - max(interval, min(wait, timeout - checks * interval))) <= 1 + spent
    assert put_off == schedule.next_run_in_seconds - interval
    # the whole wait, but for the time spent since the header was read, and a rounding to the half second
    assert schedule.next_run_in_seconds + left >= wait - 0.5 - spent


# a last run's value, as (what XSOAR hands back, what fetch-incidents must read): JSON text (XSOAR keeps text only) is
# its value; text no JSON reader takes ("#" opens no JSON value, DEEP nests past what json reads) and a value not text
# (an older version's) are kept as they are
last_run_value = st.one_of(any_json.map(lambda value: (json.dumps(value), value)),
                           st.one_of(st.text(max_size=10).map('#{}'.format), st.just(DEEP), odd.filter(
                               lambda value: not isinstance(value, str)), any_json.filter(
                               lambda value: not isinstance(value, str))).map(lambda value: (value, value)))


@FAST
@given(stored=st.dictionaries(st.text(max_size=5), last_run_value, max_size=4))
def test_a_last_run_reads_each_json_text_as_its_value_and_keeps_any_other_value_as_it_is(stored):
    read = ri.last_run_values({key: given for key, (given, _) in stored.items()})
    assert list(read) == list(stored)
    for key, (_, expected) in stored.items():
        assert json.dumps(read[key], sort_keys=True) == json.dumps(expected, sort_keys=True)

# --------------------------------------------------------------------------- clocks and dates


HTTP_DATES = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 31, 23, 59, 59)).map(
    lambda moment: moment.replace(microsecond=0, tzinfo=timezone.utc))


@FAST
@given(server_now=HTTP_DATES, retry_after=HTTP_DATES)
@example(server_now=datetime(2001, 1, 1, tzinfo=timezone.utc),  # a clock set back, a wait past the year 9999
         retry_after=datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc))
def test_the_follow_command_s_wait_for_any_date_and_retry_after_date_names_a_moment_or_the_last_one_written(
        server_now, retry_after):
    """A Retry-After date on the vendor's clock (its Date) is a wait from now here; the entry names when it ends, or,
    for one that ends past the year 9999, the last moment a date is written for."""
    wait = ri.parse_retry_after({'Date': format_datetime(server_now, usegmt=True),
                                 'Retry-After': format_datetime(retry_after, usegmt=True)})
    limiter = ri.AdaptiveRateLimiter(10)
    limiter.pause(wait)
    ends = time.time() + wait

    xdr = ri.HttpTransport('https://api-xdr.example', 'Cortex XDR', ri.TransportSettings(), limiter=limiter)
    said = ri.follow_after(SimpleNamespace(limiter=limiter, vendor=xdr.vendor, transport=xdr))

    if not wait:
        assert said == ''
        return
    [named] = re.findall(r'after ([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}) UTC', said)
    moment = datetime.strptime(named, '%Y-%m-%d %H:%M:%S').replace(tzinfo=timezone.utc).timestamp()
    last = datetime.max.replace(microsecond=0, tzinfo=timezone.utc).timestamp()
    assert moment == pytest.approx(min(ends, last), abs=2)


moments = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)).map(
    lambda moment: moment.replace(microsecond=0))  # IAM writes whole seconds (and six zeros)


@FAST
@given(issued=moments, lifetime=st.integers(0, 10 ** 8), now=st.integers(0, 10 ** 10), iam_now=st.integers(0, 10 ** 10),
       fraction=st.sampled_from(['', '.000000Z', '.123456Z', 'Z']))
def test_an_iam_token_lives_as_long_as_iam_says_counted_on_this_machine_s_clock(issued, lifetime, now, iam_now,
                                                                                 fraction):
    expires = issued + timedelta(seconds=lifetime)
    if expires.year > 9999:
        return
    body = {'token': {'issued_at': issued.strftime('%Y-%m-%dT%H:%M:%S') + fraction,
                      'expires_at': expires.strftime('%Y-%m-%dT%H:%M:%S') + fraction}}
    assert ri.parse_iam_expiry(body, now, iam_now) == now + lifetime
    assert ri.iam_time(body['token']['issued_at']) == issued.replace(tzinfo=timezone.utc).timestamp()


@FAST
@given(value=anything)
def test_an_iam_time_of_any_value_is_a_moment_or_none(value):
    moment = ri.iam_time(value)
    assert moment is None or math.isfinite(moment)


@FAST
@given(moment=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31),
                           timezones=st.just(timezone.utc)), wait=st.integers(0, 86_400),
       zone=st.integers(-23 * 60 - 59, 23 * 60 + 59))
def test_an_rfc_1123_date_in_any_zone_reads_as_the_moment_it_names(moment, wait, zone):
    moment = moment.replace(microsecond=0)
    later = moment + timedelta(seconds=wait)
    if later.year > 9999:
        return
    offset = timezone(timedelta(minutes=zone))
    date = format_datetime(moment.astimezone(offset)) if 1 < moment.astimezone(offset).year < 9999 else None
    if date is None:
        return
    assert ri.server_time_ms({'Date': date}) == int(moment.timestamp() * 1000)
    headers = {'Date': date, 'Retry-After': format_datetime(later, usegmt=True)}
    assert ri.parse_retry_after(headers) == pytest.approx(wait)


@FAST
@given(date=anything, retry_after=anything)
def test_a_date_or_retry_after_header_of_any_text_is_read_or_ignored(date, retry_after):
    headers = {'Date': str(date), 'Retry-After': str(retry_after)}
    assert isinstance(ri.server_time_ms(headers), int)
    wait = ri.parse_retry_after(headers)
    assert wait is None or (math.isfinite(wait) and wait >= 0)


@FAST
@given(value=anything, default=st.integers())
def test_a_count_hss_lists_is_its_whole_number_or_the_default(value, default):
    got = ri.whole_number(value, default)
    assert type(got) is int
    if type(value) is int:
        assert got == value
    elif isinstance(value, bool) or value is None:
        assert got == default



@FAST
@given(text=st.text(st.characters(codec='utf-8', exclude_categories=('Cs',)), min_size=1, max_size=30)
       .filter(lambda text: text.strip() and text.strip().lower() not in ('all', 'xdr', 'hss')
               and not re.fullmatch(r'\s*[0-9a-fA-F]{64}\s*', text) and ',' not in text
               and text.strip() not in ('restore-file', 'hss-restore-isolated')),
       reader=st.sampled_from(['file_hash', 'restore_command', 'vendor']))
@example(text="it's", reader='restore_command')
def test_the_scripts_quote_a_refused_argument_text_as_json_as_the_integration_does(text, reader):
    """The gate's file_hash and restore_command and the summary's vendor refusals quoted the text as Python writes it
    ('abc', "it's"); the integration and the scripts' other messages quote a value as JSON ("abc")."""
    refusal = {'file_hash': (lambda: GATE.sha256_list(text), GATE.GateError),
               'restore_command': (lambda: GATE.gate_arguments({'restore_command': text}), GATE.GateError),
               'vendor': (lambda: SUMMARY.parse_vendor({'vendor': text}), SUMMARY.SummaryError)}
    read, error = refusal[reader]
    with pytest.raises(error) as refused:
        read()

    message = str(refused.value)
    quoted = {'file_hash': text.strip().lower(), 'restore_command': text.strip(), 'vendor': text}[reader]
    assert f'got {json.dumps(quoted, ensure_ascii=False)}.' in message, message
