"""The reminders as an iCalendar file: one to-do per account, due on its deadline, with an alarm."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from auditor.i18n import Catalog
from auditor.models import Severity
from auditor.remind.messages import item_actions, item_line
from auditor.remind.plan import Reminder
from auditor.safetext import plain

# RFC 5545 PRIORITY: 1 is the highest, 9 the lowest.
_PRIORITY = {Severity.CRITICAL: 1, Severity.HIGH: 3, Severity.MEDIUM: 5, Severity.LOW: 9}
_NAMESPACE = uuid.UUID("5b0e7e4e-7f53-4d1f-9a59-7a0a43c1f2de")
"""Fixed, so that a to-do keeps its UID from week to week and a re-import updates it."""


def calendar(words: Catalog, reminders: Sequence[Reminder], as_of: date) -> bytes:
    """A VCALENDAR with a VTODO per account and reminder, each with a display alarm.

    icalendar escapes the format's own separators; control characters of a
    value become U+FFFD first (the catalogue's escaper), as in every output.
    """
    # Imported here: icalendar is a sixth of a second of every start, and only this needs it.
    import icalendar  # noqa: PLC0415

    words = words.escaped(plain)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//portal-auditor//reminders//" + words.lang.value.upper())
    cal.add("version", "2.0")
    stamp = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    for reminder in reminders:
        for item in reminder.items:
            ref = item.account
            todo = icalendar.Todo()
            key = "|".join(
                (ref.practice_id, ref.portal, ref.username.casefold(), reminder.audience.value)
            )
            todo.add("uid", f"{uuid.uuid5(_NAMESPACE, key)}@portal-auditor")
            todo.add("dtstamp", stamp)
            todo.add("summary", item_line(words, item))
            lines: list[str] = [words.text(f.message) for f in item.findings]
            lines += item_actions(words, item)
            lines += [words.t("remind.how"), words.t("remind.never_share")]
            todo.add("description", "\n".join(lines))
            todo.add("due", item.due)
            todo.add("priority", _PRIORITY[item.severity])
            todo.add("status", "NEEDS-ACTION")
            if reminder.email:
                todo.add("attendee", f"mailto:{reminder.email}")
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", words.t("remind.how_title"))
            # The day before the deadline; a deadline of today rings at once.
            alarm.add("trigger", timedelta(days=-1), parameters={"RELATED": "END"})
            todo.add_component(alarm)
            cal.add_component(todo)
    ical: bytes = cal.to_ical()
    return ical
