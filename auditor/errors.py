"""The root of every error portal-auditor raises on purpose; each layer subclasses it."""

from __future__ import annotations

from typing import Protocol


class Said(Protocol):
    """A sentence a catalogue can put into words: ``auditor.i18n.Phrase``.

    Named here by its shape, because errors sit below ``i18n`` and import nothing.
    """

    @property
    def key(self) -> str:
        """The catalogue key of the sentence."""
        ...


class AuditorError(Exception):
    """An expected failure the CLI turns into one clear line and an exit code.

    Messages never contain a password or anything derived from one: they are
    printed, logged and sometimes written into reports.

    ``str(error)`` is English (logs, tests). An error that also carries the
    ``phrase`` of its message is printed by the CLI in the reader's language:
    build it with ``auditor.i18n.failure.failure(Kind, key, **values)``.
    """

    phrase: Said | None = None
    """The message as a catalogue phrase, when the layer that raised it had one."""

    def __init__(self, *args: object, phrase: Said | None = None) -> None:
        super().__init__(*args)
        if phrase is not None:
            self.phrase = phrase


class UsageError(AuditorError):
    """The command line asks for something contradictory or impossible."""
