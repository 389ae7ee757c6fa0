"""S3 answers the lean path did not expect, turned into the exceptions boto3 raises.

Error bodies are parsed by botocore's own rest-xml parser, so the code and message in
the report, and the retry classification in `engine/retry.py`, are boto3's exactly.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from botocore.parsers import create_parser


class ErrorParser:
    """Builds the `ClientError` boto3 would raise for one operation's error answer."""

    def __init__(self, client: Any, operation: str) -> None:
        self._model = client.meta.service_model.operation_model(operation)
        self._operation = operation
        self._parser = create_parser("rest-xml")

    def client_error(self, status: int, headers: dict[str, str], body: bytes) -> ClientError:
        """The exception for an answer with HTTP `status` (>= 300)."""
        parsed = self._parser.parse(
            {"status_code": status, "headers": headers, "body": body}, self._model.output_shape
        )
        return ClientError(parsed, self._operation)
