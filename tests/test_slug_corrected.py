"""A headline corrected together with its slug, on a CMS whose addresses carry the article's
number (detik's /d-7123456/judul, kompas's /read/2024/05/01/06000061/judul, antaranews's
/berita/4123456/judul): the same article at a new address. Its message is edited, never
sent again, and the feeds carry it once, under its new headline and link. Before, a feed
without guids (an RSS whose identity is the link, or a listing page) gave it a second
message and a second item; a lead-key match, where one headline held the other's words,
kept the old headline and link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.urls import article_key
from tests.acceptance_kit import config_text, json_items, kukar, once, rfc822, source, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal

OLD = ("/berita/12345/bupati-kukar-resmikan-pasar-rakyt", "Bupati Kukar Resmikan Pasar Rakyt")
NEW = ("/berita/12345/bupati-kukar-resmikan-pasar-rakyat", "Bupati Kukar Resmikan Pasar Rakyat")


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as f:
        yield f


TEXT = (
    "<p>TENGGARONG – Bupati Kutai Kartanegara meresmikan pasar rakyat di Kecamatan Tenggarong"
    " pada Senin pagi bersama camat, kepala desa dan para pedagang yang selama ini berjualan di"
    " pinggir jalan poros, sehingga arus kendaraan menjadi lebih lancar.</p><p>Pasar itu"
    " dibangun dengan dana daerah dan menampung dua ratus pedagang. (adv/diskominfo/kukar)</p>"
)


def feed(base: str, items: list[tuple[str, str]]) -> str:
    """RSS without guids: each item's identity is its link; the text of one story."""
    story = kukar("x", "t")
    body = TEXT.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link>"
        f"<pubDate>{rfc822(story.published)}</pubDate><category>Pemerintah</category>"
        f"<description>{body}</description></item>"
        for path, title in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>P</title>'
        f"<link>{base}/</link><description>d</description>{out}</channel></rss>"
    )


def page(title: str) -> str:
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"


def test_a_headline_corrected_with_its_slug_edits_its_message(
    portal: Portal, tmp_path: Path, fake: FakeTelegram
) -> None:
    b = portal.url
    portal.set("/feed/", feed(b, []))
    text = config_text(source("utama", f"{b}/feed/"), chats={"kukar": "@kabar_kukar"},
                       api_url=fake.url)  # fmt: skip
    path = write(tmp_path, text)
    once(path, fake.token)  # the backlog: nothing
    portal.set(OLD[0], page(OLD[1]))
    portal.set("/feed/", feed(b, [OLD]))
    once(path, fake.token)
    assert len(fake.messages) == 1
    # corrected: the old address now answers 404, the new one the article
    del portal.pages[OLD[0]]
    portal.set(NEW[0], page(NEW[1]))
    portal.set("/feed/", feed(b, [NEW]))
    once(path, fake.token)
    assert len(fake.messages) == 1, [m.text for m in fake.messages]
    [edit] = fake.edits
    assert NEW[1] in edit.text
    items = json_items(tmp_path / "out", "all.json")
    assert [(i["title"], i["url"]) for i in items] == [(NEW[1], f"{b}{NEW[0]}")]


def test_two_articles_listed_side_by_side_stay_two_whatever_their_numbers(
    portal: Portal, tmp_path: Path, fake: FakeTelegram
) -> None:
    """A number that is a category's, not an article's (/kategori/12345/<slug>): two stories
    the feed lists together are two, even with alike headlines and one template's text."""
    b = portal.url
    one = ("/kategori/12345/pemkab-kukar-gelar-rapat-koordinasi-stunting", "Pemkab Kukar Gelar "
           "Rapat Koordinasi Stunting")  # fmt: skip
    two = ("/kategori/12345/pemkab-kukar-gelar-rapat-koordinasi-inflasi", "Pemkab Kukar Gelar "
           "Rapat Koordinasi Inflasi")  # fmt: skip
    portal.set("/feed/", feed(b, []))
    text = config_text(source("utama", f"{b}/feed/"), chats={"kukar": "@kabar_kukar"},
                       api_url=fake.url)  # fmt: skip
    path = write(tmp_path, text)
    once(path, fake.token)
    portal.set("/feed/", feed(b, [one]))
    once(path, fake.token)
    portal.set("/feed/", feed(b, [two, one]))
    done = once(path, fake.token)
    assert len(fake.messages) == 2 and not fake.edits, done.stderr[-4000:]
    assert len(json_items(tmp_path / "out", "all.json")) == 2


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("portal.id/berita/12345/judul-lama", "portal.id/berita/12345/"),
        ("news.detik.com/berita/d-7123456/judul", "news.detik.com/berita/d-7123456/"),
        ("cnnindonesia.com/nasional/20240501123456-20-1234567/judul",
         "cnnindonesia.com/nasional/20240501123456-20-1234567/"),
        ("kompas.com/read/2024/05/01/06000061/judul", "kompas.com/read/2024/05/01/06000061/"),
        ("viva.co.id/berita/1234567-judul-berita", "viva.co.id/berita/#1234567"),
        ("portal.id/berita/judul-berita-123456", "portal.id/berita/#123456"),
        # no article number: a date folder, a date suffix, a slug alone, a bare number, a query
        ("portal.id/20240501/judul", ""),
        ("portal.id/berita/judul-20240501", ""),
        ("portal.id/2024/05/01/judul", ""),
        ("portal.id/berita/12345", ""),
        ("portal.id/a/240501/judul", ""),
        ("portal.id/baca?id=12345&judul=x", ""),
    ],
)  # fmt: skip
def test_article_key(key: str, expected: str) -> None:
    assert article_key(key) == expected
