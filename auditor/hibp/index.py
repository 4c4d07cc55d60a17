"""The prefix index of a single-file corpus: where each prefix's lines start, in a sidecar file.

``CORPUS.idx`` holds a header and 16**5 + 1 offsets: ``offsets[p]`` is the first
line whose prefix is ``p`` or more, and the last is the corpus's size, so prefix
``p``'s lines are the bytes ``offsets[p]:offsets[p + 1]``. The header records the
corpus's size, modification time and inode when it was indexed: a corpus changed
since is another file, and its index is not believed. The index holds offsets of
a public file and nothing about any audit, so it is written mode 0644.
"""

from __future__ import annotations

import os
import re
import struct
import sys
import tempfile
from array import array
from dataclasses import dataclass
from mmap import mmap
from pathlib import Path

from auditor.files.bounded import FileTooLargeError, read_capped
from auditor.hibp.interface import CorpusError
from auditor.hibp.rangefmt import PREFIX_LENGTH
from auditor.i18n.failure import failure
from auditor.i18n.oserror import os_reason
from auditor.i18n.phrase import Arg, Phrase, phrase

INDEX_SUFFIX = ".idx"
FORMAT_VERSION = 1
"""Raised whenever the layout below changes: an index of another version is rebuilt."""
PREFIXES = 16**PREFIX_LENGTH
ENTRIES = PREFIXES + 1
MAGIC = b"PAHIBPIX"
HEADER = struct.Struct("<8sIIQqQ")
"""Magic, format version, number of offsets, then the corpus's size, mtime_ns and inode."""
_OFFSET = "Q"
"""Offsets are 64-bit little-endian: the real corpus is about 40 GB, past 32 bits."""
INDEX_BYTES = HEADER.size + 8 * ENTRIES
"""8 MiB and 40 bytes: an index is exactly this long."""
INDEX_MODE = 0o644
_MIN_SKIP = 4096
"""Bytes searched at least for the next prefix's first line while indexing (one page)."""
_PREFIX = re.compile(rb"[0-9A-F]{5}")


@dataclass(frozen=True)
class Stamp:
    """What says that a corpus file is the one indexed: its size, mtime and inode."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, status: os.stat_result) -> Stamp:
        return cls(status.st_size, status.st_mtime_ns, status.st_ino)


@dataclass(frozen=True, eq=False)
class PrefixIndex:
    """A sidecar read and checked against the corpus it was built for."""

    path: Path
    offsets: array[int]
    """``ENTRIES`` offsets; each block is checked against the file as it is read."""


@dataclass(frozen=True)
class BuiltIndex:
    """What ``hibp index`` wrote."""

    path: Path
    prefixes: int
    """How many prefixes have lines (all 1,048,576 in a whole corpus)."""


@dataclass(frozen=True)
class Refused:
    """A sidecar that cannot be believed: stale, damaged or unreadable."""

    said: Phrase
    """The warning to log, naming the index and how to rebuild it."""


def index_path(corpus: Path) -> Path:
    """The sidecar of ``corpus``: ``pwned.txt`` → ``pwned.txt.idx``."""
    return corpus.with_name(corpus.name + INDEX_SUFFIX)


def load_index(corpus: Path, stamp: Stamp) -> PrefixIndex | Refused | None:
    """The index beside ``corpus`` if it was built for the file ``stamp`` describes.

    ``None`` when there is none. It is refused when it was built for another
    file, or does not have the shape of an index; each block is then checked
    again when it is read (``offline``), so a damaged offset costs a search,
    never a wrong answer.
    """
    path = index_path(corpus)
    try:
        data = read_capped(path, INDEX_BYTES, regular_only=True)
    except FileNotFoundError:
        return None
    except FileTooLargeError:
        return _damaged(path, corpus, phrase("hibp_index.length", expected=str(INDEX_BYTES)))
    except OSError as exc:
        reason = os_reason(exc.strerror or type(exc).__name__, exc.errno)
        return _damaged(path, corpus, reason)
    if len(data) < HEADER.size or data[: len(MAGIC)] != MAGIC:
        return _damaged(path, corpus, phrase("hibp_index.not_index"))
    _, version, entries, size, mtime_ns, inode = HEADER.unpack_from(data)
    if version != FORMAT_VERSION:
        reason = phrase("hibp_index.version", found=str(version), expected=str(FORMAT_VERSION))
        return _damaged(path, corpus, reason)
    if entries != ENTRIES or len(data) != INDEX_BYTES:
        return _damaged(path, corpus, phrase("hibp_index.length", expected=str(INDEX_BYTES)))
    if Stamp(size, mtime_ns, inode) != stamp:
        return Refused(phrase("hibp_index.stale", index=str(path), corpus=str(corpus)))
    offsets = array(_OFFSET)
    offsets.frombytes(memoryview(data)[HEADER.size :])
    if sys.byteorder == "big":
        offsets.byteswap()
    if offsets[0] != 0 or offsets[-1] != stamp.size:
        return _damaged(path, corpus, phrase("hibp_index.ends"))
    return PrefixIndex(path, offsets)


def _damaged(path: Path, corpus: Path, reason: Arg) -> Refused:
    return Refused(
        phrase("hibp_index.unusable", index=str(path), corpus=str(corpus), reason=reason)
    )


def prefix_offsets(data: mmap | bytes, description: str) -> tuple[array[int], int]:
    """The offsets of the sorted corpus in ``data``, and how many prefixes have lines.

    Walks the file once: from the first line of a prefix it searches the next
    prefix's first line (``\\nABCDF``), a few times a prefix's usual length
    ahead, and steps one line at a time where that prefix has no line. Every
    line it lands on must start with a prefix, in order; the lines it skips
    are checked when a lookup reads them, as without an index.
    """
    size, search = len(data), data.find
    offsets = array(_OFFSET, [size]) * ENTRIES
    skip = max(_MIN_SKIP, 4 * size // PREFIXES)
    position, assigned, present = 0, 0, 0
    number: int | None = None  # the prefix of the line at position, when already known
    while position < size:
        if number is None:
            head = data[position : position + PREFIX_LENGTH]
            if not _PREFIX.fullmatch(head):
                raise failure(
                    CorpusError, "hibp_error.damaged_at", path=description, byte=str(position)
                )
            number = int(head, 16)
            if number < assigned - 1:
                raise failure(CorpusError, "hibp_error.not_sorted", path=description)
        if number == assigned:
            offsets[number] = position
            assigned, present = number + 1, present + 1
        elif number > assigned:
            offsets[assigned : number + 1] = array(_OFFSET, [position]) * (number + 1 - assigned)
            assigned, present = number + 1, present + 1
        if assigned < PREFIXES:
            found = search(b"\n%05X" % assigned, position, min(size, position + skip))
            if found >= 0:  # the next prefix's first line, as a whole corpus has it
                position, number = found + 1, assigned
                continue
        end = search(b"\n", position)
        if end < 0:
            break
        position, number = end + 1, None
    return offsets, present


def write_index(corpus: Path, stamp: Stamp, offsets: array[int]) -> Path:
    """Write the sidecar atomically: a temporary file beside it, renamed over it once whole."""
    path = index_path(corpus)
    header = HEADER.pack(MAGIC, FORMAT_VERSION, ENTRIES, stamp.size, stamp.mtime_ns, stamp.inode)
    if sys.byteorder == "big":
        offsets = array(_OFFSET, offsets)
        offsets.byteswap()
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise _unwritable(path, exc) from exc
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(header)
            out.write(offsets.tobytes())
            out.flush()
            os.fsync(out.fileno())
        # No secret in it (offsets of a public file): readable like the corpus.
        Path(temporary).chmod(INDEX_MODE)
        Path(temporary).replace(path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise _unwritable(path, exc) from exc
    return path


def _unwritable(path: Path, exc: OSError) -> CorpusError:
    reason = os_reason(exc.strerror or type(exc).__name__, exc.errno)
    return failure(CorpusError, "hibp_index.cannot_write", index=str(path), reason=reason)
