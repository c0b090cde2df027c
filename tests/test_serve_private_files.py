"""output_dir = "." beside a database the admin named freely (storage "sqlite:///state.data")
and a log: the server served the database (a private feed's password in its sources table)
and the log. It serves only the kinds of file the publisher writes, and never a SQLite
database, whatever its name."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from feeds import create_app, publish
from tests.test_feeds_support import all_scopes, hostile_entries, make_site

PASSWORD = "PaSsW0rdZZ"


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    root = tmp_path / "public"
    publish(make_site(), root, [(s, hostile_entries()) for s in all_scopes()])
    for name in ("state.data", "feeds.json.bak", "kabar.json"):
        db = sqlite3.connect(root / name)
        db.execute("create table sources (url text)")
        db.execute("insert into sources values (?)", (f"http://u:{PASSWORD}@portal.test/feed/",))
        db.commit()
        db.close()
    (root / "daemon.err").write_text(f"fetch http://u:{PASSWORD}@portal.test/ failed\n")
    (root / "NOTES").write_text(PASSWORD)
    return root


@pytest.fixture
async def client(output_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(output_dir))
    async with httpx.AsyncClient(transport=transport, base_url="http://feeds.test") as c:
        yield c


@pytest.mark.parametrize(
    "name", ["state.data", "feeds.json.bak", "kabar.json", "daemon.err", "NOTES"]
)
async def test_no_database_nor_log_is_served(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/{name}")
    assert response.status_code == 404
    assert PASSWORD.encode() not in response.content


@pytest.mark.parametrize("name", ["all.rss", "all.atom", "all.json", "all.html"])
async def test_the_published_files_still_are(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/{name}")
    assert response.status_code == 200 and response.content
