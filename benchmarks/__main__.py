"""``python -m benchmarks``: run the benchmarks, print the results table, write them as JSON."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks import (
    download,
    endtoend,
    keepassxc,
    lookalike,
    mirrorload,
    offline,
    online,
    reuse,
    scoring,
    similar,
    sites,
)
from benchmarks.common import DATA, REPO, machine

STAGES = (
    "scoring",
    "offline",
    "online",
    "endtoend",
    "reuse",
    "similar",
    "download",
    "lookalike",
    "sites",
    "mirror",
    "keepassxc",
)


def _peer_rows(data: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """The indexed reader against the best of its peers, warm and cold (benchmarks/offline.py)."""
    rows: list[tuple[str, str, str, bool | None]] = []
    for kind in ("warm", "cold"):
        side = data[kind]
        peer = side["best_peer"]
        how = f"wall time, {data['eviction']}" if kind == "cold" else "CPU time"
        rows.append(
            (
                f"offline, {data['lines']:,} lines, {kind}, indexed ({how})",
                "≥ 2× the best peer",
                (
                    f"{side['ratio_to_best_peer']}× {peer} "
                    f"({side['seconds']['indexed']} s vs {side['seconds'][peer]} s; "
                    f"search {side['search_ratio_to_best_peer']}×)"
                ),
                side["ratio_to_best_peer"] >= 2,
            )
        )
    return rows


def _keepassxc_rows(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """portal-audit against keepassxc-cli analyze --hibp, whole runs (benchmarks/keepassxc.py)."""
    data = results.get("keepassxc")
    if not data or "ratio" not in data:
        return []
    lines = data["corpus_lines"]
    what = f"keepassxc-cli analyze --hibp, {data['entries']:,} entries, {lines:,} lines"
    measured = (
        f"{data['ratio']}× ({data['portal_audit_seconds']} s vs {data['keepassxc_seconds']} s)"
    )
    return [(what, "≥ 20× its whole run", measured, data["ratio"] >= 20)]


def _site_rows(data: dict[str, Any] | None) -> list[tuple[str, str, str, bool | None]]:
    """The sites benchmark's stages, each linear in the export's entries."""
    if not data:
        return []
    return [
        (
            f"sites: {name}, {data['entries']:,} export entries",
            f"linear: {data['entries']:,}/{data['baseline_entries']:,} time ratio ≤ 15",
            f"{stage['ratio_to_baseline']}× ({stage['seconds']} s)",
            stage["ratio_to_baseline"] is not None and stage["ratio_to_baseline"] <= 15,
        )
        for name, stage in data["stages"].items()
    ]


def _targets(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(what, target, measured, met) for every target of the benchmarks that ran."""
    rows: list[tuple[str, str, str, bool | None]] = []
    rows += online.targets(results.get("online", {}))
    if runs := results.get("online", {}).get("runs"):
        first = runs[0]
        rows.append(
            (
                f"online, {first['distinct_passwords']} distinct passwords",
                "≥ 40× pwnedpasswords",
                f"{first['ratio_to_baseline']}×",
                first["ratio_to_baseline"] >= 40,
            )
        )
        for run in runs:
            rows.append(
                (
                    f"online, {run['accounts']:,} accounts",
                    "≥ 70 % of workers / 30 ms",
                    (
                        f"{run['ratio_to_limit']:.0%} "
                        f"(client CPU {run['client_cpu_ms_per_request']} ms/request)"
                    ),
                    run["ratio_to_limit"] >= 0.70,
                )
            )
            rows.append(
                (
                    f"online, {run['accounts']:,} accounts",
                    "HTTP requests ≤ distinct prefixes",
                    f"{run['http_requests']:,} ≤ {run['distinct_prefixes']:,}",
                    run["http_requests"] <= run["distinct_prefixes"],
                )
            )
    if data := results.get("offline"):
        rows += [
            (
                f"offline, {data['lines']:,} lines, warm",
                "≥ 40,000 lookups/s",
                f"{data['warm_lookups_per_second']:,}/s",
                data["warm_lookups_per_second"] >= 40_000,
            ),
            (
                "offline, 10,000 queries",
                "≥ 500× the linear pass",
                (
                    f"{data['ratio_to_linear_pass']}× "
                    f"({data['linear_pass_seconds']} s vs {data['warm_seconds']} s)"
                ),
                data["ratio_to_linear_pass"] >= 500,
            ),
            (
                "offline, cold batch of 10,000",
                "reads < 25 % of the file",
                f"{data['cold_fraction_of_file']:.1%} ({data['cold_bytes_read'] / 2**20:.0f} MiB)",
                data["cold_fraction_of_file"] < 0.25 if data["eviction_effective"] else None,
            ),
            *_peer_rows(data),
        ]
    rows += _keepassxc_rows(results)
    if data := results.get("scoring"):
        rows += [
            (
                f"scoring, {data['passwords']:,} passwords",
                "< 8 s, all cores",
                f"{data['parallel_seconds']} s, {data['cores_busy']} of {data['cores']} cores busy",
                data["parallel_seconds"] < 8,
            )
        ]
    if data := results.get("endtoend"):
        stages = data.get("stages_seconds", {})
        written = sum(v for k, v in stages.items() if k.startswith("write "))
        rows += [
            (
                (
                    f"end to end, {data['accounts']:,} accounts offline to "
                    f"{data.get('formats', 'json')}"
                ),
                "< 60 s, < 1 GiB",
                (
                    f"{data['seconds']} s, {data['peak_tree_rss_mib']} MiB (all processes; "
                    f"{data.get('peak_tree_pss_mib', '?')} MiB with shared pages counted once; "
                    f"load {data.get('load_average', ['?'])[0]}; reports written where a file "
                    f"took {data.get('create_ms_before', '?')} ms to make; "
                    f"{data.get('findings', {}).get('breached', 0):,} breached findings)"
                ),
                data["seconds"] < 60 and data["peak_tree_rss_mib"] < 1024,
            ),
            (
                f"end to end, {data['accounts']:,} accounts: where the time goes",
                "(no target)",
                (
                    f"reading {stages.get('reading', '?')} s, "
                    f"derive {stages.get('derive (lookups, zxcvbn on the workers)', '?')} s, "
                    f"report {stages.get('report (checks included)', '?')} s "
                    f"(checks {stages.get('checks', '?')} s), "
                    f"history {stages.get('history', '?')} s, "
                    f"writing {stages.get('writing (all files, wall)', written)} s wall "
                    "(two processes)"
                ),
                None,
            ),
        ]
    if data := results.get("reuse"):
        baseline = f"{data['baseline_accounts']:,}"
        for kind in ("password", "login"):
            run = data[f"one_{kind}"]
            rows += [
                (
                    f"reuse, {data['accounts']:,} accounts sharing one {kind}",
                    "audit < 10 s",
                    (
                        f"{run['audit']['seconds']} s "
                        f"({run['audit_ratio_to_baseline']}× {baseline} accounts)"
                    ),
                    run["audit"]["seconds"] < 10,
                ),
                (
                    f"reuse, {data['accounts']:,} accounts sharing one {kind}",
                    f"checks ≤ 20× {baseline} accounts' (N²: 100×)",
                    (
                        f"{run['checks_ratio_to_baseline']}× "
                        f"({run['checks_seconds']} s vs {run['baseline_checks_seconds']} s)"
                    ),
                    run["checks_ratio_to_baseline"] <= 20,
                ),
            ]
    if data := results.get("download"):
        rows.append(
            (
                f"hibp download, {data['prefixes']:,} prefixes from loopback",
                "all of them, whole",
                (
                    f"{data['seconds']} s, {data['requests_per_second']:,} requests/s "
                    f"({data['ratio_to_bare_pool']}× a bare pool of {data['workers']})"
                ),
                data["complete"] and data["prefixes"] == 16**5,
            )
        )
    if data := results.get("similar"):
        rows.append(
            (
                f"similar-password, {data['accounts']:,} accounts",
                f"check ≤ 20× {data['baseline_accounts']:,} accounts' (N²: 100×)",
                (
                    f"{data['check_ratio_to_baseline']}× "
                    f"({data['check_seconds']} s vs {data['baseline_check_seconds']} s)"
                ),
                data["check_ratio_to_baseline"] <= 20,
            )
        )
    rows += _site_rows(results.get("sites"))
    if data := results.get("lookalike"):
        rows.append(
            (
                f"lookalike-site, {data['hosts']:,} hosts",
                f"linear: {data['hosts']:,}/{data['baseline_hosts']:,} time ratio ≤ 12",
                (
                    f"{data['judge_ratio_to_baseline']}× "
                    f"({data['us_per_host']} µs a host vs {data['baseline_us_per_host']} µs)"
                ),
                data["judge_ratio_to_baseline"] <= 12,
            )
        )
    if data := results.get("mirror"):
        rows.append(
            (
                f"hibp serve, {data['clients']} clients, padded, {data['corpus_lines']:,} lines",
                f"≥ {mirrorload.TARGET:g}/s (5× {mirrorload.BEFORE:g}/s), 0 errors, no queue",
                (
                    f"{data['requests_per_second']:,}/s, p50/p95/p99 {data['latency_ms_p50']}/"
                    f"{data['latency_ms_p95']}/{data['latency_ms_p99']} ms, "
                    f"{data['errors']} errors, "
                    f"{data['answers_invalid']} invalid, {data['queue_warnings']} queue warnings, "
                    f"{data['server_peak_rss_mib']} MiB"
                ),
                data["requests_per_second"] >= mirrorload.TARGET
                and data["errors"] == 0
                and data["answers_invalid"] == 0
                and data["server_stderr_lines"] == 0,
            )
        )
    return rows


def table(results: dict[str, Any]) -> str:
    """The Markdown table the README shows."""
    lines = ["| measure | target | measured | met |", "|---|---|---|---|"]
    for what, target, measured, met in _targets(results):
        verdict = {True: "yes", False: "**no**", None: "n/a"}[met]
        lines.append(f"| {what} | {target} | {measured} | {verdict} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--only", default=",".join(STAGES), help=f"comma-separated: {', '.join(STAGES)}"
    )
    parser.add_argument("--sizes", default="500,10000,100000", help="online inventory sizes")
    parser.add_argument("--lines", type=int, default=offline.LINES, help="offline corpus lines")
    parser.add_argument("--prefixes", default="00000-FFFFF", help="download's range (FIRST-LAST)")
    parser.add_argument(
        "--accounts", type=int, default=endtoend.ACCOUNTS, help="end-to-end accounts"
    )
    parser.add_argument(
        "--out-parent",
        type=Path,
        default=DATA,
        help="where the end-to-end audit's reports are written (its disk is part of the figure)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=REPO / "benchmarks" / "results" / "latest.json",
        help="where to write",
    )
    options = parser.parse_args(argv)
    chosen = [stage.strip() for stage in options.only.split(",") if stage.strip()]
    unknown = set(chosen) - set(STAGES)
    if unknown:
        parser.error(f"unknown benchmark {', '.join(sorted(unknown))}")
    results: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
    }
    print(f"portal-auditor benchmarks on {results['machine']}", flush=True)
    if "scoring" in chosen:
        results["scoring"] = scoring.run()
    if "offline" in chosen:
        results["offline"] = offline.run(options.lines)
    if "online" in chosen:
        results["online"] = online.run([int(size) for size in options.sizes.split(",")])
    if "endtoend" in chosen:
        results["endtoend"] = endtoend.run(
            options.accounts, options.lines, out_parent=options.out_parent
        )
    if "reuse" in chosen:
        results["reuse"] = reuse.run()
    if "download" in chosen:
        results["download"] = download.run(options.prefixes)
    if "similar" in chosen:
        results["similar"] = similar.run()
    if "lookalike" in chosen:
        results["lookalike"] = lookalike.run()
    if "sites" in chosen:
        results["sites"] = sites.run()
    if "mirror" in chosen:
        results["mirror"] = mirrorload.run()
    if "keepassxc" in chosen:
        results["keepassxc"] = keepassxc.run()
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(results))
    print(f"\nwritten to {options.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
