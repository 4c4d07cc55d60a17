"""``portal-audit hibp``: a self-hosted Pwned Passwords range API."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from auditor.hibp import open_corpus
from auditor.hibp.mirror import serve
from auditor.text import is_loopback

logger = logging.getLogger(__name__)


@click.group()
def hibp() -> None:
    """Run a self-hosted Pwned Passwords range API from a downloaded corpus."""


@hibp.command("serve")
@click.option(
    "--corpus",
    required=True,
    type=click.Path(path_type=Path, exists=True),
    metavar="PATH",
    help="Downloaded SHA-1 corpus: the single sorted file or the per-prefix folder.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback opens the mirror to the network.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True)
@click.option(
    "--threads", type=click.IntRange(1, 256), default=16, show_default=True, help="Worker threads."
)
@click.option(
    "--log-prefixes",
    is_flag=True,
    help="Log each requested prefix. Off by default: such a log is a list of clues "
    "to the passwords audited.",
)
def hibp_serve(corpus: Path, host: str, port: int, threads: int, log_prefixes: bool) -> None:
    """Serve GET /range/<prefix> like api.pwnedpasswords.com, from a local corpus.

    Audits then use it with --hibp-url http://HOST:PORT. Stop with Ctrl-C.

    \b
    Example:
      portal-audit hibp serve --corpus /srv/pwnedpasswords.txt
      portal-audit audit inventory.csv --hibp-url http://127.0.0.1:8787
    """
    if not is_loopback(host):
        logger.warning(
            "listening on %s: every machine that reaches it can query the mirror, in clear "
            "text; put a TLS reverse proxy in front of it",
            host,
        )
    with open_corpus(corpus) as source:

        def ready(url: str) -> None:
            click.echo(f"portal-audit: serving {corpus} on {url}/range/ (Ctrl-C to stop)", err=True)

        serve(
            source,
            host=host,
            port=port,
            threads=threads,
            log_prefixes=log_prefixes,
            on_ready=ready,
        )
