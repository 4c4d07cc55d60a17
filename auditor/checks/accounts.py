"""Checks across accounts and on account settings: reuse, sharing, MFA."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.derive import AuditedAccount
from auditor.models import CheckId, Finding
from auditor.phrase import Joiner, Series, phrase
from auditor.policy import MfaSupport
from auditor.text import fold, words

_MAX_NAMED = 5


def _identity(audited: AuditedAccount) -> tuple[str, str, str]:
    """One login: rows listing several owners of one login are one account, not reuse."""
    account = audited.account
    return (account.practice.id, account.portal, fold(account.username))


def _name_some(names: Sequence[str]) -> Series:
    """The first few names, and how many more there are."""
    return Series(tuple(names[:_MAX_NAMED]), more=max(0, len(names) - _MAX_NAMED))


class Reused(Check):
    """The same password protects several accounts (portals, practices or people)."""

    id = CheckId.REUSED

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        groups: dict[bytes, list[AuditedAccount]] = defaultdict(list)
        for audited in accounts:
            facts = audited.facts
            if facts is not None and not facts.empty:
                groups[facts.reuse_key].append(audited)
        for members in groups.values():
            identities = {_identity(member) for member in members}
            if len(identities) < 2:
                continue
            for audited in members:
                mine = _identity(audited)
                others = sorted(
                    {str(other.account.ref) for other in members if _identity(other) != mine}
                )
                yield ctx.finding(
                    self.id,
                    audited,
                    phrase("finding.reused", n=len(others), others=_name_some(others)),
                    phrase("action.reused", change=CHANGE_ON_PORTAL),
                )


class NoMfa(Check):
    """MFA is off where the portal offers it, or where the policy requires it."""

    id = CheckId.NO_MFA

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            account = audited.account
            if account.mfa is not False:
                continue
            offered = ctx.policy.portal(account.portal).mfa is MfaSupport.OFFERED
            if offered or ctx.policy.mfa_required:
                reason = phrase(
                    "finding.no_mfa_reason.offered" if offered else "finding.no_mfa_reason.required"
                )
                yield ctx.finding(
                    self.id, audited, phrase("finding.no_mfa", reason=reason), phrase("action.mfa")
                )


class SharedAccount(Check):
    """One login used by several people, or owned by a generic name such as "comptoir"."""

    id = CheckId.SHARED_ACCOUNT

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        owners: dict[tuple[str, str], set[str]] = defaultdict(set)
        for audited in accounts:
            account = audited.account
            if account.owner:
                owners[(account.portal, fold(account.username))].add(account.owner.strip())
        generic = ctx.policy.generic_owners
        for audited in accounts:
            account = audited.account
            reasons = []
            if account.owner and words(account.owner, 1) & generic:
                reasons.append(phrase("finding.shared_reason.generic", owner=account.owner))
            others = sorted(
                owners[(account.portal, fold(account.username))] - {account.owner or ""}
            )
            if others:
                reasons.append(phrase("finding.shared_reason.others", others=_name_some(others)))
            if reasons:
                yield ctx.finding(
                    self.id,
                    audited,
                    phrase(
                        "finding.shared_account", reasons=Series(tuple(reasons), Joiner.CLAUSES)
                    ),
                    phrase("action.shared"),
                )
