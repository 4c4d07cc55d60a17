"""The checks fold each distinct login once per context, however many accounts and checks name it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

import pytest

import auditor.text
from auditor.checks import CheckContext, run_checks
from auditor.models import Account, CheckId
from auditor.password.derive import derive
from auditor.policy import Policy

AS_OF = date(2026, 11, 22)
PORTALS = ("viamedis", "almerys", "kalixia", "itelis")


def test_a_login_named_on_several_portals_is_folded_once(
    make_account: Callable[..., Account], policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same two logins on four portals, each with one password and owners that differ:
    # reuse, credential pairs and shared accounts all compare the folded logins. Accented,
    # so that folding them is more than ``casefold`` (which ASCII logins get instead).
    accounts = [
        make_account(portal=portal, username=login, owner=f"{owner} {portal}", password="soleil")
        for portal in PORTALS
        for login, owner in (("PH.Hélène", "Paul"), ("comptoir-é", "Comptoir"))
    ]
    audited = derive(accounts, policy, None)
    folded: Counter[str] = Counter()
    fold = auditor.text.fold

    def counted(text: str) -> str:
        folded[text] += 1
        return fold(text)

    monkeypatch.setattr(auditor.text, "fold", counted)  # what the context's Folded calls
    found = run_checks(audited, CheckContext(policy, AS_OF))
    checks = {f.check for f in found}
    assert {CheckId.REUSED, CheckId.CREDENTIAL_PAIR, CheckId.SHARED_ACCOUNT} <= checks
    # (Owners are folded too, for their words: only the logins are counted here.)
    assert {login: folded[login] for login in ("PH.Hélène", "comptoir-é")} == {
        "PH.Hélène": 1,
        "comptoir-é": 1,
    }
