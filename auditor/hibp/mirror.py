"""A self-hosted Pwned Passwords range API, answered from a downloaded corpus (served by ``httpd``).

A group that must keep every lookup inside its own network runs one mirror and
points its audits at it with ``--hibp-url``. The mirror answers exactly like
``https://api.pwnedpasswords.com/range/<prefix>``: the same ``SUFFIX:COUNT``
lines, padding on ``Add-Padding: true``, 400 on a malformed prefix. It writes
no prefix to any log unless told to: a log of prefixes is a list of clues to
the passwords audited.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from auditor.hibp.interface import CorpusError
from auditor.hibp.offline import LocalCorpus
from auditor.hibp.rangefmt import SUFFIX_LENGTH, format_range
from auditor.i18n.logged import logged
from auditor.i18n.phrase import Arg, Phrase

logger = logging.getLogger(__name__)

PADDING_MINIMUM = 800
PADDING_EXTRA = 200
"""HIBP pads to 800 lines plus 0–200 more (haveibeenpwned.com/API/v3#PwnedPasswordsPadding)."""

_SUFFIX_BYTES = 18
"""Random bytes drawn per padding suffix: 36 hex digits, of which the first 35 are kept."""
_RANGE = re.compile(r"^/range/([^/]*)$")
_PREFIX = re.compile(r"^[0-9A-Fa-f]{5}$")
# HIBP's own text for a malformed prefix, so clients written for it understand.
_BAD_PREFIX = "The hash prefix was not in a valid format"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True)
class Reply:
    """One answer of the mirror, ready to send."""

    status: str
    """``200 OK``, ``400 Bad Request``…"""
    headers: list[tuple[str, str]]
    body: bytes
    """Empty for ``HEAD``; ``Content-Length`` gives the length a ``GET`` would have."""


class RangeMirror:
    """``GET /range/<5 hex>`` answered from a local corpus: ``reply``, or as a WSGI application."""

    def __init__(
        self,
        corpus: LocalCorpus,
        *,
        log_prefixes: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        self.corpus = corpus
        self.log_prefixes = log_prefixes
        # Padding must not be predictable: system randomness by default.
        self._rng = rng or random.SystemRandom()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        reply = self.reply(
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ADD_PADDING", ""),
        )
        start_response(reply.status, reply.headers)
        return [reply.body]

    def reply(self, method: str, path: str, query: str, padding: str) -> Reply:
        """The answer to ``method path?query`` with ``padding`` as its ``Add-Padding`` header."""
        try:
            status, body, extra = self._answer(method, path, query, padding)
        except Exception as exc:  # noqa: BLE001 - a server's own report would show the prefix
            # No traceback: its last line, the message, may quote the prefix.
            said = logged("log.mirror_internal", kind=type(exc).__name__)
            logger.error("%s", said)  # noqa: TRY400
            status, body, extra = "500 Internal Server Error", "internal error", []
        data = body.encode("ascii")
        headers = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(data))),
            *extra,
        ]
        return Reply(status, headers, b"" if method == "HEAD" else data)

    def _answer(
        self, method: str, path: str, query: str, padding: str
    ) -> tuple[str, str, list[tuple[str, str]]]:
        if path in ("", "/"):
            return (
                "200 OK",
                "portal-auditor Pwned Passwords mirror: GET /range/<5 hex digits>\n",
                [],
            )
        match = _RANGE.match(path)
        if match is None:
            return "404 Not Found", "not found\n", []
        if method not in ("GET", "HEAD"):
            return "405 Method Not Allowed", "use GET\n", [("Allow", "GET, HEAD")]
        if not _PREFIX.match(match[1]):
            return "400 Bad Request", _BAD_PREFIX, []
        if "mode=ntlm" in query.lower():
            return "400 Bad Request", "this mirror serves SHA-1 ranges only", []
        prefix = match[1].upper()
        try:
            found = self.corpus.range_of(prefix)
        except CorpusError as exc:
            # The message names the prefix only when asked.
            reason: Arg = type(exc).__name__
            if self.log_prefixes:
                reason = exc.phrase if isinstance(exc.phrase, Phrase) else str(exc)
            logger.error("%s", logged("log.mirror_corpus", reason=reason))  # noqa: TRY400
            return "500 Internal Server Error", "the corpus cannot answer for this range\n", []
        body = self._padded(found) if padding.strip().lower() == "true" else format_range(found)
        if self.log_prefixes:
            count = body.count("\n") + 1
            said = logged("log.mirror_range", prefix=prefix, count=str(count), n=count)
            logger.info("%s", said)
        return "200 OK", body, []

    def _padded(self, found: dict[str, int]) -> str:
        """``found`` and count-0 lines of random suffixes, 800–1000 lines in all, sorted.

        The random digits are drawn in one call (``os.urandom`` by default) and cut
        into suffixes, instead of one call and one format per line: on a sparse
        corpus an answer is nearly all padding, and that loop was most of the
        mirror's time (1.7 ms of 2 ms per answer, measured in benchmarks/mirrorload.py).
        """
        target = PADDING_MINIMUM + self._rng.randint(0, PADDING_EXTRA)
        lines = [f"{suffix}:{count}" for suffix, count in found.items()]
        taken = set(found)
        while len(lines) < target:
            missing = target - len(lines)
            digits = self._rng.randbytes(_SUFFIX_BYTES * missing).hex().upper()
            drawn = [digits[start : start + SUFFIX_LENGTH] for start in range(0, len(digits), 36)]
            fresh = set(drawn)
            if len(fresh) == missing and taken.isdisjoint(fresh):
                lines += [f"{suffix}:0" for suffix in drawn]
            else:  # a repeat or a real suffix drawn (about 2**-140 each): keep the others
                fresh -= taken
                taken |= fresh
                lines += [f"{suffix}:0" for suffix in fresh]
        lines.sort()
        return "\r\n".join(lines)
