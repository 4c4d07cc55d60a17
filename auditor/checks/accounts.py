"""Checks across accounts and on account settings: reuse, sharing, MFA."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.i18n.phrase import Joiner, Phrase, Series, phrase
from auditor.models import CheckId, Finding
from auditor.password.derive import AuditedAccount
from auditor.policy import MfaSupport
from auditor.text import fold, words

_MAX_NAMED = 5
_CHANGE_REUSED = phrase("action.reused", change=CHANGE_ON_PORTAL)
_CHANGE_PAIR = phrase("action.credential_pair", change=CHANGE_ON_PORTAL)
_TURN_ON_MFA = phrase("action.mfa")
_SHARED = phrase("action.shared")
_NO_MFA = {
    offered: phrase(
        "finding.no_mfa",
        reason=phrase(
            "finding.no_mfa_reason.offered" if offered else "finding.no_mfa_reason.required"
        ),
    )
    for offered in (True, False)
}
"""Whether the portal offers MFA → why it must be on (else the policy requires it)."""


def _identity(audited: AuditedAccount, ctx: CheckContext) -> tuple[str, str, str]:
    """One login: rows listing several owners of one login are one account, not reuse."""
    account = audited.account
    return (account.practice.id, account.portal, ctx.folded_logins[account.username])


def _name_some_but(names: Sequence[str], own: str) -> Series | None:
    """The first few of the sorted, distinct ``names`` other than ``own``, and how many more.

    None when there is no other name. At most one name is skipped, so this costs
    ``_MAX_NAMED`` steps and one binary search, whatever the number of names.
    """
    at = bisect.bisect_left(names, own)
    count = len(names) - (1 if at < len(names) and names[at] == own else 0)
    if not count:
        return None
    chosen = tuple(name for name in names[: _MAX_NAMED + 1] if name != own)[:_MAX_NAMED]
    return Series(chosen, more=count - len(chosen))


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
            if len(members) < 2:
                continue  # most passwords protect one account: no login to fold
            identities = [_identity(member, ctx) for member in members]
            if len(set(identities)) < 2:
                continue
            # Each name once, with the logins it names (one, unless two logins print
            # alike): a member lists every name some other login has. Built once per
            # group and cut per login, so N accounts sharing a password cost
            # O(N log N), not N² (issue 13: 8,000 accounts took 190 s).
            logins: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
            for member, identity in zip(members, identities, strict=True):
                logins[str(ctx.ref(member))].add(identity)
            names = sorted(logins)
            own_names: dict[tuple[str, str, str], int] = defaultdict(int)
            for name in names:
                if len(logins[name]) == 1:
                    (only,) = logins[name]
                    own_names[only] += 1
            said: dict[tuple[str, str, str], Phrase] = {}
            for audited, mine in zip(members, identities, strict=True):
                if mine not in said:
                    others = _first_others(names, logins, mine)
                    count = len(names) - own_names[mine]
                    said[mine] = phrase(
                        "finding.reused",
                        n=count,
                        others=Series(others, more=count - len(others)),
                    )
                yield ctx.finding(self.id, audited, said[mine], _CHANGE_REUSED)


def _first_others(
    names: Sequence[str],
    logins: Mapping[str, set[tuple[str, str, str]]],
    mine: tuple[str, str, str],
) -> tuple[str, ...]:
    """The first few names that some login other than ``mine`` has.

    Skips only names of ``mine`` itself, which is the same login's rows, so the
    work over all logins of a group stays linear.
    """
    chosen: list[str] = []
    for name in names:
        if logins[name] != {mine}:
            chosen.append(name)
            if len(chosen) == _MAX_NAMED:
                break
    return tuple(chosen)


class CredentialPair(Check):
    """The same login and the same password on several portals: one phished pair opens them all.

    ``reused`` says the password is shared; this says more, that an attacker holding one
    portal's login page answer needs no guess at all on the others. Both stay: a waiver
    of one is not a waiver of the other, and each has its own JUnit testcase.
    """

    id = CheckId.CREDENTIAL_PAIR

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        # The keyed fingerprint and the folded login: no password, no hash of one.
        groups: dict[tuple[bytes, str], list[AuditedAccount]] = defaultdict(list)
        folded = ctx.folded_logins
        for audited in accounts:
            facts = audited.facts
            if facts is not None and not facts.empty:
                groups[facts.reuse_key, folded[audited.account.username]].append(audited)
        for members in groups.values():
            if len(members) < 2:
                continue  # one account: no other portal to name
            # Per portal, its accounts' names sorted: each member lists the first
            # account of the first few other portals, so a group costs O(N log N).
            by_portal: dict[str, list[str]] = defaultdict(list)
            for member in members:
                by_portal[member.account.portal].append(str(ctx.ref(member)))
            if len(by_portal) < 2:
                continue
            portals = sorted(by_portal)
            firsts = {portal: min(names) for portal, names in by_portal.items()}
            for audited in members:
                own = audited.account.portal
                chosen = tuple(firsts[p] for p in portals[: _MAX_NAMED + 1] if p != own)
                chosen = chosen[:_MAX_NAMED]
                count = len(portals) - 1
                yield ctx.finding(
                    self.id,
                    audited,
                    phrase(
                        "finding.credential_pair",
                        n=count,
                        others=Series(chosen, more=count - len(chosen)),
                    ),
                    _CHANGE_PAIR,
                )


class NoMfa(Check):
    """MFA is off where the portal offers it, or where the policy requires it."""

    id = CheckId.NO_MFA

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            account = audited.account
            if account.mfa is not False:
                continue
            offered = ctx.portal(account.portal).mfa is MfaSupport.OFFERED
            if offered or ctx.policy.mfa_required:
                yield ctx.finding(self.id, audited, _NO_MFA[offered], _TURN_ON_MFA)


class SharedAccount(Check):
    """One login used by several people, or owned by a generic name such as "comptoir"."""

    id = CheckId.SHARED_ACCOUNT

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        folded = ctx.folded_logins
        # Each login's first owner, stripped, and for the few logins listed for several
        # people, all of them: most logins of a group have one owner, and a set and a
        # list per login (100,000 of each) cost more than the rest of the check.
        first: dict[tuple[str, str], str] = {}
        several: dict[tuple[str, str], set[str]] = {}
        logins = []
        for audited in accounts:
            account = audited.account
            login = (account.portal, folded[account.username])
            logins.append(login)
            if account.owner:
                # Stripped: " Bob " is Bob, not another person.
                stripped = account.owner.strip()
                seen = first.setdefault(login, stripped)
                if seen != stripped:
                    several.setdefault(login, {seen}).add(stripped)
        # Sorted once per login, then cut per account: one login listed for N
        # owners costs O(N log N), not a set copy and a sort per row (N²).
        owners = {login: sorted(names) for login, names in several.items()}
        generic = ctx.policy.generic_owners
        # Every word of an owner is a piece of its folded form: an owner in which no
        # generic name appears has none of them as a word, and costs one search, not a
        # split into words (a group's owners are mostly distinct: no cache helps them).
        anywhere = re.compile("|".join(map(re.escape, sorted(generic)))) if generic else None
        # Whether an owner is a generic name, once per distinct owner.
        is_generic: dict[str, bool] = {}
        for audited, login in zip(accounts, logins, strict=True):
            owner = audited.account.owner
            reasons = []
            if owner:
                found = is_generic.get(owner)
                if found is None:
                    found = is_generic[owner] = (
                        anywhere is not None
                        and anywhere.search(fold(owner)) is not None
                        and bool(words(owner, 1) & generic)
                    )
                if found:
                    reasons.append(phrase("finding.shared_reason.generic", owner=owner))
            own = owner.strip() if owner else ""
            names = owners.get(login)
            if names is None:
                # Most logins have one owner, this account's own: nobody to name.
                one = first.get(login)
                if one is not None and one != own:
                    names = [one]
            if names:
                others = _name_some_but(names, own)
                if others is not None:
                    reasons.append(phrase("finding.shared_reason.others", others=others))
            if reasons:
                yield ctx.finding(
                    self.id,
                    audited,
                    phrase(
                        "finding.shared_account", reasons=Series(tuple(reasons), Joiner.CLAUSES)
                    ),
                    _SHARED,
                )
