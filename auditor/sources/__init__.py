"""Inventory sources: files that describe accounts, turned into ``Account`` records."""

from __future__ import annotations

from pathlib import Path

from auditor.sources.delimited import CsvInventory
from auditor.sources.interface import InventorySource, LoadResult, RowProblem, SourceError

__all__ = [
    "CsvInventory",
    "InventorySource",
    "LoadResult",
    "RowProblem",
    "SourceError",
    "open_inventory",
]

_CSV_SUFFIXES = {".csv", ".tsv", ".txt"}


def open_inventory(path: Path) -> InventorySource:
    """The source that reads ``path``, chosen by its extension."""
    if path.is_dir():
        raise SourceError(f"{path}: is a folder; give inventory files")
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if path.suffix.lower() in _CSV_SUFFIXES:
        return CsvInventory(path)
    raise SourceError(
        f"{path}: unsupported inventory format {path.suffix or '(no extension)'!r}; "
        "save the sheet as CSV (.csv)"
    )
