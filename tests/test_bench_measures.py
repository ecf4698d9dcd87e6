"""make bench's bookkeeping, pinned without timing anything: what counts as a lost file or an item sent once, which
settings a run used off the defaults, which spans count as the commands' time, and which rows may pass."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

import facts
from conftest import FakeClock
from warroom import bench
from warroom.spec import load_spec

H = [f'{n:064x}' for n in range(1, 5)]


def action(file_hash, action_id):
    return SimpleNamespace(file_hash=file_hash, action_id=action_id)


def record(file_hash, action_id, status='IN_PROGRESS'):
    return {'file_hash': file_hash, 'action_id': action_id, 'status': status}


# ----------------------------------------------------------------------------- files lost (XDR rows)

def test_every_hash_reported_with_its_started_action_is_not_lost():
    actions = [action(h, 1001 + n) for n, h in enumerate(H)]
    assert bench.files_lost(H, [record(h, 1001 + n) for n, h in enumerate(H)], actions) == 0


def test_a_duplicate_record_does_not_stand_in_for_a_lost_hash():
    # as many IN_PROGRESS records as hashes, but one hash twice and one never: one file lost (was counted 0)
    records = [record(H[0], 1001), record(H[0], 1001), record(H[1], 1002), record(H[2], 1003)]
    actions = [action(H[0], 1001), action(H[1], 1002), action(H[2], 1003)]
    assert bench.files_lost(H, records, actions) == 1


def test_a_record_of_a_hash_not_asked_for_does_not_count():
    stranger = 'e' * 64
    records = [record(h, 1001 + n) for n, h in enumerate(H[:3])] + [record(stranger, 1010)]
    actions = [action(h, 1001 + n) for n, h in enumerate(H[:3])] + [action(stranger, 1010)]
    assert bench.files_lost(H, records, actions) == 1


def test_a_reported_action_the_tenant_never_started_is_lost():
    records = [record(h, 1001 + n) for n, h in enumerate(H)]
    actions = [action(h, 1001 + n) for n, h in enumerate(H[:3])] + [action(H[3], 2000)]
    assert bench.files_lost(H, records, actions) == 1


def test_a_failed_or_missing_record_is_lost():
    records = [record(H[0], 1001), record(H[1], None), record(H[2], 1003, status='FAILED')]
    actions = [action(H[0], 1001), action(H[2], 1003)]
    assert bench.files_lost(H, records, actions) == 3


# ----------------------------------------------------------------------------- every item once (HSS rows)

def items(count):
    return [{'host_id': 'h1', 'file_path': f'/q/{n}', 'file_hash': 'f' * 64} for n in range(count)]


def snapshot(added, isolated=()):
    return [{'host_id': i['host_id'], 'file_path': i['file_path'],
             'isolation_status': 'isolated' if n in isolated else 'restoring'} for n, i in enumerate(added)]


def rows_for(added):
    return [dict(i, outcome='restoring') for i in added]


def test_every_item_once_when_the_project_saw_each_item_in_one_put():
    added = items(250)
    assert bench.every_item_once(added, [100, 100, 50], snapshot(added), rows_for(added), 100)


def test_a_batch_sent_twice_and_one_never_fails_though_the_command_reports_all():
    # four PUTs of 100, as the old check wanted; the second batch never left isolation, the first went twice
    added = items(400)
    assert not bench.every_item_once(added, [100, 100, 100, 100], snapshot(added, isolated=range(100, 200)),
                                     rows_for(added), 100)


def test_an_item_sent_twice_fails_even_when_every_item_left_isolation():
    added = items(200)
    assert not bench.every_item_once(added, [100, 100, 1], snapshot(added), rows_for(added), 100)


def test_an_item_reported_twice_or_not_reported_fails():
    added = items(3)
    rows = rows_for(added)
    assert not bench.every_item_once(added, [3], snapshot(added), rows[:2] + [rows[0]], 100)
    assert not bench.every_item_once(added, [3], snapshot(added), rows[:2], 100)


# ----------------------------------------------------------------------------- settings recorded

def test_no_setting_off_default_for_the_bench_xdr_tenant():
    """The XDR rows claim the instance defaults: the tenant's params must not change the auth type (they did:
    standard, where integration.yml's default is advanced)."""
    with bench.xdr_tenant([], 0.0, None, {}) as (_, params):
        assert bench.settings_off_default(params) == {}
    assert load_spec().default_params()['xdr_auth_type'] == 'advanced'


def test_settings_off_default_names_what_a_run_changed_and_leaves_out_address_and_secrets():
    spec = load_spec()
    params = dict(spec.default_params(), xdr_url='https://x', xdr_api_key={'identifier': '', 'password': 'k'},
                  xdr_api_key_id='7', xdr_auth_type='standard', xdr_rate_limit='1000', max_concurrency='8')
    assert bench.settings_off_default(params, spec) == {'xdr_auth_type': 'standard', 'xdr_rate_limit': '1000'}


def test_a_row_label_says_the_settings_off_default():
    assert bench.off_default({'settings_off_default': {}}) == ''
    assert 'xdr_rate_limit=1000' in bench.off_default({'settings_off_default': {'xdr_rate_limit': '1000'}})


def test_the_sdk_runs_with_a_temporary_home_and_the_real_one_comes_back():
    before = os.environ.get('HOME')
    with bench.temporary_home() as home:
        assert os.environ['HOME'] == home != before
        assert os.listdir(home) == []
    assert os.environ.get('HOME') == before
    assert not os.path.exists(home)


# ----------------------------------------------------------------------------- runner: commands' time

def test_a_span_inside_another_counts_once():
    ticks = iter([0.0, 10.0, 100.0, 130.0])  # outer 0..10 s; then outer 100..130 s around an inner span
    timer = bench.OutermostTime(clock=lambda: next(ticks))
    inner = timer.wrap(lambda: None)
    outer_alone = timer.wrap(lambda: None)
    outer = timer.wrap(lambda: inner())
    outer_alone()
    outer()
    assert timer.seconds == 40.0


def test_a_span_that_raises_still_counts():
    ticks = iter([0.0, 2.0])
    timer = bench.OutermostTime(clock=lambda: next(ticks))

    @timer.wrap
    def fails():
        raise ValueError

    with pytest.raises(ValueError):
        fails()
    assert timer.seconds == 2.0


def test_per_item_bytes_is_above_the_same_run_on_one_item():
    assert bench.per_item_bytes(1 + 9999 / 1024, 1, 10_000) == pytest.approx(1.0)


# ----------------------------------------------------------------------------- which rows pass

def run(**extra):
    return dict({'hashes': 100, 'latency_s': 0.3, 'tenant_rate_per_s': 10.0, 'others_per_s': 0.0,
                 'drop_at_s': None, 'error_entry': False, 'files_lost': 0, 'throttled_429': 0,
                 'admitted_rate_per_s': 9.8, 'settings_off_default': {}}, **extra)


GOOD = {
    'cold_start': {'import_ratio': 1.5, 'memory_ratio': 1.1, 'held_threshold_memory_ratio': 1.05,
                   'held_mmap_threshold_bytes': 131072, 'bulk_items': 10_000, 'bulk_bytes_per_item': 600,
                   'bulk_bytes_per_item_above_bare': 1100, 'bulk_every_item_sent_once': True,
                   'command_restore_started_in_every_child': True},
    'xdr_bulk': {'full': run(), 'shared': run(others_per_s=4.0, admitted_rate_per_s=5.8),
                 'drop': run(drop_at_s=5.0, drop_after_first_admitted_s=4.6, admitted_rate_per_s=6.2,
                             ideal_rate_per_s=6.4),
                 'busy_cpu': [run(), run(), run()], 'ours_over_loop': 2.9, 'loop_key_type': 'standard',
                 'loop_started_every_hash': True},
    'hss_bulk': {'limited': {'items': 10_000, 'latency_s': 0.05, 'gateway_limit_per_s': 30.0, 'ours_s': 2.0,
                             'error_entry': False, 'every_item_sent_once_and_reported': True, 'throttled_429': 0,
                             'admitted_put_rate_per_s': 29.0, 'sdk_batched_s': 5.0,
                             'sdk_per_item_s': 500.0, 'settings_off_default': {},
                             'sdk_batched_every_item_once': True, 'sdk_per_item_every_item_once': True},
                 'by_hash': {'copies': 10_000, 'ours_s': 2.0, 'error_entry': False,
                             'every_copy_sent_once_and_reported': True, 'sdk_found_every_copy': True,
                             'sdk_restored_every_copy_once': True,
                             'sdk_over_ours': 4.0, 'settings_off_default': {}}},
    'runner': {'incidents': 1000, 'latency_s': 0.005, 'runner_over_commands': 0.05, 'failed_runs': 0,
               'settings_off_default': {'xdr_rate_limit': '1000'}},
    'war_room_memory': {'endpoints': 10_000, 'bytes_per_endpoint': 1000},
}


def met(results, start):
    return next(m for measure, _, _, m in bench.rows(results) if measure.startswith(start))


def changed(path, value):
    results = copy.deepcopy(GOOD)
    *parents, last = path
    target = results
    for key in parents:
        target = target[key]
    target[last] = value
    return results


def test_every_row_with_a_goal_passes_on_good_figures():
    met = [m for _, _, _, m in bench.rows(GOOD)]
    assert False not in met and True in met  # a row without a goal (None) neither passes nor fails


def test_the_runner_row_misses_when_a_run_failed_and_says_its_setting():
    assert met(changed(('runner', 'failed_runs'), 3), 'playbook runner') is False
    assert any('xdr_rate_limit=1000' in measure for measure, _, _, _ in bench.rows(GOOD))


def test_the_restore_by_hash_row_misses_when_ours_stopped_early():
    assert met(changed(('hss_bulk', 'by_hash', 'error_entry'), True), 'HSS restore by hash') is False
    assert met(changed(('hss_bulk', 'by_hash', 'every_copy_sent_once_and_reported'), False),
               'HSS restore by hash') is False
    assert met(changed(('hss_bulk', 'by_hash', 'sdk_found_every_copy'), False), 'HSS restore by hash') is False


def test_the_sdk_ratio_rows_miss_when_ours_did_not_send_every_item():
    results = changed(('hss_bulk', 'limited', 'every_item_sent_once_and_reported'), False)
    results['hss_bulk']['limited']['sdk_batched_s'] = 50.0
    assert met(results, 'HSS: official SDK batched') is False
    assert met(results, 'HSS: official SDK called once per item') is False


def test_the_loop_row_misses_when_ours_lost_files():
    results = changed(('xdr_bulk', 'full', 'files_lost'), 5)
    assert met(results, 'XDR: sequential requests loop') is False


# ----------------------------------------------------------------------------- the children's measures

def test_the_child_reads_its_own_peak_not_what_its_parent_holds():
    """The peak is the child's own (VmHWM): a child's ru_maxrss, even read in the child (RUSAGE_SELF), also
    counts the parent's resident size at the fork, as RUSAGE_CHILDREN read in the parent does."""
    held = b'p' * 200_000_000  # the parent's 200 MB, resident
    measured = bench._child(bench.MEASURE.format(body='x = b"c" * 30_000_000'))
    assert len(held) and 30_000_000 / 1024 < measured['peak_kb'] < 200_000_000 / 1024
    rusage_self = bench._child('import json, resource; x = b"c" * 30_000_000; '
                               'print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))')
    assert rusage_self > 200_000_000 / 1024  # what the bench must not read


def test_the_integration_is_compiled_from_source_in_the_child_never_read_from_a_pyc(tmp_path):
    """The cold start and memory children never read a .pyc an earlier run left: the bytecode cache is live in
    this child (requests' modules are written to it), and restore_integration goes through it neither way."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONDONTWRITEBYTECODE'}
    subprocess.run([sys.executable, '-c', bench.LOAD_INTEGRATION + '; ri.main'], cwd=bench.PROJECT_ROOT, check=True,
                   env=dict(env, PYTHONPYCACHEPREFIX=str(tmp_path)))
    written = [path.name for path in tmp_path.rglob('*.pyc')]
    assert any(name.startswith('sessions.') for name in written)  # requests/sessions.py, through the cache
    assert not [name for name in written if name.startswith('restore_integration')]


def test_the_command_child_runs_one_command_and_reports_its_peak():
    from warroom.embedded import embedded_vendors

    with embedded_vendors(time_scale=0) as vendors:
        file_hash = next(h for e in vendors.xdr.endpoints.values() for h in e.quarantined)
        one = {'params': vendors.params, 'command': 'restore-file',
               'args': {'file_hash': file_hash, 'polling': 'false'}}
        measured = bench._child(bench.MEASURE.format(body=bench.COMMAND), json.dumps(one))
        started = [action.file_hash for action in vendors.xdr.actions.values()]
    assert measured['peak_kb'] > 0
    assert started == [file_hash], 'the tenant saw the one restore the command sends'


# ----------------------------------------------------------------------------- the dropping limit (XDR)

def test_the_perfect_client_runs_at_the_tenant_limit_until_the_limit_really_dropped():
    """Not at ours' pace a little under the limit (it was 0.98 of it), and from the first admitted request: the
    timer that drops the limit starts before the command, whose first request comes a latency and its setup later."""
    assert bench.ideal_after_drop(100, 10.0, 5.0, 5.0) == pytest.approx(99 / (5.0 + 50 / 5.0))
    assert bench.ideal_after_drop(100, 10.0, 5.0, 4.6) == pytest.approx(99 / (4.6 + 54 / 5.0))
    assert bench.ideal_after_drop(100, 10.0, 5.0, -0.2) == pytest.approx(99 / (100 / 5.0))


def test_the_drop_row_misses_when_the_limit_never_dropped_during_the_run():
    results = changed(('xdr_bulk', 'drop', 'drop_after_first_admitted_s'), None)
    assert met(results, 'XDR, limit dropping') is False
    assert met(GOOD, 'XDR, limit dropping') is True
    assert any('4.6 s after its first admitted request' in measure for measure, _, _, _ in bench.rows(GOOD))


# ----------------------------------------------------------------------------- the HSS rows' settings

def test_the_hss_rows_run_at_the_default_settings_and_ours_restores_every_item():
    """The bench's items sit on a host of the default enterprise project: ours needs no setting off the default to
    reach them (it ran with hss_enterprise_project_id=all_granted_eps, which the SDK peer never sends). Each PUT
    holds at most the README's 100 items, and no more PUTs go than that takes."""
    with bench.hss_project(150, 0.0, None) as (backend, params, added):
        assert bench.settings_off_default(params) == {}
        args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}
        rows, _, failed = bench.run_hss(params, args)
        assert not failed
        assert bench.every_item_once(added, backend.put_sizes, backend.snapshot(), rows,
                                     facts.HSS_MAX_ITEMS_PER_REQUEST)


def test_the_memory_rows_say_the_settings_their_children_ran_with():
    results = copy.deepcopy(GOOD)
    results['cold_start']['command_settings_off_default'] = {'xdr_rate_limit': '5'}
    results['cold_start']['bulk_settings_off_default'] = {'hss_rate_limit': '7'}
    results['war_room_memory']['settings_off_default'] = {'max_concurrency': '2'}
    labels = [measure for measure, _, _, _ in bench.rows(results)]
    assert any(label.startswith('peak memory (VmHWM') and 'xdr_rate_limit=5' in label for label in labels)
    assert any(label.startswith('peak memory, hss-restore-isolated') and 'hss_rate_limit=7' in label
               for label in labels)
    assert any(label.startswith('peak memory (VmHWM') and 'max_concurrency=2' in label for label in labels)


# ----------------------------------------------------------------------------- the peers did the same work

@pytest.mark.parametrize('path, row', [
    (('hss_bulk', 'limited', 'sdk_batched_every_item_once'), 'HSS: official SDK batched'),
    (('hss_bulk', 'limited', 'sdk_per_item_every_item_once'), 'HSS: official SDK called once per item'),
    (('hss_bulk', 'by_hash', 'sdk_restored_every_copy_once'), 'HSS restore by hash'),
    (('hss_bulk', 'by_hash', 'sdk_found_every_copy'), 'HSS restore by hash'),
    (('xdr_bulk', 'loop_started_every_hash'), 'XDR: sequential requests loop'),
])
def test_a_ratio_row_misses_when_its_peer_did_not_do_all_the_work(path, row):
    """The SDK's and the loop's work was recorded (the batched SDK's) or not checked at all, and never held
    against the ratio: a peer that sent less is quick."""
    results = changed(path, False)
    results['hss_bulk']['limited']['sdk_batched_s'] = 50.0  # every ratio far above its goal
    assert met(results, row) is False
    assert any(measure.startswith(row) and 'the peer did not do all the work' in result
               for measure, result, _, _ in bench.rows(results))


def test_the_every_item_check_reads_the_projects_side_whoever_sent_the_puts():
    """A peer reports nothing of its own (the SDK's client returns no rows): its PUTs, as the project accepted them,
    are what show its work. Here the PUTs are sent one item each by the integration's own HSS client, which the check
    does not know of: it passes only once the project holds every item, each sent once."""
    from conftest import client_from_params
    from warroom.bench import every_item_once, hss_project

    with hss_project(3, 0.0, None) as (backend, params, added):
        client = client_from_params('hss', params)
        as_reported = [dict(item, outcome='restoring') for item in added]
        for item in added[:2]:
            client.restore_isolated_files([{key: item[key] for key in ('host_id', 'file_hash', 'file_path')}])
        assert not every_item_once(added, backend.put_sizes, backend.snapshot(), as_reported, 1)
        client.restore_isolated_files([{key: added[2][key] for key in ('host_id', 'file_hash', 'file_path')}])
        assert every_item_once(added, backend.put_sizes, backend.snapshot(), as_reported, 1)


# ----------------------------------------------------------------------------- the span ours is timed over

def fake_war_room(clock, entry):
    class WarRoom:
        """Building it takes 100 s, running a command 1 s: only the run is the command's time."""

        def __init__(self, **_):
            clock.now += 100.0

        def run(self, command, args):
            clock.now += 1.0
            return SimpleNamespace(failed=False, entries=[entry])
    return WarRoom


@pytest.mark.parametrize('measure', ['xdr', 'hss'])
def test_ours_is_timed_over_the_command_run_only_as_the_peers_are_after_their_client_is_built(monkeypatch, measure):
    from warroom import runtime

    clock = FakeClock(0.0)
    monkeypatch.setattr(bench.time, 'perf_counter', clock)
    monkeypatch.setattr(runtime, 'WarRoom', fake_war_room(clock, {'EntryContext': {'X': [{'a': 1}]}}))
    if measure == 'xdr':
        records, elapsed, failed = bench.restore_all({}, H)
    else:
        records, elapsed, failed = bench.run_hss({}, {})
    assert (records, elapsed, failed) == ([{'a': 1}], 1.0, False)


# ----------------------------------------------------------------------------- a missed goal flagged by the bench

def measured_as(monkeypatch, results):
    for name, key in [('cold_start', 'cold_start'), ('xdr_bulk', 'xdr_bulk'), ('hss_bulk', 'hss_bulk'),
                      ('runner_overhead', 'runner'), ('war_room_memory', 'war_room_memory')]:
        monkeypatch.setattr(bench, name, lambda *args, _key=key, **kwargs: copy.deepcopy(results[_key]))


def test_make_bench_exits_0_when_every_goal_is_met(monkeypatch, tmp_path, capsys):
    measured_as(monkeypatch, GOOD)
    assert bench.main(['--out', str(tmp_path / 'results.json')]) == 0
    assert json.loads((tmp_path / 'results.json').read_text())['missed'] == []
    assert 'MISSED' not in capsys.readouterr().out


def test_make_bench_exits_1_and_names_the_missed_goal(monkeypatch, tmp_path, capsys):
    measured_as(monkeypatch, changed(('cold_start', 'memory_ratio'), 1.3))
    assert bench.main(['--out', str(tmp_path / 'results.json')]) == 1
    missed = json.loads((tmp_path / 'results.json').read_text())['missed']
    assert len(missed) == 1 and missed[0].startswith('peak memory (VmHWM')
    out, err = capsys.readouterr()
    assert '1.300x **MISSED**' in out and '1 goal MISSED: peak memory (VmHWM' in err


def test_make_bench_counts_two_missed_goals_in_the_plural(monkeypatch, tmp_path, capsys):
    results = changed(('cold_start', 'memory_ratio'), 1.3)
    results['war_room_memory']['bytes_per_endpoint'] = 10 ** 9
    measured_as(monkeypatch, results)
    assert bench.main(['--out', str(tmp_path / 'results.json')]) == 1
    missed = json.loads((tmp_path / 'results.json').read_text())['missed']
    assert len(missed) == 2
    assert f'2 goals MISSED: {missed[0]}; {missed[1]}' in capsys.readouterr().err


def test_the_held_threshold_memory_row_explains_and_never_passes_for_the_goal(monkeypatch, tmp_path, capsys):
    # The default allocator's figure misses while the held-threshold one is well under the bound: the goal is still
    # judged on the default, and the diagnostic row is neither met nor missed.
    results = changed(('cold_start', 'memory_ratio'), 1.23)
    results['cold_start']['held_threshold_memory_ratio'] = 1.18
    measured_as(monkeypatch, results)
    assert bench.main(['--out', str(tmp_path / 'results.json')]) == 1
    missed = json.loads((tmp_path / 'results.json').read_text())['missed']
    assert len(missed) == 1 and missed[0].startswith('peak memory (VmHWM')
    [held] = [row for row in bench.rows(results) if 'MALLOC_MMAP_THRESHOLD_' in row[0]]
    assert held[1] == '1.180x' and held[3] is None and '128 KiB' in held[0]


def test_a_memory_ratio_just_past_its_bound_shows_enough_digits_to_see_why_it_missed(monkeypatch, tmp_path, capsys):
    measured_as(monkeypatch, changed(('cold_start', 'memory_ratio'), 1.2011))
    assert bench.main(['--out', str(tmp_path / 'results.json')]) == 1
    assert '1.201x **MISSED**' in capsys.readouterr().out


def test_a_memory_measure_is_the_median_of_its_children(monkeypatch):
    peaks = iter([31_000, 29_000, 45_000])
    bodies = []

    def child(code, stdin=None, env=None):
        bodies.append((code, stdin, env))
        return {'seconds': 0.1, 'peak_kb': next(peaks)}

    monkeypatch.setattr(bench, '_child', child)
    assert bench.median_peak_kb('import requests', 'in', {'A': '1'}) == 31_000
    assert len(bodies) == 3 and all('import requests' in code and stdin == 'in' and env == {'A': '1'}
                                    for code, stdin, env in bodies)


# ----------------------------------------------------------------------------- the bound behind the HSS gateway

def greedy_arrivals(requests, limit):
    """When a client that sends each request the moment the emulators' gateway would admit it gets each one in
    (warroom.emulator.ratelimit's window, on a clock of whole milliseconds): the fastest any client can be."""
    from warroom.emulator.ratelimit import SlidingWindow

    window, tick, arrivals = SlidingWindow(), 0, []
    while len(arrivals) < requests:
        if window.admit(tick / 1000, limit):
            arrivals.append(tick / 1000)
        else:
            tick += 1
    return arrivals


def test_the_sdk_rows_bound_is_the_fastest_client_behind_the_gateways_window():
    """The gateway admits 30 requests in any one second, not one every 1/30 s: a client sending 100 as soon as each is
    admitted has the last in 3 s after the first (not 99/30 s) and its reply a latency after it was sent. The bound
    was the SDK's time over 3.33 s, 1.67x in the committed run, where a client could be 1.83x faster; at 1,000 items
    (10 requests, all in the first second) ours beat that 'bound'."""
    latency, sdk_s = 0.05, 5.5825
    for items in (10_000, 1_000, 10_100):
        requests = -(-items // facts.HSS_MAX_ITEMS_PER_REQUEST)
        arrivals = greedy_arrivals(requests, 30.0)
        fastest = latency + arrivals[-1] - arrivals[0]
        results = copy.deepcopy(GOOD)
        results['hss_bulk']['limited'].update(items=items, latency_s=latency, gateway_limit_per_s=30.0,
                                              sdk_batched_s=sdk_s)
        [result] = [result for measure, result, _, _ in bench.rows(results)
                    if measure.startswith('HSS: official SDK batched')]
        assert f'(bound behind the limit: {sdk_s / fastest:.2f}x)' in result


# ----------------------------------------------------------------------------- the settings the bench ran with

def test_make_bench_prints_and_records_the_default_settings_first(monkeypatch, tmp_path, capsys):
    """A row names only the settings its run changed: the defaults those changes are from must be printed before the
    table and kept in results.json, or a results.json read after integration.yml's defaults change (the rate
    limits, max_concurrency, the timeouts) cannot say what the run used (it held the sentence 'the instance
    defaults' and no value)."""
    measured_as(monkeypatch, GOOD)
    assert bench.main(['--out', str(tmp_path / 'results.json')]) == 0
    header = capsys.readouterr().out.split('| measure |')[0]
    expected = {name: value for name, value in load_spec().default_params().items()
                if name not in ('xdr_url', 'hss_endpoint', 'hss_region', 'hss_project_id', 'hss_domain')}
    assert {'xdr_rate_limit', 'hss_rate_limit', 'max_concurrency', 'connect_timeout', 'read_timeout'} <= set(expected)
    assert all(f'{name}={value}' in header for name, value in expected.items())
    assert json.loads((tmp_path / 'results.json').read_text())['default_settings'] == expected


# ----------------------------------------------------------------------------- the bulk memory row did the work

def test_the_bulk_memory_row_misses_when_ours_did_not_send_every_item():
    """A command that stopped early holds less: the peak of hss-restore-isolated on 10,000 items passed on the
    child's last entry being a note, whatever the project received, where the war-room memory row asks for its run's
    end and the speed rows for every item sent once."""
    results = changed(('cold_start', 'bulk_every_item_sent_once'), False)
    [(result, goal_met)] = [(result, m) for measure, result, _, m in bench.rows(results)
                            if measure.startswith('peak memory, hss-restore-isolated')]
    assert goal_met is False and 'every item sent once: False' in result


def test_the_one_command_memory_row_misses_when_a_child_did_not_start_its_restore():
    """The one-command peak passed on each child's last entry being a note: a restore-file that answered without
    sending its request (the file not restored) holds less, and the row, 1.245x against 1.2x, could pass on it."""
    results = changed(('cold_start', 'command_restore_started_in_every_child'), False)
    [(result, goal_met)] = [(result, m) for measure, result, _, m in bench.rows(results)
                            if measure.startswith('peak memory (VmHWM, read in the child; the median')]
    assert goal_met is False and 'restore started in every child: False' in result


def test_the_bulk_memory_child_sends_every_item_once_and_says_so():
    peak_kb, settings, every_item = bench.hss_command_peak(3)
    assert peak_kb > 0 and settings == {} and every_item is True


# ----------------------------------------------------------------------------- the HSS ratios on a shared machine

def scripted(calls, name, time_key, times, **checks):
    """A measure that notes its call and answers the next of ``times``, with ``checks`` (each a list, per call)."""
    answers = iter(range(len(times)))

    def measure(*args, **kwargs):
        n = next(answers)
        calls.append(name)
        return dict({key: values[n] for key, values in checks.items()}, **{time_key: times[n]})
    return measure


def test_the_hss_ratios_take_each_sides_median_of_runs_in_turn(monkeypatch):
    """Two busy processes on the 2 CPUs during ours' restore by hash took it from 2.7 s to 4.7 s (the ratio from 4.1x
    to 1.8x against a goal of 3x): each side ran once, ours before the SDK, so a load spike during one run decided the
    row. In turn, three times, with each side's median, a spike moves one run; a round that lost work still counts."""
    calls = []
    monkeypatch.setattr(bench, 'hss_ours_behind_limit', scripted(
        calls, 'ours', 'ours_s', [9.0, 4.0, 4.2], every_item_sent_once_and_reported=[True] * 3,
        error_entry=[False] * 3))
    monkeypatch.setattr(bench, 'hss_sdk_batched', scripted(
        calls, 'sdk', 'sdk_batched_s', [5.6, 5.5, 5.7], sdk_batched_every_item_once=[True] * 3))
    monkeypatch.setattr(bench, 'hss_sdk_per_item', lambda *args: {'sdk_per_item_s': 500.0,
                                                                  'sdk_per_item_every_item_once': True})
    monkeypatch.setattr(bench, 'hss_ours_by_hash', scripted(
        calls, 'ours', 'ours_s', [2.6, 4.7, 2.5], every_copy_sent_once_and_reported=[True, True, False],
        error_entry=[False, True, False]))
    monkeypatch.setattr(bench, 'hss_sdk_by_hash', scripted(
        calls, 'sdk', 'sdk_list_then_restore_s', [8.7, 8.8, 8.6], sdk_found_every_copy=[True] * 3,
        sdk_restored_every_copy_once=[True] * 3))
    hss = bench.hss_bulk(10_000, 0.05, 300)
    assert calls == ['ours', 'sdk'] * 6
    assert (hss['limited']['ours_s'], hss['limited']['sdk_batched_s']) == (4.2, 5.6)
    assert hss['by_hash']['sdk_over_ours'] == pytest.approx(8.7 / 2.6)
    assert hss['by_hash']['every_copy_sent_once_and_reported'] is False and hss['by_hash']['error_entry'] is True
    assert hss['limited']['every_item_sent_once_and_reported'] is True and hss['limited']['error_entry'] is False


def test_the_memory_children_are_checked_on_the_vendors_side():
    """Each one-command child starts its restore on the tenant, and the bulk children send every item once: what
    cold_start records for the rows above, from a real (small) run."""
    cold = bench.cold_start(repeats=1, items=2)
    assert cold['command_restore_started_in_every_child'] is True and cold['bulk_every_item_sent_once'] is True


# ----------------------------------------------------------------------------- the runner's incidents

def watched_tenant(monkeypatch, seen, holds=True):
    """bench.xdr_tenant, its gateway and counter kept in ``seen``; holding no file where ``holds`` is False."""
    from contextlib import contextmanager

    original = bench.xdr_tenant

    @contextmanager
    def tenant(hashes, latency, rate, counter, *args, **kwargs):
        with original(hashes if holds else [], latency, rate, counter, *args, **kwargs) as (gateway, params):
            seen.update(gateway=gateway, counter=counter, hashes=hashes)
            yield gateway, params
    monkeypatch.setattr(bench, 'xdr_tenant', tenant)


def test_each_runner_incident_restores_its_own_file_and_the_tenant_refuses_nothing(monkeypatch):
    """The sample incident's XDR File Artifacts grid names the demo's file, which the bench's tenant does not hold:
    every run also asked to restore it, Cortex XDR answered 500 and the run's summary said 'failed 1', while the row
    said 0 failed runs of incidents that each had one file to restore."""
    seen = {}
    watched_tenant(monkeypatch, seen)
    runner = bench.runner_overhead(incidents=3, latency=0.0)
    assert [status for _, _, status in seen['counter']['arrivals'] if status != 200] == []
    assert sorted(action.file_hash for action in seen['gateway'].backend.actions.values()) == sorted(seen['hashes'])
    assert runner['failed_runs'] == 0


def test_a_runner_incident_whose_restore_the_tenant_refused_is_a_failed_run(monkeypatch):
    watched_tenant(monkeypatch, {}, holds=False)
    runner = bench.runner_overhead(incidents=3, latency=0.0)
    assert runner['failed_runs'] == 3
    assert met(changed(('runner', 'failed_runs'), runner['failed_runs']), 'playbook runner') is False
