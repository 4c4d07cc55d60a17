"""A self-hosted Pwned Passwords range API, served from a downloaded corpus (WSGI, on waitress).

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

_RANGE = re.compile(r"^/range/([^/]*)$")
_PREFIX = re.compile(r"^[0-9A-Fa-f]{5}$")
# HIBP's own text for a malformed prefix, so clients written for it understand.
_BAD_PREFIX = "The hash prefix was not in a valid format"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class RangeMirror:
    """The WSGI application: ``GET /range/<5 hex>`` answered from a local corpus."""

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
        try:
            status, body, extra = self._answer(environ)
        except Exception as exc:  # noqa: BLE001 - waitress would log the path (the prefix)
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
        start_response(status, headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [data]

    def _answer(self, environ: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]]]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
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
        if "mode=ntlm" in environ.get("QUERY_STRING", "").lower():
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
        if environ.get("HTTP_ADD_PADDING", "").strip().lower() == "true":
            found = self._padded(found)
        if self.log_prefixes:
            count = len(found)
            said = logged("log.mirror_range", prefix=prefix, count=str(count), n=count)
            logger.info("%s", said)
        return "200 OK", format_range(found), []

    def _padded(self, found: dict[str, int]) -> dict[str, int]:
        """``found`` plus count-0 lines of random suffixes, up to 800–1000 lines in all."""
        padded = dict(found)
        target = PADDING_MINIMUM + self._rng.randint(0, PADDING_EXTRA)
        while len(padded) < target:
            suffix = f"{self._rng.getrandbits(4 * SUFFIX_LENGTH):0{SUFFIX_LENGTH}X}"
            padded.setdefault(suffix, 0)
        return padded


def serve(
    corpus: LocalCorpus,
    *,
    host: str,
    port: int,
    threads: int,
    log_prefixes: bool = False,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``corpus`` on waitress until interrupted; ``on_ready`` gets the base URL."""
    from waitress.server import MultiSocketServer, create_server  # noqa: PLC0415 - only serve uses it

    server = create_server(
        RangeMirror(corpus, log_prefixes=log_prefixes),
        host=host,
        port=port,
        threads=threads,
        ident="portal-auditor",
        expose_tracebacks=False,
    )
    if isinstance(server, MultiSocketServer):  # a host name with several addresses
        bound_host, bound_port = server.effective_listen[0][0], str(server.effective_listen[0][1])
    else:
        bound_host, bound_port = server.getsockname()[:2]
    url = f"http://{'[' + bound_host + ']' if ':' in bound_host else bound_host}:{bound_port}"
    if on_ready is not None:
        on_ready(url)
    try:
        server.run()
    finally:
        server.close()
