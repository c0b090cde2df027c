"""The hourly retention asks for a publish when it removed items: the index shows each feed's
story count, which a prune changes without marking any feed dirty (a feed window keeps its
stories), so the index kept the old counts until some new story came."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from syndication.config import load
from syndication.scheduler import Daemon
from syndication.service import build_app
from tests.conftest import write_config
from tests.test_store import OK, item, route


def test_a_retention_that_removed_items_refreshes_the_index(tmp_path: Path) -> None:
    path = write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        sources='[[sources]]\nid = "a"\nurl = "http://127.0.0.1:9/feed/"\n',
    )
    path.write_text(
        path.read_text().replace('publish_delay = "0s"', 'publish_delay = "0s"\nitems_per_feed = 2')
    )
    now = datetime.now(UTC)

    async def scenario() -> tuple[str, str, int]:
        app = await build_app(load(path))
        daemon = Daemon(path, app)
        old = [
            replace(item(i), source_id="a", published=now - timedelta(days=200 + i))
            for i in range(6)
        ]
        # read 100 days ago and not listed since: retention may take them
        seen = now - timedelta(days=100)
        app.store.ingest("a", old, seen, OK, route=route, announce=lambda _: False)
        await app.publisher.publish_dirty()
        index = app.config.output_dir / "index.html"
        before = index.read_text()
        daemon.scheduler.start()
        try:
            await daemon._retention()
            removed = 6 - app.store.counts()["items"]
            deadline = time.monotonic() + 30
            while index.read_text() == before and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            while daemon.inflight:
                await asyncio.sleep(0.02)
            return before, index.read_text(), removed
        finally:
            daemon.scheduler.shutdown(wait=False)
            await app.aclose()

    before, after, removed = asyncio.run(scenario())
    assert removed == 4  # the two newest stay: each feed's window
    assert after != before  # the counts the index shows were written again
