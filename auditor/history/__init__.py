"""The audit history: each run and its findings by fingerprint, in a local SQLite database."""

from auditor.history.digest import inventory_digest, policy_digest
from auditor.history.model import RecordedRun, RunSummary, TrendPoint
from auditor.history.schema import SCHEMA_VERSION, HistoryError
from auditor.history.store import History, default_path
from auditor.report.changes import FindingKey, PracticeChanges

__all__ = [
    "SCHEMA_VERSION",
    "FindingKey",
    "History",
    "HistoryError",
    "PracticeChanges",
    "RecordedRun",
    "RunSummary",
    "TrendPoint",
    "default_path",
    "inventory_digest",
    "policy_digest",
]
