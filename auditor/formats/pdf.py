"""The PDF report: the HTML pages laid out on A4 by WeasyPrint, an optional extra."""

from __future__ import annotations

import functools
import html
import importlib
import logging
import re
from types import ModuleType
from typing import NoReturn

from auditor.formats.binary import BinaryFormatter
from auditor.formats.html import HtmlFormat
from auditor.formats.interface import FormatError
from auditor.i18n import Lang, catalog
from auditor.i18n.failure import failure
from auditor.report import Report

logger = logging.getLogger(__name__)

MISSING = (
    "PDF needs the pdf extra: pip install 'portal-auditor[pdf]' "
    "(and the Pango library: apt install libpango-1.0-0 libpangoft2-1.0-0)"
)
"""What to install, in one line: WeasyPrint from PyPI, and the Pango it loads at import
(Debian and Ubuntu name its two libraries so; other systems call the package pango)."""

_PAGE = "\x00page\x00"
_PAGES = "\x00pages\x00"
"""Stand-ins for the page counters in the catalogue's footer text, swapped for CSS counters."""

SIDE_MARGIN_MM = 12
"""Left and right margins: room for a printer's unprintable edge (about 5 mm) and a hole punch."""

PRINT_CSS = """
@page {
  size: A4;
  margin: 14mm SIDEmm 16mm;
  @bottom-left { content: string(title); font: 7.5pt system-ui, "DejaVu Sans", sans-serif;
    color: #59636e; }
  @bottom-right { content: PAGE_OF; font: 7.5pt system-ui, "DejaVu Sans", sans-serif;
    color: #59636e; }
}
h1 { string-set: title content(); }
/* A user stylesheet: its rules win over the page's own only when !important. */
/* A card, a table row, a chart, a status box: never cut by a page break. */
.task, tr, figure, .status, .advice, .counts { break-inside: avoid !important; }
h2, h3, figcaption { break-after: avoid !important; }
thead { display: table-header-group !important; }
/* Column titles, counts and badges wrap between words only ("Comptes", never "Compt es"). */
th, td.num, .badge { overflow-wrap: normal !important; word-break: normal !important; }
/* Charts one under the other, two to a row: WeasyPrint lays a grid out slowly and, with
   break-inside: avoid on its items, can fail at a page break (AssertionError in make_page). */
.charts { display: block !important; }
.charts figure { display: inline-block !important; vertical-align: top; width: 49% !important;
  margin: 0 0 8px !important; }
.charts figure.wide { display: block !important; width: 100% !important; }
/* Paper does not scroll: a table wider than the page (the accounts, the references) would
   lose its last columns at the edge. Smaller, tighter and wrapping between words, it fits. */
.table-wrap { overflow: visible !important; }
table { font-size: 8pt !important; }
th, td { padding: 3px !important; }
td code, .ref-cell { white-space: normal !important; }
/* Paper has no pointer: nothing to click, fill in or hover. */
button, input, select, textarea, [hidden] { display: none !important; }
a { color: inherit !important; text-decoration: none !important; }
"""
"""Laid over the HTML page's own stylesheet, which already prints on A4."""


_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_ROOT = re.compile(r":root\s*\{([^}]*)\}")
_CUSTOM = re.compile(r"--([\w-]+)\s*:\s*([^;]+);")
_SVG_RULE = re.compile(r"(?m)^\s*(svg\b[^{]*\{[^}]*\})")
_VAR = re.compile(r"var\(--([\w-]+)\)")
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def charts_styled(page: str) -> str:
    """Each inline ``<svg>`` of the page given the page's own ``svg …`` rules, colours resolved.

    WeasyPrint draws an inline SVG with the stylesheets inside it only, and knows no CSS
    variables there: without this, every bar would be black and no bar hatched. Inventory
    text cannot open an ``<svg>`` tag: the templates escape it.
    """
    style = _STYLE.search(page)
    if style is None:
        return page
    css = style[1]
    root = _ROOT.search(css)
    colours = dict(_CUSTOM.findall(root[1])) if root else {}
    rules = "\n".join(_SVG_RULE.findall(css))
    rules = _VAR.sub(lambda used: colours.get(used[1], used[0]).strip(), rules)
    # In an SVG element the HTML parser decodes character references: the CSS stays as written.
    inner = "<style>" + html.escape(rules, quote=False) + "</style>"
    return _SVG_OPEN.sub(lambda opened: opened[0] + inner, page)


class PdfUnavailableError(FormatError):
    """WeasyPrint, or the Pango library it loads, is not installed here."""


def pdf_engine() -> ModuleType:
    """WeasyPrint, imported on first use so that the tool runs without it."""
    try:
        engine = importlib.import_module("weasyprint")
    except (ImportError, OSError) as exc:  # OSError: Pango missing, raised by its import
        raise failure(PdfUnavailableError, "write_error.pdf_missing") from exc
    # Its notes on CSS it skips are for developers, not for whoever runs an audit:
    # without a handler of their own Python would print them on stderr.
    for name in ("weasyprint", "fontTools"):
        quiet = logging.getLogger(name)
        if not quiet.handlers:
            quiet.addHandler(logging.NullHandler())
    return engine


def _fetch_nothing(url: str, *args: object, **kwargs: object) -> NoReturn:
    """WeasyPrint's URL fetcher before version 66 (a function): every URL is refused."""
    raise ValueError("the PDF fetches nothing")


def _no_fetching(engine: ModuleType) -> object:
    """A URL fetcher that reaches neither the network nor the disk (``data:`` URLs only).

    The page is self-contained (inline CSS and SVG), so nothing needs fetching; a URL
    that slipped into it anyway (a template change, a value in an attribute) must not
    make an audit reach a server or read a local file. The URL is never quoted: it
    could come from an inventory. WeasyPrint 66 and later take a ``URLFetcher``
    object, earlier versions a function.
    """
    fetcher = getattr(engine, "URLFetcher", None)
    if fetcher is None:
        return _fetch_nothing
    return fetcher(allowed_protocols=("data",))


def require_pdf() -> None:
    """Raise ``PdfUnavailableError`` (one line: what to install) unless PDFs can be made."""
    pdf_engine()


@functools.cache
def print_css(lang: Lang) -> str:
    """The print stylesheet, its footer ("Page 2 of 5") in ``lang``."""
    footer = catalog(lang).t("pdf.page_of", page=_PAGE, pages=_PAGES)
    parts = []
    for piece in re.split(f"({_PAGE}|{_PAGES})", footer):
        if piece == _PAGE:
            parts.append("counter(page)")
        elif piece == _PAGES:
            parts.append("counter(pages)")
        elif piece:
            parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return PRINT_CSS.replace("PAGE_OF", " ".join(parts)).replace("SIDEmm", f"{SIDE_MARGIN_MM}mm")


class PdfFormat(BinaryFormatter):
    """A4 pages of the HTML report: a card, a row or a chart is never cut by a page break."""

    extension = "pdf"

    def __init__(self, lang: Lang = Lang.EN) -> None:
        self.lang = lang
        self._html = HtmlFormat(lang)

    def render(self, report: Report) -> str:
        """The HTML page the PDF is laid out from (the HTML report itself)."""
        return self._html.render(report)

    def document(self, report: Report) -> bytes:
        """One PDF: the ranking (when there are several practices), then every practice."""
        return self._pdf(self.render(report))

    def summary_document(self, report: Report) -> bytes:
        """The group index, ranking the practices (each one's PDF is ``<FINESS>/report.pdf``)."""
        return self._pdf("".join(self._html.summary_chunks(report, links=False)))

    def ready(self) -> None:
        require_pdf()

    def _pdf(self, page: str) -> bytes:
        engine = pdf_engine()
        stylesheet = print_css(self.lang)
        try:
            # No base URL and no fetching: the page is self-contained (inline CSS and SVG).
            fetcher = _no_fetching(engine)
            laid_out = engine.HTML(string=charts_styled(page), url_fetcher=fetcher)
            written: bytes = laid_out.write_pdf(
                stylesheets=[engine.CSS(string=stylesheet, url_fetcher=fetcher)]
            )
        except Exception as exc:  # a layout engine's failure of any kind, said in one line
            logger.debug("WeasyPrint failed", exc_info=True)
            raise failure(FormatError, "write_error.pdf_layout", kind=type(exc).__name__) from exc
        return written
