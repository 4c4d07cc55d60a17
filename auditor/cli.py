"""The ``portal-audit`` command line: parse, build objects, call the core, pick the exit code."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sys
import threading
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import click

from auditor import __version__
from auditor.audit import ExitCode, FailOn, InvalidInventoryError
from auditor.audit import exit_code as compute_exit_code
from auditor.cliopts import (
    AuditRequest,
    audit_inputs,
    audited,
    history_option,
    parse_practice,
    policy_option,
)
from auditor.errors import AuditorError, UsageError
from auditor.formats import CsvDialect, OutputFormat, RenderOptions, write_reports
from auditor.hibp import open_corpus
from auditor.hibp.mirror import is_loopback, serve
from auditor.history import History, default_path
from auditor.history.show import history_document, history_text, history_view
from auditor.i18n import catalog
from auditor.models import AccountRef, Practice
from auditor.policy import dump_policy, load_policy
from auditor.remind import (
    Draft,
    SmtpSecurity,
    SmtpSettings,
    draft,
    dry_run_text,
    plan_reminders,
    send_all,
    write_outputs,
)
from auditor.report import Report
from auditor.safetext import stderr_line
from auditor.text import is_email

logger = logging.getLogger("auditor")

_FILE_FORMATS = (OutputFormat.JSON, OutputFormat.MARKDOWN, OutputFormat.CSV, OutputFormat.HTML)


csv_dialect_option = click.option(
    "--csv-dialect",
    # By value: click matches enum members by name, and EXCEL_FR is spelled excel-fr.
    type=click.Choice([dialect.value for dialect in CsvDialect], case_sensitive=False),
    callback=lambda ctx, param, value: CsvDialect(value.lower()),
    default=CsvDialect.STANDARD.value,
    show_default=True,
    help="excel-fr: ';'-separated UTF-8 with BOM and CRLF, which French Excel (and Word's "
    "mail merge) open with accents intact.",
)


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


class _SafeFormatter(logging.Formatter):
    """Log lines quote names and paths from inventories: their control characters are replaced."""

    def format(self, record: logging.LogRecord) -> str:
        return stderr_line(super().format(record))


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter("portal-audit: %(levelname)s: %(message)s"))
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
@audit_inputs
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
@csv_dialect_option
@click.option(
    "--fail-on",
    type=click.Choice(FailOn, case_sensitive=False),
    default=FailOn.HIGH,
    show_default=True,
    help="Exit 1 when a finding is at least this severe.",
)
@click.pass_context
def audit(
    ctx: click.Context,
    *,
    request: AuditRequest,
    out: Path | None,
    formats: tuple[OutputFormat, ...],
    fail_on: FailOn,
    csv_dialect: CsvDialect,
) -> None:
    """Audit INVENTORY files and report which passwords must change, why and by when.

    An inventory is a CSV or Excel (.xlsx) sheet, a KeePass database (.kdbx), a
    Bitwarden export (.json, plain or password-protected), or a CSV export of
    Chrome, Edge, Firefox, Safari, Dashlane, 1Password, KeePassXC or Bitwarden.

    Only the first 5 hex characters of each password's SHA-1 leave the machine
    (Have I Been Pwned's k-anonymity range API); with --hibp-offline nothing does.

    Each run is recorded in the history (see `portal-audit history`), and the
    reports say what is new and what was fixed since the previous run.

    \b
    Exit codes:
      0  complete, nothing at or above --fail-on
      1  findings at or above --fail-on
      2  usage, inventory, policy or history error (nothing audited)
      3  incomplete (a breach lookup failed) and nothing at or above --fail-on
    """
    request = _quiet(ctx, request)
    if out is None and len(formats) > 1:
        raise UsageError("several formats need --out DIR (stdout takes one format)")
    report = audited(request).report
    _emit(
        formats,
        out,
        report,
        RenderOptions(fail_threshold=fail_on.threshold, csv_dialect=csv_dialect, lang=request.lang),
    )
    if not report.complete:
        logger.warning("incomplete audit: some breach lookups failed; see 'unknown' accounts")
    sys.exit(compute_exit_code(report, fail_on))


def _quiet(ctx: click.Context, request: AuditRequest) -> AuditRequest:
    """The group's -q applies to the command too."""
    if request.quiet or ctx.obj["quiet"]:
        _configure_logging(ctx.obj["verbose"], quiet=True)
        return replace(request, quiet=True)
    return request


_SMTP_ENV = ("PORTAL_AUDIT_SMTP_USER", "PORTAL_AUDIT_SMTP_PASSWORD")


@cli.command()
@audit_inputs
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write DIR/reminders.csv (mail merge), DIR/reminders.ics (to-dos with alarms) and "
    "DIR/eml/*.eml (drafts to send from your own mail client).",
)
@click.option(
    "--from",
    "sender",
    metavar="ADDRESS",
    help="The reminders' sender (needed with --out and --send), e.g. informatique@groupe.fr.",
)
@click.option("--send", is_flag=True, help="Send the reminders by SMTP. Without it: a dry run.")
@click.option("--smtp-host", metavar="HOST", help="The SMTP relay (needed with --send).")
@click.option(
    "--smtp-port",
    type=click.IntRange(1, 65535),
    help="Default: 587 for starttls, 465 for tls, 25 for none.",
)
@click.option(
    "--smtp-security",
    type=click.Choice([s.value for s in SmtpSecurity]),
    default=SmtpSecurity.STARTTLS.value,
    show_default=True,
    help="none is refused unless the relay is on this machine (127.0.0.1) or "
    "--allow-plaintext-smtp is given.",
)
@click.option(
    "--allow-plaintext-smtp",
    is_flag=True,
    help="Allow --smtp-security none towards a relay on the network.",
)
@click.option(
    "--smtp-cafile",
    type=click.Path(dir_okay=False, exists=True),
    metavar="FILE",
    help="CA certificates for a relay whose certificate a private authority signed.",
)
@csv_dialect_option
@click.pass_context
def remind(
    ctx: click.Context,
    *,
    request: AuditRequest,
    out: Path | None,
    sender: str | None,
    send: bool,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_security: str,
    allow_plaintext_smtp: bool,
    smtp_cafile: str | None,
    csv_dialect: CsvDialect,
) -> None:
    """Audit INVENTORY files, then tell each person which accounts to change, why, by when.

    One reminder per owner (by their e-mail), one per practice for accounts
    without an owner's e-mail (to the practice's contact), and an escalation to
    the practice's contact for accounts reminded in two earlier runs and still
    not fixed. Waived findings are not reminded.

    A reminder never holds a password or a link: it names the portal and asks
    the person to type its address themselves, with the Assurance Maladie's
    anti-phishing advice.

    Without --out or --send it is a dry run: every message is printed, nothing
    is sent or recorded as reminded. SMTP credentials, if the relay needs them,
    come from $PORTAL_AUDIT_SMTP_USER and $PORTAL_AUDIT_SMTP_PASSWORD.

    \b
    Exit codes:
      0  done (dry run, drafts written, or every message sent)
      2  usage, inventory, policy, history or SMTP settings error; nothing sent
      3  some messages could not be sent (the others were), or the audit was incomplete
    """
    request = _quiet(ctx, request)
    security = SmtpSecurity(smtp_security)
    settings: SmtpSettings | None = None
    if send:
        if not smtp_host:
            raise UsageError("--send needs --smtp-host")
        settings = SmtpSettings(
            host=smtp_host,
            port=smtp_port or security.default_port,
            security=security,
            user=os.environ.get(_SMTP_ENV[0]),
            password=os.environ.get(_SMTP_ENV[1]),
            allow_plaintext=allow_plaintext_smtp,
            cafile=smtp_cafile,
        )
        settings.check()  # before the audit: a refused setting should cost nothing
    if (send or out) and not sender:
        raise UsageError("--out and --send need --from ADDRESS (the reminders' sender)")
    if sender and not is_email(sender):
        raise UsageError(f"--from {sender!r} is not an e-mail address")
    result = audited(request)
    words = catalog(request.lang)
    reminded: dict[AccountRef, int] = {}
    if result.run_id is not None and (path := request.history_path) is not None:
        with History.open(path) as history:
            refs = [ref for p in result.report.practices for ref in p.findings_by_account]
            reminded = history.reminded_runs(refs, before_run=result.run_id)
    drafts = [draft(words, r) for r in plan_reminders(result.report, result.policy, reminded)]
    for unreachable in (d.reminder for d in drafts if d.reminder.email is None):
        logger.warning(
            "%s %s: %d accounts, %s",
            unreachable.practice.id,
            unreachable.audience.value,
            len(unreachable.items),
            words.t("remind.no_address"),
        )
    reachable = [d for d in drafts if d.reminder.email]
    delivered: list[Draft] = []
    if out is not None:
        written = write_outputs(
            out, words, drafts, as_of=result.report.as_of, sender=sender or "", dialect=csv_dialect
        )
        logger.info("wrote %d reminder files under %s", len(written), out)
        delivered = reachable  # a written draft is a reminder handed over
    failed, late = 0, False
    if settings is not None:
        outcome = send_all([d.message(sender or "") for d in reachable], settings)
        for position, reason in outcome.failed:
            logger.error("not sent to %s: %s", reachable[position].reminder.email, reason)
        failed = len(outcome.failed)
        late = bool(outcome.problems)  # send_all logged them
        if out is None:
            delivered = [reachable[position] for position in outcome.sent]
        click.echo(f"portal-audit: sent {len(outcome.sent)} reminders, {failed} failed", err=True)
    if out is None and settings is None:
        click.echo(dry_run_text(words, drafts, sender or "(--from)"), nl=False)
        click.echo(
            f"portal-audit: dry run: {len(drafts)} reminders shown, none sent "
            "(--out DIR writes them, --send sends them)",
            err=True,
        )
    if result.run_id is not None and delivered and (path := request.history_path):
        with History.open(path) as history:
            history.record_reminders(
                result.run_id,
                [
                    (item.account, d.reminder.audience.value)
                    for d in delivered
                    for item in d.reminder.items
                ],
            )
    incomplete = failed or late or not result.report.complete
    sys.exit(ExitCode.INCOMPLETE if incomplete else ExitCode.CLEAN)


@cli.command("history")
@history_option
@click.option(
    "--practice",
    callback=parse_practice,
    metavar="FINESS",
    help="Only this practice's runs and trend.",
)
@click.option(
    "--runs",
    "limit",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="How many of the latest runs to list and to draw the trend from.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "json"]),
    default="terminal",
    show_default=True,
)
def history_command(history: Path | None, practice: Practice | None, limit: int, fmt: str) -> None:
    """List recorded audit runs and, per practice, the trend and what was new or fixed.

    Every `audit` and `remind` run is recorded (unless --no-history): its date,
    as-of day, tool and policy version, a digest of the accounts audited, and its
    findings by practice, portal, login and check. Nothing about passwords.

    \b
    Example:
      portal-audit history --practice 750056780 --runs 12
    """
    path = history or default_path()
    if not path.exists():
        raise UsageError(
            f"{path}: no history yet (run `portal-audit audit` first, or pass --history)"
        )
    with History.open(path) as store:
        view = history_view(store, limit=limit, practice_id=practice.id if practice else None)
    if fmt == "json":
        click.echo(json.dumps(history_document(view), indent=2, ensure_ascii=False))
    else:
        click.echo(history_text(view), nl=False)


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
@policy_option
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


EXIT_TERMINATED = 128 + signal.SIGTERM
"""143, as a shell reports a process ended by SIGTERM; Ctrl-C gives 130 (128 + SIGINT)."""


class Terminated(BaseException):
    """SIGTERM arrived; raised in the main thread so that every ``finally`` runs.

    Not an ``Exception``, so that no ``except Exception`` mistakes it for a bug.
    Temporary files and pools are cleaned by those ``finally`` blocks; SIGKILL
    cannot be caught, and the next run into the same ``--out`` cleans after it.
    """


def _raise_terminated(signum: int, frame: object) -> None:
    # Ignore the next ones first: supervisors repeat SIGTERM, and a second
    # Terminated raised inside a finally would skip the rest of the clean-up.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; SIGTERM ends it like Ctrl-C: cleanly, one line, exit 143."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
    try:
        _main(argv)
    except Terminated:
        click.echo("portal-audit: terminated", err=True)
        sys.exit(EXIT_TERMINATED)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> None:
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
            click.echo(stderr_line(str(problem)), err=True)
        click.echo(stderr_line(f"portal-audit: error: {exc}"), err=True)
        sys.exit(ExitCode.ERROR)
    except AuditorError as exc:
        click.echo(stderr_line(f"portal-audit: error: {exc}"), err=True)
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
