"""Creating a job, as AWS CreateJob does: `ClientRequestToken` makes it idempotent.

Every front end creates jobs here (CLI `run` and `job create`, the TUI, retry-failed,
`serve`). The same token with the same request returns the job made the first time;
the same token with another request is an IdempotencyConflict (AWS's
IdempotencyException) and nothing is stored.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from s3batch_tui.core.job_tags import check_tags
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.store import Store

__all__ = ["create_job", "request_hash"]


def request_hash(spec: JobSpec) -> str:
    """SHA-256 of the request without its token, in a canonical form (sorted keys)."""
    body = spec.to_json_dict()
    body.pop("ClientRequestToken", None)
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def create_job(store: Store, spec: JobSpec, job_id: str | None = None) -> str:
    """Store `spec` as a New job and return its id (or the id an earlier request with its token got).

    Raises:
        IdempotencyConflict: the token was used before with a different request.
        InputError: the job's tags break AWS's rules (more than 50, a key twice), which
            botocore's model does not say.
    """
    check_tags(spec.to_json_dict().get("Tags") or [])
    return store.create_job(job_id or str(uuid.uuid4()), spec, body_hash=request_hash(spec)).id
