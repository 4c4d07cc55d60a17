"""Breach lookups in a downloaded Pwned Passwords corpus: one sorted file or per-prefix files."""

from __future__ import annotations

import mmap
import re
from abc import abstractmethod
from collections.abc import Collection, Mapping
from pathlib import Path

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
    PREFIX_LENGTH,
    SUFFIX_LENGTH,
    Range,
    by_prefix,
    outcomes,
    parse_range,
)
from auditor.progress import Advance, no_progress

HASH_LENGTH = 40
_SHA1_LINE = re.compile(rb"^[0-9A-F]{40}:\d+\r?$")
_NTLM_LINE = re.compile(rb"^[0-9A-Fa-f]{32}:\d+\r?$")
_PREFIX_FILE = re.compile(r"^[0-9A-F]{5}\.txt$")
_HASH = re.compile(rb"[0-9A-F]{40}")
_KEY_DIGITS = 15
"""Hex digits of a hash used as its number in interpolation: 60 bits, a small int."""
_KEY_SPAN = 16**_KEY_DIGITS
_SCAN_WINDOW = 4096
"""Bytes left when the search stops probing and scans: one page, about 90 lines."""
_SAMPLES = 64
_PROGRESS_STEP = 1000
_NTLM_HINT = (
    "this is the NTLM corpus; download the SHA-1 one "
    "(haveibeenpwned-downloader without the -n option)"
)


class LocalCorpus(BreachSource):
    """A downloaded corpus, which can also answer for a whole prefix (to serve a mirror)."""

    @abstractmethod
    def range_of(self, prefix: str) -> dict[str, int]:
        """Suffix → count for every hash under ``prefix`` (5 upper-case hex digits).

        Raises ``CorpusError`` when the corpus cannot answer (damage, missing file).
        """


class SortedHashFile(LocalCorpus):
    """The downloader's single file, ``HASH40:COUNT`` lines sorted by hash, searched in place.

    Each lookup is a binary search over the memory-mapped file: about log2(size)
    page reads, never a scan. ``MADV_RANDOM`` tells the kernel not to read ahead,
    so a cold lookup costs a few pages, not megabytes.
    """

    def __init__(self, path: Path) -> None:
        self.description = str(path)
        try:
            self._file = path.open("rb")
        except OSError as exc:
            raise CorpusError(f"{path}: cannot open corpus: {exc.strerror}") from exc
        if path.stat().st_size == 0:
            self._file.close()
            raise CorpusError(f"{path}: the corpus is empty")
        try:
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            self._file.close()
            raise CorpusError(f"{path}: cannot map corpus: {exc}") from exc
        if hasattr(self._map, "madvise") and hasattr(mmap, "MADV_RANDOM"):
            self._map.madvise(mmap.MADV_RANDOM)
        try:
            self._validate()
        except CorpusError:
            self.close()
            raise

    def _validate(self) -> None:
        """Check the format at the ends and at evenly spaced samples, and their order."""
        size = len(self._map)
        first = self._line_at(0)
        if _NTLM_LINE.match(first):
            raise CorpusError(f"{self.description}: {_NTLM_HINT}")
        if not _SHA1_LINE.match(first):
            raise CorpusError(
                f"{self.description}: line 1 is not HASH:COUNT with 40 upper-case hex digits; "
                "expected the Pwned Passwords SHA-1 file"
            )
        last_start = self._map.rfind(b"\n", 0, size - 1) + 1
        if not _SHA1_LINE.match(self._line_at(last_start)):
            raise CorpusError(f"{self.description}: the last line is damaged (truncated download?)")
        previous = b""
        for index in range(_SAMPLES + 1):
            start = self._line_start(min(size - 1, size * index // _SAMPLES))
            line = self._line_at(start)
            if not _SHA1_LINE.match(line):
                raise CorpusError(f"{self.description}: damaged line at byte {start}")
            if line[:HASH_LENGTH] < previous:
                raise CorpusError(f"{self.description}: the file is not sorted by hash")
            previous = line[:HASH_LENGTH]

    def _line_start(self, position: int) -> int:
        return self._map.rfind(b"\n", 0, position) + 1

    def _line_at(self, start: int) -> bytes:
        end = self._map.find(b"\n", start)
        return self._map[start : len(self._map) if end < 0 else end]

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
        data = self._map
        low, high = 0, len(data)  # every line before low is < target; the line at high is >=
        low_key, high_key = 0, _KEY_SPAN
        wanted = int(target[:_KEY_DIGITS], 16)
        bisect = False
        while high - low > _SCAN_WINDOW:
            if bisect or high_key <= low_key:
                probe = (low + high) // 2
            else:
                offset = (wanted - low_key) * (high - low) // (high_key - low_key)
                probe = low + min(max(offset, 0), high - low - 1)
            start = data.rfind(b"\n", low, probe) + 1 or low
            key = data[start : start + HASH_LENGTH]
            if not _HASH.fullmatch(key):
                raise CorpusError(f"{self.description}: damaged line at byte {start}")
            previous = high - low
            if key < target:
                end = data.find(b"\n", start)
                low = high if end < 0 else end + 1
                low_key = int(key[:_KEY_DIGITS], 16)
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
        start = self._map.find(target, low, min(len(self._map), high + HASH_LENGTH))
        if start < 0:
            return 0
        line = self._line_at(start)
        if not _SHA1_LINE.match(line):
            raise CorpusError(f"{self.description}: damaged line at byte {start}")
        return int(line.rstrip(b"\r").split(b":", 1)[1])

    def range_of(self, prefix: str) -> dict[str, int]:
        head = prefix.encode("ascii")
        position, _ = self._bracket(head + b"0" * SUFFIX_LENGTH)
        found: dict[str, int] = {}
        size = len(self._map)
        # Skip the bracket's lines of lower prefixes, then read the whole range.
        while position < size and self._map[position : position + PREFIX_LENGTH] < head:
            position = self._map.find(b"\n", position) + 1 or size
        while position < size and self._map[position : position + PREFIX_LENGTH] == head:
            line = self._line_at(position)
            if not _SHA1_LINE.match(line):
                raise CorpusError(f"{self.description}: damaged line at byte {position}")
            digest, count = line.rstrip(b"\r").split(b":", 1)
            if int(count):
                found[digest[PREFIX_LENGTH:].decode("ascii")] = int(count)
            position += len(line) + 1
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
                self._release_pages()
        progress(len(results) % _PROGRESS_STEP)
        return results

    def _release_pages(self) -> None:
        # Pages of the file that lookups touched stay mapped into this process,
        # and count in its resident memory, until told otherwise: a large audit
        # would appear to use most of a 40 GB corpus. Unmapping them keeps them
        # in the page cache (a later touch is a cheap minor fault).
        if hasattr(mmap, "MADV_DONTNEED"):
            self._map.madvise(mmap.MADV_DONTNEED)

    def close(self) -> None:
        if hasattr(self, "_map"):
            self._map.close()
        self._file.close()


class PrefixDirectory(LocalCorpus):
    """The downloader's per-prefix layout: ``XXXXX.txt`` files holding ``SUFFIX35:COUNT``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = str(path)
        sample = next(
            (entry for entry in sorted(path.iterdir()) if _PREFIX_FILE.match(entry.name)), None
        )
        if sample is None:
            raise CorpusError(
                f"{path}: no XXXXX.txt prefix files (expected the downloader's per-prefix folder)"
            )
        try:
            parse_range(sample.read_text(encoding="ascii"), str(sample))
        except HibpError as exc:
            if "NTLM" in str(exc):
                raise CorpusError(f"{path}: {_NTLM_HINT}") from exc
            raise CorpusError(f"{path}: {exc}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{sample}: cannot read: {exc}") from exc

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
            return self._read(prefix)
        except CorpusError as exc:
            return Unknown(str(exc))

    def range_of(self, prefix: str) -> dict[str, int]:
        return self._read(prefix).counts()

    def _read(self, prefix: str) -> Range:
        # A missing prefix file means an incomplete download, not a clean password.
        file = self.path / f"{prefix}.txt"
        try:
            return Range.parse(file.read_text(encoding="ascii"), str(file))
        except FileNotFoundError:
            raise CorpusError(
                f"{file.name} is missing from the corpus (incomplete download?)"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{file.name}: {exc}") from exc
        except HibpError as exc:
            raise CorpusError(f"{file.name}: {exc}") from exc


def open_corpus(path: Path) -> LocalCorpus:
    """The offline source for ``path``: a per-prefix folder or a single sorted file."""
    if path.is_dir():
        return PrefixDirectory(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such corpus file or folder")
    return SortedHashFile(path)
