"""router's migrated chats: read once per cycle, not once per poll; a migration recorded in
this process is seen at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from syndication.config import load
from syndication.routes import MigratedChats
from syndication.service import build_app, poll_all
from syndication.store import open_store
from tests.conftest import write_config
from tests.pinned_feeds import feed
from tests.portal import Portal

NOW = datetime(2024, 5, 21, tzinfo=UTC)


def channel_reads(engine: Any) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM channels" in statement and "migrated" in statement:
            seen.append(statement)

    return seen


def test_a_cycle_of_polls_reads_migrated_chats_once(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    sources = ""
    for i in range(4):
        portal.set(f"/f{i}/feed/", feed(i, 3))
        sources += f'[[sources]]\nid = "f{i}"\nurl = "{portal.url}/f{i}/feed/"\n'
    config = load(write_config(tmp_path / "c.toml", db_url=db_url, sources=sources))

    async def cycle() -> list[str]:
        app = await build_app(config)
        try:
            reads = channel_reads(app.store.engine)
            outcomes = await poll_all(app, force=True)
            assert [o.status for o in outcomes] == ["new"] * 4
            return reads
        finally:
            await app.aclose()

    assert len(asyncio.run(cycle())) == 1


def test_a_recorded_migration_is_seen_at_once(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        reads = channel_reads(store.engine)
        cache = MigratedChats()
        assert cache.get(store, NOW) == {}
        assert cache.get(store, NOW + timedelta(seconds=5)) == {}
        assert len(reads) == 1
        store.migrate_chat("-100", "-200", NOW)
        assert cache.get(store, NOW + timedelta(seconds=6)) == {"-100": "-200"}
        assert cache.get(store, NOW + timedelta(seconds=120)) == {"-100": "-200"}
        cache.new_cycle()
        cache.get(store, NOW + timedelta(seconds=121))
        assert len(reads) == 4  # read again: migration, ttl, new cycle
    finally:
        store.engine.dispose()
