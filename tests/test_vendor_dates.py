"""A vendor's Date or Retry-After header that names a moment no clock can hold (a year of twenty digits) is read as
no header at all: the command goes on, or fails with the vendor's own status (a 503 after its retries), never as a
fault of the integration."""
from __future__ import annotations

import json

import pytest

import restore_integration as ri
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto

NO_SUCH_MOMENT = 'Thu, 01 Jan 99999999999999999999 00:00:00 GMT'


class DatedVendor:
    """Answers every request with ``status`` and an empty HSS listing, dated NO_SUCH_MOMENT, with a Retry-After
    naming the same moment."""

    def __init__(self, status):
        self.status, self.requests = status, 0
        self.server = LoopbackServer(self._app).start()
        self.url = self.server.url

    def _app(self, request):
        self.requests += 1
        body = {'total_num': 0, 'data_list': []} if self.status == 200 else \
            {'error_code': 'APIGW.0201', 'error_msg': 'Request error.'}
        return Response(self.status, json.dumps(body).encode(), {
            'Content-Type': 'application/json', 'Date': NO_SUCH_MOMENT, 'Retry-After': NO_SUCH_MOMENT})


@pytest.fixture(params=[200, 503])
def vendor(request):
    dated = DatedVendor(request.param)
    yield dated
    dated.server.stop()


def test_a_date_no_clock_can_hold_is_read_as_none(vendor):
    params = {'hss_endpoint': vendor.url, 'hss_project_id': 'p' * 32, 'hss_region': 'ap-southeast-1',
              'hss_auth_type': 'aksk', 'hss_aksk': {'identifier': 'AKTEST', 'password': 'S' * 40},
              'max_retries': '1', 'retry_backoff': '0'}
    demisto = Demisto(params, 'hss-restore-isolated', {'file_hash': 'c' * 64}, {}, [])

    ri.main(demisto)

    shown = json.dumps(demisto.entries)
    assert vendor.requests >= 1
    assert 'fault in the integration' not in shown and 'OverflowError' not in shown, shown
    if vendor.status == 200:  # the listing was read: HSS lists no copy of the file
        assert demisto.entries[-1]['Type'] != 4, shown
    else:  # the vendor's own answer is what the error reports
        assert 'HTTP 503' in shown and 'APIGW.0201' in shown, shown
        assert vendor.requests == 2  # retried once at the backoff, as if no Retry-After came


# A clock set back to 2001 and a Retry-After date as late as an HTTP date goes (RFC 9110 10.2.3: four-digit years):
# the wait it asks for ends past the last moment a date can be written in.
SET_BACK = 'Mon, 01 Jan 2001 00:00:00 GMT'
LAST_HTTP_DATE = 'Fri, 31 Dec 9999 23:59:59 GMT'
THROTTLED = {
    'xdr': (429, {'reply': {'err_code': 429, 'err_msg': 'Too many requests', 'err_extra': None}}),
    'hss': (429, {'error_code': 'APIGW.0308', 'error_msg': 'The throttling threshold has been reached.'})}


def throttling_vendor(kind):
    status, body = THROTTLED[kind]
    return LoopbackServer(lambda request: Response(status, json.dumps(body).encode(), {
        'Content-Type': 'application/json', 'Date': SET_BACK, 'Retry-After': LAST_HTTP_DATE})).start()


CHECKS = {  # a status check without polling of each vendor's restore, with the params that point it at a URL
    'xdr': ('restore-file', {'file_hash': 'a' * 64, 'action_id': '5', 'polling': 'false'},
            lambda url: {'xdr_url': url, 'xdr_api_key_id': '1', 'xdr_api_key': {'identifier': '', 'password': 'k' * 64},
                         'xdr_auth_type': 'standard'}),
    'hss': ('hss-restore-isolated', {'file_hash': 'a' * 64, 'host_id': 'h1', 'polling': 'false',
                                     'restore_state': '0000000000000::0'},
            lambda url: {'hss_endpoint': url, 'hss_project_id': 'p' * 32, 'hss_region': 'ap-southeast-1',
                         'hss_auth_type': 'aksk', 'hss_aksk': {'identifier': 'AKTEST', 'password': 'S' * 40}})}


@pytest.mark.parametrize('kind', sorted(CHECKS))
def test_a_check_throttled_by_a_vendor_whose_retry_after_ends_past_any_writable_date_says_so_without_a_fault(kind):
    server = throttling_vendor(kind)
    command, args, params = CHECKS[kind]
    demisto = Demisto(params(server.url), command, args, {}, [])
    try:
        ri.main(demisto)
    finally:
        server.stop()

    shown = json.dumps(demisto.entries)
    assert 'fault in the integration' not in shown and 'OverflowError' not in shown, shown
    assert 'Retry-After' in shown and str(THROTTLED[kind][0]) in shown, shown
