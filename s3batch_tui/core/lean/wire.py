"""The tagging requests exactly as boto3 builds them: query, headers and body bytes.

The body (the same for every task of a job) is serialised once by botocore's own
rest-xml serializer; its flexible checksum is the one boto3 sends by default
(`x-amz-checksum-crc32`, with `x-amz-sdk-checksum-algorithm`).
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from botocore.serialize import create_serializer

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True, slots=True)
class Wire:
    """What every request of one operation sends besides its address."""

    method: str
    subresource: str  # "tagging"
    headers: tuple[tuple[str, str], ...]
    body: bytes
    body_sha256: str

    def path(self, prefix: str, key_path: str, version_id: str | None) -> str:
        """Path and query as botocore orders and encodes them."""
        query = f"?{self.subresource}"
        if version_id:
            query += f"&versionId={quote(version_id, safe='-_.~')}"
        return f"{prefix}{key_path}{query}"


def put_tagging_wire(client: Any, tag_set: list[dict[str, str]]) -> Wire:
    """PutObjectTagging's request parts, serialised by botocore for this tag set."""
    model = client.meta.service_model.operation_model("PutObjectTagging")
    params = {"Bucket": "b", "Key": "k", "Tagging": {"TagSet": tag_set}}
    body = create_serializer("rest-xml").serialize_to_request(params, model)["body"]
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    headers = (("x-amz-checksum-crc32", crc), ("x-amz-sdk-checksum-algorithm", "CRC32"))
    return Wire("PUT", "tagging", headers, body, hashlib.sha256(body).hexdigest())


def delete_tagging_wire() -> Wire:
    """DeleteObjectTagging's request parts (no body, no checksum)."""
    return Wire("DELETE", "tagging", (), b"", EMPTY_SHA256)
