"""The lxml fast path gives the records feedparser gives, or steps aside.

Differential: every feed in tests/data, the generators' feeds, hand-made variants of a
WordPress item (each reader and each reason to decline), and every feed of the shared corpus
(when present) go through `parse_feed` (fast path first) and `parse_with_feedparser`; the
records, or the ParseError, must be the same.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

from syndication.errors import ParseError
from syndication.sources.feed import parse_feed, parse_with_feedparser
from syndication.sources.feed_fast import fast_entries
from tests import feedmaker, pinned_feeds
from tests.conftest import CORPUS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from peer_feeds import feed_bytes

DATA = Path(__file__).parent / "data"
SUFFIXES = (".xml", ".rss", ".atom")
URLS = ("https://portal.test/feed/", "http://portal.test/sub/dir/feed?x=1&y=2")
TYPES = ("application/rss+xml; charset=UTF-8", "")


def same_as_feedparser(body: bytes, url: str = URLS[0], content_type: str = TYPES[0]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # feedparser's updated fallback
        assert _outcome(parse_feed, body, url, content_type) == _outcome(
            parse_with_feedparser, body, url, content_type
        )


def _outcome(parse: object, body: bytes, url: str, content_type: str) -> object:
    try:
        return parse(body, "src", url, content_type)  # type: ignore[operator]
    except ParseError as e:
        return f"ParseError: {e}"


def wordpress(item: str, *, head: str = "", channel: str = "", decl: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" '
        f'xmlns:wfw="http://wellformedweb.org/CommentAPI/"{decl}>{head}\n<channel>'
        "<title>Portal</title><link>https://portal.test/</link><description>d</description>"
        '<atom:link href="https://portal.test/feed/" rel="self" type="application/rss+xml"/>'
        f"<language>id</language>{channel}{item}</channel></rss>\n"
    ).encode()


ITEM = (
    "<item><title>Bupati Kukar Tinjau Jalan</title><link>https://portal.test/a/</link>"
    "<comments>https://portal.test/a/#respond</comments>"
    "<dc:creator><![CDATA[Redaksi]]></dc:creator><pubDate>Mon, 20 May 2024 08:00:00 +0000"
    "</pubDate><category><![CDATA[Daerah]]></category><category><![CDATA[daerah]]></category>"
    '<guid isPermaLink="false">https://portal.test/?p=1</guid>'
    "<description><![CDATA[<p>Ringkas</p>]]></description>"
    "<content:encoded><![CDATA[<p>TENGGARONG &#8211; isi <b>berita</b></p>]]></content:encoded>"
    "<wfw:commentRss>https://portal.test/a/feed/</wfw:commentRss></item>"
)

# (name, item markup, whether the fast path must take it)
VARIANTS = [
    ("wordpress", ITEM, True),
    (
        "relative link",
        ITEM.replace("https://portal.test/a/</link>", "/a/?x=1&amp;y=2</link>"),
        True,
    ),
    ("permalink guid", ITEM.replace(' isPermaLink="false"', ""), True),
    ("permalink guid only", "<item><title>t</title><guid>/p/1</guid></item>", True),
    (
        "guid before link",
        "<item><guid>https://p.test/g</guid><link>https://p.test/l</link></item>",
        True,
    ),
    ("guid FALSE", ITEM.replace('"false"', '"FALSE"'), True),
    ("html title", ITEM.replace("Bupati Kukar", "Bupati &lt;b&gt;Kukar&lt;/b&gt;"), True),
    ("entity title", ITEM.replace("Bupati", "&#8220;Bupati&#8221; &#128;"), True),
    ("latin-1 mojibake", ITEM.replace("Bupati", "Bupati Ã©"), True),
    ("empty title", ITEM.replace("Bupati Kukar Tinjau Jalan", "  "), True),
    ("content only", "<item><title>t</title><content:encoded>x</content:encoded></item>", True),
    (
        "content first",
        "<item><content:encoded>c</content:encoded><description>d</description></item>",
        True,
    ),
    ("WITA date", ITEM.replace("+0000", "WITA"), True),
    (
        "dc:date",
        ITEM.replace("</pubDate>", "</pubDate><dc:date>2024-05-21T01:02:03+08:00</dc:date>"),
        True,
    ),
    ("dc:date only", "<item><title>t</title><dc:date>2024-05-21T01:02:03Z</dc:date></item>", True),
    ("bad date", ITEM.replace("Mon, 20 May 2024", "kemarin"), True),
    ("author email", "<item><title>t</title><author>a@b.test (Ani)</author></item>", True),
    ("media", ITEM.replace("</item>", '<media:content url="/i.jpg" medium="image"/></item>'), True),
    (
        "media video",
        ITEM.replace("</item>", '<media:content url="v.mp4" type="Video/MP4"/></item>'),
        True,
    ),
    (
        "thumbnail",
        ITEM.replace("</item>", '<media:thumbnail url="https://p.test/t.jpg"/></item>'),
        True,
    ),
    (
        "enclosure",
        ITEM.replace(
            "</item>", '<enclosure url="https://p.test/e.png" length="1" type="IMAGE/PNG"/></item>'
        ),
        True,
    ),
    (
        "unknown element",
        ITEM.replace(
            "</item>", "<post-id xmlns='com-wordpress:feed-additions:1'>5</post-id></item>"
        ),
        True,
    ),
    ("comment", ITEM.replace("<title>", "<!-- c --><title>"), True),
    ("empty elements", "<item><title/><link/><description/><category/><guid/></item>", True),
    (
        "spaced link",
        ITEM.replace("<link>https", "<link>\n  https").replace("/a/</link>", "/a/ \n</link>"),
        True,
    ),
    (
        "enclosure without url",
        ITEM.replace("</item>", '<enclosure type="image/png"/></item>'),
        True,
    ),
    ("mailto link", ITEM.replace("https://portal.test/a/</link>", "mailto:a@b.test</link>"), True),
    ("second title", ITEM.replace("</item>", "<title>lagi</title></item>"), False),
    ("markup in title", ITEM.replace("Bupati", "<b>Bupati</b>"), False),
    ("comment in title", ITEM.replace("Bupati", "Bu<!-- c -->pati"), False),
    ("xml:base", ITEM.replace("<item>", '<item xml:base="https://other.test/x/">'), False),
    (
        "atom link in item",
        ITEM.replace("</item>", '<atom:link rel="alternate" href="/b"/></item>'),
        False,
    ),
    ("category domain", ITEM.replace("<category>", '<category domain="x">'), False),
    (
        "itunes",
        ITEM.replace(
            "</item>",
            "<itunes:summary xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'>s</itunes:summary></item>",
        ),
        False,
    ),
    ("source", ITEM.replace("</item>", '<source url="https://s.test/">S</source></item>'), False),
    ("undefined entity", ITEM.replace("Bupati", "Bupati&nbsp;"), False),
    ("raw ampersand", ITEM.replace("Bupati", "Bupati & Wakil"), False),
]


@pytest.mark.parametrize(("name", "item", "fast"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_variant_of_an_item_reads_as_feedparser_reads_it(
    name: str, item: str, fast: bool
) -> None:
    body = wordpress(item + ITEM.replace("/a/", "/z/"))
    assert (fast_entries(body, URLS[0], TYPES[0]) is not None) is fast
    for url in URLS:
        for content_type in TYPES:
            same_as_feedparser(body, url, content_type)


NETSCAPE = b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x.dtd">'
DOCUMENTS = [
    ("blank line before <?xml", b"\n" + wordpress(ITEM), False),
    ("Netscape DOCTYPE", wordpress(ITEM).replace(b"<rss", NETSCAPE + b"\n<rss", 1), False),
    (
        "prefix bound elsewhere",
        wordpress(ITEM, decl=' xmlns:x="http://purl.org/dc/elements/1.1/"'),
        False,
    ),
    ("item outside channel", wordpress(ITEM).replace(b"</rss>", ITEM.encode() + b"</rss>"), False),
    ("entry in the channel", wordpress(ITEM, channel="<entry><title>x</title></entry>"), False),
    ("no items", wordpress(""), False),
    ("plain DOCTYPE", wordpress(ITEM).replace(b"<rss", b"<!DOCTYPE rss>\n<rss", 1), True),
    ("Latin-1 declared, UTF-8 sent", wordpress(ITEM).replace(b"UTF-8", b"ISO-8859-1"), True),
    (
        "channel image",
        wordpress(ITEM, channel="<image><url>/i.png</url><title>t</title></image>"),
        True,
    ),
]


@pytest.mark.parametrize(("name", "body", "fast"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_whole_documents_read_as_feedparser_reads_them(name: str, body: bytes, fast: bool) -> None:
    assert (fast_entries(body, URLS[0], TYPES[0]) is not None) is fast
    for url in URLS:
        for content_type in TYPES:
            same_as_feedparser(body, url, content_type)


def test_the_benchmark_and_test_feeds_read_as_feedparser_reads_them() -> None:
    peer = feed_bytes(3, 50, "https://portal.test")
    assert fast_entries(peer, URLS[0], TYPES[0]) is not None  # the benchmark's WordPress feeds
    bodies = [peer, pinned_feeds.feed(2, 20), pinned_feeds.feed(2, 20).lstrip()]
    post = feedmaker.Post("a", "Judul & Isi", pinned_feeds.START, ["Daerah"], "<p>x</p>")
    bodies += [
        feedmaker.rss("https://p.test", [post]),
        feedmaker.rss("https://p.test", [post], blank_line=True),
    ]
    bodies += [p.read_bytes() for p in sorted(DATA.rglob("*")) if p.suffix in SUFFIXES]
    for body in bodies:
        for url in URLS:
            same_as_feedparser(body, url)


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in SUFFIXES)


SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_corpus_feed_reads_as_feedparser_reads_it(shard: int) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is absent (set SYNDICATION_CORPUS)")
    files = corpus_files()
    for path in files[shard::SHARDS]:
        body = path.read_bytes()
        for content_type in TYPES:
            try:
                same_as_feedparser(body, URLS[0], content_type)
            except AssertionError as e:
                raise AssertionError(f"{path} ({content_type!r}): {e}") from None


def test_the_c1_check_answers_as_the_one_pattern_did() -> None:
    """_c1_possible (two searches with literal starts) against the single alternation it
    replaced, over random documents made of the bytes that matter."""
    import random
    import re

    from syndication.sources.feed_fast import _c1_possible

    reference = re.compile(rb"\xc2[\x80-\x9f]|&#")
    pieces = [b"a", b"&", b"#", b"\xc2", b"\x80", b"\x9f", b"\xa0", b"\xc3", b"&#", b" ", b"\n"]
    rng = random.Random(12)
    differ = []
    for _ in range(20_000):
        data = b"".join(rng.choices(pieces, k=rng.randint(0, 12)))
        if _c1_possible(data) != (reference.search(data) is not None):
            differ.append(data)
    assert differ == []
