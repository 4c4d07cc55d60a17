"""The ``portal-audit`` group, and the one place where an error becomes a line and an exit code."""

from __future__ import annotations

import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from auditor import __version__
from auditor.audit import ExitCode, InvalidInventoryError
from auditor.cli.audit import audit
from auditor.cli.hibp import hibp
from auditor.cli.history import history_command
from auditor.cli.logs import configure_logging, logger
from auditor.cli.policy import policy
from auditor.cli.remind import remind
from auditor.cli.words import (
    Group,
    choose,
    error_text,
    help_for,
    install_click_words,
    say,
    words,
)
from auditor.errors import AuditorError
from auditor.safetext import stderr_line

install_click_words()


@click.group(
    cls=Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=help_for("help.group.about"),
)
@click.version_option(__version__, prog_name="portal-audit")
@click.option("-v", "--verbose", count=True, help=help_for("help.group.verbose"))
@click.option("-q", "--quiet", is_flag=True, help=help_for("help.group.quiet"))
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """The group: its options set the logs; its help is the catalogue's ``help.group.about``."""
    ctx.obj = {"verbose": verbose, "quiet": quiet}
    configure_logging(verbose, quiet)


for _command in (audit, remind, history_command, hibp, policy):
    cli.add_command(_command)


EXIT_TERMINATED = 128 + signal.SIGTERM
"""143, as a shell reports a process ended by SIGTERM; Ctrl-C gives 130 (128 + SIGINT)."""


class Terminated(BaseException):
    """SIGTERM arrived; raised in the main thread so that every ``finally`` runs.

    Not an ``Exception``, so that no ``except Exception`` mistakes it for a bug.
    Temporary files and pools are cleaned by those ``finally`` blocks; SIGKILL
    cannot be caught, and the next run into the same ``--out`` cleans after it.
    """


def _raise_terminated(signum: int, frame: object) -> None:
    # Ignore the next ones first: supervisors repeat SIGTERM, and a second
    # Terminated raised inside a finally would skip the rest of the clean-up.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; SIGTERM ends it like Ctrl-C: cleanly, one line, exit 143."""
    choose(None)  # each run starts in the locale's language, until a --lang is read
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
    try:
        _main(argv)
    except Terminated:
        click.echo(say("cli.terminated"), err=True)
        sys.exit(EXIT_TERMINATED)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> None:
    """Run the CLI; turn expected errors into one clear message and exit code 2."""
    try:
        cli.main(args=argv, prog_name="portal-audit", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.ERROR)
    except (click.Abort, KeyboardInterrupt):
        click.echo(say("cli.interrupted"), err=True)
        sys.exit(130)
    except InvalidInventoryError as exc:
        for problem in exc.problems:
            click.echo(stderr_line(problem.text(words())), err=True)
        click.echo(stderr_line(say("cli.error", message=error_text(exc))), err=True)
        sys.exit(ExitCode.ERROR)
    except AuditorError as exc:
        click.echo(stderr_line(say("cli.error", message=error_text(exc))), err=True)
        sys.exit(ExitCode.ERROR)
    except Exception as exc:  # noqa: BLE001 - the last resort that keeps tracebacks private
        # An unexpected error is a bug. Its message could quote data (a KeyError
        # on a hash, a value in a ValueError), so it is never shown, not even with
        # -vv: only its type and the frames it went through.
        frames = traceback.extract_tb(exc.__traceback__)
        where = (
            say(
                "cli.internal_where",
                file=Path(frames[-1].filename).name,
                line=str(frames[-1].lineno),
            )
            if frames
            else ""
        )
        logger.debug("internal error, message withheld:\n%s", "".join(frames.format()))
        click.echo(say("cli.internal_error", kind=type(exc).__name__, where=where), err=True)
        sys.exit(ExitCode.ERROR)
