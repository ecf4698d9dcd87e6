"""What the pack's content uses from other packs is declared in pack_metadata.json, and every item asks for the
same server version as the pack. Derived from the playbooks, the mapper and the YAML, never listed by hand."""
from __future__ import annotations

import json
import re

import pytest
import yaml

import facts
from conftest import ROOT, TEST_DATA
from warroom import export

# The test playbook too: the scripts and commands it runs come from the same declared packs.
PLAYBOOKS = sorted([*(ROOT / 'playbooks').glob('playbook-*.yml'),
                    *(ROOT / 'playbooks' / 'test_playbooks').glob('playbook-*.yml')])
OWN_SCRIPTS = {path.name for path in (ROOT / 'playbooks' / 'scripts').iterdir() if path.is_dir()}
DEPENDENCIES_FILE = TEST_DATA / 'xsoar' / 'dependencies.json'
DEPENDENCIES = json.loads(DEPENDENCIES_FILE.read_text())['packs']
INTEGRATION = yaml.safe_load((ROOT / 'integration.yml').read_text())
OWN_COMMANDS = {command['name'] for command in INTEGRATION['script']['commands']}
# Transformers and incident keys XSOAR itself provides (no pack needed).
BUILTIN_TRANSFORMERS = {'uniq', 'append', 'toLowerCase', 'toUpperCase', 'trim', 'concat', 'join', 'splitAndTrim'}
SYSTEM_INCIDENT_KEYS = {'id', 'name', 'type', 'severity', 'status', 'closeReason', 'closeNotes', 'details',
                        'occurred', 'owner', 'dbotMirrorId', 'rawJSON', 'labels'}
REFERENCE = re.compile(r'\$\{([^{}]+)\}')


def walk(value):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def context_paths(playbook: dict) -> set[str]:
    """Every context path a playbook reads: complex roots, ${...} references, and simple values marked iscontext."""
    paths = set()
    for node in walk(playbook):
        if isinstance(node.get('root'), str):
            paths.add(node['root'] + ('.' + node['accessor'] if node.get('accessor') else ''))
        if node.get('iscontext') and isinstance((node.get('value') or {}).get('simple'), str):
            paths.add(node['value']['simple'])
        for text in (v for v in node.values() if isinstance(v, str)):
            paths |= set(REFERENCE.findall(text))
    return paths


def incident_fields_used() -> set[str]:
    return {path.split('.')[1] for playbook in PLAYBOOKS for path in context_paths(yaml.safe_load(playbook.read_text()))
            if path.startswith('incident.')}


GENERIC_COMMANDS = set(json.loads(export.DEPENDENCIES_FILE.read_text()).get('generic_commands') or {})


def provider(kind: str, name: str) -> str | None:
    """The dependency pack that provides a script, an incident field (cliName) or a command. A generic command
    (file) is answered by whichever reputation integration is enabled: no pack to depend on."""
    if kind == 'command' and name in GENERIC_COMMANDS:
        return 'generic'
    for pack_id, pack in DEPENDENCIES.items():
        if kind == 'script' and name in pack.get('scripts', ()):
            return pack_id
        if kind == 'field' and name in pack.get('incident_fields', {}):
            return pack_id
        if kind == 'command' and any(name in i['commands'] for i in pack.get('integrations', {}).values()):
            return pack_id
    return None


def used_from_other_packs() -> dict[str, set[str]]:
    """pack -> what the content uses from it."""
    used: dict[str, set[str]] = {}
    own_fields = {json.loads(p.read_text())['cliName'] for p in (ROOT / 'playbooks' / 'incident_fields').glob('*.json')}
    mapper = json.loads(
        (ROOT / 'playbooks' / 'classifiers' / 'classifier-mapper-incoming-Huawei_Cloud_HSS.json').read_text())
    for data in [yaml.safe_load(playbook.read_text()) for playbook in PLAYBOOKS] + [mapper]:  # mapper's too
        for node in walk(data):
            script = node.get('scriptName')
            if isinstance(script, str) and script not in OWN_SCRIPTS:
                used.setdefault(provider('script', script) or f'?script {script}', set()).add(script)
            command = node.get('script')
            if isinstance(command, str) and '|||' in command:
                name = command.partition('|||')[2]
                if name not in OWN_COMMANDS:
                    used.setdefault(provider('command', name) or f'?command {name}', set()).add(name)
            for transformer in node.get('transformers') or ():
                operator = transformer['operator']
                if operator not in BUILTIN_TRANSFORMERS:
                    used.setdefault(provider('script', operator) or f'?transformer {operator}', set()).add(operator)
    for path in sorted((ROOT / 'playbooks' / 'scripts').glob('*/*.yml')):
        for call in (yaml.safe_load(path.read_text()).get('dependson') or {}).get('should') or []:
            kind, name = ('command', call.partition('|||')[2]) if '|||' in call else ('script', call)
            if name not in OWN_COMMANDS | OWN_SCRIPTS:
                used.setdefault(provider(kind, name) or f'?{kind} {name}', set()).add(name)
    for field in incident_fields_used() - SYSTEM_INCIDENT_KEYS - own_fields:
        used.setdefault(provider('field', field) or f'?field {field}', set()).add(field)
    own_names = {json.loads(p.read_text())['name'] for p in (ROOT / 'playbooks' / 'incident_fields').glob('*.json')}
    for mapping in mapper['mapping'].values():
        for name in set(mapping['internalMapping']) - own_names - SYSTEM_INCIDENT_KEYS:
            cli = next((c for pack in DEPENDENCIES.values() for c, f in pack.get('incident_fields', {}).items()
                        if f['name'] == name), None)
            used.setdefault(provider('field', cli) if cli else f'?mapped field {name}', set()).add(name)
    return used


def test_everything_the_content_uses_from_other_packs_is_declared_as_a_dependency(pack_dir_and_zip):
    used = used_from_other_packs()
    # FirstArrayElement is FiltersAndTransformers' (demisto/content Packs/FiltersAndTransformers/Scripts), not
    # CommonScripts' any more
    assert 'FirstArrayElement' in used['FiltersAndTransformers'] and 'xdrfileartifacts' in used['CortexXDR']
    used.pop('generic', None)
    unknown = sorted(key for key in used if key.startswith('?'))
    assert unknown == [], f'used, but provided by no pack in {DEPENDENCIES_FILE.name}: {unknown}'
    declared = exported_dependencies(pack_dir_and_zip)  # what the pack ships, not the exporter's constant
    assert set(used) <= set(declared), set(used) - set(declared)
    assert set(declared) <= set(used), f'declared but unused: {set(declared) - set(used)}'


def test_the_readme_and_dependencies_json_name_only_what_the_content_uses_of_each_pack():
    """README: "The pack depends on **Common Scripts** (`Print`, ...), ...; a test derives them from the content": each
    pack's scripts and commands named there (in code spans) and the scripts dependencies.json lists are the ones the
    playbooks and scripts run, none that nothing runs."""
    used = used_from_other_packs()
    readme = ' '.join((ROOT / 'README.md').read_text(encoding='utf-8').split())
    sentence = readme.split('The pack depends on ', 1)[1].split('`pack_metadata.json` declares them', 1)[0]
    for pack_id, pack in DEPENDENCIES.items():
        named = re.search(rf'\*\*{re.escape(pack["display_name"])}\*\* \(([^)]*)\)', sentence)
        assert named, f'the README names no use of {pack["display_name"]}'
        in_code = set(re.findall(r'`([^`]+)`', named.group(1)))
        assert in_code <= used[pack_id], f'{pack_id}: named, but nothing runs it: {in_code - used[pack_id]}'
        assert set(pack.get('scripts', ())) <= used[pack_id], set(pack.get('scripts', ())) - used[pack_id]
        assert set(pack.get('scripts', ())) & used[pack_id] <= in_code  # what runs is named


@pytest.mark.parametrize('pack, mandatory', sorted(facts.PACK_DEPENDENCIES.items()))  # as the README says
def test_common_packs_are_mandatory_and_cortex_xdr_optional(pack_dir_and_zip, pack, mandatory):
    assert exported_dependencies(pack_dir_and_zip)[pack]['mandatory'] is mandatory


def exported_dependencies(pack_dir_and_zip: tuple) -> dict:
    """The dependencies of the exported pack_metadata.json, and the same in the zip's metadata.json."""
    pack_dir, metadata = pack_dir_and_zip
    declared = json.loads((pack_dir / 'pack_metadata.json').read_text(encoding='utf-8'))['dependencies']
    assert metadata['dependencies'] == declared
    return declared


def declared_outputs() -> set[str]:
    """Every context path a command or script the playbooks can run declares it writes: the integration's, the pack's
    scripts', other packs' commands' and the generic reputation command's (dependencies.json)."""
    outputs = {o['contextPath'] for command in INTEGRATION['script']['commands'] for o in command.get('outputs') or ()}
    for path in (ROOT / 'playbooks' / 'scripts').glob('*/*.yml'):
        outputs |= {o['contextPath'] for o in yaml.safe_load(path.read_text()).get('outputs') or ()}
    commands = [c for pack in DEPENDENCIES.values() for i in pack.get('integrations', {}).values()
                for c in i['commands'].values()]
    commands += json.loads(DEPENDENCIES_FILE.read_text()).get('generic_commands', {}).values()
    return outputs | {output for command in commands for output in command.get('outputs', ())}


def set_keys(playbook: dict) -> set[str]:
    """The context keys a playbook's Set tasks write (their key argument, as text)."""
    return {task['scriptarguments']['key']['simple'] for task in (playbook.get('tasks') or {}).values()
            if task.get('task', {}).get('scriptName') == 'Set'}


def test_the_playbooks_read_the_hss_fields_the_mapper_fills_and_no_invented_context():
    used = set().union(*(context_paths(yaml.safe_load(p.read_text())) for p in PLAYBOOKS))
    assert not [path for path in used if path.startswith('HuaweiHSS.Event')]
    outputs = declared_outputs() | set().union(*(set_keys(yaml.safe_load(p.read_text())) for p in PLAYBOOKS))
    invented = [path for path in used if not path.startswith(('incident.', 'inputs.'))
                and not any(output == path or output.startswith(path + '.') for output in outputs)]
    assert invented == [], f'read, but written by nothing the playbooks run: {invented}'
    mapper = json.loads(
        (ROOT / 'playbooks' / 'classifiers' / 'classifier-mapper-incoming-Huawei_Cloud_HSS.json').read_text())
    names = {json.loads(p.read_text())['name']: json.loads(p.read_text())['cliName']
             for p in (ROOT / 'playbooks' / 'incident_fields').glob('*.json')}
    for pack in DEPENDENCIES.values():
        names.update({f['name']: cli for cli, f in pack.get('incident_fields', {}).items()})
    filled = {names[name] for mapping in mapper['mapping'].values() for name in mapping['internalMapping']
              if name in names}
    hss_playbook = yaml.safe_load(
        (ROOT / 'playbooks' / 'playbook-Quarantine_Restore_-_Huawei_Cloud_HSS.yml').read_text())
    read = {p.split('.')[1] for p in context_paths(hss_playbook) if p.startswith('incident.')} - SYSTEM_INCIDENT_KEYS
    assert read and read <= filled


def test_every_item_asks_for_the_pack_s_server_version(pack_dir_and_zip):
    pack_dir, metadata = pack_dir_and_zip
    wanted = facts.SERVER_MIN_VERSION  # the README: "Every item asks for XSOAR 6.10.0, as does the pack."
    versions = {'integration.yml': INTEGRATION['fromversion']}
    for path in PLAYBOOKS + sorted((ROOT / 'playbooks' / 'scripts').glob('*/*.yml')):
        versions[path.name] = yaml.safe_load(path.read_text())['fromversion']
    for path in (ROOT / 'playbooks').glob('*/*.json'):
        versions[path.name] = json.loads(path.read_text())['fromVersion']
    assert {name: v for name, v in versions.items() if v != wanted} == {}
    assert metadata['serverMinVersion'] == wanted
    kinds = metadata['contentItems']
    assert [i['id'] for i in kinds['integration']] == [INTEGRATION['commonfields']['id']]
    assert all(item['fromversion'] == wanted for items in kinds.values() for item in items)
    for source, (_, kind) in facts.CONTENT_JSON_ITEMS.items():
        assert {i['id'] for i in kinds[kind]} == {json.loads(p.read_text())['id']
                                                   for p in (ROOT / 'playbooks' / source).glob('*.json')}


@pytest.fixture(scope='module')
def pack_dir_and_zip(tmp_path_factory):
    import zipfile
    pack_dir, zip_path = export.export_pack(tmp_path_factory.mktemp('export'))
    with zipfile.ZipFile(zip_path) as archive:
        return pack_dir, json.loads(archive.read('metadata.json'))
