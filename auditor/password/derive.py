"""The secret boundary: the only place a password is read, turned into facts, then dropped."""

from __future__ import annotations

import contextlib
import enum
import hashlib
import hmac
import logging
import multiprocessing
import operator
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from auditor.collector import paused
from auditor.errors import AuditorError
from auditor.hibp import BreachSource, Clean, LookupResult, Pwned, Unknown
from auditor.i18n.failure import failure
from auditor.models import Account, Origin, OtherEntry, Practice
from auditor.password.banned import BannedKind, banned_kinds, portal_words, shipped_words
from auditor.password.context import (
    ContextKind,
    context_hits,
    context_words,
    folded_variants,
    shared_words,
)
from auditor.password.fold import similarity_stem, stems
from auditor.password.previous import PastUse, past_use
from auditor.password.strength import char_classes, entropy_bits, zxcvbn_score
from auditor.policy import Policy
from auditor.policy.standards import load_standards
from auditor.progress import Advance, ProgressDisplay, no_progress

logger = logging.getLogger(__name__)

PARALLEL_THRESHOLD = 200
"""Below this many distinct passwords, starting worker processes costs more than it saves."""
_PROGRESS_BATCH = 50
_MAX_CHUNK = 200
"""Passwords per batch sent to a worker, at most: the progress line moves by batches,
and the last one to end leaves the other cores idle for as long as it takes (0.1 to
0.3 s at the 0.5 to 1.5 ms per password measured in ``benchmarks/``). 10,000
passwords on 2 cores are 50 batches: sending costs little."""
_STOP_POLL = 0.1
"""Seconds between two looks at the stop flag while a batch is scored."""
_WORKER_END = 5.0
"""Seconds to wait for each killed worker's end to be reported (it takes milliseconds)."""


@dataclass(frozen=True)
class NotChecked:
    """The breach lookup was turned off (``--no-breach-check``) or not needed (empty password)."""


BreachStatus = Pwned | Clean | Unknown | NotChecked


@dataclass(frozen=True, slots=True)
class Strength:
    """How hard a password is to guess, as numbers."""

    zxcvbn_score: int
    entropy_bits: float
    """CNIL combinatorial entropy; the length and classes it comes from are not kept."""


class LengthBand(enum.Enum):
    """Which of NIST SP 800-63B-4's length limits a password reaches, never its length.

    Three bands: a report may say "shorter than NIST asks of a password used alone",
    the rule, and nothing finer; that is no more than the CNIL entropy verdict says.
    """

    BELOW_MULTI = "below-multi"
    """Shorter than NIST allows even with a second factor."""
    MULTI_ONLY = "multi-only"
    """Long enough only when a second factor is also used."""
    SINGLE = "single"
    """Long enough to be used alone."""


def length_band(length: int) -> LengthBand:
    """The band of a password of ``length`` characters (code points, as NIST counts them)."""
    limits = load_standards()
    if length >= limits.min_length_single:
        return LengthBand.SINGLE
    if length >= limits.min_length_multi:
        return LengthBand.MULTI_ONLY
    return LengthBand.BELOW_MULTI


@dataclass(frozen=True, slots=True)
class PasswordFacts:
    """What checks may know about a password: nothing that gives it back."""

    empty: bool
    strength: Strength
    breach: BreachStatus
    context: frozenset[ContextKind]
    """Kinds of context word (practice name, username…) the password contains."""
    reuse_key: bytes = field(repr=False)
    """HMAC-SHA256 of the password under a random key drawn for this run and never
    stored: equal passwords share it within the run, and once the run ends nobody
    can test a guess against it. Kept in memory only; no format writes it."""
    recycled: bool = False
    """The account used this password before, then another one (from the vault's history)."""
    predictable_rotation: bool = False
    """It is an earlier password of the account with only digits or trailing symbols changed."""
    length_band: LengthBand | None = None
    """Which NIST length limit the password reaches; None where derive did not say (facts
    built elsewhere), so that no rule is met without the evidence."""
    banned: frozenset[BannedKind] = frozenset()
    """Which lists of banned words the password is built on (``password/banned.py``): the
    list, never the word, which would be a piece of the password."""
    similar_key: bytes | None = field(default=None, repr=False)
    """HMAC-SHA256, under this run's random key, of the password folded to its stem
    (``password/fold.py``: no case, accents, leet or trailing digits and symbols): the
    passwords "Pharmacie2024!" and "pharmacie2025?" share it. Like ``reuse_key`` it is a
    keyed fingerprint, never an unsalted hash: the key is drawn per run and never stored,
    so once the run ends nobody can test a guessed stem against it, and no format writes
    it. None when the stem is shorter than ``fold.MIN_STEM_LENGTH``."""
    earlier_keys: frozenset[bytes] = field(default=frozenset(), repr=False)
    """``reuse_key``s of the account's earlier passwords (its vault history), under the
    same run key: a password saved on a lookalike site that the account used before is
    known to attackers too (``phished``). Keyed like ``reuse_key``, never written."""


@dataclass(frozen=True, slots=True)
class SiteUse:
    """A vault entry of no portal, reduced to its site and its passwords' keyed fingerprints."""

    origin: Origin
    host: str | None
    keys: frozenset[bytes] = field(repr=False)
    """``reuse_key``s of its password and its history under this run's key (never written):
    a portal password among them is reused on this site."""


@dataclass(frozen=True, slots=True)
class AuditedAccount:
    """An account without its password, and the facts derived from the password."""

    account: Account
    facts: PasswordFacts | None
    """None when the inventory does not record a password for this account."""
    conflicting: tuple[AuditedAccount, ...] = ()
    """Other vault entries of this same login whose password differs from this one's.

    Each is checked like an account, and its findings are reported on this one
    (``checks/copies.py``); they are set after derive, from the ``reuse_key``s.
    """


def _score_batch(batch: Sequence[tuple[str, Sequence[str]]]) -> list[int]:
    """zxcvbn scores for (password, context words) pairs; runs in a worker process."""
    return [zxcvbn_score(password, inputs) for password, inputs in batch]


class ScoringStopped(Exception):  # noqa: N818 - an outcome, not an error
    """Scoring was told to stop (Ctrl-C or SIGTERM in the main thread): its scores are void."""


class ScoringError(AuditorError):
    """A worker process ended before its passwords were scored (killed, out of memory)."""


_Item = tuple[str, Sequence[str]]
"""A password and the context words zxcvbn is given with it."""
_END = None
"""Put on the queue of batches after the last one."""


def _chunk_size(total: int, jobs: int) -> int:
    """Passwords per batch sent to a worker, for ``total`` passwords on ``jobs`` workers."""
    # Enough batches that a slow one (long passwords) does not leave a core idle
    # at the end, few enough that sending them costs little.
    return min(_MAX_CHUNK, max(_PROGRESS_BATCH, total // (jobs * 16)))


def _parallel(total: int, jobs: int) -> bool:
    # zxcvbn is pure Python, so threads would share one core under the GIL:
    # parallelism is across processes.
    return jobs > 1 and total >= PARALLEL_THRESHOLD


def _score_all(
    items: Sequence[_Item],
    jobs: int,
    progress: Advance = no_progress,
    stop: threading.Event | None = None,
) -> list[int]:
    """zxcvbn scores of ``items``, in order; ``ScoringStopped`` soon after ``stop`` is set."""
    chunk = _chunk_size(len(items), jobs) if _parallel(len(items), jobs) else _PROGRESS_BATCH
    batches = (items[start : start + chunk] for start in range(0, len(items), chunk))
    return _score_batches(batches, len(items), jobs, progress, stop or threading.Event())


def _score_batches(
    batches: Iterable[Sequence[_Item]],
    total: int,
    jobs: int,
    progress: Advance,
    stop: threading.Event,
    *,
    on_scores: Callable[[list[int]], object] = lambda _: None,
) -> list[int]:
    """The scores of ``total`` passwords coming in ``batches``, in order, each batch
    sent to a worker as soon as it comes; ``ScoringStopped`` soon after ``stop`` is set.

    ``on_scores`` is given each batch's scores (or a part of them) in order, as they come.
    """
    if not _parallel(total, jobs):
        scores: list[int] = []
        for batch in batches:
            for start in range(0, len(batch), _PROGRESS_BATCH):
                if stop.is_set():
                    raise ScoringStopped
                part = _score_batch(batch[start : start + _PROGRESS_BATCH])
                scores.extend(part)
                on_scores(part)
                progress(len(part))
        return scores
    context = _worker_context()
    _start_resource_tracker()
    with _interrupts_blocked():
        # The workers (and the forkserver, when this starts it) inherit the
        # blocked Ctrl-C: the terminal sends it to the whole process group, and
        # only this process must act on it (a worker would print a traceback).
        pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_ignore_interrupts
        )
    try:
        scores = _collect(pool, batches, progress, stop, on_scores)
    except BaseException as exc:
        _end_workers(pool)
        if isinstance(exc, BrokenProcessPool):
            if stop.is_set():  # the signal that stopped the audit ended workers too
                raise ScoringStopped from None
            raise failure(ScoringError, "scoring_error.worker_ended") from exc
        raise
    pool.shutdown(wait=True)
    return scores


def _collect(
    pool: ProcessPoolExecutor,
    batches: Iterable[Sequence[_Item]],
    progress: Advance,
    stop: threading.Event,
    on_scores: Callable[[list[int]], object],
) -> list[int]:
    """Send each batch to ``pool`` as it comes, then gather the scores in order; watch ``stop``."""
    sent: list[tuple[int, Future[list[int]]]] = []
    for batch in batches:
        with _interrupts_blocked():  # the workers, started on demand, inherit it
            sent.append((len(batch), pool.submit(_score_batch, batch)))
    scores = []
    for size, future in sent:
        while True:
            try:
                part = future.result(timeout=_STOP_POLL)
                break
            except TimeoutError:
                if stop.is_set():
                    raise ScoringStopped from None
        scores.extend(part)
        on_scores(part)
        progress(size)
    return scores


def _taken(
    batches: queue.SimpleQueue[list[_Item] | None], stop: threading.Event
) -> Iterator[list[_Item]]:
    """The batches put on ``batches`` until ``_END``; ``ScoringStopped`` soon after a ``stop``."""
    while True:
        try:
            batch = batches.get(timeout=_STOP_POLL)
        except queue.Empty:
            if stop.is_set():  # the thread that fills the queue failed, or was interrupted
                raise ScoringStopped from None
            continue
        if batch is _END:
            return
        yield batch


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers and wait for them, so that its shutdown cannot wait for ever.

    A stopped or failed scoring needs none of their scores. Left to itself, the
    pool's shutdown (Python 3.11 to 3.13) waits for each worker to take its
    sentinel: one that never does, because it missed the SIGTERM that killed the
    others or cannot run, would keep the audit from exiting. Killing is safe:
    a worker writes nothing, and what it holds (passwords) dies with it.
    """
    # ``_processes`` (pid to process) is private, and the only way to reach the
    # workers before 3.14's ``kill_workers``; ``shutdown`` empties it, so it is
    # read first.
    workers = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)  # nothing more is sent
    for process in workers:
        with contextlib.suppress(OSError, ValueError):  # ended already
            process.kill()
    for process in workers:
        process.join(_WORKER_END)
    if isinstance(manager, threading.Thread):  # it sees the workers gone, and ends
        manager.join(_WORKER_END)


def _ignore_interrupts() -> None:
    """In each worker: Ctrl-C is the parent's to handle, and the worker prints nothing.

    SIGINT is ignored (spawn, where masks are not inherited). stderr goes to
    the null device: a worker's errors reach the parent through its futures, so
    all it could print itself is multiprocessing's traceback when the parent is
    gone first (an ``EOFError`` on its queue after a SIGTERM to the process
    group), and a traceback from a process that held passwords is nothing to show.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stderr = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115 - for its life


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, if it is not running.

    It unblocks SIGINT in the thread that starts it once it has started, which
    would undo ``_interrupts_blocked`` if the pool started it inside.
    """
    if hasattr(signal, "pthread_sigmask"):
        from multiprocessing import resource_tracker  # noqa: PLC0415 - POSIX only

        resource_tracker.ensure_running()


@contextlib.contextmanager
def _interrupts_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread, so in the processes it starts (POSIX); else nothing."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start_workers(jobs: int) -> None:
    """Start what forks the scoring workers now, so that its loading overlaps reading the inputs.

    The forkserver spends most of a second loading zxcvbn and building its
    tables before it forks a worker; started here, while the vaults are opened
    (a key derivation alone can take as long) and the sheets read, that time is
    no longer waited for. Nothing starts for one job, nor where there is no
    forkserver (Windows: each spawned worker loads everything itself). An audit
    with too few passwords to score in parallel leaves the server idle; it ends
    with this process.
    """
    if jobs <= 1 or "forkserver" not in multiprocessing.get_all_start_methods():
        return
    _worker_context()  # sets what the server preloads
    _start_resource_tracker()
    with _interrupts_blocked():  # the server, and the workers it forks, inherit it
        from multiprocessing import forkserver  # noqa: PLC0415 - POSIX only

        forkserver.ensure_running()


def _worker_context() -> BaseContext:
    """How scoring workers start: never by forking this process, whose lookup threads run.

    Where it exists (Linux, macOS), a forkserver: a clean single-threaded process
    that loads zxcvbn and builds its index once, then forks ready workers.
    Elsewhere (Windows), spawn: each worker loads everything itself.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["auditor.password.preload"])
        return context
    return multiprocessing.get_context("spawn")


def sha1_hex(password: str) -> str:
    """The upper-case SHA-1 of the UTF-8 password, as Pwned Passwords indexes it."""
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


_SIMILAR_LABEL = b"similar-password\x00"
"""Prefixed to the stem: a stem's fingerprint never equals the reuse_key of a password
spelled like the stem ("pharmacie"), so the two groupings stay apart."""


class _Keyed:
    """HMAC-SHA256 under one run key, its key set up once for all the run's passwords.

    Each digest copies one keyed ``hmac`` object (the key's two padded states are hashed
    once, when it is made) rather than making a new one per password: 1.1 µs a password
    instead of 1.7 µs (150,000 fingerprints at 100,000 accounts). The standard library's
    HMAC, not a construction of our own. Like the run key, held in memory only.
    """

    __slots__ = ("_keyed",)

    def __init__(self, run_key: bytes) -> None:
        self._keyed = hmac.new(run_key, digestmod=hashlib.sha256)

    def digest(self, message: bytes) -> bytes:
        """HMAC-SHA256 of ``message`` under the run key."""
        each = self._keyed.copy()
        each.update(message)
        return each.digest()

    def reuse(self, password: str) -> bytes:
        """The password's ``reuse_key``."""
        return self.digest(password.encode("utf-8"))

    def similar(self, password: str, stemmed: tuple[str, ...] | None = None) -> bytes | None:
        """The password's ``similar_key``; ``stemmed`` are its ``stems`` when known already."""
        stem = similarity_stem(password, stemmed)
        if stem is None:
            return None
        return self.digest(_SIMILAR_LABEL + stem.encode("utf-8"))


def new_run_key() -> bytes:
    """A key for one run's fingerprints, drawn at random and never stored."""
    return os.urandom(32)


def site_uses(others: Sequence[OtherEntry], run_key: bytes) -> tuple[SiteUse, ...]:
    """The keyed fingerprints of other entries' passwords, under the run key of ``derive``.

    Nothing else is read of their passwords: they are not scored and never looked up.
    An entry without a recorded password is left out (it can reuse nothing).
    """
    uses = []
    keyed = _Keyed(run_key)
    for other in others:
        passwords = [secret.reveal() for secret in other.history]
        if other.password is not None:
            passwords.append(other.password.reveal())
        keys = frozenset(keyed.reuse(password) for password in passwords if password)
        if keys:
            uses.append(SiteUse(other.origin, other.host, keys))
    return tuple(uses)


def banned_word_lists(policy: Policy) -> dict[BannedKind, frozenset[str]]:
    """The shipped lists, the policy's portal and operator names, and its own ``[banned]``."""
    names = [name for portal in policy.portals for name in (*portal.names, portal.operator)]
    # Read at run time, not copied into a list: a policy's own portal is banned too.
    return {
        **shipped_words(),
        BannedKind.PORTAL: portal_words(names),
        BannedKind.POLICY: policy.banned.words,
    }


_Unscored = tuple[
    frozenset[ContextKind],
    bytes,
    bool,
    bool,
    LengthBand,
    frozenset[BannedKind],
    bytes | None,
    frozenset[bytes],
]
"""The facts of one account's password that need no score, found while the workers score:
``PasswordFacts``' fields after ``breach``, in their order (``_UNSCORED_FIELDS``), so that
``PasswordFacts(empty, strength, breach, *unscored)`` makes the whole facts. A tuple, not a
frozen record: 100,000 of those, each made field by field, were 0.15 s for nothing."""
_UNSCORED_FIELDS = (
    "context",
    "reuse_key",
    "recycled",
    "predictable_rotation",
    "length_band",
    "banned",
    "similar_key",
    "earlier_keys",
)


def _scoring_batches(
    accounts: Sequence[Account],
    policy: Policy,
    users: Mapping[str, Sequence[int]],
    contexts: dict[int, Mapping[ContextKind, frozenset[str]]],
    size: int,
) -> Iterator[list[_Item]]:
    """Each distinct password with its context words, ``size`` at a time, in ``users``' order.

    One score per distinct password, with every context word of every account that
    uses it: zxcvbn then penalises a name that any of them would guess. The
    accounts' context words are kept in ``contexts`` (by account index) as they are
    made, for ``_unscored_facts``; an account without a password needs none.
    """
    # A practice's and a portal's words are the same for each of their accounts:
    # made once per pair, and shared (40,000 pairs in the benchmarks' 100,000 accounts).
    shared: dict[tuple[Practice, str], Mapping[ContextKind, frozenset[str]]] = {}
    batch: list[_Item] = []
    for password, indexes in users.items():
        tokens: set[str] = set()
        for index in indexes:
            context = contexts.get(index)
            if context is None:
                account = accounts[index]
                portal = policy.portal(account.portal)
                pair = (account.practice, account.portal)
                common = shared.get(pair)
                if common is None:
                    common = shared[pair] = shared_words(account.practice, portal)
                context = contexts[index] = context_words(account, portal, common)
            tokens.update(*context.values())
        batch.append((password, sorted(tokens)))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


_NEVER_BEFORE = PastUse(recycled=False, predictable=False)
"""What ``past_use`` says of an account without earlier passwords."""
_NO_KEYS: frozenset[bytes] = frozenset()
"""The ``earlier_keys`` of an account without earlier passwords, shared by all of them."""


def _unscored_facts(
    accounts: Sequence[Account],
    users: Mapping[str, Sequence[int]],
    contexts: Mapping[int, Mapping[ContextKind, frozenset[str]]],
    policy: Policy,
    run_key: bytes,
) -> dict[int, _Unscored]:
    """By account index, what is known of its password without a score or a lookup."""
    banned_lists = banned_word_lists(policy)
    keyed = _Keyed(run_key)
    facts: dict[int, _Unscored] = {}
    # Each set of kinds is kept once, shared by every account that has it: at
    # 100,000 accounts their own copies, most of them empty, were 200,000 more
    # objects for the collector to walk and 40 MB (Python makes a new empty one each time).
    kept: dict[frozenset[Any], frozenset[Any]] = {}
    for password, indexes in users.items():
        reuse_key = keyed.reuse(password)
        stemmed = stems(password)  # for the banned words and the similar passwords both
        banned = banned_kinds(password, banned_lists, stemmed)
        banned = kept.setdefault(banned, banned)
        similar_key = keyed.similar(password, stemmed)
        band = length_band(len(password))
        variants = folded_variants(password)
        for index in indexes:
            past, earlier_keys = _NEVER_BEFORE, _NO_KEYS
            if accounts[index].history:  # most accounts come from a sheet, without one
                earlier = [old.reveal() for old in accounts[index].history]
                past = past_use(password, earlier)
                earlier_keys = frozenset(keyed.reuse(old) for old in earlier)
            hits = context_hits(password, contexts[index], variants)
            facts[index] = (
                kept.setdefault(hits, hits),
                reuse_key,
                past.recycled,
                past.predictable,
                band,
                banned,
                similar_key,
                earlier_keys,
            )
    return facts


def derive(
    accounts: Sequence[Account],
    policy: Policy,
    breach: BreachSource | None,
    *,
    jobs: int = 1,
    progress: ProgressDisplay | None = None,
    run_key: bytes | None = None,
) -> tuple[AuditedAccount, ...]:
    """Facts for every account's password; the returned accounts hold no password.

    Each distinct password is scored and looked up once. Its plaintext, SHA-1
    and zxcvbn result live only in the locals of this module's functions. Lookups
    (waiting on the network or the disk) run while the passwords are scored.
    Earlier passwords from a vault's history are compared with the current one,
    then dropped with it.
    """
    # The collector is off meanwhile (``collector.paused``): the contexts and facts made
    # here hold no cycle, and its passes over them and the accounts were a third to
    # nearly half of this process's time at 100,000 accounts (zxcvbn makes none either).
    with paused():
        return _derive(accounts, policy, breach, jobs=jobs, progress=progress, run_key=run_key)


def _derive(
    accounts: Sequence[Account],
    policy: Policy,
    breach: BreachSource | None,
    *,
    jobs: int,
    progress: ProgressDisplay | None,
    run_key: bytes | None,
) -> tuple[AuditedAccount, ...]:
    display = progress or ProgressDisplay()
    users: dict[str, list[int]] = {}
    for index, account in enumerate(accounts):
        if account.password is not None:
            users.setdefault(account.password.reveal(), []).append(index)
    contexts: dict[int, Mapping[ContextKind, frozenset[str]]] = {}
    lookups: Mapping[str, LookupResult] = {}
    run_key = run_key or new_run_key()
    # Scoring runs in a helper thread (its work is in worker processes, or
    # short); this thread makes its batches and hands each over as it is ready,
    # so that the workers start at once, then does the lookups and every fact
    # that needs no score while they score, so Ctrl-C interrupts them at once.
    stop = threading.Event()
    batches: queue.SimpleQueue[list[_Item] | None] = queue.SimpleQueue()
    parts: queue.SimpleQueue[list[int]] = queue.SimpleQueue()
    size = _chunk_size(len(users), jobs) if _parallel(len(users), jobs) else _PROGRESS_BATCH
    with (
        display.stage("Scoring passwords", len(users)) as scored,
        ThreadPoolExecutor(max_workers=1) as helper,
    ):
        scoring = helper.submit(
            _score_batches,
            _taken(batches, stop),
            len(users),
            jobs,
            scored,
            stop,
            on_scores=parts.put,
        )
        try:
            for batch in _scoring_batches(accounts, policy, users, contexts, size):
                batches.put(batch)
            batches.put(_END)
            # A lookalike site's entry (``imitates``) is judged by its site alone: its
            # password is compared with the portals' (``phished``), never looked up.
            lookalikes = {index for index, one in enumerate(accounts) if one.imitates is not None}
            digests = {
                password: sha1_hex(password)
                for password, indexes in users.items()
                # Not ``any(...)`` per password: its generator was most of this at 75,000.
                if password and (not lookalikes or not lookalikes.issuperset(indexes))
            }
            if breach is not None:
                with display.stage("Breach lookups", len(digests)) as looked_up:
                    lookups = breach.check(set(digests.values()), looked_up)
            unscored = _unscored_facts(accounts, users, contexts, policy, run_key)
            # Needed no more: freed now rather than at the end, where the collector's
            # first pass after its pause would walk them (100,000 dicts and their words).
            contexts.clear()
            # Equal outcomes (Clean, the same count) and strengths are kept once and
            # shared, like the sets of kinds in ``_unscored_facts``.
            outcomes: dict[BreachStatus, BreachStatus] = {}
            statuses: dict[str, BreachStatus] = {}
            for password, digest in digests.items():
                status: BreachStatus = lookups[digest] if breach is not None else NotChecked()
                statuses[password] = outcomes.setdefault(status, status)
            strengths: dict[tuple[int, float], Strength] = {}
            # The facts of each batch are put together as its scores come in, while
            # the workers score the next ones: the last score leaves one batch to do.
            audited: dict[int, AuditedAccount] = {}
            for index, account in enumerate(accounts):
                if account.password is None:
                    audited[index] = AuditedAccount(_without_secrets(account), None)
            not_checked = NotChecked()
            for password, score in _scores_as_they_come(users, parts, scoring):
                measured = (score, entropy_bits(len(password), char_classes(password)))
                strength = strengths.get(measured) or strengths.setdefault(
                    measured, Strength(*measured)
                )
                status = statuses.get(password, not_checked)
                empty = not password
                indexes = users[password]
                if len(indexes) == 1:  # most passwords: nothing to share
                    (index,) = indexes
                    facts = PasswordFacts(empty, strength, status, *unscored.pop(index))
                    audited[index] = AuditedAccount(_without_secrets(accounts[index]), facts)
                    continue
                # Accounts whose password has the same facts share one record of them.
                made: dict[_Unscored, PasswordFacts] = {}
                for index in indexes:
                    rest = unscored.pop(index)
                    facts = made.get(rest) or made.setdefault(
                        rest, PasswordFacts(empty, strength, status, *rest)
                    )
                    audited[index] = AuditedAccount(_without_secrets(accounts[index]), facts)
            scoring.result()
        except BaseException:
            # Ctrl-C, SIGTERM or a failed lookup: the helper stops within a batch
            # (and its pool with it) instead of scoring everything first.
            stop.set()
            raise
    return tuple(audited[index] for index in range(len(accounts)))


def _scores_as_they_come(
    users: Mapping[str, Sequence[int]],
    parts: queue.SimpleQueue[list[int]],
    scoring: Future[list[int]],
) -> Iterator[tuple[str, int]]:
    """Each of ``users``' passwords with its score, in order, as ``scoring`` puts them in ``parts``.

    ``scoring``'s error, if it fails, is raised here.
    """
    passwords = iter(users)
    waiting = len(users)
    while waiting:
        try:
            part = parts.get(timeout=_STOP_POLL)
        except queue.Empty:
            if not scoring.done():
                continue
            scoring.result()  # its error; after a success every part is in already
            part = parts.get_nowait()
        waiting -= len(part)
        for score in part:
            yield next(passwords), score


_ACCOUNT_FIELDS = tuple(item.name for item in fields(Account))
"""Every field of an account, in the order its ``__init__`` takes them."""
_account_values = operator.attrgetter(*_ACCOUNT_FIELDS)
_SECRET_FIELDS = (_ACCOUNT_FIELDS.index("password"), _ACCOUNT_FIELDS.index("history"))
_WITHOUT = (None, ())
"""What the secret fields hold once dropped."""


def _without_secrets(account: Account) -> Account:
    """``account`` without its password and history, which it no longer needs."""
    if account.password is None and not account.history:
        return account  # frozen, and holds nothing to drop: shared as it is
    # What ``replace(account, password=None, history=())`` makes, its fields read at once
    # in C and passed in order: ``replace`` walked them one by one in Python (0.44 s for
    # 100,000 accounts, 0.32 s so, most of it ``__init__``). An account is slotted: it
    # has no ``__dict__`` to copy.
    values = list(_account_values(account))
    for position, empty in zip(_SECRET_FIELDS, _WITHOUT, strict=True):
        values[position] = empty
    return Account(*values)
