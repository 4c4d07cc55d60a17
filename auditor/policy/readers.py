"""Typed readers of policy TOML values, and the table readers that note every bad value."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from auditor.finess import finess_problem
from auditor.models import CheckId, Role
from auditor.policy.limits import MAX_BITS, MAX_DAYS, MAX_SCORE, MAX_WINDOW_DAYS
from auditor.policy.model import MfaSupport
from auditor.text import is_email

Validator = Callable[[Any], Any]


class InvalidValueError(Exception):
    """A value does not have the expected type; carries the expectation."""


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidValueError("expected a string")
    return value


def nonempty_id(value: Any) -> str:
    stripped = string(value).strip()
    if (
        not stripped
        or not all(ch.isalnum() or ch in "-_" for ch in stripped)
        or stripped != stripped.lower()
    ):
        raise InvalidValueError("expected a lower-case id of letters, digits, '-' or '_'")
    return stripped


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidValueError("expected true or false")
    return value


def whole(value: Any, low: int, high: int, what: str) -> int:
    # bool is an int in Python, and TOML's 1.5, inf and nan are floats: all refused.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidValueError(f"expected {what} from {low} to {high}")
    return value


def days(value: Any) -> int:
    return whole(value, 0, MAX_DAYS, "a whole number of days")


def window(value: Any) -> int:
    return whole(value, 0, MAX_WINDOW_DAYS, "a whole number of days")


def max_age(value: Any) -> int:
    return whole(value, 0, MAX_DAYS, "a whole number of days (0: no periodic renewal)")


def score(value: Any) -> int:
    return whole(value, 0, MAX_SCORE, "a zxcvbn score")


def bits(value: Any) -> int:
    return whole(value, 0, MAX_BITS, "a number of bits")


def date(value: Any) -> datetime.date:
    # tomllib gives datetime for "2024-02-12T10:00": a bare date is required.
    if not isinstance(value, datetime.date) or hasattr(value, "hour"):
        raise InvalidValueError("expected a date such as 2024-02-12 (unquoted)")
    return value


def strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidValueError("expected a list of strings")
    return tuple(value)


def domains(value: Any) -> tuple[str, ...]:
    names = strings(value)
    for domain in names:
        if "/" in domain or "." not in domain or domain != domain.strip().lower():
            raise InvalidValueError(
                f"expected bare lower-case domains such as example.fr, got {domain!r}"
            )
    return names


def text(value: Any) -> str:
    stripped = string(value).strip()
    if not stripped:
        raise InvalidValueError("expected a non-empty string")
    return stripped


def check_id(value: Any) -> CheckId:
    try:
        return CheckId(string(value))
    except ValueError:
        ids = ", ".join(c.value for c in CheckId)
        raise InvalidValueError(f"unknown check id {value!r} (ids: {ids})") from None


def finess(value: Any) -> str:
    stripped = string(value).strip()
    if (reason := finess_problem(stripped)) is not None:
        raise InvalidValueError(f"{stripped!r}: {reason}")
    return stripped


def email(value: Any) -> str:
    stripped = string(value).strip()
    if not is_email(stripped):
        raise InvalidValueError(f"{stripped!r} is not an e-mail address")
    return stripped


def mfa(value: Any) -> MfaSupport:
    try:
        return MfaSupport(string(value))
    except ValueError:
        raise InvalidValueError(
            f"expected one of {', '.join(m.value for m in MfaSupport)}"
        ) from None


def role_days(value: Any) -> dict[Role, int | None]:
    if not isinstance(value, dict):
        raise InvalidValueError("expected a table such as { user = 0, admin = 365 }")
    result: dict[Role, int | None] = {}
    for key, age in value.items():
        try:
            role = Role(key)
        except ValueError:
            raise InvalidValueError(f"unknown role {key!r} (expected user or admin)") from None
        try:
            result[role] = max_age(age) or None
        except InvalidValueError as exc:
            raise InvalidValueError(f"{key}: {exc}") from None
    return result


def fields(
    raw: Any, spec: Mapping[str, Validator], where: str, errors: list[str]
) -> dict[str, Any]:
    """Validate a TOML table against ``spec``, noting every problem in ``errors``."""
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected a table")
        return {}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        validator = spec.get(key)
        if validator is None:
            known = ", ".join(spec)
            errors.append(f"{where}: unknown key {key!r} (known keys: {known})")
            continue
        try:
            values[key] = validator(value)
        except InvalidValueError as exc:
            errors.append(f"{where}: {key}: {exc}")
    return values


def entries(
    raw: Any,
    *,
    kind: str,
    spec: Mapping[str, Validator],
    source: str,
    errors: list[str],
    into: dict[str, dict[str, Any]],
) -> None:
    """Validate ``[[kind]]`` tables and merge each by id into ``into``, over earlier layers."""
    if not isinstance(raw, list):
        errors.append(f"{source}: {kind}: expected [[{kind}]] tables")
        return
    for index, item in enumerate(raw, start=1):
        label = item.get("id") if isinstance(item, dict) else None
        where = f"{source}: [[{kind}]] #{index}" + (f" ({label!r})" if label else "")
        values = fields(item, spec, where, errors)
        if "id" not in values:
            if isinstance(item, dict) and "id" not in item:
                errors.append(f"{where}: id is required")
            continue
        merged = into.setdefault(values["id"], {"_file": source, "_set_in": {}})
        merged.update(values)
        # Which file set each field: an error names the layer that wrote the bad
        # value, not the built-in file that first defined the entry.
        merged["_set_in"].update(dict.fromkeys(values, source))
