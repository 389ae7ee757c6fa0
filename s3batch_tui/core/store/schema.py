"""The store's schema, one migration per version (`PRAGMA user_version`)."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: first schema.
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        operation TEXT NOT NULL,
        description TEXT,
        priority INTEGER NOT NULL,
        status TEXT NOT NULL,
        status_reason TEXT,
        requested TEXT,
        failure_reasons TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        terminated_at REAL,
        total_tasks INTEGER,
        skipped_rows INTEGER NOT NULL DEFAULT 0,
        manifest_identity TEXT,
        succeeded INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        active_seconds REAL NOT NULL DEFAULT 0,
        watermark INTEGER NOT NULL DEFAULT 0,
        done_above TEXT NOT NULL DEFAULT '[]',
        resume_point TEXT,
        staging_lengths TEXT NOT NULL DEFAULT '{}',
        report_location TEXT,
        lease_owner TEXT,
        lease_expires REAL
    );
    CREATE TABLE status_history (
        job_id TEXT NOT NULL REFERENCES jobs(id),
        status TEXT NOT NULL,
        at REAL NOT NULL,
        reason TEXT
    );
    CREATE INDEX status_history_job ON status_history(job_id, at);
    CREATE TABLE failures (
        job_id TEXT NOT NULL REFERENCES jobs(id),
        ordinal INTEGER NOT NULL,
        bucket TEXT NOT NULL,
        raw_key TEXT NOT NULL,
        version_id TEXT,
        http_status INTEGER NOT NULL,
        error_code TEXT NOT NULL,
        message TEXT NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (job_id, ordinal)
    );
    """,
    # 2: ClientRequestToken idempotency (the token and a hash of the request, one job per
    # token) and when a job was suspended (DescribeJob's SuspendedDate; Suspended jobs expire).
    """
    ALTER TABLE jobs ADD COLUMN client_token TEXT;
    ALTER TABLE jobs ADD COLUMN body_hash TEXT;
    ALTER TABLE jobs ADD COLUMN suspended_at REAL;
    CREATE UNIQUE INDEX jobs_client_token ON jobs(client_token) WHERE client_token IS NOT NULL
    """,
    # 3: what a runner publishes while it runs (effective rate, outage), as JSON.
    "ALTER TABLE jobs ADD COLUMN runtime TEXT;",
    # 4: the history mirror of jobs seen on S3 Control backends (AWS forgets them after 90
    # days). Their ids are another namespace than local jobs', so they have their own table,
    # keyed by the backend (account, region, endpoint; never credentials) and the job id.
    # `described` is the last DescribeJob answer as JSON; `last_seen` the last time any
    # answer showed the job, `changed_at` the last time what it showed changed.
    """
    CREATE TABLE control_jobs (
        backend TEXT NOT NULL,
        job_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        status TEXT NOT NULL,
        status_reason TEXT,
        priority INTEGER,
        operation TEXT,
        description TEXT,
        total_tasks INTEGER,
        succeeded INTEGER,
        failed INTEGER,
        created_at REAL,
        terminated_at REAL,
        report_location TEXT,
        manifest_location TEXT,
        described TEXT,
        changed_at REAL NOT NULL,
        last_seen REAL NOT NULL,
        PRIMARY KEY (backend, job_id)
    );
    CREATE INDEX control_jobs_id ON control_jobs(job_id)
    """,
]
