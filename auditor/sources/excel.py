"""The Excel source: ``.xlsx`` workbooks with the inventory's columns, read with openpyxl."""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from types import ModuleType

from auditor.i18n.failure import failure
from auditor.i18n.logged import logged
from auditor.i18n.phrase import phrase
from auditor.models import RowProblem
from auditor.policy import Policy
from auditor.sources.interface import InventorySource, LoadResult, SourceError
from auditor.sources.table import Columns, RowReader, read_header

logger = logging.getLogger(__name__)

_FINESS_LENGTH = 9
CellValue = object
_MIB = 1 << 20

# Checked on the zip's directory before openpyxl opens anything, so that a small file cannot
# unpack to gigabytes. CPython's zipfile never hands out more than a member's declared
# ``file_size`` (ZipExtFile stops there, then checks the CRC), and openpyxl reads every member
# through zipfile from the same directory: the declared sizes checked here bound what is really
# decompressed, even when they lie (the data is cut short and the workbook refused as damaged).
# No compression-ratio test: blank, styled rows compress very well in honest workbooks, and the
# size caps bound memory whatever the ratio.
MAX_MEMBERS = 10_000
"""A workbook holds a few files per sheet, image and style: tens, rarely hundreds."""
MAX_UNPACKED_BYTES = 256 * _MIB
"""All members together; a 100,000-row inventory unpacks to some 50 MiB."""
# Excel's own limits ("Excel specifications and limits", Microsoft support): a sheet has at most
# 1,048,576 rows and a cell at most 32,767 characters. No workbook Excel saves goes beyond them.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_CELL_CHARS = 32_767
MAX_CELLS = 20_000_000
"""Cells read from all sheets (a million rows of 20 columns): bounds the time a sheet of
sparse far-right cells takes, since openpyxl pads every row to its last cell."""


class _TooLong:
    """Stands for a cell longer than Excel allows, so that its text goes no further."""


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


_TOO_LONG = _TooLong()


def _rows(sheet: object, label: str, budget: list[int]) -> Iterator[tuple[int, list[CellValue]]]:
    """Non-blank rows with their 1-based row number; a cell over Excel's length is ``_TOO_LONG``.

    ``budget`` holds the cells still allowed to be read (shared by every sheet).
    """
    # openpyxl trusts the sheet's <dimension> element: a stale or crafted one drops rows past
    # it or pads the sheet with billions of empty rows. Without it, rows end at their last cell.
    sheet.reset_dimensions()  # type: ignore[attr-defined]
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):  # type: ignore[attr-defined]
        if number > EXCEL_MAX_ROWS:
            raise failure(SourceError, "source_error.excel_rows", path=label, most=EXCEL_MAX_ROWS)
        budget[0] -= len(values)
        if budget[0] < 0:
            raise failure(SourceError, "source_error.excel_cells", path=label, most=MAX_CELLS)
        if any(value is not None and str(value).strip() for value in values):
            yield (
                number,
                [
                    _TOO_LONG
                    if isinstance(value, str) and len(value) > EXCEL_MAX_CELL_CHARS
                    else value
                    for value in values
                ],
            )


def _check_archive(path: Path) -> None:
    """Refuse, from the zip's directory alone, a workbook that would unpack to too much."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise failure(
            SourceError, "source_error.not_workbook", path=str(path), kind=type(exc).__name__
        ) from None
    if len(members) > MAX_MEMBERS:
        raise failure(
            SourceError,
            "source_error.workbook_members",
            path=str(path),
            count=len(members),
            most=MAX_MEMBERS,
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise failure(
            SourceError,
            "source_error.zip_bomb",
            path=str(path),
            mib=round(unpacked / _MIB),  # as f"{:,.0f}" rounds: half to even
            most=MAX_UNPACKED_BYTES // _MIB,
        )


def _long_cell(
    label: str, line: int, values: Sequence[CellValue], names: Sequence[str]
) -> RowProblem | None:
    """The first cell of a row over Excel's length, named by its header (or letter)."""
    for position, value in enumerate(values):
        if value is _TOO_LONG:
            name = names[position] if position < len(names) and names[position] else ""
            return RowProblem(
                label,
                line,
                name or _library().utils.get_column_letter(position + 1),
                phrase("problem.cell_too_long", limit=EXCEL_MAX_CELL_CHARS),
            )
    return None


def _library() -> ModuleType:
    """openpyxl, imported when a workbook is read: it is a tenth of a second of every start else."""
    import openpyxl  # noqa: PLC0415 - see above
    import openpyxl.utils  # noqa: PLC0415

    return openpyxl


class ExcelInventory(InventorySource):
    """An inventory kept in Excel: every sheet whose first row names the inventory's columns."""

    def __init__(self, path: Path) -> None:
        self.file = path
        self.path = str(path)

    def _sheets(self) -> list[tuple[str, list[tuple[int, list[CellValue]]]]]:
        """Every sheet's title and non-blank rows, once the archive passed its size checks."""
        _check_archive(self.file)
        budget = [MAX_CELLS]
        try:
            workbook = _library().load_workbook(self.file, read_only=True, data_only=True)
            try:
                several = len(workbook.worksheets) > 1
                return [
                    (
                        sheet.title,
                        list(
                            _rows(
                                sheet,
                                f"{self.path} ({sheet.title})" if several else self.path,
                                budget,
                            )
                        ),
                    )
                    for sheet in workbook.worksheets
                ]
            finally:
                workbook.close()
        except SourceError:
            raise
        except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors of many kinds
            # The type only: a parser's message can quote the cells it read.
            raise failure(
                SourceError, "source_error.not_workbook", path=self.path, kind=type(exc).__name__
            ) from None

    def load(self, policy: Policy, as_of: date) -> LoadResult:
        sheets = self._sheets()
        readable = []
        refused: list[RowProblem] = []
        for title, rows in sheets:
            if not rows:
                continue
            line, header = rows[0]
            label = self.path if len(sheets) == 1 else f"{self.path} ({title})"
            if (problem := _long_cell(label, line, header, ())) is not None:
                refused.append(problem)
                continue
            columns, problems = read_header(label, [cell_text(v) for v in header], line)
            if columns is None:
                refused += problems
            else:
                readable.append((label, columns, rows[1:]))
        if not readable:
            if not refused:
                return LoadResult(
                    (), (RowProblem(self.path, 1, "-", phrase("problem.workbook_empty")),)
                )
            return LoadResult((), tuple(refused))
        for problem in refused:
            said = logged("log.sheet_not_read", path=self.path, reason=problem.reason)
            logger.info("%s", said)
        accounts, found = [], []
        for label, columns, rows in readable:
            reader = RowReader(label, columns, policy, as_of)
            for line, values in rows:
                if (problem := _long_cell(label, line, values, columns.header)) is not None:
                    found.append(problem)
                    continue
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
