"""Chart geometry for the HTML report: bars and markers in SVG user units, drawn by the templates.

Every bar carries its value as text and every severity its name, so a chart reads
in black and white and to a screen reader (colour is never the only signal).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 640
"""Every chart's viewBox width; the SVG scales to its container."""
_LABEL = 190  # room for row labels in the age chart
_ROW = 22
_COLUMN_TOP = 24
_COLUMN_HEIGHT = 150


@dataclass(frozen=True)
class Column:
    """One vertical bar: a count for a category."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    tone: str
    """CSS class: a severity, ``below`` or ``meets``; each has a fill *and* a pattern."""


@dataclass(frozen=True)
class ColumnChart:
    """Counts per category (findings by severity, passwords by strength score)."""

    title: str
    description: str
    columns: tuple[Column, ...]
    height: float
    baseline: float
    marker_x: float | None = None
    """A dashed vertical line (the policy's minimum score), with ``marker_label``."""
    marker_label: str = ""


@dataclass(frozen=True)
class AgeRow:
    """One account's password age, and how old it may get."""

    label: str
    value_text: str
    y: float
    bar_width: float
    """0 when the change date is unknown."""
    limit_x: float | None
    """Where the renewal deadline falls on the age axis; None without one."""
    tone: str


@dataclass(frozen=True)
class AgeChart:
    """Password age per account against its renewal deadline."""

    title: str
    description: str
    rows: tuple[AgeRow, ...]
    height: float
    label_width: float
    ticks: tuple[tuple[float, str], ...]
    """Positions and texts of the axis graduations."""


def columns(
    title: str,
    description: str,
    data: Sequence[tuple[str, int, str]],
    *,
    marker_before: int | None = None,
    marker_label: str = "",
) -> ColumnChart:
    """Bars of (label, value, tone), scaled to the largest; a marker before one bar if asked."""
    slot = WIDTH / max(len(data), 1)
    top = max((value for _, value, _ in data), default=0) or 1
    baseline = _COLUMN_TOP + _COLUMN_HEIGHT
    bars = []
    for index, (label, value, tone) in enumerate(data):
        height = _COLUMN_HEIGHT * value / top
        bars.append(
            Column(
                label=label,
                value=value,
                x=index * slot + slot * 0.2,
                y=baseline - height,
                width=slot * 0.6,
                height=height,
                tone=tone,
            )
        )
    return ColumnChart(
        title=title,
        description=description,
        columns=tuple(bars),
        height=baseline + 40,
        baseline=baseline,
        marker_x=marker_before * slot if marker_before is not None else None,
        marker_label=marker_label,
    )


def ages(
    title: str,
    description: str,
    data: Sequence[tuple[str, int | None, int | None, str, str]],
    tick_text: Callable[[int], str],
) -> AgeChart:
    """Rows of (label, age in days or None, allowed age or None, value text, tone).

    ``tick_text`` names a graduation from its number of years.

    The axis runs to the largest age or allowed age, rounded up to whole years, so
    that a row's bar passing its tick reads as "too old" at a glance.
    """
    longest = max((d for _, age, limit, _, _ in data for d in (age, limit) if d), default=365)
    years = -(-longest // 365)
    scale_max = years * 365
    span = WIDTH - _LABEL - 150  # room on the right for the value text
    rows = []
    for index, (label, age, limit, text, tone) in enumerate(data):
        rows.append(
            AgeRow(
                label=label,
                value_text=text,
                y=index * _ROW + 8,
                bar_width=span * (age or 0) / scale_max,
                limit_x=_LABEL + span * limit / scale_max if limit is not None else None,
                tone=tone,
            )
        )
    step = max(1, -(-years // 6))  # at most about six graduations
    ticks = tuple(
        (_LABEL + span * year / years, tick_text(year)) for year in range(0, years + 1, step)
    )
    return AgeChart(
        title=title,
        description=description,
        rows=tuple(rows),
        height=len(rows) * _ROW + 40,
        label_width=_LABEL,
        ticks=ticks,
    )
