"""Writing report files atomically and privately (mode 0600): they hold names and logins."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

from auditor.formats.interface import FormatError, Formatter
from auditor.report import Report

_SAFE_ID = re.compile(r"^[0-9A-Za-z]+$")


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` in one step: readers see the old file or the whole new one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
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
            write_private(target, formatter.render(report.for_practice(practice)))
            written.append(target)
        summary = out_dir / f"summary.{formatter.extension}"
        write_private(summary, formatter.render(report))
        written.append(summary)
    return written
