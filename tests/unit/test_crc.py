"""The pure-Python CRCs: published check values, a bit-at-a-time reference, zlib and awscrt."""

from __future__ import annotations

import random
import zlib

import pytest

from s3batch_tui.core.operations import crc
from s3batch_tui.core.operations.crc import CRC32C, CRC64NVME, CrcHash, CrcModel

# zlib's CRC-32 in the same model: lets the folding engine be checked against C code
# on large inputs, where the bitwise reference would be too slow.
CRC32_ISO = CrcModel(width=32, poly=0x04C11DB7, init=0xFFFFFFFF, xorout=0xFFFFFFFF)


def reference(model: CrcModel, poly_reflected: int, data: bytes) -> int:
    """The textbook reflected CRC, one bit at a time."""
    register = model.init
    for byte in data:
        register ^= byte
        for _ in range(8):
            register = (register >> 1) ^ poly_reflected if register & 1 else register >> 1
    return register ^ model.xorout


REFLECTED = {32: 0x82F63B78, 64: 0x9A6C9329AC4BC9B5}
RNG = random.Random(20240611)


def test_check_values_of_the_catalogue():
    assert CRC32C.checksum(b"123456789") == 0xE3069283
    assert CRC64NVME.checksum(b"123456789") == 0xAE8B14860A799888
    assert CRC32_ISO.checksum(b"123456789") == 0xCBF43926


def test_empty_input_gives_zero_as_for_any_crc_with_equal_init_and_xorout():
    assert CRC32C.checksum(b"") == 0
    assert CrcHash(CRC64NVME).digest() == bytes(8)


@pytest.mark.parametrize("model", [CRC32C, CRC64NVME], ids=["crc32c", "crc64nvme"])
def test_matches_the_bitwise_reference_on_many_lengths(model):
    for length in [1, 2, 3, 7, 8, 9, 31, 64, 65, 127, 300, 1000, 4099]:
        data = RNG.randbytes(length)
        assert model.checksum(data) == reference(model, REFLECTED[model.width], data), length


def test_folding_agrees_with_zlib_across_piece_boundaries_and_uneven_updates():
    data = RNG.randbytes(3 * crc._PIECE + 12345)
    assert CRC32_ISO.checksum(data) == zlib.crc32(data)
    hasher = CrcHash(CRC32_ISO)
    for start, end in [(0, 1), (1, 70000), (70000, crc._PIECE + 3), (crc._PIECE + 3, len(data))]:
        hasher.update(memoryview(data)[start:end])
    assert hasher.digest() == zlib.crc32(data).to_bytes(4, "big")


def test_all_zero_and_all_one_inputs_which_stress_the_reduction():
    for fill in (b"\x00", b"\xff"):
        data = fill * 5000
        assert CRC32_ISO.checksum(data) == zlib.crc32(data)
        assert CRC64NVME.checksum(data) == reference(CRC64NVME, REFLECTED[64], data)


def test_digest_is_big_endian_as_s3_encodes_checksums():
    hasher = CrcHash(CRC32C)
    hasher.update(b"123456789")
    assert hasher.digest() == bytes.fromhex("e3069283")


def test_agrees_with_awscrt_when_it_is_installed():
    checksums = pytest.importorskip("awscrt.checksums")
    data = RNG.randbytes(crc._PIECE + 777)
    assert CRC32C.checksum(data) == checksums.crc32c(data)
    assert CRC64NVME.checksum(data) == checksums.crc64nvme(data)
