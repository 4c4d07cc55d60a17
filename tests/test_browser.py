"""The example's HTML reports in a real browser: no console error, no sideways scrolling, charts drawn.

Drives Debian's ``chromium`` (``.ci/run`` installs it) with Playwright; Playwright's own
browser download is never used. Without a browser the tests skip and say why, unless
``PORTAL_AUDIT_REQUIRE_BROWSER`` is set (CI sets it once the browser is installed).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main

REPO = Path(__file__).resolve().parents[1]
SCREENSHOT = REPO / "docs" / "report-fr.png"
WIDTHS = (1280, 390)
# As the machine notes advise: no background traffic, which a closed network refuses.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("PORTAL_AUDIT_REQUIRE_BROWSER"):
        pytest.fail(f"browser tests required but {reason}")
    pytest.skip(reason)


def _executable() -> str | None:
    named = os.environ.get("PORTAL_AUDIT_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install '.[test]')")
    executable = _executable()
    if executable is None:
        _unavailable(
            "no chromium on PATH (Debian: apt-get install chromium; or PORTAL_AUDIT_CHROMIUM)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=FLAGS, timeout=30_000
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example audited into HTML with its group policy, in French and in English."""
    built = {}
    for lang in ("fr", "en"):
        out = tmp_path_factory.mktemp(f"html-{lang}")
        with pytest.raises(SystemExit) as exited:
            main(
                [
                    "audit",
                    str(REPO / "examples" / "inventaire.csv"),
                    "--hibp-offline",
                    str(REPO / "examples" / "pwned-passwords-SYNTHETIC.txt"),
                    "--as-of",
                    "2026-11-22",
                    "--policy",  # a waiver and a lapsed one: the waived table is shown too
                    str(REPO / "examples" / "politique.toml"),
                    "--no-history",
                    "--format",
                    "html",
                    "--lang",
                    lang,
                    "--out",
                    str(out),
                    "--quiet",
                ]
            )
        assert exited.value.code == 1  # the example has findings on purpose
        built[lang] = out
    return built


def _pages(reports: dict[str, Path]) -> list[tuple[str, Path]]:
    return [
        (f"{lang}/{page.relative_to(out)}", page)
        for lang, out in reports.items()
        for page in sorted(out.rglob("*.html"))
    ]


@contextlib.contextmanager
def _opened(browser: Any, page_file: Path, width: int) -> Iterator[tuple[Any, list[str]]]:
    """The page loaded at this width, and every console error, page error or failed request."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    try:
        page.goto(page_file.as_uri(), wait_until="load")
        yield page, problems
    finally:
        page.close()


@pytest.fixture(scope="module")
def french_practice(reports: dict[str, Path]) -> Path:
    """The French report of Pharmacie du Marché, the one the README shows."""
    return reports["fr"] / "750056780" / "report.html"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_report_renders_cleanly(
    browser: Any, reports: dict[str, Path], width: int, tmp_path: Path
) -> None:
    pages = _pages(reports)
    assert len(pages) == 6  # summary + two practices, in each language
    for name, page_file in pages:
        with _opened(browser, page_file, width) as (page, problems):
            assert problems == [], name
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
            expected = (
                ("severity",)
                if name.endswith("summary.html")
                else (
                    "severity",
                    "strength",
                    "age",
                )
            )
            for chart in expected:
                drawn = page.evaluate(
                    "(name) => { const svg = document.querySelector("
                    '`figure[data-chart="${name}"] svg`);'
                    " if (!svg) return 0; const box = svg.getBoundingClientRect();"
                    " return box.width > 100 && box.height > 50"
                    " ? svg.querySelectorAll('g.bar').length : 0; }",
                    chart,
                )
                assert drawn > 0, f"{name}: chart {chart!r} missing or empty at {width}px"
            page.screenshot(
                path=str(tmp_path / f"{name.replace('/', '_')}-{width}.png"), full_page=True
            )


SHORT_WORD = 15
"""Words up to this long never break inside (a long login or e-mail address may, to fit)."""
# Every word of a table, measured in the page: a word broken across lines has its
# rectangles on several lines. Headers and one-word cells ("Portail", "cbpec") must keep
# each word whole; in longer cells a line may still end after a hyphen ("2026-" / "11-02"),
# never inside letters ("Port" / "ail"). Hidden headers (phones) have no rectangle.
BROKEN_WORDS = """(limit) => {
  const broken = [];
  for (const cell of document.querySelectorAll('th, td')) {
    const text = cell.textContent.trim();
    const whole = cell.tagName === 'TH' || !/\\s/.test(text);
    const words = whole ? /\\S+/g : /[^\\s-]+-*/g;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(words)) {
        if (match[0].length > limit) continue;
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(`${cell.tagName.toLowerCase()}: ${match[0]}`);
      }
    }
  }
  return broken;
}"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("width", WIDTHS)
def test_no_word_breaks_inside_a_table_header_or_cell(
    browser: Any, reports: dict[str, Path], width: int
) -> None:
    """Tables give words room, or scroll, but never cut a short word ("Port ail", "Compt es")."""
    for name, page_file in _pages(reports):
        with _opened(browser, page_file, width) as (page, problems):
            broken = page.evaluate(BROKEN_WORDS, SHORT_WORD)
            assert broken == [], f"{name} at {width}px breaks {broken[:8]}"
            assert problems == []


@pytest.mark.timeout(120)
def test_print_layout_is_a4(browser: Any, french_practice: Path, tmp_path: Path) -> None:
    with _opened(browser, french_practice, 1280) as (page, problems):
        pdf = tmp_path / "report.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True)
        header = pdf.read_bytes()
        assert header.startswith(b"%PDF")
        # A4 is 595 x 842 points; every page of the PDF has that media box.
        assert b"/MediaBox [0 0 595" in header or b"/MediaBox [0 0 594.9" in header
        assert problems == []


@pytest.mark.timeout(120)
def test_readme_screenshot(browser: Any, french_practice: Path, tmp_path: Path) -> None:
    """The README's picture is this rendering: refresh it with PORTAL_AUDIT_UPDATE_SCREENSHOT=1."""
    with _opened(browser, french_practice, 1000) as (page, problems):
        shot = tmp_path / "report-fr.png"
        page.set_viewport_size({"width": 1000, "height": 1100})
        page.screenshot(path=str(shot))
        assert shot.read_bytes().startswith(b"\x89PNG") and problems == []
        if os.environ.get("PORTAL_AUDIT_UPDATE_SCREENSHOT"):
            SCREENSHOT.parent.mkdir(exist_ok=True)
            shutil.copyfile(shot, SCREENSHOT)
    assert SCREENSHOT.is_file(), "run once with PORTAL_AUDIT_UPDATE_SCREENSHOT=1"
    assert "docs/report-fr.png" in (REPO / "README.md").read_text(encoding="utf-8")
