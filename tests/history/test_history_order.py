"""What changed since the previous run is listed in one order, whatever the hash seed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.audit.inventory import Inventory
from auditor.audit.pipeline import build_report
from auditor.history import History
from auditor.models import Account
from auditor.password.derive import AuditedAccount
from auditor.policy import Policy
from auditor.report import BreachMode, Report
from tests.checks.generated import AS_OF

SPELLINGS = ("jdupont", "JDUPONT", "jDupont", "JDupont", "jdUpont", "Jdupont")
"""One login written six ways: six accounts of the inventory, one login for the history."""


def _report(accounts: list[Account], policy: Policy) -> Report:
    inventory = Inventory(accounts=(), skipped=(), paths=("inventory.csv",))
    return build_report(
        [AuditedAccount(account, None) for account in accounts],
        inventory,
        policy,
        AS_OF,
        breach_mode=BreachMode.OFFLINE,
        breach_source="",
    )


def test_logins_that_differ_only_in_case_are_listed_new_in_a_stable_order(
    make_account: Callable[..., Any], policy: Policy, tmp_path: Path
) -> None:
    """They tie on the comparison's key (folded login); the order followed a set's, which
    the hash seed shuffles from run to run: the spelling now settles the tie."""
    path = tmp_path / "history.sqlite3"
    dated = [make_account(username=name, owner=None) for name in SPELLINGS]
    undated = [make_account(username=name, owner=None, password_changed=None) for name in SPELLINGS]
    with History.open(path) as history:
        history.record(_report(dated, policy), policy)
        _, changes = history.record(_report(undated, policy), policy)
    (practice,) = changes.values()
    new = [key.username for key in practice.new if key.check.value == "age-unknown"]
    assert new == sorted(SPELLINGS)
