"""Parsing of the cell values inventories hold: dates, yes/no, roles, e-mail addresses."""

from __future__ import annotations

import re
from datetime import date

from auditor.finess import finess_problem
from auditor.i18n import machine_english
from auditor.i18n.phrase import Phrase, phrase
from auditor.models import Role
from auditor.text import fold_key, is_email


class CellValueError(ValueError):
    """A cell does not hold a value of the expected kind; ``reason`` says what was expected."""

    def __init__(self, reason: Phrase) -> None:
        super().__init__(machine_english().text(reason))
        self.reason = reason
        """What was expected, in words of the catalogue: it never quotes the cell."""


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
        raise CellValueError(phrase("problem.not_real_date")) from None
    if _SHORT_YEAR.match(text):
        raise CellValueError(phrase("problem.two_digit_year"))
    raise CellValueError(phrase("problem.not_a_date"))


def parse_bool(text: str) -> bool:
    """yes/no, oui/non, true/false, 1/0 (and a few spellings spreadsheets use)."""
    key = fold_key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellValueError(phrase("problem.not_yes_no"))


def parse_role(text: str) -> Role:
    """user or admin (French spellings accepted); empty means user."""
    if not text:
        return Role.USER
    role = _ROLES.get(fold_key(text))
    if role is None:
        raise CellValueError(phrase("problem.not_a_role"))
    return role


def parse_email(text: str) -> str:
    """Exactly one bare e-mail address (``name@example.fr``), unchanged.

    The cell is never quoted back: what fails this shape could be anything, a
    password included.
    """
    if not is_email(text):
        raise CellValueError(phrase("problem.not_email"))
    return text


def finess_reason(value: str) -> Phrase | None:
    """Why ``value`` is not a FINESS number (``finess_problem``'s verdict), in catalogue words."""
    if finess_problem(value) is None:
        return None
    if re.fullmatch(r"\d{9}", value):
        return phrase("problem.finess_check_digit")
    if re.fullmatch(r"\d{8}", value):
        return phrase("problem.finess_eight_digits")
    return phrase("problem.finess_shape")
