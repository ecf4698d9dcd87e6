"""The war-room command line: ``!command name=value name="a value with spaces"``.

Bare values run to the next blank and keep backslashes as typed (Windows paths are common here);
double-quoted values may hold blanks, with ``\\"`` and ``\\\\`` as the only escapes; a backtick-quoted value
(XSOAR's raw form) is taken as it is, double quotes and backslashes included, up to the next backtick.
Also ``plural``, the one way the war room's printed texts word a count, and ``quoted``, the one way they quote a value.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

COMMAND_NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_-]*')
ARG_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_.-]*')


class LineError(ValueError):
    """The line is not in war-room syntax; the message points at where."""


@dataclass(frozen=True)
class CommandLine:
    command: str
    args: dict[str, str]


def parse_line(line: str) -> CommandLine:
    text = line.strip()
    if not text.startswith('!'):
        raise LineError(f'A war-room command starts with "!", as in !restore-file file_hash=...; got {quoted(line)}.')
    position = 1
    match = COMMAND_NAME.match(text, position)
    if not match:
        raise LineError(f'Expected a command name after "!" in this line: {as_typed(text)}')
    command = match.group()
    position = match.end()
    args: dict[str, str] = {}
    while True:
        position = _skip_blanks(text, position)
        if position >= len(text):
            return CommandLine(command, args)
        if text[position - 1] not in ' \t':
            raise LineError(f'Expected a blank before column {position + 1} of this line: {as_typed(text)}')
        name_match = ARG_NAME.match(text, position)
        if not name_match or name_match.end() >= len(text) or text[name_match.end()] != '=':
            raise LineError(f'Expected name=value at column {position + 1} of this line: {as_typed(text)}')
        name = name_match.group()
        if name in args:
            raise LineError(f'Argument {name} is given twice in this line: {as_typed(text)}')
        position = name_match.end() + 1
        value, position = _value(text, position)
        args[name] = value


def _skip_blanks(text: str, position: int) -> int:
    while position < len(text) and text[position] in ' \t':
        position += 1
    return position


def _value(text: str, position: int) -> tuple[str, int]:
    if position < len(text) and text[position] == '`':  # XSOAR's raw form: anything up to the next backtick
        end = text.find('`', position + 1)
        if end < 0:
            raise LineError(f'A backtick-quoted value is not closed in this line: {as_typed(text)}')
        if end + 1 < len(text) and text[end + 1] not in ' \t':
            raise LineError(f'Expected a blank after the closing backtick, at column {end + 2} of this line: '
                            f'{as_typed(text)}')
        return text[position + 1:end], end + 1
    if position < len(text) and text[position] == '"':
        chars = []
        position += 1
        while position < len(text):
            char = text[position]
            if char == '\\' and position + 1 < len(text) and text[position + 1] in '"\\':
                chars.append(text[position + 1])
                position += 2
            elif char == '"':
                end = position + 1
                if end < len(text) and text[end] not in ' \t':
                    raise LineError(f'Expected a blank after the closing quote, at column {end + 1} of this line: '
                                    f'{as_typed(text)}')
                return ''.join(chars), end
            else:
                chars.append(char)
                position += 1
        raise LineError(f'A quoted value is not closed in this line: {as_typed(text)}')
    end = position
    while end < len(text) and text[end] not in ' \t':
        end += 1
    return text[position:end], end


def argument_text(value: Any) -> str:
    """A value as the war-room line carries it: lists and mappings as JSON, true/false in lower case (as XSOAR writes
    them), an empty value (null) as nothing."""
    if value is None:
        return ''
    if isinstance(value, (bool, list, dict)):
        return json.dumps(value)
    return str(value)


def format_line(command: str, args: dict[str, Any]) -> str:
    """The war-room line for a command and its arguments (the inverse of parse_line, for text values)."""
    parts = ['!' + command]
    for name, value in args.items():
        value = argument_text(value)
        if value == '' or '"' in value or value.startswith('`') or any(c.isspace() for c in value):
            value = '"' + value.replace('\\', '\\\\').replace('"', '\\"') + '"'
        parts.append(f'{name}={value}')
    return ' '.join(parts)


def quoted(value: Any) -> str:
    """``value`` as a text the war room prints quotes it, as XSOAR shows a value: JSON (text in double quotes, true,
    null), each character str.isprintable refuses escaped; never Python's repr."""
    try:  # a value JSON cannot hold by its repr (bytes)
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):  # a key that is not text, a list that holds itself
        text = json.dumps(repr(value), ensure_ascii=False)
    return ''.join(char if char.isprintable() else json.dumps(char)[1:-1] for char in text)


def as_typed(line: str) -> str:
    """A command line shown in an error as typed, so that a column number counts in it; each character
    str.isprintable refuses escaped as JSON escapes it."""
    return ''.join(char if char.isprintable() else json.dumps(char)[1:-1] for char in line)


def plural(noun: str, count: int) -> str:
    """``noun`` as it goes after ``count`` in a text the war room prints: 'incident' for 1, 'incidents' for 0 or 2."""
    return noun if count == 1 else f'{noun}s'
