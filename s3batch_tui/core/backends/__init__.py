"""Where jobs live: the local store and engine, or an S3 Control endpoint (AWS, `serve`)."""

from s3batch_tui.core.backends.base import ACTIONS, Backend, Capabilities, Unsupported
from s3batch_tui.core.backends.s3control import S3ControlBackend
from s3batch_tui.core.errors import BackendUnreachable

__all__ = ["ACTIONS", "Backend", "BackendUnreachable", "Capabilities", "S3ControlBackend", "Unsupported"]
