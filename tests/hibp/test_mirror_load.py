"""``hibp serve`` under load: many clients at once on 127.0.0.1, every answer checked, stderr quiet."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import random
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.hibp.rangefmt import Range

REPO = Path(__file__).resolve().parents[2]
CLIENTS = 64
REQUESTS_EACH = 6
PREFIXES = [f"{number * 16**5 // 63 if number < 63 else 16**5 - 1:05X}" for number in range(64)]
"""64 prefixes spread from 00000 to FFFFF: the corpus's first and last lines prove its coverage."""


def _corpus(path: Path) -> dict[str, dict[str, int]]:
    """A sorted ``HASH:COUNT`` file of 1 to 5 lines in each of ``PREFIXES``; its lines by prefix."""
    ranges: dict[str, dict[str, int]] = {}
    lines = []
    for prefix in PREFIXES:
        seed = hashlib.sha256(prefix.encode()).digest()
        found = {
            hashlib.sha256(seed + bytes([n])).hexdigest().upper()[:35]: 1 + seed[n + 1] * 37
            for n in range(1 + seed[0] % 5)
        }
        ranges[prefix] = found
        lines += [f"{prefix}{suffix}:{count}" for suffix, count in found.items()]
    path.write_text("\r\n".join(sorted(lines)) + "\r\n")
    return ranges


class Mirror:
    """``portal-audit hibp serve`` with its defaults on a free port, in its own process."""

    def __init__(self, corpus: Path, *options: str) -> None:
        command = [sys.executable, "-m", "auditor", "hibp", "serve", "--corpus", str(corpus)]
        self.process = subprocess.Popen(
            [*command, "--port", "0", *options], stderr=subprocess.PIPE, text=True, cwd=REPO
        )
        assert self.process.stderr is not None
        self.first = self.process.stderr.readline()
        match = re.search(r"on http://127\.0\.0\.1:(\d+)/range/", self.first)
        self.port = int(match[1]) if match else 0

    def stop(self) -> list[str]:
        """Stop it with Ctrl-C; the lines it wrote to stderr after the first."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            _, rest = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, rest = self.process.communicate(timeout=5)
        return rest.splitlines()


@contextlib.contextmanager
def _mirror(tmp_path: Path, *options: str) -> Iterator[tuple[Mirror, dict[str, dict[str, int]]]]:
    corpus = tmp_path / "pwned.txt"
    ranges = _corpus(corpus)
    served = Mirror(corpus, *options)
    try:
        assert served.port, served.first
        yield served, ranges
    finally:
        served.stop()


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[Mirror, dict[str, dict[str, int]]]]:
    with _mirror(tmp_path) as served:
        yield served


def _problems(body: str, expected: dict[str, int]) -> list[str]:
    """What is wrong with a padded answer: its real lines, its size, its padding, its order."""
    lines = body.split("\r\n")
    padding = {line[:35] for line in lines if line.endswith(":0")}
    problems = []
    if Range.parse(body, "answer").counts() != expected:
        problems.append("real lines differ from the corpus")
    if not 800 <= len(lines) <= 1000:
        problems.append(f"{len(lines)} lines")
    if padding & set(expected) or len(padding) + len(expected) != len(lines):
        problems.append("padding collides")
    if lines != sorted(lines):
        problems.append("not sorted")
    return problems


@pytest.mark.timeout(30)
def test_sixty_four_clients_at_once_get_whole_answers_and_no_warning(
    mirror: tuple[Mirror, dict[str, dict[str, int]]],
) -> None:
    served, ranges = mirror
    start = threading.Barrier(CLIENTS)
    failures: list[str] = []
    answered: list[int] = []

    def client(number: int) -> None:
        rng = random.Random(number)
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        try:
            start.wait(timeout=10)
            for _ in range(REQUESTS_EACH):
                prefix = rng.choice(PREFIXES)
                connection.request("GET", f"/range/{prefix}", headers={"Add-Padding": "true"})
                response = connection.getresponse()
                body = response.read().decode("ascii")
                if response.status != 200:
                    failures.append(f"HTTP {response.status}")
                    continue
                failures.extend(_problems(body, ranges[prefix]))
                answered.append(1)
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as exc:
            failures.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert failures == []
    assert len(answered) == CLIENTS * REQUESTS_EACH
    # Neither "Task queue depth is 40" nor any other line: a mirror at work says nothing.
    assert served.stop() == []
    assert served.process.returncode == 0  # Ctrl-C is how it is stopped


def _ask(port: int, prefix: str, timeout: float = 5.0) -> socket.socket:
    """A connection that has sent one padded request for ``prefix``."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    request = f"GET /range/{prefix} HTTP/1.1\r\nHost: mirror\r\nAdd-Padding: true\r\n\r\n"
    connection.sendall(request.encode("ascii"))
    return connection


def _status(connection: socket.socket) -> str:
    """The status line of the next answer on ``connection``, its body read off."""
    reader = connection.makefile("rb")
    status = reader.readline().decode("ascii").strip()
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("ascii").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    reader.read(length)
    return status


@pytest.mark.timeout(30)
def test_a_request_head_past_16_kib_is_dropped_unanswered(tmp_path: Path) -> None:
    with _mirror(tmp_path) as (served, _):
        connection = socket.create_connection(("127.0.0.1", served.port), timeout=5)
        with connection:
            head = (
                f"GET /range/{PREFIXES[1]} HTTP/1.1\r\nHost: m\r\nX-Filler: {'a' * 20_000}\r\n\r\n"
            )
            with contextlib.suppress(OSError):  # a reset is as good as a close
                connection.sendall(head.encode("ascii"))
            try:
                answer = connection.recv(100)
            except ConnectionResetError:
                answer = b""
        assert answer == b""
        with _ask(served.port, PREFIXES[1]) as next_one:  # the mirror still answers others
            assert _status(next_one) == "HTTP/1.1 200 OK"
        assert served.stop() == []  # dropped quietly: no traceback quoting the request


@pytest.mark.timeout(30)
def test_connections_beyond_threads_wait_until_one_closes(tmp_path: Path) -> None:
    with _mirror(tmp_path, "--threads", "2") as (served, _):
        first, second = _ask(served.port, PREFIXES[0]), _ask(served.port, PREFIXES[1])
        assert _status(first) == _status(second) == "HTTP/1.1 200 OK"
        with _ask(served.port, PREFIXES[2], timeout=1.0) as third:
            with pytest.raises(TimeoutError):
                _status(third)  # both threads hold a kept-alive connection
            first.close()
            third.settimeout(5.0)
            assert _status(third) == "HTTP/1.1 200 OK"
        second.close()


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "request_line",
    [b"GET /range/ABCDE HTTP/7.1\r\n\r\n", b"\x16\x03\x01\x02\x00\x01ABCDE\r\n\r\n"],
)
def test_a_malformed_request_is_refused_without_a_log_line(
    tmp_path: Path, request_line: bytes
) -> None:
    with _mirror(tmp_path) as (served, _):
        with socket.create_connection(("127.0.0.1", served.port), timeout=5) as connection:
            connection.sendall(request_line)
            status = connection.makefile("rb").readline()
        assert status.split(b" ")[:2] in ([b"HTTP/1.1", b"400"], [b"HTTP/1.1", b"505"]), status
        assert served.stop() == []  # the request line (and its prefix) is not logged
