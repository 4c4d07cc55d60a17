"""CPU time of the JSON and CSV writers rendering a group's report, against an earlier commit's.

The report is built once in-process (inventory, derive, checks, a first recorded run) and kept
in a pickle next to the inventory, so that later runs skip the scoring. Each writer then renders
it as ``--out`` does: every practice's own report, and the summary from the same sections.
``--baseline REV`` loads that commit's ``jsonfmt``, ``csvfmt`` and ``describe`` (``git show``)
beside the current ones and times both in turns in this process, so that the machine's load
weighs on both alike. Files are neither encoded nor written: that is ``formats/write.py``'s.
"""

from __future__ import annotations

import argparse
import contextlib
import copyreg
import cProfile
import gc
import io
import pickle
import pstats
import sys
import tempfile
import time
import types
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.common import DATA, code_version, modules_at

AS_OF = date(2026, 11, 22)
ROUNDS = 3
"""Turns of each writer: the best is kept, the others only absorb the machine's noise."""


def _proxy(contents: dict[Any, Any]) -> types.MappingProxyType[Any, Any]:
    return types.MappingProxyType(contents)


def _report(accounts: int) -> Any:
    """A group's report of the first ``accounts`` rows of the 100,000-account inventory."""
    cached = DATA / f"report-{accounts}-{code_version()}.pickle"
    if cached.exists():
        return pickle.loads(cached.read_bytes())
    from auditor.audit.inventory import read_inventories
    from auditor.audit.pipeline import build_report
    from auditor.hibp.offline import open_corpus
    from auditor.history import History
    from auditor.password.derive import derive
    from auditor.policy import load_policy
    from auditor.report import BreachMode

    lines = (DATA / "inventory-100000.csv").read_text(encoding="utf-8").splitlines()
    with tempfile.TemporaryDirectory() as folder:
        inventory_path = Path(folder) / "inventory.csv"
        inventory_path.write_text("\n".join(lines[: accounts + 1]) + "\n", encoding="utf-8")
        policy = load_policy(())
        inventory = read_inventories([inventory_path], policy, AS_OF, skip_invalid=False)
        policy = inventory.audit_policy(policy)
        # The end-to-end benchmark's corpus: breached, clean and (none) unknown accounts.
        with contextlib.closing(open_corpus(DATA / "pwned-20000000.txt")) as corpus:
            derived = derive(inventory.accounts, policy, corpus, jobs=2)
            report = build_report(
                derived,
                inventory,
                policy,
                AS_OF,
                breach_mode=BreachMode.OFFLINE,
                breach_source=corpus.description,
            )
        with History.open(Path(folder) / "history.sqlite") as history:
            _, changes = history.record(report, policy)
        report = report.with_changes(changes)
    # The report's read-only mappings (portal names and the like) pickle as their contents.
    # By the module's name, not ``__main__``'s, so that any script can load the pickle.
    from benchmarks.reportcpu import _proxy as proxy

    copyreg.pickle(types.MappingProxyType, lambda kept: (proxy, (dict(kept),)))
    cached.write_bytes(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    return report


def _baseline(revision: str) -> tuple[Any, Any]:
    """The JSON and CSV formatter classes of ``revision``, with its ``describe`` module."""
    modules = modules_at(revision, "auditor.formats", ("describe", "jsonfmt", "csvfmt"))
    return modules["jsonfmt"].JsonFormat, modules["csvfmt"].CsvFormat


def old_modules() -> list[types.ModuleType]:
    """The baseline's JSON module, if loaded."""
    return [sys.modules[name] for name in ("baseline_jsonfmt",) if name in sys.modules]


def _keep_standings(report: Any, modules: list[types.ModuleType]) -> None:
    """Every practice's standings computed once (timed), and given from memory to the JSON
    writers of ``modules``: the report's work (shared with the HTML), not the writers'."""
    from auditor.policy.standards import load_standards
    from auditor.report.standards import standings

    begin = time.process_time()
    kept = {id(p): standings(p, report.standards, load_standards()) for p in report.practices}
    print(f"standings() of every practice {time.process_time() - begin:7.3f} s (kept apart)")
    for module in modules:
        module.standings = lambda practice, basis, standards: kept[id(practice)]  # type: ignore[attr-defined]


def written(formatter: Any, report: Any) -> int:
    """Render as ``write_reports`` does (each practice's file, then its section of the
    summary, which the formatter kept); the number of characters."""
    size = len(formatter.head(report))
    for number, practice in enumerate(report.practices):
        size += len("".join(formatter.chunks(report.for_practice(practice))))
        size += len(formatter.section(report, practice, first=not number))
    return size + len(formatter.tail(report))


def _timed(makers: list[Callable[[], Any]], report: Any) -> tuple[list[float], list[str]]:
    """Best CPU seconds of each maker's renderings, taken in turns ``ROUNDS`` times, and
    each one's text (every practice's file, then the summary)."""
    best = [float("inf")] * len(makers)
    for _ in range(ROUNDS):
        for number, make in enumerate(makers):
            formatter = make()
            begin = time.process_time()
            written(formatter, report)
            best[number] = min(best[number], time.process_time() - begin)
    texts = []
    for make in makers:
        formatter = make()
        text = "".join("".join(formatter.chunks(report.for_practice(p))) for p in report.practices)
        texts.append(text + "".join(formatter.chunks(report)))
    return best, texts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--baseline", help="a commit to compare with (git show)")
    parser.add_argument("--profile", choices=("json", "csv", "fr-csv"))
    parser.add_argument(
        "--standings-kept",
        action="store_true",
        help="time report/standards.py's standings() apart, and the writers without it",
    )
    parser.add_argument("--only", choices=("json", "csv", "fr-csv"), action="append")
    arguments = parser.parse_args(argv)
    from auditor.formats import CsvDialect, CsvFormat, JsonFormat
    from auditor.i18n import Lang

    report = _report(arguments.accounts)
    # As ``write_reports`` does (``collector.frozen``): the report's objects live on.
    gc.collect()
    gc.freeze()
    current: dict[str, Callable[[], Any]] = {
        "json": JsonFormat,
        "csv": CsvFormat,
        "fr-csv": lambda: CsvFormat(CsvDialect.EXCEL_FR, Lang.FR),
    }
    if arguments.profile:
        if arguments.standings_kept:
            _keep_standings(report, [sys.modules["auditor.formats.jsonfmt"]])
        profile = cProfile.Profile()
        profile.runcall(written, current[arguments.profile](), report)
        stream = io.StringIO()
        pstats.Stats(profile, stream=stream).sort_stats("tottime").print_stats(40)
        print(stream.getvalue())
        return
    old: dict[str, Callable[[], Any]] = {}
    if arguments.baseline:
        old_json, old_csv = _baseline(arguments.baseline)
        old = {
            "json": old_json,
            "csv": old_csv,
            "fr-csv": lambda: old_csv(CsvDialect.EXCEL_FR, Lang.FR),
        }
    if arguments.standings_kept:
        _keep_standings(report, [sys.modules["auditor.formats.jsonfmt"], *old_modules()])
    total_now = total_old = 0.0
    for name, make in current.items():
        if arguments.only and name not in arguments.only:
            continue
        makers = [make, old[name]] if name in old else [make]
        seconds, texts = _timed(makers, report)
        total_now += seconds[0]
        line = f"{name:7} now {seconds[0]:7.3f} s"
        if name in old:
            total_old += seconds[1]
            same = "identical" if texts[0] == texts[1] else "DIFFERENT"
            line += f"   before {seconds[1]:7.3f} s   ratio {seconds[0] / seconds[1]:5.3f}   {same}"
        print(line, flush=True)
    if old:
        print(
            f"total   now {total_now:7.3f} s   before {total_old:7.3f} s   "
            f"ratio {total_now / total_old:5.3f}"
        )


if __name__ == "__main__":
    main()
