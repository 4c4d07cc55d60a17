"""Online lookups against a loopback server with real latency; pwnedpasswords as the baseline."""

from __future__ import annotations

import hashlib
import random
import resource
import time
from typing import Any

from auditor.hibp import Pwned, RangeApiClient, make_session
from benchmarks.common import AUDIT_FLAGS, DATA, REPO, audit_command, run_child
from benchmarks.data import shared_fraction, write_inventory
from benchmarks.rangeserver import HANDSHAKE_DELAY, REQUEST_DELAY, LatencyServer

WORKERS = 32
"""The client's default (--hibp-workers)."""
BASELINE_SAMPLE = 300
"""Passwords the one-by-one baseline checks for the larger inventories (it is slow: its
rate is per password, so a sample gives it); for 500 accounts it checks all of them."""


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


def _baseline(url: str, passwords: list[str]) -> float:
    """Seconds for the ``pwnedpasswords`` package to check ``passwords`` one by one."""
    import pwnedpasswords
    from pwnedpasswords.pwnedpasswords import PwnedPasswordsAPI

    def local(*components: str, **kwargs: Any) -> str:
        return f"{url}/" + "/".join(components)

    original = PwnedPasswordsAPI.url
    PwnedPasswordsAPI.url = staticmethod(local)  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        for password in passwords:
            pwnedpasswords.check(password)
        return time.perf_counter() - start
    finally:
        PwnedPasswordsAPI.url = original  # type: ignore[method-assign]


def run(sizes: list[int]) -> dict[str, Any]:
    """Lookups, full audits and the baseline for inventories of each size."""
    DATA.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    baseline_rate = 0.0
    for accounts in sizes:
        inventory = DATA / f"inventory-{accounts}.csv"
        passwords = write_inventory(inventory, accounts)
        distinct = sorted(set(passwords))
        hashes = [_sha1(p) for p in distinct]
        breached = DATA / f"breached-{accounts}.txt"
        # A tenth of the distinct passwords are "breached": the server lists them.
        breached.write_text("\n".join(random.Random(1).sample(hashes, len(hashes) // 10)))
        with LatencyServer(breached) as server:
            before = server.stats()
            session = make_session(WORKERS, base_url=server.url)
            client = RangeApiClient(session, base_url=server.url, workers=WORKERS)
            cpu_before = _cpu_seconds()
            start = time.perf_counter()
            with client:
                results = client.check(hashes)
            lookup_seconds = time.perf_counter() - start
            client_cpu = _cpu_seconds() - cpu_before
            after = server.stats()
            requests = after["requests"] - before["requests"]
            found = sum(1 for r in results.values() if isinstance(r, Pwned))

            sample = distinct if accounts <= 500 else distinct[:BASELINE_SAMPLE]
            baseline_seconds = _baseline(server.url, sample)
            rate = len(sample) / baseline_seconds
            if accounts <= 500:
                baseline_rate = rate

            audit = run_child(
                audit_command(str(inventory), "--hibp-url", server.url, *AUDIT_FLAGS), cwd=REPO
            )
        checks_per_second = len(distinct) / lookup_seconds
        limit = WORKERS / REQUEST_DELAY
        rows.append(
            {
                "accounts": accounts,
                "distinct_passwords": len(distinct),
                "shared_fraction": round(shared_fraction(passwords), 3),
                "distinct_prefixes": len({h[:5] for h in hashes}),
                "http_requests": requests,
                "breached_found": found,
                "lookup_seconds": round(lookup_seconds, 3),
                "checks_per_second": round(checks_per_second, 1),
                "baseline_checks": len(sample),
                "baseline_checks_per_second": round(rate, 2),
                "ratio_to_baseline": round(checks_per_second / rate, 1),
                "requests_per_second": round(requests / lookup_seconds, 1),
                "limit_requests_per_second": round(limit, 1),
                "ratio_to_limit": round(requests / lookup_seconds / limit, 3),
                "client_cpu_ms_per_request": round(client_cpu / requests * 1000, 2),
                "client_ceiling_requests_per_second": round(requests / client_cpu, 1),
                "full_audit_seconds": round(audit.seconds, 2),
                "full_audit_exit": audit.returncode,
            }
        )
        print(
            f"  online {accounts:>7} accounts: {checks_per_second:7.1f} checks/s, "
            f"{checks_per_second / rate:5.1f}x baseline, "
            f"{requests / lookup_seconds / limit:.0%} of the limit, audit {audit.seconds:.1f} s",
            flush=True,
        )
    return {
        "workers": WORKERS,
        "request_delay_ms": REQUEST_DELAY * 1000,
        "handshake_delay_ms": HANDSHAKE_DELAY * 1000,
        "baseline": "pwnedpasswords 3.1.0, one urllib request (new connection) per password",
        "baseline_checks_per_second_500": round(baseline_rate, 2),
        "runs": rows,
    }
