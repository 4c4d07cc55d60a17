"""The command line's own words: its language, its help texts, its stderr lines and Click's.

One place decides the language of everything the command line itself says:
``--lang`` where a command has it and it was read, else the locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``). ``--lang`` is eager, so
``--lang fr --help`` is French; ``--help --lang fr`` is read in order, and the
help is written before ``--lang`` is seen.

Help texts live in the catalogues' ``[help]`` section. Commands and options are
declared with ``help_for(key)``, their English text, so that Click and the
README see English as before; ``Command`` and ``Group`` put them into the
reader's language when the help is written. Click's own words ("Usage:",
"Error: …") go through ``gettext``; ``install_click_words`` puts a
gettext-compatible function in their place that reads the ``[click]`` section,
so no compiled ``.mo`` file is needed.
"""

from __future__ import annotations

import contextlib
import gettext
import inspect
import os
import sys
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

import click

from auditor.errors import AuditorError
from auditor.i18n import Catalog, Lang, Rendered, catalog
from auditor.i18n.phrase import Arg, Phrase

_CHOSEN: ContextVar[Lang | None] = ContextVar("portal_audit_lang", default=None)
"""``--lang`` once read in this invocation; ``None``: the locale decides."""


def language() -> Lang:
    """The language of the command line: ``--lang`` if read, else the locale's."""
    chosen = _CHOSEN.get()
    return chosen if chosen is not None else Lang.from_environment(os.environ)


def choose(lang: Lang | None) -> None:
    """Say the rest of this invocation in ``lang`` (``None``: the locale again)."""
    _CHOSEN.set(lang)


def chosen_language(ctx: click.Context, param: click.Parameter, value: str | None) -> Lang:
    """``--lang``'s callback: its language, which the rest of the invocation speaks too."""
    if value:
        choose(Lang(value.lower()))
    return language()


def words() -> Catalog:
    """The catalogue of the command line's language."""
    return catalog(language())


def say(key: str, **args: Arg) -> Rendered:
    """One of the command line's sentences, in its language."""
    return words().t(key, **args)


def line(key: str, **args: Arg) -> str:
    """A status line for stderr: ``portal-audit: <sentence>``, prefixed in the language's way."""
    return say("cli.line", text=say(key, **args))


def error_text(exc: AuditorError) -> str:
    """An expected error's message: its phrase in the reader's language, else its English text."""
    if isinstance(exc.phrase, Phrase):
        return words().text(exc.phrase)
    return str(exc)


# --- help texts ----------------------------------------------------------------------------

_HELP_KEYS: dict[str, tuple[str, dict[str, Arg]]] = {}
"""English help text (as Click keeps it: ``inspect.cleandoc``) → its key and values."""


def help_for(key: str, **args: Arg) -> str:
    """The English help of ``key`` (a ``help.`` key), for Click; written later in the reader's."""
    text = catalog(Lang.EN).t(key, **args)
    _HELP_KEYS[inspect.cleandoc(text)] = (key, args)
    return str(text)


def help_text(text: str | None, lang: Lang | None = None) -> str | None:
    """A help text Click holds, in ``lang`` (default: the command line's); unknown texts as is."""
    if text is None:
        return None
    lang = lang or language()
    if lang is Lang.EN:
        return text
    found = _HELP_KEYS.get(inspect.cleandoc(text))
    if found is not None:
        key, args = found
        return str(catalog(lang).t(key, **args))
    return click_text(text, lang)


def help_keys() -> dict[str, str]:
    """Every help key declared so far, by its English text (for the catalogue tests)."""
    return {text: key for text, (key, _) in _HELP_KEYS.items()}


class HelpFormatter(click.HelpFormatter):
    """Click's formatter, with section headings written the language's way (``Options :``)."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{say('click.heading', heading=heading)}\n")


class Context(click.Context):
    """Click's context, writing help with ``HelpFormatter``."""

    formatter_class = HelpFormatter


class _Localized(click.Command):
    """Help written in the reader's language: the command's text, its options', its epilog."""

    context_class = Context

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _swapped(self, "help", help_text(self.help)):
            super().format_help_text(ctx, formatter)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _params_in_language(self.get_params(ctx)):
            super().format_options(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _swapped(self, "help", help_text(self.help)):
            return super().get_short_help_str(limit)


class Command(_Localized):
    """A ``click.Command`` whose help follows the command line's language."""


class Group(_Localized, click.Group):
    """A ``click.Group`` whose help, and its commands' (``command_class``), follow the language."""

    command_class = Command


# The group's own subgroups (``hibp``, ``policy``) are Groups too.
Group.group_class = Group


@contextlib.contextmanager
def _swapped(target: object, name: str, value: object) -> Iterator[None]:
    """Set an attribute for the duration of a ``with`` block, then put it back."""
    saved = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, saved)


@contextlib.contextmanager
def _params_in_language(params: list[click.Parameter]) -> Iterator[None]:
    """Each option's help in the reader's language while the options are written."""
    options = [param for param in params if isinstance(param, click.Option)]
    saved = [option.help for option in options]
    try:
        for option in options:
            option.help = help_text(option.help)
        yield
    finally:
        for option, text in zip(options, saved, strict=True):
            option.help = text


# --- Click's own words ---------------------------------------------------------------------

CLICK_WORDS: dict[str, str] = {
    "Usage:": "click.usage",
    "Options": "click.options",
    "Commands": "click.commands",
    "Show this message and exit.": "click.help",
    "Show the version and exit.": "click.version",
    "Error: {message}": "click.error",
    "Try '{command} {option}' for help.": "click.try_help",
    "No such option {name!r}.": "click.no_such_option",
    "No such command {name!r}.": "click.no_such_command",
    "Did you mean {possibility}?": "click.did_you_mean",
    "Missing argument": "click.missing_argument",
    "Missing option": "click.missing_option",
    "Missing command.": "click.missing_command",
    "Invalid value for {param_hint}: {message}": "click.invalid_value_for",
    "Invalid value: {message}": "click.invalid_value",
    "Got unexpected extra argument ({args})": "click.extra_arguments",
    "Option {name!r} requires an argument.": "click.requires_argument",
    "Option {name!r} does not take a value.": "click.takes_no_value",
    "{value!r} is not {choice}.": "click.not_one_of",
    "{value!r} is not a valid {number_type}.": "click.not_a_number",
    "{value} is not in the range {range}.": "click.out_of_range",
    "{name} {filename!r} does not exist.": "click.does_not_exist",
    "{name} {filename!r} is a file.": "click.is_a_file",
    "{name} {filename!r} is a directory.": "click.is_a_directory",
    "default: {default}": "click.default",
    "required": "click.required",
}
"""The messages of Click a user of ``portal-audit`` meets (its msgids; the singular of plural
ones), and their keys: the English catalogue holds each msgid exactly, so English is unchanged."""


def click_text(message: str, lang: Lang | None = None) -> str:
    """Click's ``gettext``: ``message`` in the command line's language (as is, if not listed)."""
    key = CLICK_WORDS.get(message)
    lang = lang or language()
    if key is None or lang is Lang.EN:
        return message
    entry = catalog(lang).entries[key]
    return entry if isinstance(entry, str) else message


def click_plural(singular: str, plural: str, count: int) -> str:
    """Click's ``ngettext``, by the singular's key and the language's plural rule."""
    key, lang = CLICK_WORDS.get(singular), language()
    if key is not None and lang is not Lang.EN:
        entry = catalog(lang).entries[key]
        if isinstance(entry, Mapping):
            return str(entry["one" if lang.one(count) else "other"])
    return singular if count == 1 else plural


_CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.types",
)


def install_click_words() -> None:
    """Put ``click_text`` and ``click_plural`` where Click's modules call ``gettext``.

    Click imports ``gettext``'s functions by name in each module; replacing those
    names, and only where they still are ``gettext``'s, leaves every other
    user of ``gettext`` in the process alone.
    """
    for name in _CLICK_MODULES:
        module: Any = sys.modules.get(name)
        if module is None:
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = click_text
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = click_plural
