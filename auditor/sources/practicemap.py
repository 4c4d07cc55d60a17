"""The practice mapping file (``--practice-map``): which folder or export is which practice."""

from __future__ import annotations

import csv
from pathlib import Path

from auditor.finess import finess_problem
from auditor.models import Practice
from auditor.sources.delimited import first_line, read_text, records, sniff_delimiter
from auditor.sources.interface import PracticeRule, SourceError
from auditor.sources.table import HEADER_ALIASES
from auditor.text import fold_key

_MATCH_HEADERS = {fold_key(name) for name in ("match", "dossier", "groupe", "fichier", "folder")}


def load_practice_map(path: Path) -> tuple[PracticeRule, ...]:
    """Read ``match,practice_id[,practice_name]`` rows (French headers accepted), all checked."""
    text = read_text(path, "practice map")
    delimiter = sniff_delimiter(first_line(text))
    if delimiter is None:
        raise SourceError(
            f"{path}:1: the practice map needs a header line: match,practice_id,practice_name"
        )
    try:
        rows = list(records(text, delimiter))
    except csv.Error as exc:
        line = exc.args[1] if len(exc.args) > 1 else 1
        raise SourceError(f"{path}:{line}: bad CSV: {exc.args[0]}") from exc
    if not rows:
        raise SourceError(f"{path}:1: the practice map is empty")
    names = [
        "match" if fold_key(title) in _MATCH_HEADERS else HEADER_ALIASES.get(fold_key(title))
        for title in rows[0][1]
    ]
    if "match" not in names or "practice_id" not in names:
        raise SourceError(
            f"{path}:1: the practice map needs the columns match and practice_id (FINESS)"
        )
    rules, problems = [], []
    seen: dict[str, int] = {}
    for number, cells in rows[1:]:
        row = {name: cell.strip() for name, cell in zip(names, cells, strict=False) if name}
        match, finess = row.get("match", ""), row.get("practice_id", "")
        if not match:
            problems.append(f"{path}:{number}: match: empty")
        elif (reason := finess_problem(finess)) is not None:
            problems.append(f"{path}:{number}: practice_id: {reason}")
        elif (first := seen.setdefault(fold_key(match), number)) != number:
            problems.append(f"{path}:{number}: match: {match!r} is already mapped on line {first}")
        else:
            rules.append(
                PracticeRule(fold_key(match), Practice(finess, row.get("practice_name", "")))
            )
    if problems:
        raise SourceError("bad practice map:\n" + "\n".join(problems))
    return tuple(rules)
