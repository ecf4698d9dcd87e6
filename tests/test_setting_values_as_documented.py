"""Instance settings read as integration.yml and the README describe them, at the edges a slip in the reader would
move: an option's spelling, a bound's last value (over HTTP to the emulators, through the war room)."""
from __future__ import annotations

import re
from decimal import Decimal

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


NUMBER = r'[0-9]+(?:\.[0-9]+)?'


def documented_ranges() -> dict[str, tuple[Decimal, Decimal]]:
    """The number settings whose integration.yml text gives their range, "<least> to <most>" (0.1 to 1000 too)."""
    ranges = {}
    for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']:
        found = re.findall(rf'(?<![0-9.])({NUMBER}) to ({NUMBER})\b', param.get('additionalinfo') or '')
        if param['type'] == 0 and len(found) == 1:
            ranges[param['name']] = tuple(map(Decimal, found[0]))
    return ranges


def just_past(end: Decimal, direction: int) -> Decimal:
    """A value one past ``end``: 1 for a whole number, else one more decimal place (0.09 past 0.1)."""
    exponent = end.as_tuple().exponent
    return end + direction * (Decimal(1) if exponent == 0 else Decimal(10) ** (exponent - 1))


RANGES = documented_ranges()


def test_the_documented_ranges_are_found():
    # every number setting whose reader refuses a value past some bound tells the admin that bound
    assert {'max_retries', 'max_fetch', 'max_concurrency', 'xdr_rate_limit', 'hss_rate_limit'} <= set(RANGES), RANGES


# Each end of a range the admin reads in the dialog is a value Test passes; one past either end fails it, naming the
# setting, before any request. Both vendors are set up, and fetching on, so that Test reads every setting.
@pytest.mark.parametrize('name', sorted(RANGES))
def test_a_number_setting_takes_both_ends_of_its_documented_range_and_refuses_one_past_either(hss_tenant, name):
    least, most = RANGES[name]
    xdr = start_tenant()
    try:
        def test_with(value: Decimal):
            return run({**xdr.params(), **hss_tenant.params(isFetch=True), name: str(value)}, 'test-module')

        for value in (least, most):
            tested = test_with(value)
            assert not tested.failed and tested.entries[-1]['Contents'] == 'ok', (name, value, tested.entries[-1])
        sent = len(hss_tenant.gateway.requests), len(xdr.gateway.requests)
        for value in (just_past(least, -1), just_past(most, 1)):
            tested = test_with(value)
            assert tested.failed and name in tested.entries[-1]['Contents'], (name, value, tested.entries[-1])
        assert (len(hss_tenant.gateway.requests), len(xdr.gateway.requests)) == sent
    finally:
        xdr.server.stop()
