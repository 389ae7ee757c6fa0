"""The S3ComputeObjectChecksum ResultMessage, byte for byte as AWS writes it."""

from __future__ import annotations

import json

from s3batch_tui.core.operations.checksum import result_message

# From the S3 User Guide, "Examples: S3 Batch Operations completion reports",
# Example - Compute checksum task report (the CSV quoting undone).
AWS_ROW_MESSAGE = (
    '{"checksum_base64":"bS9TOQ\\u003d\\u003d","etag":"3c3c1813042989094598e4b57ecbdc82",'
    '"checksumAlgorithm":"CRC32","checksumType":"FULL_OBJECT","checksum_hex":"6D2F5339"}'
)


def test_the_message_matches_aws_byte_for_byte():
    message = result_message(bytes.fromhex("6d2f5339"), "CRC32", "FULL_OBJECT", '"3c3c1813042989094598e4b57ecbdc82"', None)
    assert message == AWS_ROW_MESSAGE


def test_it_is_still_json_with_the_plain_values():
    message = result_message(b"\xff" * 32, "SHA256", "COMPOSITE", '"e1-3"', 3)
    assert "=" not in message and "\\u003d" in message
    parsed = json.loads(message)
    assert parsed["checksum_base64"] == "//////////////////////////////////////////8=-3"
    assert parsed["checksum_hex"] == "FF" * 32 + "-3"
    assert list(parsed) == ["checksum_base64", "etag", "checksumAlgorithm", "checksumType", "checksum_hex"]
