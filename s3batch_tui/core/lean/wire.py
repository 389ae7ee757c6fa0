"""A per-object request exactly as boto3 builds it: method, subresource, headers and body bytes.

The parts that are the same for every object of a job are built once, by botocore
itself: its rest-xml serializer writes the member headers (`x-amz-acl`,
`x-amz-bypass-governance-retention`, ...) and the body, and its own checksum rules
(the operation's `httpChecksum` trait and the client's `request_checksum_calculation`)
add `x-amz-checksum-crc32` with `x-amz-sdk-checksum-algorithm`, or Content-MD5.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from botocore.httpchecksum import apply_request_checksum, resolve_request_checksum_algorithm
from botocore.serialize import create_serializer

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
"""x-amz-content-sha256 of a request without a body."""


@dataclass(frozen=True, slots=True)
class Wire:
    """What every request of one operation sends besides its address."""

    method: str
    subresource: str  # "tagging", "acl", "legal-hold", "retention", "restore"; "" for HeadObject
    headers: tuple[tuple[str, str], ...]
    body: bytes
    body_sha256: str

    def path(self, prefix: str, key_path: str, version_id: str | None) -> str:
        """Path and query as botocore orders and encodes them."""
        query = self.subresource
        if version_id:
            query += f"{'&' if query else ''}versionId={quote(version_id, safe='-_.~')}"
        return f"{prefix}{key_path}?{query}" if query else f"{prefix}{key_path}"


def object_wire(client: Any, operation: str, arguments: dict[str, Any]) -> Wire:
    """`operation`'s request parts for `arguments` (every member but Bucket, Key and VersionId).

    Raises:
        ValueError: an argument lands in the query string, which this path leaves to
            the object's address (cannot happen for the operations it covers).
    """
    model = client.meta.service_model.operation_model(operation)
    request = create_serializer("rest-xml").serialize_to_request({"Bucket": "b", "Key": "k", **arguments}, model)
    if request["query_string"]:
        raise ValueError(f"{operation}: per-job arguments in the query string: {sorted(request['query_string'])}")
    # What botocore's client does between serialising and sending (client.py, _make_api_call).
    request["context"] = {"client_config": client.meta.config}
    request["url"] = "https://b/k"  # read only for streaming input, which these operations have not
    resolve_request_checksum_algorithm(request, model, arguments)
    apply_request_checksum(request)
    body = request["body"]
    subresource = model.http["requestUri"].partition("?")[2]
    headers = tuple((name, str(value)) for name, value in request["headers"].items())
    return Wire(model.http["method"], subresource, headers, body, hashlib.sha256(body).hexdigest())
