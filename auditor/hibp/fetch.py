"""One prefix fetched for a corpus download: conditional, checked, retried with backoff."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from auditor.hibp.interface import HibpError
from auditor.hibp.manifest import Validators
from auditor.hibp.online import READ_ERRORS, RetriableError, RetryPolicy, retry_after
from auditor.hibp.rangefmt import MAX_BODY_BYTES, Range
from auditor.i18n.failure import failure

_CHUNK = 65536
"""Bytes asked of the network per read; each read returns as data arrives, so the request's
deadline is checked at least once per arrival."""


@dataclass(frozen=True)
class Answer:
    """A prefix's new content: checked, padding dropped, lines sorted, joined by CRLF."""

    text: str
    validators: Validators


@dataclass(frozen=True)
class NotModified:
    """The server answered 304: the stored prefix is still current."""


class Stopped(HibpError):  # noqa: N818 - an outcome, not a fault
    """The download is being stopped (Ctrl-C, a fatal error elsewhere): no more tries."""


class RangeFetcher:
    """Fetches one prefix at a time from ``base_url/range/``, from as many threads as wanted."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        *,
        retry: RetryPolicy | None = None,
        stop: threading.Event | None = None,
        jitter: Callable[[float, float], float] = random.uniform,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.retry = retry or RetryPolicy()
        self.stop = stop or threading.Event()
        self._jitter = jitter
        self._clock = clock
        self._sent = 0
        self._lock = threading.Lock()
        try:
            # Prepared once and copied per prefix, as RangeApiClient does: requests'
            # own preparation costs more CPU than the rest of a request.
            self._template = session.prepare_request(
                requests.Request(
                    "GET", f"{base_url.rstrip('/')}/range/", headers={"Add-Padding": "true"}
                )
            )
        except (requests.RequestException, ValueError) as exc:
            raise failure(HibpError, "hibp_error.bad_url", kind=type(exc).__name__) from exc

    @property
    def sent(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self._sent

    def fetch(self, prefix: str, known: Validators | None = None) -> Answer | NotModified:
        """The prefix's checked answer, or ``NotModified`` when ``known`` still holds.

        Raises ``HibpError`` once the retries are spent, ``Stopped`` when asked to stop.
        """
        request = self._template.copy()
        request.url = f"{self._template.url}{prefix}"
        if known is not None:
            # Both when both are known: a server uses If-None-Match and ignores the other.
            if known.etag is not None:
                request.headers["If-None-Match"] = known.etag
            if known.last_modified is not None:
                request.headers["If-Modified-Since"] = known.last_modified
        policy = self.retry
        problem = ""
        for attempt in range(1, policy.attempts + 1):
            if self.stop.is_set():
                raise Stopped(f"range {prefix}: stopped")
            try:
                return self._attempt(request, prefix)
            except RetriableError as exc:
                problem, wait = str(exc), exc.wait
            if attempt < policy.attempts:
                delay = wait if wait is not None else self._backoff(attempt)
                if self.stop.wait(delay):
                    raise Stopped(f"range {prefix}: stopped")
        raise HibpError(f"{problem} (gave up after {policy.attempts} attempts)")

    def _attempt(self, request: requests.PreparedRequest, prefix: str) -> Answer | NotModified:
        policy = self.retry
        ends = self._clock() + policy.request_deadline
        with self._lock:
            self._sent += 1
        try:
            response = self.session.send(
                request,
                timeout=(policy.connect_timeout, policy.read_timeout),
                allow_redirects=False,
                stream=True,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise RetriableError(f"range {prefix}: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            raise HibpError(f"range {prefix}: {type(exc).__name__}") from exc
        try:
            status = response.status_code
            if status == 304:
                return NotModified()
            if status != 200:
                problem = f"range {prefix}: HTTP {status}"
                if status != 429 and status < 500:
                    raise HibpError(problem)
                wait = retry_after(response.headers.get("Retry-After"))
                if wait is not None and wait > policy.max_retry_after:
                    raise HibpError(f"{problem}, server asks to wait {wait:.0f} s")
                raise RetriableError(problem, wait)
            body = self._body(response, prefix, ends)
            validators = Validators.of(
                response.headers.get("ETag"), response.headers.get("Last-Modified")
            )
        finally:
            response.close()
        try:
            # The same check as every answer an audit reads (issue 7): a body that is
            # cut, garbled, padding only or lists a suffix twice is no answer. Tried
            # again, since a mirror being refreshed or a proxy may have cut it.
            answer = Range.parse(body.decode("ascii"), f"range {prefix}")
        except UnicodeDecodeError:
            raise RetriableError(f"range {prefix}: the answer is not ASCII text") from None
        except HibpError as exc:
            raise RetriableError(str(exc)) from exc
        lines = answer.without_padding().split()
        # Sorted, whatever the server sent: the single file is these lines in order.
        lines.sort()
        return Answer("\r\n".join(lines), validators)

    def _body(self, response: requests.Response, prefix: str, ends: float) -> bytes:
        """The whole body, checked against its announced length, under the size cap."""
        length = response.headers.get("Content-Length", "").strip()
        expected = (
            int(length) if length.isascii() and length.isdigit() and len(length) < 10 else None
        )
        if expected is not None and expected > MAX_BODY_BYTES:
            raise HibpError(f"range {prefix}: the answer announces more than the size cap")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):  # identity was asked for (session.py)
            raise HibpError(f"range {prefix}: the answer is compressed, not asked for")
        chunks: list[bytes] = []
        size = 0
        while True:
            if self._clock() > ends:
                raise RetriableError(f"range {prefix}: no whole answer in time")
            try:
                chunk = response.raw.read1(_CHUNK)
            except READ_ERRORS as exc:
                raise RetriableError(f"range {prefix}: {type(exc).__name__}") from exc
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise HibpError(f"range {prefix}: the answer is longer than the size cap")
            chunks.append(chunk)
        if expected is not None and size != expected:
            raise RetriableError(f"range {prefix}: the answer was cut short")
        return b"".join(chunks)

    def _backoff(self, attempt: int) -> float:
        base = min(self.retry.max_backoff, self.retry.backoff * 2 ** (attempt - 1))
        return float(base * self._jitter(0.5, 1.5))
