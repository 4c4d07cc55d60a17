"""The ``[practice_contacts]`` table: the e-mail of each practice's responsible person."""

from __future__ import annotations

from typing import Any

from auditor.policy import readers
from auditor.policy.readers import InvalidValueError


def add_contacts(raw: Any, source: str, into: dict[str, str], errors: list[str]) -> None:
    """Set each ``FINESS = e-mail`` of one file in ``into``, over earlier layers."""
    if not isinstance(raw, dict):
        errors.append(f"{source}: [practice_contacts]: expected a table of FINESS = e-mail")
        return
    for key, value in raw.items():
        where = f"{source}: [practice_contacts]: {key}"
        try:
            into[readers.finess(key)] = readers.email(value)
        except InvalidValueError as exc:
            errors.append(f"{where}: {exc}")
