"""A local manifest is hashed once, in Preparing; later runs trust its stat while it matches."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import pytest

from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest import location
from s3batch_tui.core.manifest.csv_source import CsvManifest
from s3batch_tui.core.manifest.unchanged import verify_unchanged
from s3batch_tui.core.spec import ManifestLocation


def prepared(path: Path) -> tuple[ManifestLocation, dict]:
    where = ManifestLocation(object_arn=f"file://{path}")
    identity = asdict(CsvManifest(where).validate().identity)
    return where, {k: v for k, v in identity.items() if v is not None}  # as the job stores it


def bytes_read() -> int:
    """Bytes this process has read through read(2) so far (Linux)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


@pytest.fixture
def manifest(tmp_path) -> Path:
    path = tmp_path / "m.csv"
    path.write_text("".join(f"my-bucket,key-{i:07d}\n" for i in range(100_000)))  # ~2 MB
    return path


@pytest.fixture
def settled(monkeypatch):
    """Files written by the test count as settled (normally they must be a second old)."""
    monkeypatch.setattr(location, "RACY_SECONDS", 0)


def test_a_file_changed_just_now_gets_no_fingerprint(manifest):
    _, identity = prepared(manifest)
    assert identity["sha256"] and "file_stat" not in identity


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs /proc/self/io to count bytes read")
def test_an_unchanged_file_is_not_read_again(manifest, settled):
    where, identity = prepared(manifest)
    assert identity["file_stat"].startswith(f"{manifest.stat().st_size} bytes")
    before = bytes_read()
    verify_unchanged(where, identity)
    assert bytes_read() - before < 100_000  # the file is ~2 MB: it was not hashed again
    verify_unchanged(where, {k: v for k, v in identity.items() if k != "file_stat"})
    assert bytes_read() - before > manifest.stat().st_size  # without a fingerprint it is


def test_a_touched_but_identical_file_still_passes(manifest, settled):
    where, identity = prepared(manifest)
    status = manifest.stat()
    os.utime(manifest, ns=(status.st_atime_ns, status.st_mtime_ns + 10**9))
    verify_unchanged(where, identity)


def test_a_same_size_edit_is_caught(manifest, settled):
    where, identity = prepared(manifest)
    content = manifest.read_bytes()
    manifest.write_bytes(content.replace(b"key-0000001", b"key-9999999"))
    with pytest.raises(ManifestError) as caught:
        verify_unchanged(where, identity)
    assert caught.value.code == "ManifestChanged" and identity["sha256"] in caught.value.what


def test_a_vanished_file_is_an_error_naming_it(manifest, settled):
    where, identity = prepared(manifest)
    manifest.unlink()
    with pytest.raises(ManifestError) as caught:
        verify_unchanged(where, identity)
    assert caught.value.where == str(manifest)
