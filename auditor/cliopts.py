"""The options ``audit`` and ``remind`` share, and the audited report they describe."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from auditor.audit import read_inventories, run_audit
from auditor.errors import UsageError
from auditor.finess import finess_problem
from auditor.hibp import (
    DEFAULT_API,
    DEFAULT_LOOKUP_DEADLINE,
    BreachSource,
    RangeApiClient,
    RangeCache,
    make_session,
    open_corpus,
)
from auditor.history import History, default_path
from auditor.i18n import Lang
from auditor.models import Practice
from auditor.policy import Policy, load_policy
from auditor.progress import BarDisplay, ProgressDisplay
from auditor.report import BreachMode, Report
from auditor.sources import SourceOptions, Unlock, load_practice_map

logger = logging.getLogger("auditor")
F = TypeVar("F", bound=Callable[..., Any])


AS_OF_RANGE = (date(2000, 1, 1), date(2199, 12, 31))
"""Days ``--as-of`` accepts: deadlines add up to ten years (policy limits) to dates
up to the audit day, so a day near ``date.max`` would overflow instead of auditing."""


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-22", ctx, param) from None
    if not AS_OF_RANGE[0] <= day <= AS_OF_RANGE[1]:
        raise click.BadParameter(
            f"{value!r} is outside {AS_OF_RANGE[0].isoformat()}…{AS_OF_RANGE[1].isoformat()}",
            ctx,
            param,
        )
    return day


def parse_practice(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> Practice | None:
    if value is None:
        return None
    if (reason := finess_problem(value.strip())) is not None:
        raise click.BadParameter(f"{value!r}: {reason}", ctx, param)
    return Practice(value.strip(), "")


_SECRET_ENV = {
    Unlock.KEEPASS: "PORTAL_AUDIT_KEEPASS_PASSWORD",
    Unlock.BITWARDEN: "PORTAL_AUDIT_BITWARDEN_PASSWORD",
}
_SECRET_OPTION = {
    Unlock.KEEPASS: "--keepass-password-file",
    Unlock.BITWARDEN: "--bitwarden-password-file",
}


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _read_secret_file(path: Path) -> str:
    """The first line of a password file, exactly (without its line ending)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        mode = path.stat().st_mode
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the password file ({type(exc).__name__})") from None
    if os.name == "posix" and mode & 0o077:
        logger.warning("%s: other users can read this password file; chmod 600 it", path)
    return text.splitlines()[0] if text else ""


def _secret_asker(files: dict[Unlock, Path | None]) -> Callable[[Unlock, Path], str]:
    """Where a vault's password comes from: its file option, its variable, else a prompt."""

    def ask(kind: Unlock, path: Path) -> str:
        if (file := files.get(kind)) is not None:
            return _read_secret_file(file)
        if (value := os.environ.get(_SECRET_ENV[kind])) is not None:
            return value
        if _stdin_is_terminal():
            return str(click.prompt(f"{kind.value} for {path}", hide_input=True, err=True))
        raise UsageError(
            f"{path}: needs the {kind.value}, and there is no terminal to ask for it: pass "
            f"{_SECRET_OPTION[kind]} FILE or set {_SECRET_ENV[kind]}"
        )

    return ask


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    """``90s``, ``30m``, ``12h``, ``7d`` (or bare seconds) → seconds."""
    match = _DURATION.match(value.strip().lower())
    if match is None:
        raise click.BadParameter(f"{value!r} is not a duration like 12h or 7d", ctx, param)
    return float(match[1]) * _SECONDS[match[2]]


policy_option = click.option(
    "--policy",
    "policy_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A policy TOML file layered on the built-in policy (repeatable).",
)


@contextlib.contextmanager
def _breach_source(
    hibp_url: str | None,
    hibp_offline: Path | None,
    skip: bool,
    workers: int,
    cache: RangeCache | None,
    *,
    deadline: float = DEFAULT_LOOKUP_DEADLINE,
) -> Iterator[tuple[BreachSource | None, BreachMode]]:
    chosen = [
        name
        for name, on in (
            ("--hibp-url", hibp_url),
            ("--hibp-offline", hibp_offline),
            ("--no-breach-check", skip),
        )
        if on
    ]
    if len(chosen) > 1:
        raise UsageError(f"choose one of {' and '.join(chosen)}")
    if cache is not None and (skip or hibp_offline is not None):
        raise UsageError("--cache-dir keeps online answers; it does not apply to " + chosen[0])
    if skip:
        yield None, BreachMode.SKIPPED
        return
    if hibp_url is not None:
        _check_hibp_url(hibp_url)
    source: BreachSource
    if hibp_offline is not None:
        source, mode = open_corpus(hibp_offline), BreachMode.OFFLINE
    else:
        session = make_session(workers, base_url=hibp_url or DEFAULT_API)
        try:
            source = RangeApiClient(
                session,
                base_url=hibp_url or DEFAULT_API,
                workers=workers,
                cache=cache,
                deadline=deadline,
            )
        except BaseException:
            session.close()  # the client owns it only once it exists
            raise
        mode = BreachMode.ONLINE
    with source:
        yield source, mode


def _check_hibp_url(url: str) -> None:
    """``UsageError`` unless ``url`` is http(s) with a host and a port in 1-65535.

    Checked before any lookup, so a typo is exit 2 with a reason, not a run of
    failed lookups or a crash in the HTTP library. The message quotes only the
    part at fault: the URL may carry a mirror's credentials.
    """
    if not re.match(r"^https?://", url, re.IGNORECASE) or re.search(r"\s", url):
        raise UsageError("--hibp-url must start with https:// or http:// and hold no spaces")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise UsageError("--hibp-url is not a URL: its host or port cannot be read") from None
    if not parts.hostname:
        raise UsageError("--hibp-url has no host, as in https://mirror.example")
    if port is not None and not 0 < port <= 65535:  # the TCP port range
        raise UsageError(f"--hibp-url: port {port} is not between 1 and 65535")


@contextlib.contextmanager
def _progress_display(quiet: bool) -> Iterator[ProgressDisplay]:
    """Bars on stderr when a person watches it; nothing for pipes, cron and --quiet."""
    if quiet or not sys.stderr.isatty():
        yield ProgressDisplay()
        return
    with BarDisplay(Console(stderr=True)) as bars:
        yield bars


@dataclass(frozen=True)
class AuditRequest:
    """What to audit and how: the options ``audit`` and ``remind`` share."""

    inventories: tuple[Path, ...]
    policy_files: tuple[Path, ...]
    as_of: date | None
    lang: Lang
    hibp_url: str | None
    hibp_offline: Path | None
    no_breach_check: bool
    hibp_workers: int
    hibp_deadline: float
    jobs: int | None
    cache_dir: Path | None
    cache_ttl: float
    skip_invalid: bool
    practice: Practice | None
    practice_map: Path | None
    all_entries: bool
    keepass_password_file: Path | None
    keepass_key_file: Path | None
    bitwarden_password_file: Path | None
    allow_costly_kdf: bool
    history: Path | None
    no_history: bool
    quiet: bool

    @property
    def history_path(self) -> Path | None:
        """Where runs are recorded: ``--history``, else the user's data folder; None if off."""
        if self.no_history:
            return None
        return self.history or default_path()


@dataclass(frozen=True)
class Audited:
    """An audit's report, the policy it applied, and its run in the history (if recorded)."""

    report: Report
    policy: Policy
    run_id: int | None
    """The run's id in the history database; None with ``--no-history``."""


history_option = click.option(
    "--history",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="SQLite file where runs are recorded and compared "
    f"(default: {default_path()}). Holds names and logins, never a password.",
)
_nohistory_option = click.option(
    "--no-history", is_flag=True, help="Do not record this run, nor compare it with earlier ones."
)

_INPUT_OPTIONS: tuple[Callable[[F], F], ...] = (
    click.argument(
        "inventories", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
    ),
    policy_option,
    click.option(
        "--as-of",
        callback=_parse_date,
        metavar="DATE",
        help="Audit as if today were DATE (YYYY-MM-DD), for reproducible runs.",
    ),
    click.option(
        "--lang",
        type=click.Choice([lang.value for lang in Lang], case_sensitive=False),
        callback=lambda ctx, param, value: (
            Lang(value.lower()) if value else Lang.from_environment(os.environ)
        ),
        help="Language of what people read (terminal, Markdown, HTML, e-mails, and the "
        "sentences of CSV and JUnit): fr or en. Default: French under a French locale "
        "(LANG=fr_FR.UTF-8…), English otherwise. JSON stays English for programs.",
    ),
    click.option(
        "--hibp-url",
        metavar="URL",
        help=f"Range API of a self-hosted mirror (default {DEFAULT_API}).",
    ),
    click.option(
        "--hibp-offline",
        type=click.Path(path_type=Path, exists=True),
        metavar="PATH",
        help="Downloaded Pwned Passwords SHA-1 corpus: the single sorted file, "
        "or the per-prefix folder. Nothing leaves the machine.",
    ),
    click.option(
        "--no-breach-check", is_flag=True, help="Skip the breach lookup (the report says so)."
    ),
    click.option(
        "--hibp-workers",
        type=click.IntRange(1, 64),
        default=32,
        show_default=True,
        help="Parallel HTTP requests to the range API (it has no rate limit).",
    ),
    click.option(
        "--hibp-deadline",
        callback=parse_duration,
        default=f"{DEFAULT_LOOKUP_DEADLINE / 60:g}m",
        show_default=True,
        metavar="DURATION",
        help="Time all online breach lookups of a run may take (90s, 10m, 1h); "
        "passwords still unchecked then are 'unknown' and the audit incomplete.",
    ),
    click.option(
        "--jobs",
        type=click.IntRange(1, 256),
        default=None,
        help="Processes for password scoring (default: one per core).",
    ),
    click.option(
        "--cache-dir",
        type=click.Path(path_type=Path, file_okay=False),
        metavar="DIR",
        help="Keep range answers (public data, one file per prefix, mode 0600) in DIR "
        "and reuse them while fresh. Off by default.",
    ),
    click.option(
        "--cache-ttl",
        callback=parse_duration,
        default="24h",
        show_default=True,
        metavar="DURATION",
        help="How long a cached range answer is reused: 30m, 12h, 7d.",
    ),
    click.option(
        "--skip-invalid",
        is_flag=True,
        help="Audit the valid rows and list the invalid ones in the report.",
    ),
    click.option(
        "--practice",
        callback=parse_practice,
        metavar="FINESS",
        help="The practice of vault and export entries that name none (no FINESS field or folder).",
    ),
    click.option(
        "--practice-map",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help="CSV of match,practice_id,practice_name: entries in a folder, group or collection "
        "named `match`, or exports whose file name is `match`, belong to that practice.",
    ),
    click.option(
        "--all-entries",
        is_flag=True,
        help="Also audit vault entries of sites that are not portals of the policy "
        "(by default they are counted and left out).",
    ),
    click.option(
        "--keepass-password-file",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help="File whose first line is the KeePass master password "
        f"(else ${_SECRET_ENV[Unlock.KEEPASS]}, else a prompt).",
    ),
    click.option(
        "--keepass-key-file",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help="KeePass key file, with or without a master password.",
    ),
    click.option(
        "--bitwarden-password-file",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help="File whose first line is the password of an encrypted Bitwarden export "
        f"(else ${_SECRET_ENV[Unlock.BITWARDEN]}, else a prompt).",
    ),
    click.option(
        "--allow-costly-kdf",
        is_flag=True,
        help="Open a KeePass vault or Bitwarden export whose key derivation settings exceed "
        "the caps (AES-KDF 15 million rounds; Argon2 1 GiB, 1,000 passes, 64 lanes; "
        "Bitwarden's own maxima) and may take minutes.",
    ),
    history_option,
    _nohistory_option,
    click.option("-q", "--quiet", is_flag=True, help="No progress bar and only errors on stderr."),
)
_REQUEST_FIELDS = tuple(field.name for field in fields(AuditRequest))


def audit_inputs(command: F) -> F:
    """Give a command the shared options, gathered into one ``request: AuditRequest``."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        request = AuditRequest(**{name: kwargs.pop(name) for name in _REQUEST_FIELDS})
        return command(*args, request=request, **kwargs)

    decorated: Any = wrapper
    for option in reversed(_INPUT_OPTIONS):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def audited(request: AuditRequest) -> Audited:
    """Read, audit, record in the history and compare with the previous run."""
    policy = load_policy(request.policy_files)
    today = request.as_of or date.today()
    options = SourceOptions(
        practice=request.practice,
        practice_map=load_practice_map(request.practice_map) if request.practice_map else (),
        all_entries=request.all_entries,
        keepass_key_file=request.keepass_key_file,
        allow_costly_kdf=request.allow_costly_kdf,
        ask_secret=_secret_asker(
            {
                Unlock.KEEPASS: request.keepass_password_file,
                Unlock.BITWARDEN: request.bitwarden_password_file,
            }
        ),
    )
    inventory = read_inventories(
        request.inventories, policy, today, skip_invalid=request.skip_invalid, options=options
    )
    for problem in inventory.skipped:
        logger.warning("skipped %s", problem)
    cache = RangeCache(request.cache_dir, ttl=request.cache_ttl) if request.cache_dir else None
    sources = _breach_source(
        request.hibp_url,
        request.hibp_offline,
        request.no_breach_check,
        request.hibp_workers,
        cache,
        deadline=request.hibp_deadline,
    )
    with sources as (breach, mode), _progress_display(request.quiet) as progress:
        report = run_audit(
            inventory,
            policy,
            today,
            breach,
            breach_mode=mode,
            jobs=request.jobs or os.cpu_count() or 1,
            progress=progress,
        )
    if cache is not None:
        stats = cache.stats
        logger.info(
            "range cache: %d answers reused, %d fetched (%d damaged entries replaced)",
            stats.hits,
            stats.misses,
            stats.rejected,
        )
    run_id = None
    if (path := request.history_path) is not None:
        with History.open(path) as history:
            run_id, changes = history.record(report, policy)
        report = report.with_changes(changes)
    return Audited(report, policy, run_id)
