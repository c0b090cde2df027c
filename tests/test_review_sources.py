"""A hostile review of the source readers against what real portals serve: each test is a
shape a portal sends that the readers got wrong (a wrong date, a wrong title)."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import pytest

from syndication.normalize.dates import resolve_published
from syndication.sources.feed import parse_feed
from syndication.sources.html import Article, Selectors
from syndication.sources.html_source import decode, page_entry

FEED_URL = "https://portal.test/feed/"
URL = "https://portal.test/berita/2024/11/18/bupati-kukar-resmikan-jembatan"


def _rss_dated(pub_date: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Bupati Kukar Buka Rapat</title><link>https://portal.test/a/</link>"
        f"<pubDate>{pub_date}</pubDate></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "pub_date",
    [
        "18-11-2024 19:15:00 +0800",  # day first, as Indonesian CMSs print: read as 2018
        "2024/11/18 19:15:00 +0800",  # slashes: read as 1 December
        "Mon, 18 Nov 2024 7:15 PM +0800",  # "PM" read as the zone (UTC), +0800 ignored
        "Mon, 18 Nov 2024 07:15:00 pm +08:00",
    ],
)
def test_a_pubdate_feedparser_misreads_is_not_trusted(pub_date: str) -> None:
    """feedparser's loose date parsers read these shapes wrong, and the zone at the end made
    the reading trusted: a story of 18 November 19:15 WITA was dated 2018, or hours off, so
    it sank in the feeds and never went to the channels. Only what its RFC 822 and ISO 8601
    parsers read right is trusted; the rest goes, printed, to the normalizer."""
    (entry,) = parse_feed(_rss_dated(pub_date), "s", FEED_URL)
    assert entry.published_raw == pub_date
    assert entry.published in (None, datetime(2024, 11, 18, 11, 15, tzinfo=UTC))
    now = datetime(2024, 11, 20, tzinfo=UTC)
    when = resolve_published(entry.published, entry.published_raw, now, now, "Asia/Makassar")
    assert when == datetime(2024, 11, 18, 11, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "pub_date",
    [
        "Mon, 18 Nov 2024 19:15:00 +0800",
        "18 Nov 2024 19:15 +0800",
        "Mon, 18 Nov 24 19:15:00 +0800",
        "Mon, 18 Nov 2024 11:15:00 GMT",
        "Mon, 18 Nov 2024 03:15:00 PST",
        "2024-11-18T19:15:00+08:00",
        "2024-11-18T11:15:00.000Z",
        "2024-11-18 19:15:00 +0800",
    ],
)
def test_the_shapes_feedparser_reads_right_stay_trusted(pub_date: str) -> None:
    (entry,) = parse_feed(_rss_dated(pub_date), "s", FEED_URL)
    assert entry.published == datetime(2024, 11, 18, 11, 15, tzinfo=UTC)


_HEADLINE = "Bupati “Kukar” Resmikan Jembatan — Warga Sambut Gembira"
_PAGE = (
    '<html><head>{meta}<title>{h} - Portal</title></head><body class="single">'
    '<article><h1 class="entry-title">{h}</h1><div class="entry-content">{body}</div></article>'
    "</body></html>"
)
_STORY = "<p>Pemerintah Kabupaten Kutai Kartanegara meresmikan jembatan baru di Tenggarong.</p>" * 8


def _page(meta: str = "", headline: str = _HEADLINE) -> str:
    return _PAGE.format(meta=meta, h=headline, body=_STORY)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        # the header says UTF-8, the page (and its meta) windows-1252: a CMS's old database
        (_page('<meta charset="windows-1252">').encode("cp1252"), "text/html; charset=UTF-8"),
        # no label anywhere, windows-1252 bytes
        (_page().encode("cp1252"), "text/html"),
        # the server's default charset in the header, the page UTF-8 and saying so
        (_page('<meta charset="utf-8">').encode(), "text/html; charset=ISO-8859-1"),
        # UTF-16 with its byte order mark, big-endian
        (codecs.BOM_UTF16_BE + _page().encode("utf-16-be"), "text/html"),
    ],
    ids=["utf8-header-cp1252-page", "unlabelled-cp1252", "latin1-header-utf8-page", "utf16be"],
)
def test_a_page_whose_charset_label_is_wrong_keeps_its_headline(
    body: bytes, content_type: str
) -> None:
    """The label named another encoding than the bytes': the headline came out as
    "Bupati �Kukar� � ..." or "Bupati â€œKukarâ€\x9d ..." in every feed and message."""
    page = page_entry(body, content_type, URL, Selectors(), "s")
    assert isinstance(page, Article)
    assert page.entry.title == _HEADLINE


def test_a_utf8_page_with_one_stray_windows_1252_byte_keeps_the_rest() -> None:
    """A widget in the old encoding on a UTF-8 page: its byte alone is read as windows-1252,
    the page's UTF-8 stays UTF-8."""
    body = _page('<meta charset="utf-8">').encode().replace(b"</article>", b"<p>\x93</p></article>")
    assert decode(body, "text/html; charset=utf-8").count("“") == 3
    assert "\ufffd" not in decode(body, "text/html")
    assert _HEADLINE in decode(body, "text/html")


def test_a_page_in_a_legacy_encoding_it_names_is_read_in_it() -> None:
    """A label the bytes fit stays the reading: windows-1251, GBK, Shift_JIS pages."""
    text = _page('<meta charset="gbk">', "报道 " + _HEADLINE.replace("“", "").replace("”", ""))
    gbk = text.replace("—", "-").encode("gbk")
    assert decode(gbk, "text/html") == gbk.decode("gbk")
    cyrillic = _page(headline="Новости Кутай").encode("cp1251")
    assert decode(cyrillic, "text/html; charset=windows-1251") == cyrillic.decode("cp1251")
    assert decode(b"<p>x</p>", "text/html; charset=shift_jis") == "<p>x</p>"


@pytest.mark.parametrize(
    "head",
    [
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
        '"headline":"x","datePublished":"Senin, 18 November 2024 19:15 WITA"}</script>',
        '<meta name="pubdate" content="18/11/2024 19:15">',
        '<meta property="article:published_time" content="2024/11/18 19:15:00">',
    ],
    ids=["json-ld-indonesian", "meta-day-first", "meta-slashes"],
)
def test_a_date_only_in_json_ld_or_meta_in_a_printed_form_dates_the_story(head: str) -> None:
    """A page whose only date is a machine field written as people print dates: it was
    dropped for not being ISO 8601, and the story took the time it was first seen (an old
    story listed again read as news)."""
    body = _page(head).encode()
    page = page_entry(body, "text/html; charset=utf-8", URL, Selectors(), "s")
    assert isinstance(page, Article)
    entry = page.entry
    now = datetime(2024, 11, 20, tzinfo=UTC)
    when = resolve_published(entry.published, entry.published_raw, now, now, "Asia/Makassar")
    assert when == datetime(2024, 11, 18, 11, 15, tzinfo=UTC)
