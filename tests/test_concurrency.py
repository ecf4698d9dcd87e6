"""State shared between requests and threads: retry notes, the IAM token, the integration context, the pool.

Bulk work sends from several threads at once through one client, so whatever the transport, the token
provider or the war room keep must be per request, or locked. Everything talks HTTP to the emulators.
"""
from __future__ import annotations

import json
import logging
import sys
import threading

import pytest

import restore_integration as ri
from conftest import hss_seed_copies, start_hss_tenant
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss import create_app
from warroom.emulator.httpserver import LoopbackServer
from warroom.runtime import Demisto, WarRoom

HSS_HASH = next(h for h, copies in sorted(hss_seed_copies().items()) if len(copies) > 1)
TOKENS_PATH = '/v3/auth/tokens'


@pytest.fixture
def tenant():
    tenant = start_hss_tenant()
    yield tenant
    tenant.stack.close()


def explicit_items(tenant, count):
    """``count`` freshly isolated files on one host, as the three parallel lists of an explicit-items command."""
    host = sorted(tenant.backend.hosts)[0]
    added = tenant.backend.add_isolated_files(host, count)
    return {name: json.dumps([item[name] for item in added]) for name in ('host_id', 'file_hash', 'file_path')}


def room(tenant, auth_type='token', **params):
    return WarRoom(params=tenant.params(auth_type, retry_backoff='0', hss_rate_limit='1000', **params),
                   time_scale=0, sleep=lambda _: None)


# --------------------------------------------------------------------------- 1. retry notes stay with their request


def test_a_retry_after_refusal_is_not_repeated_in_a_later_unrelated_hss_error(tenant):
    client = ri.build_client('hss', tenant.params('aksk', retry_backoff='0'))
    tenant.backend.inject_faults(FaultPlan.parse('sequence=429;retry-after=120'))
    with pytest.raises(ri.VendorApiError) as throttled:
        client.list_isolated_files(file_hash=HSS_HASH)
    assert 'Not retried: the vendor asked to wait 120 s' in str(throttled.value)

    with pytest.raises(ri.VendorApiError) as refused:  # no such host: HSS's 400, never retried
        client.restore_isolated_files([{'host_id': 'no-such-host', 'file_hash': HSS_HASH}])

    assert refused.value.http_status == 400
    assert 'retried' not in str(refused.value) and 'asked to wait' not in str(refused.value)
    assert client.transport.adapter.policy.history == ()  # the shared policy holds no request's state


def test_a_retry_after_refusal_is_not_repeated_in_a_later_unrelated_iam_error(tenant):
    params = tenant.params('token', retry_backoff='0', hss_credentials={'identifier': 'soar-restore',
                                                                         'password': 'not-the-password'})
    provider = ri.build_client('hss', params).token_provider
    tenant.backend.iam_faults = FaultPlan.parse('sequence=429;retry-after=120')
    with pytest.raises(ri.VendorApiError) as throttled:
        provider.token()
    assert 'Not retried: the vendor asked to wait 120 s' in str(throttled.value)

    with pytest.raises(ri.VendorApiError) as refused:  # the wrong password: IAM's 401
        provider.token()

    assert refused.value.http_status == 401 and 'asked to wait' not in str(refused.value)


# --------------------------------------------------------------------------- 2. one IAM token per command


def test_concurrent_batches_of_one_command_fetch_one_token(tenant):
    args = explicit_items(tenant, 8 * ri.HSS_MAX_ITEMS_PER_REQUEST)
    # IAM answers 0.3 s late: every batch starts while the first token request is still out.
    tenant.backend.iam_faults = FaultPlan.parse('sequence=slow*8;delay=0.3')

    result = room(tenant, max_concurrency='8').run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 8
    assert len(tenant.requests_to('POST', TOKENS_PATH)) == 1


def test_the_integration_context_is_read_once_per_command_not_per_request(tenant, monkeypatch):
    war_room = room(tenant, max_concurrency='4')
    war_room.run('hss-restore-isolated', {'file_hash': HSS_HASH})  # caches a token
    reads = []
    read = Demisto.getIntegrationContext
    monkeypatch.setattr(Demisto, 'getIntegrationContext', lambda self: reads.append(1) or read(self))
    sent = len(tenant.backend.requests)

    result = war_room.run('hss-restore-isolated', explicit_items(tenant, 4 * ri.HSS_MAX_ITEMS_PER_REQUEST))

    assert not result.failed, result.entries[-1]
    assert len(tenant.backend.requests) - sent == 4 and not tenant.requests_to('POST', TOKENS_PATH)[1:]
    assert len(reads) == 1


def test_a_token_is_dropped_only_when_it_is_the_one_that_failed(tenant):
    context = {}
    cache = ri.IntegrationContextCache(Demisto({}, 'test', {}, context, []))
    provider = ri.build_client('hss', tenant.params('token'), cache).token_provider
    first = provider.token()

    provider.invalidate('a-token-another-thread-already-replaced')  # a stale failure: the fresh token stays

    assert provider.token() == first and context[ri.TOKEN_CACHE_KEY]['token'] == first
    provider.invalidate(first)
    second = provider.token()
    assert second != first and context[ri.TOKEN_CACHE_KEY]['token'] == second
    assert len(tenant.requests_to('POST', TOKENS_PATH)) == provider.tokens_fetched == 2


def test_the_war_room_context_is_never_seen_half_written():
    context = {'hss_iam_token': {'token': 't'}, 'other': 1}
    demisto = Demisto({}, 'test', {}, context, [])
    seen, done = [], threading.Event()

    def write():
        for number in range(20000):
            demisto.setIntegrationContext({'hss_iam_token': {'token': str(number)}, 'other': number})
        done.set()

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to land in any window there is
    try:
        writer = threading.Thread(target=write)
        writer.start()
        while not done.is_set():
            state = demisto.getIntegrationContext()
            if set(state) != {'hss_iam_token', 'other'}:
                seen.append(state)
        writer.join()
    finally:
        sys.setswitchinterval(switch)

    assert seen == []


# --------------------------------------------------------------------------- 3. a pool as large as the concurrency


def test_the_connection_pool_keeps_a_connection_for_every_concurrent_request(tenant, caplog):
    def slow(request, app=create_app(tenant.backend)):
        threading.Event().wait(0.2)  # every batch of a round is in flight at once
        return app(request)

    args = explicit_items(tenant, 32 * ri.HSS_MAX_ITEMS_PER_REQUEST)
    with LoopbackServer(slow) as server, caplog.at_level(logging.WARNING, logger='urllib3'):
        result = room(tenant, 'aksk', max_concurrency='16', hss_endpoint=server.url).run('hss-restore-isolated',
                                                                                          args)
        accepted = server.connections_accepted

    assert not result.failed, result.entries[-1]
    assert not [r for r in caplog.records if 'Connection pool is full' in r.getMessage()]
    assert accepted <= 16  # the second round reuses the first round's connections
    params = tenant.params('aksk', max_concurrency='64')
    assert ri.build_client('hss', params).transport.adapter._pool_maxsize == 64
    assert ri.build_client('hss', tenant.params('aksk')).transport.adapter._pool_maxsize == 10


# --------------------------------------------------------------------------- 5. each reply parsed once


def test_each_reply_is_parsed_once(tenant, monkeypatch):
    parsed = []
    loads, response_json = ri.json.loads, ri.requests.Response.json
    monkeypatch.setattr(ri, 'json', type('CountingJson', (), {
        'loads': staticmethod(lambda *a, **k: parsed.append('loads') or loads(*a, **k))}))
    monkeypatch.setattr(ri.requests.Response, 'json',
                        lambda self, **k: parsed.append('json') or response_json(self, **k))
    client = ri.build_client('hss', tenant.params('token', retry_backoff='0'))

    client.list_isolated_files(file_hash=HSS_HASH)  # an IAM token (201, JSON), then the listing (200, JSON)
    assert len(parsed) == 2
    tenant.backend.expire_tokens()
    parsed.clear()
    with pytest.raises(ri.VendorApiError) as refused:  # a 401, a new token (201, JSON), then HSS's 400 (JSON)
        client.restore_isolated_files([{'host_id': 'no-such-host', 'file_hash': HSS_HASH}])
    assert refused.value.http_status == 400 and len(tenant.requests_to('POST', TOKENS_PATH)) == 2
    assert len(parsed) == 2  # the first 401 needs no reading: any 401 in token mode gets one new token
