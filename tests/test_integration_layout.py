"""The integration's layout as its contents list promises it: sections in that order, one per command, small typed
functions. A newcomer finds where a behaviour lives from the list alone only while the list and the file agree."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import restore_integration as ri
from warroom.spec import load_spec

CODE = Path(ri.__file__).read_text()
TREE = ast.parse(CODE)
MAX_FUNCTION_LINES = 50  # DEVELOPERS.md: functions of at most about 50 lines
BUILT_IN_COMMANDS = {'test-module', 'fetch-incidents'}  # XSOAR's own, never declared under script.commands
# The function of each command, as DEVELOPERS.md ("One section per command") names it.
COMMAND_FUNCTIONS = {'test-module': 'test_module', 'restore-file': 'restore_file_command',
                     'hss-restore-isolated': 'hss_restore_isolated_command', 'fetch-incidents': 'fetch_hss_incidents'}


def contents_list(docstring: str) -> list[str]:
    """The numbered entries of the module docstring's contents list, each with its continuation lines."""
    entries: list[str] = []
    for line in docstring.split('Contents,', 1)[1].splitlines():
        numbered = re.match(r'\d+\.\s+(.*)', line)
        if numbered:
            entries.append(numbered.group(1))
        elif entries and line.startswith(' ' * 8) and line.strip():
            entries[-1] += ' ' + line.strip()
        elif entries and not line.strip():
            break
    return entries


def section_markers(tree: ast.Module) -> list[tuple[str, int]]:
    """The ''' NAME ''' markers between top-level definitions, with their line numbers."""
    return [(node.value.value.strip(), node.lineno) for node in tree.body[1:]
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)]


def sections_of(tree: ast.Module) -> dict[str, list[ast.stmt]]:
    """Each marker's top-level statements, up to the next marker."""
    sections: dict[str, list[ast.stmt]] = {}
    current = None
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node is not tree.body[0]:
            current = node.value.value.strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(node)
    return sections


def untyped(tree: ast.AST) -> list[str]:
    """Every function (nested ones too) with a parameter or a return left without a type."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            arguments += [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
            bare = [a.arg for a in arguments if a.annotation is None and a.arg not in ('self', 'cls')]
            if bare or node.returns is None:
                found.append(f'{node.name}:{node.lineno} {bare or "return"}')
    return found


def long_functions(tree: ast.AST, limit: int) -> list[str]:
    return [f'{node.name}:{node.lineno} ({node.end_lineno - node.lineno + 1} lines)' for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > limit]


def test_the_contents_list_names_every_section_in_the_order_of_the_file():
    entries = contents_list(ast.get_docstring(TREE))
    markers = [name for name, _ in section_markers(TREE)]
    assert len(entries) == len(markers) >= 12, (entries, markers)
    for entry, marker in zip(entries, markers):
        assert entry.startswith(marker), f'the contents list says {entry!r} where the file has {marker!r}'


def defined_names(tree: ast.Module) -> set[str]:
    """The names bound at the top level, and each class's members both bare and as Class.member."""
    names = set()
    for node in tree.body:
        targets = [target for target in getattr(node, 'targets', []) + [getattr(node, 'target', None)] if target]
        names |= {name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)}
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            members = defined_names(ast.Module(body=node.body, type_ignores=[]))
            names |= members | {f'{node.name}.{member}' for member in members}
    return names


def code_names(entry: str) -> list[str]:
    """The names of code in a contents entry, in its order: a word with _ or a dot or in CamelCase."""
    prose = re.sub(r'``.*?``', '', entry)  # a call as written, not a name to look up
    return [word for word in re.findall(r'[A-Za-z_]\w*(?:\.\w+)?', prose)
            if '_' in word or '.' in word or re.search('[a-z][A-Z]', word)]  # code, not an English word


def test_every_code_name_in_the_contents_list_is_one_the_integration_defines():
    """The list points a newcomer at functions by name: a renamed one would send them to nothing."""
    defined = defined_names(TREE)
    for entry in contents_list(ast.get_docstring(TREE)):
        for word in code_names(entry):
            assert word in defined, f'the contents list names {word}, which the integration does not define'


def test_each_code_name_is_first_named_in_the_contents_list_under_the_section_that_defines_it():
    """The list is read to find where a behaviour lives: a name first listed under another section misleads.
    A later mention (HssClient under fetch-incidents, which calls it) says where it is used, and is free."""
    home: dict[str, int] = {}
    for index, nodes in enumerate(sections_of(TREE).values()):
        for name in defined_names(ast.Module(body=nodes, type_ignores=[])):
            home.setdefault(name, index)
    named: set[str] = set()
    for index, entry in enumerate(contents_list(ast.get_docstring(TREE))):
        for word in code_names(entry):
            if word not in named:
                named.add(word)
                where = f'section {home[word] + 1}' if word in home else 'no section'
                assert home.get(word) == index, f'the contents list first names {word} under section {index + 1}, ' \
                                                f'defined in {where}'


def test_every_command_has_a_section_of_its_own_named_in_the_contents_list():
    declared = set(load_spec().commands) | BUILT_IN_COMMANDS
    with_section = {re.match(r'COMMAND: (\S+)', name).group(1) for name, _ in section_markers(TREE)
                    if name.startswith('COMMAND: ')}
    assert with_section == declared == set(COMMAND_FUNCTIONS)
    entries = contents_list(ast.get_docstring(TREE))
    for command in declared:  # named in the contents list, not only marked in the file
        assert [entry for entry in entries if re.match(rf'COMMAND: {re.escape(command)}(\s|$)', entry)], command
    sections = sections_of(TREE)
    for command, function in COMMAND_FUNCTIONS.items():
        [section] = [name for name in sections if re.match(rf'COMMAND: {re.escape(command)}(\s|$)', name)]
        assert function in {node.name for node in sections[section] if hasattr(node, 'name')}, (command, function)
    assert {command: function.__name__ for command, (_, function) in ri.COMMANDS.items()} == {
        command: COMMAND_FUNCTIONS[command] for command in declared - BUILT_IN_COMMANDS}  # dispatched to them


def test_every_section_holds_definitions_and_the_constants_come_first():
    sections = sections_of(TREE)
    assert next(iter(sections)) == 'CONSTANTS'
    for name, body in sections.items():
        kinds = {type(node) for node in body}
        assert kinds & {ast.FunctionDef, ast.ClassDef, ast.Assign}, f'section {name} is empty'
    before = TREE.body[1:TREE.body.index(next(n for n in TREE.body[1:] if isinstance(n, ast.Expr)))]
    assert all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in before)


def test_every_signature_of_the_integration_is_typed():
    assert untyped(TREE) == []


def test_no_function_of_the_integration_is_longer_than_fifty_lines():
    assert long_functions(TREE, MAX_FUNCTION_LINES) == []


def test_no_line_of_the_integration_is_longer_than_120_characters():
    long_lines = [number for number, line in enumerate(CODE.splitlines(), 1) if len(line) > 120]
    assert not long_lines, f'lines over 120 characters: {long_lines}'


@pytest.mark.parametrize('code, expected', [
    ('def f(a, b: int) -> None:\n    pass\n', ['f:1 [\'a\']']),
    ('def f(a: int):\n    pass\n', ['f:1 return']),
    ('class C:\n    def m(self, *rest) -> int:\n        return 1\n', ['m:2 [\'rest\']']),
    ('def f() -> None:\n    def inner(x) -> None:\n        pass\n', ['inner:2 [\'x\']']),
])
def test_the_type_check_finds_a_bare_parameter_a_bare_return_and_a_nested_function(code, expected):
    assert untyped(ast.parse(code)) == expected


def test_the_length_check_counts_a_function_from_its_def_to_its_last_line():
    code = 'def f() -> None:\n' + '    x = 1\n' * 50
    assert long_functions(ast.parse(code), 50) == ['f:1 (51 lines)']
    assert long_functions(ast.parse(code), 51) == []


def test_the_contents_reader_joins_continuation_lines_and_stops_at_the_list_end():
    doc = 'Intro.\n\nContents, in order:\n\n1. ONE        first\n                 more of it\n2. TWO\n\nAfter.\n3. NOT'
    assert contents_list(doc) == ['ONE        first more of it', 'TWO']
