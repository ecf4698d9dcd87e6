"""How HttpTransport reads a reply, over HTTP on 127.0.0.1: a gzipped reply (Cortex XDR's emulator gzips for a client
that accepts it, as requests does by default) read within the read timeout however it trickles, and handed on whole and
decoded; one that does not decode named so; and an attempt whose connection the run's end cut short
saying so. Faults the emulators cannot make come from a socket-level server in the test.
"""
from __future__ import annotations

import errno
import gzip
import itertools
import json
import os
import re
import select
import ssl
import socket
import struct
import threading
import time
import tracemalloc
import zlib
from typing import Callable

import pytest
import urllib3
from hypothesis import given, settings, strategies as st

import facts
import restore_integration as ri
from conftest import FakeClock, seed_holders, start_tenant
from test_transport import self_signed

XDR_HASH = sorted(seed_holders())[0]


@pytest.fixture
def tenant():
    tenant = start_tenant(auth_type='standard')
    yield tenant
    tenant.server.stop()


def xdr_client(tenant, **settings) -> ri.XdrClient:
    return ri.XdrClient(ri.XdrSettings(tenant.url, '17', tenant.key, 'standard', rate_limit=1000),
                        ri.TransportSettings(**{'max_retries': 0, **settings}))


def test_a_gzipped_reply_trickled_a_byte_at_a_time_ends_within_the_read_timeout():
    # A gzip stream gives no byte before its header and first block are in: urllib3's read1 reads on for them, each
    # read within the socket's timeout, however long all of them take. Here the gzip header's comment (FCOMMENT, RFC
    # 1952) comes a byte at a time, each well within the read timeout, on a connection kept for the next request.
    compressor = zlib.compressobj(wbits=-15)
    deflated = compressor.compress(b'{"reply": {}}') + compressor.flush()
    tail = b'\0' + deflated + zlib.crc32(b'{"reply": {}}').to_bytes(4, 'little') + (13).to_bytes(4, 'little')
    head = (b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n'
            b'Content-Length: %d\r\n\r\n' % (10 + 10_000 + len(tail)) + b'\x1f\x8b\x08\x10\0\0\0\0\0\xff')
    read_timeout = 1
    server = TrickledReplyServer(head, b'x', tail, pace=read_timeout / 4, seconds=30)
    assert_cut_at_the_read_timeout(server, read_timeout)


def test_a_gzipped_reply_is_handed_on_read_whole_and_decoded(tenant):
    reply = xdr_client(tenant).transport.request('POST', '/endpoints/restore/', expect_json=True,
                                                 json={'request_data': {'file_hash': XDR_HASH}})

    assert reply.headers['Content-Encoding'] == 'gzip'  # it came compressed
    assert reply.body.startswith(b'{') and reply.text.encode() == reply.body
    assert reply.status == 200 and reply.json() == json.loads(reply.body) and reply.json()['reply']['action_id']


class OneReplyServer:
    """Answers one request on 127.0.0.1 with ``reply`` (bytes, as they go on the wire), then closes; with ``more``,
    the next request, on a new connection, with the next one. ``all_sent`` is set once it sent (and closed) the last:
    on loopback, it has all come to the client then."""

    def __init__(self, reply: bytes, *more: bytes):
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.url = f'http://127.0.0.1:{self.listener.getsockname()[1]}'
        self.all_sent = threading.Event()
        threading.Thread(target=self._serve, args=(reply, *more), daemon=True).start()

    def _serve(self, *replies: bytes):
        with self.listener:
            for reply in replies:
                with self.listener.accept()[0] as connection:
                    read_request(connection)
                    connection.sendall(reply)
        self.all_sent.set()


def read_request(connection: socket.socket) -> None:
    """Reads a request whole, its body as long as its Content-Length: a socket closed with bytes unread resets the
    connection, which would cut the reply short."""
    received = b''
    while b'\r\n\r\n' not in received:
        received += connection.recv(65536) or b'\r\n\r\n'
    head, _, body = received.partition(b'\r\n\r\n')
    length = re.search(rb'(?im)^content-length:\s*(\d+)', head)
    while length and len(body) < int(length[1]):
        body += connection.recv(65536) or b'\0' * int(length[1])


def gzipped_reply(status: str, body: bytes, declared: int | None = None) -> bytes:
    """A reply on the wire with a gzipped ``body``, its Content-Length ``declared`` or the body's own."""
    return (b'HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n'
            % (status.encode(), len(body) if declared is None else declared) + body)


def gzipped_zeros(size: int) -> bytes:
    """``size`` zero bytes gzipped (a thousandth of that), compressed a MB at a time."""
    compressor, megabyte = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS), bytes(2 ** 20)
    return b''.join([*(compressor.compress(megabyte) for _ in range(size // len(megabyte))), compressor.flush()])


def test_a_body_that_does_not_decode_as_its_content_encoding_says_is_a_broken_reply_named_so():
    server = OneReplyServer(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n'
                            b'Content-Length: 8\r\n\r\n{"a": 1}')
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(max_retries=0))

    with pytest.raises(ri.RestoreError) as raised:
        transport.request('POST', '/', expect_json=True, json={})

    assert 'answered HTTP 200 with a body that does not decode as "gzip" (its Content-Encoding)' in str(raised.value)
    assert 'cut off' not in str(raised.value)


def test_a_small_gzipped_reply_that_inflates_past_the_largest_reply_is_refused_without_inflating_it_whole():
    most = facts.MAX_REPLY_MB * 2 ** 20  # the README's largest reply, not the code's constant
    body = gzipped_zeros(4 * most)
    server = OneReplyServer(gzipped_reply('200 OK', body))
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(max_retries=0))
    assert len(body) < most // 100  # its size on the wire is far below the largest reply

    tracemalloc.start()
    try:
        with pytest.raises(ri.RestoreError) as raised:
            transport.request('POST', '/', expect_json=True, json={})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert f'answered HTTP 200 but its reply was larger than {most // 2 ** 20} MB' in str(raised.value)
    assert peak < 2 * most  # inflated a piece at a time, given up past the largest reply: never 4 times that


def test_gzip_members_each_under_the_largest_reply_but_past_it_together_are_refused_as_too_large():
    # Two gzip members of 17 MB each inflate to 34 MB: the reply is what they make together (RFC 1952 2.2, a file
    # of members), so it passes the README's largest reply though neither member alone does.
    most = facts.MAX_REPLY_MB * 2 ** 20
    member = gzipped_zeros(most // 2 + 2 ** 20)
    server = OneReplyServer(gzipped_reply('200 OK', member + member))
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(max_retries=0))

    with pytest.raises(ri.RestoreError) as raised:
        transport.request('POST', '/', expect_json=True, json={})

    assert f'answered HTTP 200 but its reply was larger than {most // 2 ** 20} MB' in str(raised.value)


@pytest.mark.parametrize('encoding', ['identity', 'gzip'])
def test_a_reply_of_exactly_the_largest_size_is_read_whole(encoding):
    # README, Reliability: a reply "larger than 32 MB" is a fault; one of exactly 32 MB (a JSON string filling it),
    # as it came or once inflated, is not larger, so it is read whole.
    most = facts.MAX_REPLY_MB * 2 ** 20
    body = b'"' + b'a' * (most - 2) + b'"'
    sent = gzip.compress(body, compresslevel=1) if encoding == 'gzip' else body
    server = OneReplyServer(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: %s\r\n'
                            b'Content-Length: %d\r\n\r\n' % (encoding.encode(), len(sent)) + sent)
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(max_retries=0))

    reply = transport.request('POST', '/', expect_json=True, json={})

    assert reply.status == 200 and len(reply.body) == most and reply.body == body


def test_a_gzipped_reply_whose_stream_ends_short_is_a_broken_reply_and_sent_again():
    # Its Content-Length matches what came, so the connection gives no sign: the gzip stream itself ends too soon.
    vendor_error = json.dumps({'reply': {'err_code': 500, 'err_msg': 'No quarantined file found'}}).encode()
    whole = gzip.compress(vendor_error)
    server = OneReplyServer(gzipped_reply('500 Internal Server Error', whole[:len(whole) // 2]),
                            gzipped_reply('500 Internal Server Error', whole))
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(max_retries=1))

    reply = transport.request('POST', '/', expect_json=True, json={})

    first, last = reply.attempts
    # README, Reliability: an attempt's faults include "a broken reply"
    assert first.fault == 'a broken reply' and 'does not decode as "gzip"' in first.detail
    assert last.fault is None and reply.status == 500 and reply.body == vendor_error


@pytest.mark.parametrize('encoding, encode', [
    ('gzip, gzip', lambda body: gzip.compress(gzip.compress(body))),
    ('deflate', zlib.compress),
    ('deflate', lambda body: zlib.compress(body)[2:-4]),  # raw deflate, as some servers send it
    ('x-gzip', gzip.compress),
    ('gzip', lambda body: gzip.compress(body[:10]) + gzip.compress(body[10:])),  # two members
    ('gzip', lambda body: gzip.compress(body) + b'\n'),  # a stray byte after the member, which urllib3 leaves out
    ('gzip', lambda body: gzip.compress(body) + b'\x00'),
    ('gzip', lambda body: gzip.compress(body) + b'\r\n'),
    ('gzip', lambda body: gzip.compress(body) + b'\x1f\x8b' + b'not a member'),  # a member's magic, then no member
    ('gzip', lambda body: gzip.compress(body) + b'\x1f\x8b\x08'),  # the start of a member's header, and no more
    ('gzip', lambda body: gzip.compress(body) + gzip.compress(b'')[:-8]),  # a member whose trailer never came
    # RFC 9110 8.4: codings are listed in the order they were applied, so the last one listed is undone first
    ('deflate, gzip', lambda body: gzip.compress(zlib.compress(body))),
    ('gzip, deflate', lambda body: zlib.compress(gzip.compress(body))),
], ids=['gzip twice', 'deflate', 'raw deflate', 'x-gzip', 'two gzip members', 'gzip then a newline',
        'gzip then a nul', 'gzip then crlf', 'gzip then a broken member', 'gzip then a member header cut short',
        'gzip then a member cut short', 'deflate then gzip', 'gzip then deflate'])
def test_a_reply_in_each_content_encoding_urllib3_decodes_is_handed_on_decoded(encoding, encode):
    body = json.dumps({'reply': {'action_id': 1}}).encode()
    encoded = encode(body)
    server = OneReplyServer(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: %s\r\n'
                            b'Content-Length: %d\r\n\r\n' % (encoding.encode(), len(encoded)) + encoded)
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(max_retries=0))

    reply = transport.request('POST', '/', expect_json=True, json={})

    assert reply.body == body


def gzip_members(body: bytes, cuts: list[int]) -> bytes:
    """``body`` gzipped as members, one per piece between ``cuts`` (RFC 1952 2.2: the members together are the file)."""
    ends = sorted({min(cut, len(body)) for cut in cuts} | {len(body)})
    return b''.join(gzip.compress(body[start:end]) for start, end in zip([0, *ends], ends))


def raw_deflate(body: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(body) + compressor.flush()


# How a server may apply each coding the session asks for (RFC 9110 8.4.1): gzip (x-gzip its alias) in one member or
# several, deflate in zlib's format or, as some servers send it, raw.
CODINGS = {'gzip': lambda body, cuts: gzip_members(body, cuts), 'x-gzip': lambda body, cuts: gzip.compress(body),
           'deflate': lambda body, cuts: zlib.compress(body), 'raw deflate': lambda body, cuts: raw_deflate(body)}


def spelled(coding: str, case: str, blanks: str) -> str:
    """A coding's name in Content-Encoding: in any case (RFC 9110 8.4.1: case-insensitive), blanks around it."""
    name = 'deflate' if coding == 'raw deflate' else coding
    return blanks + {'upper': name.upper(), 'title': name.title(), 'lower': name}[case] + blanks


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 3000), max_size=3),
       applied=st.lists(st.tuples(st.sampled_from(sorted(CODINGS)), st.sampled_from(['lower', 'upper', 'title']),
                                  st.sampled_from(['', ' ', '\t'])), min_size=1, max_size=3))
def test_a_reply_in_any_stack_of_the_codings_asked_for_is_handed_on_as_the_body_it_encodes(body, cuts, applied):
    encoded = body
    for coding, _, _ in applied:  # listed in the order applied: the last listed is undone first
        encoded = CODINGS[coding](encoded, cuts)
    header = ','.join(spelled(*coding) for coding in applied).encode()
    server = OneReplyServer(b'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Encoding: %s\r\n'
                            b'Content-Length: %d\r\n\r\n' % (header, len(encoded)) + encoded)
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(max_retries=0))

    reply = transport.request('POST', '/', json={})

    assert reply.attempts[-1].fault is None and reply.body == body


def test_a_reply_in_a_known_coding_stacked_on_an_unknown_one_is_a_broken_reply_naming_its_content_encoding():
    # A coding is undone last applied first: gzip can be, br (never asked for) cannot, so neither is.
    encoded = gzip.compress(json.dumps({'reply': {'action_id': 1}}).encode())
    server = OneReplyServer(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: br, gzip\r\n'
                            b'Content-Length: %d\r\n\r\n' % len(encoded) + encoded)
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(max_retries=0))

    with pytest.raises(ri.RestoreError) as raised:
        transport.request('POST', '/', expect_json=True, json={})

    assert 'answered HTTP 200 with a body that does not decode as "br, gzip" (its Content-Encoding)' \
        in str(raised.value)


def test_a_body_that_is_not_json_in_a_charset_python_does_not_know_is_quoted_as_utf8():
    page = '<html>Service paused: maintenance window</html>'.encode()
    server = OneReplyServer(b'HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=x-no-such-charset\r\n'
                            b'Content-Length: %d\r\n\r\n' % len(page) + page)
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(max_retries=0))

    with pytest.raises(ri.RestoreError) as raised:
        transport.request('POST', '/', expect_json=True, json={})

    assert 'answered with an HTML page' in str(raised.value)  # its words, tags dropped
    assert 'Service paused: maintenance window' in str(raised.value)


def test_a_gzipped_reply_cut_short_by_its_connection_is_a_broken_reply():
    body = gzip.compress(b'{"reply": {"action_id": 1}}')
    server = OneReplyServer(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n'
                            b'Content-Length: %d\r\n\r\n' % len(body) + body[:-12])
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(max_retries=0))

    with pytest.raises(ri.RestoreError) as raised:
        transport.request('POST', '/', expect_json=True, json={})

    assert 'answered HTTP 200 but the reply was cut off before its end' in str(raised.value)


def assert_cut_at_the_read_timeout(server: 'TrickledReplyServer', read_timeout: float) -> None:
    """A request to ``server`` ends in an error saying its reply did not end within the read timeout, and was given up
    on then: the server never got to send its reply's end (the trickle lasts far longer)."""
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(read_timeout=read_timeout,
                                                                                 max_retries=0))
    with pytest.raises(ri.RestoreError) as raised:
        transport.request('POST', '/', expect_json=True, json={})

    assert f'answered HTTP 200 but its reply did not end within {read_timeout} s' in str(raised.value)
    assert not server.tail_sent


class TrickledReplyServer:
    """Answers one request on 127.0.0.1: ``head`` at once, then ``trickled`` a byte every
    ``pace`` seconds for ``seconds``, then ``tail``; each byte comes long within any read timeout."""

    def __init__(self, head: bytes, trickled: bytes, tail: bytes, pace: float, seconds: float,
                 reads: Callable[[socket.socket], object] = read_request):
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.url = f'http://127.0.0.1:{self.listener.getsockname()[1]}'
        self.tail_sent = False  # the trickle went on to its end: the client waited it out
        threading.Thread(target=self._serve, args=(head, trickled, tail, pace, seconds, reads), daemon=True).start()

    def _serve(self, head: bytes, trickled: bytes, tail: bytes, pace: float, seconds: float,
               reads: Callable[[socket.socket], object]):
        with self.listener, self.listener.accept()[0] as connection:
            reads(connection)  # what the client sends first: a request, or a TLS ClientHello
            ends = time.monotonic() + seconds
            try:
                connection.sendall(head)
                while time.monotonic() < ends:
                    connection.sendall(trickled)
                    time.sleep(pace)
                self.tail_sent = True
                connection.sendall(tail)
            except OSError:  # the client gave up and closed the connection
                pass


CHUNKED_HEAD = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'


@pytest.mark.parametrize('head, trickled, tail', [
    # the next chunk's size line, a leading zero at a time (still valid hex)
    (CHUNKED_HEAD + b'7\r\n{"reply\r\n', b'0', b'a\r\n": {"a": 1}\r\n0\r\n\r\n'),
    # after the last chunk, a trailer field a byte at a time
    (CHUNKED_HEAD + b'c\r\n{"reply": 1}\r\n0\r\nX-Trailer: ', b'x', b'\r\n\r\n'),
], ids=['chunk size line', 'trailer'])
def test_a_chunked_reply_whose_framing_trickles_ends_within_the_read_timeout(head, trickled, tail):
    # urllib3 reads a chunk's size line and the trailers a line at a time, each read given the socket's whole timeout
    # again: a byte well within it every time holds the read for as long as the server goes on.
    read_timeout, trickle_s = 1, 30
    server = TrickledReplyServer(head, trickled, tail, pace=read_timeout / 4, seconds=trickle_s)
    assert_cut_at_the_read_timeout(server, read_timeout)


def test_a_chunked_reply_on_a_connection_closed_after_it_whose_framing_trickles_is_cut_at_the_read_timeout_too():
    # "Connection: close" (a server or gateway that ends the connection with the reply): http.client hands the socket
    # to the reply and its connection holds none, yet the reply's framing is read a line at a time as on any other.
    head = CHUNKED_HEAD.replace(b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n') + b'7\r\n{"reply\r\n'
    read_timeout, trickle_s = 1, 30
    server = TrickledReplyServer(head, b'0', b'a\r\n": {"a": 1}\r\n0\r\n\r\n', pace=read_timeout / 4, seconds=trickle_s)
    assert_cut_at_the_read_timeout(server, read_timeout)


def assert_given_up_at_the_attempts_end(url: str, **settings) -> str:
    """A request to ``url``, with 1 s connect and read timeouts, ends in an error saying the answer did not begin
    within both together; the error's text."""
    transport = ri.HttpTransport(url, 'Cortex XDR', ri.TransportSettings(connect_timeout=1, read_timeout=1,
                                                                         max_retries=0, **settings))
    with pytest.raises(ri.RestoreError) as raised:
        transport.request('POST', '/', expect_json=True, json={})

    message = str(raised.value)
    assert 'within 2 s (connect_timeout + read_timeout)' in message and 'answered HTTP' not in message, message
    return message


@pytest.mark.parametrize('head, trickled', [
    (b'HTTP/1.1 200 O', b'K'),  # the status line's reason phrase, a letter at a time
    (b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: ', b'x'),  # a header's value
], ids=['status line', 'header'])
def test_a_reply_whose_status_line_or_headers_trickle_ends_within_the_connect_and_read_timeouts(head, trickled):
    # http.client reads the status line and each header a line at a time, each read given urllib3's read timeout
    # again: a byte well within it every time would hold the attempt for as long as the server goes on.
    server = TrickledReplyServer(head, trickled, b'\r\n\r\n', pace=0.25, seconds=15)
    assert 'status line and headers' in assert_given_up_at_the_attempts_end(server.url)
    assert not server.tail_sent


def test_a_proxys_reply_to_connect_that_trickles_ends_within_the_connect_and_read_timeouts(monkeypatch):
    # An https request through the proxy this machine's environment sets begins with CONNECT, whose reply http.client
    # reads a line at a time, each read given the connect timeout again.
    server = TrickledReplyServer(b'HTTP/1.1 200 Con', b'n', b'\r\n\r\n', pace=0.25, seconds=15)
    for name in ('HTTPS_PROXY', 'https_proxy'):
        monkeypatch.setenv(name, server.url)
    for name in ('NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)
    assert_given_up_at_the_attempts_end('https://vendor.invalid', proxy=True)
    assert not server.tail_sent


def test_a_tls_handshake_that_trickles_ends_within_the_connect_timeout():
    # After the ClientHello, the server's first TLS record (a handshake record of 16 KB, RFC 8446 5.1) comes a byte at
    # a time. Python's ssl runs a handshake to one deadline, the socket's timeout (urllib3's connect timeout, cut to
    # the run), not a read's: the slow handshake ends there.
    server = TrickledReplyServer(b'\x16\x03\x03\x40\x00', b'\x00', b'', pace=0.25, seconds=15,
                                 reads=lambda connection: connection.recv(65536))
    transport = ri.HttpTransport(server.url.replace('http:', 'https:'), 'Cortex XDR', ri.TransportSettings(
        connect_timeout=1, read_timeout=1, max_retries=0, verify=False))
    with pytest.raises(ri.RestoreError) as raised:
        transport.request('POST', '/', expect_json=True, json={})

    assert 'did not accept a connection within 1 s' in str(raised.value)
    assert not server.tail_sent


@pytest.fixture
def hanging_lookup(monkeypatch):
    """A name whose lookup hangs for 15 s, as one does while the resolver waits on a DNS server that does not answer
    (resolv.conf's timeout and attempts per server: the system's, not ours to set): (name, ended), ``ended`` set once
    that lookup is over. The one fault here not made over the network: no loopback server makes getaddrinfo wait."""
    name, ended, lookup = 'resolver-hangs.invalid', threading.Event(), socket.getaddrinfo

    def hanging(host, *args, **kwargs):
        if host != name:
            return lookup(host, *args, **kwargs)
        time.sleep(15)
        ended.set()
        raise socket.gaierror(socket.EAI_AGAIN, 'Temporary failure in name resolution')

    monkeypatch.setattr(socket, 'getaddrinfo', hanging)
    return name, ended


def test_a_name_lookup_that_hangs_ends_within_the_connect_and_read_timeouts(hanging_lookup):
    name, ended = hanging_lookup
    assert 'name lookup' in assert_given_up_at_the_attempts_end(f'http://{name}')
    assert not ended.is_set()  # given up while the lookup still hung


def test_a_name_lookup_that_hangs_says_to_check_the_proxy_setting_by_its_dialog_label(hanging_lookup):
    # The advice names the setting to check as the instance dialog labels it, beside its name, as other faults' do.
    name, _ = hanging_lookup
    message = assert_given_up_at_the_attempts_end(f'http://{name}')
    assert 'Check DNS, the network path and "Use system proxy settings" (proxy)' in message, message


@pytest.fixture
def full_listener():
    """A server on 127.0.0.1 whose queue of connections to accept is full: a new connection is never accepted."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname(), timeout=2)
    yield f'http://127.0.0.1:{listener.getsockname()[1]}'
    filler.close()
    listener.close()


def test_a_connection_cut_short_by_the_runs_end_says_the_time_left_not_the_connect_timeout(full_listener, monkeypatch):
    clock = FakeClock(0.0)
    transport = ri.HttpTransport(full_listener, 'Cortex XDR', ri.TransportSettings(connect_timeout=60, max_retries=0),
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock))
    clock.advance(facts.XSOAR_COMMAND_TIMEOUT_SECONDS - 16)  # a few seconds of the run left
    given, connect = [], urllib3.util.connection.create_connection

    def recorded(address, timeout, *args, **kwargs):  # the time urllib3 gives the connect, which then runs as ever
        given.append(timeout)
        return connect(address, timeout, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, 'create_connection', recorded)

    with pytest.raises(ri.RestoreError) as raised:
        transport.request('POST', '/', json={})

    assert len(given) == 1 and given[0] < 16  # the run's rest, not the 60 s connect timeout
    assert 'did not accept a connection within' in str(raised.value)
    assert 'within 60 s' not in str(raised.value) and 's left of this run' in str(raised.value)


@pytest.fixture
def silent_listener():
    """A server on 127.0.0.1 that takes connections (the kernel's queue) and never answers a request."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)
    yield f'http://127.0.0.1:{listener.getsockname()[1]}'
    listener.close()


@pytest.mark.parametrize('server, timeout_setting', [('full_listener', 'connect'), ('silent_listener', 'read')])
def test_an_attempt_ended_by_the_runs_end_is_not_advised_a_larger_timeout(request, server, timeout_setting):
    # XSOAR's command timeout ended the attempt, not the 60 s timeout: raising the timeout changes nothing
    clock = FakeClock(0.0)
    transport = ri.HttpTransport(request.getfixturevalue(server), 'Cortex XDR',
                                 ri.TransportSettings(connect_timeout=60, read_timeout=60, max_retries=0),
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock))
    clock.advance(facts.XSOAR_COMMAND_TIMEOUT_SECONDS - 16)

    with pytest.raises(ri.RestoreError) as raised:
        transport.request('POST', '/', json={})

    message = str(raised.value)
    assert 's left of this run' in message
    assert f'raise the {timeout_setting} timeout' not in message and 'try again later' in message.lower()
    # README, One run stays short: a timeout longer than the run is cut to its time, "and the error says so, naming
    # both settings"
    assert 'connect_timeout' in message and 'read_timeout' in message, message


class ResetMidBodyServer(OneReplyServer):
    """Answers one request with ``reply`` (its head and part of the body its Content-Length promises), then resets the
    connection (SO_LINGER 0, then close: a TCP RST), as a crashed proxy would."""

    def _serve(self, *replies: bytes):
        with self.listener, self.listener.accept()[0] as connection:
            read_request(connection)
            connection.sendall(replies[0])
            time.sleep(0.3)  # the head read first: the reset meets the body's read, not the status line's
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))


def test_a_reset_in_the_middle_of_a_reply_body_is_said_by_the_errors_name_and_words_not_its_number_and_quotes():
    server = ResetMidBodyServer(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n'
                                b'{"reply": {"status": ')
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(max_retries=0))

    with pytest.raises(ri.RestoreError) as raised:
        transport.request('POST', '/', expect_json=True, json={})

    message = str(raised.value)
    assert 'cut off' in message and errno.errorcode[errno.ECONNRESET] in message, message
    assert os.strerror(errno.ECONNRESET) in message and f'{errno.ECONNRESET},' not in message, message
    assert f"'{os.strerror(errno.ECONNRESET)}'" not in message, message


class KeptAliveServer:
    """Answers every request on 127.0.0.1 with ``reply``, keeping the connection for the next one; ``served`` is,
    request by request, the number of the connection (from 0, in the order accepted) it came on."""

    def __init__(self, reply: bytes):
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.url = f'http://127.0.0.1:{self.listener.getsockname()[1]}'
        self.served: list[int] = []
        self.all_sent = threading.Event()  # a reply was sent whole (the connection kept)
        threading.Thread(target=self._serve, args=(reply,), daemon=True).start()

    def _serve(self, reply: bytes):
        with self.listener:
            for number in itertools.count():
                with self.listener.accept()[0] as connection:
                    received = b''
                    while data := connection.recv(65536):  # until the client closes it
                        received += data
                        while b'\r\n\r\n' in received:  # requests without a body
                            received = received.partition(b'\r\n\r\n')[2]
                            self.served.append(number)
                            connection.sendall(reply)
                            self.all_sent.set()


@pytest.fixture
def pooled_socket_calls(request, monkeypatch) -> list[str]:
    """The settimeout and shutdown calls made on a socket while its connection sat in urllib3's pool (put back by
    the reply read on it, not yet taken by the next request). The pool's first put back is held ``request.param``
    seconds: a chunked reply's timer, due at the read timeout, fires while the pool may hand that connection on."""
    idle, calls, held = set(), [], []  # held: the pool's first put back was held
    put_conn, get_conn = urllib3.HTTPConnectionPool._put_conn, urllib3.HTTPConnectionPool._get_conn

    def put_back(pool, conn) -> None:
        if conn is not None and conn.sock is not None:
            idle.add(conn.sock)
        put_conn(pool, conn)
        if not held:
            held.append(conn)
            time.sleep(request.param)

    def taken(pool, timeout=None):
        conn = get_conn(pool, timeout)
        idle.discard(conn.sock)
        return conn

    def watched(name: str):
        call = getattr(socket.socket, name)

        def recorded(sock, *args):
            if sock in idle:
                calls.append(name)
            return call(sock, *args)
        return recorded

    monkeypatch.setattr(urllib3.HTTPConnectionPool, '_put_conn', put_back)
    monkeypatch.setattr(urllib3.HTTPConnectionPool, '_get_conn', taken)
    for name in ('settimeout', 'shutdown'):
        monkeypatch.setattr(socket.socket, name, watched(name))
    return calls


@pytest.mark.parametrize('reply, pooled_socket_calls', [
    (b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"reply": 1}', 0),
    (CHUNKED_HEAD + b'c\r\n{"reply": 1}\r\n0\r\n\r\n', 1),  # held past the 0.5 s read timeout
], ids=['Content-Length', 'chunked'], indirect=['pooled_socket_calls'])
def test_a_reply_read_whole_leaves_its_pooled_connection_to_the_next_request_untouched(pooled_socket_calls, reply):
    # urllib3 puts a kept-alive connection back in the pool within the read that ends its reply: the reader must not
    # set a timeout on its socket after that, nor a chunked reply's timer shut it down (nor end that reply as late).
    server = KeptAliveServer(reply)
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(read_timeout=0.5, max_retries=0))

    replies = [transport.request('GET', '/', expect_json=True).json() for _ in range(2)]

    assert replies == [{'reply': 1}] * 2
    assert server.served == [0, 0]  # the second request went on the first one's connection, as the pool handed it on
    assert pooled_socket_calls == []


def test_a_reply_whose_last_bytes_were_read_as_the_read_time_ran_out_is_taken_whole_not_sent_again(monkeypatch):
    body = b'{"reply": {"status": "done"}}'
    server = OneReplyServer(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s'
                            % (len(body), body))
    clock = FakeClock(0.0)
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(read_timeout=5, max_retries=1),
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock))
    # the time is up once the body's last byte is read
    time_up_once_read(monkeypatch, clock, body)

    reply = transport.request('PUT', '/', json={})

    assert reply.status == 200 and reply.body == body
    assert len(reply.attempts) == 1  # not sent again


def test_an_empty_reply_whose_head_came_as_the_attempt_ran_out_is_taken_not_sent_again():
    # The status line and headers came in the moments an attempt is waited for past its end: its empty body (as
    # HSS's PUT answers) has nothing left to read
    server = OneReplyServer(b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
    clock = FakeClock(0.0)
    transport = ri.HttpTransport(server.url, 'Huawei Cloud HSS',
                                 ri.TransportSettings(connect_timeout=5, read_timeout=5, max_retries=1),
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock))

    reply = transport.request('PUT', '/', json={}, hooks={'response': lambda response, **_: clock.advance(11)})

    assert reply.status == 200 and reply.body == b''
    assert len(reply.attempts) == 1


def test_a_reply_whose_body_came_with_its_late_head_is_taken_whole_not_sent_again():
    # The status line and headers came in the moments an attempt is waited for past its end, the body with them: it
    # has all come, so one last read that waits for nothing takes it
    body = b'{"reply": {"status": "done"}}'
    server = OneReplyServer(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s'
                            % (len(body), body))
    clock = FakeClock(0.0)
    transport = ri.HttpTransport(server.url, 'Cortex XDR',
                                 ri.TransportSettings(connect_timeout=5, read_timeout=5, max_retries=1),
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock))

    reply = transport.request('PUT', '/', json={}, hooks={'response': lambda response, **_: clock.advance(11)})

    assert reply.status == 200 and reply.body == body
    assert len(reply.attempts) == 1


def time_up_once_read(monkeypatch, clock: FakeClock, ending: bytes, sent_first: threading.Event | None = None) -> None:
    """The read that brings ``ending`` (what was received ends with it) ends the time: the clock goes past the 5 s
    read timeout (once ``sent_first`` is set, if given: what the server sends after it, its close, has come), what
    came after it unread."""
    read, received = urllib3.response.HTTPResponse.read1, bytearray()

    def read_then_time_up(response, *args, **kwargs):
        piece = read(response, *args, **kwargs)
        received.extend(piece)
        if piece and received.endswith(ending):
            # the server's own signal, not a fixed pause, which a loaded machine could let pass before it sent
            assert sent_first is None or sent_first.wait(10), 'the server did not send the rest'
            clock.advance(10)
        return piece

    monkeypatch.setattr(urllib3.response.HTTPResponse, 'read1', read_then_time_up)


def late_past_the_attempts_end(clock: FakeClock, all_sent: threading.Event) -> Callable[..., None]:
    """A response hook: the status line and headers came in the moments an attempt is waited for past its end, once
    the server had sent all it sends (and closed the connection if it closes it): once ``all_sent`` is set."""
    def late(response, **_) -> None:
        # the server's own signal, not a fixed pause, which a loaded machine could let pass before it sent all
        assert all_sent.wait(10), 'the server did not send all of its reply'
        clock.advance(11)  # past the 5 s connect and read timeouts
    return late


def put_with_a_late_head(server: OneReplyServer) -> ri.VendorReply:
    """A PUT to ``server`` (one attempt and one retry, 5 s timeouts) whose reply head is read past the attempt's end."""
    clock = FakeClock(0.0)
    transport = ri.HttpTransport(server.url, 'Huawei Cloud HSS',
                                 ri.TransportSettings(connect_timeout=5, read_timeout=5, max_retries=1),
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock))
    return transport.request('PUT', '/', json={}, hooks={'response': late_past_the_attempts_end(clock,
                                                                                                  server.all_sent)})


def assert_taken_whole_after_its_late_head(raw: bytes, body: bytes) -> None:
    """A reply ``raw`` sent whole on a kept connection, its head read past the attempt's end: taken, not sent again."""
    server = KeptAliveServer(raw)
    clock = FakeClock(0.0)
    transport = ri.HttpTransport(server.url, 'Huawei Cloud HSS',
                                 ri.TransportSettings(connect_timeout=5, read_timeout=5, max_retries=1),
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock))

    reply = transport.request('GET', '/', hooks={'response': late_past_the_attempts_end(clock, server.all_sent)})

    assert reply.status == 200 and reply.body == body
    assert len(reply.attempts) == 1 and server.served == [0]


def test_a_chunked_reply_that_came_whole_with_its_late_head_on_a_kept_connection_is_taken_not_sent_again():
    body = b'{"reply": {"status": "done"}}'
    assert_taken_whole_after_its_late_head(CHUNKED_HEAD + b'%x\r\n%s\r\n0\r\n\r\n' % (len(body), body), body)


def test_a_reply_of_90_kb_that_came_whole_with_its_late_head_on_a_kept_connection_is_taken_not_sent_again():
    # Past the attempt's end, reads go on only as far as what had come by then: all of a body larger than http.client's
    # and TLS's buffers had (a loopback socket holds about 110 KB unread)
    body = b'{"reply": "%s"}' % (b'x' * 90_000)
    assert_taken_whole_after_its_late_head(
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' % (len(body), body), body)


def test_a_chunked_reply_whose_last_chunk_had_come_unread_as_the_read_time_ran_out_is_taken_whole_not_sent_again(
        monkeypatch):
    body = b'{"reply": 1}'
    server = OneReplyServer(CHUNKED_HEAD + b'%x\r\n%s\r\n0\r\n\r\n' % (len(body), body))
    clock = FakeClock(0.0)
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(read_timeout=5, max_retries=1),
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock))
    # the time is up once the body's data is read: the last chunk (0 CRLF CRLF) not read
    time_up_once_read(monkeypatch, clock, body)

    reply = transport.request('PUT', '/', json={})

    assert reply.status == 200 and reply.body == body
    assert len(reply.attempts) == 1  # not sent again


def assert_not_ended_in_time_once_read(monkeypatch, server, first: bytes) -> None:
    """A GET of the reply ``server`` sends, the time up once ``first`` is read (the rest not come): it did not end."""
    clock = FakeClock(0.0)
    transport = ri.HttpTransport(server.url, 'Cortex XDR', ri.TransportSettings(read_timeout=5, max_retries=0),
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock))
    time_up_once_read(monkeypatch, clock, first)

    with pytest.raises(ri.RestoreError) as raised:
        transport.request('GET', '/', expect_json=True)

    assert 'answered HTTP 200 but its reply did not end within 5 s' in str(raised.value)


def test_a_chunked_reply_whose_next_size_line_had_come_in_part_as_the_read_time_ran_out_is_not_taken_as_ended(
        monkeypatch):
    # After its first chunk, the next chunk's size line "0a" came only as far as its "0" (the rest comes later): the
    # last read must not take that "0" for the last chunk, and hand on the body's first chunk as the whole body.
    first = b'{"reply": 1'
    server = TrickledReplyServer(CHUNKED_HEAD + b'%x\r\n%s\r\n0' % (len(first), first), b'', b'a\r\n, "more": 1}\r\n'
                                 b'0\r\n\r\n', pace=0.1, seconds=5)
    # the time is up once the first chunk is read: the "0" come with the first chunk unread
    assert_not_ended_in_time_once_read(monkeypatch, server, first)


CLOSED_HEAD = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n'  # ends as it closes


def test_a_reply_ended_by_its_close_that_came_with_its_late_head_is_taken_whole_not_sent_again():
    # No Content-Length: the body ends as the server closes the connection. The head, the body and the close came in
    # the moments an attempt is waited for past its end: all of it had come, so a last read takes it
    body = b'{"reply": {"status": "done"}}'

    reply = put_with_a_late_head(OneReplyServer(CLOSED_HEAD + body))

    assert reply.status == 200 and reply.body == body
    assert len(reply.attempts) == 1


def close_come_unread_as_the_read_time_ran_out(monkeypatch, body: bytes, max_retries: int) -> ri.HttpTransport:
    """A transport to a server that answers one request with ``body`` and closes: the read that brings the body ends
    the read time, once the close had come."""
    server = OneReplyServer(CLOSED_HEAD + body)
    clock = FakeClock(0.0)
    settings = ri.TransportSettings(read_timeout=5, max_retries=max_retries)
    transport = ri.HttpTransport(server.url, 'Huawei Cloud HSS', settings,
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock))
    # the time is up once the body is read: the close unread
    time_up_once_read(monkeypatch, clock, body, sent_first=server.all_sent)
    return transport


def test_a_reply_ended_by_its_close_that_had_come_unread_as_the_read_time_ran_out_is_taken_whole_not_sent_again(
        monkeypatch):
    body = b'{"reply": 1}'

    reply = close_come_unread_as_the_read_time_ran_out(monkeypatch, body, 1).request('PUT', '/', json={})

    assert reply.status == 200 and reply.body == body
    assert len(reply.attempts) == 1  # not sent again


def test_where_python_has_no_pollrdhup_a_reply_whose_close_had_come_unread_is_not_taken_as_ended_nor_a_crash(
        monkeypatch):
    # macOS's select has no POLLRDHUP: whether the close had come is not known, so the reply is not taken as ended
    monkeypatch.delattr(select, 'POLLRDHUP', raising=False)
    transport = close_come_unread_as_the_read_time_ran_out(monkeypatch, b'{"reply": 1}', 0)

    with pytest.raises(ri.RestoreError) as raised:
        transport.request('PUT', '/', json={})

    assert 'answered HTTP 200 but its reply did not end within 5 s' in str(raised.value)


def test_a_reply_ended_by_its_close_that_had_not_come_as_the_read_time_ran_out_is_not_taken_as_ended(
        monkeypatch):
    # The body's first part came, the rest and the close come later: the last read must not take it as ended
    first = b'{"reply": 1'
    server = TrickledReplyServer(CLOSED_HEAD + first, b'', b', "more": 1}', pace=0.1, seconds=5)
    assert_not_ended_in_time_once_read(monkeypatch, server, first)
    assert not server.tail_sent


class HeldOpenServer(OneReplyServer):
    """Answers one request with ``reply``'s parts, 0.1 s apart (``all_sent`` set after the last), then holds the
    connection open 5 s before closing it (``closed`` set then): all of the reply came long before its close."""

    def _serve(self, *parts: bytes):
        self.closed = threading.Event()
        with self.listener, self.listener.accept()[0] as connection:
            read_request(connection)
            for part in parts:
                connection.sendall(part)
                time.sleep(0.1)
            self.all_sent.set()
            time.sleep(5)
        self.closed.set()


def test_a_reply_with_a_content_length_that_came_whole_with_its_late_head_but_not_its_close_is_taken_not_sent_again():
    # "Connection: close" and a Content-Length: all its Content-Length came in the moments an attempt is waited for
    # past its end, its close did not. It is whole, close or not: a PUT's answer is not lost.
    body = b'{"reply": {"status": "done"}}'
    server = HeldOpenServer(CLOSED_HEAD.replace(b'\r\n\r\n', b'\r\nContent-Length: %d\r\n\r\n' % len(body)) + body)

    reply = put_with_a_late_head(server)

    assert reply.status == 200 and reply.body == body
    assert len(reply.attempts) == 1 and not server.closed.is_set()  # taken then, not once the close came


def test_a_reply_with_a_content_length_whose_rest_had_come_unread_but_not_its_close_is_taken_not_sent_again(
        monkeypatch):
    first, rest = b'{"reply": ', b'{"status": "done"}}'
    server = HeldOpenServer(CLOSED_HEAD.replace(b'\r\n\r\n', b'\r\nContent-Length: %d\r\n\r\n' % len(first + rest))
                            + first, rest)
    clock = FakeClock(0.0)
    transport = ri.HttpTransport(server.url, 'Huawei Cloud HSS', ri.TransportSettings(read_timeout=5, max_retries=1),
                                 limiter=ri.AdaptiveRateLimiter(1000, clock=clock))
    # the time is up once the body's first part is read and the server has sent its rest (all_sent): that rest come
    # unread, the close not
    time_up_once_read(monkeypatch, clock, first, sent_first=server.all_sent)

    reply = transport.request('PUT', '/', json={})

    assert reply.status == 200 and reply.body == first + rest
    assert len(reply.attempts) == 1 and not server.closed.is_set()


def test_bytes_come_unread_count_the_same_on_a_tls_socket_as_on_a_plain_one(tmp_path_factory):
    # unread_bytes bounds what reads past an attempt's end may take: what had come by then. On TLS, bytes that had come
    # may wait decrypted in the SSL object (a record is read whole), no longer in the kernel's receive queue
    certfile, keyfile = self_signed(tmp_path_factory, '127.0.0.1', 'IP:127.0.0.1')
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(certfile, keyfile)
    client_side = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_side.load_verify_locations(certfile)
    plain, plain_peer = socket.socketpair()
    raw, raw_peer = socket.socketpair()
    idle, idle_peer = socket.socketpair()  # nothing sent: what unread_bytes counts beyond the bytes that came
    sent = b'x' * 16_000  # one TLS record (16 KB at most)
    with plain, plain_peer, raw, raw_peer, idle, idle_peer:
        served = []

        def serve():
            served.append(server_side.wrap_socket(raw_peer, server_side=True))

        handshake = threading.Thread(target=serve)
        handshake.start()
        tls = client_side.wrap_socket(raw, server_hostname='127.0.0.1')
        handshake.join()
        for sender, receiver in ((plain_peer, plain), (served[0], tls)):
            sender.sendall(sent)
            assert receiver.recv(1) == b'x'  # the rest comes, unread

        assert ri.unread_bytes(tls) == ri.unread_bytes(plain)
        assert ri.unread_bytes(plain) - ri.unread_bytes(idle) == len(sent) - 1
