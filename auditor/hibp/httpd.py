"""The HTTP server behind ``hibp serve``: one thread per keep-alive connection, bounded in count.

Why not waitress, which served the mirror before: waitress reads every socket
in one thread and hands each request to a pool of worker threads, so 64
clients asking at once queue behind 16 workers ("Task queue depth is 12",
thousands of warnings a minute) however fast an answer is, and more workers
than cores only add contention under the GIL (measured in
``benchmarks/mirrorload.py``: 64 workers answered fewer requests a second
than 16, and still warned). Here each connection's thread reads its request,
answers and writes, with nothing to queue; the number of connections served
at once is bounded, and the next one waits in the listen backlog until a
connection closes.
"""

from __future__ import annotations

import io
import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any

from auditor.hibp.mirror import RangeMirror
from auditor.hibp.offline import LocalCorpus

logger = logging.getLogger(__name__)

IDLE_TIMEOUT = 30.0
"""Seconds a connection may stay silent, between requests or inside one, before it is closed:
an audit's pool reuses its connections within milliseconds, and a client that went away
must not hold one of the ``connections`` slots for long."""
HEAD_LIMIT = 16 * 2**10
"""Bytes of request line and headers a request may send: a range request takes about 200,
and the standard library alone would read up to 100 header lines of 64 KiB each."""
BACKLOG = 1024
"""Connections the kernel holds while every slot is taken (the default of 5 drops clients)."""


class _HeadTooLarge(Exception):  # noqa: N818 - internal signal, never shown
    """A request's line and headers went past ``HEAD_LIMIT``: the connection is dropped."""


class _CappedReader:
    """The connection's input with at most ``HEAD_LIMIT`` bytes read per request.

    The mirror answers ``GET`` and ``HEAD`` only, which have no body: everything
    a request sends is its head, read line by line.
    """

    def __init__(self, raw: io.BufferedIOBase) -> None:
        self._raw = raw
        self.left = HEAD_LIMIT

    def readline(self, size: int = -1) -> bytes:
        allowed = self.left + 1 if size < 0 else min(size, self.left + 1)
        line = self._raw.readline(allowed)
        self.left -= len(line)
        if self.left < 0:
            raise _HeadTooLarge
        return line

    def close(self) -> None:
        self._raw.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a client asks many ranges on one connection
    server_version = "portal-auditor"
    sys_version = ""
    disable_nagle_algorithm = True  # a small answer must not wait for the client's ACK
    timeout = IDLE_TIMEOUT
    # A malformed request gets a status line and a line of text, not HTTP/0.9's bare HTML page.
    default_request_version = "HTTP/1.1"
    error_content_type = "text/plain; charset=utf-8"
    error_message_format = "%(code)d %(message)s\n"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.rfile = _CappedReader(self.rfile)  # type: ignore[assignment]

    def handle_one_request(self) -> None:
        self.rfile.left = HEAD_LIMIT  # type: ignore[attr-defined]
        super().handle_one_request()

    def _reply(self) -> None:
        path, _, query = self.path.partition("?")
        answer = self.server.mirror.reply(
            self.command, path, query, self.headers.get("Add-Padding", "")
        )
        code, _, reason = answer.status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in answer.headers:
            self.send_header(name, value)
        if self.command not in ("GET", "HEAD"):
            # A body may follow (it is never read): this connection cannot carry another request.
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(answer.body)

    # The names http.server calls for each method.
    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _reply  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Nothing: the standard library's lines quote the request line, hence the prefix."""


class _Server(ThreadingHTTPServer):
    """A thread per connection, at most ``connections`` of them at once."""

    daemon_threads = True
    request_queue_size = BACKLOG

    def __init__(
        self,
        address: tuple[Any, ...],
        family: socket.AddressFamily,
        mirror: RangeMirror,
        connections: int,
    ) -> None:
        self.address_family = family
        self.mirror = mirror
        self._slots = threading.BoundedSemaphore(connections)
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer's own would look the host's name up (socket.getfqdn), which
        # can wait on DNS, for a name nothing here uses.
        TCPServer.server_bind(self)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Waiting here (Ctrl-C still interrupts it) holds back accept(): the next
        # clients wait in the backlog until a connection closes.
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that failed (reset, timed out, a head too large) is dropped quietly.

        The standard library would print a traceback, which may quote the request.
        """
        logger.debug("connection dropped")


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[Any, ...]]:
    """Where to listen: ``host``'s first address, IPv4 before IPv6 (``localhost`` has both)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _, _, _, address = sorted(found, key=lambda entry: entry[0] != socket.AF_INET)[0]
    return family, address


def serve(
    corpus: LocalCorpus,
    *,
    host: str,
    port: int,
    connections: int,
    log_prefixes: bool = False,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``corpus`` until Ctrl-C, which ends it normally; ``on_ready`` gets the base URL."""
    family, address = _address(host, port)
    server = _Server(address, family, RangeMirror(corpus, log_prefixes=log_prefixes), connections)
    try:
        bound, bound_port = server.server_address[:2]
        bound_host = bound.decode("ascii") if isinstance(bound, bytes) else str(bound)
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        if on_ready is not None:
            on_ready(f"http://{shown}:{bound_port}")
        server.serve_forever()
    except KeyboardInterrupt:
        pass  # the way to stop it ("Ctrl-C to stop"), as waitress took it
    finally:
        server.server_close()
