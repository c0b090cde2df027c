"""Two processes publishing at once on one PostgreSQL database: the files kept in the database
(which every process serves) are the newer rendering, never the older one saved last. Before
the publish lock, a slow publish that read the items first saved its files after a quicker one
that had seen a newer item, and every process then served the feed without that item."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from syndication.config import Config, load
from syndication.publishing import Publisher
from syndication.service import build_app, poll_all, run_once
from syndication.store import open_store
from syndication.store.status import PUBLISH_LOCK
from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_e2e_once import kukar_post

pytestmark = pytest.mark.postgres


async def poll_only(config: Config) -> None:
    app = await build_app(config)
    try:
        await poll_all(app, force=True)
    finally:
        await app.aclose()


def test_a_slow_publish_never_saves_over_a_newer_one(
    tmp_path: Path, portal: Portal, pg_url: str
) -> None:
    first = kukar_post("a", "Pemkab Kukar Bagikan Sembako")
    portal.set("/feed/", rss(portal.url, [first]))
    sources = f'[[sources]]\nid = "p"\nurl = "{portal.url}/feed/"\n'
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = write_config(tmp_path / "one" / "config.toml", db_url=pg_url, sources=sources)
    two = write_config(tmp_path / "two" / "config.toml", db_url=pg_url, sources=sources)
    assert asyncio.run(run_once(load(one))) == 0

    # a newer story stored, not yet published: the slow process's rendering differs from its
    # files, so it writes and shares them
    middle = kukar_post("b", "Pemkab Kukar Perbaiki Jalan Desa", hours=0.7)
    portal.set("/feed/", rss(portal.url, [middle, first]))
    asyncio.run(poll_only(load(one)))
    store = open_store(pg_url)
    slow = Publisher(load(one), store, lambda: datetime.now(UTC))
    reading, go_on = threading.Event(), threading.Event()
    read_items = store.scope_items

    def scope_items(scope: str, limit: int) -> Any:
        items = read_items(scope, limit)
        if scope == "all":  # the slow process has read the feed's items: it stalls here
            reading.set()
            go_on.wait(60)
        return items

    store.scope_items = scope_items  # type: ignore[method-assign]
    slow_run = threading.Thread(target=slow._publish_sync)
    slow_run.start()
    assert reading.wait(60)

    newer = kukar_post("c", "Pemkab Kukar Resmikan Jembatan Baru", hours=0.5)
    portal.set("/feed/", rss(portal.url, [newer, middle, first]))
    codes: list[int] = []
    quick_run = threading.Thread(target=lambda: codes.append(asyncio.run(run_once(load(two)))))
    quick_run.start()

    def waiting_for_the_lock() -> bool:
        with store.engine.connect() as conn:
            query = (
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND objid = :key AND database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            return bool(conn.execute(text(query), {"key": PUBLISH_LOCK}).scalar())

    deadline = time.monotonic() + 60
    while quick_run.is_alive() and not waiting_for_the_lock():
        assert time.monotonic() < deadline, "the quick publish neither finished nor waited"
        time.sleep(0.05)
    go_on.set()
    slow_run.join(60)
    quick_run.join(60)
    assert codes == [0]
    kept = store.file_bodies(["all.rss"])["all.rss"].decode()
    assert all(p.title in kept for p in (newer, middle, first))
    assert newer.title in (tmp_path / "two" / "public" / "all.rss").read_text()
    store.engine.dispose()
