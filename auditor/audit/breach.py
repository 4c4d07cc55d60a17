"""The breach source a request names: the range API, a mirror, a local corpus, or none."""

from __future__ import annotations

import contextlib
import re
import urllib.parse
from collections.abc import Iterator

from auditor.audit.request import AuditRequest
from auditor.errors import UsageError
from auditor.hibp import (
    DEFAULT_API,
    BreachSource,
    RangeApiClient,
    RangeCache,
    make_session,
    open_corpus,
)
from auditor.i18n.failure import failure
from auditor.i18n.phrase import Series
from auditor.report import BreachMode


@contextlib.contextmanager
def breach_source(
    request: AuditRequest, cache: RangeCache | None
) -> Iterator[tuple[BreachSource | None, BreachMode]]:
    """Open the one source the request chooses, and close it (and its HTTP pool) after."""
    chosen = [
        name
        for name, on in (
            ("--hibp-url", request.hibp_url),
            ("--hibp-offline", request.hibp_offline),
            ("--no-breach-check", request.no_breach_check),
        )
        if on
    ]
    if len(chosen) > 1:
        raise failure(UsageError, "cli.fail.choose_one", options=Series(tuple(chosen)))
    if cache is not None and (request.no_breach_check or request.hibp_offline is not None):
        raise failure(UsageError, "cli.fail.cache_not_online", option=chosen[0])
    if request.no_breach_check:
        yield None, BreachMode.SKIPPED
        return
    if request.hibp_url is not None:
        check_hibp_url(request.hibp_url)
    source: BreachSource
    if request.hibp_offline is not None:
        source, mode = open_corpus(request.hibp_offline), BreachMode.OFFLINE
    else:
        base_url = request.hibp_url or DEFAULT_API
        session = make_session(request.hibp_workers, base_url=base_url)
        try:
            source = RangeApiClient(
                session,
                base_url=base_url,
                workers=request.hibp_workers,
                cache=cache,
                deadline=request.hibp_deadline,
            )
        except BaseException:
            session.close()  # the client owns it only once it exists
            raise
        mode = BreachMode.ONLINE
    with source:
        yield source, mode


def check_hibp_url(url: str) -> None:
    """``UsageError`` unless ``url`` is http(s) with a host and a port in 1-65535.

    Checked before any lookup, so a typo is exit 2 with a reason, not a run of
    failed lookups or a crash in the HTTP library. The message quotes only the
    part at fault: the URL may carry a mirror's credentials.
    """
    if not re.match(r"^https?://", url, re.IGNORECASE) or re.search(r"\s", url):
        raise failure(UsageError, "cli.fail.url_scheme")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise failure(UsageError, "cli.fail.url_unreadable") from None
    if not parts.hostname:
        raise failure(UsageError, "cli.fail.url_no_host")
    if port is not None and not 0 < port <= 65535:  # the TCP port range
        raise failure(UsageError, "cli.fail.url_port", port=str(port))
