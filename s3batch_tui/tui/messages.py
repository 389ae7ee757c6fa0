"""Messages the TUI passes around. Events are past tense, requests imperative."""

from __future__ import annotations

from textual.message import Message

from s3batch_tui.core.store import JobRecord


class JobsLoaded(Message):
    """A fresh snapshot of every job, read from the store by a worker thread."""

    def __init__(self, records: list[JobRecord]) -> None:
        super().__init__()
        self.records = records

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
