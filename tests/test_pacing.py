"""The pace of one vendor's requests (integration.yml: xdr_rate_limit / hss_rate_limit, "The most requests per second
this instance sends"; max_concurrency, "How many requests bulk work keeps open side by side, within the rate above")
when several workers share it, what a fractional ceiling gives, and, in token mode, how the IAM token request is paced.

BulkRunner's workers run on a virtual clock (VirtualTime): a worker's sleep returns once every worker at work is asleep
and the clock has been moved to the earliest wake among them, so no wall-clock time is measured and the threads' waits
never add up. The war room's runs are on a test clock, one worker each, as in test_rate_ceilings.py.
"""
from __future__ import annotations

import heapq
import json
import re
import threading
from bisect import bisect_left, bisect_right
from types import SimpleNamespace

import pytest
import yaml

import restore_integration as ri
import facts
from conftest import ROOT, Arrivals, FakeClock, integration_on_clock, start_hss_tenant
from test_rate_ceilings import hss_run, xdr_run
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss import create_app as create_hss_app, create_iam_app
from warroom.emulator.httpserver import LoopbackServer
from warroom.runtime import WarRoom

INTEGRATION = yaml.safe_load((ROOT / 'integration.yml').read_text())


class VirtualTime:
    """A clock and sleep for ``workers`` threads working through ``items``: time moves only while as many threads sleep
    as can be at work (a worker between items, or one not started yet, holds it), to the earliest wake; a sleep past
    ``horizon`` fails its worker (a worker that never gets a turn ends the test, not hangs it)."""

    def __init__(self, horizon: float, workers: int, items: int):
        self.now, self.horizon = 0.0, horizon
        self._cv, self._workers, self._left, self._wakes = threading.Condition(), workers, items, []
        self._driver = threading.Thread(target=self._drive, daemon=True)
        self._stopped = False

    def __call__(self) -> float:
        return self.now

    def __enter__(self):
        self._driver.start()
        return self

    def __exit__(self, *_):
        with self._cv:
            self._stopped = True
            self._cv.notify_all()
        self._driver.join()

    def work(self, function):
        def run(item):
            try:
                return function(item)
            finally:
                with self._cv:
                    self._left -= 1
                    self._cv.notify_all()
        return run

    def sleep(self, seconds: float) -> None:
        with self._cv:
            wake = self.now + seconds
            if wake > self.horizon:
                raise AssertionError(f'a worker would sleep until {wake:.2f} s, past the {self.horizon} s horizon')
            heapq.heappush(self._wakes, wake)
            self._cv.notify_all()
            while self.now < wake:
                self._cv.wait()

    def _drive(self) -> None:
        with self._cv:
            while not self._stopped:
                if self._wakes and len(self._wakes) == min(self._workers, self._left):  # every worker at work sleeps
                    self.now = max(self.now, self._wakes[0])
                    while self._wakes and self._wakes[0] <= self.now:
                        heapq.heappop(self._wakes)
                    self._cv.notify_all()
                self._cv.wait(0.01)


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most send times any window of ``seconds`` holds, both its ends included."""
    times = sorted(times)
    return max(bisect_right(times, t + seconds) - bisect_left(times, t) for t in times)


def bulk_sends(ceiling: float, workers: int, items: int, latency: float):
    """``items`` requests through BulkRunner on ``workers`` threads sharing one limiter at ``ceiling``; each takes
    its turn, is sent (its time noted, with its thread and the seconds it waited) and answered ``latency`` later."""
    clock = VirtualTime(10 * items / ceiling, workers, items)
    limiter = ri.AdaptiveRateLimiter(ceiling, clock=clock, sleep=clock.sleep)
    sends, lock = [], threading.Lock()

    def request(item):
        waited = limiter.wait_turn()
        with lock:
            sends.append((clock(), threading.get_ident(), waited))
        clock.sleep(latency)
        limiter.answered()
        return item

    with clock:
        done = ri.BulkRunner(workers=workers).map(clock.work(request), range(items))
    assert done == list(range(items))
    return sends


@pytest.mark.parametrize('ceiling, workers', [(5.0, 8), (10.0, 8), (3.0, 16), (20.0, 12)])
def test_workers_sharing_one_limiter_never_send_more_than_the_ceiling_in_any_second_and_none_is_starved(ceiling,
                                                                                                        workers):
    # Each request takes longer than the ceiling spaces turns (latency 0.5 s): the workers must overlap to reach it,
    # and are enough to (workers / latency > ceiling).
    items = int(6 * ceiling)
    sends = bulk_sends(ceiling, workers, items, latency=0.5)
    times = sorted(at for at, _, _ in sends)

    # "requests per second": no second, wherever it starts, holds more than the ceiling, nor any shorter window more
    # than its share (turns spaced evenly, README "Bulk restores": at least 1/ceiling apart)
    assert most_in_any_window(times, 1.0) <= ceiling
    assert min(b - a for a, b in zip(times, times[1:])) >= 1 / ceiling
    # ... and a ceiling, not a crawl: the run as a whole comes within 10% of it
    assert (len(times) - 1) / (times[-1] - times[0]) >= 0.9 * ceiling
    # Every worker sends, and its share: the ceiling shared by the workers busy at once, none waiting much longer for a
    # turn than the others' turns ahead of it take.
    per_worker = {}
    for _, worker, _ in sends:
        per_worker[worker] = per_worker.get(worker, 0) + 1
    assert len(per_worker) == workers
    assert min(per_worker.values()) >= items / workers / 2, per_worker
    assert max(waited for _, _, waited in sends) <= 1.1 * workers / ceiling


@pytest.fixture
def on_clock(monkeypatch):
    """The war room, the integration's limiters and the emulators on one test clock (and the wall clock it moves)."""
    clock = FakeClock(0.0)
    return clock, integration_on_clock(monkeypatch, clock)


def fractional_help(name: str) -> tuple[float, float]:
    """What the setting's help in integration.yml says a fractional ceiling gives: (0.5, 2.0) for "0.5 is one request
    every 2 s"."""
    [setting] = [param for param in INTEGRATION['configuration'] if param['name'] == name]
    said = re.search(r'a fraction spaces them out: ([0-9.]+) is one request every ([0-9.]+) s',
                     ' '.join(setting['additionalinfo'].split()))
    assert said, f'{name}\'s help says nothing of what a fractional ceiling gives: {setting["additionalinfo"]!r}'
    return float(said[1]), float(said[2])


def assert_one_request_every(times: list[float], every: float, back_to_back: int) -> None:
    """No two requests closer than ``every`` seconds (no second holds two, nor any burst); the first ``back_to_back``,
    sent as fast as the ceiling lets (a run's restores, before polling waits), that far apart and hardly more."""
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) >= back_to_back and min(gaps) >= every, gaps
    assert max(gaps[:back_to_back - 1]) <= 1.05 * every, gaps


@pytest.mark.parametrize('name', ['xdr_rate_limit', 'hss_rate_limit'])
def test_a_fractional_ceiling_from_many_workers_sends_one_request_every_so_many_seconds_as_its_help_says(name):
    ceiling, every = fractional_help(name)
    assert ceiling < 1 and every == pytest.approx(1 / ceiling)  # a fraction, and the help's arithmetic holds

    sends = bulk_sends(ceiling, workers=4, items=6, latency=0.1)

    assert_one_request_every(sorted(at for at, _, _ in sends), every, back_to_back=6)


def test_a_fractional_xdr_rate_limit_sends_one_request_every_so_many_seconds_through_the_war_room(on_clock):
    ceiling, every = fractional_help('xdr_rate_limit')

    times = xdr_run(*on_clock, str(ceiling), files=3)  # 3 restores, then their status checks

    assert_one_request_every(times, every, back_to_back=3)


def test_a_fractional_hss_rate_limit_sends_one_request_every_so_many_seconds_through_the_war_room(on_clock):
    ceiling, every = fractional_help('hss_rate_limit')

    times = hss_run(*on_clock, str(ceiling), batches=3)  # 3 PUTs of 100 copies, then the listings that check them

    assert_one_request_every(times, every, back_to_back=3)


# Token mode. The IAM token request takes turns of its own, on a limiter at hss_rate_limit (IamTokenProvider: IAM is
# another service than HSS, so its throttling does not slow HSS), and HSS's requests keep hss_rate_limit as the
# project's rate window counts them: a token that came late lets no HSS request out ahead of the pace.
def test_in_token_mode_a_throttled_token_request_is_paced_at_hss_rate_limit_not_slowing_hss_nor_rushing_it(on_clock):
    clock, moved = on_clock
    ceiling = 10
    tenant = start_hss_tenant(stage_seconds=0, clock=clock, wall_clock=moved.time, rate_limit=ceiling)
    tenant.gateway.iam_faults = FaultPlan.parse('sequence=429*3;retry-after=0')  # IAM throttles, with no wait asked
    try:
        host = sorted(tenant.backend.hosts)[0]
        added = tenant.backend.add_isolated_files(host, 100 * 3 * ceiling)
        args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}
        hss, iam = Arrivals(create_hss_app(tenant.gateway), clock), Arrivals(create_iam_app(tenant.gateway), clock)
        with LoopbackServer(hss) as hss_server, LoopbackServer(iam) as iam_server:
            params = tenant.params('token', hss_endpoint=hss_server.url, hss_iam_endpoint=iam_server.url,
                                   hss_rate_limit=str(ceiling), max_concurrency='1')
            result = WarRoom(params=params, sleep=clock.advance, clock=clock).run('hss-restore-isolated', args)
        assert not result.failed, result.entries[-1]
        assert sum(tenant.backend.put_sizes) == len(added)
    finally:
        tenant.stack.close()

    # IAM: three 429s, then the token; each request a turn at most hss_rate_limit per second
    assert len(iam.times) == 4 and min(b - a for a, b in zip(iam.times, iam.times[1:])) >= 1 / ceiling, iam.times
    # HSS: the project's window (the ceiling) never refused a request, no second held more, and the pace came near it
    assert tenant.gateway.throttled == 0, hss.times[:12]
    assert len(hss.times) >= 2 * ceiling and 0.9 * ceiling <= most_in_any_window(hss.times, 1.0) <= ceiling
    # IAM's throttles cut IAM's pace, not HSS's: from the token on, HSS gets the ceiling's first second whole
    assert hss.times[ceiling - 1] - hss.times[0] < 1.0, hss.times[:ceiling]



class RevokesTokensOnce(Arrivals):
    """The HSS app, which makes every token issued so far invalid as its request ``at`` arrives: IAM's tokens fail
    within minutes of a change to the user (its permissions, say: IAM's "Obtaining a User Token" constraints)."""

    def __init__(self, app, clock, backend, at: int):
        super().__init__(app, clock)
        self.backend, self.at = backend, at

    def __call__(self, request):
        if len(self.times) + 1 == self.at:
            self.backend.expire_tokens()
        return super().__call__(request)


def test_in_token_mode_a_token_revoked_mid_run_is_renewed_within_iams_own_window_at_its_own_pace(on_clock):
    clock, moved = on_clock
    ceiling = 10
    tenant = start_hss_tenant(stage_seconds=0, clock=clock, wall_clock=moved.time, rate_limit=ceiling)
    tenant.gateway.iam_rate_limit = 1  # IAM admits one token request a second: the renewal comes sooner
    try:
        added = tenant.backend.add_isolated_files(sorted(tenant.backend.hosts)[0], 100 * 3)
        args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}
        hss = RevokesTokensOnce(create_hss_app(tenant.gateway), clock, tenant.backend, at=2)
        iam = Arrivals(create_iam_app(tenant.gateway), clock)
        with LoopbackServer(hss) as hss_server, LoopbackServer(iam) as iam_server:
            params = tenant.params('token', hss_endpoint=hss_server.url, hss_iam_endpoint=iam_server.url,
                                   hss_rate_limit=str(ceiling), max_concurrency='1')
            result = WarRoom(params=params, sleep=clock.advance, clock=clock).run('hss-restore-isolated', args)
    finally:
        tenant.stack.close()

    assert not result.failed, result.entries[-1]['HumanReadable']
    assert sum(tenant.backend.put_sizes) == len(added)  # every item restored, once
    assert 'IAM' not in result.entries[-1]['HumanReadable']  # what IAM's window cost was a wait, not a fault to read
    # Two tokens: the first, and the one renewal the revoked one asked for, which IAM's window refused at first
    assert len(iam.times) - tenant.gateway.iam_throttled == 2 and tenant.gateway.iam_throttled >= 1, iam.times
    assert iam.times[-1] - iam.times[0] >= 1.0, iam.times
    # the refused renewals came at IAM's own pace, hss_rate_limit at most ...
    assert min(b - a for a, b in zip(iam.times, iam.times[1:])) >= 1 / ceiling, iam.times
    # ... on a limiter of their own: HSS's next PUT, after the token, still came a turn of the ceiling later
    assert hss.times[3] - hss.times[2] < 2 / ceiling, hss.times
    # HSS's window refused nothing, and took the refused PUT once more only, with the new token
    assert tenant.gateway.throttled == 0 and tenant.backend.put_sizes == [100] * 3 and len(hss.times) == 6, hss.times


def test_in_token_mode_a_renewal_iams_window_refuses_all_run_fails_its_items_as_iam_throttling_not_a_refused_login(
        on_clock):
    clock, moved = on_clock
    ceiling = 10
    tenant = start_hss_tenant(stage_seconds=0, clock=clock, wall_clock=moved.time, rate_limit=ceiling)
    host = sorted(tenant.backend.hosts)[0]

    def items(count):
        added = tenant.backend.add_isolated_files(host, count)
        return added, {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}

    iam = Arrivals(create_iam_app(tenant.gateway), clock)
    try:
        with LoopbackServer(create_hss_app(tenant.gateway)) as hss_server, LoopbackServer(iam) as iam_server:
            room = WarRoom(params=tenant.params('token', hss_endpoint=hss_server.url, hss_iam_endpoint=iam_server.url,
                                                hss_rate_limit=str(ceiling), max_concurrency='1'),
                           sleep=clock.advance, clock=clock)
            assert not room.run('hss-restore-isolated', items(3)[1]).failed  # a token, kept for the next runs
            tenant.backend.expire_tokens()  # revoked
            tenant.gateway.iam_rate_limit = 0  # IAM's window taken whole by other clients of the account
            waiting, args = items(5)
            started, asked_before = clock(), len(iam.times)
            throttled = room.run('hss-restore-isolated', args)
            ended, asked = clock(), iam.times[asked_before:]
            tenant.gateway.iam_rate_limit = None  # IAM admits token requests again
            again = room.run('hss-restore-isolated', args)
    finally:
        tenant.stack.close()

    # What the analyst reads: the items not restored, because IAM throttled the token request, IAM's own words
    assert throttled.failed
    said = ' '.join(str(entry.get('HumanReadable') or entry.get('Contents')) for entry in throttled.entries)
    assert 'none of the 5' in said and 'IAM answered HTTP 429' in said and 'Too many requests.' in said, said
    assert 'throttling token requests' in said and 'password' not in said, said
    # within the command's timeout, the renewal asked again at IAM's pace (never past hss_rate_limit), all refused
    assert ended - started < facts.XSOAR_COMMAND_TIMEOUT_SECONDS and len(asked) == tenant.gateway.iam_throttled > 1
    assert min(b - a for a, b in zip(asked, asked[1:])) >= 1 / ceiling, asked
    # a throttle is no refusal of the password: the next run sends it at once and restores the five
    assert not again.failed, again.entries[-1]['HumanReadable']
    assert iam.times[-1] == ended and sum(tenant.backend.put_sizes) == 3 + 5


# IAM's token limit is the account's, which its other tools share: a token request IAM throttles without a Retry-After
# backs off too (README, Reliability: a random share of 1 s, doubling with each 429 in a row, at most 20 s), before the
# turn its own limiter gives. The random share is held here, so the test can bound what the run sends.
class ScriptedIam:
    """IAM's token API (an Arrivals of it) answering its n-th request as ``steps[n]`` says, 'ok' past them: '429', in
    IAM's own form with no Retry-After (its window taken whole by the account's others), or 'ok', as IAM answers;
    ``late_s``: the first 429 comes that much after its request on the test clock (a slow answer)."""

    def __init__(self, gateway, clock, steps, late_s: float = 0.0):
        self.arrivals, self.gateway, self.clock = Arrivals(create_iam_app(gateway), clock), gateway, clock
        self.steps, self.late_s, self.times = list(steps), late_s, self.arrivals.times

    def __call__(self, request):
        step = self.steps[len(self.times)] if len(self.times) < len(self.steps) else 'ok'
        self.gateway.iam_rate_limit = 0 if step == '429' else None
        reply = self.arrivals(request)
        if reply.status == 429 and self.late_s:
            self.clock.advance(self.late_s)
            self.late_s = 0.0
        return reply


def iam_run(clock, moved, plan: FaultPlan | None = None, refuse_all: bool = False, steps=(), late_s: float = 0.0,
            hss_plan: FaultPlan | None = None, **settings):
    """One hss-restore-isolated run of 3 items in token mode, IAM throttling as told (``steps`` and ``late_s``: as
    ScriptedIam answers), HSS's faults as ``hss_plan`` says, the instance's other ``settings`` given: (its result, IAM's
    arrivals)."""
    tenant = start_hss_tenant(stage_seconds=0, clock=clock, wall_clock=moved.time)
    tenant.gateway.iam_faults = plan
    tenant.gateway.iam_rate_limit = 0 if refuse_all else None  # 0: IAM's window taken whole by the account's others
    tenant.gateway.inject_faults(hss_plan)
    added = tenant.backend.add_isolated_files(sorted(tenant.backend.hosts)[0], 3)
    args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}
    iam = Arrivals(create_iam_app(tenant.gateway), clock)
    if steps:  # each token request answered as its step says, refuse_all aside
        iam = ScriptedIam(tenant.gateway, clock, steps, late_s)
    try:
        with LoopbackServer(create_hss_app(tenant.gateway)) as hss_server, LoopbackServer(iam) as iam_server:
            params = tenant.params('token', hss_endpoint=hss_server.url, hss_iam_endpoint=iam_server.url, **settings)
            return WarRoom(params=params, sleep=clock.advance, clock=clock).run('hss-restore-isolated', args), iam.times
    finally:
        tenant.stack.close()


def documented_backoffs(share: float):
    """The waits the README documents after the 1st, 2nd, ... 429 in a row without a Retry-After, at ``share`` of
    each: 1 s, doubling, at most 20 s."""
    wait = facts.IAM_THROTTLE_BACKOFF_FIRST_S
    while True:
        yield share * min(wait, facts.IAM_THROTTLE_BACKOFF_MAX_S)
        wait *= 2


def test_in_token_mode_iams_429s_without_retry_after_back_off_doubling_to_20_s_until_the_run_ends(on_clock,
                                                                                                     monkeypatch):
    clock, moved = on_clock
    share = 0.5  # the random share of each backoff, held at its mean
    monkeypatch.setattr(ri, 'random', SimpleNamespace(random=lambda: share), raising=False)
    started = clock()
    result, asked = iam_run(clock, moved, refuse_all=True)
    run = clock() - started

    # The most token requests a run of this length sends when each waits its backoff at least, the pace aside
    most, waited = 1, 0.0
    for wait in documented_backoffs(share):
        if waited + wait > run:
            break
        most, waited = most + 1, waited + wait
    assert 1 < len(asked) <= most, (run, asked)
    # each request came its backoff after the one before, at least
    for (before, after), wait in zip(zip(asked, asked[1:]), documented_backoffs(share)):
        assert after - before >= wait - 1e-6, asked
    # asked again until the run's end came near: the next backoff, on top of a turn of the slowest pace, passed it
    assert asked[-1] - started > facts.MAX_RUN_WAIT_SECONDS - share * facts.IAM_THROTTLE_BACKOFF_MAX_S - \
        2 * facts.SLOWEST_TURN_GAP_S, asked
    assert run < facts.XSOAR_COMMAND_TIMEOUT_SECONDS
    # the entry says what went wrong, what to do, and why the run stopped asking
    said = ' '.join(str(entry.get('HumanReadable') or entry.get('Contents')) for entry in result.entries)
    assert result.failed and 'IAM answered HTTP 429' in said and 'throttling token requests' in said, said
    assert 'Try again later' in said and f'past the {facts.MAX_RUN_WAIT_SECONDS} s this command waits' in said, said
    # every 429 but the last was sent again, none counted as a retry (README, Reliability): the error counts them so
    assert f'sent again after {len(asked) - 1} throttles (HTTP 429: no retry used)' in said, said
    assert 'retried' not in said, said


def test_in_token_mode_iams_retry_after_is_followed_exactly_with_no_backoff_on_top(on_clock, monkeypatch):
    clock, moved = on_clock
    monkeypatch.setattr(ri, 'random', SimpleNamespace(random=lambda: 0.99), raising=False)  # a backoff would show
    asked_wait = 5  # longer than the slowest pace (one turn about every 2 s), which a shorter one would meet first
    result, asked = iam_run(clock, moved, FaultPlan.parse(f'sequence=429*4;retry-after={asked_wait}'))

    assert not result.failed, result.entries[-1]['HumanReadable']
    assert [after - before for before, after in zip(asked, asked[1:])] == pytest.approx([asked_wait] * 4), asked


def test_in_token_mode_a_token_iam_gives_ends_its_row_of_429s_so_the_next_429_backs_off_less_than_a_fourth_in_a_row(
        on_clock, monkeypatch):
    # IAM throttles three token requests in a row, then gives a token; HSS then finds that token expired, and IAM
    # throttles its renewal: the first 429 of a new row, which backs off a share of 1 s again (README, Reliability),
    # not the 8 s a fourth 429 in a row would (tests/test_limiter_pauses.py pins the 1 s, the pace aside).
    clock, moved = on_clock
    share = 0.99  # the random share of each backoff: most of it, so that one 8 s long would show
    monkeypatch.setattr(ri, 'random', SimpleNamespace(random=lambda: share), raising=False)
    result, asked = iam_run(clock, moved, steps=['429', '429', '429', 'ok', '429', 'ok'],
                            hss_plan=FaultPlan.parse('sequence=expire-token'))

    assert not result.failed, result.entries[-1]['HumanReadable']
    assert len(asked) == 6, asked
    gaps = [after - before for before, after in zip(asked, asked[1:])]
    backoffs = documented_backoffs(share)
    in_a_row = [next(backoffs) for _ in range(4)]  # after the 1st, 2nd, 3rd and 4th 429 in a row
    assert all(gap >= wait - 1e-6 for gap, wait in zip(gaps[:3], in_a_row)), gaps
    assert in_a_row[0] - 1e-6 <= gaps[4] < in_a_row[3], gaps


def test_in_token_mode_iams_backoff_after_a_429_that_came_late_runs_from_when_it_came(on_clock, monkeypatch):
    # IAM's 429 (no Retry-After) comes 10 s after its token request: the backoff, a share of 1 s, starts then, so the
    # token is asked for again no sooner than that share after the 429 came.
    clock, moved = on_clock
    share, late = 0.99, 10.0
    monkeypatch.setattr(ri, 'random', SimpleNamespace(random=lambda: share), raising=False)
    result, asked = iam_run(clock, moved, steps=['429', 'ok'], late_s=late)

    assert not result.failed, result.entries[-1]['HumanReadable']
    assert len(asked) == 2 and asked[1] - asked[0] >= late + next(documented_backoffs(share)) - 1e-6, asked


def test_in_token_mode_iams_backoff_after_a_429_comes_on_top_of_the_turn_hss_rate_limit_gives(on_clock, monkeypatch):
    # README, Reliability: after IAM's 429 without a Retry-After, the token request's next turn is put off "on top of
    # the pace" by a share of 1 s. At hss_rate_limit 0.5 (its help: one request every 2 s) the pace alone is longer than
    # that backoff, so a backoff counted from the 429 instead would let the token request go before its turn.
    clock, moved = on_clock
    share = 0.99  # the random share of the backoff: most of it
    monkeypatch.setattr(ri, 'random', SimpleNamespace(random=lambda: share), raising=False)
    rate, every = fractional_help('hss_rate_limit')
    result, asked = iam_run(clock, moved, steps=['429', 'ok'], hss_rate_limit=str(rate))

    assert not result.failed, result.entries[-1]['HumanReadable']
    assert len(asked) == 2 and asked[1] - asked[0] >= every + next(documented_backoffs(share)) - 1e-6, asked


def test_in_token_mode_iams_backoffs_after_429s_in_a_row_double_and_no_more(on_clock, monkeypatch):
    # Three 429s in a row without a Retry-After, then a token: each request after a 429 waits its backoff (README,
    # Reliability: 1, 2, 4 s at the share held), on top of a turn of IAM's pace, at most the slowest one (about 2 s).
    clock, moved = on_clock
    share = 0.99
    monkeypatch.setattr(ri, 'random', SimpleNamespace(random=lambda: share), raising=False)
    result, asked = iam_run(clock, moved, steps=['429', '429', '429', 'ok'])

    assert not result.failed, result.entries[-1]['HumanReadable']
    assert len(asked) == 4, asked
    gaps = [after - before for before, after in zip(asked, asked[1:])]
    backoffs = documented_backoffs(share)
    in_a_row = [next(backoffs) for _ in gaps]
    assert all(wait - 1e-6 <= gap <= wait + 1.05 * facts.SLOWEST_TURN_GAP_S for gap, wait in zip(gaps, in_a_row)), gaps
