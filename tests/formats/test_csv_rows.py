"""The CSV report's rows, joined by the writer itself, are what ``csv.writer`` writes."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.formats import CsvDialect, CsvFormat
from auditor.formats.csvfmt import COLUMNS, csv_row, spreadsheet_safe
from auditor.models import Account
from auditor.policy import Policy
from auditor.report import Report
from tests.formats.hostile import hostile_report

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


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    return hostile_report(make_account, policy, fake_breach, admin_password="V7#qLm2!xR9@wTz4")


def test_a_writer_whose_dialect_changes_quotes_for_the_new_one(report: Report) -> None:
    """Its cells are remembered quoted: an action with commas but no semicolon is quoted in
    one dialect and not in the other."""
    writer = CsvFormat()
    writer.render(report)
    writer.dialect = CsvDialect.EXCEL_FR
    assert writer.render(report) == CsvFormat(CsvDialect.EXCEL_FR).render(report)
