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
from auditor.errors import UsageError
from auditor.formats import CsvDialect
from auditor.i18n import catalog
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
        raise UsageError("--send needs --smtp-host")
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
    click.option("--send", is_flag=True, help="Send the reminders by SMTP. Without it: a dry run."),
    click.option("--smtp-host", metavar="HOST", help="The SMTP relay (needed with --send)."),
    click.option(
        "--smtp-port",
        type=click.IntRange(1, 65535),
        help="Default: 587 for starttls, 465 for tls, 25 for none.",
    ),
    click.option(
        "--smtp-security",
        type=click.Choice([s.value for s in SmtpSecurity]),
        default=SmtpSecurity.STARTTLS.value,
        show_default=True,
        help="none is refused unless the relay is on this machine (127.0.0.1) or "
        "--allow-plaintext-smtp is given.",
    ),
    click.option(
        "--allow-plaintext-smtp",
        is_flag=True,
        help="Allow --smtp-security none towards a relay on the network.",
    ),
    click.option(
        "--smtp-cafile",
        type=click.Path(dir_okay=False, exists=True),
        metavar="FILE",
        help="CA certificates for a relay whose certificate a private authority signed.",
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
        raise UsageError("--out and --send need --from ADDRESS (the reminders' sender)")
    if sender and not is_email(sender):
        raise UsageError(f"--from {sender!r} is not an e-mail address")


def _tell(line: str) -> None:
    click.echo(f"portal-audit: {line}", err=True)


@click.command()
@audit_inputs
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write DIR/reminders.csv (mail merge), DIR/reminders.ics (to-dos with alarms) and "
    "DIR/eml/*.eml (drafts to send from your own mail client).",
)
@click.option(
    "--from",
    "sender",
    metavar="ADDRESS",
    help="The reminders' sender (needed with --out and --send), e.g. informatique@groupe.fr.",
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
    """Audit INVENTORY files, then tell each person which accounts to change, why, by when.

    One reminder per owner (by their e-mail), one per practice for accounts
    without an owner's e-mail (to the practice's contact), and an escalation to
    the practice's contact for accounts reminded in two earlier runs and still
    not fixed. Waived findings are not reminded.

    A reminder never holds a password or a link: it names the portal and asks
    the person to type its address themselves, with the Assurance Maladie's
    anti-phishing advice.

    Without --out or --send it is a dry run: every message is printed, nothing
    is sent or recorded as reminded. SMTP credentials, if the relay needs them,
    come from $PORTAL_AUDIT_SMTP_USER and $PORTAL_AUDIT_SMTP_PASSWORD.

    \b
    Exit codes:
      0  done (dry run, drafts written, or every message sent)
      2  usage, inventory, policy, history or SMTP settings error; nothing sent
      3  some messages could not be sent (the others were), or the audit was incomplete
    """
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
