"""A secret setting shorter than the scrubber's least length (README, "Limits of the scrubber": a secret shorter than 4
characters is not looked for, as it would mask ordinary words) is refused before any request: sent, a vendor that
quotes back what it received would show it whole. No vendor issues one so short (a Cortex XDR key, an HSS secret
access key, an IAM password: Huawei's password policy asks for 6 characters at least)."""
from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import facts
import restore_integration as ri
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto

ROOT = Path(__file__).resolve().parent.parent
# How the instance dialog labels each secret: its displaypassword in integration.yml
LABELS = {param['name']: param['displaypassword'] for param in
          yaml.safe_load((ROOT / 'integration.yml').read_text())['configuration'] if param.get('displaypassword')}


class QuotingVendor:
    """Every vendor and IAM at once, answering each request with an error that quotes its headers and body."""

    def __init__(self):
        self.received = []
        self.server = LoopbackServer(self._app).start()

    def _app(self, request):
        quoted = json.dumps({'headers': dict(request.headers), 'body': request.body.decode('latin-1')})
        self.received.append(quoted)
        return Response(400, json.dumps({'error_code': 'HSS.0001', 'error_msg': quoted,
                                         'reply': {'err_code': 400, 'err_msg': quoted}}).encode(),
                        {'Content-Type': 'application/json'})


VENDOR = QuotingVendor()  # one server for every example


def instance(setting: str, secret: str, mode: str) -> tuple[dict, str, dict]:
    """The params with ``secret`` in ``setting`` (the others long enough), the command that uses it and its args."""
    if setting == 'xdr_api_key':
        return ({'xdr_url': VENDOR.server.url, 'xdr_api_key_id': '7', 'xdr_api_key': {'password': secret},
                 'xdr_auth_type': mode, 'max_retries': '0'}, 'restore-file', {'file_hash': 'a' * 64})
    credentials = {'hss_aksk': {'identifier': 'AKTEST', 'password': 'hssSKlongEnough'},
                   'hss_credentials': {'identifier': 'user', 'password': 'iamPWlongEnough'}}
    credentials[setting] = dict(credentials[setting], password=secret)
    return ({'hss_endpoint': VENDOR.server.url, 'hss_iam_endpoint': VENDOR.server.url, 'hss_project_id': 'p' * 32,
             'hss_domain': 'acme', 'hss_auth_type': 'aksk' if setting == 'hss_aksk' else 'token', 'max_retries': '0',
             **credentials}, 'hss-restore-isolated', {'file_hash': 'b' * 64})


SECRET_CASES = [('xdr_api_key', 'standard'), ('xdr_api_key', 'advanced'), ('hss_aksk', ''), ('hss_credentials', '')]
SHORT = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1,
                max_size=facts.SCRUBBER_MIN_LENGTH - 1)


@settings(max_examples=30, deadline=None)
@given(case=st.sampled_from(SECRET_CASES), secret=SHORT, other=SHORT)
def test_a_secret_setting_too_short_to_be_masked_is_refused_unsent_and_unquoted(case, secret, other):
    setting, mode = case
    VENDOR.received = []
    shown = []
    for value in (secret, other):
        params, command, args = instance(setting, value, mode)
        demisto = Demisto(params, command, args, {}, [])
        ri.main(demisto)
        [entry] = demisto.entries
        assert entry['Type'] == facts.ENTRY_ERROR
        shown.append(json.dumps(entry) + json.dumps(demisto.log))

    assert VENDOR.received == []  # nothing went out, to a vendor or to IAM
    assert LABELS[setting] in shown[0]  # the setting is named as the dialog labels it
    assert shown[0] == shown[1]  # and nothing of the value: two short secrets are refused in the same words


@settings(max_examples=10, deadline=None)
@given(case=st.sampled_from(SECRET_CASES))
def test_a_secret_setting_as_long_as_the_scrubber_s_least_length_is_sent_and_masked_when_quoted_back(case):
    setting, mode = case
    secret = 'p4S!x9'[:facts.SCRUBBER_MIN_LENGTH]
    VENDOR.received = []
    params, command, args = instance(setting, secret, mode)
    demisto = Demisto(params, command, args, {}, [])

    ri.main(demisto)

    assert VENDOR.received  # sent
    assert secret not in json.dumps(demisto.entries) + json.dumps(demisto.log)
