"""The article's own date line, read as printed (tests/data/real/detik.html and
thejakartapost.html are the real cases): above the headline, in English, beside a Hijri
line, split over two elements, with its printed zone, and never a related widget's."""

from __future__ import annotations

from datetime import UTC, datetime

from syndication.normalize.dates import resolve_published
from syndication.sources.html import extract_article
from syndication.types import RawEntry

NOW = datetime(2030, 1, 1, tzinfo=UTC)
STORY = "".join(
    f"<p>Warga RT {n} Kelurahan Sempaja bergotong royong membersihkan parit {n}.</p>"
    for n in range(14)
)
RELATED = (
    "<div class='box-terpopuler'><ul>"
    "<li><a href='/berita/2'><h2>Banjir Rendam Sempaja, Warga Mengungsi ke Masjid</h2>"
    "<span class='labdate'>Kamis 18 Jun 2015, 07:31 WIB</span></a></li>"
    "<li><div class='item'><a href='/berita/3'>Harga Cabai di Pasar Segiri Naik Lagi Pekan Ini</a>"
    "<span>Kamis 18 Jun 2015, 06:45 WIB</span></div></li></ul></div>"
)


def _published(head: str, top: str, zone: str = "Asia/Makassar") -> datetime:
    html = (
        f"<html><head><title>Warga Bersihkan Parit</title>{head}</head><body>"
        f"<div class='header'>{top}</div><div class='entry-content'>{STORY}</div>"
        f"{RELATED}</body></html>"
    )
    entry = extract_article(html, "https://kabar.example/berita/1")
    assert isinstance(entry, RawEntry), entry
    return resolve_published(entry.published, entry.published_raw, NOW, NOW, zone)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_a_date_line_above_the_headline_beats_a_malformed_pubdate_and_the_sidebar() -> None:
    head = '<meta name="pubdate" content="2015-06-16T14-05-11Z" itemprop="datePublished">'
    top = (
        "<div class='date'>Selasa 16 Jun 2015, 14:05 WIB</div><h2>MUDA</h2>"
        "<h1>Warga Bersihkan Parit</h1>" + RELATED
    )
    assert _published(head, top) == _at("2015-06-16T14:05:00+07:00")


def test_a_malformed_pubdate_alone_is_read_in_the_sources_zone() -> None:
    head = '<meta content="2015-06-16T14-05-11Z" itemprop="datePublished">'
    published = _published(head, "<h1>Warga Bersihkan Parit</h1>", zone="Asia/Jakarta")
    assert published == _at("2015-06-16T14:05:00+07:00")


def test_an_english_date_line_is_read() -> None:
    top = (
        "<h1>Warga Bersihkan Parit</h1><div class='byline'>Agence France-Presse, CHARLESTON,"
        " South Carolina | World | Fri, June 19 2015, 7:36 AM</div>"
    )
    assert _published("", top, zone="Asia/Jakarta") == _at("2015-06-19T07:36:00+07:00")


def test_a_hijri_line_loses_to_a_date_line_with_a_time() -> None:
    top = (
        "<h1>Warga Bersihkan Parit</h1><div class='tanggal'>23 Muharram 1437 / 05 November 2015"
        "</div><time>Kamis, 05 November 2015 14:05 WITA</time>"
    )
    assert _published("", top) == _at("2015-11-05T14:05:00+08:00")


def test_date_and_time_in_separate_elements_are_combined() -> None:
    top = (
        "<h1>Warga Bersihkan Parit</h1><div class='meta'><span class='tanggal'>Senin, 18 November"
        " 2024</span> <span class='jam'>19:15 WITA</span></div>"
    )
    assert _published("", top) == _at("2024-11-18T19:15:00+08:00")


def test_a_printed_zone_beats_the_sources_zone() -> None:
    top = "<h1>Warga Bersihkan Parit</h1><div class='post-date'>Jumat, 19 Juni 2015 11:58 WIB</div>"
    assert _published("", top, zone="Asia/Makassar") == _at("2015-06-19T11:58:00+07:00")


def test_a_related_widgets_date_is_never_the_articles() -> None:
    # no date of its own: the first-seen time stands in, not a teaser's date
    assert _published("", "<h1>Warga Bersihkan Parit</h1>" + RELATED) == NOW


def test_a_zone_less_machine_time_beats_a_date_line_without_one() -> None:
    # `20.06.2019` has no time of day (its `20.06` is a day and a month, not 20:06)
    head = '<meta name="date" content="2019-06-20T07:30:00">'
    top = "<h1>Warga Bersihkan Parit</h1><div class='tanggal'>20.06.2019</div>"
    assert _published(head, top, zone="Asia/Jakarta") == _at("2019-06-20T07:30:00+07:00")


def test_a_zone_name_after_an_iso_time_is_read() -> None:
    head = '<meta property="article:published_time" content="2021-01-03T17:40:00EET">'
    assert _published(head, "<h1>Warga Bersihkan Parit</h1>") == _at("2021-01-03T17:40:00+02:00")


def test_json_ld_too_broken_to_parse_still_gives_its_date() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Warga\n'
        'Bersihkan", "datePublished": "2019-11-20 12:32:13+08:00"}</script>'
    )
    assert _published(head, "<h1>Warga Bersihkan Parit</h1>") == _at("2019-11-20T12:32:13+08:00")


def test_an_updated_stamp_is_not_the_publication_line() -> None:
    top = (
        "<h1>Warga Bersihkan Parit</h1><div class='byline'>By the City Desk of Kabar Kota on"
        " December 27, 2014 at 12:06 PM, updated <span class='updated'>December 27, 2014 at"
        " 12:10 PM</span></div>"
    )
    assert _published("", top, zone="Asia/Jakarta") == _at("2014-12-27T12:06:00+07:00")


def test_a_year_month_day_line_in_cjk_or_iso_form_is_read() -> None:
    cjk = "<h1>Warga Bersihkan Parit</h1><span class='day'>2018年6月18日 10:01</span>"
    assert _published("", cjk, zone="Asia/Tokyo") == _at("2018-06-18T10:01:00+09:00")
    iso = "<h1>Warga Bersihkan Parit</h1><div class='meta'>2023-11-17 15:13</div>"
    assert _published("", iso, zone="Asia/Shanghai") == _at("2023-11-17T15:13:00+08:00")


def test_a_date_line_at_the_head_of_the_body_is_read_when_there_is_no_other() -> None:
    html = (
        "<html><head><title>Warga Bersihkan Parit</title></head><body><h1>Warga Bersihkan"
        f"</h1><div class='entry-content'><span class='submitted'>Submitted on Mon, 2019-01-21"
        f" 13:49</span>{STORY}<p>Rapat berikutnya 2019-02-01 10:00.</p></div></body></html>"
    )
    entry = extract_article(html, "https://kabar.example/berita/1")
    assert isinstance(entry, RawEntry), entry
    published = resolve_published(entry.published, entry.published_raw, NOW, NOW, "Asia/Bangkok")
    assert published == _at("2019-01-21T13:49:00+07:00")


def test_a_photo_captions_date_is_not_the_articles() -> None:
    top = (
        "<figure><img src='/f.jpg'><figcaption><h4>Warga di Sempaja</h4><h5>27-06-2012</h5>"
        "</figcaption></figure><h1>Warga Bersihkan Parit</h1>"
        "<p class='autor'>Patricio Candia | Samarinda | 08/01/2014</p>"
    )
    assert _published("", top, zone="Asia/Makassar") == _at("2014-01-08T00:00:00+08:00")


def test_a_tickers_time_element_does_not_date_the_story() -> None:
    """Review of 2026-12-06 (a Next.js portal): a header ticker's <time datetime> of another
    story, two days old, beat the page's own date line, and the story was never pushed."""
    html = (
        "<html><head><title>Warga Bersihkan Parit | Portal</title></head><body>"
        "<div class='ticker'><a href='/detail/lain'>Kapal Tongkang Tabrak Jembatan Lagi</a>"
        "<time datetime='2029-12-28T08:00:00+08:00'>28 Des</time></div><main>"
        "<h1>Warga Bersihkan Parit</h1><div><span>Redaksi</span>"
        "<span>Senin, 31 Desember 2029 13:30</span></div>"
        f"<div class='entry-content'>{STORY}</div></main></body></html>"
    )
    entry = extract_article(html, "https://portal.test/detail/parit")
    assert isinstance(entry, RawEntry), entry
    when = resolve_published(entry.published, entry.published_raw, NOW, NOW, "Asia/Makassar")
    assert when == datetime(2029, 12, 31, 5, 30, tzinfo=UTC)


def test_a_long_byline_link_beside_the_date_line_does_not_hide_it() -> None:
    """Review of 2026-12-06 (a Kompas-like header): the link "Kontributor Samarinda, Zakarias
    Demon Daton" beside the date line read as another story's headline, so the line was taken
    for a teaser's date and the story had no date."""
    html = (
        "<html><head><title>Satpol PP Bongkar Lapak Tepian Mahakam</title></head><body>"
        "<h1>Satpol PP Bongkar Lapak Tepian Mahakam</h1><div class='read__header'>"
        "<div class='read__time'>Kompas.com - 31/12/2029, 14:05 WIB</div>"
        "<div class='read__credit'><h6>Penulis</h6><a href='/penulis/zakarias'>Kontributor"
        " Samarinda, Zakarias Demon Daton</a></div></div>"
        f"<div class='entry-content'>{STORY}</div></body></html>"
    )
    entry = extract_article(html, "https://regional.kompas.test/read/2029/12/31/1")
    assert isinstance(entry, RawEntry), entry
    when = resolve_published(entry.published, entry.published_raw, NOW, NOW, "Asia/Makassar")
    assert when == datetime(2029, 12, 31, 7, 5, tzinfo=UTC)
