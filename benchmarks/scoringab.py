"""The CPU of zxcvbn's score per password, an earlier commit's guessing.py against this one's.

``python -m benchmarks.scoringab --against REV [--passwords N] [--rounds R]`` loads
``auditor/password/guessing.py`` as it was at ``REV`` beside the current one, and scores
the same N distinct passwords of the benchmark inventory with each in turn, alternating
(the machine is shared: only a ratio measured in one process means anything). Every
round must give the same scores with both.
"""

from __future__ import annotations

import argparse
import csv
import gc
import importlib.util
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.common import DATA, git_show
from benchmarks.data import inventory_file

ACCOUNTS = 100_000
"""The audit's inventory, whose distinct passwords are the ones a real run scores."""
CONTEXT = ["pharmacie", "du", "marche", "750056780", "jdupont", "jeanne", "dupont", "viamedis"]


def _earlier(revision: str, folder: Path) -> ModuleType:
    """guessing.py as it was at ``revision``, loaded as a module of its own."""
    text = git_show(revision, "auditor/password/guessing.py")
    path = folder / "guessing_earlier.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("guessing_earlier", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load guessing.py of {revision}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _passwords(count: int) -> list[str]:
    from auditor.password.strength import ZXCVBN_MAX_LENGTH

    distinct: dict[str, None] = {}
    with inventory_file(DATA, ACCOUNTS).open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["password"]:
                distinct.setdefault(row["password"][:ZXCVBN_MAX_LENGTH], None)
            if len(distinct) >= count:
                break
    return list(distinct)


def run(revision: str, count: int, rounds: int) -> dict[str, Any]:
    """Seconds of CPU (best and total) of each version, and their ratios."""
    from zxcvbn import matching

    from auditor.password import guessing
    from auditor.password.strength import _ensure_french_dictionary

    _ensure_french_dictionary()
    zxcvbn_own = {name: value for name, value in vars(matching).items() if callable(value)}
    passwords = _passwords(count)
    with tempfile.TemporaryDirectory() as folder:
        earlier = _earlier(revision, Path(folder))

        def timed(module: ModuleType) -> tuple[float, list[int]]:
            # Each version installs its own matchers over zxcvbn's, from zxcvbn's own.
            for name, value in zxcvbn_own.items():
                setattr(matching, name, value)
            earlier._installed = guessing._installed = False  # type: ignore[attr-defined]
            module.prepare(matching.RANKED_DICTIONARIES)
            score: Callable[[str, dict[str, Any]], int] = module.score
            user = matching.build_ranked_dict([word.lower() for word in CONTEXT])
            gc.collect()
            begin = time.process_time()
            scores = [
                score(password, {**matching.RANKED_DICTIONARIES, "user_inputs": user})
                for password in passwords
            ]
            return time.process_time() - begin, scores

        seconds: dict[str, list[float]] = {"earlier": [], "current": []}
        expected: list[int] | None = None
        for turn in range(rounds):
            order = [("earlier", earlier), ("current", guessing)]
            for name, module in order if turn % 2 == 0 else order[::-1]:
                spent, scores = timed(module)
                expected = expected or scores
                if scores != expected:
                    raise RuntimeError(f"the {name} scores differ in round {turn}")
                seconds[name].append(spent)
                print(f"  round {turn} {name}: {spent:.3f} s", flush=True)
    best = {name: min(values) for name, values in seconds.items()}
    total = {name: sum(values) for name, values in seconds.items()}
    return {
        "against": revision,
        "passwords": len(passwords),
        "rounds": rounds,
        "best_seconds": best,
        "total_seconds": total,
        "ms_per_password": {name: best[name] / len(passwords) * 1000 for name in best},
        "ratio_best": best["earlier"] / best["current"],
        "ratio_total": total["earlier"] / total["current"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scoringab", description=__doc__)
    parser.add_argument("--against", required=True, help="the commit to compare with")
    parser.add_argument("--passwords", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=4)
    options = parser.parse_args(argv)
    result = run(options.against, options.passwords, options.rounds)
    per = result["ms_per_password"]
    print(
        f"{result['passwords']:,} passwords, {result['rounds']} rounds: best "
        f"{result['best_seconds']['earlier']:.3f} s ({per['earlier']:.3f} ms each) at "
        f"{options.against}, {result['best_seconds']['current']:.3f} s ({per['current']:.3f} ms) "
        f"now: {result['ratio_best']:.2f}x; totals {result['total_seconds']['earlier']:.2f}/"
        f"{result['total_seconds']['current']:.2f} s, {result['ratio_total']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
