"""What a corpus download has stored: each prefix and its validators, journal and compact file."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from auditor.hibp.interface import HibpError
from auditor.i18n.failure import failure
from auditor.i18n.oserror import os_reason

PREFIXES = 16**5
"""Every 5-hex prefix, 00000 to FFFFF: 1,048,576."""
MANIFEST_FILE = ".download-manifest"
JOURNAL_FILE = ".download-journal"
_HEADER = b"portal-auditor download manifest v1\n"
MAX_VALIDATOR = 200
"""Characters kept of an ETag or a Last-Modified: HIBP's are under 40 (a quoted hex ETag, an
HTTP date of 29); a longer value is not worth a line per prefix, and the prefix is simply
fetched whole at the next refresh."""
_VALIDATOR = re.compile(rb"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$")
"""Printable ASCII without tabs or line breaks, which the manifest's lines are made of."""
_LINE = re.compile(rb"^([0-9A-F]{5})\t([^\t\n]*)\t([^\t\n]*)$")
_NOT_DONE = None


class ManifestError(HibpError):
    """The manifest cannot be read or written."""


@dataclass(frozen=True)
class Validators:
    """What the server said identifies its answer, sent back on a refresh."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def of(cls, etag: str | None, last_modified: str | None) -> Validators:
        """The usable ones of a server's headers (anything odd or long is dropped)."""
        return cls(_usable(etag), _usable(last_modified))

    def encoded(self) -> bytes:
        return f"{self.etag or ''}\t{self.last_modified or ''}".encode("ascii")

    @classmethod
    def decoded(cls, data: bytes) -> Validators:
        etag, _, modified = data.partition(b"\t")
        return cls(etag.decode("ascii") or None, modified.decode("ascii") or None)


_NONE = Validators().encoded()


def _usable(value: str | None) -> str | None:
    if value is None or len(value) > MAX_VALIDATOR or not value.isascii():
        return None
    return value if _VALIDATOR.match(value.encode("ascii")) else None


class Manifest:
    """Which prefixes of a folder are stored whole, with their validators.

    Two files in the folder: ``.download-manifest``, one sorted line per prefix,
    rewritten when a run ends; and ``.download-journal``, to which each stored
    prefix appends its line as soon as its file is in place. A run killed at any
    point leaves both readable: the journal's lines win over the manifest's, and
    a last line cut short by the kill is ignored (its prefix is fetched again).

    Entries are kept as one bytes object per prefix in a list indexed by the
    prefix's number: about 80 bytes for each of the 1,048,576 prefixes with
    HIBP's validators, and 8 MiB in all without them.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._entries: list[bytes | None] = [_NOT_DONE] * PREFIXES
        self._lock = threading.Lock()
        self._journal: BinaryIO | None = None
        self.pending = False
        """The journal holds lines the manifest does not: a run ended early, or one is under way."""
        self._read(folder / MANIFEST_FILE)
        self.pending = self._read(folder / JOURNAL_FILE)

    def _read(self, path: Path) -> bool:
        """Apply a manifest or journal file's lines; whether it held any."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise self._failed(path, exc) from exc
        lines = data.split(b"\n")
        lines.pop()  # what follows the last newline: nothing, or a line the kill cut
        found = False
        for raw in lines:
            match = _LINE.match(raw)
            if match is None:
                continue  # the header, or damage: that prefix is simply fetched again
            self._entries[int(match[1], 16)] = raw[6:]
            found = True
        return found

    def done(self, prefix: int) -> bool:
        return self._entries[prefix] is not _NOT_DONE

    def validators(self, prefix: int) -> Validators | None:
        """The validators recorded for a stored prefix; None when it is not stored."""
        entry = self._entries[prefix]
        return None if entry is None else Validators.decoded(entry)

    def record(self, prefix: int, validators: Validators) -> None:
        """Note a prefix whose file is now in place (thread-safe; on disk at once)."""
        entry = validators.encoded()
        line = b"%05X\t%s\n" % (prefix, entry)
        with self._lock:
            if self._journal is None:
                try:
                    self._journal = (self.folder / JOURNAL_FILE).open("ab", buffering=0)
                except OSError as exc:
                    raise self._failed(self.folder / JOURNAL_FILE, exc) from exc
            # One unbuffered write per line: a kill loses no line already written.
            self._journal.write(line)
            self._entries[prefix] = _NONE if entry == _NONE else entry
            self.pending = True

    def forget(self, prefix: int) -> None:
        """Drop a prefix found damaged, so that the next run fetches it (until then, in memory)."""
        with self._lock:
            self._entries[prefix] = _NOT_DONE

    def compact(self) -> None:
        """Rewrite the manifest from memory (atomically), then empty the journal."""
        self.close()
        path = self.folder / MANIFEST_FILE
        temporary = self.folder / f"{MANIFEST_FILE}.tmp"
        try:
            with temporary.open("wb") as out:
                out.write(_HEADER)
                out.writelines(
                    b"%05X\t%s\n" % (number, entry)
                    for number, entry in enumerate(self._entries)
                    if entry is not None
                )
                out.flush()
                os.fsync(out.fileno())
            temporary.replace(path)
            (self.folder / JOURNAL_FILE).unlink(missing_ok=True)
        except OSError as exc:
            raise self._failed(path, exc) from exc
        self.pending = False

    def close(self) -> None:
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None

    @staticmethod
    def _failed(path: Path, exc: OSError) -> ManifestError:
        reason = os_reason(exc.strerror or type(exc).__name__, exc.errno)
        return failure(ManifestError, "download.manifest_failed", path=str(path), reason=reason)
