"""Row problems in the reader's language: the whole line, location, column and reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import cast

import pytest

from auditor.audit import InvalidInventoryError, read_inventories
from auditor.finess import finess_problem
from auditor.i18n import Lang, catalog, machine_english
from auditor.i18n.phrase import Phrase, phrase
from auditor.models import RowProblem
from auditor.policy import Policy
from auditor.sources.table import field_count, unknown_portal
from auditor.sources.values import finess_reason

FRENCH = catalog(Lang.FR)
AS_OF = date(2026, 11, 22)


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


def test_reasons_built_from_parts_read_in_french(policy: Policy) -> None:
    typo = unknown_portal(policy, "Viamedys")
    assert FRENCH.text(typo).startswith(
        "portail inconnu 'Viamedys' (vouliez-vous dire 'viamedis' ?) ; identifiants connus : "
    )
    hidden = unknown_portal(policy, "Soleil2024", swapped=phrase("problem.swapped_portal"))
    said = FRENCH.text(hidden)
    assert said.startswith(
        "ne désigne aucun portail connu (les colonnes semblent inversées : la colonne du mot de "
        "passe contient un nom de portail)"
    )
    assert "Soleil" not in said and "Soleil" not in machine_english().text(hidden)
    assert FRENCH.text(field_count(11, 1)) == "11 champs attendus, 1 trouvé"
    assert FRENCH.text(field_count(11, 12)) == "11 champs attendus, 12 trouvés"
    assert machine_english().text(field_count(1001, 1002)) == "expected 1001 fields, found 1002"


def test_an_inventory_without_accounts_is_said_in_french(tmp_path: Path, policy: Policy) -> None:
    empty = tmp_path / "vide.csv"
    empty.write_text("practice_id,portal,username\n", encoding="utf-8")
    with pytest.raises(InvalidInventoryError) as raised:
        read_inventories([empty], policy, AS_OF, skip_invalid=True)
    error = raised.value
    assert str(error) == "1 inventory file without any account to audit; nothing was audited"
    assert error.phrase is not None
    assert FRENCH.text(cast(Phrase, error.phrase)) == (
        "1 fichier d'inventaire sans aucun compte à auditer ; rien n'a été audité"
    )
    (problem,) = error.problems
    assert str(problem) == f"{empty}: no account found (only a header)"
    assert problem.text(FRENCH) == f"{empty} : aucun compte trouvé (seulement une ligne d'en-tête)"


def test_invalid_rows_are_counted_with_plurals_in_french(tmp_path: Path, policy: Policy) -> None:
    sheet = tmp_path / "inventaire.csv"
    sheet.write_text(
        "practice_id,portal,username,mfa\n750056780,viamedis,a,peut-être\n"
        "750056780,viamedis,b,oui\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInventoryError) as raised:
        read_inventories([sheet], policy, AS_OF, skip_invalid=False)
    error = raised.value
    assert str(error) == (
        "1 problem in the inventory; nothing was audited "
        "(fix them, or pass --skip-invalid to audit the valid rows)"
    )
    assert FRENCH.text(cast(Phrase, error.phrase)).startswith(
        "1 problème dans l'inventaire ; rien n'a été audité (corrigez-le"
    )
    (problem,) = error.problems
    assert problem.text(FRENCH) == (
        f"{sheet}:2 : mfa : attendu : oui/non, yes/no, vrai/faux, true/false ou 1/0"
    )
