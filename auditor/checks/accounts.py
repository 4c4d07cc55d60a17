"""Checks across accounts and on account settings: reuse, sharing, MFA."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.derive import AuditedAccount
from auditor.models import CheckId, Finding
from auditor.policy import MfaSupport
from auditor.text import fold, words

_MAX_NAMED = 5


def _identity(audited: AuditedAccount) -> tuple[str, str, str]:
    """One login: rows listing several owners of one login are one account, not reuse."""
    account = audited.account
    return (account.practice.id, account.portal, fold(account.username))


def _name_some(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_MAX_NAMED])
    more = len(names) - _MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


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
                    f"the same password is used by {len(others)} other account"
                    f"{'s' if len(others) > 1 else ''}: {_name_some(others)}; one phished "
                    "password opens them all",
                    "Give each account its own password. " + CHANGE_ON_PORTAL,
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
                reason = "the portal offers it" if offered else "the policy requires it"
                yield ctx.finding(
                    self.id,
                    audited,
                    f"two-factor authentication is off, and {reason}",
                    "Turn on two-factor authentication in the portal's account settings.",
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
                reasons.append(f"its owner {account.owner!r} is not a person")
            others = sorted(
                owners[(account.portal, fold(account.username))] - {account.owner or ""}
            )
            if others:
                reasons.append(f"the same login is also used by {_name_some(others)}")
            if reasons:
                yield ctx.finding(
                    self.id,
                    audited,
                    "shared account: "
                    + "; ".join(reasons)
                    + "; nobody can tell who did what, and one leak exposes everyone",
                    "Ask the portal for one login per person, then close the shared one.",
                )
