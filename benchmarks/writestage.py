"""Writing a group's reports with ``--out``: ``write_reports`` timed against an earlier version's.

Builds a generated group's report once in-process (no breach lookups), then writes it as
JSON, HTML and CSV with the earlier version's ``formats/write.py`` and ``files/private.py``
(read from git at ``--before``, loaded beside the current ones) and with the current ones,
alternately, into fresh folders. Prints each run's wall time and CPU time (this process and
its children), and checks that both wrote the same bytes::

    python -m benchmarks.writestage --accounts 20000 --before 8b62bd8
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.common import DATA, git_show, load_module
from benchmarks.data import inventory_file

AS_OF = date(2026, 11, 22)


def earlier_write_reports(revision: str) -> Callable[..., Any]:
    """``write_reports`` as it was at ``revision``, on that revision's private file writing."""

    private = git_show(revision, "auditor/files/private.py")
    load_module("_earlier_private", private, "<_earlier_private>")
    source = git_show(revision, "auditor/formats/write.py").replace(
        "from auditor.files import private as privatefile", "import _earlier_private as privatefile"
    )
    written = load_module("_earlier_write", source, "<_earlier_write>")
    return written.write_reports  # type: ignore[no-any-return]


def _digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _cpu() -> tuple[float, float]:
    """User and system CPU seconds of this process and its children (the forked writer)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + children.ru_utime, own.ru_stime + children.ru_stime


def main() -> None:
    """Build the report once, write it with each version in turn; print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=2, help="scoring workers for the derive")
    parser.add_argument("--before", default="8b62bd8", help="the git revision compared with")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each version")
    arguments = parser.parse_args()

    from auditor.audit.copies import merged_copies
    from auditor.audit.inventory import read_inventories
    from auditor.audit.pipeline import build_report
    from auditor.collector import frozen
    from auditor.formats import CsvFormat, HtmlFormat, JsonFormat, write_reports
    from auditor.password.derive import derive, new_run_key
    from auditor.policy import load_policy
    from auditor.report import BreachMode

    policy = load_policy(())
    inventory = read_inventories(
        [inventory_file(DATA, arguments.accounts)], policy, AS_OF, skip_invalid=False
    )
    policy = inventory.audit_policy(policy)
    accounts = (*inventory.accounts, *inventory.copies)
    derived = merged_copies(
        derive(accounts, policy, None, jobs=arguments.jobs, run_key=new_run_key())
    )
    report = build_report(
        derived, inventory, policy, AS_OF, breach_mode=BreachMode.SKIPPED, breach_source=""
    )
    versions = {"before": earlier_write_reports(arguments.before), "after": write_reports}
    figures: dict[str, Any] = {"accounts": arguments.accounts, "practices": len(report.practices)}
    digests: dict[str, str] = {}
    with tempfile.TemporaryDirectory(dir=DATA) as scratch:
        for run in range(arguments.repeat):
            for name, write in versions.items():
                # A fresh folder each run, all removed at the end: on ext4 without a journal
                # (this machine's), files made just after thousands were deleted nearby cost
                # up to 20 times the system time (the kernel skips recently freed inodes one
                # by one), which would bill one version for the other's clean-up.
                out = Path(scratch) / f"{name}-{run}"
                formatters = [JsonFormat(), HtmlFormat(), CsvFormat()]
                with frozen():
                    begin, (user_before, system_before) = time.perf_counter(), _cpu()
                    write(report, out, formatters)
                    wall = time.perf_counter() - begin
                    user, system = _cpu()
                user, system = user - user_before, system - system_before
                cpu = user + system
                figures.setdefault(f"{name}_wall_s", []).append(round(wall, 2))
                figures.setdefault(f"{name}_cpu_s", []).append(round(cpu, 2))
                figures.setdefault(f"{name}_system_s", []).append(round(system, 2))
                digests[name] = _digest(out)
                print(
                    f"  run {run + 1} {name:<6} {wall:6.2f} s wall {cpu:6.2f} s CPU"
                    f" ({system:5.2f} s system)",
                    flush=True,
                )
    best = {name: min(figures[f"{name}_wall_s"]) for name in versions}
    figures["wall_ratio"] = round(best["before"] / best["after"], 2)
    figures["identical"] = digests["before"] == digests["after"]
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
