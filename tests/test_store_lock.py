"""A running daemon on SQLite while another process holds the database's write lock: HTTP
answers (no database call runs on the event loop) and reads go on (reads take no write lock)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from syndication.store import Store, open_engine
from tests.feedmaker import Post, rss
from tests.portal import Portal
from tests.test_daemon import DaemonProcess, daemon_config, daemons_fixture, wait_until

__all__ = ["daemons_fixture"]  # the fixture, imported for this module's tests

HOLD = 12.0  # seconds the test holds the write lock: well past the article page's delay
ARTICLE_DELAY = 3.0


def test_healthz_and_reads_answer_while_another_process_holds_the_write_lock(
    tmp_path: Path, portal: Portal, daemons: Callable[..., DaemonProcess]
) -> None:
    db = tmp_path / "db.sqlite3"
    # an entry without categories is enriched from its article page (enrich = true): the poll
    # is past its reads and waits for that page when the test takes the lock, and goes on to
    # route and store the entry while the lock is held
    post = Post("berita", "Bupati Kukar Meresmikan Jembatan di Tenggarong",
                datetime.now(UTC) - timedelta(minutes=30), [], "")  # fmt: skip
    portal.set("/feed/", rss(portal.url, [post]))
    portal.set("/berita/", "<html><body><h1>x</h1></body></html>", content_type="text/html",
               delay=ARTICLE_DELAY)  # fmt: skip
    sources = f'\n[[sources]]\nid = "portal"\nurl = "{portal.url}/feed/"\ninterval = "1h"\n'
    sources += "enrich = true\n"
    config = daemon_config(tmp_path / "config.toml", db_url=f"sqlite:///{db}",
                           sources=sources, server=True, chats={})  # fmt: skip
    daemon = daemons(config)
    url = daemon.url
    wait_until(lambda: bool(portal.hits_for("/feed/")), 30, "the feed's poll", daemon)
    time.sleep(ARTICLE_DELAY / 3)  # the poll has read what it needs and waits for the page
    holder = sqlite3.connect(db, timeout=30, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write, held
    try:
        held_since = time.monotonic()
        answered = 0
        with httpx.Client(timeout=5.0) as client:
            while time.monotonic() - held_since < HOLD - 2:
                assert client.get(url + "healthz").status_code == 200
                answered += 1
                time.sleep(0.5)
            assert client.get(url + "readyz").status_code == 200  # a read of the database
        store = Store(open_engine(f"sqlite:///{db}"))  # no migration: that writes
        try:
            assert store.source_statuses()[0].id == "portal"  # reads take no write lock
        finally:
            store.engine.dispose()
        assert answered >= 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # the poll that waited for the lock stores its entry once the lock is gone
    daemon.wait_log("event=poll source=portal status=ok", timeout=60)
    assert daemon.stop() == 0


def test_a_publish_that_failed_is_tried_again_without_a_new_item(
    tmp_path: Path, portal: Portal, daemons: Callable[..., DaemonProcess]
) -> None:
    when = datetime.now(UTC) - timedelta(minutes=30)
    title = "Bupati Kukar Meresmikan Jembatan di Tenggarong"
    post = Post("berita", title, when, ["Pemerintah"], "<p>TENGGARONG</p>")
    portal.set("/feed/", rss(portal.url, [post]))
    sources = f'\n[[sources]]\nid = "portal"\nurl = "{portal.url}/feed/"\ninterval = "1h"\n'
    config = daemon_config(tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path / 'db'}",
                           sources=sources, chats={})  # fmt: skip
    in_the_way = tmp_path / "public" / "all.rss"
    in_the_way.mkdir(parents=True)  # a folder where the feed goes: every publish fails
    daemon = daemons(config)
    daemon.wait_log("event=poll source=portal status=ok", timeout=30)
    times = daemon.count("event=publish_failed") + 1
    daemon.wait_log("event=publish_failed", timeout=30, times=times)  # after the poll's publish
    in_the_way.rmdir()
    wait_until(in_the_way.is_file, 60, "all.rss published again", daemon)
    wait_until(lambda: post.title in in_the_way.read_text(encoding="utf-8"), 30, "the item", daemon)
    assert daemon.stop() == 0
