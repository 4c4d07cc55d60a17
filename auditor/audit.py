"""The audit pipeline: inventories → accounts → derive → checks → report → exit code."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from auditor import __version__
from auditor.checks import CheckContext, renewal_deadline, run_checks
from auditor.errors import AuditorError
from auditor.hibp import BreachSource
from auditor.models import Account, Finding, RowProblem, Severity, location
from auditor.password.derive import AuditedAccount, derive
from auditor.policy import Policy, Portal
from auditor.progress import ProgressDisplay
from auditor.report import BreachMode, LeftOut, PracticeReport, Report
from auditor.report.waivers import Waived, apply_waivers
from auditor.sources import (
    CsvInventory,
    ExcelInventory,
    InventorySource,
    LoadResult,
    ManagerExport,
    SourceOptions,
    open_inventory,
)


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


class NoAccountProblem(RowProblem):
    """A whole inventory file that yields no account, shown as ``file: no account found (why)``."""

    def __str__(self) -> str:
        return f"{location(self.path, None, None)}: {self.reason}"


class InvalidInventoryError(AuditorError):
    """Inventory rows cannot be audited, or a file has no account; every problem is listed."""

    def __init__(
        self, problems: Sequence[RowProblem], no_account: Sequence[NoAccountProblem] = ()
    ) -> None:
        self.problems = (*problems, *no_account)
        if no_account:
            # Not "fix them, or pass --skip-invalid": skipping cannot make an
            # audit of nothing a clean run.
            count = len(no_account)
            message = (
                f"{count} inventory file{'s' if count > 1 else ''} without any account to "
                "audit; nothing was audited"
            )
        else:
            count = len(self.problems)
            message = (
                f"{count} problem{'s' if count > 1 else ''} in the inventory; nothing was "
                "audited (fix them, or pass --skip-invalid to audit the valid rows)"
            )
        super().__init__(message)


@dataclass(frozen=True)
class Inventory:
    """The accounts read from every inventory file, and the rows left out."""

    accounts: tuple[Account, ...]
    skipped: tuple[RowProblem, ...]
    paths: tuple[str, ...]
    left_out: tuple[LeftOut, ...] = ()
    """Per vault, the entries that match no portal (without ``--all-entries``)."""
    portals: tuple[Portal, ...] = ()
    """Sites outside the policy that ``--all-entries`` audits."""

    def audit_policy(self, policy: Policy) -> Policy:
        """The policy, with the sites of ``--all-entries`` as portals without rules."""
        known = {portal.id for portal in policy.portals}
        extra = tuple(portal for portal in self.portals if portal.id not in known)
        return replace(policy, portals=policy.portals + extra) if extra else policy


def read_inventories(
    paths: Iterable[Path],
    policy: Policy,
    as_of: date,
    *,
    skip_invalid: bool,
    options: SourceOptions | None = None,
) -> Inventory:
    """Read every file; raise ``InvalidInventoryError`` with all problems unless skipping them.

    A file that yields no account is always an error, even when skipping invalid
    rows: a scheduled audit whose export broke must not go green.
    """
    accounts: list[Account] = []
    problems: list[RowProblem] = []
    no_account: list[NoAccountProblem] = []
    labels = []
    left_out = []
    portals: dict[str, Portal] = {}
    for path in paths:
        source = open_inventory(path, options)
        result = source.load(policy, as_of)
        accounts += result.accounts
        problems += result.problems
        labels.append(source.path)
        if not result.accounts:
            reason = f"no account found ({_why_no_account(source, result)})"
            no_account.append(NoAccountProblem(source.path, None, "-", reason))
        if result.left_out:
            left_out.append(LeftOut(source.path, result.left_out))
        for portal in result.portals:
            portals.setdefault(portal.id, portal)
    accounts, duplicates = _without_duplicates(accounts)
    problems += duplicates
    if no_account or (problems and not skip_invalid):
        raise InvalidInventoryError(problems, no_account)
    return Inventory(
        tuple(accounts),
        tuple(problems),
        tuple(labels),
        left_out=tuple(left_out),
        portals=tuple(portals.values()),
    )


def _why_no_account(source: InventorySource, result: LoadResult) -> str:
    """Why a file gave no account, in words; its problems, if any, are listed before."""
    problems = result.problems
    sheet = isinstance(source, CsvInventory | ExcelInventory | ManagerExport)
    if problems and all(p.line in (1, None) and p.entry is None for p in problems):
        # The first line (or the whole file) could not be read: nothing after it was.
        if len(problems) == 1 and problems[0].column == "-":
            return problems[0].reason
        return "the header cannot be used, see the problems above"
    reasons = []
    if problems:
        reasons.append(f"every {'row' if sheet else 'entry'} was invalid, see the problems above")
    if result.left_out:
        count = result.left_out
        reasons.append(
            f"{count} {'entry matches' if count == 1 else 'entries match'} no portal of the "
            "policy, see --all-entries"
        )
    if not reasons:
        reasons.append("only a header" if sheet else "no login entry in it")
    return "; ".join(reasons)


def _without_duplicates(accounts: list[Account]) -> tuple[list[Account], list[RowProblem]]:
    """Drop, as problems, accounts that another file already lists (same login and owner)."""
    first: dict[tuple[str, str, str, str], Account] = {}
    kept, problems = [], []
    for account in accounts:
        seen = first.setdefault(account.entry_key, account)
        if seen is account:
            kept.append(account)
            continue
        origin = account.origin
        problems.append(
            RowProblem(
                origin.path,
                origin.line,
                "-",
                f"same practice, portal, username and owner as {seen.origin}",
                entry=origin.entry,
            )
        )
    return kept, problems


def build_report(
    audited: Sequence[AuditedAccount],
    inventory: Inventory,
    policy: Policy,
    as_of: date,
    *,
    breach_mode: BreachMode,
    breach_source: str,
) -> Report:
    """Run every check and group accounts and findings per practice, in stable order."""
    ctx = CheckContext(policy, as_of)
    waivers = apply_waivers(run_checks(audited, ctx), policy.waivers, as_of)
    members: dict[str, list[AuditedAccount]] = defaultdict(list)
    for account in audited:
        members[account.account.practice.id].append(account)
    found: dict[str, list[Finding]] = defaultdict(list)
    for finding in waivers.active:  # already in stable order
        found[finding.account.practice_id].append(finding)
    waived: dict[str, list[Waived]] = defaultdict(list)
    for excused in waivers.waived:
        waived[excused.finding.account.practice_id].append(excused)
    practices = []
    for practice_id in sorted(members):
        accounts = sorted(
            members[practice_id],
            key=lambda a: (a.account.portal, a.account.username.casefold(), a.account.owner or ""),
        )
        practices.append(
            PracticeReport(
                practice=accounts[0].account.practice,
                accounts=tuple(accounts),
                findings=tuple(found[practice_id]),
                waived=tuple(waived[practice_id]),
                renew_by={
                    a.account.ref: deadline
                    for a in accounts
                    if (deadline := renewal_deadline(a, ctx)) is not None
                },
            )
        )
    return Report(
        tool_version=__version__,
        as_of=as_of,
        breach_mode=breach_mode,
        breach_source=breach_source,
        practices=tuple(practices),
        skipped_rows=inventory.skipped,
        left_out=inventory.left_out,
        inventories=inventory.paths,
        policy_files=policy.files,
        min_zxcvbn_score=policy.strength.min_zxcvbn_score,
        expired_waivers=waivers.expired,
    )


def run_audit(
    inventory: Inventory,
    policy: Policy,
    as_of: date,
    breach: BreachSource | None,
    *,
    breach_mode: BreachMode,
    jobs: int = 1,
    progress: ProgressDisplay | None = None,
) -> Report:
    """The whole audit of already-read accounts."""
    policy = inventory.audit_policy(policy)
    audited = derive(inventory.accounts, policy, breach, jobs=jobs, progress=progress)
    return build_report(
        audited,
        inventory,
        policy,
        as_of,
        breach_mode=breach_mode,
        breach_source=breach.description if breach else "",
    )


def exit_code(report: Report, fail_on: FailOn) -> ExitCode:
    """1 for findings at or above the threshold, else 3 if incomplete, else 0."""
    threshold = fail_on.threshold
    if threshold is not None and any(f.severity.at_least(threshold) for f in report.findings):
        return ExitCode.FINDINGS
    if not report.complete:
        return ExitCode.INCOMPLETE
    return ExitCode.CLEAN
