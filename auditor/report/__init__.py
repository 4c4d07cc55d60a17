"""The report model: per practice, the accounts audited, their findings, changes and waivers.

Every output (formats, reminders, history) reads a ``Report`` and nothing else;
``model`` holds it, ``changes`` compares it with the previous run, ``waivers``
sets aside the findings a policy excuses, ``anonymize`` makes the copy sent to others.
"""

from auditor.report.anonymize import Anonymized, Pseudonym, anonymized
from auditor.report.model import (
    PASSWORD_CHECKS,
    REPORT_SCHEMA,
    BreachMode,
    Checked,
    Coverage,
    Gap,
    LeftOut,
    PracticeReport,
    Report,
    Unchecked,
    coverage,
    most_urgent,
)

__all__ = [
    "PASSWORD_CHECKS",
    "REPORT_SCHEMA",
    "Anonymized",
    "BreachMode",
    "Checked",
    "Coverage",
    "Gap",
    "LeftOut",
    "PracticeReport",
    "Pseudonym",
    "Report",
    "Unchecked",
    "anonymized",
    "coverage",
    "most_urgent",
]
