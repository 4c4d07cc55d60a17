"""An audit of a few accounts under a policy holding one waiver, for the checks' waiver tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from auditor.audit import Inventory, run_audit
from auditor.models import Account, CheckId
from auditor.policy import load_policy
from auditor.report import BreachMode, Report
from tests.checks.test_checks import AS_OF


def audit_with_waiver(
    tmp_path: Path,
    fake_breach: Callable[..., Any],
    accounts: Sequence[Account],
    *,
    check: CheckId,
    scope: str,
) -> Report:
    """Audit ``accounts`` (nothing breached) with one waiver of ``check`` over ``scope``.

    ``scope`` is the waiver's scoping line, such as ``portal = "viamedis"``.
    """
    path = tmp_path / "waiver.toml"
    path.write_text(
        f'[[waiver]]\ncheck = "{check.value}"\n{scope}\n'
        'reason = "the account closes in December"\naccepted_by = "M. Martin, DSI"\n'
        "expires = 2027-03-31\n",
        encoding="utf-8",
    )
    return run_audit(
        Inventory(tuple(accounts), (), ("inventory.csv",)),
        load_policy([path]),
        AS_OF,
        fake_breach({}),
        breach_mode=BreachMode.OFFLINE,
    )
