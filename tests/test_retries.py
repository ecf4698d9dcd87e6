"""Retries (HttpTransport's attempt loop) against every fault the emulators inject, one kind at a time.

Each fault alone either succeeds after a retry, or ends in an error that keeps the vendor's code, says what to do
and how often the request was retried, never a traceback. Retry waits are 0 here (``retry_backoff=0``,
``retry-after=0``); the policy's real numbers are checked on RetryPolicy itself, and as waits on a test clock in
test_pipeline.py.
"""
from __future__ import annotations

import errno
import json
import os
import re
import socket
import threading

import pytest

import facts
import restore_integration as ri
from conftest import (HSS_ANSWER, HSS_REPLIES, ROOT, FakeClock, client_from_params, hss_seed_copies,
                      integration_on_clock, seed_failing_endpoints, seed_holders, start_hss_tenant, start_tenant)
from warroom.context import as_list, get_path
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss.gateway import TOKEN_EXPIRES
from facts import ENTRY_ERROR  # XSOAR's error entry type (4), not the war room's constant
from warroom.runtime import WarRoom
from test_instance_settings import DIALOG_LABELS  # integration.yml's labels, not the code's

HOLDERS = seed_holders()
FAILING = seed_failing_endpoints()
XDR_HASH = next(h for h, eps in sorted(HOLDERS.items()) if not any(e in FAILING for e in eps))
HSS_COPIES = hss_seed_copies()
HSS_HASH = next(h for h, copies in sorted(HSS_COPIES.items()) if len(copies) > 1)

READ_TIMEOUT = 0.75  # a "slow" fault answers after SLOW_DELAY, past this; a loaded machine answers within it
SLOW_DELAY = 2.0
FAST = {'retry_backoff': '0', 'read_timeout': str(READ_TIMEOUT)}

RETRIED = ['429', '502', '503', '504', '502-html', '503-html', '504-html', 'reset', 'slow', 'malformed', 'truncated']
NOT_RETRIED_BY_XDR = ['500', '500-html']
APPLIED_BEFORE_THE_FAULT = {'slow', 'malformed', 'truncated'}  # the service acted, then the answer was lost


def plan(spec):
    return FaultPlan.parse(f'{spec};retry-after=0;delay={SLOW_DELAY}')


def xdr_client(tenant, **kwargs):
    options = dict(connect_timeout=2, read_timeout=READ_TIMEOUT, retry_backoff=0)
    options.update(kwargs)
    return ri.XdrClient(ri.XdrSettings(tenant.url, '17', tenant.key, tenant.auth_type, rate_limit=1000),
                        ri.TransportSettings(**options))


@pytest.fixture(params=['advanced', 'standard'])
def pending_tenant(request):
    """Actions stay pending (the clock does not move), as real ones do for far longer than any retry."""
    tenant = start_tenant(auth_type=request.param, stage_seconds=10, clock=FakeClock())
    yield tenant
    tenant.server.stop()


# --------------------------------------------------------------------------- the policy's numbers


def test_the_policy_retries_4_times_with_waits_of_0_1_2_4_seconds_and_at_most_30_in_all():
    # The README's numbers (Reliability), as facts.py writes them.
    policy = ri.RetryPolicy()
    assert (policy.max_retries, policy.backoff) == (facts.DEFAULT_MAX_RETRIES, facts.DEFAULT_RETRY_BACKOFF) == (4, 0.5)
    assert [policy.backoff_wait(n) for n in range(1, 5)] == list(facts.RETRY_WAITS) == [0, 1, 2, 4]
    assert policy.backoff_wait(10) == facts.RETRY_WAIT_MAX == 8
    assert policy.max_fault_wait == facts.FAULT_WAIT_BUDGET_SECONDS == 30
    assert set(policy.statuses) == set(facts.RETRIED_STATUSES)  # 429 is throttling, handled by the limiter, not a fault
    assert set(ri.HUAWEI_RETRY_STATUSES) == set(facts.HUAWEI_RETRIED_STATUSES)


def test_retries_and_backoff_are_instance_settings_with_checked_bounds():
    params = {'xdr_url': 'https://api-t.example', 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'kkkkkkkk'}}
    policy = client_from_params('xdr', dict(params, max_retries='2', retry_backoff='0')).transport.policy
    assert (policy.max_retries, policy.backoff) == (2, 0)
    default = client_from_params('xdr', params).transport.policy
    assert (default.max_retries, default.backoff) == (4, 0.5)
    # The timeouts reach the session's requests (a slow answer below proves the read one on the wire).
    assert ri.read_transport_settings(dict(params, connect_timeout='3', read_timeout='7')).timeout == (3.0, 7.0)
    for bad in ({'max_retries': '11'}, {'max_retries': '1.5'}, {'max_retries': 'many'}, {'retry_backoff': '-1'},
                {'insecure': 'maybe'}, {'read_timeout': 'nan'}):
        with pytest.raises(ri.RestoreError, match=rf'instance setting "[^"]+" \({next(iter(bad))}\)'):
            ri.read_instance_settings(dict(params, **bad), ['xdr'])


# --------------------------------------------------------------------------- Cortex XDR, one fault at a time


@pytest.mark.parametrize('kind', RETRIED)
def test_each_fault_on_a_restore_succeeds_after_one_retry(pending_tenant, kind):
    pending_tenant.gateway.inject_faults(plan(f'sequence={kind}'))

    reply = xdr_client(pending_tenant).restore_file(XDR_HASH)

    faults = pending_tenant.gateway.faults
    assert [(f.number, f.kind) for f in faults.injected] == [(1, kind)] and faults.seen == 2
    actions = pending_tenant.backend.actions
    # The service acted on the faulted attempt too when only its answer suffered: one action more, harmless.
    assert len(actions) == (2 if kind in APPLIED_BEFORE_THE_FAULT else 1)
    assert reply['action_id'] == max(actions)


def test_an_advanced_key_signs_each_resend_anew_as_the_api_refuses_a_replayed_nonce():
    # The slow answer comes after the emulator admitted the request and remembered its nonce: the resend that
    # urllib3 makes below requests' auth is accepted only because its nonce, timestamp and signature are new.
    tenant = start_tenant(auth_type='advanced', stage_seconds=10, clock=FakeClock())
    try:
        tenant.gateway.inject_faults(plan('sequence=slow,slow'))
        reply = xdr_client(tenant).restore_file(XDR_HASH)
        assert tenant.gateway.faults.seen == 3 and len(tenant.backend.actions) == 3
        assert reply['action_id'] == max(tenant.backend.actions)
    finally:
        tenant.server.stop()


@pytest.mark.parametrize('kind', NOT_RETRIED_BY_XDR)
def test_a_500_from_cortex_xdr_is_its_answer_not_retried_and_keeps_its_code(pending_tenant, kind):
    pending_tenant.gateway.inject_faults(plan(f'sequence={kind}'))

    with pytest.raises(ri.VendorApiError) as raised:
        xdr_client(pending_tenant).restore_file(XDR_HASH)

    assert raised.value.http_status == 500 and pending_tenant.gateway.faults.seen == 1
    message = str(raised.value)
    assert not facts.words_missing(message, facts.XDR_ADVICE_WORDS[500]) and 'retried' not in message
    if kind == '500':
        assert raised.value.vendor_code == 500 and 'Emulated fault' in message
    else:
        assert '500 Internal Server Error' in message and '\n' not in message
    assert not pending_tenant.backend.actions


@pytest.mark.parametrize('kind, says', [
    ('503', 'HTTP 503'), ('502-html', 'HTTP 502'),
    ('reset', 'broke before the answer arrived'), ('slow', f'did not answer within {READ_TIMEOUT} s'),
    ('malformed', 'with a body that is not JSON'), ('truncated', 'the reply was cut off'),
])
def test_a_fault_that_outlasts_the_retries_says_what_happened_how_often_and_what_to_do(pending_tenant, kind, says):
    action_id = xdr_client(pending_tenant).restore_file(XDR_HASH)['action_id']
    pending_tenant.gateway.inject_faults(plan(f'sequence={kind}*5'))

    with pytest.raises(ri.RestoreError) as raised:
        xdr_client(pending_tenant).get_action_status(action_id)

    message = str(raised.value)
    assert says in message
    assert 'The request was retried 4 times (after ' in message and pending_tenant.gateway.faults.seen == 5
    assert any(word in message for word in ('Try again later', 'try again later', 'Wait a few seconds'))
    if kind == '503':
        assert isinstance(raised.value, ri.VendorApiError) and raised.value.vendor_code == int(kind)
    assert 'Traceback' not in message and '<urllib3' not in message



def test_the_readme_s_example_of_a_retried_request_is_what_the_error_says_after_those_faults(pending_tenant):
    # README, Reliability: "An error that outlasts the retries says so, for example `The request was retried 4 times
    # (after HTTP 503 (3 times), no answer in time).`": the faults it names, in its order, then one more that ends it.
    readme = ' '.join((ROOT / 'README.md').read_text(encoding='utf-8').split())
    [example] = re.findall(r'An error that outlasts the retries says so, for example `([^`]+)`', readme)
    action_id = xdr_client(pending_tenant).restore_file(XDR_HASH)['action_id']
    pending_tenant.gateway.inject_faults(plan('sequence=503*3,slow,503'))

    with pytest.raises(ri.RestoreError) as raised:
        xdr_client(pending_tenant).get_action_status(action_id)

    assert example in ' '.join(str(raised.value).split()), raised.value
    assert pending_tenant.gateway.faults.seen == 5

@pytest.mark.parametrize('kind', ['502', '503', '504', '502-html', '503-html', '504-html'])
def test_a_gateway_fault_that_outlasts_the_retries_is_told_as_the_fault_it_is_never_as_an_unexpected_status(
        pending_tenant, kind):
    # README, Reliability: a 502, 503 or 504 (JSON or a gateway's page) is a fault, retried: expected, and told so.
    result = WarRoom(params=pending_tenant.params(**FAST), time_scale=0, sleep=lambda _: None)
    pending_tenant.gateway.inject_faults(plan(f'sequence=ok,{kind}*5'))

    ran = result.run('restore-file', {'file_hash': XDR_HASH, 'timeout_in_seconds': '10'})

    text = json.dumps(ran.entries)
    assert f'HTTP {kind[:3]}' in text and 'retried 4 times' in text
    assert 'unexpected' not in text.lower(), text

@pytest.mark.parametrize('kind', ['reset', 'truncated'])
def test_a_dropped_connection_or_a_cut_reply_is_told_in_words_not_as_python_exception_reprs(pending_tenant, kind):
    action_id = xdr_client(pending_tenant).restore_file(XDR_HASH)['action_id']
    pending_tenant.gateway.inject_faults(plan(f'sequence={kind}*5'))

    with pytest.raises(ri.RestoreError) as raised:
        xdr_client(pending_tenant, max_retries=0).get_action_status(action_id)

    message = str(raised.value)
    # A repr writes a class name right before its parenthesis: ConnectionResetError(104, ...), IncompleteRead(...)
    assert not re.search(r'\b[A-Z][A-Za-z]*\(', message), message
    assert "('" not in message, message  # nor a tuple of them
    said = {'reset': 'broke before the answer arrived', 'truncated': 'the reply was cut off before its end'}[kind]
    assert said in message, message  # what happened, in words
    if kind == 'reset':  # the system's own words for the reset are kept
        assert os.strerror(errno.ECONNRESET) in message, message


def test_a_retry_after_longer_than_the_budget_is_not_waited_for():
    tenant = start_tenant(auth_type='standard')
    try:
        action_id = xdr_client(tenant).restore_file(XDR_HASH)['action_id']
        tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=3600'))
        with pytest.raises(ri.VendorApiError) as raised:
            xdr_client(tenant).get_action_status(action_id)
        assert tenant.gateway.faults.seen == 1
        assert f'. Not retried: the vendor asked to wait 3600 s (Retry-After), past the ' \
               f'{facts.MAX_RUN_WAIT_SECONDS} s this command waits for throttling' in str(raised.value)
        assert not facts.words_missing(str(raised.value), facts.XDR_ADVICE_WORDS[429])
    finally:
        tenant.server.stop()


def test_a_503_whose_retry_after_passes_what_the_retries_of_a_request_may_wait_in_all_is_not_waited_for(
        pending_tenant):
    # Within what a run waits for throttling, past the fault budget (README, Reliability; facts.py): that decides.
    wait = facts.FAULT_WAIT_BUDGET_SECONDS + 15
    assert wait < facts.MAX_RUN_WAIT_SECONDS
    action_id = xdr_client(pending_tenant).restore_file(XDR_HASH)['action_id']
    pending_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=503;retry-after={wait}'))

    with pytest.raises(ri.VendorApiError) as raised:
        xdr_client(pending_tenant).get_action_status(action_id)

    assert pending_tenant.gateway.faults.seen == 1 and raised.value.http_status == 503
    assert f'the vendor asked to wait {wait} s (Retry-After), past the {facts.FAULT_WAIT_BUDGET_SECONDS} s the ' \
           f'retries of one request may wait in all' in str(raised.value)


def test_retry_after_waits_each_within_the_fault_budget_stop_once_their_sum_would_pass_it(pending_tenant):
    # README, Reliability: "the fault waits of one request stop at 30 s in all". Each 503 asks for 2/5 of that: two
    # waits fit (24 s), a third would make 36 s, so the third attempt is the last, well before max_retries is spent.
    wait = facts.FAULT_WAIT_BUDGET_SECONDS * 2 // 5
    fitting = facts.FAULT_WAIT_BUDGET_SECONDS // wait
    assert fitting + 1 < facts.DEFAULT_MAX_RETRIES + 1
    action_id = xdr_client(pending_tenant).restore_file(XDR_HASH)['action_id']
    pending_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=503*10;retry-after={wait}'))
    clock = FakeClock(0.0)
    client = ri.XdrClient(ri.XdrSettings(pending_tenant.url, '17', pending_tenant.key, pending_tenant.auth_type,
                                         rate_limit=1000),
                          ri.TransportSettings(), ri.AdaptiveRateLimiter(1000, clock=clock, sleep=clock.advance))

    with pytest.raises(ri.VendorApiError) as raised:
        client.get_action_status(action_id)

    assert pending_tenant.gateway.faults.seen == fitting + 1 and raised.value.http_status == 503
    assert clock() == pytest.approx(fitting * wait, abs=0.1)  # the waits it made, none beyond
    assert f'the vendor asked to wait {wait} s (Retry-After), past the {facts.FAULT_WAIT_BUDGET_SECONDS} s the ' \
           f'retries of one request may wait in all' in str(raised.value)


def test_retry_after_waits_that_add_up_to_the_fault_budget_exactly_are_waited(pending_tenant):
    # README, Reliability: "the fault waits of one request stop at 30 s in all": two of half that make 30 s in all.
    wait = facts.FAULT_WAIT_BUDGET_SECONDS / 2
    action_id = xdr_client(pending_tenant).restore_file(XDR_HASH)['action_id']
    pending_tenant.gateway.inject_faults(FaultPlan.parse(f'sequence=503*2;retry-after={wait:g}'))
    clock = FakeClock(0.0)
    client = ri.XdrClient(ri.XdrSettings(pending_tenant.url, '17', pending_tenant.key, pending_tenant.auth_type,
                                         rate_limit=1000),
                          ri.TransportSettings(), ri.AdaptiveRateLimiter(1000, clock=clock, sleep=clock.advance))

    client.get_action_status(action_id)

    assert pending_tenant.gateway.faults.seen == 3 and clock() == pytest.approx(2 * wait, abs=0.1)  # 503, 503, answer


def test_a_retry_after_that_ends_as_the_time_the_run_may_wait_ends_is_waited(pending_tenant):
    # README: "A check waits no longer than the polling time left": a 503's 20 s, all of a check's 20 s left, is not
    # longer, so the request goes again then.
    action_id = xdr_client(pending_tenant).restore_file(XDR_HASH)['action_id']
    pending_tenant.gateway.inject_faults(FaultPlan.parse('sequence=503;retry-after=20'))
    clock = FakeClock(0.0)
    client = ri.XdrClient(ri.XdrSettings(pending_tenant.url, '17', pending_tenant.key, pending_tenant.auth_type,
                                         rate_limit=1000),
                          ri.TransportSettings(), ri.AdaptiveRateLimiter(1000, clock=clock, sleep=clock.advance))
    client.transport.wait_at_most(20)

    client.get_action_status(action_id)

    assert pending_tenant.gateway.faults.seen == 2 and clock() == pytest.approx(20)  # 503, then the answer


# README, Reliability: "Where an attempt may have reached the service before its answer was lost (no answer in time, a
# dropped connection, a broken reply, a 502 or 504), the error says the vendor may have acted on it"; a 503 says not.
MAY_HAVE_REACHED = {'slow': True, 'reset': True, 'truncated': True, 'malformed': True, '502': True, '502-html': True,
                    '504': True, '504-html': True, '503': False, '503-html': False}


@pytest.mark.parametrize('kind, may_have_reached', sorted(MAY_HAVE_REACHED.items()))
def test_a_restore_whose_every_attempt_met_a_fault_says_it_may_have_started_exactly_for_the_readme_s_faults(
        pending_tenant, kind, may_have_reached):
    pending_tenant.gateway.inject_faults(plan(f'sequence={kind}*{facts.DEFAULT_MAX_RETRIES + 1}'))

    with pytest.raises(ri.RestoreError) as raised:
        xdr_client(pending_tenant).restore_file(XDR_HASH)

    message = str(raised.value)
    assert f'The request was retried {facts.DEFAULT_MAX_RETRIES} times (after ' in message, message
    assert ('may have started this restore even so' in message) is may_have_reached, message
    assert ('Action Center' in message) is may_have_reached, message


def test_a_restore_whose_answer_was_lost_and_then_refused_says_it_may_have_started():
    # Actions finish at once here: the cut answer's restore already took the file out of quarantine, so the resend
    # meets Cortex XDR's 500 "no quarantined file". The error must not claim that nothing happened.
    tenant = start_tenant(auth_type='advanced', stage_seconds=0)
    try:
        tenant.gateway.inject_faults(plan('sequence=truncated'))
        with pytest.raises(ri.VendorApiError) as raised:
            xdr_client(tenant).restore_file(XDR_HASH)
        message = str(raised.value)
        assert raised.value.http_status == 500 and 'No quarantined file' in message
        assert 'retried once (after a broken reply)' in message
        assert 'may have started this restore even so' in message and 'Action Center' in message
        assert all(XDR_HASH in tenant.backend.restored(e) for e in HOLDERS[XDR_HASH])
    finally:
        tenant.server.stop()


@pytest.mark.parametrize('skew, refused', [(200, False), (-200, False), (400, True), (-400, True)])
def test_a_skewed_clock_within_the_advanced_keys_5_minutes_works_beyond_it_is_a_clear_401(skew, refused):
    tenant = start_tenant(auth_type='advanced', stage_seconds=10, clock=FakeClock())
    try:
        tenant.gateway.inject_faults(FaultPlan(skew_s=skew))
        if not refused:
            assert xdr_client(tenant).restore_file(XDR_HASH)['action_id']
            return
        with pytest.raises(ri.VendorApiError) as raised:
            xdr_client(tenant).restore_file(XDR_HASH)
        # Cortex XDR's 401 never says the clock was the cause: the integration's own advice must name it.
        assert raised.value.http_status == 401 and 'clock' in str(raised.value)
        assert 'x-xdr-timestamp is more than 300 seconds away' in tenant.gateway.auth_failures[-1]
        assert tenant.gateway.faults.seen == 1  # a 401 is not retried
    finally:
        tenant.server.stop()


def test_polling_several_files_goes_on_when_one_status_cannot_be_read():
    clock = FakeClock()
    tenant = start_tenant(auth_type='advanced', stage_seconds=10, clock=clock, rate_limit=None)
    try:
        hashes = tenant.backend.quarantine_files(3, endpoint_ids=[next(iter(HOLDERS[XDR_HASH]))])
        # requests 1-3 start the restores; 4-8 read the first status of the first poll: 500 each time.
        tenant.gateway.inject_faults(plan('sequence=ok*3,500*5'))
        room = WarRoom(params=tenant.params(max_concurrency='1', **FAST), time_scale=1, sleep=clock.advance)
        seen = []
        room.on_entry = seen.append

        result = room.run('restore-file', {'file_hash': ','.join(hashes)})

        assert not result.failed
        first_poll = {r['file_hash']: r for r in facts.context_at(seen[1]['EntryContext'], facts.XDR_CONTEXT_PATH)}
        assert first_poll[hashes[0]]['status'] == 'IN_PROGRESS' and 'HTTP 500' in first_poll[hashes[0]]['error']
        final = {r['file_hash']: r for r in as_list(get_path(result.context, 'CortexXDR.RestoredFile'))}
        assert {final[h]['status'] for h in hashes} == {'COMPLETED_SUCCESSFULLY'}
        assert not any(final[h].get('error') for h in hashes)  # a check that read it wrote it empty
    finally:
        tenant.server.stop()


# --------------------------------------------------------------------------- Huawei Cloud HSS and IAM


@pytest.fixture
def hss_tenant_faulty():
    tenant = start_hss_tenant()
    yield tenant
    tenant.stack.close()


def hss_room(tenant, auth_type='aksk', **params):
    return WarRoom(params=tenant.params(auth_type, **FAST, **params), time_scale=0, sleep=lambda _: None)


def hss_rows(result):
    return as_list(get_path(result.context, 'HuaweiHSS.RestoredFile'))


@pytest.mark.parametrize('kind', RETRIED + ['500', '500-html'])
def test_each_fault_on_an_hss_listing_or_restore_succeeds_after_a_retry(hss_tenant_faulty, kind):
    tenant = hss_tenant_faulty
    # request 1 lists the isolated copies, request 2 restores them: each meets the fault once.
    tenant.gateway.inject_faults(plan(f'sequence={kind},ok,{kind}'))

    result = hss_room(tenant).run('hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    # A PUT cut after it may have reached HSS (README, Reliability: a dropped connection, no answer in time, a broken
    # reply, a 200 whose body is not HSS's: HSS answers with none, or a JSON object) is not sent again blind, nor is one
    # answered 500, 502 or 504 (which may come after the PUT reached HSS): the listing is read first, and the PUT goes
    # again only while HSS lists the files isolated (the reset and the emulator's 5xx never reached HSS; the slow, the
    # malformed and the truncated answers came after HSS acted).
    cut = kind in ('reset', 'slow', 'malformed', 'truncated') or kind[:3] in ('500', '502', '504')
    sent_again = kind not in APPLIED_BEFORE_THE_FAULT
    assert tenant.gateway.faults.counts() == {kind: 2}
    assert tenant.gateway.faults.seen == 3 + cut + sent_again
    assert {r['outcome'] for r in hss_rows(result)} == {'restoring'}
    for copy in HSS_COPIES[HSS_HASH]:
        assert tenant.backend.isolation_status(copy['host_id'], copy['file_hash'], copy['file_path']) == 'restored'



@pytest.mark.parametrize('kind', ['500', '500-html', '502', '503-html', '504'])
def test_an_hss_fault_that_outlasts_the_retries_is_told_as_the_fault_it_is_never_as_an_unexpected_status(
        hss_tenant_faulty, kind):
    # README, Reliability: Huawei's 500, and a 502, 503 or 504, are faults, retried: expected, and told so.
    hss_tenant_faulty.gateway.inject_faults(plan(f'sequence={kind}*5'))

    result = hss_room(hss_tenant_faulty).run('hss-restore-isolated', {'file_hash': HSS_HASH})

    [entry] = result.entries
    assert entry['Type'] == ENTRY_ERROR and f'HTTP {kind[:3]}' in entry['Contents']
    assert 'unexpected' not in entry['Contents'].lower(), entry['Contents']


@pytest.mark.parametrize('sequence, seen, said, in_readme', [
    # Every retry after the same fault: the count said once (README: "retried 4 times (after HTTP 503 (3 times), ...)"
    # counts a kind among several); a 429 between them is no retry, so it makes no second count of the 503s.
    ('503,429,503*4', 6, 'retried 4 times (after HTTP 503) and sent again after 1 throttle', False),
    # The faults as before, in the order met, and the throttles, counted apart (README's example of it, below)
    ('503,429,reset,429*2,503*3', 8,
     'retried 4 times (after HTTP 503 (3 times), a dropped connection) and sent again after 3 throttles', True),
])
def test_an_hss_request_throttled_between_its_faults_counts_its_retries_and_its_throttles_apart(
        hss_tenant_faulty, sequence, seen, said, in_readme):
    # README, Reliability: each fault uses one of max_retries (4), a 429 none (sent again at its next turn). The error
    # that ends the listing says so.
    hss_tenant_faulty.gateway.inject_faults(plan(f'sequence={sequence}'))

    result = hss_room(hss_tenant_faulty).run('hss-restore-isolated', {'file_hash': HSS_HASH})

    [entry] = result.entries
    text = ' '.join(entry['Contents'].split())
    assert entry['Type'] == ENTRY_ERROR and hss_tenant_faulty.gateway.faults.seen == seen, text
    assert f'. The request was {said} (HTTP 429: no retry used).' in text, text
    if not in_readme:
        return
    # ... as README's example of it says (Reliability: "A 429 sent again uses none of them, and is counted apart")
    readme = ' '.join((ROOT / 'README.md').read_text(encoding='utf-8').split())
    [example] = re.findall(r'A 429 sent again uses none of them, and is counted apart, for example `([^`]+)`', readme)
    assert example in text, (example, text)


def test_a_resend_with_a_new_iam_token_is_counted_apart_from_the_retries_and_uses_none_of_them(hss_tenant_faulty):
    # README, Reliability: a 401 in token mode fetches a new token and sends the request again; that is no fault
    # retried: the token ran out, not the service. The listing's token expires, then 503s outlast max_retries: the
    # error counts the 503s' retries alone, the new token apart.
    tenant = hss_tenant_faulty
    tenant.gateway.inject_faults(plan('sequence=expire-token,503,429,503*5'))

    max_retries = 3
    room = hss_room(tenant, 'token', max_retries=str(max_retries))
    result = room.run('hss-restore-isolated', {'file_hash': HSS_HASH})

    text = ' '.join(result.entries[-1]['Contents'].split())
    seen = tenant.gateway.faults.counts()
    renewed = len(tenant.requests_to('POST', '/v3/auth/tokens')) - 1
    # every retry went to a 503: the first and max_retries more
    assert result.failed and seen['expire-token'] == renewed == 1 and seen['503'] == max_retries + 1, (seen, text)
    assert f'. The request was retried {max_retries} times (after HTTP 503), sent again with a new IAM token after ' \
           f'{renewed} token refusal (HTTP 401: no retry used) and sent again after {seen["429"]} throttle (HTTP ' \
           '429: no retry used).' in text, text


@pytest.mark.parametrize('kind', ['429', '500', '503-html', 'reset', 'malformed'])
def test_each_fault_on_the_iam_token_request_succeeds_after_a_retry(hss_tenant_faulty, kind):
    tenant = hss_tenant_faulty
    tenant.gateway.iam_faults = plan(f'sequence={kind}')

    result = hss_room(tenant, 'token').run('hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    assert tenant.gateway.iam_faults.counts() == {kind: 1} and tenant.gateway.iam_faults.seen == 2


def test_a_token_that_expires_mid_run_is_fetched_again(hss_tenant_faulty):
    tenant = hss_tenant_faulty
    tenant.gateway.inject_faults(plan('sequence=ok,expire-token'))  # the restore meets an expired token

    result = hss_room(tenant, 'token').run('hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    assert len(tenant.requests_to('POST', '/v3/auth/tokens')) == 2
    assert [r[0] for r in tenant.requests_to('PUT', '/event/isolated-file')] == ['PUT', 'PUT']  # 401, then the resend
    assert {r['outcome'] for r in hss_rows(result)} == {'restoring'}


@pytest.mark.parametrize('prefix, expired_as_0301', [('APIGW', None), ('APIG', None), ('APIGW', TOKEN_EXPIRES),
                                                     ('APIG', TOKEN_EXPIRES)])
def test_a_renewed_token_the_gateway_refuses_as_expired_in_any_of_its_wordings_is_renewed_again_once_hss_took_one(
        hss_tenant_faulty, prefix, expired_as_0301):
    # Huawei's FAQs write the gateway's expiry APIG.0307 "The token must be updated." (its older prefix) beside
    # APIGW.0307, and as 0301 "Incorrect IAM authentication information: token expires, expires_at: xxx" (OCR FAQ,
    # "How Do I Handle the Error APIG.0301?"). Once HSS took a token of the run, each is an expiry: the request whose
    # new token expired too asks for another one, as for APIGW.0307.
    tenant = hss_tenant_faulty
    tenant.gateway.code_prefix, tenant.gateway.expired_as_0301 = prefix, expired_as_0301
    tenant.gateway.inject_faults(plan('sequence=ok,expire-token*2'))  # the listing takes the token; the restore not

    result = hss_room(tenant, 'token').run('hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'})

    assert not result.failed, result.entries[-1]['Contents']
    assert len(tenant.requests_to('POST', '/v3/auth/tokens')) == 3  # the first token, then one per expiry
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 3
    assert {r['outcome'] for r in hss_rows(result)} == {'restoring'}


def test_a_renewed_token_the_gateway_refuses_as_0301_in_words_of_no_expiry_is_not_renewed_again(hss_tenant_faulty):
    # 0301 "Incorrect IAM authentication information: decrypt token fail" is a token from another environment (the
    # APIG FAQ, "Common Errors Related to IAM Authentication Information"), which no new token fixes: the request's
    # one renewal (whatever the first refusal says), then HSS's answer.
    tenant = hss_tenant_faulty
    tenant.gateway.expired_as_0301 = 'decrypt token fail'
    tenant.gateway.inject_faults(plan('sequence=ok,expire-token*5'))

    result = hss_room(tenant, 'token').run('hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'})

    message = result.entries[-1]['Contents']
    assert result.failed and 'APIGW.0301' in message and 'decrypt token fail' in message, message
    assert len(tenant.requests_to('POST', '/v3/auth/tokens')) == 2
    assert tenant.gateway.faults.counts()['expire-token'] == 2


def test_tokens_iam_issued_that_the_gateway_keeps_refusing_are_told_as_such_not_as_wrong_credentials(
        hss_tenant_faulty):
    # Every token IAM issues is refused as expired (APIGW.0307) by the request that carries it. Huawei's FAQ ("Why Is
    # an Error Message with Error Code APIG.0307 Displayed": "The token must be updated.") gives that code to a token
    # used outside its project's region too, which no new token fixes: before HSS took any token, the request asks
    # for one new token, as botocore refreshes once, not one per retry. IAM took the password each time, so the error
    # must not send the user to check it: it says the gateway refused a token IAM had just issued, keeps the gateway's
    # code and message, and names what else to check by its dialog label.
    tenant = hss_tenant_faulty
    tenant.gateway.inject_faults(plan('sequence=expire-token*20'))

    result = hss_room(tenant, 'token', max_retries='2').run('hss-restore-isolated', {'file_hash': HSS_HASH})

    message = result.entries[-1]['Contents']
    refused = tenant.gateway.faults.counts()['expire-token']
    assert result.failed and refused == len(tenant.requests_to('POST', '/v3/auth/tokens'))  # each token refused
    assert refused == 2  # the first token and its one renewal (README), whatever max_retries: not the plan's 20
    assert facts.HSS_TOKEN_EXPIRED in message and '"The token must be updated"' in message, message
    assert 'even a new token IAM had just issued' in message and 'retried' not in message, message
    assert '. The request was sent again with a new IAM token after 1 token refusal (HTTP 401: no retry used).' in \
        ' '.join(message.split()), message
    assert DIALOG_LABELS['hss_credentials password'] not in message, message
    for name in ('hss_project_id', 'hss_region', 'hss_iam_endpoint', 'hss_auth_type', 'hss_aksk'):
        assert DIALOG_LABELS[name] in message, (name, message)


def test_once_the_gateway_refused_a_renewed_token_the_run_s_other_requests_go_nowhere_and_ask_iam_for_none(
        hss_tenant_faulty):
    # A token used outside its project's region: the gateway refuses every token IAM issues (APIGW.0307). Once a
    # request's new token was refused too, each later request of the run would meet the same: none is sent, and IAM
    # is not asked again (each login would be one more for nothing, in an account's shared IAM limit).
    tenant = hss_tenant_faulty
    tenant.gateway.inject_faults(plan('sequence=expire-token*20'))
    client = client_from_params('hss', tenant.params('token', **FAST))
    copy = HSS_COPIES[HSS_HASH][0]

    with pytest.raises(ri.VendorApiError) as first:
        client.list_isolated_files(file_hash=HSS_HASH)
    sent = len(tenant.gateway.requests)
    with pytest.raises(ri.RestoreError) as later:
        client.restore_isolated_files([{key: copy[key] for key in ('host_id', 'file_hash', 'file_path')}])

    assert (first.value.http_status, first.value.vendor_code) == (401, facts.HSS_TOKEN_EXPIRED)
    assert len(tenant.requests_to('POST', '/v3/auth/tokens')) == 2 and len(tenant.gateway.requests) == sent
    assert str(later.value).startswith('Not sent') and 'even a new token IAM had just issued' in str(later.value)
    assert ri.refuses_every_request(later.value)  # which ends a restore's batches and its polling, as the first did


def test_a_token_hss_refused_with_no_turn_left_in_the_run_for_a_new_one_says_to_try_again_later(hss_tenant_faulty,
                                                                                                  monkeypatch):
    # A kept token HSS no longer takes (revoked), met when the run has no turn left to send the request again with
    # a new token: the error keeps HSS's answer and says what to do (the next run sends a new token).
    tenant = hss_tenant_faulty
    # The runs' time is a test clock only their own waits move, not real time: a loaded machine could pass the second
    # the run below has for attempts before its first request went (then none goes, and no 401 comes)
    clock = FakeClock()
    integration_on_clock(monkeypatch, clock)
    context, args = {}, {'file_hash': HSS_HASH, 'polling': 'false'}
    assert not WarRoom(params=tenant.params('token', **FAST), integration_context=context, time_scale=0,
                       sleep=clock.advance, clock=clock).run('hss-restore-isolated', args).failed  # a token, kept
    tenant.backend.expire_tokens()
    # A turn every 10 s; execution-timeout 16 s leaves the run 6 s, and turns taken in its first second only
    result = WarRoom(params=tenant.params('token', **FAST, hss_rate_limit='0.1'), integration_context=context,
                     time_scale=0, sleep=clock.advance, clock=clock).run('hss-restore-isolated',
                                                                        dict(args, **{'execution-timeout': '16'}))

    message = result.entries[-1]['Contents']
    assert result.failed and 'HTTP 401' in message and facts.HSS_TOKEN_EXPIRED in message, message
    assert len(tenant.requests_to('POST', '/v3/auth/tokens')) == 2, message  # the first run's, and the new one
    assert 'no time left to get a new one. Try again later.' in message, message


def test_a_token_the_gateway_refused_is_not_kept_for_the_next_run(hss_tenant_faulty):
    # The last token of a run that met APIGW.0307 to the end is no good: the next run must not send it once more.
    tenant = hss_tenant_faulty
    context = {}
    room = WarRoom(params=tenant.params('token', **FAST), integration_context=context, time_scale=0,
                   sleep=lambda _: None)
    tenant.gateway.inject_faults(plan('sequence=expire-token*20'))
    assert room.run('hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'}).failed
    refused = {r.token for r in tenant.gateway.requests if r.token}
    first_run = len(tenant.gateway.requests)
    tenant.gateway.inject_faults(None)

    result = room.run('hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    [first_hss] = [r for r in tenant.gateway.requests[first_run:] if r.token][:1]
    # the message counts the tokens rather than quoting them: a failing test's output holds no token
    assert refused and first_hss.token not in refused, f'{len(refused)} tokens refused; the next run sent one of them'


@pytest.mark.parametrize('skew, refused', [(600, False), (-600, False), (1200, True), (-1200, True)])
def test_a_skewed_clock_within_the_gateways_15_minutes_works_beyond_it_is_a_clear_401(hss_tenant_faulty, skew,
                                                                                       refused):
    tenant = hss_tenant_faulty
    tenant.gateway.inject_faults(FaultPlan(skew_s=skew))

    result = hss_room(tenant).run('hss-restore-isolated', {'file_hash': HSS_HASH})

    assert result.failed is refused
    if refused:
        message = result.entries[-1]['Contents']
        assert 'HTTP 401' in message and 'APIGW.0301' in message and "machine's clock" in message
        assert 'minutes away from the server time' in message and 'Traceback' not in message
        assert tenant.gateway.faults.seen == 1


@pytest.mark.parametrize('skew', [-600, -120, 120, 600])
def test_a_restore_on_an_hss_whose_clock_is_off_within_15_minutes_is_followed_to_restored(hss_tenant_faulty, skew):
    tenant = hss_tenant_faulty
    tenant.gateway.inject_faults(FaultPlan(skew_s=skew))  # HSS's own clock (its Date header too) runs off ours

    result = hss_room(tenant).run('hss-restore-isolated', {'file_hash': HSS_HASH})

    assert not result.failed, result.entries[-1]
    expected = {(c['host_id'], c['file_path']) for c in HSS_COPIES[HSS_HASH]}
    assert all(c['healthy'] for c in HSS_COPIES[HSS_HASH])
    assert {(r['host_id'], r['file_path']): r['outcome'] for r in hss_rows(result)} == \
        {key: 'restored' for key in expected}
    assert f'{len(expected)} restored' in result.entries[-1]['HumanReadable']


def test_an_hss_put_whose_answer_was_lost_and_then_kept_failing_says_it_may_have_been_accepted_and_is_followed(
        hss_tenant_faulty):
    tenant = hss_tenant_faulty
    # the listing, the PUT (HSS acts, its answer comes too late), then every attempt of the listing read to find what
    # HSS still lists isolated meets a 503: nothing says the PUT is still needed, so it is not sent again
    tenant.gateway.inject_faults(plan(f'sequence=ok,slow,503*{facts.DEFAULT_MAX_RETRIES + 1}'))

    result = hss_room(tenant).run('hss-restore-isolated', {'file_hash': HSS_HASH})

    # Not an error: HSS may have taken the restore (README, a batch whose answer was lost is followed too).
    assert not result.failed, result.entries[-1]
    message = result.entries[0]['HumanReadable']
    assert 'did not answer' in message and 'HTTP 503' in message and 'Not retried' in message, message
    assert 'HSS may have accepted the restore even so, as its answer was lost' in message  # its one PUT's answer
    assert len(tenant.requests_to('PUT', '/event/isolated-file')) == 1
    # ... and it had: the slow answer's restore was carried out, and the checks that followed report it so.
    assert {tenant.backend.isolation_status(c['host_id'], c['file_hash'], c['file_path'])
            for c in HSS_COPIES[HSS_HASH]} == {'restored'}
    assert {row['outcome'] for row in as_list(get_path(result.context, 'HuaweiHSS.RestoredFile'))} == {'restored'}


# --------------------------------------------------------------------------- through main(): entries, never tracebacks


@pytest.mark.parametrize('kind', ['500', '502-html', '503', 'reset', 'slow', 'malformed', 'truncated'])
@pytest.mark.parametrize('vendor', ['xdr', 'hss'])
def test_a_fault_that_never_clears_gives_one_clear_error_entry_and_no_traceback(kind, vendor):
    if vendor == 'xdr':
        tenant = start_tenant(auth_type='advanced', stage_seconds=10, clock=FakeClock())
        # A 503 passes by itself, and while polling the next check sends the restore again (README, "Files a run had
        # no time to send"): without polling, the run is the only one
        once = {'polling': 'false'} if kind == '503' else {}
        stop, params, command = tenant.server.stop, tenant.params(**FAST), ('restore-file',
                                                                           {'file_hash': XDR_HASH, **once})
    else:
        tenant = start_hss_tenant()
        stop, params, command = tenant.stack.close, tenant.params(**FAST), ('hss-restore-isolated',
                                                                           {'file_hash': HSS_HASH})
    try:
        tenant.gateway.inject_faults(plan(f'sequence={kind}*50'))
        result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run(*command)

        [entry] = result.entries
        assert entry['Type'] == ENTRY_ERROR
        text = entry['Contents']
        assert text.startswith(f'Failed to execute {command[0]} command.\nError: ')
        assert 'Traceback' not in text and 'because of an unexpected' not in text and not result.log
        retried = not (vendor == 'xdr' and kind == '500')
        assert ('The request was retried 4 times' in text) is retried
        assert tenant.gateway.faults.seen == (5 if retried else 1)
        if kind == '500' or (kind == '503' and vendor == 'xdr'):  # HSS has no JSON form for a 503
            assert 'code ' in text and ('APIGW' in text or 'HSS.' in text or vendor == 'xdr')
    finally:
        stop()


def test_a_new_token_that_meets_token_must_be_updated_again_ends_the_request_whatever_the_retry_count(replay_server):
    # README: a 401 fetches a new token once; the gateway refusing that one too says the token is not the problem.
    expired = {'error_code': facts.HSS_TOKEN_EXPIRED, 'error_msg': 'The token must be updated'}
    for token in ('one', 'two', 'three'):
        replay_server.queue_file(201, 'iam_token_reply.json', HSS_REPLIES, headers={'X-Subject-Token': token})
        replay_server.queue(401, expired) if token != 'three' else replay_server.queue(200, b'', HSS_ANSWER)
    settings = ri.HssSettings(replay_server.url, 'p' * 32, 'token', iam_url=replay_server.url, domain='acme',
                              username='user', password='iam-password-value')
    client = ri.HssClient(settings, ri.TransportSettings(max_retries=2), token_clock=lambda: 1_795_000_000.0)
    provider = client.token_provider

    with pytest.raises(ri.VendorApiError) as raised:
        client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'a'}])

    assert (raised.value.http_status, raised.value.vendor_code) == (401, facts.HSS_TOKEN_EXPIRED)
    assert [r.method for r in replay_server.requests].count('POST') == 2  # IAM's token requests
    assert provider.cache_entry() is None  # the refused token is not kept
    assert [r.headers.get('X-Auth-Token') for r in replay_server.requests if r.method == 'PUT'] == ['one', 'two']



@pytest.mark.parametrize('first, refusal, logins', [
    # HSS listed (200): it took the run's token, so a new one it refuses with nothing readable is an expiry
    ('list_isolated_page.json', b'', 3),
    # HSS's own error (400) is an answer past the gateway's token check: HSS took the token too
    ('error_hss_400.json', facts.HSS_TOKEN_EXPIRED, 3),
    # a 503 at every attempt may be the gateway's own: no token taken, so the refused renewal ends the logins
    ('503', facts.HSS_TOKEN_EXPIRED, 2),
])
def test_a_renewed_token_refused_again_is_fetched_again_only_after_hss_answered_a_request_past_its_token_check(
        replay_server, first, refusal, logins):
    # README, Reliability: a new token refused too before HSS took any token in that run ends the run's logins; once
    # HSS took one, a token the gateway refuses again with APIGW.0307 or nothing readable is fetched again.
    body = {'error_code': refusal, 'error_msg': 'The token must be updated'} if refusal else refusal
    replay_server.queue_file(201, 'iam_token_reply.json', HSS_REPLIES, headers={'X-Subject-Token': 'one'})
    for _ in range(3 if first == '503' else 1):  # max_retries=2: the first attempt and 2 retries
        replay_server.queue(503, b'') if first == '503' else replay_server.queue_file(
            400 if first.startswith('error') else 200, first, HSS_REPLIES)
    for token in ('two', 'three'):
        replay_server.queue(401, body).queue_file(201, 'iam_token_reply.json', HSS_REPLIES,
                                                  headers={'X-Subject-Token': token})
    replay_server.queue(200, b'', HSS_ANSWER)
    settings = ri.HssSettings(replay_server.url, 'p' * 32, 'token', iam_url=replay_server.url, domain='acme',
                              username='user', password='iam-password-value')
    client = ri.HssClient(settings, ri.TransportSettings(max_retries=2, retry_backoff=0),
                          token_clock=lambda: 1_795_000_000.0)
    try:
        client.list_isolated_files(file_hash='a')
    except ri.VendorApiError as error:
        assert error.http_status == (400 if first.startswith('error') else 503), error

    if logins == 2:
        with pytest.raises(ri.VendorApiError) as raised:
            client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'a'}])
        assert (raised.value.http_status, raised.value.vendor_code) == (401, facts.HSS_TOKEN_EXPIRED)
    else:
        client.restore_isolated_files([{'host_id': 'h', 'file_hash': 'a'}])
    assert [r.method for r in replay_server.requests].count('POST') == logins  # IAM's token requests
    assert [r.headers.get('X-Auth-Token') for r in replay_server.requests if r.method == 'PUT'] == \
        ['one', 'two', 'three'][:logins]


# --------------------------------------------------------------------------- replies that do not end


class StreamingServer:
    """A vendor on 127.0.0.1 that answers every request with its headers and then a body that does not end: ``piece``
    after ``piece``, each followed by ``after_piece()``, until the client hangs up (``hung_up`` is set then) or ``most``
    bytes are out (then it closes: the Content-Length announced more). ``sent`` counts what went out. Loopback's socket
    buffers take a few MB that no one reads: a ``most`` below that can all go out before a slow client reads a byte."""

    def __init__(self, piece: bytes, most: int, after_piece=lambda: None):
        self.piece, self.most, self.after_piece = piece, most, after_piece
        self.sent = 0
        self.hung_up = threading.Event()
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.url = f'http://127.0.0.1:{self.listener.getsockname()[1]}'
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        with self.listener.accept()[0] as connection:
            connection.recv(65536)
            connection.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'
                               b'Content-Length: %d\r\n\r\n{"reply": "' % (10 * self.most))
            try:
                while self.sent < self.most:
                    connection.sendall(self.piece)
                    self.sent += len(self.piece)
                    self.after_piece()
            except OSError:  # the client hung up
                self.hung_up.set()

    def close(self):
        self.listener.close()


def restore_through(server, settings, limiter=None) -> ri.RestoreError:
    """The error a Cortex XDR restore request to ``server`` ends in (the server closed after it)."""
    transport = ri.HttpTransport(server.url, 'Cortex XDR', settings, limiter=limiter)
    try:
        with pytest.raises(ri.RestoreError) as raised:
            transport.request('POST', '/public_api/v1/endpoints/restore/', expect_json=True, json={})
    finally:
        server.close()
    return raised.value


def test_a_reply_that_does_not_end_is_given_up_at_a_size_no_answer_has_not_read_into_memory():
    most = 256 * 2 ** 20  # far past any answer of these APIs (an XDR action on 100,000 endpoints is a few MB)
    server = StreamingServer(b'x' * 2 ** 16, most)

    error = restore_through(server, ri.TransportSettings(max_retries=0))

    assert 'answered HTTP 200 but its reply was larger than' in str(error)
    assert server.hung_up.wait(10) and server.sent < most  # it hung up: the body was not read to its end


def test_a_reply_trickled_piece_by_piece_ends_within_the_read_timeout_in_all_not_per_piece():
    # urllib3's read timeout counts per read: a server that sends a piece every few seconds never meets it. Each piece
    # here costs 1 s on the run's clock (a FakeClock), far less than the read timeout of 10 s.
    limiter = ri.AdaptiveRateLimiter(1000, clock=FakeClock(0.0))
    most = 256 * 2 ** 20  # far past what the socket buffers hold: the stream cannot end before the client hangs up
    server = StreamingServer(b'x' * 64, most, after_piece=lambda: limiter.clock.advance(1.0))

    error = restore_through(server, ri.TransportSettings(read_timeout=10, max_retries=0), limiter)

    # within the read timeout from its first piece, or within the connect and read timeouts from the request's start
    assert 'answered HTTP 200 but its reply did not end within' in str(error)
    assert server.hung_up.wait(10) and server.sent < most  # the client hung up before the stream's end
