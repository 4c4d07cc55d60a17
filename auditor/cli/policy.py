"""``portal-audit policy``: show the effective policy, or check policy files."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli.options import policy_option
from auditor.policy import dump_policy, load_policy


@click.group()
def policy() -> None:
    """Show the effective policy, or check a policy file."""


@policy.command("show")
@policy_option
def policy_show(policy_files: tuple[Path, ...]) -> None:
    """Print the effective policy as TOML (built-in files, then each --policy)."""
    click.echo(dump_policy(load_policy(policy_files)), nl=False)


@policy.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def policy_check(files: tuple[Path, ...]) -> None:
    """Validate policy FILES layered on the built-in policy; list every problem."""
    effective = load_policy(files)
    click.echo(
        f"OK: {', '.join(map(str, files))} "
        f"({len(effective.portals)} portals, {len(effective.incidents)} incidents in effect)"
    )
