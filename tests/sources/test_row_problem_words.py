"""Row problems in the reader's language: the whole line, location, column and reason."""

from __future__ import annotations

import pytest

from auditor.finess import finess_problem
from auditor.i18n import Lang, catalog, machine_english
from auditor.i18n.phrase import phrase
from auditor.models import RowProblem
from auditor.sources.values import finess_reason

FRENCH = catalog(Lang.FR)


def test_a_row_problem_says_its_line_in_french_and_its_str_stays_english() -> None:
    problem = RowProblem("inventaire.csv", 7, "Courriel", phrase("problem.not_email"))
    assert problem.text(FRENCH) == (
        "inventaire.csv:7 : Courriel : n'est pas une adresse e-mail "
        "(une seule adresse attendue, par exemple nom@exemple.fr)"
    )
    assert str(problem) == (
        "inventaire.csv:7: Courriel: not an e-mail address "
        "(expected one address, such as name@example.fr)"
    )
    assert problem.text(machine_english()) == str(problem)


def test_a_vault_entry_is_named_by_its_folder_and_title() -> None:
    problem = RowProblem(
        "coffre.kdbx",
        None,
        "username",
        phrase("problem.entry_no_username"),
        entry="Lumière/Almerys",
    )
    assert (
        problem.text(FRENCH)
        == "coffre.kdbx [Lumière/Almerys] : username : l'entrée n'a pas d'identifiant"
    )
    assert str(problem) == "coffre.kdbx [Lumière/Almerys]: username: the entry has no username"


@pytest.mark.parametrize("value", ["750012345", "75001234", "7500123X5", "2C1234567", ""])
def test_a_finess_reason_says_in_english_what_finess_problem_says(value: str) -> None:
    reason = finess_reason(value)
    assert reason is not None
    assert machine_english().text(reason) == finess_problem(value)
    assert FRENCH.text(reason).startswith(("la clé", "un numéro FINESS"))


def test_a_valid_finess_has_no_reason() -> None:
    assert finess_reason("750012346") is None and finess_problem("750012346") is None
