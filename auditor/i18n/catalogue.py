"""The reader's language: catalogues of every human string, and dates and numbers in its format."""

from __future__ import annotations

import enum
import functools
import locale
import string
import tomllib
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import assert_never

from auditor.errors import AuditorError
from auditor.files.packaged import package_text
from auditor.i18n.phrase import Arg, Joiner, Localized, Phrase, Series

Entry = str | tuple[str, ...] | Mapping[str, str]
"""A catalogue value: a text, a list (month names) or plural forms (``one``, ``other``)."""

PLURAL_FORMS = frozenset({"one", "other"})


class I18nError(AuditorError):
    """A catalogue lacks a key or a value a text refers to: a bug, caught by the tests."""


class Rendered(str):
    """Text a catalogue already put into words (and escaped): given back to it, it is kept as is.

    Only a value that is not ``Rendered`` — a name, a login, a path, from the
    inventory or the policy — goes through the catalogue's escaper, so a sentence
    built from sentences is escaped exactly once (the idea of ``markupsafe.Markup``).
    """

    __slots__ = ()


def _as_is(text: str) -> str:
    return text


class Lang(enum.Enum):
    """The languages reports are written in (``--lang``)."""

    FR = "fr"
    EN = "en"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Lang:
        """French for a French locale, English otherwise.

        POSIX order: ``LC_ALL`` overrides ``LC_MESSAGES``, which overrides ``LANG``.
        Windows sets none of them, so the C library's locale decides there.
        """
        for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
            value = environ.get(name)
            if value:
                return cls._from_tag(value)
        try:
            tag = locale.getlocale()[0] or ""
        except ValueError:  # an unparsable locale setting: fall back like "C"
            tag = ""
        return cls._from_tag(tag)

    @classmethod
    def _from_tag(cls, tag: str) -> Lang:
        # "fr_FR.UTF-8", "fr_BE", "French_France" (Windows) are all French.
        return cls.FR if tag.lower().startswith("fr") else cls.EN

    def one(self, count: int) -> bool:
        """Whether ``count`` takes the singular: CLDR puts 0 with 1 in French, not in English."""
        match self:
            case Lang.FR:
                return count in (0, 1)
            case Lang.EN:
                return count == 1
            case _:
                assert_never(self)


def flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, Entry]:
    """``{"a": {"b": "x"}}`` → ``{"a.b": "x"}``; a ``one``/``other`` table is a plural entry."""
    flat: dict[str, Entry] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and value and set(value) <= PLURAL_FORMS:
            flat[key] = {form: str(text) for form, text in value.items()}
        elif isinstance(value, dict):
            flat.update(flatten(value, key + "."))
        elif isinstance(value, list):
            flat[key] = tuple(str(item) for item in value)
        else:
            flat[key] = str(value)
    return flat


def placeholders(text: str) -> frozenset[str]:
    """The ``{names}`` a catalogue text refers to."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


@functools.cache
def load_entries(lang: Lang) -> Mapping[str, Entry]:
    """The catalogue of one language, from ``auditor/i18n/locales/<lang>.toml``."""
    return flatten(tomllib.loads(package_text(f"i18n/locales/{lang.value}.toml")))


class Catalog:
    """Puts phrases, dates, numbers and lists into one language's words."""

    def __init__(
        self,
        lang: Lang,
        entries: Mapping[str, Entry] | None = None,
        *,
        iso_dates: bool = False,
        escape: Callable[[str], str] = _as_is,
    ) -> None:
        self.lang = lang
        self.entries = load_entries(lang) if entries is None else entries
        self.iso_dates = iso_dates  # the JSON report: English words, ISO dates for programs
        self.escape = escape
        """Applied to every text value a phrase carries (names, logins, paths), never to the
        catalogue's own words: each output's function of ``auditor.safetext``."""

    def escaped(self, escape: Callable[[str], str]) -> Catalog:
        """The same catalogue, escaping the values it fills in for one output context."""
        return Catalog(self.lang, self.entries, iso_dates=self.iso_dates, escape=escape)

    def join(self, separator: str, items: Iterable[str]) -> Rendered:
        """Rendered texts joined: still rendered, so not escaped again when given back."""
        return Rendered(separator.join(items))

    def t(self, key: str, **args: Arg) -> Rendered:
        """The text of ``key`` with its values filled in; plural entries choose by ``n``."""
        entry = self.entries.get(key)
        if entry is None:
            raise I18nError(f"catalogue {self.lang.value!r} has no text for {key!r}")
        if isinstance(entry, Mapping):
            count = args.get("n")
            if not isinstance(count, int):
                raise I18nError(f"{key!r} has plural forms but was given no count 'n'")
            entry = entry["one" if self.lang.one(count) else "other"]
        if not isinstance(entry, str):
            raise I18nError(f"{key!r} is a list, not a text")
        return self._fill(key, entry, {name: self.value(arg) for name, arg in args.items()})

    def _fill(self, key: str, entry: str, values: Mapping[str, str]) -> Rendered:
        try:
            return Rendered(entry.format_map(values))
        except KeyError as exc:
            raise I18nError(f"{key!r} in {self.lang.value!r} needs a value for {exc}") from exc

    def text(self, said: Phrase) -> Rendered:
        """A phrase in this language."""
        return self.t(said.key, **dict(said.args))

    def words(self, key: str) -> tuple[str, ...]:
        """A list entry (month names)."""
        entry = self.entries.get(key)
        if not isinstance(entry, tuple):
            raise I18nError(f"catalogue {self.lang.value!r} has no list {key!r}")
        return entry

    def value(self, arg: Arg) -> str:
        """One value of a phrase as text; text not rendered by a catalogue is escaped."""
        if isinstance(arg, Rendered):
            return arg
        if isinstance(arg, Phrase):
            return self.text(arg)
        if isinstance(arg, Series):
            return self.series(arg)
        if isinstance(arg, Localized):
            return self.escape(arg.fr if self.lang is Lang.FR else arg.en)
        if isinstance(arg, bool):
            raise I18nError("a yes/no value needs words of its own (a phrase), not True/False")
        if isinstance(arg, int):
            return self.number(arg)
        if isinstance(arg, date):
            return self.day(arg)
        return self.escape(arg)

    def series(self, series: Series) -> Rendered:
        """``a, b and c``; ``a; b``; ``a, b and 3 more``."""
        items = [Rendered(self.value(item)) for item in series.items]
        if series.joiner is Joiner.CLAUSES:
            return self.join(self.t("list.clauses_separator"), items)
        comma = self.t("list.separator")
        if series.more:
            return self.t("list.more", items=self.join(comma, items), n=series.more)
        if len(items) <= 1:  # one item needs no joining word
            return self.join("", items)
        return self.t("list.and", head=self.join(comma, items[:-1]), last=items[-1])

    def number(self, count: int) -> Rendered:
        """``12,345`` in English, ``12 345`` (narrow no-break space) in French."""
        return Rendered(f"{count:,}".replace(",", self.t("number.thousands")))

    def day(self, day: date) -> Rendered:
        """A day in a sentence: ``12 February 2024``, ``12 février 2024``."""
        if self.iso_dates:
            return Rendered(day.isoformat())
        return self.t(
            "date.long",
            # French writes the first of the month "1er".
            day=self.t("date.first") if day.day == 1 else Rendered(day.day),
            month=Rendered(self.words("date.months")[day.month - 1]),
            year=Rendered(day.year),
        )

    def short_day(self, day: date) -> Rendered:
        """A day in a table cell: ``12 Feb 2024``, ``12/02/2024``."""
        if self.iso_dates:
            return Rendered(day.isoformat())
        return self.t(
            "date.short",
            day=Rendered(day.day),
            dd=Rendered(f"{day.day:02d}"),
            mm=Rendered(f"{day.month:02d}"),
            month=Rendered(self.words("date.months_short")[day.month - 1]),
            year=Rendered(day.year),
        )


@functools.cache
def catalog(lang: Lang) -> Catalog:
    """The shared catalogue of a language."""
    return Catalog(lang)


@functools.cache
def machine_english() -> Catalog:
    """English with ISO dates: the words of the JSON report, which programs read."""
    return Catalog(Lang.EN, iso_dates=True)
