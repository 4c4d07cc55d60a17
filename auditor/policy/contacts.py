"""The ``[practice_contacts]`` table: the e-mail of each practice's responsible person."""

from __future__ import annotations

from typing import Any

from auditor.i18n.phrase import phrase
from auditor.policy import readers
from auditor.policy.problems import Problems, at, section
from auditor.policy.readers import InvalidValueError


def add_contacts(raw: Any, source: str, into: dict[str, str], errors: Problems) -> None:
    """Set each ``FINESS = e-mail`` of one file in ``into``, over earlier layers."""
    table = section(source, "practice_contacts")
    if not isinstance(raw, dict):
        errors.append(at(table, phrase("policy.expected_contacts")))
        return
    for key, value in raw.items():
        try:
            into[readers.finess(key)] = readers.email(value)
        except InvalidValueError as exc:
            errors.append(at(at(table, key), exc.reason))
