"""main()'s own ways of failing, through the war room's demisto against the emulators on 127.0.0.1: an exception no
check foresaw (a fault in the integration, which must still end in an error entry and leak no secret), an IAM token
the integration context will not take, a token that is no longer any good, and a command the integration lacks."""
from __future__ import annotations

import json
import re
import secrets

import pytest
import requests

import restore_integration as ri
from conftest import HSS_REPLIES, ROOT, cached_token, hss_seed_copies, inject_hss_faults, seed_holders, start_tenant
from facts import ENTRY_ERROR
from warroom.emulator.faults import FaultPlan
from warroom.runtime import Demisto

XDR_HASH = sorted(seed_holders())[0]
HSS_HASH = sorted(hss_seed_copies())[0]
IAM_TOKENS = '/v3/auth/tokens'


def run(params, command, args, integration_context=None, demisto_class=Demisto):
    """main() with the war room's demisto: (entries, debug log lines, the integration context after the run)."""
    integration_context = {} if integration_context is None else integration_context
    demisto = demisto_class(params, command, dict(args), integration_context, [])
    ri.main(demisto)
    return demisto.entries, [text for level, text in demisto.log if level == 'debug'], integration_context


@pytest.fixture
def standard_tenant():
    tenant = start_tenant(auth_type='standard')  # the key itself goes in the Authorization header
    yield tenant
    tenant.server.stop()


def broken_adapter(monkeypatch, message):
    """requests' adapter fails as no check of the integration foresaw, in requests' own words about the request it
    was handed (its headers and body included, as requests' InvalidHeader quotes a header value)."""
    def send(self, request, **kwargs):
        raise requests.exceptions.InvalidHeader(message(request))
    monkeypatch.setattr(requests.adapters.HTTPAdapter, 'send', send)


def test_an_unexpected_exception_holding_the_xdr_key_becomes_an_error_entry_and_a_debug_traceback_without_it(
        standard_tenant, monkeypatch):
    key = standard_tenant.key
    broken_adapter(monkeypatch, lambda request: f'Invalid header value {request.headers["Authorization"]!r}')

    entries, debug, _ = run(standard_tenant.params(), 'restore-file', {'file_hash': XDR_HASH, 'polling': 'false'})

    [entry] = entries
    text = entry['Contents']
    assert entry['Type'] == ENTRY_ERROR
    assert 'restore-file' in text and 'unexpected InvalidHeader' in text and 'Invalid header value' in text
    assert 'fault in the integration' in text and 'debug log holds the traceback' in text
    assert any('Traceback' in line and 'InvalidHeader' in line for line in debug), debug
    assert key not in json.dumps(entries) and key not in json.dumps(debug)
    assert standard_tenant.gateway.requests == []  # nothing reached the vendor


def test_an_unexpected_exception_holding_the_iam_password_json_escaped_shows_it_in_no_form(hss_tenant, monkeypatch):
    # requests writes a JSON body with ensure_ascii: the password's " and é reach the exception text as \" and \u00e9.
    password = 'pw"é!' + secrets.token_hex(12)
    params = hss_tenant.params('token', hss_credentials={**hss_tenant.base_params['hss_credentials'],
                                                         'password': password})
    # The body goes to urllib3 as a file (the transport's BodyWhileWaited), read as urllib3 reads it
    broken_adapter(monkeypatch, lambda request: f'cannot send {request.body.read().decode()}')

    entries, debug, _ = run(params, 'hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'})

    [entry] = entries
    shown = json.dumps(entries) + json.dumps(debug)
    assert entry['Type'] == ENTRY_ERROR and 'unexpected InvalidHeader' in entry['Contents']
    assert 'cannot send' in entry['Contents']  # the exception's own words are kept, the secret masked in them
    assert any('Traceback' in line for line in debug)
    for form in (password, json.dumps(password)[1:-1], password[5:]):  # as saved, as sent, its random part
        assert form not in shown, form
    assert hss_tenant.gateway.requests == []


class ContextRefused(Demisto):
    """XSOAR failing to store the integration context (its server down for a moment)."""

    def setIntegrationContextVersioned(self, context, version, sync=False):  # noqa: N802 - XSOAR's name
        raise RuntimeError('the integration context could not be saved')


def test_a_token_the_integration_context_will_not_take_leaves_the_commands_entry_and_says_so_in_the_debug_log(
        hss_tenant):
    params = hss_tenant.params('token')
    args = {'file_hash': HSS_HASH, 'polling': 'false'}

    entries, debug, context = run(params, 'hss-restore-isolated', args, demisto_class=ContextRefused)

    assert entries and ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert context == {}
    assert [line for line in debug if 'IAM token could not be kept' in line and 'next run fetches one' in line]
    assert not any(secret in json.dumps(debug) for secret in hss_tenant.secrets())
    # Nothing was kept, so the next run asks IAM again.
    run(params, 'hss-restore-isolated', args, context)
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 2



def test_an_aksk_instance_whose_hss_wait_the_integration_context_will_not_take_says_so_naming_no_iam_token(hss_tenant):
    # AK/SK signs each request: no IAM token is fetched, so none is kept. What this run has to keep is HSS's wait (a
    # 429 whose Retry-After outlasts the run, README "One run stays short"); the debug line names that, not a token.
    inject_hss_faults(hss_tenant, 'hss', FaultPlan.parse('sequence=429;retry-after=300'))

    entries, debug, context = run(hss_tenant.params('aksk'), 'hss-restore-isolated',
                                  {'file_hash': HSS_HASH, 'polling': 'false'}, demisto_class=ContextRefused)

    assert entries and context == {} and not hss_tenant.requests_to('POST', IAM_TOKENS), entries
    said = [line for line in debug if 'could not be' in line and 'integration context' in line]
    assert said and all("HSS's wait" in line and 'IAM token' not in line and 'fetches one' not in line
                        for line in said), debug

class ContextChannelFails(Demisto):
    """XSOAR's channel failing the integration context's read or write as its demisto does: the server's error
    raised as a ValueError (DemistoClassApiModuleClasses.py, ``__do``), or the channel itself broken (OSError). It
    fails once the command has its entry: the reads (``fails`` 'read') or the writes ('write') that keep the token,
    not the read at the start."""

    error, fails = ValueError, 'read'

    def getIntegrationContextVersioned(self, refresh=False):  # noqa: N802 - XSOAR's name
        if not self.entries or self.fails != 'read':
            return super().getIntegrationContextVersioned(refresh)
        raise self.error('the integration context could not be read')

    def setIntegrationContextVersioned(self, context, version, sync=False):  # noqa: N802 - XSOAR's name
        if not self.entries or self.fails != 'write':
            return super().setIntegrationContextVersioned(context, version, sync)
        raise self.error('the integration context could not be saved')


# A write its channel fails with a ValueError reads to the integration as XSOAR's refusal of an old version (which
# comes as one): it reads and writes again, up to README's 3 times, then says so as for any other failure.
@pytest.mark.parametrize('fails', ['read', 'write'])
@pytest.mark.parametrize('error', [ValueError, BrokenPipeError])
def test_a_token_xsoar_s_channel_will_not_keep_leaves_the_commands_entry_and_says_so_in_the_debug_log(hss_tenant,
                                                                                                     error, fails):
    demisto_class = type('Failing', (ContextChannelFails,), {'error': error, 'fails': fails})

    entries, debug, context = run(hss_tenant.params('token'), 'hss-restore-isolated',
                                  {'file_hash': HSS_HASH, 'polling': 'false'}, demisto_class=demisto_class)

    assert entries and ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert context == {}
    assert [line for line in debug if 'IAM token could not be kept' in line and 'next run fetches one' in line]


def test_a_fault_of_the_integration_s_own_while_keeping_the_token_is_an_error_entry_not_a_debug_line(
        hss_tenant, monkeypatch):
    def typo(*args, **kwargs):
        raise NameError("name 'wait' is not defined")  # as a typo in the integration's own code raises it
    monkeypatch.setattr(ri.HssClient, 'cache_entry', typo)  # what keep_integration_context asks of the client

    entries, debug, _ = run(hss_tenant.params('token'), 'hss-restore-isolated',
                            {'file_hash': HSS_HASH, 'polling': 'false'})

    assert entries[-1]['Type'] == ENTRY_ERROR and 'unexpected NameError' in entries[-1]['Contents'], entries
    assert not [line for line in debug if 'could not be kept' in line], debug
    assert not any(secret in json.dumps(entries) + json.dumps(debug) for secret in hss_tenant.secrets())


class AnotherRunWritesBetween(Demisto):
    """A run of the instance beside which another run of it writes the integration context (``then``): once this run
    has its entry, right after each of its reads of the context (``times`` of them), before it writes what it keeps."""

    def __init__(self, *args, then, times=1):
        super().__init__(*args)
        self.then, self.times = then, times

    def _read(self, context):
        if self.entries and self.times:
            self.times -= 1
            self.then()
        return context

    def getIntegrationContextVersioned(self, refresh=False):  # noqa: N802 - XSOAR's name
        return self._read(super().getIntegrationContextVersioned(refresh))


class MemoryLagsBehind(AnotherRunWritesBetween):
    """XSOAR serving a read of the integration context without refresh from the instance's memory (demistomock.py),
    which lags its database here: it still holds the context as this run first read it, not what another run kept
    since. The version is the database's, as in test_retry_after_across_fetches' stand-in (with the memory's own,
    XSOAR would refuse each write: the token unkept, nothing dropped)."""

    memory = None

    def getIntegrationContextVersioned(self, refresh=False):  # noqa: N802 - XSOAR's name
        stored = Demisto.getIntegrationContextVersioned(self, True)
        self.memory = stored['context'] if self.memory is None else self.memory
        return self._read(stored if refresh else {**stored, 'context': dict(self.memory)})


# With the instance's memory lagging, the write must still apply this run's part to what another run kept: a write
# after a read without refresh would drop the other run's wait.
@pytest.mark.parametrize('this_run', [AnotherRunWritesBetween, MemoryLagsBehind])
def test_a_wait_another_run_keeps_while_this_one_keeps_its_iam_token_is_kept_beside_the_token(hss_tenant, this_run):
    # XSOAR runs a fetch and commands of one instance side by side. A restore keeps its new IAM token; meanwhile a fetch
    # HSS throttles (a Retry-After past what a run waits) keeps HSS's wait, between the restore's read of the
    # context and its write. Both must stay: the next fetch waits, and asks IAM for no token.
    params, context, fetch_kept = hss_tenant.params('token'), {}, []

    def a_throttled_fetch():
        inject_hss_faults(hss_tenant, 'hss', FaultPlan.parse('sequence=429;retry-after=300'))
        with pytest.raises(ri.FetchFailed):
            ri.main(Demisto(params, 'fetch-incidents', {}, context, []))
        fetch_kept.extend(context)  # the names: the values hold the token, which no failure may show

    entries, _, context = run(params, 'hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'}, context,
                              lambda *args: this_run(*args, then=a_throttled_fetch))

    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    dropped = [name for name in fetch_kept if name not in context]
    assert fetch_kept and dropped == [], 'nothing the fetch kept was dropped'
    logins, sent = len(hss_tenant.requests_to('POST', IAM_TOKENS)), len(hss_tenant.gateway.requests)
    assert logins == 2, 'each run asked IAM for a token'
    with pytest.raises(ri.FetchFailed, match='asked to wait until'):
        ri.main(Demisto(params, 'fetch-incidents', {}, context, []))
    assert len(hss_tenant.gateway.requests) == sent, 'nothing reached HSS before its wait had passed'
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == logins, 'a token was kept'


def test_another_run_writing_before_every_write_of_this_one_leaves_its_token_unkept_and_says_so_in_the_debug_log(
        hss_tenant):
    params, context, saved = hss_tenant.params('token'), {'kept by another run': 'x'}, []

    def another_run_saves():  # the context as it is: a write all the same, which moves XSOAR's version
        other = Demisto(params, 'hss-restore-isolated', {}, context, [])
        other.setIntegrationContext(other.getIntegrationContext())
        saved.append(dict(context))

    entries, debug, context = run(params, 'hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'},
                                  context, lambda *args: AnotherRunWritesBetween(*args, then=another_run_saves,
                                                                                   times=100))

    assert entries and ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert 1 < len(saved) < 100, 'it read again after each refusal, a few times'
    assert context == {'kept by another run': 'x'}, 'nothing of the other run dropped'
    assert [line for line in debug if 'IAM token could not be kept' in line and 'next run fetches one' in line]


def test_a_write_another_run_refuses_every_time_is_tried_as_often_as_the_readme_says_then_given_up(hss_tenant):
    # README, None twice, none lost: XSOAR refuses the write, "and the run reads the context again and applies only its
    # own part ..., up to 3 times"; "Refused every time, it gives up".
    readme = ' '.join((ROOT / 'README.md').read_text(encoding='utf-8').split())
    [tries] = re.findall(r'its wait if later than the one kept\), up to (\d+) times', readme)
    params, context, writes = hss_tenant.params('token'), {}, []

    def another_run_saves():
        other = Demisto(params, 'hss-restore-isolated', {}, context, [])
        other.setIntegrationContext(other.getIntegrationContext())

    class Counted(AnotherRunWritesBetween):
        def setIntegrationContextVersioned(self, *args, **kwargs):  # noqa: N802 - XSOAR's name
            writes.append(args)
            return super().setIntegrationContextVersioned(*args, **kwargs)

    entries, _, context = run(params, 'hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'}, context,
                              lambda *args: Counted(*args, then=another_run_saves, times=100))

    assert entries and ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert len(writes) == int(tries) and 'hss_iam_token' not in context


def test_a_cached_token_hss_no_longer_takes_is_dropped_from_the_integration_context_when_iam_gives_no_new_one(
        hss_tenant):
    args = {'file_hash': HSS_HASH, 'polling': 'false'}
    _, _, context = run(hss_tenant.params('token'), 'hss-restore-isolated', args)
    assert cached_token(context)['token']
    hss_tenant.backend.expire_tokens()
    wrong = {**hss_tenant.base_params['hss_credentials'], 'password': 'not-the-password-' + secrets.token_hex(8)}

    entries, _, context = run(hss_tenant.params('token', hss_credentials=wrong), 'hss-restore-isolated', args,
                              context)

    assert entries[-1]['Type'] == ENTRY_ERROR and 'IAM' in entries[-1]['Contents']
    kept = [json.loads(value) for value in context.values()]
    assert not [value for value in kept if isinstance(value, dict) and 'token' in value], context


def test_a_cached_token_hss_no_longer_takes_is_dropped_from_the_integration_context_while_iam_is_unavailable(
        hss_tenant):
    # README: a 401 in token mode drops the token it carried and asks IAM for a new one. IAM unavailable (503: no
    # refusal of the password to keep in its place), the run fails, and the dead token must not stay cached for the
    # next run to send first.
    args = {'file_hash': HSS_HASH, 'polling': 'false'}
    params = hss_tenant.params('token', max_retries='0')
    _, _, context = run(params, 'hss-restore-isolated', args)
    assert cached_token(context)['token']
    hss_tenant.backend.expire_tokens()
    hss_tenant.gateway.iam_faults = FaultPlan(rate=1.0, kinds=('503',), retry_after_s=0)

    entries, _, context = run(params, 'hss-restore-isolated', args, context)

    assert entries[-1]['Type'] == ENTRY_ERROR and 'IAM answered HTTP 503' in entries[-1]['Contents'], entries[-1]
    assert context == {}
    hss_tenant.gateway.iam_faults = None
    before = len(hss_tenant.gateway.requests)
    entries, _, context = run(params, 'hss-restore-isolated', args, context)
    assert ENTRY_ERROR not in [entry['Type'] for entry in entries] and cached_token(context)['token']
    # the next run asks IAM first: no request of it went out with the dead token (which HSS would answer 401)
    assert hss_tenant.gateway.requests[before].path.endswith(IAM_TOKENS)


def iam_password_set(tenant, password):
    """The tenant's IAM user now has ``password`` (as an admin sets it in IAM); returns the credentials setting."""
    params = tenant.base_params
    user = params['hss_credentials']['identifier']
    tenant.backend.add_user(params['hss_domain'], user, password, [params['hss_project_id']])
    return {'identifier': user, 'password': password}


# Fixed, not drawn at random: the kept refusal tells passwords apart by a mark of a few bits (README, "token"), so two
# random ones would share it now and then; these two do not, run after run.
REFUSED_PASSWORD, CORRECTED_PASSWORD = 'first-try-Passw0rd!', 'second-try-Passw0rd?'


def test_a_password_corrected_in_the_instance_settings_is_sent_by_the_next_command_though_iam_refused_the_last_one(
        hss_tenant):
    # IAM refused the saved password (401): kept, so that later runs do not send it again and lock the user out. The
    # admin then saves the right one; the next command must not wait out the pause for a password IAM never refused.
    args = {'file_hash': HSS_HASH, 'polling': 'false'}
    right = iam_password_set(hss_tenant, CORRECTED_PASSWORD)
    wrong = {**right, 'password': REFUSED_PASSWORD}
    entries, _, context = run(hss_tenant.params('token', hss_credentials=wrong), 'hss-restore-isolated', args)
    assert entries[-1]['Type'] == ENTRY_ERROR and 'IAM answered HTTP 401' in entries[-1]['Contents']
    assert [value for value in map(json.loads, context.values()) if 'refused_at' in value], context

    entries, _, context = run(hss_tenant.params('token', hss_credentials=right), 'hss-restore-isolated', args, context)

    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 2 and cached_token(context)['token']
    assert len(hss_tenant.requests_to('GET', 'isolated-file')) >= 1


def test_the_same_refused_password_still_saved_is_not_sent_again_by_the_next_command(hss_tenant):
    args = {'file_hash': HSS_HASH, 'polling': 'false'}
    wrong = {**iam_password_set(hss_tenant, CORRECTED_PASSWORD), 'password': REFUSED_PASSWORD}
    params = hss_tenant.params('token', hss_credentials=wrong)
    _, _, context = run(params, 'hss-restore-isolated', args)

    entries, _, after = run(params, 'hss-restore-isolated', args, dict(context))

    assert entries[-1]['Type'] == ENTRY_ERROR and 'not sent again before' in entries[-1]['Contents']
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 1 and hss_tenant.requests_to('GET', 'isolated-file') == []
    assert after == context


def test_an_iam_token_cached_before_the_instance_was_switched_to_aksk_is_dropped_and_the_context_s_other_keys_stay(
        hss_tenant):
    # A token left in the integration context is a live credential (IAM tokens last 24 hours) that AK/SK signing never
    # uses: the first command signed with AK/SK takes it out, and only it.
    args = {'file_hash': HSS_HASH, 'polling': 'false'}
    others = {'kept by another part of the instance': json.dumps({'any': 'value'})}
    _, _, context = run(hss_tenant.params('token'), 'hss-restore-isolated', args, dict(others))
    token = cached_token(context)['token']

    entries, _, context = run(hss_tenant.params('aksk'), 'hss-restore-isolated', args, context)

    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert context == others and token not in json.dumps(context)
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 1  # AK/SK asked IAM for nothing


@pytest.mark.parametrize('hss_now', ['aksk', 'removed'])
def test_an_iam_token_cached_before_the_instance_stopped_using_tokens_is_dropped_by_restore_file_too(
        hss_tenant, standard_tenant, hss_now):
    # The same live credential, left by an HSS command run in token mode: an instance now on AK/SK (or without HSS)
    # never uses it, whichever command runs next; a restore-file must not keep it until an HSS command comes.
    others = {'kept by another part of the instance': json.dumps({'any': 'value'})}
    _, _, context = run({**standard_tenant.params(), **hss_tenant.params('token')}, 'hss-restore-isolated',
                        {'file_hash': HSS_HASH, 'polling': 'false'}, dict(others))
    token = cached_token(context)['token']
    params = {**standard_tenant.params(), **(hss_tenant.params('aksk') if hss_now == 'aksk' else {})}

    entries, _, context = run(params, 'restore-file', {'file_hash': XDR_HASH, 'polling': 'false'}, context)

    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert context == others and token not in json.dumps(context)


@pytest.mark.parametrize('changed', ['user', 'domain', 'project', 'region'])
def test_an_iam_token_of_an_identity_the_instance_no_longer_uses_is_dropped_by_restore_file_too(
        hss_tenant, standard_tenant, changed):
    # The instance now logs in as another IAM user, in another account, scoped to another project, or at the IAM of
    # another region (the IAM endpoint left empty: built from the region). The token cached for the identity it used
    # before can serve none of its commands, yet it is a live credential of that identity for up to 24 hours: a
    # restore-file must not keep it until an HSS command comes.
    others = {'kept by another part of the instance': json.dumps({'any': 'value'})}
    before = {**standard_tenant.params(), **hss_tenant.params('token')}
    _, _, context = run(before, 'hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'}, dict(others))
    token = cached_token(context)['token']
    credentials = before['hss_credentials']
    now = {'user': {'hss_credentials': {**credentials, 'identifier': credentials['identifier'] + '-2'}},
           'domain': {'hss_domain': before['hss_domain'] + '-2'},
           'project': {'hss_project_id': 'f' * 32},
           'region': {'hss_region': 'ap-southeast-3', 'hss_iam_endpoint': ''}}[changed]

    entries, _, context = run({**before, **now}, 'restore-file', {'file_hash': XDR_HASH, 'polling': 'false'}, context)

    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert context == others and token not in json.dumps(context)


def test_an_iam_token_cached_in_token_mode_stays_through_a_restore_file_for_the_next_hss_command(
        hss_tenant, standard_tenant):
    params = {**standard_tenant.params(), **hss_tenant.params('token')}
    hss_args = {'file_hash': HSS_HASH, 'polling': 'false'}
    _, _, context = run(params, 'hss-restore-isolated', hss_args)

    entries, _, after = run(params, 'restore-file', {'file_hash': XDR_HASH, 'polling': 'false'}, dict(context))
    run(params, 'hss-restore-isolated', hss_args, after)

    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert after == context and len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 1  # the next command used it


def test_test_module_sends_the_password_whatever_a_run_kept_of_iam_s_refusal_so_a_corrected_one_is_checked_at_once(
        hss_tenant):
    args = {'file_hash': HSS_HASH, 'polling': 'false'}
    wrong = {**hss_tenant.base_params['hss_credentials'], 'password': 'not-the-password-' + secrets.token_hex(8)}
    _, _, context = run(hss_tenant.params('token', hss_credentials=wrong), 'hss-restore-isolated', args)
    assert [value for value in map(json.loads, context.values()) if 'refused_at' in value], context

    entries, _, after = run(hss_tenant.params('token'), 'test-module', {}, dict(context))

    assert [entry['Contents'] for entry in entries] == ['ok']
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 2
    assert after == context  # XSOAR gives test-module no integration context to read or write


# Two runs of one instance side by side (a fetch, a polling check, another playbook's command): the other run writes
# the integration context right after this run's read, so this run's first write is refused and it reads again. What
# this run changes of the token applies only where the context still holds what this run first read (a drop of another
# identity's token: where a token of another identity is still there); what the other run changed meanwhile stays.


def test_another_run_s_fresh_token_stays_when_this_run_drops_the_token_of_the_identity_the_instance_used_before(
        hss_tenant, standard_tenant):
    # The instance now logs in as another IAM user: a restore-file drops the token cached for the user before, while
    # an HSS command of the new user keeps the token IAM just gave it. The next HSS command must find that one.
    before = {**standard_tenant.params(), **hss_tenant.params('token')}
    hss_args = {'file_hash': HSS_HASH, 'polling': 'false'}
    _, _, context = run(before, 'hss-restore-isolated', hss_args)
    old = cached_token(context)['token']
    credentials = iam_password_set(hss_tenant, CORRECTED_PASSWORD)
    now = {**before, 'hss_credentials': {'identifier': credentials['identifier'] + '-2',
                                         'password': credentials['password']}}
    hss_tenant.backend.add_user(before['hss_domain'], now['hss_credentials']['identifier'], CORRECTED_PASSWORD,
                                [before['hss_project_id']])

    def an_hss_command_of_the_new_user():
        entries, _, _ = run(now, 'hss-restore-isolated', hss_args, context)
        assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries

    entries, _, context = run(now, 'restore-file', {'file_hash': XDR_HASH, 'polling': 'false'}, context,
                              lambda *args: AnotherRunWritesBetween(*args, then=an_hss_command_of_the_new_user))

    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    fresh = cached_token(context)['token']
    assert fresh != old and len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 2
    run(now, 'hss-restore-isolated', hss_args, context)
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 2, 'the next HSS command used the fresh token'


def test_a_token_of_the_identity_used_before_is_still_dropped_when_another_run_wrote_only_other_keys_meanwhile(
        hss_tenant, standard_tenant):
    before = {**standard_tenant.params(), **hss_tenant.params('token')}
    _, _, context = run(before, 'hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'})
    token = cached_token(context)['token']
    others = {'kept by another part of the instance': json.dumps({'any': 'value'})}

    def another_run_keeps_its_own_key():
        other = Demisto(before, 'restore-file', {}, context, [])
        other.setIntegrationContext({**other.getIntegrationContext(), **others})

    now = {**before, 'hss_project_id': 'f' * 32}
    entries, _, context = run(now, 'restore-file', {'file_hash': XDR_HASH, 'polling': 'false'}, context,
                              lambda *args: AnotherRunWritesBetween(*args, then=another_run_keeps_its_own_key))

    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert context == others and token not in json.dumps(context)


def test_another_run_s_fresh_token_stays_when_this_run_drops_the_token_hss_refused_while_iam_is_unavailable(
        hss_tenant):
    # This run's cached token ran out and IAM answers 503: it drops the dead token. Meanwhile IAM is back, and another
    # run kept the new token IAM gave it: that one must stay, or the next run asks IAM again.
    args = {'file_hash': HSS_HASH, 'polling': 'false'}
    params = hss_tenant.params('token', max_retries='0')
    _, _, context = run(params, 'hss-restore-isolated', args)
    dead = cached_token(context)['token']
    hss_tenant.backend.expire_tokens()
    hss_tenant.gateway.iam_faults = FaultPlan(rate=1.0, kinds=('503',), retry_after_s=0)

    def iam_back_and_another_run_renews():
        hss_tenant.gateway.iam_faults = None
        entries, _, _ = run(params, 'hss-restore-isolated', args, context)
        assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries

    entries, _, context = run(params, 'hss-restore-isolated', args, context,
                              lambda *args: AnotherRunWritesBetween(*args, then=iam_back_and_another_run_renews))

    assert entries[-1]['Type'] == ENTRY_ERROR and 'IAM answered HTTP 503' in entries[-1]['Contents'], entries[-1]
    fresh = cached_token(context)['token']
    assert fresh != dead
    logins = len(hss_tenant.requests_to('POST', IAM_TOKENS))
    entries, _, _ = run(params, 'hss-restore-isolated', args, context)
    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == logins, 'the next run used the fresh token'


def test_iam_s_refusal_does_not_replace_the_token_another_run_got_meanwhile_so_the_next_run_is_not_held_back(
        hss_tenant):
    # IAM refuses this run's password; meanwhile the password is set in IAM and another run of the instance logs in.
    # Its token must stay: the refusal in its place would hold every run of the next 15 minutes back.
    args = {'file_hash': HSS_HASH, 'polling': 'false'}
    params = hss_tenant.params('token', hss_credentials={**hss_tenant.base_params['hss_credentials'],
                                                         'password': REFUSED_PASSWORD})

    def password_set_in_iam_and_another_run_logs_in():
        iam_password_set(hss_tenant, REFUSED_PASSWORD)
        entries, _, _ = run(params, 'hss-restore-isolated', args, context)
        assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries

    context = {}
    between = password_set_in_iam_and_another_run_logs_in
    entries, _, context = run(params, 'hss-restore-isolated', args, context,
                              lambda *args: AnotherRunWritesBetween(*args, then=between))

    assert entries[-1]['Type'] == ENTRY_ERROR and 'IAM answered HTTP 401' in entries[-1]['Contents'], entries[-1]
    assert cached_token(context)['token']
    entries, _, _ = run(params, 'hss-restore-isolated', args, context)
    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 2, 'the next run used the token, no login held back'


def test_a_token_this_run_renewed_leaves_the_one_another_run_kept_meanwhile(hss_tenant):
    # Both runs found the cached token run out and each got a new one: the one kept first stays, both being good.
    args = {'file_hash': HSS_HASH, 'polling': 'false'}
    params = hss_tenant.params('token')
    _, _, context = run(params, 'hss-restore-isolated', args)
    hss_tenant.backend.expire_tokens()
    kept = []

    def another_run_renews():
        run(params, 'hss-restore-isolated', args, context)
        kept.append(cached_token(context)['token'])

    entries, _, context = run(params, 'hss-restore-isolated', args, context,
                              lambda *args: AnotherRunWritesBetween(*args, then=another_run_renews))

    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 3
    assert cached_token(context)['token'] == kept[0]


class NoExecutionContext(Demisto):
    """XSOAR's demisto where the calling context holds no ExecutionContext: DemistoGeneral.context() reads
    callingContext['context']['ExecutionContext'] (demisto/content's DemistoClassApiModuleClasses.py)."""

    def context(self):
        raise KeyError('ExecutionContext')


def test_a_check_that_cannot_read_the_incident_context_sends_the_files_an_earlier_run_had_no_time_for(standard_tenant):
    # README: a check sends the restores an earlier run could not; the incident's context only tells it which another
    # run (the on-close script) has sent since. Unreadable, nothing is known of other runs: the file is sent as before.
    standard_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,503'))
    params = standard_tenant.params(max_retries='0', max_concurrency='1')
    first, late = sorted(seed_holders())[:2]
    [polling], _, _ = run(params, 'restore-file', {'file_hash': f'{first},{late}'})
    assert json.loads(polling['PollingArgs']['unsent']) == [late]

    entries, _, _ = run(params, polling['PollingCommand'], polling['PollingArgs'], demisto_class=NoExecutionContext)

    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    assert [action.file_hash for action in standard_tenant.backend.actions.values()] == [first, late]


def test_a_command_the_integration_does_not_implement_is_an_error_entry_naming_it(standard_tenant):
    entries, _, _ = run(standard_tenant.params(), 'cortex-xdr-get-endpoints', {})

    [entry] = entries
    assert entry['Type'] == ENTRY_ERROR
    assert 'cortex-xdr-get-endpoints' in entry['Contents'] and 'not implemented' in entry['Contents']
    assert 'fault in the integration' not in entry['Contents']  # a known refusal, not a crash
    assert standard_tenant.gateway.requests == []


# A gateway in IAM's place that quotes what it was sent in its refusal (test_data/hss/replies/variants).
ECHOED_PASSWORD = 'Echoed-Pa55word-7f3a'


def test_iam_s_refusal_quoting_the_password_is_kept_in_the_integration_context_without_it(hss_tenant, replay_server):
    # README, "No secret in any output": IAM's refusal, kept in the token's place, holds IAM's code and message,
    # scrubbed. Its own words stay; the password it quoted does not.
    replay_server.queue_file(401, 'iam_error_401_quoting_the_password.json', HSS_REPLIES / 'variants')
    params = hss_tenant.params('token', hss_iam_endpoint=replay_server.url, hss_credentials={
        **hss_tenant.base_params['hss_credentials'], 'password': ECHOED_PASSWORD})

    entries, _, context = run(params, 'hss-restore-isolated', {'file_hash': HSS_HASH, 'polling': 'false'})

    assert entries[-1]['Type'] == ENTRY_ERROR and 'The username or password is wrong' in entries[-1]['Contents']
    [refusal] = [json.loads(value) for value in context.values() if 'password_mark' in json.loads(value)]
    assert 'The username or password is wrong' in refusal['message'], refusal
    assert ECHOED_PASSWORD not in json.dumps(context), context
    assert len(replay_server.requests) == 1


def test_a_file_left_to_a_check_is_sent_by_it_though_the_incident_context_holds_an_earlier_run_s_action_for_it(
        standard_tenant):
    # README: a check follows instead a restore another run started since; one the incident's context already held
    # when this restore began is an earlier run's, not a reason to leave the file unsent.
    from warroom.context import merge_entry_context
    params = standard_tenant.params(max_retries='0', max_concurrency='1')
    first, late = sorted(seed_holders())[:2]
    [earlier], _, _ = run(params, 'restore-file', {'file_hash': late, 'polling': 'false'})
    incident_context = {}
    merge_entry_context(incident_context, earlier['EntryContext'])
    standard_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,503'))

    def run_with_incident(command, args):
        demisto = Demisto(params, command, dict(args), {}, [], incident_context=incident_context)
        ri.main(demisto)
        return demisto.entries

    [polling] = run_with_incident('restore-file', {'file_hash': f'{first},{late}'})
    assert json.loads(polling['PollingArgs']['unsent']) == [late]
    run_with_incident(polling['PollingCommand'], polling['PollingArgs'])

    # Sent again (Cortex XDR refuses it now: the earlier run restored it), not followed as another run's action; the
    # 503 reaches no log
    sent = [body['request_data']['file_hash'] for method, path, body in standard_tenant.gateway.requests
            if path.endswith('/restore/')]
    assert sent == [late, first, late], sent


def test_a_file_left_to_a_check_is_followed_not_sent_again_when_another_run_restored_it_meanwhile(
        standard_tenant):
    # README: the incident's context tells a check which restores another run (the on-close script) has sent since:
    # the check follows that action rather than sending the file a second time.
    from warroom.context import merge_entry_context
    params = standard_tenant.params(max_retries='0', max_concurrency='1')
    first, late = sorted(seed_holders())[:2]
    incident_context = {}

    def run_with_incident(command, args):
        demisto = Demisto(params, command, dict(args), {}, [], incident_context=incident_context)
        ri.main(demisto)
        for entry in demisto.entries:
            merge_entry_context(incident_context, entry.get('EntryContext') or {})
        return demisto.entries

    standard_tenant.gateway.inject_faults(FaultPlan.parse('sequence=ok,503'))
    [polling] = run_with_incident('restore-file', {'file_hash': f'{first},{late}'})
    assert json.loads(polling['PollingArgs']['unsent']) == [late]
    run_with_incident('restore-file', {'file_hash': late, 'polling': 'false'})  # another run, meanwhile
    entries = run_with_incident(polling['PollingCommand'], polling['PollingArgs'])

    assert ENTRY_ERROR not in [entry['Type'] for entry in entries], entries
    sent = [body['request_data']['file_hash'] for method, path, body in standard_tenant.gateway.requests
            if path.endswith('/restore/')]
    assert sent == [first, late], sent  # (the 503 reaches no log)


def test_an_account_id_given_as_the_account_name_is_named_so_when_iam_refuses_the_login_and_while_that_is_kept(
        hss_tenant):
    # KooCLI's profile (cli-domain-id) and the SDK's GlobalCredentials hold the account's ID, 32 hexadecimal digits;
    # IAM's password login (README: user hss_credentials "in account hss_domain") takes the account's name, and answers
    # its ID with the same 401 as a wrong password: the message says which, at the refusal and while it is kept.
    args = {'file_hash': HSS_HASH, 'polling': 'false'}
    params = hss_tenant.params('token', hss_domain=hss_tenant.backend.domain_id)
    entries, _, context = run(params, 'hss-restore-isolated', args)
    again, _, _ = run(params, 'hss-restore-isolated', args, dict(context))
    misnamed, _, _ = run(hss_tenant.params('token', hss_domain='another-account'), 'hss-restore-isolated', args)

    assert 'HTTP 401' in entries[-1]['Contents'] and 'not sent again before' in again[-1]['Contents']
    for entry in (entries[-1], again[-1]):
        said = entry['Contents']
        assert entry['Type'] == ENTRY_ERROR and re.search(r'account ID \(KooCLI.s cli-domain-id\).*account name', said)
        # IAM's 401 is a wrong password's too: the password setting (integration.yml's label) is still named to check
        assert 'Huawei Cloud IAM password' in said, said
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 2  # the kept refusal sent nothing
    assert misnamed[-1]['Type'] == ENTRY_ERROR and 'cli-domain-id' not in misnamed[-1]['Contents']
