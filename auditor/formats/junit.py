"""The JUnit XML report: one suite per practice, one case per account and check, for CI."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from auditor.formats.describe import gap_text, waiver_text
from auditor.formats.interface import Formatter
from auditor.i18n import Lang, catalog
from auditor.models import CheckId, Severity
from auditor.report import Gap, PracticeReport, Report
from auditor.safetext import plain

# XML 1.0 forbids U+FFFE and U+FFFF; every other control character of an
# inventory value is gone already (``plain``, through the catalogue's escaper).
_NOT_XML = re.compile("[\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


class JunitFormat(Formatter):
    """Findings at or above the threshold fail their test case; lookups that failed are errors.

    GitLab, Jenkins and GitHub's test reporters show failures with their message, so
    each failure carries the finding's reason, action and due date. Findings below
    the threshold leave their case passing and are listed in its output.
    """

    extension = "xml"

    def __init__(self, threshold: Severity | None = Severity.HIGH, lang: Lang = Lang.EN) -> None:
        self.threshold = threshold
        # Names of suites and cases are ids that CI tracks from run to run;
        # the reasons people read follow --lang.
        self.words = catalog(lang).escaped(plain)

    def render(self, report: Report) -> str:
        root = ET.Element("testsuites", name="portal-audit")
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for practice in report.practices:
            suite = self._suite(practice, report)
            root.append(suite)
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
        for key, value in totals.items():
            root.set(key, str(value))
        ET.indent(root)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode")
            + "\n"
        )

    def _fails(self, severity: Severity) -> bool:
        return self.threshold is not None and severity.at_least(self.threshold)

    def _suite(self, practice: PracticeReport, report: Report) -> ET.Element:
        name = plain(f"{practice.practice.id} {practice.practice.name}".strip())
        suite = ET.Element(
            "testsuite", name=_text(name), timestamp=f"{report.as_of.isoformat()}T00:00:00"
        )
        properties = ET.SubElement(suite, "properties")
        for key, value in (
            ("as_of", report.as_of.isoformat()),
            ("complete", str(report.complete).lower()),
            ("breach_check", report.breach_mode.value),
            ("tool_version", report.tool_version),
        ):
            ET.SubElement(properties, "property", name=key, value=value)
        words = self.words
        tests = failures = errors = skipped = 0
        waived = {(w.finding.account, w.finding.check): w.waiver for w in practice.waived}
        for audited in practice.accounts:
            ref = audited.account.ref
            owner = f" ({ref.owner})" if ref.owner else ""
            classname = _text(plain(f"{ref.practice_id}.{ref.portal}.{ref.username}{owner}"))
            found = {finding.check: finding for finding in practice.findings_for(audited)}
            gap = practice.gap(audited)
            for check in CheckId:
                tests += 1
                case = ET.SubElement(suite, "testcase", classname=classname, name=check.value)
                finding = found.get(check)
                waiver = waived.get((ref, check))
                if gap is Gap.LOOKUP_FAILED and check is CheckId.BREACHED:
                    errors += 1
                    error = ET.SubElement(
                        case, "error", type="lookup-failed", message=words.t("junit.lookup_failed")
                    )
                    error.text = words.t("report.incomplete")
                elif finding is not None and self._fails(finding.severity):
                    failures += 1
                    failure = ET.SubElement(
                        case,
                        "failure",
                        type=check.value,
                        message=_text(f"[{finding.severity.value}] {words.text(finding.message)}"),
                    )
                    failure.text = _text(
                        words.text(finding.action)
                        + "\n"
                        + words.t("junit.due", due=words.day(finding.due))
                    )
                elif gap is not None and check in gap.checks:
                    # Not run, so neither passed nor failed: CI shows it skipped, with why.
                    skipped += 1
                    ET.SubElement(case, "skipped", message=_text(gap_text(words, gap)))
                elif waiver is not None:
                    # An accepted risk: CI shows it as skipped, with who accepted it until when.
                    skipped += 1
                    ET.SubElement(case, "skipped", message=_text(waiver_text(words, waiver)))
                elif finding is not None:
                    out = ET.SubElement(case, "system-out")
                    out.text = _text(
                        words.t(
                            "junit.below_threshold",
                            severity=finding.severity.value,
                            message=words.text(finding.message),
                            due=words.day(finding.due),
                        )
                    )
        counts = {"tests": tests, "failures": failures, "errors": errors, "skipped": skipped}
        for key, count in counts.items():
            suite.set(key, str(count))
        return suite
