"""The PDF layout engine fetches nothing: no URL a page might hold is ever followed."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from auditor.formats.pdf import PdfFormat

pytest.importorskip("weasyprint", reason="the pdf extra is not installed")


@pytest.fixture
def loopback() -> Iterator[tuple[str, list[str]]]:
    """A web server on 127.0.0.1 that notes every path asked of it; stopped after the test."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_no_url_in_a_page_is_fetched(loopback: tuple[str, list[str]]) -> None:
    # The report's HTML is self-contained and its values escaped; should a URL slip
    # into it anyway (a template change, a value in an attribute), the engine must
    # not reach the network or the disk for it.
    url, asked = loopback
    page = (
        f'<html><head><link rel="stylesheet" href="{url}/style.css"></head>'
        f'<body><p>x</p><img src="{url}/image.png"><img src="file:///etc/hostname"></body></html>'
    )
    document = PdfFormat()._pdf(page)
    assert document.startswith(b"%PDF")
    assert asked == []
