"""The output format family: a formatter renders a ``Report`` to text."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import ClassVar

from auditor.errors import AuditorError
from auditor.report import Report


class FormatError(AuditorError):
    """A report cannot be rendered or written."""


class Formatter(ABC):
    """Renders a report; never sees a password (reports hold none)."""

    extension: ClassVar[str]
    """File extension used with ``--out`` (``json``, ``md``…)."""

    @abstractmethod
    def render(self, report: Report) -> str:
        """The report as text, deterministic for a given report."""

    def chunks(self, report: Report) -> Iterator[str]:
        """The same text in pieces, for formats that can produce a large report piecemeal."""
        yield self.render(report)
