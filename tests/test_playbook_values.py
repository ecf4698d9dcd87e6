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
    ('inList', 'Other,False Positive', True),
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
