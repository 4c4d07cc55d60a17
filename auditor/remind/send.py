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
from auditor.i18n.failure import failure
from auditor.i18n.logged import Logged, logged
from auditor.i18n.phrase import Arg, Phrase, phrase
from auditor.text import is_loopback

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 30.0
"""Seconds any one read or write on the relay's connection may take (``smtplib`` waits for ever
without one)."""


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
    timeout: float = SMTP_TIMEOUT_S

    def check(self) -> None:
        """Refuse plain SMTP beyond this machine unless explicitly allowed."""
        if self.security is SmtpSecurity.NONE and not (
            is_loopback(self.host) or self.allow_plaintext
        ):
            # Reminders name people, logins and portals; on the network they need TLS.
            raise failure(SendError, "smtp.plaintext", host=self.host)


@dataclass(frozen=True)
class Outcome:
    """What became of each message, by its position in the batch."""

    sent: tuple[int, ...]
    """Positions of the messages the relay accepted (with ``250`` after their data)."""
    failed: tuple[tuple[int, Phrase], ...]
    """(position, reason) of each message not sent, in the reader's words once rendered."""
    problems: tuple[str, ...] = ()
    """Failures that undo nothing already accepted (a refused ``QUIT``), logged as errors."""


# What ends the conversation: the rest cannot be sent. OSError covers timeouts, resets and
# TLS errors; smtplib's own exceptions are OSErrors too, so they are told apart first.
_CONNECTION_LOST = (smtplib.SMTPServerDisconnected, OSError)
# A reply the relay gave to one message (sender, recipient or data refused, 4xx or 5xx), or
# a message it cannot take (an address needing SMTPUTF8): that message only.
_MESSAGE_REFUSED = (smtplib.SMTPException, ValueError)


def _reason(exc: BaseException) -> str:
    """A failure for people: the exception's type and the relay's code, never its free text."""
    code = getattr(exc, "smtp_code", None)
    if code is None and isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = next((reply[0] for reply in exc.recipients.values()), None)
    return type(exc).__name__ + (f" {code}" if isinstance(code, int) else "")


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=settings.cafile)
    if settings.security is SmtpSecurity.TLS:
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.security is SmtpSecurity.STARTTLS:
            client.starttls(context=context)
            client.ehlo()
    except BaseException:
        client.close()
        raise
    return client


def _open(settings: SmtpSettings) -> smtplib.SMTP:
    """A connected, logged-in client, or a ``SendError`` before anything is sent."""
    try:
        client = _connect(settings)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        # ValueError: a host name IDNA cannot encode (UnicodeError), a NUL in it.
        raise failure(
            SendError,
            "smtp.unreachable",
            host=settings.host,
            port=str(settings.port),
            security=settings.security.value,
            reason=_reason(exc),
        ) from exc
    if settings.user:
        try:
            client.login(settings.user, settings.password or "")
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            # ValueError: smtplib encodes credentials as ASCII (a UnicodeEncodeError,
            # whose own text would quote the password's character: never shown).
            client.close()
            why: Arg = phrase("smtp.login_ascii") if isinstance(exc, UnicodeError) else _reason(exc)
            raise failure(
                SendError,
                "smtp.login_refused",
                host=settings.host,
                user=settings.user,
                reason=why,
            ) from exc
    return client


def _lost(position: int, total: int, exc: BaseException) -> list[tuple[int, Phrase]]:
    reason = phrase("smtp.lost", reason=_reason(exc))
    return [(rest, reason) for rest in range(position, total)]


def _quit(client: smtplib.SMTP, host: str, accepted: int) -> Logged | None:
    """End the session; a relay failing here has still accepted what it said 250 to."""
    if client.sock is None:  # smtplib closed it after a 421: nothing to end
        return None
    reason: Arg
    try:
        code, _ = client.quit()
    except _CONNECTION_LOST as exc:
        code, reason = None, _reason(exc)
    else:
        reason = phrase("log.smtp_quit_code", code=str(code))
    if code == 221:
        return None
    return logged("log.smtp_quit", host=host, count=str(accepted), reason=reason)


def send_all(messages: Sequence[EmailMessage], settings: SmtpSettings) -> Outcome:
    """Send each message on one connection; a refused recipient does not stop the others.

    Every message ends in ``sent`` or ``failed``; nothing the relay accepted is undone by
    what happens after (a refused ``QUIT`` is one of ``problems``).
    """
    settings.check()
    client = _open(settings)
    sent: list[int] = []
    failed: list[tuple[int, Phrase]] = []
    problems: list[str] = []
    try:
        for position, message in enumerate(messages):
            try:
                client.send_message(message)
            except smtplib.SMTPServerDisconnected as exc:
                failed += _lost(position, len(messages), exc)
                break
            except _MESSAGE_REFUSED as exc:
                failed.append((position, phrase("smtp.refused", reason=_reason(exc))))
            except OSError as exc:
                failed += _lost(position, len(messages), exc)
                break
            else:
                sent.append(position)
        else:
            if (problem := _quit(client, settings.host, len(sent))) is not None:
                logger.error("%s", problem)
                problems.append(str(problem))
    finally:
        client.close()
    said = logged("log.sent", count=str(len(sent)), failed=str(len(failed)), n=len(sent))
    logger.info("%s", said)
    return Outcome(tuple(sent), tuple(failed), tuple(problems))
