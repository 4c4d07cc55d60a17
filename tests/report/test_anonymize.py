"""``anonymized``: a report's copy where people, logins, addresses and practices are pseudonyms."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.formats import OutputFormat
from auditor.i18n import Lang, catalog, machine_english
from auditor.i18n.phrase import phrase
from auditor.models import Account, Origin, Practice, RowProblem
from auditor.policy import Policy, Waiver
from auditor.report import BreachMode, Report
from auditor.report.anonymize import HANDLED_FIELDS, Kind, anonymized
from auditor.report.changes import FindingKey, PracticeChanges
from auditor.text import fold

AS_OF = date(2026, 11, 22)
GENERIC = frozenset({"comptoir"})
"""The owner words that name no one, as the policy's ``[shared] generic_owners`` lists them."""
MARCHE = Practice("750056780", "Pharmacie du Marché")
LUMIERE = Practice("690034566", "Optique Lumière")
REUSED = "Pharmacie2024!"  # a test password, shared on purpose
REAL = (
    "Claire Martin",
    "claire.martin",
    "cmartin",
    "claire.martin@pharmacie-du-marche.fr",
    "Marc Petit",
    "mpetit",
    "Sophie Durand",
    "Pharmacie du Marché",
    "Optique Lumière",
    "750056780",
    "690034566",
    "jvaljean",
    "Jean Valjean",
    "Dossier Claire",
)


def _report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    accounts = (
        # Claire works in both practices: one person, two logins.
        make_account(
            practice=MARCHE,
            portal="almerys",
            username="claire.martin",
            owner="Claire Martin",
            owner_email="claire.martin@pharmacie-du-marche.fr",
            password=REUSED,
            url="https://www.almerys.com/pro?login=claire.martin",
        ),
        make_account(practice=MARCHE, portal="viamedis", username="cmartin", owner="Comptoir"),
        make_account(
            practice=LUMIERE,
            portal="viamedis",
            username="cmartin",
            owner="Claire Martin",
            password=REUSED,
            origin=Origin("/home/cmartin/coffre.kdbx", None, "Dossier Claire/Viamedis"),
        ),
        # One login, two people: the shared-account finding names the other.
        make_account(practice=LUMIERE, portal="cbpec", username="mpetit", owner="Marc Petit"),
        make_account(practice=LUMIERE, portal="cbpec", username="mpetit", owner="Sophie Durand"),
    )
    skipped = (
        # A reason quotes a cell only once its shape is approved: the copy withholds it still.
        RowProblem(
            "/home/cmartin/inventaire.csv",
            7,
            "Courriel",
            phrase("problem.second_column", name="owner_email", first=repr("jean@valjean")),
        ),
    )
    inventory = Inventory(accounts, skipped, ("/home/cmartin/inventaire.csv",))
    report = run_audit(inventory, policy, AS_OF, fake_breach(), breach_mode=BreachMode.OFFLINE)
    # What a previous run and the policy add: a login gone from the inventory, a waiver.
    gone = FindingKey(LUMIERE.id, "itelis", "jvaljean", next(iter(report.findings)).check)
    changes = PracticeChanges(1, date(2026, 11, 1), (), (), (gone,))
    waiver = Waiver(
        reason="Claire Martin leaves Pharmacie-du-Marche in December",
        accepted_by="Jean Valjean",
        expires=date(2026, 12, 31),
        practice=MARCHE.id,
        username="cmartin",
        where="/home/cmartin/site.toml: [[waiver]] #1",
    )
    return replace(
        report.with_changes({LUMIERE.id: changes}),
        expired_waivers=(waiver,),
        policy_files=(*report.policy_files, "/home/cmartin/site.toml"),
    )


@pytest.fixture
def report(make_account: Callable[..., Account], policy: Policy, fake_breach: Any) -> Report:
    return _report(make_account, policy, fake_breach)


def _rendered(report: Report, lang: Lang) -> str:
    from auditor.formats import RenderOptions

    options = RenderOptions(lang=lang)
    return "\n".join(
        "".join(kind.to_formatter(options).chunks(report))
        + "".join(kind.to_formatter(options).summary_chunks(report))
        for kind in OutputFormat
    )


@pytest.mark.parametrize("lang", list(Lang))
def test_no_real_name_login_address_or_practice_is_left(report: Report, lang: Lang) -> None:
    real = _rendered(report, lang)
    assert all(fold(value) in fold(real) for value in REAL[:9])  # they were there
    copy = anonymized(report, lang=lang, generic_owners=GENERIC).report
    shown = fold(_rendered(copy, lang))
    assert [value for value in REAL if fold(value) in shown] == []
    assert "home" not in shown  # folders of paths go, file names stay
    assert "inventaire.csv" in shown
    assert "coffre.kdbx" in shown


def test_the_same_person_has_the_same_pseudonym_in_two_practices(report: Report) -> None:
    copy = anonymized(report, lang=Lang.FR, generic_owners=GENERIC).report
    owners = {
        practice.practice.name: {a.account.username: a.account.owner for a in practice.accounts}
        for practice in copy.practices
    }
    # Practices come in report order (by FINESS): Optique Lumière is the first.
    # Numbered in report order: practices by FINESS, accounts by portal, login and owner.
    assert owners["Établissement 1"]["identifiant 2"] == "Personne 3"  # Claire, at Lumière
    assert owners["Établissement 2"]["identifiant 4"] == "Personne 3"  # Claire, at the Marché
    # The same login in two practices is one login.
    assert owners["Établissement 2"]["identifiant 2"] == "Comptoir"


def test_pseudonyms_are_in_the_report_language(report: Report) -> None:
    english = anonymized(report, lang=Lang.EN, generic_owners=GENERIC).report
    first = english.practices[0]
    assert first.practice == Practice("practice1", "Practice 1")
    assert first.accounts[0].account.owner == "Person 1"
    assert first.accounts[0].account.username == "login 1"
    marche = english.practices[1].accounts[0].account
    assert marche.owner_email == "address-1@example.invalid"
    assert marche.url == "https://www.almerys.com/"  # the portal, not the query's login


def test_findings_naming_other_accounts_name_their_pseudonyms(report: Report) -> None:
    from auditor.i18n import catalog

    copy = anonymized(report, lang=Lang.EN, generic_owners=GENERIC).report
    said = {(f.account.username, f.account.owner, f.check.value): f for f in copy.findings}
    reused = said[("login 4", "Person 3", "reused")]
    assert reused.account.practice_id == "practice2"
    assert "practice1 viamedis login 2 (Person 3)" in catalog(Lang.EN).text(reused.message)
    shared = said[("login 1", "Person 1", "shared-account")]
    assert "also used by Person 2" in catalog(Lang.EN).text(shared.message)
    generic = said[("login 2", "Comptoir", "shared-account")]
    assert "Comptoir" in catalog(Lang.EN).text(generic.message)  # a generic owner names no one
    assert all(ref.username.startswith("login ") for p in copy.practices for ref in p.renew_by)


def test_changes_waivers_origins_and_row_problems_are_anonymised(report: Report) -> None:
    copy = anonymized(report, lang=Lang.EN, generic_owners=GENERIC)
    lumiere = copy.report.practices[0]
    assert lumiere.changes is not None
    (gone,) = lumiere.changes.gone
    assert (gone.practice_id, gone.username) == ("practice1", "login 3")
    assert lumiere.accounts[2].account.origin == Origin("coffre.kdbx", None, "entry 1")
    (waiver,) = copy.report.expired_waivers
    assert (waiver.practice, waiver.username, waiver.accepted_by) == (
        "practice2",
        "login 2",
        "Person 4",
    )
    assert waiver.reason == "Person 3 leaves Practice 2 in December"
    (row,) = copy.report.skipped_rows
    assert (row.path, row.line, row.column) == ("inventaire.csv", 7, "Courriel")
    assert machine_english().text(row.reason) == "second column for owner_email (first is '…')"
    assert "valjean" not in row.text(catalog(Lang.FR))
    assert waiver.where == "site.toml: [[waiver]] #1"
    assert copy.report.inventories == ("inventaire.csv",)
    assert copy.report.policy_files[-2:] == ("built-in:default.toml", "site.toml")


def test_the_map_holds_every_real_value_once_by_kind_and_number(report: Report) -> None:
    table = anonymized(report, lang=Lang.FR, generic_owners=GENERIC).pseudonyms
    by_kind = {kind: [(p.real, p.pseudonym) for p in table if p.kind is kind] for kind in Kind}
    assert by_kind[Kind.PERSON] == [
        ("Marc Petit", "Personne 1"),
        ("Sophie Durand", "Personne 2"),
        ("Claire Martin", "Personne 3"),
        ("Jean Valjean", "Personne 4"),
    ]
    assert by_kind[Kind.PRACTICE] == [
        ("Optique Lumière", "Établissement 1"),
        ("Pharmacie du Marché", "Établissement 2"),
    ]
    assert by_kind[Kind.PRACTICE_ID] == [
        ("690034566", "etablissement1"),
        ("750056780", "etablissement2"),
    ]
    assert ("jvaljean", "identifiant 3") in by_kind[Kind.LOGIN]
    assert by_kind[Kind.ENTRY] == [("Dossier Claire/Viamedis", "entrée 1")]
    assert by_kind[Kind.ADDRESS] == [
        ("claire.martin@pharmacie-du-marche.fr", "adresse-1@example.invalid")
    ]


def test_practices_can_be_kept(report: Report) -> None:
    copy = anonymized(report, lang=Lang.EN, generic_owners=GENERIC, keep_practices=True).report
    assert [p.practice for p in copy.practices] == [LUMIERE, MARCHE]
    assert copy.expired_waivers[0].reason == "Person 3 leaves Pharmacie-du-Marche in December"
    assert all(a.account.owner != "Claire Martin" for p in copy.practices for a in p.accounts)


def test_the_copy_is_the_same_for_the_same_report(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    one = anonymized(
        _report(make_account, policy, fake_breach), lang=Lang.FR, generic_owners=GENERIC
    )
    two = anonymized(
        _report(make_account, policy, fake_breach), lang=Lang.FR, generic_owners=GENERIC
    )
    assert one.pseudonyms == two.pseudonyms
    assert _rendered(one.report, Lang.FR) == _rendered(two.report, Lang.FR)


def test_an_owner_naming_someone_beside_a_generic_word_is_a_person(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    accounts = (
        make_account(owner="Comptoir 2"),
        make_account(portal="almerys", owner="Comptoir Claire"),
    )
    report = run_audit(
        Inventory(accounts, (), ("i.csv",)),
        policy,
        AS_OF,
        fake_breach(),
        breach_mode=BreachMode.OFFLINE,
    )
    copy = anonymized(report, lang=Lang.EN, generic_owners=policy.generic_owners).report
    assert [a.account.owner for a in copy.practices[0].accounts] == ["Person 1", "Comptoir 2"]


def test_known_values_are_found_in_free_text_whatever_their_spelling(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    report = run_audit(
        Inventory((make_account(owner="Hélène Lœuvre", username="hl"),), (), ("i.csv",)),
        policy,
        AS_OF,
        fake_breach(),
        breach_mode=BreachMode.OFFLINE,
    )
    reason = "helene loeuvre, HÉLÈNE-LŒUVRE and heleneloeuvre; hl stays (too short); Hélènes too"
    waiver = Waiver(reason=reason, accepted_by="x", expires=AS_OF, username="hl")
    copy = anonymized(
        replace(report, expired_waivers=(waiver,)), lang=Lang.EN, generic_owners=GENERIC
    ).report
    assert copy.expired_waivers[0].reason == (
        "Person 1, Person 1 and Person 1; hl stays (too short); Hélènes too"
    )


def test_every_field_of_the_records_copied_is_placed() -> None:
    """A field added to a record must be replaced or kept on purpose in anonymize.py."""
    unplaced = {
        cls.__name__: sorted({f.name for f in dataclasses.fields(cls)} - handled)
        for cls, handled in HANDLED_FIELDS.items()
    }
    assert {name: found for name, found in unplaced.items() if found} == {}
