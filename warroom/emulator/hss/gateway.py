"""What Huawei Cloud's API Gateway does in front of the emulated HSS and IAM endpoints, before HSS sees a request.

``HssGateway`` holds the HTTP side of one emulated project, which the backend (``models.py``, state only) knows
nothing of:

- the request log (``requests``: every request either endpoint received, IAM passwords masked, with its IAM token);
- the rate windows: a limit the gateway does not publish (``rate_limit``, ``others_rate``, ``throttled``), and IAM's
  own for its token API (``iam_rate_limit``, ``iam_throttled``; off by default), each answered in its service's form;
- authentication: an IAM token (``X-Auth-Token``) or an SDK-HMAC-SHA256 signature (``signature.py``) with a
  fresh ``X-Sdk-Date``, checked against the users, keys and tokens the backend holds; an access key refused
  ``aksk_lockout_failures`` times in a row is refused whatever it signs for ``aksk_lockout_s`` (``aksk_locked``);
- the fault plans of both endpoints (``faults``, ``iam_faults``; see ``faults.py``);
- the emulator's own bugs, each answered with a 500 (``internal_errors``);
- the error form: ``described_errors`` as some HSS errors are written (a short ``error_msg``, the detail in an
  ``error_description`` beside it); ``error_form``, None (HSS's own ``error_code``/``error_msg``) or another form
  Huawei's SDK reads (``exceptions.ERROR_FORMS``), set by a test at any time;
- the gateway's older wording, which Huawei's FAQs still show, each set by a test at any time: ``code_prefix``
  ``"APIG"`` writes the codes of its checks (authentication, throttling, routing) ``APIG.0307`` and so on, not
  ``APIGW.`` (injected faults keep ``APIGW.``); ``expired_as_0301``, a detail, answers an expired token with 0301
  "Incorrect IAM authentication information: <detail>", not 0307 "The token must be updated": ``TOKEN_EXPIRES``, as
  the OCR FAQ "How Do I Handle the Error APIG.0301?" shows one, or another (its ``{expires_at}`` filled in).

``responses.py`` runs a request through these steps in the gateway's order, then calls the backend.
"""
from __future__ import annotations

import re
import threading
from datetime import datetime, timezone
from typing import Any, Callable, NamedTuple
from urllib.parse import unquote

from ..faults import FaultPlan
from ..httpserver import Request
from ..ratelimit import SlidingWindow
from . import signature
from .exceptions import AuthenticationFailed, HssError, IamError, ProjectForbidden, Throttled, TokenExpired, shown
from .models import HssBackend

__all__ = ["HssGateway", "RecordedRequest", "TOKEN_EXPIRES"]

# An expired token's 0301 detail, as Huawei's OCR FAQ ("How Do I Handle the Error APIG.0301?") shows it
TOKEN_EXPIRES = "token expires, expires_at: {expires_at}"

_PROJECT_PATH_RE = re.compile(r"/v5/(?P<project_id>[^/]+)/")
# Headers the gateway insists on having signed: without them a signature could be replayed to another
# endpoint or at another time.
_REQUIRED_SIGNED_HEADERS = ("host", "x-sdk-date")
# X-Sdk-Date as the signing guide and the official Signer (strftime("%Y%m%dT%H%M%SZ")) write it: every field
# zero-padded, 16 characters. strptime alone would take a field of one digit.
_SDK_DATE_RE = re.compile(r"[0-9]{8}T[0-9]{6}Z")


def _sdk_date(value: str) -> datetime:
    """The UTC time an X-Sdk-Date header names, or a 401 when it is not in the guide's form."""
    text = value.strip()
    try:
        if _SDK_DATE_RE.fullmatch(text):
            return datetime.strptime(text, signature.DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:  # the form, but no such date (a 13th month, a 30 February)
        pass
    raise AuthenticationFailed("X-Sdk-Date must be YYYYMMDDTHHMMSSZ (UTC)")


class RecordedRequest(NamedTuple):
    method: str
    path: str
    query: dict  # name -> list of values, as httpserver.Request.query
    body: Any  # parsed JSON (IAM passwords masked), or None when empty or not JSON
    token: str | None = None  # the X-Auth-Token it carried: tests tell which IAM token each request was sent with


class HssGateway:
    """The gateway in front of ``backend``'s HSS and IAM endpoints. Public methods are thread-safe."""

    def __init__(
        self,
        backend: HssBackend,
        rate_limit: float | None = None,
        skew_tolerance_s: float = 900,
        faults: FaultPlan | None = None,
        iam_faults: FaultPlan | None = None,
        described_errors: bool = True,
    ) -> None:
        self.backend = backend
        self.rate_limit = rate_limit  # requests per second; None turns the limit off
        self.others_rate = 0.0  # requests per second another client of the project uses (ratelimit.SlidingWindow)
        self.throttled = 0  # requests refused by the rate limit (429)
        self.iam_rate_limit: float | None = None  # token requests per second IAM admits; None turns its limit off
        self.iam_throttled = 0  # token requests refused by IAM's limit (429)
        self.skew_tolerance_s = skew_tolerance_s
        # Huawei's signing guide (FAQ, "Common Errors Related to IAM Authentication Information"): "AK/SK authentication
        # fails for more than five consecutive times, and the AK/SK pair is locked for five minutes" (read: five lock
        # it), answered "AK access failed to reach the limit,forbidden." Settable at any time.
        self.aksk_lockout_failures = 5
        self.aksk_lockout_s = 300.0
        self._aksk_failures: dict[str, int] = {}  # access key -> its refusals since its last accepted request
        self._aksk_locked_until: dict[str, float] = {}  # access key -> until when it is locked (wall clock)
        self.described_errors = described_errors
        self.error_form: str | None = None
        self.code_prefix = "APIGW"
        self.expired_as_0301: str | None = None
        self.faults: FaultPlan | None = None  # injected by the HSS app
        self.iam_faults: FaultPlan | None = iam_faults  # injected by the IAM app
        self.requests: list[RecordedRequest] = []
        self.internal_errors: list[BaseException] = []  # emulator bugs, answered as 500s
        self._rate_window, self._iam_window = SlidingWindow(), SlidingWindow()
        self._lock = threading.Lock()
        self.inject_faults(faults)

    def inject_faults(self, plan: FaultPlan | None) -> None:
        """Faults the HSS app injects from now on (see ``faults.py``); the plan's skew moves the project's wall
        clock, which X-Sdk-Date and token expiry are checked against."""
        self.faults = plan
        self.backend.set_clock_skew(plan.skew_s if plan else 0.0)

    def expire_token_of(self, request: Request) -> None:
        """Fault hook: the IAM token this request carries expires now (an AK/SK request carries none)."""
        token = request.headers.get("X-Auth-Token")
        if token is not None:
            self.backend.expire_token(token.strip())

    def prefixed(self, body: dict) -> dict:
        """An error body of HSS's own form with a gateway code in ``code_prefix`` (HSS's own codes as they are)."""
        code = body.get("error_code", "")
        if code.startswith("APIGW."):
            body["error_code"] = f"{self.code_prefix}.{code.split('.', 1)[1]}"
        return body

    # ----------------------------------------------------------------- log and rate

    def record(self, request: Request, body: Any) -> None:
        """Log ``request``, with ``body`` as it may be kept (parsed, secrets masked)."""
        with self._lock:
            self.requests.append(RecordedRequest(request.method, request.path,
                                                 {name: list(values) for name, values in request.query.items()}, body,
                                                 request.headers.get("X-Auth-Token")))

    def admit(self) -> None:
        """Sliding one-second window over admitted HSS requests; rejected ones do not extend the wait."""
        # The gateway's limit is not published, nor any Retry-After with it (an injected 429 sends one).
        self._admit(self._rate_window, self.rate_limit, self.others_rate, "throttled",
                    lambda: Throttled(retry_after_s=None))

    def admit_iam(self) -> None:
        """IAM's own window over token requests (the project's other clients do not share it), refused in IAM's form:
        Keystone's ``{"error": {"code": 429, "title": "Too Many Requests", ...}}``, with no Retry-After either."""
        self._admit(self._iam_window, self.iam_rate_limit, 0.0, "iam_throttled",
                    lambda: IamError(429, "Too many requests.", title="Too Many Requests"))

    def _admit(self, window: SlidingWindow, limit: float | None, others: float, counter: str,
               error: Callable[[], HssError]) -> None:
        with self._lock:
            if not window.admit(self.backend.clock(), limit, others):
                setattr(self, counter, getattr(self, counter) + 1)
                raise error()

    # ----------------------------------------------------------------- authentication

    def authenticate(self, request: Request) -> frozenset | None:
        """``X-Auth-Token`` (an unexpired IAM token scoped to the URL's project) or an ``SDK-HMAC-SHA256``
        ``Authorization`` header with a fresh ``X-Sdk-Date``; raises a 401, or a 400 HSS.0013 for another project.
        Returns the enterprise projects the credentials' user is allowed in, when not every one (None)."""
        match = _PROJECT_PATH_RE.match(request.path)
        project_id = unquote(match["project_id"]) if match else None
        token = request.headers.get("X-Auth-Token")
        if token is not None:
            return self._authenticate_token(token.strip(), project_id)
        authorization = request.headers.get("Authorization")
        if authorization is not None:
            return self._authenticate_aksk(request, authorization, project_id)
        raise AuthenticationFailed("Authorization not found: send X-Auth-Token or an SDK-HMAC-SHA256 signature")

    def _authenticate_token(self, token: str, project_id: str | None) -> frozenset | None:
        issued = self.backend.issued_token(token)
        if issued is None:
            raise AuthenticationFailed("the token is not valid")
        if issued.has_expired(self.backend.wall_clock()):
            if self.expired_as_0301 is not None:
                expires_at = datetime.fromtimestamp(issued.expires_at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                raise AuthenticationFailed(self.expired_as_0301.format(expires_at=expires_at))
            raise TokenExpired()
        if project_id is not None and issued.project_id != project_id:
            raise ProjectForbidden(f"the token is scoped to another project than {shown(project_id)}")
        return issued.enterprise_projects

    def _authenticate_aksk(self, request: Request, authorization: str, project_id: str | None) -> frozenset | None:
        try:
            parsed = signature.parse_authorization(authorization)
        except signature.MalformedAuthorization as error:
            raise AuthenticationFailed(str(error)) from None
        if not all(name in parsed.signed_headers for name in _REQUIRED_SIGNED_HEADERS):
            raise AuthenticationFailed("SignedHeaders must include host and x-sdk-date")
        missing = [name for name in parsed.signed_headers if name not in request.headers]
        if missing:
            raise AuthenticationFailed(f"signed header(s) missing from the request: {', '.join(missing)}")
        sent_at = _sdk_date(request.headers[signature.DATE_HEADER])
        secret_key = self.backend.secret_key_of(parsed.access_key)
        if secret_key is None:
            raise AuthenticationFailed("the access key is not known")
        if self.aksk_locked(parsed.access_key):
            raise AuthenticationFailed("AK access failed to reach the limit,forbidden.")
        try:
            self._check_signature(request, parsed, secret_key, sent_at)
        except AuthenticationFailed:
            self._aksk_refused(parsed.access_key)
            raise
        with self._lock:
            self._aksk_failures.pop(parsed.access_key, None)
        header_project = request.headers.get("X-Project-Id")
        for wanted in {project_id, header_project} - {None}:
            if not self.backend.has_project(wanted):
                raise ProjectForbidden(f"the access key's account has no project {shown(wanted)}")
        if project_id is not None and header_project is not None and header_project != project_id:
            raise ProjectForbidden("X-Project-Id does not match the project in the URL")
        return self.backend.enterprise_projects_of(parsed.access_key)

    def _check_signature(self, request: Request, parsed: signature.AuthorizationHeader, secret_key: str,
                         sent_at: datetime) -> None:
        """The date within the skew allowed, and the signature right: else a 401."""
        skew = sent_at.timestamp() - self.backend.wall_clock()
        if abs(skew) > self.skew_tolerance_s:
            raise AuthenticationFailed(
                f"X-Sdk-Date is {abs(skew) / 60:.0f} minutes away from the server time "
                f"(at most {self.skew_tolerance_s / 60:g} minutes allowed); check the client clock"
            )
        if not signature.verify(secret_key, request, parsed):
            raise AuthenticationFailed("verify aksk signature fail")

    def aksk_locked(self, access_key: str) -> bool:
        """Whether the gateway refuses ``access_key`` now, whatever it signs (its lockout)."""
        with self._lock:
            return self._aksk_locked_until.get(access_key, 0.0) > self.backend.wall_clock()

    def _aksk_refused(self, access_key: str) -> None:
        """Counts a refusal of a known access key's request; the one that reaches the limit locks the key."""
        with self._lock:
            failures = self._aksk_failures.get(access_key, 0) + 1
            if failures >= self.aksk_lockout_failures:
                self._aksk_locked_until[access_key] = self.backend.wall_clock() + self.aksk_lockout_s
                failures = 0
            self._aksk_failures[access_key] = failures
