"""Building and refreshing the offline corpus from the range API: resumable, conditional, checked.

What is on disk, for ``DEST`` (see ``Layout``):

- ``prefixes``: ``DEST/`` holds one ``ABCDE.txt`` per prefix (``SUFFIX:COUNT``
  lines, CRLF, sorted, padding dropped), the layout ``PrefixDirectory`` reads,
  with ``DEST/.download-manifest`` and ``.download-journal`` (``manifest.py``).
- ``single``: the same folder is kept beside the file as ``DEST.parts/``, and
  ``DEST`` is the official downloader's single file (``HASH:COUNT`` lines sorted
  by hash), which ``SortedHashFile`` reads, assembled from the parts in order.

Publishing protocol (what a reader such as ``hibp serve`` may rely on):

- a prefix file is written as ``.ABCDE.txt.tmp``, flushed to disk (fsync), and
  renamed over ``ABCDE.txt`` (``os.replace``, atomic on POSIX and Windows): a
  reader opening ``ABCDE.txt`` sees the old answer or the new one, whole, and
  the folder is at every moment a set of whole prefixes;
- the single file is written as ``.DEST.assembling`` beside ``DEST``, flushed
  to disk, and renamed over ``DEST`` only once every prefix of the range is in
  it: ``DEST`` is the previous whole file until that instant, and the new whole
  file after it. A reader that holds ``DEST`` open keeps reading the previous
  file (its inode lives while open); it must notice the rename (``DEST``'s inode,
  size or mtime changed) and open ``DEST`` again to see the new one;
- nothing is ever written under the final name but by that rename, so a kill
  leaves at most a ``.tmp`` or ``.assembling`` file, which the next run replaces.
"""

from __future__ import annotations

import contextlib
import enum
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import assert_never

import requests

from auditor.errors import UsageError
from auditor.hibp.fetch import Answer, NotModified, RangeFetcher
from auditor.hibp.interface import HibpError
from auditor.hibp.manifest import PREFIXES, Manifest
from auditor.hibp.online import RetryPolicy
from auditor.hibp.rangefmt import MAX_BODY_BYTES, Range
from auditor.hibp.session import DEFAULT_API
from auditor.i18n.failure import failure
from auditor.i18n.oserror import os_reason
from auditor.progress import Advance, no_progress

DEFAULT_WORKERS = 32
"""Requests in flight: the range API has no rate limit, and 32 keep a 30 ms round trip busy
(benchmarks/online.py); each prefix is also one fsync, which parallel threads share."""
QUEUE_PER_WORKER = 4
"""Prefixes handed to the pool ahead of the workers: enough to keep them busy, and few
enough that 1,048,576 prefixes never become 1,048,576 pending futures in memory."""
GIVE_UP_AFTER = 256
"""Prefixes failing in a row (each after its retries) that stop a run: the server or the
network is down, and the rest would fail alike; a rerun resumes where it stopped."""
FIRST_MISSING = 5
"""Missing prefixes named in the final message; the count says how many in all."""
_SPAN = re.compile(r"^([0-9A-Fa-f]{5})(?:-([0-9A-Fa-f]{5}))?$")
_TEMPORARY = re.compile(r"^\.[0-9A-F]{5}\.txt\.tmp$")
_PREFIX_FILE = re.compile(r"^[0-9A-F]{5}\.txt$")


class DownloadError(HibpError):
    """The corpus cannot be written where asked."""


class Layout(enum.Enum):
    """How the corpus is laid out on disk (both are what ``open_corpus`` reads)."""

    PREFIXES = "prefixes"
    """A folder of ``ABCDE.txt`` files, the downloader's ``-s false`` layout."""
    SINGLE = "single"
    """The downloader's single sorted ``HASH:COUNT`` file."""


@dataclass(frozen=True)
class PrefixSpan:
    """Prefixes ``first`` to ``last`` (numbers, both included), as ``--prefixes 00000-0FFFF``."""

    first: int = 0
    last: int = PREFIXES - 1

    @classmethod
    def parse(cls, text: str) -> PrefixSpan:
        """``ABCDE`` or ``ABCDE-FGHIJ`` (hex, either case); ``UsageError`` otherwise."""
        match = _SPAN.match(text.strip())
        if match is None:
            raise failure(UsageError, "download.bad_span", value=text[:20])
        first = int(match[1], 16)
        last = int(match[2] or match[1], 16)
        if last < first:
            raise failure(UsageError, "download.span_backwards", value=text[:20])
        return cls(first, last)

    def __len__(self) -> int:
        return self.last - self.first + 1

    def numbers(self) -> range:
        return range(self.first, self.last + 1)

    def __str__(self) -> str:
        return f"{self.first:05X}-{self.last:05X}"


@dataclass(frozen=True)
class DownloadRequest:
    """One ``portal-audit hibp download``."""

    dest: Path
    layout: Layout = Layout.PREFIXES
    span: PrefixSpan = field(default_factory=PrefixSpan)
    base_url: str = DEFAULT_API
    refresh: bool = False
    """Ask again for the prefixes already stored, conditionally on their validators."""
    workers: int = DEFAULT_WORKERS


@dataclass(frozen=True)
class Downloaded:
    """What a download did, and whether the range is now whole on disk."""

    asked: int
    """Prefixes in the range."""
    fetched: int
    """Prefixes written by this run (new, or changed on a refresh)."""
    unchanged: int
    """Prefixes the server said were unchanged (304)."""
    kept: int
    """Prefixes already stored and not asked again (no ``--refresh``)."""
    missing: tuple[str, ...]
    """Prefixes of the range not stored whole at the end, sorted: the corpus has a gap."""
    stale: tuple[str, ...]
    """Prefixes a refresh could not check, which keep their previous whole version."""
    requests: int
    seconds: float
    first_problem: str | None = None
    """Why the first failed prefix failed (a prefix and a status: a download holds no secret)."""

    @property
    def complete(self) -> bool:
        return not self.missing and not self.stale


class PrefixStore:
    """A folder of ``ABCDE.txt`` prefix files, each replaced atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _cannot_write(folder, exc) from exc

    def present(self) -> set[int]:
        """Prefixes with a file; temporary files a killed run left are removed on the way.

        One listing of the folder, not a ``stat`` per prefix: a million of those
        cost seconds more.
        """
        found = set()
        try:
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    if _PREFIX_FILE.match(entry.name):
                        found.add(int(entry.name[:5], 16))
                    elif _TEMPORARY.match(entry.name):
                        Path(entry.path).unlink(missing_ok=True)
        except OSError as exc:
            raise _cannot_write(self.folder, exc) from exc
        return found

    def path(self, prefix: int) -> Path:
        return self.folder / f"{prefix:05X}.txt"

    def write(self, prefix: int, text: str) -> None:
        """Write a prefix file whole, or leave the previous one: temp file, fsync, rename."""
        final = self.path(prefix)
        temporary = self.folder / f".{final.name}.tmp"
        try:
            with temporary.open("wb") as out:
                out.write(text.encode("ascii"))
                out.flush()
                os.fsync(out.fileno())
            temporary.replace(final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise _cannot_write(final, exc) from exc

    def read(self, prefix: int) -> bytes | None:
        """A prefix file's bytes, None when absent or over the answer cap."""
        try:
            with self.path(prefix).open("rb") as opened:
                data = opened.read(MAX_BODY_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _cannot_read(self.path(prefix), exc) from exc
        return data if len(data) <= MAX_BODY_BYTES else None

    def sync(self) -> None:
        """Make the renames durable: the folder's own entry list, flushed (POSIX only)."""
        if os.name != "posix":
            return
        descriptor = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def parts_folder(request: DownloadRequest) -> Path:
    """Where the prefix files are: ``DEST`` itself, or ``DEST.parts`` beside the single file."""
    match request.layout:
        case Layout.PREFIXES:
            return request.dest
        case Layout.SINGLE:
            return request.dest.with_name(f"{request.dest.name}.parts")
        case _:
            assert_never(request.layout)


def check_destination(request: DownloadRequest) -> None:
    """``UsageError`` when ``DEST`` is of the other layout's kind."""
    dest = request.dest
    match request.layout:
        case Layout.PREFIXES:
            if dest.exists() and not dest.is_dir():
                raise failure(UsageError, "download.dest_is_file", path=str(dest))
        case Layout.SINGLE:
            if dest.is_dir():
                raise failure(UsageError, "download.dest_is_folder", path=str(dest))
        case _:
            assert_never(request.layout)


def download(
    request: DownloadRequest,
    session: requests.Session,
    *,
    retry: RetryPolicy | None = None,
    progress: Advance = no_progress,
    clock: Callable[[], float] = time.monotonic,
) -> Downloaded:
    """Fetch the range's prefixes that are missing (and, on a refresh, those that changed).

    Stops cleanly on any exception, Ctrl-C included: the requests in flight end,
    what they stored is in the journal, and a rerun fetches only the rest.
    """
    check_destination(request)
    started = clock()
    store = PrefixStore(parts_folder(request))
    manifest = Manifest(store.folder)
    try:
        run = _Run(request, store, manifest, RangeFetcher(session, request.base_url, retry=retry))
        run.fetch_all(progress)
        missing = [n for n in request.span.numbers() if not run.stored(n)]
        if not missing and request.layout is Layout.SINGLE and run.changed:
            missing = assemble(request, store, manifest)
        store.sync()
        if not missing:
            manifest.compact()
    finally:
        manifest.close()
    return Downloaded(
        asked=len(request.span),
        fetched=run.fetched,
        unchanged=run.unchanged,
        kept=run.kept,
        missing=tuple(f"{n:05X}" for n in missing),
        stale=tuple(f"{n:05X}" for n in sorted(run.failed) if n not in missing),
        requests=run.fetcher.sent,
        seconds=clock() - started,
        first_problem=run.first_problem,
    )


def assemble(request: DownloadRequest, store: PrefixStore, manifest: Manifest) -> list[int]:
    """Write the single sorted file from the parts, in order, and rename it over ``DEST``.

    Each part is checked again as it is read (it could have been damaged on
    disk since): a damaged or missing one is removed, so that the next run
    fetches it, and ``DEST`` is left as it was. Returns those prefixes.
    """
    dest = request.dest
    temporary = dest.with_name(f".{dest.name}.assembling")
    damaged = []
    try:
        with temporary.open("wb") as out:
            for number in request.span.numbers():
                lines = _lines(store, number)
                if lines is None:
                    damaged.append(number)
                    manifest.forget(number)
                    store.path(number).unlink(missing_ok=True)
                    continue
                head = b"%05X" % number
                # Joined and prefixed in C: a Python loop over a billion lines costs minutes.
                out.write(head + b"\r\n".join(lines).replace(b"\r\n", b"\r\n" + head) + b"\r\n")
            if not damaged:
                out.flush()
                os.fsync(out.fileno())
        if not damaged:
            temporary.replace(dest)
    except OSError as exc:
        raise _cannot_write(dest, exc) from exc
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
    return damaged


def _lines(store: PrefixStore, number: int) -> list[bytes] | None:
    """A part's ``SUFFIX:COUNT`` lines, checked as an answer is, sorted; None if unusable."""
    data = store.read(number)
    if data is None:
        return None
    try:
        text = Range.parse(data.decode("ascii"), store.path(number).name).without_padding()
    except (UnicodeDecodeError, HibpError):
        return None
    lines = text.encode("ascii").split()
    if lines != sorted(lines):
        lines.sort()
    return lines


class _Run:
    """The thread pool's side of one download: fetch, write, record, count."""

    def __init__(
        self,
        request: DownloadRequest,
        store: PrefixStore,
        manifest: Manifest,
        fetcher: RangeFetcher,
    ) -> None:
        self.request = request
        self.store = store
        self.manifest = manifest
        self.fetcher = fetcher
        self.present = store.present()
        self.fetched = self.unchanged = self.kept = 0
        self.failed: set[int] = set()
        self.first_problem: str | None = None
        self.changed = manifest.pending or (
            request.layout is Layout.SINGLE and not request.dest.exists()
        )
        """Whether the single file must be assembled again: parts written by this run or
        by one that was stopped before assembling (its journal is not compacted yet)."""
        self._in_a_row = 0

    def stored(self, number: int) -> bool:
        """Whether the prefix has its whole file (a refresh that failed keeps the previous one)."""
        return number in self.present and self.manifest.done(number)

    def fetch_all(self, progress: Advance) -> None:
        todo = []
        for number in self.request.span.numbers():
            if self.stored(number) and not self.request.refresh:
                self.kept += 1
            else:
                todo.append(number)
        progress(self.kept)
        if not todo:
            return
        pending: set[Future[tuple[int, _Settled | str]]] = set()
        ahead = max(1, self.request.workers) * QUEUE_PER_WORKER
        pool = ThreadPoolExecutor(max_workers=max(1, min(self.request.workers, len(todo))))
        try:
            for number in todo:
                pending.add(pool.submit(self._one, number))
                if len(pending) < ahead:
                    continue
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                if self._settle(done, progress):
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                self._settle(done, progress)
        finally:
            # Ctrl-C or an error: no new request starts, those in flight end and are recorded.
            self.fetcher.stop.set()
            pool.shutdown(wait=True, cancel_futures=True)

    def _settle(self, done: set[Future[tuple[int, _Settled | str]]], progress: Advance) -> bool:
        """Count finished prefixes; whether the run must stop (too many failures in a row)."""
        for future in done:
            number, outcome = future.result()
            if outcome is _Settled.FETCHED:
                self.fetched += 1
                self.present.add(number)
                self.changed = True
                self._in_a_row = 0
            elif outcome is _Settled.UNCHANGED:
                self.unchanged += 1
                self._in_a_row = 0
            else:
                self.failed.add(number)
                self.first_problem = self.first_problem or outcome
                self._in_a_row += 1
            progress(1)
        return self._in_a_row >= GIVE_UP_AFTER

    def _one(self, number: int) -> tuple[int, _Settled | str]:
        """Fetch, check and store one prefix (in a worker thread): its outcome or problem."""
        prefix = f"{number:05X}"
        stored = self.stored(number)
        known = self.manifest.validators(number) if stored and self.request.refresh else None
        try:
            answer = self.fetcher.fetch(prefix, known)
        except HibpError as exc:  # Stopped included: that prefix is simply not done
            return number, str(exc)
        match answer:
            case NotModified():
                if not stored:  # nothing was asked conditionally: a broken server
                    return number, f"range {prefix}: HTTP 304 to an unconditional request"
                return number, _Settled.UNCHANGED
            case Answer(text=text, validators=validators):
                self.store.write(number, text)
                self.manifest.record(number, validators)
                return number, _Settled.FETCHED
            case _:
                assert_never(answer)


class _Settled(enum.Enum):
    """A prefix done: written anew, or unchanged (a failure is its reason, as text)."""

    FETCHED = "fetched"
    UNCHANGED = "unchanged"


def _cannot_write(path: Path, exc: OSError) -> DownloadError:
    reason = os_reason(exc.strerror or type(exc).__name__, exc.errno)
    return failure(DownloadError, "download.cannot_write", path=str(path), reason=reason)


def _cannot_read(path: Path, exc: OSError) -> DownloadError:
    reason = os_reason(exc.strerror or type(exc).__name__, exc.errno)
    return failure(DownloadError, "download.cannot_read", path=str(path), reason=reason)
