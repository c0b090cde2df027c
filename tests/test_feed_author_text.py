"""A feed's author is plain text: "<" in it is a character, not the start of a tag.

`Tim <Redaksi> Kaltim` lost `<Redaksi>` when the author was cleaned as HTML. feedparser gives
an author no type (its author_detail holds only name, email and href), so no feed marks an
author as HTML; its loose parser hands the text over escaped (`Tim &lt;Redaksi&gt;`), its
strict parser and the fast path as characters, and both must come out the same.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from syndication.normalize import normalize_entry
from syndication.sources.feed import parse_feed, parse_with_feedparser
from syndication.sources.feed_fast import fast_entries
from syndication.types import NormalizeContext, RawEntry

NOW = datetime(2024, 11, 28, 3, 0, tzinfo=UTC)
CTX = NormalizeContext(regencies=(), categories=())
URL = "https://portal.test/feed/"


def _rss(creator: str, *, blank_line: bool = False) -> bytes:
    return (
        ("\n" if blank_line else "") + '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        "<title>Portal</title><link>https://portal.test/</link><description>d</description>"
        "<item><title>Pemkab Kukar Gelar Rapat</title><link>https://portal.test/a/</link>"
        "<pubDate>Mon, 18 Nov 2024 19:15:00 +0800</pubDate>"
        f"{creator}</item></channel></rss>"
    ).encode()


def _atom(name: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Portal</title><id>urn:portal</id><updated>2024-11-18T11:15:00Z</updated>"
        "<entry><title>Pemkab Kukar Gelar Rapat</title><id>urn:a</id>"
        '<link href="https://portal.test/a/"/><updated>2024-11-18T11:15:00Z</updated>'
        f"<author><name>{name}</name></author></entry></feed>"
    ).encode()


def _author(raw: RawEntry) -> str | None:
    return normalize_entry(raw, CTX, NOW, NOW).author


def _authors(body: bytes) -> list[str | None]:
    return [_author(raw) for raw in parse_feed(body, "p", URL)]


RSS_CASES = [
    ("<dc:creator><![CDATA[Tim <Redaksi> Kaltim]]></dc:creator>", "Tim <Redaksi> Kaltim"),
    ("<dc:creator>A &lt;B&gt;   C</dc:creator>", "A <B> C"),
    (
        "<dc:creator><![CDATA[ Budi\n  <budi@portal.test> ]]></dc:creator>",
        "Budi <budi@portal.test>",
    ),
    ("<dc:creator><![CDATA[Redaksi <Kukar> & Tim]]></dc:creator>", "Redaksi <Kukar> & Tim"),
    ("<dc:creator><![CDATA[<b>Budi</b>]]></dc:creator>", "<b>Budi</b>"),  # text, as written
    ("<author>Tim &lt;Redaksi&gt;</author>", "Tim <Redaksi>"),
    ("<dc:creator>Redaksi Kukar</dc:creator>", "Redaksi Kukar"),
]


@pytest.mark.parametrize(("creator", "expected"), RSS_CASES)
def test_an_rss_author_keeps_its_brackets(creator: str, expected: str) -> None:
    body = _rss(creator)
    assert fast_entries(body, URL, "") is not None  # the fast path reads this feed
    assert _authors(body) == [expected]


@pytest.mark.parametrize(("creator", "expected"), RSS_CASES)
def test_feedparser_gives_the_author_the_fast_path_gives(creator: str, expected: str) -> None:
    [raw] = parse_with_feedparser(_rss(creator), "p", URL)
    assert _author(raw) == expected


@pytest.mark.parametrize(("creator", "expected"), RSS_CASES)
def test_a_feed_read_by_feedparsers_loose_parser_gives_the_same_author(
    creator: str, expected: str
) -> None:
    """The blank line before <?xml: feedparser's loose parser, which hands the author over
    with its "<" escaped."""
    body = _rss(creator, blank_line=True)
    assert fast_entries(body, URL, "") is None
    assert _authors(body) == [expected]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("A &lt;B&gt;", "A <B>"),
        ("<![CDATA[Tim <Redaksi> Kaltim]]>", "Tim <Redaksi> Kaltim"),
        ("  Tim\n\t&lt;Redaksi&gt;  ", "Tim <Redaksi>"),
    ],
)
def test_an_atom_author_keeps_its_brackets(name: str, expected: str) -> None:
    assert _authors(_atom(name)) == [expected]


def test_a_json_feed_author_keeps_its_brackets() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Portal",
        "items": [
            {
                "id": "1",
                "url": "https://portal.test/a/",
                "title": "Pemkab Kukar Gelar Rapat",
                "authors": [{"name": "Tim <Redaksi>  Kaltim"}],
            }
        ],
    }
    assert _authors(json.dumps(document).encode()) == ["Tim <Redaksi> Kaltim"]


def test_a_long_author_is_still_cut_to_one_line() -> None:
    [author] = _authors(_rss(f"<dc:creator><![CDATA[Tim <Redaksi> {'a ' * 200}]]></dc:creator>"))
    assert author is not None and author.startswith("Tim <Redaksi> a a")
    assert len(author) <= 121 and author.endswith("…")
