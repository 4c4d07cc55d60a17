"""banned-word: a password built on a word attackers of pharmacies and opticians try first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.models import Account, CheckId, Severity
from auditor.password.banned import BannedKind, banned_kinds, shipped_words
from auditor.password.derive import banned_word_lists
from auditor.policy import Policy
from auditor.policy.banned import parse_words
from tests.checks.test_checks import STRONG, findings, said
from tests.checks.waiving import audit_with_waiver


def kinds(password: str, policy: Policy) -> frozenset[BannedKind]:
    return banned_kinds(password, banned_word_lists(policy))


@pytest.mark.parametrize(
    ("password", "kind"),
    [
        ("Pharmacie2024!", BannedKind.TRADE),
        ("pharmacie2025?", BannedKind.TRADE),
        ("Ph4rm@cie#1", BannedKind.TRADE),
        ("OPTIQUE75", BannedKind.TRADE),
        ("Tiers-Payant2024", BannedKind.TRADE),
        ("Santé!!", BannedKind.TRADE),
        ("MaPharmacie", BannedKind.TRADE),  # a short prefix
        ("pharmacieparis", BannedKind.TRADE),  # the word is most of it
        ("Septembre2024!", BannedKind.CALENDAR),
        ("Ete2025", BannedKind.CALENDAR),  # a short word, but the whole stem
        ("Winter2024", BannedKind.CALENDAR),
        ("azerty123", BannedKind.KEYBOARD),
        ("123456789", BannedKind.KEYBOARD),
        ("Qwerty!", BannedKind.KEYBOARD),
        ("Loulou2024", BannedKind.COMMON),
        ("Motdepasse1!", BannedKind.COMMON),
        ("Almerys2024!", BannedKind.PORTAL),  # read from the policy, not from a list
        ("Santeclair75", BannedKind.PORTAL),
        ("BeYs2024", BannedKind.PORTAL),  # an alias
    ],
)
def test_what_a_password_is_built_on(password: str, kind: BannedKind, policy: Policy) -> None:
    assert kind in kinds(password, policy)


@pytest.mark.parametrize(
    "password",
    [
        STRONG,
        "marsupial-orange-velo-piano",  # a long passphrase that merely holds "mars"
        "cheval-batterie-agrafe-correct-pharmacie",  # holds a trade word, far in
        "vetement-maison-ete-loin",  # "ete" and "mai" inside other words
        "Xk9#pharmacie-et-bien-plus-encore",  # more than a short prefix before it
        "",
    ],
)
def test_what_is_not_built_on_a_banned_word(password: str, policy: Policy) -> None:
    assert kinds(password, policy) == frozenset()


def test_every_shipped_list_cites_its_source_and_is_folded() -> None:
    lists = shipped_words()
    assert set(lists) == {
        BannedKind.TRADE,
        BannedKind.CALENDAR,
        BannedKind.KEYBOARD,
        BannedKind.COMMON,
    }
    assert all(lists.values())
    assert "tierspayant" in lists[BannedKind.TRADE]
    assert "sante" in lists[BannedKind.TRADE]
    assert parse_words("# a comment\nSanté\n\n Tiers payant \n") == {"sante", "tierspayant"}


def test_banned_word_finding(make_account: Callable[..., Account], policy: Policy) -> None:
    accounts = [
        make_account(username="trade", password="Optique2024!"),
        make_account(username="month", password="Septembre2024!"),
        make_account(username="fine", password=STRONG),
    ]
    found = findings(accounts, policy, check=CheckId.BANNED_WORD)
    by_user = {f.account.username: f for f in found}
    assert set(by_user) == {"trade", "month"}
    assert by_user["trade"].severity is Severity.HIGH
    assert "the trade's vocabulary" in said(by_user["trade"])
    assert "a season or a month" in said(by_user["month"])
    # The word matched is a piece of the password: never written.
    for finding in found:
        text = said(finding).casefold()
        assert "optique" not in text
        assert "septembre" not in text
        assert "2024" not in text


def test_a_breached_password_is_said_breached_only(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    accounts = [make_account(password="soleil")]
    found = {f.check for f in findings(accounts, policy, fake_breach({"soleil": 12}))}
    assert CheckId.BREACHED in found
    assert CheckId.BANNED_WORD not in found


def test_its_own_portal_name_is_left_to_contextual(
    make_account: Callable[..., Account], policy: Policy
) -> None:
    own = make_account(username="own", portal="kalixia", password="Kalixia2024!")
    other = make_account(username="other", portal="kalixia", password="Viamedis2024!")
    found = {(f.account.username, f.check) for f in findings([own, other], policy)}
    assert ("own", CheckId.CONTEXTUAL) in found
    assert ("own", CheckId.BANNED_WORD) not in found
    assert ("other", CheckId.BANNED_WORD) in found


def test_a_waiver_of_banned_word(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any
) -> None:
    accounts = (
        make_account(portal="viamedis", username="a", password="Optique2024!x"),
        make_account(portal="almerys", username="b", password="Septembre2024!"),
    )
    report = audit_with_waiver(
        tmp_path, fake_breach, accounts, check=CheckId.BANNED_WORD, scope='portal = "viamedis"'
    )
    (waived,) = [w for w in report.waived if w.finding.check is CheckId.BANNED_WORD]
    assert waived.finding.account.username == "a"
    open_ = {f.account.username for f in report.findings if f.check is CheckId.BANNED_WORD}
    assert open_ == {"b"}
