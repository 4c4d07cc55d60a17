"""``hibp download`` of every prefix from a loopback server, against a bare pool as baseline.

The server (its own process, so that it does not share the client's GIL)
answers each prefix with a dozen deterministic lines plus padding, an ETag and
a Last-Modified, without delay: what is measured is the client's cost per
prefix (request, check, atomic write with fsync, journal), not the network. Real
prefixes are about 35 KB, so the real download is bound by the network and the
disk's write rate on top of this; small answers keep 1,048,576 prefixes under
1 GiB of disk here. The baseline is a bare ``requests.Session`` pool of as many
threads on the same server, fetching a sample of prefixes and discarding them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import requests

from auditor.hibp import make_session
from auditor.hibp.download import DownloadRequest, Layout, PrefixSpan, download
from benchmarks.common import DATA

WORKERS = 32
"""The download's default (--workers)."""
LINES = 12
PADDING = 4
BASELINE_SAMPLE = 20_000
"""Prefixes the bare pool fetches: enough for a steady rate, in seconds."""
_RANGE = re.compile(r"^/range/([0-9A-F]{5})$")


def _body(prefix: str) -> bytes:
    rng = random.Random(int(prefix, 16))
    digits = rng.randbytes(18 * (LINES + PADDING)).hex().upper()
    lines = [
        f"{digits[36 * n : 36 * n + 35]}:{rng.randint(1, 5000) if n < LINES else 0}"
        for n in range(LINES + PADDING)
    ]
    return "\r\n".join(sorted(lines)).encode()


def _serve(pipe: Connection) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            match = _RANGE.match(self.path)
            if match is None:
                self.send_error(404)
                return
            body = _body(match[1])
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", f'"{match[1]}-1"')
            self.send_header("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    pipe.send(server.server_address[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pipe.recv()
    server.shutdown()


class _Server:
    def __enter__(self) -> str:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        if not self._pipe.poll(30):
            raise RuntimeError("the benchmark server did not start")
        return f"http://127.0.0.1:{self._pipe.recv()}"

    def __exit__(self, *exc: object) -> None:
        self._pipe.send("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()


def _baseline(url: str, count: int) -> float:
    """Requests per second of a bare pool of ``WORKERS`` threads on one session."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=WORKERS)
    session.mount("http://", adapter)

    def get(number: int) -> int:
        return len(session.get(f"{url}/range/{number:05X}", timeout=30).content)

    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(get, range(count)))
    session.close()
    return count / (time.perf_counter() - started)


def run(span: str = "00000-FFFFF", dest: Path | None = None) -> dict[str, Any]:
    """Download ``span`` into ``dest`` (removed after), then the baseline's rate."""
    prefixes = PrefixSpan.parse(span)
    folder = dest or DATA / "download-corpus"
    shutil.rmtree(folder, ignore_errors=True)
    with _Server() as url:
        request = DownloadRequest(folder, Layout.PREFIXES, prefixes, base_url=url, workers=WORKERS)
        print(f"download: {len(prefixes):,} prefixes into {folder}", flush=True)
        with make_session(WORKERS, base_url=url) as session:
            started = time.perf_counter()
            result = download(request, session)
            seconds = time.perf_counter() - started
        resumed_started = time.perf_counter()
        with make_session(WORKERS, base_url=url) as session:
            rerun = download(request, session)
        resumed = time.perf_counter() - resumed_started
        baseline = _baseline(url, min(BASELINE_SAMPLE, len(prefixes)))
    rate = result.requests / seconds
    results = {
        "prefixes": len(prefixes),
        "complete": result.complete,
        "seconds": round(seconds, 1),
        "requests": result.requests,
        "requests_per_second": round(rate),
        "bare_pool_requests_per_second": round(baseline),
        "ratio_to_bare_pool": round(rate / baseline, 2),
        "rerun_seconds": round(resumed, 1),
        "rerun_requests": rerun.requests,
        "workers": WORKERS,
        "answer_lines": LINES,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"download: {json.dumps(results)}", flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.download", description=__doc__)
    parser.add_argument("--prefixes", default="00000-FFFFF", help="FIRST-LAST, as hibp download")
    parser.add_argument("--dest", type=Path, default=None, help="where to write (removed after)")
    options = parser.parse_args(argv)
    run(options.prefixes, options.dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
