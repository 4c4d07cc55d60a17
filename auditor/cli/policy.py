"""``portal-audit policy``: show the effective policy, or check policy files."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli.options import policy_option
from auditor.cli.words import Group, help_for, say
from auditor.policy import dump_policy, load_policy


@click.group(cls=Group, help=help_for("help.policy.about"))
def policy() -> None:
    """The ``policy`` commands (``help.policy.about``)."""


@policy.command("show", help=help_for("help.policy.show"))
@policy_option
def policy_show(policy_files: tuple[Path, ...]) -> None:
    """Print the effective policy (``help.policy.show``)."""
    click.echo(dump_policy(load_policy(policy_files)), nl=False)


@policy.command("check", help=help_for("help.policy.check"))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def policy_check(files: tuple[Path, ...]) -> None:
    """Load FILES on the built-in policy: an error lists every problem (``help.policy.check``)."""
    effective = load_policy(files)
    click.echo(
        say(
            "cli.policy_ok",
            files=", ".join(map(str, files)),
            portals=say("cli.portals", n=len(effective.portals)),
            incidents=say("cli.incidents", n=len(effective.incidents)),
        )
    )
