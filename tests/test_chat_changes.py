"""A regency's channel changed in config.toml (review of 2026-12-06): the messages still
waiting for the old one go to the new one, and a @username is one channel whatever its case
(@Kabar_Kaltim and @kabar_kaltim were paced as two chats and sent each story twice)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.config import load
from syndication.pipeline import router
from tests.acceptance_kit import config_text, kukar, once, rss2, source, status, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def test_messages_waiting_for_a_mistyped_channel_go_to_the_corrected_one(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    typo = {"kukar": "@kabar_kukr"}
    config = write(
        tmp_path, config_text(source("utama", f"{b}/feed/"), chats=typo, api_url=fake.url)
    )
    once(config, fake.token)  # the first poll: an empty backlog
    fake.fail_next("@kabar_kukr", "not_found", n=100)
    news = [kukar("satu", "Pemkab Kukar Gelar Rapat Koordinasi", minutes_ago=2),
            kukar("dua", "Bupati Kukar Tinjau Jalan Rusak", minutes_ago=1)]  # fmt: skip
    portal.set("/feed/", rss2(b, news))
    once(config, fake.token)
    assert fake.messages == []
    assert status(config)["totals"]["pending_deliveries"] == 2

    config.write_text(config.read_text().replace("@kabar_kukr", "@kabar_kukar"))
    once(config, fake.token)
    sent = sorted(m.text.split("\n")[1] for m in fake.messages_to("@kabar_kukar"))
    assert len(sent) == 2 and len(fake.messages) == 2, sent
    assert status(config)["totals"]["pending_deliveries"] == 0
    once(config, fake.token)  # nothing is sent twice
    assert len(fake.messages) == 2


def test_a_username_is_one_channel_whatever_its_case(tmp_path: Path) -> None:
    text = config_text("", chats={"kukar": "@kabar_kaltim", "kutim": "@Kabar_Kaltim"})
    config = load(write(tmp_path, text))
    chats = {r.slug: r.chat for r in config.regencies if r.chat}
    assert chats["kukar"] == chats["kutim"] == "@kabar_kaltim"

    class Both:  # an item about both regencies, as the router reads one
        regencies = ("kukar", "kutim")
        categories = ("pemerintah",)

    routes = router(config)(Both())  # type: ignore[arg-type]
    assert {chat for _, chat in routes} == {"@kabar_kaltim"}


def test_a_refused_token_is_shown_in_status_until_a_message_goes_out(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Review of 2026-12-06: a token Telegram refused was one log line; `status` showed every
    channel ok and nothing said why no message left."""
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    chats = {"kukar": "@kabar_kukar"}
    config = write(
        tmp_path, config_text(source("utama", f"{b}/feed/"), chats=chats, api_url=fake.url)
    )
    once(config, "revoked-token")
    assert status(config)["telegram_error"] is None  # nothing tried yet
    portal.set("/feed/", rss2(b, [kukar("satu", "Pemkab Kukar Gelar Rapat", minutes_ago=1)]))
    once(config, "revoked-token")
    shown = status(config)
    assert fake.messages == [] and shown["totals"]["pending_deliveries"] == 1
    assert "refused the bot token" in shown["telegram_error"], shown["telegram_error"]
    assert "revoked-token" not in str(shown)  # the token itself is never shown
    once(config)  # no token at all: a dry run, and no refusal to show
    assert status(config)["telegram_error"] is None
    once(config, "revoked-token")
    assert status(config)["telegram_error"]
    once(config, fake.token)  # the admin sets the new token
    assert len(fake.messages) == 1
    assert status(config)["telegram_error"] is None


def test_a_refused_token_is_tried_again_after_a_while(tmp_path: Path) -> None:
    import asyncio
    import time
    from datetime import UTC, datetime

    from syndication.delivery import Deliverer, core
    from syndication.store import open_store

    config = load(write(tmp_path, config_text("", chats={"kukar": "@kabar_kukar"})))
    store = open_store(config.database_url)
    try:
        deliverer = Deliverer(config, store, lambda: datetime.now(UTC), owner="test")
        deliverer.token_rejected, deliverer.token_rejected_at = True, time.monotonic()
        asyncio.run(deliverer.drain())
        assert deliverer.token_rejected  # refused a moment ago: not asked again yet
        deliverer.token_rejected_at -= core.TOKEN_RECHECK
        asyncio.run(deliverer.drain())
        assert not deliverer.token_rejected  # one request will tell
    finally:
        store.engine.dispose()


def test_status_tells_what_the_service_does_not_what_its_own_shell_has(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Review of 2026-12-06: `status` run from a shell without the token said dry_run while
    the service sent; on a broken config.toml with no daemon it said config_error null."""
    b = portal.url
    portal.set("/feed/", rss2(b, []))
    chats = {"kukar": "@kabar_kukar"}
    config = write(
        tmp_path, config_text(source("utama", f"{b}/feed/"), chats=chats, api_url=fake.url)
    )
    once(config, fake.token)
    assert status(config)["dry_run"] is False  # the shell here has no token; the run had one
    once(config)  # a run without a token delivers dry
    assert status(config)["dry_run"] is True

    config.write_text(config.read_text().replace('max_age = "24h"', 'max_age = "sehari"'))
    shown = status(config)
    assert "telegram.max_age" in shown["config_error"], shown["config_error"]
