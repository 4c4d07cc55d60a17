"""Plain-language words shared by the human formats (statuses, breach outcomes)."""

from __future__ import annotations

from typing import assert_never

from auditor.derive import AuditedAccount, NotChecked
from auditor.hibp import Clean, Pwned, Unknown
from auditor.models import Severity
from auditor.report import PracticeReport, Report


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
    urgent = len({f.account for f in practice.findings if f.severity is worst})
    accounts = f"{urgent} account{'s' if urgent > 1 else ''}"
    if worst is Severity.CRITICAL:
        return f"ACT TODAY: {accounts} must change {'their' if urgent > 1 else 'its'} password now."
    if worst is Severity.HIGH:
        return f"ACT THIS WEEK: {accounts} with a weak, reused or outdated password."
    return f"TO PLAN: no urgent problem; {accounts} with improvements due."


def severity_counts(counts: dict[Severity, int]) -> str:
    """``2 critical, 1 high, 0 medium, 3 low``."""
    return ", ".join(f"{count} {severity.value}" for severity, count in counts.items())


def left_out_line(report: Report) -> str:
    """How many vault entries matched no portal, and how to audit them too."""
    total = sum(left.entries for left in report.left_out)
    files = ", ".join(f"{left.path} ({left.entries})" for left in report.left_out)
    return (
        f"{total} password-manager entr{'ies' if total > 1 else 'y'} matched no portal of the "
        f"policy and {'were' if total > 1 else 'was'} not audited: {files}. "
        "Pass --all-entries to audit them too."
    )


def changed_text(audited: AuditedAccount) -> str:
    """The password's change date for a table cell; ``~`` marks a vault entry's modification day."""
    account = audited.account
    if account.password_changed is None:
        return "unknown"
    return ("~" if account.changed_approximate else "") + account.password_changed.isoformat()
