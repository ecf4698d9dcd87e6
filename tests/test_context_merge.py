"""Incident context merges entries the way XSOAR does with DT keys."""
from __future__ import annotations

import copy
import re

import pytest
from hypothesis import given, strategies as st

from warroom.context import ContextError, as_list, get_path, js_equal, merge_entry_context

KEY = 'CortexXDR.RestoredFile(val.action_id && val.action_id == obj.action_id)'


def test_an_object_with_the_same_id_updates_the_old_one():
    context = {}
    merge_entry_context(context, {KEY: {'action_id': 1, 'status': 'IN_PROGRESS'}})
    merge_entry_context(context, {KEY: {'action_id': 1, 'status': 'COMPLETED_SUCCESSFULLY'}})

    assert context == {'CortexXDR': {'RestoredFile': {'action_id': 1, 'status': 'COMPLETED_SUCCESSFULLY'}}}


def test_a_matched_object_keeps_the_fields_the_new_one_leaves_out():
    """content-docs dt.md: with a DT key, "If it finds a match, it will update the existing context", and selectors
    "can be used to add context to existing entries"; context-and-outputs.md: the DT "prevents data from being
    overwritten as well as further enriches an existing entry with more information". So a field the new object
    does not write stays; a field it writes replaces the old value, a list as a whole."""
    context = {}
    merge_entry_context(context, {KEY: {'action_id': 1, 'status': 'IN_PROGRESS', 'error': 'not read',
                                        'endpoints': [{'endpoint_id': 'a'}], 'extra': {'x': 1, 'y': 2}}})
    merge_entry_context(context, {KEY: {'action_id': 1, 'status': 'COMPLETED_SUCCESSFULLY',
                                        'endpoints': [{'endpoint_id': 'b'}], 'extra': {'x': 3, 'y': 4, 'z': 5}}})

    assert context['CortexXDR']['RestoredFile'] == {
        'action_id': 1, 'status': 'COMPLETED_SUCCESSFULLY', 'error': 'not read', 'endpoints': [{'endpoint_id': 'b'}],
        'extra': {'x': 3, 'y': 4, 'z': 5}}


@pytest.mark.parametrize('nested', [{'y': 3}, {'x': 1, 'deeper': {}}])
def test_an_object_within_a_matched_one_that_leaves_out_fields_the_old_one_has_is_refused_not_guessed(nested):
    """Whether XSOAR updates an object within a matched one field by field or replaces it whole is not documented,
    and CommonServerPython's own replace_existing (CommandResults.to_context) writes ``Parent(true): {key: value}``
    to "Replace the context value at outputs_prefix": a value it replaces whole, an object too. The war room updated
    it field by field, keeping fields XSOAR may drop, so a record read back locally held values it may not hold
    there. Where the two readings give other contexts, the entry is refused."""
    context = {}
    merge_entry_context(context, {KEY: {'action_id': 1, 'extra': {'x': 1, 'y': 2, 'deeper': {'d': 1}}}})
    before = copy.deepcopy(context)

    with pytest.raises(ContextError, match='extra'):
        merge_entry_context(context, {KEY: {'action_id': 1, 'extra': nested}})

    assert context == before


def test_objects_with_other_ids_are_appended():
    context = {}
    merge_entry_context(context, {KEY: {'action_id': 1}})
    merge_entry_context(context, {KEY: [{'action_id': 2}, {'action_id': 1, 'x': True}]})

    assert context['CortexXDR']['RestoredFile'] == [{'action_id': 1, 'x': True}, {'action_id': 2}]
    assert get_path(context, 'CortexXDR.RestoredFile.action_id') == [1, 2]


def test_a_key_without_condition_appends():
    context = {}
    merge_entry_context(context, {'A.B': 1})
    merge_entry_context(context, {'A.B': 2})

    assert context == {'A': {'B': [1, 2]}}


def test_an_unsupported_condition_is_refused_not_guessed():
    with pytest.raises(ContextError, match='Unsupported DT condition'):
        merge_entry_context({}, {'A(val.x > obj.x)': {'x': 1}})


@pytest.mark.parametrize('key', ['A(val.x == obj.x', 'A(val.x == obj.x)B', '(val.x == obj.x)', 'A)'])
def test_a_key_that_is_no_path_with_one_closing_condition_is_refused_not_written_as_it_is(key):
    # A DT key is a path and, last, one (condition): content-docs dt.md. The rest the module does not understand.
    context = {}
    with pytest.raises(ContextError, match=re.escape(f'Unsupported EntryContext key "{key}"')):
        merge_entry_context(context, {key: {'x': 1}})
    assert context == {}


@pytest.mark.parametrize('context, key', [
    ({'A': [{'x': 1}, {'x': 2}]}, 'A.B'),  # a list of records: which one would hold B?
    ({'A': [{'x': 1}, {'x': 2}]}, 'A.B(val.y == obj.y)'),
    ({'A': 'text'}, 'A.B'),
    ({'A': {'B': 3}}, 'A.B.C'),
])
def test_a_key_whose_path_runs_through_a_list_or_a_value_is_refused_by_name_not_a_crash(context, key):
    """The module refuses what it does not understand rather than guess (its docstring); a path through a list or a
    value was a Python TypeError or AttributeError instead, a traceback on the war-room command line."""
    before = copy.deepcopy(context)

    with pytest.raises(ContextError, match=re.escape(f'"{key}"')):
        merge_entry_context(context, {key: {'y': 1}})

    assert context == before  # nothing half written


def abstract_equality(x, y):
    """ECMAScript 5.1's Abstract Equality Comparison (11.9.3), step by step, for JSON's primitives (null, booleans,
    numbers, strings): what XSOAR's DT, a JavaScript expression, does with ``val.a == obj.a``."""
    if type(x) is type(y) or (isinstance(x, (int, float)) and isinstance(y, (int, float))
                              and not isinstance(x, bool) and not isinstance(y, bool)):
        return x == y  # steps 1: the same type (Number covers int and float)
    if x is None or y is None:
        return False  # steps 2-3 (null == undefined, which JSON has not) and 1 for null == null, handled above
    if isinstance(x, bool):
        return abstract_equality(1 if x else 0, y)  # step 6: ToNumber(x) == y
    if isinstance(y, bool):
        return abstract_equality(x, 1 if y else 0)  # step 7
    if isinstance(x, str):
        return abstract_equality(string_to_number(x), y)  # step 5
    if isinstance(y, str):
        return abstract_equality(x, string_to_number(y))  # step 4
    return False


def string_to_number(text):
    """ToNumber applied to the String type (9.3.1), for the strings this test draws."""
    text = text.strip()
    if text == '':
        return 0
    if text.lower().startswith('0x'):
        return int(text, 16)
    try:
        return float(text)
    except ValueError:
        return float('nan')


def js_truthy(value):
    """ToBoolean (9.2): false for undefined, null, false, +0, -0, NaN and the empty string; true for any object."""
    return value not in (None, False, 0, '') if not isinstance(value, (list, dict)) else True


def naive_merge(existing, new_items, left, right, required):
    """XSOAR's rule written the slow, obvious way: each new object updates the first item it matches."""
    items = list(existing)
    for obj in new_items:
        for index, val in enumerate(items):
            if all(js_truthy(val.get(f)) for f in required) and all(
                    abstract_equality(val.get(a), obj.get(b)) for a, b in zip(left, right)):
                items[index] = {**val, **obj}
                break
        else:
            items.append(obj)
    return items


small = st.dictionaries(st.sampled_from(['a', 'b', 'c']),
                        st.one_of(st.none(), st.booleans(), st.integers(0, 2), st.sampled_from([1.0, 0.5]),
                                  st.sampled_from(['x', '', '1', '1.0', ' 2 ', '0x2', '0', '.5'])),
                        max_size=3)


def test_an_item_an_object_updated_is_matched_by_its_new_values_not_those_it_had():
    # Found by the property test below: 1 is written, "1" updates it (1 == "1"), then "1.0" must not match it, as
    # XSOAR compares with the item as it is now ("1" == "1.0" is false: two strings), though 1 == "1.0" would be true.
    context = {}
    merge_entry_context(context, {'V.Item(val.a == obj.a)': [{'a': 1}, {'a': '1'}, {'a': '1.0'}]})
    merge_entry_context(context, {'V.Item(val.a == obj.a)': {'a': 1.0}})  # and in a later entry too

    assert context['V']['Item'] == [{'a': 1.0}, {'a': '1.0'}]


@given(st.lists(small, max_size=8), st.lists(small, min_size=1, max_size=8))
def test_keyed_merge_agrees_with_the_obvious_one(existing, new_items):
    # XSOAR's DT is JavaScript: "1" == 1, true == 1, "" == 0, " 2 " == 2, "0x2" == 2, but "1" != "1.0" (two strings)
    context = {'V': {'Item': [dict(item) for item in existing]}} if existing else {}
    merge_entry_context(context, {'V.Item(val.a && val.a == obj.a && val.b == obj.b)': [dict(i) for i in new_items]})
    expected = naive_merge(existing, new_items, ['a', 'b'], ['a', 'b'], ['a'])
    got = context['V']['Item']
    assert (got if isinstance(got, list) else [got]) == expected


@pytest.mark.parametrize('term, held, given, merged', [
    ('==', 1001, '1001', True), ('==', '1001', 1001, True), ('==', True, 1, True), ('==', True, '1', True),
    ('==', '', 0, True), ('==', '1', '1.0', False), ('==', None, 0, False), ('==', None, '', False),
    ('==', 'abc', 0, False),
    # === needs the same JavaScript type (one number type for int and float): == would match each of the first four
    ('===', True, 1, False), ('===', 1, True, False), ('===', False, 0, False), ('===', '', 0, False),
    ('===', True, True, True), ('===', 1, 1.0, True)])
def test_a_dt_key_matches_values_as_javascript_s_loose_or_strict_equality_does(term, held, given, merged):
    # A check typed by hand (action_id=1001) updates the record whose action ID arrived as text, as XSOAR's DT does.
    context = {}
    merge_entry_context(context, {f'A.B(val.k {term} obj.k)': {'k': held, 'first': 1}})
    merge_entry_context(context, {f'A.B(val.k {term} obj.k)': {'k': given, 'second': 1}})

    # matched: one record, updated with the later value and keeping the field it left out; else both, as written
    if merged:
        assert as_list(context['A']['B']) == [{'k': given, 'first': 1, 'second': 1}], context
    else:
        assert as_list(context['A']['B']) == [{'k': held, 'first': 1}, {'k': given, 'second': 1}], context


def test_a_dt_key_whose_values_are_arrays_or_objects_never_matches_as_javascript_compares_them_by_reference():
    # XSOAR's DT is JavaScript (content-docs dt.md, "Selectors"): [1] == [1] and {"a": 1} == {"a": 1} are false, the
    # context's value and the entry's each an object of its own, so each record keyed by one is appended.
    context = {}
    for key, run in (([1], 1), ([1], 2), ({'a': 1}, 3), ({'a': 1}, 4)):
        merge_entry_context(context, {'A.B(val.k == obj.k)': {'k': key, 'run': run}})

    assert [item['run'] for item in context['A']['B']] == [1, 2, 3, 4]


def test_a_strict_dt_term_does_not_match_a_number_with_its_text():
    context = {}
    merge_entry_context(context, {'A.B(val.k === obj.k)': {'k': 1001}})
    merge_entry_context(context, {'A.B(val.k === obj.k)': {'k': '1001'}})
    merge_entry_context(context, {'A.B(val.k === obj.k)': {'k': 1001.0}})

    assert context['A']['B'] == [{'k': 1001.0}, {'k': '1001'}]


@pytest.mark.parametrize('term', ['==', '==='])
@pytest.mark.parametrize('given', ['', 0, False])
def test_a_record_lacking_the_dt_key_s_field_is_not_matched_by_an_empty_value_as_undefined_equals_none(term, given):
    # JavaScript: val.k of a record without k is undefined, and undefined == "" (or 0, or false) is false.
    context = {}
    merge_entry_context(context, {f'A.B(val.k {term} obj.k)': {'first': 1}})
    merge_entry_context(context, {f'A.B(val.k {term} obj.k)': {'k': given, 'second': 1}})

    assert as_list(context['A']['B']) == [{'first': 1}, {'k': given, 'second': 1}], context


@pytest.mark.parametrize('loose', [True, False])
@pytest.mark.parametrize('value', ['', 0, False, 'null'])
def test_null_or_undefined_equals_no_other_value_under_either_term(loose, value):
    # ECMAScript 5.1, 11.9.3 steps 2-3 and 10: null and undefined equal each other only. The merge asks js_equal only
    # of values _bucket puts together (null apart from "" and 0), so js_equal itself is asked here.
    assert not js_equal(None, value, loose) and not js_equal(value, None, loose)
    assert js_equal(None, None, loose)


def test_a_truthy_dt_term_holds_for_an_empty_list_as_in_javascript():
    context = {}
    merge_entry_context(context, {'A.B(val.k && val.id == obj.id)': {'k': [], 'id': 1}})
    merge_entry_context(context, {'A.B(val.k && val.id == obj.id)': {'id': 1, 'x': 2}})

    assert context['A']['B'] == {'k': [], 'id': 1, 'x': 2}


def test_the_context_holds_copies_not_the_entry_objects():
    entry_value = {'a': 1}
    context = {}
    merge_entry_context(context, {'V.Item': entry_value})
    entry_value['a'] = 2
    assert context['V']['Item'] == {'a': 1}


def test_a_true_condition_updates_what_the_key_holds():
    """``Key(true)``: XSOAR's DT for "overwrite" (demisto/content's GoogleCloudLogging writes its page token so): every
    existing object matches, so the new one updates it; the fields it writes replace the old values."""
    context = {}
    merge_entry_context(context, {'A.B(true)': {'allowed': ['x'], 'held': []}})
    merge_entry_context(context, {'A.B(true)': {'allowed': [], 'held': ['x']}})

    assert context == {'A': {'B': {'allowed': [], 'held': ['x']}}}
    assert get_path(context, 'A.B.allowed') == []  # there, and empty: "Is defined" holds for it, "Is not empty" not


@pytest.mark.parametrize('entry_context', [
    {'A.B(true)': {'x': 1, 'C': 'v'}, 'A.B.C': 'w'},  # C: ['v', 'w'] in this order, 'v' in the other
    {'A.B.C': 'w', 'A.B(true)': {'x': 1, 'C': 'v'}},
    {'A.B(val.C == obj.C)': {'C': 'old', 'n': 1}, 'A.B(true)': {'n': 2}},  # n: 2 in this order, 1 in the other
])
def test_an_entry_whose_keys_give_another_context_in_another_order_is_refused(entry_context):
    """XSOAR's server is written in Go, whose maps keep no order (the language specification: "The iteration order
    over maps is not specified and is not guaranteed to be the same from one iteration to the next"); an entry's
    EntryContext reaches it as a JSON object, whose members RFC 8259 calls "an unordered collection". No public
    source says the server applies an entry's keys in the order a script wrote them: an entry whose keys write
    overlapping paths, with a context that depends on which goes first, is refused, not read in Python's order."""
    context = {'A': {'B': {'C': 'old'}}}
    before = copy.deepcopy(context)

    with pytest.raises(ContextError, match='order'):
        merge_entry_context(context, entry_context)

    assert context == before  # nothing half written


def test_an_entry_whose_overlapping_keys_give_one_context_in_either_order_is_merged():
    # The reputation gate's shape: Key(true) updates the object, Key.held(...) the list inside it; the update keeps
    # the list whichever goes first, so the context is the same.
    held = 'A.B.held(val.f == obj.f)'
    for entry_context in ({'A.B(true)': {'allowed': ['x']}, held: [{'f': 1}]},
                          {held: [{'f': 1}], 'A.B(true)': {'allowed': ['x']}}):
        context = {'A': {'B': {'allowed': ['y'], 'held': [{'f': 2}]}}}
        merge_entry_context(context, entry_context)
        assert context == {'A': {'B': {'allowed': ['x'], 'held': [{'f': 2}, {'f': 1}]}}}
