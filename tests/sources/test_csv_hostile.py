"""Hostile or broken inventory cells: line separators, addresses that do not parse, e-mail tricks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from auditor.i18n import machine_english
from auditor.policy import Policy
from auditor.sources import (
    CsvInventory,
    SourceError,
    SourceOptions,
    load_practice_map,
    open_inventory,
)
from auditor.sources.delimited import records
from auditor.sources.entries import EntryReader, VaultEntry
from auditor.sources.values import CellValueError, parse_email
from auditor.text import is_email
from tests.conftest import loopback_send

english = machine_english().text

Run = Callable[..., tuple[int, str, str]]
AS_OF = date(2026, 11, 22)
AUDIT = ("--no-breach-check", "--no-history", "--as-of", "2026-11-22", "--format", "json")
HEADER = "practice_id,portal,url,username,owner_email,password"

# Characters str.splitlines() takes for line ends but CSV (RFC 4180) does not.
NOT_LINE_ENDS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def csv_file(tmp_path: Path, *rows: str, header: str = HEADER, end: str = "\n") -> Path:
    path = tmp_path / "inventory.csv"
    path.write_text(end.join([header, *rows]) + end, encoding="utf-8")
    return path


@pytest.mark.parametrize("char", NOT_LINE_ENDS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("quoted", [True, False], ids=["quoted", "bare"])
def test_only_cr_and_lf_end_a_record(char: str, quoted: bool) -> None:
    cell = f'"a{char}b"' if quoted else f"a{char}b"
    text = f"practice_id,portal,username\n750056780,viamedis,{cell}\n750056780,almerys,c\n"
    assert list(records(text, ",")) == [
        (1, ["practice_id", "portal", "username"]),
        (2, ["750056780", "viamedis", f"a{char}b"]),
        (3, ["750056780", "almerys", "c"]),
    ]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_line_numbers_follow_cr_lf_and_quoted_line_breaks(
    tmp_path: Path, policy: Policy, end: str
) -> None:
    path = csv_file(
        tmp_path,
        f'750056780,viamedis,,"two{end}lines",,x',
        "750056780,almerys,,b\x85c,,y",
        "750056780,kalixia,,d,,z",
        end=end,
    )
    result = CsvInventory(path).load(policy, AS_OF)
    assert result.problems == ()
    assert [(a.origin.line, a.username) for a in result.accounts] == [
        (2, f"two{end}lines"),
        (4, "b\x85c"),
        (5, "d"),
    ]


def test_an_export_cell_with_a_unicode_line_separator_stays_in_its_row(
    tmp_path: Path, policy: Policy
) -> None:
    path = tmp_path / "chrome.csv"
    path.write_text(
        "name,url,username,password,note\n"
        "Viamedis,https://www.viamedis.net/,j\u2028dupont,Pw#1x,n\x0bote\n"
        "Almerys,https://www.almerys.com/,marie,Pw#2y,\n",
        encoding="utf-8",
    )
    options = SourceOptions(practice=None)
    result = open_inventory(path, options).load(policy, AS_OF)
    assert not [p for p in result.problems if "fields" in english(p.reason)]
    assert [p.line for p in result.problems] == [2, 3]  # no practice: lines still right


def test_the_practice_map_counts_lines_as_csv_does(tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text(
        "match,practice_id\nCentre\x0cNord,750056780\nCentre\u2028Sud,123\n", encoding="utf-8"
    )
    with pytest.raises(SourceError) as raised:
        load_practice_map(path)
    [problem] = str(raised.value).splitlines()[1:]
    assert problem.startswith(f"{path}:3: practice_id: FINESS must be 9 characters")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("url", "http://[::1"),
        ("url", "https://[1,2]/"),
        ("url", "http://[v1.x"),
        ("url", "https://a\uff03b@viamedis.net/"),
        ("url", "https://viamedis.net:-1/"),
        ("url", "https://viamedis.net:99999/"),
        ("portal", "https://[1.2]/"),
    ],
)
def test_an_address_that_does_not_parse_is_a_row_problem(
    run_cli: Run, tmp_path: Path, column: str, value: str
) -> None:
    portal, url = ("", value) if column == "url" else (value, "")
    path = csv_file(
        tmp_path,
        f'750056780,{portal},"{url}",jdupont,,Wn5%kRt8!bZq2@',
        "750056780,almerys,,marie,,Zq8#pLm2!vRt5",
    )
    code, out, err = run_cli("audit", str(path), *AUDIT)
    assert code == 2
    assert "internal error" not in err
    expected = "url: not a web address" if column == "url" else "portal: names no known portal"
    assert f"{path}:2: {expected}" in err
    assert value not in err
    code, out, err = run_cli("audit", str(path), *AUDIT, "--skip-invalid")
    assert "internal error" not in err
    assert code == 1, err  # marie's findings: the rest was audited
    assert '"username": "marie"' in out


def test_an_export_or_vault_address_that_does_not_parse_is_an_entry_problem(
    run_cli: Run, tmp_path: Path, policy: Policy
) -> None:
    export = tmp_path / "chrome.csv"
    export.write_text(
        "name,url,username,password,note\n"
        "Viamedis,https://www.viamedis.net/,jdupont,Pw#1x,\n"
        'Broken,"https://[1,2]/",jean,Pw#2y,\n',
        encoding="utf-8",
    )
    code, _, err = run_cli("audit", str(export), *AUDIT, "--practice", "750056780")
    assert code == 2
    assert "internal error" not in err
    assert f"{export}:3: url: not a web address" in err
    assert "[1,2]" not in err

    reader = EntryReader(str(export), policy, AS_OF, SourceOptions(all_entries=True), export)
    reader.read(_entry(urls=("http://[::1",)))
    [problem] = reader.result().problems
    assert (problem.column, english(problem.reason)) == ("url", "not a web address")


def _entry(**overrides: Any) -> VaultEntry:
    values: dict[str, Any] = {
        "where": "Centre 750056780/Site",
        "line": None,
        "title": "Site",
        "username": "jdupont",
        "urls": (),
        "folders": ("Centre 750056780",),
        "fields": {},
        "password": None,
    }
    return VaultEntry(**(values | overrides))


BAD_EMAILS = [
    "victim@evil.example>,<z.fr",
    "victim@evil.example, z@z.fr",
    "a@b.fr;c@d.fr",
    "Jean <jean@pharmacie.fr>",
    "<jean@pharmacie.fr>",
    '"jean"@pharmacie.fr',
    "jean(comment)@pharmacie.fr",
    "jean@[127.0.0.1]",
    "jean\\@pharmacie.fr",
    "jean@pharmacie.fr\r\nBcc: x@y.fr",
    "jean@pharma\x00cie.fr",
    "jean dupont@pharmacie.fr",
    "jean@pharmacie",
    "jean@pharmacie.",
    "jean@.pharmacie.fr",
    "jean@pharmacie..fr",
    "jean@-pharmacie.fr",
    "jean@pharmacie-.fr",
    "jean@pharmacie.123",
    ".jean@pharmacie.fr",
    "jean.@pharmacie.fr",
    "je..an@pharmacie.fr",
    "jean%evil.example@relay.fr",
    "jean@@pharmacie.fr",
    "jean@pharma@cie.fr",
    "jéan@pharmacie.fr",
    "j" * 65 + "@pharmacie.fr",
    "jean@" + "a" * 64 + ".fr",
    "jean@" + ".".join(["a" * 60] * 5) + ".fr",
    "",
]
GOOD_EMAILS = [
    "jean.dupont@pharmacie-du-centre.fr",
    "j+audit@sub.example.com",
    "o'brien@optique.example",
    "Claire_Martin@Pharmacie.FR",
    "contact@xn--pharmacie-tl-bcb.fr",
    "a@b.co",
]


@pytest.mark.parametrize("text", BAD_EMAILS)
def test_an_email_cell_holds_one_bare_address(text: str) -> None:
    assert not is_email(text)
    with pytest.raises(CellValueError) as raised:
        parse_email(text)
    assert text not in str(raised.value) or not text


@pytest.mark.parametrize("text", GOOD_EMAILS)
def test_ordinary_addresses_are_accepted(text: str) -> None:
    assert is_email(text)
    assert parse_email(text) == text


@pytest.mark.parametrize("column", ["owner_email", "practice_contact_email"])
def test_a_cell_naming_two_recipients_is_a_row_problem_in_csv(
    run_cli: Run, tmp_path: Path, column: str
) -> None:
    path = csv_file(
        tmp_path,
        '750056780,viamedis,,jdupont,"victim@evil.example>,<z.fr",Wn5%kRt8!bZq2@',
        header=HEADER.replace("owner_email", column),
    )
    code, _, err = run_cli("audit", str(path), *AUDIT)
    assert code == 2
    assert f"{path}:2: {column}: not an e-mail address" in err
    assert "evil.example" not in err


def test_a_cell_naming_two_recipients_is_a_row_problem_in_excel_and_vaults(
    tmp_path: Path, policy: Policy
) -> None:
    book = Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(["750056780", "viamedis", "", "jdupont", "a@b.fr, c@d.fr", "x"])
    path = tmp_path / "inventaire.xlsx"
    book.save(path)
    result = open_inventory(path).load(policy, AS_OF)
    assert result.accounts == ()
    assert [(p.line, p.column, english(p.reason)) for p in result.problems] == [
        (2, "owner_email", "not an e-mail address (expected one address, such as name@example.fr)")
    ]

    vault = tmp_path / "coffre.kdbx"
    reader = EntryReader(str(vault), policy, AS_OF, SourceOptions(), vault)
    reader.read(_entry(title="Viamedis", fields={"Courriel": "Jean <victim@evil.example>"}))
    [problem] = reader.result().problems
    assert problem.column == "owner_email"
    assert "evil" not in str(problem)


def test_remind_sends_nothing_to_a_cell_naming_two_recipients(
    run_cli: Run, tmp_path: Path, smtp_server: tuple[int, Any]
) -> None:
    port, inbox = smtp_server
    path = csv_file(
        tmp_path,
        '750056780,viamedis,,jdupont,"victim@evil.example>,<z.fr",azerty',
        "750056780,almerys,,marie,marie@pharmacie.fr,azerty",
    )
    code, _, err = run_cli(
        "remind",
        str(path),
        "--skip-invalid",
        *AUDIT[:-2],
        *loopback_send(port),
    )
    assert "internal error" not in err
    recipients = {rcpt for _, rcpts, _ in inbox.messages for rcpt in rcpts}
    assert recipients == {"marie@pharmacie.fr"}, (code, err)


def test_remind_from_must_be_one_bare_address(run_cli: Run) -> None:
    code, _, err = run_cli(
        "remind", "examples/inventaire.csv", *AUDIT[:-2], "--from", "it@groupe.fr, x@evil.example"
    )
    assert code == 2
    assert "is not an e-mail address" in err


@pytest.fixture
def logs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> pytest.LogCaptureFixture:
    """Every record of the package's loggers (an earlier CLI run may have stopped propagation)."""
    monkeypatch.setattr(logging.getLogger("auditor"), "propagate", True)
    caplog.set_level(logging.DEBUG, logger="auditor")
    return caplog


def test_unknown_header_titles_are_not_logged_when_they_may_be_data(
    tmp_path: Path, policy: Policy, logs: pytest.LogCaptureFixture
) -> None:
    # No header line: the first row of data is taken for one, password included.
    path = csv_file(
        tmp_path,
        "750056780,viamedis,,marie,,Zq8#pLm2!vRt5",
        header="practice_id,portal,url,username,Notes internes,Hx7$Secret!k2",
    )
    CsvInventory(path).load(policy, AS_OF)
    assert "Notes internes" in logs.text
    assert "Hx7$Secret!k2" not in logs.text


def test_a_first_row_of_data_taken_for_a_header_is_not_logged(
    tmp_path: Path, policy: Policy, logs: pytest.LogCaptureFixture
) -> None:
    # No header line at all: a passphrase has a title's shape ("cheval agrafe correct").
    path = csv_file(
        tmp_path,
        "750056780,almerys,,marie,,Zq8#pLm2!vRt5",
        header="750056780,viamedis,,claire,,cheval agrafe correct",
    )
    result = CsvInventory(path).load(policy, AS_OF)
    assert result.problems and not result.accounts
    assert "cheval" not in logs.text and "claire" not in logs.text


def test_a_practice_named_twice_is_warned_about_without_quoting_names(
    tmp_path: Path, policy: Policy, logs: pytest.LogCaptureFixture
) -> None:
    path = csv_file(
        tmp_path,
        "750056780,Pharmacie du Centre,viamedis,marie,Zq8#pLm2!vRt5",
        "750056780,Hx7$Secret!k2,almerys,paul,Wn5%kRt8!bZq2@",
        header="practice_id,practice_name,portal,username,password",
    )
    result = CsvInventory(path).load(policy, AS_OF)
    assert len(result.accounts) == 2
    assert "750056780" in logs.text and "line 3" in logs.text
    assert "Hx7$Secret!k2" not in logs.text


def test_a_word_in_the_portal_column_is_quoted_only_as_a_typo_of_a_portal(
    run_cli: Run, tmp_path: Path
) -> None:
    # "Soleil" is a common password and far from every portal's name: not shown.
    # "Kalixa" is a typo of kalixia: quoted, with the fix.
    path = csv_file(
        tmp_path,
        "750056780,Soleil,,jdoe,,x1",
        "750056780,Kalixa,,mdupont,,x2",
    )
    code, _, err = run_cli("audit", str(path), *AUDIT)
    assert code == 2
    assert "Soleil" not in err
    assert ":2: portal: names no known portal (value not shown: it could be a password)" in err
    assert ":3: portal: unknown portal 'Kalixa' (did you mean 'kalixia'?)" in err
