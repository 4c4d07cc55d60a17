"""The audit pipeline: inventories → accounts → the secret boundary → checks → report → exit code.

``audited(request)`` runs it end to end (``pipeline``): it reads the inventories
(``inventory``), opens the breach source the request names (``breach``), derives
and checks every account, records the run in the history and returns the report.
The command line only builds the ``AuditRequest`` and picks the exit code
(``outcome``).
"""

from auditor.audit.inventory import (
    InvalidInventoryError,
    Inventory,
    NoAccountProblem,
    read_inventories,
)
from auditor.audit.outcome import ExitCode, FailOn, exit_code
from auditor.audit.pipeline import AskSecret, ShowProgress, audited, build_report, run_audit
from auditor.audit.request import Audited, AuditRequest

__all__ = [
    "AskSecret",
    "AuditRequest",
    "Audited",
    "ExitCode",
    "FailOn",
    "InvalidInventoryError",
    "Inventory",
    "NoAccountProblem",
    "ShowProgress",
    "audited",
    "build_report",
    "exit_code",
    "read_inventories",
    "run_audit",
]
