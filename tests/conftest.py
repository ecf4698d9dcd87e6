"""Shared fixtures: the emulated tenant on 127.0.0.1, a replay server for recorded vendor replies, a war room."""
from __future__ import annotations

import json
import re
import secrets
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import os

import pytest
from hypothesis import settings

from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.emulator.xdr import XdrBackend, XdrGateway, create_app
from warroom.context import as_list, merge_entry_context
from warroom.runtime import DemistoMisuse, WarRoom

# No example is timed (deadline=None): speed is measured by make bench, and on a loaded machine hypothesis's 200 ms
# deadline failed examples that pass at rest. In CI the generated examples are the same on every run, so a failure
# there is reproduced by running again.
settings.register_profile('untimed', deadline=None)
settings.register_profile('ci', deadline=None, derandomize=True, print_blob=True)
settings.load_profile('ci' if os.environ.get('CI') else 'untimed')

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = ROOT / 'test_data'
XDR_SEED = TEST_DATA / 'xdr' / 'tenant.json'
XDR_REPLIES = TEST_DATA / 'xdr' / 'replies'
HSS_REPLIES = TEST_DATA / 'hss' / 'replies'
# The headers of HSS's own answer to its restore, a replayed one's: 200 with no body, but the request ID Huawei's
# gateway gives every request it passed (an empty 200 without it comes from in front of HSS: an answer lost,
# tests/test_hss_restore_command.py -k 200_from_in_front_of_hss_is_a_lost_answer)
HSS_ANSWER = {'X-Request-Id': '5f2b1c0e9a8d4e7fb3c6a1d2e4f80917'}
XDR_KEY_ID = '17'


class FakeClock:
    """A clock the test moves by hand; emulator backends and the war room accept any callable."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FrozenTime:
    """The integration's ``time`` module, its clock stopped at ``ms``; everything else keeps the real one."""

    def __init__(self, ms):
        self.ms = ms

    def __getattr__(self, name):
        return getattr(time, name)

    def time(self):
        return self.ms / 1000


class MovedWallClock:
    """The integration's (or a script's) ``time`` module with its clocks moved by a test clock: how much polling time
    has passed is read from it, as the war room counts it, and ``monotonic`` is the test clock. It reads the real time
    when made, so a key signed with it is fresh."""

    def __init__(self, clock):
        self.clock, self.base = clock, time.time() - clock()

    def __getattr__(self, name):
        return getattr(time, name)

    def time(self):
        return self.base + self.clock()

    def monotonic(self):
        return self.clock()


def integration_on_clock(monkeypatch, clock: FakeClock) -> MovedWallClock:
    """Every limiter the integration builds waits on ``clock``, and its wall clock moves with it: the polling time it
    counts passes as the war room's (whose waits move ``clock`` too). Returns the moved wall clock."""
    import restore_integration as ri
    real = ri.AdaptiveRateLimiter
    monkeypatch.setattr(ri, 'AdaptiveRateLimiter', lambda ceiling, _clock=None, _sleep=None, backoff_max=0.0: real(
        ceiling, clock=clock, sleep=clock.advance, backoff_max=backoff_max))
    moved = MovedWallClock(clock)
    monkeypatch.setattr(ri, 'time', moved)
    # The integration's other readings of this machine's clock, bound when it was loaded, move with it too: the AK/SK
    # signer's X-Sdk-Date, and the clock an IAM token's expiry (and IAM's refusal) is counted on.
    real_auth, real_tokens = ri.HuaweiAkSkAuth, ri.IamTokenProvider
    monkeypatch.setattr(ri, 'HuaweiAkSkAuth', lambda *args, **options: real_auth(
        *args, **dict(options, clock=lambda: datetime.fromtimestamp(moved.time(), timezone.utc))))
    monkeypatch.setattr(ri, 'IamTokenProvider', lambda settings, transport, stored, token_clock, *rest: real_tokens(
        settings, transport, stored, moved.time if token_clock is time.time else token_clock, *rest))
    return moved


def load_json(path: Path):
    return json.loads(path.read_text(encoding='utf-8'))


def known_bad(context: dict) -> set[str]:
    """The SHA256 values a sample's context says are malicious, in the shapes CommonServerPython writes (Common.File
    beside Common.DBotScore): a DBotScore of 3 under the SHA256, or under the MD5, SHA1 or SHA512 that a File entry
    with that SHA256 gives it (as a key or in its Hashes list), or a File entry marked Malicious."""
    bad = {s['Indicator'].lower() for s in as_list(context.get('DBotScore')) if int(float(s['Score'])) >= 3}
    found = {indicator for indicator in bad if len(indicator) == 64}
    for entry in as_list(context.get('File')):
        # Common.File.to_context writes each hash as a key and in the Hashes list ({type, value}); given through its
        # hashes argument (Common.Hash), a hash is in the list only.
        listed = {str(h.get('type')).upper(): str(h.get('value') or '').lower() for h in as_list(entry.get('Hashes'))}
        hashes = {str(entry.get(kind) or '').lower() or listed.get(kind.upper(), '')
                  for kind in ('MD5', 'SHA1', 'SHA256', 'SHA512')}
        sha256 = str(entry.get('SHA256') or '').lower() or listed.get('SHA256')
        if sha256 and (entry.get('Malicious') or hashes & bad):
            found.add(sha256)
    return found


def seed_holders(seed_path: Path = XDR_SEED) -> dict[str, list[str]]:
    """hash -> the endpoints holding it quarantined in the seed."""
    holders: dict[str, list[str]] = {}
    for endpoint in load_json(seed_path)['endpoints']:
        for item in endpoint.get('quarantined') or ():
            holders.setdefault(item['file_hash'], []).append(endpoint['endpoint_id'])
    return holders


AMPLE_READ_TIMEOUT = 5.0  # a normal reply's wait, which a loaded machine's late reply is well within


def only_the_next_attempt_waits_briefly(transport, read_timeout: float = 0.25) -> None:
    """``transport``'s next attempt waits ``read_timeout`` for its answer, every later one AMPLE_READ_TIMEOUT: a slow
    fault's answer, due well past the brief wait, costs no more than it, while a normal reply a loaded machine writes
    late is never taken for one whose answer was lost. Its settings' other values are kept. A test using it asserts the
    ample wait was in force after: were attempts no longer sent through ``session.request``, every one would wait
    briefly, and the test would pass on an idle machine alone."""
    ample = transport.settings._replace(read_timeout=AMPLE_READ_TIMEOUT)
    transport.settings = transport.settings._replace(read_timeout=read_timeout)

    def first_then_ample(*args, **kwargs):
        # HttpTransport._send_once set this attempt's timeouts before this call: later attempts read the ample one
        transport.settings = ample
        del transport.session.request  # the session's own method again
        return transport.session.request(*args, **kwargs)

    transport.session.request = first_then_ample


class InFlight:
    """Wraps an emulator app: holds each request ``delay`` seconds (a vendor's latency) and records the most that
    were in flight at once, so that a test sees work go out side by side rather than one request after another.
    With ``meet``, a request is held first until that many were in flight at once (``most``; MEET_SECONDS at most,
    and once that passed in vain, no more): however slowly a loaded machine sends them, a client that keeps that many
    out meets, and the delay that follows lets one that sends more show it. The first ``alone`` requests (since
    ``start_again``), which the client sends one at a time by design (a key not yet tried), are not held so."""

    MEET_SECONDS = 10

    def __init__(self, app, delay=0.05, meet=0, alone=0):
        self.app, self.delay, self.meet, self.alone = app, delay, meet, alone
        self.now = self.most = self.arrived = 0
        self._lock = threading.Condition()  # also the lock subclasses take
        self._never_met = False

    def start_again(self) -> None:
        """A new run: its most in flight counted afresh, its first ``alone`` requests not held."""
        with self._lock:
            self.most = self.arrived = 0

    def __call__(self, request):
        with self._lock:
            self.now += 1
            self.arrived += 1
            self.most = max(self.most, self.now)
            self._lock.notify_all()
            if self.arrived > self.alone and not self._never_met:
                self._never_met = not self._lock.wait_for(lambda: self.most >= self.meet, self.MEET_SECONDS)
        try:
            threading.Event().wait(self.delay)
            return self.app(request)
        finally:
            with self._lock:
                self.now -= 1


class Arrivals:
    """Wraps an emulator app: notes the test clock's reading as each request arrives (the gateways log no times)."""

    def __init__(self, app, clock):
        self.app, self.clock, self.times = app, clock, []

    def __call__(self, request):
        self.times.append(self.clock())
        return self.app(request)


class Asked:
    """Wraps an emulator app: notes each request's file_hash as it arrives, faulted or not (the gateways log only the
    requests they passed), so that a test knows which hash's listing went first."""

    def __init__(self, app):
        self.app, self.hashes = app, []

    def __call__(self, request):
        self.hashes.append(request.query.get('file_hash', [None])[0])
        return self.app(request)


# GFM's table extension (https://github.github.com/gfm/, 4.10): a row's outer pipes are optional, its cells trimmed,
# and a delimiter row's cells are dashes with an optional colon at either end, blanks around them allowed.
GFM_DELIMITER_CELL = re.compile(r'[ \t]*:?-+:?[ \t]*')


def gfm_cells(line: str) -> list[str]:
    """A table row's cells as GFM parts them: its blanks and a leading and a trailing pipe dropped, parted on each
    pipe no backslash escapes, cells trimmed, '\\|' read as a pipe (the one escape GFM resolves while parting a row)."""
    text = line.strip(' \t')
    text = text[1:] if text.startswith('|') else text
    text = text[:-1] if re.search(r'(?<!\\)\|$', text) else text
    return [part.strip(' \t').replace('\\|', '|') for part in re.split(r'(?<!\\)\|', text)]


def is_gfm_delimiter_row(line: str) -> bool:
    return '|' in line and all(GFM_DELIMITER_CELL.fullmatch(cell) for cell in gfm_cells(line))


def markdown_rows(markdown: str) -> list[dict]:
    """The rows of the first markdown table in ``markdown``, read as GFM reads a table (a header row, a delimiter row
    of as many cells, then rows), as dicts keyed by its header, cells unescaped ('\\|'). Where it departs from GFM:
    the rows end at a blank line or at a line without a pipe (GFM reads that line as a row of one cell, so a line of
    text right under a table shows in it), and a row of another number of cells than the header fails (GFM pads or
    cuts it), as a test wants to see it."""
    lines = markdown.splitlines()
    starts = [number for number in range(1, len(lines))
              if '|' in lines[number - 1] and is_gfm_delimiter_row(lines[number])
              and len(gfm_cells(lines[number - 1])) == len(gfm_cells(lines[number]))]
    assert starts, f'no GFM table in {markdown!r}'
    header = gfm_cells(lines[starts[0] - 1])
    rows = []
    for line in lines[starts[0] + 1:]:
        if not line.strip() or not re.search(r'(?<!\\)\|', line):
            break
        cells = gfm_cells(line)
        assert len(cells) == len(header), f'the row {line!r} has {len(cells)} cells under a header of {len(header)}'
        rows.append(dict(zip(header, cells)))
    return rows


def lines_read_into_tables(markdown: str) -> list[str]:
    """The lines right under a GFM table's last row (a line holding a pipe no backslash escapes) that are neither blank
    nor the end of the text. GFM ends a table only at a blank line or another block's start, so it reads a line of
    text there as one more row (spec example 202): a note's table ends with a blank line or with the note."""
    lines, found, number = re.split(r'\r\n|\r|\n', markdown), [], 1  # CommonMark's line endings alone
    while number < len(lines):
        if ('|' in lines[number - 1] and is_gfm_delimiter_row(lines[number])
                and len(gfm_cells(lines[number - 1])) == len(gfm_cells(lines[number]))):
            number += 1
            while number < len(lines) and lines[number].strip() and re.search(r'(?<!\\)\|', lines[number]):
                number += 1
            if number < len(lines) and lines[number].strip():
                found.append(lines[number])
        number += 1
    return found


def gate_verdicts(entry: dict) -> dict:
    """What one reputation gate run leaves at QuarantineRestore.Gate in a context of its own, its EntryContext merged
    as XSOAR merges it; ``held`` as a list (a key holding one item holds it as an object)."""
    context: dict = {}
    merge_entry_context(context, entry['EntryContext'])
    verdicts = context['QuarantineRestore']['Gate']
    return dict(verdicts, held=as_list(verdicts.get('held')))


def cached_token(integration_context: dict) -> dict:
    """The IAM token the integration keeps in its integration context (README: "kept in the integration context
    with its expiry", as JSON text: XSOAR keeps text values only), found by what it holds rather than by the key the
    code files it under."""
    kept = [json.loads(value) for value in integration_context.values() if isinstance(value, str)]
    [entry] = [value for value in kept if isinstance(value, dict) and 'token' in value]
    return entry


def seed_failing_endpoints(seed_path: Path = XDR_SEED) -> dict[str, dict]:
    return {e['endpoint_id']: e['restore_failure'] for e in load_json(seed_path)['endpoints']
            if e.get('restore_failure')}


class XdrTenant:
    """An emulated tenant: the gateway (request log, rate limit, faults), the backend (to set up and inspect state),
    its URL and a working key."""

    def __init__(self, gateway: XdrGateway, server: LoopbackServer, key: str, auth_type: str):
        self.gateway = gateway
        self.backend = gateway.backend
        self.server = server
        self.url = server.url
        self.key = key
        self.auth_type = auth_type

    def params(self, **overrides) -> dict:
        params = {
            'xdr_url': self.url,
            'xdr_api_key_id': XDR_KEY_ID,
            'xdr_api_key': {'identifier': '', 'password': self.key},
            'xdr_auth_type': self.auth_type,
        }
        params.update(overrides)
        return params


def start_tenant(auth_type='advanced', stage_seconds=0.0, rate_limit=1000.0, seed: Path = XDR_SEED,
                 **backend_options) -> XdrTenant:
    backend = XdrBackend.from_seed(seed, stage_seconds=stage_seconds, **backend_options)
    key = secrets.token_hex(32)
    backend.add_api_key(XDR_KEY_ID, key, auth_type=auth_type)
    gateway = XdrGateway(backend, rate_limit=rate_limit)
    server = LoopbackServer(create_app(gateway)).start()
    return XdrTenant(gateway, server, key, auth_type)


@pytest.fixture(params=['advanced', 'standard'])
def xdr_tenant(request):
    """A tenant whose actions finish at once, with each key type."""
    tenant = start_tenant(auth_type=request.param)
    yield tenant
    tenant.server.stop()


@pytest.fixture
def advanced_tenant():
    tenant = start_tenant(auth_type='advanced')
    yield tenant
    tenant.server.stop()


class ReplayServer:
    """Answers each request with the next queued (status, body, headers) and records what it received."""

    def __init__(self):
        self.requests = []
        self._replies = []
        self._lock = threading.Lock()
        self.server = LoopbackServer(self._app).start()
        self.url = self.server.url

    def queue(self, status: int, body, headers: dict | None = None) -> 'ReplayServer':
        raw = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        content_type = 'application/json' if not isinstance(body, (str, bytes)) else 'text/html'
        self._replies.append(Response(status, raw, {'Content-Type': content_type, **(headers or {})}))
        return self

    def queue_file(self, status: int, name: str, folder: Path = XDR_REPLIES, headers: dict | None = None):
        path = folder / name
        return self.queue(status, load_json(path) if path.suffix == '.json' else path.read_text(), headers)

    def _app(self, request):
        with self._lock:
            self.requests.append(request)
            if not self._replies:
                return Response(599, b'{"replay": "nothing queued"}', {'Content-Type': 'application/json'})
            return self._replies.pop(0)


@pytest.fixture
def replay_server():
    server = ReplayServer()
    yield server
    server.server.stop()


@pytest.fixture(scope='module')
def sdk_home(tmp_path_factory):
    """HOME in a temporary folder for a module that runs huaweicloudsdkcore, which may write ~/.huaweicloud."""
    patch = pytest.MonkeyPatch()
    patch.setenv('HOME', str(tmp_path_factory.mktemp('home')))
    yield
    patch.undo()


@pytest.fixture
def war_room_on(request):
    """war_room_on(tenant) -> a WarRoom whose polling does not sleep."""
    def make(tenant: XdrTenant, **param_overrides) -> WarRoom:
        return WarRoom(params=tenant.params(**param_overrides), time_scale=0.0, sleep=lambda _: None)
    return make


HSS_SEED = TEST_DATA / 'hss' / 'tenant.json'


def hss_seed_copies(seed_path: Path = HSS_SEED) -> dict[str, list[dict]]:
    """hash -> the isolated copies of it in the seed (each with its host)."""
    copies: dict[str, list[dict]] = {}
    for host in load_json(seed_path)['hosts']:
        for item in host.get('isolated_files') or ():
            if item.get('isolation_status', 'isolated') == 'isolated':
                # healthy: the host's agent is online and its restores succeed (test_data/hss/README.md)
                healthy = host.get('agent_status', 'online') == 'online' and not host.get('restore_fails')
                copies.setdefault(item['file_hash'], []).append(dict(item, host_id=host['host_id'],
                                                                     host_name=host['host_name'], healthy=healthy))
    return copies


def many_hosts_seed(tmp_path: Path, held: list[str], count: int) -> tuple[Path, dict[str, str], list[str]]:
    """An HSS seed of the sample's project with ``count`` hosts, each isolating every file of ``held`` at a path of its
    own: (the seed file, {hash: its path}, the host IDs)."""
    paths = {h: f'/opt/tools/tool-{n}.sh' for n, h in enumerate(held)}
    hosts = [f'{n:032x}' for n in range(count)]
    seed = tmp_path / 'tenant.json'
    seed.write_text(json.dumps({'project_id': load_json(HSS_SEED)['project_id'], 'hosts': [
        {'host_id': host, 'isolated_files': [{'file_hash': h, 'file_path': paths[h], 'file_attr': '755'} for h in held]}
        for host in hosts]}))
    return seed, paths, hosts


def hash_at_paths_seed(tmp_path: Path, file_hash: str, paths_on: dict[str, list[str]],
                       names: dict[str, str] | None = None) -> Path:
    """An HSS seed of the sample's project whose hosts (``paths_on``'s keys, named as ``names`` says where given)
    each isolate ``file_hash`` at every path ``paths_on`` gives it: the seed file."""
    hosts = []
    for host, paths in paths_on.items():
        isolated = [{'file_hash': file_hash, 'file_path': path, 'file_attr': '755'} for path in paths]
        hosts.append({'host_id': host, 'isolated_files': isolated})
        if names is not None:
            hosts[-1]['host_name'] = names[host]
    seed = tmp_path / 'tenant.json'
    seed.write_text(json.dumps({'project_id': load_json(HSS_SEED)['project_id'], 'hosts': hosts}))
    return seed


def argument_values(text: str) -> list[str]:
    """A command argument's values as README reads them, independently of the integration's reading: a JSON list's
    items as they are, else comma-separated text's items stripped of blanks at their ends."""
    if text.lstrip().startswith('['):
        return json.loads(text)
    return [item.strip() for item in text.split(',')]


def assert_names_20_hosts_and_one_to_fill_in(line: str, hosts: list[str], by: str, value: str | list[str], key: str,
                                             check: bool = False) -> None:
    """A note's line about a file on many HSS hosts, bounded as README's "Readable at any scale" says: how many hosts,
    READABLE_LISTED_MAX of them named, then how many more, one command for a host to fill in (``by`` the file's
    ``value``, or the files' list of them), and the context key ``key`` that has the command for every host.
    ``check``: the command is the check (a restore_state: no restore sent) the line gives beside its by-hand
    restore."""
    import facts
    from commonmark_reading import as_commonmark_reads
    from warroom.line import parse_line

    listed = facts.READABLE_LISTED_MAX
    assert [host for host in hosts if host in line] == hosts[:listed], line
    assert f'{len(hosts):,} hosts' in line and f'and {len(hosts) - listed:,} more' in line
    [one] = [args for args in (parse_line(span).args for span in as_commonmark_reads(line)[0]
                               if span.startswith('!hss-restore-isolated ')) if ('restore_state' in args) == check]
    wanted = [value] if isinstance(value, str) else value
    assert argument_values(one[by]) == wanted, one  # in either form: a check's JSON list
    assert argument_values(one['host_id']) == ['<host_id>'], one  # README: "host_id=<host_id>", to fill in
    assert key in line


def checks_to_fill_in_and_whom(line: str) -> list[tuple[str, int | None, int | None, list[str] | None]]:
    """Each command to fill in for one host that a line of markdown gives (an !hss-restore-isolated code span with a
    restore_state: a check, or a follow command) with what the words right after it say it is for, "(for the host
    holding 2 copies: web-07)" or "(for the 35 hosts holding 1 copy)", maybe with "in enterprise project proj-a" after
    the copies: (the command, how many hosts, how many copies each holds, the hosts named or None where only counted);
    (the command, None, None, None) where no such words follow it, or where they are not English ("the 1 hosts", "2
    copy")."""
    from commonmark_reading import pieces
    from warroom.line import parse_line

    read, found = pieces(line), []
    for at, (kind, _, shown) in enumerate(read):
        if kind != 'code' or not shown.startswith('!hss-restore-isolated ') or \
                'restore_state' not in parse_line(shown).args:
            continue
        after = ''
        for next_kind, _, text in read[at + 1:]:
            if next_kind == 'code':
                break
            after += text
        whom = re.match(r' \(for the (?:host|([\d,]+) hosts) holding (\d+) cop(y|ies)'
                        r'(?: in enterprise project [^:)]+)?(?:: ([^)]*))?\)', after)
        # in English words only: "the host", never "the 1 hosts"; "1 copy", "2 copies"
        if whom is None or whom.group(1) == '1' or (whom.group(2) == '1') != (whom.group(3) == 'y'):
            found.append((shown, None, None, None))
            continue
        hosts = int(whom.group(1).replace(',', '')) if whom.group(1) else 1
        found.append((shown, hosts, int(whom.group(2)), whom.group(4).split(', ') if whom.group(4) else None))
    return found


def first_and_last_host_each_is_for(line: str, to_fill_in: list, hosts: list[str], copies: dict[str, int],
                                    names: dict[str, str]) -> list[tuple[str, int, str]]:
    """Asserts that ``line`` gives two commands to fill in (``to_fill_in``, as checks_to_fill_in_and_whom reads them),
    each counting the ``hosts`` holding as many copies as it says (``copies``), and naming them by ``names`` where it
    names any: (the command, how many copies, a host it is for), for the first and the last host each is for."""
    assert len(to_fill_in) == 2, line
    found = []
    for command, count, held, named in to_fill_in:
        said = [host for host in hosts if copies[host] == held]  # the hosts holding that many copies
        assert count == len(said), line
        if named is not None:
            assert named == [names[host] for host in said], line
            said = [host for host in hosts if names[host] in named]
        found += [(command, held, host) for host in (said[0], said[-1])]
    return found


class HssTenant:
    """An emulated HSS project: the gateway in front of HSS and IAM (request log, rate limit, faults), the backend
    (state), their URLs and params with working credentials."""

    def __init__(self, stack, gateway, hss_server, iam_server, params):
        self.stack = stack
        self.gateway = gateway
        self.backend = gateway.backend
        self.hss_server = hss_server  # its connections_accepted: a request that reached no app still connected
        self.url = hss_server.url
        self.iam_url = iam_server.url
        self.base_params = params

    def params(self, auth_type='aksk', **overrides) -> dict:
        return {**self.base_params, 'hss_auth_type': auth_type, **overrides}

    def secrets(self) -> list[str]:
        return [self.base_params['hss_aksk']['password'], self.base_params['hss_credentials']['password']]

    def requests_to(self, method: str, path_end: str) -> list:
        return [r for r in self.gateway.requests if r[0] == method and r[1].endswith(path_end)]


def inject_hss_faults(tenant, service: str, plan) -> None:
    """Makes IAM's token requests (``service`` 'iam', in any case) or HSS's own meet the fault plan ``plan``."""
    if service.lower() == 'iam':
        tenant.gateway.iam_faults = plan
    else:
        tenant.gateway.inject_faults(plan)


def start_hss_tenant(stage_seconds=0.0, seed: Path = HSS_SEED, **options) -> HssTenant:
    """``options``: start_hss's gateway options (rate_limit, faults, described_errors, ...) and backend options."""
    from contextlib import ExitStack

    from warroom.embedded import start_hss

    stack = ExitStack()
    gateway, hss_server, iam_server, params = start_hss(stack, stage_seconds, seed, **options)
    return HssTenant(stack, gateway, hss_server, iam_server, params)


@pytest.fixture
def hss_tenant():
    tenant = start_hss_tenant()
    yield tenant
    tenant.stack.close()


class WaitClock:
    """An emulator's monotonic clock that the war room's waits between polls move (pass ``sleep`` to WarRoom)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds

    advance = sleep  # integration_on_clock's limiters wait on it


@pytest.fixture
def vendors():
    """Both emulated vendors, fresh, over loopback: (Cortex XDR tenant, HSS tenant)."""
    xdr, hss = start_tenant(), start_hss_tenant()
    yield xdr, hss
    xdr.server.stop()
    hss.stack.close()


def client_from_params(kind: str, params: dict):
    """One vendor's client from instance params, as main() builds it: the settings read once, then the client."""
    import restore_integration as ri
    return ri.build_client(kind, ri.read_instance_settings(params, [kind]))


def one_file_restore_lost(xdr: XdrTenant) -> tuple[str, dict]:
    """(file_hash, incident): a Cortex XDR incident naming one file (the most common shape), closed as a false
    positive, whose first restore Cortex XDR carries out but whose answer breaks off (the emulator's "truncated")."""
    from warroom.emulator.faults import FaultPlan
    from warroom.playbook.incidents import close_incident
    failing = seed_failing_endpoints()
    lost = sorted(h for h, endpoints in seed_holders().items() if not set(endpoints) & set(failing))[0]
    xdr.gateway.inject_faults(FaultPlan.parse('sequence=truncated'))
    return lost, close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': [lost]}},
                                'False Positive')


def lost_restore_record(run, file_hash: str, xdr: XdrTenant) -> dict:
    """The one CortexXDR.RestoredFile record a run left of that restore: it says may_have_started (integration.yml),
    and Cortex XDR did give the file back on every endpoint holding it."""
    from warroom.context import get_path
    assert not run.failed, run.error
    [record] = as_list(get_path(run.context, 'CortexXDR.RestoredFile'))
    assert record['file_hash'] == file_hash and record['may_have_started'] is True, record
    assert all(file_hash in xdr.backend.restored(endpoint) for endpoint in seed_holders()[file_hash])
    return record


def seconds_to_test_again(message: str, vendor: str) -> int:
    """The seconds until the time a Test's error says to test again after, as ``vendor`` asked (Retry-After); fails
    unless that is the one instruction it gives: no "in a moment" or "try again" beside it (README, test-module)."""
    told = re.findall(r'\bTest again after (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC \(in (\d+) s, as ' + re.escape(vendor)
                      + r' asked to wait: Retry-After\)', message)
    assert len(told) == 1 and len(re.findall(r'\bagain\b', message, re.IGNORECASE)) == 1, message
    assert 'in a moment' not in message, message
    [(until, seconds)] = told
    left = datetime.strptime(until, '%Y-%m-%d %H:%M:%S').replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)
    assert abs(left.total_seconds() - int(seconds)) <= 2, message  # the time and the seconds name one moment
    return int(seconds)


def refused_in_a_worker(calls) -> list[str]:
    """What DemistoMisuse said of each call, made from a thread named worker-1."""
    refused = []

    def worker():
        for call in calls:
            try:
                call()
            except DemistoMisuse as error:
                refused.append(str(error))

    thread = threading.Thread(target=worker, name='worker-1')
    thread.start()
    thread.join()
    return refused
