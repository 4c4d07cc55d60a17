"""Progress of the long stages (breach lookups, scoring) on stderr, or nowhere."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

Advance = Callable[[int], None]
"""Told how many more items of a stage are done."""


def no_progress(done: int) -> None:
    """An ``Advance`` that reports nowhere."""


class ProgressDisplay:
    """Shows nothing: the display for pipes, files, cron and ``--quiet``."""

    @contextlib.contextmanager
    def stage(self, description: str, total: int) -> Iterator[Advance]:
        """A stage of ``total`` items; the caller advances it as items are done."""
        yield no_progress


class BarDisplay(ProgressDisplay):
    """One rich progress bar per stage on ``console`` (stderr), removed when the audit ends.

    Descriptions are fixed texts and counts: nothing from the inventory is shown.
    """

    def __init__(self, console: Console) -> None:
        self._bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )

    def __enter__(self) -> BarDisplay:
        self._bars.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._bars.stop()

    @contextlib.contextmanager
    def stage(self, description: str, total: int) -> Iterator[Advance]:
        task = self._bars.add_task(description, total=total)

        def advance(done: int) -> None:
            self._bars.advance(task, done)

        try:
            yield advance
        finally:
            self._bars.update(task, completed=total)
