"""Sending reminders by SMTP: TLS unless the relay is local, credentials from the environment."""

from __future__ import annotations

import enum
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from auditor.errors import AuditorError
from auditor.hibp.mirror import is_loopback

logger = logging.getLogger(__name__)


class SendError(AuditorError):
    """The SMTP relay cannot be used as asked (refused settings, no connection, failed login)."""


class SmtpSecurity(enum.Enum):
    """How the connection to the relay is protected."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"

    @property
    def default_port(self) -> int:
        """587 for STARTTLS submission, 465 for implicit TLS, 25 for plain SMTP."""
        return {SmtpSecurity.STARTTLS: 587, SmtpSecurity.TLS: 465, SmtpSecurity.NONE: 25}[self]


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send."""

    host: str
    port: int
    security: SmtpSecurity
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    """From the environment only; never logged, never written."""
    allow_plaintext: bool = False
    cafile: str | None = None
    """A CA bundle for a relay with a private certificate authority."""
    timeout: float = 30.0

    def check(self) -> None:
        """Refuse plain SMTP beyond this machine unless explicitly allowed."""
        if self.security is SmtpSecurity.NONE and not (
            is_loopback(self.host) or self.allow_plaintext
        ):
            # Reminders name people, logins and portals; on the network they need TLS.
            raise SendError(
                f"--smtp-security none sends names and logins in clear to {self.host}: use "
                "starttls or tls, or pass --allow-plaintext-smtp if this relay is trusted"
            )


@dataclass(frozen=True)
class Outcome:
    """What became of each message, by its position in the batch."""

    sent: tuple[int, ...]
    failed: tuple[tuple[int, str], ...]
    """(position, reason) of each message not sent."""


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=settings.cafile)
    if settings.security is SmtpSecurity.TLS:
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.security is SmtpSecurity.STARTTLS:
        client.starttls(context=context)
        client.ehlo()
    return client


def send_all(messages: Sequence[EmailMessage], settings: SmtpSettings) -> Outcome:
    """Send each message on one connection; a refused recipient does not stop the others."""
    settings.check()
    try:
        client = _connect(settings)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        raise SendError(
            f"cannot reach the SMTP relay {settings.host}:{settings.port} "
            f"({settings.security.value}): {type(exc).__name__}: {exc}"
        ) from exc
    sent: list[int] = []
    failed: list[tuple[int, str]] = []
    with client:
        if settings.user:
            try:
                client.login(settings.user, settings.password or "")
            except smtplib.SMTPException as exc:
                raise SendError(
                    f"the SMTP relay {settings.host} refused the login of {settings.user} "
                    f"({type(exc).__name__})"
                ) from exc
        for position, message in enumerate(messages):
            try:
                client.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                failed.append((position, f"refused: {type(exc).__name__}"))
            except (OSError, smtplib.SMTPException) as exc:
                # The connection is gone: the rest cannot be sent either.
                reason = f"connection lost: {type(exc).__name__}"
                failed += [(rest, reason) for rest in range(position, len(messages))]
                break
            else:
                sent.append(position)
    logger.info("sent %d reminders, %d failed", len(sent), len(failed))
    return Outcome(tuple(sent), tuple(failed))
