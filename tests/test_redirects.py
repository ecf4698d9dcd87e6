"""A vendor URL that answers with a redirect: nothing is sent on to the address it names.

Every request carries credentials in headers or in its body (Cortex XDR's key ID and key or signature, Huawei's
signed headers, the IAM token in X-Auth-Token, the IAM password in the token request's body). requests strips only
``Authorization`` when a redirect leaves the host, and a 307 or 308 sends the same body again: following one would
hand the rest to whoever the Location names. Neither vendor's API redirects a correct URL, so a redirect is reported
as a wrong URL, with where it pointed, and not retried.
"""
from __future__ import annotations

import json

import pytest

import restore_integration as ri
from conftest import ReplayServer, start_hss_tenant, start_tenant
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto

REDIRECT_STATUSES = [301, 302, 303, 307, 308]


class Redirector:
    """Answers every request with a redirect to the same path on ``target``, and counts what it received."""

    def __init__(self, status: int, target: str):
        self.status, self.target, self.requests = status, target, []
        self.server = LoopbackServer(self._app).start()
        self.url = self.server.url

    def _app(self, request):
        self.requests.append(request)
        return Response(self.status, b'', {'Location': self.target + request.path, 'Content-Length': '0'})


@pytest.fixture
def elsewhere():
    """The server a redirect points at: it must never receive a request."""
    server = ReplayServer()
    yield server
    server.server.stop()


def run(params: dict, command: str, args: dict) -> list[dict]:
    demisto = Demisto({**params, 'retry_backoff': '0'}, command, args, {}, [])
    ri.main(demisto)
    return demisto.entries


def xdr_restore_redirected(auth_type: str, status: int, location: str) -> tuple[list[dict], Redirector, str]:
    """restore-file on a Cortex XDR URL that redirects to ``location``: its entries, the redirector, the API key."""
    tenant = start_tenant(auth_type=auth_type)
    redirector = Redirector(status, location)
    try:
        return run(tenant.params(xdr_url=redirector.url), 'restore-file', {'file_hash': 'ab' * 32}), redirector, \
            tenant.key
    finally:
        redirector.server.stop()
        tenant.server.stop()


def check_refused(entries: list[dict], redirector: Redirector, elsewhere: ReplayServer, secrets: list[str]) -> None:
    assert elsewhere.requests == [], 'a request followed the redirect'
    assert len(redirector.requests) == 1, 'a redirect is an answer, not a fault to retry'
    [entry] = entries
    text = json.dumps(entry)
    assert entry['Type'] == 4, text
    assert 'redirect' in entry['Contents'].lower() and str(redirector.status) in entry['Contents']
    assert elsewhere.url.split('//')[1] in entry['Contents'], 'the error names where the redirect pointed'
    assert not [secret for secret in secrets if secret in text]


@pytest.mark.parametrize('status', REDIRECT_STATUSES)
@pytest.mark.parametrize('auth_type', ['standard', 'advanced'])
def test_a_cortex_xdr_url_that_redirects_is_reported_and_nothing_is_sent_on(status, auth_type, elsewhere):
    entries, redirector, key = xdr_restore_redirected(auth_type, status, elsewhere.url)
    check_refused(entries, redirector, elsewhere, [key])
    assert '(xdr_url)' in entries[0]['Contents'], 'the error names the setting to correct'


@pytest.mark.parametrize('status', REDIRECT_STATUSES)
@pytest.mark.parametrize('auth_type, redirected', [('aksk', 'hss_endpoint'), ('token', 'hss_endpoint'),
                                                   ('token', 'hss_iam_endpoint')])
def test_a_huawei_url_that_redirects_is_reported_and_nothing_is_sent_on(status, auth_type, redirected, elsewhere):
    tenant = start_hss_tenant()
    redirector = Redirector(status, elsewhere.url)
    try:
        entries = run(tenant.params(auth_type, **{redirected: redirector.url}), 'hss-restore-isolated',
                      {'file_hash': 'cd' * 32})
    finally:
        redirector.server.stop()
        tenant.stack.close()
    check_refused(entries, redirector, elsewhere, tenant.secrets())
    assert f'({redirected})' in entries[0]['Contents'], 'the error names the setting to correct'


@pytest.mark.parametrize('location', ['http://[::1', 'https://operator:pw-in-location@[fe80::1%eth0/x'])
def test_a_redirect_to_an_address_that_cannot_be_read_is_refused_as_such_and_not_quoted(location):
    # requests reads a redirect's Location even when it follows none: one it cannot read is still the vendor's
    # redirect, refused as a wrong URL, and the address (a password may be in it) is not quoted.
    tenant = start_tenant(auth_type='standard')
    redirector = Redirector(302, location)
    try:
        entries = run(tenant.params(xdr_url=redirector.url), 'restore-file', {'file_hash': 'ab' * 32})
    finally:
        redirector.server.stop()
        tenant.server.stop()
    [entry] = entries
    text = json.dumps(entry)
    assert entry['Type'] == 4 and len(redirector.requests) == 1, text
    assert 'answered HTTP 302, a redirect to an address that cannot be read' in entry['Contents'], text
    assert 'not followed' in entry['Contents'] and 'fault in the integration' not in entry['Contents'], text
    assert 'pw-in-location' not in text and 'fe80' not in text and tenant.key not in text


@pytest.mark.parametrize('login', ['operator:pw-in-location', 'pw-in-location'])
def test_a_redirect_to_an_address_with_a_login_names_the_address_without_the_login(login, elsewhere):
    # RFC 3986 3.2.1: a URL's userinfo may hold a password ("user:password" is deprecated, not gone). The error names
    # where the redirect pointed, as scheme and host, and nothing of the login before the "@".
    scheme, host = elsewhere.url.split('://')
    entries, redirector, key = xdr_restore_redirected('standard', 302, f'{scheme}://{login}@{host}')
    check_refused(entries, redirector, elsewhere, [key])
    assert f'a redirect to {elsewhere.url}.' in entries[0]['Contents'], entries[0]['Contents']
    assert 'pw-in-location' not in json.dumps(entries[0])
