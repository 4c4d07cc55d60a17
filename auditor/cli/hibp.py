"""``portal-audit hibp``: a self-hosted Pwned Passwords range API."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from auditor.cli.words import Group, help_for, line, say
from auditor.hibp import open_corpus
from auditor.hibp.mirror import serve
from auditor.text import is_loopback

logger = logging.getLogger(__name__)


@click.group(cls=Group, help=help_for("help.hibp.about"))
def hibp() -> None:
    """The ``hibp`` commands (``help.hibp.about``)."""


@hibp.command("serve", help=help_for("help.hibp.serve"))
@click.option(
    "--corpus",
    required=True,
    type=click.Path(path_type=Path, exists=True),
    metavar="PATH",
    help=help_for("help.hibp.corpus"),
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help=help_for("help.hibp.host"),
)
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help=help_for("help.hibp.threads"),
)
@click.option(
    "--log-prefixes",
    is_flag=True,
    help=help_for("help.hibp.log_prefixes"),
)
def hibp_serve(corpus: Path, host: str, port: int, threads: int, log_prefixes: bool) -> None:
    """Serve the corpus until Ctrl-C; its help is ``help.hibp.serve``."""
    if not is_loopback(host):
        logger.warning(say("cli.listening_openly", host=host))
    with open_corpus(corpus) as source:

        def ready(url: str) -> None:
            click.echo(line("cli.serving", corpus=str(corpus), url=url), err=True)

        serve(
            source,
            host=host,
            port=port,
            threads=threads,
            log_prefixes=log_prefixes,
            on_ready=ready,
        )
