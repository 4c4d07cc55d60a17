"""What ``portal-audit history`` prints: runs, then per practice its trend and latest changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from auditor.history.model import RunSummary, TrendPoint
from auditor.history.store import History
from auditor.i18n import Catalog, Lang, Rendered, catalog
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


def _day(words: Catalog, day: date) -> str:
    # English keeps the ISO days it always printed (scripts read them); French writes 22/11/2026.
    return day.isoformat() if words.lang is Lang.EN else words.short_day(day)


def history_text(view: HistoryView, words: Catalog | None = None) -> str:
    """The view for people, in ``words``' language (English by default): a table of runs,
    then per practice its trend and latest changes."""
    words = words or catalog(Lang.EN)
    if not view.runs:
        return words.t("history.empty", path=view.path) + "\n"
    out = [words.t("history.title", path=view.path), "", words.t("history.runs")]
    for run in view.runs:
        out.append(
            "  "
            + words.t(
                "history.run",
                id=str(run.id),
                as_of=Rendered(_day(words, run.as_of)),
                recorded_at=run.recorded_at,
                practices=words.t("history.practices", n=run.practices),
                accounts=words.t("history.accounts", n=run.accounts),
                findings=words.t("history.open_findings", n=run.findings),
                state=Rendered("" if run.complete else words.t("history.incomplete")),
                tool=run.tool_version,
                policy=run.policy_digest,
                inventory=run.inventory_digest,
            )
        )
    labels = {
        "new": words.t("history.label.new"),
        "fixed": words.t("history.label.fixed"),
        "gone": words.t("history.label.gone"),
    }
    width = max(len(label) for label in labels.values())
    for practice in view.practices:
        points = practice.trend
        out += ["", f"{practice.id} {practice.name}".rstrip()]
        runs = ", ".join("#" + str(p.run_id) for p in points)
        totals = _arrow(points, {p.run_id: p.total for p in points})
        out.append("  " + words.t("history.trend", runs=runs, counts=totals))
        urgent = {p.run_id: p.counts[Severity.CRITICAL] for p in points}
        out.append("  " + words.t("history.critical", counts=_arrow(points, urgent)))
        latest = practice.latest
        if latest.previous_run is None:
            out.append("  " + words.t("history.first", id=str(points[-1].run_id)))
            continue
        out.append(
            "  "
            + words.t(
                "history.against",
                id=str(points[-1].run_id),
                previous=str(latest.previous_run),
                new=words.t("history.new", n=len(latest.new)),
                fixed=words.t("history.fixed", n=len(latest.fixed)),
                gone=words.t("history.gone", n=len(latest.gone)),
            )
        )
        for kind, keys in (("new", latest.new), ("fixed", latest.fixed), ("gone", latest.gone)):
            out += [f"    {labels[kind]:<{width}} {key}" for key in keys]
    return "\n".join(out) + "\n"
