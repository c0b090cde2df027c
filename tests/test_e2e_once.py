"""`run --once` end to end: fixture portal -> store -> feeds -> fake Telegram Bot API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from syndication.config import load
from syndication.service import run_once
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal

NOW = datetime.now(UTC)


def kukar_post(slug: str, title: str, hours: float = 1) -> Post:
    return Post(
        slug,
        title,
        NOW - timedelta(hours=hours),
        ["Advertorial", "Pemerintah"],
        "<p>TENGGARONG, portal.test – Pemkab Kukar menggelar kegiatan di Tenggarong."
        "</p><p>Baca Juga : Bupati Kutim Resmikan Pasar</p>"
        "<p>Kegiatan berlangsung lancar. (adv/diskominfo/kukar)</p>",
    )


def kutim_post(slug: str, title: str) -> Post:
    return Post(
        slug,
        title,
        NOW - timedelta(minutes=30),
        ["Advertorial"],
        "<p>SANGATTA – Pemkab Kutim menyalurkan bantuan di Sangatta Utara."
        "</p><p>Bantuan diterima warga. (adv/diskominfo/kutim)</p>",
    )


def samarinda_post(slug: str) -> Post:
    return Post(
        slug,
        "Harga Cabai di Pasar Segiri Samarinda Naik",
        NOW - timedelta(minutes=20),
        ["Bisnis"],
        "<p>SAMARINDA – Harga cabai di Samarinda naik.</p>",
    )


@pytest.fixture
def fake() -> FakeTelegram:
    with FakeTelegram(per_minute=20, min_interval=1.0) as f:
        yield f  # type: ignore[misc]


def setup(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    return write_config(
        tmp_path / "config.toml",
        db_url=db_url,
        api_url=fake.url,
        chats={"kukar": "@kabar_kukar", "kutim": "@kabar_kutim", "samarinda": "@kabar_smd"},
        sources=f"""
        [[sources]]
        id = "portal"
        url = "{portal.url}/feed/"
        interval = "5m"
        """,
    )


def once(path: Path) -> None:
    assert asyncio.run(run_once(load(path))) == 0


def test_once_cycle_backlog_new_items_edits_and_304(
    tmp_path: Path,
    portal: Portal,
    fake: FakeTelegram,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = setup(tmp_path, portal, fake, db_url, monkeypatch)
    base = portal.url
    backlog = [kukar_post("lama", "Berita Lama Pemkab Kukar Soal Jalan Desa", hours=3)]
    portal.set("/feed/", rss(base, backlog, blank_line=True))
    once(path)
    # the first poll is the backlog: feeds only
    assert fake.messages == []
    public = tmp_path / "public"
    all_feed = feedparser.parse((public / "all.rss").read_bytes())
    assert all_feed.bozo == 0 and len(all_feed.entries) == 1
    for scope in (
        "category/pemerintah",
        "regency/kukar",
        "regency/bontang",
        "regency/kukar/advertorial",
    ):
        for ext in ("rss", "atom", "json"):
            assert (public / f"{scope}.{ext}").exists(), scope
    assert (public / "index.html").exists() and (public / "feeds.opml").exists()

    posts = [
        *backlog,
        kukar_post("baru", "Pemkab Kukar Resmikan Jembatan Loa Kulu"),
        kutim_post("kutim", "Bupati Kutim Salurkan Bantuan Nelayan"),
        samarinda_post("cabai"),
    ]
    portal.set("/feed/", rss(base, posts))
    once(path)
    by_chat = {m.chat: m for m in fake.messages}
    assert sorted(by_chat) == ["@kabar_kukar", "@kabar_kutim"]  # bisnis is not notified
    assert "Jembatan Loa Kulu" in by_chat["@kabar_kukar"].text
    assert "ADVERTORIAL" in by_chat["@kabar_kutim"].text
    assert f"{base}/baru/" in by_chat["@kabar_kukar"].html
    kukar_feed = feedparser.parse((public / "regency/kukar.rss").read_bytes())
    assert {e.link for e in kukar_feed.entries} == {f"{base}/lama/", f"{base}/baru/"}
    assert all(
        "Baca Juga" not in e.get("content", [{}])[0].get("value", "") for e in kukar_feed.entries
    )

    # unchanged portal: one conditional request, nothing parsed, nothing sent
    hits_before = len(portal.hits_for("/feed/"))
    mtime = (public / "all.rss").stat().st_mtime_ns
    once(path)
    new_hits = portal.hits_for("/feed/")[hits_before:]
    assert [(h.status, h.conditional) for h in new_hits] == [(304, True)]
    assert len(fake.messages) == 2 and (public / "all.rss").stat().st_mtime_ns == mtime

    # a corrected title edits the message instead of sending a new one
    posts[1] = kukar_post("baru", "Pemkab Kukar Resmikan Jembatan Gantung Loa Kulu")
    portal.set("/feed/", rss(base, posts))
    once(path)
    assert len(fake.messages) == 2
    assert len(fake.edits) == 1 and "Jembatan Gantung" in fake.edits[0].text
    assert fake.edits[0].message_id == by_chat["@kabar_kukar"].message_id


def test_stale_items_are_never_pushed(
    tmp_path: Path,
    portal: Portal,
    fake: FakeTelegram,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = setup(tmp_path, portal, fake, db_url, monkeypatch)
    portal.set("/feed/", rss(portal.url, []))
    once(path)
    old = kukar_post("tua", "Pemkab Kukar Gelar Rapat Dua Hari Lalu", hours=50)
    fresh_but_backdated = kukar_post("telat", "Pemkab Kukar Terbitkan Edaran Baru", hours=23)
    portal.set("/feed/", rss(portal.url, [old, fresh_but_backdated]))
    once(path)
    assert [m.chat for m in fake.messages] == ["@kabar_kukar"]
    assert "Edaran Baru" in fake.messages[0].text


def test_failing_source_is_recorded_and_others_go_on(
    tmp_path: Path,
    portal: Portal,
    fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    portal.set("/good/", rss(portal.url, [samarinda_post("a")]))
    portal.set("/bad/", "<html>not a feed</html>", content_type="text/html")
    path = write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path}/db.sqlite3",
        api_url=fake.url,
        sources=f"""
        [[sources]]
        id = "good"
        url = "{portal.url}/good/"
        [[sources]]
        id = "bad"
        url = "{portal.url}/bad/"
        [[sources]]
        id = "down"
        url = "http://127.0.0.1:9/feed/"
    """,
    )
    once(path)
    from syndication.commands import status_data
    from syndication.store import open_store

    config = load(path)
    data = status_data(config, open_store(config.database_url))
    by_id = {s["id"]: s for s in data["sources"]}
    assert by_id["good"]["healthy"] and by_id["good"]["items_count"] == 1
    assert by_id["bad"]["error_kind"] == "parse" and by_id["bad"]["consecutive_failures"] == 1
    assert by_id["down"]["error_kind"] == "fetch" and "ConnectError" in by_id["down"]["last_error"]
