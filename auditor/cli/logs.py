"""Where log lines go: stderr, one per record, prefixed and stripped of control characters."""

from __future__ import annotations

import logging
import sys

from auditor.cli.words import say, words
from auditor.i18n.logged import Logged
from auditor.safetext import stderr_line

logger = logging.getLogger("auditor")
"""The package's root logger: every module logs below it; only the CLI configures it."""


class _SafeFormatter(logging.Formatter):
    """Log lines quote names and paths from inventories: their control characters are replaced.

    The prefix and the level are in the command line's language, asked for at each
    line: ``--lang`` is read after the logs are configured. So is every ``Logged``
    argument (``auditor/i18n/logged.py``): layers log sentences as phrases, and this
    formatter alone renders them in the reader's words, on a copy of the record so
    that other handlers of the same record still read English.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        level = f"cli.level.{record.levelname.lower()}"
        name = say(level) if level in words().entries else record.levelname
        return str(say("cli.log", level=name, message=record.message))

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.args, tuple) and any(isinstance(a, Logged) for a in record.args):
            catalogue = words()
            record = logging.makeLogRecord(record.__dict__)
            record.args = tuple(
                catalogue.text(arg.phrase) if isinstance(arg, Logged) else arg
                for arg in record.args or ()
            )
        return stderr_line(super().format(record))


def configure_logging(verbose: int, quiet: bool) -> None:
    """Errors only with ``-q``; warnings by default; ``-v`` info; ``-vv`` debugging."""
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
