"""The order to act in: most urgent first; within an urgency, the most breached password first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from auditor.hibp import Pwned
from auditor.models import Finding, Severity
from auditor.password.derive import AuditedAccount

# Every order people act on comes from these keys: the report's findings (so JSON and CSV),
# the accounts to act on (terminal, HTML cards), the practices' ranking. Each ends in
# names and ids, so equal priorities still sort the same way from run to run.

FindingKey = tuple[int, int, date, tuple[str, str, str, str, int, bool, str]]
AccountKey = tuple[int, int, date, str, str, str]
PracticeKey = tuple[int, int, int, str]


def breach_count(audited: AuditedAccount) -> int:
    """Times the password was seen in breaches; 0 when clean, unknown, unchecked or unrecorded.

    An unknown lookup counts 0 here: it is said as "not checked", never guessed at.
    """
    facts = audited.facts
    if facts is not None and isinstance(facts.breach, Pwned):
        return facts.breach.count
    return 0


def finding_key(finding: Finding, count: int) -> FindingKey:
    """Severity, then the password's breach ``count`` (highest first), due day, stable order."""
    return (finding.severity.rank, -count, finding.due, finding.sort_key)


def prioritised(
    findings: Iterable[Finding], accounts: Iterable[AuditedAccount]
) -> tuple[Finding, ...]:
    """``findings`` in the order to act on them (``finding_key``), counts read from ``accounts``.

    ``findings`` come in the stable order (``Finding.sort_key``), as ``run_checks`` gives
    them: the sort is stable, so it needs only the first parts of ``finding_key``, and
    does not build every finding's stable key a second time.
    """
    # Only breached accounts are named: the others count 0.
    counts = {
        audited.account.ref: count for audited in accounts if (count := breach_count(audited))
    }
    if not counts:  # no password known to be breached: no count to order by
        return tuple(sorted(findings, key=_urgency))
    return tuple(
        sorted(findings, key=lambda f: (f.severity.rank, -counts.get(f.account, 0), f.due))
    )


def _urgency(finding: Finding) -> tuple[int, date]:
    return (finding.severity.rank, finding.due)


def account_key(found: Sequence[Finding], count: int) -> AccountKey:
    """An account by its worst severity, then its breach ``count``, earliest due day, name."""
    ref = found[0].account
    worst = min(f.severity.rank for f in found)
    due = min(f.due for f in found)
    return (worst, -count, due, ref.portal, ref.username.casefold(), ref.owner or "")


def practice_key(
    practice_id: str, worst: Severity | None, top_count: int, findings: int
) -> PracticeKey:
    """A practice by its worst severity, then the breach count of its first account to act on
    (so of its most breached password at that severity), then its number of findings."""
    rank = worst.rank if worst is not None else len(Severity)
    return (rank, -top_count, -findings, practice_id)
