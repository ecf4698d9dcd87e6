"""The advice a polling check can show beside its own next step says to act again only in README's words, "try again
later", which the check puts its step in place of (one next step, said once): an advice that said "run the command
again" (or "retry", "send it again") in other words would stand mid-polling as a second next step, beside "checking
again in N s", and nothing else would notice. The texts are read from the module's tables only to enumerate them, and
the transport's from the errors of requests sent to the HSS emulator over HTTP. A request not sent (its turn past what
a run waits) says to run the command again; a check shows it without that advice (tests/test_hss_polling.py -k
throttles_past, tests/test_restore_file_command.py -k did_not_send)."""
from __future__ import annotations

import re

import pytest

import restore_integration as ri
from conftest import client_from_params
from warroom.emulator.faults import FaultPlan
from warroom.emulator.hss import create_app as create_hss_app
from warroom.emulator.httpserver import LoopbackServer

# README's words (a listing not an object: "check the URL settings and, if they are right, to try again later")
AGAIN_LATER = re.compile(r'\btry again later\b', re.IGNORECASE)
# Any other instruction to act again: "Run the command again", "retry", "send it again", "test again in a moment".
ACT_AGAIN = re.compile(r'\b(?:(?:run|try|send|test|repeat)\b[^.;:]*?\bagain|retry|re-?run|resend)\b', re.IGNORECASE)


def acts_again_otherwise(text: str) -> list[str]:
    """The instructions to act again in ``text`` that are not "try again later"."""
    return [match[0] for match in ACT_AGAIN.finditer(AGAIN_LATER.sub('', text))]


def test_the_rule_tells_try_again_later_from_other_words_for_acting_again():
    assert acts_again_otherwise('Check the URL; if it is right, try again later.') == []
    for text in ('Run the command again later.', 'Then retry.', 'Send it again.', 'Test again in a moment.',
                 'Try again after 10:00.'):
        assert acts_again_otherwise(text), text
    assert acts_again_otherwise('Copy the API URL again from Cortex XDR.') == []  # not the request made anew


def check_advice():
    """(name, text) of every advice a check's read can meet in a vendor's error form: restore-file's status read, an
    hss-restore-isolated check's listing, the IAM token either needs, and the HSS gateway's token refusal. HSS's codes
    for a host's agent (HSS.1001, HSS.1006) answer a restore request alone, which no check sends: only its permission
    codes' advice can answer a listing."""
    tables = {'XDR_STATUS_ERROR_ADVICE': ri.XDR_STATUS_ERROR_ADVICE, 'HSS_LISTING_ADVICE': ri.HSS_LISTING_ADVICE,
              'IAM_ERROR_ADVICE': ri.IAM_ERROR_ADVICE,
              'HSS_CODE_ADVICE': {code: ri.HSS_CODE_ADVICE[code] for code in ('HSS.0010', 'HSS.0013')}}
    texts = [(f'{name}[{key}]', text) for name, table in tables.items() for key, text in table.items()]
    return texts + [('HSS_TOKEN_REFUSED_ADVICE', ri.HSS_TOKEN_REFUSED_ADVICE.format(refusals=2, renewed='the first'))]


@pytest.mark.parametrize('name, text', check_advice(), ids=[name for name, _ in check_advice()])
def test_a_vendor_error_s_advice_says_to_act_again_only_as_try_again_later(name, text):
    assert acts_again_otherwise(text) == [], text


FAULTS = ('500', '502', '503', '504', '503-html', 'reset', 'malformed', 'truncated', 'slow')


@pytest.fixture
def hss_faulted(hss_tenant):
    """A function listing HSS's isolated files once, the gateway given a fault plan, and returning its error."""
    client = client_from_params('hss', hss_tenant.params('aksk', max_retries='0', read_timeout='0.5'))

    def listing_error(spec):
        hss_tenant.gateway.inject_faults(FaultPlan.parse(spec))
        with pytest.raises(ri.RestoreError) as raised:
            client.list_isolated_files(limit=10)
        return raised.value
    return listing_error


@pytest.mark.parametrize('fault', FAULTS)
def test_a_fault_s_advice_on_a_sent_request_says_to_act_again_only_as_try_again_later(hss_faulted, fault):
    error = hss_faulted(f'rate=1;kinds={fault};delay=2')
    assert error.attempts and error.advice and error.advice in str(error), error
    assert acts_again_otherwise(error.advice) == [], str(error)


def test_a_refused_connection_s_advice_says_to_act_again_only_as_try_again_later(hss_tenant):
    front = LoopbackServer(create_hss_app(hss_tenant.gateway)).start()
    url = front.url
    front.stop()  # its port now refuses every connection
    client = client_from_params('hss', hss_tenant.params('aksk', hss_endpoint=url, max_retries='0'))
    with pytest.raises(ri.RestoreError) as raised:
        client.list_isolated_files(limit=10)
    assert raised.value.attempts and 'connect' in str(raised.value), raised.value
    assert acts_again_otherwise(raised.value.advice) == [], str(raised.value)
