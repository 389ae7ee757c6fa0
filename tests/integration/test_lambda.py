"""LambdaInvoke against moto's Lambda (no Docker: echo or canned answers) and local handlers.

moto's simple Lambda returns the request payload unchanged (an echo), or pops the next
answer queued with `POST /moto-api/static/lambda-simple/response`. The queue is
per server, so every test queues exactly the answers it consumes, one invocation at a
time. An answer larger than 6 MB makes moto reply as AWS does to an oversized
response: a function error (`X-Amz-Function-Error: Unhandled`).
"""

from __future__ import annotations

import io
import json
import urllib.request
import uuid
import zipfile
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from s3batch_tui.cli import main
from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations import registry
from s3batch_tui.core.operations.base import OperationContext
from s3batch_tui.core.operations.lambda_invoke import (
    AwsLambdaInvoker,
    LambdaInvokeOperation,
    build_event,
    task_id,
)
from s3batch_tui.core.report import open_report
from s3batch_tui.core.spec import LambdaInvoke, load_job_spec

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = ["lambda-invoke.json", "lambda-invoke-local.json"]
TAG_CHECKER = REPO / "examples" / "handlers" / "tag_checker.py"
JOB_ID = "lambda-test-job"


def post(server, path: str, body: dict) -> None:
    request = urllib.request.Request(
        server.endpoint_url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status in (200, 201)


def queue(server, *answers: str | dict) -> None:
    """Queue moto's next Lambda answers (dicts are sent as JSON text)."""
    texts = [a if isinstance(a, str) else json.dumps(a) for a in answers]
    post(server, "/moto-api/static/lambda-simple/response", {"results": texts, "region": server.region})


@pytest.fixture(scope="module")
def function(moto_server) -> tuple[object, str]:
    """(lambda client, function ARN) of a function on moto, without Docker."""
    post(moto_server, "/moto-api/config", {"lambda": {"use_docker": False}})
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
    name = f"batch-checker-{uuid.uuid4().hex[:8]}"
    role = moto_server.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    client = moto_server.client("lambda")
    created = client.create_function(
        FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
        Handler="handler.handler", Code={"ZipFile": code.getvalue()},
    )  # fmt: skip
    return client, created["FunctionArn"]


def operation(function, **params) -> LambdaInvokeOperation:
    client, arn = function
    spec = LambdaInvoke(function_arn=arn, **params)
    return LambdaInvokeOperation(spec, OperationContext(s3=None, job_id=JOB_ID, make_client=lambda service: client))


def entry(ordinal: int = 0, key: str = "photos/a b+c.jpg", version: str | None = None) -> ManifestEntry:
    return ManifestEntry(ordinal, "bkt", key, version, quote_plus(key, safe="/"))


def answer(ordinal: int, code: str, message: str, **extra) -> dict:
    """A function's answer for the task of `entry(ordinal)`."""
    return {"invocationSchemaVersion": "1.0", "invocationId": "x", **extra,
            "results": [{"taskId": task_id(JOB_ID, ordinal), "resultCode": code, "resultString": message}]}  # fmt: skip


def no_wait() -> RetryPolicy:
    return RetryPolicy(max_attempts=3, sleep=lambda _: None)


# --- AWS Lambda through boto3 (moto) -------------------------------------------------------


def test_the_function_receives_the_exact_event_and_an_echo_has_no_result(function):
    params = LambdaInvoke(function_arn=function[1], invocation_schema_version="2.0", user_arguments={"mode": "check"})
    event = build_event(params, JOB_ID, entry(3), "inv-1")
    payload, error = AwsLambdaInvoker(function[1], function[0]).invoke(json.dumps(event).encode())
    assert error is None and json.loads(payload) == event
    assert event["tasks"][0]["s3Key"] == "photos/a+b%2Bc.jpg" and event["job"]["userArguments"] == {"mode": "check"}
    # The operation's own echo: no result for the task -> TemporaryFailure, retried, still failing.
    outcome, attempts = RetryPolicy(max_attempts=2, sleep=lambda _: None).execute(operation(function), entry(3))
    assert (outcome.succeeded, outcome.error_code, outcome.http_status, attempts) == (False, "TemporaryFailure", 200, 2)
    assert outcome.message == f"Lambda returned no result for task {task_id(JOB_ID, 3)}"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("Succeeded", (True, "", "resized to 640x480")),
        ("PermanentFailure", (False, "PermanentFailure", "not an image")),
    ],
)
def test_succeeded_and_permanent_failure_answers(moto_server, function, code, expected):
    message = expected[2]
    queue(moto_server, answer(1, code, message))
    outcome, attempts = no_wait().execute(operation(function), entry(1))
    assert (outcome.succeeded, outcome.error_code, outcome.message) == expected
    assert (outcome.http_status, attempts) == (200, 1)


def test_temporary_failure_is_retried_until_it_succeeds(moto_server, function):
    queue(moto_server, answer(2, "TemporaryFailure", "database busy"), answer(2, "Succeeded", "done on retry"))
    outcome, attempts = no_wait().execute(operation(function), entry(2))
    assert (outcome.succeeded, outcome.message, attempts) == (True, "done on retry", 2)


def test_the_last_temporary_failure_string_is_reported_when_attempts_run_out(moto_server, function):
    queue(moto_server, *(answer(4, "TemporaryFailure", f"busy {n}") for n in (1, 2, 3)))
    outcome, attempts = no_wait().execute(operation(function), entry(4))
    assert (outcome.succeeded, outcome.error_code, outcome.message) == (False, "TemporaryFailure", "busy 3")
    assert attempts == 3


def test_invalid_json_fails_the_task_for_good(moto_server, function):
    queue(moto_server, "Task done!")
    outcome, attempts = no_wait().execute(operation(function), entry(5))
    assert (outcome.error_code, outcome.http_status, outcome.retryable, attempts) == ("PermanentFailure", 200, False, 1)
    assert outcome.message.startswith("Lambda returned invalid JSON: ") and "'Task done!'" in outcome.message


def test_a_function_error_fails_the_task_with_the_error_payload_as_aws_reports_it(moto_server, function):
    queue(moto_server, "x" * 6_000_001)  # moto answers an oversized response with a function error
    outcome, attempts = no_wait().execute(operation(function), entry(6))
    assert (outcome.error_code, outcome.http_status, outcome.retryable, attempts) == ("PermanentFailure", 200, False, 1)
    assert outcome.message == (
        'Lambda returned function error: {"errorMessage": "Response payload size exceeded maximum allowed payload '
        'size (6291556 bytes).", "errorType": "Function.ResponseSizeTooLarge"}'
    )


def test_user_arguments_without_schema_2_are_refused_when_the_job_is_built(function):
    with pytest.raises(InputError, match="UserArguments needs InvocationSchemaVersion 2.0"):
        operation(function, user_arguments={"a": "b"})


# --- whole jobs through the command line ---------------------------------------------------


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def write_job(tmp_path: Path, bucket: str, keys: list[str], lambda_params: dict, **extra) -> Path:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("".join(f"{bucket},{quote_plus(k, safe='/')}\n" for k in keys), encoding="utf-8")
    job = {
        "Operation": {"LambdaInvoke": lambda_params},
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                     "Location": {"ObjectArn": f"file://{manifest}"}},
        "Report": {"Enabled": True, "Bucket": f"file://{tmp_path / 'reports'}", "Format": "Report_CSV_20180820",
                   "ReportScope": "AllTasks"},
        "Priority": 10,
    } | extra  # fmt: skip
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job), encoding="utf-8")
    return path


def report_rows(capsys, job_id: str) -> dict[str, tuple]:
    code, out = run_cli(capsys, "job", "show", job_id, "--json")
    assert code == 0, out
    location = json.loads(out)["Job"]["Local"]["ReportLocation"]
    return {r.decoded_key: (r.task_status, r.http_status, r.error_code, r.result_message)
            for r in open_report(location).rows()}  # fmt: skip


@pytest.fixture
def registered(monkeypatch):
    """LambdaInvoke in the registry (idempotent once registry.py lists it)."""
    monkeypatch.setitem(registry.OPERATIONS, LambdaInvokeOperation.name, LambdaInvokeOperation)


def test_a_job_against_aws_lambda_reports_what_the_function_said(registered, moto_server, function, monkeypatch,
                                                                  tmp_path, capsys):  # fmt: skip
    for name, value in moto_server.env().items():
        monkeypatch.setenv(name, value)
    keys = ["ok.txt", "bad.txt", "silent.txt"]
    code, out = run_cli(capsys, "job", "create", str(write_job(tmp_path, "bkt", keys, {"FunctionArn": function[1]})))
    job_id = out.strip()
    assert code == 0, out
    # Tasks run concurrently, so every queued answer covers every task (each takes its own).
    everything = {"treatMissingKeysAs": "PermanentFailure", "results": [
        {"taskId": task_id(job_id, 0), "resultCode": "Succeeded", "resultString": "fine"},
        {"taskId": task_id(job_id, 1), "resultCode": "PermanentFailure", "resultString": "corrupt"},
    ]}  # fmt: skip
    queue(moto_server, *[everything] * len(keys))
    code, out = run_cli(capsys, "job", "run", job_id)
    assert code == 1, out
    assert report_rows(capsys, job_id) == {
        "ok.txt": ("succeeded", 200, "", "fine"),
        "bad.txt": ("failed", 200, "PermanentFailure", "corrupt"),
        "silent.txt": ("failed", 200, "PermanentFailure", f"Lambda returned no result for task {task_id(job_id, 2)}"),
    }


def test_the_example_tag_checker_runs_locally_on_real_objects(registered, server_env, s3, bucket, tmp_path, capsys):
    tagged = {"public/a b.txt": "public", "secret/c+d.txt": "top-secret", "untagged.txt": None}
    for key, value in tagged.items():
        s3.put_object(Bucket=bucket, Key=key, Body=b"x", Tagging=f"classification={value}" if value else "")
    params = {"FunctionArn": f"python:{TAG_CHECKER}:handler", "InvocationSchemaVersion": "2.0",
              "UserArguments": {"AllowedValues": "public,internal"}}  # fmt: skip
    job = write_job(tmp_path, bucket, [*tagged, "gone.txt"], params)
    code, out = run_cli(capsys, "run", str(job))
    assert code == 1, out
    assert report_rows(capsys, out.splitlines()[0]) == {
        "public/a b.txt": ("succeeded", 200, "", "classification=public"),
        "secret/c+d.txt": ("failed", 200, "PermanentFailure",
                           "tag classification=top-secret is not one of internal, public"),
        "untagged.txt": ("failed", 200, "PermanentFailure", "missing tag classification"),
        "gone.txt": ("failed", 200, "PermanentFailure", "NoSuchKey: The specified key does not exist."),
    }  # fmt: skip


def test_the_engine_retries_temporary_failures_up_to_max_attempts(registered, server_env, tmp_path, capsys):
    handler = tmp_path / "flaky.py"
    handler.write_text(
        "import threading\ncalls = {}\nlock = threading.Lock()\n"
        "def handler(event, context):\n"
        "    task = event['tasks'][0]\n"
        "    with lock:\n"
        "        calls[task['taskId']] = n = calls.get(task['taskId'], 0) + 1\n"
        "    code = 'Succeeded' if task['s3Key'] == 'recovers' and n == 3 else 'TemporaryFailure'\n"
        "    return {'results': [{'taskId': task['taskId'], 'resultCode': code, 'resultString': f'attempt {n}'}]}\n"
    )
    job = write_job(tmp_path, "bkt", ["recovers", "never"], {"FunctionArn": f"python:{handler}:handler"},
                    LocalOptions={"MaxAttempts": 3})  # fmt: skip
    code, out = run_cli(capsys, "run", str(job))
    assert code == 1, out
    assert report_rows(capsys, out.splitlines()[0]) == {
        "recovers": ("succeeded", 200, "", "attempt 3"),
        "never": ("failed", 200, "TemporaryFailure", "attempt 3"),
    }


def test_a_missing_handler_fails_the_job_in_preparing(registered, server_env, tmp_path, capsys):
    job = write_job(tmp_path, "bkt", ["k"], {"FunctionArn": f"python:{tmp_path}/nope.py:handler"})
    code, out = run_cli(capsys, "run", str(job))
    assert code == 2
    assert "no such handler file" in out and "LambdaInvoke.FunctionArn" in out


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_examples_load_and_the_local_one_finds_its_handler(name, monkeypatch):
    spec = load_job_spec(REPO / "examples" / name)
    assert spec.operation.name == "LambdaInvoke" and spec.operation.params.invocation_schema_version == "2.0"
    if name == "lambda-invoke-local.json":
        monkeypatch.chdir(REPO)  # its handler path is relative to the repository root
        LambdaInvokeOperation(spec.operation.params, OperationContext(s3=None, job_id="j"))
