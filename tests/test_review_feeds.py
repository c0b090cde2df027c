"""A hostile review of what readers get (2026-12-07): the published feeds and pages as real
parsers read them. Each test is a defect found then: it failed before its fix."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import html as lxml_html

from feeds import render_atom, render_json, render_rss
from feeds.pages import render_page
from syndication.config import load
from syndication.publishing import Publisher
from syndication.store import open_store
from tests.conftest import write_config
from tests.test_feeds_pages import strict_html5
from tests.test_feeds_support import all_scopes, entry, make_site
from tests.test_store import OK, item, route, yes

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("title", ["\x00\x07\x1b", "\x85\x9f", "\u200b\u2060", "\ufffe"])
@pytest.mark.parametrize("advertorial", [False, True])
def test_a_title_that_cleans_to_nothing_shows_the_link(title: str, advertorial: bool) -> None:
    """A title of controls or invisible format characters only passed the record's
    `title.strip()`; the Atom renderer then raised feedgen's bare ValueError ("Required
    fields not set"), which the publisher does not catch: one such story stopped every feed.
    The RSS item had no <title>, the JSON Feed item and the page's link an empty one."""
    story = entry(1, title=title, advertorial=advertorial)
    site, scope = make_site(), all_scopes()[0]
    shown = story.link
    for data in (render_rss(site, scope, [story]), render_atom(site, scope, [story])):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0 and [e.title for e in parsed.entries] == [shown]
    assert [i["title"] for i in json.loads(render_json(site, scope, [story]))["items"]] == [shown]
    page = render_page(site, scope, [story])
    strict_html5(page)
    (link,) = lxml_html.fromstring(page).find_class("title")
    assert link.text_content() == story.link


def test_noncharacters_are_dropped_so_the_page_is_valid_html5() -> None:
    """U+FDD0..U+FDEF and U+nFFFE/U+nFFFF of the other planes are XML characters but HTML
    parse errors ("invalid codepoint"), and no reader shows them as anything but a box."""
    story = entry(
        1, title="Banjir\ufdd0 di Tenggarong\U0001fffe", summary="Air\U0010ffff naik\ufdef."
    )
    site, scope = make_site(), all_scopes()[0]
    strict_html5(render_page(site, scope, [story]))
    for data in (
        render_rss(site, scope, [story]),
        render_atom(site, scope, [story]),
        render_json(site, scope, [story]),
    ):
        text = data.decode("utf-8")
        assert "Banjir di Tenggarong" in text
        assert not any(c in text for c in "\ufdd0\ufdef\U0001fffe\U0010ffff")


def _feed_date(path: Path) -> datetime:
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return datetime(*parsed.feed.updated_parsed[:6], tzinfo=UTC)


async def test_a_feed_date_never_goes_back_when_its_newest_story_moves_out(
    tmp_path: Path,
) -> None:
    """A story reclassified out of a category left that feed with an older date (the newest
    remaining story's) than the version before: a reader or cache that goes by the feed's
    date keeps the older version, which still lists the story. Withdrawals keep the date
    (Scope.changed); a reclassification did not."""
    config = load(
        write_config(
            tmp_path / "config.toml",
            db_url=f"sqlite:///{tmp_path}/db.sqlite",
            sources='[[sources]]\nid = "a"\nurl = "https://portal.test/feed"\n',
        )
    )
    store = open_store(config.database_url)
    store.sync_sources([("a", "https://portal.test/feed")])
    clock = [T0]
    publisher = Publisher(config, store, lambda: clock[0])
    feeds = [config.output_dir / f"category/pemerintah.{ext}" for ext in ("atom", "rss")]
    try:
        old = item(1, published=T0 - timedelta(hours=3), updated=T0 - timedelta(hours=3))
        store.ingest("a", [old], T0, OK, route=route, announce=yes)
        await publisher.publish_dirty()
        t1 = T0 + timedelta(hours=1)
        new = item(2, published=t1, updated=t1)
        clock[0] = t1
        store.ingest("a", [new, old], t1, OK, route=route, announce=yes)
        await publisher.publish_dirty()
        assert [_feed_date(f) for f in feeds] == [t1, t1]
        t2 = T0 + timedelta(hours=2)
        moved = replace(new, categories=("bisnis",), content_hash="moved")
        clock[0] = t2
        store.ingest("a", [moved, old], t2, OK, route=route, announce=yes)
        await publisher.publish_dirty()
        parsed = feedparser.parse(feeds[0].read_bytes())
        assert [e.link for e in parsed.entries] == [old.url]  # the story did leave
        assert [_feed_date(f) for f in feeds] == [t2, t2]  # ... and that is news: dated now
        # published again later with nothing changed: the same bytes, the same date
        before = [f.read_bytes() for f in feeds]
        clock[0] = T0 + timedelta(hours=3)
        store.mark_dirty(["category/pemerintah"], clock[0])
        await publisher.publish_dirty()
        assert [f.read_bytes() for f in feeds] == before
        # and so for a new process, which knows only the files
        store.mark_dirty(["category/pemerintah"], clock[0])
        await Publisher(config, store, lambda: clock[0]).publish_dirty()
        assert [f.read_bytes() for f in feeds] == before
    finally:
        store.engine.dispose()
