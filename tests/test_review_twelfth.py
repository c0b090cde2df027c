"""Twelfth hostile read of the sitting's change (each test failing before a fix)."""

from __future__ import annotations

from datetime import timedelta

from syndication.store import Store
from syndication.urls import portal_of
from tests.test_store import NOW, OK, fresh_store, item, route, yes


def test_review_a_second_portals_dead_copy_does_not_withdraw_the_live_shown_story(
    db_url: str,
) -> None:
    """_carried_elsewhere measures 'the dead link' by the item's shown URL. In
    withdraw_entries (a page of the source's own listing answering 404/410) the dead link is
    that source's entry, not the item's: portal B's copy going 404 while B still lists it
    finds portal A's entry on the item's own domain, takes it for a copy of the dead link,
    and withdraws the story whose shown link (A's) still answers and A still lists: the
    story leaves every feed and its message is deleted."""
    store: Store = fresh_store(db_url)
    feed_a, feed_b = "https://kabarkukar.id/feed/", "https://beritakutim.com/feed/"
    store.sync_sources([("a", feed_a), ("b", feed_b)])
    polled = {"a": portal_of(feed_a), "b": portal_of(feed_b)}
    link_a = "https://kabarkukar.id/2026/12/rapat-desa/"
    link_b = "https://beritakutim.com/2026/12/rapat-desa/"
    first = item(1, url=link_a, entry_key=link_a, url_key="kabarkukar.id/2026/12/rapat-desa")
    store.ingest("a", [first], NOW, OK, route=route, announce=yes)
    # the same story on another portal: merged into A's item by its title (one message)
    copy = item(1, source_id="b", url=link_b, entry_key=link_b,
                url_key="beritakutim.com/2026/12/rapat-desa")  # fmt: skip
    assert store.ingest("b", [copy], NOW, OK, route=route, announce=yes).duplicates == 1
    assert store.counts()["items"] == 1
    later = NOW + timedelta(minutes=5)
    done = store.withdraw_entries("b", {link_b: "404 Not Found"}, later, polled)
    assert done == 0, "portal B's dead copy withdrew the story portal A still carries"


def test_review_a_home_canonical_with_a_view_query_does_not_merge_every_story() -> None:
    """_names_a_section returns False for any canonical with a query ('/?p=123' is a post),
    so a template printing the home page with only a view's or a language's query as every
    page's canonical (WPML/Polylang's '/?lang=id', '/?amp=1': parameters _names_story itself
    says name no story) gives every story that one link: each new story shares the first's
    entry key and url key and is merged into it as its duplicate, lost silently, the very
    failure 0513310 fixed for the bare home."""
    from datetime import UTC, datetime

    from syndication.normalize import normalize_entry
    from syndication.sources.html import extract_article
    from syndication.types import NormalizeContext
    from tests.test_review_seventh import page

    now = datetime.now(UTC)
    ctx = NormalizeContext(regencies=(), categories=())
    keys = []
    for canonical in ("https://kabarbenua.id/?lang=id", "https://kabarbenua.id/?amp=1"):
        for slug in ("rapat-desa-di-kukar", "banjir-di-tenggarong"):
            raw = extract_article(
                page(canonical), f"https://kabarbenua.id/berita/2026/12/01/{slug}"
            )
            it = normalize_entry(raw, ctx, now, now)  # type: ignore[arg-type]
            keys.append((canonical, it.url_key, it.entry_key))
    for canonical in ("https://kabarbenua.id/?lang=id", "https://kabarbenua.id/?amp=1"):
        two = [(u, e) for c, u, e in keys if c == canonical]
        assert two[0][0] != two[1][0] and two[0][1] != two[1][1], (
            f"two stories under the canonical {canonical} are one story: {two}"
        )
