"""A real feed reader (newsboat) reads the published feeds from a real uvicorn on 127.0.0.1.

newsboat 2.21 (Debian 12) stores a feed's ETag/Last-Modified only once the feed is already in
its cache, so its *third* reload is the first to send If-None-Match; the test reloads until one
pass is all 304s (at most three passes) instead of assuming the second one is.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feeds import Site, create_app, publish, start_server
from feeds.render import display_title, select_entries
from tests.test_feeds_support import all_scopes, hostile_entries, make_site

pytestmark = pytest.mark.skipif(
    shutil.which("newsboat") is None, reason="newsboat is not installed (apt-get install newsboat)"
)


class StatusLog:
    """ASGI middleware remembering (path, status) of every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[tuple[str, int]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen.append((scope["path"], message["status"]))
            await send(message)

        await self.app(scope, receive, record)


async def reload(home: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        "newsboat",
        "-x",
        "reload",
        "-u",
        str(home / "urls"),
        "-c",
        str(home / "cache.db"),
        "-C",
        str(home / "config"),
        env={
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home),
            "XDG_DATA_HOME": str(home),
        },
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, (out, err)


def cached_items(home: Path) -> dict[str, list[tuple[str, str, int]]]:
    with sqlite3.connect(home / "cache.db") as db:
        rows = db.execute(
            "SELECT feedurl, title, url, pubDate FROM rss_item ORDER BY id"
        ).fetchall()
    items: dict[str, list[tuple[str, str, int]]] = {}
    for feed, title, url, stamp in rows:
        items.setdefault(feed, []).append((title, url, stamp))
    return items


def expected_items(site: Site) -> list[tuple[str, str, int]]:
    return [
        (display_title(e), e.link, int(e.published.timestamp()))
        for e in select_entries(hostile_entries(), site.items_per_feed)
    ]


async def test_newsboat_reads_every_item_then_gets_304s(tmp_path: Path) -> None:
    root = tmp_path / "public"
    log = StatusLog(create_app(root))
    running = await start_server(log)
    try:
        site = make_site(running.base_url)
        scopes = all_scopes()
        empty = "regency/kaltim"
        publish(site, root, [(s, [] if s.path == empty else hostile_entries()) for s in scopes])
        names = ["all.rss", "all.atom", "regency/kukar/pemerintah.rss", f"{empty}.atom"]
        # One newsboat per feed: it keys items by guid across feeds, and every feed here holds
        # the same stories (same ids), so a shared cache would keep each story once.
        homes = [
            reader_home(tmp_path / f"reader{n}", site.url(name)) for n, name in enumerate(names)
        ]

        await asyncio.gather(*(reload(home) for home in homes))
        for home, name in zip(homes, names, strict=True):
            items = cached_items(home).get(site.url(name), [])
            expected = [] if name.startswith(empty) else expected_items(site)
            assert sorted(items) == sorted(expected), name

        passes = []
        for _ in range(3):
            before = len(log.seen)
            await asyncio.gather(*(reload(home) for home in homes))
            passes.append(sorted(status for _, status in log.seen[before:]))
            if passes[-1] == [304] * len(names):
                break
        assert passes[-1] == [304] * len(names), passes
        assert {path.lstrip("/") for path, _ in log.seen} == set(names)
    finally:
        await running.stop()


def reader_home(home: Path, url: str) -> Path:
    home.mkdir()
    (home / "config").write_text('user-agent "syndication-tests"\n')
    (home / "urls").write_text(f"{url}\n")
    return home
