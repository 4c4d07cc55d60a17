"""How the default --hibp-workers is chosen from the scaling benchmark (benchmarks/online.py)."""

from __future__ import annotations

import statistics
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.online import WORKERS, Count, choose_workers, paired_ratio, targets
from benchmarks.rangeserver import LatencyServer


def _count(workers: int, *rates: float, errors: int = 0, connections: int | None = None) -> Count:
    return Count(
        workers=workers,
        rates=rates,
        errors=errors,
        connections=workers if connections is None else connections,
    )


def test_a_count_whose_best_round_reaches_the_fastests_worst_ties_and_the_fewer_connections_win() -> (
    None
):
    # 64 has the best median, but 32's best round (905) reaches 64's worst (900).
    fast = {"30": [_count(16, 470, 480, 490), _count(32, 850, 880, 905), _count(64, 900, 910, 930)]}
    decision = choose_workers(fast)
    assert decision.fastest == {"30": 64}
    assert decision.tied == {"30": (32, 64)}
    assert decision.default == 32


def test_a_count_whose_best_round_falls_short_of_the_fastests_worst_does_not_tie() -> None:
    decision = choose_workers({"30": [_count(32, 850, 880, 899), _count(64, 900, 910, 930)]})
    assert decision.tied == {"30": (64,)}
    assert decision.default == 64


def test_the_default_must_tie_with_the_fastest_at_every_latency() -> None:
    decision = choose_workers(
        {
            "30": [_count(32, 880, 900, 910), _count(64, 890, 900, 905)],
            # At 60 ms, 32 workers are capped at 533/s: 64 alone is as fast as the fastest.
            "60": [_count(32, 520, 525, 530), _count(64, 880, 900, 910)],
        }
    )
    assert decision.tied == {"30": (32, 64), "60": (64,)}
    assert decision.default == 64


def test_a_count_with_an_error_or_more_connections_than_workers_is_not_well_behaved() -> None:
    decision = choose_workers(
        {
            "30": [
                _count(32, 880, 890, 900),
                _count(64, 950, 960, 970, errors=1),
                _count(128, 950, 960, 970, connections=130),
            ]
        }
    )
    assert decision.behaved == (32,)
    assert decision.fastest == {"30": 32}
    assert decision.default == 32


def test_when_no_count_is_as_fast_as_the_fastest_everywhere_the_most_latencies_win() -> None:
    # As on 2026-12-01 (run d): 64 alone at 30 ms, 128 alone at 60 ms; 32 at neither.
    decision = choose_workers(
        {
            "30": [
                _count(32, 835, 886, 903),
                _count(64, 969, 1035, 1084),
                _count(128, 930, 932, 966),
            ],
            "60": [
                _count(32, 458, 470, 477),
                _count(64, 870, 871, 898),
                _count(128, 937, 974, 1072),
            ],
        }
    )
    assert decision.tied == {"30": (64,), "60": (128,)}
    assert decision.default == 64
    assert decision.as_json()["default"] == 64


def test_a_count_as_fast_as_the_fastest_at_more_latencies_wins_over_fewer_connections() -> None:
    decision = choose_workers(
        {
            "30": [_count(32, 900, 910, 920), _count(64, 700, 710, 720)],
            "60": [_count(32, 500, 510, 520), _count(64, 900, 910, 920)],
            "90": [_count(32, 300, 310, 320), _count(64, 600, 610, 620)],
        }
    )
    assert decision.default == 64


def test_the_client_is_compared_with_the_bare_pool_round_by_round() -> None:
    # Round 2 ran while the machine was busy: both sides slowed, their ratio did not.
    client = [
        {"round": n, "requests_per_second": rate} for n, rate in ((1, 900), (2, 600), (3, 880))
    ]
    bare = [{"round": n, "requests_per_second": rate} for n, rate in ((1, 950), (2, 630), (3, 900))]
    assert paired_ratio(client, bare) == round(
        statistics.median([900 / 950, 600 / 630, 880 / 900]), 3
    )


def _scaling_row(workers: int, ratio: float) -> dict[str, object]:
    side = {"median": 900.0, "min": 890.0, "max": 910.0, "cpu_ms_per_request": 1.0}
    return {
        "workers": workers,
        "client": {**side, "errors": 0, "connections": workers},
        "bare": side,
        "ratio": ratio,
    }


def test_the_table_holds_only_64_workers_to_the_issues_ten_per_cent_and_states_the_rule() -> None:
    latencies: list[dict[str, Any]] = [
        {"delay_ms": delay, "rows": [_scaling_row(32, 0.5), _scaling_row(64, 0.95)]}
        for delay in (30, 60)
    ]
    by_what = _rows(latencies, default=WORKERS + 1)
    (thirty_two,) = [row for what, row in by_what.items() if "32 workers" in what]
    (sixty_four,) = [row for what, row in by_what.items() if "64 workers" in what]
    assert thirty_two[2] is None and "no target" in thirty_two[0]
    assert sixty_four[2] is True and "issue 17" in sixty_four[0]
    assert "0.5×" in thirty_two[1] and "30 ms" in thirty_two[1] and "60 ms" in thirty_two[1]
    (default,) = [row for what, row in by_what.items() if "default" in what]
    assert "fewest connections" in default[0]
    assert default[2] is False  # the client's default is not the rule's outcome
    agreed = _rows(latencies, default=WORKERS)
    assert [met for what, (_, _, met) in agreed.items() if "default" in what] == [True]


def _rows(latencies: list[dict[str, Any]], default: int) -> dict[str, tuple[str, str, bool | None]]:
    decision = {"default": default, "tied": {"30": [32, 64], "60": [32, 64]}, "fastest": {}}
    rows = targets({"scaling": {"latencies": latencies, "decision": decision}})
    return {what: (target, measured, met) for what, target, measured, met in rows}


def test_the_latency_server_waits_the_delay_it_is_given(tmp_path: Path) -> None:
    empty = tmp_path / "none.txt"
    empty.write_text("")
    with LatencyServer(empty, delay=0.2) as server:
        start = time.perf_counter()
        with urllib.request.urlopen(f"{server.url}/range/00000", timeout=10) as answer:
            body = answer.read()
        seconds = time.perf_counter() - start
    assert len(body.split(b"\r\n")) >= 800
    # 0.2 s, and twice as much again for the handshake's two round trips on a new connection.
    assert 0.6 <= seconds < 1.5
