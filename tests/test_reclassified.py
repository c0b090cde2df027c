"""A story corrected after it was first seen, in what routes its message: the portal adds a
pushed category's label, moves it to another regency, or drops the word a filter held it for.
Each time the item stayed as it was first classified (a label alone changed nothing: its text
was the same), or its new chat was never told, or the held message stayed held; only a
reload's refilter released it. A story the source listed on its first poll (its backlog) is
never announced, however it is corrected."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest

from tests.acceptance_kit import cli, config_text, once, source, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal

CHATS: dict[str, str | int] = {"kukar": "@kabar_kukar", "bontang": "@kabar_bontang"}
BEFORE = "Warga antusias, panitia menyiapkan hadiah untuk para pemenang lomba."


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def item(base: str, key: str, title: str, body: str, labels: tuple[str, ...]) -> str:
    when = format_datetime(datetime.now(UTC) - timedelta(minutes=30))
    cats = "".join(f"<category>{c}</category>" for c in labels)
    return (
        f"<item><title>{escape(title)}</title><link>{base}/berita/{key}/</link>"
        f'<guid isPermaLink="false">{base}/?p={key}</guid><pubDate>{when}</pubDate>{cats}'
        f"<description>{escape(body)}</description></item>"
    )


def feed(*items: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Portal</title>'
        f"<link>http://portal.test/</link><description>x</description>{''.join(items)}"
        "</channel></rss>"
    )


SPORT = (
    "<p>TENGGARONG – Turnamen sepak bola antardesa se-Kutai Kartanegara dibuka di stadion "
    f"Rondong Demang, diikuti 32 tim dari 18 kecamatan.</p><p>{BEFORE}</p>"
)


def market(town: str, who: str, credit: str) -> str:
    return (
        f"<p>{town} – {who} meresmikan pasar rakyat yang baru selesai dibangun, dihadiri camat "
        f"dan para pedagang.</p><p>Pasar itu menampung 200 pedagang. ({credit})</p>"
    )


def _setup(tmp_path: Path, portal: Portal, fake: FakeTelegram, extra: str = "") -> Path:
    b = portal.url
    backlog = item(b, "lama", "Lomba Perahu Naga di Sungai Mahakam", SPORT, ("Olahraga",))
    portal.set("/feed/", feed(backlog))
    text = config_text(source("utama", f"{b}/feed/"), chats=CHATS, api_url=fake.url) + extra
    config = write(tmp_path, text)
    once(config, fake.token)  # the first poll: backlog
    return config


def test_a_pushed_category_added_later_sends_the_message(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    config = _setup(tmp_path, portal, fake)
    b = portal.url
    backlog = item(b, "lama", "Lomba Perahu Naga di Sungai Mahakam", SPORT, ("Olahraga",))
    title = "Turnamen Sepak Bola Antardesa Kukar Dibuka"
    portal.set("/feed/", feed(item(b, "bola", title, SPORT, ("Olahraga",)), backlog))
    once(config, fake.token)
    assert fake.messages == []  # sport is not pushed
    # the portal adds the government label to both, its text unchanged
    relabelled = ("Olahraga", "Pemerintah")
    portal.set(
        "/feed/",
        feed(
            item(b, "bola", title, SPORT, relabelled),
            item(b, "lama", "Lomba Perahu Naga di Sungai Mahakam", SPORT, relabelled),
        ),
    )
    once(config, fake.token)
    once(config, fake.token)
    sent = fake.messages
    assert [m.chat for m in sent] == ["@kabar_kukar"], [m.text for m in sent]
    assert title in sent[0].text  # the backlog story is not announced
    shown = json.loads((tmp_path / "out" / "category" / "pemerintah.json").read_text())
    assert {i["title"] for i in shown["items"]} >= {title}


def test_a_corrected_regency_tells_its_new_chat(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    config = _setup(tmp_path, portal, fake)
    b = portal.url
    body = market("TENGGARONG", "Bupati Kutai Kartanegara", "adv/diskominfo/kukar")
    portal.set("/feed/", feed(item(b, "pasar", "Pemkab Kukar Resmikan Pasar", body, ())))
    once(config, fake.token)
    assert [m.chat for m in fake.messages] == ["@kabar_kukar"]
    fixed = market("BONTANG", "Wali Kota Bontang", "adv/diskominfo/bontang")
    portal.set("/feed/", feed(item(b, "pasar", "Pemkot Bontang Resmikan Pasar", fixed, ())))
    once(config, fake.token)
    once(config, fake.token)
    assert [m.chat for m in fake.messages] == ["@kabar_kukar", "@kabar_bontang"]
    assert "Pemkot Bontang Resmikan Pasar" in fake.messages[1].text
    explained = cli(config, "explain", f"{b}/berita/pasar/").stdout
    assert "@kabar_bontang" in explained


def test_a_correction_that_drops_the_held_word_releases_the_message(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    config = _setup(tmp_path, portal, fake, '\n[[filters]]\nexclude = ["slot"]\n')
    b = portal.url
    body = market("TENGGARONG", "Satpol PP Kutai Kartanegara", "diskominfo/kukar")
    portal.set("/feed/", feed(item(b, "razia", "Pemkab Kukar Sita Mesin Slot", body, ())))
    once(config, fake.token)
    assert fake.messages == []  # held by the filter
    portal.set("/feed/", feed(item(b, "razia", "Pemkab Kukar Sita Mesin Judi", body, ())))
    once(config, fake.token)
    once(config, fake.token)
    assert [m.chat for m in fake.messages] == ["@kabar_kukar"]
    assert "Sita Mesin Judi" in fake.messages[0].text
