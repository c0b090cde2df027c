"""Taking over a dead holder's chat: the new holder counts the dead one's last send request,
whose answer never came, toward the pace, and so draws no 429 from Telegram."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from syndication.config import load
from syndication.store import open_store
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_deliver import Env
from tests.test_multiprocess_delivery import (
    CHATS,
    chat_leases,
    deliverer,
    drain,
    hanging,
    kill,
    queue,
    sender,
    tally,
    three_chat_config,
    wait_for,
)

INTERVAL = 4.0  # seconds between two messages to a chat: long, so the takeover comes within it


def test_a_takeover_counts_the_dead_holders_unanswered_send(
    tmp_path: Path, portal: Portal, pg_url: str, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    with FakeTelegram(per_minute=20, min_interval=INTERVAL, hang_seconds=30) as fake:
        monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
        path = three_chat_config(tmp_path, pg_url, fake, portal)
        text = path.read_text()
        path.write_text(
            text.replace("[telegram]\n", f"[telegram]\nper_chat_per_second = {1 / INTERVAL}\n")
        )
        titles = queue(path, per_chat=3)
        holder = sender(path, fake.token, "holder:1", lease=60)
        try:
            wait_for(lambda: all(len(fake.messages_to(c)) >= 1 for c in CHATS.values()),
                     holder, 20)  # fmt: skip
            for chat in CHATS.values():  # the next request of each chat is never answered
                fake.fail_next(chat, "hang")
            wait_for(lambda: all(hanging(fake, c) for c in CHATS.values()), holder, 20)
            in_flight = {c: fake.messages_to(c)[-1] for c in CHATS.values()}
        finally:
            err = kill(holder)  # at once: the takeover comes well within INTERVAL
        assert "Traceback" not in err
        store = open_store(pg_url)
        assert set(chat_leases(store).values()) - {None}  # the dead holder's leases remain
        env = Env(load(path), store, fake)
        with caplog.at_level(logging.INFO, logger="syndication.deliver"):
            drain(deliverer(env, "taker:1"), horizon=30)
        assert "event=leases_released" in caplog.text  # taken over at once, not at expiry
        assert fake.flood_count == 0, [r for r in fake.requests if r.status == 429]
        for chat, counts in tally(fake, titles).items():
            assert min(counts.values()) == 1 and max(counts.values()) <= 2, counts
            after = [m.at for m in fake.messages_to(chat) if m.at > in_flight[chat].at]
            assert after and after[0] - in_flight[chat].at >= INTERVAL, (chat, after)
        store.engine.dispose()
