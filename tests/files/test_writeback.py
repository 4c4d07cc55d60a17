"""A large report (a group's summary) starts on its way to the disk as it grows, so that its
final ``fsync`` waits for its last few MiB, not for hundreds."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from auditor.files import private
from auditor.formats import CsvFormat, HtmlFormat, JsonFormat, write_reports
from auditor.report import Report

AS_OF = date(2026, 11, 22)
STEP = 4096

pytestmark = pytest.mark.skipif(
    not hasattr(os, "posix_fadvise"), reason="writeback is started through posix_fadvise"
)


class _Disk:
    """Records, per file, the ranges whose writeback was started and its size at each sync."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started: dict[int, list[tuple[int, int]]] = {}
        self.synced: dict[int, list[int]] = {}
        real_fadvise, real_fsync = os.posix_fadvise, os.fsync

        def fadvise(descriptor: int, offset: int, length: int, advice: int) -> None:
            if advice == os.POSIX_FADV_DONTNEED:
                inode = os.fstat(descriptor).st_ino
                self.started.setdefault(inode, []).append((offset, length))
            real_fadvise(descriptor, offset, length, advice)

        def fsync(descriptor: int) -> None:
            status = os.fstat(descriptor)
            self.synced.setdefault(status.st_ino, []).append(status.st_size)
            real_fsync(descriptor)

        monkeypatch.setattr(os, "posix_fadvise", fadvise)
        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(private, "WRITEBACK_BYTES", STEP, raising=False)

    def unstarted_at_sync(self, path: Path) -> int:
        """The bytes of ``path`` whose writeback had not been asked for when it was synced."""
        inode = path.stat().st_ino
        ranges = self.started.get(inode, [])
        covered = 0
        for offset, length in ranges:
            assert offset == covered  # each range follows the last: nothing skipped
            covered += length
        (size,) = self.synced[inode]
        assert size == path.stat().st_size
        return size - covered


def _pieces(count: int, size: int) -> Iterator[str]:
    for number in range(count):
        yield f"{number:08d}" + "é" * (size // 2 - 4)  # two bytes a character


def test_a_large_file_s_writeback_starts_as_it_grows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = _Disk(monkeypatch)
    with private.PrivateFolder.open(tmp_path / "out") as root:
        path = root.write("summary.json", _pieces(50, 1000))
    assert path.stat().st_size == 50 * 1000
    assert len(disk.started[path.stat().st_ino]) >= 50 * 1000 // (STEP + 1000)  # or a piece late
    assert disk.unstarted_at_sync(path) < STEP


def test_a_small_file_is_left_to_its_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    disk = _Disk(monkeypatch)
    with private.PrivateFolder.open(tmp_path / "out") as root:
        path = root.write("report.json", _pieces(3, 1000))
    assert path.stat().st_ino not in disk.started
    assert disk.unstarted_at_sync(path) == 3000


def test_a_cache_that_is_not_synced_is_left_to_the_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = _Disk(monkeypatch)
    with private.PrivateFolder.open(tmp_path / "out") as root:
        path = root.write("cache.json", _pieces(50, 1000), durable=False)
    assert path.read_text(encoding="utf-8") == "".join(_pieces(50, 1000))
    assert not disk.started
    assert not disk.synced


@pytest.fixture
def report(group_report: Callable[..., Report]) -> Report:
    return group_report(12, 3)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_summaries_reach_their_final_sync_with_little_left_to_write(
    report: Report,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    jobs: int,
) -> None:
    from auditor.formats import write

    monkeypatch.setattr(write, "PARALLEL_FROM", 1)  # the forked worker's summary.html too
    disk = _Disk(monkeypatch)
    write_reports(report, tmp_path, [JsonFormat(), HtmlFormat(), CsvFormat()], jobs=jobs)
    for name in ("summary.json", "summary.html", "summary.csv"):
        path = tmp_path / name
        if jobs == 2 and name == "summary.html":
            continue  # synced in the worker, whose calls this process does not see
        assert path.stat().st_size > 4 * STEP, name
        assert disk.unstarted_at_sync(path) < STEP, name


def test_a_file_system_that_refuses_the_hint_still_gets_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(descriptor: int, offset: int, length: int, advice: int) -> None:
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "posix_fadvise", refused)
    monkeypatch.setattr(private, "WRITEBACK_BYTES", STEP, raising=False)
    with private.PrivateFolder.open(tmp_path / "out") as root:
        path = root.write("summary.json", _pieces(50, 1000))
    assert path.read_text(encoding="utf-8") == "".join(_pieces(50, 1000))
