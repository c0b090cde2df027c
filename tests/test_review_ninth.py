"""Hostile review of 24db8ba..bddef79 (the eighth review's fixes: whole-word boxes below the
story, a script's bare path refused as a canonical and an extensionless route's only beside
an exact story parameter, withdrawals telling portals by their sources' feeds through
urls.portal_of). Each test is a finding and fails on bddef79."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syndication.store import Store
from syndication.urls import portal_of
from tests.test_review_seventh import link_of
from tests.test_review_seventh import page as canonical_page
from tests.test_store import NOW, OK, fresh_store, item, route, yes

# --- (1) an extensionless route's canonical beside a query naming its story ------------------

SITE = "https://kabar.test"


@pytest.mark.parametrize(
    "query",
    [
        # parameters 24db8ba's _names_story took for the story's (a listed name, or a value
        # of 3 digits or more), now dropped from the exact list: regressions
        "berita=123",
        "artikel=4567",
        "news=4567",
        "read=4567",
        "kode=20261207",
        "idb=123",
        # a slug, on any route reading its story from the query (older: never refused)
        "slug=rapat-desa-di-kukar",
    ],
)
def test_review_a_routes_bare_canonical_beside_a_story_query_is_refused(query: str) -> None:
    """A small portal's template (CodeIgniter/Laravel/custom PHP behind a rewrite) prints
    its route's bare path as every story's canonical ('/berita/detail' for
    '/berita/detail?berita=123'). _names_a_section refuses it only when the query holds one
    of the exact _STORY_PARAMS names: every other parameter naming the story ('berita',
    'artikel', 'news', 'read' -- in 24db8ba's list --, a numeric 'kode', 'idb', a 'slug')
    lets the bare route stand as the link, so every story of the portal has one URL and
    each new one is merged into the first as its duplicate (lost). 24db8ba refused all but
    the slug (by name, by 'id' ending or by a value of 3 digits or more)."""
    page_url = f"{SITE}/berita/detail?{query}"
    link = link_of(canonical_page(f"{SITE}/berita/detail"), page_url)
    assert link != f"{SITE}/berita/detail", "every story of the route gets one link"


def test_review_two_stories_of_one_route_keep_two_links() -> None:
    """The consequence, end to end through extract_article: two different stories of the
    same route ('?berita=123', '?berita=124') come out with the same link."""
    first = link_of(canonical_page(f"{SITE}/berita/detail"), f"{SITE}/berita/detail?berita=123")
    second = link_of(canonical_page(f"{SITE}/berita/detail"), f"{SITE}/berita/detail?berita=124")
    assert first != second


# --- (2) withdrawals: portals told by their sources' feeds (urls.portal_of) --------------------


def _withdrawn(
    db_url: str,
    feed_a: str,
    feed_b: str,
    link_a: str,
    link_b: str,
    keys: tuple[str, str] = ("", ""),
) -> int:
    """Source a's entry (link_a, keyed by its link or keys[0]) and source b's (link_b, keys[1])
    are one item; a's check finds its page gone: how many items are withdrawn."""
    store: Store = fresh_store(db_url)
    store.sync_sources([("a", feed_a), ("b", feed_b)])
    polled = {"a": portal_of(feed_a), "b": portal_of(feed_b)}  # as withdrawing._polled
    key = link_a.split("://")[1]
    first = item(1, url=link_a, entry_key=keys[0] or link_a, url_key=key)
    store.ingest("a", [first], NOW, OK, route=route, announce=yes)
    copy = item(1, source_id="b", url=link_b, entry_key=keys[1] or link_b, url_key=key)
    store.ingest("b", [copy], NOW, OK, route=route, announce=yes)
    later = NOW + timedelta(minutes=5)
    return store.withdraw_entries("a", {first.entry_key: "404 Not Found"}, later, polled)


FB = "https://feeds.feedburner.com"


@pytest.mark.parametrize(
    ("feed_a", "feed_b"),
    [
        # the portal's main FeedBurner feed and a category feed of it there
        (f"{FB}/kabarkukar", f"{FB}/kabarkukar-pemerintahan"),
        # the portal's own feed and its FeedBurner copy (a reader's subscribe link)
        ("https://kabarkukar.com/feed/", f"{FB}/kabarkukar"),
    ],
)
def test_review_a_portals_own_feedburner_feeds_do_not_keep_its_dead_story(
    db_url: str, feed_a: str, feed_b: str
) -> None:
    """portal_of makes every FeedBurner feed its own portal by its first folder, and
    _carried_elsewhere no longer looks at the entry at all: a second feed of the SAME portal
    on FeedBurner (a category feed, or the FeedBurner copy of the portal's own feed) is
    'another portal', and the story kabarkukar.com took down (the same link in both feeds)
    is never withdrawn while that feed lists it. 24db8ba (by the entries' links, both on
    kabarkukar.com): withdrawn."""
    link = "https://kabarkukar.com/2026/12/07/rapat-desa/"
    assert _withdrawn(db_url, feed_a, feed_b, link, link) == 1, "its portal took it down"


@pytest.mark.parametrize(
    ("feed_a", "feed_b"),
    [
        # Blogger's own documented feed address: every blog under www.blogger.com/feeds/<id>
        (
            "https://www.blogger.com/feeds/1111111111/posts/default",
            "https://www.blogger.com/feeds/2222222222/posts/default",
        ),
        # a feed maker for portals without a feed (regency sites): rss.app, FetchRSS
        ("https://rss.app/feeds/AbCdEf123.xml", "https://rss.app/feeds/XyZ987654.xml"),
        ("https://fetchrss.com/rss/5f1a2b3c.xml", "https://fetchrss.com/rss/6e7d8c9b.xml"),
    ],
)
def test_review_two_portals_on_one_feed_service_are_two_portals(
    db_url: str, feed_a: str, feed_b: str
) -> None:
    """portal_of knows only FeedBurner (by its first folder) as a service serving many
    portals' feeds: two Blogger portals polled at Blogger's documented address
    (www.blogger.com/feeds/<blogID>/posts/default; the first folder is 'feeds' for all), or
    two regency sites whose feeds a feed maker (rss.app, FetchRSS) serves, are one portal,
    and a story the second still carries is withdrawn (its messages deleted) when the
    first takes its copy down. For the feed makers 24db8ba (entries keyed by links on two
    domains) kept it: a regression; for blogger.com older (Blogger keys by tag: guid)."""
    link_a = "https://kabarkukar.blogspot.com/2026/12/rapat.html"
    link_b = "https://beritakutim.blogspot.com/2026/12/rapat.html"
    keys = ("", "")
    if "blogger.com" in feed_a:  # Blogger keys each post by its tag: guid
        keys = (
            "tag:blogger.com,1999:blog-1111111111.post-1",
            "tag:blogger.com,1999:blog-2222222222.post-2",
        )
    assert _withdrawn(db_url, feed_a, feed_b, link_a, link_b, keys) == 0, (
        "withdrawn while another portal still carries it"
    )
