"""Incident context, merged the way XSOAR merges an entry's EntryContext.

A key such as ``CortexXDR.RestoredFile(val.action_id && val.action_id == obj.action_id)`` names a path
and a DT condition: a new object updates the existing one the condition matches, else it is appended. Updates, not
replaces: content-docs dt.md ("If it finds a match, it will update the existing context"; selectors "can be used to
add context to existing entries") and context-and-outputs.md (the DT "prevents data from being overwritten as well as
further enriches an existing entry with more information"). So a field the new object leaves out keeps its old value
(in nested objects too), and a field it writes replaces the old one; a list is replaced whole, as the docs do not say
XSOAR merges lists item by item.
Only the condition forms the pack and the integrations it calls use are understood (``val.x``,
``val.x == obj.x``, joined by ``&&``, alternatives joined by ``||`` as reputation integrations key ``File``;
``true``, which matches whatever the key holds: a new object updates it); anything else is refused rather than
guessed.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable
from typing import Any

DT_KEY = re.compile(r'^(?P<path>[^()]+?)(?:\((?P<condition>.*)\))?$')
TRUTHY_TERM = re.compile(r'^val\.(?P<field>[\w.]+)$')
EQUALS_TERM = re.compile(r'^val\.(?P<left>[\w.]+)\s*===?\s*obj\.(?P<right>[\w.]+)$')


class ContextError(ValueError):
    """An EntryContext key the local war room cannot merge."""


def lookup(value: Any, dotted: str) -> Any:
    """The value at a dotted path of nested dicts (no mapping over lists), or None."""
    for part in dotted.split('.'):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _key_functions(condition: str) -> tuple[Callable[[Any], Hashable | None], Callable[[Any], Hashable]]:
    """A DT condition as two key functions: an existing item ``val`` and a new ``obj`` match when the keys
    are equal. ``val.x`` terms must hold for ``val`` (else it matches nothing); ``val.x == obj.y`` terms
    make the key. Keys let a merge of n objects cost n look-ups instead of n squared comparisons."""
    required, pairs = [], []
    for term in (t.strip() for t in condition.split('&&')):
        if match := EQUALS_TERM.match(term):
            pairs.append((match['left'], match['right']))
        elif match := TRUTHY_TERM.match(term):
            required.append(match['field'])
        elif term == 'true':  # ``Key(true)``: every existing item matches, the new object replaces it
            continue
        else:
            raise ContextError(f'Unsupported DT condition term {term!r} in ({condition}).')

    def val_key(val: Any) -> Hashable | None:
        if not all(lookup(val, field) for field in required):
            return None
        return _hashable([lookup(val, left) for left, _ in pairs])

    def obj_key(obj: Any) -> Hashable:
        return _hashable([lookup(obj, right) for _, right in pairs])

    return val_key, obj_key


SCALARS = (str, int, float, bool, type(None))


def _hashable(values: list) -> Hashable:
    """A dict key equal for equal values: the values themselves when all are scalars (the common case, and
    fast), else their JSON form."""
    if all(isinstance(value, SCALARS) for value in values):
        return tuple((type(value) is bool, value) for value in values)  # True == 1 in Python, not in XSOAR
    return json.dumps(values, sort_keys=True, default=str)


def merge_entry_context(context: dict, entry_context: dict) -> None:
    """Merges one entry's EntryContext into the incident context, in place."""
    for key, value in (entry_context or {}).items():
        match = DT_KEY.match(key.strip())
        if not match:
            raise ContextError(f'Unsupported EntryContext key {key!r}.')
        path = match['path'].strip().split('.')
        parent = context
        for depth, part in enumerate(path[:-1]):
            parent = parent.setdefault(part, {})
            if not isinstance(parent, dict):  # which of a list's items, if any, XSOAR would write into is not known
                raise ContextError(f'Unsupported EntryContext key {key!r}: {".".join(path[:depth + 1])} holds '
                                   f'{"a list" if isinstance(parent, list) else "a value"}, not an object, so the '
                                   f'key names no one place to write; name a key outside it.')
        leaf = path[-1]
        new_items = json.loads(json.dumps(value if isinstance(value, list) else [value]))  # copies, via JSON as XSOAR
        if match['condition'] is None:
            if leaf in parent:
                parent[leaf] = as_list(parent[leaf]) + new_items
            else:
                parent[leaf] = new_items if isinstance(value, list) else new_items[0]  # copies, never the entry's own
            continue
        parent[leaf] = _merge_items(as_list(parent.get(leaf)), new_items, match['condition'])


def _merge_items(items: list, new_items: list, condition: str) -> list | dict:
    """Each new object updates the first existing item one of the condition's alternatives matches, else is
    appended."""
    alternatives = [_key_functions(part) for part in condition.split('||')]
    indexes: list[dict] = [{} for _ in alternatives]
    for index, existing in enumerate(items):
        for (val_key, _), index_of in zip(alternatives, indexes):
            key = val_key(existing)
            if key is not None:
                index_of.setdefault(key, index)  # the first match wins, as in XSOAR
    for obj in new_items:
        found = [index_of[key] for (_, obj_key), index_of in zip(alternatives, indexes)
                 if (key := obj_key(obj)) in index_of]
        if found:
            items[min(found)] = updated(items[min(found)], obj)
            continue
        items.append(obj)
        for (val_key, _), index_of in zip(alternatives, indexes):
            own = val_key(obj)
            if own is not None:
                index_of.setdefault(own, len(items) - 1)
    return items[0] if len(items) == 1 else items


def updated(existing: Any, new: Any) -> Any:
    """``existing`` updated by ``new``, as XSOAR updates a matched object: the fields ``new`` writes replace the old
    values (objects within are updated the same way), the others stay."""
    if not isinstance(existing, dict) or not isinstance(new, dict):
        return new
    result = dict(existing)
    for key, value in new.items():
        result[key] = updated(result[key], value) if key in result else value
    return result


def as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def get_path(context: dict, dotted: str) -> Any:
    """The value at a dotted context path (``CortexXDR.RestoredFile.status``), mapped over lists; None where no key
    is there, and [] where the keys hold empty lists only (a key that holds [] is defined, as XSOAR's "Is defined"
    reads it)."""
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
        return [] if values and all(value == [] for value in values) else None
    return flat[0] if len(flat) == 1 else flat
