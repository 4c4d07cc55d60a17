"""A sheet's repeated values (practices, dates, yes/no, roles) are read once, to the same result."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.i18n import machine_english
from auditor.models import Account, RowProblem
from auditor.policy import Policy, load_policy
from auditor.sources.table import Columns, RowReader, read_header
from tests.fuzz.inventories import CANONICAL

AS_OF = date(2026, 11, 22)
HEADER = CANONICAL
POLICY = load_policy()
_FINESS = ("750056780", "010522654", "750056781", "75005678", "2A1234567", "abc", "")
_DATES = ("2024-02-12", "12/02/2024", "2024-2-3", "31/02/2024", "12/02/24", "2027-01-01", "x", "")
_MFA = ("oui", "non", "yes", "Non", "1", "peut-être", "")
_ROLES = ("user", "admin", "Administrateur", "chef", "")
_PORTALS = ("viamedis", "Almerys", "kalixia", "soleil", "")
_URLS = ("", "", "https://www.viamedis.fr/", "pas une adresse")
_EMAILS = ("", "j.dupont@example.fr", "jean@")


def _name(practice_id: str) -> str:
    # One name per FINESS: a practice renamed between rows is another behaviour.
    return f"Pharmacie {practice_id[-3:]}" if practice_id else ""


_rows = st.lists(
    st.tuples(
        st.sampled_from(_FINESS),
        st.sampled_from(_PORTALS),
        st.sampled_from(_URLS),
        st.sampled_from(_EMAILS),
        st.sampled_from(_ROLES),
        st.sampled_from(("Soleil1!", "", "viamedis")),
        st.sampled_from(_DATES),
        st.sampled_from(_MFA),
    ),
    min_size=1,
    max_size=40,
)


def _cells(index: int, row: tuple[str, ...]) -> list[str]:
    finess, portal, url, email, role, password, changed, mfa = row
    owner = f"Personne {index}"
    username = f"user{index}"
    return [
        finess,
        _name(finess),
        portal,
        url,
        username,
        owner,
        email,
        role,
        password,
        changed,
        mfa,
    ]


def _columns() -> Columns:
    columns, problems = read_header("inventory.csv", HEADER, 1)
    assert columns is not None and not problems
    return columns


def _outcome(account: Account | None, problems: list[RowProblem]) -> Any:
    english = machine_english()
    said = [(p.line, p.column, p.text(english)) for p in problems]
    if account is None:
        return None, said
    secret = account.password.reveal() if account.password is not None else None
    return account, secret, said


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(_rows)
def test_each_row_reads_as_it_would_alone(rows: list[tuple[str, ...]]) -> None:
    sheet = RowReader("inventory.csv", _columns(), POLICY, AS_OF)
    together = []
    for index, row in enumerate(rows):
        before = len(sheet.problems)
        account = sheet.read(index + 2, _cells(index, row))
        together.append(_outcome(account, sheet.problems[before:]))
    alone = []
    for index, row in enumerate(rows):
        reader = RowReader("inventory.csv", _columns(), POLICY, AS_OF)
        alone.append(_outcome(reader.read(index + 2, _cells(index, row)), reader.problems))
    assert together == alone


def test_the_accounts_of_one_practice_share_its_record(policy: Policy) -> None:
    reader = RowReader("inventory.csv", _columns(), policy, AS_OF)
    first, second = (
        reader.read(
            line,
            ["750056780", "Pharmacie", "viamedis", "", f"user{line}", "", "", "", "x", "", ""],
        )
        for line in (2, 3)
    )
    assert first is not None and second is not None
    assert first.practice == second.practice
    assert first.practice is second.practice  # one record, not one per row


def test_the_reader_keeps_no_copy_of_a_password_between_rows(policy: Policy) -> None:
    reader = RowReader("inventory.csv", _columns(), policy, AS_OF)
    marker = "  Canary-Row-7f3e!  "
    cells = ["750056780", "Pharmacie", "viamedis", "", "jdupont", "", "", "", marker, "", ""]

    account = reader.read(2, cells)

    assert account is not None and account.password is not None
    assert account.password.reveal() == marker  # read exactly, spaces kept
    held = [value for value in vars(reader).values() if isinstance(value, dict)]
    assert not any(marker.strip() in map(str, kept.values()) for kept in held)
