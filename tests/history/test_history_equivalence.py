"""A generated group's history rows and changes are what they were before the history's cuts.

The digests were taken on the code before issue 17's cuts to the history's recording
(commit cdaf294): a first run in an empty history, then a second run of the group with
accounts gone and facts changed, so that findings are new, fixed and gone.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from pathlib import Path

from auditor.audit.inventory import Inventory
from auditor.audit.pipeline import build_report
from auditor.history import History
from auditor.password.derive import AuditedAccount
from auditor.policy import Policy
from auditor.report import BreachMode, Report
from auditor.report.changes import FindingKey, PracticeChanges
from tests.checks.generated import AS_OF, generated_group, waived_policy

ROWS_DIGEST = "1b555711ad851afed7912575cd0c55177f1d1290f46645c76399d864af32c006"
CHANGES_DIGEST = "79c70166df295e1b7da0c3b8ad27f9d2070670e6a72a4b4652a664bfda35170b"


def _report(accounts: tuple[AuditedAccount, ...], policy: Policy) -> Report:
    inventory = Inventory(accounts=(), skipped=(), paths=("inventory.csv",))
    return build_report(
        accounts, inventory, policy, AS_OF, breach_mode=BreachMode.OFFLINE, breach_source=""
    )


def _settled(changes: PracticeChanges) -> PracticeChanges:
    def spelled(found: tuple[FindingKey, ...]) -> tuple[FindingKey, ...]:
        return tuple(sorted(found, key=lambda k: (k.key, k.username)))

    return replace(
        changes, new=spelled(changes.new), fixed=spelled(changes.fixed), gone=spelled(changes.gone)
    )


def _rows(path: Path) -> list[object]:
    with sqlite3.connect(path) as db:
        rows: list[object] = [sorted(row[:1] + row[2:] for row in db.execute("SELECT * FROM runs"))]
        for table in ("run_practices", "run_accounts", "findings"):
            rows.append(sorted(db.execute(f"SELECT * FROM {table}")))  # noqa: S608 - our names
    return rows


def test_a_generated_groups_two_runs_record_the_same_rows_and_changes(
    policy: Policy, tmp_path: Path
) -> None:
    policy = waived_policy(policy)
    accounts = generated_group(policy, accounts=2000)
    # The second run: every tenth account gone, every seventh one's password now empty.
    later = tuple(
        replace(a, facts=replace(a.facts, empty=True)) if n % 7 == 0 and a.facts else a
        for n, a in enumerate(accounts)
        if n % 10
    )
    path = tmp_path / "history.sqlite3"
    said = []
    for group in (accounts, later):
        with History.open(path) as history:
            run_id, changes = history.record(_report(group, policy), policy)
        # Two logins that differ only in case tie in the changes' order, which follows a
        # set's (the hash seed's): each list is compared sorted with its spellings.
        said.append((run_id, sorted((k, _settled(c)) for k, c in changes.items())))
    assert any(c.new and c.fixed and c.gone for _, c in said[1][1])
    rows = _rows(path)
    assert hashlib.sha256(repr(rows).encode()).hexdigest() == ROWS_DIGEST
    assert hashlib.sha256(repr(said).encode()).hexdigest() == CHANGES_DIGEST
