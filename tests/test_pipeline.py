"""The request pipeline on a test clock: every attempt takes a turn from the vendor's adaptive limiter, waits its
backoff, is signed afresh and recorded; throttling slows every request and is waited out within the command's
budget, never counted against the retries.

The limiter's clock and sleep are a FakeClock here, so every wait is asserted as a number: a transport that never
waits, or waits the wrong time, fails.
"""
from __future__ import annotations

import itertools
import threading
import time
from contextlib import contextmanager
from email.utils import formatdate

import pytest

import facts
import restore_integration as ri
from conftest import (AMPLE_READ_TIMEOUT, FakeClock, MovedWallClock, client_from_params,
                      only_the_next_attempt_waits_briefly, seed_holders, start_hss_tenant, start_tenant)
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss import create_app as create_hss_app
from warroom.emulator.httpserver import LoopbackServer, Response, json_response
from facts import ENTRY_ERROR  # XSOAR's error entry type (4), not the war room's constant
from warroom.runtime import WarRoom

HOLDERS = seed_holders()
XDR_HASH = sorted(HOLDERS)[0]


def restore_refused_for_20_s_by_a_tenant_others_use_up():
    """A restore sent for up to 20 s (a fake clock's) to a tenant whose 10 a second other clients take whole: its
    limiter and the VendorApiError it ends in."""
    tenant = start_tenant(auth_type='standard', rate_limit=10)
    tenant.gateway.others_rate = 10
    clock = FakeClock(0.0)
    limiter = ri.AdaptiveRateLimiter(10, clock=clock, sleep=clock.advance)
    client = ri.XdrClient(ri.XdrSettings(tenant.url, '17', tenant.key, 'standard', rate_limit=10),
                          ri.TransportSettings(), limiter)
    client.transport.wait_at_most(20)
    try:
        with pytest.raises(ri.VendorApiError) as raised:
            client.restore_file(XDR_HASH)
    finally:
        tenant.server.stop()
    return limiter, raised


def clock_and_limiter():
    clock = FakeClock(100.0)
    return clock, ri.AdaptiveRateLimiter(10, clock=clock, sleep=clock.advance)


# --------------------------------------------------------------------------- the limiter alone


def test_turns_are_spaced_by_the_ceiling_and_a_free_turn_is_taken_at_once():
    clock, limiter = clock_and_limiter()
    starts = []
    for _ in range(5):
        limiter.wait_turn()
        starts.append(clock())
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert starts[0] == 100.0
    assert all(1 / 10 <= gap <= 1 / (10 * 0.95) for gap in gaps)  # at the ceiling, or a little under it


def test_a_throttle_cuts_the_rate_for_every_request_and_it_climbs_back_to_the_ceiling():
    clock, limiter = clock_and_limiter()
    limiter.wait_turn()
    limiter.throttled(sent_at=clock())
    assert limiter.rate() == pytest.approx(10 * facts.THROTTLE_CUT)
    clock.advance(1.0)
    climbing = limiter.rate()
    assert 10 * facts.THROTTLE_CUT < climbing < 10
    clock.advance(60.0)
    assert limiter.rate() == 10  # never above the ceiling


def test_a_rate_far_above_what_the_vendor_admits_drops_to_that_in_one_cut():
    # Another client uses 4 of the tenant's 10 per second: 6 answers came back in the last second, at a rate of 10.
    clock, limiter = clock_and_limiter()
    limiter.wait_turn()
    for _ in range(7):
        clock.advance(1 / 6)
        limiter.answered()
    limiter.throttled(sent_at=clock())
    assert limiter.rate() == pytest.approx(6 * facts.THROTTLE_CUT)


def test_a_tenant_whose_limit_other_clients_use_up_whole_paces_the_requests_below_one_a_second():
    # README, Bulk restores: a 429 drops the rate to 95% of the rate that met the limit, "never more than the vendor
    # admitted in any one second lately". Here it admits none (another client takes all 10 a second), for seconds.
    limiter, raised = restore_refused_for_20_s_by_a_tenant_others_use_up()

    assert raised.value.http_status == 429 and all(a.status == 429 for a in raised.value.attempts)
    assert limiter.rate() <= 1 * facts.THROTTLE_CUT  # no faster than a cut of one admitted a second
    assert raised.value.attempts[-1].waited >= 1 / facts.THROTTLE_CUT  # its turn came over a second after the last


def test_a_vendor_answering_every_0_19_s_is_taken_to_admit_6_in_a_second_and_a_429_cuts_the_rate_to_95_percent_of_6():
    # README, Bulk restores: the rate drops to 95% of the rate that met the limit, "never more than the vendor admitted
    # in any one second lately": answers 0.19 s apart put 6 in one second (0.95 s from the first to the sixth).
    clock, limiter = clock_and_limiter()
    limiter.wait_turn()
    for _ in range(12):
        clock.advance(0.19)
        limiter.answered()
    limiter.throttled(sent_at=clock())
    assert limiter.rate() == pytest.approx(6 * facts.THROTTLE_CUT)


def test_a_429_half_a_second_into_the_run_cuts_to_95_percent_of_the_rate_admitted_in_that_half_second():
    # README, Bulk restores: the rate drops to 95% of the rate that met the limit, never more than the vendor admitted
    # lately. Half a second into the run, 3 answers are a rate of 6 a second, not of 3: the second is not over.
    clock, limiter = clock_and_limiter()
    limiter.wait_turn()
    for _ in range(3):
        clock.advance(0.125)
        limiter.answered()
    clock.advance(0.125)
    limiter.throttled(sent_at=clock())
    assert limiter.rate() == pytest.approx(6 * facts.THROTTLE_CUT)


def test_a_burst_the_vendor_admitted_long_ago_does_not_raise_the_rate_a_429_cuts_to():
    # README, Bulk restores: the rate that met the limit is "never more than the vendor admitted in any one second
    # lately": 8 answers in one second half a minute ago are not lately; one every 1.5 s since then is.
    clock, limiter = clock_and_limiter()
    limiter.wait_turn()
    for _ in range(8):
        clock.advance(0.1)
        limiter.answered()
    for _ in range(20):
        clock.advance(1.5)
        limiter.answered()
    limiter.throttled(sent_at=clock())
    assert limiter.rate() == pytest.approx(1 * facts.THROTTLE_CUT)


def test_a_vendor_that_admitted_none_cuts_to_the_slowest_pace_only_3_s_into_the_run_not_before():
    # README, Bulk restores: "when it has admitted none of the run's requests, 3 s or more into the run: the slowest
    # pace, one about every 2 s". Before those 3 s, a 429 trims the rate that met the limit as any other does.
    clock, limiter = clock_and_limiter()
    limiter.wait_turn()
    clock.advance(2.5)
    limiter.wait_turn()
    limiter.throttled(sent_at=clock())
    assert limiter.rate() == pytest.approx(10 * facts.THROTTLE_CUT)

    clock.advance(1.0)  # 3.5 s into the run, still none admitted
    limiter.wait_turn()
    limiter.throttled(sent_at=clock())
    assert limiter.rate() == pytest.approx(1 / facts.SLOWEST_TURN_GAP_S, rel=0.05)


def test_a_vendor_that_admitted_none_cuts_to_the_slowest_pace_3_s_into_the_run_exactly():
    # README, Bulk restores: "when it has admitted none of the run's requests, 3 s or more into the run".
    clock, limiter = clock_and_limiter()
    limiter.wait_turn()
    clock.advance(3.0)
    limiter.wait_turn()
    limiter.throttled(sent_at=clock())
    assert limiter.rate() == pytest.approx(1 / facts.SLOWEST_TURN_GAP_S, rel=0.05)


def test_a_tenant_that_admits_none_for_seconds_is_sent_a_request_about_every_2_s_no_slower():
    # README, Bulk restores: a vendor that has admitted none of the run's requests, 3 s or more into the run, brings
    # "the slowest pace, one about every 2 s" (botocore's adaptive mode floors its rate at 0.5 a second): not slower.
    _, raised = restore_refused_for_20_s_by_a_tenant_others_use_up()

    sent_at = list(itertools.accumulate(attempt.waited for attempt in raised.value.attempts))
    # sent past the run's first 3 s and a turn at that pace
    slowest = [round(attempt.waited, 2) for at, attempt in zip(sent_at, raised.value.attempts) if at > 3 + 2.5]
    assert len(slowest) >= 3 and all(facts.SLOWEST_TURN_GAP_S <= gap <= facts.SLOWEST_TURN_GAP_S * 1.05
                                     for gap in slowest), slowest


def test_a_429_for_a_request_sent_before_the_last_cut_does_not_cut_again():
    clock, limiter = clock_and_limiter()
    in_flight_sent_at = clock()
    clock.advance(0.05)
    limiter.throttled(sent_at=clock())
    after_one = limiter.rate()
    limiter.throttled(sent_at=in_flight_sent_at)  # it left before the cut: old news
    assert limiter.rate() == after_one and limiter.cuts == 1 and limiter.throttles == 2
    clock.advance(0.05)
    limiter.throttled(sent_at=clock())  # sent after the cut, still throttled: cut again
    assert limiter.rate() < after_one and limiter.cuts == 2


class WorkersClock:
    """A test clock worker threads sleep on. It moves only while every worker sleeps (or is done), straight to the
    earliest wake-up, so each worker's turns come at the same test-clock times however the threads are scheduled."""

    def __init__(self, now: float, workers: int) -> None:
        self.now, self._awake, self._sleepers = now, workers, []
        self._changed = threading.Condition()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._changed:
            sleeper = {'wake': self.now + seconds, 'woken': False}
            self._sleepers.append(sleeper)
            self._awake -= 1
            self._changed.notify_all()
            assert self._changed.wait_for(lambda: sleeper['woken'], timeout=60), 'the test clock stopped'

    def done(self) -> None:
        with self._changed:
            self._awake -= 1
            self._changed.notify_all()

    def run(self, until: float) -> None:
        """Moves the clock until every worker is done; a worker that neither sleeps nor ends, or still sleeps at
        ``until``, fails the test."""
        with self._changed:
            while True:
                assert self._changed.wait_for(lambda: self._awake == 0, timeout=60), 'a worker neither slept nor ended'
                if not self._sleepers:
                    return
                self.now = max(self.now, min(sleeper['wake'] for sleeper in self._sleepers))
                assert self.now <= until, f'workers still waited at {self.now}'
                for sleeper in [sleeper for sleeper in self._sleepers if sleeper['wake'] <= self.now]:
                    self._sleepers.remove(sleeper)
                    sleeper['woken'] = True
                    self._awake += 1
                self._changed.notify_all()


def test_a_retry_after_pauses_every_turn_until_it_has_passed():
    # README: a Retry-After "pauses every worker until it has passed". Workers other than the one the 429 answered ask
    # for turns during the pause and after it: every turn asked during it starts once it has passed, not before, and
    # then at the limiter's pace, not a pause later (no faster than the ceiling, no slower than a little under the cut
    # rate); a turn asked after it starts at once.
    asks = (0.0, 0.5, 1.0, 2.5, 6.0)  # seconds after a 429 whose Retry-After is 3
    clock = WorkersClock(100.0, workers=len(asks))
    limiter = ri.AdaptiveRateLimiter(10, clock=clock, sleep=clock.sleep)
    limiter.throttled(sent_at=clock(), retry_after=3)
    starts, waits = {}, {}

    def worker(ask: float) -> None:
        try:
            clock.sleep(ask)
            waits[ask] = limiter.wait_turn()
            starts[ask] = clock()
        finally:
            clock.done()

    threads = [threading.Thread(target=worker, args=(ask,), daemon=True) for ask in asks]
    for thread in threads:
        thread.start()
    clock.run(until=200.0)
    for thread in threads:
        thread.join()

    assert sorted(starts) == sorted(asks)
    during = sorted(starts[ask] for ask in asks if ask < 3)
    assert during[0] == pytest.approx(103.0) and waits[0.0] == pytest.approx(3.0)
    assert all(1 / 10 <= b - a <= 1 / (10 * facts.THROTTLE_CUT * 0.95) for a, b in zip(during, during[1:]))
    assert starts[6.0] == 106.0 and waits[6.0] == 0.0


def test_a_turn_past_the_deadline_is_refused_with_how_long_it_was():
    clock, limiter = clock_and_limiter()
    limiter.throttled(sent_at=clock(), retry_after=120)
    with pytest.raises(ri.OutOfTime) as late:
        limiter.wait_turn(deadline=clock() + 60)
    assert late.value.wait == pytest.approx(120) and late.value.asked == 120
    assert clock() == 100.0  # nothing was waited for


def test_a_waiting_request_also_waits_out_a_pause_that_comes_in_meanwhile():
    clock = FakeClock(0.0)
    limiter = ri.AdaptiveRateLimiter(10, clock=clock, sleep=lambda s: (clock.advance(s), limiter.throttled(
        sent_at=clock(), retry_after=2) if not limiter.throttles else None))
    limiter.wait_turn()  # at once
    limiter.wait_turn()  # sleeps 0.1 s; a 429 with Retry-After 2 arrives meanwhile: it waits for that too
    assert clock() == pytest.approx(0.1 + 2, abs=0.01)


def test_a_pause_that_ends_before_a_waiting_requests_turn_leaves_that_turn_where_it_was():
    # README: a Retry-After "pauses every worker until it has passed", no longer. Another worker's 429 asks for 20 ms
    # while this request waits its turn, a tenth of a second away: its turn still comes then, not a turn later.
    clock = FakeClock(0.0)
    limiter = ri.AdaptiveRateLimiter(10, clock=clock, sleep=lambda s: (
        None if limiter.throttles else limiter.throttled(sent_at=clock(), retry_after=0.02), clock.advance(s)))
    limiter.wait_turn()  # at once
    limiter.wait_turn()  # its turn at the ceiling's pace, a little under 10 a second
    assert 1 / 10 <= clock() <= 1 / (10 * 0.95)


# --------------------------------------------------------------------------- the attempt loop, on the emulators


@pytest.fixture
def tenant():
    tenant = start_tenant(auth_type='advanced', stage_seconds=10, clock=FakeClock())
    yield tenant
    tenant.server.stop()


def xdr_client(tenant, clock, **transport):
    limiter = ri.AdaptiveRateLimiter(1000, clock=clock, sleep=clock.advance)
    settings = ri.XdrSettings(tenant.url, '17', tenant.key, tenant.auth_type, rate_limit=1000)
    return ri.XdrClient(settings, ri.TransportSettings(read_timeout=AMPLE_READ_TIMEOUT, **transport), limiter)


def test_a_429_cuts_the_rate_to_95_percent_of_the_answers_the_vendor_gave_in_one_second_over_http(tenant):
    # README, Bulk restores: a 429 drops the rate to 95% of the rate that met the limit, "never more than the vendor
    # admitted in any one second lately". Five restores answered within one second at a ceiling of 10 a second, a
    # pause, then a 429: the vendor admitted five in a second, so the rate drops to 95% of five, not of ten.
    clock = FakeClock(0.0)
    limiter = ri.AdaptiveRateLimiter(10, clock=clock, sleep=clock.advance)
    client = ri.XdrClient(ri.XdrSettings(tenant.url, '17', tenant.key, tenant.auth_type, rate_limit=10),
                          ri.TransportSettings(), limiter)
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok*5,429;retry-after=0'))
    for _ in range(5):
        client.restore_file(XDR_HASH)
    assert clock() < 1.0
    clock.advance(1.5)
    client.transport.wait_at_most(0)  # the 429 is the answer: no turn after it

    with pytest.raises(ri.VendorApiError) as raised:
        client.restore_file(XDR_HASH)

    assert raised.value.http_status == 429 and tenant.gateway.faults.seen == 6
    assert limiter.rate() == pytest.approx(5 * facts.THROTTLE_CUT)


def test_two_requests_in_flight_throttled_by_one_limit_cut_the_rate_once_over_http():
    # README, Bulk restores: a 429 drops the rate to 95% of the rate that met the limit. Two requests sent side by side
    # at that rate, both answered 429 only once both have arrived, met the same limit: the rate drops to 95% once, not
    # twice (the second 429 is about a request sent before the cut the first one made).
    arrived, seen, lock = threading.Barrier(2, timeout=10), [], threading.Lock()

    def app(request):
        with lock:
            seen.append(request.path)
            first_two = len(seen) <= 2
        if first_two:
            arrived.wait()
            return json_response(429, {'reply': {'err_code': 429, 'err_msg': 'Too many requests'}})
        return json_response(200, {'reply': {'action_id': 1}})

    ceiling = 100
    server = LoopbackServer(app).start()
    limiter = ri.AdaptiveRateLimiter(ceiling)
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(), limiter=limiter)
    replies = []
    workers = [threading.Thread(target=lambda: replies.append(transport.request('POST', '/restore', json={})))
               for _ in range(2)]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
    finally:
        server.stop()

    assert [[attempt.status for attempt in reply.attempts] for reply in replies] == [[429, 200]] * 2
    assert (limiter.throttles, limiter.cuts) == (2, 1)
    assert ceiling * facts.THROTTLE_CUT <= limiter.rate() <= ceiling  # climbing back from one cut, never two


def test_faults_are_waited_for_0_1_2_4_seconds_and_each_wait_is_in_the_history(tenant):
    clock = FakeClock(0.0)
    client = xdr_client(tenant, clock)
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=502-html*4'))
    started = clock()

    response = client.transport.request('POST', ri.XDR_RESTORE_PATH, expect_json=True,
                                        json={'request_data': {'file_hash': XDR_HASH}})

    assert response.status == 200 and tenant.gateway.faults.seen == 5
    assert [a.describe() for a in response.attempts] == ['HTTP 502'] * 4 + ['HTTP 200']
    assert [round(a.waited, 2) for a in response.attempts] == [0, 0, 1, 2, 4]
    assert clock() - started == pytest.approx(0 + 1 + 2 + 4, abs=0.05)


def test_a_500_on_a_status_read_is_retried_with_the_same_waits(tenant):
    clock, slept = FakeClock(0.0), []
    moved = clock.advance

    def advance(seconds: float) -> None:  # each wait the client makes, one by one
        slept.append(seconds)
        moved(seconds)

    clock.advance = advance
    client = xdr_client(tenant, clock, retry_backoff=1.0)
    action_id = client.restore_file(XDR_HASH)['action_id']
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=500*2'))
    before, slept[:] = clock(), []

    reply = client.get_action_status(action_id)

    assert set(reply['data']) == set(HOLDERS[XDR_HASH])
    # README, retry_backoff: the first retry waits none, the second twice the backoff (2 s at 1.0), as any fault's do
    assert tenant.gateway.faults.seen == 3 and [round(wait, 2) for wait in slept if wait >= 0.01] == [2.0], slept
    assert clock() - before == pytest.approx(0 + 2, abs=0.05)


def test_throttling_is_waited_out_past_the_retry_count_and_never_fails_the_request(tenant):
    clock = FakeClock(0.0)
    client = xdr_client(tenant, clock, max_retries=1)
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429*12;retry-after=1'))

    reply = client.restore_file(XDR_HASH)

    assert reply['action_id'] and tenant.gateway.faults.seen == 13  # 12 throttles, then through, with 1 retry allowed
    assert clock() >= 12  # each Retry-After of 1 s was honoured
    assert client.limiter.throttles == 12


def test_throttling_past_the_commands_budget_ends_with_the_vendors_429_and_says_so(tenant):
    clock = FakeClock(0.0)
    client = xdr_client(tenant, clock)
    client.transport.wait_at_most(30)
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429*100;retry-after=20'))

    with pytest.raises(ri.VendorApiError) as raised:
        client.restore_file(XDR_HASH)

    assert raised.value.http_status == 429 and tenant.gateway.faults.seen == 2
    message = str(raised.value)
    # README, Reliability: a 429 is sent again at its next turn, never counted as a retry; the error says which it was
    assert 'The request was sent again after 1 throttle (HTTP 429: no retry used)' in message, message
    assert 'retried' not in message, message
    assert 'the vendor asked to wait 20 s (Retry-After), past the 30 s this command waits for throttling' in message
    assert clock() == pytest.approx(20, abs=0.05)


def test_every_attempt_is_signed_afresh_and_recorded(tenant):
    clock = FakeClock(0.0)
    client = xdr_client(tenant, clock)
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=slow,429,503;delay=0.5;retry-after=0'))
    # the slow attempt alone waits briefly (its answer comes at 0.5 s); the others wait ample time, however loaded
    only_the_next_attempt_waits_briefly(client.transport, read_timeout=0.25)
    nonces = []
    original = ri.XdrApiKeyAuth.__call__

    def spy(self, request):
        signed = original(self, request)
        nonces.append(signed.headers['x-xdr-nonce'])
        return signed

    ri.XdrApiKeyAuth.__call__ = spy
    try:
        response = client.transport.request('POST', ri.XDR_RESTORE_PATH, expect_json=True,
                                            json={'request_data': {'file_hash': XDR_HASH}})
    finally:
        ri.XdrApiKeyAuth.__call__ = original
    assert len(nonces) == 4 == len(set(nonces))  # the emulator refuses a replayed nonce: all four were new
    assert [a.describe() for a in response.attempts] == ['no answer in time', 'HTTP 429', 'HTTP 503', 'HTTP 200']
    assert client.transport.settings.read_timeout == AMPLE_READ_TIMEOUT  # the brief wait was the first attempt's alone


def test_a_resend_after_a_token_refresh_keeps_the_history_and_its_may_have_been_applied_note():
    tenant = start_hss_tenant()
    try:
        params = tenant.params('token', retry_backoff='0', read_timeout=str(AMPLE_READ_TIMEOUT))
        client = client_from_params('hss', params)
        client.list_isolated_files()  # a token
        # The PUT's connection is cut (HSS may have applied it: it did not), the listing read before a resend finds the
        # copy still isolated, the resend meets an expired token, and the one after fails on.
        tenant.gateway.inject_faults(FaultPlan.parse('sequence=reset,ok,expire-token,503-html*5'))
        copy = tenant.backend.snapshot()[0]
        with pytest.raises(ri.RestoreError) as raised:
            client.restore_isolated_files([{k: copy[k] for k in ('host_id', 'file_hash', 'file_path')}])
        kinds = [attempt.describe() for attempt in raised.value.attempts]
        assert kinds[:3] == ['a dropped connection', 'HTTP 401', 'HTTP 503']
        assert f'HSS may have accepted the restore even so, as the answer to one of its {len(kinds)} attempts was ' \
               'lost' in str(raised.value)
    finally:
        tenant.stack.close()


def test_the_limiter_is_shared_by_every_worker_of_a_client(tenant):
    # At 10 requests/s, 8 restores from 4 workers need 7 turns' spacing in all: a limiter per worker (or none)
    # would let them go out together, and the test clock would not move.
    clock = FakeClock(0.0)
    limiter = ri.AdaptiveRateLimiter(10, clock=clock, sleep=clock.advance)
    settings = ri.XdrSettings(tenant.url, '17', tenant.key, tenant.auth_type)
    client = ri.XdrClient(settings, ri.TransportSettings(read_timeout=AMPLE_READ_TIMEOUT), limiter)
    lock = threading.Lock()
    seen = []

    def restore(_):
        reply = client.restore_file(XDR_HASH)
        with lock:
            seen.append(reply['action_id'])

    ri.BulkRunner(workers=4).map(restore, range(8))
    assert len(seen) == 8
    assert clock() >= 7 / 10


def test_a_tenant_that_throttles_until_the_commands_timeout_ends_in_one_clear_error_entry():
    tenant = start_tenant(auth_type='advanced', stage_seconds=10, clock=FakeClock())
    try:
        tenant.gateway.inject_faults(FaultPlan.parse('sequence=429*100;retry-after=2'))
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)

        result = room.run('restore-file', {'file_hash': XDR_HASH, 'timeout_in_seconds': '3', 'polling': 'false'})

        [entry] = result.entries
        assert entry['Type'] == ENTRY_ERROR and tenant.gateway.faults.seen == 2  # at 0 s and 2 s; 4 s is past 3 s
        text = entry['Contents']
        assert 'HTTP 429' in text and 'sent again after 1 throttle (HTTP 429: no retry used)' in text
        assert 'retried' not in text, text  # a throttle uses no retry (README, Reliability)
        assert not facts.words_missing(text, facts.XDR_ADVICE_WORDS[429])
        assert 'past the 3 s this command waits for throttling' in text and not tenant.backend.actions
    finally:
        tenant.server.stop()


@contextmanager
def polling_on_faults(faults: str, stage_seconds: float = 10):
    """A war room following polling on an emulated tenant whose clock the waits move (the integration's wall clock,
    from which it counts polling time, with it), ``faults`` injected (retried without waiting); every entry it writes
    goes into ``seen``."""
    clock = FakeClock()
    moved = MovedWallClock(clock)  # Cortex XDR's clock too, which the advanced key's timestamp is checked against
    tenant = start_tenant(auth_type='advanced', stage_seconds=stage_seconds, clock=clock, rate_limit=None,
                          wall_clock=moved.time)
    patch = pytest.MonkeyPatch()
    try:
        patch.setattr(ri, 'time', moved)
        tenant.gateway.inject_faults(FaultPlan.parse(faults))
        room = WarRoom(params=tenant.params(retry_backoff='0'), time_scale=1, sleep=clock.advance)
        seen = []
        room.on_entry = seen.append
        yield tenant, room, seen
    finally:
        patch.undo()
        tenant.server.stop()


def test_polling_one_file_goes_on_when_its_status_cannot_be_read():
    # request 1 starts the restore; 2-6 read the status at the first check: 500 each time, past the retries.
    with polling_on_faults('sequence=ok,500*5;retry-after=0') as (_, room, seen):
        result = room.run('restore-file', {'file_hash': XDR_HASH})

    assert not result.failed, result.entries[-1]
    first_check = seen[1]
    record = facts.context_at(first_check['EntryContext'], facts.XDR_CONTEXT_PATH)
    assert first_check['Type'] == 1 and 'PollingCommand' in first_check
    assert record['status'] == 'IN_PROGRESS' and 'HTTP 500' in record['error'] and record['file_hash'] == XDR_HASH
    assert str(record['action_id']) in first_check['HumanReadable'] and 'not read at this check' in \
        first_check['HumanReadable']
    final = facts.context_at(seen[-1]['EntryContext'], facts.XDR_CONTEXT_PATH)
    assert final['status'] == 'COMPLETED_SUCCESSFULLY' and not final.get('error')  # written empty


def test_a_status_read_at_a_later_check_leaves_no_stale_error_in_the_incident_context():
    """XSOAR updates the record a DT key matches (content-docs context-and-outputs.md, dt.md): a field a later check
    leaves out keeps the value an earlier check wrote. The error of a check that could not read the status must not
    outlive the check that read it, in the context playbooks read."""
    # request 1 starts the restore; 2-6 read the status at the first check: 500 each time, past the retries.
    with polling_on_faults('sequence=ok,500*5;retry-after=0') as (_, room, _):
        result = room.run('restore-file', {'file_hash': XDR_HASH})

    assert not result.failed, result.entries[-1]
    record = result.context['CortexXDR']['RestoredFile']
    assert record['status'] == 'COMPLETED_SUCCESSFULLY', record
    assert not record.get('error'), record['error']


def test_a_check_that_cannot_read_a_status_keeps_the_endpoint_statuses_an_earlier_check_read():
    """XSOAR updates the record a DT key matches: a check that could not read an action's status must not write its
    endpoints and counts empty over those an earlier check read, or a polling timeout right after it leaves the
    incident context (and the summary note) with no endpoint for that file."""
    # request 1 starts the restore, 2 is the first check's read; 3-7 the second check's: 500, past the retries.
    # 15 s stages: the first check (at 10 s) reads every endpoint PENDING, the action still runs at the second.
    with polling_on_faults('sequence=ok,ok,500*5;retry-after=0', stage_seconds=15) as (tenant, room, seen):
        # A third check would come past the timeout: the second is the last, and its record the last one written.
        result = room.run('restore-file', {'file_hash': XDR_HASH, 'timeout_in_seconds': '25'})

    _, first_check, second_check = seen
    assert 'PollingCommand' not in second_check and tenant.gateway.faults.seen == 7  # no read after the faults
    read = facts.context_at(first_check['EntryContext'], facts.XDR_CONTEXT_PATH)
    assert sorted(e['endpoint_id'] for e in read['endpoints']) == sorted(HOLDERS[XDR_HASH])
    unread = facts.context_at(second_check['EntryContext'], facts.XDR_CONTEXT_PATH)
    assert 'HTTP 500' in unread['error'] and 'next check' not in unread['error']  # none comes
    assert 'polling ended' in unread['error'] and 'Action Center' in unread['error']  # and how to follow the action
    record = result.context['CortexXDR']['RestoredFile']
    assert record['endpoints'] == read['endpoints'], record
    assert (record['restored_count'], record['failed_count']) == (read['restored_count'], read['failed_count'])
    assert record['status'] == 'IN_PROGRESS' and record['error'] == unread['error']


def test_a_last_check_that_never_read_the_status_says_so_not_that_the_action_has_no_endpoints():
    """An action whose status no check could read has no endpoint rows: its last entry must say the status was not
    read (and how to read it), not show an empty table, which reads as if Cortex XDR listed no endpoint for it."""
    # request 1 starts the restore; every status read after it is a 500, past the retries at each check.
    with polling_on_faults('sequence=ok,500*100;retry-after=0') as (_, room, seen):
        room.run('restore-file', {'file_hash': XDR_HASH, 'timeout_in_seconds': '20'})

    last = seen[-1]
    record = facts.context_at(last['EntryContext'], facts.XDR_CONTEXT_PATH)
    assert 'PollingCommand' not in last and record['status'] == 'IN_PROGRESS' and 'endpoints' not in record
    table = '\n\n'.join(last['HumanReadable'].split('\n\n')[:2])  # the title and the note that stands under it
    assert 'No entries' not in table and 'not read' in table, table
    assert f'!restore-file file_hash={XDR_HASH} action_id=[{record["action_id"]}]' in last['HumanReadable']


def test_a_check_that_cannot_read_four_statuses_notes_three_and_says_how_many_more():
    """A check writes a note for each file whose status it could not read, at most three: past three, the notes must
    say how many more there are, or they read as the whole list."""
    # requests 1-4 start the restores; every status read after them is a 500, past the retries at each check.
    with polling_on_faults('sequence=ok*4,500*200;retry-after=0') as (tenant, room, seen):
        hashes = tenant.backend.quarantine_files(4)
        room.run('restore-file', {'file_hash': ','.join(hashes), 'timeout_in_seconds': '40'})

    checks = seen[1:]
    assert checks, seen  # the first run's entry alone: no check ran, nothing below would be asserted
    for check in checks:
        notes = [line for line in check['HumanReadable'].splitlines() if line.startswith('Action ')]
        assert len(notes) == 3 and all('not read' in note for note in notes), check['HumanReadable']
        assert '1 more' in check['HumanReadable'], check['HumanReadable']


@pytest.mark.parametrize('value', ['a&b=c', '0/../1', 'x' * 65, 'proj\r\nX: y'])
def test_the_enterprise_project_setting_is_checked_like_the_argument_before_any_request(value):
    tenant = start_hss_tenant()
    try:
        room = WarRoom(params=tenant.params('aksk', hss_enterprise_project_id=value), time_scale=0,
                       sleep=lambda _: None)
        result = room.run('hss-restore-isolated', {'file_hash': 'a' * 64})
        given = WarRoom(params=tenant.params('aksk'), time_scale=0, sleep=lambda _: None).run(
            'hss-restore-isolated', {'file_hash': 'a' * 64, 'enterprise_project_id': value})
        [entry], [as_argument] = result.entries, given.entries
        assert entry['Type'] == ENTRY_ERROR and '(hss_enterprise_project_id)' in entry['Contents']
        # like the argument: the same value given as enterprise_project_id is refused too, naming the argument
        assert as_argument['Type'] == ENTRY_ERROR and 'enterprise_project_id' in as_argument['Contents']
        assert 'hss_enterprise_project_id' not in as_argument['Contents'], as_argument['Contents']
        if value.isprintable():  # a control character in a setting is named by code point, the value never quoted
            said = entry['Contents'].split('(hss_enterprise_project_id) ', 1)[1]
            assert as_argument['Contents'].endswith(f'enterprise_project_id {said}'), (said, as_argument['Contents'])
        assert not tenant.gateway.requests
    finally:
        tenant.stack.close()


def test_restore_by_hash_reads_the_remaining_listing_pages_side_by_side():
    tenant = start_hss_tenant()
    try:
        host = sorted(tenant.backend.hosts)[0]
        tenant.backend.add_isolated_files(host, 5 * facts.HSS_LIST_PAGE_SIZE, file_hash='d' * 64)
        in_flight, most, pages_asked = [0], [0], [0]
        changed = threading.Condition()
        app = create_hss_app(tenant.gateway)

        def held(request):  # counts the listings in flight at once
            listing = request.method == 'GET'
            with changed:
                in_flight[0] += listing
                pages_asked[0] += listing
                most[0] = max(most[0], in_flight[0])
                changed.notify_all()
                # A later page is answered once four are in flight, not after a fixed pause, which a loaded machine
                # could let pass before the last of them went out; pages sent one at a time never get there.
                if listing and pages_asked[0] > 1:
                    changed.wait_for(lambda: most[0] >= 4, timeout=10)
            try:
                return app(request)
            finally:
                with changed:
                    in_flight[0] -= listing

        with LoopbackServer(held) as server:
            room = WarRoom(params=tenant.params('aksk', hss_endpoint=server.url, max_concurrency='8'), time_scale=0,
                           sleep=lambda _: None)
            result = room.run('hss-restore-isolated', {'file_hash': 'd' * 64, 'polling': 'false'})
        assert not result.failed, result.entries[-1]
        listings = [r for r in tenant.gateway.requests if r[0] == 'GET']
        assert len(listings) == 5
        assert most[0] == 4  # the four pages after the first went out together
    finally:
        tenant.stack.close()


def test_a_401_that_cannot_be_read_after_a_token_refresh_gets_a_new_token_and_stops_no_other_batch():
    # The case that made the 10,000-item accounting test fail 1 run in 7: after one refresh, a 401 whose body was
    # damaged on the way (no APIGW code to read) ended the request and stopped every later batch. HSS took the first
    # token (the first batch), so the refusals are an expiry, not a token HSS never takes (README).
    tenant = start_hss_tenant()
    try:
        app = create_hss_app(tenant.gateway)
        puts = []

        def gateway(request):
            if request.method == 'PUT':
                puts.append(request)
                if len(puts) == 2:
                    tenant.backend.expire_tokens()  # an APIGW.0307 in the gateway's JSON
                elif len(puts) == 3:
                    return Response(401, b'<html><body>401 Authorization Required</body></html>',
                                    {'Content-Type': 'text/html'})
            return app(request)

        host = sorted(tenant.backend.hosts)[0]
        added = tenant.backend.add_isolated_files(host, 5 * facts.HSS_MAX_ITEMS_PER_REQUEST)
        args = {k: __import__('json').dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}
        with LoopbackServer(gateway) as server:
            room = WarRoom(params=tenant.params('token', hss_endpoint=server.url, max_concurrency='1',
                                                retry_backoff='0'), time_scale=0, sleep=lambda _: None)
            result = room.run('hss-restore-isolated', args)

        assert not result.failed, result.entries[-1]
        assert sorted(tenant.backend.put_sizes) == [facts.HSS_MAX_ITEMS_PER_REQUEST] * 5  # every batch, none stopped
        assert len(tenant.requests_to('POST', '/v3/auth/tokens')) == 3  # the first, and one per refusal
    finally:
        tenant.stack.close()


@pytest.mark.parametrize('status', [429, 503])
@pytest.mark.parametrize('server_clock_off', [-3600, 3600], ids=['server an hour behind', 'server an hour ahead'])
def test_a_retry_after_date_is_read_against_the_servers_own_clock(replay_server, status, server_clock_off):
    # Retry-After as an HTTP date (RFC 9110) is a time on the server's clock, the clock its Date header gives: 5 s
    # after its Date is a wait of 5 s, wherever this machine's clock stands.
    server_now = time.time() + server_clock_off
    replay_server.queue(status, {'error_code': 'APIGW.0308'}, {'Date': formatdate(server_now, usegmt=True),
                                                              'Retry-After': formatdate(server_now + 5, usegmt=True)})
    replay_server.queue(200, {'total_num': 0, 'data_list': []})
    clock = FakeClock(0.0)
    transport = ri.HttpTransport(replay_server.url, 'Huawei Cloud HSS', ri.TransportSettings(),
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock, sleep=clock.advance),
                                 retry_statuses=[503])

    response = transport.request('GET', '/v5/p/event/isolated-file', expect_json=True)

    assert [a.describe() for a in response.attempts] == [f'HTTP {status}', 'HTTP 200']
    assert response.attempts[1].waited == pytest.approx(5, abs=1)  # the date's whole seconds
