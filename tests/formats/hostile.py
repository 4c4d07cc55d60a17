"""A small audit whose names carry markup and control characters, for the HTML writers' tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from auditor.audit import Inventory, run_audit
from auditor.models import Account, Practice, Role
from auditor.policy import Policy
from auditor.report import BreachMode, Report


def hostile_report(
    make_account: Callable[..., Account],
    policy: Policy,
    fake_breach: Any,
    *,
    admin_password: str,
) -> Report:
    """Four accounts, two practices: markup in names, controls in an owner, no password, a
    CSV formula; "soleil" is breached, and the admin account's password is ``admin_password``."""
    hostile = Practice("690034566", "Optique <b>Lumière</b>")
    accounts = (
        make_account(portal="viamedis", username="<script>x</script>", password="soleil"),
        make_account(
            portal="almerys",
            username="a&b\"c'd",
            owner="\x1b[2J\u202eÉmilie",
            role=Role.ADMIN,
            password=admin_password,
            password_changed=date(2023, 1, 2),
            mfa=False,
        ),
        make_account(portal="kalixia", username="nopass", password=None, mfa=None),
        make_account(practice=hostile, username="=cmd()", owner="Comptoir", password="soleil"),
    )
    inventory = Inventory(accounts, (), ("inventory.csv",))
    return run_audit(
        inventory,
        policy,
        date(2026, 11, 22),
        fake_breach({"soleil": 5}),
        breach_mode=BreachMode.OFFLINE,
    )
