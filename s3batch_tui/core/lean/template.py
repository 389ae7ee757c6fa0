"""A request's job-wide headers exactly as boto3 builds them, captured once per job.

The boto3 client itself runs the whole pipeline (parameter handlers, validation,
serialiser, before-call hooks) for one placeholder request; a before-send hook takes the
prepared request and answers it locally, so nothing goes on the wire. What depends on
the object (address, copy source) or on the moment (signature, date, SDK attempt
headers) is left out: the lean sender adds those per request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ParamValidationError

PER_REQUEST = frozenset({
    "host", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "user-agent",
    "content-length", "amz-sdk-invocation-id", "amz-sdk-request",
})  # fmt: skip
"""Headers the lean sender makes for each request (signing, agent, length, SDK attempt)."""


@dataclass(frozen=True, slots=True)
class Template:
    """What boto3 sent for the placeholder request: method, query and job-wide headers."""

    method: str
    query: str
    headers: tuple[tuple[str, str], ...]
    sdk_request: str | None = None  # boto3's `amz-sdk-request` ("attempt=1; max=1": botocore never retries)


class _NoBody:
    def stream(self, **_: Any):
        yield b""


def capture(client: Any, method_name: str, params: dict[str, Any], drop: frozenset[str] = frozenset()) -> Template:
    """The request `client.<method_name>(**params)` would send, minus per-request headers and `drop`.

    `params` must name a Key; it is replaced by a unique placeholder so that only this
    call is answered locally, even if other threads use the client meanwhile.

    Raises:
        ValueError: boto3 refuses the parameters (e.g. non-ASCII metadata); on the boto3
            path every task then fails with boto3's own error.
    """
    placeholder = f"s3batch-lean-template-{uuid.uuid4().hex}"
    seen: list[Any] = []
    operation = client.meta.method_to_api_mapping[method_name]

    def answer_locally(request: Any, **_: Any) -> AWSResponse | None:
        if placeholder not in request.url:
            return None
        seen.append(request)
        return AWSResponse(request.url, 200, {}, _NoBody())

    event, hook_id = f"before-send.s3.{operation}", f"s3batch-lean-{placeholder}"
    client.meta.events.register_first(event, answer_locally, unique_id=hook_id)
    try:
        getattr(client, method_name)(**{**params, "Key": placeholder})
    except ParamValidationError as exc:
        raise ValueError(f"boto3 refuses the {operation} parameters: {exc}") from exc
    finally:
        client.meta.events.unregister(event, unique_id=hook_id)
    (request,) = seen
    skip = PER_REQUEST | drop
    headers = tuple(
        (name, value.decode() if isinstance(value, bytes) else str(value))
        for name, value in request.headers.items()
        if name.lower() not in skip
    )
    sdk_request = request.headers.get("amz-sdk-request")
    if isinstance(sdk_request, bytes):
        sdk_request = sdk_request.decode()
    return Template(request.method, urlsplit(request.url).query, headers, sdk_request)
