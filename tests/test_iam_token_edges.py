"""The edges of IAM's token reuse and of the pause after IAM refused a password, over HTTP to the emulated IAM and HSS
(and recorded replies): the moment a cached token is renewed (README: reused "until 10 minutes before it expires"), a
token cached for another IAM user, the moment the pause ends (the paused run's own words: "not sent again before" the
refusal's time plus IAM's 15-minute lockout period), a refusal stamped by a clock that was far ahead, one kept without
a password mark (it cannot tell which password IAM refused, so it must hold back any), and a token that replaced a
refusal (README: "A token obtained replaces the refusal")."""
from __future__ import annotations

import json
from datetime import datetime

import facts
import restore_integration as ri
from conftest import HSS_REPLIES, FakeClock, load_json, start_hss_tenant

IAM_TOKENS = '/v3/auth/tokens'
WALL_NOW = 1_795_000_000.0  # 2026-11-18 11:06:40 UTC
WRONG_PASSWORD = 'not-the-password'


def wall_tenant():
    """The emulated project and its IAM on a wall clock the test moves (``tenant.wall``)."""
    wall = FakeClock(WALL_NOW)
    tenant = start_hss_tenant(wall_clock=wall)
    tenant.wall = wall
    return tenant


def run_once(tenant, kept, password=None, clock=None, username=None):
    """One command (or fetch): its client reads what the last run kept (JSON text) and lists once, its token clock
    ``clock`` (this machine's, else the tenant's wall clock); returns (its error or None, what it keeps)."""
    credentials = {**tenant.base_params['hss_credentials'], **({'password': password} if password else {}),
                   **({'identifier': username} if username else {})}
    params = tenant.params('token', hss_credentials=credentials, retry_backoff='0')
    client = ri.HssClient(ri.read_hss_settings(params), ri.read_transport_settings(params),
                          json.loads(kept) if kept else None, token_clock=clock or tenant.wall)
    try:
        client.list_isolated_files()
        error = None
    except ri.RestoreError as raised:
        error = raised
    entry = client.token_provider.cache_entry()
    return error, json.dumps(entry) if entry else None


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
        error, kept = run_once(tenant, None, clock=clock)
        expires = json.loads(kept)['expires_at']
        clock.advance(min(lifetime, facts.IAM_TOKEN_LIFETIME_S) - facts.TOKEN_REFRESH_MARGIN_SECONDS)
        later, kept_later = run_once(tenant, kept, clock=clock)
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
        _, kept = run_once(tenant, None)
        error, kept_later = run_once(tenant, kept, username='second-user', password='second-password')
    finally:
        tenant.stack.close()

    assert error is None and logins(tenant) == 2
    assert tenant.requests_to('POST', IAM_TOKENS)[1].body['auth']['identity']['password']['user']['name'] == \
        'second-user'
    assert json.loads(kept_later)['token'] != json.loads(kept)['token']
