"""Feed bodies -> RawEntry: RSS, Atom, RDF, JSON Feed, and the ways real feeds break."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from syndication.errors import ParseError
from syndication.sources.feed import parse_feed

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>t</title><link>https://portal.test/</link><description>d</description>
<item><title>Bupati Kukar &amp;amp; Warga</title><link>https://portal.test/a/</link>
<guid isPermaLink="false">https://portal.test/?p=1</guid>
<pubDate>Mon, 18 Nov 2024 19:15:00 WIB</pubDate>
<category><![CDATA[Advertorial]]></category><category>Pemerintah</category>
<category>advertorial</category>
<content:encoded><![CDATA[<p>Isi</p>]]></content:encoded></item>
<item><title>Tanpa tautan</title><pubDate>Mon, 18 Nov 2024 12:00:00 +0000</pubDate></item>
<item><description>Tanpa judul dan tautan</description></item>
</channel></rss>"""


def test_wordpress_blank_line_before_xml_declaration_still_parses() -> None:
    entries = parse_feed(b"\n" + RSS.encode(), "s", "https://portal.test/feed/")
    assert len(entries) == 3
    first = entries[0]
    assert first.link == "https://portal.test/a/" and first.guid == "https://portal.test/?p=1"
    assert first.labels == ("Advertorial", "Pemerintah")  # case-insensitive duplicates dropped
    assert first.content_html == "<p>Isi</p>"


def test_unknown_zone_is_left_for_the_normalizer() -> None:
    first, second, _ = parse_feed(RSS.encode(), "s", "https://portal.test/feed/")
    # feedparser would read WIB as UTC: the raw string is kept, the machine date is not trusted
    assert first.published is None and first.published_raw == "Mon, 18 Nov 2024 19:15:00 WIB"
    assert second.published == datetime(2024, 11, 18, 12, 0, tzinfo=UTC)
    assert second.link is None and second.guid is None and second.title == "Tanpa tautan"


def test_atom_and_rdf() -> None:
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
    <id>urn:x</id><updated>2024-11-18T12:00:00Z</updated><entry><title>A</title>
    <id>urn:a</id><link href="https://portal.test/a"/><updated>2024-11-18T12:00:00+08:00</updated>
    <category term="Bisnis"/></entry></feed>"""
    [entry] = parse_feed(atom, "s", "https://portal.test/atom")
    assert entry.guid == "urn:a" and entry.labels == ("Bisnis",)
    assert entry.updated == datetime(2024, 11, 18, 4, 0, tzinfo=UTC)
    rdf = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://portal.test/"><title>x</title>
    <link>https://portal.test/</link></channel><item rdf:about="https://portal.test/r">
    <title>R</title><link>https://portal.test/r</link></item></rdf:RDF>"""
    assert [e.link for e in parse_feed(rdf, "s", "https://portal.test/rdf")] == [
        "https://portal.test/r"
    ]


def test_json_feed() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "x",
        "items": [
            {
                "id": "1",
                "url": "https://portal.test/j",
                "title": "J",
                "content_html": "<p>b</p>",
                "date_published": "2024-11-18T19:15:00+07:00",
                "tags": ["Pemerintah"],
                "authors": [{"name": "Redaksi"}],
                "image": "https://portal.test/i.jpg",
            },
            {"id": 2, "content_text": "tanpa judul"},
            "not an item",
        ],
    }
    first, second = parse_feed(json.dumps(doc).encode(), "s", "https://portal.test/feed.json")
    assert first.published == datetime(2024, 11, 18, 12, 15, tzinfo=UTC)
    assert first.author == "Redaksi" and first.labels == ("Pemerintah",)
    assert first.image == "https://portal.test/i.jpg" and second.guid == "2"


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>not a feed</body></html>",
        b"",
        b'{"a": 1}',
        b"{broken json",
        b"\xff\xfe\x00garbage",
    ],
)
def test_not_a_feed_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError, match=r"parse: https://portal\.test/x"):
        parse_feed(body, "s", "https://portal.test/x", "text/html")


def test_empty_but_valid_feed_is_no_error() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'
    assert parse_feed(body, "s", "https://portal.test/feed/") == []


def test_billion_laughs_does_not_expand() -> None:
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY l0 "lol">{levels}]>'
        '<rss version="2.0"><channel><title>&l9;</title><item><title>&l9;</title>'
        "<link>https://portal.test/b</link></item></channel></rss>"
    ).encode()
    entries = parse_feed(bomb, "s", "https://portal.test/bomb")
    assert all(len(e.title or "") < 10_000 for e in entries)


def test_a_json_feed_date_past_the_calendar_costs_that_date_only() -> None:
    import json as _json

    from syndication.sources.feed import parse_feed

    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "items": [
            {"id": "1", "url": "https://p.test/1", "title": "Satu",
             "date_published": "0001-01-01T00:00:00+08:00"},
            {"id": "2", "url": "https://p.test/2", "title": "Dua",
             "date_published": "2024-11-18T12:00:00+08:00"},
        ],
    }  # fmt: skip
    raws = parse_feed(
        _json.dumps(doc).encode(), "s", "https://p.test/feed.json", "application/feed+json"
    )
    assert [r.title for r in raws] == ["Satu", "Dua"]
    assert raws[0].published is None and raws[1].published is not None
