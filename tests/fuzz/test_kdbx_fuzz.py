"""KeePass databases with mutated headers and KDF parameters: a refusal naming the file or accounts.

Every load runs in the bounded worker (``BoundedWorker``): ``RLIMIT_AS`` bounds what
Argon2 may allocate, and a load that passes ``EXAMPLE_SECONDS`` (10⁹ AES rounds or
Argon2 passes) gets the worker killed and the example failed.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.fuzzing import SECRET, BoundedWorker, check_in_worker, mutated, seed

EXAMPLE = seed("coffre.kdbx")
KDF_FIELD = 11
AES_KDF = uuid.UUID("c9d9f39a-628a-4460-bf74-0d08c18a4fea").bytes
ARGON2D = uuid.UUID("ef636ddf-8c29-444b-91f7-a9a403e30a0c").bytes
ARGON2ID = uuid.UUID("9e298b19-56db-4773-b23d-fc3ec6f0a1e6").bytes
UINT32, UINT64, BYTES = 0x04, 0x05, 0x42


def _split(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """A KDBX 4 file's outer header fields, and what follows the header."""
    fields, position = [], 12
    while True:
        kind = data[position]
        (size,) = struct.unpack_from("<I", data, position + 1)
        fields.append((kind, data[position + 5 : position + 5 + size]))
        position += 5 + size
        if kind == 0:
            return fields, data[position:]


def _join(fields: list[tuple[int, bytes]], rest: bytes, fix_digest: bool) -> bytes:
    header = EXAMPLE[:12] + b"".join(
        bytes([kind]) + struct.pack("<I", len(value)) + value for kind, value in fields
    )
    # After the header: its SHA-256 (which anyone can recompute) and an HMAC keyed by the
    # master key, checked only once the KDF has run: the KDF is reached with any digest fixed.
    return header + (hashlib.sha256(header).digest() + rest[32:] if fix_digest else rest)


def _variant(entries: list[tuple[int, str, bytes]]) -> bytes:
    """A KeePass VariantDictionary (version 1.0)."""
    out = b"\x00\x01"
    for kind, key, value in entries:
        name = key.encode()
        out += bytes([kind]) + struct.pack("<i", len(name)) + name
        out += struct.pack("<i", len(value)) + value
    return out + b"\x00"


def argon2(iterations: int, memory: int, parallelism: int = 2) -> bytes:
    return _variant(
        [
            (BYTES, "$UUID", ARGON2D),
            (BYTES, "S", bytes(32)),
            (UINT32, "P", struct.pack("<I", parallelism)),
            (UINT64, "M", struct.pack("<Q", memory)),
            (UINT64, "I", struct.pack("<Q", iterations)),
            (UINT32, "V", struct.pack("<I", 0x13)),
        ]
    )


def aes_kdf(rounds: int) -> bytes:
    return _variant(
        [
            (BYTES, "$UUID", AES_KDF),
            (UINT64, "R", struct.pack("<Q", rounds)),
            (BYTES, "S", bytes(32)),
        ]
    )


FIELDS, REST = _split(EXAMPLE)
u64 = st.one_of(
    st.integers(0, 16),
    st.integers(0, 2**64 - 1),
    st.sampled_from([2**20, 2**30, 2**32, 10**9, 2**63, 2**64 - 1]),
)
u32 = st.one_of(st.integers(0, 64), st.integers(0, 2**32 - 1))


@st.composite
def kdf_parameters(draw: st.DrawFn) -> bytes:
    """AES-KDF rounds or Argon2 iterations, memory and parallelism: any 64-bit value."""
    salt = draw(st.binary(min_size=0, max_size=40))
    match draw(st.sampled_from(["aes", "argon2d", "argon2id", "other"])):
        case "aes":
            entries = [
                (BYTES, "$UUID", AES_KDF),
                (UINT64, "R", struct.pack("<Q", draw(u64))),
                (BYTES, "S", salt),
            ]
        case "other":
            entries = [(BYTES, "$UUID", draw(st.binary(min_size=0, max_size=20)))]
        case variant:
            entries = [
                (BYTES, "$UUID", ARGON2D if variant == "argon2d" else ARGON2ID),
                (BYTES, "S", salt),
                (UINT32, "P", struct.pack("<I", draw(u32))),
                (UINT64, "M", struct.pack("<Q", draw(u64))),
                (UINT64, "I", struct.pack("<Q", draw(u64))),
                (UINT32, "V", struct.pack("<I", draw(st.sampled_from([0x10, 0x13, 0])))),
            ]
    keep = draw(st.lists(st.booleans(), min_size=len(entries), max_size=len(entries)))
    return _variant(
        [entry for entry, kept in zip(entries, keep, strict=True) if kept or entry[1] == "$UUID"]
    )


def test_the_example_opens(bounded_worker: BoundedWorker, folder: Path) -> None:
    """The seed itself is valid: the mutations below start from a file that loads."""
    path = folder / "coffre.kdbx"
    path.write_bytes(_join(FIELDS, REST, fix_digest=True))
    answer = bounded_worker.load(path, SECRET)
    assert answer["status"] == "loaded" and answer["accounts"] > 0, answer


@given(parameters=kdf_parameters())
# The bombs of issue 13: 10⁹ Argon2 passes or AES rounds, gigabytes of Argon2 memory.
@example(parameters=argon2(10**9, 2**20))
@example(parameters=aes_kdf(10**9))
@example(parameters=argon2(1, 2**32))
@example(parameters=argon2(1, 2**20, 2**24))
def test_kdf_parameters_from_the_header(
    bounded_worker: BoundedWorker, folder: Path, parameters: bytes
) -> None:
    fields = [(kind, parameters if kind == KDF_FIELD else value) for kind, value in FIELDS]
    check_in_worker(
        bounded_worker, folder / "coffre.kdbx", _join(fields, REST, fix_digest=True), SECRET
    )


@given(data=st.data(), fix_digest=st.booleans())
def test_mutated_header_fields(
    bounded_worker: BoundedWorker, folder: Path, data: st.DataObject, fix_digest: bool
) -> None:
    index = data.draw(st.integers(0, len(FIELDS) - 1))
    fields = list(FIELDS)
    kind, value = fields[index]
    fields[index] = (
        data.draw(st.sampled_from([kind, kind, data.draw(st.integers(0, 255))])),
        data.draw(mutated(value)),
    )
    check_in_worker(
        bounded_worker, folder / "coffre.kdbx", _join(fields, REST, fix_digest=fix_digest), SECRET
    )


@given(data=st.one_of(mutated(EXAMPLE), st.integers(0, len(EXAMPLE)).map(lambda n: EXAMPLE[:n])))
def test_example_mutated_or_truncated_as_bytes(
    bounded_worker: BoundedWorker, folder: Path, data: bytes
) -> None:
    check_in_worker(bounded_worker, folder / "coffre.kdbx", data, SECRET)
