"""One press release that two portals print word for word under their own headlines ("Sekda
Kukar serahkan 500 paket sembako", "... untuk Warga Loa Kulu") and datelines: one story, one
message. Neither its URL nor its title told them one, and each portal's copy went out. Also a
portal that corrects a headline and, with it, the story's permalink: the corrected copy is no
second story. Two stories that only open alike (a template's words, a recurring report)
stay two."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest

from syndication.normalize.dedup import LEAD_WORDS, lead_key
from tests.acceptance_kit import config_text, once, source, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_reclassified import CHATS, feed

RELEASE = (
    "Pemerintah Kabupaten Kutai Kartanegara melalui Dinas Sosial menyalurkan 501 paket "
    "sembako kepada warga kurang mampu di Kecamatan Loa Kulu pada Senin pagi. Sekretaris "
    "Daerah Kukar menyerahkan bantuan itu secara simbolis di kantor camat, didampingi para "
    "kepala desa. Bantuan berisi beras, minyak goreng, gula dan telur untuk setiap keluarga. "
    "(adv/diskominfo/kukar)"
)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def story(
    base: str, key: str, title: str, dateline: str, text: str = RELEASE, hours_ago: float = 0.5
) -> str:
    when = format_datetime(datetime.now(UTC) - timedelta(hours=hours_ago))
    body = f"<p>{dateline} – {text}</p>"
    return (
        f"<item><title>{escape(title)}</title><link>{base}/{key}/</link>"
        f"<guid>{base}/{key}/</guid><pubDate>{when}</pubDate>"
        f"<description>{escape(body)}</description></item>"
    )


def test_the_lead_key_reads_past_the_dateline_and_the_case() -> None:
    one = lead_key(f"LOA KULU – {RELEASE}", "LOA KULU –")
    other = lead_key(f"Kukar, eksposisi.com – {RELEASE.upper()}", "Kukar, eksposisi.com –")
    assert one and one == other
    short = " ".join(RELEASE.split()[: LEAD_WORDS - 1])
    assert lead_key(short, None) == ""  # a teaser says too little


def _portals(tmp_path: Path, portal: Portal, fake: FakeTelegram) -> Path:
    b = portal.url
    portal.set("/a/feed/", feed())
    portal.set("/b/feed/", feed())
    sources = source("satu", f"{b}/a/feed/") + source("dua", f"{b}/b/feed/")
    config = write(tmp_path, config_text(sources, chats=CHATS, api_url=fake.url))
    once(config, fake.token)  # both first polls: nothing listed yet
    return config


def test_one_release_under_two_headlines_is_announced_once(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    config = _portals(tmp_path, portal, fake)
    b = portal.url
    portal.set(
        "/a/feed/",
        feed(story(f"{b}/a", "d1", "Sekda Kukar Serahkan 500 Paket Sembako", "LOA KULU")),
    )
    portal.set(
        "/b/feed/",
        feed(
            story(
                f"{b}/b",
                "berita-1-kukar",
                "Sekda Kukar Serahkan 500 Paket Sembako untuk Warga Loa Kulu",
                "Kukar, kabarbenua.test",
            )
        ),
    )
    once(config, fake.token)
    once(config, fake.token)
    assert [m.chat for m in fake.messages] == ["@kabar_kukar"]
    rss = (tmp_path / "out" / "all.rss").read_text(encoding="utf-8")
    assert rss.count("<item>") == 1


def test_a_headline_corrected_with_its_permalink_is_no_second_story(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    config = _portals(tmp_path, portal, fake)
    b = portal.url
    first = story(
        f"{b}/a", "pemkab-kukar-salurkan-sembako", "Pemkab Kukar Salurkan Sembako", "LOA KULU"
    )
    portal.set("/a/feed/", feed(first))
    once(config, fake.token)
    fixed = story(
        f"{b}/a",
        "pemkab-kukar-salurkan-501-paket-sembako",
        "Pemkab Kukar Salurkan 501 Paket Sembako",
        "LOA KULU",
    )
    portal.set("/a/feed/", feed(fixed))
    once(config, fake.token)
    assert [m.chat for m in fake.messages] == ["@kabar_kukar"]


def test_stories_that_only_open_alike_stay_two(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    config = _portals(tmp_path, portal, fake)
    b = portal.url

    # one portal's template words open both, under like headlines, a day apart
    def template(tail: str) -> str:
        return RELEASE.replace("(adv/diskominfo/kukar)", f"{tail} (adv/diskominfo/kukar)")

    portal.set(
        "/a/feed/",
        feed(
            story(
                f"{b}/a",
                "pasar-1",
                "Bupati Kukar Resmikan Pasar Desa Loa Ipuh",
                "LOA KULU",
                template("Pasar Loa Ipuh."),
            ),
            story(
                f"{b}/a",
                "pasar-2",
                "Bupati Kukar Resmikan Pasar Desa Jembayan",
                "LOA KULU",
                template("Pasar Jembayan."),
                hours_ago=20,
            ),
        ),
    )
    # another portal opens with the same words under another headline altogether
    portal.set(
        "/b/feed/",
        feed(
            story(
                f"{b}/b",
                "lain",
                "Warga Loa Kulu Antre Sejak Subuh",
                "LOA KULU",
                template("Antre."),
            )
        ),
    )
    once(config, fake.token)
    once(config, fake.token)
    assert sorted(m.chat for m in fake.messages) == ["@kabar_kukar"] * 3
