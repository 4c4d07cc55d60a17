"""CSV exports of password managers and browsers, recognised by their header line."""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from auditor.i18n.logged import logged
from auditor.models import RowProblem
from auditor.password.secret import Secret
from auditor.policy import Policy
from auditor.sources.delimited import (
    bad_csv,
    csv_lines,
    first_line,
    read_text,
    records,
    sniff_delimiter,
)
from auditor.sources.entries import EntrySource, VaultEntry, local_day, parse_time
from auditor.sources.interface import LoadResult, SourceOptions
from auditor.sources.table import field_count
from auditor.text import fold_key

logger = logging.getLogger(__name__)


def _epoch_ms(text: str) -> date | None:
    """Firefox's ``timePasswordChanged``: milliseconds since 1970."""
    try:
        return local_day(datetime.fromtimestamp(int(text) / 1000, tz=UTC))
    except (ValueError, OverflowError, OSError):
        return None


def _iso(text: str) -> date | None:
    """KeePassXC's ``Last Modified``: an ISO 8601 time."""
    return local_day(parse_time(text))


def _bitwarden_fields(text: str) -> dict[str, str]:
    """Bitwarden's CSV ``fields`` column: one ``name: value`` per line."""
    found = {}
    for line in csv_lines(text):
        name, sep, value = line.rstrip("\r\n").partition(": ")
        if sep:
            found[name.strip()] = value.strip()
    return found


@dataclass(frozen=True)
class ExportLayout:
    """The columns of one product's CSV export, as folded header names."""

    product: str
    signature: frozenset[str]
    """Headers that together identify the product."""
    username: str
    credential: str
    """The column that holds the password."""
    url: str | None = None
    title: str | None = None
    group: str | None = None
    """A folder path or tags that can name the practice."""
    group_separator: str = ","
    """Between the folder path's levels, or between tags."""
    totp: tuple[str, ...] = ()
    changed: str | None = None
    parse_changed: Callable[[str], date | None] = _iso
    changed_approximate: bool = False
    fields: str | None = None
    kind: tuple[str, str] | None = None
    """A column and the value it holds for logins (other rows are cards, notes…)."""


def _keys(signature: str) -> frozenset[str]:
    return frozenset(signature.split())


# Most specific first: Safari's columns are a subset of 1Password's.
LAYOUTS: Sequence[ExportLayout] = (
    ExportLayout(
        "Firefox",
        _keys("url username password formactionorigin timepasswordchanged"),
        url="url",
        username="username",
        credential="password",
        changed="timepasswordchanged",
        parse_changed=_epoch_ms,
    ),
    ExportLayout(
        "KeePassXC",
        _keys("group title username password url lastmodified"),
        url="url",
        title="title",
        username="username",
        credential="password",
        group="group",
        group_separator="/",
        totp=("totp",),
        changed="lastmodified",
        changed_approximate=True,
    ),
    ExportLayout(
        "Bitwarden (CSV)",
        _keys("loginuri loginusername loginpassword"),
        url="loginuri",
        title="name",
        username="loginusername",
        credential="loginpassword",
        group="folder",
        group_separator="/",
        totp=("logintotp",),
        fields="fields",
        kind=("type", "login"),
    ),
    ExportLayout(
        "Dashlane",
        _keys("username username2 title password url"),
        url="url",
        title="title",
        username="username",
        credential="password",
        group="category",
        totp=("otpsecret", "otpurl"),
    ),
    ExportLayout(
        "1Password",
        _keys("title url username password otpauth archived"),
        url="url",
        title="title",
        username="username",
        credential="password",
        group="tags",
        totp=("otpauth",),
    ),
    ExportLayout(
        "Safari",
        _keys("title url username password otpauth"),
        url="url",
        title="title",
        username="username",
        credential="password",
        totp=("otpauth",),
    ),
    ExportLayout(
        "Chrome or Edge",
        _keys("name url username password"),
        url="url",
        title="name",
        username="username",
        credential="password",
    ),
)


def recognise(header: Sequence[str]) -> ExportLayout | None:
    """The product whose export has this header line, if any."""
    keys = {fold_key(title) for title in header}
    return next((layout for layout in LAYOUTS if layout.signature <= keys), None)


class ManagerExport(EntrySource):
    """A browser's or password manager's CSV export: one account per login of a known portal."""

    def __init__(
        self, path: Path, layout: ExportLayout, options: SourceOptions, text: str | None = None
    ) -> None:
        super().__init__(path, options)
        self.layout = layout
        self._text = text
        """The decoded file, when whoever recognised the export already read it."""

    def load(self, policy: Policy, as_of: date) -> LoadResult:
        text = self._text if self._text is not None else read_text(self.file)
        delimiter = sniff_delimiter(first_line(text)) or ","
        try:
            rows = list(records(text, delimiter))
        except csv.Error as exc:
            line = exc.args[1] if len(exc.args) > 1 else 1
            return LoadResult((), (RowProblem(self.path, line, "-", bad_csv(exc)),))
        _, header = rows[0]
        index = {fold_key(title): position for position, title in enumerate(header)}
        reader = self.reader(policy, as_of)
        other = 0
        for line, cells in rows[1:]:
            if len(cells) != len(header):
                # Misaligned: a password could sit in any column, so none is quoted.
                reader.note(RowProblem(self.path, line, "-", field_count(len(header), len(cells))))
                continue
            row = _Row(index, cells)
            if self.layout.kind and fold_key(row.get(self.layout.kind[0])) != self.layout.kind[1]:
                other += 1  # a card or a note, not a login
                continue
            reader.read(self._entry(line, row))
        if other:
            said = logged("log.not_login_rows", path=self.path, count=str(other), n=other)
            logger.info("%s", said)
        return reader.result()

    def _entry(self, line: int, row: _Row) -> VaultEntry:
        layout = self.layout
        url = row.get(layout.url)
        title = row.get(layout.title)
        group = row.get(layout.group)
        folders = tuple(
            part.strip() for part in group.split(layout.group_separator) if part.strip()
        )
        changed_text = row.get(layout.changed)
        changed = layout.parse_changed(changed_text) if changed_text else None
        password = row.get(layout.credential, strip=False)
        return VaultEntry(
            where=f"line {line}",
            line=line,
            title=title,
            username=row.get(layout.username),
            urls=(url,) if url else (),
            folders=folders,
            fields=_bitwarden_fields(row.get(layout.fields)) if layout.fields else {},
            password=Secret(password) if password else None,
            totp=any(row.get(column) for column in layout.totp),
            changed=changed,
            changed_approximate=layout.changed_approximate and changed is not None,
        )


@dataclass(frozen=True)
class _Row:
    """One CSV row, read by folded column name."""

    index: Mapping[str, int]
    cells: Sequence[str]

    def get(self, column: str | None, *, strip: bool = True) -> str:
        position = self.index.get(column) if column else None
        if position is None:
            return ""
        return self.cells[position].strip() if strip else self.cells[position]
