"""The instance settings are read once per run, by one reader, and only what the command needs: a vendor half set
up, or a fetch setting gone wrong, stops the commands that use it and no other (over HTTP to the emulators)."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, strategies as st

import facts
import restore_integration as ri
from conftest import HSS_ANSWER, HSS_SEED, ROOT, XDR_SEED, load_json, start_tenant
from warroom.emulator.faults import FaultPlan
from warroom import runtime
from warroom.context import as_list, get_path
from warroom.runtime import WarRoom
from warroom.spec import load_spec

QUARANTINED = next(item['file_hash'] for endpoint in load_json(XDR_SEED)['endpoints']
                   for item in endpoint.get('quarantined') or [])
HSS_HALF_SET_UP = {'hss_project_id': 'a1b2c3'}  # no region, endpoint or credentials
BAD_FETCH = {'isFetch': True, 'first_fetch': '3 fortnights'}


@pytest.fixture
def xdr():
    tenant = start_tenant()
    yield tenant
    tenant.server.stop()


def run(params: dict, command: str, args: dict | None = None):
    return WarRoom(params=params, time_scale=0, sleep=lambda _: None).run(command, args or {})


def run_as_never_handed(params: dict, command: str, args: dict) -> list[dict]:
    """The entries of ``main()`` run on ``params`` as given, past the war room's params check: for a setting of a kind
    XSOAR's instance dialog never saves (which the war room refuses), to test that the integration copes anyway."""
    demisto = runtime.Demisto(params, command, args, {}, [])
    ri.main(demisto)
    return demisto.entries


def test_a_vendor_half_set_up_stops_test_module_but_not_the_other_vendors_command(xdr):
    params = dict(xdr.params(), **HSS_HALF_SET_UP)

    restored = run(params, 'restore-file', {'file_hash': QUARANTINED, 'polling': 'false'})
    tested = run(params, 'test-module')

    assert not restored.failed, restored.entries[-1]['Contents']
    assert tested.failed and all(name in tested.entries[-1]['Contents'] for name in ('hss_region', 'hss_endpoint'))


# fetch-incidents reads HSS events alone (README): Cortex XDR half set up (a key ID, no URL or key) fails Test, which
# checks every vendor in use, but fetching goes on, as HSS's commands do.
def test_cortex_xdr_half_set_up_stops_test_module_but_not_the_fetch_of_hss_events(hss_tenant):
    params = hss_tenant.params(isFetch=True, xdr_api_key_id='17')

    tested = run(params, 'test-module')
    incidents, last_run = WarRoom(params=params, time_scale=0, sleep=lambda _: None).fetch({})

    assert tested.failed and 'xdr_url' in tested.entries[-1]['Contents'], tested.entries[-1]['Contents']
    assert last_run and hss_tenant.requests_to('GET', '/event/events'), last_run


# README, test-module: with *Fetch incidents* on it lists the last hour of HSS events (the permission fetch-incidents
# needs), Cortex XDR set up beside HSS or not.
def test_with_both_vendors_set_up_and_fetching_on_the_instance_test_lists_hss_events_too(xdr, hss_tenant):
    tested = run({**xdr.params(), **hss_tenant.params(isFetch=True)}, 'test-module')

    assert [entry['Contents'] for entry in tested.entries] == ['ok']
    assert len(hss_tenant.requests_to('GET', '/event/events')) == 1 and xdr.gateway.requests


# An admin who fills in every setting of a vendor but one, the project ID (the field most often left for later) or the
# URL, and tests the instance with the other vendor set up: Test must fail naming it, not pass and leave the vendor's
# commands to fail in a playbook.
@pytest.mark.parametrize('left_out', ['hss_project_id', 'xdr_url'])
def test_a_vendor_set_up_but_for_its_project_id_or_url_fails_test_module_naming_it(xdr, hss_tenant, left_out):
    params = {**xdr.params(), **hss_tenant.params()}
    del params[left_out]

    tested = run(params, 'test-module')

    assert tested.failed and left_out in tested.entries[-1]['Contents'], tested.entries[-1]['Contents']


def settings_without_a_default(prefix: str) -> list[tuple[str, str | None]]:
    """integration.yml's settings of one vendor (by name) that have no default, a credentials setting by each part
    the dialog shows (the user name unless hidden)."""
    return [(param['name'], part) for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']
            if param['name'].startswith(prefix) and param.get('defaultvalue') is None
            for part in ((None,) if param['type'] != 9 else ('password',) if param.get('hiddenusername') else
                         ('identifier', 'password'))]


# README, test-module: it "checks each vendor any of whose own settings is set (one set up but for its URL or project ID
# fails, naming what is missing)": any one setting of a vendor (a credentials setting's user name or secret alone),
# given as a working instance has it, puts that vendor in the Test, which fails naming it while the other vendor works.
@pytest.mark.parametrize(('name', 'part'), settings_without_a_default('hss_') + settings_without_a_default('xdr_'))
def test_any_one_setting_of_a_vendor_puts_it_in_the_instance_test(xdr, hss_tenant, name, part):
    vendor, working, other = ('Huawei Cloud HSS', hss_tenant.params('token'), xdr.params()) if name.startswith(
        'hss_') else ('Cortex XDR', xdr.params(), hss_tenant.params())
    value = working[name] if part is None else {'identifier': '', 'password': '', part: working[name][part]}

    tested = run({**other, name: value}, 'test-module')

    assert tested.failed and vendor in tested.entries[-1]['Contents'], tested.entries[-1]['Contents']



# The same stray blanks in every setting of a vendor the admin does not use (each part of a credentials setting too)
# leave that vendor out of Test, which passes on the other vendor: blanks are no setting that puts a vendor in use.
@pytest.mark.parametrize('blanks', [' ', ' \t ', '\u00a0'])
@pytest.mark.parametrize('prefix', ['xdr_', 'hss_'])
def test_a_vendor_whose_settings_hold_blanks_only_stays_out_of_the_instance_test(xdr, hss_tenant, blanks, prefix):
    other = hss_tenant.params('token') if prefix == 'xdr_' else xdr.params()
    blanked = {name: blanks if part is None else {'identifier': blanks, 'password': blanks}
               for name, part in settings_without_a_default(prefix)}

    tested = run({**other, **blanked}, 'test-module')

    assert [entry['Contents'] for entry in tested.entries] == ['ok']


# A field the admin sees as empty may hold an invisible character pasted into it, alone or among blanks: a zero-width
# space, a byte-order mark, a word joiner (Unicode's format characters, Cf, which str.strip() keeps). Such a field reads
# as the empty field it looks like, as blanks do: it pulls no vendor into Test, whose error could name no field to fix.
INVISIBLE = ['\u200b', '\ufeff', ' \u2060\u200b ', '\u200b \u200b']


@pytest.mark.parametrize('invisible', INVISIBLE)
@pytest.mark.parametrize('prefix', ['xdr_', 'hss_'])
def test_a_vendor_whose_settings_hold_invisible_characters_only_stays_out_of_the_instance_test(xdr, hss_tenant,
                                                                                              invisible, prefix):
    other = hss_tenant.params('token') if prefix == 'xdr_' else xdr.params()
    unseen = {name: invisible if part is None else {'identifier': invisible, 'password': invisible}
              for name, part in settings_without_a_default(prefix)}

    tested = run({**other, **unseen}, 'test-module')

    assert [entry['Contents'] for entry in tested.entries] == ['ok']


# The vendor set up but for its URL, whose field holds a zero-width space alone: Test names the URL as the one to set.
def test_a_url_field_holding_an_invisible_character_alone_fails_test_naming_it_as_not_set(xdr):
    tested = run(xdr.params(xdr_url='\u200b'), 'test-module')

    shown = tested.entries[-1]['Contents']
    assert tested.failed and 'not configured' in shown and DIALOG_LABELS['xdr_url'] in shown, shown
    assert xdr.gateway.requests == []


# A value pasted into the dialog may bring an invisible character along: a zero-width space after an API key copied
# from a web page, a byte-order mark before a URL. The dialog shows none, so those at either end of a value, among
# blanks or not, are dropped as blanks are, and the instance works as set up.
ISOLATED = next(item['file_hash'] for host in load_json(HSS_SEED)['hosts'] for item in host.get('isolated_files') or [])
UNSEEN_ENDS = [('\ufeff', '\u200b'), ('\u200b \u200b', ''), (' \u200e', '\u200b \u2060')]


def with_ends(params: dict, before: str, after: str) -> dict:
    """``params`` with every text value, and every part of a credentials setting that is set, between the two."""
    def wrapped(value):
        return before + value + after if isinstance(value, str) and value else value
    return {name: {part: wrapped(text) for part, text in value.items()} if isinstance(value, dict) else wrapped(value)
            for name, value in params.items()}


@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
@pytest.mark.parametrize('before, after', UNSEEN_ENDS)
def test_invisible_characters_at_the_ends_of_every_text_and_credentials_setting_are_dropped_and_the_instance_works(
        xdr_tenant, hss_tenant, auth_type, before, after):
    params = with_ends({**xdr_tenant.params(), **hss_tenant.params(auth_type)}, before, after)
    assert params['xdr_url'] == before + xdr_tenant.url + after  # the wrapping reached the settings

    tested = run(params, 'test-module')
    restored = run(params, 'restore-file', {'file_hash': QUARANTINED, 'polling': 'false'})
    isolated = run(params, 'hss-restore-isolated', {'file_hash': ISOLATED, 'polling': 'false'})

    assert [entry['Contents'] for entry in tested.entries] == ['ok']
    assert not restored.failed, restored.entries[-1]['Contents']
    assert not isolated.failed and hss_tenant.requests_to('PUT', '/event/isolated-file'), isolated.entries[-1]


# One between visible characters was typed or pasted into the value itself, where no one can see it: sent, the vendor
# would refuse the credentials with no word of why. It is refused before any request, by the setting's dialog label,
# the character's code point and its position (counted from the value's first visible character), with what to do; a
# secret is never quoted, nor any piece of it.
INSIDE = [('xdr_url', None, '\u200b'), ('xdr_api_key_id', None, '\ufeff'), ('xdr_api_key', 'password', '\u200b'),
          ('hss_endpoint', None, '\u2060'), ('hss_project_id', None, '\u200b'), ('hss_aksk', 'identifier', '\u200e'),
          ('hss_aksk', 'password', '\u200b'), ('hss_domain', None, '\u200b'),
          ('hss_credentials', 'identifier', '\ufeff'), ('hss_credentials', 'password', '\u200b')]


@pytest.mark.parametrize('name, part, invisible', INSIDE)
def test_an_invisible_character_inside_a_setting_is_refused_before_any_request_naming_it_and_where_it_is(
        xdr, hss_tenant, name, part, invisible):
    vendor = xdr if name.startswith('xdr_') else hss_tenant
    params = xdr.params() if vendor is xdr else hss_tenant.params('token' if name in (
        'hss_domain', 'hss_credentials') else 'aksk')
    typed = params[name] if part is None else params[name][part]
    typed = typed if isinstance(typed, str) else str(typed)
    cut = len(typed) // 2
    pasted = typed[:cut] + invisible + typed[cut:]
    params[name] = pasted if part is None else {**params[name], part: pasted}
    command, args = (('restore-file', {'file_hash': QUARANTINED, 'polling': 'false'}) if vendor is xdr else
                     ('hss-restore-isolated', HSS_ARGS))

    for result in (run(params, 'test-module'), run(params, command, args)):
        entry = result.entries[-1]
        shown = entry['Contents']
        assert result.failed, shown
        assert DIALOG_LABELS[name if part != 'password' else f'{name} password'] in shown, shown
        assert f'U+{ord(invisible):04X}' in shown and f'position {cut + 1}' in shown and 'again' in shown, shown
        if part == 'password':
            seen = json.dumps(entry, ensure_ascii=False) + json.dumps(entry)
            assert typed[:cut] not in seen and typed[cut:] not in seen, shown
    assert vendor.gateway.requests == []


# Both vendors set up, each refusing its credentials (the seeds' 401 for a key, the gateway's for a signature): one Test
# names both, each with the settings to check, so that the admin does not fix one, test again, and only then meet the
# other.
def test_both_vendors_refusing_their_credentials_fail_one_test_naming_each_vendor_and_its_settings(xdr, hss_tenant):
    params = {**xdr.params(xdr_api_key_id='999'), **hss_tenant.params()}
    params['hss_aksk'] = {**params['hss_aksk'], 'password': 'a wrong secret, long enough'}

    tested = run(params, 'test-module')

    shown = tested.entries[-1]['Contents']
    assert tested.failed
    for vendor, setting in (('Cortex XDR', 'xdr_api_key_id'), ('Huawei Cloud HSS', 'hss_aksk')):
        assert f'{vendor} answered HTTP 401' in shown and DIALOG_LABELS[setting] in shown, (vendor, shown)



# What the admin reads after such a Test: each vendor's failure on a line of its own, the vendors in the order of the
# instance dialog's sections (integration.yml's), each line holding the settings of that vendor to check.
@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_both_vendors_failing_test_are_reported_a_line_each_in_the_order_of_the_dialog_s_sections(xdr, hss_tenant,
                                                                                                 auth_type):
    params = {**xdr.params(xdr_api_key_id='999'), **hss_tenant.params(auth_type)}
    secret = 'hss_aksk' if auth_type == 'aksk' else 'hss_credentials'
    params[secret] = {**params[secret], 'password': 'a wrong secret, long enough'}
    labels = {'Cortex XDR': DIALOG_LABELS['xdr_api_key_id'], 'Huawei Cloud': DIALOG_LABELS[secret]}
    in_form_order = sorted(labels, key=lambda vendor: FORM_ORDER.index(
        next(name for name in FORM_ORDER if name.startswith('xdr_' if vendor == 'Cortex XDR' else 'hss_'))))

    tested = run(params, 'test-module')

    assert tested.failed
    reported = tested.entries[-1]['Contents'].split('\nError: ', 1)[1].split('\n')
    assert [next((vendor for vendor in labels if line.startswith(vendor)), line) for line in reported] == in_form_order
    for vendor, line in zip(in_form_order, reported):
        assert labels[vendor] in line and all(other not in line for other in labels.values() if other != labels[vendor])

def test_a_fetch_setting_gone_wrong_stops_test_module_only_while_fetching_is_on(xdr):
    restored = run(dict(xdr.params(), **BAD_FETCH), 'restore-file', {'file_hash': QUARANTINED, 'polling': 'false'})
    tested = run(dict(xdr.params(), **BAD_FETCH), 'test-module')
    not_fetching = run(dict(xdr.params(), **dict(BAD_FETCH, isFetch=False)), 'test-module')

    assert not restored.failed
    assert tested.failed and 'first_fetch' in tested.entries[-1]['Contents']
    assert not not_fetching.failed and not_fetching.entries[-1]['Contents'] == 'ok'


# XSIAM developer guide, "Integration metadata YAML file": sectionorder organizes "collection and connection related
# parameters in separate sections". A setting of the Collect section is one fetching alone reads: both commands run
# with it set wrong (a checkbox holds no wrong value, so none is tried).
COLLECT_SETTINGS = [param for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']
                    if param.get('section') == 'Collect' and param['type'] != 8]


@pytest.mark.parametrize('param', COLLECT_SETTINGS, ids=lambda param: param['name'])
def test_a_setting_of_the_collect_section_set_wrong_stops_neither_command(xdr, hss_tenant, param):
    wrong = ['not a setting value'] if param['type'] == 16 else 'not a setting value'
    params = {**xdr.params(), **hss_tenant.params(), param['name']: wrong}

    restored = run(params, 'restore-file', {'file_hash': QUARANTINED, 'polling': 'false'})
    isolated = run(params, 'hss-restore-isolated', {'file_hash': 'a' * 64, 'polling': 'false'})

    assert not restored.failed, restored.entries[-1]['Contents']
    assert not isolated.failed, isolated.entries[-1]['Contents']


def test_the_reader_reads_the_vendors_asked_for_and_names_the_ones_in_use(xdr):
    params = dict(xdr.params(), **HSS_HALF_SET_UP)

    settings = ri.read_instance_settings(params, ['xdr'])

    assert settings.in_use == ('xdr', 'hss') and settings.hss is None and settings.fetch is None
    assert settings.xdr.url == xdr.url and settings.xdr.key == xdr.key
    with pytest.raises(ri.RestoreError, match=r'hss_region\).* or .*\(hss_endpoint'):
        ri.read_instance_settings(params)  # every vendor in use


def functions_taking_params(code: str) -> dict[str, str]:
    """Each top-level function with a ``params`` parameter, with the section it stands in."""
    found, section = {}, None
    for node in ast.parse(code).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            section = node.value.value.strip()
        elif isinstance(node, ast.FunctionDef) and 'params' in [a.arg for a in node.args.args]:
            found[node.name] = section
    return found


def test_only_the_settings_section_reads_the_instance_params():
    """main() hands the params to settings_for (which says what a command reads) and to the scrubber's list of
    secrets; every reading of a setting is in SETTINGS."""
    found = functions_taking_params(Path(ri.__file__).read_text())

    assert 'read_instance_settings' in found, 'found no reader: the scan is broken'
    assert {name for name, section in found.items() if section != 'SETTINGS'} == {'settings_for'}


def test_the_params_scan_finds_a_reader_outside_settings():
    code = "''' SETTINGS '''\n\ndef a(params):\n    pass\n\n''' MAIN '''\n\ndef b(x, params):\n    pass\n"
    assert functions_taking_params(code) == {'a': 'SETTINGS', 'b': 'MAIN'}


class ReadsNoted(dict):
    """Params that note each name the code reads of them (get, [] or in)."""

    def __init__(self, params: dict, read: set) -> None:
        super().__init__(params)
        self.read = read

    def get(self, name, default=None):
        self.read.add(name)
        return super().get(name, default)

    def __getitem__(self, name):
        self.read.add(name)
        return super().__getitem__(name)

    def __contains__(self, name):
        self.read.add(name)
        return super().__contains__(name)


def test_every_param_the_integration_reads_is_declared_in_integration_yml(xdr, hss_tenant, monkeypatch):
    # XSOAR hands demisto.params() the instance's settings, which integration.yml's configuration declares: a name
    # read that it does not declare is always None there, whatever an admin sets.
    read: set = set()
    handed = runtime.xsoar_params
    monkeypatch.setattr(runtime, 'xsoar_params', lambda spec, params: ReadsNoted(handed(spec, params), read))
    room = WarRoom(params={**xdr.params(), **hss_tenant.params(), 'isFetch': True}, time_scale=0,
                   sleep=lambda _: None)

    tested = room.run('test-module', {})
    room.fetch({})

    assert not tested.failed, tested.entries
    assert {'xdr_url', 'hss_region', 'first_fetch'} <= read, 'the reads were not seen: the check is broken'
    assert read - set(load_spec().params) == set()


NUMBER_SETTINGS = ['connect_timeout', 'read_timeout', 'max_retries', 'retry_backoff', 'max_concurrency',
                   'max_fetch']
# Digits other than 0-9 (Arabic-Indic, fullwidth, Devanagari, superscript) and number forms float() also takes.
OTHER_DIGITS = st.sampled_from('٠١٢٣٤٥٦٧٨٩０１２３４５６７８９०१२३¹²³')
NOT_DECIMAL = st.one_of(
    st.builds(lambda digits, at: '5'[:at] + digits, st.text(OTHER_DIGITS, min_size=1, max_size=3), st.integers(0, 1)),
    st.sampled_from(['1e1', '2E0', '1_0', 'inf', 'nan', '0x5', '5.', '.5', '5 5', '+-5', '5s']))


@given(name=st.sampled_from(NUMBER_SETTINGS), value=NOT_DECIMAL)
def test_a_number_setting_takes_decimal_digits_only_as_the_commands_arguments_do(name, value):
    # README: input is refused in lookalike and fullwidth digits; a setting is input too, and its error names it.
    with pytest.raises(ri.RestoreError, match=name):
        ri.read_instance_settings({name: value, 'isFetch': True}, vendors=(), with_fetch=None)


@pytest.mark.parametrize('name', ['connect_timeout', 'read_timeout'])
def test_a_timeout_setting_takes_up_to_the_readme_s_bound_and_refuses_more_naming_it(name):
    longest = facts.MAX_TIMEOUT_SETTING_SECONDS
    settings = ri.read_instance_settings({name: str(longest)}, vendors=())
    connect, read = settings.transport.timeout  # as requests takes them
    assert (connect if name == 'connect_timeout' else read) == longest
    with pytest.raises(ri.RestoreError, match=name):
        ri.read_instance_settings({name: str(longest + 1)}, vendors=())


@given(value=st.builds(lambda digits, unit: f'{digits} {unit}', st.text(OTHER_DIGITS, min_size=1, max_size=2),
                       st.sampled_from(['minutes', 'hours', 'days'])))
def test_first_fetch_takes_decimal_digits_only(value):
    with pytest.raises(ri.RestoreError, match='first_fetch'):
        ri.read_instance_settings({'first_fetch': value, 'isFetch': True}, vendors=(), with_fetch=None)


# --------------------------------------------------------------------------- each refusal names the setting

def refusal(params, command, args=None):
    """The error entry's text of a run that the settings stop."""
    result = run(params, command, args)
    assert result.failed, result.entries
    return result.entries[-1]['Contents']


HSS_ARGS = {'file_hash': 'a' * 64, 'polling': 'false'}


def listed_options(name):
    """A single-select param's options, as integration.yml lists them (not as the integration's constants do)."""
    options = load_spec().params[name].options
    assert options, name
    return options


@pytest.mark.parametrize('region', ['AP-Southeast-1', 'ap southeast 1', '-ap-southeast-1', 'ap.southeast.1'])
def test_an_hss_region_that_is_not_a_region_id_is_refused_naming_hss_region_and_the_value(hss_tenant, region):
    text = refusal(hss_tenant.params(hss_region=region), 'hss-restore-isolated', HSS_ARGS)

    assert 'hss_region' in text and region in text and 'region ID' in text
    assert hss_tenant.gateway.requests == []


# README, hss_region: "The region of the HSS project ... Also sent as the optional "region" header": the instance's
# Test, its one request a listing of isolated files, names that region in the header (HSS's emulator does not read it).
def test_hss_region_is_sent_as_the_region_header_of_hss_s_requests(replay_server):
    replay_server.queue(200, {'total_num': 0, 'data_list': []})
    params = {'hss_region': 'ap-southeast-1', 'hss_endpoint': replay_server.url, 'hss_project_id': 'p' * 32,
              'hss_aksk': {'identifier': 'AKEXAMPLE', 'password': 'sk-example-123'}, 'max_retries': '0'}

    tested = run(params, 'test-module')

    assert tested.entries[-1]['Contents'] == 'ok', tested.entries[-1]
    assert [request.headers.get('region') for request in replay_server.requests] == ['ap-southeast-1']


# Huawei names a region's project after the region (huaweicloudsdkcore finds its ID with GET /v3/projects?name=<region
# ID>, auth/internal.py), a subproject <region>_<name>; "My Credentials > API Credentials" lists names beside IDs.
@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
@pytest.mark.parametrize('subproject', ['', '_dev'])
def test_a_project_name_given_as_hss_project_id_is_refused_naming_it_before_any_request(hss_tenant, auth_type,
                                                                                        subproject):
    name = hss_tenant.base_params['hss_region'] + subproject

    text = refusal(hss_tenant.params(auth_type, hss_project_id=name), 'hss-restore-isolated', HSS_ARGS)

    assert 'hss_project_id' in text and name in text
    assert hss_tenant.gateway.requests == []


# API Credentials lists every region's project, each named after its region: a name copied from another region's row
# (cn-north-4, eu-west-101_dev) is a name all the same, which HSS answers as a permission refused and IAM as a login
# refused. Refused before any request, saying whose ID to set: the project's in the instance's region.
@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
@pytest.mark.parametrize('name', ['cn-north-4', 'eu-west-101_dev'])
def test_a_project_name_of_another_region_given_as_hss_project_id_is_refused_naming_the_region_to_take_the_id_of(
        hss_tenant, auth_type, name):
    region = hss_tenant.base_params['hss_region']

    text = refusal(hss_tenant.params(auth_type, hss_project_id=name), 'test-module')

    assert 'hss_project_id' in text and f'"{name}"' in text and 'name' in text and region in text, text
    assert not name.startswith(region) and hss_tenant.gateway.requests == []


# Huawei's console lists each server's enterprise project by name, and the default one's name is "default"; its ID,
# the one HSS takes, is 0 (the seed: "The value 0 indicates the default enterprise project"; Huawei's SDK,
# ListSecurityEventsRequest: "0，表示默认企业项目（default）"). The name copied from the console, as the setting or the
# argument, reads as that ID: the copies of the default enterprise project are found and restored, asked for by 0.
@pytest.mark.parametrize('name', ['default', 'Default'])
@pytest.mark.parametrize('where', ['setting', 'argument'])
def test_the_default_enterprise_projects_name_reads_as_its_id_and_restores_its_copies(hss_tenant, name, where):
    zero = facts.HSS_DEFAULT_ENTERPRISE_PROJECT[0]
    host = next(h for h in load_json(HSS_SEED)['hosts'] if h.get('enterprise_project_id', zero) == zero and any(
        f.get('isolation_status', 'isolated') == 'isolated' for f in h['isolated_files']))
    copy = next(f for f in host['isolated_files'] if f.get('isolation_status', 'isolated') == 'isolated')
    params = hss_tenant.params(hss_enterprise_project_id=name if where == 'setting' else '')
    args = {'file_hash': copy['file_hash'], 'host_id': host['host_id'], 'polling': 'false',
            **({'enterprise_project_id': name} if where == 'argument' else {})}

    result = run(params, 'hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]['Contents']
    rows = as_list(get_path(result.context, 'HuaweiHSS.RestoredFile'))
    assert [(row.get('file_path'), row['outcome']) for row in rows] == [(copy['file_path'], 'restoring')], rows
    sent = [request.query.get('enterprise_project_id') for request in hss_tenant.gateway.requests
            if request.path.endswith('/event/isolated-file')]
    assert sent and all(value == [zero] for value in sent), sent


# README, enterprise_project_id: "an ID ... of at most 64" (default: this setting), as the isolated files' listing
# bounds it (HSS's page, the emulator's LIST_TEXT_MAX): a setting of 64 characters is sent as given, one of 65 is
# refused naming it before any request.
@pytest.mark.parametrize('length', [64, 65])
def test_an_enterprise_project_id_setting_of_64_characters_is_sent_and_one_of_65_refused_by_name(hss_tenant, length):
    scope = 'e' * length

    tested = run(hss_tenant.params(hss_enterprise_project_id=scope), 'test-module')

    sent = [request.query.get('enterprise_project_id') for request in hss_tenant.gateway.requests]
    if length == 64:
        assert tested.entries[-1]['Contents'] == 'ok' and sent == [[scope]], (tested.entries[-1], sent)
    else:
        assert tested.failed and '(hss_enterprise_project_id)' in tested.entries[-1]['Contents'], tested.entries[-1]
        assert sent == []


# hss_project_id goes into the path of every HSS request, and Huawei's pages for the isolated-file APIs bound it at
# 64 characters (facts.HSS_PROJECT_ID_LENGTH; README, the settings table): one of 64 is sent in the path as given, one
# of 65 refused naming the setting before any request.
@pytest.mark.parametrize('past_the_longest', [0, 1], ids=['longest', 'one-more'])
def test_an_hss_project_id_of_64_characters_is_sent_in_the_path_and_one_of_65_refused_by_name(hss_tenant,
                                                                                               past_the_longest):
    longest = facts.HSS_PROJECT_ID_LENGTH[1]
    project_id = 'a' * (longest + past_the_longest)

    tested = run(hss_tenant.params(hss_project_id=project_id), 'test-module')

    paths = [request.path for request in hss_tenant.gateway.requests]
    if not past_the_longest:
        assert paths and all(path.startswith(f'/v5/{project_id}/') for path in paths), paths
    else:
        text = tested.entries[-1]['Contents']
        assert tested.failed and '(hss_project_id)' in text and f'the most allowed is {longest}' in text, text
        assert paths == []


# all_granted_eps, Huawei's word for every enterprise project the user is granted, is the API's in lower case: typed
# in capitals (as a constant reads), as the setting or the argument, it is sent as the API spells it.
@pytest.mark.parametrize('where', ['setting', 'argument'])
def test_every_enterprise_project_typed_in_capitals_is_asked_for_as_huaweis_api_spells_it(hss_tenant, where):
    every = facts.HSS_EVERY_ENTERPRISE_PROJECT
    host = next(h for h in load_json(HSS_SEED)['hosts'] if any(
        f.get('isolation_status', 'isolated') == 'isolated' for f in h['isolated_files']))
    copy = next(f for f in host['isolated_files'] if f.get('isolation_status', 'isolated') == 'isolated')
    params = hss_tenant.params(hss_enterprise_project_id=every.upper() if where == 'setting' else '')
    args = {'file_hash': copy['file_hash'], 'host_id': host['host_id'], 'polling': 'false',
            **({'enterprise_project_id': every.upper()} if where == 'argument' else {})}

    result = run(params, 'hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]['Contents']
    sent = [request.query.get('enterprise_project_id') for request in hss_tenant.gateway.requests
            if request.path.endswith('/event/isolated-file')]
    assert sent and all(value == [every] for value in sent), sent


# Huawei's endpoint tables name the region in each service's host (hss.<region ID>.myhuaweicloud.com), given bare
# or as a URL: an instance set up with hss_endpoint alone still names the region a project's name is made of.
@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
@pytest.mark.parametrize('subproject', ['', '_dev'])
@pytest.mark.parametrize('endpoint', ['hss.{}.myhuaweicloud.com', 'https://hss.{}.myhuaweicloud.com/v5'])
def test_a_project_name_given_as_hss_project_id_is_refused_when_only_hss_endpoint_names_the_region(
        hss_tenant, auth_type, subproject, endpoint):
    region = hss_tenant.base_params['hss_region']
    params = hss_tenant.params(auth_type, hss_region='', hss_endpoint=endpoint.format(region),
                               hss_iam_endpoint=f'iam.{region}.myhuaweicloud.com', hss_project_id=region + subproject)

    text = refusal(params, 'hss-restore-isolated', HSS_ARGS)

    assert 'hss_project_id' in text and region + subproject in text and 'name' in text, text
    assert hss_tenant.gateway.requests == []


# Only Huawei's endpoint host, hss.<region ID>.myhuaweicloud.com, names a region a project's name is made of: an
# endpoint at an IP address (127.0.0.1 here, a replayed HSS that answers any project) names none, so with no region set
# a project ID of 0, or one starting with 0_, is taken as the ID it is and sent, not refused as a region "0"'s name.
@pytest.mark.parametrize('project_id', ['0', '0_dev'])
def test_a_project_id_like_a_label_of_an_ip_endpoint_is_taken_when_no_region_is_set(replay_server, project_id):
    replay_server.queue(200, b'', {'Date': 'Fri, 04 Dec 2026 08:00:00 GMT', **HSS_ANSWER})  # the PUT's: 200, no body
    params = {'hss_endpoint': replay_server.url, 'hss_project_id': project_id, 'hss_auth_type': 'aksk',
              'hss_aksk': {'identifier': 'AKTEST', 'password': 'S' * 40}}

    result = run(params, 'hss-restore-isolated', {'host_id': 'h1', 'file_hash': 'a' * 64, 'file_path': '/srv/f',
                                                  'polling': 'false'})

    assert replay_server.url.startswith('http://127.0.0.1:'), replay_server.url
    assert not result.failed, result.entries[-1]['Contents']
    assert [(r.method, r.path.split('?')[0]) for r in replay_server.requests] == [
        ('PUT', f'/v5/{project_id}/event/isolated-file')]


HOST_LABEL = st.from_regex(r'[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?', fullmatch=True)


# The same for any IP address, or any host name not of Huawei's HSS form (a proxy, a private endpoint): a project ID
# that is one of its labels, alone or with a subproject's _<name>, is read as the ID it is.
@given(host=st.one_of(st.ip_addresses(v=4).map(str),
                      st.lists(HOST_LABEL, min_size=2, max_size=5).map('.'.join)),
       pick=st.integers(0, 4), subproject=st.sampled_from(['', '_dev']))
def test_an_endpoint_host_not_of_huaweis_hss_form_names_no_region_a_project_id_could_be_the_name_of(
        host, pick, subproject):
    labels = host.split('.')
    assume(not re.fullmatch(r'hss\.[^.]+\.myhuaweicloud\.(com|eu)', host))
    project_id = labels[pick % len(labels)] + subproject
    params = {'hss_endpoint': f'https://{host}', 'hss_project_id': project_id, 'hss_auth_type': 'aksk',
              'hss_aksk': {'identifier': 'AK' + 'A' * 18, 'password': 'x' * 40}}

    settings = ri.read_instance_settings(params, ['hss']).hss

    assert settings.project_id == project_id and settings.url == f'https://{host}'


@pytest.mark.parametrize('aksk', [None, {'identifier': '', 'password': 'x' * 40},
                                  {'identifier': 'AK1', 'password': ''}])
def test_aksk_authentication_without_both_parts_of_hss_aksk_says_what_goes_where(hss_tenant, aksk):
    text = refusal(hss_tenant.params('aksk', hss_aksk=aksk), 'hss-restore-isolated', HSS_ARGS)

    assert 'hss_aksk' in text and 'access key ID as the user name' in text
    assert 'secret access key as the password' in text
    assert hss_tenant.gateway.requests == []


@pytest.mark.parametrize('missing', ['hss_domain', 'identifier', 'password'])
def test_token_authentication_without_the_account_or_the_iam_user_says_which_settings_to_set(hss_tenant, missing):
    credentials = dict(hss_tenant.base_params['hss_credentials'])
    overrides = {'hss_domain': ''} if missing == 'hss_domain' else {'hss_credentials': {**credentials, missing: ''}}

    text = refusal(hss_tenant.params('token', **overrides), 'hss-restore-isolated', HSS_ARGS)

    assert 'hss_domain' in text and 'hss_credentials' in text and 'IAM user name and password' in text
    assert credentials['password'] not in text
    assert hss_tenant.gateway.requests == []


def test_token_authentication_with_neither_an_iam_endpoint_nor_a_region_says_how_to_find_iam(hss_tenant):
    params = hss_tenant.params('token', hss_iam_endpoint='', hss_region='')  # a loopback hss_endpoint names no region

    text = refusal(params, 'hss-restore-isolated', HSS_ARGS)

    assert 'hss_iam_endpoint' in text and 'hss_region' in text and 'IAM' in text
    assert hss_tenant.gateway.requests == []


@pytest.mark.parametrize('value, kind', [(['https://api-x.xdr.us.paloaltonetworks.com'], 'list'),
                                         ({'url': 'https://x'}, 'object'), (True, 'boolean')])
def test_a_text_setting_handed_as_another_type_is_refused_naming_it_and_the_type(xdr, value, kind):
    [entry] = run_as_never_handed(dict(xdr.params(), xdr_url=value), 'restore-file',
                                  {'file_hash': QUARANTINED, 'polling': 'false'})
    text = entry['Contents']

    assert entry['Type'] == runtime.ENTRY_ERROR and 'xdr_url' in text and 'must be text' in text and kind in text
    assert xdr.gateway.requests == []


# A checkbox, number or event types setting handed as an object or a list (XSOAR hands settings as JSON) is refused as a
# text setting is, naming its kind as JSON does (json_kind), never in Python's form ({'on': True}, ['true', 'false']).
# main() is run as XSOAR runs it, on the params as handed: the war room's own params check refuses such a checkbox.
@pytest.mark.parametrize('name, value, kind', [
    ('insecure', {'on': True}, 'an object'), ('proxy', ['true', 'false'], 'a list'),
    ('connect_timeout', {'seconds': 10}, 'an object'), ('max_retries', [3, 4], 'a list'),
    ('max_fetch', True, 'a boolean'), ('event_types', [{'code': '1004 trojan'}], 'an object'),
    ('event_types', [['1004 trojan']], 'a list'), ('event_types', {'code': '1004 trojan'}, 'an object'),
    ('event_types', ['1004 trojan', True], 'a boolean')])
def test_a_checkbox_number_or_event_types_setting_of_another_kind_is_refused_naming_its_json_kind(
        xdr, hss_tenant, name, value, kind):
    demisto = runtime.Demisto({**xdr.params(), **hss_tenant.params(isFetch=True), name: value}, 'test-module', {}, {},
                              [])
    ri.main(demisto)

    [entry] = demisto.entries
    shown = entry['Contents']
    assert entry["Type"] == runtime.ENTRY_ERROR and DIALOG_LABELS[name] in shown and f"got {kind}." in shown, shown
    assert not re.search(r"[{}\[\]]|\b(dict|bool|True)\b", shown), shown
    assert xdr.gateway.requests == [] and hss_tenant.gateway.requests == []


# XSOAR hands "HSS event types to fetch" (a multi select) as a list: each item is read as a text value is, blanks and
# invisible characters at its ends dropped (Test lists the type picked), an invisible or control character inside it
# refused before any request, naming the setting, the code point and its position in the item.
@pytest.mark.parametrize('inside', ['\u200b', '\u2060', '\n'])
def test_an_hss_event_types_item_has_its_ends_dropped_and_a_character_inside_it_refused_as_a_text_value(hss_tenant,
                                                                                                       inside):
    [trojan] = [text for text in load_spec().params['event_types'].options if text.split()[0] == '1004']
    pasted = trojan[:6] + inside + trojan[6:]

    tested = run(hss_tenant.params(isFetch=True, event_types=[f'\ufeff {trojan}\u200b']), 'test-module')
    requests_sent = len(hss_tenant.gateway.requests)
    refused = run(hss_tenant.params(isFetch=True, event_types=[trojan, pasted]), 'test-module')

    assert [entry['Contents'] for entry in tested.entries] == ['ok']
    assert [request.query['event_types'] for request in hss_tenant.requests_to('GET', '/event/events')] == [['1004']]
    shown = refused.entries[-1]['Contents']
    assert refused.failed and DIALOG_LABELS['event_types'] in shown, shown
    assert f'U+{ord(inside):04X}' in shown and 'position 7' in shown and 'again' in shown, shown
    assert len(hss_tenant.gateway.requests) == requests_sent


# Six types picked, one holding a character the dialog does not show: a position alone does not say which of the six
# to pick again, so the refusal names the item by its number in the list, counted from 1, and the position within it.
def test_an_hss_event_types_item_holding_an_invisible_character_is_refused_naming_its_number_in_the_list(hss_tenant):
    picked = [text for text in load_spec().params['event_types'].options if text.split()[0].startswith('10')][:6]
    fourth = picked[3]
    picked[3] = fourth[:6] + '\u200b' + fourth[6:]

    refused = run(hss_tenant.params(isFetch=True, event_types=picked), 'test-module')

    shown = refused.entries[-1]['Contents']
    assert refused.failed and DIALOG_LABELS['event_types'] in shown, shown
    assert re.search(r'\bitem 4\b', shown) and 'position 7' in shown and 'U+200B' in shown, shown
    assert fourth[:6] not in shown and fourth[6:] not in shown, shown
    assert hss_tenant.gateway.requests == []


# The same six written as comma-separated text, which the setting reads too: each item between two commas is read as a
# list's item (blanks and invisible characters at its ends dropped), and one holding a character inside is named as
# the list form names it, by its number and the position within it, not by a place in the whole text to count out.
def test_hss_event_types_as_comma_separated_text_drop_invisible_ends_and_refuse_one_inside_by_its_item_as_a_list_does(
        hss_tenant):
    picked = [text for text in load_spec().params['event_types'].options if text.split()[0].startswith('10')][:6]
    fourth = picked[3]
    pasted = [*picked[:3], fourth[:6] + '\u200b' + fourth[6:], *picked[4:]]

    tested = run(hss_tenant.params(isFetch=True, event_types='\u200b,\ufeff '.join(picked)), 'test-module')
    requests_sent = len(hss_tenant.gateway.requests)
    refused = run(hss_tenant.params(isFetch=True, event_types=', '.join(pasted)), 'test-module')

    assert [entry['Contents'] for entry in tested.entries] == ['ok']
    [listed] = {request.query['event_types'][0] for request in hss_tenant.requests_to('GET', '/event/events')}
    assert sorted(listed.split(',')) == [text.split()[0] for text in picked], listed
    shown = refused.entries[-1]['Contents']
    assert refused.failed and DIALOG_LABELS['event_types'] in shown, shown
    assert re.search(r'\bitem 4\b', shown) and 'position 7' in shown and 'U+200B' in shown, shown
    assert fourth[:6] not in shown and fourth[6:] not in shown, shown
    assert len(hss_tenant.gateway.requests) == requests_sent


def test_an_xdr_auth_type_not_among_its_options_is_refused_listing_them(xdr):
    options = listed_options('xdr_auth_type')

    text = refusal(dict(xdr.params(), xdr_auth_type='premium'), 'restore-file', {'file_hash': QUARANTINED})

    assert 'xdr_auth_type' in text and '"premium"' in text and all(option in text for option in options)
    assert xdr.gateway.requests == []


def test_a_key_id_written_as_a_number_as_yaml_reads_17_is_sent_as_its_digits(xdr):
    assert isinstance(xdr.params()['xdr_api_key_id'], str)
    params = dict(xdr.params(), xdr_api_key_id=int(xdr.params()['xdr_api_key_id']))

    entries = run_as_never_handed(params, 'restore-file', {'file_hash': QUARANTINED, 'polling': 'false'})

    assert all(entry['Type'] != runtime.ENTRY_ERROR for entry in entries), entries[-1]['Contents']
    assert xdr.gateway.requests  # the key ID went out, and the tenant took it


def test_the_xdr_url_and_key_id_help_and_a_404_name_the_api_keys_page_of_the_current_and_the_older_console(xdr):
    # An admin looks for the API URL and the key's ID where the setting's help or the 404's advice says: the page the
    # current docs name (facts.XDR_API_KEYS_PAGES), and the older console's, which some tenants still show.
    settings = {param['name']: ' '.join(param.get('additionalinfo', '').split())
                for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']}
    not_the_api = refusal(xdr.params(xdr_url=xdr.url + '/xdr'), 'restore-file', {'file_hash': QUARANTINED,
                                                                                   'polling': 'false'})
    advice = not_the_api.split(' said: ', 1)[0]  # ours, before Cortex XDR's own words

    assert 'HTTP 404' in advice, not_the_api
    for text in (settings['xdr_url'], settings['xdr_api_key_id'], advice):
        assert all(page in text for page in facts.XDR_API_KEYS_PAGES), text


# The "ID" column of Cortex XDR > Settings > Configurations > Integrations > API Keys (Settings > API Keys in the
# older console) holds a number (integration.yml's help; demisto/content's Cortex XDR description: "From the ID
# column, copy the Key ID"). The key's name there, or the ID typed with a word, is refused
# before any request naming the key ID alone, not sent for a 401 that sends the admin to the key and its type too.
@pytest.mark.parametrize('command, args', [('test-module', {}), ('restore-file', {'file_hash': QUARANTINED})])
@pytest.mark.parametrize('key_id', ['soar-restore', 'ID 7', '7a'])
def test_a_key_id_that_is_not_the_id_column_s_number_is_refused_naming_the_key_id_alone_before_any_request(
        xdr, command, args, key_id):
    text = refusal(dict(xdr.params(), xdr_api_key_id=key_id), command, args)

    assert '(xdr_api_key_id)' in text and 'ID column' in text, text
    assert '(xdr_api_key)' not in text and '(xdr_auth_type)' not in text and 'HTTP 401' not in text, text
    assert xdr.gateway.requests == []


def test_a_setting_left_blank_reads_as_the_default_integration_yml_gives_it():
    # integration.yml's defaultvalue is what XSOAR fills in and the README's settings table shows; a setting an admin
    # cleared comes blank or not at all, and must read as that same value, not as another one the code holds: the
    # Cortex XDR rate above all, whose default is the tenant's own limit of 10 requests a second.
    spec = load_spec()
    base = {'xdr_url': 'https://api-acme.xdr.us.paloaltonetworks.com', 'xdr_api_key_id': '17',
            'xdr_api_key': {'password': 'k' * 64}, 'hss_project_id': 'p' * 32, 'hss_region': 'ap-southeast-1',
            'hss_aksk': {'identifier': 'AK', 'password': 'S' * 40},
            'hss_credentials': {'identifier': 'user', 'password': 'pw'}, 'hss_domain': 'acme', 'isFetch': True}
    defaults = {name: param.default for name, param in spec.params.items()
                if param.default is not None and name not in base}
    assert {'xdr_rate_limit', 'hss_rate_limit', 'max_concurrency', 'max_fetch'} <= set(defaults)

    left_out = ri.read_instance_settings(base, with_fetch=True)
    for name, value in sorted(defaults.items()):
        assert ri.read_instance_settings(dict(base, **{name: value}), with_fetch=True) == left_out, (name, value)
        assert ri.read_instance_settings(dict(base, **{name: ''}), with_fetch=True) == left_out, name


def both_vendors_set_up(auth_type: str) -> dict:
    """Params that set up both vendors (HSS in ``auth_type``) and fetching, every other setting left out."""
    return {'xdr_url': 'https://api-acme.xdr.us.paloaltonetworks.com', 'xdr_api_key_id': '17',
            'xdr_api_key': {'password': 'k' * 64}, 'hss_project_id': 'p' * 32, 'hss_region': 'ap-southeast-1',
            'hss_aksk': {'identifier': 'AK', 'password': 'S' * 40}, 'hss_auth_type': auth_type,
            'hss_credentials': {'identifier': 'user', 'password': 'pw' * 8}, 'hss_domain': 'acme', 'isFetch': True}


# XSOAR's instance dialog keeps what was typed, stray blanks included (a field cleared but for a space, a tab, or a
# no-break space pasted from a web page): a setting that holds blanks only reads as one left out, in either HSS mode.
@pytest.mark.parametrize('blanks', [' ', ' \t ', '\u00a0'])
@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_a_setting_holding_blanks_only_reads_as_left_out(blanks, auth_type):
    base = both_vendors_set_up(auth_type)
    left_out = ri.read_instance_settings(base, with_fetch=True)

    for name in sorted(set(load_spec().params) - set(base)):
        assert ri.read_instance_settings(dict(base, **{name: blanks}), with_fetch=True) == left_out, name


# The same for a text, number or credentials setting holding invisible format characters alone (Cf: a zero-width space,
# a BOM), with blanks or not: it reads as the empty field it looks like, a number setting (integration.yml gives it a
# number as its default: a text field) as its default, as it reads when left blank.
SPEC_PARAMS = yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']
NUMBERS_IN_THE_SPEC = {param['name'] for param in SPEC_PARAMS
                       if param['type'] == 0 and re.fullmatch(r'[0-9.]+', str(param.get('defaultvalue')))}


@pytest.mark.parametrize('invisible', INVISIBLE)
@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_a_text_number_or_credentials_setting_holding_invisible_characters_only_reads_as_left_out(invisible,
                                                                                                  auth_type):
    base = both_vendors_set_up(auth_type)
    left_out = ri.read_instance_settings(base, with_fetch=True)
    checkboxes = {name for name, param in load_spec().params.items() if param.type == 8}

    for name in sorted(set(load_spec().params) - set(base) - checkboxes):
        assert ri.read_instance_settings(dict(base, **{name: invisible}), with_fetch=True) == left_out, name


# A number setting follows the text settings' rule: blanks and invisible characters at its ends are dropped, and the
# instance works with the number typed; one between its digits is refused before any request, by the setting's dialog
# label, the character's code point and its position, with what to do.
@pytest.mark.parametrize('name', sorted(NUMBERS_IN_THE_SPEC))
def test_a_number_setting_reads_as_typed_with_invisible_characters_at_its_ends_and_refuses_one_between_its_digits(
        xdr, hss_tenant, name):
    params = {**xdr.params(), **hss_tenant.params(isFetch=True)}

    tested = run({**params, name: ' \u200b2\ufeff'}, 'test-module')
    requests_sent = len(xdr.gateway.requests), len(hss_tenant.gateway.requests)
    refused = run({**params, name: '1\u200b0'}, 'test-module')

    assert [entry['Contents'] for entry in tested.entries] == ['ok']
    assert ri.read_instance_settings({**params, name: '\ufeff 2 \u200b'}, with_fetch=True) == ri.read_instance_settings(
        {**params, name: '2'}, with_fetch=True)
    shown = refused.entries[-1]['Contents']
    assert refused.failed and DIALOG_LABELS[name] in shown, shown
    assert 'U+200B' in shown and 'position 2' in shown and 'again' in shown, shown
    assert (len(xdr.gateway.requests), len(hss_tenant.gateway.requests)) == requests_sent


def test_a_setting_only_the_other_authentication_mode_uses_is_not_read_and_the_readme_says_so(hss_tenant):
    # The one reader reads what the run uses: with AK/SK the IAM endpoint goes unread, and Test passes over it; in
    # token mode the same value is refused by name before any request. The README's rule says which settings it holds.
    not_a_url = {'hss_iam_endpoint': 'ftp://iam.example'}
    aksk = run(hss_tenant.params('aksk', **not_a_url), 'test-module')
    sent = len(hss_tenant.gateway.requests)
    token = run(hss_tenant.params('token', **not_a_url), 'test-module')

    assert not aksk.failed and aksk.entries[-1]['Contents'] == 'ok'
    assert token.failed and 'hss_iam_endpoint' in token.entries[-1]['Contents']
    assert len(hss_tenant.gateway.requests) == sent  # refused before any request
    readme = ' '.join((ROOT / 'README.md').read_text(encoding='utf-8').split())
    # The rule's sentence, to its end: a dot and a blank (a host named in it has dots of its own)
    [rule] = re.findall(r'\*\*Every instance setting[^*]*\*\*.*?\.(?=\s)', readme)
    assert 'not read' in rule, rule


# The admin fixes a setting in XSOAR's instance dialog, which labels each by its display in integration.yml (a
# credentials setting's secret by its displaypassword, under "<name> password"): a refusal names the setting so,
# beside its name.
DIALOG_LABELS = {f'{param["name"]}{suffix}': label
                 for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']
                 for suffix, label in (('', param.get('display') or param.get('displaypassword')),
                                       (' password', param.get('displaypassword'))) if label}


@pytest.mark.parametrize('vendor, overrides, named', [
    ('xdr', {'read_timeout': 'abc'}, ['read_timeout']),
    ('xdr', {'max_retries': '2.5'}, ['max_retries']),
    ('xdr', {'max_concurrency': '0'}, ['max_concurrency']),
    ('xdr', {'connect_timeout': '0'}, ['connect_timeout']),
    ('xdr', {'retry_backoff': 'x'}, ['retry_backoff']),
    ('xdr', {'xdr_rate_limit': '0'}, ['xdr_rate_limit']),
    ('hss', {'hss_rate_limit': '0'}, ['hss_rate_limit']),
    ('hss', {'hss_auth_type': 'foo'}, ['hss_auth_type']),
    ('xdr', {'xdr_auth_type': 'foo'}, ['xdr_auth_type']),
    ('xdr', {'xdr_url': 'ftp://x'}, ['xdr_url']),
    ('xdr', {'xdr_url': 'http://example.com'}, ['xdr_url', 'insecure']),
    ('xdr', {'xdr_api_key_id': 'a\nb'}, ['xdr_api_key_id']),
    ('xdr', {'xdr_api_key': {'password': 'a\nb'}}, ['xdr_api_key']),
    ('xdr', {'xdr_api_key_id': '', 'xdr_api_key': {'identifier': '', 'password': ''}},
     ['xdr_api_key_id', 'xdr_api_key']),
    ('hss', {'hss_region': 'Not A Region'}, ['hss_region']),
    ('hss', {'hss_enterprise_project_id': '../x'}, ['hss_enterprise_project_id']),
    ('hss', {'hss_endpoint': 'ftp://x'}, ['hss_endpoint']),
    ('hss', {'hss_project_id': 'a/b'}, ['hss_project_id']),
    ('hss', {'hss_aksk': {'identifier': 'AK'}}, ['hss_aksk']),
    ('hss', {'hss_auth_type': 'token', 'hss_domain': ''}, ['hss_domain', 'hss_credentials']),
    ('hss', {'hss_auth_type': 'token', 'hss_iam_endpoint': 'ftp://x'}, ['hss_iam_endpoint']),
    ('hss', {'isFetch': True, 'first_fetch': '3 fortnights'}, ['first_fetch']),
    ('hss', {'isFetch': True, 'max_fetch': '0'}, ['max_fetch']),
    # fetch-incidents reads HSS events alone: fetching with Cortex XDR set up alone is known wrong before any request
    ('xdr', {'isFetch': True}, ['isFetch', 'hss_project_id', 'hss_region']),
])
def test_a_setting_refused_is_named_as_the_instance_dialog_labels_it_beside_its_name(xdr, hss_tenant, vendor,
                                                                                      overrides, named):
    params = {**(xdr.params() if vendor == 'xdr' else hss_tenant.params()), **overrides}

    tested = run(params, 'test-module')

    shown = tested.entries[-1]['Contents']
    assert tested.failed
    for name in named:
        assert DIALOG_LABELS[name] in shown and name in shown, (name, shown)
    gateway = xdr.gateway if vendor == 'xdr' else hss_tenant.gateway
    assert gateway.requests == []


# A vendor's refusal of the credentials or the URL says which settings to check, as the dialog labels them.
@pytest.mark.parametrize('vendor, overrides, named', [
    ('xdr', {'xdr_api_key_id': '999'}, ['xdr_api_key_id', 'xdr_api_key', 'xdr_auth_type']),
    ('xdr', {'xdr_url': '/nope'}, ['xdr_url']),
    ('hss', {'hss_aksk': 'wrong'}, ['hss_aksk', 'hss_aksk password']),
    ('hss', {'hss_endpoint': '/nope'}, ['hss_endpoint', 'hss_region', 'hss_project_id']),
    ('hss', {'hss_auth_type': 'token', 'hss_credentials': 'wrong'},
     ['hss_domain', 'hss_credentials', 'hss_credentials password', 'hss_project_id']),
    ('hss', {'hss_auth_type': 'token', 'hss_iam_endpoint': '/nope'}, ['hss_iam_endpoint', 'hss_region']),
])
def test_a_vendor_refusing_the_credentials_or_the_url_names_the_settings_to_check_as_the_dialog_labels_them(
        xdr, hss_tenant, vendor, overrides, named):
    params = xdr.params() if vendor == 'xdr' else hss_tenant.params(overrides.get('hss_auth_type', 'aksk'))
    for name, change in overrides.items():  # a URL gets a path no API has; a secret, a wrong password
        params[name] = (params[name] + change if change.startswith('/') else
                        {**params[name], 'password': change} if isinstance(params[name], dict) else change)

    tested = run(params, 'test-module')

    shown = tested.entries[-1]['Contents']
    assert tested.failed
    for name in named:
        assert DIALOG_LABELS[name] in shown, (name, shown)


# A credentials setting is two fields in the dialog, each with its label (display, displaypassword) but one name: a
# message that names both parts refers to each in words of its own, so neither reads as the other. Huawei's gateway
# refuses a wrong secret key with 401 APIGW.0301 (API Gateway's error codes), IAM a wrong password with its own 401.
CREDENTIAL_PARTS = {param['name']: (param['display'], param['displaypassword'])
                    for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']
                    if param['type'] == 9 and param.get('display') and param.get('displaypassword')}


@pytest.mark.parametrize('auth_type, setting', [('aksk', 'hss_aksk'), ('token', 'hss_credentials')])
def test_a_refusal_naming_both_parts_of_a_credentials_setting_refers_to_each_part_in_words_of_its_own(
        hss_tenant, auth_type, setting):
    params = hss_tenant.params(auth_type)
    params[setting] = {**params[setting], 'password': 'a wrong secret, long enough'}

    shown = run(params, 'test-module').entries[-1]['Contents']

    refs = {label: re.findall(re.escape(f'"{label}"') + r' \(([^)]*)\)', shown) for label in CREDENTIAL_PARTS[setting]}
    user_refs, secret_refs = refs.values()
    assert user_refs and secret_refs, (refs, shown)
    assert set(user_refs).isdisjoint(secret_refs), (refs, shown)  # the secret is not named as the user name is
    assert all(setting in ref for ref in user_refs + secret_refs), (refs, shown)  # each still gives the setting's name


# A fault the settings may cause (a URL that leads elsewhere, a proxy in the way, a timeout too short) is told with the
# settings to check, as the dialog labels them: HSS and IAM have no "server URL", and no setting is called "the proxy
# setting" there.
@pytest.mark.parametrize('vendor, fault, overrides, named', [
    ('hss', 'sequence=503-html', {}, ['hss_endpoint', 'hss_region']),
    ('hss', 'sequence=truncated', {}, ['hss_endpoint', 'hss_region']),
    ('iam', 'sequence=503', {'hss_auth_type': 'token'}, ['hss_iam_endpoint', 'hss_region']),
    ('hss', None, {'hss_endpoint': 'http://127.0.0.1:9'}, ['hss_endpoint', 'hss_region', 'proxy']),
    ('xdr', None, {'xdr_url': 'http://127.0.0.1:9'}, ['xdr_url', 'proxy']),
    ('xdr', 'sequence=reset', {}, ['proxy']),
    ('xdr', 'sequence=slow;delay=1', {'read_timeout': '0.2'}, ['read_timeout']),
])
def test_a_fault_the_settings_may_cause_names_the_settings_to_check_as_the_dialog_labels_them(
        xdr, hss_tenant, vendor, fault, overrides, named):
    params = {**(xdr.params() if vendor == 'xdr' else hss_tenant.params(overrides.get('hss_auth_type', 'aksk'))),
              **overrides, 'max_retries': '0'}
    plan = FaultPlan.parse(fault) if fault else None
    if vendor == 'iam':
        hss_tenant.gateway.iam_faults = plan
    else:
        (xdr if vendor == 'xdr' else hss_tenant).gateway.inject_faults(plan)

    tested = run(params, 'test-module')

    shown = tested.entries[-1]['Contents']
    assert tested.failed
    for name in named:
        assert DIALOG_LABELS[name] in shown, (name, shown)


# Huawei's European region is served from myhuaweicloud.eu (huaweicloudsdkhss's HssRegion: eu-west-101 at
# https://hss.eu-west-101.myhuaweicloud.eu): its host names the region a project's name is made of all the same.
@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_a_project_name_given_as_hss_project_id_is_refused_when_only_a_european_hss_endpoint_names_the_region(
        hss_tenant, auth_type):
    region = 'eu-west-101'
    params = hss_tenant.params(auth_type, hss_region='', hss_endpoint=f'https://hss.{region}.myhuaweicloud.eu',
                               hss_iam_endpoint=f'iam.{region}.myhuaweicloud.eu', hss_project_id=region)

    text = refusal(params, 'hss-restore-isolated', HSS_ARGS)

    assert 'hss_project_id' in text and region in text and 'name' in text, text
    assert hss_tenant.gateway.requests == []


# The instance dialog shows the settings in integration.yml's order: Cortex XDR's section, then Huawei Cloud HSS's, then
# the connection settings, then fetching. An admin who got two of them wrong reads first the one the form shows first.
FORM_ORDER = [param['name'] for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']]
ONE_WRONG = {'xdr_url': {'xdr_url': ''}, 'hss_project_id': {'hss_project_id': ''},
             'connect_timeout': {'connect_timeout': '0'},
             'first_fetch': {'isFetch': True, 'first_fetch': '3 fortnights'}}


# Test names both, each on a line of its own (as it names both vendors' refused credentials), so that the admin does
# not fix one, test again, and only then meet the other: the first line names the one the form shows first.
@pytest.mark.parametrize(('one', 'other'), [(one, other) for one in ONE_WRONG for other in ONE_WRONG if one < other])
def test_two_settings_wrong_in_different_sections_fail_one_test_naming_each_on_a_line_in_the_form_s_order(
        xdr, hss_tenant, one, other):
    first, later = sorted((one, other), key=FORM_ORDER.index)

    tested = run({**xdr.params(), **hss_tenant.params(), **ONE_WRONG[one], **ONE_WRONG[other]}, 'test-module')

    shown = tested.entries[-1]['Contents']
    reported = shown.split('\nError: ', 1)[-1].split('\n')
    assert tested.failed and len(reported) == 2, shown
    assert DIALOG_LABELS[first] in reported[0] and DIALOG_LABELS[later] not in reported[0], shown
    assert DIALOG_LABELS[later] in reported[1] and DIALOG_LABELS[first] not in reported[1], shown


# Every section wrong at once (both vendors, the connection, fetching): one Test, a line each, in the form's order.
def test_a_setting_wrong_in_every_section_fails_one_test_naming_each_on_a_line_in_the_form_s_order(xdr, hss_tenant):
    wrong = sorted(ONE_WRONG, key=FORM_ORDER.index)

    tested = run({**xdr.params(), **hss_tenant.params(), **{k: v for one in wrong for k, v in ONE_WRONG[one].items()}},
                 'test-module')

    reported = tested.entries[-1]['Contents'].split('\nError: ', 1)[-1].split('\n')
    assert tested.failed and [[name for name in wrong if DIALOG_LABELS[name] in line] for line in reported] == [
        [name] for name in wrong], reported
    assert xdr.gateway.requests == [] and hss_tenant.gateway.requests == []  # refused before any request


# A command reads what it uses alone (settings_for): its own vendor's settings and the connection's, each part's wrong
# setting on a line of its own, and not the other vendor's.
def test_a_command_names_the_wrong_settings_of_its_vendor_and_the_connection_a_line_each_not_the_other_vendor_s(
        xdr, hss_tenant):
    params = {**xdr.params(xdr_url=''), **hss_tenant.params(), **ONE_WRONG['hss_project_id'],
              **ONE_WRONG['connect_timeout']}

    text = refusal(params, 'restore-file', {'file_hash': QUARANTINED, 'polling': 'false'})

    reported = text.split('\nError: ', 1)[-1].split('\n')
    assert len(reported) == 2 and DIALOG_LABELS['xdr_url'] in reported[0], text
    assert DIALOG_LABELS['connect_timeout'] in reported[1] and DIALOG_LABELS['hss_project_id'] not in text, text
    assert xdr.gateway.requests == []


@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_the_repr_of_the_settings_read_shows_no_key_secret_key_or_password(xdr, hss_tenant, auth_type):
    secrets_given = [xdr.key, *hss_tenant.secrets()]
    settings = ri.read_instance_settings({**xdr.params(), **hss_tenant.params(auth_type)})

    shown = repr(settings)  # what a log line or a traceback's locals would show

    assert xdr.url in shown and hss_tenant.base_params['hss_project_id'] in shown  # the rest is shown
    assert [secret for secret in secrets_given if secret in shown] == []
