"""Waivers: declared in policy files, shown as waived, lapsing on their expiry, reported then."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.audit import ExitCode, FailOn, Inventory, exit_code, run_audit
from auditor.formats import OutputFormat, RenderOptions
from auditor.i18n.phrase import phrase
from auditor.models import Account, AccountRef, CheckId, Finding, Practice, Severity
from auditor.policy import Policy, PolicyError, Waiver, dump_policy, load_policy
from auditor.report import BreachMode, Report
from auditor.report.waivers import apply_waivers

AS_OF = date(2026, 11, 22)
OTHER = Practice("690034566", "Optique Lumière")


def _policy(tmp_path: Path, text: str) -> Policy:
    # No built-in portal is known to offer MFA: requiring it gives each account a no-mfa finding.
    path = tmp_path / "waivers.toml"
    path.write_text("[mfa]\nrequired = true\n" + text, encoding="utf-8")
    return load_policy([path])


def _waiver(**scope: Any) -> str:
    expires = scope.pop("_expires", "2027-03-31")
    lines = [f'{key} = "{value}"' for key, value in scope.items()]
    return "\n".join(
        [
            "[[waiver]]",
            *lines,
            'reason = "accepted until the portal offers a second factor"',
            'accepted_by = "M. Martin, DSI"',
            f"expires = {expires}",
        ]
    )


def _audit(
    make_account: Callable[..., Account], fake_breach: Any, policy: Policy, day: date = AS_OF
) -> Report:
    accounts = (
        make_account(portal="viamedis", username="J.Doe", mfa=False, password="V7#qLm2!xR9@wTz4"),
        make_account(portal="almerys", username="jdoe", mfa=False, password="Qx9!vB2#mL7@pR4z"),
        make_account(practice=OTHER, portal="viamedis", username="sdurand", mfa=False),
    )
    inventory = Inventory(accounts, (), ("inventory.csv",))
    return run_audit(inventory, policy, day, fake_breach({}), breach_mode=BreachMode.OFFLINE)


def _no_mfa(report: Report) -> set[tuple[str, str]]:
    return {
        (f.account.practice_id, f.account.portal)
        for f in report.findings
        if f.check is CheckId.NO_MFA
    }


def test_a_waiver_moves_the_findings_it_names_out_of_counts_but_keeps_them(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any
) -> None:
    policy = _policy(tmp_path, _waiver(check="no-mfa", portal="viamedis", practice="750056780"))
    baseline = _audit(make_account, fake_breach, _policy(tmp_path, ""))
    report = _audit(make_account, fake_breach, policy)

    assert ("750056780", "viamedis") in _no_mfa(baseline)
    assert _no_mfa(report) == _no_mfa(baseline) - {("750056780", "viamedis")}
    (waived,) = report.waived
    assert waived.finding.check is CheckId.NO_MFA
    assert waived.finding.account.username == "J.Doe"
    assert waived.waiver.accepted_by == "M. Martin, DSI"
    assert len(report.findings) == len(baseline.findings) - 1
    assert report.expired_waivers == ()


def test_username_matches_without_case_or_accents_and_omitted_fields_match_anything(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any
) -> None:
    by_user = _audit(make_account, fake_breach, _policy(tmp_path, _waiver(username="j.doe")))
    assert {w.finding.account.username for w in by_user.waived} == {"J.Doe"}
    assert {w.finding.check for w in by_user.waived} >= {CheckId.NO_MFA}

    by_check = _audit(make_account, fake_breach, _policy(tmp_path, _waiver(check="no-mfa")))
    assert _no_mfa(by_check) == set()
    assert len(by_check.waived) == 3


def test_an_expired_waiver_stops_applying_and_is_reported(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any
) -> None:
    policy = _policy(tmp_path, _waiver(check="no-mfa", _expires="2026-11-21"))
    on_expiry_day = _audit(make_account, fake_breach, policy, date(2026, 11, 21))
    day_after = _audit(make_account, fake_breach, policy, AS_OF)

    assert len(on_expiry_day.waived) == 3  # the expiry day is the last day it applies
    assert on_expiry_day.expired_waivers == ()
    assert day_after.waived == ()
    assert len(_no_mfa(day_after)) == 3
    (expired,) = day_after.expired_waivers
    assert expired.where.endswith("waivers.toml: [[waiver]] #1")

    document = json.loads(OutputFormat.JSON.to_formatter().render(day_after))
    assert document["expired_waivers"][0]["expires"] == "2026-11-21"
    assert document["expired_waivers"][0]["accepted_by"] == "M. Martin, DSI"
    wide = RenderOptions(width=300)
    terminal = OutputFormat.TERMINAL.to_formatter(wide).render(day_after)
    assert "Expired waiver (no-mfa, accepted by M. Martin, DSI" in terminal
    assert "ended on 21 November 2026" in terminal
    markdown = OutputFormat.MARKDOWN.to_formatter().render(day_after)
    assert "Expired waiver (no-mfa" in markdown


def test_a_practice_report_keeps_only_the_expired_waivers_that_concern_it(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any
) -> None:
    text = _waiver(practice="690034566", _expires="2026-01-01") + "\n" + _waiver(check="weak")
    report = _audit(make_account, fake_breach, _policy(tmp_path, text))
    by_id = {p.practice.id: report.for_practice(p) for p in report.practices}
    assert len(by_id["690034566"].expired_waivers) == 1
    assert by_id["750056780"].expired_waivers == ()


def test_waived_findings_do_not_fail_the_run(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any
) -> None:
    policy = _policy(tmp_path, _waiver(check="no-mfa"))
    report = _audit(make_account, fake_breach, policy)
    baseline = _audit(make_account, fake_breach, _policy(tmp_path, ""))
    assert exit_code(baseline, FailOn.MEDIUM) is ExitCode.FINDINGS
    assert exit_code(report, FailOn.MEDIUM) is ExitCode.CLEAN


def test_first_matching_waiver_in_policy_order_is_the_one_shown(make_account: Any) -> None:
    from auditor.i18n.phrase import phrase
    from auditor.models import Finding, Severity

    account = make_account(portal="viamedis")
    finding = Finding(
        CheckId.NO_MFA, Severity.MEDIUM, account.ref, phrase("finding.no_mfa"), phrase("x"), AS_OF
    )
    broad = Waiver("broad", "A", date(2027, 1, 1), check=CheckId.NO_MFA)
    narrow = Waiver("narrow", "B", date(2027, 1, 1), portal="viamedis")
    other = Waiver("other", "C", date(2027, 1, 1), portal="almerys")
    split = apply_waivers([finding], [other, broad, narrow], AS_OF)
    assert split.active == ()
    assert [w.waiver.reason for w in split.waived] == ["broad"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_waiver(check="no-such-check"), "unknown check id 'no-such-check'"),
        (_waiver(portal="nowhere"), "portal: unknown portal id 'nowhere'"),
        (_waiver(practice="123"), "practice: '123'"),
        ("[[waiver]]\nreason = 'x'\naccepted_by = 'y'\nexpires = 2027-01-01", "name at least one"),
        ("[[waiver]]\ncheck = 'weak'", "missing reason, accepted_by, expires"),
        (
            "[[waiver]]\ncheck = 'weak'\nreason = ''\naccepted_by = 'y'\nexpires = 2027-01-01",
            "reason: expected a non-empty string",
        ),
        (
            "[[waiver]]\ncheck = 'weak'\nreason = 'x'\naccepted_by = 'y'\nexpires = '2027'",
            "expires: expected a date",
        ),
        ("[practice_contacts]\n'750056780' = 'not-an-address'", "is not an e-mail address"),
        ("[practice_contacts]\n'12' = 'a@b.fr'", "[practice_contacts]: 12"),
    ],
)
def test_invalid_waivers_and_contacts_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PolicyError) as raised:
        _policy(tmp_path, text)
    assert message in str(raised.value)
    assert "waivers.toml" in str(raised.value)


def test_waivers_and_contacts_round_trip_through_policy_show(tmp_path: Path) -> None:
    text = _waiver(check="no-mfa", portal="viamedis", username="jdoe") + (
        '\n[practice_contacts]\n"750056780" = "titulaire@pharmacie.example"\n'
    )
    policy = _policy(tmp_path, text)
    again = tmp_path / "again.toml"
    again.write_text(dump_policy(policy), encoding="utf-8")
    reloaded = load_policy([again])
    assert [(w.check, w.portal, w.username, w.reason, w.expires) for w in reloaded.waivers] == [
        (w.check, w.portal, w.username, w.reason, w.expires) for w in policy.waivers
    ]
    assert reloaded.practice_contacts == {"750056780": "titulaire@pharmacie.example"}


def test_every_format_shows_waived_findings_as_waived(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any
) -> None:
    report = _audit(
        make_account, fake_breach, _policy(tmp_path, _waiver(check="no-mfa", portal="almerys"))
    )
    document = json.loads(OutputFormat.JSON.to_formatter().render(report))
    practice = next(p for p in document["practices"] if p["practice_id"] == "750056780")
    (waived,) = practice["waived"]
    assert (waived["check"], waived["portal"]) == ("no-mfa", "almerys")
    assert waived["waiver"]["reason"] == "accepted until the portal offers a second factor"
    assert waived["waiver"]["expires"] == "2027-03-31"
    assert document["summary"]["waived"] == 1
    assert not any(
        f["check"] == "no-mfa" and f["portal"] == "almerys" for f in practice["findings"]
    )

    rows = list(csv.DictReader(io.StringIO(OutputFormat.CSV.to_formatter().render(report))))
    waived_rows = [r for r in rows if r["status"] == "waived"]
    assert [(r["portal"], r["check"], r["waived_until"]) for r in waived_rows] == [
        ("almerys", "no-mfa", "2027-03-31")
    ]
    assert waived_rows[0]["waiver_accepted_by"] == "M. Martin, DSI"
    # sdurand's password is not recorded: that account is "not checked", never "ok".
    assert {r["status"] for r in rows} == {"open", "waived", "not-checked"}

    junit = ET.fromstring(OutputFormat.JUNIT.to_formatter().render(report))  # noqa: S314 - our own output
    skipped = junit.findall(".//testcase[@name='no-mfa']/skipped")
    assert len(skipped) == 1
    assert "M. Martin, DSI" in skipped[0].get("message", "")
    waiver_skips = [
        case
        for case in junit.iter("skipped")
        if "accepted by" in case.get("message", "") or "M. Martin" in case.get("message", "")
    ]
    assert len(waiver_skips) == 1

    terminal = OutputFormat.TERMINAL.to_formatter().render(report)
    assert "1 finding waived (accepted risk)" in terminal
    for fmt in (OutputFormat.MARKDOWN, OutputFormat.HTML):
        text = fmt.to_formatter().render(report)
        assert "Waived (accepted risks)" in text
        assert "accepted until the portal offers a second factor" in text


def test_many_waivers_cost_a_few_look_ups_per_finding_and_keep_policy_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from auditor.i18n.phrase import phrase
    from auditor.models import AccountRef, Finding, Severity

    calls = 0
    real_matches = Waiver.matches

    def counted(self: Waiver, finding: Finding) -> bool:
        nonlocal calls
        calls += 1
        return real_matches(self, finding)

    monkeypatch.setattr(Waiver, "matches", counted)

    def waiver(number: int, **scope: Any) -> Waiver:
        return Waiver(f"reason {number}", "DSI", date(2027, 1, 1), **scope)

    # 20,000 waivers, one per login, then a broad one, then a later duplicate of user20's.
    waivers = [waiver(n, check=CheckId.NO_MFA, username=f"user{n}") for n in range(20_000)]
    waivers += [
        waiver(20_000, portal="almerys"),
        waiver(20_001, check=CheckId.NO_MFA, username="USER20"),
    ]
    findings = [
        Finding(
            check,
            Severity.MEDIUM,
            AccountRef("750056780", portal, f"user{n}", None),
            phrase("finding.no_mfa"),
            phrase("action.no_mfa"),
            AS_OF,
        )
        for n in range(0, 40_000, 20)
        for check, portal in ((CheckId.NO_MFA, "viamedis"), (CheckId.WEAK, "viamedis"))
    ]
    findings.append(
        dataclasses.replace(findings[0], account=AccountRef("750056780", "almerys", "nobody", None))
    )
    split = apply_waivers(findings, waivers, AS_OF)

    waived = {(w.finding.check, w.finding.account.username): w.waiver.reason for w in split.waived}
    assert waived[(CheckId.NO_MFA, "user20")] == "reason 20"
    assert waived[(CheckId.NO_MFA, "nobody")] == "reason 20000"
    assert (CheckId.WEAK, "user20") not in waived
    assert (CheckId.NO_MFA, "user20000") not in waived  # past the waived logins
    assert len(split.waived) == 1_000 + 1 and len(split.active) == len(findings) - 1_001
    assert calls <= len(findings)


_NAMES = {"check": list(CheckId)[:3], "practice": ["750056780", "690034566"]}


@given(
    waivers=st.lists(
        st.builds(
            Waiver,
            reason=st.just("r"),
            accepted_by=st.just("a"),
            expires=st.sampled_from([date(2026, 1, 1), date(2027, 1, 1)]),
            check=st.none() | st.sampled_from(_NAMES["check"]),
            practice=st.none() | st.sampled_from(_NAMES["practice"]),
            portal=st.none() | st.sampled_from(["viamedis", "almerys"]),
            username=st.none() | st.sampled_from(["Ana", "ana", "bob", "Éva"]),
        ),
        max_size=8,
    ),
    findings=st.lists(
        st.builds(
            lambda check, practice, portal, username: Finding(
                check,
                Severity.HIGH,
                AccountRef(practice, portal, username, None),
                phrase("x"),
                phrase("y"),
                AS_OF,
            ),
            st.sampled_from(_NAMES["check"]),
            st.sampled_from(_NAMES["practice"]),
            st.sampled_from(["viamedis", "almerys"]),
            st.sampled_from(["ana", "ANA", "bob", "eva"]),
        ),
        max_size=8,
    ),
)
def test_the_waiver_index_matches_as_each_waiver_does(
    waivers: list[Waiver], findings: list[Finding]
) -> None:
    """The index (look-ups by what waivers name) gives what a pass over every waiver gives:
    the first waiver in force, in policy order, that matches."""
    result = apply_waivers(findings, waivers, AS_OF)
    expected_waived = []
    expected_active = []
    for finding in findings:
        match = next((w for w in waivers if w.active_on(AS_OF) and w.matches(finding)), None)
        if match is None:
            expected_active.append(finding)
        else:
            expected_waived.append((finding, match))
    assert list(result.active) == expected_active
    assert [(w.finding, w.waiver) for w in result.waived] == expected_waived
