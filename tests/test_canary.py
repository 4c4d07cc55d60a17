"""The secret rules, enforced: unique marker passwords must not leak into anything written."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from pathlib import Path

import pytest
import responses

from auditor.cli import main

HEADER = (
    "practice_id,practice_name,portal,username,owner,owner_email,role,password,password_changed,mfa"
)


def markers() -> dict[str, str]:
    """Passwords built around unique markers, shaped to trigger every password check."""
    tag = uuid.uuid4().hex[:10].upper()
    return {
        "breached": f"Qx{tag}b!",
        "weak": f"{tag.lower()[:6]}",
        "contextual": f"Marche{tag}#2024",
        "reused": f"Rz{tag}u?99kLmN",
        "strong": f"Vt{tag}s&Pq8#Lw",
        "invalid_row": f"Iv{tag}x%",
    }


def forms(password: str) -> list[str]:
    """Every form of a password that must never be written: itself and its unsalted hashes."""
    sha1 = hashlib.sha1(password.encode()).hexdigest()
    found = [password, sha1, sha1[5:]]
    for name in ("md5", "sha256", "sha512"):
        found.append(hashlib.new(name, password.encode()).hexdigest())
    return found + [form.upper() for form in found[1:]]


def leaks(text: str, passwords: dict[str, str]) -> list[str]:
    return [
        f"{kind}: {form[:12]}…"
        for kind, password in passwords.items()
        for form in forms(password)
        if form in text
    ]


@responses.activate
def test_no_password_or_hash_is_written_anywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    secrets = markers()
    breached_hash = hashlib.sha1(secrets["breached"].encode()).hexdigest().upper()
    requests_seen: list[str] = []

    def range_api(request: responses.PreparedRequest) -> tuple[int, dict[str, str], str]:
        requests_seen.append(f"{request.url} {dict(request.headers)}")
        prefix = (request.url or "")[-5:]
        body = "0" * 35 + ":0\r\n"  # a padding line
        if prefix == breached_hash[:5]:
            body += f"{breached_hash[5:]}:31\r\n"
        return 200, {}, body

    responses.add_callback(
        responses.GET, re.compile(r"https://hibp\.test/range/.*"), callback=range_api
    )
    rows = [
        f"750056780,Pharmacie du Marché,viamedis,a.one,Alice One,a@example.fr,admin,{secrets['breached']},2023-01-01,no",
        f"750056780,Pharmacie du Marché,almerys,b.two,Comptoir,,user,{secrets['weak']},,no",
        f"750056780,Pharmacie du Marché,kalixia,c.three,Carl Three,,user,{secrets['contextual']},2025-01-01,yes",
        f"750056780,Pharmacie du Marché,itelis,d.four,Dan Four,,user,{secrets['reused']},2025-01-01,yes",
        f"690034566,Optique Lumière,santeclair,d.four,Dan Four,,user,{secrets['reused']},2025-01-01,yes",
        f"690034566,Optique Lumière,seveane,e.five,Eve Five,,user,{secrets['strong']},2025-01-01,yes",
        f"690034566,Optique Lumière,seveane,f.six,Fay Six,,user,{secrets['invalid_row']},31/13/2025,maybe",
    ]
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    caplog.set_level(logging.DEBUG)

    outputs = []
    for args in (
        [
            "audit",
            str(inventory),
            "--skip-invalid",
            "--out",
            str(out),
            "--format",
            "json,markdown,csv,terminal",
        ],
        ["audit", str(inventory), "--skip-invalid", "--format", "json"],
        ["audit", str(inventory), "--skip-invalid", "--format", "markdown"],
        ["audit", str(inventory), "--skip-invalid", "--cache-dir", str(cache)],
        ["audit", str(inventory), "--skip-invalid", "--cache-dir", str(cache)],  # from the cache
        ["audit", str(inventory)],  # fails on the invalid row
    ):
        with pytest.raises(SystemExit):
            main(["-vv", *args, "--hibp-url", "https://hibp.test", "--as-of", "2026-11-22"])
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]

    written = [p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()]
    assert len(written) == 9
    everything = "\n".join([*outputs, *written, *requests_seen, caplog.text])
    assert "31 times" in everything  # the breached marker was found…
    assert leaks(everything, secrets) == []  # …and nothing about it leaked
    assert all(re.search(r"/range/[0-9A-F]{5} ", seen) for seen in requests_seen)
    assert all("'Add-Padding': 'true'" in seen for seen in requests_seen)

    # The cache holds public range answers only. The breached marker's suffix
    # is in its range, as it is for anyone who asks HIBP for that prefix (it is
    # breached, hence public); nothing about any other password is there, and
    # no file holds a full hash.
    cached = {p.name: p.read_text(encoding="utf-8") for p in cache.rglob("*") if p.is_file()}
    assert breached_hash[:5] in cached
    cache_text = "\n".join([*cached, *cached.values()])
    unbreached = {kind: value for kind, value in secrets.items() if kind != "breached"}
    assert leaks(cache_text, unbreached) == []
    assert breached_hash not in cache_text
    assert json.loads(cached[breached_hash[:5]])["body"] == f"{breached_hash[5:]}:31"


def test_misaligned_and_invalid_rows_never_echo_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = markers()
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(
        HEADER
        + "\n"
        + f"750056780,Pharmacie,viamedis,a,A,,user,{secrets['weak']},x,{secrets['strong']},no\n"
        + f"750056780,Pharmacie,viamedis,b,B,,user,{secrets['breached']},{secrets['reused']},no\n"
        + f"750056780,Pharmacie,viamedis,c,C,,user,{secrets['contextual']},2024-01-01,{secrets['invalid_row']}\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exited:
        main(["audit", str(inventory), "--no-breach-check"])
    captured = capsys.readouterr()
    assert exited.value.code == 2
    assert "inventory.csv:2" in captured.err and "inventory.csv:3" in captured.err
    assert leaks(captured.out + captured.err, secrets) == []
