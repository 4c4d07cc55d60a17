"""The range client's CPU per request with its session's adapter against a stock one, alternating.

``python -m benchmarks.onlinecpu [ROUNDS]``: each round runs both sides on the same
loopback server (5 ms a request, 8 workers, 1,500 prefixes), the side that goes
first alternating; process CPU (user + system) per request, the median of each side.
"""

from __future__ import annotations

import random
import resource
import statistics
import sys

from requests.adapters import HTTPAdapter

from auditor.hibp import Clean, RangeApiClient, make_session
from benchmarks.common import DATA
from benchmarks.rangeserver import LatencyServer

PREFIXES = 1_500
WORKERS = 8
DELAY = 0.005
"""Short, so that a round lasts a second or two and CPU, not waiting, is what it shows."""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(rounds: int) -> dict[str, list[float]]:
    """CPU milliseconds per request of each side, one figure a round."""
    DATA.mkdir(parents=True, exist_ok=True)
    empty = DATA / "breached-none.txt"
    empty.write_text("")
    rng = random.Random(1)
    figures: dict[str, list[float]] = {"stock": [], "session": []}
    with LatencyServer(empty, delay=DELAY) as server:
        for number in range(rounds):
            for side in ("stock", "session") if number % 2 == 0 else ("session", "stock"):
                session = make_session(WORKERS, base_url=server.url)
                if side == "stock":
                    stock = HTTPAdapter(pool_connections=4, pool_maxsize=WORKERS, max_retries=0)
                    session.mount("http://", stock)
                hashes = [f"{n:05X}" + "0" * 35 for n in rng.sample(range(16**5), PREFIXES)]
                with RangeApiClient(session, base_url=server.url, workers=WORKERS) as client:
                    before = _cpu()
                    results = client.check(hashes)
                    figures[side].append(round((_cpu() - before) / PREFIXES * 1000, 3))
                if set(results.values()) != {Clean()}:
                    raise RuntimeError("the server's answers were not all clean")
    return figures


def main(argv: list[str]) -> int:
    figures = run(int(argv[0]) if argv else 8)
    for side, values in figures.items():
        print(f"{side}: median {statistics.median(values):.3f} ms CPU/request, rounds {values}")
    ratio = statistics.median(figures["session"]) / statistics.median(figures["stock"])
    paired = statistics.median(
        new / old for new, old in zip(figures["session"], figures["stock"], strict=True)
    )
    print(f"session/stock: {ratio:.3f} (medians), {paired:.3f} (median of each round's)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
