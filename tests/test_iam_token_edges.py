"""The edges of IAM's token reuse and of the pause after IAM refused a password, over HTTP to the emulated IAM and HSS
(and recorded replies): the moment a cached token is renewed (README: reused "until 10 minutes before it expires"), a
token cached for another IAM user, the moment the pause ends (the paused run's own words: "not sent again before" the
refusal's time plus IAM's 15-minute lockout period), a refusal stamped by a clock that was far ahead, one kept without
a password mark (it cannot tell which password IAM refused, so it must hold back any), and a token that replaced a
refusal (README: "A token obtained replaces the refusal")."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

import facts
import restore_integration as ri
from conftest import HSS_REPLIES, FakeClock, load_json, start_hss_tenant
from test_hss_client import one_run

IAM_TOKENS = '/v3/auth/tokens'
WALL_NOW = 1_795_000_000.0  # 2026-11-18 11:06:40 UTC
WRONG_PASSWORD = 'not-the-password'


def wall_tenant():
    """The emulated project and its IAM on a wall clock the test moves (``tenant.wall``)."""
    wall = FakeClock(WALL_NOW)
    tenant = start_hss_tenant(wall_clock=wall)
    tenant.wall = wall
    return tenant


def logins(tenant):
    return len(tenant.requests_to('POST', IAM_TOKENS))


def test_a_cached_token_is_renewed_at_the_very_moment_10_minutes_before_it_expires():
    # The seed reply's lifetime (expires_at less issued_at), counted from when the token came.
    token = load_json(HSS_REPLIES / 'iam_token_reply.json')['token']
    lifetime = (datetime.fromisoformat(token['expires_at'].replace('Z', '+00:00')) -
                datetime.fromisoformat(token['issued_at'].replace('Z', '+00:00'))).total_seconds()
    tenant = wall_tenant()
    clock = FakeClock(WALL_NOW)  # this machine's clock; IAM's tokens live on the tenant's own
    try:
        error, kept = one_run(tenant, None, clock=clock)
        expires = json.loads(kept)['expires_at']
        clock.advance(min(lifetime, facts.IAM_TOKEN_LIFETIME_S) - facts.TOKEN_REFRESH_MARGIN_SECONDS)
        later, kept_later = one_run(tenant, kept, clock=clock)
    finally:
        tenant.stack.close()

    assert error is None and later is None
    assert clock() == expires - facts.TOKEN_REFRESH_MARGIN_SECONDS  # exactly 10 minutes before: no longer reused
    assert logins(tenant) == 2 and json.loads(kept_later)['token'] != json.loads(kept)['token']


def test_a_token_cached_for_another_iam_user_is_not_sent_and_iam_is_asked_for_this_user_s_own():
    # The admin switched the instance to another IAM user of the same account and project: the token cached for the
    # first user (README: a token is kept for its user, account, project and IAM endpoint) must not stand in for it.
    tenant = wall_tenant()
    tenant.backend.add_user(tenant.base_params['hss_domain'], 'second-user', 'second-password',
                            [tenant.base_params['hss_project_id']])
    try:
        _, kept = one_run(tenant, None)
        error, kept_later = one_run(tenant, kept, username='second-user', password='second-password')
    finally:
        tenant.stack.close()

    assert error is None and logins(tenant) == 2
    assert tenant.requests_to('POST', IAM_TOKENS)[1].body['auth']['identity']['password']['user']['name'] == \
        'second-user'
    assert json.loads(kept_later)['token'] != json.loads(kept)['token']


def test_the_same_refused_password_is_sent_again_at_the_moment_the_paused_run_said_it_would_be():
    tenant = wall_tenant()
    try:
        _, kept = one_run(tenant, None, password=WRONG_PASSWORD)
        tenant.wall.advance(facts.IAM_LOCKOUT_PERIOD_S - 1)
        paused, _ = one_run(tenant, kept, password=WRONG_PASSWORD)
        tenant.wall.advance(1)  # 2026-11-18 11:21:40 UTC: the refusal's time plus IAM's lockout period
        again, _ = one_run(tenant, kept, password=WRONG_PASSWORD)
    finally:
        tenant.stack.close()

    assert 'not sent again before 2026-11-18 11:21:40 UTC' in str(paused)
    assert 'Huawei Cloud IAM password' in str(paused)  # integration.yml's label of the password IAM refused: check it
    assert logins(tenant) == 2 and 'Huawei Cloud IAM answered HTTP 401' in str(again)


def test_a_refusal_stamped_by_a_clock_a_day_ahead_holds_the_password_back_no_longer_than_iam_s_lockout_period():
    # The run IAM refused ran on a clock a day fast (a bad time server); it was set right before the next run, which
    # comes IAM's whole lockout period later: no pause of 15 minutes can still hold, whichever clock it is read on.
    tenant = wall_tenant()
    try:
        _, kept = one_run(tenant, None, password=WRONG_PASSWORD, clock=FakeClock(WALL_NOW + 24 * 3600))
        tenant.wall.advance(facts.IAM_LOCKOUT_PERIOD_S)
        again, _ = one_run(tenant, kept, password=WRONG_PASSWORD)
    finally:
        tenant.stack.close()

    assert logins(tenant) == 2 and 'Huawei Cloud IAM answered HTTP 401' in str(again)


def test_a_refusal_kept_without_a_password_mark_holds_back_whatever_password_is_saved_for_the_pause():
    # A refusal kept with no mark of the refused password (an earlier version kept none) cannot tell that password from
    # the one saved now: sending it could be a failed login more towards IAM's lockout, so none is sent.
    tenant = wall_tenant()
    try:
        _, kept = one_run(tenant, None, password=WRONG_PASSWORD)
        unmarked = {key: value for key, value in json.loads(kept).items() if key != 'password_mark'}
        tenant.wall.advance(60)
        later, kept_later = one_run(tenant, json.dumps(unmarked), password=WRONG_PASSWORD)
    finally:
        tenant.stack.close()

    assert logins(tenant) == 1 and tenant.requests_to('GET', 'isolated-file') == []
    assert 'not sent again before 2026-11-18 11:21:40 UTC' in str(later)
    assert json.loads(kept_later) == unmarked


def test_a_token_obtained_replaces_the_refusal_kept_even_when_hss_then_refuses_it_and_iam_cannot_renew_it(
        replay_server):
    # README: "A token obtained replaces the refusal". A refusal kept more than IAM's lockout period ago is over: the
    # password goes, and IAM takes it. HSS then refuses that token (401) and IAM is down when asked for another: the
    # run fails, and the integration context must not be left with the refusal the token replaced.
    settings = ri.HssSettings(replay_server.url, '0123456789abcdef0123456789abcdef', 'token',
                              iam_url=replay_server.url, domain='acme-corp', username='soar-restore',
                              password='iam-password-value')
    refused = {'identity': ri.token_identity(settings), 'refused_at': WALL_NOW - facts.IAM_LOCKOUT_PERIOD_S - 1,
               'code': facts.IAM_WRONG_PASSWORD[0], 'message': facts.IAM_WRONG_PASSWORD[1]}
    replay_server.queue_file(201, 'iam_token_reply.json', HSS_REPLIES, headers={'X-Subject-Token': 'obtained'})
    replay_server.queue_file(401, 'error_apigw_401.json', HSS_REPLIES).queue(503, b'')
    client = ri.HssClient(settings, ri.TransportSettings(max_retries=0), refused, token_clock=lambda: WALL_NOW)

    with pytest.raises(ri.RestoreError):
        client.restore_isolated_files([{'host_id': 'h'}])

    assert [request.method for request in replay_server.requests] == ['POST', 'PUT', 'POST']
    assert replay_server.requests[1].headers['X-Auth-Token'] == 'obtained'
    assert 'refused_at' not in (client.token_provider.cache_entry() or {})
