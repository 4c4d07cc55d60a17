"""Fixtures of the pipeline's tests: the collector's passes, counted, and where it paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture
def eager_collector() -> Iterator[list[int]]:
    """The collector's passes, counted, with thresholds that make it run at every allocation."""
    passes: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    thresholds = gc.get_threshold()
    gc.set_threshold(1, 1, 1)
    gc.callbacks.append(count)
    try:
        yield passes
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*thresholds)


@pytest.fixture
def pause_marks(eager_collector: list[int], monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The passes counted each time the collector is turned off, then on again."""
    marks: list[int] = []
    enable, disable = gc.enable, gc.disable

    def enabled() -> None:
        marks.append(len(eager_collector))
        enable()

    def disabled() -> None:
        disable()
        marks.append(len(eager_collector))

    monkeypatch.setattr(gc, "enable", enabled)
    monkeypatch.setattr(gc, "disable", disabled)
    return marks
