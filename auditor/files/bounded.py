"""Reading a whole file under a size cap, refused unread when it is known to be too large."""

from __future__ import annotations

import os
import stat
from pathlib import Path

_CHUNK = 1 << 20
"""Bytes read at a time from a pipe, or from a file that grew after ``fstat``."""


class FileTooLargeError(OSError):
    """The file holds more than the cap allows; ``size`` is what was seen (at least cap + 1)."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        super().__init__(f"{path}: {size:,} bytes, over the limit of {limit:,}")
        self.size = size
        self.limit = limit


class NotRegularFileError(OSError):
    """A FIFO, device or socket where only a regular file is accepted."""


def read_capped(path: Path, limit: int, *, regular_only: bool = False) -> bytes:
    """The file's bytes, at most ``limit`` of them.

    A regular file's size is checked with ``fstat`` before anything is read; a
    pipe (``<(bw export …)``) is read up to ``limit + 1`` bytes, since its size
    is unknown. ``regular_only`` refuses anything else unread, opened without
    blocking: a FIFO planted where a cache file should be would otherwise wait
    for a writer forever. The read is capped too, since a file can grow after
    ``fstat``. Raises ``FileTooLargeError``, ``NotRegularFileError`` or ``OSError``.
    """
    flags = os.O_RDONLY | (getattr(os, "O_NONBLOCK", 0) if regular_only else 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb", buffering=0) as opened:
        status = os.fstat(opened.fileno())
        regular = stat.S_ISREG(status.st_mode)
        if regular_only and not regular:
            raise NotRegularFileError(0, "not a regular file", str(path))
        if regular and status.st_size > limit:
            raise FileTooLargeError(path, status.st_size, limit)
        # Read in pieces, never ``read(limit + 1)``: Python allocates what a read
        # asks for, so a 256 MiB cap would cost 256 MiB for a 1 KB file. A regular
        # file is asked for its size (plus one byte, to see it grow) in one read.
        chunks: list[bytes] = []
        total = 0
        want = status.st_size + 1 if regular else _CHUNK
        while chunk := opened.read(min(want, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileTooLargeError(path, total, limit)
            want = _CHUNK
    return b"".join(chunks)
