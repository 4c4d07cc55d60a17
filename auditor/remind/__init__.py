"""Reminders: per person, the accounts to change, as CSV, calendar, e-mail drafts or SMTP."""

from auditor.remind.deliver import Delivered, Delivery, deliver
from auditor.remind.messages import Draft, draft
from auditor.remind.outputs import MERGE_COLUMNS, dry_run_text, merge_csv, write_outputs
from auditor.remind.plan import ESCALATE_AFTER, Audience, Item, Reminder, plan_reminders
from auditor.remind.send import Outcome, SendError, SmtpSecurity, SmtpSettings, send_all

__all__ = [
    "ESCALATE_AFTER",
    "MERGE_COLUMNS",
    "Audience",
    "Delivered",
    "Delivery",
    "Draft",
    "Item",
    "Outcome",
    "Reminder",
    "SendError",
    "SmtpSecurity",
    "SmtpSettings",
    "deliver",
    "draft",
    "dry_run_text",
    "merge_csv",
    "plan_reminders",
    "send_all",
    "write_outputs",
]
