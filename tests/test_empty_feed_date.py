"""An empty scope's feeds carry the date the site first published (kept in the store), not
1970-01-01, and keep their bytes when published again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser

from syndication.config import load
from syndication.publishing import Publisher
from syndication.service import run_once
from syndication.store import open_store
from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_daemon import source
from tests.test_e2e_once import kukar_post


async def test_empty_feeds_carry_the_first_publish_date(tmp_path: Path, portal: Portal) -> None:
    portal.set("/feed/", rss(portal.url, [kukar_post("satu", "Pemkab Kukar Buka Pelatihan")]))
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite",
        sources=source("portal", f"{portal.url}/feed/"),
    )  # fmt: skip
    config = load(path)
    before = datetime.now(UTC).replace(microsecond=0)
    assert await run_once(config) == 0
    out = config.output_dir
    names = ("regency/kaltim.rss", "regency/kaltim.atom", "regency/kaltim.json")
    first = {name: (out / name).read_bytes() for name in names}
    for name in names[:2]:
        parsed = feedparser.parse(first[name])
        assert parsed.bozo == 0 and parsed.entries == [], name
        assert b"1970" not in first[name], name
    updated = feedparser.parse(first["regency/kaltim.atom"]).feed.updated
    assert datetime.fromisoformat(updated) >= before
    rss_date = feedparser.parse(first["regency/kaltim.rss"]).feed.updated_parsed
    assert datetime(*rss_date[:6], tzinfo=UTC) == datetime.fromisoformat(updated)
    store = await asyncio.to_thread(open_store, config.database_url)
    try:
        stored = store.get_event("feeds_first_published")
        assert stored is not None
        assert datetime.fromisoformat(stored) == datetime.fromisoformat(updated)
        # rendered again, a year later, by another publisher: the same bytes
        later = datetime.now(UTC) + timedelta(days=365)
        store.mark_dirty(["regency/kaltim"], later)
        publisher = Publisher(config, store, clock=lambda: later)
        await publisher.publish_dirty()
        assert store.dirty_scopes() == []  # it did publish the scope
    finally:
        store.engine.dispose()
    assert {name: (out / name).read_bytes() for name in names} == first


def test_the_first_publish_date_is_the_first_setters_for_every_process(db_url: str) -> None:
    """Two processes that both found no date set theirs together: each gets the first one's
    back, so their empty feeds carry the same date (found by a hostile read)."""
    from datetime import UTC, datetime, timedelta

    from tests.test_store import fresh_store

    store = fresh_store(db_url)
    first = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
    second = first + timedelta(seconds=7)
    assert store.first_event("feeds_first_published", first.isoformat(), first) == first.isoformat()
    got = store.first_event("feeds_first_published", second.isoformat(), second)
    assert got == first.isoformat()
    assert store.get_event("feeds_first_published") == first.isoformat()
