"""The emulators' fault injection (warroom/emulator/faults.py): the spec, the choices, the records, the wire.

What the integration makes of each fault is in test_retries.py; the accounting under 20% faults in
test_accounting.py. Here: the plan decides as specified, records every fault, and each fault looks on the wire
the way it would from a real network or gateway (read with plain sockets and a bare requests call, no retries).
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections import Counter

import pytest
import requests

import facts
from conftest import ROOT, start_hss_tenant, start_tenant
from warroom.emulator.faults import FAULT_KINDS, SPEC_HELP, FaultPlan, FaultSpecError
from warroom.emulator.httpserver import Request
from warroom.emulator.xdr import XdrBackend, XdrGateway
from warroom.spec import load_spec

RESTORE = '/public_api/v1/endpoints/restore/'


def request(number=0):
    return Request('POST', f'/x/{number}', {}, None, b'', '127.0.0.1')


def bare_post(tenant, body=None):
    """One request with no retries and the tenant's standard key, as the wire carries it."""
    return requests.post(tenant.url + RESTORE, json=body or {'request_data': {'file_hash': 'a' * 64}}, timeout=5,
                         headers={'x-xdr-auth-id': '17', 'Authorization': tenant.key})


@pytest.fixture
def tenant():
    started = start_tenant(auth_type='standard', stage_seconds=100)
    yield started
    started.server.stop()


# --------------------------------------------------------------------------- the spec


def test_a_spec_reads_every_option():
    plan = FaultPlan.parse('rate=0.25; seed=7; kinds=429,503-html,reset; retry-after=3; delay=0.5; trickle=0.125; '
                           'skew=-600')
    assert (plan.rate, plan.seed, plan.kinds, plan.retry_after_s, plan.delay_s, plan.trickle_s, plan.skew_s) == \
        (0.25, 7, ('429', '503-html', 'reset'), 3, 0.5, 0.125, -600.0)
    assert FaultPlan.parse('sequence=429,ok,reset*3,ok*2').sequence == \
        ('429', 'ok', 'reset', 'reset', 'reset', 'ok', 'ok')
    assert FaultPlan.parse('').describe() == 'faults: none'


@pytest.mark.parametrize('spec, said', [
    ('rate=0.25;seed=7', 'faults: 25% of requests (every kind, seed 7)'),
    ('rate=0.1;seed=3;kinds=429,reset', 'faults: 10% of requests (429, reset, seed 3)'),
    ('skew=-600', 'faults: a clock 600 s behind'),
    ('sequence=429,ok;skew=2.5', 'faults: a sequence of 2 steps; a clock 2.5 s ahead'),
], ids=['rate', 'rate-of-kinds', 'clock-behind', 'sequence-and-clock-ahead'])
def test_a_plan_is_described_by_each_part_it_injects(spec, said):
    # What `warroom emulate` prints on starting ("Injecting ..."): the rate with its kinds and seed, the clock's skew.
    assert FaultPlan.parse(spec).describe() == said


@pytest.mark.parametrize('spec, says', [
    ('rate=2', 'rate must be between 0 and 1'), ('rate=x', "'rate=x'"), ('kinds=404', "unknown fault kind '404'"),
    ('sequence=ok,teapot', "unknown fault kind 'teapot'"), ('speed=3', "unknown option 'speed'"),
    ('rate', 'is not NAME=VALUE'), ('sequence=429*999999', 'at most'), ('delay=-1', 'must not be negative'),
])
def test_a_bad_spec_is_refused_naming_the_part(spec, says):
    with pytest.raises(FaultSpecError, match=says.replace('*', r'\*')):
        FaultPlan.parse(spec)


def test_the_cli_documents_the_spec_and_refuses_a_bad_one_before_serving():
    # Wide enough that argparse wraps no line: it may break a kind's name at its hyphen ("expire-" "token").
    help_text = subprocess.run([sys.executable, '-m', 'warroom', 'emulate', '--help'], cwd=ROOT, capture_output=True,
                               text=True, timeout=60, env={**os.environ, 'COLUMNS': '1000'}).stdout
    assert 'rate=P' in ' '.join(help_text.split()) and 'sequence=STEP' in help_text and '--iam-faults' in help_text
    assert all(kind in ' '.join(help_text.split()) for kind in facts.FAULT_KINDS)  # the README's kinds
    refused = subprocess.run([sys.executable, '-m', 'warroom', 'emulate', 'xdr', '--faults', 'rate=3'], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and 'rate must be between 0 and 1' in refused.stderr
    assert SPEC_HELP.startswith('Faults to inject')


# --------------------------------------------------------------------------- choices and records


def test_a_sequence_faults_requests_in_order_then_stops():
    plan = FaultPlan.parse('sequence=429,ok,reset')
    kinds = [plan.choose(request(n), FAULT_KINDS) for n in range(5)]
    assert kinds == ['429', None, 'reset', None, None]
    assert [(r.number, r.method, r.path, r.kind) for r in plan.injected] == \
        [(1, 'POST', '/x/0', '429'), (3, 'POST', '/x/2', 'reset')]
    assert plan.seen == 5 and plan.counts() == Counter({'429': 1, 'reset': 1})


def test_a_seeded_rate_repeats_exactly_and_hits_about_that_share_of_every_kind():
    first, second = FaultPlan(rate=0.2, seed=11), FaultPlan(rate=0.2, seed=11)
    supported = tuple(kind for kind in facts.XDR_FAULT_KINDS if kind not in facts.NAMED_ONLY_FAULT_KINDS)
    one = [first.choose(request(n), supported) for n in range(5000)]
    assert one == [second.choose(request(n), supported) for n in range(5000)]
    assert 0.18 < len(first.injected) / 5000 < 0.22
    assert set(first.counts()) == set(supported)  # a kind the vendor lacks is never chosen
    # Every kind about its share of the faults (faults.py: the kinds are "equally likely"), not merely present.
    share = len(first.injected) / len(supported)
    assert all(0.5 * share < count < 1.5 * share for count in first.counts().values()), first.counts()


def test_the_plan_only_picks_its_own_kinds_and_a_skew_moves_the_clock():
    plan = FaultPlan(rate=1.0, kinds=('503', 'expire-token'))
    assert {plan.choose(request(n), ('429', '503')) for n in range(50)} == {'503'}
    gateway = XdrGateway(XdrBackend(wall_clock=lambda: 1000.0))
    gateway.inject_faults(FaultPlan(skew_s=90))
    assert gateway.backend.wall_clock() == 1090.0
    gateway.inject_faults(None)  # the plan gone, the clock is true again
    assert gateway.backend.wall_clock() == 1000.0


def test_a_rate_picks_the_api_gateway_s_own_errors_and_the_200s_in_between_only_when_its_kinds_name_them():
    hss_kinds = facts.FAULT_KINDS  # faults.py: "A rate picks them only when ``kinds`` names them"
    plan = FaultPlan(rate=1.0, seed=5)
    unnamed = {plan.choose(request(n), hss_kinds) for n in range(500)}
    assert unnamed == set(hss_kinds) - set(facts.NAMED_ONLY_FAULT_KINDS)
    named = FaultPlan(rate=1.0, seed=5, kinds=('413-apigw', '503'))
    assert {named.choose(request(n), hss_kinds) for n in range(50)} == {'413-apigw', '503'}


# --------------------------------------------------------------------------- on the wire


@pytest.mark.parametrize('kind, status, form', [
    ('429', 429, 'json'), ('500', 500, 'json'), ('502', 502, 'json'), ('503', 503, 'json'), ('504', 504, 'json'),
    ('500-html', 500, 'html'), ('502-html', 502, 'html'), ('503-html', 503, 'html'), ('504-html', 504, 'html'),
])
def test_cortex_xdr_status_faults_come_in_its_error_form_or_as_a_gateway_page(tenant, kind, status, form):
    tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={kind};retry-after=2'))

    response = bare_post(tenant)

    assert response.status_code == status
    if form == 'json':
        assert response.json()['reply']['err_code'] == status
    else:
        assert response.headers['Content-Type'] == 'text/html' and f'<h1>{status} ' in response.text
    assert ('Retry-After' in response.headers) is (status in (429, 503))
    assert response.headers.get('Retry-After', '2') == '2'
    assert tenant.gateway.requests == [] and not tenant.backend.actions  # the service never saw it


def test_a_429_s_retry_after_and_a_slow_answer_s_delay_default_to_the_readme_s_past_the_default_read_timeout(tenant):
    # README, the fault table: `429` "refuses with `Retry-After` (`retry-after=S`, default 1)", `slow` "answers
    # `delay=S` late (default 65 s, past the default read timeout)": integration.yml's default read_timeout.
    readme = ' '.join((ROOT / 'README.md').read_text(encoding='utf-8').split())
    [retry_after] = re.findall(r'refuses with `Retry-After` \(`retry-after=S`, default (\d+)\)', readme)
    [delay] = re.findall(r'answers `delay=S` late \(default (\d+) s, past the default read timeout\)', readme)
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429'))

    throttled = bare_post(tenant)

    assert throttled.status_code == 429 and throttled.headers['Retry-After'] == retry_after
    read_timeout = float(load_spec().params['read_timeout'].default)
    assert FaultPlan.parse('sequence=slow').delay_s == float(delay) > read_timeout  # (65 s on the wire: too long)

def test_hss_status_faults_come_in_the_gateways_form():
    hss = start_hss_tenant()
    try:
        # With a token the gateway takes: HSS's own 500 answers only a request it authenticated (test_hss_emulator.py
        # -k planned_hss_500); the others come before it looks at the credentials.
        token, _ = hss.backend.issue_token('demo-account', 'soar-restore',
                                           hss.base_params['hss_credentials']['password'], hss.backend.project_id)
        codes = {}
        for kind in ('429', '500', '502', '503', '504', '400-apigw', '413-apigw', '500-apigw'):
            hss.gateway.inject_faults(FaultPlan.parse(f'sequence={kind}'))
            response = requests.get(hss.url + f'/v5/{hss.backend.project_id}/event/isolated-file', timeout=5,
                                    headers={'X-Auth-Token': token})
            body = response.json() if response.headers.get('Content-Type') == 'application/json' else None
            codes[kind] = (response.status_code, body and body['error_code'], 'X-Request-Id' in response.headers)
        # the -apigw kinds: the gateway's own errors before it checks the credentials (signing guide, "Error Codes")
        assert codes == {'429': (429, 'APIGW.0308', True), '500': (500, 'HSS.0041', True),
                         '502': (502, 'APIGW.0202', True), '503': (503, None, False), '504': (504, 'APIGW.0203', True),
                         '400-apigw': (400, 'APIGW.0201', True), '413-apigw': (413, 'APIGW.0201', True),
                         '500-apigw': (500, 'APIGW.0601', True)}
    finally:
        hss.stack.close()


@pytest.mark.parametrize('vendor', ['xdr', 'hss'])
def test_a_200_from_in_between_is_a_page_or_empty_without_the_vendor_s_request_id_and_the_service_never_sees_it(
        tenant, vendor):
    # 200-page: a proxy's or captive portal's sign-in page; 200-empty: a load balancer's empty 200. Neither reaches
    # the vendor, so neither carries its request ID (Huawei's gateway gives one to every request it passed).
    hss = start_hss_tenant() if vendor == 'hss' else None
    try:
        served = {}
        for kind in ('200-page', '200-empty'):
            if hss:
                hss.gateway.inject_faults(FaultPlan.parse(f'sequence={kind}'))
                response = requests.put(hss.url + f'/v5/{hss.backend.project_id}/event/isolated-file', timeout=5,
                                        json={'data_list': []})
            else:
                tenant.gateway.inject_faults(FaultPlan.parse(f'sequence={kind}'))
                response = bare_post(tenant)
            served[kind] = (response.status_code, response.headers.get('Content-Type'), response.text,
                            'X-Request-Id' in response.headers)
        gateway = hss.gateway if hss else tenant.gateway
        assert gateway.requests == []  # the service never saw either
    finally:
        if hss:
            hss.stack.close()

    status, content_type, page, request_id = served['200-page']
    assert (status, content_type, request_id) == (200, 'text/html', False) and '<html>' in page
    assert served['200-empty'] == (200, None, '', False)


def test_a_reset_cuts_the_connection_without_an_answer(tenant):
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=reset'))
    host, port = tenant.url.rsplit('/', 1)[1].split(':')
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b'POST ' + RESTORE.encode() + b' HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}')
        try:
            received = raw.recv(1024)
        except ConnectionResetError:
            received = b''
    assert received == b''
    assert tenant.gateway.faults.counts() == {'reset': 1}


def test_after_faults_let_the_service_act_and_damage_only_the_answer(tenant):
    holder_hash = next(h for e in tenant.backend.endpoints.values() for h in e.quarantined)
    body = {'request_data': {'file_hash': holder_hash}}

    tenant.gateway.inject_faults(FaultPlan.parse('sequence=malformed'))
    malformed = bare_post(tenant, body)
    assert malformed.status_code == 200 and len(tenant.backend.actions) == 1
    with pytest.raises(ValueError):
        json.loads(malformed.text)

    tenant.gateway.inject_faults(FaultPlan.parse('sequence=truncated'))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        bare_post(tenant, body)
    assert len(tenant.backend.actions) == 2

    tenant.gateway.inject_faults(FaultPlan.parse('sequence=slow;delay=0.5'))
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(tenant.url + RESTORE, json=body, timeout=(5, 0.1),
                      headers={'x-xdr-auth-id': '17', 'Authorization': tenant.key})
    assert len(tenant.backend.actions) == 3  # acted before the late answer


def test_expire_token_expires_the_token_the_request_carries():
    hss = start_hss_tenant()
    try:
        backend = hss.backend
        token, _ = backend.issue_token('demo-account', 'soar-restore', hss.base_params['hss_credentials']['password'],
                                       backend.project_id)
        other, _ = backend.issue_token('demo-account', 'soar-restore', hss.base_params['hss_credentials']['password'],
                                       backend.project_id)
        hss.gateway.inject_faults(FaultPlan.parse('sequence=expire-token'))
        url = hss.url + f'/v5/{backend.project_id}/event/isolated-file'
        expired = requests.get(url, headers={'X-Auth-Token': token}, timeout=5)
        assert (expired.status_code, expired.json()['error_code']) == (401, 'APIGW.0307')
        assert requests.get(url, headers={'X-Auth-Token': other}, timeout=5).status_code == 200
        # The token itself expired, not only the one answer: with the sequence spent, it is still refused.
        again = requests.get(url, headers={'X-Auth-Token': token}, timeout=5)
        assert (again.status_code, again.json().get('error_code')) == (401, 'APIGW.0307'), again.text
    finally:
        hss.stack.close()
