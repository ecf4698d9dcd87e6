"""The emulated Huawei Cloud HSS project and its IAM, exercised over HTTP on 127.0.0.1 as a client sees them."""
from __future__ import annotations

import ipaddress
import json
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings, strategies as st

import facts
from conftest import FakeClock
import restore_integration as ri
from warroom.emulator.faults import FaultPlan
from warroom.emulator.httpserver import LoopbackServer
from warroom.emulator.hss import HssBackend, HssGateway, create_app, create_iam_app
from warroom.emulator.hss.gateway import TOKEN_EXPIRES
from warroom.emulator.hss.models import load_seed

SEED = Path(__file__).resolve().parent.parent / "test_data" / "hss" / "tenant.json"

# From test_data/hss/tenant.json (see its README).
PROJECT = "b7f15520cb97d9b34806a14cdf0fddfe"
OTHER_PROJECT = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"  # the IAM user has it too; it holds no hosts
SHARED = "58693382bc0c9f60ef86e5b37cf3c2f3a9c9ec46936901eaa9131f7ee4a09bde"  # isolated on 2 hosts, restored on 1
SINGLE = "5e3242a1d2a5b3ce593f4d43f52d48284a36e4d8d86d5b275e24a692825f7972"  # isolated on db-02 only
WIN_FIN = "5a41ca47-8ea7-4a65-a8fb-950d03d8638e"  # Windows, EP 0
WEB_03 = "9c2e7f0a-1b3d-4c5e-8f90-a1b2c3d4e5f6"  # Linux, EP A
DB_02 = "f35ac470-d1f1-4072-8209-3bc6fc463e39"  # Linux, EP B
APP_05 = "fa3c9e21-7d4b-4f0a-9b6e-2c8d1e5f7a90"  # Linux, EP 0, its agent offline
BUILD_02 = "fb7e2d10-3a5c-4e8f-b1d2-6c9a0e4f8b37"  # Linux, EP 0, its restores fail
WIN_HR = "08a97e45-457f-469f-a8fc-cbfa73c409f9"  # holds nothing
EP_A = "8e3d7de7-9d77-421e-957c-b4b6a8726ca9"
EP_B = "63095617-d712-49c8-9e33-e5030a5c8e95"
WIN_PATH = "C:\\Users\\Public\\test.exe"

DOMAIN, USER, PASSWORD = "acme-corp", "soar-restore", "iam-Password-0ne!"
AK, SK = "HSSEMULATORAK0001", "sk-" + "Z" * 37
WALL_NOW = 1_795_000_000.0  # 2026-11-18T11:06:40Z
ISOLATED_FILE = f"/v5/{PROJECT}/event/isolated-file"
REQUEST_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(500.0)


@pytest.fixture
def wall() -> FakeClock:
    return FakeClock(WALL_NOW)


@pytest.fixture
def backend(clock, wall) -> HssBackend:
    backend = HssBackend.from_seed(SEED, stage_seconds=1.0, clock=clock, wall_clock=wall)
    backend.add_user(DOMAIN, USER, PASSWORD, [PROJECT, OTHER_PROJECT])
    backend.add_access_key(AK, SK)
    return backend


@pytest.fixture
def gateway(backend) -> HssGateway:
    # Errors in the form whose wording these tests pin; the described form: tests/test_reply_shapes.py.
    return HssGateway(backend, described_errors=False)


@pytest.fixture
def hss(gateway):
    with LoopbackServer(create_app(gateway)) as server:
        yield server


@pytest.fixture
def iam(gateway):
    with LoopbackServer(create_iam_app(gateway)) as server:
        yield server


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


# --------------------------------------------------------------------------- helpers


def sign(prepared: requests.PreparedRequest, ak: str = AK, sk: str = SK, at: float = WALL_NOW,
         signed: tuple[str, ...] = ("content-type", "host", "x-sdk-date"),
         sdk_date: str | None = None) -> requests.PreparedRequest:
    """SDK-HMAC-SHA256 over the request as it will go on the wire, with the project's signer; dated ``at``, or
    ``sdk_date`` as written (a date in some other form, signed as it is sent)."""
    parts = urlsplit(prepared.url)
    prepared.headers["X-Sdk-Date"] = sdk_date or datetime.fromtimestamp(at, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    prepared.headers["Host"] = parts.netloc
    names = sorted(name for name in signed if name in {k.lower() for k in prepared.headers})
    body = prepared.body.encode() if isinstance(prepared.body, str) else (prepared.body or b"")
    signature = ri.sdk_signature(sk, prepared.method, parts.path, parse_qsl(parts.query, keep_blank_values=True),
                                 prepared.headers, names, body)
    prepared.headers["Authorization"] = f"SDK-HMAC-SHA256 Access={ak}, SignedHeaders={';'.join(names)}, " \
                                        f"Signature={signature}"
    return prepared


def call(http, server, method, path=ISOLATED_FILE, *, params=None, body=None, data=None, token=None,
         aksk=True, headers=None, **sign_options) -> requests.Response:
    request = requests.Request(method, server.url + path, params=params, json=body, data=data, headers=headers or {})
    prepared = http.prepare_request(request)
    if token is not None:
        prepared.headers["X-Auth-Token"] = token
    elif aksk:
        sign(prepared, **sign_options)
    return http.send(prepared, timeout=5)


# The seed's hosts sit in three enterprise projects; a request that leaves the parameter out means the default one.
EVERY_PROJECT = {"enterprise_project_id": "all_granted_eps"}


def listing(http, hss, **params) -> dict:
    response = call(http, hss, "GET", params={**EVERY_PROJECT, **params})
    assert response.status_code == 200, response.text
    return response.json()


def restore(http, hss, items, params=None, **kwargs) -> requests.Response:
    return call(http, hss, "PUT", params=EVERY_PROJECT if params is None else params, body={"data_list": items},
                **kwargs)


def token_request(domain=DOMAIN, user=USER, password=PASSWORD, project=PROJECT) -> dict:
    return {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": domain}}}},
        "scope": {"project": {"id": project}},
    }}


def get_token(http, iam, **kwargs) -> str:
    response = http.post(iam.url + "/v3/auth/tokens", json=token_request(**kwargs), timeout=5)
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


def assert_hss_error(response: requests.Response, status: int, code: str) -> str:
    """The service form, exactly: {"error_code": "HSS.xxxx", "error_msg": "..."}."""
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error_code", "error_msg"}
    assert body["error_code"] == code and isinstance(body["error_msg"], str) and body["error_msg"]
    return body["error_msg"]


def assert_gateway_error(response: requests.Response, status: int, code: str) -> str:
    """The gateway form, exactly: error_code, error_msg and a 32-hex request_id also sent as X-Request-Id."""
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error_code", "error_msg", "request_id"}
    assert body["error_code"] == code
    assert REQUEST_ID.fullmatch(body["request_id"])
    assert response.headers["X-Request-Id"] == body["request_id"]
    return body["error_msg"]


def assert_iam_error(response: requests.Response, status: int, title: str) -> str:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "title", "message"}
    assert (body["error"]["code"], body["error"]["title"]) == (status, title)
    return body["error"]["message"]


def item(host_id, file_hash, file_path=None, file_attr=None) -> dict:
    fields = {"host_id": host_id, "file_hash": file_hash, "file_path": file_path, "file_attr": file_attr}
    return {name: value for name, value in fields.items() if value is not None}


# --------------------------------------------------------------------------- IAM tokens


def test_iam_issues_a_token_in_x_subject_token_that_hss_accepts(http, hss, iam):
    response = http.post(iam.url + "/v3/auth/tokens", json=token_request(), timeout=5)

    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    token = response.headers["X-Subject-Token"]
    assert len(token) > 1000
    assert response.json() == {"token": {
        "expires_at": "2026-11-19T11:06:40.000000Z",  # WALL_NOW + 24 h
        "issued_at": "2026-11-18T11:06:40.000000Z",
        "methods": ["password"],
        "project": {"id": PROJECT},
        "user": {"name": USER, "domain": {"name": DOMAIN}},
    }}
    listed = call(http, hss, "GET", token=token, params={**EVERY_PROJECT, "file_hash": SHARED},
                  headers={"region": "ap-southeast-1"})
    assert listed.status_code == 200 and listed.json()["total_num"] == 3


def test_every_token_is_different(http, iam):
    tokens = [get_token(http, iam) for _ in range(5)]
    assert len(set(tokens)) == len(tokens)


@pytest.mark.parametrize("overrides", [
    {"password": "wrong-Password-1"},
    {"user": "nobody"},
    {"domain": "another-account"},
])
def test_iam_refuses_wrong_credentials_in_its_own_form(http, iam, backend, overrides):
    response = http.post(iam.url + "/v3/auth/tokens", json=token_request(**overrides), timeout=5)

    assert assert_iam_error(response, 401, "Unauthorized") == "The username or password is wrong."
    assert "X-Subject-Token" not in response.headers
    assert PASSWORD not in response.text and "wrong-Password-1" not in response.text


def test_iam_locks_a_user_out_after_the_default_number_of_wrong_passwords_within_its_period(http, iam, wall):
    for _ in range(facts.IAM_LOCKOUT_FAILED_LOGINS - 1):
        wrong = http.post(iam.url + "/v3/auth/tokens", json=token_request(password="wrong-Password-1"), timeout=5)
        assert assert_iam_error(wrong, 401, "Unauthorized") == facts.IAM_WRONG_PASSWORD[1]
    assert get_token(http, iam)  # not locked yet: the right password works

    http.post(iam.url + "/v3/auth/tokens", json=token_request(password="wrong-Password-1"), timeout=5)
    locked = http.post(iam.url + "/v3/auth/tokens", json=token_request(), timeout=5)  # even the right one

    assert assert_iam_error(locked, 401, "Unauthorized") == facts.IAM_ACCOUNT_LOCKED[1]
    assert "X-Subject-Token" not in locked.headers
    wall.advance(facts.IAM_LOCKOUT_DURATION_S)
    assert get_token(http, iam)  # the lock ends by itself


def test_iam_forgets_a_wrong_password_once_its_period_has_passed(http, iam, wall):
    refused = []
    for _ in range(2 * facts.IAM_LOCKOUT_FAILED_LOGINS):  # one in each period never locks
        wrong = http.post(iam.url + "/v3/auth/tokens", json=token_request(password="wrong-Password-1"), timeout=5)
        refused.append(assert_iam_error(wrong, 401, "Unauthorized"))
        wall.advance(facts.IAM_LOCKOUT_PERIOD_S / (facts.IAM_LOCKOUT_FAILED_LOGINS - 1))
    assert set(refused) == {facts.IAM_WRONG_PASSWORD[1]}, 'each refused as a wrong password, none as locked'
    assert get_token(http, iam)


def test_iam_refuses_a_project_the_user_does_not_have(http, iam):
    response = http.post(iam.url + "/v3/auth/tokens", json=token_request(project="e" * 32), timeout=5)

    assert_iam_error(response, 401, "Unauthorized")
    assert "X-Subject-Token" not in response.headers


@pytest.mark.parametrize("payload", [
    b"not json",
    json.dumps({"auth": {}}).encode(),
    json.dumps({"auth": {"identity": {"methods": ["token"]}}}).encode(),
    # the password block whole, but the methods name another (the design notes: the password method)
    json.dumps({"auth": {**token_request()["auth"],
                         "identity": {**token_request()["auth"]["identity"], "methods": ["token"]}}}).encode(),
    json.dumps({**token_request(),
                "auth": {**token_request()["auth"], "scope": {"domain": {"name": DOMAIN}}}}).encode(),
])
def test_iam_rejects_a_malformed_body_with_400(http, iam, payload):
    response = http.post(iam.url + "/v3/auth/tokens", data=payload, headers={"Content-Type": "application/json"},
                         timeout=5)

    assert_iam_error(response, 400, "Bad Request")


def test_iam_unknown_path_is_404_in_its_own_form(http, iam):
    assert_iam_error(http.get(iam.url + "/v3/auth/tokens", timeout=5), 404, "Not Found")
    assert_iam_error(http.post(iam.url + "/v3/projects", json={}, timeout=5), 404, "Not Found")


def test_iam_requests_are_recorded_with_the_password_masked(http, iam, gateway):
    get_token(http, iam)

    [recorded] = gateway.requests
    assert (recorded.method, recorded.path) == ("POST", "/v3/auth/tokens")
    assert recorded.body["auth"]["identity"]["password"]["user"]["password"] == "******"
    assert PASSWORD not in json.dumps(gateway.requests)


# --------------------------------------------------------------------------- token auth at the gateway


def test_expired_token_is_401_apigw_0307_and_a_new_token_works(http, hss, iam, backend):
    token = get_token(http, iam)
    backend.expire_tokens()

    response = call(http, hss, "GET", token=token)

    assert assert_gateway_error(response, 401, "APIGW.0307") == "The token must be updated"
    assert call(http, hss, "GET", token=get_token(http, iam)).status_code == 200


@pytest.mark.parametrize("prefix", ["APIGW", "APIG"])
def test_the_gateway_can_write_an_expired_token_as_huaweis_faqs_do_apig_0307_or_0301_token_expires(
        http, hss, iam, backend, gateway, prefix):
    # The older prefix (APIG.0307 "The token must be updated."), and 0301 "Incorrect IAM authentication information:
    # token expires, expires_at: xxx" (OCR FAQ, "How Do I Handle the Error APIG.0301?"), each when a test sets it.
    gateway.code_prefix = prefix
    token = get_token(http, iam)
    backend.expire_tokens()
    assert_gateway_error(call(http, hss, "GET", token=token), 401, f"{prefix}.0307")

    gateway.expired_as_0301 = TOKEN_EXPIRES
    message = assert_gateway_error(call(http, hss, "GET", token=token), 401, f"{prefix}.0301")
    assert re.fullmatch(r"Incorrect IAM authentication information: token expires, expires_at: "
                        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", message), message
    assert assert_gateway_error(call(http, hss, "GET", token="MIIT" + "x" * 20), 401, f"{prefix}.0301") != message


def test_token_past_its_24_hours_is_expired(http, hss, iam, wall):
    token = get_token(http, iam)
    wall.advance(86399)
    assert call(http, hss, "GET", token=token).status_code == 200

    wall.advance(1)
    assert_gateway_error(call(http, hss, "GET", token=token), 401, "APIGW.0307")


def test_unknown_token_is_401_apigw_0301(http, hss):
    message = assert_gateway_error(call(http, hss, "GET", token="MIIT" + "x" * 2000), 401, "APIGW.0301")
    assert message.startswith("Incorrect IAM authentication information")


def test_token_for_another_project_is_400_insufficient_permissions(http, hss, iam):
    token = get_token(http, iam, project=OTHER_PROJECT)

    response = call(http, hss, "GET", token=token)

    assert "project" in assert_hss_error(response, 400, "HSS.0013")
    assert call(http, hss, "GET", f"/v5/{OTHER_PROJECT}/event/isolated-file", token=token).json() == \
        {"total_num": 0, "data_list": []}


def test_no_credentials_is_401_apigw_0301(http, hss):
    assert_gateway_error(call(http, hss, "GET", aksk=False), 401, "APIGW.0301")


# --------------------------------------------------------------------------- AK/SK at the gateway


def test_aksk_signed_list_and_restore_are_accepted(http, hss, backend):
    listed = call(http, hss, "GET", params={**EVERY_PROJECT, "file_hash": SHARED, "isolation_status": "isolated",
                                             "limit": 200})
    restored = restore(http, hss, [item(WIN_FIN, SHARED, WIN_PATH, "0")], params={"enterprise_project_id": "0"})

    assert listed.status_code == 200 and listed.json()["total_num"] == 2
    assert restored.status_code == 200 and restored.content == b""
    assert REQUEST_ID.fullmatch(restored.headers["X-Request-Id"])
    assert backend.put_sizes == [1]


# The seed's page, enterprise_project_id: "If you have only the permission on an enterprise project, you need to
# transfer the enterprise project ID to query the server in the enterprise project. Otherwise, an error is reported due
# to insufficient permission."
# The page says so of the user, whichever credentials it calls with: an access key or an IAM token of its own.
@pytest.mark.parametrize("credentials", ["aksk", "token"])
def test_a_user_allowed_in_one_enterprise_project_is_refused_without_its_id_and_served_within_it(
        http, hss, iam, backend, credentials):
    if credentials == "aksk":
        backend.add_access_key("HSSEMULATORAK0002", SK, enterprise_projects=[EP_A])
        as_limited = {"ak": "HSSEMULATORAK0002"}
    else:
        backend.add_user(DOMAIN, "ep-a-only", PASSWORD, [PROJECT], enterprise_projects=[EP_A])
        as_limited = {"token": get_token(http, iam, user="ep-a-only")}
    unnamed = [call(http, hss, "GET", params={"limit": 10}, **as_limited),
               call(http, hss, "GET", params={"enterprise_project_id": EP_B, "limit": 10}, **as_limited),
               restore(http, hss, [item(WEB_03, SHARED, "/tmp/test.exe")], params={}, **as_limited)]
    within = call(http, hss, "GET", params={"enterprise_project_id": EP_A, "file_hash": SHARED, "limit": 10},
                  **as_limited)
    granted = call(http, hss, "GET", params={**EVERY_PROJECT, "file_hash": SHARED, "limit": 10}, **as_limited)
    restored = restore(http, hss, [item(WEB_03, SHARED, "/tmp/test.exe")], params={"enterprise_project_id": EP_A},
                       **as_limited)

    for refused in unnamed:
        assert "enterprise project" in assert_hss_error(refused, 400, "HSS.0013")
    assert {row["host_id"] for row in within.json()["data_list"]} == {WEB_03}
    assert {row["host_id"] for row in granted.json()["data_list"]} == {WEB_03}  # all_granted_eps: EP A's alone
    assert restored.status_code == 200 and backend.put_sizes == [1]


def test_every_answer_is_dated_by_the_project_s_own_clock_also_when_it_runs_off(http, hss, iam, backend):
    refused = call(http, hss, "GET", aksk=False)
    backend.set_clock_skew(-300)  # the project's clock (its update_time, its Date) five minutes behind
    listed = call(http, hss, "GET", at=WALL_NOW - 300, params={"limit": 10})
    issued = http.post(iam.url + "/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"name": USER, "password": PASSWORD,
                                                                   "domain": {"name": DOMAIN}}}},
        "scope": {"project": {"id": PROJECT}}}}, timeout=5)

    assert refused.status_code == 401 and parsedate_to_datetime(refused.headers["Date"]).timestamp() == WALL_NOW
    for answer in (listed, issued):
        assert answer.ok
        assert parsedate_to_datetime(answer.headers["Date"]).timestamp() == WALL_NOW - 300
        assert answer.raw.headers.getlist("Date") == [answer.headers["Date"]]  # one Date, not the server's too


def test_the_integrations_own_aksk_auth_is_accepted(http, hss):
    auth = ri.HuaweiAkSkAuth(AK, SK, PROJECT, clock=lambda: datetime.fromtimestamp(WALL_NOW, tz=timezone.utc))

    response = http.get(hss.url + ISOLATED_FILE, params={**EVERY_PROJECT, "file_hash": SINGLE}, auth=auth, timeout=5)

    assert response.status_code == 200 and response.json()["total_num"] == 1


def test_bad_signature_is_401_apigw_0301_with_request_id_and_no_secret(http, hss):
    wrong_sk = "not-the-secret-key-" + "q" * 20

    response = call(http, hss, "GET", sk=wrong_sk)

    message = assert_gateway_error(response, 401, "APIGW.0301")
    assert message == "Incorrect IAM authentication information: verify aksk signature fail"
    signature = response.request.headers["Authorization"].rsplit("Signature=", 1)[1]
    for secret in (SK, wrong_sk, signature):
        assert secret not in response.text
        assert all(secret not in value for value in response.headers.values())


def test_query_changed_after_signing_is_401(http, hss):
    prepared = sign(http.prepare_request(requests.Request("GET", hss.url + ISOLATED_FILE, params={"limit": 10})))
    prepared.url = prepared.url.replace("limit=10", "limit=200")

    assert_gateway_error(http.send(prepared, timeout=5), 401, "APIGW.0301")


def test_body_changed_after_signing_is_401(http, hss, backend):
    request = requests.Request("PUT", hss.url + ISOLATED_FILE, json={"data_list": [item(WIN_FIN, SHARED)]})
    prepared = sign(http.prepare_request(request))
    prepared.body = json.dumps({"data_list": [item(WEB_03, SHARED)]}).encode()
    prepared.headers["Content-Length"] = str(len(prepared.body))

    assert_gateway_error(http.send(prepared, timeout=5), 401, "APIGW.0301")
    assert backend.put_sizes == []


def test_a_signature_cut_short_is_401_apigw_0301(http, hss):
    # The guide's Signature is the whole HexEncode(HMAC-SHA256(SK, StringToSign)): 64 hex characters, not a prefix.
    prepared = sign(http.prepare_request(requests.Request("GET", hss.url + ISOLATED_FILE)))
    whole = prepared.headers["Authorization"].rsplit("Signature=", 1)[1]
    prepared.headers["Authorization"] = prepared.headers["Authorization"].replace(whole, whole[:32])

    assert_gateway_error(http.send(prepared, timeout=5), 401, facts.HSS_GATEWAY_AUTH_FAILED[0])


def test_unknown_access_key_is_401_apigw_0301(http, hss):
    message = assert_gateway_error(call(http, hss, "GET", ak="UNKNOWNAK0000000"), 401, "APIGW.0301")
    assert "UNKNOWNAK" not in message


WRONG_SK = "not-the-secret-key-" + "q" * 20


def test_an_access_key_refused_5_times_in_a_row_is_locked_for_5_minutes_even_when_signed_right(http, hss, wall):
    for _ in range(facts.HSS_AK_LOCKOUT_FAILURES):
        assert_gateway_error(call(http, hss, "GET", params=EVERY_PROJECT, sk=WRONG_SK), 401, "APIGW.0301")

    code, message = facts.HSS_AK_LOCKED
    assert assert_gateway_error(call(http, hss, "GET", params=EVERY_PROJECT), 401, code) == message
    wall.advance(facts.HSS_AK_LOCKOUT_S - 1)
    assert assert_gateway_error(call(http, hss, "GET", params=EVERY_PROJECT, at=wall()), 401, code) == message
    wall.advance(1)
    assert call(http, hss, "GET", params=EVERY_PROJECT, at=wall()).status_code == 200


def test_an_accepted_signature_starts_the_count_of_refusals_in_a_row_again(http, hss):
    for _ in range(2):
        for _ in range(facts.HSS_AK_LOCKOUT_FAILURES - 1):
            assert_gateway_error(call(http, hss, "GET", params=EVERY_PROJECT, sk=WRONG_SK), 401, "APIGW.0301")
        assert call(http, hss, "GET", params=EVERY_PROJECT).status_code == 200


# HSS sees only what its gateway authenticated (Huawei's API signing guide: only once the identity is authenticated
# does the gateway send a request on to the cloud service), so its own errors, HSS.xxxx, such as its 500, can answer
# only a request whose signature the gateway accepted; a wrong secret key meets the gateway's 401 whatever HSS would
# have answered.
def test_a_planned_hss_500_answers_a_wrong_secret_key_with_the_gateway_s_401_and_a_right_one_with_hss_s_500(
        http, hss, gateway):
    gateway.inject_faults(FaultPlan.parse("sequence=500*2"))

    refused = call(http, hss, "GET", params=EVERY_PROJECT, sk=WRONG_SK)
    failed = call(http, hss, "GET", params=EVERY_PROJECT)

    assert assert_gateway_error(refused, 401, "APIGW.0301").endswith("verify aksk signature fail")
    assert_hss_error(failed, 500, "HSS.0041")
    assert [(r.method, r.path) for r in gateway.requests] == [("GET", ISOLATED_FILE)] * 2  # both reached the gateway


def test_wrong_signatures_under_planned_hss_500s_lock_the_access_key_and_a_right_one_among_them_starts_the_count_again(
        http, hss, gateway):
    gateway.inject_faults(FaultPlan.parse(f"sequence=500*{3 * facts.HSS_AK_LOCKOUT_FAILURES}"))
    for _ in range(facts.HSS_AK_LOCKOUT_FAILURES - 1):
        call(http, hss, "GET", params=EVERY_PROJECT, sk=WRONG_SK)
    assert_hss_error(call(http, hss, "GET", params=EVERY_PROJECT), 500, "HSS.0041")  # accepted: the count restarts
    for _ in range(facts.HSS_AK_LOCKOUT_FAILURES - 1):
        call(http, hss, "GET", params=EVERY_PROJECT, sk=WRONG_SK)
    assert not gateway.aksk_locked(AK)

    call(http, hss, "GET", params=EVERY_PROJECT, sk=WRONG_SK)  # the fifth refusal in a row

    assert gateway.aksk_locked(AK)
    code, message = facts.HSS_AK_LOCKED
    assert assert_gateway_error(call(http, hss, "GET", params=EVERY_PROJECT), 401, code) == message


# The gateway's own errors before its signature check (APIGW.0201's 400 and 413, APIGW.0601, a 429, 502 to 504) leave
# the signature unchecked: neither a refusal nor an acceptance, they neither add to nor end a run of refusals.
@pytest.mark.parametrize("kind", ["400-apigw", "500-apigw", "429", "502", "503-html"])
def test_a_gateway_error_before_the_signature_check_neither_counts_toward_the_lock_nor_starts_the_count_again(
        http, hss, gateway, kind):
    steps = ["ok"] * (facts.HSS_AK_LOCKOUT_FAILURES - 1) + [kind, kind, "ok"]
    gateway.inject_faults(FaultPlan.parse("sequence=" + ",".join(steps)))
    replies = [call(http, hss, "GET", params=EVERY_PROJECT, sk=WRONG_SK) for _ in range(len(steps) - 1)]

    assert [reply.status_code for reply in replies] == [401] * (facts.HSS_AK_LOCKOUT_FAILURES - 1) + [int(kind[:3])] * 2
    assert not gateway.aksk_locked(AK)  # the two faults were no refusals
    call(http, hss, "GET", params=EVERY_PROJECT, sk=WRONG_SK)  # nor acceptances: this refusal is the fifth in a row
    assert gateway.aksk_locked(AK)


@pytest.mark.parametrize("offset_s, status", [(-14 * 60, 200), (14 * 60, 200), (-901, 401), (901, 401)])
def test_x_sdk_date_may_be_at_most_15_minutes_off(http, hss, offset_s, status):
    response = call(http, hss, "GET", at=WALL_NOW + offset_s)

    assert response.status_code == status
    if status == 401:
        assert "15 minutes" in assert_gateway_error(response, 401, "APIGW.0301")


@pytest.mark.parametrize("signed", [("content-type", "x-sdk-date"), ("host",)])
def test_signed_headers_must_include_host_and_x_sdk_date(http, hss, signed):
    response = call(http, hss, "GET", signed=signed)

    assert "host and x-sdk-date" in assert_gateway_error(response, 401, "APIGW.0301")


@pytest.mark.parametrize("authorization", [
    "SDK-HMAC-SHA256 Access=HSSEMULATORAK0001",
    "Bearer abc",
    "SDK-HMAC-SHA256 Access=HSSEMULATORAK0001, SignedHeaders=host;x-sdk-date, Signature=not-hex",
])
def test_malformed_authorization_is_401_apigw_0301(http, hss, authorization):
    response = call(http, hss, "GET", aksk=False, headers={"Authorization": authorization,
                                                          "X-Sdk-Date": "20261118T110640Z"})

    assert_gateway_error(response, 401, "APIGW.0301")


def test_aksk_for_a_project_not_of_the_account_is_400_insufficient_permissions(http, hss):
    response = call(http, hss, "GET", f"/v5/{'f' * 32}/event/isolated-file")

    assert_hss_error(response, 400, "HSS.0013")


# --------------------------------------------------------------------------- listing


def test_listing_filters_by_hash_and_isolation_status(http, hss):
    every = listing(http, hss, file_hash=SHARED)
    isolated = listing(http, hss, file_hash=SHARED.upper(), isolation_status="isolated")
    restored = listing(http, hss, file_hash=SHARED, isolation_status="restored")

    assert every["total_num"] == 3
    assert {(i["host_id"], i["file_path"]) for i in isolated["data_list"]} == {(WIN_FIN, WIN_PATH),
                                                                               (WEB_03, "/tmp/test.exe")}
    assert [(i["host_id"], i["isolation_status"]) for i in restored["data_list"]] == [(DB_02, "restored")]


def test_listed_items_have_the_sdk_shape(http, hss):
    [found] = listing(http, hss, file_hash=SINGLE)["data_list"]

    # IsolatedFileResponseInfo.agent_event_info, an IsolateEventResponseInfo: the alarm that isolated the file, before
    event = found.pop("agent_event_info")
    assert set(event) == {"event_id", "event_name", "occur_time"}, event
    assert event["event_name"] == found["event_name"] and event["occur_time"] < found["update_time"], event
    assert found == {
        "os_type": "Linux", "host_id": DB_02, "host_name": "db-02", "file_hash": SINGLE,
        "file_path": "/usr/local/bin/backup-rotate.sh", "file_attr": "755", "isolation_status": "isolated",
        "private_ip": "192.168.1.20", "update_time": 1763800200000, "isolate_source": "event",
        "event_name": "Suspicious script",
    }


def test_a_listed_row_or_event_gives_an_ip_as_an_address_or_not_at_all(http, hss, backend):
    # A host HSS knows no address of (added without one), beside the seed's, each holding an isolated file.
    backend.add_host("0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", "no-address-01")
    backend.isolate_file("0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", "ab" * 32, "/srv/drop/tool.bin")
    rows = listing(http, hss, limit=1000)["data_list"]
    events = call(http, hss, "GET", EVENTS, params={**EVERY_PROJECT, "category": "host", "limit": 1000}).json()

    listed = rows + events["data_list"]
    assert {record["host_id"] for record in rows} >= {"0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", WIN_FIN}
    for record in listed:
        for name in set(facts.HSS_LISTED_IP_FIELDS) & set(record):
            ipaddress.ip_address(record[name])  # ValueError for an empty text, or anything but an address
    seeded = {host["host_id"]: host["private_ip"] for host in load_seed(SEED)["hosts"]}
    assert all(record["private_ip"] == seeded[record["host_id"]] for record in listed if record["host_id"] in seeded)


def host_events(http, hss) -> list[dict]:
    """Every host security event of every enterprise project, as ListSecurityEvents lists them."""
    response = call(http, hss, "GET", EVENTS, params={**EVERY_PROJECT, "category": "host", "limit": 1000})
    assert response.status_code == 200, response.text
    return response.json()["data_list"]


def test_an_event_gives_the_agent_status_of_its_host_offline_for_the_seeded_offline_agent(http, hss, backend):
    seeded = {host["host_id"]: host.get("agent_status", "online") for host in load_seed(SEED)["hosts"]}
    events = host_events(http, hss)

    assert {event["host_id"] for event in events} >= {APP_05, WIN_FIN}
    assert all(event["agent_status"] == seeded[event["host_id"]] for event in events)
    assert {event["agent_status"] for event in events if event["host_id"] == APP_05} == {"offline"}
    backend.hosts[WIN_FIN].agent_installed = False  # the agent uninstalled since: HSS keeps the server's events
    uninstalled = {event["agent_status"] for event in host_events(http, hss) if event["host_id"] == WIN_FIN}
    assert uninstalled == {"not_installed"} and uninstalled <= set(facts.HSS_EVENT_AGENT_STATUSES)


def test_an_event_says_its_host_is_protected_while_an_agent_is_installed_and_unprotected_once_it_is_not(
        http, hss, backend):
    closed, opened = facts.HSS_EVENT_PROTECT_STATUSES  # not protected, protected
    assert {event["protect_status"] for event in host_events(http, hss)} == {opened}  # offline app-05's too
    backend.hosts[WIN_FIN].agent_installed = False  # the agent uninstalled since: HSS keeps the server's events

    events = host_events(http, hss)
    assert {event["protect_status"] for event in events if event["host_id"] == WIN_FIN} == {closed}
    assert {event["protect_status"] for event in events if event["host_id"] != WIN_FIN} == {opened}


def test_an_event_s_type_and_class_are_those_huaweis_sdk_gives_the_malware_it_names_else_generic_malware(
        http, hss, backend):
    # Beside the seed's events (Trojans, and db-02's "Suspicious script", a name no class of the SDK's has), one of
    # each malware class the SDK documents, named as facts.py translates it.
    named = {name: code for code, name in facts.HSS_MALWARE_EVENT_TYPES.items()}
    for code, name in facts.HSS_MALWARE_EVENT_TYPES.items():
        backend.isolate_file(WIN_HR, f"{code:064x}", f"C:\\Drop\\sample-{code}.exe", event_name=name)
    events = host_events(http, hss)

    assert {event["event_name"] for event in events} >= {"Suspicious script", *named}
    for event in events:
        code = named.get(event["event_name"], facts.HSS_GENERIC_MALWARE[0])
        assert event["event_type"] == code, event["event_name"]
        assert event["event_class_id"] == facts.HSS_AV_EVENT_CLASSES.get(code, facts.HSS_GENERIC_MALWARE[1])


@settings(max_examples=60, deadline=None)
@given(source=st.sampled_from(facts.HSS_ISOLATE_SOURCES) | st.text(max_size=12))
def test_a_seed_is_refused_when_a_file_s_isolate_source_is_not_one_huaweis_model_lists(source):
    seed = load_seed(SEED)
    index = [host["host_id"] for host in seed["hosts"]].index(DB_02)
    seed["hosts"][index]["isolated_files"][0]["isolate_source"] = source

    if source not in facts.HSS_ISOLATE_SOURCES:
        with pytest.raises(ValueError, match=re.escape(f"hosts[{index}].isolated_files[0].isolate_source")):
            HssBackend.from_seed(seed)
        return
    listed = HssBackend.from_seed(seed).list_isolated_files(PROJECT, file_hash=SINGLE, **EVERY_PROJECT)
    assert [row["isolate_source"] for row in listed["data_list"]] == [source]


@settings(max_examples=60, deadline=None)
@given(status=st.sampled_from(facts.HSS_EVENT_HOST_STATUSES) | st.text(max_size=10), online=st.booleans())
def test_an_event_gives_the_server_status_its_seed_gives_and_a_seed_huaweis_model_cannot_list_is_refused(status,
                                                                                                         online):
    seed = load_seed(SEED)
    index = [host["host_id"] for host in seed["hosts"]].index(APP_05)
    seed["hosts"][index].update(host_status=status, agent_status="online" if online else "offline")
    running = facts.HSS_EVENT_HOST_STATUSES[0]  # ACTIVE: only a running server's agent can be online

    if status not in facts.HSS_EVENT_HOST_STATUSES or (online and status != running):
        with pytest.raises(ValueError, match=re.escape(f"hosts[{index}].host_status")):
            HssBackend.from_seed(seed)
        return
    backend = HssBackend.from_seed(seed, wall_clock=lambda: WALL_NOW)
    backend.add_access_key(AK, SK)
    with LoopbackServer(create_app(HssGateway(backend))) as hss, requests.Session() as http:
        events = host_events(http, hss)
    assert {event["host_status"] for event in events if event["host_id"] == APP_05} == {status}
    assert {event["host_status"] for event in events if event["host_id"] != APP_05} == {running}  # seeded without


def test_an_event_gives_the_asset_value_its_seed_gives_its_host_and_the_sample_hosts_hold_every_one(http, hss):
    seeded = {host["host_id"]: host["asset_value"] for host in load_seed(SEED)["hosts"]}
    events = host_events(http, hss)

    assert {event["host_id"] for event in events} >= {WIN_FIN, DB_02, APP_05}
    assert all(event["asset_value"] == seeded[event["host_id"]] for event in events)
    assert {event["asset_value"] for event in events} == set(facts.HSS_ASSET_VALUES)


@settings(max_examples=40, deadline=None)
@given(value=st.sampled_from(facts.HSS_ASSET_VALUES) | st.text(max_size=12) | st.integers() | st.none())
def test_a_seed_is_refused_when_a_host_s_asset_value_is_not_one_huaweis_sdk_lists(value):
    seed = load_seed(SEED)
    index = [host["host_id"] for host in seed["hosts"]].index(DB_02)
    seed["hosts"][index]["asset_value"] = value

    if value not in facts.HSS_ASSET_VALUES:
        with pytest.raises(ValueError, match=re.escape(f"hosts[{index}].asset_value")):
            HssBackend.from_seed(seed)
        return
    listed = HssBackend.from_seed(seed).list_security_events(PROJECT, category="host", **EVERY_PROJECT)
    assert {event["asset_value"] for event in listed["data_list"] if event["host_id"] == DB_02} == {value}


def an_ip_address(text: str) -> bool:
    """Whether ``text`` is an IPv4 or IPv6 address, as HSS lists a server's IP (facts.HSS_LISTED_IP_FIELDS)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def listed_rows(backend: HssBackend) -> list[dict]:
    """Every isolated file of every enterprise project, as a client reads the listing over HTTP."""
    with LoopbackServer(create_app(HssGateway(backend))) as hss, requests.Session() as http:
        return listing(http, hss, limit=1000)["data_list"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(host_id=st.text(max_size=70) | st.integers() | st.none(),
       private_ip=st.ip_addresses().map(str) | st.text(max_size=16) | st.sampled_from(["", "10.0.0.256", "::g"]))
@example(host_id="", private_ip="192.168.0.7")
@example(host_id="a" * (facts.HSS_FIELD_LIMITS["host_id"] + 1), private_ip="")
@example(host_id="new-host", private_ip="new-host")
def test_add_host_refuses_an_id_or_private_ip_hss_could_never_hold(host_id, private_ip):
    backend = HssBackend.from_seed(SEED, wall_clock=lambda: WALL_NOW)
    backend.add_access_key(AK, SK)
    known_id = isinstance(host_id, str) and 1 <= len(host_id) <= facts.HSS_FIELD_LIMITS["host_id"]

    if not known_id or not (private_ip == "" or an_ip_address(private_ip)):
        with pytest.raises(ValueError, match="host_id" if not known_id else "private_ip"):
            backend.add_host(host_id, "new-host", private_ip=private_ip)
        assert len(backend.hosts) == len(load_seed(SEED)["hosts"])
        return
    backend.add_host(host_id, "new-host", private_ip=private_ip)
    backend.isolate_file(host_id, "ab" * 32, "/srv/new/tool.bin")
    [row] = [row for row in listed_rows(backend) if row["host_id"] == host_id]
    assert row.get("private_ip", "") == private_ip  # no address: none listed


def test_a_seed_is_refused_when_a_host_s_private_ip_is_not_an_ip_address():
    seed = load_seed(SEED)
    index = [host["host_id"] for host in seed["hosts"]].index(DB_02)
    seed["hosts"][index]["private_ip"] = "db-02.internal"

    with pytest.raises(ValueError, match=re.escape(f"hosts[{index}].private_ip")):
        HssBackend.from_seed(seed)


def first_file(seed: dict) -> dict:
    return next(host for host in seed["hosts"] if host.get("isolated_files"))["isolated_files"][0]


def first_file_where(seed: dict) -> str:
    index = next(index for index, host in enumerate(seed["hosts"]) if host.get("isolated_files"))
    return f"hosts[{index}].isolated_files[0]"


def repeat_first_file(seed: dict) -> None:
    files = next(host for host in seed["hosts"] if host.get("isolated_files"))["isolated_files"]
    files.append(dict(files[0], file_hash=files[0]["file_hash"].upper()))  # a hash's case makes no other file


@pytest.mark.parametrize("spoil, message", [
    (lambda seed: seed["hosts"], "seed must be a JSON object"),
    (lambda seed: seed.update(project_id=seed["project_id"].upper()) or seed,
     "seed.project_id must be 32 lowercase hex characters"),
    (lambda seed: seed.update(hosts={}) or seed, "seed.hosts must be a list"),
    (lambda seed: seed["hosts"].insert(0, "db-02") or seed, "hosts[0] must be an object"),
    (lambda seed: seed["hosts"].append(dict(seed["hosts"][0])) or seed, "hosts[{last}].host_id {first} is repeated"),
    (lambda seed: first_file(seed).update(isolated_minutes_ago=43_201) or seed,
     "{file}.isolated_minutes_ago must be a number of minutes from 0 to 43200"),
    (lambda seed: first_file(seed).update(isolation_status="deleted") or seed,
     "{file}.isolation_status must be one of"),
    (lambda seed: repeat_first_file(seed) or seed, "repeats a file_hash and file_path already on this host"),
    (lambda seed: seed["hosts"][0].update(os_type="macOS") or seed, "hosts[0].os_type must be Linux or Windows"),
    (lambda seed: seed["hosts"][0].update(agent_status="asleep") or seed,
     "hosts[0].agent_status must be online or offline"),
    (lambda seed: seed["hosts"][0].update(restore_stages=True) or seed,
     "hosts[0].restore_stages must be a number from 0 to 1000"),
    (lambda seed: seed["hosts"][0].update(restore_fails="no") or seed, "hosts[0].restore_fails must be true or false"),
], ids=["not-an-object", "project-id", "hosts-not-a-list", "host-not-an-object", "host-repeated", "minutes-ago",
        "isolation-status", "file-repeated", "os-type", "agent-status", "restore-stages", "restore-fails"])
def test_a_seed_hss_could_not_hold_is_refused_naming_the_entry(spoil, message):
    seed = load_seed(SEED)
    expected = message.format(last=len(seed["hosts"]), first=seed["hosts"][0]["host_id"], file=first_file_where(seed))
    with pytest.raises(ValueError, match=re.escape(expected)):
        HssBackend.from_seed(spoil(seed))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(host_id=st.sampled_from([WIN_HR, "no-such-host"]),
       file_hash=st.sampled_from(["ab" * 32, "", "f" * (facts.HSS_FIELD_LIMITS["file_hash"] + 1)]),
       file_path=st.text(max_size=facts.HSS_FIELD_LIMITS["file_path"] + 10) | st.none())
@example(host_id=WIN_HR, file_hash="ab" * 32, file_path="C:\\Drop\\tool.exe")
def test_isolate_file_refuses_an_unknown_host_or_a_hash_or_path_hss_could_never_hold(host_id, file_hash,
                                                                                     file_path):
    backend = HssBackend.from_seed(SEED, wall_clock=lambda: WALL_NOW)
    backend.add_access_key(AK, SK)
    before = listed_rows(backend)
    unknown_host, long_hash = host_id == "no-such-host", len(file_hash) > facts.HSS_FIELD_LIMITS["file_hash"]
    holdable = (not unknown_host and not long_hash and file_hash != ""
                and isinstance(file_path, str) and 1 <= len(file_path) <= facts.HSS_FIELD_LIMITS["file_path"])

    if not holdable:
        with pytest.raises(ValueError):
            backend.isolate_file(host_id, file_hash, file_path)
        if unknown_host or long_hash:  # the bulk helper makes its own paths, and a hash when given none ("")
            with pytest.raises(ValueError):
                backend.add_isolated_files(host_id, 1, file_hash=file_hash)
        assert listed_rows(backend) == before
        return
    backend.isolate_file(host_id, file_hash, file_path)
    [added] = [row for row in listed_rows(backend) if row not in before]
    assert (added["host_id"], added["file_hash"], added["file_path"]) == (host_id, file_hash, file_path)


@settings(max_examples=80, deadline=None)
@given(name=st.sampled_from(["host_name", "event_name", "update_time"]),
       value=st.text(max_size=300) | st.integers(-1, 10 ** 14) | st.floats(allow_nan=False) | st.none())
def test_a_seed_is_refused_when_a_name_or_time_it_gives_is_not_one_hss_lists(name, value):
    seed = load_seed(SEED)
    index = [host["host_id"] for host in seed["hosts"]].index(DB_02)
    seeded = seed["hosts"][index] if name == "host_name" else seed["hosts"][index]["isolated_files"][0]
    seeded[name] = value
    where = f"hosts[{index}].{name}" if name == "host_name" else f"hosts[{index}].isolated_files[0].{name}"

    if name == "update_time":
        listable = type(value) is int and len(str(value)) == facts.HSS_MS_DIGITS
    else:
        listable = isinstance(value, str) and 1 <= len(value) <= facts.HSS_LISTED_NAME_MAX[name]
    if not listable:
        with pytest.raises(ValueError, match=re.escape(where)):
            HssBackend.from_seed(seed)
        return
    listed = HssBackend.from_seed(seed).list_isolated_files(PROJECT, file_hash=SINGLE, **EVERY_PROJECT)
    assert [row[name] for row in listed["data_list"]] == [value]


@settings(max_examples=60, deadline=None)
@given(event_name=st.text(min_size=1, max_size=facts.HSS_LISTED_NAME_MAX["event_name"]),
       file_path=st.text(alphabet="ab/\\.", min_size=1, max_size=facts.HSS_EVENT_FILE_TEXT_RANGES["file_path"][1]))
@example(event_name="n" * facts.HSS_LISTED_NAME_MAX["event_name"],
         file_path="/" + "a" * (facts.HSS_EVENT_FILE_TEXT_RANGES["file_path"][1] - 1))  # both as long as can be
@example(event_name="Trojan", file_path="/")  # a path that names no file
def test_an_event_s_texts_stay_within_huaweis_model_for_any_name_and_path_a_seed_may_give(event_name, file_path):
    seed = load_seed(SEED)
    [seeded] = [host for host in seed["hosts"] if host["host_id"] == DB_02]
    seeded["isolated_files"][0].update(event_name=event_name, file_path=file_path)

    events = HssBackend.from_seed(seed).list_security_events(PROJECT, category="host", host_id=DB_02, **EVERY_PROJECT)
    [event] = [event for event in events["data_list"] if event["file_info_list"][0]["file_hash"] == SINGLE]
    for texts, ranges in ((event, facts.HSS_EVENT_TEXT_RANGES),
                          (event["file_info_list"][0], facts.HSS_EVENT_FILE_TEXT_RANGES)):
        for name, (shortest, longest) in ranges.items():
            assert shortest <= len(texts[name]) <= longest, (name, texts[name])


@pytest.mark.parametrize("enterprise_project_id, hosts", [
    (None, {WIN_FIN, APP_05, BUILD_02}),  # left out: the default enterprise project, as "0"
    ("all_granted_eps", {WIN_FIN, WEB_03, DB_02, APP_05, BUILD_02}),
    ("0", {WIN_FIN, APP_05, BUILD_02}),
    (EP_A, {WEB_03}),
    (EP_B, {DB_02}),
    ("11111111-2222-4333-8444-555555555555", set()),
])
def test_listing_filters_by_enterprise_project(http, hss, enterprise_project_id, hosts):
    params = {"enterprise_project_id": enterprise_project_id} if enterprise_project_id else {}

    response = call(http, hss, "GET", params={"limit": 200, **params})
    found = response.json()["data_list"]

    assert {i["host_id"] for i in found} == hosts


def test_listing_matches_part_of_host_name_and_file_path(http, hss):
    by_name = listing(http, hss, host_name="WIN-")["data_list"]
    by_path = listing(http, hss, file_path="test.exe", isolation_status="isolated")["data_list"]

    assert {i["host_name"] for i in by_name} == {"win-fin-01"}
    assert {i["file_path"] for i in by_path} == {WIN_PATH, "/tmp/test.exe"}


def test_listing_pages_with_offset_and_limit_in_a_stable_order(http, hss, backend):
    added = backend.add_isolated_files(WEB_03, 250, file_hash="b" * 64)

    pages = [listing(http, hss, file_hash="b" * 64, offset=offset, limit=200) for offset in (0, 200, 250)]
    default = listing(http, hss, file_hash="b" * 64)

    assert [p["total_num"] for p in pages] == [250, 250, 250]
    assert [len(p["data_list"]) for p in pages] == [200, 50, 0]
    assert [i["file_path"] for p in pages for i in p["data_list"]] == [i["file_path"] for i in added]
    assert len(default["data_list"]) == 10  # the default page size


def test_max_page_rows_caps_every_page_whatever_limit_asks(http, hss, backend):
    added = backend.add_isolated_files(WEB_03, 45, file_hash="c" * 64)
    backend.max_page_rows = 20

    pages = [listing(http, hss, file_hash="c" * 64, offset=offset, limit=200) for offset in (0, 20, 40)]

    assert [p["total_num"] for p in pages] == [45, 45, 45]  # the count is still the whole listing's
    assert [len(p["data_list"]) for p in pages] == [20, 20, 5]
    assert [i["file_path"] for p in pages for i in p["data_list"]] == [i["file_path"] for i in added]


def test_total_num_surplus_counts_rows_no_page_serves(http, hss, backend):
    backend.add_isolated_files(WEB_03, 45, file_hash="c" * 64)
    backend.total_num_surplus = 10

    first, past_the_end = (listing(http, hss, file_hash="c" * 64, offset=offset, limit=50) for offset in (0, 45))

    assert (first["total_num"], len(first["data_list"])) == (55, 45)
    assert (past_the_end["total_num"], past_the_end["data_list"]) == (55, [])


@pytest.mark.parametrize("params, field", [
    ({"limit": 9}, "limit"),
    ({"limit": facts.HSS_LIST_LIMIT_RANGE[1] + 1}, "limit"),
    ({"offset": facts.HSS_LIST_OFFSET_MAX + 1}, "offset"),
    ({"limit": "ten"}, "limit"),
    ({"offset": -1}, "offset"),
    ({"limit": "1" + "0" * 5000}, "limit"),  # more digits than Python's int() converts: refused, not a 500
    ({"offset": "1" + "0" * 5000}, "offset"),
    ({"isolation_status": "quarantined"}, "isolation_status"),
])
def test_listing_parameters_out_of_range_are_400(http, hss, params, field):
    assert field in assert_hss_error(call(http, hss, "GET", params=params), 400, "HSS.0001")


@pytest.mark.parametrize("params", [{"limit": facts.HSS_LIST_LIMIT_RANGE[0]}, {"limit": facts.HSS_LIST_LIMIT_RANGE[1]},
                                    {"offset": facts.HSS_LIST_OFFSET_MAX}])
def test_listing_takes_the_least_and_most_limit_and_offset_huaweis_page_allows_and_serves_that_page(
        http, hss, backend, params):
    most = facts.HSS_LIST_LIMIT_RANGE[1]
    before = listing(http, hss, limit=most)["total_num"]
    backend.add_isolated_files(WEB_03, most + 1)  # more rows than the largest page holds

    page = listing(http, hss, **params)

    offset, limit = params.get("offset", 0), params.get("limit", 10)  # Huawei's page: limit's default is 10
    assert page["total_num"] == before + most + 1
    assert len(page["data_list"]) == max(0, min(limit, page["total_num"] - offset))


WINDOW_END_MS = 1_795_000_000_000  # a 13-digit time in ms, as the SDK's models have begin_time and end_time
LAST_DAYS_LOW, LAST_DAYS_HIGH = facts.HSS_LIST_LAST_DAYS_RANGE


@pytest.mark.parametrize("params, field", [
    ({"last_days": LAST_DAYS_LOW - 1}, "last_days"),
    ({"last_days": LAST_DAYS_HIGH + 1}, "last_days"),
    ({"last_days": "seven"}, "last_days"),
    ({"last_days": LAST_DAYS_LOW, "begin_time": WINDOW_END_MS - 1000}, "last_days"),
    ({"last_days": LAST_DAYS_LOW, "end_time": WINDOW_END_MS}, "last_days"),
    ({"begin_time": WINDOW_END_MS - facts.HSS_LIST_WINDOW_MAX_MS - 1, "end_time": WINDOW_END_MS}, "end_time"),
    ({"begin_time": "yesterday"}, "begin_time"),
    ({"end_time": -1}, "end_time"),
    *[({name: "a" * (limit + 1)}, name) for name, limit in facts.HSS_LIST_UNAPPLIED_TEXT_MAX.items()],
])
def test_an_isolated_file_listing_filter_the_emulator_does_not_apply_is_still_400_outside_huaweis_bounds(
        http, hss, params, field):
    assert field in assert_hss_error(call(http, hss, "GET", params=params), 400, "HSS.0001")


@pytest.mark.parametrize("params", [
    {"last_days": LAST_DAYS_LOW}, {"last_days": LAST_DAYS_HIGH},
    {"begin_time": WINDOW_END_MS - facts.HSS_LIST_WINDOW_MAX_MS, "end_time": WINDOW_END_MS},
    *[{name: "a" * limit} for name, limit in facts.HSS_LIST_UNAPPLIED_TEXT_MAX.items()],
])
def test_an_isolated_file_listing_filter_within_huaweis_bounds_is_taken(http, hss, params):
    # README, "What the emulators refuse": these filters are checked and not applied, so the listing is the whole one
    assert listing(http, hss, **params) == listing(http, hss)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(last_days=st.integers(-10**6, 10**6), span=st.integers(-10**10, 10**10))
def test_an_isolated_file_listing_takes_last_days_and_a_time_window_exactly_within_huaweis_bounds(
        http, hss, last_days, span):
    by_days = call(http, hss, "GET", params={**EVERY_PROJECT, "last_days": last_days})
    by_window = call(http, hss, "GET", params={**EVERY_PROJECT, "begin_time": WINDOW_END_MS - span,
                                               "end_time": WINDOW_END_MS})

    for response, taken, field in ((by_days, LAST_DAYS_LOW <= last_days <= LAST_DAYS_HIGH, "last_days"),
                                   (by_window, span <= facts.HSS_LIST_WINDOW_MAX_MS, "end_time")):
        if taken:
            assert response.status_code == 200, response.text
        else:
            assert field in assert_hss_error(response, 400, "HSS.0001")


EVENTS = f"/v5/{PROJECT}/event/events"
TEXT_LIMITS = [pytest.param(path, name, limit, id=f"{listed}-{name}")
               for path, listed, limits in ((ISOLATED_FILE, "isolated-files", facts.HSS_LIST_TEXT_MAX),
                                            (EVENTS, "events", facts.HSS_EVENT_TEXT_MAX))
               for name, limit in limits.items()]


@pytest.mark.parametrize("path, name, limit", TEXT_LIMITS)
def test_a_listing_s_text_parameter_longer_than_huawei_documents_is_400_naming_it(http, hss, path, name, limit):
    response = call(http, hss, "GET", path, params={"category": "host", name: "a" * (limit + 1)})

    assert name in assert_hss_error(response, 400, "HSS.0001")


@pytest.mark.parametrize("path, name, limit", TEXT_LIMITS)
def test_a_listing_takes_a_text_parameter_as_long_as_huawei_documents(http, hss, path, name, limit):
    response = call(http, hss, "GET", path, params={"category": "host", name: "a" * limit})

    assert response.status_code == 200, response.text
    assert response.json()["data_list"] == []  # nothing is named that way


# README, "What the emulators refuse": "a listing's `limit` outside 10 to 1000, `offset` outside 0 to 2000000", the
# security events' listing as the isolated files' (ListSecurityEvents takes the same ranges).
@pytest.mark.parametrize("params, field", [
    ({"limit": facts.HSS_LIST_LIMIT_RANGE[0] - 1}, "limit"),
    ({"limit": facts.HSS_LIST_LIMIT_RANGE[1] + 1}, "limit"),
    ({"offset": -1}, "offset"),
    ({"offset": facts.HSS_LIST_OFFSET_MAX + 1}, "offset"),
])
def test_the_event_listing_s_limit_or_offset_out_of_range_is_400_naming_it(http, hss, params, field):
    response = call(http, hss, "GET", EVENTS, params={"category": "host", **params})

    assert field in assert_hss_error(response, 400, "HSS.0001")


@pytest.mark.parametrize("params", [{"limit": facts.HSS_LIST_LIMIT_RANGE[0]}, {"limit": facts.HSS_LIST_LIMIT_RANGE[1]},
                                    {"offset": facts.HSS_LIST_OFFSET_MAX}])
def test_the_event_listing_takes_the_least_and_most_limit_and_offset_in_range_and_serves_that_page(
        http, hss, backend, params):
    most = facts.HSS_EVENT_LIMIT_RANGE[1]
    every = {**EVERY_PROJECT, "category": "host"}
    before = call(http, hss, "GET", EVENTS, params={**every, "limit": most}).json()["total_num"]
    for number in range(most + 1):  # an event each: more than the largest page holds
        backend.isolate_file(WEB_03, f"{number:064x}", f"/srv/page-{number}.bin")

    response = call(http, hss, "GET", EVENTS, params={**every, **params})

    assert response.status_code == 200, response.text
    page = response.json()
    offset, limit = params.get("offset", 0), params.get("limit", 10)  # SDK ListSecurityEventsRequest: limit 默认取值 10
    assert page["total_num"] == before + most + 1
    assert len(page["data_list"]) == max(0, min(limit, page["total_num"] - offset))


@pytest.mark.parametrize("method, path", [("GET", ISOLATED_FILE), ("PUT", ISOLATED_FILE), ("GET", EVENTS)])
def test_a_region_header_longer_than_huaweis_request_models_take_is_400_and_one_as_long_is_taken(
        http, hss, backend, method, path):
    def send(region):
        body = {"data_list": [item(DB_02, SINGLE)]} if method == "PUT" else None
        params = {**EVERY_PROJECT, "category": "host"} if path == EVENTS else EVERY_PROJECT
        return call(http, hss, method, path, params=params, body=body, headers={"region": region})

    too_long = send("r" * (facts.HSS_REGION_HEADER_MAX + 1))
    assert "region" in assert_hss_error(too_long, 400, "HSS.0001")
    assert backend.isolation_status(DB_02, SINGLE) == "isolated"  # a restore refused changes nothing
    longest = send("r" * facts.HSS_REGION_HEADER_MAX)
    assert longest.status_code == 200, longest.text


def events_refused(http, hss, params) -> str:
    """The error_msg of an event listing (every enterprise project's host events, ``params`` beside) HSS refused as
    HSS.0001, the emulator's InvalidParameter."""
    response = call(http, hss, "GET", EVENTS, params={**EVERY_PROJECT, "category": "host", **params})
    return assert_hss_error(response, 400, "HSS.0001")


# huaweicloudsdkhss v5 ListSecurityEventsRequest: begin_time and end_time 取值范围 字符长度13位, a time in ms.
SECONDS = WINDOW_END_MS // 1000


@pytest.mark.parametrize("params, name", [
    ({"begin_time": str(SECONDS - 60), "end_time": str(SECONDS)}, "begin_time"),  # both in seconds
    ({"begin_time": str(WINDOW_END_MS - 60_000), "end_time": str(SECONDS)}, "end_time"),
    ({"begin_time": str(WINDOW_END_MS * 10 - 60_000), "end_time": str(WINDOW_END_MS * 10)}, "begin_time"),  # 14 digits
])
def test_the_hss_emulator_refuses_event_times_not_in_milliseconds(http, hss, params, name):
    assert events_refused(http, hss, params) == \
        f"Invalid parameter: {name} must be a timestamp in milliseconds (13 digits)"


def test_the_hss_emulator_refuses_an_event_window_that_ends_before_it_begins(http, hss):
    params = {"begin_time": str(WINDOW_END_MS), "end_time": str(WINDOW_END_MS - 1)}

    assert events_refused(http, hss, params) == "Invalid parameter: end_time must not be before begin_time"


# huaweicloudsdkhss v5 ListSecurityEventsRequest: category 取值范围 host, container; handle_status unhandled, handled.
@pytest.mark.parametrize("params, message", [
    ({"category": "Host"}, "category must be one of host, container"),
    ({"category": "server"}, "category must be one of host, container"),
    ({"handle_status": "Handled"}, "handle_status must be one of unhandled, handled"),
    ({"handle_status": "ignored"}, "handle_status must be one of unhandled, handled"),
])
def test_the_hss_emulator_refuses_a_category_or_handle_status_huaweis_sdk_does_not_list(http, hss, params, message):
    assert events_refused(http, hss, params) == f"Invalid parameter: {message}"


def test_ten_thousand_items_can_be_generated_and_listed(backend):
    backend.add_isolated_files(DB_02, 10_000)

    page = backend.list_isolated_files(PROJECT, host_name="db-02", isolation_status="isolated", offset=9_900, limit=200,
                                       **EVERY_PROJECT)

    assert page["total_num"] == 10_001 and len(page["data_list"]) == 101


# --------------------------------------------------------------------------- restore


def test_restore_moves_isolated_to_restoring_to_restored(http, hss, backend, clock):
    response = restore(http, hss, [item(WEB_03, SHARED, "/tmp/test.exe", "644")])

    assert response.status_code == 200 and response.content == b""
    assert "Content-Type" not in response.headers
    assert backend.isolation_status(WEB_03, SHARED) == "restoring"
    assert backend.isolation_status(WIN_FIN, SHARED) == "isolated"  # the other copy is untouched
    # web-03's agent takes restore_stages stages of stage_seconds (1 s here), as the seed says
    stages = next(h for h in load_seed(SEED)["hosts"] if h["host_id"] == WEB_03).get("restore_stages", 1)
    clock.advance(stages - 0.001)
    assert listing(http, hss, host_name="web-03")["data_list"][0]["isolation_status"] == "restoring"
    clock.advance(0.001)
    assert backend.isolation_status(WEB_03, SHARED, "/tmp/test.exe") == "restored"
    assert listing(http, hss, file_hash=SHARED, isolation_status="isolated")["total_num"] == 1


def test_restore_with_stage_seconds_zero_is_restored_at_once(clock):
    backend = HssBackend.from_seed(SEED, stage_seconds=0, clock=clock)

    backend.restore_isolated_files(PROJECT, [item(DB_02, SINGLE)], **EVERY_PROJECT)

    assert backend.isolation_status(DB_02, SINGLE) == "restored"


def test_restore_without_file_path_starts_restoring_every_copy_of_the_hash_on_that_host(http, hss, backend):
    added = backend.add_isolated_files(WIN_HR, 3, file_hash="a" * 64)

    assert restore(http, hss, [item(WIN_HR, "A" * 64)]).status_code == 200

    assert {backend.isolation_status(WIN_HR, "a" * 64, i["file_path"]) for i in added} == {"restoring"}


def test_already_restoring_or_restored_items_are_accepted_again_and_change_nothing(http, hss, backend, clock, wall):
    # The docs are silent on a second restore of one copy; the emulator's choice (models.py's docstring): idempotent.
    target = item(DB_02, SINGLE, "/usr/local/bin/backup-rotate.sh")
    assert restore(http, hss, [target]).status_code == 200
    [first] = listing(http, hss, file_hash=SINGLE)["data_list"]
    clock.advance(0.5)
    wall.advance(0.5)

    again = restore(http, hss, [target, item(DB_02, SHARED, "/opt/app/bin/test.exe")])

    assert again.status_code == 200
    assert listing(http, hss, file_hash=SINGLE)["data_list"] == [first]  # restoring since the first, not the second
    clock.advance(0.5)  # the first restore's timer was not restarted
    assert backend.isolation_status(DB_02, SINGLE) == "restored"
    assert backend.isolation_status(DB_02, SHARED) == "restored"
    assert backend.put_sizes == [1, 2]


def test_100_items_are_accepted(http, hss, backend):
    added = backend.add_isolated_files(WEB_03, 100)

    response = restore(http, hss, [item(WEB_03, i["file_hash"], i["file_path"]) for i in added])

    assert response.status_code == 200 and backend.put_sizes == [100]


def test_101_items_are_400_and_nothing_changes(http, hss, backend):
    added = backend.add_isolated_files(WEB_03, 101)
    before = backend.snapshot()

    response = restore(http, hss, [item(WEB_03, i["file_hash"], i["file_path"]) for i in added])

    assert "101" in assert_hss_error(response, 400, "HSS.0001")
    assert backend.put_sizes == []
    # nothing: each of the 101 copies still isolated, and every other file of the project as it was
    assert [backend.isolation_status(WEB_03, i["file_hash"], i["file_path"]) for i in added] == ["isolated"] * 101
    assert backend.snapshot() == before


def test_an_item_matching_no_isolated_file_is_400_naming_it_and_nothing_changes(http, hss, backend):
    items = [item(WIN_FIN, SHARED, WIN_PATH), item(WEB_03, SHARED, "/not/isolated/here")]
    before = backend.snapshot()

    response = restore(http, hss, items)

    assert "data_list[1]" in assert_hss_error(response, 400, "HSS.0011")
    assert backend.isolation_status(WIN_FIN, SHARED) == "isolated"  # atomic: the valid item did not move
    assert backend.put_sizes == []
    assert backend.snapshot() == before  # nor did any other file of the project


@pytest.mark.parametrize("target", [item(WIN_HR, SHARED), item("no-such-host", SHARED), item(WEB_03, SINGLE)])
def test_items_on_hosts_without_that_file_are_400(http, hss, target):
    assert "data_list[0]" in assert_hss_error(restore(http, hss, [target]), 400, "HSS.0011")


@pytest.mark.parametrize("auth", ["aksk", "token"])
def test_a_restore_in_another_project_s_path_finds_no_server_of_this_project_and_changes_nothing(
        http, hss, iam, backend, auth):
    # The seed's path names the project the restore acts in: the user may use OTHER_PROJECT, whose servers are none.
    token = None
    if auth == "token":
        issued = http.post(iam.url + "/v3/auth/tokens", json=token_request(project=OTHER_PROJECT), timeout=5)
        token = issued.headers["X-Subject-Token"]
    before = backend.snapshot()
    response = call(http, hss, "PUT", f"/v5/{OTHER_PROJECT}/event/isolated-file", params=EVERY_PROJECT,
                    body={"data_list": [item(WIN_FIN, SHARED, WIN_PATH)]}, token=token)

    assert_hss_error(response, facts.HSS_ERROR_STATUS, facts.HSS_RESOURCE_NOT_FOUND[0])
    assert backend.isolation_status(WIN_FIN, SHARED, WIN_PATH) == "isolated"
    assert backend.put_sizes == []
    assert backend.snapshot() == before  # nothing else of this project changed either


@pytest.mark.parametrize("params", [{"enterprise_project_id": "0"}, {}])  # left out: the default one, as "0"
def test_restore_is_limited_to_the_enterprise_project_given(http, hss, backend, gateway, params):
    response = restore(http, hss, [item(WEB_03, SHARED)], params=params)

    assert_hss_error(response, 400, "HSS.0011")
    assert gateway.internal_errors == [] and backend.isolation_status(WEB_03, SHARED) == "isolated"
    assert restore(http, hss, [item(WEB_03, SHARED)], params={"enterprise_project_id": EP_A}).status_code == 200


def test_a_restore_s_enterprise_project_id_longer_than_huaweis_model_takes_is_400_naming_it(http, hss, backend):
    longest = "e" * facts.HSS_RESTORE_ENTERPRISE_PROJECT_ID_MAX

    too_long = restore(http, hss, [item(WEB_03, SHARED)], params={"enterprise_project_id": longest + "e"})
    as_long = restore(http, hss, [item(WEB_03, SHARED)], params={"enterprise_project_id": longest})

    assert "enterprise_project_id" in assert_hss_error(too_long, 400, "HSS.0001")
    assert_hss_error(as_long, 400, "HSS.0011")  # taken: no server of that enterprise project holds the file
    assert backend.isolation_status(WEB_03, SHARED) == "isolated"


@pytest.mark.parametrize("items, where", [
    ([item("h" * 65, SHARED)], "data_list[0].host_id"),
    ([item(WIN_FIN, SHARED, "/" + "p" * 256)], "data_list[0].file_path"),
    ([item(WIN_FIN, SHARED), item(WIN_FIN, "f" * 257)], "data_list[1].file_hash"),
    ([item(WIN_FIN, SHARED, file_attr="a" * 257)], "data_list[0].file_attr"),
    ([item(WIN_FIN, "")], "data_list[0].file_hash"),
    ([{"host_id": 42, "file_hash": SHARED}], "data_list[0].host_id"),
    ([{"file_hash": SHARED}], "data_list[0].host_id"),
    ([{"host_id": WIN_FIN}], "data_list[0].file_hash"),
    ([item(WIN_FIN, SHARED, file_attr=None) | {"host_name": "win-fin-01"}], "data_list[0].host_name"),
    (["not an object"], "data_list[0]"),
    ([["host_id", "file_hash"]], "data_list[0]"),  # an array where an IsolatedFileRequestInfo object is due
    ([], "data_list"),
    ("not a list", "data_list"),
    # the seed's data_list is an "Array of IsolatedFileRequestInfo objects": one such object alone is not one
    (item(WIN_FIN, SHARED, WIN_PATH), "data_list"),
])
def test_bad_items_are_400_naming_the_item_and_field(http, hss, backend, items, where):
    message = assert_hss_error(restore(http, hss, items), 400, "HSS.0001")

    assert where in message
    assert backend.put_sizes == []


@pytest.mark.parametrize("raw, code", [
    (b"{not json", "HSS.0002"),
    (b"[]", "HSS.0002"),
    (b"", "HSS.0002"),
    (b"{}", "HSS.0001"),
    (b'{"data_list": [], "extra": 1}', "HSS.0001"),
    # an item HSS would restore, beside a field the seed's request body does not list (ChangeEvent's operate_type)
    (json.dumps({"data_list": [item(WIN_FIN, SHARED, WIN_PATH)], "operate_type": "restore"}).encode(), "HSS.0001"),
])
def test_bad_bodies_are_400(http, hss, raw, code):
    response = call(http, hss, "PUT", data=raw, headers={"Content-Type": "application/json"})

    assert_hss_error(response, 400, code)


@pytest.mark.parametrize("send, expected", [
    (lambda http, hss: call(http, hss, "GET", params={"limit": "5"}), facts.HSS_INVALID_PARAMETER),
    (lambda http, hss: restore(http, hss, [item("h" * 65, SHARED)]), facts.HSS_INVALID_PARAMETER),
    (lambda http, hss: call(http, hss, "PUT", data=b"{not json", headers={"Content-Type": "application/json"}),
     facts.HSS_UNPARSABLE_REQUEST),
    (lambda http, hss: restore(http, hss, [item(WIN_HR, SHARED)]), facts.HSS_RESOURCE_NOT_FOUND),
])
def test_hss_errors_carry_the_codes_and_messages_of_huaweis_error_table(backend, http, send, expected):
    """HSS's Error Codes page: HSS.0001 "Invalid parameter.", HSS.0002 "Failed to parse the request.", HSS.0011
    "Requested resource not found.", every one HTTP 400 (the described form carries the table's message)."""
    with LoopbackServer(create_app(HssGateway(backend, described_errors=True))) as hss:
        response = send(http, hss)

    assert response.status_code == facts.HSS_ERROR_STATUS
    body = response.json()
    assert (body["error_code"], body["error_msg"]) == expected and body["error_description"]


@pytest.mark.parametrize("agent, expected", [
    ({"agent_installed": False}, facts.HSS_NO_AGENT),
    ({"agent_unreachable": True}, facts.HSS_AGENT_UNREACHABLE),
])
def test_a_restore_on_a_server_whose_agent_cannot_take_it_is_refused_with_huaweis_agent_error(backend, http, agent,
                                                                                              expected):
    """HSS's Error Codes page: HSS.1001 "The selected server is not associated with any agent." and HSS.1006 "Failed
    to send requests to the agent.", HTTP 400. The request is refused whole (every item is checked before any file
    changes), the item named in the detail."""
    for name, value in agent.items():
        setattr(backend.hosts[WIN_FIN], name, value)
    with LoopbackServer(create_app(HssGateway(backend, described_errors=True))) as hss:
        response = restore(http, hss, [item(WEB_03, SHARED), item(WIN_FIN, SHARED)])

    assert response.status_code == facts.HSS_ERROR_STATUS
    body = response.json()
    assert (body["error_code"], body["error_msg"]) == expected and "data_list[1]" in body["error_description"]
    assert backend.put_sizes == []
    assert [backend.isolation_status(host, SHARED) for host in (WEB_03, WIN_FIN)] == ["isolated", "isolated"]


@pytest.mark.parametrize("setting, expected", [
    ("offline_agents_refuse", facts.HSS_AGENT_OFFLINE),
    ("file_attr_checked", facts.HSS_INVALID_FILE_INFORMATION),
])
def test_a_restore_hss_set_to_refuse_an_offline_agent_or_another_file_attr_is_refused_whole_in_huaweis_form(
        backend, http, setting, expected):
    """HSS's Error Codes page (its Chinese edition): HSS.1007 "Agent离线" and HSS.1018 "无效的文件信息", HTTP 400, which
    Huawei does not say when HSS gives: each only when the backend is set to, the item named in the detail."""
    setattr(backend, setting, True)
    backend.hosts[APP_05].agent_online = False  # as the seed has it: refused only with offline_agents_refuse
    listed = {row["host_id"]: row for row in backend.list_isolated_files(backend.project_id, file_hash=SINGLE,
                                                                         enterprise_project_id="all_granted_eps")[
        "data_list"]}
    attr = listed[DB_02]["file_attr"] + ("1" if setting == "file_attr_checked" else "")
    offline = [item(APP_05, f.file_hash, f.file_path) for f in backend.files if f.host_id == APP_05][:1]
    with LoopbackServer(create_app(HssGateway(backend, described_errors=True))) as hss:
        response = restore(http, hss, [item(DB_02, SINGLE, listed[DB_02]["file_path"], attr), *offline])

    assert response.status_code == facts.HSS_ERROR_STATUS
    body = response.json()
    where = "data_list[1]" if setting == "offline_agents_refuse" else "data_list[0]"
    assert (body["error_code"], body["error_msg"]) == expected and where in body["error_description"]
    assert backend.put_sizes == []


@pytest.mark.parametrize("operation", ["list_isolated_files", "restore_isolated_files", "list_security_events"])
def test_a_failing_service_never_answers_hss_0001_which_is_a_bad_parameter(http, hss, backend, operation):
    # each API the emulator serves: the isolated-file listing, the restore and the event listing
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    setattr(backend, operation, broken)
    response = {"list_isolated_files": lambda: call(http, hss, "GET"),
                "restore_isolated_files": lambda: restore(http, hss, [item(WIN_FIN, SHARED, WIN_PATH)]),
                "list_security_events": lambda: call(http, hss, "GET", EVENTS, params={"category": "host"}),
                }[operation]()

    assert response.status_code == 500 and response.json()["error_code"] != facts.HSS_INVALID_PARAMETER[0]


# --------------------------------------------------------------------------- gateway behaviour


def test_more_than_the_hidden_rate_limit_in_one_second_is_429_apigw_0308(http, gateway, clock):
    gateway.rate_limit = 2
    with LoopbackServer(create_app(gateway)) as hss:
        assert [call(http, hss, "GET").status_code for _ in range(2)] == [200, 200]

        throttled = call(http, hss, "GET")

        assert assert_gateway_error(throttled, 429, "APIGW.0308") == "The throttling threshold has been reached"
        assert "Retry-After" not in throttled.headers  # the gateway publishes neither its limit nor a wait
        clock.advance(1.0)
        assert call(http, hss, "GET").status_code == 200
        gateway.others_rate = 1  # another client of the project takes one of the two
        clock.advance(1.0)
        assert [call(http, hss, "GET").status_code for _ in range(2)] == [200, 429]


def test_iam_counts_its_own_window_off_by_default_and_refuses_past_it_with_a_429_in_iam_form(http, gateway, hss, iam,
                                                                                           clock):
    assert [http.post(iam.url + "/v3/auth/tokens", json=token_request(), timeout=5).status_code
            for _ in range(5)] == [201] * 5  # no limit unless one is set
    gateway.iam_rate_limit, gateway.rate_limit = 2, 1  # HSS's window and IAM's: neither counts the other's requests
    clock.advance(1.0)
    token = get_token(http, iam)
    assert call(http, hss, "GET", params=EVERY_PROJECT, token=token).status_code == 200
    assert get_token(http, iam)

    throttled = http.post(iam.url + "/v3/auth/tokens", json=token_request(), timeout=5)

    assert assert_iam_error(throttled, 429, "Too Many Requests") == "Too many requests."
    assert "Retry-After" not in throttled.headers and "X-Subject-Token" not in throttled.headers
    assert gateway.iam_throttled == 1 and gateway.throttled == 0
    assert_iam_error(http.post(iam.url + "/v3/auth/tokens", json=token_request(password="wrong-Password-1"),
                               timeout=5), 429, "Too Many Requests")  # before the password is checked
    assert gateway.iam_throttled == 2
    clock.advance(1.0)
    assert get_token(http, iam)


def test_throttling_comes_before_routing_and_auth(http, gateway):
    gateway.rate_limit = 1
    with LoopbackServer(create_app(gateway)) as hss:
        call(http, hss, "GET")
        assert_gateway_error(call(http, hss, "GET", "/v5/x/unknown", aksk=False), 429, "APIGW.0308")


@pytest.mark.parametrize("method, path", [
    ("GET", f"/v5/{PROJECT}/event/isolated-files"),
    ("GET", f"/v5/{PROJECT}/event/isolated-file/extra"),
    ("POST", ISOLATED_FILE),
    ("DELETE", ISOLATED_FILE),
    ("GET", "/v3/auth/tokens"),
])
def test_unknown_path_or_method_is_404_apigw_0101_before_auth(http, hss, method, path):
    response = call(http, hss, method, path, aksk=False)

    assert_gateway_error(response, 404, "APIGW.0101")


def test_every_request_is_recorded_accepted_or_rejected(http, hss, gateway):
    replies = [restore(http, hss, [item(WIN_FIN, SHARED)], params={"enterprise_project_id": "0"}),
               call(http, hss, "GET", aksk=False), call(http, hss, "GET", "/nowhere")]

    assert [reply.status_code for reply in replies] == [200, 401, 404]  # accepted, then rejected twice
    assert [(r.method, r.path) for r in gateway.requests] == [
        ("PUT", ISOLATED_FILE), ("GET", ISOLATED_FILE), ("GET", "/nowhere")]
    assert gateway.requests[0].query == {"enterprise_project_id": ["0"]}
    assert gateway.requests[0].body == {"data_list": [item(WIN_FIN, SHARED)]}


def test_an_emulator_bug_is_a_500_in_the_hss_form(http, hss, backend, gateway):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    backend.list_isolated_files = broken

    assert_hss_error(call(http, hss, "GET"), 500, "HSS.0041")
    assert len(gateway.internal_errors) == 1


def test_no_secret_reaches_any_error_body(http, hss, iam, backend):
    token = get_token(http, iam)
    backend.expire_tokens()
    replies = [
        call(http, hss, "GET", token=token),
        call(http, hss, "GET", token=token + "x"),
        call(http, hss, "GET", sk=SK + "x"),
        call(http, hss, "GET", at=WALL_NOW + 3600),
        http.post(iam.url + "/v3/auth/tokens", json=token_request(password=PASSWORD + "x"), timeout=5),
        http.post(iam.url + "/v3/auth/tokens", json=token_request(project="e" * 32), timeout=5),
    ]
    signatures = [r.request.headers["Authorization"].rsplit("=", 1)[1] for r in replies
                  if "Authorization" in r.request.headers]

    assert all(r.status_code in (400, 401, 403) for r in replies)
    for reply in replies:
        for secret in [SK, PASSWORD, token, *signatures]:
            assert secret not in reply.text
            assert all(secret not in value for value in reply.headers.values())



def tie_events(backend, count):
    """``count`` events isolated on one host, all given one occur_time: their IDs, and that time."""
    for number in range(count):
        backend.isolate_file(WEB_03, f"{number:064x}", f"/srv/tie-{number}.bin")
    tied = [event for event in backend.events if event.file.host_id == WEB_03][-count:]
    for event in tied:
        event.occur_time = tied[0].occur_time
    return {event.event_id for event in tied}, tied[0].occur_time


def event_pages(http, hss, moment, count, page):
    """The event IDs a listing of the millisecond ``moment`` serves, ``page`` rows a page, a page per request."""
    window = {**EVERY_PROJECT, "category": "host", "host_id": WEB_03, "limit": 10,
              "begin_time": str(moment), "end_time": str(moment)}
    return [[row["event_id"] for row in call(http, hss, "GET", EVENTS, params={**window, "offset": offset}).json()[
        "data_list"]] for offset in range(0, count, page)]


def test_events_of_one_occur_time_keep_one_order_across_page_requests_by_default(http, hss, backend):
    tied, moment = tie_events(backend, 12)
    backend.max_page_rows = 3

    listed = sum(event_pages(http, hss, moment, 12, 3), [])

    assert sorted(listed) == sorted(tied)  # each once: every page follows one order
    assert sum(event_pages(http, hss, moment, 12, 3), []) == listed  # and listed again, the same order


def test_a_tie_order_seed_orders_events_of_one_occur_time_anew_for_each_page_request(http, hss, backend):
    tied, moment = tie_events(backend, 12)
    backend.max_page_rows, backend.event_tie_order_seed = 3, 7

    pages = event_pages(http, hss, moment, 12, 3)

    listed = sum(pages, [])
    assert len(listed) == 12 and set(listed) <= tied and len(set(listed)) < len(tied)  # some met twice, others never
    assert event_pages(http, hss, moment, 12, 3) == pages  # repeatable: the seed and the offset decide


def test_events_are_listed_newest_first_by_default_and_oldest_first_when_the_backend_says_so(http, hss, backend):
    # HSS's documents give ListSecurityEvents no order: the emulator's is a knob, so that a client is tested in either
    for number in range(5):
        backend.isolate_file(WEB_03, f"{number + 100:064x}", f"/srv/order-{number}.bin", minutes_ago=number)
    window = {**EVERY_PROJECT, "category": "host", "host_id": WEB_03, "limit": 1000, "last_days": "30"}

    def occur_times():
        return [row["occur_time"] for row in call(http, hss, "GET", EVENTS, params=window).json()["data_list"]]

    newest_first = occur_times()
    backend.events_oldest_first = True
    oldest_first = occur_times()

    assert len(set(newest_first)) >= 5 and newest_first == sorted(newest_first, reverse=True)
    assert oldest_first == sorted(newest_first)


def test_an_event_that_occurs_again_is_listed_once_its_event_count_raised_and_its_occur_time_kept(http, hss, backend):
    [event] = [event for event in backend.events if event.file.host_id == WEB_03][:1]
    window = {**EVERY_PROJECT, "category": "host", "host_id": WEB_03, "limit": 1000,
              "begin_time": str(event.occur_time), "end_time": str(event.occur_time)}
    before = call(http, hss, "GET", EVENTS, params=window).json()["data_list"]

    backend.repeat_event(event.event_id)
    backend.repeat_event(event.event_id)
    after = call(http, hss, "GET", EVENTS, params=window).json()["data_list"]

    [listed] = [row for row in after if row["event_id"] == event.event_id]
    assert len(after) == len(before) and listed["event_count"] == 3 and listed["occur_time"] == event.occur_time


def file_pages(http, hss, file_hash, count, page):
    """The paths a listing of ``file_hash`` serves, ``page`` rows a page, a page per request."""
    return [[row["file_path"] for row in call(http, hss, "GET", params={
        **EVERY_PROJECT, "file_hash": file_hash, "limit": 10, "offset": offset}).json()["data_list"]]
            for offset in range(0, count, page)]


def test_files_isolated_in_one_millisecond_keep_one_order_across_page_requests_by_default(http, hss, backend):
    added = backend.add_isolated_files(WEB_03, 12, file_hash="e" * 64)  # one update_time: a tie
    backend.max_page_rows = 3

    listed = sum(file_pages(http, hss, "e" * 64, 12, 3), [])

    assert listed == [item["file_path"] for item in added]  # each once, in isolation order


def test_a_file_tie_order_seed_orders_files_of_one_update_time_anew_for_each_page_request(http, hss, backend, wall):
    [earlier] = backend.add_isolated_files(WEB_03, 1, file_hash="e" * 64)
    wall.advance(1)  # another update_time
    tied = backend.add_isolated_files(WEB_03, 12, file_hash="e" * 64)
    backend.max_page_rows, backend.file_tie_order_seed = 3, 7

    pages = file_pages(http, hss, "e" * 64, 13, 3)

    listed = sum(pages, [])
    assert listed[0] == earlier["file_path"]  # no tie: in its place
    assert len(listed) == 13 and set(listed[1:]) <= {item["file_path"] for item in tied}
    assert len(set(listed)) < 13  # some met twice, others never
    assert file_pages(http, hss, "e" * 64, 13, 3) == pages  # repeatable: the seed and the offset decide
