"""Reminder outputs: the mail-merge CSV, the calendar, ``.eml`` drafts, and the dry run's text."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from auditor.files.private import PrivateFolder
from auditor.formats.csvfmt import csv_writer, spreadsheet_safe
from auditor.formats.describe import severity_label
from auditor.formats.interface import CsvDialect
from auditor.formats.write import write_error
from auditor.i18n import Catalog
from auditor.remind.calendar import calendar
from auditor.remind.messages import Draft, item_actions
from auditor.safetext import plain

MERGE_COLUMNS = (
    "practice_id",
    "practice_name",
    "audience",
    "recipient_name",
    "recipient_email",
    "portal",
    "portal_name",
    "username",
    "owner",
    "severity",
    "due",
    "checks",
    "reasons",
    "actions",
    "reminded_before",
)
"""Public column names: mail-merge templates refer to them. New ones go at the end."""


def merge_csv(words: Catalog, drafts: Sequence[Draft], dialect: CsvDialect) -> str:
    """One row per account and recipient, for a word processor's mail merge."""
    words = words.escaped(plain)
    buffer = io.StringIO()
    writer = csv_writer(buffer, dialect)
    writer.writerow(MERGE_COLUMNS)
    for drafted in drafts:
        reminder = drafted.reminder
        for item in reminder.items:
            ref = item.account
            row = (
                reminder.practice.id,
                reminder.practice.name,
                reminder.audience.value,
                reminder.name,
                reminder.email or "",
                ref.portal,
                item.portal_name,
                ref.username,
                ref.owner or "",
                severity_label(words, item.severity),
                item.due.isoformat(),
                " ".join(f.check.value for f in item.findings),
                " | ".join(words.text(f.message) for f in item.findings),
                " | ".join(item_actions(words, item)),
                str(item.reminded),
            )
            writer.writerow([spreadsheet_safe(cell) for cell in row])
    return buffer.getvalue()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "practice"


def write_outputs(
    out: Path,
    words: Catalog,
    drafts: Sequence[Draft],
    *,
    as_of: date,
    sender: str,
    dialect: CsvDialect,
) -> list[Path]:
    """``reminders.csv``, ``reminders.ics`` and ``eml/NNN-<who>.eml`` (drafts with an address)."""
    written: list[Path] = []
    ics = calendar(words, [d.reminder for d in drafts], as_of).decode("utf-8")
    try:
        # Like reports: DIR is made 0700 and nothing below it is reached through a
        # symlink (a planted DIR/eml link is refused, never written through).
        with PrivateFolder.open(out) as root:
            written.append(root.write("reminders.csv", merge_csv(words, drafts, dialect)))
            written.append(root.write("reminders.ics", ics))
            with root.folder("eml") as eml:
                for number, drafted in enumerate(drafts, start=1):
                    reminder = drafted.reminder
                    if reminder.email is None:
                        continue
                    who = _slug(
                        f"{reminder.practice.id}-{reminder.audience.value}-{reminder.email}"
                    )
                    name = f"{number:03d}-{who}.eml"
                    written.append(eml.write(name, drafted.message(sender, draft=True).as_string()))
    except OSError as exc:
        raise write_error(exc, out) from exc
    return written


def dry_run_text(words: Catalog, drafts: Sequence[Draft], sender: str) -> str:
    """Every message that would be sent, in full, and the people no message can reach.

    It goes to a terminal: every value loses its control characters (the body
    already did, through its template), so a name cannot retitle or clear it.
    """
    out = []
    for drafted in drafts:
        reminder = drafted.reminder
        to = plain(reminder.email or f"— {words.t('remind.no_address')}")
        name = plain(reminder.name)
        out += [
            "=" * 72,
            f"From: {plain(sender)}",
            f"To: {name} <{to}>" if reminder.email else f"To: {name} {to}",
            f"Subject: {plain(drafted.subject)}",
            "",
            drafted.body.rstrip("\n"),
            "",
        ]
    return "\n".join(out) + ("\n" if out else "")
