"""A vendor page that names no charset is read as the bytes were written: UTF-8, as servers write text now, when
they are UTF-8 (RFC 7231, appendix B, dropped HTTP/1.1's ISO-8859-1 default for text/*), else Latin-1, byte for
byte. Read as Latin-1, each non-ASCII character of a secret the page quotes showed as two others ('é' as 'Ã©'),
which no spelling of the secret holds: the rest of it showed, between them."""
from __future__ import annotations

import json
import secrets
import string

from hypothesis import given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

import restore_integration as ri
from secret_pieces import pieces
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto

# What an HTTP header carries (Latin-1), past ASCII: a standard Cortex XDR key is sent as it is in Authorization
LATIN1_LETTERS = ''.join(chr(code) for code in range(0xC0, 0x100) if chr(code).isalpha())
# A key's ASCII letters and digits: random, so that no other text of the run holds a piece of them by chance
PLAIN_KEY = ''.join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


class PageEcho:
    """A gateway's error page quoting the Authorization header it received, in UTF-8, its Content-Type naming no
    charset (``content_type``)."""

    def __init__(self):
        self.content_type, self.pages = 'text/plain', []
        self.server = LoopbackServer(self._app).start()

    def _app(self, request):
        page = f'<p>Request refused.</p><pre>Authorization: {request.headers.get("Authorization", "")}</pre>'
        self.pages.append(page)
        return Response(400, page.encode('utf-8'), {'Content-Type': self.content_type})


ECHO = PageEcho()  # one server for every example: hypothesis runs each on the same fixture otherwise


def restore_file_shown(url: str, key: str) -> str:
    """Everything a restore-file run against ``url`` with the API key ``key`` shows: its entries and its log."""
    params = {'xdr_url': url, 'xdr_api_key_id': '7', 'xdr_api_key': {'password': key},
              'xdr_auth_type': 'standard', 'max_retries': '0'}
    demisto = Demisto(params, 'restore-file', {'file_hash': 'a' * 64}, {}, [])
    ri.main(demisto)
    return json.dumps(demisto.entries, ensure_ascii=False) + json.dumps(demisto.log, ensure_ascii=False)


@settings(max_examples=25, deadline=None)
@given(at=st.integers(1, len(PLAIN_KEY) - 1), letters=st.text(LATIN1_LETTERS, min_size=1, max_size=3),
       content_type=st.sampled_from(['text/plain', 'text/html']))
def test_a_page_naming_no_charset_that_quotes_a_key_with_latin1_letters_shows_no_piece_of_it(at, letters,
                                                                                              content_type):
    key = PLAIN_KEY[:at] + letters + PLAIN_KEY[at:]
    ECHO.content_type, ECHO.pages = content_type, []
    shown = restore_file_shown(ECHO.server.url, key)
    assert 'Cortex XDR answered HTTP 400' in shown and 'Request refused' in shown
    assert ECHO.pages and all(key in page for page in ECHO.pages)  # the page did quote it, as sent
    assert not [piece for piece in pieces(key, 8) if piece in shown]


@given(text=st.text(st.characters(blacklist_categories=('Cs',))),  # (a lone surrogate is no UTF-8)
       content_type=st.sampled_from(['text/plain', 'text/html', 'application/xml', '']))
def test_a_reply_naming_no_charset_written_in_utf8_is_read_as_written(text, content_type):
    reply = ri.VendorReply(502, CaseInsensitiveDict({'Content-Type': content_type}), text.encode('utf-8'))
    assert reply.text == text


@given(text=st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), min_size=1))
def test_a_reply_naming_no_charset_that_is_not_utf8_is_read_byte_for_byte(text):
    body = text.encode('latin-1')
    try:
        body.decode('utf-8')
    except UnicodeDecodeError:
        reply = ri.VendorReply(502, CaseInsensitiveDict({'Content-Type': 'text/html'}), body)
        assert reply.text == text


def test_a_reply_naming_its_charset_is_read_in_it():
    page = 'Zugriff verweigert: Schlüssel ungültig'
    reply = ri.VendorReply(401, CaseInsensitiveDict({'Content-Type': 'text/html; charset=ISO-8859-1'}),
                           page.encode('latin-1'))
    assert reply.text == page


class ReplacingEcho:
    """A server that reads the Authorization header as UTF-8, which a Latin-1 letter is not: it quotes the header with
    U+FFFD, the replacement character, in that letter's place. Go's encoding/json writes an invalid byte of a string
    so; a page declaring UTF-8 that holds the header's bytes as they came is read so (``raw``)."""

    def __init__(self):
        self.raw, self.quoted = False, []
        self.server = LoopbackServer(self._app).start()

    def _app(self, request):
        sent = request.headers.get('Authorization', '').encode('latin-1')
        if self.raw:
            self.quoted.append(sent.decode('utf-8', 'replace'))  # as a reader of that page reads it
            page = b'<p>Request refused.</p><pre>Authorization: ' + sent + b'</pre>'
            return Response(400, page, {'Content-Type': 'text/html; charset=utf-8'})
        self.quoted.append(sent.decode('utf-8', 'replace'))
        reply = {'reply': {'err_code': 401, 'err_msg': f'Request refused: Authorization {self.quoted[-1]}'}}
        return Response(401, json.dumps(reply).encode(), {'Content-Type': 'application/json'})


REPLACING = ReplacingEcho()


@settings(max_examples=25, deadline=None)
@given(at=st.integers(1, len(PLAIN_KEY) - 1), letters=st.text(LATIN1_LETTERS, min_size=1, max_size=3),
       raw=st.booleans())
def test_a_key_quoted_back_with_its_latin1_letters_replaced_shows_no_piece_of_it(at, letters, raw):
    key = PLAIN_KEY[:at] + letters + PLAIN_KEY[at:]
    REPLACING.raw, REPLACING.quoted = raw, []
    shown = restore_file_shown(REPLACING.server.url, key)
    assert 'Cortex XDR answered HTTP 40' in shown and 'Request refused' in shown
    # the vendor quoted it with each letter replaced: the key's other characters all there
    assert REPLACING.quoted and all(PLAIN_KEY[:at] + '\ufffd' in text for text in REPLACING.quoted)
    assert not [piece for piece in pieces(key.replace(letters, '\ufffd' * len(letters)), 8) if piece in shown]
    assert not [piece for piece in pieces(PLAIN_KEY, 8) if piece in shown]
