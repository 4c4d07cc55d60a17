"""Policy problems as catalogue phrases, and the ``PolicyError`` that lists them in any language."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.i18n import machine_english
from auditor.i18n.phrase import Arg, Phrase, phrase
from auditor.policy.errors import PolicyError

Problems = list[Phrase]
"""What the loader noted so far: every problem is reported at once, then it stops."""


def quoted(value: object) -> str:
    """A value from a policy file as problems quote it: Python's ``repr``, as they always have."""
    return repr(value)


def at(where: Arg, reason: Arg) -> Phrase:
    """``<where>: <reason>`` (``<where> : <reason>`` in French)."""
    return phrase("policy.at", where=where, reason=reason)


def section(source: str, name: str) -> Phrase:
    """``file.toml: [name]``: a table of a file."""
    return phrase("policy.section", source=source, section=name)


def entry(source: str, kind: str, index: int, label: object = None) -> Phrase:
    """``file.toml: [[kind]] #2 ('id')``: one of a file's ``[[kind]]`` tables."""
    if label:
        return phrase(
            "policy.entry_named", source=source, kind=kind, index=str(index), label=quoted(label)
        )
    return phrase("policy.entry", source=source, kind=kind, index=str(index))


def english(said: Phrase) -> str:
    """The English of a problem, as ``str()`` of the error gives it (logs, tests, programs)."""
    return machine_english().text(said)


def policy_error(said: Phrase) -> PolicyError:
    """An error saying ``said``: its text in English, its phrase for the reader's language."""
    return PolicyError(english(said), phrase=said)


def invalid_policy(problems: Sequence[Phrase]) -> PolicyError:
    """The error that lists every problem, one per indented line."""
    return policy_error(phrase("policy.invalid", problems=_lines(problems)))


def _lines(problems: Sequence[Phrase]) -> Phrase:
    # Lines are joined two halves at a time, so that a file with thousands of
    # problems nests phrases only log2(n) deep: a chain would exhaust the stack.
    if len(problems) == 1:
        return problems[0]
    middle = len(problems) // 2
    return phrase("policy.lines", head=_lines(problems[:middle]), tail=_lines(problems[middle:]))
