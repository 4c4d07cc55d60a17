"""The audit's result, grouped per practice, that every output format renders."""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import assert_never

from auditor.hibp import Unknown
from auditor.models import AccountRef, CheckId, Finding, Practice, RowProblem, Severity
from auditor.password.derive import AuditedAccount, NotChecked
from auditor.policy import Waiver
from auditor.policy.names import NearMiss
from auditor.policy.standards import PolicyBasis
from auditor.report.changes import PracticeChanges
from auditor.report.priority import PracticeKey, account_key, breach_count, practice_key
from auditor.report.waivers import Waived

REPORT_SCHEMA = "portal-auditor/report/v1"


class BreachMode(enum.Enum):
    """Where breach lookups went."""

    ONLINE = "online"
    OFFLINE = "offline"
    SKIPPED = "skipped"


def most_urgent(findings: Iterable[Finding]) -> Severity | None:
    """The most urgent severity among findings, None when there are none."""
    return min((f.severity for f in findings), key=lambda s: s.rank, default=None)


PASSWORD_CHECKS = frozenset(
    {
        CheckId.BREACHED,
        CheckId.EMPTY_PASSWORD,
        CheckId.WEAK,
        CheckId.CONTEXTUAL,
        CheckId.REUSED,
        CheckId.CREDENTIAL_PAIR,
        CheckId.RECYCLED,
        CheckId.PREDICTABLE_ROTATION,
        CheckId.BANNED_WORD,
        CheckId.SIMILAR_PASSWORD,
        CheckId.PHISHED,
        CheckId.REUSED_ELSEWHERE,
    }
)
"""Checks that read the password's facts: none of them can run when it is not recorded."""


class Gap(enum.Enum):
    """Why an account was not fully checked (DESIGN.md, secret rule 5)."""

    PASSWORD_NOT_RECORDED = "password-not-recorded"  # noqa: S105 - a reason id, not a password
    """The inventory records no password: only its dates, MFA and owners were checked."""
    LOOKUP_FAILED = "lookup-failed"
    """The breach lookup failed (the answer is unknown), so "not breached" is not known."""
    BREACH_CHECK_SKIPPED = "breach-check-skipped"
    """``--no-breach-check``: the password was not compared with known breaches."""

    @property
    def checks(self) -> frozenset[CheckId]:
        """The checks this gap left out."""
        match self:
            case Gap.PASSWORD_NOT_RECORDED:
                return PASSWORD_CHECKS
            case Gap.LOOKUP_FAILED | Gap.BREACH_CHECK_SKIPPED:
                return frozenset({CheckId.BREACHED})
            case _:
                assert_never(self)


@dataclass(frozen=True)
class Checked:
    """Every check ran on the account: its findings (or their absence) are the whole verdict."""


@dataclass(frozen=True)
class Unchecked:
    """Some checks could not run on the account: its lack of findings proves nothing there."""

    gap: Gap


Coverage = Checked | Unchecked


def coverage(audited: AuditedAccount) -> Coverage:
    """What was checked of one account, from the facts derive left (the one place it is decided)."""
    facts = audited.facts
    if facts is None:
        return Unchecked(Gap.PASSWORD_NOT_RECORDED)
    if audited.account.imitates is not None:
        # An entry saved on a lookalike site is judged by its site, and its password
        # only compared with the portals' (``phished``): nothing there is looked up.
        return Checked()
    if isinstance(facts.breach, Unknown):
        return Unchecked(Gap.LOOKUP_FAILED)
    # An empty password is not looked up, and needs no lookup: it is flagged anyway.
    if isinstance(facts.breach, NotChecked) and not facts.empty:
        return Unchecked(Gap.BREACH_CHECK_SKIPPED)
    return Checked()


@dataclass(frozen=True)
class LeftOut:
    """Vault entries of one file that match no portal, so were not audited."""

    path: str
    entries: int
    near: tuple[NearMiss, ...] = ()
    """Those of them whose title nearly names a portal, one per entry, in the file's order."""


@dataclass(frozen=True)
class PracticeReport:
    """One practice's accounts and findings, in stable order."""

    practice: Practice
    accounts: tuple[AuditedAccount, ...]
    """By portal, login and owner: the inventory's listing."""
    findings: tuple[Finding, ...]
    """In the order to act on them (``priority.finding_key``): by severity, then, within a
    severity, the password seen most often in breaches first."""
    renew_by: Mapping[AccountRef, date] = field(compare=False)
    """Each account's renewal deadline (maximum age or expiry) where the policy sets one."""
    waived: tuple[Waived, ...] = ()
    """Findings an active waiver excuses: shown as waived, outside ``findings`` and counts."""
    changes: PracticeChanges | None = None
    """What changed since the practice's previous recorded audit; None without history."""

    def counts(self) -> dict[Severity, int]:
        """Findings per severity, every severity present (zero included)."""
        found = Counter(finding.severity for finding in self.findings)
        return {severity: found.get(severity, 0) for severity in Severity}

    @property
    def worst(self) -> Severity | None:
        """The most urgent severity among the findings, None when there are none."""
        return most_urgent(self.findings)

    @cached_property
    def unknown(self) -> tuple[AuditedAccount, ...]:
        """Accounts whose breach lookup failed."""
        # Built once: the history, the exit code and every format ask (``Report.complete``),
        # and each asking walked every account of the group.
        return tuple(
            a for a in self.accounts if a.facts is not None and isinstance(a.facts.breach, Unknown)
        )

    def coverage(self, audited: AuditedAccount) -> Coverage:
        """What was checked of one of this practice's accounts."""
        found = self.gap(audited)
        return Checked() if found is None else Unchecked(found)

    def gap(self, audited: AuditedAccount) -> Gap | None:
        """Why one of this practice's accounts was not fully checked; None if it was."""
        return self._gaps.get(audited.account.ref)

    @cached_property
    def unchecked(self) -> tuple[tuple[AuditedAccount, Gap], ...]:
        """Accounts not fully checked, each with why, in report order."""
        # Built once: every format asks, for every account.
        return tuple(
            (audited, found.gap)
            for audited in self.accounts
            if isinstance(found := coverage(audited), Unchecked)
        )

    @cached_property
    def _gaps(self) -> dict[AccountRef, Gap]:
        return {audited.account.ref: gap for audited, gap in self.unchecked}

    @property
    def fully_checked(self) -> bool:
        """Every account fully checked: only then may "nothing to change" be said."""
        return not self.unchecked

    def findings_for(self, audited: AuditedAccount) -> tuple[Finding, ...]:
        """The findings about one account."""
        return self.findings_by_account.get(audited.account.ref, ())

    def breach_count(self, ref: AccountRef) -> int:
        """Times this account's password was seen in breaches (0 when not known to be)."""
        return self._breach_counts.get(ref, 0)

    @cached_property
    def _breach_counts(self) -> dict[AccountRef, int]:
        return {audited.account.ref: breach_count(audited) for audited in self.accounts}

    @cached_property
    def to_act_on(self) -> tuple[tuple[AccountRef, tuple[Finding, ...]], ...]:
        """Each account with findings and its findings, in the order to act on them.

        By worst severity, then, within a severity, the password seen most often
        in breaches first, then the earliest due day (``priority.account_key``).
        """
        return tuple(
            sorted(
                self.findings_by_account.items(),
                key=lambda item: account_key(item[1], self.breach_count(item[0])),
            )
        )

    @property
    def ranking_key(self) -> PracticeKey:
        """Sort key ranking practices: worst severity, then most breached, then most findings."""
        first = self.to_act_on[0][0] if self.to_act_on else None
        top_count = self.breach_count(first) if first is not None else 0
        return practice_key(self.practice.id, self.worst, top_count, len(self.findings))

    @cached_property
    def findings_by_account(self) -> dict[AccountRef, tuple[Finding, ...]]:
        """Findings grouped per account, in report order; accounts without findings absent."""
        # Built once: formats ask for every account's findings.
        grouped: dict[AccountRef, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            grouped[finding.account].append(finding)
        return {ref: tuple(found) for ref, found in grouped.items()}


@dataclass(frozen=True)
class Report:
    """Everything an audit run found, for all practices."""

    tool_version: str
    as_of: date
    breach_mode: BreachMode
    breach_source: str
    """The API URL or corpus path that answered lookups ("" when skipped)."""
    practices: tuple[PracticeReport, ...]
    skipped_rows: tuple[RowProblem, ...]
    """Rows left out with ``--skip-invalid``."""
    left_out: tuple[LeftOut, ...]
    """Vault entries that match no portal (audited only with ``--all-entries``)."""
    inventories: tuple[str, ...]
    policy_files: tuple[str, ...]
    min_zxcvbn_score: int
    """The policy's minimum strength score, which the strength chart marks."""
    expired_waivers: tuple[Waiver, ...] = ()
    """Waivers past their expiry: their findings count again, and the report says so."""
    portal_names: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Each policy portal's id → the name people know it by (``Carte Blanche Partenaires
    (CBPEC)``): human formats show the name, JSON, CSV and JUnit keep the id."""
    standards: PolicyBasis | None = field(default=None, compare=False)
    """The policy's thresholds the references section reads (``report/standards.py``);
    None in a report built without a policy, whose references are then unknown."""
    pseudonymous_practices: bool = False
    """Practice names and ids are pseudonyms (``report/anonymize.py``): no FINESS label."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """All findings, practice by practice."""
        return tuple(f for practice in self.practices for f in practice.findings)

    @property
    def waived(self) -> tuple[Waived, ...]:
        """All waived findings, practice by practice."""
        return tuple(w for practice in self.practices for w in practice.waived)

    @property
    def complete(self) -> bool:
        """False when a breach lookup failed: a missing "breached" may be a lookup failure."""
        return not any(practice.unknown for practice in self.practices)

    @property
    def fully_checked(self) -> bool:
        """Every account of every practice fully checked (see ``Gap``)."""
        return all(practice.fully_checked for practice in self.practices)

    @property
    def breached_findings(self) -> bool:
        """Some account with findings has a password seen in breaches: the count orders them."""
        return any(
            practice.breach_count(ref) > 0
            for practice in self.practices
            for ref in practice.findings_by_account
        )

    @property
    def breach_skipped(self) -> bool:
        """``--no-breach-check``: no password was compared with known breaches."""
        return self.breach_mode is BreachMode.SKIPPED

    @property
    def account_count(self) -> int:
        """Accounts audited, all practices together."""
        return sum(len(practice.accounts) for practice in self.practices)

    def counts(self) -> dict[Severity, int]:
        """Findings per severity over all practices."""
        total = dict.fromkeys(Severity, 0)
        for practice in self.practices:
            for severity, count in practice.counts().items():
                total[severity] += count
        return total

    def with_changes(self, changes: Mapping[str, PracticeChanges]) -> Report:
        """The same report, each practice with what changed since its previous run."""
        return replace(
            self,
            practices=tuple(
                replace(practice, changes=changes.get(practice.practice.id))
                for practice in self.practices
            ),
        )

    def for_practice(self, practice: PracticeReport) -> Report:
        """The same report narrowed to one practice (for its own report file).

        Skipped rows stay: an invalid row may belong to this practice, and they
        hold only file, line, column and reason.
        """
        practice_id = practice.practice.id
        expired = tuple(w for w in self.expired_waivers if w.concerns(practice_id))
        return replace(self, practices=(practice,), expired_waivers=expired)
