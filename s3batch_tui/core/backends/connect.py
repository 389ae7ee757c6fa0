"""How to reach an S3 Control backend, as the flags give it, and connecting to it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3batch_tui.core.backends.s3control import (
    S3ControlBackend,
    caller_account,
    control_client,
    control_label,
    control_retry_policy,
)


TOKEN_DIR = "aws-tokens"
"""Under the data dir: the ClientRequestTokens of requests made without a job file (retry-failed, hand-over)."""


@dataclass(frozen=True)
class ControlSettings:
    """`--account-id`, `--control-endpoint`, `--profile`, `--region`: one S3 Control backend."""

    account_id: str | None = None
    """None: the account of the credentials (STS GetCallerIdentity)."""
    endpoint: str | None = None
    """None: AWS's own endpoint for the region."""
    profile: str | None = None
    region: str | None = None

    @property
    def label(self) -> str:
        """The backend's name before connecting (`AWS 123456789012 us-east-1`)."""
        return control_label(self.account_id, self.region, self.endpoint)


def connect(settings: ControlSettings, attempts: int | None = None, s3_client: Any = None,
            token_dir: Path | None = None, store: Any = None) -> S3ControlBackend:  # fmt: skip
    """The backend (blocks: makes a boto3 client, and asks STS for the account if not given).

    `s3_client` reads reports and uploads manifests, `token_dir` keeps ClientRequestTokens (retry-failed),
    `store` keeps the history mirror of every job seen.
    """
    import boto3

    client = control_client(settings.profile, settings.region, settings.endpoint)
    account = settings.account_id
    if account is None:
        session = boto3.session.Session(profile_name=settings.profile, region_name=settings.region)
        account = caller_account(session.client("sts", region_name=client.meta.region_name))
    backend = S3ControlBackend(client, account, s3_client, token_dir)
    if attempts is not None:
        backend.retry_policy = control_retry_policy(attempts)
    if store is not None:
        from s3batch_tui.core.backends.mirroring import ControlMirror, backend_identity

        backend.mirror = ControlMirror(store, backend_identity(client, account))
    return backend
