"""HTTP face of the emulated Cortex XDR public API: routing, request checks, JSON replies.

The pipeline runs in the order a real gateway would be observed to: injected faults, record the
request, rate limit, route (404/405), authenticate (faults, log, rate and authentication by
``gateway.py``), parse and check the body, then call the backend (``models.py``). A client that accepts gzip gets
the reply gzipped (the API's pages: Accept-Encoding "for retrieving a compressed gzipped response").
"""
from __future__ import annotations

import gzip
import json
import re
from email.utils import formatdate
from typing import Any, Callable

from .. import faults
from ..httpserver import Request, Response, json_response
from .exceptions import ApiError, BadRequest, InvalidJson, MethodNotAllowed, NotFound, TooManyRequests, XdrError
from .gateway import XdrGateway

__all__ = ["create_app", "RESTORE_PATH", "ACTION_STATUS_PATH"]

RESTORE_PATH = "/public_api/v1/endpoints/restore/"
ACTION_STATUS_PATH = "/public_api/v1/actions/get_action_status/"

# request_data fields each route accepts: (required, optional).
_RESTORE_FIELDS = ({"file_hash"}, {"endpoint_id", "incident_id"})
# Null read as not given: XSOAR's own Cortex XDR integration sent "endpoint_id": null for a restore on every endpoint
# (demisto/content 049f1ad8, Packs/CortexXDR/Integrations/PaloAltoNetworks_XDR/PaloAltoNetworks_XDR.py).
_NULL_AS_UNSET = {"endpoint_id"}
_ACTION_STATUS_FIELDS = ({"group_action_id"}, set())


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidJson(str(exc)) from None


def _try_parse_json(body: bytes) -> Any:
    """For the request log only: anything unparseable is recorded as None."""
    try:
        return json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        return None


def _request_data(body: bytes, fields: tuple[set[str], set[str]]) -> dict:
    """Return request_data after checking its shape: required present, nothing unknown."""
    payload = _parse_json(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("request_data"), dict):
        raise InvalidJson("The request body must be a JSON object with a 'request_data' object")
    data = payload["request_data"]
    required, optional = fields
    missing = sorted(required - data.keys())
    if missing:
        raise BadRequest(f"Missing at least one required parameter: {missing}.")
    unknown = sorted(data.keys() - required - optional)
    if unknown:
        raise BadRequest(f"Unexpected parameter(s) in request_data: {unknown}.")
    nulls = sorted(name for name, value in data.items() if value is None and name not in _NULL_AS_UNSET)
    if nulls:
        raise BadRequest(f"Parameter(s) must not be null: {nulls}. Leave unset fields out of request_data.")
    return data


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header lists gzip (or x-gzip) without refusing it with q=0."""
    for part in accept_encoding.split(","):
        coding, _, weight = part.partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            return not re.fullmatch(r"q=0(\.0*)?", weight.replace(" ", "").lower())
    return False


def _encoded(reply: Response, request: Request) -> Response:
    """``reply`` gzipped when the client accepts it. A reply cut short by a fault stays as it is: its connection is
    closed part-way through, whatever the encoding."""
    if reply.body and reply.declared_length is None and _accepts_gzip(request.headers.get("Accept-Encoding", "")):
        reply.body = gzip.compress(reply.body, mtime=0)
        reply.headers["Content-Encoding"] = "gzip"
    return reply


def _normalize_path(path: str) -> str:
    return path.rstrip("/") + "/"


def _fault_reply(status: int, retry_after_s: int) -> Response:
    """An injected error in the API's own form."""
    if status == 429:
        error: XdrError = TooManyRequests(retry_after_s=retry_after_s, err_extra="Rate limit exceeded (emulated fault)")
    elif status == 500:
        error = ApiError("Emulated fault: the service failed")
    else:
        error = XdrError(status, faults.REASONS[status], "Emulated fault")
    return json_response(error.status, error.to_json(), error.headers)


FAULTS = faults.VendorFaults(_fault_reply)


def create_app(gateway: XdrGateway) -> Callable[[Request], Response]:
    """The public API of ``gateway.backend``, behind ``gateway``."""
    backend = gateway.backend

    def restore(request: Request) -> dict:
        data = _request_data(request.body, _RESTORE_FIELDS)
        return backend.restore_file(data["file_hash"], data.get("endpoint_id"), data.get("incident_id"))

    def action_status(request: Request) -> dict:
        data = _request_data(request.body, _ACTION_STATUS_FIELDS)
        return backend.get_action_status(data["group_action_id"])

    routes: dict[str, Callable[[Request], dict]] = {RESTORE_PATH: restore, ACTION_STATUS_PATH: action_status}

    def app(request: Request) -> Response:
        # Injected faults come first, as a gateway or the network in front of the API would. Every answer is dated by
        # the tenant's own clock, the one its advanced-key timestamps are checked against (skewed or not).
        reply = _encoded(faults.serve(gateway.faults, request, handle, FAULTS), request)
        reply.headers.setdefault("Date", formatdate(backend.wall_clock(), usegmt=True))
        return reply

    def handle(request: Request) -> Response:
        gateway.record(request, _try_parse_json(request.body))
        try:
            gateway.admit()
            path = _normalize_path(request.path)
            handler = routes.get(path)
            if handler is None:
                raise NotFound(f"No public API at {request.path}")
            if request.method != "POST":
                raise MethodNotAllowed("POST")
            gateway.authenticate(request.headers, path)
            return json_response(200, {"reply": handler(request)})
        except XdrError as exc:
            return json_response(exc.status, exc.to_json(), exc.headers)
        except Exception as exc:  # keep the vendor's error form even for emulator bugs
            gateway.internal_errors.append(exc)
            return json_response(500, ApiError(f"Unexpected {type(exc).__name__}").to_json())

    return app
