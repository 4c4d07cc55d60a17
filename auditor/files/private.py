"""Atomic, private (mode 0600) file writes for everything the tool stores: reports and caches."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

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
"""``.<name>.<pid>.<thread>.tmp``: the temporary files ``write_private`` makes."""


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
    # Unique per process and thread, so concurrent writers never share a temporary file.
    return f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"


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
        with contextlib.suppress(FileExistsError):
            os.mkdir(self._at(name), PRIVATE_FOLDER, dir_fd=self._descriptor)
        if self._descriptor is None:
            self._refuse_link(name)
            child = PrivateFolder(self.path / name, None)
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
            child._make_private()
            yield child
        finally:
            os.close(descriptor)

    def write(self, name: str, text: str | bytes | Iterable[str], *, durable: bool = True) -> Path:
        """Write the file ``name`` in one step: readers see the old file or the whole new one.

        Text is written as UTF-8, ``bytes`` (a PDF) as they are.
        A symlink already at ``name`` is replaced by the file, never followed.
        ``durable`` waits until the data is on disk. Raises ``OSError``.
        """
        temporary = self._at(_temporary_name(name))
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
        descriptor = os.open(temporary, flags, PRIVATE_FILE, dir_fd=self._descriptor)
        try:
            if isinstance(text, bytes):
                with os.fdopen(descriptor, "wb") as raw:
                    raw.write(text)
                    _finish(raw, durable=durable)
            else:
                with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
                    if isinstance(text, str):
                        handle.write(text)
                    else:
                        handle.writelines(text)
                    _finish(handle, durable=durable)
            # rename() replaces a symlink at the target itself, whatever it points to.
            if self._descriptor is not None:
                os.rename(temporary, name, src_dir_fd=self._descriptor, dst_dir_fd=self._descriptor)
            else:
                Path(temporary).replace(self._at(name))  # Windows: no *at() calls
        except BaseException as exc:
            # Every way out, Ctrl-C and SIGTERM (raised by the CLI's handler) included.
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self._descriptor)
            if isinstance(exc, OSError):
                # Named by the file the user asked for, not its temporary file.
                raise OSError(exc.errno, exc.strerror, str(self.path / name)) from exc
            raise
        return self.path / name


def _finish(handle: IO[Any], *, durable: bool) -> None:
    """Wait until what was written is on disk, when the file must survive a power cut."""
    if durable:
        handle.flush()
        os.fsync(handle.fileno())


def write_private(path: Path, text: str | bytes | Iterable[str], *, durable: bool = True) -> None:
    """Write ``text`` to ``path`` in one step: readers see the old file or the whole new one.

    Folders created on the way are 0700, the file 0600, its temporary file removed
    on every way out. ``durable`` waits until the data is on disk; a cache that can
    refetch what it loses skips that wait. Raises ``OSError``.

    The folder is taken as it is (no mode change, no clean-up, no symlink check):
    callers that write below a folder the user named use ``PrivateFolder``.
    """
    _make_private_folders(path.parent)
    PrivateFolder(path.parent, None).write(path.name, text, durable=durable)
