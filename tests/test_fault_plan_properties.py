"""Whole restores under drawn vendor fault plans: restore-file (Cortex XDR) and hss-restore-isolated (HSS), run through
the war room with polling to its end, over HTTP to the emulators, each request the vendor meets faulted by a plan
hypothesis draws (rate, seed, kinds; warroom/emulator/faults.py). Whatever the faults, what README and integration.yml
promise must hold:

- the run ends in words: no traceback, no Python class name, nothing "unexpected" in any entry;
- every file asked (on each host, for HSS) ends with an outcome integration.yml documents, or a line says what to run;
- no restore of a file (on the same endpoint, or the same HSS copy) reaches the vendor after an answer said it was
  taken (README, Reliability: a resend only after a fault, and "A restore Cortex XDR answered ... is not sent again");
- no secret of the instance (API key, SK, IAM password, IAM token) in an entry, the context or a log line;
- the polling keeps to its timeout: no check starts past timeout_in_seconds from the first run's start but by the
  seconds README grants a check's reads (restore-file: "one that sends no restore gives its status reads 5 s at least
  ... its next check, the last, comes at most those seconds later"; hss-restore-isolated: a check waits for its turns
  "at least 5 s"), or, for the check after a first run whose waits for turns used up the polling time, an interval
  after that run (README: "the first run is always followed by a check, the last one if its waits used up the polling
  time"); and XSOAR's timeout never ends it.

Waits cost no real time: the war room's waits, the integration's limiter (backoff, Retry-After) and the vendors' clocks
all run on one test clock. The `slow` kind is left out: it costs a real read timeout per fault.
"""
from __future__ import annotations

import builtins
import gzip
import hashlib
import http.client
import json
import re
import socket
import ssl
import threading
from collections import defaultdict

import pytest
import requests
import urllib3
import yaml
from hypothesis import HealthCheck, example, given, settings, strategies as st

import facts
import restore_integration as ri
from conftest import (HSS_SEED, ROOT, XDR_SEED, FakeClock, integration_on_clock, load_json, start_hss_tenant,
                      start_tenant)
from warroom.context import as_list, get_path
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss.responses import create_app as create_hss_app, create_iam_app
from warroom.emulator.httpserver import LoopbackServer
from warroom.emulator.xdr.responses import create_app as create_xdr_app
from warroom.runtime import WarRoom

EXAMPLES = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
READS_LEAST_SECONDS = 5  # README: the least a check's reads are given, which its next check, the last, may come past
INTERVAL = 10  # interval_in_seconds left to its default (integration.yml)
XDR_KINDS = tuple(kind for kind in facts.XDR_FAULT_KINDS if kind != 'slow')
HSS_KINDS = tuple(kind for kind in facts.FAULT_KINDS if kind != 'slow')
XDR_ENDPOINTS = [endpoint['endpoint_id'] for endpoint in load_json(XDR_SEED)['endpoints']]
HSS_HOSTS = [host['host_id'] for host in load_json(HSS_SEED)['hosts']]


def _outputs(command: str) -> dict[str, str]:
    spec = yaml.safe_load((ROOT / 'integration.yml').read_text(encoding='utf-8'))
    [found] = [c for c in spec['script']['commands'] if c['name'] == command]
    return {output['contextPath']: output['description'] for output in found.get('outputs') or ()}


# The outcomes integration.yml documents, read from its descriptions (each outcome is named before its "(...)", the
# HSS ones each at the start of a sentence).
XDR_STATUSES = set(re.findall(r'\b([A-Z]+(?:_[A-Z]+)*)\b', _outputs('restore-file')['CortexXDR.RestoredFile.status']))
XDR_ENDPOINT_STATUSES = set(re.findall(r'\b([A-Z]{2,}(?:_[A-Z]+)*)\b',
                                       _outputs('restore-file')['CortexXDR.RestoredFile.endpoints.status']))
HSS_OUTCOMES = set(re.findall(r'(?:^|, |\) or |\. )([a-z_]+) \(',
                              _outputs('hss-restore-isolated')['HuaweiHSS.RestoredFile.outcome']))


def _exception_names() -> set[str]:
    modules = (builtins, requests.exceptions, urllib3.exceptions, http.client, socket, ssl, json, ri)
    # CamelCase only: a single word (Timeout, Warning) is also a vendor's words ("Gateway Timeout")
    return {value.__name__ for module in modules for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, BaseException)
            and len(re.findall('[A-Z]', value.__name__)) > 1} | {'NoneType'}


PYTHON_CLASS = re.compile(r'\b(?:' + '|'.join(sorted(map(re.escape, _exception_names()))) + r')\b')

def plans(kinds: tuple[str, ...]):
    """Fault plans of a few of the vendor's kinds, at any rate; the waits a 429 or 503 asks for span one run's budget
    and the polling time (they cost no real time: the limiter waits on the test clock)."""
    return st.builds(FaultPlan, rate=st.sampled_from([0.1, 0.2, 0.35, 0.5, 0.7, 0.9]), seed=st.integers(0, 10_000),
                     retry_after_s=st.sampled_from([0, 1, 5, 15, 30, 170, 300]),
                     kinds=st.lists(st.sampled_from(kinds), min_size=1, max_size=4, unique=True).map(tuple))


def balancer_200s(seed: int) -> FaultPlan:
    """Half the requests met by a load balancer's empty 200 (no vendor's request ID): a plan the draws may miss, whose
    restores the client sends again (with this seed, some after such a 200), which no answer of the vendor's took."""
    return FaultPlan(rate=0.5, kinds=('200-empty',), seed=seed)


timeouts = st.sampled_from([10, 20, 60, 180, 600])
stage_seconds = st.sampled_from([1.0, 10.0, 40.0])  # how long each stage of a vendor's restore takes on the test clock


def xdr_form(reply, body: bytes) -> bool:
    """Cortex XDR's answer: JSON, as the client reads every 2xx of Cortex XDR's (expect_json): an empty body, a
    balancer's 200, is none, and the client sends the request again."""
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def hss_form(reply, body: bytes) -> bool:
    """HSS's answer (README, Reliability): a JSON object, or no body with the request ID (X-Request-Id) Huawei's
    gateway gives every request it passed, as HSS's 200 to the restore's PUT; a balancer's empty 200 has none."""
    if not body:
        return any(name.lower() == 'x-request-id' and value for name, value in reply.headers.items())
    try:
        return isinstance(json.loads(body), dict)
    except ValueError:
        return False


class Wire:
    """In front of an emulator's app: each request, and the answer the vendor put on the wire (None: reset), with the
    order of arrivals and answers on one counter. ``form``: whether a whole 2xx's body (and headers) is the vendor's
    answer, not a 200 from something in front of it."""

    def __init__(self, app, form):
        self.app, self.form, self.log, self._lock, self._count = app, form, [], threading.Lock(), 0

    def _tick(self) -> int:
        with self._lock:
            self._count += 1
            return self._count

    def __call__(self, request):
        arrived, reply = self._tick(), None
        try:
            reply = self.app(request)
            return reply
        finally:
            self.log.append((arrived, self._tick(), request, reply))

    def readable_ok(self, reply) -> bool:
        """A 2xx the client reads whole (not cut short, late or broken) in the vendor's form (``form``)."""
        if reply is None or not 200 <= reply.status < 300 or reply.declared_length is not None or reply.delay_s \
                or reply.trickle_s:
            return False
        body = gzip.decompress(reply.body) if reply.headers.get('Content-Encoding') == 'gzip' else reply.body
        return self.form(reply, body)

    def sent_after_taken(self, keys_of) -> list:
        """Requests for a key (``keys_of(request)``) that arrived after an answer said a request for it was taken."""
        taken: dict = {}
        for arrived, answered, request, reply in self.log:
            if self.readable_ok(reply):
                for key in keys_of(request):
                    taken[key] = min(taken.get(key, answered), answered)
        return [(key, arrived) for arrived, _, request, _ in self.log for key in keys_of(request)
                if key in taken and arrived > taken[key]]


def front(stack_servers: list, app, form) -> tuple[Wire, str]:
    wire = Wire(app, form)
    server = LoopbackServer(wire).start()
    stack_servers.append(server)
    return wire, server.url


def run_timed(room: WarRoom, clock, command: str, args: dict, monkeypatch):
    """The war room's run of ``command`` polled to its end, and the test clock's times of each run's start and end."""
    runs, real_main = [], ri.main

    def timed(demisto=None):
        started = clock()
        real_main(demisto)
        runs.append((started, clock()))

    monkeypatch.setattr(ri, 'main', timed)
    return room.run(command, args), runs


def entry_texts(result) -> list[str]:
    return [str(entry.get('HumanReadable') or '') + '\n' + (entry['Contents'] if isinstance(entry.get('Contents'), str)
                                                            else json.dumps(entry.get('Contents')))
            for entry in result.entries]


def assert_ends_in_words(result) -> None:
    for text in entry_texts(result):
        assert 'Traceback' not in text and not re.search(r'File ".*", line \d+', text), text
        assert not PYTHON_CLASS.search(text), (PYTHON_CLASS.search(text).group(), text)
        assert 'unexpected' not in text.lower(), text


def assert_no_secret(result, secrets: list[str]) -> None:
    shown = json.dumps(result.entries) + json.dumps(result.context) + json.dumps(result.log)
    for secret in secrets:
        assert secret not in shown


def assert_within_timeout(result, runs: list[tuple[float, float]], timeout: int) -> None:
    assert not any('its timeout of' in text and 'ran out' in text for text in entry_texts(result)), result.entries[-1]
    (first, first_end), *checks = runs
    # Times on the test clock, as the war room moves it (a check an interval after the first run: first_end + INTERVAL
    # exactly), not differences of them, which round: 1025.0102040816328 - 1000 > 1015.0102040816327 - 1000 + 10
    latest = max(first + timeout + READS_LEAST_SECONDS, first_end + INTERVAL)
    assert all(start <= latest for start, _ in checks), (runs, timeout)
    assert 'PollingCommand' not in result.entries[-1] or not result.entries[-1]['PollingCommand']


def accounted_for(result, command: str, file_hash: str, sent: list) -> bool:
    """A file with no record is still accounted for when an entry gives the line to run for it, or when the command
    failed as a whole (its error entry says why and what to do) before any restore of it went out (``sent``: each
    restore request's keys, the file's hash first): README promises a record for every file a restore was sent for."""
    return any(f'!{command}' in text and file_hash in text for text in entry_texts(result)) or (
        result.failed and not any(key[0] == file_hash for key in sent))


# --------------------------------------------------------------------------- Cortex XDR


def xdr_restore(plan, auth_type, stages, files, endpoints, limit, timeout, monkeypatch):
    clock = FakeClock()
    moved = integration_on_clock(monkeypatch, clock)
    tenant = start_tenant(auth_type=auth_type, stage_seconds=stages, clock=clock, wall_clock=moved.time)
    servers = [tenant.server]
    try:
        hashes = tenant.backend.quarantine_files(files, endpoints, salt=f'faulted-{plan.seed}')
        tenant.gateway.inject_faults(plan)
        wire, url = front(servers, create_xdr_app(tenant.gateway), xdr_form)
        room = WarRoom(params=tenant.params(xdr_url=url), sleep=clock.advance, clock=clock)
        args = {'file_hash': ','.join(hashes), 'timeout_in_seconds': str(timeout)}
        if limit:
            args['endpoint_id'] = endpoints[0]
        result, runs = run_timed(room, clock, 'restore-file', args, monkeypatch)
        return result, runs, hashes, wire, tenant
    finally:
        for server in servers:
            server.stop()


def xdr_restore_keys(request) -> list:
    if not request.path.endswith('/endpoints/restore/'):
        return []
    data = json.loads(request.body)['request_data']
    return [(data['file_hash'], data.get('endpoint_id'))]


xdr_cases = st.tuples(plans(XDR_KINDS), st.sampled_from(['advanced', 'standard']), stage_seconds, st.integers(1, 3),
                      st.lists(st.sampled_from(XDR_ENDPOINTS), min_size=1, max_size=3, unique=True),
                      st.booleans(), timeouts)


@EXAMPLES
@given(case=xdr_cases)
def test_restore_file_under_any_fault_plan_ends_in_words_never_a_traceback_or_a_class_name(case):
    with pytest.MonkeyPatch.context() as monkeypatch:
        result, *_ = xdr_restore(*case, monkeypatch)
    assert_ends_in_words(result)


@EXAMPLES
@given(case=xdr_cases)
def test_restore_file_under_any_fault_plan_gives_every_file_a_documented_outcome_or_a_line_to_run(case):
    with pytest.MonkeyPatch.context() as monkeypatch:
        result, _, hashes, wire, _ = xdr_restore(*case, monkeypatch)
    sent = [key for *_, request, _ in wire.log for key in xdr_restore_keys(request)]
    records = defaultdict(list)
    for record in as_list(get_path(result.context, facts.XDR_CONTEXT_PATH)):
        records[record['file_hash']].append(record)
        assert record['status'] in XDR_STATUSES, record
        assert {e['status'] for e in record.get('endpoints') or ()} <= XDR_ENDPOINT_STATUSES, record
    for file_hash in hashes:
        assert records[file_hash] or accounted_for(result, 'restore-file', file_hash, sent), (file_hash, result.entries)


@EXAMPLES
@given(case=xdr_cases)
@example(case=(balancer_200s(seed=1), 'advanced', 1.0, 2, XDR_ENDPOINTS[:1], False, 60))
def test_restore_file_under_any_fault_plan_never_sends_a_file_again_after_cortex_xdr_answered_it(case):
    with pytest.MonkeyPatch.context() as monkeypatch:
        _, _, _, wire, _ = xdr_restore(*case, monkeypatch)
    assert wire.sent_after_taken(xdr_restore_keys) == []


@EXAMPLES
@given(case=xdr_cases)
def test_restore_file_under_any_fault_plan_shows_no_secret_and_keeps_to_its_polling_timeout(case):
    with pytest.MonkeyPatch.context() as monkeypatch:
        result, runs, _, _, tenant = xdr_restore(*case, monkeypatch)
    assert_no_secret(result, [tenant.key])
    assert_within_timeout(result, runs, case[-1])


# --------------------------------------------------------------------------- Huawei Cloud HSS


def hss_restore(plan, iam_plan, auth_type, stages, files, hosts, by_host, timeout, monkeypatch):
    clock = FakeClock()
    moved = integration_on_clock(monkeypatch, clock)
    tenant = start_hss_tenant(stage_seconds=stages, clock=clock, wall_clock=moved.time)
    servers, tokens = [], []
    try:
        hashes = [hashlib.sha256(f'faulted-{plan.seed}-{n}'.encode()).hexdigest() for n in range(files)]
        for host in hosts:
            for file_hash in hashes:
                tenant.backend.add_isolated_files(host, 1, file_hash=file_hash)
        tenant.gateway.inject_faults(plan)
        tenant.gateway.iam_faults = iam_plan
        wire, url = front(servers, create_hss_app(tenant.gateway), hss_form)
        iam_wire, iam_url = front(servers, create_iam_app(tenant.gateway), hss_form)
        room = WarRoom(params=tenant.params(auth_type, hss_endpoint=url, hss_iam_endpoint=iam_url),
                       sleep=clock.advance, clock=clock)
        args = {'file_hash': ','.join(hashes), 'timeout_in_seconds': str(timeout)}
        if by_host:
            args['host_id'] = ','.join(hosts)
        result, runs = run_timed(room, clock, 'hss-restore-isolated', args, monkeypatch)
        tokens = [reply.headers.get('X-Subject-Token') for *_, reply in iam_wire.log if reply is not None]
        return result, runs, hashes, wire, tenant.secrets() + [token for token in tokens if token]
    finally:
        for server in servers:
            server.stop()
        tenant.stack.close()


def hss_copies_put(request) -> list:
    if request.method != 'PUT':
        return []
    return [(item.get('host_id'), item.get('file_hash'), item.get('file_path'))
            for item in json.loads(request.body)['data_list']]


hss_cases = st.tuples(plans(HSS_KINDS), st.none() | plans(HSS_KINDS), st.sampled_from(['aksk', 'token']), stage_seconds,
                      st.integers(1, 3), st.lists(st.sampled_from(HSS_HOSTS), min_size=1, max_size=3, unique=True),
                      st.booleans(), timeouts)


@EXAMPLES
@given(case=hss_cases)
def test_hss_restore_under_any_fault_plan_ends_in_words_never_a_traceback_or_a_class_name(case):
    with pytest.MonkeyPatch.context() as monkeypatch:
        result, *_ = hss_restore(*case, monkeypatch)
    assert_ends_in_words(result)


@EXAMPLES
@given(case=hss_cases)
def test_hss_restore_under_any_fault_plan_gives_every_copy_a_documented_outcome_or_a_line_to_run(case):
    with pytest.MonkeyPatch.context() as monkeypatch:
        result, _, hashes, wire, _ = hss_restore(*case, monkeypatch)
    # A PUT HSS throttled took nothing: a start throttled past the polling time is an error entry with no row (README)
    sent = [key[1:] for *_, request, reply in wire.log for key in hss_copies_put(request)
            if reply is None or reply.status != 429]
    rows = defaultdict(list)
    for row in as_list(get_path(result.context, facts.HSS_CONTEXT_PATH)):
        rows[row['host_id'], row['file_hash']].append(row)
        assert row['outcome'] in HSS_OUTCOMES, row
    hosts = case[5]
    for host in hosts:
        for file_hash in hashes:
            assert rows[host, file_hash] or accounted_for(result, 'hss-restore-isolated', file_hash, sent), \
                (host, file_hash, result.entries)


@EXAMPLES
@given(case=hss_cases)
@example(case=(balancer_200s(seed=0), None, 'token', 1.0, 2, HSS_HOSTS[:1], False, 60))
def test_hss_restore_under_any_fault_plan_never_puts_a_copy_again_after_hss_took_it(case):
    with pytest.MonkeyPatch.context() as monkeypatch:
        _, _, _, wire, _ = hss_restore(*case, monkeypatch)
    assert wire.sent_after_taken(hss_copies_put) == []


@EXAMPLES
@given(case=hss_cases)
def test_hss_restore_under_any_fault_plan_shows_no_secret_and_keeps_to_its_polling_timeout(case):
    with pytest.MonkeyPatch.context() as monkeypatch:
        result, runs, _, _, secrets = hss_restore(*case, monkeypatch)
    assert_no_secret(result, secrets)
    assert_within_timeout(result, runs, case[-1])
