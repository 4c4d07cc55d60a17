"""Checks: small pure rules, one per stable check id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
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
from auditor.models import CheckId, Finding
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
    return _in_stable_order(said_once(findings))


def _in_stable_order(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """``findings`` sorted by ``Finding.sort_key``, each key worked out as one number.

    A group's 160,000 findings compared their seven-part keys (four strings first) some
    two million times. Instead each account's part of the key (practice, portal, login,
    owner) is sorted once, within its practice, and each distinct rank (``Finding.rank``)
    once: a finding's key is its account part's place times the number of ranks plus its
    rank's place. The same order, ties included (equal parts share a place, and the sort
    is stable), compared as integers.
    """
    # By the objects' ids: every ref and member is alive (the findings hold them), and
    # hashing an enum member calls Python code.
    practices: dict[str, list[tuple[str, str, str, int]]] = defaultdict(list)
    kinds: dict[tuple[int, int], tuple[int, bool, str]] = {}
    seen: set[int] = set()
    for finding in findings:
        ref = finding.account
        if id(ref) not in seen:
            seen.add(id(ref))
            name = (ref.portal, ref.username.casefold(), ref.owner or "", id(ref))
            practices[ref.practice_id].append(name)
        kind = (id(finding.check), id(finding.severity))
        if kind not in kinds:
            kinds[kind] = finding.rank
    places: dict[int, int] = {}
    place = -1
    for practice_id in sorted(practices):
        last = None
        for portal, login, owner, ref_id in sorted(practices[practice_id]):
            if (portal, login, owner) != last:
                place += 1
                last = (portal, login, owner)
            places[ref_id] = place
    rank_place = {rank: place for place, rank in enumerate(sorted(set(kinds.values())))}
    ranks = {kind: rank_place[rank] for kind, rank in kinds.items()}
    width = len(rank_place)

    def key(finding: Finding) -> int:
        return places[id(finding.account)] * width + ranks[id(finding.check), id(finding.severity)]

    return tuple(sorted(findings, key=key))
