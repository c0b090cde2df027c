"""A `[feeds] base_url` with a path: the server answers at every link the published files carry
(index.html, the feeds, feeds.opml), not only at the root."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from feeds.server import start_server
from syndication.config import load
from syndication.service import run_once
from syndication.store import open_store
from syndication.web import build_app
from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_daemon import source
from tests.test_e2e_once import kukar_post


async def test_files_are_served_under_the_base_url_path(tmp_path: Path, portal: Portal) -> None:
    base = "http://127.0.0.1:18773/berita/feeds/"
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite",
        sources=source("portal", f"{portal.url}/feed/"),
    )  # fmt: skip
    path.write_text(
        path.read_text().replace('base_url = "http://127.0.0.1:8080/"', f'base_url = "{base}"')
    )
    portal.set("/feed/", rss(portal.url, [kukar_post("satu", "Pemkab Kukar Buka Pelatihan UMKM")]))
    config = load(path)
    assert await run_once(config) == 0
    store = await asyncio.to_thread(open_store, config.database_url)
    running = await start_server(build_app(config, store))
    try:
        links: set[str] = set()
        for name in ("index.html", "all.rss", "feeds.opml", "regency/kukar.atom"):
            text = (config.output_dir / name).read_text(encoding="utf-8")
            links |= set(re.findall(re.escape(base) + r'[^"<\s]*', text))
        links = {link for link in links if not link.endswith("/category/")}  # an Atom scheme
        assert base + "all.rss" in links and base + "regency/kukar.html" in links
        served = running.base_url.rstrip("/")
        async with httpx.AsyncClient(timeout=30) as client:
            for link in sorted(links):
                resp = await client.get(served + link.removeprefix("http://127.0.0.1:18773"))
                assert resp.status_code == 200, link
            index = await client.get(served + "/berita/feeds/")
            assert index.status_code == 200 and "all.rss" in index.text
            assert (await client.get(served + "/all.rss")).status_code == 200  # the root too
            assert (await client.get(served + "/healthz")).text == "ok\n"
            assert (await client.get(served + "/status.json")).status_code == 200
            assert (await client.get(served + "/berita/feeds/../../config.toml")).status_code == 404
            assert (await client.get(served + "/berita/feedsx/all.rss")).status_code == 404
    finally:
        await running.stop()
        store.engine.dispose()


async def test_a_reloaded_base_url_moves_the_served_path(tmp_path: Path) -> None:
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite",
        sources=source("portal", "http://127.0.0.1:9/feed/"),
    )  # fmt: skip
    text = path.read_text()
    before = load(path)
    path.write_text(text.replace('base_url = "http://127.0.0.1:8080/"', 'base_url = "http://x/a/"'))
    after = load(path)
    before.output_dir.mkdir(parents=True, exist_ok=True)
    (before.output_dir / "all.rss").write_text("<rss/>", encoding="utf-8")
    current = [before]
    store = await asyncio.to_thread(open_store, before.database_url)
    running = await start_server(build_app(before, store, current_config=lambda: current[0]))
    try:
        async with httpx.AsyncClient(base_url=running.base_url, timeout=30) as client:
            assert (await client.get("/a/all.rss")).status_code == 404
            current[0] = after  # what a daemon's hot reload does
            assert (await client.get("/a/all.rss")).status_code == 200
            assert (await client.get("/all.rss")).status_code == 200
    finally:
        await running.stop()
        store.engine.dispose()
