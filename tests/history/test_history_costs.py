"""Recording a group's run: a few statements whatever its size, and the same comparisons."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from auditor.audit import Inventory, run_audit
from auditor.history import History
from auditor.models import Account, Practice
from auditor.policy import Policy
from auditor.report import BreachMode, Report

PRACTICES = 30


class _Counting:
    """The history's connection, counting the statements Python hands it."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.calls = 0

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Cursor:
        self.calls += 1
        return self.connection.execute(sql, parameters)

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> sqlite3.Cursor:
        self.calls += 1
        return self.connection.executemany(sql, rows)

    def close(self) -> None:
        self.connection.close()


def _group(
    make_account: Callable[..., Account], policy: Policy, day: date, weak: set[str]
) -> Report:
    """``PRACTICES`` practices of three accounts each; the logins in ``weak`` say "soleil"."""
    accounts = tuple(
        make_account(
            practice=Practice(f"75{number:07d}", f"Pharmacie {number}"),
            portal=portal,
            username=login,
            password="soleil" if login in weak else f"Tr3s-longue phrase {number} {login}!",
        )
        for number in range(PRACTICES)
        for portal, login in (("viamedis", "ana"), ("almerys", "ben"), ("kalixia", "cyd"))
    )
    inventory = Inventory(accounts, (), ("inventory.csv",))
    return run_audit(inventory, policy, day, None, breach_mode=BreachMode.SKIPPED)


def _recorded(path: Path, report: Report, policy: Policy) -> tuple[int, dict[str, Any]]:
    with History.open(path) as history:
        counting = _Counting(history._db)
        history._db = counting  # type: ignore[assignment]
        _, changes = history.record(report, policy)
        return counting.calls, changes


def test_a_first_run_is_recorded_in_a_few_statements_whatever_its_practices(
    tmp_path: Path, make_account: Callable[..., Account], policy: Policy
) -> None:
    report = _group(make_account, policy, date(2026, 11, 15), {"ana"})
    calls, changes = _recorded(tmp_path / "history.sqlite3", report, policy)
    assert len(changes) == PRACTICES and all(change.first for change in changes.values())
    assert calls <= 8


def test_a_second_run_compares_every_practice_with_its_own_previous_run(
    tmp_path: Path, make_account: Callable[..., Account], policy: Policy
) -> None:
    path = tmp_path / "history.sqlite3"
    _recorded(path, _group(make_account, policy, date(2026, 11, 15), {"ana"}), policy)
    second = _group(make_account, policy, date(2026, 11, 22), {"ben"})
    _, changes = _recorded(path, second, policy)
    assert len(changes) == PRACTICES
    for practice_id, change in changes.items():
        assert change.previous_run == 1 and change.previous_as_of == date(2026, 11, 15)
        assert {(k.practice_id, k.username) for k in change.new} >= {(practice_id, "ben")}
        assert {(k.practice_id, k.username) for k in change.fixed} >= {(practice_id, "ana")}
        assert not change.gone
