"""A withdrawn article stays withdrawn: no changed filter, lagging second source, update of its
entry or burst release brings it back to a feed or a channel; only its URL answering again
does. Fixture portal -> run_once -> fake Bot API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from syndication.config import load
from syndication.service import run_once
from syndication.store import Store, open_store
from syndication.store import schema as t
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal

KUKAR = "@kabar_kukar"
FILTER = '\n[[filters]]\nexclude = ["judi"]\n'
PAGE = "<html><body><h1>Berita</h1><p>Isi berita.</p></body></html>"


def _post(slug: str, title: str, minutes: int = 20, regency: str = "Tenggarong") -> Post:
    when = datetime.now(UTC) - timedelta(minutes=minutes)
    body = f"<p>{regency.upper()} – Pemerintah menggelar kegiatan di {regency}.</p>"
    return Post(slug, title, when, ["Pemerintah"], body)


OLD = _post("lama", "Pemkab Kukar Gelar Rapat Awal Tahun", minutes=90)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as f:
        yield f


@pytest.fixture
def token(fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
    return fake.token


def _sources(portal: Portal, *paths: str) -> str:
    return "".join(
        f'[[sources]]\nid = "src{n}"\nurl = "{portal.url}{path}"\n' for n, path in enumerate(paths)
    )


def _once(path: Path) -> None:
    assert asyncio.run(run_once(load(path))) == 0


def _published_with(out: Path, text: str) -> list[str]:
    """The published files (feeds and pages) that mention `text`."""
    return sorted(
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and text in p.read_text(encoding="utf-8", errors="replace")
    )


def _states(db_url: str, title: str) -> list[str]:
    store: Store = open_store(db_url)
    try:
        d, i = t.deliveries.c, t.items.c
        with store.engine.connect() as conn:
            query = select(d.state).join(t.items, i.id == d.item_id).where(i.title == title)
            return sorted(r.state for r in conn.execute(query))
    finally:
        store.engine.dispose()


def test_a_changed_filter_never_announces_a_withdrawn_item(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, token: str, db_url: str
) -> None:
    path = write_config(tmp_path / "config.toml", db_url=db_url, api_url=fake.url,
                        chats={"kukar": KUKAR}, sources=_sources(portal, "/feed/"))  # fmt: skip
    plain = path.read_text()
    path.write_text(plain + FILTER)
    portal.set("/feed/", rss(portal.url, [OLD]))
    _once(path)  # the first poll: backlog
    gone = _post("razia", "Polisi Kukar Razia Judi di Tenggarong")
    portal.set("/razia/", PAGE, content_type="text/html")
    portal.set("/feed/", rss(portal.url, [gone, OLD]))
    _once(path)
    assert fake.messages == [] and _states(db_url, gone.title) == ["filtered"]
    # the portal takes it down: off the feed, its page answers 410
    portal.set("/razia/", "", status=410)
    portal.set("/feed/", rss(portal.url, [OLD]))
    _once(path)
    assert _published_with(tmp_path / "public", gone.title) == []
    assert _states(db_url, gone.title) == ["cancelled"]  # the held message too
    path.write_text(plain)  # the filter removed: nothing holds the message any more
    _once(path)
    assert fake.messages == [], [m.text for m in fake.messages]
    assert _states(db_url, gone.title) == ["cancelled"]


def test_a_second_source_still_listing_a_dead_url_brings_nothing_back(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, token: str, db_url: str
) -> None:
    sources = _sources(portal, "/feed/", "/kategori/feed/")
    path = write_config(tmp_path / "config.toml", db_url=db_url, api_url=fake.url,
                        chats={"kukar": KUKAR}, sources=sources)  # fmt: skip
    portal.set("/feed/", rss(portal.url, [OLD]))
    portal.set("/kategori/feed/", rss(portal.url, [OLD]))
    _once(path)
    gone = _post("salah", "Bupati Kukar Umumkan Angka Kemiskinan Terbaru")
    portal.set("/salah/", PAGE, content_type="text/html")
    portal.set("/feed/", rss(portal.url, [gone, OLD]))
    portal.set("/kategori/feed/", rss(portal.url, [gone, OLD]))
    _once(path)
    assert len(fake.messages) == 1
    out = tmp_path / "public"
    # taken down: the main feed drops it, the category feed lags behind
    portal.set("/salah/", "", status=410)
    portal.set("/feed/", rss(portal.url, [OLD]))
    _once(path)
    assert _published_with(out, gone.title) == [] and len(fake.deleted) == 1
    # the lagging feed changes (a new story), still listing the dead one, first unchanged...
    fresh = _post("baru", "Sekda Kukar Pimpin Apel Pagi Pegawai")
    portal.set("/kategori/feed/", rss(portal.url, [fresh, gone, OLD]))
    _once(path)
    assert _published_with(out, gone.title) == []
    # ...then with its entry edited
    edited = Post(gone.slug, gone.title + " Tahun Ini", gone.published, gone.categories,
                  gone.body)  # fmt: skip
    portal.set("/kategori/feed/", rss(portal.url, [edited, fresh, OLD]))
    _once(path)
    assert _published_with(out, gone.title) == []
    assert portal.hits_for("/salah/")  # its URL was looked at, and still answers 410
    assert [m.text for m in fake.messages if gone.title in m.text] != []
    assert len([m for m in fake.messages if gone.title in m.text]) == 1  # never again
    # the portal serves the page again: back in the feeds, and announced anew (the first
    # message was deleted), once
    portal.set("/salah/", PAGE, content_type="text/html")
    portal.set("/kategori/feed/", rss(portal.url, [fresh, edited, OLD]))
    _once(path)
    assert "all.rss" in _published_with(out, edited.title)
    assert [edited.title in m.text for m in fake.messages if gone.title in m.text] == [False, True]
    _once(path)
    assert len([m for m in fake.messages if gone.title in m.text]) == 2


def test_a_pair_feed_whose_only_item_is_withdrawn_is_emptied(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, token: str, db_url: str
) -> None:
    from tests.acceptance_kit import check_all_feeds

    path = write_config(tmp_path / "config.toml", db_url=db_url, api_url=fake.url,
                        chats={"kukar": KUKAR}, sources=_sources(portal, "/feed/"))  # fmt: skip
    portal.set("/feed/", rss(portal.url, [OLD]))
    _once(path)
    gone = _post("salah", "Bupati Kutim Umumkan Angka Kemiskinan Terbaru", regency="Sangatta")
    portal.set("/salah/", PAGE, content_type="text/html")
    portal.set("/feed/", rss(portal.url, [gone, OLD]))
    _once(path)
    out = tmp_path / "public"
    pair = "regency/kutim/pemerintah"
    assert f"{pair}.rss" in _published_with(out, gone.title)  # the pair's only item
    portal.set("/salah/", "", status=410)
    portal.set("/feed/", rss(portal.url, [OLD]))
    _once(path)
    assert _published_with(out, gone.title) == []
    for ext in ("rss", "atom", "json", "html"):
        assert (out / f"{pair}.{ext}").exists()  # valid, empty feeds
    check_all_feeds(out)
    assert pair not in (out / "index.html").read_text(encoding="utf-8")
