"""The history database's schema, versioned with ``PRAGMA user_version`` and migrated forward."""

from __future__ import annotations

import sqlite3

from auditor.errors import AuditorError


class HistoryError(AuditorError):
    """The history database cannot be opened, read or written."""


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


def _known_version(connection: sqlite3.Connection, path: str) -> int:
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"{path}: written by a newer portal-audit (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade portal-audit, or pass --history with another file"
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
        connection.execute("ROLLBACK")
        raise
