"""The benchmarks' pickles are named by the code that made them: other code never finds one."""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import REPO, code_version


def _tree(root: Path) -> Path:
    (root / "auditor" / "report").mkdir(parents=True)
    (root / "policies").mkdir()
    (root / "auditor" / "models.py").write_text("class Account:\n    pass\n")
    (root / "auditor" / "report" / "model.py").write_text("X = 1\n")
    (root / "policies" / "default.toml").write_text("[weak]\n")
    return root


def test_the_version_is_the_same_for_the_same_code(tmp_path):
    assert code_version(_tree(tmp_path / "a")) == code_version(_tree(tmp_path / "b"))


def test_a_changed_record_a_new_module_or_a_changed_policy_change_it(tmp_path):
    root = _tree(tmp_path)
    before = code_version(root)
    (root / "auditor" / "models.py").write_text("class Account:\n    __slots__ = ()\n")
    slotted = code_version(root)
    (root / "auditor" / "report" / "new.py").write_text("")
    added = code_version(root)
    (root / "policies" / "default.toml").write_text("[weak]\nscore = 3\n")
    assert len({before, slotted, added, code_version(root)}) == 4


def test_a_file_moved_changes_it(tmp_path):
    root = _tree(tmp_path)
    before = code_version(root)
    (root / "auditor" / "report" / "model.py").rename(root / "auditor" / "model.py")
    assert code_version(root) != before


def test_the_checkout_has_one():
    assert len(code_version(REPO)) == 12
