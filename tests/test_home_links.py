"""A feed whose items all link the portal's home page (a broken plugin, a feed generated
from a home page): each item stays a story of its own. Keyed by that one URL, every story
after the first was merged into it as its duplicate, lost silently."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndication.config import load
from syndication.normalize import entry_key_of, normalize_entry
from syndication.sources.feed import parse_feed
from syndication.store import ScopeItem, open_store
from syndication.types import NormalizeContext
from syndication.urls import home_page
from tests.conftest import write_config
from tests.portal import Portal
from tests.test_e2e_html import once

TITLES = [f"Pemkab Kukar Gelar Rapat Desa Tahap {n}" for n in (1, 2, 3)]


def rss(link: str, guids: bool) -> str:
    items = "".join(
        f"<item><title>{t}</title><link>{link}</link>"
        + (f'<guid isPermaLink="false">berita-{n}</guid>' if guids else "")
        + f"<pubDate>Tue, 0{n} Dec 2026 08:00:00 +0800</pubDate><description>TENGGARONG - "
        f"Rapat desa tahap {n} digelar di Kukar bersama camat.</description></item>"
        for n, t in enumerate(TITLES, 1)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Kabar</title>'
        f"<link>{link}</link><description>d</description>{items}</channel></rss>"
    )


def all_items(path: Path) -> list[ScopeItem]:
    store = open_store(load(path).database_url)
    try:
        return store.scope_items("all", 50)
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("guids", [True, False])
@pytest.mark.parametrize("home", ["/", "", "/index.php"])
def test_every_story_of_a_feed_linking_its_home_is_kept(
    tmp_path: Path, portal: Portal, guids: bool, home: str
) -> None:
    portal.set("/feed/", rss(portal.url + home, guids), content_type="application/rss+xml")
    path = write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path}/db.sqlite3",
        sources=f'[[sources]]\nid = "kabar"\nurl = "{portal.url}/feed/"\n',
    )
    once(path)
    assert sorted(i.title for i in all_items(path)) == TITLES
    once(path)  # the same feed again (no validators: the same bytes): nothing new, no change
    assert sorted(i.title for i in all_items(path)) == TITLES


@pytest.mark.parametrize("guids", [True, False])
def test_the_key_known_before_normalizing_is_the_stored_one(guids: bool) -> None:
    """entry_key_of keys what a source lists (its backlog, what it stopped listing) as
    normalize_entry keys what it stores."""
    raws = parse_feed(rss("https://kabar.test/", guids).encode(), "kabar", "https://kabar.test/f")
    now = datetime(2026, 12, 7, tzinfo=UTC)
    keys = [
        normalize_entry(r, NormalizeContext(regencies=(), categories=()), now, now).entry_key
        for r in raws
    ]
    assert keys == [entry_key_of(r) for r in raws]
    assert len(set(keys)) == 3


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("https://kabar.test/", True),
        ("https://kabar.test", True),
        ("https://www.kabar.test/index.php", True),
        ("https://kabar.test/Default.aspx", True),
        ("https://kabar.test/?p=123", False),
        ("https://kabar.test/berita/rapat", False),
        ("https://kabar.test/index.php/berita/rapat", False),
        ("https://kabar.test/index.php?id=5", False),
        ("http://[", False),
    ],
)
def test_home_page(url: str, home: bool) -> None:
    assert home_page(url) is home
