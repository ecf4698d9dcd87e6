"""The instance's rate ceilings end to end: with xdr_rate_limit or hss_rate_limit at N (integration.yml: "The most
requests per second this instance sends to" the vendor), no second of a run through the war room carries more than N
of the instance's requests, as the vendor's emulator receives them; left unset, the documented default holds; a value
no rate can be is refused by Test, naming the setting, before any request.

Each request's arrival is noted on the test clock that the integration's limiter waits on, the war room's polling
waits move, and the emulator runs on: no wall-clock time is measured. One worker (max_concurrency 1), so a request
goes out at the moment its turn comes on that clock: several threads moving one fake clock would add their waits up.
The tenants set no limit of their own, so no 429 slows the instance: the ceiling alone paces it.
"""
from __future__ import annotations

import json
import secrets
from bisect import bisect_left, bisect_right

import pytest

from conftest import XDR_KEY_ID, XDR_SEED, Arrivals, FakeClock, integration_on_clock, start_hss_tenant, start_tenant
from warroom.emulator.hss import create_app as create_hss_app
from warroom.emulator.httpserver import LoopbackServer
from warroom.emulator.xdr import XdrBackend, XdrGateway, create_app as create_xdr_app
from warroom.runtime import WarRoom
from warroom.spec import load_spec

PARAMS = load_spec().params
SETTING = {'xdr': 'xdr_rate_limit', 'hss': 'hss_rate_limit'}


def busiest_second(times: list[float]) -> int:
    """The most arrivals any one second holds, its both ends included: [t, t + 1] from each arrival t."""
    times = sorted(times)
    return max(bisect_right(times, t + 1.0) - bisect_left(times, t) for t in times)


def documented_default(name: str) -> float:
    return float(PARAMS[name].default)


@pytest.fixture
def clock(monkeypatch):
    clock = FakeClock(0.0)
    return clock, integration_on_clock(monkeypatch, clock)


def xdr_run(clock, moved, ceiling: str | None, files: int) -> list[float]:
    """restore-file of ``files`` files on an emulated tenant, polled to the end: each request's arrival time."""
    backend = XdrBackend.from_seed(XDR_SEED, stage_seconds=0, clock=clock, wall_clock=moved.time)
    key = secrets.token_hex(32)
    backend.add_api_key(XDR_KEY_ID, key, auth_type='advanced')
    hashes = backend.quarantine_files(files, salt='ceiling')
    arrivals = Arrivals(create_xdr_app(XdrGateway(backend, rate_limit=None)), clock)
    params = {'xdr_url': '', 'xdr_api_key_id': XDR_KEY_ID, 'xdr_api_key': {'identifier': '', 'password': key},
              'xdr_auth_type': 'advanced', 'max_concurrency': '1'}
    if ceiling is not None:
        params['xdr_rate_limit'] = ceiling
    with LoopbackServer(arrivals) as server:
        params['xdr_url'] = server.url
        result = WarRoom(params=params, sleep=clock.advance, clock=clock).run('restore-file',
                                                                              {'file_hash': ','.join(hashes)})
    assert not result.failed, result.entries[-1]
    assert sorted(action.file_hash for action in backend.actions.values()) == sorted(hashes)  # each sent, once
    return arrivals.times


def hss_run(clock, moved, ceiling: str | None, batches: int) -> list[float]:
    """hss-restore-isolated of ``batches`` hundred copies on an emulated project (AK/SK), polled to the end: each
    request's arrival time."""
    tenant = start_hss_tenant(stage_seconds=0, clock=clock, wall_clock=moved.time)
    try:
        host = sorted(tenant.backend.hosts)[0]
        added = tenant.backend.add_isolated_files(host, 100 * batches)
        args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}
        arrivals = Arrivals(create_hss_app(tenant.gateway), clock)
        with LoopbackServer(arrivals) as server:
            params = tenant.params('aksk', hss_endpoint=server.url, max_concurrency='1')
            if ceiling is not None:
                params['hss_rate_limit'] = ceiling
            result = WarRoom(params=params, sleep=clock.advance, clock=clock).run('hss-restore-isolated', args)
        assert not result.failed, result.entries[-1]
        assert sum(tenant.backend.put_sizes) == len(added)  # every copy sent
        return arrivals.times
    finally:
        tenant.stack.close()


def assert_paced_at(times: list[float], ceiling: float) -> None:
    # Enough requests for several seconds at the ceiling, none of them over it, and the pace close to it: a ceiling
    # met at a fraction of the rate would say nothing of where it stands.
    assert len(times) >= 2 * ceiling, len(times)
    busiest = busiest_second(times)
    assert 0.9 * ceiling <= busiest <= ceiling, (busiest, ceiling)


@pytest.mark.parametrize('ceiling', ['3', '20'])
def test_no_second_carries_more_cortex_xdr_requests_than_xdr_rate_limit_and_the_pace_comes_near_it(clock, ceiling):
    times = xdr_run(*clock, ceiling, files=int(3 * float(ceiling)))

    assert_paced_at(times, float(ceiling))


def test_at_its_default_xdr_rate_limit_holds_the_documented_requests_per_second(clock):
    default = documented_default('xdr_rate_limit')  # integration.yml's defaultvalue, README's settings table

    times = xdr_run(*clock, None, files=int(2 * default))

    assert_paced_at(times, default)


@pytest.mark.parametrize('ceiling', ['3', '20'])
def test_no_second_carries_more_hss_requests_than_hss_rate_limit_and_the_pace_comes_near_it(clock, ceiling):
    times = hss_run(*clock, ceiling, batches=int(3 * float(ceiling)))

    assert_paced_at(times, float(ceiling))


def test_at_its_default_hss_rate_limit_holds_the_documented_requests_per_second(clock):
    default = documented_default('hss_rate_limit')

    times = hss_run(*clock, None, batches=int(1.5 * default))

    assert_paced_at(times, default)


# integration.yml gives each setting as a number of requests per second and no bounds beyond that: none, fewer than
# none, or a word, is no rate. Test refuses it, as XSOAR's instance dialog labels the setting and by its name, before
# any request goes to the vendor.
@pytest.mark.parametrize('value', ['0', '-1', 'fast'])
@pytest.mark.parametrize('vendor', ['xdr', 'hss'])
def test_a_rate_ceiling_that_is_no_rate_is_refused_by_test_naming_the_setting_before_any_request(hss_tenant, vendor,
                                                                                                 value):
    name = SETTING[vendor]
    xdr = start_tenant()
    try:
        params = dict(xdr.params() if vendor == 'xdr' else hss_tenant.params(), **{name: value})
        tested = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('test-module', {})
    finally:
        xdr.server.stop()

    shown = tested.entries[-1]['Contents']
    assert tested.failed and f'"{PARAMS[name].display}" ({name})' in shown, shown
    assert xdr.gateway.requests == [] and hss_tenant.gateway.requests == []
