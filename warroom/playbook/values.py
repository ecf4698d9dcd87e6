"""Values in XSOAR playbook YAML: ``${...}`` references, ``simple`` and ``complex`` values, conditions.

Only the subset the pack's playbooks use is understood; anything else raises ``UnsupportedError`` so the
runner can name the task instead of guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from ..context import as_list, get_path
from ..line import quoted

REFERENCE = re.compile(r'\$\{([^{}]+)\}')


class UnsupportedError(ValueError):
    """Playbook YAML that the local runner does not interpret."""


@dataclass
class Scope:
    """What a value can refer to: the incident, the playbook's inputs, and the (playbook's) context."""

    incident: dict
    inputs: dict
    context: dict
    record: dict | None = None  # the incident as XSOAR hands it to a script (demisto.incident()): CustomFields nested
    # How a filter term's side that reads the item being filtered runs its transformers: on that item's value
    # ('each item') or on the whole list's ('whole list'). XSOAR documents neither (DEVELOPERS.md): tests run both.
    filter_sides: str = 'each item'

    def lookup(self, path: str) -> Any:
        path = plain_path(path)
        root, _, rest = path.partition('.')
        if root == 'incident':
            return get_path(self.incident, rest) if rest else self.incident
        if root == 'inputs':
            return get_path(self.inputs, rest) if rest else self.inputs
        if root == 'lists':  # "${lists.<list_name>}" reads the server's list (admin guide, "Work With Lists")
            raise UnsupportedError(f'{quoted(path)} reads an XSOAR list, which the local runner does not hold')
        return get_path(self.context, path)


DT_SYNTAX = re.compile(r'[()\[\]=\'"]|^\.|\.\.|\.$')


def plain_path(path: str) -> str:
    """A context path as a chain of keys (``incident.xdrfileartifacts.filesha256``). XSOAR reads anything more as
    DT (a selector ``File(val.SHA256 == '...')``, an index ``.[0]``, an expression ``.=``), which picks items or
    computes a value; read here as keys it would find nothing, and the playbook would take the branch XSOAR does not.
    """
    path = path.strip()
    if DT_SYNTAX.search(path):
        raise UnsupportedError(f'the DT expression {quoted(path)} is not supported (plain dotted context paths only)')
    return path


def is_empty(value: Any) -> bool:
    return value is None or value == '' or value == [] or value == {}


def text_of(value: Any) -> str:
    """How XSOAR prints a value inside a string: lists joined by commas, nothing for null."""
    if value is None:
        return ''
    if isinstance(value, list):
        return ','.join(text_of(item) for item in value)
    return str(value)


def interpolate(text: str, scope: Scope) -> Any:
    """``${path}`` alone keeps the value's type (a list stays a list); inside text it becomes text."""
    whole = REFERENCE.fullmatch(text.strip()) if isinstance(text, str) else None
    if whole:
        return scope.lookup(whole.group(1))
    return REFERENCE.sub(lambda match: text_of(scope.lookup(match.group(1))), text)


# ----------------------------------------------------------------------------- transformers

def _uniq(value: Any, args: dict, scope: Scope) -> list:
    seen = []
    for item in as_list(value):
        if item not in seen:
            seen.append(item)
    return seen


def _append(value: Any, args: dict, scope: Scope) -> list:
    extra = operand(args.get('item'), scope)
    combined = as_list(value) + as_list(extra)
    return combined


def _cast_texts(value: Any, transformer: str) -> list[str]:
    """The items a string transformer works on, as text. "Transformers try to cast the transformed value (and
    arguments) to the necessary type. Tasks will fail if casting has failed, for example {"some": "object"} To upper
    case => Error." (Cortex XSOAR Playbook Design Guide, "Transformers Operators")."""
    items = as_list(value)
    if any(isinstance(item, (dict, list)) for item in items):
        raise UnsupportedError(f'{transformer} was given {quoted(value)}: XSOAR cannot cast an object to a string, and '
                               f'fails the task ("Transformers Operators")')
    return [text_of(item) for item in items]


def _to_lower(value: Any, args: dict, scope: Scope) -> list[str] | str | None:
    texts = [text.lower() for text in _cast_texts(value, 'toLowerCase')]
    return texts if isinstance(value, list) else (None if value is None else texts[0])


def _trim(value: Any, args: dict, scope: Scope) -> list[str] | str | None:
    texts = [text.strip() for text in _cast_texts(value, 'trim')]
    return texts if isinstance(value, list) else (None if value is None else texts[0])


def _concat(value: Any, args: dict, scope: Scope) -> list[str] | str | None:
    """XSOAR's String transformer concat: prefix, the text, suffix, on each item of a list ("Some transformers are
    applied on each item of the result", "Transformers Operators"; demisto/content's playbooks prefix each item of a
    list so). An argument left unset, which XSOAR writes as {}, adds nothing."""
    prefix = text_of(operand(args.get('prefix') or None, scope))
    suffix = text_of(operand(args.get('suffix') or None, scope))
    texts = [prefix + text + suffix for text in _cast_texts(value, 'concat')]
    return texts if isinstance(value, list) else (None if value is None else texts[0])


def _join(value: Any, args: dict, scope: Scope) -> str:
    separator = text_of(operand(args.get('separator'), scope)) or ','
    return separator.join(_cast_texts(value, 'join'))


def _split_and_trim(value: Any, args: dict, scope: Scope) -> list[str]:
    delimiter = text_of(operand(args.get('delimiter'), scope)) or ','
    return [part.strip() for text in _cast_texts(value, 'splitAndTrim') for part in text.split(delimiter)
            if part.strip()]


def _first(value: Any, args: dict, scope: Scope) -> Any:
    """FiltersAndTransformers' FirstArrayElement (FirstArrayElement.py): a list's first item, a single value as it
    is, and null or an empty list as an empty list."""
    if isinstance(value, list):
        return value[0] if value else []
    return [] if value is None else value


def _last(value: Any, args: dict, scope: Scope) -> Any:
    """FiltersAndTransformers' LastArrayElement (LastArrayElement.py): a list's last item, a single value as it is,
    and null or an empty list as an empty list."""
    if isinstance(value, list):
        return value[-1] if value else []
    return [] if value is None else value


def _is_blank(value: Any) -> bool:
    """RemoveEmpty's isEmpty: null, '', a list of nothing but such, an object without keys."""
    return is_empty(value) or (isinstance(value, list) and all(map(_is_blank, value)))


def _remove_empty(value: Any, args: dict, scope: Scope) -> list:
    """FiltersAndTransformers' RemoveEmpty (RemoveEmpty.js) as its defaults run it: the items that are not empty."""
    if any(not is_empty(operand(spec, scope)) for spec in args.values() if spec):
        raise UnsupportedError(f'RemoveEmpty is understood with its default arguments only, not {sorted(args)}')
    return [item for item in as_list(value) if not _is_blank(item)]


STRTOBOOL_TRUE = ('y', 'yes', 't', 'true', 'on', '1')
STRTOBOOL_FALSE = ('n', 'no', 'f', 'false', 'off', '0')


def _reads_as_empty(value: Any) -> bool:
    """SetIfEmpty's is_value_empty: a list's one item stands for the list; null, nothing in a text, list or object,
    and the texts "None" and "Null" in any case are empty."""
    if isinstance(value, (list, str)) and len(value) == 1:
        value = value[0]
    if isinstance(value, str) and value.lower() in ('none', 'null'):
        return True
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


def _set_if_empty(value: Any, args: dict, scope: Scope) -> Any:
    """FiltersAndTransformers' SetIfEmpty (SetIfEmpty.py): defaultValue in place of a null value, and with
    applyIfEmpty (strtobool; its YAML's default "true") of an empty one too; a null result is an empty list."""
    unknown = set(args) - {'defaultValue', 'applyIfEmpty'}
    if unknown:
        raise UnsupportedError(f'SetIfEmpty takes defaultValue and applyIfEmpty, not {sorted(unknown)}')
    apply_text = text_of(operand(args.get('applyIfEmpty'), scope)).lower() or 'true'
    if apply_text not in STRTOBOOL_TRUE + STRTOBOOL_FALSE:
        raise UnsupportedError(f'SetIfEmpty\'s applyIfEmpty {quoted(apply_text)} is no strtobool truth value')
    if value is None or (apply_text in STRTOBOOL_TRUE and _reads_as_empty(value)):
        value = operand(args.get('defaultValue'), scope)
    return [] if value is None else value


TRANSFORMERS: dict[str, Callable[[Any, dict, Scope], Any]] = {
    'FirstArrayElement': _first,
    'LastArrayElement': _last,
    'RemoveEmpty': _remove_empty,
    'SetIfEmpty': _set_if_empty,
    'uniq': _uniq,
    'append': _append,
    'toLowerCase': _to_lower,
    'trim': _trim,
    'concat': _concat,
    'join': _join,
    'splitAndTrim': _split_and_trim,
}


# ----------------------------------------------------------------------------- values

def operand(spec: Any, scope: Scope) -> Any:
    """An operand as conditions and transformer args write it: ``{value: {simple|complex}, iscontext}``."""
    if spec is None:
        return None
    if not isinstance(spec, dict) or 'value' not in spec:
        raise UnsupportedError(f'operand {quoted(spec)} has no "value"')
    return resolve(spec['value'], scope, is_context=bool(spec.get('iscontext')))


def resolve(spec: Any, scope: Scope, is_context: bool = False) -> Any:
    """A ``{simple: ...}`` or ``{complex: ...}`` value; ``{}`` (an argument left empty) is None."""
    if spec in (None, {}):
        return None
    if not isinstance(spec, dict):
        raise UnsupportedError(f'value {quoted(spec)} is neither simple nor complex')
    if spec.get('complex') is not None:  # XSOAR writes "complex": null beside a simple value
        return resolve_complex(spec['complex'], scope)
    if 'simple' in spec:
        simple = spec['simple']
        if is_context and isinstance(simple, str):
            return scope.lookup(simple)
        return interpolate(simple, scope) if isinstance(simple, str) else simple
    raise UnsupportedError(f'value keys {sorted(spec)} are not understood (simple or complex expected)')


def resolve_complex(spec: dict, scope: Scope) -> Any:
    unknown = set(spec) - {'root', 'accessor', 'filters', 'transformers'}
    if unknown:
        raise UnsupportedError(f'complex value keys {sorted(unknown)} are not supported')
    root = spec['root']
    value = _root_value(root, bool(spec.get('transformers')), scope)
    if spec.get('filters'):
        value = [item for item in as_list(value) if _passes(item, root, spec['filters'], scope)]
    if spec.get('accessor'):
        accessor = plain_path(spec['accessor'])
        picked = [get_path(item, accessor) if isinstance(item, dict) else None for item in as_list(value)]
        value = [v for item in picked for v in as_list(item)]
    for transformer in spec.get('transformers') or ():
        name = transformer.get('operator')
        if name not in TRANSFORMERS:
            raise UnsupportedError(f'transformer {quoted(name)} is not supported (known: {", ".join(TRANSFORMERS)})')
        value = TRANSFORMERS[name](value, transformer.get('args') or {}, scope)
    if isinstance(value, list) and len(value) == 1 and not spec.get('transformers'):
        return value[0]
    return value


FILTER_SIDE_READINGS = ('each item', 'whole list')


def _root_value(root: str, transformed: bool, scope: Scope) -> Any:
    """A complex value's root. Inside a filter, a root naming the item being filtered (or a field of it) is that
    item's; read the other way (``filter_sides`` 'whole list'), a side that transforms it gets the whole list's value,
    every item's field at once, as the filter's root reads it outside the filter."""
    if transformed and isinstance(scope, _ItemScope) and scope.filter_sides == 'whole list' and scope.reads_item(root):
        return scope.outer.lookup(root)
    return scope.lookup(root)


def _passes(item: Any, root: str, groups: list[list[dict]], scope: Scope) -> bool:
    """A filter: every group must hold, a group holds when any of its conditions does (every one read: holds)."""
    return _every_term_read(groups, _ItemScope(item, root, scope), 'filter')


class _ItemScope(Scope):
    """Inside a filter ``root.field`` (or ``field``) names a field of the item being filtered."""

    def __init__(self, item: Any, root: str, outer: Scope) -> None:
        super().__init__(outer.incident, outer.inputs, outer.context, filter_sides=outer.filter_sides)
        self.item, self.root, self.outer = item, root, outer

    def reads_item(self, path: str) -> bool:
        path = plain_path(path)
        return path == self.root or path.startswith(self.root + '.')

    def lookup(self, path: str) -> Any:
        path = plain_path(path)
        if path.startswith(self.root + '.'):
            return get_path(self.item, path[len(self.root) + 1:]) if isinstance(self.item, dict) else None
        if path == self.root:
            return self.item
        return super().lookup(path)


# ----------------------------------------------------------------------------- conditions

def _strings(value: Any) -> list[str]:
    """The texts a string operator compares: each item of a list (the filter passes when one does). "Filters try to
    cast the transformed value and arguments to the appropriate type. The task fails if casting fails. For example,
    "a" Equals {"some": "object"} => Error" (Cortex XSOAR Playbook Design Guide, "Filter Operators"): an object,
    alone or in a list, fails the task instead of comparing as its Python text."""
    items = as_list(value)
    if any(isinstance(item, (dict, list)) for item in items):
        raise UnsupportedError(f'a string operator was given {quoted(value)}: XSOAR cannot cast an object to a string, '
                               f'and fails the task ("Filter Operators")')
    return [text_of(item) for item in items]


def _fold(values: list[str], ignore_case: bool) -> list[str]:
    return [value.lower() for value in values] if ignore_case else values


def _given(value: Any, side: str) -> list[str]:
    """The texts on the right side of a string operator, or on the left of a negated one, of which there must be one
    at least. What XSOAR makes of a key that is not there, or holds an empty list, is not documented ("Filters try to
    cast the transformed value and arguments to the appropriate type. The task fails if casting fails", "Filter
    Operators"), and demisto/content authors guard such a key with isNotEmpty, as "otherwise, the condition will
    fail" (pull request 40255; 40327 added one "after the playbook failed"): refused, not read as false or true."""
    texts = _strings(value)
    if not texts:
        raise UnsupportedError(f'a string operator was given nothing on the {side} ({quoted(value)}): whether XSOAR '
                               f'fails the task or compares it as false is not documented; test it first (isEmpty)')
    return texts


def _argument(right: Any) -> str:
    """A string operator's right side: one text. XSOAR casts the argument to a string ("Filter Operators"); the rule
    that a list passes when one item does is the left side's. How it casts several strings is not documented:
    refused, not read as "any of them"."""
    texts = _given(right, 'right')
    if len(texts) > 1:
        raise UnsupportedError(f'the right side of a string operator is the list {quoted(right)}: how XSOAR casts '
                               f'several values to one string is not documented')
    return texts[0]


def _either_reading(first: bool, second: bool, what: str) -> bool:
    """The outcome where two readings of an undocumented rule agree; refused where they do not."""
    if first != second:
        raise UnsupportedError(what)
    return first


def _equals(text: str, right: Any, ignore_case: bool) -> bool:
    return _fold([text], ignore_case) == _fold([_argument(right)], ignore_case)


def _includes(text: str, right: Any, ignore_case: bool) -> bool:
    needle, = _fold([_argument(right)], ignore_case)
    return needle in _fold([text], ignore_case)[0]


def _list_items(right: Any) -> tuple[list[str], list[str]]:
    """In list's right side, read whole (its items) and split (each item's comma-separated parts, trimmed). A right
    side holding no value at all (nothing, an empty text, commas) is refused: an empty list is not documented."""
    wholes = _given(right, 'right')
    parts = [part.strip() for whole in wholes for part in whole.split(',') if part.strip()]
    if not parts:
        raise UnsupportedError(f'In list was given no value in the list on the right ({quoted(right)}): what XSOAR '
                               f'does with an empty list is not documented; test it first (isEmpty)')
    return wholes, parts


def _in_list(text: str, right: Any, ignore_case: bool) -> bool:
    """In list: the right side's items (a context list), and, whether XSOAR splits a text on commas and trims the
    parts or compares it whole not being documented (the "Built-in Filters" table gives no rule; demisto/content's
    ExtFilter, a script, splits its own "in list" argument on commas), the outcome both readings give."""
    wholes, parts = _list_items(right)
    folded, = _fold([text], ignore_case)
    return _either_reading(folded in _fold(parts, ignore_case), folded in _fold(wholes, ignore_case),
                           f'whether {quoted(text)} is In list {quoted(right)} depends on whether XSOAR splits the '
                           f'right side on commas (and trims the parts), which is not documented')


def _any_item(test: Callable[[str, Any, bool], bool],
              right_side: Callable[[Any], Any]) -> Callable[[Any, Any, bool], bool]:
    """A string operator on the left side's items: "If the filter's left-side value expects a single item, but
    receives a list, the filter passes if at least one item meets the requirements" ("Filter Operators"); so a key
    that is not there, or holds an empty list, no item, does not pass. Every item is compared, and the right side is
    read as the operator reads it (``right_side``) whatever the left holds: nothing on the left leaves a right side
    XSOAR's documents give no answer for as open as before."""
    def positive(left: Any, right: Any, ignore_case: bool) -> bool:
        texts = _strings(left)
        right_side(right)
        return any([test(text, right, ignore_case) for text in texts])
    return positive


def _no_item(test: Callable[[str, Any, bool], bool]) -> Callable[[Any, Any, bool], bool]:
    """A negated string operator (Doesn't equal, Not in list). On a list, the documented rule (one item meets the
    negated requirement) and the negation of the operator (no item meets it) can differ: refused where they do."""
    def negated(left: Any, right: Any, ignore_case: bool) -> bool:
        verdicts = [test(text, right, ignore_case) for text in _given(left, 'left')]
        return _either_reading(not all(verdicts), not any(verdicts),
                               f'the list {quoted(left)} holds items on both sides of {quoted(right)}: whether XSOAR '
                               f'passes a negated operator when one item meets it, or takes the negation of the '
                               f'operator, is not documented')
    return negated


NUMBER_TEXT = re.compile(r'[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?')


def _numbers(value: Any, side: str) -> list[float]:
    """The numbers a number operator compares: each item of a list, every one cast. "Filters try to cast the
    transformed value and arguments to the appropriate type. The task fails if casting fails" ("Filter Operators"):
    an item that is no number fails the task, not compares as false. Which texts XSOAR casts beyond decimal digits
    (with a sign, a point, an exponent) is not documented: true, NaN, Inf, 1_000 or blanks around it are refused."""
    items = as_list(value)
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, float, str)) or not NUMBER_TEXT.fullmatch(
                text_of(item)):
            raise UnsupportedError(f'a number operator was given {quoted(item)} on the {side}: XSOAR fails the task '
                                   f'when it cannot cast a side to a number ("Filter Operators")')
    return [float(text_of(item)) for item in items]


def _number_argument(right: Any) -> float:
    """A number operator's right side: one number; nothing, or several, are refused as a string operator's are."""
    numbers = _numbers(right, 'right')
    if len(numbers) != 1:
        given = 'nothing' if not numbers else f'the list {quoted(right)}'
        raise UnsupportedError(f'a number operator was given {given} on the right: how XSOAR casts it to one number '
                               f'is not documented')
    return numbers[0]


def _greater_than(left: Any, right: Any, ignore_case: bool) -> bool:
    """Greater than: a list on the left passes when one item does, nothing on the left does not ("Filter
    Operators"), and the right side is cast whatever the left holds."""
    bound = _number_argument(right)
    return any(number > bound for number in _numbers(left, 'left'))


OPERATORS: dict[str, Callable[[Any, Any, bool], bool]] = {
    'isEqualString': _any_item(_equals, _argument),
    'isNotEqualString': _no_item(_equals),
    'inList': _any_item(_in_list, _list_items),
    'notInList': _no_item(_in_list),
    'containsString': _any_item(_includes, _argument),
    # "Is defined considers false and empty strings and lists to be defined values. If you don't want those to be
    # included as defined, use Is not empty." (Cortex XSOAR 6 Playbook Design Guide, "Built-in Filters")
    'isExists': lambda left, right, ic: left is not None,
    'isNotExists': lambda left, right, ic: left is None,
    'isNotEmpty': lambda left, right, ic: not is_empty(left),
    'isEmpty': lambda left, right, ic: is_empty(left),
    'isTrue': lambda left, right, ic: any(text_of(v).lower() == 'true' for v in as_list(left)),
    'isFalse': lambda left, right, ic: not any(text_of(v).lower() == 'true' for v in as_list(left)),
    'greaterThan': _greater_than,
}


def evaluate(condition: dict, scope: Scope) -> bool:
    name = condition.get('operator')
    if name not in OPERATORS:
        raise UnsupportedError(f'condition operator {quoted(name)} is not supported (known: {", ".join(OPERATORS)})')
    left = operand(condition.get('left'), scope)
    right = operand(condition.get('right'), scope)
    return OPERATORS[name](left, right, bool(condition.get('ignorecase')))


def _every_term_read(groups: list[list[dict]], scope: Scope, what: str) -> bool:
    """All groups must hold; a group holds when any of its terms does. Every term is read, whichever decides: whether
    XSOAR stops at the first term that decides a group, or the first group that decides the whole, is not documented
    ("Filter Operators", "Create a Conditional Task"; nor in demisto/content, demisto-sdk or content-docs, searched in
    session 45), so a term it may read that the runner refuses stops the run, named by its group and place."""
    verdicts = []
    for group_number, group in enumerate(groups, 1):
        verdicts.append([])
        for term_number, term in enumerate(group, 1):
            try:
                verdicts[-1].append(evaluate(term, scope))
            except UnsupportedError as error:
                raise UnsupportedError(f'{what} group {group_number}, term {term_number} '
                                       f'({term.get("operator")}): {error}') from None
    return all(any(group) for group in verdicts)


def holds(condition_groups: list[list[dict]], scope: Scope, label: str = '') -> bool:
    """A label's condition: a list of groups, all must hold; a group holds when any of its terms does."""
    return _every_term_read(condition_groups, scope, f'label {quoted(label)}, condition' if label else 'condition')
