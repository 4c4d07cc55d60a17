"""The records a group's audit holds by the hundred thousand carry no per-object dictionary."""

from __future__ import annotations

import pytest

from auditor.models import Account, AccountRef, Finding, Origin, Practice
from auditor.password.derive import AuditedAccount, PasswordFacts, SiteUse, Strength


@pytest.mark.parametrize(
    "record",
    [
        Origin,
        Practice,
        AccountRef,
        Account,
        Finding,
        Strength,
        PasswordFacts,
        SiteUse,
        AuditedAccount,
    ],
)
def test_a_held_record_is_slotted(record: type) -> None:
    # A __dict__ per object (a class without __slots__, or a cached_property added to one)
    # made checks and the report a quarter slower at 100,000 accounts, and costs memory.
    assert "__slots__" in vars(record)
    assert "__dict__" not in dir(record)
