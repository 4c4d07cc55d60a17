"""``--out``: the summaries of JSON and CSV are written from the practices' own sections."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
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
    jsonfmt,
    write_reports,
)
from auditor.models import Practice
from auditor.report import Report

AS_OF = date(2026, 11, 22)


@pytest.fixture
def report(group_report: Callable[..., Report]) -> Report:
    return group_report(3, 3, [Practice(f"69003456{n}", f"Optique {n}") for n in (6, 7, 8)])


def _formatters() -> list[Any]:
    return [JsonFormat(), HtmlFormat(), CsvFormat(CsvDialect.EXCEL_FR)]


def test_each_practice_is_encoded_once_for_its_file_and_the_summary(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: Counter[str] = Counter()
    real = jsonfmt._practice

    def counted(practice: Any, *args: Any) -> Any:
        encoded[practice.practice.id] += 1
        return real(practice, *args)

    monkeypatch.setattr(jsonfmt, "_practice", counted)
    write_reports(report, tmp_path, _formatters())
    assert encoded == {p.practice.id: 1 for p in report.practices}


def test_the_files_are_the_formats_renderings(report: Report, tmp_path: Path) -> None:
    write_reports(report, tmp_path, _formatters())
    for formatter in (JsonFormat(), CsvFormat(CsvDialect.EXCEL_FR)):
        summary = tmp_path / f"summary.{formatter.extension}"
        assert summary.read_bytes().decode() == formatter.render(report)
        for practice in report.practices:
            own = tmp_path / practice.practice.id / f"report.{formatter.extension}"
            assert own.read_bytes().decode() == formatter.render(report.for_practice(practice))
    assert (tmp_path / "summary.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # one BOM
    assert (tmp_path / "summary.csv").read_bytes().count(b"\xef\xbb\xbf") == 1


def test_a_failure_halfway_leaves_no_summary_and_no_temporary_file(
    report: Report, tmp_path: Path
) -> None:
    bad = replace(report.practices[1], practice=Practice("../x", "Nowhere"))
    broken = replace(report, practices=(report.practices[0], bad, report.practices[2]))
    with pytest.raises(FormatError):
        write_reports(broken, tmp_path, _formatters())
    left = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["report.csv", "report.html", "report.json"]  # the first practice's


def test_a_summary_that_cannot_be_written_fails_the_run(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = private.PrivateFolder.write

    def write(folder: Any, name: str, text: Any, **kwargs: Any) -> Path:
        if name == "summary.json":
            for _ in text:  # a disk that fills up while the summary is written
                raise OSError(28, "No space left on device", name)
        return real(folder, name, text, **kwargs)

    monkeypatch.setattr(private.PrivateFolder, "write", write)
    with pytest.raises(FormatError, match="No space left"):
        write_reports(report, tmp_path, _formatters())
    assert not list(tmp_path.rglob("*.tmp"))
    assert not (tmp_path / "summary.json").exists()


def test_the_report_is_frozen_for_the_collector_while_it_is_written(
    report: Report, tmp_path: Path
) -> None:
    """Full collections skip the report's objects while it is written, and only then."""
    seen: list[int] = []

    class Watching(CsvFormat):
        def head(self, report: Report) -> str:
            seen.append(gc.get_freeze_count())
            return super().head(report)

    write_reports(report, tmp_path, [Watching()])
    assert seen and min(seen) > 0
    assert gc.get_freeze_count() == 0
