"""Options and value parsers that several commands share."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.cli.words import help_for, say, words
from auditor.finess import finess_fault
from auditor.formats import CsvDialect
from auditor.history import default_path
from auditor.i18n.phrase import phrase
from auditor.models import Practice

F = TypeVar("F", bound=Callable[..., Any])

AS_OF_RANGE = (date(2000, 1, 1), date(2199, 12, 31))
"""Days ``--as-of`` accepts: deadlines add up to ten years (policy limits) to dates
up to the audit day, so a day near ``date.max`` would overflow instead of auditing."""


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """``2026-11-22`` → a day within ``AS_OF_RANGE``."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(say("cli.fail.bad_date", value=repr(value)), ctx, param) from None
    if not AS_OF_RANGE[0] <= day <= AS_OF_RANGE[1]:
        first, last = (day.isoformat() for day in AS_OF_RANGE)
        outside = say("cli.fail.date_range", value=repr(value), first=first, last=last)
        raise click.BadParameter(outside, ctx, param)
    return day


def parse_practice(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> Practice | None:
    """A FINESS number → the practice it names (its name comes from the inventories)."""
    if value is None:
        return None
    if (fault := finess_fault(value.strip())) is not None:
        reason = words().text(phrase(fault.value))
        raise click.BadParameter(
            say("cli.fail.bad_practice", value=repr(value), reason=reason), ctx, param
        )
    return Practice(value.strip(), "")


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    """``90s``, ``30m``, ``12h``, ``7d`` (or bare seconds) → seconds."""
    match = _DURATION.match(value.strip().lower())
    if match is None:
        raise click.BadParameter(say("cli.fail.bad_duration", value=repr(value)), ctx, param)
    return float(match[1]) * _SECONDS[match[2]]


policy_option = click.option(
    "--policy",
    "policy_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help=help_for("help.options.policy"),
)

history_option = click.option(
    "--history",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help=help_for("help.options.history", path=str(default_path())),
)

csv_dialect_option = click.option(
    "--csv-dialect",
    # By value: click matches enum members by name, and EXCEL_FR is spelled excel-fr.
    type=click.Choice([dialect.value for dialect in CsvDialect], case_sensitive=False),
    callback=lambda ctx, param, value: CsvDialect(value.lower()),
    default=CsvDialect.STANDARD.value,
    show_default=True,
    help=help_for("help.options.csv_dialect"),
)


def gathered(
    keyword: str,
    options: Sequence[Callable[[F], F]],
    names: Sequence[str],
    build: Callable[..., object],
) -> Callable[[F], F]:
    """A decorator giving a command ``options``, passed to it as one ``keyword=build(...)``.

    ``build`` takes the values of the parameters ``names``, so a command sees
    one checked object (an audit's inputs, the SMTP settings) instead of a
    dozen loose parameters.
    """

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in names}
            return command(*args, **{keyword: build(**values)}, **kwargs)

        decorated: Any = wrapper
        for option in reversed(options):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate
