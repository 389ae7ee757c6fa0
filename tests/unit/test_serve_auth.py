"""The server's key file and SigV4 checks, on requests signed by botocore itself."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.server.auth import AuthError, Verifier, load_keys

URL = "http://000000000000.localhost:8787/v20180820/jobs?jobStatuses=Active&maxResults=5"


def signed(key="k1", secret="s1", body=b"", url=URL, method="GET"):
    request = AWSRequest(method=method, url=url, data=body, headers={"x-amz-account-id": "000000000000"})
    S3SigV4Auth(Credentials(key, secret), "s3", "eu-west-3").add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    return headers | {"host": url.split("/")[2]}


def test_load_keys_takes_every_complete_section(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[a]\naws_access_key_id = k1\naws_secret_access_key = s1\n[b]\naws_access_key_id = k2\n"
                    "aws_secret_access_key = s%2\n[half]\naws_access_key_id = k3\n", encoding="utf-8")  # fmt: skip
    assert load_keys(path) == {"k1": "s1", "k2": "s%2"}


@pytest.mark.parametrize(("text", "expected"), [("[a]\nregion = x\n", "no section with both"), ("no sections", "not an AWS")])
def test_load_keys_refuses_files_without_keys(tmp_path, text, expected):
    path = tmp_path / "credentials"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=expected):
        load_keys(path)
    with pytest.raises(InputError, match="cannot read"):
        load_keys(tmp_path / "missing")


def test_a_botocore_signature_verifies_and_names_its_key():
    verifier = Verifier({"k1": "s1", "k2": "s2"})
    assert verifier.verify("GET", URL, signed(), b"", tls=False) == "k1"
    body = b"<CreateJobRequest/>"
    url = URL.split("?")[0]
    assert verifier.verify("POST", url, signed("k2", "s2", body, url, "POST"), body, tls=False) == "k2"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda h: h.pop("authorization"), "AccessDenied"),
        (lambda h: h.update(authorization="Basic abc"), "AccessDenied"),
        (lambda h: h.update(authorization=h["authorization"].replace("k1/", "k9/")), "InvalidAccessKeyId"),
        (lambda h: h.update(authorization=h["authorization"][:-4] + "0000"), "SignatureDoesNotMatch"),
        (lambda h: h.update({"x-amz-account-id": "111111111111"}), "SignatureDoesNotMatch"),
        (lambda h: h.update(host="other.localhost:8787"), "SignatureDoesNotMatch"),
        (lambda h: h.update({"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}), "AccessDenied"),
        (lambda h: h.pop("x-amz-date"), "AccessDenied"),
    ],
)
def test_tampered_requests_are_refused(change, code):
    headers = signed()
    change(headers)
    with pytest.raises(AuthError) as caught:
        Verifier({"k1": "s1"}).verify("GET", URL, headers, b"", tls=False)
    assert caught.value.code == code


def test_wrong_secret_other_query_and_skew():
    verifier = Verifier({"k1": "s1"})
    with pytest.raises(AuthError, match="does not match"):
        verifier.verify("GET", URL, signed(secret="wrong"), b"", tls=False)
    with pytest.raises(AuthError, match="does not match"):
        verifier.verify("GET", URL.replace("maxResults=5", "maxResults=6"), signed(), b"", tls=False)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)
    with pytest.raises(AuthError) as caught:
        verifier.verify("GET", URL, signed(), b"", tls=False, now=later)
    assert caught.value.code == "RequestTimeTooSkewed"
    assert verifier.verify("GET", URL, signed(), b"", tls=False, now=later - dt.timedelta(minutes=2)) == "k1"


def test_the_body_is_covered():
    url = URL.split("?")[0]
    headers = signed(body=b"<a/>", url=url, method="POST")
    with pytest.raises(AuthError, match="x-amz-content-sha256 does not match"):
        Verifier({"k1": "s1"}).verify("POST", url, headers, b"<b/>", tls=False)
