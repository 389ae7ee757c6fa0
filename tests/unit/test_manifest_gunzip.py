"""Gzip data files decompressed in blocks: the bytes `gzip` gives, in bounded blocks, with its errors."""

from __future__ import annotations

import gzip
import os
import zlib

import pytest
from isal import isal_zlib

from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest import location
from s3batch_tui.core.manifest.gunzip import INFLATE, gunzip

TEXT = b"".join(b'"bucket","key-%d","v%d","true","false","%d"\n' % (i, i, i * 7) for i in range(3000))
NAME = "/data/part-0.csv.gz"


@pytest.fixture(params=[isal_zlib, zlib], ids=["isal", "zlib"])
def inflate(request):
    return request.param


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_isal_is_the_inflate_in_use():
    assert INFLATE is isal_zlib


@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20])
def test_the_bytes_are_gzips_whatever_the_chunking(inflate, chunk):
    compressed = gzip.compress(TEXT[:70_000]) + gzip.compress(b"") + gzip.compress(TEXT[70_000:], 1)
    assert b"".join(gunzip(pieces(compressed, chunk), NAME, inflate)) == gzip.decompress(compressed) == TEXT


def test_output_blocks_stay_bounded_however_well_the_input_compresses(inflate, monkeypatch):
    monkeypatch.setattr(location, "CHUNK_SIZE", 16 * 1024)
    data = bytes(2 << 20)  # 2 MiB of zeros compress to ~2 KiB: one input chunk
    blocks = list(gunzip([gzip.compress(data)], NAME, inflate))
    assert max(map(len, blocks)) == 16 * 1024 and b"".join(blocks) == data


def test_zero_padding_after_a_member_is_ignored_as_gzip_does(inflate):
    compressed = gzip.compress(TEXT) + bytes(100) + gzip.compress(b"tail\n") + bytes(3)
    assert b"".join(gunzip(pieces(compressed, 50), NAME, inflate)) == gzip.decompress(compressed)


@pytest.mark.parametrize("data", [b"", gzip.compress(b"")], ids=["empty file", "empty member"])
def test_no_data_is_no_error(inflate, data):
    assert list(gunzip([data], NAME, inflate)) == []


@pytest.mark.parametrize(
    "damage",
    ["garbage", "leading zeros", "truncated", "bad crc", "bad length", "garbage after a member"],
)
def test_corrupt_data_is_an_error_naming_the_file_where_gzip_fails_too(inflate, damage):
    good = gzip.compress(TEXT)
    data = {
        "garbage": b"this is not gzip at all",
        "leading zeros": bytes(4) + good,
        "truncated": good[: len(good) // 2],
        "bad crc": good[:-8] + bytes([good[-8] ^ 0xFF]) + good[-7:],
        "bad length": good[:-1] + bytes([good[-1] ^ 0x01]),
        "garbage after a member": good + os.urandom(4) + b"junk",
    }[damage]
    with pytest.raises((OSError, EOFError, zlib.error)):
        gzip.decompress(data)
    with pytest.raises(ManifestError) as caught:
        b"".join(gunzip(pieces(data, 1000), NAME, inflate))
    assert caught.value.where == NAME and caught.value.what.startswith("corrupt gzip data")
