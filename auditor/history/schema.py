"""The history database's schema, versioned with ``PRAGMA user_version`` and migrated forward."""

from __future__ import annotations

import contextlib
import sqlite3

from auditor.errors import AuditorError
from auditor.i18n.failure import failure as i18n_failure


class HistoryError(AuditorError):
    """The history database cannot be opened, read or written."""


class DamagedRowError(Exception):
    """A row holds what portal-audit never writes (a NULL, a bad date, an unknown severity)."""


# SQLite's primary result codes (the low byte of an extended code) that mean "try again
# later" or "the file cannot be used here", as opposed to a damaged database.
_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_UNUSABLE = frozenset(
    {
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_AUTH,
    }
)


def damaged(path: object, detail: object) -> HistoryError:
    """The error for a database that holds something portal-audit never wrote."""
    return i18n_failure(HistoryError, "history_error.damaged", path=str(path), detail=str(detail))


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether SQLite gave up waiting for another connection's lock."""
    return (
        getattr(exc, "sqlite_errorcode", None) is not None and exc.sqlite_errorcode & 0xFF in _BUSY
    )


def failure(path: object, exc: sqlite3.Error, *, busy_seconds: int) -> HistoryError:
    """An SQLite error as the user's problem: busy, unusable here, not ours, or damaged."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in _BUSY:
        # Never "damaged": the file is fine, another run holds it.
        return i18n_failure(
            HistoryError,
            "history_error.busy",
            path=str(path),
            seconds=str(busy_seconds),
            detail=str(exc),
        )
    if primary in _UNUSABLE:
        return i18n_failure(HistoryError, "history_error.unusable", path=str(path), detail=str(exc))
    if primary == sqlite3.SQLITE_NOTADB:
        return i18n_failure(
            HistoryError, "history_error.not_history", path=str(path), detail=str(exc)
        )
    return damaged(path, exc)


# Each entry migrates from version N to N+1; never edit a shipped one, append a
# new one. Databases written by an older portal-audit are upgraded in place; a
# database from a newer one is refused rather than damaged.
MIGRATIONS: tuple[str, ...] = (
    # 0 → 1: runs, the practices and accounts each run audited, and its findings
    # by fingerprint (practice, portal, folded login, check id). No column holds
    # anything derived from a password.
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        as_of TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        policy_digest TEXT NOT NULL,
        inventory_digest TEXT NOT NULL,
        complete INTEGER NOT NULL
    );
    CREATE TABLE run_practices (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        practice_id TEXT NOT NULL,
        practice_name TEXT NOT NULL,
        accounts INTEGER NOT NULL,
        PRIMARY KEY (run_id, practice_id)
    );
    CREATE TABLE run_accounts (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        practice_id TEXT NOT NULL,
        portal TEXT NOT NULL,
        username_key TEXT NOT NULL,
        PRIMARY KEY (run_id, practice_id, portal, username_key)
    );
    CREATE TABLE findings (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        practice_id TEXT NOT NULL,
        portal TEXT NOT NULL,
        username_key TEXT NOT NULL,
        username TEXT NOT NULL,
        check_id TEXT NOT NULL,
        severity TEXT NOT NULL,
        due TEXT NOT NULL,
        waived INTEGER NOT NULL,
        PRIMARY KEY (run_id, practice_id, portal, username_key, check_id)
    );
    CREATE INDEX run_practices_by_practice ON run_practices (practice_id, run_id);
    """,
    # 1 → 2: reminders delivered (sent, or written as drafts) per run and account,
    # so that an account reminded twice and still not fixed is escalated.
    """
    CREATE TABLE reminders (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        practice_id TEXT NOT NULL,
        portal TEXT NOT NULL,
        username_key TEXT NOT NULL,
        recipient TEXT NOT NULL,
        PRIMARY KEY (run_id, practice_id, portal, username_key, recipient)
    );
    CREATE INDEX reminders_by_account ON reminders (practice_id, portal, username_key);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
TABLES = ("runs", "run_practices", "run_accounts", "findings", "reminders")
"""Every table of schema ``SCHEMA_VERSION``; one missing means the file was edited by hand."""


def _known_version(connection: sqlite3.Connection, path: str) -> int:
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise i18n_failure(
            HistoryError,
            "history_error.newer",
            path=path,
            version=str(version),
            known=str(SCHEMA_VERSION),
        )
    return version


def migrate(connection: sqlite3.Connection, path: str) -> None:
    """Bring the schema to ``SCHEMA_VERSION``, in one write transaction (one writer at a time)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = _known_version(connection, path)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[target - 1].split(";"):
                if statement.strip():
                    connection.execute(statement)
            # PRAGMA takes no parameters; target is an int from our own table.
            connection.execute(f"PRAGMA user_version = {target:d}")
        connection.execute("COMMIT")
    except BaseException:
        rollback(connection)
        raise
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if missing := [table for table in TABLES if table not in present]:
        raise DamagedRowError(f"missing table {', '.join(missing)}")


def rollback(connection: sqlite3.Connection) -> None:
    """End a failed transaction, unless SQLite ended it already (a full disk, a bad page)."""
    if connection.in_transaction:
        with contextlib.suppress(sqlite3.Error):  # the error being raised says more
            connection.execute("ROLLBACK")
