"""Errors whose message is a catalogue phrase: English in ``str()``, the reader's words in a CLI."""

from __future__ import annotations

from typing import TypeVar

from auditor.errors import AuditorError
from auditor.i18n.catalogue import Lang, catalog
from auditor.i18n.phrase import Arg, phrase

E = TypeVar("E", bound=AuditorError)


def failure(kind: type[E], key: str, /, **args: Arg) -> E:
    """An error of ``kind`` saying ``key``: English text, and the phrase for the reader's language.

    Values are filled in as text: pass numbers and days already written
    (``str(port)``, ``day.isoformat()``) when a program may read the line.
    """
    said = phrase(key, **args)
    return kind(catalog(Lang.EN).text(said), phrase=said)
