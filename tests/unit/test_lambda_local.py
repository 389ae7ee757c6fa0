"""LambdaInvoke with local Python handlers: loading, the event, and every kind of answer."""

from __future__ import annotations

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_plus

import pytest

from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext
from s3batch_tui.core.operations.lambda_invoke import LambdaInvokeOperation, outcome_from_response, task_id
from s3batch_tui.core.operations.lambda_local import load_handler
from s3batch_tui.core.spec import LambdaInvoke

HANDLERS = '''
import json
import threading

seen = []
calls = {}
lock = threading.Lock()

def capture(event, context):
    seen.append((event, context.function_name, context.aws_request_id, context.get_remaining_time_in_millis()))
    task = event["tasks"][0]
    return {"invocationSchemaVersion": event["invocationSchemaVersion"], "treatMissingKeysAs": "PermanentFailure",
            "invocationId": event["invocationId"],
            "results": [{"taskId": task["taskId"], "resultCode": "Succeeded", "resultString": task["s3Key"]}]}

def answer(event, context):
    """Answers with what the key asks for: '<code>/<message>'."""
    task = event["tasks"][0]
    code, _, message = task["s3Key"].partition("/")
    return {"results": [{"taskId": task["taskId"], "resultCode": code, "resultString": message}]}

def flaky(event, context):
    task = event["tasks"][0]
    with lock:
        calls[task["taskId"]] = calls.get(task["taskId"], 0) + 1
        attempt = calls[task["taskId"]]
    code = "Succeeded" if attempt >= 3 else "TemporaryFailure"
    return {"results": [{"taskId": task["taskId"], "resultCode": code, "resultString": f"attempt {attempt}"}]}

def boom(event, context):
    raise ValueError("no such thing")

def unserialisable(event, context):
    return {"results": {1, 2}}

def nothing(event, context):
    return None

not_callable = 42
'''


@pytest.fixture
def handler_file(tmp_path, monkeypatch):
    path = tmp_path / "handlers_under_test.py"
    path.write_text(HANDLERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    return path


def entry(key: str = "a%20b/c+d.txt", version: str | None = None, ordinal: int = 7) -> ManifestEntry:
    """An entry of bucket `bkt` whose manifest key (URL-encoded) is `key`."""
    return ManifestEntry(ordinal=ordinal, bucket="bkt", key=unquote_plus(key), version_id=version, raw_key=key)


def operation(handler_file, function: str, **params) -> LambdaInvokeOperation:
    spec = LambdaInvoke(function_arn=f"python:{handler_file}:{function}", **params)
    return LambdaInvokeOperation(spec, OperationContext(s3=None, job_id="job-1"))


def loaded(handler_file):
    """The module the operation loaded from `handler_file` (under a private name)."""
    (module,) = [m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == str(handler_file)]
    return module


# --- loading ------------------------------------------------------------------------------


def test_a_module_handler_is_imported_by_name(handler_file):
    handler = load_handler("python:handlers_under_test:boom")
    assert handler.__name__ == "boom" and handler.__module__ == "handlers_under_test"


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("python:no_such_module_xyz:handler", "cannot import 'no_such_module_xyz'"),
        ("python:/no/such/dir/handler.py:handler", "no such handler file: /no/such/dir/handler.py"),
        ("python:handlers_under_test:missing", "'handlers_under_test' has no function 'missing'"),
        ("python:handlers_under_test:not_callable", "has no function 'not_callable'"),
        ("python:handler_only", "expected python:module:function"),
    ],
)
def test_a_bad_function_arn_is_an_input_error_naming_it(handler_file, arn, expected):
    with pytest.raises(InputError) as caught:
        load_handler(arn)
    assert expected in caught.value.what
    assert arn in caught.value.where and "LambdaInvoke.FunctionArn" in caught.value.where


def test_a_module_that_fails_on_import_is_an_input_error(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('needs a database')\n")
    with pytest.raises(InputError, match="importing .* failed: RuntimeError: needs a database"):
        LambdaInvokeOperation(LambdaInvoke(function_arn=f"python:{broken}:handler"), OperationContext(None, "j"))


def test_user_arguments_need_schema_2(handler_file):
    with pytest.raises(InputError) as caught:
        operation(handler_file, "capture", user_arguments={"k": "v"})
    assert caught.value.where == "Operation.LambdaInvoke.UserArguments"
    with pytest.raises(InputError):
        operation(handler_file, "capture", invocation_schema_version="1.0", user_arguments={"k": "v"})


# --- the event ----------------------------------------------------------------------------


def test_schema_1_event_carries_the_encoded_key_and_the_bucket_arn(handler_file):
    outcome = operation(handler_file, "capture").run(entry())
    event, name, request_id, remaining = loaded(handler_file).seen[-1]
    assert outcome.succeeded and outcome.message == "a%20b/c+d.txt"
    assert event == {
        "invocationSchemaVersion": "1.0",
        "invocationId": event["invocationId"],
        "job": {"id": "job-1"},
        "tasks": [{"taskId": task_id("job-1", 7), "s3Key": "a%20b/c+d.txt", "s3VersionId": None,
                   "s3BucketArn": "arn:aws:s3:::bkt"}],
    }  # fmt: skip
    assert event["invocationId"] and name == "capture" and len(request_id) == 36
    assert 0 < remaining <= 900_000


def test_schema_2_event_carries_user_arguments_and_the_bucket_name(handler_file):
    op = operation(handler_file, "capture", invocation_schema_version="2.0", user_arguments={"tag": "x", "n": "1"})
    op.run(entry(version="v1"))
    event = loaded(handler_file).seen[-1][0]
    assert event["invocationSchemaVersion"] == "2.0"
    assert event["job"] == {"id": "job-1", "userArguments": {"tag": "x", "n": "1"}}
    assert event["tasks"] == [{"taskId": task_id("job-1", 7), "s3Key": "a%20b/c+d.txt", "s3VersionId": "v1",
                               "s3Bucket": "bkt"}]  # fmt: skip


def test_invocation_ids_are_new_each_call_task_ids_stable_per_entry(handler_file):
    op = operation(handler_file, "capture")
    op.run(entry(ordinal=1))
    op.run(entry(ordinal=1))
    op.run(entry(ordinal=2))
    events = [seen[0] for seen in loaded(handler_file).seen[-3:]]
    assert len({e["invocationId"] for e in events}) == 3
    assert [e["tasks"][0]["taskId"] for e in events] == [task_id("job-1", 1)] * 2 + [task_id("job-1", 2)]


# --- answers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("Succeeded/copied it", (True, 200, "", "copied it", False)),
        ("PermanentFailure/not an image", (False, 200, "PermanentFailure", "not an image", False)),
        ("TemporaryFailure/busy", (False, 200, "TemporaryFailure", "busy", True)),
        ("Maybe/x", (False, 200, "PermanentFailure",
                     "Lambda returned an invalid resultCode 'Maybe'; expected one of Succeeded, TemporaryFailure, "
                     "PermanentFailure", False)),
    ],
)  # fmt: skip
def test_result_codes_become_outcomes(handler_file, key, expected):
    o = operation(handler_file, "answer").run(entry(key))
    assert (o.succeeded, o.http_status, o.error_code, o.message, o.retryable) == expected


def test_an_exception_is_a_permanent_function_error_like_the_python_runtime_reports(handler_file):
    o = operation(handler_file, "boom").run(entry())
    assert (o.succeeded, o.http_status, o.error_code, o.retryable) == (False, 200, "PermanentFailure", False)
    assert o.message == 'Lambda returned function error: {"errorMessage": "no such thing", "errorType": "ValueError"}'


def test_a_value_json_cannot_encode_is_a_marshal_error(handler_file):
    o = operation(handler_file, "unserialisable").run(entry())
    assert o.error_code == "PermanentFailure"
    assert o.message.startswith('Lambda returned function error: {"errorMessage": "Unable to marshal response: ')
    assert '"errorType": "Runtime.MarshalError"' in o.message


def test_returning_nothing_is_an_invalid_response(handler_file):
    o = operation(handler_file, "nothing").run(entry())
    assert (o.error_code, o.retryable) == ("PermanentFailure", False)
    assert o.message.startswith("Lambda returned an invalid response")


def test_temporary_failures_are_retried_by_the_engine_policy_and_the_last_string_is_kept(handler_file):
    policy = RetryPolicy(max_attempts=5, sleep=lambda _: None)
    outcome, attempts = policy.execute(operation(handler_file, "flaky"), entry(ordinal=100))
    assert (outcome.succeeded, outcome.message, attempts) == (True, "attempt 3", 3)
    outcome, attempts = RetryPolicy(max_attempts=2, sleep=lambda _: None).execute(
        operation(handler_file, "flaky"), entry(ordinal=101)
    )
    assert (outcome.succeeded, outcome.error_code, outcome.message, attempts) == (
        False, "TemporaryFailure", "attempt 2", 2,
    )  # fmt: skip


def test_missing_results_follow_treat_missing_keys_as():
    ours = "T1"
    other = {"results": [{"taskId": "T2", "resultCode": "Succeeded", "resultString": "x"}]}
    o = outcome_from_response(json.dumps(other).encode(), None, ours)
    assert (o.error_code, o.retryable, o.message) == ("TemporaryFailure", True, "Lambda returned no result for task T1")
    o = outcome_from_response(json.dumps(other | {"treatMissingKeysAs": "PermanentFailure"}).encode(), None, ours)
    assert (o.error_code, o.retryable) == ("PermanentFailure", False)
    o = outcome_from_response(json.dumps({"treatMissingKeysAs": "Succeeded"}).encode(), None, ours)
    assert o.succeeded
    o = outcome_from_response(json.dumps({"treatMissingKeysAs": "Whatever"}).encode(), None, ours)
    assert "invalid treatMissingKeysAs 'Whatever'" in o.message


def test_invalid_json_and_odd_result_strings():
    o = outcome_from_response(b"<html>oops</html>", None, "T")
    assert o.error_code == "PermanentFailure" and o.message.startswith("Lambda returned invalid JSON: Expecting value")
    assert "'<html>oops</html>'" in o.message
    answer = {"results": [{"taskId": "T", "resultCode": "Succeeded", "resultString": {"size": 3}}]}
    assert outcome_from_response(json.dumps(answer).encode(), None, "T").message == '{"size": 3}'
    answer["results"][0]["resultString"] = None
    assert outcome_from_response(json.dumps(answer).encode(), None, "T").message == ""


def test_concurrent_calls_each_get_their_own_answer(handler_file):
    op = operation(handler_file, "capture")
    keys = [f"k{i}" for i in range(64)]
    barrier = threading.Barrier(8)

    def run(key):
        if key in keys[:8]:
            barrier.wait(timeout=5)  # make the first eight really overlap
        return op.run(entry(key, ordinal=int(key[1:])))

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(run, keys))
    assert [o.message for o in outcomes] == keys
