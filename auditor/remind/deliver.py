"""Reminder delivery: draft one message per person, then write, send or show them, and record it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from auditor.formats.interface import CsvDialect
from auditor.history import History, RecordedRun
from auditor.i18n import Catalog
from auditor.models import AccountRef
from auditor.policy import Policy
from auditor.remind.messages import Draft, draft
from auditor.remind.outputs import dry_run_text, write_outputs
from auditor.remind.plan import plan_reminders
from auditor.remind.send import SmtpSettings, send_all
from auditor.report import Report

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """How reminders leave: drafts written to a folder, SMTP, both, or neither (a dry run)."""

    sender: str | None
    """The ``From:`` address; needed to write or send."""
    out: Path | None = None
    """Write ``reminders.csv``, ``reminders.ics`` and ``eml/*.eml`` here."""
    smtp: SmtpSettings | None = None
    """Send through this relay."""
    dialect: CsvDialect = CsvDialect.STANDARD

    @property
    def dry_run(self) -> bool:
        """Nothing is written or sent: every message is shown instead."""
        return self.out is None and self.smtp is None


@dataclass(frozen=True)
class Delivered:
    """What became of the reminders of one run."""

    failed: int
    """Messages the relay did not take."""
    late_problems: bool
    """A failure after the messages were accepted (a refused ``QUIT``), already logged."""

    @property
    def complete(self) -> bool:
        """Every reminder that should have left did."""
        return not self.failed and not self.late_problems


def deliver(
    report: Report,
    policy: Policy,
    words: Catalog,
    delivery: Delivery,
    *,
    recorded: RecordedRun | None,
    show: Callable[[str], None],
    tell: Callable[[str], None],
) -> Delivered:
    """Draft, then write, send or show the reminders, and record who was reminded.

    ``show`` prints the dry run's messages (stdout); ``tell`` prints one status
    line for the person running it (stderr).
    """
    reminded: dict[AccountRef, int] = {}
    if recorded is not None:
        with History.open(recorded.path) as history:
            refs = [ref for p in report.practices for ref in p.findings_by_account]
            reminded = history.reminded_runs(refs, before_run=recorded.run_id)
    drafts = [draft(words, r, report.as_of) for r in plan_reminders(report, policy, reminded)]
    for unreachable in (d.reminder for d in drafts if d.reminder.email is None):
        logger.warning(
            words.t(
                "remind.status.unreachable",
                practice=unreachable.practice.id,
                audience=words.t(f"remind.status.audience.{unreachable.audience.value}"),
                n=len(unreachable.items),
                fix=words.t("remind.status.add_address"),
            )
        )
    reachable = [d for d in drafts if d.reminder.email]
    sender = delivery.sender or ""
    delivered: list[Draft] = []
    if delivery.out is not None:
        written = write_outputs(
            delivery.out,
            words,
            drafts,
            as_of=report.as_of,
            sender=sender,
            dialect=delivery.dialect,
        )
        logger.info(words.t("remind.status.wrote", n=len(written), path=str(delivery.out)))
        delivered = reachable  # a written draft is a reminder handed over
    failed, late = 0, False
    if delivery.smtp is not None:
        outcome = send_all([d.message(sender) for d in reachable], delivery.smtp)
        for position, reason in outcome.failed:
            address = reachable[position].reminder.email or ""
            logger.error(words.t("remind.status.not_sent", address=address, reason=reason))
        failed = len(outcome.failed)
        late = bool(outcome.problems)  # send_all logged them
        if delivery.out is None:
            delivered = [reachable[position] for position in outcome.sent]
        tell(words.t("remind.status.sent", n=len(outcome.sent), failed=failed))
    if delivery.dry_run:
        show(dry_run_text(words, drafts, delivery.sender or "(--from)"))
        tell(words.t("remind.status.dry_run", n=len(drafts)))
    if recorded is not None and delivered:
        with History.open(recorded.path) as history:
            history.record_reminders(
                recorded.run_id,
                [
                    (item.account, d.reminder.audience.value)
                    for d in delivered
                    for item in d.reminder.items
                ],
            )
    return Delivered(failed, late)
