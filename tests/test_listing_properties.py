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


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(count=st.integers(2, 60), cap=st.integers(1, 20), data=st.data())
def test_rows_that_leave_the_listing_while_its_pages_are_read_cost_no_other_row(tenant, count, cap, data):
    # Rows deleted between two page reads move every later row up past the page already read; whichever rows leave
    # and after whichever page, the rows still listed are read, each once, in the listing's order.
    file_hash = hashlib.sha256(f'listing-{next(NUMBERS)}'.encode()).hexdigest()  # this example's rows only
    host = sorted(tenant.backend.hosts)[0]
    added = [row['file_path'] for row in tenant.backend.add_isolated_files(host, count, file_hash=file_hash)]
    gone = set(data.draw(st.lists(st.sampled_from(added), min_size=1, max_size=count - 1, unique=True)))
    # after a page that is not the last, so that a page is served after they left
    after = data.draw(st.integers(1, max(1, -(-count // cap) - 1)))
    list_page, served = tenant.backend.list_isolated_files, []

    def rows_leave_after_a_page(*args, **kwargs):
        page = list_page(*args, **kwargs)
        served.append(page)
        if len(served) == after:
            tenant.backend.files[:] = [f for f in tenant.backend.files if f.file_path not in gone]
        return page

    tenant.backend.max_page_rows, tenant.backend.list_isolated_files = cap, rows_leave_after_a_page
    try:  # one page at a time: the rows leave between two reads, never during one
        client = client_from_params('hss', tenant.params(max_concurrency='1'))
        found = [row['file_path'] for row in client.all_isolated_files(file_hash=file_hash)]
    finally:
        tenant.backend.max_page_rows, tenant.backend.list_isolated_files = None, list_page

    expected = added if count <= cap else [path for path in added if path not in gone]  # one page: read before
    assert found == expected


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(count=st.integers(0, 2 * facts.HSS_LIST_PAGE_SIZE + 50), seed=st.integers(0, 2 ** 32))
def test_rows_of_one_update_time_ordered_anew_for_each_page_are_each_read_once(tenant, count, seed):
    # HSS's documents give the listing no order: files isolated in one millisecond may come in another order on each
    # page request (the emulator's seeded tie order), yet a listing of up to 1000 rows (one page of the most the
    # API takes, README) still yields each row once.
    file_hash = hashlib.sha256(f'listing-{next(NUMBERS)}'.encode()).hexdigest()  # this example's rows only
    host = sorted(tenant.backend.hosts)[0]
    added = [row['file_path'] for row in tenant.backend.add_isolated_files(host, count, file_hash=file_hash)]
    tenant.backend.file_tie_order_seed = seed
    try:
        client = client_from_params('hss', tenant.params())
        found = [row['file_path'] for row in client.all_isolated_files(file_hash=file_hash)]
    finally:
        tenant.backend.file_tie_order_seed = None

    assert sorted(found) == sorted(added)  # each row once
