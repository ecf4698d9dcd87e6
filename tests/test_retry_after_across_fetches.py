"""HSS's Retry-After holds across fetches. RFC 9110, section 10.2.3: Retry-After is how long "the user agent ought to
wait before making a follow-up request". XSOAR runs fetch-incidents at the instance's fetch interval (integration.yml's
incidentFetchInterval: 1 minute by default) and keeps no last run of a failed fetch (content-docs,
fetching-incidents.md), so the wait a throttled fetch met lives in the instance's integration context, as the IAM token
does. Over HTTP to the HSS emulator, each request's arrival timed on a test clock; the 429 is injected by its fault
plan."""
from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from unittest import mock
from urllib.parse import urlsplit

import pytest
from hypothesis import given, strategies as st

import restore_integration as ri
from conftest import (Arrivals, FakeClock, cached_token, hss_seed_copies, inject_hss_faults, integration_on_clock,
                      seed_holders, start_hss_tenant, start_tenant)
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss.models import ALL_ENTERPRISE_PROJECTS
from warroom.emulator.hss.responses import create_app as create_hss_app, create_iam_app
from warroom.emulator.httpserver import LoopbackServer
from warroom.runtime import Demisto, FetchError, WarRoom
from warroom.spec import load_spec

# README, "One run stays short": one run waits at most 165 s for its turns. A wait asked past it outlasts a fetch.
LONGER_THAN_A_RUN_S = 300
FETCH_INTERVAL_S = 60 * int(load_spec().params['incidentFetchInterval'].default)  # minutes in integration.yml
DAY_S = 86_400
# How messages write a moment (README: "after 2026-01-05 10:15:00 UTC")
UTC_TIME = r'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC'


@pytest.fixture
def fetching(monkeypatch):
    """An HSS tenant behind a server that times each arrival, a war room (one instance: one integration context) whose
    waits move the test clock, and the integration's wall clock, which HSS's moves with."""
    clock = FakeClock()
    moved = integration_on_clock(monkeypatch, clock)
    tenant = start_hss_tenant(clock=clock, wall_clock=moved.time)
    arrivals = Arrivals(create_hss_app(tenant.gateway), clock)
    front = LoopbackServer(arrivals).start()
    room = WarRoom(params=tenant.params('aksk', hss_endpoint=front.url), sleep=clock.advance, clock=clock,
                   integration_context={})
    yield tenant, room, arrivals, moved
    front.stop()
    tenant.stack.close()


def throttled_fetch(tenant, room, arrivals, moved) -> float:
    """A fetch whose first listing HSS throttles with a Retry-After past what a run waits: when the wait ends (the
    integration's wall clock)."""
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))
    with pytest.raises(FetchError, match='APIGW.0308'):
        room.fetch({})
    assert len(arrivals.times) == 1
    return moved.base + arrivals.times[0] + LONGER_THAN_A_RUN_S


def utc_seconds(text: str) -> float:
    return datetime.strptime(text, '%Y-%m-%d %H:%M:%S').replace(tzinfo=timezone.utc).timestamp()


def test_a_fetch_while_the_wait_hss_asked_of_an_earlier_fetch_runs_sends_nothing_and_says_until_when(fetching):
    tenant, room, arrivals, moved = fetching
    ends = throttled_fetch(tenant, room, arrivals, moved)
    room.clock.advance(FETCH_INTERVAL_S)  # XSOAR's next fetch

    with pytest.raises(FetchError) as raised:
        room.fetch({})
    message = str(raised.value)

    assert len(arrivals.times) == 1, 'nothing reached HSS before its wait had passed'
    until = re.search(rf'Huawei Cloud HSS asked to wait until {UTC_TIME}', message)
    assert until and abs(utc_seconds(until[1]) - ends) <= 1, message
    assert re.search(rf'next fetch after (that time|{UTC_TIME}) goes on from where', message), message
    assert 'Run the command' not in message and 'Try again' not in message, message


def test_a_fetch_while_the_wait_hss_asked_of_an_earlier_fetch_runs_names_the_end_of_that_wait_once(fetching):
    # The message already says until when HSS asked to wait and that the next fetch after that time goes on; the same
    # end said again ("Fetches may be throttled until <time>") tells the user nothing more.
    tenant, room, arrivals, moved = fetching
    ends = throttled_fetch(tenant, room, arrivals, moved)
    room.clock.advance(FETCH_INTERVAL_S)

    with pytest.raises(FetchError) as raised:
        room.fetch({})

    told = re.findall(UTC_TIME, str(raised.value))
    assert len(arrivals.times) == 1 and len(told) == 1, str(raised.value)
    assert abs(utc_seconds(told[0]) - ends) <= 1, str(raised.value)  # the end of the wait HSS asked of that fetch


def test_an_hss_restore_without_polling_while_the_wait_hss_asked_of_a_fetch_runs_names_its_end_once(fetching):
    # README: hss-restore-isolated honours the kept wait; without polling it fails saying when to run it again: once.
    tenant, room, arrivals, moved = fetching
    ends = throttled_fetch(tenant, room, arrivals, moved)
    file_hash = sorted(hss_seed_copies())[0]

    result = room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
    message = str(result.entries[-1]['Contents'])

    assert result.failed and len(arrivals.times) == 1, message
    until = re.search(rf'Huawei Cloud HSS asked to wait until {UTC_TIME}', message)
    assert until and abs(utc_seconds(until[1]) - ends) <= 1, message
    assert len(re.findall(UTC_TIME, message)) == 1, message


def test_a_command_refused_before_sending_while_the_wait_hss_asked_of_a_fetch_runs_says_to_try_again_after_it(
        fetching):
    # An hss-restore-isolated whose argument is refused sends nothing (README: every input is checked before any
    # request), and its refusal tells no time of its own. HSS asked the fetch before it to wait (the instance keeps that
    # wait): the error adds when to try again, the end of that wait, once, as "Try again, after <time>".
    tenant, room, arrivals, moved = fetching
    ends = throttled_fetch(tenant, room, arrivals, moved)
    room.clock.advance(FETCH_INTERVAL_S)

    # integration.yml: file_attr is "only used with explicit items" (host_id, file_hash and file_path), not a hash alone
    args = {'file_hash': sorted(hss_seed_copies())[0], 'file_attr': '0', 'polling': 'false'}
    result = room.run('hss-restore-isolated', args)
    message = str(result.entries[-1]['Contents'])

    assert result.failed and 'file_attr' in message and len(arrivals.times) == 1, message
    told = re.search(rf'\. Try again, after {UTC_TIME} \(in \d+ s, as Huawei Cloud HSS asked to wait: '
                     r'Retry-After\)\.$', message)
    assert told and abs(utc_seconds(told[1]) - ends) <= 1, message
    assert len(re.findall(r'\bagain\b', message, re.IGNORECASE)) == 1, message


def test_a_fetch_once_the_wait_hss_asked_of_an_earlier_fetch_has_passed_lists_and_makes_incidents(fetching):
    tenant, room, arrivals, moved = fetching
    ends = throttled_fetch(tenant, room, arrivals, moved)
    room.clock.advance(ends - moved.time() + 1)

    incidents, last_run = room.fetch({})

    assert len(arrivals.times) > 1 and incidents and last_run

def test_the_instance_test_while_the_wait_hss_asked_of_a_fetch_runs_is_not_held_back_by_it(fetching):
    # README: hss-restore-isolated honours the wait too, "`test-module` does not (it has no integration context)":
    # the admin's Test reaches HSS at once, and the wait stays kept for the fetches.
    tenant, room, arrivals, moved = fetching
    throttled_fetch(tenant, room, arrivals, moved)
    kept = dict(room.integration_context)
    room.clock.advance(FETCH_INTERVAL_S)

    tested = room.run('test-module', {})

    assert not tested.failed and tested.entries[-1]['Contents'] == 'ok', tested.entries[-1]
    assert len(arrivals.times) > 1 and room.integration_context == kept


def test_a_fetch_late_in_the_wait_waits_out_what_is_left_and_lists_no_sooner(fetching):
    tenant, room, arrivals, moved = fetching
    ends = throttled_fetch(tenant, room, arrivals, moved)
    room.clock.advance(LONGER_THAN_A_RUN_S - FETCH_INTERVAL_S)  # a minute of the wait left: less than a run waits

    incidents, _ = room.fetch({})

    assert incidents and moved.base + arrivals.times[1] >= ends, (arrivals.times, ends - moved.base)


def test_a_wait_kept_over_a_day_ahead_of_a_clock_set_back_is_not_waited_for(fetching):
    # This machine's clock set back two days (an NTP step, the instance moved to an engine whose clock is behind):
    # the wait's end reads more than a day ahead, as no Retry-After HSS would ask; the fetch lists.
    tenant, room, arrivals, moved = fetching
    throttled_fetch(tenant, room, arrivals, moved)
    tenant.gateway.skew_tolerance_s = 10 ** 9  # HSS's clock (moved with this machine's) is back too
    moved.base -= 2 * DAY_S

    incidents, _ = room.fetch({})

    assert len(arrivals.times) > 1


def test_a_wait_kept_while_this_clock_was_ahead_stops_no_fetch_once_the_wait_hss_asked_has_passed(fetching):
    # This machine's clock half a day ahead when HSS throttled a fetch (set right since by NTP, or the instance moved
    # to an engine whose clock is right): the wait's end kept reads half a day ahead, but HSS asked to wait
    # LONGER_THAN_A_RUN_S only. Once that has passed, a fetch lists.
    tenant, room, arrivals, moved = fetching
    tenant.gateway.skew_tolerance_s = 10 ** 9  # HSS's clock moves with this machine's
    moved.base += DAY_S / 2
    throttled_fetch(tenant, room, arrivals, moved)
    moved.base -= DAY_S / 2
    room.clock.advance(LONGER_THAN_A_RUN_S + 1)

    incidents, _ = room.fetch({})

    assert len(arrivals.times) > 1 and incidents


@pytest.mark.parametrize('kept', ['', 'soon', 'null', '[]', '"12"', 'true', '1e400', 'NaN', '-5'])
def test_a_wait_kept_unreadable_in_the_integration_context_is_not_waited_for(fetching, kept):
    tenant, room, arrivals, moved = fetching
    throttled_fetch(tenant, room, arrivals, moved)
    [key] = room.integration_context  # AK/SK: no token cached, only the wait
    room.integration_context[key] = kept

    incidents, _ = room.fetch({})

    assert len(arrivals.times) > 1 and incidents
    assert key not in room.integration_context, 'nothing left to wait for'


def test_an_hss_restore_while_the_wait_hss_asked_of_a_fetch_runs_is_put_off_until_it_has_passed(fetching):
    # The limit is the project's, shared by every request of the instance: a restore sends no sooner than a fetch may.
    tenant, room, arrivals, moved = fetching
    ends = throttled_fetch(tenant, room, arrivals, moved)
    file_hash = next(file_hash for file_hash, copies in sorted(hss_seed_copies().items())
                     if all(copy['healthy'] for copy in copies))  # restores succeed on each copy's host

    result = room.run('hss-restore-isolated', {'file_hash': file_hash, 'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    assert len(arrivals.times) > 1 and moved.base + arrivals.times[1] >= ends, (arrivals.times, ends - moved.base)


NOW_MS = 1_800_000_000_000
DAY_MS = DAY_S * 1000
HSS_PARAMS = {'hss_endpoint': 'http://127.0.0.1:9', 'hss_project_id': 'p' * 32, 'hss_auth_type': 'aksk',
              'hss_aksk': {'identifier': 'AKTEST', 'password': 'S' * 40}}


class FrozenWallClock:
    """The integration's ``time`` module, its wall clock stopped at NOW_MS; everything else keeps the real one."""

    def __getattr__(self, name):
        return getattr(time, name)

    def time(self):
        return NOW_MS / 1000


MS_AROUND_NOW = st.integers(NOW_MS - 2 * DAY_MS, NOW_MS + 2 * DAY_MS)


def kept_wait(pair):
    """A wait as kept: JSON text of when it was kept and when it ends (ms since 1970), with the pair."""
    return json.dumps({'kept_at': pair[0], 'until': pair[1]}), pair


@given(st.one_of(
    st.integers(NOW_MS - DAY_MS + 1, NOW_MS).flatmap(  # a wait still running, kept by this clock: drawn on its own
        lambda kept_at: st.integers(NOW_MS + 1, kept_at + DAY_MS).map(lambda until: (kept_at, until))).map(kept_wait),
    st.tuples(MS_AROUND_NOW, MS_AROUND_NOW).map(kept_wait),
    st.tuples(st.integers(), st.integers()).map(kept_wait),
    st.tuples(MS_AROUND_NOW, MS_AROUND_NOW).map(lambda pair: (json.dumps({'until': pair[1]}), None)),
    st.integers().map(lambda number: (str(number), None)),  # a bare number: when it was kept is not said
    st.floats().map(lambda number: (json.dumps({'kept_at': NOW_MS, 'until': number}), None)),  # never whole
    st.text(max_size=30).map(lambda text: (text, None))))
def test_a_kept_wait_reads_as_the_seconds_left_only_if_kept_by_this_clock_at_most_a_day_before_it_ends(kept):
    # A wait as the integration keeps it: JSON, when it was kept and when it ends, ms since 1970. Anything else, a time
    # past, a wait over a day (no Retry-After HSS would ask), or one kept later than now by this clock (set back since:
    # how far is not known), is no wait.
    text, pair = kept
    kept_at, until = pair or (None, None)
    readable = pair is not None and kept_at <= NOW_MS < until and until - kept_at <= DAY_MS
    expected = (until - NOW_MS) / 1000 if readable else 0
    with mock.patch.object(ri, 'time', FrozenWallClock()):
        client = ri.build_client('hss', ri.read_instance_settings(HSS_PARAMS, ['hss']), {ri.HSS_PAUSE_KEY: text})

    left = client.limiter.paused_for()  # on the limiter's own clock, a moment on
    assert (expected - 1 < left <= expected) if expected else left == 0, (text, left)


def test_a_wait_another_run_kept_meanwhile_outlives_a_run_that_ended_with_none_of_its_own(fetching):
    # XSOAR runs a fetch and commands of one instance side by side (an engine, a playbook's task), each reading the
    # instance's one integration context at its start and writing it at its end. Two start late in a wait and wait it
    # out; HSS throttles one anew, which keeps the new wait while the other's listing is on its way. The other ends with
    # no wait of its own, but HSS's newer one still holds: a fetch in it sends nothing.
    tenant, room, arrivals, moved = fetching
    throttled_fetch(tenant, room, arrivals, moved)
    room.clock.advance(LONGER_THAN_A_RUN_S - FETCH_INTERVAL_S)
    other = WarRoom(params=room.params, sleep=room.clock.advance, clock=room.clock,
                    integration_context=dict(room.integration_context))  # what the other run read at its start
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))
    with pytest.raises(FetchError, match='APIGW.0308'):
        other.fetch({})
    throttled_at, hss = arrivals.times[-1], arrivals.app
    landed = []

    def the_other_runs_write_lands(request):  # XSOAR saves a run's integration context at its end
        if not landed:
            landed.append(room.integration_context.update(other.integration_context))
        return hss(request)

    arrivals.app = the_other_runs_write_lands
    room.fetch({})  # its wait over, it lists
    sent = len(arrivals.times)
    room.clock.advance(FETCH_INTERVAL_S)

    with pytest.raises(FetchError, match='asked to wait until'):
        room.fetch({})

    assert room.clock() < throttled_at + LONGER_THAN_A_RUN_S
    assert len(arrivals.times) == sent, 'nothing reached HSS before its newer wait had passed'


def test_a_fetch_reads_the_kept_wait_straight_from_xsoar_s_database_not_from_the_instance_s_memory(fetching,
                                                                                                    monkeypatch):
    # XSOAR serves a read of the integration context without refresh "from the instance memory", one with it "straight
    # from the DB" (demistomock.py), and the plain demisto.getIntegrationContext() is one without
    # (DemistoClassApiModuleClasses.py); it says not when that memory lags the database. Here it still holds the
    # context as it was before the throttled fetch kept its wait: the next fetch must meet the wait all the same.
    tenant, room, arrivals, moved = fetching
    throttled_fetch(tenant, room, arrivals, moved)
    memory, read = {}, Demisto.getIntegrationContextVersioned

    def versioned_read(demisto, refresh=False):
        stored = read(demisto, True)
        return stored if refresh else {**stored, 'context': dict(memory)}

    monkeypatch.setattr(Demisto, 'getIntegrationContextVersioned', versioned_read)
    monkeypatch.setattr(Demisto, 'getIntegrationContext', lambda demisto: versioned_read(demisto)['context'])
    room.clock.advance(FETCH_INTERVAL_S)

    with pytest.raises(FetchError, match='asked to wait until'):
        room.fetch({})
    assert len(arrivals.times) == 1, 'nothing reached HSS before its wait had passed'


def test_a_fetch_held_back_by_a_kept_wait_leaves_the_integration_context_unwritten(fetching, monkeypatch):
    # Each write of the integration context replaces it whole, and another run of the instance may have written it
    # meanwhile (its IAM token, IAM's refusal of the password): XSOAR then refuses the write, which is read and made
    # again. A run that only met the wait it read has nothing new to keep, so it writes nothing, versioned or not; the
    # wait it met is still kept for the next fetch.
    from warroom.runtime import Demisto
    tenant, room, arrivals, moved = fetching
    ends = throttled_fetch(tenant, room, arrivals, moved)
    kept = dict(room.integration_context)
    [key] = kept  # AK/SK: no token cached, only the wait
    writes = []

    def counted(original):
        def write(demisto, context, *version):
            writes.append(context)
            original(demisto, context, *version)
        return write

    for name in ('setIntegrationContext', 'setIntegrationContextVersioned'):
        monkeypatch.setattr(Demisto, name, counted(getattr(Demisto, name)))
    room.clock.advance(FETCH_INTERVAL_S)

    with pytest.raises(FetchError, match='asked to wait until'):
        room.fetch({})

    assert writes == [] and room.integration_context == kept and len(arrivals.times) == 1
    room.clock.advance(ends - moved.time() + 1)
    room.fetch({})
    assert writes and key not in room.integration_context, 'the wait, over, is dropped'

def test_a_cortex_xdr_restore_that_drops_a_token_no_longer_used_keeps_the_wait_hss_asked_for(fetching):
    # The wait is HSS's (DEVELOPERS.md, Main: an XDR command leaves it). The instance moved from an IAM token to AK/SK
    # after a throttled fetch: restore-file, which builds no HSS client, drops the token kept for no use (README, "No
    # secret in any output": "the next command or fetch, restore-file too") and keeps the wait, which the next fetch
    # still honours.
    tenant, room, arrivals, moved = fetching
    token_params = tenant.params('token', hss_endpoint=room.params['hss_endpoint'])
    in_token_mode = WarRoom(params=token_params, sleep=room.clock.advance, clock=room.clock,
                            integration_context=room.integration_context)
    ends = throttled_fetch(tenant, in_token_mode, arrivals, moved)
    assert cached_token(room.integration_context)['token']
    xdr = start_tenant(auth_type='standard')
    try:
        both = WarRoom(params={**room.params, **xdr.params()}, sleep=room.clock.advance, clock=room.clock,
                       integration_context=room.integration_context)  # room.params: HSS signed with AK/SK
        result = both.run('restore-file', {'file_hash': sorted(seed_holders())[0], 'polling': 'false'})
    finally:
        xdr.server.stop()

    assert not result.failed, result.entries[-1]
    assert 'token' not in str(room.integration_context), room.integration_context
    with pytest.raises(FetchError) as raised:
        room.fetch({})
    assert len(arrivals.times) == 1, 'nothing reached HSS before its wait had passed'
    until = re.search(rf'Huawei Cloud HSS asked to wait until {UTC_TIME}', str(raised.value))
    assert until and abs(utc_seconds(until[1]) - ends) <= 1, str(raised.value)


def another_project(tenant) -> str:
    """A second project of the tenant's account (HSS project IDs: 32 lowercase hex), which its access key may use."""
    project = tenant.base_params['hss_project_id']
    other = f'{int(project, 16) ^ 1:032x}'
    tenant.backend.projects.add(other)
    return other


@pytest.mark.parametrize('setting', ['hss_endpoint', 'hss_project_id'])
def test_a_wait_hss_asked_of_one_endpoint_or_project_holds_back_no_fetch_of_another(fetching, setting):
    # Huawei's API gateway throttles per endpoint (region) and per project: after a throttled fetch the admin points the
    # instance at another HSS URL, or another project, which never throttled it. The next fetch lists there at once.
    tenant, room, arrivals, moved = fetching
    throttled_fetch(tenant, room, arrivals, moved)
    room.clock.advance(FETCH_INTERVAL_S)
    other_front = LoopbackServer(arrivals).start()  # the same emulated HSS, reached at another URL
    try:
        changed = other_front.url if setting == 'hss_endpoint' else another_project(tenant)
        moved_room = WarRoom(params={**room.params, setting: changed}, sleep=room.clock.advance, clock=room.clock,
                             integration_context=room.integration_context)
        moved_room.fetch({})
    finally:
        other_front.stop()

    assert len(arrivals.times) > 1 and room.clock() < arrivals.times[0] + LONGER_THAN_A_RUN_S
    assert not room.integration_context, 'AK/SK: no token; the wait, of a URL or project no longer set, is dropped'


def moved_to(room, setting: str, url: str) -> WarRoom:
    """The instance of ``room`` (its integration context, its clock) once the admin set ``setting`` to ``url``."""
    return WarRoom(params={**room.params, setting: url}, sleep=room.clock.advance, clock=room.clock,
                   integration_context=room.integration_context)


# RFC 3986, 6.2.2.1: a URL's scheme and host are case-insensitive. The admin typed the endpoint's host with capitals
# ('HTTP://LocalHost:<port>'), a throttled fetch kept the wait, and then retyped it in lower case: the same endpoint,
# whose wait still holds. 127.0.0.1, the same server under another host name, is for a URL another host, as a host
# of another region's endpoint: its wait is not that host's.
RETYPED_HOSTS = pytest.mark.parametrize('retyped, held_back', [('localhost', True), ('127.0.0.1', False)],
                                        ids=['same host in lower case', 'another host'])


@RETYPED_HOSTS
def test_a_wait_hss_asked_holds_back_a_fetch_of_its_host_retyped_in_lower_case_but_not_of_another_host(
        fetching, retyped, held_back):
    tenant, room, arrivals, moved = fetching
    port = urlsplit(room.params['hss_endpoint']).port
    throttled_fetch(tenant, moved_to(room, 'hss_endpoint', f'HTTP://LocalHost:{port}'), arrivals, moved)
    room.clock.advance(FETCH_INTERVAL_S)
    retyped_room = moved_to(room, 'hss_endpoint', f'http://{retyped}:{port}')

    if held_back:
        with pytest.raises(FetchError, match='Huawei Cloud HSS asked to wait until'):
            retyped_room.fetch({})
        assert len(arrivals.times) == 1, 'nothing reached HSS before its wait had passed'
    else:
        incidents, _ = retyped_room.fetch({})
        assert incidents and len(arrivals.times) > 1


def test_a_wait_hss_asked_holds_back_a_fetch_of_the_same_endpoint_and_project_signed_another_way(fetching):
    # The throttle is the endpoint's and the project's, not the credentials': an instance moved from AK/SK to an IAM
    # token, same HSS URL and project, still waits.
    tenant, room, arrivals, moved = fetching
    throttled_fetch(tenant, room, arrivals, moved)
    room.clock.advance(FETCH_INTERVAL_S)
    in_token_mode = WarRoom(params=tenant.params('token', hss_endpoint=room.params['hss_endpoint']),
                            sleep=room.clock.advance, clock=room.clock, integration_context=room.integration_context)

    with pytest.raises(FetchError, match='asked to wait until'):
        in_token_mode.fetch({})

    assert len(arrivals.times) == 1, 'nothing reached HSS before its wait had passed'


# A hash every isolated copy of which is on a healthy host: a restore of it ends restored
HEALTHY_HASH = next(file_hash for file_hash, copies in sorted(hss_seed_copies().items())
                    if all(copy['healthy'] for copy in copies))


# IAM's own Retry-After. In token mode every run asks Huawei Cloud IAM for a token first (unless one is kept). IAM
# throttling that request (429) with a Retry-After past what a run waits asks, as HSS does, that no follow-up token
# request come before it ends: the next fetch a minute later (or a polling check) must not ask again into it. Kept for
# the IAM endpoint and identity the run logged in as (a token's identity: README, "token").


@pytest.fixture
def logging_in(fetching):
    """``fetching`` in token mode, IAM behind a server that times each token request's arrival (the test clock)."""
    tenant, room, arrivals, moved = fetching
    logins = Arrivals(create_iam_app(tenant.gateway), room.clock)
    iam = LoopbackServer(logins).start()
    params = tenant.params('token', hss_endpoint=room.params['hss_endpoint'], hss_iam_endpoint=iam.url)
    yield tenant, WarRoom(params=params, sleep=room.clock.advance, clock=room.clock, integration_context={}), \
        arrivals, logins, moved
    iam.stop()


def iam_throttled_fetch(tenant, room, logins, moved, wait=LONGER_THAN_A_RUN_S) -> float:
    """A fetch whose token request IAM throttles with a Retry-After (``wait``) past what a run waits: when the wait ends
    (the integration's wall clock)."""
    inject_hss_faults(tenant, 'iam', FaultPlan.parse(f'sequence=429;retry-after={wait}'))
    with pytest.raises(FetchError, match='Huawei Cloud IAM'):
        room.fetch({})
    assert len(logins.times) == 1
    return moved.base + logins.times[0] + wait


def test_a_fetch_while_the_wait_iam_asked_of_an_earlier_fetch_runs_asks_iam_nothing_and_says_until_when_once(
        logging_in):
    tenant, room, arrivals, logins, moved = logging_in
    ends = iam_throttled_fetch(tenant, room, logins, moved)
    room.clock.advance(FETCH_INTERVAL_S)  # XSOAR's next fetch

    with pytest.raises(FetchError) as raised:
        room.fetch({})
    message = str(raised.value)

    assert len(logins.times) == 1 and arrivals.times == [], 'no token request before IAM\'s wait had passed'
    until = re.search(rf'Huawei Cloud IAM asked to wait until {UTC_TIME}', message)
    assert until and abs(utc_seconds(until[1]) - ends) <= 1, message
    assert len(re.findall(UTC_TIME, message)) == 1, message
    assert re.search(r'next fetch after that time goes on from where', message), message


def test_an_hss_restore_without_polling_while_the_wait_iam_asked_of_a_fetch_runs_asks_iam_nothing_and_names_its_end(
        logging_in):
    tenant, room, arrivals, logins, moved = logging_in
    ends = iam_throttled_fetch(tenant, room, logins, moved)

    result = room.run('hss-restore-isolated', {'file_hash': sorted(hss_seed_copies())[0], 'polling': 'false'})
    message = str(result.entries[-1]['Contents'])

    assert result.failed and len(logins.times) == 1 and arrivals.times == [], message
    until = re.search(rf'Huawei Cloud IAM asked to wait until {UTC_TIME}', message)
    assert until and abs(utc_seconds(until[1]) - ends) <= 1, message
    assert len(re.findall(UTC_TIME, message)) == 1, message



def test_an_hss_restore_while_the_wait_iam_asked_of_a_fetch_runs_is_put_off_and_asks_for_no_token_before_it_passed(
        logging_in):
    # A polling restore can wait: its start is put off (as for HSS's own wait), asking IAM nothing until the wait ends.
    tenant, room, arrivals, logins, moved = logging_in
    ends = iam_throttled_fetch(tenant, room, logins, moved)
    file_hash = next(file_hash for file_hash, copies in sorted(hss_seed_copies().items())
                     if all(copy['healthy'] for copy in copies))  # restores succeed on each copy's host

    result = room.run('hss-restore-isolated', {'file_hash': file_hash, 'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    assert len(logins.times) == 2 and moved.base + logins.times[1] >= ends, (logins.times, ends - moved.base)
    assert arrivals.times and moved.base + arrivals.times[0] >= ends, 'HSS met no request without a token'


def runs_that_sent_nothing(result) -> list[dict]:
    """The entries of the runs that restored nothing: each lists no item."""
    return [entry for entry in result.entries if not entry['Contents']['items']]


def test_an_hss_restore_put_off_by_the_wait_iam_asked_writes_one_entry_and_starts_again_when_the_wait_ends(
        logging_in):
    # As for HSS's own wait (a check is put off until it has passed), the start is put off once, to the end of IAM's
    # wait: not an interval at a time, each run writing again that it was throttled while sending nothing.
    tenant, room, arrivals, logins, moved = logging_in
    ends = iam_throttled_fetch(tenant, room, logins, moved)

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    put_off = runs_that_sent_nothing(result)
    assert len(put_off) == 1, [entry['HumanReadable'] for entry in put_off]
    assert int(put_off[0]['NextRun']) >= LONGER_THAN_A_RUN_S - 1, put_off[0]  # the run takes a moment of the wait
    assert len(logins.times) == 2 and ends <= moved.base + logins.times[1] <= ends + 1, (logins.times, ends)


def throttler_named_first(entry: dict) -> str:
    """What a put-off entry says before "this restore": which service throttled it (the rest may name HSS)."""
    return entry['HumanReadable'].split(' this restore', 1)[0]


def test_an_hss_restore_put_off_by_the_wait_iam_asked_names_iam_as_the_service_that_throttled_it(logging_in):
    # IAM throttled the token request; HSS was asked nothing: the entry must not blame HSS.
    tenant, room, arrivals, logins, moved = logging_in
    iam_throttled_fetch(tenant, room, logins, moved)

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'})

    [put_off] = runs_that_sent_nothing(result)
    said = throttler_named_first(put_off)
    assert 'Huawei Cloud IAM' in said and 'HSS' not in said and 'throttled' in said, put_off['HumanReadable']


def test_an_hss_restore_put_off_by_the_wait_hss_asked_names_hss_as_the_service_that_throttled_it(fetching):
    tenant, room, arrivals, moved = fetching
    throttled_fetch(tenant, room, arrivals, moved)

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'})

    [put_off] = runs_that_sent_nothing(result)
    said = throttler_named_first(put_off)
    assert 'Huawei Cloud HSS' in said and 'IAM' not in said and 'throttled' in said, put_off['HumanReadable']


# README, "token": a kept token is reused until 10 minutes before it expires; a run that holds one asks IAM nothing.
RENEWED_BEFORE_EXPIRY_S = 600
CHECK_INTERVAL_S = FETCH_INTERVAL_S // 2  # shorter than IAM's wait by far


def token_kept_beside_iam_s_wait(tenant, room, logins, moved, wait=LONGER_THAN_A_RUN_S) -> float:
    """IAM's wait kept by a fetch IAM throttled, and beside it the token another run of the instance got meanwhile
    (XSOAR's versioned writes keep both: tests/test_main_failures.py -k beside_the_token): when the wait ends."""
    ends = iam_throttled_fetch(tenant, room, logins, moved, wait)
    beside = WarRoom(params=room.params, sleep=room.clock.advance, clock=room.clock, integration_context={})
    beside.fetch({})
    room.integration_context.update({key: value for key, value in beside.integration_context.items()
                                     if 'token' in json.loads(value)})
    return ends


def test_a_check_whose_kept_token_still_serves_it_is_not_put_off_by_the_wait_iam_asked(logging_in):
    # The check asks IAM for no token, so IAM's Retry-After does not concern it: it comes an interval after the start.
    tenant, room, arrivals, logins, moved = logging_in
    ends = token_kept_beside_iam_s_wait(tenant, room, logins, moved)

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'interval_in_seconds': str(CHECK_INTERVAL_S),
                                               'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    [start, *_] = [entry for entry in result.entries if 'NextRun' in entry]
    assert int(start['NextRun']) == CHECK_INTERVAL_S, start['HumanReadable']
    assert len(arrivals.times) > 1 and moved.base + arrivals.times[-1] < ends, (arrivals.times, ends - moved.base)
    assert len(logins.times) == 2, 'the kept token served every run'


def test_a_check_the_kept_token_will_no_longer_serve_is_put_off_until_the_wait_iam_asked_has_passed(logging_in):
    # The token serves the start but is due for renewal before the first check: that check asks IAM, so it waits.
    tenant, room, arrivals, logins, moved = logging_in
    tenant.backend.token_lifetime_s = RENEWED_BEFORE_EXPIRY_S + CHECK_INTERVAL_S // 2
    ends = token_kept_beside_iam_s_wait(tenant, room, logins, moved)

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'interval_in_seconds': str(CHECK_INTERVAL_S),
                                               'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    [start, *_] = [entry for entry in result.entries if 'NextRun' in entry]
    assert int(start['NextRun']) >= ends - moved.time() - 1, (start['HumanReadable'], ends - moved.time())
    assert len(logins.times) == 3 and moved.base + logins.times[2] >= ends, (logins.times, ends - moved.base)


# README, "token": a token IAM cannot renew serves a command it outlives (XSOAR stops one after 3 minutes).
COMMAND_TIMEOUT_S = 180
SHORTER_THAN_IAM_S_WAIT_S = LONGER_THAN_A_RUN_S - FETCH_INTERVAL_S  # still past what a run waits


def test_an_hss_restore_hss_throttled_while_a_kept_token_serves_past_iam_s_wait_names_hss_alone(logging_in):
    # IAM's wait (kept) is the longer one, but no run asks IAM for a token before it ends: HSS's 429 held the start
    # back, and its wait is the one the start is put off for.
    tenant, room, arrivals, logins, moved = logging_in
    token_kept_beside_iam_s_wait(tenant, room, logins, moved)
    inject_hss_faults(tenant, 'hss', FaultPlan.parse(f'sequence=429;retry-after={SHORTER_THAN_IAM_S_WAIT_S}'))

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    [put_off] = runs_that_sent_nothing(result)
    said = throttler_named_first(put_off)
    assert 'Huawei Cloud HSS' in said and 'IAM' not in said and 'throttled' in said, put_off['HumanReadable']
    assert abs(int(put_off['NextRun']) - SHORTER_THAN_IAM_S_WAIT_S) <= 1, put_off['NextRun']  # not IAM's wait


def test_an_hss_restore_without_polling_hss_throttled_while_a_kept_token_serves_past_iam_s_wait_says_when_hss_s_ends(
        logging_in):
    # The command run again after HSS's wait asks IAM nothing: when to run it is the end of HSS's wait, not IAM's.
    tenant, room, arrivals, logins, moved = logging_in
    iam_s_ends = token_kept_beside_iam_s_wait(tenant, room, logins, moved)
    inject_hss_faults(tenant, 'hss', FaultPlan.parse(f'sequence=429;retry-after={SHORTER_THAN_IAM_S_WAIT_S}'))

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'polling': 'false'})

    message = str(result.entries[-1]['Contents'])
    assert result.failed and 'as Huawei Cloud HSS asked to wait' in message, message
    assert 'IAM' not in message, message
    hss_s_ends = moved.base + arrivals.times[-1] + SHORTER_THAN_IAM_S_WAIT_S  # the throttled request's arrival
    [when] = re.findall(UTC_TIME, message)
    assert abs(utc_seconds(when) - hss_s_ends) <= 1 < iam_s_ends - hss_s_ends, (message, iam_s_ends - hss_s_ends)


def test_an_hss_restore_hss_throttled_while_iam_s_wait_holds_back_its_token_s_renewal_names_both_services(
        logging_in):
    # The kept token is due for renewal but outlives the command, so it serves the start while IAM throttles the
    # renewal; HSS then throttles the listing. Both waits hold back the next start: the entry names both services.
    tenant, room, arrivals, logins, moved = logging_in
    tenant.backend.token_lifetime_s = (COMMAND_TIMEOUT_S + RENEWED_BEFORE_EXPIRY_S) // 2
    room.fetch({})
    inject_hss_faults(tenant, 'iam', FaultPlan.parse(f'sequence=429;retry-after={LONGER_THAN_A_RUN_S}'))
    inject_hss_faults(tenant, 'hss', FaultPlan.parse(f'sequence=429;retry-after={SHORTER_THAN_IAM_S_WAIT_S}'))

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'})

    assert not result.failed, result.entries[-1]
    [put_off] = runs_that_sent_nothing(result)
    said = throttler_named_first(put_off)
    assert 'Huawei Cloud HSS' in said and 'Huawei Cloud IAM' in said and 'throttled' in said, put_off['HumanReadable']
    assert 'Huawei Cloud HSS answered HTTP 429' in put_off['HumanReadable'], put_off['HumanReadable']


# A start whose context write fails keeps nothing, so its check reads the context as it was: the kept token the start
# used (a run asks IAM for no token while IAM's wait lasts, so a token serving past it was read there) and the wait.
def start_whose_context_write_xsoar_refuses(room, monkeypatch, then=lambda: None) -> list:
    """XSOAR refuses every write of the integration context the start of a polling restore tries (another run wrote
    first, each time); ``then`` runs before the first check: the contexts the start could not write."""
    refused, write, advance = [], Demisto.setIntegrationContextVersioned, room.sleep

    def refusing(self, context, version=-1, sync=False):
        if not sleep.waited:
            refused.append(context)
            raise ValueError('The integration context was not saved: it was written since.')
        return write(self, context, version, sync)

    def sleep(seconds):
        if not sleep.waited:
            then()
        sleep.waited = True
        advance(seconds)
    sleep.waited = False
    monkeypatch.setattr(Demisto, 'setIntegrationContextVersioned', refusing)
    room.sleep = sleep
    return refused


def test_a_check_after_a_start_that_could_not_write_the_context_finds_the_kept_token_and_asks_iam_nothing(
        logging_in, monkeypatch):
    # The start was not put off by IAM's wait because the kept token serves the check; its own write failing loses
    # no token: the token it used is the one the context already kept.
    tenant, room, arrivals, logins, moved = logging_in
    ends = token_kept_beside_iam_s_wait(tenant, room, logins, moved)
    inject_hss_faults(tenant, 'hss', FaultPlan.parse(f'sequence=429;retry-after={SHORTER_THAN_IAM_S_WAIT_S}'))
    refused = start_whose_context_write_xsoar_refuses(room, monkeypatch)

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'interval_in_seconds': str(CHECK_INTERVAL_S),
                                               'timeout_in_seconds': '600'})

    assert refused, 'the start wrote HSS\'s wait'
    assert not result.failed, result.entries[-1]
    assert len(arrivals.times) > 2 and moved.base + arrivals.times[-1] < ends, (arrivals.times, ends - moved.base)
    assert len(logins.times) == 2, 'the kept token served every run'


def test_a_check_finding_no_token_after_a_start_that_could_not_write_the_context_is_put_off_until_iam_s_wait_ends(
        logging_in, monkeypatch):
    # Another run dropped the kept token before the check (HSS refused it): IAM's wait, kept in the context beside it,
    # still holds the check back, which asks IAM for no token before it ends; it puts itself off to its end once.
    tenant, room, arrivals, logins, moved = logging_in
    ends = token_kept_beside_iam_s_wait(tenant, room, logins, moved, wait=2 * LONGER_THAN_A_RUN_S)
    inject_hss_faults(tenant, 'hss', FaultPlan.parse(f'sequence=429;retry-after={SHORTER_THAN_IAM_S_WAIT_S}'))

    def token_dropped():
        for key in [key for key, value in room.integration_context.items() if 'token' in json.loads(value)]:
            del room.integration_context[key]
    refused = start_whose_context_write_xsoar_refuses(room, monkeypatch, then=token_dropped)

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'interval_in_seconds': str(CHECK_INTERVAL_S),
                                               'timeout_in_seconds': '1200'})

    assert refused, 'the start wrote HSS\'s wait'
    assert not result.failed, result.entries[-1]
    [start, check] = runs_that_sent_nothing(result)
    assert 'Huawei Cloud HSS' in throttler_named_first(start), start['HumanReadable']
    assert 'Huawei Cloud IAM' in throttler_named_first(check), check['HumanReadable']
    # (IAM's wait is kept in whole ms of the wall clock: the login may come a fraction of a ms before ``ends``)
    assert len(logins.times) == 3 and moved.base + logins.times[2] >= ends - 1, (logins.times, ends - moved.base)
    assert result.entries[-1]['Contents']['items'], 'the check after IAM\'s wait went on with the restore'


def test_a_copy_restored_elsewhere_while_iam_s_throttling_put_the_start_off_is_not_said_put_off_by_hss_s(logging_in):
    # IAM throttled the token request; HSS was asked nothing. While the start is put off, another restore gives each
    # copy back: the start then finds them restored, and their rows' reason must not blame HSS's throttling.
    tenant, room, arrivals, logins, moved = logging_in
    iam_throttled_fetch(tenant, room, logins, moved)
    copies = [{'host_id': copy['host_id'], 'file_hash': HEALTHY_HASH, 'file_path': copy['file_path']}
              for copy in hss_seed_copies()[HEALTHY_HASH]]

    def another_restore_meanwhile(seconds):  # the wait before the put-off start runs again
        if copies:
            tenant.backend.restore_isolated_files(tenant.backend.project_id, copies, ALL_ENTERPRISE_PROJECTS)
            copies.clear()
        room.clock.advance(seconds)

    waiting = WarRoom(params=room.params, sleep=another_restore_meanwhile, clock=room.clock,
                      integration_context=room.integration_context)
    result = waiting.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH, 'timeout_in_seconds': '600'})

    assert not result.failed and not copies, result.entries[-1]
    taken = [row for row in result.entries[-1]['Contents']['items'] if row['outcome'] == 'restored']
    assert len(taken) == len(hss_seed_copies()[HEALTHY_HASH]), result.entries[-1]['HumanReadable']
    assert all('put off by' in row['reason'] and "HSS's throttling" not in row['reason'] for row in taken), taken


def test_an_hss_restore_whose_polling_time_ends_before_the_wait_iam_asked_fails_at_once_naming_the_wait_s_end(
        logging_in):
    # The start cannot be put off past its polling time: the first run is the only one, and says when to run it again.
    tenant, room, arrivals, logins, moved = logging_in
    ends = iam_throttled_fetch(tenant, room, logins, moved)

    result = room.run('hss-restore-isolated', {'file_hash': HEALTHY_HASH,
                                               'timeout_in_seconds': str(LONGER_THAN_A_RUN_S // 2)})

    message = str(result.entries[-1]['Contents'])
    assert result.failed and result.runs == 1, [entry.get('HumanReadable') for entry in result.entries]
    assert len(logins.times) == 1 and arrivals.times == [], 'no token request, nor any to HSS'
    until = re.search(rf'Huawei Cloud IAM asked to wait until {UTC_TIME}', message)
    assert until and abs(utc_seconds(until[1]) - ends) <= 1, message


def test_a_fetch_once_the_wait_iam_asked_of_an_earlier_fetch_has_passed_gets_a_token_and_lists(logging_in):
    tenant, room, arrivals, logins, moved = logging_in
    ends = iam_throttled_fetch(tenant, room, logins, moved)
    room.clock.advance(ends - moved.time() + 1)

    incidents, last_run = room.fetch({})

    assert len(logins.times) == 2 and arrivals.times and incidents and last_run
    assert cached_token(room.integration_context)['token']
    assert [json.loads(value) for value in room.integration_context.values()
            if 'until' in json.loads(value)] == [], 'the wait that passed is no longer kept'


def test_a_fetch_late_in_the_wait_iam_asked_waits_out_what_is_left_and_asks_for_a_token_no_sooner(logging_in):
    tenant, room, arrivals, logins, moved = logging_in
    ends = iam_throttled_fetch(tenant, room, logins, moved)
    room.clock.advance(LONGER_THAN_A_RUN_S - FETCH_INTERVAL_S)  # a minute of the wait left: less than a run waits

    incidents, _ = room.fetch({})

    assert incidents and moved.base + logins.times[1] >= ends, (logins.times, ends - moved.base)


def test_a_wait_iam_asked_for_one_iam_user_holds_back_no_token_request_of_another(logging_in):
    # The wait is kept for the identity that met it (README, "token": IAM endpoint, account, user, project). The
    # instance now logs in as another IAM user: its fetch asks IAM at once, and the wait of the user before is dropped.
    tenant, room, arrivals, logins, moved = logging_in
    iam_throttled_fetch(tenant, room, logins, moved)
    room.clock.advance(FETCH_INTERVAL_S)
    credentials = room.params['hss_credentials']
    other = {**credentials, 'identifier': credentials['identifier'] + '-2'}
    tenant.backend.add_user(room.params['hss_domain'], other['identifier'], other['password'],
                            [room.params['hss_project_id']])
    as_other = WarRoom(params={**room.params, 'hss_credentials': other}, sleep=room.clock.advance, clock=room.clock,
                       integration_context=room.integration_context)

    incidents, _ = as_other.fetch({})

    assert incidents and len(logins.times) == 2 and arrivals.times
    assert [json.loads(value) for value in room.integration_context.values()
            if 'until' in json.loads(value)] == [], 'the wait of the identity before is dropped'


def test_an_instance_moved_to_aksk_fetches_at_once_and_leaves_the_wait_iam_asked_in_place(logging_in):
    # README: "An instance moved to AK/SK leaves that wait in place: it holds nothing secret and ends by itself"; AK/SK
    # asks IAM for nothing, so the wait holds none of its requests back.
    tenant, room, arrivals, logins, moved = logging_in
    ends = iam_throttled_fetch(tenant, room, logins, moved)
    kept = room.integration_context['hss_iam_paused_until']  # README: "kept the same way (`hss_iam_paused_until`)"
    room.clock.advance(FETCH_INTERVAL_S)
    signed = WarRoom(params=tenant.params('aksk', hss_endpoint=room.params['hss_endpoint']), sleep=room.clock.advance,
                     clock=room.clock, integration_context=room.integration_context)

    incidents, _ = signed.fetch({})

    assert incidents and arrivals.times and len(logins.times) == 1
    assert room.integration_context['hss_iam_paused_until'] == kept
    assert abs(json.loads(kept)['until'] / 1000 - ends) <= 1


@RETYPED_HOSTS
def test_a_wait_iam_asked_holds_back_a_token_request_to_its_host_retyped_in_lower_case_but_not_to_another_host(
        logging_in, retyped, held_back):
    # The identity a wait is kept for names IAM's endpoint (README, "token"): its host compares in any case.
    tenant, room, arrivals, logins, moved = logging_in
    port = urlsplit(room.params['hss_iam_endpoint']).port
    iam_throttled_fetch(tenant, moved_to(room, 'hss_iam_endpoint', f'HTTP://LocalHost:{port}'), logins, moved)
    room.clock.advance(FETCH_INTERVAL_S)
    retyped_room = moved_to(room, 'hss_iam_endpoint', f'http://{retyped}:{port}')

    if held_back:
        with pytest.raises(FetchError, match='Huawei Cloud IAM asked to wait until'):
            retyped_room.fetch({})
        assert len(logins.times) == 1 and arrivals.times == [], 'no token request before IAM\'s wait had passed'
    else:
        incidents, _ = retyped_room.fetch({})
        assert incidents and len(logins.times) == 2 and arrivals.times


def test_a_wait_kept_by_an_earlier_version_without_its_scope_still_holds_back_a_fetch(fetching):
    # README: a wait kept by an earlier version, with no `scope`, is honoured (most likely the same endpoint's, and it
    # ends by itself). The wait a throttled fetch kept, as such a version wrote it: the same, without its scope.
    tenant, room, arrivals, moved = fetching
    ends = throttled_fetch(tenant, room, arrivals, moved)
    [key] = room.integration_context  # AK/SK: no token cached, only the wait
    kept = json.loads(room.integration_context[key])
    assert 'scope' in kept, kept
    room.integration_context[key] = json.dumps({name: value for name, value in kept.items() if name != 'scope'})
    room.clock.advance(FETCH_INTERVAL_S)

    with pytest.raises(FetchError) as raised:
        room.fetch({})

    assert len(arrivals.times) == 1, 'nothing reached HSS before its wait had passed'
    until = re.search(rf'Huawei Cloud HSS asked to wait until {UTC_TIME}', str(raised.value))
    assert until and abs(utc_seconds(until[1]) - ends) <= 1, str(raised.value)


def test_a_run_held_back_by_a_kept_wait_writes_nothing_though_this_clock_stepped_under_a_second_meanwhile(
        fetching, monkeypatch):
    # The wait a run met is read on two clocks: this machine's wall clock (when the kept wait ends) and the monotonic
    # one its limiter waits on. They drift apart (NTP slews or steps the wall clock), so what is left of the wait reads
    # a little differently on each by the run's end. Less than a second apart it is the same wait: nothing new to
    # keep, so the run writes nothing that could race another run's write.
    from warroom.runtime import Demisto
    tenant, room, arrivals, moved = fetching
    throttled_fetch(tenant, room, arrivals, moved)
    kept = dict(room.integration_context)
    writes, reads_args = [], Demisto.args

    def counted(original):
        def write(demisto, context, *version):
            writes.append(context)
            original(demisto, context, *version)
        return write

    def args_as_the_wall_clock_steps_half_a_second(demisto):  # the integration reads them once its client is built
        moved.base += 0.5
        return reads_args(demisto)

    for name in ('setIntegrationContext', 'setIntegrationContextVersioned'):
        monkeypatch.setattr(Demisto, name, counted(getattr(Demisto, name)))
    monkeypatch.setattr(Demisto, 'args', args_as_the_wall_clock_steps_half_a_second)
    room.clock.advance(FETCH_INTERVAL_S)

    result = room.run('hss-restore-isolated', {'file_hash': sorted(hss_seed_copies())[0], 'polling': 'false'})

    assert result.failed and 'asked to wait until' in str(result.entries[-1]['Contents']), result.entries[-1]
    assert len(arrivals.times) == 1 and writes == [] and room.integration_context == kept, writes
