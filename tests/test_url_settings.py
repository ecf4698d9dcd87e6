"""Vendor URL settings: refused by name when requests could not send to them, and never quoted with credentials."""
from __future__ import annotations

import json

import pytest

import restore_integration as ri
from warroom.runtime import Demisto


def run(params, command='restore-file', args=None):
    demisto = Demisto(params, command, args if args is not None else {'file_hash': 'a' * 64}, {}, [])
    ri.main(demisto)
    return json.dumps(demisto.entries)


@pytest.mark.parametrize('url', ['https://127.0.0.1:abc', 'http://127.0.0.1:99999', 'https://[::1',
                                 'https://ho st'])
def test_a_url_setting_requests_cannot_parse_is_refused_by_name_not_as_a_fault_of_the_integration(url):
    with pytest.raises(ri.RestoreError, match='xdr_url'):
        ri.normalise_base_url(url, 'xdr_url', False)
    shown = run({'xdr_url': url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'secretkey123'},
                 'max_retries': '0'})
    assert 'instance setting xdr_url' in shown
    assert 'fault in the integration' not in shown


@pytest.mark.parametrize('url', ['ftp://admin:S3cretPw0rd@host', 'https://admin:S3cretPw0rd@',
                                 'admin:S3cretPw0rd@host', 'htps://admin:S3cretPw0rd@host:443'])
def test_a_url_setting_holding_a_password_is_refused_without_showing_the_password(url):
    with pytest.raises(ri.RestoreError) as refused:
        ri.normalise_base_url(url, 'hss_endpoint', False)
    assert 'S3cretPw0rd' not in str(refused.value)
    shown = run({'xdr_url': url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'secretkey123'}})
    assert 'xdr_url' in shown and 'S3cretPw0rd' not in shown
