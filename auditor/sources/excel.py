"""The Excel source: ``.xlsx`` workbooks with the inventory's columns, read with openpyxl."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import load_workbook

from auditor.policy import Policy
from auditor.sources.interface import InventorySource, LoadResult, RowProblem, SourceError
from auditor.sources.table import Columns, RowReader, read_header

logger = logging.getLogger(__name__)

_FINESS_LENGTH = 9
CellValue = object


def cell_text(value: CellValue) -> str:
    """A cell as the text a CSV export of the sheet would hold (dates in ISO form)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(sheet: object) -> Iterator[tuple[int, list[CellValue]]]:
    """Non-blank rows with their 1-based row number."""
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):  # type: ignore[attr-defined]
        if any(value is not None and str(value).strip() for value in values):
            yield number, list(values)


class ExcelInventory(InventorySource):
    """An inventory kept in Excel: every sheet whose first row names the inventory's columns."""

    def __init__(self, path: Path) -> None:
        self.file = path
        self.path = str(path)

    def load(self, policy: Policy, as_of: date) -> LoadResult:
        try:
            workbook = load_workbook(self.file, read_only=True, data_only=True)
            try:
                sheets = [(sheet.title, list(_rows(sheet))) for sheet in workbook.worksheets]
            finally:
                workbook.close()
        except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors of many kinds
            # The type only: a parser's message can quote the cells it read.
            raise SourceError(
                f"{self.path}: not an Excel workbook (.xlsx), or a damaged one "
                f"({type(exc).__name__}); save the sheet again as .xlsx or as CSV"
            ) from None
        readable = []
        refused: list[RowProblem] = []
        for title, rows in sheets:
            if not rows:
                continue
            line, header = rows[0]
            label = self.path if len(sheets) == 1 else f"{self.path} ({title})"
            columns, problems = read_header(label, [cell_text(v) for v in header], line)
            if columns is None:
                refused += problems
            else:
                readable.append((label, columns, rows[1:]))
        if not readable:
            if not refused:
                return LoadResult((), (RowProblem(self.path, 1, "-", "the workbook is empty"),))
            return LoadResult((), tuple(refused))
        for problem in refused:
            logger.info("%s: sheet not read: %s", self.path, problem.reason)
        accounts, found = [], []
        for label, columns, rows in readable:
            reader = RowReader(label, columns, policy, as_of)
            for line, values in rows:
                account = reader.read(line, _texts(values, columns))
                if account is not None:
                    accounts.append(account)
            found += reader.problems
        return LoadResult(tuple(accounts), tuple(found))


def _texts(values: Sequence[CellValue], columns: Columns) -> list[str]:
    cells = [cell_text(value) for value in values]
    cells += [""] * (len(columns.header) - len(cells))  # read-only rows stop at the last value
    position = columns.index["practice_id"]
    finess = values[position] if position < len(values) else None
    if isinstance(finess, int | float) and len(cells[position]) < _FINESS_LENGTH:
        # Excel stores a FINESS typed as a number without its leading zero
        # (départements 01 to 09); the check digit still validates the result.
        cells[position] = cells[position].zfill(_FINESS_LENGTH)
    return cells
