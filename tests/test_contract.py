"""integration.yml, the playbooks and the scripts against the code and the README: one source of truth, no drift."""
from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, strategies as st

import restore_integration as ri
from conftest import ROOT, seed_failing_endpoints, seed_holders, start_hss_tenant, start_tenant
from test_integration_layout import MAX_FUNCTION_LINES, long_functions, untyped
from warroom.docs import README, render_readme
from warroom.playbook.model import SCRIPTS_DIR, PlaybookLibrary
from warroom.playbook.runner import _load_script
from warroom.runtime import WarRoom
from warroom.spec import INTEGRATION_YML, load_spec, parse_spec

SCHEMAS = ROOT / 'warroom' / 'schemas'
SPEC = load_spec()
PLAYBOOK_FILES = sorted((ROOT / 'playbooks').glob('*.yml'))
SCRIPT_FILES = sorted(SCRIPTS_DIR.glob('*/*.yml'))


def validator(name):
    schema = json.loads((SCHEMAS / f'{name}.schema.json').read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(name, document):
    return [f'{list(e.path)}: {e.message}' for e in validator(name).iter_errors(document)]


@pytest.mark.parametrize('name, path', [('integration', INTEGRATION_YML)]
                         + [('playbook', p) for p in PLAYBOOK_FILES] + [('script', p) for p in SCRIPT_FILES],
                         ids=lambda v: v.name if isinstance(v, Path) else v)
def test_every_yaml_file_of_the_pack_matches_its_schema(name, path):
    assert errors(name, yaml.safe_load(path.read_text())) == []


@pytest.mark.parametrize('name, broken', [('first_fetch', None), ('max_fetch', None), ('max_fetch', 'defaultvalue')])
def test_a_fetching_integration_without_first_fetch_or_a_defaulted_max_fetch_is_refused(name, broken):
    # content-docs fetching-incidents.md: "Make sure that first_fetch parameter exist in the integration yml file";
    # "Make sure that the max_fetch parameter exist in the integration yml file and it has a default value".
    document = yaml.safe_load(INTEGRATION_YML.read_text())
    assert document['script']['isfetch'] is True
    parse_spec(copy.deepcopy(document))
    [param] = [item for item in document['configuration'] if item['name'] == name]
    if broken is None:
        document['configuration'].remove(param)
    else:
        del param[broken]
    with pytest.raises(ValueError, match=name):
        parse_spec(document)


def test_the_integration_schema_catches_an_undeclared_output_type_and_a_misspelt_key():
    document = yaml.safe_load(INTEGRATION_YML.read_text())
    broken = copy.deepcopy(document)
    del broken['script']['commands'][0]['outputs'][0]['type']
    broken['script']['commands'][0]['arguments'][0]['isarray'] = True
    found = errors('integration', broken)
    assert any("'type' is a required property" in e for e in found)
    assert any('isarray' in e for e in found)


@pytest.mark.parametrize('declared', [
    lambda document: document['script']['commands'][0]['arguments'],  # IN113
    lambda document: document['configuration'],  # IN114
])
def test_a_param_or_argument_integration_yml_declares_twice_is_refused_as_demisto_sdk_validate_refuses_it(declared):
    # Read by name, the second declaration quietly replaced the first (here: required or not), where demisto-sdk's
    # validate refuses the file ("contain duplicated arguments", "The following params are duplicated").
    document = yaml.safe_load(INTEGRATION_YML.read_text())
    items = declared(document)
    items.append(dict(items[0], required=not items[0].get('required')))

    with pytest.raises(ValueError, match=f'"{items[0]["name"]}" is declared twice'):
        parse_spec(document)


def test_every_command_has_a_handler_and_every_handler_a_declaration():
    assert set(ri.COMMANDS) == set(SPEC.commands)


MODULE = ast.parse(Path(ri.__file__).read_text())
FUNCTIONS = {node.name: node for node in MODULE.body if isinstance(node, ast.FunctionDef)}
MODULE_VALUES = {target.id: node.value for node in MODULE.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)}


def texts_of(node: ast.AST) -> list[str] | None:
    """The texts a loop over ``node`` takes: a literal tuple, list or set of texts (or of such a one unpacked, ``*X``),
    or a module-level one (of a dict, its keys); None for anything else."""
    if isinstance(node, ast.Name) and node.id in MODULE_VALUES:
        node = MODULE_VALUES[node.id]
    items = node.keys if isinstance(node, ast.Dict) else node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) \
        else None
    if items is None:
        return None
    texts = []
    for item in items:
        if isinstance(item, ast.Starred):
            texts += texts_of(item.value) or [None]
        else:
            texts.append(item.value if isinstance(item, ast.Constant) and isinstance(item.value, str) else None)
    return None if None in texts else texts


def arguments_read(function) -> set[str]:
    """The names read from ``args`` by a command's function and by every function of the module it hands ``args`` to,
    and on: ``args.get('x')``, ``args['x']``, a name a loop takes from a tuple of texts (``for name in ('a', 'b')``,
    or a module-level dict's keys), or a parameter given a text where it is called (``carried_json(args, 'x')``). A
    read whose name the scan cannot tell fails the test, rather than go unchecked."""
    names, seen = set(), set()
    queue = [(FUNCTIONS[function.__name__], 'args', {})]
    while queue:
        node, param, bound = queue.pop()
        if (node.name, param, repr(sorted(bound.items()))) in seen:
            continue
        seen.add((node.name, param, repr(sorted(bound.items()))))
        loops = {inner.target.id: texts_of(inner.iter) for inner in ast.walk(node)
                 if isinstance(inner, (ast.For, ast.comprehension)) and isinstance(inner.target, ast.Name)}
        for inner in ast.walk(node):
            key = None
            if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == 'get'
                    and isinstance(inner.func.value, ast.Name) and inner.func.value.id == param and inner.args):
                key = inner.args[0]
            elif isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Name) and inner.value.id == param:
                key = inner.slice
            if key is not None:
                texts = [key.value] if isinstance(key, ast.Constant) and isinstance(key.value, str) else \
                    (loops.get(key.id) or bound.get(key.id)) if isinstance(key, ast.Name) else None
                assert texts, f'{node.name} reads {param}[{ast.unparse(key)}]: the scan cannot tell which argument'
                names.update(texts)
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id in FUNCTIONS:
                callee = FUNCTIONS[inner.func.id]
                given = dict(zip([a.arg for a in callee.args.args], inner.args))
                given.update({keyword.arg: keyword.value for keyword in inner.keywords if keyword.arg})
                texts = {name: [value.value] for name, value in given.items()
                         if isinstance(value, ast.Constant) and isinstance(value.value, str)}
                queue += [(callee, name, texts) for name, value in given.items()
                          if isinstance(value, ast.Name) and value.id == param]
    return names


@pytest.mark.parametrize('command', sorted(SPEC.commands))
def test_every_argument_the_code_reads_is_declared(command):
    read = arguments_read(ri.COMMANDS[command][1])
    assert read, f'{command}: found no argument reads; the scan is broken'
    assert read <= set(SPEC.commands[command].arguments), sorted(read - set(SPEC.commands[command].arguments))


def script_arguments() -> dict[str, set[str]]:
    """The arguments each script a playbook may run declares: the pack's own in their YAML, other packs' in
    test_data/xsoar/dependencies.json (from their YAML in demisto/content)."""
    declared = {p.stem: {a['name'] for a in yaml.safe_load(p.read_text()).get('args') or ()} for p in SCRIPT_FILES}
    for pack in json.loads((ROOT / 'test_data' / 'xsoar' / 'dependencies.json').read_text())['packs'].values():
        declared.update({name: set(script['arguments']) for name, script in (pack.get('scripts') or {}).items()})
    return declared


def test_every_argument_a_playbook_passes_is_declared_and_every_script_and_sub_playbook_exists():
    from warroom.playbook.others import load_other_commands

    library = PlaybookLibrary()
    others = load_other_commands()
    scripts = script_arguments()
    for playbook in library:
        for task in playbook.tasks.values():
            script = task.body.get('script') or ''
            if '|||' in script:
                brand, command = script.split('|||', 1)
                declared = SPEC.commands[command].arguments if command in SPEC.commands else others[command].arguments
                assert set(task.arguments) <= set(declared), (playbook.name, task.label)
                if command in SPEC.commands:  # named, or XSOAR runs it on any other integration of that command too
                    own = yaml.safe_load(INTEGRATION_YML.read_text(encoding='utf-8'))['commonfields']['id']
                    assert brand == own == task.body.get('brand'), (playbook.name, task.label)
                else:
                    assert not brand or brand == others[command].brand, (playbook.name, task.label)
            if task.body.get('scriptName'):
                assert task.body['scriptName'] in scripts, (playbook.name, task.label)
                assert set(task.arguments) <= scripts[task.body['scriptName']], (playbook.name, task.label)
            if task.type == 'playbook':
                child = library.get(task.body['playbookName'])
                assert set(task.arguments) <= {i['key'] for i in child.inputs}, (playbook.name, task.label)


def leaf_paths(value, prefix='') -> set[str]:
    if isinstance(value, list):
        return set().union(*(leaf_paths(item, prefix) for item in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(leaf_paths(v, f'{prefix}.{k}' if prefix else k) for k, v in value.items()))
    return {prefix}


def test_every_context_path_written_is_declared_and_every_declared_one_is_written():
    """A run of each command in each of its shapes (success, failure per endpoint, refusals, not found)."""
    holders, failing = seed_holders(), seed_failing_endpoints()
    partly = next(h for h, eps in sorted(holders.items()) if set(eps) & set(failing))
    xdr, hss = start_tenant(), start_hss_tenant()
    try:
        room = WarRoom(params={**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None)
        runs = [
            ('restore-file', {'file_hash': partly, 'incident_id': '7', 'endpoint_id': holders[partly][0]}),
            ('restore-file', {'file_hash': f'{partly},{"a" * 64}'}),
            ('hss-restore-isolated', {'file_hash': ','.join(sorted({f['file_hash'] for f in hss.backend.snapshot()}))
                                      + ',' + 'b' * 64}),
        ]
        for command, args in runs:
            room.run(command, args)
        host = hss.backend.snapshot()[0]['host_id']
        items = hss.backend.add_isolated_files(host, 1)
        items.append({'host_id': host, 'file_hash': 'c' * 64, 'file_path': '/nowhere'})
        room.run('hss-restore-isolated',
                 {k: json.dumps([i[k] for i in items]) for k in ('host_id', 'file_hash', 'file_path')})
    finally:
        xdr.server.stop()
        hss.stack.close()
    written = leaf_paths(room.context)
    declared = {o['contextPath'] for c in SPEC.commands.values() for o in c.outputs}
    assert written - declared == set(), 'written but not declared'
    assert declared - written == set(), 'declared but never written by these runs'


def test_the_readme_is_rendered_from_the_current_yaml():
    current = README.read_text(encoding='utf-8')
    assert render_readme(current) == current, 'README.md is stale: run python -m warroom docs'


# XSOAR's names of a task's unlabelled, default and error paths, as the README's diagrams show them (a condition's
# default branch is its "else").
SHOWN_EDGE_LABELS = {'#none#': None, '#default#': 'else', '#error#': 'error'}
MERMAID_EDGE = re.compile(r'^\s*(t\w+) -->(?:\|"([^"]*)"\|)? (t\w+)$')
MERMAID_NODE = re.compile(r'^\s*(t\w+)\W+"([^"]*)"')


@pytest.mark.parametrize('path', PLAYBOOK_FILES, ids=lambda p: p.name)
def test_each_readme_diagram_draws_its_playbook_s_tasks_and_every_path_between_them_in_its_direction(path):
    """Read here with a parser of mermaid's own lines (``tA -->|"label"| tB``), not the renderer: a diagram drawn the
    wrong way round is as fresh a render as a right one."""
    playbook = yaml.safe_load(path.read_text(encoding='utf-8'))
    section = README.read_text(encoding='utf-8').split(f'\n#### {playbook["name"]}\n', 1)[1]
    [block] = re.findall(r'```mermaid\n(.*?)\n```', section.split('\n#### ', 1)[0], re.DOTALL)
    lines = block.splitlines()
    drawn = {(m.group(1), m.group(2), m.group(3)) for m in map(MERMAID_EDGE.match, lines) if m}
    names = {m.group(1): m.group(2).split('<br/>')[0] for line in lines if '-->' not in line
             for m in [MERMAID_NODE.match(line)] if m}

    edges = {(f't{key}', SHOWN_EDGE_LABELS.get(label, label), f't{target}')
             for key, task in playbook['tasks'].items() for label, targets in (task.get('nexttasks') or {}).items()
             for target in targets}
    assert edges and drawn == edges
    assert names == {f't{key}': task['task']['name'] if task['type'] != 'start' else 'Start'
                     for key, task in playbook['tasks'].items()}


@pytest.mark.parametrize('path, allowed', [(Path(ri.__file__), {'requests', 'urllib3'})]
                         + [(p.with_suffix('.py'), set()) for p in SCRIPT_FILES], ids=lambda v: getattr(v, 'name', ''))
def test_the_pack_code_imports_only_what_xsoar_stock_python_has(path, allowed):
    import sys
    tree = ast.parse(path.read_text())
    roots = {alias.name.split('.')[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
             for alias in node.names}
    roots |= {node.module.split('.')[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert roots, 'found no imports: the scan is broken'
    assert roots - set(sys.stdlib_module_names) - allowed == set()


CSP_NAMES = ROOT / 'test_data' / 'xsoar' / 'commonserverpython_names.txt'


def commonserverpython_names() -> tuple[set[str], dict[str, str]]:
    """From the list file: the names CommonServerPython defines, and those it imports -> the object they are bound
    to."""
    defined, imported = set(), {}
    for line in CSP_NAMES.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            name, is_import, source = line.partition(' = ')
            if is_import:
                imported[name] = source
            else:
                defined.add(name)
    return defined, imported


def module_level_names(code: str) -> dict[str, str | None]:
    """Every name the code binds in its module's namespace, however: a def, a class, an import, any target (=, +=, an
    annotation, for, with, :=, a type alias), a match pattern's capture, an except or except* name, and a ``global``
    statement in a function. Name -> the object an import binds it to (``module.attr``) where imports of that one
    object are its only bindings, else None. A comprehension's own variables stay in the comprehension (:= in it
    binds here); a function's or class's body is a scope of its own, its decorators, defaults and bases are not.
    Not symtable's module table: CPython 3.12 inlines comprehensions (PEP 709), and it gives their variables as the
    module's (``caller`` and ``words`` of restore_integration's AGAIN_WORDS)."""
    bound: dict[str, set[str | None]] = {}

    def bind(name: str | None, source: str | None = None) -> None:
        if name:
            bound.setdefault(name, set()).add(source)

    def visit(node: ast.AST, in_comprehension_target: bool = False) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and not in_comprehension_target:
            bind(node.id)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bind(alias.asname or alias.name.split('.')[0], alias.name if alias.asname else alias.name.split('.')[0])
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bind(alias.asname or alias.name, f'{node.module}.{alias.name}')
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
            bind(node.name)
        elif isinstance(node, ast.MatchMapping):
            bind(node.rest)
        elif isinstance(node, ast.comprehension):  # its target is the comprehension's; := in its conditions is not
            visit(node.target, in_comprehension_target=True)
            for part in (node.iter, *node.ifs):
                visit(part)
            return
        own_scope: list[ast.AST] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name)
            own_scope = node.body
        elif isinstance(node, ast.Lambda):
            own_scope = [node.body]
        skipped = {id(part) for part in own_scope}
        for child in ast.iter_child_nodes(node):
            if id(child) not in skipped:
                visit(child, in_comprehension_target)

    tree = ast.parse(code)
    for statement in tree.body:
        visit(statement)
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            for name in node.names:
                bind(name)
    return {name: next(iter(sources)) if len(sources) == 1 else None for name, sources in bound.items()}


def commonserverpython_clashes(code: str) -> set[str]:
    """The module-level names of ``code`` that would replace one of CommonServerPython's in XSOAR's shared namespace:
    one it defines, or one it imports, bound here to something else."""
    defined, imported = commonserverpython_names()
    return {name for name, source in module_level_names(code).items()
            if name in defined or (name in imported and source != imported[name])}


def test_the_commonserverpython_list_is_read_whole():
    defined, imported = commonserverpython_names()
    assert {'CommandResults', 'ScheduledCommand', 'PollResult', 'polling_function', 'return_results', 'return_error',
            'return_warning', 'return_outputs', 'tableToMarkdown', 'argToList', 'argToBoolean', 'arg_to_number',
            'arg_to_datetime', 'BaseClient', 'DemistoException', 'Common', 'EntryType', 'EntryFormat',
            'IntegrationLogger', 'LOG', 'urljoin', 'assign_params', 'remove_empty_elements', 'fileResult', 'formats',
            'outputPaths', 'is_demisto_version_ge', 'get_integration_context', 'set_integration_context',
            'parse_date_range', 'timestamp_to_datestring', 'createContext', 'flattenCell'} <= defined
    assert imported['datetime'] == 'datetime.datetime' and imported['demisto'] == 'demistomock'
    assert not defined & set(imported)
    # whole: each name the list gives, to its last line, read as one name
    entries = [line.strip() for line in CSP_NAMES.read_text().splitlines()
               if line.strip() and not line.strip().startswith('#')]
    assert len(defined) + len(imported) == len(entries) and imported['string'] == 'string' == entries[-1].split()[0]


def test_the_clash_check_catches_a_definition_an_assignment_and_a_rebound_import():
    code = ('import json\nfrom datetime import datetime, timezone\nimport datetime as dt\nfrom typing import Any\n'
            'import xml.etree.ElementTree as ET\nLOG = None\n\ndef return_results(result):\n    pass\n\n'
            'class CommandResults:\n    pass\n\nif True:\n    formats = {}\n\ndef f():\n    global urljoin\n')
    assert commonserverpython_clashes(code) == {'LOG', 'return_results', 'CommandResults', 'formats', 'urljoin', 'ET'}
    assert commonserverpython_clashes('import datetime\n') == {'datetime'}  # the module where CSP has the class
    # every other way a module-level name is bound: a from-import under CSP's name, with, for, an annotation, except
    code = ('from collections import OrderedDict as datetime\nwith open(__file__) as LOG:\n    pass\n'
            'for formats in ():\n    pass\nurljoin: str = ""\ntry:\n    pass\nexcept ImportError as EntryType:\n'
            '    pass\n')
    assert commonserverpython_clashes(code) == {'datetime', 'LOG', 'formats', 'urljoin', 'EntryType'}


def test_the_clash_check_catches_a_walrus_a_match_capture_and_an_except_star_name_at_module_level():
    code = ('if (LOG := 1):\n    pass\nmatch LOG:\n    case formats:\n        pass\ntry:\n    pass\n'
            'except* ValueError as EntryType:\n    pass\n')
    assert commonserverpython_clashes(code) == {'LOG', 'formats', 'EntryType'}
    # := binds in the module from a comprehension, a default or a decorator; a comprehension's own variable does not
    code = ('[(urljoin := x) for argToList in ()]\ndef f(a=(flattenCell := 1)):\n    Common = 1\n'
            '@(tableToMarkdown := staticmethod)\nclass C:\n    BaseClient = 1\n'
            'squares = {fileResult: 1 for fileResult in ()}\n')
    assert commonserverpython_clashes(code) == {'urljoin', 'flattenCell', 'tableToMarkdown'}


@pytest.mark.parametrize('path', [Path(ri.__file__)] + [p.with_suffix('.py') for p in SCRIPT_FILES],
                         ids=lambda p: p.name)
def test_no_module_level_name_of_the_pack_code_is_one_commonserverpython_binds(path):
    """XSOAR runs the integration (and each script) in one namespace after CommonServerPython: a name of ours that it
    binds too would replace CommonServerPython's own, for its functions as well."""
    code = path.read_text()
    assert 'main' in module_level_names(code), 'found no main: the scan is broken'
    assert commonserverpython_clashes(code) == set()


SCRIPT_CODE = sorted(SCRIPTS_DIR.glob('*/*.py'))


def test_the_script_code_checks_find_every_script_of_the_pack():
    assert {path.stem for path in SCRIPT_CODE} >= {'QuarantineRestoreOnClose', 'QuarantineRestoreReputationGate',
                                                   'QuarantineRestoreSummary'}


@pytest.mark.parametrize('path', SCRIPT_CODE, ids=lambda p: p.name)
def test_every_signature_of_the_scripts_is_typed(path):
    """DEVELOPERS.md's rule for code holds for the scripts as for the integration and the war room."""
    assert untyped(ast.parse(path.read_text(encoding='utf-8'))) == []


@pytest.mark.parametrize('path', SCRIPT_CODE, ids=lambda p: p.name)
def test_no_function_of_the_scripts_is_longer_than_fifty_lines(path):
    assert long_functions(ast.parse(path.read_text(encoding='utf-8')), MAX_FUNCTION_LINES) == []


def nested_f_strings(tree: ast.AST) -> list[int]:
    """The lines of the f-strings that hold another f-string in a replacement field."""
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.FormattedValue)
            and any(isinstance(inner, ast.JoinedStr) for inner in ast.walk(node.value))]


def test_the_nested_f_string_check_finds_one_in_a_condition_and_none_in_a_plain_field():
    assert nested_f_strings(ast.parse('x = f"{f\'{n} files\' if n else \'\'}"\ny = f"{n} files"\n')) == [1]


@pytest.mark.parametrize('path', [Path(ri.__file__)] + SCRIPT_CODE, ids=lambda p: p.name)
def test_no_f_string_of_the_pack_code_holds_another(path):
    """base.md's readability rule: no nested f-strings (say the inner text in a name of its own)."""
    assert nested_f_strings(ast.parse(path.read_text(encoding='utf-8'))) == []


@pytest.mark.parametrize('path', SCRIPT_CODE, ids=lambda p: p.name)
def test_no_line_of_the_scripts_is_longer_than_120_characters(path):
    lines = path.read_text(encoding='utf-8').splitlines()
    assert [number for number, line in enumerate(lines, 1) if len(line) > 120] == []


def test_the_readme_lists_every_instance_setting_by_its_name():
    readme = (ROOT / 'README.md').read_text()
    section = readme.split('## Instance settings', 1)[1].split('\n## ', 1)[0]
    for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']:
        assert f'(`{param["name"]}`)' in section, param['name']


# The markdown helpers each script that writes a note holds (DEVELOPERS.md): XSOAR runs a script alone, so each keeps
# its own copy, and the copies are one rule.
NOTE_HELPERS = ('text_of', 'shown_as_is', 'code_span')
NOTE_WRITERS = ('QuarantineRestoreOnClose', 'QuarantineRestoreReputationGate', 'QuarantineRestoreSummary')


def function_sources(path: Path) -> dict[str, str]:
    code = path.read_text(encoding='utf-8')
    return {node.name: ast.get_source_segment(code, node) for node in ast.parse(code).body
            if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize('name', NOTE_HELPERS)
def test_every_script_that_writes_a_note_holds_the_same_markdown_helpers(name):
    copies = {path.stem: function_sources(path).get(name) for path in SCRIPT_CODE if path.stem in NOTE_WRITERS}
    assert len(copies) == len(NOTE_WRITERS) and all(copies.values()), sorted(copies)
    assert len(set(copies.values())) == 1


# How a message names a value's kind (an object, a list, text, a number, a boolean, null): the integration's json_kind,
# copied into each script whose messages name one, the same text in each (DEVELOPERS.md).
JSON_KIND_HOLDERS = ('QuarantineRestoreReputationGate', 'QuarantineRestoreSummary')


def test_every_script_that_names_a_value_kind_holds_the_integrations_json_kind():
    integration = function_sources(ROOT / 'restore_integration.py')['json_kind']
    copies = {path.stem: function_sources(path).get('json_kind') for path in SCRIPT_CODE
              if path.stem in JSON_KIND_HOLDERS}
    assert copies == dict.fromkeys(JSON_KIND_HOLDERS, integration)


# What is no value in a field or context value a script reads (DEVELOPERS.md): None, text of blanks only, and a list or
# object of nothing else (an emptied grid's row of empty cells). Each script that leaves blank items out holds a copy of
# is_blank; the copies are one rule, or the gate refuses (or takes for a host) what the on-close script leaves out.
BLANK_RULE_HOLDERS = ('QuarantineRestoreOnClose', 'QuarantineRestoreReputationGate',
                      'QuarantineRestoreXdrIncidentId')
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.sampled_from(['', ' ', '\t\r\n', '\u3000', '0', 'a', 'None']) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4), max_leaves=16)


def leaves(value):
    """The scalars a JSON value holds, at any depth: an empty list or object holds none."""
    if isinstance(value, (list, dict)):
        for item in value.values() if isinstance(value, dict) else value:
            yield from leaves(item)
    else:
        yield value


@given(JSON_VALUES)
def test_every_script_that_leaves_blank_items_out_holds_one_blank_rule(value):
    blank = all(leaf is None or isinstance(leaf, str) and not leaf.strip() for leaf in leaves(value))

    answers = {name: _load_script(name).is_blank(value) for name in BLANK_RULE_HOLDERS}

    assert answers == dict.fromkeys(BLANK_RULE_HOLDERS, blank)


# Which Cortex XDR incident an incident stands for (README, "Wiring them into XSOAR"): the on-close script reads it, and
# the Cortex XDR playbook from QuarantineRestoreXdrIncidentId; each holds the functions that read it and word the note
# on a field value no Cortex XDR incident has, the same text, or a close and the playbook restore under different
# Cortex XDR incidents.
XDR_ID_RULE = ('as_list', 'present', 'incident_fields', 'incident_number', 'of_xdr_type', 'xdr_incident_id',
               'refused_incident_id', 'refusal_reason', 'maybe_rounded', 'too_large_to_keep', 'text_of', 'shown_as_is')
XDR_ID_RULE_HOLDERS = ('QuarantineRestoreOnClose', 'QuarantineRestoreXdrIncidentId')


@pytest.mark.parametrize('name', XDR_ID_RULE)
def test_the_playbook_s_xdr_incident_id_script_and_the_on_close_script_hold_one_rule_for_the_id(name):
    copies = {path.stem: function_sources(path).get(name) for path in SCRIPT_CODE if path.stem in XDR_ID_RULE_HOLDERS}
    assert len(copies) == len(XDR_ID_RULE_HOLDERS) and all(copies.values()), sorted(copies)
    assert len(set(copies.values())) == 1
    held = [_load_script(holder) for holder in XDR_ID_RULE_HOLDERS]
    assert len({(script.XDR_INCIDENT_ID.pattern, script.FLOAT_EXACT_BELOW, script.XDR_TYPE_MARK, script.NO_SUCH_ID,
                 script.ROUNDED_ID, script.TOO_LARGE_ID) for script in held}) == 1


# What a file no endpoint held quarantined calls for (README, error path): the on-close script, the summary and the
# gate each spot Cortex XDR's words for that refusal; the first two give the advice the Cortex XDR playbook's note
# gives. The same text in each.
XDR_NO_COPY_HOLDERS = ('QuarantineRestoreOnClose', 'QuarantineRestoreSummary', 'QuarantineRestoreReputationGate')
XDR_NO_COPY_ADVICE_HOLDERS = ('QuarantineRestoreOnClose', 'QuarantineRestoreSummary')


def test_the_on_close_script_the_summary_and_the_gate_spot_a_file_no_endpoint_held_quarantined_by_one_wording():
    assert len({_load_script(name).XDR_NO_COPY for name in XDR_NO_COPY_HOLDERS}) == 1


def test_the_on_close_script_and_the_summary_give_one_advice_for_a_file_no_endpoint_held_quarantined():
    assert len({_load_script(name).XDR_NO_COPY_ADVICE for name in XDR_NO_COPY_ADVICE_HOLDERS}) == 1
