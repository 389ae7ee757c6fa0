"""Messages the TUI passes around. Events are past tense, requests imperative."""

from __future__ import annotations

from textual.message import Message

from s3batch_tui.core.backends.base import Backend
from s3batch_tui.core.backends.refresh import RefreshState
from s3batch_tui.core.backends.view import JobView
from s3batch_tui.core.store import JobRecord


class JobsLoaded(Message):
    """A fresh snapshot of every job of the backend in use, read by a worker thread.

    `records` are stored jobs (`JobRecord`) or an S3 Control backend's (`JobView`);
    `refresh` says how refreshing an S3 Control backend goes (None for the store).
    """

    def __init__(self, records: list[JobRecord] | list[JobView], refresh: RefreshState | None = None) -> None:
        super().__init__()
        self.records = records
        self.refresh = refresh

    def can_replace(self, message: Message) -> bool:
        """A newer snapshot makes an older, unhandled one pointless."""
        return isinstance(message, JobsLoaded)


class ActionFailed(Message):
    """A job action was refused (e.g. pausing an ended job); the user is told why."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class JobCreated(Message):
    """A job was created here (wizard, retry, clone): the jobs table puts its cursor on it."""

    def __init__(self, job_id: str) -> None:
        super().__init__()
        self.job_id = job_id


class BackendConnected(Message):
    """A worker made the backend the user switched to; the app starts using it."""

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
