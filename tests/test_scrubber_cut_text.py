"""A vendor error page that is not JSON is quoted cut to one short line (short_text): a secret it echoes must not
come out whole, in part where the cut falls inside it, or with its blanks squeezed."""
from __future__ import annotations

import collections
import json
import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import facts
import restore_integration as ri
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto

XDR_KEY = 'xdrKEY' + secrets.token_hex(24)
IAM_PASSWORD = 'two  blanks\u00a0and ' + secrets.token_urlsafe(12)


class PlainTextEcho:
    """Answers 400 with a plain-text page quoting what it received, ``lead`` characters into the page."""

    def __init__(self, lead):
        self.lead = lead
        self.server = LoopbackServer(self._app).start()

    def _app(self, request):
        received = f'Authorization: {request.headers.get("Authorization", "")} body: ' \
                   f'{request.body.decode("utf-8", "replace")}'
        page = 'Bad request. ' + '.' * (self.lead - 13) + received
        return Response(400, page.encode(), {'Content-Type': 'text/plain'})


@pytest.fixture
def echo(request):
    vendor = PlainTextEcho(request.param)
    yield vendor
    vendor.server.stop()


def run(params, command, args):
    demisto = Demisto(params, command, args, {}, [])
    ri.main(demisto)
    return json.dumps(demisto.entries, ensure_ascii=False) + json.dumps(demisto.log, ensure_ascii=False)


# 'Authorization: ' is 15 characters: the key starts at 185 and short_text cuts the page at 200.
@pytest.mark.parametrize('echo', [170], indirect=True)
def test_a_key_cut_in_two_by_a_short_vendor_page_is_not_shown_in_part(echo):
    shown = run({'xdr_url': echo.server.url, 'xdr_api_key_id': '7', 'xdr_api_key': {'password': XDR_KEY},
                 'xdr_auth_type': 'standard', 'max_retries': '0'}, 'restore-file', {'file_hash': 'a' * 64})
    assert 'Cortex XDR answered HTTP 400' in shown
    assert '...' in shown.split('Authorization: ', 1)[1][:len(XDR_KEY)]  # the page was cut inside the key
    assert XDR_KEY[:15] not in shown


@pytest.mark.parametrize('echo', [13], indirect=True)
def test_a_password_with_blanks_squeezed_by_a_short_vendor_page_is_not_shown(echo):
    shown = run({'hss_endpoint': echo.server.url, 'hss_iam_endpoint': echo.server.url, 'hss_project_id': 'p' * 32,
                 'hss_auth_type': 'token', 'hss_domain': 'acme', 'max_retries': '0',
                 'hss_credentials': {'identifier': 'user', 'password': IAM_PASSWORD}},
                'hss-restore-isolated', {'file_hash': 'c' * 64})
    assert 'Huawei Cloud IAM answered HTTP 400' in shown
    assert 'Authorization: body: {' in shown  # the page quoted with its blanks squeezed (IAM gets no Authorization)
    assert IAM_PASSWORD[-12:] not in shown



@pytest.mark.parametrize('echo', [13], indirect=True)
@pytest.mark.parametrize('blanks', ['  ', '   '])
def test_a_password_with_a_backslash_before_blanks_squeezed_by_a_short_vendor_page_is_not_shown(echo, blanks):
    # Huawei's password policy takes a backslash and blanks: the page quotes the JSON body, short_text squeezes it
    password = f'C:\\{blanks}' + secrets.token_hex(8)
    shown = run({'hss_endpoint': echo.server.url, 'hss_iam_endpoint': echo.server.url, 'hss_project_id': 'p' * 32,
                 'hss_auth_type': 'token', 'hss_domain': 'acme', 'max_retries': '0',
                 'hss_credentials': {'identifier': 'user', 'password': password}},
                'hss-restore-isolated', {'file_hash': 'c' * 64})
    assert 'Huawei Cloud IAM answered HTTP 400' in shown and 'Authorization: body: {' in shown
    assert password[-16:] not in shown

def test_a_password_quoted_back_as_utf8_json_is_not_shown():
    # A gateway that re-serialises the body it received writes non-ASCII letters as they are and escapes the quote.
    password = 'm\u00fcller "q" ' + secrets.token_hex(8)

    def app(request):
        received = json.loads(request.body)
        page = 'Refused: ' + json.dumps(received, ensure_ascii=False)
        return Response(400, page.encode(), {'Content-Type': 'text/plain; charset=utf-8'})

    server = LoopbackServer(app).start()
    try:
        shown = run({'hss_endpoint': server.url, 'hss_iam_endpoint': server.url, 'hss_project_id': 'p' * 32,
                     'hss_auth_type': 'token', 'hss_domain': 'acme', 'max_retries': '0',
                     'hss_credentials': {'identifier': 'u', 'password': password}},
                    'hss-restore-isolated', {'file_hash': 'c' * 64})
    finally:
        server.stop()
    assert 'Huawei Cloud IAM answered HTTP 400' in shown
    assert password[-16:] not in shown


def restore_file_answered_by(app) -> str:
    """What restore-file shows, with the standard key XDR_KEY and no retry, of a Cortex XDR answering with ``app``."""
    server = LoopbackServer(app).start()
    try:
        return run({'xdr_url': server.url, 'xdr_api_key_id': '7', 'xdr_api_key': {'password': XDR_KEY},
                    'xdr_auth_type': 'standard', 'max_retries': '0'}, 'restore-file', {'file_hash': 'a' * 64})
    finally:
        server.stop()


# A page that folds the key into lines: short_text squeezes the line break to one blank, and cuts the page at 200
# right after it. 'Authorization: ' starts at 170, the key at 185: its first 14 characters end the line at 199.
@pytest.mark.parametrize('line_break', ['\n', '\r\n', ' \n\t'])
def test_a_key_folded_by_a_vendor_page_cut_right_after_the_line_break_shows_no_head_of_it(line_break):
    def folding(request):
        key = request.headers.get('Authorization', '')
        page = 'Bad request. ' + '.' * 157 + f'Authorization: {key[:14]}{line_break}{key[14:]}'
        return Response(400, page.encode(), {'Content-Type': 'text/plain'})

    shown = restore_file_answered_by(folding)
    assert 'Cortex XDR answered HTTP 400' in shown and 'Authorization: ' in shown
    assert XDR_KEY[14:18] not in shown  # cut off: nothing after the line break was quoted
    assert XDR_KEY[:facts.SCRUBBER_MIN_LENGTH] not in shown


# A proxy or a log viewer that cuts a long value ends it with one character, U+2026, not short_text's three dots
@pytest.mark.parametrize('kept', [facts.SCRUBBER_MIN_LENGTH, 15, len(XDR_KEY) - 1])
def test_a_key_cut_short_with_an_ellipsis_character_by_a_vendor_page_is_not_shown_in_part(kept):
    def cutting(request):
        page = f'Bad request. Authorization: {request.headers.get("Authorization", "")[:kept]}\u2026 (cut)'
        return Response(400, page.encode(), {'Content-Type': 'text/plain; charset=utf-8'})

    shown = restore_file_answered_by(cutting)
    assert 'Cortex XDR answered HTTP 400' in shown and 'Authorization: ' in shown and '\u2026 (cut)' in shown
    assert XDR_KEY[:kept] not in shown


# A proxy quoting the header it received twice, each copy cut short: the text between the first cut and the second
# head (none, or a separator) and the cut marks stay readable whatever the marks' lengths (U+2026 is one character)
@pytest.mark.parametrize('separator', ['', ';', '|'])
@pytest.mark.parametrize('marks', [('\u2026', '\u2026'), ('\u2026', '...'), ('...', '\u2026')])
def test_a_key_quoted_twice_each_cut_short_by_a_vendor_page_keeps_the_text_between_its_cuts(marks, separator):
    def cutting_twice(request):
        key = request.headers.get('Authorization', '')[:15]
        page = f'Bad request. Authorization: {key}{marks[0]}{separator}{key}{marks[1]} (cut)'
        return Response(400, page.encode(), {'Content-Type': 'text/plain; charset=utf-8'})

    shown = restore_file_answered_by(cutting_twice)
    assert 'Cortex XDR answered HTTP 400' in shown and XDR_KEY[:facts.SCRUBBER_MIN_LENGTH] not in shown
    mask = facts.SCRUBBER_MASK
    assert f'Authorization: {mask}{marks[0]}{separator}{mask}{marks[1]} (cut)' in shown

@given(secret=st.text(string.ascii_letters + string.digits + '/+=!', min_size=12, max_size=40),
       size=st.integers(facts.SCRUBBER_MIN_LENGTH, 11),
       line_break=st.sampled_from(['\n', '\r\n', ' ', ' \n ', '\\n', '\\r\\n', '\\u000a', '<br>', '&#10;', '%0A']))
def test_a_head_of_a_secret_that_ends_with_a_line_break_right_before_a_cut_is_masked(secret, size, line_break):
    # A text cut short ('...') right after a line break, as is or written, that followed a head of the secret
    text = f'said: {secret[:size]}{line_break}...'

    assert ri.SecretScrubber([secret]).text(text) == f'said: {facts.SCRUBBER_MASK}...'


# The key holds a '...' of its own: 'Authorization: ' starts at 170, the key at 185; short_text cuts the page at 200,
# past the key's own '...', so what the page shows of the key is a head that reaches back over that '...'.
@pytest.mark.parametrize('echo', [170], indirect=True)
def test_a_key_holding_dots_of_its_own_cut_past_them_by_a_short_vendor_page_is_not_shown_in_part(echo):
    key = 'Winter...' + secrets.token_hex(16)
    shown = run({'xdr_url': echo.server.url, 'xdr_api_key_id': '7', 'xdr_api_key': {'password': key},
                 'xdr_auth_type': 'standard', 'max_retries': '0'}, 'restore-file', {'file_hash': 'a' * 64})
    assert 'Cortex XDR answered HTTP 400' in shown
    assert key[9:15] not in shown and 'Winter' not in shown  # neither side of the key's own '...'



@pytest.mark.parametrize('before', ['said: ', ''])  # in a text, or opening it
@pytest.mark.parametrize('mark', ['...', '\u2026'])
def test_a_secret_that_starts_with_a_cut_of_its_own_cut_short_past_it_loses_its_whole_head(mark, before):
    # An IAM or proxy password may open with dots: the head a cut leaves reaches back over that cut (README, cut short)
    secret = f'{mark}Hq7pN2vXc9Lm'

    assert ri.SecretScrubber([secret]).text(f'{before}{mark}Hq7pN2...') == f'{before}{facts.SCRUBBER_MASK}...'


def test_a_head_cut_short_reaching_back_over_another_secret_s_cut_head_masks_both_whole():
    # README: spellings that overlap are one mask from the first's start to the last's end. The key's head ends at the
    # first cut; the password holds a '...' of its own, and its head, from inside the key's, ends at the second
    shown = ri.SecretScrubber(['Hq7pN2vXc9Lm', 'pN2...Zk8wQy']).text('key Hq7pN2...Zk8w...')

    assert shown == f'key {facts.SCRUBBER_MASK}...'

def test_a_refusal_quoting_a_key_cut_short_leaves_the_next_checks_refused_argument_json_it_reads():
    # Two files: Cortex XDR starts one and refuses the other with a plain-text page quoting the Authorization header,
    # cut by short_text inside the key. restore-file carries that refusal to its next check as JSON text (its hidden
    # `refused`), whose quotes the JSON escapes: masking the key's head must leave it JSON the check reads.
    started, refused = 'a' * 64, 'b' * 64

    def xdr(request):
        if request.path.endswith('/endpoints/restore/'):
            if json.loads(request.body)['request_data']['file_hash'] == started:
                return Response(200, json.dumps({'reply': {'action_id': 77, 'endpoints_count': 1}}).encode(),
                                {'Content-Type': 'application/json'})
            page = 'Bad request. ' + '.' * 157 + f'Authorization: {request.headers.get("Authorization", "")}'
            return Response(400, page.encode(), {'Content-Type': 'text/plain'})
        return Response(200, json.dumps({'reply': {'data': {'ep1': 'PENDING'}}}).encode(),
                        {'Content-Type': 'application/json'})

    server = LoopbackServer(xdr).start()
    params = {'xdr_url': server.url, 'xdr_api_key_id': '7', 'xdr_api_key': {'password': XDR_KEY},
              'xdr_auth_type': 'standard', 'max_retries': '0'}
    try:
        first = Demisto(params, 'restore-file', {'file_hash': f'{started},{refused}'}, {}, [])
        ri.main(first)
        [entry] = first.entries
        carried = entry['PollingArgs']['refused']
        check = Demisto(params, 'restore-file', entry['PollingArgs'], {}, [])
        ri.main(check)
    finally:
        server.stop()

    shown = json.dumps(first.entries + check.entries + first.log + check.log, ensure_ascii=False)
    assert 'Cortex XDR answered HTTP 400' in shown and XDR_KEY[:15] not in shown  # quoted cut short, and masked
    assert list(json.loads(carried).values()) == [[refused]]  # still the JSON text of {reason: [file_hash]}
    assert not any(item['Type'] == 4 for item in check.entries), check.entries[0]['Contents']  # the check ran


class CountingPattern:
    """A compiled pattern that counts the characters its searches span (what a search may have to read), summed per
    pattern in ``read``."""

    def __init__(self, pattern, read):
        self.pattern, self.read = pattern, read

    def search(self, text, pos=0, endpos=None):
        self.read[self.pattern.pattern] += (endpos if endpos is not None else len(text)) - pos
        return self.pattern.search(text, pos, *([] if endpos is None else [endpos]))

    def __getattr__(self, name):
        return getattr(self.pattern, name)


# The quoted head holding the password's longest run of letters and digits (its anchor: the whole spelling is then
# sought too, 1 random password in 150 before), and not holding it
@pytest.mark.parametrize('pieces', [(9, 3, 3), (3, 16)])
def test_a_text_of_many_cuts_is_read_a_bounded_number_of_times_and_a_head_after_them_still_goes(pieces):
    # A vendor text (an event's command line in rawJSON, a reply field) holding '...' over and over: each cut read
    # the 4 KB before it again, for each secret, so 120 KB took half a minute and 1 MB over XSOAR's 3-minute run.
    # Counted in characters the searches may read, not timed, per pattern (the password's, and its base64 pieces'):
    # none may read the text more than twice (its whole spelling sought in the text and in the text unfolded, when a
    # piece of it is there; its head's searches, each from the cut before, once over), so the reading is linear.
    password = '"' + '-'.join(secrets.token_hex(size)[:size] for size in pieces)  # IAM's may start with punctuation
    read = collections.Counter()

    class CountingScrubber(ri.SecretScrubber):
        def _pattern(self, source):
            return CountingPattern(super()._pattern(source), read)

    scrubber = CountingScrubber([password])
    text = '...' * 40_000 + ' quoted: ' + password[:10] + '...'
    shown = scrubber.text(text)
    assert password[1:10] not in shown and shown.endswith(f'quoted: {facts.SCRUBBER_MASK}...')
    pattern, most = max(read.items(), key=lambda item: item[1], default=('', 0))
    assert most and most <= 2 * len(text), f'{most} characters read of a text of {len(text)} by {pattern[:40]!r}...'


# README: "the integration quotes the first 200 characters of a page that is not JSON", and a secret cut short there
# loses "the longest head of it that ends there ... when it is 4 characters or more": from the least head to a page
# that is the secret alone, cut after its 200th character.
@pytest.mark.parametrize('size', [facts.SCRUBBER_MIN_LENGTH, facts.SCRUBBER_MIN_LENGTH + 1, 199, 200])
@settings(max_examples=10)
@given(secret=st.text(string.ascii_letters + string.digits, min_size=201, max_size=260))
def test_a_head_of_any_length_a_cut_page_can_show_is_masked(size, secret):
    assert ri.SecretScrubber([secret]).text(f'{secret[:size]}...') == f'{facts.SCRUBBER_MASK}...'


# A message cut short, then quoted in JSON and that in JSON again (ASCII-only, as Python writes it: each letter past
# ASCII as \\uXXXX, its backslash escaped): a head of Latin, Greek or Cyrillic letters (U+00C0 to U+04FF) the cut
# left is spelled in 1,300 characters.
@settings(max_examples=5, deadline=None)
@given(secret=st.text(st.characters(min_codepoint=0xC0, max_codepoint=0x4FF, categories=['L']), min_size=220,
                      max_size=240))
def test_a_long_head_cut_short_then_quoted_in_json_twice_is_masked(secret):
    cut = f'vendor said: {secret}'[:200] + '...'  # as short_text cuts a page

    shown = ri.SecretScrubber([secret]).text(json.dumps(json.dumps(cut)))

    assert shown == json.dumps(json.dumps(f'vendor said: {facts.SCRUBBER_MASK}...'))


# README: a text cut short loses "the longest head of [a secret] that ends there ... when it is 4 characters or more",
# with the part of an escape the cut fell inside: nothing else. A text with no such head at its cut stays as it is.
@pytest.mark.parametrize('text', ['The page was not found...', 'key Hq7\u2026', 'key Hq7pN2&co, then more...',
                                  'key Hq7pN2%, then more...'])
def test_a_text_cut_short_with_no_head_of_a_secret_at_its_cut_is_left_as_it_is(text):
    assert ri.SecretScrubber(['Hq7pN2vXc9Lm']).text(text) == text
