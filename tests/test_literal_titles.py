"""Headlines are text: a literal "<script>" written as text stays in the title, escaped in every
feed, page and message; markup is stripped only where the source gave markup; a huge title is
cut to TITLE_MAX at a word. End to end through the fixture portal and the fake Bot API."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from syndication.config import load
from syndication.normalize import normalize_entry
from syndication.normalize.text import TITLE_MAX, clean_title
from syndication.service import run_once
from syndication.sources.feed import parse_feed
from syndication.sources.html import extract_article
from syndication.types import NormalizeContext, RawEntry
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal

LITERAL = "Diskominfo Temukan Sisipan <script>alert(1)</script> di Situs Desa"
NOW = datetime.now(UTC)
BODY = (
    "<p>TENGGARONG, portal.test – Diskominfo Kukar menemukan sisipan kode di situs desa di "
    "Tenggarong.</p><p>Situs sudah dibersihkan. (adv/diskominfo/kukar)</p>"
)


@pytest.fixture
def fake() -> FakeTelegram:
    with FakeTelegram(per_minute=20, min_interval=0.0) as f:
        yield f  # type: ignore[misc]


def _post(slug: str, title: str, minutes: float = 30) -> Post:
    return Post(slug, title, NOW - timedelta(minutes=minutes), ["Advertorial"], BODY)


def _published_titles(public: Path) -> dict[str, list[str]]:
    rss_feed = feedparser.parse((public / "all.rss").read_bytes())
    atom = feedparser.parse((public / "all.atom").read_bytes())
    data = json.loads((public / "all.json").read_text(encoding="utf-8"))
    return {
        "rss": [e.title for e in rss_feed.entries],
        "atom": [e.title for e in atom.entries],
        "json": [i["title"] for i in data["items"]],
    }


def test_literal_tag_and_huge_title_end_to_end(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    path = write_config(
        tmp_path / "config.toml", db_url=db_url, api_url=fake.url,
        chats={"kukar": "@kabar_kukar"},
        sources=f'[[sources]]\nid = "portal"\nurl = "{portal.url}/feed/"\ninterval = "5m"\n',
    )  # fmt: skip
    old = _post("lama", "Berita Lama Pemkab Kukar Soal Jalan Desa", minutes=300)
    portal.set("/feed/", rss(portal.url, [old]))
    assert asyncio.run(run_once(load(path))) == 0  # the backlog: feeds only
    huge = "Pemkab Kukar Resmikan Jembatan " + "Panjang Sekali " * 7000  # ~100 KB
    posts = [old, _post("sisipan", LITERAL), _post("panjang", huge, minutes=20)]
    portal.set("/feed/", rss(portal.url, posts))
    assert asyncio.run(run_once(load(path))) == 0

    public = tmp_path / "public"
    for kind, titles in _published_titles(public).items():
        # a feed may put a label such as "[Advertorial] " before the title
        assert any(t.endswith(LITERAL) for t in titles), (kind, titles)
        long = next(t for t in titles if "Pemkab Kukar Resmikan Jembatan" in t)
        assert len(long) <= TITLE_MAX + 20 and long.endswith("Sekali…"), (kind, len(long))
    written = [p for p in public.rglob("*") if p.suffix in (".rss", ".atom", ".html", ".opml")]
    for file in written:  # every feed and page (per-scope pages, where there are some)
        raw = file.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in raw, file
        assert "Panjang Sekali " * 100 not in raw, file
        if "Sisipan" in raw and file.suffix == ".html":
            assert "Sisipan &lt;script&gt;alert(1)&lt;/script&gt; di Situs Desa" in raw, file

    sent = fake.messages_to("@kabar_kukar")
    assert len(sent) == 2, [m.text for m in sent]
    message = next(m for m in sent if "Sisipan" in m.text)
    assert LITERAL in message.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "<script>" not in message.html
    long_msg = next(m for m in sent if "Jembatan" in m.text)
    assert len(long_msg.text) < TITLE_MAX + 600


def test_feed_title_types_decide_what_is_markup() -> None:
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:t</id>
<updated>2024-05-01T00:00:00Z</updated>
<entry><id>urn:a</id><link href="https://p.test/a"/><updated>2024-05-01T00:00:00Z</updated>
<title type="text">{LITERAL.replace("<", "&lt;").replace(">", "&gt;")}</title></entry>
<entry><id>urn:b</id><link href="https://p.test/b"/><updated>2024-05-01T00:00:00Z</updated>
<title type="html">&lt;b&gt;Pemkab&lt;/b&gt; Kukar &amp;amp; DPRD</title></entry>
</feed>"""
    text_entry, html_entry = parse_feed(atom.encode(), "p", "https://p.test/")
    ctx = NormalizeContext(regencies=(), categories=(), default_timezone="Asia/Makassar")
    assert normalize_entry(text_entry, ctx, NOW, NOW).title == LITERAL
    assert normalize_entry(html_entry, ctx, NOW, NOW).title == "Pemkab Kukar & DPRD"


def test_html_headline_is_text() -> None:
    page = (
        "<html><head><title>x</title></head><body><article>"
        "<h1 class='entry-title'>Diskominfo Temukan Sisipan &lt;script&gt;alert(1)&lt;/script&gt;"
        " di Situs Desa</h1><time datetime='2024-05-01T08:00:00+08:00'>1 Mei 2024</time>"
        f"<div class='entry-content'>{BODY * 3}</div></article></body></html>"
    )
    entry = extract_article(page, "https://p.test/2024/05/sisipan/", source_id="p")
    assert isinstance(entry, RawEntry) and entry.title_is_text
    ctx = NormalizeContext(regencies=(), categories=(), default_timezone="Asia/Makassar")
    assert normalize_entry(entry, ctx, NOW, NOW).title == LITERAL


def test_cap_cuts_at_a_word() -> None:
    title = clean_title("kata " * 200, markup=False)
    assert len(title) <= TITLE_MAX and title.endswith("kata…")
    assert clean_title("<b>Kukar</b> &amp; Kutim") == "Kukar & Kutim"
    assert clean_title("<b>Kukar</b>", markup=False) == "<b>Kukar</b>"
