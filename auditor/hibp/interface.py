"""The breach-lookup family: outcomes as types, the source interface and its errors."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from auditor.errors import AuditorError
from auditor.progress import Advance, no_progress


class HibpError(AuditorError):
    """A breach lookup failed (network, HTTP status, unparseable answer)."""


class CorpusError(HibpError):
    """An offline corpus is missing, of the wrong kind, or damaged."""


@dataclass(frozen=True)
class Pwned:
    """The password's hash is in Have I Been Pwned."""

    count: int
    """How many times it was seen in breaches."""


@dataclass(frozen=True)
class Clean:
    """The lookup succeeded and the hash is not in the corpus."""


@dataclass(frozen=True)
class Unknown:
    """The lookup failed: the password may or may not be breached."""

    reason: str
    """Why, without the hash (a prefix is fine: it is what left the machine)."""


LookupResult = Pwned | Clean | Unknown


class BreachSource(ABC):
    """Answers, for SHA-1 hashes held in memory, whether each is a known breached password."""

    description: str
    """Where lookups go, for the report (a URL or a corpus path)."""

    @abstractmethod
    def check(
        self, sha1_hashes: Collection[str], progress: Advance = no_progress
    ) -> Mapping[str, LookupResult]:
        """An outcome for every hash (40 upper-case hex digits) given; never raises for one.

        ``progress`` is called with counts of hashes settled, adding up to all of them.
        """

    def close(self) -> None:  # noqa: B027 - most sources hold nothing to release
        """Release files or connections."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
