"""Incident context, merged the way XSOAR merges an entry's EntryContext.

A key such as ``CortexXDR.RestoredFile(val.action_id && val.action_id == obj.action_id)`` names a path
and a DT condition: a new object replaces the existing one the condition matches, else it is appended.
Only the condition forms the pack uses are understood (``val.x``, ``val.x == obj.x``, joined by
``&&``); anything else is refused rather than guessed.
"""
from __future__ import annotations

import copy
import re

DT_KEY = re.compile(r'^(?P<path>[^()]+?)(?:\((?P<condition>.*)\))?$')
TRUTHY_TERM = re.compile(r'^val\.(?P<field>[\w.]+)$')
EQUALS_TERM = re.compile(r'^val\.(?P<left>[\w.]+)\s*===?\s*obj\.(?P<right>[\w.]+)$')


class ContextError(ValueError):
    """An EntryContext key the local war room cannot merge."""


def _lookup(value, dotted: str):
    for part in dotted.split('.'):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _matcher(condition: str):
    tests = []
    for term in (t.strip() for t in condition.split('&&')):
        if match := EQUALS_TERM.match(term):
            tests.append(lambda val, obj, m=match: _lookup(val, m['left']) == _lookup(obj, m['right']))
        elif match := TRUTHY_TERM.match(term):
            tests.append(lambda val, obj, m=match: bool(_lookup(val, m['field'])))
        else:
            raise ContextError(f'Unsupported DT condition term {term!r} in ({condition}).')
    return lambda val, obj: all(test(val, obj) for test in tests)


def merge_entry_context(context: dict, entry_context: dict) -> None:
    """Merges one entry's EntryContext into the incident context, in place."""
    for key, value in (entry_context or {}).items():
        match = DT_KEY.match(key.strip())
        if not match:
            raise ContextError(f'Unsupported EntryContext key {key!r}.')
        path = match['path'].strip().split('.')
        parent = context
        for part in path[:-1]:
            parent = parent.setdefault(part, {})
        leaf = path[-1]
        new_items = copy.deepcopy(value if isinstance(value, list) else [value])
        if match['condition'] is None:
            if leaf in parent:
                parent[leaf] = as_list(parent[leaf]) + new_items
            else:
                parent[leaf] = value if not isinstance(value, list) else new_items
            continue
        matches = _matcher(match['condition'])
        items = as_list(parent.get(leaf))
        for obj in new_items:
            for index, existing in enumerate(items):
                if matches(existing, obj):
                    items[index] = obj
                    break
            else:
                items.append(obj)
        parent[leaf] = items[0] if len(items) == 1 else items


def as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def get_path(context: dict, dotted: str):
    """The value at a dotted context path (``CortexXDR.RestoredFile.status``), mapped over lists."""
    values = [context]
    for part in dotted.split('.'):
        next_values = []
        for value in values:
            for item in as_list(value):
                if isinstance(item, dict) and part in item:
                    next_values.append(item[part])
        values = next_values
    flat = [item for value in values for item in as_list(value)]
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else flat
