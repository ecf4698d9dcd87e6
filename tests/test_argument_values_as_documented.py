"""Command arguments read as integration.yml describes them, at the edges a slip in a check would move: each end of a
documented range is a value the command takes (generated, and over HTTP to the emulators through the war room)."""
from __future__ import annotations

import pytest
from hypothesis import example, given, strategies as st

import facts
import restore_integration as ri
from conftest import hss_seed_copies, seed_holders, start_tenant
from warroom.runtime import WarRoom

XDR_HASH = sorted(seed_holders())[0]
HSS_HASH = sorted(c['file_hash'] for copies in hss_seed_copies().values() for c in copies if c['healthy'])[0]
HOST_COPIES = {}  # host -> the isolated copies the seed puts on it
for copies in hss_seed_copies().values():
    for held in copies:
        HOST_COPIES.setdefault(held['host_id'], []).append(held)
LONGEST = {'interval_in_seconds': facts.MAX_POLLING_INTERVAL, 'timeout_in_seconds': facts.MAX_POLLING_TIMEOUT}


# integration.yml: interval_in_seconds "10 at least, 86400 at most"; timeout_in_seconds "604800 at most (7 days); while
# polling, at least interval_in_seconds". Every pair within those bounds is taken as given, as text or as a number.
@given(interval=st.integers(facts.MIN_POLLING_INTERVAL, facts.MAX_POLLING_INTERVAL),
       timeout=st.integers(facts.MIN_POLLING_INTERVAL, facts.MAX_POLLING_TIMEOUT), form=st.sampled_from([str, int]))
@example(interval=facts.MAX_POLLING_INTERVAL, timeout=facts.MAX_POLLING_TIMEOUT, form=str)
@example(interval=facts.MIN_POLLING_INTERVAL, timeout=facts.MIN_POLLING_INTERVAL, form=int)
def test_polling_values_within_the_documented_bounds_are_taken_as_given(interval, timeout, form):
    timeout = max(timeout, interval)
    args = {'polling': 'true', 'interval_in_seconds': form(interval), 'timeout_in_seconds': form(timeout)}

    assert ri.polling_arguments(args) == (True, interval, timeout)


def run(params: dict, command: str, args: dict):
    return WarRoom(params=params, time_scale=0, sleep=lambda _: None).run(command, args)


def scheduled(entry: dict) -> tuple:
    """The check an entry schedules: its command, when it runs and XSOAR's timeout for the sequence, as text."""
    return entry.get('PollingCommand'), entry.get('NextRun'), entry.get('Timeout')


# The first run's check comes the longest interval later, under the longest timeout plus the README's margin
POLLED_AT = (str(facts.MAX_POLLING_INTERVAL), str(facts.MAX_POLLING_TIMEOUT + facts.POLLING_TIMEOUT_MARGIN_SECONDS))


# A playbook that polls once a day for a week gives both arguments their largest documented value: the command runs.
def test_restore_file_polls_at_the_longest_documented_interval_and_timeout():
    xdr = start_tenant()
    try:
        result = run(xdr.params(), 'restore-file', {'file_hash': XDR_HASH, **{k: str(v) for k, v in LONGEST.items()}})
    finally:
        xdr.server.stop()

    assert not result.failed, result.entries[-1]['Contents']
    assert xdr.gateway.requests
    assert scheduled(result.entries[0]) == ('restore-file', *POLLED_AT)


def test_hss_restore_isolated_polls_at_the_longest_documented_interval_and_timeout(hss_tenant):
    result = run(hss_tenant.params(), 'hss-restore-isolated',
                 {'file_hash': HSS_HASH, **{k: str(v) for k, v in LONGEST.items()}})

    assert not result.failed, result.entries[-1]['Contents']
    assert hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert scheduled(result.entries[0]) == ('hss-restore-isolated', *POLLED_AT)


# integration.yml: "0 to 9 is read as 10, the soonest XSOAR runs a next check" (tests/facts.py: ScheduledCommand)
@pytest.mark.parametrize('interval', [facts.SMALLEST_INTERVAL_TAKEN, facts.MIN_POLLING_INTERVAL - 1])
def test_hss_restore_isolated_given_an_interval_below_ten_restores_and_checks_ten_seconds_later(hss_tenant, interval):
    result = run(hss_tenant.params(), 'hss-restore-isolated', {'file_hash': HSS_HASH, 'interval_in_seconds': interval})

    assert not result.failed, result.entries[-1]['Contents']
    assert hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert result.entries[0]['NextRun'] == str(facts.MIN_POLLING_INTERVAL)


@pytest.mark.parametrize('name', sorted(LONGEST))
def test_one_past_the_longest_documented_polling_value_is_refused_naming_it(hss_tenant, name):
    result = run(hss_tenant.params(), 'hss-restore-isolated', {'file_hash': HSS_HASH, name: str(LONGEST[name] + 1)})

    assert result.failed and name in result.entries[-1]['Contents'], result.entries[-1]['Contents']
    assert hss_tenant.gateway.requests == []



def test_one_past_the_longest_interval_is_refused_naming_it_also_under_the_longest_timeout(hss_tenant):
    # Under the default timeout, an interval past the longest is refused as longer than it: here only its own bound can
    args = {'file_hash': HSS_HASH, 'interval_in_seconds': str(facts.MAX_POLLING_INTERVAL + 1),
            'timeout_in_seconds': str(facts.MAX_POLLING_TIMEOUT)}
    result = run(hss_tenant.params(), 'hss-restore-isolated', args)

    assert result.failed and 'interval_in_seconds' in result.entries[-1]['Contents'], result.entries[-1]['Contents']
    assert 'shorter than' not in result.entries[-1]['Contents']
    assert hss_tenant.gateway.requests == []


# "while polling, at least interval_in_seconds": without polling, a timeout of one second bounds the wait for turns.
@pytest.mark.parametrize('form', [str, int])
def test_a_timeout_of_one_second_without_polling_is_taken_as_given(form):
    polling, _, timeout = ri.polling_arguments({'polling': 'false', 'timeout_in_seconds': form(1)})

    assert (polling, timeout) == (False, 1)


# "1 at least", with polling or without: a timeout of 0 would read as no wait for turns or as no limit at all (as a
# 0 timeout means in many tools), so it is refused, naming the argument, before any request.
@pytest.mark.parametrize('polling', ['false', 'true'])
def test_a_timeout_of_zero_seconds_is_refused_naming_it_also_without_polling(hss_tenant, polling):
    result = run(hss_tenant.params(), 'hss-restore-isolated',
                 {'file_hash': HSS_HASH, 'polling': polling, 'timeout_in_seconds': str(facts.MIN_POLLING_TIMEOUT - 1)})

    assert result.failed and 'timeout_in_seconds' in result.entries[-1]['Contents'], result.entries[-1]['Contents']
    assert hss_tenant.gateway.requests == []

# integration.yml, file_path: "the items of a comma-separated list are stripped": paths typed with blanks around the
# commas name the copies the host holds, as the same paths in a JSON list do.
@pytest.mark.parametrize('comma', [', ', ' , ', ',\t'])
def test_paths_typed_with_blanks_around_their_commas_restore_the_copies_they_name(hss_tenant, comma):
    host = next(host for host, held in sorted(HOST_COPIES.items()) if len(held) > 1 and all(c['healthy'] for c in held))
    held = HOST_COPIES[host]

    result = run(hss_tenant.params(), 'hss-restore-isolated',
                 {'host_id': host, 'file_path': comma.join(c['file_path'] for c in held), 'polling': 'true'})

    assert not result.failed, result.entries[-1]['Contents']
    for copy in held:
        assert hss_tenant.backend.isolation_status(host, copy['file_hash'], copy['file_path']) == 'restored', copy


@given(items=st.lists(st.text(st.characters(blacklist_characters=',[', blacklist_categories=('Cc', 'Cs', 'Z')),
                              min_size=1, max_size=8).filter(lambda t: t.lower() not in ('none', 'null')),
                      min_size=1, max_size=5),  # None or null: a transformer's text for none found, refused
       blanks=st.lists(st.sampled_from(['', ' ', '  ', '\t']), min_size=10, max_size=10))
def test_comma_separated_items_are_read_without_the_blanks_around_them(items, blanks):
    text = ','.join(f'{blanks[n % 10]}{item}{blanks[(n + 5) % 10]}' for n, item in enumerate(items))

    assert ri.hss_field_list(text, 'file_path') == items


# integration.yml, timeout_in_seconds: "while polling, at least interval_in_seconds": a timeout of exactly one interval
# is taken (one check at most), one second less is refused naming both, before any request.
def test_a_polling_timeout_of_exactly_one_interval_is_taken_and_one_second_less_refused(hss_tenant):
    interval = facts.MIN_POLLING_INTERVAL
    args = {'file_hash': HSS_HASH, 'polling': 'true', 'interval_in_seconds': str(interval)}

    refused = run(hss_tenant.params(), 'hss-restore-isolated', {**args, 'timeout_in_seconds': str(interval - 1)})
    assert hss_tenant.gateway.requests == []
    taken = run(hss_tenant.params(), 'hss-restore-isolated', {**args, 'timeout_in_seconds': str(interval)})

    shown = refused.entries[-1]['Contents']
    assert refused.failed and 'timeout_in_seconds' in shown and 'interval_in_seconds' in shown, shown
    assert not taken.failed, taken.entries[-1]['Contents']
    assert hss_tenant.requests_to('PUT', '/event/isolated-file')
