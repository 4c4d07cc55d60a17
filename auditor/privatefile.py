"""Atomic, private (mode 0600) file writes for everything the tool stores: reports and caches."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path


def _make_private_folders(folder: Path) -> None:
    # mkdir(parents=True) gives the parents it creates the default mode (often
    # 0755); create each missing folder ourselves so that all of them are 0700.
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=0o700, exist_ok=True)


def write_private(path: Path, text: str | Iterable[str], *, durable: bool = True) -> None:
    """Write ``text`` to ``path`` in one step: readers see the old file or the whole new one.

    Folders created on the way are 0700, the file 0600. ``durable`` waits until
    the data is on disk; a cache that can refetch what it loses skips that wait.
    Raises ``OSError``.
    """
    # Unique per process and thread, so concurrent writers never share a temporary file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        _make_private_folders(path.parent)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            if isinstance(text, str):
                handle.write(text)
            else:
                handle.writelines(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        temporary.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
