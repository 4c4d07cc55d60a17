"""Lookalike hosts: which web hosts imitate a portal, and how, judged offline and fast."""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.policy import Policy, PolicyError, Portal, lookalike
from auditor.policy.lookalike import (
    FREE_HOSTS_FILE,
    HostingKind,
    Imitation,
    ImitationKind,
    SiteJudge,
    _within,
    site_judge,
    skeleton,
)
from auditor.policy.model import MfaSupport
from auditor.policy.names import osa_distance

REPO = Path(__file__).resolve().parents[2]
EDIT = ImitationKind.EDIT
CONFUSABLE = ImitationKind.CONFUSABLE
EMBEDDED = ImitationKind.EMBEDDED
FREE = ImitationKind.FREE_HOSTING

CYRILLIC_I = "\u0456"
"""CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I, drawn as a Latin i."""


@pytest.fixture(scope="module")
def judge(policy: Policy) -> SiteJudge:
    return site_judge(policy)


@pytest.mark.parametrize(
    ("host", "portal", "kind", "ascii_host"),
    [
        # A small edit distance to a portal's registrable domain, or its label under another suffix.
        ("viamedls.net", "viamedis", EDIT, "viamedls.net"),
        ("almerys.co", "almerys", EDIT, "almerys.co"),
        ("viamedis.com", "viamedis", EDIT, "viamedis.com"),
        ("almerys.fr", "almerys", EDIT, "almerys.fr"),
        ("www.viamedls.net", "viamedis", EDIT, "www.viamedls.net"),
        ("VIAMEDLS.NET.", "viamedis", EDIT, "viamedls.net"),
        ("vaimedis.net", "viamedis", EDIT, "vaimedis.net"),
        ("bealmerys.com", "almerys", EDIT, "bealmerys.com"),
        ("tpisante.fr", "isante", EDIT, "tpisante.fr"),
        ("santeclaire.fr", "santeclair", EDIT, "santeclaire.fr"),
        ("carteblanchepartenaire.com", "cbpec", EDIT, "carteblanchepartenaire.com"),
        ("carte-blanchepartenaires.fr", "cbpec", EDIT, "carte-blanchepartenaires.fr"),
        ("ameli.com", "amelipro", EDIT, "ameli.com"),
        # Unicode confusables, their punycode, and ASCII look-alike letters.
        (f"v{CYRILLIC_I}amedis.net", "viamedis", CONFUSABLE, "xn--vamedis-rog.net"),
        ("xn--vamedis-rog.net", "viamedis", CONFUSABLE, "xn--vamedis-rog.net"),
        ("XN--VAMEDIS-ROG.NET", "viamedis", CONFUSABLE, "xn--vamedis-rog.net"),
        ("login.xn--vamedis-rog.net", "viamedis", CONFUSABLE, "login.xn--vamedis-rog.net"),
        ("almer\u0443s.com", "almerys", CONFUSABLE, "xn--almers-0rf.com"),
        ("viam\u00e9dis.net", "viamedis", CONFUSABLE, "xn--viamdis-eya.net"),
        ("g\u0435neration.fr", "generation", CONFUSABLE, "xn--gneration-g0h.fr"),
        ("viarnedis.net", "viamedis", CONFUSABLE, "viarnedis.net"),
        ("0xantis.net", "oxantis", CONFUSABLE, "0xantis.net"),
        (f"v{CYRILLIC_I}amedis-pro.com", "viamedis", CONFUSABLE, "xn--vamedis-pro-zvj.com"),
        # A portal's name or domain label inside another registrable domain.
        ("viamedis-pro.com", "viamedis", EMBEDDED, "viamedis-pro.com"),
        ("almerys.secure-login.fr", "almerys", EMBEDDED, "almerys.secure-login.fr"),
        ("viamedis.net.attacker.io", "viamedis", EMBEDDED, "viamedis.net.attacker.io"),
        ("secure-viamedis.fr", "viamedis", EMBEDDED, "secure-viamedis.fr"),
        ("ameli-remboursement.com", "amelipro", EMBEDDED, "ameli-remboursement.com"),
        ("espace-amelipro.fr", "amelipro", EMBEDDED, "espace-amelipro.fr"),
        ("tp-harmonie-connexion.fr", "harmonie", EMBEDDED, "tp-harmonie-connexion.fr"),
        ("be-almerys.secure.example.com", "almerys", EMBEDDED, "be-almerys.secure.example.com"),
        ("generation.fr.attacker.io", "generation", EMBEDDED, "generation.fr.attacker.io"),
        ("login_kalixia.example.org", "kalixia", EMBEDDED, "login_kalixia.example.org"),
        # A portal keyword on a free-hosting domain.
        ("viamedis.wixsite.com", "viamedis", FREE, "viamedis.wixsite.com"),
        ("almerys.000webhostapp.com", "almerys", FREE, "almerys.000webhostapp.com"),
        ("viamedis-connexion.netlify.app", "viamedis", FREE, "viamedis-connexion.netlify.app"),
        ("ameli-pro.github.io", "amelipro", FREE, "ameli-pro.github.io"),
        ("viamedls.weebly.com", "viamedis", FREE, "viamedls.weebly.com"),
        ("viamedisnet.com", "viamedis", EDIT, "viamedisnet.com"),
        ("login.almerys.pages.dev", "almerys", FREE, "login.almerys.pages.dev"),
        (f"v{CYRILLIC_I}amedis.web.app", "viamedis", FREE, "xn--vamedis-rog.web.app"),
        ("viamedis.bit.ly", "viamedis", FREE, "viamedis.bit.ly"),
    ],
)
def test_each_kind_of_imitation_names_its_portal(
    judge: SiteJudge, host: str, portal: str, kind: ImitationKind, ascii_host: str
) -> None:
    found = judge.imitation(host)
    assert found is not None, host
    assert (found.portal, found.kind, found.host) == (portal, kind, ascii_host)
    assert not judge.is_official(host)


def test_a_confusable_host_is_shown_in_ascii_with_its_characters_spelled_out(
    judge: SiteJudge,
) -> None:
    found = judge.imitation(f"v{CYRILLIC_I}amedis.net")
    assert found == Imitation(
        "viamedis", CONFUSABLE, "xn--vamedis-rog.net", "xn--vamedis-rog.net (v\\u0456amedis.net)"
    )
    assert found.shown.isascii() and found.shown.isprintable()
    plain = judge.imitation("viamedls.net")
    assert plain is not None and plain.shown == "viamedls.net"


OFFICIAL = [
    "viamedis.net",
    "viamedis.fr",
    "pro.viamedis.net",
    "www.viamedis.net",
    "VIAMEDIS.NET.",
    "www.almerys.com",
    "almerys.com",
    "be-almerys.com",
    "espace.be-almerys.com",
    "ameli.fr",
    "espacepro.ameli.fr",
    "generation.fr",
    "tp-isante.fr",
    "tp-harmonie.net",
    "carteblanchepartenaires.fr",
    "\uff56iamedis.net",  # FULLWIDTH v: browsers map it to viamedis.net (UTS #46)
    "viam\u00adedis.net",  # a soft hyphen, which UTS #46 drops
]


@pytest.mark.parametrize("host", OFFICIAL)
def test_official_domains_and_their_subdomains_are_never_flagged(
    judge: SiteJudge, host: str
) -> None:
    assert judge.is_official(host)
    assert judge.imitation(host) is None


HONEST = [
    "laposte.net",
    "orange.fr",
    "doctolib.fr",
    "impots.gouv.fr",
    "leboncoin.fr",
    "pharmacie-lafayette.com",
    "generali.fr",
    "generation-voyages.com",
    "generation.com",
    "generations.fr",
    "camelia.fr",
    "amelie.fr",
    "kalivia.fr",  # another optical network, one letter from Kalixia
    "almery.fr",  # seven letters take no edit
    "harmonie-mutuelle.fr",
    "harmonie-coiffure.fr",
    "sfr.fr",
    "free.fr",
    "credit-agricole.fr",
    "labanquepostale.fr",
    "service-public.fr",
    "caf.fr",
    "francetravail.fr",
    "mgen.fr",
    "malakoffhumanis.com",
    "axa.fr",
    "probtp.com",
    "vidal.fr",
    "ordre.pharmacien.fr",
    "essilor.fr",
    "optic2000.com",
    "krys.com",
    "afflelou.com",
    "sante.fr",
    "sante.gouv.fr",
    "monespacesante.fr",
    "mail.google.com",
    "outlook.live.com",
    "amazon.fr",
    "cdiscount.com",
    "viamedisien.fr",  # "viamedis" inside a longer word is another word
    "almerysien.fr",
    "bit.ly",
    "mon-site.wixsite.com",
    "github.io",
]


@pytest.mark.parametrize("host", HONEST)
def test_ordinary_sites_are_not_imitations(judge: SiteJudge, host: str) -> None:
    assert judge.imitation(host) is None
    assert not judge.is_official(host)


@pytest.mark.parametrize(
    "host",
    [
        "",
        ".",
        "..",
        "viamedls..net",
        ".viamedls.net",
        "127.0.0.1",
        "10.0.0.1",
        "::1",
        "[::1]",
        "fe80::1%eth0",
        "localhost",
        "viamedls.localhost",
        "viamedls",
        "1.2.3.256",
        "viamedls.net:443",
        "http://viamedls.net",
        "viamedls.net/login",
        "user@viamedls.net",
        "vi amedls.net",
        "viamedls.net\x00",
        "viamedls.net\n",
        "a" * 64 + ".viamedls.net",
        ("viamedls." * 30) + "net",  # 272 characters: over RFC 1035's 253
        "xn--99999999999999.net",  # punycode that does not decode
        "xn--vamedis-0eg.net",  # decodes to a capital letter: no IDNA label is that
        "xn--viamedls.net",  # decodes to capitals: never an IDNA label
        "\ud800viamedls.net",  # a lone surrogate
    ],
)
def test_addresses_that_are_no_domain_name_are_never_judged(judge: SiteJudge, host: str) -> None:
    assert judge.imitation(host) is None
    assert not judge.is_official(host)


def test_a_judge_is_built_once_per_set_of_portals(policy: Policy) -> None:
    assert site_judge(policy) is site_judge(policy)


def _portal(portal_id: str, *domains: str, name: str = "") -> Portal:
    return Portal(
        id=portal_id,
        name=name or portal_id,
        operator=portal_id,
        domains=domains,
        domains_confirmed=True,
        max_age_days=None,
        mfa=MfaSupport.UNKNOWN,
        limits_attempts=False,
        notes="",
        sources=(),
    )


def test_a_policys_own_portals_are_judged_with_the_same_rules() -> None:
    judge = SiteJudge(
        [
            _portal("optimutuelle", "portail.optimutuelle.fr", name="Optimutuelle Santé"),
            _portal("made-up"),  # no domain (a portal made up from a vault entry)
        ]
    )
    assert judge.is_official("portail.optimutuelle.fr")
    # The same registrable domain is the same owner: never an imitation.
    assert judge.imitation("www.optimutuelle.fr") is None
    found = judge.imitation("optimutuelle-portail.com")
    assert found is not None and (found.portal, found.kind) == ("optimutuelle", EMBEDDED)
    found = judge.imitation("optimutuele.fr")
    assert found is not None and (found.portal, found.kind) == ("optimutuelle", EDIT)
    assert judge.imitation("viamedis-pro.com") is None


def test_an_idn_official_domain_is_official_in_either_form() -> None:
    judge = SiteJudge([_portal("sante", "sant\u00e9clair.fr")])
    assert judge.is_official("sant\u00e9clair.fr")
    assert judge.is_official("www.xn--santclair-e4a.fr")
    found = judge.imitation("santeclair.fr")
    assert found is not None and (found.portal, found.kind) == ("sante", CONFUSABLE)


def test_skeletons_follow_unicode_confusables() -> None:
    assert skeleton(f"v{CYRILLIC_I}amedis") == skeleton("viamedis")
    assert skeleton("\u0430lmerys") == skeleton("almerys")  # Cyrillic a
    assert skeleton("0xantis") == skeleton("oxantis")
    assert skeleton("viarnedis") == skeleton("viamedis")
    assert skeleton("viam\u00e9dis") == skeleton("viamedis")
    assert skeleton("viamedls") != skeleton("viamedis")
    assert skeleton("ameli") != skeleton("amelie")


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    left=st.text("abc-", max_size=10),
    right=st.text("abc-", max_size=10),
    bound=st.integers(0, 3),
)
def test_the_banded_edit_distance_is_the_full_one_within_its_bound(
    left: str, right: str, bound: int
) -> None:
    expected = osa_distance(left, right, bound=bound)
    assert _within(left, right, bound) == (expected if expected <= bound else None)


def _shipped_hosts() -> list[dict[str, str]]:
    data = tomllib.loads((REPO / "policies" / FREE_HOSTS_FILE).read_text(encoding="utf-8"))
    return list(data["host"])


def test_every_free_host_is_cited_and_those_said_on_the_psl_are_on_it() -> None:
    from publicsuffixlist import PublicSuffixList

    psl = PublicSuffixList()
    hosts = _shipped_hosts()
    assert len(hosts) >= 20
    suffixes = [host["suffix"] for host in hosts]
    assert len(set(suffixes)) == len(suffixes)
    for host in hosts:
        assert set(host) == {"suffix", "kind", "source"}, host
        assert host["kind"] in {kind.value for kind in HostingKind}
        assert host["source"].strip()
        if host["source"].startswith("Public Suffix List"):
            assert psl.is_public(host["suffix"], accept_unknown=False), host["suffix"]


@pytest.mark.parametrize(
    "content",
    [
        "[[host\n",
        '[[host]]\nsuffix = "wixsite.com"\n',
        '[[host]]\nsuffix = "wixsite.com"\nkind = "parking"\nsource = "x"\n',
    ],
)
def test_a_damaged_free_hosts_file_is_a_clear_policy_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str
) -> None:
    (tmp_path / FREE_HOSTS_FILE).write_text(content, encoding="utf-8")
    monkeypatch.setattr(lookalike, "data_dir", lambda name: tmp_path)
    lookalike._free_hosts.cache_clear()
    try:
        with pytest.raises(PolicyError, match=FREE_HOSTS_FILE):
            SiteJudge([])
    finally:
        lookalike._free_hosts.cache_clear()


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("bit.ly", HostingKind.SHORTENER),
        ("tinyurl.com", HostingKind.SHORTENER),
        ("sites.google.com", HostingKind.FREE_HOSTING),
        ("mon-site.wixsite.com", HostingKind.FREE_HOSTING),
        ("a.b.000webhostapp.com", HostingKind.FREE_HOSTING),
        ("wixsite.com.example.fr", None),
        ("notbit.ly", None),
        ("viamedis.net", None),
        ("", None),
    ],
)
def test_free_hosts_and_shorteners_are_named(
    judge: SiteJudge, host: str, kind: HostingKind | None
) -> None:
    assert judge.hosting(host) is kind


_HOST_CHARACTERS = st.sampled_from(
    [
        *"abcdefghijklmnopqrstuvwxyz0123456789-._:/@[]% ",
        *(CYRILLIC_I, "\u0430", "\u00e9", "\uff56", "\u200b", "\u00ad", "\ud800", "\u0301"),
        "\x00",
    ]
)
_KEYWORDS = st.sampled_from(
    ["viamedis", "almerys", "xn--", "xn--vamedis-rog", "wixsite", "com", "net", "fr", "ameli"]
)
_HOSTISH = st.lists(st.one_of(_KEYWORDS, st.text(_HOST_CHARACTERS, max_size=12)), max_size=12).map(
    ".".join
)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(host=st.one_of(st.text(max_size=300), _HOSTISH))
def test_any_text_as_a_host_is_judged_without_error_and_quickly(
    judge: SiteJudge, host: str
) -> None:
    begin = time.process_time()  # the CPU this judgement takes, whatever else the machine runs
    found = judge.imitation(host)
    official = judge.is_official(host)
    judge.hosting(host)
    assert time.process_time() - begin < 0.5
    if found is not None:
        assert not official
        assert found.host.isascii() and found.host == found.host.lower()
        assert found.shown.isascii() and found.shown.isprintable()
        assert len(found.host) <= 253


_NO_NETWORK = r"""
import sys

reached = []

def hook(event, args):
    if event.startswith(("socket.", "urllib.", "http.")) or event == "subprocess.Popen":
        reached.append(event)

sys.addaudithook(hook)
from auditor.policy import load_policy
from auditor.policy.lookalike import site_judge

judge = site_judge(load_policy(()))
for host in ["viamedls.net", "xn--vamedis-rog.net", "viamedis.wixsite.com", "orange.fr"]:
    judge.imitation(host)
    judge.hosting(host)
print(sorted(set(reached)))
"""


def test_judging_hosts_reaches_no_network_and_starts_no_process() -> None:
    """The Public Suffix List and the confusables are the libraries' bundled files: loading
    them and judging hosts opens no socket (an audit hook sees every attempt, at any level)."""
    done = subprocess.run(
        [sys.executable, "-c", _NO_NETWORK],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        cwd=REPO,
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
