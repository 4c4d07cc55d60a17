"""Checks: small pure rules, one per stable check id."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import assert_never

from auditor.checks.accounts import CredentialPair, NoMfa, Reused, SharedAccount
from auditor.checks.copies import ConflictingEntries, said_once, with_conflicting
from auditor.checks.dates import (
    AgeUnknown,
    IncidentRotation,
    RotationDue,
    RotationOverdue,
    renewal_deadline,
)
from auditor.checks.history import PredictableRotation, Recycled
from auditor.checks.interface import Check, CheckContext
from auditor.checks.password import BannedWord, Breached, Contextual, EmptyPassword, Weak
from auditor.checks.similar import SimilarPassword
from auditor.checks.sites import SITE_CHECKS, LookalikeSite, Phished, ReusedElsewhere
from auditor.models import AccountRef, CheckId, Finding
from auditor.password.derive import AuditedAccount

__all__ = ["Check", "CheckContext", "check_for", "renewal_deadline", "run_checks"]


def check_for(check_id: CheckId) -> Check:  # noqa: PLR0912 - one case per id
    """The implementation of a check id: the one place ids meet their code."""
    match check_id:
        case CheckId.BREACHED:
            return Breached()
        case CheckId.EMPTY_PASSWORD:
            return EmptyPassword()
        case CheckId.INCIDENT_ROTATION:
            return IncidentRotation()
        case CheckId.REUSED:
            return Reused()
        case CheckId.WEAK:
            return Weak()
        case CheckId.CONTEXTUAL:
            return Contextual()
        case CheckId.ROTATION_OVERDUE:
            return RotationOverdue()
        case CheckId.ROTATION_DUE:
            return RotationDue()
        case CheckId.AGE_UNKNOWN:
            return AgeUnknown()
        case CheckId.NO_MFA:
            return NoMfa()
        case CheckId.SHARED_ACCOUNT:
            return SharedAccount()
        case CheckId.RECYCLED:
            return Recycled()
        case CheckId.PREDICTABLE_ROTATION:
            return PredictableRotation()
        case CheckId.CONFLICTING_ENTRIES:
            return ConflictingEntries()
        case CheckId.CREDENTIAL_PAIR:
            return CredentialPair()
        case CheckId.BANNED_WORD:
            return BannedWord()
        case CheckId.SIMILAR_PASSWORD:
            return SimilarPassword()
        case CheckId.PHISHED:
            return Phished()
        case CheckId.LOOKALIKE_SITE:
            return LookalikeSite()
        case CheckId.REUSED_ELSEWHERE:
            return ReusedElsewhere()
        case _:
            assert_never(check_id)


def run_checks(accounts: Sequence[AuditedAccount], ctx: CheckContext) -> tuple[Finding, ...]:
    """Every check's findings, in the stable report order.

    A login's conflicting vault entries are checked with the accounts, and their
    findings are the account's (naming the entry), less what it already says.
    Entries saved on lookalike sites are seen by the site checks only (``SITE_CHECKS``).
    """
    everyone, ctx = with_conflicting(accounts, ctx)
    portals = tuple(audited for audited in everyone if audited.account.imitates is None)
    findings = [
        finding
        for check_id in CheckId
        for finding in check_for(check_id).run(
            everyone if check_id in SITE_CHECKS else portals, ctx
        )
    ]
    return tuple(sorted(said_once(findings), key=_sort_keys()))


def _sort_keys() -> Callable[[Finding], tuple[str, str, str, str, int, bool, str]]:
    """``Finding.sort_key``, its account's part worked out once per account, not per finding.

    Findings of one account share its ``AccountRef`` (``CheckContext.ref``); the
    part is remembered by that object, kept alive beside it so its ``id`` stays its own.
    """
    named: dict[int, tuple[AccountRef, tuple[str, str, str, str]]] = {}
    # ``Finding.rank`` per check and severity, by their members' ids: enum members are
    # never freed, and hashing them calls Python code.
    ranks: dict[tuple[int, int], tuple[int, bool, str]] = {}

    def key(finding: Finding) -> tuple[str, str, str, str, int, bool, str]:
        ref = finding.account
        known = named.get(id(ref))
        if known is None or known[0] is not ref:
            part = (ref.practice_id, ref.portal, ref.username.casefold(), ref.owner or "")
            known = named[id(ref)] = (ref, part)
        kind = (id(finding.check), id(finding.severity))
        rank = ranks.get(kind)
        if rank is None:
            rank = ranks[kind] = finding.rank
        return (*known[1], *rank)

    return key
