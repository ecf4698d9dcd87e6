"""Bad input, generated: every command refuses it with a clear error entry and sends nothing.

Each example runs the path XSOAR uses, ``restore_integration.main(demisto)``, with params pointing at an emulator
that runs for the whole module. For each generated bad input the test proves: one error entry (Type 4) naming the
argument and what is wrong; no traceback in the entry, stdout, stderr, the demisto log or Python logging; and no
request in the emulator's log (``gateway.requests``). The war room's own check (``spec.check_args``) is covered too.

Where a value reaches a request: XDR sends endpoint_id and incident_id in a JSON body; HSS puts hss_project_id in
the URL path, enterprise_project_id (and the listing's file_hash / file_path filters) in the query, and the item
fields in a JSON body. Single IDs (endpoint_id, enterprise_project_id, hss_project_id) are refused unless made of
letters, digits, - and _; HSS item fields are free text of the documented length (see
``test_hss_item_fields_with_path_tricks_travel_as_data_not_as_a_path``).
"""
from __future__ import annotations

import io
import json
import logging
import random
import re
import time
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import facts
import restore_integration
from conftest import hss_seed_copies, seed_holders, start_hss_tenant, start_tenant
from facts import ENTRY_ERROR  # XSOAR's error entry type (4), not the war room's constant
from test_input_properties import has_control_characters  # Unicode's reading (Cc, Cs), not the code's
from warroom.context import as_list, get_path
from warroom.runtime import Demisto, DemistoMisuse, WarRoom
from warroom.spec import ArgumentError, load_spec

EXAMPLES_PER_COMMAND = 10_000
HEAVY = settings(max_examples=EXAMPLES_PER_COMMAND, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LIGHT = settings(max_examples=1_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

XDR_HASH = sorted(seed_holders())[0]
HSS_COPY = sorted((c for copies in hss_seed_copies().values() for c in copies if c['healthy']),
                  key=lambda c: c['file_path'])[0]
MAX_MESSAGE = 700  # a refused value is quoted shortened, never echoed whole

HEX = '0123456789abcdefABCDEF'
# Digits and letters that look like hex but are not ASCII: Arabic-Indic, Extended Arabic-Indic, Devanagari, Thai,
# fullwidth digits and letters, mathematical bold digits, superscripts.
LOOKALIKES = ('٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९๐๑๒๓๔๕๖๗๘๙０１２３４５６７８９ａｂｃｄｅｆＡＢＣＤＥＦ'
              '𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗²³¹')
CONTROLS = [chr(code) for code in range(32)] + ['\x7f'] + [chr(code) for code in range(0x80, 0xA0)]
UNPAIRED_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff']
PATH_TRICKS = ['../', '..', '..\\', '%2e%2e/', '%2E%2E%2F', '%2e%2e%5c', '/', '//', '\\', '?', '?a=1', '#',
               '#frag', '%00', '%0d%0a', '.', ' ', '&', '=', ';', ':', '@', '*', '~', '+']

# Strategies are kept cheap (few draws each): a 64-character hash is one integer draw, not 64 character draws.
alnum = st.text('abcdefghijklmnopqrstuvwxyz0123456789', min_size=1, max_size=6).filter(
    lambda text: text not in ('none', 'null'))  # a value taken: those are a transformer's text for none found
unicode_text = st.text(st.characters(min_codepoint=0x80, blacklist_categories=('Cs',)), min_size=1, max_size=3)
control = st.sampled_from(CONTROLS + UNPAIRED_SURROGATES + ['\r\n', '\r\nX-Injected: 1\r\n'])
# Fractions, NaN and infinities: floats that are not whole numbers, drawn without a filter.
fractional = st.one_of(st.integers(-10 ** 6, 10 ** 6).map(lambda n: n + 0.5),
                       st.sampled_from([float('nan'), float('inf'), float('-inf'), 1e-300, -2.5e-7]))
# What XSOAR can pass from context besides text: objects, numbers, booleans, nested lists. Only the type matters
# to the checks, so a varied fixed set (plus generated fractions) covers it.
WRONG_TYPES = [{}, {'a': 1}, {'file_hash': 'e' * 64}, {'nested': {'list': [1, 'x']}}, True, False, 1.5, -0.25,
               [['a']], [['a', 'b']], [[]], [['e' * 64]], [[1, 2]], [{'a': 1}]]
wrong_type = st.one_of(st.sampled_from(WRONG_TYPES), fractional)


def hex_text(length):
    """Hex of exactly ``length`` characters, lower, upper or mixed case, from one integer draw."""
    return st.tuples(st.integers(0, 16 ** length - 1), st.sampled_from([str.lower, str.upper, str.swapcase])).map(
        lambda t: t[1](f'{t[0]:0{length}x}') if t[1] is not str.swapcase else
        ''.join(c.upper() if i % 2 else c for i, c in enumerate(f'{t[0]:0{length}x}')))


def spread(pool, length):
    """``length`` characters from ``pool``, from one integer draw."""
    return st.integers(0, 2 ** 64).map(lambda seed: ''.join(random.Random(seed).choice(pool) for _ in range(length)))


def inside(core):
    """A strategy's values placed between letters and digits, so that trimming cannot remove them."""
    return st.tuples(alnum, core, alnum).map(''.join)


def oversized(limit):
    # Up to 20 times the limit keeps each example cheap; megabyte values have their own test below.
    return st.integers(limit + 1, 20 * limit).map(lambda n: 'f' * n)


# Text that opens like a JSON list but is not one.
not_json = st.one_of(st.sampled_from(['[', '["a"', '[1,', '[,]', "['a']", '[a]', '["a"]x', '[}', '[\x00]']),
                     st.tuples(st.text(max_size=6), st.sampled_from('x,{"[:1')).map(lambda t: '[' + t[0] + t[1]))


def said(*phrases):
    return re.compile('|'.join(re.escape(phrase) for phrase in phrases))


def case(name, value, *phrases):
    """(the arguments, the one the error must name, what the error must say): one bad value, the rest valid."""
    return {'file_hash': XDR_HASH, name: value}, name, said(*phrases)


# --------------------------------------------------------------------------- restore-file

def hash_case(value, *phrases):
    return {'file_hash': value}, 'file_hash', said(*phrases)


def hash_with_one_char_replaced(pool):
    return st.tuples(hex_text(64), st.integers(1, 62), pool).map(
        lambda t: t[0][:t[1]] + t[2] + t[0][t[1] + 1:])


non_hex_char = st.one_of(st.sampled_from(LOOKALIKES), st.sampled_from(CONTROLS + UNPAIRED_SURROGATES),
                         st.sampled_from(PATH_TRICKS), st.characters(blacklist_characters=HEX + ','))
md5_sha1_sha512 = st.sampled_from([(32, 'an MD5'), (40, 'a SHA1'), (128, 'a SHA512')]).flatmap(
    lambda size_name: hex_text(size_name[0]).map(
        lambda text: hash_case(text, f'looks like {size_name[1]} hash')))
json_list_bad_item = st.sampled_from(['{}', '1.5', 'true', 'false', 'null', '[]', '["x"]', '{"a": 1}']).map(
    lambda item: f'["{XDR_HASH}", {item}]')

bad_file_hash = st.one_of(
    md5_sha1_sha512,
    st.one_of(st.integers(1, 63), st.integers(65, 300)).flatmap(hex_text).map(
        lambda t: hash_case(t, 'must be a SHA256')),
    hash_with_one_char_replaced(non_hex_char).map(lambda t: hash_case(t, 'must be a SHA256')),
    spread(LOOKALIKES, 64).map(lambda t: hash_case(t, 'must be a SHA256')),
    st.sampled_from(['\r\nX-Injected: 1', '\nfoo', '\x00', '\u2028x']).map(
        lambda tail: hash_case(XDR_HASH + tail, 'must be a SHA256')),
    oversized(64).map(lambda t: hash_case(t, 'must be a SHA256')),
    wrong_type.map(lambda v: hash_case(v, 'must hold text')),
    st.lists(wrong_type, min_size=1, max_size=3).map(lambda v: hash_case([XDR_HASH, *v], 'must hold text')),
    json_list_bad_item.map(lambda v: hash_case(v, 'must hold text')),
    not_json.map(lambda v: hash_case(v, 'not a JSON list')),
    st.sampled_from([f'{XDR_HASH},,{XDR_HASH}', f'{XDR_HASH}, ,{XDR_HASH}', f',{XDR_HASH}', f'{XDR_HASH},']).map(
        lambda v: hash_case(v, 'empty item at position')),
    st.sampled_from([None, '', '   ', []]).map(lambda v: hash_case(v, 'file_hash is required')),
)

bad_endpoint_id = st.one_of(
    inside(st.sampled_from(PATH_TRICKS)).map(lambda v: case('endpoint_id', v, 'must be an ID')),
    inside(unicode_text).map(lambda v: case('endpoint_id', v, 'must be an ID', 'control characters')),
    inside(control).map(lambda v: case('endpoint_id', v, 'control characters')),
    oversized(facts.MAX_IDENTIFIER_LENGTH).map(lambda v: case('endpoint_id', v, 'characters long')),
    wrong_type.map(lambda v: case('endpoint_id', v, 'must be text', 'takes one value')),
    st.lists(alnum, min_size=2, max_size=4, unique=True).map(lambda v: case('endpoint_id', v, 'takes one value')),
)

# One character that is neither an ASCII digit, a sign nor blank makes any text not a whole number.
not_a_digit = st.characters(blacklist_characters='0123456789+-,[', blacklist_categories=('Z', 'Cc', 'Cs'))
not_a_whole_text = st.one_of(
    st.tuples(alnum, not_a_digit, st.text(max_size=4)).map(''.join),
    st.integers(1, 6).flatmap(lambda n: spread(LOOKALIKES, n)),
    st.sampled_from(['1e3', '0x10', '1_000', '1.5', '١٢', '１２', '12abc', '--1', '+-1', 'NaN', 'inf', '0b1']),
)
not_a_whole_number = st.one_of(not_a_whole_text, fractional, st.sampled_from([True, False, {}, {'a': 1}]))


def bad_number(name, minimum, maximum=None):
    out_of_range = [st.integers(max_value=minimum - 1)]
    if maximum is not None:
        out_of_range.append(st.integers(min_value=maximum + 1))
    return st.one_of(
        not_a_whole_number.map(lambda v: case(name, v, 'must be a whole number')),
        st.one_of(*out_of_range).map(lambda v: case(name, v, 'must be at least', 'must be at most', '18 digits',
                                                    'given exactly')),  # a number past 2**53, as an int too
        st.one_of(*out_of_range).map(str).map(lambda v: case(name, v, 'must be at least', 'must be at most',
                                                              'must be a whole number')),
        st.integers(min_value=10 ** 18, max_value=10 ** 40).map(lambda v: case(name, v, '18 digits')),
        st.floats(min_value=1e18, max_value=1e300).map(lambda v: case(name, v, '18 digits')),
        # a float64 at or past 2**53 stands for more than one whole number (IEEE 754's 53-bit significand)
        # (incident_id, kept in context as a Number, is refused from 2**53 on in any form: README, restore-file)
        st.floats(min_value=2.0 ** 53, max_value=1e18, exclude_max=True).map(
            lambda v: case(name, v, 'given exactly', 'must be below 2**53')),
        st.integers(min_value=19, max_value=60).map(lambda n: '9' * n).map(
            lambda v: case(name, v, 'must be a whole number')),
        st.lists(st.integers(0, 99), min_size=2, max_size=3, unique=True).map(
            lambda v: case(name, v, 'takes one value')),  # one value repeated (once per alert) is that value
    )


BOOL_WORDS = {'true', 'yes', '1', 'false', 'no', '0'}
bad_polling = st.one_of(
    st.tuples(st.text(max_size=6), st.sampled_from('?!.x#%')).map(''.join),  # no true/false word ends so
    st.sampled_from(['maybe', 'tru', 'True!', 'y', 'n', 'on', 'off', '2', '-1', '1.0', 'ｔｒｕｅ', 'true\x00']),
    fractional, st.integers(2, 10 ** 6), st.integers(-10 ** 6, -1), st.sampled_from([{}, {'a': 1}, 1.0, 0.0]),
).map(lambda v: case('polling', v, 'must be true or false'))


@st.composite
def mismatched_action_ids(draw):
    """The hidden action_id list (set while polling) not lining up with file_hash."""
    hashes = draw(st.lists(hex_text(64).map(str.lower), min_size=1, max_size=4, unique=True))
    count = draw(st.integers(1, 5).map(lambda n: n if n < len(hashes) else n + 1))
    ids = draw(st.lists(st.integers(1001, 10 ** 6), min_size=count, max_size=count))
    return {'file_hash': ','.join(hashes), 'action_id': ','.join(map(str, ids))}, 'action_id', re.compile(
        r'action_id holds \d+ actions? for \d+ file_hash')


bad_action_id = st.one_of(
    st.tuples(alnum, not_a_digit, alnum).map(''.join).map(lambda v: case('action_id', v, 'must be a whole number')),
    st.integers(max_value=-1).map(str).map(lambda v: case('action_id', v, 'must be at least 0',
                                                          'must be a whole number')),
    wrong_type.map(lambda v: case('action_id', v, 'must hold text')),
    mismatched_action_ids(),
)


restore_file_bad_input = st.one_of(
    bad_file_hash,
    bad_endpoint_id,
    bad_number('incident_id', 1),  # Cortex XDR numbers incidents from 1
    bad_polling,
    bad_number('interval_in_seconds', facts.SMALLEST_INTERVAL_TAKEN, facts.MAX_POLLING_INTERVAL),
    bad_number('timeout_in_seconds', facts.MIN_POLLING_TIMEOUT, facts.MAX_POLLING_TIMEOUT),
    bad_action_id,
)


# --------------------------------------------------------------------------- hss-restore-isolated

HSS_FIELDS = tuple(facts.HSS_FIELD_LIMITS)
# A valid base for each field, so that only the generated value is bad.
HSS_BASE = {
    'host_id': {'file_hash': HSS_COPY['file_hash']},
    'file_hash': {},
    'file_path': {'host_id': HSS_COPY['host_id']},
    'file_attr': {'host_id': HSS_COPY['host_id'], 'file_hash': HSS_COPY['file_hash'],
                  'file_path': json.dumps([HSS_COPY['file_path']])},
    'enterprise_project_id': {'file_hash': HSS_COPY['file_hash']},
}


def hss_case(name, value, *phrases):
    return dict(HSS_BASE[name], **{name: value}), name, said(*phrases)


def bad_hss_field(name):
    limit = facts.HSS_FIELD_LIMITS[name]
    return st.one_of(
        oversized(limit).map(lambda v: hss_case(name, v, f'HSS accepts 1 to {limit}')),
        st.tuples(alnum, oversized(limit)).map(lambda t: hss_case(name, f'{t[0]},{t[1]}', f'HSS accepts 1 to {limit}')),
        inside(control).map(lambda v: hss_case(name, v, 'holds control characters')),
        inside(control).map(lambda v: hss_case(name, json.dumps(['ok', v]), 'holds control characters')),
        wrong_type.map(lambda v: hss_case(name, v, 'must hold text')),
        st.lists(st.one_of(wrong_type, st.none()), min_size=1, max_size=3).map(
            lambda v: hss_case(name, ['ok', *v], 'must hold text')),
        st.sampled_from(['[1.5]', '[["a"]]', '[null]', '[true]', '[{}]', '["a", {"b": 1}]']).map(
            lambda v: hss_case(name, v, 'must hold text')),
        not_json.map(lambda v: hss_case(name, v, 'not a JSON list')),
        st.sampled_from(['a,,b', 'a, ,b', ',a', 'a,', '["a", ""]', '["a", "  "]']).map(
            lambda v: hss_case(name, v, 'empty item at position')),
    )


@st.composite
def mismatched_item_lists(draw):
    """host_id, file_hash, file_path (and maybe file_attr) lists that neither line up nor hold one value each."""
    names = ['host_id', 'file_hash', 'file_path'] + (['file_attr'] if draw(st.booleans()) else [])
    # The longest list has `most` items, another `between` (neither 1 nor `most`): they cannot line up.
    most = draw(st.integers(3, 6))
    between = draw(st.integers(2, most - 1))
    counts = draw(st.lists(st.sampled_from([1, between, most]), min_size=len(names), max_size=len(names)))
    first, second = draw(st.sampled_from([(a, b) for a in range(len(names)) for b in range(len(names)) if a != b]))
    counts[first], counts[second] = most, between
    args = {name: json.dumps([f'{name}-{n}' for n in range(count)]) for name, count in zip(names, counts)}
    return args, 'host_id', re.compile(r'do not line up \(host_id has \d+, file_hash has \d+, file_path has \d+')


nothing_to_restore = st.sampled_from([
    {}, {'file_path': '/tmp/x'}, {'host_id': 'h1'}, {'file_attr': '0'}, {'enterprise_project_id': '0'},
    {'host_id': '  ', 'file_hash': ''}, {'file_hash': []},
]).map(lambda args: (args, 'file_hash', re.compile('Say which files to restore')))

bad_enterprise_project_id = st.one_of(
    inside(st.sampled_from(PATH_TRICKS)).map(lambda v: hss_case('enterprise_project_id', v, 'must be an ID')),
    inside(unicode_text).map(lambda v: hss_case('enterprise_project_id', v, 'must be an ID', 'control characters')),
    inside(control).map(lambda v: hss_case('enterprise_project_id', v, 'control characters')),
    oversized(64).map(lambda v: hss_case('enterprise_project_id', v, 'characters long')),
    wrong_type.map(lambda v: hss_case('enterprise_project_id', v, 'must be text', 'takes one value')),
    st.lists(alnum, min_size=2, max_size=3, unique=True).map(
        lambda v: hss_case('enterprise_project_id', v, 'takes one value')),
)

hss_bad_input = st.one_of(
    *(bad_hss_field(name) for name in HSS_FIELDS),
    mismatched_item_lists(),
    st.just(({'file_hash': HSS_COPY['file_hash'], 'file_attr': '0'}, 'file_attr',
             re.compile('file_attr is only used with exact items'))),
    nothing_to_restore,
    bad_enterprise_project_id,
)


# --------------------------------------------------------------------------- fixtures and the check


class LogRecords(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope='module')
def debug_log():
    """Python logging at DEBUG everywhere (urllib3 logs each connection there), records kept."""
    handler, root, urllib3_logger = LogRecords(), logging.getLogger(), logging.getLogger('urllib3')
    levels = root.level, urllib3_logger.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    urllib3_logger.setLevel(logging.DEBUG)
    yield handler.records
    root.removeHandler(handler)
    root.setLevel(levels[0])
    urllib3_logger.setLevel(levels[1])


@pytest.fixture(scope='module')
def xdr():
    tenant = start_tenant(auth_type='advanced')
    yield tenant
    tenant.server.stop()


@pytest.fixture(scope='module')
def hss():
    tenant = start_hss_tenant()
    yield tenant
    tenant.stack.close()


def assert_refused(tenant, debug_log, command, params, args, name, phrase):
    """Runs main() as XSOAR does and checks the refusal: one clear error entry, nothing else anywhere."""
    requests_before = len(tenant.gateway.requests)
    debug_log.clear()
    demisto = Demisto(params, command, args, {}, [])
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        restore_integration.main(demisto)

    shown = f'{command} {args!r:.200}'
    assert len(demisto.entries) == 1, shown
    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR and entry['ContentsFormat'] == 'text', shown
    prefix = f'Failed to execute {command} command.\nError: '
    assert entry['Contents'].startswith(prefix), (shown, entry['Contents'])
    message = entry['Contents'][len(prefix):]
    assert name in message and phrase.search(message), (shown, message)
    assert len(message) < MAX_MESSAGE and not has_control_characters(message), (shown, message)
    assert 'Traceback' not in message and 'unexpected' not in message, (shown, message)
    assert out.getvalue() == '' and err.getvalue() == '', shown
    assert demisto.log == [], (shown, demisto.log)
    assert debug_log == [], (shown, [r.getMessage() for r in debug_log])
    assert len(tenant.gateway.requests) == requests_before, shown


# --------------------------------------------------------------------------- the properties


@HEAVY
@given(restore_file_bad_input, st.sampled_from(['advanced', 'standard']))
def test_restore_file_refuses_bad_input_before_sending_anything(xdr, debug_log, bad, key_type):
    args, name, phrase = bad
    assert_refused(xdr, debug_log, 'restore-file', xdr.params(xdr_auth_type=key_type), args, name, phrase)


@LIGHT
@given(st.lists(alnum, min_size=2, max_size=4, unique=True),
       st.sampled_from([',', ', ', ' , ', 'a list', 'a JSON list']))
def test_several_endpoint_ids_are_refused_saying_to_run_the_command_once_for_each(xdr, debug_log, ids, form):
    """Cortex XDR's restore takes one endpoint_id (a string: the seed), or none for every endpoint holding the file.
    Several pasted, comma-separated, as a list from context or as its JSON text, are refused before any request, the
    error saying what to do instead, not only which character is wrong."""
    value = ids if form == 'a list' else json.dumps(ids) if form == 'a JSON list' else form.join(ids)
    assert_refused(xdr, debug_log, 'restore-file', xdr.params(), {'file_hash': XDR_HASH, 'endpoint_id': value},
                   'endpoint_id', re.compile(r'once for each'))


@HEAVY
@given(hss_bad_input, st.sampled_from(['aksk', 'token']))
def test_hss_restore_isolated_refuses_bad_input_before_sending_anything(hss, debug_log, bad, auth_type):
    args, name, phrase = bad
    assert_refused(hss, debug_log, 'hss-restore-isolated', hss.params(auth_type), args, name, phrase)


def restore_states():
    """restore_state as the command writes it: a polling run's <accepted>:<started>:<checks>, or a follow line's
    <accepted>::0 (README, hss-restore-isolated), for a restore accepted as the example runs."""
    now = int(time.time() * 1000)
    return st.sampled_from([f'{now}:{now}:0', f'{now}:{now}:3', f'{now}::0'])


@LIGHT
@given(hss_bad_input, restore_states())
def test_a_hss_check_run_refuses_the_bad_input_a_first_run_refuses_before_sending_anything(hss, debug_log, bad,
                                                                                           restore_state):
    # A check (a polling run, or a follow line run by hand) finds the items again from the same arguments: what the
    # first run refuses, a check refuses too, rather than report an unread listing until the timeout.
    args, name, phrase = bad
    assert_refused(hss, debug_log, 'hss-restore-isolated', hss.params(), dict(args, restore_state=restore_state),
                   name, phrase)


@pytest.mark.parametrize('name', HSS_FIELDS)
@pytest.mark.parametrize('value', ['a\tb', json.dumps(['ok', 'a\r\nb'])])
def test_an_hss_item_holding_a_line_break_or_tab_is_refused_saying_to_remove_it_or_use_commas(hss, debug_log, name,
                                                                                            value):
    assert_refused(hss, debug_log, 'hss-restore-isolated', hss.params(), dict(HSS_BASE[name], **{name: value}), name,
                   re.compile(r'holds control characters \(line breaks, tabs\): .*\. Remove them; separate values with '
                              r'commas\.$'))


# EDR consoles and VirusTotal copy a hash with its kind before it (sha256:..., SHA256=...): both commands refuse it
# before any request, saying to leave that prefix out; neither strips it unasked.
hash_prefixes = st.tuples(st.sampled_from(['sha256', 'SHA256', 'SHA-256', 'Sha256']),
                          st.sampled_from([':', '=', ': ', ' = ', ' :'])).map(''.join)


@LIGHT
@given(hash_prefixes, hex_text(64), st.sampled_from(['restore-file', 'hss-restore-isolated']))
def test_a_hash_pasted_with_its_kind_before_it_is_refused_saying_to_leave_that_prefix_out(xdr, hss, debug_log, prefix,
                                                                                          digits, command):
    tenant, params = (xdr, xdr.params()) if command == 'restore-file' else (hss, hss.params())
    assert_refused(tenant, debug_log, command, params, {'file_hash': prefix + digits}, 'file_hash',
                   re.compile(re.escape(f'Leave out its prefix "{prefix}"')))


# A column of hashes copied from a report is one value with blanks inside, a row of them from a spreadsheet or a
# log joined by semicolons or bars: both commands say to separate them with commas (HSS takes 256 characters: three
# hashes fit).
@LIGHT
@given(st.lists(hex_text(64), min_size=2, max_size=3), st.sampled_from([' ', '  ', ' \u00a0', ';', '; ', '|', ' | ']),
       st.sampled_from(['restore-file', 'hss-restore-isolated']))
def test_a_column_of_hashes_pasted_as_one_value_is_refused_saying_to_separate_them_with_commas(xdr, hss, debug_log,
                                                                                               hashes, blank, command):
    tenant, params = (xdr, xdr.params()) if command == 'restore-file' else (hss, hss.params())
    assert_refused(tenant, debug_log, command, params, {'file_hash': blank.join(hashes)}, 'file_hash',
                   re.compile(f'That looks like {len(hashes)} SHA256 hashes: separate them with commas'))


# A hash copied out of a JSON or CSV text keeps its quotes; one typed or copied from a rich page may hold a look-alike
# (Cyrillic а, fullwidth ａ) or an invisible character (a zero-width space, a byte-order mark). Either matches nothing:
# both commands refuse it before any request, saying what to leave out, or naming the character by its code point
# (the quote would show a look-alike as the digit it imitates). HSS takes other hash text (1 to 256 characters).
QUOTES = ['"', "'", '`']
SEEN_AS_HEX_OR_NOT_AT_ALL = ['\u0430', '\u0435', '\u0441', '\uff41', '\uff10', '\u0661',
                             '\u200b', '\ufeff', '\u2060']


@LIGHT
@given(hex_text(64), st.sampled_from(QUOTES), st.sampled_from(['restore-file', 'hss-restore-isolated']))
def test_a_hash_pasted_in_quotes_is_refused_saying_to_leave_the_quotes_out(xdr, hss, debug_log, digits, quote,
                                                                          command):
    tenant, params = (xdr, xdr.params()) if command == 'restore-file' else (hss, hss.params())
    assert_refused(tenant, debug_log, command, params, {'file_hash': quote + digits + quote}, 'file_hash',
                   re.compile('Leave out the quotes around it'))


@LIGHT
@given(hex_text(64), st.sampled_from(SEEN_AS_HEX_OR_NOT_AT_ALL), st.integers(0, 63),
       st.sampled_from(['restore-file', 'hss-restore-isolated']))
def test_a_hash_holding_a_look_alike_or_an_invisible_character_is_refused_naming_its_code_point(
        xdr, hss, debug_log, digits, odd, position, command):
    tenant, params = (xdr, xdr.params()) if command == 'restore-file' else (hss, hss.params())
    unseen = odd in '\u200b\ufeff\u2060'  # added to the 64 digits; a look-alike takes a digit's place
    value = digits[:position] + odd + digits[position + (not unseen):]
    named = f'(U+{ord(odd):04X})' if odd.isprintable() else json.dumps(odd)  # an invisible one quoted escaped
    assert_refused(tenant, debug_log, command, params, {'file_hash': value}, 'file_hash',
                   re.compile(re.escape(f'{named} at position {position + 1} is not a hexadecimal digit')))


# "None" or "null" is what a playbook transformer gives for a value it did not find (FirstArrayElement before
# demisto/content pull request 39944; SetIfEmpty reads both, in any case, as empty). Read as not given, an endpoint_id
# or host_id would restore everywhere; sent, it names no endpoint, host, file or project: refused, saying so.
PLACEHOLDERS = st.sampled_from(['None', 'null', 'NULL', ' none ', 'Null'])
PLACEHOLDER_CASES = [  # the command, the argument, a value it takes, the other arguments
    ('restore-file', 'endpoint_id', None, {'file_hash': XDR_HASH}),
    ('restore-file', 'incident_id', None, {'file_hash': XDR_HASH}),
    ('restore-file', 'file_hash', XDR_HASH, {}),
    ('hss-restore-isolated', 'file_hash', HSS_COPY['file_hash'], {}),
    ('hss-restore-isolated', 'host_id', HSS_COPY['host_id'], {'file_hash': HSS_COPY['file_hash']}),
    ('hss-restore-isolated', 'file_path', HSS_COPY['file_path'], {'host_id': HSS_COPY['host_id']}),
    ('hss-restore-isolated', 'enterprise_project_id', None, {'file_hash': HSS_COPY['file_hash']}),
]


@LIGHT
@given(st.sampled_from(PLACEHOLDER_CASES), PLACEHOLDERS, st.sampled_from(['as is', 'a list item', 'a comma item']))
def test_none_or_null_text_from_a_transformer_is_refused_by_name_not_sent_nor_read_as_not_given(
        xdr, hss, debug_log, case, placeholder, form):
    command, name, taken, others = case
    tenant, params = (xdr, xdr.params()) if command == 'restore-file' else (hss, hss.params())
    value = placeholder
    if form == 'a list item':
        value = [placeholder]
    elif form == 'a comma item' and taken:  # after a value the list argument takes
        value = f'{taken},{placeholder}'
    assert_refused(tenant, debug_log, command, params, dict(others, **{name: value}), name,
                   re.compile('the text a playbook transformer gives for a value it did not find'))


# A context list of objects passed whole (file_hash=${File} for ${File.SHA256}): the error says to give the path to
# the field that holds the values, not only that an object is no text.
OBJECTS_GIVEN = [
    ('restore-file', 'file_hash', {}, [{'SHA256': XDR_HASH, 'Name': 'a.exe'}]),
    ('restore-file', 'endpoint_id', {'file_hash': XDR_HASH}, [{'endpoint_id': 'e1', 'host_name': 'h'}]),
    ('hss-restore-isolated', 'host_id', {'file_hash': HSS_COPY['file_hash']}, [{'ID': HSS_COPY['host_id']}]),
    ('hss-restore-isolated', 'file_hash', {}, {'SHA256': HSS_COPY['file_hash']}),
    ('hss-restore-isolated', 'enterprise_project_id', {'file_hash': HSS_COPY['file_hash']}, {'id': '0'}),
]


@pytest.mark.parametrize('command, name, others, value', OBJECTS_GIVEN)
def test_a_context_object_given_for_a_value_is_refused_saying_to_give_the_path_to_its_field(xdr, hss, debug_log,
                                                                                            command, name, others,
                                                                                            value):
    tenant, params = (xdr, xdr.params()) if command == 'restore-file' else (hss, hss.params())
    assert_refused(tenant, debug_log, command, params, dict(others, **{name: value}), name,
                   re.compile(re.escape('the path to their field (${File.SHA256}, not ${File})')))


# A look-alike quoted shows as the letter or digit it imitates ("аbc" holds "а"): the error names it by code point too.
LOOK_ALIKE_VALUES = [
    ('restore-file', 'endpoint_id', {'file_hash': XDR_HASH}, 'e\u0430st1', '\u0430'),  # Cyrillic a
    ('restore-file', 'incident_id', {'file_hash': XDR_HASH}, '\uff11\uff12', '\uff11'),  # fullwidth 12
    ('restore-file', 'interval_in_seconds', {'file_hash': XDR_HASH}, '\u0663\u0660', '\u0663'),  # Arabic-Indic 30
    ('hss-restore-isolated', 'enterprise_project_id', {'file_hash': HSS_COPY['file_hash']}, '\u041e', '\u041e'),
    ('hss-restore-isolated', 'timeout_in_seconds', {'file_hash': HSS_COPY['file_hash']}, '6\uff10\uff10', '\uff10'),
]


@pytest.mark.parametrize('command, name, others, value, odd', LOOK_ALIKE_VALUES)
def test_a_look_alike_letter_or_digit_is_named_by_its_code_point(xdr, hss, debug_log, command, name, others, value,
                                                                 odd):
    tenant, params = (xdr, xdr.params()) if command == 'restore-file' else (hss, hss.params())
    assert_refused(tenant, debug_log, command, params, dict(others, **{name: value}), name,
                   re.compile(re.escape(f'"{odd}" (U+{ord(odd):04X})')))


# A list written as Python prints one (a script's str(list): items in single quotes), or a Windows path in a JSON list
# with its backslashes single (C:\a reads as an escape): not JSON. CommonServerPython's argToList would split such text
# at its commas, brackets and quotes kept in the items; the commands refuse it, saying how to write the list.
NOT_JSON_LISTS = [
    ('restore-file', 'file_hash', {}, f"['{XDR_HASH}', '{XDR_HASH.upper()}']"),
    ('hss-restore-isolated', 'file_path', {'host_id': HSS_COPY['host_id']}, '["C:\\Temp\\a.exe"]'),
    ('hss-restore-isolated', 'host_id', {'file_hash': HSS_COPY['file_hash']}, f"['{HSS_COPY['host_id']}']"),
]


@pytest.mark.parametrize('command, name, others, value', NOT_JSON_LISTS)
def test_a_list_in_brackets_that_is_not_json_is_refused_saying_how_to_write_it(xdr, hss, debug_log, command, name,
                                                                               others, value):
    tenant, params = (xdr, xdr.params()) if command == 'restore-file' else (hss, hss.params())
    assert_refused(tenant, debug_log, command, params, dict(others, **{name: value}), name,
                   re.compile(re.escape('each item in double quotes, a backslash doubled')))


project_id_tricks = st.one_of(
    inside(st.sampled_from(PATH_TRICKS)), inside(control), inside(unicode_text),
    st.sampled_from(['..', '../x', '%2e%2e', '/', '?', '#', '\x00', 'a' * 65]),
)


@LIGHT
@given(project_id_tricks, st.sampled_from(['aksk', 'token']))
def test_a_project_id_that_would_change_the_url_path_is_refused(hss, debug_log, project_id, auth_type):
    # hss_project_id is the one value that goes into a URL path (/v5/{project_id}/event/isolated-file).
    for command, args in (('hss-restore-isolated', {'file_hash': HSS_COPY['file_hash']}), ('test-module', {})):
        assert_refused(hss, debug_log, command, hss.params(auth_type, hss_project_id=project_id), args,
                       'hss_project_id',
                       re.compile('must be an ID|characters long|holds a line break or another control character|'
                                  'holds an invisible character'))


MEGABYTE = 'a' * 1_000_000


@pytest.mark.parametrize('command, args, name', [
    ('restore-file', {'file_hash': MEGABYTE}, 'file_hash'),
    ('restore-file', {'file_hash': XDR_HASH, 'endpoint_id': MEGABYTE}, 'endpoint_id'),
    ('restore-file', {'file_hash': XDR_HASH, 'incident_id': '9' * 1_000_000}, 'incident_id'),
    ('restore-file', {'file_hash': ','.join([XDR_HASH] * 1000) + ',' + MEGABYTE}, 'file_hash'),
    *[('hss-restore-isolated', dict(HSS_BASE[name], **{name: MEGABYTE}), name) for name in HSS_BASE],
])
def test_a_megabyte_value_is_refused_without_being_echoed(xdr, hss, debug_log, command, args, name):
    tenant = xdr if command == 'restore-file' else hss
    params = xdr.params() if command == 'restore-file' else hss.params()
    assert_refused(tenant, debug_log, command, params, args, name, re.compile('.'))


def test_hss_item_fields_with_path_tricks_travel_as_data_not_as_a_path(hss):
    # HSS item fields are free text (1-64 / 1-256 characters, as the API documents them): they go out as JSON
    # values or percent-encoded query values, so a path trick in one cannot change the URL the request goes to.
    trick = '../../v3/auth/tokens?x=1#y'
    path = f'/v5/{hss.base_params["hss_project_id"]}/event/isolated-file'
    before = len(hss.gateway.requests)
    demisto = Demisto(hss.params(), 'hss-restore-isolated',
                      {'host_id': trick, 'file_hash': trick, 'file_path': json.dumps([trick])}, {}, [])

    restore_integration.main(demisto)

    sent = hss.gateway.requests[before:]
    assert [(r.method, r.path) for r in sent] == [('PUT', path)]
    assert sent[0].body == {'data_list': [{'host_id': trick, 'file_hash': trick, 'file_path': trick}]}
    [entry] = demisto.entries
    assert 'HSS.0011' in entry['Contents'] and 'Traceback' not in entry['Contents']


@LIGHT
@given(restore_file_bad_input)
def test_the_war_room_refuses_too_and_never_runs_a_request(xdr, bad):
    args, name, _ = bad
    before = len(xdr.gateway.requests)
    room = WarRoom(params=xdr.params(), time_scale=0, sleep=lambda _: None)
    try:
        result = room.run('restore-file', args)
    except (ArgumentError, DemistoMisuse) as error:  # the war room's own checks (spec.check_args, JSON): nothing ran
        assert name in str(error)
    else:
        assert result.failed and result.runs == 1 and len(result.entries) == 1
    assert len(xdr.gateway.requests) == before


def test_an_incident_id_past_2_53_from_a_playbook_is_refused_naming_it_before_any_request(xdr):
    # XSOAR's server keeps a JSON number in a float64 (DEVELOPERS.md): 9007199254740993 given by a playbook task or the
    # context arrives as 9007199254740992 (an int: Go writes the float64 back without a fraction), another incident.
    before = len(xdr.gateway.requests)
    room = WarRoom(params=xdr.params(), time_scale=0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': XDR_HASH, 'incident_id': 2 ** 53 + 1, 'polling': 'false'})

    assert result.failed and result.runs == 1
    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'incident_id' in entry['Contents'], entry
    assert len(xdr.gateway.requests) == before


@pytest.mark.parametrize('given', [str(facts.CONTEXT_NUMBER_EXACT_BELOW + 1), facts.CONTEXT_NUMBER_EXACT_BELOW + 1],
                         ids=['as text', 'as a number'])
def test_an_incident_id_from_2_53_on_in_any_form_is_refused_saying_why_and_without_asking_for_text(xdr, given):
    # CortexXDR.RestoredFile.incident_id is a Number in XSOAR's context (a float64): text of 9007199254740993 was sent
    # to Cortex XDR exactly but kept as 9007199254740992, another incident than the one the action was linked to.
    before = len(xdr.gateway.requests)
    room = WarRoom(params=xdr.params(), time_scale=0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': XDR_HASH, 'incident_id': given, 'polling': 'false'})

    assert result.failed and result.runs == 1
    [entry] = result.entries
    message = entry['Contents']
    assert entry['Type'] == ENTRY_ERROR and 'Error: incident_id must be below 2**53' in message, message
    assert str(facts.CONTEXT_NUMBER_EXACT_BELOW) in message and 'exactly' in message, message
    assert 'as text' not in message, message  # text is refused alike
    assert len(xdr.gateway.requests) == before


def test_an_incident_id_just_below_2_53_given_as_text_is_sent_and_kept_in_context_exactly():
    # A tenant of its own: this restore takes the file out of quarantine, which the module's tenant keeps for the rest.
    incident_id = facts.CONTEXT_NUMBER_EXACT_BELOW - 1
    tenant = start_tenant(auth_type='advanced')
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        result = room.run('restore-file', {'file_hash': XDR_HASH, 'incident_id': str(incident_id), 'polling': 'false'})
    finally:
        tenant.server.stop()

    assert not result.failed, result.entries
    restores = [body for _, path, body in tenant.gateway.requests if path.endswith('/restore/')]
    assert [body['request_data']['incident_id'] for body in restores] == [incident_id], restores
    [record] = as_list(get_path(result.context, 'CortexXDR.RestoredFile'))
    assert record['incident_id'] == incident_id, record


@pytest.mark.parametrize('handed', [2 ** 53, -(2 ** 53), 10 ** 17])
def test_an_incident_id_the_server_hands_back_as_a_whole_number_past_2_53_is_refused_before_any_request(xdr, handed):
    # XSOAR's server reads 9007199254740993 into a float64 (9007199254740992.0) and Go's encoding/json writes that back
    # as 9007199254740992, digits alone (golang/go src/encoding/json/encode.go, floatEncoder: 'f' format below 1e21),
    # which json.loads reads as an int: a number past 2**53 may stand for another incident whatever its Python type.
    before = len(xdr.gateway.requests)
    demisto = Demisto(xdr.params(), 'restore-file', {'file_hash': XDR_HASH, 'incident_id': handed,
                                                     'polling': 'false'}, {}, [])

    restore_integration.main(demisto)

    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR and 'incident_id' in entry['Contents'] and 'exactly' in entry['Contents']
    assert len(xdr.gateway.requests) == before


@LIGHT
@given(st.dictionaries(st.text(max_size=12).map(lambda name: 'zz' + name), st.text(max_size=10),
                       min_size=1, max_size=3))
def test_the_war_room_refuses_unknown_arguments_by_name(hss, names):
    assert not set(names) & set(load_spec().command('hss-restore-isolated').arguments)
    before = len(hss.gateway.requests)
    with pytest.raises(ArgumentError, match='unknown argument'):
        WarRoom(params=hss.params(), time_scale=0).run('hss-restore-isolated', dict(names, file_hash='ab'))
    assert len(hss.gateway.requests) == before


# A value of another type reaches an argument from the context, as JSON: the refusal names its kind as JSON does
# (the analyst's context shows objects, numbers and booleans), not as Python does (dict, float, bool).
@pytest.mark.parametrize('command, args, kind', [
    ('restore-file', {'file_hash': {'sha256': XDR_HASH}}, 'object'),
    ('restore-file', {'file_hash': XDR_HASH, 'endpoint_id': True}, 'boolean'),
    ('restore-file', {'file_hash': [XDR_HASH, 1.5]}, 'number'),
    ('hss-restore-isolated', {'host_id': [{'id': 'x'}], 'file_path': ['/x']}, 'object'),
    ('hss-restore-isolated', {'file_hash': HSS_COPY['file_hash'], 'enterprise_project_id': 2.5}, 'number'),
])
def test_a_value_of_another_type_is_named_by_its_json_kind_not_its_python_type(xdr, hss, command, args, kind):
    tenant = xdr if command == 'restore-file' else hss
    demisto = Demisto(tenant.params(), command, args, {}, [])

    restore_integration.main(demisto)

    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR and kind in entry['Contents'], entry['Contents']
    assert not re.search(r'\b(dict|bool|float|int|str|NoneType)\b', entry['Contents']), entry['Contents']


# The scripts leave a blank item out of what they read (an emptied grid's row of empty cells, an empty list): the
# integration does not read such a value as an argument not given, as a restore without host_id or endpoint_id runs on
# every host or endpoint that holds the file. It refuses it by its kind, and sends nothing.
@pytest.mark.parametrize('command, args', [
    ('hss-restore-isolated', {'file_hash': HSS_COPY['file_hash'], 'host_id': [{'id': '', 'name': ' '}]}),
    ('hss-restore-isolated', {'file_hash': HSS_COPY['file_hash'], 'host_id': [[]]}),
    ('restore-file', {'file_hash': XDR_HASH, 'endpoint_id': {'id': ''}}),
    ('restore-file', {'file_hash': XDR_HASH, 'endpoint_id': [[' ']]}),
    ('restore-file', {'file_hash': XDR_HASH, 'endpoint_id': [' ']}),  # a context list of one blank value
    ('restore-file', {'file_hash': XDR_HASH, 'endpoint_id': [None]}),
], ids=repr)
def test_a_list_or_object_of_blanks_as_the_scope_of_a_restore_is_refused_not_read_as_no_scope(xdr, hss, command, args):
    tenant = xdr if command == 'restore-file' else hss
    before = len(tenant.gateway.requests)
    demisto = Demisto(tenant.params(), command, args, {}, [])

    restore_integration.main(demisto)

    [entry] = demisto.entries
    [name] = [name for name in args if name != 'file_hash']
    assert entry['Type'] == ENTRY_ERROR and name in entry['Contents'], entry['Contents']
    assert len(tenant.gateway.requests) == before
