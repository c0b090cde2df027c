"""A story's own date stands beside every lure the reviews of two date rules built (see
tests/data/html/own_dates/truth.toml): a change to how pages are dated must keep these."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndication.normalize.dates import resolve_published
from syndication.sources.html import Article, read_article

PAGES = Path(__file__).parent / "data" / "html" / "own_dates"
TRUTH = tomllib.loads((PAGES / "truth.toml").read_text(encoding="utf-8"))
AT = datetime(2024, 3, 1, tzinfo=UTC)
URL = "https://example.go.id/berita/2024/02/12/some-story-slug-here"


def test_every_page_has_its_truth() -> None:
    assert sorted(TRUTH) == sorted(p.name for p in PAGES.glob("*.html"))


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_a_storys_own_date_stands_beside_the_lures(name: str) -> None:
    article = read_article((PAGES / name).read_text(encoding="utf-8"), URL)
    assert isinstance(article, Article), article
    entry = article.entry
    published = resolve_published(entry.published, entry.published_raw, AT, AT, "Asia/Makassar")
    assert published.isoformat() == TRUTH[name]["published"]
    assert str(entry.updated) == TRUTH[name]["updated"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59"])
def test_a_time_pushed_past_the_calendars_ends_is_no_date(when: str) -> None:
    """It raised OverflowError out of read_article, failing its listing's whole poll."""
    title = "Bupati Kutim Tinjau Lokasi Banjir di Sangatta"
    html = (
        f"<html><head><title>{title}</title>"
        f'<meta property="article:published_time" content="{when}"></head><body><article>'
        f'<h1>{title}</h1><time datetime="{when}">x</time><div class="entry-content"><p>'
        + "Isi berita tentang banjir di Sangatta Utara. " * 20
        + "</p></div></article></body></html>"
    )
    article = read_article(html, URL)
    assert isinstance(article, Article) and article.entry.published is None


@pytest.mark.parametrize("image", ["http://[", "http://ex\u2100ample/a.jpg"])
def test_an_image_link_urljoin_refuses_is_no_image(image: str) -> None:
    """It raised ValueError out of read_article, failing its listing's whole poll."""
    title = "Bupati Kutim Tinjau Lokasi Banjir di Sangatta"
    html = (
        f'<html><head><title>{title}</title><meta property="og:image" content="{image}">'
        f'</head><body><article><h1>{title}</h1><div class="entry-content"><p>'
        + "Isi berita tentang banjir di Sangatta Utara. " * 20
        + "</p></div></article></body></html>"
    )
    article = read_article(html, URL)
    assert isinstance(article, Article) and article.entry.image is None


@pytest.mark.parametrize("charset", ["idna", "undefined"])
def test_a_charset_that_cannot_decode_with_replacement_reads_as_utf8(charset: str) -> None:
    """`idna` takes no "replace" and `undefined` refuses every byte: UnicodeError escaped."""
    from syndication.sources.html_source import decode

    body = f'<meta charset="{charset}"><p>Sangatta – banjir</p>'.encode()
    assert decode(body, "text/html") == body.decode("utf-8")
    assert decode(b"<p>x</p>", f"text/html; charset={charset}") == "<p>x</p>"
