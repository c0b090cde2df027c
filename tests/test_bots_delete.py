"""deleteMessage: a withdrawn article's message is deleted, or refused when too old or gone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bots.errors import ChatBroken
from bots.message import render
from bots.telegram import TelegramSender
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bots_telegram import TOKEN, headline


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN, per_minute=None, min_interval=None) as server:
        yield server


@pytest.fixture
async def sender(fake: FakeTelegram) -> AsyncIterator[TelegramSender]:
    async with TelegramSender(TOKEN, fake.url, read_timeout=0.5, write_timeout=0.5) as bot:
        yield bot


async def test_delete_removes_the_message(fake: FakeTelegram, sender: TelegramSender) -> None:
    sent = await sender.send("@kabar_kukar", render(headline()))
    assert await sender.delete("@kabar_kukar", sent.message_id) is True
    assert fake.deleted == [(sent.chat_id, sent.message_id)]
    # deleting it again: Telegram no longer knows it, which the caller treats as refused
    assert await sender.delete(sent.chat_id, sent.message_id) is False


async def test_too_old_to_delete_is_refused_not_raised(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    sent = await sender.send("@kabar_kukar", render(headline()))
    fake.delete_window = 0  # as if 48 hours had passed
    assert await sender.delete("@kabar_kukar", sent.message_id) is False
    assert fake.deleted == []
    # the message is still there, so it can be edited instead
    await sender.edit("@kabar_kukar", sent.message_id, render(headline("Artikel ditarik")))
    assert "Artikel ditarik" in fake.edits[0].text


async def test_delete_in_a_broken_chat_raises(fake: FakeTelegram, sender: TelegramSender) -> None:
    sent = await sender.send("@kabar_kukar", render(headline()))
    fake.fail_next("@kabar_kukar", "kicked")
    with pytest.raises(ChatBroken):
        await sender.delete("@kabar_kukar", sent.message_id)
