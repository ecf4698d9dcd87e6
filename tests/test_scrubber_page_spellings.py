"""A gateway's error page that quotes a secret it received writes it as its page's language does: HTML-escaped (an
HTML page must escape & < > and the quotes of what it quotes, each library its own way). The integration quotes such a
page (short_text: its first 200 characters), so the secret must come out in none of those spellings, whole or in part
where the cut falls inside it.

A scrubber that does nothing fails every test here: each one first shows the page quoted the secret.
"""
from __future__ import annotations

import html
import json
import string

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
# What an IAM password may hold (setting_credential refuses only control characters and unpaired surrogates), the
# characters an HTML page escapes drawn as often as all the others.
PASSWORD_TEXT = st.text(st.sampled_from(HTML_SPECIAL) | st.characters(blacklist_categories=('Cc', 'Cs')), max_size=4)


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
    assert head not in shown and tail not in shown and ri.SecretScrubber.MASK in shown
