"""The ``[banned]`` table: words a policy bans on top of the shipped lists, inline or from files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.files.bounded import FileTooLargeError, read_capped
from auditor.i18n.oserror import os_reason
from auditor.i18n.phrase import phrase
from auditor.policy.limits import MAX_POLICY_BYTES
from auditor.policy.problems import Problems, at, quoted, section
from auditor.text import fold_key

MAX_WORD_FILE_BYTES = MAX_POLICY_BYTES
"""1 MiB per word file, as for a policy file: France's 35,000 commune names take about 400 KB."""
MAX_BANNED_WORDS = 100_000
"""Words in all layers together: past every town of France and every name of a large group,
and few enough that matching stays a handful of set lookups per password."""
MAX_WORD_LENGTH = 64
"""Characters of one word once folded: longer is not a word one builds a password on."""
_KEYS = ("words", "files")


@dataclass(frozen=True)
class BannedWords:
    """What the policies' ``[banned]`` tables add, folded as passwords are compared."""

    words: frozenset[str] = frozenset()
    """Folded (case, accents, spaces and hyphens): "Saint-Étienne" is ``saintetienne``."""
    files: tuple[str, ...] = ()
    """The word files read, as the policies name them resolved to paths, in order."""


@dataclass
class BannedLayers:
    """The ``[banned]`` tables of every file so far: they add up, never replace."""

    words: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)

    def built(self) -> BannedWords:
        """The layers as the policy keeps them."""
        return BannedWords(frozenset(self.words), tuple(self.files))


def parse_words(text: str) -> frozenset[str]:
    """The folded words of a word list: one a line; blank lines and ``#`` lines are skipped."""
    lines = (line.strip() for line in text.splitlines())
    return frozenset(
        folded for line in lines if line and not line.startswith("#") if (folded := fold_key(line))
    )


def add_banned(raw: Any, source: str, into: BannedLayers, errors: Problems) -> None:
    """Add one file's ``[banned]`` words, and the words of the files it names, to ``into``."""
    table = section(source, "banned")
    if not isinstance(raw, dict):
        errors.append(at(table, phrase("policy.expected_table")))
        return
    for key in raw:
        if key not in _KEYS:
            unknown = phrase("policy.unknown_key", name=quoted(key), known=", ".join(_KEYS))
            errors.append(at(table, unknown))
    words = raw.get("words", [])
    if _strings(words, at(table, "words"), errors):
        _add_words(words, at(table, "words"), into, errors)
    files = raw.get("files", [])
    if _strings(files, at(table, "files"), errors):
        base = Path(source).parent
        for name in files:
            path = base / name
            text = _read(path, errors)
            if text is not None:
                into.files.append(str(path))
                _add_words(
                    text.splitlines(), phrase("policy.banned.file", path=str(path)), into, errors
                )


def _strings(value: Any, where: Any, errors: Problems) -> bool:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return True
    errors.append(at(where, phrase("policy.expected.strings")))
    return False


def _add_words(lines: Any, where: Any, into: BannedLayers, errors: Problems) -> None:
    found = parse_words("\n".join(lines))
    too_long = sum(1 for word in found if len(word) > MAX_WORD_LENGTH)
    if too_long:
        # The words themselves are not quoted: a word list may hold a real password.
        most = str(MAX_WORD_LENGTH)
        errors.append(at(where, phrase("policy.banned.too_long", n=too_long, most=most)))
        return
    into.words |= found
    if len(into.words) > MAX_BANNED_WORDS:
        errors.append(at(where, phrase("policy.banned.too_many", most=str(MAX_BANNED_WORDS))))
        into.words = set()


def _read(path: Path, errors: Problems) -> str | None:
    label = str(path)
    try:
        raw = read_capped(path, MAX_WORD_FILE_BYTES)
    except FileTooLargeError:
        kib = str(MAX_WORD_FILE_BYTES // 1024)
        errors.append(phrase("policy.banned.too_large", path=label, kib=kib))
        return None
    except OSError as exc:
        reason = os_reason(str(exc.strerror), exc.errno)
        errors.append(phrase("policy.banned.unreadable", path=label, reason=reason))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(phrase("policy.banned.not_utf8", path=label, reason=exc.reason))
        return None
