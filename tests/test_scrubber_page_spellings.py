"""A gateway's error page that quotes a secret it received writes it as its page's language does: HTML-escaped (an
HTML page must escape & < > and the quotes of what it quotes, each library its own way, some every other character too).
The integration quotes such a page (short_text: its first 200 characters), so the secret must come out in none of those
spellings, whole or in part where the cut falls inside it. A gateway that quotes it URL-encoded writes it as its
language's encoder does: which characters each escapes, and in which case, differ.

A scrubber that does nothing fails every test here: each one first shows the page quoted the secret.
"""
from __future__ import annotations

import html
import json
import re
import string
from html.entities import codepoint2name, html5
from urllib.parse import quote, unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scrubber_hex_secrets import QuotingVendor

import facts
import restore_integration as ri
from warroom.emulator.httpserver import Response
from warroom.runtime import Demisto

ALNUM = string.ascii_letters + string.digits
# The password's ends, which no spelling changes: marked, so that no word of a message is taken for one
HEAD, TAIL = (st.text(ALNUM, min_size=6, max_size=10).map(mark) for mark in (lambda text: 'Hq' + text,
                                                                              lambda text: text + 'Zq'))
HTML_SPECIAL = '&<>"\''
# What an IAM password may hold (setting_credential refuses only control characters, unpaired surrogates, invisible
# format characters inside it and fewer than 4 characters), the characters an HTML page escapes drawn as often as all
# the others.
PASSWORD_TEXT = st.text(st.sampled_from(HTML_SPECIAL) | st.characters(blacklist_categories=('Cc', 'Cs', 'Cf')),
                        max_size=4)


def html_escaper(quot, apos):
    """& < > as every library writes them, and " and ' as the one named writes them."""
    return lambda text: (text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
                         .replace('"', quot).replace("'", apos))


HTML_ESCAPERS = {
    "Python's html.escape": html.escape,
    "Go's html.EscapeString, Jinja's and MarkupSafe's escape": html_escaper('&#34;', '&#39;'),
    "Ruby's CGI.escapeHTML, .NET's HtmlEncode, Spring's HtmlUtils": html_escaper('&quot;', '&#39;'),
    "PHP's htmlspecialchars (ENT_QUOTES, PHP 8.1's default)": html_escaper('&quot;', '&#039;'),
    "Apache httpd's ap_escape_html, Java's escapeHtml4": html_escaper('&quot;', "'"),
    "PHP's htmlspecialchars (ENT_QUOTES | ENT_HTML5), XML escapers": html_escaper('&quot;', '&apos;'),
    "Python's xml.sax.saxutils.escape": html_escaper('"', "'"),
}

TOKEN_MODE = {'hss_project_id': 'p' * 32, 'hss_auth_type': 'token', 'hss_domain': 'acme', 'max_retries': '0',
              'retry_backoff': '0'}
PAGE_HEAD = '<html><head><title>401 Unauthorized</title></head><body><p>'
# The most dots before the quote that leave its first 4 characters (what the scrubber looks for) in short_text's 200
LEADS = st.integers(0, 200 - len(PAGE_HEAD) - len('Login refused for ') - facts.SCRUBBER_MIN_LENGTH)


@pytest.fixture(scope='module')
def gateway():
    """The quoting vendor, IAM's token request refused by a gateway page that ``gateway.iam`` writes."""
    served = QuotingVendor(answer=None, iam=None)
    yield served
    served.server.stop()


def page_quoting_the_password(spell, lead, as_sent, pages):
    """A gateway page refusing IAM's token request, quoting the password it received ``lead`` characters in: as the
    JSON body held it (``as_sent``) or as read, spelled by ``spell``."""
    def iam(request):
        password = json.loads(request.body)['auth']['identity']['password']['user']['password']
        quoted = json.dumps(password)[1:-1] if as_sent else password
        pages.append(f'{PAGE_HEAD}{"." * lead}Login refused for {spell(quoted)}</p></body></html>')
        return Response(401, pages[-1].encode(), {'Content-Type': 'text/html; charset=utf-8'})
    return iam


def shown_after_a_refused_login(gateway, password):
    """What the analyst and the next runs see: the entries, the log and the integration context kept."""
    context = {}
    demisto = Demisto({**TOKEN_MODE, 'hss_endpoint': gateway.url, 'hss_iam_endpoint': gateway.url,
                       'hss_credentials': {'identifier': 'user', 'password': password}},
                      'hss-restore-isolated', {'file_hash': 'b' * 64}, context, [])
    ri.main(demisto)
    return json.dumps([demisto.entries, demisto.log, context], ensure_ascii=False)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(head=HEAD, tail=TAIL,
       middle=st.tuples(PASSWORD_TEXT, st.sampled_from(HTML_SPECIAL), PASSWORD_TEXT).map(''.join),
       escaper=st.sampled_from(sorted(HTML_ESCAPERS)), as_sent=st.booleans(), lead=LEADS)
def test_an_iam_password_quoted_html_escaped_in_a_gateways_page_is_in_no_spelling_shown(
        gateway, head, tail, middle, escaper, as_sent, lead):
    password, pages = head + middle + tail, []
    gateway.iam = page_quoting_the_password(HTML_ESCAPERS[escaper], lead, as_sent, pages)

    shown = shown_after_a_refused_login(gateway, password)

    [page] = pages
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'Login refused' in shown  # the page was quoted
    assert head[:facts.SCRUBBER_MIN_LENGTH] in ri.short_text(page)  # the page's quote of it was quoted
    assert head not in shown and tail not in shown and facts.SCRUBBER_MASK in shown


def references(kept, named, write):
    """An HTML escaper that keeps letters, digits and the characters ``kept``, writes those in ``named`` as that
    name, and every other character as ``write`` writes its code point."""
    return lambda text: ''.join(char if char.isascii() and (char.isalnum() or char in kept) else
                                f'&{named[char]};' if char in named else write(ord(char)) for char in text)


# HTML 5's names of a character, one each (of several, the first alphabetically: &QUOT; for "), as PHP's htmlentities
# writes each character that has one
HTML5_NAMES = {}
for _name, _char in sorted(html5.items(), reverse=True):
    if _name.endswith(';') and len(_char) == 1:
        HTML5_NAMES[_char] = _name[:-1]
# Pages that write more characters than & < > and the quotes as references, each with the characters that tell it
# from the escapers above (one of them is in the password)
REFERENCING_ESCAPERS = {
    # escapeExpression: & < > " ' ` =
    "Handlebars' escapeExpression": (
        lambda text: html_escaper('&quot;', '&#x27;')(text).replace('`', '&#x60;').replace('=', '&#x3D;'), '=`'),
    # HTMLEntityCodec: letters, digits and , . - _ blank kept; an HTML 4 entity by its name; others &#xhh;
    "OWASP ESAPI's encodeForHTML": (
        references(',.-_ ', {chr(code): name for code, name in codepoint2name.items()}, lambda code: f'&#x{code:x};'),
        '=/!:@+`~\u00e9\u20ac'),
    # htmlentities(ENT_QUOTES | ENT_HTML5): every character HTML 5 names, by its name: &period; &equals; &sol;
    "PHP's htmlentities (ENT_QUOTES | ENT_HTML5)": (
        references('', HTML5_NAMES, lambda code: chr(code)), '.,:;=/!@+()'),
    # WebUtility.HtmlEncode: & < > " ' as named or decimal references, U+00A0 to U+00FF as decimal ones
    ".NET's WebUtility.HtmlEncode": (
        lambda text: ''.join(f'&#{ord(char)};' if '\u00a0' <= char <= '\u00ff' else char
                             for char in html_escaper('&quot;', '&#39;')(text)), '\u00e9\u00fc\u00a3\u00a9'),
}


@pytest.mark.parametrize('escaper', sorted(REFERENCING_ESCAPERS))
@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(head=HEAD, tail=TAIL, data=st.data(), as_sent=st.booleans(), lead=LEADS)
def test_an_iam_password_quoted_by_a_page_that_writes_more_characters_as_references_is_in_no_spelling_shown(
        gateway, head, tail, data, escaper, as_sent, lead):
    escape, telling = REFERENCING_ESCAPERS[escaper]
    middle = data.draw(st.tuples(PASSWORD_TEXT, st.sampled_from(telling), PASSWORD_TEXT).map(''.join))
    password, pages = head + middle + tail, []
    gateway.iam = page_quoting_the_password(escape, lead, as_sent, pages)

    shown = shown_after_a_refused_login(gateway, password)

    [page] = pages
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'Login refused' in shown  # the page was quoted
    assert head[:facts.SCRUBBER_MIN_LENGTH] in ri.short_text(page)  # the page's quote of it was quoted
    assert head not in shown and tail not in shown and facts.SCRUBBER_MASK in shown


# A page quoting a text escaped already (a gateway's page quoting an upstream page's words): each reference the first
# wrote escaped again, its & as &amp; (&amp;quot;, &amp;#x3D;, &amp;excl;), and again by a page quoting that (&amp;amp;)
ESCAPED_AGAIN = {
    "Python's html.escape, twice": lambda text: html.escape(html.escape(text)),
    "Python's html.escape, three times": lambda text: html.escape(html.escape(html.escape(text))),
    "OWASP ESAPI's encodeForHTML, then html.escape twice": lambda text: html.escape(html.escape(
        REFERENCING_ESCAPERS["OWASP ESAPI's encodeForHTML"][0](text))),
    **{f'{name}, then html.escape': lambda text, escape=escape: html.escape(escape(text))
       for name, (escape, _) in REFERENCING_ESCAPERS.items()},
}


@pytest.mark.parametrize('as_sent', [False, True], ids=['as read', 'as the JSON body held it'])
@pytest.mark.parametrize('escaper', sorted(ESCAPED_AGAIN))
def test_an_iam_password_quoted_by_a_page_that_escapes_its_references_again_is_in_no_spelling_shown(
        gateway, escaper, as_sent):
    # Characters each escaper above writes as references (JSON's \" and \u00a0 too, their backslash one: &#x5c;)
    head, tail = 'HqAgainHead', 'AgainTailZq'
    password, pages = f'{head}&"=\u00a0{tail}', []
    gateway.iam = page_quoting_the_password(ESCAPED_AGAIN[escaper], 0, as_sent, pages)

    shown = shown_after_a_refused_login(gateway, password)

    [page] = pages
    assert '&amp;' in page  # a reference escaped again
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'Login refused' in shown  # the page was quoted
    assert head in ri.short_text(page) and tail in ri.short_text(page)  # the page's quote of it was quoted
    assert head not in shown and tail not in shown and facts.SCRUBBER_MASK in shown


def unescaped(text):
    """A text with every HTML reference in it read, again until none is left (&amp;amp;#72; is H): what a reader of
    the page, or of the page quoted in another, makes of it."""
    while html.unescape(text) != text:
        text = html.unescape(text)
    return text


# Pages that write every character as a reference, letters and digits too (no escaper README names does, but a page
# may: README's "Limits of the scrubber" listed them), its & escaped again by a page quoting a page, up to three times
EVERY_CHARACTER_REFERENCED = {
    'decimal references': lambda text: ''.join(f'&#{ord(char)};' for char in text),
    'upper-case hex references with leading zeros': lambda text: ''.join(f'&#X{ord(char):04X};' for char in text),
    'decimal references escaped again twice': lambda text: ''.join(f'&amp;amp;#{ord(char)};' for char in text),
    'hex references escaped again three times': lambda text: ''.join(f'&amp;amp;amp;#x{ord(char):x};' for char in text),
    # HTML 5's one name for ASCII letters: &fjlig; is "fj"
    "HTML 5's &fjlig; for each fj, decimal references for the rest": lambda text: '&fjlig;'.join(
        ''.join(f'&#{ord(char)};' for char in part) for part in text.split('fj')),
}


@pytest.mark.parametrize('as_sent', [False, True], ids=['as read', 'as the JSON body held it'])
@pytest.mark.parametrize('written', sorted(EVERY_CHARACTER_REFERENCED))
def test_an_iam_password_quoted_by_a_page_with_its_letters_and_digits_as_references_is_in_no_spelling_shown(
        gateway, written, as_sent):
    head, tail = 'Hqfj7', 'fj8Zq'  # 4 characters or more of it, before the cut of short_text, are sought
    password, pages = f'{head}&"=\u00a0{tail}', []
    gateway.iam = page_quoting_the_password(EVERY_CHARACTER_REFERENCED[written], 0, as_sent, pages)

    shown = shown_after_a_refused_login(gateway, password)

    [page] = pages
    assert head not in page and head in unescaped(ri.short_text(page))  # written as references, and quoted
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'Login refused' in shown  # the page was quoted
    assert head not in unescaped(shown) and tail not in unescaped(shown) and facts.SCRUBBER_MASK in shown


def url_encoder(kept, blank='%20', case=str.upper):
    """A URL encoder that keeps letters, digits and ``kept``, writes a blank as ``blank`` and every other character as
    its UTF-8 bytes' %XX escapes, their hex digits in ``case``."""
    return lambda text: ''.join(char if char.isascii() and (char.isalnum() or char in kept) else blank if char == ' '
                                else ''.join(f'%{case(f"{byte:02x}")}' for byte in char.encode()) for char in text)


# Each encoder, and the characters that tell it from Python's quote and quote_plus: one it keeps that they escape, or
# one it escapes that they keep, or one whose escape has a hex letter when it writes them in lower case
URL_ENCODERS = {
    "JavaScript's encodeURIComponent": (url_encoder("-_.!~*'()"), "!'()*"),
    "Java's URLEncoder.encode": (url_encoder('.-*_', blank='+'), '~*'),
    "PHP's urlencode": (url_encoder('-_.', blank='+'), '~'),
    # a gateway quoting the JSON body it received URL-encoded: the JSON's escapes escaped too, \\" as %5C%22
    "Python's quote, of the password as a JSON body holds it": (lambda text: quote(json.dumps(text)[1:-1], safe=''),
                                                                '"\\'),
    ".NET's HttpUtility.UrlEncode (lower-case escapes)": (url_encoder('-_.!*()', blank='+', case=str.lower),
                                                          '/:;=?[]{}\\^<>,\u00e9'),
}


def iam_refusal_quoting_the_password(encode, as_sent, quoted):
    """IAM's token request refused in IAM's JSON error, which quotes the password it received (as the JSON body held
    it, with ``as_sent``) URL-encoded by ``encode``."""
    def iam(request):
        password = json.loads(request.body)['auth']['identity']['password']['user']['password']
        quoted.append(encode(json.dumps(password)[1:-1] if as_sent else password))
        message = f'refused request: password={quoted[-1]}'
        return Response(401, json.dumps({'error': {'code': 401, 'title': 'Unauthorized', 'message': message}}).encode(),
                        {'Content-Type': 'application/json'})
    return iam


@pytest.mark.parametrize('encoder', sorted(URL_ENCODERS))
@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(head=HEAD, tail=TAIL, data=st.data(), as_sent=st.booleans())
def test_an_iam_password_quoted_back_url_encoded_by_another_languages_encoder_is_in_no_spelling_shown(
        gateway, head, tail, data, encoder, as_sent):
    encode, telling = URL_ENCODERS[encoder]
    middle = data.draw(st.tuples(PASSWORD_TEXT, st.sampled_from(telling), PASSWORD_TEXT).map(''.join))
    password, quoted = head + middle + tail, []
    gateway.iam = iam_refusal_quoting_the_password(encode, as_sent, quoted)

    shown = shown_after_a_refused_login(gateway, password)

    [said] = quoted
    assert quote(password) != said  # not Python's spelling
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'refused request: password=' in shown  # it was quoted
    assert head in said and tail in said  # the letters and digits as they are: the password, were it not masked
    assert head not in shown and tail not in shown and facts.SCRUBBER_MASK in shown


# A gateway that URL-encodes every character, letters and digits too (no encoder README names does, but a URL may
# hold them so: README's "Limits of the scrubber" listed them), its hex digits in either case; that URL-encoded again
# (as quote does: %2548 for H)
@pytest.mark.parametrize('times', [1, 2])
@pytest.mark.parametrize('case', [str.upper, str.lower], ids=['%4A', '%4a'])
def test_an_iam_password_quoted_back_with_its_letters_and_digits_url_encoded_is_in_no_spelling_shown(gateway, case,
                                                                                                    times):
    head, tail, quoted = 'HqEveryHead', 'EveryTailZq', []

    def encode_every_character(text):
        text = ''.join(case(f'%{byte:02x}') for byte in text.encode())
        return quote(text, safe='') if times == 2 else text
    gateway.iam = iam_refusal_quoting_the_password(encode_every_character, False, quoted)

    shown = shown_after_a_refused_login(gateway, f'{head} caf\u00e9 ={tail}')

    [said] = quoted
    read = unquote(unquote(said))
    assert head not in said and head in read and tail in read  # every character encoded: the password, once read
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'refused request: password=' in shown  # it was quoted
    read = unquote(unquote(shown))
    assert head not in read and tail not in read and facts.SCRUBBER_MASK in shown


# A gateway that URL-encodes a text already URL-encoded (a query value quoted in the URL of its own error page): each %
# written again as %25, a blank as %2520, = as %253D, \u00e9 as %25C3%25A9
@pytest.mark.parametrize('middle', [' ', '=', ' pass = word ', 'caf\u00e9 100%'])
def test_an_iam_password_quoted_back_url_encoded_twice_is_in_no_spelling_shown(gateway, middle):
    head, tail, quoted = 'HqTwiceHead', 'TwiceTailZq', []
    gateway.iam = iam_refusal_quoting_the_password(lambda text: quote(quote(text, safe=''), safe=''), False, quoted)

    shown = shown_after_a_refused_login(gateway, head + middle + tail)

    [said] = quoted
    assert '%25' in said and head in said and tail in said  # encoded twice: the password, were it not masked
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'refused request: password=' in shown  # it was quoted
    assert head not in shown and tail not in shown and facts.SCRUBBER_MASK in shown


# The same gateway quoting the password as the JSON body held it: each JSON escape's backslash encoded twice too, \" as
# %255C%2522, \\ as %255C%255C, \u00e9 as %255Cu00e9
@pytest.mark.parametrize('middle', ['"', '\\', ' say "hi" \\ ', 'caf\u00e9'])
def test_an_iam_password_quoted_back_as_its_json_body_held_it_url_encoded_twice_is_in_no_spelling_shown(
        gateway, middle):
    head, tail, quoted = 'HqTwiceHead', 'TwiceTailZq', []
    gateway.iam = iam_refusal_quoting_the_password(lambda text: quote(quote(text, safe=''), safe=''), True, quoted)

    shown = shown_after_a_refused_login(gateway, head + middle + tail)

    [said] = quoted
    assert '%255C' in said and head in said and tail in said  # escaped, encoded twice: the password, were it not masked
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'refused request: password=' in shown  # it was quoted
    assert head not in shown and tail not in shown and facts.SCRUBBER_MASK in shown


# A gateway quoting in a URL's query the JSON body it wrote of the password, folded into lines: each line break is the
# JSON escape \n (or \r, \r\n), its backslash URL-encoded as %5C, or twice as %255C when the URL is encoded again
@pytest.mark.parametrize('line_break', ['\n', '\r', '\r\n'])
@pytest.mark.parametrize('times', [1, 2])
@pytest.mark.parametrize('middle', ['-', '\\', 'caf\u00e9"hi"'])
def test_an_iam_password_folded_in_a_json_body_quoted_back_url_encoded_is_in_no_spelling_shown(
        gateway, middle, times, line_break):
    head, tail, quoted = 'HqFoldHead', 'FoldTailZq', []

    def fold_and_encode(password):
        spelled = json.dumps(password.replace(middle, middle + line_break))[1:-1]
        for _ in range(times):
            spelled = quote(spelled, safe='')
        return spelled
    gateway.iam = iam_refusal_quoting_the_password(fold_and_encode, False, quoted)

    shown = shown_after_a_refused_login(gateway, head + middle + tail)

    [said] = quoted
    escaped_break = ['%5C', '%255C'][times - 1] + json.dumps(line_break)[2]  # the backslash encoded, its letter
    assert escaped_break in said and head in said and tail in said  # folded: the password, were it not masked
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'refused request: password=' in shown  # it was quoted
    assert head not in shown and tail not in shown and facts.SCRUBBER_MASK in shown


# --------------------------------------------------------------------------- the scrubber on its own

def spellings(char):
    """Each spelling of one character README says the scrubber masks, whichever encoder wrote it: as is; JSON's \\uXXXX
    in either case (a surrogate pair past U+FFFF) or short escape; %XX of each UTF-8 byte in either case, + for a blank;
    an HTML decimal or hex reference, with leading zeros or not, or one of its HTML 5 names (letters and digits: as
    they are, as every encoder keeps them)."""
    if char.isascii() and char.isalnum():
        return [char]
    code, units = ord(char), char.encode('utf-16-be')
    codes = [int.from_bytes(units[at:at + 2], 'big') for at in range(0, len(units), 2)]
    return [char, ''.join('\\u%04x' % unit for unit in codes), ''.join('\\u%04X' % unit for unit in codes),
            *(['\\' + char] if char in '"/' else []), *(['+'] if char == ' ' else []),
            ''.join('%%%02x' % byte for byte in char.encode()), ''.join('%%%02X' % byte for byte in char.encode()),
            f'&#{code};', f'&#00{code};', f'&#x{code:x};', f'&#X{code:04X};',
            *(f'&{name}' for name, named in html5.items() if named == char and name.endswith(';'))]


# A secret's middle: the characters a page writes as references, others, and any printable one
MIDDLE = st.text(st.sampled_from(HTML_SPECIAL + '=`!/+:~ \u00e9\u20ac')
                 | st.characters(blacklist_categories=('Cc', 'Cs')), min_size=1, max_size=8)


@given(data=st.data(), head=HEAD, tail=TAIL, middle=MIDDLE)
def test_a_secret_is_masked_with_each_of_its_characters_in_any_spelling_readme_lists(data, head, tail, middle):
    secret = head + middle + tail
    spelled = ''.join(data.draw(st.sampled_from(spellings(char))) for char in secret)

    cleaned = ri.SecretScrubber([secret]).text(f'vendor said: <<{spelled}>> (echoed)')

    assert cleaned == f'vendor said: <<{facts.SCRUBBER_MASK}>> (echoed)'


@given(data=st.data(), head=HEAD, tail=TAIL, middle=MIDDLE)
def test_a_secret_in_any_spelling_readme_lists_cut_short_loses_its_head_and_the_escape_the_cut_fell_in(
        data, head, tail, middle):
    # short_text and printable end a text they cut with '...', wherever the cut falls: inside %2F, &#x3D; or \u00e9 too
    secret = head + middle + tail
    spelled = ''.join(data.draw(st.sampled_from(spellings(char))) for char in secret)
    cut = data.draw(st.integers(len(head), len(spelled) - 1))

    cleaned = ri.SecretScrubber([secret]).text(f'vendor said: <<{spelled[:cut]}...')

    assert cleaned == f'vendor said: <<{facts.SCRUBBER_MASK}...'



# A text URL-encoded twice, cut short anywhere from the head's end to past its escapes: inside %2520, %253D or
# %25C3%25A9 (\u00e9) too
@pytest.mark.parametrize('middle', [' =', '\u00e9'])
def test_a_secret_url_encoded_twice_and_cut_short_inside_an_escape_loses_its_head_and_the_escape(middle):
    head, secret = 'HqTwiceHead', f'HqTwiceHead{middle}TailZq'
    spelled = quote(quote(secret, safe=''), safe='')
    assert spelled.startswith(head) and '%25' in spelled

    for cut in range(len(head), spelled.index('TailZq') + 1):
        cleaned = ri.SecretScrubber([secret]).text(f'vendor said: <<{spelled[:cut]}...')
        assert cleaned == f'vendor said: <<{facts.SCRUBBER_MASK}...', spelled[:cut]


def letter_spellings(char):
    """A letter's or digit's spellings as a page or a URL may write it (no encoder README names does): a decimal or hex
    reference, with leading zeros or not, or %XX in either case, once or twice URL-encoded."""
    code = ord(char)
    return [char, f'&#{code};', f'&#00{code};', f'&#x{code:x};', f'&#X{code:04X};', f'%{code:02X}', f'%{code:02x}',
            f'%25{code:02X}']


@given(data=st.data(), head=HEAD, tail=TAIL, middle=MIDDLE)
def test_a_secret_is_masked_with_any_character_as_a_reference_or_escape_its_ampersand_escaped_again_up_to_3_times(
        data, head, tail, middle):
    secret = head + middle + tail
    spelled = ''
    for char in secret:
        spelling = data.draw(st.sampled_from(letter_spellings(char) if char in ALNUM else spellings(char)))
        spelled += spelling.replace('&', '&' + 'amp;' * data.draw(st.integers(0, 3)), 1)  # a page quoting a page

    cleaned = ri.SecretScrubber([secret]).text(f'vendor said: <<{spelled}>> (echoed)')

    assert cleaned == f'vendor said: <<{facts.SCRUBBER_MASK}>> (echoed)'


def test_the_html_names_written_out_for_ascii_are_html5s_own():
    # The integration writes out HTML5's names of ASCII punctuation (loading html.entities costs a process half a
    # megabyte): they must be the standard library's table, name for name.
    expected = {}
    for name, char in html5.items():
        if name.endswith(';') and len(char) == 1 and char.isascii() and not char.isalnum():
            expected.setdefault(char, set()).add(name)
    written = {char: set(ri.html_names(char)) for char in map(chr, range(128)) if ri.html_names(char)}
    assert written == expected


def test_a_character_past_ascii_is_named_as_html5_names_it():
    # HTML5's named character references (the WHATWG list): the names PHP's htmlentities and others write
    assert {char: ri.html_names(char) for char in 'éß€'} == {'é': ['eacute;'], 'ß': ['szlig;'], '€': ['euro;']}


def test_each_character_past_ascii_has_every_name_html5_gives_it_and_no_other():
    # The integration reads html.entities.html5 the other way round, once: each character below U+3000 (letters,
    # the Greek ones with an iota subscript, which HTML 5 names none of, too) and each one HTML 5 names past it
    expected = {}
    for name, char in html5.items():
        if name.endswith(';') and len(char) == 1 and not char.isascii():
            expected.setdefault(char, set()).add(name)
    chars = {*expected, *map(chr, range(0x80, 0x3000))}
    named = {char: set(ri.html_names(char)) for char in chars if ri.html_names(char)}
    assert named == expected and {'\u1f80', '\u1fb3', '\u1ff3'} <= chars - set(named)


# An escape's backslash as each writer puts it (README's "JSON-escaped" and "the JSON body ... quoted by a page"): as
# is, doubled (JSON in JSON, a repr), as \u005c, URL-encoded, as a page's reference
BACKSLASH_FORMS = {'as is': '\\', 'doubled': '\\\\', '\\u005c': '\\u005c', '%5C': '%5C', '&#92;': '&#92;'}
LETTER_ESCAPES = {'\\u0048': '\\u%04x', '\\u004A': '\\u%04X', '\\x48': '\\x%02x'}


def escapes_read(text):
    """A text with every backslash form above read as a backslash and every \\uXXXX or \\xXX after backslashes read as
    its character: what a reader of the JSON or repr (quoted again, or by a URL or a page) makes of it."""
    text = re.sub(r'%5c|&#92;|\\u005c', lambda _: '\\', text, flags=re.IGNORECASE)
    return re.sub(r'\\+(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))', lambda found: chr(int(found[1] or found[2], 16)), text)


# A vendor's JSON error quoting the password with its letters and digits written as JSON's or a repr's escapes (no
# encoder does: README's "Limits of the scrubber" listed them), the escape's backslash in each form
@pytest.mark.parametrize('backslash', sorted(BACKSLASH_FORMS))
@pytest.mark.parametrize('escape', sorted(LETTER_ESCAPES))
def test_an_iam_password_quoted_back_with_its_letters_and_digits_as_json_or_repr_escapes_is_in_no_spelling_shown(
        gateway, escape, backslash):
    head, tail, quoted = 'HqEscapedHead', 'EscapedTailZq', []

    def escape_letters_and_digits(text):
        return ''.join(BACKSLASH_FORMS[backslash] + (LETTER_ESCAPES[escape] % ord(char))[1:] if char in ALNUM else char
                       for char in text)
    gateway.iam = iam_refusal_quoting_the_password(escape_letters_and_digits, False, quoted)

    shown = shown_after_a_refused_login(gateway, f'{head} caf\u00e9 ={tail}')

    [said] = quoted
    assert head not in said and head in escapes_read(said) and tail in escapes_read(said)  # escaped, and quoted
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'refused request: password=' in shown
    assert head not in escapes_read(shown) and tail not in escapes_read(shown) and facts.SCRUBBER_MASK in shown


# A JSON error quoting a page's words as Go's encoding/json writes them: each reference's & as \u0026 (README's
# "Limits" listed \u0026#72;), that JSON quoted in JSON again (\\u0026), or of a page quoting a page (\u0026amp;)
AMPERSAND_FORMS = {"Go's \\u0026": '\\u0026', 'quoted in JSON again: \\\\u0026': '\\\\u0026',
                   "Go's, of a page quoting a page: \\u0026amp;": '\\u0026amp;', 'its backslash %5C': '%5Cu0026'}


@pytest.mark.parametrize('ampersand', sorted(AMPERSAND_FORMS))
@pytest.mark.parametrize('written', sorted(EVERY_CHARACTER_REFERENCED)[:2])
def test_an_iam_password_quoted_as_references_whose_ampersand_is_written_otherwise_is_in_no_spelling_shown(
        gateway, written, ampersand):
    head, tail, quoted = 'HqGoHead', 'GoTailZq', []

    def go_json(text):
        return EVERY_CHARACTER_REFERENCED[written](text).replace('&', AMPERSAND_FORMS[ampersand])
    gateway.iam = iam_refusal_quoting_the_password(go_json, False, quoted)

    shown = shown_after_a_refused_login(gateway, f'{head}&"={tail}')

    [said] = quoted
    read = unescaped(escapes_read(said))
    assert head not in said and head in read and tail in read  # every character a reference, the & written otherwise
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'refused request: password=' in shown
    read = unescaped(escapes_read(shown))
    assert head not in read and tail not in read and facts.SCRUBBER_MASK in shown


# A gateway that URL-encodes a page's words (a page's text in the query of its error page's URL): each reference's
# & ; and # as %26 %3B %23 (README's "Limits" listed %26gt%3B), once or twice
PAGES_URL_ENCODED = {
    "Python's html.escape, then quote": lambda text: quote(html.escape(text), safe=''),
    "Python's html.escape, then quote twice": lambda text: quote(quote(html.escape(text), safe=''), safe=''),
    'decimal references, then quote': lambda text: quote(''.join(f'&#{ord(char)};' for char in text), safe=''),
    'hex references escaped again, then quote (lower-case escapes)': lambda text: quote(
        ''.join(f'&amp;#x{ord(char):x};' for char in text), safe='').lower(),
}


@pytest.mark.parametrize('encoded', sorted(PAGES_URL_ENCODED))
def test_an_iam_password_quoted_by_a_page_whose_escapes_are_url_encoded_is_in_no_spelling_shown(gateway, encoded):
    head, tail, quoted = 'HqPagedHead', 'PagedTailZq', []
    gateway.iam = iam_refusal_quoting_the_password(PAGES_URL_ENCODED[encoded], False, quoted)

    shown = shown_after_a_refused_login(gateway, f'{head}<"&\'>{tail}')

    [said] = quoted
    assert '&' not in said and unescaped(unquote(unquote(said))) == f'{head}<"&\'>{tail}'  # paged, URL-encoded
    assert 'Huawei Cloud IAM answered HTTP 401' in shown and 'refused request: password=' in shown
    read = unescaped(unquote(unquote(shown)))
    assert head not in read and tail not in read and facts.SCRUBBER_MASK in shown


def written_otherwise(data, spelling):
    """A spelling with its escapes written in one more way: its letter's or digit's as JSON's or a repr's escape, its
    backslash in any form; its reference's & as Go's JSON writes it; or the whole URL-encoded, & ; # too."""
    if spelling in ALNUM:
        escape = data.draw(st.sampled_from(sorted(LETTER_ESCAPES.values()))) % ord(spelling)
        return data.draw(st.sampled_from(sorted(BACKSLASH_FORMS.values()))) + escape[1:]
    if data.draw(st.booleans()):
        return spelling.replace('&', data.draw(st.sampled_from(sorted(AMPERSAND_FORMS.values()))), 1)
    return quote(spelling, safe='')


@given(data=st.data(), head=HEAD, tail=TAIL, middle=MIDDLE)
def test_a_secret_is_masked_with_its_characters_escapes_written_as_json_a_repr_or_a_url_writes_them(
        data, head, tail, middle):
    secret = head + middle + tail
    spelled = ''
    for at, char in enumerate(secret):
        spelling = data.draw(st.sampled_from(letter_spellings(char) if char in ALNUM else spellings(char)))
        # (not right after a backslash of its own: that and an escape's backslashes are one run, README's limits say)
        if secret[at - 1:at] != '\\' and data.draw(st.booleans()):
            spelling = written_otherwise(data, spelling)
        spelled += spelling

    cleaned = ri.SecretScrubber([secret]).text(f'vendor said: <<{spelled}>> (echoed)')

    assert cleaned == f'vendor said: <<{facts.SCRUBBER_MASK}>> (echoed)'


# README: an escape written in another's escapes is read too, "at most 4 readings deep" (its limits: "more than 4
# readings deep ... is not caught"). H as &#72;, its & as %26, that % as &#37;, that & as %26: each pass reads one
# layer; a fifth layer (the first % as &#37;) is left as it stands.
@pytest.mark.parametrize('written, masked', [('%26#37;26#72;', True), ('&#37;26#37;26#72;', False)])
def test_a_letter_written_in_escapes_4_readings_deep_is_read_and_5_deep_is_not(written, masked):
    text = f'key {written}q7pN2vXc9Lm end'

    shown = ri.SecretScrubber(['Hq7pN2vXc9Lm']).text(text)

    assert shown == (f'key {facts.SCRUBBER_MASK} end' if masked else text)


# A letter written as a reference or %XX (README: read so too) in a secret that opens the text: masked from the text's
# first character, whichever of its letters the reading read
@pytest.mark.parametrize('text', ['Hq7pN2vXc9L&#109; was refused', 'Hq7pN2vXc9L%6d was refused',
                                  'Hq7p&#78;2vXc9Lm was refused', '&#72;q7pN2vXc9Lm was refused'])
def test_a_secret_opening_a_text_with_a_letter_written_as_a_reference_is_masked_from_its_first_character(text):
    assert ri.SecretScrubber(['Hq7pN2vXc9Lm']).text(text) == f'{facts.SCRUBBER_MASK} was refused'
