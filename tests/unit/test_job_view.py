"""An S3 Control job as the TUI shows it: from ListJobs and DescribeJob answers, and DescribeJob in words."""

from __future__ import annotations

import datetime as dt
import time

from s3batch_tui.core.backends.view import JobView, job_facts, report_manifest_uri

CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_a_view_is_read_from_either_answer_and_keeps_what_only_describe_told():
    listed = {"JobId": "j", "Status": "Complete", "Operation": "S3PutObjectTagging", "Priority": 3,
              "CreationTime": CREATED, "ProgressSummary": {"TotalNumberOfTasks": 5, "NumberOfTasksSucceeded": 5,
                                                          "NumberOfTasksFailed": 0, "Timers": {"ElapsedTimeInActiveSeconds": 7}}}  # fmt: skip
    view = JobView.from_answer(listed)
    assert (view.operation, view.priority, view.total_tasks, view.active_seconds) == ("S3PutObjectTagging", 3, 5, 7.0)
    assert view.created_at == CREATED.timestamp() and view.details is None and view.report_location is None
    described = listed | {"Operation": {"S3PutObjectTagging": {}}, "RoleArn": "r",
                          "Report": {"Enabled": True, "Bucket": "arn:aws:s3:::b"}}  # fmt: skip
    view = JobView.from_answer(listed, JobView.from_answer(described))
    assert view.report_location == "s3://b/job-j/manifest.json" and view.details["RoleArn"] == "r"
    assert report_manifest_uri("j", {"Enabled": False}) is None
    assert JobView.from_answer(listed | {"ProgressSummary": {}}).total_tasks is None


def test_describe_job_in_words_leaves_out_what_it_does_not_say():
    job = {"JobId": "j", "Status": "Suspended", "Operation": {"S3PutObjectTagging": {}}, "Priority": 7,
           "ProgressSummary": {"TotalNumberOfTasks": 1000, "NumberOfTasksSucceeded": 0, "NumberOfTasksFailed": 0},
           "SuspendedDate": CREATED, "SuspendedCause": "needs confirmation",
           "Manifest": {"Location": {"ObjectArn": "arn:aws:s3:::m/list.csv", "ETag": "abc"}},
           "Report": {"Enabled": False}, "RoleArn": "arn:aws:iam::1:role/r", "CreationTime": CREATED,
           "FailureReasons": [{"FailureCode": "X", "FailureReason": "why"}]}  # fmt: skip
    facts = dict(job_facts(job, [{"Key": "team", "Value": "a"}]))
    assert facts["Tasks"] == "0 of 1,000 done: 0 succeeded, 0 failed"
    local_time = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(CREATED.timestamp()))  # shown in local time
    assert facts["Suspended"] == f"{local_time} needs confirmation"
    assert facts["Manifest"] == "arn:aws:s3:::m/list.csv ETag abc"
    assert facts["Report"] == "none" and facts["Failure reasons"] == "X: why" and facts["Job tags"] == "team=a"
    assert "Terminated" not in facts and "Active for" not in facts and "Status reason" not in facts
    assert dict(job_facts(job | {"ProgressSummary": {}}))["Tasks"] == "not counted yet"
