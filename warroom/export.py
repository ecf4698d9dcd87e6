"""The pack in the Cortex XSOAR content layout, and the zip XSOAR uploads.

``export_pack(outdir)`` writes two things from the repository's own files (nothing is typed twice):

- ``OUTDIR/QuarantineRestore/``: the pack as the content repository keeps it (split files: each YAML
  beside its code, ``script.script: ''`` / ``script: '-'``), which ``demisto-sdk validate`` checks;
- ``OUTDIR/QuarantineRestore.zip``: the same pack with every integration and script UNIFIED (code,
  image and detailed description embedded in the YAML) and named the way ``demisto-sdk prepare-content``
  / ``zip-packs`` name them (``Integrations/integration-<Name>.yml``, ``Scripts/script-<Name>.yml``,
  ``Playbooks/playbook-<Name>.yml``, ``metadata.json``): what Marketplace > Upload pack takes.

Both are deterministic: the same tree exports to the same bytes (sorted zip entries, fixed timestamps,
no clock or random value anywhere).

The integration's logo and the playbooks' pictures are drawn by ``warroom.images``; this module only puts them
where the pack keeps them.
"""
from __future__ import annotations

import base64
import copy
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import yaml

from .images.icon import integration_image
from .images.playbook import playbook_image
from .spec import PROJECT_ROOT

if TYPE_CHECKING:  # types only: the playbook model is imported where the pack is written, as the docs are
    from .playbook.model import Playbook

PACK_ID = 'QuarantineRestore'
INTEGRATION_ID = 'QuarantineRestore'  # the package (folder and file) name of the integration
PACK_VERSION = '1.0.0'
# The first commit of this repository: the pack's creation date, fixed so that exports are reproducible.
PACK_CREATED = '2026-11-22T17:34:50Z'

INTEGRATION_YML = PROJECT_ROOT / 'integration.yml'
INTEGRATION_PY = PROJECT_ROOT / 'restore_integration.py'
PLAYBOOKS_DIR = PROJECT_ROOT / 'playbooks'
SCRIPTS_DIR = PLAYBOOKS_DIR / 'scripts'
# The integration's test playbooks (integration.yml's tests: names them): the content repository keeps them in the
# pack's TestPlaybooks/; prepare-content leaves them out of the zip and of metadata.json's contentItems, as demisto-sdk
# skips CONTENT_TYPES_EXCLUDED_FROM_UPLOAD (test playbooks and test scripts) in Pack.dump and its metadata.
TEST_PLAYBOOKS_DIR = PLAYBOOKS_DIR / 'test_playbooks'
DEPENDENCIES_FILE = PROJECT_ROOT / 'test_data' / 'xsoar' / 'dependencies.json'
# The JSON content items beside the playbooks -> their folder in the content layout, and their contentItems key
# (mappers are listed with the classifiers, as demisto-sdk lists them).
JSON_ITEM_DIRS = {
    'incident_types': ('IncidentTypes', 'incidenttype'),
    'incident_fields': ('IncidentFields', 'incidentfield'),
    'classifiers': ('Classifiers', 'classifier'),
}
SERVER_MIN_VERSION = '6.10.0'  # what the integration and the playbooks need: every item's fromversion says it

PACK_METADATA = {
    'name': 'Quarantine Restore',
    # content-docs pack-docs.md: a pack's description is "Up to 150 chars"
    'description': 'Restores the files Cortex XDR quarantined and Huawei Cloud HSS isolated once an incident is closed '
                   'as a false positive.',
    # No company stands behind the pack: "community" (Marketplace says so; no support contact needed).
    'support': 'community',
    'currentVersion': PACK_VERSION,
    'author': 'Quarantine Restore maintainers',
    # Community packs point their users to the Cortex XSOAR community discussions.
    'url': 'https://live.paloaltonetworks.com/t5/cortex-xsoar-discussions/bd-p/Cortex_XSOAR_Discussions',
    'email': '',
    'created': PACK_CREATED,
    # Values from the content repository's Config/approved_categories.json, approved_tags.json and
    # approved_usecases.json.
    'categories': ['Endpoint'],
    'tags': ['Incident Response', 'Malware'],
    'useCases': ['Incident Response', 'Malware'],
    'keywords': ['quarantine', 'restore', 'false positive', 'Cortex XDR', 'Huawei Cloud', 'HSS',
                 'Host Security Service'],
    'marketplaces': ['xsoar'],
    # The pack's incident fields are named after the vendor (demisto-sdk IF113 wants the pack name or a prefix).
    'itemPrefix': ['Huawei HSS'],
    'serverMinVersion': SERVER_MIN_VERSION,
}


def pack_dependencies() -> dict:
    """pack_metadata.json's dependencies: the packs whose fields, scripts and integrations the content uses."""
    packs = json.loads(DEPENDENCIES_FILE.read_text(encoding='utf-8'))['packs']
    return {pack_id: {'mandatory': pack['mandatory'], 'display_name': pack['display_name']}
            for pack_id, pack in packs.items()}


PACK_METADATA['dependencies'] = pack_dependencies()

# What demisto-sdk's IntegrationScriptUnifier adds (demisto_sdk/commands/prepare_content/integration_script_unifier.py).
IMAGE_PREFIX = 'data:image/png;base64,'
COMMUNITY_DISPLAY_SUFFIX = ' (Community Contribution)'
COMMUNITY_DETAILED_DESCRIPTION = (
    '### Community Contributed Integration\n '
    '#### Integration Author: {author}\n '
    'No support or maintenance is provided by the author. Customers are encouraged '
    'to engage with the user community for questions and guidance at the '
    '[Cortex XSOAR Live Discussions](https://live.paloaltonetworks.com/'
    't5/cortex-xsoar-discussions/bd-p/Cortex_XSOAR_Discussions).'
)
INTEGRATION_DOCS_REFERENCE = 'https://xsoar.pan.dev/docs/reference/integrations/'
# The settings only fetching reads (XSOAR's own three, then the integration's): fetch-incidents lists HSS events only.
FETCH_SETTINGS = ('isFetch', 'incidentType', 'incidentFetchInterval', 'first_fetch', 'max_fetch', 'event_types')

# Zip entries carry this date, whatever the files' own: the same tree gives the same zip.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class ExportError(ValueError):
    """The repository's files cannot be exported as they are."""


# ---------------------------------------------------------------------------------------------- YAML


class _BlockDumper(yaml.SafeDumper):
    """Keeps the key order and writes multi-line text (code, markdown) as ``|-`` blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if '\n' in value:
        return dumper.represent_scalar('tag:yaml.org,2002:str', value, style='|')
    return dumper.represent_scalar('tag:yaml.org,2002:str', value)


_BlockDumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=120,
                     default_flow_style=False)


def load_yaml(path: Path | str) -> Any:
    return yaml.safe_load(Path(path).read_text(encoding='utf-8'))


# ---------------------------------------------------------------------------------------------- texts


def _docs() -> tuple[Callable[[], str], Callable[[Playbook], str]]:
    """The README renderers of ``warroom.docs``."""
    from .docs import integration_readme, playbook_readme
    return integration_readme, playbook_readme


def _one_line(text: object) -> str:
    return ' '.join(str(text or '').split())


def integration_description(integration: dict) -> str:
    """``<Name>_description.md``: the help XSOAR shows beside the instance settings, from integration.yml."""
    from .docs import dialog_labels
    fetching = 'Fetching incidents (Huawei Cloud HSS only)'
    groups = {'Cortex XDR': [], 'Huawei Cloud HSS': [], 'Connection (both vendors)': [], fetching: []}
    for param in integration.get('configuration') or ():
        name = param['name']
        group = ('Cortex XDR' if name.startswith('xdr_') else 'Huawei Cloud HSS' if name.startswith('hss_')
                 else fetching if name in FETCH_SETTINGS else 'Connection (both vendors)')
        title = dialog_labels(param)
        info = _one_line(param.get('additionalinfo'))
        groups[group].append(f'- **{title}**: {info}' if info else f'- **{title}**')  # no help: no dangling colon
    lines = [_one_line(integration['description']), '',
             'Fill in the settings of the vendors you use: Cortex XDR, Huawei Cloud HSS, or both. '
             'A vendor whose settings are empty is left out, and **Test** checks every vendor that is set.']
    for title, items in groups.items():
        lines += ['', f'### {title}', '', *items]
    return '\n'.join(lines) + '\n'


def script_readme(script: dict) -> str:
    """The automation's README, from its YAML: what it does, its arguments and its outputs."""
    lines = [_one_line(script.get('comment')), '', '## Script Data', '', '---', '',
             '| **Name** | **Description** |', '| --- | --- |',
             f'| Script Type | {script.get("subtype", script.get("type"))} |',
             f'| Tags | {", ".join(script.get("tags") or [])} |',
             f'| Cortex XSOAR Version | {script.get("fromversion", "")} |',
             '', '## Inputs', '', '---', '', '| **Argument Name** | **Description** |', '| --- | --- |']
    for argument in script.get('args') or ():
        lines.append(f'| {argument["name"]} | {_one_line(argument.get("description")).replace("|", chr(92) + "|")} |')
    if not script.get('outputs'):  # as demisto-sdk's generate-docs says it
        return '\n'.join(lines + ['', '## Outputs', '', '---', 'There are no outputs for this script.']) + '\n'
    lines += ['', '## Outputs', '', '---', '', '| **Path** | **Description** | **Type** |', '| --- | --- | --- |']
    for output in script.get('outputs') or ():
        lines.append(f'| {output["contextPath"]} | {_one_line(output.get("description")).replace("|", chr(92) + "|")} '
                     f'| {output.get("type", "")} |')
    return '\n'.join(lines) + '\n'


def pack_readme(integration: dict, playbooks: list[dict], scripts: list[dict]) -> str:
    lines = [PACK_METADATA['description'], '', '## What does this pack do?', '',
             f'The **{integration.get("display", integration["name"])}** integration:', '']
    for command in integration['script']['commands']:
        lines.append(f'- `!{command["name"]}`: {_one_line(command["description"])}')
    lines += ['', '### Playbooks', '']
    for playbook in playbooks:
        lines.append(f'- **{playbook["name"]}**: {_one_line(playbook.get("description"))}')
    lines += ['', '### Scripts', '']
    for script in scripts:
        lines.append(f'- **{script["name"]}**: {_one_line(script.get("comment"))}')
    lines += ['', 'XSOAR starts no playbook when an incident is closed: run **Quarantine Restore - False Positive** '
              'from an analyst-decision branch before the `closeInvestigation` task of your incident type\'s '
              'playbook (the branch that sets the close reason to "False Positive").', '']
    return '\n'.join(lines)


# ---------------------------------------------------------------------------------------------- pack


def _script_packages() -> list[Path]:
    return sorted(path for path in SCRIPTS_DIR.iterdir() if (path / f'{path.name}.yml').is_file())


def _playbook_files() -> list[Path]:
    return sorted(PLAYBOOKS_DIR.glob('playbook-*.yml'))


def _split_yaml_text(path: Path, kind: str) -> str:
    """The YAML as the content repository keeps it beside its code: the source text when it already is."""
    text = path.read_text(encoding='utf-8')
    data = yaml.safe_load(text)
    script = data['script']['script'] if kind == 'integration' else data['script']
    if script in ('', '-'):
        return text
    raise ExportError(f'{path}: the code belongs in the .py beside it; leave the YAML\'s script empty ("" or "-")')


def _check_main_guard(code: str, path: Path) -> None:
    if not re.search(r"^if __name__ in \('__main__', '__builtin__', 'builtins'\):\n    main\(\)\s*\Z", code, re.M):
        raise ExportError(f"{path}: XSOAR runs the code with __name__ set to '__builtin__' or 'builtins': it must end "
                          "with `if __name__ in ('__main__', '__builtin__', 'builtins'): main()`")


def write_pack(pack_dir: Path) -> None:
    """The pack in the content repository's split layout."""
    integration_readme, playbook_readme = _docs()
    integration = load_yaml(INTEGRATION_YML)
    write_integration(pack_dir, integration, integration_readme)
    playbooks = write_playbooks(pack_dir, playbook_readme)
    scripts = write_scripts(pack_dir)
    write_test_playbooks(pack_dir)
    for source, (folder, _) in JSON_ITEM_DIRS.items():
        for path in sorted((PLAYBOOKS_DIR / source).glob('*.json')):
            (pack_dir / folder).mkdir(exist_ok=True)
            shutil.copyfile(path, pack_dir / folder / path.name)

    (pack_dir / 'README.md').write_text(pack_readme(integration, playbooks, scripts), encoding='utf-8')
    # Every pack of the content repository has both (demisto-sdk PA128): nothing to ignore in either.
    (pack_dir / '.secrets-ignore').write_text('', encoding='utf-8')
    (pack_dir / '.pack-ignore').write_text('', encoding='utf-8')
    (pack_dir / 'pack_metadata.json').write_text(json.dumps(PACK_METADATA, indent=4) + '\n', encoding='utf-8')


def write_integration(pack_dir: Path, integration: dict, integration_readme: Callable[[], str]) -> None:
    """``Integrations/<id>/``: the YAML and its code side by side, the help beside the settings, the logo and the
    README."""
    integration_dir = pack_dir / 'Integrations' / INTEGRATION_ID
    integration_dir.mkdir(parents=True)
    code = INTEGRATION_PY.read_text(encoding='utf-8')
    _check_main_guard(code, INTEGRATION_PY)
    (integration_dir / f'{INTEGRATION_ID}.yml').write_text(_split_yaml_text(INTEGRATION_YML, 'integration'),
                                                             encoding='utf-8')
    (integration_dir / f'{INTEGRATION_ID}.py').write_text(code, encoding='utf-8')
    (integration_dir / f'{INTEGRATION_ID}_description.md').write_text(integration_description(integration),
                                                                        encoding='utf-8')
    (integration_dir / f'{INTEGRATION_ID}_image.png').write_bytes(integration_image())
    (integration_dir / 'README.md').write_text(integration_readme(), encoding='utf-8')


def write_playbooks(pack_dir: Path, playbook_readme: Callable[[Playbook], str]) -> list[dict]:
    """``Playbooks/``, each playbook with its README, and its picture in ``doc_files/``; returns the playbooks."""
    from .playbook.model import Playbook

    playbooks_dir = pack_dir / 'Playbooks'
    playbooks_dir.mkdir()
    doc_files = pack_dir / 'doc_files'
    doc_files.mkdir()
    playbooks = []
    for path in _playbook_files():
        shutil.copyfile(path, playbooks_dir / path.name)
        raw = load_yaml(path)
        playbook = Playbook.load(path)
        # The playbook's picture, named as demisto-sdk looks for it (RM116): the file name without "playbook-".
        image_name = f'{path.stem.removeprefix("playbook-")}.png'
        (doc_files / image_name).write_bytes(playbook_image(raw))
        readme = playbook_readme(playbook) + f'\n![{playbook.name}](../doc_files/{image_name})\n'
        (playbooks_dir / f'{path.stem}_README.md').write_text(readme, encoding='utf-8')
        playbooks.append(raw)
    return playbooks


def write_test_playbooks(pack_dir: Path) -> None:
    """``TestPlaybooks/``: the test playbooks as they are (no README, no picture: the content repository's have
    none)."""
    sources = sorted(TEST_PLAYBOOKS_DIR.glob('playbook-*.yml'))
    if sources:
        (pack_dir / 'TestPlaybooks').mkdir()
    for path in sources:
        shutil.copyfile(path, pack_dir / 'TestPlaybooks' / path.name)


def write_scripts(pack_dir: Path) -> list[dict]:
    """``Scripts/<Name>/``: each automation's YAML and code side by side, and its README; returns their YAML."""
    scripts = []
    for package in _script_packages():
        target = pack_dir / 'Scripts' / package.name
        target.mkdir(parents=True)
        script_yml = package / f'{package.name}.yml'
        script_code = (package / f'{package.name}.py').read_text(encoding='utf-8')
        _check_main_guard(script_code, package / f'{package.name}.py')
        (target / script_yml.name).write_text(_split_yaml_text(script_yml, 'script'), encoding='utf-8')
        (target / f'{package.name}.py').write_text(script_code, encoding='utf-8')
        script = load_yaml(script_yml)
        (target / 'README.md').write_text(script_readme(script), encoding='utf-8')
        scripts.append(script)
    return scripts


# ---------------------------------------------------------------------------------------------- unified


def unified_code(code: str, name: str) -> str:
    """The code as demisto-sdk embeds it: the pack version first, then the code between module-line markers."""
    code = (f"CONSTANT_PACK_VERSION = '{PACK_VERSION}'\n"
            f"demisto.debug('pack id = {PACK_ID}, pack version = {PACK_VERSION}')\n{code}")
    code = re.sub(r'import demistomock as demisto[ \t]*(#.*)?', '', code)
    code = re.sub(r'from CommonServerPython import \*[ \t]*(#.*)?', '', code)
    code = re.sub(r'from CommonServerUserPython import \*[ \t]*(#.*)?', '', code)
    code = re.sub(r'from __future__ import print_function[ \t]*(#.*)?', '', code)
    return (f"register_module_line('{name}', 'start', __line__())\n{code}\n"
            f"register_module_line('{name}', 'end', __line__())\n")


def normalized_integration_id(integration_id: str) -> str:
    """demisto-sdk's name for the integration's documentation page ('Quarantine Restore' -> 'quarantine-restore')."""
    underscored = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', integration_id)
    underscored = re.sub(r'([a-z\d])([A-Z])', r'\1_\2', underscored).replace('-', '_').lower()
    return re.sub(r'[^\w-]', '', underscored.replace('_', '-').replace(' ', '-'))


def unified_integration(pack_dir: Path) -> dict:
    """The integration's YAML with its code, image and detailed description embedded, as XSOAR imports it."""
    package = pack_dir / 'Integrations' / INTEGRATION_ID
    data = load_yaml(package / f'{INTEGRATION_ID}.yml')
    unified = copy.deepcopy(data)
    unified['script']['script'] = unified_code((package / f'{INTEGRATION_ID}.py').read_text(encoding='utf-8'),
                                               data['name'])
    unified['image'] = IMAGE_PREFIX + base64.b64encode((package / f'{INTEGRATION_ID}_image.png').read_bytes()).decode()
    description = (package / f'{INTEGRATION_ID}_description.md').read_text(encoding='utf-8')
    if '[View Integration Documentation]' not in description and (package / 'README.md').stat().st_size:
        description += (f'\n\n---\n[View Integration Documentation]('
                        f'{INTEGRATION_DOCS_REFERENCE}{normalized_integration_id(data["commonfields"]["id"])})')
    if PACK_METADATA['support'] == 'community':
        unified['display'] = data['display'] + COMMUNITY_DISPLAY_SUFFIX
        description = (COMMUNITY_DETAILED_DESCRIPTION.format(author=PACK_METADATA['author']) + '\n***\n'
                       + description)
    unified['detaileddescription'] = description
    return unified


def unified_script(package: Path) -> dict:
    data = load_yaml(package / f'{package.name}.yml')
    unified = copy.deepcopy(data)
    unified['script'] = unified_code((package / f'{package.name}.py').read_text(encoding='utf-8'), data['name'])
    return unified


def _item_summary(data: dict, **extra: object) -> dict:
    return {'deprecated': bool(data.get('deprecated', False)), 'fromversion': data.get('fromversion', ''),
            'internal': False, 'toversion': data.get('toversion', ''), **extra}


def content_items_summary(pack_dir: Path) -> dict:
    """The ``contentItems`` of metadata.json: what the pack holds, as demisto-sdk lists it for Marketplace."""
    integration = unified_integration(pack_dir)
    script = integration['script']
    items = {'automation': [], 'integration': [_item_summary(
        integration, id=integration['commonfields']['id'], name=integration['display'],
        description=integration['description'], category=integration['category'], is_beta=bool(integration.get('beta')),
        isfetch=bool(script.get('isfetch')), isfetchassets=bool(script.get('isfetchassets')),
        isfetchcredentials=bool(script.get('isfetchcredentials')), isfetchevents=bool(script.get('isfetchevents')),
        commands=[{'compliantpolicies': c.get('compliantpolicies') or [],
                   'deprecated': bool(c.get('deprecated', False)), 'description': c['description'],
                   'hidden': bool(c.get('hidden', False)), 'name': c['name'],
                   'quickaction': bool(c.get('quickaction', False)), 'source_repo': 'content'}
                  for c in script['commands']])], 'playbook': []}
    for path in sorted((pack_dir / 'Playbooks').glob('playbook-*.yml')):
        playbook = load_yaml(path)
        items['playbook'].append(_item_summary(playbook, id=playbook['id'], name=playbook['name'],
                                               description=playbook.get('description', ''),
                                               tags=playbook.get('tags') or []))
    for path in sorted((pack_dir / 'Scripts').glob('*/*.yml')):
        automation = load_yaml(path)
        items['automation'].append(_item_summary(automation, id=automation['commonfields']['id'],
                                                 name=automation['name'], description=automation.get('comment', ''),
                                                 tags=automation.get('tags') or []))
    for folder, kind in JSON_ITEM_DIRS.values():
        for path in sorted((pack_dir / folder).glob('*.json')):
            items.setdefault(kind, []).append(_json_item_summary(kind, json.loads(path.read_text(encoding='utf-8'))))
    return items


def _json_item_summary(kind: str, item: dict) -> dict:
    """An incident type, incident field, classifier or mapper as demisto-sdk summarises it in contentItems."""
    summary = {'deprecated': bool(item.get('deprecated', False)), 'description': item.get('description', ''),
               'fromversion': item.get('fromVersion', ''), 'id': item['id'], 'name': item['name'],
               'toversion': item.get('toVersion', '')}
    if kind == 'incidenttype':
        summary.update(closureScript=item.get('closureScript', ''), days=item.get('days', 0),
                       hours=item.get('hours', 0), weeks=item.get('weeks', 0), playbook=item.get('playbookId', ''))
    else:
        summary['type'] = item['type']
    return summary


# How Marketplace names each kind of content item; demisto-sdk adds an "s" when the pack holds more than one.
CONTENT_DISPLAYS = {'automation': 'Automation', 'classifier': 'Classifier', 'incidentfield': 'Incident Field',
                    'incidenttype': 'Incident Type', 'integration': 'Integration', 'playbook': 'Playbook'}


def _version_key(version: str) -> tuple:
    return tuple(int(part) for part in version.split('.'))


def marketplace_metadata(pack_dir: Path) -> dict:
    """``metadata.json``, the pack's card in Marketplace: pack_metadata.json plus what demisto-sdk derives from the
    content (``contentItems``, ``serverMinVersion``, the "Use Case" tag, ...). Fields that only record when and
    from which commit the SDK ran (``updated``, ``commit``) or change with the date (the "New" tag) are left out."""
    metadata = json.loads((pack_dir / 'pack_metadata.json').read_text(encoding='utf-8'))
    items = content_items_summary(pack_dir)
    from_versions = [item['fromversion'] for kind in items.values() for item in kind if item['fromversion']]
    marketplaces = list(metadata['marketplaces'])
    if 'xsoar' in marketplaces and 'xsoar_saas' not in marketplaces:
        marketplaces.append('xsoar_saas')  # the SDK's reading of "xsoar": on-premises and SaaS
    tags = list(metadata.get('tags') or []) + (['Use Case'] if metadata.get('useCases') else [])
    support_details = {key: metadata[key] for key in ('url', 'email') if metadata.get(key)}
    return {
        'author': metadata['author'], 'authorImage': '', 'categories': metadata['categories'], 'certification': '',
        'contentDisplays': {kind: CONTENT_DISPLAYS[kind] + ('s' if len(listed) > 1 else '')
                            for kind, listed in items.items() if listed},
        'contentItems': items, 'currentVersion': metadata['currentVersion'],
        'dependencies': metadata.get('dependencies') or {}, 'deprecated': False, 'description': metadata['description'],
        'display_name': metadata['name'], 'downloads': 0, 'excludedDependencies': [],
        # The integration is listed in contentItems; this list stays empty, as prepare-content leaves it.
        'firstCreated': metadata['created'], 'hidden': False, 'id': pack_dir.name, 'integrations': [],
        'keywords': metadata.get('keywords') or [], 'legacy': True, 'marketplaces': marketplaces, 'modules': [],
        'name': metadata['name'], 'price': 0, 'searchRank': 0,
        # The newest fromversion among the items: below it, some of the pack would not install.
        'serverMinVersion': max(from_versions, key=_version_key) if from_versions else SERVER_MIN_VERSION,
        'support': metadata['support'], 'supportDetails': support_details, 'tags': tags,
        'useCases': metadata.get('useCases') or [], 'versionInfo': '', 'videos': [],
    }


def zip_members(pack_dir: Path) -> dict[str, bytes]:
    """Every file of the uploadable zip, by its path inside the zip."""
    members = {
        'README.md': (pack_dir / 'README.md').read_bytes(),
        'pack_metadata.json': (pack_dir / 'pack_metadata.json').read_bytes(),
        'metadata.json': (json.dumps(marketplace_metadata(pack_dir), indent=4, sort_keys=True) + '\n').encode(),
        f'Integrations/integration-{INTEGRATION_ID}.yml': dump_yaml(unified_integration(pack_dir)).encode(),
    }
    for path in sorted((pack_dir / 'Playbooks').glob('playbook-*.yml')):
        members[f'Playbooks/{path.name}'] = path.read_bytes()
    for package in sorted(path for path in (pack_dir / 'Scripts').iterdir() if path.is_dir()):
        members[f'Scripts/script-{package.name}.yml'] = dump_yaml(unified_script(package)).encode()
    for folder, _ in JSON_ITEM_DIRS.values():
        for path in sorted((pack_dir / folder).glob('*.json')):
            # prepare-content writes JSON items compact, keys in their order
            members[f'{folder}/{path.name}'] = json.dumps(json.loads(path.read_bytes()), separators=(',', ':')).encode()
    for path in sorted((pack_dir / 'doc_files').iterdir()):
        members[f'doc_files/{path.name}'] = path.read_bytes()
    return members


def write_zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, 'w') as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, so that the mode above is read as such everywhere
            archive.writestr(info, members[name], compresslevel=9)


def export_pack(outdir: Path) -> tuple[Path, Path]:
    """Writes ``outdir/QuarantineRestore/`` and ``outdir/QuarantineRestore.zip``; returns both paths."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    pack_dir, zip_path = outdir / PACK_ID, outdir / f'{PACK_ID}.zip'
    if pack_dir.exists():
        shutil.rmtree(pack_dir)
    pack_dir.mkdir()
    write_pack(pack_dir)
    write_zip(zip_path, zip_members(pack_dir))
    return pack_dir, zip_path
