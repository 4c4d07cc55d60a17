"""Where a vault's password comes from: its file option, its environment variable, else a prompt."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from auditor.errors import UsageError
from auditor.sources import Unlock

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
        raise UsageError(f"{path}: cannot read the password file ({type(exc).__name__})") from None
    if os.name == "posix" and mode & 0o077:
        logger.warning("%s: other users can read this password file; chmod 600 it", path)
    return text.splitlines()[0] if text else ""


def secret_asker(files: dict[Unlock, Path | None]) -> Callable[[Unlock, Path], str]:
    """Where a vault's password comes from: its file option, its variable, else a prompt."""

    def ask(kind: Unlock, path: Path) -> str:
        if (file := files.get(kind)) is not None:
            return _read_secret_file(file)
        if (value := os.environ.get(SECRET_ENV[kind])) is not None:
            return value
        if _stdin_is_terminal():
            return str(click.prompt(f"{kind.value} for {path}", hide_input=True, err=True))
        raise UsageError(
            f"{path}: needs the {kind.value}, and there is no terminal to ask for it: pass "
            f"{_SECRET_OPTION[kind]} FILE or set {SECRET_ENV[kind]}"
        )

    return ask
