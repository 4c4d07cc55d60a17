"""The secret rules, enforced: unique marker passwords must not leak into anything written."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import responses

from auditor.cli import main
from tests.conftest import Inbox

SENDER = "informatique@groupe.example"

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
        # Built on a trade word; the digits after it make the marker unique.
        "banned": f"Ordonnance{int(tag, 16) % 10**9:09d}!",
        # Two passwords alike once folded (case, trailing digits and symbols), not equal.
        "similar_a": f"Sm{tag}kq2024!",
        "similar_b": f"sm{tag.lower()}KQ2025?",
        # Not a row: their shared folded form, which must not be written either.
        "similar_stem": f"sm{tag.lower()}kq",
    }


def vault_markers() -> dict[str, str]:
    """Passwords of the test vaults (``_write_vaults``): current, history, trash, exports, keys."""
    tag = uuid.uuid4().hex[:10].upper()
    return {
        "kp_current": f"Canary{tag}2025!",
        "kp_rotated_from": f"Canary{tag}2024!",
        "kp_recycled": f"Rc{tag}cy!9qW",
        "kp_between": f"Mid{tag}x#7Lp",
        "kp_trashed": f"Tr{tag}sh!8",
        "kp_left_out": f"Lo{tag}ut!8",
        "bw_breached": f"Bw{tag}br!5",
        "bw_old": f"Bo{tag}ld!5",
        "bw_hidden_field": f"Hd{tag}fd!5",
        "csv_export": f"Ch{tag}rm!5",
        "excel": f"Xl{tag}sx!5",
        "master": f"Ms{tag}tr!5",
        "export": f"Ex{tag}pt!5",
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


def marker_rows(secrets: dict[str, str]) -> list[str]:
    """Inventory rows, one per marker, two practices: every password check fires once."""
    return [
        f"750056780,Pharmacie du Marché,viamedis,a.one,Alice One,a@example.fr,admin,{secrets['breached']},2023-01-01,no",
        f"750056780,Pharmacie du Marché,almerys,b.two,Comptoir,,user,{secrets['weak']},,no",
        f"750056780,Pharmacie du Marché,kalixia,c.three,Carl Three,,user,{secrets['contextual']},2025-01-01,yes",
        f"750056780,Pharmacie du Marché,itelis,d.four,Dan Four,,user,{secrets['reused']},2025-01-01,yes",
        f"690034566,Optique Lumière,santeclair,d.four,Dan Four,,user,{secrets['reused']},2025-01-01,yes",
        f"690034566,Optique Lumière,seveane,e.five,Eve Five,,user,{secrets['strong']},2025-01-01,yes",
        f"690034566,Optique Lumière,oxantis,g.seven,Gus Seven,,user,{secrets['banned']},2025-01-01,yes",
        f"690034566,Optique Lumière,oxantis,h.eight,Hal Eight,,user,{secrets['similar_a']},2025-01-01,yes",
        f"690034566,Optique Lumière,kalixia,h.eight,Hal Eight,,user,{secrets['similar_b']},2025-01-01,yes",
        f"690034566,Optique Lumière,seveane,f.six,Fay Six,,user,{secrets['invalid_row']},31/13/2025,maybe",
    ]


@responses.activate
def test_no_password_or_hash_is_written_anywhere(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    smtp_server: tuple[int, Inbox],
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
    rows = marker_rows(secrets)
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    reminders = tmp_path / "reminders"
    port, inbox = smtp_server
    smtp = ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--smtp-security", "none"]
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
            "json,markdown,csv,terminal,junit,html",
        ],
        ["audit", str(inventory), "--skip-invalid", "--format", "json"],
        ["audit", str(inventory), "--skip-invalid", "--format", "markdown", "--lang", "fr"],
        ["audit", str(inventory), "--skip-invalid", "--format", "html", "--lang", "fr"],
        ["audit", str(inventory), "--skip-invalid", "--cache-dir", str(cache)],
        ["audit", str(inventory), "--skip-invalid", "--cache-dir", str(cache)],  # from the cache
        ["audit", str(inventory)],  # fails on the invalid row
        # Reminders: drafts, CSV and calendar; a dry run; and real sending to 127.0.0.1.
        ["remind", str(inventory), "--skip-invalid", "--out", str(reminders), "--from", SENDER],
        ["remind", str(inventory), "--skip-invalid", "--lang", "fr"],
        ["remind", str(inventory), "--skip-invalid", "--send", "--from", SENDER, *smtp],
        ["history"],
        ["history", "--format", "json"],
    ):
        extra = [] if args[0] == "history" else ["--hibp-url", "https://hibp.test"]
        extra += [] if args[0] == "history" else ["--as-of", "2026-11-22"]
        with contextlib.suppress(SystemExit):  # audit and remind exit with their code
            main(["-vv", *args, *extra])
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]

    written = [p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()]
    assert len(written) == 15
    drafted = [p.read_text(encoding="utf-8") for p in reminders.rglob("*") if p.is_file()]
    assert len(drafted) >= 3  # reminders.csv, reminders.ics and at least one .eml
    # The history database (and its WAL), as bytes: every table, index and free page.
    database = [
        p.read_bytes().decode("latin-1")
        for p in tmp_path.joinpath("xdg-data").rglob("*")
        if p.is_file()
    ]
    assert database and "a.one" in "".join(database)  # the runs were recorded…
    sent = [raw.decode("utf-8", "replace") for *_, raw in inbox.messages]
    assert sent  # …and reminders were sent
    everything = "\n".join(
        [*outputs, *written, *drafted, *database, *sent, *requests_seen, caplog.text]
    )
    assert "31 times" in everything  # the breached marker was found…
    assert "credential-pair" in everything  # d.four: one login and password, two portals
    assert "banned-word" in everything  # the banned-word marker too…
    assert "similar-password" in everything  # …and the similar pair…
    assert "ordonnance" not in everything.casefold()  # …without the word it is built on
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


@responses.activate
def test_vaults_and_their_history_leak_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    kdbx_template: Path,
) -> None:
    """Every source, history items and vault passwords included, through every output."""

    secrets = vault_markers()
    breached_hash = hashlib.sha1(secrets["bw_breached"].encode()).hexdigest().upper()
    asked: list[str] = []

    def range_api(request: responses.PreparedRequest) -> tuple[int, dict[str, str], str]:
        asked.append(f"{request.url} {dict(request.headers)}")
        prefix = (request.url or "")[-5:]
        body = f"{breached_hash[5:]}:12\r\n" if prefix == breached_hash[:5] else ""
        return 200, {}, body + "0" * 35 + ":0\r\n"

    responses.add_callback(
        responses.GET, re.compile(r"https://hibp\.test/range/.*"), callback=range_api
    )
    inventories = _write_vaults(tmp_path, kdbx_template, secrets)
    monkeypatch.setenv("PORTAL_AUDIT_BITWARDEN_PASSWORD", secrets["export"])
    caplog.set_level(logging.DEBUG)
    out, cache = tmp_path / "out", tmp_path / "cache"
    common = [
        "--keepass-password-file",
        str(tmp_path / "master.txt"),
        "--practice",
        "750056780",
        "--hibp-url",
        "https://hibp.test",
        "--as-of",
        "2026-11-22",
        "--skip-invalid",
    ]
    outputs = []
    for args in (
        [
            "--out",
            str(out),
            "--format",
            "json,markdown,csv,terminal,junit,html",
            "--cache-dir",
            str(cache),
        ],
        ["--format", "json", "--all-entries"],
        ["--format", "markdown"],
        ["--format", "html", "--lang", "fr"],
        ["--format", "csv", "--csv-dialect", "excel-fr"],
    ):
        with pytest.raises(SystemExit):
            main(["-vv", "audit", *inventories, *common, *args])
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]
    with pytest.raises(SystemExit) as wrong:
        main(["audit", inventories[0], "--no-breach-check"])  # no password file: no terminal either
    captured = capsys.readouterr()
    outputs += [captured.out, captured.err]
    assert wrong.value.code == 2

    document = json.loads(outputs[2])
    checks = {(f["portal"], f["check"]) for p in document["practices"] for f in p["findings"]}
    # The history items were compared, and the vaults were really read…
    assert {
        ("viamedis", "predictable-rotation"),
        ("almerys", "recycled"),
        ("kalixia", "breached"),
    } <= checks
    assert {("santeclair", "age-unknown"), ("itelis", "age-unknown")} <= checks
    assert "banque.example" in {a["portal"] for p in document["practices"] for a in p["accounts"]}
    assert [row["entry"] for row in document["skipped_rows"]] == [
        "Pharmacie du Centre 750056780/Itelis"
    ]
    # …history items are never looked up: one range per current password.
    # 5 current passwords (6 with --all-entries) in each run: never a history item.
    assert len(asked) == 5 + 6 + 5 + 5 + 5
    report = json.loads((out / "750056780" / "report.json").read_text(encoding="utf-8"))
    sites = {(f["portal"], f["check"]) for f in report["practices"][0]["findings"]}
    assert {
        ("viamedis", "phished"),
        ("viamedis-pro.com", "lookalike-site"),
        ("almerys", "reused-elsewhere"),
    } <= sites
    written = [p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()]
    cached = [p.read_text(encoding="utf-8") for p in cache.rglob("*") if p.is_file()]
    everything = "\n".join([*outputs, *written, *asked, caplog.text, *cached])
    unbreached = {kind: value for kind, value in secrets.items() if kind != "bw_breached"}
    assert leaks(everything, unbreached) == []
    assert leaks("\n".join([*outputs, *written, *asked, caplog.text]), secrets) == []
    assert breached_hash not in "\n".join(cached)


def _write_vaults(tmp_path: Path, kdbx_template: Path, secrets: dict[str, str]) -> list[str]:
    """A KeePass database, an encrypted Bitwarden export, a Chrome export and a workbook."""
    from openpyxl import Workbook

    from tests.sources.vaults import Login, bitwarden_login, encrypt_bitwarden, write_kdbx

    centre = ["Pharmacie du Centre 750056780"]
    kdbx = write_kdbx(
        kdbx_template,
        tmp_path / "coffre.kdbx",
        [
            Login(
                centre,
                "Viamedis",
                "jdupont",
                secrets["kp_current"],
                url="https://viamedis.net",
                history=[(secrets["kp_rotated_from"], "2024-01-01")],
                changed="2025-02-01",
            ),
            Login(
                centre,
                "Almerys",
                "centre",
                secrets["kp_recycled"],
                history=[
                    (secrets["kp_recycled"], "2023-01-01"),
                    (secrets["kp_between"], "2024-01-01"),
                ],
                changed="2025-02-01",
            ),
            Login(centre, "Banque", "centre", secrets["kp_left_out"], url="https://banque.example"),
            # A phishing page's entry (the Viamedis password, typed on a lookalike), and a
            # webmail sharing the Almerys password: phished, lookalike-site, reused-elsewhere.
            Login(
                centre, "Viamedis", "centre", secrets["kp_current"], url="https://viamedis-pro.com/"
            ),
            Login(
                centre, "Webmail", "c", secrets["kp_recycled"], url="https://webmail.example.fr/"
            ),
            Login(centre, "Itelis", "bad", "irrelevant-pw", fields={"FINESS": "750056781"}),
        ],
        password=secrets["master"],
        trashed=[Login(centre, "Kalixia", "old", secrets["kp_trashed"], url="https://kalixia.fr")],
    )
    (tmp_path / "master.txt").write_text(secrets["master"] + "\n")
    (tmp_path / "master.txt").chmod(0o600)
    plain = {
        "encrypted": False,
        "folders": [{"id": "f", "name": "Optique 690034566"}],
        "items": [
            bitwarden_login(
                "Kalixia",
                "optique",
                secrets["bw_breached"],
                uri="https://kalixia.fr",
                folder_id="f",
                hidden={"PIN": secrets["bw_hidden_field"]},
                history=[(secrets["bw_old"], "2024-06-01")],
            ),
        ],
    }
    export = tmp_path / "bitwarden.json"
    export.write_text(json.dumps(encrypt_bitwarden(plain, secrets["export"])))
    chrome = tmp_path / "chrome.csv"
    chrome.write_text(
        f"name,url,username,password\nsanteclair,https://santeclair.fr,opt,{secrets['csv_export']}\n"
    )
    book = Workbook()
    book.active.append(["FINESS", "Portail", "Identifiant", "Mot de passe"])
    book.active.append([690034566, "Itelis", "opt", secrets["excel"]])
    excel = tmp_path / "inventaire.xlsx"
    book.save(excel)
    return [str(kdbx), str(export), str(chrome), str(excel)]


PDF_TOOL_TIMEOUT = 20
"""Seconds for ``pdftotext`` on a few pages: far above the tenth of a second it takes."""


def _pdf_ready() -> None:
    """Skip, saying why, without WeasyPrint or ``pdftotext``; fail when CI requires PDFs."""
    from auditor.formats.pdf import require_pdf

    reason = None
    if shutil.which("pdftotext") is None:
        reason = "no pdftotext on PATH (Debian: apt-get install poppler-utils)"
    else:
        try:
            require_pdf()
        except Exception as exc:  # noqa: BLE001 - the reason is the skip message
            reason = str(exc)
    if reason is not None:
        if os.environ.get("PORTAL_AUDIT_REQUIRE_PDF"):
            pytest.fail(f"PDF canary required but {reason}")
        pytest.skip(reason)


def _pdf_words(pdf: Path) -> str:
    """What ``pdftotext`` reads, and the same run together: a token may wrap over lines."""
    done = subprocess.run(  # poppler's tool, on our own file
        ["pdftotext", str(pdf), "-"],
        capture_output=True,
        check=True,
        timeout=PDF_TOOL_TIMEOUT,
        text=True,
    )
    return done.stdout + "\n" + "".join(done.stdout.split())


@responses.activate
def test_no_password_or_hash_is_in_any_pdf(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    kdbx_template: Path,
) -> None:
    """The PDFs of a sheet and of vaults (history included), read back as text and as bytes."""
    _pdf_ready()
    secrets = markers()
    vault_secrets = vault_markers()
    breached = {
        hashlib.sha1(secrets["breached"].encode()).hexdigest().upper(): 31,
        hashlib.sha1(vault_secrets["bw_breached"].encode()).hexdigest().upper(): 12,
    }

    def range_api(request: responses.PreparedRequest) -> tuple[int, dict[str, str], str]:
        prefix = (request.url or "")[-5:]
        body = "".join(f"{h[5:]}:{n}\r\n" for h, n in breached.items() if h[:5] == prefix)
        return 200, {}, body + "0" * 35 + ":0\r\n"

    responses.add_callback(
        responses.GET, re.compile(r"https://hibp\.test/range/.*"), callback=range_api
    )
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(HEADER + "\n" + "\n".join(marker_rows(secrets)) + "\n", encoding="utf-8")
    vaults = _write_vaults(tmp_path, kdbx_template, vault_secrets)
    common = ["--hibp-url", "https://hibp.test", "--as-of", "2026-11-22", "--skip-invalid"]
    runs = {
        "sheet": [str(inventory), "--lang", "fr"],
        "vaults": [
            *vaults,
            "--keepass-password-file",
            str(tmp_path / "master.txt"),
            "--practice",
            "750056780",
            "--all-entries",
        ],
    }
    monkeypatch.setenv("PORTAL_AUDIT_BITWARDEN_PASSWORD", vault_secrets["export"])
    for name, args in runs.items():
        with pytest.raises(SystemExit):
            main(["audit", *args, *common, "--out", str(tmp_path / name), "--format", "pdf"])
    captured = capsys.readouterr()
    pdfs = sorted(tmp_path.glob("*/**/*.pdf"))
    # Per run: the summary and the two practices (the workbook names the second one).
    assert len(pdfs) == 6, [str(p.relative_to(tmp_path)) for p in pdfs]
    words = {pdf: _pdf_words(pdf) for pdf in pdfs}
    assert "31 fois" in words[tmp_path / "sheet" / "750056780" / "report.pdf"]  # was read
    everything = "\n".join(
        [
            captured.out,
            captured.err,
            *words.values(),
            *(pdf.read_bytes().decode("latin-1") for pdf in pdfs),
        ]
    )
    assert leaks(everything, secrets | vault_secrets) == []
