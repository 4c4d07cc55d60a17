"""Chart geometry for the HTML report: bars and markers in SVG user units, drawn by the templates.

Every bar carries its value as text and every severity its name, so a chart reads
in black and white and to a screen reader (colour is never the only signal).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

WIDTH = 640
"""Every chart's viewBox width; the SVG scales to its container."""
_LABEL = 250  # room for row labels in the age chart: 34 bold characters at 12 px
LABEL_CHARS = 34
"""Characters of a label line that fit in ``_LABEL`` at 12 px: a portal's longest name."""
_ROW = 36  # two lines of label: the portal, then the login
_COLUMN_TOP = 24
_COLUMN_HEIGHT = 150


# Bars and rows are named tuples: made for each account and column of a group's pages,
# where a frozen dataclass's ``__init__`` cost several times as much; read the same way.


class Column(NamedTuple):
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


class AgeData(NamedTuple):
    """What one row of the age chart shows, before it is placed."""

    label: str
    """The first line (the portal)."""
    detail: str
    """The second line (the login, with its owner when the login has several)."""
    age: int | None
    """Days since the password changed; None when nobody knows."""
    limit: int | None
    """The age at which it must be renewed; None without a deadline."""
    text: str
    tone: str


class AgeRow(NamedTuple):
    """One account's password age, and how old it may get."""

    label: str
    detail: str
    """Label and detail are never both the same as another row's (``distinct``)."""
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


def shortened(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def distinct(labels: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Labels shortened to fit, then numbered where two still read the same.

    Two bars with the same label cannot be told apart: the second of a pair says ``(2)``.
    """
    short = [(shortened(label), shortened(detail)) for label, detail in labels]
    seen: dict[tuple[str, str], int] = {}
    result = []
    for label, detail in short:
        seen[(label, detail)] = seen.get((label, detail), 0) + 1
        if seen[(label, detail)] > 1:
            number = f" ({seen[(label, detail)]})"
            result.append((label, shortened(detail, LABEL_CHARS - len(number)) + number))
        else:
            result.append((label, detail))
    return tuple(result)


def ages(
    title: str,
    description: str,
    data: Sequence[AgeData],
    tick_text: Callable[[int], str],
) -> AgeChart:
    """A row per account: its age against its allowed age, the axis in whole years.

    ``tick_text`` names a graduation from its number of years.

    The axis runs to the largest age or allowed age, rounded up to whole years, so
    that a row's bar passing its tick reads as "too old" at a glance.
    """
    longest = max((d for row in data for d in (row.age, row.limit) if d), default=365)
    years = -(-longest // 365)
    scale_max = years * 365
    span = WIDTH - _LABEL - 140  # room on the right for the value text ("1 068 days (max 365)")
    labels = distinct([(row.label, row.detail) for row in data])
    rows = []
    for index, (row, (label, detail)) in enumerate(zip(data, labels, strict=True)):
        rows.append(
            AgeRow(
                label=label,
                detail=detail,
                value_text=row.text,
                y=index * _ROW + 8,
                bar_width=span * (row.age or 0) / scale_max,
                limit_x=_LABEL + span * row.limit / scale_max if row.limit is not None else None,
                tone=row.tone,
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
