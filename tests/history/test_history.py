"""The audit history: runs and fingerprints recorded, compared, migrated, and safe to share."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.history import SCHEMA_VERSION, History, HistoryError
from auditor.history.schema import MIGRATIONS
from auditor.models import Account, CheckId
from auditor.policy import Policy, Waiver
from auditor.report import BreachMode, Report
from auditor.report.changes import FindingKey
from auditor.report.waivers import Waived

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = ["examples/inventaire.csv", "--hibp-offline", "examples/pwned-passwords-SYNTHETIC.txt"]


def _report(
    make_account: Callable[..., Account],
    fake_breach: Any,
    policy: Policy,
    day: date,
    **passwords: str,
) -> Report:
    """Three accounts; a password per login can be changed between runs."""
    accounts = tuple(
        make_account(portal=portal, username=login, password=passwords.get(login, "soleil"))
        for portal, login in (("viamedis", "ana"), ("almerys", "ben"), ("kalixia", "cyd"))
        if login in passwords or not passwords.get("_only")
    )
    inventory = Inventory(accounts, (), ("inventory.csv",))
    return run_audit(
        inventory, policy, day, fake_breach({"soleil": 3}), breach_mode=BreachMode.OFFLINE
    )


def _keys(found: tuple[FindingKey, ...]) -> set[tuple[str, str]]:
    return {(key.username, key.check.value) for key in found}


def test_second_run_says_what_is_new_fixed_and_gone(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any, policy: Policy
) -> None:
    path = tmp_path / "history.sqlite3"
    first = _report(make_account, fake_breach, policy, date(2026, 11, 15))
    with History.open(path) as history:
        run1, changes1 = history.record(first, policy)
    assert changes1["750056780"].first

    # ana changes her password, cyd leaves the inventory, ben's stays.
    strong = "V7#qLm2!xR9@wTz4"
    second = run_audit(
        Inventory(
            (
                make_account(portal="viamedis", username="ana", password=strong),
                make_account(portal="almerys", username="ben", password="soleil"),
            ),
            (),
            ("inventory.csv",),
        ),
        policy,
        date(2026, 11, 22),
        fake_breach({"soleil": 3}),
        breach_mode=BreachMode.OFFLINE,
    )
    with History.open(path) as history:
        run2, changes2 = history.record(second, policy)
        again = history.changes_of(run2, "750056780")
    changes = changes2["750056780"]
    assert (changes.previous_run, changes.previous_as_of) == (run1, date(2026, 11, 15))
    assert ("ana", "breached") in _keys(changes.fixed)
    assert ("ana", "reused") in _keys(changes.fixed)
    assert ("ben", "reused") in _keys(changes.fixed)  # reused with ana and cyd before, alone now
    assert {u for u, _ in _keys(changes.gone)} == {"cyd"}  # left the inventory: not a fix
    assert not any(u == "cyd" for u, _ in _keys(changes.fixed))
    assert _keys(changes.new) == set()
    assert again == changes  # what `history` shows is what the run said


def test_a_new_finding_is_new_and_a_waived_one_is_neither_new_nor_fixed(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any, policy: Policy
) -> None:
    path = tmp_path / "history.sqlite3"
    before = _report(make_account, fake_breach, policy, date(2026, 11, 15))
    with History.open(path) as history:
        history.record(before, policy)
    after = _report(make_account, fake_breach, policy, date(2026, 11, 22))
    # The same findings, but one is now waived; and a brand-new check fires.
    practice = after.practices[0]
    waived_one = practice.findings[0]
    extra = replace(practice.findings[0], check=CheckId.NO_MFA)
    narrowed = replace(
        practice,
        findings=(*practice.findings[1:], extra),
        waived=(Waived(waived_one, Waiver("r", "a", date(2027, 1, 1), check=waived_one.check)),),
    )
    after = replace(after, practices=(narrowed,))
    with History.open(path) as history:
        _, changes = history.record(after, policy)
    result = changes["750056780"]
    assert _keys(result.new) == {(extra.account.username, "no-mfa")}
    assert result.fixed == ()


def test_reports_say_what_changed(
    run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    history = str(tmp_path / "h.sqlite3")
    code, out, _ = run_cli(
        "audit", *EXAMPLE, "--as-of", "2026-11-15", "--history", history, "--format", "json"
    )
    assert code == 1
    assert all(p["since_previous"]["previous_as_of"] is None for p in json.loads(out)["practices"])

    inventory = (REPO / "examples/inventaire.csv").read_text(encoding="utf-8-sig")
    changed = inventory.replace(
        "claire.martin@pharmacie-du-marche.fr;admin;Pharmacie2024!;10/03/2024",
        "claire.martin@pharmacie-du-marche.fr;admin;Zq8#nW4!tL6@vB2x;20/11/2026",
    )
    assert changed != inventory
    second = tmp_path / "inventaire.csv"
    second.write_text(changed, encoding="utf-8")
    args = [str(second), *EXAMPLE[1:], "--as-of", "2026-11-22", "--history", history]
    code, out, _ = run_cli("audit", *args, "--format", "json")
    since = {p["practice_id"]: p["since_previous"] for p in json.loads(out)["practices"]}
    marche = since["750056780"]
    assert marche["previous_as_of"] == "2026-11-15"
    assert {"portal": "almerys", "username": "claire.martin", "check": "breached"} in marche[
        "fixed"
    ]
    assert since["690034566"]["fixed"] == []

    _, text, _ = run_cli("audit", *args, "--format", "terminal", "--lang", "fr")
    assert "Rien n'a changé depuis l'audit du 22 novembre 2026." in text  # the run just above
    _, markdown, _ = run_cli("audit", *args, "--format", "markdown", "--no-history")
    assert "Since the" not in markdown and "First recorded" not in markdown


def test_history_command_lists_runs_trend_and_changes(
    run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    history = str(tmp_path / "h.sqlite3")
    code, _, err = run_cli("history", "--history", history)
    assert code == 2 and "no history yet" in err
    for day in ("2026-11-08", "2026-11-15"):
        run_cli("audit", *EXAMPLE, "--as-of", day, "--history", history, "--format", "json")
    code, out, _ = run_cli("history", "--history", history, "--practice", "750056780")
    assert code == 0
    assert "#2  as of 2026-11-15" in out and "#1  as of 2026-11-08" in out
    assert "750056780 Pharmacie du Marché" in out
    assert "690034566" not in out
    assert "open findings per run (#1, #2): 18 → 18" in out
    code, out, _ = run_cli("history", "--history", history, "--format", "json", "--runs", "1")
    document = json.loads(out)
    assert document["schema"] == "portal-auditor/history/v1"
    assert [r["as_of"] for r in document["runs"]] == ["2026-11-15"]
    assert {p["practice_id"] for p in document["practices"]} == {"690034566", "750056780"}
    assert len(document["runs"][0]["policy_digest"]) == 16


def test_default_location_is_private_and_no_history_writes_nothing(
    run_cli: Callable[..., tuple[int, str, str]], private_data_dir: Path
) -> None:
    run_cli("audit", *EXAMPLE, "--as-of", "2026-11-22", "--format", "json", "--no-history")
    assert not private_data_dir.exists()
    run_cli("audit", *EXAMPLE, "--as-of", "2026-11-22", "--format", "json")
    database = private_data_dir / "portal-auditor" / "history.sqlite3"
    assert database.is_file()
    if os.name == "posix":
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
        assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    code, out, _ = run_cli("history")
    assert code == 0 and "#1  as of 2026-11-22" in out


def _old_database(path: Path) -> None:
    """A database as portal-audit wrote it at schema version 1, with one run in it."""
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.execute(
        "INSERT INTO runs VALUES (1, '2026-11-01T08:00:00+00:00', '2026-11-01', '0.0.9', 'p', 'i', 1)"
    )
    db.execute("INSERT INTO run_practices VALUES (1, '750056780', 'Pharmacie du Marché', 3)")
    db.execute("INSERT INTO run_accounts VALUES (1, '750056780', 'viamedis', 'ana')")
    db.execute(
        "INSERT INTO findings VALUES (1, '750056780', 'viamedis', 'ana', 'ana', 'breached', 'critical', '2026-11-01', 0)"
    )
    db.commit()
    db.close()


def test_an_older_schema_migrates_forward_and_keeps_its_runs(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any, policy: Policy
) -> None:
    path = tmp_path / "old.sqlite3"
    _old_database(path)
    strong = "V7#qLm2!xR9@wTz4"
    report = _report(make_account, fake_breach, policy, date(2026, 11, 22), ana=strong, _only="1")
    with History.open(path) as history:
        (old,) = history.runs(10)
        run_id, changes = history.record(report, policy)
        history.record_reminders(run_id, [(report.practices[0].accounts[0].account.ref, "owner")])
    assert (old.id, old.tool_version, old.findings) == (1, "0.0.9", 1)
    assert changes["750056780"].previous_run == 1
    assert ("ana", "breached") in _keys(changes["750056780"].fixed)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    assert db.execute("SELECT COUNT(*) FROM reminders").fetchone()[0] == 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_a_newer_or_foreign_database_is_refused_with_a_clear_message(
    tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    newer = tmp_path / "newer.sqlite3"
    db = sqlite3.connect(newer)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(HistoryError, match="newer portal-audit"):
        History.open(newer)
    assert sqlite3.connect(newer).execute("PRAGMA user_version").fetchone()[0] == 99  # untouched

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    code, out, err = run_cli("audit", *EXAMPLE, "--history", str(garbage), "--format", "json")
    assert code == 2 and out == ""
    assert f"{garbage}: not a portal-audit history database" in err
    assert "Traceback" not in err


def test_concurrent_writers_each_record_a_whole_run(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any, policy: Policy
) -> None:
    path = tmp_path / "shared.sqlite3"
    reports = [_report(make_account, fake_breach, policy, date(2026, 11, d)) for d in range(1, 9)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(reports))

    def writer(report: Report) -> None:
        try:
            start.wait(timeout=10)
            with History.open(path) as history:
                history.record(report, policy)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(r,)) for r in reports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with History.open(path) as history:
        runs = history.runs(100)
        assert len(runs) == 8
        assert {run.findings for run in runs} == {len(reports[0].findings)}
        # Each run compared itself with a complete earlier run: only the first saw none.
        firsts = [r.id for r in runs if history.changes_of(r.id, "750056780").first]
        assert firsts == [min(r.id for r in runs)]


def test_two_audit_processes_at_once_share_one_history(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite3"
    command = [sys.executable, "-m", "auditor", "audit", *EXAMPLE, "--history", str(history)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    processes = [
        subprocess.Popen(
            [*command, "--as-of", day, "--format", "json"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for day in ("2026-11-21", "2026-11-22")
    ]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 1, err.decode()
    with History.open(history) as store:
        assert sorted(run.as_of.isoformat() for run in store.runs(10)) == [
            "2026-11-21",
            "2026-11-22",
        ]
