"""Atomic, private (mode 0600) file writes for everything the tool stores: reports and caches."""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import stat
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# os.rename, not os.replace: only rename takes dir_fd (POSIX rename replaces the target).
_AT_FUNCTIONS = {os.open, os.mkdir, os.rename, os.unlink, os.stat}
_AT = bool(_NOFOLLOW and _DIRECTORY) and os.supports_dir_fd >= _AT_FUNCTIONS
"""Folders are held open and named relative to their descriptor (POSIX), so that
nobody can swap a folder for a symlink between a check and a write. Elsewhere
(Windows) each name is checked with lstat before it is used."""

_TEMPORARY = re.compile(r"^\..+\.(?P<pid>[0-9]+)\.[0-9]+\.tmp$")
"""``.<name>.<pid>.<serial>.tmp``: the temporary files ``write_private`` makes."""

_SERIAL = itertools.count()
"""Numbers the temporary files of this process: no two writers, threads or files still
waiting in a ``DurableBatch``, ever share one (``next`` on a count is atomic)."""

SYNC_THREADS = 4
"""Threads that wait for a batch's files to reach the disk: ``fsync`` lets go of the GIL,
so a few waits overlap each other and the rendering of the next files; more would only
queue in the disk."""
SYNC_PENDING = 64
"""Files of a batch written but not yet renamed, at most: each holds two descriptors
(the file and its folder), far below the usual limit of 1,024, and a slow disk makes the
writer wait instead of filling memory with files."""
WRITEBACK_BYTES = 8 << 20
"""Bytes of a durable file written before the kernel is asked to start writing them to the
disk (``POSIX_FADV_DONTNEED`` on a range that was just written starts its writeback on Linux,
and waits for none of it). Left alone, the kernel keeps a group's summaries (500 MB and more)
in memory until their ``fsync``, which then waits for all of it at the end of the run with
the cores idle; this way it waits for the last few MiB. Large enough for long writes."""
_START_WRITEBACK = hasattr(os, "posix_fadvise")
_GATHER_BYTES = 256 << 10
"""Bytes of a file's pieces gathered before one ``write``: a practice's report (about 100 kB)
takes one call or a few, and each summary being written holds at most this much more here
than the text wrapper did (which wrote a large piece at once)."""


class SymlinkError(OSError):
    """A name below a private folder is a symbolic link: writing through it is refused."""


def _make_private_folders(folder: Path) -> None:
    # mkdir(parents=True) gives the parents it creates the default mode (often
    # 0755); create each missing folder ourselves so that all of them are 0700.
    missing = []
    while not os.path.lexists(folder):
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)


def _temporary_name(name: str) -> str:
    # Unique per process and file, so concurrent writers never share a temporary file.
    return f".{name}.{os.getpid()}.{next(_SERIAL)}.tmp"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        # Our own earlier run (pids repeat, in containers often): this process
        # removes its temporary files before it returns, so any found now are stale.
        return False
    if os.name == "nt":
        # On Windows os.kill(pid, 0) sends Ctrl-C to that process group instead of
        # probing it: keep the file rather than interrupt a stranger.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process (EPERM), or cannot tell: keep the file
    return True


class PrivateFolder:
    """A folder open for private writes: nothing below it is reached through a symlink.

    Sub-folders are made 0700 (and tightened to it if they exist), files 0600,
    each written to a temporary file then renamed, which is removed on every way
    out that runs Python code (an exception, Ctrl-C, SIGTERM through the CLI's
    handler). SIGKILL runs nothing: the next ``PrivateFolder`` opened on the
    same folder removes the temporary files whose process is gone.
    """

    def __init__(self, path: Path, descriptor: int | None) -> None:
        self.path = path
        self._descriptor = descriptor

    @classmethod
    @contextlib.contextmanager
    def open(cls, path: Path) -> Iterator[PrivateFolder]:
        """Create or open ``path`` itself (the user's choice: a symlink to a folder is followed).

        Raises ``SymlinkError`` for a symlink to nothing, ``OSError`` otherwise.
        """
        if path.is_symlink() and not path.exists():
            raise SymlinkError(0, "is a symbolic link to nothing", str(path))
        _make_private_folders(path)
        descriptor = os.open(path, os.O_RDONLY | _DIRECTORY) if _AT else None
        try:
            folder = cls(path, descriptor)
            folder._make_private()
            yield folder
        finally:
            if descriptor is not None:
                os.close(descriptor)

    def _at(self, name: str) -> str:
        """The name to pass with ``dir_fd=self._descriptor``: relative, or the whole path."""
        return name if self._descriptor is not None else str(self.path / name)

    def _make_private(self) -> None:
        status = os.fstat(self._descriptor) if self._descriptor is not None else self.path.stat()
        if not stat.S_ISDIR(status.st_mode):
            raise NotADirectoryError(0, "not a folder", str(self.path))
        mode = stat.S_IMODE(status.st_mode)
        if mode & 0o077:
            if self._descriptor is not None:
                os.fchmod(self._descriptor, PRIVATE_FOLDER)
            else:
                self.path.chmod(PRIVATE_FOLDER)
            logger.info(
                "%s: was mode %04o, now 0700 (reports hold names and logins)", self.path, mode
            )
        self._remove_stale()

    def _remove_stale(self) -> None:
        """Remove temporary files left by a writer that was killed (SIGKILL, power cut)."""
        if self._descriptor is not None:
            listed = os.listdir(self._descriptor)  # noqa: PTH208 - by descriptor, not by path
        else:
            listed = [entry.name for entry in self.path.iterdir()]
        for name in listed:
            match = _TEMPORARY.match(name)
            if match is None or _pid_alive(int(match["pid"])):
                continue
            try:
                os.unlink(self._at(name), dir_fd=self._descriptor)
            except OSError:
                continue  # gone already, or not a file: nothing of ours to clean
            logger.info("%s: removed a temporary file left by an interrupted run", self.path)

    def _refuse_link(self, name: str) -> None:
        if (self.path / name).is_symlink():
            raise SymlinkError(
                0, "is a symbolic link; refusing to write through it", str(self.path / name)
            )

    @contextlib.contextmanager
    def folder(self, name: str) -> Iterator[PrivateFolder]:
        """The sub-folder ``name`` (one component), created 0700; a symlink is refused."""
        if "/" in name or os.sep in name or name in ("", ".", ".."):
            raise ValueError("one folder name expected")
        try:
            os.mkdir(self._at(name), PRIVATE_FOLDER, dir_fd=self._descriptor)
            made = True  # 0700 (a umask only takes away), and empty: nothing to tighten or clean
        except FileExistsError:
            made = False
        if self._descriptor is None:
            self._refuse_link(name)
            child = PrivateFolder(self.path / name, None)
            if not made:
                child._make_private()
            yield child
            return
        try:
            descriptor = os.open(
                name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=self._descriptor
            )
        except OSError as exc:
            # ELOOP on Linux, ENOTDIR or EMLINK elsewhere, for a symlink with O_NOFOLLOW.
            self._refuse_link(name)
            raise OSError(exc.errno, exc.strerror, str(self.path / name)) from exc
        try:
            child = PrivateFolder(self.path / name, descriptor)
            if not made:
                child._make_private()
            yield child
        finally:
            os.close(descriptor)

    def tidy(self, name: str | None = None) -> None:
        """Remove the temporary files of ended processes from this folder, or from its
        sub-folder ``name`` if there is one (not through a symlink): a killed worker's,
        once it is waited for."""
        if name is None:
            self._remove_stale()
            return
        with contextlib.suppress(OSError):
            status = os.stat(self._at(name), dir_fd=self._descriptor, follow_symlinks=False)
            if stat.S_ISDIR(status.st_mode):
                with self.folder(name):
                    pass

    def write(
        self,
        name: str,
        text: str | bytes | Iterable[str | bytes],
        *,
        durable: bool = True,
        batch: DurableBatch | None = None,
    ) -> Path:
        """Write the file ``name`` in one step: readers see the old file or the whole new one.

        Text is written as UTF-8, ``bytes`` (a PDF) as they are.
        A symlink already at ``name`` is replaced by the file, never followed.
        ``durable`` waits until the data is on disk. Raises ``OSError``.
        With a ``batch``, that wait and the rename are the batch's threads' (the file
        takes its name once on disk, as ever), and a failure is raised by the batch.
        """
        path = self.path / name
        temporary = self._at(_temporary_name(name))
        job = None
        if batch is not None and durable:
            batch.raise_failure()  # an earlier file's, named by that file
            job = batch.job(self._descriptor, temporary, name, path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
        descriptor = -1
        try:
            # Inside the clean-up: a Ctrl-C raised as open() returns leaves no file.
            descriptor = os.open(temporary, flags, PRIVATE_FILE, dir_fd=self._descriptor)
            if job is not None:
                job.descriptor = descriptor
            _fill(descriptor, text, durable=durable)
            if job is not None:
                job.hand_over()  # the batch's now: it syncs, closes, renames or removes
                return path
            if durable:
                os.fsync(descriptor)
            os.close(descriptor)
            descriptor = -1
            _rename(self._descriptor, temporary, name, path)
        except BaseException as exc:
            # Every way out, Ctrl-C and SIGTERM (raised by the CLI's handler) included.
            if job is not None:
                if job.descriptor < 0:  # interrupted before the job was given the file
                    job.descriptor = descriptor
                job.cancel()  # unless a thread of the batch has the file already
            else:
                if descriptor >= 0:
                    os.close(descriptor)
                with contextlib.suppress(OSError):
                    os.unlink(temporary, dir_fd=self._descriptor)
            if isinstance(exc, OSError):
                # Named by the file the user asked for, not its temporary file.
                raise OSError(exc.errno, exc.strerror, str(path)) from exc
            raise
        return path

    def prepare(self, name: str, text: str | bytes | Iterable[str | bytes]) -> Prepared:
        """Write the file ``name``, on disk but not yet under its name: ``install`` gives it
        that name, ``discard`` removes it. For a file that another process decides about."""
        temporary = _temporary_name(name)
        prepared = Prepared(name, temporary)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
        descriptor = -1
        try:
            descriptor = os.open(self._at(temporary), flags, PRIVATE_FILE, dir_fd=self._descriptor)
            _fill(descriptor, text, durable=True)
            os.fsync(descriptor)
            os.close(descriptor)
            descriptor = -1
        except BaseException as exc:
            if descriptor >= 0:
                os.close(descriptor)
            self.discard(prepared)
            if isinstance(exc, OSError):
                raise OSError(exc.errno, exc.strerror, str(self.path / name)) from exc
            raise
        return prepared

    def install(self, prepared: Prepared) -> Path:
        """Give a prepared file its name (in one step, replacing what was there)."""
        path = self.path / prepared.name
        try:
            _rename(self._descriptor, self._at(prepared.temporary), prepared.name, path)
        except OSError as exc:
            self.discard(prepared)
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        return path

    def discard(self, prepared: Prepared) -> None:
        """Remove a prepared file that will not be installed."""
        with contextlib.suppress(OSError):
            os.unlink(self._at(prepared.temporary), dir_fd=self._descriptor)

    def scratch(self) -> int:
        """A private file with no name, open for reading and writing, for work in progress.

        Its name lasts from its creation to its removal, a call later (a kill in between
        leaves a temporary file of this process that the next run removes); the file goes
        with its descriptor. Raises ``OSError``.
        """
        temporary = self._at(_temporary_name("scratch"))
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW
        try:
            return os.open(temporary, flags, PRIVATE_FILE, dir_fd=self._descriptor)
        finally:
            # Removed by its name, whatever happens: a Ctrl-C raised as open() returns too.
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self._descriptor)


@dataclass(frozen=True)
class Prepared:
    """A file written and on disk under a temporary name, waiting to be installed."""

    name: str
    """The name it takes in its folder."""
    temporary: str
    """Its temporary name in the same folder (``.<name>.<pid>.<serial>.tmp``)."""


def _fill(descriptor: int, text: str | bytes | Iterable[str | bytes], *, durable: bool) -> None:
    """Write ``text`` (UTF-8, strict) to the open file; the descriptor stays open.

    A piece that is ``bytes`` is taken as encoded already (a section another process
    encoded and wrote to a file this one reads back).

    Pieces are gathered and written by ``os.write`` itself, without a file object's
    own calls (``fstat``, ``isatty``, ``lseek``) for each file. A durable file starts
    on its way to the disk every ``WRITEBACK_BYTES``, so that its ``fsync`` has little
    left to wait for.
    """
    if isinstance(text, bytes):
        _write_all(descriptor, text)
        return
    if isinstance(text, str):
        _write_all(descriptor, text.encode())
        return
    every = WRITEBACK_BYTES if durable and _START_WRITEBACK else 0
    pending: list[bytes] = []
    held = written = started = 0  # the file is new: its bytes start at offset 0
    for piece in text:
        data = piece if isinstance(piece, bytes) else piece.encode()
        pending.append(data)
        held += len(data)
        if held >= _GATHER_BYTES or (every and written + held - started >= every):
            _write_all(descriptor, b"".join(pending))
            pending.clear()
            written, held = written + held, 0
            if every and written - started >= every:
                # A hint: a file system that refuses it leaves it all to the fsync, as before.
                with contextlib.suppress(OSError):
                    os.posix_fadvise(descriptor, started, written - started, os.POSIX_FADV_DONTNEED)
                started = written
    _write_all(descriptor, b"".join(pending))


def _write_all(descriptor: int, data: bytes) -> None:
    """``os.write`` until all of ``data`` is written (a call may write less)."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _rename(folder: int | None, temporary: str, name: str, path: Path) -> None:
    """Give the written file its name: ``rename`` replaces a symlink there, never follows it."""
    if folder is not None:
        os.rename(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    else:
        Path(temporary).replace(path)  # Windows: no *at() calls


class DurableBatch:
    """Files written now, then synced to disk and renamed into place by a few threads.

    ``PrivateFolder.write(..., batch=)`` hands each file over once its bytes are written,
    so that the writer renders the next file while the disk catches up. A thread syncs
    the file, then renames it: readers still see the old file or the whole new one, and
    no name shows a file that is not on disk. Leaving ``open``'s block, on an exception
    too, waits for every file handed over, as a writer that renamed each file before
    the next would have, and raises the first failure (an ``OSError`` named by the file
    asked for). After a failure, or a Ctrl-C during that wait, the files not yet renamed
    are dropped and their temporary files removed.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(SYNC_THREADS, thread_name_prefix="durable-batch")
        self._room = threading.BoundedSemaphore(SYNC_PENDING)
        self._lock = threading.Lock()
        self._error: OSError | None = None
        self._dropped = False
        self._jobs: set[_Job] = set()

    @classmethod
    @contextlib.contextmanager
    def open(cls) -> Iterator[DurableBatch]:
        """A batch whose files are all renamed, or removed, when the block is left."""
        batch = cls()
        try:
            yield batch
        finally:
            try:
                batch._pool.shutdown(wait=True)
            except BaseException:
                batch._dropped = True  # Ctrl-C while waiting: the rest are dropped
                raise
            finally:
                # A file a Ctrl-C caught between its registration and its hand-over.
                for job in list(batch._jobs):
                    job.cancel()
        batch.raise_failure()

    def raise_failure(self) -> None:
        """Raise the first file's failure, if one failed."""
        if self._error is not None:
            raise self._error

    def job(self, folder: int | None, temporary: str, name: str, path: Path) -> _Job:
        """Register a file about to be written, before its temporary file exists: whatever
        interrupts its writer from then on, the file is renamed or removed, never left."""
        self._room.acquire()  # a slow disk holds the writer back here
        try:
            held = os.dup(folder) if folder is not None else None  # the folder may close first
        except BaseException:
            self._room.release()
            raise
        job = _Job(self, held, temporary, name, path)
        with self._lock:
            self._jobs.add(job)
        return job

    def _forget(self, job: _Job) -> None:
        with self._lock:
            self._jobs.discard(job)
        self._room.release()

    def _failed(self, exc: OSError, path: Path) -> None:
        with self._lock:
            if self._error is None:
                self._error = OSError(exc.errno, exc.strerror, str(path))


class _Job:
    """One file of a batch; whoever moves it on from ``pending`` (its thread, or the
    writer's clean-up) owns its descriptors and its temporary file, and ends them."""

    def __init__(
        self, batch: DurableBatch, folder: int | None, temporary: str, name: str, path: Path
    ) -> None:
        self.batch = batch
        self.folder = folder
        self.temporary = temporary
        self.name = name
        self.path = path
        self.descriptor = -1
        self.state = "pending"
        self.lock = threading.Lock()

    def _claim(self, state: str) -> bool:
        with self.lock:
            if self.state != "pending":
                return False
            self.state = state
            return True

    def hand_over(self) -> None:
        """The file is written: a thread of the batch syncs, closes and renames it."""
        self.batch._pool.submit(self._finish)

    def cancel(self) -> None:
        """Its writer was interrupted: the file is removed, unless a thread has it already."""
        if self._claim("cancelled"):
            self._end(renamed=False)

    def _finish(self) -> None:
        if not self._claim("running"):
            return
        batch, renamed = self.batch, False
        try:
            # After a failure, or a Ctrl-C while waiting, the file is dropped.
            if not batch._dropped and batch._error is None:
                os.fsync(self.descriptor)
                os.close(self.descriptor)
                self.descriptor = -1
                _rename(self.folder, self.temporary, self.name, self.path)
                renamed = True
        except OSError as exc:  # kept for the writer, which raises it
            batch._failed(exc, self.path)
        finally:
            self._end(renamed=renamed)

    def _end(self, *, renamed: bool) -> None:
        if self.descriptor >= 0:
            with contextlib.suppress(OSError):
                os.close(self.descriptor)
        if not renamed:
            with contextlib.suppress(OSError):
                os.unlink(self.temporary, dir_fd=self.folder)
        if self.folder is not None:
            os.close(self.folder)
        self.batch._forget(self)


def write_private(
    path: Path, text: str | bytes | Iterable[str | bytes], *, durable: bool = True
) -> None:
    """Write ``text`` to ``path`` in one step: readers see the old file or the whole new one.

    Folders created on the way are 0700, the file 0600, its temporary file removed
    on every way out. ``durable`` waits until the data is on disk; a cache that can
    refetch what it loses skips that wait. Raises ``OSError``.

    The folder is taken as it is (no mode change, no clean-up, no symlink check):
    callers that write below a folder the user named use ``PrivateFolder``.
    """
    _make_private_folders(path.parent)
    PrivateFolder(path.parent, None).write(path.name, text, durable=durable)
