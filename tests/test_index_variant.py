"""A story one feed links as "/berita/pasar/" and another of the portal as
"/berita/pasar/index.html": one story, one message. Its index file's name gave it a second
key, and a second message went to the channel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.urls import url_key
from tests.acceptance_kit import config_text, once, source, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_reclassified import CHATS, feed, item, market


@pytest.mark.parametrize("tail", ["index.html", "index.htm", "index.php", "default.aspx"])
def test_an_index_file_is_its_folders_page(tail: str) -> None:
    assert url_key(f"https://www.kabar.test/berita/pasar/{tail}") == url_key(
        "http://kabar.test/berita/pasar/"
    )
    # a script reading its story from the query keeps its name
    assert url_key(f"https://kabar.test/berita/{tail}?id=5").endswith(f"/{tail}?id=5")
    assert url_key("https://kabar.test/berita/indexes.html") != url_key("https://kabar.test/berita")


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def test_two_feeds_linking_the_two_forms_send_one_message(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    portal.set("/feed/", feed())
    portal.set("/kukar/feed/", feed())
    sources = source("utama", f"{b}/feed/") + source("kukar", f"{b}/kukar/feed/")
    config = write(tmp_path, config_text(sources, chats=CHATS, api_url=fake.url))
    once(config, fake.token)  # both first polls: nothing listed
    body = market("TENGGARONG", "Bupati Kutai Kartanegara", "adv/diskominfo/kukar")
    story = item(b, "pasar", "Pemkab Kukar Resmikan Pasar Rakyat", body, ("Pemerintah",))
    portal.set("/feed/", feed(story))
    portal.set("/kukar/feed/", feed(story.replace("/berita/pasar/", "/berita/pasar/index.html")))
    once(config, fake.token)
    once(config, fake.token)
    assert [m.chat for m in fake.messages] == ["@kabar_kukar"]
