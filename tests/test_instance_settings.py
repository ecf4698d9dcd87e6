"""The instance settings are read once per run, by one reader, and only what the command needs: a vendor half set
up, or a fetch setting gone wrong, stops the commands that use it and no other (over HTTP to the emulators)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import restore_integration as ri
from conftest import XDR_SEED, load_json, start_tenant
from warroom.runtime import WarRoom

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


def test_a_vendor_half_set_up_stops_test_module_but_not_the_other_vendors_command(xdr):
    params = dict(xdr.params(), **HSS_HALF_SET_UP)

    restored = run(params, 'restore-file', {'file_hash': QUARANTINED, 'polling': 'false'})
    tested = run(params, 'test-module')

    assert not restored.failed, restored.entries[-1]['Contents']
    assert tested.failed and 'hss_region or hss_endpoint' in tested.entries[-1]['Contents']


def test_a_fetch_setting_gone_wrong_stops_test_module_only_while_fetching_is_on(xdr):
    restored = run(dict(xdr.params(), **BAD_FETCH), 'restore-file', {'file_hash': QUARANTINED, 'polling': 'false'})
    tested = run(dict(xdr.params(), **BAD_FETCH), 'test-module')
    not_fetching = run(dict(xdr.params(), **dict(BAD_FETCH, isFetch=False)), 'test-module')

    assert not restored.failed
    assert tested.failed and 'first_fetch' in tested.entries[-1]['Contents']
    assert not not_fetching.failed and not_fetching.entries[-1]['Contents'] == 'ok'


def test_the_reader_reads_the_vendors_asked_for_and_names_the_ones_in_use(xdr):
    params = dict(xdr.params(), **HSS_HALF_SET_UP)

    settings = ri.read_instance_settings(params, ['xdr'])

    assert settings.in_use == ('xdr', 'hss') and settings.hss is None and settings.fetch is None
    assert settings.xdr.url == xdr.url and settings.xdr.key == xdr.key
    with pytest.raises(ri.RestoreError, match='hss_region or hss_endpoint'):
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


@given(value=st.builds(lambda digits, unit: f'{digits} {unit}', st.text(OTHER_DIGITS, min_size=1, max_size=2),
                       st.sampled_from(['minutes', 'hours', 'days'])))
def test_first_fetch_takes_decimal_digits_only(value):
    with pytest.raises(ri.RestoreError, match='first_fetch'):
        ri.read_instance_settings({'first_fetch': value, 'isFetch': True}, vendors=(), with_fetch=None)
