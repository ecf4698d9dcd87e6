"""HTTP face of the emulated Huawei Cloud HSS API and of IAM's token API: routing, bodies, replies.

HSS pipeline, in the order the API Gateway and then HSS would be observed to apply it: injected faults (the
gateway's own 400, 413 or 500 among them, before it looks at the credentials), record the request, rate limit
(429), route (404), authenticate (401, or 400 HSS.0013 for a project the credentials may not use) (those four by
``gateway.py``), an injected fault of HSS's own (its 500, HSS.0041: HSS sees only requests the gateway
authenticated), check the input (400), then call the backend (``models.py``). Every reply carries an
``X-Request-Id``; every reply with a body is JSON.
"""
from __future__ import annotations

import json
import re
from email.utils import formatdate
from typing import Any, Callable
from urllib.parse import unquote

from .. import faults
from ..httpserver import Request, Response, json_response
from .exceptions import (
    ApiNotFound,
    HssError,
    IamError,
    InternalError,
    InvalidParameter,
    InvalidRequestBody,
    Throttled,
    in_form,
    new_request_id,
)
from .gateway import HssGateway
from .models import EVENTS_PATH_RE, ISOLATED_FILE_PATH_RE, HssBackend, token_times

__all__ = ["create_app", "create_iam_app", "ISOLATED_FILE_PATH", "IAM_TOKENS_PATH"]

ISOLATED_FILE_PATH = "/v5/{project_id}/event/isolated-file"
IAM_TOKENS_PATH = "/v3/auth/tokens"

# GET query parameters the listing understands, the last five checked and not applied (others are ignored, as the
# gateway passes them on).
_LIST_FILTERS = ("enterprise_project_id", "file_hash", "host_name", "file_path", "isolation_status", "private_ip",
                 "offset", "limit", "last_days", "begin_time", "end_time", "public_ip", "asset_value")
_EVENT_FILTERS = ("category", "enterprise_project_id", "last_days", "begin_time", "end_time", "handle_status",
                  "host_id", "host_name", "offset", "limit", "event_types")


def _try_parse_json(body: bytes) -> Any:
    """For the request log only: anything unparseable is recorded as None."""
    try:
        return json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        return None


def _single(query: dict[str, list[str]], name: str) -> str | None:
    """The last value of a query parameter; an empty value counts as not given."""
    values = query.get(name)
    return values[-1] if values and values[-1] != "" else None


def _reply(status: int, payload: Any, request_id: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, payload, {"X-Request-Id": request_id, **(headers or {})})


# --------------------------------------------------------------------------- HSS


def _restore_body(body: bytes) -> dict:
    try:
        payload = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequestBody("the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise InvalidRequestBody('the body must be a JSON object such as {"data_list": [...]}')
    unknown = sorted(set(payload) - {"data_list"})
    if unknown:
        raise InvalidParameter(f"{unknown[0]} is not a field of the request body")
    if "data_list" not in payload:
        raise InvalidParameter("data_list is required")
    return payload


# Gateway errors only injected faults produce (codes as exceptions.py lists them).
_BACKEND_FAULTS = {502: ("APIGW.0202", "Backend unavailable"), 504: ("APIGW.0203", "Backend timeout")}


def _gateway_fault(status: int, retry_after_s: int) -> Response | None:
    """An injected HSS or API Gateway error in its own form (None: the gateway's HTML page); HSS's, the 500, is given
    only past the gateway's checks (``_HSS_FAULT_KINDS``)."""
    request_id = new_request_id()
    if status == 429:
        error = Throttled(retry_after_s=retry_after_s)
    elif status == 500:
        error = InternalError("emulated fault")
    elif status in _BACKEND_FAULTS:
        error = HssError(status, *_BACKEND_FAULTS[status], request_id=request_id)
    else:
        return None
    return _reply(error.status, error.to_json(), error.request_id or request_id, error.headers)


# The gateway's own errors, given before it checks the credentials (Huawei's API signing guide, "Error Codes"): a
# request it refuses, a body over 12 MB, a fault of its own. Injected only (faults.py, the -apigw kinds).
_GATEWAY_ERRORS = {400: ("APIGW.0201", "API request error."), 413: ("APIGW.0201", "Request entity too large."),
                   500: ("APIGW.0601", "Internal server error.")}


def _gateway_error(status: int) -> Response:
    """An injected error of the API gateway's own, in its form, before it looked at the credentials."""
    request_id = new_request_id()
    return _reply(status, HssError(status, *_GATEWAY_ERRORS[status], request_id=request_id).to_json(), request_id)


def _iam_fault(status: int, retry_after_s: int) -> Response:
    """An injected IAM error in IAM's form."""
    error = IamError(status, "Too many requests." if status == 429 else "Emulated fault: the service failed.",
                     title=faults.REASONS.get(status, "Too Many Requests"))
    headers = {"Retry-After": str(retry_after_s)} if status in (429, 503) else {}
    return _reply(status, error.to_json(), new_request_id(), headers)


def _dated(reply: Response, now: float) -> Response:
    """Every answer carries a Date header, as Huawei's gateway sends one: the project's own clock (skewed or not),
    the clock its update_time, occur_time and token times are written in."""
    reply.headers.setdefault("Date", formatdate(now, usegmt=True))
    return reply


# a routed request, the project ID in its path, and the enterprise projects its user is allowed in (None: every one)
Handler = Callable[[Request, str, "frozenset | None"], Response]


def _hss_routes(backend: HssBackend) -> tuple[tuple[re.Pattern[str], dict[str, Handler]], ...]:
    """What HSS does with a request that passed the gateway: each API path's pattern, and its handler by method."""
    def list_files(request: Request, project_id: str, granted: frozenset | None) -> Response:
        filters = {name: _single(request.query, name) for name in _LIST_FILTERS}
        filters = {name: value for name, value in filters.items() if value is not None}
        return _reply(200, backend.list_isolated_files(project_id, region=request.headers.get("region"),
                                                       granted=granted, **filters), new_request_id())

    def restore_files(request: Request, project_id: str, granted: frozenset | None) -> Response:
        payload = _restore_body(request.body)
        backend.restore_isolated_files(
            project_id, payload["data_list"], enterprise_project_id=_single(request.query, "enterprise_project_id"),
            granted=granted, region=request.headers.get("region"),
        )
        return Response(200, b"", {"X-Request-Id": new_request_id()})

    def list_events(request: Request, project_id: str, granted: frozenset | None) -> Response:
        filters = {name: _single(request.query, name) for name in _EVENT_FILTERS}
        filters = {name: value for name, value in filters.items() if value is not None}
        return _reply(200, backend.list_security_events(project_id, region=request.headers.get("region"),
                                                        granted=granted, **filters), new_request_id())

    return ((ISOLATED_FILE_PATH_RE, {"GET": list_files, "PUT": restore_files}),
            (EVENTS_PATH_RE, {"GET": list_events}))


# Injected faults HSS answers itself, not its gateway: its 500 (HSS.0041).
_HSS_FAULT_KINDS = ("500",)


def create_app(gateway: HssGateway) -> Callable[[Request], Response]:
    """The HSS endpoint (``https://hss.{region}.myhuaweicloud.com``) of ``gateway.backend``, behind ``gateway``."""
    backend = gateway.backend
    routes = _hss_routes(backend)

    def route(request: Request) -> tuple[Handler, str]:
        for pattern, handlers in routes:
            match = pattern.fullmatch(request.path)
            if match is not None and request.method in handlers:
                return handlers[request.method], unquote(match["project_id"])
        raise ApiNotFound()

    def app(request: Request) -> Response:
        # Injected faults come first, as the network or the gateway in front of HSS would (HSS's own: past_gateway).
        return _dated(faults.serve(gateway.faults, request, handle, vendor_faults), backend.wall_clock())

    def handle(request: Request, hss_fault: Response | None = None) -> Response:
        """The gateway's checks, then HSS: its handler, or ``hss_fault``, an injected error of its own."""
        gateway.record(request, _try_parse_json(request.body))
        try:
            gateway.admit()
            handler, project_id = route(request)
            granted = gateway.authenticate(request)
            if hss_fault is not None:
                return hss_fault
            return handler(request, project_id, granted)
        except HssError as exc:
            body = gateway.prefixed(exc.to_json(gateway.described_errors))
            return _reply(exc.status, in_form(body, gateway.error_form), exc.request_id or new_request_id(),
                          exc.headers)
        except Exception as exc:  # keep the vendor's error form even for emulator bugs
            gateway.internal_errors.append(exc)
            error = InternalError(f"unexpected {type(exc).__name__}")
            return _reply(error.status, error.to_json(), new_request_id())

    vendor_faults = faults.VendorFaults(_gateway_fault, gateway.expire_token_of, _gateway_error,
                                        service_kinds=_HSS_FAULT_KINDS, past_gateway=handle)
    return app


# --------------------------------------------------------------------------- IAM


def _masked(payload: Any) -> Any:
    """The token request as recorded: every string under a "password" key replaced."""
    if isinstance(payload, dict):
        return {key: "******" if key == "password" and isinstance(value, str) else _masked(value)
                for key, value in payload.items()}
    if isinstance(payload, list):
        return [_masked(value) for value in payload]
    return payload


def _field(payload: Any, path: tuple[str, ...]) -> Any:
    value = payload
    for name in path:
        if not isinstance(value, dict) or name not in value:
            raise IamError(400, f"The request body is malformed: auth.{'.'.join(path[1:])} is missing.")
        value = value[name]
    return value


def _password_credentials(body: bytes) -> tuple[str, str, str, str]:
    """(domain, user name, password, project id) from a password-method, project-scoped token request."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise IamError(400, "The request body is not valid JSON.") from None
    methods = _field(payload, ("auth", "identity", "methods"))
    if not isinstance(methods, list) or "password" not in methods:
        raise IamError(400, 'The request body is malformed: auth.identity.methods must contain "password".')
    user = ("auth", "identity", "password", "user")
    values = []
    for path in (user + ("domain", "name"), user + ("name",), user + ("password",), ("auth", "scope", "project", "id")):
        value = _field(payload, path)
        if not isinstance(value, str) or not value:
            raise IamError(400, f"The request body is malformed: auth.{'.'.join(path[1:])} must be a non-empty string.")
        values.append(value)
    domain, name, password, project_id = values
    return domain, name, password, project_id


def create_iam_app(gateway: HssGateway) -> Callable[[Request], Response]:
    """The IAM endpoint (``https://iam.{region}.myhuaweicloud.com``): password tokens for ``gateway.backend``."""
    backend = gateway.backend
    vendor_faults = faults.VendorFaults(_iam_fault)

    def app(request: Request) -> Response:
        return _dated(faults.serve(gateway.iam_faults, request, handle, vendor_faults), backend.wall_clock())

    def handle(request: Request) -> Response:
        gateway.record(request, _masked(_try_parse_json(request.body)))
        try:
            gateway.admit_iam()
            if request.path.rstrip("/") != IAM_TOKENS_PATH or request.method != "POST":
                raise IamError(404, "The resource could not be found.")
            domain, name, password, project_id = _password_credentials(request.body)
            token, expires_at = backend.issue_token(domain, name, password, project_id)
            issued_at, expires = token_times(expires_at, backend.token_lifetime_s)
            body = {"token": {
                "expires_at": expires,
                "issued_at": issued_at,
                "methods": ["password"],
                "project": {"id": project_id},
                "user": {"name": name, "domain": {"name": domain}},
            }}
            return _reply(201, body, new_request_id(), {"X-Subject-Token": token})
        except HssError as exc:
            return _reply(exc.status, exc.to_json(), new_request_id(), exc.headers)
        except Exception as exc:
            gateway.internal_errors.append(exc)
            error = IamError(500, f"Unexpected {type(exc).__name__}.")
            return _reply(500, error.to_json(), new_request_id())

    return app

