"""Checks on one password's facts: breached, empty, weak, contextual, banned word."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from auditor.checks.interface import CHANGE_ON_PORTAL, Check, CheckContext
from auditor.hibp import Pwned
from auditor.i18n.phrase import Joiner, Phrase, Series, phrase
from auditor.models import CheckId, Finding
from auditor.password.banned import BannedKind
from auditor.password.context import ContextKind
from auditor.password.derive import AuditedAccount

# A check's sentences are built once per distinct value, not once per account: most
# accounts of a group say one of a few sentences (the same score, the same kinds).
_EMPTY = phrase("finding.empty_password")
_CHANGE_STRONGER = phrase("action.weak", change=CHANGE_ON_PORTAL)
_CHANGE_CONTEXTUAL = phrase("action.contextual", change=CHANGE_ON_PORTAL)


class Breached(Check):
    """The password is in Have I Been Pwned: attackers try it first."""

    id = CheckId.BREACHED

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        said: dict[int, Phrase] = {}
        for audited in accounts:
            facts = audited.facts
            if facts is not None and isinstance(facts.breach, Pwned):
                count = facts.breach.count
                if count not in said:
                    said[count] = phrase("finding.breached", count=count)
                yield ctx.finding(self.id, audited, said[count], CHANGE_ON_PORTAL)


class EmptyPassword(Check):
    """The account has no password at all."""

    id = CheckId.EMPTY_PASSWORD

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        for audited in accounts:
            if audited.facts is not None and audited.facts.empty:
                yield ctx.finding(self.id, audited, _EMPTY, CHANGE_ON_PORTAL)


class Weak(Check):
    """Below the policy's strength: zxcvbn score, or CNIL 2022-100 entropy for this portal."""

    id = CheckId.WEAK

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        rules = ctx.policy.strength
        said: dict[tuple[int | None, int | None], Phrase] = {}
        for audited in accounts:
            facts = audited.facts
            if facts is None or facts.empty:
                continue
            portal = ctx.portal(audited.account.portal)
            required = (
                rules.min_entropy_bits_limited if portal.limits_attempts else rules.min_entropy_bits
            )
            score = facts.strength.zxcvbn_score
            # CNIL's own examples round 12 characters of 99 symbols (79.6 bits) to
            # 80, so the comparison is on the rounded value. The exact bits and
            # the length are not written: they would tell an attacker the size.
            short = round(facts.strength.entropy_bits) < required
            key = (score if score < rules.min_zxcvbn_score else None, required if short else None)
            if key == (None, None):
                continue
            if key not in said:
                said[key] = _weak(key, rules.min_zxcvbn_score)
            yield ctx.finding(self.id, audited, said[key], _CHANGE_STRONGER)


def _weak(key: tuple[int | None, int | None], minimum: int) -> Phrase:
    """Why a password is weak: its guessable score, its entropy below ``required``, or both."""
    score, required = key
    reasons = []
    if score is not None:
        reasons.append(phrase("finding.weak_reason.guessable", score=score, minimum=minimum))
    if required is not None:
        reasons.append(phrase("finding.weak_reason.entropy", bits=required))
    return phrase("finding.weak", reasons=Series(tuple(reasons), Joiner.CLAUSES))


class Contextual(Check):
    """The password contains a name an attacker would try for this account."""

    id = CheckId.CONTEXTUAL

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        said: dict[frozenset[ContextKind], Phrase] = {}
        for audited in accounts:
            facts = audited.facts
            if facts is None or not facts.context:
                continue
            if facts.context not in said:
                kinds = tuple(kind.phrase for kind in ContextKind if kind in facts.context)
                said[facts.context] = phrase("finding.contextual", kinds=Series(kinds))
            yield ctx.finding(self.id, audited, said[facts.context], _CHANGE_CONTEXTUAL)


class BannedWord(Check):
    """The password is built on a word attackers of pharmacies and opticians try first."""

    id = CheckId.BANNED_WORD

    def run(self, accounts: Sequence[AuditedAccount], ctx: CheckContext) -> Iterator[Finding]:
        said: dict[frozenset[BannedKind], Phrase] = {}
        for audited in accounts:
            facts = audited.facts
            # A breached password is already said to be tried first, and by `breached`
            # with stronger evidence (this exact password, in the attackers' lists).
            if facts is None or facts.empty or not facts.banned or isinstance(facts.breach, Pwned):
                continue
            kinds = set(facts.banned)
            # Its own portal's name is already said by `contextual`; another
            # portal's name, or any other list, is this check's to say.
            if ContextKind.PORTAL in facts.context:
                kinds.discard(BannedKind.PORTAL)
            if not kinds:
                continue
            found = frozenset(kinds)
            if found not in said:
                # The list is named, never the word: the word is a piece of the password.
                named = tuple(kind.phrase for kind in BannedKind if kind in found)
                said[found] = phrase("finding.banned_word", kinds=Series(named))
            yield ctx.finding(self.id, audited, said[found], _CHANGE_STRONGER)
