"""Hostile review of 3d87f15..HEAD (the article header read before the junk goes, canonical
links that stand or not, a story two portals carry, the html retries of a 404 link). Each
test is a finding: it fails on HEAD."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from syndication.sources.html import extract_article
from syndication.store import Store
from syndication.types import RawEntry
from syndication.urls import portal_of
from tests.portal import Portal
from tests.test_e2e_html import HTML, listing_page, once
from tests.test_html_retry_gone import NEW_PATH, OLD_PATH, age_the_skips, retried_out
from tests.test_store import NOW, OK, fresh_store, item, route, yes

# --- (1) the header zone runs through a story whose headline sits inside its body -----------

SHORT = "Pemkab Kutai Kartanegara menggelar rapat koordinasi program desa di Pendopo Bupati."


def story_in_one_block(after: str) -> str:
    """A theme whose story block (`.single-content`, a body rule) holds the headline too, and
    whose paragraphs are short (one or two sentences each, as most news portals write)."""
    paras = "".join(f"<p>{SHORT} Kalimat ke-{k}.</p>" for k in range(8))
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>Rapat Desa di Kukar</title><meta property="og:type" content="article"></head>
<body class="single"><div class="single-content"><h1 class="entry-title">Rapat Desa di Kukar</h1>
{paras}</div>{after}</body></html>"""


URL = "https://kabar.test/berita/2026/12/07/rapat-desa-di-kukar"


def test_review_a_comments_date_does_not_date_a_story_holding_its_headline() -> None:
    """header_zone starts at the headline and ends at the body's element or a paragraph of
    more than 200 characters: when the body's element holds the headline (it came before it,
    so the zone never meets it) and the story's paragraphs are short, the zone runs through
    the whole story into the comments below, and a comment's timed date dates the story
    (the page has no machine date, no date line: the story's own date is unknown, not a
    week old). Before the change this page had no date (None); the sixth review's promise
    'a comment's date no longer dates the story' does not hold here."""
    comments = (
        '<div id="comments"><ol class="commentlist"><li class="comment">'
        '<div class="comment-meta"><span>Senin, 30 November 2026 10:00</span></div>'
        "<p>Mantap pak bupati, lanjutkan.</p></li></ol></div>"
    )
    entry = extract_article(story_in_one_block(comments), URL)
    assert isinstance(entry, RawEntry)
    assert entry.published_raw != "Senin, 30 November 2026 10:00"


def test_review_a_related_storys_writer_is_not_the_reporter_of_a_story_holding_its_headline() -> (
    None
):
    """The same zone, run past the story: the reporter box of a related story below the
    story (a writer line of the 'Berita terkait' block) names the author of this one."""
    related = (
        '<div class="berita-lain"><h3>Berita Terkait</h3>'
        '<div class="penulis">Penulis: Rudi Hartono</div>'
        "<p>Bupati resmikan jembatan.</p></div>"
    )
    entry = extract_article(story_in_one_block(related), URL)
    assert isinstance(entry, RawEntry)
    assert entry.author != "Rudi Hartono"


def test_review_a_photo_captions_date_does_not_date_the_story() -> None:
    """header_date_line leaves out no caption (date_line does: `_in_caption`): a WordPress
    caption under the headline ('wp-caption-text', the photo's date) now dates a story
    whose page has no machine date and no date line of its own. Before the change: None."""
    body = "".join(f"<p>{SHORT} {SHORT} {SHORT} Kalimat ke-{k}.</p>" for k in range(4))
    html = f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>Rapat Desa di Kukar</title><meta property="og:type" content="article"></head>
<body class="single"><article><h1 class="entry-title">Rapat Desa di Kukar</h1>
<div class="wp-caption"><img src="/foto/rapat.jpg" alt="">
<p class="wp-caption-text">30/11/2026 10:00</p></div>
<div class="entry-content">{body}</div></article></body></html>"""
    entry = extract_article(html, URL)
    assert isinstance(entry, RawEntry)
    assert entry.published_raw != "30/11/2026 10:00"


# --- (2) canonical links ------------------------------------------------------------------------

PARAGRAPH = (
    "TENGGARONG – Pemkab Kutai Kartanegara menggelar rapat koordinasi program desa di Pendopo"
    " Bupati bersama camat dan kepala desa se-Kukar, membahas bantuan keuangan desa."
)
BODY = "".join(f"<p>{PARAGRAPH} Kalimat {k}.</p>" for k in range(4))


def page(canonical: str) -> str:
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>Rapat Desa di Kukar | Kabar Benua</title><link rel="canonical" href="{canonical}">
<meta property="og:type" content="article"></head>
<body class="single"><article><h1 class="entry-title">Rapat Desa di Kukar</h1>
<div class="entry-content">{BODY}</div></article></body></html>"""


def link_of(html: str, url: str) -> str:
    entry = extract_article(html, url)
    return str(getattr(entry, "link", entry))


@pytest.mark.parametrize(
    ("canonical", "page_url"),
    [
        # Blogger's mobile page: every Blogger portal's mobile listing links '?m=1'
        (
            "https://kabarkukar.blogspot.com/2026/12/rapat-desa.html",
            "https://kabarkukar.blogspot.com/2026/12/rapat-desa.html?m=1",
        ),
        # a static '.html' story's view query (merdeka.com's paged stories)
        (
            "https://www.merdeka.com/peristiwa/rapat-desa-di-kukar.html",
            "https://www.merdeka.com/peristiwa/rapat-desa-di-kukar.html?page=2",
        ),
        # WordPress '.html' permalinks read through their AMP query
        (
            "https://kabar.test/2026/12/rapat-desa.html",
            "https://kabar.test/2026/12/rapat-desa.html?amp=1",
        ),
    ],
)
def test_review_a_html_storys_canonical_stands_for_its_view_query(
    canonical: str, page_url: str
) -> None:
    """`_names_a_section` takes any dotted last folder for a script ('/read.php') whose query
    names the story: a static '.html' story page read with a view query has its own
    canonical refused, and keeps the query in its link. '?m=1' is not stripped by
    canonical_url, so the Blogger story's url_key differs from the same story's desktop URL
    (the blog's own feed, another source): one story, two items, announced twice."""
    assert link_of(page(canonical), page_url) == canonical


def test_review_an_extensionless_scripts_canonical_without_the_story_id_is_refused() -> None:
    """The other side of the same rule: a script route without an extension
    ('/berita/detail?id=123', CodeIgniter/Laravel routes of regional government portals)
    printing its path without the id as every story's canonical: that canonical now stands
    ('berita/detail' has no dot), so every story of the portal gets one link and each new one
    is merged into the first (the rule the sixth review kept for '/read.php')."""
    html = page("https://kukarkab.test/berita/detail")
    first = link_of(html, "https://kukarkab.test/berita/detail?id=123")
    second = link_of(html, "https://kukarkab.test/berita/detail?id=124")
    assert first != second


# --- (3) a story two portals carry --------------------------------------------------------------


BLOG_A, BLOG_B = "https://kabarkukar.blogspot.com", "https://beritakutim.blogspot.com"
FB = "https://feeds.feedburner.com"
BIZ_A, BIZ_B = "https://kabarkukar.biz.id", "https://beritakutim.biz.id"
SITE_A, SITE_B = "https://kabarkukar.com", "https://beritakutim.com"


@pytest.mark.parametrize(
    ("feed_a", "site_a", "feed_b", "site_b"),
    [
        # two Blogger portals, each its own subdomain of blogspot.com
        (f"{BLOG_A}/feeds/posts/default", BLOG_A, f"{BLOG_B}/feeds/posts/default", BLOG_B),
        # two portals, each with its feed on FeedBurner
        (f"{FB}/kabarkukar", SITE_A, f"{FB}/beritakutim", SITE_B),
        # two portals under Indonesia's biz.id
        (f"{BIZ_A}/feed/", BIZ_A, f"{BIZ_B}/feed/", BIZ_B),
    ],
)
def test_review_a_story_another_portal_on_a_shared_domain_carries_is_not_withdrawn(
    db_url: str, feed_a: str, site_a: str, feed_b: str, site_b: str
) -> None:
    """domain_of takes the last two labels of any name: two Blogger portals are one domain
    ('blogspot.com'), two portals whose feeds FeedBurner serves are one ('feedburner.com'),
    two under biz.id one ('biz.id', a second-level name _SECOND_LEVEL misses). A story both
    publish is withdrawn (its message deleted) when the first takes its copy down though
    the second still carries it. Before the change (site_of) each pair kept the story
    (the same test with kabarkukar.com / beritakutim.com feeds passes)."""
    store: Store = fresh_store(db_url)
    polled = {"a": portal_of(feed_a), "b": portal_of(feed_b)}  # as withdrawing._polled
    link_a, link_b = f"{site_a}/2026/12/rapat.html", f"{site_b}/2026/12/rapat.html"
    key = link_a.split("://")[1]
    first = item(1, url=link_a, entry_key=link_a, url_key=key)
    store.ingest("a", [first], NOW, OK, route=route, announce=yes)
    # the other portal's copy of the story, merged into the same item (one url key here)
    copy = item(1, source_id="b", entry_key=link_b, url=link_b, url_key=key)
    store.ingest("b", [copy], NOW, OK, route=route, announce=yes)
    later = NOW + timedelta(minutes=5)
    done = store.withdraw_entries("a", {first.entry_key: "404 Not Found"}, later, polled)
    assert done == 0, "withdrawn while another portal still carries it"


# --- (4) the retries of a link answering 404 ---------------------------------------------------


def test_review_a_link_404_for_days_is_not_retried_anew_each_day(
    tmp_path: Path, portal: Portal
) -> None:
    """A link listed on every poll that answers 404 for good (a dead link of a 'most read'
    box, a template's broken link) goes through the whole retry cycle again each day: its
    tries are forgotten when it is skipped for the day, so after that day it is a 'new' 404
    again, and the listing is read whole (no validators) for 2 h 15 min a day, for each such
    link, forever: a handful of them keep a portal's listing unconditional most of the day.
    After its retries, a link is no longer new."""
    base = portal.url
    path = retried_out(tmp_path, portal)
    age_the_skips(path, timedelta(hours=25))  # the day's skip is over: one more look
    # (the listing changes, as a news portal's does within the hour: it is read whole)
    portal.set("/", listing_page(base, [OLD_PATH, NEW_PATH]), content_type=HTML)
    once(path)
    assert len(portal.hits_for(NEW_PATH)) == 4
    before = len(portal.hits)
    once(path)  # still 404 as the four answers before it: no retry due, read conditionally
    assert [(h.path, h.status) for h in portal.hits[before:]] == [("/", 304)]
