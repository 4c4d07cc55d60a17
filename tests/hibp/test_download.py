"""``portal-audit hibp download``: whole prefixes, resumed after a kill, refreshed conditionally."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditor.hibp import Clean, Pwned, make_session, open_corpus
from auditor.hibp import fetch as fetch_module
from auditor.hibp.download import (
    Downloaded,
    DownloadRequest,
    Layout,
    PrefixSpan,
    download,
)
from auditor.hibp.manifest import JOURNAL_FILE, MANIFEST_FILE
from auditor.hibp.online import RetryPolicy
from tests.hibp.loopback import RangeServer, hashes_of, lines_of, range_server

Run = Callable[..., tuple[int, str, str]]
FAST = RetryPolicy(attempts=4, backoff=0.001, max_backoff=0.005, connect_timeout=2, read_timeout=2)
"""Retries without waiting: the tests' failures are injected, not real congestion."""
SPAN = PrefixSpan.parse("00000-0001F")
NAMES = [f"{n:05X}" for n in SPAN.numbers()]
ABSENT = "F" * 35


@pytest.fixture
def server() -> Iterator[RangeServer]:
    with range_server() as state:
        yield state


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's fetcher retries at once too."""
    monkeypatch.setattr(fetch_module, "RetryPolicy", lambda: FAST)


def fetch(
    server: RangeServer,
    dest: Path,
    *,
    span: PrefixSpan = SPAN,
    layout: Layout = Layout.PREFIXES,
    refresh: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Downloaded:
    request = DownloadRequest(dest, layout, span, base_url=server.url, refresh=refresh, workers=4)
    with make_session(4, base_url=server.url) as session:
        if progress is None:
            return download(request, session, retry=FAST)
        return download(request, session, retry=FAST, progress=progress)


def stored(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("*.txt")}


def assert_lookups_match_the_source(corpus_path: Path, prefixes: list[str]) -> None:
    """Every hash of the source has its count in the corpus; others are clean."""
    expected = {}
    for prefix in prefixes:
        expected.update(hashes_of(prefix))
        expected[prefix + ABSENT] = 0
    with open_corpus(corpus_path) as corpus:
        found = corpus.check(list(expected))
    for digest, count in expected.items():
        assert found[digest] == (Pwned(count) if count else Clean()), digest


def test_a_range_is_downloaded_whole_and_reads_as_the_source(
    run_cli: Run, server: RangeServer, tmp_path: Path
) -> None:
    dest = tmp_path / "corpus"
    code, _, err = run_cli(
        "hibp", "download", str(dest), "--prefixes", "00000-0001f", "--hibp-url", server.url
    )
    assert code == 0, err
    assert "32 prefixes — fetched: 32, unchanged: 0, already there: 0" in err
    assert stored(dest) == set(NAMES)
    assert sorted(server.requested()) == NAMES  # each prefix once, nothing outside the range
    assert all(seen.padded for seen in server.seen)  # Add-Padding: true, as every lookup
    text = (dest / "0001A.txt").read_bytes().decode()
    assert text.split("\r\n") == [f"{s}:{c}" for s, c in sorted(lines_of("0001A").items())]
    assert ":0\r" not in text and not text.endswith(":0")  # padding dropped
    assert not list(dest.glob(".*.tmp")) and not (dest / JOURNAL_FILE).exists()
    assert (dest / MANIFEST_FILE).read_text().count("\n") == 33  # a header, then a line each
    assert_lookups_match_the_source(dest, NAMES)


def test_a_rerun_after_a_kill_fetches_exactly_the_missing_prefixes(
    server: RangeServer, tmp_path: Path
) -> None:
    dest = tmp_path / "corpus"
    settled = 0

    def killed_after_ten(done: int) -> None:
        nonlocal settled
        settled += done
        if settled >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch(server, dest, progress=killed_after_ten)
    first_run = set(server.requested(200))
    on_disk = stored(dest)
    assert 10 <= len(on_disk) < len(NAMES)
    assert on_disk == first_run  # the requests in flight ended and were recorded
    assert (dest / JOURNAL_FILE).exists()  # not compacted: the run did not end
    server.seen.clear()

    result = fetch(server, dest)

    assert result.complete and result.kept == len(on_disk)
    assert sorted(server.requested()) == sorted(set(NAMES) - on_disk)
    assert stored(dest) == set(NAMES)
    assert_lookups_match_the_source(dest, NAMES)


def test_a_network_gone_mid_run_is_exit_3_and_a_rerun_fetches_the_rest(
    run_cli: Run, server: RangeServer, tmp_path: Path
) -> None:
    dest = tmp_path / "corpus"
    server.fail_after = 10  # then every connection is reset
    code, _, err = run_cli(
        "hibp", "download", str(dest), "--prefixes", "0-3f", "--hibp-url", server.url
    )
    assert code == 2 and "--prefixes 0-3f: expected FIRST-LAST" in err  # 5 hex digits each

    code, _, err = run_cli(
        "hibp", "download", str(dest), "--prefixes", "00000-0001F", "--hibp-url", server.url
    )
    assert code == 3, err
    done = stored(dest)
    assert len(done) == 10
    missing = sorted(set(NAMES) - done)
    first = ", ".join(missing[:5])
    assert f"incomplete download: 22 prefixes of 32 are missing (first: {first}, …)" in err
    assert "first failure: range" in err and "ConnectionError" in err
    assert "Traceback" not in err

    server.fail_after = None
    server.seen.clear()
    code, _, err = run_cli(
        "hibp", "download", str(dest), "--prefixes", "00000-0001F", "--hibp-url", server.url
    )
    assert code == 0, err
    assert sorted(server.requested()) == missing
    assert_lookups_match_the_source(dest, NAMES)


def test_resets_5xx_and_cut_or_garbled_answers_are_retried_and_never_stored(
    server: RangeServer, tmp_path: Path
) -> None:
    dest = tmp_path / "corpus"
    server.failures = {
        "00001": ["reset"],
        "00002": ["500", "500"],
        "00003": ["truncated"],
        "00004": ["garbled", "reset", "truncated"],
        "00005": ["garbled"] * 4,  # every attempt: the prefix stays missing
        "00006": ["truncated"] * 4,
    }
    result = fetch(server, dest)
    assert result.missing == ("00005", "00006")
    assert not result.complete
    assert stored(dest) == set(NAMES) - {"00005", "00006"}
    assert server.requested().count("00004") == 4
    assert not (dest / MANIFEST_FILE).exists()  # incomplete: the journal is kept for the rerun
    assert_lookups_match_the_source(dest, [n for n in NAMES if n not in ("00005", "00006")])

    server.seen.clear()
    result = fetch(server, dest)
    assert result.complete and sorted(server.requested()) == ["00005", "00006"]
    assert_lookups_match_the_source(dest, NAMES)


def test_a_refresh_fetches_only_the_changed_prefixes(server: RangeServer, tmp_path: Path) -> None:
    dest = tmp_path / "corpus"
    fetch(server, dest)
    before = {name: (dest / f"{name}.txt").stat().st_mtime_ns for name in NAMES}
    changed = ["00003", "00011", "0001F"]
    server.versions = dict.fromkeys(changed, 2)
    server.seen.clear()

    result = fetch(server, dest, refresh=True)

    assert result.complete
    assert (result.fetched, result.unchanged, result.kept) == (3, 29, 0)
    assert all(seen.conditional for seen in server.seen)
    assert sorted(server.requested(200)) == changed
    assert len(server.requested(304)) == 29
    for name in NAMES:
        now = (dest / f"{name}.txt").stat().st_mtime_ns
        assert (now != before[name]) == (name in changed), name
    with open_corpus(dest) as corpus:
        for name in changed:
            assert corpus.range_of(name) == lines_of(name, 2)

    server.seen.clear()
    assert fetch(server, dest).kept == 32 and server.seen == []  # no --refresh: nothing asked


def test_a_refresh_without_validators_fetches_everything_again(tmp_path: Path) -> None:
    with range_server(RangeServer(etags=False)) as server:
        fetch(server, tmp_path / "corpus", span=PrefixSpan.parse("00000-0000F"))
        server.seen.clear()
        result = fetch(
            server, tmp_path / "corpus", span=PrefixSpan.parse("00000-0000F"), refresh=True
        )
    assert result.fetched == 16 and not any(seen.conditional for seen in server.seen)


def test_the_single_file_reads_as_the_source_and_is_replaced_whole(
    server: RangeServer, tmp_path: Path
) -> None:
    low, high = PrefixSpan.parse("00000-0001F"), PrefixSpan.parse("FFFE0-FFFFF")
    head, tail = tmp_path / "head.txt", tmp_path / "tail.txt"
    assert fetch(server, head, span=low, layout=Layout.SINGLE).complete
    assert fetch(server, tail, span=high, layout=Layout.SINGLE).complete
    # Pieces downloaded apart (on two machines) make one file, in order.
    whole = tmp_path / "pwnedpasswords.txt"
    whole.write_bytes(head.read_bytes() + tail.read_bytes())
    names = [f"{n:05X}" for n in (*low.numbers(), *high.numbers())]
    lines = whole.read_bytes().decode().split("\r\n")
    assert lines[-1] == "" and lines[:-1] == sorted(lines[:-1])
    assert re.fullmatch(r"[0-9A-F]{40}:[1-9][0-9]*", lines[0])
    assert_lookups_match_the_source(whole, names)
    assert stored(tmp_path / "head.txt.parts") == set(names[:32])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    inode = head.stat().st_ino
    server.versions = {"00007": 2}
    result = fetch(server, head, span=low, layout=Layout.SINGLE, refresh=True)
    assert (result.fetched, result.unchanged) == (1, 31)
    assert head.stat().st_ino != inode  # a new file renamed over the old one
    assert "00007" + next(iter(lines_of("00007", 2))) in head.read_text()

    inode = head.stat().st_ino
    assert fetch(server, head, span=low, layout=Layout.SINGLE, refresh=True).unchanged == 32
    assert head.stat().st_ino == inode  # nothing changed: nothing rewritten


def test_a_single_file_is_not_replaced_while_a_prefix_is_missing(
    server: RangeServer, tmp_path: Path
) -> None:
    dest = tmp_path / "pwned.txt"
    span = PrefixSpan.parse("00000-0000F")
    fetch(server, dest, span=span, layout=Layout.SINGLE)
    before = dest.read_bytes()
    server.versions = {"00002": 2, "00009": 2}
    server.failures = {"00009": ["garbled"] * 4}  # changed, but every answer garbled
    (tmp_path / "pwned.txt.parts" / "00004.txt").unlink()  # lost since
    server.seen.clear()

    result = fetch(server, dest, span=span, layout=Layout.SINGLE, refresh=True)

    assert result.missing == () and result.stale == ("00009",)  # 00004 fetched again
    assert dest.read_bytes() != before  # whole: published, with the stale prefix's old lines
    assert sorted(server.requested(200)) == ["00002", "00004", *["00009"] * 4]

    (tmp_path / "pwned.txt.parts" / "0000A.txt").write_text("damaged\r\n")
    server.versions = {"00002": 3}
    before = dest.read_bytes()
    result = fetch(server, dest, span=span, layout=Layout.SINGLE, refresh=True)
    assert result.missing == ("0000A",) and dest.read_bytes() == before
    assert not (tmp_path / "pwned.txt.parts" / "0000A.txt").exists()  # fetched next time
    assert fetch(server, dest, span=span, layout=Layout.SINGLE).complete
    assert dest.read_bytes() != before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prefixes", "00010-00001"], "--prefixes 00010-00001: the first prefix comes after"),
        (["--prefixes", "ABCDEF"], "--prefixes ABCDEF: expected FIRST-LAST"),
        (["--layout", "single", "{folder}"], "is a folder: the single layout is a file"),
        (["{file}"], "is a file: the prefixes layout is a folder"),
        (["--hibp-url", "ftp://mirror"], "--hibp-url must start with https:// or http://"),
        (["--workers", "0"], "Invalid value for '--workers'"),
    ],
)
def test_bad_arguments_are_exit_2_with_a_clear_line(
    run_cli: Run, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "file.txt").write_text("x")
    values = {"folder": str(tmp_path), "file": str(tmp_path / "file.txt")}
    filled = [arg.format(**values) for arg in args]
    dest = [] if any(arg in values.values() for arg in filled) else [str(tmp_path / "new")]
    code, _, err = run_cli("hibp", "download", *dest, *filled)
    assert code == 2, err
    assert message in err and "Traceback" not in err


def test_messages_follow_the_locale(
    run_cli: Run, server: RangeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    server.failures = {"00001": ["garbled"] * 4}
    code, _, err = run_cli(
        "hibp",
        "download",
        str(tmp_path / "c"),
        "--prefixes",
        "00000-00003",
        "--hibp-url",
        server.url,
    )
    assert code == 3
    assert "4 préfixes — téléchargés : 3, inchangés : 0, déjà présents : 0" in err
    assert "téléchargement incomplet : 1 préfixe sur 4 manque (00001)" in err


def test_every_download_option_is_documented() -> None:
    from auditor.cli.hibp import hibp_download

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Building the offline corpus")[1].split("\n## ")[0]
    options = [opt for param in hibp_download.params for opt in param.opts if opt.startswith("--")]
    assert [opt for opt in options if opt not in section] == []
    for layout in Layout:
        assert f"`--layout {layout.value}`" in section
