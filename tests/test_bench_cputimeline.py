"""The CPU timeline tool: a command's threads' ticks, attributed to the thread that spent them."""

from __future__ import annotations

import os
import sys

import pytest

from benchmarks import cputimeline

# The main thread waits while another thread spins for 0.6 s, then the child forks a
# grandchild that spins for 0.3 s: both must be seen, each in its own thread.
_BUSY = """
import os, threading, time
def spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
worker = threading.Thread(target=spin, args=(0.6,), name="spinner")
worker.start()
worker.join()
child = os.fork()
if child == 0:
    spin(0.3)
    os._exit(0)
os.waitpid(child, 0)
"""


def test_the_ticks_go_to_the_thread_and_the_grandchild_that_spent_them():
    code, intervals = cputimeline.timeline([sys.executable, "-c", _BUSY], every=0.05)
    assert code == 0
    spent: dict[tuple[int, bool], int] = {}  # (process, its main thread?) -> ticks
    for interval in intervals:
        for (pid, tid, _), (user, system) in interval.threads.items():
            spent[(pid, pid == tid)] = spent.get((pid, pid == tid), 0) + user + system
    tick = 1 / os.sysconf("SC_CLK_TCK")
    child, grandchild = sorted({pid for pid, _ in spent})
    # The child's spinning thread spent about 0.6 s, its main thread (which waited) little.
    assert spent[(child, False)] * tick > 0.3
    assert spent.get((child, True), 0) < spent[(child, False)]
    # The grandchild, forked from the main thread, spun in its own main thread.
    assert spent[(grandchild, True)] * tick > 0.1


def test_a_command_that_fails_gives_its_exit_code():
    code, intervals = cputimeline.timeline([sys.executable, "-c", "raise SystemExit(3)"], 0.05)
    assert code == 3
    assert intervals  # the last look, after it ended


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        cputimeline.main([])
    assert exited.value.code == 2
    assert "no command given" in capsys.readouterr().err
