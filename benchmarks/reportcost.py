"""CPU time of the stretch between derive and writing: checks, report and history, old against new.

The derived accounts of the first N rows of the generated inventory (offline corpus, as
the end-to-end benchmark looks them up) are made once and kept in a pickle next to the
inventory, so that later runs skip the 30 s of scoring. Each measurement is a child
process that loads them and times, as process CPU time, ``run_checks``, ``build_report``
(the checks again, then waivers, priorities and grouping) under ``collector.frozen`` as
``run_audit`` has it, and ``History.record`` of a first run in an empty history then of a
second run, as ``audited`` does. ``--baseline REV`` exports that commit's ``auditor``
(``git archive``) and alternates its children with the working tree's, so that the
machine's load weighs on both alike; every child prints digests of the findings, of the
report rendered as JSON and CSV and of the history's rows, which must agree.
"""

from __future__ import annotations

import argparse
import copyreg
import dataclasses
import hashlib
import json
import os
import pickle
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import types
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.common import DATA, REPO, code_version

AS_OF = date(2026, 11, 22)
CORPUS = "pwned-20000000.txt"
"""The end-to-end benchmark's corpus: breached and clean accounts, none unknown."""
STAGES = ("run_checks", "build_report", "history_first", "history_second")


def _derived_path(accounts: int) -> Path:
    return DATA / f"derived-{accounts}-{code_version()}.pickle"


def _make_derived(accounts: int) -> None:
    """Derive the first ``accounts`` rows once and keep them (with the policy) in a pickle."""
    import contextlib

    from auditor.audit.copies import merged_copies
    from auditor.audit.inventory import read_inventories
    from auditor.hibp.offline import open_corpus
    from auditor.password.derive import derive, new_run_key, site_uses
    from auditor.policy import load_policy
    from benchmarks.data import inventory_file

    policy = load_policy(())
    inventory = read_inventories(
        [inventory_file(DATA, accounts)], policy, AS_OF, skip_invalid=False
    )
    policy = inventory.audit_policy(policy)
    every = (*inventory.accounts, *inventory.copies)
    run_key = new_run_key()
    with contextlib.closing(open_corpus(DATA / CORPUS)) as corpus:
        derived = merged_copies(derive(every, policy, corpus, jobs=2, run_key=run_key))
        source = corpus.description
    sites = site_uses(inventory.others, run_key)
    # By the module's name, not ``__main__``'s, so that the children can load the pickle.
    from benchmarks.reportcost import _load_proxy as proxy

    copyreg.pickle(types.MappingProxyType, lambda kept: (proxy, (dict(kept),)))
    # The inventory's own accounts hold their passwords; build_report reads only the rest.
    rest = dataclasses.replace(inventory, accounts=(), copies=(), others=())
    kept = (tuple(derived), rest, policy, sites, source)
    path = _derived_path(accounts)
    partial = path.with_suffix(".partial")
    partial.write_bytes(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
    partial.rename(path)


def _load_proxy(contents: dict[Any, Any]) -> types.MappingProxyType[Any, Any]:
    return types.MappingProxyType(contents)


def _history_digest(path: Path) -> str:
    """The history's rows, less the moment each run was recorded."""
    digest = hashlib.sha256()
    with sqlite3.connect(path) as db:
        for table in ("runs", "run_practices", "run_accounts", "findings"):
            rows = db.execute(f"SELECT * FROM {table}").fetchall()
            for row in sorted(row[:1] + row[2:] if table == "runs" else row for row in rows):
                digest.update(repr(row).encode())
        schema = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        digest.update(repr(schema).encode())
    return digest.hexdigest()[:16]


def _finding_digest(findings: Any) -> str:
    digest = hashlib.sha256()
    for finding in findings:
        digest.update(repr(finding).encode())
    return digest.hexdigest()[:16]


def child(accounts: int, stage: str) -> dict[str, object]:
    """One measurement, in this process (whichever ``auditor`` it imports), of ``stage``.

    Each stage runs in a fresh process: what the first checks of a process work out and
    keep (account names, folded logins, sentences) would make a second run look cheaper
    than the audit's one run. ``checks`` is ``run_checks`` alone; ``report`` is
    ``build_report`` (the checks included), then the history's two records.
    """
    import gc

    import auditor
    from auditor.audit.pipeline import build_report
    from auditor.checks import CheckContext, run_checks
    from auditor.collector import frozen, paused
    from auditor.formats.csvfmt import CsvFormat
    from auditor.formats.jsonfmt import JsonFormat
    from auditor.history import History
    from auditor.report import BreachMode

    derived, inventory, policy, sites, source = pickle.loads(_derived_path(accounts).read_bytes())
    gc.collect()
    figures: dict[str, object] = {"auditor": str(Path(auditor.__file__).parent)}
    if stage == "checks":
        with frozen(), paused():  # as ``run_audit`` and ``build_report`` run them
            begin = time.process_time()
            findings = run_checks(derived, CheckContext(policy, AS_OF, sites))
            figures["run_checks"] = time.process_time() - begin
        figures["findings"] = len(findings)
        figures["findings_digest"] = _finding_digest(findings)
        return figures
    with frozen():
        begin = time.process_time()
        report = build_report(
            derived,
            inventory,
            policy,
            AS_OF,
            breach_mode=BreachMode.OFFLINE,
            breach_source=source,
            sites=sites,
        )
        figures["build_report"] = time.process_time() - begin
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        changes: Any = {}
        for run in ("first", "second"):
            with History.open(path) as history:
                begin = time.process_time()
                _, changes = history.record(report, policy)
                figures[f"history_{run}"] = time.process_time() - begin
        figures["history_digest"] = _history_digest(path)
    figures["changes_digest"] = hashlib.sha256(repr(sorted(changes.items())).encode()).hexdigest()[
        :16
    ]
    rendered = hashlib.sha256()
    shown = report.with_changes(changes)
    for formatter in (JsonFormat(), CsvFormat()):
        rendered.update(formatter.render(shown).encode())
    figures["report_digest"] = rendered.hexdigest()[:16]
    return figures


def _profile(accounts: int, stage: str) -> None:
    """A cProfile of ``build_report`` or of the first ``History.record``, in this process."""
    import cProfile
    import gc
    import pstats

    from auditor.audit.pipeline import build_report
    from auditor.collector import frozen
    from auditor.history import History
    from auditor.report import BreachMode

    derived, inventory, policy, sites, source = pickle.loads(_derived_path(accounts).read_bytes())
    gc.collect()
    profile = cProfile.Profile()
    with frozen():
        arguments = (derived, inventory, policy, AS_OF)
        options = {"breach_mode": BreachMode.OFFLINE, "breach_source": source, "sites": sites}
        if stage == "report":
            report = profile.runcall(build_report, *arguments, **options)
        else:
            report = build_report(*arguments, **options)
    if stage == "history":
        with (
            tempfile.TemporaryDirectory() as folder,
            History.open(Path(folder) / "history.sqlite3") as history,
        ):
            profile.runcall(history.record, report, policy)
    pstats.Stats(profile).sort_stats("tottime").print_stats(35)


def _export(revision: str, folder: Path) -> Path:
    """``revision``'s package and shipped data in ``folder`` (nothing of the tree changes)."""
    archive = subprocess.run(
        ["git", "archive", revision, "auditor", "policies", "reports"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def _measure(accounts: int, root: Path) -> dict[str, Any]:
    """Every stage's figures from the children of ``root``."""
    return {**_child_run(accounts, root, "checks"), **_child_run(accounts, root, "report")}


def _child_run(accounts: int, root: Path, stage: str) -> dict[str, Any]:
    # Started in ``root``, whose ``auditor`` comes first on the path; ``benchmarks`` is the tree's.
    environment = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{REPO}"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.reportcost",
            "--child",
            stage,
            "--accounts",
            str(accounts),
        ],
        cwd=root,
        env=environment,
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"the child of {root} failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    if Path(figures["auditor"]).parent != root.resolve():
        raise SystemExit(f"the child imported {figures['auditor']}, not {root}'s")
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--baseline", help="a commit to compare with (git archive)")
    parser.add_argument(
        "--revision", help="the commit to measure as new (default: the working tree)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=("report", "history"), help="print a cProfile")
    parser.add_argument("--child", choices=("checks", "report"), help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        print(json.dumps(child(arguments.accounts, arguments.child)))
        return
    if not _derived_path(arguments.accounts).exists():
        _make_derived(arguments.accounts)
    if arguments.profile:
        _profile(arguments.accounts, arguments.profile)
        return
    with tempfile.TemporaryDirectory() as old, tempfile.TemporaryDirectory() as new:
        sides = {"new": _export(arguments.revision, Path(new)) if arguments.revision else REPO}
        if arguments.baseline:
            sides = {"old": _export(arguments.baseline, Path(old)), **sides}
        taken: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
        for turn in range(arguments.rounds):
            for side, root in sides.items():
                figures = _measure(arguments.accounts, root)
                taken[side].append(figures)
                said = "  ".join(f"{stage} {figures[stage]:6.3f}" for stage in STAGES)
                print(f"round {turn + 1} {side:3}  {said}", flush=True)
    digests = ("findings", "findings_digest", "report_digest", "history_digest", "changes_digest")
    for side, runs in taken.items():
        seen = {key: {str(run[key]) for run in runs} for key in digests}
        print(side, {key: "/".join(sorted(values)) for key, values in seen.items()})
    if "old" in taken:
        same = all(
            {str(r[key]) for r in taken["old"]} == {str(r[key]) for r in taken["new"]}
            for key in digests
        )
        print("outputs", "identical" if same else "DIFFERENT")
    for stage in STAGES:
        line = f"{stage:15}"
        medians = {side: statistics.median(r[stage] for r in runs) for side, runs in taken.items()}
        for side, value in medians.items():
            line += f"  {side} {value:6.3f} s (min {min(r[stage] for r in taken[side]):6.3f})"
        if "old" in medians:
            line += f"  ratio {medians['new'] / medians['old']:5.3f}"
        print(line)


if __name__ == "__main__":
    main()
