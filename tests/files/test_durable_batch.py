"""``--out``: each report is on disk before it takes its name, and the waits for the disk are
made by a few threads while the main one renders the next file."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.files import private
from auditor.formats import CsvFormat, FormatError, HtmlFormat, JsonFormat, write_reports
from auditor.report import Report

AS_OF = date(2026, 11, 22)


@pytest.fixture
def report(group_report: Callable[..., Report]) -> Report:
    return group_report(4, 2)


def _formatters() -> list[Any]:
    return [JsonFormat(), HtmlFormat(), CsvFormat()]


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_each_file_is_synced_before_it_is_renamed_and_not_by_the_main_thread(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, int, bool]] = []
    real_fsync, real_rename = os.fsync, os.rename
    lock = threading.Lock()

    def fsync(descriptor: int) -> None:
        with lock:
            events.append(
                (
                    "fsync",
                    os.fstat(descriptor).st_ino,
                    threading.current_thread() is threading.main_thread(),
                )
            )
        real_fsync(descriptor)

    def rename(source: Any, target: Any, **kwargs: Any) -> None:
        inode = os.stat(source, dir_fd=kwargs.get("src_dir_fd")).st_ino
        with lock:
            events.append(("rename", inode, threading.current_thread() is threading.main_thread()))
        real_rename(source, target, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    written = write_reports(report, tmp_path, _formatters())
    renamed = [inode for kind, inode, _ in events if kind == "rename"]
    assert len(renamed) == len(written) == len(set(renamed))
    for inode in renamed:
        mine = [kind for kind, seen, _ in events if seen == inode]
        assert mine == ["fsync", "rename"]  # on disk first, then under its name
    practice_files = {(tmp_path / p).stat().st_ino for p in _files(tmp_path) if "/" in p}
    assert len(practice_files) == 3 * len(report.practices)
    in_main = {inode for kind, inode, main in events if main and kind == "fsync"}
    assert not in_main & practice_files  # the main thread renders; others wait for the disk


def test_a_failed_sync_is_named_by_its_report_and_leaves_no_temporary_file(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    target = tmp_path / report.practices[2].practice.id

    def fsync(descriptor: int) -> None:
        if str(Path(f"/proc/self/fd/{descriptor}").readlink()).startswith(
            f"{target}/.report.html."
        ):
            raise OSError(5, "Input/output error")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(FormatError) as raised:
        write_reports(report, tmp_path, _formatters())
    assert str(raised.value) == f"{target}/report.html: cannot write report: Input/output error"
    assert not [p for p in _files(tmp_path) if p.endswith(".tmp")]
    assert not (target / "report.html").exists()


def test_an_interruption_while_files_wait_for_the_disk_leaves_no_temporary_file(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    slow = threading.Event()

    def fsync(descriptor: int) -> None:
        slow.wait(0.05)  # a slow disk: files queue up behind it
        real_fsync(descriptor)

    class Interrupted(CsvFormat):
        calls = 0

        def chunks(self, report: Report) -> Iterator[str]:
            Interrupted.calls += 1
            if Interrupted.calls == 3:
                raise KeyboardInterrupt
            return super().chunks(report)

    monkeypatch.setattr(os, "fsync", fsync)
    opened = sum(1 for _ in Path("/proc/self/fd").iterdir())
    with pytest.raises(KeyboardInterrupt):
        write_reports(report, tmp_path, [JsonFormat(), Interrupted()])
    assert not [p for p in _files(tmp_path) if p.endswith(".tmp")]
    assert sum(1 for _ in Path("/proc/self/fd").iterdir()) == opened  # no descriptor left open
    assert threading.active_count() == 1


def _write_one(root: private.PrivateFolder, *, batched: bool) -> None:
    if not batched:
        root.write("report.json", "{}")
        return
    with private.DurableBatch.open() as batch:
        root.write("report.json", "{}", batch=batch)


@pytest.mark.parametrize("batched", [False, True])
def test_a_ctrl_c_raised_as_the_temporary_file_is_created_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batched: bool
) -> None:
    """A signal that arrives during ``open()`` is raised as it returns, before its result
    is kept: the temporary file is removed by its name."""
    real_open = os.open
    opened: list[int] = []

    def interrupted(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        opened.append(real_open(path, flags, *args, **kwargs))
        raise KeyboardInterrupt

    with private.PrivateFolder.open(tmp_path / "out") as root:
        monkeypatch.setattr(os, "open", interrupted)
        with pytest.raises(KeyboardInterrupt):
            _write_one(root, batched=batched)
        monkeypatch.undo()
    for descriptor in opened:
        os.close(descriptor)
    assert _files(tmp_path) == []


def test_a_ctrl_c_before_the_batch_is_given_the_open_file_closes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal between ``open()`` and the job taking the descriptor: nothing stays open."""

    raised: list[int] = []

    def interrupted(job: Any, name: str, value: Any) -> None:
        if name == "descriptor" and value >= 0 and not raised:
            raised.append(value)  # once, as a signal is
            raise KeyboardInterrupt
        object.__setattr__(job, name, value)

    def descriptors() -> set[str]:
        return {entry.name for entry in Path("/proc/self/fd").iterdir()}

    with private.PrivateFolder.open(tmp_path / "out") as root:
        before = descriptors()
        monkeypatch.setattr(private._Job, "__setattr__", interrupted)
        with pytest.raises(KeyboardInterrupt):
            _write_one(root, batched=True)
        monkeypatch.undo()
        assert descriptors() <= before
    assert _files(tmp_path) == []


def test_a_ctrl_c_just_after_a_file_is_handed_over_leaves_it_whole_or_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = private._Job.hand_over

    def interrupted(job: Any) -> None:
        real(job)
        raise KeyboardInterrupt

    monkeypatch.setattr(private._Job, "hand_over", interrupted)
    opened = sum(1 for _ in Path("/proc/self/fd").iterdir())
    with private.PrivateFolder.open(tmp_path / "out") as root:
        for _ in range(20):
            with pytest.raises(KeyboardInterrupt), private.DurableBatch.open() as batch:
                root.write("report.json", "{}", batch=batch)
            assert [p for p in _files(tmp_path) if p.endswith(".tmp")] == []
            found = tmp_path / "out" / "report.json"
            assert not found.exists() or found.read_text(encoding="utf-8") == "{}"
    assert sum(1 for _ in Path("/proc/self/fd").iterdir()) == opened
