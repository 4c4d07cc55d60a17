"""The inventory source family: what a source returns and how it fails."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date

from auditor.errors import AuditorError
from auditor.models import Account
from auditor.policy import Policy


class SourceError(AuditorError):
    """An inventory file cannot be read at all (missing, unreadable, unknown format)."""


@dataclass(frozen=True)
class RowProblem:
    """One reason why one row (or the whole file, at line 1) cannot be audited.

    Reasons never quote the password cell, nor any cell of a row whose columns
    are misaligned (a password could have slid into another column).
    """

    path: str
    line: int
    column: str
    """The column as the file names it, or ``-`` for a whole-row problem."""
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.column}: {self.reason}"


@dataclass(frozen=True)
class LoadResult:
    """The accounts a source could read, and every problem it found."""

    accounts: tuple[Account, ...]
    problems: tuple[RowProblem, ...]


class InventorySource(ABC):
    """Turns one inventory file into ``Account`` records."""

    path: str

    @abstractmethod
    def load(self, policy: Policy, as_of: date) -> LoadResult:
        """Read every account; collect row problems instead of stopping at the first.

        Raises ``SourceError`` only when nothing at all can be read.
        """
