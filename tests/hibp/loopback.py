"""A range API on 127.0.0.1 for download tests: a known answer per prefix, ETags, and failures on demand."""

from __future__ import annotations

import contextlib
import hashlib
import re
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_RANGE = re.compile(r"^/range/([0-9A-F]{5})$")
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)
PADDING_LINES = 6


def lines_of(prefix: str, version: int = 1) -> dict[str, int]:
    """The breached suffixes of ``prefix`` and their counts: 3 to 6, the same every time."""
    seed = hashlib.sha256(f"{prefix}/{version}".encode()).digest()
    found = {}
    for number in range(3 + seed[0] % 4):
        digest = hashlib.sha256(seed + bytes([number])).hexdigest().upper()
        found[digest[:35]] = 1 + int(digest[35:40], 16) % 5000
    return found


def hashes_of(prefix: str, version: int = 1) -> dict[str, int]:
    """The full 40-hex hashes of ``prefix`` and their counts."""
    return {prefix + suffix: count for suffix, count in lines_of(prefix, version).items()}


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    prefix: str
    conditional: bool
    """It carried If-None-Match or If-Modified-Since."""
    padded: bool
    status: int


@dataclass
class RangeServer:
    """The server's state; tests change ``versions`` and ``failures`` while it runs."""

    versions: dict[str, int] = field(default_factory=dict)
    """A prefix's answer version (1 unless set): a new version is new content and a new ETag."""
    failures: dict[str, list[str]] = field(default_factory=dict)
    """Failures to give, one per request, for a prefix: reset, 500, truncated, garbled, slow."""
    fail_after: int | None = None
    """Once this many answers were given, reset every connection (a network gone)."""
    etags: bool = True
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requested(self, status: int | None = None) -> list[str]:
        """Prefixes asked, in order (of answers with ``status`` only, when given)."""
        with self.lock:
            return [s.prefix for s in self.seen if status is None or s.status == status]

    def body(self, prefix: str) -> bytes:
        found = dict(lines_of(prefix, self.versions.get(prefix, 1)))
        for number in range(PADDING_LINES):  # count-0 lines, as HIBP pads
            found[hashlib.sha256(f"{prefix}:{number}".encode()).hexdigest().upper()[:35]] = 0
        return "\r\n".join(f"{s}:{c}" for s, c in sorted(found.items())).encode()


def _handler(state: RangeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            match = _RANGE.match(self.path)
            if match is None:
                self._answer(404, b"not found", "-")
                return
            prefix = match[1]
            with state.lock:
                queue = state.failures.get(prefix)
                failure = queue.pop(0) if queue else None
                answered = sum(1 for s in state.seen if s.status in (200, 304))
                if state.fail_after is not None and answered >= state.fail_after:
                    failure = "reset"
            version = state.versions.get(prefix, 1)
            etag = f'"{prefix}-v{version}"'
            conditional = "If-None-Match" in self.headers or "If-Modified-Since" in self.headers
            padded = self.headers.get("Add-Padding") == "true"
            if failure == "reset":
                self._note(prefix, conditional, padded, 0)
                self._reset()
                return
            if failure == "500":
                self._note(prefix, conditional, padded, 500)
                self._answer(500, b"oops", prefix)
                return
            body = state.body(prefix)
            if failure == "truncated":
                self._note(prefix, conditional, padded, -1)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self._reset()
                return
            if failure == "garbled":
                body = body[: len(body) // 2] + b"\r\nnot a range line"
            if state.etags and self.headers.get("If-None-Match") == etag:
                self._note(prefix, conditional, padded, 304)
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self._note(prefix, conditional, padded, 200)
            self._answer(200, body, prefix, etag if state.etags else None)

        def _note(self, prefix: str, conditional: bool, padded: bool, status: int) -> None:
            with state.lock:
                state.seen.append(Seen(prefix, conditional, padded, status))

        def _answer(self, status: int, body: bytes, prefix: str, etag: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            if etag is not None:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            self.wfile.write(body)

        def _reset(self) -> None:
            # SO_LINGER 0: close() sends a RST, as a dropped connection does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@contextlib.contextmanager
def range_server(state: RangeServer | None = None) -> Iterator[RangeServer]:
    """Serve ``state`` on 127.0.0.1 and a free port until the block ends."""
    state = state or RangeServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
