"""The CLI against a real range-API server on 127.0.0.1, in a separate process."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BREACHED = {"soleil": 265_871, "azerty123": 1_067_219, "Pharmacie2024!": 14, "Marche2024": 3}


@dataclass
class RangeServer:
    """A bounded loopback server speaking the Pwned Passwords range API."""

    fail: bool = False
    seen: list[tuple[str, str | None]] = field(default_factory=list)
    url: str = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        table: dict[str, list[str]] = {}
        for password, count in BREACHED.items():
            digest = hashlib.sha1(password.encode()).hexdigest().upper()
            table.setdefault(digest[:5], []).append(f"{digest[5:]}:{count}")
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.seen.append((self.path, self.headers.get("Add-Padding")))
                match = re.fullmatch(r"/range/([0-9A-F]{5})", self.path)
                if match is None:
                    self.send_error(400)
                    return
                if server.fail:
                    self.send_response(503)
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    return
                # Like every real prefix, each has breached suffixes besides ours.
                lines = [*table.get(match[1], []), f"{'E' * 35}:2"]
                if self.headers.get("Add-Padding") == "true":
                    lines += [f"{n:035X}:0" for n in range(5)]
                body = "\r\n".join(lines).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
                pass

        return Handler


@pytest.fixture
def range_server() -> Iterator[RangeServer]:
    state = RangeServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), state.handler())
    httpd.timeout = 5
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_audit_through_a_loopback_range_api(range_server: RangeServer) -> None:
    result = run_cli(
        "audit",
        "examples/inventaire.csv",
        "--hibp-url",
        range_server.url,
        "--as-of",
        "2026-11-22",
        "--format",
        "json",
    )
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["complete"] is True
    assert document["breach_check"] == {"mode": "online", "source": range_server.url}
    pwned = sorted(
        a["password"]["breach_count"]
        for p in document["practices"]
        for a in p["accounts"]
        if a["password"]["breach"] == "pwned"
    )
    assert pwned == [3, 14, 14, 265_871, 1_067_219]
    # one request per distinct prefix, each carrying only the prefix and asking for padding
    paths = [path for path, _ in range_server.seen]
    assert len(paths) == len(set(paths)) == 9  # nine distinct non-empty passwords
    assert all(re.fullmatch(r"/range/[0-9A-F]{5}", path) for path in paths)
    assert {padding for _, padding in range_server.seen} == {"true"}


def test_failing_server_makes_the_audit_incomplete(
    range_server: RangeServer, tmp_path: Path
) -> None:
    range_server.fail = True
    inventory = tmp_path / "clean.csv"
    inventory.write_text(
        "practice_id,portal,username,owner,password,password_changed,mfa\n"
        "750056780,kalixia,jdoe,Jeanne Doe,V7#qLm2!xR9@wTz4,2025-06-01,yes\n"
    )
    result = run_cli(
        "audit", str(inventory), "--hibp-url", range_server.url, "--as-of", "2026-11-22"
    )
    assert result.returncode == 3, result.stderr
    assert json.loads(result.stdout)["complete"] is False
    assert len(range_server.seen) == 4  # the default four attempts
