"""What the checks compute once per run rather than once per finding, and that it never leaks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.checks import CheckContext, renewal_deadline, run_checks
from auditor.i18n import machine_english
from auditor.models import Account, Role
from auditor.password.derive import AuditedAccount, derive
from auditor.policy import Policy
from auditor.report import BreachMode
from auditor.report.priority import breach_count, finding_key

AS_OF = date(2026, 11, 22)


def _accounts(make_account: Callable[..., Account]) -> list[Account]:
    """Two portals, weak shared passwords, old and unknown change dates: many findings each."""
    return [
        make_account(
            portal=portal,
            username=f"user{index}",
            owner=f"Owner {index}",
            password="soleil" if index % 2 else "Marseille2024",
            password_changed=None if index % 3 == 0 else date(2019, 1, 1 + index),
            role=Role.ADMIN if index % 4 == 0 else Role.USER,
            mfa=False,
        )
        for portal in ("viamedis", "almerys")
        for index in range(12)
    ]


def _with_address(policy: Policy, portal_id: str, address: str) -> Policy:
    portals = tuple(
        replace(portal, address=address) if portal.id == portal_id else portal
        for portal in policy.portals
    )
    return replace(policy, portals=portals)


def test_the_policy_is_asked_once_per_portal_not_per_account(
    make_account: Callable[..., Account], policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    audited = derive(_accounts(make_account), policy, None)
    asked: list[str] = []
    portal = Policy.portal

    def counted(self: Policy, portal_id: str) -> object:
        asked.append(portal_id)
        return portal(self, portal_id)

    monkeypatch.setattr(Policy, "portal", counted)
    found = run_checks(audited, CheckContext(policy, AS_OF))
    assert len(found) > 4 * len(audited)
    # Once for its address and strength rules, once per role for its maximum age.
    assert set(asked) == {"almerys", "viamedis"}
    assert max(Counter(asked).values()) <= 1 + len(Role)


def test_findings_share_their_account_name_and_their_actions(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    found = run_checks(derive(_accounts(make_account), policy, None), CheckContext(policy, AS_OF))
    refs = {id(finding.account) for finding in found}
    assert len(refs) == len({finding.account for finding in found})
    actions = {(finding.action.key, finding.account.portal) for finding in found}
    assert len({id(finding.action) for finding in found}) == len(actions)


def test_a_context_remembers_nothing_of_another_policy(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    audited = derive(_accounts(make_account), policy, None)
    english = machine_english()
    first = CheckContext(policy, AS_OF)
    other = _with_address(policy, "viamedis", "portail.example.org")
    for ctx, address in (
        (first, "viamedis.net"),
        (CheckContext(other, AS_OF), "portail.example.org"),
        (replace(first, policy=other), "portail.example.org"),
        (first, "viamedis.net"),
    ):
        said = [
            english.text(f.action)
            for f in run_checks(audited, ctx)
            if f.account.portal == "viamedis" and f.action.key != "action.mfa"
        ]
        assert said and all(f"type {address} yourself" in text for text in said), address


def test_a_context_remembers_nothing_of_another_day_or_another_account(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    audited = derive(_accounts(make_account), policy, None)
    early = CheckContext(policy, date(2019, 1, 5))
    late = replace(early, as_of=AS_OF)
    for ctx in (early, late, early):
        dues = {f.due - ctx.as_of for f in run_checks(audited, ctx) if f.check.value == "weak"}
        assert len(dues) == 1
    # A context outlives accounts it has seen: another account, even at the same place in
    # memory, is named as itself.
    for index in range(30):
        fresh = make_account(portal="viamedis", username=f"new{index}", password="soleil")
        (one,) = derive([fresh], policy, None)
        assert {f.account.username for f in run_checks((one,), late)} == {f"new{index}"}
        assert renewal_deadline(one, late) == renewal_deadline(one, CheckContext(policy, AS_OF))


def test_renewal_deadlines_follow_the_role_and_the_portal(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    ctx = CheckContext(policy, AS_OF)
    audited: list[AuditedAccount] = list(derive(_accounts(make_account), policy, None))
    for one in audited:
        account = one.account
        max_age = policy.max_age_days(account.portal, account.role)
        expected = (
            account.password_changed.toordinal() + max_age
            if max_age is not None and account.password_changed is not None
            else None
        )
        deadline = renewal_deadline(one, ctx)
        assert (deadline.toordinal() if deadline else None) == expected


def test_the_report_orders_findings_by_the_whole_priority_key(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    # ``prioritised`` sorts on the first parts of ``finding_key`` only, trusting the
    # stable order ``run_checks`` gives: the result is the whole key's order.
    accounts = _accounts(make_account)
    breach = fake_breach({"soleil": 120, "Marseille2024": 7})
    inventory = Inventory(tuple(accounts), (), ("inventory.csv",))
    report = run_audit(inventory, policy, AS_OF, breach, breach_mode=BreachMode.OFFLINE)
    (practice,) = report.practices
    counts = {a.account.ref: breach_count(a) for a in practice.accounts}
    assert len(set(counts.values())) == 2
    expected = sorted(practice.findings, key=lambda f: finding_key(f, counts[f.account]))
    assert list(practice.findings) == expected
    # Against the stable order it started from: the priority did reorder them.
    assert list(practice.findings) != sorted(practice.findings, key=lambda f: f.sort_key)


def test_renewal_rules_are_remembered_per_context_not_across_policies(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    audited = derive(_accounts(make_account), policy, None)
    portals = tuple(
        replace(portal, max_age_days=30) if portal.id == "viamedis" else portal
        for portal in policy.portals
    )
    strict = replace(policy, portals=portals)
    loose_ctx = CheckContext(policy, AS_OF)
    for ctx, other in ((loose_ctx, strict), (replace(loose_ctx, policy=strict), policy)):
        for one in audited:
            mine = renewal_deadline(one, ctx)
            fresh = renewal_deadline(one, CheckContext(ctx.policy, AS_OF))
            assert mine == fresh
            if one.account.portal == "viamedis" and one.account.password_changed is not None:
                assert mine != renewal_deadline(one, CheckContext(other, AS_OF))
