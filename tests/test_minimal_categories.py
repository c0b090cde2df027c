"""A config that writes its categories as the contract shows them (slug and name, nothing
more): the canonical categories still read the labels portals give them ("Pemerintahan",
"Pemkab", "Ekonomi"), as a canonical regency reads the gazetteer's names. With only the exact
name counting, a Kukar story labelled "Pemerintahan" was in no category and never pushed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from syndication.config import load
from syndication.service import run_once
from syndication.store import open_store
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal

CONFIG = """
[storage]
url = "sqlite:///{db}"
[feeds]
output_dir = "public"
base_url = "http://127.0.0.1:8080/"
[telegram]
token_env = "SYNDICATION_TEST_TOKEN"
api_url = "{api}"
notify_categories = ["pemerintah", "advertorial"]
max_age = "24h"
[[categories]]
slug = "pemerintah"
name = "Pemerintah"
[[categories]]
slug = "advertorial"
name = "Advertorial"
[[categories]]
slug = "bisnis"
name = "Bisnis"
[[regencies]]
slug = "kaltim"
name = "Kalimantan Timur"
[[regencies]]
slug = "kukar"
name = "Kutai Kartanegara"
telegram_chat = "@kabar_kukar"
[[sources]]
id = "portal"
url = "{feed}"
kind = "feed"
interval = "5m"
"""


def test_a_minimal_configs_categories_read_the_portals_labels(
    tmp_path: Path, portal: Portal, monkeypatch: object
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    old = Post("lama", "Pemkab Kukar Gelar Rapat Rutin Bulanan", now - timedelta(hours=2))
    portal.set("/feed/", rss(portal.url, [old]), content_type="application/rss+xml")
    with FakeTelegram(per_minute=60, min_interval=0.0) as fake:
        monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)  # type: ignore[attr-defined]
        path = tmp_path / "config.toml"
        path.write_text(
            CONFIG.format(db=tmp_path / "db.sqlite3", api=fake.url, feed=portal.url + "/feed/")
        )
        assert asyncio.run(run_once(load(path))) == 0  # the backlog
        new = [
            Post(
                "jembatan",
                "Bupati Kukar Resmikan Jembatan Baru di Tenggarong",
                now - timedelta(minutes=30),
                categories=["Pemerintahan"],
            ),
            Post(
                "umkm",
                "Pelaku UMKM Tenggarong Raih Omzet Ratusan Juta",
                now - timedelta(minutes=20),
                categories=["Ekonomi"],
            ),
        ]
        portal.set("/feed/", rss(portal.url, [*new, old]), content_type="application/rss+xml")
        assert asyncio.run(run_once(load(path))) == 0
        sent = [m.text for m in fake.messages]
    store = open_store(load(path).database_url)
    try:
        items = {i.title: i for i in store.scope_items("all", 50)}
    finally:
        store.engine.dispose()
    assert "pemerintah" in items[new[0].title].categories
    assert "bisnis" in items[new[1].title].categories
    assert len(sent) == 1 and new[0].title in sent[0]
