"""The admin page /status: Indonesian, what an admin needs per source and channel, one chart
scale with dates, escaped, self-refreshing, valid HTML5."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import html5lib
from lxml import html as lxml_html

from syndication.config import Config, load
from syndication.status_page import error_words, status_html
from tests.conftest import write_config

NOW = datetime(2026, 12, 1, 6, 5, tzinfo=UTC)  # Selasa, 1 Desember 2026 14.05 WITA


def config(tmp_path: Path) -> Config:
    sources = (
        '[[sources]]\nid = "s1"\nname = "Portal <Satu>"\nurl = "https://satu.example/feed/"\n'
        '[[sources]]\nid = "s2"\nkind = "html"\nurl = "https://dua.example/berita/"\n'
    )
    path = write_config(
        tmp_path / "config.toml", db_url="sqlite:///x.sqlite3", sources=sources,
        chats={"kukar": "@kabar_kukar"},
    )  # fmt: skip
    return load(path)


def data() -> dict[str, Any]:
    iso = (NOW - timedelta(minutes=5)).isoformat()
    failing = {
        "id": "s1", "url": "https://satu.example/feed/", "healthy": False,
        "last_attempt": iso, "last_success": None, "last_error": "404 Not Found <b>",
        "error_kind": "http", "last_status": 404, "consecutive_failures": 3,
        "next_poll": (NOW + timedelta(minutes=10)).isoformat(), "items_count": 0,
    }  # fmt: skip
    healthy = {
        **failing, "id": "s2", "url": "https://dua.example/berita/", "healthy": True,
        "last_success": iso, "last_error": None, "error_kind": None, "last_status": 200,
        "consecutive_failures": 0, "items_count": 7,
    }  # fmt: skip
    channel = {
        "chat": "@kabar_kukar", "regency": "kukar", "state": "broken", "reason": "kicked",
        "pending": 2, "sent": 5, "failed": 1, "last_sent": None,
    }  # fmt: skip
    return {
        "dry_run": True,
        "totals": {"items": 7, "pending_deliveries": 2},
        "sources": [failing, healthy],
        "channels": [channel],
        "config_error": "config.toml: x: <bad>",
        "storage_error": None,
    }


def per_day() -> dict[tuple[str, str], int]:
    today = NOW.date()
    return {
        ("kukar", today.isoformat()): 4,
        ("kukar", (today - timedelta(days=2)).isoformat()): 1,
        ("kutim", today.isoformat()): 1,
    }


def render(tmp_path: Path) -> tuple[str, lxml_html.HtmlElement]:
    page = status_html(data(), per_day(), config(tmp_path), NOW)
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    return page, lxml_html.fromstring(page)


def test_the_page_is_indonesian_refreshes_itself_and_links_the_index(tmp_path: Path) -> None:
    page, doc = render(tmp_path)
    assert doc.get("lang") == "id"
    assert doc.xpath("//meta[@http-equiv='refresh']/@content") == ["60"]
    assert doc.xpath("//meta[@name='viewport']")
    assert "http://127.0.0.1:8080/index.html" in doc.xpath("//a/@href")
    headings = [h.text_content() for h in doc.xpath("//h2")]
    assert headings == ["Sumber berita", "Kanal Telegram", "Berita per hari per wilayah"]
    for english in ("Sources", "failing", "never", "pending deliveries", "dry run"):
        assert english not in page, english
    assert not doc.xpath("//script")


def test_each_source_shows_what_an_admin_needs(tmp_path: Path) -> None:
    page, doc = render(tmp_path)
    cards = [c.text_content() for c in doc.xpath("//h2[1]/following-sibling::div[1]/div")]
    first, second = cards
    assert "Portal <Satu>" in first and "https://satu.example/feed/" in first
    assert "feed (RSS/Atom/JSON)" in first and "halaman HTML" in second
    assert "Dicoba" in first and "Selasa, 1 Desember 2026 14.00 WITA (5 menit lalu)" in first
    assert "Berikutnya" in first and "14.15 WITA (10 menit lagi)" in first
    assert "gagal 3× berturut-turut" in first
    assert "server menjawab dengan galat HTTP (404): 404 Not Found <b>" in first
    assert "dua.example" in second and "sehat" in second
    assert "Portal &lt;Satu&gt;" in page and "<Satu>" not in page
    assert "404 Not Found &lt;b&gt;" in page and "&lt;bad&gt;" in page


def test_each_channel_shows_its_queue_and_state(tmp_path: Path) -> None:
    _, doc = render(tmp_path)
    card = doc.xpath("//h2[2]/following-sibling::div[1]/div")[0].text_content()
    assert "bermasalah (broken)" in card and "kicked" in card
    assert re.search(r"Antre\s*2", card) and re.search(r"Terkirim\s*5", card)
    assert re.search(r"Gagal\s*1", card)
    assert "https://t.me/kabar_kukar" in doc.xpath("//a/@href")
    assert "Mode uji" in doc.text_content()


def test_every_chart_shares_one_scale_and_shows_dates(tmp_path: Path) -> None:
    _, doc = render(tmp_path)
    charts = doc.xpath("//div[@class='chart']")
    assert [c.xpath("small")[0].text_content() for c in charts] == [
        "Kabupaten Kutai Kartanegara: 5 berita dalam 14 hari",
        "Kabupaten Kutai Timur: 1 berita dalam 14 hari",
    ]
    kukar_today = float(charts[0].xpath(".//rect")[-1].get("height"))
    kutim_today = float(charts[1].xpath(".//rect")[-1].get("height"))
    assert kukar_today == 4 * kutim_today  # 4 items draws four times as tall as 1
    axis = [t.text_content() for t in charts[0].xpath(".//*[local-name()='text']")]
    assert axis == ["18/11", "1/12"]
    titles = [t.text_content() for t in charts[0].xpath(".//rect/*[local-name()='title']")]
    assert titles[-1] == "2026-12-01: 4"


def test_error_words_name_the_kind() -> None:
    assert error_words({"last_error": None}) == ""
    words = error_words({"last_error": "timed out", "error_kind": "fetch", "last_status": None})
    assert words.startswith("tidak bisa dihubungi") and words.endswith(": timed out")


def test_a_failing_channel_shows_its_failures_in_a_row_and_its_last_error(tmp_path: Path) -> None:
    failing = {
        "chat": "@kabar_kukar", "regency": "kukar", "state": "ok", "reason": None,
        "pending": 3, "sent": 5, "failed": 0, "last_sent": None,
        "consecutive_failures": 4, "last_error": "Bad Gateway <502>",
    }  # fmt: skip
    page = status_html({**data(), "channels": [failing]}, per_day(), config(tmp_path), NOW)
    card = lxml_html.fromstring(page).xpath("//h2[2]/following-sibling::div[1]/div")[0]
    text = card.text_content()
    assert re.search(r"Gagal beruntun\s*4×", text) and "Bad Gateway <502>" in text, text
    assert "Bad Gateway &lt;502&gt;" in page
