"""Input checks of the integration, over generated input: each value is accepted as meant or refused clearly."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

import restore_integration as ri

hex_sha256 = st.text('0123456789abcdefABCDEF', min_size=64, max_size=64)
anything = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=300),
                     st.lists(st.text(max_size=70), max_size=3), st.binary(max_size=10), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@given(hex_sha256, st.sampled_from(['', ' ', '\t', '\n']), st.sampled_from(['', ' ', '\n']))
def test_any_sha256_is_accepted_in_lower_case(value, before, after):
    assert ri.validate_sha256(before + value + after) == value.lower()


@given(anything)
@settings(max_examples=500)
def test_anything_else_is_refused_with_a_restore_error(value):
    candidate = value[0] if isinstance(value, list) and len(value) == 1 else value
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
    assert ri.arg_to_int(number, 'n') == number


@given(anything)
@settings(max_examples=500)
def test_int_and_identifier_checks_only_ever_raise_restore_error(value):
    for check in (lambda v: ri.arg_to_int(v, 'incident_id', minimum=0),
                  lambda v: ri.validate_identifier(v, 'endpoint_id'),
                  lambda v: ri.arg_to_bool(v, 'polling')):
        try:
            check(value)
        except ri.RestoreError as error:
            assert str(error)


@given(st.text(max_size=300))
def test_identifiers_never_carry_control_characters_or_exceed_the_limit(value):
    try:
        result = ri.validate_identifier(value, 'endpoint_id')
    except ri.RestoreError:
        return
    if result is not None:
        assert not ri.has_control_characters(result)
        assert 0 < len(result) <= ri.MAX_IDENTIFIER_LENGTH
        assert result == result.strip()
