"""ListJobs: the `JobStatuses` filter, pages and an opaque, checked `NextToken`.

A token is the position after the last job of a page (creation time and id, the
store's order) plus a digest of the filter, so a page boundary survives jobs being
added meanwhile, and a token from another filter or made up is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from s3batch_tui.core.describe import list_item
from s3batch_tui.core.server.codec import ApiError
from s3batch_tui.core.store import JobRecord, Store

DEFAULT_MAX_RESULTS = 1000


def _filter_digest(statuses: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(set(statuses))).encode()).hexdigest()[:16]


def make_token(record: JobRecord, statuses: list[str]) -> str:
    """The token that continues after `record` under the same filter."""
    payload = json.dumps([record.created_at, record.id, _filter_digest(statuses)]).encode()
    return base64.urlsafe_b64encode(payload).decode()


def read_token(token: str, statuses: list[str]) -> tuple[float, str]:
    """(created_at, id) to continue after; InvalidNextTokenException if it is not ours."""
    try:
        created_at, job_id, digest = json.loads(base64.urlsafe_b64decode(token.encode()))
        position = (float(created_at), str(job_id))
    except (ValueError, TypeError):
        raise ApiError("InvalidNextTokenException", "The NextToken is not valid.") from None
    if digest != _filter_digest(statuses):
        raise ApiError("InvalidNextTokenException", "The NextToken was issued for other JobStatuses.")
    return position


def list_jobs(store: Store, params: dict[str, Any], account_id: str | None = None) -> dict[str, Any]:
    """The `ListJobsResult` for a request's parameters (newest jobs first)."""
    statuses = params.get("JobStatuses") or []
    limit = params.get("MaxResults") or DEFAULT_MAX_RESULTS
    after = read_token(params["NextToken"], statuses) if params.get("NextToken") else None
    page: list[JobRecord] = []
    more = False
    for record in store.list():  # newest first: created_at DESC, id
        if after is not None and (-record.created_at, record.id) <= (-after[0], after[1]):
            continue
        if statuses and record.status.value not in statuses:
            continue
        if len(page) == limit:
            more = True
            break
        page.append(record)
    result: dict[str, Any] = {"Jobs": [list_item(r, account_id=account_id) for r in page]}
    if more:
        result["NextToken"] = make_token(page[-1], statuses)
    return result
