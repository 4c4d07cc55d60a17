"""Inventory sources: files that describe accounts, turned into ``Account`` records."""

from __future__ import annotations

from pathlib import Path

from auditor.i18n.failure import failure
from auditor.i18n.phrase import phrase
from auditor.models import RowProblem
from auditor.sources.bitwarden import BitwardenInventory
from auditor.sources.delimited import CsvInventory, first_line, read_text, sniff_delimiter
from auditor.sources.excel import ExcelInventory
from auditor.sources.interface import (
    InventorySource,
    LoadResult,
    PracticeRule,
    SourceError,
    SourceOptions,
    Unlock,
)
from auditor.sources.keepass import KeePassInventory
from auditor.sources.managers import ManagerExport, recognise
from auditor.sources.practicemap import load_practice_map
from auditor.sources.table import HEADER_ALIASES
from auditor.text import fold_key

__all__ = [
    "BitwardenInventory",
    "CsvInventory",
    "ExcelInventory",
    "InventorySource",
    "KeePassInventory",
    "LoadResult",
    "ManagerExport",
    "PracticeRule",
    "RowProblem",
    "SourceError",
    "SourceOptions",
    "Unlock",
    "load_practice_map",
    "open_inventory",
]

_CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_SAVE_AS = {
    ".xls": "source_error.save_as.xls",
    ".ods": "source_error.save_as.ods",
    ".kdb": "source_error.save_as.kdb",
    ".1pux": "source_error.save_as.1pux",
}
"""Formats people have that a sheet or vault can be saved from: what to save them as (a key)."""


def open_inventory(path: Path, options: SourceOptions | None = None) -> InventorySource:
    """The source that reads ``path``, chosen by its extension (and a CSV's header line)."""
    options = options or SourceOptions()
    if path.is_dir():
        raise failure(SourceError, "source_error.is_folder", path=str(path))
    if not path.exists():
        raise failure(SourceError, "source_error.no_such_file", path=str(path))
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        return _csv_source(path, options)
    if suffix in _EXCEL_SUFFIXES:
        return ExcelInventory(path)
    if suffix == ".kdbx":
        return KeePassInventory(path, options)
    if suffix == ".json":
        return BitwardenInventory(path, options)
    if suffix in _SAVE_AS:
        raise failure(
            SourceError, "source_error.at", path=str(path), reason=phrase(_SAVE_AS[suffix])
        )
    raise failure(
        SourceError,
        "source_error.unsupported",
        path=str(path),
        suffix=repr(path.suffix) if path.suffix else phrase("source_error.no_extension"),
    )


def _csv_source(path: Path, options: SourceOptions) -> InventorySource:
    """The canonical inventory, unless the header line is a known password manager's."""
    text = read_text(path)
    line = first_line(text)
    delimiter = sniff_delimiter(line) or ","
    header = [title.strip().strip('"') for title in line.split(delimiter)]
    canonical = any(HEADER_ALIASES.get(fold_key(title)) == "practice_id" for title in header)
    layout = None if canonical else recognise(header)
    if layout is None:
        return CsvInventory(path, text)
    return ManagerExport(path, layout, options, text)
