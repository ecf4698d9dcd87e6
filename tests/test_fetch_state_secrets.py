"""What fetch-incidents keeps between fetches (its last run: XSOAR stores it, ``warroom fetch`` writes it to
.fetch-state.json in the output folder) holds no secret, even from a vendor that quotes back the token it received
as an event's ID; and the event still comes once, not again at the next fetch."""
from __future__ import annotations

import json
import secrets
import time

import pytest

from conftest import TEST_DATA, load_json
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.ingest import fetch_to_files
from warroom.runtime import WarRoom

IAM_TOKEN = 'MIIT' + secrets.token_urlsafe(60)
IAM_PASSWORD = 'iamPW!' + secrets.token_urlsafe(12)


class QuotingHss:
    """IAM hands out IAM_TOKEN; the events listing answers with one event, a second old, whose event_id and
    description quote the X-Auth-Token the request carried."""

    def __init__(self, description='seen with {token}'):
        self.quoted, self.description = [], description
        self.server = LoopbackServer(self._app).start()
        self.url = self.server.url

    def _app(self, request):
        if request.path.endswith('/v3/auth/tokens'):
            body = load_json(TEST_DATA / 'hss' / 'replies' / 'iam_token_reply.json')
            body['token']['expires_at'] = '2099-01-01T00:00:00.000000Z'
            return Response(201, json.dumps(body).encode(), {'Content-Type': 'application/json',
                                                             'X-Subject-Token': IAM_TOKEN})
        token = request.headers.get('X-Auth-Token', '')
        self.quoted.append(token)
        event = {'event_id': f'evt-{token}', 'event_name': 'Malicious file', 'host_name': 'web-01',
                 'occur_time': int(time.time() * 1000) - 1000, 'severity': 'High',
                 'description': self.description.format(token=token),
                 'file_info_list': [{'file_path': '/tmp/x.bin', 'file_hash': 'ab' * 32}]}
        return Response(200, json.dumps({'total_num': 1, 'data_list': [event]}).encode(),
                        {'Content-Type': 'application/json'})


@pytest.fixture
def quoting_hss():
    vendor = QuotingHss()
    yield vendor
    vendor.server.stop()


def test_an_event_id_quoting_the_token_stays_out_of_the_fetch_state_and_comes_once(quoting_hss, tmp_path):
    params = {'hss_endpoint': quoting_hss.url, 'hss_iam_endpoint': quoting_hss.url, 'hss_project_id': 'p' * 32,
              'hss_region': 'ap-southeast-1', 'hss_auth_type': 'token', 'hss_domain': 'acme',
              'hss_credentials': {'identifier': 'user', 'password': IAM_PASSWORD}, 'retry_backoff': '0',
              'isFetch': True, 'first_fetch': '1 hour'}
    room = WarRoom(params=params, time_scale=0, sleep=lambda _: None)

    first = fetch_to_files(room, tmp_path)
    second = fetch_to_files(room, tmp_path)  # the event lies in the minute every fetch reads again

    assert IAM_TOKEN in quoting_hss.quoted  # the vendor did quote the token back, twice
    assert len(first) == 1 and second == []  # the one event, once
    written = {path.name: path.read_text(encoding='utf-8') for path in tmp_path.iterdir()}
    assert any(name.startswith('.') for name in written)  # the state file is among them
    for name, text in written.items():
        assert IAM_TOKEN not in text and IAM_TOKEN[20:40] not in text, name
        assert IAM_PASSWORD not in text, name


def test_an_event_quoting_the_token_cut_short_beside_a_quote_gives_an_incident_whose_raw_json_is_json():
    # HSS cuts a long command line with '...', here inside the token; the quotes around the command are escaped in the
    # rawJSON (json.dumps of the event), which the pack's mapper reads as JSON: masking the token's head keeps it so.
    vendor = QuotingHss(description='"hcloud" ran with X-Auth-Token: {token:.40}... (cut)')
    params = {'hss_endpoint': vendor.url, 'hss_iam_endpoint': vendor.url, 'hss_project_id': 'p' * 32,
              'hss_region': 'ap-southeast-1', 'hss_auth_type': 'token', 'hss_domain': 'acme',
              'hss_credentials': {'identifier': 'user', 'password': IAM_PASSWORD}, 'retry_backoff': '0',
              'isFetch': True, 'first_fetch': '1 hour'}
    try:
        incidents, _ = WarRoom(params=params, time_scale=0, sleep=lambda _: None).fetch({})
    finally:
        vendor.server.stop()

    assert IAM_TOKEN in vendor.quoted
    [incident] = incidents
    event = json.loads(incident['rawJSON'])
    assert event['event_name'] == 'Malicious file' and event['description'].startswith('"hcloud" ran with')
    assert IAM_TOKEN[:40] not in incident['rawJSON'] and IAM_TOKEN[20:40] not in json.dumps(incident)
