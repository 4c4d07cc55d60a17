"""Portal aliases: the built-in ones, their validation, their clashes, and ``policy show``."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.policy import Policy, PolicyError, dump_policy, load_policy
from auditor.policy.names import osa_distance, plain_key


def test_builtin_aliases(policy: Policy) -> None:
    assert {"Carte Blanche", "Carte Blanche Partenaires", "CBP", "CB Partenaires"} <= set(
        policy.portal("cbpec").aliases
    )
    assert "Sante Clair" in policy.portal("santeclair").aliases
    assert policy.find_portal("Carte Blanche") == policy.portal("cbpec")


def test_an_alias_shared_by_two_portals_is_refused_naming_both(tmp_path: Path) -> None:
    user = tmp_path / "site.toml"
    user.write_text(
        '[[portal]]\nid = "cbsante"\nname = "CB Santé"\ndomains = ["cbsante.example"]\n'
        'aliases = ["Carte-Blanche"]\n',
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as refused:
        load_policy([user])
    message = str(refused.value)
    assert f"{user}: portal 'cbsante': alias 'Carte-Blanche'" in message
    assert "also names portal 'cbpec'" in message
    assert "built-in:portals.toml" in message


def test_an_alias_equal_to_another_portals_name_is_refused(tmp_path: Path) -> None:
    user = tmp_path / "site.toml"
    user.write_text('[[portal]]\nid = "almerys"\naliases = ["Viamedis"]\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=r"alias 'Viamedis' also names portal 'viamedis'"):
        load_policy([user])


def test_a_user_file_may_rename_an_alias_of_a_builtin_portal(tmp_path: Path) -> None:
    user = tmp_path / "site.toml"
    user.write_text(
        '[[portal]]\nid = "cbpec"\naliases = ["Carte Blanche", "Blanche"]\n', encoding="utf-8"
    )
    policy = load_policy([user])
    assert policy.portal("cbpec").aliases == ("Carte Blanche", "Blanche")
    assert policy.find_portal("blanche") == policy.portal("cbpec")


@pytest.mark.parametrize(
    ("aliases", "why"),
    [
        ('"Carte Blanche"', "expected a list of non-empty strings"),
        ('["Carte Blanche", 3]', "expected a list of non-empty strings"),
        ('["Carte Blanche", "  "]', "expected a list of non-empty strings"),
        ('["--"]', "'--' has no letter or digit to match on"),
    ],
)
def test_aliases_are_validated_like_names(tmp_path: Path, aliases: str, why: str) -> None:
    user = tmp_path / "site.toml"
    user.write_text(f'[[portal]]\nid = "cbpec"\naliases = {aliases}\n', encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        load_policy([user])
    assert f"{user}: [[portal]] #1 ('cbpec'): aliases: {why}" in str(refused.value)


def test_policy_show_prints_aliases_and_round_trips(
    tmp_path: Path, policy: Policy, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    code, out, _ = run_cli("policy", "show")
    assert code == 0
    assert 'aliases = ["Carte Blanche", "Carte Blanche Partenaires"' in out
    dumped = tmp_path / "effective.toml"
    dumped.write_text(dump_policy(policy), encoding="utf-8")
    assert load_policy([dumped]).portals == policy.portals


def test_keys_ignore_case_accents_spaces_and_punctuation() -> None:
    assert plain_key("Carte Blanche Partenaires (CBPEC)") == "carteblanchepartenairescbpec"
    assert plain_key("Santé-Clair") == plain_key("sante clair") == "santeclair"
    assert plain_key("¡¿ --") == ""


@pytest.mark.parametrize(
    ("left", "right", "distance"),
    [
        ("carteblance", "carteblanche", 1),
        ("viamedsi", "viamedis", 1),  # a transposition is one edit
        ("almerys", "almerys", 0),
        ("almerys", "kalixia", 3),  # beyond the bound: reported as bound + 1
    ],
)
def test_osa_distance_is_bounded(left: str, right: str, distance: int) -> None:
    assert osa_distance(left, right, bound=2) == distance


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Carte Blance", "cbpec"),  # a typo
        ("Pharmacie - Almeris", "almerys"),  # a typo among other words
        ("Viamedis2024", "viamedis"),  # a name glued to something else
        ("MonAlmerys", "almerys"),
        ("Amélie", None),  # one edit from "ameli", but short names are too close to words
        ("Banque", None),
        ("Carte", None),
    ],
)
def test_near_names(policy: Policy, title: str, expected: str | None) -> None:
    found = policy.near_portal(title)
    assert (found.id if found else None) == expected


def test_a_huge_title_is_searched_in_bounded_time(policy: Policy) -> None:
    # Only the first words are searched (MAX_TITLE_WORDS, MAX_NEAR_WORDS): a megabyte of text
    # pasted as a title costs no more than a title.
    title = "Carte Blance " * 80_000 + "Viamedis"
    started = time.perf_counter()
    assert policy.portal_in_title(title) is None
    assert policy.near_portal(title) == policy.portal("cbpec")
    assert time.perf_counter() - started < 2
