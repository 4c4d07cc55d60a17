"""What ``portal-audit history`` prints: runs, then per practice its trend and latest changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.history.model import RunSummary, TrendPoint
from auditor.history.store import History
from auditor.models import Severity
from auditor.report.changes import PracticeChanges, changes_document


@dataclass(frozen=True)
class PracticeHistory:
    """One practice's findings over its latest runs, and what its latest run changed."""

    id: str
    name: str
    trend: tuple[TrendPoint, ...]
    """Oldest first."""
    latest: PracticeChanges


@dataclass(frozen=True)
class HistoryView:
    """Everything the ``history`` command shows."""

    path: str
    runs: tuple[RunSummary, ...]
    """Newest first."""
    practices: tuple[PracticeHistory, ...]


def history_view(history: History, *, limit: int, practice_id: str | None) -> HistoryView:
    """Read the runs and each practice's trend from the database."""
    names = history.practices()
    chosen = [practice_id] if practice_id else list(names)
    practices = []
    for pid in chosen:
        trend = history.trend(pid, limit)
        if not trend:
            continue
        practices.append(
            PracticeHistory(
                pid, names.get(pid, ""), trend, history.changes_of(trend[-1].run_id, pid)
            )
        )
    return HistoryView(str(history.path), history.runs(limit, practice_id), tuple(practices))


def history_document(view: HistoryView) -> dict[str, Any]:
    """The view as JSON-ready data (schema ``portal-auditor/history/v1``)."""
    return {
        "schema": "portal-auditor/history/v1",
        "database": view.path,
        "runs": [
            {
                "id": run.id,
                "recorded_at": run.recorded_at,
                "as_of": run.as_of.isoformat(),
                "tool_version": run.tool_version,
                "policy_digest": run.policy_digest,
                "inventory_digest": run.inventory_digest,
                "complete": run.complete,
                "practices": run.practices,
                "accounts": run.accounts,
                "findings": run.findings,
            }
            for run in view.runs
        ],
        "practices": [
            {
                "practice_id": practice.id,
                "practice_name": practice.name,
                "trend": [
                    {
                        "run": point.run_id,
                        "as_of": point.as_of.isoformat(),
                        "findings": {s.value: n for s, n in point.counts.items()},
                        "waived": point.waived,
                    }
                    for point in practice.trend
                ],
                "latest": changes_document(practice.latest),
            }
            for practice in view.practices
        ],
    }


def _arrow(points: tuple[TrendPoint, ...], count: Mapping[int, int]) -> str:
    return " → ".join(str(count[point.run_id]) for point in points)


def history_text(view: HistoryView) -> str:
    """The view for people: a table of runs, then per practice its trend and latest changes."""
    if not view.runs:
        return f"No audit recorded yet in {view.path}.\n"
    out = [f"History: {view.path}", "", "Runs, newest first:"]
    for run in view.runs:
        state = "" if run.complete else ", INCOMPLETE"
        out.append(
            f"  #{run.id}  as of {run.as_of.isoformat()}  (recorded {run.recorded_at})  "
            f"{run.practices} practices, {run.accounts} accounts, {run.findings} open findings"
            f"{state}  tool {run.tool_version}, policy {run.policy_digest}, "
            f"inventory {run.inventory_digest}"
        )
    for practice in view.practices:
        points = practice.trend
        out += ["", f"{practice.id} {practice.name}".rstrip()]
        out.append(
            f"  open findings per run ({', '.join('#' + str(p.run_id) for p in points)}): "
            + _arrow(points, {p.run_id: p.total for p in points})
        )
        urgent = {p.run_id: p.counts[Severity.CRITICAL] for p in points}
        out.append(f"  critical: {_arrow(points, urgent)}")
        latest = practice.latest
        if latest.previous_run is None:
            out.append(f"  run #{points[-1].run_id} is its first recorded audit")
            continue
        out.append(
            f"  run #{points[-1].run_id} against #{latest.previous_run}: {len(latest.new)} new, "
            f"{len(latest.fixed)} fixed, {len(latest.gone)} no longer in the inventory"
        )
        for label, keys in (("new", latest.new), ("fixed", latest.fixed), ("gone", latest.gone)):
            out += [f"    {label:<5} {key}" for key in keys]
    return "\n".join(out) + "\n"
