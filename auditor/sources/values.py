"""Parsing of the cell values inventories hold: dates, yes/no, roles, e-mail addresses."""

from __future__ import annotations

import re
from datetime import date

from auditor.models import Role
from auditor.text import fold_key, is_email


class CellValueError(ValueError):
    """A cell does not hold a value of the expected kind; the message says what was expected."""


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_FRENCH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_SHORT_YEAR = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$")

_TRUE = {"yes", "y", "oui", "o", "true", "vrai", "1", "on", "active", "activee", "actif"}
_FALSE = {"no", "n", "non", "false", "faux", "0", "off", "inactive", "desactivee", "inactif"}
_ROLES = {
    "user": Role.USER,
    "utilisateur": Role.USER,
    "utilisatrice": Role.USER,
    "standard": Role.USER,
    "admin": Role.ADMIN,
    "administrateur": Role.ADMIN,
    "administratrice": Role.ADMIN,
    "administrator": Role.ADMIN,
}


def parse_date(text: str) -> date:
    """``2024-02-12`` or French ``12/02/2024`` (also with ``.`` or ``-``, or a time after it)."""
    iso = _ISO.match(text)
    french = _FRENCH.match(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if french:
            return date(int(french[3]), int(french[2]), int(french[1]))
    except ValueError:
        raise CellValueError("not a real calendar date") from None
    if _SHORT_YEAR.match(text):
        raise CellValueError("two-digit year: write the year in full (12/02/2024 or 2024-02-12)")
    raise CellValueError("not a date (expected 2024-02-12 or 12/02/2024)")


def parse_bool(text: str) -> bool:
    """yes/no, oui/non, true/false, 1/0 (and a few spellings spreadsheets use)."""
    key = fold_key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellValueError("expected yes/no, oui/non, true/false or 1/0")


def parse_role(text: str) -> Role:
    """user or admin (French spellings accepted); empty means user."""
    if not text:
        return Role.USER
    role = _ROLES.get(fold_key(text))
    if role is None:
        raise CellValueError("expected user or admin (utilisateur, administrateur)")
    return role


def parse_email(text: str) -> str:
    """Exactly one bare e-mail address (``name@example.fr``), unchanged.

    The cell is never quoted back: what fails this shape could be anything, a
    password included.
    """
    if not is_email(text):
        raise CellValueError(
            "not an e-mail address (expected one address, such as name@example.fr)"
        )
    return text
