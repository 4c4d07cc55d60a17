"""The CSV report: one row per finding, for spreadsheets and mail merges."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from auditor.formats.describe import gap_action, gap_text
from auditor.formats.interface import CsvDialect, Formatter
from auditor.i18n import Catalog, Lang, catalog
from auditor.models import Finding
from auditor.policy import Waiver
from auditor.report import PracticeReport, Report
from auditor.safetext import plain

COLUMNS = (
    "practice_id",
    "practice_name",
    "portal",
    "username",
    "owner",
    "check",
    "severity",
    "due",
    "message",
    "action",
    "status",
    "waived_until",
    "waiver_accepted_by",
    "waiver_reason",
)
"""Public column names: mail merges and formulas refer to them. New ones go at the end.

``status`` is ``open`` or ``waived`` for a finding, and ``not-checked`` for an account
some checks could not run on (its check, severity and due are empty; its message says why).
"""


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: no formula (CSV injection, OWASP), no control character.

    Markup stays as written: a spreadsheet or a mail merge shows it as text.
    """
    value = plain(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_writer(buffer: io.StringIO, dialect: CsvDialect) -> Any:
    """A CSV writer laid out for ``dialect`` (the BOM, if any, already in ``buffer``)."""
    if dialect is CsvDialect.EXCEL_FR:
        # Excel reads a file as UTF-8 only when it starts with a BOM, and a
        # French Excel splits columns on ";" (the decimal separator is ",").
        buffer.write("\ufeff")
    return _rows_writer(buffer, dialect)


def _rows_writer(buffer: io.StringIO, dialect: CsvDialect) -> Any:
    """A CSV writer laid out for ``dialect``, for rows after the file's start."""
    if dialect is CsvDialect.EXCEL_FR:
        return csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    return csv.writer(buffer, lineterminator="\n")


class CsvFormat(Formatter):
    """Findings as CSV rows, in the report's stable order."""

    extension = "csv"

    def __init__(self, dialect: CsvDialect = CsvDialect.STANDARD, lang: Lang = Lang.EN) -> None:
        self.dialect = dialect
        # Column names, ids and ISO dates stay fixed for mail merges and formulas;
        # the sentences people read follow --lang.
        self.words: Catalog = catalog(lang).escaped(plain)
        self._last: tuple[PracticeReport, str] | None = None

    def render(self, report: Report) -> str:
        return "".join(self.chunks(report))

    def chunks(self, report: Report) -> Iterator[str]:
        # Practice by practice: a group's CSV runs to a hundred megabytes.
        yield self.head(report)
        for practice in report.practices:
            yield self.section(report, practice, first=False)
        yield self.tail(report)

    def head(self, report: Report) -> str:
        """The BOM, if the dialect has one, and the header row."""
        buffer = io.StringIO()
        csv_writer(buffer, self.dialect).writerow(COLUMNS)
        return buffer.getvalue()

    def tail(self, report: Report) -> str:
        """Nothing follows the last row."""
        return ""

    def section(self, report: Report, practice: PracticeReport, *, first: bool) -> str:
        """One practice's rows; the last practice's are kept, for the summary that repeats
        them after the practice's own file."""
        last = self._last
        if last is not None and last[0] is practice:
            return last[1]
        buffer = io.StringIO()
        writer = _rows_writer(buffer, self.dialect)
        rows: list[tuple[Finding, Waiver | None]] = [(f, None) for f in practice.findings]
        rows += [(excused.finding, excused.waiver) for excused in practice.waived]
        for finding, waiver in rows:
            row = (
                practice.practice.id,
                practice.practice.name,
                finding.account.portal,
                finding.account.username,
                finding.account.owner or "",
                finding.check.value,
                finding.severity.value,
                finding.due.isoformat(),
                self.words.text(finding.message),
                self.words.text(finding.action),
                "waived" if waiver else "open",
                waiver.expires.isoformat() if waiver else "",
                waiver.accepted_by if waiver else "",
                waiver.reason if waiver else "",
            )
            writer.writerow([spreadsheet_safe(cell) for cell in row])
        for audited, gap in practice.unchecked:
            ref = audited.account.ref
            row = (
                practice.practice.id,
                practice.practice.name,
                ref.portal,
                ref.username,
                ref.owner or "",
                "",
                "",
                "",
                gap_text(self.words, gap),
                gap_action(self.words, gap),
                "not-checked",
                "",
                "",
                "",
            )
            writer.writerow([spreadsheet_safe(cell) for cell in row])
        text = buffer.getvalue()
        self._last = (practice, text)
        return text
