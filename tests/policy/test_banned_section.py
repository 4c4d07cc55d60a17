"""The policy's [banned] table: words and word files added to the shipped lists."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.models import Account, CheckId
from auditor.password.banned import BannedKind
from auditor.policy import PolicyError, dump_policy, load_policy
from auditor.policy.banned import MAX_WORD_FILE_BYTES, MAX_WORD_LENGTH
from tests.checks.test_checks import findings, said


def _policy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "groupe.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_words_and_files_are_banned_and_shown(
    tmp_path: Path, make_account: Callable[..., Account]
) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "villes.txt").write_text(
        "# the group's towns\nSaint-Étienne\nVilleurbanne\n", encoding="utf-8"
    )
    path = _policy_file(
        tmp_path, '[banned]\nwords = ["Groupe Rhône Santé"]\nfiles = ["lists/villes.txt"]\n'
    )
    policy = load_policy([path])
    assert policy.banned.words == {"grouperhonesante", "saintetienne", "villeurbanne"}
    assert policy.banned.files == (str(tmp_path / "lists" / "villes.txt"),)
    accounts = [
        make_account(username="town", password="SaintEtienne42!"),
        make_account(username="group", password="grouperhonesante2024"),
    ]
    found = findings(accounts, policy, check=CheckId.BANNED_WORD)
    assert {f.account.username for f in found} == {"town", "group"}
    assert all("your policy's banned words" in said(f) for f in found)
    assert all("etienne" not in said(f).casefold() for f in found)
    # policy show writes them inline, and that TOML is read back.
    shown = dump_policy(policy)
    assert tomllib.loads(shown)["banned"]["words"] == sorted(policy.banned.words)
    again = _policy_file(tmp_path, shown.replace("# Effective", "# shown"))
    assert load_policy([again]).banned.words >= policy.banned.words


def test_layers_add_up(tmp_path: Path) -> None:
    first = tmp_path / "a.toml"
    first.write_text('[banned]\nwords = ["Lyon"]\n', encoding="utf-8")
    second = tmp_path / "b.toml"
    second.write_text('[banned]\nwords = ["Grenoble"]\n', encoding="utf-8")
    assert load_policy([first, second]).banned.words == {"lyon", "grenoble"}


def test_without_banned_nothing_is_added() -> None:
    assert load_policy(()).banned.words == frozenset()
    assert "[banned]" not in dump_policy(load_policy(()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[banned]\nwords = "Lyon"\n', "[banned]: words: expected a list of strings"),
        ("[banned]\nwords = [1]\n", "[banned]: words: expected a list of strings"),
        ("[banned]\ncolour = []\n", "[banned]: unknown key 'colour'"),
        ("banned = 3\n", "[banned]: expected a table"),
        ('[banned]\nfiles = ["missing.txt"]\n', "missing.txt: cannot read the word list"),
    ],
)
def test_bad_tables_are_clear_errors(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(PolicyError) as raised:
        load_policy([_policy_file(tmp_path, text)])
    assert expected in str(raised.value)


def test_a_long_word_is_refused_without_being_quoted(tmp_path: Path) -> None:
    secret = "Xq" + "z" * MAX_WORD_LENGTH
    with pytest.raises(PolicyError) as raised:
        load_policy([_policy_file(tmp_path, f'[banned]\nwords = ["{secret}"]\n')])
    assert f"longer than {MAX_WORD_LENGTH} characters" in str(raised.value)
    assert secret.casefold() not in str(raised.value).casefold()


def test_word_files_are_capped_and_must_be_utf8(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"a\n" * (MAX_WORD_FILE_BYTES // 2 + 1))
    (tmp_path / "latin1.txt").write_bytes("Béziers\n".encode("latin-1"))
    text = '[banned]\nfiles = ["big.txt", "latin1.txt"]\n'
    with pytest.raises(PolicyError) as raised:
        load_policy([_policy_file(tmp_path, text)])
    message = str(raised.value)
    assert "big.txt: larger than 1024 KiB" in message
    assert "latin1.txt: word lists must be UTF-8" in message


def test_the_policy_kind_is_its_own(tmp_path: Path) -> None:
    policy = load_policy([_policy_file(tmp_path, '[banned]\nwords = ["Lyon"]\n')])
    from auditor.password.derive import banned_word_lists

    assert banned_word_lists(policy)[BannedKind.POLICY] == {"lyon"}
