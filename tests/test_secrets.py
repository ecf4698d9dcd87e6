"""No secret leaves the integration: every command, every auth mode, success and failure, with debug logging on.

Known, distinctive secret values (the Cortex XDR key, the HSS secret key, the IAM password, wrong values typed in
their place, and the IAM tokens the emulator issues, read from the backend as it hands them out) are looked for
in stdout and stderr (capfd), the entries, the incident context, the integration context, the demisto log,
Python's log records at DEBUG (urllib3 and requests included) and the text of the exceptions the clients raise.

The one allowed place is the integration context, which XSOAR keeps per instance (encrypted at rest) and which is
the documented home of cached tokens: ``restore_integration`` caches the IAM token there (``hss_iam_token.token``,
with its expiry and a SHA256 naming the identity, never the password). Nothing else there may hold a secret.

Server errors are the emulators' own: a fault inside the backend (500 in the vendor's form) and injected faults
(``warroom/emulator/faults.py``: 503 as a gateway's HTML page, 429, a reset connection), retried by the transport
with ``retry_backoff`` 0 so that the retries cost no time.
"""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
import subprocess
import sys
import traceback
from contextlib import ExitStack

import pytest
import yaml

import restore_integration as ri
from conftest import HSS_SEED, ROOT, XDR_KEY_ID, XDR_SEED, cached_token, hss_seed_copies, seed_holders
from secret_pieces import pieces
from warroom.context import as_list, get_path
from warroom.embedded import HSS_DOMAIN, HSS_USER, hss_params, hss_project_id
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss import HssBackend, HssGateway, create_app as create_hss_app, create_iam_app
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.emulator.xdr import XdrBackend, XdrGateway, create_app as create_xdr_app
from warroom.runtime import FetchError, WarRoom

XDR_KEY = 'xdrKEYsecret' + secrets.token_hex(16)
WRONG_XDR_KEY = 'xdrWRONGkey' + secrets.token_hex(16)
HSS_AK = 'AKSECRETTEST' + secrets.token_hex(4).upper()
HSS_SK = 'hssSKsecret' + secrets.token_urlsafe(24)
WRONG_HSS_SK = 'hssWRONGsk' + secrets.token_urlsafe(24)
IAM_PASSWORD = 'iamPWsecret!' + secrets.token_urlsafe(12)
WRONG_IAM_PASSWORD = 'iamWRONGpw!' + secrets.token_urlsafe(12)
BOGUS_TOKEN = 'MIITbogus' + secrets.token_urlsafe(64)
KNOWN_SECRETS = [XDR_KEY, WRONG_XDR_KEY, HSS_SK, WRONG_HSS_SK, IAM_PASSWORD, WRONG_IAM_PASSWORD, BOGUS_TOKEN]

XDR_HASH = next(h for h, holders in sorted(seed_holders().items()) if len(holders) > 1)
HSS_HASH = next(h for h, copies in sorted(hss_seed_copies().items()) if len(copies) > 1)
ARGS = {'restore-file': {'file_hash': XDR_HASH}, 'hss-restore-isolated': {'file_hash': HSS_HASH},
        'test-module': {}}


class Vendors:
    """Both emulated vendors (backends ``xdr``, ``hss``; their gateways beside them) with the known secrets; every
    IAM token issued is kept in ``tokens``."""

    def __init__(self, stack: ExitStack, xdr_key_type: str, iam_password: str = IAM_PASSWORD):
        self.xdr = XdrBackend.from_seed(XDR_SEED, stage_seconds=0)
        self.xdr.add_api_key(XDR_KEY_ID, XDR_KEY, auth_type=xdr_key_type)
        self.xdr_gateway = XdrGateway(self.xdr, rate_limit=1000)
        self.xdr_server = stack.enter_context(LoopbackServer(create_xdr_app(self.xdr_gateway)))
        self.hss = HssBackend.from_seed(HSS_SEED, stage_seconds=0)
        project_id = hss_project_id(HSS_SEED)
        self.hss.add_access_key(HSS_AK, HSS_SK)
        self.hss.add_user(HSS_DOMAIN, HSS_USER, iam_password, [project_id])
        self.tokens: list[str] = []
        issue = self.hss.issue_token

        def issue_and_remember(*args, **kwargs):
            token, expires_at = issue(*args, **kwargs)
            self.tokens.append(token)
            return token, expires_at

        self.hss.issue_token = issue_and_remember
        self.hss_gateway = HssGateway(self.hss)
        self.hss_server = stack.enter_context(LoopbackServer(create_hss_app(self.hss_gateway)))
        self.iam_server = stack.enter_context(LoopbackServer(create_iam_app(self.hss_gateway)))
        self.params = {
            **hss_params(self.hss_server.url, self.iam_server.url, project_id, HSS_AK, HSS_SK, iam_password),
            'xdr_url': self.xdr_server.url, 'xdr_api_key_id': XDR_KEY_ID,
            'xdr_api_key': {'identifier': '', 'password': XDR_KEY}, 'xdr_auth_type': xdr_key_type,
            'retry_backoff': '0',
        }

    def inject(self, spec: str) -> None:
        for gateway in (self.xdr_gateway, self.hss_gateway):
            gateway.inject_faults(FaultPlan.parse(spec))

    def secrets(self) -> list[str]:
        return KNOWN_SECRETS + self.tokens


@pytest.fixture(params=['standard', 'advanced'])
def vendors(request):
    """Both vendors, with each Cortex XDR key type."""
    with ExitStack() as stack:
        yield Vendors(stack, request.param)


@pytest.fixture
def hss_vendors():
    with ExitStack() as stack:
        yield Vendors(stack, 'advanced')


@pytest.fixture
def debug_logging(caplog):
    """Python logging at DEBUG for every logger (urllib3 logs each connection and request line there)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger='urllib3')
    return caplog


def leaked(secret_values, surfaces: dict[str, str]) -> list[str]:
    """Where a secret, or any 12-character piece of it, shows up: a vendor's message cut short shows a token's head."""
    found = []
    for where, text in surfaces.items():
        shown = pieces(text)  # once a surface, not once a secret: a token is 2,052 characters
        for secret in secret_values:
            if secret in text or pieces(secret) & shown:
                found.append(f'{secret[:6]}... in {where}')
    return found


def check_run(vendors, capfd, caplog, room: WarRoom, result, extra_surfaces=None):
    out, err = capfd.readouterr()
    integration_context = dict(room.integration_context)
    # README (Guarantees, No secret in any output): the IAM token is cached in the integration context under
    # `hss_iam_token` (JSON text), not under whatever key the integration's own constant names
    cached = json.loads(integration_context.pop('hss_iam_token', 'null'))
    surfaces = {
        'stdout': out, 'stderr': err,
        'entries': json.dumps(result.entries, default=str),
        'context': json.dumps(result.context, default=str),
        'integration context (besides the cached token)': json.dumps(integration_context, default=str),
        'demisto log': json.dumps(result.log, default=str),
        'log records': caplog.text + '\n'.join(record.getMessage() for record in caplog.records),
        **(extra_surfaces or {}),
    }
    if cached is not None and 'token' in cached:
        # The cached token is the one allowed secret, in its one place: nothing else of the cache is secret.
        assert set(cached) == {'identity', 'token', 'expires_at'}
        assert cached['token'] in vendors.tokens or cached['token'] == BOGUS_TOKEN
        surfaces['cached token entry (besides the token)'] = json.dumps({**cached, 'token': None}, default=str)
    elif cached is not None:  # IAM's refusal of the password, kept in the token's place: when, IAM's words, and a
        # mark of 8 bits telling the refused password from a corrected one: a number below 256, which holds no secret
        assert set(cached) == {'identity', 'refused_at', 'code', 'message', 'password_mark'}
        assert type(cached['password_mark']) is int and 0 <= cached['password_mark'] < 256
        surfaces['kept IAM refusal'] = json.dumps(cached, default=str)
    assert not leaked(vendors.secrets(), surfaces)
    assert 'Traceback' not in ''.join(surfaces[where] for where in ('entries', 'stdout', 'stderr', 'demisto log'))


def run(vendors, params, command, integration_context=None, args=None):
    room = WarRoom(params=params, time_scale=0, sleep=lambda _: None,
                   integration_context=dict(integration_context or {}))
    return room, room.run(command, dict(ARGS[command], **(args or {})))


def configured_clients(settings: ri.InstanceSettings) -> dict:
    """Every vendor's client, as test-module builds them."""
    return {kind: ri.build_client(kind, settings) for kind in settings.in_use}


def client_error_text(params, command) -> str:
    """The exception a client raises for this instance, with its traceback, as text (empty when none)."""
    try:
        clients = configured_clients(ri.read_instance_settings(params))
        if command == 'test-module':
            ri.test_module(clients)
        elif command == 'restore-file':
            clients['xdr'].restore_file(XDR_HASH)
        else:
            clients['hss'].list_isolated_files(file_hash=HSS_HASH)
    except Exception as error:  # noqa: BLE001 - the text of whatever is raised is what is checked
        return ''.join(traceback.format_exception(error)) + repr(error) + repr(getattr(error, '__dict__', ''))
    return ''


def xdr_only(params):
    return {k: v for k, v in params.items() if k.startswith('xdr_')}


def hss_only(params, auth_type):
    return {**{k: v for k, v in params.items() if k.startswith('hss_')}, 'hss_auth_type': auth_type}


def scenario_params(vendors, scenario, command, auth_type):
    """Params (and integration context) for one scenario; may break the emulator for it."""
    params = xdr_only(vendors.params) if command == 'restore-file' else hss_only(vendors.params, auth_type)
    if command == 'test-module':
        params = {**xdr_only(vendors.params), **hss_only(vendors.params, auth_type)}
    params['retry_backoff'] = '0'
    context = None
    if scenario == 'wrong credentials':
        params = dict(params, xdr_api_key={'identifier': '', 'password': WRONG_XDR_KEY})
        if 'hss_aksk' in params:
            params.update(hss_aksk={'identifier': HSS_AK, 'password': WRONG_HSS_SK},
                          hss_credentials={'identifier': HSS_USER, 'password': WRONG_IAM_PASSWORD})
    elif scenario == 'revoked cached token':
        context = {'hss_iam_token': json.dumps({'identity': ri.token_identity(ri.read_hss_settings(
            dict(params, hss_auth_type='token'))), 'token': BOGUS_TOKEN, 'expires_at': 4_000_000_000})}
    elif scenario == 'server error 500':
        def broken(*args, **kwargs):
            raise RuntimeError('emulated fault')
        vendors.xdr.restore_file = vendors.xdr.get_action_status = broken
        vendors.hss.list_isolated_files = vendors.hss.restore_isolated_files = broken
    elif scenario == 'iam error 500':
        def broken_iam(*args, **kwargs):
            raise RuntimeError('emulated IAM fault')
        vendors.hss.issue_token = broken_iam
    elif scenario == 'retried, then success':
        vendors.inject('sequence=503-html,429,reset,ok;retry-after=0')
    elif scenario == 'unavailable 503, retries run out':
        vendors.inject('sequence=503-html*200;retry-after=0')
    elif scenario == 'throttled 429 past the budget':
        vendors.inject('sequence=429*200;retry-after=3600')
    return params, context


XDR_SCENARIOS = ['success', 'wrong credentials', 'server error 500', 'retried, then success',
                 'unavailable 503, retries run out', 'throttled 429 past the budget']
TOKEN_SCENARIOS = ['iam error 500', 'revoked cached token', 'token expired mid-run']  # IAM tokens: token mode only
HSS_CASES = [(scenario, auth_type) for scenario in XDR_SCENARIOS + TOKEN_SCENARIOS for auth_type in ('aksk', 'token')
             if auth_type == 'token' or scenario not in TOKEN_SCENARIOS]


@pytest.mark.parametrize('command', ['restore-file', 'test-module'])
@pytest.mark.parametrize('scenario', XDR_SCENARIOS)
def test_xdr_commands_leak_no_secret(vendors, capfd, debug_logging, command, scenario):
    params, context = scenario_params(vendors, scenario, command, 'aksk')
    if command == 'test-module':
        params = xdr_only(params)
    # While polling, restore-file's next check sends again a restore the 503s kept from Cortex XDR (README): one run
    # shows the retries run out
    once = {'polling': 'false'} if (command, scenario) == ('restore-file', 'unavailable 503, retries run out') else {}
    room, result = run(vendors, params, command, context, once)
    error_text = client_error_text(params, command)
    # test-module counts a 500 that carries Cortex XDR's own reply as "the key was accepted".
    expect_failure = scenario not in ('success', 'retried, then success') and \
        not (command == 'test-module' and scenario == 'server error 500')
    assert result.failed is expect_failure, result.entries
    check_run(vendors, capfd, debug_logging, room, result, {'exception text': error_text})


@pytest.mark.parametrize('command', ['hss-restore-isolated', 'test-module'])
@pytest.mark.parametrize('scenario, auth_type', HSS_CASES)
def test_hss_commands_leak_no_secret(hss_vendors, capfd, debug_logging, command, auth_type, scenario):
    vendors = hss_vendors
    params, context = scenario_params(vendors, scenario, command, auth_type)
    if command == 'test-module':
        params = {k: v for k, v in params.items() if not k.startswith('xdr_')}
    if scenario == 'token expired mid-run':
        listing = vendors.hss.list_isolated_files

        def list_then_expire(*args, **kwargs):
            page = listing(*args, **kwargs)
            vendors.hss.expire_tokens()
            return page

        vendors.hss.list_isolated_files = list_then_expire
    room, result = run(vendors, params, command, context)
    issued_in_run = list(vendors.tokens)
    error_text = client_error_text(params, command)
    expect_failure = scenario not in ('success', 'retried, then success', 'revoked cached token',
                                      'token expired mid-run')
    assert result.failed is expect_failure, result.entries
    if command == 'test-module':  # XSOAR gives test-module no integration context: no token is read or kept
        assert room.integration_context == dict(context or {})
    elif auth_type == 'token' and not expect_failure:
        assert cached_token(room.integration_context)['token'] == issued_in_run[-1]
        if scenario == 'token expired mid-run' and command == 'hss-restore-isolated':
            assert len(issued_in_run) == 2  # the restore met the expired token and fetched a new one
    check_run(vendors, capfd, debug_logging, room, result, {'exception text': error_text})


def test_a_secret_pasted_with_a_line_break_is_refused_without_being_shown(vendors, capfd, debug_logging):
    # requests would refuse the header and quote it escaped ('\r\n' as text), which redaction cannot recognise.
    params = dict(xdr_only(vendors.params), xdr_auth_type='standard',
                  xdr_api_key={'identifier': '', 'password': XDR_KEY[:12] + '\r\n' + XDR_KEY[12:]})
    room, result = run(vendors, params, 'restore-file')

    # The setting named whole, not as the start of xdr_api_key_id.
    assert result.failed and re.search(r'\bxdr_api_key\b', result.entries[0]['Contents']), result.entries
    assert vendors.xdr_gateway.requests == []
    check_run(vendors, capfd, debug_logging, room, result,
              {'escaped key': json.dumps(result.entries) + repr(result.entries)})
    assert XDR_KEY[:12] not in repr(result.entries) and XDR_KEY[12:] not in repr(result.entries)


# Huawei's IAM password policy takes a blank and ' " \\ among its special characters. In XSOAR's debug mode http.client
# shows the token request's body as a bytes' repr of its JSON, where the password stands escaped ('\\' doubled, ' and "
# after a backslash): CommonServerPython's masking of the params misses it, and its censor masks the word after
# "password": only, the password up to its first blank.
DEBUG_IAM_PASSWORD = 'iam pw\'s "x" \\ ' + secrets.token_urlsafe(12)
DEBUG_CASES = [('restore-file', 'standard'), ('restore-file', 'advanced'), ('hss-restore-isolated', 'aksk'),
               ('hss-restore-isolated', 'token'), ('test-module', 'aksk'),
               ('test-module', 'token')]  # (command, XDR key type or HSS auth)


@pytest.mark.parametrize('command, auth_type', DEBUG_CASES)
def test_xsoar_debug_mode_logs_each_request_without_a_secret_or_a_signature(capfd, debug_logging, command, auth_type):
    # debug-mode=true: CommonServerPython logs what http.client prints of every request (warroom/debug_mode.py).
    with ExitStack() as stack:
        vendors = Vendors(stack, auth_type if command == 'restore-file' else 'advanced', DEBUG_IAM_PASSWORD)
        params, _ = scenario_params(vendors, 'success', command, auth_type)
        room = WarRoom(params=params, time_scale=0, sleep=lambda _: None)
        result = room.run(command, {**ARGS[command], 'debug-mode': 'true'})

    logged = '\n'.join(text for _, text in result.log)
    assert not result.failed, result.entries
    sent = ["send: b'POST /public_api/"] if command == 'restore-file' else ["send: b'GET /v5/"]
    sent += ["send: b'POST /v3/auth/tokens"] if auth_type == 'token' else []
    assert all(line in logged for line in sent), logged  # the requests are shown
    # each of them: one request line logged for every request the emulators' own logs hold (paths without a query)
    received = sorted((request.method, request.path)
                      for gateway in (vendors.xdr_gateway, vendors.hss_gateway) for request in gateway.requests)
    shown = sorted(re.findall(r"send: b'([A-Z]+) (/[^ ?]*)[ ?]", logged))  # its version may be masked: not read
    assert received and shown == received, (shown, received)
    for secret in [DEBUG_IAM_PASSWORD, *vendors.tokens]:
        assert secret[-12:] not in logged, secret[:6]
    if auth_type == 'aksk':  # an SDK-HMAC signature replays its request while its X-Sdk-Date is fresh
        assert 'Signature=' in logged and not re.search(r'Signature=[0-9A-Fa-f]{64}', logged)
    check_run(vendors, capfd, debug_logging, room, result)


# The event types setting read as text is split at its commas: a password pasted there by mistake, holding a comma, is
# refused item by item, and an item is then a piece of it, which no scrubber of whole secrets finds. The refusal names
# the item by its number, as it names one holding a character the dialog does not show.
PASTED_HEAD, PASTED_TAIL = 'iamPWhead' + secrets.token_urlsafe(8), 'iamPWtail' + secrets.token_urlsafe(8)


@pytest.mark.parametrize('command', ['test-module', 'fetch-incidents'])
def test_a_password_holding_a_comma_pasted_as_event_types_is_refused_by_item_number_quoting_no_piece_of_it(
        capfd, debug_logging, command):
    password = f'{PASTED_HEAD},{PASTED_TAIL}'
    with ExitStack() as stack:
        vendors = Vendors(stack, 'advanced', password)
        params = dict(hss_only(vendors.params, 'token'), isFetch=True, event_types=password)
        room = WarRoom(params=params, time_scale=0, sleep=lambda _: None)
        if command == 'fetch-incidents':
            with pytest.raises(FetchError) as raised:
                room.fetch({})
            shown, logged = str(raised.value), json.dumps(room.fetch_log, default=str)
        else:
            result = room.run(command, {'debug-mode': 'true'})
            assert result.failed, result.entries
            shown, logged = result.entries[-1]['Contents'], json.dumps(result.log, default=str)
            check_run(vendors, capfd, debug_logging, room, result)

    assert not leaked([password, PASTED_HEAD, PASTED_TAIL], {'refusal': shown, 'log': logged})
    assert 'event_types' in shown and re.search(r'\bitem 1\b', shown), shown
    assert vendors.hss_gateway.requests == []


class TokenQuotingGateway:
    """IAM issues a new token at each login; HSS's gateway refuses every token with APIGW.0307, as it refuses one used
    outside its project's region, quoting back each header it received, the token's too, in its message and as its
    request ID. ``quoted``: what it quoted back."""

    def __init__(self, stack: ExitStack):
        self.tokens: list[str] = []
        self.quoted: list[str] = []
        self.url = stack.enter_context(LoopbackServer(self._app)).url

    def _app(self, request):
        if request.path.endswith('/v3/auth/tokens'):
            self.tokens.append('MIITquoted' + secrets.token_urlsafe(60))
            body = json.loads((ROOT / 'test_data' / 'hss' / 'replies' / 'iam_token_reply.json').read_text())
            return Response(201, json.dumps(body).encode(), {'Content-Type': 'application/json',
                                                             'X-Subject-Token': self.tokens[-1]})
        received = json.dumps(dict(request.headers))
        self.quoted.append(received)
        reply = {'error_code': 'APIGW.0307', 'error_msg': f'The token must be updated. Received: {received}'}
        return Response(401, json.dumps(reply).encode(), {'Content-Type': 'application/json',
                                                          'X-Request-Id': request.headers.get('X-Auth-Token', '')})


# The renewal after a 401: the cached token refused, a new one asked of IAM and refused too, each quoted back in the
# gateway's 401. The message counts the renewal ("sent again with a new IAM token after 1 token refusal"); no token and
# no password is in what the run showed, logged (XSOAR's debug log too) or kept in the integration context.
@pytest.mark.parametrize('command', ['hss-restore-isolated', 'fetch-incidents'])
def test_a_401_quoting_each_token_back_shows_none_when_the_renewed_token_is_refused_too(capfd, debug_logging, command):
    with ExitStack() as stack:
        gateway = TokenQuotingGateway(stack)
        params = {'hss_endpoint': gateway.url, 'hss_iam_endpoint': gateway.url, 'hss_project_id': 'p' * 32,
                  'hss_auth_type': 'token', 'hss_domain': HSS_DOMAIN, 'retry_backoff': '0', 'isFetch': True,
                  'hss_credentials': {'identifier': HSS_USER, 'password': IAM_PASSWORD}}
        cached = {'identity': ri.token_identity(ri.read_hss_settings(params)), 'token': BOGUS_TOKEN,
                  'expires_at': 4_000_000_000}
        room = WarRoom(params=params, time_scale=0, sleep=lambda _: None,
                       integration_context={'hss_iam_token': json.dumps(cached)})
        if command == 'fetch-incidents':
            with pytest.raises(FetchError) as raised:
                room.fetch({})
            shown, logged = str(raised.value), json.dumps(room.fetch_log, default=str)
        else:
            result = room.run(command, {'file_hash': HSS_HASH, 'debug-mode': 'true'})
            shown, logged = json.dumps([result.entries, result.context]), json.dumps(result.log, default=str)
    out, err = capfd.readouterr()

    sent = [BOGUS_TOKEN, *gateway.tokens]
    assert len(sent) == 2 and all(any(token in text for text in gateway.quoted) for token in sent), gateway.quoted
    assert 'sent again with a new IAM token after 1 token refusal' in shown, shown
    assert not leaked([IAM_PASSWORD, *sent], {'shown': shown, 'log': logged, 'stdout': out, 'stderr': err,
                                              'log records': debug_logging.text,
                                              'integration context': json.dumps(room.integration_context)})


# A host's name given as host_id gets the ID of the host so named in its not_found reason. A host named as the IAM
# password is (it may be any text the console takes) shows that name nowhere: not in the row, its reason or the table,
# nor in any log, XSOAR's debug log too.
HOST_NAMED_PASSWORD = 'iamPWhost' + secrets.token_urlsafe(12)


def test_a_host_named_as_the_password_and_given_as_host_id_is_not_found_naming_its_id_and_never_its_name(
        capfd, debug_logging):
    [copy, *_] = hss_seed_copies()[HSS_HASH]
    with ExitStack() as stack:
        vendors = Vendors(stack, 'advanced', HOST_NAMED_PASSWORD)
        vendors.hss.hosts[copy['host_id']].host_name = HOST_NAMED_PASSWORD
        room, result = run(vendors, hss_only(vendors.params, 'token'), 'hss-restore-isolated',
                           args={'host_id': HOST_NAMED_PASSWORD, 'debug-mode': 'true'})

    [row] = as_list(get_path(result.context, 'HuaweiHSS.RestoredFile'))
    assert row['outcome'] == 'not_found' and f"host_id={copy['host_id']}" in row['reason'], row
    assert "send: b'GET /v5/" in json.dumps(result.log)  # debug mode is on: the log shows each request
    check_run(vendors, capfd, debug_logging, room, result)  # the known secrets and the tokens
    assert not leaked([HOST_NAMED_PASSWORD], {'entries': json.dumps(result.entries), 'log': json.dumps(result.log),
                                              'context': json.dumps(result.context), 'log records': debug_logging.text,
                                              'integration context': json.dumps(room.integration_context)})


@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_auth_objects_hide_their_secrets_in_repr(vendors, auth_type):
    clients = configured_clients(ri.read_instance_settings({**vendors.params, 'hss_auth_type': auth_type}))
    shown = repr(clients['xdr'].transport.session.auth) + repr(clients['hss'].transport.session.auth)
    assert not leaked(KNOWN_SECRETS, {'repr': shown})


@pytest.mark.parametrize('key', [XDR_KEY, WRONG_XDR_KEY], ids=['right key', 'wrong key'])
def test_the_war_room_command_line_shows_no_secret(vendors, tmp_path, key):
    """`python -m warroom run`, a real process; the key comes from the environment, not the params file."""
    params_file = tmp_path / 'xdr.yml'
    params_file.write_text(yaml.safe_dump({k: v for k, v in xdr_only(vendors.params).items() if k != 'xdr_api_key'}))
    env = {**os.environ, 'WARROOM_PARAM_XDR_API_KEY': key}

    done = subprocess.run([sys.executable, '-m', 'warroom', 'run', f'!restore-file file_hash={XDR_HASH}',
                           '--params', str(params_file), '--json', '--time-scale', '0'],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)

    assert done.returncode == (0 if key == XDR_KEY else 1), done.stderr
    assert not leaked(KNOWN_SECRETS, {'stdout': done.stdout, 'stderr': done.stderr,
                                      'params file': params_file.read_text()})
    assert 'Traceback' not in done.stdout + done.stderr
