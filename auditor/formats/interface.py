"""The output format family: a formatter renders a ``Report`` to text."""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from auditor.errors import AuditorError
from auditor.i18n import Lang
from auditor.models import Severity
from auditor.report import Report


class CsvDialect(enum.Enum):
    """How the CSV report is laid out for the program that opens it."""

    STANDARD = "standard"
    """Comma-separated UTF-8 without BOM, LF line ends: for programs and LibreOffice."""
    EXCEL_FR = "excel-fr"
    """Semicolon-separated UTF-8 with BOM, CRLF: French Excel opens it with accents intact."""


@dataclass(frozen=True)
class RenderOptions:
    """Choices of the command line that formats need; each format reads the ones it uses."""

    color: bool = False
    """Terminal only."""
    width: int = 100
    """Terminal only."""
    fail_threshold: Severity | None = Severity.HIGH
    """JUnit: findings at or above it are failures (``--fail-on``; None for ``never``)."""
    csv_dialect: CsvDialect = CsvDialect.STANDARD
    lang: Lang = Lang.EN
    """The language of the words people read (``--lang``); JSON stays English for programs."""


class FormatError(AuditorError):
    """A report cannot be rendered or written."""


class Formatter(ABC):
    """Renders a report; never sees a password (reports hold none)."""

    extension: ClassVar[str]
    """File extension used with ``--out`` (``json``, ``md``…)."""

    @abstractmethod
    def render(self, report: Report) -> str:
        """The report as text, deterministic for a given report."""

    def chunks(self, report: Report) -> Iterator[str]:
        """The same text in pieces, for formats that can produce a large report piecemeal."""
        yield self.render(report)

    def summary_chunks(self, report: Report) -> Iterator[str]:
        """``summary.<ext>`` next to the per-practice files: the whole report unless overridden."""
        return self.chunks(report)
