"""HSS listings, generated: whatever a page serves (the emulator's max_page_rows) and however many rows total_num
promises beyond those it holds (total_num_surplus), every row is read once, in the listing's order, in
ceil(total_num / rows the first page served) requests (README, "Short pages in the HSS emulator")."""
from __future__ import annotations

import hashlib
import itertools

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import facts
from conftest import client_from_params, start_hss_tenant

NUMBERS = itertools.count()


@pytest.fixture(scope='module')
def tenant():
    tenant = start_hss_tenant()
    yield tenant
    tenant.stack.close()


def listings_of(tenant, file_hash):
    return [r for r in tenant.requests_to('GET', '/event/isolated-file') if r.query.get('file_hash') == [file_hash]]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(count=st.integers(0, 90), cap=st.one_of(st.none(), st.integers(1, 250)), surplus=st.integers(0, 60))
def test_every_row_is_read_once_in_order_stepping_by_what_the_first_page_served(tenant, count, cap, surplus):
    file_hash = hashlib.sha256(f'listing-{next(NUMBERS)}'.encode()).hexdigest()  # this example's rows only
    host = sorted(tenant.backend.hosts)[0]
    added = [row['file_path'] for row in tenant.backend.add_isolated_files(host, count, file_hash=file_hash)]
    tenant.backend.max_page_rows, tenant.backend.total_num_surplus = cap, surplus
    try:
        client = client_from_params('hss', tenant.params())
        found = [row['file_path'] for row in client.all_isolated_files(file_hash=file_hash)]
    finally:
        tenant.backend.max_page_rows, tenant.backend.total_num_surplus = None, 0

    assert found == added  # each row once, in the listing's order
    served = min(count, facts.HSS_LIST_PAGE_SIZE, cap or facts.HSS_LIST_PAGE_SIZE)  # by the first page
    total = count + surplus
    expected_requests = 1 if served == 0 or total <= served else -(-total // served)
    assert len(listings_of(tenant, file_hash)) == expected_requests
