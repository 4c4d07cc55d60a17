"""Writing report files atomically and privately (mode 0600): they hold names and logins."""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from auditor.collector import frozen
from auditor.files import private as privatefile
from auditor.formats import halves
from auditor.formats.binary import BinaryFormatter
from auditor.formats.interface import FormatError, Formatter
from auditor.i18n.failure import failure
from auditor.i18n.oserror import os_reason
from auditor.i18n.phrase import phrase
from auditor.report import PracticeReport, Report

_SAFE_ID = re.compile(r"^[0-9A-Za-z]+$")


def write_error(exc: OSError, path: Path) -> FormatError:
    """One line naming the file or folder that failed, never a traceback."""
    where = str(exc.filename or path)
    reason = os_reason(str(exc.strerror), exc.errno)
    if isinstance(exc, privatefile.SymlinkError):
        return failure(FormatError, "write_error.refused", path=where, reason=reason)
    return failure(FormatError, "write_error.cannot_write", path=where, reason=reason)


def write_private(path: Path, text: str | bytes | Iterable[str]) -> None:
    """Write one report file atomically with mode 0600; ``FormatError`` if it cannot."""
    try:
        privatefile.write_private(path, text)
    except OSError as exc:
        raise write_error(exc, path) from exc


@runtime_checkable
class Sectioned(Protocol):
    """A format whose report is a head, each practice's section, then a tail.

    Its summary (the whole group) then repeats each practice's own file but for the
    head and tail: ``write_reports`` writes it alongside, from the sections the practice
    files were made of, instead of rendering every practice a second time.
    """

    extension: str

    def chunks(self, report: Report) -> Iterator[str]: ...

    def head(self, report: Report) -> str: ...

    def section(self, report: Report, practice: PracticeReport, *, first: bool) -> str: ...

    def tail(self, report: Report) -> str: ...


PARALLEL_FROM = 200
"""Practices from which a second, forked process writes a share of them (POSIX, two cores
or more). Below, writing takes a second or two: the fork (copying a large report's page
tables) and the sections it hands back through a file would cost more than they save."""


def write_reports(
    report: Report, out_dir: Path, formatters: Sequence[Formatter], *, jobs: int | None = None
) -> list[Path]:
    """``DIR/<practice id>/report.<ext>`` per practice and ``DIR/summary.<ext>``, per format.

    ``DIR`` is made 0700 (tightened if it was looser); nothing below it is
    reached through a symlink (a planted ``DIR/<practice id>`` link is refused).
    A large group is written by two processes when ``jobs`` (default: the cores)
    allows, with the same bytes, files and errors as one.
    """
    sectioned = [f for f in formatters if isinstance(f, Sectioned)] if report.practices else []
    try:
        with frozen(), privatefile.PrivateFolder.open(out_dir) as root:
            if _in_two(report, jobs):
                _write_in_two(report, root, formatters, sectioned)
            else:
                _write_in_one(report, root, formatters, sectioned)
    except OSError as exc:
        raise write_error(exc, out_dir) from exc
    written = [
        out_dir / practice.practice.id / f"report.{formatter.extension}"
        for practice in report.practices
        for formatter in formatters
    ]
    return written + [out_dir / f"summary.{formatter.extension}" for formatter in formatters]


def _in_two(report: Report, jobs: int | None) -> bool:
    """Whether a second process shares the work: a large group, two cores, one thread."""
    if len(report.practices) < PARALLEL_FROM:
        return False
    if jobs is None:
        affinity = getattr(os, "sched_getaffinity", None)
        jobs = len(affinity(0)) if affinity else (os.cpu_count() or 1)
    return jobs >= 2 and halves.can_fork()


def _write_practice(
    root: privatefile.PrivateFolder,
    report: Report,
    practice: PracticeReport,
    formatters: Sequence[Formatter],
    batch: privatefile.DurableBatch,
) -> None:
    """One practice's folder, opened (checked, tightened, cleaned) once for all its files,
    and its one-practice report built once for all the formats."""
    practice_id = practice.practice.id
    if not _SAFE_ID.match(practice_id):  # FINESS ids are validated; never trust
        raise failure(FormatError, "write_error.folder_name", id=repr(practice_id))
    alone = report.for_practice(practice)
    with root.folder(practice_id) as folder:
        for formatter in formatters:
            folder.write(f"report.{formatter.extension}", _contents(formatter, alone), batch=batch)


def _write_in_one(
    report: Report,
    root: privatefile.PrivateFolder,
    formatters: Sequence[Formatter],
    sectioned: Sequence[Sectioned],
) -> None:
    with _Summaries(root, report, sectioned) as summaries:
        with privatefile.DurableBatch.open() as batch:
            for number, practice in enumerate(report.practices):
                _write_practice(root, report, practice, formatters, batch)
                summaries.add(practice, first=not number)
        done = summaries.finish()
        for formatter in formatters:
            if formatter not in done:
                root.write(f"summary.{formatter.extension}", _contents(formatter, report, True))


def _write_in_two(
    report: Report,
    root: privatefile.PrivateFolder,
    formatters: Sequence[Formatter],
    sectioned: Sequence[Sectioned],
) -> None:
    """This process writes the practices from the first, a forked one from the last, until
    they meet; the summaries are then fed the worker's sections, in order, from a file.

    The worker is forked before any thread starts here (``halves.can_fork``); the report
    is only read, and is shared copy-on-write. It writes its practices' files itself,
    then renders the summaries that are not sectioned, which this process installs
    once everything else is written: a failure anywhere leaves no summary.
    """
    practices = report.practices
    ends = halves.Ends(len(practices))
    part = root.scratch()  # the worker's sections, in the order it wrote them

    share = _Share(report, root, formatters, sectioned, part, ends)

    def leftover(message: tuple[str, Any]) -> None:
        if message[0] == "summaries":  # the worker's, when this process failed
            for prepared in message[1]:
                root.discard(prepared)

    try:
        with (
            halves.Worker.fork(ends, share.work, leftover) as worker,
            _Summaries(root, report, sectioned) as summaries,
        ):
            with privatefile.DurableBatch.open() as batch:
                while (index := ends.take(from_end=False, gone=worker.gone)) is not None:
                    _write_practice(root, report, practices[index], formatters, batch)
                    summaries.add(practices[index], first=not index)
            spans: list[tuple[int, tuple[tuple[int, int], ...]]] = _answer(worker)
            _check_shared(ends, [index for index, _ in spans], len(practices))
            for _, sections in reversed(spans):
                summaries.put([_read(part, offset, length) for offset, length in sections])
            summaries.finish()
            _install(root, _answer(worker))
    except halves.LostError as exc:
        raise _lost(root, report, ends.taken()[1], str(exc)) from exc
    except BaseException:
        # The worker has ended and is waited for: its summaries, if a Ctrl-C came
        # between their arrival and their installing, are its temporary files here.
        root.tidy()
        raise
    finally:
        os.close(part)
        ends.close()


@dataclass(frozen=True)
class _Share:
    """The forked process's share: practices from the last, their sections into ``part``,
    then the summaries that are not sectioned, on disk but not yet under their names."""

    report: Report
    root: privatefile.PrivateFolder
    formatters: Sequence[Formatter]
    sectioned: Sequence[Sectioned]
    part: int
    """The file the sections go to, open in both processes."""
    ends: halves.Ends

    def work(self, send: Callable[[Any], None], parent_gone: Callable[[], bool]) -> None:
        report, root = self.report, self.root
        spans: list[tuple[int, tuple[tuple[int, int], ...]]] = []
        offset = 0
        with os.fdopen(os.dup(self.part), "wb") as sink:
            with privatefile.DurableBatch.open() as batch:
                while (index := self.ends.take(from_end=True, gone=parent_gone)) is not None:
                    practice = report.practices[index]
                    _write_practice(root, report, practice, self.formatters, batch)
                    sections = []
                    for sectioned in self.sectioned:
                        data = sectioned.section(report, practice, first=not index).encode()
                        sink.write(data)
                        sections.append((offset, len(data)))
                        offset += len(data)
                    spans.append((index, tuple(sections)))
            sink.flush()
        send(("sections", spans))
        if self.ends.stopped() or parent_gone():
            return
        prepared: list[privatefile.Prepared] = []
        try:
            whole = [f for f in self.formatters if not isinstance(f, Sectioned)]
            for formatter in whole:
                name = f"summary.{formatter.extension}"
                prepared.append(root.prepare(name, _contents(formatter, report, True)))
        except BaseException:
            for each in prepared:
                root.discard(each)
            raise
        send(("summaries", prepared))


def _check_shared(ends: halves.Ends, theirs: list[int], count: int) -> None:
    """The two shares, end to end, are every practice once: or the summaries would lie."""
    front, back = ends.taken()
    if front != back or theirs != list(range(count - 1, front - 1, -1)):
        raise RuntimeError("the practices were not shared whole")  # a bug: never


def _answer(worker: halves.Worker) -> Any:
    """The worker's next message, or its failure raised here as it was raised there."""
    kind, value = worker.receive()
    if kind == "error":
        raise value
    return value


def _lost(root: privatefile.PrivateFolder, report: Report, back: int, how: str) -> FormatError:
    """The worker was killed (SIGKILL, the OOM killer): its temporary files are removed,
    now that it is waited for, from the folders it wrote last and from ``root``."""
    for practice in report.practices[back : back + privatefile.SYNC_PENDING + 1]:
        if _SAFE_ID.match(practice.practice.id):
            root.tidy(practice.practice.id)
    root.tidy()
    return failure(
        FormatError,
        "write_error.cannot_write",
        path=str(root.path),
        reason=phrase("write_error.worker_ended", how=how),
    )


def _read(part: int, offset: int, length: int) -> bytes:
    """A section the worker wrote to ``part``, encoded: the summary writes it as it is."""
    pieces = []
    while length:
        piece = os.pread(part, length, offset)
        if not piece:
            raise OSError(errno.EIO, "the worker's sections are cut short")
        pieces.append(piece)
        offset += len(piece)
        length -= len(piece)
    return b"".join(pieces)


def _install(root: privatefile.PrivateFolder, prepared: list[privatefile.Prepared]) -> None:
    """Give the worker's summaries their names; if one cannot, the others are removed."""
    for number, each in enumerate(prepared):
        try:
            root.install(each)
        except BaseException:
            for other in prepared[number + 1 :]:
                root.discard(other)
            raise


_QUEUED = 16
"""Sections waiting for a summary's writer: a few practices' worth, however large the group."""
_WAIT = 0.1
"""Seconds between looks at a summary's writer while its queue is full: has it failed?"""


class _AbortedError(Exception):
    """The practices' loop failed: the summary being written is abandoned."""


class _Summary:
    """One summary file, written by a thread of its own from the sections it is handed.

    The thread's file stays a temporary one until the tail arrives; on any failure
    ``PrivateFolder.write`` removes it, as it does for every file.
    """

    def __init__(self, root: privatefile.PrivateFolder, name: str, head: str) -> None:
        self.queue: queue.Queue[str | bytes | _AbortedError | None] = queue.Queue(maxsize=_QUEUED)
        self.queue.put(head)
        self.path: Path | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._write, args=(root, name), daemon=True)
        self.thread.start()

    def _pieces(self) -> Iterator[str | bytes]:
        while (piece := self.queue.get()) is not None:
            if isinstance(piece, _AbortedError):
                raise piece
            yield piece

    def _write(self, root: privatefile.PrivateFolder, name: str) -> None:
        try:
            self.path = root.write(name, self._pieces())
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            self.error = exc

    def put(self, piece: str | bytes | _AbortedError | None) -> None:
        """Queue a piece for the writer, raising its error if it failed."""
        while self.error is None:
            with contextlib.suppress(queue.Full):
                self.queue.put(piece, timeout=_WAIT)
                return
        raise self.error

    def done(self) -> Path:
        self.thread.join()
        if self.error is not None:
            raise self.error
        assert self.path is not None  # noqa: S101 - the thread wrote it or failed
        return self.path

    def abandon(self) -> None:
        """Stop the writer; its temporary file goes as it stops."""
        while self.thread.is_alive():
            with contextlib.suppress(queue.Full):
                self.queue.put(_AbortedError(), timeout=_WAIT)
                break
            with contextlib.suppress(queue.Empty):
                self.queue.get_nowait()  # make room: nothing queued counts any more
        self.thread.join()


class _Summaries:
    """The summaries of the sectioned formats, each written alongside the practices' files."""

    def __init__(
        self, root: privatefile.PrivateFolder, report: Report, formatters: Sequence[Sectioned]
    ) -> None:
        self.root = root
        self.report = report
        self.formatters = formatters
        self.summaries: dict[Sectioned, _Summary] = {}
        self.finished = False

    def __enter__(self) -> _Summaries:
        for formatter in self.formatters:
            name = f"summary.{formatter.extension}"
            self.summaries[formatter] = _Summary(self.root, name, formatter.head(self.report))
        return self

    def add(self, practice: PracticeReport, *, first: bool) -> None:
        """Hand each summary the practice's section (its formatter kept it from its file)."""
        for formatter, summary in self.summaries.items():
            summary.put(formatter.section(self.report, practice, first=first))

    def put(self, sections: Sequence[bytes]) -> None:
        """Hand each summary a practice's section, already rendered and encoded (by the worker)."""
        for summary, section in zip(self.summaries.values(), sections, strict=True):
            summary.put(section)

    def finish(self) -> dict[Formatter, Path]:
        """End each summary and wait until it is written."""
        for formatter, summary in self.summaries.items():
            summary.put(formatter.tail(self.report))
            summary.put(None)
        done: dict[Formatter, Path] = {}
        for formatter, summary in self.summaries.items():
            done[formatter] = summary.done()  # type: ignore[index]
        self.finished = True
        return done

    def __exit__(self, *exc_info: object) -> None:
        if not self.finished:  # Ctrl-C, SIGTERM, a failed write: no summary is left half made
            for summary in self.summaries.values():
                summary.abandon()


def _contents(formatter: Formatter, report: Report, summary: bool = False) -> bytes | Iterable[str]:
    """What one file holds: the bytes of a binary format, the text of any other in pieces."""
    if isinstance(formatter, BinaryFormatter):
        return formatter.summary_document(report) if summary else formatter.document(report)
    return formatter.summary_chunks(report) if summary else formatter.chunks(report)
