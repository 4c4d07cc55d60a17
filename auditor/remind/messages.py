"""Reminder e-mails: subject and text/plain body from ``reports/reminder.txt.j2``, in FR or EN."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid

from auditor.formats.describe import (
    distinct_actions,
    severity_label,
    spelled_address,
    spelling_addresses,
)
from auditor.i18n import Catalog, Rendered
from auditor.i18n.templates import environment
from auditor.remind.plan import Audience, Item, Reminder
from auditor.safetext import plain

_LINE_BREAKS = re.compile(r"[\r\n\t]+")


@dataclass(frozen=True)
class _ItemView:
    line: str
    reasons: tuple[str, ...]
    actions: tuple[str, ...]
    reminded: int


@dataclass(frozen=True)
class Draft:
    """A reminder as words: its subject and body, ready to become a message."""

    reminder: Reminder
    subject: str
    body: str

    def message(self, sender: str, *, draft: bool = False) -> EmailMessage:
        """The e-mail; ``draft`` marks it unsent, so a mail client opens it ready to send."""
        reminder = self.reminder
        message = EmailMessage(policy=SMTP)
        message["From"] = sender
        if reminder.email:
            message["To"] = formataddr((_one_line(reminder.name), reminder.email))
        message["Subject"] = self.subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        # RFC 3834: a machine wrote it; auto-responders should not answer.
        message["Auto-Submitted"] = "auto-generated"
        if draft:
            message["X-Unsent"] = "1"
        message.set_content(self.body, cte="quoted-printable")
        return message


def _one_line(text: str) -> str:
    """A value for a mail header: line breaks would start a header of the inventory's choosing.

    They become spaces (a folded subject reads on); any other control character U+FFFD.
    """
    return plain(_LINE_BREAKS.sub(" ", text).strip())


def when(words: Catalog, due: date, as_of: date | None = None) -> Rendered:
    """``by 22 November 2026``; ``today`` on the audit day itself, ``by tomorrow`` the day after.

    Without ``as_of`` (a calendar's to-do, read on any day) the day is always written.
    """
    if as_of is not None and due <= as_of:
        return words.t("remind.when.today")  # overdue is due now: "by" a past day reads wrong
    if as_of is not None and due == as_of + timedelta(days=1):
        return words.t("remind.when.tomorrow")
    return words.t("remind.when.day", due=words.day(due))


def item_line(words: Catalog, item: Item, as_of: date | None = None) -> str:
    """``Viamedis — login jdoe (Jeanne Doe): by 22 November 2026 (critical)``."""
    ref = item.account
    name = item.portal_name
    # A site outside the policy is named by its host, which a mail client would link.
    portal = spelled_address(words, name) if "." in name and " " not in name else name
    return words.t(
        "remind.item",
        portal=portal,
        username=ref.username,
        owner=words.t("remind.owner_suffix", owner=ref.owner) if ref.owner else "",
        when=when(words, item.due, as_of),
        severity=severity_label(words, item.severity),
    )


def item_actions(words: Catalog, item: Item) -> tuple[str, ...]:
    """The item's steps, each once (findings of one account share "change it on the portal").

    The portal's address is spelled out ("viamedis dot net"): a mail client would
    make a link of ``viamedis.net``, and a reminder never carries one.
    """
    return distinct_actions(words, item.findings, spell_address=True)


def _item(words: Catalog, item: Item, as_of: date | None) -> _ItemView:
    line = item_line(words, item, as_of)
    actions = item_actions(words, item)
    # Sites a finding names are spelled out as the portal's address is: no link in a reminder.
    reasons = tuple(words.text(spelling_addresses(words, f.message)) for f in item.findings)
    return _ItemView(line, reasons, actions, item.reminded)


def draft(words: Catalog, reminder: Reminder, as_of: date | None = None) -> Draft:
    """The subject and body of one reminder, in the catalogue's language.

    ``as_of``, the audit day, lets a deadline on that day read "today".

    Every value (names, logins) loses its control characters: the body through
    the template's ``finalize``, the sentences through the catalogue's escaper.
    """
    words = words.escaped(plain)
    practice = reminder.practice.name or reminder.practice.id
    n = len(reminder.items)
    due = when(words, reminder.due, as_of)
    match reminder.audience:
        case Audience.OWNER:
            subject = words.t("remind.subject_owner", n=n, when=due)
            intro = words.t("remind.intro_owner", n=n, practice=practice)
        case Audience.PRACTICE:
            subject = words.t("remind.subject_practice", n=n, when=due, practice=practice)
            intro = words.t("remind.intro_practice", n=n, practice=practice)
        case Audience.ESCALATION:
            subject = words.t("remind.subject_escalation", n=n, practice=practice)
            intro = words.t("remind.intro_escalation", n=n, practice=practice)
    body = (
        environment(html=False)
        .get_template("reminder.txt.j2")
        .render(
            t=words.t,
            name=reminder.name,
            intro=intro,
            items=[_item(words, item, as_of) for item in reminder.items],
            practice=practice,
        )
    )
    return Draft(reminder, _one_line(subject), body)
