"""A loopback range-API server with the latency of the real one, run in its own process.

Each request waits 30 ms by default (a round trip to Cloudflare from France; the
delay is a parameter), and the first request of each connection two such round
trips more (a TLS handshake). Nagle's algorithm is off, as on a real server, so
small answers are not held back. Every prefix answers with 800–1000 lines, like a
padded HIBP answer.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import random
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

REQUEST_DELAY = 0.030
HANDSHAKE_ROUND_TRIPS = 2
"""A TLS handshake before the first request of a connection: two more round trips."""
HANDSHAKE_DELAY = HANDSHAKE_ROUND_TRIPS * REQUEST_DELAY
_RANGE = re.compile(r"^/range/([0-9A-F]{5})$")


_COUNTS = [f":{count}" for count in (1, 1, 1, 2, 2, 3, 5, 8, 13, 40, 120, 2_500, 81_000)]


BODY_POOL = 256
"""Distinct bodies the server answers from: a prefix without a breached hash gets
``_pooled(prefix)``, built once, so that the server spends its CPU on HTTP (about
0.35 ms a request) rather than on making up 900 random lines (0.55 ms), and the
client, which shares the machine's two cores with it, is what is measured."""


def _lines(seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    size = rng.randint(800, 1000)
    digits = rng.randbytes(18 * size).hex().upper()
    suffixes = [digits[36 * n : 36 * n + 35] for n in range(size)]
    counts = rng.choices(_COUNTS, k=size)
    return dict(zip(suffixes, counts, strict=True))


def _joined(lines: dict[str, str]) -> bytes:
    return "\r\n".join(suffix + lines[suffix] for suffix in sorted(lines)).encode()


@functools.cache
def _pooled(seed: int) -> bytes:
    return _joined(_lines(seed))


def range_body(prefix: str, breached: dict[str, list[str]]) -> bytes:
    """800–1000 ``SUFFIX:COUNT`` lines, the same for a prefix every time, breached ones included."""
    seed = int(prefix, 16) % BODY_POOL
    if prefix not in breached:
        return _pooled(seed)
    lines = _lines(seed)
    for suffix in breached[prefix]:
        lines[suffix] = ":42"
    return _joined(lines)


def _serve(breached_file: Path, pipe: Connection, delay: float) -> None:
    breached: dict[str, list[str]] = {}
    for digest in breached_file.read_text().split():
        breached.setdefault(digest[:5], []).append(digest[5:])
    lock = threading.Lock()
    counts = {"requests": 0, "connections": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real API
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            self.first = True
            with lock:
                counts["connections"] += 1

        def do_GET(self) -> None:
            if self.path == "/stats":
                self._send(json.dumps(counts).encode())
                return
            time.sleep(delay * (1 + HANDSHAKE_ROUND_TRIPS if self.first else 1))
            self.first = False
            match = _RANGE.match(self.path)
            if match is None:
                self.send_error(400)
                return
            with lock:
                counts["requests"] += 1
            self._send(range_body(match[1], breached))

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # the default 5 drops concurrent connects

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    pipe.send(server.server_address[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pipe.recv()  # anything: stop
    server.shutdown()


class LatencyServer:
    """Starts the server process on 127.0.0.1; ``url``, ``stats()``; stops on exit.

    ``delay`` is the round trip in seconds that each request waits (a new
    connection's first request waits ``HANDSHAKE_ROUND_TRIPS`` more).
    """

    def __init__(self, breached_file: Path, delay: float = REQUEST_DELAY) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self.delay = delay
        self._process = context.Process(
            target=_serve, args=(breached_file, child, delay), daemon=True
        )

    def __enter__(self) -> LatencyServer:
        self._process.start()
        if not self._pipe.poll(30):
            raise RuntimeError("the benchmark server did not start")
        self.url = f"http://127.0.0.1:{self._pipe.recv()}"
        self.pid = self._process.pid
        return self

    def __exit__(self, *exc: object) -> None:
        self._pipe.send("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()

    def stats(self) -> dict[str, int]:
        import urllib.request

        with urllib.request.urlopen(f"{self.url}/stats", timeout=10) as answer:
            counts: dict[str, int] = json.loads(answer.read())
        return counts
