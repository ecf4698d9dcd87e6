"""A secret quoted back in JSON written by another encoder than Python's (Go's `\\u0026`, PHP's `\\/`, .NET's upper-case
`\\u003C`, or any other spelling JSON allows), once or inside a JSON text quoted in another, and a secret quoted as
printable writes a value in a message (JSON, as XSOAR shows it), are found like the secret itself.

A scrubber that does nothing fails every test here: each one first shows the secret was quoted back.
"""
from __future__ import annotations

import json
import secrets
import string
from urllib.parse import quote

import pytest
from conftest import markdown_rows
from hypothesis import example, given
from hypothesis import strategies as st

import facts
import restore_integration as ri
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto

HEAD, TAIL = secrets.token_hex(4), secrets.token_hex(8)
IAM_PASSWORD = HEAD + '&Summer<2024>/ok\'+"\u00e9' + TAIL  # every character some encoder escapes its own way


def go_json(value):
    """encoding/json: HTML-safe (& < > as \\u0026 \\u003c \\u003e), non-ASCII letters kept."""
    return json.dumps(value, ensure_ascii=False).replace('<', '\\u003c').replace('>', '\\u003e').replace('&', '\\u0026')


def php_json(value):
    """json_encode: / as \\/, non-ASCII as \\uXXXX."""
    return json.dumps(value).replace('/', '\\/')


def dotnet_json(value):
    """System.Text.Json's default encoder: HTML-sensitive characters, the quote and non-ASCII as upper-case \\uXXXX."""
    return ''.join('\\u%04X' % ord(char) if ord(char) > 127 or char in "<>&'+`" else char
                   for char in json.dumps(value, ensure_ascii=False)).replace('\\"', '\\u0022')


def go_json_quoted_in_go_json(value):
    """A gateway quoting, inside its own JSON, the JSON text another one wrote."""
    return go_json({'upstream': go_json(value)})


ENCODERS = {'go': go_json, 'php': php_json, 'dotnet': dotnet_json, 'go in go': go_json_quoted_in_go_json}


def run(params, command, args):
    demisto = Demisto({'max_retries': '0', 'retry_backoff': '0', **params}, command, args, {}, [])
    ri.main(demisto)
    return json.dumps(demisto.entries, ensure_ascii=False) + json.dumps(demisto.log, ensure_ascii=False)


@pytest.mark.parametrize('encoder', ENCODERS)
def test_an_iam_password_quoted_back_in_another_encoders_json_is_scrubbed(encoder):
    quoted = []

    def gateway(request):  # refuses the login in its own JSON, not IAM's error form, quoting what it received
        identity = json.loads(request.body)['auth']['identity']
        body = ENCODERS[encoder]({'message': 'login refused', 'password': identity['password']['user']['password']})
        quoted.append(body)
        return Response(401, body.encode(), {'Content-Type': 'application/json'})

    server = LoopbackServer(gateway).start()
    try:
        shown = run({'hss_endpoint': server.url, 'hss_iam_endpoint': server.url, 'hss_project_id': 'p' * 32,
                     'hss_auth_type': 'token', 'hss_domain': 'acme',
                     'hss_credentials': {'identifier': 'user', 'password': IAM_PASSWORD}},
                    'hss-restore-isolated', {'file_hash': 'b' * 64})
    finally:
        server.stop()

    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'login refused' in shown
    [body] = quoted
    assert HEAD in body and TAIL in body and IAM_PASSWORD not in body  # quoted back, escaped its own way
    assert HEAD not in shown and TAIL not in shown


def xdr_quoting_the_key(request):
    """Cortex XDR starting each restore, its reply holding, where endpoints_count should be, the Authorization header
    it received (a standard key, sent as it is)."""
    if request.path.endswith('/endpoints/restore/'):
        reply = {'reply': {'action_id': 77, 'endpoints_count': request.headers.get('Authorization')}}
    else:
        reply = {'reply': {'data': {'ep1': 'COMPLETED_SUCCESSFULLY'}}}
    return Response(200, json.dumps(reply).encode(), {'Content-Type': 'application/json'})


@pytest.mark.parametrize('key', [f'K\\ey"{TAIL}\u00a0{TAIL[::-1]}', f'K\\ey\'"{TAIL}\u00a0{TAIL[::-1]}',
                                 f'K\\ey\'{TAIL}\u00a0{TAIL[::-1]}'], ids=['quote', 'both quotes', 'apostrophe'])
def test_a_key_in_a_reply_field_quoted_as_printable_writes_a_value_is_scrubbed(key):
    # A reply's field that cannot be read is quoted with printable (JSON: the backslash and the quote escaped, U+00A0
    # as \u00a0); here the field holds the Authorization header the server received.
    server = LoopbackServer(xdr_quoting_the_key).start()
    try:
        shown = run({'xdr_url': server.url, 'xdr_api_key_id': '7', 'xdr_api_key': {'password': key},
                     'xdr_auth_type': 'standard'}, 'restore-file', {'file_hash': 'a' * 64, 'polling': 'false'})
    finally:
        server.stop()

    assert 'endpoints_count' in shown and 'is not a count' in shown  # the field was quoted
    assert TAIL not in shown and TAIL[::-1] not in shown


@pytest.mark.parametrize('mark', ['|', '`', '*', '__', '[', ']', '<', '&', '~', 'www.', 'http://'])
def test_a_key_holding_a_character_markdown_reads_quoted_in_a_table_cell_is_masked(mark):
    # Two files, so the entry is a table, whose rows' error quotes the key; the cell writes its '|' as '\\|' and its
    # '`' as '\\`', as tableToMarkdown does, and the others markdown reads with a backslash too (an '_' beside another).
    tail = secrets.token_hex(12)
    key = f'Key{mark}{tail}'
    server = LoopbackServer(xdr_quoting_the_key).start()
    try:
        demisto = Demisto({'xdr_url': server.url, 'xdr_api_key_id': '7', 'xdr_api_key': {'password': key},
                           'xdr_auth_type': 'standard', 'max_retries': '0'},
                          'restore-file', {'file_hash': f'{"a" * 64},{"b" * 64}', 'polling': 'false'}, {}, [])
        ri.main(demisto)
    finally:
        server.stop()

    [entry] = demisto.entries
    rows = markdown_rows(entry['HumanReadable'])
    assert [row['file_hash'] for row in rows] == ['a' * 64, 'b' * 64]
    assert all('endpoints_count' in row['error'] and 'is not a count' in row['error'] for row in rows)
    assert tail not in json.dumps(demisto.entries) + json.dumps(demisto.log)


# --------------------------------------------------------------------------- the scrubber on its own

ALNUM = string.ascii_letters + string.digits
ESCAPED_BY_SOMEONE = '"\\/&<>\'+=`\u00e9\u00a0\u2028\U0001F600 '


def spellings(char):
    """Every way JSON lets an encoder write a character inside a string (alphanumerics: no encoder escapes them)."""
    if char in ALNUM:
        return [char]
    short = {'"': ['\\"'], '\\': ['\\\\'], '/': ['/', '\\/']}.get(char, [char])
    units = char.encode('utf-16-be')
    codes = [int.from_bytes(units[at:at + 2], 'big') for at in range(0, len(units), 2)]
    return short + [''.join('\\u%04x' % code for code in codes), ''.join('\\u%04X' % code for code in codes)]


@st.composite
def json_spelling(draw, text):
    return ''.join(draw(st.sampled_from(spellings(char))) for char in text)


@given(data=st.data(), head=st.text(ALNUM, min_size=8, max_size=12), tail=st.text(ALNUM, min_size=8, max_size=12),
       middle=st.text(ESCAPED_BY_SOMEONE + ALNUM, min_size=1, max_size=12), quoted_in_json=st.booleans())
def test_a_secret_is_found_in_any_json_spelling_once_or_quoted_in_json(data, head, tail, middle, quoted_in_json):
    secret = head + middle + tail
    scrubber = ri.SecretScrubber([secret])
    spelled = data.draw(json_spelling(secret))
    if quoted_in_json:  # the JSON text that holds it, quoted in another: each character spelled again
        spelled = data.draw(json_spelling(spelled))
    assert head in spelled and tail in spelled

    cleaned = scrubber.text(f'<<"{spelled}">>')

    assert head not in cleaned and tail not in cleaned and facts.SCRUBBER_MASK in cleaned


@given(secret=st.text(min_size=4, max_size=90).filter(lambda value: len(value.strip()) >= 4),
       lead=st.sampled_from([('', ''), ('"', '\\"'), ("'", "'"), ('\\', '\\\\'), ('\n', '\\n')]))
@example(secret='p\u00e4ss\x01w\u00a0rd', lead=('', ''))  # kept as is, \u0001, \u00a0
@example(secret='Pa\u2028ss\x7fw\u200bord\U000e0001', lead=('"', '\\"'))  # \u2028, \u007f, \u200b, a surrogate pair
@example(secret='\u00e9\u00e9\x1b\u00e9' * 20, lead=('', ''))  # cut after 60 characters, inside an escape
def test_a_secret_is_found_as_printable_writes_it_in_a_message_whole_or_cut(secret, lead):
    # printable quotes a value as JSON, cut at 60 characters: letters past ASCII as they are, control and invisible
    # characters as JSON escapes (``lead``: a character before the secret, and as printable writes it)
    scrubber = ri.SecretScrubber([secret])
    written = ri.printable(lead[0] + secret)
    body = written[1 + len(lead[1]):]  # the secret, as written there
    body = body[:-len(facts.QUOTE_CUT)] if body.endswith(facts.QUOTE_CUT) else body[:-1]

    cleaned = scrubber.text(f'value {written} is not a count')

    assert facts.SCRUBBER_MASK in cleaned
    assert body not in cleaned.replace(facts.SCRUBBER_MASK, '\0')


@given(data=st.data(), head=st.text(ALNUM, min_size=8, max_size=12), tail=st.text(ALNUM, min_size=8, max_size=12),
       middle=st.text(ESCAPED_BY_SOMEONE, min_size=1, max_size=6))
def test_a_secret_in_any_json_spelling_cut_short_loses_its_head_too(data, head, tail, middle):
    # short_text and printable end a text they cut with '...': the cut may fall anywhere, inside an escape too
    secret = head + middle + tail
    scrubber = ri.SecretScrubber([secret])
    spelled = data.draw(json_spelling(secret))
    cut = data.draw(st.integers(len(head), len(spelled) - 1))

    cleaned = scrubber.text(f'<<"{spelled[:cut]}...')

    assert head not in cleaned and cleaned.endswith(f'{facts.SCRUBBER_MASK}...')


@given(data=st.data(), head=st.text(ALNUM, min_size=8, max_size=12), tail=st.text(ALNUM, min_size=8, max_size=12),
       middle=st.text(ESCAPED_BY_SOMEONE, min_size=1, max_size=6), cut_short=st.booleans(), dump=st.sampled_from(
           [json.dumps, lambda value: json.dumps(value, separators=(',', ':'))]))
def test_a_json_text_the_integration_writes_stays_json_when_a_secret_only_its_reading_shows_is_masked(
        data, head, tail, middle, cut_short, dump):
    # An incident's rawJSON (json.dumps of the HSS event) and restore-file's hidden polling arguments (refused: the
    # vendor's words for each refusal) are JSON texts the scrubber takes whole; XSOAR's mapper and the next check
    # read them as JSON. A secret spelled by another encoder, or cut short, in one of their strings shows only when
    # the text is read as JSON.
    secret = head + middle + tail
    scrubber = ri.SecretScrubber([secret])
    spelled = data.draw(json_spelling(secret))
    quoted = f'{spelled[:data.draw(st.integers(len(head), len(spelled) - 1))]}...' if cut_short else spelled
    document = {'reason': f'Cortex XDR said: message "{quoted}".', 'file_hash': ['a' * 64]}
    written = dump(document)
    assert head in written

    cleaned = scrubber.text(written)

    assert head not in cleaned and tail not in cleaned
    assert json.loads(cleaned)['file_hash'] == ['a' * 64] and facts.SCRUBBER_MASK in json.loads(cleaned)['reason']


@given(head=st.text(ALNUM, min_size=8, max_size=12), middle=st.text(ESCAPED_BY_SOMEONE + ALNUM, max_size=6),
       backslashes=st.integers(1, 3), after=st.sampled_from(['', '"', '\\', '\n', 'x', '\u00e9', '"\\']),
       nested=st.booleans())
def test_a_json_text_quoting_a_secret_that_ends_with_backslashes_stays_json(head, middle, backslashes, after, nested):
    # JSON doubles each backslash, so the one that opens the next escape (\" after the secret, as a vendor quotes a
    # password in quotes) stands right after the secret's: masked with them, it would leave that quote unescaped.
    secret = head + middle + '\\' * backslashes
    scrubber = ri.SecretScrubber([secret])
    message = f'said "{secret}{after}" back'
    written = json.dumps({'reason': json.dumps({'message': message}) if nested else message, 'file_hash': ['a' * 64]})

    cleaned = scrubber.text(written)

    assert head not in cleaned and facts.SCRUBBER_MASK in cleaned
    assert json.loads(cleaned)['file_hash'] == ['a' * 64]
    if nested:
        assert facts.SCRUBBER_MASK in json.loads(json.loads(cleaned)['reason'])['message']


@given(head=st.text(ALNUM, min_size=8, max_size=12), backslashes=st.integers(1, 3), fold=st.integers(1, 7),
       nested=st.booleans())
@example(head='n0000000', backslashes=1, fold=1, nested=False)  # the escape's n, then the rest, spell the secret too
def test_a_json_text_quoting_a_secret_split_across_lines_that_ends_with_backslashes_stays_json(head, backslashes,
                                                                                               fold, nested):
    # The secret's backslashes, escaped, stand right before the line break JSON escapes after it (\\\n once): the
    # break's escape is only its own backslash; the others are the secret's, masked with it, and the quote after them
    # stays escaped (of the backslashes ending a secret, what is left may open an escape: kept, as unfolded)
    secret = head + '\\' * backslashes
    message = f'said "{secret[:fold]}\n{secret[fold:]}\n" back'
    written = json.dumps({'reason': json.dumps({'message': message}) if nested else message, 'file_hash': ['a' * 64]})

    cleaned = ri.SecretScrubber([secret]).text(written)

    reason = json.loads(cleaned)['reason']
    shown = json.loads(reason)['message'] if nested else reason
    assert shown.startswith(f'said "{facts.SCRUBBER_MASK}') and shown.endswith('\n" back')
    assert not shown[len(f'said "{facts.SCRUBBER_MASK}'):-len('\n" back')].strip('\\')


# A title-case letter (U+01C5 Dž, U+01C8 Lj, U+01CB Nj, U+01F2 Dz) lowers to one letter and upper-cases to another:
# JSON's \uXXXX escape of the letter the secret holds is none of those two.
@pytest.mark.parametrize('letter', ['\u01c5', '\u01c8', '\u01cb', '\u01f2'])
def test_a_secret_holding_a_title_case_letter_is_found_json_escaped_once_or_twice(letter):
    secret = f'{HEAD}{letter}{TAIL}'
    scrubber = ri.SecretScrubber([secret])

    assert scrubber.text(json.dumps({'quoted': secret})) == json.dumps({'quoted': facts.SCRUBBER_MASK})
    assert scrubber.text(json.dumps(json.dumps(secret))) == json.dumps(json.dumps(facts.SCRUBBER_MASK))


# A letter lowered one way only (U+03F4, the theta symbol, lowers to U+03B8, whose upper case is U+0398): escaped, a
# text keeps the code of the letter the secret holds, which none of the lowered letter's cases has.
@given(letter=st.characters(min_codepoint=0xC0, max_codepoint=0x4FF, categories=['Lu', 'Ll', 'Lt']),
       quoting=st.sampled_from([json.dumps, lambda text: json.dumps(json.dumps(text)), lambda text: quote(text),
                                lambda text: ''.join(char if char.isascii() else f'&#{ord(char)};' for char in text)]))
@example(letter='\u03f4', quoting=json.dumps)
def test_a_secret_holding_any_latin_greek_or_cyrillic_letter_is_found_escaped(letter, quoting):
    secret = f'{HEAD}{letter}{TAIL}'

    shown = ri.SecretScrubber([secret]).text(f'quoted: {quoting(secret)}.')

    assert facts.SCRUBBER_MASK in shown and HEAD not in shown and TAIL not in shown, shown


# README: a secret is caught as is, JSON-escaped, and with its blanks squeezed as short_text quotes it: an IAM password
# may hold a backslash before blanks (Huawei's policy takes both), one, two or more of them
@pytest.mark.parametrize('blanks', [' ', '  ', '   ', '\t '])  # a tab too: a blank of another kind
@pytest.mark.parametrize('secret', ['Hq\\{}7p', 'Hq7p\\{}N2vXc9'])  # too short to be sought folded, and long enough
def test_a_secret_holding_a_backslash_before_blanks_is_masked_as_is_json_escaped_and_squeezed(secret, blanks):
    secret = secret.format(blanks)
    for quoted in (secret, json.dumps(secret)[1:-1], json.dumps(json.dumps(secret))[3:-3], secret.replace(blanks, ' ')):
        assert ri.SecretScrubber([secret]).text(f'pw {quoted} end') == f'pw {facts.SCRUBBER_MASK} end', quoted
