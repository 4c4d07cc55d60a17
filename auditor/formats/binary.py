"""Formats whose files are bytes (PDF): laid out from a text rendering, written as they are."""

from __future__ import annotations

from abc import abstractmethod

from auditor.formats.interface import Formatter
from auditor.report import Report


class BinaryFormatter(Formatter):
    """A formatter whose ``--out`` files and stdout are bytes.

    ``render`` still gives text: the source the bytes are laid out from (the HTML
    page of a PDF), so that what every format shows can be read and tested the same way.
    """

    @abstractmethod
    def document(self, report: Report) -> bytes:
        """The file for ``report``, deterministic for a given report."""

    def summary_document(self, report: Report) -> bytes:
        """``summary.<ext>`` next to the per-practice files: the whole report unless overridden."""
        return self.document(report)

    def ready(self) -> None:
        """Raise ``FormatError`` now if this machine cannot produce the format.

        Called before an audit runs, so that a missing library does not cost a run.
        """
