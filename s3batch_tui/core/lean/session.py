"""One lean sender per boto3 client: its credentials chain, region, user agent and CA bundle."""

from __future__ import annotations

from typing import Any

from s3batch_tui.core.lean.addressing import Addressing
from s3batch_tui.core.lean.crt_client import CrtSender
from s3batch_tui.core.lean.template import capture

_PLACEHOLDER_BUCKET = "s3batch-lean-template"


class LeanS3:
    """The boto3 client's settings, reused by the lean path (endpoint and region as resolved)."""

    def __init__(self, client: Any) -> None:
        client = getattr(client, "unwrapped", client)
        self.client = client
        credentials = client._request_signer._credentials  # the session chain's object, refreshable
        if credentials is None:
            raise ValueError("no AWS credentials found")
        config = client.meta.config
        verify = client._endpoint.http_session._verify  # True, False or boto3's CA bundle path
        if verify is False:
            raise ValueError("TLS verification is off for boto3; the lean path always verifies")
        # The attempt header boto3 adds after signing, as this client's retry settings make it.
        sdk_request = capture(client, "head_object", {"Bucket": _PLACEHOLDER_BUCKET}).sdk_request
        self.sender = CrtSender(credentials, client.meta.region_name, config.user_agent or "",
                                verify if isinstance(verify, str) else None, sdk_request,
                                unsigned_payload=(config.s3 or {}).get("payload_signing_enabled") is False)  # fmt: skip
        self.addressing = Addressing(client)
