"""A stopped scoring ends within a bound, whatever state its worker processes are in."""

from __future__ import annotations

import os
import random
import signal
import string
import threading
import time
from multiprocessing import forkserver
from pathlib import Path

import pytest

from auditor.password import derive as derive_module
from tests.processes import alive, children

pytestmark = pytest.mark.skipif(
    "forkserver" not in derive_module.multiprocessing.get_all_start_methods()
    or not Path("/proc/self/stat").exists(),
    reason="finds the forkserver's workers through /proc",
)

ENDS_WITHIN = 10.0
"""Seconds a stopped scoring may take to end: its batches are 0.2 s at most, so this
is only ever reached by a wait that would never end."""


@pytest.fixture
def server() -> int:
    """The forkserver's pid, started as the audit starts it."""
    derive_module.start_workers(2)
    return forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]


def _scoring(
    items: list[tuple[str, tuple[str, ...]]], stop: threading.Event
) -> tuple[threading.Thread, list[BaseException | None]]:
    """Score ``items`` on two workers in a thread; its outcome (error or None) comes in the list."""
    outcome: list[BaseException | None] = []

    def score() -> None:
        try:
            derive_module._score_all(items, 2, stop=stop)
        except BaseException as exc:  # noqa: BLE001 - the outcome is what is checked
            outcome.append(exc)
        else:
            outcome.append(None)

    scoring = threading.Thread(target=score, daemon=True)
    scoring.start()
    return scoring, outcome


def test_a_stop_ends_scoring_even_when_a_worker_neither_works_nor_dies(server: int) -> None:
    # One worker killed (as a SIGTERM to the process group does), the other frozen
    # (a worker that did not get the signal, or cannot act on it): the pool's own
    # shutdown waits for that second one for ever, and the audit never exits.
    rng = random.Random(17)
    items = [("".join(rng.choices(string.ascii_letters, k=14)), ()) for _ in range(20_000)]
    before = set(children(server))
    stop = threading.Event()
    scoring, ended = _scoring(items, stop)
    deadline = time.monotonic() + ENDS_WITHIN
    while len(workers := sorted(set(children(server)) - before)) < 2:
        assert time.monotonic() < deadline, "the two workers did not start"
        time.sleep(0.01)
    frozen, killed = workers
    os.kill(frozen, signal.SIGSTOP)
    try:
        os.kill(killed, signal.SIGKILL)
        stop.set()
        scoring.join(ENDS_WITHIN)
        assert not scoring.is_alive(), "scoring did not end after the stop"
        assert len(ended) == 1 and isinstance(ended[0], derive_module.ScoringStopped), ended
        deadline = time.monotonic() + ENDS_WITHIN
        while alive(frozen) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not alive(frozen), "a worker outlived the stopped scoring"
    finally:
        if alive(frozen):  # on failure: free the hung pool so that the session can end
            os.kill(frozen, signal.SIGKILL)
            os.kill(frozen, signal.SIGCONT)
        scoring.join(ENDS_WITHIN)


def test_a_worker_killed_while_scoring_is_a_clear_error_not_a_crash(server: int) -> None:
    # The system's OOM killer, or an administrator: no stop was asked, so the
    # scores are missing and the audit must say so in one line, not as "a bug".
    rng = random.Random(19)
    items = [("".join(rng.choices(string.ascii_letters, k=14)), ()) for _ in range(20_000)]
    before = set(children(server))
    scoring, outcome = _scoring(items, threading.Event())
    deadline = time.monotonic() + ENDS_WITHIN
    while not (workers := sorted(set(children(server)) - before)):
        assert time.monotonic() < deadline, "no worker started"
        time.sleep(0.01)
    os.kill(workers[0], signal.SIGKILL)
    scoring.join(ENDS_WITHIN)
    assert not scoring.is_alive(), "scoring did not end after its worker was killed"
    assert len(outcome) == 1 and isinstance(outcome[0], derive_module.ScoringError), outcome
    message = str(outcome[0])
    assert "scoring the passwords ended" in message and "--jobs 1" in message
    assert not any(alive(pid) for pid in set(children(server)) - before)
