"""How the runner reads playbook values and conditions: the XSOAR subset the pack's playbooks use."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from warroom.playbook.values import Scope, UnsupportedError, evaluate, interpolate, resolve

CONTEXT = {'Vendor': {'Item': [{'id': 'a', 'state': 'ok', 'tags': ['x', 'y']},
                               {'id': 'b', 'state': 'bad', 'tags': ['y']}]}}


def scope(**inputs):
    return Scope({'closeReason': 'False Positive', 'filesha256': ['h1', 'h2']}, inputs, CONTEXT)


def test_a_lone_reference_keeps_its_list_and_text_references_are_joined():
    assert interpolate('${incident.filesha256}', scope()) == ['h1', 'h2']
    assert interpolate('files: ${incident.filesha256}.', scope()) == 'files: h1,h2.'
    assert interpolate('${Missing.path} here', scope()) == ' here'


@given(st.text().filter(lambda t: '${' not in t))
def test_text_without_references_is_left_as_it_is(text):
    assert interpolate(text, scope()) == text


def test_complex_values_filter_then_pick_then_transform():
    spec = {'complex': {'root': 'Vendor.Item', 'accessor': 'tags',
                        'filters': [[{'operator': 'isEqualString', 'left': {'value': {'simple': 'Vendor.Item.state'},
                                                                             'iscontext': True},
                                      'right': {'value': {'simple': 'ok'}}}]],
                        'transformers': [{'operator': 'append',
                                          'args': {'item': {'value': {'simple': 'incident.filesha256'},
                                                            'iscontext': True}}},
                                         {'operator': 'uniq'}]}}
    assert resolve(spec, scope()) == ['x', 'y', 'h1', 'h2']


def test_first_array_element_and_empty_arguments():
    assert resolve({'complex': {'root': 'Vendor.Item', 'accessor': 'id',
                                'transformers': [{'operator': 'FirstArrayElement'}]}}, scope()) == 'a'
    assert resolve({}, scope()) is None


@pytest.mark.parametrize('operator, right, expected', [
    ('isEqualString', 'false positive', True), ('isNotEqualString', 'Resolved', True),
    ('inList', 'False Positive', True), ('notInList', 'Other', True),
    ('containsString', 'Positive', True), ('isNotEmpty', None, True), ('isEmpty', None, False)])
def test_operators_compare_like_xsoar(operator, right, expected):
    condition = {'operator': operator, 'left': {'value': {'simple': 'incident.closeReason'}, 'iscontext': True},
                 'ignorecase': True}
    if right is not None:
        condition['right'] = {'value': {'simple': right}}
    assert evaluate(condition, scope()) is expected


@pytest.mark.parametrize('value, defined, not_empty', [
    ([], True, False), ('', True, False), (False, True, True), ('x', True, True), (None, False, False)])
def test_is_defined_holds_for_empty_strings_and_lists_which_is_not_empty_refuses(value, defined, not_empty):
    # Playbook Design Guide, "Built-in Filters": "Is defined considers false and empty strings and lists to be defined
    # values. If you don't want those to be included as defined, use Is not empty."
    room = Scope({}, {'X': value}, {})
    left = {'value': {'simple': 'inputs.X'}, 'iscontext': True}
    assert evaluate({'operator': 'isExists', 'left': left}, room) is defined
    assert evaluate({'operator': 'isNotExists', 'left': left}, room) is not defined
    assert evaluate({'operator': 'isNotEmpty', 'left': left}, room) is not_empty


def test_an_unknown_operator_or_transformer_is_refused_by_name():
    with pytest.raises(UnsupportedError, match='isSomething'):
        evaluate({'operator': 'isSomething', 'left': {'value': {'simple': 'x'}}}, scope())
    with pytest.raises(UnsupportedError, match='Stringify'):
        resolve({'complex': {'root': 'Vendor', 'transformers': [{'operator': 'Stringify'}]}}, scope())


def test_remove_empty_drops_what_filters_and_transformers_remove_empty_calls_empty():
    # demisto/content Packs/FiltersAndTransformers/Scripts/RemoveEmpty/RemoveEmpty.js, isEmpty: undefined, null, '',
    # an array of nothing but empty items, an object without keys (remove_keys false, no empty_values: its defaults)
    item_scope = Scope({}, {}, {'v': ['', 'a', None, [], [''], {}, {'k': ''}, 0, False, ' ']})
    spec = {'complex': {'root': 'v', 'transformers': [{'operator': 'RemoveEmpty', 'args': {}}]}}
    assert resolve(spec, item_scope) == ['a', {'k': ''}, 0, False, ' ']
    asked = {'operator': 'RemoveEmpty', 'args': {'empty_values': {'value': {'simple': 'N/A'}}}}
    with pytest.raises(UnsupportedError, match='RemoveEmpty'):
        resolve({'complex': {'root': 'v', 'transformers': [asked]}}, item_scope)


@pytest.mark.parametrize('given, applied', [(None, 'd'), ([], 'd'), ([''], 'd'), ('None', 'd'), (['null'], 'd'),
                                            ({}, 'd'), ('a', 'a'), (['', 'a'], ['', 'a']), (0, 0)])
def test_set_if_empty_gives_its_default_where_filters_and_transformers_set_if_empty_reads_a_value_as_empty(
        given, applied):
    # demisto/content Packs/FiltersAndTransformers/Scripts/SetIfEmpty/SetIfEmpty.py, is_value_empty: null, '', [], {},
    # "None" or "null" in any case, also as a list's one item; several items are never empty
    item_scope = Scope({}, {}, {'v': given, 'fallback': 'd'})
    default = {'value': {'simple': 'fallback'}, 'iscontext': True}
    args = {'applyIfEmpty': {'value': {'simple': 'true'}}, 'defaultValue': default}
    fallback = {'operator': 'SetIfEmpty', 'args': args}
    assert resolve({'complex': {'root': 'v', 'transformers': [fallback]}}, item_scope) == applied


def test_set_if_empty_without_apply_if_empty_replaces_only_null_and_refuses_an_argument_it_does_not_take():
    item_scope = Scope({}, {}, {'v': '', 'fallback': 'd'})
    args = {'applyIfEmpty': {'value': {'simple': 'false'}}, 'defaultValue': {'value': {'simple': 'd'}}}
    assert resolve({'complex': {'root': 'v', 'transformers': [{'operator': 'SetIfEmpty', 'args': args}]}},
                   item_scope) == ''
    asked = {'operator': 'SetIfEmpty', 'args': {**args, 'value': {'value': {'simple': 'x'}}}}
    with pytest.raises(UnsupportedError, match='SetIfEmpty'):
        resolve({'complex': {'root': 'v', 'transformers': [asked]}}, item_scope)


# What XSOAR does with an empty side of a string operator is not documented: the Playbook Design Guide's "Filter
# Operators" says only that filters cast both sides ("The task fails if casting fails") and that a list on the left
# passes when one of its items does (so no item, none). demisto/content authors guard a key that may be missing with
# isNotEmpty, as otherwise "the condition will fail" (pull request 40255; pull request 40327 added one "after the
# playbook failed"). Where the documented rules give no answer, or two answers, the war room takes the strict reading:
# the condition is refused, and a playbook must not lean on either answer.
STRING_OPERATORS = ['isEqualString', 'isNotEqualString', 'containsString', 'inList', 'notInList']
NOTHING = [None, []]  # a key that is not there, a key holding an empty list


def string_condition(operator, left, right):
    return {'operator': operator, 'left': {'value': {'simple': 'L'}, 'iscontext': True},
            'right': {'value': {'simple': 'R'}, 'iscontext': True}}, Scope({}, {}, {'L': left, 'R': right})


@pytest.mark.parametrize('operator', ['isNotEqualString', 'notInList'])
@pytest.mark.parametrize('nothing', NOTHING)
def test_a_negated_string_operator_given_nothing_on_the_left_is_refused_not_read_as_true(operator, nothing):
    # "the filter passes if at least one item meets the requirements" makes it false (no item), the negation of
    # Equals or In list true: which one XSOAR applies is not documented
    condition, room = string_condition(operator, nothing, 'a')
    with pytest.raises(UnsupportedError, match='nothing on the left'):
        evaluate(condition, room)


@pytest.mark.parametrize('operator', ['isEqualString', 'containsString', 'inList'])
@pytest.mark.parametrize('nothing', NOTHING)
def test_a_string_operator_given_nothing_on_the_left_does_not_pass_as_no_item_meets_it(operator, nothing):
    condition, room = string_condition(operator, nothing, 'a')
    assert evaluate(condition, room) is False
    condition, room = string_condition(operator, nothing, [])
    with pytest.raises(UnsupportedError, match='nothing on the right'):
        evaluate(condition, room)


@pytest.mark.parametrize('operator', STRING_OPERATORS)
@pytest.mark.parametrize('nothing', NOTHING)
def test_a_string_operator_given_nothing_on_the_right_is_refused_not_read_as_false_or_true(operator, nothing):
    condition, room = string_condition(operator, 'a', nothing)
    with pytest.raises(UnsupportedError, match='nothing on the right'):
        evaluate(condition, room)


@pytest.mark.parametrize('operator', ['inList', 'notInList'])
@pytest.mark.parametrize('blank', ['', ' ', [''], ',', ' , '])
def test_in_list_given_a_list_without_one_value_on_the_right_is_refused(operator, blank):
    # notInList of an empty list: true if nothing is in it, or a cast that fails: not documented either way
    condition, room = string_condition(operator, 'a', blank)
    with pytest.raises(UnsupportedError, match='no value in the list'):
        evaluate(condition, room)


@pytest.mark.parametrize('left, right, held', [
    ('b', ['a', 'b'], True), ('c', ['a', 'b'], False),  # a context list: its items
    ('a', 'a', True), ('a', ['a'], True), ('b', 'a', False),  # one value, or a list of one
    ('', 'a', False),  # an empty text is a text
    ('a b', ['a b', 'c'], True)])
def test_in_list_and_not_in_list_hold_where_every_reading_agrees(left, right, held):
    condition, room = string_condition('inList', left, right)
    assert evaluate(condition, room) is held
    condition, room = string_condition('notInList', left, right)
    assert evaluate(condition, room) is not held


@pytest.mark.parametrize('left, right', [
    ('Positive', 'Other,Positive'),  # split on commas: in; the text as it is: not
    ('b', ['a,b', 'c']),  # an item holding a comma
    ('b', ' b'),  # trimmed: in; as it is: not
    ('a,b', 'a,b')])  # as it is: in; split: not
def test_in_list_is_refused_where_splitting_the_right_on_commas_decides(left, right):
    # Whether XSOAR's In list splits a text on commas (and trims the parts) is not documented (the Built-in Filters
    # table gives no such rule; demisto/content's ExtFilter, a script, splits its own "in list" argument so)
    for operator in ('inList', 'notInList'):
        condition, room = string_condition(operator, left, right)
        with pytest.raises(UnsupportedError, match='commas'):
            evaluate(condition, room)


@pytest.mark.parametrize('operator, right', [('isNotEqualString', 'a'), ('notInList', ['a', 'x'])])
def test_a_negated_operator_is_refused_where_its_list_on_the_left_has_items_each_way(operator, right):
    # "If the filter's left-side value expects a single item, but receives a list, the filter passes if at least one
    # item meets the requirements" ("Filter Operators"): ["a", "b"] Doesn't equal "a" holds under that rule (b meets
    # it), and not as the negation of Equals (a equals): which one XSOAR applies is not documented
    condition, room = string_condition(operator, ['a', 'b'], right)
    with pytest.raises(UnsupportedError, match='negation'):
        evaluate(condition, room)
    condition, room = string_condition(operator, ['b', 'c'], right)
    assert evaluate(condition, room) is True  # no item equals, or is in the list: both readings hold
    condition, room = string_condition(operator, ['a'], right)
    assert evaluate(condition, room) is False


@pytest.mark.parametrize('nothing', NOTHING)
@pytest.mark.parametrize('blank', ['', ' ', [''], ',', ' , '])
def test_in_list_given_nothing_on_the_left_still_refuses_a_list_without_one_value_on_the_right(nothing, blank):
    # no item on the left does not pass (the list rule), but the right side is read as it is for any left side: an
    # empty text or commas alone are no list XSOAR documents, whatever is on the left
    condition, room = string_condition('inList', nothing, blank)
    with pytest.raises(UnsupportedError, match='no value in the list'):
        evaluate(condition, room)


# The number operators follow the same documented rules: both sides cast ("The task fails if casting fails"), and a
# list on the left passes when one of its items does (so no item, none).
@pytest.mark.parametrize('left, right, held', [
    (5, '3', True), ('2', 3, False), ('3.5', '3', True), ('-1e3', '-2000', True), (['1', '5'], '3', True),
    (['1', '2'], '3', False), (None, '3', False), ([], 3, False)])
def test_greater_than_compares_numbers_and_a_list_on_the_left_passes_when_one_item_does(left, right, held):
    condition, room = string_condition('greaterThan', left, right)
    assert evaluate(condition, room) is held


@pytest.mark.parametrize('left, right', [
    ('abc', '3'), ('5', 'abc'), (True, '0'), ('5', True), ({'some': 'object'}, '3'), ('nan', '3'), ('1_000', '3'),
    (['5', 'abc'], '3'),  # one item that does not cast fails the task, though another passes
    (None, 'abc'), ([], 'abc')])  # the right side is cast whatever is on the left
def test_greater_than_refuses_a_side_xsoar_cannot_cast_to_a_number_not_read_as_false(left, right):
    condition, room = string_condition('greaterThan', left, right)
    with pytest.raises(UnsupportedError, match='cast'):
        evaluate(condition, room)


@pytest.mark.parametrize('left', ['5', None, []])
@pytest.mark.parametrize('right', [None, [], ['1', '2']])
def test_greater_than_given_nothing_or_several_values_on_the_right_is_refused(left, right):
    condition, room = string_condition('greaterThan', left, right)
    with pytest.raises(UnsupportedError, match='right'):
        evaluate(condition, room)
