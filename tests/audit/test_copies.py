"""Copies of one login in vaults: merged when they agree, a finding when their passwords differ."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.audit.inventory import InvalidInventoryError, Inventory, read_inventories
from auditor.audit.pipeline import run_audit
from auditor.i18n import machine_english
from auditor.models import CheckId, Finding, Practice, Severity
from auditor.policy import Policy
from auditor.report import BreachMode, Report
from auditor.sources import SourceOptions, Unlock
from tests.sources.vaults import Login, write_kdbx

AS_OF = date(2026, 11, 22)
CENTRE = "Pharmacie du Centre 750056780"
CURRENT = "Wn5%kRt8!bZq2@Lp"
OLDER = "Tk$7Lp0@e9qWvB3!"
HEADER = "practice_id,practice_name,portal,username,owner,password,password_changed,mfa"
ROW = f"750056780,Pharmacie du Centre,viamedis,jdupont,Jean Dupont,{CURRENT},2025-03-01,oui"


def viamedis(group: str, password: str, changed: str = "2025-03-01", **extra: Any) -> Login:
    return Login(
        [CENTRE, group],
        "Viamedis",
        "jdupont",
        password,
        url="https://viamedis.net",
        changed=changed,
        # A recorded change date: a vault's modification date never clears an incident.
        fields={"Titulaire": "Jean Dupont", "MFA": "oui", "password_changed": changed},
        **extra,
    )


def options() -> SourceOptions:
    def ask(kind: Unlock, path: Path) -> str:
        return "master"

    return SourceOptions(ask_secret=ask)


def read(paths: Sequence[Path], policy: Policy) -> Inventory:
    return read_inventories(paths, policy, AS_OF, skip_invalid=False, options=options())


def audit(paths: Sequence[Path], policy: Policy, breach: Any) -> Report:
    return run_audit(read(paths, policy), policy, AS_OF, breach, breach_mode=BreachMode.OFFLINE)


def english(finding: Finding) -> str:
    return str(machine_english().text(finding.message))


@pytest.fixture
def vault(kdbx_template: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(*logins: Login, name: str = "coffre.kdbx") -> Path:
        return write_kdbx(kdbx_template, tmp_path / name, logins)

    return write


def test_copies_with_the_same_password_are_one_account_that_names_them(
    vault: Any, policy: Policy, fake_breach: Any
) -> None:
    path = vault(
        viamedis("Comptoir", CURRENT),
        viamedis("Archive", CURRENT),
        viamedis("Comptoir 2", CURRENT),
    )
    inventory = read([path], policy)
    assert inventory.skipped == ()
    report = audit([path], policy, fake_breach())
    [practice] = report.practices
    [account] = practice.accounts
    origin = str(account.account.origin)
    assert origin.startswith(f"{path} [{CENTRE}/Comptoir/Viamedis] (also in: ")
    assert f"{path} [{CENTRE}/Archive/Viamedis]" in origin
    assert f"{path} [{CENTRE}/Comptoir 2/Viamedis]" in origin
    assert practice.findings == ()
    assert report.complete


def test_a_copy_shows_the_password_is_as_old_as_its_oldest_entry(
    vault: Any, policy: Policy, fake_breach: Any
) -> None:
    # The archived copy held the same password before the Viamedis incident of
    # February 2024: the password is that old, whatever the newer entry's date says.
    path = vault(viamedis("Comptoir", CURRENT), viamedis("Archive", CURRENT, "2023-06-01"))
    [practice] = audit([path], policy, fake_breach()).practices
    [account] = practice.accounts
    assert account.account.password_changed == date(2023, 6, 1)
    assert [f.check for f in practice.findings] == [CheckId.INCIDENT_ROTATION]


def test_copies_with_different_passwords_are_a_finding_and_both_are_checked(
    vault: Any, policy: Policy, fake_breach: Any
) -> None:
    path = vault(viamedis("Comptoir", CURRENT), viamedis("Archive", OLDER, "2025-01-15"))
    breach = fake_breach({OLDER: 3})
    report = audit([path], policy, breach)
    [practice] = report.practices
    [account] = practice.accounts  # one login, one account
    assert account.account.origin.entry == f"{CENTRE}/Comptoir/Viamedis"  # the newest entry
    assert len(breach.asked[0]) == 2  # both passwords looked up
    found = {finding.check: finding for finding in practice.findings}
    assert set(found) == {CheckId.CONFLICTING_ENTRIES, CheckId.BREACHED}
    conflict = found[CheckId.CONFLICTING_ENTRIES]
    assert conflict.severity is Severity.HIGH
    assert conflict.account == account.account.ref
    said = english(conflict)
    assert f"{CENTRE}/Comptoir/Viamedis" in said
    assert f"{CENTRE}/Archive/Viamedis" in said
    assert "the older one may still be in use" in said
    breached = found[CheckId.BREACHED]
    assert breached.account == account.account.ref
    assert english(breached).startswith(f"in the entry {CENTRE}/Archive/Viamedis: ")
    assert "3 times" in english(breached)
    assert practice.findings_for(account) == practice.findings


def test_a_copy_says_only_what_the_account_does_not_already_say(
    vault: Any, policy: Policy, fake_breach: Any
) -> None:
    # Both entries name the counter as the owner: one shared-account finding, untagged.
    comptoir = viamedis("Comptoir", CURRENT)
    archive = viamedis("Archive", OLDER)
    for entry in (comptoir, archive):
        entry.fields["Titulaire"] = "comptoir"
    [practice] = audit([vault(comptoir, archive)], policy, fake_breach()).practices
    checks = sorted(f.check.value for f in practice.findings)
    assert checks == ["conflicting-entries", "shared-account"]
    [shared] = [f for f in practice.findings if f.check is CheckId.SHARED_ACCOUNT]
    assert not english(shared).startswith("in the entry")


def test_a_failed_lookup_of_a_copy_leaves_the_audit_incomplete(
    vault: Any, policy: Policy, fake_breach: Any
) -> None:
    path = vault(viamedis("Comptoir", CURRENT), viamedis("Archive", OLDER, "2025-01-15"))
    report = audit([path], policy, fake_breach(unknown=[OLDER]))
    assert not report.complete
    [practice] = report.practices
    assert len(practice.accounts) == 1
    assert [a.account.origin.entry for a, _ in practice.unchecked] == [f"{CENTRE}/Archive/Viamedis"]


def test_copies_across_two_vaults_are_copies_too(
    vault: Any, policy: Policy, fake_breach: Any
) -> None:
    first = vault(viamedis("Comptoir", CURRENT), name="centre.kdbx")
    second = vault(viamedis("Comptoir", CURRENT), name="ancien.kdbx")
    [practice] = audit([first, second], policy, fake_breach()).practices
    [account] = practice.accounts
    assert f"(also in: {second} [{CENTRE}/Comptoir/Viamedis])" in str(account.account.origin)


def test_a_sheet_row_repeating_a_vault_entry_stays_a_row_problem(
    vault: Any, policy: Policy, write_csv: Any
) -> None:
    # A sheet is typed by hand: whichever comes second, the repeat is a mistake to fix.
    path = vault(viamedis("Comptoir", CURRENT))
    sheet = write_csv(f"{HEADER}\n{ROW}\n")
    for paths in ([path, sheet], [sheet, path]):
        with pytest.raises(InvalidInventoryError) as raised:
            read(paths, policy)
        [problem] = raised.value.problems
        assert "same practice, portal, username and owner as" in str(problem)


def test_a_password_manager_export_holds_copies_too(policy: Policy, write_csv: Any) -> None:
    # Exported from a vault, not typed by hand: its repeated lines are copies.
    export = write_csv(
        "name,url,username,password\n"
        f"Viamedis,https://viamedis.net,jdupont,{CURRENT}\n"
        f"Viamedis (ancien),https://viamedis.net,jdupont,{OLDER}\n",
        name="chrome.csv",
    )
    options = SourceOptions(practice=Practice("750056780", "Pharmacie du Centre"))
    inventory = read_inventories([export], policy, AS_OF, skip_invalid=False, options=options)
    assert inventory.skipped == ()
    report = run_audit(inventory, policy, AS_OF, None, breach_mode=BreachMode.SKIPPED)
    [practice] = report.practices
    assert len(practice.accounts) == 1
    [conflict] = [f for f in practice.findings if f.check is CheckId.CONFLICTING_ENTRIES]
    assert f"({export}:2 and {export}:3)" in english(conflict)
