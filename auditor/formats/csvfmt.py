"""The CSV report: one row per finding, for spreadsheets and mail merges."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from auditor.formats.describe import RememberingCatalog, gap_action, gap_text
from auditor.formats.interface import CsvDialect, Formatter
from auditor.i18n import Lang, catalog
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


_LAYOUTS = {CsvDialect.STANDARD: (",", "\n"), CsvDialect.EXCEL_FR: (";", "\r\n")}
"""Each dialect's separator and line end, as ``_rows_writer`` sets them."""


def csv_field(cell: str, separator: str) -> str:
    """A cell as ``csv.writer`` writes it in a row of several (``QUOTE_MINIMAL``), for a
    cell ``spreadsheet_safe`` made: it holds no line end, so only a separator or a quote
    calls for quoting."""
    if separator in cell or '"' in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def csv_row(cells: Sequence[str], dialect: CsvDialect) -> str:
    """A row of the report's columns, as ``_rows_writer(…, dialect).writerow`` writes it."""
    separator, end = _LAYOUTS[dialect]
    return separator.join(csv_field(cell, separator) for cell in cells) + end


class CsvFormat(Formatter):
    """Findings as CSV rows, in the report's stable order."""

    extension = "csv"

    def __init__(self, dialect: CsvDialect = CsvDialect.STANDARD, lang: Lang = Lang.EN) -> None:
        self.dialect = dialect
        # Column names, ids and ISO dates stay fixed for mail merges and formulas;
        # the sentences people read follow --lang.
        # Remembering: a group's findings repeat a few dozen sentences, counts and days.
        self.words = RememberingCatalog(catalog(lang).escaped(plain))
        self._cells: tuple[dict[str, str], CsvDialect] = ({}, dialect)
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
        them after the practice's own file.

        Rows are joined here, as ``csv.writer`` joins them (``csv_row``): each cell is made
        safe and quoted once per value (a practice's id and name are on all its rows, an
        account's portal, login and owner on each of its findings' rows, ids, days and
        actions on thousands), which a writer cannot be told.
        """
        last = self._last
        if last is not None and last[0] is practice:
            return last[1]
        separator, end = _LAYOUTS[self.dialect]
        kept, self._cells = self._cells, ({}, self.dialect)
        if kept[1] is self.dialect and len(kept[0]) < _CELLS_KEPT:  # quoted for its separator
            self._cells = kept
        cells = self._cells[0]

        def cell(value: str) -> str:
            found = cells.get(value)
            if found is None:
                found = cells[value] = csv_field(spreadsheet_safe(value), separator)
            return found

        words = self.words
        lines: list[str] = []
        head = cell(practice.practice.id) + separator + cell(practice.practice.name)
        for finding, waiver in self._findings(practice):
            account = finding.account
            message = csv_field(spreadsheet_safe(words.text(finding.message)), separator)
            row = (
                head,
                cell(account.portal),
                cell(account.username),
                cell(account.owner or ""),
                cell(finding.check.value),
                cell(finding.severity.value),
                cell(finding.due.isoformat()),
                message,
                cell(words.remembered(finding.action)),
                *(
                    (
                        "waived",
                        cell(waiver.expires.isoformat()),
                        cell(waiver.accepted_by),
                        cell(waiver.reason),
                    )
                    if waiver
                    else _OPEN
                ),
            )
            lines.append(separator.join(row))
        for audited, gap in practice.unchecked:
            ref = audited.account.ref
            row = (
                head,
                cell(ref.portal),
                cell(ref.username),
                cell(ref.owner or ""),
                "",
                "",
                "",
                cell(gap_text(words, gap)),
                cell(gap_action(words, gap)),
                "not-checked",
                "",
                "",
                "",
            )
            lines.append(separator.join(row))
        text = "".join(line + end for line in lines)
        self._last = (practice, text)
        return text

    @staticmethod
    def _findings(practice: PracticeReport) -> list[tuple[Finding, Waiver | None]]:
        """Open findings, then waived ones with their waivers, in report order."""
        rows: list[tuple[Finding, Waiver | None]] = [(f, None) for f in practice.findings]
        return rows + [(excused.finding, excused.waiver) for excused in practice.waived]


_OPEN = ("open", "", "", "")
"""An open finding's last cells: status, and no waiver (safe and quoted as they are)."""
_CELLS_KEPT = 65_536
"""Distinct cells remembered across practices: ids, days, actions and the portals, logins and
names of a few thousand accounts; past this many, a practice starts a memory of its own."""
