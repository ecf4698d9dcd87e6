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
