"""The command's budget for throttling (timeout_in_seconds, set with wait_at_most) holds for the IAM token request
the command's HSS requests make too."""
from __future__ import annotations

import pytest

import restore_integration as ri
from conftest import FakeClock, hss_seed_copies, start_hss_tenant
from warroom.emulator.faults import FaultPlan

HSS_HASH = next(h for h, copies in sorted(hss_seed_copies().items()) if len(copies) > 1)


@pytest.fixture
def tenant():
    tenant = start_hss_tenant()
    yield tenant
    tenant.stack.close()


def test_a_throttled_iam_token_request_is_not_waited_for_past_the_commands_budget(tenant):
    params = tenant.params('token', retry_backoff='0')
    clock = FakeClock()
    limiter = ri.AdaptiveRateLimiter(1000, clock=clock, sleep=clock.advance)
    client = ri.HssClient(ri.read_hss_settings(params), ri.read_transport_settings(params), limiter=limiter)
    client.transport.wait_at_most(60)  # as hss-restore-isolated does with timeout_in_seconds=60
    tenant.gateway.iam_faults = FaultPlan.parse('sequence=429;retry-after=120')
    started = clock()

    with pytest.raises(ri.RestoreError) as throttled:
        client.list_isolated_files(file_hash=HSS_HASH)

    assert 'past the 60 s' in str(throttled.value)
    assert clock() - started < 60
