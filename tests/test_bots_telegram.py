"""bots.telegram against the fake Bot API on 127.0.0.1, through real python-telegram-bot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from bots.errors import (
    BotError,
    ChatBroken,
    ChatMigrated,
    MessageGone,
    Rejected,
    RetryAfter,
    TokenRejected,
    Transient,
    Unknowable,
)
from bots.message import Headline, Message, render
from bots.pacing import Limits, Pacer
from bots.telegram import SentMessage, TelegramSender
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bots_message import HOSTILE

TOKEN = "987654321:AAsecret-token-for-tests_0123456789abcdef"
IMAGE = "https://eksposisi.com/wp-content/uploads/jembatan.jpg"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TOKEN, per_minute=None, min_interval=None, hang_seconds=1.5)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def sender(fake: FakeTelegram) -> AsyncIterator[TelegramSender]:
    async with TelegramSender(TOKEN, fake.url, read_timeout=0.5, write_timeout=0.5) as bot:
        yield bot


def headline(title: str = "Pemkab Kukar Gelar Rapat", image: str | None = None) -> Headline:
    return Headline(
        key="k", title=title, url="https://eksposisi.com/a/?x=1&y=2", source_name="Eksposisi",
        published=datetime(2024, 11, 18, 12, 15, tzinfo=UTC), labels=("Pemerintah",),
        regency_name="Kutai Kartanegara", summary="Ringkasan.", image_url=image,
    )  # fmt: skip


async def test_get_me(sender: TelegramSender) -> None:
    me = await sender.get_me()
    assert me.username == "fake_bot" and me.id == 123456789


async def test_text_message_lands_as_rendered(fake: FakeTelegram, sender: TelegramSender) -> None:
    message = render(headline())
    sent = await sender.send("@kabar_kukar", message, silent=True)
    [record] = fake.messages
    assert sent == SentMessage(record.message_id, fake.chat_id("@kabar_kukar"), "text")
    assert record.html == message.html and record.silent and not record.preview_disabled
    assert "Pemkab Kukar Gelar Rapat" in record.text


async def test_numeric_chat_given_as_string(fake: FakeTelegram, sender: TelegramSender) -> None:
    sent = await sender.send("-1001234", render(headline()))
    assert sent.chat_id == -1001234 and fake.messages[0].chat == "-1001234"


async def test_photo_with_caption(fake: FakeTelegram, sender: TelegramSender) -> None:
    sent = await sender.send("@c", render(headline(image=IMAGE)))
    assert sent.kind == "photo"
    assert fake.messages[0].kind == "photo" and fake.messages[0].photo == IMAGE


@pytest.mark.parametrize("title", HOSTILE)
async def test_hostile_titles_are_accepted(
    fake: FakeTelegram, sender: TelegramSender, title: str
) -> None:
    for image in (None, IMAGE):
        await sender.send("@c", render(headline(title, image)))
    assert len(fake.messages) == 2  # the fake refuses bad HTML and over-long text with 400


@pytest.mark.parametrize("failure", ["photo_url", "rejected_url"])
async def test_photo_url_refused_falls_back_to_text(
    fake: FakeTelegram, sender: TelegramSender, failure: str
) -> None:
    if failure == "photo_url":
        fake.fail_next("@c", "photo_url")
    else:
        fake.reject_photo(IMAGE)
    sent = await sender.send("@c", render(headline(image=IMAGE)))
    assert sent.kind == "text"
    [record] = fake.messages
    assert record.kind == "text" and "Pemkab Kukar Gelar Rapat" in record.text


@pytest.mark.parametrize(
    ("kind", "params", "error"),
    [
        ("kicked", {}, ChatBroken),
        ("forbidden", {}, ChatBroken),
        ("not_found", {}, ChatBroken),
        ("5xx", {"status": 502}, Transient),
        ("5xx", {"status": 500}, Transient),
        ("flood", {"retry_after": 7}, RetryAfter),
        ("migrate", {"new_chat_id": -100777}, ChatMigrated),
    ],
)
async def test_error_kinds(
    fake: FakeTelegram, sender: TelegramSender, kind: str, params: dict[str, int],
    error: type[BotError],
) -> None:  # fmt: skip
    fake.fail_next("@c", kind, **params)
    with pytest.raises(error) as caught:
        await sender.send("@c", render(headline()))
    assert fake.messages == []
    if isinstance(caught.value, RetryAfter):
        assert caught.value.seconds == 7
    if isinstance(caught.value, ChatMigrated):
        assert caught.value.new_chat_id == -100777
    await sender.send("@c", render(headline()))  # only the next request failed
    assert len(fake.messages) == 1


async def test_fail_next_counts_n(fake: FakeTelegram, sender: TelegramSender) -> None:
    fake.fail_next("@c", "5xx", n=2)
    for _ in range(2):
        with pytest.raises(Transient):
            await sender.send("@c", render(headline()))
    await sender.send("@c", render(headline()))


async def test_bad_html_and_too_long_are_rejected(sender: TelegramSender) -> None:
    with pytest.raises(Rejected, match="parse entities"):
        await sender.send("@c", Message("text", "<script>x</script>"))
    with pytest.raises(Rejected, match="too long"):
        await sender.send("@c", Message("text", "x" * 4097))


async def test_hang_after_accepting_is_unknowable(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    fake.fail_next("@c", "hang")
    with pytest.raises(Unknowable, match="may have been posted"):
        await sender.send("@c", render(headline()))
    assert len(fake.messages) == 1  # Telegram did post it


async def test_nothing_listening_is_transient(closed_port: int) -> None:
    async with TelegramSender(TOKEN, f"http://127.0.0.1:{closed_port}") as bot:
        with pytest.raises(Transient):
            await bot.send("@c", render(headline()))


async def test_wrong_token(fake: FakeTelegram) -> None:
    async with TelegramSender("111:wrong-token-xxxxxxxxxxxxxxxxxxxx", fake.url) as bot:
        with pytest.raises(TokenRejected):
            await bot.get_me()


async def test_edit_text_caption_and_not_modified(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    text = await sender.send("@c", render(headline()))
    photo = await sender.send("@c", render(headline(image=IMAGE)))
    await sender.edit("@c", text.message_id, render(headline("Judul Diperbaiki")))
    await sender.edit(text.chat_id, text.message_id, render(headline("Judul Diperbaiki")))
    caption = render(headline("Judul Diperbaiki", IMAGE), kind=photo.kind)
    await sender.edit("@c", photo.message_id, caption)
    edits = fake.edits
    assert [e.message_id for e in edits] == [text.message_id, photo.message_id]
    assert all("Judul Diperbaiki" in e.text for e in edits)


async def test_edit_of_missing_message(sender: TelegramSender) -> None:
    with pytest.raises(MessageGone):
        await sender.edit("@c", 999, render(headline()))


async def test_send_test(fake: FakeTelegram, sender: TelegramSender) -> None:
    await sender.send_test("@c")
    assert "fake_bot" in fake.messages[0].text


async def test_retry_after_blocks_only_that_chat(fake: FakeTelegram) -> None:
    fake.per_minute = 2
    pacer = Pacer(Limits(chat_interval=0.0, slack=0.0))
    async with TelegramSender(TOKEN, fake.url) as bot:
        for _ in range(2):
            await bot.send("@a", render(headline()))
        with pytest.raises(RetryAfter) as caught:
            await bot.send("@a", render(headline()))
        pacer.block("@a", caught.value.seconds)
        assert pacer.delay("@a") > caught.value.seconds - 1
        assert pacer.delay("@b") == 0.0
        await pacer.acquire("@b")
        await bot.send("@b", render(headline()))
    assert [m.chat for m in fake.messages] == ["@a", "@a", "@b"]
    assert fake.flood_count == 1


async def test_token_never_logged_nor_in_errors(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "telegram"):
        caplog.set_level(logging.DEBUG, logger=name)
    texts: list[str] = []
    async with TelegramSender(TOKEN, fake.url, read_timeout=0.3) as bot:
        # an app may turn httpx back up to DEBUG: its URL lines must still be scrubbed
        caplog.set_level(logging.DEBUG, logger="httpx")
        texts.append(repr(bot))
        await bot.get_me()
        await bot.send("@c", render(headline(image=IMAGE)))
        for kind in ("kicked", "5xx", "flood", "migrate", "not_found", "hang"):
            fake.fail_next("@c", kind, seconds=0.8)
            with pytest.raises(BotError) as caught:
                await bot.send("@c", render(headline()))
            texts += [str(caught.value), repr(caught.value), repr(caught.value.__cause__)]
    async with TelegramSender(TOKEN, "http://127.0.0.1:9") as bot:
        with pytest.raises(Transient) as caught_net:
            await bot.send("@c", render(headline()))
        texts += [str(caught_net.value), repr(caught_net.value)]
    secret = TOKEN.split(":")[1]
    assert "sendMessage" in caplog.text and "HTTP Request: POST" in caplog.text  # captured
    assert "Set Bot API URL" in caplog.text
    assert secret not in caplog.text
    assert not [t for t in texts if secret in t]
    await asyncio.sleep(0)


async def test_a_huge_retry_after_is_capped_at_an_hour(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    fake.fail_next("@c", "flood", retry_after=10**12)
    with pytest.raises(RetryAfter) as caught:
        await sender.send("@c", render(headline()))
    assert caught.value.seconds == 3600
