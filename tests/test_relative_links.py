"""Relative links in an entry's markup are its page's where the feed sets no xml:base (review
of 2026-12-06: they were joined to the feed's URL, so "#top" and "?page=2" pointed into the
feed file, and a feed served from another host gave every image a wrong host)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from syndication.normalize import normalize_entry
from syndication.sources.feed import parse_feed
from tests.test_normalize_golden import build_ctx

FEED = "https://feeds.feedhost.example/portal"  # FeedBurner-like: not the portal's host
PAGE = "https://portal.example/2026/12/berita-satu/"
BODY = (
    '<p><a href="#top">atas</a> <a href="?page=2">halaman 2</a> '
    '<img src="img/foto.jpg" alt="f"> <a href="/kategori/daerah/">daerah</a></p>'
)
NOW = datetime(2026, 12, 6, tzinfo=UTC)


def _content(entries: list) -> str:  # type: ignore[type-arg]
    (raw,) = entries
    return normalize_entry(raw, build_ctx(), NOW, NOW).content_html


def test_rss_markup_is_read_against_the_items_page() -> None:
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>x</link>'
        f"<description>d</description><item><title>Satu</title><link>{PAGE}</link>"
        f"<description><![CDATA[{BODY}]]></description></item></channel></rss>"
    )
    content = _content(parse_feed(rss.encode(), "s", FEED))
    assert f'href="{PAGE}#top"' in content
    assert f'href="{PAGE}?page=2"' in content
    assert f'src="{PAGE}img/foto.jpg"' in content
    assert 'href="https://portal.example/kategori/daerah/"' in content
    assert "feedhost" not in content


def test_json_feed_markup_is_read_against_the_items_page() -> None:
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "t",
            "items": [{"id": "1", "url": PAGE, "title": "Satu", "content_html": BODY}]}  # fmt: skip
    content = _content(parse_feed(json.dumps(feed).encode(), "s", FEED))
    assert f'src="{PAGE}img/foto.jpg"' in content and "feedhost" not in content


def test_an_atom_xml_base_still_wins() -> None:
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xml:base="https://arsip.example/2026/"><title>t</title><id>urn:f</id>'
        "<updated>2026-12-06T00:00:00Z</updated><entry><title>Satu</title><id>urn:1</id>"
        f'<updated>2026-12-06T00:00:00Z</updated><link href="{PAGE}"/>'
        f'<content type="html"><![CDATA[{BODY}]]></content></entry></feed>'
    )
    content = _content(parse_feed(atom.encode(), "s", FEED))
    assert 'src="https://arsip.example/2026/img/foto.jpg"' in content


def test_a_relative_json_item_url_is_resolved_once() -> None:
    """Second review: the item's URL, joined to the feed's to make the base, was joined again
    to that base ("feed/berita/x/berita/x/")."""
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "t",
            "items": [{"id": "1", "url": "berita/satu/", "title": "Satu",
                       "content_html": BODY}]}  # fmt: skip
    (raw,) = parse_feed(json.dumps(feed).encode(), "s", "https://portal.example/feed/")
    item = normalize_entry(raw, build_ctx(), NOW, NOW)
    assert item.url == "https://portal.example/feed/berita/satu/"
    assert 'src="https://portal.example/feed/berita/satu/img/foto.jpg"' in item.content_html


def test_atom_without_xml_base_reads_markup_against_the_document() -> None:
    """RFC 4287: without xml:base an Atom entry's relative references are the document's."""
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        "<id>urn:f</id><updated>2026-12-06T00:00:00Z</updated><entry><title>Satu</title>"
        f'<id>urn:1</id><updated>2026-12-06T00:00:00Z</updated><link href="{PAGE}"/>'
        f'<content type="html"><![CDATA[{BODY}]]></content></entry></feed>'
    )
    content = _content(parse_feed(atom.encode(), "s", FEED))
    assert 'src="https://feeds.feedhost.example/img/foto.jpg"' in content
