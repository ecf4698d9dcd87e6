"""Bulk restores: many hashes or thousands of HSS items, side by side, within the tenant's rate limit."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time

import pytest

import facts
import restore_integration as ri
from conftest import ROOT, XDR_SEED, InFlight, load_json
from warroom.context import as_list, get_path
from warroom.emulator.hss import create_app as create_hss_app
from warroom.emulator.httpserver import LoopbackServer
from warroom.emulator.xdr import XdrBackend, XdrGateway, create_app
from warroom.runtime import WarRoom


def generated_hashes(count, salt='bulk'):
    return [hashlib.sha256(f'{salt}-{n}'.encode()).hexdigest() for n in range(count)]


@pytest.fixture
def bulk_tenant():
    """The seed's endpoints (none failing), each also holding 40 generated files; the tenant admits 50 requests/s."""
    seed = load_json(XDR_SEED)
    extra = generated_hashes(40)
    for endpoint in seed['endpoints']:
        endpoint.pop('restore_failure', None)
        endpoint['quarantined'] = list(endpoint.get('quarantined') or []) + [
            {'file_hash': h, 'file_path': f'C:\\\\bulk\\\\{h[:8]}.exe'} for h in extra]
    backend = XdrBackend.from_seed(seed, stage_seconds=0)
    backend.add_api_key('1', 'k' * 64, auth_type='advanced')
    gateway = XdrGateway(backend, rate_limit=50)
    in_flight = InFlight(create_app(gateway))  # 50 ms per request: one after the other would keep one in flight
    with LoopbackServer(in_flight) as server:
        yield gateway, server, extra, in_flight


def test_many_hashes_go_out_side_by_side_within_the_tenant_rate_and_hardly_any_is_throttled(bulk_tenant):
    gateway, server, hashes, in_flight = bulk_tenant
    in_flight.meet = 2  # the first request held till a second is out with it, however loaded the machine
    # The instance's ceiling a tenth under the tenant's limit, as an operator sets it: at the limit itself, jitter
    # on a loaded machine bunches arrivals into 429s (absorbed, nothing lost: tests/test_pipeline.py, make bench).
    params = {'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64},
              'xdr_auth_type': 'advanced', 'xdr_rate_limit': '45', 'max_concurrency': '8'}
    seen = []

    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None, on_progress=seen.append).run(
        'restore-file', {'file_hash': ','.join(hashes)})

    assert not result.failed, result.entries[-1]
    records = as_list(get_path(result.context, 'CortexXDR.RestoredFile'))
    assert sorted(r['file_hash'] for r in records) == sorted(hashes)
    assert {r['status'] for r in records} == {'COMPLETED_SUCCESSFULLY'}
    for endpoint_id in gateway.backend.endpoints:
        assert set(hashes) <= gateway.backend.restored(endpoint_id)
    # one restore and one status check per hash; the limiter keeps under the tenant's rate, and a request that
    # scheduling jitter still pushes over it (rare) is throttled and sent again at its next turn
    assert len(gateway.requests) == 2 * len(hashes) + gateway.throttled
    assert gateway.throttled <= 2
    assert in_flight.most > 1  # side by side: a request started while another was out
    assert f'Cortex XDR restores sent: {len(hashes)}/{len(hashes)}' in seen


@pytest.mark.parametrize('most', [1, 3])
def test_bulk_work_keeps_as_many_requests_in_flight_as_max_concurrency_and_no_more(most):
    # The setting's help (integration.yml, README's settings table): "How many requests bulk work keeps open side by
    # side, within the rate above. ... 1 sends one request at a time." Each request is held until `most` are
    # out together, however slowly a loaded machine sends them, then 0.2 s more, under a rate that would let all of
    # them be out at once: one more than `most` would be out by then.
    seed = load_json(XDR_SEED)
    extra = generated_hashes(8, salt='in-flight')
    for endpoint in seed['endpoints']:
        endpoint.pop('restore_failure', None)
        endpoint['quarantined'] = list(endpoint.get('quarantined') or []) + [{'file_hash': h} for h in extra]
    backend = XdrBackend.from_seed(seed, stage_seconds=0)
    backend.add_api_key('1', 'k' * 64, auth_type='advanced')
    in_flight = InFlight(create_app(XdrGateway(backend, rate_limit=1000)), delay=0.2, meet=most)
    with LoopbackServer(in_flight) as server:
        params = {'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64},
                  'xdr_auth_type': 'advanced', 'xdr_rate_limit': '100', 'max_concurrency': str(most)}
        result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run(
            'restore-file', {'file_hash': ','.join(extra), 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    assert len(backend.actions) == len(extra) and in_flight.most == most


def test_the_bulk_runner_keeps_the_order_with_many_workers_and_reraises_a_worker_s_error():
    runner = ri.BulkRunner(workers=4)
    assert runner.map(lambda n: n * n, range(50)) == [n * n for n in range(50)]

    def fail_on_seven(n):
        if n == 7:
            raise ri.RestoreError('seven')
        return n

    with pytest.raises(ri.RestoreError, match='seven'):
        runner.map(fail_on_seven, range(20))


def test_a_map_called_from_a_thread_named_like_the_runner_s_workers_still_works_side_by_side_and_reports_progress():
    # Only a map within a pool worker's item runs its items in turn: a caller's thread does not become one by its name.
    side_by_side, seen, outcome = threading.Barrier(2, timeout=5), [], []

    def meet(n):
        side_by_side.wait()  # passes only while the other item is at work too
        return n

    def call_map():
        try:
            outcome.append(ri.BulkRunner(workers=2, progress=seen.append).map(meet, range(2), what='items done'))
        except threading.BrokenBarrierError as error:
            outcome.append(error)

    caller = threading.Thread(target=call_map, name=f'{ri.BulkRunner.__name__}-caller')
    caller.start()
    caller.join(10)

    assert outcome == [[0, 1]], outcome
    assert seen == ['items done: 1/2', 'items done: 2/2'], seen


@pytest.mark.parametrize('name, value', [('xdr_rate_limit', '0'), ('xdr_rate_limit', 'fast'),
                                         ('max_concurrency', '500'), ('max_concurrency', '2.5'),
                                         ('hss_rate_limit', '-1')])
def test_bad_pace_settings_are_refused_by_name(name, value):
    params = {'xdr_url': 'https://api-t.example', 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 8},
              'hss_project_id': 'p1', 'hss_region': 'ap-southeast-1',
              'hss_aksk': {'identifier': 'AK', 'password': 'sk' * 4}}
    with pytest.raises(ri.RestoreError, match=rf'instance setting "[^"]+" \({name}\)'):
        ri.read_instance_settings(dict(params, **{name: value}), ['hss' if name.startswith('hss') else 'xdr'])


def test_hss_batches_go_out_side_by_side_and_every_item_is_reported(hss_tenant):
    host = hss_tenant.backend.snapshot()[0]['host_id']
    added = hss_tenant.backend.add_isolated_files(host, 1000)
    args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}
    args['polling'] = 'false'  # the batches are the point here; polling is tests/test_hss_polling.py's
    # the first batch alone (the key untried), then each held till two are out together, however loaded the machine
    in_flight = InFlight(create_hss_app(hss_tenant.gateway), meet=2, alone=1)
    with LoopbackServer(in_flight) as server:
        params = hss_tenant.params('aksk', hss_rate_limit='100', max_concurrency='8', hss_endpoint=server.url)
        result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('hss-restore-isolated', args)

    rows = as_list(get_path(result.context, 'HuaweiHSS.RestoredFile'))
    assert sorted(r['file_path'] for r in rows) == sorted(item['file_path'] for item in added)
    assert {r['outcome'] for r in rows} == {'restoring'}
    assert sorted(hss_tenant.backend.put_sizes) == [facts.HSS_MAX_ITEMS_PER_REQUEST] * 10
    assert in_flight.most > 1  # side by side: a batch went out while another was out
    # So many items read as counts (README: at any scale an entry stays readable); the context holds them all.
    text = result.entries[-1]['HumanReadable']
    assert f'{len(added):,} restoring.' in text and '|' not in text
    assert f"HuaweiHSS.RestoredFile holds this restore's {len(added):,} rows." in text


def test_a_capped_table_shows_the_failures_first():
    rows = [{'id': n, 'outcome': 'failed' if n % 97 == 0 else 'restoring'} for n in range(1000)]
    table = ri.markdown_table('t', rows, ['id', 'outcome'], 'X.Y', first=lambda row: row['outcome'] == 'failed')
    lines = [line for line in table.splitlines() if line.startswith('|')][2:]
    failed = sum(row['outcome'] == 'failed' for row in rows)
    assert len(lines) == facts.MAX_TABLE_ROWS and all('failed' in line for line in lines[:failed])
    assert 'failed' not in ''.join(lines[failed:])


def test_the_war_room_shows_bulk_progress_on_stderr():
    seed_hashes = sorted({q['file_hash'] for e in load_json(XDR_SEED)['endpoints'] for q in e.get('quarantined') or []})
    done = subprocess.run([sys.executable, '-m', 'warroom', 'run', f'!restore-file file_hash={",".join(seed_hashes)}',
                           '--time-scale', '0'], cwd=ROOT, capture_output=True, text=True, timeout=120)

    # the seed has an endpoint that fails its restore: finished, not every file back (README: exit status 3)
    assert done.returncode == 3, done.stderr
    assert f'Cortex XDR restores sent: {len(seed_hashes)}/{len(seed_hashes)}' in done.stderr


class EventsKept:
    """restore_integration's ``threading``, keeping each Event it makes: a BulkRunner.map's mark that an item failed is
    the one Event a map makes."""

    def __init__(self):
        self.events = []

    def __getattr__(self, name):
        return getattr(threading, name)

    def Event(self):  # noqa: N802 (threading's name)
        event = threading.Event()
        self.events.append(event)
        return event


def test_after_an_error_the_bulk_runner_starts_nothing_more(monkeypatch):
    # The calling thread is slow to hear of the error (it is reporting item 0's progress when item 1 fails): the
    # workers must stop taking items on their own, not only once the calling thread cancels what is left.
    # The items in flight end only once the runner has marked item 1's failure (not after a fixed sleep, which a loaded
    # machine could let pass before the calling thread reports item 0, or before item 1's worker marks its failure),
    # then their workers are free while it reports.
    workers, started, reporting, made = 4, [], threading.Event(), EventsKept()
    problems = []  # what went wrong on a worker, asserted here: a wait that timed out, an error it did not expect
    monkeypatch.setattr(ri, 'threading', made)

    def report(_):
        reporting.set()
        # Time enough for the three other workers to start a dozen more items. Real time, so it cannot fail a sound
        # runner; but a machine too loaded to start any within it would let a runner that does not stop them pass.
        time.sleep(1.0)

    def fail_second(n):
        started.append(n)
        if n == 1:
            if not reporting.wait(5):  # item 0 is done and reported: the calling thread is busy
                problems.append('item 0 was not reported within 5 s')
            raise ri.RestoreError('second')
        try:
            if n:
                [failure_marked] = made.events  # the map's one Event: made another way, no item waits for it
                if not failure_marked.wait(5):
                    problems.append(f"item {n} waited 5 s for item 1's failure to be marked")
        except Exception as error:  # it would only end the item, as item 1's failure does: the map still passes
            problems.append(f'item {n}: {error!r}')
            raise
        return n

    with pytest.raises(ri.RestoreError, match='second'):
        ri.BulkRunner(workers=workers, progress=report).map(fail_second, range(100), what='items done')
    assert problems == [] and len(made.events) == 1, problems
    # item 0, item 1 and the items the other workers had under way when it failed: none started after
    assert sorted(started) == list(range(len(started))) and len(started) <= workers + 1, started


# A progress line counts items done out of several; a lone item's result is the whole of it, so its map shows none,
# with one worker or many.
@pytest.mark.parametrize('workers', [1, 4])
def test_a_map_of_one_item_shows_no_progress_line_and_one_of_two_shows_each(workers):
    seen = []
    runner = ri.BulkRunner(workers=workers, progress=seen.append)

    assert runner.map(str, [7], what='items done') == ['7']
    assert seen == []
    assert runner.map(str, [7, 8], what='items done') == ['7', '8']
    assert seen == ['items done: 1/2', 'items done: 2/2'], seen

# One worker runs the items in turn: each progress line counts the results that reached the vendor so far, so a first
# request stopped short (a refused connection) is never counted, and each one after it that reached it is.
def test_one_worker_s_progress_counts_each_result_that_reached_the_vendor_after_one_that_did_not():
    seen = []
    reached = ri.BulkRunner(workers=1, progress=seen.append).map(lambda item: item != 'refused',
                                                                   ['refused', 'sent', 'sent'], what='requests sent',
                                                                   sent=lambda result: result)

    assert reached == [False, True, True]
    assert seen == ['requests sent: 0/3', 'requests sent: 1/3', 'requests sent: 2/3'], seen

# One worker starts no pool: the items' work runs on the calling thread (in XSOAR the main one, the only one that may
# call demisto), so a map within an item's work shows its progress there too, between the outer map's lines.
def test_with_one_worker_a_map_within_an_item_s_work_runs_on_the_calling_thread_and_shows_its_progress():
    seen, threads = [], set()
    runner = ri.BulkRunner(workers=1, progress=seen.append)

    def inner(n):
        threads.add(threading.current_thread())
        return runner.map(str, [n, n + 1], what='inner')

    assert runner.map(inner, [1, 3], what='outer') == [['1', '2'], ['3', '4']]
    assert threads == {threading.current_thread()}
    assert seen == ['inner: 1/2', 'inner: 2/2', 'outer: 1/2', 'inner: 1/2', 'inner: 2/2', 'outer: 2/2'], seen

def test_settled_items_do_not_run():
    ran = []

    results = ri.BulkRunner(workers=1).map(lambda n: ran.append(n) or n, range(10),
                                           settled=lambda n: 'skipped' if n >= 2 else None)

    assert results == [0, 1] + ['skipped'] * 8 and ran == [0, 1]


@pytest.mark.parametrize('raised', [KeyboardInterrupt, SystemExit, ConnectionResetError])
def test_an_exception_in_the_calling_thread_comes_out_as_itself_not_as_another(raised):
    # Ctrl-C in the war room, or a progress report that fails (in XSOAR, demisto.info on a broken channel), happens
    # in the thread that called map, while no worker failed: that exception is the one that leaves.
    def report(text):
        raise raised('from the calling thread')

    with pytest.raises(raised, match='from the calling thread'):
        ri.BulkRunner(workers=4, progress=report).map(lambda n: n, range(20), what='items done')


def test_as_many_requests_are_in_flight_at_once_as_max_concurrency_says_no_more_no_fewer(bulk_tenant):
    # README: max_concurrency is how many requests bulk work keeps open side by side. Each request held 0.3 s, and
    # turns 1/45 s apart: three workers' requests overlap by far, a fourth would too.
    gateway, server, hashes, in_flight = bulk_tenant
    in_flight.delay, in_flight.meet = 0.3, 3  # held till three are out together, however loaded the machine
    params = {'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64},
              'xdr_auth_type': 'advanced', 'xdr_rate_limit': '45', 'max_concurrency': '3'}

    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run(
        'restore-file', {'file_hash': ','.join(hashes[:12]), 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    assert in_flight.most == 3


def test_with_one_request_in_flight_the_progress_line_counts_each_file_sent_one_by_one(bulk_tenant):
    gateway, server, hashes, _ = bulk_tenant
    params = {'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64},
              'xdr_auth_type': 'advanced', 'max_concurrency': '1'}
    seen = []

    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None, on_progress=seen.append).run(
        'restore-file', {'file_hash': ','.join(hashes[:3]), 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    sent = [line for line in seen if line.startswith('Cortex XDR restores sent: ')]
    assert sent == [f'Cortex XDR restores sent: {done}/3' for done in (1, 2, 3)], seen


def test_progress_never_counts_more_items_done_than_have_come_back_when_one_fails():
    # A failed item, and those never started after it, are not done: no progress line may count them.
    returned, counts, reported = [], [], threading.Event()

    def fail_on_seven(n):
        if n == 7:
            reported.wait(5)  # so that the progress read has begun: some lines to check
            raise ri.RestoreError('seven')
        returned.append(n)
        return n

    def report(line):
        counts.append((int(line.split(': ')[1].split('/')[0]), len(returned)))
        reported.set()

    with pytest.raises(ri.RestoreError, match='seven'):
        ri.BulkRunner(workers=4, progress=report).map(fail_on_seven, range(20), what='items done')
    assert counts and all(done <= came_back for done, came_back in counts), counts


def test_an_interrupt_in_the_calling_thread_comes_out_as_itself_even_when_a_worker_failed_meanwhile():
    # Ctrl-C (or a progress report that fails) while a worker's item fails: the calling thread's own exception leaves,
    # not the worker's error that it never got to read.
    reporting, failing = threading.Event(), threading.Event()

    def fail_on_one(n):
        if n == 1:
            reporting.wait(5)  # item 0 came back first and is being reported
            failing.set()
            raise ri.RestoreError('worker failed')
        return n

    def report(_):
        reporting.set()
        failing.wait(5)
        raise KeyboardInterrupt('from the calling thread')

    with pytest.raises(KeyboardInterrupt, match='from the calling thread'):
        ri.BulkRunner(workers=2, progress=report).map(fail_on_one, range(2), what='items done')
