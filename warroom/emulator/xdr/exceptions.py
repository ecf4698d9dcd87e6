"""Cortex XDR public API errors, rendered the way the API renders them.

Every error reply is ``{"reply": {"err_code": <HTTP status>, "err_msg": str, "err_extra": any}}``.
``err_msg`` is the API's general message for the status (wording from the vendor's docs, or from its recorded
replies where they differ: a 401 is always "Public API request unauthorized" with a null ``err_extra``; every 400
"Bad Request. Got an invalid JSON.", a bad field as well as unreadable JSON);
``err_extra`` says what exactly was wrong. Neither ever carries a key or an Authorization value.
"""
from __future__ import annotations

from typing import Any

__all__ = [
    "XdrError",
    "InvalidJson",
    "BadRequest",
    "Unauthorized",
    "LicenseRequired",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "TooManyRequests",
    "ApiError",
]


class XdrError(Exception):
    """An error reply. ``status`` is both the HTTP status and ``err_code``.

    Raise the subclasses below; ``XdrError(status, err_msg, err_extra)`` is for anything else.
    """

    def __init__(self, status: int, err_msg: str, err_extra: Any = None) -> None:
        self.status = status
        self.err_msg = err_msg
        self.err_extra = err_extra
        super().__init__(f"{status} {err_msg}: {err_extra}")

    # Extra reply headers (Retry-After for 429); kept here so the HTTP layer needs no special cases.
    @property
    def headers(self) -> dict[str, str]:
        return {}

    def to_json(self) -> dict:
        return {"reply": {"err_code": self.status, "err_msg": self.err_msg, "err_extra": self.err_extra}}


class _CannedError(XdrError):
    """An error whose status and general message are fixed; callers say only what was wrong."""

    status: int = 500
    default_msg: str = "An error occurred while processing XDR public API"

    def __init__(self, err_extra: Any = None, err_msg: str | None = None) -> None:
        super().__init__(type(self).status, err_msg or self.default_msg, err_extra)


class InvalidJson(_CannedError):
    """Every 400. The API has one general message for the status (the docs' error table), also when the JSON parsed
    and a field is wrong (a tenant's recorded reply, test_data/xdr/replies/error_400.json): err_extra says what."""

    status = 400
    default_msg = "Bad Request. Got an invalid JSON."


class BadRequest(InvalidJson):
    """The JSON parsed but a field is missing, unknown or has a bad value: err_extra names it."""


class Unauthorized(_CannedError):
    """Every authentication failure: the service answers one fixed body and never says which check failed
    (test_data/xdr/replies/error_401.json). ``reason`` is for the emulator's log (``XdrGateway.auth_failures``) only."""

    status = 401
    default_msg = "Public API request unauthorized"

    def __init__(self, reason: str = "") -> None:
        self.reason = reason
        super().__init__(err_extra=None)


class LicenseRequired(_CannedError):
    status = 402
    default_msg = "Unauthorized access. User does not have the required license type to run this API."


class Forbidden(_CannedError):
    status = 403
    default_msg = (
        "Forbidden access. The provided API Key does not have the required RBAC permissions to run this API."
    )


class NotFound(_CannedError):
    status = 404
    default_msg = "Not Found. The requested URL was not found on the server."


class MethodNotAllowed(_CannedError):
    status = 405
    default_msg = "Method Not Allowed. The method is not allowed for the requested URL."

    def __init__(self, allowed: str = "POST", **kwargs: Any) -> None:
        self.allowed = allowed
        kwargs.setdefault("err_extra", f"Allowed methods: {allowed}")
        super().__init__(**kwargs)

    @property
    def headers(self) -> dict[str, str]:
        return {"Allow": self.allowed}


class TooManyRequests(_CannedError):
    status = 429
    default_msg = "Too many requests"

    def __init__(self, retry_after_s: int | None = 1, **kwargs: Any) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(**kwargs)

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.retry_after_s is None else {"Retry-After": str(self.retry_after_s)}


class ApiError(_CannedError):
    """The API's unified 500: the request was understood but could not be carried out."""

    status = 500
