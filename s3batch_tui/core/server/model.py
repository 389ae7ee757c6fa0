"""botocore's `s3control` service model: the eight job operations and their routes.

The model is the single source of truth for the wire format: each operation's
`http.method` and `requestUri` give its route, its input members' `location` say where
each value travels, and its shapes give the XML layout (see `codec.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from botocore.model import NoShapeFoundError, OperationModel, ServiceModel

from s3batch_tui.core.spec.model_check import s3control_model

OPERATIONS = (
    "CreateJob",
    "DescribeJob",
    "ListJobs",
    "UpdateJobStatus",
    "UpdateJobPriority",
    "GetJobTagging",
    "PutJobTagging",
    "DeleteJobTagging",
)

# The model marks these shapes as errors but (in the botocore releases we know) gives no
# `httpStatusCode`; these are the statuses S3 Control answers with. `error_status`
# prefers the model's own, should a release add them.
ERROR_STATUS = {
    "BadRequestException": 400,
    "InvalidRequestException": 400,
    "InvalidNextTokenException": 400,
    "TooManyTagsException": 400,
    "NotFoundException": 404,
    "IdempotencyException": 409,
    "JobStatusException": 409,
    # Throttling. The model's shape is a bare client error (no status, no `retryable`
    # trait); botocore's standard retry mode treats it as throttling by its code whatever
    # the status, and its legacy mode by status 429 alone, so 429 is retried by both.
    "TooManyRequestsException": 429,
    "InternalServiceException": 500,
    # Authentication errors are S3's own, shared by every S3 API.
    "AccessDenied": 403,
    "SignatureDoesNotMatch": 403,
    "RequestTimeTooSkewed": 403,
    "InvalidAccessKeyId": 403,
    "MethodNotAllowed": 405,
    "EntityTooLarge": 400,
}


@cache
def error_status(code: str) -> int:
    """The HTTP status of an error: the model's `httpStatusCode` if it has one, else S3 Control's."""
    try:
        status = service_model().shape_for(code).metadata.get("error", {}).get("httpStatusCode")
    except NoShapeFoundError:
        status = None
    return status or ERROR_STATUS.get(code, 400)


def service_model() -> ServiceModel:
    """The `s3control` model shipped with the installed botocore (one loader: the spec checker's)."""
    return s3control_model()


@dataclass(frozen=True)
class Route:
    """One operation's HTTP method and path pattern (`/v20180820/jobs/{id}`)."""

    operation: OperationModel
    method: str
    pattern: re.Pattern[str]

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The URI labels if `method path` is this operation's, else None."""
        if method != self.method:
            return None
        found = self.pattern.fullmatch(path)
        return None if found is None else found.groupdict()


def _pattern(request_uri: str) -> re.Pattern[str]:
    path = request_uri.split("?", 1)[0]
    parts = re.split(r"\{(\w+)\+?\}", path)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts))
    return re.compile(regex)


@cache
def routes() -> tuple[Route, ...]:
    """The routes of the eight operations, from their `http` traits."""
    model = service_model()
    found = []
    for name in OPERATIONS:
        operation = model.operation_model(name)
        found.append(Route(operation, operation.http["method"], _pattern(operation.http["requestUri"])))
    return tuple(found)


def find_route(method: str, path: str) -> tuple[OperationModel, dict[str, str]] | None:
    """The operation `method path` calls and its URI labels; None when no operation matches."""
    for route in routes():
        labels = route.match(method, path)
        if labels is not None:
            return route.operation, labels
    return None


def path_exists(path: str) -> bool:
    """Whether some operation lives at `path` (with another method): 405 rather than 404."""
    return any(route.pattern.fullmatch(path) for route in routes())
