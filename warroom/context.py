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
guessed. Values compare as XSOAR's DT (JavaScript) compares them: ``==`` loosely ("1001" == 1001, true == 1), ``===``
strictly, an object or array equal to none (JavaScript compares them by reference), and a ``val.x`` term holds for
what JavaScript takes as true (an empty list too).
"""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Hashable
from typing import Any

from .line import quoted

DT_KEY = re.compile(r'^(?P<path>[^()]+?)(?:\((?P<condition>.*)\))?$')
TRUTHY_TERM = re.compile(r'^val\.(?P<field>[\w.]+)$')
EQUALS_TERM = re.compile(r'^val\.(?P<left>[\w.]+)\s*(?P<op>===?)\s*obj\.(?P<right>[\w.]+)$')


class ContextError(ValueError):
    """An EntryContext key the local war room cannot merge."""


def lookup(value: Any, dotted: str) -> Any:
    """The value at a dotted path of nested dicts (no mapping over lists), or None."""
    for part in dotted.split('.'):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _key_functions(condition: str) -> tuple[Callable[[Any], tuple | None], Callable[[Any], tuple], tuple]:
    """A DT condition as two functions giving the values its ``val.x == obj.y`` terms compare: of an existing item
    ``val`` (None when a ``val.x`` term does not hold for it: it matches nothing) and of a new ``obj``; and whether
    each comparison is JavaScript's loose ``==`` (else strict ``===``)."""
    required, pairs = [], []
    for term in (t.strip() for t in condition.split('&&')):
        if match := EQUALS_TERM.match(term):
            pairs.append((match['left'], match['right'], match['op'] == '=='))
        elif match := TRUTHY_TERM.match(term):
            required.append(match['field'])
        elif term == 'true':  # ``Key(true)``: every existing item matches, the new object replaces it
            continue
        else:
            raise ContextError(f'Unsupported DT condition term {quoted(term)} in ({condition}).')

    def val_values(val: Any) -> tuple | None:
        if not all(js_truthy(lookup(val, field)) for field in required):
            return None
        return tuple(lookup(val, left) for left, _, _ in pairs)

    def obj_values(obj: Any) -> tuple:
        return tuple(lookup(obj, right) for _, right, _ in pairs)

    return val_values, obj_values, tuple(loose for _, _, loose in pairs)


SCALARS = (str, int, float, bool, type(None))
# ECMAScript's StringNumericLiteral (ES5.1 9.3.1), which ``==`` reads a string by against a number: decimal with an
# optional sign and exponent, Infinity, or hex without a sign; blanks around it; empty (or blank) is 0.
JS_NUMERIC_TEXT = re.compile(r'[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)|0[xX][0-9a-fA-F]+')
JS_BLANKS = ' \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a' \
            '\u2028\u2029\u202f\u205f\u3000\ufeff'


def js_number(text: str) -> float:
    """A string as JavaScript's ToNumber reads it; NaN when it is no number."""
    text = text.strip(JS_BLANKS)
    if not text:
        return 0.0
    if not JS_NUMERIC_TEXT.fullmatch(text):
        return float('nan')
    return float(int(text, 16)) if text[:2] in ('0x', '0X') else float(text.replace('Infinity', 'inf'))


def js_truthy(value: Any) -> bool:
    """JavaScript's truthiness: an object or array is true, even empty; NaN is false."""
    return isinstance(value, (dict, list)) or (bool(value) and value == value)


def js_equal(left: Any, right: Any, loose: bool) -> bool:
    """Two context values compared as XSOAR's DT compares them (JavaScript): ``==`` turns a boolean or a numeric
    string into a number against a number ("1001" == 1001, true == 1, "" == 0); ``===`` needs the same type. An
    object or array equals none: JavaScript compares two by reference, and the context's value and the entry's are
    each an object of its own (against a value, ``==`` would read it as its text: not modelled, never matched)."""
    if not (isinstance(left, SCALARS) and isinstance(right, SCALARS)):
        return False
    if left is None or right is None:
        return left is right
    if not loose:  # the same JavaScript type (int and float are both its number) and value
        return left == right and (isinstance(left, bool), isinstance(left, str)) == (
            isinstance(right, bool), isinstance(right, str))
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return _js_numeric(left) == _js_numeric(right)


def _js_numeric(value: Any) -> float:
    return js_number(value) if isinstance(value, str) else float(value)


def _bucket(values: tuple) -> Hashable:
    """A key equal for values that may be equal under ``==`` (their number when they read as one, else themselves),
    so a merge of n objects costs n look-ups; js_equal then decides among the few that share it."""
    key = []
    for value in values:
        if isinstance(value, SCALARS) and value is not None:
            number = _js_numeric(value)
            key.append(number if number == number else value)  # NaN: a string no number equals
        else:
            key.append(json.dumps(value, sort_keys=True))
    return tuple(key)


def merge_entry_context(context: dict, entry_context: dict) -> None:
    """Merges one entry's EntryContext into the incident context, in place. XSOAR's server (Go, whose maps keep no
    order) sets no order on an entry's keys: keys that write overlapping paths are merged in the order given and in
    the reverse one, and refused when the two contexts differ."""
    items = list((entry_context or {}).items())
    paths = [_parsed(key)[0] for key, _ in items]
    if not any(a[:len(b)] == b or b[:len(a)] == a for i, a in enumerate(paths) for b in paths[i + 1:]):
        _merge_items_in_order(context, items)
        return
    merged = [copy.deepcopy(context) for _ in range(2)]
    for order, result in zip((items, items[::-1]), merged):
        _merge_items_in_order(result, order)
    if merged[0] != merged[1]:
        raise ContextError(f'EntryContext keys {", ".join(quoted(key) for key, _ in items)} write overlapping paths, '
                           f'and the context they give depends on their order, which XSOAR does not keep; write '
                           f'them in entries of their own, or so that either order gives one context.')
    context.clear()
    context.update(merged[0])


def _parsed(key: str) -> tuple[list[str], str | None]:
    """An EntryContext key's path (its parts) and DT condition (None without one)."""
    match = DT_KEY.match(key.strip())
    if not match:
        raise ContextError(f'Unsupported EntryContext key {quoted(key)}.')
    return match['path'].strip().split('.'), match['condition']


def _merge_items_in_order(context: dict, items: list[tuple[str, Any]]) -> None:
    for key, value in items:
        path, condition = _parsed(key)
        parent = context
        for depth, part in enumerate(path[:-1]):
            parent = parent.setdefault(part, {})
            if not isinstance(parent, dict):  # which of a list's items, if any, XSOAR would write into is not known
                raise ContextError(f'Unsupported EntryContext key {quoted(key)}: {".".join(path[:depth + 1])} holds '
                                   f'{"a list" if isinstance(parent, list) else "a value"}, not an object, so the '
                                   f'key names no one place to write; name a key outside it.')
        leaf = path[-1]
        new_items = json.loads(json.dumps(value if isinstance(value, list) else [value]))  # copies, via JSON as XSOAR
        if condition is None:
            if leaf in parent:
                parent[leaf] = as_list(parent[leaf]) + new_items
            else:
                parent[leaf] = new_items if isinstance(value, list) else new_items[0]  # copies, never the entry's own
            continue
        parent[leaf] = _merge_items(as_list(parent.get(leaf)), new_items, condition)


def _merge_items(items: list, new_items: list, condition: str) -> list | dict:
    """Each new object updates the first existing item one of the condition's alternatives matches, else is
    appended."""
    alternatives = [_key_functions(part) for part in condition.split('||')]
    indexes: list[dict] = [{} for _ in alternatives]  # bucket -> [(index, values), ...]
    learned: dict[int, list] = {}  # index -> where learn put it: an updated item is matched by its values as they are

    def learn(index: int, item: Any) -> None:
        for bucket, entry in learned.pop(index, ()):
            bucket.remove(entry)
        for (val_values, _, _), index_of in zip(alternatives, indexes):
            if (values := val_values(item)) is not None:
                bucket = index_of.setdefault(_bucket(values), [])
                bucket.append((index, values))
                learned.setdefault(index, []).append((bucket, (index, values)))

    for index, existing in enumerate(items):
        learn(index, existing)

    def first_match(obj: Any) -> int | None:  # the first item any alternative matches, as in XSOAR
        found = []
        for (_, obj_values, loose), index_of in zip(alternatives, indexes):
            values = obj_values(obj)
            found += [index for index, held in index_of.get(_bucket(values), ())
                      if all(map(js_equal, held, values, loose))]
        return min(found, default=None)

    for obj in new_items:
        index = first_match(obj)
        if index is None:
            items.append(obj)
            index = len(items) - 1
        else:
            items[index] = updated(items[index], obj)
        learn(index, items[index])
    return items[0] if len(items) == 1 else items


def updated(existing: Any, new: Any, within: str = '') -> Any:
    """``existing`` updated by ``new``, as XSOAR updates a matched object: the fields ``new`` writes replace the old
    values, the others stay. Whether an object within is updated so too or replaced whole is not documented
    (CommonServerPython's replace_existing relies on a whole value being replaced): where the two differ, a new
    object leaving out a field the old one has, ContextError."""
    if not isinstance(existing, dict) or not isinstance(new, dict):
        return new
    if within and set(existing) - set(new):
        raise ContextError(f'The object at {within} of a matched context item leaves out '
                           f'{sorted(set(existing) - set(new))}, which the item holds: whether XSOAR keeps them (an '
                           f'update) or drops them (the object replaced whole) is not documented; write every field.')
    result = dict(existing)
    for key, value in new.items():
        result[key] = updated(result[key], value, f'{within}.{key}'.lstrip('.')) if key in result else value
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


def key_problems(value: Any, within: str = '') -> list[str]:
    """What XSOAR would not keep as given of the keys of an entry's EntryContext (before its JSON round trip): a key
    that is not text, as "The Context keys are strings" (content-docs context-and-outputs.md) and json.dumps, which
    sends the entry (DemistoClassApiModuleClasses.py), writes 1, true or null as another key, text; and a key within
    a value holding a dot, as a context path is dot notation (context-and-outputs.md, which says to avoid dots in
    keys; dt.md reads ``A.b.c`` as three keys), so no output path or DT reads it back."""
    if isinstance(value, list):
        return [problem for item in value for problem in key_problems(item, within)]
    problems = []
    for key, item in (value.items() if isinstance(value, dict) else ()):
        if not isinstance(key, str):
            written = quoted(next(iter(json.loads(json.dumps({key: None})))))  # the key json.dumps sends for it
            problems.append(f'EntryContext key {quoted(key)} within {within or "EntryContext"} is not text, which '
                            f'json.dumps writes as the key {written}: context-and-outputs.md, "The Context keys are '
                            f'strings"')
        elif within and '.' in key:
            problems.append(f'EntryContext key {quoted(key)} within {within} holds a dot, which a context path (dot '
                            f'notation: context-and-outputs.md, dt.md) reads as two keys, so none reads it back')
        problems += key_problems(item, f'{within}.{key}' if within else str(key).split('(')[0].strip())
    return problems


def written_paths(value: Any, prefix: str) -> set[str]:
    """The dotted paths a context value writes under ``prefix``: down to its leaves, through lists (an empty object
    its own path; an empty list writes nothing)."""
    if isinstance(value, list):
        return set().union(*(written_paths(item, prefix) for item in value))
    if isinstance(value, dict) and value:
        return set().union(*(written_paths(item, f'{prefix}.{key}') for key, item in value.items()))
    return {prefix}


def undeclared_paths(entry_context: Any, declared: set[str]) -> list[str]:
    """The paths an entry's EntryContext writes that no declared output path holds, itself or one within it:
    content-docs context-and-outputs.md, "The code **must** match the context path outputs specified in the YAML
    file"."""
    written = set()
    for key, value in (entry_context.items() if isinstance(entry_context, dict) else ()):
        written |= written_paths(value, '.'.join(_parsed(key)[0]))
    return sorted(path for path in written if not _within_declared(path, declared))


def _within_declared(path: str, declared: set[str]) -> bool:
    parts = path.split('.')
    return any('.'.join(parts[:length]) in declared for length in range(1, len(parts) + 1))
