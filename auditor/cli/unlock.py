"""Where a vault's password comes from: its file option, its environment variable, else a prompt."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from auditor.cli.words import say
from auditor.errors import UsageError
from auditor.i18n.failure import failure
from auditor.i18n.phrase import phrase
from auditor.sources import Unlock
from auditor.sources.interface import SECRET_WORDS

logger = logging.getLogger(__name__)

SECRET_ENV = {
    Unlock.KEEPASS: "PORTAL_AUDIT_KEEPASS_PASSWORD",
    Unlock.BITWARDEN: "PORTAL_AUDIT_BITWARDEN_PASSWORD",
}
_SECRET_OPTION = {
    Unlock.KEEPASS: "--keepass-password-file",
    Unlock.BITWARDEN: "--bitwarden-password-file",
}


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _read_secret_file(path: Path) -> str:
    """The first line of a password file, exactly (without its line ending)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        mode = path.stat().st_mode
    except (OSError, UnicodeDecodeError) as exc:
        raise failure(
            UsageError, "cli.fail.secret_unreadable", path=str(path), kind=type(exc).__name__
        ) from None
    if os.name == "posix" and mode & 0o077:
        logger.warning(say("cli.readable_secret", path=str(path)))
    return text.splitlines()[0] if text else ""


def secret_asker(files: dict[Unlock, Path | None]) -> Callable[[Unlock, Path], str]:
    """Where a vault's password comes from: its file option, its variable, else a prompt."""

    def ask(kind: Unlock, path: Path) -> str:
        if (file := files.get(kind)) is not None:
            return _read_secret_file(file)
        if (value := os.environ.get(SECRET_ENV[kind])) is not None:
            return value
        if _stdin_is_terminal():
            asked = say("cli.ask_secret", kind=say(SECRET_WORDS[kind]), path=str(path))
            return str(click.prompt(asked, hide_input=True, err=True))
        raise failure(
            UsageError,
            "cli.fail.secret_no_terminal",
            path=str(path),
            kind=phrase(SECRET_WORDS[kind]),
            option=_SECRET_OPTION[kind],
            variable=SECRET_ENV[kind],
        )

    return ask
