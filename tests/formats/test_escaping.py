"""Hostile inventory text: every output shows it as text, never as markup, links or control codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from auditor import safetext
from auditor.formats import OutputFormat, RenderOptions
from auditor.models import Account
from auditor.policy import Policy
from auditor.report import BreachMode, Report

Run = Callable[..., tuple[int, str, str]]

# (case id, hostile text). Each case puts the text in the practice name, the owner
# and the login of an inventory, then runs every command that writes something.
HOSTILE = [
    ("script", "<script>alert(1)</script>"),
    ("img-onerror", '<img src=x onerror="alert(1)">'),
    ("md-link", "[x](javascript:alert(1))"),
    ("md-image", "![x](http://evil.example/p.png)"),
    ("autolink", "<http://evil.example/a>"),
    ("bare-url", "see http://evil.example/b and www.evil.example"),
    ("email-autolink", "mail pwn@evil.example now"),
    ("rich-style", "[bold red]RED[/bold red]"),
    ("rich-link", "[link=http://evil.example]click[/link]"),
    ("osc-title", "Name\x1b]0;owned\x07"),
    ("osc-clipboard", "Name\x1b]52;c;Y3VybCBldmlsfHNo\x07"),
    ("clear-screen", "Name\x1b[2J\x1b[H"),
    ("c1-csi", "Name\x9b31mred"),
    ("bidi", "Name\u202egnp.exe\u2066x\u2069"),
    ("backtick", "a`b` ``c"),
    ("pipe-table", "a | b | c"),
]

# Control characters no output may carry raw: C0 (tab and line ends aside, which
# the files' own layout uses), DEL, C1, line/paragraph separators, bidi controls.
RAW_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
PLAIN_TEXT_FILES = (".csv", ".txt", ".ics", ".eml")
"""Plain text for people or spreadsheets: a name is shown as it is, markup included, as text."""


def _inventory(tmp_path: Path, text: str) -> Path:
    header = (
        "practice_id,practice_name,portal,username,owner,owner_email,password,password_changed,mfa"
    )
    rows = [
        ("750056780", text, "viamedis", f"u-{text}", f"o-{text}", "jeanne@example.org", "soleil"),
        ("750056780", text, "almerys", f"v-{text}", f"p-{text}", "", "Pharmacie2024!"),
    ]

    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"'

    lines = [header] + [
        ",".join(quote(cell) for cell in (*row, "2023-01-10", "non")) for row in rows
    ]
    path = tmp_path / "inventory.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _links_or_media(markdown: str) -> list[str]:
    """Links, images and raw HTML a CommonMark renderer (with tables) would produce."""
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    return re.findall(r"<(?:a|img|script|iframe)\b[^>]*>", rendered)


def _assert_inert(name: str, content: str) -> None:
    assert not RAW_CONTROL.search(content), f"{name}: raw control character"
    if name.endswith(".md"):
        assert not _links_or_media(content), f"{name}: markup from the inventory"
        assert "http://evil" not in content and "www.evil" not in content, name
        assert "pwn@evil" not in content, f"{name}: an address a renderer links"
        # Renderers differ on which schemes they refuse: no link syntax at all.
        assert not re.search(r"(?<!\\)\]\(", content), f"{name}: link syntax"
    if name.endswith((".md", ".html", ".xml", ".json")):
        assert "<script" not in content and "<img" not in content, f"{name}: raw markup"
    if name.endswith(".html"):
        assert "http://evil" not in re.findall(r'(?:href|src)="([^"]*)"', content), name


@pytest.mark.parametrize(("case", "text"), HOSTILE, ids=[case for case, _ in HOSTILE])
def test_hostile_inventory_text_is_inert_in_every_output(
    case: str, text: str, run_cli: Run, tmp_path: Path
) -> None:
    inventory = str(_inventory(tmp_path, text))
    common = ("--as-of", "2026-11-22", "--no-breach-check", "--no-history")
    out = tmp_path / "out"
    formats = "json,markdown,csv,html,junit,terminal"
    outputs: dict[str, str] = {}
    code, stdout, stderr = run_cli(
        "audit", inventory, *common, "--out", str(out), "--format", formats
    )
    assert code == 1, stderr
    outputs |= {"audit.stdout.txt": stdout, "audit.stderr.txt": stderr}
    code, stdout, stderr = run_cli("audit", inventory, *common, "--format", "terminal")
    outputs |= {"terminal.stdout.txt": stdout, "terminal.stderr.txt": stderr}
    code, stdout, stderr = run_cli("remind", inventory, *common)
    assert code == 0, stderr
    outputs |= {"remind.stdout.txt": stdout, "remind.stderr.txt": stderr}
    reminders = tmp_path / "reminders"
    code, stdout, stderr = run_cli(
        "remind", inventory, *common, "--out", str(reminders), "--from", "it@example.org"
    )
    assert code == 0, stderr
    outputs |= {"remind-out.stderr.txt": stderr}
    files = sorted(p for folder in (out, reminders) for p in folder.rglob("*") if p.is_file())
    assert {p.suffix for p in files} >= {".json", ".md", ".csv", ".html", ".xml", ".ics", ".eml"}
    outputs |= {str(p.relative_to(tmp_path)): p.read_text(encoding="utf-8") for p in files}
    for name, content in outputs.items():
        _assert_inert(name, content)
    if case.startswith("rich"):
        # Shown as the literal text of the cell, not taken as a style or a link.
        terminal = re.sub(r"\s+", "", outputs["terminal.stdout.txt"])
        assert re.sub(r"\s+", "", f"u-{text}") in terminal


def test_rich_markup_in_a_cell_is_shown_not_styled(
    make_account: Callable[..., Account], policy: Policy, fake_breach: Callable[..., object]
) -> None:
    from auditor.audit import Inventory, run_audit

    account = make_account(
        username="[bold red]u[/bold red]",
        owner="[link=http://evil.example]o[/link]",
        password="soleil",
    )
    report: Report = run_audit(
        Inventory((account,), (), ("inventory.csv",)),
        policy,
        policy_as_of(),
        fake_breach({"soleil": 3}),  # type: ignore[operator]
        breach_mode=BreachMode.OFFLINE,
    )
    coloured = OutputFormat.TERMINAL.to_formatter(RenderOptions(color=True, width=200)).render(
        report
    )
    assert "[bold red]u[/bold red]" in coloured
    assert "[link=http://evil.example]o[/link]" in coloured
    assert "\x1b]8;" not in coloured  # no OSC 8 hyperlink was made


def policy_as_of() -> object:
    from datetime import date

    return date(2026, 11, 22)


@pytest.mark.parametrize("choice", list(OutputFormat))
def test_every_format_replaces_control_characters_from_the_inventory(
    choice: OutputFormat,
    make_account: Callable[..., Account],
    policy: Policy,
    fake_breach: Callable[..., object],
) -> None:
    from auditor.audit import Inventory, run_audit

    hostile = "x\x1b]0;t\x07\x9b\u202e\u2028y"
    account = make_account(username=hostile, owner=hostile, password="soleil")
    report: Report = run_audit(
        Inventory((account,), (), ("inventory.csv",)),
        policy,
        policy_as_of(),
        fake_breach({"soleil": 3}),  # type: ignore[operator]
        breach_mode=BreachMode.OFFLINE,
    )
    rendered = choice.to_formatter().render(report)
    assert not RAW_CONTROL.search(rendered)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain name", "plain name"),
        ("a\x1bb", "a\ufffdb"),
        ("a\x07\x9b\x7fb", "a\ufffd\ufffd\ufffdb"),
        ("a\u202eb\u2066c\u2069", "a\ufffdb\ufffdc\ufffd"),
        ("a\nb\tc\u2028", "a\ufffdb\ufffdc\ufffd"),
        ("Pharmacie du Marché", "Pharmacie du Marché"),
    ],
)
def test_plain_replaces_each_control_character_visibly(text: str, expected: str) -> None:
    assert safetext.plain(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "![x](http://evil.example/p.png)",
        "<http://evil.example>",
        "<script>alert(1)</script>",
        "http://evil.example www.evil.example pwn@evil.example",
        "a`b`c",
        "*em* _em_ ~~s~~",
        "[x]: http://evil.example",
    ],
)
def test_markdown_escape_leaves_no_link_image_or_html(text: str) -> None:
    escaped = safetext.markdown(text)
    assert not _links_or_media(f"| {escaped} |\n|---|\n| {escaped} |\n\n{escaped}\n")
    rendered = MarkdownIt("commonmark").render(escaped)
    assert "<em>" not in rendered and "<code>" not in rendered and "<s>" not in rendered


@pytest.mark.parametrize(
    "text", ["1. Pharmacie", "2024) Optique", "# Officine", "- Comptoir", "+ Accueil", "= x"]
)
def test_markdown_escape_of_a_leading_block_marker_renders_as_the_text(text: str) -> None:
    # The marker is escaped where CommonMark allows it (a backslash before a digit
    # is shown as a backslash), so the reader sees exactly the inventory's text.
    rendered = MarkdownIt("commonmark").render(safetext.markdown(text))
    assert rendered == f"<p>{text}</p>\n"
