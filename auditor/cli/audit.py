"""``portal-audit audit``: audit the inventories and write the report where it was asked for."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import click

from auditor.audit import FailOn, exit_code
from auditor.cli.anonymize import Anonymity, anonymity_options
from auditor.cli.inputs import AuditInputs, audit_inputs
from auditor.cli.options import csv_dialect_option
from auditor.cli.words import Command, help_for, say
from auditor.errors import UsageError
from auditor.formats import (
    BinaryFormatter,
    CsvDialect,
    OutputFormat,
    RenderOptions,
    write_reports,
)
from auditor.i18n.failure import failure
from auditor.report import Report

logger = logging.getLogger(__name__)

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
            unknown = say("cli.fail.unknown_format", format=repr(item.strip()), names=names)
            raise click.BadParameter(unknown, ctx, param) from None
    return tuple(dict.fromkeys(chosen))


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


def _write_stdout_bytes(document: bytes) -> None:
    """A binary report (a PDF) on stdout: a file or a pipe, checked by ``_refuse_early``."""
    sys.stdout.flush()
    sys.stdout.buffer.write(document)
    sys.stdout.buffer.flush()


def _refuse_early(formats: Sequence[OutputFormat], out: Path | None) -> None:
    """Refuse, before an audit runs for nothing, a report that could not be written."""
    for chosen in formats:
        formatter = chosen.to_formatter()
        if not isinstance(formatter, BinaryFormatter):
            continue
        if out is None and sys.stdout.isatty():
            raise failure(UsageError, "cli.fail.not_for_terminal", format=chosen.value)
        formatter.ready()


def _emit(
    report_formats: Sequence[OutputFormat],
    out: Path | None,
    report: Report,
    options: RenderOptions | None = None,
    *,
    jobs: int | None = None,
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
        formatter = chosen.to_formatter(screen)
        if isinstance(formatter, BinaryFormatter):
            _write_stdout_bytes(formatter.document(report))
        else:
            _write_stdout(formatter.chunks(report))
        return
    files: list[OutputFormat] = [f for f in report_formats if f is not OutputFormat.TERMINAL]
    if not report_formats:
        files = list(_FILE_FORMATS)
    written = write_reports(report, out, [f.to_formatter(options) for f in files], jobs=jobs)
    logger.info(say("cli.wrote_reports", n=len(written), path=str(out)))
    if OutputFormat.TERMINAL in report_formats or tty:
        click.echo(OutputFormat.TERMINAL.to_formatter(screen).render(report), nl=False)


@click.command(cls=Command, help=help_for("help.audit.about"))
@audit_inputs
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help=help_for("help.audit.out"),
)
@click.option(
    "--format",
    "formats",
    callback=_parse_formats,
    metavar="FORMATS",
    help=help_for("help.audit.format"),
)
@csv_dialect_option
@anonymity_options
@click.option(
    "--fail-on",
    type=click.Choice(FailOn, case_sensitive=False),
    default=FailOn.HIGH,
    show_default=True,
    help=help_for("help.audit.fail_on"),
)
@click.pass_context
def audit(
    ctx: click.Context,
    *,
    inputs: AuditInputs,
    out: Path | None,
    formats: tuple[OutputFormat, ...],
    fail_on: FailOn,
    csv_dialect: CsvDialect,
    anonymity: Anonymity,
) -> None:
    """Audit, then write or print the report; the help is the catalogue's ``help.audit.about``."""
    inputs = inputs.quieted(ctx)
    if out is None and len(formats) > 1:
        raise failure(UsageError, "cli.fail.several_formats")
    _refuse_early(formats, out)
    anonymity.refuse_contradictions(out)
    done = inputs.run()
    report = done.report
    _emit(
        formats,
        out,
        anonymity.shown(done, inputs.lang),  # the history recorded the real report
        RenderOptions(fail_threshold=fail_on.threshold, csv_dialect=csv_dialect, lang=inputs.lang),
        jobs=inputs.request.jobs,  # --jobs bounds the writing's processes too
    )
    if not report.complete:
        logger.warning(say("cli.incomplete"))
    sys.exit(exit_code(report, fail_on))
