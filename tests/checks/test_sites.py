"""lookalike-site, phished and reused-elsewhere, from vaults and exports the tests write.

Each vault holds lookalikes of every kind, an honest subdomain of a portal and a portal's
real alternative domain: each must give exactly its findings, and an official domain none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import read_inventories, run_audit
from auditor.i18n import Catalog, Lang, catalog, machine_english
from auditor.models import CheckId, Finding, Practice, Severity
from auditor.policy import Policy
from auditor.remind import draft, plan_reminders
from auditor.report import BreachMode, Report
from auditor.sources import SourceOptions
from tests.checks.test_checks import AS_OF
from tests.sources.vaults import Login, bitwarden_login, write_kdbx

SITE_IDS = (CheckId.LOOKALIKE_SITE, CheckId.PHISHED, CheckId.REUSED_ELSEWHERE)
CENTRE = Practice("750056780", "Pharmacie du Centre")
english = machine_english()


def _audit(
    paths: Sequence[Path],
    policy: Policy,
    fake_breach: Callable[..., Any],
    *,
    all_entries: bool = False,
) -> Report:
    options = SourceOptions(
        practice=CENTRE, all_entries=all_entries, ask_secret=lambda kind, path: "master"
    )
    inventory = read_inventories(paths, policy, AS_OF, skip_invalid=False, options=options)
    return run_audit(inventory, policy, AS_OF, fake_breach({}), breach_mode=BreachMode.OFFLINE)


def _site_findings(report: Report) -> dict[tuple[CheckId, str, str], Finding]:
    """The site checks' findings by (check, portal or site, login)."""
    return {
        (f.check, f.account.portal, f.account.username): f
        for f in report.findings
        if f.check in SITE_IDS
    }


def _said(finding: Finding, words: Catalog = english) -> str:
    return words.text(finding.message)


def _chrome(tmp_path: Path, rows: Sequence[tuple[str, str, str, str]]) -> Path:
    path = tmp_path / "Chrome Passwords.csv"
    lines = ["name,url,username,password,note"]
    lines += [f"{name},{url},{user},{password}," for name, url, user, password in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_chrome_entry_titled_like_a_portal_on_a_lookalike_is_no_second_account(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    """The issue's case: "Viamedis" saved for viamedis-pro.com stopped the audit as a
    duplicate of the real Viamedis login; it is the lookalike site, and the password
    typed there is the portal's: ``phished`` on the real account."""
    export = _chrome(
        tmp_path,
        [
            ("Viamedis", "https://www.viamedis.net/login", "jdupont", "Tp-Centre#Juin-77"),
            ("Viamedis", "https://viamedis-pro.com/connexion", "jdupont", "Tp-Centre#Juin-77"),
        ],
    )
    report = _audit([export], policy, fake_breach)
    found = _site_findings(report)
    assert set(found) == {
        (CheckId.LOOKALIKE_SITE, "viamedis-pro.com", "jdupont"),
        (CheckId.PHISHED, "viamedis", "jdupont"),
    }
    phished = found[(CheckId.PHISHED, "viamedis", "jdupont")]
    assert phished.severity is Severity.CRITICAL
    assert phished.due == AS_OF
    assert _said(phished) == (
        "this password was saved on viamedis-pro.com, a site imitating Viamedis:"
        " treat it as known to attackers"
    )
    lookalike = found[(CheckId.LOOKALIKE_SITE, "viamedis-pro.com", "jdupont")]
    assert "viamedis-pro.com" in _said(lookalike)
    assert "Viamedis" in _said(lookalike)
    # The real address is named, as text to type, in the lookalike's action.
    assert "viamedis.net" in english.text(lookalike.action)
    # The real account's first finding, before any other, is phished.
    (practice,) = report.practices
    first = next(f for f in practice.findings if f.account.portal == "viamedis")
    assert first.check is CheckId.PHISHED


def test_phished_outranks_breached_on_the_same_account(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    password = "Tp-Centre#Juin-77"
    export = _chrome(
        tmp_path,
        [
            ("Viamedis", "https://www.viamedis.net/", "jdupont", password),
            ("Viamedis", "https://viamedls.net/", "jdupont", password),
        ],
    )
    options = SourceOptions(practice=CENTRE)
    inventory = read_inventories([export], policy, AS_OF, skip_invalid=False, options=options)
    report = run_audit(
        inventory, policy, AS_OF, fake_breach({password: 12}), breach_mode=BreachMode.OFFLINE
    )
    (practice,) = report.practices
    mine = [f.check for f in practice.findings if f.account.portal == "viamedis"]
    assert mine[0] is CheckId.PHISHED
    assert CheckId.BREACHED in mine[1:]


def test_phished_is_said_first_in_the_terminal_and_the_html_cards(
    tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Viamedis had an incident: its critical incident-rotation came first, by name."""
    monkeypatch.setenv("COLUMNS", "200")
    export = _chrome(
        tmp_path,
        [
            ("Viamedis", "https://www.viamedis.net/", "jdupont", "Tp-Centre#Juin-77"),
            ("Viamedis", "https://viamedls.net/", "jdupont", "Tp-Centre#Juin-77"),
        ],
    )
    common = ("audit", str(export), "--practice", CENTRE.id, "--no-breach-check")
    _, terminal, _ = run_cli(*common, "--as-of", AS_OF.isoformat(), "--format", "terminal")
    assert "phished, set before an incident" in terminal
    _, html, _ = run_cli(*common, "--as-of", AS_OF.isoformat(), "--format", "html")
    card = html[html.index("jdupont") :]
    assert card.index("a site imitating Viamedis") < card.index("before an incident")


LOOKALIKES = (
    # (url, imitated portal id, imitation message key)
    ("https://viamedls.net/", "viamedis", "imitation.edit"),
    ("https://www.almerys.co/", "almerys", "imitation.edit"),
    ("https://v\u0456amedis.net/", "viamedis", "imitation.confusable"),
    ("https://xn--vamedis-rog.net/", "viamedis", "imitation.confusable"),
    ("https://viamedis-pro.com/", "viamedis", "imitation.embedded"),
    ("https://almerys.secure-login.fr/", "almerys", "imitation.embedded"),
    ("https://viamedis.net.attacker.io/", "viamedis", "imitation.embedded"),
    ("https://viamedis.wixsite.com/tiers-payant", "viamedis", "imitation.free_hosting"),
)


@pytest.mark.parametrize(("url", "portal", "kind"), LOOKALIKES)
def test_each_kind_of_lookalike_in_a_keepass_vault(
    tmp_path: Path,
    kdbx_template: Path,
    policy: Policy,
    fake_breach: Callable[..., Any],
    url: str,
    portal: str,
    kind: str,
) -> None:
    vault = write_kdbx(
        kdbx_template,
        tmp_path / "coffre.kdbx",
        [
            Login(["Pharmacie du Centre (750056780)"], "Compte", "pm.cb", "Ok-Tp#Centre-41", url),
            # Honest: a subdomain of the portal, and Almerys's real alternative domain.
            Login(
                ["Pharmacie du Centre (750056780)"],
                "Viamedis pro",
                "vm",
                "Zx-Quartz#Lime-52",
                "https://pro.viamedis.net/",
            ),
            Login(
                ["Pharmacie du Centre (750056780)"],
                "Almerys",
                "alm",
                "Qw-Birch#Opal-63",
                "https://www.be-almerys.com/",
            ),
        ],
    )
    report = _audit([vault], policy, fake_breach)
    found = _site_findings(report)
    ((check, site, login),) = found
    assert (check, login) == (CheckId.LOOKALIKE_SITE, "pm.cb")
    finding = found[(check, site, login)]
    assert dict(finding.message.args)["portal"] == policy.portal(portal).name
    how = dict(finding.message.args)["how"]
    assert getattr(how, "key", None) == kind
    # The honest entries are their portals' accounts, with no site finding.
    portals = {a.account.portal for p in report.practices for a in p.accounts}
    assert {"viamedis", "almerys"} <= portals
    # A confusable host is shown in ASCII, never in look-alike letters.
    assert site.isascii()


def test_an_android_app_login_is_no_lookalike(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    """Chrome exports apps' logins as android://hash@package/: a package is no web host."""
    export = _chrome(
        tmp_path,
        [("Viamedis", "android://8Pf3Xv==@fr.viamedis.mobile/", "jdupont", "Tp-Centre#Juin-77")],
    )
    report = _audit([export], policy, fake_breach)
    assert _site_findings(report) == {}
    assert [a.account.portal for p in report.practices for a in p.accounts] == ["viamedis"]


def test_official_domains_and_their_subdomains_are_never_flagged(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    rows = []
    for index, portal in enumerate(policy.portals):
        for domain in portal.domains:
            for host in (domain, f"www.{domain}", f"pro.{domain}"):
                rows.append(
                    (portal.name, f"https://{host}/", f"u{len(rows)}", f"Pw-{index}-{host}")
                )
    report = _audit([_chrome(tmp_path, rows)], policy, fake_breach)
    assert _site_findings(report) == {}
    assert report.account_count == len(rows)


def test_a_portal_password_on_other_sites_names_the_hosts_only(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    """Left-out entries (no --all-entries) are compared: the finding names their hosts."""
    shared = "Soleil-Couchant#88"
    export = _chrome(
        tmp_path,
        [
            ("Almerys", "https://www.almerys.com/", "alm", shared),
            ("Webmail", "https://webmail.example.fr/", "jean", shared),
            ("Boutique", "https://shop.example.com/account", "jean@x.fr", shared),
            ("Forum", "https://www.forum.example.org/", "jeannot", "Autre#Mot-de-passe-1"),
            ("Boutique 2", "https://shop.example.com/", "other", shared),
        ],
    )
    report = _audit([export], policy, fake_breach)
    found = _site_findings(report)
    assert set(found) == {(CheckId.REUSED_ELSEWHERE, "almerys", "alm")}
    finding = found[(CheckId.REUSED_ELSEWHERE, "almerys", "alm")]
    assert finding.severity is Severity.HIGH
    text = _said(finding)
    assert "2 other sites" in text
    assert "shop.example.com and webmail.example.fr" in text
    # Only hosts: not the entries' titles, logins or paths.
    for hidden in ("Boutique", "jean", "account", "forum"):
        assert hidden not in text
    # The other entries are still not audited.
    assert report.account_count == 1
    assert sum(left.entries for left in report.left_out) == 4


def test_reused_elsewhere_in_french(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    shared = "Soleil-Couchant#88"
    export = _chrome(
        tmp_path,
        [
            ("Almerys", "https://www.almerys.com/", "alm", shared),
            ("Webmail", "https://webmail.example.fr/", "jean", shared),
        ],
    )
    (finding,) = _site_findings(_audit([export], policy, fake_breach)).values()
    assert _said(finding, catalog(Lang.FR)) == (
        "le même mot de passe protège aussi 1 autre site dans les coffres audités :"
        " webmail.example.fr ; une fuite de ce site donne aux attaquants le mot de passe"
        " du portail"
    )


def test_bitwarden_history_and_other_vaults(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    """An earlier password typed on a lookalike is phished too; reuse crosses files."""
    old = "Ancien-Tp#Mars-2023"
    document = {
        "encrypted": False,
        "folders": [],
        "items": [
            bitwarden_login(
                "Viamedis",
                "pm.cb",
                "Nouveau-Tp#Juin-2025",
                uri="https://www.viamedis.net/",
                history=[(old, "2024-06-01")],
            ),
            bitwarden_login("Viamedis", "pm.cb", old, uri="https://viamedis.net.attacker.io/"),
            bitwarden_login("Perso", "me", "Kalix-Perso#1", uri="https://www.example.fr/"),
        ],
    }
    export = tmp_path / "bitwarden.json"
    export.write_text(json.dumps(document), encoding="utf-8")
    other = _chrome(
        tmp_path,
        [("Kalixia", "https://www.kalixia.fr/", "kx", "Kalix-Perso#1")],
    )
    report = _audit([export, other], policy, fake_breach)
    found = _site_findings(report)
    assert set(found) == {
        (CheckId.LOOKALIKE_SITE, "viamedis.net.attacker.io", "pm.cb"),
        (CheckId.PHISHED, "viamedis", "pm.cb"),
        (CheckId.REUSED_ELSEWHERE, "kalixia", "kx"),
    }
    phished = found[(CheckId.PHISHED, "viamedis", "pm.cb")]
    assert phished.message.key == "finding.phished_earlier"
    assert _said(found[(CheckId.REUSED_ELSEWHERE, "kalixia", "kx")]).startswith(
        "the same password also protects 1 other site in the vaults audited: example.fr;"
    )


def test_a_firefox_lookalike(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    changed = int(datetime(2024, 3, 4, 12, tzinfo=UTC).timestamp() * 1000)
    export = tmp_path / "logins.csv"
    header = (
        '"url","username","password","httpRealm","formActionOrigin","guid",'
        '"timeCreated","timeLastUsed","timePasswordChanged"\n'
    )
    export.write_text(
        header
        + f'"https://www.almerys.com","alm","Birch#Opal-63",,"","{{a}}","1","2","{changed}"\n'
        + f'"https://almerys.secure-login.fr","alm","Birch#Opal-63",,"","{{b}}","1","2","{changed}"\n',
        encoding="utf-8",
    )
    found = _site_findings(_audit([export], policy, fake_breach))
    assert set(found) == {
        (CheckId.LOOKALIKE_SITE, "almerys.secure-login.fr", "alm"),
        (CheckId.PHISHED, "almerys", "alm"),
    }


def test_a_lookalike_entry_with_all_entries_is_still_a_lookalike(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    export = _chrome(
        tmp_path,
        [
            ("Viamedis", "https://www.viamedis.net/", "jdupont", "Tp-Centre#Juin-77"),
            ("Viamedis", "https://viamedis-pro.com/", "jdupont", "Autre-Tp#Mai-12"),
            ("Webmail", "https://webmail.example.fr/", "jean", "Tp-Centre#Juin-77"),
        ],
    )
    report = _audit([export], policy, fake_breach, all_entries=True)
    found = _site_findings(report)
    # With --all-entries the webmail is an account: it is `reused`, not reused-elsewhere.
    assert set(found) == {(CheckId.LOOKALIKE_SITE, "viamedis-pro.com", "jdupont")}
    reused = {f.account.portal for f in report.findings if f.check is CheckId.REUSED}
    assert reused == {"viamedis", "webmail.example.fr"}


def test_site_findings_can_be_waived(tmp_path: Path, fake_breach: Callable[..., Any]) -> None:
    from auditor.policy import load_policy

    waiver = tmp_path / "waiver.toml"
    waiver.write_text(
        '[[waiver]]\ncheck = "lookalike-site"\nusername = "jdupont"\n'
        'reason = "the group\'s own test page"\naccepted_by = "M. Martin, DSI"\n'
        "expires = 2027-03-31\n",
        encoding="utf-8",
    )
    policy = load_policy([waiver])
    export = _chrome(
        tmp_path,
        [("Viamedis", "https://viamedis-pro.com/", "jdupont", "Autre-Tp#Mai-12")],
    )
    report = _audit([export], policy, fake_breach)
    assert _site_findings(report) == {}
    assert [w.finding.check for w in report.waived] == [CheckId.LOOKALIKE_SITE]


def test_remind_with_all_entries_names_the_made_up_sites(
    tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    """``remind --all-entries`` stopped on an internal error (KeyError): the reminders
    looked the sites up in the policy, which does not know them."""
    export = _chrome(
        tmp_path,
        [("Webmail", "https://webmail.example.fr/", "jean", "Court1")],
    )
    code, out, err = run_cli(
        "remind",
        str(export),
        "--all-entries",
        "--practice",
        CENTRE.id,
        "--no-breach-check",
        "--as-of",
        AS_OF.isoformat(),
    )
    assert "internal error" not in err
    assert code in (0, 1, 3), err
    assert "Webmail — login jean" in out


def test_reminders_spell_the_sites_they_name(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    """A mail client would make a link of the lookalike's host: it is spelled out."""
    from tests.remind.test_remind import LINK

    export = _chrome(
        tmp_path,
        [
            ("Viamedis", "https://www.viamedis.net/", "jdupont", "Tp-Centre#Juin-77"),
            ("Viamedis", "https://viamedis-pro.com/", "jdupont", "Tp-Centre#Juin-77"),
            ("Webmail", "https://webmail.example.fr/", "jean", "Tp-Centre#Juin-77"),
        ],
    )
    report = _audit([export], policy, fake_breach)
    reminders = plan_reminders(report, policy)
    assert reminders
    for words in (english, catalog(Lang.FR)):
        for reminder in reminders:
            message = draft(words, reminder, AS_OF)
            body = message.subject + "\n" + message.body
            assert LINK.search(body) is None, LINK.search(body)
            assert "viamedis-pro" in body


def test_the_example_vaults_show_phished_and_reused_elsewhere(
    run_cli: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled vaults, audited as examples/README.md says: both clues are in the report."""
    monkeypatch.setenv("PORTAL_AUDIT_KEEPASS_PASSWORD", "exemple")
    monkeypatch.setenv("PORTAL_AUDIT_BITWARDEN_PASSWORD", "exemple")
    code, out, _ = run_cli(
        "audit",
        "examples/coffre.kdbx",
        "examples/bitwarden-export.json",
        "examples/chrome-export.csv",
        "examples/inventaire.xlsx",
        "--practice",
        "690034566",
        "--hibp-offline",
        "examples/pwned-passwords-SYNTHETIC.txt",
        "--as-of",
        "2026-11-22",
        "--format",
        "json",
    )
    assert code == 1
    document = json.loads(out)
    found = {
        (f["portal"], f["username"], f["check"])
        for practice in document["practices"]
        for f in practice["findings"]
        if f["check"] in {c.value for c in SITE_IDS}
    }
    assert found == {
        ("viamedis", "lumiere.opt", "phished"),
        ("santeclair", "optique.lumiere", "phished"),
        ("viamedis-pro.com", "lumiere.opt", "lookalike-site"),
        ("viamedis", "pharma.marche75", "reused-elsewhere"),
    }


def test_standards_count_phished_as_compromise_and_hold_no_lookalike_row(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    from auditor.policy.standards import Measure, load_standards
    from auditor.report.standards import NotMet, standings

    shared = "Tp-Centre#Juin-77"
    export = _chrome(
        tmp_path,
        [
            ("Viamedis", "https://www.viamedis.net/", "jdupont", shared),
            ("Viamedis", "https://viamedis-pro.com/", "jdupont", shared),
            ("Almerys", "https://www.almerys.com/", "alm", "Soleil-Couchant#88"),
            ("Webmail", "https://webmail.example.fr/", "jean", "Soleil-Couchant#88"),
        ],
    )
    report = _audit([export], policy, fake_breach)
    (practice,) = report.practices
    found = standings(practice, report.standards, load_standards())
    held = {a.audited.account.portal for a in found[0].accounts}
    assert held == {"viamedis", "almerys"}  # the lookalike's row is held to no standard
    reasons: dict[tuple[str, Measure], str] = {}
    for standing in found:
        for account in standing.accounts:
            for result in account.results:
                if isinstance(result.outcome, NotMet):
                    key = (account.audited.account.portal, result.rule.measure)
                    reasons[key] = result.outcome.reason.key
    assert reasons[("viamedis", Measure.CHANGE_ON_COMPROMISE)] == "references.reason.phished"
    assert reasons[("almerys", Measure.NOT_REUSED)] == "references.reason.reused_elsewhere"


def test_an_address_that_may_be_a_password_is_never_named(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    """Only an explicit http(s) address's plain host is named (``table.shown_host``): a bare
    word, a ``user:password@`` part, or a TLD with digits may be a password typed there."""
    shared = "Soleil-Couchant#88"
    export = _chrome(
        tmp_path,
        [
            ("Almerys", "https://www.almerys.com/", "alm", shared),
            ("Perso", "Hunter2Pass", "a", shared),
            ("Perso 2", "https://jean:Hunter3Pass@webmail.example.fr/", "b", shared),
            ("Perso 3", "Tp-Centre.Juin77", "c", shared),
            # Even a lookalike's name, typed without a scheme, is no address to name.
            ("Perso 4", "Viamedis.com", "d", shared),
        ],
    )
    (finding,) = _site_findings(_audit([export], policy, fake_breach)).values()
    text = _said(finding)
    assert "4 entries with no web address" in text
    for hidden in ("hunter", "Hunter", "webmail", "juin77", "tp-centre", "viamedis.com"):
        assert hidden not in text


def test_a_link_shortener_naming_a_portal_is_a_lookalike(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    """A shortener's host names no portal: its path or the entry's title does (bit.ly/…)."""
    shared = "Tp-Centre#Juin-77"
    export = _chrome(
        tmp_path,
        [
            ("Viamedis", "https://www.viamedis.net/", "jdupont", shared),
            ("Connexion", "https://bit.ly/viamedis-connexion", "jdupont", shared),
            ("Lien", "https://tinyurl.com/3xYz9", "jean", "Autre#Lien-42"),
        ],
    )
    found = _site_findings(_audit([export], policy, fake_breach))
    assert set(found) == {
        (CheckId.LOOKALIKE_SITE, "bit.ly", "jdupont"),
        (CheckId.PHISHED, "viamedis", "jdupont"),
    }
    how = dict(found[(CheckId.LOOKALIKE_SITE, "bit.ly", "jdupont")].message.args)["how"]
    assert getattr(how, "key", None) == "imitation.free_hosting"


def test_a_confusable_lookalike_is_spelled_out_in_ascii(
    tmp_path: Path, policy: Policy, fake_breach: Callable[..., Any]
) -> None:
    """ "xn--vamedis-rog.net" alone tells a pharmacist nothing: its letters are spelled too."""
    export = _chrome(tmp_path, [("Viamedis", "https://v\u0456amedis.net/", "jdupont", "Autre#1")])
    (finding,) = _site_findings(_audit([export], policy, fake_breach)).values()
    text = _said(finding)
    assert "xn--vamedis-rog.net (v\\u0456amedis.net)" in text
    assert text.isascii()
