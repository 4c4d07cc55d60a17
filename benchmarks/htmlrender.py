"""The HTML writer's CPU per account: a generated group's per-practice pages and summary, timed.

A group like the end-to-end run's (``inventory_rows``: 20 accounts a practice, a breach
corpus) is audited once in-process; its report is then rendered to HTML per practice, as
``--out`` writes it, and as a summary, with ``time.process_time`` (CPU of this process only,
so that other processes on the machine count for less) and optionally under cProfile.
``--baseline REV`` renders the same report, in the same process and in turns, with that
commit's ``html.py``, ``charts.py`` and ``reports/`` templates (``git show``), checks that
both write the same pages, and prints both figures and their ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import DATA, git_show, load_module
from benchmarks.data import write_inventory
from benchmarks.offline import LINES, corpus_paths, generate

ACCOUNTS = 4000
AS_OF = "2026-11-22"


def audited_report(accounts: int) -> Any:
    """The report of a generated group of ``accounts`` accounts, as the CLI builds it."""
    from auditor.cli import audit as audit_command
    from auditor.cli import main

    single, _, _ = corpus_paths(LINES)
    corpus = single if single.exists() else generate(LINES)[0]
    inventory = DATA / f"inventory-{accounts}.csv"
    write_inventory(inventory, accounts)
    caught: list[Any] = []

    def capture(report: Any, out: Path, formatters: Any, **_: Any) -> list[Path]:
        caught.append(report)
        return []

    real = audit_command.write_reports
    audit_command.write_reports = capture  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as folder:
            arguments = ["audit", str(inventory), "--hibp-offline", str(corpus)]
            arguments += ["--out", folder, "--format", "html", "--quiet", "--as-of", AS_OF]
            arguments += ["--history", str(Path(folder) / "history.sqlite")]
            with contextlib.suppress(SystemExit):  # the exit code says findings: no matter
                main(arguments)
    finally:
        audit_command.write_reports = real  # type: ignore[assignment]
    return caught[0]


def baseline_format(revision: str, templates: Path) -> Any:
    """``HtmlFormat`` as ``revision`` wrote it, with its charts and templates (in ``templates``)."""
    import jinja2

    from auditor.safetext import template_value

    names = git_show(revision, "reports/").splitlines()[2:]  # "tree REV:reports/", "", names
    for name in names:
        (templates / name).write_text(git_show(revision, f"reports/{name}"), encoding="utf-8")
    modules = {}
    for name in ("charts", "html"):
        source = git_show(revision, f"auditor/formats/{name}.py")
        source = source.replace(
            "from auditor.formats import charts", "import baseline_charts as charts"
        )
        modules[name] = load_module(f"baseline_{name}", source, f"{revision}:{name}.py")

    @functools.cache
    def environment(*, html: bool) -> jinja2.Environment:  # as auditor.i18n.templates
        return jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates),
            autoescape=html,  # the same settings as the package's
            undefined=jinja2.StrictUndefined,
            finalize=template_value,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    modules["html"].environment = environment
    return modules["html"].HtmlFormat


def render_pages(
    report: Any,
    lang: str = "en",
    *,
    summary: bool = True,
    standings_first: bool = True,
    formatter: Any = None,
    written: list[str] | None = None,
) -> tuple[float, int]:
    """CPU seconds to render every practice's page (and the summary); the characters written.

    ``standings_first``: each practice's standings are evaluated before its page is timed,
    as ``--out`` does when the JSON file, written first, asked for them (the HTML page then
    finds them kept by ``auditor.report.standards.standings``); without it, the page pays.
    ``formatter``: another writer than the package's; ``written`` receives each page.
    """
    from auditor.collector import frozen
    from auditor.formats.html import HtmlFormat
    from auditor.i18n import Lang
    from auditor.policy.standards import load_standards
    from auditor.report.standards import standings

    formatter = formatter or HtmlFormat(Lang(lang))
    alone = [report.for_practice(practice) for practice in report.practices]
    size = 0
    spent = 0.0
    with frozen():  # as write_reports: the report's objects are not the collector's to walk
        for one in alone:
            if standings_first:
                standings(one.practices[0], one.standards, load_standards())
            begin = time.process_time()
            page = "".join(formatter.chunks(one))
            spent += time.process_time() - begin
            size += len(page)
            if written is not None:
                written.append(page)
        if summary:
            begin = time.process_time()
            page = "".join(formatter.summary_chunks(report))
            spent += time.process_time() - begin
            size += len(page)
            if written is not None:
                written.append(page)
    return spent, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=ACCOUNTS)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top entries")
    parser.add_argument(
        "--with-standings", action="store_true", help="the pages evaluate the standings too"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sort", default="tottime", help="cProfile's order (tottime, cumulative)")
    parser.add_argument("--baseline", help="a commit to compare with, in turns (git show)")
    options = parser.parse_args(argv)
    report = audited_report(options.accounts)
    if options.baseline:
        return _compare(report, options)
    first = not options.with_standings
    render_pages(report, options.lang)  # warm: templates compiled, catalogues filled
    if options.profile:
        profile = cProfile.Profile()
        profile.enable()
        render_pages(report, options.lang, standings_first=first)
        profile.disable()
        pstats.Stats(profile, stream=sys.stdout).sort_stats(options.sort).print_stats(40)
        return 0
    best = min(
        render_pages(report, options.lang, standings_first=first)[0] for _ in range(options.repeat)
    )
    print(
        f"{report.account_count} accounts, {len(report.practices)} practices: "
        f"{best:.3f} s CPU, {best / report.account_count * 1000:.3f} ms an account"
    )
    return 0


def _compare(report: Any, options: argparse.Namespace) -> int:
    """The baseline's and this tree's pages, in turns: the same text, and each's best CPU."""
    from auditor.formats.html import HtmlFormat
    from auditor.i18n import Lang

    first = not options.with_standings
    with tempfile.TemporaryDirectory() as folder:
        old = baseline_format(options.baseline, Path(folder))(Lang(options.lang))
        new = HtmlFormat(Lang(options.lang))
        pages: tuple[list[str], list[str]] = ([], [])
        for formatter, written in zip((old, new), pages, strict=True):
            render_pages(report, formatter=formatter, written=written)  # warm, and the pages
        if pages[0] != pages[1]:
            print("the pages differ from the baseline's", file=sys.stderr)
            return 1
        best = [float("inf"), float("inf")]
        for _ in range(options.repeat):
            for index, formatter in enumerate((old, new)):
                spent, _ = render_pages(report, formatter=formatter, standings_first=first)
                best[index] = min(best[index], spent)
    per = [seconds / report.account_count * 1e6 for seconds in best]
    print(
        f"{report.account_count} accounts, {len(report.practices)} practices, same pages: "
        f"{options.baseline} {per[0]:.1f} us an account, this tree {per[1]:.1f} us, "
        f"{best[0] / best[1]:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
