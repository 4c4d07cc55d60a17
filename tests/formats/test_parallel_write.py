"""``--out`` for a large group: a second process writes a share of the practices, and what
is written, and how a failure ends, is what one process would have done."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.files import private
from auditor.formats import (
    CsvDialect,
    CsvFormat,
    FormatError,
    HtmlFormat,
    JsonFormat,
    MarkdownFormat,
    write,
    write_reports,
)
from auditor.models import Account, Practice
from auditor.report import Report

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="a second process is forked")

AS_OF = date(2026, 11, 22)
PRACTICES = 12


@pytest.fixture
def report(make_account: Callable[..., Account], audit_of: Callable[..., Report]) -> Report:
    practices = [Practice(f"6900345{n:02d}", f"Optique {n}") for n in range(PRACTICES)]
    accounts = tuple(
        make_account(
            practice=p,
            username=f"u{n}",
            owner=f"Personne {n % 5}",
            password=("soleil", "Lumiere2024", "Zq8!vK2#pL9@wM4x")[n % 3],
        )
        for n, p in enumerate(practices * (1 + PRACTICES // 4))
    )
    return audit_of(accounts)


@pytest.fixture
def pace(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """Seconds each process waits before each practice it takes: by default this one is
    slower, so that the worker surely reaches the practices at the end first."""
    paces = {"parent": 0.01, "worker": 0.0}
    parent = os.getpid()
    real = Report.for_practice

    def paced(self: Report, practice: Any) -> Report:
        time.sleep(paces["parent" if os.getpid() == parent else "worker"])
        return real(self, practice)

    monkeypatch.setattr(Report, "for_practice", paced)
    return paces


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch, pace: dict[str, float]) -> list[int]:
    """The group is large enough for a second process; the pids forked are listed."""
    monkeypatch.setattr(write, "PARALLEL_FROM", 2)
    forked: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return forked


def _formatters() -> list[Any]:
    return [JsonFormat(), HtmlFormat(), CsvFormat(CsvDialect.EXCEL_FR), MarkdownFormat()]


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _reaped(pids: list[int]) -> bool:
    """Every worker has ended and been waited for: none is left running or a zombie."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def test_two_processes_write_the_same_bytes_as_one(
    report: Report, tmp_path: Path, forks: list[int]
) -> None:
    alone = write_reports(report, tmp_path / "one", _formatters(), jobs=1)
    assert forks == []
    shared = write_reports(report, tmp_path / "two", _formatters(), jobs=2)
    assert len(forks) == 1
    assert _digests(tmp_path / "one") == _digests(tmp_path / "two")
    assert [p.relative_to(tmp_path / "two") for p in shared] == [
        p.relative_to(tmp_path / "one") for p in alone
    ]
    assert len(_digests(tmp_path / "two")) == 4 * (PRACTICES + 1)  # no part file left
    assert _reaped(forks)


def test_a_worker_s_failure_is_the_same_error_and_leaves_no_temporary_file(
    report: Report, tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    last = report.practices[-1].practice.id  # the worker's share starts from the end
    real = private.PrivateFolder.write

    def full(folder: Any, name: str, text: Any, **kwargs: Any) -> Path:
        if folder.path.name == last and name == "report.html":
            assert os.getpid() != parent  # the worker fails, not this process
            raise OSError(28, "No space left on device", str(folder.path / name))
        return real(folder, name, text, **kwargs)

    monkeypatch.setattr(private.PrivateFolder, "write", full)
    with pytest.raises(FormatError) as raised:
        write_reports(report, tmp_path, _formatters(), jobs=2)
    assert len(forks) == 1
    assert str(raised.value) == (
        f"{tmp_path / last / 'report.html'}: cannot write report: No space left on device"
    )
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert not list(tmp_path.glob("summary.*"))
    assert _reaped(forks)


def test_a_symlink_planted_in_the_worker_s_share_is_refused_as_by_one_process(
    report: Report, tmp_path: Path, forks: list[int]
) -> None:
    last = report.practices[-1].practice.id
    messages = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        out.mkdir()
        (out / last).symlink_to(tmp_path)
        with pytest.raises(FormatError) as raised:
            write_reports(report, out, _formatters(), jobs=jobs)
        messages.append(str(raised.value).replace(str(out), "OUT"))
        assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
        assert not list(out.glob("summary.*"))
    assert len(forks) == 1
    assert messages[0] == messages[1]
    assert "symbolic link" in messages[1]
    assert _reaped(forks)


def test_an_interruption_in_the_parent_stops_the_worker_and_cleans_up(
    report: Report, tmp_path: Path, forks: list[int], pace: dict[str, float]
) -> None:
    parent = os.getpid()
    pace.update(parent=0.0, worker=0.05)  # this process surely writes a few practices

    class Interrupted(CsvFormat):
        calls = 0

        def chunks(self, report: Report) -> Iterator[str]:
            if os.getpid() == parent:
                Interrupted.calls += 1
                if Interrupted.calls == 2:
                    raise KeyboardInterrupt
            return super().chunks(report)

    with pytest.raises(KeyboardInterrupt):
        write_reports(report, tmp_path, [JsonFormat(), Interrupted()], jobs=2)
    assert len(forks) == 1
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert not list(tmp_path.glob("summary.*"))
    assert _reaped(forks)
    assert threading.active_count() == 1


def test_an_interruption_in_the_worker_interrupts_the_parent(
    report: Report, tmp_path: Path, forks: list[int]
) -> None:
    parent = os.getpid()

    class Interrupted(CsvFormat):
        def chunks(self, report: Report) -> Iterator[str]:
            if os.getpid() != parent:
                raise KeyboardInterrupt  # Ctrl-C reaches the worker too
            return super().chunks(report)

    with pytest.raises(KeyboardInterrupt):
        write_reports(report, tmp_path, [JsonFormat(), Interrupted()], jobs=2)
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert _reaped(forks)


def test_a_worker_killed_outright_is_a_clear_error(
    report: Report, tmp_path: Path, forks: list[int]
) -> None:
    parent = os.getpid()

    class Killed(CsvFormat):
        def chunks(self, report: Report) -> Iterator[str]:
            if os.getpid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)  # the kernel's OOM killer, say
            return super().chunks(report)

    with pytest.raises(FormatError, match="ended before its share was written"):
        write_reports(report, tmp_path, [JsonFormat(), Killed()], jobs=2)
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert not list(tmp_path.glob("summary.*"))
    assert _reaped(forks)


def test_no_worker_is_forked_while_other_threads_run(
    report: Report, tmp_path: Path, forks: list[int]
) -> None:
    """A thread holding a lock at the fork would leave it locked forever in the worker."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        write_reports(report, tmp_path, _formatters(), jobs=2)
    finally:
        stop.set()
        other.join()
    assert forks == []
    assert len(_digests(tmp_path)) == 4 * (PRACTICES + 1)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a second process needs two cores")
def test_the_cli_says_a_worker_s_failure_in_one_line_with_exit_2(
    run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path, forks: list[int]
) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir(mode=0o700)
    elsewhere.mkdir()
    last = "750056780"  # the example's last practice: the worker's first
    (out / last).symlink_to(elsewhere)
    code, _, err = run_cli(
        "audit",
        "examples/inventaire.csv",
        "--no-breach-check",
        "--no-history",
        "--as-of",
        "2026-11-22",
        "--format",
        "json,csv",
        "--out",
        str(out),
    )
    assert len(forks) == 1
    assert code == 2, err
    assert err.strip().splitlines() == [
        f"portal-audit: error: {out / last}: is a symbolic link; refusing to write through it"
    ]
    assert list(elsewhere.iterdir()) == []
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert _reaped(forks)
