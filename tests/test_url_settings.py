"""Vendor URL settings: refused by name when requests could not send to them, and never quoted with credentials."""
from __future__ import annotations

import json
import re
import socket
from urllib.parse import urlsplit

import pytest

import facts
import restore_integration as ri
from conftest import seed_holders
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
    assert 'instance setting' in shown and '(xdr_url)' in shown
    assert 'fault in the integration' not in shown


@pytest.mark.parametrize('url', ['ftp://admin:S3cretPw0rd@host', 'https://admin:S3cretPw0rd@',
                                 'admin:S3cretPw0rd@host', 'htps://admin:S3cretPw0rd@host:443',
                                 'https://admin:S3cretPw0rd@host/\tpublic_api/v1'])  # a tab: refused as text first
def test_a_url_setting_holding_a_password_is_refused_without_showing_the_password(url):
    with pytest.raises(ri.RestoreError) as refused:
        ri.normalise_base_url(url, 'hss_endpoint', False)
    assert 'S3cretPw0rd' not in str(refused.value)
    shown = run({'xdr_url': url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'secretkey123'}})
    assert 'xdr_url' in shown and 'S3cretPw0rd' not in shown


# A token pasted with a console's link (?token=..., #access_token=...) is no part of any request the integration sends
# (they go to the API's own paths): refused by name before any request, as a URL refused for another fault is, and
# neither quotes what follows "?" or "#".
QUERY_URLS = ['https://api-t.example.com/?token=S3cretT0ken', 'https://api-t.example.com#S3cretT0ken',
              'https://api-t.example.com:99999/?token=S3cretT0ken', 'ftp://api-t.example.com?S3cretT0ken']


@pytest.mark.parametrize('setting', ['xdr_url', 'hss_endpoint'])
@pytest.mark.parametrize('url', QUERY_URLS)
def test_a_url_setting_holding_a_query_or_fragment_is_refused_before_any_request_without_showing_it(lookups, setting,
                                                                                                    url):
    params = {'xdr_url': 'https://api-t.example.com', 'xdr_api_key_id': '1',
              'xdr_api_key': {'password': 'secretkey123'}, 'hss_project_id': 'b7f15520cb97d9b34806a14cdf0fddfe',
              'hss_aksk': {'identifier': 'AKEXAMPLE', 'password': 'sk-example-123'}}
    command = 'restore-file' if setting == 'xdr_url' else 'hss-restore-isolated'

    shown = run({**params, setting: url, 'max_retries': '0'}, command)

    assert f'({setting})' in shown and 'S3cretT0ken' not in shown, shown
    assert lookups == []


# The seed's request example: https://api-{fqdn}/public_api/v1/... The console's address (the tenant's host without
# api-), pasted from the browser, is not the API's: said by the setting's name at Test and before any request.
@pytest.mark.parametrize('command', ['test-module', 'restore-file'])
@pytest.mark.parametrize('url', ['https://mytenant.xdr.us.paloaltonetworks.com',
                                 'https://MyTenant.XDR.eu.PaloAltoNetworks.com/public_api/v1'])
def test_a_cortex_xdr_console_address_is_refused_by_name_saying_the_api_host_starts_with_api(lookups, command, url):
    params = {'xdr_url': url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'secretkey123'}, 'max_retries': '0'}

    shown = run(params, command)

    assert '(xdr_url)' in shown and "the API's starts with api-" in shown, shown
    assert lookups == [], shown


# An address copied from the browser holds the console page's path (/dashboard, /incidents/...), which the API's host
# does not serve: the URL the refusal offers is the api- host alone, as Copy API URL gives it, not that page on it.
@pytest.mark.parametrize('page', ['/dashboard', '/incidents/15/key_artifacts', '/action-center/quarantine-files/'])
def test_a_cortex_xdr_console_page_address_is_refused_offering_the_api_host_without_the_page_s_path(lookups, page):
    params = {'xdr_url': f'https://mytenant.xdr.us.paloaltonetworks.com{page}', 'xdr_api_key_id': '1',
              'xdr_api_key': {'password': 'secretkey123'}, 'max_retries': '0'}

    shown = run(params, 'test-module')

    offered = re.findall(r'https://api-[^\s),"]*', shown)
    assert offered == ['https://api-mytenant.xdr.us.paloaltonetworks.com'] and '(xdr_url)' in shown, shown
    assert lookups == [], shown


def test_a_cortex_xdr_api_host_and_an_emulator_on_loopback_are_not_taken_for_a_console_address(lookups):
    for url in ['https://api-mytenant.xdr.us.paloaltonetworks.com', 'http://127.0.0.1:9']:
        shown = run({'xdr_url': url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'secretkey123'},
                     'max_retries': '0'}, 'test-module')
        assert 'starts with api-' not in shown, shown
    assert lookups[0] == 'api-mytenant.xdr.us.paloaltonetworks.com' and '127.0.0.1' in lookups, lookups  # both sent


@pytest.fixture
def lookups(monkeypatch):
    """Records (and blocks) every name lookup: the host a request would have gone to."""
    looked_up = []

    def getaddrinfo(host, *args, **kwargs):
        looked_up.append(host)
        raise socket.gaierror(socket.EAI_NONAME, 'blocked by the test')

    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)
    return looked_up


@pytest.mark.parametrize('region', sorted(facts.HSS_REGION_ENDPOINTS))
@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_with_only_a_region_set_hss_and_iam_are_reached_at_the_endpoints_huawei_gives_that_region(lookups, region,
                                                                                                  auth_type):
    hss_url, iam_url = facts.HSS_REGION_ENDPOINTS[region]
    params = {'hss_region': region, 'hss_project_id': 'b7f15520cb97d9b34806a14cdf0fddfe', 'hss_auth_type': auth_type,
              'hss_aksk': {'identifier': 'AKEXAMPLE', 'password': 'sk-example-123'}, 'hss_domain': 'acme',
              'hss_credentials': {'identifier': 'restorer', 'password': 'pw-example-123'}, 'max_retries': '0'}

    run(params, 'hss-restore-isolated', {'file_hash': 'a' * 64})

    expected = urlsplit(iam_url if auth_type == 'token' else hss_url).hostname
    assert lookups and set(lookups) == {expected}


# Huawei's HSS endpoint names its region (hss.<region ID>.myhuaweicloud.com, as the region's endpoint list gives it):
# with token authentication and that endpoint alone, IAM is reached at the endpoint Huawei gives that region.
@pytest.mark.parametrize('region', sorted(facts.HSS_REGION_ENDPOINTS))
def test_with_only_huaweis_hss_endpoint_set_a_token_is_asked_of_iam_in_the_region_the_endpoint_names(lookups, region):
    hss_url, iam_url = facts.HSS_REGION_ENDPOINTS[region]
    params = {'hss_endpoint': hss_url, 'hss_project_id': 'b7f15520cb97d9b34806a14cdf0fddfe', 'hss_auth_type': 'token',
              'hss_domain': 'acme', 'hss_credentials': {'identifier': 'restorer', 'password': 'pw-example-123'},
              'max_retries': '0'}

    shown = run(params, 'hss-restore-isolated', {'file_hash': 'a' * 64})

    assert lookups and set(lookups) == {urlsplit(iam_url).hostname}, shown


# An HSS endpoint that names no region (a gateway or address of one's own) leaves token authentication no IAM to ask
# (README: an empty hss_iam_endpoint is hss_region's IAM, else that of the region Huawei's HSS endpoint names): with
# neither set, both settings are named before any request, and no IAM host is guessed.
def test_with_token_authentication_and_an_hss_endpoint_naming_no_region_iam_s_settings_are_named_before_any_request(
        lookups):
    params = {'hss_endpoint': 'https://hss-gateway.example.com', 'hss_project_id': 'b7f15520cb97d9b34806a14cdf0fddfe',
              'hss_auth_type': 'token', 'hss_domain': 'acme',
              'hss_credentials': {'identifier': 'restorer', 'password': 'pw-example-123'}, 'max_retries': '0'}

    shown = run(params, 'hss-restore-isolated', {'file_hash': 'a' * 64})

    assert '(hss_iam_endpoint)' in shown and '(hss_region)' in shown, shown
    assert lookups == []


# A project lives in one region (its ID is that region's): Huawei's HSS endpoint of another region than hss_region would
# send HSS's requests there (with the region header naming the other) and ask IAM of hss_region for a token, so every
# request would be refused. Both settings are named before any request.
@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
@pytest.mark.parametrize('region, other', [('ap-southeast-1', 'eu-west-101'), ('eu-west-101', 'ap-southeast-1')])
def test_an_hss_endpoint_of_another_region_than_hss_region_is_refused_before_any_request(lookups, auth_type, region,
                                                                                        other):
    params = {'hss_region': region, 'hss_endpoint': facts.HSS_REGION_ENDPOINTS[other][0],
              'hss_project_id': 'b7f15520cb97d9b34806a14cdf0fddfe', 'hss_auth_type': auth_type,
              'hss_aksk': {'identifier': 'AKEXAMPLE', 'password': 'sk-example-123'}, 'hss_domain': 'acme',
              'hss_credentials': {'identifier': 'restorer', 'password': 'pw-example-123'}, 'max_retries': '0'}

    shown = run(params, 'hss-restore-isolated', {'file_hash': 'a' * 64})

    assert '(hss_region)' in shown and '(hss_endpoint)' in shown and region in shown and other in shown, shown
    assert lookups == []


# An endpoint copied with its API's version (Huawei's API Explorer shows https://hss.{region}.../v5/...; IAM's
# OpenStack-style auth_url, as Terraform's huaweicloud provider takes it, is https://iam.{region}.../v3), or with
# the token path (IAM API Reference, "Obtaining an IAM User Token": POST /v3/auth/tokens).
@pytest.mark.parametrize('hss_suffix, iam_suffix', [('/v5', '/v3'), ('/v5/', '/v3/auth/tokens'), ('', '/v3/')])
def test_an_hss_or_iam_endpoint_given_with_its_api_version_reaches_the_api(hss_tenant, hss_suffix, iam_suffix):
    params = hss_tenant.params('token', hss_endpoint=hss_tenant.url + hss_suffix,
                               hss_iam_endpoint=hss_tenant.iam_url + iam_suffix)
    demisto = Demisto(params, 'test-module', {}, {}, [])

    ri.main(demisto)

    assert [entry['Contents'] for entry in demisto.entries] == ['ok']
    [token_request] = hss_tenant.requests_to('POST', '/auth/tokens')
    assert token_request[1].startswith('/v3/auth/tokens'), token_request
    assert all(not path.startswith('/v5/v5') for _, path, *_ in hss_tenant.gateway.requests)


# Huawei's API Explorer and the API page ("PUT https://{endpoint}/v5/{project_id}/event/isolated-file") show the API's
# URL whole: an endpoint copied with the project ID, or with the whole path, reaches the API, not /v5/{id}/v5/{id}/....
@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
@pytest.mark.parametrize('path', ['/v5/{project_id}', '/v5/{project_id}/', '/v5/{project_id}/event/isolated-file'])
def test_an_hss_endpoint_given_with_the_apis_path_reaches_the_api(hss_tenant, auth_type, path):
    params = hss_tenant.params(auth_type)
    params['hss_endpoint'] = hss_tenant.url + path.format(project_id=params['hss_project_id'])
    demisto = Demisto(params, 'test-module', {}, {}, [])

    ri.main(demisto)

    assert [entry['Contents'] for entry in demisto.entries] == ['ok']
    listings = hss_tenant.requests_to('GET', '/event/isolated-file')
    assert listings and {path for _, path, *_ in listings} == {f'/v5/{params["hss_project_id"]}/event/isolated-file'}


# The Restore File page (seeds/000) shows the API's URL whole, "https://api-{fqdn}/public_api/v1/endpoints/restore/", as
# the Get Action Status page does its own: a server URL pasted from there reaches the API, not /public_api/v1/.../
# public_api/v1/..., as an HSS endpoint pasted with the API's path does (above).
@pytest.mark.parametrize('path', ['/public_api/v1/endpoints/restore/', '/public_api/v1/actions/get_action_status'])
def test_a_cortex_xdr_url_given_with_an_apis_whole_path_reaches_the_api(advanced_tenant, path):
    params = advanced_tenant.params(xdr_url=advanced_tenant.url + path)
    tested = Demisto(params, 'test-module', {}, {}, [])
    ri.main(tested)
    restored = Demisto(params, 'restore-file', {'file_hash': min(seed_holders()), 'polling': 'false'}, {}, [])
    ri.main(restored)

    assert [entry['Contents'] for entry in tested.entries] == ['ok']
    assert restored.entries[0]['Type'] != facts.ENTRY_ERROR, restored.entries[0]['Contents']
    sent = [path for _, path, _ in advanced_tenant.gateway.requests]
    assert sent == ['/public_api/v1/actions/get_action_status/', '/public_api/v1/endpoints/restore/'], sent


# Huawei's endpoint tables (HSS API Reference, "Endpoints": "hss.ap-southeast-1.myhuaweicloud.com", protocol HTTPS in a
# column of its own; IAM's alike) list an endpoint as a bare host, and the official SDK's ClientBuilder reads one so as
# https://<host>: pasted from there, it reaches that host over HTTPS (port 443), never plain http.
@pytest.mark.parametrize('auth_type', ['aksk', 'token'])
def test_an_endpoint_given_as_huaweis_endpoint_table_lists_it_a_bare_host_is_reached_over_https(monkeypatch,
                                                                                                 auth_type):
    hss_url, iam_url = facts.HSS_REGION_ENDPOINTS['ap-southeast-1']
    reached = []

    def getaddrinfo(host, port, *args, **kwargs):
        reached.append((host, port))
        raise socket.gaierror(socket.EAI_NONAME, 'blocked by the test')

    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)
    params = {'hss_endpoint': urlsplit(hss_url).netloc, 'hss_iam_endpoint': urlsplit(iam_url).netloc,
              'hss_project_id': 'b7f15520cb97d9b34806a14cdf0fddfe', 'hss_auth_type': auth_type,
              'hss_aksk': {'identifier': 'AKEXAMPLE', 'password': 'sk-example-123'}, 'hss_domain': 'acme',
              'hss_credentials': {'identifier': 'restorer', 'password': 'pw-example-123'}, 'max_retries': '0'}

    shown = run(params, 'hss-restore-isolated', {'file_hash': 'a' * 64})

    assert set(reached) == {(urlsplit(iam_url if auth_type == 'token' else hss_url).hostname, 443)}, shown


# A host name is read whatever its case (RFC 4343), and requests writes it in lower case in the URL it sends to; the
# analyst looks for it in the instance settings, as typed there. "LocalHost" reaches this machine as "localhost" does.
MIXED_CASE_LOOPBACK = 'LocalHost'


def on_mixed_case_loopback(url):
    """The emulator's URL with its host written as an analyst might type it."""
    return urlsplit(url)._replace(netloc=f'{MIXED_CASE_LOOPBACK}:{urlsplit(url).port}').geturl()


@pytest.mark.parametrize('fault', ['truncated', 'malformed', 'reset'])  # a reply broken, not JSON, or none
@pytest.mark.parametrize('vendor', ['Cortex XDR', 'HSS', 'IAM'])
def test_a_fault_s_message_names_a_mixed_case_host_as_the_instance_setting_gives_it(advanced_tenant, hss_tenant,
                                                                                     vendor, fault):
    from conftest import hss_seed_copies, seed_holders
    from warroom.emulator.faults import FaultPlan

    xdr, hss = advanced_tenant, hss_tenant
    urls = {'xdr_url': on_mixed_case_loopback(xdr.url), 'hss_endpoint': on_mixed_case_loopback(hss.url),
            'hss_iam_endpoint': on_mixed_case_loopback(hss.iam_url)}
    if vendor == 'Cortex XDR':
        xdr.gateway.inject_faults(FaultPlan.parse(f'sequence={fault}'))
        params, command = xdr.params(xdr_url=urls['xdr_url']), 'restore-file'
        args, typed = {'file_hash': sorted(seed_holders())[0]}, urls['xdr_url']
    else:
        if vendor == 'HSS':
            hss.gateway.inject_faults(FaultPlan.parse(f'sequence={fault}'))
        else:
            hss.gateway.iam_faults = FaultPlan.parse(f'sequence={fault}')
        params = hss.params('token', hss_endpoint=urls['hss_endpoint'], hss_iam_endpoint=urls['hss_iam_endpoint'])
        command, args = 'hss-restore-isolated', {'file_hash': sorted(hss_seed_copies())[0]}
        typed = urls['hss_endpoint' if vendor == 'HSS' else 'hss_iam_endpoint']

    shown = run(dict(params, max_retries='0'), command, dict(args, polling='false'))

    host = urlsplit(typed).netloc
    assert f'at {host}' in shown and host.lower() not in shown, shown


@pytest.mark.parametrize('setting', ['xdr_url', 'hss_endpoint', 'hss_iam_endpoint'])
def test_a_plain_http_refusal_names_a_mixed_case_host_as_the_instance_setting_gives_it(setting):
    typed = 'http://Quarantine-API.Example.COM:8080'
    params = {'xdr_url': 'https://api-tenant.xdr.us.paloaltonetworks.com', 'xdr_api_key_id': '1',
              'xdr_api_key': {'password': 'secretkey123'}, 'hss_project_id': 'b7f15520cb97d9b34806a14cdf0fddfe',
              'hss_endpoint': 'https://hss.ap-southeast-1.myhuaweicloud.com', 'hss_auth_type': 'token',
              'hss_iam_endpoint': 'https://iam.ap-southeast-1.myhuaweicloud.com', 'hss_domain': 'acme',
              'hss_credentials': {'identifier': 'restorer', 'password': 'pw-example-123'}, setting: typed}
    command = 'restore-file' if setting == 'xdr_url' else 'hss-restore-isolated'

    shown = run(params, command, {'file_hash': 'a' * 64})

    assert f'({setting}) uses plain http to {urlsplit(typed).netloc}' in shown, shown
    assert urlsplit(typed).hostname not in shown, shown  # requests' and urllib's reading: lower case
