"""The inventory source family: what a source returns and how it fails."""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from auditor.errors import AuditorError
from auditor.i18n.failure import failure
from auditor.i18n.phrase import phrase
from auditor.models import Account, OtherEntry, Practice, RowProblem
from auditor.policy import Policy, Portal
from auditor.policy.names import NearMiss


class SourceError(AuditorError):
    """An inventory file cannot be read at all (missing, unreadable, unknown format)."""


@dataclass(frozen=True)
class LoadResult:
    """The accounts a source could read, and every problem it found."""

    accounts: tuple[Account, ...]
    problems: tuple[RowProblem, ...]
    left_out: int = 0
    """Vault entries that match no portal of the policy (audited only with ``--all-entries``)."""
    portals: tuple[Portal, ...] = ()
    """Portals made up for such entries with ``--all-entries``, one per web site."""
    near_misses: tuple[NearMiss, ...] = ()
    """Left-out entries whose title nearly names a portal, so the report names them."""
    others: tuple[OtherEntry, ...] = ()
    """Every left-out entry, with its password: compared with the portals' passwords
    (``reused-elsewhere``), never audited nor looked up."""


class Unlock(enum.Enum):
    """A secret a source needs to open its file."""

    KEEPASS = "KeePass master password"
    BITWARDEN = "Bitwarden export password"


SECRET_WORDS = {Unlock.KEEPASS: "cli.secret.keepass", Unlock.BITWARDEN: "cli.secret.bitwarden"}
"""Each secret's name in the catalogues (the command line asks for it by the same words)."""


def _no_secret(kind: Unlock, path: Path) -> str:
    raise failure(
        SourceError, "source_error.needs_secret", path=str(path), kind=phrase(SECRET_WORDS[kind])
    )


@dataclass(frozen=True)
class PracticeRule:
    """A line of a practice mapping file: entries found under ``match`` belong to ``practice``."""

    match: str
    """A folder, group or collection name, or an export's file name, folded (case, accents)."""
    practice: Practice


@dataclass(frozen=True)
class SourceOptions:
    """What the command line tells sources besides the file: secrets and practice hints."""

    practice: Practice | None = None
    """``--practice``: the practice of entries that say nothing of theirs."""
    practice_map: tuple[PracticeRule, ...] = ()
    """``--practice-map``: practices by folder, group, collection or file name."""
    all_entries: bool = False
    """Audit vault entries that match no known portal too."""
    keepass_key_file: Path | None = None
    allow_costly_kdf: bool = False
    """``--allow-costly-kdf``: derive a vault's key even when its settings exceed the caps."""
    ask_secret: Callable[[Unlock, Path], str] = _no_secret
    """Gives the password that opens a file (from a file, the environment or a prompt)."""


class InventorySource(ABC):
    """Turns one inventory file into ``Account`` records."""

    path: str

    @abstractmethod
    def load(self, policy: Policy, as_of: date) -> LoadResult:
        """Read every account; collect row problems instead of stopping at the first.

        Raises ``SourceError`` only when nothing at all can be read.
        """
