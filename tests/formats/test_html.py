"""The HTML report: escaping, self-containment, what each section shows, and the group index."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import Inventory, run_audit
from auditor.formats import HtmlFormat, OutputFormat, RenderOptions, write_reports
from auditor.i18n import Lang
from auditor.models import Account, Practice, Severity
from auditor.policy import Policy
from auditor.report import BreachMode, LeftOut, Report

AS_OF = date(2026, 11, 22)
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def report(make_account: Callable[..., Account], audit_of: Callable[..., Report]) -> Report:
    other = Practice("690034566", "Optique <b>Lumière</b>")
    accounts = (
        make_account(portal="viamedis", username=HOSTILE, password="soleil", password_changed=None),
        make_account(
            portal="almerys", username="claire", password="V7#qLm2!xR9@wTz4", owner="Claire"
        ),
        make_account(
            portal="kalixia",
            username="later",
            owner="Paul",
            owner_email="paul@example.org",
            password="V7#qLm2!xR9@wTz4b",
            password_changed=None,  # age-unknown: medium, due in a month
        ),
        make_account(practice=other, username="sdurand", password="soleil"),
    )
    return audit_of(accounts)


class _Tags(HTMLParser):
    """Every start tag with its attributes, to check what a page could load or run."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def render(report: Report, lang: Lang = Lang.EN) -> str:
    return OutputFormat.HTML.to_formatter(RenderOptions(lang=lang)).render(report)


def text(page: str) -> str:
    """The page with character references resolved (autoescape writes ' as &#39;)."""
    return html.unescape(page)


def test_inventory_values_are_escaped(report: Report) -> None:
    page = render(report)
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "<b>Lumière</b>" not in page and "&lt;b&gt;Lumière&lt;/b&gt;" in page
    assert not [tag for tag, _ in _tags(page) if tag == "script"]


def test_the_page_is_self_contained(report: Report) -> None:
    page = render(report)
    for tag, attrs in _tags(page):
        assert tag not in ("script", "link", "img", "iframe", "object"), tag
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not re.match(r"[a-z]+:", value), f"<{tag} {name}={value!r}> leaves the page"
    assert "default-src 'none'" in page  # and the CSP forbids fetching anything anyway
    assert "@page { size: A4" in page


def test_a_practice_shows_status_this_week_later_tables_and_three_charts(report: Report) -> None:
    page = render(report.for_practice(report.practices[1]))
    assert "ACT TODAY: 1 account must change its password now." in page
    this_week = page.split("To do this week (by 29 November 2026)")[1].split("<h3>Later</h3>")[0]
    later = page.split("<h3>Later</h3>")[1].split("<h3>At a glance</h3>")[0]
    assert "&lt;script&gt;" in this_week  # breached: due today
    assert "Kalixia — later (Paul)" in later and "age unknown" in later
    assert "Kalixia — later" not in this_week
    for chart in ("severity", "strength", "age"):
        assert f'data-chart="{chart}"' in page
    assert "<h3>By portal</h3>" in page and "<h3>By person</h3>" in page
    assert "paul@example.org" in page
    assert "never follow a link" in page  # anti-phishing advice next to the action list


def test_a_task_says_the_common_step_once(report: Report) -> None:
    page = render(report.for_practice(report.practices[1]))
    task = (
        page.split("Viamedis — &lt;script&gt;")[1].split("</li>\n</ol>")[0].split('class="task')[0]
    )
    assert task.count("Change the password on the portal itself") == 1


def test_the_french_report_is_in_french(report: Report) -> None:
    page = text(render(report.for_practice(report.practices[1]), Lang.FR))
    assert '<html lang="fr">' in page
    assert "À FAIRE AUJOURD'HUI : 1 compte doit changer de mot de passe dès maintenant." in page
    assert "À faire cette semaine (d'ici le 29 novembre 2026)" in page
    assert "avant le 22/11/2026" in page
    for english in ("To do this week", "At a glance", "By portal", "Findings by severity"):
        assert english not in page


def test_with_several_practices_the_page_ranks_them_first(report: Report) -> None:
    page = render(report)
    ranking = page.split("Practices ranked by risk")[1].split('<section class="practice"')[0]
    assert ranking.index("750056780") < ranking.index("690034566")  # critical before high
    assert 'href="#p-750056780"' in ranking and 'id="p-750056780"' in page


def test_out_writes_a_page_per_practice_and_an_index_linking_to_them(
    report: Report, tmp_path: Path
) -> None:
    write_reports(report, tmp_path, [HtmlFormat(Lang.FR)])
    index = (tmp_path / "summary.html").read_text(encoding="utf-8")
    hrefs = [attrs["href"] for tag, attrs in _tags(index) if tag == "a"]
    assert hrefs == ["750056780/report.html", "690034566/report.html"]
    for href in hrefs:
        assert (tmp_path / str(href)).is_file()
    assert 'data-chart="severity"' in index
    assert "Établissements classés par risque" in index


def test_vault_facts_show_left_out_entries_approximate_dates_and_expiry(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    accounts = (
        make_account(
            portal="kalixia",
            password="V7#qLm2!xR9@wTz4",
            password_changed=date(2026, 1, 10),
            changed_approximate=True,
            expires=date(2026, 12, 1),
        ),
    )
    inventory = Inventory(accounts, (), ("coffre.kdbx",), (LeftOut("coffre.kdbx", 3),))
    report = run_audit(inventory, policy, AS_OF, fake_breach(), breach_mode=BreachMode.OFFLINE)
    page = text(render(report, Lang.FR))
    assert "3 entrées du gestionnaire de mots de passe ne correspondent à aucun portail" in page
    assert "~10/01/2026" in page  # approximate change date, marked
    assert "01/12/2026" in page  # the expiry date is the renewal deadline
    assert "renouvellement proche" in page  # and it is within the reminder window


def _sections(page: str) -> tuple[str, str]:
    """The "this week" and "later" parts of a one-practice page."""
    after = page.split("<h3>To do this week (by ")[1]
    return after.split("<h3>Later</h3>")[0], after.split("<h3>Later</h3>")[1].split("<h3>")[0]


def test_one_card_per_account_under_its_most_urgent_deadline(report: Report) -> None:
    page = render(report.for_practice(report.practices[1]))
    this_week, later = _sections(page)
    # The breached account's medium "age unknown" joins its critical card, not a second one.
    assert page.count('<li class="task ') == 2
    assert this_week.count('<li class="task ') == 1
    assert "&lt;script&gt;" in this_week and "age unknown" in this_week
    assert "&lt;script&gt;" not in later
    assert "Kalixia — later (Paul)" in later
    # The order within an urgency is explained once, above the cards.
    assert this_week.index("seen most often in breaches") < this_week.index('<li class="task ')


@pytest.mark.parametrize(("high_days", "this_week"), [(7, True), (8, False)])
def test_the_week_holds_every_card_due_by_the_day_it_announces(
    make_account: Callable[..., Account],
    policy: Policy,
    fake_breach: Any,
    high_days: int,
    this_week: bool,
) -> None:
    # A weak password alone: one high finding, due high_days after the audit.
    deadlines = {**policy.deadline_days, Severity.HIGH: high_days}
    inventory = Inventory((make_account(password="soleil"),), (), ("inventory.csv",))
    report = run_audit(
        inventory,
        replace(policy, deadline_days=deadlines),
        AS_OF,
        fake_breach(),
        breach_mode=BreachMode.OFFLINE,
    )
    page = render(report)
    assert "<h3>To do this week (by 29 November 2026)</h3>" in page  # day 7, included
    week, later = _sections(page)
    assert ("Kalixia — jdoe" in week) is this_week
    assert ("Kalixia — jdoe" in later) is not this_week
    portals = page.split("<h3>By portal</h3>")[1].split("</table>")[0]
    due_this_week = re.findall(r'data-label="Due this week">(\d+)<', portals)
    assert due_this_week == ["1" if this_week else "0"]


def test_reasons_are_plain_words_and_check_ids_a_reference_line(report: Report) -> None:
    page = text(render(report.for_practice(report.practices[1]), Lang.FR))
    card = page.split("Viamedis — <script>")[1].split("</li>\n</ol>")[0]
    assert "figure 5 fois dans des fuites" in card
    assert "facile à deviner" in card
    assert "zxcvbn" not in card and "<code>" not in card.split("Réf.")[0]
    refs = ("breached", "incident-rotation", "reused", "weak", "age-unknown")
    assert f"Réf. : <code>{', '.join(refs)}</code>" in card
    # The other practice's account, named by its portal's name though this page omits it.
    assert "sert à 1 autre compte : Kalixia — sdurand (Jeanne Doe), FINESS 690034566" in card
    english = render(report.for_practice(report.practices[1]))
    assert "easy to guess" in english and "zxcvbn score" not in english


def test_generic_owners_are_not_listed_as_people(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    accounts = (
        make_account(portal="viamedis", username="comptoir", owner="Comptoir"),
        make_account(portal="almerys", username="equipe", owner="Équipe"),
        make_account(portal="kalixia", username="claire", owner="Claire Martin"),
    )
    inventory = Inventory(accounts, (), ("inventory.csv",))
    report = run_audit(inventory, policy, AS_OF, fake_breach(), breach_mode=BreachMode.OFFLINE)
    people = text(render(report, Lang.FR)).split("<h3>Par personne</h3>")[1].split("</table>")[0]
    names = re.findall(r'data-label="Titulaire">([^<]*)<', people)
    assert names == ["Comptes partagés (pas une personne)", "Claire Martin"]
    assert "Comptoir, Équipe" in people  # the generic names are still shown, as such


def test_the_approximate_date_legend_only_with_such_a_date(report: Report) -> None:
    page = text(render(report, Lang.FR))
    assert "~" not in page.split("<h1>")[1]
    assert "devant une date" not in page


def test_counts_use_the_plural_forms(report: Report) -> None:
    page = text(render(report, Lang.FR))
    ranking = page.split("Établissements classés par risque")[1].split("<section")[0]
    ranking = re.sub(r"<[^>]+>", "", ranking)
    assert "2 critiques, 2 élevées, 2 moyennes, 0 faible" in ranking
    assert "1 critique, 2 élevées, 0 moyenne, 0 faible" in ranking
    boxes = page.split('<ul class="counts">')[2].split("</ul>")[0]
    assert "2 moyennes" in boxes and "0 faible" in boxes


def test_portals_are_shown_by_their_names(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Any
) -> None:
    accounts = (
        make_account(portal="cbpec", username="optique", password="soleil"),
        make_account(portal="santeclair", username="sdurand", password="soleil"),
    )
    inventory = Inventory(accounts, (), ("inventory.csv",))
    report = run_audit(inventory, policy, AS_OF, fake_breach(), breach_mode=BreachMode.OFFLINE)
    page = text(render(report, Lang.FR))
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    assert "Carte Blanche Partenaires (CBPEC) — optique" in body  # the card
    assert '<td data-label="Portail">Carte Blanche Partenaires (CBPEC)</td>' in body  # tables
    assert '<td data-label="Portail">Santéclair</td>' in body
    assert ">Carte Blanche Partenaires (CBPEC)</tspan>" in body  # the age chart
    # Reused names the other account by its portal's name too.
    assert "Santéclair — sdurand" in body
    # The ids are not shown; the official address, "tapez vous-même santeclair.fr", is.
    assert not re.search(r"\b(cbpec|santeclair)\b(?!\.fr)", body)
    assert "tapez vous-même santeclair.fr dans" in body and "<a " not in body
