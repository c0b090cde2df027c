"""`explain`: per channel, what became of an item and why (sent, pending, failed, filtered,
or never pushed: backlog, too old, no channel, category not notified)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from syndication.config import Config, load
from syndication.explain import explain_target
from syndication.service import run_once
from syndication.store import Store, open_store
from syndication.store import schema as t
from tests.conftest import write_config
from tests.feedmaker import Post, rss
from tests.portal import Portal


def _post(slug: str, title: str, age: timedelta, category: str = "Pemerintah") -> Post:
    return Post(slug, title, datetime.now(UTC) - age, [category], body=f"<p>{title}.</p>")


def _explain(config: Config, store: Store, portal: Portal, slug: str) -> str:
    text, found = explain_target(config, store, f"{portal.url}/{slug}/")
    assert found, text
    return text.split("telegram (per channel):")[1].split("evidence")[0]


def test_explain_says_per_channel_what_happened_and_why(tmp_path: Path, portal: Portal) -> None:
    old = _post("lama", "Bupati Kutai Kartanegara resmikan pasar lama", timedelta(hours=1))
    portal.set("/feed/", rss(portal.url, [old]))
    path = write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path}/db.sqlite3",
        sources=f'[[sources]]\nid = "uji"\nurl = "{portal.url}/feed/"\n',
        chats={"kukar": "@demo_kukar"},
    )
    config = load(path)
    assert asyncio.run(run_once(config)) == 0  # the first poll: backlog
    posts = [
        old,
        _post("baru", "Bupati Kutai Kartanegara tinjau jalan baru", timedelta(minutes=5)),
        _post("basi", "Pemkab Kutai Kartanegara rapat anggaran", timedelta(days=3)),
        _post("dagang", "Harga cabai di Kutai Kartanegara naik", timedelta(minutes=5), "Bisnis"),
        _post("kota", "Wali Kota Bontang buka festival", timedelta(minutes=5)),
    ]
    portal.set("/feed/", rss(portal.url, posts))
    assert asyncio.run(run_once(config)) == 0  # dry run: no token, messages stay pending
    store = open_store(config.database_url)
    try:
        backlog = _explain(config, store, portal, "lama")
        assert "kukar -> @demo_kukar: not pushed, backlog" in backlog
        assert "first poll of uji" in backlog
        pending = _explain(config, store, portal, "baru")
        assert "kukar -> @demo_kukar: pending, next attempt" in pending
        assert "dry run" in pending
        stale = _explain(config, store, portal, "basi")
        assert "kukar -> @demo_kukar: not pushed, older than max_age" in stale
        assert "3.0 days old" in stale
        business = _explain(config, store, portal, "dagang")
        assert "not pushed, category not notified (bisnis;" in business
        city = _explain(config, store, portal, "kota")
        assert "bontang -> (no channel): not pushed, no channel for regency bontang" in city

        [row] = store.claim_deliveries("t", datetime.now(UTC), timedelta(minutes=1), 10)
        sent_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        store.mark_sent(row.id, sent_at, 4242, "text", row.item.title)
        sent = _explain(config, store, portal, "baru")
        assert "kukar -> @demo_kukar: sent, at 2026-01-02 11:04:05 WITA, message 4242" in sent
        with store.engine.begin() as conn:  # (a row given up on holds no message)
            conn.execute(
                update(t.deliveries).where(t.deliveries.c.id == row.id).values(message_id=None)
            )
        store.mark_failed(row.id, "Bad Request: chat not found")
        failed = _explain(config, store, portal, "baru")
        assert "failed, after 0 attempt(s): Bad Request: chat not found" in failed
        with store.engine.begin() as conn:
            conn.execute(
                update(t.deliveries)
                .where(t.deliveries.c.id == row.id)
                .values(state="filtered", last_error='filter 1: excludes "jalan"')
            )
        filtered = _explain(config, store, portal, "baru")
        assert 'kukar -> @demo_kukar: filtered, filter 1: excludes "jalan"' in filtered
    finally:
        store.engine.dispose()
