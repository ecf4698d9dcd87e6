"""Input checks of the integration, over generated input: each value is accepted as meant or refused clearly."""
from __future__ import annotations

import json
import re
import string
import time
import unicodedata
from datetime import datetime, timezone

import pytest
from hypothesis import example, given, settings, strategies as st

import facts
import restore_integration as ri
from conftest import FrozenTime

def has_control_characters(text: str) -> bool:
    """Unicode's own reading, not the code's: a control character (Cc: C0, DEL, C1) or an unpaired surrogate (Cs)."""
    return any(unicodedata.category(character) in ('Cc', 'Cs') for character in text)


hex_sha256 = st.text('0123456789abcdefABCDEF', min_size=64, max_size=64)
anything = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=300),
                     st.lists(st.text(max_size=70), max_size=3), st.binary(max_size=10),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
# Values near a SHA256, which random text never is: hex a few characters short or long, blanks around or inside
# one, one SHA256 in a list or two of them.
near_sha256 = st.one_of(
    st.text('0123456789abcdefABCDEF', min_size=60, max_size=68),
    st.tuples(st.sampled_from(['', ' ', '\t', '\n', '\u00a0']), hex_sha256,
              st.sampled_from(['', ' ', '\n'])).map(''.join),
    st.tuples(hex_sha256, st.integers(1, 63)).map(lambda t: t[0][:t[1]] + ' ' + t[0][t[1]:]),
    st.lists(hex_sha256, min_size=1, max_size=2),
)


@given(hex_sha256, st.sampled_from(['', ' ', '\t', '\n']), st.sampled_from(['', ' ', '\n']))
def test_any_sha256_is_accepted_in_lower_case(value, before, after):
    assert ri.validate_sha256(before + value + after) == value.lower()


@given(st.one_of(anything, near_sha256))
@settings(max_examples=500)
def test_anything_else_is_refused_with_a_restore_error(value):
    # a list from context: its one item, or that item listed once per alert (README, restore-file)
    candidate = value[0] if isinstance(value, list) and value and value.count(value[0]) == len(value) else value
    is_sha256 = isinstance(candidate, str) and re.fullmatch(r'[0-9a-fA-F]{64}', candidate.strip())
    try:
        result = ri.validate_sha256(value)
    except ri.RestoreError as error:
        assert not is_sha256
        assert 'file_hash' in str(error)
        assert len(str(error)) < 300  # a huge value is quoted shortened, never echoed whole
    else:
        assert is_sha256 and result == candidate.strip().lower()


@given(st.integers(min_value=-10**17, max_value=10**17))
def test_whole_numbers_round_trip_from_their_text(number):
    assert ri.arg_to_int(str(number), 'n') == number
    if abs(number) < 2 ** 53:  # as a number, only what a float64 holds exactly (below: FLOAT64_EXACT_BELOW)
        assert ri.arg_to_int(number, 'n') == number


# README (restore-file's action_id): a text of digits alone, "18 at most, as every whole number the command carries".
LONGEST_WHOLE_NUMBER = 999_999_999_999_999_999


@given(st.integers(10 ** 17, LONGEST_WHOLE_NUMBER), st.sampled_from(['', '+', '-']))
@example(LONGEST_WHOLE_NUMBER, '')
@example(LONGEST_WHOLE_NUMBER, '-')
@example(LONGEST_WHOLE_NUMBER, '+')
def test_a_whole_number_of_18_digits_reads_from_its_text_with_or_without_a_sign_and_one_of_19_is_refused(number, sign):
    assert ri.arg_to_int(f'{sign}{number}', 'n') == int(f'{sign}{number}')
    with pytest.raises(ri.RestoreError, match='n must be a whole number of at most 18 digits'):
        ri.arg_to_int(f'{sign}{number}0', 'n')


@given(st.text('0123456789', min_size=1, max_size=22))
@example('0' * 18 + '1')  # 19 digits, 1 once its zeros are dropped: read as 1 without the sign, refused with it
def test_a_plus_sign_before_digits_changes_nothing_they_read_as(digits):
    # The sign is no digit: digits read (or are refused) alike with a + before them.
    def read(text):
        try:
            return ri.arg_to_int(text, 'n')
        except ri.RestoreError as error:
            return str(error).replace(text, digits)  # the refusal quotes the text given
    assert read('+' + digits) == read(digits)


# IEEE 754: a float64's significand holds 53 bits, so it holds every whole number below 2**53 exactly and, at or past
# it, stands for more than one (9007199254740993 reads as 9007199254740992.0). A number XSOAR hands on from a playbook
# or the context is such a float64 (DEVELOPERS.md): past 2**53 it may not be the number given.
FLOAT64_EXACT_BELOW = 2 ** 53


@given(st.one_of(st.floats(min_value=float(FLOAT64_EXACT_BELOW), max_value=1e300),
                 # XSOAR's server writes a whole float64 below 1e21 back as digits alone, an int to json.loads (Go's
                 # encoding/json, floatEncoder)
                 st.integers(min_value=FLOAT64_EXACT_BELOW, max_value=10 ** 21)), st.booleans())
def test_a_number_given_as_a_float_or_an_int_at_or_past_2_53_is_refused_naming_the_argument(number, negative):
    with pytest.raises(ri.RestoreError, match='incident_id'):
        ri.arg_to_int(-number if negative else number, 'incident_id')


@given(st.integers(-FLOAT64_EXACT_BELOW + 1, FLOAT64_EXACT_BELOW - 1))
def test_a_whole_number_given_as_a_float_below_2_53_is_read_as_that_number(number):
    assert ri.arg_to_int(float(number), 'incident_id') == number


@pytest.mark.parametrize('separator', ['\x1c', '\x1d', '\x1e', '\x1f'])
def test_a_whole_number_beside_an_information_separator_is_read_as_beside_any_blank_not_a_fault(separator):
    # str.strip() takes U+001C to U+001F for blanks (str.isspace()), int() does not: a number that the check read
    # stripped of them raised a ValueError, which main() reports as a fault of the integration.
    assert ri.arg_to_int(f'7{separator}', 'incident_id', minimum=1) == 7
    assert ri.arg_to_int(f'{separator}7', 'incident_id') == 7


@given(anything)
@example('0' * 4300 + '7')  # int() reads 4,300 digits at most, leading zeros too: a ValueError, a fault of the script
@settings(max_examples=500)
def test_int_and_identifier_checks_only_ever_raise_restore_error(value):
    for check in (lambda v: ri.arg_to_int(v, 'incident_id', minimum=0),
                  lambda v: ri.validate_identifier(v, 'endpoint_id'),
                  lambda v: ri.arg_to_bool(v, 'polling')):
        try:
            check(value)
        except ri.RestoreError as error:
            assert str(error)


# Letters, digits, - and _ up to past the pack's limit: the values whose length alone decides; random text holds
# another character long before it is that long. With a blank, a control character or a letter of another script in it.
ID_LETTERS = st.sampled_from(string.ascii_letters + string.digits + '-_')
identifier_like = st.one_of(st.text(ID_LETTERS, max_size=facts.MAX_IDENTIFIER_LENGTH + 44),
                            st.integers(facts.MAX_IDENTIFIER_LENGTH - 2, facts.MAX_IDENTIFIER_LENGTH + 2).map(
                                lambda n: 'e' * n))
stray_in_identifier = st.tuples(identifier_like, st.sampled_from(['\n', '\r\n', '\t', '\x00', '\x7f', '\x85', ' ', 'é',
                                                                  '\ud800']), identifier_like).map(''.join)


ONE_VALUE_CHECKS = {'file_hash': ri.validate_sha256,
                    'incident_id': lambda v: ri.arg_to_int(v, 'incident_id', minimum=0),
                    'endpoint_id': lambda v: ri.validate_identifier(v, 'endpoint_id'),
                    'polling': lambda v: ri.arg_to_bool(v, 'polling')}
blank = st.one_of(st.none(), st.sampled_from(['', ' ', '\t', '\n ', '\u00a0']))


def read_by(name, value):
    """What argument ``name``'s check makes of ``value``: ('read', what it read) or ('refused', whether the message
    names the argument)."""
    try:
        return 'read', ONE_VALUE_CHECKS[name](value)
    except ri.RestoreError as error:
        return 'refused', name in str(error)


@given(name=st.sampled_from(sorted(ONE_VALUE_CHECKS)),
       value=st.one_of(anything.filter(lambda v: not isinstance(v, list)), blank, hex_sha256, identifier_like,
                       st.integers(-10, 10 ** 17).map(str), st.sampled_from(['true', 'False', 'yes', '0'])))
@settings(max_examples=500)
def test_a_one_value_argument_reads_a_context_list_of_one_as_that_value(name, value):
    # XSOAR hands a value from context (${...}) as a list: of one, it is that value; none given, the empty list.
    if value is None or isinstance(value, str) and not value.strip():
        outcome = read_by(name, [value])  # never read as not given: endpoint_id would then restore everywhere
        assert outcome == ('refused', True), outcome
    else:
        assert read_by(name, [value]) == read_by(name, value)
    assert read_by(name, []) == read_by(name, None)


@given(st.one_of(st.text(max_size=300), identifier_like, stray_in_identifier))
def test_identifiers_never_carry_control_characters_or_exceed_the_limit(value):
    try:
        result = ri.validate_identifier(value, 'endpoint_id')
    except ri.RestoreError:
        return
    if result is not None:
        assert not has_control_characters(result)
        assert 0 < len(result) <= facts.MAX_IDENTIFIER_LENGTH
        assert result == result.strip()


list_items = st.lists(st.text(st.characters(blacklist_categories=('Cs', 'Cc'), blacklist_characters=','),
                              min_size=1, max_size=30).filter(lambda t: t.strip() == t and t.lower() not in (
                                  '', 'none', 'null')), min_size=1,  # a transformer's text for none found: refused
                      max_size=6).filter(lambda items: not items[0].startswith('['))  # '[' announces JSON


@given(list_items)
def test_list_arguments_read_the_same_as_text_json_or_list(items):
    assert ri.arg_to_list(','.join(items), 'host_id') == items
    assert ri.arg_to_list(json.dumps(items), 'host_id') == items
    assert ri.arg_to_list(items, 'host_id') == items


@given(st.text(max_size=40).map(lambda t: '[' + t).filter(lambda t: not t.rstrip().endswith(']')))
def test_text_that_opens_like_json_but_is_not_is_refused_not_split(text):
    with pytest.raises(ri.RestoreError, match='host_id'):
        ri.arg_to_list(text, 'host_id')


@pytest.mark.parametrize('name', sorted(facts.HSS_FIELD_LIMITS))
def test_hss_fields_take_1_to_their_documented_length_and_not_one_more(name):
    limit = facts.HSS_FIELD_LIMITS[name]  # the seed's ranges

    for length in (1, limit):
        assert ri.hss_field_list('x' * length, name) == ['x' * length]
    with pytest.raises(ri.RestoreError, match=rf'{name}\b.*\b{limit}\b'):
        ri.hss_field_list('x' * (limit + 1), name)


@given(st.sampled_from(sorted(facts.HSS_FIELD_LIMITS)), st.integers(0, 4), st.booleans())
def test_an_hss_field_item_too_long_or_holding_a_tab_is_named_by_its_position_counted_from_1(name, index, too_long):
    limit = facts.HSS_FIELD_LIMITS[name]  # the seed's ranges
    bad = 'x' * (limit + 1) if too_long else 'a\tb'
    said = f'is {limit + 1} characters long' if too_long else 'holds control characters'
    with pytest.raises(ri.RestoreError, match=f'^{name} item {index + 1} {said}'):
        ri.hss_field_list(['x'] * index + [bad, 'y'], name)


def test_an_id_takes_up_to_the_pack_s_length_and_not_one_more():
    assert ri.validate_identifier('e' * facts.MAX_IDENTIFIER_LENGTH, 'endpoint_id') == 'e' * facts.MAX_IDENTIFIER_LENGTH
    with pytest.raises(ri.RestoreError, match=rf'endpoint_id\b.*\b{facts.MAX_IDENTIFIER_LENGTH}\b'):
        ri.validate_identifier('e' * (facts.MAX_IDENTIFIER_LENGTH + 1), 'endpoint_id')


@given(anything, st.sampled_from(sorted(facts.HSS_FIELD_LIMITS)))
@settings(max_examples=500)
def test_hss_field_values_accepted_are_within_their_limits_and_refusals_name_the_field(value, name):
    try:
        values = ri.hss_field_list(value, name)
    except ri.RestoreError as error:
        assert name in str(error)
        return
    for text in values:
        assert 1 <= len(text) <= facts.HSS_FIELD_LIMITS[name]
        assert not has_control_characters(text)


@given(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=6),
       st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=6))
def test_unpaired_host_and_path_lists_of_any_lengths_ask_each_path_on_every_host(hosts, paths):
    # README: with pair_by_position=false, lists that do not say which path is on which host are never refused for not
    # lining up; each path is looked for on every host given, as a hash is.
    fields = {'host_id': hosts, 'file_hash': [], 'file_path': paths, 'file_attr': [], 'pair_by_position': ['false']}

    ri.check_hss_items(fields)

    assert ri.hosts_asked(fields) == {path: set(hosts) for path in paths}


@given(st.lists(st.text(min_size=1, max_size=5), max_size=3), st.lists(st.text(min_size=1, max_size=5), min_size=1,
                                                                        max_size=3),
       st.lists(st.text(min_size=1, max_size=5), max_size=3), st.sampled_from([[], ['false']]))
def test_a_path_without_host_id_is_refused_saying_host_id_is_missing_whatever_else_is_given(hashes, paths, attrs,
                                                                                             unpaired):
    # integration.yml, file_path: a path is on the hosts of host_id, without which it is refused (with a hash too).
    fields = {'host_id': [], 'file_hash': hashes, 'file_path': paths, 'file_attr': attrs, 'pair_by_position': unpaired}

    with pytest.raises(ri.RestoreError, match=r'^host_id is missing\.'):
        ri.check_hss_items(fields)


@pytest.mark.parametrize('fields', [
    {'host_id': ['h1', 'h2'], 'file_hash': ['a' * 64, 'b' * 64], 'file_path': [], 'file_attr': []},
    {'host_id': ['h1', 'h2'], 'file_hash': [], 'file_path': ['/x', '/y'], 'file_attr': [],
     'pair_by_position': ['false']},
])
def test_each_hash_or_unpaired_path_gets_its_own_set_of_hosts(fields):
    # Every value is asked on the same hosts; a caller narrowing one value's hosts leaves the others' as asked.
    asked = ri.hosts_asked(fields)
    first, second = asked
    asked[first].discard('h1')

    assert asked[second] == {'h1', 'h2'}, asked


@given(st.dictionaries(st.sampled_from(sorted(facts.HSS_FIELD_LIMITS)),
                       st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=4), min_size=1))
def test_item_lists_line_up_or_are_refused(fields):
    lengths = {len(values) for values in fields.values()}
    count = max(lengths)
    try:
        items = ri.broadcast_items(fields)
    except ri.RestoreError as error:
        assert lengths - {1, count}
        assert 'do not line up' in str(error)
        return
    assert not lengths - {1, count}
    expected = []  # the item of each position, in order; one given twice is one item (the same copy twice)
    for index in range(count):
        item = {name: values[0] if len(values) == 1 else values[index] for name, values in fields.items()}
        if item not in expected:
            expected.append(item)
    assert items == expected


@given(hex_sha256, st.integers(min_value=0, max_value=63),
       st.sampled_from(['O', 'o', 'l', 'g', '\uff10', '\uff41', '\u0660', 'x', '-', ' ']))
def test_a_64_character_value_with_one_stray_character_names_it_and_where_it_is(value, position, stray):
    candidate = value[:position] + stray + value[position + 1:]
    if stray == ' ' and position in (0, 63):  # a blank at either end is trimmed: 63 characters, told by its length
        with pytest.raises(ri.RestoreError, match=r'\(63 characters\)'):
            ri.validate_sha256(candidate)
        return
    try:
        ri.validate_sha256(candidate)
    except ri.RestoreError as error:
        named = f'"{stray}"' if stray.isascii() else f'"{stray}" (U+{ord(stray):04X})'  # a look-alike by code point
        assert f'{named} at position {position + 1} is not a hexadecimal digit' in str(error)
    else:
        raise AssertionError(f'{candidate!r} was accepted')


@given(st.lists(st.text(st.characters(blacklist_categories=('Cs', 'Cc')), min_size=1, max_size=30)
                .filter(lambda t: t.strip().lower() not in ('', 'none', 'null')),  # a transformer's text: refused
                min_size=1, max_size=6))
def test_items_of_a_json_or_context_list_are_taken_as_given_blanks_at_their_ends_included(items):
    # The JSON list form is how a value the comma-separated text cannot carry is given (integration.yml, file_path):
    # a path may end with a blank, and HSS matches paths exactly.
    assert ri.arg_to_list(json.dumps(items), 'file_path') == items
    assert ri.arg_to_list(items, 'file_path') == items


# hss-restore-isolated's hidden restore_state, as README ("How hss-restore-isolated behaves") lays it out: when HSS
# accepted the restore (HSS's clock, 13 digits), when the command started (this machine's), the checks made (an r after
# them when HSS refused the last check's listing, which a second refusal in a row ends polling on; or an l and until
# when, at the latest, the gateway's lock of the access key the last check met lasts, in ms); then the
# batches refused (hex), how many ms before <accepted> the listing began, the copies sent, and, for a start put off by
# HSS's throttling, how many ms before <accepted> its first run began. Each later part may be left out (older versions).
NOW_MS = int(time.time() * 1000)
# After the checks: nothing, r (HSS refused the last check's listing) or l and a lock's end (ms, this machine's clock)
LAST_CHECK_FLAGS = st.one_of(st.just(('', False, None)), st.just(('r', True, None)), st.integers(
    10 ** 12, 10 ** 13 - 1).map(lambda until: (f'l{until}', False, until)))


@given(accepted=st.integers(10 ** 12, 10 ** 13 - 1), started=st.integers(10 ** 12, NOW_MS),
       checks=st.integers(0, 10 ** 9 - 1), refused=st.integers(0, 2 ** 64), listed=st.integers(0, 10 ** 12 - 1),
       sent=st.integers(0, 10 ** 9 - 1), taken=st.integers(0, 10 ** 12 - 1), parts=st.integers(3, 7),
       last_check=LAST_CHECK_FLAGS)
def test_a_restore_state_the_command_writes_reads_back_part_by_part_and_is_written_again_as_it_was(
        accepted, started, checks, refused, listed, sent, taken, parts, last_check):
    flag, listing_refused, locked_until = last_check
    text = ':'.join([str(accepted), str(started), str(checks) + flag, f'{refused:x}', str(listed),
                     str(sent), str(taken)][:parts])
    state = ri.hss_restore_state(text)
    assert state == {'accepted': accepted, 'started': started, 'checks': checks, 'listing_refused': listing_refused,
                     'locked_until': locked_until, 'refused': refused if parts > 3 else 0,
                     'listed': accepted - listed if parts > 4 else None,
                     'sent': sent if parts > 5 else None, 'taken': accepted - taken if parts > 6 else None}
    if parts > 4 or refused:  # a bitmap of none is left out when nothing follows it
        assert ri.state_text(state) == text


# Any moment an HTTP Date header can name (years 1 to 9999), in ms: HSS's clock, however far off, is what accepted is.
HSS_CLOCK_MS = st.integers(int(datetime(1, 1, 1, tzinfo=timezone.utc).timestamp() * 1000),
                           int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp() * 1000))


@given(accepted=HSS_CLOCK_MS, started=st.one_of(st.none(), st.integers(10 ** 12, NOW_MS)),
       checks=st.integers(0, 10 ** 9 - 1), refused=st.integers(0, 2 ** 64), listed=st.integers(0, 10 ** 12 - 1),
       sent=st.one_of(st.none(), st.integers(0, 10 ** 9 - 1)), taken=st.integers(0, 10 ** 12 - 1),
       last_check=LAST_CHECK_FLAGS)
@example(accepted=10 ** 13, started=None, checks=0, refused=0, listed=0, sent=None, taken=0,  # 2286-11-20
         last_check=('', False, None))
@example(accepted=-1, started=None, checks=0, refused=0, listed=0, sent=None, taken=0,  # just before 1970
         last_check=('r', True, None))
def test_a_restore_state_the_command_writes_on_any_hss_clock_reads_back_as_it_was_written(
        accepted, started, checks, refused, listed, sent, taken, last_check):
    """The state a start writes holds HSS's clock when HSS took the restore (its Date header): a gateway whose clock
    is off by centuries still gets its restore followed, as the next check reads back what the start wrote."""
    _, listing_refused, locked_until = last_check
    state = {'accepted': accepted, 'started': started, 'checks': checks, 'listing_refused': listing_refused,
             'locked_until': locked_until, 'refused': refused,
             'listed': accepted - listed, 'sent': sent, 'taken': None if sent is None else accepted - taken}

    assert ri.hss_restore_state(ri.state_text(state)) == state


@given(accepted=HSS_CLOCK_MS, after=st.integers(1, 10 ** 9), listed_after=st.booleans())
def test_a_restore_state_whose_listing_or_put_off_start_came_after_accepted_on_hss_s_clock_reads_back_as_at_accepted(
        accepted, after, listed_after):
    """HSS's clock may step back between a start's listing (or its put-off first run) and HSS taking the restore: the
    state still holds ms before <accepted>, a count of digits only, so the next check reads it back."""
    later = accepted + after
    state = {'accepted': accepted, 'started': None, 'checks': 0, 'listing_refused': False, 'locked_until': None,
             'refused': 0, 'listed': later if listed_after else accepted, 'sent': 1,
             'taken': accepted if listed_after else later}

    assert ri.hss_restore_state(ri.state_text(state)) == dict(state, listed=accepted, taken=accepted)


def test_a_restore_state_started_a_day_ahead_of_this_machine_is_read_and_one_ms_more_is_refused(monkeypatch):
    """The start is on this machine's clock, which its refusal says may be not more than a day ahead of it (as far as a
    clock may be set back): exactly a day ahead is still a restore's state, a millisecond past that is not one."""
    now_ms = 1_700_000_000_000
    day_ms = 24 * 60 * 60 * 1000
    monkeypatch.setattr(ri, 'time', FrozenTime(now_ms))

    assert ri.hss_restore_state(f'{now_ms}:{now_ms + day_ms}:0')['started'] == now_ms + day_ms
    with pytest.raises(ri.RestoreError, match='restore_state'):
        ri.hss_restore_state(f'{now_ms}:{now_ms + day_ms + 1}:0')


# An instance setting's text as pasted: invisible format characters (Cf, as Unicode reads them: a zero-width space, a
# byte-order mark, a direction mark) and blanks, in any order, at its ends or between its visible characters. The
# settings read as free text, a credentials setting's user name and secret among them, and where the reader puts each.
UNSEEN = st.text(st.one_of(st.characters(whitelist_categories=('Cf',)), st.sampled_from(' \t\u00a0\u3000')),
                 max_size=4)
VISIBLE = st.text(st.characters(blacklist_categories=('Cc', 'Cs', 'Cf', 'Zs', 'Zl', 'Zp')), min_size=4, max_size=30)
FREE_TEXT = {('hss_domain', None): ('hss', 'domain'), ('hss_credentials', 'identifier'): ('hss', 'username'),
             ('hss_credentials', 'password'): ('hss', 'password'), ('xdr_api_key', 'password'): ('xdr', 'key')}
SET_UP = {'xdr_url': 'https://api-acme.xdr.us.paloaltonetworks.com', 'xdr_api_key_id': '17',
          'xdr_api_key': {'password': 'k' * 64}, 'xdr_auth_type': 'advanced', 'hss_project_id': 'p' * 32,
          'hss_region': 'ap-southeast-1', 'hss_auth_type': 'token', 'hss_domain': 'acme',
          'hss_credentials': {'identifier': 'user', 'password': 'pw' * 8}}


def with_setting(setting: tuple[str, str | None], text: str) -> dict:
    name, part = setting
    return {**SET_UP, name: text if part is None else {**SET_UP[name], part: text}}


@given(setting=st.sampled_from(sorted(FREE_TEXT, key=str)), before=UNSEEN, visible=VISIBLE, after=UNSEEN)
def test_invisible_characters_and_blanks_at_the_ends_of_a_setting_are_dropped_and_the_rest_read_as_typed(
        setting, before, visible, after):
    vendor, field = FREE_TEXT[setting]

    read = ri.read_instance_settings(with_setting(setting, before + visible + after))

    assert getattr(getattr(read, vendor), field) == visible


@given(setting=st.sampled_from(sorted(FREE_TEXT, key=str)), before=UNSEEN, visible=VISIBLE, after=UNSEEN,
       cut=st.integers(1, 29), blanks=st.sampled_from(['', ' ']), invisible=st.characters(whitelist_categories=('Cf',)))
def test_an_invisible_character_inside_a_setting_is_refused_naming_it_and_where_it_is_never_quoting_a_secret(
        setting, before, visible, after, cut, blanks, invisible):
    cut = min(cut, len(visible) - 1)
    inside = visible[:cut] + blanks + invisible + blanks + visible[cut:]

    with pytest.raises(ri.RestoreError) as refused:
        ri.read_instance_settings(with_setting(setting, before + inside + after))

    text = str(refused.value)
    assert setting[0] in text and 'invisible character' in text and 'again' in text, text
    assert f'U+{ord(invisible):04X}' in text and f'position {cut + len(blanks) + 1}' in text, text
    if setting[1] == 'password':  # no piece long enough to tell
        assert all(piece not in text for piece in (visible[:cut], visible[cut:]) if len(piece) >= 6), text


# An unpaired surrogate (Cs: XSOAR's JSON may hand "\ud800") can be neither shown nor sent as typed: refused as a
# control character is (README: "control characters ... unpaired surrogates"), by its code point and position.
@given(setting=st.sampled_from(sorted(FREE_TEXT, key=str)), visible=VISIBLE, cut=st.integers(1, 29),
       surrogate=st.sampled_from(['\ud800', '\udbff', '\udc00', '\udfff']))
def test_an_unpaired_surrogate_inside_a_setting_is_refused_naming_it_and_where_it_is(setting, visible, cut, surrogate):
    cut = min(cut, len(visible) - 1)

    with pytest.raises(ri.RestoreError) as refused:
        ri.read_instance_settings(with_setting(setting, visible[:cut] + surrogate + visible[cut:]))

    text = str(refused.value)
    assert setting[0] in text and f'U+{ord(surrogate):04X}' in text and f'position {cut + 1}' in text, text
    assert 'control character' in text and 'invisible' not in text, text


# A checkbox handed a number that is neither true nor false: refused quoting it, a fraction as a whole number is (a
# number is no kind apart from its value, as an object or a list is).
@given(name=st.sampled_from(['insecure', 'proxy']), number=st.one_of(st.integers(2, 99), st.floats(2, 99)))
def test_a_checkbox_setting_handed_a_number_is_refused_quoting_the_number(name, number):
    with pytest.raises(ri.RestoreError) as refused:
        ri.read_instance_settings({**SET_UP, name: number})

    assert name in str(refused.value) and f'got {number}.' in str(refused.value), str(refused.value)


# A checkbox, number or event types setting handed as an object, or a list of several values, of any content: refused
# naming the setting and its kind as JSON names it, never shown in Python's form (braces, brackets, quotes).
@given(name=st.sampled_from(['insecure', 'proxy', 'connect_timeout', 'max_retries', 'xdr_rate_limit', 'max_fetch']),
       value=st.one_of(st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
                       st.lists(st.one_of(st.text(max_size=3), st.integers()), min_size=2, max_size=3)))
def test_a_checkbox_or_number_setting_of_another_kind_is_refused_naming_its_json_kind(name, value):
    kind = 'an object' if isinstance(value, dict) else 'a list'

    with pytest.raises(ri.RestoreError) as refused:
        ri.read_instance_settings({**SET_UP, name: value, 'isFetch': True}, with_fetch=True)

    assert name in str(refused.value) and f'got {kind}.' in str(refused.value), str(refused.value)
    assert not re.search(r"[{}\[\]']", str(refused.value).split('got ')[-1]), str(refused.value)


# A number setting as pasted, read as a text setting is: blanks and invisible format characters at its ends dropped,
# one between its digits refused naming the setting, its code point and its position.
NUMBERS = {'connect_timeout': ('transport', 'connect_timeout'), 'max_retries': ('transport', 'max_retries'),
           'xdr_rate_limit': ('xdr', 'rate_limit'), 'max_fetch': ('fetch', 'max_fetch')}


@given(name=st.sampled_from(sorted(NUMBERS)), number=st.integers(1, 10), before=UNSEEN, after=UNSEEN)
def test_invisible_characters_and_blanks_at_the_ends_of_a_number_setting_are_dropped_and_the_number_read(
        name, number, before, after):
    part, field = NUMBERS[name]

    read = ri.read_instance_settings({**SET_UP, name: f'{before}{number}{after}', 'isFetch': True}, with_fetch=True)

    assert getattr(getattr(read, part), field) == number


@given(name=st.sampled_from(sorted(NUMBERS)), before=UNSEEN, after=UNSEEN)
def test_a_number_setting_past_its_range_is_refused_quoting_the_number_as_read_without_its_unseen_ends(
        name, before, after):
    number = 10 ** 12  # past every number setting's range

    with pytest.raises(ri.RestoreError) as refused:
        ri.read_instance_settings({**SET_UP, name: f'{before}{number}{after}', 'isFetch': True}, with_fetch=True)

    assert re.search(rf'got \W?{number}\W?\.$', str(refused.value)), str(refused.value)


@given(name=st.sampled_from(sorted(NUMBERS)), number=st.integers(10, 99), before=UNSEEN, after=UNSEEN,
       invisible=st.characters(whitelist_categories=('Cf',)))
def test_an_invisible_character_between_the_digits_of_a_number_setting_is_refused_naming_it_and_where_it_is(
        name, number, before, after, invisible):
    digits = str(number)

    with pytest.raises(ri.RestoreError) as refused:
        ri.read_instance_settings({**SET_UP, name: before + digits[0] + invisible + digits[1] + after, 'isFetch': True},
                                  with_fetch=True)

    text = str(refused.value)
    assert name in text and f'U+{ord(invisible):04X}' in text and 'position 2' in text and 'again' in text, text


# "HSS event types to fetch" handed as a list (XSOAR's multi select), or as comma-separated text: each item read as a
# text value is, blanks and invisible characters at its ends dropped, an invisible or control character inside it
# refused naming where it is: the item by its number in the list (or between the commas), counted from 1, and the
# position within the item.
@given(code=st.sampled_from(facts.HSS_HOST_EVENT_TYPES), before=UNSEEN, after=UNSEEN, cut=st.integers(1, 8),
       inside=st.characters(whitelist_categories=('Cc', 'Cf')),
       others=st.lists(st.sampled_from(facts.HSS_HOST_EVENT_TYPES), max_size=5), at=st.integers(0, 5),
       as_text=st.booleans())
def test_an_event_types_item_has_its_ends_dropped_and_a_character_inside_it_refused_naming_where_it_is(
        code, before, after, cut, inside, others, at, as_text):
    item, at = f'{code} some name', min(at, len(others))
    listed = [f'{other} other name' for other in others]

    def setting(typed: str) -> dict:
        items = [*listed[:at], typed, *listed[at:]]
        return {**SET_UP, 'isFetch': True, 'event_types': ','.join(items) if as_text else items}

    read = ri.read_instance_settings(setting(before + item + after), with_fetch=True)
    with pytest.raises(ri.RestoreError) as refused:
        ri.read_instance_settings(setting(before + item[:cut] + inside + item[cut:] + after), with_fetch=True)

    assert read.fetch.event_types == tuple(sorted({code, *others}))
    text = str(refused.value)
    assert 'event_types' in text and f'U+{ord(inside):04X}' in text and f'position {cut + 1}' in text, text
    assert re.search(rf'\bitem {at + 1}\b', text), text
