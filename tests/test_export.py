"""``python -m warroom export``: the pack in XSOAR's content layout and its uploadable zip (no demisto-sdk here;
``make xsoar-validate`` runs the SDK on the same export)."""
from __future__ import annotations

import base64
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
import yaml

import facts
from warroom import export
from warroom.cli import main as cli_main
from warroom.images.playbook import BOX_HEIGHT, BOX_WIDTH
from warroom.images.png import encode_png
from warroom.playbook.incidents import IncidentFile, close_incident
from warroom.playbook.runner import ScriptDemisto, _load_script
from warroom.spec import PROJECT_ROOT

INTEGRATION_YML = yaml.safe_load((PROJECT_ROOT / 'integration.yml').read_text())
PACK = facts.PACK_ID  # the README's export paths
# The content repository names an integration's package after its ID without spaces ("Quarantine Restore").
INTEGRATION = INTEGRATION_YML['commonfields']['id'].replace(' ', '')
SOURCE_PLAYBOOKS = sorted((PROJECT_ROOT / 'playbooks').glob('playbook-*.yml'))
SOURCE_TEST_PLAYBOOKS = sorted((PROJECT_ROOT / 'playbooks' / 'test_playbooks').glob('playbook-*.yml'))
SOURCE_SCRIPTS = sorted(p for p in (PROJECT_ROOT / 'playbooks' / 'scripts').iterdir()
                        if (p / f'{p.name}.yml').is_file())


@pytest.fixture(scope='module')
def exported(tmp_path_factory) -> tuple[Path, Path]:
    return export.export_pack(tmp_path_factory.mktemp('export'))


@pytest.fixture(scope='module')
def pack_dir(exported) -> Path:
    return exported[0]


@pytest.fixture(scope='module')
def archive(exported) -> dict[str, bytes]:
    with zipfile.ZipFile(exported[1]) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def load(data: bytes | str):
    return yaml.safe_load(data)


def png_facts(data: bytes) -> dict:
    """Reads a PNG chunk by chunk, checking every CRC; the header's facts and the raw pixel rows' length."""
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    position, chunks = 8, []
    while position < len(data):
        (length,) = struct.unpack('>I', data[position:position + 4])
        kind, body = data[position + 4:position + 8], data[position + 8:position + 8 + length]
        (crc,) = struct.unpack('>I', data[position + 8 + length:position + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f'bad CRC in {kind!r}'
        chunks.append((kind, body))
        position += 12 + length
    assert chunks[0][0] == b'IHDR' and chunks[-1] == (b'IEND', b'')
    width, height, depth, color_type, _, _, interlace = struct.unpack('>IIBBBBB', chunks[0][1])
    raw = zlib.decompress(b''.join(body for kind, body in chunks if kind == b'IDAT'))
    channels = {6: 4, 2: 3}[color_type]
    assert depth == 8 and interlace == 0
    assert len(raw) == height * (1 + width * channels)
    assert all(raw[row * (1 + width * channels)] == 0 for row in range(height))  # filter type 0
    return {'width': width, 'height': height, 'channels': channels}


def json_items() -> dict[str, Path]:
    """Path in the pack -> source, for the incident types, incident fields, classifier and mapper."""
    return {f'{folder}/{path.name}': path for source, (folder, _) in facts.CONTENT_JSON_ITEMS.items()
            for path in (PROJECT_ROOT / 'playbooks' / source).glob('*.json')}


def test_layout_is_the_content_repository_s(pack_dir):
    files = {str(p.relative_to(pack_dir)) for p in pack_dir.rglob('*') if p.is_file()}
    expected = {
        'pack_metadata.json', 'README.md', '.pack-ignore', '.secrets-ignore',
        f'Integrations/{INTEGRATION}/{INTEGRATION}.yml', f'Integrations/{INTEGRATION}/{INTEGRATION}.py',
        f'Integrations/{INTEGRATION}/{INTEGRATION}_description.md',
        f'Integrations/{INTEGRATION}/{INTEGRATION}_image.png',
        f'Integrations/{INTEGRATION}/README.md',
    }
    for path in SOURCE_PLAYBOOKS:
        expected |= {f'Playbooks/{path.name}', f'Playbooks/{path.stem}_README.md',
                     f'doc_files/{path.stem.removeprefix("playbook-")}.png'}
    for package in SOURCE_SCRIPTS:
        expected |= {f'Scripts/{package.name}/{package.name}.yml', f'Scripts/{package.name}/{package.name}.py',
                     f'Scripts/{package.name}/README.md'}
    expected |= {f'TestPlaybooks/{path.name}' for path in SOURCE_TEST_PLAYBOOKS}
    expected |= set(json_items())
    assert files == expected
    assert not any((pack_dir / 'ReleaseNotes').glob('*'))  # a first version (1.0.0) has no release notes


def test_split_files_are_the_sources_as_they_are(pack_dir):
    package = pack_dir / 'Integrations' / INTEGRATION
    assert (package / f'{INTEGRATION}.yml').read_bytes() == (PROJECT_ROOT / 'integration.yml').read_bytes()
    assert load((package / f'{INTEGRATION}.yml').read_text())['script']['script'] == ''
    assert (package / f'{INTEGRATION}.py').read_bytes() == (PROJECT_ROOT / 'restore_integration.py').read_bytes()
    for path in SOURCE_PLAYBOOKS:
        assert (pack_dir / 'Playbooks' / path.name).read_bytes() == path.read_bytes()
    for source in SOURCE_SCRIPTS:
        target = pack_dir / 'Scripts' / source.name
        for name in (f'{source.name}.yml', f'{source.name}.py'):
            assert (target / name).read_bytes() == (source / name).read_bytes()
        assert load((target / f'{source.name}.yml').read_text())['script'] in ('', '-')


def test_the_test_playbook_is_in_the_pack_s_test_playbooks_as_it_is_and_named_by_the_integration_s_tests(pack_dir):
    assert SOURCE_TEST_PLAYBOOKS
    for path in SOURCE_TEST_PLAYBOOKS:
        assert (pack_dir / 'TestPlaybooks' / path.name).read_bytes() == path.read_bytes()
    assert INTEGRATION_YML['tests'] == [load(path.read_text())['id'] for path in SOURCE_TEST_PLAYBOOKS]


def test_the_zip_and_its_metadata_leave_the_test_playbooks_out_as_marketplace_never_installs_them(archive):
    test_ids = {load(path.read_text())['id'] for path in SOURCE_TEST_PLAYBOOKS}
    assert not [name for name in archive if name.startswith('TestPlaybooks/')]
    assert not test_ids & {item['id'] for item in json.loads(archive['metadata.json'])['contentItems']['playbook']}


def test_pack_metadata_has_every_field_marketplace_reads(pack_dir):
    metadata = json.loads((pack_dir / 'pack_metadata.json').read_text())
    for field in ('name', 'description', 'support', 'currentVersion', 'author', 'url', 'email', 'created',
                  'categories', 'tags', 'useCases', 'keywords', 'marketplaces', 'dependencies'):
        assert field in metadata, field
    assert metadata['support'] in ('community', 'developer')
    assert metadata['currentVersion'] == facts.PACK_VERSION
    assert metadata['marketplaces'] == ['xsoar']
    assert load((PROJECT_ROOT / 'integration.yml').read_text())['category'] in metadata['categories']
    assert metadata['name'] and metadata['description'] and metadata['author'] and metadata['keywords']
    if metadata['support'] == 'developer':
        assert metadata['url'] or metadata['email']


def test_the_pack_description_fits_marketplace_s_150_characters(pack_dir):
    # content-docs docs/documentation/pack-docs.md, pack description: "Up to 150 chars"
    assert 0 < len(json.loads((pack_dir / 'pack_metadata.json').read_text())['description']) <= 150


def test_the_integration_description_names_no_setting_with_an_empty_explanation(pack_dir):
    text = (pack_dir / 'Integrations' / INTEGRATION / f'{INTEGRATION}_description.md').read_text()
    dangling = [line for line in text.splitlines() if line.startswith('- **') and line.rstrip().endswith(':')]
    assert dangling == []


def settings_labels(markdown: str, header: str) -> list[str]:
    """The first column of the settings table whose header row starts with ``header``."""
    rows = markdown.split(header, 1)[1].split('\n\n', 1)[0].splitlines()[2:]  # past the header and the --- line
    return [re.split(r'(?<!\\)\|', row)[1].strip() for row in rows if row.startswith('|')]


def test_the_exported_readme_and_description_label_each_setting_as_readme_s_settings_table_does(pack_dir):
    # XSOAR's instance dialog shows a credentials param (type 9) as two fields, its user name (display, unless
    # hiddenusername) and its password (displaypassword): a reader of either README finds where the secret goes.
    exported = settings_labels((pack_dir / 'Integrations' / INTEGRATION / 'README.md').read_text(), '| **Parameter**')
    ours = [re.sub(r' \(`[^`]+`\)$', '', label)  # README adds each setting's name
            for label in settings_labels((PROJECT_ROOT / 'README.md').read_text(), '| **Setting** (name)')]
    described = re.findall(r'^- \*\*(.+?)\*\*', (pack_dir / 'Integrations' / INTEGRATION /
                                                 f'{INTEGRATION}_description.md').read_text(), re.M)
    credentials = [param for param in INTEGRATION_YML['configuration'] if param['type'] == 9]

    assert exported == ours
    assert sorted(described) == sorted(ours)  # the help beside the dialog, grouped by vendor
    for param in credentials:
        [fields] = [label.split(' / ') for label in exported if param['displaypassword'] in label.split(' / ')]
        assert fields[-1] == param['displaypassword'], (param['name'], fields)
        assert fields[:-1] == ([] if param.get('hiddenusername') else [param['display']]), (param['name'], fields)


def test_the_integration_description_files_the_fetch_settings_under_hss_not_under_both_vendors(pack_dir):
    # integration.yml's own description: "Fetch incidents (Huawei Cloud HSS only)". Its fetch settings: XSOAR's own
    # (demisto-sdk's INCIDENT_FETCH_REQUIRED_PARAMS) and those of the Collect section, which fetching alone reads
    # (tests/test_instance_settings.py -k collect_section), HSS event types to fetch among them.
    fetch_names = {param['name'] for param in facts.XSOAR_FETCH_PARAMS}
    displays = [param['display'] for param in INTEGRATION_YML['configuration']
                if param['name'] in fetch_names or param.get('section') == 'Collect']
    assert 'HSS event types to fetch' in displays
    text = (pack_dir / 'Integrations' / INTEGRATION / f'{INTEGRATION}_description.md').read_text()
    sections = {part.split('\n', 1)[0]: part for part in text.split('\n### ')[1:]}

    for display in displays:
        [heading] = [heading for heading, part in sections.items() if f'- **{display}**' in part]
        assert 'HSS' in heading and 'both' not in heading, (display, heading)


def test_each_playbook_readme_lists_the_integrations_its_tasks_name_as_generate_docs_does(pack_dir):
    named = 0
    for source in sorted((PROJECT_ROOT / 'playbooks').glob('playbook-*.yml')):
        tasks = load(source.read_text())['tasks'].values()
        scripts = [str(task.get('task', {}).get('script') or '') for task in tasks]
        brands = {script.split('|||')[0] for script in scripts if '|||' in script} - {''}
        readme = (pack_dir / 'Playbooks' / f'{source.stem}_README.md').read_text()
        listed = readme.split('### Integrations', 1)[1].split('###', 1)[0]
        for brand in brands:  # e.g. Cortex XDR - IR|||xdr-get-incident-extra-data
            assert f'* {brand}' in listed, (source.name, brand)
        named += len(brands)
    assert named  # the Cortex XDR playbook names Cortex XDR - IR's command: there was a brand to look for


def test_a_script_without_outputs_says_so_as_generate_docs_does(pack_dir):
    # Every script of the pack writes context (QuarantineRestoreOnClose too, QuarantineRestore.OnClose): one exported
    # without its outputs is the README to check.
    folder = sorted((pack_dir / 'Scripts').iterdir())[0]
    script = dict(load((folder / f'{folder.name}.yml').read_text()), outputs=[])
    assert 'There are no outputs for this script.' in export.script_readme(script)
    assert 'There are no outputs for this script.' not in (folder / 'README.md').read_text()


def test_integration_image_is_a_small_120_by_50_png(pack_dir):
    data = (pack_dir / 'Integrations' / INTEGRATION / f'{INTEGRATION}_image.png').read_bytes()
    assert png_facts(data) == {'width': 120, 'height': 50, 'channels': 4}
    assert len(data) < 10 * 1024


def test_playbook_images_are_valid_pngs_larger_than_the_playbook_s_span(pack_dir):
    for path in SOURCE_PLAYBOOKS:
        data = (pack_dir / 'doc_files' / f'{path.stem.removeprefix("playbook-")}.png').read_bytes()
        image = png_facts(data)
        positions = [json.loads(task['view'])['position'] for task in load(path.read_text())['tasks'].values()]
        xs, ys = [p['x'] for p in positions], [p['y'] for p in positions]
        # Every task is drawn where the playbook editor puts it (view.position, one pixel each), as a box: the
        # image spans the positions and more.
        assert image['channels'] == 3 and image['width'] > max(xs) - min(xs) and image['height'] > max(ys) - min(ys)


@pytest.mark.parametrize('path', SOURCE_PLAYBOOKS, ids=lambda path: path.stem)
def test_no_two_tasks_of_a_playbook_are_drawn_over_each_other(path):
    # The editor draws each task at its view.position, as the picture in doc_files does with boxes of this size: two
    # tasks nearer than a box in both directions hide each other's name and arrows, in the editor and the picture.
    tasks = load(path.read_text())['tasks']
    drawn = []
    overlapping = []
    for key in sorted(tasks, key=int):
        position = json.loads(tasks[key]['view'])['position']
        for other, other_position in drawn:
            apart_x = abs(position['x'] - other_position['x'])
            apart_y = abs(position['y'] - other_position['y'])
            if apart_x < BOX_WIDTH and apart_y < BOX_HEIGHT:
                overlapping.append((other, key))
        drawn.append((key, position))
    assert overlapping == []


def test_zip_holds_unified_items_named_as_prepare_content_names_them(archive):
    expected = {'README.md', 'pack_metadata.json', 'metadata.json', f'Integrations/integration-{INTEGRATION}.yml'}
    expected |= {f'Playbooks/{path.name}' for path in SOURCE_PLAYBOOKS}
    expected |= {f'doc_files/{path.stem.removeprefix("playbook-")}.png' for path in SOURCE_PLAYBOOKS}
    expected |= {f'Scripts/script-{package.name}.yml' for package in SOURCE_SCRIPTS}
    expected |= set(json_items())
    assert set(archive) == expected
    for name, source in json_items().items():
        assert json.loads(archive[name]) == json.loads(source.read_bytes())


def test_unified_integration_is_integration_yml_with_code_image_and_description(archive, pack_dir):
    unified = load(archive[f'Integrations/integration-{INTEGRATION}.yml'])
    source = load((PROJECT_ROOT / 'integration.yml').read_text())
    package = pack_dir / 'Integrations' / INTEGRATION

    code = unified['script']['script']
    assert (PROJECT_ROOT / 'restore_integration.py').read_text() in code
    assert code.startswith(f"register_module_line('{source['name']}', 'start', __line__())\n")
    assert code.endswith(f"register_module_line('{source['name']}', 'end', __line__())\n")
    compile(code, 'integration', 'exec')

    assert unified['image'] == 'data:image/png;base64,' + base64.b64encode(
        (package / f'{INTEGRATION}_image.png').read_bytes()).decode()
    assert (package / f'{INTEGRATION}_description.md').read_text() in unified['detaileddescription']
    assert unified['display'] == source['display'] + facts.COMMUNITY_DISPLAY_SUFFIX  # a community pack says so

    rest = dict(unified)
    for key in ('image', 'detaileddescription'):
        rest.pop(key)
    rest['display'] = source['display']
    rest['script'] = {**unified['script'], 'script': ''}
    assert rest == source
    assert list(unified)[:len(source)] == list(source)  # key order kept: image and description come last


def test_unified_script_is_the_script_yml_with_its_code(archive):
    for package in SOURCE_SCRIPTS:
        unified = load(archive[f'Scripts/script-{package.name}.yml'])
        source = load((package / f'{package.name}.yml').read_text())
        assert (package / f'{package.name}.py').read_text() in unified['script']
        compile(unified['script'], package.name, 'exec')
        assert {**unified, 'script': source['script']} == source


def test_playbooks_round_trip(archive, pack_dir):
    for path in SOURCE_PLAYBOOKS:
        assert load(archive[f'Playbooks/{path.name}']) == load(path.read_text())
        readme = (pack_dir / 'Playbooks' / f'{path.stem}_README.md').read_text()
        assert load(path.read_text())['description'].split(':')[0] in ' '.join(readme.split())


def test_zip_metadata_lists_the_content(archive):
    metadata = json.loads(archive['metadata.json'])
    assert metadata['id'] == PACK and metadata['currentVersion'] == '1.0.0'
    assert {item['id'] for item in metadata['contentItems']['playbook']} == {
        load(path.read_text())['id'] for path in SOURCE_PLAYBOOKS}
    assert [command['name'] for command in metadata['contentItems']['integration'][0]['commands']] == [
        command['name'] for command in load((PROJECT_ROOT / 'integration.yml').read_text())['script']['commands']]
    assert metadata['serverMinVersion'] == facts.SERVER_MIN_VERSION


def test_zip_pack_metadata_is_the_pack_s_and_says_what_the_readme_and_the_content_say(archive, pack_dir):
    metadata = json.loads(archive['pack_metadata.json'])
    assert metadata == json.loads((pack_dir / 'pack_metadata.json').read_text())
    assert (metadata['currentVersion'], metadata['serverMinVersion']) == (facts.PACK_VERSION, facts.SERVER_MIN_VERSION)
    assert INTEGRATION_YML['category'] in metadata['categories']
    packs = json.loads((PROJECT_ROOT / 'test_data' / 'xsoar' / 'dependencies.json').read_text())['packs']
    assert metadata['dependencies'] == {pack: {'mandatory': mandatory, 'display_name': packs[pack]['display_name']}
                                        for pack, mandatory in facts.PACK_DEPENDENCIES.items()}
    own_fields = [json.loads(p.read_text())['name']
                  for p in (PROJECT_ROOT / 'playbooks' / 'incident_fields').glob('*.json')]
    # demisto-sdk IF113
    assert own_fields and all(name.startswith(tuple(metadata['itemPrefix'])) for name in own_fields)


def test_unified_code_runs_as_xsoar_runs_it(archive):
    """A global ``demisto``, ``__name__`` 'builtins', and CommonServerPython's module-line helpers."""
    results = []

    class Demisto:
        @staticmethod
        def params():
            return {}

        @staticmethod
        def command():
            return 'test-module'

        @staticmethod
        def args():
            return {}

        def __getattr__(self, name):  # debug, info, getIntegrationContext, ...: quietly nothing
            return lambda *args, **kwargs: {} if 'Context' in name else None

        @staticmethod
        def results(entry):
            results.append(entry)

    code = load(archive[f'Integrations/integration-{INTEGRATION}.yml'])['script']['script']
    exec(compile(code, 'integration', 'exec'), {'__name__': 'builtins', 'demisto': Demisto(),
                                                '__line__': lambda: 0, 'register_module_line': lambda *a, **k: None})
    assert len(results) == 1 and 'No vendor is configured' in json.dumps(results[0])


SAMPLE = IncidentFile.load(PROJECT_ROOT / 'test_data' / 'incidents' / 'xdr_false_positive.json')
SAMPLE_HASH = SAMPLE.incident['CustomFields']['xdrfileartifacts'][0]['filesha256']
# Each script's input, one that asks no command: (args, context, incident). Closed as resolved, the on-close script
# restores nothing; the gate judges a file no reputation source scored; the summary finds no restore record.
SCRIPT_RUNS = {
    'QuarantineRestoreOnClose': ({}, SAMPLE.context, close_incident(SAMPLE.incident, 'Resolved')),
    'QuarantineRestoreReputationGate': ({'file_hash': SAMPLE_HASH}, {}, SAMPLE.incident),
    'QuarantineRestoreSummary': ({}, {}, SAMPLE.incident),
    'QuarantineRestoreXdrIncidentId': ({}, {}, SAMPLE.incident),
}


def test_the_script_runs_cover_every_script_of_the_pack():
    assert sorted(SCRIPT_RUNS) == [package.name for package in SOURCE_SCRIPTS]


@pytest.mark.parametrize('name', sorted(SCRIPT_RUNS))
def test_each_unified_script_run_as_xsoar_runs_it_writes_the_entry_its_main_writes(archive, name):
    """XSOAR runs a script's unified code with a global ``demisto`` and ``__name__`` 'builtins': the code's last line
    calls main(), which reads that global. It writes one entry, the one main() writes given the same ``demisto``
    (as the tests and the war room run the scripts)."""
    args, context, incident = SCRIPT_RUNS[name]

    def refuse(command, call_args):
        raise AssertionError(f'{name} ran !{command}: its input here asks no command')

    as_xsoar, as_tests = (ScriptDemisto(args, context, incident, refuse) for _ in range(2))
    code = load(archive[f'Scripts/script-{name}.yml'])['script']
    exec(compile(code, name, 'exec'), {'__name__': 'builtins', 'demisto': as_xsoar, '__line__': lambda: 0,
                                       'register_module_line': lambda *a, **k: None})
    _load_script(name).main(as_tests)

    assert len(as_xsoar.entries) == 1 and as_xsoar.entries == as_tests.entries, as_xsoar.entries


def test_zip_is_sorted_with_fixed_dates(exported):
    with zipfile.ZipFile(exported[1]) as zipped:
        infos = zipped.infolist()
        assert zipped.testzip() is None
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {info.date_time for info in infos} == {facts.ZIP_EPOCH}


def test_export_of_an_unchanged_tree_is_byte_identical(exported, tmp_path):
    again = export.export_pack(tmp_path / 'again')
    first_files = {p.relative_to(exported[0]): p.read_bytes() for p in exported[0].rglob('*') if p.is_file()}
    second_files = {p.relative_to(again[0]): p.read_bytes() for p in again[0].rglob('*') if p.is_file()}
    assert first_files == second_files
    assert exported[1].read_bytes() == again[1].read_bytes()


def test_export_refuses_code_without_the_main_guard():
    with pytest.raises(export.ExportError, match='builtins'):
        export._check_main_guard('def main():\n    pass\n\nif __name__ == "__main__":\n    main()\n', Path('x.py'))
    with pytest.raises(export.ExportError):  # the guard must come last: code after it would not have run yet
        export._check_main_guard("if __name__ in ('__main__', '__builtin__', 'builtins'):\n    main()\n\n"
                                 "def main():\n    pass\n", Path('x.py'))
    export._check_main_guard((PROJECT_ROOT / 'restore_integration.py').read_text(), Path('restore_integration.py'))


def test_cli_export_calls_export_pack(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(export, 'export_pack',
                        lambda outdir: calls.append(outdir) or (outdir / PACK, outdir / f'{PACK}.zip'))
    assert cli_main(['export', str(tmp_path)]) == 0
    assert calls == [tmp_path]
    assert str(tmp_path / f'{PACK}.zip') in capsys.readouterr().out


def test_png_encoder_checks_the_buffer():
    assert png_facts(encode_png(2, 2, bytes(range(16)))) == {'width': 2, 'height': 2, 'channels': 4}
    assert png_facts(encode_png(2, 2, bytes(range(12)), channels=3))['channels'] == 3
    with pytest.raises(ValueError):
        encode_png(2, 2, bytes(15))


def test_every_param_section_is_in_sectionorder():
    """demisto-sdk (ST111/ST112) wants every section a param names listed in ``sectionorder``."""
    integration = load((PROJECT_ROOT / 'integration.yml').read_text())
    sections = {param.get('section') for param in integration['configuration']}
    assert None not in sections and sections <= set(integration['sectionorder'])


def test_the_fetch_settings_are_as_demisto_sdk_format_writes_them():
    """`demisto-sdk format` (the content repository's contribution flow runs it) appends isFetch and incidentType to
    a fetching integration unless it finds each one as it writes it: one with more (a help text) would be there twice,
    which validate refuses (IN114) and XSOAR's settings would show twice."""
    integration = load((PROJECT_ROOT / 'integration.yml').read_text())
    ignored = facts.FETCH_PARAM_KEYS_FORMAT_IGNORES
    as_format_compares = [{key: value for key, value in param.items() if key not in ignored}
                          for param in integration['configuration']]
    assert integration['script']['isfetch'] is True
    for param in facts.XSOAR_FETCH_PARAMS:
        assert as_format_compares.count(param) == 1, param['name']


def xsoar_validate_driver():
    """``warroom/xsoar_validate.py`` loaded as ``make xsoar-validate`` runs it: a script, not a warroom module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location('xsoar_validate', PROJECT_ROOT / 'warroom' / 'xsoar_validate.py')
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    return driver


def test_offline_validation_config_drops_only_network_checks(tmp_path):
    """The derivation ``make xsoar-validate`` applies to the SDK's packaged config, on a config of that shape."""
    driver = xsoar_validate_driver()
    validators = tmp_path / 'validators'
    (validators / 'SC_validators').mkdir(parents=True)
    (validators / 'SC_validators' / 'SC109_unique.py').write_text('error_code = "SC109"\nx = self.graph.search()\n')
    (validators / 'SC_validators' / 'SC100_name.py').write_text('error_code = "SC100"\n')
    config = {'ignorable_errors': ['SC100'],
              'path_based_validations': {'select': ['SC100', 'SC109', 'GR100', 'DO103', 'DO100'], 'warning': ['GR101']},
              'support_level': {'community': {'ignore': ['DS100']}}}
    excluded = driver.offline_exclusions(config, validators)
    assert set(excluded) == {'SC109', 'GR100', 'GR101', 'DO103', 'DO105', 'DO106'}
    derived = driver.derive_config(config, set(excluded))
    assert derived['path_based_validations'] == {'select': ['SC100', 'DO100'], 'warning': []}
    assert derived['support_level'] == config['support_level'] and derived['ignorable_errors'] == ['SC100']
    assert driver.tomllib.loads(driver.dump_toml(derived)) == derived


def test_what_demisto_sdk_format_may_change_is_the_form_only(tmp_path):
    """The last step of ``make xsoar-validate`` runs ``demisto-sdk format`` on the pack in the scratch repository:
    what it does to today's pack (a JSON file's empty keys and last newline left out, text's last newline) passes; a
    change of content (format writing isFetch a second time, a value rewritten, a file added) is named."""
    import subprocess

    driver = xsoar_validate_driver()
    repo = tmp_path / 'content'
    pack = repo / 'Packs' / 'P'
    pack.mkdir(parents=True)
    field = {'id': 'incident_x', 'script': '', 'columns': None, 'threshold': 72}
    (pack / 'field.json').write_text(json.dumps(field, indent=4) + '\n')
    (pack / 'type.json').write_text(json.dumps({'id': 't', 'days': 1, 'closureScript': 'Close'}, indent=4) + '\n')
    (pack / 'conf.json').write_text(json.dumps({'configuration': [{'name': 'isFetch', 'type': 8}]}) + '\n')
    (pack / 'description.md').write_text('Fill in the settings.  \n\n')
    subprocess.run(['git', 'init', '-q', str(repo)], check=True)
    driver.git(repo, 'add', '-A')
    driver.git(repo, '-c', 'user.name=t', '-c', 'user.email=t@localhost', '-c', 'commit.gpgsign=false',
               'commit', '-q', '-m', 'exported')
    (pack / 'field.json').write_text(json.dumps({'id': 'incident_x', 'threshold': 72}, indent=2))
    (pack / 'description.md').write_text('Fill in the settings.')
    driver.git(repo, 'add', '-A')
    assert driver.content_changes(repo, driver.git(repo, 'diff', '--cached', '--name-status')) == []

    (pack / 'type.json').write_text(json.dumps({'id': 't', 'days': 2, 'closureScript': ''}))
    (pack / 'conf.json').write_text(json.dumps({'configuration': [{'name': 'isFetch', 'type': 8}] * 2}))
    (pack / 'README.md').write_text('# P\n')
    driver.git(repo, 'add', '-A')
    assert driver.content_changes(repo, driver.git(repo, 'diff', '--cached', '--name-status')) == [
        'Packs/P/README.md: added', 'Packs/P/conf.json: configuration (1 items, 2 after format)',
        'Packs/P/type.json: closureScript, days']


def test_demisto_sdk_format_runs_without_the_network(tmp_path):
    """format looks up each file's published version on GitHub (a new pack has none) and starts markdownlint in
    Docker when it can: its proxy refuses at once, and its Docker socket is not there."""
    import socket

    driver = xsoar_validate_driver()
    with driver.offline_env({'PATH': '/bin', 'NO_PROXY': '*', 'no_proxy': '*', 'HTTPS_PROXY': 'http://x'},
                            tmp_path) as env:
        assert env['PATH'] == '/bin' and 'NO_PROXY' not in env and 'no_proxy' not in env
        assert env['HTTPS_PROXY'] == env['https_proxy'] == env['HTTP_PROXY'] == env['http_proxy']
        host, port = env['HTTPS_PROXY'].removeprefix('http://').split(':')
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host, int(port)), timeout=5)
        assert env['DOCKER_HOST'] == f'unix://{tmp_path / "no-docker.sock"}'
        assert not (tmp_path / 'no-docker.sock').exists()


@pytest.mark.parametrize('kind, text', [
    ('integration', 'name: X\nscript:\n  type: python\n  script: "def main():\\n    pass\\n"\n'),
    ('script', 'name: X\ntype: python\nscript: "return 1"\n'),
])
def test_a_yaml_that_holds_its_own_code_is_refused_for_the_py_beside_it(tmp_path, kind, text):
    # The content layout keeps the code in the .py beside the YAML: a script in the YAML would be exported twice over.
    path = tmp_path / 'X.yml'
    path.write_text(text, encoding='utf-8')
    with pytest.raises(export.ExportError, match=re.escape(f'{path}: the code belongs in the .py beside it')):
        export._split_yaml_text(path, kind)
    path.write_text(text.replace('"def main():\\n    pass\\n"', "'-'").replace('"return 1"', "''"), encoding='utf-8')
    assert export._split_yaml_text(path, kind) == path.read_text(encoding='utf-8')
