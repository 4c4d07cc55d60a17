"""A group's whole audit: 100,000 accounts to JSON, HTML and CSV with ``--out``, timed per stage.

One child process runs ``portal-audit audit INVENTORY --hibp-offline CORPUS --out DIR --format
json,html,csv`` in-process (``auditor.cli.main``), with a timer wrapped around each stage of the
pipeline and around each file written (a large group's forked worker reports the times of its
share, shown as parallel stages); this process samples the memory of that child and of its
workers every 50 ms, as resident size and as proportional size (pages shared counted once).
The child's history goes to a fresh folder, so every run records a first run, as a group's
first audit does. The corpus is the offline benchmark's, with one distinct password of the
inventory in ten added to it (``BREACHED_SHARE``), so that breached accounts are found, put
into words and written as in a real group's audit.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.hibp.index import index_path
from auditor.hibp.offline import build_index
from benchmarks.common import DATA, REPO, SAMPLE_SECONDS, Sampler
from benchmarks.data import shared_fraction, write_inventory
from benchmarks.offline import LINES, generate

ACCOUNTS = 100_000
FORMATS = "json,html,csv"
AS_OF = "2026-11-22"
ALONGSIDE = "(in parallel) "
"""Stages of other threads than the main one, or of the worker process that writes a share
of a large group's files: their time is not part of the sum."""
WRITING = "writing (all files, wall)"
"""``write_reports`` as a whole; the ``write <kind>`` stages inside it are this process's
share of its files (a large group's other share is the worker's), not part of the sum."""
WORKER_CLOCKS = "PORTAL_AUDIT_BENCH_WORKER_CLOCKS"
"""The folder where a forked worker leaves its stage times, for the child to add up."""
BREACHED_SHARE = 0.10
"""The share of the inventory's distinct passwords written into the corpus: the online
benchmark's (``benchmarks/online.py``). Its common words with a year and a symbol are the
kind the real corpus lists; the generated corpus lists none of them by itself."""
_BREACHED_COUNTS = (b"1", b"3", b"17", b"240", b"9811", b"1204733")


def audit_arguments(inventory: Path, corpus: Path, out: Path, jobs: int | None) -> list[str]:
    """The measured command line, after ``portal-audit``."""
    arguments = ["audit", str(inventory), "--hibp-offline", str(corpus), "--out", str(out)]
    arguments += ["--format", FORMATS, "--quiet", "--as-of", AS_OF]
    return arguments + (["--jobs", str(jobs)] if jobs else [])


# --- the child: the CLI in-process, each stage timed -----------------------------------


_CLOCK_LOCK = threading.Lock()


@dataclass
class _Clock:
    """Seconds spent in each stage, and in writing each kind of file."""

    seconds: dict[str, float]
    files: dict[str, int]

    def timed(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with _CLOCK_LOCK:  # the threads that wait for the disk add up too
                    self.seconds[stage] += time.perf_counter() - begin

        return wrapper


def _instrument(clock: _Clock) -> None:
    """Wrap the pipeline's stages where ``audit/pipeline.py`` looks them up, and file writing.

    Writing a report file consumes its formatter's chunks, so a file's time is its format's
    rendering and its writing (encoding; the ``fsync`` is timed apart, by the threads
    that wait for the disk) together.
    """
    from auditor.audit import pipeline
    from auditor.history import History

    for name, stage in (
        ("load_policy", "policy"),
        ("read_inventories", "reading"),
        ("derive", "derive (lookups, zxcvbn on the workers)"),
        ("run_checks", "checks"),
        ("build_report", "report (checks included)"),
    ):
        if hasattr(pipeline, name):  # the pipeline may be rearranged: time what is there
            setattr(pipeline, name, clock.timed(stage, getattr(pipeline, name)))
    History.record = clock.timed("history", History.record)  # type: ignore[method-assign]
    _instrument_writing(clock)


def _instrument_writing(clock: _Clock) -> None:
    """Time ``write_reports``, each file written, the waits for the disk, and the worker's share.

    The worker is forked with this process's clock: what it adds there is written to a file
    of ``WORKER_CLOCKS`` as it ends, and added here by ``_worker_clocks``.
    """
    from auditor.cli import audit
    from auditor.files import private
    from auditor.formats import write as writing

    audit.write_reports = clock.timed(WRITING, audit.write_reports)  # type: ignore[attr-defined]
    write = private.PrivateFolder.write

    def timed_write(folder: Any, name: str, text: Any, **kwargs: Any) -> Path:
        kind = ("summary." if name.startswith("summary.") else "") + name.rsplit(".", 1)[-1]
        clock.files[kind] += 1
        # A summary written by a thread of its own, alongside the practices' files: its
        # time overlaps theirs, and is not added to the main thread's.
        alongside = threading.current_thread() is not threading.main_thread()
        stage = f"{ALONGSIDE}write {kind}" if alongside else f"write {kind}"
        written: Path = clock.timed(stage, write)(folder, name, text, **kwargs)
        return written

    private.PrivateFolder.write = timed_write  # type: ignore[method-assign,assignment]
    if hasattr(private.PrivateFolder, "prepare"):  # a summary the worker renders
        prepare = private.PrivateFolder.prepare

        def timed_prepare(folder: Any, name: str, text: Any) -> Any:
            kind = "summary." + name.rsplit(".", 1)[-1]
            clock.files[kind] += 1
            return clock.timed(f"write {kind}", prepare)(folder, name, text)

        private.PrivateFolder.prepare = timed_prepare  # type: ignore[method-assign,assignment]
    job = getattr(private, "_Job", None)
    if job is not None:  # a batch's file synced and renamed by one of its threads
        job._finish = clock.timed(
            f"{ALONGSIDE}fsync and rename of files (thread-seconds)", job._finish
        )
    share = getattr(writing, "_Share", None)
    if share is not None:  # the forked worker's share of a large group
        work = share.work

        def timed_work(self: Any, *args: Any) -> None:
            clock.seconds.clear()
            clock.files.clear()
            try:
                clock.timed("share", work)(self, *args)
            finally:
                folder = Path(os.environ[WORKER_CLOCKS])
                figures = {"seconds": clock.seconds, "files": clock.files}
                (folder / f"{os.getpid()}.json").write_text(json.dumps(figures))

        share.work = timed_work


def _worker_clocks(clock: _Clock) -> None:
    """Add the stage times the workers left: as parallel stages, and their files counted."""
    for path in sorted(Path(os.environ[WORKER_CLOCKS]).glob("*.json")):
        figures = json.loads(path.read_text())
        for stage, seconds in figures["seconds"].items():
            named = stage.removeprefix(ALONGSIDE)
            clock.seconds[f"{ALONGSIDE}worker: {named}"] += seconds
        for kind, count in figures["files"].items():
            clock.files[kind] += count


def child(arguments: list[str]) -> dict[str, Any]:
    """Run the audit in this process; its exit code, stage times and memory, as JSON-ready data."""
    clock = _Clock(defaultdict(float), defaultdict(int))
    begin = time.perf_counter()
    from auditor.cli import main

    clock.seconds["imports"] = time.perf_counter() - begin
    _instrument(clock)
    code = 0
    with tempfile.TemporaryDirectory() as clocks:
        os.environ[WORKER_CLOCKS] = clocks
        try:
            main(arguments)
        except SystemExit as exited:
            code = int(exited.code or 0)
        total = time.perf_counter() - begin
        _worker_clocks(clock)
    named = sum(
        seconds
        for stage, seconds in clock.seconds.items()
        if stage not in ("checks", "imports") and not stage.startswith((ALONGSIDE, "write "))
    )
    return {
        "exit_code": code,
        "seconds": total,
        "stages": {**clock.seconds, "other": total - named - clock.seconds["imports"]},
        "files": clock.files,
        "maxrss_self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "maxrss_children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }


# --- the parent: memory sampled, figures gathered ----------------------------------------


@dataclass(frozen=True)
class Measured:
    """The child's own figures and what sampling saw of its process tree."""

    wall_seconds: float
    report: dict[str, Any]
    peak_tree_rss: int
    """Highest sum of resident memory of the audit and its workers at one sample."""
    peak_process_rss: int
    """Highest resident memory of any one of them."""
    peak_tree_pss: int
    """Highest sum of their proportional resident memory (shared pages counted once), at
    every ``PSS_EVERY``-th sample."""
    most_processes: int
    sampler_cpu_seconds: float
    """What sampling cost this process (CPU the audit could not have)."""


def measure(arguments: list[str], env: dict[str, str]) -> Measured:
    """Run the child on ``arguments`` and sample its tree's memory until it ends."""
    command = [sys.executable, "-m", "benchmarks.endtoend", "--child", "--", *arguments]
    begin = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    sampler = Sampler(process.pid, pss=True)
    done = threading.Event()
    cpu = [0.0]

    def sample() -> None:
        begun = time.thread_time()
        while not done.is_set():
            sampler.once()
            done.wait(SAMPLE_SECONDS)
        cpu[0] = time.thread_time() - begun

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - begin
    done.set()
    thread.join()
    if process.returncode != 0:
        raise RuntimeError(f"the benchmark's child failed: {stderr[-2000:]}")
    report = json.loads(stdout.splitlines()[-1])
    if report["exit_code"] not in (0, 1):
        raise RuntimeError(f"the audit failed ({report['exit_code']}): {stderr[-2000:]}")
    return Measured(wall, report, sampler.tree, sampler.process, sampler.pss, sampler.count, cpu[0])


def _load() -> float:
    return os.getloadavg()[0]


PROBE_FILES = 300
"""Files made to measure what creating one costs in the reports' folder, before the run."""


def create_cost(folder: Path) -> float:
    """Milliseconds of wall time to make a folder's file, measured on ``PROBE_FILES`` in ``folder``.

    Creating files is most of the system time of writing 15,000 reports, and what it
    costs depends on the place on this machine's ext4 (no journal): near inodes freed in
    the last minutes each create steps over them. The figure lets a reader tell a slow
    disk from a slow program. The probe's files are left until ``folder`` is removed.
    """
    folder.mkdir(parents=True)
    begin = time.perf_counter()
    for number in range(PROBE_FILES):
        made = folder / f"{number:04d}"
        made.mkdir()
        os.close(os.open(made / "report.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return (time.perf_counter() - begin) * 1000 / (2 * PROBE_FILES)


def breached_corpus(corpus: Path, passwords: list[str], share: float = BREACHED_SHARE) -> Path:
    """``corpus`` with the SHA-1 of ``share`` of ``passwords``' distinct values added, indexed.

    Written once beside it (its name says what was added), merged line by line into the
    sorted corpus so that it stays sorted, then indexed as ``portal-audit hibp index`` does.
    """
    if share <= 0:
        return corpus
    hashes = sorted(hashlib.sha1(p.encode()).hexdigest().upper() for p in set(passwords))
    chosen = sorted(random.Random(1).sample(hashes, round(len(hashes) * share)))
    tag = hashlib.sha256("".join(chosen).encode()).hexdigest()[:12]
    merged = corpus.with_name(f"{corpus.stem}-breached-{len(chosen)}-{tag}.txt")
    if not merged.exists():
        added = [
            digest.encode() + b":" + _BREACHED_COUNTS[n % len(_BREACHED_COUNTS)] + b"\r\n"
            for n, digest in enumerate(chosen)
        ]
        partial = merged.with_name(f".{merged.name}.{os.getpid()}.tmp")
        with corpus.open("rb") as source, partial.open("wb") as out:
            pending = iter(added)
            upcoming = next(pending, None)
            for line in source:
                while upcoming is not None and upcoming[:40] < line[:40]:
                    out.write(upcoming)
                    upcoming = next(pending, None)
                out.write(line)
            while upcoming is not None:
                out.write(upcoming)
                upcoming = next(pending, None)
        partial.replace(merged)
    if not index_path(merged).exists():
        build_index(merged)
    return merged


def _findings_by_check(summary: Path) -> dict[str, int]:
    """How many rows of each check the run's summary CSV holds (``not-checked`` rows too)."""
    if not summary.exists():
        return {}
    counts: Counter[str] = Counter()
    with summary.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            counts[row["check"] or row["status"]] += 1
    return dict(sorted(counts.items()))


def run(
    accounts: int = ACCOUNTS,
    lines: int = LINES,
    jobs: int | None = None,
    *,
    keep: bool = False,
    out_parent: Path = DATA,
    breached_share: float = BREACHED_SHARE,
) -> dict[str, Any]:
    """The whole audit's wall time, peak memory for all processes, and the time of each stage."""
    inventory = DATA / f"inventory-{accounts}.csv"
    passwords = write_inventory(inventory, accounts)
    corpus = breached_corpus(generate(lines)[0], passwords, breached_share)
    out = out_parent / f"endtoend-{accounts}"
    # An earlier run's reports are moved aside and deleted only once this run is measured:
    # this machine's ext4 has no journal, and there a file made near inodes freed in the
    # last minute or more steps over each of them (``recently_deleted``), so deleting
    # 20,000 files just before would make each file of the run ten times dearer to create.
    earlier = out.with_name(f".{out.name}.earlier-{os.getpid()}")
    if out.exists():
        out.rename(earlier)
    probe = out.with_name(f".{out.name}.probe-{os.getpid()}")
    create_ms = create_cost(probe)
    load_before = _load()
    with tempfile.TemporaryDirectory() as history:
        env = {**os.environ, "XDG_DATA_HOME": history}
        measured = measure(audit_arguments(inventory, corpus, out, jobs), env)
    written = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    findings = _findings_by_check(out / "summary.csv")
    shutil.rmtree(earlier, ignore_errors=True)
    shutil.rmtree(probe, ignore_errors=True)
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    report = measured.report
    result = {
        "accounts": accounts,
        "practices": accounts // 20,
        "distinct_passwords": len(set(passwords)),
        "shared_fraction": round(shared_fraction(passwords), 3),
        "corpus_lines": lines,
        "breached_share": breached_share,
        "findings": findings,
        "formats": FORMATS,
        "seconds": round(measured.wall_seconds, 1),
        "stages_seconds": {k: round(v, 2) for k, v in sorted(report["stages"].items())},
        "files": report["files"],
        "written_mib": round(written / 2**20),
        "out": str(out),
        "create_ms_before": round(create_ms, 3),
        "peak_tree_rss_mib": round(measured.peak_tree_rss / 2**20),
        "peak_process_rss_mib": round(measured.peak_process_rss / 2**20),
        "peak_tree_pss_mib": round(measured.peak_tree_pss / 2**20),
        "processes": measured.most_processes,
        "sampler_cpu_seconds": round(measured.sampler_cpu_seconds, 2),
        "maxrss_main_mib": round(report["maxrss_self_kib"] / 1024),
        "maxrss_children_mib": round(report["maxrss_children_kib"] / 1024),
        "load_average": [round(load_before, 2), round(_load(), 2)],
        "exit_code": report["exit_code"],
    }
    print(
        f"  end to end {accounts:,} accounts offline to {FORMATS}: {result['seconds']} s, "
        f"{result['peak_tree_rss_mib']} MiB for all processes "
        f"({result['peak_tree_pss_mib']} MiB with shared pages counted once, "
        f"{result['peak_process_rss_mib']} MiB for the largest), load {load_before:.2f}, "
        f"{result['sampler_cpu_seconds']} s of CPU to sample them; "
        f"in {out.parent}, where a file took {create_ms:.3f} ms to make just before",
        flush=True,
    )
    for stage, seconds in result["stages_seconds"].items():
        print(f"    {stage:<42} {seconds:7.2f} s", flush=True)
    found = ", ".join(f"{check} {count:,}" for check, count in findings.items())
    print(f"    rows of the summary CSV: {found}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.endtoend", description=__doc__)
    parser.add_argument("--accounts", type=int, default=ACCOUNTS)
    parser.add_argument("--lines", type=int, default=LINES, help="offline corpus lines")
    parser.add_argument("--jobs", type=int, help="scoring workers (default: every core)")
    parser.add_argument("--keep", action="store_true", help="keep the reports written")
    parser.add_argument(
        "--breached-share",
        type=float,
        default=BREACHED_SHARE,
        help="share of the distinct passwords added to the corpus (0: the generated corpus)",
    )
    parser.add_argument(
        "--out-parent", type=Path, default=DATA, help="where the reports' folder is made"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("arguments", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        print(json.dumps(child(options.arguments)))
        return 0
    result = run(
        options.accounts,
        options.lines,
        options.jobs,
        keep=options.keep,
        out_parent=options.out_parent,
        breached_share=options.breached_share,
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
