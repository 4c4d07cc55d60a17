"""derive's wall and CPU time on a group's inventory, against an earlier commit's, in turns.

``--baseline REV`` loads that commit's ``password/`` modules that derive's preparation and
merge use (``git show``) beside the current ones, and both derive the same accounts with
``--jobs`` workers, in turns, so that the machine's load weighs on both alike. Printed per
turn: wall time, this process's CPU time (the preparation, the lookups, the facts that need
no score and the merge; the workers' scoring is not counted), and how long after derive's
start the first batch went to the workers. The two derives' facts are compared too.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import enum
import gc
import statistics
import time
import types
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from typing import Any

from benchmarks.common import DATA, modules_at

AS_OF = date(2026, 11, 22)
RUN_KEY = bytes(32)
"""Fixed, so that both derives' facts can be compared."""
_BASELINE_MODULES = ("fold", "previous", "context", "banned", "derive")
"""Loaded in this order, each importing the baseline's copies of those before it."""


def _baseline(revision: str) -> types.ModuleType:
    """``revision``'s ``auditor.password.derive``, with its own context, banned and fold."""
    modules = modules_at(revision, "auditor.password", _BASELINE_MODULES)
    # The workers unpickle what they run by its module's name: they run the current
    # module's (the scoring itself is the same, and is not what is compared).
    from auditor.password import derive as current

    modules["derive"]._score_batch = current._score_batch
    modules["derive"]._ignore_interrupts = current._ignore_interrupts
    return modules["derive"]


def _timed(module: types.ModuleType, accounts: Any, policy: Any, corpus: Any, jobs: int) -> Any:
    """Wall, CPU and first batch's delay of one derive, and its result."""
    sent: list[float] = []

    class Recording(ProcessPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            if not sent:
                sent.append(time.perf_counter())
            return super().submit(fn, *args, **kwargs)

    real = module.ProcessPoolExecutor
    module.ProcessPoolExecutor = Recording
    gc.collect()
    try:
        start, cpu = time.perf_counter(), time.process_time()
        derived = module.derive(accounts, policy, corpus, jobs=jobs, run_key=RUN_KEY)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        module.ProcessPoolExecutor = real
    return (wall, cpu, sent[0] - start if sent else float("nan")), derived


def _no_scores(batch: Any) -> list[int]:
    return [0] * len(batch)


def _plain(value: Any) -> Any:
    """``value`` with the baseline's own classes (facts, enums) replaced by their contents."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (type(value).__name__, tuple(_plain(getattr(value, f.name)) for f in fields))
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, frozenset):
        return frozenset(map(_plain, value))
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--baseline", default="cdaf294", help="a commit to compare with")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--without-scores",
        action="store_true",
        help="score nothing (every score 0, in this process): times the rest of derive alone",
    )
    arguments = parser.parse_args()

    from auditor.audit.inventory import read_inventories
    from auditor.hibp.offline import open_corpus
    from auditor.password import derive as current
    from auditor.policy import load_policy

    old = _baseline(arguments.baseline)
    if arguments.without_scores:
        for module in (old, current):
            module._score_batch = _no_scores
        arguments.jobs = 1
    current.start_workers(arguments.jobs)
    policy = load_policy(())
    path = DATA / f"inventory-{arguments.accounts}.csv"
    inventory = read_inventories([path], policy, AS_OF, skip_invalid=False)
    policy = inventory.audit_policy(policy)
    figures: dict[str, list[tuple[float, float, float]]] = {"old": [], "new": []}
    with contextlib.closing(open_corpus(DATA / "pwned-20000000.txt")) as corpus:
        for turn in range(arguments.rounds):
            results = {}
            for label, module in (("old", old), ("new", current))[:: 1 if turn % 2 == 0 else -1]:
                times, results[label] = _timed(
                    module, inventory.accounts, policy, corpus, arguments.jobs
                )
                figures[label].append(times)
                print(
                    f"{label} turn {turn}: wall {times[0]:.2f} s, CPU {times[1]:.2f} s, "
                    f"first batch after {times[2]:.3f} s",
                    flush=True,
                )
            same = [
                (a.account, _plain(a.facts)) == (b.account, _plain(b.facts))
                for a, b in zip(results["old"], results["new"], strict=True)
            ]
            print(f"  facts identical: {all(same)} ({len(same)} accounts)", flush=True)
    for index, name in enumerate(("wall", "CPU", "first batch")):
        before = statistics.median(times[index] for times in figures["old"])
        after = statistics.median(times[index] for times in figures["new"])
        print(f"{name}: old {before:.3f} s, new {after:.3f} s, {before / after:.2f}x")


if __name__ == "__main__":
    main()
