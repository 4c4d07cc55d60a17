"""The collector skips the accounts and their facts while the checks and the report run."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest

from auditor.audit import Inventory, pipeline, run_audit
from auditor.models import Account
from auditor.policy import Policy
from auditor.report import BreachMode, Report
from tests.checks.test_checks import AS_OF


def _frozen_counts_seen_by(
    step: str,
    account: Account,
    policy: Policy,
    breach: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Report, list[int]]:
    """Audit ``account``, noting how many objects were frozen each time ``pipeline.<step>`` ran."""
    seen: list[int] = []
    real = getattr(pipeline, step)

    def watching(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, step, watching)
    report = run_audit(
        Inventory((account,), (), ("inventory.csv",)),
        policy,
        AS_OF,
        breach,
        breach_mode=BreachMode.OFFLINE,
    )
    return report, seen


def test_the_checks_run_with_the_audit_frozen_for_the_collector(
    make_account: Callable[..., Account],
    policy: Policy,
    fake_breach: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = make_account(password="Soleil-Couchant#88")
    report, seen = _frozen_counts_seen_by(
        "run_checks", account, policy, fake_breach({}), monkeypatch
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
    account = make_account(password="Soleil-Couchant#88")
    _, seen = _frozen_counts_seen_by("derive", account, policy, fake_breach({}), monkeypatch)
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0
