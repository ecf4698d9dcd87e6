"""Huawei Cloud HSS, API Gateway and IAM errors, rendered the way each of them renders them.

Three forms reach a client:

* the HSS service: ``{"error_code": "HSS.xxxx", "error_msg": "..."}``;
* the API Gateway in front of it (authentication, throttling, routing):
  ``{"error_code": "APIGW.xxxx", "error_msg": "...", "request_id": "<32 hex>"}``, with the same
  request id in an ``X-Request-Id`` header;
* IAM (tokens): ``{"error": {"code": 401, "title": "Unauthorized", "message": "..."}}``.

A test may have HSS and its gateway write their errors in another form huaweicloudsdkcore's
``DefaultExceptionHandler`` reads a code and message from (``HssGateway.error_form``, ``ERROR_FORMS``):
``errorCode``/``errorMsg``, ``code``/``message``, or ``code``/``message`` inside an ``"error"`` object.

Codes this emulator uses:

====  ============  ================================================================================
HTTP  error_code    when
====  ============  ================================================================================
400   HSS.0001      "Invalid parameter.": a parameter is missing, has the wrong type or length, or an
                    unknown value, or data_list holds more items than one request may carry (100);
                    the detail names it (``data_list[3].host_id``, ``limit``)
400   HSS.0002      "Failed to parse the request.": the body is not a JSON object
400   HSS.0011      "Requested resource not found.": a data_list item matches no isolated file on that
                    host; nothing was changed
400   HSS.0013      "Insufficient permissions.": the credentials are not allowed in the project of the URL
400   HSS.1001      "The selected server is not associated with any agent.": a data_list item's server has no
                    agent (``Host.agent_installed``); nothing was changed
400   HSS.1006      "Failed to send requests to the agent.": HSS cannot reach a data_list item's server's agent
                    (``Host.agent_unreachable``); nothing was changed
400   HSS.1007      "Agent offline.": a data_list item's server's agent is offline, when the backend's
                    ``offline_agents_refuse`` is set (else it takes the task and never finishes it); nothing was changed
400   HSS.1018      "Invalid file information.": a data_list item's file_attr is not the isolated file's, when the
                    backend's ``file_attr_checked`` is set; nothing was changed
500   HSS.0041      the service failed (an emulator bug, or an injected 500, given only past the gateway's checks)
400   APIGW.0201    "API request error.": the gateway refuses the request before it checks the
                    credentials (injected faults only, ``400-apigw``; see ``faults.py``)
413   APIGW.0201    "Request entity too large." (a body over 12 MB), before the credentials too (injected
                    faults only, ``413-apigw``)
500   APIGW.0601    "Internal server error.", the gateway's own, before the credentials (injected faults only,
                    ``500-apigw``)
401   APIGW.0301    Incorrect IAM authentication information: no credentials, unknown token or access
                    key, malformed Authorization, bad signature, X-Sdk-Date more than 15 min off
401   APIGW.0307    The token must be updated (the token has expired)
404   APIGW.0101    The API does not exist or has not been published in the environment
429   APIGW.0308    The throttling threshold has been reached (at a limit the gateway does not publish)
502   APIGW.0202    Backend unavailable (injected faults only, see ``faults.py``)
504   APIGW.0203    Backend timeout (injected faults only)
====  ============  ================================================================================

The HSS codes and their messages are those of HSS's API Reference, "Error Codes"
(support.huaweicloud.com/intl/en-us/api-hss2.0/ErrorCode.html), which lists every HSS.xxxx error with status
400 and HSS.0001 as "Invalid parameter." (so HSS.0001 is never a server failure). HSS.1007 and HSS.1018 are
that table's rows as its Chinese edition (intl/zh-cn/api-hss2.0/ErrorCode.html) words them, "Agent离线" (solution:
"请启动agent", start the agent) and "无效的文件信息" (check the parameters), in English. That table has no 500 row;
HSS.0041 is the one HSS-prefixed 500 Huawei documents (in the CGS API's error codes, "Query host extend info
error"). A project the credentials may not use is refused as that table's HSS.0013 "Insufficient permissions."
(its HSS.0010 "Access denied." would read the same to a client: neither says more).
The gateway's own codes are those of Huawei's API signing guide, "Error Codes"
(support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-errorcode.html): every error it writes has an APIGW.
code, HSS's its HSS. one, so only an answer in HSS's words shows that a request passed the gateway's checks.
(The gateway codes for 502 and 504 follow the numbering of Huawei's API gateway error tables, in which
0201 is a bad request; a 503 has no documented JSON form, so an injected one is the gateway's HTML page.)

No message ever carries a token, a secret key, a signature or a password.
"""
from __future__ import annotations

import json
import secrets

__all__ = [
    "HssError",
    "GatewayError",
    "IamError",
    "AuthenticationFailed",
    "TokenExpired",
    "Throttled",
    "ApiNotFound",
    "InvalidRequestBody",
    "InvalidParameter",
    "TooManyItems",
    "IsolatedFileNotFound",
    "ProjectForbidden",
    "AgentNotInstalled",
    "AgentUnreachable",
    "AgentOffline",
    "InvalidFileInformation",
    "InternalError",
    "new_request_id",
    "shown",
    "ERROR_FORMS",
    "in_form",
]


def new_request_id() -> str:
    """A request id as the gateway hands them out: 32 lowercase hex characters."""
    return secrets.token_hex(16)


def shown(value: str, limit: int = 64) -> str:
    """A value the client sent, for an error message: cut short, control characters escaped."""
    text = value if len(value) <= limit else value[:limit] + "..."
    return json.dumps(text, ensure_ascii=False)


class HssError(Exception):
    """An error reply: ``status`` is the HTTP status; the body is ``to_json()``; ``headers`` go with it."""

    def __init__(
        self,
        status: int,
        error_code: str,
        error_msg: str,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id
        self.headers = dict(headers or {})
        super().__init__(f"{status} {error_code}: {error_msg}")

    def to_json(self, described: bool = False) -> dict:
        """The reply body; ``described``: as some HSS errors are written, the detail in an ``error_description``
        beside a short ``error_msg`` (the gateway's own errors never are)."""
        body = {"error_code": self.error_code, "error_msg": self.error_msg}
        if described and not self.error_code.startswith("APIGW."):
            body["error_msg"] = getattr(self, "short_msg", None) or SHORT_MESSAGES.get(self.status, "Request failed.")
            body["error_description"] = self.error_msg
        if self.request_id is not None:
            body["request_id"] = self.request_id
        return body


# The other forms huaweicloudsdkcore's DefaultExceptionHandler takes an error's code and message from: the names
# of both, and whether they come inside an "error" object (the SDK looks into every object the body holds).
ERROR_FORMS = {"errorCode": ("errorCode", "errorMsg", False), "code": ("code", "message", False),
               "nested": ("code", "message", True)}


def in_form(body: dict, form: str | None) -> dict:
    """An error body of HSS's own form (``to_json``) in ``form`` (an ``ERROR_FORMS`` name; None: as it is)."""
    if form is None:
        return body
    code, message, nested = ERROR_FORMS[form]
    renamed = {code: body.pop("error_code"), message: body.pop("error_msg"), **body}
    return {"error": renamed} if nested else renamed


SHORT_MESSAGES = {400: "Invalid request.", 403: "Forbidden.", 404: "Not found.", 500: "System error."}


# --------------------------------------------------------------------------- API Gateway


class GatewayError(HssError):
    """Raised by the gateway before HSS sees the request: always carries a request id, in body and header."""

    status = 500
    error_code = "APIGW.0000"
    default_msg = "Internal gateway error"

    def __init__(self, error_msg: str | None = None, headers: dict[str, str] | None = None) -> None:
        request_id = new_request_id()
        super().__init__(
            type(self).status,
            type(self).error_code,
            error_msg or type(self).default_msg,
            request_id=request_id,
            headers={"X-Request-Id": request_id, **(headers or {})},
        )


class AuthenticationFailed(GatewayError):
    """``detail`` says which check failed; it must never quote the credential itself."""

    status = 401
    error_code = "APIGW.0301"
    default_msg = "Incorrect IAM authentication information"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail
        super().__init__(f"{self.default_msg}: {detail}" if detail else None)


class TokenExpired(GatewayError):
    status = 401
    error_code = "APIGW.0307"
    default_msg = "The token must be updated"


class Throttled(GatewayError):
    status = 429
    error_code = "APIGW.0308"
    default_msg = "The throttling threshold has been reached"

    def __init__(self, retry_after_s: int | None = 1) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(headers={} if retry_after_s is None else {"Retry-After": str(retry_after_s)})


class ApiNotFound(GatewayError):
    status = 404
    error_code = "APIGW.0101"
    default_msg = "The API does not exist or has not been published in the environment"


# --------------------------------------------------------------------------- HSS service


class _ServiceError(HssError):
    status = 400
    error_code = "HSS.0001"
    prefix = ""
    short_msg: str | None = None  # the error message HSS's error code table gives the code

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(type(self).status, type(self).error_code, f"{self.prefix}{detail}")


class InvalidRequestBody(_ServiceError):
    error_code = "HSS.0002"
    prefix = "Invalid request body: "
    short_msg = "Failed to parse the request."


class InvalidParameter(_ServiceError):
    error_code = "HSS.0001"
    prefix = "Invalid parameter: "
    short_msg = "Invalid parameter."


class TooManyItems(InvalidParameter):
    prefix = "Invalid parameter: too many items: "


class IsolatedFileNotFound(_ServiceError):
    error_code = "HSS.0011"
    prefix = "Requested resource not found: "
    short_msg = "Requested resource not found."


class ProjectForbidden(_ServiceError):
    error_code = "HSS.0013"
    prefix = "Insufficient permissions: "
    short_msg = "Insufficient permissions."


class AgentNotInstalled(_ServiceError):
    error_code = "HSS.1001"
    prefix = "The selected server is not associated with any agent: "
    short_msg = "The selected server is not associated with any agent."


class AgentUnreachable(_ServiceError):
    error_code = "HSS.1006"
    prefix = "Failed to send requests to the agent: "
    short_msg = "Failed to send requests to the agent."


class AgentOffline(_ServiceError):
    error_code = "HSS.1007"
    prefix = "Agent offline: "
    short_msg = "Agent offline."


class InvalidFileInformation(_ServiceError):
    error_code = "HSS.1018"
    prefix = "Invalid file information: "
    short_msg = "Invalid file information."


class InternalError(_ServiceError):
    status = 500
    error_code = "HSS.0041"
    prefix = "System error: "


# --------------------------------------------------------------------------- IAM

_IAM_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
               500: "Internal Server Error"}


class IamError(HssError):
    """IAM's own form: ``{"error": {"code": <status>, "title": ..., "message": ...}}``."""

    def __init__(self, status: int, message: str, title: str | None = None) -> None:
        self.title = title or _IAM_TITLES.get(status, "Error")
        self.message = message
        super().__init__(status, str(status), message)

    def to_json(self) -> dict:
        return {"error": {"code": self.status, "title": self.title, "message": self.message}}
