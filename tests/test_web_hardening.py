"""The HTTP servers (feeds/server.py alone and the daemon's app) over real sockets: security
headers on every response, a path too long for the file system is a 404, and connections
that never send (or dribble) their request headers are closed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from feeds import create_app, start_server
from feeds.server import RunningServer
from syndication.config import load
from syndication.store import open_store
from syndication.web import build_app
from tests.conftest import write_config
from tests.test_daemon import source


def _check_headers(resp: httpx.Response) -> None:
    csp = resp.headers.get("content-security-policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, resp.url
    assert "script-src" not in csp, (resp.url, csp)
    assert resp.headers.get("x-content-type-options") == "nosniff", resp.url
    assert resp.headers.get("referrer-policy") == "no-referrer", resp.url


async def test_file_server_headers_and_long_paths(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>", encoding="utf-8")
    (tmp_path / "all.rss").write_text("<rss version='2.0'/>", encoding="utf-8")
    running = await start_server(create_app(tmp_path))
    try:
        async with httpx.AsyncClient(base_url=running.base_url, timeout=30) as client:
            page = await client.get("/")
            assert page.status_code == 200
            _check_headers(page)
            _check_headers(await client.get("/healthz"))
            feed = await client.get("/all.rss")
            assert feed.status_code == 200
            _check_headers(feed)
            missing = await client.get("/nothing.html")
            assert missing.status_code == 404
            _check_headers(missing)
            deep = await client.get("/" + "/".join(["a"] * 3000))
            assert deep.status_code == 404
            _check_headers(deep)
            long_name = await client.get("/" + "b" * 4000 + ".rss")
            assert long_name.status_code == 404
    finally:
        await running.stop()


async def _closed_by_server(running: RunningServer, sent: bytes) -> bool:
    """Open a raw connection, send `sent` (maybe nothing), and wait for the server to close."""
    reader, writer = await asyncio.open_connection("127.0.0.1", running.port)
    try:
        if sent:
            writer.write(sent)
            await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout=60)
        return b"200 OK" not in data
    finally:
        writer.close()


async def test_idle_and_dribbling_connections_are_closed(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("hello", encoding="utf-8")
    running = await start_server(create_app(tmp_path), header_timeout=0.5)
    try:
        idle = [asyncio.create_task(_closed_by_server(running, b"")) for _ in range(20)]
        partial = _closed_by_server(running, b"GET / HTTP/1.1\r\nHost: x\r\n")
        assert all(await asyncio.gather(*idle, partial))
        # a real request on a fresh connection is still answered
        async with httpx.AsyncClient(timeout=30) as client:
            assert (await client.get(running.base_url)).text == "hello"
    finally:
        await running.stop()


async def test_daemon_app_carries_the_headers(tmp_path: Path) -> None:
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite",
        sources=source("s", "http://127.0.0.1:9/feed"),
    )  # fmt: skip
    config = load(path)
    store = await asyncio.to_thread(open_store, config.database_url)
    config.output_dir.mkdir(parents=True, exist_ok=True)
    running = await start_server(build_app(config, store, running=lambda: True))
    try:
        async with httpx.AsyncClient(base_url=running.base_url, timeout=30) as client:
            for url in ("/status", "/status.json", "/readyz", "/metrics"):
                resp = await client.get(url)
                assert resp.status_code == 200, url
                _check_headers(resp)
            _check_headers(await client.get("/" + "/".join(["a"] * 3000)))
    finally:
        await running.stop()
        store.engine.dispose()
