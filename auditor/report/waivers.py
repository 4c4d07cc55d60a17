"""Applying waivers: which findings an accepted risk excuses, and which waivers lapsed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from auditor.models import CheckId, Finding
from auditor.policy import Waiver
from auditor.text import fold


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


_Key = tuple[CheckId | None, str | None, str | None, str | None]


def _key(waiver: Waiver) -> _Key:
    """What a waiver names; None where it matches anything."""
    username = None if waiver.username is None else fold(waiver.username)
    return (waiver.check, waiver.practice, waiver.portal, username)


_Shape = tuple[bool, bool, bool, bool]
"""Which of a key's four fields a waiver names."""


def _shape(key: _Key) -> _Shape:
    return (key[0] is not None, key[1] is not None, key[2] is not None, key[3] is not None)


def _candidate_keys(finding: Finding, shapes: Iterable[_Shape]) -> Iterator[_Key]:
    """The key a waiver of each of ``shapes`` would have if it named ``finding``."""
    ref = finding.account
    named = (finding.check, ref.practice_id, ref.portal, fold(ref.username))
    for shape in shapes:
        yield tuple(  # type: ignore[misc]
            value if keep else None for value, keep in zip(named, shape, strict=True)
        )


def apply_waivers(findings: Sequence[Finding], waivers: Sequence[Waiver], today: date) -> Waivers:
    """Split findings (in their order) by the waivers in force on ``today``.

    The first waiver in policy order that names a finding excuses it. Waivers
    are indexed by what they name, so each finding costs a look-up per shape of
    waiver in force (which fields they name: 15 at most), instead of a pass over
    every waiver (a 1 MiB policy holds some 20,000 of them); with no waiver, none.
    """
    first: dict[_Key, tuple[int, Waiver]] = {}
    for order, waiver in enumerate(waivers):
        if waiver.active_on(today):
            first.setdefault(_key(waiver), (order, waiver))
    shapes = tuple({_shape(key): None for key in first})
    expired = tuple(waiver for waiver in waivers if not waiver.active_on(today))
    if not shapes:  # no waiver in force: nothing to look up, not even a folded login
        return Waivers(tuple(findings), (), expired)
    active: list[Finding] = []
    waived: list[Waived] = []
    for finding in findings:
        found = [first[key] for key in _candidate_keys(finding, shapes) if key in first]
        if found:
            waived.append(Waived(finding, min(found, key=lambda pair: pair[0])[1]))
        else:
            active.append(finding)
    return Waivers(tuple(active), tuple(waived), expired)
