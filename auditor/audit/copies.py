"""Vault copies of one login, once derived: merged when they agree, kept apart when they differ."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from auditor.password.derive import AuditedAccount
from auditor.report import Unchecked, coverage


def merged_copies(audited: Sequence[AuditedAccount]) -> tuple[AuditedAccount, ...]:
    """One account per login and owner, in the order first read.

    Entries of one login are compared by the ``reuse_key`` derive computed: equal
    keys mean equal passwords. No password is compared here, nor anywhere outside
    ``password/``: the keyed fingerprint is all this needs, and it cannot give a
    password back. Entries with the same password (or none recorded) become one
    account whose origin names the others. Entries with other passwords stay
    apart, as the account's ``conflicting`` entries, each checked like an account
    and reported on it (the ``conflicting-entries`` check says they disagree).
    """
    logins: dict[tuple[str, str, str, str], list[AuditedAccount]] = defaultdict(list)
    for one in audited:
        logins[one.account.entry_key].append(one)
    return tuple(_one_login(copies) for copies in logins.values())


def _one_login(copies: Sequence[AuditedAccount]) -> AuditedAccount:
    """The account standing for every entry of one login."""
    if len(copies) == 1:
        return copies[0]
    by_password: dict[bytes, list[AuditedAccount]] = defaultdict(list)
    unrecorded = []
    for copy in copies:
        if copy.facts is None:
            unrecorded.append(copy)
        else:
            by_password[copy.facts.reuse_key].append(copy)
    if not by_password:
        return _agreeing(unrecorded)
    kept = [_agreeing(same) for same in by_password.values()]
    at = min(range(len(kept)), key=lambda index: _shown_first(kept[index], index))
    shown = kept[at]
    others = tuple(_as(one, shown) for index, one in enumerate(kept) if index != at)
    # An entry without a password disagrees with none: it is named with the shown one.
    shown = _agreeing([shown, *unrecorded])
    return replace(shown, conflicting=others)


def _agreeing(same: Sequence[AuditedAccount]) -> AuditedAccount:
    """The first of entries that agree, naming the others, its password as old as the oldest."""
    first, *others = same
    if not others:
        return first
    account = first.account
    origin = replace(
        account.origin, also_in=(*account.origin.also_in, *(o.account.origin for o in others))
    )
    account = replace(account, origin=origin)
    # The same password was in each entry by that entry's date, so it is at least
    # as old as the oldest of them (an archived copy may predate an incident).
    dated = [one.account for one in same if one.facts is not None and one.account.password_changed]
    if dated:
        oldest = min(dated, key=lambda a: a.password_changed or date.max)
        account = replace(
            account,
            password_changed=oldest.password_changed,
            changed_approximate=oldest.changed_approximate,
        )
    facts = first.facts
    if facts is not None:
        # Each entry has its own history: the password was recycled if any says so.
        known = [one.facts for one in same if one.facts is not None]
        facts = replace(
            facts,
            recycled=any(f.recycled for f in known),
            predictable_rotation=any(f.predictable_rotation for f in known),
        )
    return replace(first, account=account, facts=facts)


def _shown_first(one: AuditedAccount, order: int) -> tuple[int, int, int]:
    """Which of a login's differing entries the report shows.

    An entry whose lookup failed comes first, so the report says what was not
    checked; then the latest change (the likeliest current password); then the
    order read.
    """
    changed = one.account.password_changed
    gap = isinstance(coverage(one), Unchecked)
    return (0 if gap else 1, -(changed or date.min).toordinal(), order)


def _as(copy: AuditedAccount, shown: AuditedAccount) -> AuditedAccount:
    """A differing entry under the shown account's name, so its findings name that account."""
    named = shown.account
    return replace(
        copy,
        account=replace(
            copy.account,
            practice=named.practice,
            portal=named.portal,
            username=named.username,
            owner=named.owner,
        ),
    )
