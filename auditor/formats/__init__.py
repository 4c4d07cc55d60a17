"""Output formats: terminal, JSON, Markdown, CSV, JUnit, HTML and PDF renderings of a ``Report``."""

from __future__ import annotations

import enum
from typing import assert_never

from auditor.formats.binary import BinaryFormatter
from auditor.formats.csvfmt import CsvFormat
from auditor.formats.html import HtmlFormat
from auditor.formats.interface import CsvDialect, FormatError, Formatter, RenderOptions
from auditor.formats.jsonfmt import JsonFormat, report_document
from auditor.formats.junit import JunitFormat
from auditor.formats.markdown import MarkdownFormat
from auditor.formats.pdf import PdfFormat, PdfUnavailableError
from auditor.formats.terminal import TerminalFormat
from auditor.formats.write import write_private, write_reports

__all__ = [
    "BinaryFormatter",
    "CsvDialect",
    "CsvFormat",
    "FormatError",
    "Formatter",
    "HtmlFormat",
    "JsonFormat",
    "JunitFormat",
    "MarkdownFormat",
    "OutputFormat",
    "PdfFormat",
    "PdfUnavailableError",
    "RenderOptions",
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
    JUNIT = "junit"
    HTML = "html"
    PDF = "pdf"

    def to_formatter(self, options: RenderOptions | None = None) -> Formatter:
        """The formatter for this choice, with the options that concern it."""
        options = options or RenderOptions()
        match self:
            case OutputFormat.TERMINAL:
                return TerminalFormat(color=options.color, width=options.width, lang=options.lang)
            case OutputFormat.JSON:
                return JsonFormat()
            case OutputFormat.MARKDOWN:
                return MarkdownFormat(options.lang)
            case OutputFormat.CSV:
                return CsvFormat(options.csv_dialect, options.lang)
            case OutputFormat.JUNIT:
                return JunitFormat(options.fail_threshold, options.lang)
            case OutputFormat.HTML:
                return HtmlFormat(options.lang)
            case OutputFormat.PDF:
                return PdfFormat(options.lang)
            case _:
                assert_never(self)
