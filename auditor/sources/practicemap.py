"""The practice mapping file (``--practice-map``): which folder or export is which practice."""

from __future__ import annotations

import csv
from pathlib import Path

from auditor.finess import finess_problem
from auditor.models import Practice
from auditor.sources.delimited import decode, sniff_delimiter
from auditor.sources.interface import PracticeRule, SourceError
from auditor.sources.table import HEADER_ALIASES
from auditor.text import fold_key

_MATCH_HEADERS = {fold_key(name) for name in ("match", "dossier", "groupe", "fichier", "folder")}


def load_practice_map(path: Path) -> tuple[PracticeRule, ...]:
    """Read ``match,practice_id[,practice_name]`` rows (French headers accepted), all checked."""
    try:
        text = decode(path.read_bytes(), str(path))
    except OSError as exc:
        raise SourceError(f"{path}: cannot read the practice map: {exc.strerror}") from exc
    lines = text.splitlines()
    delimiter = sniff_delimiter(lines[0]) if lines else None
    if delimiter is None:
        raise SourceError(
            f"{path}:1: the practice map needs a header line: match,practice_id,practice_name"
        )
    rows = list(csv.reader(lines, delimiter=delimiter))
    names = [
        "match" if fold_key(title) in _MATCH_HEADERS else HEADER_ALIASES.get(fold_key(title))
        for title in rows[0]
    ]
    if "match" not in names or "practice_id" not in names:
        raise SourceError(
            f"{path}:1: the practice map needs the columns match and practice_id (FINESS)"
        )
    rules, problems = [], []
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
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
