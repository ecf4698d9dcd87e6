"""The README's captured command examples, checked against what the seeds say they must show.

`python -m warroom docs` writes the examples from real runs on the emulated tenants, and test_contract checks
the README is not stale: both only say the README is what the code printed. Here the printed text and context
are held to independent expectations: the endpoints and hosts that hold the file in test_data/xdr/tenant.json
and test_data/hss/tenant.json, the failure the XDR seed scripts, and the rules integration.yml states.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

import facts
from conftest import ROOT, TEST_DATA, hss_seed_copies, load_json, markdown_rows, seed_failing_endpoints, seed_holders
import restore_integration as ri
from warroom.line import parse_line

README = (ROOT / 'README.md').read_text(encoding='utf-8')
REFERENCE = README.split('<!-- command reference:', 1)[1].split('<!-- end of command reference -->', 1)[0]


def section(command: str) -> str:
    return REFERENCE.split(f'\n### {command}\n', 1)[1].split('\n### ', 1)[0]


def part(text: str, title: str) -> str:
    return text.split(f'#### {title}\n', 1)[1].split('\n#### ', 1)[0]


def example(command: str):
    """(the war-room line, what it printed as markdown, the context it wrote) for one command's example."""
    text = section(command)
    [line] = re.findall(r'```\n(!.*)\n```', part(text, 'Command example'))
    printed = '\n'.join(row[1:] for row in part(text, 'Human Readable Output').splitlines() if row.startswith('>'))
    [context] = re.findall(r'```json\n(.*?)\n```', part(text, 'Context Example'), re.DOTALL)
    return parse_line(line), printed, json.loads(context)


def test_the_examples_are_the_lines_of_test_data_command_examples_in_order():
    lines = [line for line in (TEST_DATA / 'command_examples').read_text().splitlines() if line.strip()]
    shown = re.findall(r'#### Command example\n\n```\n(!.*)\n```', REFERENCE)
    assert shown == lines and len(lines) == 2


def test_restore_file_example_shows_every_seed_endpoint_holding_the_hash_with_the_seed_s_outcome():
    line, printed, context = example('restore-file')
    file_hash, holders, failing = line.args['file_hash'], seed_holders(), seed_failing_endpoints()
    assert line.command == 'restore-file' and file_hash in holders and 'endpoint_id' not in line.args
    # The seed's partial-failure case: some holders restore, one fails (test_data/xdr/README.md).
    assert 0 < sum(e in failing for e in holders[file_hash]) < len(holders[file_hash])

    record = context['CortexXDR']['RestoredFile']  # one record: XSOAR stores a list of one as the object
    expected = {endpoint: failing.get(endpoint, {'status': facts.XDR_SUCCESS_STATUS})
                for endpoint in holders[file_hash]}
    assert record['file_hash'] == file_hash and record['incident_id'] == int(line.args['incident_id'])
    assert record['endpoint_id'] == ''  # integration.yml: empty when it ran on every endpoint holding the file
    assert {e['endpoint_id']: {k: v for k, v in e.items() if k != 'endpoint_id'} for e in record['endpoints']} == {
        endpoint: {k: v for k, v in seed.items() if k in ('status', 'error_description')}
        for endpoint, seed in expected.items()}
    statuses = [seed['status'] for seed in expected.values()]
    restored = statuses.count(facts.XDR_SUCCESS_STATUS)
    assert record['endpoints_count'] == len(statuses)
    assert (record['restored_count'], record['failed_count']) == (restored, len(statuses) - restored)
    assert record['status'] == facts.xdr_outcome(statuses) == 'COMPLETED_WITH_FAILURES'

    title = printed.splitlines()[0]
    assert title.startswith('### ') and file_hash in title and record['status'] in title
    assert f'{restored} restored, {len(statuses) - restored} failed' in title
    assert f'action {record["action_id"]}' in title
    rows = markdown_rows(printed)
    assert sorted(row['endpoint_id'] for row in rows) == sorted(holders[file_hash])
    for row in rows:
        seed = expected[row['endpoint_id']]
        assert row['status'] == seed['status'] and row['error_description'] == seed.get('error_description', '')


def test_hss_example_restores_every_isolated_seed_copy_of_the_hash_and_nothing_else():
    line, printed, context = example('hss-restore-isolated')
    file_hash = line.args['file_hash']
    copies = hss_seed_copies()[file_hash]  # the copies isolated now; the seed also holds one already restored
    restored_already = [(host['host_id'], item['file_path'])
                        for host in load_json(TEST_DATA / 'hss' / 'tenant.json')['hosts']
                        for item in host.get('isolated_files') or ()
                        if item['file_hash'] == file_hash and item.get('isolation_status') == 'restored']
    assert line.command == 'hss-restore-isolated' and set(line.args) == {'file_hash'} and restored_already

    rows = context['HuaweiHSS']['RestoredFile']
    expected = sorted((c['host_id'], c['host_name'], c['file_path']) for c in copies)
    assert sorted((r['host_id'], r['host_name'], r['file_path']) for r in rows) == expected
    # polled to the end (integration.yml: polling defaults to true): HSS lists every copy restored
    assert all(r['file_hash'] == file_hash and r['outcome'] == 'restored' and not r.get('reason') for r in rows)
    assert not {(r['host_id'], r['file_path']) for r in rows} & set(restored_already)

    title = printed.splitlines()[0]
    assert title.startswith('### ') and f'{len(copies)} restored, 0 restoring, 0 failed, 0 not found' in title
    shown = markdown_rows(printed)
    assert sorted((r['host_id'], r['host_name'], r['file_path'], r['file_hash'], r['outcome'])
                  for r in shown) == sorted((*c, file_hash, 'restored') for c in expected)
    assert all('reason' not in r for r in shown), printed  # no copy has one: no column of blanks


@pytest.mark.parametrize('command, path', [('restore-file', facts.XDR_CONTEXT_PATH),
                                           ('hss-restore-isolated', facts.HSS_CONTEXT_PATH)])
def test_each_example_context_holds_only_outputs_integration_yml_declares(command, path):
    spec = yaml.safe_load((ROOT / 'integration.yml').read_text(encoding='utf-8'))
    [declared] = [c for c in spec['script']['commands'] if c['name'] == command]
    outputs = {o['contextPath'] for o in declared['outputs']}
    _, _, context = example(command)
    vendor, key = path.split('.')
    assert set(context) == {vendor} and set(context[vendor]) == {key}
    for record in context[vendor][key] if isinstance(context[vendor][key], list) else [context[vendor][key]]:
        for name, value in record.items():
            if isinstance(value, list):  # endpoints: each of its fields is declared
                assert value and all(set(f'{path}.{name}.{field}' for field in item) <= outputs for item in value)
            else:
                assert f'{path}.{name}' in outputs, name


def test_coming_from_cortexxdrir_maps_each_path_xdr_file_restore_wrote_to_one_restore_file_declares():
    """A playbook moving from xdr-file-restore finds, for every context path CortexXDRIR wrote, the path restore-file
    writes instead: a CortexXDR.RestoredFile path integration.yml declares, or where the value is kept."""
    text = README.split('\n## Coming from CortexXDRIR', 1)[1].split('\n## ', 1)[0]
    spec = yaml.safe_load((ROOT / 'integration.yml').read_text(encoding='utf-8'))
    [declared] = [c for c in spec['script']['commands'] if c['name'] == 'restore-file']
    outputs = {o['contextPath'] for o in declared['outputs']}
    rows = {theirs.split('`')[1]: ours for theirs, ours in map(dict.values, markdown_rows(text))
            if theirs.startswith('`')}  # the last row: what CortexXDRIR wrote nothing for
    assert set(rows) == set(facts.CORTEXXDRIR_RESTORE_OUTPUTS)
    for theirs, ours in rows.items():
        named = set(re.findall(r'`(CortexXDR\.[\w.]+)`', ours))
        assert named <= outputs, (theirs, named - outputs)
        assert named or 'extend-context=' in ours, theirs


def coming_from_huawei_table(first_header: str) -> list[dict]:
    """The rows of the table of README's 'Coming from Huawei Cloud' whose first header cell starts so."""
    text = README.split('\n## Coming from Huawei Cloud', 1)[1].split('\n## ', 1)[0]
    return markdown_rows(text[text.index(f'| {first_header}'):])


def hss_command_declares() -> tuple[set, set]:
    """(the arguments, the context paths) integration.yml declares for hss-restore-isolated."""
    spec = yaml.safe_load((ROOT / 'integration.yml').read_text(encoding='utf-8'))
    [declared] = [c for c in spec['script']['commands'] if c['name'] == 'hss-restore-isolated']
    return {a['name'] for a in declared['arguments']}, {o['contextPath'] for o in declared['outputs']}


def test_coming_from_huawei_maps_each_sdk_field_of_an_isolated_file_to_a_declared_path_or_says_it_is_not_kept():
    """A Huawei SDK user looking for a field of ListIsolatedFile's IsolatedFileResponseInfo finds the
    HuaweiHSS.RestoredFile path that holds it (one integration.yml declares), or that the context does not keep it."""
    _, outputs = hss_command_declares()
    rows = coming_from_huawei_table('`IsolatedFileResponseInfo`')
    fields = [field for row in rows for field in re.findall(r'`(\w+)`', list(row.values())[0])]
    assert sorted(fields) == sorted(facts.HSS_ISOLATED_FILE_FIELDS)
    for row in rows:
        theirs, ours = row.values()
        named = set(re.findall(r'`(HuaweiHSS\.[\w.]+)`', ours))
        assert named <= outputs, (theirs, named - outputs)
        assert named or ours.startswith('not in context'), theirs


def test_coming_from_huawei_gives_the_outcome_of_each_isolation_status_hss_lists_and_only_declared_outcomes():
    """HSS's isolation_status and the rows' outcome share words (restoring, restored) but not their meaning: the
    section gives, for each status Huawei's SDK names, the outcome a row then holds, among those integration.yml
    declares; a copy still isolated is restoring while checks follow, failed at the last."""
    rows = coming_from_huawei_table('HSS lists')
    statuses = {status for row in rows for status in re.findall(r'`(\w+)`', list(row.values())[0])}
    assert set(facts.HSS_ISOLATION_STATUSES) <= statuses
    for row in rows:
        theirs, ours = row.values()
        outcomes = set(re.findall(r'`(\w+)`', ours))
        assert outcomes and outcomes <= set(facts.HSS_OUTCOMES), (theirs, outcomes)
    [isolated] = [ours for theirs, ours in map(dict.values, rows) if theirs.startswith('`isolated`, untouched')]
    assert re.search(r'`restoring`.*`failed`', isolated), isolated


def test_coming_from_huawei_maps_each_field_of_a_restore_item_to_the_argument_of_the_same_name():
    """ChangeIsolatedFile's data_list items (the seed's IsolatedFileRequestInfo) map to hss-restore-isolated's
    arguments, which keep the API's names."""
    arguments, _ = hss_command_declares()
    rows = coming_from_huawei_table('`IsolatedFileRequestInfo`')
    mapped = {re.findall(r'`data_list\[\]\.(\w+)`', theirs)[0]: re.findall(r'`(\w+)`', ours)[0]
              for theirs, ours in map(dict.values, rows) if theirs.startswith('`data_list[].')}
    assert mapped == {field: field for field in facts.HSS_RESTORE_ITEM_FIELDS}
    assert set(mapped.values()) <= arguments


# What demisto-sdk generate-docs writes for a command (demisto_sdk/commands/generate_docs/generate_integration_doc.py:
# generate_single_command_section puts a *** rule between the heading and the description, generate_command_example
# the context before the human readable output), so that the integration's README reads as every other in content.
SDK_COMMAND_HEADINGS = ['Base Command', 'Input', 'Context Output', 'Command example', 'Context Example',
                        'Human Readable Output']


@pytest.mark.parametrize('command', ['restore-file', 'hss-restore-isolated'])
def test_each_command_section_is_laid_out_as_demisto_sdk_generate_docs_lays_it_out(command):
    text = section(command)

    assert text.lstrip('\n').startswith('***\n'), text[:80]
    assert re.findall(r'^#### (.+)$', text, re.MULTILINE) == SDK_COMMAND_HEADINGS


SETTINGS = README.split('<!-- instance settings:', 1)[1].split('<!-- end of instance settings -->', 1)[0]


def test_instance_settings_table_names_every_field_the_instance_dialog_shows():
    """A credentials setting (type 9) is two fields in XSOAR's instance dialog: the user name (display; none with
    hiddenusername) and the password (displaypassword). A reader looking for where the IAM password or the secret
    access key goes must find that field's label in the row of the setting it belongs to."""
    spec = yaml.safe_load((ROOT / 'integration.yml').read_text(encoding='utf-8'))
    rows = {}
    for line in SETTINGS.splitlines():
        found = re.match(r'\| (.*?) \(`(\w+)`\) \|', line)
        if found:
            rows[found.group(2)] = found.group(1)
    for param in spec['configuration']:
        shown = [param.get('display')] if not param.get('hiddenusername') else []
        if param['type'] == 9:
            shown.append(param.get('displaypassword'))
        for label in filter(None, shown):
            assert label in rows[param['name']], (param['name'], label)


VENDOR_SETTINGS = README.split('<!-- vendor settings:', 1)[1].split('<!-- end of vendor settings -->', 1)[0]
# A well-formed value of each setting the vendor table may name: what an admin types, as the dialog hands it.
SAMPLE_VALUES = {'xdr_url': 'https://api-tenant.xdr.us.paloaltonetworks.com', 'xdr_api_key_id': '7',
                 'hss_region': 'ap-southeast-1', 'hss_project_id': '0123456789abcdef', 'hss_domain': 'acme'}


def vendor_table() -> list[tuple[str, list[str], str]]:
    """(vendor, the settings the row says to fill in, its hss_auth_type or '') of each row of the install text's
    table; the names after a ';' are said to keep their default, not to be filled in."""
    rows = []
    for row in markdown_rows(VENDOR_SETTINGS):
        vendor, settings = row['vendor (`hss_auth_type`)'], row['settings to fill in']
        auth = re.findall(r'`(\w+)`', vendor)
        rows.append((vendor, re.findall(r'`(\w+)`', settings.split(';', 1)[0]), auth[0] if auth else ''))
    return rows


def sample_params(names: list[str], auth: str) -> dict:
    spec = {param['name']: param for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']}
    params = {name: ({'identifier': 'user', 'password': 's' * 40} if spec[name]['type'] == 9 else SAMPLE_VALUES[name])
              for name in names}
    return {**params, 'hss_auth_type': auth} if auth else params


@pytest.mark.parametrize('vendor, names, auth', vendor_table())
def test_the_vendor_settings_table_names_what_each_vendor_needs_and_nothing_more(vendor, names, auth):
    """The install text's table says which settings each vendor (and HSS authentication) needs: those alone are read
    as a configured vendor, and with any one of them left empty the instance says that vendor is not configured."""
    spec = yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']
    assert set(names) <= {param['name'] for param in spec}, vendor
    if auth:
        [auth_type] = [param for param in spec if param['name'] == 'hss_auth_type']
        assert auth in auth_type['options'], vendor
    read = ri.read_hss_settings if auth else ri.read_xdr_settings
    read(sample_params(names, auth))
    for left_out in names:
        with pytest.raises(ri.RestoreError, match='not configured|needs'):
            read(sample_params([name for name in names if name != left_out], auth))


def test_make_export_writes_the_pack_where_out_says_and_asks_for_out_when_it_is_missing():
    """`make export OUT=dir` is the install text's first step: it runs the export into OUT (after building .venv, as
    every target does), and without OUT stops before building anything, saying how to name it. make -n: nothing runs."""
    assert '`make export OUT=OUTDIR`' in README
    make = [shutil.which('make') or 'make', '-n', '--no-print-directory', 'export']
    # As typed at a shell: under `make test` the parent make's MAKEFLAGS and MAKELEVEL would reach this make too
    shell = {name: value for name, value in os.environ.items() if name not in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL')}
    named = subprocess.run([*make, 'OUT=some dir'], cwd=ROOT, capture_output=True, text=True, check=True, env=shell)
    assert named.stdout.splitlines()[-1] == '.venv/bin/python -m warroom export "some dir"'
    unnamed = subprocess.run(make, cwd=ROOT, capture_output=True, text=True, env=shell)
    assert unnamed.returncode != 0 and 'make export OUT=dir' in unnamed.stderr and not unnamed.stdout


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation but - and _ dropped, each blank a -."""
    return re.sub(r'[^\w\- ]', '', heading.strip().lower()).replace(' ', '-')


def test_the_contents_link_every_top_heading_in_order():
    """The list under "Contents:" links each ## heading, in the README's order, by the anchor GitHub gives it (an
    inline link, or a reference defined under the list)."""
    contents = README.split('\nContents:\n', 1)[1].split('\n## ', 1)[0]
    references = dict(re.findall(r'(?m)^\[([\w-]+)\]: (#\S+)$', contents))
    targets = [inline or references[label]
               for inline, label in re.findall(r'(?m)^- \[[^\]]+\](?:\((#[^)]+)\)|\[([\w-]+)\])$', contents)]
    assert targets == [f'#{github_anchor(heading)}' for heading in re.findall(r'(?m)^## (.+)$', README)]


def test_the_opening_says_which_python_make_needs_and_how_to_pick_it():
    """`make test` fails on any Python but the minor version of XSOAR's docker image
    (tests/test_docker_image_packages.py), and the Makefile looks for that version (IMAGE_PYTHON) unless PYTHON names
    one: the first lines a newcomer runs must say so, not that nothing else needs installing."""
    image = load_json(TEST_DATA / 'xsoar' / 'docker_image_packages.json')
    minor = image['python'].rsplit('.', 1)[0]
    opening = README.split('\n## ', 1)[0]
    assert f"Python {minor}" in opening
    assert re.findall(r'^IMAGE_PYTHON := (\S+)$', (ROOT / 'Makefile').read_text(), re.MULTILINE) == [minor]
    assert 'PYTHON=' in opening


def test_the_playbooks_table_names_the_reputation_check_of_every_playbook_that_runs_it():
    """The table under "Playbooks" is what a reader picks a playbook by: each row of a playbook whose tasks run the
    reputation gate before its restore says so, as the playbook's YAML does."""
    table = README.split('\n## Playbooks', 1)[1].split('\n\n', 2)[1]
    rows = {m.group(1): m.group(2) for m in re.finditer(r'^\| `([^`]+)` \| (.*) \|$', table, re.MULTILINE)}
    gated = set()
    for path in (ROOT / 'playbooks').glob('playbook-*.yml'):
        playbook = yaml.safe_load(path.read_text(encoding='utf-8'))
        assert playbook['name'] in rows, playbook['name']
        if any(t['task'].get('scriptName') == 'QuarantineRestoreReputationGate' for t in playbook['tasks'].values()):
            gated.add(playbook['name'])
    assert gated and {name for name, text in rows.items() if 'reputation check' in text} == gated


def test_the_layout_names_every_module_and_folder_of_the_war_room():
    """README's Layout is the map a newcomer reads first: each module and folder directly under warroom/ (but the
    package's own __init__ and __main__) is named there, by its name as the tree spells it (a folder with its slash),
    as an entry of warroom/'s list: not a word in an entry's parentheses, which name what lies deeper."""
    layout = README.split('\n## Layout\n', 1)[1].split('```', 2)[1]
    warroom_part = ' '.join(layout.split('\nwarroom/', 1)[1].split()).split(':', 1)[1]
    while re.search(r'\([^()]*\)', warroom_part):
        warroom_part = re.sub(r'\([^()]*\)', '', warroom_part)
    named = {entry.split()[0] for entry in re.split(r',| and ', warroom_part) if entry.strip()}
    present = {path.name + '/' if path.is_dir() else path.stem for path in (ROOT / 'warroom').iterdir()
               if (path.suffix == '.py' or path.is_dir()) and not path.name.startswith('__')}
    assert present and present <= named, sorted(present - named)
