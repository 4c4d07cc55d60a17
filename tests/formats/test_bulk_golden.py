"""A group's report, large enough to reach every path of the writers, stays byte for byte the same.

The example inventory's golden files (``tests/cli``) hold one small report and no HTML.
Here a generated group (nine practices, about three hundred accounts, every check id,
active, expired and lapsed waivers, vault copies, history, a failed lookup, skipped rows,
hostile names) is written with ``--out`` as JSON, HTML, CSV and Markdown, in English,
in French (Excel's CSV) and anonymised. ``tests/golden/bulk.sha256`` holds each file's
SHA-256 as the writers produced it before they were made faster (issue 17): a change of
one byte in any of them fails. Regenerate with ``UPDATE_GOLDEN=1`` only for a change of
the report itself, and read the differing files first (the failure writes them out).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import pipeline
from auditor.finess import luhn_valid
from auditor.models import Account, CheckId, Origin, Practice, Role
from auditor.password.secret import Secret

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "bulk.sha256"
AS_OF = "2026-11-22"
PREVIOUS = "2026-09-01"
"""The run recorded in the history first, so that each practice says what changed since."""

PORTALS = (
    "viamedis",
    "almerys",
    "cbpec",
    "oxantis",
    "generation",
    "itelis",
    "kalixia",
    "santeclair",
    "seveane",
    "isante",
    "spsante",
    "harmonie",
    "amelipro",
)
BREACHED = {"soleil": 265_871, "azerty123": 1_067_219, "Pharmacie2024!": 14, "marseille13": 902}
"""Passwords the generated corpus lists, with made-up counts."""
SITE_CHECKS = {"phished", "lookalike-site", "reused-elsewhere"}
"""Checks this group does not reach (no entry on a lookalike or other site shares a password)."""
UNKNOWN = "Zq!unlisted-prefix-7Kp"
"""A password whose prefix has no corpus line: its lookup is unknown, the audit incomplete."""
NAMES = (
    "Claire Martin",
    "Lucas Bernard",
    "Émilie Lefèvre",
    "Comptoir",
    "Jean-Noël Dupré",
    "<b>O'Brien & Fils</b>",
    '=HYPERLINK("x")',
    "Zoë Çelik",
    "Accueil",
    "[Marc](javascript:alert) Petit",
)


def _finess(rng: random.Random, count: int) -> list[str]:
    found: set[str] = set()
    while len(found) < count:
        candidate = f"{rng.randint(1, 95):02d}{rng.randint(0, 9_999_999):07d}"
        if luhn_valid(candidate):
            found.add(candidate)
    return sorted(found)


def _strong(rng: random.Random) -> str:
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#$%&*+-=?@"
    return "".join(rng.choices(alphabet, k=18))


def _rows(rng: random.Random) -> Iterator[dict[str, str]]:
    """The inventory's rows: each practice gets every kind of problem, in varying amounts."""
    practices = _finess(rng, 9)
    shared_strong = _strong(rng)
    for number, finess in enumerate(practices):
        name = ("Pharmacie", "Optique", "Pharmacie de la Gare")[number % 3] + f" {finess[-3:]}"
        reused = _strong(rng)
        pair = _strong(rng)
        for index in range(30 + 3 * number):
            portal = PORTALS[(index + number) % len(PORTALS)]
            owner = NAMES[(index + number) % len(NAMES)] if index % 11 else ""
            kind = rng.randrange(16)
            password = {
                0: rng.choice(tuple(BREACHED)),
                1: "chat12",
                2: f"{name.split()[0]}{finess[-4:]}",
                3: reused,
                4: f"Ordonnance{rng.randint(2019, 2026)}!",
                5: f"Lumiere{rng.randint(2020, 2026)}{rng.choice('!?*')}",
                6: "",
                7: shared_strong,
            }.get(kind, _strong(rng))
            username = f"{portal[:3]}.{index:03d}"
            if index % 13 == 5:
                username, password = "groupe.achats", pair  # one login, one password, portals
            if index % 17 == 3:
                username = "comptoir"  # one login, several people
            changed = rng.choice(
                ("", "2023-05-02", "2024-01-10", "12/09/2019", "2025-11-30", "2026-06-15")
            )
            if index == 7:
                changed = "31/02/2024"  # a bad date: a row left out with --skip-invalid
            yield {
                "practice_id": finess,
                "practice_name": name,
                "portal": portal,
                "username": username,
                "owner": owner,
                "owner_email": f"p{index}@{finess}.example" if index % 4 == 0 else "",
                "role": "admin" if index % 6 == 0 else "user",
                "password": password,
                "password_changed": changed,
                "mfa": ("oui", "non", "")[index % 3],
            }
    yield {
        "practice_id": practices[0],
        "practice_name": "Pharmacie " + practices[0][-3:],
        "portal": "viamedis",
        "username": "lookup.fails",
        "owner": "Claire Martin",
        "owner_email": "",
        "role": "user",
        "password": UNKNOWN,
        "password_changed": "2026-01-05",
        "mfa": "oui",
    }


def _login(name: str, username: str, password: str, **extra: Any) -> dict[str, Any]:
    history = extra.pop("history", ())
    return {
        "id": f"{name}-{username}",
        "organizationId": None,
        "folderId": extra.pop("folder", "f0"),
        "type": 1,
        "reprompt": 0,
        "name": name,
        "notes": None,
        "favorite": False,
        "fields": [{"name": k, "value": v, "type": 0, "linkedId": None} for k, v in extra.items()],
        "login": {
            "uris": [],
            "username": username,
            "password": password,
            "totp": None,
            "passwordRevisionDate": "2025-03-01T12:00:00Z",
        },
        "collectionIds": [],
        "passwordHistory": [
            {"lastUsedDate": f"{day}T12:00:00Z", "password": old} for old, day in history
        ],
        "revisionDate": "2025-03-01T12:00:00Z",
        "creationDate": "2024-01-10T12:00:00Z",
    }


def _vault(rows: list[dict[str, str]]) -> dict[str, Any]:
    """A Bitwarden export of the first two practices: history, copies, conflicting copies."""
    first, second = rows[0], next(r for r in rows if r["practice_id"] != rows[0]["practice_id"])
    copied = next(r for r in rows[1:] if r["practice_id"] == first["practice_id"] and r["password"])
    return {
        "encrypted": False,
        "folders": [
            {"id": "f0", "name": f"{first['practice_name']} {first['practice_id']}"},
            {"id": "f1", "name": f"{second['practice_name']} {second['practice_id']}"},
        ],
        "items": [
            _login(
                "Almerys",
                "vault.recycled",
                "Rc-recycled!9qW",
                history=[("Rc-recycled!9qW", "2023-01-01"), ("Between!8aQ", "2024-01-01")],
                Titulaire="Claire Martin",
            ),
            _login(
                "Viamedis",
                "vault.rotated",
                "Marche-Paris2025!",
                history=[("Marche-Paris2023!", "2023-03-01"), ("Marche-Paris2024!", "2024-02-20")],
                Titulaire="Comptoir",
            ),
            # An inventory row's login again: left out, the row says so.
            _login(
                copied["portal"].capitalize(),
                copied["username"],
                copied["password"],
                Titulaire=copied["owner"],
            ),
            # One login in two entries with the same password: copies, merged.
            _login("Santeclair", "vault.copy", "Copy-Same!5tY7uIo", Titulaire="Zoë Çelik"),
            _login(
                "Santeclair",
                "vault.copy",
                "Copy-Same!5tY7uIo",
                folder="f0",
                Titulaire="Zoë Çelik",
                Note="second copy",
            ),
            # The same login again with another password: conflicting entries.
            _login("Kalixia", "vault.conflict", "Conflict-A!7xQ2mWp", Titulaire="Lucas Bernard"),
            _login("Kalixia", "vault.conflict", "Conflict-B!4vR8nZt", Titulaire="Lucas Bernard"),
            _login("Itelis", "vault.itelis", "Lumiere2024", folder="f1", Titulaire="Marc Petit"),
            _login("Banque", "vault.bank", "kP3!xW7#nQ9@vB2m", folder="f1"),
        ],
    }


def _policy(rows: list[dict[str, str]]) -> str:
    first = rows[0]["practice_id"]
    other = rows[-2]["practice_id"]
    return f"""
[mfa]
required = true

[practice_contacts]
"{first}" = "titulaire@{first}.example"

[[waiver]]
check = "shared-account"
practice = "{first}"
reason = "one login per practice until individual logins arrive"
accepted_by = "Claire Martin, pharmacienne titulaire"
expires = 2027-01-31

[[waiver]]
check = "no-mfa"
practice = "{other}"
portal = "kalixia"
reason = "Kalixia's second factor is being rolled out"
accepted_by = "Direction des systèmes d'information"
expires = 2027-03-31

[[waiver]]
practice = "{other}"
portal = "amelipro"
username = "ame.012"
reason = "account closed at the end of the month"
accepted_by = "Service informatique"
expires = 2026-12-31

[[waiver]]
check = "reused"
practice = "{first}"
portal = "santeclair"
reason = "migration to the group's password manager"
accepted_by = "Direction des systèmes d'information"
expires = 2026-10-31
"""


def _corpus(passwords: set[str]) -> str:
    """A whole corpus (00000 to FFFFF) answering every password but ``UNKNOWN``."""
    rng = random.Random(5)
    lines = {"0" * 40 + ":1", "F" * 40 + ":2"}
    for password in passwords - {UNKNOWN, ""}:
        digest = hashlib.sha1(password.encode()).hexdigest().upper()
        filler = digest[:5] + "".join(rng.choices("0123456789ABCDEF", k=35))
        lines.add(f"{filler}:{rng.randint(1, 9)}")
        if password in BREACHED:
            lines.add(f"{digest}:{BREACHED[password]}")
    return "".join(f"{line}\n" for line in sorted(lines))


def write_inputs(folder: Path) -> list[str]:
    """The inventory, the vault, the policy and the corpus; the audit's common arguments,
    to be run from ``folder``."""
    rng = random.Random(17)
    rows = list(_rows(rng))
    columns = list(rows[0])
    lines = [",".join(columns)]
    for row in rows:
        lines.append(",".join('"' + row[c].replace('"', '""') + '"' for c in columns))
    (folder / "inventory.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    vault = _vault(rows)
    (folder / "vault.json").write_text(json.dumps(vault), encoding="utf-8")
    (folder / "policy.toml").write_text(_policy(rows), encoding="utf-8")
    passwords = {row["password"] for row in rows}
    passwords |= {item["login"]["password"] for item in vault["items"]}
    passwords |= {old["password"] for item in vault["items"] for old in item["passwordHistory"]}
    (folder / "corpus.txt").write_text(_corpus(passwords), encoding="utf-8")
    # Relative: the reports name the files, and the golden digests name no temporary folder.
    return [
        "inventory.csv",
        "vault.json",
        "--policy",
        "policy.toml",
        "--hibp-offline",
        "corpus.txt",
        "--skip-invalid",
        "--jobs",
        "1",
    ]


def _with_an_empty_password(real: Callable[..., Any]) -> Callable[..., Any]:
    """No source yields an empty password (an empty cell is "not recorded"): add one."""

    def read(*args: Any, **kwargs: Any) -> Any:
        inventory = real(*args, **kwargs)
        first = inventory.accounts[0]
        empty = Account(
            practice=Practice(first.practice.id, first.practice.name),
            portal="cbpec",
            username="empty.password",
            owner="Lucas Bernard",
            owner_email=None,
            role=Role.USER,
            password_changed=date(2025, 6, 1),
            mfa=True,
            origin=Origin("api", 1),
            password=Secret(""),
        )
        return replace(inventory, accounts=(*inventory.accounts, empty))

    return read


RUNS = {
    "en": ["--format", "json,html,csv,markdown", "--lang", "en"],
    "fr": ["--format", "html,csv,markdown", "--lang", "fr", "--csv-dialect", "excel-fr"],
    "anonymised": ["--format", "json,html,csv", "--lang", "fr", "--anonymize"],
}
"""Each run's ``--out`` folder and options: JSON is English whatever ``--lang`` says."""


def digests(root: Path) -> dict[str, str]:
    """Every file below ``root`` by its path, with its SHA-256."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _audit(*args: str) -> int:
    """The CLI in-process; its exit code."""
    from auditor.cli import main

    try:
        main(["audit", *args])
    except SystemExit as exited:
        return int(exited.code or 0)
    return 0


def write_group(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Audit the generated group once per entry of ``RUNS``; the folder holding the outputs."""
    monkeypatch.setattr(
        pipeline, "read_inventories", _with_an_empty_password(pipeline.read_inventories)
    )
    common = write_inputs(folder)
    monkeypatch.chdir(folder)
    history = folder / "history.sqlite"
    previous = ("--as-of", PREVIOUS, "--history", str(history), "--format", "csv")
    assert _audit(*common, *previous) in (1, 3)
    out = folder / "out"
    for name, options in RUNS.items():
        copy = folder / f"history-{name}.sqlite"
        shutil.copyfile(history, copy)
        written = ("--as-of", AS_OF, "--history", str(copy), "--out", f"out/{name}")
        assert _audit(*common, *written, *options) in (1, 3)
    return out


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The outputs, written once for the tests of this module (the autouse fixtures are
    per test: the locale and the history's folder are set here the same way)."""
    folder = tmp_path_factory.mktemp("group")
    package = logging.getLogger("auditor")  # the CLI configures it: put it back after
    saved = (package.handlers[:], package.level, package.propagate, package.disabled)
    with pytest.MonkeyPatch.context() as patch:
        for name in ("LC_ALL", "LC_MESSAGES"):
            patch.delenv(name, raising=False)
        patch.setenv("LANG", "C.UTF-8")
        patch.setenv("XDG_DATA_HOME", str(folder / "xdg-data"))
        out = write_group(folder, patch)
    package.handlers[:], package.level, package.propagate, package.disabled = saved
    return out


def test_a_group_report_is_byte_identical_to_the_golden_digests(group: Path) -> None:
    found = digests(group)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text("".join(f"{d}  {p}\n" for p, d in found.items()), encoding="utf-8")
    expected = {}
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        digest, path = line.split("  ", 1)
        expected[path] = digest
    differing = sorted(p for p in expected.keys() | found.keys() if expected.get(p) != found.get(p))
    assert not differing, f"{len(differing)} files differ (kept in {group}): {differing[:10]}"


def test_the_group_covers_every_check_and_both_languages(group: Path) -> None:
    """The golden digests are worth something only if the group reaches every path."""
    document = json.loads((group / "en" / "summary.json").read_text(encoding="utf-8"))
    practices = document["practices"]
    found = {f["check"] for p in practices for f in (*p["findings"], *p["waived"])}
    # The checks of vault entries' sites need a lookalike or a non-portal site's password.
    assert found >= {check.value for check in CheckId} - SITE_CHECKS
    assert {p["waived"] != [] for p in practices} == {True, False}
    assert document["expired_waivers"] and document["skipped_rows"]
    assert not document["complete"]
    assert any(p["since_previous"] for p in practices)
    assert any(p["references"] for p in practices)
    assert "Comptes" in (group / "fr" / "summary.md").read_text(encoding="utf-8")
    assert "anonymised" in {path.name for path in group.iterdir()}
