"""Hypothesis strategies for inventory sheets: rows of plausible, odd and hostile cells."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from hypothesis import strategies as st

CANONICAL = [
    "practice_id",
    "practice_name",
    "portal",
    "url",
    "username",
    "owner",
    "owner_email",
    "role",
    "password",
    "password_changed",
    "mfa",
]
FRENCH = [
    "FINESS",
    "Officine",
    "Portail",
    "Adresse",
    "Identifiant",
    "Titulaire",
    "Courriel",
    "Rôle",
    "Mot de passe",
    "Dernier changement",
    "Double authentification",
]
PASSWORD_ALPHABET = "!#$%&*+=?@^_~0123456789"
PASSWORD_MARK = "Zq"
"""Generated passwords start with this and use only PASSWORD_ALPHABET afterwards: no other
column's expected shape (FINESS, portal, URL, date, e-mail, oui/non) looks like that, so a
message that quotes one has quoted a password."""

odd_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
hostile = st.sampled_from(
    [
        "",
        " ",
        '"',
        '""',
        "\x0b",
        "\x0c",
        "\x85",
        "\u2028",
        "\x1b]52;c;aGk=\x07",
        "\x1b[2J",
        "[bold red]x[/]",
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "=cmd|' /C calc'!A0",
        "9" * 5000,
        "http://[::1",
        "https://[1,2]/",
        "victim@evil.example>,<z.fr",
        "\x00",
        "é" * 200,
    ]
)


def cell(*plausible: str) -> st.SearchStrategy[str]:
    """Mostly a plausible value, sometimes an odd or hostile one."""
    return st.one_of(st.sampled_from(plausible), odd_text, hostile)


passwords = st.one_of(
    st.text(alphabet=PASSWORD_ALPHABET, min_size=6, max_size=24).map(lambda s: PASSWORD_MARK + s),
    st.just(""),
)

FIELDS = {
    "practice_id": cell("750056780", "690034566", "2A0001234", "75005678", "750056781"),
    "practice_name": cell("Pharmacie du Marché", "Optique Saint-Jean"),
    "portal": cell("viamedis", "Almerys", "https://www.viamedis.net/", "kalixia", "inconnu"),
    "url": cell("https://www.viamedis.net/", "https://espace.almerys.com", "not a url"),
    "username": cell("pharma.marche75", "claire.martin", "69003456600012"),
    "owner": cell("Claire Martin", "Comptoir", "Jean Dupont"),
    "owner_email": cell("claire.martin@pharmacie-du-marche.fr", "bad@", "a@b.c"),
    "role": cell("user", "admin", "utilisateur", "administrateur"),
    "password_changed": cell("2024-02-12", "12/02/2024", "31/02/2024", "2030-01-01", "hier"),
    "mfa": cell("oui", "non", "yes", "no", "true", "peut-être"),
}


@dataclass(frozen=True)
class Sheet:
    """A generated inventory: its header, rows, and every password it holds."""

    header: list[str]
    rows: list[list[str]]
    passwords: list[str]


@st.composite
def sheets(draw: st.DrawFn, max_rows: int = 8) -> Sheet:
    """A header (canonical or French, columns dropped, doubled or shuffled) and rows."""
    french = draw(st.booleans())
    names = draw(st.permutations(CANONICAL))
    names = names[: draw(st.integers(1, len(names)))] if draw(st.booleans()) else names
    if draw(st.booleans()) and names:
        names = [*names, draw(st.sampled_from(names))]
    header = [FRENCH[CANONICAL.index(name)] if french else name for name in names]
    if draw(st.integers(0, 3)) == 0:  # headers shifted by one: every cell under another title
        header = header[1:] + header[:1]
    rows, secrets = [], []
    for _ in range(draw(st.integers(0, max_rows))):
        row = []
        for name in names:
            if name == "password":
                value = draw(passwords)
                secrets.append(value)
            else:
                value = draw(FIELDS[name])
            row.append(value)
        if draw(st.integers(0, 9)) == 0:  # a short or long row
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(odd_text, max_size=2))
        rows.append(row)
    return Sheet(header, rows, [s for s in secrets if len(s) >= 6])


@st.composite
def csv_bytes(draw: st.DrawFn, sheet: Sheet) -> bytes:
    """``sheet`` written the ways Excel and others write CSV: delimiter, quoting, encoding."""
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    writer.writerow(sheet.header)
    writer.writerows(sheet.rows)
    text = out.getvalue()
    match draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])):
        case "cp1252":
            return text.encode("cp1252", errors="replace")
        case encoding:
            return text.encode(encoding, errors="surrogatepass")


def echoed(passwords: list[str], *messages: str) -> list[str]:
    """The generated passwords that a message quotes."""
    return [secret for secret in passwords if any(secret in message for message in messages)]
