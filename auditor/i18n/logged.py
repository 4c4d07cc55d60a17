"""Log lines as sentences: English for any handler, the reader's language for the command line's.

A layer below ``cli`` logs a sentence as the single argument of its record,
``logger.warning("%s", logged("log.…", path=…))``. It does not know the reader's
language, and need not: ``Logged`` holds the ``Phrase``, and its ``str()`` is the
English text, so every handler that formats records the usual way (``caplog``,
a ``logging.basicConfig`` of a program embedding the package, ``getMessage()``)
reads the English line it always read. The command line's formatter
(``auditor/cli/logs.py``) finds ``Logged`` arguments and renders their phrase in
the command line's language instead.

Why not the bare ``Phrase`` as the argument: ``phrase.py`` imports nothing, so a
``Phrase`` cannot put itself into words, and any handler but the CLI's would print
its ``repr``. The fallback lives here, beside the catalogue it needs.
"""

from __future__ import annotations

from auditor.i18n.catalogue import Lang, catalog
from auditor.i18n.phrase import Arg, Phrase, phrase


class Logged:
    """A log record's argument: a phrase, written in English by ``str()``."""

    __slots__ = ("phrase",)

    def __init__(self, said: Phrase) -> None:
        self.phrase = said

    def __str__(self) -> str:
        return str(catalog(Lang.EN).text(self.phrase))

    def __repr__(self) -> str:
        return f"Logged({self.phrase.key!r})"


def logged(key: str, /, **args: Arg) -> Logged:
    """The sentence ``key`` with its values, for ``logger.warning("%s", logged(…))``."""
    return Logged(phrase(key, **args))
