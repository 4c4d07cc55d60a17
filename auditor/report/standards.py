"""Each account of a practice against each reference (CNIL, NIST, ANSSI, the audit's policy).

Pure: it reads only what the report already holds (the facts derive left, the findings,
waived ones included, and the policy's thresholds in ``Report.standards``). A rule is
met only on evidence; where the evidence is missing the outcome is ``Unknown`` and says why.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never

from auditor.hibp import Clean, Pwned
from auditor.hibp import Unknown as LookupUnknown
from auditor.i18n.phrase import Arg, Phrase, Series, phrase
from auditor.models import CheckId, Finding, Role
from auditor.password.derive import AuditedAccount, LengthBand, NotChecked
from auditor.policy.standards import Measure, PolicyBasis, Reference, Rule, Standards
from auditor.report.model import Gap, PracticeReport


@dataclass(frozen=True)
class Met:
    """The account meets the rule; ``reason`` is the evidence."""

    reason: Phrase


@dataclass(frozen=True)
class NotMet:
    """The account does not meet the rule, and why."""

    reason: Phrase


@dataclass(frozen=True)
class Unknown:
    """Nothing the audit holds tells whether the rule is met (no password, a failed lookup…)."""

    reason: Phrase


@dataclass(frozen=True)
class NotApplicable:
    """The rule does not concern this account (renewal of privileged accounts, for a user)."""

    reason: Phrase


Outcome = Met | NotMet | Unknown | NotApplicable


def outcome_word(outcome: Outcome) -> str:
    """``met``, ``not-met``, ``unknown`` or ``not-applicable``: the JSON's stable words."""
    match outcome:
        case Met():
            return "met"
        case NotMet():
            return "not-met"
        case Unknown():
            return "unknown"
        case NotApplicable():
            return "not-applicable"
        case _:
            assert_never(outcome)


_ORDER = ("not-met", "unknown", "met", "not-applicable")
"""How rules add up for one reference: one rule not met is enough, then any unknown."""


@dataclass(frozen=True)
class RuleResult:
    """One rule, for one account."""

    rule: Rule
    outcome: Outcome


@dataclass(frozen=True)
class AccountStanding:
    """One account against the rules of one reference."""

    audited: AuditedAccount
    results: tuple[RuleResult, ...]

    @functools.cached_property
    def overall(self) -> str:
        """The reference as a whole for this account: the worst of its rules (``outcome_word``)."""
        return overall(self.results)


def overall(results: Sequence[RuleResult]) -> str:
    """A reference as a whole for one account: the worst of its rules (``outcome_word``)."""
    words = {outcome_word(result.outcome) for result in results}
    return next((word for word in _ORDER if word in words), "not-applicable")


@dataclass(frozen=True)
class ReferenceStanding:
    """A reference and where each account of the practice stands against it."""

    reference: Reference
    accounts: tuple[AccountStanding, ...]


_COMPROMISE = (CheckId.BREACHED, CheckId.INCIDENT_ROTATION)
"""Findings that are evidence of compromise: a known breach, an incident on the portal."""

_NOT_A_BREACH = frozenset({CheckId.ROTATION_DUE})
"""``rotation-due`` announces a deadline not passed yet: until then the policy is met."""


_OUTCOMES_KEPT = 4096
"""Distinct outcomes kept, shared by every account that stands alike (most reasons take no
value; the others a count of days, bits or breaches): past this many, they are made anew."""


@functools.lru_cache(maxsize=_OUTCOMES_KEPT)
def _outcome(kind: type[Outcome], key: str, **args: Arg) -> Outcome:
    """One outcome, made once for the thousands of accounts that stand alike.

    A group's report asks for a million of them, and each would build its phrase anew.
    """
    return kind(phrase(key, **args))


_CHECK_ORDER = {check: rank for rank, check in enumerate(CheckId)}
"""The checks in their table's order, which the policy's outcome names them in."""


@functools.lru_cache(maxsize=_OUTCOMES_KEPT)
def _open_findings(checks: tuple[CheckId, ...]) -> Outcome:
    labels = tuple(phrase(f"check.{check.value}") for check in checks)
    return _outcome(NotMet, "references.reason.open_findings", checks=Series(labels))


_LIMITED = phrase("references.case.limited")
_ALONE = phrase("references.case.alone")


def _no_password() -> Outcome:
    return _outcome(Unknown, "references.reason.password_not_recorded")


def _breach_unknown(audited: AuditedAccount) -> Outcome | None:
    """Why "not in a breach" is not known, or None when it is known."""
    facts = audited.facts
    if facts is None:
        return _no_password()
    if isinstance(facts.breach, LookupUnknown):
        return _outcome(Unknown, "references.reason.lookup_failed")
    if isinstance(facts.breach, NotChecked):
        return _outcome(Unknown, "references.reason.breach_skipped")
    return None


class _Account:
    """One account's evidence: its facts, its findings (waived included) and the policy's basis."""

    def __init__(
        self,
        audited: AuditedAccount,
        findings: Sequence[Finding],
        open_findings: Sequence[Finding],
        gap: Gap | None,
        basis: PolicyBasis | None,
    ) -> None:
        self.audited = audited
        self.account = audited.account
        self.facts = audited.facts
        # A waiver accepts a risk for the practice's policy; it does not change what a
        # published text asks, so the references read waived findings too.
        self.checks = frozenset(finding.check for finding in findings)
        self.open = open_findings
        self.gap = gap
        self.basis = basis

    def evaluate(self, measure: Measure) -> Outcome:
        match measure:
            case Measure.ENTROPY_BY_CASE:
                return self._entropy()
            case Measure.PRIVILEGED_RENEWAL:
                return self._privileged_renewal()
            case Measure.CHANGE_ON_COMPROMISE:
                return self._change_on_compromise()
            case Measure.LENGTH_BY_FACTOR:
                return self._length()
            case Measure.BLOCKLIST:
                return self._blocklist()
            case Measure.NO_COMPOSITION_RULE:
                # Nothing in a policy file can require a mix of character types: strength
                # is judged by zxcvbn and by CNIL's entropy, which length alone reaches.
                return _outcome(Met, "references.reason.no_composition")
            case Measure.MFA:
                return self._mfa()
            case Measure.NOT_REUSED:
                return self._not_reused()
            case Measure.POLICY_FINDINGS:
                return self._policy()
            case _:
                assert_never(measure)

    def _entropy(self) -> Outcome:
        if self.basis is None:
            return _outcome(Unknown, "references.reason.no_policy")
        facts = self.facts
        if facts is None:
            return _no_password()
        portal = self.account.portal
        case = _LIMITED if portal in self.basis.limits_attempts else _ALONE
        if facts.empty:
            return _outcome(NotMet, "references.reason.empty")
        bits = self.basis.required_bits(portal)
        # Rounded as the Weak check and CNIL's own examples do; the bits are not written.
        if round(facts.strength.entropy_bits) >= bits:
            return _outcome(Met, "references.reason.entropy_met", bits=bits, case=case)
        return _outcome(NotMet, "references.reason.entropy_not_met", bits=bits, case=case)

    def _privileged_renewal(self) -> Outcome:
        if self.account.role is not Role.ADMIN:
            return _outcome(NotApplicable, "references.reason.not_privileged")
        if CheckId.ROTATION_OVERDUE in self.checks:
            return _outcome(NotMet, "references.reason.renewal_overdue")
        if self.basis is None:
            return _outcome(Unknown, "references.reason.no_policy")
        max_age = self.basis.admin_max_age.get(self.account.portal)
        if max_age is None:
            return _outcome(NotMet, "references.reason.no_renewal_set")
        if self.account.password_changed is None:
            return _outcome(Unknown, "references.reason.age_unknown")
        return _outcome(Met, "references.reason.renewed_within", n=max_age)

    def _change_on_compromise(self) -> Outcome:
        if CheckId.PHISHED in self.checks:
            return _outcome(NotMet, "references.reason.phished")
        if CheckId.BREACHED in self.checks:
            return _outcome(NotMet, "references.reason.breached")
        if CheckId.INCIDENT_ROTATION in self.checks:
            return _outcome(NotMet, "references.reason.incident")
        if self.facts is not None and self.facts.empty:
            return _outcome(NotMet, "references.reason.empty")
        if (unknown := _breach_unknown(self.audited)) is not None:
            return unknown
        return _outcome(Met, "references.reason.no_compromise")

    def _length(self) -> Outcome:
        facts = self.facts
        if facts is None:
            return _no_password()
        if facts.empty:
            return _outcome(NotMet, "references.reason.empty")
        band = facts.length_band
        if band is None:
            return _outcome(Unknown, "references.reason.length_unknown")
        match band:
            case LengthBand.SINGLE:
                return _outcome(Met, "references.reason.length_single")
            case LengthBand.BELOW_MULTI:
                return _outcome(NotMet, "references.reason.length_below_multi")
            case LengthBand.MULTI_ONLY:
                if self.account.mfa is True:
                    return _outcome(Met, "references.reason.length_with_mfa")
                if self.account.mfa is False:
                    return _outcome(NotMet, "references.reason.length_needs_mfa")
                return _outcome(Unknown, "references.reason.length_mfa_unknown")
            case _:
                assert_never(band)

    def _blocklist(self) -> Outcome:
        facts = self.facts
        if facts is None:
            return _no_password()
        if facts.empty:
            return _outcome(NotMet, "references.reason.empty")
        if isinstance(facts.breach, Pwned):
            return _outcome(NotMet, "references.reason.in_breaches", count=facts.breach.count)
        if facts.context:
            return _outcome(NotMet, "references.reason.context_words")
        if (unknown := _breach_unknown(self.audited)) is not None:
            return unknown
        assert isinstance(facts.breach, Clean)  # noqa: S101 - the other outcomes returned above
        return _outcome(Met, "references.reason.not_listed")

    def _mfa(self) -> Outcome:
        mfa = self.account.mfa
        if mfa is True:
            return _outcome(Met, "references.reason.mfa_on")
        if mfa is None:
            return _outcome(Unknown, "references.reason.mfa_unknown")
        offered = self.basis is not None and self.account.portal in self.basis.mfa_offered
        return _outcome(
            NotMet, "references.reason.mfa_off" if offered else "references.reason.mfa_off_portal"
        )

    def _not_reused(self) -> Outcome:
        if self.facts is None:
            return _no_password()
        if CheckId.REUSED in self.checks:
            return _outcome(NotMet, "references.reason.reused")
        if CheckId.REUSED_ELSEWHERE in self.checks:
            return _outcome(NotMet, "references.reason.reused_elsewhere")
        return _outcome(Met, "references.reason.not_reused")

    def _policy(self) -> Outcome:
        breaches = sorted(
            {f.check for f in self.open if f.check not in _NOT_A_BREACH},
            key=_CHECK_ORDER.__getitem__,
        )
        if breaches:
            return _open_findings(tuple(breaches))
        match self.gap:
            case None:
                return _outcome(Met, "references.reason.no_open_finding")
            case Gap.PASSWORD_NOT_RECORDED:
                return _no_password()
            case Gap.LOOKUP_FAILED:
                return _outcome(Unknown, "references.reason.lookup_failed")
            case Gap.BREACH_CHECK_SKIPPED:
                return _outcome(Unknown, "references.reason.breach_skipped")
            case _:
                assert_never(self.gap)


def standings(
    practice: PracticeReport, basis: PolicyBasis | None, standards: Standards
) -> tuple[ReferenceStanding, ...]:
    """Every reference, and each of the practice's accounts against each of its rules.

    The last practice's are kept: ``--out`` writes a practice's JSON and HTML one after
    the other, and both ask. Only one practice's: a group's would hold a million results.
    """
    last = _LAST
    if last.practice is practice and last.basis is basis and last.standards is standards:
        return last.found
    found = _standings(practice, basis, standards)
    # Compared by identity, and held: no other practice can take this one's place unseen.
    last.practice, last.basis, last.standards, last.found = practice, basis, standards, found
    return found


@dataclass
class _Kept:
    """The practice, basis and standards last asked for, and their standings."""

    practice: PracticeReport | None = None
    basis: PolicyBasis | None = None
    standards: Standards | None = None
    found: tuple[ReferenceStanding, ...] = ()


_LAST = _Kept()


def _standings(
    practice: PracticeReport, basis: PolicyBasis | None, standards: Standards
) -> tuple[ReferenceStanding, ...]:
    waived: dict[object, list[Finding]] = {}
    for excused in practice.waived:
        waived.setdefault(excused.finding.account, []).append(excused.finding)
    evidence = []
    for audited in practice.accounts:
        if audited.account.imitates is not None:
            continue  # an entry saved on a lookalike site: no account to hold to a standard
        ref = audited.account.ref
        found = practice.findings_for(audited)
        evidence.append(
            _Account(audited, (*found, *waived.get(ref, ())), found, practice.gap(audited), basis)
        )
    return tuple(
        ReferenceStanding(
            reference,
            tuple(
                AccountStanding(
                    account.audited,
                    tuple(
                        RuleResult(rule, account.evaluate(rule.measure)) for rule in reference.rules
                    ),
                )
                for account in evidence
            ),
        )
        for reference in standards.references
    )
