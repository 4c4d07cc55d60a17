"""The lookalike-site judge on 100,000 distinct hosts, against 10,000: linear, not quadratic."""

from __future__ import annotations

import collections
import gc
import json
import random
import time
from typing import Any

from auditor.policy import Portal, load_policy
from auditor.policy.lookalike import SiteJudge

HOSTS = 100_000
BASELINE = 10_000
"""A tenth of the hosts: linear work takes about 10× as long for 10× the hosts."""
LOOKALIKE_SHARE = 0.3
"""Lookalikes among the hosts, spread over the four kinds; the rest are ordinary sites."""
_REPEATS = 3
"""Best of a few runs: the machine is shared."""
_SEED = 16
_WORDS = (
    "pharmacie", "optique", "mutuelle", "banque", "boutique", "journal", "voyages", "mairie",
    "cuisine", "jardin", "auto", "immo", "sport", "musique", "ecole", "sante", "mail", "shop",
)  # fmt: skip
_SUFFIXES = ("fr", "com", "net", "org", "eu", "io", "co.uk", "gouv.fr", "de", "be")
_LABELS = ("viamedis", "almerys", "santeclair", "carteblanchepartenaires", "ameli", "kalixia")
_CYRILLIC = str.maketrans({"a": "\u0430", "e": "\u0435", "i": "\u0456", "o": "\u043e"})
_FREE = ("wixsite.com", "000webhostapp.com", "netlify.app", "github.io", "weebly.com")


def _honest(rng: random.Random, index: int) -> str:
    first, second = rng.choice(_WORDS), rng.choice(_WORDS)
    shape = index % 3
    if shape == 0:
        return f"{first}{index:06d}.{rng.choice(_SUFFIXES)}"
    if shape == 1:
        return f"www.{first}-{second}{index:06d}.{rng.choice(_SUFFIXES)}"
    return f"{first}.{second}{index:06d}.{rng.choice(_SUFFIXES)}"


def _lookalike(rng: random.Random, index: int) -> str:
    label = rng.choice(_LABELS)
    kind = index % 4
    if kind == 0:  # an edit: a letter changed, or the label under another suffix
        where = rng.randrange(len(label))
        edited = label[:where] + rng.choice("lmnrs") + label[where + 1 :]
        return f"{edited}.{rng.choice(_SUFFIXES)}" if index % 8 else f"{label}.info"
    if kind == 1:  # confusable: Cyrillic letters drawn as Latin ones
        return f"login{index:06d}.{label.translate(_CYRILLIC)}.{rng.choice(_SUFFIXES)}"
    if kind == 2:  # embedded: the portal's word among others
        return f"{label}-{rng.choice(_WORDS)}{index:06d}.{rng.choice(_SUFFIXES)}"
    return f"{label}-{index:06d}.{rng.choice(_FREE)}"  # free hosting


def hosts(count: int) -> list[str]:
    """``count`` distinct hosts, the same for every run: ordinary sites and lookalikes."""
    rng = random.Random(_SEED)
    made = []
    for index in range(count):
        if rng.random() < LOOKALIKE_SHARE:
            made.append(_lookalike(rng, index))
        else:
            made.append(_honest(rng, index))
    return made


def _judge_once(portals: tuple[Portal, ...], generated: list[str]) -> tuple[float, list[str]]:
    """CPU seconds to judge ``generated`` with a fresh judge (no verdict kept from another run).

    CPU time, not wall time: on a machine shared with other work, the wall clock counts the
    time other processes hold the cores, which weighs on a short run and a long one unevenly.
    """
    judge = SiteJudge(portals)  # built outside the timing
    gc.collect()
    begin = time.process_time()
    verdicts = [judge.imitation(host) for host in generated]
    seconds = time.process_time() - begin
    return seconds, ["none" if found is None else found.kind.value for found in verdicts]


def _judge_seconds(count: int, baseline: int) -> tuple[float, float, collections.Counter[str]]:
    """Best times for ``count`` and ``baseline`` hosts, runs interleaved so that the machine's
    other work weighs on both alike, and the verdicts on ``count`` hosts."""
    portals = load_policy(()).portals
    large_hosts, small_hosts = hosts(count), hosts(baseline)
    large = small = float("inf")
    kinds: list[str] = []
    for _ in range(_REPEATS):
        small = min(small, _judge_once(portals, small_hosts)[0])
        seconds, kinds = _judge_once(portals, large_hosts)
        large = min(large, seconds)
    return large, small, collections.Counter(kinds)


def _build_seconds() -> float:
    """Building a judge for the built-in portals (the data files are read once per process)."""
    portals = load_policy(()).portals
    SiteJudge(portals)  # the first one also reads the Public Suffix List and confusables
    begin = time.perf_counter()
    SiteJudge(portals)
    return time.perf_counter() - begin


def run(count: int = HOSTS, baseline: int = BASELINE) -> dict[str, Any]:
    """Judging ``count`` hosts, and the ratio to ``baseline`` hosts."""
    large, small, found = _judge_seconds(count, baseline)
    result = {
        "hosts": count,
        "baseline_hosts": baseline,
        "judge_seconds": round(large, 3),
        "baseline_judge_seconds": round(small, 4),
        "us_per_host": round(large / count * 1e6, 1),
        "baseline_us_per_host": round(small / baseline * 1e6, 1),
        "judge_ratio_to_baseline": round(large / small, 1),
        "build_seconds": round(_build_seconds(), 4),
        "verdicts": dict(sorted(found.items())),
    }
    print(
        f"  lookalike sites on {count:,} hosts: {large:.3f} s, {result['us_per_host']} µs a host "
        f"({result['judge_ratio_to_baseline']}× {baseline:,} hosts), verdicts {result['verdicts']}",
        flush=True,
    )
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
