"""A filter applies to the channels of its regencies (CONTRACT, Editorial controls): where two
regencies share one channel, a filter of one holds that channel's message about a story of
both, whichever of the two the story names first. The channel gets one message per story,
the first regency's; its filters alone decided, so the order of the regencies did."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syndication.config import FilterConfig, load
from syndication.filters import Filters
from syndication.service import run_once
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal

SHARED = {"kukar": "@kabar_kaltim", "kutim": "@kabar_kaltim", "bontang": "@kabar_bontang"}


def test_a_filter_of_one_regency_holds_the_shared_channels_message_either_way() -> None:
    filters = Filters([FilterConfig(regencies=("kukar",), exclude=("slot",))], SHARED)
    for regency in ("kukar", "kutim"):  # the message to @kabar_kaltim, by either regency
        hold = filters.verdict(regency, "Situs slot diblokir", "Isi berita.")
        assert hold is not None, regency
    assert filters.verdict("bontang", "Situs slot diblokir", "Isi berita.") is None


def test_without_shared_channels_a_filter_keeps_to_its_regencies() -> None:
    chats = {"kukar": "@kabar_kukar", "kutim": "@kabar_kutim"}
    filters = Filters([FilterConfig(regencies=("kukar",), require=("jalan",))], chats)
    assert filters.verdict("kukar", "Pasar baru", "Isi.") is not None
    assert filters.verdict("kutim", "Pasar baru", "Isi.") is None
    everywhere = Filters([FilterConfig(exclude=("slot",))], chats)
    assert everywhere.verdict("kutim", "slot", "") is not None


def test_a_shared_channel_gets_no_message_a_filter_of_one_of_its_regencies_holds(
    tmp_path: Path, portal: Portal, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: Kukar and Kutim post to one channel, a filter of Kukar's excludes "judi
    online"; stories of both regencies (each order of naming them) and of Kutim alone."""
    now = datetime.now(UTC)

    def post(slug: str, title: str, body: str) -> Post:
        when = now - timedelta(minutes=20)
        return Post(slug, title, when, ["Pemerintah"], f"<p>{body}</p>")

    kutim_first = post("a", "Razia Judi Online di Sangatta dan Tenggarong",
                       "SANGATTA – Polisi Kutim dan Kukar merazia judi online.")  # fmt: skip
    kukar_first = post("b", "Razia Judi Online di Tenggarong dan Sangatta",
                       "TENGGARONG – Polisi Kukar dan Kutim merazia judi online.")  # fmt: skip
    kutim_only = post("c", "Razia Judi Online di Sangatta",
                      "SANGATTA – Polisi Kutim merazia judi online di Sangatta.")  # fmt: skip
    clean = post("d", "Pemkab Kutim Resmikan Pasar di Sangatta", "SANGATTA – Pasar baru dibuka.")
    with FakeTelegram(per_minute=20, min_interval=0.0) as fake:
        monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
        path = write_config(
            tmp_path / "config.toml", db_url=db_url, api_url=fake.url,
            chats={"kukar": "@kabar_kaltim", "kutim": "@kabar_kaltim"},
            extra='[[filters]]\nregencies = ["kukar"]\nexclude = ["judi online"]\n',
            sources=f'[[sources]]\nid = "portal"\nurl = "{portal.url}/feed/"\n',
        )  # fmt: skip
        portal.set("/feed/", rss(portal.url, []))
        assert asyncio.run(run_once(load(path))) == 0  # the first poll: no backlog
        portal.set("/feed/", rss(portal.url, [kutim_first, kukar_first, kutim_only, clean]))
        assert asyncio.run(run_once(load(path))) == 0
        sent = [m.text for m in fake.messages_to("@kabar_kaltim")]
    assert len(sent) == 1 and "Resmikan Pasar" in sent[0], sent
