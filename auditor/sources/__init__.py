"""Inventory sources: files that describe accounts, turned into ``Account`` records."""

from __future__ import annotations

from pathlib import Path

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
    ".xls": "an Excel 97-2003 workbook: save it as .xlsx or CSV",
    ".ods": "a LibreOffice sheet: save it as .xlsx or CSV",
    ".kdb": "a KeePass 1 database: save it as .kdbx in KeePass 2 or KeePassXC",
    ".1pux": "a 1Password export: export as CSV instead",
}


def open_inventory(path: Path, options: SourceOptions | None = None) -> InventorySource:
    """The source that reads ``path``, chosen by its extension (and a CSV's header line)."""
    options = options or SourceOptions()
    if path.is_dir():
        raise SourceError(f"{path}: is a folder; give inventory files")
    if not path.exists():
        raise SourceError(f"{path}: no such file")
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
        raise SourceError(f"{path}: {_SAVE_AS[suffix]}")
    raise SourceError(
        f"{path}: unsupported inventory format {path.suffix or '(no extension)'!r}; give a "
        "CSV or .xlsx sheet, a KeePass .kdbx, a Bitwarden .json, or a password manager's "
        "CSV export"
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
