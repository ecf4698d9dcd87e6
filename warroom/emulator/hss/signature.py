"""SDK-HMAC-SHA256 as Huawei Cloud's API Gateway checks it, written from Huawei's API Request Signing Guide
("AK/SK Signing and Authentication Algorithm"), never from the integration's signer: a mistake there must
meet a 401 here. ``tests/test_hss_signature.py`` checks this module against the official ``huaweicloudsdkcore``
``Signer``.

The guide's algorithm, from the request as it arrived::

    CanonicalRequest = Method "\\n" CanonicalURI "\\n" CanonicalQueryString "\\n"
                       CanonicalHeaders "\\n" SignedHeaders "\\n" HexEncode(SHA256(payload))
    StringToSign     = "SDK-HMAC-SHA256" "\\n" X-Sdk-Date "\\n" HexEncode(SHA256(CanonicalRequest))
    Signature        = HexEncode(HMAC-SHA256(SK, StringToSign))

sent as ``Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b;c>, Signature=<hex>``.

- CanonicalURI: the path, every segment URI-encoded (RFC 3986), ending in ``/`` even when the URL does not.
- CanonicalQueryString: every ``name=value``, both URI-encoded, sorted by name (then value) by character
  code, joined with ``&``; empty when there is no query.
- CanonicalHeaders: ``name:value\\n`` for each signed header, name lowercase, value trimmed.
- SignedHeaders: the lowercase names, sorted, joined with ``;``.
- The payload hash of an empty body is that of the empty string; a client that does not sign its body sends
  ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`` and that text stands in for the hash.

Pure functions: whether to accept a request (X-Sdk-Date freshness, a known access key, the project) is for their
caller, the emulated API Gateway, to decide.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple
from urllib.parse import quote, unquote

from ..httpserver import Request

__all__ = ["ALGORITHM", "DATE_FORMAT", "UNSIGNED_PAYLOAD", "AuthorizationHeader", "MalformedAuthorization",
           "parse_authorization", "canonical_uri", "canonical_query_string", "canonical_request", "string_to_sign",
           "expected_signature", "verify"]

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"  # X-Sdk-Date, UTC
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
CONTENT_HASH_HEADER = "X-Sdk-Content-Sha256"
DATE_HEADER = "X-Sdk-Date"

_AUTHORIZATION_RE = re.compile(
    rf"{ALGORITHM}\s+Access=(?P<access>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-fA-F]+)"
)
# A header name as RFC 9110 allows it (a token), in the lowercase the guide's SignedHeaders use.
_SIGNED_HEADER_RE = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")


class MalformedAuthorization(ValueError):
    """The Authorization header is not one the guide describes; the message says what is wrong."""


class AuthorizationHeader(NamedTuple):
    access_key: str
    signed_headers: tuple[str, ...]
    signature: str  # lowercase hex


def parse_authorization(value: str) -> AuthorizationHeader:
    parsed = _AUTHORIZATION_RE.fullmatch(value.strip())
    if parsed is None:
        raise MalformedAuthorization(
            f"the Authorization header must be {ALGORITHM} Access=..., SignedHeaders=..., Signature=..."
        )
    signed_headers = tuple(parsed["signed"].split(";"))
    if not all(_SIGNED_HEADER_RE.fullmatch(name) for name in signed_headers):
        raise MalformedAuthorization("SignedHeaders must be lowercase header names separated by ';'")
    return AuthorizationHeader(parsed["access"], signed_headers, parsed["signature"].lower())


def _uri_encode(text: str) -> str:
    # quote()'s always-safe characters are exactly RFC 3986's unreserved ones (A-Z a-z 0-9 - _ . ~), which the
    # guide leaves as they are; everything else becomes %XY of its UTF-8 bytes, a space %20.
    return quote(text, safe="")


def canonical_uri(raw_path: str) -> str:
    """The path as it came on the wire (percent-encoded), decoded then encoded segment by segment."""
    uri = "/".join(_uri_encode(segment) for segment in unquote(raw_path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query_string(query: Mapping[str, Sequence[str]]) -> str:
    """``query``: decoded names to their values, as ``httpserver.Request.query`` holds them."""
    pairs = sorted((name, value) for name, values in query.items() for value in values)
    return "&".join(f"{_uri_encode(name)}={_uri_encode(value)}" for name, value in pairs)


def _wire_bytes(value: str) -> bytes:
    # http.server hands header values over as ISO-8859-1 text, one character per byte received, and the
    # signer hashed those bytes (a UTF-8 value is signed as UTF-8 and sent as such).
    return value.encode("latin-1")


def _payload_hash(body: bytes, headers: Mapping[str, str]) -> str:
    if body and headers.get(CONTENT_HASH_HEADER, "").strip() == UNSIGNED_PAYLOAD:
        return UNSIGNED_PAYLOAD
    return hashlib.sha256(body).hexdigest()


def canonical_request(method: str, raw_path: str, query: Mapping[str, Sequence[str]], headers: Mapping[str, str],
                      signed_headers: Sequence[str], body: bytes) -> bytes:
    """The guide's CanonicalRequest, in bytes. ``headers`` is case-insensitive (``httpserver.Headers``);
    KeyError when a signed header is not in it, UnicodeEncodeError when a value could not have come off the wire."""
    header_lines = b"".join(name.encode("ascii") + b":" + _wire_bytes(headers[name]).strip() + b"\n"
                            for name in signed_headers)
    return b"\n".join([
        method.encode("ascii"),
        canonical_uri(raw_path).encode("ascii"),
        canonical_query_string(query).encode("ascii"),
        header_lines,
        ";".join(signed_headers).encode("ascii"),
        _payload_hash(body, headers).encode("ascii"),
    ])


def string_to_sign(sdk_date: str, canonical: bytes) -> bytes:
    return f"{ALGORITHM}\n{sdk_date}\n{hashlib.sha256(canonical).hexdigest()}".encode("ascii")


def expected_signature(secret_key: str, request: Request, signed_headers: Sequence[str]) -> str:
    """The signature a client holding ``secret_key`` computes for ``request`` over ``signed_headers``."""
    canonical = canonical_request(request.method, request.path, request.query, request.headers, signed_headers,
                                  request.body)
    to_sign = string_to_sign(request.headers[DATE_HEADER].strip(), canonical)
    return hmac.new(secret_key.encode("utf-8"), to_sign, hashlib.sha256).hexdigest()


def verify(secret_key: str, request: Request, authorization: AuthorizationHeader) -> bool:
    """Whether ``authorization`` signs ``request`` with ``secret_key``; False as well when a signed header (or
    X-Sdk-Date) is missing or holds what no wire could carry."""
    try:
        expected = expected_signature(secret_key, request, authorization.signed_headers)
    except (KeyError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(authorization.signature.encode("ascii"), expected.encode("ascii"))
