"""The inputs ``audit`` and ``remind`` share: their options, gathered into one audit to run."""

from __future__ import annotations

import contextlib
import functools
import os
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
        help="Audit as if today were DATE (YYYY-MM-DD), for reproducible runs.",
    ),
    click.option(
        "--lang",
        type=click.Choice([lang.value for lang in Lang], case_sensitive=False),
        callback=lambda ctx, param, value: (
            Lang(value.lower()) if value else Lang.from_environment(os.environ)
        ),
        help="Language of what people read (terminal, Markdown, HTML, e-mails, and the "
        "sentences of CSV and JUnit): fr or en. Default: French under a French locale "
        "(LANG=fr_FR.UTF-8…), English otherwise. JSON stays English for programs.",
    ),
    click.option(
        "--hibp-url",
        metavar="URL",
        help=f"Range API of a self-hosted mirror (default {DEFAULT_API}).",
    ),
    click.option(
        "--hibp-offline",
        type=click.Path(path_type=Path, exists=True),
        metavar="PATH",
        help="Downloaded Pwned Passwords SHA-1 corpus: the single sorted file, "
        "or the per-prefix folder. Nothing leaves the machine.",
    ),
    click.option(
        "--no-breach-check", is_flag=True, help="Skip the breach lookup (the report says so)."
    ),
    click.option(
        "--hibp-workers",
        type=click.IntRange(1, 64),
        default=32,
        show_default=True,
        help="Parallel HTTP requests to the range API (it has no rate limit).",
    ),
    click.option(
        "--hibp-deadline",
        callback=parse_duration,
        default=f"{DEFAULT_LOOKUP_DEADLINE / 60:g}m",
        show_default=True,
        metavar="DURATION",
        help="Time all online breach lookups of a run may take (90s, 10m, 1h); "
        "passwords still unchecked then are 'unknown' and the audit incomplete.",
    ),
    click.option(
        "--jobs",
        type=click.IntRange(1, 256),
        default=None,
        help="Processes for password scoring (default: one per core).",
    ),
    click.option(
        "--cache-dir",
        type=click.Path(path_type=Path, file_okay=False),
        metavar="DIR",
        help="Keep range answers (public data, one file per prefix, mode 0600) in DIR "
        "and reuse them while fresh. Off by default.",
    ),
    click.option(
        "--cache-ttl",
        callback=parse_duration,
        default="24h",
        show_default=True,
        metavar="DURATION",
        help="How long a cached range answer is reused: 30m, 12h, 7d.",
    ),
    click.option(
        "--skip-invalid",
        is_flag=True,
        help="Audit the valid rows and list the invalid ones in the report.",
    ),
    click.option(
        "--practice",
        callback=parse_practice,
        metavar="FINESS",
        help="The practice of vault and export entries that name none (no FINESS field or folder).",
    ),
    click.option(
        "--practice-map",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help="CSV of match,practice_id,practice_name: entries in a folder, group or collection "
        "named `match`, or exports whose file name is `match`, belong to that practice.",
    ),
    click.option(
        "--all-entries",
        is_flag=True,
        help="Also audit vault entries of sites that are not portals of the policy "
        "(by default they are counted and left out).",
    ),
    click.option(
        "--keepass-password-file",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help="File whose first line is the KeePass master password "
        f"(else ${SECRET_ENV[Unlock.KEEPASS]}, else a prompt).",
    ),
    click.option(
        "--keepass-key-file",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help="KeePass key file, with or without a master password.",
    ),
    click.option(
        "--bitwarden-password-file",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help="File whose first line is the password of an encrypted Bitwarden export "
        f"(else ${SECRET_ENV[Unlock.BITWARDEN]}, else a prompt).",
    ),
    click.option(
        "--allow-costly-kdf",
        is_flag=True,
        help="Open a KeePass vault or Bitwarden export whose key derivation settings exceed "
        "the caps (AES-KDF 15 million rounds; Argon2 1 GiB, 1,000 passes, 64 lanes; "
        "Bitwarden's own maxima) and may take minutes.",
    ),
    history_option,
    click.option(
        "--no-history",
        is_flag=True,
        help="Do not record this run, nor compare it with earlier ones.",
    ),
    click.option("-q", "--quiet", is_flag=True, help="No progress bar and only errors on stderr."),
)
_REQUEST_FIELDS = tuple(field.name for field in fields(AuditRequest))
_TERMINAL_FIELDS = ("lang", "quiet", "keepass_password_file", "bitwarden_password_file")


def _inputs(**values: Any) -> AuditInputs:
    request = AuditRequest(**{name: values.pop(name) for name in _REQUEST_FIELDS})
    return AuditInputs(request, **values)


audit_inputs = gathered("inputs", _INPUT_OPTIONS, _REQUEST_FIELDS + _TERMINAL_FIELDS, _inputs)
"""Give a command the shared options, gathered into one ``inputs: AuditInputs``."""
