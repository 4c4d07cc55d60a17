"""Inventories are read without the collector's passes over the accounts, which hold no cycle."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.audit.inventory import InvalidInventoryError, read_inventories
from auditor.collector import frozen
from auditor.policy import Policy
from tests.checks.test_checks import AS_OF

HEADER = "practice_id,practice_name,portal,username,owner,role,password,password_changed,mfa"


def _rows(count: int) -> str:
    return "".join(
        f"750056780,Pharmacie,viamedis,user{index},Personne {index},user,Soleil{index}!,"
        "2024-02-12,oui\n"
        for index in range(count)
    )


def test_a_sheet_is_read_without_the_collector(
    write_csv: Callable[..., Path],
    policy: Policy,
    pause_marks: list[int],
) -> None:
    path = write_csv(f"{HEADER}\n{_rows(200)}")
    inventory = read_inventories([path], policy, AS_OF, skip_invalid=False)
    assert len(inventory.accounts) == 200
    assert gc.isenabled()
    # The passes counted when the pause began, then when it ended: none while the rows were read.
    assert len(pause_marks) == 2 and pause_marks[1] == pause_marks[0]


def test_the_collector_is_back_after_an_invalid_inventory(
    write_csv: Callable[..., Path], policy: Policy
) -> None:
    path = write_csv(f"{HEADER}\n{_rows(3)}123,Pharmacie,viamedis,x,y,user,z,2024-02-12,oui\n")
    with pytest.raises(InvalidInventoryError):
        read_inventories([path], policy, AS_OF, skip_invalid=False)
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off(
    write_csv: Callable[..., Path], policy: Policy
) -> None:
    path = write_csv(f"{HEADER}\n{_rows(3)}")
    gc.disable()
    try:
        read_inventories([path], policy, AS_OF, skip_invalid=False)
        assert not gc.isenabled()
    finally:
        gc.enable()


class _Cyclic:
    """Garbage that only the collector frees: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


def test_cyclic_garbage_made_while_reading_does_not_outlive_it(
    write_csv: Callable[..., Path], policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A source may leave cycles behind (a workbook and its sheets); the pause keeps them
    # until the collector's next pass, which comes as soon as the pause ends, not never.
    from auditor.sources.table import RowReader

    made: list[weakref.ref[_Cyclic]] = []
    read = RowReader.read

    def leaving_a_cycle(self: RowReader, line: int, cells: list[str]) -> Any:
        made.append(weakref.ref(_Cyclic()))
        return read(self, line, cells)

    monkeypatch.setattr(RowReader, "read", leaving_a_cycle)
    path = write_csv(f"{HEADER}\n{_rows(50)}")
    read_inventories([path], policy, AS_OF, skip_invalid=False)
    with frozen():  # what the audit does next: its frozen objects are never collected
        _ = [[index] for index in range(1000)]  # a few allocations, as the audit makes
    assert len(made) == 50
    assert all(ref() is None for ref in made)
