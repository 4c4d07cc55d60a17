"""The checks that read the sites of vault entries: lookalikes, phished and reused passwords."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import assert_never

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.i18n.phrase import Arg, Phrase, Series, phrase
from auditor.models import CheckId, Finding
from auditor.password.derive import AuditedAccount, PasswordFacts
from auditor.policy.lookalike import HostingKind, ImitationKind, site_judge

_MAX_NAMED = 5
"""Sites a finding names; the rest are counted ("and 3 more"), as `reused` does."""

SITE_CHECKS = frozenset({CheckId.LOOKALIKE_SITE, CheckId.PHISHED})
"""The checks that see the entries saved on lookalike sites; every other check sees the
portals' accounts only (a phishing page's entry has no rotation, MFA or owner to check)."""


def _keys(facts: PasswordFacts | None) -> frozenset[bytes]:
    """The keyed fingerprints of the current and earlier passwords; none for an empty one."""
    if facts is None:
        return frozenset()
    current = frozenset() if facts.empty else frozenset({facts.reuse_key})
    return current | facts.earlier_keys


def _kind(kind: ImitationKind) -> Phrase:
    match kind:
        case ImitationKind.EDIT:
            return phrase("imitation.edit")
        case ImitationKind.CONFUSABLE:
            return phrase("imitation.confusable")
        case ImitationKind.EMBEDDED:
            return phrase("imitation.embedded")
        case ImitationKind.FREE_HOSTING:
            return phrase("imitation.free_hosting")
        case _:
            assert_never(kind)


def _sites(hosts: Sequence[str], unnamed: int) -> Series:
    """The first hosts by name, then the entries without an address, then "and N more"."""
    named: list[Arg] = list(hosts[:_MAX_NAMED])
    more = len(hosts) - len(named)
    if unnamed and len(named) < _MAX_NAMED:
        named.append(phrase("site.no_address", n=unnamed))
    elif unnamed:
        more += unnamed
    return Series(tuple(named), more=more)


class LookalikeSite(Check):
    """An entry is saved for a site that is no portal's, but imitates one."""

    id = CheckId.LOOKALIKE_SITE

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        # Judged against the policy's portals, not the sites made up for the audit (the
        # lookalikes among them): on its own made-up portal, a lookalike is "official".
        sites = {a.account.portal for a in accounts if a.account.imitates is not None}
        if not sites:
            return
        portals = tuple(portal for portal in ctx.policy.portals if portal.id not in sites)
        judge = site_judge(replace(ctx.policy, portals=portals))
        for audited in accounts:
            account = audited.account
            if account.imitates is None:
                continue
            portal = ctx.portal(account.imitates)
            site = account.portal
            imitation = judge.imitation(site)
            how: Arg = ""
            if imitation is not None:
                how = _kind(imitation.kind)
            elif judge.hosting(site) is HostingKind.SHORTENER:
                how = _kind(ImitationKind.FREE_HOSTING)  # its link named the portal
            yield ctx.finding(
                self.id,
                audited,
                # Shown as the judge spells it: a confusable host's letters in ASCII too.
                phrase(
                    "finding.lookalike_site",
                    site=imitation.shown if imitation is not None else site,
                    portal=portal.name,
                    how=how,
                ),
                phrase("action.lookalike_site", site=site, address=portal.address),
            )


class Phished(Check):
    """A portal password, current or earlier, was saved on a site imitating a portal."""

    id = CheckId.PHISHED

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        # Each fingerprint, the lookalike sites it was saved on and the portals they imitate.
        saved_on: dict[bytes, set[tuple[str, str]]] = defaultdict(set)
        for audited in accounts:
            imitated = audited.account.imitates
            if imitated is not None:
                for key in _keys(audited.facts):
                    saved_on[key].add((audited.account.portal, imitated))
        if not saved_on:
            return
        for audited in accounts:
            facts = audited.facts
            if audited.account.imitates is not None or facts is None:
                continue
            current = set() if facts.empty else saved_on.get(facts.reuse_key, set())
            earlier = {found for key in facts.earlier_keys for found in saved_on.get(key, ())}
            if not current and not earlier:
                continue
            found = current or earlier
            sites = sorted({site for site, _ in found})
            # The portals the sites imitate: the same password may open this account's
            # portal though the page imitated another.
            portals = Series(tuple(sorted({ctx.portal(p).name for _, p in found})))
            which = "finding.phished" if current else "finding.phished_earlier"
            yield ctx.finding(
                self.id,
                audited,
                phrase(which, n=len(sites), sites=Series(tuple(sites)), portal=portals),
                phrase("action.phished", portal=portals, change=CHANGE_ON_PORTAL),
                due=ctx.as_of,
            )


class ReusedElsewhere(Check):
    """A portal password also protects entries of other sites in the vaults audited.

    Linear in accounts and entries: the sites are grouped once by fingerprint.
    """

    id = CheckId.REUSED_ELSEWHERE

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        hosts: dict[bytes, set[str]] = defaultdict(set)
        unnamed: dict[bytes, int] = defaultdict(int)
        for use in ctx.sites:
            for key in use.keys:
                if use.host:
                    hosts[key].add(use.host)
                else:
                    unnamed[key] += 1
        if not hosts and not unnamed:
            return
        for audited in accounts:
            facts = audited.facts
            if facts is None or facts.empty:
                continue
            key = facts.reuse_key
            named = sorted(hosts.get(key, ()))
            count = len(named) + unnamed.get(key, 0)
            if not count:
                continue
            yield ctx.finding(
                self.id,
                audited,
                phrase(
                    "finding.reused_elsewhere",
                    n=count,
                    sites=_sites(named, unnamed.get(key, 0)),
                ),
                phrase("action.reused_elsewhere", change=CHANGE_ON_PORTAL),
            )
