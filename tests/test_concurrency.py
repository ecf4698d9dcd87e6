"""State shared between requests and threads: retry notes, the IAM token, the integration context, the pool.

Bulk work sends from several threads at once through one client, so whatever the transport, the token
provider or the war room keep must be per request, or locked. Everything talks HTTP to the emulators.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
import yaml

import facts
import restore_integration as ri
from conftest import (AMPLE_READ_TIMEOUT, ROOT, FakeClock, client_from_params, hss_seed_copies,
                      only_the_next_attempt_waits_briefly, refused_in_a_worker)
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss import create_app
from warroom.emulator.httpserver import AbortConnection, Headers, LoopbackServer, Response, json_response
from warroom.playbook.runner import PlaybookRunner, ScriptDemisto, _load_script
from warroom.runtime import Demisto, DemistoMisuse, WarRoom

HSS_HASH = next(h for h, copies in sorted(hss_seed_copies().items()) if len(copies) > 1)
TOKENS_PATH = '/v3/auth/tokens'


@pytest.fixture
def tenant(hss_tenant):
    return hss_tenant  # conftest's fresh HSS project, under this module's name


def explicit_items(tenant, count):
    """``count`` freshly isolated files on one host, as the three parallel lists of an explicit-items command
    (without polling: these tests count the restore requests)."""
    host = sorted(tenant.backend.hosts)[0]
    added = tenant.backend.add_isolated_files(host, count)
    args = {name: json.dumps([item[name] for item in added]) for name in ('host_id', 'file_hash', 'file_path')}
    return dict(args, polling='false')


def room(tenant, auth_type='token', **params):
    return WarRoom(params=tenant.params(auth_type, retry_backoff='0', hss_rate_limit='1000', **params),
                   time_scale=0, sleep=lambda _: None)


# --------------------------------------------------------------------------- 1. retry notes stay with their request


def on_test_clock(params):
    """An HSS client whose limiter (and so its IAM provider's) runs on a FakeClock: a pause costs no time."""
    clock = FakeClock()
    limiter = ri.AdaptiveRateLimiter(1000, clock=clock, sleep=clock.advance)
    return ri.HssClient(ri.read_hss_settings(params), ri.read_transport_settings(params), limiter=limiter), clock


def test_a_retry_after_refusal_is_not_repeated_in_a_later_unrelated_hss_error(tenant):
    client, clock = on_test_clock(tenant.params('aksk', retry_backoff='0'))
    client.transport.wait_at_most(60)
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=120'))
    with pytest.raises(ri.VendorApiError) as throttled:
        client.list_isolated_files(file_hash=HSS_HASH)
    assert 'Not retried: the vendor asked to wait 120 s (Retry-After), past the 60 s' in str(throttled.value)
    clock.advance(120)  # the pause every request of the client honours

    with pytest.raises(ri.VendorApiError) as refused:  # no such host: HSS's 400, never retried
        client.restore_isolated_files([{'host_id': 'no-such-host', 'file_hash': HSS_HASH}])

    assert refused.value.http_status == 400 and len(refused.value.attempts) == 1
    assert 'retried' not in str(refused.value) and 'asked to wait' not in str(refused.value)


def test_a_retry_after_refusal_is_not_repeated_in_a_later_unrelated_iam_error(tenant):
    params = tenant.params('token', retry_backoff='0', hss_credentials={'identifier': 'soar-restore',
                                                                         'password': 'not-the-password'})
    client, clock = on_test_clock(params)
    provider = client.token_provider
    provider.transport.wait_at_most(60)
    tenant.gateway.iam_faults = FaultPlan.parse('sequence=429;retry-after=120')
    with pytest.raises(ri.VendorApiError) as throttled:
        provider.token()
    assert 'Not retried: the vendor asked to wait 120 s' in str(throttled.value)
    clock.advance(120)

    with pytest.raises(ri.VendorApiError) as refused:  # the wrong password: IAM's 401
        provider.token()

    assert refused.value.http_status == 401 and 'asked to wait' not in str(refused.value)


# --------------------------------------------------------------------------- 2. one IAM token per command


def test_concurrent_batches_of_one_command_fetch_one_token(tenant):
    args = explicit_items(tenant, 8 * facts.HSS_MAX_ITEMS_PER_REQUEST)
    # IAM answers 0.3 s late: every batch starts while the first token request is still out.
    tenant.gateway.iam_faults = FaultPlan.parse('sequence=slow*8;delay=0.3')

    result = room(tenant, max_concurrency='8').run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 8
    assert len(tenant.requests_to('POST', TOKENS_PATH)) == 1


def test_the_integration_context_is_read_once_per_command_not_per_request(tenant, monkeypatch):
    war_room = room(tenant, max_concurrency='4')
    war_room.run('hss-restore-isolated', {'file_hash': HSS_HASH})  # caches a token
    reads = []
    for name in ('getIntegrationContext', 'getIntegrationContextVersioned'):  # a read of either kind
        read = getattr(Demisto, name)
        monkeypatch.setattr(Demisto, name, lambda self, *args, read=read: reads.append(1) or read(self, *args))
    sent = len(tenant.gateway.requests)

    result = war_room.run('hss-restore-isolated', explicit_items(tenant, 4 * facts.HSS_MAX_ITEMS_PER_REQUEST))

    assert not result.failed, result.entries[-1]
    assert len(tenant.gateway.requests) - sent == 4 and not tenant.requests_to('POST', TOKENS_PATH)[1:]
    assert len(reads) == 1


def test_a_token_is_dropped_only_when_it_is_the_one_that_failed(tenant):
    provider = client_from_params('hss', tenant.params('token')).token_provider
    first = provider.token()

    provider.invalidate('a-token-another-thread-already-replaced')  # a stale failure: the fresh token stays

    assert provider.token() == first and provider.cache_entry()['token'] == first
    provider.invalidate(first)
    second = provider.token()
    assert second != first and provider.cache_entry()['token'] == second
    assert len(tenant.requests_to('POST', TOKENS_PATH)) == 2


def test_the_war_room_refuses_a_demisto_call_from_any_thread_but_the_commands():
    demisto = Demisto({}, 'test', {}, {}, [])

    refused = refused_in_a_worker((demisto.getIntegrationContext, lambda: demisto.setIntegrationContext({}),
                                   lambda: demisto.results('x'), lambda: demisto.info('[progress] x'), demisto.params))

    assert len(refused) == 5 and all("thread 'worker-1'" in text for text in refused)
    assert demisto.entries == [] and demisto.getIntegrationContext() == {}


ENTRY = {'Type': 1, 'ContentsFormat': 'text', 'Contents': 'x'}


@pytest.mark.parametrize('command, call', [
    ('restore-file', lambda d: d.params()), ('restore-file', lambda d: d.command()),
    ('restore-file', lambda d: d.args()), ('restore-file', lambda d: d.results(ENTRY)),
    ('restore-file', lambda d: d.context()), ('restore-file', lambda d: d.getIntegrationContext()),
    ('restore-file', lambda d: d.setIntegrationContext({})),
    ('restore-file', lambda d: d.getIntegrationContextVersioned()),
    ('restore-file', lambda d: d.setIntegrationContextVersioned({}, -1)), ('fetch-incidents', lambda d: d.getLastRun()),
    ('fetch-incidents', lambda d: d.setLastRun({})), ('fetch-incidents', lambda d: d.incidents([])),
    ('restore-file', lambda d: d.demistoVersion()), ('restore-file', lambda d: d.enable_multithreading()),
    ('restore-file', lambda d: d.debug('x')), ('restore-file', lambda d: d.info('x')),
    ('restore-file', lambda d: d.error('x')), ('restore-file', lambda d: d.print('x')),
    ('restore-file', lambda d: d.csp_info('x')),
], ids=lambda value: value if isinstance(value, str) else '')
def test_every_demisto_call_from_a_worker_is_refused_and_taken_from_the_thread_running_the_command(command, call):
    # Each is a request and a reply on XSOAR's one channel (DemistoClassApiModuleClasses.py, ``__do``), unlocked
    # before enable_multithreading(): no call is exempt.
    demisto = Demisto({}, command, {}, {}, [])

    refused = refused_in_a_worker([lambda: call(demisto)])

    assert len(refused) == 1 and "thread 'worker-1'" in refused[0]
    call(Demisto({}, command, {}, {}, []))  # the same call from this thread is taken


def test_commonserverpythons_debug_log_is_taken_from_a_worker_only_after_enable_multithreading():
    # DemistoClassApiModule serves calls from any thread under a lock on its channel once enable_multithreading() ran;
    # CSP's debug log (csp_info) calls demisto.info from the thread that sent each request.
    log = []
    demisto = Demisto({}, 'restore-file', {}, {}, log)

    before = refused_in_a_worker([lambda: demisto.csp_info('send: before')])
    demisto.enable_multithreading()
    after = refused_in_a_worker([lambda: demisto.csp_info('send: after'), lambda: demisto.info('own call')])

    assert len(before) == 1 and "thread 'worker-1'" in before[0]
    assert len(after) == 1 and 'demisto.info()' in after[0]  # the integration's own calls stay on its thread
    assert log == [('info', 'send: after')]


def test_a_script_s_log_call_from_another_thread_is_refused_as_the_integration_s_is():
    # A script's demisto, like the integration's, is one request-and-reply channel to the server; a script never
    # enables multithreading, so CommonServerPython's own log line of a Python warning (csp_info) is refused too.
    demisto = ScriptDemisto({}, {}, {})

    calls = (demisto.debug, demisto.info, demisto.error, demisto.csp_info)
    refused = refused_in_a_worker([lambda call=call: call('from a worker') for call in calls])

    assert len(refused) == len(calls) and all("thread 'worker-1'" in text for text in refused)


def test_a_print_is_a_demisto_log_call_from_the_thread_running_the_integration_or_the_script_only(monkeypatch):
    # XSOAR runs the code after ``print = demisto_print`` (DemistoClassApiModuleClasses.py): a print is demisto.log,
    # sent down the one channel as any call is, so a worker's print can mix with the calls of the thread running it.
    refused, ran = [], []

    def prints(demisto, module):
        ran.append(demisto)
        say = vars(module)['print']  # what ``print`` names in the code's own namespace while it runs
        say('from the run')
        refused.extend(refused_in_a_worker([lambda: say('from a worker')]))
        demisto.results('done')

    script = _load_script('QuarantineRestoreOnClose')
    monkeypatch.setattr(ri, 'main', lambda demisto: prints(demisto, ri))
    monkeypatch.setattr(script, 'main', lambda demisto: prints(demisto, script))
    with pytest.raises(DemistoMisuse, match='worker-1'):  # kept, though the code caught it: the run fails with it
        WarRoom(params={}).run('restore-file', {'file_hash': 'a' * 64, 'polling': 'false'})
    assert PlaybookRunner({}).run_post_processing('QuarantineRestoreOnClose', {}).failed

    assert ('info', 'from the run') in ran[0].log
    assert len(refused) == 2 and all("thread 'worker-1'" in text for text in refused)
    assert 'print' not in vars(ri) and 'print' not in vars(script)  # their own namespaces again once they end


def swallowing(misuse):
    """Code that makes one misuse of ``demisto``, catches what the war room raised for it, and goes on to a good
    answer, as a broad ``except Exception`` (the integration's main, a script's, a worker's) would."""
    def main(demisto):
        try:
            misuse(demisto)
        except Exception:  # noqa: BLE001 - the point: the code hides the refusal
            pass
        demisto.results({'Type': 1, 'ContentsFormat': 'text', 'Contents': 'ok'})
    return main


def from_a_worker(demisto):
    def work():
        try:
            demisto.info('from a worker')
        except Exception:  # noqa: BLE001 - a worker that carries on, as the code around it would not see it fail
            pass

    worker = threading.Thread(target=work, name='worker-1')
    worker.start()
    worker.join()


@pytest.mark.parametrize('misuse, said, scripts_too', [
    (from_a_worker, "thread 'worker-1'", True),  # XSOAR's channel mixes the replies: nothing in the code sees it
    (lambda demisto: demisto.results({'Type': 1, 'ContentsFormat': 'json', 'Contents': {1, 2}}), 'JSON', True),
    (lambda demisto: demisto.setIntegrationContext({'kept': {'a': 1}}), 'text values only', False),
])
def test_a_demisto_call_the_war_room_refused_fails_the_run_even_when_the_code_catches_the_refusal(
        monkeypatch, misuse, said, scripts_too):
    """XSOAR's channel is one stream both ways (DemistoClassApiModuleClasses.py, ``__do``): two threads' calls mix on
    it unlocked, and json.dump writes what it encoded before it meets a value it cannot, so a refused call has
    already broken the run whatever the code does next. The war room's refusal is a DemistoMisuse the code could
    catch (a broad ``except Exception``) and answer 'ok' over: it is kept, and the run fails with it (a command's
    raises it, as any refused call it returns; a script's task fails, as when the script crashes)."""
    script = _load_script('QuarantineRestoreOnClose')
    monkeypatch.setattr(ri, 'main', swallowing(misuse))
    monkeypatch.setattr(script, 'main', swallowing(misuse))

    with pytest.raises(DemistoMisuse, match=said):
        WarRoom(params={}).run('restore-file', {'file_hash': 'a' * 64, 'polling': 'false'})
    if scripts_too:  # a script has no integration context; its refused call is its task's error, as its crash is
        run = PlaybookRunner({}).run_post_processing('QuarantineRestoreOnClose', {})
        assert run.failed and [entry['Type'] for entry in run.entries] == [4] and said in run.entries[0]['Contents']


def test_a_fetch_whose_code_caught_a_refused_demisto_call_fails(monkeypatch):
    def fetch(demisto):
        try:
            demisto.setLastRun({'next': 5})  # the last run takes text values only
        except Exception:  # noqa: BLE001
            pass
        demisto.incidents([])

    monkeypatch.setattr(ri, 'main', fetch)
    last_run = {'next': '1'}
    with pytest.raises(DemistoMisuse, match='text values only'):
        WarRoom(params={}).fetch(last_run)
    assert last_run == {'next': '1'}


def test_the_war_room_keeps_xsoars_json_rules_for_entries_and_the_integration_context():
    store = {'kept': {'a': 1}}
    demisto = Demisto({}, 'test', {}, store, [])
    handed_out = demisto.getIntegrationContext()
    handed_out['kept']['a'] = 2  # a copy: the stored context does not change
    assert store == {'kept': {'a': 1}}
    with pytest.raises(DemistoMisuse, match='JSON round trip'):
        demisto.setIntegrationContext({'when': object()})
    with pytest.raises(DemistoMisuse, match='JSON round trip'):
        demisto.results({'Type': 1, 'ContentsFormat': 'json', 'Contents': {1, 2}})
    demisto.results({'Type': 1, 'ContentsFormat': 'json', 'Contents': ('a', 'b')})
    assert demisto.entries[-1]['Contents'] == ['a', 'b']  # as XSOAR hands it back: a list


def test_bulk_work_in_token_mode_calls_demisto_from_the_main_thread_only(tenant):
    # Tokens expire mid-run and IAM answers late, so workers fetch and drop tokens while others wait: any demisto
    # call from a worker would be refused by the war room and end the command with an error entry.
    args = explicit_items(tenant, 12 * facts.HSS_MAX_ITEMS_PER_REQUEST)
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,expire-token,ok,ok,expire-token'))
    tenant.gateway.iam_faults = FaultPlan.parse('sequence=slow*3;delay=0.2')
    war_room = room(tenant, max_concurrency='8')

    result = war_room.run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    fetched = len(tenant.requests_to('POST', TOKENS_PATH))
    assert fetched >= 2
    # The main thread kept the last good token: the next command uses it and fetches none.
    assert not war_room.run('hss-restore-isolated', {'file_hash': HSS_HASH}).failed
    assert len(tenant.requests_to('POST', TOKENS_PATH)) == fetched


# --------------------------------------------------------------------------- 3. a pool as large as the concurrency


def test_the_connection_pool_keeps_a_connection_for_every_concurrent_request(tenant, caplog):
    def slow(request, app=create_app(tenant.gateway)):
        threading.Event().wait(0.2)  # every batch of a round is in flight at once
        return app(request)

    args = explicit_items(tenant, 32 * facts.HSS_MAX_ITEMS_PER_REQUEST)
    with LoopbackServer(slow) as server, caplog.at_level(logging.WARNING, logger='urllib3'):
        result = room(tenant, 'aksk', max_concurrency='16', hss_endpoint=server.url).run('hss-restore-isolated',
                                                                                          args)
        accepted = server.connections_accepted

    assert not result.failed, result.entries[-1]
    assert not [r for r in caplog.records if 'Connection pool is full' in r.getMessage()]
    assert accepted <= 16  # the second round reuses the first round's connections
    params = tenant.params('aksk', max_concurrency='64')
    assert client_from_params('hss', params).transport.session.get_adapter('https://x')._pool_maxsize == 64
    # Left unset, max_concurrency is integration.yml's default: the pool holds at least that many connections.
    [setting] = [p for p in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']
                 if p['name'] == 'max_concurrency']
    assert 'max_concurrency' not in tenant.params('aksk')
    pool = client_from_params('hss', tenant.params('aksk')).transport.session.get_adapter('https://x')._pool_maxsize
    assert pool >= int(setting['defaultvalue']), (pool, setting['defaultvalue'])



def test_the_listing_before_a_put_is_sent_again_keeps_within_max_concurrency(tenant):
    """A PUT answered 500 (HSS may have acted) lists its files before it goes again, on its bulk worker: that listing
    must not add a worker pool of its own beside the other batches in flight."""
    in_flight, most, lock, puts = [0], [0], threading.Lock(), []

    def counted(request, app=create_app(tenant.gateway)):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            puts.append(request.method == 'PUT')
            wait = 0.05  # a listing's page, slow enough for two to overlap
            if request.method == 'PUT':
                wait = 1 if sum(puts) > 1 else 0  # the later batch is in flight while the first one's listing is read
        try:
            threading.Event().wait(wait)
            return app(request)
        finally:
            with lock:
                in_flight[0] -= 1

    args = explicit_items(tenant, 2 * facts.HSS_MAX_ITEMS_PER_REQUEST)
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=500'))
    with LoopbackServer(counted) as server:
        result = room(tenant, 'aksk', max_concurrency='2', hss_endpoint=server.url).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    assert len(puts) > sum(puts) + 2  # the listing was read
    assert most[0] <= 2, most[0]


def refusal_taken_event(monkeypatch) -> threading.Event:
    """Set once a batch's failure is handled (held_back), its refusal recorded for every batch after it."""
    taken, held_back = threading.Event(), ri.held_back

    def noted(error, client):
        taken.set()
        return held_back(error, client)
    monkeypatch.setattr(ri, 'held_back', noted)
    return taken


def signature_spoiled(request):
    """The request as HSS gets it with its AK/SK signature spoiled: HSS's 401, which every later request would meet."""
    spoiled = request.headers['Authorization'].replace('Signature=', 'Signature=0')
    return dataclasses.replace(request, headers=Headers({**request.headers, 'Authorization': spoiled}))


def lost_answer_beside_a_refusal(tenant, monkeypatch):
    """Three batches: the first PUT to come goes alone and is accepted (HSS's gateway took the access key: README,
    "Only the main thread talks to XSOAR"); of the two then side by side, the first is held until the other's was
    refused (a spoiled signature: HSS's 401, which every later request would meet) and the command took that refusal,
    then HSS acts on it and its answer is lost. Returns the run's result and the methods of the requests HSS got."""
    refusal_taken, lock, seen, app = refusal_taken_event(monkeypatch), threading.Lock(), [], create_app(tenant.gateway)

    def served(request):
        with lock:
            seen.append(request.method)
            accepted, first_put = seen == ['PUT'], seen == ['PUT', 'PUT']
        if accepted:
            return app(request)
        if first_put:
            assert refusal_taken.wait(10)
            app(request)  # HSS acts on it; its answer is lost
            raise AbortConnection()
        if request.method == 'PUT':
            request = signature_spoiled(request)
        return app(request)

    args = explicit_items(tenant, 3 * facts.HSS_MAX_ITEMS_PER_REQUEST)
    with LoopbackServer(served) as server:
        result = room(tenant, 'aksk', max_concurrency='2', hss_endpoint=server.url).run('hss-restore-isolated', args)
    assert refusal_taken.is_set()
    return result, seen


def test_a_put_whose_answer_was_lost_lists_nothing_once_another_batch_met_a_refusal_every_request_meets(
        tenant, monkeypatch):
    result, seen = lost_answer_beside_a_refusal(tenant, monkeypatch)

    assert 'verify aksk signature fail' in json.dumps(result.entries[-1]['Contents'])
    assert seen == ['PUT', 'PUT', 'PUT']  # the accepted one, the lost one, the refused one: no listing, no PUT again


def test_the_listing_after_a_lost_answer_stops_between_its_pages_once_another_batch_met_a_refusal(tenant, monkeypatch):
    """The first PUT to come is answered 500 (HSS may have acted): its files are listed, a hash a page, before it goes
    again. The other batch's PUT is refused (HSS's 401) once that listing's first page is asked for, which is answered
    once the command took the refusal: no other page is asked for."""
    refusal_taken, listing_begun, lock, seen = refusal_taken_event(monkeypatch), threading.Event(), threading.Lock(), []
    app = create_app(tenant.gateway)

    def served(request):
        with lock:
            seen.append(request.method)
            puts = seen.count('PUT')
        if request.method == 'GET':
            listing_begun.set()
            assert refusal_taken.wait(10)
        elif puts == 1:
            return json_response(500, {'error_code': 'HSS.1000', 'error_msg': 'Internal error.'})
        else:
            assert listing_begun.wait(10)
            request = signature_spoiled(request)
        return app(request)

    args = explicit_items(tenant, 2 * facts.HSS_MAX_ITEMS_PER_REQUEST)
    hashes, batch = json.loads(args['file_hash']), facts.HSS_MAX_ITEMS_PER_REQUEST
    assert len(set(hashes[:batch])) > 1 and len(set(hashes[batch:])) > 1  # either batch's listing takes pages
    with LoopbackServer(served) as server:
        result = room(tenant, 'aksk', max_concurrency='2', hss_endpoint=server.url).run('hss-restore-isolated', args)

    assert 'verify aksk signature fail' in json.dumps(result.entries[-1]['Contents'])
    assert sorted(seen) == ['GET', 'PUT', 'PUT']  # one page only (the other PUT may come before it or after)


def test_a_put_whose_answer_was_lost_not_sent_again_for_another_batchs_refusal_says_that_refusal_then_to_list_first(
        tenant, monkeypatch):
    result, _ = lost_answer_beside_a_refusal(tenant, monkeypatch)

    reasons = {row['reason'] for row in result.entries[-1]['Contents']['items']}
    lost = next(reason for reason in reasons if reason.startswith('Not sent: '))
    assert 'verify aksk signature fail' in lost
    assert lost.count('HSS may have accepted the restore even so') == 1, lost
    assert lost.endswith('list these files (isolation_status restoring) before sending them again.'), lost


def test_a_put_whose_answer_was_lost_then_not_sent_again_for_another_batchs_refusal_counts_only_the_attempt_that_went(
        tenant, monkeypatch):
    # Its second attempt was stopped before its turn (another batch's refusal): only the first reached HSS, so the
    # reason speaks of that one answer, not of one of two attempts.
    result, seen = lost_answer_beside_a_refusal(tenant, monkeypatch)

    assert seen.count('PUT') == 3  # the accepted one, the lost one and the other batch's refused one
    lost = next(row['reason'] for row in result.entries[-1]['Contents']['items'] if row['reason'].startswith('Not '))
    assert 'HSS may have accepted the restore even so, as its answer was lost' in lost, lost
    assert 'attempts' not in lost, lost


@contextlib.contextmanager
def environment_proxy(monkeypatch, app, login=''):
    """``app`` served as the proxy this machine's environment sets (its URL holding ``login``, as user:password@),
    which every request goes through."""
    with LoopbackServer(app) as proxy:
        for name in ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'):
            monkeypatch.setenv(name, proxy.url.replace('://', f'://{login}', 1))
        for name in ('NO_PROXY', 'no_proxy'):
            monkeypatch.delenv(name, raising=False)
        yield proxy


def isolated_copies(tenant, count):
    """``count`` freshly isolated copies on one host, as a PUT's items."""
    return [{key: row[key] for key in ('host_id', 'file_hash', 'file_path')}
            for row in tenant.backend.add_isolated_files(sorted(tenant.backend.hosts)[0], count)]


def lost_answer_whose_listing_a_proxy_refusal_stops(tenant, monkeypatch, after_its_first_attempt: bool) -> str:
    """A PUT answered 500 (HSS acts on it): the listing read before it goes again is stopped once the proxy this
    machine's environment sets refused another request's login (the same client's PUT on another thread), after that
    listing's first attempt (HSS's 503, worth a retry) or before it. The first PUT's error. A PUT accepted before them
    has the client's requests go side by side (README, "Only the main thread talks to XSOAR")."""
    app, lock, seen, errors = create_app(tenant.gateway), threading.Lock(), [], []
    first_put_came, listing_begun, refusal_taken = threading.Event(), threading.Event(), threading.Event()

    def proxied(request):  # the environment's proxy, which every request goes through
        with lock:
            seen.append(request.method)
            accepted, first_put = seen == ['PUT'], seen == ['PUT', 'PUT']
        if accepted:
            return app(request)
        if request.method == 'GET':
            listing_begun.set()
            assert refusal_taken.wait(10)
            return json_response(503, {'error_code': 'HSS.1000', 'error_msg': 'Service unavailable.'})
        if first_put:
            first_put_came.set()
            if not after_its_first_attempt:
                assert refusal_taken.wait(10)
            app(request)  # HSS acts on it, but the answer is a 500: it may have
            return json_response(500, {'error_code': 'HSS.1000', 'error_msg': 'Internal error.'})
        if after_its_first_attempt:
            assert listing_begun.wait(10)
        return Response(407, headers={'Proxy-Authenticate': 'Basic realm="corp"'})

    opening, first, other = isolated_copies(tenant, 3)
    with environment_proxy(monkeypatch, proxied, 'operator:proxy-password@'):
        client = client_from_params('hss', tenant.params(retry_backoff='0', hss_rate_limit='1000', proxy=True))
        client.restore_isolated_files([opening])

        def restore_first() -> None:
            try:
                client.restore_isolated_files([first])
            except ri.RestoreError as error:
                errors.append(str(error))
        thread = threading.Thread(target=restore_first)
        thread.start()
        assert first_put_came.wait(10)
        with pytest.raises(ri.RestoreError, match='refused its login'):
            client.restore_isolated_files([other])
        refusal_taken.set()
        thread.join(10)

    assert seen.count('GET') == after_its_first_attempt and seen.count('PUT') == 3, seen
    [error] = errors
    return error


def test_a_lost_answers_listing_stopped_by_a_proxy_refusal_after_its_first_attempt_counts_only_the_attempt_that_went(
        tenant, monkeypatch):
    error = lost_answer_whose_listing_a_proxy_refusal_stops(tenant, monkeypatch, after_its_first_attempt=True)

    assert 'still lists isolated failed after 1 attempt: ' in error and 'refused its login' in error, error


def test_a_lost_answers_listing_stopped_by_a_proxy_refusal_before_its_first_attempt_says_it_was_not_sent(
        tenant, monkeypatch):
    error = lost_answer_whose_listing_a_proxy_refusal_stops(tenant, monkeypatch, after_its_first_attempt=False)

    assert 'still lists isolated was not sent: ' in error and 'refused its login' in error, error
    assert 'attempt:' not in error, error


def put_whose_answer_a_plain_http_proxy_lost(tenant, monkeypatch, max_retries: str):
    """One isolated copy restored through the environment's proxy (plain HTTP to HSS on loopback), which passes each
    PUT on to HSS, then resets the connection: HSS took it, its answer is lost. The methods the proxy got, the copy's
    status after, and the client's error (None when it raised none)."""
    app, seen = create_app(tenant.gateway), []

    def proxied(request):
        seen.append(request.method)
        response = app(request)
        if request.method == 'PUT':
            raise AbortConnection()
        return response

    [copy] = isolated_copies(tenant, 1)
    with environment_proxy(monkeypatch, proxied):
        client = client_from_params('hss', tenant.params(retry_backoff='0', hss_rate_limit='1000', proxy=True,
                                                         max_retries=max_retries))
        try:
            client.restore_isolated_files([copy])
            error = None
        except ri.RestoreError as raised:
            error = str(raised)
    return seen, tenant.backend.isolation_status(*copy.values()), error


def test_a_put_whose_answer_a_plain_http_proxy_lost_is_listed_first_and_not_sent_again_once_hss_took_it(
        tenant, monkeypatch):
    seen, status, error = put_whose_answer_a_plain_http_proxy_lost(tenant, monkeypatch, max_retries='1')

    assert seen == ['PUT', 'GET'], seen  # the listing shows the copy taken: no PUT again
    assert status != 'isolated' and error is None, (status, error)


def test_a_put_whose_answer_a_plain_http_proxy_lost_is_said_lost_not_a_proxy_that_could_not_be_reached(
        tenant, monkeypatch):
    seen, _, error = put_whose_answer_a_plain_http_proxy_lost(tenant, monkeypatch, max_retries='0')

    assert seen == ['PUT'], seen
    assert 'broke before the answer arrived' in error and 'HSS may have accepted the restore even so' in error, error
    assert 'Could not connect' not in error and 'Unable to connect to proxy' not in error, error


def test_a_listing_whose_connection_a_plain_http_proxy_reset_is_said_lost_through_it_with_its_log_to_check(
        tenant, monkeypatch):
    # The proxy took the GET and reset the connection: it was reached (urllib3 still calls it "Unable to connect to
    # proxy", as http.client closed the connection), so the error says so and where to look: the proxy's log.
    seen = []

    def proxied(request):
        seen.append(request.method)
        raise AbortConnection()

    with environment_proxy(monkeypatch, proxied):
        client = client_from_params('hss', tenant.params(hss_rate_limit='1000', proxy=True, max_retries='0'))
        with pytest.raises(ri.RestoreError) as raised:
            client.list_isolated_files()

    error = str(raised.value)
    assert seen == ['GET'], seen
    assert 'through the proxy broke before the answer arrived (ECONNRESET: Connection reset by peer)' in error, error
    assert 'check the log of the proxy that this machine\'s environment sets' in error, error
    assert 'Could not connect' not in error and 'Unable to connect to proxy' not in error, error


# --------------------------------------------------------------------------- 5. each reply parsed once


def test_each_reply_is_parsed_once(tenant, monkeypatch):
    parsed = []
    loads, response_json = ri.json.loads, ri.requests.Response.json
    monkeypatch.setattr(ri, 'json', type('CountingJson', (), {
        'loads': staticmethod(lambda *a, **k: parsed.append('loads') or loads(*a, **k))}))
    monkeypatch.setattr(ri.requests.Response, 'json',
                        lambda self, **k: parsed.append('json') or response_json(self, **k))
    client = client_from_params('hss', tenant.params('token', retry_backoff='0'))

    client.list_isolated_files(file_hash=HSS_HASH)  # an IAM token (201, JSON), then the listing (200, JSON)
    assert len(parsed) == 2
    tenant.backend.expire_tokens()
    parsed.clear()
    with pytest.raises(ri.VendorApiError) as refused:  # a 401, a new token (201, JSON), then HSS's 400 (JSON)
        client.restore_isolated_files([{'host_id': 'no-such-host', 'file_hash': HSS_HASH}])
    assert refused.value.http_status == 400 and len(tenant.requests_to('POST', TOKENS_PATH)) == 2
    assert len(parsed) == 2  # the first 401 needs no reading: any 401 in token mode gets one new token


def test_a_password_iam_refused_is_sent_once_per_command_however_many_batches_wait_for_the_token(tenant):
    # IAM locks a user out after a few failed logins: the batches that waited for the first token request take its
    # refusal as their own rather than each sending the same wrong password again.
    args = explicit_items(tenant, 8 * facts.HSS_MAX_ITEMS_PER_REQUEST)
    tenant.gateway.iam_faults = FaultPlan.parse('sequence=slow;delay=0.3')  # every batch starts while it is out
    wrong = {'identifier': tenant.params('token')['hss_credentials']['identifier'], 'password': 'not-the-password'}

    result = room(tenant, max_concurrency='8', hss_credentials=wrong).run('hss-restore-isolated', args)

    assert result.failed and 'Huawei Cloud IAM answered HTTP 401' in result.entries[-1]['Contents']
    assert len(tenant.requests_to('POST', TOKENS_PATH)) == 1
    assert tenant.requests_to('PUT', '/event/isolated-file') == []


def test_a_token_request_that_failed_after_faults_does_not_say_hss_may_have_accepted_a_put_never_sent(tenant):
    # IAM's 502s (a gateway that may have passed the token request on) are the token request's history, not the PUT's.
    args = explicit_items(tenant, facts.HSS_MAX_ITEMS_PER_REQUEST)
    tenant.gateway.iam_faults = FaultPlan.parse('sequence=502*20')

    result = room(tenant, max_retries='2').run('hss-restore-isolated', args)

    assert result.failed and 'Huawei Cloud IAM answered HTTP 502' in result.entries[-1]['Contents']
    assert tenant.requests_to('PUT', '/event/isolated-file') == []
    assert 'may have accepted' not in result.entries[-1]['Contents']


def test_a_put_whose_answer_was_lost_still_says_hss_may_have_accepted_it_when_its_resend_could_get_no_token(tenant):
    params = tenant.params('token', retry_backoff='0', read_timeout=str(AMPLE_READ_TIMEOUT), max_retries='2')
    client = client_from_params('hss', params)
    client.list_isolated_files()  # a token
    # The PUT's answer is lost (HSS applied it), the listing read before a resend meets an expired token, and IAM then
    # stays unavailable (503s: IAM did not act, but the PUT's own history says HSS may have). The PUT went once.
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=slow,expire-token;delay=0.5'))
    only_the_next_attempt_waits_briefly(client.transport)  # the PUT's, whose answer comes 0.5 s late
    tenant.gateway.iam_faults = FaultPlan.parse('sequence=503*20')
    copy = tenant.backend.snapshot()[0]

    with pytest.raises(ri.RestoreError) as raised:
        client.restore_isolated_files([{k: copy[k] for k in ('host_id', 'file_hash', 'file_path')}])

    assert 'Huawei Cloud IAM answered HTTP 503' in str(raised.value)
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1
    assert 'HSS may have accepted the restore even so, as its answer was lost' in str(raised.value)
    assert client.transport.settings.read_timeout == AMPLE_READ_TIMEOUT  # the brief wait was the PUT's first alone


# --------------------------------------------------------------------------- 5. no send thread acts after its attempt


@pytest.fixture
def late_lookup(monkeypatch):
    """A host name whose first lookup waits until the test lets it end, then finds 127.0.0.1, as a resolver does whose
    DNS server answers late; each later lookup finds it at once: (name, release, the thread whose lookup waits)."""
    name, release, waiting, lookup = 'hss-resolves-late.invalid', threading.Event(), [], socket.getaddrinfo

    def resolved_late(host, *args, **kwargs):
        if host == name:
            if not waiting:
                waiting.append(threading.current_thread())
                release.wait(30)
            host = '127.0.0.1'
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket, 'getaddrinfo', resolved_late)
    yield name, release, waiting
    release.set()


def test_a_put_given_up_while_its_name_lookup_hung_does_not_reach_hss_when_the_lookup_ends_after_its_retry(
        tenant, late_lookup):
    # The attempt gives its send thread up 1 s past its end (no timeout of ours bounds a name lookup); HSS still lists
    # the file isolated, so the retry restores it. The thread given up on goes on once the lookup ends, after the
    # restore has its answer: its PUT must not reach HSS as well (README: a PUT goes again only with what HSS still
    # lists isolated; the file would be sent twice).
    name, release, waiting = late_lookup
    [row] = tenant.backend.add_isolated_files(sorted(tenant.backend.hosts)[0], 1)
    client = client_from_params('hss', tenant.params(
        hss_endpoint=f'http://{name}:{urlsplit(tenant.url).port}', insecure=True, connect_timeout='1',
        read_timeout='1', retry_backoff='0', hss_rate_limit='1000', max_retries='2'))

    client.restore_isolated_files([{key: row[key] for key in ('host_id', 'file_hash', 'file_path')}])
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1 and waiting[0].is_alive()
    server = tenant.hss_server  # (the retry's connection stays open, kept for the next request)
    connections, open_before = server.connections_accepted, server.connections_open
    release.set()
    waiting[0].join(10)
    ends = time.monotonic() + 10  # until HSS accepted the late connection, read what it sent and is done with it
    while (server.connections_accepted == connections or server.connections_open > open_before) and \
            time.monotonic() < ends:
        time.sleep(0.01)

    assert not waiting[0].is_alive() and server.connections_accepted > connections  # it did connect, late
    assert server.connections_open == open_before and len(tenant.requests_to('PUT', '/event/isolated-file')) == 1


def test_a_put_given_up_before_its_body_went_out_is_not_said_to_have_reached_hss_when_its_retry_is_refused(
        tenant, late_lookup):
    # The first attempt's name lookup hangs past the attempt's end: it is given up on, and its body never goes out
    # (the lookup ends only after the test). The retry reaches HSS, which refuses it (a host it does not know): HSS
    # got no other attempt, so nothing says an earlier one may have reached it, nor to list the files first.
    name, release, waiting = late_lookup
    client = client_from_params('hss', tenant.params(
        hss_endpoint=f'http://{name}:{urlsplit(tenant.url).port}', insecure=True, connect_timeout='1',
        read_timeout='1', retry_backoff='0', hss_rate_limit='1000', max_retries='2'))

    with pytest.raises(ri.VendorApiError) as refused:
        client.restore_isolated_files([{'host_id': 'no-such-host', 'file_hash': HSS_HASH}])

    assert refused.value.http_status == 400 and waiting[0].is_alive()  # the first attempt's lookup still hangs
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1
    assert 'may have' not in str(refused.value) and 'isolation_status restoring' not in str(refused.value)
    assert tenant.requests_to('GET', '/event/isolated-file') == []  # nothing listed before the retry: HSS had none
