"""The service publishes a page per scope beside its feeds, and an index that knows each
scope's count, newest item and Telegram channel (real store: SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import feedparser
from lxml import html as lxml_html

from syndication.config import load
from syndication.service import run_once
from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_e2e_once import kukar_post


def test_run_once_publishes_pages_and_an_index_that_counts(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    posts = [kukar_post("a", "Pemkab Kukar <b>Bagikan</b> Sembako"), kukar_post("b", "Kedua", 2)]
    portal.set("/feed/", rss(portal.url, posts))
    sources = f'[[sources]]\nid = "p"\nurl = "{portal.url}/feed/"\n'
    path = write_config(
        tmp_path / "config.toml", db_url=db_url, sources=sources, chats={"kukar": "@kabar_kukar"}
    )
    assert asyncio.run(run_once(load(path))) == 0
    public = tmp_path / "public"
    for scope in ("all", "regency/kukar", "regency/kukar/pemerintah", "regency/kaltim"):
        rss_links = [
            e.link for e in feedparser.parse((public / f"{scope}.rss").read_bytes()).entries
        ]
        doc = lxml_html.fromstring((public / f"{scope}.html").read_bytes())
        assert doc.xpath("//main//a[@class='title']/@href") == rss_links, scope
    kukar = lxml_html.fromstring((public / "regency/kukar.html").read_bytes())
    assert "https://t.me/kabar_kukar" in kukar.xpath("//header//a/@href")
    assert "WITA" in kukar.xpath("//main//time")[0].text_content()

    index = lxml_html.fromstring((public / "index.html").read_bytes())
    rows = {
        row.xpath(".//a[@class='name']/@href")[0]: row.text_content()
        for row in index.xpath("//main//li[.//a[@class='name']]")
    }
    assert "2 berita · terbaru" in rows["http://127.0.0.1:8080/regency/kukar.html"]
    assert "belum ada berita" in rows["http://127.0.0.1:8080/regency/kaltim.html"]
    assert "https://t.me/kabar_kukar" in index.xpath("//a/@href")
    assert index.xpath("//a[@class='title']/text()") == ["Pemkab Kukar Bagikan Sembako", "Kedua"]
