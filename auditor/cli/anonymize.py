"""``audit --anonymize``: the report written with pseudonyms, and the map kept only if asked for."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from auditor.audit import Audited
from auditor.cli.options import F, gathered
from auditor.cli.words import help_for, say
from auditor.errors import UsageError
from auditor.files.private import write_private
from auditor.formats import FormatError
from auditor.formats.csvfmt import spreadsheet_safe
from auditor.i18n import Lang
from auditor.i18n.failure import failure
from auditor.report import Pseudonym, Report, anonymized

logger = logging.getLogger(__name__)

MAP_COLUMNS = ("kind", "pseudonym", "real")


@dataclass(frozen=True)
class Anonymity:
    """Whether what is written or printed is an anonymised copy, and where its map goes."""

    anonymize: bool
    keep_practices: bool
    map_file: Path | None

    def refuse_contradictions(self, out: Path | None) -> None:
        """Usage errors, raised before anything is audited or recorded."""
        if not self.anonymize and (self.keep_practices or self.map_file is not None):
            raise failure(UsageError, "cli.fail.anonymize_needed")
        if self.map_file is not None and out is not None:
            folder = out.resolve()
            if (
                folder == self.map_file.resolve().parent
                or folder in self.map_file.resolve().parents
            ):
                # The folder is what is sent: the map in it would send the names along.
                raise failure(
                    UsageError, "cli.fail.map_inside_out", map=str(self.map_file), out=str(out)
                )

    def shown(self, audited: Audited, lang: Lang) -> Report:
        """The report to write or print: the real one, or its anonymised copy (map written)."""
        if not self.anonymize:
            return audited.report
        copy = anonymized(
            audited.report,
            lang=lang,
            generic_owners=audited.policy.generic_owners,
            keep_practices=self.keep_practices,
        )
        if self.map_file is not None:
            try:
                write_private(self.map_file, map_text(copy.pseudonyms))
            except OSError as exc:
                where = exc.filename or self.map_file
                raise failure(
                    FormatError,
                    "cli.fail.map_unwritable",
                    path=str(where),
                    reason=str(exc.strerror),
                ) from exc
            logger.info(say("cli.map_written", path=str(self.map_file)))
        return copy.report


def map_text(pseudonyms: Sequence[Pseudonym]) -> str:
    """The map as CSV: kind, pseudonym, real value; each cell safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MAP_COLUMNS)
    for row in pseudonyms:
        writer.writerow(
            (row.kind.value, spreadsheet_safe(row.pseudonym), spreadsheet_safe(row.real))
        )
    return buffer.getvalue()


_OPTIONS: tuple[Callable[[F], F], ...] = (
    click.option(
        "--anonymize",
        is_flag=True,
        help=help_for("help.anonymize.anonymize"),
    ),
    click.option(
        "--anonymize-keep-practices",
        is_flag=True,
        help=help_for("help.anonymize.keep_practices"),
    ),
    click.option(
        "--anonymize-map",
        type=click.Path(path_type=Path, dir_okay=False),
        metavar="FILE",
        help=help_for("help.anonymize.map"),
    ),
)


def _anonymity(
    anonymize: bool, anonymize_keep_practices: bool, anonymize_map: Path | None
) -> Anonymity:
    return Anonymity(anonymize, anonymize_keep_practices, anonymize_map)


anonymity_options = gathered(
    "anonymity", _OPTIONS, ("anonymize", "anonymize_keep_practices", "anonymize_map"), _anonymity
)
"""Give a command the ``--anonymize`` options, gathered into one ``anonymity: Anonymity``."""
