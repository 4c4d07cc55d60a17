"""The collector skips the accounts and their facts while the checks and the report run."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from auditor.audit import Inventory, pipeline, run_audit
from auditor.checks import CheckContext
from auditor.models import Account, Finding
from auditor.password.derive import AuditedAccount
from auditor.policy import Policy
from auditor.report import BreachMode
from tests.checks.test_checks import AS_OF


def test_the_checks_run_with_the_audit_frozen_for_the_collector(
    make_account: Callable[..., Account],
    policy: Policy,
    fake_breach: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[int] = []
    real = pipeline.run_checks

    def watching(accounts: Sequence[AuditedAccount], ctx: CheckContext) -> tuple[Finding, ...]:
        seen.append(gc.get_freeze_count())
        return real(accounts, ctx)

    monkeypatch.setattr(pipeline, "run_checks", watching)
    accounts = (make_account(password="Soleil-Couchant#88"),)
    report = run_audit(
        Inventory(accounts, (), ("inventory.csv",)),
        policy,
        AS_OF,
        fake_breach({}),
        breach_mode=BreachMode.OFFLINE,
    )
    assert report.account_count == 1
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0


def test_derive_runs_with_the_accounts_read_frozen_for_the_collector(
    make_account: Callable[..., Account],
    policy: Policy,
    fake_breach: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its pause then freezes the facts it made, instead of one full pass over them after it.
    seen: list[int] = []
    real = pipeline.derive

    def watching(*args: Any, **kwargs: Any) -> tuple[AuditedAccount, ...]:
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "derive", watching)
    accounts = (make_account(password="Soleil-Couchant#88"),)
    run_audit(
        Inventory(accounts, (), ("inventory.csv",)),
        policy,
        AS_OF,
        fake_breach({}),
        breach_mode=BreachMode.OFFLINE,
    )
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0
