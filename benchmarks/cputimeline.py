"""Where a command's CPU goes over time: each thread of its process tree, read from /proc.

``python -m benchmarks.cputimeline [--every S] -- COMMAND...`` runs ``COMMAND`` and, every
``S`` seconds (0.5 by default), reads the CPU ticks of each thread of it and of its
descendants (``/proc/PID/task/TID/stat``, user and system apart) and the machine's busy
time (``/proc/stat``). It then prints one line per interval: the cores busy, the share of
system time, and the threads that used the most, as ``pid/tid:name=user+system`` ticks.
This is how the end-to-end audit was seen to keep both cores busy through derive and
writing, with one core idle while it reads and between derive and writing (README,
Performance). Reading these small files costs about a millisecond a sample, far less than
the end-to-end benchmark's own memory sampler.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import process_tree

Thread = tuple[int, int, str]
"""A thread: its process's id, its own id, and its name."""


@dataclass(frozen=True)
class Interval:
    """What one interval of the run used."""

    seconds: float
    """When it ended, from the command's start."""
    busy_cores: float
    """Cores the whole machine kept busy (all processes, this one's included)."""
    system_share: float
    """The part of that busy time spent in the kernel."""
    threads: dict[Thread, tuple[int, int]]
    """User and system ticks of each of the command's threads that ran."""


def thread_ticks(pid: int) -> dict[Thread, tuple[int, int]]:
    """User and system ticks so far of each thread of ``pid`` (none if it has ended)."""
    ticks: dict[Thread, tuple[int, int]] = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return ticks
    for task in tasks:
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks[(pid, int(task.name), name)] = (int(fields[11]), int(fields[12]))
    return ticks


def _machine() -> tuple[int, int, int]:
    """The machine's total, idle and system ticks so far (every core)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values), values[3] + values[4], values[2]


def timeline(command: Sequence[str], every: float = 0.5) -> tuple[int, list[Interval]]:
    """Run ``command`` and sample it every ``every`` seconds; its exit code and the intervals."""
    cores = os.cpu_count() or 1
    begin = time.monotonic()
    process = subprocess.Popen(command)
    seen: dict[Thread, tuple[int, int]] = {}
    machine = _machine()
    intervals: list[Interval] = []
    while True:
        ended = process.poll() is not None
        if not ended:
            time.sleep(every)
        now: dict[Thread, tuple[int, int]] = {}
        for pid in process_tree(process.pid):
            now.update(thread_ticks(pid))
        total, idle, system = _machine()
        spent = total - machine[0]
        busy = spent - (idle - machine[1])
        used = {}
        for thread, (user, kernel) in now.items():
            before = seen.get(thread, (0, 0))
            if (user, kernel) != before:
                used[thread] = (user - before[0], kernel - before[1])
        seen.update(now)
        intervals.append(
            Interval(
                round(time.monotonic() - begin, 2),
                round(cores * busy / spent, 2) if spent else 0.0,
                round((system - machine[2]) / busy, 2) if busy > 0 else 0.0,
                used,
            )
        )
        machine = (total, idle, system)
        if ended:
            return process.returncode, intervals


def _line(interval: Interval, most: int) -> str:
    ranked = sorted(interval.threads.items(), key=lambda item: -sum(item[1]))[:most]
    threads = " ".join(f"{p}/{t}:{name}={u}+{s}" for (p, t, name), (u, s) in ranked)
    return (
        f"{interval.seconds:7.2f} s  busy {interval.busy_cores:4.2f} cores, "
        f"system {interval.system_share:4.0%}  {threads}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cputimeline", description=__doc__)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--most", type=int, default=6, help="threads shown an interval")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("no command given (put it after --)")
    code, intervals = timeline(command, options.every)
    for interval in intervals:
        print(_line(interval, options.most), file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
