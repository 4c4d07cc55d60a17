"""Online lookups against a loopback server with real latency; pwnedpasswords as the baseline."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from auditor.hibp import Pwned, RangeApiClient, Unknown, make_session
from benchmarks.common import AUDIT_FLAGS, DATA, REPO, audit_command, run_child
from benchmarks.data import shared_fraction, write_inventory
from benchmarks.rangeserver import HANDSHAKE_DELAY, REQUEST_DELAY, LatencyServer

WORKERS = 64
"""The client's default (--hibp-workers), the one ``choose_workers`` gave in every run of
``scaling`` (benchmarks/results/2026-12-01-online-scaling-issue-17-*.json)."""
COUNTS = (16, 32, 64, 128)
"""Workers measured against a bare ``requests.Session`` pool of as many threads."""
DELAYS = (0.030, 0.060)
"""Round trips the scaling runs model. 30 ms is a round trip to Cloudflare from France
(rangeserver.py). 60 ms is a modelling choice for a slower link: a practice on ADSL or
4G, which adds tens of milliseconds to every round trip, or an answer not in the edge's
cache (Troy Hunt measured the origin's range search at 54 ms in 2018: "I Wanna Go Fast",
troyhunt.com). The default has to hold at both."""
ROUNDS = 3
"""Rounds per count and latency, each side once a round, the side that goes first
alternating; the counts take turns within a round, so that a change of load while
the benchmark runs falls on every count, not on the last ones measured."""
ROUND_SECONDS = 2.5
"""About how long one side's round lasts: 2 latencies x 4 counts x 3 rounds x 2 sides
of it keep the whole scaling part under 3 minutes on this 2-core machine."""
CPU_BOUND_RATE = 1_000.0
"""Requests a second one core allows the client (about 1 ms of CPU a request): above it
a round is sized by this, not by workers / delay, which it would not reach."""
TARGET_WORKERS = 64
TARGET_RATIO = 0.90
"""The client at 64 workers within 10 % of the bare pool (issue 17); the other counts
are measured, with no target."""
BASELINE_SAMPLE = 300
"""Passwords the one-by-one baseline checks for the larger inventories (it is slow: its
rate is per password, so a sample gives it); for 500 accounts it checks all of them."""


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


def _server_cpu(server: LatencyServer) -> float:
    pid = server.pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _bare_pool(url: str, prefixes: list[str], workers: int) -> tuple[float, float, int]:
    """Seconds, client CPU seconds and errors for a bare ``requests`` pool of ``workers`` threads.

    What any script would write: one shared ``Session`` whose pool holds a connection
    per thread, ``get`` with the padding header, the body read whole; no checks.
    """
    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_maxsize=workers))
    errors = 0

    def get(prefix: str) -> None:
        nonlocal errors
        try:
            answer = session.get(
                f"{url}/range/{prefix}", headers={"Add-Padding": "true"}, timeout=15
            )
            if answer.status_code != 200 or not answer.content:
                errors += 1
        except requests.RequestException:
            errors += 1

    with ThreadPoolExecutor(max_workers=workers) as pool:
        cpu, start = _cpu_seconds(), time.perf_counter()
        list(pool.map(get, prefixes))
        seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    session.close()
    return seconds, cpu, errors


def _client_pool(url: str, prefixes: list[str], workers: int) -> tuple[float, float, int]:
    """Seconds, client CPU seconds and unknown outcomes for ``RangeApiClient`` at ``workers``."""
    hashes = [prefix + "0" * 35 for prefix in prefixes]
    with RangeApiClient(
        make_session(workers, base_url=url), base_url=url, workers=workers
    ) as client:
        cpu, start = _cpu_seconds(), time.perf_counter()
        results = client.check(hashes)
        seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    return seconds, cpu, sum(1 for outcome in results.values() if isinstance(outcome, Unknown))


def _round_size(workers: int, delay: float) -> int:
    """Prefixes one side asks in a round: about ``ROUND_SECONDS`` at the rate it can reach."""
    return max(100, round(ROUND_SECONDS * min(workers / delay, CPU_BOUND_RATE)))


def _summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One side's rounds at one count: its rate's median and spread, its worst behaviour."""
    rates = [r["requests_per_second"] for r in rounds]
    return {
        "median": round(statistics.median(rates), 1),
        "min": min(rates),
        "max": max(rates),
        "cpu_ms_per_request": round(statistics.median(r["cpu_ms_per_request"] for r in rounds), 3),
        "errors": sum(r["errors"] for r in rounds),
        "connections": max(r["connections"] for r in rounds),
        "rounds": rounds,
    }


def paired_ratio(client: list[dict[str, Any]], bare: list[dict[str, Any]]) -> float:
    """The median over rounds of the client's rate over the bare pool's in the same round.

    The two sides of a round run one after the other, the rounds of one count some
    20 s apart: a change of load on this shared machine falls on both sides of a
    round alike, and between rounds it does not, so the round's own ratio is the
    comparison least disturbed by it.
    """
    bare_by_round = {r["round"]: r["requests_per_second"] for r in bare}
    ratios = [r["requests_per_second"] / bare_by_round[r["round"]] for r in client]
    return round(float(statistics.median(ratios)), 3)


def _scaling_at(delay: float, counts: tuple[int, ...], rng: random.Random) -> list[dict[str, Any]]:
    """Every count's rounds, both sides, against one server of round trip ``delay``."""
    empty = DATA / "breached-none.txt"
    measured: dict[int, dict[str, list[dict[str, Any]]]] = {
        workers: {"client": [], "bare": []} for workers in counts
    }
    with LatencyServer(empty, delay=delay) as server:
        for number in range(ROUNDS):
            for workers in counts:
                size = _round_size(workers, delay)
                prefixes = [f"{n:05X}" for n in rng.sample(range(16**5), size)]
                sides = ("bare", "client") if number % 2 == 0 else ("client", "bare")
                for side in sides:
                    before, server_cpu = server.stats(), _server_cpu(server)
                    measure = _bare_pool if side == "bare" else _client_pool
                    seconds, cpu, errors = measure(server.url, prefixes, workers)
                    after = server.stats()
                    measured[workers][side].append(
                        {
                            "round": number + 1,
                            "prefixes": size,
                            "requests_per_second": round(size / seconds, 1),
                            "cpu_ms_per_request": round(cpu / size * 1000, 3),
                            "server_cpu_ms_per_request": round(
                                (_server_cpu(server) - server_cpu) / size * 1000, 3
                            ),
                            "errors": errors,
                            # Less the connection of stats() itself.
                            "connections": after["connections"] - before["connections"] - 1,
                        }
                    )
    rows = []
    for workers in counts:
        client, bare = (_summary(measured[workers][side]) for side in ("client", "bare"))
        ratio = paired_ratio(client["rounds"], bare["rounds"])
        rows.append(
            {
                "workers": workers,
                "limit_requests_per_second": round(workers / delay, 1),
                "client": client,
                "bare": bare,
                "ratio": ratio,
                "ratio_of_medians": round(client["median"] / bare["median"], 3),
            }
        )
        print(
            f"  online, {delay * 1000:.0f} ms, {workers:>3} workers: client "
            f"{client['median']:7.1f}/s ({client['min']}-{client['max']}; "
            f"{client['cpu_ms_per_request']} ms CPU), bare pool {bare['median']:7.1f}/s "
            f"({bare['min']}-{bare['max']}), {ratio:.2f}x, {client['errors']} errors, "
            f"{client['connections']} connections",
            flush=True,
        )
    return rows


@dataclass(frozen=True)
class Count:
    """The client's rounds at one worker count and one latency."""

    workers: int
    rates: tuple[float, ...]
    """Requests a second, one a round."""
    errors: int
    """Unknown outcomes over all rounds."""
    connections: int
    """The most connections a round opened."""


@dataclass(frozen=True)
class Decision:
    """Which worker count the measurements make the default, and why."""

    behaved: tuple[int, ...]
    """Counts with no error and at most one connection a worker at every latency."""
    fastest: dict[str, int]
    """At each latency, the well-behaved count of the best median rate."""
    tied: dict[str, tuple[int, ...]]
    """At each latency, the well-behaved counts as fast as the fastest."""
    default: int | None
    """Of the counts tied at the most latencies (every one, when a count is), the one of the
    fewest connections; None if no count is well-behaved."""

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": RULE,
            "well_behaved": list(self.behaved),
            "fastest": self.fastest,
            "tied": {latency: list(counts) for latency, counts in self.tied.items()},
            "default": self.default,
        }


RULE = (
    "among the counts with no error and at most one connection a worker, those whose best "
    "round reaches the worst round of the fastest (best median) at the most latencies (every "
    "latency, when a count does); of them, the one of the fewest connections"
)


def choose_workers(latencies: dict[str, list[Count]]) -> Decision:
    """The default worker count by ``RULE`` from the client's rounds at each latency.

    "As fast as the fastest" is "its best round reaches the fastest's worst round":
    the spread of a count's rounds (alternating sides, counts taking turns) is the
    noise this shared 2-core machine puts on one figure (5-10 % in past runs), so two
    counts whose ranges of rounds overlap cannot be told apart by the run, and a fixed
    percentage would be either looser or tighter than the noise of the day. Among the
    ties, fewer connections is what a server and a NAT prefer, at no cost in rate.
    When no count ties at every latency (a quiet run's narrower spreads can leave one
    count alone at each), the count that ties at the most of them is the one that
    holds for the most users' networks.
    """
    every = {count.workers for counts in latencies.values() for count in counts}
    behaved = {
        workers
        for workers in every
        if all(
            count.errors == 0 and count.connections <= count.workers
            for counts in latencies.values()
            for count in counts
            if count.workers == workers
        )
    }
    fastest: dict[str, int] = {}
    tied: dict[str, tuple[int, ...]] = {}
    for latency, counts in latencies.items():
        candidates = [count for count in counts if count.workers in behaved]
        if not candidates:
            tied[latency] = ()
            continue
        best = max(candidates, key=lambda count: statistics.median(count.rates))
        fastest[latency] = best.workers
        tied[latency] = tuple(
            sorted(c.workers for c in candidates if max(c.rates) >= min(best.rates))
        )
    # How many latencies each well-behaved count is as fast as the fastest at.
    ties = {workers: sum(workers in counts for counts in tied.values()) for workers in behaved}
    most = max(ties.values(), default=0)
    connections = {
        workers: max(
            count.connections
            for counts in latencies.values()
            for count in counts
            if count.workers == workers
        )
        for workers in behaved
    }
    widest = [workers for workers in behaved if most and ties[workers] == most]
    default = min(widest, key=lambda workers: (connections[workers], workers), default=None)
    return Decision(tuple(sorted(behaved)), fastest, tied, default)


def _counts(rows: list[dict[str, Any]]) -> list[Count]:
    return [
        Count(
            workers=row["workers"],
            rates=tuple(r["requests_per_second"] for r in row["client"]["rounds"]),
            errors=row["client"]["errors"],
            connections=row["client"]["connections"],
        )
        for row in rows
    ]


def scaling(counts: tuple[int, ...] = COUNTS, delays: tuple[float, ...] = DELAYS) -> dict[str, Any]:
    """The client against a bare pool at each count and latency, and the default they choose."""
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / "breached-none.txt").write_text("")
    rng = random.Random(17)
    started = time.perf_counter()
    latencies: list[dict[str, Any]] = [
        {"delay_ms": round(delay * 1000), "rows": _scaling_at(delay, counts, rng)}
        for delay in delays
    ]
    decision = choose_workers({str(at["delay_ms"]): _counts(at["rows"]) for at in latencies})
    print(f"  online, default by the rule: {decision.default} (client's: {WORKERS})", flush=True)
    return {
        "rounds": ROUNDS,
        "round_seconds": ROUND_SECONDS,
        "bare": "requests.Session, HTTPAdapter(pool_maxsize=workers), get() per prefix",
        "latencies": latencies,
        "decision": decision.as_json(),
        "client_default": WORKERS,
        "seconds": round(time.perf_counter() - started, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def targets(data: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """The scaling runs' rows of the table: each count against its bare pool, and the default.

    Only 64 workers has a target (issue 17: within 10 % of the bare pool); the other
    counts' ratios are printed as measured.
    """
    rows: list[tuple[str, str, str, bool | None]] = []
    scaling = data.get("scaling")
    if not scaling or "latencies" not in scaling:
        return rows
    latencies = scaling["latencies"]
    for index, row in enumerate(latencies[0]["rows"]):
        workers = row["workers"]
        at = [latency["rows"][index] for latency in latencies]
        measured = "; ".join(
            f"{latency['delay_ms']} ms: {each['ratio']}× ({each['client']['median']:,}/s "
            f"[{each['client']['min']:,}-{each['client']['max']:,}] vs "
            f"{each['bare']['median']:,}/s [{each['bare']['min']:,}-{each['bare']['max']:,}]; "
            f"client CPU {each['client']['cpu_ms_per_request']} ms/request vs "
            f"{each['bare']['cpu_ms_per_request']}; {each['client']['errors']} errors, "
            f"{each['client']['connections']} connections)"
            for latency, each in zip(latencies, at, strict=True)
        )
        if workers == TARGET_WORKERS:
            target = f"≥ {TARGET_RATIO:.2f}× its rate, round by round (issue 17's target)"
            met: bool | None = all(each["ratio"] >= TARGET_RATIO for each in at)
        else:
            target = "no target (measured: issue 17's target is at 64)"
            met = None
        rows.append(
            (
                (
                    f"online, {workers} workers, against a bare requests pool of as many "
                    f"(median of {scaling.get('rounds', '?')} rounds' ratios; rates: median "
                    "[min-max])"
                ),
                target,
                measured,
                met,
            )
        )
    decision = scaling["decision"]
    tied = ", ".join(
        f"{latency} ms: {'/'.join(map(str, counts)) or 'none'}"
        for latency, counts in decision["tied"].items()
    )
    rows.append(
        (
            "online, the default --hibp-workers",
            (
                "of the counts with no error and ≤ 1 connection a worker that are as fast as "
                "the fastest (best round ≥ its worst) at the most latencies, the fewest "
                "connections"
            ),
            f"{WORKERS} (the rule's: {decision['default']}; as fast as the fastest: {tied})",
            decision["default"] == WORKERS,
        )
    )
    return rows


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
        "scaling": scaling(),
        "workers": WORKERS,
        "request_delay_ms": REQUEST_DELAY * 1000,
        "handshake_delay_ms": HANDSHAKE_DELAY * 1000,
        "baseline": "pwnedpasswords 3.1.0, one urllib request (new connection) per password",
        "baseline_checks_per_second_500": round(baseline_rate, 2),
        "runs": rows,
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.online``: the scaling part alone, its rows, and its JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.online", description=__doc__)
    parser.add_argument("--json", type=Path, default=None, help="where to write the results")
    options = parser.parse_args(argv)
    results = {"scaling": scaling()}
    if options.json is not None:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps({"online": results}, indent=2) + "\n")
    for what, target, measured, met in targets(results):
        print(f"| {what} | {target} | {measured} | {met} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
