"""Where the data shipped with the package (policies, report templates) lives."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


def data_dir(name: str) -> Traversable:
    """The folder ``name`` (``policies`` or ``reports``) of the installed package or checkout.

    The wheel carries them as ``auditor/_data/<name>``; an editable install or a
    source checkout has them at the top of the repository, next to ``auditor/``.
    """
    packaged = resources.files("auditor").joinpath("_data", name)
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / name


def package_text(relative: str) -> str:
    """A UTF-8 text file that lives inside the ``auditor`` package (word lists)."""
    return resources.files("auditor").joinpath(relative).read_text(encoding="utf-8")
