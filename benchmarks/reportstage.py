"""The report and history stages of a group's audit, as CPU time, with a digest of what they made.

Reads a generated inventory, derives it once (no breach lookups), then times, as process
CPU time, ``build_report`` (checks, waivers, priorities, grouping) and the history's
recording of a first and a second run. Nothing is written but the history, in a temporary
folder removed at the end. The digests (the report rendered as JSON and CSV, and the
history's rows) let two versions of the code be compared for identical output:
``python -m benchmarks.reportstage --accounts 20000`` on each, then compare the lines.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import json
import pstats
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.common import DATA
from benchmarks.data import inventory_file

AS_OF = date(2026, 11, 22)


def _history_digest(path: Path) -> str:
    """The history's rows, less the moment each run was recorded."""
    digest = hashlib.sha256()
    with sqlite3.connect(path) as db:
        for table in ("runs", "run_practices", "run_accounts", "findings"):
            for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3"):
                shown = row[:1] + row[2:] if table == "runs" else row
                digest.update(repr(shown).encode())
    return digest.hexdigest()[:16]


class _CollectorClock:
    """Seconds the cyclic garbage collector ran, by generation, since the last ``taken``."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self._began = 0.0
        gc.callbacks.append(self._tick)

    def _tick(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.seconds[info["generation"]] += time.perf_counter() - self._began

    def taken(self) -> list[float]:
        seconds, self.seconds = self.seconds, [0.0, 0.0, 0.0]
        return [round(value, 3) for value in seconds]


def _audit(accounts: int, jobs: int) -> tuple[Any, Any, Any]:
    """The inventory, the audit's policy and the derived accounts, in this process only."""
    from auditor.audit.copies import merged_copies
    from auditor.audit.inventory import read_inventories
    from auditor.password.derive import derive, new_run_key
    from auditor.policy import load_policy

    policy = load_policy(())
    inventory = read_inventories(
        [inventory_file(DATA, accounts)], policy, AS_OF, skip_invalid=False
    )
    policy = inventory.audit_policy(policy)
    every = (*inventory.accounts, *inventory.copies)
    derived = merged_copies(derive(every, policy, None, jobs=jobs, run_key=new_run_key()))
    return inventory, policy, derived


def _profiled(function: Callable[[], Any]) -> Any:
    profile = cProfile.Profile()
    result = profile.runcall(function)
    pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    return result


def _history(built: Any, policy: Any, profile: bool, figures: dict[str, object]) -> None:
    """Record a first and a second run in a fresh history; their CPU time and digests."""
    from auditor.history import History

    collector = _CollectorClock()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        changes: dict[str, Any] = {}
        for run in ("first", "second"):
            with History.open(path) as history:
                collector.taken()
                begin = time.process_time()
                if profile and run == "first":
                    _, changes = _profiled(lambda: history.record(built, policy))
                else:
                    _, changes = history.record(built, policy)
                figures[f"history_{run}_cpu_s"] = round(time.process_time() - begin, 3)
                figures[f"history_{run}_collector_s_by_generation"] = collector.taken()
        figures["history_digest"] = _history_digest(path)
        said = repr(sorted(changes.items())).encode()
        figures["changes_digest"] = hashlib.sha256(said).hexdigest()[:16]


def main() -> None:
    """Derive once, then time the report and the history; print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="times build_report is timed")
    parser.add_argument("--profile", choices=("report", "history"), help="print a cProfile")
    parser.add_argument("--dump", type=Path, help="write the JSON report there, to compare")
    arguments = parser.parse_args()

    from auditor.audit.pipeline import build_report
    from auditor.collector import frozen
    from auditor.formats.csvfmt import CsvFormat
    from auditor.formats.jsonfmt import JsonFormat
    from auditor.report import BreachMode

    inventory, policy, derived = _audit(arguments.accounts, arguments.jobs)

    def report() -> Any:
        return build_report(
            derived, inventory, policy, AS_OF, breach_mode=BreachMode.SKIPPED, breach_source=""
        )

    figures: dict[str, object] = {"accounts": arguments.accounts}
    collector = _CollectorClock()
    with frozen():  # as in the pipeline (``run_audit``)
        if arguments.profile == "report":
            _profiled(report)
        seconds = []
        collector.taken()
        for _ in range(arguments.repeat):
            begin = time.process_time()
            built = report()
            seconds.append(time.process_time() - begin)
        figures["report_cpu_s"] = round(min(seconds), 3)
        figures["report_collector_s_by_generation"] = collector.taken()
    rendered = hashlib.sha256()
    for formatter in (JsonFormat(), CsvFormat()):
        rendered.update(formatter.render(built).encode())
    figures["report_digest"] = rendered.hexdigest()[:16]
    if arguments.dump:
        arguments.dump.write_text(JsonFormat().render(built), encoding="utf-8")
    # As in the pipeline, the history records the report once the accounts are the
    # collector's again (``audited`` records after ``run_audit`` returns).
    _history(built, policy, arguments.profile == "history", figures)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
