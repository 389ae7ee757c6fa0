"""SigV4 checks for the server: who may call it, verified with botocore's own signer.

Keys come from an AWS shared-credentials INI file: every section with
`aws_access_key_id` and `aws_secret_access_key` is an accepted key. A request's
signature is recomputed with `botocore.auth.S3SigV4Auth` over what was received
(only the headers it says it signed) and compared in constant time. Secrets are
never logged or put in error messages.
"""

from __future__ import annotations

import configparser
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from s3batch_tui.core.errors import InputError

MAX_SKEW = dt.timedelta(minutes=15)
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


class AuthError(Exception):
    """A request that may not be served: `code` is S3's error code (all are 403)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def load_keys(path: Path) -> dict[str, str]:
    """Access key id → secret, from every complete section of a shared-credentials file."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", str(path)) from None
    except configparser.Error as exc:
        raise InputError(f"not an AWS credentials file: {exc.message.splitlines()[0]}", str(path)) from None
    keys = {}
    for section in parser.sections():
        key_id = parser.get(section, "aws_access_key_id", fallback="").strip()
        secret = parser.get(section, "aws_secret_access_key", fallback="").strip()
        if key_id and secret:
            keys[key_id] = secret
    if not keys:
        raise InputError("no section with both aws_access_key_id and aws_secret_access_key", str(path))
    return keys


@dataclass(frozen=True)
class Verifier:
    """Checks SigV4 signatures against a fixed set of keys."""

    keys: Mapping[str, str]

    def verify(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes, tls: bool, now: dt.datetime | None = None
    ) -> str:
        """The access key id that signed the request; AuthError when it is unsigned, wrong or stale.

        `url` is `scheme://host/raw-path?raw-query` as received; `headers` have lower-case names.
        """
        header = headers.get("authorization")
        if not header:
            raise AuthError("AccessDenied", "Access Denied: the request is not signed (SigV4 required)")
        found = _AUTHORIZATION.match(header)
        if found is None:
            raise AuthError("AccessDenied", "Access Denied: the Authorization header is not AWS4-HMAC-SHA256")
        scope = found["credential"].split("/")
        if len(scope) != 5 or scope[3] != "s3" or scope[4] != "aws4_request":
            raise AuthError("AccessDenied", "Access Denied: the credential scope must be KEY/DATE/REGION/s3/aws4_request")
        key_id, day, region = scope[0], scope[1], scope[2]
        secret = self.keys.get(key_id)
        if secret is None:
            raise AuthError("InvalidAccessKeyId", "The AWS access key Id you provided does not exist in our records.")
        stamp = headers.get("x-amz-date", "")
        try:
            signed_at = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            raise AuthError("AccessDenied", "Access Denied: x-amz-date is missing or not YYYYMMDDTHHMMSSZ") from None
        if abs((now or dt.datetime.now(dt.UTC)) - signed_at) > MAX_SKEW:
            raise AuthError(
                "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."
            )
        if day != stamp[:8]:
            raise AuthError("SignatureDoesNotMatch", "The credential scope date does not match x-amz-date.")
        signed = found["signed"].split(";")
        if "host" not in signed or any(name not in headers for name in signed):
            raise AuthError("AccessDenied", "Access Denied: the host header and every signed header must be present")
        content_hash = headers.get("x-amz-content-sha256")
        if content_hash == UNSIGNED_PAYLOAD and not tls:  # over plain HTTP the body must be signed too
            raise AuthError("AccessDenied", "Access Denied: UNSIGNED-PAYLOAD is accepted over TLS only")
        if content_hash not in (None, UNSIGNED_PAYLOAD) and content_hash != hashlib.sha256(body).hexdigest():
            raise AuthError("SignatureDoesNotMatch", "x-amz-content-sha256 does not match the request body.")
        expected = _signature(key_id, secret, region, method, url, {n: headers[n] for n in signed}, body, stamp)
        if not hmac.compare_digest(expected, found["signature"]):
            raise AuthError(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.",
            )
        return key_id


def _signature(
    key_id: str, secret: str, region: str, method: str, url: str, headers: dict[str, str], body: bytes, stamp: str
) -> str:
    signer = S3SigV4Auth(Credentials(key_id, secret), "s3", region)
    request = AWSRequest(method=method, url=url, headers=headers, data=body)
    request.context["timestamp"] = stamp
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)
