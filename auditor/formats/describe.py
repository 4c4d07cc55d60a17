"""Plain-language words shared by the human formats (statuses, breach outcomes)."""

from __future__ import annotations

from typing import assert_never

from auditor.derive import AuditedAccount, NotChecked
from auditor.hibp import Clean, Pwned, Unknown
from auditor.models import Severity
from auditor.report import PracticeReport


def breach_word(audited: AuditedAccount) -> str:
    """``pwned``, ``clean``, ``unknown``, ``not-checked`` or ``no-password`` for an account."""
    facts = audited.facts
    if facts is None:
        return "no-password"
    status = facts.breach
    if isinstance(status, Pwned):
        return "pwned"
    if isinstance(status, Clean):
        return "clean"
    if isinstance(status, Unknown):
        return "unknown"
    if isinstance(status, NotChecked):
        return "not-checked"
    assert_never(status)


def status_line(practice: PracticeReport) -> str:
    """One sentence a non-specialist understands: how bad, and what to do first."""
    worst = practice.worst
    if worst is None:
        return "OK: no password needs to change."
    counts = practice.counts()
    urgent = counts[Severity.CRITICAL]
    if worst is Severity.CRITICAL:
        verb = "needs" if urgent == 1 else "need"
        plural = "s" if urgent > 1 else ""
        return f"ACT TODAY: {urgent} critical finding{plural} {verb} a password change now."
    if worst is Severity.HIGH:
        return "ACT THIS WEEK: some passwords are weak, reused or too old."
    return "To plan: no urgent problem, some improvements are due."


def severity_counts(counts: dict[Severity, int]) -> str:
    """``2 critical, 1 high, 0 medium, 3 low``."""
    return ", ".join(f"{count} {severity.value}" for severity, count in counts.items())
