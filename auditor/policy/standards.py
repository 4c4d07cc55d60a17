"""The references reports hold accounts against (``policies/standards.toml``), as records."""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from auditor.files.packaged import data_dir
from auditor.i18n.phrase import Phrase, phrase
from auditor.models import Role
from auditor.policy.errors import PolicyError
from auditor.policy.model import MfaSupport, Policy
from auditor.policy.problems import policy_error

STANDARDS_FILE = "standards.toml"


class Measure(enum.Enum):
    """How the auditor tells whether an account meets a rule: one evaluation each."""

    ENTROPY_BY_CASE = "entropy-by-case"
    PRIVILEGED_RENEWAL = "privileged-renewal"
    CHANGE_ON_COMPROMISE = "change-on-compromise"
    LENGTH_BY_FACTOR = "length-by-factor"
    BLOCKLIST = "blocklist"
    NO_COMPOSITION_RULE = "no-composition-rule"
    MFA = "mfa"
    NOT_REUSED = "not-reused"
    POLICY_FINDINGS = "policy-findings"


@dataclass(frozen=True)
class Rule:
    """One requirement of a reference, in both languages, with where the text states it."""

    id: str
    """Stable: the JSON report names it."""
    measure: Measure
    fr: str
    en: str
    source: str
    """Section or case of the text (``3.1.1.2``, ``cas n° 1``); empty: the whole document."""


@dataclass(frozen=True)
class Reference:
    """A published text (or the audit's own policy) and the rules taken from it."""

    id: str
    short_fr: str
    """A few words for a table's column (``CNIL 2022-100``)."""
    short_en: str
    title_fr: str
    title_en: str
    version: str
    date: str
    url: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Standards:
    """Every reference, in the file's order, and NIST's length limits derive needs."""

    references: tuple[Reference, ...]
    min_length_single: int
    """Characters a password used alone needs (NIST SP 800-63B-4)."""
    min_length_multi: int
    """Characters a password used only with a second factor needs."""


_REFERENCE_FIELDS = ("id", "short_fr", "short_en", "title_fr", "title_en", "version", "date", "url")
_RULE_FIELDS = ("id", "measure", "fr", "en", "source")
_LENGTHS = ("min_length_single", "min_length_multi")


def _damaged(problem: Phrase) -> PolicyError:
    """The built-in ``standards.toml`` says something invalid: a damaged package."""
    return policy_error(phrase("policy.standards.at", file=STANDARDS_FILE, problem=problem))


def _text(table: Mapping[str, Any], name: str, where: str) -> str:
    value = table.get(name)
    if not isinstance(value, str):
        raise _damaged(phrase("policy.standards.not_text", where=where, name=name))
    return value


def _rule(table: Mapping[str, Any], where: str, lengths: dict[str, int]) -> Rule:
    unknown = set(table) - {*_RULE_FIELDS, *_LENGTHS}
    if unknown:
        names = str(sorted(unknown))
        raise _damaged(phrase("policy.standards.unknown_fields", where=where, names=names))
    texts = {name: _text(table, name, where) for name in _RULE_FIELDS}
    try:
        measure = Measure(texts.pop("measure"))
    except ValueError as exc:
        raise _damaged(phrase("policy.standards.unknown_measure", where=where)) from exc
    for name in _LENGTHS:
        if name in table:
            lengths[name] = int(table[name])
    return Rule(measure=measure, **texts)


def parse_standards(data: Mapping[str, Any]) -> Standards:
    """The references of a parsed ``standards.toml``; ``PolicyError`` on anything amiss."""
    references = []
    lengths: dict[str, int] = {}
    for number, table in enumerate(data.get("reference", ()), start=1):
        where = f"[[reference]] #{number}"
        texts = {name: _text(table, name, where) for name in _REFERENCE_FIELDS}
        rules = tuple(
            _rule(rule, f"{where} [[reference.rule]] #{index}", lengths)
            for index, rule in enumerate(table.get("rule", ()), start=1)
        )
        references.append(Reference(rules=rules, **texts))
    ids = [rule.id for reference in references for rule in reference.rules]
    ids += [reference.id for reference in references]
    if len(set(ids)) != len(ids):
        raise _damaged(phrase("policy.standards.id_twice"))
    if set(lengths) != set(_LENGTHS):
        raise _damaged(phrase("policy.standards.no_lengths"))
    return Standards(tuple(references), **lengths)


@cache
def load_standards() -> Standards:
    """The built-in references (read once: they are the package's data, not a user's)."""
    resource = data_dir("policies").joinpath(STANDARDS_FILE)
    try:
        data = tomllib.loads(resource.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        damaged = phrase("policy.builtin_damaged", name=STANDARDS_FILE, detail=str(exc))
        raise policy_error(damaged) from exc
    return parse_standards(data)


@dataclass(frozen=True)
class PolicyBasis:
    """What the references need of the policy an audit applied: thresholds and portal ids only."""

    min_entropy_bits: int
    """CNIL 2022-100's case 1, as the policy sets it."""
    min_entropy_bits_limited: int
    """CNIL 2022-100's case 2."""
    limits_attempts: frozenset[str]
    """Portals known to restrict access after failed logins (case 2)."""
    mfa_offered: frozenset[str]
    """Portals known to offer a second factor."""
    admin_max_age: Mapping[str, int | None]
    """Per portal, the maximum age the policy sets for administrator accounts, or None."""

    def required_bits(self, portal: str) -> int:
        """The entropy CNIL asks of a password on this portal."""
        limited = portal in self.limits_attempts
        return self.min_entropy_bits_limited if limited else self.min_entropy_bits


def policy_basis(policy: Policy) -> PolicyBasis:
    """The part of ``policy`` the references read; it names no one, so copies keep it."""
    return PolicyBasis(
        min_entropy_bits=policy.strength.min_entropy_bits,
        min_entropy_bits_limited=policy.strength.min_entropy_bits_limited,
        limits_attempts=frozenset(p.id for p in policy.portals if p.limits_attempts),
        mfa_offered=frozenset(p.id for p in policy.portals if p.mfa is MfaSupport.OFFERED),
        admin_max_age=MappingProxyType(
            # 0 means "no periodic renewal", as in the [rotation] table.
            {p.id: policy.max_age_days(p.id, Role.ADMIN) or None for p in policy.portals}
        ),
    )
