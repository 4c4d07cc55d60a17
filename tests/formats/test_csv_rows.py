"""The CSV report's rows, joined by the writer itself, are what ``csv.writer`` writes."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.formats import CsvDialect
from auditor.formats.csvfmt import COLUMNS, csv_row, spreadsheet_safe

CELL = st.text(alphabet=st.sampled_from(list(",;\"' =+-@\t\r\n\x00\x1b\u2028aZé€")), max_size=8)


def _written(cells: list[str], dialect: CsvDialect) -> str:
    buffer = io.StringIO()
    if dialect is CsvDialect.EXCEL_FR:
        csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(cells)
    else:
        csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL, min_size=len(COLUMNS), max_size=len(COLUMNS)))
def test_a_row_of_safe_cells_is_written_as_csv_writer_writes_it(raw: list[str]) -> None:
    cells = [spreadsheet_safe(cell) for cell in raw]
    for dialect in CsvDialect:
        assert csv_row(cells, dialect) == _written(cells, dialect)


def test_quotes_and_separators_are_quoted_as_csv_writer_does() -> None:
    cells = ['a"b', "c,d", "e;f", "", "plain", *[""] * (len(COLUMNS) - 5)]
    assert csv_row(cells, CsvDialect.STANDARD).startswith('"a""b","c,d",e;f,,plain,')
    assert csv_row(cells, CsvDialect.EXCEL_FR).startswith('"a""b";c,d;"e;f";;plain;')
    for dialect in CsvDialect:
        assert csv_row(cells, dialect) == _written(cells, dialect)
