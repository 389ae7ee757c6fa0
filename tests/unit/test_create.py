"""ClientRequestToken idempotency: the same request once, a different one refused."""

from __future__ import annotations

import json

import pytest

from s3batch_tui.cli import main
from s3batch_tui.core.create import create_job
from s3batch_tui.core.errors import IdempotencyConflict, InputError
from s3batch_tui.core.spec import parse_job_spec
from tests.unit.conftest import SPEC_JSON

TOKENED = json.loads(SPEC_JSON) | {"ClientRequestToken": "tok-1", "Description": "first"}


def _spec(**changes):
    return parse_job_spec(json.dumps(TOKENED | changes))


def test_the_same_token_and_body_return_the_same_job(store):
    first = create_job(store, _spec())
    assert create_job(store, _spec()) == first
    assert [r.id for r in store.list()] == [first]


def test_the_same_token_with_another_body_is_refused_and_stores_nothing(store):
    first = create_job(store, _spec())
    with pytest.raises(IdempotencyConflict) as caught:
        create_job(store, _spec(Description="second"))
    assert caught.value.code == "IdempotencyException" and caught.value.where == "ClientRequestToken"
    assert first in str(caught.value)
    assert [r.id for r in store.list()] == [first]


def test_other_tokens_or_no_token_make_new_jobs(store):
    ids = {create_job(store, _spec()), create_job(store, _spec(ClientRequestToken="tok-2"))}
    untokened = parse_job_spec(SPEC_JSON)
    ids |= {create_job(store, untokened), create_job(store, untokened)}
    assert len(ids) == 4 and len(store.list()) == 4


def test_the_token_survives_a_reopened_store(store, tmp_path):
    first = create_job(store, _spec())
    reopened = type(store)(store.path)
    assert create_job(reopened, _spec()) == first
    with pytest.raises(IdempotencyConflict):
        create_job(reopened, _spec(Priority=3))


def test_cli_job_create_is_idempotent_and_a_conflict_exits_two(tmp_path, capsys):
    job = tmp_path / "job.json"
    job.write_text(json.dumps(TOKENED))
    argv = ["--data-dir", str(tmp_path / "data"), "job", "create", str(job)]
    assert main(argv) == 0
    first = capsys.readouterr().out.strip()
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == first
    job.write_text(json.dumps(TOKENED | {"Description": "changed"}))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "ClientRequestToken" in err and "IdempotencyException" in err and first in err


def test_cli_run_of_a_token_whose_job_ended_reports_that_job_and_runs_nothing(tmp_path, capsys):
    job = tmp_path / "job.json"
    job.write_text(json.dumps(TOKENED))
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "job", "create", str(job)]) == 0
    job_id = capsys.readouterr().out.strip()
    assert main([*data, "job", "cancel", job_id]) == 0
    capsys.readouterr()
    assert main([*data, "run", str(job)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == job_id and "Status: Cancelled" in out


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([{"Key": f"k{i}", "Value": "v"} for i in range(51)], "51"),
        ([{"Key": "team", "Value": "a"}, {"Key": "team", "Value": "b"}], "Tags[1]: the key 'team' appears twice"),
    ],
    ids=["51-tags", "duplicate-key"],
)
def test_tags_the_model_allows_but_aws_refuses_store_nothing(store, tags, expected):
    spec = parse_job_spec(json.dumps(json.loads(SPEC_JSON) | {"Tags": tags}))  # the model has no such limits
    with pytest.raises(InputError) as caught:
        create_job(store, spec)
    assert expected in str(caught.value)
    assert store.list() == []
