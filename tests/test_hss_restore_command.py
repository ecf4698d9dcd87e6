"""!hss-restore-isolated through the war room, over HTTP to the emulated HSS and IAM, in both auth modes."""
from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import time
import types

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import facts
import restore_integration as ri
from commonmark_reading import as_commonmark_reads, emphasis_pairs
from conftest import (HSS_ANSWER, HSS_REPLIES, HSS_SEED, ROOT, Asked, FakeClock, InFlight, cached_token,
                      hss_seed_copies, inject_hss_faults, integration_on_clock, load_json, seconds_to_test_again,
                      start_hss_tenant)
from warroom.context import as_list, get_path
from facts import ENTRY_ERROR  # XSOAR's error entry type (4), not the war room's constant
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss import create_app as create_hss_app
from warroom.emulator.hss.exceptions import ERROR_FORMS
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.line import parse_line
from warroom.runtime import Demisto, WarRoom
from warroom.spec import load_spec

COPIES = hss_seed_copies()
TAKEN = {'Date': 'Fri, 04 Dec 2026 08:00:00 GMT', **HSS_ANSWER}  # HSS's answer to a restore it took, and when
SHARED_HASH = next(h for h, copies in sorted(COPIES.items()) if len({c['host_id'] for c in copies}) > 1)
SINGLE_HASH = next(h for h, copies in sorted(COPIES.items()) if len(copies) == 1)


def war_room(tenant, auth_type='aksk', **overrides):
    return WarRoom(params=tenant.params(auth_type, **overrides), time_scale=0, sleep=lambda _: None)


def rows_of(result):
    return as_list(get_path(result.context, 'HuaweiHSS.RestoredFile'))


def status_of(tenant, copy):
    return tenant.backend.isolation_status(copy['host_id'], copy['file_hash'], copy['file_path'])


@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_restore_by_hash_restores_every_isolated_copy(hss_tenant, auth_type):
    result = war_room(hss_tenant, auth_type).run('hss-restore-isolated', {'file_hash': SHARED_HASH})

    assert not result.failed, result.entries
    rows = rows_of(result)
    expected = {(c['host_id'], c['file_path']) for c in COPIES[SHARED_HASH]}
    assert {(r['host_id'], r['file_path']) for r in rows} == expected
    assert {r['outcome'] for r in rows} == {'restored'}
    assert {r['host_name'] for r in rows} == {c['host_name'] for c in COPIES[SHARED_HASH]}
    for copy in COPIES[SHARED_HASH]:
        assert status_of(hss_tenant, copy) == 'restored'


def test_no_table_of_a_restore_whose_every_copy_goes_through_has_a_reason_column(hss_tenant):
    """A column empty in every row is noise: neither the start's table (every copy restoring) nor a check's (every
    copy restored) names the reason column, which only a row HSS gave a reason fills."""
    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': SHARED_HASH})

    assert not result.failed, result.entries
    assert len(result.entries) > 1 and not any(row.get('reason') for row in rows_of(result)), result.entries
    headers = [[line for line in entry['HumanReadable'].splitlines() if line.startswith('|')][0]
               for entry in result.entries]
    assert headers == ['|host_id|host_name|file_path|file_hash|outcome|'] * len(result.entries), headers


def test_host_id_limits_a_restore_by_hash_to_that_host(hss_tenant):
    chosen, *others = COPIES[SHARED_HASH]

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': SHARED_HASH, 'host_id': chosen['host_id']})

    assert [r['host_id'] for r in rows_of(result)] == [chosen['host_id']]
    assert status_of(hss_tenant, chosen) == 'restored'
    for other in others:
        if other['host_id'] != chosen['host_id']:
            assert status_of(hss_tenant, other) == 'isolated'


def test_restore_by_host_and_path_finds_the_file(hss_tenant):
    [copy] = COPIES[SINGLE_HASH]

    result = war_room(hss_tenant).run('hss-restore-isolated', {'host_id': copy['host_id'],
                                                               'file_path': json.dumps([copy['file_path']])})

    [row] = rows_of(result)
    assert (row['file_hash'], row['outcome']) == (SINGLE_HASH, 'restored')
    assert status_of(hss_tenant, copy) == 'restored'


def test_exact_items_are_sent_as_given(hss_tenant):
    [copy] = COPIES[SINGLE_HASH]
    args = {'host_id': copy['host_id'], 'file_hash': copy['file_hash'], 'file_path': json.dumps([copy['file_path']]),
            'file_attr': copy['file_attr'], 'polling': 'false'}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert not result.failed
    [put] = hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert put[3] == {'data_list': [{'host_id': copy['host_id'], 'file_hash': copy['file_hash'],
                                     'file_path': copy['file_path'], 'file_attr': copy['file_attr']}]}
    assert hss_tenant.requests_to('GET', '/event/isolated-file') == []  # no listing needed


def test_the_follow_command_of_exact_items_repeats_their_file_attr(hss_tenant):
    # The check numbers the items as the start did (a refused batch is kept by its number): items that differ only in
    # file_attr are two items, so a follow line without it would number them otherwise.
    [copy] = COPIES[SINGLE_HASH]
    args = {'host_id': copy['host_id'], 'file_hash': copy['file_hash'], 'file_path': json.dumps([copy['file_path']]),
            'file_attr': copy['file_attr'], 'polling': 'false'}

    started = war_room(hss_tenant).run('hss-restore-isolated', args)

    [follow] = started.entries[-1]['Contents']['follow_commands']
    line = parse_line(follow)
    assert line.command == 'hss-restore-isolated' and line.args['file_attr'] == copy['file_attr']
    checked = war_room(hss_tenant).run(line.command, line.args)
    assert not checked.failed and [row['outcome'] for row in rows_of(checked)] == ['restored']


def batch_sizes(count):
    """The PUTs of ``count`` items, smallest first: full ones of facts.HSS_MAX_ITEMS_PER_REQUEST, then the rest."""
    most = facts.HSS_MAX_ITEMS_PER_REQUEST
    return sorted(min(most, count - start) for start in range(0, count, most))


def test_250_items_go_out_in_3_requests_and_every_item_is_reported(hss_tenant):
    host = COPIES[SINGLE_HASH][0]['host_id']
    bulk_hash = 'b' * 64
    added = hss_tenant.backend.add_isolated_files(host, 250, file_hash=bulk_hash)

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': bulk_hash})

    assert sorted(hss_tenant.backend.put_sizes) == batch_sizes(250) and len(batch_sizes(250)) == 3
    rows = rows_of(result)
    assert sorted(r['file_path'] for r in rows) == sorted(item['file_path'] for item in added)  # each item, once
    assert {r['outcome'] for r in rows} == {'restored'}
    assert all(hss_tenant.backend.isolation_status(host, bulk_hash, item['file_path']) == 'restored' for item in added)
    assert result.entries[0]['Contents']['restore_requests'] == 3  # the first run sends; the checks read


def test_restore_by_hash_restores_every_copy_when_hss_serves_fewer_rows_per_page_than_asked(hss_tenant):
    host = COPIES[SINGLE_HASH][0]['host_id']
    bulk_hash = 'd' * 64
    added = hss_tenant.backend.add_isolated_files(host, 250, file_hash=bulk_hash)
    hss_tenant.backend.max_page_rows = 40  # every listing page holds 40 rows at most, whatever limit is asked

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': bulk_hash})

    assert not result.failed, result.entries
    rows = rows_of(result)
    assert sorted(r['file_path'] for r in rows) == sorted(item['file_path'] for item in added)
    assert {r['outcome'] for r in rows} == {'restored'}
    assert all(hss_tenant.backend.isolation_status(host, bulk_hash, item['file_path']) == 'restored' for item in added)


@pytest.mark.parametrize('seed', range(4))
def test_restore_by_hash_restores_every_copy_when_hss_orders_copies_of_one_update_time_anew_for_each_page(
        hss_tenant, seed):
    # HSS's documents give the isolated-file listing no order, let alone among files isolated in one millisecond: each
    # page request may order those anew (the emulator's seeded tie order), so paging by offset may meet some twice,
    # others never. 50 copies more than a page holds, isolated at once: the tie spans two pages.
    host = COPIES[SINGLE_HASH][0]['host_id']
    bulk_hash = 'e' * 64
    added = hss_tenant.backend.add_isolated_files(host, facts.HSS_LIST_PAGE_SIZE + 50, file_hash=bulk_hash)
    hss_tenant.backend.file_tie_order_seed = seed

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': bulk_hash})

    assert not result.failed, result.entries
    rows = rows_of(result)
    assert sorted(r['file_path'] for r in rows) == sorted(item['file_path'] for item in added)  # each copy, once
    assert {r['outcome'] for r in rows} == {'restored'}
    assert all(hss_tenant.backend.isolation_status(host, bulk_hash, item['file_path']) == 'restored' for item in added)

@pytest.mark.parametrize('seed', range(3))
def test_restore_by_hash_says_which_hash_may_have_copies_left_when_a_tie_outgrows_the_largest_page(hss_tenant, seed):
    # More copies isolated in one millisecond than the largest page the API takes (limit 1000: HSS_LIST_LIMIT_RANGE),
    # each page ordering them anew (the emulator's seeded tie order): paging by offset may skip some whatever the
    # page size, and no documented filter tells copies of one hash on one host apart. The restore must not be silent
    # about copies it may have left isolated: the entry names the hash, and running the command again restores them.
    host = COPIES[SINGLE_HASH][0]['host_id']
    bulk_hash = 'f' * 64
    added = hss_tenant.backend.add_isolated_files(host, facts.HSS_LIST_LIMIT_RANGE[1] + 100, file_hash=bulk_hash)
    hss_tenant.backend.file_tie_order_seed = seed
    room = war_room(hss_tenant)

    result = room.run('hss-restore-isolated', {'file_hash': bulk_hash})

    assert not result.failed, result.entries
    left = [item for item in added if hss_tenant.backend.isolation_status(host, bulk_hash, item['file_path'])
            == 'isolated']
    assert left  # the tie did lose copies: otherwise this test shows nothing
    said = [part for entry in result.entries for part in str(entry['HumanReadable']).split('\n\n')
            if bulk_hash in part and 'may not have been read' in part]
    assert said, result.entries[0]['HumanReadable'][-600:]
    # run again, the copies left are a tie of their own, one page large at most, the copies restored no longer in it
    room.run('hss-restore-isolated', {'file_hash': bulk_hash})
    assert all(hss_tenant.backend.isolation_status(host, bulk_hash, item['file_path']) == 'restored' for item in added)


# One request at a time, each PUT meets the token the one before it expired: exactly one new token per expiry. Side by
# side, PUTs already past the gateway's check when one expires need none, so only an upper bound holds there.
@pytest.mark.parametrize('concurrency, most, least', [('1', 3, 3), ('8', 3, 1)], ids=['one at a time', 'side by side'])
def test_token_expiring_mid_run_is_fetched_again_and_nothing_is_lost(hss_tenant, concurrency, most, least):
    host = COPIES[SINGLE_HASH][0]['host_id']
    bulk_hash = 'c' * 64
    hss_tenant.backend.add_isolated_files(host, 250, file_hash=bulk_hash)
    original = hss_tenant.backend.restore_isolated_files

    def restore_then_expire(*args, **kwargs):
        outcome = original(*args, **kwargs)
        hss_tenant.backend.expire_tokens()  # every later request meets an expired token
        return outcome

    hss_tenant.backend.restore_isolated_files = restore_then_expire
    result = war_room(hss_tenant, 'token', max_concurrency=concurrency).run(
        'hss-restore-isolated', {'file_hash': bulk_hash, 'polling': 'false'})

    assert not result.failed
    assert sorted(hss_tenant.backend.put_sizes) == batch_sizes(250)
    assert least <= len(hss_tenant.requests_to('POST', '/v3/auth/tokens')) <= most  # the first, one per expiry at most
    assert {r['outcome'] for r in rows_of(result)} == {'restoring'} and len(rows_of(result)) == 250


def test_token_is_kept_in_the_integration_context_between_runs(hss_tenant):
    room = war_room(hss_tenant, 'token')

    room.run('hss-restore-isolated', {'file_hash': SHARED_HASH})
    room.run('hss-restore-isolated', {'file_hash': SINGLE_HASH})

    assert len(hss_tenant.requests_to('POST', '/v3/auth/tokens')) == 1
    cached = cached_token(room.integration_context)
    assert cached['token'] and cached['expires_at'] > 0
    assert hss_tenant.base_params['hss_credentials']['password'] not in json.dumps(room.integration_context)


@pytest.mark.parametrize('days', [-2, 2])
def test_a_token_from_an_iam_whose_clock_is_days_away_is_kept_between_runs_as_long_as_it_lives(hss_tenant, days):
    # README: the token is reused by later commands until 10 minutes before it expires. expires_at is on IAM's
    # clock: read against this machine's, a token from an IAM two days behind would be born expired, and one from an
    # IAM two days ahead would outlive its 24 hours here.
    hss_tenant.gateway.inject_faults(FaultPlan(skew_s=days * 86_400))
    room = war_room(hss_tenant, 'token')

    room.run('hss-restore-isolated', {'file_hash': SHARED_HASH})
    room.run('hss-restore-isolated', {'file_hash': SINGLE_HASH})

    assert len(hss_tenant.requests_to('POST', '/v3/auth/tokens')) == 1
    lifetime = cached_token(room.integration_context)['expires_at'] - time.time()
    assert 0 < lifetime <= facts.IAM_TOKEN_LIFETIME_S


def test_a_hash_isolated_nowhere_is_reported_not_found_without_error(hss_tenant):
    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': 'd' * 64})

    assert not result.failed
    [row] = rows_of(result)
    assert row['outcome'] == 'not_found' and 'no isolated copy' in row['reason']
    assert hss_tenant.backend.put_sizes == []


@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
def test_a_hash_or_path_mistyped_by_one_character_is_not_found_with_a_check_of_the_value_given_first(hss_tenant, by):
    # An analyst's likeliest cause of a not_found: the value given, one character off from the copy HSS isolated. The
    # reason names that argument to check, before what else HSS not listing it may mean, and never says HSS lists it
    # isolating, which it does not.
    [copy] = COPIES[SINGLE_HASH]
    typo = copy[by][:-1] + ('0' if copy[by][-1] != '0' else '1')
    args = {by: typo, 'host_id': copy['host_id']}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert not result.failed, result.entries
    [row] = rows_of(result)
    assert row['outcome'] == 'not_found', row
    causes = row['reason'].split(': ', 1)[1]
    assert causes.startswith(f'check the {by} given'), row['reason']
    assert 'lists it isolating' not in row['reason'], row['reason']
    assert hss_tenant.backend.put_sizes == []


@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
def test_a_host_name_given_as_host_id_is_not_found_with_the_id_of_the_host_so_named_to_run_again_with(hss_tenant, by):
    # The war room and HSS's console show a host by its name: an analyst may give it as host_id. HSS lists the copy on
    # the host of that name, which the restore, by ID, does not take; the reason gives that host's ID to run again with,
    # beyond telling to check the hash or path given, which is right.
    [copy] = COPIES[SINGLE_HASH]

    result = war_room(hss_tenant).run('hss-restore-isolated', {by: copy[by], 'host_id': copy['host_name']})

    assert not result.failed, result.entries
    [row] = rows_of(result)
    assert row['outcome'] == 'not_found', row
    assert f"host_id={copy['host_id']}" in row['reason'], row['reason']
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert status_of(hss_tenant, copy) == 'isolated'


@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
@pytest.mark.parametrize('case', [str.upper, str.title], ids=['upper', 'title'])
def test_a_host_name_given_in_another_letter_case_is_not_found_with_the_id_of_the_host_so_named(hss_tenant, by, case):
    # HSS's console shows a name as it was typed at creation: an analyst may type it in another case.
    [copy] = COPIES[SINGLE_HASH]
    assert case(copy['host_name']) != copy['host_name']

    result = war_room(hss_tenant).run('hss-restore-isolated', {by: copy[by], 'host_id': case(copy['host_name'])})

    [row] = rows_of(result)
    assert row['outcome'] == 'not_found' and f"host_id={copy['host_id']}" in row['reason'], row['reason']
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')


def test_a_host_id_given_in_upper_case_is_not_found_with_the_id_as_hss_lists_it_which_restores_the_copy(hss_tenant):
    # A UUID copied from a tool that writes it in upper case: the restore matches HSS's host ID exactly, so the reason
    # gives the ID as HSS lists it, and that line restores the copy, rather than only saying to check the hash.
    [copy] = COPIES[SINGLE_HASH]
    args = {'file_hash': copy['file_hash'], 'host_id': copy['host_id'].upper(), 'polling': 'false'}

    [row] = rows_of(war_room(hss_tenant).run('hss-restore-isolated', args))

    assert row['outcome'] == 'not_found', row
    [said] = re.findall(r'It lists one on the host so named: run the command again with (host_id=\S+)\.', row['reason'])
    again = war_room(hss_tenant).run('hss-restore-isolated', dict(args, **parse_line(f'!x {said}').args))
    assert [(again_row['host_id'], again_row['outcome']) for again_row in rows_of(again)] == [
        (copy['host_id'], 'restoring')]


@pytest.mark.parametrize('copied', ['{name} ({id})', '{id} {name}'], ids=['name (id)', 'id name'])
def test_a_host_id_copied_with_its_name_is_not_found_with_the_id_alone_which_restores_the_copy(hss_tenant, copied):
    # HSS's console shows a server's name beside its ID: copied together, host_id names no host HSS lists, and the
    # reason gives the ID alone to run again with, rather than only saying to check the hash.
    [copy] = COPIES[SINGLE_HASH]
    given = copied.format(name=copy['host_name'], id=copy['host_id'])
    args = {'file_hash': copy['file_hash'], 'host_id': given, 'polling': 'false'}

    [row] = rows_of(war_room(hss_tenant).run('hss-restore-isolated', args))

    assert row['outcome'] == 'not_found' and row['host_id'] == given, row
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')
    [said] = re.findall(r'It lists one on the host so named: run the command again with (host_id=\S+)\.', row['reason'])
    again = war_room(hss_tenant).run('hss-restore-isolated', dict(args, **parse_line(f'!x {said}').args))
    assert [(again_row['host_id'], again_row['outcome']) for again_row in rows_of(again)] == [
        (copy['host_id'], 'restoring')]


def test_a_host_ip_address_given_as_host_id_is_not_found_saying_host_id_takes_the_id_of_the_host_at_that_ip(hss_tenant):
    [copy] = COPIES[SINGLE_HASH]
    address = next(host['private_ip'] for host in load_json(HSS_SEED)['hosts'] if host['host_id'] == copy['host_id'])

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': copy['file_hash'], 'host_id': address})

    [row] = rows_of(result)
    assert row['outcome'] == 'not_found' and f"host_id={copy['host_id']}" in row['reason'], row['reason']
    assert f"host_id takes HSS's host ID, not an IP address ({address})" in row['reason'], row['reason']
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')


def test_a_hosts_public_ip_given_as_host_id_is_not_found_with_the_id_of_the_host_at_that_eip(hss_tenant):
    # HSS lists a server's EIP beside its private IP (IsolatedFileResponseInfo.public_ip): the address an analyst
    # knows an internet-facing server by names it as the private one does, and the line given restores the copy.
    hss_tenant.backend.add_host('e1a2b3c4-0000-4000-8000-00000000e1b0', 'edge-01', private_ip='192.168.3.9',
                                public_ip='203.0.113.20')
    hss_tenant.backend.isolate_file('e1a2b3c4-0000-4000-8000-00000000e1b0', 'e1' * 32, '/srv/edge/proxy')
    args = {'file_hash': 'e1' * 32, 'host_id': '203.0.113.20', 'polling': 'false'}

    [row] = rows_of(war_room(hss_tenant).run('hss-restore-isolated', args))

    assert row['outcome'] == 'not_found', row
    [said] = re.findall(r'It lists one on the host so named: run the command again with (host_id=\S+)\.', row['reason'])
    again = war_room(hss_tenant).run('hss-restore-isolated', dict(args, **parse_line(f'!x {said}').args))
    assert [(again_row['host_name'], again_row['outcome']) for again_row in rows_of(again)] == [
        ('edge-01', 'restoring')]


@pytest.mark.parametrize('count, noun', [(1, 'host'), (2, 'hosts'), (3, 'hosts')])
def test_a_hash_isolated_nowhere_names_the_hosts_it_was_asked_on_in_the_singular_or_plural_by_their_number(
        hss_tenant, count, noun):
    hosts = sorted({copy['host_id'] for copies in COPIES.values() for copy in copies})[:count]
    assert len(hosts) == count

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': 'd' * 64, 'host_id': json.dumps(hosts)})

    assert not result.failed, result.entries
    [row] = rows_of(result)
    assert row['outcome'] == 'not_found' and f'on {noun} {", ".join(hosts)} ' in row['reason'], row


def test_a_hash_hss_is_still_isolating_is_reported_not_found_with_isolating_among_the_reasons(hss_tenant):
    # The seed's isolation_status isolating: the isolation task is issued, the copy not isolated yet (README).
    host, file_hash = sorted(hss_tenant.backend.hosts)[0], 'ab' * 32
    hss_tenant.backend.add_isolated_files(host, 1, file_hash=file_hash, isolation_status='isolating')

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': file_hash})

    assert not result.failed
    [row] = rows_of(result)
    assert row['outcome'] == 'not_found' and 'being isolated' in row['reason'] and 'restored already' in row['reason']
    assert hss_tenant.backend.put_sizes == []


def test_a_hash_on_a_host_of_another_enterprise_project_is_not_found_with_how_to_list_every_project(hss_tenant):
    # enterprise_project_id left out: the default enterprise project (Huawei's SDK says so of the events listing, and
    # README assumes it of the isolated-file listing); all_granted_eps lists all (the seed).
    seed = load_json(HSS_SEED)
    web = next(h for h in seed['hosts'] if h.get('enterprise_project_id') not in (None, '', '0'))
    file_hash = web['isolated_files'][0]['file_hash']

    result = war_room(hss_tenant, hss_enterprise_project_id='').run(
        'hss-restore-isolated', {'file_hash': file_hash, 'host_id': web['host_id']})

    assert not result.failed
    [row] = rows_of(result)
    assert row['outcome'] == 'not_found'
    assert 'enterprise_project_id' in row['reason'] and 'all_granted_eps' in row['reason']


@pytest.mark.parametrize('args, setting', [({'enterprise_project_id': facts.HSS_DEFAULT_ENTERPRISE_PROJECT[0]}, ''),
                                           ({}, facts.HSS_DEFAULT_ENTERPRISE_PROJECT[0])])
def test_a_hash_not_found_in_enterprise_project_0_reads_as_in_the_default_enterprise_project(hss_tenant, args,
                                                                                              setting):
    # The seed: "The value 0 indicates the default enterprise project", the one HSS lists when the parameter is left
    # out. A Huawei user knows it by that name: given 0 (argument or setting), the reason reads as a run given none.
    zero, name = facts.HSS_DEFAULT_ENTERPRISE_PROJECT
    file_hash = next(digit * 64 for digit in '0123456789' if digit * 64 not in COPIES)
    asked = {'file_hash': file_hash, 'polling': 'false'}
    [left_out] = rows_of(war_room(hss_tenant, hss_enterprise_project_id='').run('hss-restore-isolated', asked))

    result = war_room(hss_tenant, hss_enterprise_project_id=setting).run('hss-restore-isolated', {**asked, **args})

    assert not result.failed, result.entries
    [row] = rows_of(result)
    assert row['outcome'] == 'not_found' and name in row['reason'], row
    assert f'enterprise project {zero}' not in row['reason'] and row['reason'] == left_out['reason'], row

@pytest.mark.parametrize('given', ['finance', 'seed ID'])
def test_an_enterprise_project_name_given_as_its_id_is_sent_and_not_found_saying_it_looks_like_a_name_and_where_ids_are(
        hss_tenant, given):
    # Huawei documents enterprise project IDs as UUIDs, 0 the default one's (EPS; VPC's and EIP's pages: "UUID format
    # with hyphens, or the string 0"), while its console lists projects by name. HSS's page takes 0 to 64 characters,
    # no form: the value goes to HSS as given, and when HSS lists nothing in it, a name (not an ID of the seed's) is
    # said to look like one, with where its ID is shown: Enterprise Project Management.
    seed = load_json(HSS_SEED)
    [copy] = COPIES[SINGLE_HASH]
    held_in = next(h['enterprise_project_id'] for h in seed['hosts'] if h['host_id'] == copy['host_id'])
    other = next(h['enterprise_project_id'] for h in seed['hosts'] if h['enterprise_project_id'] not in ('0', held_in))
    project = other if given == 'seed ID' else given
    args = {'file_hash': copy['file_hash'], 'enterprise_project_id': project, 'polling': 'false'}

    [row] = rows_of(war_room(hss_tenant).run('hss-restore-isolated', args))

    assert row['outcome'] == 'not_found', row
    listings = hss_tenant.requests_to('GET', '/event/isolated-file')
    assert listings and {tuple(r.query.get('enterprise_project_id', [])) for r in listings} == {(project,)}, listings
    hint = f'{project} looks like its name, not its ID'
    assert (hint in row['reason'] and 'Enterprise Project Management' in row['reason']) == (given == 'finance'), row
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')


@pytest.mark.parametrize('source', ['argument', 'setting'])
def test_an_enterprise_project_name_that_lists_nothing_is_said_to_be_fixed_where_the_run_took_it_from(hss_tenant,
                                                                                                     source):
    # The argument enterprise_project_id, else the instance setting: the advice to put the project's ID there names
    # the one this run read the name from (the setting as the instance dialog labels it), in the entry and context.
    [copy] = COPIES[SINGLE_HASH]
    args = {'file_hash': copy['file_hash'], 'enterprise_project_id': 'finance'} if source == 'argument' else {
        'file_hash': copy['file_hash']}
    setting = 'finance' if source == 'setting' else ''
    label = f'the instance setting "{load_spec().params["hss_enterprise_project_id"].display}"'

    result = war_room(hss_tenant, hss_enterprise_project_id=setting).run('hss-restore-isolated', args)

    reasons = [row['reason'] for entry in result.entries if isinstance(entry['Contents'], dict)
               for row in entry['Contents'].get('items', []) if row['outcome'] == 'not_found'] + [
        row['reason'] for row in rows_of(result)]
    assert reasons and all('finance looks like its name, not its ID' in reason for reason in reasons), reasons
    for reason in reasons:
        assert (label in reason) == (source == 'setting'), reason
        assert ('set enterprise_project_id to the ID' in reason) == (source == 'argument'), reason
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')


def test_the_last_check_counts_and_shows_a_hash_not_found_at_the_start_whose_copies_hss_lists_otherwise(hss_tenant):
    # The seed: db-02 holds SINGLE_HASH isolated and SHARED_HASH restored long ago. The start reports SHARED_HASH
    # not_found there ("it may be restored already"), and its row stays in context; the last check's counts and table,
    # the report an analyst and a playbook read, must say so too, not "0 not found" beside a not_found row.
    [copy] = COPIES[SINGLE_HASH]
    seed_host = next(h for h in load_json(HSS_SEED)['hosts'] if h['host_id'] == copy['host_id'])
    assert {(f['file_hash'], f.get('isolation_status', 'isolated')) for f in seed_host['isolated_files']} >= {
        (SHARED_HASH, 'restored')}

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': f'{SINGLE_HASH},{SHARED_HASH}',
                                                               'host_id': copy['host_id']})

    assert not result.failed, result.entries[-1]
    [start_row] = [row for row in result.entries[0]['Contents']['items'] if row['outcome'] == 'not_found']
    assert start_row['file_hash'] == SHARED_HASH
    outcomes = {row['file_hash']: row['outcome'] for row in rows_of(result)}
    assert outcomes == {SINGLE_HASH: 'restored', SHARED_HASH: 'not_found'}
    last = result.entries[-1]
    assert result.runs > 1 and '1 restored, 0 restoring, 0 failed, 1 not found' in last['HumanReadable'], last
    assert SHARED_HASH in last['HumanReadable']
    assert [row for row in last['Contents']['items'] if row['outcome'] == 'not_found'] == [start_row]


@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
def test_a_file_hss_lists_restored_already_on_the_host_is_not_found_saying_it_is_back_there(hss_tenant, by):
    # The seed has HSS list one copy restored long ago. The listing the start reads holds it: its reason says it is
    # back on that host, which the analyst would otherwise have to guess among "check the hash, restored already...".
    host, back = next((host, copy) for host in load_json(HSS_SEED)['hosts'] for copy in host['isolated_files']
                      if copy.get('isolation_status') == 'restored')
    args = {by: json.dumps([back[by]]), 'host_id': host['host_id']}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    [row] = rows_of(result)
    assert row['outcome'] == 'not_found', row
    assert f"It lists it restored on {host['host_name']}: it is back there already." in row['reason'], row['reason']
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')


def test_a_hash_hss_lists_only_restored_given_with_no_host_is_not_found_naming_the_host_it_is_back_on(hss_tenant):
    host = sorted(hss_tenant.backend.hosts)[0]
    hss_tenant.backend.add_isolated_files(host, 1, file_hash='ac' * 32, isolation_status='restored')

    [row] = rows_of(war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': 'ac' * 32, 'polling': 'false'}))

    assert row['outcome'] == 'not_found', row
    [named] = re.findall(r'It lists it restored on (.*): it is back there already\.', row['reason'])
    assert named in (host, hss_tenant.backend.hosts[host].host_name), row['reason']
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')



def test_a_hash_hss_lists_still_isolating_on_the_host_given_is_not_found_without_saying_it_is_back(hss_tenant):
    # HSS's isolation_status "isolating": the file is being isolated, not restored. Its copy on the host given is no
    # isolated copy to restore (not found), and nothing says the file is back on that host.
    host = sorted(hss_tenant.backend.hosts)[0]
    hss_tenant.backend.add_isolated_files(host, 1, file_hash='ad' * 32, isolation_status='isolating')

    [row] = rows_of(war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': 'ad' * 32, 'host_id': host,
                                                                      'polling': 'false'}))

    assert row['outcome'] == 'not_found', row
    assert 'restored on' not in row['reason'] and 'back there' not in row['reason'], row['reason']
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')


@pytest.mark.parametrize('by', ['file_hash', 'file_path'])
def test_a_host_name_given_as_host_id_whose_copy_hss_lists_restored_is_not_found_saying_it_is_back_with_the_host_id(
        hss_tenant, by):
    # The seed: db-02 holds a copy HSS lists restored long ago. Given by the name the console shows, host_id names no
    # host HSS lists (its host IDs are UUIDs), yet the listing read holds that copy with host_name db-02: the reason
    # says it is back on that host, with the host ID host_id takes, rather than only "check the hash or path given".
    host, back = next((host, copy) for host in load_json(HSS_SEED)['hosts'] for copy in host['isolated_files']
                      if copy.get('isolation_status') == 'restored')
    args = {by: json.dumps([back[by]]), 'host_id': host['host_name'], 'polling': 'false'}

    [row] = rows_of(war_room(hss_tenant).run('hss-restore-isolated', args))

    assert row['outcome'] == 'not_found' and row['host_id'] == host['host_name'], row
    assert (f"It lists it restored on {host['host_name']} (host_id {host['host_id']}): it is back there already."
            in row['reason']), row['reason']
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')


def test_an_exact_item_on_a_host_of_another_enterprise_project_is_refused_by_hss_once_not_retried(hss_tenant):
    # HSS API: enterprise_project_id left out means the default enterprise project. An item on a host of another is
    # HSS's refusal (its HTTP 400, "Requested resource not found."), which no retry changes: sent once, and said so.
    seed = load_json(HSS_SEED)
    web = next(h for h in seed['hosts'] if h.get('enterprise_project_id') not in (None, '', '0'))
    copy = web['isolated_files'][0]
    args = {'host_id': web['host_id'], 'file_hash': copy['file_hash'], 'file_path': json.dumps([copy['file_path']]),
            'polling': 'false'}

    result = war_room(hss_tenant, hss_enterprise_project_id='').run('hss-restore-isolated', args)

    text = result.entries[-1]['Contents']
    assert result.failed and f'HTTP {facts.HSS_ERROR_STATUS}' in text and facts.HSS_RESOURCE_NOT_FOUND[0] in text, text
    assert len(hss_tenant.requests_to('PUT', '/event/isolated-file')) == 1
    assert hss_tenant.gateway.internal_errors == []


@pytest.mark.parametrize('args, complaint', [
    ({'host_id': 'h' * 65, 'file_hash': SHARED_HASH}, 'HSS accepts 1 to 64'),
    ({'file_hash': 'f' * 257}, 'HSS accepts 1 to 256'),
    ({'host_id': 'a,b', 'file_hash': 'x,y,z', 'file_path': 'p,q'}, 'do not line up'),
    ({'host_id': 'a,b,c', 'file_path': '/p,/q'}, 'do not line up'),
    ({'file_hash': SHARED_HASH, 'file_attr': '0'}, 'file_attr is only used with exact items'),
    ({'file_hash': 'abc\r\ndef'}, 'control characters'),
    ({'file_hash': 'a,,b'}, 'empty item at position 2'),
    ({'file_path': '/tmp/x'}, 'Say which files to restore'),
    ({}, 'Say which files to restore'),
    ({'file_hash': '["unclosed"'}, 'not a JSON list'),
    ({'file_hash': SHARED_HASH, 'pair_by_position': 'false'}, 'for a restore by host and path'),
    ({'host_id': 'a,b', 'file_hash': 'x,y', 'file_path': 'p,q', 'pair_by_position': 'false'}, 'by host and path'),
    ({'host_id': 'a,b', 'file_path': '/p,/q', 'pair_by_position': 'maybe'}, 'pair_by_position must be true or false'),
])
def test_bad_input_is_refused_before_any_request(hss_tenant, args, complaint):
    demisto = Demisto(hss_tenant.params(), 'hss-restore-isolated', args, {}, [])

    ri.main(demisto)

    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR and complaint in entry['Contents']
    assert hss_tenant.gateway.requests == []


@pytest.mark.parametrize('args', [
    {'file_path': '/tmp/x'}, {'file_path': '["/a", "/b"]', 'pair_by_position': 'false'},
    {'file_path': '/tmp/x', 'file_attr': '0'},
    {'file_hash': SHARED_HASH, 'file_path': json.dumps([COPIES[SHARED_HASH][0]['file_path']])},
    # paired by position, each hash with the path of another's copy: taken apart, either would restore a copy
    {'file_hash': json.dumps([SHARED_HASH, SINGLE_HASH]), 'pair_by_position': 'true',
     'file_path': json.dumps([COPIES[SINGLE_HASH][0]['file_path'], COPIES[SHARED_HASH][-1]['file_path']])},
])
def test_a_restore_by_path_without_host_id_is_refused_naming_host_id_before_any_request(hss_tenant, args):
    # integration.yml: a path is restored "with host_id and file_path", host_id being the "Server (host) IDs". A path
    # alone, or with a hash, names no host: the refusal's first sentence says host_id is what is missing, and nothing
    # is sent (a hash and a path were once taken as each hash at any path given, on every host).
    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert result.failed, result.entries[-1]
    first = result.entries[-1]['Contents'].split('Error: ', 1)[1].split('. ')[0]
    assert 'host_id' in first and re.search(r'\b(?:missing|without|not given|no)\b', first), first
    assert hss_tenant.gateway.requests == []


@pytest.mark.parametrize('args', [{}, {'host_id': 'h1'}, {'host_id': '["h1", "h2"]', 'file_attr': '0'},
                                  {'enterprise_project_id': '0'}])
def test_a_restore_naming_no_hash_or_path_is_refused_saying_file_hash_or_file_path_is_missing_before_any_request(
        hss_tenant, args):
    # integration.yml: files are named by file_hash (host_id optional), or host_id with file_path. Host IDs alone, or
    # nothing, name no file: the refusal's first sentence says file_hash or file_path is what is missing.
    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert result.failed, result.entries[-1]
    first = result.entries[-1]['Contents'].split('Error: ', 1)[1].split('. ')[0]
    assert 'file_hash' in first and 'file_path' in first and re.search(r'\b(?:missing|not given|no)\b', first), first
    assert hss_tenant.gateway.requests == []


def test_wrong_secret_key_is_a_401_with_the_gateway_code_and_no_secret(hss_tenant):
    wrong = {'identifier': hss_tenant.base_params['hss_aksk']['identifier'], 'password': 'not-the-secret-key-123'}

    result = war_room(hss_tenant, hss_aksk=wrong).run('hss-restore-isolated', {'file_hash': SHARED_HASH})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR
    assert 'HTTP 401' in entry['Contents'] and 'APIGW.0301' in entry['Contents'] and 'request id' in entry['Contents']
    for secret in hss_tenant.secrets() + ['not-the-secret-key-123']:
        assert secret not in repr(result.entries) + repr(result.log)


def test_a_command_of_many_hashes_sends_a_secret_key_the_gateway_refuses_once_and_locks_no_access_key(hss_tenant):
    # The gateway locks an access key, for every tool that signs with it, once it refused its requests
    # facts.HSS_AK_LOCKOUT_FAILURES times in a row: the hashes' listings, sent side by side, must not all go out signed
    # with a secret key it refuses.
    access_key = hss_tenant.base_params['hss_aksk']['identifier']
    wrong = {'identifier': access_key, 'password': 'not-the-secret-key-123'}
    hashes = [hashlib.sha256(f'not isolated {n}'.encode()).hexdigest() for n in range(30)]

    result = war_room(hss_tenant, hss_aksk=wrong).run('hss-restore-isolated', {'file_hash': ','.join(hashes)})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'verify aksk signature fail' in entry['Contents'], entry
    assert len(hss_tenant.gateway.requests) == 1
    assert not hss_tenant.gateway.aksk_locked(access_key)



def test_a_gateway_503_before_the_signature_check_lets_no_other_hash_s_listing_out_with_a_refused_key(hss_tenant):
    # The gateway answers a fault in front of it (a 503) before it checks the signature (the emulator's order, README
    # of warroom/emulator/hss/responses.py): a request given up on with a 503 says nothing of the secret key, so the
    # hashes' listings waiting for that answer still go one at a time; the first refused with 401 stops the rest, and
    # the access key is not locked.
    access_key = hss_tenant.base_params['hss_aksk']['identifier']
    wrong = {'identifier': access_key, 'password': 'not-the-secret-key-123'}
    hashes = [hashlib.sha256(f'not isolated {n}'.encode()).hexdigest() for n in range(30)]
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=503*{facts.DEFAULT_MAX_RETRIES + 1};retry-after=0'))

    result = war_room(hss_tenant, hss_aksk=wrong, retry_backoff='0', hss_rate_limit='1000').run(
        'hss-restore-isolated', {'file_hash': ','.join(hashes)})

    assert result.entries[-1]['Type'] == ENTRY_ERROR, result.entries[-1]
    assert not hss_tenant.gateway.aksk_locked(access_key)
    assert len(hss_tenant.gateway.requests) == 1  # past the faults: one signature checked, refused


@pytest.mark.parametrize('kind', ['400-apigw', '413-apigw', '500-apigw'])
def test_a_gateway_error_before_the_signature_check_lets_no_other_hash_s_listing_out_with_a_refused_key(hss_tenant,
                                                                                                        kind):
    # Huawei's gateway answers errors of its own, with an APIGW. code, before it checks the signature (a request it
    # refuses, 400; a body too large, 413; a fault of its own, 500: its signing guide's "Error Codes"). Such an answer,
    # to every attempt of the first request, says nothing of the secret key: the hashes' listings waiting for it still
    # go one at a time; the first that reaches the check, refused with 401, stops the rest, and the access key is not
    # locked.
    access_key = hss_tenant.base_params['hss_aksk']['identifier']
    wrong = {'identifier': access_key, 'password': 'not-the-secret-key-123'}
    hashes = [hashlib.sha256(f'not isolated {n}'.encode()).hexdigest() for n in range(30)]
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={kind}*{facts.DEFAULT_MAX_RETRIES + 1}'))
    in_flight = InFlight(create_hss_app(hss_tenant.gateway))  # each request held 50 ms: two sent together overlap

    with LoopbackServer(in_flight) as server:
        result = war_room(hss_tenant, hss_aksk=wrong, retry_backoff='0', hss_rate_limit='1000',
                          hss_endpoint=server.url).run('hss-restore-isolated', {'file_hash': ','.join(hashes)})

    assert result.entries[-1]['Type'] == ENTRY_ERROR, result.entries[-1]
    assert in_flight.most == 1  # no two requests side by side
    assert len(hss_tenant.gateway.requests) == 1  # past the gateway's errors: one signature checked, refused
    assert not hss_tenant.gateway.aksk_locked(access_key)


@pytest.mark.parametrize('kind, request_kind', [('200-page', 'listing'), ('200-empty', 'listing'),
                                                ('200-empty', 'restore')])
def test_a_200_from_in_front_of_hss_lets_no_other_request_out_with_a_refused_key(hss_tenant, kind, request_kind):
    # A proxy's or captive portal's page, or a load balancer's empty 200, comes from in front of HSS's gateway, which
    # never checked the signature: it is no answer of HSS's (HSS answers in JSON, or its restore's 200 with no body
    # but the gateway's request ID). The requests waiting for it still go one at a time; the first that reaches the
    # check, refused with 401, stops the rest, and the access key is not locked. A listing meets such a 200 on every
    # attempt (it is no listing: sent again); a restore of exact items, 3 PUTs, on its first PUT only (an answer lost:
    # the listing read next, to find which items are still isolated, is the request the gateway refuses). Its entry
    # says the refusal whole, in whichever order the threads went; a start whose first hash's listing met the 200 says
    # that first, then the refusal, once.
    access_key = hss_tenant.base_params['hss_aksk']['identifier']
    wrong = {'identifier': access_key, 'password': 'not-the-secret-key-123'}
    if request_kind == 'listing':
        hashes = [hashlib.sha256(f'not isolated {n}'.encode()).hexdigest() for n in range(30)]
        args, faulted = {'file_hash': ','.join(hashes)}, facts.DEFAULT_MAX_RETRIES + 1
    else:
        added = hss_tenant.backend.add_isolated_files(hss_tenant.backend.snapshot()[0]['host_id'],
                                                      2 * facts.HSS_MAX_ITEMS_PER_REQUEST + 1)
        args = {name: json.dumps([item[name] for item in added]) for name in ('host_id', 'file_hash', 'file_path')}
        faulted = 1
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={kind}*{faulted}'))
    asked = Asked(create_hss_app(hss_tenant.gateway))
    in_flight = InFlight(asked)  # each request held 50 ms: two sent together overlap

    with LoopbackServer(in_flight) as server:
        result = war_room(hss_tenant, hss_aksk=wrong, retry_backoff='0', hss_rate_limit='1000',
                          hss_endpoint=server.url).run('hss-restore-isolated', dict(args, polling='false'))

    assert hss_tenant.gateway.faults.counts() == {kind: faulted}
    assert in_flight.most == 1  # no two requests side by side
    assert len(hss_tenant.gateway.requests) == 1  # past the 200s: one signature checked, refused
    said = result.entries[-1].get('HumanReadable') or result.entries[-1]['Contents']  # the start's error: Contents
    assert result.failed == (request_kind == 'listing'), said  # a restore's rows say each item's fate
    assert 'HTTP 401' in said and 'APIGW.0301' in said and 'secret key' in said, said  # the refusal, whole
    if request_kind == 'listing' and asked.hashes[0] == hashes[0]:  # the first hash's listing met the 200s
        assert '(hss_endpoint)' in said and said.index('(hss_endpoint)') < said.index('HTTP 401'), said
    if request_kind == 'listing':
        assert said.count('HTTP 401') == 1, said  # said once, whichever listing met it
    else:  # the PUT that met the empty 200, and the ones the refusal stopped, whichever order they went in
        assert 'HTTP 200 with no body' in said and 'Not sent: Huawei Cloud HSS refused another request' in said, said
    assert not hss_tenant.gateway.aksk_locked(access_key)


def test_a_listing_s_other_failure_is_not_told_the_gateway_s_lock_of_the_access_key_as_a_refusal_for_good():
    # The gateway's lock of the access key (401 APIGW.0301, "AK access failed to reach the limit") passes in 5 minutes:
    # another listing that met it met no refusal that stops every request, so a listing's own failure is said alone
    # (the lock's own handling, gateway_lock, reads the lock where it is the error).
    locked = ri.VendorApiError('Huawei Cloud HSS', 401, 'Wait 5 minutes.', '', [], 'APIGW.0301',
                               'AK access failed to reach the limit')
    locked.later = True  # as the client marks a lock: it passes
    page = ri.RestoreError('Huawei Cloud HSS answered HTTP 200 with a page, not HSS\'s JSON.')

    said = str(ri.with_key_refusal(page, types.SimpleNamespace(key_refused=locked)))

    assert said == 'Huawei Cloud HSS answered HTTP 200 with a page, not HSS\'s JSON.', said


def refused_key(later: bool = False) -> ri.VendorApiError:
    """The gateway's 401 to a request signed with a wrong secret key (later: its lock of the key, which passes)."""
    message = 'AK access failed to reach the limit' if later else 'Incorrect IAM authentication information'
    error = ri.VendorApiError('Huawei Cloud HSS', 401, 'Check the keys.', '', [], facts.HSS_GATEWAY_AUTH_FAILED[0],
                              message)
    error.later = later  # as the client marks a lock
    return error


def test_a_listing_refused_as_another_was_says_the_refusal_once_not_again_as_the_other_s():
    # Once HSS took a signature, listings go side by side: two may meet the key's refusal, each an error of its own.
    mine, other = refused_key(), refused_key()

    said = str(ri.with_key_refusal(mine, types.SimpleNamespace(key_refused=other)))

    assert said == str(refused_key()) and said.count(facts.HSS_GATEWAY_AUTH_FAILED[0]) == 1, said


def test_a_listing_that_met_the_gateway_s_lock_is_told_the_refusal_for_good_another_listing_met():
    # The lock and the refusal share the gateway's code; the lock passes, the refusal does not: it is said too.
    said = str(ri.with_key_refusal(refused_key(later=True), types.SimpleNamespace(key_refused=refused_key())))

    assert 'AK access failed' in said and 'Incorrect IAM authentication information' in said, said


class ArrivalLevels(InFlight):
    """InFlight that also notes, as each request arrives, how many are in flight with it (itself counted)."""

    def __init__(self, app, **holds):
        super().__init__(app, **holds)
        self.levels = []

    def __call__(self, request):
        with self._lock:
            self.levels.append(self.now + 1)
        return super().__call__(request)


def test_hss_s_own_error_to_the_first_listing_lets_the_other_hashes_listings_out_side_by_side_at_once(hss_tenant):
    # An error in HSS's own words (an HSS. code: HSS.0041, its service failing, Huawei's documented 500) comes from
    # behind the gateway, past its check of the signature: the key works, so the hashes' listings that waited for the
    # first one's answer all go out side by side then, none of them alone first as while the key was untried.
    # (20 hashes, each listed alone: more are read in one listing of the project)
    hashes = [hashlib.sha256(f'not isolated {n}'.encode()).hexdigest() for n in range(20)]
    faulted = facts.DEFAULT_MAX_RETRIES + 1
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=500*{faulted};retry-after=0'))
    # the first listing's attempts alone (the key untried), then each held till two are out together, however loaded
    arrivals = ArrivalLevels(create_hss_app(hss_tenant.gateway), meet=2, alone=faulted)

    with LoopbackServer(arrivals) as server:
        war_room(hss_tenant, retry_backoff='0', hss_rate_limit='1000', hss_endpoint=server.url).run(
            'hss-restore-isolated', {'file_hash': ','.join(hashes), 'polling': 'false'})

    assert hss_tenant.gateway.faults.counts() == {'500': faulted}  # the first listing's every attempt met HSS.0041
    assert arrivals.levels[:faulted] == [1] * faulted, arrivals.levels  # the key untried: that listing alone
    assert arrivals.levels[faulted + 1] > 1, arrivals.levels  # the next two side by side (the error ends the run)


# Huawei's API gateway refuses what it cannot authenticate with 401 APIGW.0301, "Incorrect IAM authentication
# information" and the failed check after ': ' (APIG's error codes; its FAQ: "verify aksk signature fail" for a wrong
# SK, "decrypt token fail" for a token from another environment). Two ways to meet it: a wrong secret key, and tokens
# from an IAM of another environment (here another emulated tenant's IAM, whose tokens this gateway never issued),
# which IAM gives again after the refusal, so the password is right and the advice turns to where the token is used.
DIALOG = {param['name']: param.get('display')
          for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration']}


@pytest.mark.parametrize('how, auth_type, named, unused', [
    ('wrong secret key', 'aksk', ['hss_aksk'], ['hss_domain', 'hss_credentials']),
    ('token from another environment', 'token', ['hss_project_id', 'hss_region', 'hss_iam_endpoint', 'hss_endpoint'],
     []),
])
def test_the_gateway_refusing_the_credentials_is_an_error_entry_with_apigw_0301_its_message_and_what_to_check(
        hss_tenant, how, auth_type, named, unused):
    """What to check names the settings of the authentication in use: an AK/SK instance is not told to check an
    IAM user's login it does not use (``unused``)."""
    other = start_hss_tenant()
    overrides = {'hss_aksk': {**hss_tenant.base_params['hss_aksk'], 'password': 'not-the-secret-key-123'}} \
        if auth_type == 'aksk' else {'hss_iam_endpoint': other.iam_url,
                                     'hss_credentials': other.base_params['hss_credentials']}
    try:
        result = war_room(hss_tenant, auth_type, **overrides).run('hss-restore-isolated', {'file_hash': SHARED_HASH})
        tokens = len(other.requests_to('POST', '/v3/auth/tokens'))
    finally:
        other.stack.close()

    [entry] = result.entries
    code, message = facts.HSS_GATEWAY_AUTH_FAILED
    assert entry['Type'] == ENTRY_ERROR and 'HTTP 401' in entry['Contents'], entry
    said = re.search(r'said: code (\S+), message "([^"]*)", request id ([0-9a-f]{32})', entry['Contents'])
    assert said and said[1] == code and said[2].startswith(message + ': '), entry['Contents']
    ours = entry['Contents'].split(' said: ', 1)[0]  # what to check, in the integration's own words
    assert all(f'"{DIALOG[name]}" ({name})' in ours for name in named), (named, ours)
    assert not [name for name in unused if f'({name})' in ours], ours
    assert hss_tenant.requests_to('PUT', '/event/isolated-file') == []  # nothing was restored
    # a token refused is renewed once (README: "gets a new one on a 401"); the new one refused too, the command stops
    assert tokens == (2 if auth_type == 'token' else 0)


# A token IAM issued that the gateway refuses with APIGW.0301 is renewed once only (an 0301 is no "must be updated"):
# two tokens came from IAM, the second after the first was refused, and both were refused. The message counts what the
# integration did, from the logs of the emulated IAM and gateway: one resend with a new token, no retry of a fault.
def test_tokens_of_another_environment_refused_twice_are_told_as_one_new_token_after_the_first_refusal(hss_tenant):
    other = start_hss_tenant()
    try:
        result = war_room(hss_tenant, 'token', hss_iam_endpoint=other.iam_url,
                          hss_credentials=other.base_params['hss_credentials']).run('hss-restore-isolated',
                                                                                    {'file_hash': SHARED_HASH})
        issued = len(other.requests_to('POST', '/v3/auth/tokens'))
    finally:
        other.stack.close()

    message = result.entries[-1]['Contents']
    refused = sum(1 for r in hss_tenant.gateway.requests if r[1].endswith('/event/isolated-file'))
    said = re.search(r'\. The request was sent again with a new IAM token after (\d+) token refusals?\b', message)
    # no token was cached before this run: IAM's first token came before any refusal, the other after the first
    assert said and int(said[1]) == issued - 1 == refused - 1 == 1, message
    assert 'even a new token IAM had just issued' in message and 'retried' not in message, message


def test_wrong_iam_password_says_so(hss_tenant):
    creds = {'identifier': hss_tenant.base_params['hss_credentials']['identifier'], 'password': 'wrong-password-1'}

    result = war_room(hss_tenant, 'token', hss_credentials=creds).run('hss-restore-isolated',
                                                                      {'file_hash': SHARED_HASH})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and 'Huawei Cloud IAM answered HTTP 401' in entry['Contents']
    # Said in the integration's own words (the vendor's come after 'said:'): the password, and the setting holding it.
    ours = entry['Contents'].split(' said: ', 1)[0]
    assert 'password' in ours and 'hss_credentials' in ours, ours
    assert 'wrong-password-1' not in entry['Contents']


@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_test_module_checks_hss_in_each_auth_mode(hss_tenant, auth_type):
    good = war_room(hss_tenant, auth_type).run('test-module', {})
    # README: "for HSS it gets a token (token mode) and reads one page of isolated files (10 rows, the fewest the API
    # lists)".
    assert [e['Contents'] for e in good.entries] == ['ok']
    assert len(hss_tenant.requests_to('POST', '/v3/auth/tokens')) == (auth_type == 'token')
    [listing] = hss_tenant.requests_to('GET', '/event/isolated-file')
    assert listing.query.get('limit') == ['10'] and listing.query.get('offset', ['0']) == ['0'], listing.query
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')  # it restores nothing

    bad = war_room(hss_tenant, auth_type, hss_project_id='ffffffffffffffffffffffffffffffff').run('test-module', {})

    assert bad.failed and bad.entries[-1]['Type'] == ENTRY_ERROR
    # the admin at the instance dialog is told the setting to check; a Test runs no command, so no argument to give
    ours = bad.entries[-1]['Contents'].split(' said: ', 1)[0]
    assert '(hss_project_id)' in ours and not re.search(r'\bargument\b', ours), ours


def test_the_instance_test_throttled_by_hss_says_to_test_again_not_to_run_a_command(hss_tenant):
    # Test lists one page of isolated files (README, test-module). HSS's gateway throttles it (429 APIGW.0308) with a
    # Retry-After of an hour, past what a Test waits: the user at the instance dialog presses Test, runs no command.
    # README says of Cortex XDR's Test: "a 429 says to test again"; HSS's Test tells its user the same.
    hss_tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=3600'))

    result = war_room(hss_tenant).run('test-module', {})
    message = str(result.entries[-1]['Contents'])

    [throttled] = hss_tenant.gateway.faults.injected
    assert throttled.path.endswith('/event/isolated-file') and result.failed and 'APIGW.0308' in message, message
    assert not facts.words_missing(message, facts.HSS_ADVICE_WORDS[429]) and 'Test again' in message, message
    assert not re.search(r'\b[Rr]un the command|command again', message), message
    # One instruction, when to test again: the end of the hour HSS asked to wait, not "in a moment" and a time too.
    assert 3590 <= seconds_to_test_again(message, 'Huawei Cloud HSS') <= 3600, message


# README, test-module: throttled past what a Test waits, it says to test again, as Cortex XDR's does, not to run a
# command: token mode asks IAM for a token first, and IAM's throttling (429 with a Retry-After of an hour) is met at the
# instance dialog too; so is HSS's. The wait the Test gave up on is the Test's, not a command's.
@pytest.mark.parametrize('throttled', ['iam', 'hss'])
def test_the_instance_test_throttled_in_token_mode_says_to_test_again_and_names_no_command(hss_tenant, throttled):
    plan = FaultPlan.parse('sequence=429;retry-after=3600')
    inject_hss_faults(hss_tenant, throttled, plan)

    result = war_room(hss_tenant, 'token').run('test-module', {})
    message = str(result.entries[-1]['Contents'])

    [met] = (hss_tenant.gateway.iam_faults if throttled == 'iam' else hss_tenant.gateway.faults).injected
    assert result.failed and met.kind == '429', message
    assert not facts.words_missing(message, facts.HSS_ADVICE_WORDS[429]) and 'Test again' in message, message
    assert not re.search(r'\b[Rr]un the command|command again|this command', message), message
    vendor = 'Huawei Cloud IAM' if throttled == 'iam' else 'Huawei Cloud HSS'  # as the vendor that asked is named
    assert 3590 <= seconds_to_test_again(message, vendor) <= 3600, message


def test_the_instance_test_whose_event_listing_comes_past_its_wait_says_to_test_again_not_to_poll(monkeypatch):
    # With Fetch incidents on, Test lists isolated files, then events (README, test-module). HSS throttles the first
    # listing for as long as a Test waits for its turns: its retry goes last, the event listing's turn after the wait.
    # A Test has no timeout_in_seconds and runs no command: the advice must not name either.
    clock = FakeClock()
    moved = integration_on_clock(monkeypatch, clock)
    tenant = start_hss_tenant(clock=clock, wall_clock=moved.time)
    try:
        tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={facts.TEST_TURN_WAIT_S}'))
        room = WarRoom(params=tenant.params('aksk', isFetch=True), sleep=clock.advance, clock=clock)
        result = room.run('test-module', {})
    finally:
        tenant.stack.close()
    message = str(result.entries[-1]['Contents'])

    assert result.failed and 'Not sent to Huawei Cloud HSS' in message and 'Test again' in message, message
    assert not re.search(r'timeout_in_seconds|\b[Rr]un the command|command again|this command', message), message


@pytest.mark.parametrize('fault', ['503', '502-html', 'reset', 'malformed'])
def test_the_instance_test_failed_by_faults_at_every_attempt_says_to_test_again_later_not_to_try_again(hss_tenant,
                                                                                                       fault):
    # Every attempt at the Test's listing meets a fault (README, Reliability: a 502 or 503, a dropped connection, a
    # broken reply) until its retries are spent. The admin at the instance dialog presses Test (README, test-module:
    # "says to test again ... not to run a command"): the fault's advice says to test again later, as its 429 says to
    # test again, while it keeps what to check if the fault persists.
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={fault}*20;retry-after=0'))

    result = war_room(hss_tenant, retry_backoff='0').run('test-module', {})
    message = str(result.entries[-1]['Contents'])

    assert result.failed and len(hss_tenant.gateway.faults.injected) == len(facts.RETRY_WAITS) + 1, message
    assert re.search(r'\b[Tt]est again later\b', message), message
    assert not re.search(r'\b[Tt]ry again|\b[Rr]un the command|command again|next fetch', message), message


def test_a_refused_batch_is_reported_item_by_item_while_the_others_go_through(hss_tenant):
    host = COPIES[SINGLE_HASH][0]['host_id']
    items = hss_tenant.backend.add_isolated_files(host, 100)
    items.append({'host_id': host, 'file_hash': 'e' * 64, 'file_path': '/not/isolated'})
    args = {name: json.dumps([item[name] for item in items]) for name in ('host_id', 'file_hash', 'file_path')}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    rows = rows_of(result)
    assert len(rows) == 101
    assert [r['outcome'] for r in rows].count('restored') == 100
    [failed] = [r for r in rows if r['outcome'] == 'failed']
    assert failed['file_path'] == '/not/isolated' and 'HTTP 400' in failed['reason'] and 'HSS.' in failed['reason']


def restore_with_a_refused_batch(tenant):
    """A batch of copies HSS takes, then one it refuses (an item not isolated in it): the items taken, those refused,
    and the result of restoring them all as exact items."""
    host = COPIES[SINGLE_HASH][0]['host_id']
    taken = tenant.backend.add_isolated_files(host, facts.HSS_MAX_ITEMS_PER_REQUEST)
    refused = [{'host_id': host, 'file_hash': 'e' * 64, 'file_path': '/not/isolated'}]  # refuses its whole batch
    refused += tenant.backend.add_isolated_files(host, 10)
    args = {name: json.dumps([item[name] for item in taken + refused]) for name in ('host_id', 'file_hash',
                                                                                    'file_path')}
    return taken, refused, war_room(tenant).run('hss-restore-isolated', args)


def test_the_last_check_says_how_many_items_of_batches_hss_refused_it_does_not_follow(hss_tenant):
    # README: a batch HSS refuses is reported item by item (failed) by the start while the other batches go through;
    # the checks follow only what HSS may have taken. Their last entry counts those: it must not read as if nothing
    # failed ("0 failed") when HSS refused a batch.
    taken, refused, result = restore_with_a_refused_batch(hss_tenant)

    assert not result.failed, result.entries[-1]
    assert [row['outcome'] for row in rows_of(result)].count('failed') == len(refused)
    last = result.entries[-1]['HumanReadable']
    assert f'Not counted here: {len(refused)} of this restore\'s items' in last, last


def footer_of(text):
    """The line of a grouped entry that says what HuaweiHSS.RestoredFile holds."""
    [footer] = [line for line in text.splitlines() if line.startswith('HuaweiHSS.RestoredFile holds')]
    return footer


def test_a_grouped_last_check_s_footer_says_the_context_also_holds_the_rows_of_a_refused_batch(hss_tenant):
    # The last check reads again only the batch HSS took (grouped: more rows than a table lists); the context also
    # holds the refused batch's rows, as the start wrote them. "holds all" of the rows read would deny those.
    taken, refused, result = restore_with_a_refused_batch(hss_tenant)

    assert not result.failed, result.entries[-1]
    assert len(rows_of(result)) == len(taken) + len(refused)
    assert footer_of(result.entries[-1]['HumanReadable']) == (
        f"HuaweiHSS.RestoredFile holds this restore's {len(taken)} rows, plus the start's rows of {len(refused)} items "
        "refused by HSS or not sent.")


REFUSED_GROUP = ", plus the start's rows of {refused} items refused by HSS or not sent"


@pytest.mark.parametrize('fates, beside', [
    ('ok refused', REFUSED_GROUP),
    ('ok lost', ''),
    ('ok refused lost', REFUSED_GROUP + ", plus the start's rows of at least {lost} copies HSS did not act on"),
], ids=['refused_batch', 'never_acted_on', 'both'])
def test_a_grouped_last_check_s_footer_names_each_group_it_does_not_count_for_what_happened_to_it(fates, beside):
    # Copies of one hash in batches of 100 (the last of 50) that HSS takes, refuses (503s) or never gets (504s: the
    # answers lost). The last check counts the copies HSS took; a refused batch's items, and copies of the other
    # batches still isolated beyond them (HSS did not act on them), keep the start's rows: the footer names each group
    # with its count, the copies HSS never acted on not as refused. With no batch refused, a check reads those copies
    # again (failed at the last): they are among its rows, and nothing is counted apart.
    fates = fates.split()
    count = facts.HSS_MAX_ITEMS_PER_REQUEST * (len(fates) - 1) + facts.HSS_MAX_ITEMS_PER_REQUEST // 2
    sizes = [min(facts.HSS_MAX_ITEMS_PER_REQUEST, count - start)
             for start in range(0, count, facts.HSS_MAX_ITEMS_PER_REQUEST)]
    result = restore_batches_of_each_fate(count, fates, timeout=30)

    assert not result.failed, result.entries[-1]
    by_fate = {fate: sum(size for size, each in zip(sizes, fates) if each == fate)
               for fate in ('refused', 'lost', 'ok')}
    checked = by_fate['ok'] if by_fate['refused'] else by_fate['ok'] + by_fate['lost']
    last = result.entries[-1]['HumanReadable']
    said = f"HuaweiHSS.RestoredFile holds this restore's {checked} rows{beside}."
    assert footer_of(last) == said.format(refused=by_fate['refused'], lost=by_fate['lost']), last
    assert len(rows_of(result)) == count  # the context holds a row of every copy: those the footer names included


def test_a_grouped_footer_claims_only_this_restore_s_rows_when_the_incident_holds_another_restore_s_too(hss_tenant):
    # One incident may run hss-restore-isolated more than once (by hash, by host and path, at each close): its context
    # then holds the rows of each restore. Past 50 rows an entry counts this restore's: "holds all N" would deny the
    # others'.
    room, copies = war_room(hss_tenant), facts.READABLE_DETAIL_MAX + 10
    assert not room.run('hss-restore-isolated', {'file_hash': SHARED_HASH}).failed
    earlier = len(rows_of(room))
    hss_tenant.backend.add_isolated_files(sorted(hss_tenant.backend.hosts)[0], copies, file_hash='d' * 64)

    result = room.run('hss-restore-isolated', {'file_hash': 'd' * 64})

    assert not result.failed, result.entries[-1]
    assert earlier and len(rows_of(result)) == earlier + copies  # both restores' rows, in one context path
    for entry in (result.entries[0], result.entries[-1]):  # the start's and the last check's
        assert footer_of(entry['HumanReadable']) == (
            f"HuaweiHSS.RestoredFile holds this restore's {copies} rows."), entry['HumanReadable']


def test_running_again_replaces_the_rows_of_the_earlier_run_not_found_ones_too(hss_tenant):
    room = war_room(hss_tenant)
    args = {'file_hash': f'{SINGLE_HASH},{"d" * 64}'}

    room.run('hss-restore-isolated', args)
    first = rows_of(room.run('hss-restore-isolated', args))
    again = rows_of(room.run('hss-restore-isolated', args))

    assert len(again) == len(first) == len({(r.get('host_id'), r['file_hash'], r.get('file_path')) for r in again})
    nowhere = [r for r in again if r['file_hash'] == 'd' * 64]
    assert [r['outcome'] for r in nowhere] == ['not_found']  # that row was replaced at each run, not added to


def test_a_grouped_table_names_each_host_of_a_failure_reason_once(hss_tenant):
    # README, "Readable at any scale": past READABLE_DETAIL_MAX copies the entry writes each failure reason once "with
    # the endpoints or hosts it applies to" (READABLE_LISTED_MAX, then "and N more"). Here HSS refuses a whole batch of
    # exact items on one host (one of them not isolated: HSS.0011, nothing changed): its reason applies to one host.
    host = next(h for h in load_json(HSS_SEED)['hosts'] if h.get('agent_status', 'online') == 'online')
    added = hss_tenant.backend.add_isolated_files(host['host_id'], facts.HSS_MAX_ITEMS_PER_REQUEST + 1)
    paths = [item['file_path'] for item in added]
    paths[0] += '.not-isolated'
    assert len(added) > facts.READABLE_DETAIL_MAX

    result = war_room(hss_tenant).run('hss-restore-isolated', {
        'host_id': host['host_id'], 'file_hash': json.dumps([item['file_hash'] for item in added]),
        'file_path': json.dumps(paths), 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    text = result.entries[-1]['HumanReadable']
    [(count, names)] = re.findall(r'^- \*\*failed \(([\d,]+)\)\*\*: .*\n +(.*)$', text, re.MULTILINE)
    assert int(count.replace(',', '')) == facts.HSS_MAX_ITEMS_PER_REQUEST, text  # the copies: the batch refused
    assert names in (host['host_id'], host['host_name']), names  # the one host they are on, once


def test_a_grouped_table_names_the_hashes_not_found_on_any_host_by_their_hash(hss_tenant):
    # A hash HSS lists on no host is not_found on no host: the grouped line names the hashes, not a "?" for a host.
    hashes = [hashlib.sha256(f'never isolated {n}'.encode()).hexdigest() for n in range(facts.READABLE_DETAIL_MAX + 1)]

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': json.dumps(hashes), 'polling': 'false'})

    text = result.entries[-1]['HumanReadable']
    [(count, names)] = re.findall(r'^- \*\*not_found \(([\d,]+)\)\*\*: .*\n +(.*)$', text, re.MULTILINE)
    assert int(count) == len(hashes), text
    # README, "Readable at any scale": 20 of them, by hash in the order given, then "and N more"
    assert names == f'{", ".join(hashes[:20])} and {len(hashes) - 20} more', names


@pytest.mark.parametrize('value, kind', [('d41d8cd98f00b204e9800998ecf8427e', 'MD5'),
                                         ('da39a3ee5e6b4b0d3255bfef95601890afd80709', 'SHA1')])
def test_a_hash_kind_hss_does_not_list_by_is_refused_before_any_request(hss_tenant, value, kind):
    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': value})

    assert result.failed and kind in result.entries[-1]['Contents'] and 'SHA256' in result.entries[-1]['Contents']
    assert hss_tenant.gateway.requests == []


@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_a_path_with_blanks_is_sent_as_huaweis_signing_guide_encodes_it_and_found(hss_tenant, auth_type):
    """Huawei's signing guide encodes a blank as %20 ("not +"), and its SDK sends the query in that form. The emulated
    gateway reads a query as RFC 3986 does, where + is a plus: a path sent with + for its blanks would be another
    path (token mode), or fail its signature (AK/SK)."""
    copy = next(c for copies in COPIES.values() for c in copies if ' ' in c['file_path'])

    result = war_room(hss_tenant, auth_type).run('hss-restore-isolated', {'host_id': copy['host_id'],
                                                                          'file_path': copy['file_path']})

    assert not result.failed, result.entries
    rows = rows_of(result)
    assert rows and {(r['host_id'], r['file_path'], r['outcome']) for r in rows} == {
        (copy['host_id'], copy['file_path'], 'restored')}
    assert status_of(hss_tenant, copy) == 'restored'


def test_an_exact_item_given_twice_with_its_hash_in_two_cases_is_sent_and_reported_once(hss_tenant):
    # HSS lists hashes in lower case and matches them whatever their case: both spellings name one isolated copy.
    [copy] = COPIES[SINGLE_HASH]
    args = {'host_id': copy['host_id'], 'file_path': copy['file_path'],
            'file_hash': f'{copy["file_hash"].upper()},{copy["file_hash"].lower()}'}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert not result.failed, result.entries
    [put] = hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert len(put.body['data_list']) == 1
    assert 'restoring' in result.entries[0]['HumanReadable'] and '2 restoring' not in result.entries[0]['HumanReadable']
    assert [(r['host_id'], r['outcome']) for r in rows_of(result)] == [(copy['host_id'], 'restored')]


def test_a_restore_whose_first_answer_was_lost_is_followed_to_restored_not_to_nothing(hss_tenant):
    # HSS restores the copy on the first PUT, whose answer comes after the read timeout: the listing read then shows
    # the copy taken, so the PUT is not sent again. The copy changed at the first PUT is still this restore's.
    [copy] = COPIES[SINGLE_HASH]
    hss_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,slow;delay=4'))  # the listing, then the PUT

    result = war_room(hss_tenant, read_timeout='3', retry_backoff='0').run('hss-restore-isolated',
                                                                           {'file_hash': SINGLE_HASH})

    assert not result.failed, result.entries
    assert len(hss_tenant.requests_to('PUT', '/event/isolated-file')) == 1  # the first answer was lost, not resent
    assert [(r['host_id'], r['outcome']) for r in rows_of(result)] == [(copy['host_id'], 'restored')]
    assert '1 restored' in result.entries[-1]['HumanReadable']


def test_a_permission_refusal_stops_the_later_batches_and_asks_for_hss_permissions(hss_tenant):
    host = COPIES[SINGLE_HASH][0]['host_id']
    items = hss_tenant.backend.add_isolated_files(host, 250)
    args = {name: json.dumps([item[name] for item in items]) for name in ('host_id', 'file_hash', 'file_path')}
    # A project the access key's account does not hold: HSS's "Insufficient permissions.", which it sends as an
    # HTTP 400 like all its own errors (HSS API Reference, "Error Codes": HSS.0013).
    room = war_room(hss_tenant, hss_project_id='f' * 32, max_concurrency='1')

    result = room.run('hss-restore-isolated', {**args, 'polling': 'false'})

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR
    assert len(hss_tenant.requests_to('PUT', '/event/isolated-file')) == 1  # the 2 later batches were not sent
    text = result.entries[-1]['Contents']
    assert 'HTTP 400' in text and 'HSS.0013' in text
    # README: the advice "is then about permissions, not the item's fields": in the integration's own words, before
    # the vendor's ("Insufficient permissions." says the word too).
    ours = text.split(' said: ', 1)[0]
    assert 'permissions' in ours.lower() and 'Check host_id' not in text, ours


def test_a_wrong_project_id_with_the_accounts_access_key_is_told_to_check_the_project_id_setting(hss_tenant):
    # An access key of the tenant's account, signed right, with a project ID that is not that account's: HSS answers
    # HSS.0013 "Insufficient permissions." (HSS API Reference, "Error Codes"). The setting to fix is the project ID, so
    # the advice names it as the instance dialog labels it (integration.yml's display), beside HSS's code and message.
    [copy] = COPIES[SINGLE_HASH]
    args = {'host_id': copy['host_id'], 'file_hash': SINGLE_HASH, 'file_path': copy['file_path'], 'polling': 'false'}

    result = war_room(hss_tenant, hss_project_id='f' * 32).run('hss-restore-isolated', args)

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR
    text = result.entries[-1]['Contents']
    assert 'code HSS.0013, message "Insufficient permissions' in text, text
    ours = text.split(' said: ', 1)[0]
    assert 'hss_project_id' in ours and load_spec().params['hss_project_id'].display in ours, ours
    assert status_of(hss_tenant, copy) == 'isolated'


@pytest.mark.parametrize('form', sorted(ERROR_FORMS))
def test_a_permission_refusal_in_another_form_huaweis_sdk_reads_keeps_its_code_and_stops_the_later_batches(
        hss_tenant, form):
    # huaweicloudsdkcore's DefaultExceptionHandler takes an error's code from errorCode or code as from error_code, and
    # from an object inside the body ({"error": {...}}): the code decides there as it does in HSS's own form.
    hss_tenant.gateway.error_form = form
    items = hss_tenant.backend.add_isolated_files(COPIES[SINGLE_HASH][0]['host_id'], 250)
    args = {name: json.dumps([item[name] for item in items]) for name in ('host_id', 'file_hash', 'file_path')}
    room = war_room(hss_tenant, hss_project_id='f' * 32, max_concurrency='1')  # HSS.0013, as the test above

    result = room.run('hss-restore-isolated', {**args, 'polling': 'false'})

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR
    assert len(hss_tenant.requests_to('PUT', '/event/isolated-file')) == 1  # the 2 later batches were not sent
    text = result.entries[-1]['Contents']
    [(code, message)] = [refusal for refusal in facts.HSS_PERMISSION_REFUSALS if refusal[0] in text]
    assert f'code {code}, message "{message}"' in text, text
    assert 'permissions' in text.split(' said: ', 1)[0].lower() and 'Check host_id' not in text


@pytest.mark.parametrize('agent, refusal, solution', [
    # HSS's Error Codes page, each code's Solution column: "Check whether the agent has been installed on the selected
    # server."; "Contact technical support."
    ({'agent_installed': False}, facts.HSS_NO_AGENT, 'installed'),
    ({'agent_unreachable': True}, facts.HSS_AGENT_UNREACHABLE, 'technical support'),
])
def test_an_agent_error_hss_refuses_a_restore_with_is_shown_with_its_code_message_and_what_to_do(
        hss_tenant, agent, refusal, solution):
    # A server's agent, not the item's fields, kept HSS from taking the restore: the advice says what to do about the
    # agent, beside HSS's own code and message, and not to check host_id and the file's fields.
    [copy] = COPIES[SINGLE_HASH]
    for name, value in agent.items():
        setattr(hss_tenant.backend.hosts[copy['host_id']], name, value)

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': SINGLE_HASH, 'polling': 'false'})

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR  # HSS took none of the items
    text = result.entries[-1]['Contents']
    code, message = refusal
    assert f'HTTP {facts.HSS_ERROR_STATUS}' in text and f'code {code}, message "{message}"' in text, text
    ours = text.split(' said: ', 1)[0]
    assert 'agent' in ours and solution in ours and 'Check host_id' not in ours, ours
    [row] = rows_of(result)
    assert row['outcome'] == 'failed' and code in row['reason'] and solution in row['reason']
    assert status_of(hss_tenant, copy) == 'isolated'


def test_the_iam_token_request_asks_iam_to_leave_the_service_catalog_out(hss_tenant):
    # IAM's "Obtaining a User Token Through Password Authentication" (iam_30_0001), its query parameter nocatalog: set
    # to any non-empty string, the response leaves out the catalog, every service's endpoints, which the pack never
    # reads.
    result = war_room(hss_tenant, 'token').run('hss-restore-isolated', {'file_hash': SINGLE_HASH, 'polling': 'false'})

    assert not result.failed, result.entries[-1]['Contents']
    [login] = hss_tenant.requests_to('POST', '/v3/auth/tokens')
    assert login.query == {'nocatalog': ['true']}, login.query


@pytest.mark.parametrize('refusal, words', [
    # HSS's Error Codes page, its Chinese edition's Solution column: HSS.1007 "请启动agent" (start the agent);
    # HSS.1018 "请检查参数是否正确" (check the parameters): the item's fields as HSS lists the file
    (facts.HSS_AGENT_OFFLINE, ('offline', 'running and online', 'run the command again')),
    (facts.HSS_INVALID_FILE_INFORMATION, ('file_attr', 'as HSS lists', 'again')),
])
def test_an_offline_agent_or_invalid_file_information_hss_refuses_a_restore_with_gets_that_code_s_advice(
        hss_tenant, refusal, words):
    # The likeliest refusal of one host's restore is its agent being offline; HSS.1018 is the item's file fields not
    # matching the file HSS holds isolated. Each gets advice for its cause beside HSS's code and message, not the
    # generic advice of a 400.
    [copy] = COPIES[SINGLE_HASH]
    args = {'file_hash': SINGLE_HASH, 'polling': 'false'}
    if refusal == facts.HSS_AGENT_OFFLINE:
        hss_tenant.backend.offline_agents_refuse = True
        hss_tenant.backend.hosts[copy['host_id']].agent_online = False
    else:
        hss_tenant.backend.file_attr_checked = True
        args.update({name: copy[name] for name in ('host_id', 'file_path')}, file_attr=f'{copy["file_attr"]}1')

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR  # HSS took none of the items
    text = result.entries[-1]['Contents']
    code, message = refusal
    assert f'HTTP {facts.HSS_ERROR_STATUS}' in text and f'code {code}, message "{message}"' in text, text
    ours = ' '.join(text.split(' said: ', 1)[0].split())
    assert all(word in ours for word in words) and 'Check host_id (1-64' not in ours, ours
    [row] = rows_of(result)
    assert row['outcome'] == 'failed' and code in row['reason'] and words[1] in ' '.join(row['reason'].split())
    assert status_of(hss_tenant, copy) == 'isolated'


@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_a_user_allowed_in_one_enterprise_project_only_is_told_to_name_it_and_then_restores(hss_tenant, auth_type):
    # The seed's page, enterprise_project_id: "If you have only the permission on an enterprise project, you need to
    # transfer the enterprise project ID to query the server in the enterprise project. Otherwise, an error is reported
    # due to insufficient permission." Granting the user HSS permissions again would change nothing.
    copy = COPIES[SINGLE_HASH][0]
    [host] = [host for host in load_json(HSS_SEED)['hosts'] if host['host_id'] == copy['host_id']]
    user = {'identifier': 'AKENTERPRISEONLY', 'password': 'sk-enterprise-only-123'}
    if auth_type == 'aksk':
        hss_tenant.backend.add_access_key(user['identifier'], user['password'], [host['enterprise_project_id']])
    else:
        hss_tenant.backend.add_user(hss_tenant.base_params['hss_domain'], user['identifier'], user['password'],
                                    [hss_tenant.base_params['hss_project_id']], [host['enterprise_project_id']])
    credentials = {'hss_aksk' if auth_type == 'aksk' else 'hss_credentials': user}
    args = {'file_hash': SINGLE_HASH, 'polling': 'false'}

    refused = war_room(hss_tenant, auth_type, hss_enterprise_project_id='', **credentials).run(
        'hss-restore-isolated', args)
    named = war_room(hss_tenant, auth_type, hss_enterprise_project_id=host['enterprise_project_id'],
                     **credentials).run('hss-restore-isolated', args)

    assert refused.failed and 'HSS.0013' in refused.entries[-1]['Contents']
    ours = refused.entries[-1]['Contents'].split(' said: ', 1)[0]
    assert 'hss_enterprise_project_id' in ours, ours
    assert not named.failed and [row['host_id'] for row in rows_of(named)] == [copy['host_id']]


def replayed_hss_params(replay_server) -> dict:
    return {'hss_endpoint': replay_server.url, 'hss_project_id': 'p' * 32, 'hss_region': 'ap-southeast-1',
            'hss_auth_type': 'aksk', 'hss_aksk': {'identifier': 'AKTEST', 'password': 'S' * 40},
            'max_concurrency': '1', 'retry_backoff': '0'}


@pytest.mark.parametrize('given', ['name', 'id of a host holding nothing'])
def test_exact_items_hss_finds_no_file_for_say_a_host_name_was_given_only_when_one_was_and_where_to_find_its_id(
        hss_tenant, given):
    # HSS's console shows hosts by name; exact items (host, hash and path) go to HSS as given, no listing first, and HSS
    # answers a host_id it does not know with HSS.0011 (its Error Codes: "Requested resource not found."), kept in the
    # row. Given a host's name, the reason says so and where HSS lists each host's ID (its server list); given a host
    # ID of a host that holds nothing (test_data/hss/README.md: win-hr-07), it makes no such claim.
    [copy] = COPIES[SINGLE_HASH]
    seed = {host['host_name']: host for host in load_json(HSS_SEED)['hosts']}
    host_id = copy['host_name'] if given == 'name' else seed['win-hr-07']['host_id']
    args = {'host_id': host_id, 'file_hash': copy['file_hash'], 'file_path': json.dumps([copy['file_path']]),
            'polling': 'false'}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert result.failed and status_of(hss_tenant, copy) == 'isolated'
    [row] = rows_of(result)
    code, message = facts.HSS_RESOURCE_NOT_FOUND
    assert row['outcome'] == 'failed' and f'code {code}, message "{message}"' in row['reason'], row['reason']
    ours = row['reason'].split(' said: ', 1)[0]
    told = f"host_id {host_id}: a host's name" in ours and facts.HSS_SERVER_LIST[0] in ours
    assert told == (given == 'name'), ours


def exact_item_args(count: int) -> dict:
    return {'host_id': json.dumps(['h1'] * count), 'file_hash': json.dumps([f'{n:064x}' for n in range(count)]),
            'file_path': json.dumps([f'/srv/f{n}' for n in range(count)]), 'polling': 'false'}


@pytest.mark.parametrize('code, message', facts.HSS_PERMISSION_REFUSALS)
def test_each_permission_code_hss_documents_stops_the_later_batches(replay_server, code, message):
    """The emulator answers a project the key may not use with HSS.0013 only: HSS.0010 "Access denied." (README,
    Batches) comes from a replayed HSS, its HTTP 400 in HSS's form, for the first of 3 batches."""
    replay_server.queue(facts.HSS_ERROR_STATUS, {'error_code': code, 'error_msg': message})
    args = exact_item_args(2 * facts.HSS_MAX_ITEMS_PER_REQUEST + 50)

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(
        'hss-restore-isolated', args)

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR
    assert [request.method for request in replay_server.requests] == ['PUT']  # the 2 later batches were not sent
    text = result.entries[-1]['Contents']
    assert f'HTTP {facts.HSS_ERROR_STATUS}' in text and code in text and message in text
    ours = text.split(' said: ', 1)[0]
    assert 'permissions' in ours.lower() and 'Check host_id' not in text, ours


def test_hss_s_own_404_to_one_batch_keeps_its_code_and_message_names_host_id_and_the_later_batches_still_go(
        replay_server):
    # A 404 in HSS's own form (test_data/hss/README.md) comes from HSS, reached at this URL, not finding what this batch
    # names (its host, say): another batch names other hosts, so it is still sent, and the refused batch's rows keep
    # HSS's code, message and request id, with advice about what the batch names, not about the URL.
    refusal, taken = load_json(HSS_REPLIES / 'error_hss_404.json'), TAKEN
    replay_server.queue(404, refusal).queue(200, b'', taken).queue(200, b'', taken)
    count = 2 * facts.HSS_MAX_ITEMS_PER_REQUEST + 50

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(
        'hss-restore-isolated', exact_item_args(count))

    assert not result.failed and [request.method for request in replay_server.requests] == ['PUT'] * 3
    failed = [row for row in rows_of(result) if row['outcome'] == 'failed']
    assert sorted(row['file_hash'] for row in failed) == [f'{n:064x}' for n in range(facts.HSS_MAX_ITEMS_PER_REQUEST)]
    reason = failed[0]['reason']
    assert 'HTTP 404' in reason and f'code {refusal["error_code"]}, message "{refusal["error_msg"]}"' in reason, reason
    assert refusal['request_id'] in reason
    ours = reason.split(' said: ', 1)[0]
    assert 'host_id' in ours and load_spec().params['hss_endpoint'].display not in ours, ours


def test_the_gateways_own_404_to_a_batch_names_the_endpoint_setting_and_stops_the_later_batches(replay_server):
    # APIGW.0101 (test_data/hss/README.md): the gateway found no such API at this URL, as every later batch would meet.
    refusal = load_json(HSS_REPLIES / 'error_apigw_404.json')
    replay_server.queue(404, refusal)

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(
        'hss-restore-isolated', exact_item_args(2 * facts.HSS_MAX_ITEMS_PER_REQUEST + 50))

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR
    assert [request.method for request in replay_server.requests] == ['PUT']  # the 2 later batches were not sent
    text = result.entries[-1]['Contents']
    assert 'HTTP 404' in text and refusal['error_code'] in text and refusal['error_msg'] in text, text
    assert load_spec().params['hss_endpoint'].display in text.split(' said: ', 1)[0], text


@pytest.mark.parametrize('body', [b'', (HSS_REPLIES / 'error_proxy_404.html').read_text()])
def test_a_404_not_in_huaweis_form_to_a_batch_names_the_endpoint_setting_and_stops_the_later_batches(
        replay_server, body):
    # No body, or a proxy's page: no vendor code, so not HSS finding nothing; the URL leads elsewhere for every batch.
    replay_server.queue(404, body).queue(404, body).queue(404, body)

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(
        'hss-restore-isolated', exact_item_args(2 * facts.HSS_MAX_ITEMS_PER_REQUEST + 50))

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR
    assert [request.method for request in replay_server.requests] == ['PUT']  # the 2 later batches were not sent
    text = result.entries[-1]['Contents']
    unsent = f'{facts.HSS_MAX_ITEMS_PER_REQUEST + 50} items in 2 batches: Not sent: Huawei Cloud HSS answered HTTP 404'
    assert unsent in text and load_spec().params['hss_endpoint'].display in text, text


def test_a_proxys_login_page_answering_the_put_with_200_is_not_taken_as_hss_accepting_the_restore(replay_server):
    # HSS answers the PUT 200 with no body; a captive portal answers any request 200 with its HTML login page.
    page = (HSS_REPLIES / 'proxy_login_page_200.html').read_text()
    for _ in range(20):
        replay_server.queue(200, page)

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(
        'hss-restore-isolated', exact_item_args(1))

    [row] = as_list(get_path(result.context, 'HuaweiHSS.RestoredFile'))
    assert row['outcome'] == 'failed', row  # not "restoring": HSS never answered
    assert 'answered with an HTML page' in row['reason'] and 'Sign in to continue' in row['reason'], row


@pytest.mark.parametrize('command, args', [
    ('hss-restore-isolated', {'file_hash': 'a' * 64, 'polling': 'false'}),  # a restore by hash lists its copies first
    ('test-module', {}),  # Test reads one page of isolated files (README, test-module)
], ids=['restore_by_hash', 'instance_test'])
def test_hss_s_own_404_to_the_listing_keeps_its_code_and_message_and_names_the_enterprise_project_not_the_url(
        replay_server, command, args):
    # HSS's own 404 to that listing is about what the listing names (the enterprise project), not the URL, which led
    # to HSS.
    refusal = load_json(HSS_REPLIES / 'error_hss_404.json')
    replay_server.queue(404, refusal)

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(command, args)

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR
    assert [request.method for request in replay_server.requests] == ['GET']
    text = result.entries[-1]['Contents']
    assert 'HTTP 404' in text and f'code {refusal["error_code"]}, message "{refusal["error_msg"]}"' in text, text
    ours = text.split(' said: ', 1)[0]
    assert 'hss_enterprise_project_id' in ours and load_spec().params['hss_endpoint'].display not in ours, ours


def test_an_identity_policy_refusal_after_accepted_batches_gives_its_encoded_reason_once_not_on_every_row(
        replay_server):
    # IAM's identity policies refuse with a 403 carrying encoded_authorization_message, kilobytes of it
    # (test_data/hss/README.md). The first of 10 batches is taken, the second refused, the 8 after it not sent: each
    # of the 900 rows says HSS's code, message and request id, and how to decode the reason, which is written once.
    refusal = load_json(HSS_REPLIES / 'error_policy_denied_403.json')
    encoded = refusal['encoded_authorization_message']
    replay_server.queue(200, b'', TAKEN).queue(403, refusal)
    count = 10 * facts.HSS_MAX_ITEMS_PER_REQUEST

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(
        'hss-restore-isolated', exact_item_args(count))

    assert not result.failed and [request.method for request in replay_server.requests] == ['PUT', 'PUT']
    failed = [row for row in rows_of(result) if row['outcome'] == 'failed']
    assert len(failed) == count - facts.HSS_MAX_ITEMS_PER_REQUEST
    for row in failed:
        assert all(refusal[name] in row['reason'] for name in ('error_code', 'error_msg', 'request_id')), row
        assert 'DecodeAuthorizationMessage' in row['reason'] and encoded not in row['reason'], row
    entry = result.entries[-1]
    assert encoded not in json.dumps(entry['EntryContext'])
    assert entry['HumanReadable'].count(encoded) == 1 and json.dumps(entry['Contents']).count(encoded) == 1
    note = entry['HumanReadable'].split(encoded)[0].rsplit('\n\n', 1)[-1]
    assert 'DecodeAuthorizationMessage' in note and refusal['request_id'] in note, note


def test_an_identity_policy_refusal_after_an_accepted_batch_shows_its_message_as_written_in_the_entry(replay_server):
    # The policy's refusal names a Windows path and markdown's active characters: the entry's note that gives it whole
    # (the rows point there) shows it as HSS wrote it, every backslash, and emphasises nothing.
    message = 'access denied by policy *deny-hss*: /srv/_x_ | [1] <tmp> C:\\Temp\\_MEI1\\{5D2F}'
    refusal = dict(load_json(HSS_REPLIES / 'error_policy_denied_403.json'), error_msg=message)
    replay_server.queue(200, b'', TAKEN).queue(403, refusal)

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(
        'hss-restore-isolated', exact_item_args(2 * facts.HSS_MAX_ITEMS_PER_REQUEST))

    assert not result.failed and [request.method for request in replay_server.requests] == ['PUT', 'PUT']
    [line] = [line for line in result.entries[-1]['HumanReadable'].splitlines()
              if refusal['encoded_authorization_message'] in line]
    assert message in as_commonmark_reads(line)[1], line
    assert emphasis_pairs(line) == [], line


def test_an_identity_policy_refusing_every_batch_ends_in_an_error_with_its_encoded_reason_whole(replay_server):
    refusal = load_json(HSS_REPLIES / 'error_policy_denied_403.json')
    replay_server.queue(403, refusal)

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(
        'hss-restore-isolated', exact_item_args(3 * facts.HSS_MAX_ITEMS_PER_REQUEST))

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR
    text = result.entries[-1]['Contents']
    assert text.count(refusal['encoded_authorization_message']) == 1 and 'DecodeAuthorizationMessage' in text
    assert refusal['error_code'] in text and refusal['request_id'] in text
    # each row (failed) points to the entry's one copy of the encoded reason, not kilobytes of it on every row
    rows = rows_of(result)
    assert len(rows) == 3 * facts.HSS_MAX_ITEMS_PER_REQUEST and all(row['outcome'] == 'failed' for row in rows)
    assert refusal['encoded_authorization_message'] not in json.dumps(rows)
    # an error entry has no table and its Contents is its message: the rows' pointer sends the analyst to neither
    pointer = rows[0]['reason'].split('DecodeAuthorizationMessage', 1)[1]
    assert 'table' not in pointer and 'identity_policy_refusals' not in pointer, pointer


def test_identity_policies_refusing_batches_sent_side_by_side_give_each_encoded_reason_once_in_the_error():
    # With max_concurrency above 1 the batches go out at once once the gateway took the access key (here by the listing
    # of the hash's copies: README, "Only the main thread talks to XSOAR"), each refused with its own request id and
    # encoded reason (test_data/hss/README.md): each row points to its own, so the error entry must hold each, once.
    refusal = load_json(HSS_REPLIES / 'error_policy_denied_403.json')
    together, numbers = threading.Barrier(2, timeout=10), itertools.count()
    copies = [{'host_id': 'h1', 'host_name': 'web-01', 'file_hash': '0' * 64, 'file_path': f'/srv/f{n}',
               'isolation_status': 'isolated', 'update_time': 1_795_000_000_000 + n}
              for n in range(2 * facts.HSS_MAX_ITEMS_PER_REQUEST)]

    def refuse(request):
        if request.method == 'GET':
            listing = {'total_num': len(copies), 'data_list': copies}
            return Response(200, json.dumps(listing).encode(), {'Content-Type': 'application/json'})
        together.wait()  # both batches are in flight before either is refused
        number = next(numbers)
        body = dict(refusal, request_id=f'{number:032x}',
                    encoded_authorization_message=f'{refusal["encoded_authorization_message"]}/{number}')
        return Response(403, json.dumps(body).encode(), {'Content-Type': 'application/json'})

    with LoopbackServer(refuse) as server:
        params = dict(replayed_hss_params(server), max_concurrency='2')
        result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run(
            'hss-restore-isolated', {'file_hash': '0' * 64, 'polling': 'false'})

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR
    text = result.entries[-1]['Contents']
    for number in range(2):
        assert text.count(f'{refusal["encoded_authorization_message"]}/{number}') == 1, number
        assert f'{number:032x}' in text
    rows = rows_of(result)
    assert {row['reason'].split('request id ')[1][:32] for row in rows} == {f'{n:032x}' for n in range(2)}
    assert refusal['encoded_authorization_message'] not in json.dumps(rows)


@pytest.mark.parametrize('code, message', facts.HSS_PERMISSION_REFUSALS)
def test_batches_hss_refuses_every_one_of_end_in_an_error_entry_that_still_writes_each_items_failed_row(
        replay_server, code, message):
    # integration.yml: "every item is reported" in HuaweiHSS.RestoredFile, which is what a playbook's conditions read;
    # CommonServerPython's return_error writes its outputs to context too. The first of 3 batches is refused for
    # permissions, the 2 after it are not sent: each of the 250 items is a failed row naming HSS's code.
    replay_server.queue(facts.HSS_ERROR_STATUS, {'error_code': code, 'error_msg': message})
    count = 2 * facts.HSS_MAX_ITEMS_PER_REQUEST + 50

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(
        'hss-restore-isolated', exact_item_args(count))

    entry = result.entries[-1]
    assert result.failed and entry['Type'] == ENTRY_ERROR and code in entry['Contents']
    rows = rows_of(result)
    assert sorted(row['file_hash'] for row in rows) == sorted(f'{n:064x}' for n in range(count))
    assert all(row['outcome'] == 'failed' and code in row['reason'] and message in row['reason'] for row in rows)


def test_hashes_a_refused_restore_found_no_isolated_copy_of_are_still_reported_not_found(replay_server):
    # Two hashes: HSS lists two isolated copies of the first (test_data's page) and none of the second, then refuses
    # the restore of the copies. The error entry's context has a row for each copy and for the hash with none.
    page = load_json(HSS_REPLIES / 'list_isolated_page.json')
    listed, nowhere = page['data_list'][0]['file_hash'], 'f' * 64
    replay_server.queue(200, page).queue(200, {'total_num': 0, 'data_list': []})
    code, message = facts.HSS_PERMISSION_REFUSALS[-1]
    replay_server.queue(facts.HSS_ERROR_STATUS, {'error_code': code, 'error_msg': message})

    result = WarRoom(params=replayed_hss_params(replay_server), time_scale=0, sleep=lambda _: None).run(
        'hss-restore-isolated', {'file_hash': f'{listed},{nowhere}', 'polling': 'false'})

    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR
    assert [request.method for request in replay_server.requests] == ['GET', 'GET', 'PUT']
    outcomes = {(row.get('host_id'), row['file_hash'], row['outcome']) for row in rows_of(result)}
    assert outcomes == {(copy['host_id'], listed, 'failed') for copy in page['data_list']} | {
        (None, nowhere, 'not_found')}


def test_copies_that_leave_isolated_while_the_first_listing_is_read_do_not_hide_the_copies_after_them(hss_tenant):
    # Someone restores some copies in the console while the first run lists the hash: a listing filtered by
    # isolation_status would move every later row up a place, past a page already read, and those copies would be
    # neither restored nor reported.
    host = sorted(hss_tenant.backend.hosts)[0]
    file_hash = 'cd' * 32
    hss_tenant.backend.add_isolated_files(host, 450, file_hash=file_hash)
    copies = [f for f in hss_tenant.backend.files if f.file_hash == file_hash]
    by_others = copies[150:200]
    list_page = hss_tenant.backend.list_isolated_files

    def fifty_restored_by_someone_else_after_the_first_page(*args, **kwargs):
        page = list_page(*args, **kwargs)
        if str(kwargs.get('offset')) == '0' and kwargs.get('file_hash') == file_hash:
            for copy in by_others:
                copy.status = 'restored'
        return page

    hss_tenant.backend.list_isolated_files = fifty_restored_by_someone_else_after_the_first_page
    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': file_hash})

    assert not result.failed, result.entries[-1]
    ours = [copy for copy in copies if all(copy is not other for other in by_others)]
    assert len(ours) == 400
    assert {status_of(hss_tenant, {'host_id': c.host_id, 'file_hash': c.file_hash, 'file_path': c.file_path})
            for c in ours} == {'restored'}
    assert {row['file_path'] for row in rows_of(result) if row['outcome'] == 'restored'} >= {c.file_path for c in ours}


@pytest.mark.parametrize('items', [1, 25])  # one hash looked up on its own, and more than a check looks up so
def test_exact_items_hss_lists_with_an_upper_case_hash_are_followed_to_restored(hss_tenant, items):
    # integration.yml: file_hash as HSS shows them. HSS takes either case; nothing says which case it lists.
    host = sorted(hss_tenant.backend.hosts)[0]
    added = [hss_tenant.backend.add_isolated_files(host, 1, file_hash=f'{n:064X}'.replace('0', 'A'))[0]
             for n in range(items)]
    args = {'host_id': host, 'file_hash': json.dumps([a['file_hash'] for a in added]),
            'file_path': json.dumps([a['file_path'] for a in added])}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    assert {status_of(hss_tenant, a) for a in added} == {'restored'}
    assert [row['outcome'] for row in rows_of(result)] == ['restored'] * items


def test_a_path_that_is_the_start_of_another_isolated_path_is_reported_not_found_on_its_own(hss_tenant):
    # HSS's file_path filter matches a part of the path: /opt/tool/run.sh finds /opt/tool/run.sh.bak too, and the
    # one asked for must not be taken as found because another value asked for was.
    host = sorted(hss_tenant.backend.hosts)[0]
    hss_tenant.backend.isolate_file(host, 'be' * 32, '/opt/tool/run.sh.bak')
    args = {'host_id': host, 'file_path': '/opt/tool/run.sh,/opt/tool/run.sh.bak'}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    outcomes = {row['file_path']: row['outcome'] for row in rows_of(result)}
    assert outcomes == {'/opt/tool/run.sh': 'not_found', '/opt/tool/run.sh.bak': 'restored'}


@pytest.mark.parametrize('given', ['/opt/qx7/tools/sync-agent.sh', 'Sync-Agent.sh'], ids=['case', 'file name'])
def test_a_path_hss_lists_only_in_another_letter_case_or_longer_is_not_found_with_the_path_hss_lists_named(
        hss_tenant, given):
    # HSS's file_path filter matches any part of a path, whatever its case (ListIsolatedFile): it lists this copy for
    # either path given, and the restore, by exact path (README), takes neither as that copy; the analyst gets the path
    # HSS lists, to run the command again with, not only that the file may be restored already.
    host = sorted(hss_tenant.backend.hosts)[0]
    listed = '/opt/QX7/Tools/Sync-Agent.sh'
    hss_tenant.backend.isolate_file(host, 'c7' * 32, listed)

    result = war_room(hss_tenant).run('hss-restore-isolated', {'host_id': host, 'file_path': json.dumps([given])})

    assert not result.failed, result.entries[-1]
    assert not hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert hss_tenant.backend.isolation_status(host, 'c7' * 32, listed) == 'isolated'
    [row] = rows_of(result)
    assert (row['host_id'], row['file_path'], row['outcome']) == (host, given, 'not_found')
    assert listed in row['reason'] and 'file_path' in row['reason'], row['reason']


def test_a_path_hss_lists_at_several_paths_differing_in_case_is_told_a_line_for_each_that_restores_that_copy_alone(
        hss_tenant):
    """HSS lists two copies on the host whose paths differ from the path given only in letter case: the not_found
    reason names each listed path with a run-again line of its own, so the analyst runs the one that is this file, and
    it restores that copy alone, not the other."""
    host = sorted(hss_tenant.backend.hosts)[0]
    listed = {'/opt/QX7/Tools/Sync-Agent.sh': 'c7' * 32, '/opt/qx7/TOOLS/sync-agent.sh': 'c8' * 32}
    for path, file_hash in listed.items():
        hss_tenant.backend.isolate_file(host, file_hash, path)
    args = {'host_id': host, 'file_path': json.dumps(['/opt/qx7/tools/sync-agent.sh']), 'polling': 'false'}

    [row] = rows_of(war_room(hss_tenant).run('hss-restore-isolated', args))

    assert row['outcome'] == 'not_found', row
    said = re.findall(r'(file_path=\S+ host_id=[0-9a-f-]+)', row['reason'].split('run the command again with ')[-1])
    told = {line['file_path']: line for line in (parse_line(f'!x {text}').args for text in said)}
    assert sorted(told) == sorted(listed), row['reason']
    chosen = sorted(listed)[0]
    again = war_room(hss_tenant).run('hss-restore-isolated', dict(args, **told[chosen]))
    assert [(again_row['file_path'], again_row['outcome']) for again_row in rows_of(again)] == [(chosen, 'restoring')]
    for path, file_hash in listed.items():
        assert (hss_tenant.backend.isolation_status(host, file_hash, path) == 'isolated') == (path != chosen)


@pytest.mark.parametrize('spell', [lambda path: path.replace('\\', '/'), lambda path: path.replace('\\', '\\\\')],
                         ids=['forward slashes', 'backslashes doubled, as JSON escapes them'])
def test_a_windows_path_given_with_other_separators_restores_the_copy_at_the_path_hss_lists(hss_tenant, spell):
    """HSS's Windows agents list a path with single backslashes (the seed: C:\\Users\\Public\\test.exe). Windows reads
    one typed with forward slashes, or with the backslashes doubled, as a JSON text or the seed's example request
    escapes them, as that same path: the restore finds and restores the copy, and its row names the path HSS lists."""
    copy = next(c for copies in COPIES.values() for c in copies if re.match(r'[A-Z]:\\\w', c['file_path']))
    args = {'host_id': copy['host_id'], 'file_path': json.dumps([spell(copy['file_path'])]), 'polling': 'false'}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    assert [(row['file_path'], row['outcome']) for row in rows_of(result)] == [(copy['file_path'], 'restoring')]
    assert status_of(hss_tenant, copy) != 'isolated'


@pytest.mark.parametrize('listed', ['C:\\Users\\Public\\Report, Final.exe', '/srv/drop/Report.sh ', '[old]/Report.sh'],
                         ids=['comma', 'blank at its end', 'bracket first'])
def test_a_run_again_line_naming_a_listed_path_that_comma_separated_text_would_alter_gives_that_path_back(
        hss_tenant, listed):
    """A path HSS lists, named in a not_found reason's run-again line, must come back as that one path when the line
    is run: as comma-separated text, a comma would split it, a blank at its end would be stripped, and a "[" first
    would be read as a JSON list (README: every argument takes one value, comma-separated text or a JSON list)."""
    host = sorted(hss_tenant.backend.hosts)[0]
    hss_tenant.backend.isolate_file(host, 'c9' * 32, listed)
    args = {'host_id': host, 'file_path': json.dumps([listed.swapcase()]), 'polling': 'false'}

    [row] = rows_of(war_room(hss_tenant).run('hss-restore-isolated', args))

    [said] = re.findall(r'run the command again with (file_path=.* host_id=[0-9a-f-]+)', row['reason'])
    again = war_room(hss_tenant).run('hss-restore-isolated', dict(args, **parse_line(f'!x {said}').args))
    assert [(again_row['file_path'], again_row['outcome']) for again_row in rows_of(again)] == [(listed, 'restoring')]
    assert hss_tenant.backend.isolation_status(host, 'c9' * 32, listed) != 'isolated'


def test_hosts_and_paths_pair_up_so_a_path_isolated_on_the_other_host_too_is_not_restored_there(hss_tenant):
    # README: host and path lists pair up position by position, as exact items' do. The seed holds two hosts, each
    # with a path isolated, one of which is isolated on the other host too: that third copy was not asked for.
    held = {(c['host_id'], c['file_path']): c for copies in COPIES.values() for c in copies}
    (first, path), (second, other_path) = next(
        (a, b) for a, b in itertools.permutations(sorted(held), 2)
        if a[0] != b[0] and a[1] != b[1] and (a[0], b[1]) in held)
    args = {'host_id': f'{first},{second}', 'file_path': f'{path},{other_path}', 'polling': 'false'}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    [put] = hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert {(item['host_id'], item['file_path']) for item in put[3]['data_list']} == {
        (first, path), (second, other_path)}
    assert status_of(hss_tenant, held[(first, other_path)]) == 'isolated'
    assert {(row['host_id'], row['file_path']) for row in rows_of(result)} == {(first, path), (second, other_path)}


def test_unpaired_hosts_and_paths_restore_each_path_on_the_hosts_that_isolated_it_and_say_so(hss_tenant):
    # README: with pair_by_position=false each path is restored on every host given that HSS lists it isolated on, as
    # a hash is, and is not_found only when none of them does; the entry says the lists were not paired. Three paths
    # on two hosts (lists that cannot line up): the seed's copies of those paths on those hosts, the one isolated on
    # both hosts too, and a path isolated on neither, reported once, at the start and at the check that follows it.
    held = {(c['host_id'], c['file_path']): c['healthy'] for copies in COPIES.values() for c in copies}
    (first, path), (second, other_path) = next(
        (a, b) for a, b in itertools.permutations(sorted(held), 2)
        if a[0] != b[0] and a[1] != b[1] and (a[0], b[1]) in held)
    missing = '/nowhere/on/these/hosts'
    args = {'host_id': f'{first},{second}', 'file_path': json.dumps([path, other_path, missing]),
            'pair_by_position': 'false', 'polling': 'false'}
    wanted = {(host, p) for host in (first, second) for p in (path, other_path) if (host, p) in held}

    room = war_room(hss_tenant)
    result = room.run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    [put] = hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert {(item['host_id'], item['file_path']) for item in put[3]['data_list']} == wanted
    rows = rows_of(result)
    assert {(row.get('host_id'), row['file_path']) for row in rows if row['outcome'] != 'not_found'} == wanted
    [lost] = [row for row in rows if row['outcome'] == 'not_found']
    assert lost['file_path'] == missing and first in lost['reason'] and second in lost['reason']
    assert 'not paired' in result.entries[-1]['HumanReadable']
    [follow] = result.entries[-1]['Contents']['follow_commands']
    checked = room.run('hss-restore-isolated', parse_line(follow).args)  # the follow line keeps the lists unpaired
    assert not checked.failed, checked.entries[-1]
    # restored where the host's agent finishes a restore (test_data/hss/README.md: app-05's is offline)
    assert {(row.get('host_id'), row['file_path'], row['outcome'] == 'restored') for row in rows_of(checked)
            if row['outcome'] != 'not_found'} == {(host, p, held[(host, p)]) for host, p in wanted}
    assert [row['file_path'] for row in rows_of(checked) if row['outcome'] == 'not_found'] == [missing]


def test_one_host_with_unpaired_paths_restores_each_path_there_and_says_nothing_of_pairing(hss_tenant):
    # README (pair_by_position): a single host applies to every path, paired or not, so pair_by_position=false on one
    # host restores the same copies as pairing would, and the entry has no unpaired lists to warn of.
    held = {}
    for copies in COPIES.values():
        for c in copies:
            held.setdefault(c['host_id'], set()).add(c['file_path'])
    host, paths = next((host, sorted(paths)[:2]) for host, paths in sorted(held.items()) if len(paths) > 1)
    args = {'host_id': host, 'file_path': json.dumps(paths), 'pair_by_position': 'false', 'polling': 'false'}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    [put] = hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert {(item['host_id'], item['file_path']) for item in put[3]['data_list']} == {(host, p) for p in paths}
    assert [entry for entry in result.entries if 'paired' in entry['HumanReadable']] == [], result.entries  # any entry


def test_a_host_paired_with_a_path_it_holds_no_isolated_copy_of_is_reported_not_found_on_that_host(hss_tenant):
    # README: host and path lists pair up (a single value applies to every item), each pair asking for the copies of
    # that path on that host; one that finds none is not_found (integration.yml: "no isolated copy matched"), at the
    # start and at every check, not left out because the path's other host holds a copy.
    held = {(c['host_id'], c['file_path']) for copies in COPIES.values() for c in copies}
    hosts = sorted({host for host, _ in held})
    holder, path, bare = next((host, path, other) for host, path in sorted(held) for other in hosts
                              if (other, path) not in held)
    args = {'host_id': f'{holder},{bare}', 'file_path': json.dumps([path])}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    outcomes = {(row['host_id'], row['file_path']): row['outcome'] for row in rows_of(result)}
    assert outcomes[(bare, path)] == 'not_found' and outcomes[(holder, path)] in ('restored', 'restoring')
    assert [entry['HumanReadable'].count('|not_found|') for entry in (result.entries[0], result.entries[-1])] == [1, 1]


def test_a_host_whose_copy_of_a_paired_path_was_restored_long_ago_stays_not_found_at_every_check(hss_tenant):
    # The seed's copy HSS restored long ago (test_data/hss/README.md: db-02, listed restored); the same path isolated
    # now on another host. The pair of db-02 and that path finds no isolated copy: not_found at the start, and at each
    # check too, as the README says of a path whose copies HSS lists, none isolated nor this restore's.
    [(old_host, old)] = [(host['host_id'], item) for host in load_json(HSS_SEED)['hosts']
                         for item in host.get('isolated_files') or () if item.get('isolation_status') == 'restored']
    other = next(host for host in sorted(hss_tenant.backend.hosts) if host != old_host)
    hss_tenant.backend.isolate_file(other, old['file_hash'], old['file_path'])
    args = {'host_id': f'{other},{old_host}', 'file_path': json.dumps([old['file_path']])}

    result = war_room(hss_tenant).run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    outcomes = {(row['host_id'], row['outcome']) for row in rows_of(result)}
    assert outcomes == {(other, 'restored'), (old_host, 'not_found')}
    assert [entry['HumanReadable'].count('|not_found|') for entry in (result.entries[0], result.entries[-1])] == [1, 1]


def test_exact_items_of_a_batch_whose_answers_were_lost_are_followed_and_reported_as_hss_lists_them(hss_tenant):
    # The second PUT is acted on, but every answer to it is cut off: the run cannot know, so it reports that batch
    # failed with "may have accepted", and its checks then read what HSS did with those copies.
    host = sorted(hss_tenant.backend.hosts)[0]
    added = hss_tenant.backend.add_isolated_files(host, 150)
    args = {'host_id': host, 'file_hash': json.dumps([a['file_hash'] for a in added]),
            'file_path': json.dumps([a['file_path'] for a in added])}
    hss_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,truncated*5'))

    result = war_room(hss_tenant, max_concurrency='1').run('hss-restore-isolated', args)

    assert {status_of(hss_tenant, a) for a in added} == {'restored'}
    assert {row['outcome'] for row in rows_of(result)} == {'restored'} and len(rows_of(result)) == 150


@pytest.mark.parametrize('path_end', [' ', '  '])
def test_a_path_ending_with_a_blank_given_in_the_json_list_form_is_restored_by_host_and_path(hss_tenant, path_end):
    # integration.yml gives the JSON list form for a path the comma-separated text cannot carry; a Linux path may end
    # with a blank, and HSS lists it as it is.
    [copy] = COPIES[SINGLE_HASH]
    path = copy['file_path'] + path_end
    hss_tenant.backend.isolate_file(copy['host_id'], 'ab' * 32, path)

    result = war_room(hss_tenant).run('hss-restore-isolated', {'host_id': copy['host_id'],
                                                               'file_path': json.dumps([path])})

    assert not result.failed, result.entries
    assert [(r['file_path'], r['outcome']) for r in rows_of(result)] == [(path, 'restored')]
    assert hss_tenant.backend.isolation_status(copy['host_id'], 'ab' * 32, path) == 'restored'
    assert status_of(hss_tenant, copy) == 'isolated'  # the path without the blank is another file


def test_a_copy_someone_else_restores_between_the_listing_and_the_put_is_reported_restored_not_left_restoring(
        hss_tenant):
    # The start lists the copy isolated and reports it restoring; before its PUT reaches HSS an analyst restores it in
    # the console (seconds later on HSS's clock). HSS lists it restored: a check must say so, since XSOAR keeps the
    # start's row until a run writes it again.
    copy = next(c for c in COPIES[SHARED_HASH] if c['healthy'])
    backend, put = hss_tenant.backend, hss_tenant.backend.restore_isolated_files

    def restored_by_someone_else_first(project_id, data_list, enterprise_project_id=None, **granted):
        backend.set_clock_skew(10)  # seconds pass on HSS's clock after the command's listing
        put(project_id, [{key: copy[key] for key in ('host_id', 'file_hash', 'file_path')}], enterprise_project_id)
        backend.set_clock_skew(12)
        return put(project_id, data_list, enterprise_project_id, **granted)
    backend.restore_isolated_files = restored_by_someone_else_first

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': SHARED_HASH})

    assert not result.failed, result.entries
    started = {row['host_id']: row['outcome'] for row in result.entries[0]['Contents']['items']}
    assert started[copy['host_id']] == 'restoring'
    assert status_of(hss_tenant, copy) == 'restored'
    [row] = [row for row in rows_of(result) if row['host_id'] == copy['host_id']]
    assert row['outcome'] == 'restored', row
    assert copy['host_id'] in result.entries[-1]['HumanReadable']  # the last table reports it


def every_put_lost(pages=1):
    """Fault steps for a PUT whose every attempt a gateway fails (504) before HSS sees it: each retry comes after the
    listing (``pages`` pages, answered) that finds its copies still isolated."""
    return f',ok*{pages},'.join(['504'] * (facts.DEFAULT_MAX_RETRIES + 1))


def restore_whose_answers_are_lost(tenant, by, faults, sleep=lambda _: None, polling=None, **params):
    """The restore of SINGLE_HASH's one copy, by hash or as an exact item, the requests after the listing meeting
    ``faults`` (FaultPlan steps); ``sleep``: the war room's wait between two runs; ``polling``: polling arguments."""
    [copy] = COPIES[SINGLE_HASH]
    args = {'file_hash': SINGLE_HASH} if by == 'hash' else {key: copy[key] for key in ('host_id', 'file_hash',
                                                                                           'file_path')}
    listing = 'ok,' if by == 'hash' else ''
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={listing}{faults}'))
    room = WarRoom(params=tenant.params('aksk', retry_backoff='0', **params), time_scale=0, sleep=sleep)
    return copy, room.run('hss-restore-isolated', dict(args, **(polling or {})))


@pytest.mark.parametrize('by', ['hash', 'exact item'])
def test_a_restore_hss_carried_out_though_every_answer_was_lost_is_followed_not_refused(hss_tenant, by):
    # Every PUT reaches HSS and is carried out, but each 200 answer is cut off (the seed: the 200 has no body to
    # wait for). README: a batch whose answer was lost may have been acted on, so the checks follow its items too, and
    # the command fails only when HSS took none of the items it was sent.
    copy, result = restore_whose_answers_are_lost(hss_tenant, by, 'truncated*10', max_retries='3')

    # The first attempt only: the listing that would tell whether HSS took it is cut off too, so it is not sent blind
    assert len(hss_tenant.requests_to('PUT', '/event/isolated-file')) == 1
    assert status_of(hss_tenant, copy) == 'restored'
    assert not result.failed, result.entries[-1]
    start = result.entries[0]
    assert 'lost' in start['HumanReadable'] and start['Contents']['follow_commands']  # said honestly, and followed
    assert [(r['host_id'], r['outcome']) for r in rows_of(result)] == [(copy['host_id'], 'restored')]


def puts_carrying(tenant, copy):
    """How many PUT isolated-file requests HSS received that carry ``copy`` (host, hash, path)."""
    key = (copy['host_id'], copy['file_hash'].lower(), copy['file_path'])
    return sum((item.get('host_id'), item.get('file_hash', '').lower(), item.get('file_path')) == key
               for put in tenant.requests_to('PUT', '/event/isolated-file') for item in put.body['data_list'])


@pytest.mark.parametrize('by', ['hash', 'exact item'])
def test_a_put_whose_answer_was_cut_is_not_sent_again_once_hss_lists_its_copy_taken(hss_tenant, by):
    # HSS carries the PUT out, then its answer is cut short (a 200 whose body ends early). The request may have been
    # applied, so it is not repeated blind: the listing is read, and HSS lists the copy restoring (the task issued),
    # not isolated, so there is nothing to send again. The checks then follow it to restored.
    copy, result = restore_whose_answers_are_lost(hss_tenant, by, 'truncated')

    assert not result.failed, result.entries[-1]
    assert puts_carrying(hss_tenant, copy) == 1
    after_put = hss_tenant.gateway.requests[[r.method for r in hss_tenant.gateway.requests].index('PUT') + 1]
    assert (after_put.method, after_put.path.endswith('/event/isolated-file')) == ('GET', True)  # read, not re-sent
    assert status_of(hss_tenant, copy) == 'restored'
    assert [(r['host_id'], r['outcome']) for r in rows_of(result)] == [(copy['host_id'], 'restored')]


def test_a_put_cut_before_hss_got_it_is_sent_again_with_only_the_copies_hss_still_lists_isolated(hss_tenant):
    # Two exact items; HSS already lists one of them restoring (another hand restored it). The first PUT's connection
    # is reset before HSS reads it: the listing then shows one copy still isolated, and only that one is sent again.
    host = sorted(hss_tenant.backend.hosts)[0]
    [taken] = hss_tenant.backend.add_isolated_files(host, 1, isolation_status='restoring')
    [isolated] = hss_tenant.backend.add_isolated_files(host, 1)
    args = {'host_id': host, 'file_hash': json.dumps([taken['file_hash'], isolated['file_hash']]),
            'file_path': json.dumps([taken['file_path'], isolated['file_path']]), 'polling': 'false'}
    hss_tenant.gateway.inject_faults(FaultPlan.parse('sequence=reset'))

    result = war_room(hss_tenant, retry_backoff='0').run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    assert [(r.method, r.path.split('/')[-1]) for r in hss_tenant.gateway.faults.injected] == [
        ('PUT', 'isolated-file')]  # the reset one carried both items, and HSS never read it
    [put] = hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert put.body['data_list'] == [{key: isolated[key] for key in ('host_id', 'file_hash', 'file_path')}]
    assert status_of(hss_tenant, isolated) != 'isolated'


@pytest.mark.parametrize('kind', ['200-empty', '200-page'])
def test_a_put_answered_200_from_in_front_of_hss_is_a_lost_answer_and_goes_again_with_the_copy_still_isolated(
        hss_tenant, kind):
    # A load balancer's empty 200 without the X-Request-Id Huawei's gateway gives every request it passed, or a proxy's
    # 200 page, answers the first PUT: HSS never got it. Neither counts as HSS's answer: the listing is read, finds the
    # copy still isolated, and the PUT goes again. The copy is restored by that resend, the only PUT HSS got.
    copy, result = restore_whose_answers_are_lost(hss_tenant, 'exact item', kind)

    assert not result.failed, result.entries[-1]
    assert [(r.method, r.path.split('/')[-1], r.kind) for r in hss_tenant.gateway.faults.injected] == [
        ('PUT', 'isolated-file', kind)]  # the first PUT: its 200 came from in front of the gateway
    logged = [r.method for r in hss_tenant.gateway.requests]
    assert logged[:2] == ['GET', 'PUT'], logged  # the listing read first, then the resend HSS got
    assert puts_carrying(hss_tenant, copy) == 1
    assert status_of(hss_tenant, copy) == 'restored'
    assert [(r['host_id'], r['outcome']) for r in rows_of(result)] == [(copy['host_id'], 'restored')]


# A PUT's 200 that something in between gave, though no HTML page: JSON that is no object, or plain text; and HSS's own
# 200 (its gateway's request ID with it) whose body is a blank line: (body, its Content-Type, whether HSS gave it)
PUT_200_BODIES = {'a JSON list': (b'[]', 'application/json', False), 'plain text': (b'OK', 'text/plain', False),
                  "HSS's own, a blank line": (b'\r\n', None, True)}


@pytest.mark.parametrize('body', PUT_200_BODIES)
def test_a_put_s_200_counts_as_hss_s_answer_only_in_hss_s_form(hss_tenant, body):
    # HSS answers the PUT 200 with no body (blank space is none) and its gateway's request ID: the restore is taken, and
    # not listed to find out. A 200 with another body never came from HSS: an answer lost, so the listing is read,
    # finds the copy still isolated, and the PUT goes again, the only one HSS got.
    content, content_type, from_hss = PUT_200_BODIES[body]
    [copy] = COPIES[SINGLE_HASH]
    app, answered = create_hss_app(hss_tenant.gateway), []

    def in_between(request):
        if request.method != 'PUT' or answered:
            return app(request)
        answered.append(request)
        if not from_hss:
            return Response(200, content, {'Content-Type': content_type})
        reply = app(request)
        headers = {name: value for name, value in reply.headers.items() if name.lower() != 'content-length'}
        return Response(reply.status, content, headers)

    with LoopbackServer(in_between) as front:
        result = WarRoom(params=hss_tenant.params('aksk', hss_endpoint=front.url, retry_backoff='0'), time_scale=0,
                         sleep=lambda _: None).run('hss-restore-isolated', dict(
                             {key: copy[key] for key in ('host_id', 'file_hash', 'file_path')}, polling='false'))

    assert not result.failed, result.entries[-1]
    assert puts_carrying(hss_tenant, copy) == 1 and status_of(hss_tenant, copy) != 'isolated'
    logged = [r.method for r in hss_tenant.gateway.requests]
    assert logged == (['PUT'] if from_hss else ['GET', 'PUT']), logged


def test_a_put_every_attempt_of_which_meets_an_empty_200_without_hss_s_request_id_ends_as_a_lost_answer(hss_tenant):
    # Each attempt of the PUT meets a load balancer's empty 200 (no X-Request-Id), each resend after a listing that
    # finds the copy still isolated. No attempt counts as accepted: the row says HSS may have taken it all the same, as
    # its answers were lost, names the empty 200 without the gateway's request ID, and what to do next.
    steps = ',ok,'.join(['200-empty'] * (facts.DEFAULT_MAX_RETRIES + 1))
    copy, result = restore_whose_answers_are_lost(hss_tenant, 'exact item', steps, polling={'polling': 'false'})

    assert hss_tenant.gateway.faults.counts() == {'200-empty': facts.DEFAULT_MAX_RETRIES + 1}
    assert puts_carrying(hss_tenant, copy) == 0  # HSS got none of them
    assert status_of(hss_tenant, copy) == 'isolated'
    [row] = rows_of(result)
    reason = row['reason']
    assert row['outcome'] == 'failed', row
    assert 'X-Request-Id' in reason and f'retried {facts.DEFAULT_MAX_RETRIES} times' in reason, reason
    assert 'HSS may have accepted the restore even so' in reason, reason
    assert reason.endswith('before sending them again.'), reason


@pytest.mark.parametrize('gateway_error', ['500', '500-html', '502', '504', '502-html', '504-html'])
@pytest.mark.parametrize('taken', [1, 2])
def test_a_put_answered_500_502_or_504_goes_again_only_with_the_copies_hss_still_lists_isolated(
        hss_tenant, gateway_error, taken):
    # A gateway's 502 or 504 may come after it passed the PUT on to HSS, and a 500 (HSS's own, which Huawei documents
    # for no HSS error, or its gateway's) may come from a service that failed part way through the items (README,
    # Reliability), so the PUT is not sent again blind. Of two exact items HSS lists ``taken`` restoring when the PUT
    # fails (another hand, or the PUT passed on): the listing is read first, and only a copy still isolated goes again;
    # none left is HSS's answer, and the restore is not reported failed.
    host = sorted(hss_tenant.backend.hosts)[0]
    items = [hss_tenant.backend.add_isolated_files(host, 1, isolation_status=status)[0]
             for status in ['restoring'] * taken + ['isolated'] * (2 - taken)]
    args = {'host_id': host, 'polling': 'false',
            **{name: json.dumps([item[name] for item in items]) for name in ('file_hash', 'file_path')}}
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={gateway_error}'))

    result = war_room(hss_tenant, retry_backoff='0').run('hss-restore-isolated', args)

    assert not result.failed, result.entries[-1]
    assert [(r.method, r.path.split('/')[-1]) for r in hss_tenant.gateway.faults.injected] == [
        ('PUT', 'isolated-file')]  # the gateway failed the PUT that carried both items
    logged = hss_tenant.gateway.requests
    if gateway_error == '500':  # HSS's own: its gateway checked the PUT and passed it on, so its log holds it
        assert logged[0].method == 'PUT' and len(logged[0].body['data_list']) == 2
        logged = logged[1:]
    assert [r.method for r in logged][0] == 'GET'  # the listing, read before anything goes again
    still_isolated = [{key: item[key] for key in ('host_id', 'file_hash', 'file_path')} for item in items[taken:]]
    puts = [put.body['data_list'] for put in logged if put.method == 'PUT']
    assert puts == ([still_isolated] if still_isolated else [])
    assert {status_of(hss_tenant, item) for item in items} <= {'restoring', 'restored'}


@pytest.mark.parametrize('hosts, per_host', [(12, 60), (150, 2)])
def test_a_lost_put_of_one_hash_on_many_hosts_reads_back_the_fewest_listing_pages_that_show_its_copies(
        hss_tenant, hosts, per_host):
    # HSS filters its listing by host name, not by host ID (huaweicloudsdkhss v5 ListIsolatedFileRequest: file_hash,
    # host_name, private_ip, file_path, isolation_status, ...). The copies of a PUT whose answer was lost are read back
    # by their hash (a page per HSS_LIST_PAGE_SIZE copies, on every host) or by their hash on each host the PUT names
    # (a page each: no host here holds more): whichever reads fewer pages; either way every copy is seen.
    backend, file_hash = hss_tenant.backend, hashlib.sha256(b'one hash on many hosts').hexdigest()
    names = {f'fleet-{number:03d}': f'node-{number:03d}' for number in range(hosts)}  # no name is part of another
    for host_id, name in names.items():
        backend.add_host(host_id, name)
        backend.add_isolated_files(host_id, per_host, file_hash=file_hash)
    hash_pages = -(-hosts * per_host // facts.HSS_LIST_PAGE_SIZE)
    # the start's listing, then the first PUT: HSS carries it out and its answer is cut short (one PUT at a time)
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok*{hash_pages},truncated'))

    result = war_room(hss_tenant, max_concurrency='1').run('hss-restore-isolated',
                                                           {'file_hash': file_hash, 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    cut, *others = hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert [record.kind for record in hss_tenant.gateway.faults.injected] == ['truncated']
    read_back = len(hss_tenant.requests_to('GET', '/event/isolated-file')) - hash_pages
    assert read_back == min(hash_pages, len({names[item['host_id']] for item in cut.body['data_list']}))
    sent = [(item['host_id'], item['file_path']) for put in [cut, *others] for item in put.body['data_list']]
    assert len(sent) == len(set(sent)) == hosts * per_host  # HSS listed the cut PUT's copies taken: none sent again
    assert {row['outcome'] for row in rows_of(result)} == {'restoring'}


def restore_batches_of_each_fate(count, fates, timeout):
    """hss-restore-isolated of ``count`` copies of one hash on one host, polled every 10 s up to ``timeout``, its
    batches of 100 each refused (503s to every attempt), lost (504s: HSS never got it) or carried out ('ok')."""
    tenant = start_hss_tenant()
    try:
        tenant.backend.add_isolated_files(sorted(tenant.backend.hosts)[0], count, file_hash='d' * 64)
        pages = -(-count // facts.HSS_LIST_PAGE_SIZE)
        steps = {'refused': f'503*{facts.DEFAULT_MAX_RETRIES + 1}', 'lost': every_put_lost(pages), 'ok': 'ok'}
        plan = ','.join(['ok'] * pages + [steps[fate] for fate in fates])
        tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={plan}'))
        tenant.backend.set_clock_skew(60)  # isolated a minute before the restore, on HSS's clock
        return war_room(tenant, retry_backoff='0', max_concurrency='1').run('hss-restore-isolated', {
            'file_hash': 'd' * 64, 'interval_in_seconds': '10', 'timeout_in_seconds': str(timeout)})
    finally:
        tenant.stack.close()


def restore_with_a_put_cut_short(hss_tenant, names, copies_each, file_hash, puts_before):
    """Hosts {host_id: name} holding ``copies_each`` copies of the hash each, restored by the hash one request at a
    time, the answer to the PUT after ``puts_before`` others cut short: (its result, the hash's pages of 200, that
    PUT)."""
    for host_id, name in names.items():
        hss_tenant.backend.add_host(host_id, name)
        hss_tenant.backend.add_isolated_files(host_id, copies_each, file_hash=file_hash)
    hash_pages = -(-len(names) * copies_each // facts.HSS_LIST_PAGE_SIZE)
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok*{hash_pages + puts_before},truncated'))

    result = war_room(hss_tenant, max_concurrency='1').run('hss-restore-isolated',
                                                           {'file_hash': file_hash, 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    return result, hash_pages, hss_tenant.requests_to('PUT', '/event/isolated-file')[puts_before]


def test_a_lost_put_on_hosts_named_in_capitals_prices_each_name_s_pages_by_the_copies_hss_lists_on_it_in_any_case(
        hss_tenant):
    # HSS filters its listing by any part of a host name, in any case (ListIsolatedFile; the emulator so too). Two
    # hosts named in capitals hold 201 copies of a hash each: 3 pages of 200 by the hash, 2 by each name. A PUT cut
    # short whose copies are on both hosts reads back the 3 pages by the hash, not the 4 by the names.
    file_hash = hashlib.sha256(b'one hash on hosts named in capitals').hexdigest()
    names = {'cap-a': 'WEB-Server-A', 'cap-b': 'WEB-Server-B'}
    # the start's listing, two PUTs, then the third, which carries copies of both hosts: its answer is cut short
    _, hash_pages, cut = restore_with_a_put_cut_short(hss_tenant, names, 201, file_hash, puts_before=2)

    assert {names[item['host_id']] for item in cut.body['data_list']} == set(names.values())
    assert [record.kind for record in hss_tenant.gateway.faults.injected] == ['truncated']
    read_back = len(hss_tenant.requests_to('GET', '/event/isolated-file')) - hash_pages
    assert read_back == hash_pages == 3


def test_a_lost_put_reads_its_copies_back_by_host_name_even_when_each_name_is_the_longest_the_filter_takes(
        hss_tenant):
    # ListIsolatedFile's host_name filter takes 1 to 64 characters (HSS API Reference, ListIsolatedFile, host_name:
    # min length 1, max length 64). Hosts named with exactly 64: a cut PUT's copies are read back on each host it
    # names (2 hosts, a page each) rather than by their hash on every host (4 pages of 200), as with shorter names.
    file_hash = hashlib.sha256(b'one hash on hosts with long names').hexdigest()
    names = {f'long-{number:03d}': f'node-{number:03d}-'.ljust(64, 'x') for number in range(12)}
    assert {len(name) for name in names.values()} == {64}
    result, hash_pages, cut = restore_with_a_put_cut_short(hss_tenant, names, 60, file_hash, puts_before=0)

    assert len({item['host_id'] for item in cut.body['data_list']}) == 2 < hash_pages
    read_back = hss_tenant.requests_to('GET', '/event/isolated-file')[hash_pages:]
    assert sorted(r.query['host_name'][0] for r in read_back) == sorted(
        {names[item['host_id']] for item in cut.body['data_list']})
    assert {row['outcome'] for row in rows_of(result)} == {'restoring'}


def test_a_lost_put_reads_its_copies_back_by_hash_when_a_host_name_is_part_of_the_other_names_holding_them(
        hss_tenant):
    # HSS's host_name filter matches any part of a name, whatever the case (as the emulator's listing does): a listing
    # by the name 'web' also lists the copies on web-00 to web-10. A cut PUT holding copies on 'web' and 'web-00' would
    # take 4 pages of 200 by name 'web' alone (its 720 copies), plus a page for 'web-00': more than the hash's 4 pages,
    # so its copies are read back by their hash, not by the names the hosts' own copies alone would suggest.
    backend, file_hash = hss_tenant.backend, hashlib.sha256(b'one hash on hosts whose names hold another').hexdigest()
    names = {'plain-web': 'web', **{f'web-host-{number:02d}': f'web-{number:02d}' for number in range(11)}}
    for host_id, name in names.items():
        backend.add_host(host_id, name)
        backend.add_isolated_files(host_id, 60, file_hash=file_hash)
    hash_pages = -(-len(names) * 60 // facts.HSS_LIST_PAGE_SIZE)
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok*{hash_pages},truncated'))

    result = war_room(hss_tenant, max_concurrency='1').run('hss-restore-isolated',
                                                           {'file_hash': file_hash, 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    cut = hss_tenant.requests_to('PUT', '/event/isolated-file')[0]
    cut_names = {names[item['host_id']] for item in cut.body['data_list']}
    assert 'web' in cut_names  # listed first, so its copies went in the cut PUT
    listed_by_name = {name: sum(60 for other in names.values() if name in other) for name in cut_names}
    by_name = sum(-(-copies // facts.HSS_LIST_PAGE_SIZE) for copies in listed_by_name.values())
    read_back = hss_tenant.requests_to('GET', '/event/isolated-file')[hash_pages:]
    assert len(read_back) == min(hash_pages, by_name) == hash_pages
    assert [r.query.get('host_name') for r in read_back] == [None] * hash_pages
    assert {row['outcome'] for row in rows_of(result)} == {'restoring'}


@pytest.mark.parametrize('host_id_listed', ['left out', 'null', 'empty'])
def test_a_lost_put_goes_again_with_each_copy_hss_still_lists_isolated_though_it_lists_their_hosts_without_an_id(
        hss_tenant, host_id_listed):
    # Huawei's Python SDK makes every IsolatedFileResponseInfo field optional, host_id too, and the restore request's
    # host_id is optional on the seed's page: a copy listed without one goes in its PUT without one. HSS lists a hash's
    # copies on 'alpha' and 'bravo' without a host ID, beside 450 on 'charlie' and 'delta' (3 pages of 200). The first
    # PUT (alpha's, bravo's and 98 of charlie's copies) is answered 504, before HSS acted: listed again, every copy is
    # still isolated, so all go again, none read back on the name of another host listed without an ID, nor missed
    # for an empty ID that its item, sent without one, would never match.
    backend, file_hash = hss_tenant.backend, hashlib.sha256(b'copies listed without a host id').hexdigest()
    paths = {}
    for host_id, copies in {'alpha': 1, 'bravo': 1, 'charlie': 150, 'delta': 300}.items():
        backend.add_host(host_id, host_id)
        listed = backend.add_isolated_files(host_id, copies, file_hash=file_hash)
        paths[host_id] = [copy['file_path'] for copy in listed]
    for host_id in ('alpha', 'bravo'):
        backend.hosts[host_id].host_id_listed = host_id_listed
    hash_pages = -(-452 // facts.HSS_LIST_PAGE_SIZE)
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok*{hash_pages},504'))

    result = war_room(hss_tenant, retry_backoff='0', max_concurrency='1').run(
        'hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})

    assert [(r.method, r.kind) for r in hss_tenant.gateway.faults.injected] == [('PUT', '504')]
    again = hss_tenant.requests_to('PUT', '/event/isolated-file')[0]  # the gateway keeps no record of the lost one
    assert len(again.body['data_list']) == facts.HSS_MAX_ITEMS_PER_REQUEST  # the first 100 listed: all still isolated
    unidentified = paths['alpha'] + paths['bravo']
    assert sorted(item['file_path'] for item in again.body['data_list'] if 'host_id' not in item) == unidentified
    # the emulator, as HSS may, refuses a restore without a host ID: those copies are not reported restoring
    assert {row['outcome'] for row in rows_of(result) if row.get('file_path') in unidentified} == {'failed'}


@pytest.mark.parametrize('file_path_listed', ['left out', 'null', 'empty'])
def test_a_lost_put_goes_again_with_each_copy_hss_still_lists_isolated_though_it_lists_their_paths_without_one(
        hss_tenant, file_path_listed):
    # Huawei's Python SDK makes every IsolatedFileResponseInfo field optional, file_path too, and the restore request's
    # file_path is optional on the seed's page: a copy listed without a path goes in its PUT without one. HSS lists a
    # hash's copy on 'alpha' without a path, beside 2 on 'bravo'. The first PUT is answered 504, before HSS acted:
    # listed again, every copy is still isolated, so all go again, alpha's too, its item (sent without a path) matched
    # to the copy HSS lists with no path, null or empty.
    backend, file_hash = hss_tenant.backend, hashlib.sha256(b'copies listed without a file path').hexdigest()
    for host_id, copies in {'alpha': 1, 'bravo': 2}.items():
        backend.add_host(host_id, host_id)
        backend.add_isolated_files(host_id, copies, file_hash=file_hash)
    backend.hosts['alpha'].file_path_listed = file_path_listed
    hss_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,504'))

    result = war_room(hss_tenant, retry_backoff='0').run('hss-restore-isolated',
                                                         {'file_hash': file_hash, 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    assert [(r.method, r.kind) for r in hss_tenant.gateway.faults.injected] == [('PUT', '504')]
    again = hss_tenant.requests_to('PUT', '/event/isolated-file')[0]  # the gateway keeps no record of the lost one
    assert sorted(item['host_id'] for item in again.body['data_list']) == ['alpha', 'bravo', 'bravo']
    assert [sorted(item) for item in again.body['data_list'] if item['host_id'] == 'alpha'] == [
        ['file_attr', 'file_hash', 'host_id']]  # its path left out, as listed
    assert {row['outcome'] for row in rows_of(result)} == {'restoring'}
    alpha = [snapshot['isolation_status'] for snapshot in backend.snapshot() if snapshot['host_id'] == 'alpha']
    assert alpha in (['restoring'], ['restored']), alpha  # HSS took it


@pytest.mark.parametrize('unnamed', [{}, {'host_name': None}, {'host_name': ''}], ids=['left out', 'null', 'empty'])
def test_a_lost_put_reads_its_copies_back_by_host_name_though_hss_lists_another_copy_of_the_hash_without_one(
        hss_tenant, unnamed):
    # Huawei's Python SDK makes every IsolatedFileResponseInfo field optional, host_name too (the emulator seeds no
    # host without a name: its listing leaves one out here, null or empty). Beside 12 named hosts with 60 copies of a
    # hash each, HSS lists one more host's copy of it without a name: the hash's listing still takes 4 pages of 200,
    # so a cut PUT's copies on 2 named hosts are read back by name, a page each, not by the hash's 4 pages again.
    backend, file_hash = hss_tenant.backend, hashlib.sha256(b'one hash, one host listed without a name').hexdigest()
    names = {f'named-{number:03d}': f'node-{number:03d}' for number in range(12)}
    for host_id, name in names.items():
        backend.add_host(host_id, name)
        backend.add_isolated_files(host_id, 60, file_hash=file_hash)
    backend.add_host('unnamed', 'unnamed')
    backend.add_isolated_files('unnamed', 1, file_hash=file_hash)
    list_page = backend.list_isolated_files

    def listing_the_unnamed_host_without_its_name(*args, **kwargs):
        page = list_page(*args, **kwargs)
        for row in page.get('data_list', []):
            if row['host_id'] == 'unnamed':
                del row['host_name']
                row.update(unnamed)
        return page

    backend.list_isolated_files = listing_the_unnamed_host_without_its_name
    hash_pages = -(-(12 * 60 + 1) // facts.HSS_LIST_PAGE_SIZE)
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok*{hash_pages},truncated'))

    result = war_room(hss_tenant, max_concurrency='1').run('hss-restore-isolated',
                                                           {'file_hash': file_hash, 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    cut = hss_tenant.requests_to('PUT', '/event/isolated-file')[0]
    cut_names = {names.get(item['host_id']) for item in cut.body['data_list']}
    assert None not in cut_names and len(cut_names) == 2
    by_name = len(cut_names) * -(-60 // facts.HSS_LIST_PAGE_SIZE)
    read_back = hss_tenant.requests_to('GET', '/event/isolated-file')[hash_pages:]
    assert len(read_back) == min(hash_pages, by_name) == by_name
    assert sorted(r.query['host_name'][0] for r in read_back) == sorted(cut_names)
    assert {row['outcome'] for row in rows_of(result)} == {'restoring'}


@settings(max_examples=8, deadline=None)
@given(statuses=st.lists(st.sampled_from(['isolated', 'restoring', 'restored']), min_size=1, max_size=4),
       cut=st.sampled_from(['reset', 'truncated', '500', '502', '504']))
def test_after_a_cut_put_each_copy_is_sent_again_only_while_hss_lists_it_isolated(statuses, cut):
    # Exact items HSS lists in any status; the first PUT is cut: reset before HSS read it, failed by a 500, 502 or 504
    # (this emulator's before HSS acts), or truncated after HSS acted on it. Whatever HSS had acted on before
    # the cut, or by it, is not sent again; what it still lists isolated is.
    tenant = start_hss_tenant()
    try:
        host = sorted(tenant.backend.hosts)[0]
        items = [tenant.backend.add_isolated_files(host, 1, isolation_status=status)[0] for status in statuses]
        args = {'host_id': host, 'polling': 'false',
                **{name: json.dumps([item[name] for item in items]) for name in ('file_hash', 'file_path')}}
        tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={cut}'))
        result = war_room(tenant, retry_backoff='0').run('hss-restore-isolated', args)
        puts = [put.body['data_list'] for put in tenant.requests_to('PUT', '/event/isolated-file')]
    finally:
        tenant.stack.close()

    assert not result.failed, result.entries[-1]
    isolated = [{key: item[key] for key in ('host_id', 'file_hash', 'file_path')}
                for item, status in zip(items, statuses) if status == 'isolated']
    # A reset PUT, or one the gateway failed before its checks, never reached the gateway's log; one HSS failed (its
    # own 500, given only past those checks) or acted on (truncated) did.
    logged, acted = cut in ('truncated', '500'), cut == 'truncated'
    first = [[{key: item[key] for key in ('host_id', 'file_hash', 'file_path')} for item in items]] if logged else []
    again = [isolated] if not acted and isolated else []  # a truncated one: HSS acted, none left isolated
    assert puts == first + again


def test_a_put_whose_answer_was_cut_and_whose_copies_cannot_be_listed_is_reported_unknown_not_sent_again(
        hss_tenant):
    # HSS carries the PUT out and its answer is cut short; the listing that would tell what is left then fails every
    # attempt (503s). Nothing says the copy still needs a restore, so it is not sent blind: its row says HSS may have
    # accepted it, and the follow command is given (polling=false: no check follows).
    copy, result = restore_whose_answers_are_lost(hss_tenant, 'exact item',
                                                  f'truncated,503*{facts.DEFAULT_MAX_RETRIES + 1}',
                                                  polling={'polling': 'false'})

    assert puts_carrying(hss_tenant, copy) == 1
    assert not result.failed, result.entries[-1]
    [row] = result.entries[0]['Contents']['items']
    assert row['outcome'] == 'failed' and 'may have accepted' in row['reason'], row
    assert result.entries[0]['Contents']['follow_commands']


@pytest.mark.parametrize('put, retried', [('truncated', 'Not retried'), ('504,ok,truncated', 'retried once')])
def test_a_cut_put_whose_listing_fails_says_once_whether_it_was_retried_and_one_next_step(hss_tenant, put, retried):
    # The PUT's answer is cut off (after a 504 and a listing that finds its copy isolated, or at once); every attempt of
    # the listing that would tell what is left then meets a 503. The row says once whether the PUT was retried, what
    # the listing met, and the PUT's own next step only: not the listing's retries or advice as if they were the PUT's.
    attempts = facts.DEFAULT_MAX_RETRIES + 1
    copy, result = restore_whose_answers_are_lost(hss_tenant, 'exact item', f'{put},503*{attempts}',
                                                  polling={'polling': 'false'})

    assert not result.failed, result.entries[-1]
    [row] = result.entries[0]['Contents']['items']
    reason = row['reason']
    assert reason.count('retried') == 1 and retried in reason, reason
    assert f'failed after {attempts} attempt' in reason and 'HTTP 503' in reason, reason
    assert 'try again' not in reason.lower(), reason
    assert reason.endswith('before sending them again.'), reason


@pytest.mark.parametrize('put, retried, lost', [
    ('truncated', 'Not retried', 'its answer'),
    ('504,ok,truncated', 'retried once', 'the answer to one of its 2 attempts'),
])
def test_a_cut_put_whose_listing_fails_says_hss_may_have_accepted_it_naming_no_earlier_attempt_when_sent_once(
        hss_tenant, put, retried, lost):
    # The PUT's answer is cut off (at once, or after a 504 and a listing that finds its copy isolated); the listing that
    # would tell what is left then fails. Sent once, there was no earlier attempt: the row says the restore's own answer
    # was lost; sent twice, that one of its two attempts' answers was.
    faults = f'{put},503*{facts.DEFAULT_MAX_RETRIES + 1}'
    copy, result = restore_whose_answers_are_lost(hss_tenant, 'exact item', faults, polling={'polling': 'false'})

    [row] = result.entries[0]['Contents']['items']
    assert retried in row['reason'], row
    assert f'HSS may have accepted the restore even so, as {lost} was lost' in row['reason'], row
    assert 'earlier attempt' not in row['reason'], row


def test_a_put_hss_refuses_after_an_attempt_whose_answer_was_lost_says_hss_refused_that_one_with_its_code_and_advice(
        hss_tenant):
    # The PUT's first attempt meets a 504 (a gateway that may have passed it on); the listing read then finds the copy
    # still isolated, so it goes again, and HSS refuses that attempt with HTTP 400 (the host's agent cannot be reached).
    # A 400 is HSS refusing the request it got, not an answer that may come after it acted: the row says HSS refused
    # it, with HSS's code and message and what to do about them, and that the earlier attempt may have reached HSS.
    [copy] = COPIES[SINGLE_HASH]
    hss_tenant.backend.hosts[copy['host_id']].agent_unreachable = True
    code, message = facts.HSS_AGENT_UNREACHABLE
    copy, result = restore_whose_answers_are_lost(hss_tenant, 'exact item', '504', polling={'polling': 'false'})

    assert [(r.method, r.kind) for r in hss_tenant.gateway.faults.injected] == [('PUT', '504')]
    assert len(hss_tenant.requests_to('PUT', '/event/isolated-file')) == 1  # the retry, which HSS got and refused
    [row] = rows_of(result)
    reason = row['reason']
    assert row['outcome'] == 'failed' and f'HTTP {facts.HSS_ERROR_STATUS}' in reason, reason
    assert f'code {code}, message "{message}"' in reason, reason
    ours = reason.split(' said: ', 1)[0]
    assert 'HSS refused this attempt' in ours and 'an earlier one' in ours and 'may have reached' in ours, ours
    assert 'list these files (isolation_status restoring)' in ours and 'technical support' in ours, ours
    assert 'may come after HSS acted' not in ours, ours
    assert status_of(hss_tenant, copy) == 'isolated'


@pytest.mark.parametrize('listing, attempts', [('429;retry-after=3600', '1 attempt:'),
                                               (f'503*{facts.DEFAULT_MAX_RETRIES + 1}',
                                                f'{facts.DEFAULT_MAX_RETRIES + 1} attempts:')])
def test_a_cut_put_whose_listing_fails_counts_the_listings_attempts_in_the_singular_or_plural(
        hss_tenant, listing, attempts):
    # A 429 whose Retry-After is past the run ends the listing at its first attempt; 503s at each of its attempts.
    copy, result = restore_whose_answers_are_lost(hss_tenant, 'exact item', f'truncated,{listing}',
                                                  polling={'polling': 'false'})

    [row] = result.entries[0]['Contents']['items']
    assert f'still lists isolated failed after {attempts}' in row['reason'], row


def test_a_cut_put_whose_listing_the_gateway_throttles_keeps_the_gateway_s_code_in_the_reason(hss_tenant):
    # The listing that would tell what HSS still lists isolated after the PUT's answer was lost is a vendor's answer
    # too: the row's reason keeps its code, as every error a vendor answered does.
    copy, result = restore_whose_answers_are_lost(hss_tenant, 'exact item', 'truncated,429;retry-after=3600',
                                                  polling={'polling': 'false'})

    [row] = result.entries[0]['Contents']['items']
    assert f'failed after 1 attempt: Huawei Cloud HSS answered HTTP 429 (code {facts.HSS_THROTTLED}, message ' in \
        row['reason'], row


@pytest.mark.parametrize('by', ['hash', 'exact item'])
def test_a_restore_hss_did_not_take_though_its_answers_were_lost_is_reported_as_hss_lists_it(hss_tenant, by):
    # README: a batch whose every answer was lost "may have been carried out, so it is reported failed with that
    # reason and the checks follow its items ... and report each as HSS lists it". Here the gateway timed out every
    # attempt (504) before HSS saw it: HSS lists the copy isolated, untouched. The check must say so (the start's
    # "may have accepted" is settled), not end with no row of it, as if there were nothing left to report.
    copy, result = restore_whose_answers_are_lost(hss_tenant, by, every_put_lost())

    assert not result.failed, result.entries[-1]
    assert status_of(hss_tenant, copy) == 'isolated'  # HSS never saw the restore
    [started] = result.entries[0]['Contents']['items']
    [row] = rows_of(result)
    assert (row['host_id'], row['outcome']) == (copy['host_id'], 'failed')
    assert 'isolated' in row['reason'] and row['reason'] != started['reason'], row
    assert copy['host_id'] in result.entries[-1]['HumanReadable']  # the last report names it


@pytest.mark.parametrize('by', ['hash', 'exact item'])
def test_a_restore_hss_carries_out_after_a_first_check_is_followed_to_restored_not_called_failed(hss_tenant, by):
    # The gateway gave up on every attempt (504) while HSS's backend still held the request, and HSS carries it out
    # after the first check listed the copy isolated, untouched: nothing says HSS lists a copy restoring the moment it
    # takes a restore, nor that a 504 means it never will. A check with checks after it cannot tell "not yet" from
    # "never": calling the copy failed there ends the polling of a restore that comes back, and a playbook acting on
    # "failed" (run the command again) sends it twice.
    [copy] = COPIES[SINGLE_HASH]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 2:  # between the first check and the second: HSS acts on the request at last
            hss_tenant.backend.restore_isolated_files(
                hss_tenant.backend.project_id, [{key: copy[key] for key in ('host_id', 'file_hash', 'file_path')}],
                enterprise_project_id=hss_tenant.params()['hss_enterprise_project_id'] or None)

    _, result = restore_whose_answers_are_lost(hss_tenant, by, every_put_lost(), sleep,
                                               {'timeout_in_seconds': '60'})

    assert not result.failed, result.entries[-1]
    first_check = {row['host_id']: row for row in result.entries[1]['Contents']['items']}
    assert first_check[copy['host_id']]['outcome'] == 'restoring', first_check  # not yet known: still followed
    assert 'isolated' in first_check[copy['host_id']]['reason']  # with why it is not counted restored
    assert status_of(hss_tenant, copy) == 'restored'
    assert [(r['host_id'], r['outcome'], r['reason']) for r in rows_of(result)] == [(copy['host_id'], 'restored', '')]
    assert result.runs == 3
    # no PUT passed the gateway (each attempt met its 504): the one restore HSS carried out is the late one
    assert hss_tenant.requests_to('PUT', '/event/isolated-file') == [] and hss_tenant.backend.put_sizes == [1]


@pytest.mark.parametrize('by', ['hash', 'exact item'])
def test_a_copy_hss_never_acts_on_is_failed_at_the_last_check_and_restoring_until_then(hss_tenant, by):
    # README: a copy still isolated and untouched since it was sent stays restoring, with that reason, while checks
    # follow, and is failed (HSS did not act on it) when no check follows: at the last one, or with polling=false.
    copy, result = restore_whose_answers_are_lost(hss_tenant, by, every_put_lost(),
                                                  polling={'interval_in_seconds': '10', 'timeout_in_seconds': '30'})

    assert status_of(hss_tenant, copy) == 'isolated'  # HSS never saw the restore
    assert result.runs == 30 // 10 + 1  # polled to the timeout, not ended by the first check
    checks = [entry['Contents']['items'] for entry in result.entries[1:]]
    assert [[row['outcome'] for row in items] for items in checks] == [['restoring']] * 2 + [['failed']]
    assert checks[0][0]['reason'] != checks[-1][0]['reason']
    assert 'did not act' in checks[-1][0]['reason'] and 'Run the command again' in checks[-1][0]['reason']
    [follow] = result.entries[-1]['Contents']['follow_commands']
    line = parse_line(follow)
    by_hand = war_room(hss_tenant).run(line.command, dict(line.args, polling='false'))
    assert [row['outcome'] for row in rows_of(by_hand)] == ['failed']  # no check follows a run without polling


def test_an_exact_item_hss_still_lists_isolating_is_followed_then_failed_with_what_to_do_not_left_out(hss_tenant):
    # The listing's isolation_status "isolating": the isolation task issued, the copy not isolated yet (README, the
    # API's ListIsolatedFile). An exact item is sent as given; here every answer to its PUT was lost (504: the gateway
    # gave up before HSS saw it), so the checks follow it, and HSS goes on listing it isolating, untouched since. As a
    # copy listed isolated and untouched, it stays restoring, with why, while checks follow, and is failed at the last,
    # saying to run the command again once HSS lists it isolated. Left out, the last table would show no row of it
    # and its context row would keep the start's.
    [copy] = COPIES[SINGLE_HASH]
    [record] = [item for item in hss_tenant.backend.files
                if (item.host_id, item.file_hash, item.file_path) == (copy['host_id'], SINGLE_HASH, copy['file_path'])]
    record.status = 'isolating'

    _, result = restore_whose_answers_are_lost(hss_tenant, 'exact item', every_put_lost(),
                                               polling={'interval_in_seconds': '10', 'timeout_in_seconds': '30'})

    assert not result.failed, result.entries[-1]
    assert status_of(hss_tenant, copy) == 'isolating'  # HSS never saw the restore, nor finished isolating the copy
    assert result.runs == 30 // 10 + 1  # followed to the timeout, as HSS may still act on it
    checks = [entry['Contents']['items'] for entry in result.entries[1:]]
    assert [[(row['host_id'], row['outcome']) for row in items] for items in checks] == [
        [(copy['host_id'], 'restoring')]] * 2 + [[(copy['host_id'], 'failed')]]
    assert all('isolating' in items[0]['reason'] for items in checks), checks
    last = checks[-1][0]['reason']
    assert 'Run the command again once HSS lists it isolated' in last, last
    assert [(row['host_id'], row['outcome']) for row in rows_of(result)] == [(copy['host_id'], 'failed')]
    assert copy['host_id'] in result.entries[-1]['HumanReadable']  # the last table reports it


def test_copies_of_a_lost_batch_hss_never_acted_on_are_counted_when_another_batch_was_refused(hss_tenant):
    # 150 copies of one hash: two PUTs. One batch is refused (503 each attempt: HSS did not act), the other's every
    # answer is lost (504: a gateway gave up) and HSS never got it. The context names no copy by batch (restore_state
    # stays small), so a check cannot tell which copies still isolated were refused; but it can count: more copies
    # still isolated and untouched than the refused batch held were sent in a batch HSS did not refuse, and HSS did
    # not act on them. The last report must say so, not end as if the refused items were all that was left.
    host = sorted(hss_tenant.backend.hosts)[0]
    bulk_hash = 'c' * 64
    hss_tenant.backend.add_isolated_files(host, 150, file_hash=bulk_hash)
    attempts = facts.DEFAULT_MAX_RETRIES + 1
    hss_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=ok,503*{attempts},{every_put_lost()}'))
    hss_tenant.backend.set_clock_skew(60)  # isolated a minute before the restore, on HSS's clock

    result = war_room(hss_tenant, retry_backoff='0', max_concurrency='1').run(
        'hss-restore-isolated', {'file_hash': bulk_hash, 'interval_in_seconds': '10', 'timeout_in_seconds': '30'})

    assert not result.failed, result.entries[-1]
    assert hss_tenant.backend.put_sizes == []  # HSS acted on neither batch
    reasons = [row['reason'] for row in result.entries[0]['Contents']['items']]
    lost = sum('may have accepted' in reason for reason in reasons)
    assert 0 < lost < len(reasons) == 150
    last = result.entries[-1]['HumanReadable']
    assert f'{lost:,} of the copies this restore sent' in last and 'did not act on them' in last, last
    assert f'Not counted here: {150 - lost:,} of this restore\'s items' in last  # the refused batch, as before
    assert result.runs == 30 // 10 + 1  # followed to the last check, as a copy HSS may still act on late is
    # each check counts the copies HSS did not act on; those polling goes on from give no note (nor its advice) yet
    still = f'0 restored, 0 restoring, 0 failed, 0 not found, {lost} sent and still isolated, unchanged'
    assert [entry['HumanReadable'].split(': ', 1)[1] for entry in result.entries[1:-1]] == [
        f'{still}; checking again in 10 s.'] * 2, result.entries[1:-1]
    assert last.split('\n')[0].endswith(f': {still}'), last


@settings(max_examples=6, deadline=None)
@given(count=st.integers(101, 300), fates=st.lists(st.sampled_from(['refused', 'lost', 'ok']), min_size=3, max_size=3))
def test_the_copies_hss_never_acted_on_beside_a_refused_batch_are_counted_exactly_when_the_refused_stay_isolated(
        count, fates):
    # Any number of copies in 2 or 3 batches, each refused (503s), lost (504s, HSS never got it) or carried out. The
    # refused batches' copies stay isolated, so the count of those beyond them is exactly the lost batches' copies.
    sizes = [min(100, count - start) for start in range(0, count, 100)]
    fates = fates[:len(sizes)]
    assume('refused' in fates and set(fates) != {'refused'})
    result = restore_batches_of_each_fate(count, fates, timeout=20)

    assert not result.failed, result.entries[-1]
    lost = sum(size for size, fate in zip(sizes, fates) if fate == 'lost')
    refused = sum(size for size, fate in zip(sizes, fates) if fate == 'refused')
    last = result.entries[-1]['HumanReadable']
    assert f'Not counted here: {refused:,} of this restore\'s items' in last, last
    if lost:
        assert f'At least {lost:,} of the copies' in last and result.runs == 20 // 10 + 1, last
    else:  # the other batches were carried out: nothing left to follow after the first check
        assert 'At least' not in last and result.runs == 2, last


def test_a_restore_by_many_hashes_lists_them_side_by_side_at_the_start_and_at_a_check(hss_tenant):
    # README: both commands take lists and run bulk work side by side (max_concurrency requests in flight)
    host = sorted(hss_tenant.backend.hosts)[0]
    added = hss_tenant.backend.add_isolated_files(host, 40)  # 40 files, a hash each: one listing per hash
    hashes = [item['file_hash'] for item in added]
    missing = 'e' * 64  # isolated nowhere: its not_found row comes after the copies, as before
    args = {'file_hash': ','.join(hashes[:20] + [missing] + hashes[20:]), 'polling': 'false'}
    # each run's first request alone (the key untried), then each held till two are out together, however loaded
    in_flight = InFlight(create_hss_app(hss_tenant.gateway), delay=0.05, meet=2, alone=1)
    with LoopbackServer(in_flight) as server:
        params = hss_tenant.params('aksk', max_concurrency='8', hss_endpoint=server.url)
        started = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('hss-restore-isolated', args)
        start_most = in_flight.most
        in_flight.start_again()
        [follow] = started.entries[-1]['Contents']['follow_commands']
        state = follow.split('restore_state=')[1]
        checked = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run(
            'hss-restore-isolated', dict(args, restore_state=state))

    assert not started.failed and not checked.failed, (started.entries[-1], checked.entries[-1])
    assert start_most > 1 and in_flight.most > 1  # listings side by side (one PUT of 40 cannot overlap itself)
    assert hss_tenant.backend.put_sizes == [40]
    first_rows = started.entries[-1]['Contents']['items']
    assert [row['file_hash'] for row in first_rows] == hashes + [missing]
    assert [row['outcome'] for row in first_rows] == ['restoring'] * 40 + ['not_found']
    assert {row['file_hash'] for row in rows_of(checked)} == set(hashes) | {missing}


def test_the_commands_of_many_incidents_with_a_password_iam_refused_do_not_lock_the_iam_user_out(hss_tenant):
    # Each incident's playbook runs the command (and each polling check is a run of its own): IAM counts every wrong
    # password sent, and by default locks the user (which other tools may share) at 5 within 15 minutes.
    wrong = {**hss_tenant.base_params['hss_credentials'], 'password': 'not-the-password'}
    room = war_room(hss_tenant, 'token', hss_credentials=wrong)  # one instance: one integration context

    results = [room.run('hss-restore-isolated', {'file_hash': SINGLE_HASH})
               for _ in range(facts.IAM_LOCKOUT_FAILED_LOGINS + 1)]

    assert all(result.failed for result in results)
    assert not hss_tenant.backend.is_locked(hss_tenant.base_params['hss_domain'], wrong['identifier'])
    assert len(hss_tenant.requests_to('POST', '/v3/auth/tokens')) == 1
    assert hss_tenant.requests_to('GET', '/event/isolated-file') == []
    later = results[-1].entries[-1]['Contents']
    assert facts.IAM_WRONG_PASSWORD[1] in later and 'not sent again before' in later and 'Test' in later
    assert wrong['password'] not in json.dumps(room.integration_context)


@pytest.mark.parametrize('hashes, copies', [(1, 3), (25, 4)])
def test_the_last_check_gives_the_follow_command_once_not_on_every_copy_still_restoring(hss_tenant, hashes, copies):
    # A host whose agent is offline never takes the restore task (test_data/hss/README.md): its copies are still
    # restoring when polling stops. The follow command names every hash (25 make it kilobytes long): each of a
    # thousand rows repeating it would be megabytes of one line. The entry gives it once, and each row says where.
    [offline] = [host for host in load_json(HSS_SEED)['hosts'] if host.get('agent_status') == 'offline']
    asked = [f'{n:064x}' for n in range(1, hashes + 1)]
    for file_hash in asked:
        hss_tenant.backend.add_isolated_files(offline['host_id'], copies, file_hash=file_hash)

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': json.dumps(asked),
                                                               'interval_in_seconds': '10', 'timeout_in_seconds': '30'})

    last = result.entries[-1]
    [follow] = last['Contents']['follow_commands']
    rows = rows_of(result)
    assert len(rows) == hashes * copies and {row['outcome'] for row in rows} == {'restoring'}
    for row in rows:
        assert offline['host_name'] in row['reason'] and 'online' in row['reason'], row
        assert follow not in row['reason'] and 'follow_commands' in row['reason'], row
    assert last['HumanReadable'].count(follow) == 1 and follow not in json.dumps(last['EntryContext'])


def requests_of_a_restore(args: dict) -> list:
    tenant = start_hss_tenant()
    try:
        result = war_room(tenant).run('hss-restore-isolated', dict(args, polling='false'))
        assert not result.failed, result.entries
        return [(r.method, r.path, r.query, r.body) for r in tenant.gateway.requests]
    finally:
        tenant.stack.close()


@settings(max_examples=6, deadline=None)
@given(field=st.sampled_from(['host_id', 'file_hash']), before=st.text(' \t', max_size=3),
       after=st.text(' \t', max_size=3))
def test_an_hss_id_or_hash_pasted_with_blanks_around_it_sends_the_same_request_as_without(field, before, after):
    # A host ID or hash copied from a console often brings a blank along: HSS matches them exactly, so sent as it is
    # it finds no copy and nothing is restored. The JSON list form and a context list keep an item as given.
    [copy] = COPIES[SINGLE_HASH]
    exact = {name: copy[name] for name in ('host_id', 'file_hash', 'file_path')}
    padded = dict(exact, **{field: before + copy[field] + after})

    as_given = requests_of_a_restore({name: json.dumps([value]) for name, value in exact.items()})

    assert requests_of_a_restore({name: json.dumps([value]) for name, value in padded.items()}) == as_given
    assert any(r[0] == 'PUT' and r[3] for r in as_given)


def test_polling_given_empty_is_read_as_not_given_and_follows_each_copy_until_restored_as_its_default_says(hss_tenant):
    # integration.yml: polling's defaultValue is 'true' (follow each copy until HSS lists it restored). The war room
    # fills a default in only for an argument left out; one given empty (a task's input left blank) reaches the
    # integration, which reads it as not given: the same restore as without it.
    assert load_spec().command('hss-restore-isolated').arguments['polling'].default == 'true'

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': SINGLE_HASH, 'polling': ''})

    assert not result.failed, result.entries
    assert {row['outcome'] for row in rows_of(result)} == {'restored'}
    for copy in COPIES[SINGLE_HASH]:
        assert status_of(hss_tenant, copy) == 'restored'


def test_a_polling_timeout_of_7_days_the_longest_integration_yml_documents_is_taken(hss_tenant):
    # integration.yml: timeout_in_seconds is "604800 at most (7 days)": that many is a timeout, not a bad argument.
    result = war_room(hss_tenant).run('hss-restore-isolated', {
        'file_hash': SINGLE_HASH, 'timeout_in_seconds': str(facts.MAX_POLLING_TIMEOUT)})

    assert not result.failed, result.entries
    assert {row['outcome'] for row in rows_of(result)} == {'restored'}


def bulk_exact_args(tenant, count: int) -> dict:
    """``count`` copies isolated on one host, asked for as exact items (no listing: every request is a PUT)."""
    items = tenant.backend.add_isolated_files(COPIES[SINGLE_HASH][0]['host_id'], count)
    return {name: json.dumps([item[name] for item in items]) for name in ('host_id', 'file_hash', 'file_path')}


def test_restore_requests_counts_the_puts_sent_not_the_batches_a_refusal_stopped(hss_tenant):
    # The secret key is replaced in IAM once HSS took the first of 3 batches: the gateway refuses the second (401
    # APIGW.0301), which every later request would meet too, so the third is never sent. Contents.restore_requests
    # says how many restore requests went to HSS: the PUTs its gateway logged.
    args = bulk_exact_args(hss_tenant, 2 * facts.HSS_MAX_ITEMS_PER_REQUEST + 50)
    app, access_key = create_hss_app(hss_tenant.gateway), hss_tenant.base_params['hss_aksk']['identifier']

    def rotating_the_secret_key_after_a_put(request):
        reply = app(request)
        if request.method == 'PUT':
            hss_tenant.backend.add_access_key(access_key, 'replaced-' + hss_tenant.base_params['hss_aksk']['password'])
        return reply

    front = LoopbackServer(rotating_the_secret_key_after_a_put).start()
    try:
        result = war_room(hss_tenant, hss_endpoint=front.url, max_concurrency='1').run(
            'hss-restore-isolated', {**args, 'polling': 'false'})
    finally:
        front.stop()

    puts = hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert not result.failed and len(puts) == 2, result.entries[-1]
    assert result.entries[-1]['Contents']['restore_requests'] == len(puts)


def test_restore_requests_leaves_out_the_batches_whose_connection_hss_never_took(hss_tenant):
    # HSS's front stops taking connections once the first of 3 batches went out (an outage, a dropped route): the
    # other two are refused before a byte of them reaches HSS. Contents.restore_requests says how many restore
    # requests went to HSS (README: none that was not sent): the PUTs its gateway logged.
    count = 2 * facts.HSS_MAX_ITEMS_PER_REQUEST + 50
    args = bulk_exact_args(hss_tenant, count)
    app, taken = create_hss_app(hss_tenant.gateway), []

    def counting_puts(request):
        reply = app(request)
        taken.append(request.method == 'PUT')
        return reply

    front = LoopbackServer(counting_puts).start()
    room = WarRoom(params=hss_tenant.params('aksk', hss_endpoint=front.url, max_concurrency='1', max_retries='0'),
                   time_scale=0, sleep=lambda _: None,
                   on_progress=lambda text: front.stop() if any(taken) else None)  # a batch's end, on the main thread
    try:
        result = room.run('hss-restore-isolated', {**args, 'polling': 'false'})
    finally:
        front.stop()

    puts = hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert not result.failed and len(puts) == 1, result.entries[-1]
    failed = [row['reason'] for row in rows_of(result) if row['outcome'] == 'failed']
    assert len(failed) == count - facts.HSS_MAX_ITEMS_PER_REQUEST and all('connect' in r for r in failed), failed[:1]
    assert result.entries[-1]['Contents']['restore_requests'] == len(puts)


def test_the_progress_line_counts_no_restore_request_sent_whose_connection_hss_never_took(hss_tenant):
    # HSS's front stops taking connections once the first of 3 batches went out: the other two never reach HSS, so
    # the progress line XSOAR shows while the restore runs counts one request sent, not 3 of 3.
    args = bulk_exact_args(hss_tenant, 2 * facts.HSS_MAX_ITEMS_PER_REQUEST + 50)
    app, taken, seen = create_hss_app(hss_tenant.gateway), [], []

    def counting_puts(request):
        reply = app(request)
        taken.append(request.method == 'PUT')
        return reply

    def stopping_after_a_put(text: str) -> None:  # a batch's end, on the main thread
        seen.append(text)
        if any(taken):
            front.stop()

    front = LoopbackServer(counting_puts).start()
    room = WarRoom(params=hss_tenant.params('aksk', hss_endpoint=front.url, max_concurrency='1', max_retries='0'),
                   time_scale=0, sleep=lambda _: None, on_progress=stopping_after_a_put)
    try:
        result = room.run('hss-restore-isolated', {**args, 'polling': 'false'})
    finally:
        front.stop()

    assert not result.failed and len(hss_tenant.requests_to('PUT', '/event/isolated-file')) == 1, result.entries[-1]
    restores = [line for line in seen if line.startswith('HSS restore requests')]
    assert restores == ['HSS restore requests sent: 1/3'] * 3, seen


def test_restore_requests_counts_a_batch_retried_after_a_fault_once(hss_tenant):
    # A 503 comes before HSS acts (warroom/emulator/faults.py): the batch goes again whole. It is one restore request.
    args = bulk_exact_args(hss_tenant, 2 * facts.HSS_MAX_ITEMS_PER_REQUEST + 50)
    plan = FaultPlan.parse('sequence=503;retry-after=0')
    inject_hss_faults(hss_tenant, 'hss', plan)

    result = war_room(hss_tenant, max_concurrency='1').run('hss-restore-isolated', {**args, 'polling': 'false'})

    assert not result.failed and len(plan.injected) == 1, result.entries[-1]
    # The plan saw every PUT that reached HSS (no listing here); the faulted one went again.
    assert result.entries[-1]['Contents']['restore_requests'] == plan.seen - len(plan.injected)


@pytest.mark.parametrize('batches', [3, 100])
def test_a_start_hss_took_nothing_of_names_each_batchs_reason_once_with_what_it_covers(hss_tenant, batches):
    # The first batch holds a copy HSS does not list isolated (its 400 refuses the batch), the second meets a 503 whose
    # Retry-After (an hour) pauses every later turn past the run's time: the rest are never sent. HSS took nothing, so
    # the start is an error entry: it names each reason its rows give, once, in batch order, with the items and
    # batches it covers (HSS takes 100 items a request: facts.HSS_MAX_ITEMS_PER_REQUEST), however many batches.
    most, host = facts.HSS_MAX_ITEMS_PER_REQUEST, COPIES[SINGLE_HASH][0]['host_id']
    items = [{'host_id': host, 'file_hash': 'e' * 64, 'file_path': '/not/isolated'}]
    items += hss_tenant.backend.add_isolated_files(host, batches * most - 1)
    args = {name: json.dumps([item[name] for item in items]) for name in ('host_id', 'file_hash', 'file_path')}
    inject_hss_faults(hss_tenant, 'hss', FaultPlan.parse('sequence=ok,503;retry-after=3600'))

    result = war_room(hss_tenant, max_concurrency='1').run('hss-restore-isolated', {**args, 'polling': 'false'})

    message = str(result.entries[-1]['Contents'])
    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR, message
    rows = rows_of(result)
    reasons = list(dict.fromkeys(row['reason'] for row in rows))
    assert len(rows) == batches * most and len(reasons) == 3, reasons
    assert 'HTTP 400' in reasons[0] and 'HTTP 503' in reasons[1] and reasons[2].startswith('Not sent'), reasons
    covered = [(most, 1), (most, 1), ((batches - 2) * most, batches - 2)]  # items, batches
    assert [message.count(reason) for reason in reasons] == [1, 1, 1], message
    assert [message.index(reason) for reason in reasons] == sorted(message.index(reason) for reason in reasons)
    for reason, (items_covered, batches_covered) in zip(reasons, covered):
        before = message.split(reason)[0]
        nouns = f'{"item" if items_covered == 1 else "items"} in {batches_covered} ' \
                f'{"batch" if batches_covered == 1 else "batches"}'
        assert re.search(rf'\b{items_covered:,} {nouns}: $', before), before
    assert len(message) < sum(map(len, reasons)) + 1000  # a reason said once, not once per batch


def test_a_start_hss_took_nothing_of_names_three_reasons_and_counts_the_others(hss_tenant):
    # Five batches, each holding one copy HSS does not list isolated: HSS refuses each with its own 400 (its own
    # request id), so the five reasons differ. An error message of a paragraph per batch would bury what matters
    # under hundreds of them on a large restore: it names the first three and counts the rest, whose rows say theirs.
    most, host = facts.HSS_MAX_ITEMS_PER_REQUEST, COPIES[SINGLE_HASH][0]['host_id']
    items = []
    for batch in range(5):
        items += [{'host_id': host, 'file_hash': f'{batch:x}' * 64, 'file_path': f'/not/isolated/{batch}'}]
        items += hss_tenant.backend.add_isolated_files(host, most - 1)
    args = {name: json.dumps([item[name] for item in items]) for name in ('host_id', 'file_hash', 'file_path')}

    result = war_room(hss_tenant, max_concurrency='1').run('hss-restore-isolated', {**args, 'polling': 'false'})

    message = str(result.entries[-1]['Contents'])
    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR, message
    reasons = list(dict.fromkeys(row['reason'] for row in rows_of(result)))
    assert len(reasons) == 5 and all('HTTP 400' in reason for reason in reasons), reasons
    assert [reason in message for reason in reasons] == [True] * 3 + [False] * 2, message
    assert '2 other reasons' in message, message


def test_restore_requests_leaves_out_a_batch_whose_turn_never_came_and_its_rows_say_it_was_not_sent(hss_tenant):
    # HSS takes the first of 3 batches, then throttles the second (429) asking to wait an hour: past what one run may
    # wait, so the third batch's turn never comes. It was never sent: Contents.restore_requests counts the 2 PUTs that
    # reached HSS (README, Batches: "none that was not sent"), and its 50 rows say it failed as not sent, naming the
    # wait, while HSS still lists those copies isolated.
    args = bulk_exact_args(hss_tenant, 2 * facts.HSS_MAX_ITEMS_PER_REQUEST + 50)
    plan = FaultPlan.parse('sequence=ok,429;retry-after=3600')
    inject_hss_faults(hss_tenant, 'hss', plan)

    result = war_room(hss_tenant, max_concurrency='1').run('hss-restore-isolated', {**args, 'polling': 'false'})

    entry = result.entries[-1]
    assert not result.failed and [fault.kind for fault in plan.injected] == ['429'], entry
    # no listing here: every request the plan saw is a PUT
    assert entry['Contents']['restore_requests'] == plan.seen == 2
    never_sent = rows_of(result)[2 * facts.HSS_MAX_ITEMS_PER_REQUEST:]
    assert len(never_sent) == 50 and {row['outcome'] for row in never_sent} == {'failed'}
    for row in never_sent:
        assert row['reason'].startswith('Not sent to Huawei Cloud HSS') and '3600 s' in row['reason'], row
        assert status_of(hss_tenant, row) == 'isolated'


@pytest.mark.parametrize('polling', ['true', 'false'])
def test_a_start_hss_throttles_past_its_time_says_polling_true_only_to_a_run_without_it(hss_tenant, polling):
    # HSS throttles the start's listing (429) asking to wait an hour: past what a run waits and the polling time, so
    # the command fails with the advice for a throttle no run waited out. "polling=true" is advice only to a run that
    # had polling=false; one that polled already is told the rest (later, or a larger timeout_in_seconds).
    hss_tenant.gateway.inject_faults(FaultPlan.parse('rate=1;kinds=429;retry-after=3600'))

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': SINGLE_HASH, 'polling': polling})

    assert result.failed, result.entries[-1]
    message = result.entries[-1]['Contents']
    assert 'HTTP 429' in message and 'larger timeout_in_seconds' in message, message
    assert ('polling=true' in message) is (polling == 'false'), message


def test_a_start_hss_throttles_under_a_short_execution_timeout_gives_the_wait_such_a_run_has(hss_tenant):
    # HSS throttles the start's listing asking to wait 25 s, past what a run given 30 s waits: its advice said "one run
    # waits at most 165 s", XSOAR's 3 minutes' figure, where restore-file's names the run's own (test_builtin_args.py).
    hss_tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=25'))

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': SINGLE_HASH, 'polling': 'false',
                                                               'execution-timeout': '30'})

    message = result.entries[-1]['Contents']
    said = re.search(r'one run waits at most (\d+) s', message)
    waited = re.search(r'past the (\d+) s this command waits for throttling', message)
    assert result.failed and said and waited and said.group(1) == waited.group(1), message
    assert int(said.group(1)) < 30

def test_a_start_hss_took_nothing_of_counts_a_last_batch_of_fewer_items_as_a_batch(hss_tenant):
    # HSS takes 100 items a request (facts.HSS_MAX_ITEMS_PER_REQUEST), so 250 items go in 3 batches, the last of 50.
    # The first is refused (a copy HSS does not list isolated: 400), the second meets a 503 whose Retry-After (an hour)
    # pauses the turns past the run's time: the last batch is never sent. Its reason covers 50 items in 1 batch.
    most, host = facts.HSS_MAX_ITEMS_PER_REQUEST, COPIES[SINGLE_HASH][0]['host_id']
    items = [{'host_id': host, 'file_hash': 'e' * 64, 'file_path': '/not/isolated'}]
    items += hss_tenant.backend.add_isolated_files(host, 2 * most + most // 2 - 1)
    args = {name: json.dumps([item[name] for item in items]) for name in ('host_id', 'file_hash', 'file_path')}
    inject_hss_faults(hss_tenant, 'hss', FaultPlan.parse('sequence=ok,503;retry-after=3600'))

    result = war_room(hss_tenant, max_concurrency='1').run('hss-restore-isolated', {**args, 'polling': 'false'})

    message = str(result.entries[-1]['Contents'])
    assert result.failed and result.entries[-1]['Type'] == ENTRY_ERROR, message
    reasons = list(dict.fromkeys(row['reason'] for row in rows_of(result)))
    assert len(reasons) == 3 and reasons[2].startswith('Not sent'), reasons
    before = message.split(reasons[2])[0]
    assert most // 2 > 1 and re.search(rf'\b{most // 2} items in 1 batch: $', before), before


def test_a_start_hss_throttles_one_batch_of_and_refuses_another_of_fails_naming_the_refusal_not_put_off(hss_tenant):
    # 150 items in 2 batches. HSS throttles the second (a 429 past what one run may wait, which at every batch would
    # put the start off: README, hss-restore-isolated) and refuses the first for a reason of its own (a copy it does
    # not list isolated: 400 HSS.0011). Throttling did not hold back every batch, so the start is not put off: its
    # error entry names the refusal. The throttled batch ends first (a start put off names the first ended batch's
    # error): the front holds the first batch's PUT until the second's end was reported (the progress line, on the
    # main thread), so the second is the plan's first request.
    # Token auth: with AK/SK the run's first PUT goes alone until the gateway takes a signature, which a 429 does not.
    most, host = facts.HSS_MAX_ITEMS_PER_REQUEST, COPIES[SINGLE_HASH][0]['host_id']
    refused = {'host_id': host, 'file_hash': 'e' * 64, 'file_path': '/not/isolated'}
    items = [refused, *hss_tenant.backend.add_isolated_files(host, most + most // 2 - 1)]
    args = {name: json.dumps([item[name] for item in items]) for name in ('host_id', 'file_hash', 'file_path')}
    plan = FaultPlan.parse('sequence=429;retry-after=300')
    inject_hss_faults(hss_tenant, 'hss', plan)
    app, reported, held = create_hss_app(hss_tenant.gateway), threading.Event(), []

    def the_refused_batch_once_the_throttled_one_ended(request):
        if request.method == 'PUT' and refused['file_path'].encode() in request.body:
            held.append(reported.wait(InFlight.MEET_SECONDS))
        return app(request)

    def reported_on_the_main_thread(text: str) -> None:
        if text.startswith('HSS restore requests'):
            reported.set()

    front = LoopbackServer(the_refused_batch_once_the_throttled_one_ended).start()
    room = WarRoom(params=hss_tenant.params('token', hss_endpoint=front.url, max_concurrency='2'),
                   time_scale=0, sleep=lambda _: None, on_progress=reported_on_the_main_thread)
    try:
        result = room.run('hss-restore-isolated', {**args, 'timeout_in_seconds': '600'}, follow_polling=False)
    finally:
        front.stop()

    entry = result.entries[-1]
    said = entry.get('HumanReadable') or str(entry['Contents'])  # an error entry's text is its Contents
    assert held == [True] and [fault.kind for fault in plan.injected] == ['429'], (held, plan.injected)
    # not start_put_off's answer to a start throttling alone held back: no next start, nothing said to wait for
    assert 'throttled this restore' not in said and 'nothing to run by hand' not in said, said
    assert result.failed and entry['Type'] == ENTRY_ERROR and 'PollingCommand' not in entry, entry
    rows = rows_of(result)
    [reason] = {row['reason'] for row in rows[:most]}
    assert 'HSS.0011' in reason and 'Requested resource not found' in reason, reason
    assert f'{most} items in 1 batch: {reason}' in said, said
    assert all('HTTP 429' in row['reason'] for row in rows[most:]), rows[most]
    assert all(status_of(hss_tenant, item) == 'isolated' for item in items[1:])


def test_a_start_hss_took_nothing_of_counts_only_the_copies_it_tried_to_send_not_the_hashes_it_found_none_of(
        hss_tenant):
    # Two hashes: one HSS lists isolated copies of, one it lists none of (not_found, never to send). The restore of
    # the copies meets a 503 asking to wait an hour, past the run's time: HSS took none of them. The error counts the
    # items there were to send, the listed copies, not the hash that had none.
    [copy] = COPIES[SINGLE_HASH]
    unknown = hashlib.sha256(b'a file HSS never isolated').hexdigest()
    assert unknown not in COPIES
    plan = FaultPlan.parse('sequence=ok,ok,503;retry-after=3600')  # the two listings go through, the PUT does not
    inject_hss_faults(hss_tenant, 'hss', plan)

    result = war_room(hss_tenant).run('hss-restore-isolated', {'file_hash': f'{SINGLE_HASH},{unknown}',
                                                               'polling': 'false'})

    message = str(result.entries[-1]['Contents'])
    assert result.failed and [(fault.method, fault.kind) for fault in plan.injected] == [('PUT', '503')], message
    outcomes = sorted(row['outcome'] for row in rows_of(result))
    assert outcomes == ['failed', 'not_found'], outcomes
    assert 'none of the 1 item to send' in message, message


def test_restore_requests_counts_a_batch_whose_connection_dropped_after_it_was_sent(hss_tenant):
    # HSS takes the first of 2 batches; the second reaches HSS and its connection is cut with no answer (no retries
    # left: max_retries 0). That PUT went to HSS all the same: Contents.restore_requests counts it (README, Batches:
    # each batch that went out once; none that was not sent), as the fault plan saw it arrive.
    args = bulk_exact_args(hss_tenant, 2 * facts.HSS_MAX_ITEMS_PER_REQUEST)
    plan = FaultPlan.parse('sequence=ok,reset')
    inject_hss_faults(hss_tenant, 'hss', plan)

    result = war_room(hss_tenant, max_concurrency='1', max_retries='0').run('hss-restore-isolated',
                                                                           {**args, 'polling': 'false'})

    entry = result.entries[-1]
    assert not result.failed and [fault.kind for fault in plan.injected] == ['reset'], entry
    # no listing here: every request the plan saw is a PUT
    assert entry['Contents']['restore_requests'] == plan.seen == 2


class ListingServed:
    """Wraps the emulator: answers each isolated-file listing with ``body`` (any page a gateway or HSS version may
    serve), passing every other request (the PUT) on."""

    def __init__(self, app, body):
        self.app, self.body = app, body

    def __call__(self, request):
        if request.method == 'GET' and request.path.endswith('/event/isolated-file'):
            return Response(200, json.dumps(self.body).encode(), {'Content-Type': 'application/json'})
        return self.app(request)


any_json = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-2, 2 ** 63), st.text(max_size=8)),
                        lambda inner: st.one_of(st.lists(inner, max_size=2), st.dictionaries(st.text(max_size=4), inner,
                                                                                             max_size=2)), max_leaves=4)


def listed_copy_fields(copy):
    """A listed copy as HSS's model gives it (IsolatedFileResponseInfo), each field as given, left out or any JSON."""
    return {name: st.one_of(st.just(value), any_json) for name, value in copy.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data(), polling=st.sampled_from(['false', 'true']))
def test_any_listing_hss_may_serve_ends_the_restore_in_words_never_a_fault_of_the_integration(hss_tenant, data,
                                                                                             polling):
    # HSS's model types every field of a listed copy optional; a gateway or another HSS version may serve other shapes.
    # Whatever a 200 listing holds, the command ends in its own entry (an outcome, or an error that says what came).
    [copy] = COPIES[SINGLE_HASH]
    row = st.one_of(st.fixed_dictionaries({}, optional=listed_copy_fields(
        {**copy, 'isolation_status': 'isolated', 'update_time': 1_795_000_000_000})), any_json)
    body = data.draw(st.one_of(st.fixed_dictionaries({'data_list': st.lists(row, max_size=3)},
                                                     optional={'total_num': st.one_of(st.integers(0, 4), any_json)}),
                               any_json))
    with LoopbackServer(ListingServed(create_hss_app(hss_tenant.gateway), body)) as server:
        params = hss_tenant.params('aksk', hss_endpoint=server.url, max_retries='0')
        result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run(
            'hss-restore-isolated', {'file_hash': SINGLE_HASH, 'polling': polling, 'timeout_in_seconds': '20'})

    shown = f'{json.dumps(body)[:300]} -> {[str(entry.get("Contents"))[:400] for entry in result.entries]}'
    assert result.entries, shown
    for entry in result.entries:
        assert 'fault in the integration' not in str(entry) and 'Traceback' not in str(entry), shown


def test_each_pair_given_by_host_name_is_told_a_run_again_line_that_restores_that_pair_alone(hss_tenant):
    """Paired lists of host names and paths: each pair's not_found reason gives the host's ID to run again with. Run as
    said, on the command it came from, it must restore that path on that host, not that host for every path given."""
    copies = [copies[0] for copies in COPIES.values() if copies[0]['healthy']]
    pairs = list({copy['host_id']: copy for copy in copies}.values())[:2]  # two hosts, a path of each
    assert len(pairs) == 2
    args = {'host_id': json.dumps([copy['host_name'] for copy in pairs]),
            'file_path': json.dumps([copy['file_path'] for copy in pairs]), 'polling': 'false'}
    result = war_room(hss_tenant).run('hss-restore-isolated', args)
    reasons = {row['file_path']: row['reason'] for row in rows_of(result)}

    for copy in pairs:
        [said] = re.findall(r'run the command again with (.*host_id=[0-9a-f-]+)', reasons[copy['file_path']])
        told = parse_line(f'!hss-restore-isolated {said}').args
        again = war_room(hss_tenant).run('hss-restore-isolated', dict(args, **told))
        assert [(row['host_id'], row['outcome']) for row in rows_of(again)] == [(copy['host_id'], 'restoring')]
        assert status_of(hss_tenant, copy) != 'isolated'  # HSS took it (its agent may be done already)


def test_a_pair_whose_path_hss_lists_in_another_case_is_told_a_line_that_restores_that_pair_alone(hss_tenant):
    """Paired lists, one path typed in another letter case: its not_found reason names the path HSS lists, to run the
    command again with. Run as said, on the command it came from, it must restore that path on its host alone, not take
    that path for every host given (the other pair then not found)."""
    copies = [copies[0] for copies in COPIES.values() if copies[0]['healthy']]
    typed, other = list({copy['host_id']: copy for copy in copies}.values())[:2]  # two hosts, a path of each
    args = {'host_id': json.dumps([typed['host_id'], other['host_id']]),
            'file_path': json.dumps([typed['file_path'].swapcase(), other['file_path']]), 'polling': 'false'}
    result = war_room(hss_tenant).run('hss-restore-isolated', args)
    [reason] = [row['reason'] for row in rows_of(result) if row['outcome'] == 'not_found']

    [said] = re.findall(r'run the command again with (file_path=.*host_id=[0-9a-f-]+)', reason)
    again = war_room(hss_tenant).run('hss-restore-isolated', dict(args, **parse_line(f'!x {said}').args))
    assert [(row['host_id'], row['outcome']) for row in rows_of(again)] == [(typed['host_id'], 'restoring')]
    assert status_of(hss_tenant, typed) != 'isolated'  # HSS took it (its agent may be done already)


@pytest.mark.parametrize('typed, where', [
    # RFC 8259 section 7: a backslash starts an escape, and \P is none; the 5th character is that backslash
    ('["C:\\Program Files\\AcmeSync\\acmesync-updater.exe"]', 'Invalid \\escape at character 5'),
    ('["/a" "/b"]', "Expecting ',' delimiter at character 7"),
    # a list cut short inside a path (copied up to a line's end): where its quote opened, said once
    ('["C:/Tools/acmesync-updater.exe', 'Unterminated string starting at character 2'),
])
def test_a_path_list_json_cannot_read_says_where_json_stopped_reading_it(hss_tenant, typed, where):
    """A Windows path in a JSON list with its backslashes single (as an analyst copies it) is no JSON: the error
    says at which character and why, since the value it quotes shows each backslash as JSON writes it, doubled."""
    demisto = Demisto(hss_tenant.params(), 'hss-restore-isolated',
                      {'host_id': COPIES[SHARED_HASH][0]['host_id'], 'file_path': typed}, {}, [])

    ri.main(demisto)

    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR and f'is not a JSON list ({where})' in entry['Contents'], entry['Contents']
    assert hss_tenant.gateway.requests == []
