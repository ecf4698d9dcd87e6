"""HTTP dates (the Date header HSS's clock is read from, a Retry-After given as a date) read as GMT in each of the
three forms RFC 9110 section 5.6.7 tells recipients to accept, whatever time zone this machine is set to."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from email.utils import formatdate

import pytest
from hypothesis import given, strategies as st

import restore_integration as ri
from test_reply_read import OneReplyServer
from warroom.emulator.httpserver import LoopbackServer, Response, json_response

# RFC 9110 section 5.6.7's own example, in its three forms: 1994-11-06 08:49:37 GMT.
RFC_EXAMPLE_MS = 784_111_777_000
RFC_FORMS = ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994',
             'Sun, 06 Nov 1994 08:49:37 -0000']
ZONES = ['UTC', 'America/New_York', 'Asia/Shanghai']


@pytest.fixture(params=ZONES)
def machine_zone(request, monkeypatch):
    monkeypatch.setenv('TZ', request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize('form', RFC_FORMS)
def test_each_form_of_the_rfc_s_example_date_reads_as_gmt_whatever_the_machine_s_zone(machine_zone, form):
    assert ri.server_time_ms({'Date': form}) == RFC_EXAMPLE_MS


@pytest.mark.parametrize('form', RFC_FORMS)
def test_a_retry_after_date_ten_seconds_past_the_date_header_waits_ten_seconds_in_any_zone(machine_zone, form):
    later = form.replace('08:49:37', '08:49:47')
    assert ri.parse_retry_after({'Date': form, 'Retry-After': later}) == pytest.approx(10.0)


WHEN = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2199, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0, tzinfo=timezone.utc))


@given(moment=WHEN, wait=st.integers(0, 86_400))
def test_any_asctime_date_header_and_retry_after_read_as_the_moment_they_name(moment, wait):
    # asctime: "Sun Nov  6 08:49:37 1994", the day of the month padded with a space; GMT by the RFC's rule.
    def asctime(value):
        return value.strftime('%a %b ') + f'{value.day:2d}' + value.strftime(' %H:%M:%S %Y')

    headers = {'Date': asctime(moment), 'Retry-After': asctime(moment + timedelta(seconds=wait))}
    previous = os.environ.get('TZ')
    os.environ['TZ'] = 'America/New_York'  # a zone west of GMT, where a local reading would be hours off
    time.tzset()
    try:
        assert ri.server_time_ms(headers) == int(moment.timestamp()) * 1000
        assert ri.parse_retry_after(headers) == pytest.approx(float(wait))
    finally:
        if previous is None:
            os.environ.pop('TZ', None)
        else:
            os.environ['TZ'] = previous
        time.tzset()


def test_a_503_whose_retry_after_date_is_already_past_on_the_servers_clock_is_sent_again_without_waiting():
    # RFC 9110 10.2.3: Retry-After as an HTTP date is when to try again; one before the reply's own Date has passed
    # already, so the retry waits nothing (never a negative wait, which time.sleep refuses) and its answer is returned.
    date = RFC_FORMS[0]
    answers = [Response(503, b'', {'Date': date, 'Retry-After': date.replace('08:49:37', '08:49:27')}),
               json_response(200, {'reply': {'action_id': 1}})]
    seen = []

    def app(request):
        seen.append(request.path)
        return answers[len(seen) - 1]

    server = LoopbackServer(app).start()
    try:
        transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(retry_backoff=0))
        reply = transport.request('POST', '/restore', expect_json=True, json={})
    finally:
        server.stop()

    assert (reply.status, reply.json()) == (200, {'reply': {'action_id': 1}})
    assert len(seen) == 2 and [attempt.status for attempt in reply.attempts] == [503, 200]


def test_a_503_whose_retry_after_date_comes_without_a_date_header_is_read_on_this_machines_clock():
    # RFC 9110 6.6.1: a server without a clock sends no Date. The Retry-After date, 10 s before now on this machine's
    # clock, has then passed: the retry waits nothing and its answer is returned.
    retry_after = formatdate(time.time() - 10, usegmt=True)
    server = OneReplyServer(b'HTTP/1.1 503 Service Unavailable\r\nRetry-After: %s\r\nContent-Length: 0\r\n\r\n'
                            % retry_after.encode(),
                            b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(retry_backoff=0))

    reply = transport.request('POST', '/restore', expect_json=True, json={})

    assert [attempt.status for attempt in reply.attempts] == [503, 200] and reply.json() == {}
    assert reply.attempts[0].answered_ms is None  # no Date came


def test_a_503_asking_to_wait_years_by_date_names_the_wait_in_whole_seconds_not_in_exponent_notation():
    # A gateway's maintenance page may name a date years ahead: the error gives the wait it read as a count of seconds
    # an analyst can read and check against the date, never "3.47155e+08 s".
    date, until = RFC_FORMS[0], RFC_FORMS[0].replace('1994', '2005')
    asked = (datetime(2005, 11, 6, tzinfo=timezone.utc) - datetime(1994, 11, 6, tzinfo=timezone.utc)).days * 86400
    server = LoopbackServer(lambda request: Response(503, b'', {'Date': date, 'Retry-After': until})).start()
    try:
        transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(retry_backoff=0))
        reply = transport.request('POST', '/restore', expect_json=True, json={})
    finally:
        server.stop()

    assert reply.status == 503 and f'asked to wait {asked} s (Retry-After)' in reply.gave_up, reply.gave_up


@pytest.mark.parametrize('value', [b'40 ', b'40\t', b'Sun, 06 Nov 1994 08:50:17 GMT '])
def test_a_retry_after_with_blanks_after_its_value_is_read_as_the_value(value):
    # RFC 9110 5.5: whitespace around a field value is no part of it, and http.client keeps what follows the value.
    # 40 s, or the date 40 s past the Date header, is more than the retries of one request may wait in all.
    server = OneReplyServer(b'HTTP/1.1 503 Service Unavailable\r\nDate: %s\r\nRetry-After: %s\r\n'
                            b'Content-Length: 0\r\n\r\n' % (RFC_FORMS[0].encode(), value))
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(retry_backoff=0))

    reply = transport.request('POST', '/restore', expect_json=True, json={})

    assert reply.status == 503 and 'asked to wait 40 s (Retry-After)' in reply.gave_up, reply.gave_up


def test_an_iam_token_s_times_read_as_utc_whatever_the_machine_s_zone(machine_zone):
    # IAM writes its token's expires_at and issued_at in UTC ("Z"): with no issued_at, the lifetime runs from the
    # reply's Date, so a time read in the machine's zone would be hours off it.
    reply = {'token': {'expires_at': '1994-11-07T08:49:37.000000Z'}}
    assert ri.iam_time('1994-11-06T08:49:37.000000Z') * 1000 == RFC_EXAMPLE_MS
    assert ri.parse_iam_expiry(reply, 0.0, RFC_EXAMPLE_MS / 1000) == 24 * 3600
