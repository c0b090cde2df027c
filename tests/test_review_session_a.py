"""Second review of the day's hostile reviews (fetch, config, scheduler, store, delivery): each
test a defect one of those fixes left or brought (the real fetcher, daemon, SQLite and
PostgreSQL; loopback servers; no mocks)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from syndication.config import load
from syndication.errors import StorageError
from syndication.scheduler import Daemon
from syndication.service import build_app
from tests.conftest import write_config
from tests.rawsock import Serve, read_request
from tests.test_fetch_login import BASIC, _login


def _recording(heads: list[str]) -> Serve:
    def serve(conn: socket.socket, number: int) -> None:
        while head := read_request(conn).decode("latin-1"):
            heads.append(head)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    return serve


def _sources(*pairs: tuple[str, str]) -> str:
    return "".join(f'[[sources]]\nid = "{i}"\nurl = "{u}"\n' for i, u in pairs)


def test_a_login_taken_out_of_the_config_is_no_longer_sent(
    tmp_path: Path, raw_server: Callable[[Serve], int]
) -> None:
    """The fetcher remembers a source URL's login per origin (commit cf164d0) for the life of
    the process: a reload that wrote the URL without its password (the portal went public, or
    the login was put on the wrong portal) or removed the source still sent it with every
    request to that origin until a restart."""
    heads: list[str] = []
    port = raw_server(_recording(heads))
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    private = f"http://pembaca:Rahasia%2042@127.0.0.1:{port}/listing"
    path = write_config(tmp_path / "config.toml", db_url=db, sources=_sources(("p", private)))

    async def scenario() -> None:
        app = await build_app(load(path))
        try:
            daemon = Daemon(path, app)
            await app.runtime.fetcher.get(private)
            public = _sources(("p", f"http://127.0.0.1:{port}/listing"))
            write_config(path, db_url=db, sources=public)
            await daemon.apply(load(path))
            await app.runtime.fetcher.get(f"http://127.0.0.1:{port}/berita/1")
        finally:
            await app.aclose()

    asyncio.run(scenario())
    assert _login(heads, "/listing") == BASIC
    assert _login(heads, "/berita/1") is None


def test_a_reload_cut_short_then_undone_keeps_every_source_scheduled(
    tmp_path: Path, pg_url: str
) -> None:
    """A reload that failed on the database after the scheduler had followed it (the feeds
    marked dirty last) left `applied` at the old config with the jobs of the new one: a save
    that put the file back as it was then looked unchanged, and a source the failed save had
    taken out was never polled again until a restart."""
    db = pg_url + "?options=-c%20lock_timeout%3D300"  # a locked table fails, as an outage does
    path = tmp_path / "config.toml"
    both = _sources(("a", "http://127.0.0.1:9/a/"), ("x", "http://127.0.0.1:9/x/"))
    write_config(path, db_url=db, sources=both)
    before = path.read_text()
    # x taken out, and a feed title changed: the feeds are marked dirty after the jobs moved
    write_config(path, db_url=db, sources=_sources(("a", "http://127.0.0.1:9/a/")))
    changed = path.read_text().replace('language = "id"', 'language = "id"\ntitle = "Baru"')

    async def scenario() -> bool:
        path.write_text(before)
        app = await build_app(load(path))
        try:
            daemon = Daemon(path, app)
            daemon._schedule_all()
            path.write_text(changed)
            with psycopg.connect(pg_url) as conn:  # the feeds' marks are away for a moment
                conn.execute("LOCK TABLE dirty_scopes IN ACCESS EXCLUSIVE MODE")
                with pytest.raises(StorageError):
                    await daemon.apply(load(path))
            path.write_text(before)  # the admin puts the file back
            await daemon.apply(load(path))
            return daemon.scheduler.get_job("source:x") is not None
        finally:
            await app.aclose()

    assert asyncio.run(scenario()), "source x is no longer scheduled"
