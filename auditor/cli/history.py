"""``portal-audit history``: the runs recorded, and each practice's trend and changes."""

from __future__ import annotations

import json
from pathlib import Path

import click

from auditor.cli.options import history_option, parse_practice
from auditor.errors import UsageError
from auditor.history import History, default_path
from auditor.history.show import history_document, history_text, history_view
from auditor.models import Practice


@click.command("history")
@history_option
@click.option(
    "--practice",
    callback=parse_practice,
    metavar="FINESS",
    help="Only this practice's runs and trend.",
)
@click.option(
    "--runs",
    "limit",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="How many of the latest runs to list and to draw the trend from.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "json"]),
    default="terminal",
    show_default=True,
)
def history_command(history: Path | None, practice: Practice | None, limit: int, fmt: str) -> None:
    """List recorded audit runs and, per practice, the trend and what was new or fixed.

    Every `audit` and `remind` run is recorded (unless --no-history): its date,
    as-of day, tool and policy version, a digest of the accounts audited, and its
    findings by practice, portal, login and check. Nothing about passwords.

    \b
    Example:
      portal-audit history --practice 750056780 --runs 12
    """
    path = history or default_path()
    if not path.exists():
        raise UsageError(
            f"{path}: no history yet (run `portal-audit audit` first, or pass --history)"
        )
    with History.open(path) as store:
        view = history_view(store, limit=limit, practice_id=practice.id if practice else None)
    if fmt == "json":
        click.echo(json.dumps(history_document(view), indent=2, ensure_ascii=False))
    else:
        click.echo(history_text(view), nl=False)
