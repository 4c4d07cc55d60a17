"""What to audit and how, as one plain record, and what an audit gives back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from auditor.hibp import DEFAULT_LOOKUP_DEADLINE
from auditor.history import RecordedRun, default_path
from auditor.models import Practice
from auditor.policy import Policy
from auditor.report import Report


@dataclass(frozen=True)
class AuditRequest:
    """The inventories, policy, breach source and history of one audit (``audit``, ``remind``)."""

    inventories: tuple[Path, ...]
    policy_files: tuple[Path, ...] = ()
    as_of: date | None = None
    """The audit's "today"; None for the real one."""
    hibp_url: str | None = None
    hibp_offline: Path | None = None
    no_breach_check: bool = False
    hibp_workers: int = 64
    hibp_deadline: float = DEFAULT_LOOKUP_DEADLINE
    """Seconds all online lookups of the run may take."""
    jobs: int | None = None
    """Scoring processes; None for one per core."""
    cache_dir: Path | None = None
    cache_ttl: float = 86400.0
    skip_invalid: bool = False
    practice: Practice | None = None
    practice_map: Path | None = None
    all_entries: bool = False
    keepass_key_file: Path | None = None
    allow_costly_kdf: bool = False
    history: Path | None = None
    no_history: bool = False

    @property
    def history_path(self) -> Path | None:
        """Where runs are recorded: ``--history``, else the user's data folder; None if off."""
        if self.no_history:
            return None
        return self.history or default_path()


@dataclass(frozen=True)
class Audited:
    """An audit's report, the policy it applied, and its run in the history (if recorded)."""

    report: Report
    policy: Policy
    recorded: RecordedRun | None
    """Where the run was recorded in the history; None with ``--no-history``."""
