"""The pipeline itself: accounts → derive → checks → report, and a request run end to end."""

from __future__ import annotations

import contextlib
import logging
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

from auditor import __version__
from auditor.audit.breach import breach_source
from auditor.audit.copies import merged_copies
from auditor.audit.inventory import Inventory, read_inventories
from auditor.audit.request import Audited, AuditRequest
from auditor.checks import CheckContext, renewal_deadline, run_checks
from auditor.collector import frozen, paused
from auditor.hibp import BreachSource, RangeCache
from auditor.history import History, RecordedRun
from auditor.i18n.logged import logged
from auditor.i18n.phrase import phrase
from auditor.models import Finding, location
from auditor.password.derive import (
    AuditedAccount,
    SiteUse,
    derive,
    new_run_key,
    site_uses,
    start_workers,
)
from auditor.policy import Policy, load_policy
from auditor.policy.standards import policy_basis
from auditor.progress import ProgressDisplay
from auditor.report import BreachMode, PracticeReport, Report
from auditor.report.priority import prioritised
from auditor.report.waivers import Waived, apply_waivers
from auditor.sources import SourceOptions, Unlock, load_practice_map

logger = logging.getLogger(__name__)

AskSecret = Callable[[Unlock, Path], str]
"""Gives the password that opens a vault (from a file, the environment or a prompt)."""
ShowProgress = Callable[[], AbstractContextManager[ProgressDisplay]]
"""Opens the progress display, around the lookups and scoring only (a prompt comes before)."""


def _no_progress() -> AbstractContextManager[ProgressDisplay]:
    return contextlib.nullcontext(ProgressDisplay())


def build_report(
    audited: Sequence[AuditedAccount],
    inventory: Inventory,
    policy: Policy,
    as_of: date,
    *,
    breach_mode: BreachMode,
    breach_source: str,
    sites: tuple[SiteUse, ...] = (),
) -> Report:
    """Run every check and group accounts and findings per practice, in stable order.

    ``sites`` are the vaults' entries of no portal, as fingerprints under the run key
    that derived ``audited``.

    The cyclic collector is paused meanwhile (``collector.paused``): the findings, their
    sentences and the practices' records hold no cycle.
    """
    with paused():
        ctx = CheckContext(policy, as_of, sites)
        waivers = apply_waivers(run_checks(audited, ctx), policy.waivers, as_of)
        members: dict[str, list[AuditedAccount]] = defaultdict(list)
        for account in audited:
            members[account.account.practice.id].append(account)
        found: dict[str, list[Finding]] = defaultdict(list)
        for finding in waivers.active:  # already in stable order
            found[finding.account.practice_id].append(finding)
        waived: dict[str, list[Waived]] = defaultdict(list)
        for excused in waivers.waived:
            waived[excused.finding.account.practice_id].append(excused)
        practices = []
        for practice_id in sorted(members):
            accounts = sorted(
                members[practice_id],
                key=lambda a: (
                    a.account.portal,
                    a.account.username.casefold(),
                    a.account.owner or "",
                ),
            )
            practices.append(
                PracticeReport(
                    practice=accounts[0].account.practice,
                    accounts=tuple(accounts),
                    findings=prioritised(found[practice_id], accounts),
                    waived=tuple(waived[practice_id]),
                    renew_by={
                        ctx.ref(a): deadline  # the findings' own names of the accounts
                        for a in accounts
                        if (deadline := renewal_deadline(a, ctx)) is not None
                    },
                )
            )
        return Report(
            tool_version=__version__,
            as_of=as_of,
            breach_mode=breach_mode,
            breach_source=breach_source,
            practices=tuple(practices),
            skipped_rows=inventory.skipped,
            left_out=inventory.left_out,
            inventories=inventory.paths,
            policy_files=policy.files,
            min_zxcvbn_score=policy.strength.min_zxcvbn_score,
            expired_waivers=waivers.expired,
            portal_names={portal.id: portal.name for portal in policy.portals},
            standards=policy_basis(policy),
        )


def run_audit(
    inventory: Inventory,
    policy: Policy,
    as_of: date,
    breach: BreachSource | None,
    *,
    breach_mode: BreachMode,
    jobs: int = 1,
    progress: ProgressDisplay | None = None,
) -> Report:
    """The whole audit of already-read accounts."""
    policy = inventory.audit_policy(policy)
    every = (*inventory.accounts, *inventory.copies)
    run_key = new_run_key()
    # The accounts, and the facts derived from them, live on: the collector need not walk
    # them. Frozen from before derive, whose own pause then freezes what it made instead of
    # leaving it to a full pass (432,000 objects, 0.4 s at 100,000 accounts).
    with frozen():
        derived = derive(every, policy, breach, jobs=jobs, progress=progress, run_key=run_key)
        sites = site_uses(inventory.others, run_key)
        return build_report(
            merged_copies(derived),
            inventory,
            policy,
            as_of,
            breach_mode=breach_mode,
            breach_source=breach.description if breach else "",
            sites=sites,
        )


def audited(
    request: AuditRequest, *, ask_secret: AskSecret, show_progress: ShowProgress = _no_progress
) -> Audited:
    """Read, audit, record in the history and compare with the previous run."""
    policy = load_policy(request.policy_files)
    today = request.as_of or date.today()
    options = SourceOptions(
        practice=request.practice,
        practice_map=load_practice_map(request.practice_map) if request.practice_map else (),
        all_entries=request.all_entries,
        keepass_key_file=request.keepass_key_file,
        allow_costly_kdf=request.allow_costly_kdf,
        ask_secret=ask_secret,
    )
    jobs = request.jobs or os.cpu_count() or 1
    start_workers(jobs)  # they get ready while the inventories are read
    inventory = read_inventories(
        request.inventories, policy, today, skip_invalid=request.skip_invalid, options=options
    )
    for problem in inventory.skipped:
        where = location(problem.path, problem.line, problem.entry)
        line = phrase("problem.at", where=where, column=problem.column, reason=problem.reason)
        logger.warning("%s", logged("log.skipped", problem=line))
    cache = RangeCache(request.cache_dir, ttl=request.cache_ttl) if request.cache_dir else None
    with breach_source(request, cache) as (breach, mode), show_progress() as progress:
        report = run_audit(
            inventory,
            policy,
            today,
            breach,
            breach_mode=mode,
            jobs=jobs,
            progress=progress,
        )
    if cache is not None:
        stats = cache.stats
        said = logged(
            "log.cache_stats",
            hits=str(stats.hits),
            misses=str(stats.misses),
            rejected=str(stats.rejected),
        )
        logger.info("%s", said)
    recorded = None
    if (path := request.history_path) is not None:
        with History.open(path) as history:
            run_id, changes = history.record(report, policy)
        report = report.with_changes(changes)
        recorded = RecordedRun(path, run_id)
    return Audited(report, policy, recorded)
