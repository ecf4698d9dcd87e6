"""Incident context merges entries the way XSOAR does with DT keys."""
from __future__ import annotations

import pytest

from warroom.context import ContextError, get_path, merge_entry_context

KEY = 'CortexXDR.RestoredFile(val.action_id && val.action_id == obj.action_id)'


def test_an_object_with_the_same_id_replaces_the_old_one():
    context = {}
    merge_entry_context(context, {KEY: {'action_id': 1, 'status': 'IN_PROGRESS'}})
    merge_entry_context(context, {KEY: {'action_id': 1, 'status': 'COMPLETED_SUCCESSFULLY'}})

    assert context == {'CortexXDR': {'RestoredFile': {'action_id': 1, 'status': 'COMPLETED_SUCCESSFULLY'}}}


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
