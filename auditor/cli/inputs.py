"""The inputs ``audit`` and ``remind`` share: their options, gathered into one audit to run."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from auditor.audit import Audited, AuditRequest, audited
from auditor.cli.logs import configure_logging
from auditor.cli.options import (
    F,
    gathered,
    history_option,
    parse_date,
    parse_duration,
    parse_practice,
    policy_option,
)
from auditor.cli.unlock import SECRET_ENV, secret_asker
from auditor.cli.words import chosen_language, help_for
from auditor.hibp import DEFAULT_API, DEFAULT_LOOKUP_DEADLINE
from auditor.i18n import Lang
from auditor.progress import BarDisplay, ProgressDisplay
from auditor.sources import Unlock


@dataclass(frozen=True)
class AuditInputs:
    """The shared options: the core's request, and what only this terminal knows."""

    request: AuditRequest
    lang: Lang
    """The language of what people read."""
    quiet: bool
    """No progress bar and only errors on stderr."""
    keepass_password_file: Path | None
    bitwarden_password_file: Path | None

    def quieted(self, ctx: click.Context) -> AuditInputs:
        """These inputs with the group's ``-q`` applied (to the logs at once)."""
        if self.quiet or ctx.obj["quiet"]:
            configure_logging(ctx.obj["verbose"], quiet=True)
            return replace(self, quiet=True)
        return self

    def run(self) -> Audited:
        """The audit, with vault passwords asked for here and bars while a person watches."""
        ask = secret_asker(
            {
                Unlock.KEEPASS: self.keepass_password_file,
                Unlock.BITWARDEN: self.bitwarden_password_file,
            }
        )
        return audited(
            self.request,
            ask_secret=ask,
            show_progress=functools.partial(_progress_display, self.quiet),
        )


@contextlib.contextmanager
def _progress_display(quiet: bool) -> Iterator[ProgressDisplay]:
    """Bars on stderr when a person watches it; nothing for pipes, cron and --quiet."""
    if quiet or not sys.stderr.isatty():
        yield ProgressDisplay()
        return
    with BarDisplay(Console(stderr=True)) as bars:
        yield bars


_INPUT_OPTIONS: tuple[Callable[[F], F], ...] = (
    click.argument(
        "inventories", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
    ),
    policy_option,
    click.option(
        "--as-of",
        callback=parse_date,
        metavar="DATE",
        help=help_for("help.inputs.as_of"),
    ),
    click.option(
        "--lang",
        type=click.Choice([lang.value for lang in Lang], case_sensitive=False),
        callback=chosen_language,
        is_eager=True,  # read before --help when written before it: --lang fr --help is French
        help=help_for("help.inputs.lang"),
    ),
    click.option(
        "--hibp-url",
        metavar="URL",
        help=help_for("help.inputs.hibp_url", url=DEFAULT_API),
    ),
    click.option(
        "--hibp-offline",
        type=click.Path(path_type=Path, exists=True),
        metavar="PATH",
        help=help_for("help.inputs.hibp_offline"),
    ),
    click.option("--no-breach-check", is_flag=True, help=help_for("help.inputs.no_breach_check")),
    click.option(
        "--hibp-workers",
        type=click.IntRange(1, 64),
        default=64,
        show_default=True,
        help=help_for("help.inputs.hibp_workers"),
    ),
    click.option(
        "--hibp-deadline",
        callback=parse_duration,
        default=f"{DEFAULT_LOOKUP_DEADLINE / 60:g}m",
        show_default=True,
        metavar="DURATION",
        help=help_for("help.inputs.hibp_deadline"),
    ),
    click.option(
        "--jobs",
        type=click.IntRange(1, 256),
        default=None,
        help=help_for("help.inputs.jobs"),
    ),
    click.option(
        "--cache-dir",
        type=click.Path(path_type=Path, file_okay=False),
        metavar="DIR",
        help=help_for("help.inputs.cache_dir"),
    ),
    click.option(
        "--cache-ttl",
        callback=parse_duration,
        default="24h",
        show_default=True,
        metavar="DURATION",
        help=help_for("help.inputs.cache_ttl"),
    ),
    click.option(
        "--skip-invalid",
        is_flag=True,
        help=help_for("help.inputs.skip_invalid"),
    ),
    click.option(
        "--practice",
        callback=parse_practice,
        metavar="FINESS",
        help=help_for("help.inputs.practice"),
    ),
    click.option(
        "--practice-map",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help=help_for("help.inputs.practice_map"),
    ),
    click.option(
        "--all-entries",
        is_flag=True,
        help=help_for("help.inputs.all_entries"),
    ),
    click.option(
        "--keepass-password-file",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help=help_for("help.inputs.keepass_password_file", variable=SECRET_ENV[Unlock.KEEPASS]),
    ),
    click.option(
        "--keepass-key-file",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help=help_for("help.inputs.keepass_key_file"),
    ),
    click.option(
        "--bitwarden-password-file",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help=help_for("help.inputs.bitwarden_password_file", variable=SECRET_ENV[Unlock.BITWARDEN]),
    ),
    click.option(
        "--allow-costly-kdf",
        is_flag=True,
        help=help_for("help.inputs.allow_costly_kdf"),
    ),
    history_option,
    click.option(
        "--no-history",
        is_flag=True,
        help=help_for("help.inputs.no_history"),
    ),
    click.option("-q", "--quiet", is_flag=True, help=help_for("help.inputs.quiet")),
)
_REQUEST_FIELDS = tuple(field.name for field in fields(AuditRequest))
_TERMINAL_FIELDS = ("lang", "quiet", "keepass_password_file", "bitwarden_password_file")


def _inputs(**values: Any) -> AuditInputs:
    request = AuditRequest(**{name: values.pop(name) for name in _REQUEST_FIELDS})
    return AuditInputs(request, **values)


audit_inputs = gathered("inputs", _INPUT_OPTIONS, _REQUEST_FIELDS + _TERMINAL_FIELDS, _inputs)
"""Give a command the shared options, gathered into one ``inputs: AuditInputs``."""
