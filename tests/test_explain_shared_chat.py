"""Two regencies whose channels are one chat (spelled "@kabar_kukar" and "@KABAR_KUKAR"): the
story goes out once, and `explain` says the second regency's line is that same message. It
said "not queued when first seen: the source's first poll was still incomplete ... or the
config then routed it elsewhere", and a username spelled in capitals never found its row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance_kit import cli, config_text, once, source, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_reclassified import feed, item

BODY = (
    "<p>TENGGARONG – Pemerintah Kabupaten Kutai Kartanegara dan Pemerintah Kota Bontang "
    "menandatangani kerja sama pengelolaan sampah regional di Tenggarong.</p>"
    "<p>Kerja sama itu berlaku lima tahun. (adv/diskominfo/kukar)</p>"
)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def test_a_chat_two_regencies_share_is_explained_as_one_message(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    portal.set("/feed/", feed())
    chats: dict[str, str | int] = {"kukar": "@kabar_kukar", "bontang": "@KABAR_KUKAR"}
    config = write(
        tmp_path, config_text(source("utama", f"{b}/feed/"), chats=chats, api_url=fake.url)
    )
    once(config, fake.token)
    title = "Pemkab Kukar dan Pemkot Bontang Teken Kerja Sama Sampah"
    portal.set("/feed/", feed(item(b, "sampah", title, BODY, ("Pemerintah", "Bontang"))))
    once(config, fake.token)
    assert len(fake.messages) == 1
    said = cli(config, "explain", f"{b}/berita/sampah/").stdout
    lines = [line for line in said.splitlines() if "->" in line and "@" in line]
    assert len(lines) == 2, said
    assert all("sent" in line for line in lines), said
    assert "shares with regency" in said and "not queued" not in said, said
