"""Hostile review of ingest and cross-source deduplication (2026-12-07), end to end: the
fixture portal -> run_once -> the fake Bot API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from syndication.config import load
from syndication.service import run_once
from syndication.store import open_store
from syndication.store import schema as t
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal

NOW = datetime.now(UTC)
CHATS = {"kukar": "@kabar_kukar"}
TITLE = "Bupati Kukar Resmikan Jembatan Baru di Tenggarong"
BODY = "<p>TENGGARONG – Bupati Kukar meresmikan jembatan baru di Tenggarong.</p>"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as f:
        yield f


def _config(tmp_path: Path, db_url: str, portal: Portal, fake: FakeTelegram) -> Path:
    sources = "".join(
        f'[[sources]]\nid = "{s}"\nurl = "{portal.url}/{s}/feed/"\n' for s in ("a", "b")
    )
    return write_config(
        tmp_path / "config.toml", db_url=db_url, api_url=fake.url, chats=CHATS, sources=sources
    )


def _post(slug: str, title: str, body: str = BODY, minutes: int = 30) -> Post:
    return Post(slug, title, NOW - timedelta(minutes=minutes), ["Pemerintah"], body)


def _cycle(path: Path, portal: Portal, a: list[Post], b: list[Post]) -> None:
    portal.set("/a/feed/", rss(f"{portal.url}/a", a))
    portal.set("/b/feed/", rss(f"{portal.url}/b", b))
    assert asyncio.run(run_once(load(path))) == 0


def _items(db_url: str) -> list[tuple[str, str, str]]:
    store = open_store(db_url)
    try:
        i = t.items.c
        with store.engine.connect() as conn:
            rows = conn.execute(select(i.source_id, i.url, i.title).order_by(i.id))
            return [(r.source_id, r.url, r.title) for r in rows]
    finally:
        store.engine.dispose()


def test_a_second_sources_change_does_not_rewrite_the_first_sources_story(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A announces the story; B carries a copy under the same title (its own capitals and
    punctuation), merged. B's copy then changes (a line added to its body): the merged item
    took B's title and link, and the message about A's story was edited to B's capitals.
    Then A's body changes: edited back. Every change of either copy edits the message."""
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    path = _config(tmp_path, db_url, portal, fake)
    _cycle(path, portal, [], [])  # the first polls: no backlog
    mine = _post("jembatan", TITLE)
    _cycle(path, portal, [mine], [])
    copy = _post("salinan-jembatan", TITLE.upper() + "!", minutes=25)
    _cycle(path, portal, [mine], [copy])
    assert len(fake.messages_to("@kabar_kukar")) == 1
    copy.body = BODY + "<p>Sumber: Portal A.</p>"
    _cycle(path, portal, [mine], [copy])
    mine.body = BODY + "<p>Foto: Humas Kukar.</p>"
    _cycle(path, portal, [mine], [copy])
    assert len(fake.messages_to("@kabar_kukar")) == 1
    assert fake.edits == [], [e.text for e in fake.edits]
    assert [(s, u) for s, u, _ in _items(db_url)] == [("a", f"{portal.url}/a/jembatan/")]


def test_a_title_corrected_under_a_guid_the_cms_rewrites_edits_the_message(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A CMS that gives an entry a new guid on every poll (the link stays the story's): the
    story is found by its link and not announced again, but a correction of its title in
    such a poll was dropped, as the entry was taken for a duplicate: no edit, and the feeds
    kept the misspelt title."""
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    path = _config(tmp_path, db_url, portal, fake)
    _cycle(path, portal, [], [])
    portal.set("/a/jembatan/", "<html><body>ok</body></html>", content_type="text/html")
    typo = _post("jembatan", "Bupati Kukar Resmikan Jembatn Baru di Tenggarong")

    def listed(post: Post, guid: str) -> None:
        body = rss(f"{portal.url}/a", [post]).replace(
            f"{portal.url}/a/?p=jembatan".encode(), guid.encode()
        )
        portal.set("/a/feed/", body)
        assert asyncio.run(run_once(load(path))) == 0

    listed(typo, "urn:poll:1")
    listed(typo, "urn:poll:2")  # the same story under a new guid: not news
    assert len(fake.messages_to("@kabar_kukar")) == 1
    listed(_post("jembatan", TITLE), "urn:poll:3")  # the title corrected
    assert len(fake.messages_to("@kabar_kukar")) == 1
    assert [e.text.split("\n")[1] for e in fake.edits] == [TITLE]
    assert [title for _, _, title in _items(db_url)] == [TITLE]


def test_retention_does_not_reannounce_an_undated_story_a_source_still_lists(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """An undated entry is dated when first seen. Retention deleted its item (old, out of
    every window) while the source still listed it (an unchanged entry is not ingested again,
    so its last_seen stayed its first reading's); the next poll took it for a new entry,
    dated now, and announced it a second time."""
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    path = _config(tmp_path, db_url, portal, fake)
    _cycle(path, portal, [], [])
    undated = _post("jembatan", TITLE)
    undated.pub_text = ""
    _cycle(path, portal, [undated], [])
    assert len(fake.messages_to("@kabar_kukar")) == 1
    store = open_store(db_url)
    try:  # 100 days on: the story, its reading and its message are that old
        old = datetime.now(UTC) - timedelta(days=100)
        with store.engine.begin() as conn:
            conn.execute(update(t.items).values(published=old, updated=old))
            conn.execute(update(t.entries).values(first_seen=old, last_seen=old))
    finally:
        store.engine.dispose()
    cabai = Post("cabai", "Harga Cabai Naik di Pasar", NOW, ["Bisnis"], "<p>Harga naik.</p>")
    _cycle(path, portal, [cabai, undated], [])  # the feed changed, the story still listed
    store = open_store(db_url)
    try:  # the retention job (90 days), the story out of every window
        assert store.prune(datetime.now(UTC) - timedelta(days=90), keep_per_scope=0) == 0
    finally:
        store.engine.dispose()
    beras = Post("beras", "Harga Beras Turun di Pasar", NOW, ["Bisnis"], "<p>Harga turun.</p>")
    _cycle(path, portal, [beras, cabai, undated], [])  # the feed changed again
    sent = [m.text for m in fake.messages_to("@kabar_kukar")]
    assert sum(TITLE in text for text in sent) == 1, sent


def test_a_second_copy_from_the_same_source_at_another_url_edits_nothing(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A CMS lists one story twice (at /jembatan/ and /jembatan-2/, the second title in
    capitals): merged by its title, the second copy must not rewrite the story, or its
    message is edited to that copy's title and link (9bf25b7 did so for the guid case)."""
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    path = _config(tmp_path, db_url, portal, fake)
    _cycle(path, portal, [], [])
    when = NOW - timedelta(minutes=30)
    one = Post("jembatan", TITLE, when, ["Pemerintah"], BODY)
    two = Post("jembatan-2", TITLE.upper() + "!", when, ["Pemerintah"], BODY + "<p>Lain.</p>")
    _cycle(path, portal, [one], [])
    _cycle(path, portal, [one, two], [])
    other = Post("lain", "Banjir Surut di Samarinda Ilir", NOW, ["Bisnis"], "<p>Surut.</p>")
    _cycle(path, portal, [other, one, two], [])
    assert fake.edits == []
    _, url, title = _items(db_url)[0]
    assert (url.rstrip("/").rsplit("/", 1)[-1], title) == ("jembatan", TITLE)
