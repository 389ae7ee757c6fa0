"""The demo: an embedded S3 server seeded with sample data, and a job run on it.

No AWS account is needed: moto's S3 server runs on a free loopback port for as long
as the demo does, and the demo keeps its jobs in a store of its own (`<data dir>/demo`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from s3batch_tui.cli.context import EXIT_JOB_UNSUCCESSFUL, EXIT_OK, Context
from s3batch_tui.cli.jobs import run_to_end
from s3batch_tui.core.spec import load_job_spec
from s3batch_tui.settings import Settings

DATA_BUCKET = "demo-data"
PREFIXES = ("logs/2026/11/", "images/raw/", "reports/q4 finance/", "unicode/ünïcødé/")
MISSING_KEYS = ("logs/2026/11/deleted-yesterday.log", "images/raw/never uploaded.png")


def demo_keys(count: int) -> list[str]:
    """Realistic keys across prefixes, with spaces, unicode and `%` among them."""
    names = ("part {n:05d}.txt", "photo_{n}.jpg", "100% done {n}.csv", "résumé-{n}.pdf")
    return [PREFIXES[n % len(PREFIXES)] + names[n % len(names)].format(n=n) for n in range(count)]


def seed(client, workdir: Path, count: int) -> Path:
    """Create the demo bucket and objects; returns the local job file to run."""
    client.create_bucket(Bucket=DATA_BUCKET)
    keys = demo_keys(count)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=DATA_BUCKET, Key=key, Body=key.encode()), keys))
    manifest = workdir / "manifest.csv"
    with manifest.open("w", encoding="utf-8") as file:
        for key in [*keys, *MISSING_KEYS]:
            file.write(f"{DATA_BUCKET},{urllib.parse.quote_plus(key, safe='/')}\n")
    job = {
        "Description": f"Demo: tag {len(keys)} objects (and {len(MISSING_KEYS)} missing ones, to show failures)",
        "Priority": 10,
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "reviewed", "Value": "yes"}]}},
        "Manifest": {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": f"file://{manifest}"},
        },
        "Report": {
            "Enabled": True,
            "Bucket": f"file://{workdir / 'reports'}",
            "Format": "Report_CSV_20180820",
            "Prefix": "demo",
            "ReportScope": "AllTasks",
        },
    }
    job_file = workdir / "demo-job.json"
    job_file.write_text(json.dumps(job, indent=2, ensure_ascii=False), encoding="utf-8")
    return job_file


def run_demo(settings: Settings, count: int) -> int:
    """Start the embedded server, seed it, run the demo job; returns the exit code."""
    try:
        from s3batch_tui.servers import start_moto
    except ImportError:  # pragma: no cover - the `demo` extra is missing
        print("The demo needs moto's server: pip install 's3batch-tui[demo]'", file=sys.stderr)
        return 2
    workdir = settings.data_dir / "demo"
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"Starting an embedded S3 server and seeding {count} objects...", file=sys.stderr)
    server = start_moto()
    try:
        job_file = seed(server.client(), workdir, count)
        os.environ.update(server.env())  # the engine's boto3 clients find the server here
        args = argparse.Namespace(endpoint_url=server.endpoint_url, profile=None, region=server.region,
                                  data_dir=str(workdir / "store"), workers=8)  # fmt: skip
        ctx = Context(args)
        record = ctx.store.create_job(str(uuid.uuid4()), load_job_spec(job_file))
        print(record.id, flush=True)
        print(f"Job file: {job_file}", file=sys.stderr)
        code = run_to_end(ctx, record.id, confirm=True)
        print(f"\nSee it again with: s3batch-tui --data-dir {workdir / 'store'} job show {record.id[:8]}")
        return EXIT_OK if code in (EXIT_OK, EXIT_JOB_UNSUCCESSFUL) else code
    finally:
        server.stop()
