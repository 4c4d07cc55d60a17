"""The key derivation a KeePass file asks for, read from its header before anything computes it.

The layout is KeePass's (keepass.info/help/kb/kdbx_4.html and KeePassXC's
``KdbxReader``/``Kdbx4Reader``): two signatures, the format version (minor then
major, 16 bits each), then type-length-value fields up to field 0 (lengths of 16
bits in KDBX 3, 32 bits in KDBX 4). KDBX 3 names its AES-KDF rounds in field 6
(TransformRounds); KDBX 4 holds a VariantDictionary in field 11 (KdfParameters)
whose ``$UUID`` names the function (AES-KDF with ``R`` rounds; Argon2d or Argon2id
with ``I`` iterations, ``M`` bytes of memory and ``P`` lanes). In KDBX 4 the
header's SHA-256 and HMAC follow, then the payload as HMAC blocks (a 32-byte
HMAC, a 32-bit little-endian length, the data) up to a block of length 0.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass
from typing import BinaryIO

from auditor.i18n.catalogue import Lang, catalog
from auditor.i18n.phrase import Arg, phrase

SIGNATURE_1 = b"\x03\xd9\xa2\x9a"
_KDBX = b"\x67\xfb\x4b\xb5"
_END, _TRANSFORM_ROUNDS, _KDF_PARAMETERS = 0, 6, 11
_AES_KDF = uuid.UUID("c9d9f39a-628a-4460-bf74-0d08c18a4fea").bytes
_ARGON2 = {
    uuid.UUID("ef636ddf-8c29-444b-91f7-a9a403e30a0c").bytes: "Argon2d",
    uuid.UUID("9e298b19-56db-4773-b23d-fc3ec6f0a1e6").bytes: "Argon2id",
}
# A real header is a few hundred bytes (seeds, IV, KDF parameters, at most a
# plugin's public custom data): anything far larger is not a KeePass header.
MAX_HEADER_BYTES = 1 << 20
# VariantDictionary value types and the sizes their numbers must have.
_SIZES = {0x04: 4, 0x05: 8, 0x08: 1, 0x0C: 4, 0x0D: 8}
_UINT = {0x04: "<I", 0x05: "<Q"}
_HEADER_DIGESTS = 64  # the header's SHA-256, then its HMAC-SHA-256
_BLOCK_HEAD = 36  # a block's HMAC-SHA-256, then its length
MAX_PAYLOAD_BLOCKS = 65_536
"""KeePass 2, KeePassXC and kdbxweb write 1 MiB blocks and pykeepass a single one: 65,536
blocks of 4 KiB already fill a file at the size cap, while millions of tiny blocks would each
cost pykeepass a construct parse and an HMAC."""


class HeaderError(Exception):
    """The header is not one of a KeePass 2 database; the message says why (never bytes).

    ``str()`` is English; ``phrase`` says it in the catalogues' words, for the source's error.
    """

    def __init__(self, key: str, /, **args: Arg) -> None:
        self.phrase = phrase(key, **args)
        super().__init__(catalog(Lang.EN).text(self.phrase))


@dataclass(frozen=True)
class KdfCost:
    """What deriving the key will cost: AES-KDF rounds, or Argon2's passes, memory and lanes."""

    function: str
    """``AES-KDF``, ``Argon2d`` or ``Argon2id``."""
    rounds: int
    """AES-KDF rounds, or Argon2 iterations (passes over the memory)."""
    memory: int = 0
    """Argon2 only: bytes."""
    parallelism: int = 0
    """Argon2 only: lanes (threads)."""


@dataclass(frozen=True)
class KdbxHeader:
    """What the outer header says before any key is derived."""

    version: int
    """The major format version: 3 or 4."""
    cost: KdfCost
    """The key derivation it asks for."""


def read_header(stream: BinaryIO) -> KdbxHeader:
    """The version and key derivation of a ``.kdbx`` file; HeaderError if its header is damaged.

    The stream is left just after the header's end field.
    """
    if stream.read(4) != SIGNATURE_1 or stream.read(4) != _KDBX:
        raise HeaderError("source_error.header.not_keepass")
    minor, major = struct.unpack("<HH", _exactly(stream, 4))
    if major not in (3, 4):
        raise HeaderError("source_error.header.version", major=str(major), minor=str(minor))
    length_format = "<H" if major == 3 else "<I"
    size = struct.calcsize(length_format)
    read = 12
    rounds: bytes | None = None
    parameters: bytes | None = None
    while True:
        field = _exactly(stream, 1)[0]
        (length,) = struct.unpack(length_format, _exactly(stream, size))
        read += 1 + size + length
        if read > MAX_HEADER_BYTES:
            raise HeaderError("source_error.header.too_large")
        data = _exactly(stream, length)
        if field == _END:
            break
        if field == _TRANSFORM_ROUNDS:
            rounds = data
        elif field == _KDF_PARAMETERS:
            parameters = data
    if major == 3:
        if rounds is None or len(rounds) != 8:
            raise HeaderError("source_error.header.no_aes_rounds")
        return KdbxHeader(3, KdfCost("AES-KDF", struct.unpack("<Q", rounds)[0]))
    if parameters is None:
        raise HeaderError("source_error.header.no_parameters")
    return KdbxHeader(4, _kdbx4_cost(_variant_dictionary(parameters)))


def check_kdbx4_blocks(data: bytes, start: int) -> None:
    """Check that every payload block of a KDBX 4 file lies within it, before a reader trusts it.

    ``start`` is where the header ends. Only lengths are checked: the HMACs need the key.
    """

    def damaged(key: str, **args: Arg) -> HeaderError:
        return HeaderError("source_error.header.damaged_file", reason=phrase(key, **args))

    position = start + _HEADER_DIGESTS
    if position > len(data):
        raise damaged("source_error.header.cut_before_payload")
    for number in range(1, MAX_PAYLOAD_BLOCKS + 1):
        if position + _BLOCK_HEAD > len(data):
            raise damaged("source_error.header.cut_in_block", number=str(number))
        (length,) = struct.unpack_from("<I", data, position + 32)
        position += _BLOCK_HEAD
        if length > len(data) - position:
            raise damaged(
                "source_error.header.block_claims",
                number=str(number),
                length=length,
                remaining=len(data) - position,
            )
        if length == 0:
            return
        position += length
    raise damaged("source_error.header.too_many_blocks", most=MAX_PAYLOAD_BLOCKS)


def _exactly(stream: BinaryIO, count: int) -> bytes:
    data = stream.read(count)
    if len(data) != count:
        raise HeaderError("source_error.header.cut_short")
    return data


def _variant_dictionary(data: bytes) -> dict[str, tuple[int, bytes]]:
    """KeePass's typed key-value list: version 1.x, then (type, name, value) up to type 0."""
    damaged = HeaderError("source_error.header.parameters")
    if len(data) < 3 or data[1] != 1:  # the major version byte; KeePass refuses others too
        raise damaged
    values: dict[str, tuple[int, bytes]] = {}
    position = 2
    while True:
        if position >= len(data):
            raise damaged
        kind = data[position]
        position += 1
        if kind == 0:
            return values
        fields = []
        for _ in range(2):  # the name, then the value, each after its 32-bit length
            if position + 4 > len(data):
                raise damaged
            (length,) = struct.unpack_from("<i", data, position)
            position += 4
            if not 0 <= length <= len(data) - position:
                raise damaged
            fields.append(data[position : position + length])
            position += length
        name, value = fields
        if kind in _SIZES and len(value) != _SIZES[kind]:
            raise damaged
        try:
            values[name.decode("utf-8")] = (kind, value)
        except UnicodeDecodeError:
            raise damaged from None


def _kdbx4_cost(values: dict[str, tuple[int, bytes]]) -> KdfCost:
    function = values.get("$UUID", (0, b""))[1]

    def number(name: str) -> int:
        kind, value = values.get(name, (0, b""))
        if kind not in _UINT:
            raise HeaderError("source_error.header.no_parameter", name=name)
        return int(struct.unpack(_UINT[kind], value)[0])

    if function == _AES_KDF:
        return KdfCost("AES-KDF", number("R"))
    if function in _ARGON2:
        return KdfCost(_ARGON2[function], number("I"), number("M"), number("P"))
    raise HeaderError("source_error.header.unknown_kdf")
