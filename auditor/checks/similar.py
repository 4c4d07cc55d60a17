"""The check across accounts for passwords that differ only by what attackers' rules change."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.i18n.phrase import Series, phrase
from auditor.models import CheckId, Finding
from auditor.password.derive import AuditedAccount

_MAX_NAMED = 5
"""Accounts a finding names; the rest are counted ("and 34 more"), as `reused` does."""

_Identity = tuple[str, str, str]
_CHANGE_REUSED = phrase("action.reused", change=CHANGE_ON_PORTAL)


def _identity(audited: AuditedAccount, ctx: CheckContext) -> _Identity:
    """One login (as `reused` counts them): its own vault entries are not other accounts."""
    account = audited.account
    return (account.practice.id, account.portal, ctx.folded_logins[account.username])


class SimilarPassword(Check):
    """Passwords of several accounts are the same once folded, but not exactly the same.

    Accounts are grouped by ``similar_key``, then within a group by ``reuse_key``: an
    account is told of the members with another ``reuse_key`` only, since an equal
    password is `reused`'s to say. Linear in the number of accounts: each group is
    counted once, and the names come from a pool of each password's first few accounts.
    """

    id = CheckId.SIMILAR_PASSWORD

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        groups: dict[bytes, dict[bytes, list[AuditedAccount]]] = defaultdict(dict)
        for audited in accounts:
            facts = audited.facts
            if facts is not None and not facts.empty and facts.similar_key is not None:
                by_password = groups[facts.similar_key]
                by_password.setdefault(facts.reuse_key, []).append(audited)
        for by_password in groups.values():
            # One password, however many accounts, is `reused`'s to say.
            if len(by_password) > 1:
                yield from self._group(by_password, ctx)

    def _group(
        self, by_password: Mapping[bytes, Sequence[AuditedAccount]], ctx: CheckContext
    ) -> Iterator[Finding]:
        members = [member for sharing in by_password.values() for member in sharing]
        # Each member's login and name worked out once, not once per use.
        identities = {id(member): _identity(member, ctx) for member in members}
        logins = Counter(identities.values())
        # Each password's first names, sorted: the first names of "the others" of any
        # password are in this pool, and skipping its own costs at most _MAX_NAMED + 1.
        firsts: list[tuple[str, bytes, _Identity]] = []
        own_logins: dict[bytes, Counter[_Identity]] = {}
        for key, sharing in by_password.items():
            own_logins[key] = Counter(identities[id(member)] for member in sharing)
            named = sorted(
                (str(ctx.ref(member)), key, identities[id(member)]) for member in sharing
            )
            firsts.extend(named[: _MAX_NAMED + 1])
        firsts.sort()
        for key, sharing in by_password.items():
            mine = own_logins[key]
            for member in sharing:
                login = identities[id(member)]
                count = len(members) - len(sharing) - (logins[login] - mine[login])
                if count <= 0:
                    continue  # only other entries of this same login
                others = _first_others(firsts, key, login)
                yield ctx.finding(
                    self.id,
                    member,
                    phrase(
                        "finding.similar_password",
                        n=count,
                        others=Series(tuple(others), more=count - len(others)),
                    ),
                    _CHANGE_REUSED,
                )


def _first_others(
    firsts: Sequence[tuple[str, bytes, _Identity]], key: bytes, login: _Identity
) -> tuple[str, ...]:
    """The first names in ``firsts`` of another password and another login.

    Stops at ``_MAX_NAMED``: it skips at most the ``_MAX_NAMED + 1`` entries of ``key``
    and those of ``login`` (its own entries, rarely more than one), whatever the pool's size.
    """
    chosen: list[str] = []
    for name, other, who in firsts:
        if other != key and who != login:
            chosen.append(name)
            if len(chosen) == _MAX_NAMED:
                break
    return tuple(chosen)
