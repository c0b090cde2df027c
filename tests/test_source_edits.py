"""An edited source takes effect (review of 2026-12-06): a new interval made the source due only
when the old one said (30 minutes, a day after a Retry-After), across restarts too since the
time is stored; a new url kept the old address's pauses, failures and "first poll done", so the
new address's backlog went out to the channels."""

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
        assert a.next_poll is None  # due at once
        assert a.consecutive_failures == 1  # the same address: its failures stay
        assert b.next_poll is None and b.consecutive_failures == 0 and not b.alerted
        assert b.url == URL + "baru/" and b.etag is None and not b.first_poll_done

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


def test_a_sources_new_address_lists_backlog_not_news(
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
    news = kukar("baru", "Bupati Kukar Resmikan Jembatan Baru", minutes_ago=1)
    portal.set("/feed/", rss2(b, [news, *first]))
    once(config, fake.token)
    assert [m.text.count("Jembatan Baru") for m in fake.messages] == [1]

    # the admin points the source at the portal's category feed: eight stories of the last
    # hours that the old address never listed are that address's backlog
    older = [kukar(f"k{n}", f"Pemkab Kukar Kabar Kategori Nomor {n}", minutes_ago=180 + n)
             for n in range(8)]  # fmt: skip
    portal.set("/category/pemerintah/feed/", rss2(b, older))
    config.write_text(config.read_text().replace(f"{b}/feed/", f"{b}/category/pemerintah/feed/"))
    once(config, fake.token)
    assert len(fake.messages) == 1, [m.text for m in fake.messages]
    # and what that address lists afterwards is news again
    latest = kukar("k9", "Pemkab Kukar Kabar Terkini", minutes_ago=1)
    portal.set("/category/pemerintah/feed/", rss2(b, [latest, *older]))
    once(config, fake.token)
    assert len(fake.messages) == 2 and "Kabar Terkini" in fake.messages[-1].text
