"""The checks and the report of a generated group are what they were before their costs were cut.

The digests below were taken on the code before issue 17's cuts to the checks, the report
and the history (commit cdaf294): any change to a finding, its order, its words or the
report's grouping changes them. A deliberate change of output regenerates them, and says so.
"""

from __future__ import annotations

import hashlib

from auditor.audit.inventory import Inventory
from auditor.audit.pipeline import build_report
from auditor.checks import CheckContext, run_checks
from auditor.formats.csvfmt import CsvFormat
from auditor.formats.jsonfmt import JsonFormat
from auditor.policy import Policy
from auditor.report import BreachMode
from tests.checks.generated import AS_OF, generated_group, waived_policy

FINDINGS_DIGEST = "6adc1ce84e23dbe366657226a4cd6d40eb0860f45403ca414a57be758d7af6eb"
REPORT_DIGEST = "34471e80c8f5cef04d517107be7f6664e4ba4dc1185807ed53ab91788bdeeb44"


def _digest(parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_the_generated_groups_findings_are_unchanged(policy: Policy) -> None:
    accounts = generated_group(policy)
    findings = run_checks(accounts, CheckContext(policy, AS_OF))
    assert len(findings) > 3000
    assert len({f.check for f in findings}) >= 12
    assert _digest(findings) == FINDINGS_DIGEST


def test_the_generated_groups_report_is_unchanged(policy: Policy) -> None:
    policy = waived_policy(policy)
    accounts = generated_group(policy)
    inventory = Inventory(accounts=(), skipped=(), paths=("inventory.csv",))
    report = build_report(
        accounts, inventory, policy, AS_OF, breach_mode=BreachMode.OFFLINE, breach_source="corpus"
    )
    assert report.waived
    shape = [
        (
            practice.practice,
            [a.account.ref for a in practice.accounts],
            practice.findings,
            practice.waived,
            sorted(practice.renew_by.items(), key=repr),
        )
        for practice in report.practices
    ]
    rendered = JsonFormat().render(report) + CsvFormat().render(report)
    assert _digest((shape, report.expired_waivers, rendered)) == REPORT_DIGEST
