"""The CSV inventory source: spreadsheets saved as CSV, with English or French headers."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from auditor.files.bounded import FileTooLargeError, read_capped
from auditor.i18n.failure import failure
from auditor.i18n.oserror import os_reason
from auditor.i18n.phrase import Phrase, phrase
from auditor.models import RowProblem
from auditor.policy import Policy
from auditor.sources.interface import InventorySource, LoadResult, SourceError
from auditor.sources.table import RowReader, read_header

_DELIMITERS = (";", ",", "\t")
# Only CR, LF and CRLF end a CSV record (RFC 4180); str.splitlines() would also
# break at \x0b, \x0c, \x1c-\x1e, \x85, U+2028 and U+2029, splitting rows inside cells.
_LINE_END = re.compile(r"\r\n|\r|\n")


def decode(data: bytes, path: str) -> str:
    """Text of a spreadsheet export: UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        encoding, data = "utf-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # Excel's "Unicode text" export
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1252"  # French Excel's "CSV (séparateur: point-virgule)"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise failure(
            SourceError,
            "source_error.cannot_decode",
            path=path,
            byte=str(exc.start + 1),
            encoding=encoding,
        ) from exc


def first_line(text: str) -> str:
    """The text before the first CR, LF or CRLF (a header line, unless a title spans lines)."""
    return _LINE_END.split(text, maxsplit=1)[0]


def csv_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` as the csv module must read them: only CR, LF or CRLF end one."""
    return iter(io.StringIO(text, newline=""))


def sniff_delimiter(first_line: str) -> str | None:
    """The separator the header line uses most, among ``;`` ``,`` and tab."""
    counts = {delimiter: first_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else None


MAX_SHEET_BYTES = 256 << 20
"""A CSV inventory or export of 100,000 accounts is about 20 MB: a file over ten times
that is not one, and reading it whole (or a pipe without end) would only fill memory."""


_WHAT = {
    "inventory": ("source_error.any.inventory", "source_error.the.inventory"),
    "practice_map": ("source_error.any.practice_map", "source_error.the.practice_map"),
}
"""The kinds of CSV file read here, as messages name them: "any …" and "the …"."""


def read_text(path: Path, what: str = "inventory") -> str:
    """A CSV file's text (at most ``MAX_SHEET_BYTES``), decoded as ``decode`` says.

    ``what`` is ``inventory`` or ``practice_map``: the kind of file, for messages.
    """
    try:
        data = read_capped(path, MAX_SHEET_BYTES)
    except FileTooLargeError as exc:
        raise failure(
            SourceError,
            "source_error.too_large",
            path=str(path),
            limit=MAX_SHEET_BYTES,
            what=phrase(_WHAT[what][0]),
        ) from exc
    except OSError as exc:
        raise failure(
            SourceError,
            "source_error.cannot_read_file",
            path=str(path),
            what=phrase(_WHAT[what][1]),
            reason=os_reason(exc.strerror or type(exc).__name__, exc.errno),
        ) from exc
    return decode(data, str(path))


class CsvInventory(InventorySource):
    """An inventory in CSV: one account per row, columns named in DESIGN.md (or in French)."""

    def __init__(self, path: Path, text: str | None = None) -> None:
        self.file = path
        self.path = str(path)
        self._text = text
        """The decoded file, when whoever chose this source already read it."""

    def load(self, policy: Policy, as_of: date) -> LoadResult:
        text = self._text if self._text is not None else read_text(self.file)
        delimiter = sniff_delimiter(first_line(text))
        if not text.strip():
            return self._fail(1, "-", phrase("problem.file_empty"))
        if delimiter is None:
            return self._fail(1, "-", phrase("problem.no_separator"))
        try:
            rows = list(records(text, delimiter))
        except csv.Error as exc:
            return self._fail(exc.args[1] if len(exc.args) > 1 else 1, "-", bad_csv(exc))
        if not rows:  # separators and blanks only
            return self._fail(1, "-", phrase("problem.file_empty"))
        header_line, header = rows[0]
        columns, problems = read_header(self.path, header, header_line)
        if columns is None:
            return LoadResult((), tuple(problems))
        reader = RowReader(self.path, columns, policy, as_of)
        accounts = []
        for line, cells in rows[1:]:
            account = reader.read(line, cells)
            if account is not None:
                accounts.append(account)
        problems += reader.problems
        return LoadResult(tuple(accounts), tuple(problems))

    def _fail(self, line: int, column: str, reason: Phrase) -> LoadResult:
        return LoadResult((), (RowProblem(self.path, line, column, reason),))


def bad_csv(error: csv.Error) -> Phrase:
    """A file the csv module cannot read, with its message (which quotes no cell, see below)."""
    return phrase("problem.bad_csv", detail=str(error.args[0]))


def records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank record with the line it starts on (quoted fields may span lines).

    A ``csv.Error`` names the line in its second argument; its message quotes no cell.
    """
    reader = csv.reader(csv_lines(text), delimiter=delimiter, strict=True)
    start = 1
    try:
        for cells in reader:
            if "".join(cells).strip():  # a cell that is not blank: one pass, not one per cell
                yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise csv.Error(exc.args[0] if exc.args else "unreadable", reader.line_num) from exc
