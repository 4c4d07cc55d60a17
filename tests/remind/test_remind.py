"""Reminders: who gets what, the mail-merge CSV, the calendar, drafts, SMTP and escalation."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import icalendar
import pytest

from auditor.audit import Inventory, run_audit
from auditor.i18n import Lang, catalog
from auditor.models import Account
from auditor.policy import Policy, load_policy
from auditor.remind import Audience, draft, plan_reminders
from auditor.report import BreachMode, Report
from tests.conftest import EXAMPLE_AUDIT, free_port, loopback_send

EXAMPLE = EXAMPLE_AUDIT
PASSWORDS = ("Pharmacie2024!", "Viamedis2019!", "V7#qLm2!xR9@wTz4")
LINK = re.compile(r"https?:|www\.|://|(?<![@\w.-])[a-z0-9-]+\.(?:fr|com|net)\b", re.I)
"""Anything a mail client would make a link of, a bare domain included: a reminder names
the portal's official address spelled out ("viamedis dot net"), never ``viamedis.net``.
Recipients' e-mail addresses (``To:``, ``ATTENDEE:``) are not links we write."""


def _report(make_account: Callable[..., Account], fake_breach: Any, policy: Policy) -> Report:
    accounts = (
        make_account(
            portal="viamedis",
            username="ana",
            owner="Ana",
            owner_email="ana@x.example",
            password="soleil",
        ),
        make_account(
            portal="almerys",
            username="ana2",
            owner="Ana",
            owner_email="ANA@x.example",
            password="soleil",
        ),
        make_account(portal="kalixia", username="comptoir", owner="Comptoir", password="soleil"),
        make_account(
            portal="itelis",
            username="ok",
            owner="Bob",
            owner_email="bob@x.example",
            password="V7#qLm2!xR9@wTz4",
        ),
    )
    inventory = Inventory(accounts, (), ("inventory.csv",))
    return run_audit(
        inventory,
        policy,
        date(2026, 11, 22),
        fake_breach({"soleil": 3}),
        breach_mode=BreachMode.OFFLINE,
    )


def _policy(tmp_path: Path, text: str) -> Policy:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy([path])


def test_one_reminder_per_owner_and_one_for_the_practice(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any, policy: Policy
) -> None:
    plan = plan_reminders(_report(make_account, fake_breach, policy), policy)
    assert [(r.audience, r.email and r.email.casefold(), len(r.items)) for r in plan] == [
        (Audience.OWNER, "ana@x.example", 2),  # one e-mail, whatever its case
        (Audience.PRACTICE, None, 1),  # no owner e-mail, no practice contact yet
    ]
    assert {i.account.username for i in plan[0].items} == {"ana", "ana2"}
    contacts = _policy(tmp_path, '[practice_contacts]\n"750056780" = "titulaire@x.example"\n')
    plan = plan_reminders(_report(make_account, fake_breach, contacts), contacts)
    assert plan[1].email == "titulaire@x.example"
    assert plan[1].items[0].portal_name == "Kalixia"


def test_waived_findings_are_not_reminded(
    tmp_path: Path, make_account: Callable[..., Account], fake_breach: Any
) -> None:
    waiver = '[[waiver]]\npractice = "750056780"\nportal = "kalixia"\nreason = "r"\naccepted_by = "a"\nexpires = 2027-01-01\n'
    policy = _policy(tmp_path, waiver)
    plan = plan_reminders(_report(make_account, fake_breach, policy), policy)
    assert [r.audience for r in plan] == [Audience.OWNER]


def test_escalation_after_two_reminded_runs(
    make_account: Callable[..., Account], fake_breach: Any, policy: Policy
) -> None:
    report = _report(make_account, fake_breach, policy)
    refs = list(report.practices[0].findings_by_account)
    plan = plan_reminders(report, policy, {refs[0]: 2, refs[1]: 1})
    (escalation,) = [r for r in plan if r.audience is Audience.ESCALATION]
    assert [i.account for i in escalation.items] == [refs[0]]
    text = draft(catalog(Lang.EN), escalation).body
    assert "Already reminded in 2 earlier audits." in text
    assert "reminded at least twice" in text


@pytest.mark.parametrize(("lang", "words"), [("fr", "Bonjour"), ("en", "Hello")])
def test_send_by_smtp_to_a_real_server_on_loopback(
    run_cli: Callable[..., tuple[int, str, str]],
    smtp_server: tuple[int, Any],
    lang: str,
    words: str,
) -> None:
    port, inbox = smtp_server
    code, out, err = run_cli(
        "remind",
        *EXAMPLE,
        "--lang",
        lang,
        *loopback_send(port),
        "--policy",
        "examples/politique.toml",
    )
    assert code == 0, err
    assert out == ""
    sent = len(inbox.messages)  # the status line follows --lang (issue 15)
    assert (
        f"{sent} rappels envoyés, 0 en échec"
        if lang == "fr"
        else f"sent {sent} reminders, 0 failed"
    ) in err
    recipients = {rcpt for _, rcpts, _ in inbox.messages for rcpt in rcpts}
    assert "claire.martin@pharmacie-du-marche.fr" in recipients
    assert "titulaire@pharmacie-du-marche.example" in recipients  # ownerless accounts
    for sender, _, raw in inbox.messages:
        assert sender == "informatique@groupe.example"
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_content()
        assert body.startswith(words)
        assert "Assurance Maladie" in body
        assert not LINK.search(body), LINK.search(body)
        assert not any(p in body or p.encode() in raw for p in PASSWORDS)
        assert message.get_content_type() == "text/plain"
        assert not list(message.iter_attachments())
        assert message["Auto-Submitted"] == "auto-generated"
    subjects = [
        email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
        for *_, raw in inbox.messages
    ]
    assert any(
        ("Mots de passe à changer" if lang == "fr" else "Passwords to change") in s
        for s in subjects
    )


def test_plain_smtp_beyond_loopback_is_refused_before_anything_runs(
    run_cli: Callable[..., tuple[int, str, str]],
) -> None:
    args = ["remind", *EXAMPLE, "--send", "--from", "it@groupe.example", "--smtp-security", "none"]
    code, out, err = run_cli(*args, "--smtp-host", "smtp.groupe.example")
    assert code == 2 and out == ""
    assert "sends names and logins in clear to smtp.groupe.example" in err
    code, _, err = run_cli("remind", *EXAMPLE, "--send", "--from", "it@groupe.example")
    assert code == 2 and "--send needs --smtp-host" in err


def test_an_unreachable_relay_is_a_clear_error(
    run_cli: Callable[..., tuple[int, str, str]],
) -> None:
    code, _, err = run_cli(
        "remind",
        *EXAMPLE,
        *loopback_send(free_port(), "it@groupe.example"),
    )
    assert code == 2
    assert "cannot reach the SMTP relay 127.0.0.1" in err and "Traceback" not in err


def test_dry_run_shows_every_message_and_sends_nothing(
    run_cli: Callable[..., tuple[int, str, str]],
) -> None:
    code, out, err = run_cli("remind", *EXAMPLE, "--lang", "en")
    assert code == 0
    assert out.count("Subject: ") >= 4
    assert "To: Pharmacie du Marché — no e-mail address" in out  # nothing lost, nobody to send to
    assert "dry run" in err and "none sent" in err
    assert not LINK.search(out)


def test_out_writes_merge_csv_calendar_and_drafts(
    run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    out = tmp_path / "reminders"
    code, _, err = run_cli(
        "remind",
        *EXAMPLE,
        "--out",
        str(out),
        "--from",
        "it@groupe.example",
        "--lang",
        "fr",
        "--policy",
        "examples/politique.toml",
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO((out / "reminders.csv").read_text(encoding="utf-8"))))
    assert {r["audience"] for r in rows} == {"owner", "practice"}
    claire = [r for r in rows if r["recipient_email"] == "claire.martin@pharmacie-du-marche.fr"]
    assert {r["portal"] for r in claire} >= {"almerys"}
    assert all(r["due"] and r["checks"] and r["reasons"] for r in rows)
    assert not any(
        r["portal"] == "oxantis"
        and "shared-account" in r["checks"].split()
        and r["checks"] == "shared-account"
        for r in rows
    )

    cal = icalendar.Calendar.from_ical((out / "reminders.ics").read_bytes())
    todos = list(cal.walk("VTODO"))
    assert len(todos) == len(rows)
    first = todos[0]
    assert isinstance(first.decoded("due"), date)
    assert first.decoded("due") == date(2026, 11, 22)
    (alarm,) = first.walk("VALARM")
    assert str(alarm["action"]) == "DISPLAY"
    assert all("Mot de passe" not in str(t["summary"]) for t in todos)  # a line per account
    assert not LINK.search(
        (out / "reminders.ics").read_text(encoding="utf-8").replace("mailto:", "")
    )

    drafts = sorted((out / "eml").iterdir())
    assert drafts and all(d.suffix == ".eml" for d in drafts)
    message = email.message_from_bytes(drafts[0].read_bytes(), policy=email.policy.default)
    assert message["X-Unsent"] == "1"
    assert message["From"] == "it@groupe.example"
    assert message.get_content().startswith("Bonjour")


def test_reminded_twice_and_not_fixed_escalates_to_the_practice_contact(
    run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    history = str(tmp_path / "h.sqlite3")
    base = [
        "remind",
        *EXAMPLE,
        "--history",
        history,
        "--from",
        "it@groupe.example",
        "--policy",
        "examples/politique.toml",
    ]
    for week in (1, 2):
        code, _, _ = run_cli(*base, "--out", str(tmp_path / f"week{week}"))
        assert code == 0
        rows = (tmp_path / f"week{week}" / "reminders.csv").read_text(encoding="utf-8")
        assert "escalation" not in rows
    code, out, _ = run_cli(*base, "--lang", "en")  # the third week's dry run
    assert code == 0
    escalations = [
        m for m in out.split("=" * 72) if "still not changed after repeated reminders" in m
    ]
    assert len(escalations) == 2  # one per practice, to its contact
    assert any(
        "To: Pharmacie du Marché <titulaire@pharmacie-du-marche.example>" in m for m in escalations
    )
    assert "Already reminded in 2 earlier audits." in out


def test_out_refuses_a_planted_eml_link_and_is_made_private(
    run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    # Someone who can write in DIR plants DIR/eml → a folder of theirs: the drafts,
    # which hold names and logins, must not land there.
    out = tmp_path / "reminders"
    elsewhere = tmp_path / "elsewhere"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    elsewhere.mkdir()
    (out / "eml").symlink_to(elsewhere, target_is_directory=True)
    code, _, err = run_cli(
        "remind", *EXAMPLE, "--no-history", "--out", str(out), "--from", "it@groupe.example"
    )
    assert code == 2, err
    assert "eml: is a symbolic link; refusing to write through it" in err
    assert "Traceback" not in err and "internal error" not in err
    assert list(elsewhere.iterdir()) == []
    assert (out.stat().st_mode & 0o777) == 0o700
