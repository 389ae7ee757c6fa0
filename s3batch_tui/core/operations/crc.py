"""CRC-32C and CRC-64/NVME in pure Python, for when awscrt (botocore[crt]) is absent.

A byte-at-a-time table loop runs at ~11 MB/s in CPython. This module instead treats
each piece of data as one big polynomial over GF(2) (a Python int) and reduces it
modulo the CRC polynomial by folding: `A = H*x^k + L` is congruent to
`H*(x^k mod P) + L`, a carry-less product of H by a small constant, i.e. a few dozen
shifts and XORs that CPython runs in C over the whole int. Each fold halves the size,
so the work stays linear, and the result is ~190 MB/s for CRC-32C and ~110 MB/s for
CRC-64/NVME on one core (measured here). Both are checked against their published
check values and a bit-at-a-time reference in tests/unit/test_crc.py.
"""

from __future__ import annotations


# Bit-reverses every byte: reflected CRCs take each byte least significant bit first.
_REVERSE_BITS = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))
_PIECE = 256 * 1024  # folding pieces of this size was fastest (1 MiB ints are slower)


def _reflect(value: int, width: int) -> int:
    return int(f"{value:0{width}b}"[::-1], 2)


def _clmul(a: int, b: int) -> int:
    """Carry-less product of `a` (any size) by `b` (small): XOR of shifted copies of `a`."""
    result = 0
    shift = 0
    while b:
        if b & 1:
            result ^= a << shift
        b >>= 1
        shift += 1
    return result


class CrcModel:
    """A reflected CRC (refin = refout = true), as in the Rocksoft model catalogue.

    Args:
        width: bits in the checksum (32, 64).
        poly: the generator polynomial without its top bit, normal (unreflected) form.
        init: the register's start value.
        xorout: XORed into the final register.
    """

    def __init__(self, width: int, poly: int, init: int, xorout: int) -> None:
        self.width = width
        self.init = init
        self.xorout = xorout
        self._full_poly = poly | (1 << width)
        # x^k mod P per fold size k; threads may race to fill it, which is harmless.
        self._powers: dict[int, int] = {}

    def _mod_small(self, value: int) -> int:
        """`value mod P` by plain long division; for values of a few widths only."""
        width, poly = self.width, self._full_poly
        for bit in range(value.bit_length() - 1, width - 1, -1):
            if (value >> bit) & 1:
                value ^= poly << (bit - width)
        return value

    def _x_power(self, k: int) -> int:
        """`x^k mod P`, by square-and-multiply; cached (a few distinct k per piece size)."""
        value = self._powers.get(k)
        if value is None:
            value, base = 1, 2
            exponent = k
            while exponent:
                if exponent & 1:
                    value = self._mod_small(_clmul(value, base))
                base = self._mod_small(_clmul(base, base))
                exponent >>= 1
            self._powers[k] = value
        return value

    def _reduce(self, value: int) -> int:
        width = self.width
        while (bits := value.bit_length()) > 4 * width:
            # Splitting a little above the middle makes both halves about half as long;
            # rounding k keeps the set of cached powers small.
            k = ((bits + width) // 2) & ~1023 or (bits + width) // 2
            value = (value & ((1 << k) - 1)) ^ _clmul(value >> k, self._x_power(k))
        return self._mod_small(value)

    def start(self) -> int:
        """The register before any data, in the unreflected domain `update` works in."""
        return _reflect(self.init, self.width)

    def update(self, register: int, data: bytes | bytearray | memoryview) -> int:
        """The register after `data`: `(register * x^(8n) + M(x) * x^width) mod P`."""
        view = memoryview(data)
        for offset in range(0, len(view), _PIECE):
            piece = bytes(view[offset : offset + _PIECE])
            message = int.from_bytes(piece.translate(_REVERSE_BITS), "big")
            register = self._reduce((register << (8 * len(piece))) ^ (message << self.width))
        return register

    def finish(self, register: int) -> int:
        """The checksum value of a register (reflected back, XORed with `xorout`)."""
        return _reflect(register, self.width) ^ self.xorout

    def checksum(self, data: bytes) -> int:
        """The CRC of `data` in one call."""
        return self.finish(self.update(self.start(), data))


CRC32C = CrcModel(width=32, poly=0x1EDC6F41, init=0xFFFFFFFF, xorout=0xFFFFFFFF)
"""CRC-32C (Castagnoli, iSCSI); check value 0xE3069283."""

CRC64NVME = CrcModel(width=64, poly=0xAD93D23594C93659, init=(1 << 64) - 1, xorout=(1 << 64) - 1)
"""CRC-64/NVME, S3's default checksum; check value 0xAE8B14860A799888."""


class CrcHash:
    """A hashlib-like object (`update`, `digest`) over a CrcModel; big-endian digest as S3 sends it."""

    def __init__(self, model: CrcModel) -> None:
        self._model = model
        self._register = model.start()

    def update(self, data: bytes | bytearray | memoryview) -> None:
        """Feed more data."""
        self._register = self._model.update(self._register, data)

    def digest(self) -> bytes:
        """The checksum so far, `width / 8` bytes, most significant first."""
        return self._model.finish(self._register).to_bytes(self._model.width // 8, "big")
