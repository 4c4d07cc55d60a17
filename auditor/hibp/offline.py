"""Breach lookups in a downloaded Pwned Passwords corpus: one sorted file or per-prefix files."""

from __future__ import annotations

import logging
import mmap
import os
import re
import threading
import time
import weakref
from abc import abstractmethod
from array import array
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from auditor.files.bounded import FileTooLargeError, read_capped
from auditor.hibp.index import (
    BuiltIndex,
    PrefixIndex,
    Refused,
    Stamp,
    index_path,
    load_index,
    prefix_offsets,
    write_index,
)
from auditor.hibp.interface import (
    BreachSource,
    Clean,
    CorpusError,
    HibpError,
    LookupResult,
    Pwned,
    Unknown,
)
from auditor.hibp.rangefmt import (
    MAX_BODY_BYTES,
    MAX_COUNT_DIGITS,
    PREFIX_LENGTH,
    SUFFIX_LENGTH,
    Range,
    by_prefix,
    outcomes,
)
from auditor.i18n.failure import failure
from auditor.i18n.logged import Logged, logged
from auditor.i18n.oserror import os_reason
from auditor.i18n.phrase import Arg, Phrase
from auditor.progress import Advance, no_progress

logger = logging.getLogger(__name__)

HASH_LENGTH = 40
_SHA1_LINE = re.compile(rb"^[0-9A-F]{40}:[0-9]{1,%d}\r?$" % MAX_COUNT_DIGITS)
_NTLM_LINE = re.compile(rb"^[0-9A-Fa-f]{32}:\d+\r?$")
_PREFIX_FILE = re.compile(r"^[0-9A-F]{5}\.txt$")
_HASH = re.compile(rb"[0-9A-F]{40}")
_KEY_DIGITS = 15
"""Hex digits of a hash used as its number in interpolation: 60 bits, a small int."""
_KEY_SPAN = 16**_KEY_DIGITS
_SCAN_WINDOW = 4096
"""Bytes left when the search stops probing and scans: one page, about 90 lines."""
_LINE_WINDOW = 128
"""Bytes read around a probe: a downloader line is under 60 bytes."""
_RANGE_BLOCK = 65536
"""Bytes read at a time for a whole range: one prefix of the full corpus is about 40 KB."""
_SAMPLES = 64
_PROGRESS_STEP = 1000
_PREFETCH = 1024
"""Blocks asked of the disk ahead of a batch's lookups (see ``_Prefetch``), each about 40 KB
of the full corpus in the page cache, never in this process. The disk answers many reads at
once far faster than one at a time: cold batches of 10,000 lookups here ran at 10,861/s with
32 ahead, 24,096/s with 256 and 43,141/s with 1,024 (``python -m benchmarks --only offline``).
Every block asked for is one the batch reads next, so asking early wastes nothing."""
_WAITED = 0.0002
"""Seconds past which a lookup waited for the disk: a warm one through the index takes about
10 microseconds (reading 40 KB from the page cache included), an SSD read about 100 or more."""
RECHECK_SECONDS = 1.0
"""How often a served corpus's path is looked at again for a replacement: a stat call
a second costs nothing, and a refreshed corpus is answered from within a second."""
_FIRST_PREFIX, _LAST_PREFIX = b"00000", b"FFFFF"
"""A whole corpus starts in the first prefix and ends in the last: every one of the
16**5 prefixes holds hundreds of hashes (haveibeenpwned.com/Passwords), so a file that
does not reach both ends was cut short, and what lies past the cut is not "clean"."""
# The messages are the catalogues' [hibp_error] section: English in str(), the reader's on stderr.


def _said(exc: HibpError) -> Arg:
    """An inner error's message as a value of an outer one: its phrase when it has one."""
    return exc.phrase if isinstance(exc.phrase, Phrase) else str(exc)


class LocalCorpus(BreachSource):
    """A downloaded corpus, which can also answer for a whole prefix (to serve a mirror)."""

    @abstractmethod
    def range_of(self, prefix: str) -> dict[str, int]:
        """Suffix → count for every hash under ``prefix`` (5 upper-case hex digits).

        Raises ``CorpusError`` when the corpus cannot answer (damage, missing file).
        """


class _Oversized(Exception):  # noqa: N818 - a signal between two methods, not an error
    """A prefix's block too large to read at once (``_OpenedFile._block``)."""


class _OpenedFile:
    """One opened single-file corpus, searched in place; immutable once checked.

    Each lookup without an index is an interpolation search (see ``_bracket``)
    made of a few small positioned reads: never a scan. With an index, it is one
    read of its prefix's block (``indexed_count``). Reads go through the page
    cache without mapping the file into this process, so a large audit neither
    pays a page fault per page touched nor appears to hold the corpus in its
    memory, and the kernel is told not to read ahead: a cold lookup costs a few
    pages. The descriptor is closed by ``close`` or once nothing refers to this
    object any more: a lookup still running on a file replaced meanwhile
    finishes on it, and its descriptor number is never reused under it.
    """

    def __init__(self, path: Path) -> None:
        self.description = str(path)
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            reason = os_reason(str(exc.strerror), exc.errno)
            raise failure(
                CorpusError, "hibp_error.cannot_open", path=str(path), reason=reason
            ) from exc
        self._descriptor = descriptor
        self._closer = weakref.finalize(self, os.close, descriptor)
        status = os.fstat(descriptor)
        self.stamp = Stamp.of(status)
        self.signature = _signature(status)
        self._size = status.st_size
        if self._size == 0:
            self.close()
            raise failure(CorpusError, "hibp_error.empty", path=str(path))
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_RANDOM)
        try:
            self._validate()
        except CorpusError:
            self.close()
            raise

    def _read(self, position: int, length: int) -> bytes:
        if hasattr(os, "pread"):
            return os.pread(self._descriptor, length, position)
        os.lseek(self._descriptor, position, os.SEEK_SET)  # Windows has no pread
        return os.read(self._descriptor, length)

    def _line(self, position: int, low: int = 0) -> tuple[int, bytes]:
        """Start and content (without its newline) of the line holding ``position``.

        The search never looks before ``low``, a known line start. A real line
        is under 60 bytes; one longer than the read window is damage.
        """
        begin = max(low, position - _LINE_WINDOW)
        chunk = self._read(begin, position - begin + _LINE_WINDOW)
        cut = chunk.rfind(b"\n", 0, position - begin)
        if cut < 0 and begin > low:
            raise self._damaged("hibp_error.damaged_near", position)
        first = cut + 1
        end = chunk.find(b"\n", first)
        if end < 0:
            if begin + len(chunk) < self._size:
                raise self._damaged("hibp_error.damaged_near", position)
            end = len(chunk)
        return begin + first, chunk[first:end]

    def _validate(self) -> None:
        """Check the format at the ends and at evenly spaced samples, and their order."""
        size = self._size
        _, first = self._line(0)
        if _NTLM_LINE.match(first):
            raise failure(CorpusError, "hibp_error.ntlm", path=self.description)
        if not _SHA1_LINE.match(first):
            raise failure(CorpusError, "hibp_error.not_sha1", path=self.description)
        try:
            _, last = self._line(size - 2 if size > 1 else 0)
        except CorpusError:
            last = b""
        if not _SHA1_LINE.match(last):
            raise failure(CorpusError, "hibp_error.last_damaged", path=self.description)
        previous = b""
        for index in range(_SAMPLES + 1):
            start, line = self._line(min(size - 1, size * index // _SAMPLES))
            if not _SHA1_LINE.match(line):
                raise self._damaged("hibp_error.damaged_at", start)
            if line[:HASH_LENGTH] < previous:
                raise failure(CorpusError, "hibp_error.not_sorted", path=self.description)
            previous = line[:HASH_LENGTH]
        ends = (
            ("hibp_error.first_prefix", first, _FIRST_PREFIX),
            ("hibp_error.last_prefix", last, _LAST_PREFIX),
        )
        for key, line, prefix in ends:
            if line[:PREFIX_LENGTH] != prefix:
                raise failure(
                    CorpusError,
                    key,
                    path=self.description,
                    found=line[:PREFIX_LENGTH].decode("ascii"),
                    expected=prefix.decode("ascii"),
                )

    def _bracket(self, target: bytes) -> tuple[int, int]:
        """Line starts ``(low, high)`` a few lines apart: lines before ``low`` are
        ``< target``, the line at ``high`` (or the end of the file) is ``>= target``.

        Hashes are uniformly spread, so the line for a hash sits about at
        ``hash / 2**160`` of the file: each probe guesses the spot from the hash
        values at the bounds found so far (interpolation search) and lands a few
        lines away, after two or three probes instead of binary search's 25 on 20
        million lines. A probe that does not halve the bracket is followed by a
        halving one, so a skewed file still costs at most about twice binary search.
        """
        low, high = 0, self._size  # every line before low is < target; the line at high is >=
        low_key, high_key = 0, _KEY_SPAN
        wanted = int(target[:_KEY_DIGITS], 16)
        bisect = False
        while high - low > _SCAN_WINDOW:
            if bisect or high_key <= low_key:
                probe = (low + high) // 2
            else:
                offset = (wanted - low_key) * (high - low) // (high_key - low_key)
                probe = low + min(max(offset, 0), high - low - 1)
            start, line = self._line(probe, low)
            key = line[:HASH_LENGTH]
            if not _HASH.fullmatch(key):
                raise self._damaged("hibp_error.damaged_at", start)
            previous = high - low
            if key < target:
                low, low_key = start + len(line) + 1, int(key[:_KEY_DIGITS], 16)
                low = min(low, high)
            else:
                high, high_key = start, int(key[:_KEY_DIGITS], 16)
            bisect = not bisect and (high - low) * 2 > previous
        return low, high

    def lookup(self, sha1: str) -> int:
        """The breach count of a hash, 0 when absent; raises ``CorpusError`` on damage."""
        target = sha1.encode("ascii")
        low, high = self._bracket(target)
        # The hash, if present, starts in [low, high]. A run of 40 hex digits can
        # only be a whole hash field, so find() is exact.
        window = self._read(low, high - low + _LINE_WINDOW)
        found = window.find(target)
        if found < 0 or found > high - low:
            if not self._covers(target[:PREFIX_LENGTH], low, window):
                raise self._gap(sha1[:PREFIX_LENGTH])
            return 0
        end = window.find(b"\n", found)
        line = window[found : None if end < 0 else end]
        if not _SHA1_LINE.match(line):
            raise self._damaged("hibp_error.damaged_at", low + found)
        # A repeat sorts next to it, and a line is under 60 bytes: the window
        # (through ``high`` plus a line) holds the next line's hash whole.
        if end >= 0 and window.find(target, end) >= 0:
            raise failure(
                CorpusError,
                "hibp_error.repeated_line",
                path=self.description,
                byte=str(low + found),
            )
        return int(line.rstrip(b"\r").split(b":", 1)[1])

    def _covers(self, head: bytes, low: int, window: bytes) -> bool:
        """Whether the file has a line in prefix ``head``, for a hash found absent.

        ``window`` is what ``lookup`` read from ``low``, a line start, through the
        first line at or after the hash. Lines are sorted, so if the prefix has any
        line, one of them is in the window or is the line just before it.
        """
        if any(piece[:PREFIX_LENGTH] == head for piece in window.split(b"\n")):
            return True
        if low == 0 or (window and window[:PREFIX_LENGTH] < head):
            return False
        _, before = self._line(low - 1)
        return before[:PREFIX_LENGTH] == head

    def _repeated(self, prefix: str) -> CorpusError:
        # Two lines for one hash are two answers (the first is what a lookup
        # reads, the last what a whole range kept): neither can be believed.
        return failure(
            CorpusError, "hibp_error.repeated_range", path=self.description, prefix=prefix
        )

    def _damaged(self, key: str, byte: int) -> CorpusError:
        return failure(CorpusError, key, path=self.description, byte=str(byte))

    def _gap(self, prefix: str) -> CorpusError:
        # A complete corpus has hundreds of lines in every prefix: none means a gap.
        return failure(CorpusError, "hibp_error.gap", path=self.description, prefix=prefix)

    def range_of(self, prefix: str) -> dict[str, int]:
        head = prefix.encode("ascii")
        position, _ = self._bracket(head + b"0" * SUFFIX_LENGTH)
        found: dict[str, int] = {}
        pending = previous = b""
        while position < self._size:
            block = pending + self._read(position, _RANGE_BLOCK)
            position += len(block) - len(pending)
            lines = block.split(b"\n")
            # A line cut by the block's end waits for the next block.
            pending = b"" if position >= self._size else lines.pop()
            stop, previous = self._take(lines, head, found, previous)
            if stop:
                break
        if not found:  # a real prefix has hundreds of breached lines; none is a gap
            raise self._gap(prefix)
        return found

    def _take(
        self, lines: list[bytes], head: bytes, found: dict[str, int], previous: bytes
    ) -> tuple[bool, bytes]:
        """Add the breached lines of prefix ``head`` to ``found``; whether a later prefix began."""
        for raw in lines:
            line = raw.rstrip(b"\r")
            if not line or line[:PREFIX_LENGTH] < head:
                continue  # the bracket's lines of lower prefixes
            if line[:PREFIX_LENGTH] > head:
                return True, previous
            if not _SHA1_LINE.match(line):
                raise failure(
                    CorpusError,
                    "hibp_error.damaged_range",
                    path=self.description,
                    prefix=head.decode("ascii"),
                )
            digest, count = line.split(b":", 1)
            if digest == previous:
                raise self._repeated(head.decode("ascii"))
            previous = digest
            if int(count):
                found[digest[PREFIX_LENGTH:].decode("ascii")] = int(count)
        return False, previous

    # --- with a prefix index ---------------------------------------------------------------

    def _block(self, head: bytes, index: PrefixIndex) -> tuple[bytes, int, int, int] | None:
        """Prefix ``head``'s lines as the index places them, read at once, with a line around.

        Returns what was read, its position in the file, and where the block
        starts and ends in it, or ``None`` when the index's offsets do not fit
        this file there. They fit when the block starts at a line after a hash
        of a lower prefix (or at the file's start), ends where a hash of a
        higher prefix starts (or at the file's end), and its first and last
        lines are in ``head``: in a sorted file that is exactly the prefix's
        lines, so a damaged, swapped or shifted offset is seen, and the caller
        searches without the index. Raises ``_Oversized`` for a block too large
        to read at once: a real prefix's block is about 40 KB, and the cap on a
        range answer, 50 times that, bounds what a hostile corpus and its index
        can make one read hold; the search reads it page by page instead.
        """
        number = int(head, 16)
        start, end = index.offsets[number], index.offsets[number + 1]
        if not start <= end <= self._size:
            return None
        if end - start > MAX_BODY_BYTES:
            raise _Oversized
        first = max(start - _LINE_WINDOW, 0)
        data = self._read(first, end - first + _LINE_WINDOW)
        low, high = start - first, end - first
        if start > 0:
            cut = data.rfind(b"\n", 0, low)
            before = data.rfind(b"\n", 0, cut) + 1
            if cut != low - 1 or (before == 0 and first > 0):
                return None
            key = data[before : before + HASH_LENGTH]
            if key[:PREFIX_LENGTH] >= head or not _HASH.fullmatch(key):
                return None
        if end < self._size:
            key = data[high : high + HASH_LENGTH]
            if key[:PREFIX_LENGTH] <= head or data[high - 1 : high] != b"\n":
                return None
            if not _HASH.fullmatch(key):
                return None
        if start < end:
            last = data.rfind(b"\n", low, high - 1) + 1 or low
            if data[low : low + PREFIX_LENGTH] != head or data[last : last + PREFIX_LENGTH] != head:
                return None
        return data, first, low, high

    def indexed_count(self, target: bytes, index: PrefixIndex) -> int | None:
        """``lookup`` in the prefix's block only; ``None`` when the index does not fit there."""
        try:
            block = self._block(target[:PREFIX_LENGTH], index)
        except _Oversized:
            return self.lookup(target.decode("ascii"))
        if block is None:
            return None
        data, first, low, high = block
        if low == high:
            raise self._gap(target[:PREFIX_LENGTH].decode("ascii"))
        found = data.find(target, low, high)
        if found < 0:
            return 0
        end = data.find(b"\n", found, high)
        line = data[found : high if end < 0 else end]
        if not _SHA1_LINE.match(line):
            raise self._damaged("hibp_error.damaged_at", first + found)
        if end >= 0 and data.find(target, end, high) >= 0:
            raise failure(
                CorpusError,
                "hibp_error.repeated_line",
                path=self.description,
                byte=str(first + found),
            )
        return int(line.rstrip(b"\r").split(b":", 1)[1])

    def indexed_range(self, prefix: str, index: PrefixIndex) -> dict[str, int] | None:
        """``range_of`` from the prefix's block only; ``None`` when the index does not fit there."""
        head = prefix.encode("ascii")
        try:
            block = self._block(head, index)
        except _Oversized:
            return self.range_of(prefix)
        if block is None:
            return None
        data, _, low, high = block
        found: dict[str, int] = {}
        self._take(data[low:high].split(b"\n"), head, found, b"")
        if not found:
            raise self._gap(prefix)
        return found

    def prefetch(self, head: bytes, index: PrefixIndex) -> None:
        """Tell the kernel the block of prefix ``head`` will be read soon."""
        number = int(head, 16)
        start, end = index.offsets[number], index.offsets[number + 1]
        if start <= end <= self._size and end - start <= MAX_BODY_BYTES:
            first = max(start - _LINE_WINDOW, 0)
            length = end - first + _LINE_WINDOW
            os.posix_fadvise(self._descriptor, first, length, os.POSIX_FADV_WILLNEED)

    def offsets(self) -> tuple[array[int], int]:
        """This file's prefix offsets (``index.prefix_offsets``), read front to back once."""
        with mmap.mmap(self._descriptor, 0, access=mmap.ACCESS_READ) as data:
            if hasattr(data, "madvise"):
                data.madvise(mmap.MADV_SEQUENTIAL)  # one pass: read ahead, unlike lookups
            found = prefix_offsets(data, self.description)
        if _signature(os.fstat(self._descriptor)) != self.signature:
            raise failure(CorpusError, "hibp_index.changed", path=self.description)
        return found

    def close(self) -> None:
        self._closer()


Signature = tuple[int, int, int, int] | None
"""A file as ``stat`` sees it (device, inode, size, mtime_ns); ``None``: it cannot be seen."""


def _signature(status: os.stat_result) -> tuple[int, int, int, int]:
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def _seen(path: Path) -> Signature:
    try:
        return _signature(path.stat())
    except OSError:
        return None


@dataclass(frozen=True)
class _Serving:
    """The file lookups read now, and its index if one fits it."""

    file: _OpenedFile
    index: PrefixIndex | None
    sidecar: Signature
    """The sidecar as it was when ``index`` was read (or refused, or found missing)."""


class SortedHashFile(LocalCorpus):
    """The downloader's single file, ``HASH40:COUNT`` lines sorted by hash, searched in place.

    With a fresh sidecar index (``CORPUS.idx``, ``hibp index``) a lookup reads
    one prefix's block; without one, or with one that does not fit the file, it
    searches the file (an interpolation search) and the reader warns once.

    The corpus may be replaced while it is served (a refresh writes the new file
    beside it and renames it over): at most once every ``recheck_seconds`` the
    path and its sidecar are looked at again, and a new file (another inode,
    size or mtime) is opened and checked, then answers every lookup that starts
    after; lookups already running finish on the old one. A replacement that
    fails the checks is not served: the old file goes on answering, with a
    warning, until a good one takes its place.
    """

    def __init__(
        self,
        path: Path,
        *,
        use_index: bool = True,
        recheck_seconds: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.description = str(path)
        self._use_index = use_index
        self._recheck = recheck_seconds
        self._clock = clock
        self._next_check = clock() + recheck_seconds
        self._rechecking = threading.Lock()
        self._refused: Signature = None
        self._mismatched: PrefixIndex | None = None
        opened = _OpenedFile(path)
        self._serving = self._indexed(opened, self._sidecar_seen())

    @property
    def indexed(self) -> bool:
        """Whether lookups read one block of an index now."""
        return self._serving.index is not None

    def _sidecar_seen(self) -> Signature:
        return _seen(index_path(self.path)) if self._use_index else None

    def _indexed(self, opened: _OpenedFile, sidecar: Signature) -> _Serving:
        if sidecar is None:
            return _Serving(opened, None, sidecar)
        loaded = load_index(self.path, opened.stamp)
        if isinstance(loaded, Refused):
            logger.warning("%s", Logged(loaded.said))
            return _Serving(opened, None, sidecar)
        return _Serving(opened, loaded, sidecar)

    def _current(self) -> _Serving:
        """What to read now, after looking at the path again if a second has passed."""
        serving = self._serving
        now = self._clock()
        if now < self._next_check or not self._rechecking.acquire(blocking=False):
            return serving  # another thread is looking: this lookup reads what is there
        try:
            self._next_check = now + self._recheck
            self._serving = serving = self._reopened(serving)
        finally:
            self._rechecking.release()
        return serving

    def _reopened(self, serving: _Serving) -> _Serving:
        seen, sidecar = _seen(self.path), self._sidecar_seen()
        if seen == serving.file.signature:
            return serving if sidecar == serving.sidecar else self._indexed(serving.file, sidecar)
        if seen == self._refused and seen is not None:
            return serving  # said already; the same file is not checked again
        try:
            opened = _OpenedFile(self.path)
        except CorpusError as exc:
            self._refused = seen
            said = logged(
                "hibp_index.replacement_refused", corpus=self.description, reason=_said(exc)
            )
            logger.warning("%s", said)
            return serving
        logger.info("%s", logged("hibp_index.replaced", corpus=self.description))
        return self._indexed(opened, self._sidecar_seen())

    def _count(self, serving: _Serving, sha1: str) -> int:
        if serving.index is not None:
            count = serving.file.indexed_count(sha1.encode("ascii"), serving.index)
            if count is not None:
                return count
            self._mismatch(serving.index)
        return serving.file.lookup(sha1)

    def _mismatch(self, index: PrefixIndex) -> None:
        # Once per index read: each lookup it does not fit searches the file instead.
        # No prefix in the message: a log of prefixes is a list of clues.
        if self._mismatched is not index:
            self._mismatched = index
            logger.warning(
                "%s", logged("hibp_index.mismatch", index=str(index.path), corpus=self.description)
            )

    def lookup(self, sha1: str) -> int:
        """The breach count of a hash, 0 when absent; raises ``CorpusError`` on damage."""
        return self._count(self._current(), sha1)

    def range_of(self, prefix: str) -> dict[str, int]:
        serving = self._current()
        if serving.index is not None:
            found = serving.file.indexed_range(prefix, serving.index)
            if found is not None:
                return found
            self._mismatch(serving.index)
        return serving.file.range_of(prefix)

    def check(
        self, sha1_hashes: Collection[str], progress: Advance = no_progress
    ) -> Mapping[str, LookupResult]:
        serving = self._current()  # one file for the whole batch
        results: dict[str, LookupResult] = {}
        # Sorted order walks the file front to back: neighbouring reads share pages.
        digests = sorted(sha1_hashes)
        ahead = _Prefetch(serving, digests)
        clock = time.perf_counter
        for number, digest in enumerate(digests, start=1):
            began = clock()
            try:
                count = self._count(serving, digest)
                if clock() - began > _WAITED:
                    ahead.waited(number - 1)
            except CorpusError as exc:
                results[digest] = Unknown(str(exc))
            else:
                results[digest] = Pwned(count) if count else Clean()
            if number % _PROGRESS_STEP == 0:
                progress(_PROGRESS_STEP)
        progress(len(results) % _PROGRESS_STEP)
        return results

    def close(self) -> None:
        self._serving.file.close()


class _Prefetch:
    """Asks the kernel for the blocks of a batch's next lookups once a lookup waited for the disk.

    A cold lookup through the index is one read of one block, so a batch would
    otherwise wait for the disk one block at a time. When a lookup took longer
    than a read from the page cache can (``_WAITED``), the next ``_PREFETCH``
    blocks are asked for (``POSIX_FADV_WILLNEED``), and the disk works on many at
    once. A warm batch never waits, and makes no such call. Without an index, or
    off POSIX, it does nothing.
    """

    def __init__(self, serving: _Serving, digests: list[str]) -> None:
        self._serving, self._digests, self._asked, self._last = serving, digests, 0, b""
        self._on = serving.index is not None and hasattr(os, "posix_fadvise")

    def waited(self, position: int) -> None:
        """The lookup of ``digests[position]`` waited: ask for the blocks after it."""
        index = self._serving.index
        if not self._on or index is None:
            return
        until = min(len(self._digests), position + 1 + _PREFETCH)
        for digest in self._digests[max(self._asked, position + 1) : until]:
            head = digest[:PREFIX_LENGTH].encode("ascii")
            if head != self._last:
                self._last = head
                self._serving.file.prefetch(head, index)
        self._asked = max(self._asked, until)


def build_index(corpus: Path) -> BuiltIndex:
    """Index the single file ``corpus`` into ``CORPUS.idx``, after the checks a lookup makes.

    Raises ``CorpusError`` for a folder (it reads one file per prefix and needs
    no index), a corpus the reader refuses, damage met on the way, or a corpus
    that changed while it was read.
    """
    if corpus.is_dir():
        raise failure(CorpusError, "hibp_index.folder", path=str(corpus))
    if not corpus.exists():
        raise failure(CorpusError, "hibp_error.no_such", path=str(corpus))
    opened = _OpenedFile(corpus)
    try:
        offsets, present = opened.offsets()
    finally:
        opened.close()
    return BuiltIndex(write_index(corpus, opened.stamp, offsets), present)


class PrefixDirectory(LocalCorpus):
    """The downloader's per-prefix layout: ``XXXXX.txt`` files holding ``SUFFIX35:COUNT``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = str(path)
        # The downloader writes every prefix, 00000 first; listing (let alone
        # sorting) a folder of a million files to find a sample would cost seconds.
        first = path / "00000.txt"
        sample = (
            first
            if first.is_file()
            else next((entry for entry in path.iterdir() if _PREFIX_FILE.match(entry.name)), None)
        )
        if sample is None:
            raise failure(CorpusError, "hibp_error.no_prefix_files", path=str(path))
        try:
            self._load(sample.stem)
        except CorpusError as exc:
            if "NTLM" in str(exc):
                raise failure(CorpusError, "hibp_error.ntlm", path=str(path)) from exc
            raise failure(CorpusError, "hibp_error.at", path=str(path), reason=_said(exc)) from exc

    def check(
        self, sha1_hashes: Collection[str], progress: Advance = no_progress
    ) -> Mapping[str, LookupResult]:
        groups = by_prefix(sha1_hashes)
        ranges = {}
        for prefix, digests in groups.items():
            ranges[prefix] = self._range(prefix)
            progress(len(digests))
        return outcomes(groups, ranges)

    def _range(self, prefix: str) -> Range | Unknown:
        try:
            return self._load(prefix)
        except CorpusError as exc:
            return Unknown(str(exc))

    def range_of(self, prefix: str) -> dict[str, int]:
        return self._load(prefix).counts()

    def _load(self, prefix: str) -> Range:
        # A missing or empty prefix file means an incomplete download, not a clean password.
        file = self.path / f"{prefix}.txt"
        try:
            data = read_capped(file, MAX_BODY_BYTES, regular_only=True)
        except FileNotFoundError:
            raise failure(CorpusError, "hibp_error.prefix_missing", path=file.name) from None
        except FileTooLargeError as exc:
            raise failure(
                CorpusError,
                "hibp_error.prefix_too_large",
                path=str(file),
                mib=str(MAX_BODY_BYTES // 2**20),
            ) from exc
        except OSError as exc:
            reason = os_reason(exc.strerror or type(exc).__name__, exc.errno)
            raise failure(CorpusError, "hibp_error.at", path=file.name, reason=reason) from exc
        if not data.strip(b" \t\r\n"):
            raise failure(CorpusError, "hibp_error.gap", path=str(file), prefix=prefix)
        try:
            return Range.parse(data.decode("ascii"), str(file))
        except UnicodeDecodeError as exc:
            raise failure(CorpusError, "hibp_error.at", path=file.name, reason=str(exc)) from exc
        except HibpError as exc:
            raise failure(CorpusError, "hibp_error.at", path=file.name, reason=_said(exc)) from exc


def open_corpus(path: Path) -> LocalCorpus:
    """The offline source for ``path``: a per-prefix folder or a single sorted file."""
    if path.is_dir():
        return PrefixDirectory(path)
    if not path.exists():
        raise failure(CorpusError, "hibp_error.no_such", path=str(path))
    return SortedHashFile(path)
