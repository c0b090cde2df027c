"""One story two portals publish (merged, announced once) stays in the feeds and its
message stays while either portal still carries it: the portal whose link was shown taking
its copy down withdrew the story everywhere, and deleted its message (a black-box review).
Once the other portal drops it too, and the shown link is still gone, it is withdrawn."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.urls import domain_of, portal_of, site_of
from tests.acceptance_kit import config_text, kukar, once, rss2, source, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal, running_portal

CHATS: dict[str, str | int] = {"kukar": "@kabar_kukar"}
ARTICLE = "<html><body><h1>Bibit padi</h1><p>Isi berita.</p></body></html>"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def shown(out: Path, title: str) -> list[str]:
    return [i["url"] for i in json.loads((out / "all.json").read_text())["items"]
            if i["title"] == title]  # fmt: skip


def test_a_story_stays_while_another_portal_carries_it(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    with running_portal() as second:
        _two_portals(portal, second, fake, tmp_path)


def _two_portals(portal: Portal, second: Portal, fake: FakeTelegram, tmp_path: Path) -> None:
    """portal-a on one site, portal-b on another (two ports of 127.0.0.1)."""
    sites = {"a": portal, "b": second}
    base = {"a": portal.url + "/a", "b": second.url + "/b"}
    old = kukar("lama", "Pemkab Kukar Gelar Rapat Awal Tahun", minutes_ago=90)
    for name, b in base.items():
        sites[name].set(f"/{name}/feed/", rss2(b, [old]))
    sources = source("portal-a", f"{base['a']}/feed/") + source("portal-b", f"{base['b']}/feed/")
    config = write(tmp_path, config_text(sources, chats=CHATS, api_url=fake.url))
    once(config, fake.token)  # the backlog
    story = kukar("bibit", "Pemkab Kukar Salurkan Bibit Padi ke Petani Loa Kulu")
    for name, b in base.items():
        sites[name].set(f"/{name}/berita/bibit/", ARTICLE, content_type="text/html")
        sites[name].set(f"/{name}/feed/", rss2(b, [story, old]))
    once(config, fake.token)
    out = tmp_path / "out"
    [link] = shown(out, story.title)
    assert len(fake.messages) == 1  # one story, announced once
    first = "a" if link.startswith(base["a"]) else "b"
    other = "b" if first == "a" else "a"
    # the portal whose link is shown takes its copy down; the other still carries it
    sites[first].set(f"/{first}/berita/bibit/", "", status=404)
    sites[first].set(f"/{first}/feed/", rss2(base[first], [old]))
    once(config, fake.token)
    assert sites[first].hits_for(f"/{first}/berita/bibit/")  # it was checked
    assert shown(out, story.title) == [link], "the story left the feeds"
    assert fake.deleted == [] and fake.edits == []
    once(config, fake.token)  # and it stays so
    assert shown(out, story.title) == [link] and fake.deleted == []
    # the other portal drops it too: the story is gone everywhere, its message deleted
    sites[other].set(f"/{other}/berita/bibit/", "", status=404)
    sites[other].set(f"/{other}/feed/", rss2(base[other], [old]))
    once(config, fake.token)
    assert shown(out, story.title) == []
    assert [m for _, m in fake.deleted] == [fake.messages[0].message_id]


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.Kabar.test/berita/x", "kabar.test"),
        ("http://127.0.0.1:8101/feed/", "127.0.0.1:8101"),
        ("https://kabar.test:443/", "kabar.test:443"),
        ("http://[", ""),
    ],
)
def test_site_of(url: str, site: str) -> None:
    assert site_of(url) == site


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://rss.detik.com/index.php/detikcom", "detik.com"),
        ("https://news.detik.com/berita/d-1/x", "detik.com"),
        ("https://diskominfo.kukarkab.go.id/berita", "diskominfo.kukarkab.go.id"),
        ("https://www.kukarkab.go.id/berita", "kukarkab.go.id"),
        ("https://www.bbc.co.uk/news", "bbc.co.uk"),
        ("https://feeds.feedburner.com/kabar", "feedburner.com"),
        ("http://127.0.0.1:8101/feed/", "127.0.0.1:8101"),
        ("http://[", ""),
    ],
)
def test_domain_of(url: str, domain: str) -> None:
    assert domain_of(url) == domain


@pytest.mark.parametrize(
    ("url", "portal"),
    [
        ("https://rss.detik.com/index.php/detikcom", "detik.com"),
        ("https://feeds.feedburner.com/KabarKukar", "feedburner.com/kabarkukar"),
        ("https://feeds.feedburner.com/beritakutim/", "feedburner.com/beritakutim"),
        ("https://kabarkukar.blogspot.com/feeds/posts/default", "kabarkukar.blogspot.com"),
    ],
)
def test_portal_of(url: str, portal: str) -> None:
    assert portal_of(url) == portal
