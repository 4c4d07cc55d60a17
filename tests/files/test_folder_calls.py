"""``--out``: a practice's folder costs the system calls it needs, and no more: a folder this
run has just made is not searched for what an earlier run left in it."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.files import private
from auditor.formats import CsvFormat, JsonFormat, write_reports
from auditor.report import Report

AS_OF = date(2026, 11, 22)


@pytest.fixture
def report(group_report: Callable[..., Report]) -> Report:
    return group_report(5, 2)


def _listings(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    listed: list[Any] = []
    real = os.listdir

    def listdir(path: Any = ".") -> list[str]:
        listed.append(path)
        return real(path)

    monkeypatch.setattr(os, "listdir", listdir)
    return listed


def test_a_folder_just_made_is_not_listed_and_one_found_is(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = _listings(monkeypatch)
    write_reports(report, tmp_path / "out", [JsonFormat(), CsvFormat()], jobs=1)
    assert len(listed) == 1  # DIR itself, which the user may have used before
    listed.clear()
    write_reports(report, tmp_path / "out", [JsonFormat(), CsvFormat()], jobs=1)
    assert len(listed) == 1 + len(report.practices)  # each may hold a killed run's files


def test_a_folder_just_made_is_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with private.PrivateFolder.open(tmp_path / "out") as root, root.folder("750056780") as sub:
            sub.write("report.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out" / "750056780").stat().st_mode) == 0o700
