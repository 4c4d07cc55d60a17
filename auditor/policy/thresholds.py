"""The threshold tables, severities and deadlines, and the strength and rotation rules they set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.i18n.phrase import phrase
from auditor.models import CheckId, Severity
from auditor.policy import readers
from auditor.policy.model import RotationRules, StrengthRules
from auditor.policy.problems import Problems, at, quoted, section
from auditor.policy.readers import InvalidValueError, Validator

DEFAULT_SEVERITIES: Mapping[CheckId, Severity] = {
    CheckId.BREACHED: Severity.CRITICAL,
    CheckId.EMPTY_PASSWORD: Severity.CRITICAL,
    CheckId.INCIDENT_ROTATION: Severity.CRITICAL,
    CheckId.REUSED: Severity.HIGH,
    CheckId.WEAK: Severity.HIGH,
    CheckId.CONTEXTUAL: Severity.HIGH,
    CheckId.ROTATION_OVERDUE: Severity.HIGH,
    CheckId.ROTATION_DUE: Severity.LOW,
    CheckId.AGE_UNKNOWN: Severity.MEDIUM,
    CheckId.NO_MFA: Severity.MEDIUM,
    CheckId.SHARED_ACCOUNT: Severity.MEDIUM,
    CheckId.RECYCLED: Severity.HIGH,
    CheckId.PREDICTABLE_ROTATION: Severity.HIGH,
    CheckId.CONFLICTING_ENTRIES: Severity.HIGH,
    CheckId.CREDENTIAL_PAIR: Severity.HIGH,
    CheckId.BANNED_WORD: Severity.HIGH,
    CheckId.SIMILAR_PASSWORD: Severity.HIGH,
    CheckId.PHISHED: Severity.CRITICAL,
    CheckId.LOOKALIKE_SITE: Severity.HIGH,
    CheckId.REUSED_ELSEWHERE: Severity.HIGH,
}

TABLES: Mapping[str, Mapping[str, Validator]] = {
    "strength": {
        "min_zxcvbn_score": readers.score,
        "min_entropy_bits": readers.bits,
        "min_entropy_bits_limited": readers.bits,
        "sources": readers.strings,
    },
    "rotation": {
        "reminder_window_days": readers.window,
        "max_age_days": readers.role_days,
        "sources": readers.strings,
    },
    "shared": {"generic_owners": readers.strings},
    "mfa": {"required": readers.boolean},
}


def add_table(
    key: str, raw: Any, source: str, tables: dict[str, dict[str, Any]], errors: Problems
) -> None:
    """Merge one file's ``[key]`` table (one of ``TABLES``) into ``tables``, key by key."""
    values = readers.fields(raw, TABLES[key], section(source, key), errors)
    table = tables.setdefault(key, {})
    if isinstance(values.get("max_age_days"), dict):
        values["max_age_days"] = {**table.get("max_age_days", {}), **values["max_age_days"]}
    table.update(values)


def add_severities(raw: Any, source: str, into: dict[CheckId, Severity], errors: Problems) -> None:
    table = section(source, "severity")
    if not isinstance(raw, dict):
        errors.append(at(table, phrase("policy.expected_table")))
        return
    for key, value in raw.items():
        try:
            check = CheckId(key)
        except ValueError:
            ids = ", ".join(c.value for c in CheckId)
            unknown = phrase("policy.expected.unknown_check", value=quoted(key), ids=ids)
            errors.append(at(table, unknown))
            continue
        try:
            into[check] = Severity(value)
        except ValueError:
            names = ", ".join(s.value for s in Severity)
            errors.append(at(table, at(key, phrase("policy.expected.one_of", names=names))))


def add_deadlines(raw: Any, source: str, into: dict[Severity, int], errors: Problems) -> None:
    table = section(source, "deadlines")
    if not isinstance(raw, dict):
        errors.append(at(table, phrase("policy.expected_table")))
        return
    for key, value in raw.items():
        try:
            severity = Severity(key)
        except ValueError:
            names = ", ".join(s.value for s in Severity)
            unknown = phrase("policy.expected.unknown_severity", value=quoted(key), names=names)
            errors.append(at(table, unknown))
            continue
        try:
            into[severity] = readers.days(value)
        except InvalidValueError as exc:
            errors.append(at(table, at(key, exc.reason)))


def check_deadlines(deadlines: Mapping[Severity, int], errors: Problems) -> None:
    """Note it if the layered files leave a severity without a deadline."""
    missing_deadlines = [s.value for s in Severity if s not in deadlines]
    if missing_deadlines:
        severities = ", ".join(missing_deadlines)
        errors.append(phrase("policy.deadlines_missing", severities=severities))


def _require(table: Mapping[str, Any], key: str, table_name: str, errors: Problems) -> Any:
    if key not in table:
        errors.append(phrase("policy.not_set", section=table_name, name=key))
    return table.get(key)


def strength_rules(strength: Mapping[str, Any], errors: Problems) -> StrengthRules:
    """The layered ``[strength]`` table as rules; a key no file sets is noted in ``errors``."""
    return StrengthRules(
        min_zxcvbn_score=_require(strength, "min_zxcvbn_score", "strength", errors),
        min_entropy_bits=_require(strength, "min_entropy_bits", "strength", errors),
        min_entropy_bits_limited=_require(strength, "min_entropy_bits_limited", "strength", errors),
        sources=strength.get("sources", ()),
    )


def rotation_rules(rotation: Mapping[str, Any], errors: Problems) -> RotationRules:
    """The layered ``[rotation]`` table as rules; a key no file sets is noted in ``errors``."""
    return RotationRules(
        reminder_window_days=_require(rotation, "reminder_window_days", "rotation", errors),
        max_age_days=rotation.get("max_age_days", {}),
        sources=rotation.get("sources", ()),
    )
