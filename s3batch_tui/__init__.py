"""s3batch-tui: a terminal manager for S3 Batch Operations jobs."""

__version__ = "0.1.0"
