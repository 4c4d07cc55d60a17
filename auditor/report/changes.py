"""Finding fingerprints, and what changed for a practice since its previous audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from auditor.models import CheckId, Finding
from auditor.text import fold


@dataclass(frozen=True)
class FindingKey:
    """A finding's stable fingerprint from run to run: nothing in it comes from a password."""

    practice_id: str
    portal: str
    username: str
    """As the inventory spells it; compared folded (``key``), shown as is."""
    check: CheckId

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The identity: practice, portal, folded username, check id."""
        return (self.practice_id, self.portal, fold(self.username), self.check.value)

    @classmethod
    def of(cls, finding: Finding) -> FindingKey:
        """The fingerprint of a finding."""
        ref = finding.account
        return cls(ref.practice_id, ref.portal, ref.username, finding.check)

    def __str__(self) -> str:
        return f"{self.portal} {self.username} {self.check.value}"


@dataclass(frozen=True)
class PracticeChanges:
    """One practice's findings compared with its previous recorded audit."""

    previous_run: int | None
    """The id of the previous run that audited this practice; None on its first recorded audit."""
    previous_as_of: date | None
    new: tuple[FindingKey, ...]
    """Findings this run that the previous run did not have."""
    fixed: tuple[FindingKey, ...]
    """Findings of the previous run that are gone while the account is still in the inventory."""
    gone: tuple[FindingKey, ...]
    """Findings of the previous run whose account left the inventory: not proof of a fix."""

    @property
    def first(self) -> bool:
        """Whether this is the practice's first recorded audit (nothing to compare with)."""
        return self.previous_run is None


def changes_document(changes: PracticeChanges) -> dict[str, Any]:
    """The changes as JSON-ready data, for the report's ``since_previous`` and ``history``."""

    def keys(found: tuple[FindingKey, ...]) -> list[dict[str, str]]:
        return [{"portal": k.portal, "username": k.username, "check": k.check.value} for k in found]

    return {
        "previous_run": changes.previous_run,
        "previous_as_of": changes.previous_as_of.isoformat() if changes.previous_as_of else None,
        "new": keys(changes.new),
        "fixed": keys(changes.fixed),
        "no_longer_in_inventory": keys(changes.gone),
    }
