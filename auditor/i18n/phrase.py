"""Sentences as data: a catalogue key and its values, put into words only by a format.

Checks and reports say *what* to tell people as a ``Phrase``; each human format
renders it in the reader's language (``auditor.i18n``), and the JSON report in
English. Values are names, counts and dates — never anything about a password.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias


class Joiner(enum.Enum):
    """How the items of a ``Series`` are put together."""

    AND = "and"
    """``a, b and c`` (``a, b et c``)."""
    CLAUSES = "clauses"
    """``a; b`` — reasons that are sentences of their own."""


@dataclass(frozen=True)
class Series:
    """Several values read as one: names, kinds or reasons."""

    items: tuple[Arg, ...]
    joiner: Joiner = Joiner.AND
    more: int = 0
    """Further items not listed: rendered as ``… and 3 more``."""


@dataclass(frozen=True)
class Localized:
    """A name that policy data gives in each language (an incident's name)."""

    en: str
    fr: str


@dataclass(frozen=True)
class Phrase:
    """A catalogue key with the values its text needs, in the reader's language once rendered."""

    key: str
    """A key of the catalogues (``auditor/i18n/locales/*.toml``), such as ``finding.breached``."""
    args: tuple[tuple[str, Arg], ...] = ()
    """The named values the text refers to, in a stable order."""

    def arg(self, name: str) -> Arg:
        """One value by name (``KeyError`` when absent)."""
        return dict(self.args)[name]


Arg: TypeAlias = str | int | date | Localized | Phrase | Series
"""A value in a phrase: text shown as is, a count, a day, or words of their own."""


def phrase(key: str, **args: Arg) -> Phrase:
    """``Phrase(key, args)`` with the values sorted by name, so equal phrases compare equal."""
    return Phrase(key, tuple(sorted(args.items())))
