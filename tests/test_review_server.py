"""The HTTP server as readers, caches, proxies and monitors use it, from a hostile review: each
test failed before its fix. Real uvicorn on 127.0.0.1, real clients (httpx, raw sockets)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from feeds import create_app, start_server
from feeds.server import RunningServer
from syndication.config import load
from syndication.store import Store, open_store
from syndication.web import build_app
from tests.conftest import write_config
from tests.test_daemon import source
from tests.test_feeds_server import output_dir, raw_get  # noqa: F401


@pytest.fixture
async def server(output_dir: Path) -> AsyncIterator[RunningServer]:  # noqa: F811
    running = await start_server(create_app(output_dir))
    yield running
    await running.stop()


async def test_a_gzip_etag_does_not_validate_for_a_client_without_gzip(
    server: RunningServer,
    output_dir: Path,  # noqa: F811
) -> None:
    """A cache that holds the gzip form asks, for a client that takes no gzip, with the tags
    it holds (RFC 9111 4.3.2). A 304 naming the gzip form told it to send that client gzip
    bytes it cannot read (RFC 9111 4.3.3): only a form this request may get validates."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        gzipped = await client.get("all.rss", headers={"Accept-Encoding": "gzip"})
        gzip_tag = gzipped.headers["etag"]
        assert gzipped.headers["content-encoding"] == "gzip" and gzip_tag.endswith('-gz"')
        plain = await client.get(
            "all.rss", headers={"Accept-Encoding": "identity", "If-None-Match": gzip_tag}
        )
        assert plain.status_code == 200 and "content-encoding" not in plain.headers
        assert plain.content == (output_dir / "all.rss").read_bytes()
        identity_tag = plain.headers["etag"]
        assert identity_tag != gzip_tag
        both = await client.get(
            "all.rss",
            headers={"Accept-Encoding": "identity", "If-None-Match": f"{gzip_tag}, {identity_tag}"},
        )
        assert (both.status_code, both.headers["etag"]) == (304, identity_tag)
        # the unencoded form suits a client that takes gzip too: its tag still validates
        stored = await client.get(
            "all.rss", headers={"Accept-Encoding": "gzip", "If-None-Match": identity_tag}
        )
        assert (stored.status_code, stored.headers["etag"]) == (304, identity_tag)


@pytest.fixture
async def daemon_app(tmp_path: Path) -> AsyncIterator[tuple[RunningServer, Store]]:
    """The daemon's app on a SQLite database, answering the database's calls within 1 s."""
    db = tmp_path / "db.sqlite"
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{db}",
        sources=source("s", "http://127.0.0.1:9/feed"),
    )  # fmt: skip
    config = load(path)
    store = await asyncio.to_thread(open_store, config.database_url)
    config.output_dir.mkdir(parents=True, exist_ok=True)
    app = build_app(config, store, running=lambda: True, database_timeout=1.0)
    running = await start_server(app)
    yield running, store
    await running.stop()
    store.engine.dispose()


async def test_dynamic_answers_are_not_stored_by_caches(
    daemon_app: tuple[RunningServer, Store], server: RunningServer
) -> None:
    """Varnish keeps an answer without Cache-Control for 120 s by default: a monitor behind
    it read a stale /readyz, and /status (sources and their errors) sat in a shared cache."""
    running, _ = daemon_app
    async with httpx.AsyncClient(base_url=running.base_url, timeout=30) as client:
        for url in ("/healthz", "/readyz", "/metrics", "/status", "/status.json"):
            response = await client.get(url)
            assert response.status_code == 200, url
            assert response.headers.get("cache-control") == "no-store", url
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        feed = await client.get("all.rss")
        assert feed.headers["cache-control"] == "public, max-age=300"  # files keep theirs
        assert (await client.get("healthz")).headers.get("cache-control") == "no-store"


async def test_readyz_answers_503_promptly_when_the_database_does_not_answer(
    daemon_app: tuple[RunningServer, Store],
) -> None:
    """A database that hangs (a network partition, a lock held) must read as not ready within
    the probe's patience, not after the driver's timeout (SQLite's 30 s busy wait here, TCP's
    minutes for PostgreSQL); /metrics still answers with the process's own counters. The
    client's timeout (15 s) is under SQLite's busy wait: an answer that waited for the lock
    fails here."""
    running, store = daemon_app
    store.engine.dispose()  # the pool's connections would keep the lock below from being taken
    holder = sqlite3.connect(store.engine.url.database or "", isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")  # WAL with exclusive locking: no one else may read
        async with httpx.AsyncClient(base_url=running.base_url, timeout=15) as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 503 and "database" in ready.text
            metrics = await client.get("/metrics")
            assert metrics.status_code == 200 and "syndication_polls_total" in metrics.text
            assert (await client.get("/status")).status_code == 503
    finally:
        holder.execute("ROLLBACK")
        holder.close()


async def test_an_absolute_form_request_target_is_served(
    server: RunningServer,
    output_dir: Path,  # noqa: F811
) -> None:
    """A server MUST accept `GET http://host/all.rss` (RFC 9112 3.2.2), as a client sends it
    when told the server is its proxy; it was a 404."""
    status, response = await raw_get(server.port, f"http://127.0.0.1:{server.port}/all.rss")
    assert status == 200 and response.endswith((output_dir / "all.rss").read_bytes())
    status, response = await raw_get(server.port, "http://127.0.0.1/../outside.txt")
    assert status == 404 and b"secret" not in response
    # a "[" in the host is no IPv6 address: the target is still read, not a 500 and a
    # traceback in the log for every such request
    for target in ("http://%5B/all.rss", "http://[/all.rss", "http://[::1"):
        status, response = await raw_get(server.port, target)
        assert status in (200, 404), (target, response[:200])


async def test_metrics_leave_out_a_source_taken_out_of_the_config(
    daemon_app: tuple[RunningServer, Store],
) -> None:
    """A source removed from config.toml keeps its row (its history), but its gauges went on
    saying it failed: an alert on consecutive failures never cleared."""
    running, store = daemon_app
    now = datetime.now(UTC)
    store.sync_sources([("s", "http://127.0.0.1:9/feed"), ("gone", "http://127.0.0.1:9/old")])
    store.record_failure("gone", now, "http", "HTTP 500", now)
    store.record_failure("s", now, "http", "HTTP 500", now)
    async with httpx.AsyncClient(base_url=running.base_url, timeout=30) as client:
        # the store's gauges are left out of an answer whose database read passed the app's
        # 1 s patience (a loaded machine): asked again until they are in
        for _ in range(60):
            text = (await client.get("/metrics")).text
            if "syndication_source_consecutive_failures" in text:
                break
            await asyncio.sleep(0.5)
    assert 'syndication_source_consecutive_failures{source="s"} 1.0' in text
    assert 'source="gone"' not in text
