"""Errors that reach the user: each one says what is wrong and where."""

from __future__ import annotations

from s3batch_tui.core.clip import clip


class InputError(Exception):
    """Bad input (spec, manifest, flag): nothing was started or written.

    Attributes:
        where: the file, field path or flag at fault ("manifest.csv line 4 column 2"),
            capped like every echoed value (a location can be megabytes long).
        what: what is wrong and what was expected.
        code: a short machine-readable code, used as the FailureCode of a job.
    """

    def __init__(self, what: str, where: str = "", code: str = "InvalidInput") -> None:
        self.what = what
        self.where = where = clip(where)
        self.code = code
        super().__init__(f"{where}: {what}" if where else what)


class ManifestError(InputError):
    """A manifest that cannot be read: the job fails in Preparing, nothing is touched."""

    def __init__(self, what: str, where: str = "", code: str = "ManifestError") -> None:
        super().__init__(what, where, code)


class JobStateError(Exception):
    """A request that the job's current status does not allow (e.g. pausing a Complete job)."""


class JobNotFound(Exception):
    """No job in the store matches the given id or prefix."""


class IdempotencyConflict(InputError):
    """The same ClientRequestToken was used before with a different job."""

    def __init__(self, what: str, where: str = "ClientRequestToken") -> None:
        super().__init__(what, where, code="IdempotencyException")


class BackendUnreachable(Exception):
    """The S3 Control endpoint did not answer usefully after every retry (network, TLS, timeout, or only
    transient faults and throttling); whether the request took effect is not known."""


class BackendThrottled(BackendUnreachable):
    """The S3 Control endpoint refused the request for its rate (TooManyRequestsException, 429): try later."""
