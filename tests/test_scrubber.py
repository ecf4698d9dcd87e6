"""The scrubber on its own, one secret kind at a time, and through main() against a server that quotes back every
header, query value and body it received (the worst a vendor error can do).

A scrubber that does nothing fails every test here that a secret reaches (each one first shows the secret is in the
text to clean); the short values it leaves alone, and the netrc credentials that must never be sent, are the others.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import string
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

import facts
import restore_integration as ri
from conftest import TEST_DATA, load_json
from secret_pieces import pieces
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto

XDR_KEY = 'xdrKEY' + secrets.token_hex(20)
HSS_SK = 'hssSK/+=' + secrets.token_urlsafe(20)
IAM_PASSWORD = 'iam pw "quoted" \\ ' + secrets.token_urlsafe(10)
IAM_TOKEN = 'MIIT' + secrets.token_urlsafe(60)
CACHED_TOKEN = 'MIIC' + secrets.token_urlsafe(60)


def forms(secret):
    """The forms a secret takes in an error text: as is, JSON-escaped (once, or twice when a vendor quotes a JSON
    body inside its own JSON), URL-encoded."""
    escaped = json.dumps(secret)[1:-1]
    return {secret, escaped, json.dumps(escaped)[1:-1], quote(secret, safe=''), quote_plus(secret)}


def traces(secret):
    """What shows a secret leaked, whole or in part: its forms, and its random tail, which no escaping changes."""
    return forms(secret) | {secret[-12:]}


@pytest.mark.parametrize('kind, saved, sent', [
    ('xdr key saved with blanks around it', f'  {XDR_KEY} ', XDR_KEY),
    ('hss secret key', HSS_SK, HSS_SK),
    ('iam password with quotes and a backslash', IAM_PASSWORD, IAM_PASSWORD),
])
def test_each_secret_setting_is_scrubbed_as_saved_and_as_sent_in_every_form(kind, saved, sent):
    params = {'xdr_api_key': {'password': saved}, 'hss_aksk': {'identifier': 'AK', 'password': saved},
              'hss_credentials': {'identifier': 'user', 'password': saved}}
    scrubber = ri.SecretScrubber(ri.setting_secrets(params))
    for form in forms(sent) | {saved}:
        text = f'vendor said: "{form}" (echoed)'
        assert form in text
        cleaned = scrubber.text(text)
        assert sent not in cleaned and form not in cleaned, kind
        # Only the secret goes: the vendor's words around it are kept.
        assert cleaned.startswith('vendor said: "') and cleaned.endswith('" (echoed)'), cleaned


@pytest.mark.parametrize('token', [IAM_TOKEN, CACHED_TOKEN])
def test_tokens_learned_while_running_are_scrubbed_from_then_on(token):
    scrubber = ri.SecretScrubber()
    text = f'{{"error_msg": "bad token {token}"}}'
    assert scrubber.text(text) == text  # not known yet
    scrubber.add(token)
    assert token not in scrubber.text(text)
    entry = {'Contents': {'reply': [text], token: 1}, 'HumanReadable': text}
    assert token not in json.dumps(scrubber.value(entry))


@pytest.mark.parametrize('value', ['z' * 64, 'ab12' * 15, 'Signature=' + '0f' * 32])
def test_a_value_learned_as_a_signature_but_not_of_a_signatures_shape_is_scrubbed_as_any_secret(value):
    # A request signature is 64 hex digits (SHA-256, hex); anything else handed in as one is still masked, whole.
    scrubber = ri.SecretScrubber()
    scrubber.add_signature(value)

    cleaned = scrubber.text(f'the gateway said: {value} (echoed)')

    assert value not in cleaned and cleaned.startswith('the gateway said: ') and cleaned.endswith(' (echoed)')


def test_short_values_are_not_treated_as_secrets():
    scrubber = ri.SecretScrubber(['abc', ' ', ''])
    assert scrubber.text('abc and more') == 'abc and more'


def test_a_short_secret_is_not_sought_across_the_blanks_between_words():
    # A 5-character proxy password: the words around a blank may spell it once the blank is taken out ('read mine'),
    # where no vendor folds a value that short.
    text = 'Please read mine again: the admin said so.'

    assert ri.SecretScrubber(['admin']).text(text) == f'Please read mine again: the {facts.SCRUBBER_MASK} said so.'


def test_a_short_secret_leaves_a_file_hash_whole_that_holds_what_base64_writes_of_it():
    secret = 'atka'
    # A 4-character proxy password's base64 is 4 or 5 characters, which may be hex digits ('atka' at the second byte of
    # a group: F0a2): sought as a secret, they would mask a piece of every SHA256 that holds them, in any case.
    written = {base64.b64encode(bytes(offset) + secret.encode()).decode()[first:first + 4]
               for offset, first in ((0, 0), (1, 2), (2, 3))}
    hashes = [(piece.lower() * 16)[:64] for piece in written if all(c in string.hexdigits for c in piece)]
    assert hashes
    text = f'file_hash {" ".join(hashes)} restored'

    assert ri.SecretScrubber([secret]).text(text) == text


@pytest.mark.parametrize('length', [facts.SCRUBBER_MIN_LENGTH, facts.SCRUBBER_MIN_LENGTH + 1])
def test_a_secret_as_short_as_the_readme_s_least_length_is_masked(length):
    # README, "Limits of the scrubber": only a secret shorter than 4 characters is not looked for (a proxy password
    # may be that short); the property tests draw their secrets from facts' length, not from the scrubber's own.
    secret = 'p4S!x9'[:length]
    scrubber = ri.SecretScrubber([secret])

    cleaned = scrubber.text(f'the proxy said: {secret} (echoed)')

    assert cleaned == f'the proxy said: {facts.SCRUBBER_MASK} (echoed)'


@pytest.mark.parametrize('secret', ['p\u00e4ssw\u00f6rd-1234', 'key\u00a0with\u00e9'])
def test_a_secret_quoted_back_as_a_bytes_repr_of_its_latin1_is_masked(secret):
    # The class promises "a bytes' repr": a Latin-1 header or body printed as bytes writes each letter past ASCII as
    # \xXX (p\xe4ssw\xf6rd-1234), which neither JSON's \uXXXX nor the letter itself spells.
    quoted = repr(secret.encode('latin-1'))[2:-1]
    assert quoted != secret and '\\x' in quoted

    shown = ri.SecretScrubber([secret]).text(f"header value b'{quoted}' refused")

    assert shown == f"header value b'{facts.SCRUBBER_MASK}' refused"


# --------------------------------------------------------------------------- through main(), against an echo server


class EchoVendor:
    """Answers IAM's token request with a token, and everything else with an error that quotes back every header,
    query value and body it received, in each vendor's error form."""

    def __init__(self, iam_echoes=False, quoting=str):
        self.iam_echoes, self.quoting = iam_echoes, quoting  # quoting: how the vendor writes what it quotes back
        self.echoed = []  # what it quoted back: a test shows the secret was there to take out
        self.server = LoopbackServer(self._app).start()
        self.url = self.server.url

    def _app(self, request):
        if request.path.endswith('/v3/auth/tokens') and self.iam_echoes:
            quoted = json.dumps({'headers': dict(request.headers), 'body': request.body.decode('utf-8', 'replace')})
            self.echoed.append(quoted)
            reply = {'error': {'code': 401, 'title': 'Unauthorized', 'message': f'refused: {quoted}'}}
            return Response(401, json.dumps(reply).encode(), {'Content-Type': 'application/json'})
        if request.path.endswith('/v3/auth/tokens'):
            body = load_json(TEST_DATA / 'hss' / 'replies' / 'iam_token_reply.json')
            return Response(201, json.dumps(body).encode(), {'Content-Type': 'application/json',
                                                             'X-Subject-Token': IAM_TOKEN})
        received = json.dumps({'headers': dict(request.headers), 'query': request.query,
                               'body': request.body.decode('utf-8', 'replace')})
        echoed = self.quoting(received)
        self.echoed.append(echoed)
        if request.path.startswith('/public_api/'):
            reply = {'reply': {'err_code': 400, 'err_msg': echoed, 'err_extra': {'received': echoed}}}
        else:
            reply = {'error_code': 'HSS.0001', 'error_msg': echoed, 'error_description': echoed}
        return Response(400, json.dumps(reply).encode(),
                        {'Content-Type': 'application/json', 'X-Request-Id': received[:40]})


@pytest.fixture
def echo():
    vendor = EchoVendor()
    yield vendor
    vendor.server.stop()


def run_main(params, command, args, integration_context=None):
    demisto = Demisto(params, command, args, {} if integration_context is None else integration_context, [])
    ri.main(demisto)
    return demisto


CASES = [
    ('restore-file', {'file_hash': 'a' * 64}, 'xdr', 'standard'),
    ('restore-file', {'file_hash': 'a' * 64}, 'xdr', 'advanced'),
    ('hss-restore-isolated', {'host_id': 'h1', 'file_hash': 'b' * 64, 'file_path': '/x'}, 'hss', 'aksk'),
    ('hss-restore-isolated', {'host_id': 'h1', 'file_hash': 'b' * 64, 'file_path': '/x'}, 'hss', 'token'),
    ('test-module', {}, 'both', 'token'),
]


def echo_params(echo, vendor, mode):
    params = {'insecure': False, 'retry_backoff': '0', 'max_retries': '0'}
    if vendor in ('xdr', 'both'):
        params.update(xdr_url=echo.url, xdr_api_key_id='7', xdr_api_key={'password': f' {XDR_KEY} '},
                      xdr_auth_type=mode if vendor == 'xdr' else 'standard')
    if vendor in ('hss', 'both'):
        params.update(hss_endpoint=echo.url, hss_iam_endpoint=echo.url, hss_region='ap-southeast-1',
                      hss_project_id='p' * 32, hss_auth_type=mode, hss_domain='acme',
                      hss_aksk={'identifier': 'AKTEST', 'password': HSS_SK},
                      hss_credentials={'identifier': 'user', 'password': f'{IAM_PASSWORD} '})
    return params


@pytest.mark.parametrize('command, args, vendor, mode', CASES)
def test_no_secret_survives_a_vendor_that_quotes_back_everything_it_received(echo, command, args, vendor, mode):
    demisto = run_main(echo_params(echo, vendor, mode), command, args)

    shown = json.dumps(demisto.entries) + json.dumps(demisto.log)
    assert demisto.entries and demisto.entries[-1]['Type'] == facts.ENTRY_ERROR
    assert 'answered HTTP 400' in shown  # the vendor's error did come back, quoting what it received
    for secret in (XDR_KEY, HSS_SK, IAM_PASSWORD, IAM_TOKEN):
        for form in traces(secret):
            assert form not in shown, (secret[:6], form[:10])
    if mode in ('standard', 'token'):  # these send a secret itself (an advanced key and AK/SK send signatures)
        carried = XDR_KEY if vendor == 'xdr' or (vendor == 'both' and mode == 'standard') else IAM_TOKEN
        assert any(carried in text for text in echo.echoed)  # the echo did carry it, and it was taken out
    else:  # the secret these send is the request's signature: the echo carried it too, and it was taken out
        signatures = [json.loads(text)['headers']['Authorization'].rsplit('Signature=', 1)[-1] for text in echo.echoed]
        assert signatures and all(len(signature) == 64 for signature in signatures)
        assert not [signature for signature in signatures if signature in shown or signature.upper() in shown]


def folded(width: int, line_break: str):
    """A text folded into lines of ``width`` characters, as a page or a log wraps a long value."""
    return lambda text: line_break.join(text[at:at + width] for at in range(0, len(text), width))


def shown_through(echo, command, args, vendor, mode) -> str:
    """What a run against an echo showed (its entries and its log, as JSON), the echo stopped after it."""
    try:
        demisto = run_main(echo_params(echo, vendor, mode), command, args)
    finally:
        echo.server.stop()
    return json.dumps(demisto.entries) + json.dumps(demisto.log)


def quoted_back(quoting, command, args, vendor, mode):
    """A run against an echo that writes what it received so: the echo, what the run showed, and the secret sent."""
    echo = EchoVendor(quoting=quoting)
    shown = shown_through(echo, command, args, vendor, mode)
    assert 'answered HTTP 400' in shown
    carried = XDR_KEY if vendor == 'xdr' or (vendor == 'both' and mode == 'standard') else IAM_TOKEN
    return echo, shown, carried


@pytest.mark.parametrize('line_break, width', [('\n', 40), ('\r\n', 32)], ids=['LF at 40', 'CRLF at 32'])
@pytest.mark.parametrize('command, args, vendor, mode', [case for case in CASES if case[3] in ('standard', 'token')])
def test_no_piece_of_a_secret_survives_a_vendor_that_quotes_it_back_split_across_lines(command, args, vendor, mode,
                                                                                      line_break, width):
    echo, shown, carried = quoted_back(folded(width, line_break), command, args, vendor, mode)
    # the echo split it: not quoted whole, but whole once its line breaks are taken out
    assert all(carried not in text for text in echo.echoed)
    assert any(carried in text.replace(line_break, '') for text in echo.echoed)
    assert not [piece for piece in pieces(carried) if piece in shown]


CASE_CHANGES = {'upper': str.upper, 'lower': str.lower, 'swapped': str.swapcase}


@pytest.mark.parametrize('change', CASE_CHANGES)
@pytest.mark.parametrize('command, args, vendor, mode', [case for case in CASES if case[3] in ('standard', 'token')])
def test_no_piece_of_a_secret_survives_a_vendor_that_quotes_it_back_in_another_case(command, args, vendor, mode,
                                                                                    change):
    # An error page that upper-cases what it quotes: the key or token is case-sensitive, but its letters are there
    echo, shown, carried = quoted_back(CASE_CHANGES[change], command, args, vendor, mode)
    assert all(carried not in text for text in echo.echoed)
    assert any(CASE_CHANGES[change](carried) in text for text in echo.echoed)
    assert not [piece for piece in pieces(carried.lower()) if piece in shown.lower()]


# Letters of each kind a secret holds: ASCII (keys, tokens, SKs) and past it (an IAM password: \u00e9, \u00c0, a sigma,
# title-case Dz, the theta symbol that lowers to another theta, a Cyrillic Zhe)
CASED = string.ascii_letters + string.digits + ' "\\/+=%&\u00e9\u00c0\u03a3\u01c5\u03f4\u0416'


@given(secret=st.text(CASED, min_size=facts.SCRUBBER_MIN_LENGTH, max_size=40).filter(
           lambda text: text.strip() == text and any(char.isalpha() for char in text)),
       flips=st.lists(st.booleans(), min_size=40, max_size=40),
       quoting=st.sampled_from([str, lambda text: json.dumps(text)[1:-1], lambda text: quote(text, safe='')]))
def test_a_secret_quoted_back_in_any_mix_of_cases_is_masked_in_each_form(secret, flips, quoting):
    changed = ''.join(char.swapcase() if flip else char for char, flip in zip(secret, flips))
    text = f'vendor said: "{quoting(changed)}" (echoed)'

    assert ri.SecretScrubber([secret]).text(text) == f'vendor said: "{facts.SCRUBBER_MASK}" (echoed)'


class PageEchoVendor(EchoVendor):
    """A gateway whose HTML error page lists the headers it received, those of credentials first, after a paragraph
    of its own, folded into lines of 8 characters: the integration quotes such a page's first 200."""

    def _app(self, request):
        if request.path.endswith('/v3/auth/tokens'):
            return super()._app(request)
        headers = sorted(dict(request.headers).items(), key=lambda header: 'auth' not in header[0].lower())
        listed = folded(8, '\n')(' '.join(f'{name}: {value}' for name, value in headers))
        self.echoed.append(listed)
        page = f'<html><body><p>{"Request refused. " * 7}</p><pre>{listed}</pre></body></html>'
        return Response(400, page.encode(), {'Content-Type': 'text/html'})


@pytest.mark.parametrize('command, args, vendor, mode', CASES[0:4:3])  # each vendor's, with the secret it sends
def test_no_piece_of_a_secret_survives_a_page_that_quotes_it_folded_and_is_cut_short(command, args, vendor, mode):
    echo = PageEchoVendor()
    shown = shown_through(echo, command, args, vendor, mode)
    carried = XDR_KEY if vendor == 'xdr' else IAM_TOKEN
    assert 'answered HTTP 400' in shown and '...' in shown
    assert any(carried in text.replace('\n', '') for text in echo.echoed)  # the page quoted it, folded
    assert not [piece for piece in pieces(carried, 6) if piece in shown]


BASE64_QUOTINGS = {  # how a vendor may write what it received in base64: each alphabet, and MIME's 76-column lines
    'standard': lambda text: base64.b64encode(text.encode()).decode(),
    'url-safe': lambda text: base64.urlsafe_b64encode(text.encode()).decode(),
    'MIME lines': lambda text: base64.encodebytes(text.encode()).decode(),
}


@pytest.mark.parametrize('quoting', BASE64_QUOTINGS)
@pytest.mark.parametrize('command, args, vendor, mode', [case for case in CASES if case[3] in ('standard', 'token')])
def test_no_piece_of_a_secret_survives_a_vendor_that_quotes_it_back_in_base64(command, args, vendor, mode, quoting):
    echo, shown, carried = quoted_back(BASE64_QUOTINGS[quoting], command, args, vendor, mode)
    # The characters of each echo that encode the secret: base64 writes 4 for every 3 bytes
    encoded = []
    for text in echo.echoed:
        received = base64.b64decode(text.replace('\n', ''), altchars=b'-_' if quoting == 'url-safe' else None)
        if (at := received.find(carried.encode())) >= 0:
            encoded.append(text.replace('\n', '')[at * 4 // 3 + 2:(at + len(carried)) * 4 // 3 - 1])
    assert encoded  # the echo did carry it, encoded
    assert not [piece for text in encoded for piece in pieces(text) if piece in shown]



def base64_of(sent: bytes, echoed: list[str], quoting: str) -> list[str]:
    """The characters of each echo in base64 that encode ``sent`` alone (4 for every 3 bytes), where it holds it."""
    encoded = []
    for text in (text.replace('\n', '') for text in echoed):
        received = base64.b64decode(text, altchars=b'-_' if quoting == 'url-safe' else None)
        if (at := received.find(sent)) >= 0:
            encoded.append(text[at * 4 // 3 + 2:(at + len(sent)) * 4 // 3 - 1])
    return encoded


@pytest.mark.parametrize('quoting', BASE64_QUOTINGS)
def test_no_piece_of_the_iam_password_survives_an_iam_that_quotes_the_body_it_received_in_base64(quoting):
    # The token request's JSON body carries the password escaped (its quotes and backslash as \" and \\): a gateway
    # that quotes a body back in base64 (as AWS API Gateway hands one on) writes that form's base64, not the password's
    echoed = []

    def iam(request):
        echoed.append(BASE64_QUOTINGS[quoting](request.body.decode()))
        reply = {'error': {'code': 401, 'title': 'Unauthorized', 'message': f'refused the body {echoed[-1]}'}}
        return Response(401, json.dumps(reply).encode(), {'Content-Type': 'application/json'})

    server = LoopbackServer(iam).start()
    try:
        demisto = run_main(echo_params(server, 'hss', 'token'), 'hss-restore-isolated', {'file_hash': 'b' * 64})
    finally:
        server.stop()

    shown = json.dumps(demisto.entries) + json.dumps(demisto.log)
    assert 'Huawei Cloud IAM answered HTTP 401' in shown
    encoded = base64_of(json.dumps(IAM_PASSWORD)[1:-1].encode(), echoed, quoting)  # as JSON holds it (RFC 8259)
    assert encoded  # IAM received it so, and quoted it back encoded
    assert not [piece for text in encoded for piece in pieces(text) if piece in shown]

@pytest.mark.parametrize('command, args, vendor, mode', [case for case in CASES if case[3] in ('advanced', 'aksk')])
def test_a_request_signature_quoted_back_is_scrubbed_as_it_opens_the_api_while_fresh(echo, command, args, vendor, mode):
    # An advanced Cortex XDR key's hash covers neither path nor body (DESIGN: sha256(key + nonce + timestamp)), so with
    # the other headers it restores any file until its timestamp is stale; an SDK-HMAC signature replays its request.
    demisto = run_main(echo_params(echo, vendor, mode), command, args)

    shown = json.dumps(demisto.entries) + json.dumps(demisto.log)
    sent = [json.loads(text)['headers']['Authorization'] for text in echo.echoed]
    signatures = [value.rsplit('Signature=', 1)[-1] for value in sent]
    assert signatures and all(len(signature) == 64 for signature in signatures)  # what the vendor was sent, and quoted
    for signature in signatures:
        assert signature not in shown and signature.upper() not in shown


@pytest.mark.parametrize('quoting', BASE64_QUOTINGS)
@pytest.mark.parametrize('command, args, vendor, mode', [case for case in CASES if case[3] in ('advanced', 'aksk')])
def test_a_request_signature_quoted_back_in_base64_is_scrubbed(command, args, vendor, mode, quoting):
    # What opens the API while fresh (above), with the headers beside it, quoted by a vendor that writes what it
    # received in base64
    echo = EchoVendor(quoting=BASE64_QUOTINGS[quoting])
    shown = shown_through(echo, command, args, vendor, mode)

    assert 'answered HTTP 400' in shown
    received = [base64.b64decode(text, altchars=b'-_' if quoting == 'url-safe' else None) for text in echo.echoed]
    signatures = {json.loads(text)['headers']['Authorization'].rsplit('Signature=', 1)[-1] for text in received}
    encoded = [text for signature in signatures for text in base64_of(signature.encode(), echo.echoed, quoting)]
    assert encoded and all(len(signature) == 64 for signature in signatures)
    assert not [piece for text in encoded for piece in pieces(text) if piece in shown]


@given(digest=st.binary(min_size=32, max_size=32), before=st.binary(max_size=5), after=st.binary(max_size=5),
       alphabet=st.sampled_from([b'+/', b'-_']))
def test_a_signature_s_base64_is_masked_whatever_bytes_stand_around_it(digest, before, after, alphabet):
    # A signature as hexdigest writes it (lower-case hex), at each place in a 3-byte group base64 may start it
    signature = digest.hex()
    scrubber = ri.SecretScrubber()
    scrubber.add_signature(signature)
    text = base64.b64encode(before + signature.encode() + after, alphabet).decode()
    encoded = text[len(before) * 4 // 3 + 2:(len(before) + len(signature)) * 4 // 3 - 1]

    shown = scrubber.text(f'received: {text} (quoted back)')

    assert encoded in text and not [piece for piece in pieces(encoded) if piece in shown]



@pytest.mark.parametrize('before', [b'', b'{', b'k='])  # the secret at each of the 3 places in a 3-byte group
@pytest.mark.parametrize('alphabet', [b'+/', b'-_'])
@pytest.mark.parametrize('secret, sent', [('Hq7pN2vXc9Lm', 'Hq7pN2vXc9Lm'),  # a key, sent as is
                                          ('Hq7pN2vX', 'Hq7pN2vX'),  # as short as one sought in base64 may be
                                          # '?' at each place in a group: base64 writes + or /, the alphabets differ
                                          ('?a?b?cdefgh~', '?a?b?cdefgh~'),
                                          ('pw"Hq7p\\N2v', 'pw\\"Hq7p\\\\N2v')])  # a password, in a JSON body
def test_every_base64_character_that_encodes_a_secret_alone_is_masked_at_each_place_in_a_group(before, alphabet,
                                                                                                secret, sent):
    # 6 bits a character: those whose bits all fall in the bytes sent of the secret, from the first to the last (README)
    text = base64.b64encode(before + sent.encode() + b'}', alphabet).decode()
    first, end = -(-len(before) * 8 // 6), (len(before) + len(sent)) * 8 // 6

    shown = ri.SecretScrubber([secret]).text(f'received: {text} (quoted back)')

    assert shown == f'received: {text[:first]}{facts.SCRUBBER_MASK}{text[end:]} (quoted back)'


def test_the_refusal_kept_of_an_iam_that_quotes_back_the_password_holds_no_trace_of_it():
    # IAM's refusal is kept in the integration context for the next runs, which XSOAR keeps on its server unscrubbed.
    vendor = EchoVendor(iam_echoes=True)
    try:
        context = {}
        run_main(echo_params(vendor, 'hss', 'token'), 'hss-restore-isolated',
                 {'host_id': 'h1', 'file_hash': 'b' * 64, 'file_path': '/x'}, context)
        later = run_main(echo_params(vendor, 'hss', 'token'), 'hss-restore-isolated',
                         {'host_id': 'h1', 'file_hash': 'b' * 64, 'file_path': '/x'}, context)
    finally:
        vendor.server.stop()

    [received] = vendor.echoed  # the later run sent nothing
    assert IAM_PASSWORD in json.loads(json.loads(received)['body'])['auth']['identity']['password']['user']['password']
    kept = json.dumps(context) + json.dumps(later.entries)
    assert 'refused the login at' in kept
    for form in traces(IAM_PASSWORD):
        assert form not in kept, form


def test_credentials_in_netrc_are_never_sent_to_iam(monkeypatch, tmp_path):
    # requests adds ~/.netrc's (or $NETRC's) credentials to a request with no auth of its own, as IAM's token request is
    netrc = tmp_path / 'netrc'
    netrc.write_text('default login intruder password netrcSECRETvalue\n')
    netrc.chmod(0o600)
    monkeypatch.setenv('NETRC', str(netrc))
    vendor = EchoVendor(iam_echoes=True)
    try:
        demisto = run_main(echo_params(vendor, 'hss', 'token'), 'hss-restore-isolated',
                           {'host_id': 'h1', 'file_hash': 'b' * 64, 'file_path': '/x'})
    finally:
        vendor.server.stop()

    [received] = vendor.echoed  # IAM's token request, headers and all
    assert 'Authorization' not in json.loads(received)['headers'] and 'netrcSECRETvalue' not in received
    assert 'netrcSECRETvalue' not in json.dumps(demisto.entries)


def test_a_cached_token_quoted_back_is_scrubbed_too(echo):
    params = {'hss_endpoint': echo.url, 'hss_iam_endpoint': echo.url, 'hss_project_id': 'p' * 32,
              'hss_auth_type': 'token', 'hss_domain': 'acme', 'max_retries': '0',
              'hss_credentials': {'identifier': 'user', 'password': IAM_PASSWORD}}
    identity = ri.token_identity(ri.read_hss_settings(params))
    cached = {'identity': identity, 'token': CACHED_TOKEN, 'expires_at': 4_000_000_000}
    context = {ri.TOKEN_CACHE_KEY: json.dumps(cached)}  # JSON text, as XSOAR keeps integration context values

    demisto = run_main(params, 'hss-restore-isolated', {'host_id': 'h', 'file_hash': 'c' * 64, 'file_path': '/y'},
                       context)

    shown = json.dumps(demisto.entries)
    assert 'answered HTTP 400' in shown and CACHED_TOKEN not in shown
    assert any(CACHED_TOKEN in text for text in echo.echoed)  # it was sent, quoted back, and taken out


def test_an_iam_password_saved_with_blanks_and_quoted_back_by_iam_is_scrubbed():
    vendor = EchoVendor(iam_echoes=True)
    try:
        params = {'hss_endpoint': vendor.url, 'hss_iam_endpoint': vendor.url, 'hss_project_id': 'p' * 32,
                  'hss_auth_type': 'token', 'hss_domain': 'acme', 'max_retries': '0',
                  'hss_credentials': {'identifier': 'user', 'password': f'  {IAM_PASSWORD}\t'.replace('\t', ' ')}}
        demisto = run_main(params, 'hss-restore-isolated', {'file_hash': 'c' * 64})
        shown = json.dumps(demisto.entries)
        assert 'Huawei Cloud IAM answered HTTP 401' in shown
        assert any(form in text for text in vendor.echoed for form in forms(IAM_PASSWORD))  # IAM quoted it back
        for form in traces(IAM_PASSWORD):
            assert form not in shown
    finally:
        vendor.server.stop()


PROXY_PASSWORD = 'proxy pw:' + secrets.token_urlsafe(12)  # a blank and a colon: percent-encoded in the proxy URL
# README's limits: under 8 characters, a secret's own base64 is not sought, "but a proxy login's Basic header" is
SHORT_PROXY_PASSWORD = 'pX:7q'


@pytest.mark.parametrize('password', [PROXY_PASSWORD, SHORT_PROXY_PASSWORD], ids=['long', 'short'])
@pytest.mark.parametrize('command, args, vendor, mode', CASES)
def test_the_proxy_password_is_scrubbed_when_the_proxy_quotes_back_what_it_received(echo, monkeypatch, command, args,
                                                                                     vendor, mode, password):
    # With "Use system proxy settings" checked, the environment's proxy URL holds a user and password, and the echo is
    # that proxy too: a proxy's error page quoting the request it received, its Proxy-Authorization header included.
    for name in ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'):
        monkeypatch.setenv(name, f'http://operator:{quote(password, safe="")}@{echo.url.split("://")[1]}')
    for name in ('NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)
    basic = base64.b64encode(f'operator:{password}'.encode()).decode()  # RFC 7617, as a proxy receives it

    demisto = run_main(dict(echo_params(echo, vendor, mode), proxy=True), command, args)

    shown = json.dumps(demisto.entries) + json.dumps(demisto.log)
    assert 'answered HTTP 400' in shown and any(basic in text for text in echo.echoed)
    for form in traces(password) | {basic}:
        assert form not in shown, form[:10]


PROXY_API_KEY = 'proxyKEY' + secrets.token_urlsafe(12)  # a proxy that takes an API key as its user name, no password


@pytest.mark.parametrize('command, args, vendor, mode', CASES)
def test_a_proxy_login_of_a_user_name_alone_is_scrubbed_when_the_proxy_quotes_back_what_it_received(
        echo, monkeypatch, command, args, vendor, mode):
    # http://KEY:@proxy: the user name is the whole credential (proxies that take an API key so), and requests sends it
    # to the proxy in Proxy-Authorization (Basic, RFC 7617: the user name, a colon and an empty password).
    for name in ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'):
        monkeypatch.setenv(name, f'http://{PROXY_API_KEY}:@{echo.url.split("://")[1]}')
    for name in ('NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)
    basic = base64.b64encode(f'{PROXY_API_KEY}:'.encode()).decode()

    demisto = run_main(dict(echo_params(echo, vendor, mode), proxy=True), command, args)

    shown = json.dumps(demisto.entries) + json.dumps(demisto.log)
    assert 'answered HTTP 400' in shown and any(basic in text for text in echo.echoed)
    for form in traces(PROXY_API_KEY) | {basic}:
        assert form not in shown, form[:10]



@pytest.mark.parametrize('command, args, vendor, mode', CASES[0:4:3])  # each vendor's
def test_a_proxy_url_holding_bytes_not_utf8_is_refused_in_an_error_naming_the_variable(echo, monkeypatch, command,
                                                                                     args, vendor, mode):
    # A proxy URL set from a Latin-1 shell: its password's byte E9 is not UTF-8 (Python reads it as U+DCE9)
    password = os.fsdecode(b'pw\xe9' + secrets.token_hex(8).encode())
    for name in ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'):
        monkeypatch.setenv(name, f'http://operator:{password}@{echo.url.split("://")[1]}')
    for name in ('NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)

    demisto = run_main(dict(echo_params(echo, vendor, mode), proxy=True), command, args)

    shown = json.dumps(demisto.entries) + json.dumps(demisto.log)
    assert demisto.entries[-1]['Type'] == facts.ENTRY_ERROR and 'HTTPS_PROXY' in shown
    assert 'unexpected' not in shown and password[3:] not in shown

def nested_in_lists(value, depth: int):
    for _ in range(depth):  # built in a loop: no recursion however deep
        value = [value]
    return value


@pytest.mark.parametrize('depth', [1_000, 100_000])
def test_a_secret_nested_deeper_than_a_walk_can_go_is_never_shown_and_the_scrubber_does_not_crash(depth):
    scrubber = ri.SecretScrubber([XDR_KEY])
    entry = {'Type': 1, 'Contents': nested_in_lists(['kept', XDR_KEY], depth)}

    for scrubbed in (scrubber.entry(entry), scrubber.value(entry)):
        shown = json.dumps(scrubbed)  # what XSOAR's demisto.results writes: too deep would fail here too
        for trace in traces(XDR_KEY):
            assert trace not in shown


def nested_in_objects(value, depth: int):
    for _ in range(depth):  # built in a loop: no recursion however deep
        value = {'inner': value}
    return value


@pytest.mark.parametrize('depth', [1_000, 100_000])
def test_a_secret_nested_in_objects_deeper_than_a_walk_can_go_is_never_shown_and_the_scrubber_does_not_crash(depth):
    scrubber = ri.SecretScrubber([XDR_KEY])
    entry = {'Type': 1, 'Contents': nested_in_objects({'reason': f'key={XDR_KEY}'}, depth)}

    for scrubbed in (scrubber.entry(entry), scrubber.value(entry)):
        shown = json.dumps(scrubbed)  # what XSOAR's demisto.results writes: too deep would fail here too
        for trace in traces(XDR_KEY):
            assert trace not in shown


def test_a_secret_nested_a_few_levels_is_masked_where_it_stands_and_the_rest_kept():
    scrubber = ri.SecretScrubber([XDR_KEY])
    entry = {'Type': 1, 'Contents': nested_in_lists(['kept', f'key={XDR_KEY}'], 10)}

    contents = scrubber.entry(entry)['Contents']

    for _ in range(10):
        [contents] = contents
    assert contents == ['kept', f'key={facts.SCRUBBER_MASK}'], contents  # the key masked whole, the rest as it was


def test_bulk_rows_repeating_their_texts_have_a_secret_masked_in_the_one_row_holding_it_and_the_rest_kept():
    # Rows as a bulk entry writes them, Contents and context sharing them: the same keys and values row after row, the
    # secret in the last row's reason only, and a clean text that row shares with the others
    rows = [{'host_id': 'h1', 'outcome': 'restoring', 'reason': '', 'file_path': f'C:\\q\\f{n}.exe'}
            for n in range(500)]
    rows[-1]['reason'] = f'HSS quoted key={XDR_KEY}'
    entry = {'Type': 1, 'Contents': {'items': rows}, 'EntryContext': {'X.Y': rows}}

    scrubbed = ri.SecretScrubber([XDR_KEY]).entry(entry)

    for place in (scrubbed['Contents']['items'], scrubbed['EntryContext']['X.Y']):
        assert place[-1] == dict(rows[-1], reason=f'HSS quoted key={facts.SCRUBBER_MASK}')
        assert place[:-1] == rows[:-1]


@given(head=st.text(string.ascii_letters, min_size=4, max_size=8), tail=st.text(string.digits, min_size=6, max_size=10),
       middle=st.text('|"\\/ ', min_size=1, max_size=4).filter(lambda text: '|' in text),
       quoting=st.sampled_from([str, lambda text: json.dumps(text)[1:-1], ri.printable, ri.short_text]))
def test_a_secret_holding_a_pipe_is_masked_in_a_table_cell_in_each_form_a_message_quotes_it(head, tail, middle,
                                                                                           quoting):
    secret = head + middle + tail
    cell = ri.markdown_table('t', [{'error': f'refused: {quoting(secret)} (echoed)'}], ['error'], 'X.Y', bool)
    assert tail in cell

    cleaned = ri.SecretScrubber([secret]).text(cell)

    assert tail not in cleaned and facts.SCRUBBER_MASK in cleaned


def test_an_entry_holding_no_secret_is_handed_on_itself_uncopied_though_its_rows_repeat_their_texts():
    # README (bench): every string of a bulk entry passes the scrubber; one holding no secret is neither copied nor
    # walked again (DEVELOPERS: its entry checks each distinct text once, as bulk rows repeat theirs)
    rows = [{'host_id': 'h1', 'outcome': 'restoring', 'reason': '', 'file_path': f'C:\\q\\f{n % 7}.exe'}
            for n in range(50)]
    entry = {'Type': 1, 'Contents': {'items': rows}, 'EntryContext': {'X.Y': rows}}

    assert ri.SecretScrubber([XDR_KEY]).entry(entry) is entry


@pytest.mark.parametrize('depth', [62, 63, 64])
def test_an_entry_nested_about_as_deep_as_is_shown_is_what_value_makes_of_it_secret_or_not(depth):
    # entry is value, or the entry itself when value would change nothing: the part nested too deep to show is
    # replaced there as value replaces it, whether a secret stands beside it or not
    for inner in (['kept'], ['kept', f'key={XDR_KEY}']):
        entry = {'Type': 1, 'Contents': nested_in_lists(inner, depth)}
        scrubber = ri.SecretScrubber([XDR_KEY])

        assert scrubber.entry(entry) == scrubber.value(entry)
