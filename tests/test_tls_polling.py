"""A TLS failure met while polling, over the emulators served over HTTPS on 127.0.0.1 with a self-signed certificate
(test_transport's): after a start that sent the restore, every check meets a certificate this machine does not trust.
The first check says it whole, later ones a line naming its kind (facts.TLS_UNREAD_KIND), which the hidden unread
argument keeps; with insecure on, the same emulator and certificate serve every check."""
from __future__ import annotations

import json
import warnings

import pytest

import facts
from conftest import WaitClock, integration_on_clock, start_hss_tenant
from test_hss_polling import SLOW, STAGE_SECONDS as HSS_STAGE_SECONDS, UPDATER
from test_restore_file_command import CLEAN_HASH, clocked_room, unread_note
from test_transport import TlsLoopbackServer, self_signed
from warroom.emulator.hss import create_app as create_hss_app
from warroom.emulator.xdr import create_app as create_xdr_app
from warroom.runtime import WarRoom


@pytest.fixture(scope='module')
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, which no CA bundle holds: (certfile, keyfile)."""
    return self_signed(tmp_path_factory, '127.0.0.1', 'IP:127.0.0.1')


def untrusted_after_the_start(monkeypatch, certificate):
    """Trusts ``certificate`` (REQUESTS_CA_BUNDLE names it) until the first entry, then no longer: what on_entry calls.
    From the first check on, every request meets a certificate this machine does not trust (say the engine's bundle
    lost the private CA), after a start that sent the restore over the same TLS server."""
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', certificate[0])
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    return lambda entry: monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)


def polled_over_tls(monkeypatch, certificate, on_entry=None, **params):
    """restore-file polled for its default 600 s against Cortex XDR served over TLS with ``certificate``, the action
    outliving the polling, with the instance ``params`` given: the war room's result and the tenant."""
    tenant, room, _ = clocked_room(monkeypatch, 1000)
    server = TlsLoopbackServer(create_xdr_app(tenant.gateway), *certificate).start()
    room.params, room.on_entry = dict(tenant.params(), xdr_url=server.url, **params), on_entry
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # urllib3's InsecureRequestWarning with insecure on: test_transport's
            return room.run('restore-file', {'file_hash': CLEAN_HASH}), tenant
    finally:
        server.stop()
        tenant.server.stop()


def test_a_status_read_meeting_an_untrusted_certificate_is_told_whole_once_then_in_a_line_and_kept_as_tls(
        monkeypatch, certificate):
    # The start sends the restore; every check after meets a certificate this machine does not trust. The first check
    # says it whole (the TLS verification, what to do), each later one but the last a line naming the kind of failure,
    # since check 1; the hidden unread argument keeps the TLS cause, never a secret; the last check is whole again.
    result, tenant = polled_over_tls(monkeypatch, certificate, untrusted_after_the_start(monkeypatch, certificate))

    assert not result.failed and 'PollingCommand' not in result.entries[-1], result.entries[-1]
    _, *checks, last = [entry['HumanReadable'] for entry in result.entries]
    whole = [text for text in checks if 'could not be verified' in text]
    assert len(checks) > 2 and whole == checks[:1], checks[:3]
    for words in ('certificate authority trusted', facts.INSECURE_DISPLAY):  # what to do: trust the CA, or knowingly
        assert words in unread_note(checks[0]) and words in unread_note(last), (words, checks[0])
    assert 'could not be verified' in unread_note(last) and 'polling ended' in unread_note(last), last
    for text in checks[1:]:
        assert f'still not read ({facts.TLS_UNREAD_KIND}) since check 1' in unread_note(text), text
    [action_id] = json.loads(result.entries[0]['PollingArgs']['action_id'])
    for number, entry in enumerate(result.entries[1:-1], 1):
        [(key, kept)] = json.loads(entry['PollingArgs']['unread']).items()
        assert (key, kept[:3]) == (str(action_id), [facts.TLS_UNREAD_KIND, None, 1]), (number, kept)
    assert tenant.key not in json.dumps(result.entries) + json.dumps(result.log), 'the API key was shown'


def test_a_polled_restore_over_an_untrusted_certificate_with_insecure_on_reads_every_status(monkeypatch, certificate):
    # The control for the test above: the same emulator and certificate, trusted by no bundle, with insecure on.
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)

    result, _ = polled_over_tls(monkeypatch, certificate, insecure=True)

    assert not result.failed and len(result.entries) > 3, result.entries[-1]
    assert not any('Status not read' in entry['HumanReadable'] for entry in result.entries), result.entries
    assert all('unread' not in entry.get('PollingArgs', {}) for entry in result.entries), result.entries
    assert 'verification is off' in result.entries[-1]['HumanReadable'], result.entries[-1]


def test_an_hss_listing_meeting_an_untrusted_certificate_is_told_whole_once_then_in_a_line_and_kept_as_tls(
        monkeypatch, certificate):
    # As for Cortex XDR above: the start sends the restore to HSS over TLS; every check's listing after meets a
    # certificate this machine does not trust.
    clock = WaitClock()
    tenant = start_hss_tenant(stage_seconds=HSS_STAGE_SECONDS, clock=clock,
                              wall_clock=integration_on_clock(monkeypatch, clock).time)
    server = TlsLoopbackServer(create_hss_app(tenant.gateway), *certificate).start()
    room = WarRoom(params=tenant.params('aksk', hss_endpoint=server.url), time_scale=1, sleep=clock.sleep,
                   on_entry=untrusted_after_the_start(monkeypatch, certificate))
    try:
        result = room.run('hss-restore-isolated', {'file_hash': UPDATER, 'host_id': SLOW['host_id'],
                                                   'timeout_in_seconds': '300'})
    finally:
        server.stop()
        tenant.stack.close()

    _, *checks, last = [entry['HumanReadable'] for entry in result.entries]
    whole = [text for text in checks if 'could not be verified' in text]
    assert len(checks) > 2 and whole == checks[:1], checks[:3]
    for words in ('certificate authority trusted', facts.INSECURE_DISPLAY):  # what to do: trust the CA, or knowingly
        assert words in checks[0] and words in last, (words, checks[0])
    assert 'polling ended' in last, last
    for text in checks[1:]:
        assert f'The same failure ({facts.TLS_UNREAD_KIND}) since check 1' in text, text
    for number, entry in enumerate(result.entries[1:-1], 1):
        kept = json.loads(entry['PollingArgs']['unread'])['listing']
        assert kept[:3] == [facts.TLS_UNREAD_KIND, None, 1], (number, entry)
    shown = json.dumps(result.entries) + json.dumps(result.log)
    assert not [secret for secret in tenant.secrets() if secret in shown], 'a secret was shown'
