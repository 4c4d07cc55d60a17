"""What ``portal-audit hibp download`` shows: a bar with rate and time left, then a summary."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from auditor.cli.words import line, say
from auditor.hibp.download import FIRST_MISSING, Downloaded
from auditor.progress import Advance, no_progress


class _RateColumn(ProgressColumn):
    """Prefixes per second, as rich measures them over its last 30 seconds."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else str(say("download.rate", rate=round(speed))))


@contextlib.contextmanager
def download_bar(quiet: bool, total: int) -> Iterator[Advance]:
    """A bar on stderr while a person watches it; nothing for pipes, cron and ``--quiet``."""
    if quiet or not sys.stderr.isatty():
        yield no_progress
        return
    bars = Progress(
        TextColumn(str(say("download.progress"))),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bars:
        task = bars.add_task("download", total=total)

        def advance(done: int) -> None:
            bars.advance(task, done)

        yield advance


def summary(dest: str, result: Downloaded) -> list[str]:
    """The lines that end a download: what it did, then what is missing, if anything."""
    rate = round(result.requests / result.seconds) if result.seconds > 0 else result.requests
    lines = [
        line(
            "download.done",
            path=dest,
            n=result.asked,
            fetched=result.fetched,
            unchanged=result.unchanged,
            kept=result.kept,
            requests=result.requests,
            seconds=f"{result.seconds:.1f}",
            rate=rate,
        )
    ]
    for key, prefixes in (("download.missing", result.missing), ("download.stale", result.stale)):
        if prefixes:
            first = ", ".join(prefixes[:FIRST_MISSING]) + (
                ", …" if len(prefixes) > FIRST_MISSING else ""
            )
            lines.append(line(key, n=len(prefixes), asked=result.asked, first=first))
    if result.first_problem is not None and not result.complete:
        lines.append(line("download.first_problem", reason=result.first_problem))
    return lines
