"""The self-hosted range API: the WSGI application, then the real server behind the CLI."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import random
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest

from auditor.hibp import CorpusError, open_corpus
from auditor.hibp.mirror import RangeMirror
from auditor.hibp.offline import LocalCorpus
from auditor.text import is_loopback

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "examples" / "pwned-passwords-SYNTHETIC.txt"
BREACHED = hashlib.sha1(b"soleil").hexdigest().upper()


class Response:
    def __init__(self, app: RangeMirror, path: str, method: str = "GET", **headers: str) -> None:
        environ: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": method}
        path_only, _, query = path.partition("?")
        environ["PATH_INFO"], environ["QUERY_STRING"] = path_only, query
        environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
        setup_testing_defaults(environ)
        environ["wsgi.input"] = io.BytesIO()
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            captured["status"], captured["headers"] = status, dict(headers)

        self.body = b"".join(app(environ, start_response)).decode()
        self.status = int(captured["status"].split()[0])
        self.headers: dict[str, str] = captured["headers"]

    @property
    def lines(self) -> list[str]:
        return self.body.split("\r\n") if self.body else []


@pytest.fixture
def corpus() -> Iterator[LocalCorpus]:
    with open_corpus(CORPUS) as source:
        yield source


def test_a_range_is_answered_like_the_api(corpus: LocalCorpus) -> None:
    answer = Response(RangeMirror(corpus), f"/range/{BREACHED[:5]}")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert f"{BREACHED[5:]}:{corpus.lookup(BREACHED)}" in answer.lines  # type: ignore[attr-defined]
    assert all(re.fullmatch(r"[0-9A-F]{35}:[1-9]\d*", line) for line in answer.lines)
    assert answer.lines == sorted(answer.lines)
    assert int(answer.headers["Content-Length"]) == len(answer.body)


def test_lower_case_prefixes_are_accepted(corpus: LocalCorpus) -> None:
    app = RangeMirror(corpus)
    assert (
        Response(app, f"/range/{BREACHED[:5].lower()}").body
        == Response(app, f"/range/{BREACHED[:5]}").body
    )


def test_padding_brings_the_answer_to_800_to_1000_lines(corpus: LocalCorpus) -> None:
    app = RangeMirror(corpus, rng=random.Random(1))
    plain = Response(app, f"/range/{BREACHED[:5]}")
    sizes = set()
    for _ in range(20):
        padded = Response(app, f"/range/{BREACHED[:5]}", Add_Padding="true")
        assert 800 <= len(padded.lines) <= 1000
        real = [line for line in padded.lines if not line.endswith(":0")]
        assert real == plain.lines  # padding never hides or changes a real line
        sizes.add(len(padded.lines))
    assert len(sizes) > 1  # the size varies, so it tells nothing


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/range/ABCD", "GET", 400),
        ("/range/ABCDEF", "GET", 400),
        ("/range/ABCDG", "GET", 400),
        ("/range/", "GET", 400),
        ("/range/ABCDE?mode=ntlm", "GET", 400),
        ("/range/ABCDE", "POST", 405),
        ("/range/ABCDE/x", "GET", 404),
        ("/pwnedpassword/ABCDE", "GET", 404),
        ("/", "GET", 200),
        ("/range/FFFFF", "HEAD", 200),  # a prefix the synthetic corpus covers
        ("/range/ABCDE", "HEAD", 500),  # one it does not: no empty 200
    ],
)
def test_bad_requests_get_clear_statuses(
    corpus: LocalCorpus, path: str, method: str, status: int
) -> None:
    answer = Response(RangeMirror(corpus), path, method)
    assert answer.status == status
    if status == 400 and "ntlm" not in path:
        assert answer.body == "The hash prefix was not in a valid format"
    if method == "HEAD":
        assert answer.body == ""


class Broken(LocalCorpus):
    description = "broken"

    def check(self, sha1_hashes: Any, progress: Any = None) -> Any:
        raise NotImplementedError

    def range_of(self, prefix: str) -> dict[str, int]:
        if prefix == "00000":
            raise CorpusError(f"{prefix}.txt is missing from the corpus")
        raise KeyError(prefix)


@pytest.mark.parametrize("prefix", ["00000", "ABCDE"])
def test_failures_are_500_and_logged_without_the_prefix(
    prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = Response(RangeMirror(Broken()), f"/range/{prefix}")
    assert answer.status == 500
    assert prefix not in answer.body
    assert caplog.text and prefix not in caplog.text


def test_prefixes_are_logged_only_when_asked(
    corpus: LocalCorpus, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    Response(RangeMirror(corpus), f"/range/{BREACHED[:5]}")
    assert BREACHED[:5] not in caplog.text
    Response(RangeMirror(corpus, log_prefixes=True), f"/range/{BREACHED[:5]}")
    assert BREACHED[:5] in caplog.text


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.10", False),
        ("mirror.example", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.fixture
def mirror_process() -> Iterator[str]:
    """``portal-audit hibp serve`` on 127.0.0.1 and a free port, stopped with Ctrl-C."""
    command = [
        sys.executable,
        "-m",
        "auditor",
        "hibp",
        "serve",
        "--corpus",
        str(CORPUS),
        "--port",
        "0",
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"on (http://127\.0\.0\.1:\d+)/range/", line)
        assert match, line
        yield match[1]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stderr is not None:
            process.stderr.close()


def _audit(*source: str) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "auditor",
        "audit",
        "examples/inventaire.csv",
        "--as-of",
        "2026-11-22",
        "--format",
        "json",
        *source,
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 1, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def _breaches(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted(
        (finding["portal"], finding["username"], finding["message"])
        for practice in document["practices"]
        for finding in practice["findings"]
        if finding["check"] == "breached"
    )


@pytest.mark.timeout(60)
def test_an_audit_through_the_mirror_finds_what_the_corpus_finds(mirror_process: str) -> None:
    through_mirror = _audit("--hibp-url", mirror_process)
    offline = _audit("--hibp-offline", str(CORPUS))
    assert through_mirror["complete"] is True
    assert _breaches(through_mirror)  # the example has breached passwords…
    assert _breaches(through_mirror) == _breaches(offline)  # …and the mirror finds the same ones


class _Stuck(random.Random):
    """Randomness that repeats one value at first: every suffix it draws is the same one."""

    def __init__(self, stuck: int) -> None:
        super().__init__(7)
        self.stuck = stuck

    def getrandbits(self, k: int) -> int:
        if self.stuck > 0:
            self.stuck -= 1
            return 0
        return super().getrandbits(k)

    def randbytes(self, n: int) -> bytes:
        if self.stuck > 0:
            self.stuck -= 1
            return bytes(n)
        return super().randbytes(n)


def test_padding_never_repeats_a_suffix_nor_hides_a_real_one(tmp_path: Path) -> None:
    real = "0" * 35  # the suffix that randomness stuck at zero draws, again and again
    corpus = tmp_path / "pwned.txt"
    corpus.write_text(f"00000{real}:7\r\n00000{'1' * 35}:2\r\nFFFFF{'2' * 35}:1\r\n")
    with open_corpus(corpus) as source:
        answer = Response(RangeMirror(source, rng=_Stuck(3)), "/range/00000", Add_Padding="true")
    suffixes = [line.split(":")[0] for line in answer.lines]
    assert 800 <= len(answer.lines) <= 1000
    assert len(set(suffixes)) == len(suffixes)
    assert f"{real}:7" in answer.lines and f"{'1' * 35}:2" in answer.lines
    assert answer.lines == sorted(answer.lines)
