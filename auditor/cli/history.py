"""``portal-audit history``: the runs recorded, and each practice's trend and changes."""

from __future__ import annotations

import json
from pathlib import Path

import click

from auditor.cli.options import history_option, parse_practice
from auditor.cli.words import Command, chosen_language, help_for
from auditor.errors import UsageError
from auditor.history import History, default_path
from auditor.history.show import history_document, history_text, history_view
from auditor.i18n import Lang, catalog
from auditor.i18n.failure import failure
from auditor.models import Practice


@click.command("history", cls=Command, help=help_for("help.history.about"))
@history_option
@click.option(
    "--practice",
    callback=parse_practice,
    metavar="FINESS",
    help=help_for("help.history.practice"),
)
@click.option(
    "--runs",
    "limit",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help=help_for("help.history.runs"),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "json"]),
    default="terminal",
    show_default=True,
)
@click.option(
    "--lang",
    type=click.Choice([lang.value for lang in Lang], case_sensitive=False),
    callback=chosen_language,
    is_eager=True,  # like audit's: --lang fr --help is French
    help=help_for("help.history.lang"),
)
def history_command(
    history: Path | None, practice: Practice | None, limit: int, fmt: str, lang: Lang
) -> None:
    """Print the runs recorded, as text or JSON; its help is ``help.history.about``."""
    path = history or default_path()
    if not path.exists():
        raise failure(UsageError, "cli.fail.no_history", path=str(path))
    with History.open(path) as store:
        view = history_view(store, limit=limit, practice_id=practice.id if practice else None)
    if fmt == "json":
        click.echo(json.dumps(history_document(view), indent=2, ensure_ascii=False))
    else:
        click.echo(history_text(view, catalog(lang)), nl=False)
