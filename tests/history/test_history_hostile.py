"""A damaged or busy history database is a clear error (exit 2), never an internal error."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.history import History, HistoryError
from tests.conftest import EXAMPLE_AUDIT

RunCli = Callable[..., tuple[int, str, str]]
EXAMPLE = EXAMPLE_AUDIT
COMMANDS = ("audit", "remind", "history")


_COLUMNS = {
    "findings": "run_id practice_id portal username_key username check_id severity due waived",
    "runs": "id recorded_at as_of tool_version policy_digest inventory_digest complete",
}


def _nulled(table: str, column: str) -> str:
    """SQL that rebuilds ``table`` without its NOT NULL constraints, ``column`` set to NULL."""
    columns = _COLUMNS[table].split()
    values = ", ".join("NULL" if name == column else name for name in columns)
    # Names from the table above, not from input.
    create = f"CREATE TABLE {table} ({', '.join(columns)});"
    copy = f"INSERT INTO {table} SELECT {values} FROM old;"  # noqa: S608
    rename = f"PRAGMA legacy_alter_table = ON; ALTER TABLE {table} RENAME TO old;"
    return f"{rename}{create}{copy}DROP TABLE old"


# SQL run by hand on a database holding one recorded run (with reminders), and the
# commands that read what it breaks; the others must still run, never crash.
DAMAGE: dict[str, tuple[str, tuple[str, ...]]] = {
    "dropped-runs": ("DROP TABLE runs", COMMANDS),
    "dropped-findings": ("DROP TABLE findings", COMMANDS),
    "dropped-run-accounts": ("DROP TABLE run_accounts", COMMANDS),
    "dropped-reminders": ("DROP TABLE reminders", COMMANDS),
    "as-of-not-a-date": ("UPDATE runs SET as_of = 'last tuesday'", COMMANDS),
    "as-of-bytes": ("UPDATE runs SET as_of = X'323032362d31312d3232'", COMMANDS),
    "recorded-at-not-a-date": ("UPDATE runs SET recorded_at = 'soon'", ("history",)),
    "unknown-severity": ("UPDATE findings SET severity = 'apocalyptic'", ("history",)),
    "accounts-not-a-number": ("UPDATE run_practices SET accounts = 'many'", ("history",)),
    "due-not-a-date": ("UPDATE findings SET due = 'never'", ()),
    "null-username": (_nulled("findings", "username"), COMMANDS),
    "null-as-of": (_nulled("runs", "as_of"), COMMANDS),
}


def _args(command: str, database: Path, tmp_path: Path) -> list[str]:
    if command == "history":
        return ["history", "--history", str(database)]
    extra = ["--format", "json"] if command == "audit" else ["--from", "it@groupe.example"]
    if command == "remind":
        extra += ["--out", str(tmp_path / "reminders")]
    return [command, *EXAMPLE, "--history", str(database), *extra]


@pytest.fixture
def recorded(run_cli: RunCli, tmp_path: Path) -> Path:
    """A history database holding one audit run, with reminders, written by portal-audit."""
    database = tmp_path / "history.sqlite3"
    code, _, err = run_cli(*_args("remind", database, tmp_path))
    assert code == 0, err
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM reminders").fetchone()[0] > 0
    return database


def _damage(database: Path, sql: str) -> None:
    db = sqlite3.connect(database, isolation_level=None)
    db.executescript(sql)
    db.close()


@pytest.mark.parametrize("case", DAMAGE)
def test_a_damaged_history_is_a_clear_error_for_every_command(
    run_cli: RunCli, tmp_path: Path, recorded: Path, case: str
) -> None:
    sql, failing = DAMAGE[case]
    _damage(recorded, sql)
    for command in COMMANDS:
        code, _, err = run_cli(*_args(command, recorded, tmp_path))
        assert "internal error" not in err and "Traceback" not in err, (command, err)
        if command in failing:
            assert code == 2, (command, err)
            assert f"{recorded}: the history database is damaged (" in err, (command, err)
            assert "move it aside or pass --no-history" in err
        else:
            assert code in (0, 1, 3), (command, err)


def test_a_corrupted_page_is_a_clear_error(run_cli: RunCli, tmp_path: Path, recorded: Path) -> None:
    data = bytearray(recorded.read_bytes())
    page = 4096
    assert len(data) >= 4 * page
    data[page : len(data)] = b"\xa5" * (len(data) - page)  # every page but the header's
    recorded.write_bytes(bytes(data))
    for command in COMMANDS:
        code, _, err = run_cli(*_args(command, recorded, tmp_path))
        assert code == 2, (command, err)
        assert f"{recorded}: the history database is damaged (" in err, (command, err)


def test_a_database_locked_too_long_is_busy_not_damaged(
    tmp_path: Path, recorded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("auditor.history.store._BUSY_MS", 200)
    holder = sqlite3.connect(recorded, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(HistoryError) as caught, History.open(recorded) as history:
            history.runs(10)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    message = str(caught.value)
    assert "damaged" not in message
    assert f"{recorded}: the history database is busy" in message


def test_opening_waits_for_a_writer_instead_of_failing_at_once(tmp_path: Path) -> None:
    """PRAGMA journal_mode = WAL meets a write lock: SQLite fails it without the busy timeout."""
    path = tmp_path / "new.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another run creating the same new database
    release = threading.Timer(0.3, lambda: holder.execute("ROLLBACK"))
    release.start()
    try:
        with History.open(path) as history:
            assert history.runs(1) == ()
    finally:
        release.join()
        holder.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
