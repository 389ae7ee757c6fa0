"""What every command needs, built from the global flags: settings, store, AWS clients."""

from __future__ import annotations

import argparse
from functools import cached_property
from typing import TYPE_CHECKING

from s3batch_tui.core.s3 import AwsSettings
from s3batch_tui.settings import Settings

if TYPE_CHECKING:
    from s3batch_tui.core.engine.engine import Engine
    from s3batch_tui.core.s3 import ClientFactory
    from s3batch_tui.core.store import Store

EXIT_OK = 0
EXIT_JOB_UNSUCCESSFUL = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_OFFLINE = 3
"""The S3 Control endpoint did not answer: what was shown came from the local history."""


class CliError(Exception):
    """A usage problem found by a command (exit 2, nothing started)."""


class Context:
    """Lazily built pieces for one command invocation.

    The store, clients and engine are imported on first use, so a command pays only for
    what it touches (`job list` never imports boto3 or the engine).
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        workers = getattr(args, "workers", None)
        if workers is not None and not 1 <= workers <= 512:
            raise CliError(f"--workers: expected 1 to 512, got {workers}")
        self.settings = Settings.load(args.data_dir, workers)
        self.aws = AwsSettings(args.endpoint_url, args.profile, args.region)

    @cached_property
    def store(self) -> Store:
        """The job store (created on first use)."""
        from s3batch_tui.core.store import Store

        return Store(self.settings.db_path)

    @cached_property
    def clients(self) -> ClientFactory:
        """boto3 clients with a connection pool sized to the workers."""
        from s3batch_tui.core.s3 import ClientFactory

        return ClientFactory(self.aws, max_pool_connections=self.settings.workers)

    def engine(self) -> Engine:
        """A new engine on this store (`--yes-delete` lets LocalDeleteObject jobs delete)."""
        from s3batch_tui.core.engine.engine import Engine

        return Engine(self.settings, self.store, self.clients, delete_confirmed=getattr(self.args, "yes_delete", False))

    def resolve(self, job_id: str) -> str:
        """A full job id from an id or unique prefix."""
        return self.store.resolve(job_id)
