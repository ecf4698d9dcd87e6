"""Instance settings read as integration.yml and the README describe them, at the edges a slip in the reader would
move: an option's spelling, a bound's last value (over HTTP to the emulators, through the war room)."""
from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT, seed_holders, start_tenant
from warroom.runtime import WarRoom
from warroom.spec import load_spec

XDR_HASH = sorted(seed_holders())[0]


def run(params: dict, command: str, args: dict | None = None):
    return WarRoom(params=params, time_scale=0, sleep=lambda _: None).run(command, args or {})


def option(name: str, wanted: str) -> str:
    """One option of a single-select setting, as integration.yml lists it."""
    options = load_spec().params[name].options
    assert wanted in options, options
    return wanted


# An option is a word (integration.yml: advanced, standard; aksk, token): a params file written by hand, or a value
# typed into XSOAR's dialog by an older version's free-text field, may spell it in capitals and means the same key.
@pytest.mark.parametrize('spelling', [str.upper, str.title])
def test_an_xdr_key_type_written_in_capitals_selects_that_key_type(spelling):
    xdr = start_tenant(auth_type=option('xdr_auth_type', 'standard'))
    try:
        result = run(xdr.params(xdr_auth_type=spelling(xdr.auth_type)), 'restore-file',
                     {'file_hash': XDR_HASH, 'polling': 'false'})
    finally:
        xdr.server.stop()

    assert not result.failed, result.entries[-1]['Contents']
    assert len(xdr.gateway.requests) == 1  # the standard key went out as it is, and the tenant took it


@pytest.mark.parametrize('spelling', [str.upper, str.title])
def test_an_hss_authentication_written_in_capitals_selects_that_mode(hss_tenant, spelling):
    token = option('hss_auth_type', 'token')

    result = run(hss_tenant.params(spelling(token)), 'test-module')

    assert not result.failed and result.entries[-1]['Contents'] == 'ok', result.entries[-1]['Contents']
    assert len(hss_tenant.requests_to('POST', '/v3/auth/tokens')) == 1  # token mode asked IAM, as AK/SK never does


def documented_ranges() -> dict[str, tuple[int, int]]:
    """The number settings whose integration.yml text gives their range, "<least> to <most>" in whole numbers."""
    ranges = {}
    for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']:
        found = re.findall(r'\b([0-9]+) to ([0-9]+)\b', param.get('additionalinfo') or '')
        if param['type'] == 0 and len(found) == 1:
            ranges[param['name']] = tuple(map(int, found[0]))
    return ranges


RANGES = documented_ranges()


def test_the_documented_ranges_are_found():
    assert {'max_retries', 'max_fetch'} <= set(RANGES), RANGES


# Each end of a range the admin reads in the dialog is a value Test passes; one past either end fails it, naming the
# setting, before any request.
@pytest.mark.parametrize('name', sorted(RANGES))
def test_a_number_setting_takes_both_ends_of_its_documented_range_and_refuses_one_past_either(hss_tenant, name):
    least, most = RANGES[name]
    for value in (least, most):
        tested = run(hss_tenant.params(isFetch=True, **{name: str(value)}), 'test-module')
        assert not tested.failed and tested.entries[-1]['Contents'] == 'ok', (name, value, tested.entries[-1])
    sent = len(hss_tenant.gateway.requests)
    for value in (least - 1, most + 1):
        tested = run(hss_tenant.params(isFetch=True, **{name: str(value)}), 'test-module')
        assert tested.failed and name in tested.entries[-1]['Contents'], (name, value, tested.entries[-1])
    assert len(hss_tenant.gateway.requests) == sent
