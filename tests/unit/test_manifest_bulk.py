"""The block reader (`bulk.py`) and the row-by-row reference agree on every manifest.

Property-based: hypothesis writes CSV text with keys in every form that matters
(unicode, spaces, `+`, `%` escapes good and bad, quotes, commas, CRLF, blank lines,
ragged rows, bad buckets, mixed version ids, invalid UTF-8, a BOM) and both readers
must yield the same entries, the same count and the same errors, word for word. Tiny
chunks and a tiny bisection floor make every block boundary and every halving happen.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest import bulk, location
from s3batch_tui.core.manifest.csv_source import CsvManifest
from s3batch_tui.core.manifest.inventory import InventoryManifest
from s3batch_tui.core.spec import ManifestLocation

BUCKETS = st.sampled_from(["my-bucket", "b.example.com", "bucket", "Bucket", "my_bucket", "", "ab", "1.2.3.4"])
KEY_TEXT = st.text(
    st.sampled_from(list("abcXYZ019/._-~ +%,\"'é€🎉東\t")) | st.characters(codec="utf-8", exclude_categories=["Cs"]),
    max_size=12,
)
# The same examples every run (CI stays reproducible); the fixture is reset by each example.
SETTINGS = {"deadline": None, "derandomize": True, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
VERSIONS = st.sampled_from(["", "", "v1", "null", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", "%zz"])


@st.composite
def keys(draw) -> str:
    """A key as a manifest writes it: encoded in one of the usual ways, or raw, or broken."""
    text = draw(KEY_TEXT)
    form = draw(st.sampled_from(["quote_plus", "quote", "raw", "escape", "long"]))
    if form == "quote_plus":
        return quote_plus(text, safe=draw(st.sampled_from(["", "/"])))
    if form == "quote":
        return quote(text, safe="/")
    if form == "escape":
        return text + draw(st.sampled_from(["%", "%4", "%zz", "%FF", "%C3", "%C3%A9", "%E2%82%AC", "%2B", "+"]))
    if form == "long":
        return draw(st.sampled_from(["%C3%A9" * 512, "%C3%A9" * 513, "a" * 1024, "a" * 1025, "é" * 512, "é" * 513]))
    return text


def cell(value: str, quoting: str) -> str:
    if quoting == "all" or (quoting == "minimal" and any(c in value for c in ',"\r\n')):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def manifests(draw) -> bytes:
    """CSV manifest bytes: mostly plausible rows, with a sprinkle of every defect."""
    versioned = draw(st.sampled_from(["none", "all", "mixed"]))
    quoting = draw(st.sampled_from(["none", "none", "minimal", "all"]))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    lines = []
    for _ in range(draw(st.integers(0, 40))):
        row = [draw(BUCKETS if draw(st.integers(0, 5)) == 0 else st.just("my-bucket")), draw(keys())]
        if versioned == "all" or (versioned == "mixed" and draw(st.booleans())):
            row.append(draw(VERSIONS))
        if draw(st.integers(0, 15)) == 0:
            row = row[:1] if draw(st.booleans()) else [*row, "extra"]
        line = ",".join(cell(value, quoting) for value in row)
        if draw(st.integers(0, 20)) == 0:
            line = draw(st.sampled_from(["", '"unterminated,x', 'a"b,c', 'my-bucket,"k"x', '"my-bucket","k"x',
                                         'x"my-bucket","k"', '"my-bucket"x,"k"', '"my-bucket",x"k"', '"']))
        lines.append(line)
    text = newline.join(lines) + draw(st.sampled_from(["", newline, newline + newline]))
    data = text.encode()
    if draw(st.integers(0, 15)) == 0:
        data = b"\xef\xbb\xbf" + data
    if data and draw(st.integers(0, 15)) == 0:
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x80"])) + data[at:]
    return data


def outcome(source, *, resume: bool = False):
    """Everything a reader says about a manifest: the scan, and the entries up to the first error."""
    scan = source.scan(max_errors=1000)
    errors = [(e.where, e.what, e.code) for e in scan.errors]
    entries = []
    try:
        entries.extend(source.entries())
    except ManifestError as exc:
        entries.append((exc.where, exc.what))
    tails = []
    if resume:  # a resume from any entry gives the tail of the full read
        for entry in [e for e in entries if not isinstance(e, tuple)][::7]:
            try:
                tails.append(list(source.entries(start=entry.position, start_ordinal=entry.ordinal)))
            except ManifestError as exc:
                tails.append((exc.where, exc.what))
    return scan.total_tasks, scan.complete, errors, entries, tails


@pytest.fixture(params=[(64, 1), (4096, 32)], ids=["tiny-chunks", "normal-chunks"])
def small_blocks(request, monkeypatch):
    """Chunk size and bisection floor: tiny ones exercise boundaries and halving."""
    chunk, floor = request.param
    monkeypatch.setattr(location, "CHUNK_SIZE", chunk)
    monkeypatch.setattr(bulk, "MIN_BISECT_LINES", floor)


@settings(max_examples=50, **SETTINGS)
@given(data=manifests(), fields=st.sampled_from([None, None, ["Bucket", "Key"], ["Ignore", "Key", "Bucket"],
                                                 ["Bucket", "Key", "VersionId"]]))  # fmt: skip
def test_csv_block_reader_matches_the_reference(tmp_path_factory, small_blocks, data, fields):
    path = tmp_path_factory.getbasetemp() / "bulk.csv"  # one path: a replayed example reads the same
    path.write_bytes(data)
    where = ManifestLocation(object_arn=f"file://{path}")
    fast = outcome(CsvManifest(where, fields, bulk=True), resume=True)
    assert fast == outcome(CsvManifest(where, fields, bulk=False), resume=True)


@st.composite
def inventory_rows(draw) -> bytes:
    """An inventory data file's text: Bucket, Key, VersionId, IsDeleteMarker, mostly quoted."""
    quoting = draw(st.sampled_from(["all", "all", "minimal", "none"]))
    lines = []
    for _ in range(draw(st.integers(0, 30))):
        marker = draw(st.sampled_from(["false", "false", "true", "TRUE", " true", "no"]))
        row = [draw(BUCKETS), draw(keys()), draw(VERSIONS), marker]
        if draw(st.integers(0, 15)) == 0:
            row = row[:2]
        lines.append(",".join(cell(value, quoting) for value in row))
    return ("\n".join(lines) + draw(st.sampled_from(["", "\n"]))).encode()


@settings(max_examples=30, **SETTINGS)
@given(data=inventory_rows())
def test_inventory_block_reader_matches_the_reference(tmp_path_factory, small_blocks, data):
    directory = tmp_path_factory.getbasetemp() / "inventory"
    directory.mkdir(exist_ok=True)
    content = gzip.compress(data)
    (directory / "data.csv.gz").write_bytes(content)
    document = {
        "sourceBucket": "src", "destinationBucket": "arn:aws:s3:::dest", "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, VersionId, IsDeleteMarker",
        "files": [{"key": "inv/data.csv.gz", "size": len(content), "MD5checksum": hashlib.md5(content).hexdigest()}],
    }  # fmt: skip
    (directory / "manifest.json").write_text(json.dumps(document))
    where = ManifestLocation(object_arn=f"file://{directory / 'manifest.json'}")
    fast = outcome(InventoryManifest(where, bulk=True), resume=True)
    assert fast == outcome(InventoryManifest(where, bulk=False), resume=True)


def test_a_block_of_good_rows_is_one_batch_not_one_item_per_row(tmp_path: Path):
    """The point of it all: a valid manifest is counted in blocks, not row by row."""
    path = tmp_path / "m.csv"
    path.write_text("".join(f"my-bucket,dir%2Fcaf%C3%A9+{i}\n" for i in range(5000)))
    source = CsvManifest(ManifestLocation(object_arn=f"file://{path}"))
    items = list(source._items(None, 0, type("S", (), {"identity": None})()))
    assert len(items) == 1 and items[0].count == 5000
    assert [e.key for e in items[0].build()][:2] == ["dir/café 0", "dir/café 1"]
