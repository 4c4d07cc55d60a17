"""Browser exports of 100,000 entries against 10,000: reading them (every host judged for
lookalikes), fingerprinting the other sites' passwords, and the site checks are linear."""

from __future__ import annotations

import gc
import json
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from auditor.audit import read_inventories
from auditor.audit.copies import merged_copies
from auditor.checks import CheckContext, check_for
from auditor.models import CheckId, Practice
from auditor.password.derive import derive, new_run_key, site_uses
from auditor.policy import Policy, load_policy
from auditor.sources import SourceOptions

ENTRIES = 100_000
BASELINE = 10_000
"""A tenth of the entries: linear work takes about 10× as long for 10× the entries."""
PORTAL_SHARE = 10
"""One entry in this many is a portal's (a group's export is mostly other sites)."""
LOOKALIKE_SHARE = 200
"""One entry in this many is saved on a lookalike, half of them with a portal's password."""
REUSED_SHARE = 4
"""One other site in this many shares a portal's password."""
_REPEATS = 3
"""Best of a few runs: the machine is shared."""
# Each timed stage runs with the cyclic garbage collector off, as ``timeit`` runs: a full
# collection, triggered by allocations anywhere, walks every object the run holds (the
# 100,000 entries read), which would charge the stage that happened to trigger it.
_AS_OF = date(2026, 11, 22)
_JOBS = 2
_LOOKALIKES = ("viamedis-pro{n}.com", "almerys{n}.secure-login.fr", "viamedls{n}.net")
_CHECKS = (CheckId.REUSED_ELSEWHERE, CheckId.PHISHED, CheckId.LOOKALIKE_SITE)


def _export(folder: Path, entries: int) -> Path:
    """A Chrome export: portal logins, other sites, some sharing a portal password, lookalikes."""
    portals = ("www.viamedis.net", "www.almerys.com", "www.kalixia.fr", "www.santeclair.fr")
    lines = ["name,url,username,password,note"]
    for index in range(entries):
        portal_password = f"Portail-{index // PORTAL_SHARE:06d}#x"
        if index % PORTAL_SHARE == 0:
            host = portals[index // PORTAL_SHARE % len(portals)]
            password = portal_password
        elif index % LOOKALIKE_SHARE == 1:
            host = _LOOKALIKES[index % len(_LOOKALIKES)].format(n=index)
            password = portal_password if index % 2 else f"Autre-{index}"
        else:
            host = f"site{index:06d}.example.fr"
            password = portal_password if index % REUSED_SHARE == 0 else f"Perso-{index:06d}!"
        lines.append(f"{host},https://{host}/login,user{index:06d},{password},")
    path = folder / f"export-{entries}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _measure(folder: Path, entries: int, policy: Policy) -> dict[str, Any]:
    """Best seconds of reading, of fingerprinting the other sites and of each site check."""
    export = _export(folder, entries)
    options = SourceOptions(practice=Practice("750056780", "Groupe"))
    read = fingerprint = float("inf")
    checks = dict.fromkeys(_CHECKS, float("inf"))
    findings: dict[CheckId, int] = {}
    for _ in range(_REPEATS):
        gc.collect()
        begin = time.perf_counter()
        inventory = read_inventories([export], policy, _AS_OF, skip_invalid=False, options=options)
        read = min(read, time.perf_counter() - begin)
        key = new_run_key()
        gc.collect()
        gc.disable()
        begin = time.perf_counter()
        sites = site_uses(inventory.others, key)
        fingerprint = min(fingerprint, time.perf_counter() - begin)
        gc.enable()
    # Derive (zxcvbn) is the audit's own cost, measured by the scoring benchmark: run once,
    # outside the clock, for the facts the checks read.
    audit_policy = inventory.audit_policy(policy)
    derived = derive(inventory.accounts, audit_policy, None, jobs=_JOBS, run_key=key)
    audited = merged_copies(derived)
    context = CheckContext(audit_policy, _AS_OF, sites)
    portals = tuple(a for a in audited if a.account.imitates is None)
    for _ in range(_REPEATS):
        for check_id in _CHECKS:
            seen = portals if check_id is CheckId.REUSED_ELSEWHERE else audited
            gc.collect()
            gc.disable()
            begin = time.perf_counter()
            findings[check_id] = sum(1 for _ in check_for(check_id).run(seen, context))
            checks[check_id] = min(checks[check_id], time.perf_counter() - begin)
            gc.enable()
    return {
        "read_seconds": read,
        "fingerprint_seconds": fingerprint,
        "check_seconds": {check.value: seconds for check, seconds in checks.items()},
        "findings": {check.value: count for check, count in findings.items()},
        "others": len(sites),
    }


def run(entries: int = ENTRIES, baseline: int = BASELINE) -> dict[str, Any]:
    """Every stage on ``entries`` and on ``baseline``, and their ratios."""
    policy = load_policy(())
    with tempfile.TemporaryDirectory() as folder:
        small = _measure(Path(folder), baseline, policy)
        large = _measure(Path(folder), entries, policy)
    stages = {
        "read": (large["read_seconds"], small["read_seconds"]),
        "fingerprint": (large["fingerprint_seconds"], small["fingerprint_seconds"]),
        **{
            check: (large["check_seconds"][check], small["check_seconds"][check])
            for check in large["check_seconds"]
        },
    }
    result: dict[str, Any] = {
        "entries": entries,
        "baseline_entries": baseline,
        "other_sites": large["others"],
        "findings": large["findings"],
        "stages": {
            name: {
                "seconds": round(seconds, 4),
                "baseline_seconds": round(base, 4),
                "ratio_to_baseline": round(seconds / base, 1) if base else None,
            }
            for name, (seconds, base) in stages.items()
        },
    }
    result["worst_ratio"] = max(
        stage["ratio_to_baseline"] or 0 for stage in result["stages"].values()
    )
    for name, stage in result["stages"].items():
        print(
            f"  sites, {name}: {stage['seconds']} s for {entries:,} entries, "
            f"{stage['ratio_to_baseline']}× {baseline:,}",
            flush=True,
        )
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
