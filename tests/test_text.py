from __future__ import annotations

from auditor.text import fold, fold_key, leet_variants, words


def test_fold_removes_case_and_accents() -> None:
    assert fold("Santéclair ÉQUIPE Œuvre") == "santeclair equipe oeuvre"


def test_fold_key_ignores_spaces_underscores_hyphens() -> None:
    assert fold_key("Mot de passe") == fold_key("MOT_DE_PASSE") == fold_key("mot-de-passe")
    assert fold_key("Rôle") == "role"


def test_leet_variants_cover_both_readings_of_one() -> None:
    assert leet_variants("Ph4rm@c13") == ("pharmacie", "pharmacle")
    assert leet_variants("$0l3il") == ("soleil",)


def test_words_keeps_long_folded_words() -> None:
    assert words("Pharmacie du Marché", 4) == {"pharmacie", "marche"}
