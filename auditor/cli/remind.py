"""``portal-audit remind``: audit, then draft, write or send each person's reminder."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from auditor.audit import ExitCode
from auditor.cli.inputs import AuditInputs, audit_inputs
from auditor.cli.options import F, csv_dialect_option, gathered
from auditor.cli.words import Command, help_for, say
from auditor.errors import UsageError
from auditor.formats import CsvDialect
from auditor.i18n import catalog
from auditor.i18n.failure import failure
from auditor.remind import Delivery, SmtpSecurity, SmtpSettings, deliver
from auditor.text import is_email

_SMTP_ENV = ("PORTAL_AUDIT_SMTP_USER", "PORTAL_AUDIT_SMTP_PASSWORD")


def _smtp_settings(
    *,
    send: bool,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_security: str,
    allow_plaintext_smtp: bool,
    smtp_cafile: str | None,
) -> SmtpSettings | None:
    """The relay ``--send`` uses, checked before the audit: a refused setting costs nothing."""
    if not send:
        return None
    if not smtp_host:
        raise failure(UsageError, "cli.fail.send_needs_host")
    security = SmtpSecurity(smtp_security)
    settings = SmtpSettings(
        host=smtp_host,
        port=smtp_port or security.default_port,
        security=security,
        user=os.environ.get(_SMTP_ENV[0]),
        password=os.environ.get(_SMTP_ENV[1]),
        allow_plaintext=allow_plaintext_smtp,
        cafile=smtp_cafile,
    )
    settings.check()
    return settings


_SMTP_OPTIONS: tuple[Callable[[F], F], ...] = (
    click.option("--send", is_flag=True, help=help_for("help.remind.send")),
    click.option("--smtp-host", metavar="HOST", help=help_for("help.remind.smtp_host")),
    click.option(
        "--smtp-port",
        type=click.IntRange(1, 65535),
        help=help_for("help.remind.smtp_port"),
    ),
    click.option(
        "--smtp-security",
        type=click.Choice([s.value for s in SmtpSecurity]),
        default=SmtpSecurity.STARTTLS.value,
        show_default=True,
        help=help_for("help.remind.smtp_security"),
    ),
    click.option(
        "--allow-plaintext-smtp",
        is_flag=True,
        help=help_for("help.remind.allow_plaintext_smtp"),
    ),
    click.option(
        "--smtp-cafile",
        type=click.Path(dir_okay=False, exists=True),
        metavar="FILE",
        help=help_for("help.remind.smtp_cafile"),
    ),
)


smtp_options = gathered(
    "smtp",
    _SMTP_OPTIONS,
    ("send", "smtp_host", "smtp_port", "smtp_security", "allow_plaintext_smtp", "smtp_cafile"),
    _smtp_settings,
)
"""Give a command the SMTP options, as one checked ``smtp: SmtpSettings | None``."""


def _check_sender(sender: str | None, *, needed: bool) -> None:
    if needed and not sender:
        raise failure(UsageError, "cli.fail.needs_sender")
    if sender and not is_email(sender):
        raise failure(UsageError, "cli.fail.bad_sender", sender=repr(sender))


def _tell(status: str) -> None:
    click.echo(say("cli.line", text=status), err=True)


@click.command(cls=Command, help=help_for("help.remind.about"))
@audit_inputs
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help=help_for("help.remind.out"),
)
@click.option(
    "--from",
    "sender",
    metavar="ADDRESS",
    help=help_for("help.remind.from"),
)
@smtp_options
@csv_dialect_option
@click.pass_context
def remind(
    ctx: click.Context,
    *,
    inputs: AuditInputs,
    out: Path | None,
    sender: str | None,
    smtp: SmtpSettings | None,
    csv_dialect: CsvDialect,
) -> None:
    """Audit, then draft, write or send the reminders; its help is ``help.remind.about``."""
    inputs = inputs.quieted(ctx)
    _check_sender(sender, needed=smtp is not None or out is not None)
    result = inputs.run()
    delivered = deliver(
        result.report,
        result.policy,
        catalog(inputs.lang),
        Delivery(sender, out, smtp, csv_dialect),
        recorded=result.recorded,
        show=lambda text: click.echo(text, nl=False),
        tell=_tell,
    )
    incomplete = not delivered.complete or not result.report.complete
    sys.exit(ExitCode.INCOMPLETE if incomplete else ExitCode.CLEAN)
