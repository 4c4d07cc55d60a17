"""KeePassXC's ``keepassxc-cli analyze --hibp`` against ``portal-audit audit``, whole runs.

Both tools are run whole, as a person runs them, on the same generated 1,000-entry
KeePass vault and the same corpus in the downloader's format: KeePassXC scans the
corpus line by line; portal-audit reads one block per password through the index
(``hibp index``, built before and not timed: it is built once per corpus). The vault
has a cheap key derivation (Argon2, one pass, 16 MiB), which both tools pay alike.
The runs alternate, and each tool's best is kept (the machine is shared).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor.hibp.offline import build_index
from benchmarks.common import AUDIT_FLAGS, DATA, REPO, audit_command
from benchmarks.data import PORTALS, password_mix
from benchmarks.offline import generate

LINES = 100_000_000
"""The corpus of issue 17's measure (35–38 s for KeePassXC): its scan grows with the file."""
ENTRIES = 1000
ROUNDS = 3
MASTER = "benchmark-master"
PRACTICE = "750056780"
CHANGED = datetime(2025, 3, 1, 12, tzinfo=UTC)
"""Every entry's last change: before the benchmarks' fixed audit date."""
_DOMAINS = {
    "viamedis": "viamedis.net",
    "almerys": "almerys.com",
    "cbpec": "carteblanchepartenaires.fr",
    "oxantis": "oxantis.net",
    "kalixia": "kalixia.fr",
    "santeclair": "santeclair.fr",
    "itelis": "itelis.fr",
    "amelipro": "ameli.fr",
}
"""Each portal's official domain (policies/portals.toml), so every entry is a portal's."""


def setup() -> str | None:
    """``keepassxc-cli``'s path, installed from the distribution when missing and root."""
    found = shutil.which("keepassxc-cli")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "keepassxc"],
        ):
            subprocess.run(command, env=environment, capture_output=True, check=False)
        found = shutil.which("keepassxc-cli")
    return found


def write_vault(path: Path, entries: int = ENTRIES) -> Path:
    """A KDBX 4 vault of ``entries`` portal logins with distinct passwords, written once."""
    if path.exists():
        return path
    from pykeepass import create_database

    database = create_database(str(path), password=MASTER)
    parameters = database.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    parameters["I"].value = 1
    parameters["M"].value = 16 * 1024 * 1024
    group = database.add_group(database.root_group, "Portails")
    portals = list(PORTALS)
    for number, password in enumerate(password_mix(entries, seed=17)):
        portal = portals[number % len(portals)]
        entry = database.add_entry(
            group,
            title=f"{portal} {number:04d}",
            username=f"ph{number:04d}",
            password=password,
            url=f"https://www.{_DOMAINS[portal]}/",
        )
        entry.mtime = CHANGED
    temporary = path.with_suffix(".tmp")
    database.save(str(temporary))
    temporary.replace(path)
    return path


def _keepassxc(cli: str, corpus: Path, vault: Path) -> tuple[float, str]:
    begin = time.perf_counter()
    done = subprocess.run(
        [cli, "analyze", "--quiet", "--hibp", str(corpus), str(vault)],
        input=MASTER + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - begin
    if done.returncode != 0:
        raise RuntimeError(f"keepassxc-cli failed: {done.stderr[-500:]}")
    return seconds, done.stdout


def _portal_audit(corpus: Path, vault: Path) -> tuple[float, int]:
    command = audit_command(
        str(vault), "--hibp-offline", str(corpus), "--practice", PRACTICE, "--no-history"
    )
    command += list(AUDIT_FLAGS)
    environment = {**os.environ, "PORTAL_AUDIT_KEEPASS_PASSWORD": MASTER}
    begin = time.perf_counter()
    done = subprocess.run(
        command, cwd=REPO, env=environment, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - begin
    if done.returncode not in (0, 1):  # 3 would be an incomplete audit: a lookup failed
        raise RuntimeError(f"portal-audit failed ({done.returncode}): {done.stderr[-500:]}")
    return seconds, done.stdout.count('"username"')


def run(lines: int = LINES) -> dict[str, Any]:
    """Whole runs of both tools, alternating, and the ratio of their best times."""
    cli = setup()
    if cli is None:
        print("  keepassxc: keepassxc-cli is not installed (and cannot be): skipped", flush=True)
        return {"skipped": "keepassxc-cli is not installed"}
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=False)
    corpus, _, _ = generate(lines)
    begin = time.perf_counter()
    build_index(corpus)
    index_seconds = time.perf_counter() - begin
    vault = write_vault(DATA / f"vault-{ENTRIES}.kdbx")
    theirs: list[float] = []
    ours: list[float] = []
    mentions = 0
    for _ in range(ROUNDS):
        seconds, _ = _keepassxc(cli, corpus, vault)
        theirs.append(seconds)
        seconds, mentions = _portal_audit(corpus, vault)
        ours.append(seconds)
    result = {
        "keepassxc_version": version.stdout.strip(),
        "corpus_lines": lines,
        "entries": ENTRIES,
        "report_username_fields": mentions,
        "index_seconds": round(index_seconds, 2),
        "keepassxc_seconds": round(min(theirs), 2),
        "portal_audit_seconds": round(min(ours), 2),
        "all_keepassxc_seconds": [round(t, 2) for t in theirs],
        "all_portal_audit_seconds": [round(t, 2) for t in ours],
        "ratio": round(min(theirs) / min(ours), 1),
        "load": os.getloadavg()[0],
    }
    print(
        f"  keepassxc-cli analyze --hibp, {ENTRIES:,} entries, {lines:,} lines: "
        f"{result['keepassxc_seconds']} s; portal-audit {result['portal_audit_seconds']} s "
        f"({result['ratio']}x)",
        flush=True,
    )
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
