"""CSV manifests (`S3BatchOperations_CSV_20180820`) read from local files."""

from __future__ import annotations

import hashlib
import json
import tracemalloc

import pytest

from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest import location
from s3batch_tui.core.manifest.csv_source import CsvManifest
from s3batch_tui.core.manifest.open import open_manifest
from s3batch_tui.core.spec import Manifest, ManifestLocation


@pytest.fixture
def write(tmp_path):
    """Write manifest bytes to a file; return (reader, path as errors name it)."""

    def _write(content: bytes | str, fields: list[str] | None = None) -> tuple[CsvManifest, str]:
        path = tmp_path / "manifest.csv"
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return CsvManifest(ManifestLocation(object_arn=f"file://{path}"), fields), str(path)

    return _write


def error_of(source: CsvManifest) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        source.validate()
    return caught.value


def rows(source: CsvManifest) -> list[tuple[str, str, str | None, str]]:
    return [(e.bucket, e.key, e.version_id, e.raw_key) for e in source.entries()]


# --- Reading --------------------------------------------------------------------------


def test_keys_are_url_decoded_plus_is_space_and_raw_key_is_kept(write):
    source, _ = write("my-bucket,photos/a+b%2Bc.jpg\nmy-bucket,caf%C3%A9/%E2%82%AC.txt\n")
    assert rows(source) == [
        ("my-bucket", "photos/a b+c.jpg", None, "photos/a+b%2Bc.jpg"),
        ("my-bucket", "café/€.txt", None, "caf%C3%A9/%E2%82%AC.txt"),
    ]


def test_third_column_is_the_version_id(write):
    source, _ = write("my-bucket,a,v1\nmy-bucket,b,v2")
    assert [(e.key, e.version_id) for e in source.entries()] == [("a", "v1"), ("b", "v2")]


def test_fields_give_the_column_order(write):
    source, _ = write("x,k%20one,my-bucket,v9\n", fields=["Ignore", "Key", "Bucket", "VersionId"])
    assert rows(source) == [("my-bucket", "k one", "v9", "k%20one")]


def test_crlf_line_endings_and_a_missing_final_newline_are_fine(write):
    source, _ = write("my-bucket,a\r\nmy-bucket,b\r\nmy-bucket,c")
    assert [e.key for e in source.entries()] == ["a", "b", "c"]


def test_quoted_fields_are_accepted(write):
    source, _ = write('"my-bucket","a,b"\nmy-bucket,"say ""hi"""\n')
    assert [e.key for e in source.entries()] == ["a,b", 'say "hi"']


def test_ordinals_count_rows_and_positions_are_line_offsets(write):
    content = "my-bucket,a\r\nmy-bucket,bb\nmy-bucket,ccc\n"
    source, _ = write(content)
    entries = list(source.entries())
    assert [e.ordinal for e in entries] == [0, 1, 2]
    assert [e.position for e in entries] == [0, 13, 26]


def test_a_bucket_row_after_the_first_is_data_not_a_header(write):
    source, _ = write("my-bucket,a\nbucket,key\n")
    assert rows(source)[1] == ("bucket", "key", None, "key")


def test_validate_counts_tasks_and_records_the_sha256(write, tmp_path):
    source, path = write("my-bucket,a\nmy-bucket,b\n")
    summary = source.validate()
    assert summary.total_tasks == 2
    assert summary.identity.location == f"file://{path}"
    assert summary.identity.sha256 == hashlib.sha256((tmp_path / "manifest.csv").read_bytes()).hexdigest()


def test_open_manifest_picks_the_csv_reader(write, tmp_path):
    write("my-bucket,a\n")
    manifest = Manifest.model_validate(
        {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": f"file://{tmp_path / 'manifest.csv'}"},
        }
    )
    source = open_manifest(manifest, None)
    assert isinstance(source, CsvManifest) and source.validate().total_tasks == 1


# --- Resume ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 3, 5])
def test_resume_from_an_entry_gives_the_tail_of_a_full_read(write, n):
    source, _ = write(
        "my-bucket,key-0%20x,v0\r\n"
        '"my-bucket","key-1,quoted",v1\r\n'
        "my-bucket,caf%C3%A9-2,v2\n"
        "my-bucket,key-3,v3\n"
        "my-bucket,key+4,v4\n"
        "my-bucket,key-5,v5"
    )
    full = list(source.entries())
    position = json.loads(json.dumps(full[n].position))  # positions survive a trip through the store
    assert list(source.entries(start=position, start_ordinal=n)) == full[n:]


def test_errors_after_a_resume_name_the_right_line(write):
    source, path = write("my-bucket,a\nmy-bucket,b\nmy-bucket,%zz\n")
    entries = []
    with pytest.raises(ManifestError) as caught:
        for entry in source.entries():
            entries.append(entry)
    with pytest.raises(ManifestError) as resumed:
        list(source.entries(start=entries[1].position, start_ordinal=1))
    assert resumed.value.where == caught.value.where == f"{path} line 3 column 11"


# --- Malformed manifests: each names file, line and column ----------------------------


def test_a_capitalised_header_row_is_an_invalid_bucket_on_line_1(write):
    error = error_of(write("Bucket,Key\nmy-bucket,a\n")[0])
    assert error.where.endswith("manifest.csv line 1 column 1")
    assert "invalid bucket name 'Bucket'" in error.what and "looks like a header" in error.what


def test_a_first_row_bucket_key_is_an_object_in_bucket_bucket(write):
    source, _ = write("bucket,key\nmy-bucket,a\n")
    assert rows(source) == [("bucket", "key", None, "key"), ("my-bucket", "a", None, "a")]
    assert source.validate().total_tasks == 2


def test_a_header_with_other_column_names_is_an_invalid_bucket(write):
    error = error_of(write("BucketName,ObjectKey\nmy-bucket,a\n")[0])
    assert "invalid bucket name 'BucketName'" in error.what and "looks like a header" in error.what


def test_a_header_with_more_columns_is_a_column_count_error(write):
    error = error_of(write("bucket,key,versionId,size\nmy-bucket,a,v1\n")[0])
    assert error.what.startswith("expected 2 or 3 columns") and "looks like a header" in error.what


def test_an_invalid_first_row_of_data_gets_no_header_hint(write):
    error = error_of(write("My_Bucket,photos/a.jpg\n")[0])
    assert "invalid bucket name" in error.what and "header" not in error.what


def test_a_byte_order_mark_is_refused(write):
    source, path = write(b"\xef\xbb\xbfmy-bucket,a\n")
    error = error_of(source)
    assert error.where == f"{path} line 1 column 1"
    assert "byte-order mark" in error.what


def test_a_blank_line_is_refused(write):
    source, path = write("my-bucket,a\n\nmy-bucket,b\n")
    error = error_of(source)
    assert error.where == f"{path} line 2 column 1"
    assert "blank line" in error.what


def test_two_newlines_at_the_end_is_a_blank_line(write):
    source, path = write("my-bucket,a\r\n\r\n")
    assert error_of(source).where == f"{path} line 2 column 1"


def test_too_many_columns(write):
    source, path = write("my-bucket,a\nmy-bucket,b,v1,extra\n")
    error = error_of(source)
    assert error.where == f"{path} line 2 column 16"
    assert error.what == "expected 2 or 3 columns (Bucket, Key[, VersionId]), got 4"


def test_too_few_columns(write):
    source, path = write("my-bucket,a\nmy-bucket\n")
    error = error_of(source)
    assert error.where == f"{path} line 2 column 10"
    assert error.what == "expected 2 or 3 columns (Bucket, Key[, VersionId]), got 1"


def test_column_count_must_match_fields(write):
    source, path = write("my-bucket,a,x\nmy-bucket,b\n", fields=["Bucket", "Key", "Ignore"])
    error = error_of(source)
    assert error.where == f"{path} line 2 column 12"
    assert error.what == "expected 3 columns (Bucket, Key, Ignore), got 2"


def test_a_bad_percent_escape_is_refused(write):
    source, path = write("my-bucket,a\nmy-bucket,dir/%zz.txt\n")
    error = error_of(source)
    assert error.where == f"{path} line 2 column 15"
    assert "bad percent-escape '%zz'" in error.what


def test_a_truncated_percent_escape_is_refused(write):
    source, path = write("my-bucket,abc%4\n")
    error = error_of(source)
    assert error.where == f"{path} line 1 column 14"
    assert "bad percent-escape '%4'" in error.what


def test_escapes_that_decode_to_invalid_utf8_are_refused(write):
    source, path = write("my-bucket,a%FFb\n")
    error = error_of(source)
    assert error.where == f"{path} line 1 column 11"
    assert "invalid UTF-8" in error.what


def test_invalid_utf8_names_the_byte_column(write):
    source, path = write(b"my-bucket,a\nmy-bucket,ab\xffc\n")
    error = error_of(source)
    assert error.where == f"{path} line 2 column 13"
    assert "invalid UTF-8" in error.what and "0xff" in error.what


def test_a_key_over_1024_bytes_once_decoded_is_refused(write):
    source, path = write("my-bucket,ok\nmy-bucket," + "%C3%A9" * 513 + "\n")
    error = error_of(source)
    assert error.where == f"{path} line 2 column 11"
    assert "1,026 bytes" in error.what and "1,024" in error.what


def test_a_key_of_exactly_1024_bytes_is_fine(write):
    source, _ = write("my-bucket," + "%C3%A9" * 512 + "\n")
    assert len(next(source.entries()).key.encode()) == 1024


def test_an_empty_bucket_is_refused(write):
    source, path = write("my-bucket,a\n,b\n")
    error = error_of(source)
    assert error.where == f"{path} line 2 column 1"
    assert error.what == "empty bucket name"


def test_an_empty_key_is_refused(write):
    source, path = write("my-bucket,\n")
    error = error_of(source)
    assert error.where == f"{path} line 1 column 11"
    assert error.what == "empty key"


def test_an_invalid_bucket_name_is_refused(write):
    source, path = write("my-bucket,a\nmy-bucket,b\nMy_Bucket,c\n")
    error = error_of(source)
    assert error.where == f"{path} line 3 column 1"
    assert "invalid bucket name 'My_Bucket'" in error.what


def test_an_empty_manifest_is_refused(write):
    source, path = write("")
    error = error_of(source)
    assert error.where == path
    assert "empty manifest" in error.what


def test_mixed_version_columns_name_the_first_offending_line(write):
    source, path = write("my-bucket,a\nmy-bucket,b\nmy-bucket,c,v1\nmy-bucket,d,v2\n")
    error = error_of(source)
    assert error.where == f"{path} line 3 column 13"
    assert "mixed version columns" in error.what and "line 1 has no version id" in error.what


def test_an_empty_version_id_among_versioned_rows_is_mixed(write):
    source, path = write("my-bucket,a,v1\nmy-bucket,b,\n")
    error = error_of(source)
    assert error.where == f"{path} line 2 column 13"
    assert "mixed version columns: line 1 has version id but this line has none" in error.what


def test_an_unterminated_quote_is_refused(write):
    source, path = write('my-bucket,"abc\n')
    error = error_of(source)
    assert error.where == f"{path} line 1 column 11"
    assert "unterminated" in error.what


def test_a_line_without_end_is_refused_without_buffering_it(write, monkeypatch):
    monkeypatch.setattr(location, "CHUNK_SIZE", 4096)
    source, path = write("my-bucket,a\n" + "x" * 200_000)
    error = error_of(source)
    assert error.where == f"{path} line 2 column 1"
    assert "line longer than" in error.what


def test_a_missing_file_is_refused(tmp_path):
    source = CsvManifest(ManifestLocation(object_arn=f"file://{tmp_path}/nope.csv"))
    error = error_of(source)
    assert error.where == f"{tmp_path}/nope.csv" and error.what == "no such file"


# --- Many errors at once ---------------------------------------------------------------


def test_scan_collects_errors_and_counts_the_good_rows(write):
    source, path = write("my-bucket,a\n,b\nmy-bucket,%zz\nmy-bucket,c\n\nmy-bucket,d\n")
    result = source.scan(max_errors=20)
    assert result.total_tasks == 3 and result.complete and not result.ok
    assert [e.where.removeprefix(path) for e in result.errors] == [
        " line 2 column 1",
        " line 3 column 11",
        " line 5 column 1",
    ]


def test_scan_stops_at_max_errors(write):
    source, _ = write("".join(f"my-bucket,bad{i}%\n" for i in range(10)))
    result = source.scan(max_errors=3)
    assert len(result.errors) == 3 and not result.complete


def test_scan_of_a_good_manifest_has_its_summary(write):
    source, _ = write("my-bucket,a\n")
    result = source.scan()
    assert result.ok and result.summary().total_tasks == 1 and result.identity.sha256


# --- Memory -----------------------------------------------------------------------------


def _peak_while_reading(source: CsvManifest, read) -> int:
    tracemalloc.start()
    try:
        read(source)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("read", [lambda s: sum(1 for _ in s.entries()), lambda s: s.scan().total_tasks])
def test_memory_stays_flat_whatever_the_size(write, monkeypatch, read):
    """Peak memory is a few chunks' worth (blocks are checked whole), not a function of the file."""
    monkeypatch.setattr(location, "CHUNK_SIZE", 16 * 1024)
    peaks = []
    for rows_count in (15_000, 60_000):  # ~730 kB and ~2.9 MB
        source, _ = write("".join(f"my-bucket,some/longish/prefix/object-{i:08d}.dat\n" for i in range(rows_count)))
        peaks.append(_peak_while_reading(source, read))
    assert peaks[1] < 16 * 16 * 1024
    assert peaks[1] < peaks[0] * 1.2
