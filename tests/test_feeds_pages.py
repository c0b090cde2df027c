"""The pages people read: one per feed scope and the index, valid HTML5, escaped, in WITA."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser
import html5lib
import pytest
from lxml import html as lxml_html

from feeds import ScopeStats, publish, write_index
from feeds.layout import long_date, telegram_url
from feeds.model import regency_category_scope
from tests.test_feeds_support import BASE, all_scopes, entry, hostile_entries, make_site

CHATS = {"regency/kukar": "@kabar_kukar", "regency/kaltim": "-1001234567890"}


def strict_html5(raw: bytes) -> None:
    """Raises html5lib's ParseError on any parse error (the WHATWG parsing rules)."""
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(raw)


def publish_site(root: Path, **site: object) -> None:
    pairs = [(s, [] if s.path == "regency/kaltim" else hostile_entries()) for s in all_scopes()]
    publish(make_site(**site), root, pairs, chats=CHATS)


def page(root: Path, relative: str) -> lxml_html.HtmlElement:
    raw = (root / relative).read_bytes()
    strict_html5(raw)
    return lxml_html.fromstring(raw)


def items(doc: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    return list(doc.xpath("//main//li[contains(@class, 'item')]"))


def test_every_scope_has_a_valid_page_listing_exactly_what_its_rss_lists(tmp_path: Path) -> None:
    publish_site(tmp_path, items_per_feed=5)
    for scope in all_scopes():
        doc = page(tmp_path, f"{scope.path}.html")
        assert doc.get("lang") == "id"
        assert not doc.xpath("//script") and not doc.xpath("//*[@src]")
        rss = feedparser.parse((tmp_path / f"{scope.path}.rss").read_bytes())
        listed = [li.xpath(".//a[@class='title']/@href")[0] for li in items(doc)]
        assert listed == [e.link for e in rss.entries], scope.path
        subscribe = set(doc.xpath("//header//a/@href"))
        for ext in ("rss", "atom", "json"):
            assert f"http://127.0.0.1:8080/{scope.path}.{ext}" in subscribe
        assert "http://127.0.0.1:8080/index.html" in subscribe


def test_what_a_source_wrote_shows_as_text(tmp_path: Path) -> None:
    publish_site(tmp_path)
    raw = (tmp_path / "all.html").read_text("utf-8")
    doc = page(tmp_path, "all.html")
    assert "<script>alert" not in raw
    titles = [a.text_content() for a in doc.xpath("//a[@class='title']")]
    assert "<script>alert('x')</script> Rapat paripurna DPRD" in titles
    assert "Harga &amp; tarif air naik & turun" in titles


def test_times_are_in_wita_written_in_indonesian(tmp_path: Path) -> None:
    publish_site(tmp_path)
    doc = page(tmp_path, "category/pemerintah.html")
    times = {t.get("datetime"): t.text_content() for t in doc.xpath("//main//time")}
    first = (BASE.replace(hour=10)).isoformat()  # entry 1: 18 Nov 2024 10.30 WITA, a Monday
    assert times[first] == "Senin, 18 November 2024 10.30 WITA"
    moment = datetime(2026, 12, 1, 6, 5, tzinfo=UTC)
    assert long_date(moment, "Asia/Makassar") == "Selasa, 1 Desember 2026 14.05 WITA"
    assert long_date(moment, "Asia/Jakarta") == "Selasa, 1 Desember 2026 13.05 WIB"


def test_an_empty_scope_says_so(tmp_path: Path) -> None:
    publish_site(tmp_path)
    doc = page(tmp_path, "regency/kaltim.html")
    assert items(doc) == []
    assert doc.xpath("//main//p[@class='empty']")[0].text_content() == "Belum ada berita."


def test_telegram_is_linked_only_for_a_public_channel(tmp_path: Path) -> None:
    publish_site(tmp_path)
    kukar = page(tmp_path, "regency/kukar.html").xpath("//header//a/@href")
    assert "https://t.me/kabar_kukar" in kukar
    kaltim = page(tmp_path, "regency/kaltim.html").xpath("//header//a/@href")
    assert not [h for h in kaltim if "t.me" in h]
    assert telegram_url("@kabar_kukar") == "https://t.me/kabar_kukar"
    assert telegram_url("-1001234567890") is None and telegram_url(None) is None


def test_an_advertorial_is_labelled_once(tmp_path: Path) -> None:
    labelled = entry(9, title="[Advertorial] Pemkab Berau bagikan bibit", advertorial=True)
    publish(make_site(), tmp_path, [(all_scopes()[0], [*hostile_entries(), labelled])])
    doc = page(tmp_path, "all.html")
    ads = [li.text_content() for li in items(doc) if li.xpath(".//span[@class='ad']")]
    assert len(ads) == 3
    assert all(text.count("Advertorial") == 1 for text in ads), ads


def test_pages_are_rewritten_only_when_they_change(tmp_path: Path) -> None:
    publish_site(tmp_path)
    before = (tmp_path / "all.html").stat().st_mtime_ns
    pairs = [(s, [] if s.path == "regency/kaltim" else hostile_entries()) for s in all_scopes()]
    again = publish(make_site(), tmp_path, pairs, chats=CHATS)
    assert not [p for p in again.written if p.endswith(".html")]
    assert (tmp_path / "all.html").stat().st_mtime_ns == before


def test_feeds_carry_no_stylesheet_instruction(tmp_path: Path) -> None:
    publish_site(tmp_path)
    for name in ("all.rss", "all.atom", "regency/kukar/pemerintah.rss"):
        assert b"xml-stylesheet" not in (tmp_path / name).read_bytes()
    assert not (tmp_path / "feed.xsl").exists()


# --- index.html ------------------------------------------------------------------------------


def write_site_index(root: Path, headlines: bool = True) -> lxml_html.HtmlElement:
    scopes = all_scopes()
    # the pairs arrive in slug order (as the store lists them); the page keeps config order
    scopes = [*scopes[:5], scopes[6], scopes[5]]
    stats = {
        "all": ScopeStats(8, BASE.replace(hour=17)),
        "regency/kukar": ScopeStats(3, BASE.replace(hour=12)),
        "regency/kukar/pemerintah": ScopeStats(2, BASE),
    }
    entries = hostile_entries() if headlines else []
    write_index(make_site(), root, scopes, entries, stats=stats if headlines else {}, chats=CHATS)
    raw = (root / "index.html").read_bytes()
    strict_html5(raw)
    return lxml_html.fromstring(raw)


def test_the_index_links_every_page_feed_and_channel_in_config_order(tmp_path: Path) -> None:
    doc = write_site_index(tmp_path)
    hrefs = doc.xpath("//body//a/@href")
    for scope in all_scopes():
        for ext in ("html", "rss", "atom", "json"):
            assert f"http://127.0.0.1:8080/{scope.path}.{ext}" in hrefs
    assert "https://t.me/kabar_kukar" in hrefs
    pairs = [h for h in hrefs if h.startswith("http://127.0.0.1:8080/regency/kukar/")]
    assert pairs[0].endswith("/pemerintah.html")  # pemerintah is configured before advertorial
    assert [h.text_content() for h in doc.xpath("//h2")] == [
        "Berita terbaru",
        "Semua berita",
        "Kategori",
        "Kabupaten/Kota",
    ]
    assert not doc.xpath("//script")


def test_the_index_gives_counts_and_last_update_per_scope(tmp_path: Path) -> None:
    doc = write_site_index(tmp_path)
    rows = {
        row.xpath(".//a[@class='name']/@href")[0]: row.text_content()
        for row in doc.xpath("//main//li[.//a[@class='name']]")
    }
    assert (
        "8 berita · terbaru Senin, 18 November 2024 17.30 WITA"
        in rows["http://127.0.0.1:8080/all.html"]
    )
    assert "3 berita" in rows["http://127.0.0.1:8080/regency/kukar.html"]
    assert "belum ada berita" in rows["http://127.0.0.1:8080/regency/kaltim.html"]


def test_an_empty_site_says_so(tmp_path: Path) -> None:
    doc = write_site_index(tmp_path, headlines=False)
    assert doc.xpath("//main/p[@class='empty']")[0].text_content().startswith("Belum ada berita.")


@pytest.mark.parametrize("count", [-1])
def test_scope_stats_refuse_a_negative_count(count: int) -> None:
    from feeds import InvalidRecordError

    with pytest.raises(InvalidRecordError, match="negative"):
        ScopeStats(count)


def test_a_pair_page_names_its_scope(tmp_path: Path) -> None:
    scope = regency_category_scope("kukar", "Kutai Kartanegara", "pemerintah", "Pemerintah")
    publish(make_site(), tmp_path, [(scope, [entry(1)])])
    doc = page(tmp_path, "regency/kukar/pemerintah.html")
    assert doc.xpath("//h1")[0].text_content() == "Kutai Kartanegara: Pemerintah"
    assert doc.xpath("//title")[0].text_content() == "Kutai Kartanegara: Pemerintah | Kabar Kaltim"


def test_a_portals_own_advertorial_label_is_not_doubled(tmp_path: Path) -> None:
    own = [
        entry(11, title="ADVERTORIAL - Pemkab Kukar gelar rapat", advertorial=True),
        entry(12, title="(Adv) Bupati Kutim resmikan jalan", advertorial=True),
        entry(13, title="Advokat Kukar menang perkara", advertorial=True),  # no label of its own
    ]
    publish(make_site(), tmp_path, [(all_scopes()[0], own)])
    titles = {a.text_content() for a in page(tmp_path, "all.html").xpath("//a[@class='title']")}
    assert titles == {
        "Pemkab Kukar gelar rapat",
        "Bupati Kutim resmikan jalan",
        "Advokat Kukar menang perkara",
    }
    feed = feedparser.parse((tmp_path / "all.rss").read_bytes())
    assert sorted(e.title for e in feed.entries) == [  # the feeds: the portal's titles
        "(Adv) Bupati Kutim resmikan jalan",
        "ADVERTORIAL - Pemkab Kukar gelar rapat",
        "Advokat Kukar menang perkara",
    ]


def test_a_time_element_holds_a_valid_html_date(tmp_path: Path) -> None:
    """HTML's valid time string takes at most three digits of a second's fraction (the W3C
    validator refused the six that isoformat() writes for a date with microseconds)."""
    odd = entry(14, published=BASE.replace(microsecond=612459))
    publish(make_site(), tmp_path, [(all_scopes()[0], [odd])])
    (stamp,) = page(tmp_path, "all.html").xpath("//main//time/@datetime")
    assert stamp == BASE.isoformat()
