"""`s3batch-tui serve`: the S3 Control job API over the local engine (UI-free)."""
