"""Scoring 10,000 distinct passwords: zxcvbn as shipped (baseline), then ours on 1 and N cores."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.data import password_mix

PASSWORDS = 10_000
BASELINE_SAMPLE = 500
"""zxcvbn's own code is slow: it scores a sample, and the ratio is per password."""
CONTEXT = ["pharmacie", "du", "marche", "750056780", "jdupont", "jeanne", "dupont", "viamedis"]


def _machine_cpu() -> tuple[float, float]:
    """Seconds of CPU busy and stolen by the hypervisor, all cores, since boot (/proc/stat).

    Workers fork from a forkserver, not from this process, so getrusage() would
    not count them: the whole machine's counters do (nothing else runs).
    """
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle, iowait
    steal = fields[7] if len(fields) > 7 else 0
    return (sum(fields[:8]) - idle - steal) / tick, steal / tick


def run(count: int = PASSWORDS) -> dict[str, Any]:
    """Per-password cost of zxcvbn as shipped, and of the audit's scoring at 1 and all cores."""
    # Imported here: the baseline must run before auditor.password.guessing installs its matcher.
    from zxcvbn import zxcvbn

    from auditor.password.derive import _score_all
    from auditor.password.strength import ZXCVBN_MAX_LENGTH, _ensure_french_dictionary

    passwords = password_mix(count)
    items = [(password, CONTEXT) for password in passwords]
    _ensure_french_dictionary()
    sample = passwords[:BASELINE_SAMPLE]  # the mix cycles through its five kinds
    begin = time.perf_counter()
    expected = [zxcvbn(p[:ZXCVBN_MAX_LENGTH], user_inputs=CONTEXT)["score"] for p in sample]
    baseline_per_password = (time.perf_counter() - begin) / len(sample)

    begin = time.perf_counter()
    sequential = _score_all(items, jobs=1)
    sequential_seconds = time.perf_counter() - begin

    cores = os.cpu_count() or 1
    busy_before, steal_before = _machine_cpu()
    begin = time.perf_counter()
    parallel = _score_all(items, jobs=cores)
    parallel_seconds = time.perf_counter() - begin
    busy_after, steal_after = _machine_cpu()

    if parallel != sequential or [sequential[passwords.index(p)] for p in sample] != expected:
        raise RuntimeError("scores differ between zxcvbn, sequential and parallel runs")
    result = {
        "passwords": count,
        "mix": "fifths: word+year+symbol, leet, random 12-20, passphrase 3-5 words, random 40-72",
        "baseline": "zxcvbn 4.x zxcvbn() as shipped, on a sample",
        "baseline_sample": len(sample),
        "baseline_ms_per_password": round(baseline_per_password * 1000, 3),
        "sequential_seconds": round(sequential_seconds, 2),
        "sequential_ms_per_password": round(sequential_seconds / count * 1000, 3),
        "speedup_over_zxcvbn": round(baseline_per_password * count / sequential_seconds, 1),
        "cores": cores,
        "parallel_seconds": round(parallel_seconds, 2),
        "parallel_speedup": round(sequential_seconds / parallel_seconds, 2),
        "cores_busy": round((busy_after - busy_before) / parallel_seconds, 2),
        "cores_stolen_by_hypervisor": round((steal_after - steal_before) / parallel_seconds, 2),
    }
    print(
        f"  scoring {count:,} passwords: {sequential_seconds:.1f} s on 1 core, "
        f"{parallel_seconds:.1f} s on {cores} ({result['cores_busy']} cores busy); "
        f"zxcvbn as shipped: {baseline_per_password * 1000:.1f} ms per password",
        flush=True,
    )
    return result


if __name__ == "__main__":
    # python -m benchmarks.scoring [COUNT]: this benchmark alone.
    run(int(sys.argv[1]) if len(sys.argv) > 1 else PASSWORDS)
