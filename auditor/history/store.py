"""The audit history in SQLite: record each run, compare it with the previous one, list runs."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import platformdirs

from auditor.history.digest import inventory_digest, policy_digest
from auditor.history.model import RunSummary, TrendPoint
from auditor.history.schema import (
    DamagedRowError,
    HistoryError,
    damaged,
    failure,
    is_busy,
    migrate,
    rollback,
)
from auditor.i18n.failure import failure as i18n_failure
from auditor.i18n.logged import logged
from auditor.models import AccountRef, CheckId, Finding, Severity
from auditor.policy import Policy
from auditor.report import PracticeReport, Report
from auditor.report.changes import FindingKey, PracticeChanges
from auditor.text import Folded, fold

logger = logging.getLogger(__name__)

_BUSY_MS = 60_000
"""How long a run waits for another run to finish writing before giving up."""
_WAL_RETRY_S = 0.01
"""The first pause between attempts to turn on WAL, doubled up to a tenth of a second."""


def default_path() -> Path:
    """``history.sqlite3`` in the user's data directory (XDG on Linux, AppData on Windows)."""
    return platformdirs.user_data_path("portal-auditor", appauthor=False) / "history.sqlite3"


def _create_privately(path: Path) -> None:
    """Create the folder (0700) and an empty file (0600) before SQLite opens it.

    The history names practices and logins; SQLite gives its -wal and -shm files
    the database file's permissions.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class History:
    """One open history database; use as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> History:
        """Open (creating if needed) and migrate the database at ``path``."""
        try:
            _create_privately(path)
            connection = sqlite3.connect(path, timeout=_BUSY_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise i18n_failure(
                HistoryError, "history_error.cannot_open", path=str(path), detail=str(exc)
            ) from exc
        try:
            connection.execute(f"PRAGMA busy_timeout = {_BUSY_MS:d}")
            _use_wal(connection)
            connection.execute("PRAGMA foreign_keys = ON")
            migrate(connection, str(path))
        except sqlite3.Error as exc:
            connection.close()
            raise failure(path, exc, busy_seconds=_BUSY_MS // 1000) from exc
        except DamagedRowError as exc:
            connection.close()
            raise damaged(path, exc) from exc
        except BaseException:
            connection.close()
            raise
        return cls(connection, path)

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()

    def _failure(self, exc: sqlite3.Error | DamagedRowError) -> HistoryError:
        if isinstance(exc, DamagedRowError):
            return damaged(self.path, exc)
        return failure(self.path, exc, busy_seconds=_BUSY_MS // 1000)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """Reads whose SQLite errors and impossible values become a ``HistoryError``."""
        try:
            yield self._db
        except (sqlite3.Error, DamagedRowError) as exc:
            raise self._failure(exc) from exc

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; other runs wait (busy timeout) rather than interleave."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._failure(exc) from exc
        try:
            yield self._db
            self._db.execute("COMMIT")
        except (sqlite3.Error, DamagedRowError) as exc:
            rollback(self._db)
            raise self._failure(exc) from exc
        except BaseException:
            rollback(self._db)
            raise

    def record(self, report: Report, policy: Policy) -> tuple[int, dict[str, PracticeChanges]]:
        """Record a run and its findings; return its id and, per practice, what changed.

        A group's run is a few statements whatever its size: one to find every practice's
        previous run, then one insert per table, its rows made as SQLite reads them (kept
        in memory, 100,000 accounts' rows made the collector walk the whole report).
        Only practices audited before are loaded and compared, one at a time.
        """
        recorded_at = datetime.now(UTC).replace(microsecond=0).isoformat()
        folded = Folded()
        with self._writing() as db:
            # The comparison and the insert share the transaction: two runs at
            # once each compare with a complete earlier run, never half of one.
            latest = _previous_runs(db)
            days: dict[object, object] = {}
            if latest:
                days = dict(db.execute("SELECT id, as_of FROM runs").fetchall())
            changes = {
                practice.practice.id: self._compare(
                    db, practice, latest.get(practice.practice.id), days, folded
                )
                for practice in report.practices
            }
            cursor = db.execute(
                "INSERT INTO runs (recorded_at, as_of, tool_version, policy_digest, "
                "inventory_digest, complete) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    recorded_at,
                    report.as_of.isoformat(),
                    report.tool_version,
                    policy_digest(policy),
                    inventory_digest(report, folded),
                    int(report.complete),
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            practices = report.practices
            db.executemany(
                "INSERT INTO run_practices VALUES (?, ?, ?, ?)",
                ((run_id, p.practice.id, p.practice.name, len(p.accounts)) for p in practices),
            )
            # A login listed for several owners is one row: the others are ignored.
            db.executemany(
                "INSERT OR IGNORE INTO run_accounts VALUES (?, ?, ?, ?)",
                _account_rows(run_id, practices, folded),
            )
            db.executemany(
                "INSERT OR IGNORE INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _finding_rows(run_id, practices, folded),
            )
        logger.info("%s", logged("log.recorded_run", run=str(run_id), path=str(self.path)))
        return run_id, changes

    @staticmethod
    def _compare(
        db: sqlite3.Connection,
        practice: PracticeReport,
        latest: object,
        days: Mapping[object, object],
        folded: Folded,
    ) -> PracticeChanges:
        """A practice's findings in the report against its latest recorded run, if any.

        ``latest`` is that run's id as stored (None if the practice has none), ``days``
        each run's ``as_of`` as stored.
        """
        practice_id = practice.practice.id
        if latest is None:
            return _changes(practice_id, _Findings(set(), set(), set()), None)
        run_id = _count(latest, "runs.id")
        as_of = _day(days.get(run_id), f"run {run_id}: as_of")
        now = _Findings(
            open=_named(practice.findings),
            waived=_named(w.finding for w in practice.waived),
            accounts={(a.account.portal, folded[a.account.username]) for a in practice.accounts},
        )
        before = _load(db, run_id, practice_id)
        return _changes(practice_id, now, (run_id, as_of, before), folded)

    def changes_of(self, run_id: int, practice_id: str) -> PracticeChanges:
        """What changed for a practice in a recorded run, against its run before that."""
        with self._reading() as db:
            now = _load(db, run_id, practice_id)
            return _changes(practice_id, now, self._previous(db, practice_id, before_run=run_id))

    @staticmethod
    def _previous(
        db: sqlite3.Connection, practice_id: str, before_run: int | None
    ) -> tuple[int, date, _Findings] | None:
        row = db.execute(
            "SELECT r.id, r.as_of FROM runs r JOIN run_practices p ON p.run_id = r.id "
            "WHERE p.practice_id = ? AND r.id < ? ORDER BY r.id DESC LIMIT 1",
            (practice_id, before_run if before_run is not None else 2**62),
        ).fetchone()
        if row is None:
            return None
        run_id = _count(row[0], "runs.id")
        return run_id, _day(row[1], f"run {run_id}: as_of"), _load(db, run_id, practice_id)

    def record_reminders(self, run_id: int, reminded: Iterable[tuple[AccountRef, str]]) -> None:
        """Note that these accounts' people were reminded (sent or drafted) in run ``run_id``."""
        with self._writing() as db:
            db.executemany(
                "INSERT OR IGNORE INTO reminders VALUES (?, ?, ?, ?, ?)",
                {
                    (run_id, ref.practice_id, ref.portal, fold(ref.username), recipient)
                    for ref, recipient in reminded
                },
            )

    def reminded_runs(self, refs: Iterable[AccountRef], before_run: int) -> dict[AccountRef, int]:
        """For each account, in how many earlier runs its people were reminded (one query)."""
        with self._reading() as db:
            counts = {
                (practice_id, portal, username_key): int(n)
                for practice_id, portal, username_key, n in db.execute(
                    "SELECT practice_id, portal, username_key, COUNT(DISTINCT run_id) "
                    "FROM reminders WHERE run_id < ? GROUP BY practice_id, portal, username_key",
                    (before_run,),
                )
            }
        return {
            ref: counts.get((ref.practice_id, ref.portal, fold(ref.username)), 0) for ref in refs
        }

    def runs(self, limit: int, practice_id: str | None = None) -> tuple[RunSummary, ...]:
        """The latest runs, newest first (only those that audited ``practice_id`` if given)."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT r.id, r.recorded_at, r.as_of, r.tool_version, r.policy_digest, "
                "r.inventory_digest, r.complete, "
                "(SELECT COUNT(*) FROM run_practices p WHERE p.run_id = r.id), "
                "(SELECT COALESCE(SUM(accounts), 0) FROM run_practices p WHERE p.run_id = r.id), "
                "(SELECT COUNT(*) FROM findings f WHERE f.run_id = r.id AND f.waived = 0) "
                "FROM runs r WHERE ? IS NULL OR r.id IN "
                "(SELECT run_id FROM run_practices WHERE practice_id = ?) "
                "ORDER BY r.id DESC LIMIT ?",
                (practice_id, practice_id, limit),
            ).fetchall()
            return tuple(_run_summary(row) for row in rows)

    def practices(self) -> Mapping[str, str]:
        """Every practice ever recorded, FINESS → its latest name."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT practice_id, practice_name FROM run_practices ORDER BY run_id"
            ).fetchall()
            names = {
                _text(pid, "run_practices.practice_id"): _text(name, "run_practices.practice_name")
                for pid, name in rows
            }
        return dict(sorted(names.items()))

    def trend(self, practice_id: str, limit: int) -> tuple[TrendPoint, ...]:
        """The practice's findings per severity in its latest runs, oldest first."""
        with self._reading() as db:
            runs = db.execute(
                "SELECT r.id, r.as_of FROM runs r JOIN run_practices p ON p.run_id = r.id "
                "WHERE p.practice_id = ? ORDER BY r.id DESC LIMIT ?",
                (practice_id, limit),
            ).fetchall()
            return tuple(_trend_point(db, practice_id, run, as_of) for run, as_of in reversed(runs))


def _account_rows(
    run_id: int, practices: Iterable[PracticeReport], folded: Folded
) -> Iterator[tuple[int, str, str, str]]:
    """``run_accounts`` rows: each audited account's portal and folded login."""
    for practice in practices:
        practice_id = practice.practice.id
        for audited in practice.accounts:
            account = audited.account
            name = account.username
            yield (run_id, practice_id, account.portal, folded[name])


_FindingRow = tuple[int, str, str, str, str, str, str, str, int]


def _finding_rows(
    run_id: int, practices: Iterable[PracticeReport], folded: Folded
) -> Iterator[_FindingRow]:
    """``findings`` rows, practice by practice: its findings, then its waived ones.

    The order matters: of two findings of one login and check (two owners listed),
    the first is kept (``INSERT OR IGNORE``).
    """
    # Check, severity and due day as written, per distinct triple: a run's findings share
    # a few dozen. Keyed by the members' ids (never freed), as hashing them calls Python.
    written: dict[tuple[int, int, date], tuple[str, str, str]] = {}
    for practice in practices:
        practice_id = practice.practice.id
        for waived, findings in (
            (0, practice.findings),
            (1, tuple(excused.finding for excused in practice.waived)),
        ):
            for finding in findings:
                ref = finding.account
                name = ref.username
                kind = (id(finding.check), id(finding.severity), finding.due)
                said = written.get(kind)
                if said is None:
                    said = written[kind] = (
                        finding.check.value,
                        finding.severity.value,
                        finding.due.isoformat(),
                    )
                yield (
                    run_id,
                    practice_id,
                    ref.portal,
                    folded[name],
                    name,
                    *said,
                    waived,
                )


def _previous_runs(db: sqlite3.Connection) -> dict[object, object]:
    """Every recorded practice → the id of its latest run, as stored (checked when used)."""
    return dict(
        db.execute(
            "SELECT p.practice_id, MAX(p.run_id) FROM run_practices p "
            "JOIN runs r ON r.id = p.run_id GROUP BY p.practice_id"
        ).fetchall()
    )


def _trend_point(
    db: sqlite3.Connection, practice_id: str, run: object, as_of: object
) -> TrendPoint:
    run_id = _count(run, "runs.id")
    counts: dict[Severity, int] = defaultdict(int)
    waived = 0
    for severity, is_waived, n in db.execute(
        "SELECT severity, waived, COUNT(*) FROM findings WHERE run_id = ? AND "
        "practice_id = ? GROUP BY severity, waived",
        (run_id, practice_id),
    ):
        if _flag(is_waived, f"run {run_id}: findings.waived"):
            waived += int(n)
        elif severity in _KNOWN_SEVERITIES:
            counts[Severity(severity)] += int(n)
        else:
            # Severities never change; skipping one would show fewer findings than there are.
            raise DamagedRowError(f"run {run_id}: a finding has no known severity")
    return TrendPoint(
        run_id=run_id,
        as_of=_day(as_of, f"run {run_id}: as_of"),
        counts={s: counts.get(s, 0) for s in Severity},
        waived=waived,
    )


def _run_summary(row: tuple[object, ...]) -> RunSummary:
    run_id = _count(row[0], "runs.id")
    where = f"run {run_id}: "
    return RunSummary(
        id=run_id,
        recorded_at=_stamp(row[1], where + "recorded_at"),
        as_of=_day(row[2], where + "as_of"),
        tool_version=_text(row[3], where + "tool_version"),
        policy_digest=_text(row[4], where + "policy_digest"),
        inventory_digest=_text(row[5], where + "inventory_digest"),
        complete=_flag(row[6], where + "complete"),
        practices=_count(row[7], where + "practices"),
        accounts=_count(row[8], where + "accounts"),
        findings=_count(row[9], where + "findings"),
    )


def _use_wal(connection: sqlite3.Connection) -> None:
    """Turn on WAL, waiting for other runs as long as the busy timeout allows.

    Changing the journal mode needs an exclusive lock, and SQLite answers "database is
    locked" at once, without its busy handler, while another connection holds a write
    lock (several runs creating one database at the same moment): so retry here.
    """
    deadline = time.monotonic() + _BUSY_MS / 1000
    pause = _WAL_RETRY_S
    while True:
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                # WAL: readers never block the one writer, and a crash mid-run loses only
                # that run. Writers take the lock with BEGIN IMMEDIATE.
                connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() + pause > deadline:
                raise
        else:
            return
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


_Named = tuple[str, str, str]
"""A finding as the history compares it, within one practice: portal, login as written,
check id. Plain strings, not a ``FindingKey``: a dataclass's hash, and an enum member's,
call Python code, and a group's run compares some 160,000 findings with as many."""


@dataclass(frozen=True)
class _Findings:
    """One practice's findings in one run, and the accounts it audited."""

    open: set[_Named]
    waived: set[_Named]
    accounts: set[tuple[str, str]]
    """(portal, folded login) of every audited account."""


def _named(findings: Iterable[Finding]) -> set[_Named]:
    """The findings' names, each check's id read once per check, not once per finding."""
    values: dict[int, str] = {}
    named = set()
    for finding in findings:
        check = finding.check
        value = values.get(id(check))
        if value is None:
            value = values[id(check)] = check.value
        ref = finding.account
        named.add((ref.portal, ref.username, value))
    return named


def _load(db: sqlite3.Connection, run_id: int, practice_id: str) -> _Findings:
    found = _Findings(set(), set(), set())
    where = f"run {run_id}: "
    for portal, username, check, waived in db.execute(
        "SELECT portal, username, check_id, waived FROM findings "
        "WHERE run_id = ? AND practice_id = ?",
        (run_id, practice_id),
    ):
        # What portal-audit writes passes at once; anything else is checked in the
        # order that names its first fault (``_text``, ``_flag``).
        written = (
            type(check) is str
            and type(portal) is str
            and type(username) is str
            and type(waived) is int
            and waived in (0, 1)
        )
        if not written and _text(check, where + "findings.check_id") in _KNOWN_CHECKS:
            _text(portal, where + "findings.portal")
            _text(username, where + "findings.username")
            _flag(waived, where + "findings.waived")
        if check not in _KNOWN_CHECKS:
            continue  # a check a newer version added, then downgraded
        (found.waived if waived else found.open).add((portal, username, check))
    for portal, key in db.execute(
        "SELECT portal, username_key FROM run_accounts WHERE run_id = ? AND practice_id = ?",
        (run_id, practice_id),
    ):
        if type(portal) is not str or type(key) is not str:
            _text(portal, where + "run_accounts.portal")
            _text(key, where + "run_accounts.username")
        found.accounts.add((portal, key))
    return found


# What portal-audit writes in each column; anything else is damage (a hand edit, another
# program), reported as such instead of failing later on a None or a bad date.
def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise DamagedRowError(f"{what} is not text")
    return value


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DamagedRowError(f"{what} is not a count")
    return value


def _flag(value: object, what: str) -> bool:
    if value not in (0, 1) or isinstance(value, float):
        raise DamagedRowError(f"{what} is not 0 or 1")
    return bool(value)


def _day(value: object, what: str) -> date:
    try:
        return date.fromisoformat(_text(value, what))
    except ValueError:
        raise DamagedRowError(f"{what} is not a date") from None


def _stamp(value: object, what: str) -> str:
    try:
        datetime.fromisoformat(_text(value, what))
    except ValueError:
        raise DamagedRowError(f"{what} is not a date and time") from None
    return str(value)


def _changes(
    practice_id: str,
    now: _Findings,
    previous: tuple[int, date, _Findings] | None,
    folded: Folded | None = None,
) -> PracticeChanges:
    """New: open now, absent before. Fixed: there before, gone now, account still audited.

    Findings are compared by ``FindingKey.key`` (the login folded; the practice is the
    same throughout); ``folded`` remembers the logins it folded, across practices.
    Logins written differently but folded alike (``jdupont``, ``JDupont``) tie on that
    key: the spelling settles their order, which a set's would leave to the hash seed.
    """
    if previous is None:
        return PracticeChanges(None, None, (), (), ())
    run_id, as_of, before = previous
    folded = folded or Folded()

    def key(named: _Named) -> tuple[str, str, str]:  # FindingKey.key, less the practice
        return (named[0], folded[named[1]], named[2])

    def order(named: _Named) -> tuple[tuple[str, str, str], str]:
        return (key(named), named[1])

    # Most findings are in both runs: each side's keys are made once, inline.
    before_keys = {(p, folded[u], c) for p, u, c in before.open | before.waived}
    now_keys = {(p, folded[u], c) for p, u, c in now.open | now.waived}
    new = sorted(
        (k for k in now.open if (k[0], folded[k[1]], k[2]) not in before_keys),
        key=order,
    )
    ended = sorted(
        (k for k in before.open if (k[0], folded[k[1]], k[2]) not in now_keys),
        key=order,
    )
    fixed = [k for k in ended if key(k)[:2] in now.accounts]
    gone = [k for k in ended if key(k)[:2] not in now.accounts]

    def found(names: list[_Named]) -> tuple[FindingKey, ...]:
        return tuple(FindingKey(practice_id, p, u, CheckId(c)) for p, u, c in names)

    return PracticeChanges(run_id, as_of, found(new), found(fixed), found(gone))


_KNOWN_CHECKS = frozenset(check.value for check in CheckId)
_KNOWN_SEVERITIES = frozenset(severity.value for severity in Severity)
