"""Checking that a request carries an AWS Signature Version 4 ``Authorization`` header, as AWS does.

The AWS SDKs (botocore, the Java SDK v2) sign every SageMaker runtime call with::

    Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<yyyymmdd>/<region>/sagemaker/aws4_request,
                   SignedHeaders=<h1>;<h2>;..., Signature=<64 hex digits>
    X-Amz-Date: <yyyymmdd>T<hhmmss>Z

:func:`check_sigv4` checks the header's shape, not its bytes: the credential scope (date, any region,
service ``sagemaker``, terminator ``aws4_request``), that ``host`` is signed, that a date header is
present and agrees with the scope, and that the signature is 64 hex digits. It does **not** recompute
the signature (the local endpoint knows no secret key; any key id and secret work) and does not
check the clock skew (AWS refuses dates more than 15 minutes off with "Signature expired").

The refusals are AWS's error codes and messages (status 403): ``MissingAuthenticationTokenException``
when there is no ``Authorization`` header, ``IncompleteSignatureException`` when it lacks a part, and
``InvalidSignatureException`` when the scope is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ALGORITHM", "SERVICE", "AuthFailure", "Credential", "check_sigv4"]

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "sagemaker"
TERMINATOR = "aws4_request"
_AMZ_DATE = re.compile(r"(\d{8})T\d{6}Z")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class AuthFailure:
    """Why a request is refused: HTTP ``status``, AWS error ``code`` and ``message``."""

    status: int
    code: str
    message: str


@dataclass(frozen=True)
class Credential:
    """The credential scope of an accepted request."""

    access_key_id: str
    date: str
    region: str
    service: str


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def check_sigv4(headers: Mapping[str, str], service: str = SERVICE) -> Credential | AuthFailure:
    """The credential scope of a well-formed SigV4 ``Authorization`` header, else why it is refused.

    ``headers``: the request headers (names compared case-insensitively). Rules, in order:

    1. no ``Authorization`` header: 403 ``MissingAuthenticationTokenException``;
    2. not ``AWS4-HMAC-SHA256 k=v, k=v, k=v`` with ``Credential``, ``SignedHeaders`` and ``Signature``,
       or neither ``X-Amz-Date`` nor ``Date`` present: 403 ``IncompleteSignatureException`` naming
       each missing part (AWS's wording);
    3. a credential that is not ``key/yyyymmdd/region/service/aws4_request``, a service other than
       ``service``, a scope date other than the ``X-Amz-Date`` date, ``host`` not among the signed
       headers, or a signature that is not 64 lower-case hex digits: 403
       ``InvalidSignatureException`` (``IncompleteSignatureException`` for the unsigned host).
    """
    authorization = _header(headers, "Authorization")
    if authorization is None or not authorization.strip():
        return AuthFailure(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    amz_date = _header(headers, "X-Amz-Date")
    has_date = amz_date is not None or _header(headers, "Date") is not None
    algorithm, _, rest = authorization.strip().partition(" ")
    params: dict[str, str] = {}
    if algorithm == ALGORITHM:
        for part in rest.split(","):
            key, sep, value = part.strip().partition("=")
            if sep:
                params[key] = value
    problems = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not params.get(name)
    ]
    if not has_date:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if problems:
        return AuthFailure(
            403, "IncompleteSignatureException", " ".join([*problems, f"Authorization={authorization}"])
        )
    scope = params["Credential"].split("/")
    if len(scope) != 5 or not all(scope):
        return AuthFailure(
            403,
            "IncompleteSignatureException",
            f"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            f"got '{params['Credential']}'",
        )
    key_id, date, region, scoped_service, terminator = scope
    if scoped_service != service:
        return AuthFailure(
            403, "InvalidSignatureException", f"Credential should be scoped to correct service: '{service}'. "
        )
    if terminator != TERMINATOR:
        return AuthFailure(
            403,
            "InvalidSignatureException",
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'. ",
        )
    if amz_date is not None:
        match = _AMZ_DATE.fullmatch(amz_date.strip())
        if match is None or match.group(1) != date:
            return AuthFailure(
                403,
                "InvalidSignatureException",
                f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                f"'{date}' != '{match.group(1) if match else amz_date}', from '{amz_date}'.",
            )
    signed = [name.strip().lower() for name in params["SignedHeaders"].split(";")]
    if "host" not in signed:
        return AuthFailure(
            403,
            "IncompleteSignatureException",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        )
    if not _SIGNATURE.fullmatch(params["Signature"].strip()):
        return AuthFailure(
            403,
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        )
    return Credential(access_key_id=key_id, date=date, region=region, service=scoped_service)
