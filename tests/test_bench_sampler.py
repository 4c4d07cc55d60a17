"""The benchmarks' memory sampler: it sees a run's workers, and reads the costly proportional
sizes only when asked, every ``PSS_EVERY``-th sample."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from benchmarks import common

# A child that forks a grandchild; the grandchild holds 64 MiB of its own, then both wait,
# the grandchild only as long as its parent lives.
_TREE = """
import os, time
parent = os.getpid()
if os.fork() == 0:
    held = bytearray(64 << 20)
    for at in range(0, len(held), 4096):
        held[at] = 1
    print("ready", flush=True)
    for _ in range(200):
        if os.getppid() != parent:
            break
        time.sleep(0.1)
    os._exit(0)
time.sleep(20)
"""


@pytest.fixture
def tree():
    process = subprocess.Popen([sys.executable, "-c", _TREE], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def test_the_sampler_counts_the_grandchild_and_reads_pss_only_now_and_then(tree, monkeypatch):
    read = []
    real = common._proportional

    def counted(pid: int) -> int:
        read.append(pid)
        return real(pid)

    monkeypatch.setattr(common, "_proportional", counted)
    sampler = common.Sampler(tree.pid, pss=True)
    samples = common.PSS_EVERY * 2
    for _ in range(samples):
        sampler.once()
    assert sampler.count == 2  # the child and its grandchild
    assert sampler.tree >= 64 << 20
    assert sampler.process >= 64 << 20
    assert 0 < sampler.pss <= sampler.tree
    # Two sums of proportional sizes (samples 0 and PSS_EVERY), of both processes each.
    assert len(read) == 2 * 2


def test_a_process_that_ends_between_scans_is_no_error(tree):
    sampler = common.Sampler(tree.pid)
    sampler.once()
    tree.kill()
    tree.wait(timeout=10)
    time.sleep(0.1)
    before = sampler.tree
    sampler.once()  # reads the known family's files: the child's are gone
    assert sampler.tree == before


def test_without_pss_the_sampler_never_reads_smaps(tree, monkeypatch):
    monkeypatch.setattr(common, "_proportional", lambda pid: pytest.fail("smaps read"))
    sampler = common.Sampler(tree.pid)
    for _ in range(common.PSS_EVERY + 1):
        sampler.once()
    assert sampler.tree >= 64 << 20
    assert sampler.pss == 0
