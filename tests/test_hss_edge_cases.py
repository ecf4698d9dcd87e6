"""Edge cases of hss-restore-isolated's checks (hash case, a listing not read, copies restored before, shared hashes)
and of fetch-incidents (an event without occur_time), over HTTP to the HSS emulator."""
from __future__ import annotations

import json
import re

import pytest

from conftest import HSS_SEED, WaitClock, load_json, start_hss_tenant
from warroom.context import as_list, get_path
from warroom.emulator.faults import FaultPlan
from warroom.runtime import WarRoom

STAGE_SECONDS = 10.0
HOSTS = {host['host_name']: host for host in load_json(HSS_SEED)['hosts']}
SLOW = max((h for h in HOSTS.values() if h.get('agent_status', 'online') == 'online' and not h.get('restore_fails')),
           key=lambda h: h.get('restore_stages', 1))


@pytest.fixture
def clocked():
    clock = WaitClock()
    tenant = start_hss_tenant(stage_seconds=STAGE_SECONDS, clock=clock)
    yield tenant, clock
    tenant.stack.close()


def room(tenant, clock, **params):
    return WarRoom(params=tenant.params('aksk', **params), time_scale=1, sleep=clock.sleep)


def rows_of(result):
    return as_list(get_path(result.context, 'HuaweiHSS.RestoredFile'))


@pytest.mark.parametrize('count', [1, 25])  # checked hash by hash, and with two listings of the project (> 20 hashes)
def test_exact_items_given_with_an_upper_case_hash_are_followed_until_hss_lists_them_restored(clocked, count):
    tenant, clock = clocked
    host = SLOW['host_id']
    added = tenant.backend.add_isolated_files(host, count)
    args = {'host_id': host, 'file_hash': json.dumps([item['file_hash'].upper() for item in added]),
            'file_path': json.dumps([item['file_path'] for item in added])}

    result = room(tenant, clock).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    statuses = {tenant.backend.isolation_status(host, item['file_hash'], item['file_path']) for item in added}
    assert statuses == {'restored'}  # polling went on until HSS was done
    rows = rows_of(result)
    assert len(rows) == count and {row['outcome'] for row in rows} == {'restored'}


def test_a_last_check_that_cannot_read_the_listing_says_so(clocked):
    tenant, clock = clocked
    host = SLOW['host_id']
    file_hash = next(f['file_hash'] for f in SLOW['isolated_files'] if f.get('isolation_status', 'isolated') == 'isolated')
    started = room(tenant, clock).run('hss-restore-isolated', {'file_hash': file_hash, 'host_id': host,
                                                               'polling': 'false'})
    [follow] = started.entries[-1]['Contents']['follow_commands']
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=500'))  # the follow command's listing fails

    followed = room(tenant, clock, max_retries='0').run('hss-restore-isolated',
                                                        dict(re.findall(r'(\w+)=(\S+)', follow), polling='false'))

    text = followed.entries[-1].get('HumanReadable') or followed.entries[-1]['Contents']
    assert followed.failed or 'not read' in text, text  # never "0 restored, 0 restoring" as if nothing were left


def test_an_event_without_occur_time_left_by_a_capped_fetch_is_fetched_by_a_later_one():
    tenant = start_hss_tenant()
    try:
        host_id = sorted(tenant.backend.hosts)[0]
        [undated] = [tenant.backend.isolate_file(host_id, 'a' * 64, '/srv/drop/undated.bin', minutes_ago=30)]
        tenant.backend.isolate_file(host_id, 'b' * 64, '/srv/drop/newer.bin', minutes_ago=20)
        render = tenant.backend._render_event

        def without_occur_time(event):  # HSS gives no occur_time for this one
            rendered = render(event)
            if rendered['event_id'] == undated['event_id']:
                rendered.pop('occur_time')
            return rendered

        tenant.backend._render_event = without_occur_time
        expected = {e.event_id for e in tenant.backend.events
                    if tenant.backend.wall_clock() * 1000 - e.occur_time < 3 * 86_400_000}

        fetched, last_run = [], {}
        for _ in range(len(expected) + 2):
            incidents, last_run = WarRoom(params=tenant.params(max_fetch='1')).fetch(last_run)
            fetched += [json.loads(incident['rawJSON'])['event_id'] for incident in incidents]

        assert undated['event_id'] in fetched
        assert sorted(fetched) == sorted(expected)  # each once
    finally:
        tenant.stack.close()


def test_an_exact_item_hss_restored_before_this_restore_does_not_stay_restoring_in_context(clocked):
    tenant, clock = clocked
    host = HOSTS['db-02']
    done = next(f for f in host['isolated_files'] if f.get('isolation_status') == 'restored')
    args = {'host_id': host['host_id'], 'file_hash': done['file_hash'], 'file_path': done['file_path']}

    result = room(tenant, clock).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    [row] = rows_of(result)
    assert row['outcome'] != 'restoring'  # HSS lists it restored: the start's "restoring" must not be the last word
    assert 'before this restore' in row.get('reason', '')


def test_exact_items_sharing_a_hash_are_checked_with_one_listing_of_that_hash(clocked):
    tenant, clock = clocked
    host = SLOW['host_id']
    added = tenant.backend.add_isolated_files(host, 300, file_hash='c' * 64)  # one hash, 300 paths
    args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}

    result = room(tenant, clock, hss_rate_limit='1000').run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    assert {row['outcome'] for row in rows_of(result)} == {'restored'}
    pages = -(-300 // 200)  # HSS lists 200 a page
    assert len(tenant.requests_to('GET', '/event/isolated-file')) == pages * (result.runs - 1)  # not 300 listings
