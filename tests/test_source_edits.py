"""An edited source takes effect (review of 2026-12-06): a new interval made the source due only
when the old one said (30 minutes, a day after a Retry-After), across restarts too since the
time is stored; a new url kept the old address's pauses and failures. It stays the same source
(CONTRACT: only its very first poll's listing is backlog): a portal that moved its feed loses
no story."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syndication.store import open_store
from tests.acceptance_kit import config_text, kukar, once, rss2, source, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
URL = "https://portal.test/feed/"


def test_a_new_interval_makes_the_source_due_and_a_new_url_a_new_source(db_url: str) -> None:
    store = open_store(db_url)
    try:
        store.sync_sources([("a", URL, "feed", "3600/-"), ("b", URL, "feed", "3600/-")])
        for sid in ("a", "b"):
            later = NOW + timedelta(days=1)  # a Retry-After of a day
            store.record_failure(sid, NOW, "http", "503 maintenance", later, 503)
        store.sync_sources([("a", URL, "feed", "3600/-"), ("b", URL, "feed", "3600/-")])
        assert store.source_state("a").next_poll is not None  # nothing changed: kept

        store.sync_sources([("a", URL, "feed", "2/-"), ("b", URL + "baru/", "feed", "3600/-")])
        a, b = store.source_state("a"), store.source_state("b")
        # a new interval never overrides the portal's Retry-After (nor a backoff): the same
        # address asked for a day (tests/test_review_sixteenth_ops.py)
        assert a.next_poll == later
        assert a.consecutive_failures == 1  # the same address: its failures stay
        assert b.next_poll is None and b.consecutive_failures == 0 and not b.alerted
        assert b.url == URL + "baru/" and b.etag is None

        # a row an older version wrote (no kind, no schedule) is only filled in
        store.sync_sources([("old", URL)])
        store.record_failure("old", NOW, "http", "503", NOW + timedelta(hours=1), 503)
        store.sync_sources([("old", URL, "html", "300/-")])
        assert store.source_state("old").next_poll is not None
        store.sync_sources([("old", URL, "feed", "300/-")])  # now a real change of kind
        assert store.source_state("old").next_poll is None
    finally:
        store.engine.dispose()


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def test_a_moved_feeds_news_is_pushed_and_its_old_stories_are_not_again(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    first = [kukar("lama", "Pemkab Kukar Gelar Rapat Awal", minutes_ago=300)]
    portal.set("/feed/", rss2(b, first))
    chats = {"kukar": "@kabar_kukar"}
    config = write(
        tmp_path, config_text(source("utama", f"{b}/feed/"), chats=chats, api_url=fake.url)
    )
    once(config, fake.token)  # the first poll: backlog
    news = kukar("baru", "Bupati Kukar Resmikan Jembatan Baru", minutes_ago=30)
    portal.set("/feed/", rss2(b, [news, *first]))
    once(config, fake.token)
    assert len(fake.messages) == 1

    # the portal moves its feed, the old address answers 503 with a day's Retry-After, and
    # a story appears meanwhile: the admin's fix of the url brings it at once
    portal.set("/feed/", "maintenance", status=503, headers={"Retry-After": "86400"})
    once(config, fake.token)
    moved = kukar("pindah", "Pemkab Kukar Buka Festival Erau", minutes_ago=2)
    portal.set("/rss/", rss2(b, [moved, news, *first]))
    config.write_text(config.read_text().replace(f"{b}/feed/", f"{b}/rss/"))
    once(config, fake.token)
    texts = [m.text for m in fake.messages]
    assert len(texts) == 2 and "Festival Erau" in texts[-1], texts  # news, each story once


def test_a_poll_of_the_old_address_does_not_undo_the_change(db_url: str) -> None:
    """A poll claimed before a reload changed the url ends after it: its validators, redirect
    and success belong to the old address and are not stored over the new one's state."""
    from syndication.store import Claim, SourceSuccess

    store = open_store(db_url)
    try:
        store.sync_sources([("a", URL, "feed", "300/-")])
        (state,) = store.claim_sources([Claim("a", "w1", NOW, timedelta(seconds=60), True)])
        assert state is not None and state.url == URL
        store.sync_sources([("a", URL + "baru/", "feed", "300/-")])  # the reload
        ok = SourceSuccess(
            etag='"lama"', last_modified=None, body_hash="h", status=200,
            next_poll=NOW + timedelta(hours=1), permanent_url=URL + "dipindah/", url=state.url,
        )  # fmt: skip
        store.record_unchanged("a", NOW, ok)
        after = store.source_state("a")
        assert after.url == URL + "baru/" and after.fetch_url == URL + "baru/"
        assert after.etag is None and after.next_poll is None
    finally:
        store.engine.dispose()
