"""A reminder lists, within a deadline and an urgency, the most breached password first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from auditor.audit import Inventory, run_audit
from auditor.models import Account
from auditor.policy import Policy
from auditor.remind import plan_reminders
from auditor.report import BreachMode

AS_OF = date(2026, 11, 22)


def test_a_reminder_lists_the_most_breached_password_first(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    # One owner, two accounts with the same findings and deadlines: almerys comes
    # before viamedis by name, so only the breach count can put viamedis first.
    accounts = (
        make_account(portal="almerys", username="a", owner="Alice", password="rarely-seen"),
        make_account(portal="viamedis", username="b", owner="Alice", password="often-seen"),
    )
    report = run_audit(
        Inventory(accounts, (), ("inventory.csv",)),
        policy,
        AS_OF,
        fake_breach({"rarely-seen": 3, "often-seen": 98_765}),
        breach_mode=BreachMode.OFFLINE,
    )
    (reminder,) = plan_reminders(report, policy, {})
    assert [item.account.portal for item in reminder.items] == ["viamedis", "almerys"]
