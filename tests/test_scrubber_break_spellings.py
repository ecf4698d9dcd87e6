"""A secret a vendor split across lines at a line break written as a page or a URL writes one: an HTML character
reference (&#10;, &#xA;, &#13;; escaped again, &amp;#10;, by a page that quotes a text already escaped), URL-encoded
(%0A, %0D), JSON's \\u escape (\\u000a, \\u000d), or the \\x escape of Python, C and a server log (\\x0a, \\x0d).
Each is a line break (HTML 5 numeric character references; RFC 3986 percent-encoding of the byte 0x0A / 0x0D; RFC 8259
\\uXXXX; C's and Python's hexadecimal escape sequences), so the secret must go whole, from its first piece to its
last, as it goes split at a line break as is. Sequences that only look like one (&#100; is "d", %250A is "%0A"
URL-encoded) are not breaks: nothing around them is joined.

A scrubber that does nothing fails every test here that a secret reaches: each one first shows the echo carried it.
"""
from __future__ import annotations

import json
import re
import secrets
import string
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from secret_pieces import pieces
from test_scrubber import CASES, IAM_TOKEN, XDR_KEY, PageEchoVendor, folded, quoted_back, run_main, shown_through
from test_scrubber_hex_secrets import QuotingVendor

import facts
import restore_integration as ri
from warroom.emulator.httpserver import Response

# A line feed and a carriage return as a page, a URL, a JSON text and a C or Python escape may write them (and CRLF so
# written)
BREAKS = ['&#10;', '&#xA;', '&#xa;', '&#13;', '&#13;&#10;', '%0A', '%0a', '%0D', '%0D%0A', '\\u000a', '\\u000A',
          '\\u000d', '\\u000d\\u000a', '&amp;#10;', '&amp;#xA;', '&amp;#13;&amp;#10;', '\\x0a', '\\x0D',
          '\\x0d\\x0a']


@pytest.mark.parametrize('line_break', BREAKS)
@pytest.mark.parametrize('command, args, vendor, mode', [case for case in CASES if case[3] in ('standard', 'token')])
def test_no_piece_of_a_secret_survives_a_vendor_that_quotes_it_back_split_at_written_line_breaks(
        command, args, vendor, mode, line_break):
    echo, shown, carried = quoted_back(folded(40, line_break), command, args, vendor, mode)
    assert all(carried not in text for text in echo.echoed)  # split: not quoted whole, but whole without the breaks
    assert any(carried in text.replace(line_break, '') for text in echo.echoed)
    assert not [piece for piece in pieces(carried) if piece in shown]


@pytest.mark.parametrize('line_break', ['&#10;', '&#xA;', '&#13;&#10;', '&amp;#10;', '%0A', '\\u000a', '\\x0a', '<br>',
                                        '<br/>', '<BR>'])
@pytest.mark.parametrize('command, args, vendor, mode', CASES[0:4:3])  # each vendor's, with the secret it sends
def test_no_piece_of_a_secret_survives_a_page_that_folds_it_at_written_line_breaks_and_is_cut_short(
        command, args, vendor, mode, line_break):
    shows_no_piece_through_a_folding_page(command, args, vendor, mode, line_break)


# Where a page lets a long value wrap with no line break of its own (HTML 5: <wbr>, a line break opportunity; a soft
# hyphen, U+00AD, &shy;; a zero-width space, U+200B), as a tag, a reference or the character itself
WORD_BREAKS = ['<wbr>', '<wbr/>', '<WBR>', '&shy;', '&#173;', '&#xAD;', '&#8203;', '&#x200B;', '\u00ad', '\u200b']


@pytest.mark.parametrize('word_break', WORD_BREAKS)
@pytest.mark.parametrize('command, args, vendor, mode', CASES[0:4:3])  # each vendor's, with the secret it sends
def test_no_piece_of_a_secret_survives_a_page_that_lets_it_wrap_at_word_break_opportunities(command, args, vendor, mode,
                                                                                          word_break):
    shows_no_piece_through_a_folding_page(command, args, vendor, mode, word_break)


# Tags a page writes inside what it quotes (a highlight, a span, a comment), which html_page_note drops
@pytest.mark.parametrize('tag', ['<b></b>', '<span class="key">', '</span>', '<!-- -->'])
@pytest.mark.parametrize('command, args, vendor, mode', CASES[0:4:3])  # each vendor's, with the secret it sends
def test_no_piece_of_a_secret_survives_a_page_that_splits_it_with_tags(command, args, vendor, mode, tag):
    shows_no_piece_through_a_folding_page(command, args, vendor, mode, tag)


# The same tags in a vendor's JSON error (a message that highlights what it quotes), which no page's reading drops
@pytest.mark.parametrize('tag', ['<b></b>', '<mark>', '</span>', '<!-- -->'])
@pytest.mark.parametrize('command, args, vendor, mode', CASES[0:4:3])  # each vendor's, with the secret it sends
def test_no_piece_of_a_secret_survives_a_vendor_s_json_that_splits_it_with_tags(command, args, vendor, mode, tag):
    echo, shown, carried = quoted_back(folded(7, tag), command, args, vendor, mode)
    assert 'html' not in shown.lower()  # not said as a page's
    assert all(carried not in text for text in echo.echoed)  # split: not quoted whole, but whole without the tags
    assert any(carried in text.replace(tag, '') for text in echo.echoed)
    # the tags out (with the \\ a table cell escapes their < with), what is left holds no 8 characters of it
    assert not [piece for piece in pieces(carried, 8) if piece in re.sub(r'\\*<[^<>]*>', '', shown)]


def shows_no_piece_through_a_folding_page(command, args, vendor, mode, mark):
    """A run against a page that folds what it quotes at ``mark`` (BreakTagPageEcho) shows no 8 characters of the
    secret the run sent, which the page quoted."""
    echo = BreakTagPageEcho(mark)
    shown = shown_through(echo, command, args, vendor, mode)
    carried = XDR_KEY if vendor == 'xdr' else IAM_TOKEN
    assert 'answered HTTP 400' in shown
    assert any(carried in text.replace(mark, '') for text in echo.echoed)  # the page quoted it, folded
    assert not [piece for piece in pieces(carried, 8) if piece in shown]


# An IAM password of words (Huawei's password policy takes blanks), its ends marked
WORDED_PASSWORD = ' '.join(['Hq' + secrets.token_urlsafe(6), secrets.token_urlsafe(6), secrets.token_urlsafe(6) + 'Zq'])


@pytest.mark.parametrize('tag', ['<b></b>', '<span class="key">', '<!-- -->', '<br>'])
def test_no_piece_of_a_password_of_words_survives_a_page_that_splits_it_with_tags(tag):
    # The page quotes the password with a tag every 5 characters: once its tags are dropped (html_page_note), each is
    # a blank beside the password's own, in its words and between them
    pages = []

    def iam(request):
        password = json.loads(request.body)['auth']['identity']['password']['user']['password']
        pages.append('<html><body><p>Login refused for ' + tag.join(folded(5, '\n')(password).split('\n')) + '</p>')
        return Response(401, pages[-1].encode(), {'Content-Type': 'text/html'})

    gateway = QuotingVendor(answer=None, iam=iam)
    try:
        demisto = run_main({'hss_endpoint': gateway.url, 'hss_iam_endpoint': gateway.url, 'hss_project_id': 'p' * 32,
                            'hss_auth_type': 'token', 'hss_domain': 'acme', 'max_retries': '0',
                            'hss_credentials': {'identifier': 'user', 'password': WORDED_PASSWORD}},
                           'hss-restore-isolated', {'file_hash': 'b' * 64})
    finally:
        gateway.server.stop()

    shown = json.dumps([demisto.entries, demisto.log])
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'Login refused for' in shown  # the page was quoted
    assert pages and all(WORDED_PASSWORD in page.replace(tag, '') for page in pages)  # split by the tags
    assert not [piece for piece in pieces(''.join(WORDED_PASSWORD.split()), 8) if piece in ''.join(shown.split())]


# --------------------------------------------------------------------------- the scrubber on its own

ALNUM = string.ascii_letters + string.digits
# Long enough to be sought split across lines (README, "Limits of the scrubber": not one shorter than 8); marked ends
SECRET = st.tuples(st.text(ALNUM, min_size=4, max_size=8), st.text(ALNUM + '/+=%:!', max_size=8),
                   st.text(ALNUM, min_size=4, max_size=8)).map(lambda parts: 'Hq' + ''.join(parts) + 'Zq')
BREAK = st.sampled_from(BREAKS + ['\n', '\r\n', '\\n', '<br>']).flatmap(
    lambda line_break: st.sampled_from([line_break, f' {line_break}', f'{line_break}  ']))  # blanks around, or not


def spelled(char: str, how: str) -> str:
    """One character as is, URL-encoded (each UTF-8 byte's %XX) or as an HTML decimal reference; letters and digits as
    they are, as every encoder keeps them."""
    if char in ALNUM:
        return char
    return {'as is': char, 'url': quote(char, safe=''), 'html': f'&#{ord(char)};'}[how]


@given(data=st.data(), secret=SECRET)
def test_a_secret_split_at_any_mix_of_written_line_breaks_is_masked_whole(data, secret):
    # each character in one of its spellings (a URL-encoded secret folded at %0A too), a break after any of them
    how = data.draw(st.sampled_from(['as is', 'url', 'html']))
    units = [spelled(char, how) for char in secret]
    cuts = data.draw(st.sets(st.integers(1, len(units) - 1), min_size=1, max_size=4))
    text = ''.join(unit + (data.draw(BREAK) if at + 1 in cuts else '') for at, unit in enumerate(units))

    cleaned = ri.SecretScrubber([secret]).text(f'said: "{text}" (echoed)')

    assert cleaned == f'said: "{facts.SCRUBBER_MASK}" (echoed)'


@given(secret=SECRET, data=st.data(), tag=st.sampled_from(['<b>', '</b>', '<span class="key">', '<!-- -->', '<wbr>']))
def test_a_secret_split_by_tags_in_a_text_that_is_no_page_is_masked_whole(secret, data, tag):
    # a JSON text (not a page: no reading drops its tags) that highlights what it quotes
    cuts = sorted(data.draw(st.sets(st.integers(1, len(secret) - 1), min_size=1, max_size=3)))
    split = tag.join(secret[start:end] for start, end in zip([0, *cuts], [*cuts, len(secret)]))

    cleaned = ri.SecretScrubber([secret]).text(json.dumps({'message': f'bad key {split} refused'}))

    assert cleaned == json.dumps({'message': f'bad key {facts.SCRUBBER_MASK} refused'})



# A secret may hold what a text's reading reads (a URL's %30 for 0, %2541 for A encoded again, a page's &#65; and
# &#x25; for %): split by a tag, it stands whole only in the text read, where those stand read too
@pytest.mark.parametrize('secret', ['Hq0000%30000Zq', 'Hq00%2541Zq%3a', 'Hq00&#65;00!Zq', 'Hq00&#x25;4100Zq'])
@pytest.mark.parametrize('tag', ['<b>', '<!-- -->'])
def test_a_secret_holding_what_a_reading_reads_is_masked_whole_split_by_a_tag(secret, tag):
    for at in (1, len(secret) // 2, len(secret) - 1):  # a tag after its first character, in its middle, before its last
        split = secret[:at] + tag + secret[at:]

        cleaned = ri.SecretScrubber([secret]).text(json.dumps({'message': f'bad key {split} refused'}))

        assert cleaned == json.dumps({'message': f'bad key {facts.SCRUBBER_MASK} refused'}), split

# A password of words quoted in angle brackets (<password>, as a message may set off what it quotes) with a letter
# written as a reference or escape: what the brackets hold looks like a tag's name and attributes, but no attribute
# holds a reference outside quotes, so it is no tag to drop
@pytest.mark.parametrize('letter', ['&#113;', '&amp;#x71;', '%71', '%2571', '\\u0071', '\\x71'])
def test_a_password_of_words_in_angle_brackets_with_a_letter_written_otherwise_is_no_tag_and_is_masked(letter):
    password = 'Hqwords of a passphrase Zq'

    cleaned = ri.SecretScrubber([password]).text(f'refused: <{password[:-1]}{letter}> (echoed)')

    assert cleaned == f'refused: <{facts.SCRUBBER_MASK}> (echoed)'


def test_tags_nested_hundreds_deep_do_not_stop_the_masking_of_a_secret_beside_them():
    # each pass that drops tags may uncover another (<<b>b> is <b> once read); a text nested 1000 deep is read a few
    # times, not once per level, so the scrubber neither recurses past Python's limit nor lets the text out unmasked
    secret = 'Sk' + secrets.token_hex(8)
    nested = '<' * 1000 + 'b>' * 1000
    text = f'{nested} key {secret} and {secret[:5]}<b>{secret[5:]} {nested}'

    cleaned = ri.SecretScrubber([secret]).text(text)

    assert cleaned == f'{nested} key {facts.SCRUBBER_MASK} and {facts.SCRUBBER_MASK} {nested}'


# What only looks like a line break: another character's reference (escaped again too), a reference or escape left
# unfinished, a %0A URL-encoded again (%250A), U+00A0 (a no-break space, not a line break) as a page, a URL or JSON
# writes it
NOT_BREAKS = ['&#100;', '&#1;', '&#103;', '&#xA0;', '&#x1A;', '&#10', '%A0', '%0', '%250A', '%250D', '\\u00a0',
              '\\u000', 'u000a', '#10;', 'x0A', '&amp;#100;', '&amp;10;', '&amp;#xA0;',
              '\\x0b', '\\x00a', '\\xa0', '\\x1a']


@given(secret=SECRET, at=st.integers(2, 20), lookalike=st.sampled_from(NOT_BREAKS))
def test_what_only_looks_like_a_written_line_break_does_not_join_a_secret_s_pieces(secret, at, lookalike):
    at = min(at, len(secret) - 2)  # inside the secret
    text = f'said: "{secret[:at]}{lookalike}{secret[at:]}" (echoed)'

    assert ri.SecretScrubber([secret]).text(text) == text


@given(secret=SECRET, at=st.integers(2, 20), line_break=st.sampled_from(['%0A', '%0D%0A']))
def test_a_secret_holding_what_url_encodes_to_a_break_s_spelling_is_found_url_encoded_and_folded(secret, at,
                                                                                               line_break):
    # Its own "%0A", URL-encoded, is "%250A": no break. The breaks a URL-encoded text is folded at are.
    at = min(at, len(secret) - 2)
    secret = f'{secret[:at]}%0A{secret[at:]}'
    encoded = quote(secret, safe='')
    assert '%250A' in encoded
    text = f'said: "{encoded.replace("%250A", f"{line_break}%250A{line_break}")}" (echoed)'  # folded around it

    assert ri.SecretScrubber([secret]).text(text) == f'said: "{facts.SCRUBBER_MASK}" (echoed)'


@given(secret=SECRET, at=st.integers(1, 20), line_break=st.sampled_from(['<br>', '&#10;', '%0A', '%0D%0A']),
       letter=st.sampled_from(['n', 'r', 'u000a']))
def test_a_break_written_inside_an_escape_before_a_folded_secret_moves_no_mask_off_it(secret, at, line_break, letter):
    # A page folding a JSON text may break between an escape's backslash and its letter: that joins no line break of
    # its own, and the secret folded after it is masked exactly, from its first piece to its last
    at = min(at, len(secret) - 1)
    text = f'said \\{line_break}{letter} then {secret[:at]}\n{secret[at:]} (echoed)'

    assert ri.SecretScrubber([secret]).text(text) == f'said \\{line_break}{letter} then {facts.SCRUBBER_MASK} (echoed)'


class BreakTagPageEcho(PageEchoVendor):
    """A gateway whose HTML error page lists the headers it received, credentials first, folded into lines of 8
    characters that it ends with a line break as it writes one (a <br> tag, XHTML's <br/>, an old page's <BR>, or a
    character reference, a URL's or JSON's escape)."""

    def __init__(self, tag):
        self.tag = tag
        super().__init__()

    def _app(self, request):
        if request.path.endswith('/v3/auth/tokens'):
            return super()._app(request)
        headers = sorted(dict(request.headers).items(), key=lambda header: 'auth' not in header[0].lower())
        listed = folded(8, self.tag)(' '.join(f'{name}: {value}' for name, value in headers))
        self.echoed.append(listed)
        return Response(400, f'<html><body><p>Refused:</p><p>{listed}</p></body></html>'.encode(),
                        {'Content-Type': 'text/html'})


# README: split across lines, a secret is "masked from its first piece to its last (a secret of 8 characters or more"
@given(secret=st.text(ALNUM, min_size=8, max_size=9), at=st.integers(1, 7),
       line_break=st.sampled_from(['\n', '\r\n', ' \n ', '\\n', '<br>', '%0A', *BREAKS]))
def test_a_secret_of_the_least_length_sought_in_pieces_is_masked_whole_split_at_a_line_break(secret, at, line_break):
    text = f'vendor said: {secret[:at]}{line_break}{secret[at:]} (end)'

    assert ri.SecretScrubber([secret]).text(text) == f'vendor said: {facts.SCRUBBER_MASK} (end)'


# README: a line break escaped by JSON, "that escape's backslash URL-encoded once or twice too, %5Cn, %255Cn, as a JSON
# body in a URL's query holds it": such a query holds no backslash as is
@pytest.mark.parametrize('line_break', ['%5Cn', '%5cr%5cn', '%255Cn', '%5Cu000a'])
def test_a_secret_split_at_a_url_encoded_json_line_break_in_a_text_with_no_backslash_is_masked_whole(line_break):
    text = f'GET /echo?body=%7B%22key%22%3A%22Hq7pN2{line_break}vXc9Lm%22%7D'

    shown = ri.SecretScrubber(['Hq7pN2vXc9Lm']).text(text)

    assert shown == f'GET /echo?body=%7B%22key%22%3A%22{facts.SCRUBBER_MASK}%22%7D'


@pytest.mark.parametrize('line_break', ['\n', '\\n', '<br>', '%0A'])
def test_a_secret_split_across_lines_at_the_very_start_of_a_text_is_masked_from_its_first_character(line_break):
    shown = ri.SecretScrubber(['Hq7pN2vXc9Lm']).text(f'Hq7pN2{line_break}vXc9Lm was refused')

    assert shown == f'{facts.SCRUBBER_MASK} was refused'
