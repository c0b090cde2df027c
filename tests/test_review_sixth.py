"""Hostile review of 32ecc58..HEAD (canonical home links, home-linked feed items, token
redaction in any case, the date line and reporter read before the junk goes, a shared story's
withdrawal, channel_broken counting). Each test is a finding: it fails on HEAD."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bots._secrets import redact, register
from syndication.normalize import entry_key_of, normalize_entry
from syndication.sources.html import extract_article
from syndication.types import NormalizeContext, RawEntry
from tests.acceptance_kit import config_text, kukar, once, rss2, source, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal, running_portal

# --- (1) canonical links ------------------------------------------------------------------------

PARAGRAPH = (
    "TENGGARONG – Pemkab Kutai Kartanegara menggelar rapat koordinasi program desa di Pendopo"
    " Bupati bersama camat dan kepala desa se-Kukar, membahas bantuan keuangan desa."
)
BODY = "".join(f"<p>{PARAGRAPH} Kalimat {k}.</p>" for k in range(4))


def page(head: str = "", meta: str = "", after: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>Rapat Desa di Kukar | Kabar Benua</title>{head}
<meta property="og:type" content="article"></head>
<body class="single"><article><h1 class="entry-title">Rapat Desa di Kukar</h1>{meta}
<div class="entry-content">{BODY}</div>{after}</article></body></html>"""


def link_of(html: str, url: str) -> str:
    entry = extract_article(html, url)
    return str(getattr(entry, "link", entry))


@pytest.mark.parametrize(
    "page_url",
    [
        # WordPress plain permalinks: the post is the root's query
        "https://kabar.test/?p=123",
        # Joomla, common on regional government portals: index.php with the article's id
        "https://kabar.test/index.php?option=com_content&view=article&id=123",
    ],
)
def test_review_home_canonical_of_a_root_query_page_is_not_its_link(page_url: str) -> None:
    """The commit's own rule ("the page's own path without the query naming its story is no
    article's link") misses the root path: `_names_a_section` returns False for a folder-less
    link before it compares queries, so every '/?p=N' / 'index.php?...&id=N' page of a
    template printing the home as canonical gets the home as its link (and every story one
    URL: merged into the first, or announced with a link to the home page)."""
    html = page('<link rel="canonical" href="https://kabar.test/">')
    assert link_of(html, page_url) == page_url


@pytest.mark.parametrize(
    ("page_url", "canonical"),
    [
        # Kompas's one-page view of a multi-page story
        ("https://regional.kompas.test/read/2026/12/01/0800/rapat-desa?page=all",
         "https://regional.kompas.test/read/2026/12/01/0800/rapat-desa"),
        # an AMP page of a two-word slug
        ("https://kabar.test/gempa-palu/amp", "https://kabar.test/gempa-palu"),
    ],
)  # fmt: skip
def test_review_the_articles_own_canonical_beside_a_view_query_is_taken(
    page_url: str, canonical: str
) -> None:
    """Regression: a page reached with a view query (?page=all, ?single=1) or as its /amp
    page names its own article as canonical; before the change it was the link, now the page
    URL with the query (or the AMP URL) is: another URL for the same story than the feed's,
    and the link shown to readers is the variant."""
    html = page(f'<link rel="canonical" href="{canonical}">')
    assert link_of(html, page_url) == canonical


# --- (4) date line and reporter read before the junk goes -----------------------------------------

ARTICLE = "https://kabar.test/berita/2026/12/01/rapat-desa-kukar"

COMMENTS = (
    '<div id="comments" class="comments-area"><h3>2 Komentar</h3><ol class="comment-list">'
    '<li class="comment"><div class="comment-author">Andi</div><div class="comment-meta">'
    "<time>Rabu, 2 Desember 2026 10:15 WIB</time></div>"
    "<p>Mantap pak bupati, semoga lancar.</p></li></ol></div>"
)


def test_review_a_comments_date_does_not_displace_the_storys_date_line() -> None:
    """Regression: the date line is now read before comments (junk) are dropped, and the
    known-date selectors ("time") are tried over the whole page before the scan that finds
    the story's own line under its headline: a reader's comment dates the story."""
    meta = '<div class="meta"><span>Selasa, 1 Desember 2026 08:00 WITA</span></div>'
    entry = extract_article(page(meta=meta, after=COMMENTS), ARTICLE)
    assert getattr(entry, "published_raw", None) == "Selasa, 1 Desember 2026 08:00 WITA"


def test_review_a_comments_date_is_not_the_storys_date() -> None:
    """Regression: a page with no date of its own was undated (first seen); now it takes the
    date of the first comment below it."""
    entry = extract_article(page(after=COMMENTS), ARTICLE)
    assert getattr(entry, "published_raw", None) is None


@pytest.mark.parametrize(
    "junk",
    [
        # a related-stories block (junk: "related") naming each teaser's reporter
        '<div class="related-news"><h3>Berita Terkait</h3><div class="item">'
        '<a href="/berita/banjir">Banjir di Samarinda meluas ke tiga kecamatan</a>'
        '<div class="reporter">Rina Wati</div></div></div>',
        # a comment whose author element a theme names "comment-penulis"
        '<div id="comments" class="comments-area"><div class="comment-body">'
        '<div class="comment-penulis">Andi Saputra</div><p>Mantap pak bupati.</p></div></div>',
    ],
)
def test_review_a_reporter_box_in_junk_is_not_the_author(junk: str) -> None:
    """Regression: fld.reporter reads every [class*=reporter|penulis|jurnalis|wartawan]
    element of the page before the junk goes, skipping only chrome: another story's reporter
    in a related list, or a commenter, becomes the story's author (before: no author)."""
    entry = extract_article(page(after=junk), ARTICLE)
    assert getattr(entry, "author", None) is None


# --- (5) a shared story's withdrawal ------------------------------------------------------------

CHATS: dict[str, str | int] = {"kukar": "@kabar_kukar"}
STORY_PAGE = "<html><body><h1>Bibit padi</h1><p>Isi berita.</p></body></html>"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def shown(out: Path, title: str) -> list[str]:
    items = json.loads((out / "all.json").read_text())["items"]
    return [i["url"] for i in items if i["title"] == title]


def test_review_a_lagging_category_feed_on_the_portals_feed_host_still_withdraws(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Regression: the sites compared are the sources' *feed* URLs' hosts. A portal whose
    feeds live on another host than its articles (rss.detik.com / news.detik.com,
    feeds.feedburner.com) has its main feed and its category feed both 'on another site'
    than the story: a story the portal took down (404, dropped from the main feed) stays in
    every feed and channel for as long as its category feed lags, though the commit says a
    second feed of the same portal lagging behind still withdraws, as before."""
    with running_portal() as articles:
        feeds = portal  # the feed host; the articles live on `articles`
        base = articles.url + "/p"
        old = kukar("lama", "Pemkab Kukar Gelar Rapat Awal Tahun", minutes_ago=90)
        feeds.set("/main/feed/", rss2(base, [old]))
        feeds.set("/cat/feed/", rss2(base, [old]))
        sources = source("portal-main", f"{feeds.url}/main/feed/") + source(
            "portal-cat", f"{feeds.url}/cat/feed/"
        )
        config = write(tmp_path, config_text(sources, chats=CHATS, api_url=fake.url))
        once(config, fake.token)
        story = kukar("bibit", "Pemkab Kukar Salurkan Bibit Padi ke Petani Loa Kulu")
        articles.set("/p/berita/bibit/", STORY_PAGE, content_type="text/html")
        feeds.set("/main/feed/", rss2(base, [story, old]))
        feeds.set("/cat/feed/", rss2(base, [story, old]))
        once(config, fake.token)
        out = tmp_path / "out"
        assert len(shown(out, story.title)) == 1 and len(fake.messages) == 1
        # the portal takes the story down; its category feed has not caught up yet
        articles.set("/p/berita/bibit/", "", status=404)
        feeds.set("/main/feed/", rss2(base, [old]))
        once(config, fake.token)
        assert articles.hits_for("/p/berita/bibit/")  # it was checked
        assert shown(out, story.title) == [], "a story the portal took down stayed"


# --- (3) token redaction --------------------------------------------------------------------------

ENCODED = "998877:ENCODEDLEAKCHECK"


def test_review_a_url_encoded_token_is_redacted() -> None:
    """A proxy or server echoing the request URL percent-encoded ('%3A' for the colon) gets
    past both the registered-token match and the token-shape pattern (pre-existing; the
    commit made redaction case-insensitive only)."""
    register(ENCODED)
    text = "Wrong url https://api.telegram.org/bot998877%3AENCODEDLEAKCHECK/sendMessage"
    assert "encodedleakcheck" not in redact(text).lower()
    assert "encodedleakcheck" not in redact(text.lower()).lower()


# --- entry_key_of must agree with normalize_entry's key ------------------------------------------


@pytest.mark.parametrize("link", [None, "", "javascript:void(0)"])
def test_review_entry_key_of_agrees_with_normalize_for_a_linkless_entry(link: str | None) -> None:
    """entry_key_of joins a missing link with the feed's base URL (or keeps a 'javascript:'
    link) and keys the entry by that URL, where normalize_entry keys it by title + date: the
    two disagree (pre-existing; the commit's home-link branch did not cover these). `listed`
    (withdrawal) and the first poll's backlog are keyed by entry_key_of, so such an entry is
    never 'listed' and is taken for unlisted on every poll."""
    now = datetime(2026, 12, 1, 8, tzinfo=UTC)
    raw = RawEntry(
        source_id="s",
        link=link,
        title="Pemkab Kukar Gelar Rapat Desa",
        summary_html="<p>Isi berita.</p>",
        published_raw="Selasa, 1 Desember 2026",
        base_url="https://kabar.test/feed/",
    )
    ctx = NormalizeContext(regencies=(), categories=())
    assert entry_key_of(raw) == normalize_entry(raw, ctx, now, now).entry_key
