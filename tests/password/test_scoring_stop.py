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

pytestmark = pytest.mark.skipif(
    "forkserver" not in derive_module.multiprocessing.get_all_start_methods()
    or not Path("/proc/self/stat").exists(),
    reason="finds the forkserver's workers through /proc",
)

ENDS_WITHIN = 10.0
"""Seconds a stopped scoring may take to end: its batches are 0.2 s at most, so this
is only ever reached by a wait that would never end."""


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def server() -> int:
    """The forkserver's pid, started as the audit starts it."""
    derive_module.start_workers(2)
    return forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]


def test_a_stop_ends_scoring_even_when_a_worker_neither_works_nor_dies(server: int) -> None:
    # One worker killed (as a SIGTERM to the process group does), the other frozen
    # (a worker that did not get the signal, or cannot act on it): the pool's own
    # shutdown waits for that second one for ever, and the audit never exits.
    rng = random.Random(17)
    items = [("".join(rng.choices(string.ascii_letters, k=14)), ()) for _ in range(20_000)]
    before = _children(server)
    stop = threading.Event()
    ended: list[BaseException | None] = []

    def score() -> None:
        try:
            derive_module._score_all(items, 2, stop=stop)
        except BaseException as exc:  # noqa: BLE001 - the outcome is what is checked
            ended.append(exc)
        else:
            ended.append(None)

    scoring = threading.Thread(target=score, daemon=True)
    scoring.start()
    deadline = time.monotonic() + ENDS_WITHIN
    while len(workers := sorted(_children(server) - before)) < 2:
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
        while _alive(frozen) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not _alive(frozen), "a worker outlived the stopped scoring"
    finally:
        if _alive(frozen):  # on failure: free the hung pool so that the session can end
            os.kill(frozen, signal.SIGKILL)
            os.kill(frozen, signal.SIGCONT)
        scoring.join(ENDS_WITHIN)


def test_a_worker_killed_while_scoring_is_a_clear_error_not_a_crash(server: int) -> None:
    # The system's OOM killer, or an administrator: no stop was asked, so the
    # scores are missing and the audit must say so in one line, not as "a bug".
    rng = random.Random(19)
    items = [("".join(rng.choices(string.ascii_letters, k=14)), ()) for _ in range(20_000)]
    before = _children(server)
    outcome: list[BaseException | None] = []

    def score() -> None:
        try:
            derive_module._score_all(items, 2)
        except BaseException as exc:  # noqa: BLE001 - the outcome is what is checked
            outcome.append(exc)
        else:
            outcome.append(None)

    scoring = threading.Thread(target=score, daemon=True)
    scoring.start()
    deadline = time.monotonic() + ENDS_WITHIN
    while not (workers := sorted(_children(server) - before)):
        assert time.monotonic() < deadline, "no worker started"
        time.sleep(0.01)
    os.kill(workers[0], signal.SIGKILL)
    scoring.join(ENDS_WITHIN)
    assert not scoring.is_alive(), "scoring did not end after its worker was killed"
    assert len(outcome) == 1 and isinstance(outcome[0], derive_module.ScoringError), outcome
    message = str(outcome[0])
    assert "scoring the passwords ended" in message and "--jobs 1" in message
    assert not any(_alive(pid) for pid in _children(server) - before)
