"""Hostile input: deep nesting and huge values give short, clear errors (issue 7 item 6)."""

from __future__ import annotations

import json
import threading

import pytest

from s3batch_tui.core.clip import ECHO_LIMIT, clip, clip_repr
from s3batch_tui.core.errors import InputError, ManifestError
from s3batch_tui.core.manifest.inventory import parse_inventory_json
from s3batch_tui.core.report.reader import open_report
from s3batch_tui.core.spec import parse_job_spec

DEEP = "[" * 200_000


def test_clip_keeps_short_values_and_cuts_long_ones_with_a_count():
    assert clip("abc") == "abc"
    assert clip("x" * ECHO_LIMIT) == "x" * ECHO_LIMIT
    assert clip("x" * 1_000) == "x" * ECHO_LIMIT + "... (800 more)"
    assert clip_repr("ab") == "'ab'"
    assert clip_repr("y" * 10_000_000) == repr("y" * ECHO_LIMIT) + "... (9,999,800 more)"
    assert clip_repr(list(range(1000))).endswith(" more)")


def test_a_deeply_nested_job_file_is_a_clear_input_error():
    with pytest.raises(InputError) as caught:
        parse_job_spec(DEEP, "deep.json")
    assert str(caught.value) == (
        "deep.json: JSON nested too deeply (arrays or objects inside each other beyond any real document)"
    )


@pytest.mark.parametrize("document", [DEEP.encode(), b'{"files":' * 100_000])
def test_a_deeply_nested_inventory_manifest_is_a_manifest_error_even_in_a_thread(document):
    caught: list[BaseException] = []

    def parse() -> None:
        try:
            parse_inventory_json(document, "s3://inv/manifest.json")
        except BaseException as exc:  # noqa: BLE001 - the test looks at whatever escaped
            caught.append(exc)

    worker = threading.Thread(target=parse)  # runners parse on their job thread
    worker.start()
    worker.join()
    (error,) = caught
    assert isinstance(error, ManifestError) and "nested too deeply" in str(error)


def test_a_deeply_nested_report_manifest_is_an_input_error(tmp_path):
    (tmp_path / "manifest.json").write_text(DEEP)
    with pytest.raises(InputError, match="nested too deeply"):
        open_report(str(tmp_path))


def test_a_ten_megabyte_object_arn_is_echoed_capped():
    job = {
        "Operation": {"S3PutObjectTagging": {"TagSet": []}},
        "Report": {"Enabled": False},
        "Manifest": {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": "z" * 10_000_000, "ETag": "e"},
        },
    }
    with pytest.raises(InputError) as caught:
        parse_job_spec(json.dumps(job), "big.json")
    message = str(caught.value)
    assert len(message) < 600
    assert "Manifest.Location.ObjectArn" in message and "more)" in message  # cut, and says so


def test_a_huge_where_is_capped_too():
    error = InputError("bad", "p" * 5_000)
    assert len(str(error)) < 300 and error.where.endswith("... (4,800 more)")


def test_a_huge_key_in_a_csv_row_is_echoed_capped(tmp_path):
    from s3batch_tui.core.manifest.csv_source import CsvManifest
    from s3batch_tui.core.spec import ManifestLocation

    manifest = tmp_path / "m.csv"
    manifest.write_text("bkt-name," + "%zz" + "k" * 100_000 + "\n")
    source = CsvManifest(ManifestLocation(object_arn=f"file://{manifest}", etag=None), ["Bucket", "Key"])
    with pytest.raises(ManifestError) as caught:
        source.validate()
    assert len(str(caught.value)) < 800 and "more)" in str(caught.value)


def test_a_huge_unknown_field_name_is_echoed_capped():
    job = {"Operation": {"S3PutObjectTagging": {"TagSet": []}}, "Report": {"Enabled": False}, "F" * 100_000: 1}
    with pytest.raises(InputError) as caught:
        parse_job_spec(json.dumps(job), "job.json")
    lines = str(caught.value).splitlines()
    assert any("F" * 200 + "... (99,800 more): unknown" in line for line in lines)
    assert max(map(len, lines)) < 600
