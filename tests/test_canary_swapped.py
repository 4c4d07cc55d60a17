"""Passwords typed in the wrong column: marker passwords in portal, url and other cells never leak."""

from __future__ import annotations

import contextlib
import logging
import uuid
from pathlib import Path

import pytest

from auditor.cli import main
from tests.test_canary import leaks

HEADER = (
    "practice_id,practice_name,portal,url,username,owner,owner_email,practice_contact_email,"
    "role,password,password_changed,mfa"
)
REPORTS = ["--format", "json,markdown,csv,html"]
_LETTERS = str.maketrans("0123456789ABCDEF", "ghijklmnopqrstuv")


def markers() -> dict[str, str]:
    """Unique marker passwords, each shaped to tempt one column's message into quoting it."""
    tag = uuid.uuid4().hex[:10].upper()
    letters = tag.translate(_LETTERS)
    return {
        "in_portal": f"Pt{tag}x!9",
        "in_portal_near_a_name": f"Viamedis{tag}",
        "in_portal_url_like": f"https://[{tag}.1]/",
        "in_portal_swapped": f"Soleil{letters}",  # a plain word: only the swap hides it
        "in_url_bare": f"Ur{tag}.pass",
        "in_url_path": f"https://intranet.example/{tag}Pw",
        "in_url_userinfo": f"https://jean:{tag}Pw@intranet.example/",
        "in_url_broken": f"http://[{tag}",
        "in_url_swapped": f"Marche{letters}.fr",
        "in_finess": f"Fn{tag}#1",
        "in_date": f"Dt{tag}%2",
        "in_mfa": f"Mf{tag}&3",
        "in_role": f"Ro{tag}*4",
        "in_email": f"Em{tag}@evil>,<x.fr",
        "in_contact": f"Ct{tag} <a@b.fr>",
    }


def test_a_password_in_any_other_column_is_never_quoted(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secrets = markers()
    good = "750056780,Pharmacie du Centre,{portal},{url},{user},Jean Dupont,{email},{contact},user,{password},{changed},{mfa}"

    def row(**cells: str) -> str:
        values = {
            "portal": "viamedis",
            "url": "",
            "user": "jdupont",
            "email": "",
            "contact": "",
            "password": "Wn5%kRt8!bZq2@",
            "changed": "2025-06-01",
            "mfa": "yes",
        } | cells
        return good.format(**values)

    rows = [
        row(user="ok"),  # one valid account, so that --skip-invalid audits something
        row(user="a", portal=secrets["in_portal"]),
        row(user="b", portal=secrets["in_portal_near_a_name"]),
        row(user="c", portal=secrets["in_portal_url_like"]),
        row(user="d", portal=secrets["in_portal_swapped"], password="viamedis"),
        row(user="e", portal="", url=secrets["in_url_bare"]),
        row(user="f", portal="", url=secrets["in_url_path"]),
        row(user="g", portal="", url=secrets["in_url_userinfo"]),
        row(user="h", portal="", url=secrets["in_url_broken"]),
        row(
            user="i", portal="", url=secrets["in_url_swapped"], password="https://intranet.example/"
        ),
        row(user="j", changed=secrets["in_date"]),
        row(user="k", mfa=secrets["in_mfa"]),
        row(user="m", email=secrets["in_email"]),
        row(user="n", contact=secrets["in_contact"]),
        row(user="o").replace(",user,", f",{secrets['in_role']},"),
        row(user="p").replace("750056780", secrets["in_finess"], 1),
    ]
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    monkeypatch.setattr(logging.getLogger("auditor"), "propagate", True)
    caplog.set_level(logging.DEBUG, logger="auditor")
    common = ["--no-breach-check", "--no-history", "--as-of", "2026-11-22"]
    outputs = []
    for args in (
        ["audit", str(inventory), "--skip-invalid", "--out", str(out), *REPORTS],
        ["audit", str(inventory)],  # refused: every problem on stderr
        ["audit", str(inventory), "--skip-invalid", "--format", "json"],
    ):
        with contextlib.suppress(SystemExit):
            main(["-vv", *args, *common])
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]

    written = [p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "summary.json" for p in out.rglob("*"))
    everything = "\n".join([*outputs, *written, caplog.text])
    # The problems were reported (15 skipped rows, the swaps named)…
    assert "columns look swapped: the password column holds a portal name" in everything
    assert "columns look swapped: the password column holds a web address" in everything
    assert "url: not a web address" in everything
    assert "'intranet.example'" in everything  # a plain host is still named
    assert everything.count("value not shown: it could be a password") >= 3
    # …and no marker, nor any hash of one, was written.
    assert leaks(everything, secrets) == []
