"""Typed readers of policy TOML values, and the table readers that note every bad value."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from auditor.finess import finess_fault
from auditor.i18n.phrase import Phrase, phrase
from auditor.models import CheckId, Role
from auditor.policy.limits import MAX_BITS, MAX_DAYS, MAX_SCORE, MAX_WINDOW_DAYS
from auditor.policy.model import MfaSupport
from auditor.policy.problems import Problems, at, english, entry, quoted
from auditor.text import is_email

Validator = Callable[[Any], Any]


class InvalidValueError(Exception):
    """A value does not have the expected type; ``reason`` says what was expected."""

    def __init__(self, reason: Phrase) -> None:
        super().__init__(english(reason))
        self.reason = reason
        """The expectation, in catalogue words."""


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidValueError(phrase("policy.expected.string"))
    return value


def nonempty_id(value: Any) -> str:
    stripped = string(value).strip()
    if (
        not stripped
        or not all(ch.isalnum() or ch in "-_" for ch in stripped)
        or stripped != stripped.lower()
    ):
        raise InvalidValueError(phrase("policy.expected.id"))
    return stripped


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidValueError(phrase("policy.expected.boolean"))
    return value


def whole(value: Any, low: int, high: int, what: str) -> int:
    """``value`` if a whole number in ``low..high``; ``what``: its text's key."""
    # bool is an int in Python, and TOML's 1.5, inf and nan are floats: all refused.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        # Bounds as digits, not as catalogue numbers: English said "3650", never "3,650".
        raise InvalidValueError(phrase(what, low=str(low), high=str(high)))
    return value


def days(value: Any) -> int:
    return whole(value, 0, MAX_DAYS, "policy.expected.days")


def window(value: Any) -> int:
    return whole(value, 0, MAX_WINDOW_DAYS, "policy.expected.days")


def max_age(value: Any) -> int:
    return whole(value, 0, MAX_DAYS, "policy.expected.max_age")


def score(value: Any) -> int:
    return whole(value, 0, MAX_SCORE, "policy.expected.score")


def bits(value: Any) -> int:
    return whole(value, 0, MAX_BITS, "policy.expected.bits")


def date(value: Any) -> datetime.date:
    # tomllib gives datetime for "2024-02-12T10:00": a bare date is required.
    if not isinstance(value, datetime.date) or hasattr(value, "hour"):
        raise InvalidValueError(phrase("policy.expected.date"))
    return value


def strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidValueError(phrase("policy.expected.strings"))
    return tuple(value)


def domains(value: Any) -> tuple[str, ...]:
    names = strings(value)
    for domain in names:
        if "/" in domain or "." not in domain or domain != domain.strip().lower():
            raise InvalidValueError(phrase("policy.expected.domains", domain=quoted(domain)))
    return names


def text(value: Any) -> str:
    stripped = string(value).strip()
    if not stripped:
        raise InvalidValueError(phrase("policy.expected.text"))
    return stripped


def check_id(value: Any) -> CheckId:
    try:
        return CheckId(string(value))
    except ValueError:
        ids = ", ".join(c.value for c in CheckId)
        raise InvalidValueError(
            phrase("policy.expected.unknown_check", value=quoted(value), ids=ids)
        ) from None


def finess(value: Any) -> str:
    stripped = string(value).strip()
    if (fault := finess_fault(stripped)) is not None:
        reason = phrase(fault.value)
        raise InvalidValueError(
            phrase("policy.expected.quoted", value=quoted(stripped), reason=reason)
        )
    return stripped


def email(value: Any) -> str:
    stripped = string(value).strip()
    if not is_email(stripped):
        raise InvalidValueError(phrase("policy.expected.not_email", value=quoted(stripped)))
    return stripped


def mfa(value: Any) -> MfaSupport:
    try:
        return MfaSupport(string(value))
    except ValueError:
        raise InvalidValueError(
            phrase("policy.expected.one_of", names=", ".join(m.value for m in MfaSupport))
        ) from None


def role_days(value: Any) -> dict[Role, int | None]:
    if not isinstance(value, dict):
        raise InvalidValueError(phrase("policy.expected.role_table"))
    result: dict[Role, int | None] = {}
    for key, age in value.items():
        try:
            role = Role(key)
        except ValueError:
            raise InvalidValueError(
                phrase("policy.expected.unknown_role", role=quoted(key))
            ) from None
        try:
            result[role] = max_age(age) or None
        except InvalidValueError as exc:
            raise InvalidValueError(at(key, exc.reason)) from None
    return result


def fields(
    raw: Any, spec: Mapping[str, Validator], where: Phrase, errors: Problems
) -> dict[str, Any]:
    """Validate a TOML table against ``spec``, noting every problem in ``errors``."""
    if not isinstance(raw, dict):
        errors.append(at(where, phrase("policy.expected_table")))
        return {}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        validator = spec.get(key)
        if validator is None:
            known = ", ".join(spec)
            errors.append(at(where, phrase("policy.unknown_key", name=quoted(key), known=known)))
            continue
        try:
            values[key] = validator(value)
        except InvalidValueError as exc:
            errors.append(at(where, at(key, exc.reason)))
    return values


def entries(
    raw: Any,
    *,
    kind: str,
    spec: Mapping[str, Validator],
    source: str,
    errors: Problems,
    into: dict[str, dict[str, Any]],
) -> None:
    """Validate ``[[kind]]`` tables and merge each by id into ``into``, over earlier layers."""
    if not isinstance(raw, list):
        errors.append(at(source, at(kind, phrase("policy.expected_tables", kind=kind))))
        return
    for index, item in enumerate(raw, start=1):
        label = item.get("id") if isinstance(item, dict) else None
        where = entry(source, kind, index, label)
        values = fields(item, spec, where, errors)
        if "id" not in values:
            if isinstance(item, dict) and "id" not in item:
                errors.append(at(where, phrase("policy.id_required")))
            continue
        merged = into.setdefault(values["id"], {"_file": source, "_set_in": {}})
        merged.update(values)
        # Which file set each field: an error names the layer that wrote the bad
        # value, not the built-in file that first defined the entry.
        merged["_set_in"].update(dict.fromkeys(values, source))
