"""Hostile review of bddef79..a944937 (the ninth review's fixes: a route's bare canonical
refused beside any parameter not a view's or a campaign's, withdrawals telling portals by
urls.portal_of with each feed of a feed service its own portal, an entry's place read from
its key where the key is a link). Each test is a finding and fails on a944937."""

from __future__ import annotations

import pytest

from tests.test_review_ninth import _withdrawn
from tests.test_review_seventh import link_of
from tests.test_review_seventh import page as canonical_page

FB = "https://feeds.feedburner.com"

# --- (1) a portal's own copy on a feed service, keyed by a guid that is no link to it -------


@pytest.mark.parametrize(
    ("feed_a", "feed_b"),
    [
        # a Blogger portal and its FeedBurner copy (Blogger's own "redirect feed" setting)
        ("https://kabarkukar.blogspot.com/feeds/posts/default", f"{FB}/kabarkukar"),
        # the blog at Blogger's documented address and a label feed of it there
        (
            "https://www.blogger.com/feeds/1111111111/posts/default",
            "https://www.blogger.com/feeds/1111111111/posts/default/-/Kukar",
        ),
    ],
)
def test_review_a_blogs_own_copy_on_a_feed_service_does_not_keep_its_dead_story(
    db_url: str, feed_a: str, feed_b: str
) -> None:
    """Blogger keys every post by its tag: guid in every feed of it (FeedBurner passes the
    guid on). _carried_elsewhere reads an entry's place from its key only where the key is
    a link; a tag: guid falls back to the source's portal, and portal_of makes each feed of
    a feed service a portal of its own ('feedburner.com/kabarkukar',
    'blogger.com/feeds/1111111111/posts/default/-/kukar'): the blog's own FeedBurner copy or
    label feed is 'another portal', and the story the blog took down (one dead link in both
    feeds) stays in the feeds and chats while that copy lists it. The ninth review's case
    passes only because its keys were links."""
    link = "https://kabarkukar.blogspot.com/2026/12/rapat-desa.html"
    guid = "tag:blogger.com,1999:blog-1111111111.post-2222222222"
    assert _withdrawn(db_url, feed_a, feed_b, link, link, (guid, guid)) == 1, (
        "its own portal took it down"
    )


@pytest.mark.parametrize(
    "guid",
    [
        # WordPress never rewrites a guid: a portal moved from kabarkukar.com to kabarkukar.id
        "http://kabarkukar.com/?p=123",
        # a portal first built on a staging or local install
        "http://localhost/kabarkukar/?p=123",
    ],
)
def test_review_a_wordpress_portals_feedburner_copy_does_not_keep_its_dead_story(
    db_url: str, guid: str
) -> None:
    """The same hole for WordPress: its guid 'http://<domain>/?p=123' is a link, so
    _carried_elsewhere takes the guid's domain for where the FeedBurner copy's entry is.
    A guid names the domain the post was WRITTEN on (the eighth review's own finding): a
    portal that moved domains, or was built on a staging install, has its FeedBurner copy
    count as another portal carrying the story, and the story it took down (404 on
    kabarkukar.id, the same link in both feeds) is never withdrawn while FeedBurner lists
    it."""
    link = "https://kabarkukar.id/2026/12/07/rapat-desa/"
    feed_a, feed_b = "https://kabarkukar.id/feed/", f"{FB}/kabarkukar"
    assert _withdrawn(db_url, feed_a, feed_b, link, link, (guid, guid)) == 1, (
        "its own portal took it down"
    )


# --- (2) two portals on subdomains of one regency's go.id domain ------------------------------


def test_review_an_agencys_site_on_the_regencys_domain_is_another_portal(db_url: str) -> None:
    """A regency's agencies each run their own site on a subdomain of its go.id domain
    (diskominfo.kukarkab.go.id, dinkes.kukarkab.go.id, each its own WordPress), and the
    regency's main portal (kukarkab.go.id) republishes their releases under its own links.
    portal_of and domain_of make them one portal 'kukarkab.go.id', and the entry's key (the
    agency's own guid, on its own host) is on the dead link's domain too: when the main
    portal takes its copy down, the story is withdrawn (its messages deleted) though
    Diskominfo's site still carries it at its own live link."""
    feed_a, feed_b = "https://kukarkab.go.id/feed/", "https://diskominfo.kukarkab.go.id/feed/"
    link_a = "https://kukarkab.go.id/berita/2026/12/07/rapat-desa/"
    link_b = "https://diskominfo.kukarkab.go.id/2026/12/07/rapat-desa/"
    keys = ("https://kukarkab.go.id/?p=901", "https://diskominfo.kukarkab.go.id/?p=55")
    assert _withdrawn(db_url, feed_a, feed_b, link_a, link_b, keys) == 0, (
        "withdrawn while another portal still carries it"
    )


# --- (3) a route's bare canonical on another host of the same domain ---------------------------


@pytest.mark.parametrize(
    ("canonical", "first", "second"),
    [
        # an agency's subsite of a regency's one-portal CMS, its base URL the main host's
        (
            "https://kukarkab.go.id/berita/detail",
            "https://diskominfo.kukarkab.go.id/berita/detail?id=123",
            "https://diskominfo.kukarkab.go.id/berita/detail?id=124",
        ),
        # a mobile host printing the desktop route without the story
        (
            "https://www.kabar.test/berita/detail",
            "https://m.kabar.test/berita/detail?id=123",
            "https://m.kabar.test/berita/detail?id=124",
        ),
        # a section on the main host for a story on the subsite
        (
            "https://kukarkab.go.id/berita",
            "https://diskominfo.kukarkab.go.id/berita/2026/12/07/rapat-desa",
            "https://diskominfo.kukarkab.go.id/berita/2026/12/08/banjir-tenggarong",
        ),
    ],
)
def test_review_a_bare_route_on_another_host_of_the_domain_is_refused(
    canonical: str, first: str, second: str
) -> None:
    """_names_a_section refuses a bare route (or a section above the page) only on the
    page's own host (_site): the same template's canonical printed from the CMS's base URL
    on the main or desktop host ('https://kukarkab.go.id/berita/detail' for
    'https://diskominfo.kukarkab.go.id/berita/detail?id=123', CodeIgniter's
    base_url(uri_string()) drops the query) is taken as every story's link, so every story
    of the subsite gets one URL and each new one is merged into the first (lost)."""
    html = canonical_page(canonical)
    assert link_of(html, first) != link_of(html, second), "every story gets one link"
