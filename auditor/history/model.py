"""What the history tells about its runs: each run, and a practice's findings over runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from auditor.models import Severity


@dataclass(frozen=True)
class RecordedRun:
    """Where an audit run was recorded: the history database and the run's id in it."""

    path: Path
    run_id: int


@dataclass(frozen=True)
class RunSummary:
    """One recorded audit run."""

    id: int
    recorded_at: str
    """When it was recorded, UTC, ISO 8601 to the second."""
    as_of: date
    tool_version: str
    policy_digest: str
    """A digest of the effective policy (``policy show``): a changed policy shows here."""
    inventory_digest: str
    """A digest of the accounts' public names (practice, portal, login, owner); no password."""
    complete: bool
    practices: int
    accounts: int
    findings: int


@dataclass(frozen=True)
class TrendPoint:
    """A practice's open findings in one run, per severity."""

    run_id: int
    as_of: date
    counts: dict[Severity, int]
    waived: int

    @property
    def total(self) -> int:
        """Open findings, all severities."""
        return sum(self.counts.values())
