"""The practice mapping file (``--practice-map``): which folder or export is which practice."""

from __future__ import annotations

import csv
from pathlib import Path

from auditor.finess import finess_fault
from auditor.i18n.failure import failure
from auditor.i18n.phrase import Phrase, phrase
from auditor.models import Practice
from auditor.sources.delimited import first_line, read_text, records, sniff_delimiter
from auditor.sources.interface import PracticeRule, SourceError
from auditor.sources.table import HEADER_ALIASES
from auditor.text import fold_key

_MATCH_HEADERS = {fold_key(name) for name in ("match", "dossier", "groupe", "fichier", "folder")}


def load_practice_map(path: Path) -> tuple[PracticeRule, ...]:
    """Read ``match,practice_id[,practice_name]`` rows (French headers accepted), all checked."""
    where = str(path)
    text = read_text(path, "practice_map")
    delimiter = sniff_delimiter(first_line(text))
    if delimiter is None:
        raise failure(SourceError, "source_error.map.no_header", path=where)
    try:
        rows = list(records(text, delimiter))
    except csv.Error as exc:
        line = exc.args[1] if len(exc.args) > 1 else 1
        # The csv module's own words stay English: they are its message, not ours.
        raise failure(
            SourceError,
            "source_error.map.bad_csv",
            path=where,
            line=str(line),
            detail=str(exc.args[0]),
        ) from exc
    if not rows:
        raise failure(SourceError, "source_error.map.empty", path=where)
    names = [
        "match" if fold_key(title) in _MATCH_HEADERS else HEADER_ALIASES.get(fold_key(title))
        for title in rows[0][1]
    ]
    if "match" not in names or "practice_id" not in names:
        raise failure(SourceError, "source_error.map.columns", path=where)
    rules, problems = [], []
    seen: dict[str, int] = {}
    for number, cells in rows[1:]:
        row = {name: cell.strip() for name, cell in zip(names, cells, strict=False) if name}
        match, finess = row.get("match", ""), row.get("practice_id", "")
        line = str(number)
        if not match:
            problems.append(phrase("source_error.map.match_empty", path=where, line=line))
        elif (fault := finess_fault(finess)) is not None:
            problems.append(
                phrase(
                    "source_error.map.bad_finess", path=where, line=line, reason=phrase(fault.value)
                )
            )
        elif (first := seen.setdefault(fold_key(match), number)) != number:
            problems.append(
                phrase(
                    "source_error.map.mapped_twice",
                    path=where,
                    line=line,
                    match=repr(match),
                    first=str(first),
                )
            )
        else:
            rules.append(
                PracticeRule(fold_key(match), Practice(finess, row.get("practice_name", "")))
            )
    if problems:
        raise failure(SourceError, "source_error.map.bad", problems=_lines(problems))
    return tuple(rules)


def _lines(problems: list[Phrase]) -> Phrase:
    """One problem a line, joined in halves so that thousands of them nest only log2 deep."""
    if len(problems) == 1:
        return problems[0]
    half = len(problems) // 2
    return phrase(
        "source_error.map.lines", first=_lines(problems[:half]), rest=_lines(problems[half:])
    )
