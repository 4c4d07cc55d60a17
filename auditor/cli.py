"""The ``portal-audit`` command line: parse, build objects, call the core, pick the exit code."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import click
from rich.console import Console

from auditor import __version__
from auditor.audit import ExitCode, FailOn, InvalidInventoryError, read_inventories, run_audit
from auditor.audit import exit_code as compute_exit_code
from auditor.errors import AuditorError, UsageError
from auditor.finess import finess_problem
from auditor.formats import CsvDialect, OutputFormat, RenderOptions, write_reports
from auditor.hibp import (
    DEFAULT_API,
    BreachSource,
    RangeApiClient,
    RangeCache,
    make_session,
    open_corpus,
)
from auditor.hibp.mirror import is_loopback, serve
from auditor.i18n import Lang
from auditor.models import Practice
from auditor.policy import dump_policy, load_policy
from auditor.progress import BarDisplay, ProgressDisplay
from auditor.report import BreachMode, Report
from auditor.sources import SourceOptions, Unlock, load_practice_map

logger = logging.getLogger("auditor")

_FILE_FORMATS = (OutputFormat.JSON, OutputFormat.MARKDOWN, OutputFormat.CSV, OutputFormat.HTML)


def _parse_formats(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[OutputFormat, ...]:
    """``--format json,markdown`` → the formats, in order, without repeats."""
    if value is None:
        return ()
    chosen = []
    for item in value.split(","):
        try:
            chosen.append(OutputFormat(item.strip().lower()))
        except ValueError:
            names = ", ".join(f.value for f in OutputFormat)
            raise click.BadParameter(
                f"unknown format {item.strip()!r} (choose from {names})", ctx, param
            ) from None
    return tuple(dict.fromkeys(chosen))


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-22", ctx, param) from None


def _parse_practice(
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


def _parse_duration(ctx: click.Context, param: click.Parameter, value: str) -> float:
    """``90s``, ``30m``, ``12h``, ``7d`` (or bare seconds) → seconds."""
    match = _DURATION.match(value.strip().lower())
    if match is None:
        raise click.BadParameter(f"{value!r} is not a duration like 12h or 7d", ctx, param)
    return float(match[1]) * _SECONDS[match[2]]


_policy_option = click.option(
    "--policy",
    "policy_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A policy TOML file layered on the built-in policy (repeatable).",
)


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("portal-audit: %(levelname)s: %(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portal-audit")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debugging).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Audit the passwords of pharmacies' and opticians' tiers payant portal accounts.

    \b
    Start with:
      portal-audit audit inventory.csv
    Then see `portal-audit audit --help` for outputs, policies and offline breach checks.
    """
    ctx.obj = {"verbose": verbose, "quiet": quiet}
    _configure_logging(verbose, quiet)


@contextlib.contextmanager
def _breach_source(
    hibp_url: str | None,
    hibp_offline: Path | None,
    skip: bool,
    workers: int,
    cache: RangeCache | None,
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
    if hibp_url is not None and not re.match(r"^https?://[^/\s]+", hibp_url):
        raise UsageError(f"--hibp-url must start with https:// or http://, got {hibp_url!r}")
    source: BreachSource
    if hibp_offline is not None:
        source, mode = open_corpus(hibp_offline), BreachMode.OFFLINE
    else:
        source = RangeApiClient(
            make_session(workers, base_url=hibp_url or DEFAULT_API),
            base_url=hibp_url or DEFAULT_API,
            workers=workers,
            cache=cache,
        )
        mode = BreachMode.ONLINE
    with source:
        yield source, mode


@contextlib.contextmanager
def _progress_display(quiet: bool) -> Iterator[ProgressDisplay]:
    """Bars on stderr when a person watches it; nothing for pipes, cron and --quiet."""
    if quiet or not sys.stderr.isatty():
        yield ProgressDisplay()
        return
    with BarDisplay(Console(stderr=True)) as bars:
        yield bars


def _write_stdout(chunks: Iterable[str]) -> None:
    """Write a report to stdout piece by piece (a large JSON report is never one string)."""
    stream = sys.stdout
    batch: list[str] = []
    for chunk in chunks:
        batch.append(chunk)
        if len(batch) >= 4096:
            stream.write("".join(batch))
            batch.clear()
    stream.write("".join(batch))
    stream.flush()


def _emit(
    report_formats: Sequence[OutputFormat],
    out: Path | None,
    report: Report,
    options: RenderOptions | None = None,
) -> None:
    tty = sys.stdout.isatty()
    screen = replace(
        options or RenderOptions(),
        color=tty and not os.environ.get("NO_COLOR"),  # https://no-color.org
        width=shutil.get_terminal_size().columns if tty else 100,
    )
    if out is None:
        chosen = (
            report_formats[0]
            if report_formats
            else (OutputFormat.TERMINAL if tty else OutputFormat.JSON)
        )
        _write_stdout(chosen.to_formatter(screen).chunks(report))
        return
    files: list[OutputFormat] = [f for f in report_formats if f is not OutputFormat.TERMINAL]
    if not report_formats:
        files = list(_FILE_FORMATS)
    written = write_reports(report, out, [f.to_formatter(options) for f in files])
    logger.info("wrote %d report files under %s", len(written), out)
    if OutputFormat.TERMINAL in report_formats or tty:
        click.echo(OutputFormat.TERMINAL.to_formatter(screen).render(report), nl=False)


@cli.command()
@click.argument(
    "inventories", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
)
@_policy_option
@click.option(
    "--as-of",
    callback=_parse_date,
    metavar="DATE",
    help="Audit as if today were DATE (YYYY-MM-DD), for reproducible runs.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write DIR/<FINESS>/report.<ext> per practice and DIR/summary.<ext>.",
)
@click.option(
    "--format",
    "formats",
    callback=_parse_formats,
    metavar="FORMATS",
    help="terminal, json, markdown, csv, junit, html; several comma-separated with --out. "
    "Default: terminal on a terminal, json otherwise; with --out: json,markdown,csv,html.",
)
@click.option(
    "--csv-dialect",
    # By value: click matches enum members by name, and EXCEL_FR is spelled excel-fr.
    type=click.Choice([dialect.value for dialect in CsvDialect], case_sensitive=False),
    callback=lambda ctx, param, value: CsvDialect(value.lower()),
    default=CsvDialect.STANDARD.value,
    show_default=True,
    help="excel-fr: ';'-separated UTF-8 with BOM, which French Excel opens with accents intact.",
)
@click.option(
    "--lang",
    type=click.Choice([lang.value for lang in Lang], case_sensitive=False),
    callback=lambda ctx, param, value: (
        Lang(value.lower()) if value else Lang.from_environment(os.environ)
    ),
    help="Language of what people read (terminal, Markdown, HTML, and the sentences of CSV "
    "and JUnit): fr or en. Default: French under a French locale (LANG=fr_FR.UTF-8…), "
    "English otherwise. JSON stays English for programs.",
)
@click.option(
    "--fail-on",
    type=click.Choice(FailOn, case_sensitive=False),
    default=FailOn.HIGH,
    show_default=True,
    help="Exit 1 when a finding is at least this severe.",
)
@click.option(
    "--hibp-url", metavar="URL", help=f"Range API of a self-hosted mirror (default {DEFAULT_API})."
)
@click.option(
    "--hibp-offline",
    type=click.Path(path_type=Path, exists=True),
    metavar="PATH",
    help="Downloaded Pwned Passwords SHA-1 corpus: the single sorted file, "
    "or the per-prefix folder. Nothing leaves the machine.",
)
@click.option(
    "--no-breach-check", is_flag=True, help="Skip the breach lookup (the report says so)."
)
@click.option(
    "--hibp-workers",
    type=click.IntRange(1, 64),
    default=32,
    show_default=True,
    help="Parallel HTTP requests to the range API (it has no rate limit).",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 256),
    default=None,
    help="Processes for password scoring (default: one per core).",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="Keep range answers (public data, one file per prefix, mode 0600) in DIR "
    "and reuse them while fresh. Off by default.",
)
@click.option(
    "--cache-ttl",
    callback=_parse_duration,
    default="24h",
    show_default=True,
    metavar="DURATION",
    help="How long a cached range answer is reused: 30m, 12h, 7d.",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Audit the valid rows and list the invalid ones in the report.",
)
@click.option(
    "--practice",
    callback=_parse_practice,
    metavar="FINESS",
    help="The practice of vault and export entries that name none (no FINESS field or folder).",
)
@click.option(
    "--practice-map",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="FILE",
    help="CSV of match,practice_id,practice_name: entries in a folder, group or collection "
    "named `match`, or exports whose file name is `match`, belong to that practice.",
)
@click.option(
    "--all-entries",
    is_flag=True,
    help="Also audit vault entries of sites that are not portals of the policy "
    "(by default they are counted and left out).",
)
@click.option(
    "--keepass-password-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="FILE",
    help="File whose first line is the KeePass master password "
    f"(else ${_SECRET_ENV[Unlock.KEEPASS]}, else a prompt).",
)
@click.option(
    "--keepass-key-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="FILE",
    help="KeePass key file, with or without a master password.",
)
@click.option(
    "--bitwarden-password-file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="FILE",
    help="File whose first line is the password of an encrypted Bitwarden export "
    f"(else ${_SECRET_ENV[Unlock.BITWARDEN]}, else a prompt).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and only errors on stderr.")
@click.pass_context
def audit(
    ctx: click.Context,
    *,
    inventories: tuple[Path, ...],
    policy_files: tuple[Path, ...],
    as_of: date | None,
    out: Path | None,
    formats: tuple[OutputFormat, ...],
    fail_on: FailOn,
    csv_dialect: CsvDialect,
    lang: Lang,
    hibp_url: str | None,
    hibp_offline: Path | None,
    no_breach_check: bool,
    hibp_workers: int,
    jobs: int | None,
    cache_dir: Path | None,
    cache_ttl: float,
    skip_invalid: bool,
    practice: Practice | None,
    practice_map: Path | None,
    all_entries: bool,
    keepass_password_file: Path | None,
    keepass_key_file: Path | None,
    bitwarden_password_file: Path | None,
    quiet: bool,
) -> None:
    """Audit INVENTORY files and report which passwords must change, why and by when.

    An inventory is a CSV or Excel (.xlsx) sheet, a KeePass database (.kdbx), a
    Bitwarden export (.json, plain or password-protected), or a CSV export of
    Chrome, Edge, Firefox, Safari, Dashlane, 1Password, KeePassXC or Bitwarden.

    Only the first 5 hex characters of each password's SHA-1 leave the machine
    (Have I Been Pwned's k-anonymity range API); with --hibp-offline nothing does.

    \b
    Exit codes:
      0  complete, nothing at or above --fail-on
      1  findings at or above --fail-on
      2  usage, inventory or policy error (nothing audited)
      3  incomplete (a breach lookup failed) and nothing at or above --fail-on
    """
    quiet = quiet or ctx.obj["quiet"]
    if quiet:
        _configure_logging(ctx.obj["verbose"], quiet=True)
    if out is None and len(formats) > 1:
        raise UsageError("several formats need --out DIR (stdout takes one format)")
    policy = load_policy(policy_files)
    today = as_of or date.today()
    options = SourceOptions(
        practice=practice,
        practice_map=load_practice_map(practice_map) if practice_map else (),
        all_entries=all_entries,
        keepass_key_file=keepass_key_file,
        ask_secret=_secret_asker(
            {Unlock.KEEPASS: keepass_password_file, Unlock.BITWARDEN: bitwarden_password_file}
        ),
    )
    inventory = read_inventories(
        inventories, policy, today, skip_invalid=skip_invalid, options=options
    )
    for problem in inventory.skipped:
        logger.warning("skipped %s", problem)
    cache = RangeCache(cache_dir, ttl=cache_ttl) if cache_dir is not None else None
    sources = _breach_source(hibp_url, hibp_offline, no_breach_check, hibp_workers, cache)
    with sources as (breach, mode), _progress_display(quiet) as progress:
        report = run_audit(
            inventory,
            policy,
            today,
            breach,
            breach_mode=mode,
            jobs=jobs or os.cpu_count() or 1,
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
    _emit(
        formats,
        out,
        report,
        RenderOptions(fail_threshold=fail_on.threshold, csv_dialect=csv_dialect, lang=lang),
    )
    if not report.complete:
        logger.warning("incomplete audit: some breach lookups failed; see 'unknown' accounts")
    sys.exit(compute_exit_code(report, fail_on))


@cli.group()
def hibp() -> None:
    """Run a self-hosted Pwned Passwords range API from a downloaded corpus."""


@hibp.command("serve")
@click.option(
    "--corpus",
    required=True,
    type=click.Path(path_type=Path, exists=True),
    metavar="PATH",
    help="Downloaded SHA-1 corpus: the single sorted file or the per-prefix folder.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback opens the mirror to the network.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True)
@click.option(
    "--threads", type=click.IntRange(1, 256), default=16, show_default=True, help="Worker threads."
)
@click.option(
    "--log-prefixes",
    is_flag=True,
    help="Log each requested prefix. Off by default: such a log is a list of clues "
    "to the passwords audited.",
)
def hibp_serve(corpus: Path, host: str, port: int, threads: int, log_prefixes: bool) -> None:
    """Serve GET /range/<prefix> like api.pwnedpasswords.com, from a local corpus.

    Audits then use it with --hibp-url http://HOST:PORT. Stop with Ctrl-C.

    \b
    Example:
      portal-audit hibp serve --corpus /srv/pwnedpasswords.txt
      portal-audit audit inventory.csv --hibp-url http://127.0.0.1:8787
    """
    if not is_loopback(host):
        logger.warning(
            "listening on %s: every machine that reaches it can query the mirror, in clear "
            "text; put a TLS reverse proxy in front of it",
            host,
        )
    with open_corpus(corpus) as source:

        def ready(url: str) -> None:
            click.echo(f"portal-audit: serving {corpus} on {url}/range/ (Ctrl-C to stop)", err=True)

        serve(
            source,
            host=host,
            port=port,
            threads=threads,
            log_prefixes=log_prefixes,
            on_ready=ready,
        )


@cli.group()
def policy() -> None:
    """Show the effective policy, or check a policy file."""


@policy.command("show")
@_policy_option
def policy_show(policy_files: tuple[Path, ...]) -> None:
    """Print the effective policy as TOML (built-in files, then each --policy)."""
    click.echo(dump_policy(load_policy(policy_files)), nl=False)


@policy.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def policy_check(files: tuple[Path, ...]) -> None:
    """Validate policy FILES layered on the built-in policy; list every problem."""
    effective = load_policy(files)
    click.echo(
        f"OK: {', '.join(map(str, files))} "
        f"({len(effective.portals)} portals, {len(effective.incidents)} incidents in effect)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; turn expected errors into one clear message and exit code 2."""
    try:
        cli.main(args=argv, prog_name="portal-audit", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.ERROR)
    except (click.Abort, KeyboardInterrupt):
        click.echo("portal-audit: interrupted", err=True)
        sys.exit(130)
    except InvalidInventoryError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"portal-audit: error: {exc}", err=True)
        sys.exit(ExitCode.ERROR)
    except AuditorError as exc:
        click.echo(f"portal-audit: error: {exc}", err=True)
        sys.exit(ExitCode.ERROR)
    except Exception as exc:  # noqa: BLE001 - the last resort that keeps tracebacks private
        # An unexpected error is a bug. Its message could quote data (a KeyError
        # on a hash, a value in a ValueError), so it is never shown, not even with
        # -vv: only its type and the frames it went through.
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
        logger.debug("internal error, message withheld:\n%s", "".join(frames.format()))
        click.echo(
            f"portal-audit: internal error: {type(exc).__name__}{where} "
            "(a bug: please report it with this line)",
            err=True,
        )
        sys.exit(ExitCode.ERROR)
