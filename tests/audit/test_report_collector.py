"""The report is built without the collector's passes over what it makes, which has no cycle."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.audit.pipeline import build_report
from auditor.collector import frozen
from auditor.models import Account, Practice
from auditor.password.derive import derive
from auditor.policy import Policy
from auditor.report import BreachMode
from tests.checks.test_checks import AS_OF


def _accounts(make_account: Callable[..., Account]) -> list[Account]:
    return [
        make_account(
            practice=Practice(f"75{index % 3:07d}", f"Pharmacie {index % 3}"),
            username=f"user{index}",
            password="soleil",
            password_changed=None,
            mfa=False,
        )
        for index in range(30)
    ]


def test_the_report_is_built_without_the_collector(
    make_account: Callable[..., Account],
    policy: Policy,
    eager_collector: list[int],
    pause_marks: list[int],
) -> None:
    accounts = _accounts(make_account)
    audited = derive(accounts, policy, None)
    inventory = Inventory(tuple(accounts), (), ("inventory.csv",))
    eager_collector.clear()
    pause_marks.clear()  # derive paused it too: only the report's pause is looked at
    report = build_report(
        audited, inventory, policy, AS_OF, breach_mode=BreachMode.SKIPPED, breach_source=""
    )
    assert gc.isenabled()
    # The passes counted when the pause began, then when it ended: none while the report was built.
    assert len(pause_marks) == 2 and pause_marks[1] == pause_marks[0]
    assert len(report.findings) > len(accounts)


def test_a_collector_turned_off_by_the_caller_stays_off(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    accounts = tuple(_accounts(make_account))
    gc.disable()
    try:
        run_audit(
            Inventory(accounts, (), ("inventory.csv",)),
            policy,
            AS_OF,
            fake_breach({}),
            breach_mode=BreachMode.OFFLINE,
        )
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_back_when_a_check_fails(
    make_account: Callable[..., Account], policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.audit import pipeline

    def failing(*_: object) -> None:
        raise RuntimeError("a check failed")

    monkeypatch.setattr(pipeline, "run_checks", failing)
    accounts = _accounts(make_account)
    audited = derive(accounts, policy, None)
    inventory = Inventory(tuple(accounts), (), ("inventory.csv",))
    with pytest.raises(RuntimeError):
        build_report(
            audited, inventory, policy, AS_OF, breach_mode=BreachMode.SKIPPED, breach_source=""
        )
    assert gc.isenabled()


def test_within_the_audit_s_frozen_block_the_report_is_never_walked(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    accounts = _accounts(make_account)
    audited = derive(accounts, policy, None)
    inventory = Inventory(tuple(accounts), (), ("inventory.csv",))
    with frozen():
        report = build_report(
            audited, inventory, policy, AS_OF, breach_mode=BreachMode.SKIPPED, breach_source=""
        )
        assert gc.isenabled()
        # Frozen with the accounts: no pass of the collector looks at them.
        assert not any(o is report.findings[0] for o in gc.get_objects())
    # The block's end gives everything back to the collector, the report included.
    assert gc.get_freeze_count() == 0
    assert any(o is report.findings[0] for o in gc.get_objects())
