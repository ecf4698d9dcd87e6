"""Every 401 of the emulated Cortex XDR tenant is the body the real service sends, whatever the cause.

Cortex XDR answers every authentication failure with one fixed body,
``{"reply": {"err_code": 401, "err_msg": "Public API request unauthorized", "err_extra": null}}``: a wrong key, an
unknown key ID, a standard key used as advanced or the other way round, and an advanced key whose clock is off
(recorded in test_data/xdr/replies/error_401.json; the same body is in Rapid7's Cortex XDR plugin tests,
rapid7/insightconnect-plugins plugins/palo_alto_cortex_xdr unit_test/test_monitor_alerts.py, and XSOAR's
CortexXDRIR test_module tells a clock out of sync from this same "API request Unauthorized" text). It never says
which check failed, so a client cannot lean on err_extra to tell a bad key from a skewed clock. The emulator keeps
the reason for tests in ``gateway.auth_failures`` instead.
"""
from __future__ import annotations

import pytest

from conftest import XDR_REPLIES, load_json
from test_xdr_emulator import (ADVANCED_KEY, H3, RESTORE, STANDARD_ID, WALL_NOW, advanced_headers,  # noqa: F401
                               backend, clock, gateway, http, post, server, standard_headers)

SERVICE_401 = load_json(XDR_REPLIES / 'error_401.json')


@pytest.mark.parametrize('headers, reason', [
    pytest.param(standard_headers(key='wrong-key'), 'API key does not match', id='wrong-key'),
    pytest.param(standard_headers(key_id='999'), 'Unknown API key ID', id='unknown-key-id'),
    pytest.param({'Authorization': 'x'}, 'Missing x-xdr-auth-id', id='no-key-id'),
    pytest.param({**advanced_headers(), 'Authorization': ADVANCED_KEY}, 'Signature does not match',
                 id='advanced-key-sent-as-standard'),
    pytest.param(advanced_headers(key='wrong-key'), 'Signature does not match', id='bad-signature'),
    pytest.param(advanced_headers(timestamp_ms=int((WALL_NOW - 301) * 1000)), 'more than 300 seconds away',
                 id='stale-timestamp'),
])
def test_every_xdr_401_is_the_services_own_body_with_no_reason(http, server, gateway, headers, reason):
    response = post(http, server, RESTORE, {'file_hash': H3}, headers)

    assert response.status_code == 401
    assert response.json() == SERVICE_401
    assert len(gateway.auth_failures) == 1 and reason in gateway.auth_failures[0]


def test_an_accepted_request_records_no_auth_failure(http, server, gateway):
    assert post(http, server, RESTORE, {'file_hash': H3}, standard_headers(STANDARD_ID)).status_code == 200
    assert gateway.auth_failures == []
