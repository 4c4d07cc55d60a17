"""Writing report files atomically and privately (mode 0600): they hold names and logins."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from auditor.files import private as privatefile
from auditor.formats.binary import BinaryFormatter
from auditor.formats.interface import FormatError, Formatter
from auditor.i18n.failure import failure
from auditor.i18n.oserror import os_reason
from auditor.report import Report

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


def write_reports(report: Report, out_dir: Path, formatters: Sequence[Formatter]) -> list[Path]:
    """``DIR/<practice id>/report.<ext>`` per practice and ``DIR/summary.<ext>``, per format.

    ``DIR`` is made 0700 (tightened if it was looser); nothing below it is
    reached through a symlink (a planted ``DIR/<practice id>`` link is refused).
    """
    written: list[Path] = []
    try:
        with privatefile.PrivateFolder.open(out_dir) as root:
            # Each practice's folder is opened (and checked, tightened, cleaned) once,
            # and its one-practice report built once, for all the formats.
            for practice in report.practices:
                practice_id = practice.practice.id
                if not _SAFE_ID.match(practice_id):  # FINESS ids are validated; never trust
                    raise failure(FormatError, "write_error.folder_name", id=repr(practice_id))
                alone = report.for_practice(practice)
                with root.folder(practice_id) as folder:
                    for formatter in formatters:
                        name = f"report.{formatter.extension}"
                        written.append(folder.write(name, _contents(formatter, alone)))
            for formatter in formatters:
                name = f"summary.{formatter.extension}"
                written.append(root.write(name, _contents(formatter, report, summary=True)))
    except OSError as exc:
        raise write_error(exc, out_dir) from exc
    return written


def _contents(
    formatter: Formatter, report: Report, *, summary: bool = False
) -> bytes | Iterable[str]:
    """What one file holds: the bytes of a binary format, the text of any other in pieces."""
    if isinstance(formatter, BinaryFormatter):
        return formatter.summary_document(report) if summary else formatter.document(report)
    return formatter.summary_chunks(report) if summary else formatter.chunks(report)
