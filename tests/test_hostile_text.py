"""Text a feed may carry and a database may not take: a lone surrogate (a JSON Feed's "\ud800"
escape) in a title, a body, a tag, a category label or an author. It costs at most that
entry, never the poll; what is stored is what the feeds and messages show."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from syndication.config import load
from syndication.errors import ParseError
from syndication.pipeline import malformed
from syndication.service import run_once
from syndication.sources.feed import AUTHOR_CHARS, _bom_first, char_refs, parse_feed
from syndication.sources.feed_fast import fast_entries
from syndication.sources.html_meta import json_ld_objects
from syndication.sources.jsontext import loads as json_loads
from syndication.store import open_store
from tests.conftest import write_config
from tests.portal import Portal


def _json_feed(portal: Portal) -> bytes:
    hostile = {
        "id": "1",
        "url": f"{portal.url}/berita/pemkab-kukar/",
        "title": "Pemkab Kukar \ud800 Buka Pelatihan UMKM",
        "content_html": "<p>TENGGARONG - Pemkab Kukar \udfff membuka pelatihan.</p>",
        "tags": ["Kukar", "\ud800", "Pemerintah\udfff"],
        "authors": [{"name": "Redaksi \ud800"}],
        "image": f"{portal.url}/img/\ud800.jpg",
        "date_published": "2026-12-01T10:00:00+08:00",
    }
    plain = {
        "id": "2",
        "url": f"{portal.url}/berita/kutim/",
        "title": "Bupati Kutim Resmikan Jalan Baru di Sangatta",
        "content_html": "<p>SANGATTA - Bupati Kutim meresmikan jalan.</p>",
        "tags": ["Kutim"],
        "date_published": "2026-12-01T11:00:00+08:00",
    }
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "Portal", "items": []}
    document["items"] = [hostile, plain]
    return json.dumps(document).encode("ascii")  # the surrogates as \ud800 escapes


async def test_lone_surrogates_cost_nothing_but_themselves(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    portal.set("/feed.json", _json_feed(portal), content_type="application/feed+json")
    sources = f'[[sources]]\nid = "p"\nurl = "{portal.url}/feed.json"\n'
    config = load(write_config(tmp_path / "config.toml", db_url=db_url, sources=sources))
    assert await run_once(config) == 0
    store = open_store(config.database_url)
    try:
        state = store.source_state("p")
        assert state.consecutive_failures == 0 and state.last_success is not None
        stored = {i.url.rsplit("/", 2)[-2]: i for i in store.scope_items("all", 10)}
        assert set(stored) == {"pemkab-kukar", "kutim"}
        item = stored["pemkab-kukar"]
        for text in (item.title, item.summary, item.content_html, item.author or ""):
            assert not any("\ud800" <= ch <= "\udfff" for ch in text), repr(text)
        assert "kukar" in item.regencies
        for ev in item.evidence:
            assert not any("\ud800" <= ch <= "\udfff" for ch in ev.text), repr(ev)
    finally:
        store.engine.dispose()
    for name in ("all.rss", "all.atom", "all.json", "all.html"):
        text = (config.output_dir / name).read_text(encoding="utf-8")
        assert "Buka Pelatihan UMKM" in text


def test_references_to_surrogate_halves_in_a_feed_feedparser_reads() -> None:
    """An old CMS writes an emoji as its two UTF-16 halves ("&#55357;&#56832;"); lxml refuses
    the document, and feedparser's loose parser raised UnicodeEncodeError on the first half:
    every entry of the feed was lost. A pair is the character it makes, a lone half U+FFFD."""
    body = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>P</title>'
        b"<item><title>Kukar juara &#55357;&#56832; lagi</title><link>https://p.test/1/</link>"
        b"<category>Pemerintah&#xD800;</category><description>Tenggarong &#56832;</description>"
        b"</item><item><title>Berita kedua</title><link>https://p.test/2/</link></item>"
        b"</channel></rss>"
    )
    first, second = parse_feed(body, "p", "https://p.test/feed/", "application/rss+xml")
    assert first.title == "Kukar juara \U0001f600 lagi"
    assert first.labels == ("Pemerintah\ufffd",) and first.summary_html == "Tenggarong \ufffd"
    assert second.title == "Berita kedua"


def test_surrogate_halves_in_json_ld_are_replaced() -> None:
    page = LexborHTMLParser(
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Bupati \\ud83d\\ude00 Kukar \\ud800", "\\udfffkey": ["\\udc00"]}</script>'
    )
    [article] = json_ld_objects(page)
    assert article == {
        "@type": "NewsArticle",
        "headline": "Bupati \U0001f600 Kukar \ufffd",
        "\udfffkey": ["\ufffd"],  # keys as they are: none is shown, none merges with another
    }


def test_json_nested_as_deep_as_json_takes_is_mended() -> None:
    """The mending walked the document recursively and raised RecursionError at half the
    depth json.loads takes: a JSON Feed or an article page with deep JSON-LD was lost."""
    deep = '{"a":' * 900 + '"Kukar \\ud800"' + "}" * 900
    value = json_loads(deep)
    for _ in range(900):
        value = value["a"]
    assert value == "Kukar \ufffd"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"a &#55357;&#56832; b", b"a &#x1F600; b"),
        (b"&#xD83D;&#xde00;", b"&#x1F600;"),
        (b"&#XD83D;&#x0000DE00;", b"&#x1F600;"),
        (b"&#xDC00;&#xD800;", b"&#xFFFD;&#xFFFD;"),  # a low half first: no pair
        (b"&#55357; &#56832;", b"&#xFFFD; &#xFFFD;"),  # apart: no pair
        (b"&#55357;&#55357;&#56832;", b"&#xFFFD;&#x1F600;"),
        (b"&#1114112; &#x110000; &#99999999999999999999;", b"&#xFFFD; &#xFFFD; &#xFFFD;"),
        (b"&#000000000065; &#x10FFFF; &#8217;", b"&#000000000065; &#x10FFFF; &#8217;"),
        (b"&#55295;&#57344; &amp;#55357; &#55357", b"&#55295;&#57344; &amp;#55357; &#55357"),
    ],
)
def test_character_references_that_name_no_character(before: bytes, after: bytes) -> None:
    assert char_refs(before) == after


def _rss(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="{}"?>\n<rss version="2.0"><channel><title>P</title>'
        f"<item><title>{title}</title><link>https://p.test/1/</link></item>"
        "<item><title>Berita kedua</title><link>https://p.test/2/</link></item>"
        "</channel></rss>"
    )


@pytest.mark.parametrize(
    ("encoding", "title", "expected"),
    [
        ("utf-16", "Kukar &#55357;&#56832; lagi", "Kukar \U0001f600 lagi"),
        ("utf-16", "Kukar &#xD800; lagi", "Kukar \ufffd lagi"),
        ("utf-8", "Kukar &#1114112; lagi", "Kukar \ufffd lagi"),
        ("utf-8", "Kukar &#99999999999999999999; lagi", "Kukar \ufffd lagi"),
        ("iso-8859-1", "Kukar &#55357;&#56832; caf\u00e9", "Kukar \U0001f600 caf\u00e9"),
    ],
)
def test_a_feed_in_any_encoding_survives_references_to_no_character(
    encoding: str, title: str, expected: str
) -> None:
    body = _rss(title).format(encoding).encode(encoding)
    for ctype in ("application/rss+xml", f"application/rss+xml; charset={encoding}"):
        first, second = parse_feed(body, "p", "https://p.test/feed/", ctype)
        assert (first.title, second.title) == (expected, "Berita kedua")


def test_a_reference_in_an_attribute_is_repaired_whatever_else_the_feed_holds() -> None:
    """feedparser decodes an attribute's references only below 128, so a half there did not
    raise: it was repaired only when another entry's text made feedparser fail, and the same
    entry's link (and key) changed from one poll to the next."""
    head = '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    one = (
        '<entry><title>Satu</title><link href="https://p.test/senyum-&#55357;&#56832;/"/>'
        "<updated>2026-12-01T08:00:00Z</updated></entry>"
    )
    two = (
        '<entry><title>Dua &#55357;&#56832;</title><link href="https://p.test/dua/"/>'
        "<updated>2026-12-01T09:00:00Z</updated></entry>"
    )
    alone = parse_feed(f"{head}{one}</feed>".encode(), "p", "https://p.test/", "")
    beside = parse_feed(f"{head}{two}{one}</feed>".encode(), "p", "https://p.test/", "")
    assert alone[0].link == beside[1].link == "https://p.test/senyum-\U0001f600/"


def test_the_well_formedness_check_survives_them_too() -> None:
    """Asked when a feed yields no entry: it ran feedparser on the body as it came."""
    empty = b'<rss version="2.0"><channel><title>P &#55357;&#56832;</title></channel></rss>'
    assert malformed(empty, "application/rss+xml") is None
    broken = b'<rss version="2.0"><channel><title>P &#xD800;</title><item></channel></rss>'
    assert "not well-formed" in (malformed(broken, "application/rss+xml") or "")


@pytest.mark.parametrize(
    "body",
    [
        b'{"t": "Kukar \xed\xa0\xbd\xed\xb8\x80 x \xed\xa0\x80"}',  # raw halves (CESU-8)
        '{"t": "Kukar \\ud83d\\ude00 x \\ud800"}'.encode("utf-16"),
        '{"t": "Kukar \\ud83d\\ude00 x \\ud800"}'.encode("utf-32"),
        b'{"t": "Kukar \\ud83d\\ude00 x \\udfff"}',
    ],
)
def test_json_halves_however_written(body: bytes) -> None:
    assert json_loads(body) == {"t": "Kukar \U0001f600 x \ufffd"}


def test_a_fault_one_entry_meets_costs_that_entry_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug that one entry's text trips (as the lone surrogates did) failed the whole poll;
    now that entry is skipped with an error-level reason, unless every one of several entries
    of a whole feed (a first poll) meets a fault (the code's then), when the poll fails as
    before and the source records it."""
    import syndication.normalize as normalize_module
    from syndication import workers
    from syndication.normalize import NormalizeContext
    from syndication.types import RawEntry

    real = normalize_module.normalize_entry

    def tripping(raw: RawEntry, *args: Any) -> Any:
        if raw.title == "boom":
            raise RuntimeError("tripped")
        return real(raw, *args)

    monkeypatch.setattr(normalize_module, "normalize_entry", tripping)
    ctx = NormalizeContext(regencies=(), categories=())
    now = datetime(2026, 12, 1, tzinfo=UTC)
    good = RawEntry(source_id="p", link="https://p.test/1/", title="Berita Kukar")
    bad = RawEntry(source_id="p", link="https://p.test/2/", title="boom")
    unusable = RawEntry(source_id="p")
    items, skipped = workers.normalize([("d1", good), ("d2", bad)], ctx, now)
    assert [i.url for i in items] == ["https://p.test/1/"]
    [reason] = skipped
    assert reason.startswith(workers.INTERNAL_SKIP) and "RuntimeError: tripped" in reason
    assert "https://p.test/2/" in reason
    # alone, or beside an entry skipped for its own reasons: that entry only
    assert workers.normalize([("d2", bad)], ctx, now)[0] == []
    items, skipped = workers.normalize([("d0", unusable), ("d2", bad)], ctx, now)
    assert items == [] and len(skipped) == 2
    # several and nothing else, the new entries of a later poll: each costs itself
    worse = RawEntry(source_id="p", link="https://p.test/3/", title="boom")
    items, skipped = workers.normalize([("d2", bad), ("d3", worse)], ctx, now)
    assert items == [] and all(r.startswith(workers.INTERNAL_SKIP) for r in skipped)
    # a whole feed whose every entry meets one (a first poll): the code's fault, the poll fails
    with pytest.raises(RuntimeError, match="tripped"):
        workers.normalize([("d2", bad), ("d3", worse)], ctx, now, whole_feed=True)
    assert len(workers.normalize([("d2", bad)], ctx, now, whole_feed=True)[1]) == 1
    # an exception's message is kept short in the reason
    huge = RawEntry(source_id="p", link="https://p.test/4/" + "x" * 5000, title="boom")
    [reason] = workers.normalize([("d4", huge)], ctx, now)[1]
    assert len(reason) < 800


async def test_control_characters_cost_nothing_but_themselves(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    """NUL (PostgreSQL takes none in text), other C0/C1 controls and U+FFFE/U+FFFF, which JSON
    escapes carry, in every field of an entry: the poll stores the story without them."""
    bad = "\x00\x01\x0b\x1b\x7f\x85\ufffe\uffff"
    hostile = {
        "id": f"1{bad}",
        "url": f"{portal.url}/berita/pemkab-kukar/{bad}",
        "title": f"Pemkab Kukar {bad} Buka Pelatihan UMKM",
        "content_html": f"<p>TENGGARONG{bad} - Pemkab Kukar membuka {bad} pelatihan.</p>",
        "summary": f"Ringkas {bad}",
        "tags": ["Kukar", bad, f"Pemerintah{bad}"],
        "authors": [{"name": f"Redaksi {bad}"}],
        "image": f"{portal.url}/img/{bad}.jpg",
        "date_published": f"2026-12-01T10:00:00+08:00{bad}",
    }
    plain = {
        "id": "2",
        "url": f"{portal.url}/berita/kutim/",
        "title": "Bupati Kutim Resmikan Jalan Baru di Sangatta",
        "content_html": "<p>SANGATTA - Bupati Kutim meresmikan jalan.</p>",
        "date_published": "2026-12-01T11:00:00+08:00",
    }
    document = {"version": "https://jsonfeed.org/version/1.1", "title": f"P{bad}"}
    document["items"] = [hostile, plain]
    portal.set("/feed.json", json.dumps(document).encode(), content_type="application/feed+json")
    sources = f'[[sources]]\nid = "p"\nurl = "{portal.url}/feed.json"\n'
    config = load(write_config(tmp_path / "config.toml", db_url=db_url, sources=sources))
    assert await run_once(config) == 0
    store = open_store(config.database_url)
    try:
        assert store.source_state("p").consecutive_failures == 0
        titles = {i.title for i in store.scope_items("all", 10)}
        assert titles == {
            "Pemkab Kukar Buka Pelatihan UMKM",
            "Bupati Kutim Resmikan Jalan Baru di Sangatta",
        }
        for item in store.scope_items("all", 10):
            for text in (item.title, item.summary, item.content_html, item.author or ""):
                assert not any(ch in text for ch in "\x00\x01\x0b\x1b\x7f\ufffe\uffff"), text
    finally:
        store.engine.dispose()
    rss = (config.output_dir / "all.rss").read_bytes()
    assert b"Buka Pelatihan UMKM" in rss


def _json_feed_of(item: str) -> bytes:
    plain = '{"id": "2", "url": "https://p.test/b/", "title": "Bupati Kutim"}'
    head = '{"version": "https://jsonfeed.org/version/1.1", "title": "P", "items": ['
    return f"{head}{item}, {plain}]}}".encode()


@pytest.mark.parametrize(
    ("authors", "expected"),
    [("5", None), ("true", None), ('"Redaksi"', None), ('{"name": "Redaksi"}', "Redaksi")],
)
def test_json_feed_authors_of_any_type(authors: str, expected: str | None) -> None:
    """A number or a boolean for "authors" raised TypeError: the whole poll failed."""
    item = f'{{"id": "1", "url": "https://p.test/a/", "title": "Kukar", "authors": {authors}}}'
    first, second = parse_feed(_json_feed_of(item), "p", "https://p.test/f.json", "")
    assert (first.author, second.title) == (expected, "Bupati Kutim")


def test_json_feed_with_a_huge_integer_is_read() -> None:
    """json.loads refused the whole document past Python's 4,300-digit conversion limit."""
    item = '{"id": ' + "9" * 5000 + ', "url": "https://p.test/a/", "title": "Kukar"}'
    first, second = parse_feed(_json_feed_of(item), "p", "https://p.test/f.json", "")
    assert (first.title, second.title) == ("Kukar", "Bupati Kutim")


def test_json_nested_deeper_than_json_reads_is_a_parse_error() -> None:
    """A RecursionError out of json.loads was an internal crash of the poll, not its cause."""
    item = '{"id": "1", "url": "https://p.test/a/", "_x": ' + "[" * 3000 + "]" * 3000 + "}"
    with pytest.raises(ParseError, match="nested too deep"):
        parse_feed(_json_feed_of(item), "p", "https://p.test/f.json", "")


@pytest.mark.parametrize("charset", ["windows-1252", "utf-16", "iso-8859-2"])
@pytest.mark.parametrize("declared", ['encoding="utf-8"', ""])
def test_a_byte_order_mark_beats_the_headers_charset(charset: str, declared: str) -> None:
    body = (
        f'\ufeff<?xml version="1.0" {declared}?><rss version="2.0"><channel><title>P</title>'
        "<item><title>Kafe \u00e9 \u2019 Tenggarong</title><link>https://p.test/1/</link></item>"
        "</channel></rss>"
    ).encode()
    [entry] = parse_feed(body, "p", "https://p.test/", f"application/rss+xml; charset={charset}")
    assert entry.title == "Kafe \u00e9 \u2019 Tenggarong"


def test_markup_served_as_json_is_read_as_a_feed() -> None:
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>P</title>'
        b"<item><title>Kukar</title><link>https://p.test/1/</link></item></channel></rss>"
    )
    [entry] = parse_feed(body, "p", "https://p.test/", "application/json")
    assert entry.title == "Kukar"


@pytest.mark.parametrize(
    ("feed", "encoding"),
    [
        ("rss", "utf-8"),  # the blank line before <?xml: feedparser reads it, not the fast path
        ('<dc:author xmlns:dc="http://purl.org/dc/elements/1.1/">{}</dc:author>', "utf-8"),
        ('<AUTHOR kind="{}">{{}}</AUTHOR>'.format("x" * 250), "utf-8"),
        ("<author>{}<!---->{}</author>", "utf-8"),
        ("atom", "utf-16"),
    ],
)
def test_a_long_author_is_cut_before_feedparser_searches_it(feed: str, encoding: str) -> None:
    """feedparser searches an author for an e-mail address with a regex quadratic in its
    length: a 1 MB author on a feed the fast path declines held a worker for hours. It is cut
    to AUTHOR_CHARS inside feedparser, whatever the element, case, namespace or encoding (a
    cut of the body's bytes missed most of them). 100 KB here: some 40 s uncut."""
    text = "Redaksi Kukar \u00e9" + "a" * 100_000
    if feed == "atom":
        body = (
            f'<?xml version="1.0" encoding="{encoding}"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>P</title><entry><title>Kukar'
            '</title><link href="https://p.test/1/"/><updated>2026-12-01T08:00:00Z</updated>'
            f"<author>{text}</author></entry></feed>"
        )
    else:
        half = len(text) // 2
        author = "<author>{}</author>" if feed == "rss" else feed
        filled = author.format(text[:half], text[half:]) if "{}<!" in author else None
        body = (
            '\n<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>P'
            "</title><item><title>Kukar</title><link>https://p.test/1/</link>"
            f"{filled or author.format(text)}</item></channel></rss>"
        )
    [entry] = parse_feed(body.encode(encoding), "p", "https://p.test/", "")
    assert entry.author is not None and entry.author.startswith("Redaksi Kukar \u00e9aaa")
    assert len(entry.author) <= AUTHOR_CHARS


def test_a_charset_that_agrees_with_the_byte_order_mark_stays() -> None:
    """Dropped, it made feedparser take text/xml for us-ascii, flag the feed and send it the
    slow way round; the fast path reads it again."""
    body = (
        '\ufeff<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>P'
        "</title><item><title>Kafe \u00e9</title><link>https://p.test/1/</link></item>"
        "</channel></rss>"
    ).encode()
    for ctype in ("text/xml; charset=utf-8", 'text/xml; charset="UTF-8"'):
        assert _bom_first(body, ctype) == ctype
        [entry] = fast_entries(body, "https://p.test/", ctype) or []
        assert entry["title"] == "Kafe \u00e9"
    assert _bom_first(body, "text/xml; charset=windows-1252") == "text/xml"
