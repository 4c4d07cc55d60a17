"""``portal-audit audit`` on 100,000 accounts with the 20 M-line corpus: wall time and memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import AUDIT_FLAGS, DATA, REPO, audit_command, run_child
from benchmarks.data import shared_fraction, write_inventory
from benchmarks.offline import LINES, generate

ACCOUNTS = 100_000

# Runs the audit as its child and reports ru_maxrss of its children: the largest
# single process of the audit (the main one or a scoring worker), in KiB on Linux.
_MAXRSS = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run(accounts: int = ACCOUNTS, lines: int = LINES) -> dict[str, Any]:
    """Wall time, the sum of the process tree's memory, and the largest process's ru_maxrss."""
    corpus, _, _ = generate(lines)
    inventory = DATA / f"inventory-{accounts}.csv"
    passwords = write_inventory(inventory, accounts)
    command = audit_command(str(inventory), "--hibp-offline", str(corpus), *AUDIT_FLAGS)
    measured = run_child(command, cwd=REPO)
    if measured.returncode not in (0, 1):
        raise RuntimeError(f"the audit failed: {measured.stderr[-2000:]}")
    begin = time.perf_counter()
    largest = subprocess.run(
        [sys.executable, "-c", _MAXRSS, *command],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    second_run = time.perf_counter() - begin
    result = {
        "accounts": accounts,
        "distinct_passwords": len(set(passwords)),
        "shared_fraction": round(shared_fraction(passwords), 3),
        "corpus_lines": lines,
        "seconds": round(measured.seconds, 1),
        "second_run_seconds": round(second_run, 1),
        "peak_tree_rss_mib": round(measured.peak_tree_rss / 2**20),
        "largest_process_maxrss_mib": round(int(largest.stdout.split()[-1]) / 1024),
        "exit_code": measured.returncode,
    }
    print(
        f"  end to end {accounts:,} accounts offline: {measured.seconds:.1f} s, "
        f"{result['peak_tree_rss_mib']} MiB for all processes, "
        f"{result['largest_process_maxrss_mib']} MiB for the largest",
        flush=True,
    )
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
