"""probe() end to end against fixture portals served on 127.0.0.1 from tests/data/html."""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from syndication.probe import format_report, probe, source_id_for
from syndication.sources.html import Article, Selectors
from syndication.types import RawEntry
from tests.portal import Portal as FixturePortal

DATA = Path(__file__).parent / "data" / "html"
HTML = "text/html; charset=UTF-8"
SEED_PATH = "/pjs-bupati-kukar-menghadiri-rakor-kelancaran-penyelenggaraan-pilkada-serentak-2024/"

# path -> (fixture file, content type); the pages name their real origin, rewritten on the fly
EKSPOSISI = {
    "/": ("eksposisi/home.html", HTML),
    SEED_PATH: ("eksposisi/seed.html", HTML),
    "/pemkab-kutim-gelar-rakor-percepatan-penurunan-stunting-di-sangatta/": (
        "eksposisi/article2.html",
        HTML,
    ),
    "/feed/": ("eksposisi/feed.xml", "application/rss+xml; charset=UTF-8"),
    "/wp-json/wp/v2/posts": ("eksposisi/wp-posts.json", "application/json; charset=UTF-8"),
}
NEWSPAPER = {  # announces /feed/ but serves none: an HTML source
    "/": ("newspaper/home.html", HTML),
    "/2024/11/21/banjir-rendam-empat-kelurahan-di-samarinda-utara-warga-mengungsi/": (
        "newspaper/article1.html",
        HTML,
    ),
    "/2024/11/22/dprd-kukar-setujui-raperda-apbd-2025-senilai-rp13-triliun/": (
        "newspaper/article2.html",
        HTML,
    ),
}
ODD = {
    "/": ("odd/home.html", HTML),
    "/read/4521/wali-kota-bontang-buka-musrenbang-kecamatan-bontang-selatan": (
        "odd/article.html",
        HTML,
    ),
}


@dataclass(frozen=True)
class Portal:
    base: str  # http://127.0.0.1:PORT


def serve(routes: dict[str, tuple[str, str]], origin: str) -> Iterator[Portal]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path not in routes:
                self.send_error(404)
                return
            name, ctype = routes[path]
            own = f"http://127.0.0.1:{self.server.server_address[1]}"
            body = (DATA / name).read_bytes().replace(origin.encode(), own.encode())
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Portal(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def eksposisi() -> Iterator[Portal]:
    yield from serve(EKSPOSISI, "https://eksposisi.com")


@pytest.fixture
def newspaper() -> Iterator[Portal]:
    yield from serve(NEWSPAPER, "https://samarindaterkini.example")


@pytest.fixture
def odd() -> Iterator[Portal]:
    yield from serve(ODD, "https://suarabontang.example")


@dataclass(frozen=True)
class FakeItem:
    categories: tuple[str, ...]
    regencies: tuple[str, ...]


def fake_normalize(entry: RawEntry) -> FakeItem:
    """Stands in for the real normalizer: labels as categories, a regency from the title."""
    regency = ("kukar",) if "Kukar" in (entry.title or "") else ()
    return FakeItem(tuple(label.lower() for label in entry.labels), regency)


async def test_probe_finds_a_working_feed(eksposisi: Portal) -> None:
    async with httpx.AsyncClient() as client:
        report = await probe(eksposisi.base + "/", client, sample=2)
    assert report.page.ok and report.kind == "feed"
    assert report.working_feed == eksposisi.base + "/feed/"
    assert report.wp_api is not None and report.wp_api.ok
    assert report.discovery.wp_api == eksposisi.base + "/wp-json/"
    assert len(report.links) == 5 and report.links[0] == eksposisi.base + SEED_PATH
    titles = [s.result.entry.title for s in report.samples if isinstance(s.result, Article)]
    assert titles == [
        "Pjs Bupati Kukar Menghadiri Rakor Kelancaran Penyelenggaraan Pilkada Serentak 2024",
        "Pemkab Kutim Gelar Rakor Percepatan Penurunan Stunting di Sangatta",
    ]

    text = format_report(report, normalize=fake_normalize)
    assert "Senin, 18 November 2024 - 19:15 WIB" in text
    assert "2024-11-18T12:15:41+00:00" in text
    assert "labels: Advertorial, Pemerintah" in text
    assert "normalized: categories advertorial, pemerintah; regencies kukar" in text
    block = tomllib.loads(text.split("paste into config.toml):", 1)[1])
    assert block["sources"] == [
        {
            "id": "local-" + eksposisi.base.rsplit(":", 1)[1],
            "name": "Eksposisi",
            "url": eksposisi.base + "/feed/",
            "kind": "feed",
            "interval": "5m",
        }
    ]


async def test_probe_falls_back_to_html_when_the_feed_is_missing(newspaper: Portal) -> None:
    async with httpx.AsyncClient() as client:
        report = await probe(newspaper.base + "/", client, sample=3)
    assert report.kind == "html" and report.working_feed is None
    assert [c.status for c in report.feeds] == [404]  # announced /feed/ is the same URL
    assert report.wp_api is not None and not report.wp_api.ok
    assert len(report.samples) == 3
    assert report.samples[2].error == "404 HTTP error"  # the third page is not served

    text = format_report(report)
    assert "22/11/2024 09:10" in text and "fetch failed" in text
    block = tomllib.loads(text.split("paste into config.toml):", 1)[1])
    (source,) = block["sources"]
    assert source["kind"] == "html" and source["url"] == newspaper.base + "/"
    assert source["name"] == "Samarinda Terkini" and source["interval"] == "5m"


async def test_probe_with_selectors_writes_them_into_the_block(odd: Portal) -> None:
    selectors = Selectors(link=".kotak-berita .judul", content=".isi-berita", title=".judul-berita")
    async with httpx.AsyncClient() as client:
        report = await probe(odd.base + "/", client, sample=1, selectors=selectors)
    assert len(report.links) == 3 and report.kind == "html"
    (sample,) = report.samples
    assert isinstance(sample.result, Article)
    assert (
        sample.result.entry.title == "Wali Kota Bontang Buka Musrenbang Kecamatan Bontang Selatan"
    )
    # every part was read by the admin's selectors
    assert sample.result.layer == "admin selector"
    assert sample.result.body_by == "admin selector content = '.isi-berita'"
    assert sample.result.title_by == "admin selector title = '.judul-berita'"
    block = tomllib.loads(format_report(report).split("paste into config.toml):", 1)[1])
    assert block["sources"][0]["selectors"] == {
        "link": ".kotak-berita .judul",
        "title": ".judul-berita",
        "content": ".isi-berita",
    }


async def test_probe_of_a_feed_url_reports_the_feed(eksposisi: Portal) -> None:
    async with httpx.AsyncClient() as client:
        report = await probe(eksposisi.base + "/feed/", client)
    assert report.kind == "feed" and report.source_url == eksposisi.base + "/feed/"
    assert report.links == ()


async def test_probe_of_a_dead_site_says_so() -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        report = await probe("http://127.0.0.1:9/", client)
    assert not report.page.ok and report.page.status is None
    assert "did not load" in format_report(report)


def test_source_id_from_host() -> None:
    assert source_id_for("https://www.eksposisi.com/feed/") == "eksposisi"
    assert source_id_for("https://kaltim.tribunnews.com/") == "kaltim-tribunnews"
    assert source_id_for("https://diskominfo.kukarkab.go.id/berita") == "diskominfo-kukarkab"
    assert source_id_for("http://127.0.0.1:8000/") == "local-8000"
    assert source_id_for("http://localhost:8000/berita/kaltim") == "berita-kaltim"
    assert source_id_for("http://[::1]:8000/") == "local-8000"
    assert source_id_for("https://kaltimpost.id/samarinda") == "kaltimpost"


NO_BODY = (
    "<html><head><title>{t}</title></head><body><h1>{t}</h1>"
    '<div class="kolom-isi"><p>{p}</p><p>{p}</p></div></body></html>'
)


async def test_probe_shows_a_sample_article_and_warns_with_selectors_when_none(
    portal: FixturePortal,
) -> None:
    from tests.test_e2e_html import HTML, article_page, listing_page

    good = "/pemkot-samarinda-gelar-rapat-warga/"
    portal.set("/", listing_page(portal.url, [good]), content_type=HTML)
    body = "SAMARINDA – Pemkot Samarinda menggelar rapat warga di Balai Kota pada Senin pagi."
    portal.set(good, article_page(portal.url + good, "Rapat Warga", body=body), content_type=HTML)
    async with httpx.AsyncClient() as client:
        report = await probe(portal.url + "/", client, sample=1)
    text = format_report(report)
    assert "title: Rapat Warga" in text
    assert "words: SAMARINDA – Pemkot Samarinda menggelar rapat warga" in text
    assert "WARNING" not in text

    # the article pages keep their story in a block no rule knows, inside a <div> with <br>s
    odd = "/kabar-kukar-hari-ini/"
    portal.set("/", listing_page(portal.url, [odd]), content_type=HTML)
    words = "Warga Tenggarong menyambut program baru pemerintah daerah dengan gembira"
    broken = (
        NO_BODY.format(t="Kabar Kukar", p=words).replace("<p>", "<span>").replace("</p>", "</span>")
    )
    portal.set(odd, broken, content_type=HTML)
    async with httpx.AsyncClient() as client:
        report = await probe(portal.url + "/", client, sample=1)
    text = format_report(report)
    assert "not an article" in text and "WARNING: none of the 1 sample links" in text

    # no links at all: a hint where headline links are
    rows = "".join(
        f'<li class="judul"><a href="/k/{n}">Berita panjang nomor {n} dari Kukar</a></li>'
        for n in range(5)
    )
    portal.set("/", f"<html><body><ul>{rows}</ul></body></html>", content_type=HTML)
    async with httpx.AsyncClient() as client:
        report = await probe(portal.url + "/", client, sample=1)
    text = format_report(report)
    assert report.links == ()
    assert "WARNING: no article links" in text and 'link = "li.judul a"' in text
