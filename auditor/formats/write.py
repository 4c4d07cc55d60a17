"""Writing report files atomically and privately (mode 0600): they hold names and logins."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from auditor import privatefile
from auditor.formats.interface import FormatError, Formatter
from auditor.report import Report

_SAFE_ID = re.compile(r"^[0-9A-Za-z]+$")


def write_private(path: Path, text: str | Iterable[str]) -> None:
    """Write one report file atomically with mode 0600; ``FormatError`` if it cannot."""
    try:
        privatefile.write_private(path, text)
    except OSError as exc:
        raise FormatError(f"{path}: cannot write report: {exc.strerror}") from exc


def write_reports(report: Report, out_dir: Path, formatters: Sequence[Formatter]) -> list[Path]:
    """``DIR/<practice id>/report.<ext>`` per practice and ``DIR/summary.<ext>``, per format."""
    written = []
    for formatter in formatters:
        for practice in report.practices:
            practice_id = practice.practice.id
            if not _SAFE_ID.match(practice_id):  # FINESS ids are validated; never trust paths
                raise FormatError(f"practice id {practice_id!r} cannot name a folder")
            target = out_dir / practice_id / f"report.{formatter.extension}"
            write_private(target, formatter.chunks(report.for_practice(practice)))
            written.append(target)
        summary = out_dir / f"summary.{formatter.extension}"
        write_private(summary, formatter.summary_chunks(report))
        written.append(summary)
    return written
