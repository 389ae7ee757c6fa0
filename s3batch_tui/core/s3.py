"""boto3 session and client factory: profile, region, endpoint, connection pool size.

The standard AWS settings work as in the AWS CLI (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL, credentials from the environment or ~/.aws); explicit values
(`--profile`, `--region`, `--endpoint-url`) win. botocore's own retries are off:
the engine's retry policy is the only one, so attempts are counted in one place.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from s3batch_tui.core.clip import clip_repr
from s3batch_tui.core.errors import InputError

PROBE_CONNECT_TIMEOUT = 2.0
"""Seconds a preflight request waits for a connection (three attempts: about 8 s in all)."""

PROBE_READ_TIMEOUT = 10.0
"""Seconds a preflight request waits for an answer."""

@dataclass(frozen=True)
class AwsSettings:
    """Where to send requests. None means: whatever the AWS SDK finds by itself."""

    endpoint_url: str | None = None
    profile: str | None = None
    region: str | None = None

    @property
    def effective_endpoint(self) -> str | None:
        """The endpoint in use, explicit or from AWS_ENDPOINT_URL (None: AWS itself)."""
        return self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")


class ClientFactory:
    """Makes boto3 clients that share one session; one client per service is cached.

    boto3 clients are thread-safe, so the whole worker pool shares one S3 client whose
    connection pool is sized to the pool (`max_pool_connections`).
    """

    def __init__(self, settings: AwsSettings | None = None, max_pool_connections: int = 10) -> None:
        self.settings = settings or AwsSettings()
        self.max_pool_connections = max_pool_connections
        self.session = make_session(self.settings)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str = "s3") -> Any:
        """The shared client for `service`."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._make(service)
            return self._clients[service]

    def probe_client(self) -> Any:
        """A separate S3 client with short timeouts, for checks that must fail fast
        (preflight): an endpoint that drops connections is named in seconds, not minutes."""
        return self._make("s3", connect_timeout=PROBE_CONNECT_TIMEOUT, read_timeout=PROBE_READ_TIMEOUT)

    def _make(self, service: str, connect_timeout: float = 10, read_timeout: float | None = None) -> Any:
        from botocore.config import Config

        endpoint = self.settings.endpoint_url
        s3_options = {"addressing_style": "path"} if self.settings.effective_endpoint else {}
        config = Config(
            max_pool_connections=self.max_pool_connections,
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=connect_timeout,
            # A Lambda may run up to 15 minutes; timing out earlier would invoke it twice.
            read_timeout=read_timeout or (900 if service == "lambda" else 60),
            s3=s3_options or None,
        )
        region = self.session.region_name or "us-east-1"
        return self.session.client(service, endpoint_url=endpoint, region_name=region, config=config)


def make_session(settings: AwsSettings) -> Any:
    """A boto3 session; a profile that does not exist is an InputError naming it and where it came from."""
    # Imported here, not at the top: commands that never talk to S3 skip boto3's import.
    import boto3
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    from s3batch_tui.core.botocore_loader import quick_loader

    core = botocore.session.get_session()
    # As botocore registers its loader (read once the profile is set), minus the scan of all services.
    core.lazy_register_component("data_loader", lambda: quick_loader(core.get_config_variable("data_path")))
    try:
        return boto3.session.Session(botocore_session=core, profile_name=settings.profile, region_name=settings.region)
    except ProfileNotFound:
        where = "--profile" if settings.profile else "AWS_PROFILE"
        name = settings.profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or ""
        raise InputError(
            f"the AWS profile {clip_repr(name)} does not exist (profiles are read from "
            f"{os.environ.get('AWS_CONFIG_FILE', '~/.aws/config')} and "
            f"{os.environ.get('AWS_SHARED_CREDENTIALS_FILE', '~/.aws/credentials')})",
            where,
            "ProfileNotFound",
        ) from None


def credentials_available(settings: AwsSettings) -> bool:
    """Whether boto3 finds any credentials with these settings (no request is made)."""
    import boto3

    try:
        session = boto3.session.Session(profile_name=settings.profile, region_name=settings.region)
        return session.get_credentials() is not None
    except Exception:  # noqa: BLE001 - a broken profile is as good as none here
        return False
