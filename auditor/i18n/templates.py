"""The Jinja2 environments over ``reports/``: autoescaped for HTML, plain for e-mail text."""

from __future__ import annotations

import functools

import jinja2

from auditor.files.packaged import data_dir
from auditor.safetext import template_value


@functools.cache
def environment(*, html: bool) -> jinja2.Environment:
    """Templates from ``reports/``; ``html`` turns on autoescaping (inventory values are data)."""
    folder = data_dir("reports")

    def load(name: str) -> str:
        return folder.joinpath(name).read_text(encoding="utf-8")

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        # Plain-text mail has no markup to escape; HTML escapes every inventory value.
        autoescape=html,  # noqa: S701 - text/plain mail is never rendered as HTML
        undefined=jinja2.StrictUndefined,  # a typo in a template fails the tests
        # Every {{ value }} loses its control characters, in HTML and in mail alike.
        finalize=template_value,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
