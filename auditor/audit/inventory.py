"""Reading every inventory file into one list of accounts, or every reason why not."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from auditor.collector import paused
from auditor.errors import AuditorError
from auditor.i18n import Catalog, machine_english
from auditor.i18n.phrase import Joiner, Phrase, Series, phrase
from auditor.models import Account, OtherEntry, RowProblem, location
from auditor.policy import Policy, Portal
from auditor.report import LeftOut
from auditor.sources import (
    CsvInventory,
    ExcelInventory,
    InventorySource,
    LoadResult,
    ManagerExport,
    SourceOptions,
    open_inventory,
)


class NoAccountProblem(RowProblem):
    """A whole inventory file that yields no account, shown as ``file: no account found (why)``."""

    def text(self, words: Catalog) -> str:
        """The file and why it gave no account, in the language of ``words``."""
        return words.t("problem.in_file", where=location(self.path, None, None), reason=self.reason)


class InvalidInventoryError(AuditorError):
    """Inventory rows cannot be audited, or a file has no account; every problem is listed."""

    def __init__(
        self, problems: Sequence[RowProblem], no_account: Sequence[NoAccountProblem] = ()
    ) -> None:
        self.problems = (*problems, *no_account)
        if no_account:
            # Not "fix them, or pass --skip-invalid": skipping cannot make an
            # audit of nothing a clean run.
            said = _counted("problem.files_without_account", len(no_account))
        else:
            said = _counted("problem.invalid_inventory", len(self.problems))
        super().__init__(machine_english().text(said), phrase=said)


@dataclass(frozen=True)
class Inventory:
    """The accounts read from every inventory file, and the rows left out."""

    accounts: tuple[Account, ...]
    skipped: tuple[RowProblem, ...]
    paths: tuple[str, ...]
    left_out: tuple[LeftOut, ...] = ()
    """Per vault, the entries that match no portal (without ``--all-entries``)."""
    portals: tuple[Portal, ...] = ()
    """Sites outside the policy that ``--all-entries`` audits."""
    copies: tuple[Account, ...] = ()
    """Vault entries repeating an account of ``accounts`` (same login and owner): derived
    with them, then merged or reported as conflicting (``audit/copies.py``)."""
    others: tuple[OtherEntry, ...] = ()
    """Entries of no portal, whose passwords are only compared with the portals'."""

    def audit_policy(self, policy: Policy) -> Policy:
        """The policy, with the sites of ``--all-entries`` as portals without rules."""
        known = {portal.id for portal in policy.portals}
        extra = tuple(portal for portal in self.portals if portal.id not in known)
        return replace(policy, portals=policy.portals + extra) if extra else policy


def read_inventories(
    paths: Iterable[Path],
    policy: Policy,
    as_of: date,
    *,
    skip_invalid: bool,
    options: SourceOptions | None = None,
) -> Inventory:
    """Read every file; raise ``InvalidInventoryError`` with all problems unless skipping them.

    A file that yields no account is always an error, even when skipping invalid
    rows: a scheduled audit whose export broke must not go green.

    The collector is off meanwhile (``collector.paused``): the accounts, origins and
    secrets read hold no cycle, and its passes over them as they piled up were half
    of this process's time reading 100,000 rows (1.4 of 2.9 s).
    """
    with paused():
        inventory = _read_all(paths, policy, as_of, skip_invalid=skip_invalid, options=options)
    if gc.isenabled():
        # One pass over what the pause made (all of it is young): the cycles a source
        # left behind (a workbook and its sheets) are freed now, not frozen with the
        # accounts for the whole audit (``collector.frozen``).
        gc.collect(0)
    return inventory


def _read_all(
    paths: Iterable[Path],
    policy: Policy,
    as_of: date,
    *,
    skip_invalid: bool,
    options: SourceOptions | None,
) -> Inventory:
    accounts: list[Account] = []
    sheets: set[int] = set()
    """Indexes in ``accounts`` of rows read from a sheet (CSV or Excel inventory)."""
    problems: list[RowProblem] = []
    no_account: list[NoAccountProblem] = []
    labels = []
    left_out = []
    portals: dict[str, Portal] = {}
    others: list[OtherEntry] = []
    for path in paths:
        source = open_inventory(path, options)
        result = source.load(policy, as_of)
        if isinstance(source, CsvInventory | ExcelInventory):
            sheets.update(range(len(accounts), len(accounts) + len(result.accounts)))
        accounts += result.accounts
        problems += result.problems
        labels.append(source.path)
        if not result.accounts:
            reason = phrase("problem.no_account", why=_why_no_account(source, result))
            no_account.append(NoAccountProblem(source.path, None, "-", reason))
        if result.left_out:
            left_out.append(LeftOut(source.path, result.left_out, result.near_misses))
        for portal in result.portals:
            portals.setdefault(portal.id, portal)
        others += result.others
    accounts, copies, duplicates = _without_duplicates(accounts, sheets)
    problems += duplicates
    if no_account or (problems and not skip_invalid):
        raise InvalidInventoryError(problems, no_account)
    return Inventory(
        tuple(accounts),
        tuple(problems),
        tuple(labels),
        left_out=tuple(left_out),
        portals=tuple(portals.values()),
        copies=tuple(copies),
        others=tuple(others),
    )


def _counted(key: str, count: int) -> Phrase:
    """A count said with its plural, its digits as written so far (``1234 problems``)."""
    return phrase(key, n=count, count=str(count))


def _why_no_account(source: InventorySource, result: LoadResult) -> Phrase | Series:
    """Why a file gave no account, in words; its problems, if any, are listed before."""
    problems = result.problems
    sheet = isinstance(source, CsvInventory | ExcelInventory | ManagerExport)
    if problems and all(p.line in (1, None) and p.entry is None for p in problems):
        # The first line (or the whole file) could not be read: nothing after it was.
        if len(problems) == 1 and problems[0].column == "-":
            return problems[0].reason
        return phrase("problem.header_unusable")
    reasons: list[Phrase] = []
    if problems:
        reasons.append(
            phrase("problem.every_row_invalid" if sheet else "problem.every_entry_invalid")
        )
    if result.left_out:
        reasons.append(_counted("problem.entries_left_out", result.left_out))
    if not reasons:
        reasons.append(phrase("problem.only_header" if sheet else "problem.no_login_entry"))
    return Series(tuple(reasons), Joiner.CLAUSES)


def _without_duplicates(
    accounts: list[Account], sheets: set[int]
) -> tuple[list[Account], list[Account], list[RowProblem]]:
    """The first account of each login and owner, the vault copies of them, and the repeats.

    A repeat involving a sheet (``sheets``: indexes of CSV or Excel rows) is a
    problem: a sheet is typed by hand, so a second row is a mistake to fix. Vaults
    and password-manager exports often hold copies (an "Archive" folder, one entry
    per counter); those are kept, to be compared once their passwords are derived.
    """
    first: dict[tuple[str, str, str, str], int] = {}
    kept: list[Account] = []
    copies: list[Account] = []
    problems: list[RowProblem] = []
    for index, account in enumerate(accounts):
        seen = first.setdefault(account.entry_key, index)
        if seen == index:
            kept.append(account)
            continue
        if seen not in sheets and index not in sheets:
            copies.append(account)
            continue
        origin = account.origin
        problems.append(
            RowProblem(
                origin.path,
                origin.line,
                "-",
                phrase("problem.duplicate_of", first=str(accounts[seen].origin)),
                entry=origin.entry,
            )
        )
    return kept, copies, problems
