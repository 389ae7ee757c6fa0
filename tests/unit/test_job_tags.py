"""Job tag rules (AWS S3TagSet limits) and replacing a job's tags in the store."""

from __future__ import annotations

import pytest

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.job_tags import TooManyTags, check_tags, get_tags, parse_tag_args, put_tags
from s3batch_tui.core.spec import parse_job_spec
from s3batch_tui.core.store import Store

SPEC = """{"Operation": {"S3DeleteObjectTagging": {}}, "Report": {"Enabled": false},
 "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
              "Location": {"ObjectArn": "file:///tmp/m.csv"}}, "Tags": [{"Key": "a", "Value": "1"}]}"""


def test_accepted_tags_keep_their_order():
    tags = [{"Key": "b", "Value": ""}, {"Key": "Ünïcode key 1", "Value": "x/y:z=+-@._"}]
    assert check_tags(tags) == tags
    assert check_tags([{"Key": "k" * 128, "Value": "v" * 256}])[0]["Key"] == "k" * 128


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([{"Key": "", "Value": "v"}], "Tags[0]: Key must be 1-128"),
        ([{"Key": "k" * 129, "Value": "v"}], "Tags[0]: Key must be 1-128"),
        ([{"Key": "k", "Value": "v" * 257}], "Tags[0]: Value must be 0-256"),
        ([{"Key": "semi;colon", "Value": "v"}], "Tags[0]: Key must be"),
        ([{"Key": "k", "Value": "tab\there"}], "Tags[0]: Value must be"),
        ([{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}], "Tags[1]: the key 'k' appears twice"),
        ([{"Key": "k"}], "Tags[0]: each tag needs a Key and a Value"),
    ],
)
def test_refused_tags_name_the_tag(tags, expected):
    with pytest.raises(InputError) as caught:
        check_tags(tags)
    assert str(caught.value).startswith(expected)


def test_at_most_fifty():
    assert len(check_tags([{"Key": f"k{i}", "Value": ""} for i in range(50)])) == 50
    with pytest.raises(TooManyTags) as caught:
        check_tags([{"Key": f"k{i}", "Value": ""} for i in range(51)])
    assert caught.value.code == "TooManyTagsException"


def test_parse_tag_args():
    assert parse_tag_args(["team=data", "empty=", "eq=a=b"]) == [
        {"Key": "team", "Value": "data"}, {"Key": "empty", "Value": ""}, {"Key": "eq", "Value": "a=b"}]  # fmt: skip
    with pytest.raises(InputError, match="--set: expected KEY=VALUE"):
        parse_tag_args(["novalue"])


def test_put_replaces_the_stored_tags_and_keeps_the_rest_of_the_spec(tmp_path):
    store = Store(tmp_path / "jobs.sqlite3")
    store.create_job("job-1", parse_job_spec(SPEC))
    assert get_tags(store, "job-1") == [{"Key": "a", "Value": "1"}]
    put_tags(store, "job-1", [{"Key": "b", "Value": "2"}, {"Key": "c", "Value": "3"}])
    assert get_tags(store, "job-1") == [{"Key": "b", "Value": "2"}, {"Key": "c", "Value": "3"}]
    put_tags(store, "job-1", [])
    record = store.get("job-1")
    assert get_tags(store, "job-1") == [] and record.spec.tags is None
    assert record.spec.operation.name == "S3DeleteObjectTagging"
    with pytest.raises(InputError):
        put_tags(store, "job-1", [{"Key": "x", "Value": "bad;"}])
    assert get_tags(store, "job-1") == []


def test_cli_job_tags_reads_sets_and_deletes(tmp_path, capsys):
    from s3batch_tui.cli import main

    store = Store(tmp_path / "jobs.sqlite3")
    store.create_job("abcdef-1", parse_job_spec(SPEC))
    base = ["--data-dir", str(tmp_path), "job", "tags", "abcdef"]
    assert main(base) == 0 and capsys.readouterr().out == "a=1\n"
    assert main([*base, "--set", "team=data", "--set", "x=y=z"]) == 0
    assert capsys.readouterr().out == "team=data\nx=y=z\n"
    assert main([*base, "--set", "bad;key=1"]) == 2
    assert "--set[0]: Key must be" in capsys.readouterr().err
    assert main([*base, "--delete-all", "--json"]) == 0
    assert capsys.readouterr().out == '{\n  "Tags": []\n}\n'
    assert get_tags(store, "abcdef-1") == []
