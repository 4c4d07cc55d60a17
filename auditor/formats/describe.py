"""Plain-language words shared by the human formats (statuses, counts, breach outcomes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from auditor.changes import FindingKey, PracticeChanges
from auditor.derive import AuditedAccount, NotChecked
from auditor.hibp import Clean, Pwned, Unknown
from auditor.i18n import Catalog
from auditor.models import CheckId, Finding, Severity
from auditor.policy import Waiver
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


def breach_label(words: Catalog, audited: AuditedAccount) -> str:
    """The breach outcome in the reader's words."""
    return words.t(f"breach.{breach_word(audited)}")


def check_label(words: Catalog, check: CheckId) -> str:
    """A check in a few words (``reused``, ``réutilisé``); JSON and JUnit keep the id."""
    return words.t(f"check.{check.value}")


def severity_label(words: Catalog, severity: Severity) -> str:
    """``critical``, ``critique``…"""
    return words.t(f"severity.{severity.value}")


def status_line(words: Catalog, practice: PracticeReport) -> str:
    """One sentence a non-specialist understands: how bad, and what to do first."""
    worst = practice.worst
    if worst is None:
        return words.t("status.ok")
    urgent = len({f.account for f in practice.findings if f.severity is worst})
    match worst:
        case Severity.CRITICAL:
            return words.t("status.critical", n=urgent)
        case Severity.HIGH:
            return words.t("status.high", n=urgent)
        case Severity.MEDIUM | Severity.LOW:
            return words.t("status.plan", n=urgent)
        case _:
            assert_never(worst)


def severity_counts(words: Catalog, counts: dict[Severity, int]) -> str:
    """``2 critical, 1 high, 0 medium, 3 low``."""
    return words.t("list.separator").join(
        words.t(f"severity_count.{severity.value}", n=count) for severity, count in counts.items()
    )


def left_out_line(words: Catalog, report: Report) -> str:
    """How many vault entries matched no portal, and how to audit them too."""
    total = sum(left.entries for left in report.left_out)
    files = words.t("list.separator").join(
        words.t("left_out.file", path=left.path, n=left.entries) for left in report.left_out
    )
    return words.t("left_out.line", n=total, files=files)


def changed_text(words: Catalog, audited: AuditedAccount) -> str:
    """The password's change date for a table cell; ``~`` marks a vault entry's modification day."""
    account = audited.account
    if account.password_changed is None:
        return words.t("account.changed_unknown")
    return ("~" if account.changed_approximate else "") + words.short_day(account.password_changed)


def mfa_label(words: Catalog, mfa: bool | None) -> str:
    """``on``, ``off`` or ``unknown`` in the reader's words."""
    return words.t({True: "mfa.on", False: "mfa.off", None: "mfa.unknown"}[mfa])


def risk_order(practice: PracticeReport) -> tuple[int, int, str]:
    """Sort key ranking practices: most urgent first, then most findings."""
    worst = practice.worst.rank if practice.worst else len(Severity)
    return (worst, -len(practice.findings), practice.practice.id)


def waiver_scope(waiver: Waiver) -> str:
    """What a waiver names, as ids a user can find in the policy: ``no-mfa · viamedis``."""
    parts = (
        waiver.check.value if waiver.check else None,
        waiver.practice,
        waiver.portal,
        waiver.username,
    )
    return " · ".join(part for part in parts if part is not None)


def waiver_text(words: Catalog, waiver: Waiver) -> str:
    """``Waived until 31 March 2027 by M. Martin: reason``."""
    return words.t(
        "waiver.accepted",
        expires=words.day(waiver.expires),
        accepted_by=waiver.accepted_by,
        reason=waiver.reason,
    )


def expired_waiver_line(words: Catalog, waiver: Waiver) -> str:
    """A lapsed waiver, where it is declared, and what to do about it."""
    return words.t(
        "waiver.expired",
        scope=waiver_scope(waiver),
        accepted_by=waiver.accepted_by,
        where=waiver.where,
        expires=words.day(waiver.expires),
    )


def changes_line(words: Catalog, changes: PracticeChanges) -> str:
    """What changed since the previous recorded audit, in one sentence."""
    if changes.previous_as_of is None:
        return words.t("changes.first")
    previous = words.day(changes.previous_as_of)
    if not (changes.new or changes.fixed or changes.gone):
        return words.t("changes.none", previous=previous)
    return words.t(
        "changes.line",
        previous=previous,
        new=len(changes.new),
        fixed=len(changes.fixed),
        gone=len(changes.gone),
    )


def distinct_actions(words: Catalog, found: Sequence[Finding]) -> tuple[str, ...]:
    """Each distinct step once: most actions end with the same "change it on the portal".

    Actions that include that step take it as the phrase value ``change``
    (``CHANGE_ON_PORTAL``); it is written first, once, and left out of each.
    """
    common: list[str] = []
    steps: list[str] = []
    for finding in found:
        args = dict(finding.action.args)
        change = args.pop("change", None)
        if change is None:
            steps.append(words.text(finding.action))
            continue
        common.append(words.value(change))
        steps.append(words.t(finding.action.key, change="", **args).strip())
    return tuple(dict.fromkeys(step for step in (*common, *steps) if step))


def change_groups(changes: PracticeChanges) -> tuple[tuple[str, tuple[FindingKey, ...]], ...]:
    """(heading key, findings) for new, fixed and departed findings; empty groups left out."""
    groups = (
        ("changes.new_heading", changes.new),
        ("changes.fixed_heading", changes.fixed),
        ("changes.gone_heading", changes.gone),
    )
    return tuple((heading, keys) for heading, keys in groups if keys)
