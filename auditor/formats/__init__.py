"""Output formats: terminal, JSON, Markdown and CSV renderings of a ``Report``."""

from __future__ import annotations

import enum
from typing import assert_never

from auditor.formats.csvfmt import CsvFormat
from auditor.formats.interface import FormatError, Formatter
from auditor.formats.jsonfmt import JsonFormat, report_document
from auditor.formats.markdown import MarkdownFormat
from auditor.formats.terminal import TerminalFormat
from auditor.formats.write import write_private, write_reports

__all__ = [
    "CsvFormat",
    "FormatError",
    "Formatter",
    "JsonFormat",
    "MarkdownFormat",
    "OutputFormat",
    "TerminalFormat",
    "report_document",
    "write_private",
    "write_reports",
]


class OutputFormat(enum.Enum):
    """The values ``--format`` accepts."""

    TERMINAL = "terminal"
    JSON = "json"
    MARKDOWN = "markdown"
    CSV = "csv"

    def to_formatter(self, *, color: bool = False, width: int = 100) -> Formatter:
        """The formatter for this choice (``color`` and ``width`` matter to the terminal only)."""
        match self:
            case OutputFormat.TERMINAL:
                return TerminalFormat(color=color, width=width)
            case OutputFormat.JSON:
                return JsonFormat()
            case OutputFormat.MARKDOWN:
                return MarkdownFormat()
            case OutputFormat.CSV:
                return CsvFormat()
            case _:
                assert_never(self)
