"""Breach lookups in a downloaded Pwned Passwords corpus: one sorted file or per-prefix files."""

from __future__ import annotations

import os
import re
from abc import abstractmethod
from collections.abc import Collection, Mapping
from pathlib import Path

from auditor.files.bounded import FileTooLargeError, read_capped
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
from auditor.i18n.oserror import os_reason
from auditor.i18n.phrase import Arg, Phrase
from auditor.progress import Advance, no_progress

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


class SortedHashFile(LocalCorpus):
    """The downloader's single file, ``HASH40:COUNT`` lines sorted by hash, searched in place.

    Each lookup is an interpolation search (see ``_bracket``) made of a few small
    positioned reads: never a scan. Reads go through the page cache without
    mapping the file into this process, so a large audit neither pays a page
    fault per page touched nor appears to hold the corpus in its memory, and
    the kernel is told not to read ahead: a cold lookup costs a few pages.
    """

    def __init__(self, path: Path) -> None:
        self.description = str(path)
        try:
            self._file = path.open("rb", buffering=0)
        except OSError as exc:
            reason = os_reason(str(exc.strerror), exc.errno)
            raise failure(
                CorpusError, "hibp_error.cannot_open", path=str(path), reason=reason
            ) from exc
        self._size = os.fstat(self._file.fileno()).st_size
        if self._size == 0:
            self._file.close()
            raise failure(CorpusError, "hibp_error.empty", path=str(path))
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(self._file.fileno(), 0, 0, os.POSIX_FADV_RANDOM)
        try:
            self._validate()
        except CorpusError:
            self.close()
            raise

    def _read(self, position: int, length: int) -> bytes:
        if hasattr(os, "pread"):
            return os.pread(self._file.fileno(), length, position)
        self._file.seek(position)  # Windows has no pread; lookups run in one thread
        return self._file.read(length) or b""

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
            for raw in lines:
                line = raw.rstrip(b"\r")
                if not line or line[:PREFIX_LENGTH] < head:
                    continue  # the bracket's lines of lower prefixes
                if line[:PREFIX_LENGTH] > head:
                    position = self._size
                    break
                if not _SHA1_LINE.match(line):
                    raise failure(
                        CorpusError,
                        "hibp_error.damaged_range",
                        path=self.description,
                        prefix=prefix,
                    )
                digest, count = line.split(b":", 1)
                if digest == previous:
                    raise self._repeated(prefix)
                previous = digest
                if int(count):
                    found[digest[PREFIX_LENGTH:].decode("ascii")] = int(count)
        if not found:  # a real prefix has hundreds of breached lines; none is a gap
            raise self._gap(prefix)
        return found

    def check(
        self, sha1_hashes: Collection[str], progress: Advance = no_progress
    ) -> Mapping[str, LookupResult]:
        results: dict[str, LookupResult] = {}
        # Sorted order walks the file front to back: neighbouring probes share pages.
        for number, digest in enumerate(sorted(sha1_hashes), start=1):
            try:
                count = self.lookup(digest)
            except CorpusError as exc:
                results[digest] = Unknown(str(exc))
            else:
                results[digest] = Pwned(count) if count else Clean()
            if number % _PROGRESS_STEP == 0:
                progress(_PROGRESS_STEP)
        progress(len(results) % _PROGRESS_STEP)
        return results

    def close(self) -> None:
        self._file.close()


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
