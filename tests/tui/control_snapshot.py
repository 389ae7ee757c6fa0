"""Fixed S3 Control answers for snapshots and screenshots of the TUI on an S3 Control backend.

The request path (ListJobs, DescribeJob, back-off) is tested against a real `serve` in
test_control_backend.py; pictures need the same ids and dates every time, so here the
backend answers from fixed dicts in S3 Control's shapes.
"""

from __future__ import annotations

import datetime as dt

from s3batch_tui.core.backends.base import Backend
from s3batch_tui.core.backends.s3control import AWS_CAPABILITIES
from s3batch_tui.core.errors import JobNotFound

ACCOUNT = "111122223333"
DAY = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
JOBS = [  # (id, status, description, operation, priority, total, succeeded, failed, hours before, active seconds)
    ("a1b2c3d4-1111-4000-8000-000000000001", "Active", "Tag 2025 invoices", "S3PutObjectTagging", 50,
     2_400_000, 1_130_412, 88, 1, 2_290),
    ("b2c3d4e5-2222-4000-8000-000000000002", "Suspended", "Copy to the archive account", "S3PutObjectCopy", 30,
     860_000, 0, 0, 2, 0),
    ("c3d4e5f6-3333-4000-8000-000000000003", "Complete", "Restore Q3 from Glacier", "S3InitiateRestoreObject", 10,
     120_000, 119_204, 796, 20, 5_412),
    ("d4e5f6a7-4444-4000-8000-000000000004", "Failed", "Lambda thumbnails", "LambdaInvoke", 10,
     40_000, 310, 1_690, 26, 95),
]  # fmt: skip
OPERATIONS = {
    "S3PutObjectTagging": {"S3PutObjectTagging": {"TagSet": [{"Key": "retention", "Value": "7y"}]}},
    "S3PutObjectCopy": {"S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::archive-account-copy",
                                            "StorageClass": "GLACIER_IR"}},
    "S3InitiateRestoreObject": {"S3InitiateRestoreObject": {"ExpirationInDays": 7, "GlacierJobTier": "BULK"}},
    "LambdaInvoke": {"LambdaInvoke": {"FunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:thumbs"}},
}  # fmt: skip


def _descriptor(job) -> dict:
    job_id, status, description, operation, priority, total, ok, failed, hours, active = job
    answer = {
        "JobId": job_id, "Description": description, "Operation": operation, "Priority": priority,
        "Status": status, "CreationTime": DAY - dt.timedelta(hours=hours),
        "ProgressSummary": {"TotalNumberOfTasks": total, "NumberOfTasksSucceeded": ok, "NumberOfTasksFailed": failed,
                            "Timers": {"ElapsedTimeInActiveSeconds": active}},
    }  # fmt: skip
    if status in ("Complete", "Failed"):
        answer["TerminationDate"] = DAY - dt.timedelta(hours=hours - 2)
    return answer


def _job(job) -> dict:
    answer = _descriptor(job)
    job_id, status = job[0], job[1]
    answer |= {
        "JobArn": f"arn:aws:s3:us-east-1:{ACCOUNT}:job/{job_id}",
        "Operation": OPERATIONS[job[3]], "ConfirmationRequired": status == "Suspended",
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                     "Location": {"ObjectArn": "arn:aws:s3:::finance-manifests/2025/invoices.csv",
                                  "ETag": "60e460c9d1046e73f7dde5043ac3ae85"}},
        "Report": {"Bucket": "arn:aws:s3:::finance-reports", "Format": "Report_CSV_20180820", "Enabled": True,
                   "Prefix": "batch", "ReportScope": "AllTasks"},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/batch-operations",
        "StatusUpdateReason": "" if status == "Suspended" else None,
    }  # fmt: skip
    if status == "Suspended":
        answer |= {"SuspendedDate": answer["CreationTime"] + dt.timedelta(minutes=3),
                   "SuspendedCause": "Job requires confirmation before it can run"}  # fmt: skip
    if status == "Failed":
        answer["FailureReasons"] = [{"FailureCode": "JobFailedThreshold",
                                     "FailureReason": "More than 50% of the first 1,000 tasks failed"}]  # fmt: skip
    return {k: v for k, v in answer.items() if v is not None}


class FixedControlBackend(Backend):
    """An S3 Control backend that always answers the same jobs (for pictures, not for behaviour)."""

    capabilities = AWS_CAPABILITIES
    label = f"AWS {ACCOUNT} us-east-1"

    def list_jobs(self) -> list[dict]:
        return [_descriptor(job) for job in JOBS]

    def describe(self, job_id: str) -> dict:
        for job in JOBS:
            if job[0] == job_id:
                return _job(job)
        raise JobNotFound(job_id)

    def get_tags(self, job_id: str) -> list[dict[str, str]]:
        return [{"Key": "team", "Value": "finance"}, {"Key": "ticket", "Value": "FIN-2231"}]

    def _refuse(self, *args, **kwargs):
        raise AssertionError("pictures only: this backend takes no actions")

    create = cancel = confirm = set_priority = put_tags = _refuse
