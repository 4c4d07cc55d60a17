"""How an audit ends: the exit codes of the command-line contract and what fails a run."""

from __future__ import annotations

import enum

from auditor.models import Severity
from auditor.report import Report


class ExitCode(enum.IntEnum):
    """The process exit codes of DESIGN.md's command-line contract."""

    CLEAN = 0
    FINDINGS = 1
    ERROR = 2
    INCOMPLETE = 3


class FailOn(enum.Enum):
    """The lowest severity that fails the run (``never``: findings never fail it)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NEVER = "never"

    @property
    def threshold(self) -> Severity | None:
        """The severity this choice names, or None for ``never``."""
        return None if self is FailOn.NEVER else Severity(self.value)


def exit_code(report: Report, fail_on: FailOn) -> ExitCode:
    """1 for findings at or above the threshold, else 3 if incomplete, else 0."""
    threshold = fail_on.threshold
    if threshold is not None and any(f.severity.at_least(threshold) for f in report.findings):
        return ExitCode.FINDINGS
    if not report.complete:
        return ExitCode.INCOMPLETE
    return ExitCode.CLEAN
