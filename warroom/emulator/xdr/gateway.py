"""What stands in front of the emulated Cortex XDR tenant's public API, before the tenant acts on a request.

``XdrGateway`` holds the HTTP side of one tenant, which the backend (``models.py``, state only) knows nothing of:

- the request log (``requests``: every request received, accepted or not);
- the rate window: requests per second per tenant (``rate_limit``, ``others_rate``, ``throttled``);
- authentication of the ``x-xdr-*`` headers against the API keys the backend holds: a standard key as sent,
  an advanced key as ``sha256(key + nonce + timestamp)`` with a fresh timestamp and a nonce never used before
  (the nonces seen are kept here), then the key's license (402) and role (403); every 401 is the service's one
  fixed body, its reason kept in ``auth_failures``;
- the fault plan (``faults``; see ``faults.py``);
- the emulator's own bugs, each answered with a 500 (``internal_errors``).

``responses.py`` runs a request through these steps in order, then calls the backend.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import re
import threading
from collections.abc import Mapping
from typing import Any, NamedTuple

from ..faults import FaultPlan
from ..httpserver import Request
from ..ratelimit import SlidingWindow
from .exceptions import Forbidden, LicenseRequired, TooManyRequests, Unauthorized
from .models import AUTH_STANDARD, ApiKey, XdrBackend

__all__ = ["XdrGateway", "RecordedRequest"]

_NONCE_RE = re.compile(r"[A-Za-z0-9]{64}")
_DIGITS_RE = re.compile(r"[0-9]+")


class RecordedRequest(NamedTuple):
    method: str
    path: str
    body: Any  # parsed JSON, or None when the body was empty or not JSON


def _timestamp_seconds(digits: str) -> float:
    """``digits`` (ms since the epoch) in seconds; infinitely far off when they are more than Python's int() converts
    or a float holds: no clock is that far away, so the timestamp is refused as stale, not answered with a 500."""
    try:
        return int(digits) / 1000.0
    except (ValueError, OverflowError):
        return math.inf


def _same_secret(given: str, expected: str) -> bool:
    # compare_digest on bytes: constant time, and safe for non-ASCII input that str comparison rejects.
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class XdrGateway:
    """The public API's front of ``backend``. Public methods are thread-safe (the HTTP server is threaded)."""

    def __init__(
        self,
        backend: XdrBackend,
        rate_limit: float | None = 10.0,
        timestamp_tolerance_s: float = 300,
        faults: FaultPlan | None = None,
    ) -> None:
        self.backend = backend
        self.rate_limit = rate_limit  # requests per second; None turns the limit off
        self.others_rate = 0.0  # requests per second another client of the tenant uses (ratelimit.SlidingWindow)
        self.throttled = 0  # requests refused by the rate limit (429)
        self.timestamp_tolerance_s = timestamp_tolerance_s
        self.faults: FaultPlan | None = None
        self.requests: list[RecordedRequest] = []
        self.internal_errors: list[BaseException] = []  # emulator bugs, answered as 500s
        self.auth_failures: list[str] = []  # why each 401 was answered (the reply itself never says)
        self._used_nonces: dict[str, float] = {}  # nonce -> its request timestamp (s)
        self._rate_window = SlidingWindow()
        self._lock = threading.Lock()
        self.inject_faults(faults)

    def inject_faults(self, plan: FaultPlan | None) -> None:
        """Faults the HTTP layer injects from now on (see ``faults.py``); the plan's skew moves the tenant's wall
        clock, which advanced-key timestamps are checked against."""
        self.faults = plan
        self.backend.set_clock_skew(plan.skew_s if plan else 0.0)

    # ----------------------------------------------------------------- log and rate

    def record(self, request: Request, body: Any) -> None:
        """Log ``request`` with ``body`` parsed (None when it is not JSON)."""
        with self._lock:
            self.requests.append(RecordedRequest(request.method, request.path, body))

    def admit(self) -> None:
        """Sliding one-second window over admitted requests; rejected ones do not extend the wait."""
        with self._lock:
            if not self._rate_window.admit(self.backend.clock(), self.rate_limit, self.others_rate):
                self.throttled += 1
                # No Retry-After: the API documents none for its rate limit (an injected 429 fault sends one).
                raise TooManyRequests(
                    retry_after_s=None,
                    err_extra=f"Rate limit of {self.rate_limit:g} requests per second per tenant exceeded",
                )

    # ----------------------------------------------------------------- authentication

    def authenticate(self, headers: Mapping[str, str], path: str) -> None:
        """Check the x-xdr-* headers; raises 401 (identity), 402 (license) or 403 (RBAC: the key's role may not use
        the API at ``path``). A 401's reason goes to ``auth_failures``, not into the reply: the service's 401 body
        never says which check failed."""
        try:
            self._authenticate(headers, path)
        except Unauthorized as refusal:
            with self._lock:
                self.auth_failures.append(refusal.reason)
            raise

    def _authenticate(self, headers: Mapping[str, str], path: str) -> None:
        lowered = {name.lower(): value for name, value in headers.items()}
        key_id = lowered.get("x-xdr-auth-id")
        authorization = lowered.get("authorization")
        if not key_id:
            raise Unauthorized("Missing x-xdr-auth-id header")
        if not authorization:
            raise Unauthorized("Missing Authorization header")
        api_key = self.backend.api_key(key_id)
        if api_key is None:
            raise Unauthorized("Unknown API key ID")
        # One lock from the nonce check to its recording: two requests with one nonce cannot both pass.
        with self._lock:
            nonce, timestamp_s = None, 0.0
            if api_key.auth_type == AUTH_STANDARD:
                if not _same_secret(authorization, api_key.key):
                    raise Unauthorized("API key does not match the API key ID")
            else:
                nonce, timestamp_s = self._check_advanced(api_key, lowered, authorization)
            if not api_key.licensed:
                raise LicenseRequired(
                    "The tenant has no Cortex XDR Prevent, Cortex XDR Pro per Endpoint or Cortex XDR Pro per GB license"
                )
            if not api_key.permits(path):
                raise Forbidden(f"The API key's role may not use {path}")
            if nonce is not None:
                self._remember_nonce(nonce, timestamp_s)

    def _check_advanced(self, api_key: ApiKey, lowered: dict[str, str], authorization: str) -> tuple[str, float]:
        nonce = lowered.get("x-xdr-nonce", "")
        raw_timestamp = lowered.get("x-xdr-timestamp", "")
        if not _NONCE_RE.fullmatch(nonce):
            raise Unauthorized("x-xdr-nonce must be 64 letters and digits")
        if not _DIGITS_RE.fullmatch(raw_timestamp):
            raise Unauthorized("x-xdr-timestamp must be milliseconds since the epoch")
        timestamp_s = _timestamp_seconds(raw_timestamp)
        if abs(self.backend.wall_clock() - timestamp_s) > self.timestamp_tolerance_s:
            raise Unauthorized(
                f"x-xdr-timestamp is more than {self.timestamp_tolerance_s:g} seconds away from the server time"
            )
        expected = hashlib.sha256(f"{api_key.key}{nonce}{raw_timestamp}".encode("utf-8")).hexdigest()
        if not _same_secret(authorization, expected):
            raise Unauthorized("Signature does not match the API key ID, nonce and timestamp")
        if nonce in self._used_nonces:
            raise Unauthorized("Nonce was already used")
        return nonce, timestamp_s

    def _remember_nonce(self, nonce: str, timestamp_s: float) -> None:
        # A nonce only needs remembering while its timestamp could still pass the freshness check.
        horizon = self.backend.wall_clock() - self.timestamp_tolerance_s
        for old in [n for n, ts in self._used_nonces.items() if ts < horizon]:
            del self._used_nonces[old]
        self._used_nonces[nonce] = timestamp_s
