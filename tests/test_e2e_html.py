"""HTML sources end to end through `run_once`: fixture portal -> listing -> article pages -> store
-> feeds -> fake Telegram. The theme fixtures name their real origin; it is rewritten to the
portal's address as they are served."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from syndication.commands import status_data
from syndication.config import load
from syndication.service import run_once
from syndication.sources.html import extract_links
from syndication.store import ScopeItem, SourceSuccess, open_store
from syndication.types import Item
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal

DATA = Path(__file__).parent / "data" / "html"
HTML = "text/html; charset=UTF-8"
NOW = datetime.now(UTC)
OLD = datetime(2024, 11, 15, 2, 0, tzinfo=UTC)
SEED = "/pjs-bupati-kukar-menghadiri-rakor-kelancaran-penyelenggaraan-pilkada-serentak-2024/"
SEED_TITLE = "Pjs Bupati Kukar Menghadiri Rakor Kelancaran Penyelenggaraan Pilkada Serentak 2024"
KUTIM = "/pemkab-kutim-gelar-rakor-percepatan-penurunan-stunting-di-sangatta/"
WALKOT = "/wali-kota-samarinda-tinjau-pembangunan-terowongan-jalan-sultan-alimuddin/"


@dataclass(frozen=True)
class Expect:
    title: str
    published: datetime  # to the minute
    categories: frozenset[str]
    regencies: tuple[str, ...]


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def expect(title: str, when: datetime, cats: str, regs: str) -> Expect:
    return Expect(title, when, frozenset(cats.split()), tuple(regs.split()))


@dataclass(frozen=True)
class Theme:
    origin: str
    listing: str
    articles: dict[str, tuple[str, Expect]]  # path -> (fixture, what the stored item holds)


THEMES = {
    "eksposisi": Theme("https://eksposisi.com", "eksposisi/home.html", {
        SEED: ("eksposisi/seed.html", expect(
            SEED_TITLE, utc(2024, 11, 18, 12, 15), "advertorial pemerintah", "kukar")),
        KUTIM: ("eksposisi/article2.html", expect(
            "Pemkab Kutim Gelar Rakor Percepatan Penurunan Stunting di Sangatta",
            utc(2024, 11, 22, 0, 5), "advertorial pemerintah", "kutim")),
    }),
    "jnews": Theme("https://kabarkutim.example", "jnews/home.html", {
        "/bupati-kutim-ardiansyah-sulaiman-tinjau-jalan-poros-sangatta-rantau-pulung/": (
            "jnews/article1.html", expect(
                "Bupati Kutim Ardiansyah Sulaiman Tinjau Jalan Poros Sangatta-Rantau Pulung",
                utc(2024, 11, 20, 1, 30), "advertorial pemerintah infrastruktur", "kutim")),
        "/wali-kota-samarinda-andi-harun-resmikan-teras-samarinda-tahap-satu/": (
            "jnews/article2.html", expect(
                "Wali Kota Samarinda Andi Harun Resmikan Teras Samarinda Tahap Satu",
                utc(2024, 11, 21, 3, 15), "", "samarinda")),
    }),
    "newspaper": Theme("https://samarindaterkini.example", "newspaper/home.html", {
        "/2024/11/21/banjir-rendam-empat-kelurahan-di-samarinda-utara-warga-mengungsi/": (
            "newspaper/article1.html", expect(
                "Banjir Rendam Empat Kelurahan di Samarinda Utara, Warga Mengungsi",
                utc(2024, 11, 21, 6, 5), "", "samarinda")),
        "/2024/11/22/dprd-kukar-setujui-raperda-apbd-2025-senilai-rp13-triliun/": (
            "newspaper/article2.html", expect(  # "22/11/2024 09:10", no zone: WITA
                "DPRD Kukar Setujui Raperda APBD 2025 Senilai Rp13 Triliun",
                utc(2024, 11, 22, 1, 10), "advertorial pemerintah", "kukar")),  # adv/dprdkukar
    }),
    "generatepress": Theme("https://benuanta.example", "generatepress/home.html", {
        "/berita/bupati-kubar-resmikan-jembatan-gantung-di-kampung-linggang-bigung/": (
            "generatepress/article1.html", expect(
                "Bupati Kubar Resmikan Jembatan Gantung di Kampung Linggang Bigung",
                # "jembatan": one of the canonical infrastruktur's own words
                utc(2024, 11, 23, 2, 0), "infrastruktur", "kubar")),
        "/berita/pemkab-mahulu-salurkan-bantuan-sembako-ke-kampung-terdampak-kemarau/": (
            "generatepress/article2.html", expect(
                "Pemkab Mahulu Salurkan Bantuan Sembako ke Kampung Terdampak Kemarau",
                utc(2024, 11, 22, 8, 45), "advertorial pemerintah", "mahulu")),
    }),
}  # fmt: skip


# -- serving pages ---------------------------------------------------------------------------


def fixture(name: str, theme: Theme, portal: Portal) -> bytes:
    return (DATA / name).read_bytes().replace(theme.origin.encode(), portal.url.encode())


def article_page(
    url: str,
    title: str,
    *,
    when: datetime = OLD,
    section: str = "Pemerintah",
    body: str = "SAMARINDA – Pemkot Samarinda menggelar kegiatan warga di Samarinda Ulu.",
    credit: str = "",
    charset: str = "UTF-8",
) -> str:
    """A plain WordPress article page (tests/data/html/extra/article.html) filled in."""
    values = {
        "CHARSET": charset,
        "TITLE": title,
        "URL": url,
        "ISO": when.isoformat(),
        "SECTION": section,
        "BODY": body,
        "CREDIT": credit,
    }
    text = (DATA / "extra/article.html").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def listing_page(base: str, paths: list[str]) -> str:
    block = (
        '<article class="post type-post hentry"><h2 class="entry-title">'
        '<a href="{url}" rel="bookmark">Judul {n}</a></h2>'
        '<div class="entry-summary"><p>Ringkasan berita.</p></div></article>\n'
    )
    blocks = "".join(block.format(url=base + p, n=n) for n, p in enumerate(paths))
    text = (DATA / "extra/listing.html").read_text(encoding="utf-8")
    return text.replace("{{ARTICLES}}", blocks)


def title_of(path: str) -> str:
    return path.strip("/").split("/")[-1].replace("-", " ").title()


def serve_theme(portal: Portal, name: str, listing: bytes | None = None) -> list[str]:
    """The theme's listing at /, its article fixtures, and a plain page for every other link.
    Returns the listing's article paths."""
    theme = THEMES[name]
    body = listing if listing is not None else fixture(theme.listing, theme, portal)
    portal.set("/", body, content_type=HTML)
    paths = [u.removeprefix(portal.url) for u in extract_links(body.decode(), portal.url + "/")]
    for path in paths:
        if path in theme.articles:
            portal.set(path, fixture(theme.articles[path][0], theme, portal), content_type=HTML)
        elif path not in portal.pages:
            portal.set(path, article_page(portal.url + path, title_of(path)), content_type=HTML)
    return paths


def article_hits(portal: Portal, since: int = 0) -> list[str]:
    return [h.path for h in portal.hits[since:] if h.path not in ("/", "/feed/")]


# -- running ---------------------------------------------------------------------------------


def html_source(portal: Portal, sid: str = "portal", path: str = "/", extra: str = "") -> str:
    return f"""
        [[sources]]
        id = "{sid}"
        url = "{portal.url}{path}"
        kind = "html"
        {extra}
        """


def config(tmp_path: Path, db_url: str, sources: str, **kwargs: object) -> Path:
    return write_config(tmp_path / "config.toml", db_url=db_url, sources=sources, **kwargs)  # type: ignore[arg-type]


def once(path: Path) -> None:
    assert asyncio.run(run_once(load(path))) == 0


def stored(path: Path) -> dict[str, ScopeItem]:
    store = open_store(load(path).database_url)
    try:
        return {i.url: i for i in store.scope_items("all", 500)}
    finally:
        store.engine.dispose()


def source_status(path: Path, sid: str) -> dict[str, object]:
    cfg = load(path)
    store = open_store(cfg.database_url)
    try:
        found: dict[str, object] = {s["id"]: s for s in status_data(cfg, store)["sources"]}[sid]
        return found
    finally:
        store.engine.dispose()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=60, min_interval=0.0) as f:
        monkeypatch.setenv("SYNDICATION_TEST_TOKEN", f.token)
        yield f


# -- 1. each theme, no selectors -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(THEMES))
def test_theme_without_selectors_first_and_second_poll(
    name: str, tmp_path: Path, portal: Portal
) -> None:
    paths = serve_theme(portal, name)
    path = config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", html_source(portal))
    once(path)
    assert sorted(article_hits(portal)) == sorted(paths)  # each article page once
    items = stored(path)
    assert len(items) == len(paths)
    for article_path, (_, want) in THEMES[name].articles.items():
        item = items[portal.url + article_path]
        assert item.title == want.title
        assert item.published.replace(second=0) == want.published
        assert item.published.tzinfo is not None and item.published.utcoffset() == timedelta(0)
        assert set(item.categories) == want.categories, item.title
        assert item.regencies == want.regencies, item.title
        assert "Baca Juga" not in item.content_html and "Share" not in item.content_html
    ua = load(path).fetch.user_agent
    assert {h.user_agent for h in portal.hits} == {ua}

    before = len(portal.hits)
    once(path)  # the same listing: one conditional request, no article page
    assert [(h.path, h.status, h.conditional) for h in portal.hits[before:]] == [("/", 304, True)]


def test_seed_page_through_the_whole_service(tmp_path: Path, portal: Portal, db_url: str) -> None:
    serve_theme(portal, "eksposisi")
    path = config(tmp_path, db_url, html_source(portal, "eksposisi"))
    once(path)
    seed = stored(path)[portal.url + SEED]
    assert seed.categories == ("advertorial", "pemerintah") or set(seed.categories) == {
        "advertorial",
        "pemerintah",
    }
    assert seed.regencies == ("kukar",) and seed.advertorial
    assert seed.published.replace(second=0) == utc(2024, 11, 18, 12, 15)
    assert "Baca Juga" not in seed.content_html and "Bupati Kutim" not in seed.content_html
    assert "(adv/diskominfo/kukar)" in seed.content_html
    kukar = feedparser.parse((tmp_path / "public/regency/kukar/advertorial.rss").read_bytes())
    assert [e.link for e in kukar.entries] == [portal.url + SEED]


def test_one_new_link_fetches_exactly_that_page(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str
) -> None:
    theme = THEMES["eksposisi"]
    full = fixture(theme.listing, theme, portal)
    without = full.replace(WALKOT.encode(), SEED.encode())  # one link fewer
    first = serve_theme(portal, "eksposisi", without)
    assert len(first) == 4
    fresh = article_page(
        portal.url + WALKOT,
        "Wali Kota Samarinda Tinjau Terowongan Sultan Alimuddin",
        when=NOW - timedelta(minutes=30),
        credit="(adv/diskominfo/samarinda)",
    )
    portal.set(WALKOT, fresh, content_type=HTML)
    path = config(
        tmp_path,
        db_url,
        html_source(portal),
        api_url=fake.url,
        chats={"samarinda": "@kabar_smd", "kukar": "@kabar_kukar"},
    )
    once(path)
    assert sorted(article_hits(portal)) == sorted(first) and fake.messages == []  # backlog
    before = len(portal.hits)
    portal.set("/", full, content_type=HTML)
    once(path)
    assert article_hits(portal, before) == [WALKOT]
    assert len(stored(path)) == 5
    assert [m.chat for m in fake.messages] == ["@kabar_smd"]
    assert "Terowongan Sultan Alimuddin" in fake.messages[0].text


def test_max_articles_caps_each_poll_and_the_rest_follow(tmp_path: Path, portal: Portal) -> None:
    paths = [f"/berita-uji-nomor-{n}-di-samarinda/" for n in range(5)]
    portal.set("/", listing_page(portal.url, paths), content_type=HTML)
    for p in paths:
        portal.set(p, article_page(portal.url + p, title_of(p)), content_type=HTML)
    path = config(
        tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", html_source(portal, extra="max_articles = 2")
    )
    fetched = []
    for _ in range(4):
        before = len(portal.hits)
        once(path)
        fetched.append(article_hits(portal, before))
        listing = portal.hits_for("/")[-1]
    # the articles of one poll are fetched side by side: which ones, not in what order
    assert [sorted(f) for f in fetched] == [paths[:2], paths[2:4], paths[4:], []]
    assert (listing.status, listing.conditional) == (304, True)  # complete at last
    assert [h.conditional for h in portal.hits_for("/")] == [False, False, False, True]
    assert len(stored(path)) == 5


def test_a_capped_first_listing_is_all_backlog(
    tmp_path: Path, portal: Portal, fake: FakeTelegram
) -> None:
    """What the first poll could not fetch because of max_articles is backlog too: fetched on
    the next polls, published in the feeds, never announced."""
    paths = [f"/pemkot-samarinda-kegiatan-nomor-{n}/" for n in range(5)]
    portal.set("/", listing_page(portal.url, paths), content_type=HTML)
    for p in paths:
        page = article_page(
            portal.url + p,
            title_of(p),
            when=NOW - timedelta(minutes=20),
            credit="(adv/diskominfo/samarinda)",
        )
        portal.set(p, page, content_type=HTML)
    path = config(
        tmp_path,
        f"sqlite:///{tmp_path}/db.sqlite3",
        html_source(portal, extra="max_articles = 2"),
        api_url=fake.url,
        chats={"samarinda": "@kabar_smd"},
    )
    for _ in range(3):
        once(path)
    assert len(stored(path)) == 5 and fake.messages == []
    fresh = "/pemkot-samarinda-kegiatan-baru/"
    portal.set(
        fresh,
        article_page(
            portal.url + fresh,
            title_of(fresh),
            when=NOW - timedelta(minutes=5),
            credit="(adv/diskominfo/samarinda)",
        ),
        content_type=HTML,
    )
    portal.set("/", listing_page(portal.url, [fresh, *paths]), content_type=HTML)
    once(path)
    assert [m.chat for m in fake.messages] == ["@kabar_smd"]


# -- 2. politeness ---------------------------------------------------------------------------


@dataclass
class Gauge:
    """Requests the portal is answering at once."""

    now: int = 0
    peak: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


def gauge(portal: Portal) -> Gauge:
    g = Gauge()
    base = portal.server.RequestHandlerClass

    class Counting(base):  # type: ignore[valid-type,misc]
        def do_GET(self) -> None:
            g.enter()
            try:
                super().do_GET()
            finally:
                g.leave()

    portal.server.RequestHandlerClass = Counting
    return g


@pytest.mark.parametrize("per_host", [1, 3])
def test_article_fetches_are_bounded_per_host(
    tmp_path: Path, portal: Portal, per_host: int
) -> None:
    g = gauge(portal)
    for listing, label in (("/", "beranda"), ("/kanal/pemerintah/", "kanal")):
        paths = [f"/berita-{n}-dari-{label}-uji/" for n in range(6)]
        portal.set(listing, listing_page(portal.url, paths), content_type=HTML)
        for p in paths:
            portal.set(p, article_page(portal.url + p, title_of(p)), content_type=HTML, delay=0.15)
    sources = html_source(portal, "beranda") + html_source(portal, "kanal", "/kanal/pemerintah/")
    path = config(
        tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", sources, extra=f"per_host = {per_host}\n"
    )
    started = time.monotonic()
    once(path)
    elapsed = time.monotonic() - started
    assert len(stored(path)) == 12
    assert g.peak == per_host  # two sources on one host share the bound
    assert elapsed >= 12 / per_host * 0.15
    assert all(h.user_agent.startswith("syndication/") for h in portal.hits)


# -- 3. one story from two sources -----------------------------------------------------------


def fresh_seed(portal: Portal, when: datetime) -> bytes:
    """The seed page, published `when` (its meta and its printed WIB line)."""
    months = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ]
    days = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
    wib = when.astimezone(UTC) + timedelta(hours=7)
    printed = (
        f"{days[wib.weekday()]}, {wib.day} {months[wib.month - 1]} {wib.year} - {wib:%H:%M} WIB"
    )
    body = fixture("eksposisi/seed.html", THEMES["eksposisi"], portal)
    return (
        body.replace(b"2024-11-18T12:15:41+00:00", when.isoformat().encode())
        .replace(b"2024-11-18T12:22:07+00:00", when.isoformat().encode())
        .replace(b"Senin, 18 November 2024 - 19:15 WIB", printed.encode())
    )


@pytest.mark.parametrize("feed_link", ["same-url", "same-title"])
def test_html_and_feed_publishing_one_story_make_one_item(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str, feed_link: str
) -> None:
    when = NOW - timedelta(hours=1)
    slug = SEED.strip("/") if feed_link == "same-url" else "berita/4242"
    post = Post(
        slug,
        SEED_TITLE,
        when,
        ["Advertorial", "Pemerintah"],
        "<p>TENGGARONG – Pjs Bupati Kukar menghadiri rakor. (adv/diskominfo/kukar)</p>",
    )
    portal.set("/feed/", rss(portal.url, []))
    older = "/berita-lama-pekan-lalu-di-tenggarong/"
    portal.set(older, article_page(portal.url + older, "Berita Lama Pekan Lalu"), content_type=HTML)
    portal.set("/category/advertorial/", listing_page(portal.url, [older]), content_type=HTML)
    sources = f"""
        [[sources]]
        id = "feed"
        url = "{portal.url}/feed/"
    """ + html_source(portal, "html", "/category/advertorial/")
    path = config(tmp_path, db_url, sources, api_url=fake.url, chats={"kukar": "@kabar_kukar"})
    once(path)  # the backlogs: nothing of the story yet

    theme = THEMES["eksposisi"]
    portal.set("/feed/", rss(portal.url, [post]))
    portal.set(
        "/category/advertorial/",
        fixture("eksposisi/category.html", theme, portal),
        content_type=HTML,
    )
    portal.set(SEED, fresh_seed(portal, when), content_type=HTML)
    portal.set(KUTIM, fixture("eksposisi/article2.html", theme, portal), content_type=HTML)
    once(path)
    assert SEED in article_hits(portal)
    everything = feedparser.parse((tmp_path / "public/all.rss").read_bytes())
    assert [e.title.endswith(SEED_TITLE) for e in everything.entries].count(True) == 1
    assert [m.chat for m in fake.messages] == ["@kabar_kukar"]
    assert SEED_TITLE in fake.messages[0].text


def test_concurrent_ingests_of_one_story_make_one_item(pg_url: str) -> None:
    """PostgreSQL: two sources storing one story at the same moment still find each other."""
    store = open_store(pg_url)
    store.sync_sources([("a", "https://a.test/"), ("b", "https://b.test/")])
    ok = SourceSuccess(etag=None, last_modified=None, body_hash="h", status=200, next_poll=NOW)
    try:
        for n in range(15):
            story = story_item(n)
            start = threading.Barrier(2)

            def ingest(sid: str, story: Item = story, start: threading.Barrier = start) -> None:
                start.wait()
                store.ingest(
                    sid,
                    [replace(story, source_id=sid)],
                    NOW,
                    ok,
                    route=lambda i: [("kukar", "@kabar_kukar")],
                    announce=lambda i: True,
                )

            threads = [threading.Thread(target=ingest, args=(sid,)) for sid in "ab"]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert store.counts() == {"items": 15, "pending_deliveries": 15}
    finally:
        store.engine.dispose()


def story_item(n: int) -> Item:
    title = f"Pemkab Kukar Resmikan Jembatan Nomor {n}"
    return Item(
        source_id="a",
        entry_key=f"https://a.test/{n}/",
        url=f"https://a.test/{n}/",
        url_key=f"a.test/{n}",
        title=title,
        title_key=title.lower(),
        summary="",
        content_html="",
        author=None,
        published=NOW,
        updated=NOW,
        categories=("pemerintah",),
        regencies=("kukar",),
        advertorial=False,
        content_hash=f"h{n}",
    )


# -- 4. enrichment of a thin feed ------------------------------------------------------------


def test_enrich_fetches_the_pages_of_new_items_only(tmp_path: Path, portal: Portal) -> None:
    theme = THEMES["eksposisi"]
    portal.set(SEED, fixture("eksposisi/seed.html", theme, portal), content_type=HTML)
    portal.set(KUTIM, fixture("eksposisi/article2.html", theme, portal), content_type=HTML)
    thin = [  # neutral titles, no categories, no body, no image: all of it is on the page
        Post(SEED.strip("/"), "Rakor Kelancaran Penyelenggaraan Pilkada Serentak", OLD),
        Post(KUTIM.strip("/"), "Rakor Percepatan Penurunan Stunting", OLD),
    ]
    full = Post(
        "lengkap",
        "Harga Cabai Naik di Pasar Segiri Samarinda",
        OLD,
        ["Bisnis"],
        "<p>SAMARINDA – Harga cabai naik.</p>",
        image=portal.url + "/cabai.jpg",
    )
    portal.set("/feed/", rss(portal.url, [*thin, full]))
    sources = f"""
        [[sources]]
        id = "eksposisi"
        url = "{portal.url}/feed/"
        enrich = true
    """
    path = config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", sources)
    once(path)
    assert sorted(article_hits(portal)) == sorted([SEED, KUTIM])  # not the complete entry
    items = stored(path)
    seed, kutim = items[portal.url + SEED], items[portal.url + KUTIM]
    assert seed.title == "Rakor Kelancaran Penyelenggaraan Pilkada Serentak"  # the feed's
    assert set(seed.categories) == {"advertorial", "pemerintah"} and seed.regencies == ("kukar",)
    assert seed.image == portal.url + "/wp-content/uploads/2024/11/rakor-pilkada-kukar.jpg"
    assert "Baca Juga" not in seed.content_html and "(adv/diskominfo/kukar)" in seed.content_html
    assert "advertorial" in kutim.categories and kutim.regencies == ("kutim",)

    before = len(portal.hits)
    portal.set(
        WALKOT,
        article_page(portal.url + WALKOT, "Terowongan Samarinda", section="Bisnis"),
        content_type=HTML,
    )
    portal.set(
        "/feed/", rss(portal.url, [Post(WALKOT.strip("/"), "Tinjau Terowongan", OLD), *thin, full])
    )
    once(path)
    assert article_hits(portal, before) == [WALKOT]  # the new item only
    items = stored(path)
    assert "bisnis" in items[portal.url + WALKOT].categories
    assert items[portal.url + SEED] == seed  # what the page gave is kept

    # a corrected title in the feed: that entry's page is read again, the others' are not
    before = len(portal.hits)
    thin[0] = replace(thin[0], title="Rakor Kelancaran Pilkada Serentak di Tenggarong")
    portal.set("/feed/", rss(portal.url, [*thin, full]))
    once(path)
    assert article_hits(portal, before) == [SEED]
    seed = stored(path)[portal.url + SEED]
    assert seed.title.endswith("Pilkada Serentak di Tenggarong") and seed.version == 2
    assert set(seed.categories) == {"advertorial", "pemerintah"} and seed.regencies == ("kukar",)


# -- 5. robustness ---------------------------------------------------------------------------


def test_bad_pages_are_skipped_or_retried_and_the_rest_goes_on(
    tmp_path: Path, portal: Portal, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    base = portal.url
    names = ["baik", "hilang", "lambat", "besar", "cp1252", "latin1", "bukan", "pdf", "tag"]
    paths = {n: f"/berita-{n}-dari-portal-uji/" for n in names}
    portal.set("/", listing_page(base, list(paths.values())), content_type=HTML)
    portal.set(paths["baik"], article_page(base + paths["baik"], "Berita Baik"), content_type=HTML)
    # "hilang" is not served: 404
    slow = article_page(base + paths["lambat"], "Berita Lambat Datang")
    portal.set(paths["lambat"], slow, content_type=HTML, delay=2.5)  # read timeout is 2s
    padding = "<p>" + "isi yang sangat panjang " * 20_000 + "</p>"
    huge = article_page(base + paths["besar"], "Berita Besar", body=padding)
    portal.set(paths["besar"], huge, content_type=HTML)
    dash = "Pemkab Kukar Salurkan Bantuan – Warga Tenggarong Senang di Café"
    cp = article_page(base + paths["cp1252"], dash, charset="windows-1252")
    portal.set(paths["cp1252"], cp.encode("cp1252"), content_type="text/html")  # meta only
    latin = article_page(base + paths["latin1"], dash + " Lagi", charset="ISO-8859-1")
    portal.set(
        paths["latin1"], latin.encode("cp1252"), content_type="text/html; charset=ISO-8859-1"
    )
    # a soft 404 (status 200) and a tag page: not articles
    portal.set(
        paths["bukan"],
        fixture("eksposisi/404.html", THEMES["eksposisi"], portal),
        content_type=HTML,
    )
    portal.set(paths["pdf"], b"%PDF-1.4 laporan", content_type="application/pdf")
    portal.set(
        paths["tag"], fixture("eksposisi/tag.html", THEMES["eksposisi"], portal), content_type=HTML
    )
    path = config(tmp_path, db_url, html_source(portal), extra='max_body = "256KB"\n')
    # the slow page must time out reading (2 s), never the portal's connect under a loaded
    # machine: a full CI run once met a ConnectTimeout on the listing itself
    path.write_text(path.read_text().replace('connect_timeout = "5s"', 'connect_timeout = "20s"'))
    caplog.set_level("INFO", logger="syndication")

    once(path)
    titles = {i.title for i in stored(path).values()}
    assert titles == {"Berita Baik", dash, dash + " Lagi"}
    status = source_status(path, "portal")
    assert status["healthy"] and status["items_count"] == 3
    log = caplog.text
    assert "reason='404 page'" in log and "not an HTML page (application/pdf)" in log
    assert "listing page" in log and "HTTP 404" in log and "cap" in log

    # the slow page failed for now: the listing is read again, only that page is fetched
    deadline = time.monotonic() + 60
    while not portal.hits_for(paths["lambat"]) and time.monotonic() < deadline:
        time.sleep(0.05)  # the portal logs the slow request once it has answered it
    portal.set(paths["lambat"], slow, content_type=HTML)
    before = len(portal.hits)
    once(path)
    assert [(h.path, h.conditional) for h in portal.hits[before:]] == [
        ("/", False),
        (paths["lambat"], False),
    ]
    assert len(stored(path)) == 4
    before = len(portal.hits)
    once(path)
    # "hilang" answered 404: it is asked again in a while (tests/test_html_retry_gone.py), and
    # until then the listing is read whole, so that the poll then finds it
    assert [(h.path, h.status) for h in portal.hits[before:]] == [("/", 200)]


def test_listing_without_article_links_is_a_parse_failure(tmp_path: Path, portal: Portal) -> None:
    portal.set("/", "<html><body><h1>Situs dalam perbaikan</h1></body></html>", content_type=HTML)
    path = config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", html_source(portal))
    once(path)
    status = source_status(path, "portal")
    assert status["error_kind"] == "parse" and "no article links" in str(status["last_error"])


def test_all_article_pages_failing_is_a_source_failure(tmp_path: Path, portal: Portal) -> None:
    paths = [f"/berita-{n}-yang-sedang-gangguan/" for n in range(3)]
    portal.set("/", listing_page(portal.url, paths), content_type=HTML)
    for p in paths:
        portal.set(
            p, "sibuk", content_type="text/plain", status=503, headers={"Retry-After": "120"}
        )
    path = config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", html_source(portal))
    once(path)
    status = source_status(path, "portal")
    assert status["consecutive_failures"] == 1 and status["error_kind"] == "fetch"
    assert "all 3 new article pages failed" in str(status["last_error"])  # 503 stops the rest
    assert len(article_hits(portal)) == 2  # per_host pages were asked at once; no third

    for p in paths:
        portal.set(p, article_page(portal.url + p, title_of(p)), content_type=HTML)
    once(path)
    assert len(stored(path)) == 3
    assert source_status(path, "portal")["healthy"]


def titled_listing(base: str, items: list[tuple[str, str]]) -> str:
    block = (
        '<article class="post type-post hentry"><h2 class="entry-title">'
        '<a href="{url}" rel="bookmark">{title}</a></h2></article>\n'
    )
    blocks = "".join(block.format(url=base + p, title=t) for p, t in items)
    text = (DATA / "extra/listing.html").read_text(encoding="utf-8")
    return text.replace("{{ARTICLES}}", blocks)


def test_a_headline_corrected_by_adding_words_edits_the_message(
    tmp_path: Path, portal: Portal, fake: FakeTelegram
) -> None:
    """A correction that only adds words ("... Gelar Reses" -> "... Gelar Reses Masa Sidang
    III") starts with the stored title: it is read again all the same."""
    old, new = "/pemkot-samarinda-lama/", "/dprd-samarinda-gelar-reses/"
    short = "DPRD Samarinda Gelar Reses di Kelurahan Sempaja"
    longer = short + " Masa Sidang III"
    rapat = "Pemkot Samarinda Gelar Rapat Rutin"
    portal.set(old, article_page(portal.url + old, rapat), content_type=HTML)
    portal.set("/", titled_listing(portal.url, [(old, rapat)]), content_type=HTML)
    path = config(
        tmp_path,
        f"sqlite:///{tmp_path}/db.sqlite3",
        html_source(portal),
        api_url=fake.url,
        chats={"samarinda": "@kabar_smd"},
    )
    once(path)  # backlog: nothing
    when = NOW - timedelta(minutes=5)
    credit = "(adv/diskominfo/samarinda)"
    portal.set(
        new, article_page(portal.url + new, short, when=when, credit=credit), content_type=HTML
    )
    portal.set("/", titled_listing(portal.url, [(new, short), (old, rapat)]), content_type=HTML)
    once(path)
    assert len(fake.messages) == 1
    portal.set(
        new, article_page(portal.url + new, longer, when=when, credit=credit), content_type=HTML
    )
    portal.set("/", titled_listing(portal.url, [(new, longer), (old, rapat)]), content_type=HTML)
    before = len(portal.hits)
    once(path)
    assert article_hits(portal, before) == [new]
    assert len(fake.messages) == 1 and len(fake.edits) == 1
    assert "Masa Sidang III" in fake.edits[0].text


def test_a_corrected_headline_on_the_listing_edits_the_message(
    tmp_path: Path, portal: Portal, fake: FakeTelegram
) -> None:
    old, new = "/pemkot-samarinda-lama/", "/pemkot-samarinda-tinjau-banjir/"
    wrong, right = (
        "Wali Kota Samarinda Tinjau Banjir di Sungai Pinang",
        ("Wali Kota Samarinda Tinjau Banjir di Sempaja"),
    )
    portal.set(
        old, article_page(portal.url + old, "Pemkot Samarinda Gelar Rapat Rutin"), content_type=HTML
    )
    portal.set(
        "/",
        titled_listing(portal.url, [(old, "Pemkot Samarinda Gelar Rapat Rutin")]),
        content_type=HTML,
    )
    path = config(
        tmp_path,
        f"sqlite:///{tmp_path}/db.sqlite3",
        html_source(portal),
        api_url=fake.url,
        chats={"samarinda": "@kabar_smd"},
    )
    once(path)  # backlog
    page = article_page(
        portal.url + new,
        wrong,
        when=NOW - timedelta(minutes=5),
        credit="(adv/diskominfo/samarinda)",
    )
    portal.set(new, page, content_type=HTML)
    portal.set(
        "/",
        titled_listing(portal.url, [(new, wrong), (old, "Pemkot Samarinda Gelar Rapat Rutin")]),
        content_type=HTML,
    )
    once(path)
    [sent] = fake.messages
    assert "Sungai Pinang" in sent.text
    fixed = article_page(
        portal.url + new,
        right,
        when=NOW - timedelta(minutes=5),
        credit="(adv/diskominfo/samarinda)",
    )
    portal.set(new, fixed, content_type=HTML)
    portal.set(
        "/",
        titled_listing(
            portal.url, [(new, right + "…"), (old, "Pemkot Samarinda Gelar Rapat Rutin")]
        ),
        content_type=HTML,
    )
    before = len(portal.hits)
    once(path)
    assert article_hits(portal, before) == [new]  # only the retitled article is read again
    assert len(fake.messages) == 1 and len(fake.edits) == 1
    assert "Sempaja" in fake.edits[0].text
    before = len(portal.hits)
    portal.set(
        "/",
        titled_listing(portal.url, [(new, right), (old, "Rapat Rutin Pemkot Samarinda Digelar")]),
        content_type=HTML,
    )
    once(path)  # a listing wording that differs from the article is checked once, not per poll
    assert len(article_hits(portal, before)) == 1
    portal.set(
        "/",
        titled_listing(
            portal.url,
            [(new, right), (old, "Rapat Rutin Pemkot Samarinda Digelar"), ("/x-baru/", "")],
        ),
        content_type=HTML,
    )
    before = len(portal.hits)
    once(path)
    assert "/pemkot-samarinda-lama/" not in article_hits(portal, before)


LONG_PATH = "/berita/" + "pemkot-samarinda-gelar-kegiatan-warga-" * 16 + "akhir/"


def test_an_article_behind_a_link_over_512_characters_is_read_once_and_withdrawn_when_gone(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    # its entry key is bounded (urls.bounded_key): the listing keys it so too, or the article
    # looks new on every poll (fetched again, taking a max_articles place) and unlisted at once
    first, later = "/berita/pemkot-samarinda-resmikan-taman-kota/", "/berita/tinjau-banjir/"
    assert len(LONG_PATH) > 512
    for p, title in [(first, "Taman Kota Baru"), (LONG_PATH, "Kegiatan Warga"), (later, "Banjir")]:
        when = NOW - timedelta(minutes=30)  # young enough to be checked when unlisted
        page = article_page(
            portal.url + p, f"Pemkot Samarinda: {title} di Samarinda Ulu", when=when
        )
        portal.set(p, page, content_type=HTML)
    portal.set("/", listing_page(portal.url, [first, LONG_PATH]), content_type=HTML)
    path = config(tmp_path, db_url, html_source(portal))
    once(path)
    assert portal.url + LONG_PATH in stored(path)
    portal.set("/", listing_page(portal.url, [first, LONG_PATH, later]), content_type=HTML)
    before = len(portal.hits)
    once(path)
    assert article_hits(portal, before) == [later]  # the long one is known, and listed
    portal.set("/", listing_page(portal.url, [first, later]), content_type=HTML)
    portal.set(LONG_PATH, "gone", status=404, content_type=HTML)
    once(path)
    assert portal.url + LONG_PATH not in stored(path)  # taken down: withdrawn
    assert portal.url + later in stored(path)


def test_a_card_listing_without_headline_links_is_read_whole(
    tmp_path: Path, portal: Portal
) -> None:
    """A government portal's card listing: each headline plain text, each story linked by
    its picture and a "Baca Selengkapnya" button. Every story is fetched and stored; the
    category button beside them is not."""
    stories = {
        "/berita/detail/2101": "Bupati Kukar Tinjau Pembangunan Jembatan Desa",
        "/berita/detail/2102": "Pemkab Kukar Salurkan Bantuan Bibit untuk Petani",
        "/berita/detail/2103": "Disdikbud Kukar Gelar Lomba Cerdas Cermat Pelajar",
    }
    cards = "".join(
        f'<div class="col"><div class="card"><a href="{p}"><img src="/img/{n}.jpg"></a>'
        f'<div class="card-body"><h5 class="card-judul">{t}</h5><p>Ringkasan berita.</p>'
        f'<a class="btn" href="{p}">Baca Selengkapnya &raquo;</a></div></div></div>'
        for n, (p, t) in enumerate(stories.items())
    )
    page = (
        '<html><head><title>Berita - Pemkab</title></head><body><nav><a href="/">Beranda</a>'
        f'</nav><main><div class="row">{cards}</div><a href="/kategori/berita">Selengkapnya</a>'
        "</main></body></html>"
    )
    portal.set("/", page, content_type=HTML)
    for p, t in stories.items():
        portal.set(p, article_page(portal.url + p, t), content_type=HTML)
    path = config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", html_source(portal))
    once(path)
    assert {i.title for i in stored(path).values()} == set(stories.values())
    assert sorted(article_hits(portal)) == sorted(stories)
    assert source_status(path, "portal")["healthy"]


# -- a regency portal on CodeIgniter (tests/data/html/codeigniter, written for the tests) ------

CI_ORIGIN = "https://kutaitimurkab.go.id"
CI_PAGES = {
    "/berita/detail/1201/bupati-kutim-tinjau-lokasi-banjir-di-sangatta-utara": (
        "article1.html",
        "Bupati Kutim Tinjau Lokasi Banjir di Sangatta Utara",
        utc(2024, 2, 12, 6, 30),  # the page's "14:30", no zone: the source's WITA
    ),
    "/berita/detail/1200/pemkab-kutim-gelar-pasar-murah-jelang-ramadan": (
        "article2.html",
        "Pemkab Kutim Gelar Pasar Murah Jelang Ramadan",
        utc(2024, 2, 9, 2, 15),
    ),
    "/berita/detail/1199/festival-magic-land": (
        "article3.html",
        "Festival Magic Land",
        utc(2024, 2, 8, 11, 0),
    ),
}


def test_a_regency_portal_on_codeigniter_loses_no_story(tmp_path: Path, portal: Portal) -> None:
    """What a hostile review found on such portals, each of which lost stories silently: the
    listing's links are relative to its <base href> (read against /berita/ they all 404ed);
    every page's <title> and og:title name only the site (every story was titled so, and one
    day's stories merged into one as duplicates); a short release beside a "Berita Terbaru"
    column was taken for a listing; a headline of three words was no headline to the listing.
    (A list of other stories inside <main> whose <time>s date the story is still read so: see
    the issue's notes; this page's list prints its dates as text.)"""

    def page(name: str) -> bytes:
        raw = (DATA / "codeigniter" / name).read_bytes()
        return raw.replace(CI_ORIGIN.encode(), portal.url.encode())

    portal.set("/berita/", page("home.html"), content_type=HTML)
    for article_path, (name, _, _) in CI_PAGES.items():
        portal.set(article_path, page(name), content_type=HTML)
    path = config(
        tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", html_source(portal, path="/berita/")
    )
    once(path)
    assert sorted(p for p in article_hits(portal) if p != "/berita/") == sorted(CI_PAGES)
    items = stored(path)
    assert {u.removeprefix(portal.url): i.title for u, i in items.items()} == {
        p: title for p, (_, title, _) in CI_PAGES.items()
    }
    for article_path, (_, title, when) in CI_PAGES.items():
        item = items[portal.url + article_path]
        assert item.published == when, title
        assert item.regencies == ("kutim",), title
    banjir = items[
        portal.url + "/berita/detail/1201/bupati-kutim-tinjau-lokasi-banjir-di-sangatta-utara"
    ]
    assert banjir.image == f"{portal.url}/assets/img/berita/1201.jpg"
    assert f'href="{portal.url}/berita/detail/1150/posko-pengungsian-banjir-sangatta"' in (
        banjir.content_html
    )
    assert "Berita Lainnya" not in banjir.content_html
