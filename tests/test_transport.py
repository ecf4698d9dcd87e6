"""Transport guarantees, over real sockets on loopback: TLS verified by default, `insecure` said out loud, plain
http only to loopback (refused before any connection otherwise), and the proxy used only when `proxy` is checked.

The TLS server is an emulator behind a certificate made at test time with the openssl command line (the
`cryptography` package is not among the project's dependencies); without openssl those tests fail, saying so.
"""
from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import yaml
from urllib3.exceptions import MaxRetryError, ProtocolError

import facts
import restore_integration as ri
from conftest import hss_seed_copies, seed_holders, start_hss_tenant, start_tenant
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss import create_app as create_hss_app, create_iam_app
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.emulator.xdr import create_app as create_xdr_app
from facts import ENTRY_ERROR  # XSOAR's error entry type (4), not the war room's constant
from warroom.runtime import Demisto, WarRoom

ROOT = Path(__file__).resolve().parent.parent

XDR_HASH = sorted(seed_holders())[0]
HSS_HASH = sorted(hss_seed_copies())[0]
PROXY_VARIABLES = ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy')


def run(params, command, args=None):
    demisto = Demisto(params, command, dict(args or {}), {}, [])
    ri.main(demisto)
    [entry] = demisto.entries
    return entry


# --------------------------------------------------------------------------- TLS


class TlsLoopbackServer(LoopbackServer):
    """A LoopbackServer whose listening socket speaks TLS with the given certificate."""

    def __init__(self, app, certfile, keyfile):
        super().__init__(app)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(certfile, keyfile)

    def _bind(self):
        server = super()._bind()
        if not isinstance(server.socket, ssl.SSLSocket):
            server.socket = self._context.wrap_socket(server.socket, server_side=True)
        return server

    @property
    def url(self):
        return super().url.replace('http://', 'https://', 1)


def self_signed(tmp_path_factory, name: str, alt_names: str) -> tuple[str, str]:
    """A self-signed certificate for ``name`` (and ``alt_names``), made now: (certfile, keyfile)."""
    openssl = shutil.which('openssl')
    if openssl is None:
        pytest.fail('no openssl command line to make a test certificate (and cryptography is not installed): '
                    'install openssl for the TLS tests to run')
    folder = tmp_path_factory.mktemp('tls')
    cert, key = folder / 'cert.pem', folder / 'key.pem'
    subprocess.run([openssl, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                    '-keyout', str(key), '-out', str(cert), '-days', '1', '-subj', f'/CN={name}',
                    '-addext', f'subjectAltName={alt_names}'], check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture(scope='module')
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certfile, keyfile)."""
    return self_signed(tmp_path_factory, '127.0.0.1', 'IP:127.0.0.1,DNS:localhost')


@pytest.fixture(scope='module')
def certificate_of_another_host(tmp_path_factory):
    """A self-signed certificate that names another host only (served on 127.0.0.1: a hostname mismatch)."""
    return self_signed(tmp_path_factory, 'elsewhere.example', 'DNS:elsewhere.example')


@pytest.fixture
def tls_vendors(certificate):
    """Both emulated vendors (the tenants of conftest) also served over TLS, IAM too: (xdr, hss, params)."""
    xdr, hss = start_tenant(auth_type='advanced'), start_hss_tenant()
    servers = [TlsLoopbackServer(app, *certificate).start() for app in (
        create_xdr_app(xdr.gateway), create_hss_app(hss.gateway), create_iam_app(hss.gateway))]
    params = {**hss.params(), **xdr.params(), 'xdr_url': servers[0].url, 'hss_endpoint': servers[1].url,
              'hss_iam_endpoint': servers[2].url}
    yield xdr, hss, params
    for server in servers:
        server.stop()
    xdr.server.stop()
    hss.stack.close()


COMMANDS = [pytest.param('restore-file', {'file_hash': XDR_HASH}, 'xdr', id='restore-file'),
            pytest.param('hss-restore-isolated', {'file_hash': HSS_HASH}, 'aksk', id='hss-aksk'),
            pytest.param('hss-restore-isolated', {'file_hash': HSS_HASH}, 'token', id='hss-token'),
            pytest.param('test-module', {}, 'token', id='test-module')]


def for_command(params, command, mode):
    if command == 'restore-file':
        return {k: v for k, v in params.items() if not k.startswith('hss_')}
    return {**params, 'hss_auth_type': mode}


@pytest.mark.parametrize('command, args, mode', COMMANDS)
def test_an_untrusted_certificate_is_refused_with_a_clear_message(tls_vendors, command, args, mode):
    xdr, hss, params = tls_vendors

    entry = run(for_command(params, command, mode), command, args)

    assert entry['Type'] == ENTRY_ERROR
    assert 'TLS certificate of ' in entry['Contents'] and 'could not be verified' in entry['Contents']
    # What to do: trust the server's CA, or, knowingly, the insecure setting
    assert 'certificate authority trusted' in entry['Contents'] and f'"{facts.INSECURE_DISPLAY}' in entry['Contents']
    assert not [secret for secret in (xdr.key, *hss.secrets()) if secret in json.dumps(entry)], 'a secret was shown'
    assert xdr.gateway.requests == [] and hss.gateway.requests == []  # the handshake failed: no request was read


class CountedTlsServer(TlsLoopbackServer):
    """A TlsLoopbackServer that counts the connections it takes up, each a TLS handshake tried: ``connections``."""

    connections = 0

    def _bind(self):
        server = super()._bind()
        if server.get_request.__name__ != 'counted':
            accept = server.get_request

            def counted():
                self.connections += 1
                return accept()
            server.get_request = counted
        return server


@pytest.mark.parametrize('command, args, mode', COMMANDS)
def test_an_untrusted_certificate_is_reported_at_once_not_retried(certificate, command, args, mode):
    # README, Reliability: "a TLS failure | reported at once": with the default retries (4, after waits of 0, 1, 2 and
    # 4 s) a retried handshake would be tried five times on a server, and would fail each time alike.
    xdr, hss = start_tenant(auth_type='advanced'), start_hss_tenant()
    servers = [CountedTlsServer(app, *certificate).start() for app in (
        create_xdr_app(xdr.gateway), create_hss_app(hss.gateway), create_iam_app(hss.gateway))]
    params = {**hss.params(), **xdr.params(), 'xdr_url': servers[0].url, 'hss_endpoint': servers[1].url,
              'hss_iam_endpoint': servers[2].url}
    try:
        entry = run(for_command(params, command, mode), command, args)
    finally:
        for server in servers:
            server.stop()
        xdr.server.stop()
        hss.stack.close()

    assert entry['Type'] == ENTRY_ERROR and 'could not be verified' in entry['Contents'], entry
    connections = [server.connections for server in servers]  # Test tries each vendor's: one handshake each
    assert set(connections) <= {0, 1} and 1 in connections, connections
    assert 'retried' not in entry['Contents'], entry['Contents']

@pytest.mark.parametrize('command, args, mode', COMMANDS)
def test_the_same_certificate_once_trusted_is_accepted(tls_vendors, certificate, monkeypatch, command, args, mode):
    # The control for the test above: it is the trust that fails there, not the server.
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', certificate[0])
    xdr, hss, params = tls_vendors

    entry = run(for_command(params, command, mode), command, args)

    assert entry['Type'] != ENTRY_ERROR, entry
    assert facts.INSECURE_DISPLAY not in str(entry.get('HumanReadable'))  # no warning about the setting


@pytest.mark.parametrize('ca_bundle_variable', [False, True], ids=['no CA bundle variable', 'REQUESTS_CA_BUNDLE set'])
@pytest.mark.parametrize('command, args, mode', COMMANDS)
def test_insecure_turns_verification_off_and_the_entry_says_so(tls_vendors, monkeypatch, command, args, mode,
                                                              ca_bundle_variable):
    # requests lets REQUESTS_CA_BUNDLE override a session's verify=False; the transport passes verify per request.
    if ca_bundle_variable:
        monkeypatch.setenv('REQUESTS_CA_BUNDLE', requests.certs.where())
    else:
        monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
        monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    xdr, hss, params = tls_vendors

    with pytest.warns(Warning):  # urllib3's InsecureRequestWarning: the library says it too
        entry = run(dict(for_command(params, command, mode), insecure=True), command, args)

    assert entry['Type'] != ENTRY_ERROR, entry
    if command == 'test-module':
        assert entry['Contents'] == 'ok'  # XSOAR reads exactly "ok" as a passed test; the warning stays out
    else:
        # The README's promise: the entry "then ends with a warning", naming the setting that turned it off.
        warning = entry['HumanReadable'].rsplit('\n\n', 1)[-1]
        assert warning != entry['HumanReadable'] and 'warning' in warning.lower()
        assert 'verification is off' in warning and facts.INSECURE_DISPLAY in warning


ERRORS_WITH_INSECURE = [
    pytest.param('restore-file', {'file_hash': XDR_HASH, 'polling': 'false'}, 'xdr', 'sequence=500', id='restore-file'),
    pytest.param('hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'}, 'aksk', 'sequence=500*20',
                 id='hss-restore-isolated'),
    pytest.param('restore-file', {'file_hash': 'a' * 63}, 'xdr', None, id='refused before any request'),
]


@pytest.mark.parametrize('command, args, mode, faults', ERRORS_WITH_INSECURE)
def test_with_insecure_an_error_entry_says_only_what_went_wrong_without_the_warning(tls_vendors, command, args, mode,
                                                                                   faults):
    # README, "TLS is verified by default": the warning ends every entry but an error, whose message says only what
    # went wrong (with verification off a failure is never a certificate's: the tests below keep certificates out).
    xdr, hss, params = tls_vendors
    for gateway in (xdr.gateway, hss.gateway):
        if faults:
            gateway.inject_faults(FaultPlan.parse(faults))

    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # urllib3's InsecureRequestWarning, which the test above checks
        entry = run(dict(for_command(params, command, mode), insecure=True, max_retries='0'), command, args)

    assert entry['Type'] == ENTRY_ERROR, entry
    assert 'verification is off' not in entry['Contents'] and facts.INSECURE_DISPLAY not in entry['Contents']
    assert 'HumanReadable' not in entry, entry  # nothing beside the message for the warning to hide in


def test_no_warning_when_verification_is_on(monkeypatch):
    tenant = start_tenant()
    try:
        entry = run(tenant.params(), 'restore-file', {'file_hash': XDR_HASH, 'polling': 'false'})
    finally:
        tenant.server.stop()
    assert entry['Type'] != ENTRY_ERROR and 'verification is off' not in entry['HumanReadable']


# --------------------------------------------------------------------------- plain http, and the proxy


class RecordingProxy:
    """A forward HTTP proxy on loopback: records every request it is asked to carry, then carries it."""

    def __init__(self):
        self.seen = []
        self.server = LoopbackServer(self._app).start()
        self.url = self.server.url

    def _app(self, request):
        host = request.headers.get('Host', '')
        self.seen.append((request.method, host, request.path))
        if host.split(':')[0] not in ('127.0.0.1', 'localhost'):
            return Response(502, b'{"proxy": "no route"}', {'Content-Type': 'application/json'})
        query = '&'.join(f'{k}={v}' for k, values in request.query.items() for v in values)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ('host', 'proxy-connection')}
        reply = requests.request(request.method, f'http://{host}{request.path}', params=query or None,
                                 data=request.body, headers=headers,
                                 proxies={'http': None, 'https': None, 'all': None}, timeout=10)
        # reply.content is decoded: the headers that describe the bytes as they came do not go with it.
        return Response(reply.status_code, reply.content, {k: v for k, v in reply.headers.items()
                                                           if k.lower() not in ('content-length', 'connection',
                                                                                'transfer-encoding',
                                                                                'content-encoding')})


def every_request_through(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Every proxy variable of the environment names ``url``, and nothing exempts a host from it (NO_PROXY unset)."""
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, url)
    for name in ('NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def proxy(monkeypatch):
    """Every proxy variable points at a recording proxy; nothing exempts loopback (NO_PROXY unset)."""
    recording = RecordingProxy()
    every_request_through(monkeypatch, recording.url)
    yield recording
    recording.server.stop()


@pytest.fixture
def vendors():
    xdr, hss = start_tenant(auth_type='advanced'), start_hss_tenant()
    yield xdr, hss
    xdr.server.stop()
    hss.stack.close()


def vendor_params(vendors, command, mode):
    xdr, hss = vendors
    return xdr.params() if command == 'restore-file' else hss.params(mode)


@pytest.mark.parametrize('command, args, mode', COMMANDS)
def test_proxy_variables_are_ignored_unless_proxy_is_checked(vendors, proxy, command, args, mode):
    entry = run(vendor_params(vendors, command, mode), command, args)

    assert entry['Type'] != ENTRY_ERROR, entry
    assert proxy.seen == []
    assert vendors[0].gateway.requests or vendors[1].gateway.requests  # it went straight to the vendor


@pytest.mark.parametrize('command, args, mode', COMMANDS)
def test_with_proxy_checked_the_requests_go_through_the_proxy(vendors, proxy, command, args, mode):
    xdr, hss = vendors

    entry = run(dict(vendor_params(vendors, command, mode), proxy=True), command, args)

    assert entry['Type'] != ENTRY_ERROR, entry
    received = len(xdr.gateway.requests) + len(hss.gateway.requests)
    assert received and len(proxy.seen) == received  # every request the vendor got came through the proxy


@pytest.mark.parametrize('command, args, mode', COMMANDS)
def test_with_proxy_checked_a_host_no_proxy_names_is_reached_directly(vendors, proxy, monkeypatch, command, args,
                                                                       mode):
    # requests reads NO_PROXY from the environment as it reads the proxy itself: a host it names is not proxied.
    for name in ('NO_PROXY', 'no_proxy'):
        monkeypatch.setenv(name, '127.0.0.1')

    entry = run(dict(vendor_params(vendors, command, mode), proxy=True), command, args)

    assert entry['Type'] != ENTRY_ERROR, entry
    assert proxy.seen == []
    assert vendors[0].gateway.requests or vendors[1].gateway.requests  # it went straight to the vendor


def test_all_proxy_alone_is_ignored_unless_proxy_is_checked(vendors, monkeypatch):
    recording = RecordingProxy()
    try:
        for name in PROXY_VARIABLES + ('NO_PROXY', 'no_proxy'):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv('ALL_PROXY', recording.url)
        unchecked = run(vendors[0].params(), 'test-module')
        checked = run(dict(vendors[0].params(), proxy=True), 'test-module')
    finally:
        recording.server.stop()
    assert unchecked['Contents'] == checked['Contents'] == 'ok'
    assert len(recording.seen) == 1  # only the run with proxy checked


@pytest.mark.parametrize('command, args, mode', COMMANDS)
def test_a_proxy_password_too_short_to_be_masked_is_not_refused_as_a_secret_setting_is(vendors, proxy, monkeypatch,
                                                                                       command, args, mode):
    # README, Limits of the scrubber: a secret shorter than 4 characters "is not looked for ... (a secret setting that
    # short is refused before any request, unquoted: no vendor issues one; the environment's proxy password is not)":
    # it is the machine's, set for every tool on it, so the run goes through the proxy with it.
    xdr, hss = vendors
    with_login = proxy.url.replace('://', '://user:pw@', 1)
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, with_login)

    entry = run(dict(vendor_params(vendors, command, mode), proxy=True), command, args)

    assert entry['Type'] != ENTRY_ERROR, entry
    received = len(xdr.gateway.requests) + len(hss.gateway.requests)
    assert received and len(proxy.seen) == received

def test_plain_http_to_this_machine_never_goes_through_a_proxy_on_another_one(vendors, monkeypatch):
    # Plain http is allowed to loopback only, as it never leaves the machine: a proxy elsewhere would carry the key in
    # clear (192.0.2.2 is TEST-NET-1: nothing answers there, so the run would fail had it gone that way).
    every_request_through(monkeypatch, 'http://192.0.2.2:3128')

    entry = run(dict(vendors[0].params(), proxy=True, connect_timeout='2', max_retries='0'), 'test-module')

    assert entry['Contents'] == 'ok', entry
    assert vendors[0].gateway.requests  # it reached the vendor on 127.0.0.1, directly



PROXY_PASSWORD_HALVES = ('pxA' + secrets.token_hex(8), 'pxB' + secrets.token_hex(8))


def unreached_proxy_error(vendors, monkeypatch, port: int, scheme='http', host='127.0.0.1', **params) -> str:
    """test-module's error, every request sent through the environment's proxy at ``host``:``port`` with a login;
    asserts it names the proxy, never its login nor urllib3's words, says what to do, and nothing reached the vendor."""
    every_request_through(monkeypatch, f'{scheme}://operator:{PROXY_PASSWORD_HALVES[0]}@{host}:{port}')
    entry = run({**vendors[0].params(), 'proxy': True, 'max_retries': '0', **params}, 'test-module')
    shown = entry['Contents']
    assert entry['Type'] == ENTRY_ERROR and vendors[0].gateway.requests == []
    assert f'The proxy at {host}:{port} that this machine\'s environment sets ' in shown, shown
    assert 'Check the proxy HTTPS_PROXY, HTTP_PROXY or ALL_PROXY sets, or uncheck "Use system proxy settings"' in shown
    assert PROXY_PASSWORD_HALVES[0] not in shown and 'operator' not in shown
    assert 'Unable to connect to proxy' not in shown and 'Error(' not in shown, shown
    return shown


# socks5: XSOAR's image has PySocks (test_data/xsoar/docker_image_packages.json), through which requests takes it
@pytest.mark.parametrize('scheme', ['http', 'socks5'])
def test_a_proxy_that_refuses_the_connection_is_named_by_its_host_and_port_with_the_os_reason_and_what_to_do(
        vendors, monkeypatch, scheme):
    # A loopback port nobody listens on: the proxy the environment sets refuses every connection.
    with socket.create_server(('127.0.0.1', 0)) as closed:
        port = closed.getsockname()[1]

    shown = unreached_proxy_error(vendors, monkeypatch, port, scheme)

    assert 'sets refused the connection (ECONNREFUSED: Connection refused), so nothing reached Cortex XDR' in shown


def test_a_proxy_that_never_accepts_the_connection_is_said_to_take_none_within_the_connect_timeout(
        vendors, monkeypatch):
    # A loopback listener whose queue of connections to accept is full: the proxy never takes the connection.
    with socket.socket() as listener:
        listener.bind(('127.0.0.1', 0))
        listener.listen(0)
        with socket.create_connection(listener.getsockname(), timeout=2):
            shown = unreached_proxy_error(vendors, monkeypatch, listener.getsockname()[1], connect_timeout='1')

    assert 'sets did not accept a connection within 1 s.' in shown and 'raise "Connect timeout (seconds)"' in shown


@pytest.mark.parametrize('status, url, tunnel', [
    ('403 Forbidden', 'https://xdr.example.invalid', 'xdr.example.invalid:443'),
    ('502 Bad Gateway', 'https://127.0.0.1:8443/xdr', '127.0.0.1:8443')])
def test_a_proxy_that_refuses_a_tunnel_is_said_to_with_its_status_and_to_need_to_allow_connect_to_the_vendor(
        vendors, monkeypatch, status, url, tunnel):
    # A proxy that allows only listed destinations answers CONNECT (an https URL's) to any other with an error.
    proxy = TunnelRefusingProxy(status)
    try:
        shown = unreached_proxy_error(vendors, monkeypatch, proxy.port, xdr_url=url)
    finally:
        proxy.close()

    assert f'sets refused to open a tunnel to {tunnel} ({status}), so nothing reached Cortex XDR' in shown
    assert f'the proxy must resolve and reach {tunnel}, and allow a tunnel (CONNECT) to it. Check the proxy' in shown


@pytest.mark.parametrize('refusing, scheme, connects', [
    (lambda: TunnelRefusingProxy('403 Forbidden'), 'http', 1),
    (lambda: TunnelRefusingProxy('502 Bad Gateway'), 'http', 3),
    (lambda: TunnelRefusingSocksProxy(0x02), 'socks5h', 1),
    (lambda: TunnelRefusingSocksProxy(0x01), 'socks5h', 3)],
    ids=['http 403', 'http 502', 'socks5 0x02 ruleset', 'socks5 0x01 general failure'])
def test_a_proxy_s_tunnel_refused_by_its_rule_is_final_at_once_and_by_a_passing_fault_is_retried(
        vendors, monkeypatch, refusing, scheme, connects):
    # A 403 is the proxy's rule, which a retry meets again; a 502 its gateway's passing fault, as a vendor's is. Their
    # SOCKS5 twins (RFC 1928 section 6): reply 2, "connection not allowed by ruleset"; reply 1, a general failure.
    proxy = refusing()
    try:
        shown = unreached_proxy_error(vendors, monkeypatch, proxy.port, scheme, xdr_url='https://xdr.example.invalid',
                                      max_retries='2', retry_backoff='0')
    finally:
        proxy.close()

    assert proxy.connects == connects, shown
    assert ('retried 2 times' in shown) == (connects == 3), shown


@pytest.mark.parametrize('command, params, args', [
    ('restore-file', {'xdr_url': 'https://xdr.example.invalid', 'xdr_api_key_id': '7',
                      'xdr_api_key': {'password': 'k' * 40}, 'xdr_auth_type': 'standard'}, {'file_hash': XDR_HASH}),
    ('hss-restore-isolated', {'hss_project_id': 'p1', 'hss_region': 'ap-southeast-1', 'hss_auth_type': 'aksk',
                              'hss_aksk': {'identifier': 'AK', 'password': 's' * 40}}, {'file_hash': HSS_HASH})])
def test_a_proxy_s_403_to_a_tunnel_is_not_left_for_a_next_check_and_says_what_to_change(monkeypatch, command, params,
                                                                                        args):
    # The proxy's rule (it allows only listed destinations) holds at every check: only the analyst can change it
    proxy = TunnelRefusingProxy('403 Forbidden')
    every_request_through(monkeypatch, f'http://127.0.0.1:{proxy.port}')
    room = WarRoom(params={**params, 'proxy': True, 'max_retries': '2', 'retry_backoff': '0'}, time_scale=0.0,
                   sleep=lambda _: None)
    try:
        result = room.run(command, {**args, 'polling': 'true'})
    finally:
        proxy.close()

    shown = json.dumps(result.entries)
    assert (proxy.connects, result.runs) == (1, 1), shown
    assert result.entries[-1]['Type'] == ENTRY_ERROR and 'next check' not in shown, shown
    assert 'refused to open a tunnel' in shown and '(403 Forbidden)' in shown, shown  # the proxy's words
    assert 'allow a tunnel (CONNECT) to it' in shown and 'uncheck \\"Use system proxy settings\\"' in shown, shown


@pytest.mark.parametrize('refusing, scheme, says', [
    (lambda: TunnelRefusingProxy('403 Forbidden'), 'http', '(403 Forbidden)'),
    (lambda: TunnelRefusingSocksProxy(0x02), 'socks5h', '(0x02: Connection not allowed by ruleset)')],
    ids=['http 403', 'socks5 0x02 ruleset'])
def test_a_proxy_refusing_a_tunnel_by_its_rule_is_asked_once_per_run_and_each_file_says_so(monkeypatch, refusing,
                                                                                           scheme, says):
    # The proxy's rule holds for every file's request to the same vendor: asking it once per file says nothing new.
    proxy = refusing()
    proxy.url = f'{scheme}://127.0.0.1:{proxy.port}'
    hashes = [digit * 64 for digit in '012']
    params = {'xdr_url': 'https://xdr.example.invalid', 'xdr_api_key_id': '7', 'xdr_api_key': {'password': 'k' * 40},
              'xdr_auth_type': 'standard', 'proxy': True, 'max_concurrency': '1', 'xdr_rate_limit': '1000'}
    demisto, shown = restore_files_through(monkeypatch, proxy, params, hashes)

    assert proxy.connects == 1, shown
    [records] = demisto.entries[-1]['EntryContext'].values()
    assert [record['file_hash'] for record in records] == hashes, shown
    for record in records:  # the proxy's words, and what to do
        assert f'refused to open a tunnel to xdr.example.invalid:443 {says}' in record['error'], shown
        assert 'allow a tunnel (CONNECT) to it' in record['error'], shown
    assert demisto.entries[-1]['Type'] == ENTRY_ERROR and 'next check' not in shown, shown


def test_a_socks5h_proxy_that_cannot_reach_the_vendor_s_name_is_said_to_with_its_reply_and_what_to_check(
        vendors, monkeypatch):
    name = 'xdr.nowhere.invalid'  # RFC 6761: .invalid names nothing, so a proxy that resolves it answers an error
    proxy = TunnelRefusingSocksProxy()
    try:
        shown = unreached_proxy_error(vendors, monkeypatch, proxy.port, 'socks5h', xdr_url=f'https://{name}')
    finally:
        proxy.close()

    assert proxy.names == [name]  # socks5h: the name went to the proxy, not looked up here
    assert f'sets refused to open a tunnel to {name}:443 (0x04: Host unreachable), so nothing reached' in shown
    assert f'Check "Cortex XDR server URL" (xdr_url): the proxy must resolve and reach {name}:443' in shown


@pytest.mark.parametrize('scheme', ['http', 'socks5h'])
def test_a_proxy_whose_name_does_not_resolve_is_said_so_with_the_resolver_reason_and_what_to_check(
        vendors, monkeypatch, scheme):
    name = 'proxy.nowhere.invalid'  # RFC 2606: .invalid names nothing
    with pytest.raises(socket.gaierror) as lookup:
        socket.getaddrinfo(name, 3128)

    shown = unreached_proxy_error(vendors, monkeypatch, 3128, scheme, name, xdr_url='https://xdr.example.invalid')

    assert f'sets could not be reached: its name could not be resolved ({lookup.value.strerror}), so' in shown
    assert f'Check that this machine\'s DNS resolves {name}.' in shown


@pytest.mark.parametrize('vendor, setting, value, settings', [
    (0, 'xdr_url', 'https://xdr.nowhere.invalid', '"Cortex XDR server URL" (xdr_url)'),
    (1, 'hss_endpoint', 'hss.nowhere.invalid', '"Huawei Cloud HSS endpoint" (hss_endpoint) or "Huawei Cloud region"')])
def test_a_vendor_host_name_that_does_not_resolve_is_said_so_with_the_resolver_reason_retried_and_what_to_check(
        vendors, monkeypatch, vendor, setting, value, settings):
    name = urlsplit(f'https://{value.partition("://")[2] or value}').hostname
    with pytest.raises(socket.gaierror) as lookup:  # RFC 6761: .invalid names nothing
        socket.getaddrinfo(name, 443)
    for variable in PROXY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)

    entry = run({**vendors[vendor].params(), 'max_retries': '1', 'retry_backoff': '0', setting: value}, 'test-module')

    shown = entry['Contents']
    assert entry['Type'] == ENTRY_ERROR and 'Failed to resolve' not in shown and 'Errno' not in shown, shown
    assert f'at {name}: its name could not be resolved ({lookup.value.strerror}). The request was retried once' in shown
    assert f'Check {settings}' in shown and f'and that this machine\'s DNS resolves {name}.' in shown


def test_an_https_proxy_whose_certificate_is_not_trusted_is_named_with_the_tls_reason_and_what_to_do(
        vendors, monkeypatch, certificate):
    proxy = TlsPeer(*certificate)  # self-signed: certifi's bundle does not trust it
    try:
        shown = unreached_proxy_error(vendors, monkeypatch, proxy.port, 'https', xdr_url='https://xdr.example.invalid')
    finally:
        proxy.close()

    assert 'sets failed the TLS handshake ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed' in shown
    assert 'Its certificate is verified as the vendors\' are: make its certificate authority trusted' in shown


def refused_behind_environment_proxy(monkeypatch, vendors, command, args, mode, proxy_url):
    """Runs the command with "Use system proxy settings" on and ``proxy_url`` in every proxy variable of the
    environment; asserts it ends in an error entry, and returns the entries and the log as text."""
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, proxy_url)
    demisto = Demisto(dict(vendor_params(vendors, command, mode), proxy=True), command, dict(args), {}, [])
    ri.main(demisto)
    assert demisto.entries[-1]['Type'] == ENTRY_ERROR
    return json.dumps(demisto.entries) + json.dumps(demisto.log)


@pytest.mark.parametrize('separator', ['#', '/', '?'])
@pytest.mark.parametrize('command, args, mode', COMMANDS)
def test_a_proxy_url_from_the_environment_that_cannot_be_read_is_named_without_its_password(
        vendors, proxy, monkeypatch, command, args, mode, separator):
    # A password holding #, / or ? not percent-encoded: requests cannot parse the URL and quotes the piece before it.
    shown = refused_behind_environment_proxy(
        monkeypatch, vendors, command, args, mode,
        f'http://operator:{separator.join(PROXY_PASSWORD_HALVES)}@{proxy.url[7:]}')

    assert not [half for half in PROXY_PASSWORD_HALVES if half in shown]
    assert 'HTTPS_PROXY' in shown and 'Use system proxy settings' in shown and 'fault in the integration' not in shown
    assert proxy.seen == [] and all(vendor.gateway.requests == [] for vendor in vendors)


@pytest.mark.parametrize('scheme', ['ftp', 'gopher'])
def test_a_proxy_of_a_scheme_requests_takes_no_proxy_of_says_which_form_to_give(vendors, proxy, monkeypatch, scheme):
    # No proxy scheme at all: not a password to encode. (socks5 is one: XSOAR's image has PySocks, which requests uses.)
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, f'{scheme}://operator:{PROXY_PASSWORD_HALVES[0]}@{proxy.url[7:]}')
    xdr, _ = vendors

    demisto = Demisto(dict(vendor_params(vendors, 'restore-file', 'xdr'), proxy=True), 'restore-file',
                      {'file_hash': XDR_HASH}, {}, [])
    ri.main(demisto)

    shown = json.dumps(demisto.entries)
    assert demisto.entries[-1]['Type'] == ENTRY_ERROR and PROXY_PASSWORD_HALVES[0] not in shown
    assert 'scheme' in shown and 'http://host:port' in shown
    assert proxy.seen == [] and xdr.gateway.requests == []


@pytest.mark.parametrize('variable', ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
def test_a_ca_bundle_variable_naming_no_file_is_named_as_such(tls_vendors, tmp_path, monkeypatch, variable):
    # An engine set up for a private certificate authority names its bundle in these variables, as requests reads them.
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, str(tmp_path / 'no-such-bundle.pem'))
    xdr, hss, params = tls_vendors

    entry = run(for_command(params, 'restore-file', 'xdr'), 'restore-file', {'file_hash': XDR_HASH})

    assert entry['Type'] == ENTRY_ERROR
    assert 'no-such-bundle.pem' in entry['Contents'] and variable in entry['Contents']
    assert 'fault in the integration' not in entry['Contents']
    assert xdr.gateway.requests == []


@pytest.mark.parametrize('variable', ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
def test_a_ca_bundle_variable_naming_a_file_with_no_certificate_names_the_variable_not_the_server(
        tls_vendors, tmp_path, monkeypatch, variable):
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.delenv(name, raising=False)
    bundle = tmp_path / 'damaged-bundle.pem'
    bundle.write_text('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    monkeypatch.setenv(variable, str(bundle))
    xdr, hss, params = tls_vendors

    entry = run(for_command(params, 'restore-file', 'xdr'), 'restore-file', {'file_hash': XDR_HASH})

    assert entry['Type'] == ENTRY_ERROR and variable in entry['Contents']
    assert 'TLS setup of the server' not in entry['Contents']  # no handshake took place: the server is not at fault
    assert xdr.gateway.requests == []


@pytest.fixture
def no_network(monkeypatch):
    """Records (and blocks) every name lookup and connection attempt to anything but the loopback proxy."""
    attempts = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):
        attempts.append(('lookup', host))
        if host not in ('127.0.0.1', 'localhost'):
            raise socket.gaierror(socket.EAI_NONAME, 'blocked by the test')
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self, address):
        attempts.append(('connect', address))
        return real_connect(self, address)

    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)
    monkeypatch.setattr(socket.socket, 'connect', connect)
    return attempts


PLAIN_HTTP = [
    ('restore-file', {'file_hash': XDR_HASH}, {'xdr_url': 'http://example.invalid'}, 'xdr_url'),
    ('restore-file', {'file_hash': XDR_HASH}, {'xdr_url': 'http://127.0.0.1.example.invalid:8443'}, 'xdr_url'),
    ('restore-file', {'file_hash': XDR_HASH}, {'xdr_url': 'http://localhost.example.invalid'}, 'xdr_url'),
    ('hss-restore-isolated', {'file_hash': HSS_HASH}, {'hss_endpoint': 'http://example.invalid'}, 'hss_endpoint'),
    ('hss-restore-isolated', {'file_hash': HSS_HASH},
     {'hss_auth_type': 'token', 'hss_iam_endpoint': 'http://example.invalid'}, 'hss_iam_endpoint'),
    ('test-module', {}, {'hss_endpoint': 'http://10.0.0.1:8080'}, 'hss_endpoint'),
]


@pytest.mark.parametrize('command, args, overrides, setting', PLAIN_HTTP)
@pytest.mark.parametrize('proxy_checked', [False, True])
def test_plain_http_to_another_host_is_refused_before_any_connection(vendors, proxy, no_network, command, args,
                                                                    overrides, setting, proxy_checked):
    xdr, hss = vendors
    params = {**hss.params(), **xdr.params(), **overrides, 'proxy': proxy_checked}
    if command == 'restore-file':
        params = {k: v for k, v in params.items() if not k.startswith('hss_')}

    entry = run(params, command, args)

    assert entry['Type'] == ENTRY_ERROR
    assert 'The instance setting "' in entry['Contents'] and f'({setting}) uses plain http to' in entry['Contents']
    assert 'Use https, or check "Trust any certificate' in entry['Contents'] and '(insecure)' in entry['Contents']
    assert no_network == [] and proxy.seen == []
    assert xdr.gateway.requests == [] and hss.gateway.requests == []


@pytest.mark.parametrize('host', ['127.0.0.1', 'localhost'])
def test_plain_http_to_loopback_is_allowed(vendors, host):
    xdr, _ = vendors
    url = xdr.url.replace('127.0.0.1', host)

    assert run(dict(xdr.params(), xdr_url=url), 'test-module')['Contents'] == 'ok'


def test_with_insecure_plain_http_to_another_host_is_allowed(vendors, proxy):
    # The request is made (here it reaches the proxy, which has no route to example.invalid).
    xdr, _ = vendors
    params = dict(xdr.params(), xdr_url='http://example.invalid', insecure=True, proxy=True, max_retries='0')

    entry = run(params, 'restore-file', {'file_hash': XDR_HASH})

    assert entry['Type'] == ENTRY_ERROR and 'HTTP 502' in entry['Contents']
    assert [(method, host) for method, host, _ in proxy.seen] == [('POST', 'example.invalid')]


@pytest.mark.parametrize('insecure', [False, True])
def test_an_https_url_on_a_plain_http_port_is_named_as_such_not_as_a_certificate_problem(advanced_tenant, insecure):
    http_port = advanced_tenant.server.url.rsplit(':', 1)[1]
    params = dict(advanced_tenant.params(), xdr_url=f'https://127.0.0.1:{http_port}', insecure=insecure)

    entry = run(params, 'restore-file', {'file_hash': 'a' * 64, 'polling': 'false'})

    assert entry['Type'] == ENTRY_ERROR
    assert 'answered in plain HTTP' in entry['Contents'] and 'Trust any certificate' not in entry['Contents']


class LoopbackPeer:
    """A port on 127.0.0.1 that answers each connection once, as its subclass's ``_answer`` says, then closes it."""

    def __init__(self):
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                self._answer(connection)

    def close(self):
        self.listener.close()


class AlertingTlsPeer(LoopbackPeer):
    """A port that answers every TLS ClientHello with a fatal handshake_failure alert (RFC 8446 6.2, record type 21,
    alert 40): a TLS server that shares no protocol version or cipher with the client."""

    ALERT = bytes([21, 3, 3, 0, 2, 2, 40])

    def __init__(self):
        self.hellos = 0
        super().__init__()
        self.url = f'https://127.0.0.1:{self.port}'

    def _answer(self, connection):
        if connection.recv(4096)[:1] == b'\x16':  # a handshake record: the ClientHello
            self.hellos += 1
        connection.sendall(self.ALERT)


@pytest.mark.parametrize('insecure', [True, False], ids=['verification off', 'verification on'])
def test_a_tls_handshake_the_server_breaks_off_names_the_host_and_says_to_check_it_not_the_certificate(insecure):
    # No certificate was sent (the peer refused the ClientHello): trusting any certificate cannot help.
    peer = AlertingTlsPeer()
    try:
        entry = run({'xdr_url': peer.url, 'xdr_api_key_id': '17', 'xdr_api_key': {'password': 'k' * 40},
                     'insecure': insecure, 'max_retries': '0'}, 'restore-file', {'file_hash': XDR_HASH})
    finally:
        peer.close()

    host = peer.url.split('//')[1]
    assert entry['Type'] == ENTRY_ERROR and peer.hellos == 1
    assert f'The TLS handshake with Cortex XDR at {host} failed' in entry['Contents']
    assert 'host and port' in entry['Contents']
    assert 'HANDSHAKE_FAILURE' in entry['Contents'].upper()  # what TLS said, kept
    assert 'certificate' not in entry['Contents'].lower() and 'plain HTTP' not in entry['Contents']


def not_started_record(entry: dict) -> tuple[dict, str]:
    """The one file's record, checked to say its restore never started (nothing went out), and the entry as shown."""
    [record] = entry['EntryContext'].values()
    shown = json.dumps(entry)
    assert record['may_have_started'] is False and 'may have started' not in shown and 'Action Center' not in shown
    return record, shown


def test_a_tls_handshake_that_never_completes_is_a_connection_not_made_not_a_restore_that_may_have_started():
    # A server that takes the connection (the kernel's queue) and never answers the ClientHello: the request itself
    # never went out, so nothing reached Cortex XDR (README, Reliability: only an attempt that may have reached the
    # service says the vendor may have acted), and the time that ran out is the connect timeout's.
    listener = socket.create_server(('127.0.0.1', 0))
    try:
        entry = run({'xdr_url': f'https://127.0.0.1:{listener.getsockname()[1]}', 'xdr_api_key_id': '17',
                     'xdr_api_key': {'password': 'k' * 40}, 'connect_timeout': '0.5', 'read_timeout': '30',
                     'max_retries': '1', 'retry_backoff': '0'}, 'restore-file', {'file_hash': XDR_HASH})
    finally:
        listener.close()

    record, shown = not_started_record(entry)
    assert 'did not accept a connection within 0.5 s' in record['error'] and 'read timeout' not in shown


def test_a_tls_handshake_the_network_resets_is_a_connection_not_made_not_a_restore_that_may_have_started():
    # As a firewall that filters on the ClientHello's server name resets the connection: the request never went out.
    listener = socket.create_server(('127.0.0.1', 0))

    def reset_each_hello():
        while True:
            try:
                connection = listener.accept()[0]
            except OSError:  # the test is over
                return
            connection.recv(4096)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))  # closed: a reset
            connection.close()

    threading.Thread(target=reset_each_hello, daemon=True).start()
    try:
        entry = run({'xdr_url': f'https://127.0.0.1:{listener.getsockname()[1]}', 'xdr_api_key_id': '17',
                     'xdr_api_key': {'password': 'k' * 40}, 'max_retries': '1', 'retry_backoff': '0'}, 'restore-file',
                    {'file_hash': XDR_HASH})
    finally:
        listener.close()

    record, shown = not_started_record(entry)
    assert 'Could not connect to Cortex XDR' in record['error'] and 'broke before the answer' not in shown


def test_a_trusted_certificate_that_names_another_host_is_a_certificate_that_could_not_be_verified(
        certificate_of_another_host, monkeypatch):
    # The control for the test above: a certificate the client does check, trusted but for another name.
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', certificate_of_another_host[0])
    server = TlsLoopbackServer(lambda request: Response(200, b'{}', {}), *certificate_of_another_host).start()
    host = server.url.split('//')[1]
    try:
        entry = run({'xdr_url': server.url, 'xdr_api_key_id': '17', 'xdr_api_key': {'password': 'k' * 40},
                     'max_retries': '0'}, 'restore-file', {'file_hash': XDR_HASH})
    finally:
        server.stop()

    assert entry['Type'] == ENTRY_ERROR
    assert f'TLS certificate of Cortex XDR at {host} could not be verified' in entry['Contents']
    assert 'mismatch' in entry['Contents'] and f'"{facts.INSECURE_DISPLAY}' in entry['Contents']


@pytest.mark.parametrize('command, args, mode', COMMANDS)
def test_a_proxy_url_whose_host_cannot_be_read_is_refused_in_words_without_its_password(
        vendors, proxy, monkeypatch, command, args, mode):
    # An IPv6 host without its closing bracket: neither urllib's urlsplit nor requests can read the URL.
    shown = refused_behind_environment_proxy(
        monkeypatch, vendors, command, args, mode, f'http://operator:{PROXY_PASSWORD_HALVES[0]}@[{proxy.url[7:]}')

    assert PROXY_PASSWORD_HALVES[0] not in shown
    assert 'HTTPS_PROXY' in shown and 'Use system proxy settings' in shown and 'fault in the integration' not in shown
    assert proxy.seen == [] and all(vendor.gateway.requests == [] for vendor in vendors)


@pytest.mark.parametrize('command, args, mode', COMMANDS)
def test_a_proxy_login_outside_latin1_is_refused_in_words_without_its_password(
        vendors, proxy, monkeypatch, command, args, mode):
    # HTTP Basic proxy authentication sends the login in Latin-1: a euro sign in it cannot be sent at all
    shown = refused_behind_environment_proxy(monkeypatch, vendors, command, args, mode,
                                             f'http://operator:{PROXY_PASSWORD_HALVES[0]}\u20ac@{proxy.url[7:]}')

    assert PROXY_PASSWORD_HALVES[0] not in shown and 'Latin-1' in shown and 'HTTPS_PROXY' in shown
    assert 'fault in the integration' not in shown
    assert proxy.seen == [] and all(vendor.gateway.requests == [] for vendor in vendors)


class RefusingTunnelProxy(LoopbackPeer):
    """A proxy on 127.0.0.1 that answers every CONNECT with 407 Proxy Authentication Required, counting them."""

    def __init__(self):
        self.logins, self.authorized = 0, []  # each CONNECT carries the login; whether it had Proxy-Authorization
        super().__init__()
        self.url = f'http://operator:{PROXY_PASSWORD_HALVES[1]}@127.0.0.1:{self.port}'

    def _answer(self, connection):
        head = b''
        while b'\r\n\r\n' not in head and (data := connection.recv(4096)):
            head += data
        self.logins += head.startswith(b'CONNECT ')
        self.authorized.append(b'\r\nproxy-authorization: basic ' in head.lower())
        connection.sendall(b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\n'
                           b'Content-Length: 0\r\nConnection: close\r\n\r\n')


class TunnelRefusingProxy(LoopbackPeer):
    """A proxy on 127.0.0.1 that answers every CONNECT with ``status`` (as "403 Forbidden"), counting them."""

    def __init__(self, status: str):
        self.status, self.connects = status, 0
        super().__init__()

    def _answer(self, connection):
        head = b''
        while b'\r\n\r\n' not in head and (data := connection.recv(4096)):
            head += data
        self.connects += head.startswith(b'CONNECT ')
        connection.sendall(f'HTTP/1.1 {self.status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'.encode())


class TlsPeer(LoopbackPeer):
    """A port on 127.0.0.1 that speaks TLS with the given certificate, and nothing past the handshake."""

    def __init__(self, certfile, keyfile):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(certfile, keyfile)
        super().__init__()

    def _answer(self, connection):
        try:
            self.context.wrap_socket(connection, server_side=True).close()
        except ssl.SSLError:  # the client refused the certificate
            pass


class TunnelRefusingSocksProxy(LoopbackPeer):
    """A SOCKS5 proxy on 127.0.0.1 that takes no login and answers every CONNECT to a name (RFC 1928's address type 3)
    with ``reply`` (RFC 1928 section 6: by default 4, Host unreachable, as one that cannot resolve it does); it keeps
    the names asked for."""

    def __init__(self, reply: int = 0x04):
        self.names, self.reply = [], reply
        super().__init__()

    @property
    def connects(self) -> int:
        return len(self.names)

    def _answer(self, connection):
        greeting = connection.recv(2)
        connection.recv(greeting[1])
        connection.sendall(b'\x05\x00')  # no authentication
        request = connection.recv(512)  # version, CONNECT, reserved, type 3, the name's length, the name, the port
        if request[3:4] == b'\x03':
            self.names.append(request[5:5 + request[4]].decode())
        connection.sendall(bytes([5, self.reply, 0, 1]) + bytes(6))  # the reply, a zero IPv4 address and port


class RefusingSocksProxy(LoopbackPeer):
    """A SOCKS5 proxy on 127.0.0.1 that asks for a user name and password (RFC 1929) and refuses every login it is
    given, counting them."""

    def __init__(self):
        self.logins = 0
        super().__init__()
        self.url = f'socks5://operator:{PROXY_PASSWORD_HALVES[1]}@127.0.0.1:{self.port}'

    def _answer(self, connection):
        greeting = connection.recv(2)  # version 5, then how many methods the client offers
        connection.recv(greeting[1])
        connection.sendall(b'\x05\x02')  # RFC 1928: username/password, please
        login = connection.recv(513)
        self.logins += login[:1] == b'\x01'
        connection.sendall(b'\x01\x01')  # RFC 1929: a status other than 0 is a failure


def test_a_proxy_that_refuses_iam_the_renewal_of_a_cached_token_is_not_asked_again_by_the_hss_request():
    # Token mode, a cached token in its last minutes (due for renewal, still usable): IAM's request meets the proxy's
    # 407 first. The HSS request would carry the same login through the same proxy: README, the proxy is asked "once
    # per run, never again by a retry, by the run's other requests".
    tunnel = RefusingTunnelProxy()
    params = {'hss_project_id': 'p1', 'hss_region': 'ap-southeast-1', 'hss_auth_type': 'token',
              'hss_domain': 'acme', 'hss_credentials': {'identifier': 'ops', 'password': 'p' * 16}, 'proxy': True}
    identity = ri.token_identity(ri.read_hss_settings(params))
    cached = {'identity': identity, 'token': 't' * 64, 'expires_at': time.time() + 5 * 60}
    try:
        with pytest.MonkeyPatch.context() as patch:
            every_request_through(patch, tunnel.url)
            demisto = Demisto(params, 'hss-restore-isolated', {'file_hash': HSS_HASH},
                              {'hss_iam_token': json.dumps(cached)}, [])
            ri.main(demisto)
    finally:
        tunnel.close()

    assert tunnel.logins == 1 and demisto.entries[-1]['Type'] == ENTRY_ERROR
    assert 'refused its login' in json.dumps(demisto.entries)


class RuleTunnelProxy(LoopbackPeer):
    """A proxy on 127.0.0.1 that opens a tunnel (CONNECT) to ``allowed`` (host:port) alone, and by its rule answers
    403 Forbidden to any other; it keeps each host:port it was asked for."""

    def __init__(self, allowed: str):
        self.allowed, self.asked = allowed, []
        super().__init__()

    def _serve(self):
        while True:  # a tunnel lasts as long as its connection: each on a thread of its own
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection):
        with connection:
            head = b''
            while b'\r\n\r\n' not in head and (data := connection.recv(4096)):
                head += data
            target = head.split(b' ')[1].decode()
            self.asked.append(target)
            if target != self.allowed:
                connection.sendall(b'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
                return
            host, port = target.rsplit(':', 1)
            with socket.create_connection((host, int(port))) as upstream:
                connection.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
                back = threading.Thread(target=relay, args=(upstream, connection), daemon=True)
                back.start()
                relay(connection, upstream)
                back.join(10)


def relay(source: socket.socket, sink: socket.socket) -> None:
    """Sends on what ``source`` gives until it ends, then ends ``sink``'s sending."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


class RuleSocksProxy(RuleTunnelProxy):
    """RuleTunnelProxy's SOCKS5 twin: it takes no login, opens a tunnel (CONNECT) to ``allowed`` alone, and by its rule
    answers any other with reply 2, connection not allowed by ruleset (RFC 1928 section 6)."""

    def _answer(self, connection):
        with connection:
            greeting = connection.recv(2)
            connection.recv(greeting[1])
            connection.sendall(b'\x05\x00')  # no authentication
            request = connection.recv(4)  # version, CONNECT, reserved, the address type
            if request[3] == 3:  # a name (a socks5h:// proxy resolves it), after its length
                host = connection.recv(connection.recv(1)[0]).decode()
            else:  # an IPv4 address (PySocks sends an address as one, socks5h:// or not)
                host = socket.inet_ntoa(connection.recv(4))
            target = f'{host}:{int.from_bytes(connection.recv(2), "big")}'
            self.asked.append(target)
            if target != self.allowed:
                connection.sendall(bytes([5, 2, 0, 1]) + bytes(6))  # the reply, a zero IPv4 address and port
                return
            with socket.create_connection(target.rsplit(':', 1)) as upstream:
                connection.sendall(bytes([5, 0, 0, 1]) + bytes(6))
                back = threading.Thread(target=relay, args=(upstream, connection), daemon=True)
                back.start()
                relay(connection, upstream)
                back.join(10)


@pytest.mark.parametrize('rule_proxy, scheme', [(RuleTunnelProxy, 'http'), (RuleSocksProxy, 'socks5h')],
                         ids=['http 403', 'socks5 0x02 ruleset'])
def test_a_proxy_refusing_iam_s_tunnel_by_its_rule_leaves_a_held_token_that_outlives_the_run_to_serve_hss(
        certificate, monkeypatch, rule_proxy, scheme):
    # Token mode, a held token in its last minutes (due for renewal, yet it outlives the command). The proxy allows a
    # tunnel to HSS only: its rule refuses IAM's host, not HSS's, and HSS's requests need no IAM request, so the held
    # token serves them, as when IAM cannot be reached for any other reason. IAM's tunnel is asked once in the run.
    # A SOCKS5 proxy's rule (reply 2) is no refusal of its login either (socks5h: IAM's name goes to the proxy).
    tenant = start_hss_tenant()
    hss = TlsLoopbackServer(create_hss_app(tenant.gateway), *certificate).start()
    params = tenant.params('token', hss_endpoint=hss.url, hss_iam_endpoint='', proxy=True)  # the region's IAM
    user = tenant.base_params['hss_credentials']
    login = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': user['identifier'], 'password': user['password'], 'domain': {'name': params['hss_domain']}}}},
        'scope': {'project': {'id': params['hss_project_id']}}}}
    token = requests.post(tenant.iam_url + '/v3/auth/tokens', json=login, timeout=10).headers['X-Subject-Token']
    hss_host = urlsplit(hss.url).netloc
    proxy = rule_proxy(hss_host)
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', certificate[0])
    every_request_through(monkeypatch, f'{scheme}://127.0.0.1:{proxy.port}')
    held = {'identity': ri.token_identity(ri.read_hss_settings(params)), 'token': token,
            'expires_at': time.time() + 5 * 60}
    demisto = Demisto(params, 'hss-restore-isolated', {'file_hash': HSS_HASH}, {'hss_iam_token': json.dumps(held)}, [])
    try:
        ri.main(demisto)
    finally:
        proxy.close()
        hss.stop()
        tenant.stack.close()

    shown = json.dumps(demisto.entries)
    assert demisto.entries[-1]['Type'] != ENTRY_ERROR, shown
    assert proxy.asked.count('iam.ap-southeast-1.myhuaweicloud.com:443') == 1, proxy.asked
    assert hss_host in proxy.asked, proxy.asked  # HSS's tunnel, which the proxy's rule allows
    sent = tenant.requests_to('PUT', '/event/isolated-file')
    assert sent and all(request.token == token for request in sent), sent


def restore_files_through(monkeypatch, proxy, params: dict, hashes: list[str]) -> tuple[Demisto, str]:
    """restore-file of ``hashes`` run with the environment's every proxy variable naming ``proxy`` (closed after it):
    its demisto, and what its entries and log show."""
    every_request_through(monkeypatch, proxy.url)
    try:
        demisto = Demisto(params, 'restore-file', {'file_hash': ','.join(hashes)}, {}, [])
        ri.main(demisto)
    finally:
        proxy.close()
    return demisto, json.dumps(demisto.entries) + json.dumps(demisto.log)


# XSOAR's image has PySocks (test_data/xsoar/docker_image_packages.json): requests takes a socks5:// proxy there too
@pytest.mark.parametrize('refusing, says', [(RefusingTunnelProxy, '407'), (RefusingSocksProxy, 'SOCKS5')],
                         ids=['http proxy', 'socks5 proxy'])
def test_a_proxy_that_refuses_its_login_is_asked_once_per_run_and_named_as_refusing_it(monkeypatch, refusing, says):
    # A proxy that checks a directory may lock the account (Active Directory's lockout threshold is often 5): a refused
    # login is not sent again, by a retry nor by the other requests of the run, which carry the same login (bulk work:
    # a request per file). One request at a time here, so that none is in flight when the proxy refuses.
    tunnel = refusing()
    hashes = [digit * 64 for digit in '0123456789']
    params = {'xdr_url': 'https://xdr.example.invalid', 'xdr_api_key_id': '7', 'xdr_api_key': {'password': 'k' * 40},
              'xdr_auth_type': 'standard', 'proxy': True, 'max_concurrency': '1', 'xdr_rate_limit': '1000'}
    demisto, shown = restore_files_through(monkeypatch, tunnel, params, hashes)

    assert tunnel.logins == 1  # the first request's; every other file is refused with what the proxy said to it
    assert demisto.entries[-1]['Type'] == ENTRY_ERROR and says in shown and 'refused its login' in shown
    assert all(file_hash in json.dumps(demisto.entries) for file_hash in hashes)
    assert PROXY_PASSWORD_HALVES[1] not in shown and 'fault in the integration' not in shown
    assert 'password in that variable\'s URL (its user:password@ part, not shown)' in shown  # where its login is
    assert 'next check sends' not in shown  # nor handed to a later run to send again


@pytest.mark.parametrize('login', [True, False], ids=['login in the proxy url', 'no login in the proxy url'])
def test_a_proxy_s_407_is_a_refused_login_only_when_its_url_holds_one_else_a_login_asked_for_and_none_set(
        monkeypatch, login):
    # With no user:password@ in the proxy URL no login went: "refused its login" would send the analyst to correct a
    # password that is not there. Either way the proxy is asked once per run, and what to do is where a login goes.
    tunnel = RefusingTunnelProxy()
    if not login:
        tunnel.url = f'http://127.0.0.1:{tunnel.port}'
    key = 'k' * 40
    params = {'xdr_url': 'https://xdr.example.invalid', 'xdr_api_key_id': '7', 'xdr_api_key': {'password': key},
              'xdr_auth_type': 'standard', 'proxy': True, 'max_concurrency': '1', 'xdr_rate_limit': '1000'}
    demisto, shown = restore_files_through(monkeypatch, tunnel, params, [digit * 64 for digit in '012'])

    assert tunnel.logins == 1 and demisto.entries[-1]['Type'] == ENTRY_ERROR, shown
    assert ('refused its login (407 Proxy Authentication Required)' in shown) == login, shown
    assert ('asks for a login (407 Proxy Authentication Required), and its URL holds none' in shown) != login, shown
    assert 'that variable\'s URL (its user:password@ part' in shown, shown
    assert PROXY_PASSWORD_HALVES[1] not in shown and 'operator' not in shown and key not in shown


class LoginAskingSocksProxy(LoopbackPeer):
    """A SOCKS5 proxy on 127.0.0.1 that answers every greeting with ``method`` (RFC 1928 section 3: 2, username and
    password, or 0xFF, none of those offered acceptable), counting the greetings and keeping the methods offered."""

    def __init__(self, method: int):
        self.method, self.connects, self.offered = method, 0, []
        super().__init__()
        self.url = f'socks5h://127.0.0.1:{self.port}'  # no user:password@: the client offers no login

    def _answer(self, connection):
        greeting = connection.recv(2)
        self.offered.append(list(connection.recv(greeting[1])))
        self.connects += 1
        connection.sendall(bytes([5, self.method]))


@pytest.mark.parametrize('method', [0x02, 0xFF], ids=['asks for username and password', 'no method acceptable'])
def test_a_socks5_proxy_asking_for_a_login_its_url_does_not_hold_is_said_so_and_asked_once_per_run(
        monkeypatch, method):
    # The SOCKS5 twin of a 407 with no login in the proxy URL: what the proxy needs is a login, which only the analyst
    # can add, not a connection a retry or a next check would find.
    proxy = LoginAskingSocksProxy(method)
    params = {'xdr_url': 'https://xdr.example.invalid', 'xdr_api_key_id': '7', 'xdr_api_key': {'password': 'k' * 40},
              'xdr_auth_type': 'standard', 'proxy': True, 'max_concurrency': '1', 'retry_backoff': '0'}
    demisto, shown = restore_files_through(monkeypatch, proxy, params, [digit * 64 for digit in '012'])

    assert proxy.connects == 1 and demisto.entries[-1]['Type'] == ENTRY_ERROR, shown
    assert 'asks for a login (' in shown and 'its URL holds none' in shown, shown
    assert 'that variable\'s URL (its user:password@ part' in shown and 'next check' not in shown, shown


def test_a_socks5_proxy_accepting_none_of_the_methods_offered_is_not_said_to_refuse_a_login_it_was_never_sent(
        monkeypatch):
    # RFC 1928 section 3: 0xFF, none of the methods the client offered is acceptable, and the client closes. With a
    # user:password@ in the proxy URL PySocks offers both it can use, no login (0) and username and password (2, RFC
    # 1929); a proxy that takes neither (GSSAPI alone, say) is sent no login, so "refused its login" would send the
    # analyst to correct a password nobody checked. Final all the same: asked once per run.
    proxy = LoginAskingSocksProxy(0xFF)
    proxy.url = f'socks5h://operator:{PROXY_PASSWORD_HALVES[1]}@127.0.0.1:{proxy.port}'
    key = 'k' * 40
    params = {'xdr_url': 'https://xdr.example.invalid', 'xdr_api_key_id': '7', 'xdr_api_key': {'password': key},
              'xdr_auth_type': 'standard', 'proxy': True, 'max_concurrency': '1', 'retry_backoff': '0'}
    demisto, shown = restore_files_through(monkeypatch, proxy, params, [digit * 64 for digit in '012'])

    assert proxy.offered == [[0, 2]] and demisto.entries[-1]['Type'] == ENTRY_ERROR, shown
    assert 'refused its login' not in shown and 'its login was not sent' in shown, shown
    assert 'accepts none of the login methods requests can use (no login, user name and password)' in shown, shown
    assert 'next check' not in shown, shown
    assert PROXY_PASSWORD_HALVES[1] not in shown and 'operator' not in shown and key not in shown



@pytest.mark.parametrize('scheme, login, method, sent', [
    ('socks5h', 'operator@', 0x02, []), ('socks5h', 'operator:@', 0x02, []), ('socks5h', 'operator@', 0xFF, []),
    ('socks5h', 'operator:@', 0xFF, []), ('http', 'operator@', None, [False]), ('http', 'operator:@', None, [True])],
    ids=['socks5 user, asks for a login', 'socks5 user and empty password, asks for a login',
         'socks5 user, no method acceptable', 'socks5 user and empty password, no method acceptable',
         'http user', 'http user and empty password'])
def test_a_proxy_url_with_a_user_name_but_no_password_is_said_refusing_a_login_only_when_one_was_sent(
        monkeypatch, scheme, login, method, sent):
    # PySocks offers SOCKS5's username and password (RFC 1929) only with both, so a user name alone sends no login;
    # requests sends an HTTP proxy Basic login with a user name and an empty password (user:@), none with user@.
    if method is None:
        proxy = RefusingTunnelProxy()
    else:
        proxy = LoginAskingSocksProxy(method)
    proxy.url = f'{scheme}://{login}127.0.0.1:{proxy.port}'
    params = {'xdr_url': 'https://xdr.example.invalid', 'xdr_api_key_id': '7', 'xdr_api_key': {'password': 'k' * 40},
              'xdr_auth_type': 'standard', 'proxy': True, 'max_concurrency': '1', 'retry_backoff': '0'}
    demisto, shown = restore_files_through(monkeypatch, proxy, params, [digit * 64 for digit in '012'])

    if method is None:
        assert proxy.authorized == sent, proxy.authorized  # whether requests sent a login at all
    else:
        assert proxy.offered == [[0]], proxy.offered  # no login offered: only "no authentication"
    refused = any(sent)
    assert demisto.entries[-1]['Type'] == ENTRY_ERROR and ('refused its login' in shown) == refused, shown
    assert ('its URL holds a user name but no password, so no login was sent' in shown) != refused, shown
    assert 'accepts none of the login methods' not in shown and 'operator' not in shown, shown
    assert 'that variable\'s URL (its user:password@ part' in shown, shown



@pytest.mark.parametrize('scheme, method', [('socks5h', 0x02), ('socks5h', 0xFF), ('http', None)],
                         ids=['socks5, asks for a login', 'socks5, no method acceptable', 'http'])
def test_a_proxy_url_with_a_password_but_no_user_name_is_said_to_hold_that_never_quoting_the_password(
        monkeypatch, scheme, method):
    # requests sends an HTTP proxy's Basic login, and PySocks offers SOCKS5's username and password, only with a user
    # name: from :password@ no login goes, and "its URL holds none" would send the analyst looking for a login that is
    # there, when what it lacks is the user name before the password.
    if method is None:
        proxy = RefusingTunnelProxy()
    else:
        proxy = LoginAskingSocksProxy(method)
    proxy.url = f'{scheme}://:{PROXY_PASSWORD_HALVES[1]}@127.0.0.1:{proxy.port}'
    params = {'xdr_url': 'https://xdr.example.invalid', 'xdr_api_key_id': '7', 'xdr_api_key': {'password': 'k' * 40},
              'xdr_auth_type': 'standard', 'proxy': True, 'max_concurrency': '1', 'retry_backoff': '0'}
    demisto, shown = restore_files_through(monkeypatch, proxy, params, [digit * 64 for digit in '012'])

    if method is None:
        assert proxy.authorized == [False], proxy.authorized  # no login sent
    else:
        assert proxy.offered == [[0]], proxy.offered  # no login offered: only "no authentication"
    assert demisto.entries[-1]['Type'] == ENTRY_ERROR and 'refused its login' not in shown, shown
    assert 'its URL holds a password but no user name, so no login was sent' in shown, shown
    assert 'its URL holds none' not in shown and PROXY_PASSWORD_HALVES[1] not in shown, shown
    assert 'user name before the password in that variable\'s URL (its user:password@ part' in shown, shown


class TurnsAfterBothChecked(ri.AdaptiveRateLimiter):
    """One turn a second, taken only once both of two requests have begun (each past the check of a refusal at its
    start); the second's wait ends once ``refused()`` says the first one met a refusal (its proxy's, its vendor's)."""

    def __init__(self):
        super().__init__(1, sleep=self.until_refused)
        self.both_begun, self.refused = threading.Barrier(2, timeout=10), None

    def wait_turn(self, deadline: float = float('inf')) -> float:
        self.both_begun.wait()
        return super().wait_turn(deadline)

    def until_refused(self, seconds: float) -> None:
        ends = time.monotonic() + 10
        while not self.refused() and time.monotonic() < ends:
            time.sleep(0.01)


def test_a_request_waiting_for_its_turn_when_the_proxy_refused_another_s_login_does_not_ask_the_proxy(monkeypatch):
    # Side by side, every file's request begins at once, then waits for its turn (the instance's rate): one still
    # waiting when the proxy refused the first login has not asked it yet, and must not (README: only those already
    # in flight then have asked too), or a run asks as many times as max_concurrency, past a lockout threshold of 5.
    tunnel = RefusingTunnelProxy()
    every_request_through(monkeypatch, tunnel.url)
    limiter = TurnsAfterBothChecked()
    client = ri.XdrClient(ri.XdrSettings('https://xdr.example.invalid', '7', 'k' * 40, 'standard'),
                          ri.TransportSettings(proxy=True, max_concurrency=2), limiter)
    limiter.refused = lambda: client.transport.proxy_refusal
    try:
        records, _, unsent = ri.send_xdr_restores(client, ['0' * 64, '1' * 64], None, None, polling=False)
    finally:
        tunnel.close()

    assert tunnel.logins == 1
    assert all('refused its login' in record['error'] for record in records) and not unsent


def test_a_restore_waiting_for_its_turn_when_cortex_xdr_refused_the_key_to_another_is_not_sent():
    # README: a refusal of the key (401) stops the sending, only the requests in flight then still end. Side by side,
    # both files' restores begin at once and wait for their turns: the one still waiting when Cortex XDR refused the
    # key to the other is not sent (it would be refused alike, a failed login more for the key).
    tenant = start_tenant(auth_type='standard')
    tenant.backend.add_api_key('97', 'refused-key-' + 'r' * 30, auth_type='standard')
    hashes = tenant.backend.quarantine_files(2, salt='waiting-for-its-turn')
    limiter = TurnsAfterBothChecked()
    client = ri.XdrClient(ri.XdrSettings(tenant.url, '97', 'not-the-key-' + 'r' * 30, 'standard'),
                          ri.TransportSettings(max_concurrency=2), limiter)
    limiter.refused = lambda: client.refused
    try:
        records, _, unsent = ri.send_xdr_restores(client, hashes, None, None, polling=False)
    finally:
        tenant.server.stop()

    assert len(tenant.gateway.requests) == 1  # the refused restore alone reached Cortex XDR
    assert all(record['status'] == 'FAILED' and 'HTTP 401' in record['error'] for record in records), records
    assert sum(record['error'].startswith('Not sent') for record in records) == 1 and not unsent


@pytest.mark.parametrize('refusal, code', [('secret key', 'APIGW.0301'), ('permission', 'HSS.0013')])
def test_a_batch_waiting_for_its_turn_when_hss_refused_another_for_good_is_not_sent(refusal, code):
    # README: a refusal every later batch would meet (the credentials, a permission) stops the sending, and the
    # batches not sent yet are reported failed with it. Side by side, both batches begin at once and wait for their
    # turns: the one still waiting when HSS refused the other is not sent, nor counted as a restore request.
    tenant = start_hss_tenant()
    host = hss_seed_copies()[HSS_HASH][0]['host_id']
    items = [{name: item[name] for name in ('host_id', 'file_hash', 'file_path')}
             for item in tenant.backend.add_isolated_files(host, 150)]  # two batches of at most 100
    wrong = {'hss_aksk': {**tenant.base_params['hss_aksk'], 'password': 'not-the-secret-key-123'}} \
        if refusal == 'secret key' else {'hss_project_id': 'f' * 32}  # HSS.0013, "Insufficient permissions."
    done, limiter = [], TurnsAfterBothChecked()
    limiter.refused = lambda: done  # the first batch's work ended: its refusal is known
    client = ri.HssClient(ri.read_hss_settings(tenant.params('aksk', **wrong)), ri.TransportSettings(max_concurrency=2),
                          progress=done.append, limiter=limiter)
    client.signing = None  # as once the gateway took a signature of the run: its requests go side by side (README)
    try:
        rows, _, _, _, _, puts, _ = ri.restore_in_batches(client, items, None)
    finally:
        tenant.stack.close()

    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1 and puts == 1
    assert {row['outcome'] for row in rows} == {'failed'} and all(code in row['reason'] for row in rows)
    assert sum(row['reason'].startswith('Not sent') for row in rows) in (50, 100)  # the one batch not sent


class RefusingForwardProxy(RefusingTunnelProxy):
    """A proxy on 127.0.0.1 that answers every request, a plain-HTTP one sent on in absolute form too, with 407."""

    def _answer(self, connection):
        head = b''
        while b'\r\n\r\n' not in head and (data := connection.recv(4096)):
            head += data
        self.logins += b'\r\nproxy-authorization: basic ' in head.lower()
        connection.sendall(b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\n'
                           b'Content-Type: text/html\r\nContent-Length: 21\r\nConnection: close\r\n\r\n'
                           b'<h1>Login needed</h1>')


def test_a_proxy_refusing_the_login_of_a_plain_http_request_is_asked_once_per_run_and_named_as_refusing_it(
        monkeypatch):
    # A plain-HTTP URL (here with "Trust any certificate") goes through the proxy without CONNECT: its 407 comes back
    # as the answer itself, not as requests' ProxyError, and must lock no account either.
    proxy = RefusingForwardProxy()
    hashes = [digit * 64 for digit in '0123']
    params = {'xdr_url': 'http://xdr.example.invalid', 'xdr_api_key_id': '7', 'xdr_api_key': {'password': 'k' * 40},
              'xdr_auth_type': 'standard', 'proxy': True, 'insecure': True, 'max_concurrency': '1'}
    demisto, shown = restore_files_through(monkeypatch, proxy, params, hashes)

    assert proxy.logins == 1
    assert demisto.entries[-1]['Type'] == ENTRY_ERROR and 'refused its login' in shown, shown
    assert 'status page' not in shown and PROXY_PASSWORD_HALVES[1] not in shown



def progress_lines(demisto: Demisto, what: str) -> list[str]:
    """The progress lines a run logged (XSOAR shows them while it runs) that begin with ``what``."""
    lines = [text.removeprefix('[progress] ') for _, text in demisto.log if text.startswith('[progress] ')]
    return [line for line in lines if line.startswith(what)]


def closed_loopback_port() -> int:
    with socket.create_server(('127.0.0.1', 0)) as closed:  # closed again: nobody listens there
        return closed.getsockname()[1]


@pytest.mark.parametrize('fault', ['proxy 403 to CONNECT', 'proxy refusing its login', 'connection refused',
                                   'name not resolved'])
def test_the_progress_line_counts_no_restore_sent_when_no_request_left_this_machine(monkeypatch, fault):
    # "Cortex XDR restores sent: 3/3" after a proxy refused every request would tell the analyst Cortex XDR got them
    # (and may have acted): the line counts only the restores that reached it, as each file's request ends.
    hashes = [digit * 64 for digit in '012']
    params = {'xdr_url': 'https://xdr.example.invalid', 'xdr_api_key_id': '7', 'xdr_api_key': {'password': 'k' * 40},
              'xdr_auth_type': 'standard', 'max_concurrency': '1', 'max_retries': '1', 'retry_backoff': '0'}
    if fault.startswith('proxy'):
        if '403' in fault:
            proxy = TunnelRefusingProxy('403 Forbidden')
            proxy.url = f'http://127.0.0.1:{proxy.port}'
        else:
            proxy = RefusingTunnelProxy()  # a 407 to the login its URL holds
        demisto, shown = restore_files_through(monkeypatch, proxy, {**params, 'proxy': True}, hashes)
    else:
        for variable in PROXY_VARIABLES:
            monkeypatch.delenv(variable, raising=False)
        url = 'https://xdr.nowhere.invalid'  # RFC 6761: .invalid names nothing
        if fault == 'connection refused':
            url = f'http://127.0.0.1:{closed_loopback_port()}'
        demisto = Demisto({**params, 'xdr_url': url}, 'restore-file', {'file_hash': ','.join(hashes)}, {}, [])
        ri.main(demisto)
        shown = json.dumps(demisto.entries)

    assert 'nothing reached Cortex XDR' in shown or 'Could not connect to Cortex XDR' in shown, shown
    assert progress_lines(demisto, 'Cortex XDR restores') == ['Cortex XDR restores sent: 0/3'] * 3, demisto.log


def test_the_progress_line_counts_no_action_checked_whose_status_read_never_left_this_machine():
    # A check of 3 actions while Cortex XDR's address takes no connection: none of them was checked.
    seen = []
    client = ri.XdrClient(ri.XdrSettings(f'http://127.0.0.1:{closed_loopback_port()}', '7', 'k' * 40, 'standard'),
                          ri.TransportSettings(max_concurrency=1, max_retries=0), progress=seen.append)
    records = [{'file_hash': digit * 64, 'action_id': int(digit) + 1} for digit in '012']

    summaries, *_ = ri.read_action_statuses(client, records, False, False, False, False, [], '')

    assert len(summaries) == len(records), summaries  # one for each action
    assert all('Could not connect to Cortex XDR' in summary['error'] for summary in summaries), summaries
    assert seen == ['Cortex XDR actions checked: 0/3'] * 3, seen


def restore_through_a_transparent_407(proxy_setting: bool) -> dict:
    """restore-file's one entry where everything on the way answers 407, as a transparent proxy would, with "Use
    system proxy settings" as given."""
    transparent = RefusingForwardProxy()
    params = {'xdr_url': f'http://127.0.0.1:{transparent.port}', 'xdr_api_key_id': '7', 'max_retries': '0',
              'xdr_api_key': {'password': 'k' * 40}, 'xdr_auth_type': 'standard', 'proxy': proxy_setting}
    demisto = Demisto(params, 'restore-file', {'file_hash': '0' * 64}, {}, [])
    try:
        ri.main(demisto)
    finally:
        transparent.close()
    [entry] = demisto.entries
    return entry


def test_a_407_when_no_proxy_is_set_to_be_used_says_something_on_the_way_asked_for_proxy_authentication(monkeypatch):
    # "Use system proxy settings" off, yet a 407: a transparent proxy between XSOAR and the vendor asked, not the
    # vendor; the vendor's generic advice (its status page) would send the on-call engineer the wrong way.
    entry = restore_through_a_transparent_407(proxy_setting=False)
    shown = entry['Contents']
    assert entry['Type'] == ENTRY_ERROR and 'proxy authentication' in shown.lower(), shown
    assert 'network path' in shown and DISPLAYS['proxy'] in shown, shown
    assert 'status page' not in shown and 'Cortex XDR said' not in shown, shown


@pytest.mark.parametrize('environment', [{}, {'HTTPS_PROXY': 'http://operator:pw@127.0.0.1:9'},
                                         {'HTTP_PROXY': 'http://operator:pw@127.0.0.1:9', 'NO_PROXY': '127.0.0.1'}],
                         ids=['no proxy in the environment', 'only another scheme', 'the host exempted'])
def test_a_407_with_system_proxy_checked_but_no_proxy_taken_for_the_url_says_something_on_the_way_asked(
        monkeypatch, environment):
    # "Use system proxy settings" checked, yet requests took no proxy for this URL: the 407 is a transparent one's, so
    # no proxy URL of the environment asked for a login or holds none; before, one was said to.
    for name in (*PROXY_VARIABLES, 'NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    entry = restore_through_a_transparent_407(proxy_setting=True)
    shown = entry['Contents']
    assert entry['Type'] == ENTRY_ERROR and 'asked for proxy authentication (HTTP 407)' in shown, shown
    assert 'network path' in shown and 'environment sets' not in shown and 'its URL holds' not in shown, shown


# A socket error may come with no words at all (an OSError raised without errno or text, wrapped by urllib3): the
# message says the connection failed, not the name of a Python exception, and never leaves its parentheses blank.
@pytest.mark.parametrize('error', [
    requests.ConnectionError(), requests.ConnectionError(OSError()),
    requests.ConnectionError(ProtocolError('', OSError())),
    requests.ConnectionError(MaxRetryError(None, '/', ConnectionResetError())),
], ids=['bare', 'os-error', 'protocol-error', 'max-retry'])
def test_a_connection_error_without_words_is_said_in_words_not_by_its_exception_class(error):
    said = ri.describe_connection_error(error)

    assert 'connection failed' in said and not re.search(r'(Error|Exception)\b', said), said
    assert '()' not in said, said  # no parentheses left blank


def error_of_a_closed_socket() -> OSError:
    """What _read_body's sock.settimeout raises once urllib3 has closed the connection under the reply."""
    sock = socket.socket()
    sock.close()
    with pytest.raises(OSError) as raised:
        sock.settimeout(1)
    return raised.value


# No server reaches this through HTTP on one connection: a reset or a close from the server comes out of urllib3's
# read as a ProtocolError; a bare OSError comes only from our own socket, closed by urllib3 while the reply is read.
@pytest.mark.parametrize('make_error, code', [
    (error_of_a_closed_socket, errno.EBADF),
    (lambda: OSError(errno.ECONNRESET, os.strerror(errno.ECONNRESET)), errno.ECONNRESET),
    (lambda: ConnectionResetError(errno.ECONNRESET, os.strerror(errno.ECONNRESET)), errno.ECONNRESET),
], ids=['closed-socket', 'os-error', 'connection-reset-error'])
def test_a_bare_socket_error_is_said_by_its_errno_name_and_words_not_by_its_number(make_error, code):
    said = ri.describe_connection_error(make_error())

    assert errno.errorcode[code] in said and os.strerror(code) in said, said
    assert not re.search(rf'(?<![A-Z]){code}\b', said), said  # the number itself is not its description


def test_a_requests_connection_error_holding_a_socket_error_is_said_as_before():
    # requests' exceptions are OSErrors too, with no errno of their own: their cause's words, as they always were
    reset = ConnectionResetError(errno.ECONNRESET, os.strerror(errno.ECONNRESET))

    said = ri.describe_connection_error(requests.ConnectionError(ProtocolError('Connection aborted.', reset)))

    assert said == f'Connection aborted. {os.strerror(errno.ECONNRESET)}'


DISPLAYS = {param['name']: param['display']
            for param in yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration'] if 'display' in param}


@pytest.mark.parametrize('command, args, mode, vendor, url_setting', [
    ('restore-file', {'file_hash': XDR_HASH}, 'xdr', 'Cortex XDR', 'xdr_url'),
    ('hss-restore-isolated', {'file_hash': HSS_HASH}, 'aksk', 'Huawei Cloud HSS', 'hss_endpoint'),
    ('hss-restore-isolated', {'file_hash': HSS_HASH}, 'token', 'Huawei Cloud IAM', 'hss_iam_endpoint')],
    ids=['restore-file', 'hss-aksk', 'hss-token'])
def test_an_untrusted_certificate_names_the_vendor_its_url_setting_and_trusting_any_certificate_last_with_its_warning(
        tls_vendors, command, args, mode, vendor, url_setting):
    xdr, hss, params = tls_vendors

    said = run(for_command(params, command, mode), command, args)['Contents']

    host = urlsplit(params[url_setting]).netloc
    assert f'{vendor} at {host}' in said, said
    assert f'"{DISPLAYS[url_setting]}" ({url_setting})' in said, said
    trust = said.index(f'"{DISPLAYS["insecure"]}" (insecure)')
    assert trust > said.index(url_setting) and 'test server' in said[trust:], said


@pytest.mark.parametrize('command, args, mode', COMMANDS[:2])
def test_the_insecure_warning_ends_with_the_advice_the_setting_s_help_gives(tls_vendors, command, args, mode):
    # The setting's help in the instance dialog (integration.yml) says where it belongs; the entry's warning says it
    # too, word for word, so the analyst reading the war room gets the same advice as the admin who checked it.
    [help_text] = [setting['additionalinfo'] for setting in yaml.safe_load((ROOT / 'integration.yml').read_text())[
        'configuration'] if setting['name'] == 'insecure']
    advice = help_text.strip().rsplit('. ', 1)[-1]
    xdr, hss, params = tls_vendors

    with pytest.warns(Warning):
        entry = run(dict(for_command(params, command, mode), insecure=True), command, args)

    assert entry['HumanReadable'].rstrip().lower().endswith(advice.lower()), (advice, entry['HumanReadable'])
