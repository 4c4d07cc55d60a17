"""Writing report files atomically and privately (mode 0600): they hold names and logins."""

from __future__ import annotations

import contextlib
import queue
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from auditor.collector import frozen
from auditor.files import private as privatefile
from auditor.formats.binary import BinaryFormatter
from auditor.formats.interface import FormatError, Formatter
from auditor.i18n.failure import failure
from auditor.i18n.oserror import os_reason
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


def write_reports(report: Report, out_dir: Path, formatters: Sequence[Formatter]) -> list[Path]:
    """``DIR/<practice id>/report.<ext>`` per practice and ``DIR/summary.<ext>``, per format.

    ``DIR`` is made 0700 (tightened if it was looser); nothing below it is
    reached through a symlink (a planted ``DIR/<practice id>`` link is refused).
    """
    written: list[Path] = []
    sectioned = [f for f in formatters if isinstance(f, Sectioned)] if report.practices else []
    try:
        with (
            frozen(),
            privatefile.PrivateFolder.open(out_dir) as root,
            _Summaries(root, report, sectioned) as summaries,
        ):
            # Each practice's folder is opened (and checked, tightened, cleaned) once,
            # and its one-practice report built once, for all the formats.
            for number, practice in enumerate(report.practices):
                practice_id = practice.practice.id
                if not _SAFE_ID.match(practice_id):  # FINESS ids are validated; never trust
                    raise failure(FormatError, "write_error.folder_name", id=repr(practice_id))
                alone = report.for_practice(practice)
                with root.folder(practice_id) as folder:
                    for formatter in formatters:
                        name = f"report.{formatter.extension}"
                        written.append(folder.write(name, _contents(formatter, alone)))
                summaries.add(practice, first=not number)
            done = summaries.finish()
            for formatter in formatters:
                name = f"summary.{formatter.extension}"
                if formatter in done:
                    written.append(done[formatter])
                else:
                    written.append(root.write(name, _contents(formatter, report, summary=True)))
    except OSError as exc:
        raise write_error(exc, out_dir) from exc
    return written


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
        self.queue: queue.Queue[str | _AbortedError | None] = queue.Queue(maxsize=_QUEUED)
        self.queue.put(head)
        self.path: Path | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._write, args=(root, name), daemon=True)
        self.thread.start()

    def _pieces(self) -> Iterator[str]:
        while (piece := self.queue.get()) is not None:
            if isinstance(piece, _AbortedError):
                raise piece
            yield piece

    def _write(self, root: privatefile.PrivateFolder, name: str) -> None:
        try:
            self.path = root.write(name, self._pieces())
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            self.error = exc

    def put(self, piece: str | _AbortedError | None) -> None:
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


def _contents(
    formatter: Formatter, report: Report, *, summary: bool = False
) -> bytes | Iterable[str]:
    """What one file holds: the bytes of a binary format, the text of any other in pieces."""
    if isinstance(formatter, BinaryFormatter):
        return formatter.summary_document(report) if summary else formatter.document(report)
    return formatter.summary_chunks(report) if summary else formatter.chunks(report)
