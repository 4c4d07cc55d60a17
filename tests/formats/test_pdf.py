"""The PDF report: A4 pages laid out from the HTML, read back with poppler's tools.

``pdftotext`` reads the words a person sees, ``pdftoppm`` draws page 1 and
``pdfinfo`` gives the page size. Without WeasyPrint, its Pango library or
poppler's tools the tests skip and say why, unless ``PORTAL_AUDIT_REQUIRE_PDF``
is set (``.ci/run`` sets it once they are installed).
"""

from __future__ import annotations

import csv
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from auditor.audit import Inventory, run_audit
from auditor.cli import main
from auditor.formats import OutputFormat, RenderOptions
from auditor.formats.binary import BinaryFormatter
from auditor.formats.pdf import MISSING, SIDE_MARGIN_MM, PdfFormat, require_pdf
from auditor.i18n import Lang
from auditor.models import Account, Origin, Practice, Role
from auditor.password.secret import Secret
from auditor.policy import Policy
from auditor.report import BreachMode, Report
from tests.conftest import FakeBreach
from tests.test_canary import forms

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "inventaire.csv"
CORPUS = REPO / "examples" / "pwned-passwords-SYNTHETIC.txt"
SCREENSHOT = REPO / "docs" / "report-pdf-fr.png"
"""The README's picture of the PDF: page 1, refreshed with PORTAL_AUDIT_UPDATE_SCREENSHOT=1."""
AS_OF = date(2026, 11, 22)
TOOLS = ("pdftotext", "pdftoppm", "pdfinfo")
CROWD = 15
"""Accounts in the crowded report: tall cards over four pages or so, laid out in about a second."""
TOOL_TIMEOUT = 20
"""Seconds for one poppler tool on a few pages: far above the tenth of a second they take."""


def _unavailable(reason: str) -> None:
    if os.environ.get("PORTAL_AUDIT_REQUIRE_PDF"):
        pytest.fail(f"PDF tests required but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pdf_tools() -> None:
    """WeasyPrint and poppler's tools, or the reason they are missing."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        _unavailable(f"no {', '.join(missing)} on PATH (Debian: apt-get install poppler-utils)")
    try:
        require_pdf()
    except Exception as exc:  # noqa: BLE001 - the reason is the test's skip message
        _unavailable(str(exc))


def _tool(*args: str) -> str:
    done = subprocess.run(  # poppler's tools, on our own files
        list(args), capture_output=True, check=True, timeout=TOOL_TIMEOUT, text=True
    )
    return done.stdout


def text_of(pdf: Path, page: int | None = None, *, layout: bool = False) -> str:
    """The words of the PDF (or of one page) as ``pdftotext`` reads them."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return _tool("pdftotext", *pages, *(["-layout"] if layout else []), str(pdf), "-")


def page_count(pdf: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)$", _tool("pdfinfo", str(pdf)), re.M)[1])  # type: ignore[index]


@pytest.fixture(scope="module")
def out(pdf_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example audited once into French PDFs, for every test of the module."""
    folder = tmp_path_factory.mktemp("pdf") / "reports"
    package = logging.getLogger("auditor")
    saved = (package.handlers[:], package.level, package.propagate, package.disabled)
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "audit",
                str(EXAMPLE),
                "--hibp-offline",
                str(CORPUS),
                "--as-of",
                AS_OF.isoformat(),
                "--no-history",
                "--out",
                str(folder),
                "--format",
                "pdf",
                "--lang",
                "fr",
            ]
        )
    package.handlers[:], package.level, package.propagate, package.disabled = saved
    assert exited.value.code == 1  # the example has findings on purpose
    return folder


def test_out_writes_a_private_pdf_per_practice_and_a_summary(out: Path) -> None:
    files = [
        out / "summary.pdf",
        out / "750056780" / "report.pdf",
        out / "690034566" / "report.pdf",
    ]
    for written in files:
        assert stat.S_IMODE(written.stat().st_mode) == 0o600, written
        assert written.read_bytes().startswith(b"%PDF-"), written
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == sorted(f.name for f in files)


def test_the_pdf_reads_in_french_with_the_practice_and_its_portals(out: Path) -> None:
    words = " ".join(text_of(out / "750056780" / "report.pdf").split())
    assert "Pharmacie du Marché" in words
    assert "viamedis" in words.casefold() and "almerys" in words.casefold()
    assert "À faire cette semaine" in words
    assert "To do this week" not in words
    assert re.search(r"Page 1 sur \d+", words)  # the footer numbers the pages
    summary = " ".join(text_of(out / "summary.pdf").split())
    assert "Établissements classés par risque" in summary
    # Table cells wrap names over lines; FINESS numbers stay whole.
    assert "750056780" in summary and "690034566" in summary


def test_the_pdf_summary_does_not_promise_links_it_cannot_hold(out: Path, small: Report) -> None:
    # WeasyPrint drops the links to each practice's report.html, which the PDF
    # summary does not sit beside: it says where each practice's own PDF is instead.
    summary = " ".join(text_of(out / "summary.pdf").split())
    assert "Chaque nom ouvre" not in summary
    assert "report.pdf" in summary
    html = OutputFormat.HTML.to_formatter(RenderOptions(lang=Lang.FR))
    page = "".join(html.summary_chunks(small))
    assert "Chaque nom ouvre le rapport de l&#39;établissement" in page  # the HTML's links do


def test_no_password_of_the_example_is_in_any_pdf(out: Path) -> None:
    with EXAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        passwords = {row["Mot de passe"] for row in csv.DictReader(handle, delimiter=";")}
    passwords.discard("")
    assert len(passwords) >= 8
    for pdf in sorted(out.rglob("*.pdf")):
        words = text_of(pdf)
        assert len(words) > 500, pdf  # pdftotext did read the pages
        leaked = [p[:3] + "…" for p in passwords for form in forms(p) if form in words]
        assert leaked == [], pdf


def test_page_one_is_drawn(out: Path, tmp_path: Path) -> None:
    from PIL import Image  # Pillow comes with WeasyPrint

    pdf = out / "750056780" / "report.pdf"
    _tool("pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page"))
    (png,) = tmp_path.glob("page*.png")
    with Image.open(png) as image:
        grey = image.convert("L")
        width, height = grey.size
        dark = sum(grey.histogram()[:200])  # pixels darker than light grey
    assert (width, height) == pytest.approx((413, 585), abs=2)  # A4 at 50 dpi
    assert dark > width * height // 100  # text, borders and badges: not a blank page
    if os.environ.get("PORTAL_AUDIT_UPDATE_SCREENSHOT"):
        root = str(SCREENSHOT.with_suffix(""))
        _tool("pdftoppm", "-r", "96", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), root)


def test_every_page_is_a4(out: Path) -> None:
    for pdf in sorted(out.rglob("*.pdf")):
        info = _tool("pdfinfo", "-f", "1", "-l", str(page_count(pdf)), str(pdf))
        sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
        assert sizes, pdf
        for width, height in sizes:
            assert (float(width), float(height)) == pytest.approx((595.28, 841.89), abs=0.5)


def test_no_word_is_drawn_outside_the_margins(out: Path) -> None:
    """A table wider than the page would be cut at its edge: every word stays within the margins."""
    right = 595.28 - SIDE_MARGIN_MM * 72 / 25.4 + 1  # points; 1 pt for rounding
    left = SIDE_MARGIN_MM * 72 / 25.4 - 1
    for pdf in sorted(out.rglob("*.pdf")):
        boxes = _tool("pdftotext", "-bbox", str(pdf), "-")
        words = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)<', boxes)
        assert len(words) > 100, pdf
        outside = [word for x_min, x_max, word in words if float(x_max) > right]
        outside += [word for x_min, x_max, word in words if float(x_min) < left]
        assert outside == [], pdf


class _Cards(HTMLParser):
    """The text of each task card (``li.task``) of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[list[str]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._depth:
            self._depth += tag == "li"
        elif tag == "li" and "task" in (dict(attrs).get("class") or "").split():
            self._depth = 1
            self.cards.append([])

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag == "li":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.cards[-1].extend(data.split())


@pytest.fixture(scope="module")
def crowded(
    pdf_tools: None, policy: Policy, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Report, Path]:
    """A practice with 15 accounts to act on, each card holding several reasons, as a PDF."""
    practice = Practice("750056780", "Pharmacie du Marché")
    accounts = tuple(
        Account(
            practice=practice,
            portal=("viamedis", "almerys", "kalixia")[n % 3],
            username=f"compte{n:02d}",
            owner=f"Personne {n:02d}",
            owner_email=None,
            role=Role.USER,
            password_changed=None,
            mfa=False,
            origin=Origin("inventory.csv", n + 2),
            password=Secret("soleil" if n % 2 else "marseille"),
        )
        for n in range(CROWD)
    )
    report = run_audit(
        Inventory(accounts, (), ("inventory.csv",)),
        policy,
        AS_OF,
        FakeBreach({"soleil": 98_765}),
        breach_mode=BreachMode.OFFLINE,
    )
    pdf = tmp_path_factory.mktemp("crowded") / "report.pdf"
    pdf.write_bytes(PdfFormat(Lang.FR).document(report))
    return report, pdf


def test_a_card_is_never_split_across_pages(crowded: tuple[Report, Path]) -> None:
    """Each card's first words (its login) and last words are on the same page.

    Cards are read in order from the HTML the PDF is laid out from, and looked
    for in order in the PDF's text: a card cut by a page break would have its
    login on one page and its last words on the next.
    """
    report, pdf = crowded
    cards = _Cards()
    cards.feed(PdfFormat(Lang.FR).render(report))
    assert len(cards.cards) >= CROWD
    pages = [" ".join(text_of(pdf, n).split()) for n in range(1, page_count(pdf) + 1)]
    assert len(pages) >= 3  # enough cards to cross page breaks
    text = " ".join(pages)
    starts = [sum(len(page) + 1 for page in pages[:n]) for n in range(len(pages))]

    def page_at(position: int) -> int:
        return max(n for n, start in enumerate(starts) if start <= position) + 1

    position = 0
    for card in cards.cards:
        login = next(word for word in card if word.startswith("compte"))
        tail = " ".join(card[-4:])
        head = text.index(login, position)
        end = text.index(tail, head)
        assert page_at(head) == page_at(end), f"{login}: its card is cut by a page break"
        position = end


@pytest.fixture
def small(pdf_tools: None, policy: Policy) -> Report:
    """One practice, one account: a PDF of one page or two, quick to lay out."""
    account = Account(
        practice=Practice("750056780", "Pharmacie du Marché"),
        portal="viamedis",
        username="pharma.marche75",
        owner="Claire Martin",
        owner_email=None,
        role=Role.USER,
        password_changed=date(2024, 1, 15),
        mfa=False,
        origin=Origin("inventory.csv", 2),
        password=Secret("soleil"),
    )
    inventory = Inventory((account,), (), ("inventory.csv",))
    return run_audit(
        inventory, policy, AS_OF, FakeBreach({"soleil": 3}), breach_mode=BreachMode.OFFLINE
    )


def test_the_pdf_is_deterministic(small: Report) -> None:
    formatter = PdfFormat(Lang.FR)
    first = formatter.document(small)
    assert first.startswith(b"%PDF-") and first == formatter.document(small)


def test_pdf_is_a_binary_format_whose_text_is_the_html_it_lays_out(
    crowded: tuple[Report, Path],
) -> None:
    report, _ = crowded
    formatter = OutputFormat.PDF.to_formatter(RenderOptions(lang=Lang.FR))
    assert isinstance(formatter, BinaryFormatter) and formatter.extension == "pdf"
    assert formatter.render(report).startswith("<!DOCTYPE html>")


def test_without_weasyprint_the_message_is_one_line_and_exit_2(
    run_cli: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` now fails
    reports = tmp_path / "reports"
    code, _, stderr = run_cli(
        "audit", str(EXAMPLE), "--no-breach-check", "--no-history", "--out", str(reports),
        "--format", "html,pdf",
    )  # fmt: skip
    assert code == 2
    assert stderr == f"portal-audit: error: {MISSING}\n"
    assert "pip install 'portal-auditor[pdf]'" in MISSING
    assert "libpango-1.0-0 libpangoft2-1.0-0" in MISSING
    assert not reports.exists()  # refused before the audit ran, nothing half written


def test_a_pdf_is_not_written_to_a_terminal(
    run_cli: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, stdout, stderr = run_cli("audit", str(EXAMPLE), "--no-history", "--format", "pdf")
    assert code == 2 and stdout == ""
    assert stderr.count("\n") == 1 and "--out DIR" in stderr and "pdf" in stderr


def test_a_pdf_goes_to_stdout_when_it_is_a_file_or_a_pipe(
    pdf_tools: None, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(
        "practice_id,practice_name,portal,username,owner,password,password_changed\n"
        "750056780,Pharmacie du Marché,viamedis,pharma.marche75,Claire Martin,,2024-01-15\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exited:
        main(["audit", str(inventory), "--no-breach-check", "--no-history", "--format", "pdf"])
    assert exited.value.code == 1  # rotation overdue
    document = capsysbinary.readouterr().out
    assert document.startswith(b"%PDF-") and document.rstrip().endswith(b"%%EOF")
