"""Browser and password-manager CSV exports, generated and mutated: a refusal naming the file or accounts.

Memory is bounded by tracemalloc around each load (pure Python over an in-memory
text), time by Hypothesis' deadline and pytest-timeout.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from auditor.errors import AuditorError
from auditor.models import Practice
from auditor.sources import SourceOptions
from tests.fuzz.fuzzing import load_or_refuse, memory_bound, mutated, seed
from tests.fuzz.inventories import cell, echoed, odd_text, passwords

EXAMPLE = seed("chrome-export.csv")
PRACTICE = Practice("750056780", "Pharmacie du Marché")
HEADERS = {
    "Chrome or Edge": ["name", "url", "username", "password", "note"],
    "Firefox": [
        "url",
        "username",
        "password",
        "httpRealm",
        "formActionOrigin",
        "guid",
        "timeCreated",
        "timeLastUsed",
        "timePasswordChanged",
    ],
    "KeePassXC": [
        "Group",
        "Title",
        "Username",
        "Password",
        "URL",
        "Notes",
        "TOTP",
        "Icon",
        "Last Modified",
        "Created",
    ],
    "Bitwarden (CSV)": [
        "folder",
        "favorite",
        "type",
        "name",
        "notes",
        "fields",
        "reprompt",
        "login_uri",
        "login_username",
        "login_password",
        "login_totp",
    ],
    "Dashlane": [
        "username",
        "username2",
        "username3",
        "title",
        "password",
        "note",
        "url",
        "category",
        "otpSecret",
    ],
    "1Password": [
        "Title",
        "Url",
        "Username",
        "Password",
        "OTPAuth",
        "Favorite",
        "Archived",
        "Tags",
        "Notes",
    ],
    "Safari": ["Title", "URL", "Username", "Password", "Notes", "OTPAuth"],
}
URLS = cell(
    "https://www.viamedis.net/",
    "https://espace.almerys.com/login",
    "https://viamedis.net.evil.example/",
    "android://abc@com.example/",
    "www.kalixia.com",
    "",
)
VALUES = {
    "url": URLS,
    "login_uri": URLS,
    "time": cell("1700000000000", "0", "-1", "2024-02-12T10:00:00Z", "1e30"),
    "group": cell("Pharmacie du Marché/Portails", "Root", "750056780", ""),
    "type": cell("login", "card", "note"),
    "fields": cell("finess: 750056780", "a: b\nc: d", ""),
    "otp": cell("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PXP", ""),
}


def _value(title: str) -> st.SearchStrategy[str]:
    key = title.lower().replace(" ", "_")
    if "password" in key and "changed" not in key:
        return passwords
    if "url" in key or "uri" in key:
        return VALUES["url"]
    if "time" in key or "modified" in key or "created" in key:
        return VALUES["time"]
    if key in {"group", "folder", "tags", "category"}:
        return VALUES["group"]
    if key in {"type", "fields"}:
        return VALUES[key]
    if "otp" in key:
        return VALUES["otp"]
    return cell("lumiere.opt", "www.viamedis.net", "Viamedis", "69003456600012")


@st.composite
def exports(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    product = draw(st.sampled_from(sorted(HEADERS)))
    header = HEADERS[product]
    rows, secrets = [], []
    for _ in range(draw(st.integers(0, 6))):
        row = [draw(_value(title)) for title in header]
        secrets += [value for title, value in zip(header, row, strict=True) if "assword" in title]
        if draw(st.integers(0, 9)) == 0:
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(odd_text, max_size=2))
        rows.append(row)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", errors="surrogatepass"), [
        s for s in secrets if len(s) >= 6
    ]


options = st.builds(
    SourceOptions,
    practice=st.sampled_from([PRACTICE, None]),
    all_entries=st.booleans(),
)


def _load(folder: Path, data: bytes, chosen: SourceOptions) -> object:
    path = folder / "export.csv"
    path.write_bytes(data)
    with memory_bound():
        return load_or_refuse(path, chosen)


@given(export=exports(), chosen=options)
def test_generated_exports_load_or_are_refused_by_name(
    folder: Path, export: tuple[bytes, list[str]], chosen: SourceOptions
) -> None:
    data, secrets = export
    outcome = _load(folder, data, chosen)
    messages = (
        [str(outcome)]
        if isinstance(outcome, AuditorError)
        else [str(problem) for problem in getattr(outcome, "problems", ())]
    )
    assert echoed(secrets, *messages) == [], "a message quotes a password"


@given(data=mutated(EXAMPLE), chosen=options)
def test_mutated_chrome_export(folder: Path, data: bytes, chosen: SourceOptions) -> None:
    _load(folder, data, chosen)


@given(export=exports(), chosen=options, data=st.data())
def test_mutated_generated_exports(
    folder: Path, export: tuple[bytes, list[str]], chosen: SourceOptions, data: st.DataObject
) -> None:
    _load(folder, data.draw(mutated(export[0])), chosen)
