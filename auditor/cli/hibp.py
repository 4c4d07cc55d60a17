"""``portal-audit hibp``: a self-hosted Pwned Passwords range API."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from auditor.audit import ExitCode
from auditor.audit.breach import check_hibp_url
from auditor.cli.downloading import download_bar, summary
from auditor.cli.words import Group, chosen_language, help_for, line, say
from auditor.hibp import DEFAULT_API, make_session, open_corpus
from auditor.hibp.download import DEFAULT_WORKERS, DownloadRequest, Layout, PrefixSpan, download
from auditor.hibp.httpd import serve
from auditor.hibp.offline import build_index
from auditor.i18n import Lang
from auditor.text import is_loopback

logger = logging.getLogger(__name__)


@click.group(cls=Group, help=help_for("help.hibp.about"))
def hibp() -> None:
    """The ``hibp`` commands (``help.hibp.about``)."""


@hibp.command("index", help=help_for("help.hibp.index"))
@click.argument("corpus", type=click.Path(path_type=Path, exists=True, dir_okay=True))
@click.option(
    "--lang",
    type=click.Choice([lang.value for lang in Lang], case_sensitive=False),
    callback=chosen_language,
    is_eager=True,
    help=help_for("help.history.lang"),
)
def hibp_index(corpus: Path, lang: Lang) -> None:
    """Write ``CORPUS.idx`` for a single-file corpus; its help is ``help.hibp.index``."""
    built = build_index(corpus)
    said = line(
        "hibp_index.built", corpus=str(corpus), prefixes=built.prefixes, index=str(built.path)
    )
    click.echo(said, err=True)


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
    type=click.IntRange(1, 1024),
    default=128,
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
            connections=threads,
            log_prefixes=log_prefixes,
            on_ready=ready,
        )


@hibp.command("download", help=help_for("help.download.about"))
@click.argument("dest", type=click.Path(path_type=Path))
@click.option(
    "--layout",
    type=click.Choice([layout.value for layout in Layout]),
    default=Layout.PREFIXES.value,
    show_default=True,
    help=help_for("help.download.layout"),
)
@click.option("--hibp-url", metavar="URL", help=help_for("help.download.hibp_url", url=DEFAULT_API))
@click.option(
    "--prefixes",
    "span",
    default=str(PrefixSpan()),
    show_default=True,
    metavar="FIRST-LAST",
    help=help_for("help.download.prefixes"),
)
@click.option("--refresh", is_flag=True, help=help_for("help.download.refresh"))
@click.option(
    "--workers",
    type=click.IntRange(1, 128),
    default=DEFAULT_WORKERS,
    show_default=True,
    help=help_for("help.download.workers"),
)
@click.option("-q", "--quiet", is_flag=True, help=help_for("help.download.quiet"))
@click.pass_context
def hibp_download(
    ctx: click.Context,
    *,
    dest: Path,
    layout: str,
    hibp_url: str | None,
    span: str,
    refresh: bool,
    workers: int,
    quiet: bool,
) -> None:
    """Download or refresh the corpus; exit 3 unless every prefix asked is stored whole."""
    if hibp_url is not None:
        check_hibp_url(hibp_url)
    request = DownloadRequest(
        dest=dest,
        layout=Layout(layout),
        span=PrefixSpan.parse(span),
        base_url=hibp_url or DEFAULT_API,
        refresh=refresh,
        workers=workers,
    )
    quiet = quiet or bool((ctx.obj or {}).get("quiet"))
    with (
        make_session(workers, base_url=request.base_url) as session,
        download_bar(quiet, len(request.span)) as advance,
    ):
        result = download(request, session, progress=advance)
    for said in summary(str(dest), result):
        if not quiet or not result.complete:
            click.echo(said, err=True)
    if not result.complete:
        sys.exit(ExitCode.INCOMPLETE)
