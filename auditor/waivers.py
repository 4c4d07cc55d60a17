"""Applying waivers: which findings an accepted risk excuses, and which waivers lapsed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from auditor.models import Finding
from auditor.policy import Waiver


@dataclass(frozen=True)
class Waived:
    """A finding an active waiver excuses: reported as waived, never counted, failed or reminded."""

    finding: Finding
    waiver: Waiver
    """The first waiver, in policy order, that names the finding."""


@dataclass(frozen=True)
class Waivers:
    """The findings split by the waivers in force on the audit day."""

    active: tuple[Finding, ...]
    """Findings that count: no waiver in force names them."""
    waived: tuple[Waived, ...]
    expired: tuple[Waiver, ...]
    """Waivers past their expiry: they no longer apply, and the report says so."""


def apply_waivers(findings: Sequence[Finding], waivers: Sequence[Waiver], today: date) -> Waivers:
    """Split findings (in their order) by the waivers in force on ``today``."""
    in_force = [waiver for waiver in waivers if waiver.active_on(today)]
    active: list[Finding] = []
    waived: list[Waived] = []
    for finding in findings:
        waiver = next((w for w in in_force if w.matches(finding)), None)
        if waiver is None:
            active.append(finding)
        else:
            waived.append(Waived(finding, waiver))
    expired = tuple(waiver for waiver in waivers if not waiver.active_on(today))
    return Waivers(tuple(active), tuple(waived), expired)
